//! The source model: what a Python module defines, with exact positions.
//!
//! Everything here is plain data computed from one parse. Byte offsets index the
//! UTF-8 text that was parsed; line numbers are 1-based, like Python's `ast`.

use std::ops::Range;

use serde::Serialize;

/// One parsed module: its docstring, its definitions (flat, in document order) and
/// its top-level variables.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Module {
    pub docstring: Option<DocstringSpan>,
    pub definitions: Vec<Definition>,
    pub variables: Vec<Variable>,
    /// True when tree-sitter reported an error or missing node anywhere.
    pub has_syntax_errors: bool,
    /// Number of lines in the source (a final line without newline counts).
    pub line_count: usize,
}

impl Module {
    /// The definitions whose parent is `parent` (`None`: top level).
    pub fn children(&self, parent: Option<usize>) -> impl Iterator<Item = (usize, &Definition)> {
        self.definitions.iter().enumerate().filter(move |(_, d)| d.parent == parent)
    }

    /// The innermost definition whose header or body contains `offset`.
    pub fn definition_at(&self, offset: usize) -> Option<usize> {
        // Definitions are in document order and nest properly, so the last one that
        // contains the offset is the innermost.
        self.definitions
            .iter()
            .enumerate()
            .filter(|(_, d)| d.range.start <= offset && offset <= d.range.end)
            .map(|(i, _)| i)
            .next_back()
    }

    /// The innermost definition whose lines (decorators included) hold the
    /// 1-based `line`.
    pub fn definition_on_line(&self, line: usize) -> Option<usize> {
        // As in `definition_at`: the last one that holds it is the innermost.
        self.definitions.iter().rposition(|d| d.start_line <= line && line <= d.end_line)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DefinitionKind {
    Class,
    Function,
    /// A function defined directly in a class body.
    Method,
}

impl DefinitionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DefinitionKind::Class => "class",
            DefinitionKind::Function => "function",
            DefinitionKind::Method => "method",
        }
    }

    pub fn is_function(self) -> bool {
        matches!(self, DefinitionKind::Function | DefinitionKind::Method)
    }
}

/// A class, function or method.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Definition {
    pub kind: DefinitionKind,
    pub name: String,
    /// Dotted path from the module: `Outer.method`, `func.inner`.
    pub qualname: String,
    /// Index of the enclosing definition in `Module::definitions`.
    pub parent: Option<usize>,
    /// Bytes of the whole definition, decorators included.
    pub range: Range<usize>,
    /// Byte offset of the `def` / `async` / `class` keyword.
    pub keyword_start: usize,
    /// 1-based line of the `def`/`class` keyword (what `ast` calls `lineno`).
    pub line: usize,
    /// 1-based last line of the definition (what `ast` calls `end_lineno`).
    pub end_line: usize,
    /// 1-based line of the first decorator, or `line` when undecorated.
    pub start_line: usize,
    pub is_async: bool,
    pub decorators: Vec<Decorator>,
    /// Parameters in order; the `/` and `*` separators are not parameters.
    pub params: Vec<Param>,
    /// Return annotation text, for functions.
    pub returns: Option<String>,
    pub facts: BodyFacts,
    /// Set for classes only.
    pub class: Option<ClassFacts>,
    pub docstring: Option<DocstringSpan>,
    pub body: BodyLayout,
}

impl Definition {
    pub fn has_decorator(&self, kind: DecoratorKind) -> bool {
        self.decorators.iter().any(|d| d.kind == kind)
    }

    /// Parameters a caller passes: without the implicit `self` / `cls`.
    pub fn documented_params(&self) -> impl Iterator<Item = &Param> {
        self.params.iter().filter(|p| !p.implicit)
    }

    /// A class's `__init__` method.
    pub fn is_init(&self) -> bool {
        self.kind == DefinitionKind::Method && self.name == "__init__"
    }

    pub fn is_private(&self) -> bool {
        is_private_name(&self.name)
    }

    pub fn is_magic(&self) -> bool {
        is_magic_name(&self.name)
    }

    /// The header from `def`/`class` through its colon, decorators left out,
    /// each run of whitespace made one space: `def open(self, path):`.
    pub fn header(&self, source: &str) -> String {
        let text = source.get(self.keyword_start..self.body.colon_end).unwrap_or("");
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    }
}

/// `_x` and `__x`, but not a magic `__x__`.
pub fn is_private_name(name: &str) -> bool {
    name.starts_with('_') && !is_magic_name(name)
}

/// `__x__`.
pub fn is_magic_name(name: &str) -> bool {
    name.len() > 4 && name.starts_with("__") && name.ends_with("__")
}

/// Where the body of a definition is, for inserting a docstring.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BodyLayout {
    /// Byte offset just after the `:` that ends the header.
    pub colon_end: usize,
    /// Bytes of the body block (from its first statement to its end).
    pub block: Range<usize>,
    /// True when the first statement is on the header's line (`def f(): pass`).
    pub inline: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decorator {
    /// Source text after the `@`, e.g. `functools.lru_cache(maxsize=None)`.
    pub text: String,
    pub kind: DecoratorKind,
}

/// What a decorator means to a documentation tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DecoratorKind {
    Property,
    Setter,
    Deleter,
    StaticMethod,
    ClassMethod,
    Overload,
    AbstractMethod,
    /// `dataclass`, `attrs.define` and their relatives: the class has fields.
    Dataclass,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ParamKind {
    /// Before a `/` separator.
    PositionalOnly,
    Regular,
    /// `*args`
    VarPositional,
    /// After `*` or `*args`.
    KeywordOnly,
    /// `**kwargs`
    VarKeyword,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Param {
    /// The name without stars.
    pub name: String,
    pub kind: ParamKind,
    pub annotation: Option<String>,
    pub default: Option<String>,
    /// The receiver of a method: `self` or `cls` (not documented).
    pub implicit: bool,
}

impl Param {
    /// The name as written in the signature: `*args`, `**kwargs`, `x`.
    pub fn display_name(&self) -> String {
        match self.kind {
            ParamKind::VarPositional => format!("*{}", self.name),
            ParamKind::VarKeyword => format!("**{}", self.name),
            _ => self.name.clone(),
        }
    }
}

/// Facts about a function body that its docstring should reflect. Nothing from
/// nested functions, classes or lambdas is counted. For a class, `raises` holds
/// what its `__init__` raises (constructing the class raises it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct BodyFacts {
    /// Exception names raised, deduplicated, in order of first appearance
    /// (`raise X`, `raise X(...)`, `raise X from e`); bare `raise` excluded.
    pub raises: Vec<String>,
    /// A `return` with a value.
    pub returns_value: bool,
    /// A `yield` or `yield from`: the function is a generator.
    pub yields: bool,
}

/// Facts about a class.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ClassFacts {
    /// Base class expressions as written (keyword arguments such as
    /// `metaclass=` excluded).
    pub bases: Vec<String>,
    /// Class-level annotated attributes (`x: int = 0`), in order.
    pub attributes: Vec<Attribute>,
    /// True when the class body's annotated attributes are fields: a dataclass,
    /// attrs class, `NamedTuple`, `TypedDict` or pydantic model.
    pub has_fields: bool,
    /// Parameters of `__init__` (without `self`), when the class defines one.
    pub init_params: Option<Vec<Param>>,
    /// Names assigned as `self.x = ...` in `__init__`, in order, deduplicated.
    pub instance_attributes: Vec<Attribute>,
}

impl ClassFacts {
    /// Class-level annotated attributes that are fields (not `ClassVar`, not the
    /// `KW_ONLY` marker), when the class has fields.
    pub fn fields(&self) -> impl Iterator<Item = &Attribute> {
        self.attributes.iter().filter(move |a| self.has_fields && !a.annotation.as_deref().is_some_and(is_not_a_field))
    }
}

/// Whether an annotation makes a class attribute no field: `ClassVar[...]`,
/// `typing.ClassVar`, the `KW_ONLY` marker, also as a string annotation (as
/// `dataclasses` reads them). Compares the dotted name before any `[`, so that a
/// type merely named like them (`ClassVariable`) stays a field.
fn is_not_a_field(annotation: &str) -> bool {
    let unquoted = annotation.trim().trim_matches(|c| c == '"' || c == '\'');
    let head: String = unquoted.split('[').next().unwrap_or(unquoted).chars().filter(|c| !c.is_whitespace()).collect();
    let last = head.rsplit('.').next().unwrap_or(&head);
    matches!(last, "ClassVar" | "KW_ONLY")
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attribute {
    pub name: String,
    pub annotation: Option<String>,
    pub default: Option<String>,
    /// 1-based line of the assignment.
    pub line: usize,
}

/// A module-level variable: `NAME = ...` or `NAME: T = ...`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Variable {
    pub name: String,
    pub annotation: Option<String>,
    pub value: Option<String>,
    pub line: usize,
}

/// Quote style of a string literal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum QuoteStyle {
    #[serde(rename = "\"\"\"")]
    TripleDouble,
    #[serde(rename = "'''")]
    TripleSingle,
    #[serde(rename = "\"")]
    Double,
    #[serde(rename = "'")]
    Single,
}

impl QuoteStyle {
    pub fn as_str(self) -> &'static str {
        match self {
            QuoteStyle::TripleDouble => "\"\"\"",
            QuoteStyle::TripleSingle => "'''",
            QuoteStyle::Double => "\"",
            QuoteStyle::Single => "'",
        }
    }

    pub fn from_opening(quote: &str) -> Option<Self> {
        match quote {
            "\"\"\"" => Some(QuoteStyle::TripleDouble),
            "'''" => Some(QuoteStyle::TripleSingle),
            "\"" => Some(QuoteStyle::Double),
            "'" => Some(QuoteStyle::Single),
            _ => None,
        }
    }
}

/// An existing docstring.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocstringSpan {
    /// Bytes of the whole string expression (all parts of an implicit
    /// concatenation, and enclosing parentheses).
    pub range: Range<usize>,
    /// 1-based lines of that range.
    pub line: usize,
    pub end_line: usize,
    /// Prefix of the first literal, as written (`""`, `r`, `u`, `R`, `U`).
    pub prefix: String,
    /// Quote style of the first literal.
    pub quote: QuoteStyle,
    /// The value Python sees (escape sequences decoded, parts joined), not
    /// cleaned of indentation.
    pub value: String,
}
