//! `docwright coverage` and `docwright complexity` against the reference
//! tools themselves (interrogate and mccabe, pinned in tests/requirements.txt)
//! over the whole standard library `python3` ships, and their command line:
//! exit status, text and JSON.

mod common;
#[path = "common/stdlib_oracle.rs"]
mod stdlib_oracle;

use std::path::{Path, PathBuf};
use std::process::Output;

use pretty_assertions::assert_eq;
use serde_json::{Value, json};

use common::venv_bin;
use stdlib_oracle::{docwright, oracle, run_checked, stdlib};

/// Two runs with options, between them every interrogate option docwright
/// takes (the default run has none).
const NAME_AND_DECORATOR_OPTIONS: &[&str] = &[
    "--ignore-init-method",
    "--ignore-magic",
    "--ignore-nested-functions",
    "--ignore-semiprivate",
    "--ignore-property-decorators",
    "--ignore-overloaded-functions",
    "--ignore-regex",
    "^test_",
];
const MODULE_AND_NESTING_OPTIONS: &[&str] = &[
    "--ignore-module",
    "--ignore-init-module",
    "--ignore-nested-classes",
    "--ignore-private",
    "--ignore-setters",
    "--fail-under",
    "15.5",
];

/// Per file and in total, coverage equals interrogate's (with its default
/// options and with two sets of options), and every graph's complexity
/// equals mccabe's. The oracle script says how files neither tool can read
/// are handled; each of its summary lines must report no mismatch and more
/// than a thousand files compared.
#[test]
fn stdlib_numbers_equal_interrogate_and_mccabe() {
    let dir = tempfile::tempdir().unwrap();
    let root = stdlib();
    let runs: Vec<(PathBuf, Vec<&str>)> = vec![
        (dir.path().join("coverage.json"), vec!["coverage"]),
        (dir.path().join("coverage-names.json"), [&["coverage"], NAME_AND_DECORATOR_OPTIONS].concat()),
        (dir.path().join("coverage-modules.json"), [&["coverage"], MODULE_AND_NESTING_OPTIONS].concat()),
        (dir.path().join("complexity.json"), vec!["complexity"]),
    ];
    std::thread::scope(|scope| {
        for (report, args) in &runs {
            let root = &root;
            scope.spawn(move || {
                let output = docwright()
                    .args(args)
                    .args(["--json", "--exclude", "site-packages"])
                    .arg(root)
                    .output()
                    .expect("docwright runs");
                // 1: a few test files are deliberately unreadable (and the
                // library is far below 80 % documented).
                assert!(matches!(output.status.code(), Some(0 | 1)), "{args:?}: {output:?}");
                std::fs::write(report, &output.stdout).unwrap();
            });
        }
    });
    let mut check = std::process::Command::new(venv_bin("python"));
    check.arg(oracle("reports_check.py")).arg(&root).args(["--exclude", "site-packages"]);
    for (report, args) in &runs[..3] {
        check.arg("--coverage").arg(report).args(&args[1..]).arg("--end");
    }
    check.arg("--complexity").arg(&runs[3].0);
    let verdict = run_checked(&mut check);
    println!("{verdict}");
    let summaries: Vec<&str> = verdict.lines().filter(|l| l.contains(" compared ")).collect();
    assert_eq!(summaries.len(), 4, "{verdict}");
    for summary in summaries {
        assert!(summary.ends_with(" 0 mismatches"), "{summary}");
        let compared: usize =
            summary.split(" compared ").nth(1).and_then(|r| r.split(' ').next()).unwrap().parse().unwrap();
        assert!(compared > 1000, "too few files compared: {summary}");
    }
}

/// Writes `relative` under `dir`, creating its directories.
fn put(dir: &Path, relative: &str, contents: &str) {
    let path = dir.join(relative);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, contents).unwrap();
}

fn run(dir: &Path, args: &[&str]) -> Output {
    docwright().args(args).current_dir(dir).env_remove("DOCWRIGHT_LOG").output().expect("docwright runs")
}

/// Two of three nodes documented: 66.67 %.
const TWO_THIRDS: &str =
    "\"\"\"Doc.\"\"\"\n\n\ndef documented():\n    \"\"\"Doc.\"\"\"\n\n\ndef undocumented():\n    pass\n";

#[test]
fn fail_under_fails_below_the_threshold_after_interrogates_rounding() {
    let dir = tempfile::tempdir().unwrap();
    put(dir.path(), "pkg/a.py", TWO_THIRDS);
    // As interrogate answers: 66.666... is rounded to the threshold's decimals
    // (at least one) before it is compared; the default threshold is 80.
    for (threshold, status) in [("66.67", 0), ("66.68", 1), ("66.7", 0), ("0", 0)] {
        let output = run(dir.path(), &["coverage", "--fail-under", threshold, "pkg"]);
        assert_eq!(output.status.code(), Some(status), "--fail-under {threshold}: {output:?}");
    }
    assert_eq!(run(dir.path(), &["coverage", "pkg"]).status.code(), Some(1));
    let output = run(dir.path(), &["coverage", "--fail-under", "many", "pkg"]);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let output = run(dir.path(), &["coverage", "--ignore-regex", "(", "pkg"]);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stderr).contains("invalid --ignore-regex pattern `(`"), "{output:?}");
}

#[test]
fn coverage_prints_interrogates_summary_and_json_with_missing_names() {
    let dir = tempfile::tempdir().unwrap();
    put(dir.path(), "pkg/a.py", TWO_THIRDS);
    put(dir.path(), "pkg/__init__.py", "");
    put(dir.path(), "pkg/broken.py", "def f(:\n    pass\n");
    let output = run(dir.path(), &["coverage", "--fail-under", "50", "pkg"]);
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "\
Name             Total  Miss  Cover  Cover%
pkg/__init__.py      1     1      0      0%
pkg/a.py             3     1      2     67%
-------------------------------------------
TOTAL                4     2      2   50.0%
RESULT: PASSED (minimum: 50.0%, actual: 50.0%)
"
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "docwright: skipped pkg/broken.py: has syntax errors (the first near line 1); fix them first\n\
         docwright: 1 file not counted\n"
    );
    // Passed, but the report is incomplete.
    assert_eq!(output.status.code(), Some(1));

    let output = run(dir.path(), &["coverage", "--json", "--ignore-init-module", "pkg"]);
    let report: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(
        report,
        json!({
            "files": [{
                "path": "pkg/a.py",
                "total": 3,
                "documented": 2,
                "missing": 1,
                "percent": 2.0 / 3.0 * 100.0,
                "missing_names": [{"name": "undocumented", "kind": "function", "line": 8}],
            }],
            "skipped": [{
                "path": "pkg/broken.py",
                "error": "pkg/broken.py: has syntax errors (the first near line 1); fix them first",
            }],
            "total": {"total": 3, "documented": 2, "missing": 1, "percent": 2.0 / 3.0 * 100.0},
            "fail_under": 80.0,
            "passed": false,
        })
    );
}

#[test]
fn complexity_prints_mccabes_graphs_and_json() {
    let dir = tempfile::tempdir().unwrap();
    put(
        dir.path(),
        "m.py",
        "class C:\n    def m(self, x):\n        if x:\n            return 1\n        return 2\n\n\nif True:\n    pass\n",
    );
    let output = run(dir.path(), &["complexity", "m.py"]);
    assert_eq!(String::from_utf8_lossy(&output.stdout), "m.py:2:4: C.m 2\nm.py:8:0: If 8 2\n");
    assert_eq!(output.status.code(), Some(0));
    let output = run(dir.path(), &["complexity", "--json", "--min", "2", "m.py"]);
    let report: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(
        report,
        json!({
            "files": [{
                "path": "m.py",
                "graphs": [
                    {"name": "C.m", "line": 2, "column": 4, "complexity": 2},
                    {"name": "If 8", "line": 8, "column": 0, "complexity": 2},
                ],
            }],
            "skipped": [],
        })
    );
    let output = run(dir.path(), &["complexity", "--min", "3", "m.py"]);
    assert_eq!(String::from_utf8_lossy(&output.stdout), "");
}
