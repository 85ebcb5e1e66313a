//! Hand-built source models for tests: a small builder for `Definition`
//! (no Python parser involved).

#![allow(dead_code)]

use std::path::PathBuf;

use docwright::docstring::{Docstring, ParamDoc, RaiseDoc, ReturnDoc};
use docwright::python::{
    Attribute, BodyFacts, BodyLayout, ClassFacts, Decorator, DecoratorKind, Definition, DefinitionKind, Param,
    ParamKind,
};

pub fn param(name: &str, annotation: Option<&str>, default: Option<&str>) -> Param {
    Param {
        name: name.to_string(),
        kind: ParamKind::Regular,
        annotation: annotation.map(str::to_string),
        default: default.map(str::to_string),
        implicit: false,
    }
}

pub fn kind_param(name: &str, kind: ParamKind, annotation: Option<&str>, default: Option<&str>) -> Param {
    Param { kind, ..param(name, annotation, default) }
}

pub fn self_param() -> Param {
    Param { implicit: true, ..param("self", None, None) }
}

pub fn attribute(name: &str, annotation: Option<&str>) -> Attribute {
    Attribute { name: name.to_string(), annotation: annotation.map(str::to_string), default: None, line: 1 }
}

/// A function `name(params) -> returns` with empty body facts.
pub fn function(name: &str, params: Vec<Param>, returns: Option<&str>) -> Definition {
    Definition {
        kind: DefinitionKind::Function,
        name: name.to_string(),
        qualname: name.to_string(),
        parent: None,
        range: 0..0,
        keyword_start: 0,
        line: 1,
        end_line: 1,
        start_line: 1,
        is_async: false,
        decorators: Vec::new(),
        params,
        returns: returns.map(str::to_string),
        facts: BodyFacts::default(),
        class: None,
        docstring: None,
        body: BodyLayout { colon_end: 0, block: 0..0, inline: false },
    }
}

pub fn method(name: &str, mut params: Vec<Param>, returns: Option<&str>) -> Definition {
    params.insert(0, self_param());
    Definition { kind: DefinitionKind::Method, ..function(name, params, returns) }
}

pub fn class(name: &str, facts: ClassFacts) -> Definition {
    Definition { kind: DefinitionKind::Class, class: Some(facts), ..function(name, Vec::new(), None) }
}

pub fn with_facts(mut def: Definition, raises: &[&str], returns_value: bool, yields: bool) -> Definition {
    def.facts = BodyFacts { raises: raises.iter().map(|s| s.to_string()).collect(), returns_value, yields };
    def
}

pub fn decorated(mut def: Definition, text: &str, kind: DecoratorKind) -> Definition {
    def.decorators.push(Decorator { text: text.to_string(), kind });
    def
}

/// A definition, the Python code it stands for (`{doc}` marks where its
/// docstring goes, already indented by the body), and the body's indent.
pub struct Fixture {
    pub name: &'static str,
    pub def: Definition,
    pub source: &'static str,
    pub indent: &'static str,
}

pub fn fixtures() -> Vec<Fixture> {
    use docwright::python::ClassFacts;
    let typed = function(
        "fetch",
        vec![param("url", Some("str"), None), param("retries", Some("int"), Some("3"))],
        Some("bytes"),
    );
    let kinds = function(
        "call",
        vec![
            kind_param("fn", ParamKind::PositionalOnly, Some("Callable[..., int]"), None),
            kind_param("args", ParamKind::VarPositional, Some("int"), None),
            kind_param("timeout", ParamKind::KeywordOnly, Some("float | None"), Some("None")),
            kind_param("kwargs", ParamKind::VarKeyword, Some("str"), None),
        ],
        Some("int"),
    );
    let generator =
        with_facts(function("count", vec![param("n", Some("int"), None)], Some("Iterator[int]")), &[], false, true);
    let raising = with_facts(
        function("check", vec![param("value", Some("str"), None)], Some("None")),
        &["ValueError", "TypeError"],
        false,
        false,
    );
    let cache = class(
        "Cache",
        ClassFacts {
            attributes: vec![attribute("hits", Some("int"))],
            init_params: Some(vec![self_param(), param("size", Some("int"), Some("128"))]),
            instance_attributes: vec![attribute("size", None)],
            ..ClassFacts::default()
        },
    );
    let property = decorated(method("total", vec![], Some("int")), "property", DecoratorKind::Property);
    let pair = with_facts(function("pair", vec![], Some("tuple[int, str]")), &[], true, false);
    vec![
        Fixture {
            name: "typed_defaults",
            def: typed,
            source: "def fetch(url: str, retries: int = 3) -> bytes:\n    {doc}\n    return b''\n",
            indent: "    ",
        },
        Fixture {
            name: "param_kinds",
            def: kinds,
            source: "def call(fn: Callable[..., int], /, *args: int, timeout: float | None = None, **kwargs: str) -> int:\n    {doc}\n    return fn(*args)\n",
            indent: "    ",
        },
        Fixture {
            name: "generator",
            def: generator,
            source: "def count(n: int) -> Iterator[int]:\n    {doc}\n    yield from range(n)\n",
            indent: "    ",
        },
        Fixture {
            name: "two_raises",
            def: raising,
            source: "def check(value: str) -> None:\n    {doc}\n    if not value:\n        raise ValueError(value)\n    raise TypeError(value)\n",
            indent: "    ",
        },
        Fixture {
            name: "class_init",
            def: cache,
            source: "class Cache:\n    {doc}\n\n    hits: int = 0\n\n    def __init__(self, size: int = 128) -> None:  # noqa: D107 (pydoclint wants args on the class)\n        self.size = size\n",
            indent: "    ",
        },
        Fixture {
            name: "property",
            def: property,
            source: "class Counter:\n    \"\"\"Count things.\"\"\"\n\n    @property\n    def total(self) -> int:\n        {doc}\n        return 1\n",
            indent: "        ",
        },
        Fixture {
            name: "tuple_return",
            def: pair,
            source: "def pair() -> tuple[int, str]:\n    {doc}\n    return 1, 'a'\n",
            indent: "    ",
        },
    ]
}

/// The reference function of docstring-styles.md, fully written.
pub fn written_fetch() -> Docstring {
    Docstring {
        summary: "Download a resource, retrying on transient failures.".into(),
        description: "Each attempt waits twice as long as the one before it, so a flaky server gets time to recover \
                      while a dead one fails fast enough for interactive use."
            .into(),
        params: vec![
            ParamDoc {
                name: "url".into(),
                type_name: Some("str".into()),
                description: "Address of the resource.".into(),
                default: None,
            },
            ParamDoc {
                name: "retries".into(),
                type_name: Some("int".into()),
                description: "How many extra attempts to make.".into(),
                default: Some("3".into()),
            },
        ],
        returns: vec![ReturnDoc {
            name: None,
            type_name: Some("bytes".into()),
            description: "The response body.".into(),
        }],
        raises: vec![RaiseDoc { exception: "TimeoutError".into(), description: "If every attempt times out.".into() }],
        ..Docstring::default()
    }
}

/// The virtual environment `scripts/test` sets up (or `DOCWRIGHT_VENV`).
pub fn venv() -> PathBuf {
    std::env::var_os("DOCWRIGHT_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".venv"))
}

/// A tool from the virtual environment `scripts/test` sets up (or
/// `DOCWRIGHT_VENV`). Missing tools fail the test: a lint check that cannot
/// run must not pass.
pub fn venv_bin(tool: &str) -> PathBuf {
    let path = venv().join("bin").join(tool);
    assert!(path.exists(), "{tool} not found at {} (run scripts/test, or set DOCWRIGHT_VENV)", path.display());
    path
}
