//! Parsing with tree-sitter, from scratch or incrementally after an edit.

use std::cell::RefCell;
use std::ops::Range;

use tree_sitter::{InputEdit, Parser, Point, Tree};

use super::extract::extract;
use super::model::Module;

thread_local! {
    // A parser is cheap to keep and not `Sync`; one per thread serves every file.
    static PARSER: RefCell<Option<Parser>> = const { RefCell::new(None) };
}

#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    #[error("the Python grammar could not be loaded: {0}")]
    Language(#[from] tree_sitter::LanguageError),
    #[error("tree-sitter gave up parsing the file")]
    Aborted,
}

/// Parses `source`, reusing `old` (already edited with `Tree::edit`) when given.
pub fn parse_tree(source: &str, old: Option<&Tree>) -> Result<Tree, ParseError> {
    PARSER.with(|cell| {
        let mut slot = cell.borrow_mut();
        let parser = match &mut *slot {
            Some(parser) => parser,
            empty => {
                let mut parser = Parser::new();
                parser.set_language(&tree_sitter_python::LANGUAGE.into())?;
                empty.insert(parser)
            }
        };
        parser.parse(source, old).ok_or(ParseError::Aborted)
    })
}

/// A Python source text with its tree and source model, kept in step as the text
/// changes.
#[derive(Debug, Clone)]
pub struct SourceFile {
    text: String,
    tree: Tree,
    module: Module,
}

impl SourceFile {
    pub fn parse(text: String) -> Result<Self, ParseError> {
        let tree = parse_tree(&text, None)?;
        let module = extract(&tree, &text);
        Ok(SourceFile { text, tree, module })
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn tree(&self) -> &Tree {
        &self.tree
    }

    pub fn module(&self) -> &Module {
        &self.module
    }

    /// Replaces the bytes in `range` with `new_text` and reparses incrementally.
    /// The range must lie on character boundaries of the current text; a range
    /// that does not is refused, leaving the file as it was.
    pub fn edit(&mut self, range: Range<usize>, new_text: &str) -> Result<(), EditError> {
        if range.start > range.end
            || range.end > self.text.len()
            || !self.text.is_char_boundary(range.start)
            || !self.text.is_char_boundary(range.end)
        {
            return Err(EditError::OutOfRange { range, len: self.text.len() });
        }
        let start_position = point_at(&self.text, range.start);
        let old_end_position = point_at(&self.text, range.end);
        let mut text = String::with_capacity(self.text.len() - range.len() + new_text.len());
        text.push_str(&self.text[..range.start]);
        text.push_str(new_text);
        text.push_str(&self.text[range.end..]);
        let new_end_byte = range.start + new_text.len();
        let new_end_position = point_at(&text, new_end_byte);

        let mut tree = self.tree.clone();
        tree.edit(&InputEdit {
            start_byte: range.start,
            old_end_byte: range.end,
            new_end_byte,
            start_position,
            old_end_position,
            new_end_position,
        });
        let tree = parse_tree(&text, Some(&tree))?;
        self.module = extract(&tree, &text);
        self.tree = tree;
        self.text = text;
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EditError {
    #[error("edit range {}..{} is outside the text (length {len}) or splits a character", range.start, range.end)]
    OutOfRange { range: Range<usize>, len: usize },
    #[error(transparent)]
    Parse(#[from] ParseError),
}

/// The tree-sitter point (row, byte column) of a byte offset.
fn point_at(text: &str, offset: usize) -> Point {
    let before = &text.as_bytes()[..offset];
    let row = before.iter().filter(|&&b| b == b'\n').count();
    let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    Point { row, column: offset - line_start }
}
