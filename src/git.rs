//! What docwright asks of git: a shallow clone of a repository named by URL,
//! the lines changed since a revision, and a file's last commit. Each runs the
//! `git` program; an error says which command failed and what git printed.

use std::ffi::OsStr;
use std::path::Path;
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
}
