//! End to end: `docwright generate --offline --write` on a small project, then
//! the linters users run judge the result. ruff's D rules (with the style's
//! convention) and pydoclint must report nothing. Fails, never skips, when the
//! linters are missing (scripts/test installs them).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::venv_bin;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn assert_clean(command: &mut Command) {
    let output = command.output().expect("linter runs");
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "{command:?} found problems:\n{text}");
}

fn documented_project(style: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("pkg");
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/project/pkg"), &project);
    let output = Command::new(env!("CARGO_BIN_EXE_docwright"))
        .args(["generate", "--offline", "--write", "--style", style])
        .arg(&project)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    (dir, project)
}

fn lint(style: &str, convention: &str, pydoclint_style: Option<&str>) {
    let (_dir, project) = documented_project(style);
    // D107: `__init__` is left to the class docstring, as pydoclint wants
    // (DOC301). D206: tabs.py is indented with tabs, and so is its docstring.
    assert_clean(
        Command::new(venv_bin("ruff"))
            .args(["check", "--no-cache", "--select", "D", "--ignore", "D107,D206", "--output-format", "concise"])
            .args(["--config", &format!("lint.pydocstyle.convention = '{convention}'")])
            .arg(&project),
    );
    let Some(pydoclint_style) = pydoclint_style else { return };
    // pydoclint reads Sphinx attributes only from `.. attribute ::` blocks,
    // not from `:ivar:` fields.
    let class_attributes = if pydoclint_style == "sphinx" { "False" } else { "True" };
    let typed: Vec<PathBuf> =
        ["__init__.py", "shapes.py", "tabs.py", "crlf.py"].iter().map(|f| project.join(f)).collect();
    assert_clean(
        Command::new(venv_bin("pydoclint"))
            .args(["--style", pydoclint_style, "--check-class-attributes", class_attributes])
            .args(&typed),
    );
    // Untyped code is linted the way its authors configure pydoclint.
    // (untyped_generator.py is left out: for a generator without a return
    // annotation pydoclint reports DOC402 without a Yields section and DOC403
    // with one, so no docstring satisfies it.)
    assert_clean(
        Command::new(venv_bin("pydoclint"))
            .args(["--style", pydoclint_style, "--check-class-attributes", class_attributes])
            .args(["--arg-type-hints-in-signature", "False", "--arg-type-hints-in-docstring", "False"])
            .args(["--check-return-types", "False", "--check-yield-types", "False"])
            .arg(project.join("untyped.py")),
    );
}

#[test]
fn google_passes_ruff_and_pydoclint() {
    lint("google", "google", Some("google"));
}

#[test]
fn numpy_passes_ruff_and_pydoclint() {
    lint("numpy", "numpy", Some("numpy"));
}

#[test]
fn sphinx_passes_ruff_and_pydoclint() {
    lint("sphinx", "pep257", Some("sphinx"));
}

#[test]
fn epytext_passes_ruff() {
    lint("epytext", "pep257", None);
}

#[test]
fn pep257_passes_ruff() {
    lint("pep257", "pep257", None);
}

/// The documented project is still the same Python: it compiles, and a second
/// run finds nothing left to add.
#[test]
fn documented_project_compiles_and_is_complete() {
    let (_dir, project) = documented_project("google");
    assert_clean(Command::new("python3").args(["-m", "compileall", "-q"]).arg(&project));
    assert_clean(
        Command::new(env!("CARGO_BIN_EXE_docwright")).args(["generate", "--offline", "--check"]).arg(&project),
    );
}
