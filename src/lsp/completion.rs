//! The docstring completion: typing `"""` as the first thing in a
//! definition's body (or at the top of a module) offers the whole docstring.

use std::ops::Range;

use super::document::Document;
use crate::docstring::insert::Target;
use crate::engine::{self, EngineOptions, Mode, Templates};
use crate::python::SourceFile;

/// What the completion replaces and with what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocstringCompletion {
    /// The typed quotes (and closing quotes an editor added after the cursor).
    pub range: Range<usize>,
    /// The complete literal, `\n` line endings converted to the file's.
    pub text: String,
    /// `None` for the module.
    pub qualname: Option<String>,
}

/// The completion at byte `offset`, if the text before it on its line is
/// indentation and three quotes opening the first statement of a definition
/// without a docstring.
pub fn docstring_completion(
    document: &Document,
    offset: usize,
    options: &EngineOptions,
) -> Option<DocstringCompletion> {
    let text = document.text();
    let offset = (0..=offset.min(text.len())).rev().find(|&o| text.is_char_boundary(o))?;
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let before = &text[line_start..offset];
    let quotes = ["\"\"\"", "'''"].into_iter().find(|q| before.trim_start_matches([' ', '\t']) == *q)?;
    let opening = offset - quotes.len();
    // An editor that pairs quotes has already added the closing ones.
    let line_end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    let after = text[offset..line_end].trim_end_matches('\r');
    let closing = if after == quotes { quotes.len() } else { 0 };
    if !after.is_empty() && closing == 0 {
        return None;
    }
    // The typed quotes leave an unterminated string that swallows the rest of
    // the file; find the definition in the text with a `pass` in their place
    // (which also gives an empty body its block).
    let mut without = String::with_capacity(text.len() + 4);
    without.push_str(&text[..opening]);
    without.push_str("pass");
    without.push_str(&text[offset + closing..]);
    let file = SourceFile::parse(without).ok()?;
    let module = file.module();
    let (target, qualname) = match module.definition_at(opening) {
        Some(index) => {
            let definition = &module.definitions[index];
            // Only as the first statement of the body.
            if definition.docstring.is_some() || opening > definition.body.block.start {
                return None;
            }
            (Target::Definition(index), Some(definition.qualname.clone()))
        }
        None if module.docstring.is_none() && only_comments_before(text, opening) => (Target::Module, None),
        None => return None,
    };
    let options = EngineOptions { mode: Mode::Missing, ..options.clone() };
    let planned = engine::edit(None, file.text(), module, target, &options, &Templates).ok()??;
    // The planned edit inserts whole lines (indentation, literal, line ending);
    // the completion needs only the literal, as the user's line has the rest.
    let literal_start = planned.edit.new_text.find(['"', '\'', 'r'])?;
    // The literal ends with its quotes, so whatever whitespace follows is the
    // line's.
    let literal = planned.edit.new_text[literal_start..].trim_end_matches(['\r', '\n', ' ', '\t']);
    Some(DocstringCompletion { range: opening..offset + closing, text: literal.to_string(), qualname })
}

/// Whether nothing but blank lines and comments comes before `offset`.
fn only_comments_before(text: &str, offset: usize) -> bool {
    text[..offset].lines().all(|line| {
        let line = line.trim();
        line.is_empty() || line.starts_with('#')
    })
}
