//! What the code says a docstring should document: parameters, returns,
//! yields, raises and attributes, as read from a `Definition`. Shared by the
//! offline generator and the merge so both make the same decisions.

use super::annotation::{is_generator_annotation, is_no_value, yield_type};
use super::profile::LintProfile;
use crate::python::{DecoratorKind, Definition, DefinitionKind};

/// A parameter as the docstring names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamSpec {
    /// Stars included: `*args`, `**kwargs`.
    pub name: String,
    pub annotation: Option<String>,
    pub default: Option<String>,
}

/// Whether a section is called for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Need {
    /// Yes, with this type when the annotation says.
    Yes(Option<String>),
    No,
    /// The code cannot tell (an abstract or `NotImplementedError` stub with no
    /// annotation): keep what the author wrote, add nothing.
    Unknown,
}

/// Docstrings that hold a summary only: overloads (ruff D418 wants none on the
/// implementation's variants), properties and their setters and deleters
/// (documented like attributes), and `__init__` (its arguments belong in the
/// class docstring under pydoclint's defaults).
pub fn summary_only(def: &Definition) -> bool {
    [DecoratorKind::Overload, DecoratorKind::Property, DecoratorKind::Setter, DecoratorKind::Deleter]
        .into_iter()
        .any(|k| def.has_decorator(k))
        || def.is_init()
}

/// A body that only stands in for overriding implementations.
pub fn is_stub(def: &Definition) -> bool {
    def.has_decorator(DecoratorKind::AbstractMethod)
        || def.facts.raises.iter().any(|r| r == "NotImplementedError" || r.ends_with(".NotImplementedError"))
}

/// The parameters to document, in signature order; `None` when unknown (a
/// class without `__init__` and without fields).
pub fn params(def: &Definition) -> Option<Vec<ParamSpec>> {
    let spec = |p: &crate::python::Param| ParamSpec {
        name: p.display_name(),
        annotation: p.annotation.clone(),
        default: p.default.clone(),
    };
    if def.kind != DefinitionKind::Class {
        return Some(def.documented_params().map(spec).collect());
    }
    let class = def.class.as_ref()?;
    if let Some(init) = &class.init_params {
        return Some(init.iter().filter(|p| !p.implicit).map(spec).collect());
    }
    class.has_fields.then(|| {
        class
            .fields()
            .map(|a| ParamSpec { name: a.name.clone(), annotation: a.annotation.clone(), default: a.default.clone() })
            .collect()
    })
}

/// Whether a Returns section is called for. pydoclint goes by the annotation
/// (`-> int` on a body that only raises still wants one), and by `return x`
/// when there is no annotation.
pub fn returns(def: &Definition) -> Need {
    if def.kind == DefinitionKind::Class {
        return Need::No;
    }
    let stub = is_stub(def);
    if def.facts.yields {
        return if def.facts.returns_value { Need::Unknown } else { Need::No };
    }
    match def.returns.as_deref() {
        Some(a) if is_no_value(a) => Need::No,
        Some(a) if stub && is_generator_annotation(a) => Need::No,
        Some(a) => Need::Yes(Some(a.to_string())),
        None if def.facts.returns_value => Need::Yes(None),
        None if stub => Need::Unknown,
        None => Need::No,
    }
}

/// Whether a Yields section is called for: generators, and stubs annotated
/// as generators.
pub fn yields(def: &Definition) -> Need {
    if def.kind == DefinitionKind::Class {
        return Need::No;
    }
    let annotated = def.returns.as_deref().filter(|a| is_generator_annotation(a));
    if def.facts.yields || (is_stub(def) && annotated.is_some()) {
        return Need::Yes(def.returns.as_deref().and_then(yield_type));
    }
    if is_stub(def) && def.returns.is_none() { Need::Unknown } else { Need::No }
}

/// Attributes a class docstring should list: class-level annotated
/// attributes (what pydoclint checks), and with `LintProfile::Thorough` the
/// public instance attributes too. `None` for non-classes.
pub fn attributes(def: &Definition, profile: LintProfile) -> Option<Vec<(String, Option<String>)>> {
    let class = def.class.as_ref()?;
    let mut out: Vec<(String, Option<String>)> = class
        .attributes
        .iter()
        .filter(|a| !a.annotation.as_deref().is_some_and(|t| t.ends_with("KW_ONLY")))
        .map(|a| (a.name.clone(), a.annotation.clone()))
        .collect();
    if profile.documents_instance_attributes() {
        for a in &class.instance_attributes {
            if !a.name.starts_with('_') && !out.iter().any(|(n, _)| *n == a.name) {
                out.push((a.name.clone(), a.annotation.clone()));
            }
        }
    }
    Some(out)
}

/// The parameter's name without stars, for matching documented entries.
pub fn bare_name(name: &str) -> &str {
    name.trim_start_matches('*')
}
