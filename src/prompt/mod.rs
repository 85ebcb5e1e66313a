//! What the model is shown: a template (built-in or the user's) filled with
//! the target's code, its context and the exact entries its docstring must
//! describe (names come from the code, never from the model), cut to the
//! prompt budget, with likely secrets replaced.

pub mod context;
pub mod never_send;
pub mod order;
pub mod redact;
pub mod template;
pub mod truth;

use crate::docstring::Docstring;
use crate::python::Module;

/// The entries the answer must describe, as one JSON line: the names and
/// which value sections exist.
pub fn entries(skeleton: &Docstring) -> String {
    // Written straight from the skeleton (no `Value` built per prompt); the
    // fields in this order, as every cached prompt has them.
    #[derive(serde::Serialize)]
    struct Entries<'a> {
        params: Vec<&'a str>,
        raises: Vec<&'a str>,
        attributes: Vec<&'a str>,
        returns: bool,
        yields: bool,
    }
    let entries = Entries {
        params: skeleton.params.iter().map(|p| p.name.trim_start_matches('*')).collect(),
        raises: skeleton.raises.iter().map(|r| r.exception.trim_start_matches('*')).collect(),
        attributes: skeleton.attributes.iter().map(|a| a.name.trim_start_matches('*')).collect(),
        returns: !skeleton.returns.is_empty(),
        yields: !skeleton.yields.is_empty(),
    };
    serde_json::to_string(&entries).unwrap_or_default()
}

/// The definition's lines, decorators included, from the start of its first
/// line.
pub fn definition_source(source: &str, range: std::ops::Range<usize>) -> &str {
    let start = source.get(..range.start).and_then(|before| before.rfind('\n')).map_or(0, |at| at + 1);
    source.get(start..range.end).unwrap_or("")
}

/// A module's top level in brief: imports and assignments as written, and
/// each top-level definition by its first line.
pub(crate) fn module_outline(source: &str, module: &Module) -> String {
    let mut outline = String::new();
    for definition in module.definitions.iter().filter(|d| d.parent.is_none()) {
        let text = definition_source(source, definition.range.clone());
        let header = text.lines().find(|l| !l.trim_start().starts_with('@')).unwrap_or("");
        outline.push_str(header.trim_end());
        outline.push_str(" ...\n");
    }
    let imports: String = import_lines(source).take(40).map(|line| format!("{line}\n")).collect();
    format!("{imports}{outline}")
}

/// The module's top-level import statements, as written.
pub(crate) fn import_lines(source: &str) -> impl Iterator<Item = &str> {
    source.lines().filter(|line| line.starts_with("import ") || line.starts_with("from "))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::docstring::insert::Target;
    use crate::engine::{EngineOptions, Templates, WriteRequest};
    use crate::python::SourceFile;

    #[test]
    fn the_entries_line_is_the_json_it_always_was() {
        let source = "class Box:\n    def open(self, path, *args, mode='r'):\n        if not path:\n            raise ValueError(path)\n        return 1\n";
        let file = SourceFile::parse(source.to_string()).unwrap();
        let module = file.module();
        let options = EngineOptions::default();
        let request = WriteRequest { path: None, source, module, target: Target::Definition(1), options: &options };
        let skeleton = Templates::skeleton(&request).unwrap();
        // The line as it was first written (with a `Value`), byte for byte:
        // it is part of every cached prompt's key.
        let names =
            |items: Vec<&str>| items.into_iter().map(|n| n.trim_start_matches('*').to_string()).collect::<Vec<_>>();
        let as_first_written = json!({
            "params": names(skeleton.params.iter().map(|p| p.name.as_str()).collect()),
            "raises": names(skeleton.raises.iter().map(|r| r.exception.as_str()).collect()),
            "attributes": names(skeleton.attributes.iter().map(|a| a.name.as_str()).collect()),
            "returns": !skeleton.returns.is_empty(),
            "yields": !skeleton.yields.is_empty(),
        });
        assert_eq!(entries(&skeleton), as_first_written.to_string());
        assert!(entries(&skeleton).contains("\"params\":[\"path\",\"args\",\"mode\"]"), "{}", entries(&skeleton));
    }
}
