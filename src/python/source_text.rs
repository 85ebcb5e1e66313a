//! Turning the bytes of a `.py` file into text and back, byte for byte.
//!
//! Python reads source as UTF-8 unless a BOM or a PEP 263 declaration
//! (`# -*- coding: latin-1 -*-` on line 1 or 2) says otherwise. docwright edits
//! the decoded text, so a file is only accepted when encoding the decoded text
//! gives back exactly the original bytes; then every byte outside an edit is
//! kept, whatever the encoding.

use std::borrow::Cow;

use encoding_rs::Encoding;

/// The text of a source file and how to write it back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceText {
    /// The decoded text, without a BOM.
    pub text: String,
    pub encoding: SourceEncoding,
    /// The file started with a UTF-8 byte order mark.
    pub bom: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceEncoding {
    Utf8,
    /// ISO-8859-1: every byte is the code point of the same value.
    Latin1,
    /// Any other encoding `encoding_rs` knows by the declared label.
    Other(&'static Encoding),
}

impl SourceEncoding {
    pub fn name(self) -> &'static str {
        match self {
            SourceEncoding::Utf8 => "utf-8",
            SourceEncoding::Latin1 => "latin-1",
            SourceEncoding::Other(encoding) => encoding.name(),
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DecodeError {
    #[error(
        "not valid UTF-8 (first bad byte at offset {offset}); declare the encoding with a `# -*- coding: ... -*-` line"
    )]
    InvalidUtf8 { offset: usize },
    #[error("not valid {encoding}, the encoding it declares on line {line}")]
    InvalidDeclared { encoding: &'static str, line: usize },
    #[error("declares the encoding `{label}` on line {line}, which is not known")]
    UnknownEncoding { label: String, line: usize },
    #[error("its {encoding} text does not convert back to the same bytes, so it cannot be edited safely")]
    NotRoundTrip { encoding: &'static str },
    #[error("has a UTF-8 byte order mark but declares `{label}`")]
    BomConflict { label: String },
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("the new text has characters that {encoding} cannot represent")]
pub struct EncodeError {
    pub encoding: &'static str,
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Decodes the bytes of a Python source file.
pub fn decode(bytes: &[u8]) -> Result<SourceText, DecodeError> {
    let (bom, body) = match bytes.strip_prefix(BOM) {
        Some(rest) => (true, rest),
        None => (false, bytes),
    };
    let declared = declared_encoding(body);
    let encoding = match &declared {
        None => SourceEncoding::Utf8,
        Some((label, line)) => {
            let encoding = encoding_for_label(label)
                .ok_or_else(|| DecodeError::UnknownEncoding { label: label.clone(), line: *line })?;
            // Python's rule: with a BOM, only a declaration whose normal name is
            // exactly `utf-8` is allowed (`utf8` is refused).
            if bom && !is_python_utf8_name(label) {
                return Err(DecodeError::BomConflict { label: label.clone() });
            }
            encoding
        }
    };
    let text = match encoding {
        SourceEncoding::Utf8 => match std::str::from_utf8(body) {
            Ok(text) => text.to_string(),
            Err(error) => {
                let offset = error.valid_up_to() + if bom { BOM.len() } else { 0 };
                return Err(match declared {
                    Some((_, line)) => DecodeError::InvalidDeclared { encoding: "utf-8", line },
                    None => DecodeError::InvalidUtf8 { offset },
                });
            }
        },
        SourceEncoding::Latin1 => body.iter().map(|&b| char::from(b)).collect(),
        SourceEncoding::Other(enc) => {
            let line = declared.as_ref().map_or(1, |(_, line)| *line);
            let (text, had_errors) = enc.decode_without_bom_handling(body);
            // encoding_rs decodes the bytes that Python's `cp125x` / `cp874`
            // codecs leave undefined (0x81 in cp1252, ...) as C1 controls, which
            // those codecs never produce; Python refuses such a file.
            let undefined_byte =
                enc.name().starts_with("windows-") && text.chars().any(|c| matches!(c, '\u{80}'..='\u{9f}'));
            if had_errors || undefined_byte {
                return Err(DecodeError::InvalidDeclared { encoding: enc.name(), line });
            }
            let text = text.into_owned();
            let (back, _, unmappable) = enc.encode(&text);
            if unmappable || back.as_ref() != body {
                return Err(DecodeError::NotRoundTrip { encoding: enc.name() });
            }
            text
        }
    };
    Ok(SourceText { text, encoding, bom })
}

/// Encodes edited text back to bytes in the file's encoding.
pub fn encode(text: &str, encoding: SourceEncoding, bom: bool) -> Result<Vec<u8>, EncodeError> {
    let mut out = Vec::with_capacity(text.len() + 3);
    if bom {
        out.extend_from_slice(BOM);
    }
    match encoding {
        SourceEncoding::Utf8 => out.extend_from_slice(text.as_bytes()),
        SourceEncoding::Latin1 => {
            for c in text.chars() {
                let byte = u8::try_from(u32::from(c)).map_err(|_| EncodeError { encoding: "latin-1" })?;
                out.push(byte);
            }
        }
        SourceEncoding::Other(enc) => {
            let (bytes, _, unmappable): (Cow<'_, [u8]>, _, bool) = enc.encode(text);
            if unmappable {
                return Err(EncodeError { encoding: enc.name() });
            }
            out.extend_from_slice(&bytes);
        }
    }
    Ok(out)
}

/// The PEP 263 declaration: label and 1-based line. Only line 1, or line 2 when
/// line 1 is a comment or blank, may carry it.
fn declared_encoding(bytes: &[u8]) -> Option<(String, usize)> {
    let mut lines = bytes.split(|&b| b == b'\n');
    let first = lines.next()?;
    if let Some(label) = coding_label(first) {
        return Some((label, 1));
    }
    let first_trimmed = trim_ascii_ws(first);
    if !first_trimmed.is_empty() && !first_trimmed.starts_with(b"#") {
        return None;
    }
    coding_label(lines.next()?).map(|label| (label, 2))
}

/// The label of `coding[:=]\s*([-\w.]+)` in a comment-only line.
fn coding_label(line: &[u8]) -> Option<String> {
    let trimmed = line.iter().position(|&b| !matches!(b, b' ' | b'\t' | b'\x0c')).map(|i| &line[i..])?;
    if !trimmed.starts_with(b"#") {
        return None;
    }
    // Like Python's tokenizer, a `coding` without `:`/`=` and a label after it
    // does not end the search: `# this coding thing; coding: latin-1` declares.
    (0..trimmed.len()).filter(|&at| trimmed[at..].starts_with(b"coding")).find_map(|at| {
        let rest = &trimmed[at + 6..];
        let rest = rest.strip_prefix(b":").or_else(|| rest.strip_prefix(b"="))?;
        let rest = &rest[rest.iter().position(|&b| b != b' ' && b != b'\t').unwrap_or(rest.len())..];
        let end = rest
            .iter()
            .position(|&b| !(b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')))
            .unwrap_or(rest.len());
        (end > 0).then(|| String::from_utf8_lossy(&rest[..end]).into_owned())
    })
}

fn trim_ascii_ws(line: &[u8]) -> &[u8] {
    let start = line.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(line.len());
    &line[start..]
}

/// Python's `tokenize.get_normal_name(label) == "utf-8"`.
fn is_python_utf8_name(label: &str) -> bool {
    let normal: String = label.chars().take(12).collect::<String>().to_ascii_lowercase().replace('_', "-");
    normal == "utf-8" || normal.starts_with("utf-8-")
}

/// Python's codec names mapped to ours. Python normalises `_` to `-` and
/// lowercases; `latin-1` and friends are true ISO-8859-1 (not windows-1252, which
/// is what the web's `latin1` label means).
fn encoding_for_label(label: &str) -> Option<SourceEncoding> {
    let normal = label.to_ascii_lowercase().replace('_', "-");
    if matches!(normal.as_str(), "utf-8" | "utf8" | "u8" | "utf" | "cp65001") || normal.starts_with("utf-8-") {
        return Some(SourceEncoding::Utf8);
    }
    if matches!(
        normal.as_str(),
        "latin-1" | "latin1" | "iso-8859-1" | "iso8859-1" | "8859" | "cp819" | "latin" | "l1" | "iso-latin-1"
    ) {
        return Some(SourceEncoding::Latin1);
    }
    if normal == "ascii" || normal == "us-ascii" {
        // ASCII is a subset of UTF-8; non-ASCII bytes are then invalid.
        return Some(SourceEncoding::Utf8);
    }
    Encoding::for_label(normal.as_bytes()).map(SourceEncoding::Other)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_utf8_and_bom() {
        let decoded = decode("x = 'é'\n".as_bytes()).unwrap();
        assert_eq!(decoded.text, "x = 'é'\n");
        assert!(!decoded.bom);
        let with_bom = decode(b"\xEF\xBB\xBFx = 1\n").unwrap();
        assert!(with_bom.bom);
        assert_eq!(with_bom.text, "x = 1\n");
        assert_eq!(encode(&with_bom.text, with_bom.encoding, true).unwrap(), b"\xEF\xBB\xBFx = 1\n");
    }

    #[test]
    fn declared_latin1_round_trips() {
        let bytes = b"# -*- coding: latin-1 -*-\nname = '\xe9\x80'\n";
        let decoded = decode(bytes).unwrap();
        assert_eq!(decoded.encoding, SourceEncoding::Latin1);
        assert!(decoded.text.contains('\u{e9}'));
        assert!(decoded.text.contains('\u{80}'));
        assert_eq!(encode(&decoded.text, decoded.encoding, false).unwrap(), bytes);
    }

    #[test]
    fn declaration_on_second_line_after_shebang() {
        let bytes = b"#!/usr/bin/env python\n# vim: set fileencoding=iso-8859-15 :\nx = '\xa4'\n";
        let decoded = decode(bytes).unwrap();
        assert_eq!(decoded.encoding.name(), "ISO-8859-15");
        assert!(decoded.text.contains('€'));
        assert_eq!(encode(&decoded.text, decoded.encoding, false).unwrap(), bytes);
    }

    #[test]
    fn declaration_after_code_is_ignored() {
        let bytes = b"import os\n# coding: latin-1\n";
        assert_eq!(decode(bytes).unwrap().encoding, SourceEncoding::Utf8);
    }

    #[test]
    fn errors_say_what_is_wrong() {
        assert_eq!(decode(b"x = '\xff'\n"), Err(DecodeError::InvalidUtf8 { offset: 5 }));
        assert!(matches!(decode(b"# coding: klingon\n"), Err(DecodeError::UnknownEncoding { line: 1, .. })));
        assert!(matches!(
            decode(b"# coding: utf-8\nx = '\xff'\n"),
            Err(DecodeError::InvalidDeclared { encoding: "utf-8", line: 1 })
        ));
        assert!(matches!(decode(b"\xEF\xBB\xBF# coding: latin-1\n"), Err(DecodeError::BomConflict { .. })));
        assert!(matches!(decode(b"\xEF\xBB\xBF# coding: utf8\n"), Err(DecodeError::BomConflict { .. })));
        assert!(decode(b"\xEF\xBB\xBF# coding: UTF_8\n").is_ok());
    }

    #[test]
    fn unencodable_text_is_refused() {
        assert_eq!(encode("€", SourceEncoding::Latin1, false), Err(EncodeError { encoding: "latin-1" }));
    }
}
