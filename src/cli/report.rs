//! What the report commands (`coverage`, `complexity`, `markdown`) share: the
//! files they look at, read and parsed a thread per core, and the files they
//! could not read.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use rayon::prelude::*;
use serde::Serialize;

use crate::files::{FileFilter, python_files, read_checked};
use crate::python::SourceFile;

/// A file a report leaves out, and why (the message names the file).
#[derive(Debug, Serialize)]
pub struct Skipped {
    pub path: String,
    pub error: String,
}

/// One file's measure, or why it could not be taken.
pub enum Measured<T> {
    Done(String, T),
    Skipped(Skipped),
}

/// `measure` applied to each Python file under `paths` that reads, decodes
/// and parses without syntax errors, in path order; a file it fails on is
/// skipped too.
pub fn measure_files<T: Send>(
    paths: &[PathBuf],
    filter: &FileFilter,
    measure: impl Fn(&Path, &SourceFile) -> Result<T> + Sync,
) -> Result<Vec<Measured<T>>> {
    Ok(measure_each(&python_files(paths, filter)?, measure))
}

/// `measure` applied to each of `files` that reads, decodes and parses
/// without syntax errors, in their order; a file it fails on is skipped too.
pub fn measure_each<T: Send>(
    files: &[PathBuf],
    measure: impl Fn(&Path, &SourceFile) -> Result<T> + Sync,
) -> Vec<Measured<T>> {
    files
        .par_iter()
        .map(|path| {
            let display = path.display().to_string();
            let measured =
                read_checked(path).and_then(|checked| measure(path, &checked.file).with_context(|| display.clone()));
            match measured {
                Ok(value) => Measured::Done(display, value),
                Err(error) => Measured::Skipped(Skipped { path: display, error: format!("{error:#}") }),
            }
        })
        .collect()
}

/// Says on stderr which files were left out; their count.
pub fn report_skipped(skipped: &[&Skipped]) -> usize {
    for file in skipped {
        eprintln!("docwright: skipped {}", file.error);
    }
    skipped.len()
}
