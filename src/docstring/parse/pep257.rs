//! PEP 257 as autoDocstring and docBlockr write it: `Arguments:` sections with
//! `name -- description` (or `name {type} -- description`) entries.

use super::google::{Entries, Head, fill_from_chunks, google_head, google_return_head, is_title};
use super::sections::{section_title, split};
use super::text::{looks_like_type, split_summary};
use crate::docstring::model::Docstring;

pub fn parse(lines: &[String]) -> Docstring {
    let (summary, rest) = split_summary(lines, |l| section_title(l, &is_title).is_some());
    let mut doc = Docstring { summary, ..Docstring::default() };
    let read = Entries { param: dash_head, returns: dash_return_head };
    fill_from_chunks(&mut doc, split(&rest, &is_title), &read);
    doc
}

/// `name -- description`, `name {type} -- description`, or a Google head.
fn dash_head(line: &str) -> Option<Head> {
    let Some((head, description)) = line.split_once(" --") else {
        return google_head(line);
    };
    let head = head.trim();
    let (name, type_name) = match head.split_once('{') {
        Some((name, t)) => (name.trim(), t.strip_suffix('}').map(|t| t.trim().to_string())),
        None => (head, None),
    };
    let valid = !name.is_empty() && name.chars().all(|c| c == '*' || c == '_' || c.is_alphanumeric());
    valid.then(|| (name.to_string(), type_name, description.trim().to_string()))
}

/// `type -- description` (docBlockr) or a Google return head.
fn dash_return_head(line: &str) -> (Option<String>, String) {
    match line.split_once(" -- ") {
        Some((t, d)) if looks_like_type(t) => (Some(t.trim().to_string()), d.trim().to_string()),
        _ => google_return_head(line),
    }
}
