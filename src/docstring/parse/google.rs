//! Google style (napoleon) parsing.

use super::sections::{Chunk, entries, section_title, split};
use super::text::{clean_type, entry_description, extract_default, join, looks_like_type, split_summary};
use crate::docstring::model::{AttributeDoc, Docstring, ParamDoc, RaiseDoc, ReturnDoc, Section};

/// What a section title means to the structured model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Params,
    Attributes,
    Returns,
    Yields,
    Raises,
    Examples,
    /// Known, kept verbatim (Note, Warning, See Also, ...).
    Other,
}

/// Section titles napoleon knows, lowercased, and what they hold.
pub fn kind_of(title: &str) -> Option<Kind> {
    let kind = match title.to_ascii_lowercase().as_str() {
        "args" | "arguments" | "parameters" | "params" | "keyword args" | "keyword arguments" => Kind::Params,
        "attributes" => Kind::Attributes,
        "returns" | "return" => Kind::Returns,
        "yields" | "yield" => Kind::Yields,
        "raises" | "raise" => Kind::Raises,
        "examples" | "example" => Kind::Examples,
        "other parameters" | "other params" | "other args" | "other arguments" | "note" | "notes" | "warning"
        | "warnings" | "warns" | "see also" | "references" | "todo" | "methods" | "attention" | "caution"
        | "danger" | "error" | "hint" | "important" | "tip" | "receives" => Kind::Other,
        _ => return None,
    };
    Some(kind)
}

pub fn is_title(title: &str) -> bool {
    kind_of(title).is_some()
}

pub fn parse(lines: &[String]) -> Docstring {
    let (summary, rest) = split_summary(lines, |l| section_title(l, &is_title).is_some());
    let mut doc = Docstring { summary, ..Docstring::default() };
    fill_from_chunks(&mut doc, split(&rest, &is_title), &Entries::google());
    doc
}

/// How the entries of one layout are read (Google or autoDocstring PEP 257).
/// An entry head: name, type, and the description text on the head line.
pub type Head = (String, Option<String>, String);

pub struct Entries {
    pub param: fn(&str) -> Option<Head>,
    pub returns: fn(&str) -> (Option<String>, String),
}

impl Entries {
    pub fn google() -> Self {
        Entries { param: google_head, returns: google_return_head }
    }
}

/// Sorts chunks into the model: free text before the first section is the
/// description; later free text and unknown sections are kept verbatim.
pub fn fill_from_chunks(doc: &mut Docstring, chunks: Vec<Chunk>, read: &Entries) {
    let mut seen_section = false;
    for chunk in chunks {
        match chunk {
            Chunk::Text(lines) if !seen_section && doc.description.is_empty() => doc.description = join(&lines),
            Chunk::Text(lines) => doc.other_sections.push(Section { title: String::new(), body: join(&lines) }),
            Chunk::Section { title, body } => {
                seen_section = true;
                fill_section(doc, &title, &body, read);
            }
        }
    }
}

fn fill_section(doc: &mut Docstring, title: &str, body: &[String], read: &Entries) {
    let keep = |doc: &mut Docstring| doc.other_sections.push(Section { title: title.to_string(), body: join(body) });
    match kind_of(title).unwrap_or(Kind::Other) {
        Kind::Params | Kind::Attributes => {
            let Some(parsed) = named_entries(body, read.param) else {
                return keep(doc);
            };
            if kind_of(title) == Some(Kind::Params) {
                for (name, type_name, description) in parsed {
                    let (description, default) = extract_default(&description);
                    doc.params.push(ParamDoc { name, type_name, description, default });
                }
            } else {
                for (name, type_name, description) in parsed {
                    doc.attributes.push(AttributeDoc { name, type_name, description });
                }
            }
        }
        Kind::Returns | Kind::Yields => {
            let Some((first, rest)) = body.split_first() else {
                return;
            };
            let (type_name, first) = (read.returns)(first);
            let entry = ReturnDoc { name: None, type_name, description: entry_description(&first, rest) };
            if kind_of(title) == Some(Kind::Returns) { doc.returns.push(entry) } else { doc.yields.push(entry) }
        }
        Kind::Raises => {
            let Some(parsed) = raise_entries(body) else {
                return keep(doc);
            };
            doc.raises.extend(parsed);
        }
        Kind::Examples => {
            if !doc.examples.is_empty() {
                doc.examples.push_str("\n\n");
            }
            doc.examples.push_str(&join(body));
        }
        Kind::Other => keep(doc),
    }
}

/// Entries with a name; a line that is not an entry head continues the
/// previous entry. `None` when the first line is not a head, so the section
/// is kept verbatim instead.
fn named_entries(body: &[String], head: fn(&str) -> Option<Head>) -> Option<Vec<Head>> {
    let mut out: Vec<(String, Option<String>, String, Vec<String>)> = Vec::new();
    for (line, cont) in entries(body) {
        match (head(&line), out.last_mut()) {
            (Some((name, type_name, first)), _) => out.push((name, type_name, first, cont)),
            (None, Some(last)) => {
                last.3.push(format!("    {line}"));
                last.3.extend(cont.iter().map(|c| format!("    {c}")));
            }
            (None, None) => return None,
        }
    }
    Some(out.into_iter().map(|(n, t, first, cont)| (n, t, entry_description(&first, &cont))).collect())
}

fn raise_entries(body: &[String]) -> Option<Vec<RaiseDoc>> {
    let mut out: Vec<(String, String, Vec<String>)> = Vec::new();
    for (line, cont) in entries(body) {
        let head = line
            .split_once(':')
            .map(|(e, d)| (e.trim(), d))
            .or_else(|| line.split_once(" -- ").map(|(e, d)| (e.trim(), d)))
            .filter(|(e, _)| is_exception_name(e));
        match (head, out.last_mut()) {
            (Some((e, d)), _) => out.push((e.to_string(), d.trim().to_string(), cont)),
            (None, _) if is_exception_name(line.trim()) => out.push((line.trim().to_string(), String::new(), cont)),
            (None, Some(last)) => {
                last.2.push(format!("    {line}"));
                last.2.extend(cont.iter().map(|c| format!("    {c}")));
            }
            (None, None) => return None,
        }
    }
    Some(
        out.into_iter()
            .map(|(exception, first, cont)| RaiseDoc { exception, description: entry_description(&first, &cont) })
            .collect(),
    )
}

/// `ValueError`, `requests.HTTPError`, `ValueError, TypeError`.
pub fn is_exception_name(s: &str) -> bool {
    !s.is_empty()
        && s.split(',').all(|part| {
            let part = part.trim();
            !part.is_empty()
                && part.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '.')
                && !part.starts_with(|c: char| c.is_ascii_digit())
        })
}

/// `name (type): description` or `name: description`, stars allowed.
pub fn google_head(line: &str) -> Option<Head> {
    let name_end =
        line.find(|c: char| !(c == '*' || c == '_' || c == '.' || c.is_alphanumeric())).unwrap_or(line.len());
    let name = &line[..name_end];
    if name.trim_start_matches('*').is_empty() {
        return None;
    }
    let mut rest = line[name_end..].trim_start();
    let mut type_name = None;
    let mut default = None;
    if rest.starts_with('(') {
        let close = matching_paren(rest)?;
        (type_name, default) = clean_type(&rest[1..close]);
        rest = rest[close + 1..].trim_start();
    }
    let description = rest.strip_prefix(':')?.trim().to_string();
    // `(int, default=3)` keeps its default in the description's words.
    let description = match default {
        Some(d) if !description.to_ascii_lowercase().contains("default") => {
            format!("{description} Defaults to {d}.").trim_start().to_string()
        }
        _ => description,
    };
    Some((name.to_string(), type_name, description))
}

/// Byte index of the `)` matching the `(` at the start of `s`.
fn matching_paren(s: &str) -> Option<usize> {
    let mut depth = 0;
    for (i, c) in s.char_indices() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => {
                depth -= 1;
                if depth == 0 {
                    return (c == ')').then_some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// `type: description` when the part before the colon reads as a type.
pub fn google_return_head(line: &str) -> (Option<String>, String) {
    if let Some(i) = colon_outside_brackets(line) {
        let (t, d) = (&line[..i], &line[i + 1..]);
        if looks_like_type(t) {
            return (Some(t.trim().to_string()), d.trim().to_string());
        }
    }
    (None, line.to_string())
}

fn colon_outside_brackets(s: &str) -> Option<usize> {
    let mut depth = 0i32;
    for (i, c) in s.char_indices() {
        match c {
            '[' | '(' | '{' => depth += 1,
            ']' | ')' | '}' => depth -= 1,
            ':' if depth == 0 => return Some(i),
            _ => {}
        }
    }
    None
}
