//! Cost of the stale-docstring checks a language server runs on every change.
//!
//! `cargo bench --bench staleness -- DIR` parses every `.py` file under DIR
//! (default: the Python standard library without site-packages) once, then
//! times, on one thread, `staleness::findings` over every definition that has a
//! docstring (each call parses the docstring), and prints the time per
//! definition. With `--list`, it also prints every finding.

mod common;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use common::{python_files, stdlib};

use docwright::docstring::staleness::findings;

fn main() {
    docwright::allocator::install_for_tree_sitter();
    let dir = std::env::args().skip(1).find(|a| !a.starts_with('-')).map(PathBuf::from).unwrap_or_else(stdlib);
    let mut files = Vec::new();
    python_files(&dir, &mut files);
    let mut definitions = Vec::new();
    let mut paths = Vec::new();
    for path in &files {
        let Some(source) = std::fs::read(path).ok().and_then(|b| docwright::python::source_text::decode(&b).ok())
        else {
            continue;
        };
        let Ok(module) = docwright::python::parse_module(&source.text) else { continue };
        for def in module.definitions.into_iter().filter(|d| d.docstring.is_some()) {
            definitions.push(def);
            paths.push(path);
        }
    }
    let total = definitions.len();
    println!("{} files, {total} definitions with a docstring, from {}", files.len(), dir.display());

    let mut best = Duration::MAX;
    let mut stale = 0;
    let mut reported = 0;
    for _ in 0..5 {
        let start = Instant::now();
        stale = 0;
        reported = 0;
        for def in &definitions {
            let found = std::hint::black_box(findings(std::hint::black_box(def)));
            stale += usize::from(!found.is_empty());
            reported += found.len();
        }
        best = best.min(start.elapsed());
    }
    if std::env::args().any(|a| a == "--list") {
        for (def, path) in definitions.iter().zip(&paths) {
            for finding in findings(def) {
                println!("{}:{}: {}: {}", path.display(), def.line, def.qualname, finding.message());
            }
        }
    }
    println!("stale definitions:        {stale:>8} ({reported} findings)");
    println!("findings() over all:      {:>8.3} ms (best of 5)", best.as_secs_f64() * 1e3);
    println!("per definition:           {:>8.2} µs", best.as_secs_f64() * 1e6 / total.max(1) as f64);
}
