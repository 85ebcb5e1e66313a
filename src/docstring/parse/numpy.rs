//! NumPy style (numpydoc) parsing: sections are titles underlined with dashes.

use super::google::is_exception_name;
use super::sections::entries;
use super::text::{clean_type, entry_description, extract_default, indent_of, join, split_summary, trim_blank_ends};
use crate::docstring::annotation::split_top_level;
use crate::docstring::model::{AttributeDoc, Docstring, ParamDoc, RaiseDoc, ReturnDoc, Section};

/// Whether `lines[i]` is a section title: text at column 0 over a dashes line.
pub fn is_title_at(lines: &[String], i: usize) -> bool {
    let (Some(title), Some(under)) = (lines.get(i), lines.get(i + 1)) else {
        return false;
    };
    let under = under.trim_end();
    indent_of(title) == 0
        && !title.trim().is_empty()
        && indent_of(under) == 0
        && under.len() >= 3
        && under.chars().all(|c| c == '-')
}

pub fn parse(lines: &[String]) -> Docstring {
    let first_title = (0..lines.len()).find(|&i| is_title_at(lines, i)).unwrap_or(lines.len());
    let (summary, pre) = split_summary(&lines[..first_title], |_| false);
    let mut doc = Docstring { summary, description: join(&pre), ..Docstring::default() };
    let mut i = first_title;
    while i < lines.len() {
        let title = lines[i].trim().to_string();
        let start = i + 2;
        let end = (start..lines.len()).find(|&j| is_title_at(lines, j)).unwrap_or(lines.len());
        fill_section(&mut doc, &title, trim_blank_ends(&lines[start.min(end)..end]));
        i = end;
    }
    doc
}

fn fill_section(doc: &mut Docstring, title: &str, body: &[String]) {
    match title.to_ascii_lowercase().as_str() {
        "parameters" | "params" | "arguments" | "args" | "keyword arguments" => {
            for (names, type_name, default, description) in named(body) {
                let (description, described_default) = extract_default(&description);
                for name in names {
                    let default = default.clone().or_else(|| described_default.clone());
                    let description = description.clone();
                    doc.params.push(ParamDoc { name, type_name: type_name.clone(), description, default });
                }
            }
        }
        "attributes" => {
            for (names, type_name, _, description) in named(body) {
                for name in names {
                    let description = description.clone();
                    doc.attributes.push(AttributeDoc { name, type_name: type_name.clone(), description });
                }
            }
        }
        "returns" | "yields" => {
            let list = if title.eq_ignore_ascii_case("returns") { &mut doc.returns } else { &mut doc.yields };
            for (head, cont) in entries(body) {
                list.push(return_entry(&head, &cont));
            }
        }
        "raises" if entries(body).iter().all(|(h, _)| is_exception_name(h.trim())) => {
            for (head, cont) in entries(body) {
                doc.raises
                    .push(RaiseDoc { exception: head.trim().to_string(), description: entry_description("", &cont) });
            }
        }
        "examples" | "example" => {
            if !doc.examples.is_empty() {
                doc.examples.push_str("\n\n");
            }
            doc.examples.push_str(&join(body));
        }
        _ => doc.other_sections.push(Section { title: title.to_string(), body: join(body) }),
    }
}

/// `name : type` heads (several names may share one: `x, y : int`).
/// Names, type, default and description of one entry.
type Named = (Vec<String>, Option<String>, Option<String>, String);

fn named(body: &[String]) -> Vec<Named> {
    entries(body)
        .into_iter()
        .map(|(head, cont)| {
            let (names, type_name, default) = match head.split_once(':') {
                Some((names, t)) => {
                    let (type_name, default) = clean_type(t.trim());
                    (names.to_string(), type_name, default)
                }
                None => (head.clone(), None, None),
            };
            let names =
                split_top_level(&names, ',').into_iter().filter(|n| !n.is_empty()).map(str::to_string).collect();
            (names, type_name, default, entry_description("", &cont))
        })
        .collect()
}

/// `name : type`, `type`, or (when the head reads as a sentence) a
/// description without a type.
fn return_entry(head: &str, cont: &[String]) -> ReturnDoc {
    let head = head.trim();
    if let Some((name, type_name)) = head.split_once(" : ") {
        return ReturnDoc {
            name: Some(name.trim().to_string()),
            type_name: Some(type_name.trim().to_string()),
            description: entry_description("", cont),
        };
    }
    let sentence = head.ends_with('.') || head.split_whitespace().count() >= 4;
    if sentence {
        return ReturnDoc { name: None, type_name: None, description: entry_description(head, cont) };
    }
    ReturnDoc { name: None, type_name: Some(head.to_string()), description: entry_description("", cont) }
}
