//! Bringing an existing docstring up to date with the code while keeping
//! every sentence a human wrote.
//!
//! Entries follow the current signature: new parameters get an entry with the
//! annotation's type and a placeholder, removed ones are dropped, kept ones
//! keep their description byte for byte and take the current type and
//! default. Free text, examples and unknown sections are never touched.

use super::annotation::tuple_elements;
use super::expected::{self, Need, ParamSpec, bare_name};
use super::model::{AttributeDoc, Docstring, ParamDoc, RaiseDoc, ReturnDoc};
use super::offline::{PLACEHOLDER, placeholder_description, return_entries};
use super::profile::LintProfile;
use crate::python::{Definition, DefinitionKind};

/// `existing` updated to match `def`, with the default lint profile.
pub fn merge(existing: &Docstring, def: &Definition) -> Docstring {
    merge_with(existing, def, LintProfile::default())
}

/// `existing` updated to match `def`.
pub fn merge_with(existing: &Docstring, def: &Definition, profile: LintProfile) -> Docstring {
    let mut doc = existing.clone();
    if let Some(specs) = expected::params(def) {
        doc.params = merge_params(&existing.params, &specs);
    }
    if def.kind == DefinitionKind::Class {
        merge_attributes(&mut doc, def, profile);
        // What `__init__` raises belongs in the class docstring, as the
        // offline generator writes it.
        add_raises(&mut doc, def);
        return doc;
    }
    // Summary-only kinds (properties, overloads, `__init__`) keep whatever
    // sections their author chose; only parameters follow the signature.
    if expected::summary_only(def) {
        return doc;
    }
    match expected::returns(def) {
        Need::Yes(type_name) if doc.returns.is_empty() => doc.returns = return_entries(type_name, false),
        Need::Yes(type_name) => update_return_types(&mut doc.returns, type_name.as_deref()),
        Need::No => doc.returns.clear(),
        Need::Unknown => {}
    }
    match expected::yields(def) {
        Need::Yes(type_name) if doc.yields.is_empty() => {
            doc.yields = vec![ReturnDoc { name: None, type_name, description: placeholder_description() }]
        }
        Need::Yes(type_name) => update_return_types(&mut doc.yields, type_name.as_deref()),
        Need::No => doc.yields.clear(),
        Need::Unknown => {}
    }
    add_raises(&mut doc, def);
    doc
}

/// Documented raises stay (a callee may raise them); new ones are added.
fn add_raises(doc: &mut Docstring, def: &Definition) {
    for exception in &def.facts.raises {
        if !doc.raises.iter().any(|r| names_exception(&r.exception, exception)) {
            doc.raises.push(RaiseDoc { exception: exception.clone(), description: placeholder_description() });
        }
    }
}

fn merge_params(existing: &[ParamDoc], specs: &[ParamSpec]) -> Vec<ParamDoc> {
    let find = |spec: &ParamSpec| existing.iter().position(|p| bare_name(&p.name) == bare_name(&spec.name));
    let matched: Vec<Option<usize>> = specs.iter().map(find).collect();
    let unmatched_old: Vec<usize> = (0..existing.len()).filter(|i| !matched.contains(&Some(*i))).collect();
    let unmatched_new: Vec<usize> = (0..specs.len()).filter(|&i| matched[i].is_none()).collect();
    // One parameter gone and one new at the same position: a rename. Its
    // description most likely still holds, and losing human text is the worse
    // mistake.
    let renamed = match (unmatched_old.as_slice(), unmatched_new.as_slice()) {
        ([old], [new]) if old == new => Some((*new, *old)),
        _ => None,
    };
    specs
        .iter()
        .enumerate()
        .map(|(i, spec)| {
            let source = matched[i].or(renamed.filter(|(new, _)| *new == i).map(|(_, old)| old));
            let kept = source.and_then(|j| existing.get(j));
            ParamDoc {
                name: spec.name.clone(),
                type_name: spec.annotation.clone().or_else(|| kept.and_then(|p| p.type_name.clone())),
                description: kept.map_or_else(placeholder_description, |p| p.description.clone()),
                default: spec.default.clone(),
            }
        })
        .collect()
}

fn update_return_types(entries: &mut [ReturnDoc], annotation: Option<&str>) {
    let Some(annotation) = annotation else { return };
    match entries {
        [one] => one.type_name = Some(annotation.to_string()),
        many => {
            if let Some(elements) = tuple_elements(annotation).filter(|e| e.len() == many.len()) {
                for (entry, t) in many.iter_mut().zip(elements) {
                    entry.type_name = Some(t);
                }
            }
        }
    }
}

/// `documented` names `raised`: equal, or equal up to a module prefix
/// (`errors.Timeout` and `Timeout`), or one of a comma-separated list.
pub(crate) fn names_exception(documented: &str, raised: &str) -> bool {
    fn last(s: &str) -> &str {
        s.rsplit('.').next().unwrap_or(s).trim()
    }
    documented.split(',').any(|d| d.trim() == raised || last(d) == last(raised))
}

/// Adds missing attributes when the class documents attributes already or has
/// fields or class-level attributes (which pydoclint requires); updates the
/// types of documented ones; never drops one (it may be a property or set
/// elsewhere).
fn merge_attributes(doc: &mut Docstring, def: &Definition, profile: LintProfile) {
    // An author who documents instance attributes wants new ones too.
    let documents_instance = def
        .class
        .as_ref()
        .is_some_and(|c| c.instance_attributes.iter().any(|i| doc.attributes.iter().any(|a| a.name == i.name)));
    let profile = if documents_instance { LintProfile::Thorough } else { profile };
    let Some(expected) = expected::attributes(def, profile) else {
        return;
    };
    let has_fields = def.class.as_ref().is_some_and(|c| c.has_fields || !c.attributes.is_empty());
    let add_missing = !doc.attributes.is_empty() || has_fields;
    for (name, type_name) in expected {
        match doc.attributes.iter_mut().find(|a| a.name == name) {
            Some(a) if type_name.is_some() => a.type_name = type_name,
            Some(_) => {}
            None if add_missing => {
                doc.attributes.push(AttributeDoc { name, type_name, description: placeholder_description() })
            }
            None => {}
        }
    }
}

/// Whether `merged` has placeholder descriptions `old` did not: entries the
/// merge added, which a writer with prose can describe.
pub fn added_placeholders(old: &Docstring, merged: &Docstring) -> bool {
    placeholder_count(merged) > placeholder_count(old)
}

fn placeholder_count(doc: &Docstring) -> usize {
    let placeholder = |description: &str| description.starts_with(PLACEHOLDER);
    doc.params.iter().filter(|p| placeholder(&p.description)).count()
        + doc.returns.iter().chain(&doc.yields).filter(|r| placeholder(&r.description)).count()
        + doc.raises.iter().filter(|r| placeholder(&r.description)).count()
        + doc.attributes.iter().filter(|a| placeholder(&a.description)).count()
}

/// Fills `merged`'s placeholder descriptions from `fresh`, a docstring
/// written anew for the same definition: the entry of the same name (the
/// same position, for returns and yields) when it has real prose. Human text
/// is never replaced. Returns whether anything was filled.
pub fn fill_placeholders(merged: &mut Docstring, fresh: &Docstring) -> bool {
    let mut filled = false;
    let mut fill = |description: &mut String, from: Option<&String>| {
        if description.starts_with(PLACEHOLDER)
            && let Some(from) = from.filter(|f| !f.trim().is_empty() && !f.starts_with(PLACEHOLDER))
        {
            description.clone_from(from);
            filled = true;
        }
    };
    for param in &mut merged.params {
        fill(&mut param.description, fresh.params.iter().find(|p| p.name == param.name).map(|p| &p.description));
    }
    for raise in &mut merged.raises {
        let from = fresh.raises.iter().find(|r| r.exception == raise.exception).map(|r| &r.description);
        fill(&mut raise.description, from);
    }
    for attribute in &mut merged.attributes {
        let from = fresh.attributes.iter().find(|a| a.name == attribute.name).map(|a| &a.description);
        fill(&mut attribute.description, from);
    }
    for (entry, from) in merged.returns.iter_mut().zip(&fresh.returns) {
        fill(&mut entry.description, Some(&from.description));
    }
    for (entry, from) in merged.yields.iter_mut().zip(&fresh.yields) {
        fill(&mut entry.description, Some(&from.description));
    }
    filled
}
