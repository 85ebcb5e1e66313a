//! A symbol index over a workspace: every definition of every indexed file,
//! what each module imports, and the calls inside each definition.
//!
//! It answers which workspace functions a definition calls (so their
//! signatures and summaries can be shown beside it), and whether a name a
//! reader mentions exists. Calls are stored as written and resolved when
//! asked, so re-indexing one file changes what callers in other files see.
//! Per file it keeps only small owned data, never the tree.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::LazyLock;

use tree_sitter::{Language, Node};

use super::model::{DecoratorKind, Definition, DefinitionKind};
use super::parse::SourceFile;

/// One definition's entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Symbol {
    /// Dotted module name, e.g. `pkg.sub.mod` (`pkg` for `pkg/__init__.py`).
    pub module: String,
    /// `Class.method`, `func`.
    pub qualname: String,
    pub kind: DefinitionKind,
    /// The header from `def`/`async def`/`class` through its colon, on one
    /// line: comments dropped, each run of whitespace between tokens made one
    /// space (none just inside a bracket where the header broke a line),
    /// string literals kept as written.
    pub signature: String,
    /// First non-empty line of the docstring, trimmed.
    pub summary: Option<String>,
}

/// The symbol index. Paths are keys as given: pass the same form of a path
/// to every method.
#[derive(Debug, Default)]
pub struct WorkspaceIndex {
    root: Option<PathBuf>,
    files: HashMap<PathBuf, FileIndex>,
    /// Module name to the file that defines it (the last indexed, when two
    /// files claim one name).
    modules: HashMap<String, PathBuf>,
    /// Every dotted prefix of an indexed module's name (`pkg` and `pkg.sub`
    /// for `pkg.sub.mod`), counted per file: packages, namespace ones too.
    packages: HashMap<String, usize>,
    /// Last qualname parts and module name parts, counted per occurrence.
    names: HashMap<String, usize>,
    symbol_count: usize,
}

/// One file's part of the index, made by `WorkspaceIndex::entry`.
#[derive(Debug)]
pub struct FileEntry {
    path: PathBuf,
    index: FileIndex,
}

/// What one file contributes.
#[derive(Debug, Default)]
struct FileIndex {
    module: String,
    /// Whether the file is a package's `__init__`: its own package for
    /// relative imports.
    is_package: bool,
    symbols: Vec<Symbol>,
    /// Facts beside each symbol, same index.
    facts: Vec<SymbolFacts>,
    by_qualname: HashMap<String, usize>,
    /// Local name to the dotted name it refers to, in order of appearance.
    imports: Vec<(String, String)>,
}

#[derive(Debug, Default)]
struct SymbolFacts {
    /// Every enclosing definition is a class, so `module.qualname` names it
    /// from outside (a function nested in a function cannot be reached).
    reachable: bool,
    /// The nearest enclosing class, whose methods `self.name()` reaches.
    class: Option<usize>,
    /// For a class: its bases that are dotted names, subscripts removed.
    bases: Vec<String>,
    /// Calls in order of first appearance, each once.
    calls: Vec<Call>,
    /// Whether the definition chosen for this qualname is an `@overload`
    /// stub, which a later implementation replaces.
    overload: bool,
}

/// A call as written, resolved at query time.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Call {
    /// `name(...)`
    Name(String),
    /// `self.name(...)` or `cls.name(...)`
    OnSelf(String),
    /// `super().name(...)`
    OnSuper(String),
    /// `a.b.name(...)`, the dotted text.
    Dotted(String),
}

/// How deep `self.name()` looks through base classes.
const BASE_DEPTH: usize = 4;

impl WorkspaceIndex {
    /// `root`: the workspace root; module names are paths relative to it.
    /// Files outside it are named by their file stem.
    pub fn new(root: Option<PathBuf>) -> Self {
        WorkspaceIndex { root, ..WorkspaceIndex::default() }
    }

    /// The dotted module name for `path`: relative to the root, `.py`
    /// removed, `__init__` dropped, and a leading `src/` or `lib/` directory
    /// without an `__init__.py` left out (the src layout). A relative path
    /// is taken as relative to the root.
    pub fn module_name(&self, path: &Path) -> String {
        let stem = || file_stem_name(path);
        let Some(root) = &self.root else { return stem() };
        let relative = if path.is_relative() { Some(path) } else { path.strip_prefix(root).ok() };
        let Some(relative) = relative else { return stem() };
        let mut parts: Vec<String> = Vec::new();
        for component in relative.components() {
            match component {
                Component::Normal(part) => parts.push(part.to_string_lossy().into_owned()),
                Component::CurDir => {}
                // `..` or a root inside a relative path: it leaves the root.
                _ => return stem(),
            }
        }
        if let Some(last) = parts.last_mut()
            && let Some(without) = Path::new(last.as_str()).file_stem()
        {
            *last = without.to_string_lossy().into_owned();
        }
        if parts.len() > 1 && parts.last().is_some_and(|last| last == "__init__") {
            parts.pop();
        }
        if parts.len() > 1 && matches!(parts.first().map(String::as_str), Some("src" | "lib")) {
            let init = root.join(&parts[0]).join("__init__.py");
            if !self.files.contains_key(&init) && !init.is_file() {
                parts.remove(0);
            }
        }
        if parts.first().is_some_and(|first| first == "__init__") {
            // The root's own `__init__.py`: the package is the root itself.
            return stem();
        }
        parts.join(".")
    }

    /// Replaces everything known about the file at `path` with what `file`
    /// defines: symbols, imports, and the calls inside each definition.
    pub fn update(&mut self, path: &Path, file: &SourceFile) {
        let entry = self.entry(path, file);
        self.add(entry);
    }

    /// What `file` at `path` brings to the index, worked out apart from it:
    /// many files' entries can be made at once, then added under one lock.
    pub fn entry(&self, path: &Path, file: &SourceFile) -> FileEntry {
        let module = self.module_name(path);
        let is_package = path.file_stem().is_some_and(|s| s == "__init__");
        FileEntry { path: path.to_path_buf(), index: index_file(module, is_package, file) }
    }

    /// Replaces what was known about the entry's file with the entry.
    pub fn add(&mut self, entry: FileEntry) {
        let FileEntry { path, index } = entry;
        self.remove(&path);
        self.count_names(&index, true);
        self.symbol_count += index.symbols.len();
        self.modules.insert(index.module.clone(), path.clone());
        self.files.insert(path, index);
    }

    pub fn remove(&mut self, path: &Path) {
        let Some(index) = self.files.remove(path) else { return };
        self.count_names(&index, false);
        self.symbol_count = self.symbol_count.saturating_sub(index.symbols.len());
        if self.modules.get(&index.module).is_some_and(|p| p == path) {
            self.modules.remove(&index.module);
            // Another file that claims the same name takes it over.
            if let Some(other) = self.files.iter().find(|(_, f)| f.module == index.module).map(|(p, _)| p.clone()) {
                self.modules.insert(index.module.clone(), other);
            }
        }
    }

    fn count_names(&mut self, index: &FileIndex, add: bool) {
        fn count(map: &mut HashMap<String, usize>, key: &str, add: bool) {
            if add {
                *map.entry(key.to_string()).or_default() += 1;
            } else if let Some(n) = map.get_mut(key) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    map.remove(key);
                }
            }
        }
        for symbol in &index.symbols {
            count(&mut self.names, last_part(&symbol.qualname), add);
        }
        for part in index.module.split('.').filter(|p| !p.is_empty()) {
            count(&mut self.names, part, add);
        }
        let mut prefix_end = index.module.find('.');
        while let Some(end) = prefix_end {
            count(&mut self.packages, index.module.get(..end).unwrap_or(""), add);
            prefix_end = index.module.get(end + 1..).and_then(|rest| rest.find('.')).map(|at| end + 1 + at);
        }
    }

    /// The symbols defined in the workspace that the definition `qualname`
    /// in the file `path` calls, in order of first call, each once, never the
    /// definition itself.
    pub fn callees(&self, path: &Path, qualname: &str) -> Vec<&Symbol> {
        let Some(file) = self.files.get(path) else { return Vec::new() };
        let Some(&at) = file.by_qualname.get(qualname) else { return Vec::new() };
        let (Some(this), Some(facts)) = (file.symbols.get(at), file.facts.get(at)) else { return Vec::new() };
        let mut found: Vec<&Symbol> = Vec::new();
        for call in &facts.calls {
            let Some(symbol) = self.resolve(file, facts, call) else { continue };
            if !std::ptr::eq(symbol, this) && !found.iter().any(|s| std::ptr::eq(*s, symbol)) {
                found.push(symbol);
            }
        }
        found
    }

    /// Records a docstring just written for a definition (its first
    /// non-empty line becomes the summary), so that callers documented after
    /// it see it.
    pub fn set_summary(&mut self, path: &Path, qualname: &str, summary: &str) {
        let Some(file) = self.files.get_mut(path) else { return };
        let Some(&at) = file.by_qualname.get(qualname) else { return };
        if let Some(symbol) = file.symbols.get_mut(at) {
            symbol.summary = first_line(summary);
        }
    }

    /// A symbol by its full dotted name (`pkg.mod.Class.method`).
    pub fn symbol(&self, dotted: &str) -> Option<&Symbol> {
        self.locate(dotted).and_then(|(file, at)| file.symbols.get(at))
    }

    /// Whether `dotted` is an indexed module or a package above one.
    pub fn has_module(&self, dotted: &str) -> bool {
        self.modules.contains_key(dotted) || self.packages.contains_key(dotted)
    }

    /// Whether any symbol's last qualname part, or any part of a module's
    /// name, is `name`.
    pub fn has_name(&self, name: &str) -> bool {
        self.names.contains_key(name)
    }

    /// The local names the module at `path` imports (anywhere in the file),
    /// each with the dotted name it refers to (`np` -> `numpy`, `load` ->
    /// `pkg.config.load`); `import a.b` binds `a.b`.
    pub fn imports(&self, path: &Path) -> Vec<(&str, &str)> {
        self.files
            .get(path)
            .map(|file| file.imports.iter().map(|(local, target)| (local.as_str(), target.as_str())).collect())
            .unwrap_or_default()
    }

    /// The number of symbols.
    pub fn len(&self) -> usize {
        self.symbol_count
    }

    pub fn is_empty(&self) -> bool {
        self.symbol_count == 0
    }

    /// The file and symbol index of a full dotted name: the longest module
    /// prefix that has the rest as a qualname.
    fn locate(&self, dotted: &str) -> Option<(&FileIndex, usize)> {
        let mut split = dotted.len();
        while let Some(dot) = dotted.get(..split).and_then(|head| head.rfind('.')) {
            let (module, qualname) = (dotted.get(..dot)?, dotted.get(dot + 1..)?);
            if let Some(file) = self.modules.get(module).and_then(|path| self.files.get(path))
                && let Some(&at) = file.by_qualname.get(qualname)
            {
                return Some((file, at));
            }
            split = dot;
        }
        None
    }

    /// Like `locate`, for a name reached through attribute access: only a
    /// symbol whose enclosing definitions are all classes.
    fn locate_reachable(&self, dotted: &str) -> Option<(&FileIndex, usize)> {
        self.locate(dotted).filter(|(file, at)| file.facts.get(*at).is_some_and(|f| f.reachable))
    }

    fn resolve<'a>(&'a self, file: &'a FileIndex, facts: &SymbolFacts, call: &Call) -> Option<&'a Symbol> {
        let (found_in, at) = match call {
            Call::Name(name) => match file.by_qualname.get(name.as_str()) {
                Some(&at) => (file, at),
                None => self.locate_reachable(imported(file, name)?)?,
            },
            Call::Dotted(dotted) => self.locate_reachable(&self.expand(file, dotted)?)?,
            Call::OnSelf(name) => self.method_of(file, facts.class?, name, BASE_DEPTH)?,
            Call::OnSuper(name) => {
                let class = file.facts.get(facts.class?)?;
                class.bases.iter().find_map(|base| {
                    let (base_file, base_at) = self.class_named(file, base)?;
                    self.method_of(base_file, base_at, name, BASE_DEPTH.saturating_sub(1))
                })?
            }
        };
        found_in.symbols.get(at)
    }

    /// The full dotted name a dotted expression in `file` stands for: its
    /// head resolved through the imports or the module's own classes.
    fn expand(&self, file: &FileIndex, dotted: &str) -> Option<String> {
        // The longest imported prefix: `import pkg.mod` binds `pkg.mod`.
        let mut split = dotted.len();
        while let Some(dot) = dotted.get(..split).and_then(|head| head.rfind('.')) {
            let prefix = dotted.get(..dot)?;
            if let Some(target) = imported(file, prefix) {
                return Some(format!("{target}{}", dotted.get(dot..)?));
            }
            split = dot;
        }
        let head = dotted.split('.').next()?;
        // `import pkg.mod` also binds `pkg`.
        let bound_by_dotted_import =
            file.imports.iter().any(|(local, target)| local == target && local.split('.').next() == Some(head));
        if bound_by_dotted_import {
            return Some(dotted.to_string());
        }
        let is_own_class = file
            .by_qualname
            .get(head)
            .and_then(|&at| file.symbols.get(at))
            .is_some_and(|s| s.kind == DefinitionKind::Class);
        is_own_class.then(|| format!("{}.{dotted}", file.module))
    }

    /// The class a base expression of a class in `file` names.
    fn class_named<'a>(&'a self, file: &'a FileIndex, base: &str) -> Option<(&'a FileIndex, usize)> {
        let (found_in, at) = if base.contains('.') {
            self.locate_reachable(&self.expand(file, base)?)?
        } else {
            match file.by_qualname.get(base) {
                Some(&at) => (file, at),
                None => self.locate_reachable(imported(file, base)?)?,
            }
        };
        let is_class = found_in.symbols.get(at).is_some_and(|s| s.kind == DefinitionKind::Class);
        is_class.then_some((found_in, at))
    }

    /// The method `name` of the class at `class` in `file`, or of its bases
    /// up to `depth` levels.
    fn method_of<'a>(
        &'a self,
        file: &'a FileIndex,
        class: usize,
        name: &str,
        depth: usize,
    ) -> Option<(&'a FileIndex, usize)> {
        let class_symbol = file.symbols.get(class)?;
        let qualname = format!("{}.{name}", class_symbol.qualname);
        if let Some(&at) = file.by_qualname.get(&qualname) {
            return Some((file, at));
        }
        if depth == 0 {
            return None;
        }
        file.facts.get(class)?.bases.iter().find_map(|base| {
            let (base_file, base_at) = self.class_named(file, base)?;
            if std::ptr::eq(base_file, file) && base_at == class {
                return None;
            }
            self.method_of(base_file, base_at, name, depth - 1)
        })
    }
}

/// A file's module name from its path alone: its stem, or for a package's
/// `__init__` the directory's name.
fn file_stem_name(path: &Path) -> String {
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    if stem != "__init__" {
        return stem;
    }
    path.parent().and_then(Path::file_name).map(|n| n.to_string_lossy().into_owned()).unwrap_or(stem)
}

/// The dotted name `local` is imported as in `file`.
fn imported<'a>(file: &'a FileIndex, local: &str) -> Option<&'a str> {
    file.imports.iter().rev().find(|(name, _)| name == local).map(|(_, target)| target.as_str())
}

fn last_part(dotted: &str) -> &str {
    dotted.rsplit('.').next().unwrap_or(dotted)
}

fn first_line(text: &str) -> Option<String> {
    text.lines().map(str::trim).find(|line| !line.is_empty()).map(str::to_string)
}

/// Node kind and field ids this module looks at, found once.
struct Kinds {
    call: u16,
    identifier: u16,
    attribute: u16,
    import_statement: u16,
    import_from_statement: u16,
    aliased_import: u16,
    dotted_name: u16,
    relative_import: u16,
    string: u16,
    comment: u16,
    line_continuation: u16,
    function: Option<std::num::NonZeroU16>,
    object: Option<std::num::NonZeroU16>,
    attribute_field: Option<std::num::NonZeroU16>,
    name: Option<std::num::NonZeroU16>,
    alias: Option<std::num::NonZeroU16>,
    module_name: Option<std::num::NonZeroU16>,
}

static KINDS: LazyLock<Kinds> = LazyLock::new(|| {
    let language: Language = tree_sitter_python::LANGUAGE.into();
    let kind = |name: &str| language.id_for_node_kind(name, true);
    let field = |name: &str| language.field_id_for_name(name);
    Kinds {
        call: kind("call"),
        identifier: kind("identifier"),
        attribute: kind("attribute"),
        import_statement: kind("import_statement"),
        import_from_statement: kind("import_from_statement"),
        aliased_import: kind("aliased_import"),
        dotted_name: kind("dotted_name"),
        relative_import: kind("relative_import"),
        string: kind("string"),
        comment: kind("comment"),
        line_continuation: kind("line_continuation"),
        function: field("function"),
        object: field("object"),
        attribute_field: field("attribute"),
        name: field("name"),
        alias: field("alias"),
        module_name: field("module_name"),
    }
});

fn child<'t>(node: Node<'t>, field: Option<std::num::NonZeroU16>) -> Option<Node<'t>> {
    field.and_then(|id| node.child_by_field_id(id.get()))
}

fn text_of<'s>(node: Node<'_>, source: &'s str) -> &'s str {
    source.get(node.byte_range()).unwrap_or("")
}

/// Builds one file's entry: a symbol per qualname (an `@overload` stub gives
/// way to the implementation), then one walk over the tree for imports and
/// calls.
fn index_file(module: String, is_package: bool, file: &SourceFile) -> FileIndex {
    let definitions = &file.module().definitions;
    let mut index = FileIndex { module, is_package, ..FileIndex::default() };
    let mut symbol_of_definition: Vec<usize> = Vec::with_capacity(definitions.len());
    for definition in definitions {
        let overload = definition.has_decorator(DecoratorKind::Overload);
        let symbol = Symbol {
            module: index.module.clone(),
            qualname: definition.qualname.clone(),
            kind: definition.kind,
            signature: signature(file, definition),
            summary: definition.docstring.as_ref().and_then(|d| first_line(&d.value)),
        };
        let at = match index.by_qualname.get(&definition.qualname) {
            Some(&at) => {
                if index.facts.get(at).is_some_and(|f| f.overload) && !overload {
                    if let Some(slot) = index.symbols.get_mut(at) {
                        *slot = symbol;
                    }
                    if let Some(facts) = index.facts.get_mut(at) {
                        facts.overload = false;
                    }
                }
                at
            }
            None => {
                let at = index.symbols.len();
                index.by_qualname.insert(definition.qualname.clone(), at);
                index.symbols.push(symbol);
                index.facts.push(SymbolFacts { overload, ..SymbolFacts::default() });
                at
            }
        };
        symbol_of_definition.push(at);
    }
    for (definition, &at) in definitions.iter().zip(&symbol_of_definition) {
        let ancestors = ancestors(definitions, definition);
        let reachable = ancestors.iter().all(|d| d.kind == DefinitionKind::Class);
        let class = ancestors
            .iter()
            .find(|d| d.kind == DefinitionKind::Class)
            .and_then(|d| index.by_qualname.get(&d.qualname).copied());
        let bases = definition.class.as_ref().map(|c| c.bases.iter().filter_map(|b| dotted_base(b)).collect());
        if let Some(facts) = index.facts.get_mut(at) {
            facts.reachable |= reachable;
            if facts.class.is_none() {
                facts.class = class;
            }
            if let Some(bases) = bases.filter(|b: &Vec<String>| !b.is_empty())
                && facts.bases.is_empty()
            {
                facts.bases = bases;
            }
        }
    }
    calls_and_imports(file, definitions, &symbol_of_definition, &mut index);
    index
}

/// The enclosing definitions of `definition`, innermost first.
fn ancestors<'m>(definitions: &'m [Definition], definition: &Definition) -> Vec<&'m Definition> {
    let mut found = Vec::new();
    let mut parent = definition.parent;
    while let Some(enclosing) = parent.and_then(|p| definitions.get(p)) {
        // Parents come before their children; anything else would loop.
        if found.len() >= definitions.len() {
            break;
        }
        found.push(enclosing);
        parent = enclosing.parent;
    }
    found
}

/// A base expression as a dotted name (`Generic[T]` -> `Generic`), or
/// nothing when it is another expression.
fn dotted_base(base: &str) -> Option<String> {
    let head = base.split('[').next().unwrap_or(base);
    let name: String = head.chars().filter(|c| !c.is_whitespace()).collect();
    let is_identifier = |part: &str| {
        part.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_')
            && part.chars().all(|c| c.is_alphanumeric() || c == '_')
    };
    name.split('.').all(is_identifier).then_some(name)
}

/// One walk over the tree: imports anywhere, and each call attributed to the
/// innermost definition around it (decorators and defaults included, nested
/// definitions excluded), found by position: a definition's range stops at
/// its code, while its node runs on to trailing comments. `symbol_of` gives
/// each definition's symbol. (A walk, not a query: compiling a query costs
/// more than walking a project's trees.)
fn calls_and_imports(file: &SourceFile, definitions: &[Definition], symbol_of: &[usize], index: &mut FileIndex) {
    let kinds = &*KINDS;
    let source = file.text();
    let package = package_of(&index.module, index.is_package);
    let mut around = Innermost::new(definitions);
    let mut cursor = file.tree().walk();
    loop {
        let node = cursor.node();
        let kind = node.kind_id();
        let mut descend = true;
        if kind == kinds.call {
            if let Some(function) = child(node, kinds.function)
                && let Some(definition) = around.at(function.start_byte())
                && let (Some(&symbol), Some(call)) = (symbol_of.get(definition), call_of(function, source))
                && let Some(facts) = index.facts.get_mut(symbol)
                && !facts.calls.contains(&call)
            {
                facts.calls.push(call);
            }
        } else if kind == kinds.import_statement || kind == kinds.import_from_statement {
            imports_of(node, source, &package, &mut index.imports);
            descend = false;
        }
        if descend && cursor.goto_first_child() {
            continue;
        }
        // The next node after this one's subtree.
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return;
            }
        }
    }
}

/// The innermost definition around each of a run of rising positions.
/// Definitions come in document order, each before those nested in it: a
/// stack of those open at the current position has the innermost on top.
struct Innermost<'d> {
    definitions: &'d [Definition],
    next: usize,
    /// (end, index) of the definitions open at the last position.
    open: Vec<(usize, usize)>,
}

impl<'d> Innermost<'d> {
    fn new(definitions: &'d [Definition]) -> Self {
        Innermost { definitions, next: 0, open: Vec::new() }
    }

    /// The innermost definition whose range holds `position`, given
    /// positions that never go down.
    fn at(&mut self, position: usize) -> Option<usize> {
        while let Some(definition) = self.definitions.get(self.next).filter(|d| d.range.start <= position) {
            while self.open.last().is_some_and(|&(end, _)| end <= definition.range.start) {
                self.open.pop();
            }
            self.open.push((definition.range.end, self.next));
            self.next += 1;
        }
        while self.open.last().is_some_and(|&(end, _)| end <= position) {
            self.open.pop();
        }
        self.open.last().map(|&(_, index)| index)
    }
}

/// What a call's function expression names, when it can name a workspace
/// definition.
fn call_of(function: Node<'_>, source: &str) -> Option<Call> {
    let kinds = &*KINDS;
    if function.kind_id() == kinds.identifier {
        return Some(Call::Name(text_of(function, source).to_string()));
    }
    if function.kind_id() != kinds.attribute {
        return None;
    }
    let mut parts: Vec<&str> = Vec::new();
    let mut node = function;
    while node.kind_id() == kinds.attribute {
        parts.push(text_of(child(node, kinds.attribute_field)?, source));
        node = child(node, kinds.object)?;
    }
    let single = parts.len() == 1;
    let last = parts.first().copied().unwrap_or("").to_string();
    if node.kind_id() == kinds.identifier {
        let head = text_of(node, source);
        if single && matches!(head, "self" | "cls") {
            return Some(Call::OnSelf(last));
        }
        parts.push(head);
        parts.reverse();
        return Some(Call::Dotted(parts.join(".")));
    }
    let is_super = node.kind_id() == kinds.call
        && child(node, kinds.function)
            .is_some_and(|f| f.kind_id() == kinds.identifier && text_of(f, source) == "super");
    (single && is_super).then_some(Call::OnSuper(last))
}

/// The package relative imports in `module` start from: the module itself
/// for a package's `__init__`, else its parent (empty at the top).
fn package_of(module: &str, is_package: bool) -> String {
    if is_package {
        return module.to_string();
    }
    module.rsplit_once('.').map(|(package, _)| package.to_string()).unwrap_or_default()
}

/// The identifiers of a `dotted_name` joined by dots (whatever spacing the
/// source has).
fn dotted_text(node: Node<'_>, source: &str) -> String {
    let kinds = &*KINDS;
    if node.kind_id() != kinds.dotted_name {
        return text_of(node, source).to_string();
    }
    let mut cursor = node.walk();
    let parts: Vec<&str> = node
        .named_children(&mut cursor)
        .filter(|c| c.kind_id() == kinds.identifier)
        .map(|c| text_of(c, source))
        .collect();
    parts.join(".")
}

/// Appends the `(local, dotted)` bindings of an import statement.
fn imports_of(node: Node<'_>, source: &str, package: &str, imports: &mut Vec<(String, String)>) {
    let kinds = &*KINDS;
    let Some(name_field) = kinds.name else { return };
    let from = if node.kind_id() == kinds.import_from_statement {
        let Some(module) = child(node, kinds.module_name) else { return };
        if module.kind_id() == kinds.relative_import {
            let Some(resolved) = relative_module(module, source, package) else { return };
            Some(resolved)
        } else {
            Some(dotted_text(module, source))
        }
    } else {
        None
    };
    let mut cursor = node.walk();
    for imported in node.children_by_field_id(name_field, &mut cursor) {
        let (name, local) = if imported.kind_id() == kinds.aliased_import {
            let Some(name) = child(imported, kinds.name) else { continue };
            let Some(alias) = child(imported, kinds.alias) else { continue };
            (dotted_text(name, source), Some(text_of(alias, source).to_string()))
        } else {
            (dotted_text(imported, source), None)
        };
        if name.is_empty() {
            continue;
        }
        let target = match &from {
            Some(module) if module.is_empty() => name.clone(),
            Some(module) => format!("{module}.{name}"),
            None => name.clone(),
        };
        imports.push((local.unwrap_or(name), target));
    }
}

/// The absolute module of a relative import (`..pkg`) made in `package`, or
/// nothing when it climbs above the top.
fn relative_module(node: Node<'_>, source: &str, package: &str) -> Option<String> {
    let kinds = &*KINDS;
    let text = text_of(node, source);
    let dots = text.chars().take_while(|c| *c == '.' || c.is_whitespace()).filter(|c| *c == '.').count();
    let mut base: Vec<&str> = package.split('.').filter(|p| !p.is_empty()).collect();
    for _ in 1..dots {
        base.pop()?;
    }
    let mut cursor = node.walk();
    if let Some(rest) = node.named_children(&mut cursor).find(|c| c.kind_id() == kinds.dotted_name) {
        let rest = dotted_text(rest, source);
        base.extend(rest.split('.'));
        return Some(base.join("."));
    }
    Some(base.join("."))
}

/// The one-line header of a definition, from its tokens: comments and line
/// continuations dropped, strings as written, whitespace between tokens made
/// one space, and none just inside a bracket where the header broke a line.
pub fn signature(file: &SourceFile, definition: &Definition) -> String {
    let kinds = &*KINDS;
    let source = file.text();
    let (start, end) = (definition.keyword_start, definition.body.colon_end);
    let collapsed = || definition.header(source);
    // Most headers are one line of single spaces, no comment, no
    // continuation: the text is already what the tokens would give.
    let text = source.get(start..end).unwrap_or("");
    if !text.contains(['\n', '\r', '\t', '#', '\\']) && !text.contains("  ") {
        return text.to_string();
    }
    let Some(header) = file.tree().root_node().descendant_for_byte_range(start, end) else { return collapsed() };
    let mut tokens: Vec<(usize, usize)> = Vec::new();
    let mut cursor = header.walk();
    loop {
        let node = cursor.node();
        let inside = node.start_byte() < end && node.end_byte() > start;
        let kind = node.kind_id();
        let skip = !inside || kind == kinds.comment || kind == kinds.line_continuation;
        if !skip && (node.child_count() == 0 || kind == kinds.string) {
            if node.start_byte() >= start && node.end_byte() <= end && node.end_byte() > node.start_byte() {
                tokens.push((node.start_byte(), node.end_byte()));
            }
        } else if !skip && cursor.goto_first_child() {
            continue;
        }
        let mut done = false;
        while !cursor.goto_next_sibling() {
            if !cursor.goto_parent() || cursor.node() == header {
                done = true;
                break;
            }
        }
        if done || cursor.node() == header {
            break;
        }
    }
    if tokens.is_empty() {
        return collapsed();
    }
    let mut out = String::new();
    let mut previous_end: Option<usize> = None;
    for (token_start, token_end) in tokens {
        let token = source.get(token_start..token_end).unwrap_or("");
        if let Some(previous) = previous_end {
            let gap = source.get(previous..token_start).unwrap_or("");
            let broke_line = gap.contains('\n') || gap.contains('\r');
            let inside_bracket = out.ends_with(['(', '[', '{']) || token.starts_with([')', ']', '}']);
            let joined_at_bracket = broke_line && inside_bracket;
            if !gap.is_empty() && !joined_at_bracket {
                out.push(' ');
            }
        }
        out.push_str(token);
        previous_end = Some(token_end);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(source: &str) -> SourceFile {
        SourceFile::parse(source.to_string()).expect("parses")
    }

    fn ws(path: &str) -> PathBuf {
        PathBuf::from("/ws").join(path)
    }

    fn index_of(files: &[(&str, &str)]) -> WorkspaceIndex {
        let mut index = WorkspaceIndex::new(Some(PathBuf::from("/ws")));
        for (path, source) in files {
            index.update(&ws(path), &parsed(source));
        }
        index
    }

    /// The full dotted names of what `qualname` in `path` calls.
    fn callees(index: &WorkspaceIndex, path: &str, qualname: &str) -> Vec<String> {
        index.callees(&ws(path), qualname).iter().map(|s| format!("{}.{}", s.module, s.qualname)).collect()
    }

    const INIT: &str = "\
from .config import load as load_config


def version():
    \"\"\"Return the version.\"\"\"
    return load_config('v')
";

    const CONFIG: &str = "\
\"\"\"Configuration.\"\"\"
import os


class Config:
    \"\"\"Settings read from a file.\"\"\"

    def __init__(self, path):
        self.path = path

    def validate(self):
        \"\"\"Check the settings.\"\"\"
        return self._check()

    def _check(self):
        return True

    @classmethod
    def default(cls):
        return cls.from_path(os.getcwd())

    @classmethod
    def from_path(cls, path):
        return cls(path)


def load(path: str, *, strict: bool = False) -> Config:
    \"\"\"

    Load a configuration.

    More text.
    \"\"\"
    config = Config(path)
    config.validate()
    Config.default()
    return config
";

    const APP: &str = "\
import pkg.config
import pkg.config as cfg
from . import config
from .config import load, Config as Settings
from pkg import version
import numpy as np


def helper():
    return 1


def register():
    return lambda f: f


class Base:
    def run(self):
        return 0

    def stop(self):
        return helper()


class App(Base, Settings):
    @register()
    def start(self, value=helper()):
        self.run()
        self.validate()
        self.missing()
        super().stop()
        np.array([1])
        print(value)
        self.run()
        return load('x')

    @staticmethod
    def make():
        return App()

    def nested(self):
        def inner():
            return helper()

        class Local:
            x = version()

        return inner


def modules():
    cfg.load('a')
    pkg.config.load('b')
    config.load('c')
    pkg.version()
    Settings.from_path('d')
    Settings('e')
    App.make()
    pkg.config.Config.default()
    helper.inner()


def fact(n):
    return n * fact(n - 1)
";

    const TOOLS: &str = "\
from ..config import load
from . import helpers
from .helpers import assist as aid


def work():
    load('x')
    helpers.assist()
    aid()
";

    const HELPERS: &str = "\
def assist():
    \"\"\"Assist.\"\"\"
";

    fn package() -> WorkspaceIndex {
        index_of(&[
            ("pkg/__init__.py", INIT),
            ("pkg/config.py", CONFIG),
            ("pkg/app.py", APP),
            ("pkg/sub/tools.py", TOOLS),
            ("pkg/sub/helpers.py", HELPERS),
        ])
    }

    #[test]
    fn calls_of_a_definition_that_ends_in_a_comment_are_its_own() {
        // The definition's range stops at its code; the tree's node runs on
        // to the comment. Calls still belong to the function, not its class.
        let source = "class Box:\n    def open(self):\n        return helper()\n        # trailing remark\n\n    def close(self):\n        self.open()\n    # the class ends in a comment too\n\n\ndef helper():\n    return 1\n";
        let index = index_of(&[("pkg/box.py", source)]);
        assert_eq!(callees(&index, "pkg/box.py", "Box.open"), ["pkg.box.helper"]);
        assert_eq!(callees(&index, "pkg/box.py", "Box.close"), ["pkg.box.Box.open"]);
        assert!(callees(&index, "pkg/box.py", "Box").is_empty());
    }

    #[test]
    fn module_names_follow_the_layout() {
        let mut index = WorkspaceIndex::new(Some(PathBuf::from("/ws")));
        assert_eq!(index.module_name(&ws("tools.py")), "tools");
        assert_eq!(index.module_name(&ws("pkg/sub/mod.py")), "pkg.sub.mod");
        assert_eq!(index.module_name(&ws("pkg/__init__.py")), "pkg");
        assert_eq!(index.module_name(Path::new("pkg/mod.py")), "pkg.mod", "relative to the root");
        assert_eq!(index.module_name(&ws("src/pkg/mod.py")), "pkg.mod", "src layout");
        assert_eq!(index.module_name(&ws("lib/pkg/__init__.py")), "pkg", "src layout");
        assert_eq!(index.module_name(&ws("src.py")), "src");
        assert_eq!(index.module_name(Path::new("/elsewhere/x/y.py")), "y", "outside the root");
        assert_eq!(index.module_name(Path::new("/elsewhere/x/__init__.py")), "x");
        assert_eq!(index.module_name(&ws("../up.py")), "up");
        // A `src` that is a package is part of the name.
        index.update(&ws("src/__init__.py"), &parsed(""));
        assert_eq!(index.module_name(&ws("src/pkg/mod.py")), "src.pkg.mod");
        assert_eq!(WorkspaceIndex::new(None).module_name(&ws("pkg/mod.py")), "mod", "no root");
    }

    #[test]
    fn a_src_or_lib_package_on_disk_is_part_of_the_name() {
        let root = tempfile::tempdir().expect("temporary directory");
        let lib = root.path().join("lib");
        std::fs::create_dir(&lib).expect("lib directory");
        let index = WorkspaceIndex::new(Some(root.path().to_path_buf()));
        assert_eq!(index.module_name(&lib.join("mod.py")), "mod");
        std::fs::write(lib.join("__init__.py"), "").expect("lib/__init__.py");
        assert_eq!(index.module_name(&lib.join("mod.py")), "lib.mod");
    }

    #[test]
    fn bare_names_resolve_to_the_module_then_to_imports() {
        let index = package();
        assert_eq!(callees(&index, "pkg/app.py", "Base.stop"), ["pkg.app.helper"]);
        assert_eq!(callees(&index, "pkg/app.py", "App.make"), ["pkg.app.App"], "a class call is the class");
        // `from .config import load as load_config` in a package's `__init__`.
        assert_eq!(callees(&index, "pkg/__init__.py", "version"), ["pkg.config.load"]);
        assert_eq!(
            callees(&index, "pkg/sub/tools.py", "work"),
            ["pkg.config.load", "pkg.sub.helpers.assist"],
            "`..config`, `from . import helpers`, `.helpers ... as aid`, each once"
        );
    }

    #[test]
    fn self_and_cls_calls_reach_the_class_and_its_bases() {
        let index = package();
        assert_eq!(callees(&index, "pkg/config.py", "Config.validate"), ["pkg.config.Config._check"]);
        assert_eq!(callees(&index, "pkg/config.py", "Config.default"), ["pkg.config.Config.from_path"]);
        // `Base` in the same module, `Config` imported under another name,
        // `super()` into the bases; defaults and decorators are the method's own.
        assert_eq!(
            callees(&index, "pkg/app.py", "App.start"),
            [
                "pkg.app.register",
                "pkg.app.helper",
                "pkg.app.Base.run",
                "pkg.config.Config.validate",
                "pkg.app.Base.stop",
                "pkg.config.load",
            ]
        );
    }

    #[test]
    fn dotted_calls_go_through_imported_modules_and_classes() {
        let index = package();
        assert_eq!(
            callees(&index, "pkg/app.py", "modules"),
            [
                "pkg.config.load",
                "pkg.version",
                "pkg.config.Config.from_path",
                "pkg.config.Config",
                "pkg.app.App.make",
                "pkg.config.Config.default",
            ],
            "`cfg.load`, `pkg.config.load` and `config.load` are one; `helper.inner` is no attribute"
        );
        assert_eq!(
            callees(&index, "pkg/config.py", "load"),
            ["pkg.config.Config", "pkg.config.Config.default"],
            "a call on a local variable resolves to nothing"
        );
    }

    #[test]
    fn nested_definitions_keep_their_calls_and_a_definition_never_calls_itself() {
        let index = package();
        assert_eq!(callees(&index, "pkg/app.py", "App.nested"), Vec::<String>::new());
        assert_eq!(callees(&index, "pkg/app.py", "App.nested.inner"), ["pkg.app.helper"]);
        assert_eq!(callees(&index, "pkg/app.py", "App.nested.Local"), ["pkg.version"]);
        assert_eq!(callees(&index, "pkg/app.py", "fact"), Vec::<String>::new());
        assert_eq!(callees(&index, "pkg/app.py", "no.such"), Vec::<String>::new());
        assert_eq!(callees(&index, "pkg/none.py", "fact"), Vec::<String>::new());
    }

    #[test]
    fn updating_a_callee_changes_what_its_callers_see() {
        let mut index = package();
        let load = index.callees(&ws("pkg/app.py"), "App.start").last().map(|s| (*s).clone()).expect("load");
        assert_eq!(
            load,
            Symbol {
                module: "pkg.config".into(),
                qualname: "load".into(),
                kind: DefinitionKind::Function,
                signature: "def load(path: str, *, strict: bool = False) -> Config:".into(),
                summary: Some("Load a configuration.".into()),
            }
        );
        index.update(&ws("pkg/config.py"), &parsed("async def load(path, retries=3):\n    '''Fetch it.'''\n"));
        let load = index.callees(&ws("pkg/app.py"), "App.start").last().map(|s| (*s).clone()).expect("load");
        assert_eq!(
            (load.signature.as_str(), load.summary.as_deref()),
            ("async def load(path, retries=3):", Some("Fetch it."))
        );
        assert_eq!(
            callees(&index, "pkg/app.py", "App.start"),
            ["pkg.app.register", "pkg.app.helper", "pkg.app.Base.run", "pkg.app.Base.stop", "pkg.config.load"],
            "Config is gone"
        );

        index.set_summary(&ws("pkg/config.py"), "load", "\n  Read the settings.  \nMore.");
        let load = index.symbol("pkg.config.load").expect("load");
        assert_eq!(load.summary.as_deref(), Some("Read the settings."));
        index.set_summary(&ws("pkg/config.py"), "load", "  ");
        assert_eq!(index.symbol("pkg.config.load").and_then(|s| s.summary.clone()), None);

        index.remove(&ws("pkg/config.py"));
        assert_eq!(
            callees(&index, "pkg/app.py", "App.start"),
            ["pkg.app.register", "pkg.app.helper", "pkg.app.Base.run", "pkg.app.Base.stop"]
        );
        assert!(index.symbol("pkg.config.load").is_none());
        assert!(!index.has_module("pkg.config"));
    }

    #[test]
    fn names_modules_and_symbols_can_be_looked_up() {
        let mut index = package();
        assert_eq!(index.len(), 1 + 7 + 13 + 1 + 1);
        let validate = index.symbol("pkg.config.Config.validate").expect("validate");
        assert_eq!((validate.kind, validate.signature.as_str()), (DefinitionKind::Method, "def validate(self):"));
        assert_eq!(validate.summary.as_deref(), Some("Check the settings."));
        assert_eq!(index.symbol("pkg.version").map(|s| s.qualname.as_str()), Some("version"));
        assert!(index.symbol("pkg.config").is_none(), "a module is no symbol");
        assert!(index.symbol("pkg.config.Missing").is_none());
        assert!(index.symbol("").is_none());
        for module in ["pkg", "pkg.config", "pkg.sub", "pkg.sub.tools"] {
            assert!(index.has_module(module), "{module}");
        }
        assert!(!index.has_module("pkg.conf") && !index.has_module("config"));
        for name in ["validate", "Config", "inner", "config", "sub", "pkg", "helpers"] {
            assert!(index.has_name(name), "{name}");
        }
        assert!(!index.has_name("Config.validate") && !index.has_name("numpy"));
        assert_eq!(
            index.imports(&ws("pkg/app.py")),
            [
                ("pkg.config", "pkg.config"),
                ("cfg", "pkg.config"),
                ("config", "pkg.config"),
                ("load", "pkg.config.load"),
                ("Settings", "pkg.config.Config"),
                ("version", "pkg.version"),
                ("np", "numpy"),
            ]
        );
        assert!(index.imports(&ws("pkg/none.py")).is_empty());

        index.remove(&ws("pkg/config.py"));
        assert!(!index.has_name("validate"));
        assert!(!index.has_name("config"), "an import is no name");
        index.remove(&ws("pkg/sub/tools.py"));
        index.remove(&ws("pkg/sub/helpers.py"));
        assert!(!index.has_module("pkg.sub") && !index.has_name("sub"));
        assert_eq!(index.len(), 1 + 13);
        index.remove(&ws("pkg/__init__.py"));
        index.remove(&ws("pkg/app.py"));
        assert!(index.is_empty() && !index.has_name("pkg"));
    }

    #[test]
    fn a_header_becomes_one_line() {
        let source = "\
@decorated
async def fetch(
    url: str,  # where from
    *,
    retries: int = 3,
    sep: str = \"a  b\",
) -> bytes:  # trailing
    pass


class Box(
    Base,
    metaclass=Meta,
):
    def g(self, a, \\
          b): pass
";
        let mut index = WorkspaceIndex::new(None);
        index.update(Path::new("m.py"), &parsed(source));
        let signature = |name: &str| index.symbol(name).map(|s| s.signature.clone()).unwrap_or_default();
        assert_eq!(
            signature("m.fetch"),
            "async def fetch(url: str, *, retries: int = 3, sep: str = \"a  b\",) -> bytes:"
        );
        assert_eq!(signature("m.Box"), "class Box(Base, metaclass=Meta,):");
        assert_eq!(signature("m.Box.g"), "def g(self, a, b):");
    }

    #[test]
    fn an_overload_stub_gives_way_to_the_implementation() {
        let source = "\
from typing import overload


@overload
def pick(x: int) -> int: ...
@overload
def pick(x: str) -> str: ...
def pick(x):
    '''Pick one.'''
    return helper(x)


def helper(x):
    return x
";
        let mut index = WorkspaceIndex::new(None);
        index.update(Path::new("m.py"), &parsed(source));
        let pick = index.symbol("m.pick").expect("pick");
        assert_eq!((pick.signature.as_str(), pick.summary.as_deref()), ("def pick(x):", Some("Pick one.")));
        assert_eq!(index.len(), 2);
        assert_eq!(callees_at(&index, "m.py", "pick"), ["m.helper"]);
    }

    fn callees_at(index: &WorkspaceIndex, path: &str, qualname: &str) -> Vec<String> {
        index.callees(Path::new(path), qualname).iter().map(|s| format!("{}.{}", s.module, s.qualname)).collect()
    }

    #[test]
    fn broken_and_odd_sources_do_not_panic() {
        let mut index = WorkspaceIndex::new(Some(PathBuf::from("/ws")));
        for source in
            ["def f(:\n    g(\nclass", "from . import\nfrom .... import x\nimport", "é = 1\ndef é(): é()\n", ""]
        {
            index.update(&ws("odd.py"), &parsed(source));
            let _ = index.callees(&ws("odd.py"), "f");
        }
        index.update(&ws("top.py"), &parsed("from .. import x\nfrom . import y\ndef f():\n    x()\n    y.z()\n"));
        assert_eq!(index.imports(&ws("top.py")), [("y", "y")], "`..` above the top is no import");
    }
}
