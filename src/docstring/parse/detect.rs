//! Guessing a docstring's style from its text.

use super::fields::is_field;
use super::google::{Kind, kind_of};
use super::numpy::is_title_at;
use super::sections::{Chunk, section_title, split};
use super::text::clean_lines;
use crate::docstring::model::Style;

/// The style `text` is written in, or `None` when it shows no structure
/// (a plain summary and description).
pub fn detect_style(text: &str) -> Option<Style> {
    detect_lines(&clean_lines(text))
}

pub(super) const SPHINX_FIELDS: &[&str] = &[
    "param",
    "parameter",
    "arg",
    "argument",
    "key",
    "keyword",
    "type",
    "returns",
    "return",
    "rtype",
    "raises",
    "raise",
    "except",
    "exception",
    "ivar",
    "var",
    "cvar",
    "vartype",
    "yields",
    "yield",
    "ytype",
];

pub fn detect_lines(lines: &[String]) -> Option<Style> {
    if (0..lines.len()).any(|i| is_title_at(lines, i) && is_numpy_title(lines[i].trim())) {
        return Some(Style::Numpy);
    }
    for (lead, style) in [(':', Style::Sphinx), ('@', Style::Epytext)] {
        if lines.iter().any(|l| is_field(l, lead) && SPHINX_FIELDS.contains(&field_name(l).as_str())) {
            return Some(style);
        }
    }
    let is_title = |t: &str| kind_of(t).is_some();
    if !lines.iter().any(|l| section_title(l, &is_title).is_some()) {
        return None;
    }
    // autoDocstring's PEP 257 layout: `name -- description` entries.
    let dashed = split(lines, &is_title).into_iter().any(|chunk| match chunk {
        Chunk::Section { title, body } => {
            matches!(kind_of(&title), Some(Kind::Params | Kind::Attributes))
                && body.iter().any(|l| !l.starts_with(char::is_whitespace) && l.contains(" -- "))
        }
        Chunk::Text(_) => false,
    });
    Some(if dashed { Style::Pep257 } else { Style::Google })
}

fn is_numpy_title(title: &str) -> bool {
    matches!(
        title.to_ascii_lowercase().as_str(),
        "parameters"
            | "other parameters"
            | "returns"
            | "yields"
            | "receives"
            | "raises"
            | "warns"
            | "warnings"
            | "attributes"
            | "methods"
            | "examples"
            | "notes"
            | "see also"
            | "references"
    )
}

fn field_name(line: &str) -> String {
    line.chars().skip(1).take_while(|c| c.is_ascii_alphabetic()).collect::<String>().to_ascii_lowercase()
}
