//! Parsing cost of the source model against bare tree-sitter parsing.
//!
//! `cargo bench --bench parse -- DIR` reads every `.py` file under DIR (default:
//! the Python standard library without site-packages) into memory, then times,
//! on one thread: tree-sitter parsing alone, and parsing plus building the
//! source model. The ratio is the extraction's overhead.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn python_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.file_name().is_some_and(|n| n == "site-packages") {
            continue;
        }
        if path.is_dir() {
            python_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "py") {
            out.push(path);
        }
    }
}

fn stdlib() -> PathBuf {
    let out = std::process::Command::new("python3")
        .args(["-c", "import sysconfig; print(sysconfig.get_paths()['stdlib'])"])
        .output()
        .expect("python3 runs");
    PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
}

fn best_of<F: FnMut() -> usize>(runs: usize, mut f: F) -> (Duration, usize) {
    let mut best = Duration::MAX;
    let mut result = 0;
    for _ in 0..runs {
        let start = Instant::now();
        result = f();
        best = best.min(start.elapsed());
    }
    (best, result)
}

fn main() {
    docwright::allocator::install_for_tree_sitter();
    let dir = std::env::args().skip(1).find(|a| !a.starts_with('-')).map(PathBuf::from).unwrap_or_else(stdlib);
    let mut files = Vec::new();
    python_files(&dir, &mut files);
    let sources: Vec<String> = files
        .iter()
        .filter_map(|p| std::fs::read(p).ok())
        .filter_map(|b| docwright::python::source_text::decode(&b).ok())
        .map(|s| s.text)
        .collect();
    let bytes: usize = sources.iter().map(String::len).sum();
    println!("{} files, {:.1} MB from {}", sources.len(), bytes as f64 / 1e6, dir.display());

    let (parse, nodes) = best_of(3, || {
        sources
            .iter()
            .map(|s| docwright::python::parse_tree(s, None).map(|t| t.root_node().descendant_count()).unwrap_or(0))
            .sum()
    });
    let (model, definitions) = best_of(3, || {
        sources.iter().map(|s| docwright::python::parse_module(s).map(|m| m.definitions.len()).unwrap_or(0)).sum()
    });
    println!("tree-sitter parse only:   {:>8.3} s  ({nodes} nodes)", parse.as_secs_f64());
    println!("parse + source model:     {:>8.3} s  ({definitions} definitions)", model.as_secs_f64());
    println!("ratio (model / parse):    {:>8.3}", model.as_secs_f64() / parse.as_secs_f64());
}
