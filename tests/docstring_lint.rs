//! The linters' verdict: ruff's D rules and pydoclint must report nothing on
//! skeletons and written docstrings in every style. Fails (never skips) when
//! the linters are missing. One file and one launch per style and linter.

mod common;

use std::process::Command;

use common::{fixtures, venv_bin, written_fetch};
use docwright::docstring::{GenerateOptions, RenderOptions, Style, generate_with, render};

fn python_file(style: Style) -> String {
    let mut source = String::from(
        "\"\"\"Fixtures for the docstring linters.\"\"\"\n\nfrom collections.abc import Callable, Iterator\n",
    );
    let render_in = |doc: &docwright::docstring::Docstring, indent: &str| {
        render(doc, &RenderOptions { style, width: 88, indent: indent.to_string() })
    };
    let options = GenerateOptions { tuple_returns_per_element: style == Style::Numpy, ..GenerateOptions::default() };
    for f in fixtures() {
        let doc = generate_with(&f.def, &options);
        source.push_str("\n\n");
        source.push_str(&f.source.replace("{doc}", &render_in(&doc, f.indent)));
    }
    // A fully written docstring, renamed so both versions can coexist.
    let written = render_in(&written_fetch(), "    ");
    source.push_str(&format!(
        "\n\ndef fetch_written(url: str, retries: int = 3) -> bytes:\n    {written}\n    if retries < 0:\n        raise TimeoutError\n    return url.encode()\n"
    ));
    source
}

fn run(cmd: &mut Command, what: &str, source: &str) {
    let out = cmd.output().unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
    assert!(
        out.status.success(),
        "{what} reported problems:\n{}\n{}\n--- file ---\n{source}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn linters_accept_every_style() {
    let ruff = venv_bin("ruff");
    let pydoclint = venv_bin("pydoclint");
    let dir = tempfile::tempdir().expect("tempdir");
    let mut paths = Vec::new();
    for style in Style::ALL {
        let source = python_file(style);
        let path = dir.path().join(format!("fixtures_{style}.py"));
        std::fs::write(&path, &source).expect("write");
        paths.push(path.clone());
        let convention = match style {
            Style::Google => "google",
            Style::Numpy => "numpy",
            _ => "pep257",
        };
        run(
            Command::new(&ruff)
                .args(["check", "--no-cache", "--select", "D", "--config"])
                .arg(format!("lint.pydocstyle.convention = '{convention}'"))
                .arg(&path),
            &format!("ruff ({style})"),
            &source,
        );
        let pydoclint_style = match style {
            Style::Google => "google",
            Style::Numpy => "numpy",
            Style::Sphinx => "sphinx",
            _ => continue,
        };
        let mut cmd = Command::new(&pydoclint);
        cmd.arg(format!("--style={pydoclint_style}"));
        if style == Style::Sphinx {
            // pydoclint reads Sphinx class attributes only from its own
            // `.. attribute ::` blocks, not the standard `:ivar:` fields.
            cmd.arg("--check-class-attributes=False");
        }
        run(cmd.arg(&path), &format!("pydoclint ({style})"), &source);
    }
    // Every generated file is valid Python (one interpreter for all).
    let mut cmd = Command::new("python3");
    cmd.args(["-m", "py_compile"]).args(&paths);
    run(&mut cmd, "py_compile", "");
}
