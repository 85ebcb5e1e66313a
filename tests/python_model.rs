//! The Python source model through its public API: definitions, parameters,
//! decorators, body and class facts, docstrings, variables, broken files,
//! incremental edits, and robustness on generated inputs.

use docwright::python::source_text::{self, DecodeError, SourceEncoding};
use docwright::python::{
    Attribute, BodyFacts, ClassFacts, DecoratorKind, Definition, DefinitionKind, DocstringSpan, Module, Param,
    ParamKind, QuoteStyle, SourceFile, Variable, parse_module,
};
use pretty_assertions::assert_eq;

fn parse(source: &str) -> Module {
    parse_module(source).expect("the grammar loads")
}

fn def<'m>(module: &'m Module, qualname: &str) -> &'m Definition {
    module
        .definitions
        .iter()
        .find(|d| d.qualname == qualname)
        .unwrap_or_else(|| panic!("no {qualname} in {:?}", qualnames(module)))
}

fn qualnames(module: &Module) -> Vec<&str> {
    module.definitions.iter().map(|d| d.qualname.as_str()).collect()
}

fn kinds(module: &Module) -> Vec<(&str, DefinitionKind)> {
    module.definitions.iter().map(|d| (d.qualname.as_str(), d.kind)).collect()
}

fn p(name: &str, kind: ParamKind, annotation: Option<&str>, default: Option<&str>) -> Param {
    Param {
        name: name.to_string(),
        kind,
        annotation: annotation.map(str::to_string),
        default: default.map(str::to_string),
        implicit: false,
    }
}

fn regular(name: &str) -> Param {
    p(name, ParamKind::Regular, None, None)
}

fn receiver(name: &str) -> Param {
    Param { implicit: true, ..regular(name) }
}

fn facts(raises: &[&str], returns_value: bool, yields: bool) -> BodyFacts {
    BodyFacts { raises: raises.iter().map(|s| s.to_string()).collect(), returns_value, yields }
}

fn attr(name: &str, annotation: Option<&str>, default: Option<&str>, line: usize) -> Attribute {
    Attribute {
        name: name.to_string(),
        annotation: annotation.map(str::to_string),
        default: default.map(str::to_string),
        line,
    }
}

/// Byte offset of the first occurrence of `needle`.
fn at(source: &str, needle: &str) -> usize {
    source.find(needle).unwrap_or_else(|| panic!("{needle:?} not in source"))
}

/// Byte offset just after the first occurrence of `needle`.
fn after(source: &str, needle: &str) -> usize {
    at(source, needle) + needle.len()
}

// ---------------------------------------------------------------- definitions

#[test]
fn classes_functions_methods_and_nesting() {
    let source = "\
class Outer:
    def method(self):
        def helper():
            pass
        class Local:
            def deep(self):
                pass
        return helper

    class Inner:
        def m(self):
            pass


def func():
    def inner():
        def innermost():
            pass
    class K:
        pass
";
    let module = parse(source);
    assert_eq!(
        kinds(&module),
        vec![
            ("Outer", DefinitionKind::Class),
            ("Outer.method", DefinitionKind::Method),
            ("Outer.method.helper", DefinitionKind::Function),
            ("Outer.method.Local", DefinitionKind::Class),
            ("Outer.method.Local.deep", DefinitionKind::Method),
            ("Outer.Inner", DefinitionKind::Class),
            ("Outer.Inner.m", DefinitionKind::Method),
            ("func", DefinitionKind::Function),
            ("func.inner", DefinitionKind::Function),
            ("func.inner.innermost", DefinitionKind::Function),
            ("func.K", DefinitionKind::Class),
        ]
    );
    let parents: Vec<Option<usize>> = module.definitions.iter().map(|d| d.parent).collect();
    assert_eq!(
        parents,
        vec![None, Some(0), Some(1), Some(1), Some(3), Some(0), Some(5), None, Some(7), Some(8), Some(7)]
    );
    let names: Vec<&str> = module.definitions.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(
        names,
        vec!["Outer", "method", "helper", "Local", "deep", "Inner", "m", "func", "inner", "innermost", "K"]
    );
    let top: Vec<usize> = module.children(None).map(|(i, _)| i).collect();
    assert_eq!(top, vec![0, 7]);
}

#[test]
fn definitions_inside_compound_statements() {
    let source = "\
if A:
    def in_if(): pass
elif B:
    def in_elif(): pass
else:
    def in_else(): pass
try:
    def in_try(): pass
except ImportError:
    def in_except(): pass
except* ValueError:
    def in_except_star(): pass
else:
    def in_try_else(): pass
finally:
    def in_finally(): pass
with open(x) as f:
    def in_with(): pass
for i in range(3):
    def in_for(): pass
else:
    def in_for_else(): pass
while True:
    def in_while(): pass
match command:
    case [x]:
        def in_case(): pass
    case _:
        class InCase: pass
async def coro():
    async with lock:
        def in_async_with(): pass
    async for item in stream:
        def in_async_for(): pass
class C:
    if TYPE_CHECKING:
        def in_class_if(self): pass
    else:
        try:
            def in_class_try(self): pass
        except Exception:
            pass
    with ctx:
        def in_class_with(self):
            def nested_in_method(): pass
";
    let module = parse(source);
    assert!(!module.has_syntax_errors);
    assert_eq!(
        kinds(&module),
        vec![
            ("in_if", DefinitionKind::Function),
            ("in_elif", DefinitionKind::Function),
            ("in_else", DefinitionKind::Function),
            ("in_try", DefinitionKind::Function),
            ("in_except", DefinitionKind::Function),
            ("in_except_star", DefinitionKind::Function),
            ("in_try_else", DefinitionKind::Function),
            ("in_finally", DefinitionKind::Function),
            ("in_with", DefinitionKind::Function),
            ("in_for", DefinitionKind::Function),
            ("in_for_else", DefinitionKind::Function),
            ("in_while", DefinitionKind::Function),
            ("in_case", DefinitionKind::Function),
            ("InCase", DefinitionKind::Class),
            ("coro", DefinitionKind::Function),
            ("coro.in_async_with", DefinitionKind::Function),
            ("coro.in_async_for", DefinitionKind::Function),
            ("C", DefinitionKind::Class),
            ("C.in_class_if", DefinitionKind::Method),
            ("C.in_class_try", DefinitionKind::Method),
            ("C.in_class_with", DefinitionKind::Method),
            ("C.in_class_with.nested_in_method", DefinitionKind::Function),
        ]
    );
    assert_eq!(def(&module, "C.in_class_if").params, vec![receiver("self")]);
    assert_eq!(def(&module, "C.in_class_with.nested_in_method").parent, Some(20));
}

#[test]
fn positions_and_lines() {
    let source = "\
import x

@decorator
@other(
    1,
)
def decorated(a):  # trailing
    return a
    # comment after the last statement


class Plain:
    x = 1
    # a comment inside the class

    def m(self):
        if a:
            pass
        else:
            return 2  # on the line
        # deeper trailing comment
# column-0 comment

async def coro(): await x
";
    let module = parse(source);
    let decorated = def(&module, "decorated");
    assert_eq!(decorated.range.start, at(source, "@decorator"));
    assert_eq!(decorated.range.end, after(source, "return a"));
    assert_eq!(decorated.keyword_start, at(source, "def decorated"));
    assert_eq!((decorated.start_line, decorated.line, decorated.end_line), (3, 7, 8));
    assert!(!decorated.is_async);
    assert_eq!(
        decorated.decorators.iter().map(|d| d.text.as_str()).collect::<Vec<_>>(),
        vec!["decorator", "other(\n    1,\n)"]
    );

    let plain = def(&module, "Plain");
    assert_eq!(plain.range, at(source, "class Plain")..after(source, "return 2"));
    assert_eq!(plain.keyword_start, plain.range.start);
    assert_eq!((plain.start_line, plain.line, plain.end_line), (12, 12, 20));
    let method = def(&module, "Plain.m");
    assert_eq!(method.range, at(source, "def m")..after(source, "return 2"));
    assert_eq!((method.start_line, method.line, method.end_line), (16, 16, 20));
    assert_eq!(method.body.colon_end, after(source, "def m(self):"));
    assert!(!method.body.inline);

    let coro = def(&module, "coro");
    assert!(coro.is_async);
    assert_eq!(coro.range, at(source, "async def")..after(source, "await x"));
    assert_eq!(coro.keyword_start, at(source, "async def"));
    assert_eq!((coro.start_line, coro.line, coro.end_line), (24, 24, 24));
    assert!(coro.body.inline);
    assert_eq!(coro.body.colon_end, after(source, "coro():"));
    assert_eq!(coro.body.block, at(source, "await x")..after(source, "await x"));
    assert_eq!(module.line_count, 24);
}

#[test]
fn decorated_classes_and_async_methods() {
    let source = "\
@dataclass(frozen=True)
class Point:
    x: int
    @staticmethod
    async def make(): ...
";
    let module = parse(source);
    let point = def(&module, "Point");
    assert_eq!(point.kind, DefinitionKind::Class);
    assert_eq!(point.range.start, 0);
    assert_eq!(point.keyword_start, at(source, "class Point"));
    assert_eq!((point.start_line, point.line, point.end_line), (1, 2, 5));
    let make = def(&module, "Point.make");
    assert_eq!(make.kind, DefinitionKind::Method);
    assert!(make.is_async);
    assert_eq!(make.range.start, at(source, "@staticmethod"));
    assert_eq!(make.keyword_start, at(source, "async def"));
    assert_eq!(make.params, vec![]);
}

#[test]
fn lambdas_are_not_definitions() {
    let source = "\
square = lambda x: x * x
def f(key=lambda item: item[0]):
    return sorted(xs, key=lambda y: (lambda z: z)(y))
class C:
    handler = lambda self: None
";
    let module = parse(source);
    assert_eq!(kinds(&module), vec![("f", DefinitionKind::Function), ("C", DefinitionKind::Class)]);
    assert_eq!(def(&module, "f").params, vec![p("key", ParamKind::Regular, None, Some("lambda item: item[0]"))]);
}

#[test]
fn line_count_counts_a_final_line_without_newline() {
    assert_eq!(parse("").line_count, 0);
    assert_eq!(parse("x = 1").line_count, 1);
    assert_eq!(parse("x = 1\n").line_count, 1);
    assert_eq!(parse("x = 1\n\ny = 2").line_count, 3);
}

// ----------------------------------------------------------------- parameters

#[test]
fn every_parameter_kind() {
    let source = "def f(a, b: int, /, c, d: str = 'x', *args: int, e, f=1, **kwargs: object) -> None: pass\n";
    let f = &parse(source).definitions[0];
    assert_eq!(
        f.params,
        vec![
            p("a", ParamKind::PositionalOnly, None, None),
            p("b", ParamKind::PositionalOnly, Some("int"), None),
            regular("c"),
            p("d", ParamKind::Regular, Some("str"), Some("'x'")),
            p("args", ParamKind::VarPositional, Some("int"), None),
            p("e", ParamKind::KeywordOnly, None, None),
            p("f", ParamKind::KeywordOnly, None, Some("1")),
            p("kwargs", ParamKind::VarKeyword, Some("object"), None),
        ]
    );
    assert_eq!(f.returns.as_deref(), Some("None"));
    let names: Vec<String> = f.params.iter().map(|p| p.display_name()).collect();
    assert_eq!(names, vec!["a", "b", "c", "d", "*args", "e", "f", "**kwargs"]);
}

#[test]
fn bare_star_separator_and_splats_without_annotations() {
    let module = parse("def g(a=1, /, *, b, c: int = 2, **kw): pass\ndef h(*args, **kwargs): pass\ndef i(): pass\n");
    assert_eq!(
        module.definitions[0].params,
        vec![
            p("a", ParamKind::PositionalOnly, None, Some("1")),
            p("b", ParamKind::KeywordOnly, None, None),
            p("c", ParamKind::KeywordOnly, Some("int"), Some("2")),
            p("kw", ParamKind::VarKeyword, None, None),
        ]
    );
    assert_eq!(
        module.definitions[1].params,
        vec![p("args", ParamKind::VarPositional, None, None), p("kwargs", ParamKind::VarKeyword, None, None)]
    );
    assert_eq!(module.definitions[2].params, vec![]);
    assert_eq!(module.definitions[2].returns, None);
}

#[test]
fn multi_line_annotations_and_defaults_with_strings_and_commas() {
    let source = "\
def f(
    a: dict[
        str, int
    ] = {'k': 1, 'j': 2},  # a comment, with a comma
    # a comment line
    b: 'Literal[\"x, y\"]' = \"a, b\",
    c=(1,
       2),
    *,
    d: Callable[[int, str], None] = lambda x, y: None,
) -> tuple[
    int, str
]:
    pass
";
    let f = &parse(source).definitions[0];
    assert_eq!(
        f.params,
        vec![
            p("a", ParamKind::Regular, Some("dict[\n        str, int\n    ]"), Some("{'k': 1, 'j': 2}")),
            p("b", ParamKind::Regular, Some("'Literal[\"x, y\"]'"), Some("\"a, b\"")),
            p("c", ParamKind::Regular, None, Some("(1,\n       2)")),
            p("d", ParamKind::KeywordOnly, Some("Callable[[int, str], None]"), Some("lambda x, y: None")),
        ]
    );
    assert_eq!(f.returns.as_deref(), Some("tuple[\n    int, str\n]"));
}

#[test]
fn receivers_are_implicit_only_for_methods() {
    let source = "\
def plain(self, cls): pass
class C:
    def m(self, x): pass
    @classmethod
    def c(cls, x): pass
    @staticmethod
    def s(x, y): pass
    @staticmethod
    def s2(self): pass
    def odd(this, x): pass
    def only_star(*args): pass
    def posonly(self, /, x): pass
    def inner_holder(self):
        def inner(self): pass
";
    let module = parse(source);
    assert_eq!(def(&module, "plain").params, vec![regular("self"), regular("cls")]);
    assert_eq!(def(&module, "C.m").params, vec![receiver("self"), regular("x")]);
    assert_eq!(def(&module, "C.c").params, vec![receiver("cls"), regular("x")]);
    assert_eq!(def(&module, "C.s").params, vec![regular("x"), regular("y")]);
    assert_eq!(def(&module, "C.s2").params, vec![regular("self")]);
    // Python binds the first parameter whatever its name.
    assert_eq!(def(&module, "C.odd").params, vec![receiver("this"), regular("x")]);
    assert_eq!(def(&module, "C.only_star").params, vec![p("args", ParamKind::VarPositional, None, None)]);
    assert_eq!(
        def(&module, "C.posonly").params,
        vec![Param { implicit: true, ..p("self", ParamKind::PositionalOnly, None, None) }, regular("x")]
    );
    assert_eq!(def(&module, "C.inner_holder.inner").params, vec![regular("self")]);
    let documented: Vec<&str> = def(&module, "C.m").documented_params().map(|p| p.name.as_str()).collect();
    assert_eq!(documented, vec!["x"]);
}

// ----------------------------------------------------------------- decorators

#[test]
fn decorator_kinds() {
    let source = "\
class C:
    @property
    def a(self): ...
    @a.setter
    def a(self, v): ...
    @a.deleter
    def a(self): ...
    @staticmethod
    def s(): ...
    @classmethod
    def c(cls): ...
    @typing.overload
    def o(self): ...
    @abc.abstractmethod
    def ab(self): ...
    @functools.cache
    def cached(self): ...
    @ functools . lru_cache ( maxsize = None )
    def spaced(self): ...

@dataclass(frozen=True, slots=True)
class D: ...

@attrs.define
class E: ...
";
    let module = parse(source);
    let seen: Vec<(&str, &str, DecoratorKind)> = module
        .definitions
        .iter()
        .flat_map(|d| d.decorators.iter().map(move |dec| (d.qualname.as_str(), dec.text.as_str(), dec.kind)))
        .collect();
    assert_eq!(
        seen,
        vec![
            ("C.a", "property", DecoratorKind::Property),
            ("C.a", "a.setter", DecoratorKind::Setter),
            ("C.a", "a.deleter", DecoratorKind::Deleter),
            ("C.s", "staticmethod", DecoratorKind::StaticMethod),
            ("C.c", "classmethod", DecoratorKind::ClassMethod),
            ("C.o", "typing.overload", DecoratorKind::Overload),
            ("C.ab", "abc.abstractmethod", DecoratorKind::AbstractMethod),
            ("C.cached", "functools.cache", DecoratorKind::Other),
            ("C.spaced", "functools . lru_cache ( maxsize = None )", DecoratorKind::Other),
            ("D", "dataclass(frozen=True, slots=True)", DecoratorKind::Dataclass),
            ("E", "attrs.define", DecoratorKind::Dataclass),
        ]
    );
    assert!(def(&module, "C.s").has_decorator(DecoratorKind::StaticMethod));
    assert!(!def(&module, "C.s").has_decorator(DecoratorKind::ClassMethod));
}

#[test]
fn decorators_with_comments() {
    let source = "\
@property  # why
# between
@other
def f(): pass
";
    let f = &parse(source).definitions[0];
    let texts: Vec<(&str, DecoratorKind)> = f.decorators.iter().map(|d| (d.text.as_str(), d.kind)).collect();
    assert_eq!(texts, vec![("property", DecoratorKind::Property), ("other", DecoratorKind::Other)]);
    assert_eq!(f.range.start, 0);
    assert_eq!(f.start_line, 1);
    assert_eq!(f.line, 4);
}

// ----------------------------------------------------------------- body facts

#[test]
fn raises_in_order_deduplicated_without_nested_scopes() {
    let source = "\
def f(x):
    if x:
        raise ValueError
    elif x > 1:
        raise TypeError('bad')
    try:
        pass
    except KeyError as e:
        raise LookupError('missing') from e
    raise errors.CustomError(
        'x',
    )
    raise ValueError('again')
    raise
    def nested():
        raise NestedError
    class Inner:
        def m(self):
            raise InnerError
    handler = lambda: (_ for _ in ()).throw(LambdaError)
    raise errors[0]
    raise (yield)
";
    let module = parse(source);
    assert_eq!(
        def(&module, "f").facts,
        facts(&["ValueError", "TypeError", "LookupError", "errors.CustomError"], false, true)
    );
    assert_eq!(def(&module, "f.nested").facts, facts(&["NestedError"], false, false));
    assert_eq!(def(&module, "f.Inner.m").facts, facts(&["InnerError"], false, false));
    assert_eq!(def(&module, "f.Inner").facts, BodyFacts::default());
}

#[test]
fn reraising_a_caught_exception_names_the_caught_types() {
    let source = "\
def f():
    try:
        work()
    except (OSError, mod.Timeout) as e:
        log(e)
        raise e
    except KeyError as k:
        raise k from None
    except Exception:
        raise
def g():
    try:
        work()
    except* (ValueError, TypeError) as group:
        raise group
def h(e):
    raise e
";
    let module = parse(source);
    assert_eq!(def(&module, "f").facts.raises, vec!["OSError", "mod.Timeout", "KeyError"]);
    assert_eq!(def(&module, "g").facts.raises, vec!["ValueError", "TypeError"]);
    assert_eq!(def(&module, "h").facts.raises, vec!["e"]);
}

#[test]
fn returns_with_and_without_values() {
    let source = "\
def value():
    return 1
def bare():
    return
def none():
    return None
def parenthesized_none():
    return (None)  # still None
def nested_only():
    def inner():
        return 1
    return
def lambda_only():
    f = lambda: 1
def mixed(x):
    if x:
        return
    return x
def in_loop():
    for i in x:
        while i:
            with a:
                return (i)
";
    let module = parse(source);
    let returns: Vec<(&str, bool)> =
        module.definitions.iter().map(|d| (d.qualname.as_str(), d.facts.returns_value)).collect();
    assert_eq!(
        returns,
        vec![
            ("value", true),
            ("bare", false),
            ("none", false),
            ("parenthesized_none", false),
            ("nested_only", false),
            ("nested_only.inner", true),
            ("lambda_only", false),
            ("mixed", true),
            ("in_loop", true),
        ]
    );
}

#[test]
fn generators() {
    let source = "\
def plain_yield():
    yield 1
def yield_from():
    yield from other()
def receive():
    x = yield
    return x
def in_condition():
    if (yield):
        pass
def nested_only():
    def inner():
        yield 1
    return inner
def lambda_only():
    f = lambda: (yield)
    return f
async def awaits():
    await thing()
async def async_gen():
    async for x in y:
        yield x
def word_in_string():
    return 'yield'
def yield_in_lambda_and_body():
    f = lambda: (yield)
    g = (yield 2)
def in_with_item():
    with (yield) as x:
        pass
def in_raise():
    raise (yield)
class C:
    def m(self):
        yield
";
    let module = parse(source);
    let yields: Vec<(&str, bool)> = module.definitions.iter().map(|d| (d.qualname.as_str(), d.facts.yields)).collect();
    assert_eq!(
        yields,
        vec![
            ("plain_yield", true),
            ("yield_from", true),
            ("receive", true),
            ("in_condition", true),
            ("nested_only", false),
            ("nested_only.inner", true),
            ("lambda_only", false),
            ("awaits", false),
            ("async_gen", true),
            ("word_in_string", false),
            ("yield_in_lambda_and_body", true),
            ("in_with_item", true),
            ("in_raise", true),
            ("C", false),
            ("C.m", true),
        ]
    );
    assert_eq!(def(&module, "receive").facts, facts(&[], true, true));
}

// ---------------------------------------------------------------- class facts

#[test]
fn bases_exclude_keyword_arguments() {
    let source = "\
class A(Base, mod.Mixin, Generic[T], metaclass=Meta, total=False): pass
class B: pass
class C(): pass
class D(
    Base,  # comment
):
    pass
";
    let module = parse(source);
    let bases: Vec<Vec<&str>> = module
        .definitions
        .iter()
        .map(|d| d.class.as_ref().expect("class facts").bases.iter().map(String::as_str).collect())
        .collect();
    assert_eq!(bases, vec![vec!["Base", "mod.Mixin", "Generic[T]"], vec![], vec![], vec!["Base"]]);
}

#[test]
fn class_attributes_and_fields() {
    let source = "\
@dataclass
class Point:
    \"\"\"A point.\"\"\"
    x: int
    y: float = 0.0
    count: ClassVar[int] = 0
    other: typing.ClassVar[str] = ''
    _: KW_ONLY
    z: list[int] = field(default_factory=list)
    plain = 3
    a, b = 1, 2
    self.q: int = 1

    def method(self):
        inside: int = 1
";
    let module = parse(source);
    let class = def(&module, "Point").class.clone().expect("class facts");
    assert_eq!(
        class,
        ClassFacts {
            bases: vec![],
            attributes: vec![
                attr("x", Some("int"), None, 4),
                attr("y", Some("float"), Some("0.0"), 5),
                attr("count", Some("ClassVar[int]"), Some("0"), 6),
                attr("other", Some("typing.ClassVar[str]"), Some("''"), 7),
                attr("_", Some("KW_ONLY"), None, 8),
                attr("z", Some("list[int]"), Some("field(default_factory=list)"), 9),
            ],
            has_fields: true,
            init_params: None,
            instance_attributes: vec![],
        }
    );
    let fields: Vec<&str> = class.fields().map(|a| a.name.as_str()).collect();
    assert_eq!(fields, vec!["x", "y", "z"]);
}

#[test]
fn which_classes_have_fields() {
    let source = "\
@dataclass
class A:
    x: int
@dataclasses.dataclass(frozen=True)
class B:
    x: int
class C(NamedTuple):
    x: int
class D(typing.TypedDict, total=False):
    x: int
class E(pydantic.BaseModel):
    x: int
@attrs.define
class F:
    x: int
class G:
    x: int
class H(Base):
    x: int
";
    let module = parse(source);
    let has_fields: Vec<(&str, bool)> =
        module.definitions.iter().map(|d| (d.qualname.as_str(), d.class.as_ref().expect("class").has_fields)).collect();
    assert_eq!(
        has_fields,
        vec![("A", true), ("B", true), ("C", true), ("D", true), ("E", true), ("F", true), ("G", false), ("H", false)]
    );
    let g = def(&module, "G").class.as_ref().expect("class");
    assert_eq!(g.attributes, vec![attr("x", Some("int"), None, 17)]);
    assert_eq!(g.fields().count(), 0);
}

#[test]
fn init_params_and_instance_attributes() {
    let source = "\
class C:
    def __init__(self, a: int, b=2, *args, key, **kw) -> None:
        self.a = a
        self.b: int = b
        self.c, self.d = 1, 2
        self.a = 'again'
        if a:
            self.in_if = True
        other.x = 1
        def nested():
            self.from_nested = 1
        class Local:
            def __init__(self):
                self.local = 1
        fn = lambda: setattr(self, 'x', 1)
        self.e: str
        self.f += 1
        self.g.h = 1
    def other(self):
        self.from_other = 1
";
    let module = parse(source);
    let class = def(&module, "C").class.clone().expect("class facts");
    assert_eq!(
        class.init_params,
        Some(vec![
            p("a", ParamKind::Regular, Some("int"), None),
            p("b", ParamKind::Regular, None, Some("2")),
            p("args", ParamKind::VarPositional, None, None),
            p("key", ParamKind::KeywordOnly, None, None),
            p("kw", ParamKind::VarKeyword, None, None),
        ])
    );
    assert_eq!(
        class.instance_attributes,
        vec![
            attr("a", None, Some("a"), 3),
            attr("b", Some("int"), Some("b"), 4),
            attr("c", None, Some("1, 2"), 5),
            attr("d", None, Some("1, 2"), 5),
            attr("in_if", None, Some("True"), 8),
            attr("e", Some("str"), None, 16),
        ]
    );
    assert_eq!(class.attributes, vec![]);
    assert!(!class.has_fields);
    let local = def(&module, "C.__init__.Local").class.clone().expect("class facts");
    assert_eq!(local.instance_attributes, vec![attr("local", None, Some("1"), 14)]);
    assert_eq!(local.init_params, Some(vec![]));
}

#[test]
fn classes_without_init_and_odd_receivers() {
    let source = "\
class NoInit:
    def setup(self):
        self.x = 1
class Renamed:
    def __init__(this, v):
        this.v = v
        self.not_mine = 1
class Overloaded:
    @overload
    def __init__(self, a: int): ...
    def __init__(self, a):
        self.a = a
";
    let module = parse(source);
    let no_init = def(&module, "NoInit").class.clone().expect("class");
    assert_eq!((no_init.init_params, no_init.instance_attributes), (None, vec![]));
    let renamed = def(&module, "Renamed").class.clone().expect("class");
    assert_eq!(renamed.init_params, Some(vec![regular("v")]));
    assert_eq!(renamed.instance_attributes, vec![attr("v", None, Some("v"), 6)]);
    let overloaded = def(&module, "Overloaded").class.clone().expect("class");
    assert_eq!(overloaded.init_params, Some(vec![regular("a")]));
    assert_eq!(overloaded.instance_attributes, vec![attr("a", None, Some("a"), 12)]);
    assert_eq!(def(&module, "NoInit.setup").class, None);
}

// ----------------------------------------------------------------- docstrings

fn doc(
    value: &str,
    prefix: &str,
    quote: QuoteStyle,
    range: std::ops::Range<usize>,
    lines: (usize, usize),
) -> DocstringSpan {
    DocstringSpan {
        range,
        line: lines.0,
        end_line: lines.1,
        prefix: prefix.to_string(),
        quote,
        value: value.to_string(),
    }
}

#[test]
fn docstring_is_the_first_statement_only() {
    let source = "\
def documented():
    # a comment first
    \"\"\"Summary.

    More.\"\"\"
    return 1
def after_code():
    x = 1
    \"\"\"Not a docstring.\"\"\"
def single():
    'single'
def inline(): \"inline\"
";
    let module = parse(source);
    let documented = def(&module, "documented");
    assert_eq!(
        documented.docstring,
        Some(doc(
            "Summary.\n\n    More.",
            "",
            QuoteStyle::TripleDouble,
            at(source, "\"\"\"Summary")..after(source, "More.\"\"\""),
            (3, 5)
        ))
    );
    assert_eq!(def(&module, "after_code").docstring, None);
    assert_eq!(
        def(&module, "single").docstring,
        Some(doc("single", "", QuoteStyle::Single, at(source, "'single'")..after(source, "'single'"), (11, 11)))
    );
    assert_eq!(
        def(&module, "inline").docstring,
        Some(doc("inline", "", QuoteStyle::Double, at(source, "\"inline\"")..after(source, "\"inline\""), (12, 12)))
    );
}

#[test]
fn docstring_prefixes() {
    let cases: &[(&str, Option<(&str, &str)>)] = &[
        ("r'''raw \\n'''", Some(("r", "raw \\n"))),
        ("R\"raw\\t\"", Some(("R", "raw\\t"))),
        ("u'uni\\tcode'", Some(("u", "uni\tcode"))),
        ("U'''x'''", Some(("U", "x"))),
        ("f'''formatted'''", None),
        ("F'x'", None),
        ("rf'x'", None),
        ("b'bytes'", None),
        ("Rb'bytes'", None),
        ("t'template'", None),
        ("'a' f'b'", None),
        ("'a' b'b'", None),
        ("'a' + 'b'", None),
        ("'a'.strip()", None),
        ("('a')", Some(("", "a"))),
    ];
    for (literal, expected) in cases {
        let source = format!("def f():\n    {literal}\n");
        let module = parse(&source);
        let got = def(&module, "f").docstring.as_ref().map(|d| (d.prefix.as_str(), d.value.as_str()));
        assert_eq!(got, *expected, "{literal}");
    }
}

#[test]
fn implicitly_concatenated_docstrings() {
    let source = "def f():\n    \"first \" 'second'\n";
    let module = parse(source);
    assert_eq!(
        def(&module, "f").docstring,
        Some(doc("first second", "", QuoteStyle::Double, at(source, "\"first")..after(source, "'second'"), (2, 2)))
    );

    let source = "def g():\n    (\"one\\n\"  # comment\n     r'two\\n'\n     '''three''')\n    return 1\n";
    let module = parse(source);
    assert_eq!(
        def(&module, "g").docstring,
        Some(doc(
            "one\ntwo\\nthree",
            "",
            QuoteStyle::Double,
            at(source, "(\"one")..after(source, "'''three''')"),
            (2, 4)
        ))
    );
}

#[test]
fn docstring_escapes() {
    let source =
        "def f():\n    '''tab\\there \\x41\\101\\u00e9 \\\\ \\'q\\' \\N{BULLET} \\d\n    continued \\\n    joined'''\n";
    let module = parse(source);
    assert_eq!(
        def(&module, "f").docstring.as_ref().map(|d| d.value.as_str()),
        Some("tab\there AAé \\ 'q' \\N{BULLET} \\d\n    continued     joined")
    );
}

#[test]
fn module_docstrings() {
    let source = "#!/usr/bin/env python\n# -*- coding: utf-8 -*-\n\n\"\"\"Module.\"\"\"\nimport os\n";
    let module = parse(source);
    assert_eq!(
        module.docstring,
        Some(doc(
            "Module.",
            "",
            QuoteStyle::TripleDouble,
            at(source, "\"\"\"")..after(source, "Module.\"\"\""),
            (4, 4)
        ))
    );
    assert_eq!(parse("import os\n\"\"\"Not.\"\"\"\n").docstring, None);
    assert_eq!(parse("").docstring, None);
    assert_eq!(parse("# only a comment\n").docstring, None);
    assert_eq!(parse("'''doc'''").docstring.map(|d| d.value), Some("doc".to_string()));
    assert_eq!(parse("from __future__ import annotations\n").docstring, None);
}

#[test]
fn class_docstrings() {
    let source = "class C:\n    '''Class doc.'''\n    x: int\n";
    let module = parse(source);
    assert_eq!(
        def(&module, "C").docstring,
        Some(doc("Class doc.", "", QuoteStyle::TripleSingle, at(source, "'''")..after(source, "doc.'''"), (2, 2)))
    );
    let class = def(&module, "C").class.clone().expect("class");
    assert_eq!(class.attributes, vec![attr("x", Some("int"), None, 3)]);
}

#[test]
fn crlf_docstrings_read_as_python_reads_them() {
    // Python's tokenizer turns CRLF and lone CR line ends into `\n` before the
    // literal is evaluated; an escaped `\r` stays.
    let source = "def f():\r\n    \"\"\"One.\r\n\r\n    Two\\r.\"\"\"\r\n    return 1\r\n";
    let module = parse(source);
    let f = def(&module, "f");
    assert_eq!(f.docstring.as_ref().map(|d| d.value.as_str()), Some("One.\n\n    Two\r."));
    assert_eq!(f.docstring.as_ref().map(|d| (d.line, d.end_line)), Some((2, 4)));
    assert_eq!((f.line, f.end_line), (1, 5));
    let raw = parse("r'''a\r\nb'''\r\n");
    assert_eq!(raw.docstring.map(|d| d.value), Some("a\nb".to_string()));
}

// ------------------------------------------------------------------ variables

#[test]
fn module_variables() {
    let source = "\
X = 1
Y: int = 2
Z: list[str]
a, b = 1, 2
obj.attr = 3
items[0] = 4
N += 1
if True:
    INSIDE = 5
def f():
    LOCAL = 6
class C:
    CLASS_LEVEL = 7
LAST = (
    1,
)  # comment
";
    let module = parse(source);
    let var = |name: &str, annotation: Option<&str>, value: Option<&str>, line: usize| Variable {
        name: name.to_string(),
        annotation: annotation.map(str::to_string),
        value: value.map(str::to_string),
        line,
    };
    assert_eq!(
        module.variables,
        vec![
            var("X", None, Some("1"), 1),
            var("Y", Some("int"), Some("2"), 2),
            var("Z", Some("list[str]"), None, 3),
            var("LAST", None, Some("(\n    1,\n)"), 14),
        ]
    );
}

#[test]
fn chained_assignments_bind_every_name_to_the_final_value() {
    let source = "\
X = Y = 1
A = obj.attr = B = 'v'
class C:
    def __init__(self):
        self.p = self.q = []
";
    let module = parse(source);
    let vars: Vec<(&str, Option<&str>, usize)> =
        module.variables.iter().map(|v| (v.name.as_str(), v.value.as_deref(), v.line)).collect();
    assert_eq!(vars, vec![("X", Some("1"), 1), ("Y", Some("1"), 1), ("A", Some("'v'"), 2), ("B", Some("'v'"), 2)]);
    let class = def(&module, "C").class.clone().expect("class");
    assert_eq!(class.instance_attributes, vec![attr("p", None, Some("[]"), 5), attr("q", None, Some("[]"), 5)]);
}

#[test]
fn class_variables_and_markers_are_not_fields() {
    let source = "\
@dataclass
class D:
    a: 'ClassVar[int]' = 1
    b: ClassVariable = 2
    c: \"typing.ClassVar[int]\" = 3
    d: ClassVar = 4
    e: dataclasses.KW_ONLY
    f: typing . ClassVar [ str ] = ''
    g: Annotated[int, ClassVar] = 5
    h: MY_KW_ONLY_TYPE = 6
";
    let module = parse(source);
    let class = def(&module, "D").class.clone().expect("class");
    assert_eq!(class.attributes.len(), 8);
    let fields: Vec<&str> = class.fields().map(|a| a.name.as_str()).collect();
    assert_eq!(fields, vec!["b", "g", "h"]);
}

// -------------------------------------------------------------- syntax errors

#[test]
fn broken_function_keeps_its_neighbours() {
    let source = "\
def before(a):
    return a

def broken(x):
    return x +
    y = = 2

class After:
    def method(self):
        pass

def last():
    pass
";
    let module = parse(source);
    assert!(module.has_syntax_errors);
    assert_eq!(qualnames(&module), vec!["before", "broken", "After", "After.method", "last"]);
    let before = def(&module, "before");
    assert_eq!(before.params, vec![regular("a")]);
    assert_eq!(before.facts, facts(&[], true, false));
    assert_eq!(def(&module, "After.method").kind, DefinitionKind::Method);
    assert_eq!(def(&module, "last").line, 12);
}

#[test]
fn missing_colon_and_unterminated_string() {
    let module = parse("def ok():\n    pass\n\ndef missing_colon()\n    pass\n\ndef after():\n    pass\n");
    assert!(module.has_syntax_errors);
    assert_eq!(qualnames(&module), vec!["ok", "after"]);

    let module = parse("def ok():\n    pass\n\nx = 'unterminated\n\ndef after():\n    pass\n");
    assert!(module.has_syntax_errors);
    assert_eq!(qualnames(&module), vec!["ok", "after"]);

    let module = parse("def f():\n    \"\"\"never closed\n    return 1\n");
    assert!(module.has_syntax_errors);
    check_invariants("def f():\n    \"\"\"never closed\n    return 1\n", &module);

    assert!(!parse("def f():\n    pass\n").has_syntax_errors);
}

// ---------------------------------------------------------------- incremental

fn assert_same_as_fresh(file: &SourceFile) {
    let fresh = parse(file.text());
    assert_eq!(file.module(), &fresh, "text:\n{}", file.text());
    assert_eq!(
        serde_json::to_string(file.module()).expect("serialises"),
        serde_json::to_string(&fresh).expect("serialises")
    );
}

#[test]
fn incremental_edits_match_a_fresh_parse() {
    let mut file = SourceFile::parse("def f(a):\n    return a\n".to_string()).expect("parses");
    let steps: Vec<(&str, &str)> = vec![
        // (find this, replace with this)
        ("return a", "return a  # é ünïcödé 😀"),
        ("def f(a):\n", "class C:\n    \"\"\"Dóc.\"\"\"\n    def m(self, a):\n"),
        ("    return a", "        return a"),
        ("C:", "C"),             // missing colon: a syntax error
        ("class C", "class C:"), // fixed
        ("😀", ""),
        ("Dóc.", "Dóc ✓ changed."),
        ("    \"\"\"Dóc ✓ changed.\"\"\"\n", ""),
        ("(self, a)", "(self, a, *, b: int = 1)"),
        ("        return a", "        yield a\n        raise ValueError"),
    ];
    for (find, replace) in steps {
        let start = file.text().find(find).unwrap_or_else(|| panic!("{find:?} in {}", file.text()));
        file.edit(start..start + find.len(), replace).expect("edit applies");
        if !file.module().has_syntax_errors {
            assert_same_as_fresh(&file);
        }
    }
    let end = file.text().len();
    file.edit(end..end, "\ndef tail():\n    '''Tail.'''\n").expect("append");
    file.edit(0..0, "import os\n").expect("prepend");
    assert_same_as_fresh(&file);
    let module = file.module();
    assert_eq!(qualnames(module), vec!["C", "C.m", "tail"]);
    assert_eq!(def(module, "C.m").facts, facts(&["ValueError"], false, true));
    assert_eq!(
        def(module, "C.m").params,
        vec![receiver("self"), regular("a"), p("b", ParamKind::KeywordOnly, Some("int"), Some("1"))]
    );
    // Delete everything, then type it back.
    let len = file.text().len();
    let whole = file.text().to_string();
    file.edit(0..len, "").expect("delete all");
    assert_eq!(file.module(), &parse(""));
    for (i, c) in whole.char_indices() {
        file.edit(i..i, c.encode_utf8(&mut [0; 4])).expect("type");
    }
    assert_eq!(file.text(), whole);
    assert_same_as_fresh(&file);
}

#[test]
fn invalid_edits_are_refused() {
    let text = "x = 'é'\n";
    let mut file = SourceFile::parse(text.to_string()).expect("parses");
    let before = file.module().clone();
    let e = at(text, "é");
    #[allow(clippy::reversed_empty_ranges)] // a reversed range is one of the bad inputs
    let bad = [0..100, 10..10, e + 1..e + 2, e..e + 1, 3..2];
    for range in bad {
        assert!(file.edit(range.clone(), "y").is_err(), "{range:?}");
        assert_eq!(file.text(), text);
        assert_eq!(file.module(), &before);
    }
    file.edit(e..e + 2, "e").expect("whole character");
    assert_eq!(file.text(), "x = 'e'\n");
}

#[test]
fn many_edits_at_once_match_a_fresh_parse() {
    let text = "def a(x):\n    return x\n\n\nclass B:\n    def m(self):\n        pass\n\ndef c(): return 1\n";
    let mut file = SourceFile::parse(text.to_string()).expect("parses");
    let after = |find: &str| at(text, find) + find.len();
    // Given out of order, with multi-line and multi-byte insertions.
    let edits = vec![
        (after("def c():")..after("def c(): "), "\n    \"\"\"Cé.\"\"\"\n    "),
        (after("def a(x):\n")..after("def a(x):\n"), "    \"\"\"A.\n\n    Ünï.\n    \"\"\"\n"),
        (after("class B:\n")..after("class B:\n"), "    \"\"\"B.\"\"\"\n\n"),
        (at(text, "pass")..after("pass"), "yield self"),
    ];
    file.apply_edits(&edits).expect("edits apply");
    assert_eq!(
        file.text(),
        "def a(x):\n    \"\"\"A.\n\n    Ünï.\n    \"\"\"\n    return x\n\n\nclass B:\n    \"\"\"B.\"\"\"\n\n    def m(self):\n        yield self\n\ndef c():\n    \"\"\"Cé.\"\"\"\n    return 1\n"
    );
    assert_same_as_fresh(&file);
    assert!(def(file.module(), "B.m").facts.yields);
    assert_eq!(def(file.module(), "c").docstring.as_ref().map(|d| d.value.as_str()), Some("Cé."));
}

#[test]
fn overlapping_edits_are_refused_together() {
    let text = "def f():\n    pass\n";
    let mut file = SourceFile::parse(text.to_string()).expect("parses");
    let before = file.module().clone();
    assert!(file.apply_edits(&[(0..5, "x"), (4..6, "y")]).is_err());
    assert!(file.apply_edits(&[(0..1, "x"), (100..101, "y")]).is_err());
    assert_eq!(file.text(), text);
    assert_eq!(file.module(), &before);
}

// ------------------------------------------------------------- robustness

fn check_invariants(source: &str, module: &Module) {
    let lines = source.bytes().filter(|&b| b == b'\n').count() + 1;
    let in_text = |r: &std::ops::Range<usize>| {
        r.start <= r.end && r.end <= source.len() && source.is_char_boundary(r.start) && source.is_char_boundary(r.end)
    };
    let check_doc = |d: &DocstringSpan, within: &std::ops::Range<usize>| {
        assert!(in_text(&d.range), "{d:?}");
        assert!(within.start <= d.range.start && d.range.end <= within.end, "{d:?} outside {within:?}");
        assert!(1 <= d.line && d.line <= d.end_line && d.end_line <= lines, "{d:?}");
    };
    if let Some(d) = &module.docstring {
        check_doc(d, &(0..source.len()));
    }
    for (i, d) in module.definitions.iter().enumerate() {
        assert!(in_text(&d.range), "{d:?}");
        assert!(d.range.start <= d.keyword_start && d.keyword_start < d.range.end, "{d:?}");
        assert!(source.is_char_boundary(d.keyword_start));
        assert!(1 <= d.start_line && d.start_line <= d.line && d.line <= d.end_line && d.end_line <= lines, "{d:?}");
        assert!(!d.name.is_empty());
        if let Some(parent) = d.parent {
            assert!(parent < i, "{d:?}");
            let outer = &module.definitions[parent];
            assert!(outer.range.start <= d.range.start && d.range.end <= outer.range.end, "{d:?} in {outer:?}");
            assert!(d.qualname.starts_with(&format!("{}.", outer.qualname)), "{d:?}");
        } else {
            assert_eq!(d.qualname, d.name);
        }
        if let Some(doc) = &d.docstring {
            check_doc(doc, &d.range);
        }
        assert!(in_text(&d.body.block), "{d:?}");
        assert!(d.body.colon_end <= source.len() && source.is_char_boundary(d.body.colon_end));
        assert_eq!(d.class.is_some(), d.kind == DefinitionKind::Class);
    }
}

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// A char boundary of `text` at or before a random offset.
    fn boundary(&mut self, text: &str) -> usize {
        let mut at = self.below(text.len() + 1);
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        at
    }
}

const REALISTIC: &str = "\
#!/usr/bin/env python3
# -*- coding: utf-8 -*-
\"\"\"Module doc with ünïcode — and escapes \\n.\"\"\"
from __future__ import annotations

import abc
from dataclasses import dataclass, field

LIMIT: int = 10
NAME = 'x'


@dataclass(frozen=True)
class Point(Base, metaclass=Meta):
    '''A point.'''

    x: int
    y: float = 0.0
    tags: list[str] = field(default_factory=list)

    def __init__(self, x, /, y=0.0, *args, scale: float = 1.0, **kw) -> None:
        self.x = x
        self.y, self.z = y, 0
        def helper(v):
            yield v
        try:
            check(x)
        except (ValueError, TypeError) as e:
            raise e
        finally:
            pass

    @property
    def norm(self) -> float:
        r\"\"\"Norm \\d.\"\"\"
        return (self.x ** 2 + self.y ** 2) ** 0.5

    @norm.setter
    def norm(self, value):
        raise AttributeError('read only') from None

\tasync def tabbed(self):
\t\tawait x


async def gen(n):
    (\"a\"
     \"b\")
    for i in range(n):
        if i % 2:
            yield i
        elif i:
            continue
        else:
            return
    match n:
        case 1:
            def in_case(): ...
    f = lambda: (yield)


def broken(a,
    pass
";

/// Runs `parse_module` and the invariants, catching a panic to report the input.
fn check_source(source: &str) {
    let result = std::panic::catch_unwind(|| {
        let module = parse(source);
        check_invariants(source, &module);
    });
    if let Err(e) = result {
        panic!("failed on {source:?}: {e:?}");
    }
}

#[test]
fn realistic_file_truncated_at_every_char_boundary() {
    for end in (0..=REALISTIC.len()).filter(|&i| REALISTIC.is_char_boundary(i)) {
        check_source(&REALISTIC[..end]);
        check_source(&REALISTIC[end..]);
    }
}

#[test]
fn random_inputs_never_panic() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    // Random bytes, decoded lossily, biased towards Python punctuation.
    let alphabet: &[u8] = b"def class async  ():,*/=\n\n    \t\"'\\#@.[]{}->x1\r\x0c\x00\xc3\xa9\xff";
    for _ in 0..300 {
        let len = rng.below(120);
        let bytes: Vec<u8> = (0..len)
            .map(|_| if rng.below(4) == 0 { rng.next() as u8 } else { alphabet[rng.below(alphabet.len())] })
            .collect();
        check_source(&String::from_utf8_lossy(&bytes));
    }
    // Mutations of a realistic file.
    let insertions = [
        "(", ")", ":", "\"\"\"", "'''", "    ", "\t", "\r", "\r\n", "\x0c", "\0", "\u{feff}", "\\", "é", "def ", "@",
        "\n",
    ];
    for _ in 0..150 {
        let mut text = REALISTIC.to_string();
        for _ in 0..1 + rng.below(4) {
            if rng.below(2) == 0 {
                let at = rng.boundary(&text);
                text.insert_str(at, insertions[rng.below(insertions.len())]);
            } else {
                let start = rng.boundary(&text);
                let mut end = (start + rng.below(8)).min(text.len());
                while !text.is_char_boundary(end) {
                    end += 1;
                }
                text.replace_range(start..end, "");
            }
        }
        check_source(&text);
    }
}

#[test]
fn random_edit_sequences_keep_invariants_and_match_fresh_parses_when_valid() {
    let mut rng = Rng(42);
    let insertions = [
        "(",
        ")",
        ":",
        "\"\"\"",
        "    ",
        "\t",
        "\r",
        "\x0c",
        "\0",
        "\u{feff}",
        "é😀",
        "def g():\n    pass\n",
        "\n",
        "yield 1\n",
    ];
    for _ in 0..20 {
        let mut file = SourceFile::parse(REALISTIC.to_string()).expect("parses");
        for _ in 0..15 {
            let start = rng.boundary(file.text());
            let mut end = (start + rng.below(6)).min(file.text().len());
            while !file.text().is_char_boundary(end) {
                end += 1;
            }
            let insert = if rng.below(3) == 0 { "" } else { insertions[rng.below(insertions.len())] };
            file.edit(start..end, insert).expect("valid edit");
            check_invariants(file.text(), file.module());
        }
        // Back to the original text in one edit: the result is a clean file.
        let len = file.text().len();
        file.edit(0..len, REALISTIC).expect("restore");
        assert_eq!(file.module(), &parse(REALISTIC));
    }
}

#[test]
fn deeply_nested_input_does_not_overflow_the_stack() {
    let nested = |depth: usize| {
        let mut source = String::new();
        for level in 0..depth {
            source.push_str(&"\t".repeat(level));
            source.push_str(if level % 2 == 0 { "def f():\n" } else { "if x:\n" });
        }
        source.push_str(&"\t".repeat(depth));
        source.push_str("pass\n");
        source
    };
    let run = |source: String| {
        std::thread::Builder::new()
            .stack_size(2 * 1024 * 1024)
            .spawn(move || {
                let module = parse(&source);
                check_invariants(&source, &module);
                module.definitions.len()
            })
            .expect("thread starts")
            .join()
            .expect("no overflow")
    };
    // Python itself stops at 100 levels of indentation.
    assert_eq!(run(nested(400)), 200);
    // Far deeper than Python allows: the grammar's indentation stack gives up
    // (at 255 levels today), but nothing may crash.
    assert!(run(nested(2000)) >= 200);
}

// ----------------------------------------------------------------- source_text

#[test]
fn pep263_declarations() {
    let latin = |bytes: &[u8]| source_text::decode(bytes).map(|t| t.encoding.name());
    assert_eq!(latin(b"# -*- coding: latin-1 -*-\n"), Ok("latin-1"));
    assert_eq!(latin(b"#!/usr/bin/python\n# coding=latin-1\n"), Ok("latin-1"));
    assert_eq!(latin(b"\n# coding: latin-1\n"), Ok("latin-1"));
    assert_eq!(latin(b"  \t\x0c# vim: set fileencoding=latin-1 :\n"), Ok("latin-1"));
    assert_eq!(latin(b"import x\n# coding: latin-1\n"), Ok("utf-8"));
    assert_eq!(latin(b"#\n#\n# coding: latin-1\n"), Ok("utf-8"));
    assert_eq!(latin(b"x = 1  # coding: latin-1\n"), Ok("utf-8"));
    assert_eq!(latin(b"# coding latin-1\n"), Ok("utf-8"));
    // Python's search goes on past a `coding` that is not followed by `:` or `=`.
    assert_eq!(latin(b"# this coding thing: coding: latin-1\n"), Ok("latin-1"));
    assert_eq!(latin(b"# encoding is nice; coding=latin-1\n"), Ok("latin-1"));
    assert_eq!(latin(b"# -*- coding: cp1252 -*-\n"), Ok("windows-1252"));
    assert_eq!(latin(b"# coding: shift_jis\n"), Ok("Shift_JIS"));
    assert_eq!(latin(b"# coding: ascii\n"), Ok("utf-8"));
}

#[test]
fn encodings_round_trip_byte_for_byte() {
    let cases: &[(&[u8], &str, &str)] = &[
        (b"# coding: latin-1\ns = '\xe9\x80\xff'\n", "latin-1", "s = '\u{e9}\u{80}\u{ff}'\n"),
        (b"# coding: cp1252\ns = '\x80\xe9'\n", "windows-1252", "s = '\u{20ac}\u{e9}'\n"),
        (b"# coding: shift_jis\ns = '\x93\xfa\x96\x7b'\n", "Shift_JIS", "s = '\u{65e5}\u{672c}'\n"),
        (b"\xef\xbb\xbf# coding: utf-8\ns = '\xc3\xa9'\n", "utf-8", "s = 'é'\n"),
    ];
    for (bytes, name, tail) in cases {
        let decoded = source_text::decode(bytes).expect("decodes");
        assert_eq!(decoded.encoding.name(), *name);
        assert!(decoded.text.ends_with(tail), "{:?}", decoded.text);
        assert!(!decoded.text.starts_with('\u{feff}'));
        assert_eq!(source_text::encode(&decoded.text, decoded.encoding, decoded.bom).expect("encodes"), *bytes);
    }
    let decoded = source_text::decode(b"\xef\xbb\xbfx = 1\n").expect("decodes");
    assert_eq!((decoded.text.as_str(), decoded.encoding, decoded.bom), ("x = 1\n", SourceEncoding::Utf8, true));
}

#[test]
fn decode_errors() {
    assert_eq!(source_text::decode(b"x = 1\ny = '\xff'\n"), Err(DecodeError::InvalidUtf8 { offset: 11 }));
    assert_eq!(source_text::decode(b"\xef\xbb\xbf\xff"), Err(DecodeError::InvalidUtf8 { offset: 3 }));
    assert_eq!(
        source_text::decode(b"#!/bin/python\n# coding: klingon\n"),
        Err(DecodeError::UnknownEncoding { label: "klingon".to_string(), line: 2 })
    );
    assert_eq!(
        source_text::decode(b"# coding: utf-8\nx = '\xc3'\n"),
        Err(DecodeError::InvalidDeclared { encoding: "utf-8", line: 1 })
    );
    assert_eq!(
        source_text::decode(b"\n# coding: shift_jis\nx = '\x82'\n"),
        Err(DecodeError::InvalidDeclared { encoding: "Shift_JIS", line: 2 })
    );
    // Bytes Python's cp1252 leaves undefined (encoding_rs maps them to C1).
    for byte in [0x81, 0x8d, 0x8f, 0x90, 0x9d] {
        let bytes = [b"# coding: cp1252\nx = '".as_slice(), &[byte], b"'\n"].concat();
        assert_eq!(
            source_text::decode(&bytes),
            Err(DecodeError::InvalidDeclared { encoding: "windows-1252", line: 1 }),
            "{byte:#x}"
        );
    }
    assert_eq!(
        source_text::decode(b"# coding: ascii\nx = '\xe9'\n"),
        Err(DecodeError::InvalidDeclared { encoding: "utf-8", line: 1 })
    );
}
