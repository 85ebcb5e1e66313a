//! NumPy style (numpydoc): titles underlined with dashes of the same length.

use super::layout::{Layout, with_default_sentence};
use crate::docstring::model::{Docstring, ReturnDoc};

const HANG: &str = "    ";

pub(super) fn blocks(doc: &Docstring, l: &Layout) -> Vec<Vec<String>> {
    let mut blocks = vec![l.text(&doc.description, "")];
    if !doc.params.is_empty() {
        let mut b = header("Parameters");
        for p in &doc.params {
            // The default goes in the description: pydoclint compares the type
            // with the annotation verbatim, so `int, default=3` would not match.
            let description = with_default_sentence(&p.description, p.default.as_deref());
            b.extend(l.block_entry(&typed_head(&p.name, p.type_name.as_deref()), &description, HANG));
        }
        blocks.push(b);
    }
    if !doc.attributes.is_empty() {
        let mut b = header("Attributes");
        for a in &doc.attributes {
            b.extend(l.block_entry(&typed_head(&a.name, a.type_name.as_deref()), &a.description, HANG));
        }
        blocks.push(b);
    }
    blocks.push(returns_block("Returns", &doc.returns, l));
    blocks.push(returns_block("Yields", &doc.yields, l));
    if !doc.raises.is_empty() {
        let mut b = header("Raises");
        for r in &doc.raises {
            b.extend(l.block_entry(&r.exception, &r.description, HANG));
        }
        blocks.push(b);
    }
    for s in &doc.other_sections {
        let mut b = if s.title.trim().is_empty() { Vec::new() } else { header(s.title.trim()) };
        b.extend(l.text(&s.body, ""));
        blocks.push(b);
    }
    if !doc.examples.trim().is_empty() {
        let mut b = header("Examples");
        b.extend(l.text(&doc.examples, ""));
        blocks.push(b);
    }
    blocks
}

fn header(title: &str) -> Vec<String> {
    vec![title.to_string(), "-".repeat(title.chars().count())]
}

fn typed_head(name: &str, type_name: Option<&str>) -> String {
    match type_name {
        Some(t) if !t.trim().is_empty() => format!("{name} : {t}"),
        _ => name.to_string(),
    }
}

fn returns_block(title: &str, entries: &[ReturnDoc], l: &Layout) -> Vec<String> {
    if entries.is_empty() {
        return Vec::new();
    }
    let mut b = header(title);
    for r in entries {
        let type_name = r.type_name.as_deref().filter(|t| !t.trim().is_empty());
        let name = r.name.as_deref().filter(|n| !n.trim().is_empty());
        let head = match (name, type_name) {
            (Some(n), Some(t)) => format!("{n} : {t}"),
            (Some(n), None) => n.to_string(),
            (None, Some(t)) => t.to_string(),
            (None, None) => {
                b.extend(l.text(&r.description, ""));
                continue;
            }
        };
        b.extend(l.block_entry(&head, &r.description, HANG));
    }
    b
}
