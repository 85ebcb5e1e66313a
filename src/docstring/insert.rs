//! The exact text edit that gives a definition or a module its docstring.
//!
//! An edit only adds or replaces a docstring: it inserts whole lines, replaces
//! an existing string literal, or, for a one-line definition (`def f(): pass`),
//! breaks the line after the colon. Everything else in the file keeps its
//! bytes: comments, line endings, indentation style, form feeds.

use std::ops::Range;

use crate::python::{Definition, DefinitionKind, Module};

/// Replace `range` (bytes of the current text) with `new_text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextEdit {
    pub range: Range<usize>,
    pub new_text: String,
}

/// What gets the docstring.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Target {
    Module,
    /// An index into `Module::definitions`.
    Definition(usize),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InsertError {
    #[error("there is no definition number {0} in this file")]
    NoSuchDefinition(usize),
    #[error("`{qualname}` (line {line}) has a header tree-sitter could not read; fix the syntax error first")]
    BrokenHeader { qualname: String, line: usize },
}

/// Where a docstring goes and how its lines must look there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    /// The bytes the edit replaces (empty for an insertion).
    pub range: Range<usize>,
    /// Indentation of the docstring's lines after the first.
    pub indent: String,
    /// Written before the literal (indentation, or a line break for a one-line
    /// definition).
    pub before: String,
    /// Written after the literal (the line ending, and what a one-line
    /// definition's statements need to stay in the body).
    pub after: String,
    /// `\n` or `\r\n`, as the surrounding line uses.
    pub line_ending: &'static str,
}

impl Placement {
    /// The edit that writes `literal` (a rendered string literal with `\n` line
    /// endings and `indent` on its later lines) at this place.
    pub fn edit(&self, literal: &str) -> TextEdit {
        let literal =
            if self.line_ending == "\n" { literal.to_string() } else { literal.replace('\n', self.line_ending) };
        TextEdit { range: self.range.clone(), new_text: format!("{}{}{}", self.before, literal, self.after) }
    }
}

/// Where the docstring of `target` goes in `source` (whose model is `module`).
pub fn placement(source: &str, module: &Module, target: Target) -> Result<Placement, InsertError> {
    match target {
        Target::Module => Ok(module_placement(source, module)),
        Target::Definition(index) => {
            let definition = module.definitions.get(index).ok_or(InsertError::NoSuchDefinition(index))?;
            definition_placement(source, definition)
        }
    }
}

fn definition_placement(source: &str, definition: &Definition) -> Result<Placement, InsertError> {
    let body = &definition.body;
    let broken = || InsertError::BrokenHeader { qualname: definition.qualname.clone(), line: definition.line };
    if body.colon_end > source.len() || body.block.start > source.len() || body.colon_end > body.block.start {
        return Err(broken());
    }
    let header_start = line_start(source, definition.keyword_start);
    let header_indent = indentation(source, header_start);
    let line_ending = line_ending_at(source, body.colon_end);
    // PEP 257 (and ruff's D204, and its formatter): a blank line follows a
    // class docstring.
    let is_class = definition.kind == DefinitionKind::Class;

    if let Some(docstring) = &definition.docstring {
        let docstring_line = line_start(source, docstring.range.start);
        let own_line = source[docstring_line..docstring.range.start].chars().all(is_indent_char);
        let indent = if own_line {
            indentation(source, docstring_line)
        } else {
            format!("{header_indent}{}", indent_unit(source))
        };
        return Ok(Placement {
            range: docstring.range.clone(),
            indent,
            before: String::new(),
            after: String::new(),
            line_ending,
        });
    }

    if body.inline {
        // `def f(): return 1` becomes a block: the space after the colon is
        // replaced by a line break, the docstring, and the body's indentation.
        let statement = body.block.start;
        let gap = &source[body.colon_end..statement];
        if !gap.chars().all(|c| c == ' ' || c == '\t') {
            return Err(broken());
        }
        let indent = format!("{header_indent}{}", indent_unit(source));
        let blank = if is_class { line_ending } else { "" };
        return Ok(Placement {
            range: body.colon_end..statement,
            before: format!("{line_ending}{indent}"),
            after: format!("{line_ending}{blank}{indent}"),
            indent,
            line_ending,
        });
    }

    // A block on its own lines: the docstring becomes the first line after the
    // header (so comments after the colon stay on the header line), indented
    // like the first statement.
    let insert_at = next_line_start(source, body.colon_end);
    let indent = indentation(source, first_code_line(source, insert_at, body.block.start));
    let mut after = line_ending.to_string();
    if is_class && !line_text(&source[insert_at..]).trim_matches(is_indent_char).is_empty() {
        after.push_str(line_ending);
    }
    Ok(Placement { range: insert_at..insert_at, before: indent.clone(), after, indent, line_ending })
}

/// The start of the first line from `from` on that holds code (not blank, not
/// only a comment); `fallback` when there is none before it.
fn first_code_line(source: &str, from: usize, fallback: usize) -> usize {
    let mut at = from;
    while at < fallback {
        let text = line_text(&source[at..]);
        let trimmed = text.trim_matches(is_indent_char);
        if !trimmed.is_empty() && !trimmed.starts_with('#') {
            return at;
        }
        at = next_line_start(source, at);
    }
    line_start(source, fallback)
}

fn module_placement(source: &str, module: &Module) -> Placement {
    let line_ending = line_ending_at(source, 0);
    if let Some(docstring) = &module.docstring {
        let line = line_start(source, docstring.range.start);
        return Placement {
            range: docstring.range.clone(),
            indent: indentation(source, line),
            before: String::new(),
            after: String::new(),
            line_ending,
        };
    }
    let at = module_docstring_offset(source);
    let rest = &source[at..];
    let next_is_blank_or_end = rest.is_empty() || line_text(rest).trim_matches(is_indent_char).is_empty();
    let mut after = line_ending.to_string();
    if !next_is_blank_or_end {
        // Keep code from sticking to the docstring; a top-level definition
        // gets the two blank lines PEP 8 (and ruff's E302) puts before it.
        after.push_str(line_ending);
        if module.definitions.iter().any(|d| d.parent.is_none() && d.range.start == at) {
            after.push_str(line_ending);
        }
    }
    let before = if at > 0 && !source[..at].ends_with('\n') { line_ending.to_string() } else { String::new() };
    Placement { range: at..at, indent: String::new(), before, after, line_ending }
}

/// Where a new module docstring goes: after a shebang and encoding
/// declaration, and before the comments attached to the first statement (a
/// comment block separated from it by a blank line, such as a license header,
/// stays above the docstring).
fn module_docstring_offset(source: &str) -> usize {
    let lines = line_starts(source);
    let mut first = 0;
    // Line 1 may be a shebang, and line 1 or 2 an encoding declaration.
    for (number, &start) in lines.iter().enumerate().take(2) {
        let text = line_text(&source[start..]);
        let trimmed = text.trim_start_matches(is_indent_char);
        let shebang = number == 0 && text.starts_with("#!");
        let coding = trimmed.starts_with('#') && trimmed.contains("coding") && (number == 0 || first == 1);
        if shebang || coding {
            first = number + 1;
        } else {
            break;
        }
    }
    // The first line that is code.
    let is_comment_or_blank = |i: usize| {
        let text = line_text(&source[lines[i]..]);
        let trimmed = text.trim_matches(is_indent_char);
        trimmed.is_empty() || trimmed.starts_with('#')
    };
    let mut code = first;
    while code < lines.len() && is_comment_or_blank(code) {
        code += 1;
    }
    if code >= lines.len() {
        // No code at all (an empty file, or only a header): the docstring goes last.
        return source.len();
    }
    // Walk up over the comment lines directly above it.
    let mut at = code;
    while at > first {
        let text = line_text(&source[lines[at - 1]..]);
        if text.trim_matches(is_indent_char).starts_with('#') {
            at -= 1;
        } else {
            break;
        }
    }
    lines.get(at).copied().unwrap_or(source.len())
}

/// Byte offsets where each line starts (a final empty line after a trailing
/// newline is not a line).
fn line_starts(source: &str) -> Vec<usize> {
    let mut starts = vec![0];
    starts.extend(source.match_indices('\n').map(|(i, _)| i + 1).filter(|&i| i < source.len()));
    if source.is_empty() {
        starts.clear();
    }
    starts
}

/// The text of the line that starts `rest`, without its line ending.
fn line_text(rest: &str) -> &str {
    let end = rest.find('\n').unwrap_or(rest.len());
    rest[..end].strip_suffix('\r').unwrap_or(&rest[..end])
}

fn line_start(source: &str, offset: usize) -> usize {
    source[..offset.min(source.len())].rfind('\n').map_or(0, |i| i + 1)
}

/// The start of the line after the one holding `offset` (or the end of text,
/// which then gets a line break first via `line_ending_at`).
fn next_line_start(source: &str, offset: usize) -> usize {
    source[offset..].find('\n').map_or(source.len(), |i| offset + i + 1)
}

/// The indentation of the line starting at `line_start`: its leading spaces and
/// tabs, after any form feed (Python resets the column at a form feed, and the
/// form feed itself belongs to its line only).
fn indentation(source: &str, line_start: usize) -> String {
    let line = line_text(&source[line_start..]);
    let leading: &str = &line[..line.len() - line.trim_start_matches(is_indent_char).len()];
    leading.rsplit('\x0c').next().unwrap_or("").to_string()
}

fn is_indent_char(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\x0c')
}

/// The line ending of the line holding `offset`, else the file's first, else `\n`.
fn line_ending_at(source: &str, offset: usize) -> &'static str {
    let from = &source[line_start(source, offset)..];
    let ending = |text: &str| text.find('\n').map(|i| if text[..i].ends_with('\r') { "\r\n" } else { "\n" });
    ending(from).or_else(|| ending(source)).unwrap_or("\n")
}

/// One level of indentation as the file writes it: a tab when indented lines
/// start with tabs, else the smallest indentation in use (4 spaces by default).
fn indent_unit(source: &str) -> String {
    let mut smallest: Option<usize> = None;
    for line in source.lines() {
        let trimmed = line.trim_start_matches([' ', '\t']);
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.len() == line.len() {
            continue;
        }
        if line.starts_with('\t') {
            return "\t".to_string();
        }
        let width = line.len() - trimmed.len();
        smallest = Some(smallest.map_or(width, |s| s.min(width)));
        if smallest == Some(1) {
            break;
        }
    }
    " ".repeat(smallest.filter(|&w| w <= 8).unwrap_or(4))
}
