//! Google style (napoleon): `Args:`, `Returns:`, ... with indented entries.

use super::layout::{Layout, with_default_sentence};
use crate::docstring::model::{Docstring, ReturnDoc};

const ENTRY: &str = "    ";
const HANG: &str = "        ";

pub(super) fn blocks(doc: &Docstring, l: &Layout) -> Vec<Vec<String>> {
    let mut blocks = vec![l.text(&doc.description, "")];
    if !doc.params.is_empty() {
        let mut b = vec!["Args:".to_string()];
        for p in &doc.params {
            let description = with_default_sentence(&p.description, p.default.as_deref());
            b.extend(l.entry(&typed_head(&p.name, p.type_name.as_deref()), &description, HANG));
        }
        blocks.push(b);
    }
    if !doc.attributes.is_empty() {
        let mut b = vec!["Attributes:".to_string()];
        for a in &doc.attributes {
            b.extend(l.entry(&typed_head(&a.name, a.type_name.as_deref()), &a.description, HANG));
        }
        blocks.push(b);
    }
    blocks.push(returns_block("Returns:", &doc.returns, l));
    blocks.push(returns_block("Yields:", &doc.yields, l));
    if !doc.raises.is_empty() {
        let mut b = vec!["Raises:".to_string()];
        for r in &doc.raises {
            b.extend(l.entry(&format!("{ENTRY}{}:", r.exception), &r.description, HANG));
        }
        blocks.push(b);
    }
    blocks.extend(titled_sections(doc, l));
    blocks
}

fn typed_head(name: &str, type_name: Option<&str>) -> String {
    match type_name {
        Some(t) if !t.trim().is_empty() => format!("{ENTRY}{name} ({t}):"),
        _ => format!("{ENTRY}{name}:"),
    }
}

fn returns_block(title: &str, entries: &[ReturnDoc], l: &Layout) -> Vec<String> {
    if entries.is_empty() {
        return Vec::new();
    }
    let mut b = vec![title.to_string()];
    for r in entries {
        match r.type_name.as_deref().filter(|t| !t.trim().is_empty()) {
            Some(t) => b.extend(l.entry(&format!("{ENTRY}{t}:"), &r.description, HANG)),
            None => b.extend(l.text(&r.description, ENTRY)),
        }
    }
    b
}

/// Other sections and examples as `Title:` with an indented body; a section
/// without a title is free text kept where the author had it (after the
/// sections). Shared by every style without dashed headers.
pub(super) fn titled_sections(doc: &Docstring, l: &Layout) -> Vec<Vec<String>> {
    let mut blocks = Vec::new();
    for s in &doc.other_sections {
        if s.title.trim().is_empty() {
            blocks.push(l.text(&s.body, ""));
        } else {
            let mut b = vec![format!("{}:", s.title.trim())];
            b.extend(l.text(&s.body, ENTRY));
            blocks.push(b);
        }
    }
    if !doc.examples.trim().is_empty() {
        let mut b = vec!["Examples:".to_string()];
        b.extend(l.text(&doc.examples, ENTRY));
        blocks.push(b);
    }
    blocks
}
