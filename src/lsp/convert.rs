//! Every conversion between the protocol's types and ours lives here, so a
//! change of the LSP types crate stays in one file.

use tower_lsp_server::ls_types as lsp;

use super::document::{Change, Document};
use super::server::DiagnosticSettings;
use crate::docstring::insert::TextEdit;
use crate::engine::findings::{Finding, Problem};
use crate::line_index::{LinePosition, PositionEncoding};

pub fn line_position(position: lsp::Position) -> LinePosition {
    LinePosition { line: position.line, character: position.character }
}

pub fn lsp_position(position: LinePosition) -> lsp::Position {
    lsp::Position { line: position.line, character: position.character }
}

pub fn change(event: lsp::TextDocumentContentChangeEvent) -> Change {
    Change { range: event.range.map(|r| (line_position(r.start), line_position(r.end))), text: event.text }
}

/// The encoding to use: UTF-8 when the client offers it, else UTF-16 (which
/// every client must support).
pub fn negotiate_encoding(capabilities: &lsp::ClientCapabilities) -> PositionEncoding {
    let offered = capabilities.general.as_ref().and_then(|g| g.position_encodings.as_ref());
    if offered.is_some_and(|kinds| kinds.contains(&lsp::PositionEncodingKind::UTF8)) {
        PositionEncoding::Utf8
    } else {
        PositionEncoding::Utf16
    }
}

pub fn encoding_kind(encoding: PositionEncoding) -> lsp::PositionEncodingKind {
    match encoding {
        PositionEncoding::Utf8 => lsp::PositionEncodingKind::UTF8,
        PositionEncoding::Utf16 => lsp::PositionEncodingKind::UTF16,
    }
}

/// Our byte-range edits as protocol edits on `document`.
pub fn text_edits(document: &Document, edits: &[TextEdit], encoding: PositionEncoding) -> Vec<lsp::TextEdit> {
    edits
        .iter()
        .map(|edit| lsp::TextEdit {
            range: lsp::Range {
                start: lsp_position(document.position(edit.range.start, encoding)),
                end: lsp_position(document.position(edit.range.end, encoding)),
            },
            new_text: edit.new_text.clone(),
        })
        .collect()
}

/// A workspace edit of one document. With a version, the edit is tied to it,
/// so the client refuses it if the text has moved on; without one (a file read
/// from disk), it applies to whatever the file holds.
pub fn document_edit(uri: lsp::Uri, version: Option<i32>, edits: Vec<lsp::TextEdit>) -> lsp::WorkspaceEdit {
    lsp::WorkspaceEdit {
        document_changes: Some(lsp::DocumentChanges::Edits(vec![lsp::TextDocumentEdit {
            text_document: lsp::OptionalVersionedTextDocumentIdentifier { uri, version },
            edits: edits.into_iter().map(lsp::OneOf::Left).collect(),
        }])),
        ..lsp::WorkspaceEdit::default()
    }
}

/// Findings as diagnostics, severities as configured.
pub fn diagnostics(
    document: &Document,
    findings: &[Finding],
    encoding: PositionEncoding,
    settings: &DiagnosticSettings,
) -> Vec<lsp::Diagnostic> {
    findings
        .iter()
        .filter_map(|finding| {
            let severity = match finding.problem {
                Problem::Missing => settings.missing?,
                Problem::Stale(_) => settings.stale,
            };
            Some(lsp::Diagnostic {
                range: lsp::Range {
                    start: lsp_position(document.position(finding.range.start, encoding)),
                    end: lsp_position(document.position(finding.range.end, encoding)),
                },
                severity: Some(severity),
                code: Some(lsp::NumberOrString::String(finding.code().to_string())),
                source: Some("docwright".to_string()),
                message: finding.message(),
                ..lsp::Diagnostic::default()
            })
        })
        .collect()
}
