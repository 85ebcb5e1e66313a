//! The batch commands: `docwright.generateFile` and
//! `docwright.generateWorkspace`. They answer at once and work in the
//! background: work-done progress ("37/240"), cancellable from the editor,
//! each file's edit applied as soon as it is ready.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tower_lsp_server::Client;
use tower_lsp_server::ls_types as lsp;

use super::convert;
use super::document::Document;
use crate::engine::{self, DocstringWriter, EngineOptions, Mode};
use crate::files::{FileFilter, python_files, read_source};
use crate::line_index::PositionEncoding;

pub const GENERATE_FILE: &str = "docwright.generateFile";
pub const GENERATE_WORKSPACE: &str = "docwright.generateWorkspace";

/// How long to wait for the editor to answer one of our requests.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(10);

/// One file to document: open in the editor (its current version), or only on
/// disk.
pub enum Job {
    Open { uri: lsp::Uri, document: Arc<Document> },
    OnDisk { path: PathBuf },
}

/// What a batch run needs from the server, captured when it starts.
pub struct Batch {
    pub client: Client,
    pub token: String,
    pub cancelled: Arc<AtomicBool>,
    pub encoding: PositionEncoding,
    pub options: EngineOptions,
    pub progress: bool,
    /// Writes the docstrings: the model when one is configured.
    pub writer: Arc<dyn DocstringWriter>,
}

/// The `.py` files under `roots`, with the open documents' current versions in
/// place of what is on disk.
pub fn workspace_jobs(roots: &[PathBuf], open: &HashMap<lsp::Uri, Arc<Document>>) -> Vec<Job> {
    let files = python_files(roots, &FileFilter::default()).unwrap_or_default();
    let open_paths: HashMap<PathBuf, (&lsp::Uri, &Arc<Document>)> =
        open.iter().filter_map(|(uri, document)| Some((uri.to_file_path()?.into_owned(), (uri, document)))).collect();
    files
        .into_iter()
        .map(|path| {
            let canonical = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
            match open_paths.get(&path).or_else(|| open_paths.get(&canonical)) {
                Some((uri, document)) => Job::Open { uri: (*uri).clone(), document: Arc::clone(document) },
                None => Job::OnDisk { path },
            }
        })
        .collect()
}

/// Documents every job in turn, applying each file's edit as it is ready.
pub async fn run(batch: Batch, title: &str, jobs: Vec<Job>) {
    let total = jobs.len();
    let progress = if batch.progress {
        let token = lsp::ProgressToken::String(batch.token.clone());
        let created = tokio::time::timeout(CLIENT_TIMEOUT, batch.client.create_work_done_progress(token.clone())).await;
        match created {
            Ok(Ok(())) => Some(
                batch
                    .client
                    .progress(token, title)
                    .with_percentage(0)
                    .with_cancel_button()
                    .with_message(format!("0/{total}"))
                    .begin()
                    .await,
            ),
            _ => None,
        }
    } else {
        None
    };
    let (mut files, mut docstrings, mut skipped) = (0, 0, 0);
    let mut done = 0;
    for job in jobs {
        if batch.cancelled.load(Ordering::Relaxed) {
            break;
        }
        match edit_for(&job, &batch).await {
            Ok(Some((edit, count))) => {
                let applied = tokio::time::timeout(CLIENT_TIMEOUT, batch.client.apply_edit(edit)).await;
                match applied {
                    Ok(Ok(response)) if response.applied => {
                        files += 1;
                        docstrings += count;
                    }
                    _ => skipped += 1,
                }
            }
            Ok(None) => {}
            Err(reason) => {
                skipped += 1;
                tracing::warn!("{reason}");
            }
        }
        done += 1;
        if let Some(progress) = &progress {
            let percentage = u32::try_from(done * 100 / total.max(1)).unwrap_or(100);
            progress.report_with_message(format!("{done}/{total}"), percentage, None).await;
        }
    }
    let mut summary = format!("{} written in {}", count(docstrings, "docstring"), count(files, "file"));
    if skipped > 0 {
        summary.push_str(&format!(", {} skipped (see the log)", count(skipped, "file")));
    }
    if done < total {
        summary.push_str(&format!("; cancelled after {done}/{total} files"));
    }
    match progress {
        Some(progress) => progress.finish_with_message(summary).await,
        None => batch.client.show_message(lsp::MessageType::INFO, format!("docwright: {summary}")).await,
    }
}

/// The workspace edit for one job and how many docstrings it writes.
async fn edit_for(job: &Job, batch: &Batch) -> Result<Option<(lsp::WorkspaceEdit, usize)>, String> {
    let mut options = batch.options.clone();
    options.mode = Mode::Missing;
    let encoding = batch.encoding;
    let writer = Arc::clone(&batch.writer);
    // Parsing, and waiting on a model: off the async threads.
    let computed = match job {
        // The open document's own version: the editor refuses the edit if it
        // has moved on.
        Job::Open { uri, document } => {
            let (uri, document) = (uri.clone(), Arc::clone(document));
            tokio::task::spawn_blocking(move || {
                // Named by its path, as the workspace index and cached
                // answers know it.
                let name = uri.to_file_path().map_or_else(|| uri.as_str().to_string(), |p| p.display().to_string());
                file_edit(&document, uri, Some(document.version), &name, &options, encoding, &*writer)
            })
            .await
        }
        Job::OnDisk { path } => {
            let path = path.clone();
            tokio::task::spawn_blocking(move || {
                let (_, source) = read_source(&path).map_err(|e| format!("{e:#}"))?;
                let document = Document::new(source.text, 0).map_err(|e| format!("{}: {e}", path.display()))?;
                let uri = lsp::Uri::from_file_path(&path).ok_or_else(|| format!("{} has no URI", path.display()))?;
                // Computed from the disk: no version to tie it to.
                file_edit(&document, uri, None, &path.display().to_string(), &options, encoding, &*writer)
            })
            .await
        }
    };
    computed.map_err(|e| e.to_string())?
}

/// The missing docstrings of one document as a workspace edit, and how many.
fn file_edit(
    document: &Document,
    uri: lsp::Uri,
    version: Option<i32>,
    name: &str,
    options: &EngineOptions,
    encoding: PositionEncoding,
    writer: &dyn DocstringWriter,
) -> Result<Option<(lsp::WorkspaceEdit, usize)>, String> {
    let module = document.file.module();
    if module.has_syntax_errors {
        return Err(format!("{name} has syntax errors; skipped"));
    }
    let plan = engine::edits(Some(name), document.text(), module, options, writer).map_err(|e| e.to_string())?;
    for failure in &plan.failures {
        tracing::warn!("{name}:{}: {}: {}", failure.line, failure.qualname, failure.error);
    }
    let planned = plan.edits;
    if planned.is_empty() {
        return Ok(None);
    }
    let edits: Vec<_> = planned.iter().map(|p| p.edit.clone()).collect();
    let edits = convert::text_edits(document, &edits, encoding);
    Ok(Some((convert::document_edit(uri, version, edits), planned.len())))
}

/// `1 file`, `3 files`.
pub(super) fn count(n: usize, noun: &str) -> String {
    if n == 1 { format!("1 {noun}") } else { format!("{n} {noun}s") }
}
