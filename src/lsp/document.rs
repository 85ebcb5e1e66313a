//! An open document: its text, tree and source model, its version, and the
//! line index for positions. Kept behind an `Arc` so a request works on the
//! version it started with while newer edits arrive.

use crate::python::{EditError, ParseError, SourceFile};

use crate::line_index::{LineIndex, LinePosition, PositionEncoding};

#[derive(Debug, Clone)]
pub struct Document {
    pub version: i32,
    pub file: SourceFile,
    pub index: LineIndex,
}

/// One change as the client sends it: a range in the text as it is before
/// this change (but after the previous ones), or the whole text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub range: Option<(LinePosition, LinePosition)>,
    pub text: String,
}

impl Document {
    pub fn new(text: String, version: i32) -> Result<Self, ParseError> {
        let index = LineIndex::new(&text);
        Ok(Document { version, file: SourceFile::parse(text)?, index })
    }

    pub fn text(&self) -> &str {
        self.file.text()
    }

    /// Applies the changes of one `didChange`, in order, each against the text
    /// the previous one left. The tree is updated incrementally.
    pub fn apply(&mut self, changes: &[Change], version: i32, encoding: PositionEncoding) -> Result<(), EditError> {
        for change in changes {
            match change.range {
                None => {
                    self.file = SourceFile::parse(change.text.clone())?;
                }
                Some((start, end)) => {
                    let text = self.file.text();
                    let start = self.index.offset(text, start, encoding);
                    let end = self.index.offset(text, end, encoding).max(start);
                    self.file.edit(start..end, &change.text)?;
                }
            }
            self.index = LineIndex::new(self.file.text());
        }
        self.version = version;
        Ok(())
    }

    pub fn offset(&self, position: LinePosition, encoding: PositionEncoding) -> usize {
        self.index.offset(self.text(), position, encoding)
    }

    pub fn position(&self, offset: usize, encoding: PositionEncoding) -> LinePosition {
        self.index.position(self.text(), offset, encoding)
    }
}
