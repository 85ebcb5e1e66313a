//! `docwright markdown`: Markdown documentation of a Python tree, a page per
//! module and an index, with each module's coverage and complexity figures
//! and, in a git repository, its last change.

use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};

use anyhow::{Context, Result, bail};

use super::report::{Measured, Skipped, measure_each, report_skipped};
use super::write::write_output;
use crate::files::{FileFilter, python_files};
use crate::git;
use crate::report::complexity::graphs;
use crate::report::coverage::{CoverageOptions, file_coverage};
use crate::report::markdown::{IndexEntry, ModuleDoc, index_page, module_page};

#[derive(clap::Args, Debug)]
pub struct MarkdownArgs {
    /// Files or directories to document.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// The directory the pages go to (made when missing).
    #[arg(long, short = 'o', value_name = "DIR", required = true)]
    pub output: PathBuf,
    /// Also document `_private` names.
    #[arg(long)]
    pub private: bool,
    #[command(flatten)]
    pub filter: super::FilterArgs,
}

/// One module's page, made by a worker.
struct Page {
    text: String,
    entry: IndexEntry,
    /// Why git could not say what last changed the file.
    git_error: Option<String>,
}

pub fn run(args: &MarkdownArgs) -> Result<i32> {
    if args.output.exists() && !args.output.is_dir() {
        bail!("{} is not a directory: -o names the directory the pages go to", args.output.display());
    }
    let filter = FileFilter::new(&args.filter.include, &args.filter.exclude)?;
    // Each file once, named after the path it was found under.
    let mut files = Vec::new();
    let mut names = HashMap::new();
    let mut seen = HashSet::new();
    for root in &args.paths {
        for file in python_files(std::slice::from_ref(root), &filter)? {
            if seen.insert(std::fs::canonicalize(&file).unwrap_or_else(|_| file.clone())) {
                names.insert(file.clone(), module_name(root, &file));
                files.push(file);
            }
        }
    }
    let measured = measure_each(&files, |path, file| {
        let name = names.get(path).cloned().unwrap_or_default();
        let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let coverage = file_coverage(&file_name, file, &CoverageOptions::default()).map(|c| c.tally());
        let graphs = graphs(file)?;
        let (last_change, git_error) = match git::last_change(path) {
            Ok(change) => (change, None),
            Err(error) => (None, Some(format!("{error:#}"))),
        };
        let doc = ModuleDoc {
            name: &name,
            file,
            coverage: coverage.unwrap_or_default(),
            graphs: &graphs,
            last_change: last_change.as_ref(),
            private: args.private,
        };
        let (text, entry) = module_page(&doc);
        Ok(Page { text, entry, git_error })
    });
    let mut pages = Vec::new();
    let mut skipped = Vec::new();
    // Which file each page is for: two paths given may name two modules alike.
    let mut taken: HashMap<String, String> = HashMap::new();
    for entry in measured {
        match entry {
            Measured::Done(path, page) => match taken.get(&page.entry.page) {
                Some(other) => skipped.push(Skipped {
                    path: path.clone(),
                    error: format!("{path}: its page {} is {other}'s already", page.entry.page),
                }),
                None => {
                    taken.insert(page.entry.page.clone(), path);
                    pages.push(page);
                }
            },
            Measured::Skipped(file) => skipped.push(file),
        }
    }
    // Once, not per file: git failing for one file fails for all of them.
    let git_errors: Vec<&str> = pages.iter().filter_map(|p| p.git_error.as_deref()).collect();
    if let Some(error) = git_errors.first() {
        let count = git_errors.len();
        let pages = if count == 1 { "page is" } else { "pages are" };
        eprintln!("docwright: warning: {count} {pages} written without their last change: {error}");
    }
    std::fs::create_dir_all(&args.output).with_context(|| format!("cannot make {}", args.output.display()))?;
    let mut entries = Vec::new();
    for page in pages {
        write_output(&args.output.join(&page.entry.page), page.text.as_bytes())?;
        entries.push(page.entry);
    }
    write_output(&args.output.join("index.md"), index_page(&entries).as_bytes())?;
    let skipped = report_skipped(&skipped.iter().collect::<Vec<_>>());
    eprintln!(
        "docwright: {} module page{} and index.md in {}",
        entries.len(),
        if entries.len() == 1 { "" } else { "s" },
        args.output.display()
    );
    Ok(i32::from(skipped > 0))
}

/// The dotted name of `file`, found under `root` (a path given): its path
/// below `root` (or, for a file given, below its directory), `.py` and a
/// package's `__init__` left out; that directory's own name first when it
/// is a package itself.
fn module_name(root: &Path, file: &Path) -> String {
    let base = if root.is_dir() { root } else { root.parent().unwrap_or(Path::new("")) };
    let base = if base.as_os_str().is_empty() { Path::new(".") } else { base };
    let mut parts: Vec<String> = Vec::new();
    if base.join("__init__.py").is_file()
        && let Some(name) = std::fs::canonicalize(base).ok().and_then(|b| b.file_name().map(|n| n.to_os_string()))
    {
        parts.push(name.to_string_lossy().into_owned());
    }
    let normal = |path: &Path| -> Vec<String> {
        path.components()
            .filter_map(|c| match c {
                Component::Normal(part) => Some(part.to_string_lossy().into_owned()),
                _ => None,
            })
            .collect()
    };
    let (base_parts, file_parts) = (normal(base), normal(file));
    let below = file_parts.strip_prefix(&base_parts[..]).unwrap_or(&file_parts[file_parts.len().saturating_sub(1)..]);
    parts.extend(below.iter().cloned());
    if let Some(last) = parts.last_mut()
        && let Some(stem) = last.strip_suffix(".py")
    {
        *last = stem.to_string();
    }
    if parts.len() > 1 && parts.last().is_some_and(|last| last == "__init__") {
        parts.pop();
    }
    parts.join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modules_are_named_below_the_path_given_with_a_package_s_own_name() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for file in ["pkg/__init__.py", "pkg/sub/__init__.py", "pkg/sub/mod.py", "tools/run.py", "top.py"] {
            let path = root.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "").unwrap();
        }
        let name = |given: &str, file: &str| module_name(&root.join(given), &root.join(file));
        assert_eq!(name("pkg", "pkg/__init__.py"), "pkg");
        assert_eq!(name("pkg", "pkg/sub/mod.py"), "pkg.sub.mod");
        assert_eq!(name("pkg", "pkg/sub/__init__.py"), "pkg.sub");
        assert_eq!(name("pkg/sub", "pkg/sub/mod.py"), "sub.mod", "a package given is named by itself");
        assert_eq!(name("", "pkg/sub/mod.py"), "pkg.sub.mod");
        assert_eq!(name("", "top.py"), "top");
        assert_eq!(name("tools", "tools/run.py"), "run", "not a package");
        assert_eq!(name("pkg/sub/mod.py", "pkg/sub/mod.py"), "sub.mod", "a file in a package");
        assert_eq!(name("pkg/__init__.py", "pkg/__init__.py"), "pkg");
        assert_eq!(name("tools/run.py", "tools/run.py"), "run");
        let relative = module_name(Path::new("."), Path::new("top.py"));
        assert_eq!(relative, "top");
    }
}
