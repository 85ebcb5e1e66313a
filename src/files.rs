//! Finding the Python files a command works on, and reading them: shared by
//! the CLI and the language server's workspace command.

use std::collections::HashSet;
use std::path::{Component, Path, PathBuf};

use anyhow::{Context, Result, bail};
use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};
use ignore::WalkBuilder;

use crate::python::source_text::{self, SourceEncoding, SourceText};
use crate::python::{SourceFile, first_error_line};

/// Which files under the given paths a command sees.
#[derive(Debug, Clone, Default)]
pub struct FileFilter {
    include: Option<GlobSet>,
    exclude: Option<GlobSet>,
}

impl FileFilter {
    pub fn new(include: &[String], exclude: &[String]) -> Result<Self> {
        Ok(FileFilter { include: glob_set(include, "--include")?, exclude: glob_set(exclude, "--exclude")? })
    }

    /// `relative` is the path below the root the user named.
    fn admits(&self, relative: &Path) -> bool {
        self.include.as_ref().is_none_or(|set| set.is_match(relative)) && !self.excludes(relative)
    }

    fn excludes(&self, relative: &Path) -> bool {
        self.exclude.as_ref().is_some_and(|set| set.is_match(relative))
    }
}

fn glob_set(patterns: &[String], flag: &str) -> Result<Option<GlobSet>> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let mut builder = GlobSetBuilder::new();
    for pattern in patterns {
        let invalid = || format!("invalid {flag} pattern `{pattern}`");
        // Read like a .gitignore line: a trailing slash only marks a directory
        // (`build/` matches at any depth, like `build`), and a leading slash
        // anchors the pattern at the root like a slash in the middle does.
        let bare = pattern.trim_end_matches('/');
        let anchored = bare.contains('/');
        let bare = bare.trim_start_matches('/');
        if bare.is_empty() {
            bail!("{}: it matches nothing", invalid());
        }
        // A pattern without a slash matches at any depth.
        let full = if anchored { bare.to_string() } else { format!("**/{bare}") };
        builder.add(glob(&full).with_context(invalid)?);
        if full.ends_with("/**") {
            continue;
        }
        // A directory pattern also covers everything under it.
        builder.add(glob(&format!("{full}/**")).with_context(invalid)?);
    }
    Ok(Some(builder.build()?))
}

/// `*` and `?` stop at a slash, as in a shell or a .gitignore (globset's
/// default lets them cross it, so `tests/*.py` took `tests/deep/x.py` too);
/// `**` crosses directories.
fn glob(pattern: &str) -> Result<Glob, globset::Error> {
    GlobBuilder::new(pattern).literal_separator(true).build()
}

/// The `.py` files under `paths`, in a stable order. Directories are walked the
/// way git sees them (`.gitignore`, `.ignore`, hidden files skipped); a file
/// named explicitly is always taken.
pub fn python_files(paths: &[PathBuf], filter: &FileFilter) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for root in paths {
        let metadata = std::fs::metadata(root).with_context(|| format!("cannot read {}", root.display()))?;
        if metadata.is_file() {
            files.push(tidy(root));
            continue;
        }
        if !metadata.is_dir() {
            bail!("{} is neither a file nor a directory", root.display());
        }
        let mut found = Vec::new();
        // An excluded directory is not walked at all.
        let excluded_directory = {
            let (root, filter) = (root.clone(), filter.clone());
            move |entry: &ignore::DirEntry| {
                let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
                let relative = entry.path().strip_prefix(&root).unwrap_or(entry.path());
                !(is_dir && entry.depth() > 0 && filter.excludes(relative))
            }
        };
        let walker = WalkBuilder::new(root).sort_by_file_path(|a, b| a.cmp(b)).filter_entry(excluded_directory).build();
        for entry in walker {
            let entry = entry.with_context(|| format!("cannot walk {}", root.display()))?;
            let path = entry.path();
            let is_file = entry.file_type().is_some_and(|t| t.is_file());
            if !is_file || path.extension().is_none_or(|e| e != "py") {
                continue;
            }
            let relative = path.strip_prefix(root).unwrap_or(path);
            if filter.admits(relative) {
                found.push(tidy(path));
            }
        }
        files.extend(found);
    }
    // The same file named twice (`pkg pkg/a.py`, `a.py ./a.py`, a symlink and
    // its target) is worked on once: two parallel writes of one file would
    // race, and the counts would be wrong.
    let mut seen = HashSet::new();
    files.retain(|path| seen.insert(std::fs::canonicalize(path).unwrap_or_else(|_| path.clone())));
    if files.is_empty() {
        // Otherwise a mistyped --include or a directory without Python files
        // looks like a clean run.
        eprintln!(
            "docwright: warning: no Python files found (only .py files are read, and .gitignore and hidden files are skipped)"
        );
    }
    Ok(files)
}

/// `path` without leading `./` components, so that `docwright generate .`
/// prints `pkg/a.py` (and diff headers `a/pkg/a.py`), not `./pkg/a.py`.
fn tidy(path: &Path) -> PathBuf {
    let tidied: PathBuf = path.components().skip_while(|c| matches!(c, Component::CurDir)).collect();
    if tidied.as_os_str().is_empty() { path.to_path_buf() } else { tidied }
}

/// Reads, decodes and parses one source file, for what is only looked at
/// (the workspace index); `None` when it cannot be read or parsed.
pub fn read_parsed(path: &Path) -> Option<SourceFile> {
    let (_, source) = read_source(path).ok()?;
    SourceFile::parse(source.text).ok()
}

/// A source file read, decoded and parsed without syntax errors: what a
/// command that edits it or reports on it needs.
pub struct CheckedFile {
    pub bytes: Vec<u8>,
    pub encoding: SourceEncoding,
    pub bom: bool,
    pub file: SourceFile,
}

/// Reads, decodes and parses one source file, refusing one with syntax errors
/// (tree-sitter's reading of a broken file is a guess, not something to edit
/// or count); the error says which file and why, and where the first syntax
/// error is.
pub fn read_checked(path: &Path) -> Result<CheckedFile> {
    let (bytes, source) = read_source(path)?;
    let (encoding, bom) = (source.encoding, source.bom);
    let file = SourceFile::parse(source.text).with_context(|| path.display().to_string())?;
    if file.has_syntax_errors() {
        // Say where, or the user is left searching the file.
        let near =
            first_error_line(file.tree()).map(|line| format!(" (the first near line {line})")).unwrap_or_default();
        bail!("{}: has syntax errors{near}; fix them first", path.display());
    }
    Ok(CheckedFile { bytes, encoding, bom, file })
}

/// Reads and decodes one source file; the error says which file and why.
pub fn read_source(path: &Path) -> Result<(Vec<u8>, SourceText)> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let text = source_text::decode(&bytes).with_context(|| path.display().to_string())?;
    Ok((bytes, text))
}
