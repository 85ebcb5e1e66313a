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
