//! Line layout shared by the styles: wrapping free text and entries.

use textwrap::{Options, WordSplitter};

/// Display width of `s`, counting a tab as four columns.
pub fn display_width(s: &str) -> usize {
    s.chars().map(|c| if c == '\t' { 4 } else { textwrap::core::display_width(c.encode_utf8(&mut [0; 4])) }).sum()
}

/// `\r\n` and lone `\r` as `\n`, so every renderer sees one kind of line break.
pub fn normalize_newlines(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n")
}

/// A summary on one line: its line breaks become spaces.
pub fn one_line(text: &str) -> String {
    normalize_newlines(text).lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join(" ")
}

/// The lines of `text` without leading and trailing blank lines.
pub fn content_lines(text: &str) -> Vec<String> {
    let normalized = normalize_newlines(text);
    let lines: Vec<&str> = normalized.lines().map(str::trim_end).collect();
    let start = lines.iter().position(|l| !l.is_empty()).unwrap_or(lines.len());
    let end = lines.iter().rposition(|l| !l.is_empty()).map_or(start, |i| i + 1);
    lines[start..end].iter().map(|l| l.to_string()).collect()
}

/// Wraps text into a column of a given width.
pub struct Layout {
    width: usize,
}

impl Layout {
    pub fn new(width: usize) -> Self {
        Layout { width }
    }

    fn wrap(&self, line: &str, first: &str, rest: &str) -> Vec<String> {
        let options = Options::new(self.width)
            .initial_indent(first)
            .subsequent_indent(rest)
            .break_words(false)
            .word_splitter(WordSplitter::NoHyphenation);
        textwrap::wrap(line, options).into_iter().map(|l| l.trim_end().to_string()).collect()
    }

    /// Free text with every line at `prefix`. Lines are kept as written (their
    /// breaks are the author's); only a line longer than the width is wrapped,
    /// and indented lines and doctest lines are never touched.
    pub fn text(&self, text: &str, prefix: &str) -> Vec<String> {
        content_lines(text).iter().flat_map(|line| self.text_line(line, prefix, prefix)).collect()
    }

    fn text_line(&self, line: &str, first: &str, rest: &str) -> Vec<String> {
        if line.is_empty() {
            return vec![String::new()];
        }
        let verbatim = line.starts_with(char::is_whitespace)
            || line.starts_with(">>>")
            || line.starts_with("...")
            || display_width(first) + display_width(line) <= self.width;
        if verbatim {
            return vec![format!("{first}{line}")];
        }
        // Continuation lines of a bullet line up with its text.
        let bullet = ["- ", "* ", "+ "].iter().any(|b| line.starts_with(b));
        let rest = if bullet { format!("{rest}  ") } else { rest.to_string() };
        self.wrap(line, first, &rest)
    }

    /// An entry: `head` followed on the same line by the description, whose
    /// later lines hang at `hang`.
    pub fn entry(&self, head: &str, description: &str, hang: &str) -> Vec<String> {
        let lines = content_lines(description);
        let Some((first, rest)) = lines.split_first() else {
            return vec![head.trim_end().to_string()];
        };
        let mut out = if first.starts_with(char::is_whitespace) {
            let mut out = vec![head.trim_end().to_string()];
            out.extend(self.text_line(first, hang, hang));
            out
        } else {
            self.text_line(first, &format!("{head} "), hang)
        };
        for line in rest {
            out.extend(self.text_line(line, hang, hang));
        }
        out
    }

    /// A head on its own line with the description below it at `hang`
    /// (NumPy entries).
    pub fn block_entry(&self, head: &str, description: &str, hang: &str) -> Vec<String> {
        let mut out = vec![head.trim_end().to_string()];
        out.extend(self.text(description, hang));
        out
    }
}

/// `description` with the default value appended as a sentence, unless the
/// author already mentions a default.
pub fn with_default_sentence(description: &str, default: Option<&str>) -> String {
    match default {
        Some(value) if !mentions_default(description) => {
            let description = description.trim_end();
            if description.is_empty() {
                format!("Defaults to {value}.")
            } else {
                format!("{description} Defaults to {value}.")
            }
        }
        _ => description.to_string(),
    }
}

/// `description` with `, defaults to X.` folded into its last sentence (the
/// reST/Sphinx habit).
pub fn with_default_clause(description: &str, default: Option<&str>) -> String {
    match default {
        Some(value) if !mentions_default(description) => {
            let description = description.trim_end();
            let stem = description.strip_suffix('.').unwrap_or(description);
            if stem.is_empty() { format!("Defaults to {value}.") } else { format!("{stem}, defaults to {value}.") }
        }
        _ => description.to_string(),
    }
}

pub fn mentions_default(description: &str) -> bool {
    description.to_ascii_lowercase().contains("default")
}
