//! Parsing with tree-sitter, from scratch or incrementally after an edit.

use std::cell::RefCell;
use std::ops::Range;
use std::sync::OnceLock;

use tree_sitter::{InputEdit, Parser, Point, Tree};

use crate::line_index::{LineIndex, PositionEncoding};

use super::extract::{Enclosing, enclosing_definitions, extract};
use super::literal::docstring_of_block;
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
/// changes. The tree is updated on every edit; the source model is built from
/// it when first asked for, so a burst of keystrokes costs only reparses.
#[derive(Debug, Clone)]
pub struct SourceFile {
    text: String,
    tree: Tree,
    module: OnceLock<Module>,
}

impl SourceFile {
    pub fn parse(text: String) -> Result<Self, ParseError> {
        let tree = parse_tree(&text, None)?;
        Ok(SourceFile { text, tree, module: OnceLock::new() })
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn tree(&self) -> &Tree {
        &self.tree
    }

    pub fn module(&self) -> &Module {
        self.module.get_or_init(|| extract(&self.tree, &self.text))
    }

    /// The text and its source model, the tree dropped: what a batch keeps
    /// of a file between reading it and applying its edits.
    pub fn into_text_and_module(mut self) -> (String, Module) {
        let module = self.module.take().unwrap_or_else(|| extract(&self.tree, &self.text));
        (self.text, module)
    }

    /// Whether tree-sitter found an error or a missing node, from the tree
    /// alone (no source model built).
    pub fn has_syntax_errors(&self) -> bool {
        self.tree.root_node().has_error()
    }

    /// The source model, if it has been built for the current text.
    pub fn module_if_built(&self) -> Option<&Module> {
        self.module.get()
    }

    /// Whether the module has a docstring, from the tree alone.
    pub fn module_docstring_exists(&self) -> bool {
        match self.module.get() {
            Some(module) => module.docstring.is_some(),
            None => docstring_of_block(self.tree.root_node(), &self.text).is_some(),
        }
    }

    /// The definitions around byte `offset`, outermost first, read from the
    /// tree alone (no source model needed): what an editor asks on every
    /// cursor move.
    pub fn definitions_at(&self, offset: usize) -> Vec<Enclosing> {
        enclosing_definitions(&self.tree, &self.text, offset)
    }

    /// Replaces the bytes in `range` with `new_text` and reparses incrementally.
    /// The range must lie on character boundaries of the current text; a range
    /// that does not is refused, leaving the file as it was.
    pub fn edit(&mut self, range: Range<usize>, new_text: &str) -> Result<(), EditError> {
        self.apply_edits(&[(range, new_text)])
    }

    /// Applies several edits at once, each given in offsets of the current text
    /// (they must not overlap), then reparses once, incrementally. Any invalid
    /// range refuses them all, leaving the file as it was.
    pub fn apply_edits(&mut self, edits: &[(Range<usize>, &str)]) -> Result<(), EditError> {
        let text = splice(&self.text, edits)?;
        let mut sorted: Vec<&(Range<usize>, &str)> = edits.iter().collect();
        sorted.sort_by_key(|(range, _)| (range.start, range.end));

        // From the last edit to the first, so that every position is still one
        // of the original text when its edit is described to the tree.
        let lines = LineIndex::new(&self.text);
        let point = |offset: usize| {
            let at = lines.position(&self.text, offset, PositionEncoding::Utf8);
            Point { row: at.line as usize, column: at.character as usize }
        };
        let mut tree = self.tree.clone();
        for (range, new_text) in sorted.iter().rev() {
            let start_position = point(range.start);
            tree.edit(&InputEdit {
                start_byte: range.start,
                old_end_byte: range.end,
                new_end_byte: range.start + new_text.len(),
                start_position,
                old_end_position: point(range.end),
                new_end_position: point_after(start_position, new_text),
            });
        }
        let tree = parse_tree(&text, Some(&tree))?;
        self.module = OnceLock::new();
        self.tree = tree;
        self.text = text;
        Ok(())
    }
}

/// `text` with `edits` applied, each given in offsets of `text` (they must
/// not overlap). Any invalid range refuses them all.
pub fn splice(text: &str, edits: &[(Range<usize>, &str)]) -> Result<String, EditError> {
    let mut sorted: Vec<&(Range<usize>, &str)> = edits.iter().collect();
    sorted.sort_by_key(|(range, _)| (range.start, range.end));
    let mut previous_end = 0;
    for (range, _) in &sorted {
        if range.start > range.end
            || range.start < previous_end
            || range.end > text.len()
            || !text.is_char_boundary(range.start)
            || !text.is_char_boundary(range.end)
        {
            return Err(EditError::OutOfRange { range: range.clone(), len: text.len() });
        }
        previous_end = range.end;
    }
    let added: usize = sorted.iter().map(|(_, new_text)| new_text.len()).sum();
    let mut spliced = String::with_capacity(text.len() + added);
    let mut at = 0;
    for (range, new_text) in &sorted {
        spliced.push_str(&text[at..range.start]);
        spliced.push_str(new_text);
        at = range.end;
    }
    spliced.push_str(&text[at..]);
    Ok(spliced)
}

/// Where text inserted at `start` ends.
fn point_after(start: Point, inserted: &str) -> Point {
    match inserted.rfind('\n') {
        Some(last) => Point { row: start.row + inserted.matches('\n').count(), column: inserted.len() - last - 1 },
        None => Point { row: start.row, column: start.column + inserted.len() },
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EditError {
    #[error("edit range {}..{} is outside the text (length {len}) or splits a character", range.start, range.end)]
    OutOfRange { range: Range<usize>, len: usize },
    #[error(transparent)]
    Parse(#[from] ParseError),
}

/// The 1-based line of the first place tree-sitter could not parse, in
/// document order.
pub fn first_error_line(tree: &Tree) -> Option<usize> {
    let mut cursor = tree.walk();
    loop {
        let node = cursor.node();
        if node.is_error() || node.is_missing() {
            return Some(node.start_position().row + 1);
        }
        // Only a subtree that holds an error is worth entering.
        if node.has_error() && cursor.goto_first_child() {
            continue;
        }
        while !cursor.goto_next_sibling() {
            if !cursor.goto_parent() {
                return None;
            }
        }
    }
}
