//! Field-list styles (Sphinx `:param x:`, Epytext `@param x:`): the same layout
//! with different field names.

use super::google::titled_sections;
use super::layout::{Layout, with_default_clause};
use crate::docstring::annotation;
use crate::docstring::model::{Docstring, ReturnDoc};

const HANG: &str = "    ";

/// Field names of one field-list style.
pub(super) struct FieldNames {
    /// `:` for Sphinx, `@` for Epytext.
    pub lead: &'static str,
    /// `:` closes a field name in both styles.
    pub param: &'static str,
    pub param_type: &'static str,
    pub returns: &'static str,
    pub return_type: &'static str,
    pub yields: &'static str,
    pub yield_type: &'static str,
    pub raises: &'static str,
    pub attribute: &'static str,
    pub attribute_type: &'static str,
}

pub(super) fn blocks(doc: &Docstring, l: &Layout, f: &FieldNames) -> Vec<Vec<String>> {
    let mut blocks = vec![l.text(&doc.description, "")];
    blocks.extend(titled_sections(doc, l));
    let lead = f.lead;
    let mut b = Vec::new();
    for p in &doc.params {
        let description = with_default_clause(&p.description, p.default.as_deref());
        b.extend(l.entry(&format!("{lead}{} {}:", f.param, p.name), &description, HANG));
        if let Some(t) = p.type_name.as_deref().filter(|t| !t.trim().is_empty()) {
            b.push(format!("{lead}{} {}: {t}", f.param_type, p.name));
        }
    }
    for a in &doc.attributes {
        b.extend(l.entry(&format!("{lead}{} {}:", f.attribute, a.name), &a.description, HANG));
        if let Some(t) = a.type_name.as_deref().filter(|t| !t.trim().is_empty()) {
            b.push(format!("{lead}{} {}: {t}", f.attribute_type, a.name));
        }
    }
    b.extend(returns_fields(&doc.returns, f.returns, f.return_type, lead, l));
    b.extend(returns_fields(&doc.yields, f.yields, f.yield_type, lead, l));
    for r in &doc.raises {
        b.extend(l.entry(&format!("{lead}{} {}:", f.raises, r.exception), &r.description, HANG));
    }
    blocks.push(b);
    blocks
}

/// One description field and one type field: these styles have a single
/// returns entry, so several entries (a tuple) are folded into one.
fn returns_fields(entries: &[ReturnDoc], field: &str, type_field: &str, lead: &str, l: &Layout) -> Vec<String> {
    let (description, type_name) = match entries {
        [] => return Vec::new(),
        [one] => (one.description.clone(), one.type_name.clone()),
        many => fold_tuple(many),
    };
    let mut b = l.entry(&format!("{lead}{field}:"), &description, HANG);
    if let Some(t) = type_name.filter(|t| !t.trim().is_empty()) {
        b.push(format!("{lead}{type_field}: {t}"));
    }
    b
}

fn fold_tuple(entries: &[ReturnDoc]) -> (String, Option<String>) {
    let description = entries
        .iter()
        .map(|e| match (&e.name, e.description.trim()) {
            (Some(n), d) => format!("{n}: {d}"),
            (None, d) => d.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    let types: Option<Vec<&str>> = entries.iter().map(|e| e.type_name.as_deref()).collect();
    let type_name = types.map(|t| format!("tuple[{}]", t.join(", ")));
    // Keep a tuple annotation whole when it is written that way already.
    let type_name = type_name.filter(|t| annotation::tuple_elements(t).is_some());
    (description, type_name)
}
