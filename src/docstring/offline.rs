//! Docstring skeletons from the signature and body facts alone, with no
//! language model: every name, type and default comes from the code, and
//! every piece of prose is a placeholder.

use super::annotation::tuple_elements;
use super::expected::{self, Need};
use super::model::{AttributeDoc, Docstring, ParamDoc, RaiseDoc, ReturnDoc};
use super::profile::LintProfile;
use crate::python::{Definition, DefinitionKind, Module};

/// The marker every placeholder starts with. `grep -rn 'TODO(docwright)'`
/// finds all generated text still waiting for a human (or a model) to write
/// it. It reads as a sentence to the linters: ruff's D rules accept it as a
/// summary, and pydoclint only checks structure.
pub const PLACEHOLDER: &str = "TODO(docwright)";

/// Placeholder summary line.
pub fn placeholder_summary() -> String {
    format!("{PLACEHOLDER}: Summarize.")
}

/// Placeholder description of an entry.
pub fn placeholder_description() -> String {
    format!("{PLACEHOLDER}: Describe.")
}

/// Options for skeletons.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GenerateOptions {
    pub profile: LintProfile,
    /// One Returns entry per element of a `tuple[...]` annotation (NumPy
    /// style lists elements separately; the other styles take one entry).
    pub tuple_returns_per_element: bool,
}

/// A skeleton for `def` with the default options.
pub fn generate(def: &Definition) -> Docstring {
    generate_with(def, &GenerateOptions::default())
}

/// A skeleton for `def`: parameters in signature order (for classes, the
/// `__init__` parameters or dataclass fields), Returns when a value is
/// returned, Yields for generators, Raises for exceptions raised in the body,
/// Attributes for classes. Overloads, properties and `__init__` get a summary
/// only.
pub fn generate_with(def: &Definition, opts: &GenerateOptions) -> Docstring {
    let mut doc = Docstring { summary: placeholder_summary(), ..Docstring::default() };
    if expected::summary_only(def) {
        return doc;
    }
    doc.params = expected::params(def)
        .unwrap_or_default()
        .into_iter()
        .map(|p| ParamDoc {
            name: p.name,
            type_name: p.annotation,
            description: placeholder_description(),
            default: p.default,
        })
        .collect();
    if def.kind == DefinitionKind::Class {
        doc.attributes = expected::attributes(def, opts.profile)
            .unwrap_or_default()
            .into_iter()
            .map(|(name, type_name)| AttributeDoc { name, type_name, description: placeholder_description() })
            .collect();
    } else {
        if let Need::Yes(type_name) = expected::returns(def) {
            doc.returns = return_entries(type_name, opts.tuple_returns_per_element);
        }
        if let Need::Yes(type_name) = expected::yields(def) {
            doc.yields = vec![ReturnDoc { name: None, type_name, description: placeholder_description() }];
        }
    }
    // For a class, these are what its `__init__` raises.
    doc.raises = def
        .facts
        .raises
        .iter()
        .map(|e| RaiseDoc { exception: e.clone(), description: placeholder_description() })
        .collect();
    doc
}

pub(crate) fn return_entries(type_name: Option<String>, per_element: bool) -> Vec<ReturnDoc> {
    let elements = type_name.as_deref().filter(|_| per_element).and_then(tuple_elements);
    match elements {
        Some(elements) => elements
            .into_iter()
            .map(|t| ReturnDoc { name: None, type_name: Some(t), description: placeholder_description() })
            .collect(),
        None => vec![ReturnDoc { name: None, type_name, description: placeholder_description() }],
    }
}

/// A skeleton module docstring: a placeholder summary. (Module-level
/// variables are left out: an Attributes section listing them goes stale
/// faster than it helps.)
pub fn generate_module(module: &Module) -> Docstring {
    let _ = module;
    Docstring { summary: placeholder_summary(), ..Docstring::default() }
}
