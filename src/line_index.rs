//! The one place where positions (line, character) become byte offsets
//! and back, in the encoding negotiated with the client.

/// How a client counts characters within a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum PositionEncoding {
    /// UTF-16 code units: the protocol's default, what VS Code speaks.
    #[default]
    Utf16,
    /// Bytes of UTF-8: no conversion at all, preferred when offered.
    Utf8,
}

/// A position as the editor sends it: 0-based line and character.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LinePosition {
    pub line: u32,
    pub character: u32,
}

/// Line starts of a text, for conversions in both directions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineIndex {
    /// Byte offset where each line starts; the first is 0. A line ends at the
    /// next start (its `\n`, and a `\r` before it, belong to it).
    starts: Vec<usize>,
    len: usize,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut starts = Vec::with_capacity(text.len() / 32 + 1);
        starts.push(0);
        starts.extend(text.bytes().enumerate().filter(|(_, b)| *b == b'\n').map(|(i, _)| i + 1));
        LineIndex { starts, len: text.len() }
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// The byte offset of `position` in `text` (the text this index was built
    /// from). Out-of-range positions are clamped, as the protocol asks: a line
    /// past the end means the end of the text, a character past the end of its
    /// line means the end of the line (before its line ending), and a position
    /// inside a character (half a surrogate pair) means the character's start.
    pub fn offset(&self, text: &str, position: LinePosition, encoding: PositionEncoding) -> usize {
        let Some(&line_start) = self.starts.get(position.line as usize) else {
            return self.len;
        };
        let line_end = self.content_end(text, position.line as usize);
        let line = &text[line_start..line_end];
        let wanted = position.character as usize;
        match encoding {
            PositionEncoding::Utf8 => {
                let mut at = wanted.min(line.len());
                while !line.is_char_boundary(at) {
                    at -= 1;
                }
                line_start + at
            }
            PositionEncoding::Utf16 => {
                let mut units = 0;
                for (index, c) in line.char_indices() {
                    let next = units + c.len_utf16();
                    if next > wanted {
                        return line_start + index;
                    }
                    units = next;
                }
                line_end
            }
        }
    }

    /// The position of byte `offset` (clamped to the text and moved back to a
    /// character boundary).
    pub fn position(&self, text: &str, offset: usize, encoding: PositionEncoding) -> LinePosition {
        let mut offset = offset.min(self.len).min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&start| start <= offset).saturating_sub(1);
        let line_start = self.starts[line];
        let before = &text[line_start..offset];
        let character = match encoding {
            PositionEncoding::Utf8 => before.len(),
            PositionEncoding::Utf16 => before.chars().map(char::len_utf16).sum(),
        };
        LinePosition {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            character: u32::try_from(character).unwrap_or(u32::MAX),
        }
    }

    /// Where line `line`'s content ends: before its `\n` or `\r\n`.
    fn content_end(&self, text: &str, line: usize) -> usize {
        let end = self.starts.get(line + 1).map_or(self.len, |&next| next - 1);
        let start = self.starts[line];
        if end < self.len
            && text.as_bytes().get(end) == Some(&b'\n')
            && end > start
            && text.as_bytes()[end - 1] == b'\r'
        {
            end - 1
        } else {
            end
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(line: u32, character: u32) -> LinePosition {
        LinePosition { line, character }
    }

    #[test]
    fn utf16_counts_surrogate_pairs_and_utf8_counts_bytes() {
        let text = "a😀b\nxé\n";
        let index = LineIndex::new(text);
        // 😀 is 2 UTF-16 units and 4 bytes.
        assert_eq!(index.offset(text, at(0, 3), PositionEncoding::Utf16), 5);
        assert_eq!(index.offset(text, at(0, 5), PositionEncoding::Utf8), 5);
        assert_eq!(index.position(text, 5, PositionEncoding::Utf16), at(0, 3));
        assert_eq!(index.position(text, 5, PositionEncoding::Utf8), at(0, 5));
        assert_eq!(index.offset(text, at(1, 2), PositionEncoding::Utf16), text.find('\n').unwrap() + 1 + 3);
    }

    #[test]
    fn out_of_range_positions_are_clamped() {
        let text = "ab\r\ncd";
        let index = LineIndex::new(text);
        assert_eq!(index.offset(text, at(0, 99), PositionEncoding::Utf16), 2, "end of line, before CRLF");
        assert_eq!(index.offset(text, at(7, 0), PositionEncoding::Utf16), text.len());
        assert_eq!(index.offset(text, at(1, 99), PositionEncoding::Utf8), text.len());
        assert_eq!(index.position(text, 999, PositionEncoding::Utf16), at(1, 2));
        let emoji = "😀";
        let index = LineIndex::new(emoji);
        assert_eq!(index.offset(emoji, at(0, 1), PositionEncoding::Utf16), 0, "inside a surrogate pair");
        assert_eq!(index.offset(emoji, at(0, 2), PositionEncoding::Utf8), 0, "inside a UTF-8 sequence");
        assert_eq!(index.position(emoji, 2, PositionEncoding::Utf16), at(0, 0));
    }

    #[test]
    fn empty_text_and_trailing_newline() {
        let index = LineIndex::new("");
        assert_eq!(index.offset("", at(0, 0), PositionEncoding::Utf16), 0);
        assert_eq!(index.position("", 0, PositionEncoding::Utf16), at(0, 0));
        let text = "x\n";
        let index = LineIndex::new(text);
        assert_eq!(index.line_count(), 2);
        assert_eq!(index.position(text, 2, PositionEncoding::Utf16), at(1, 0));
        assert_eq!(index.offset(text, at(1, 0), PositionEncoding::Utf16), 2);
    }
}
