//! Line-level helpers: cleaning docstring text, dedenting, joining, and
//! recognising types and default values inside entries.

use crate::docstring::annotation::split_top_level;

/// The docstring's lines as `inspect.cleandoc` would give them (first line
/// stripped, the rest dedented by their common indentation, blank lines at
/// both ends dropped), with trailing whitespace removed and `\r` line breaks
/// read as `\n`. Tabs are kept as written.
pub fn clean_lines(text: &str) -> Vec<String> {
    let normalized = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut lines: Vec<String> = normalized.split('\n').map(|l| l.trim_end().to_string()).collect();
    if let Some(first) = lines.first_mut() {
        *first = first.trim_start().to_string();
    }
    if lines.len() > 1 {
        let rest = dedent(&lines[1..]);
        lines.truncate(1);
        lines.extend(rest);
    }
    trim_blank_ends(&lines).to_vec()
}

/// Number of leading whitespace characters.
pub fn indent_of(line: &str) -> usize {
    line.chars().take_while(|c| c.is_whitespace()).count()
}

/// Lines with their common leading whitespace removed (blank lines ignored).
pub fn dedent(lines: &[String]) -> Vec<String> {
    let common = lines.iter().filter(|l| !l.trim().is_empty()).map(|l| indent_of(l)).min().unwrap_or(0);
    lines.iter().map(|l| if l.trim().is_empty() { String::new() } else { l.chars().skip(common).collect() }).collect()
}

pub fn trim_blank_ends(lines: &[String]) -> &[String] {
    let start = lines.iter().position(|l| !l.trim().is_empty()).unwrap_or(lines.len());
    let end = lines.iter().rposition(|l| !l.trim().is_empty()).map_or(start, |i| i + 1);
    &lines[start..end]
}

/// Lines joined with `\n`, without blank lines at either end.
pub fn join(lines: &[String]) -> String {
    trim_blank_ends(lines).join("\n")
}

/// The description of an entry: the text after its head plus its
/// continuation lines, dedented together so relative indentation survives.
pub fn entry_description(first: &str, continuation: &[String]) -> String {
    let mut lines = Vec::new();
    if !first.trim().is_empty() {
        lines.push(first.trim().to_string());
    }
    lines.extend(dedent(continuation));
    join(&lines)
}

/// The first paragraph as one line, and the lines after it. The paragraph
/// also ends before a line for which `starts_block` holds.
pub fn split_summary(lines: &[String], starts_block: impl Fn(&str) -> bool) -> (String, Vec<String>) {
    let end = lines.iter().position(|l| l.trim().is_empty() || starts_block(l)).unwrap_or(lines.len());
    let summary = lines[..end].iter().map(|l| l.trim()).collect::<Vec<_>>().join(" ");
    let rest = trim_blank_ends(&lines[end..]).to_vec();
    (summary, rest)
}

/// Whether `s` reads as a type expression (`int`, `dict[str, int] | None`)
/// rather than prose: spaces only after commas or around `|`.
pub fn looks_like_type(s: &str) -> bool {
    let s = s.trim();
    let placeholder = s.starts_with(crate::docstring::offline::PLACEHOLDER);
    if placeholder || s.is_empty() || s.len() > 120 || s.ends_with('.') {
        return false;
    }
    let chars: Vec<char> = s.chars().collect();
    let mut depth = 0i32;
    for (i, &c) in chars.iter().enumerate() {
        match c {
            '[' | '(' | '{' => depth += 1,
            ']' | ')' | '}' => depth -= 1,
            c if c.is_whitespace() && depth <= 0 => {
                let before = chars[..i].iter().rev().find(|c| !c.is_whitespace());
                let after = chars[i..].iter().find(|c| !c.is_whitespace());
                let joined = matches!(before, Some(',' | '|')) || matches!(after, Some('|'));
                if !joined {
                    return false;
                }
            }
            c if c.is_whitespace() || c.is_alphanumeric() || "_.,|'\"`~*-".contains(c) => {}
            _ => return false,
        }
    }
    depth == 0
}

/// A type as written in an entry, without `optional` and `default=...`
/// parts, and the default value those parts name.
pub fn clean_type(raw: &str) -> (Option<String>, Option<String>) {
    let mut kept = Vec::new();
    let mut default = None;
    for part in split_top_level(raw, ',') {
        let lower = part.to_ascii_lowercase();
        if lower == "optional" {
            continue;
        }
        if let Some(rest) = lower.strip_prefix("default").map(|_| &part["default".len()..]) {
            let value = rest.trim_start_matches(['s', ' ', '=', ':']).trim_start_matches("to ");
            default = Some(value.trim().to_string()).filter(|v| !v.is_empty());
            continue;
        }
        kept.push(part);
    }
    let type_name = kept.join(", ");
    ((!type_name.is_empty()).then_some(type_name), default)
}

/// Splits a trailing default-value sentence off a description:
/// `... Defaults to X.`, `..., defaults to X.` or `... (default: {X})`.
pub fn extract_default(description: &str) -> (String, Option<String>) {
    let d = description.trim_end();
    let last_line_start = d.rfind('\n').map_or(0, |i| i + 1);
    let last_line = &d[last_line_start..];
    if let Some(body) = last_line.strip_suffix('.') {
        if let Some(i) = body.rfind(", defaults to ") {
            let value = &body[i + ", defaults to ".len()..];
            if !value.trim().is_empty() {
                return (format!("{}{}.", &d[..last_line_start], &body[..i]), Some(value.trim().to_string()));
            }
        }
        if let Some(i) = body.rfind("Defaults to ") {
            let before = &body[..i];
            let value = &body[i + "Defaults to ".len()..];
            if (before.is_empty() || before.ends_with(char::is_whitespace)) && !value.trim().is_empty() {
                let kept = format!("{}{}", &d[..last_line_start], before.trim_end());
                return (kept.trim_end().to_string(), Some(value.trim().to_string()));
            }
        }
    }
    if let Some(body) = last_line.strip_suffix(')')
        && let Some(i) = body.rfind("(default: ")
    {
        let before = &body[..i];
        let value = body[i + "(default: ".len()..].trim();
        let value = value.strip_prefix('{').and_then(|v| v.strip_suffix('}')).unwrap_or(value);
        if !value.is_empty() {
            let kept = format!("{}{}", &d[..last_line_start], before.trim_end());
            return (kept.trim_end().to_string(), Some(value.to_string()));
        }
    }
    (description.to_string(), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleans_like_cleandoc() {
        let lines = clean_lines("Summary.\n\n    Body\n      more\n    ");
        assert_eq!(lines, vec!["Summary.", "", "Body", "  more"]);
    }

    #[test]
    fn types_versus_prose() {
        assert!(looks_like_type("dict[str, int] | None"));
        assert!(looks_like_type("int"));
        assert!(!looks_like_type("The response body"));
        assert!(!looks_like_type("bytes."));
    }

    #[test]
    fn defaults() {
        assert_eq!(extract_default("How many. Defaults to 3."), ("How many.".into(), Some("3".into())));
        assert_eq!(extract_default("How many, defaults to 3."), ("How many.".into(), Some("3".into())));
        assert_eq!(extract_default("How many. (default: {3})"), ("How many.".into(), Some("3".into())));
        assert_eq!(extract_default("No default here."), ("No default here.".into(), None));
        assert_eq!(clean_type("int, default=3"), (Some("int".into()), Some("3".into())));
        assert_eq!(clean_type("int, optional"), (Some("int".into()), None));
    }
}
