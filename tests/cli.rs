//! End-to-end tests of the command line: the real binary on files in
//! temporary directories, with exact outputs.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use pretty_assertions::assert_eq;

#[path = "common/run.rs"]
mod run;

use run::docwright;

/// Writes `relative` under `dir`, creating its directories.
fn put(dir: &Path, relative: &str, contents: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(relative);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, contents).unwrap();
    path
}

fn read(dir: &Path, relative: &str) -> String {
    std::fs::read_to_string(dir.join(relative)).unwrap()
}

/// Every file below `dir` (symlinks as their target's name) with its bytes,
/// sorted: a picture of the whole tree to compare before and after.
fn tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            let file_type = entry.file_type().unwrap();
            let relative = path.strip_prefix(root).unwrap().to_path_buf();
            if file_type.is_symlink() {
                let target = std::fs::read_link(&path).unwrap();
                out.push((relative, format!("-> {}", target.display()).into_bytes()));
            } else if file_type.is_dir() {
                if entry.file_name() != ".git" {
                    walk(root, &path, out);
                }
            } else {
                out.push((relative, std::fs::read(&path).unwrap()));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// The files `inventory` lists (one per `module` line), in its order.
fn listed(dir: &Path, args: &[&str]) -> Vec<String> {
    let mut full = vec!["inventory"];
    full.extend_from_slice(args);
    let run = docwright(dir, &full);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.stdout
        .lines()
        .filter(|l| l.contains(":1 module "))
        .map(|l| l.split(":1 module ").next().unwrap().to_string())
        .collect()
}

const SMALL: &str = r#"def add(x: int, y: int = 2) -> int:
    return x + y


class Box:
    """A box."""

    def __init__(self, size):
        self.size = size

    def _hidden(self):
        pass
"#;

const SMALL_B: &str = r#""""Module b."""


def f():
    def inner():
        pass
    return inner
"#;

fn small_tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    put(dir.path(), "pkg/a.py", SMALL);
    put(dir.path(), "pkg/sub/b.py", SMALL_B);
    put(dir.path(), "pkg/notes.txt", "not python\n");
    put(dir.path(), "pkg/script", "def f(): pass\n");
    dir
}

// ---------------------------------------------------------------- inventory

#[test]
fn inventory_text_lists_every_definition() {
    let dir = small_tree();
    let run = docwright(dir.path(), &["inventory", "pkg"]);
    assert_eq!(run.code, 0);
    assert_eq!(run.stderr, "");
    assert_eq!(
        run.stdout,
        "pkg/a.py:1 module no docstring
pkg/a.py:1-2 function add no docstring
pkg/a.py:5-12 class Box docstring line 6
pkg/a.py:8-9 method Box.__init__ no docstring
pkg/a.py:11-12 method Box._hidden no docstring
pkg/sub/b.py:1 module docstring line 1
pkg/sub/b.py:4-7 function f no docstring
pkg/sub/b.py:5-6 function f.inner no docstring
"
    );
}

#[test]
fn inventory_json_is_one_document() {
    let dir = small_tree();
    let run = docwright(dir.path(), &["inventory", "pkg", "--json"]);
    assert_eq!(run.code, 0);
    assert_eq!(run.stdout.lines().count(), 1, "one line of JSON");
    let value: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let definition = |qualname: &str, kind: &str, line: u64, end_line: u64, docstring: serde_json::Value| {
        serde_json::json!({
            "qualname": qualname, "kind": kind, "line": line, "end_line": end_line,
            "start_line": line, "docstring": docstring,
        })
    };
    let expected = serde_json::json!({ "files": [
        {
            "path": "pkg/a.py",
            "syntax_errors": false,
            "module_docstring": null,
            "definitions": [
                definition("add", "function", 1, 2, serde_json::Value::Null),
                definition("Box", "class", 5, 12, serde_json::json!({ "line": 6, "end_line": 6 })),
                definition("Box.__init__", "method", 8, 9, serde_json::Value::Null),
                definition("Box._hidden", "method", 11, 12, serde_json::Value::Null),
            ],
        },
        {
            "path": "pkg/sub/b.py",
            "syntax_errors": false,
            "module_docstring": { "line": 1, "end_line": 1 },
            "definitions": [
                definition("f", "function", 4, 7, serde_json::Value::Null),
                definition("f.inner", "function", 5, 6, serde_json::Value::Null),
            ],
        },
    ]});
    assert_eq!(value, expected);
}

#[test]
fn inventory_reports_unreadable_files_in_json_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    put(dir.path(), "bad.py", b"x = '\xff'\n");
    put(dir.path(), "good.py", "x = 1\n");
    let run = docwright(dir.path(), &["inventory", ".", "--json"]);
    assert_eq!(run.code, 1);
    let value: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(value["files"][0]["path"], "bad.py");
    assert_eq!(
        value["files"][0]["error"],
        "bad.py: not valid UTF-8 (first bad byte at offset 5); declare the encoding with a `# -*- coding: ... -*-` line"
    );
    assert_eq!(value["files"][1]["path"], "good.py");
    assert!(value["files"][1].get("error").is_none());

    let text = docwright(dir.path(), &["inventory", "."]);
    assert_eq!(text.code, 1);
    assert_eq!(text.stdout, "good.py:1 module no docstring\n");
    assert_eq!(
        text.stderr,
        "docwright: bad.py: not valid UTF-8 (first bad byte at offset 5); declare the encoding with a `# -*- coding: ... -*-` line\n"
    );
}

/// A tree for the glob tests.
fn glob_tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for file in [
        "a.py",
        "sub/a.py",
        "sub/b.py",
        "sub/deep/c.py",
        "tests/test_a.py",
        "tests/deep/test_b.py",
        "build/gen.py",
        "src/build/keep.py",
    ] {
        put(dir.path(), file, "x = 1\n");
    }
    dir
}

#[test]
fn include_and_exclude_globs() {
    let dir = glob_tree();
    let d = dir.path();
    let all = [
        "a.py",
        "build/gen.py",
        "src/build/keep.py",
        "sub/a.py",
        "sub/b.py",
        "sub/deep/c.py",
        "tests/deep/test_b.py",
        "tests/test_a.py",
    ];
    assert_eq!(listed(d, &["."]), all);
    assert_eq!(listed(d, &[".", "--include", "*.py"]), all);
    // Without a slash a pattern matches at any depth, files and directories.
    assert_eq!(listed(d, &[".", "--include", "a.py"]), ["a.py", "sub/a.py"]);
    assert_eq!(listed(d, &[".", "--include", "test_*"]), ["tests/deep/test_b.py", "tests/test_a.py"]);
    assert_eq!(
        listed(d, &[".", "--exclude", "build"]),
        ["a.py", "sub/a.py", "sub/b.py", "sub/deep/c.py", "tests/deep/test_b.py", "tests/test_a.py"]
    );
    // With a slash it is anchored at the path given, and names a directory.
    assert_eq!(listed(d, &[".", "--include", "sub"]), ["sub/a.py", "sub/b.py", "sub/deep/c.py"]);
    assert_eq!(listed(d, &[".", "--include", "sub/deep"]), ["sub/deep/c.py"]);
    assert_eq!(listed(d, &[".", "--include", "sub/**"]), ["sub/a.py", "sub/b.py", "sub/deep/c.py"]);
    // Both filters together; repeated flags add up.
    assert_eq!(
        listed(d, &[".", "--include", "sub", "--include", "tests", "--exclude", "deep"]),
        ["sub/a.py", "sub/b.py", "tests/test_a.py"]
    );
    // Relative to the directory given, not to the working directory.
    assert_eq!(listed(d, &["sub", "--exclude", "deep/*.py"]), ["sub/a.py", "sub/b.py"]);
}

#[test]
fn glob_stars_stop_at_slashes_like_gitignore() {
    let dir = glob_tree();
    let d = dir.path();
    // `*` does not cross a directory: only the files directly in tests/.
    assert_eq!(
        listed(d, &[".", "--exclude", "tests/*.py"]),
        ["a.py", "build/gen.py", "src/build/keep.py", "sub/a.py", "sub/b.py", "sub/deep/c.py", "tests/deep/test_b.py"]
    );
    // As in a .gitignore, `sub/*` also matches the directory sub/deep, and so
    // everything in it.
    assert_eq!(listed(d, &[".", "--include", "sub/*"]), ["sub/a.py", "sub/b.py", "sub/deep/c.py"]);
    assert_eq!(listed(d, &[".", "--include", "sub/*.py"]), ["sub/a.py", "sub/b.py"]);
    assert_eq!(listed(d, &[".", "--include", "tests/**/*.py"]), ["tests/deep/test_b.py", "tests/test_a.py"]);
}

#[test]
fn glob_trailing_and_leading_slashes_read_like_gitignore() {
    let dir = glob_tree();
    let d = dir.path();
    // `build/` is a directory at any depth.
    assert_eq!(
        listed(d, &[".", "--exclude", "build/"]),
        ["a.py", "sub/a.py", "sub/b.py", "sub/deep/c.py", "tests/deep/test_b.py", "tests/test_a.py"]
    );
    // `/build` is only the one at the top.
    assert_eq!(
        listed(d, &[".", "--exclude", "/build"]),
        [
            "a.py",
            "src/build/keep.py",
            "sub/a.py",
            "sub/b.py",
            "sub/deep/c.py",
            "tests/deep/test_b.py",
            "tests/test_a.py"
        ]
    );
    assert_eq!(listed(d, &[".", "--include", "/a.py"]), ["a.py"]);
    let run = docwright(d, &["inventory", ".", "--include", "/"]);
    assert_eq!(run.code, 2);
    assert_eq!(run.stderr, "docwright: invalid --include pattern `/`: it matches nothing\n");
}

#[test]
fn invalid_glob_is_a_usage_error() {
    let dir = glob_tree();
    let run = docwright(dir.path(), &["inventory", ".", "--exclude", "a[.py"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.starts_with("docwright: invalid --exclude pattern `a[.py`: "), "{}", run.stderr);
    assert_eq!(run.stdout, "");
}

#[test]
fn gitignore_is_respected_in_a_git_repository_and_hidden_directories_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let status = Command::new("git").args(["init", "-q"]).current_dir(d).status().expect("git is installed");
    assert!(status.success());
    put(d, ".gitignore", "ignored.py\ngenerated/\n");
    put(d, "kept.py", "x = 1\n");
    put(d, "ignored.py", "x = 1\n");
    put(d, "pkg/ignored.py", "x = 1\n");
    put(d, "generated/out.py", "x = 1\n");
    put(d, ".venv/lib/site.py", "x = 1\n");
    put(d, ".hidden.py", "x = 1\n");
    put(d, "pkg/mod.py", "x = 1\n");
    assert_eq!(listed(d, &["."]), ["kept.py", "pkg/mod.py"]);
    // A file named explicitly is always taken, ignored or hidden.
    assert_eq!(
        listed(d, &["ignored.py", ".venv/lib/site.py", "generated/out.py"]),
        ["ignored.py", ".venv/lib/site.py", "generated/out.py"]
    );
}

#[test]
fn explicitly_named_files_are_taken_even_without_py_and_outside_filters() {
    let dir = small_tree();
    let d = dir.path();
    assert_eq!(listed(d, &["pkg/script", "pkg/a.py", "--exclude", "a.py"]), ["pkg/script", "pkg/a.py"]);
}

#[test]
fn nonexistent_path_is_named_and_exits_2() {
    let dir = small_tree();
    for command in [&["inventory", "pkg", "nope.py"][..], &["generate", "--offline", "pkg", "nope.py"][..]] {
        let run = docwright(dir.path(), command);
        assert_eq!(run.code, 2, "{command:?}");
        assert_eq!(run.stdout, "");
        assert_eq!(run.stderr, "docwright: cannot read nope.py: No such file or directory (os error 2)\n");
    }
}

#[test]
fn paths_are_required() {
    let dir = tempfile::tempdir().unwrap();
    let run = docwright(dir.path(), &["inventory"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("<PATHS>..."), "{}", run.stderr);
}

// ----------------------------------------------------------------- generate

const ADD: &str = "def add(x: int, y: int = 2) -> int:\n    return x + y\n";

const ADD_DOCUMENTED: &str = r#""""TODO(docwright): Summarize."""


def add(x: int, y: int = 2) -> int:
    """TODO(docwright): Summarize.

    Args:
        x (int): TODO(docwright): Describe.
        y (int): TODO(docwright): Describe. Defaults to 2.

    Returns:
        int: TODO(docwright): Describe.
    """
    return x + y
"#;

#[test]
fn generate_prints_a_diff_by_default_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    put(dir.path(), "pkg/m.py", ADD);
    let before = tree(dir.path());
    let run = docwright(dir.path(), &["generate", "--offline", "pkg"]);
    assert_eq!(run.code, 0);
    assert_eq!(
        run.stdout,
        r#"--- a/pkg/m.py
+++ b/pkg/m.py
@@ -1,2 +1,14 @@
+"""TODO(docwright): Summarize."""
+
+
 def add(x: int, y: int = 2) -> int:
+    """TODO(docwright): Summarize.
+
+    Args:
+        x (int): TODO(docwright): Describe.
+        y (int): TODO(docwright): Describe. Defaults to 2.
+
+    Returns:
+        int: TODO(docwright): Describe.
+    """
     return x + y
"#
    );
    assert_eq!(run.stderr, "docwright: would write 2 docstrings in 1 file; 1 file checked, 0 skipped\n");
    assert_eq!(tree(dir.path()), before);
    // `--diff` says the same.
    let explicit = docwright(dir.path(), &["generate", "--offline", "--diff", "pkg"]);
    assert_eq!(explicit.stdout, run.stdout);
}

#[test]
fn diff_applies_with_patch() {
    let dir = tempfile::tempdir().unwrap();
    put(dir.path(), "m.py", ADD);
    let run = docwright(dir.path(), &["generate", "--offline", "m.py"]);
    put(dir.path(), "change.diff", &run.stdout);
    let Ok(status) = Command::new("git").args(["apply", "change.diff"]).current_dir(dir.path()).status() else {
        return; // no git: nothing to check against
    };
    assert!(status.success());
    assert_eq!(read(dir.path(), "m.py"), ADD_DOCUMENTED);
}

#[test]
fn diff_of_an_absolute_path_has_no_prefixes() {
    let dir = tempfile::tempdir().unwrap();
    let path = put(dir.path(), "m.py", "def f():\n    pass\n");
    let name = path.to_str().unwrap();
    let run = docwright(dir.path(), &["generate", "--offline", "--no-module", name]);
    assert_eq!(run.code, 0);
    assert_eq!(
        run.stdout,
        format!(
            "--- {name}\n+++ {name}\n@@ -1,2 +1,3 @@\n def f():\n+    \"\"\"TODO(docwright): Summarize.\"\"\"\n     pass\n"
        )
    );
}

#[test]
fn diff_marks_a_missing_final_newline() {
    let dir = tempfile::tempdir().unwrap();
    put(dir.path(), "m.py", "def f():\n    pass");
    let run = docwright(dir.path(), &["generate", "--offline", "--no-module", "m.py"]);
    assert_eq!(
        run.stdout,
        "--- a/m.py\n+++ b/m.py\n@@ -1,2 +1,3 @@\n def f():\n+    \"\"\"TODO(docwright): Summarize.\"\"\"\n     pass\n\\ No newline at end of file\n"
    );
    let write = docwright(dir.path(), &["generate", "--offline", "--no-module", "--write", "m.py"]);
    assert_eq!(write.code, 0);
    assert_eq!(read(dir.path(), "m.py"), "def f():\n    \"\"\"TODO(docwright): Summarize.\"\"\"\n    pass");
}

#[test]
fn write_changes_the_file_exactly_and_leaves_no_temporary_files() {
    let dir = tempfile::tempdir().unwrap();
    put(dir.path(), "pkg/m.py", ADD);
    let run = docwright(dir.path(), &["generate", "--offline", "--write", "pkg"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, "");
    assert_eq!(run.stderr, "docwright: wrote 2 docstrings in 1 file; 1 file checked, 0 skipped\n");
    assert_eq!(read(dir.path(), "pkg/m.py"), ADD_DOCUMENTED);
    let names: Vec<_> = tree(dir.path()).into_iter().map(|(p, _)| p).collect();
    assert_eq!(names, [PathBuf::from("pkg/m.py")]);
}

#[test]
fn write_keeps_permissions() {
    let dir = tempfile::tempdir().unwrap();
    let private = put(dir.path(), "private.py", ADD);
    let script = put(dir.path(), "script.py", format!("#!/usr/bin/env python3\n{ADD}"));
    std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o640)).unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let run = docwright(dir.path(), &["generate", "--offline", "--write", "."]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(read(dir.path(), "private.py"), ADD_DOCUMENTED);
    assert_eq!(read(dir.path(), "script.py"), format!("#!/usr/bin/env python3\n{ADD_DOCUMENTED}"));
    assert_eq!(mode(&private), 0o640);
    assert_eq!(mode(&script), 0o755);
}

#[test]
fn write_goes_through_a_symlink_and_keeps_it() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    put(d, "real/m.py", ADD);
    std::fs::create_dir(d.join("links")).unwrap();
    std::os::unix::fs::symlink("../real/m.py", d.join("links/m.py")).unwrap();
    let run = docwright(d, &["generate", "--offline", "--write", "links/m.py"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(std::fs::read_link(d.join("links/m.py")).unwrap(), Path::new("../real/m.py"));
    assert_eq!(read(d, "real/m.py"), ADD_DOCUMENTED);
    let names: Vec<_> = tree(d).into_iter().map(|(p, _)| p).collect();
    assert_eq!(names, [PathBuf::from("links/m.py"), PathBuf::from("real/m.py")]);
}

#[test]
fn check_lists_missing_docstrings_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    put(dir.path(), "pkg/m.py", format!("{ADD}\n\nclass C:\n    def method(self):\n        pass\n"));
    put(dir.path(), "pkg/done.py", "\"\"\"Done.\"\"\"\n");
    let before = tree(dir.path());
    let run = docwright(dir.path(), &["generate", "--offline", "--check", "pkg"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stdout,
        "pkg/m.py:1: missing docstring: <module>
pkg/m.py:1: missing docstring: add
pkg/m.py:5: missing docstring: C
pkg/m.py:6: missing docstring: C.method
"
    );
    assert_eq!(run.stderr, "docwright: would write 4 docstrings in 1 file; 2 files checked, 0 skipped\n");
    assert_eq!(tree(dir.path()), before);

    let complete = docwright(dir.path(), &["generate", "--offline", "--check", "pkg/done.py"]);
    assert_eq!(complete.code, 0);
    assert_eq!(complete.stdout, "");
    assert_eq!(complete.stderr, "docwright: would write 0 docstrings in 0 files; 1 file checked, 0 skipped\n");
}

#[test]
fn output_modes_exclude_each_other() {
    let dir = tempfile::tempdir().unwrap();
    put(dir.path(), "m.py", ADD);
    for pair in [["--write", "--check"], ["--diff", "--write"], ["--diff", "--check"]] {
        let run = docwright(dir.path(), &["generate", "--offline", pair[0], pair[1], "m.py"]);
        assert_eq!(run.code, 2);
        assert!(run.stderr.contains("cannot be used with"), "{}", run.stderr);
    }
    let run = docwright(dir.path(), &["generate", "--offline", "--update", "--all", "m.py"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("cannot be used with"), "{}", run.stderr);
    assert_eq!(read(dir.path(), "m.py"), ADD);
}

const EXISTING: &str = r#""""Tools."""


def scale(value: float, gone: int, factor: float = 2.0, extra=None) -> float:
    """Scale a value, *carefully*.

    Keeps   odd  spacing here.

    Args:
        value: The number   to scale.
        gone: A parameter that no longer exists.

    Returns:
        The scaled value.
    """
    return value * factor


def keep(a):
    """Already complete.

    Args:
        a: Thing.

    Returns:
        Thing.
    """
    return a
"#;

#[test]
fn existing_docstrings_are_left_alone_by_default() {
    let dir = tempfile::tempdir().unwrap();
    put(dir.path(), "m.py", EXISTING);
    let run = docwright(dir.path(), &["generate", "--offline", "--write", "m.py"]);
    assert_eq!(run.code, 0);
    assert_eq!(read(dir.path(), "m.py"), EXISTING);
    assert_eq!(run.stderr, "docwright: wrote 0 docstrings in 0 files; 1 file checked, 0 skipped\n");
}

#[test]
fn update_merges_existing_docstrings() {
    let dir = tempfile::tempdir().unwrap();
    // `gone` is removed from the signature; `factor` and `extra` are new.
    let source = EXISTING.replace("value: float, gone: int, factor", "value: float, factor");
    put(dir.path(), "m.py", &source);
    let check = docwright(dir.path(), &["generate", "--offline", "--update", "--check", "m.py"]);
    assert_eq!(check.code, 1);
    assert_eq!(check.stdout, "m.py:4: docstring out of date: scale\n");
    let run = docwright(dir.path(), &["generate", "--offline", "--update", "--write", "m.py"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let expected = source.replace(
        "        value: The number   to scale.
        gone: A parameter that no longer exists.

    Returns:
        The scaled value.",
        "        value (float): The number   to scale.
        factor (float): TODO(docwright): Describe. Defaults to 2.0.
        extra: TODO(docwright): Describe. Defaults to None.

    Returns:
        float: The scaled value.",
    );
    assert_eq!(read(dir.path(), "m.py"), expected);
    // Up to date now.
    let again = docwright(dir.path(), &["generate", "--offline", "--update", "--check", "m.py"]);
    assert_eq!(again.code, 0, "{}", again.stdout);
}

#[test]
fn update_keeps_the_style_a_docstring_is_written_in() {
    let dir = tempfile::tempdir().unwrap();
    let numpy = r#"def scale(value, factor=2):
    """Scale a value.

    Parameters
    ----------
    value : float
        The number to scale.

    Returns
    -------
    float
        The scaled value.
    """
    return value * factor


def plain(value):
    """Return the value unchanged."""
    return value
"#;
    put(dir.path(), "m.py", numpy);
    // The default style is Google; the NumPy docstring stays NumPy, and the
    // plain one (no style to keep) takes the configured style.
    let run = docwright(dir.path(), &["generate", "--offline", "--update", "--write", "--no-module", "m.py"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let expected = numpy
        .replace(
            "        The number to scale.\n",
            "        The number to scale.\n    factor\n        TODO(docwright): Describe. Defaults to 2.\n",
        )
        .replace(
            "    \"\"\"Return the value unchanged.\"\"\"\n",
            "    \"\"\"Return the value unchanged.\n\n    Args:\n        value: TODO(docwright): Describe.\n\n    Returns:\n        TODO(docwright): Describe.\n    \"\"\"\n",
        );
    assert_eq!(read(dir.path(), "m.py"), expected);
}

#[test]
fn all_regenerates_every_docstring() {
    let dir = tempfile::tempdir().unwrap();
    put(dir.path(), "m.py", "\"\"\"Old.\"\"\"\n\n\ndef keep(a):\n    \"\"\"Old text.\"\"\"\n    return a\n");
    let check = docwright(dir.path(), &["generate", "--offline", "--all", "--check", "m.py"]);
    assert_eq!(check.code, 1);
    assert_eq!(
        check.stdout,
        "m.py:1: docstring would be regenerated: <module>\nm.py:4: docstring would be regenerated: keep\n"
    );
    let run = docwright(dir.path(), &["generate", "--offline", "--all", "--write", "m.py"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        read(dir.path(), "m.py"),
        r#""""TODO(docwright): Summarize."""


def keep(a):
    """TODO(docwright): Summarize.

    Args:
        a: TODO(docwright): Describe.

    Returns:
        TODO(docwright): Describe.
    """
    return a
"#
    );
}

const STYLED: &str = r#"import asyncio


class Cache:
    limit: int = 10

    def get(self, key: str, default: bytes | None = None, *args: int, **kwargs: str) -> bytes | None:
        if not key:
            raise KeyError(key)
        return default


def pairs(n: int) -> tuple[int, str]:
    return n, str(n)


def numbers(stop):
    yield from range(stop)


async def wait(seconds: float = 0.5) -> None:
    await asyncio.sleep(seconds)
"#;

#[test]
fn every_style_writes_docstrings() {
    for style in ["google", "numpy", "sphinx", "epytext", "pep257"] {
        let dir = tempfile::tempdir().unwrap();
        put(dir.path(), "m.py", STYLED);
        let run = docwright(dir.path(), &["generate", "--offline", "--write", "--style", style, "m.py"]);
        assert_eq!(run.code, 0, "{style}: {}", run.stderr);
        insta::assert_snapshot!(format!("style_{style}"), read(dir.path(), "m.py"));
        let check = docwright(dir.path(), &["generate", "--offline", "--check", "--style", style, "m.py"]);
        assert_eq!(check.code, 0, "{style}: {}", check.stdout);
    }
}

#[test]
fn unknown_style_lists_the_choices() {
    let dir = tempfile::tempdir().unwrap();
    put(dir.path(), "m.py", ADD);
    let run = docwright(dir.path(), &["generate", "--offline", "--style", "markdown", "m.py"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.starts_with(
            "error: invalid value 'markdown' for '--style <STYLE>': unknown docstring style `markdown` (expected one of: google, numpy, sphinx, epytext, pep257)"
        ),
        "{}",
        run.stderr
    );
    assert_eq!(read(dir.path(), "m.py"), ADD);
}

#[test]
fn style_names_ignore_case_and_rest_means_sphinx() {
    let dir = tempfile::tempdir().unwrap();
    put(dir.path(), "m.py", "def f(a):\n    return a\n");
    let sphinx = docwright(dir.path(), &["generate", "--offline", "--style", "sphinx", "m.py"]);
    for spelling in ["Sphinx", "rest", "reST"] {
        let run = docwright(dir.path(), &["generate", "--offline", "--style", spelling, "m.py"]);
        assert_eq!(run.code, 0);
        assert_eq!(run.stdout, sphinx.stdout, "{spelling}");
    }
}

const SELECTION: &str = r#""""Selection."""
from typing import overload


class Shape:
    """A shape."""

    def __init__(self, side: int) -> None:
        self._side = side

    @property
    def side(self) -> int:
        return self._side

    @side.setter
    def side(self, value: int) -> None:
        self._side = value

    @side.deleter
    def side(self) -> None:
        del self._side

    def _helper(self):
        return 1


@overload
def parse(x: int) -> int: ...
@overload
def parse(x: str) -> str: ...
def parse(x):
    return x


def outer():
    def inner():
        return 1
    return inner


def _private():
    pass
"#;

#[test]
fn selection_flags() {
    let dir = tempfile::tempdir().unwrap();
    put(dir.path(), "m.py", SELECTION);
    let check = |flags: &[&str]| {
        let mut args = vec!["generate", "--offline", "--check", "--all"];
        args.extend_from_slice(flags);
        args.push("m.py");
        let run = docwright(dir.path(), &args);
        assert_eq!(run.code, 1);
        run.stdout.lines().map(|line| line.rsplit(": ").next().unwrap().to_string()).collect::<Vec<_>>()
    };
    // Setters, deleters and overloads never; `__init__`, private and nested
    // definitions only when asked.
    assert_eq!(check(&[]), ["<module>", "Shape", "Shape.side", "parse", "outer"]);
    assert_eq!(
        check(&["--private"]),
        ["<module>", "Shape", "Shape.side", "Shape._helper", "parse", "outer", "_private"]
    );
    assert_eq!(check(&["--nested"]), ["<module>", "Shape", "Shape.side", "parse", "outer", "outer.inner"]);
    assert_eq!(check(&["--init"]), ["<module>", "Shape", "Shape.__init__", "Shape.side", "parse", "outer"]);
    assert_eq!(check(&["--no-module"]), ["Shape", "Shape.side", "parse", "outer"]);
    assert_eq!(
        check(&["--private", "--nested", "--init", "--no-module"]),
        ["Shape", "Shape.__init__", "Shape.side", "Shape._helper", "parse", "outer", "outer.inner", "_private"]
    );
}

#[test]
fn overloads_and_setters_stay_bare_when_written() {
    let dir = tempfile::tempdir().unwrap();
    put(dir.path(), "m.py", SELECTION);
    let run = docwright(dir.path(), &["generate", "--offline", "--write", "--private", "--nested", "--init", "m.py"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let written = read(dir.path(), "m.py");
    assert!(
        written.contains("    @side.setter\n    def side(self, value: int) -> None:\n        self._side = value\n")
    );
    assert!(written.contains("    @side.deleter\n    def side(self) -> None:\n        del self._side\n"));
    assert!(written.contains("@overload\ndef parse(x: int) -> int: ...\n@overload\ndef parse(x: str) -> str: ...\n"));
    assert_eq!(written.matches("TODO(docwright): Summarize.").count(), 7, "{written}");
}

#[test]
fn unreadable_files_are_skipped_with_a_reason_and_others_still_written() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let bad_utf8: &[u8] = b"x = '\xff'\n\ndef f():\n    pass\n";
    let klingon: &[u8] = b"# coding: klingon\ndef f():\n    pass\n";
    let broken: &[u8] = b"def f(:\n    pass\n\ndef g():\n    pass\n";
    put(d, "a_bad_utf8.py", bad_utf8);
    put(d, "b_unknown_encoding.py", klingon);
    put(d, "c_syntax.py", broken);
    put(d, "d_good.py", "def f():\n    pass\n");
    let run = docwright(d, &["generate", "--offline", "--write", "--no-module", "."]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr,
        "docwright: skipped a_bad_utf8.py: not valid UTF-8 (first bad byte at offset 5); declare the encoding with a `# -*- coding: ... -*-` line
docwright: skipped b_unknown_encoding.py: declares the encoding `klingon` on line 1, which is not known
docwright: skipped c_syntax.py: has syntax errors (the first near line 1); fix them first
docwright: wrote 1 docstring in 1 file; 4 files checked, 3 skipped
"
    );
    assert_eq!(std::fs::read(d.join("a_bad_utf8.py")).unwrap(), bad_utf8);
    assert_eq!(std::fs::read(d.join("b_unknown_encoding.py")).unwrap(), klingon);
    assert_eq!(std::fs::read(d.join("c_syntax.py")).unwrap(), broken);
    assert_eq!(read(d, "d_good.py"), "def f():\n    \"\"\"TODO(docwright): Summarize.\"\"\"\n    pass\n");
    // In the other modes too.
    for mode in ["--diff", "--check"] {
        let run = docwright(d, &["generate", "--offline", mode, "--no-module", "."]);
        assert_eq!(run.code, 1, "{mode}");
        assert_eq!(run.stderr.lines().filter(|l| l.starts_with("docwright: skipped ")).count(), 3, "{mode}");
    }
}

#[test]
fn latin1_file_is_written_back_in_latin1() {
    let dir = tempfile::tempdir().unwrap();
    let source: &[u8] = b"# -*- coding: latin-1 -*-\ndef caf\xe9(prix):\n    return \"\xe9t\xe9 \xa4\" + prix\n";
    put(dir.path(), "m.py", source);
    let run = docwright(dir.path(), &["generate", "--offline", "--write", "--no-module", "m.py"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let expected: &[u8] = b"# -*- coding: latin-1 -*-\ndef caf\xe9(prix):\n    \"\"\"TODO(docwright): Summarize.\n\n    Args:\n        prix: TODO(docwright): Describe.\n\n    Returns:\n        TODO(docwright): Describe.\n    \"\"\"\n    return \"\xe9t\xe9 \xa4\" + prix\n";
    assert_eq!(std::fs::read(dir.path().join("m.py")).unwrap(), expected);
    // The diff is printed as UTF-8 text.
    put(dir.path(), "n.py", source);
    let diff = docwright(dir.path(), &["generate", "--offline", "--no-module", "n.py"]);
    assert!(diff.stdout.contains(" def café(prix):\n"), "{}", diff.stdout);
}

#[test]
fn crlf_bom_and_tabs_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    put(d, "crlf.py", "def f(a):\r\n    return a\r\n");
    put(d, "bom.py", b"\xef\xbb\xbfdef f(a):\n    return a\n");
    put(d, "tabs.py", "class C:\n\tdef m(self, a):\n\t\treturn a\n");
    let run = docwright(d, &["generate", "--offline", "--write", "--no-module", "."]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let doc = |indent: &str, eol: &str| {
        format!(
            "{indent}\"\"\"TODO(docwright): Summarize.{eol}{eol}{indent}Args:{eol}{indent}    a: TODO(docwright): Describe.{eol}{eol}{indent}Returns:{eol}{indent}    TODO(docwright): Describe.{eol}{indent}\"\"\"{eol}"
        )
    };
    assert_eq!(read(d, "crlf.py"), format!("def f(a):\r\n{}    return a\r\n", doc("    ", "\r\n")));
    assert_eq!(
        std::fs::read(d.join("bom.py")).unwrap(),
        format!("\u{feff}def f(a):\n{}    return a\n", doc("    ", "\n")).into_bytes()
    );
    assert_eq!(
        read(d, "tabs.py"),
        format!(
            "class C:\n\t\"\"\"TODO(docwright): Summarize.\"\"\"\n\n\tdef m(self, a):\n{}\t\treturn a\n",
            // Inside the docstring, entries are indented by four spaces after
            // the tabs; Python's `inspect.cleandoc` reads that as intended.
            doc("\t\t", "\n")
        )
    );
}

#[test]
fn write_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    put(d, "pkg/styled.py", STYLED);
    put(d, "pkg/selection.py", SELECTION);
    put(d, "pkg/crlf.py", "class C:\r\n    def m(self, a):\r\n        return a\r\n");
    put(d, "pkg/inline.py", "def f(a): return a\nclass K: pass\n");
    let first = docwright(d, &["generate", "--offline", "--write", "pkg"]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    let after_first = tree(d);
    let second = docwright(d, &["generate", "--offline", "--write", "pkg"]);
    assert_eq!(second.code, 0);
    assert_eq!(second.stderr, "docwright: wrote 0 docstrings in 0 files; 4 files checked, 0 skipped\n");
    assert_eq!(tree(d), after_first);
    let check = docwright(d, &["generate", "--offline", "--check", "pkg"]);
    assert_eq!(check.code, 0, "{}", check.stdout);
    assert_eq!(check.stdout, "");
    // --update is idempotent too (its first run documents the constructor
    // arguments in the human-written class docstrings).
    let update = docwright(d, &["generate", "--offline", "--update", "--write", "pkg"]);
    assert_eq!(update.code, 0, "{}", update.stderr);
    let after_update = tree(d);
    let again = docwright(d, &["generate", "--offline", "--update", "--write", "pkg"]);
    assert_eq!(again.stderr, "docwright: wrote 0 docstrings in 0 files; 4 files checked, 0 skipped\n");
    assert_eq!(tree(d), after_update);
}

#[test]
fn without_a_model_templates_are_the_default() {
    let dir = tempfile::tempdir().unwrap();
    put(dir.path(), "m.py", ADD);
    let offline = tempfile::tempdir().unwrap();
    put(offline.path(), "m.py", ADD);
    let run = docwright(dir.path(), &["generate", "--write", "m.py"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .starts_with("docwright: no model is configured; writing docstrings from templates (as with --offline)\n"),
        "{}",
        run.stderr
    );
    let explicit = docwright(offline.path(), &["generate", "--offline", "--write", "m.py"]);
    assert_eq!(explicit.code, 0, "{}", explicit.stderr);
    assert_ne!(read(dir.path(), "m.py"), ADD);
    assert_eq!(read(dir.path(), "m.py"), read(offline.path(), "m.py"));
}

#[test]
fn too_small_width_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    put(dir.path(), "m.py", ADD);
    let run = docwright(dir.path(), &["generate", "--offline", "--width", "10", "--write", "m.py"]);
    assert_eq!(run.code, 2);
    assert_eq!(run.stderr, "docwright: --width 10 is too small (at least 20)\n");
    assert_eq!(read(dir.path(), "m.py"), ADD);
    let not_a_number = docwright(dir.path(), &["generate", "--offline", "--width", "-3", "m.py"]);
    assert_eq!(not_a_number.code, 2);
}

#[test]
fn width_wraps_long_lines() {
    let dir = tempfile::tempdir().unwrap();
    put(dir.path(), "m.py", "def f(a=\"a fairly long default value here\"):\n    return a\n");
    let run = docwright(dir.path(), &["generate", "--offline", "--write", "--no-module", "--width", "40", "m.py"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let written = read(dir.path(), "m.py");
    for line in written.lines() {
        assert!(line.chars().count() <= 40 || !line.contains("TODO"), "too long: {line:?}\n{written}");
    }
}

#[test]
fn many_files_come_out_in_path_order_every_time() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut names = Vec::new();
    for package in ["b", "a", "a-b", "a/z", "c"] {
        for i in (0..40).rev() {
            let name = format!("{package}/m{i}.py");
            put(d, &name, format!("def f{i}(x):\n    return x\n"));
            names.push(name);
        }
    }
    let first = docwright(d, &["generate", "--offline", "."]);
    assert_eq!(first.code, 0);
    let headers: Vec<&str> = first.stdout.lines().filter_map(|l| l.strip_prefix("--- a/")).collect();
    let mut expected: Vec<PathBuf> = names.iter().map(PathBuf::from).collect();
    expected.sort();
    assert_eq!(headers.iter().map(PathBuf::from).collect::<Vec<_>>(), expected);
    for _ in 0..2 {
        assert_eq!(docwright(d, &["generate", "--offline", "."]).stdout, first.stdout);
    }
    let inventory = docwright(d, &["inventory", "."]);
    assert_eq!(docwright(d, &["inventory", "."]).stdout, inventory.stdout);
}

#[test]
fn the_same_file_named_twice_is_worked_on_once() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    put(d, "pkg/m.py", ADD);
    std::os::unix::fs::symlink("m.py", d.join("pkg/link.py")).unwrap();
    let run = docwright(d, &["generate", "--offline", "--write", "pkg/m.py", "pkg", "./pkg/m.py", "pkg/link.py"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stderr, "docwright: wrote 2 docstrings in 1 file; 1 file checked, 0 skipped\n");
    assert_eq!(read(d, "pkg/m.py"), ADD_DOCUMENTED);
    assert_eq!(listed(d, &["pkg", "pkg/m.py"]), ["pkg/m.py"]);
}

#[test]
fn help_describes_the_commands() {
    let dir = tempfile::tempdir().unwrap();
    let run = docwright(dir.path(), &["--help"]);
    assert_eq!(run.code, 0);
    insta::assert_snapshot!("help", run.stdout);
    let generate = docwright(dir.path(), &["generate", "--help"]);
    assert_eq!(generate.code, 0);
    insta::assert_snapshot!("help_generate", generate.stdout);
    let inventory = docwright(dir.path(), &["inventory", "--help"]);
    assert_eq!(inventory.code, 0);
    insta::assert_snapshot!("help_inventory", inventory.stdout);
}

#[test]
fn syntax_error_message_says_where() {
    let dir = tempfile::tempdir().unwrap();
    put(dir.path(), "m.py", "def f():\n    pass\n\n\nx = (1,\ny = 2\n");
    let run = docwright(dir.path(), &["generate", "--offline", "m.py"]);
    assert_eq!(run.code, 1);
    assert_eq!(run.stdout, "");
    assert_eq!(
        run.stderr,
        "docwright: skipped m.py: has syntax errors (the first near line 5); fix them first
docwright: would write 0 docstrings in 0 files; 1 file checked, 1 skipped
"
    );
}

#[test]
fn a_closed_pipe_stops_quietly() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..300 {
        put(dir.path(), &format!("m{i}.py"), "def f(a):\n    return a\n\n\n".repeat(5));
    }
    for args in [&["generate", "--offline", "."][..], &["inventory", "--json", "."][..], &["inventory", "."][..]] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_docwright"))
            .args(args)
            .current_dir(dir.path())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Close the reading end at once, like `| head -0`; the output is far
        // larger than a pipe's buffer.
        drop(child.stdout.take());
        let output = child.wait_with_output().unwrap();
        assert_eq!(output.status.code(), Some(141), "{args:?}");
        assert_eq!(String::from_utf8_lossy(&output.stderr), "", "{args:?}");
    }
}

#[test]
fn finding_no_python_files_is_said() {
    let dir = tempfile::tempdir().unwrap();
    put(dir.path(), "pkg/notes.txt", "x\n");
    put(dir.path(), "pkg/m.py", "x = 1\n");
    let warning = "docwright: warning: no Python files found (only .py files are read, and .gitignore and hidden files are skipped)\n";
    let run = docwright(dir.path(), &["generate", "--offline", "pkg", "--include", "*.pyx"]);
    assert_eq!(run.code, 0);
    assert_eq!(
        run.stderr,
        format!("{warning}docwright: would write 0 docstrings in 0 files; 0 files checked, 0 skipped\n")
    );
    let json = docwright(dir.path(), &["inventory", "--json", "pkg", "--exclude", "m.py"]);
    assert_eq!(json.code, 0);
    assert_eq!(json.stdout, "{\"files\":[]}\n");
    assert_eq!(json.stderr, warning);
}

#[test]
fn logs_go_to_stderr_only() {
    let dir = tempfile::tempdir().unwrap();
    put(dir.path(), "m.py", ADD);
    let run = docwright(dir.path(), &["--log", "debug", "generate", "--offline", "--diff", "m.py"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("DEBUG") && run.stderr.contains("path=m.py"), "{}", run.stderr);
    assert!(!run.stdout.contains("DEBUG"), "{}", run.stdout);
    assert!(!run.stderr.contains('\u{1b}'), "no colour codes when stderr is not a terminal: {:?}", run.stderr);
    assert!(run.stdout.starts_with("--- a/m.py\n+++ b/m.py\n"), "{}", run.stdout);
}

#[test]
fn logs_can_go_to_a_file() {
    let dir = tempfile::tempdir().unwrap();
    put(dir.path(), "m.py", ADD);
    let log = dir.path().join("docwright.log");
    let log_arg = log.display().to_string();
    let run = docwright(dir.path(), &["--log", "debug", "--log-file", &log_arg, "generate", "--offline", "m.py"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stderr.contains("DEBUG"), "{}", run.stderr);
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(logged.contains("DEBUG") && logged.contains("path=m.py"), "{logged}");
    let bad = docwright(dir.path(), &["--log-file", "/nonexistent/dir/x.log", "generate", "--offline", "m.py"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.starts_with("docwright: cannot open the log file /nonexistent/dir/x.log"), "{}", bad.stderr);
}

#[test]
fn generate_reads_tool_docwright_from_the_nearest_pyproject() {
    let dir = tempfile::tempdir().unwrap();
    put(
        dir.path(),
        "pyproject.toml",
        "[project]\nname = \"demo\"\n\n[tool.docwright]\nstyle = \"numpy\"\nwidth = 5\nprivate = true\n",
    );
    put(dir.path(), "pkg/m.py", "def _helper(x: int) -> int:\n    return x\n");
    let run = docwright(dir.path(), &["generate", "--offline", "--no-module", "pkg"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // The bad width is reported with its file and key; the other keys apply.
    let pyproject = dir.path().canonicalize().unwrap().join("pyproject.toml");
    assert!(
        run.stderr.starts_with(&format!(
            "docwright: warning: {}: docwright.width: expected a whole number from 20 to 1000, got 5\n",
            pyproject.display()
        )),
        "{}",
        run.stderr
    );
    assert!(
        run.stdout.contains("+    Parameters\n+    ----------\n+    x : int\n"),
        "numpy, private included: {}",
        run.stdout
    );
    // A flag on the command line wins.
    let run = docwright(dir.path(), &["generate", "--offline", "--no-module", "--style", "google", "pkg"]);
    assert!(run.stdout.contains("+    Args:\n+        x (int): "), "{}", run.stdout);
}
