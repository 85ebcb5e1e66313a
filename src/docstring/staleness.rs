//! Whether an existing docstring still matches its definition: the checks a
//! language server runs on every change to report stale docstrings.
//!
//! The notion of "what the code requires" is `expected`'s, the one `merge`
//! and the offline generator use, so that every finding here is something
//! `merge` fixes. The checks are deliberately lenient where a linter could
//! argue either way: a docstring without any structured section (a summary,
//! maybe a description) is never stale, as with pydoclint's
//! `--skip-checking-short-docstrings`.

use super::annotation::is_generator_annotation;
use super::expected::{self, Need, bare_name};
use super::merge::names_exception;
use super::model::Docstring;
use super::parse::parse;
use crate::python::{Definition, DefinitionKind};

/// One way a docstring disagrees with its definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Staleness {
    /// The docstring documents a parameter the signature does not have (the
    /// name as documented, stars included).
    UnknownParameter { name: String },
    /// The signature has a parameter the docstring does not document (the
    /// name as written in the signature: `*args`, `**kwargs`).
    MissingParameter { name: String },
    /// A Returns section on a function that returns nothing.
    ReturnsNothing,
    /// No Returns section on a function that returns a value.
    MissingReturns,
    /// An exception raised in the body (for a class, in `__init__`) that the
    /// Raises section does not name.
    MissingRaises { exception: String },
}

impl Staleness {
    /// A short sentence for the user, about the docstring.
    pub fn message(&self) -> String {
        match self {
            Staleness::UnknownParameter { name } => {
                format!("documents parameter `{name}`, which the signature no longer has")
            }
            Staleness::MissingParameter { name } => format!("does not document parameter `{name}`"),
            Staleness::ReturnsNothing => "documents a return value, but nothing is returned".to_string(),
            Staleness::MissingReturns => "does not document the return value".to_string(),
            Staleness::MissingRaises { exception } => format!("does not document that it raises `{exception}`"),
        }
    }
}

/// How `def`'s docstring disagrees with `def`, in order: parameters,
/// returns, raises. Empty when `def` has no docstring.
pub fn findings(def: &Definition) -> Vec<Staleness> {
    match &def.docstring {
        Some(span) => findings_in(&parse(&span.value, None), def),
        None => Vec::new(),
    }
}

/// Whether `def`'s docstring disagrees with `def` in any way `findings`
/// reports.
pub fn is_stale(def: &Definition) -> bool {
    !findings(def).is_empty()
}

/// How the already parsed docstring `doc` disagrees with `def`.
pub fn findings_in(doc: &Docstring, def: &Definition) -> Vec<Staleness> {
    let mut out = Vec::new();
    let other_params = other_parameter_names(doc);
    if !is_structured(doc, &other_params) {
        return out;
    }
    check_params(doc, &other_params, def, &mut out);
    // Summary-only kinds (properties, overloads, `__init__`) keep whatever
    // sections their author chose: `merge` updates only their parameters.
    if expected::summary_only(def) {
        return out;
    }
    if def.kind.is_function() {
        check_returns(doc, def, &mut out);
    }
    for exception in &def.facts.raises {
        // Stubs raise `NotImplementedError` to be overridden, not to be caught;
        // a lowercase name is a variable or attribute holding some exception
        // (`raise err`, `raise self.failureException(...)`), not a class a
        // reader could look up.
        let last = exception.rsplit('.').next().unwrap_or(exception);
        let class_name = last.starts_with(|c: char| c.is_uppercase()) && last != "NotImplementedError";
        if class_name && !doc.raises.iter().any(|r| names_exception(&r.exception, exception)) {
            out.push(Staleness::MissingRaises { exception: exception.clone() });
        }
    }
    out
}

/// Whether `doc` has a section that the checks read (free-form sections such
/// as Notes do not count): pydoclint's notion of a docstring that is not
/// short.
fn is_structured(doc: &Docstring, other_params: &[&str]) -> bool {
    !doc.params.is_empty()
        || !other_params.is_empty()
        || !doc.returns.is_empty()
        || !doc.yields.is_empty()
        || !doc.raises.is_empty()
        || !doc.attributes.is_empty()
        || !doc.examples.is_empty()
}

fn check_params(doc: &Docstring, other_params: &[&str], def: &Definition, out: &mut Vec<Staleness>) {
    // A docstring that documents no parameter at all is not checked for them.
    if doc.params.is_empty() && other_params.is_empty() {
        return;
    }
    let Some(specs) = expected::params(def) else { return };
    // NumPy and Sphinx let one entry name several parameters: `x, y`.
    let documented = || doc.params.iter().flat_map(|p| p.name.split(',')).map(normalized).filter(|n| !n.is_empty());
    for spec in &specs {
        let name = bare_name(&spec.name);
        if !documented().chain(other_params.iter().copied()).any(|d| d == name) {
            out.push(Staleness::MissingParameter { name: spec.name.clone() });
        }
    }
    let implicit = def
        .params
        .iter()
        .chain(def.class.iter().flat_map(|c| c.init_params.iter().flatten()))
        .filter(|p| p.implicit)
        .map(|p| p.name.as_str());
    let implicit: Vec<&str> = implicit.collect();
    // `**kwargs` takes any keyword: documenting the ones it reads is usual.
    if specs.iter().any(|s| s.name.starts_with("**")) {
        return;
    }
    let mut reported: Vec<&str> = Vec::new();
    for written in doc.params.iter().flat_map(|p| p.name.split(',')) {
        let name = normalized(written);
        let known = name.is_empty() || specs.iter().any(|s| bare_name(&s.name) == name) || implicit.contains(&name);
        if !known && !reported.contains(&name) {
            reported.push(name);
            // As written, less any reStructuredText escapes and markup.
            let shown = written.trim().trim_matches('`').replace('\\', "");
            out.push(Staleness::UnknownParameter { name: shown });
        }
    }
}

/// A documented parameter name as the signature would have it without stars:
/// `\*\*kwargs` (escaped for reStructuredText), ``` ``x`` ``` and `*x*`
/// (markup) become `kwargs`, `x` and `x`.
fn normalized(name: &str) -> &str {
    name.trim().trim_matches('`').trim_start_matches(['*', '\\']).trim_end_matches('*')
}

/// Names of the entries of an "Other Parameters" section, which the parsers
/// keep verbatim: the first word of each unindented line.
fn other_parameter_names(doc: &Docstring) -> Vec<&str> {
    let mut names = Vec::new();
    for section in &doc.other_sections {
        let title = section.title.trim().trim_end_matches(':');
        let other_params = ["other parameters", "other params", "other args", "other arguments"]
            .iter()
            .any(|t| title.eq_ignore_ascii_case(t));
        if !other_params {
            continue;
        }
        for line in section.body.lines().filter(|l| !l.starts_with(char::is_whitespace)) {
            let end = line
                .find(|c: char| !(c.is_alphanumeric() || matches!(c, '_' | '*' | '\\' | ',')))
                .unwrap_or(line.len());
            names.extend(line[..end].split(',').map(normalized).filter(|n| !n.is_empty()));
        }
    }
    names
}

fn check_returns(doc: &Docstring, def: &Definition, out: &mut Vec<Staleness>) {
    match expected::returns(def) {
        Need::Yes(_) if doc.returns.is_empty() => {
            // A function annotated as returning an iterator may document
            // what it yields instead.
            let yields_documented =
                !doc.yields.is_empty() && def.returns.as_deref().is_some_and(is_generator_annotation);
            if !yields_documented {
                out.push(Staleness::MissingReturns);
            }
        }
        Need::No if !doc.returns.is_empty() => {
            // Generators often document their iterator as a return value;
            // stubs (abstract, `NotImplementedError`, a body of `pass` or
            // `...`) describe what overriding implementations return; and
            // "Returns: None" says what the code does.
            let stub = expected::is_stub(def) || trivial_body(def);
            let says_none = doc.returns.iter().all(|r| match r.type_name.as_deref() {
                Some(t) => t.trim() == "None",
                None => r.description.trim().trim_end_matches('.') == "None",
            });
            if !def.facts.yields && !stub && !says_none {
                out.push(Staleness::ReturnsNothing);
            }
        }
        _ => {}
    }
}

/// A body that is its docstring, maybe followed by one statement of at most
/// four characters on the next line (`pass`, `...`): an interface, protocol
/// or hook method. The model holds no statements, so this compares the
/// bytes after the docstring with the newline and indentation before it.
fn trivial_body(def: &Definition) -> bool {
    let Some(doc) = def.docstring.as_ref().filter(|_| def.kind != DefinitionKind::Class) else { return false };
    if doc.range.end >= def.body.block.end {
        return true;
    }
    let before = doc.range.start.saturating_sub(def.body.colon_end);
    let after = def.body.block.end.saturating_sub(doc.range.end);
    def.end_line == doc.end_line + 1 && after <= before + 4
}
