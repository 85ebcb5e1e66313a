//! Reads a docstring's text into a structured `Docstring`, in any style.
//!
//! Parsing never loses human-written text: what a style's structure does not
//! cover ends up in `description` or, verbatim, in `other_sections`. It never
//! panics: every input, however odd, gives some `Docstring`.

mod detect;
mod fields;
mod google;
mod numpy;
mod pep257;
mod sections;
mod text;

use super::model::{Docstring, Style};

pub use detect::detect_style;

/// Parses `text` (the docstring's value, possibly indented as it appears in
/// the source) in `style`, or in the detected style when `style` is `None`.
/// Text in no recognisable style becomes a summary and a description.
pub fn parse(text: &str, style: Option<Style>) -> Docstring {
    let lines = text::clean_lines(text);
    match style.or_else(|| detect::detect_lines(&lines)) {
        Some(Style::Google) => google::parse(&lines),
        Some(Style::Numpy) => numpy::parse(&lines),
        Some(Style::Sphinx) => fields::parse(&lines, ':'),
        Some(Style::Epytext) => fields::parse(&lines, '@'),
        Some(Style::Pep257) => pep257::parse(&lines),
        None => plain(&lines),
    }
}

/// The docstring's text as written, cleaned as `inspect.cleandoc` cleans it
/// (first line stripped, the rest dedented, blank lines at the ends dropped).
pub fn clean(text: &str) -> String {
    text::clean_lines(text).join("\n")
}

/// Whether a parser may drop `word` (lowercase) as structure rather than
/// text: a field name (`param`, `rtype`), a section title (`Args`,
/// `Returns`), or a word of a type's `optional` and `default` parts and of
/// `Defaults to`.
pub fn is_structure_word(word: &str) -> bool {
    detect::SPHINX_FIELDS.contains(&word)
        || google::kind_of(word).is_some()
        || matches!(word, "optional" | "default" | "defaults" | "to" | "other")
}

/// Summary (first paragraph) and description (the rest, as written).
fn plain(lines: &[String]) -> Docstring {
    let (summary, rest) = text::split_summary(lines, |_| false);
    Docstring { summary, description: text::join(&rest), ..Docstring::default() }
}
