//! Splitting text into `Title:` sections with indented bodies (Google and
//! autoDocstring PEP 257 layouts), and sections into entries.

use super::text::{dedent, indent_of, trim_blank_ends};

/// A run of free text or a titled section, in document order.
#[derive(Debug)]
pub enum Chunk {
    Text(Vec<String>),
    Section { title: String, body: Vec<String> },
}

/// The title of a `Title:` line at column 0 for which `is_title` holds.
pub fn section_title(line: &str, is_title: &dyn Fn(&str) -> bool) -> Option<String> {
    if indent_of(line) > 0 {
        return None;
    }
    let title = line.trim_end().strip_suffix(':')?.trim();
    is_title(title).then(|| title.to_string())
}

/// Splits lines into free text and sections. A section's body is every
/// following line that is blank or indented; it is returned dedented.
pub fn split(lines: &[String], is_title: &dyn Fn(&str) -> bool) -> Vec<Chunk> {
    let mut chunks = Vec::new();
    let mut text: Vec<String> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let Some(title) = section_title(&lines[i], is_title) else {
            text.push(lines[i].clone());
            i += 1;
            continue;
        };
        if !trim_blank_ends(&text).is_empty() {
            chunks.push(Chunk::Text(trim_blank_ends(&text).to_vec()));
        }
        text.clear();
        let start = i + 1;
        let mut end = start;
        while end < lines.len() && (lines[end].trim().is_empty() || indent_of(&lines[end]) > 0) {
            end += 1;
        }
        let body = dedent(trim_blank_ends(&lines[start..end]));
        chunks.push(Chunk::Section { title, body });
        i = end;
    }
    if !trim_blank_ends(&text).is_empty() {
        chunks.push(Chunk::Text(trim_blank_ends(&text).to_vec()));
    }
    chunks
}

/// Entries of a dedented section body: each line at column 0 starts one, and
/// the blank or indented lines after it continue it.
pub fn entries(body: &[String]) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for line in body {
        match out.last_mut() {
            Some((_, cont)) if line.trim().is_empty() || indent_of(line) > 0 => cont.push(line.clone()),
            _ => out.push((line.clone(), Vec::new())),
        }
    }
    for (_, cont) in &mut out {
        let kept = trim_blank_ends(cont).len();
        let start = cont.iter().position(|l| !l.trim().is_empty()).unwrap_or(0);
        *cont = cont[start..start + kept].to_vec();
    }
    out
}
