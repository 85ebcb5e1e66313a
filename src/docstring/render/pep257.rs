//! PEP 257 as autoDocstring lays it out: `Arguments:` / `Keyword Arguments:`
//! with `name -- description` entries. PEP 257 fixes only the layout, and ruff's
//! `pep257` convention accepts these sections, so structure is kept rather than
//! folded into prose.

use super::google::titled_sections;
use super::layout::{Layout, mentions_default};
use crate::docstring::model::{Docstring, ParamDoc};

const ENTRY: &str = "    ";
const HANG: &str = "        ";

pub(super) fn blocks(doc: &Docstring, l: &Layout) -> Vec<Vec<String>> {
    let mut blocks = vec![l.text(&doc.description, "")];
    let (keyword, positional): (Vec<&ParamDoc>, Vec<&ParamDoc>) =
        doc.params.iter().partition(|p| p.default.is_some() || p.name.starts_with("**"));
    blocks.push(params_block("Arguments:", &positional, l));
    blocks.push(params_block("Keyword Arguments:", &keyword, l));
    if !doc.attributes.is_empty() {
        let mut b = vec!["Attributes:".to_string()];
        for a in &doc.attributes {
            b.extend(l.entry(&format!("{ENTRY}{} --", a.name), &a.description, HANG));
        }
        blocks.push(b);
    }
    if !doc.raises.is_empty() {
        let mut b = vec!["Raises:".to_string()];
        for r in &doc.raises {
            b.extend(l.entry(&format!("{ENTRY}{}:", r.exception), &r.description, HANG));
        }
        blocks.push(b);
    }
    for (title, entries) in [("Returns:", &doc.returns), ("Yields:", &doc.yields)] {
        if !entries.is_empty() {
            let mut b = vec![title.to_string()];
            for r in entries {
                b.extend(l.text(&r.description, ENTRY));
            }
            blocks.push(b);
        }
    }
    blocks.extend(titled_sections(doc, l));
    blocks
}

fn params_block(title: &str, params: &[&ParamDoc], l: &Layout) -> Vec<String> {
    if params.is_empty() {
        return Vec::new();
    }
    let mut b = vec![title.to_string()];
    for p in params {
        let description = match p.default.as_deref() {
            Some(d) if !mentions_default(&p.description) => {
                format!("{} (default: {{{d}}})", p.description.trim_end())
            }
            _ => p.description.clone(),
        };
        b.extend(l.entry(&format!("{ENTRY}{} --", p.name), description.trim_start(), HANG));
    }
    b
}
