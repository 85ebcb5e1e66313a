//! Documenting a whole repository from the shell or CI with a model: the CI
//! gate, `--changed`, repositories by URL, the JSON summary, progress, and a
//! clean stop on Ctrl-C. The built binary against the mock service.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use docwright_mock::{MockConfig, MockServer};
use model_run::{KEY, chat_requests, command, docwright, mock, text};

#[path = "common/model_run.rs"]
mod model_run;

/// A module of `functions` undocumented functions named `{prefix}_{i}`.
fn module(prefix: &str, functions: usize) -> String {
    (0..functions).map(|i| format!("def {prefix}_{i}(value):\n    return value + {i}\n\n\n")).collect()
}

fn package(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, source) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, source).unwrap();
    }
    dir
}

fn git(dir: &Path, args: &[&str]) {
    let done = Command::new("git")
        .args(["-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "init.defaultBranch=main"])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs");
    assert!(done.status.success(), "git {args:?}: {}", text(&done.stderr));
}

fn committed(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = package(files);
    git(dir.path(), &["init", "--quiet"]);
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "--quiet", "-m", "first"]);
    dir
}

/// The `path:line: what: name` lines of `--check`, as `path name`.
fn listed(stdout: &[u8]) -> Vec<String> {
    let mut found: Vec<String> = text(stdout)
        .lines()
        .filter_map(|line| {
            let (path, rest) = line.split_once(':')?;
            Some(format!("{path} {}", rest.rsplit(": ").next()?))
        })
        .collect();
    found.sort();
    found
}

#[test]
fn check_asks_no_model_and_passes_once_the_model_has_written_everything() {
    let mock = mock();
    let dir = package(&[("pkg/a.py", &module("alpha", 2)), ("pkg/b.py", &module("beta", 1))]);
    let check = docwright(dir.path(), &mock, &[], &["generate", "--check", "pkg"]);
    assert_eq!(check.status.code(), Some(1), "{}", text(&check.stderr));
    assert_eq!(
        listed(&check.stdout),
        ["pkg/a.py <module>", "pkg/a.py alpha_0", "pkg/a.py alpha_1", "pkg/b.py <module>", "pkg/b.py beta_0"]
    );
    assert_eq!(chat_requests(&mock), 0, "a CI gate never spends");

    let write = docwright(dir.path(), &mock, &[], &["generate", "--write", "pkg"]);
    assert!(write.status.success(), "{}", text(&write.stderr));
    assert_eq!(chat_requests(&mock), 5);
    let check = docwright(dir.path(), &mock, &[], &["generate", "--check", "pkg"]);
    assert!(check.status.success(), "{}{}", text(&check.stdout), text(&check.stderr));
    assert_eq!(text(&check.stdout), "");
    assert_eq!(chat_requests(&mock), 5);
}

#[test]
fn changed_documents_only_what_changed_since_a_revision() {
    let dir = committed(&[
        ("pkg/a.py", "def kept(x):\n    return x\n\n\ndef edited(x):\n    return x\n"),
        ("pkg/b.py", "def other(x):\n    return x\n"),
    ]);
    std::fs::write(dir.path().join("pkg/a.py"), "def kept(x):\n    return x\n\n\ndef edited(x):\n    return x * 2\n")
        .unwrap();
    std::fs::write(dir.path().join("pkg/new.py"), "def fresh(x):\n    return x\n").unwrap();
    let expected = ["pkg/a.py <module>", "pkg/a.py edited", "pkg/new.py <module>", "pkg/new.py fresh"];

    let mock = mock();
    let check = docwright(dir.path(), &mock, &[], &["generate", "--changed", "--check", "pkg"]);
    assert_eq!(check.status.code(), Some(1), "{}", text(&check.stderr));
    assert_eq!(listed(&check.stdout), expected, "uncommitted changes and untracked files");

    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "--quiet", "-m", "second"]);
    let since = docwright(dir.path(), &mock, &[], &["generate", "--changed=HEAD~1", "--check", "pkg"]);
    assert_eq!(listed(&since.stdout), expected, "changes since a revision");
    let nothing = docwright(dir.path(), &mock, &[], &["generate", "--changed", "--check", "pkg"]);
    assert!(nothing.status.success(), "nothing changed since HEAD: {}", text(&nothing.stdout));

    let write = docwright(dir.path(), &mock, &[], &["generate", "--changed=HEAD~1", "--write", "pkg"]);
    assert!(write.status.success(), "{}", text(&write.stderr));
    assert_eq!(chat_requests(&mock), 4, "one request per changed definition");
    let a = std::fs::read_to_string(dir.path().join("pkg/a.py")).unwrap();
    assert!(a.contains("def edited(x):\n    \"\"\""), "{a}");
    assert!(a.contains("def kept(x):\n    return x"), "an unchanged function is left alone: {a}");
    let b = std::fs::read_to_string(dir.path().join("pkg/b.py")).unwrap();
    assert_eq!(b, "def other(x):\n    return x\n");

    let unknown = docwright(dir.path(), &mock, &[], &["generate", "--changed=no-such-branch", "--check", "pkg"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(text(&unknown.stderr).contains("`no-such-branch` is not a revision"), "{}", text(&unknown.stderr));
}

#[test]
fn a_repository_url_is_cloned_and_shown_by_its_own_paths() {
    let repository = committed(&[("pkg/mod.py", &module("gamma", 1))]);
    let url = format!("file://{}", repository.path().display());
    let mock = mock();
    let work = tempfile::tempdir().unwrap();

    let check = docwright(work.path(), &mock, &[], &["generate", "--check", &url]);
    assert_eq!(check.status.code(), Some(1), "{}", text(&check.stderr));
    assert_eq!(listed(&check.stdout), ["pkg/mod.py <module>", "pkg/mod.py gamma_0"]);

    let diff = docwright(work.path(), &mock, &[], &["generate", &url]);
    assert!(diff.status.success(), "{}", text(&diff.stderr));
    let shown = text(&diff.stdout);
    assert!(shown.starts_with("--- a/pkg/mod.py\n+++ b/pkg/mod.py\n"), "{shown}");
    assert_eq!(chat_requests(&mock), 2);

    let write = docwright(work.path(), &mock, &[], &["generate", "--write", &url]);
    assert_eq!(write.status.code(), Some(2));
    assert!(text(&write.stderr).contains("clone it yourself"), "{}", text(&write.stderr));
    let missing = docwright(work.path(), &mock, &[], &["generate", "--check", "file:///no/such/repository"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing.stderr).contains("cannot clone file:///no/such/repository"), "{}", text(&missing.stderr));
}

#[test]
fn json_gives_the_counts_each_edit_and_the_models_and_caches_figures() {
    let mock = mock();
    let dir = package(&[("pkg/a.py", &module("delta", 3))]);
    let first = docwright(dir.path(), &mock, &[], &["generate", "--json", "pkg"]);
    assert!(first.status.success(), "{}", text(&first.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&first.stdout).expect("stdout is one JSON document");
    assert_eq!(summary["docstrings"]["added"], 4);
    assert_eq!(summary["files"]["checked"], 1);
    assert_eq!(summary["edits"].as_array().unwrap().len(), 4);
    assert_eq!(summary["edits"][1]["qualname"], "delta_0");
    assert_eq!(summary["edits"][1]["action"], "added");
    assert_eq!(summary["model"]["requests"], 4);
    assert!(summary["model"]["usage"]["prompt_tokens"].as_u64().unwrap() > 0, "{summary}");
    assert!(summary["model"]["latencyP95Ms"].is_u64(), "{summary}");
    assert_eq!(summary["cache"]["misses"], 4);
    assert_eq!(summary["interrupted"], false);
    assert!(summary["seconds"].as_f64().unwrap() > 0.0);

    let second = docwright(dir.path(), &mock, &[], &["generate", "--json", "pkg"]);
    let summary: serde_json::Value = serde_json::from_slice(&second.stdout).unwrap();
    assert_eq!(summary["cache"]["hits"], 4);
    assert_eq!(summary["model"]["requests"], 0);
    let stderr = text(&second.stderr);
    assert!(stderr.contains("cache: 4 hits, 0 misses"), "{stderr}");
    assert!(stderr.contains("4 new, 0 updated, 0 regenerated in "), "{stderr}");
}

#[test]
fn progress_shows_in_a_log_when_asked() {
    let mock = mock();
    let dir = package(&[("pkg/a.py", &module("eps", 9))]);
    let run = docwright(dir.path(), &mock, &[], &["generate", "--progress", "pkg"]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let stderr = text(&run.stderr);
    let lines: Vec<&str> = stderr.lines().filter(|l| l.contains("/10 docstrings (")).collect();
    assert!(lines.len() >= 9, "a line at every tenth: {stderr}");
    let last = lines.last().unwrap();
    assert!(last.starts_with("docwright: 10/10 docstrings (100%), 0 from the cache, "), "{stderr}");
    assert!(last.contains(" tokens, $"), "{last}");
    let quiet = docwright(dir.path(), &mock, &[], &["generate", "--no-progress", "pkg"]);
    assert!(!text(&quiet.stderr).contains("docstrings ("), "{}", text(&quiet.stderr));
}

/// On a terminal (a pseudo-terminal from util-linux's `script`), a run over a
/// second shows a bar with the count, the rate, the time left and the figures.
#[test]
fn a_terminal_gets_a_progress_bar() {
    let mock = MockServer::start(MockConfig {
        api_keys: vec![KEY.to_string()],
        latency: Duration::from_millis(250),
        ..MockConfig::default()
    });
    let dir = package(&[("pkg/a.py", &module("zeta", 7))]);
    let inner = format!("{} generate --concurrency 1 pkg > /dev/null", env!("CARGO_BIN_EXE_docwright"));
    let mut terminal = Command::new("script");
    terminal.args(["-qefc", &inner, "/dev/null"]);
    // The same environment as every other run against the mock.
    for (name, value) in command(dir.path(), &mock, &[], &[]).get_envs() {
        match value {
            Some(value) => terminal.env(name, value),
            None => terminal.env_remove(name),
        };
    }
    let output = terminal.env("TERM", "xterm").current_dir(dir.path()).output().expect("script runs");
    let shown = text(&output.stdout);
    assert!(output.status.success(), "{shown}{}", text(&output.stderr));
    assert!(shown.contains("/8 docstrings · "), "{shown}");
    assert!(shown.contains(" · ETA "), "{shown}");
    assert!(shown.contains("from the cache, "), "{shown}");
    assert!(shown.contains("would write 8 docstrings in 1 file"), "{shown}");
}

#[test]
fn ctrl_c_stops_the_run_and_leaves_every_file_untouched_or_whole() {
    // Slow answers, two at a time: the run is stopped while it is under way.
    let mock = MockServer::start(MockConfig {
        api_keys: vec![KEY.to_string()],
        latency: Duration::from_millis(300),
        ..MockConfig::default()
    });
    let files: Vec<(String, String)> =
        (0..12).map(|f| (format!("pkg/m{f:02}.py"), module(&format!("f{f}"), 2))).collect();
    let borrowed: Vec<(&str, &str)> = files.iter().map(|(p, s)| (p.as_str(), s.as_str())).collect();
    let dir = package(&borrowed);
    let child = command(dir.path(), &mock, &[], &["generate", "--write", "--concurrency", "2", "pkg"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("docwright starts");
    // Two files at a time, three docstrings each, two requests in flight:
    // once nine requests have arrived, at least seven are answered, so at
    // least one file is finished.
    let waited = Instant::now();
    while chat_requests(&mock) < 9 {
        assert!(waited.elapsed() < Duration::from_secs(60), "the run never got going");
        std::thread::sleep(Duration::from_millis(20));
    }
    let sent = Command::new("kill").args(["-INT", &child.id().to_string()]).status().expect("kill runs");
    assert!(sent.success());
    let output = child.wait_with_output().expect("docwright ends");
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted: "), "{stderr}");
    assert!(stderr.contains(" not written; "), "{stderr}");
    assert!(stderr.contains("a new run picks up where this one stopped"), "{stderr}");
    assert!(chat_requests(&mock) < 36, "the run stopped asking");

    let (mut untouched, mut written) = (0, 0);
    for (path, original) in &files {
        let now = std::fs::read_to_string(dir.path().join(path)).unwrap();
        if &now == original {
            untouched += 1;
            continue;
        }
        written += 1;
        let mut parsed = Command::new("python3")
            .args(["-c", "import ast, sys; ast.parse(sys.stdin.read())"])
            .stdin(Stdio::piped())
            .spawn()
            .unwrap();
        std::io::Write::write_all(&mut parsed.stdin.take().unwrap(), now.as_bytes()).unwrap();
        assert!(parsed.wait().unwrap().success(), "{path} is valid Python:\n{now}");
        assert!(now.starts_with("\"\"\""), "{path} was finished, its module docstring written:\n{now}");
        assert_eq!(now.matches("\"\"\"").count(), 6, "{path} was finished, every docstring written:\n{now}");
    }
    assert!(written > 0 && untouched > 0, "stopped mid-run: {written} written, {untouched} untouched\n{stderr}");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("pkg"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| !e.file_name().to_string_lossy().ends_with(".py"))
        .collect();
    assert!(leftovers.is_empty(), "no temporary files left: {leftovers:?}");
}
