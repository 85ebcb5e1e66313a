//! Stale docstrings: each rule on definitions read from Python source by the
//! real parser, in every style, the exemptions, and agreement with `merge`.

use docwright::docstring::staleness::findings_in;
use docwright::docstring::{
    RenderOptions, Staleness, Style, detect_style, findings, is_stale, merge, parse, render_value,
};
use docwright::python::{Definition, parse_module};
use pretty_assertions::assert_eq;

/// The definition called `qualname` in `source`.
fn definition(source: &str, qualname: &str) -> Definition {
    let module = parse_module(source).expect("source parses");
    module
        .definitions
        .into_iter()
        .find(|d| d.qualname == qualname)
        .unwrap_or_else(|| panic!("no definition `{qualname}`"))
}

fn check(source: &str, qualname: &str) -> Vec<Staleness> {
    findings(&definition(source, qualname))
}

fn unknown(name: &str) -> Staleness {
    Staleness::UnknownParameter { name: name.to_string() }
}

fn missing(name: &str) -> Staleness {
    Staleness::MissingParameter { name: name.to_string() }
}

fn raises(exception: &str) -> Staleness {
    Staleness::MissingRaises { exception: exception.to_string() }
}

// One stale function per style: parameter `old` was renamed to `new`, the
// function no longer returns a value, and it raises an undocumented
// `KeyError`. Each documents `ValueError` as `errors.ValueError` or plainly.

const GOOGLE: &str = r#"
def f(url, new):
    """Fetch it.

    Args:
        url: Where.
        old: Gone.

    Returns:
        bytes: The body.

    Raises:
        errors.ValueError: Bad url.
    """
    if not url:
        raise ValueError(url)
    raise KeyError(new)
"#;

const NUMPY: &str = r#"
def f(url, new):
    """Fetch it.

    Parameters
    ----------
    url : str
        Where.
    old : int
        Gone.

    Returns
    -------
    bytes
        The body.

    Raises
    ------
    ValueError
        Bad url.
    """
    if not url:
        raise ValueError(url)
    raise KeyError(new)
"#;

const SPHINX: &str = r#"
def f(url, new):
    """Fetch it.

    :param url: Where.
    :param old: Gone.
    :returns: The body.
    :rtype: bytes
    :raises ValueError: Bad url.
    """
    if not url:
        raise ValueError(url)
    raise KeyError(new)
"#;

const EPYTEXT: &str = r#"
def f(url, new):
    """Fetch it.

    @param url: Where.
    @param old: Gone.
    @return: The body.
    @rtype: bytes
    @raise ValueError: Bad url.
    """
    if not url:
        raise ValueError(url)
    raise KeyError(new)
"#;

const PEP257: &str = r#"
def f(url, new):
    """Fetch it.

    Arguments:
        url -- where
        old -- gone

    Returns:
        bytes -- the body

    Raises:
        ValueError -- bad url
    """
    if not url:
        raise ValueError(url)
    raise KeyError(new)
"#;

const STYLES: [(Style, &str); 5] = [
    (Style::Google, GOOGLE),
    (Style::Numpy, NUMPY),
    (Style::Sphinx, SPHINX),
    (Style::Epytext, EPYTEXT),
    (Style::Pep257, PEP257),
];

#[test]
fn every_rule_in_every_style() {
    for (style, source) in STYLES {
        let def = definition(source, "f");
        let text = &def.docstring.as_ref().unwrap().value;
        assert_eq!(detect_style(text), Some(style), "{style}");
        assert_eq!(
            findings(&def),
            vec![missing("new"), unknown("old"), Staleness::ReturnsNothing, raises("KeyError")],
            "{style}"
        );
        assert!(is_stale(&def));
    }
}

#[test]
fn an_up_to_date_docstring_has_no_findings() {
    for (style, source) in STYLES {
        let fixed = source.replace("old", "new").replace("raise KeyError(new)", "return b''");
        assert_eq!(check(&fixed, "f"), vec![], "{style}");
        assert!(!is_stale(&definition(&fixed, "f")));
    }
}

#[test]
fn missing_returns_in_every_style() {
    for (style, source) in STYLES {
        // Drop the Returns section, and return a value.
        let mut lines: Vec<&str> = Vec::new();
        let mut skipping = false;
        for line in source.lines() {
            let t = line.trim();
            if matches!(t, "Returns:" | "Returns") {
                skipping = true;
                continue;
            }
            if skipping && (t.is_empty() || t.starts_with("Raises")) {
                skipping = false;
            }
            if skipping
                || t.starts_with(":returns")
                || t.starts_with(":rtype")
                || t.starts_with("@return")
                || t.starts_with("@rtype")
            {
                continue;
            }
            lines.push(line);
        }
        let source = lines.join("\n").replace("old", "new").replace("raise KeyError(new)", "return b''");
        assert_eq!(check(&source, "f"), vec![Staleness::MissingReturns], "{style}:\n{source}");
    }
}

#[test]
fn messages_name_what_is_wrong() {
    assert_eq!(unknown("old").message(), "documents parameter `old`, which the signature no longer has");
    assert_eq!(missing("**kwargs").message(), "does not document parameter `**kwargs`");
    assert_eq!(raises("KeyError").message(), "does not document that it raises `KeyError`");
    assert!(!Staleness::ReturnsNothing.message().is_empty());
    assert!(!Staleness::MissingReturns.message().is_empty());
}

#[test]
fn short_docstrings_are_exempt() {
    let source = r#"
def f(a, b):
    """Add them."""
    if a is None:
        raise ValueError(a)
    return a + b

def g(a, b):
    """Add them.

    A longer description, still no sections.

    Note:
        Free-form sections do not count.
    """
    if a is None:
        raise ValueError(a)
    return a + b
"#;
    assert_eq!(check(source, "f"), vec![]);
    assert_eq!(check(source, "g"), vec![]);
}

#[test]
fn parameters_are_checked_only_when_some_are_documented() {
    let source = r#"
def f(a, b):
    """Add them.

    Returns:
        The sum.
    """
    return a + b

def g(a, b):
    """Add them.

    Args:
        a: One.

    Returns:
        The sum.
    """
    return a + b
"#;
    assert_eq!(check(source, "f"), vec![]);
    assert_eq!(check(source, "g"), vec![missing("b")]);
}

#[test]
fn returns_are_checked_in_any_structured_docstring() {
    let source = r#"
def f(a) -> int:
    """Twice.

    Args:
        a: One.
    """
    return a * 2

def g(a):
    """Twice.

    Examples:
        >>> g(1)
        2
    """
    return a * 2
"#;
    assert_eq!(check(source, "f"), vec![Staleness::MissingReturns]);
    assert_eq!(check(source, "g"), vec![Staleness::MissingReturns]);
}

#[test]
fn star_parameters_and_keyword_only() {
    let source = r#"
def f(a, *args, key=None, **kwargs):
    """Call.

    Args:
        a: One.
        *args: Rest.
        key: Keyword only.
        **kwargs: Options.
    """

def g(a, *args, key=None, **kwargs):
    """Call.

    Args:
        a: One.
        args: Rest, documented without stars.
    """

def k(a, **options):
    """Call.

    Args:
        a: One.
        timeout: Read from ``options``.
        **options: Passed on.
    """

def h(a, *, key):
    """Call.

    Parameters
    ----------
    *a* : int
        One, with emphasis markup.
    \*\*kwargs
        No longer taken (escaped stars, as in reStructuredText).
    """
"#;
    assert_eq!(check(source, "f"), vec![]);
    assert_eq!(check(source, "g"), vec![missing("key"), missing("**kwargs")]);
    assert_eq!(check(source, "k"), vec![]);
    assert_eq!(check(source, "h"), vec![missing("key"), unknown("**kwargs")]);
}

#[test]
fn the_implicit_receiver_is_ignored() {
    let source = r#"
class C:
    def m(self, a):
        """Do.

        Args:
            self: The instance.
            a: One.
        """

    @classmethod
    def make(cls, a):
        """Make.

        Args:
            a: One.
            b: Gone.
        """
        return cls()
"#;
    assert_eq!(check(source, "C.m"), vec![]);
    assert_eq!(check(source, "C.make"), vec![unknown("b"), Staleness::MissingReturns]);
}

#[test]
fn several_names_in_one_entry_and_other_parameters() {
    let source = r#"
def f(x, y, z, verbose=False):
    """Plot.

    Parameters
    ----------
    x, y : float
        Coordinates.
    z : float
        Height.

    Other Parameters
    ----------------
    verbose : bool
        Talk.
    """
"#;
    assert_eq!(check(source, "f"), vec![]);
}

#[test]
fn class_docstrings_follow_init() {
    let source = r#"
class Client:
    """A client.

    Args:
        url: Where.
        retries: Gone.

    Attributes:
        url: Where.
    """

    def __init__(self, url, timeout=1.0):
        if not url:
            raise ValueError(url)
        self.url = url

class Documented:
    """A client.

    Args:
        url: Where.

    Raises:
        ValueError: Bad url.
    """

    def __init__(self, url):
        if not url:
            raise ValueError(url)

class NoInit:
    """Inherits its constructor.

    Args:
        anything: Whatever the base takes.

    Returns:
        Classes do not return, but nothing reports it.
    """
"#;
    assert_eq!(check(source, "Client"), vec![missing("timeout"), unknown("retries"), raises("ValueError")]);
    assert_eq!(check(source, "Documented"), vec![]);
    assert_eq!(check(source, "NoInit"), vec![]);
}

#[test]
fn dataclass_fields_are_its_parameters() {
    let source = r#"
from dataclasses import dataclass

@dataclass
class Point:
    """A point.

    Args:
        x: Across.
        z: Gone.
    """

    x: int
    y: int = 0
"#;
    assert_eq!(check(source, "Point"), vec![missing("y"), unknown("z")]);
}

#[test]
fn properties_overloads_and_init_check_parameters_only() {
    let source = r#"
from typing import overload
from abc import abstractmethod

class C:
    def __init__(self, a):
        """Make one.

        Args:
            a: One.

        Returns:
            Nothing, really.
        """
        raise ValueError(a)

    @property
    def size(self) -> int:
        """The size.

        Returns:
            int: The size.

        Raises:
            KeyError: Never mind.
        """
        raise ValueError

    @overload
    def get(self, key: int) -> int:
        """Get by index.

        Args:
            key: Index.
        """
        ...

    @overload
    def get(self, key: str) -> str:
        """Get by name.

        Args:
            name: Gone.
        """
        ...
"#;
    assert_eq!(check(source, "C.__init__"), vec![]);
    assert_eq!(check(source, "C.size"), vec![]);
    let module = parse_module(source).unwrap();
    let gets: Vec<Vec<Staleness>> = module.definitions.iter().filter(|d| d.name == "get").map(findings).collect();
    assert_eq!(gets, vec![vec![], vec![missing("key"), unknown("name")]]);
}

#[test]
fn stubs_do_not_report_returns_nothing() {
    let source = r#"
from abc import abstractmethod

class Base:
    @abstractmethod
    def load(self, path):
        """Load it.

        Args:
            path: Where.

        Returns:
            The data.
        """

    def save(self, path):
        """Save it.

        Args:
            path: Where.

        Returns:
            How many bytes.
        """
        raise NotImplementedError

    def hook(self, path):
        """Called before saving; the body is only this docstring.

        Args:
            path: Where.

        Returns:
            Whether to go on.
        """

    def skip(self, path):
        """A hook that does nothing.

        Args:
            path: Where.

        Returns:
            Whether to go on.
        """
        pass

    def ellipsis(self, path):
        """Described for implementations.

        Args:
            path: Where.

        Returns:
            Whether to go on.
        """
        ...

    def none(self, path):
        """Says what happens.

        Args:
            path: Where.

        Returns:
            None
        """
        print(path)

    def done(self, path):
        """Not a stub.

        Args:
            path: Where.

        Returns:
            Nothing it does.
        """
        print(path)

    @abstractmethod
    def size(self) -> int:
        """How big.

        Raises:
            OSError: When unreadable.
        """
"#;
    assert_eq!(check(source, "Base.load"), vec![]);
    assert_eq!(check(source, "Base.save"), vec![]);
    assert_eq!(check(source, "Base.hook"), vec![]);
    assert_eq!(check(source, "Base.skip"), vec![]);
    assert_eq!(check(source, "Base.ellipsis"), vec![]);
    assert_eq!(check(source, "Base.none"), vec![]);
    assert_eq!(check(source, "Base.done"), vec![Staleness::ReturnsNothing]);
    // An annotation says what the stub returns: that still wants a Returns section.
    assert_eq!(check(source, "Base.size"), vec![Staleness::MissingReturns]);
}

#[test]
fn generators_document_yields() {
    let source = r#"
from typing import Iterator

def count(n):
    """Count.

    Args:
        n: Up to.

    Yields:
        int: The next number.
    """
    yield from range(n)

def count_returns(n):
    """Count.

    Args:
        n: Up to.

    Returns:
        Iterator[int]: The numbers, as many generators are documented.
    """
    yield from range(n)

def numbers(n) -> Iterator[int]:
    """Count without being a generator.

    Args:
        n: Up to.

    Yields:
        int: The next number.
    """
    return iter(range(n))

def plain(n):
    """Count.

    Args:
        n: Up to.

    Yields:
        int: Gone, now returns.
    """
    return list(range(n))
"#;
    assert_eq!(check(source, "count"), vec![]);
    assert_eq!(check(source, "count_returns"), vec![]);
    assert_eq!(check(source, "numbers"), vec![]);
    assert_eq!(check(source, "plain"), vec![Staleness::MissingReturns]);
}

#[test]
fn raised_exceptions_match_by_last_component() {
    let source = r#"
import errors

def f(a):
    """Check.

    Args:
        a: One.

    Raises:
        Timeout: Too slow.
        KeyError, IndexError: Missing.
    """
    if a:
        raise errors.Timeout()
    if a is None:
        raise IndexError
    raise errors.Gone("a") from None

def g(a):
    """Check.

    Args:
        a: One.
    """
    try:
        pass
    except OSError as e:
        raise
    err = make()
    if a:
        raise err
    if a is None:
        raise self.failure_exception()
    raise RuntimeError
"#;
    assert_eq!(check(source, "f"), vec![raises("errors.Gone")]);
    assert_eq!(check(source, "g"), vec![raises("RuntimeError")]);
}

#[test]
fn definitions_without_docstrings_have_no_findings() {
    let def = definition("def f(a):\n    return a\n", "f");
    assert_eq!(findings(&def), vec![]);
}

// Every finding is one `merge` fixes: merging, then checking the merged
// docstring (directly, and rendered in its own style and parsed again)
// finds nothing.

const MERGE_CASES: &str = r#"
from abc import abstractmethod
from dataclasses import dataclass
import errors

def renamed(url, new, *args, key, **kwargs) -> int:
    """Fetch.

    Args:
        url: Where.
        old: Gone.

    Raises:
        ValueError: Never.
    """
    raise errors.Timeout

def returns_nothing(a):
    """Do.

    Parameters
    ----------
    a : int
        One.
    b : int
        Gone.

    Returns
    -------
    int
        Nothing any more.
    """
    print(a)

def sphinx(a, b):
    """Do.

    :param a: One.
    :param c: Gone.
    """
    if a:
        raise KeyError(a)
    return a

def epytext(a, b):
    """Do.

    @param a: One.
    @param c: Gone.
    """
    if a:
        raise KeyError(a)
    return a

def pep257(a, b):
    """Do.

    Arguments:
        a -- one
        c -- gone
    """
    if a:
        raise KeyError(a)
    return a

class Client:
    """A client.

    Args:
        url: Where.
        retries: Gone.
    """

    def __init__(self, url, timeout=1.0):
        if not url:
            raise errors.BadUrl(url)

@dataclass
class Point:
    """A point.

    Parameters
    ----------
    x : int
        Across.
    z : int
        Gone.
    """

    x: int
    y: int = 0

class Base:
    @abstractmethod
    def size(self, path) -> int:
        """How big.

        :param old: Gone.
        """

def plain(n):
    """Count.

    @param n: Up to.
    @return: The numbers.
    """
    for i in range(n):
        print(i)
"#;

#[test]
fn merge_fixes_every_finding() {
    let module = parse_module(MERGE_CASES).unwrap();
    let mut checked = 0;
    for def in module.definitions.iter().filter(|d| d.docstring.is_some()) {
        let text = &def.docstring.as_ref().unwrap().value;
        let found = findings(def);
        assert!(!found.is_empty(), "{} should be stale", def.qualname);
        let old = parse(text, None);
        let merged = merge(&old, def);
        assert_eq!(findings_in(&merged, def), vec![], "{} after merging", def.qualname);
        let style = detect_style(text).expect("a structured docstring");
        let options = RenderOptions { style, ..RenderOptions::default() };
        let mut rendered = def.clone();
        rendered.docstring.as_mut().unwrap().value = render_value(&merged, &options);
        assert_eq!(findings(&rendered), vec![], "{} rendered in {style} after merging", def.qualname);
        checked += 1;
    }
    assert_eq!(checked, 9);
}

/// The same in every style: the stale function of each style, merged and
/// rendered in every style.
#[test]
fn merge_fixes_every_finding_in_every_style() {
    for (_, source) in STYLES {
        let def = definition(source, "f");
        let merged = merge(&parse(&def.docstring.as_ref().unwrap().value, None), &def);
        for style in Style::ALL {
            let options = RenderOptions { style, ..RenderOptions::default() };
            let mut rendered = def.clone();
            rendered.docstring.as_mut().unwrap().value = render_value(&merged, &options);
            assert_eq!(findings(&rendered), vec![], "rendered in {style}");
        }
    }
}

#[test]
fn odd_docstrings_do_not_panic() {
    let bodies = [
        "",
        " ",
        "\\n",
        "Args:",
        "Args:\n    ",
        "Args:\n    :",
        "Args:\n    (int): x",
        "Args:\n    *: x\n    **: y\n    ,: z",
        "Parameters\n----------\n, : int\n",
        "Parameters\n---\n",
        "Returns\n-------",
        ":param:\n:param :\n:type x:\n:raises:",
        "@param\n@raise\n@return",
        "Arguments:\n -- \n--\n a {",
        "Raises:\n    :\n    .: x",
        "Other Parameters\n----------------\n*\n,\n\\",
        "Yields:\nReturns:\nRaises:\nArgs:",
        "\u{feff}é\u{0}\t\r\nArgs:\r\n\tx: y",
        "Args:\n    ``x``: z\n    `y`: w",
    ];
    for body in bodies {
        let source = format!(
            "import abc\n\nclass C:\n    def __init__(self, x, *a, **k):\n        raise E.F\n\n    def f(self, x, /, y, *a, z, **k):\n        \"\"\"{body}\"\"\"\n        raise mod.Error\n        yield x\n        return 1\n\n    @property\n    def p(self):\n        \"\"\"{body}\"\"\"\n",
            body = body.replace('"', "'")
        );
        if let Ok(module) = parse_module(&source) {
            for def in &module.definitions {
                let _ = findings(def);
                let _ = is_stale(def);
            }
        }
        let mut def = definition("def f(x, *a, **k):\n    '''x'''\n    raise E\n", "f");
        def.docstring.as_mut().unwrap().value = body.to_string();
        for f in findings(&def) {
            assert!(!f.message().is_empty());
        }
    }
}
