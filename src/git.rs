//! What docwright asks of git: a shallow clone of a repository named by URL,
//! the lines changed since a revision, and a file's last commit. Each runs the
//! `git` program; an error says which command failed and what git printed.

use std::collections::HashMap;
use std::ffi::OsStr;
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

/// Runs `git ARGS` in `dir` and returns what it printed on stdout.
pub fn run<I, S>(dir: &Path, args: I) -> Result<String>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let args: Vec<S> = args.into_iter().collect();
    let shown: Vec<String> = args.iter().map(|a| a.as_ref().to_string_lossy().into_owned()).collect();
    let output = Command::new("git")
        .args(&args)
        .current_dir(dir)
        // Never wait on a prompt for credentials: fail and say so.
        .env("GIT_TERMINAL_PROMPT", "0")
        .output()
        .with_context(|| format!("cannot run git (is it installed?) for `git {}`", shown.join(" ")))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        bail!("`git {}` in {} failed: {}", shown.join(" "), dir.display(), stderr.trim());
    }
    String::from_utf8(output.stdout)
        .with_context(|| format!("`git {}` printed text that is not UTF-8", shown.join(" ")))
}

/// Whether a path argument names a repository to clone rather than a local
/// path: a URL (`https://…`, `ssh://…`, `file://…`, `git://…`) or git's
/// `user@host:path` form.
pub fn is_url(argument: &str) -> bool {
    if let Some((scheme, _)) = argument.split_once("://") {
        return !scheme.is_empty() && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    }
    // `git@github.com:org/repo.git`: a colon before any slash, and a user.
    match (argument.find(':'), argument.find('/')) {
        (Some(colon), slash) => {
            let before = &argument[..colon];
            before.contains('@') && slash.is_none_or(|slash| colon < slash) && !Path::new(argument).exists()
        }
        _ => false,
    }
}

/// Clones `url` with only its last commit into `into` (which must not exist
/// or be empty).
pub fn shallow_clone(url: &str, into: &Path) -> Result<()> {
    let parent = into.parent().unwrap_or(Path::new("."));
    run(
        parent,
        [
            OsStr::new("clone"),
            OsStr::new("--depth"),
            OsStr::new("1"),
            OsStr::new("--quiet"),
            OsStr::new(url),
            into.as_os_str(),
        ],
    )
    .with_context(|| format!("cannot clone {url}"))?;
    Ok(())
}

/// What changed in one file since a revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Changed {
    /// A file the revision does not have (new, untracked, or renamed).
    Whole,
    /// 1-based lines of the current file that were added or changed, and
    /// the line after each place where lines were only deleted.
    Lines(Vec<RangeInclusive<usize>>),
}

/// The files of the repository holding `dir` that differ from `base` in the
/// working tree (staged or not, untracked files included), by absolute
/// path. Files that did not change are absent.
pub fn changed_since(dir: &Path, base: &str) -> Result<HashMap<PathBuf, Changed>> {
    let top = PathBuf::from(run(dir, ["rev-parse", "--show-toplevel"])?.trim_end_matches(['\n', '\r']));
    let commit = format!("{base}^{{commit}}");
    run(&top, ["rev-parse", "--verify", "--quiet", commit.as_str()])
        .with_context(|| format!("`{base}` is not a revision of the repository at {}", top.display()))?;
    let diff = run(
        &top,
        [
            "-c",
            "core.quotePath=false",
            "diff",
            "--unified=0",
            "--no-color",
            "--no-ext-diff",
            "--no-textconv",
            "--no-renames",
            "--src-prefix=a/",
            "--dst-prefix=b/",
            base,
            "--",
        ],
    )?;
    let mut changed: HashMap<PathBuf, Changed> =
        parse_diff(&diff).into_iter().map(|(path, lines)| (top.join(path), lines)).collect();
    let untracked = run(&top, ["ls-files", "--others", "--exclude-standard", "-z"])?;
    for path in untracked.split('\0').filter(|p| !p.is_empty()) {
        changed.insert(top.join(path), Changed::Whole);
    }
    Ok(changed)
}

/// The changed lines of each file in a `git diff --unified=0` (paths as the
/// diff gives them, relative to the repository's top).
fn parse_diff(diff: &str) -> HashMap<String, Changed> {
    let mut files: HashMap<String, Changed> = HashMap::new();
    let mut current: Option<String> = None;
    let mut whole = false;
    for line in diff.lines() {
        if line.starts_with("diff --git ") {
            current = None;
            whole = false;
        } else if line.starts_with("--- ") {
            whole = line == "--- /dev/null";
        } else if let Some(path) = line.strip_prefix("+++ ") {
            current = path.strip_prefix("b/").map(unquoted);
            if let Some(path) = &current {
                let entry = if whole { Changed::Whole } else { Changed::Lines(Vec::new()) };
                files.insert(path.clone(), entry);
            }
        } else if let (Some(path), Some(hunk)) = (&current, line.strip_prefix("@@ ")) {
            let Some(lines) = hunk_lines(hunk) else { continue };
            if let Some(Changed::Lines(ranges)) = files.get_mut(path) {
                ranges.push(lines);
            }
        }
    }
    files
}

/// The new file's lines of a hunk header (`-a,b +c,d @@ ...`).
fn hunk_lines(hunk: &str) -> Option<RangeInclusive<usize>> {
    let new = hunk.split_whitespace().find_map(|part| part.strip_prefix('+'))?;
    let (start, count) = match new.split_once(',') {
        Some((start, count)) => (start.parse::<usize>().ok()?, count.parse::<usize>().ok()?),
        None => (new.parse::<usize>().ok()?, 1),
    };
    // Only deleted: the lines around the place changed.
    Some(if count == 0 { start.max(1)..=start + 1 } else { start..=start + count - 1 })
}

/// A path as git writes it, unquoted when git quoted it (`"a\"b.py"`).
fn unquoted(path: &str) -> String {
    let Some(inner) = path.strip_prefix('"').and_then(|p| p.strip_suffix('"')) else { return path.to_string() };
    let mut out = Vec::new();
    let mut bytes = inner.bytes();
    while let Some(byte) = bytes.next() {
        if byte != b'\\' {
            out.push(byte);
            continue;
        }
        match bytes.next() {
            Some(b'n') => out.push(b'\n'),
            Some(b't') => out.push(b'\t'),
            Some(digit @ b'0'..=b'7') => {
                // Three octal digits: one byte of a UTF-8 sequence.
                let rest: Vec<u8> = bytes.by_ref().take(2).collect();
                let octal = [digit].iter().chain(&rest).fold(0u32, |n, d| n * 8 + u32::from(d.wrapping_sub(b'0')));
                out.push(u8::try_from(octal).unwrap_or(b'?'));
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The last commit that changed a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastChange {
    pub author: String,
    /// The author date, strict ISO 8601 (`2024-05-01T12:00:00+02:00`).
    pub date: String,
    /// The abbreviated hash, as git abbreviates it in that repository.
    pub hash: String,
    pub subject: String,
}

/// The last commit that changed `path` (a file). `None` when the file is not
/// in a git repository, the repository has no commits, or no commit touched
/// the file (it is new or ignored); an error only when git fails otherwise
/// (not installed, a repository it refuses to read).
pub fn last_change(path: &Path) -> Result<Option<LastChange>> {
    let path = std::fs::canonicalize(path).with_context(|| format!("cannot resolve {}", path.display()))?;
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else { return Ok(None) };
    // Outside a repository is the common case: no need to run git to know it.
    // (`.git` is a directory, or a file in a worktree or submodule.)
    if !dir.ancestors().any(|d| d.join(".git").exists()) {
        return Ok(None);
    }
    // Fields split by NUL, which no name or subject holds; a signature check
    // that a user's configuration asks for would print more than the format.
    let log = ["-c", "log.showSignature=false", "log", "-1", "--format=%an%x00%aI%x00%h%x00%s", "--"];
    let args = log.iter().map(OsStr::new).chain([name]);
    let printed = match run(dir, args) {
        Ok(printed) => printed,
        Err(error) => {
            // A repository git reads but that has no commits fails `log`:
            // there is no last change.
            let readable = run(dir, ["rev-parse", "--git-dir"]).is_ok();
            if readable && run(dir, ["rev-parse", "--verify", "--quiet", "HEAD"]).is_err() {
                return Ok(None);
            }
            return Err(error);
        }
    };
    let line = printed.trim_end_matches(['\n', '\r']);
    if line.is_empty() {
        return Ok(None);
    }
    let mut fields = line.splitn(4, '\0').map(str::to_string);
    let mut next = || fields.next().unwrap_or_default();
    Ok(Some(LastChange { author: next(), date: next(), hash: next(), subject: next() }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_told_from_paths() {
        for url in [
            "https://github.com/org/repo.git",
            "file:///tmp/repo",
            "ssh://git@host/org/repo",
            "git://host/repo",
            "git@github.com:org/repo.git",
        ] {
            assert!(is_url(url), "{url}");
        }
        for path in ["src", "./pkg/mod.py", "/abs/path", "C:/not/a/url/really", "weird:name/file.py"] {
            assert!(!is_url(path), "{path}");
        }
    }

    #[test]
    fn a_diff_gives_each_files_changed_lines() {
        let diff = "diff --git a/pkg/a.py b/pkg/a.py\nindex 1..2 100644\n--- a/pkg/a.py\n+++ b/pkg/a.py\n@@ -3 +3 @@ def f():\n-    return 1\n+    return 2\n@@ -10,2 +11,0 @@\n-x\n-y\n@@ -20,0 +20,3 @@\n+a\n+b\n+c\ndiff --git a/new.py b/new.py\nnew file mode 100644\n--- /dev/null\n+++ b/new.py\n@@ -0,0 +1,2 @@\n+x = 1\n+y = 2\ndiff --git a/gone.py b/gone.py\n--- a/gone.py\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n";
        let files = parse_diff(diff);
        assert_eq!(files.get("pkg/a.py"), Some(&Changed::Lines(vec![3..=3, 11..=12, 20..=22])));
        assert_eq!(files.get("new.py"), Some(&Changed::Whole));
        assert_eq!(files.get("gone.py"), None);
        assert_eq!(files.len(), 2);
    }

    #[test]
    fn quoted_paths_are_read_back() {
        assert_eq!(unquoted("\"sp\\\"ace.py\""), "sp\"ace.py");
        assert_eq!(unquoted("\"caf\\303\\251.py\""), "café.py");
        assert_eq!(unquoted("plain.py"), "plain.py");
    }
}
