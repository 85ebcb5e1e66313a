//! `docwright markdown` end to end: the pages it writes for the package in
//! tests/fixtures/markdown (snapshots, in a git repository and outside one),
//! and its command line: exit status, skipped files, and links that lead
//! somewhere.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use docwright::git::{LastChange, last_change};
use pretty_assertions::assert_eq;
use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

#[path = "common/run.rs"]
mod run;

/// Runs `docwright args...` in `dir`; `markdown` prints nothing on stdout.
fn docwright(dir: &Path, args: &[&str]) -> run::Run {
    let run = run::docwright(dir, args);
    assert_eq!(run.stdout, "", "{args:?}");
    run
}

/// A copy of the fixture package at `dir/shapes`.
fn fixture(dir: &Path) {
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/markdown/shapes");
    std::fs::create_dir_all(dir.join("shapes")).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.join("shapes").join(entry.file_name())).unwrap();
    }
}

/// Runs git in `dir` as a fixed person at a fixed time, without the user's
/// configuration, so that hashes are the same on every machine.
fn git(dir: &Path, date: &str, args: &[&str]) {
    let status = Command::new("git")
        .args(["-c", "user.name=Ada Lovelace", "-c", "user.email=ada@example.com", "-c", "commit.gpgsign=false"])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_DATE", date)
        .status()
        .expect("git is installed");
    assert!(status.success(), "git {args:?}");
}

/// Every file in `dir` by name, with its text.
fn pages(dir: &Path) -> BTreeMap<String, String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| {
            let entry = entry.unwrap();
            (entry.file_name().to_string_lossy().into_owned(), std::fs::read_to_string(entry.path()).unwrap())
        })
        .collect()
}

#[test]
fn last_change_is_none_outside_git_before_any_commit_and_for_a_file_never_committed() {
    let dir = tempfile::tempdir().unwrap();
    let (d, date) = (dir.path(), "2024-05-01T12:00:00+02:00");
    let file = d.join("m.py");
    std::fs::write(&file, "x = 1\n").unwrap();
    assert_eq!(last_change(&file).unwrap(), None, "not a repository");
    git(d, date, &["init", "--quiet"]);
    assert_eq!(last_change(&file).unwrap(), None, "no commits yet");
    std::fs::write(d.join("other.py"), "").unwrap();
    git(d, date, &["add", "other.py"]);
    git(d, date, &["commit", "--quiet", "-m", "Add other"]);
    assert_eq!(last_change(&file).unwrap(), None, "never committed");
    git(d, date, &["add", "m.py"]);
    git(d, date, &["commit", "--quiet", "-m", "Add m: the first | module"]);
    let change = last_change(&file).unwrap().expect("committed");
    let hash = change.hash.clone();
    assert!(hash.len() >= 7 && hash.chars().all(|c| c.is_ascii_hexdigit()), "{change:?}");
    let expected = LastChange {
        author: "Ada Lovelace".to_string(),
        date: date.to_string(),
        hash,
        subject: "Add m: the first | module".to_string(),
    };
    assert_eq!(change, expected);
}

const WRITTEN: &str = "docwright: 3 module pages and index.md in docs\n";

#[test]
fn pages_of_a_package_in_a_git_repository_and_outside_one() {
    let repository = tempfile::tempdir().unwrap();
    let d = repository.path();
    fixture(d);
    git(d, "2024-05-01T12:00:00+02:00", &["init", "--quiet"]);
    git(d, "2024-05-01T12:00:00+02:00", &["add", "shapes/__init__.py", "shapes/geometry.py"]);
    git(d, "2024-05-01T12:00:00+02:00", &["commit", "--quiet", "-m", "Add shapes and their geometry"]);
    git(d, "2024-06-15T09:30:00+01:00", &["add", "shapes/units.py"]);
    git(d, "2024-06-15T09:30:00+01:00", &["commit", "--quiet", "-m", "Convert units <in|ft> to `cm`"]);
    let run = docwright(d, &["markdown", "shapes", "-o", "docs"]);
    assert_eq!((run.code, run.stderr.as_str()), (0, WRITTEN));
    let in_git = pages(&d.join("docs"));
    assert_eq!(in_git.keys().collect::<Vec<_>>(), ["index.md", "shapes.geometry.md", "shapes.md", "shapes.units.md"]);
    for (name, text) in &in_git {
        insta::assert_snapshot!(name.as_str(), text);
    }

    // Outside git: the same pages, without their last change.
    let plain = tempfile::tempdir().unwrap();
    fixture(plain.path());
    let run = docwright(plain.path(), &["markdown", "shapes", "-o", "docs"]);
    assert_eq!((run.code, run.stderr.as_str()), (0, WRITTEN));
    let without_change = |text: &str| match text.find("**Last change:**") {
        // The paragraph, and the blank line after it.
        Some(start) => {
            let end = text[start..].find("\n\n").map_or(text.len(), |end| start + end + 2);
            format!("{}{}", &text[..start], &text[end..])
        }
        None => text.to_string(),
    };
    let outside: BTreeMap<String, String> =
        in_git.iter().map(|(name, text)| (name.clone(), without_change(text))).collect();
    assert_ne!(outside, in_git, "the pages in git say when they last changed");
    assert_eq!(pages(&plain.path().join("docs")), outside);
}

/// The anchors a page defines (`<a id="...">` in its headings) and the links
/// it holds (target, link text), read by a CommonMark parser; also checks
/// that every table row has as many cells as its header.
fn read_page(text: &str) -> (BTreeSet<String>, Vec<String>) {
    let mut anchors = BTreeSet::new();
    let mut links = Vec::new();
    let (mut in_heading, mut header_cells, mut cells) = (false, 0, 0);
    for event in Parser::new_ext(text, Options::ENABLE_TABLES) {
        match event {
            Event::Start(Tag::Heading { .. }) => in_heading = true,
            Event::End(TagEnd::Heading(_)) => in_heading = false,
            Event::InlineHtml(html) if html.starts_with("<a id=\"") => {
                assert!(in_heading, "an anchor outside a heading: {html}");
                let id = html["<a id=\"".len()..].split('"').next().unwrap_or_default().to_string();
                assert!(anchors.insert(id.clone()), "anchor {id} twice");
            }
            Event::Start(Tag::Link { dest_url, .. }) => links.push(dest_url.to_string()),
            Event::Start(Tag::TableRow | Tag::TableHead) => cells = 0,
            Event::End(TagEnd::TableCell) => cells += 1,
            Event::End(TagEnd::TableHead) => header_cells = cells,
            Event::End(TagEnd::TableRow) => assert_eq!(cells, header_cells, "a row's cells in\n{text}"),
            Event::Html(html) => panic!("an HTML block: {html}"),
            _ => {}
        }
    }
    (anchors, links)
}

/// `%XX` sequences decoded.
fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let hex = bytes.get(at + 1..at + 3).and_then(|h| u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok());
        match (bytes[at], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                at += 3;
            }
            (byte, _) => {
                out.push(byte);
                at += 1;
            }
        }
    }
    String::from_utf8(out).unwrap()
}

#[test]
fn every_link_leads_to_a_page_and_an_anchor_and_the_index_reaches_every_definition() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fixture(d);
    assert_eq!(docwright(d, &["markdown", "shapes", "-o", "docs", "--private"]).code, 0);
    let docs = pages(&d.join("docs"));
    let read: BTreeMap<&str, (BTreeSet<String>, Vec<String>)> =
        docs.iter().map(|(name, text)| (name.as_str(), read_page(text))).collect();
    let mut reached = BTreeSet::new();
    for (page, (_, links)) in &read {
        for link in links {
            let (file, anchor) = link.split_once('#').unwrap_or((link, ""));
            let file = if file.is_empty() { page.to_string() } else { percent_decoded(file) };
            let (anchors, _) = read.get(file.as_str()).unwrap_or_else(|| panic!("{page}: {link} leads to no page"));
            let anchor = percent_decoded(anchor);
            assert!(anchor.is_empty() || anchors.contains(&anchor), "{page}: {link} leads to no anchor");
            if *page == "index.md" {
                reached.insert(format!("{file}#{anchor}"));
            }
        }
    }
    let everything: BTreeSet<String> = read
        .iter()
        .flat_map(|(page, (anchors, _))| {
            anchors.iter().map(move |a| format!("{page}#{a}")).chain((*page != "index.md").then(|| format!("{page}#")))
        })
        .collect();
    assert_eq!(reached, everything, "the index links to every page and every anchor");
    let geometry = &docs["shapes.geometry.md"];
    assert!(geometry.contains("<a id=\"Square._check\"></a>") && geometry.contains("<a id=\"_round\"></a>"));
    assert!(!geometry.contains("def helper"), "nested functions are left out");
}

#[test]
fn exit_status_skipped_files_and_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fixture(d);
    std::fs::write(d.join("shapes/broken.py"), "def f(:\n    pass\n").unwrap();
    std::fs::write(d.join("shapes/latin.py"), b"NAME = '\xe9t\xe9'\n").unwrap();
    let run = docwright(d, &["markdown", "shapes", "-o", "docs"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr,
        format!(
            "docwright: skipped shapes/broken.py: has syntax errors (the first near line 1); fix them first\n\
             docwright: skipped shapes/latin.py: not valid UTF-8 (first bad byte at offset 8); declare the encoding with a `# -*- coding: ... -*-` line\n\
             {WRITTEN}"
        )
    );
    let written = pages(&d.join("docs"));
    assert_eq!(written.keys().collect::<Vec<_>>(), ["index.md", "shapes.geometry.md", "shapes.md", "shapes.units.md"]);
    // Without private names by default; the same bytes on a second run,
    // and the files that did not change are not written again.
    assert!(!written["shapes.geometry.md"].contains("_round"));
    let modified = |name: &str| std::fs::metadata(d.join("docs").join(name)).unwrap().modified().unwrap();
    let before = modified("shapes.md");
    std::thread::sleep(std::time::Duration::from_millis(20));
    assert_eq!(docwright(d, &["markdown", "shapes", "-o", "docs", "--exclude", "broken.py"]).code, 1);
    assert_eq!(pages(&d.join("docs")), written);
    assert_eq!(modified("shapes.md"), before);
    std::fs::remove_file(d.join("shapes/broken.py")).unwrap();
    std::fs::remove_file(d.join("shapes/latin.py")).unwrap();

    // Two paths giving a module the same name: the second is skipped.
    std::fs::create_dir_all(d.join("other/shapes")).unwrap();
    std::fs::write(d.join("other/shapes/units.py"), "X = 1\n").unwrap();
    let run = docwright(d, &["markdown", "shapes", "other", "-o", "out"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr,
        format!(
            "docwright: skipped other/shapes/units.py: its page shapes.units.md is shapes/units.py's already\n{}",
            WRITTEN.replace("docs", "out")
        )
    );

    // A repository git cannot read: the pages all the same, without their
    // last change, and one warning.
    let broken = tempfile::tempdir().unwrap();
    fixture(broken.path());
    std::fs::write(broken.path().join(".git"), "gitdir: /nonexistent/repository\n").unwrap();
    let run = docwright(broken.path(), &["markdown", "shapes", "-o", "docs"]);
    assert_eq!(run.code, 0);
    let warning = "docwright: warning: 3 pages are written without their last change: `git ";
    assert!(run.stderr.starts_with(warning) && run.stderr.ends_with(WRITTEN), "{}", run.stderr);
    assert_eq!(run.stderr.lines().count(), 2, "{}", run.stderr);
    assert!(!std::fs::read_to_string(broken.path().join("docs/shapes.md")).unwrap().contains("Last change"));

    std::fs::write(d.join("notes.txt"), "").unwrap();
    let run = docwright(d, &["markdown", "shapes", "-o", "notes.txt"]);
    assert_eq!(run.code, 2);
    assert_eq!(run.stderr, "docwright: notes.txt is not a directory: -o names the directory the pages go to\n");
    let run = docwright(d, &["markdown", "shapes"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--output <DIR>"), "{}", run.stderr);
    let run = docwright(d, &["markdown", "missing", "-o", "docs"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.starts_with("docwright: cannot read missing"), "{}", run.stderr);
}
