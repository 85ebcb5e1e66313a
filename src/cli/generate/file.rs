//! One file through `generate`: read and parsed, planned, edited, checked
//! and (when asked) written back.

use std::path::Path;

use anyhow::{Context, Result, bail};

use super::Outcome;
use crate::cli::write::write_atomically;
use crate::engine::{self, DocstringWriter, EngineOptions};
use crate::files::{CheckedFile, read_checked};
use crate::python::{self, Module, SourceFile, source_text};

/// A file read, with its source model, and how to write it back. Its tree is
/// dropped once the source model is made: a batch holds many files at once.
pub(super) struct Loaded {
    bytes: Vec<u8>,
    encoding: source_text::SourceEncoding,
    bom: bool,
    pub text: String,
    pub module: Module,
    /// The absolute path, as cached answers are filed under it.
    pub name: String,
}

/// Reads and parses the file at `path`; `with_tree` sees it, by its absolute
/// name, before the tree is dropped.
pub(super) fn load<T>(path: &Path, with_tree: impl FnOnce(&str, &SourceFile) -> T) -> Result<(Loaded, T)> {
    let CheckedFile { bytes, encoding, bom, file } = read_checked(path)?;
    let name = canonical_name(path);
    let seen = with_tree(&name, &file);
    let (text, module) = file.into_text_and_module();
    Ok((Loaded { bytes, encoding, bom, text, module, name }, seen))
}

pub(super) type PlanResult = Result<engine::ModulePlan, engine::EngineError>;

/// Reads, plans, edits and writes one file; `options_for` gives the options
/// for the file read (what `--changed` leaves of the selection).
pub(super) fn process(
    path: &Path,
    options_for: &(dyn Fn(&Loaded) -> EngineOptions + Sync),
    writer: &dyn DocstringWriter,
    write: bool,
) -> Outcome {
    let started = std::time::Instant::now();
    let processed = load(path, |_, _| ()).and_then(|(loaded, ())| {
        let options = options_for(&loaded);
        let plan = engine::edits(Some(&loaded.name), &loaded.text, &loaded.module, &options, writer);
        finish(path, &loaded, plan, write)
    });
    let outcome = processed.unwrap_or_else(|error| Outcome::Skipped(format!("{error:#}")));
    tracing::debug!(path = %path.display(), elapsed_ms = started.elapsed().as_millis() as u64, "{}", outcome.describe());
    outcome
}

/// Applies `plan` to the loaded file, and writes it when asked.
pub(super) fn finish(path: &Path, loaded: &Loaded, plan: PlanResult, write: bool) -> Result<Outcome> {
    let Loaded { bytes, encoding, bom, text: original, .. } = loaded;
    let engine::ModulePlan { edits: planned, failures } = plan.with_context(|| path.display().to_string())?;
    // A file the stop left with docstrings unwritten stays as it was: every
    // file written is finished. (Its answers are cached: a new run picks up
    // where this one stopped.)
    if failures.iter().any(|failure| failure.error.is_interrupted()) {
        return Ok(Outcome::Unfinished { answered: planned.len(), failures });
    }
    if planned.is_empty() {
        return Ok(Outcome::Unchanged { failures });
    }
    let edits: Vec<_> = planned.iter().map(|p| (p.edit.range.clone(), p.edit.new_text.as_str())).collect();
    let edited = python::splice(original, &edits).with_context(|| path.display().to_string())?;
    // A last guard: the result must parse as cleanly as the original did. A
    // fresh parse: the original's tree is gone, and an incremental reparse of
    // a tree made long before costs as much.
    let parsed = python::parse_tree(&edited, None).with_context(|| path.display().to_string())?;
    if parsed.root_node().has_error() {
        bail!("{}: the edited text would not parse; the file is left as it was (please report this)", path.display());
    }
    if write {
        let new_bytes = source_text::encode(&edited, *encoding, *bom)
            .with_context(|| format!("{}: cannot be written back", path.display()))?;
        write_atomically(path, bytes, &new_bytes)?;
    }
    Ok(Outcome::Changed { original: original.clone(), edited, edits: planned, failures })
}

/// The file's absolute path, as cached answers are filed under it.
fn canonical_name(path: &Path) -> String {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()).display().to_string()
}
