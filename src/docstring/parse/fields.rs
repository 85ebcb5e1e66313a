//! Field-list parsing, shared by Sphinx (`:param x:`) and Epytext (`@param x:`).

use super::google::{Kind, kind_of};
use super::sections::{Chunk, split};
use super::text::{dedent, entry_description, extract_default, indent_of, join, split_summary, trim_blank_ends};
use crate::docstring::model::{AttributeDoc, Docstring, ParamDoc, RaiseDoc, ReturnDoc, Section};

/// Whether `line` starts a field: `:name ...:` (Sphinx) or `@name ...:`
/// (Epytext), at column 0.
pub fn is_field(line: &str, lead: char) -> bool {
    let Some(rest) = line.strip_prefix(lead) else {
        return false;
    };
    let name_len = rest.chars().take_while(|c| c.is_ascii_alphabetic()).count();
    name_len > 0 && rest.contains(':')
}

/// Titles that may head prose sections before the fields.
fn is_prose_title(title: &str) -> bool {
    matches!(kind_of(title), Some(Kind::Other | Kind::Examples))
}

pub fn parse(lines: &[String], lead: char) -> Docstring {
    let (summary, rest) = split_summary(lines, |l| is_field(l, lead));
    let mut doc = Docstring { summary, ..Docstring::default() };
    let first_field = rest.iter().position(|l| is_field(l, lead)).unwrap_or(rest.len());
    for chunk in split(&rest[..first_field], &is_prose_title) {
        match chunk {
            Chunk::Text(text) if doc.description.is_empty() && doc.other_sections.is_empty() => {
                doc.description = join(&text)
            }
            Chunk::Text(text) => doc.other_sections.push(Section { title: String::new(), body: join(&text) }),
            Chunk::Section { title, body } if matches!(kind_of(&title), Some(Kind::Examples)) => {
                doc.examples = join(&body)
            }
            Chunk::Section { title, body } => doc.other_sections.push(Section { title, body: join(&body) }),
        }
    }
    let (fields, trailing) = group_fields(&rest[first_field..], lead);
    // Which entry a `type` field names: the latest param or attribute.
    let mut named: Vec<(String, bool)> = Vec::new();
    for (head, cont) in fields {
        let raw = std::iter::once(head.clone()).chain(cont.iter().cloned()).collect::<Vec<_>>();
        if !apply_field(&mut doc, &head, &cont, &mut named) {
            doc.other_sections.push(Section { title: String::new(), body: join(&dedent(&raw)) });
        }
    }
    if !trailing.is_empty() {
        doc.other_sections.push(Section { title: String::new(), body: join(&trailing) });
    }
    doc
}

/// Fields with their continuation lines, and free text found among them.
fn group_fields(lines: &[String], lead: char) -> (Vec<(String, Vec<String>)>, Vec<String>) {
    let mut fields: Vec<(String, Vec<String>)> = Vec::new();
    let mut trailing = Vec::new();
    for line in lines {
        if is_field(line, lead) {
            fields.push((line.clone(), Vec::new()));
        } else if let (Some((_, cont)), true) =
            (fields.last_mut(), trailing.is_empty() && (line.trim().is_empty() || indent_of(line) > 0))
        {
            cont.push(line.clone());
        } else {
            trailing.push(line.clone());
        }
    }
    for (_, cont) in &mut fields {
        *cont = trim_blank_ends(cont).to_vec();
    }
    (fields, trim_blank_ends(&trailing).to_vec())
}

/// Adds one field to the model; false when the field is not one it models.
fn apply_field(doc: &mut Docstring, head: &str, cont: &[String], named: &mut Vec<(String, bool)>) -> bool {
    let Some((spec, first)) = head.get(1..).and_then(|h| h.split_once(':')) else {
        return false;
    };
    let tokens: Vec<&str> = spec.split_whitespace().collect();
    let Some((kind, args)) = tokens.split_first() else {
        return false;
    };
    let description = entry_description(first, cont);
    let arg = args.join(" ");
    match kind.to_ascii_lowercase().as_str() {
        "param" | "parameter" | "arg" | "argument" | "key" | "keyword" | "kwarg" | "kwparam" => {
            let Some((name, type_words)) = args.split_last() else {
                return false;
            };
            let (description, default) = extract_default(&description);
            let type_name = (!type_words.is_empty()).then(|| type_words.join(" "));
            let param = match doc.params.iter_mut().find(|p| p.name == *name) {
                Some(p) => p,
                None => {
                    doc.params.push(ParamDoc { name: name.to_string(), ..ParamDoc::default() });
                    let last = doc.params.len() - 1;
                    &mut doc.params[last]
                }
            };
            param.description = description;
            param.default = default.or(param.default.take());
            param.type_name = type_name.or(param.type_name.take());
            named.push((name.to_string(), false));
        }
        "type" | "kwtype" | "vartype" if !arg.is_empty() => {
            let type_name = Some(description.clone()).filter(|t| !t.is_empty());
            let is_attr = kind.eq_ignore_ascii_case("vartype")
                || named.iter().rev().find(|(n, _)| *n == arg).is_some_and(|(_, attr)| *attr);
            if is_attr {
                match doc.attributes.iter_mut().find(|a| a.name == arg) {
                    Some(a) => a.type_name = type_name,
                    None => doc.attributes.push(AttributeDoc { name: arg, type_name, description: String::new() }),
                }
            } else {
                match doc.params.iter_mut().find(|p| p.name == arg) {
                    Some(p) => p.type_name = type_name,
                    None => doc.params.push(ParamDoc { name: arg, type_name, ..ParamDoc::default() }),
                }
            }
        }
        "ivar" | "var" | "cvar" if !arg.is_empty() => {
            match doc.attributes.iter_mut().find(|a| a.name == arg) {
                Some(a) => a.description = description,
                None => doc.attributes.push(AttributeDoc { name: arg.clone(), type_name: None, description }),
            }
            named.push((arg, true));
        }
        "returns" | "return" => returns_entry(&mut doc.returns).set_description(description, arg),
        "yields" | "yield" => returns_entry(&mut doc.yields).set_description(description, arg),
        "rtype" => returns_entry(&mut doc.returns).type_name = Some(description),
        "ytype" => returns_entry(&mut doc.yields).type_name = Some(description),
        "raises" | "raise" | "except" | "exception" => doc.raises.push(RaiseDoc { exception: arg, description }),
        _ => return false,
    }
    true
}

fn returns_entry(list: &mut Vec<ReturnDoc>) -> &mut ReturnDoc {
    if list.is_empty() {
        list.push(ReturnDoc::default());
    }
    let last = list.len() - 1;
    &mut list[last]
}

trait SetDescription {
    fn set_description(&mut self, description: String, type_in_field: String);
}

impl SetDescription for ReturnDoc {
    /// `:returns bytes: text` (autoDocstring's one-line variant) carries the type.
    fn set_description(&mut self, description: String, type_in_field: String) {
        self.description = description;
        if !type_in_field.is_empty() {
            self.type_name = Some(type_in_field);
        }
    }
}
