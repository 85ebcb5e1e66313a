//! Whole-library tests against Python itself, over the standard library that
//! the machine's `python3` ships (without site-packages).

#[path = "common/stdlib_oracle.rs"]
mod stdlib_oracle;

use std::path::Path;
use std::process::Command;

use stdlib_oracle::{docwright, oracle, run_checked, stdlib};

/// Every function and class Python's `ast` finds, with the same lines and the
/// same answer to "has a docstring".
#[test]
fn inventory_agrees_with_python_ast() {
    let dir = tempfile::tempdir().unwrap();
    let inventory = dir.path().join("inventory.json");
    let output = docwright()
        .args(["inventory", "--json", "--exclude", "site-packages"])
        .arg(stdlib())
        .output()
        .expect("docwright runs");
    // Exit status 1: a few test files are deliberately undecodable.
    assert!(output.status.code() == Some(0) || output.status.code() == Some(1), "{output:?}");
    std::fs::write(&inventory, &output.stdout).unwrap();
    let report = run_checked(Command::new("python3").arg(oracle("ast_inventory.py")).arg(&inventory));
    println!("{report}");
    assert!(report.contains(" 0 mismatches"), "{report}");
    let compared: usize = report.split("compared ").nth(1).and_then(|r| r.split(' ').next()).unwrap().parse().unwrap();
    assert!(compared > 1000, "too few files compared: {report}");
}

/// Documenting a copy of the standard library changes nothing but docstrings:
/// every file still parses, and with docstrings removed its AST and its tokens
/// (comments included) are what they were.
#[test]
fn offline_generation_changes_only_docstrings() {
    let dir = tempfile::tempdir().unwrap();
    let original = dir.path().join("original");
    let edited = dir.path().join("edited");
    copy_python_files(&stdlib(), &original);
    copy_python_files(&original, &edited);
    let output = docwright()
        .args(["generate", "--offline", "--write", "--private", "--nested", "--init"])
        .arg(&edited)
        .output()
        .expect("docwright runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    // The broken test files are skipped (and say so), everything else written.
    assert!(stderr.contains("skipped") && stderr.contains("has syntax errors"), "{stderr}");
    let written: usize = stderr.split("wrote ").nth(1).and_then(|r| r.split(' ').next()).unwrap().parse().unwrap();
    assert!(written > 50_000, "{stderr}");
    let report = run_checked(Command::new("python3").arg(oracle("roundtrip_check.py")).arg(&original).arg(&edited));
    println!("{report}");
    assert!(report.contains(" 0 problems"), "{report}");
}

/// Copies the `.py` files under `from` (site-packages and caches aside).
fn copy_python_files(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if name == "site-packages" || name == "__pycache__" {
            continue;
        }
        let file_type = entry.file_type().unwrap();
        if file_type.is_dir() {
            copy_python_files(&path, &to.join(&name));
        } else if file_type.is_file() && path.extension().is_some_and(|e| e == "py") {
            std::fs::create_dir_all(to).unwrap();
            std::fs::copy(&path, to.join(&name)).unwrap();
        }
    }
}
