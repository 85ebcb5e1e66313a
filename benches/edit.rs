//! Cost of keeping an open document current: one keystroke on a large file.
//!
//! `cargo bench --bench edit -- FILE.py` (default: a file of ~10,000 lines made
//! by benches/make_big_file.py) times, per keystroke at the top of the file:
//! the incremental reparse, the source model, and the line index. (Like the
//! language server, it keeps the system allocator for tree-sitter.)

use std::time::Instant;

use docwright::line_index::LineIndex;
use docwright::python::{SourceFile, extract, parse_tree};

fn main() {
    let path = std::env::args().skip(1).find(|a| !a.starts_with('-')).unwrap_or_else(|| {
        let out = std::env::temp_dir().join("docwright-bench-big.py");
        let status = std::process::Command::new("python3")
            .args(["benches/make_big_file.py"])
            .arg(&out)
            .status()
            .expect("python3 runs");
        assert!(status.success());
        out.display().to_string()
    });
    let text = std::fs::read_to_string(&path).expect("readable file");
    let lines = text.lines().count();
    let started = Instant::now();
    let mut file = SourceFile::parse(text.clone()).expect("parses");
    println!("{lines} lines; open (parse + model): {:.2} ms", started.elapsed().as_secs_f64() * 1e3);

    let (mut reparse, mut model, mut index) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..40 {
        let started = Instant::now();
        file.edit(0..0, "#").expect("edit applies");
        let total = started.elapsed();
        // Split the total: time the parts again on the same text.
        let started = Instant::now();
        let tree = parse_tree(file.text(), Some(file.tree())).expect("parses");
        reparse.push(started.elapsed().as_secs_f64() * 1e3);
        let started = Instant::now();
        let _ = extract(&tree, file.text());
        model.push(started.elapsed().as_secs_f64() * 1e3);
        let started = Instant::now();
        let _ = LineIndex::new(file.text());
        index.push(started.elapsed().as_secs_f64() * 1e3);
        let _ = total;
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    println!("per keystroke (median of 40):");
    println!("  reparse (unchanged tree): {:.3} ms", median(&mut reparse));
    println!("  source model:             {:.3} ms", median(&mut model));
    println!("  line index:               {:.3} ms", median(&mut index));
}
