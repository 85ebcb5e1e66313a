//! Renders a `Docstring` as one Python string literal in a given style.
//!
//! Each style module turns the docstring into blocks of lines (relative to the
//! docstring's own indentation); this module joins them, adds the indentation
//! and the quotes, and picks the one-line form when only a summary exists.

mod epytext;
mod fields;
mod google;
mod layout;
mod numpy;
mod pep257;
mod sphinx;

use super::literal::python_literal;
use super::model::{Docstring, Style};
use layout::Layout;

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

/// Narrowest text column used for wrapping, so that deep indentation or a tiny
/// width never splits an entry's head (`name (type):`) across lines.
const MIN_TEXT_WIDTH: usize = 40;

/// The complete literal, quotes included, with `\n` line endings. The first line
/// carries no indentation (the caller places it); later lines start with
/// `opts.indent`. Whatever the docstring holds, the result is exactly one string
/// literal: quotes and backslashes that could end it early are escaped.
pub fn render(doc: &Docstring, opts: &RenderOptions) -> String {
    python_literal(&render_value(doc, opts))
}

/// The value the rendered literal evaluates to: what `render` quotes.
pub fn render_value(doc: &Docstring, opts: &RenderOptions) -> String {
    let indent_width = layout::display_width(&opts.indent);
    let layout = Layout::new(opts.width.saturating_sub(indent_width).max(MIN_TEXT_WIDTH));
    let doc = &one_line_heads(doc);
    let summary = layout::one_line(&doc.summary);
    let blocks: Vec<Vec<String>> = match opts.style {
        Style::Google => google::blocks(doc, &layout),
        Style::Numpy => numpy::blocks(doc, &layout),
        Style::Sphinx => sphinx::blocks(doc, &layout),
        Style::Epytext => epytext::blocks(doc, &layout),
        Style::Pep257 => pep257::blocks(doc, &layout),
    }
    .into_iter()
    .filter(|block| block.iter().any(|line| !line.trim().is_empty()))
    .collect();

    if blocks.is_empty() {
        let one_line = python_literal(&summary);
        if indent_width + layout::display_width(&one_line) <= opts.width {
            return summary;
        }
        // Too long for one line: closing quotes go on their own line.
        return format!("{summary}\n{}", opts.indent);
    }

    let mut value = summary;
    for block in blocks {
        value.push('\n');
        for line in block {
            value.push('\n');
            let line = line.trim_end();
            if !line.is_empty() {
                value.push_str(&opts.indent);
                value.push_str(line);
            }
        }
    }
    value.push('\n');
    value.push_str(&opts.indent);
    value
}

/// `doc` with every name, type, default and title on one line: they sit in
/// entry heads, where a line break would break the layout (and leave
/// trailing whitespace).
fn one_line_heads(doc: &Docstring) -> Docstring {
    let line = |s: &str| layout::one_line(s);
    let opt = |s: &Option<String>| s.as_deref().map(layout::one_line);
    let mut doc = doc.clone();
    for p in &mut doc.params {
        p.name = line(&p.name);
        p.type_name = opt(&p.type_name);
        p.default = opt(&p.default);
    }
    for r in doc.returns.iter_mut().chain(doc.yields.iter_mut()) {
        r.name = opt(&r.name);
        r.type_name = opt(&r.type_name);
    }
    for r in &mut doc.raises {
        r.exception = line(&r.exception);
    }
    for a in &mut doc.attributes {
        a.name = line(&a.name);
        a.type_name = opt(&a.type_name);
    }
    for s in &mut doc.other_sections {
        s.title = line(&s.title);
    }
    doc
}
