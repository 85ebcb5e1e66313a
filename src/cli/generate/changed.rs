//! `--changed`: only the definitions a change since a revision touched.

use std::collections::HashMap;
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::docstring::insert::Target;
use crate::engine::EngineOptions;
use crate::git::Changed;
use crate::python::Module;

/// The options for the file named `name` (an absolute path): `base` when no
/// change is asked about or the whole file is new; otherwise only the
/// targets its changed lines touch (none when it did not change).
pub fn options_for(
    base: &EngineOptions,
    changed: Option<&HashMap<PathBuf, Changed>>,
    name: &str,
    module: &Module,
) -> EngineOptions {
    let Some(changed) = changed else { return base.clone() };
    let only = match changed.get(Path::new(name)) {
        None => Vec::new(),
        Some(Changed::Whole) => return base.clone(),
        Some(Changed::Lines(lines)) => touched(module, lines),
    };
    EngineOptions { only: Some(Arc::from(only)), ..base.clone() }
}

/// The targets changed `lines` touch: the module (any change touches it),
/// the innermost definition around each line, and for a line of an
/// `__init__` its class too (the class docstring documents the constructor).
pub fn touched(module: &Module, lines: &[RangeInclusive<usize>]) -> Vec<Target> {
    let mut targets = Vec::new();
    if lines.is_empty() {
        return targets;
    }
    targets.push(Target::Module);
    for line in lines.iter().flat_map(|range| range.clone()) {
        let Some(index) = module.definition_on_line(line) else { continue };
        let mut add = |target: Target| {
            if !targets.contains(&target) {
                targets.push(target);
            }
        };
        add(Target::Definition(index));
        if let Some(definition) = module.definitions.get(index)
            && definition.is_init()
            && let Some(class) = definition.parent
        {
            add(Target::Definition(class));
        }
    }
    targets
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::python::SourceFile;

    const SOURCE: &str = "import os\n\n\nclass Box:\n    def __init__(self, size):\n        self.size = size\n\n    def open(self):\n        def inner():\n            return 1\n        return inner()\n\n\ndef free():\n    return 2\n";

    fn names(module: &Module, targets: &[Target]) -> Vec<String> {
        targets
            .iter()
            .map(|t| match t {
                Target::Module => "<module>".to_string(),
                Target::Definition(i) => module.definitions[*i].qualname.clone(),
            })
            .collect()
    }

    #[test]
    fn each_changed_line_touches_its_innermost_definition() {
        let file = SourceFile::parse(SOURCE.to_string()).unwrap();
        let module = file.module();
        assert_eq!(names(module, &touched(module, &[10..=10])), ["<module>", "Box.open.inner"]);
        assert_eq!(names(module, &touched(module, &[11..=11, 15..=15])), ["<module>", "Box.open", "free"]);
        assert_eq!(names(module, &touched(module, &[1..=1])), ["<module>"]);
        assert!(touched(module, &[]).is_empty());
    }

    #[test]
    fn a_change_to_the_constructor_touches_its_class() {
        let file = SourceFile::parse(SOURCE.to_string()).unwrap();
        let module = file.module();
        assert_eq!(names(module, &touched(module, &[6..=6])), ["<module>", "Box.__init__", "Box"]);
    }

    #[test]
    fn an_unchanged_file_gets_nothing_and_a_new_one_everything() {
        let file = SourceFile::parse(SOURCE.to_string()).unwrap();
        let base = EngineOptions::default();
        let mut changed = HashMap::new();
        changed.insert(PathBuf::from("/repo/new.py"), Changed::Whole);
        let untouched = options_for(&base, Some(&changed), "/repo/old.py", file.module());
        assert_eq!(untouched.only.as_deref(), Some(&[][..]));
        assert_eq!(options_for(&base, Some(&changed), "/repo/new.py", file.module()), base);
        assert_eq!(options_for(&base, None, "/repo/old.py", file.module()), base);
    }
}
