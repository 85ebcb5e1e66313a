//! Renders a `Docstring` as one Python string literal in a given style.

use super::model::{Docstring, Style};

/// How to lay out a rendered docstring.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderOptions {
    pub style: Style,
    /// Maximum line length, indentation included.
    pub width: usize,
    /// Indentation of every line after the first: the indentation of the body
    /// the docstring belongs to (spaces or tabs, as the file uses).
    pub indent: String,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions { style: Style::Google, width: 88, indent: "    ".to_string() }
    }
}

/// The complete literal, quotes included, with `\n` line endings. The first line
/// carries no indentation (the caller places it); later lines start with
/// `opts.indent`. Whatever the docstring holds, the result is exactly one string
/// literal: quotes and backslashes that could end it early are escaped.
pub fn render(doc: &Docstring, opts: &RenderOptions) -> String {
    let _ = (doc, opts);
    todo!("renderers")
}
