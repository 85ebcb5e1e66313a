//! Docstring coverage, counted exactly as interrogate 1.7 counts it: which
//! modules, classes and functions are counted, how each of its `--ignore-*`
//! options leaves some out, what counts as documented, and how the total is
//! held against `--fail-under`.
//!
//! interrogate's rules, as its `visit.py` and `coverage.py` apply them:
//!
//! - Every module counts once, and every class, function and method, nested
//!   ones included (a module with nothing in it is one undocumented node).
//! - A class or function left out by a name or decorator option takes
//!   everything defined inside it out with it (its visitor never goes in).
//! - Documented means a docstring with something other than whitespace in it.
//! - "Nested" means a `def` directly inside a `def`, and a class directly
//!   inside a class or a `def`; `async def` counts as neither parent nor child
//!   there. Leaving nested classes out also leaves out what is defined directly
//!   in them, but not what is defined deeper.

use regex::Regex;
use tree_sitter::Node;

use crate::python::{DefinitionKind, Module, SourceFile};

/// Which nodes interrogate's options leave out. All off (the default), every
/// module, class and function counts. `--ignore-init-module` is not here: it
/// chooses files, not nodes.
#[derive(Debug, Clone, Default)]
pub struct CoverageOptions {
    /// Functions named `__init__` (anywhere, not only methods).
    pub ignore_init_method: bool,
    /// Functions named `__x__`, except `__init__`.
    pub ignore_magic: bool,
    /// Module docstrings; a module with no classes or functions is then not
    /// counted at all.
    pub ignore_module: bool,
    pub ignore_nested_classes: bool,
    pub ignore_nested_functions: bool,
    /// Classes and functions named `__x` (but not `__x__`).
    pub ignore_private: bool,
    /// Classes and functions named `_x` (but not `__x`, nor `_x__`).
    pub ignore_semiprivate: bool,
    /// Functions decorated with `@property`, `@x.setter` or `@x.deleter`.
    pub ignore_property_decorators: bool,
    /// Functions decorated with `@x.setter`.
    pub ignore_setters: bool,
    /// Functions decorated with `@overload` or `@typing.overload`.
    pub ignore_overloaded_functions: bool,
    /// Classes and functions whose name one of these matches at its start.
    pub ignore_regex: Vec<Regex>,
}

/// A name pattern for `ignore_regex`, matched from the start of the name as
/// Python's `re.match` does (the pattern need not match the whole name).
pub fn name_pattern(pattern: &str) -> Result<Regex, regex::Error> {
    Regex::new(&format!(r"\A(?:{pattern})"))
}

/// Counts of nodes and of the documented ones among them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub total: usize,
    pub documented: usize,
}

impl Tally {
    pub fn missing(&self) -> usize {
        self.total - self.documented
    }

    /// The documented share in percent, as interrogate computes it: 100 when
    /// nothing is counted.
    pub fn percent(&self) -> f64 {
        if self.total == 0 {
            return 100.0;
        }
        self.documented as f64 / self.total as f64 * 100.0
    }

    pub fn add(&mut self, other: Tally) {
        self.total += other.total;
        self.documented += other.documented;
    }
}

/// One counted node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counted {
    /// `Class.method`; for the module, the file's name (as interrogate names it).
    pub name: String,
    /// `module`, `class`, `function` or `method`.
    pub kind: &'static str,
    /// The line of the `def` / `class` keyword; 1 for the module.
    pub line: usize,
    pub documented: bool,
}

/// What one file contributes: the counted nodes in document order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileCoverage {
    pub counted: Vec<Counted>,
}

impl FileCoverage {
    pub fn tally(&self) -> Tally {
        Tally { total: self.counted.len(), documented: self.counted.iter().filter(|c| c.documented).count() }
    }

    pub fn missing(&self) -> impl Iterator<Item = &Counted> {
        self.counted.iter().filter(|c| !c.documented)
    }
}

/// The coverage of one parsed file named `file_name`, or `None` when
/// interrogate leaves the file out altogether (`ignore_module`, and nothing
/// but the module is left to count).
pub fn file_coverage(file_name: &str, file: &SourceFile, options: &CoverageOptions) -> Option<FileCoverage> {
    let module = file.module();
    let nodes = visited(file, options);
    if options.ignore_module && nodes.is_empty() {
        return None;
    }
    let is_nested_function = |at: usize| {
        let definition = &module.definitions[at];
        is_sync_function(module, Some(at)) && definition.parent.is_some_and(|p| is_sync_function(module, Some(p)))
    };
    let is_nested_class = |at: usize| {
        let definition = &module.definitions[at];
        definition.kind == DefinitionKind::Class
            && definition.parent.is_some_and(|p| {
                module.definitions[p].kind == DefinitionKind::Class || is_sync_function(module, Some(p))
            })
    };
    let kept =
        nodes.into_iter().filter(|&at| !(options.ignore_nested_functions && is_nested_function(at))).filter(|&at| {
            // interrogate drops a nested class and what is defined directly in it.
            !(options.ignore_nested_classes
                && (is_nested_class(at) || module.definitions[at].parent.is_some_and(&is_nested_class)))
        });
    let mut counted = Vec::new();
    if !options.ignore_module {
        counted.push(Counted {
            name: file_name.to_string(),
            kind: "module",
            line: 1,
            documented: module.docstring.as_ref().is_some_and(|d| documented(&d.value)),
        });
    }
    counted.extend(kept.map(|at| {
        let definition = &module.definitions[at];
        Counted {
            name: definition.qualname.clone(),
            kind: definition.kind.as_str(),
            line: definition.line,
            documented: definition.docstring.as_ref().is_some_and(|d| documented(&d.value)),
        }
    }));
    Some(FileCoverage { counted })
}

/// Whether interrogate fails a run whose total coverage is `percent` against
/// `fail_under`: the coverage is first rounded (half to even, as Python's
/// `round`) to as many decimals as `fail_under` is written with in Python, at
/// least one (`80.0`, `80.25`).
pub fn below(percent: f64, fail_under: f64) -> bool {
    let shortest = fail_under.to_string();
    let decimals = shortest.split_once('.').map_or(0, |(_, fraction)| fraction.len()).max(1);
    let rounded: f64 = format!("{percent:.decimals$}").parse().unwrap_or(percent);
    fail_under > rounded
}

/// The indices of the definitions interrogate's visitor reaches: not left
/// out by name or decorator, and not inside one that is.
fn visited(file: &SourceFile, options: &CoverageOptions) -> Vec<usize> {
    let module = file.module();
    let mut reached = vec![false; module.definitions.len()];
    for (at, definition) in module.definitions.iter().enumerate() {
        // A parent comes before its children in document order.
        let parent_reached = definition.parent.is_none_or(|p| reached.get(p).copied().unwrap_or(false));
        reached[at] = parent_reached && !left_out(file, at, options);
    }
    reached.iter().enumerate().filter(|(_, r)| **r).map(|(at, _)| at).collect()
}

/// Whether a name or decorator option leaves definition `at` out.
fn left_out(file: &SourceFile, at: usize, options: &CoverageOptions) -> bool {
    let definition = &file.module().definitions[at];
    let name = definition.name.as_str();
    // interrogate's own name tests, not `Definition::is_private` and
    // `is_magic` (docwright's: `_x` and `__x` alike are private to it, and a
    // magic name is longer than four characters).
    let private = name.starts_with("__") && !name.ends_with("__");
    let semiprivate = name.starts_with('_') && !name.starts_with("__") && !name.ends_with("__");
    let by_name = (options.ignore_private && private)
        || (options.ignore_semiprivate && semiprivate)
        || options.ignore_regex.iter().any(|pattern| pattern.is_match(name));
    if by_name || definition.kind == DefinitionKind::Class {
        return by_name;
    }
    let init = name == "__init__";
    let magic = name.starts_with("__") && name.ends_with("__") && !init;
    if (options.ignore_init_method && init) || (options.ignore_magic && magic) {
        return true;
    }
    let wants_decorators =
        options.ignore_property_decorators || options.ignore_setters || options.ignore_overloaded_functions;
    if !wants_decorators || definition.decorators.is_empty() {
        return false;
    }
    let decorators = decorators(file, definition.keyword_start);
    decorators.iter().any(|decorator| {
        let property = matches!(decorator, Shape::Name(n) if n == "property");
        let setter = matches!(decorator, Shape::Attribute { attribute, .. } if attribute == "setter");
        let deleter = matches!(decorator, Shape::Attribute { attribute, .. } if attribute == "deleter");
        let overload = matches!(decorator, Shape::Name(n) if n == "overload")
            || matches!(decorator, Shape::Attribute { object: Some(o), attribute } if o == "typing" && attribute == "overload");
        (options.ignore_property_decorators && (property || setter || deleter))
            || (options.ignore_setters && setter)
            || (options.ignore_overloaded_functions && overload)
    })
}

/// A decorator as interrogate looks at it: a plain name (`@property`), an
/// attribute (`@x.setter`, with the object when that is a plain name), or
/// anything else (a call such as `@overload()` is neither).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Shape {
    Name(String),
    Attribute { object: Option<String>, attribute: String },
    Other,
}

/// The shapes of the decorators of the definition whose keyword starts at
/// `keyword_start`. Read from the tree, not from the decorator's text: Python
/// sees through parentheses (`@(property)` is the name `property`) and across
/// line continuations.
fn decorators(file: &SourceFile, keyword_start: usize) -> Vec<Shape> {
    let source = file.text();
    let root = file.tree().root_node();
    let Some(mut node) = root.descendant_for_byte_range(keyword_start, keyword_start + 1) else { return Vec::new() };
    while !matches!(node.kind(), "function_definition" | "class_definition") {
        let Some(parent) = node.parent() else { return Vec::new() };
        node = parent;
    }
    let Some(decorated) = node.parent().filter(|p| p.kind() == "decorated_definition") else { return Vec::new() };
    let mut cursor = decorated.walk();
    decorated
        .named_children(&mut cursor)
        .filter(|n| n.kind() == "decorator")
        .map(|decorator| first_expression(decorator).map_or(Shape::Other, |e| shape(e, source)))
        .collect()
}

fn shape(mut expression: Node<'_>, source: &str) -> Shape {
    while expression.kind() == "parenthesized_expression" {
        match first_expression(expression) {
            Some(inner) => expression = inner,
            None => return Shape::Other,
        }
    }
    let text = |node: Node<'_>| source.get(node.byte_range()).unwrap_or("").to_string();
    match expression.kind() {
        "identifier" => Shape::Name(text(expression)),
        "attribute" => {
            let object = expression.child_by_field_name("object").and_then(|o| match shape(o, source) {
                Shape::Name(name) => Some(name),
                _ => None,
            });
            let attribute = expression.child_by_field_name("attribute").map(text).unwrap_or_default();
            Shape::Attribute { object, attribute }
        }
        _ => Shape::Other,
    }
}

/// The first named child that is code (not a comment or a line continuation).
fn first_expression(node: Node<'_>) -> Option<Node<'_>> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor).find(|n| !n.is_extra())
}

fn is_sync_function(module: &Module, at: Option<usize>) -> bool {
    at.and_then(|at| module.definitions.get(at)).is_some_and(|d| d.kind.is_function() && !d.is_async)
}

/// Whether a docstring's value counts as documentation: interrogate strips the
/// cleaned docstring and wants something left. Cleaning only removes
/// whitespace, so this is "holds a character Python's `str.strip` keeps".
pub fn documented(value: &str) -> bool {
    value.chars().any(|c| !is_python_space(c))
}

/// Python's `str.isspace` for one character: Unicode's White_Space (Rust's
/// `char::is_whitespace`) and the four ASCII separators `\x1c`-`\x1f`.
fn is_python_space(c: char) -> bool {
    c.is_whitespace() || ('\x1c'..='\x1f').contains(&c)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each case's expectation is what interrogate 1.7 answers for the same source.
    fn counted(source: &str, options: &CoverageOptions) -> Option<Vec<(String, bool)>> {
        let file = SourceFile::parse(source.to_string()).expect("parses");
        assert!(!file.has_syntax_errors(), "{source}");
        let coverage = file_coverage("m.py", &file, options)?;
        Some(coverage.counted.into_iter().map(|c| (c.name, c.documented)).collect())
    }

    fn names(source: &str, options: &CoverageOptions) -> Vec<String> {
        counted(source, options).expect("counted").into_iter().map(|(name, _)| name).collect()
    }

    fn without<'a>(all: &[&'a str], left_out: &[&str]) -> Vec<&'a str> {
        all.iter().copied().filter(|n| !left_out.contains(n)).collect()
    }

    const NAMES: &str = "\
def __init__():
    def inside(): pass
class K:
    def __init__(self): pass
    def __eq__(self, o): pass
    def __(self): pass
    def __p(self):
        def under(): pass
    def _s(self): pass
    def _s__(self): pass
    def ___(self): pass
class __P:
    def m(self): pass
class __Magic__:
    pass
class _Semi:
    def m(self): pass
def test_a(): pass
def a_test(): pass
";
    const ALL_NAMES: [&str; 19] = [
        "m.py",
        "__init__",
        "__init__.inside",
        "K",
        "K.__init__",
        "K.__eq__",
        "K.__",
        "K.__p",
        "K.__p.under",
        "K._s",
        "K._s__",
        "K.___",
        "__P",
        "__P.m",
        "__Magic__",
        "_Semi",
        "_Semi.m",
        "test_a",
        "a_test",
    ];

    #[test]
    fn counts_the_module_and_every_definition_and_wants_more_than_whitespace() {
        let source = "\"\"\"Module.\"\"\"\nclass C:\n    \"\"\"Doc.\"\"\"\n    def m(self):\n        def inner():\n            \"\"\"Doc.\"\"\"\n    async def a(self):\n        \"   \"\n    def w(self):\n        \"\\x1c\\t\"\n";
        let expected =
            [("m.py", true), ("C", true), ("C.m", false), ("C.m.inner", true), ("C.a", false), ("C.w", false)];
        let expected: Vec<(String, bool)> = expected.iter().map(|(n, d)| (n.to_string(), *d)).collect();
        assert_eq!(counted(source, &CoverageOptions::default()), Some(expected));
        // An empty module is one undocumented node.
        assert_eq!(counted("", &CoverageOptions::default()), Some(vec![("m.py".to_string(), false)]));
    }

    #[test]
    fn init_method_means_any_function_named_init_and_what_is_inside() {
        let options = CoverageOptions { ignore_init_method: true, ..Default::default() };
        assert_eq!(names(NAMES, &options), without(&ALL_NAMES, &["__init__", "__init__.inside", "K.__init__"]));
    }

    #[test]
    fn magic_is_any_dunder_function_but_init_however_short() {
        let options = CoverageOptions { ignore_magic: true, ..Default::default() };
        assert_eq!(names(NAMES, &options), without(&ALL_NAMES, &["K.__eq__", "K.__", "K.___"]));
    }

    #[test]
    fn private_is_two_underscores_not_dunder_and_takes_the_inside_along() {
        let options = CoverageOptions { ignore_private: true, ..Default::default() };
        assert_eq!(names(NAMES, &options), without(&ALL_NAMES, &["K.__p", "K.__p.under", "__P", "__P.m"]));
    }

    #[test]
    fn semiprivate_is_one_underscore_not_ending_in_two() {
        let options = CoverageOptions { ignore_semiprivate: true, ..Default::default() };
        assert_eq!(names(NAMES, &options), without(&ALL_NAMES, &["K._s", "_Semi", "_Semi.m"]));
    }

    #[test]
    fn regex_matches_from_the_start_of_the_name() {
        let options = CoverageOptions { ignore_regex: vec![name_pattern("test").unwrap()], ..Default::default() };
        assert_eq!(names(NAMES, &options), without(&ALL_NAMES, &["test_a"]));
    }

    const DECORATORS: &str = "\
class C:
    @property
    def p(self): pass
    @p.setter
    def p_set(self, v): pass
    @p.deleter
    def p_del(self): pass
    @p.getter
    def g(self): pass
    @functools.cached_property
    def c(self): pass
    @(property)
    def q(self): pass
    @overload
    def o1(self): pass
    @typing.overload
    def o2(self): pass
    @t.overload
    def o3(self): pass
    @overload()
    def o4(self): pass
    @property
    def hides(self):
        def inner(): pass
";
    const ALL_DECORATED: [&str; 14] = [
        "m.py",
        "C",
        "C.p",
        "C.p_set",
        "C.p_del",
        "C.g",
        "C.c",
        "C.q",
        "C.o1",
        "C.o2",
        "C.o3",
        "C.o4",
        "C.hides",
        "C.hides.inner",
    ];

    fn decorated(left_out: &[&str]) -> Vec<&'static str> {
        without(&ALL_DECORATED, left_out)
    }

    #[test]
    fn property_decorators_are_bare_property_and_any_setter_or_deleter() {
        let options = CoverageOptions { ignore_property_decorators: true, ..Default::default() };
        assert_eq!(
            names(DECORATORS, &options),
            decorated(&["C.p", "C.p_set", "C.p_del", "C.q", "C.hides", "C.hides.inner"])
        );
    }

    #[test]
    fn setters_are_any_attribute_named_setter() {
        let options = CoverageOptions { ignore_setters: true, ..Default::default() };
        assert_eq!(names(DECORATORS, &options), decorated(&["C.p_set"]));
    }

    #[test]
    fn overloads_are_overload_or_typing_overload_not_called() {
        let options = CoverageOptions { ignore_overloaded_functions: true, ..Default::default() };
        assert_eq!(names(DECORATORS, &options), decorated(&["C.o1", "C.o2"]));
    }

    const NESTING: &str = "\
def f():
    def g():
        def h(): pass
    async def a():
        def b(): pass
    class K:
        def m(self):
            def deep(): pass
        class L:
            def n(self): pass
async def af():
    class AK:
        pass
class A:
    class B:
        def m(self):
            def inner(): pass
";
    const ALL_NESTED: [&str; 17] = [
        "m.py",
        "f",
        "f.g",
        "f.g.h",
        "f.a",
        "f.a.b",
        "f.K",
        "f.K.m",
        "f.K.m.deep",
        "f.K.L",
        "f.K.L.n",
        "af",
        "af.AK",
        "A",
        "A.B",
        "A.B.m",
        "A.B.m.inner",
    ];

    #[test]
    fn nested_functions_are_plain_defs_directly_in_plain_defs() {
        let options = CoverageOptions { ignore_nested_functions: true, ..Default::default() };
        assert_eq!(names(NESTING, &options), without(&ALL_NESTED, &["f.g", "f.g.h", "f.K.m.deep", "A.B.m.inner"]));
    }

    #[test]
    fn nested_classes_go_with_what_is_directly_in_them_only() {
        let options = CoverageOptions { ignore_nested_classes: true, ..Default::default() };
        let left_out = ["f.K", "f.K.m", "f.K.L", "f.K.L.n", "A.B", "A.B.m"];
        assert_eq!(names(NESTING, &options), without(&ALL_NESTED, &left_out));
    }

    #[test]
    fn without_the_module_a_file_with_nothing_else_is_not_counted() {
        let options = CoverageOptions { ignore_module: true, ..Default::default() };
        assert_eq!(counted("\"\"\"Doc.\"\"\"\nx = 1\n", &options), None);
        assert_eq!(names(NESTING, &options), ALL_NESTED[1..].to_vec());
    }

    #[test]
    fn fail_under_compares_with_the_coverage_rounded_to_its_own_decimals() {
        // 80.0 has one decimal: 79.95 rounds to 80.0 (not below), 79.94 to 79.9.
        assert!(!below(79.95, 80.0));
        assert!(below(79.94, 80.0));
        // Two decimals: 80.245 rounds to 80.25 (one decimal would make it 80.2).
        assert!(!below(80.245, 80.25));
        assert!(below(80.244, 80.25));
        // A tie goes to the even digit, as in Python: 0.25 rounds to 0.2.
        assert!(below(0.25, 0.3));
        assert!(!below(0.0, 0.0));
        assert_eq!(Tally::default().percent(), 100.0);
    }
}
