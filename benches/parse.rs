//! Parsing cost of the source model against bare tree-sitter parsing.
//!
//! `cargo bench --bench parse -- DIR` reads every `.py` file under DIR (default:
//! the Python standard library without site-packages) into memory, then times,
//! on one thread: tree-sitter parsing alone, and parsing plus building the
//! source model. The ratio is the extraction's overhead.

mod common;

use std::path::PathBuf;

use common::{best_of, python_files, stdlib};

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
