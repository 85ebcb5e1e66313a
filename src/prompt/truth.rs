//! The truthfulness check: the names an answer mentions must exist.
//!
//! A name in backticks (`` `load_config` ``, `` `Config.path` ``) or written
//! as `module.name` in prose is looked up in the code the model was shown
//! and in the workspace index. A model that invents an API usually names
//! it; a docstring pointing readers at something that does not exist is
//! worse than none.

use std::collections::HashSet;
use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;

use crate::docstring::answer::Answer;
use crate::python::workspace::WorkspaceIndex;

/// Names every Python program has: builtins, keywords and the usual
/// receivers.
const ALWAYS_KNOWN: &[&str] = &[
    "None",
    "True",
    "False",
    "self",
    "cls",
    "args",
    "kwargs",
    "await",
    "async",
    "yield",
    "return",
    "raise",
    "lambda",
    "print",
    "len",
    "str",
    "int",
    "float",
    "bool",
    "bytes",
    "bytearray",
    "list",
    "dict",
    "set",
    "frozenset",
    "tuple",
    "object",
    "type",
    "range",
    "enumerate",
    "zip",
    "map",
    "filter",
    "sorted",
    "reversed",
    "min",
    "max",
    "sum",
    "abs",
    "any",
    "all",
    "iter",
    "next",
    "open",
    "isinstance",
    "issubclass",
    "getattr",
    "setattr",
    "hasattr",
    "delattr",
    "repr",
    "hash",
    "id",
    "round",
    "divmod",
    "pow",
    "format",
    "vars",
    "dir",
    "super",
    "property",
    "staticmethod",
    "classmethod",
    "callable",
    "chr",
    "ord",
    "hex",
    "oct",
    "bin",
    "complex",
    "memoryview",
    "slice",
    "input",
    "NotImplemented",
    "Ellipsis",
    "__init__",
    "__call__",
    "__enter__",
    "__exit__",
    "__iter__",
    "__next__",
    "Exception",
    "BaseException",
    "ValueError",
    "TypeError",
    "KeyError",
    "IndexError",
    "AttributeError",
    "RuntimeError",
    "OSError",
    "IOError",
    "FileNotFoundError",
    "PermissionError",
    "NotImplementedError",
    "StopIteration",
    "StopAsyncIteration",
    "ZeroDivisionError",
    "ArithmeticError",
    "LookupError",
    "AssertionError",
    "ImportError",
    "ModuleNotFoundError",
    "TimeoutError",
    "ConnectionError",
    "UnicodeDecodeError",
    "UnicodeEncodeError",
    "RecursionError",
    "OverflowError",
    "MemoryError",
    "KeyboardInterrupt",
    "SystemExit",
    "Warning",
    "DeprecationWarning",
    "UserWarning",
];

static BACKTICKED: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"`([^`\n]{1,200})`").expect("a valid pattern"));
static IDENTIFIER_PATH: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$").expect("a valid pattern"));
static DOTTED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+\b").expect("a valid pattern"));
static WORD: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[A-Za-z_][A-Za-z0-9_]*").expect("a valid pattern"));

/// A name the answer mentions.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Mention {
    name: String,
    /// In backticks: meant as code. Bare dotted words are only taken for
    /// code when their first part is a name the code knows (`os.path`, not
    /// `config.json`).
    quoted: bool,
}

fn mentions(text: &str) -> Vec<Mention> {
    let mut found = Vec::new();
    // Most prose holds neither a backtick nor a dot joining words: no
    // pattern needs to run (cached answers are checked on every run).
    let joined = text.as_bytes().windows(2).any(|w| w[0] == b'.' && (w[1].is_ascii_alphabetic() || w[1] == b'_'));
    if !joined && !text.contains('`') {
        return found;
    }
    for captures in BACKTICKED.captures_iter(text) {
        let inner = captures.get(1).map_or("", |m| m.as_str()).trim();
        let name = inner.strip_suffix("()").unwrap_or(inner);
        if IDENTIFIER_PATH.is_match(name) {
            found.push(Mention { name: name.to_string(), quoted: true });
        }
    }
    let prose = BACKTICKED.replace_all(text, " ");
    for dotted in DOTTED.find_iter(&prose) {
        // `e.g`, `i.e`: one-letter parts are abbreviations, not code.
        if dotted.as_str().split('.').all(|part| part.len() > 1) {
            found.push(Mention { name: dotted.as_str().to_string(), quoted: false });
        }
    }
    found
}

/// What a mention is checked against: the module's code and the workspace.
pub struct Known<'a> {
    pub source: &'a str,
    pub path: Option<&'a Path>,
    pub workspace: Option<&'a WorkspaceIndex>,
}

impl Known<'_> {
    /// The names `answer` mentions that exist neither in the code nor in the
    /// workspace, each once, in order.
    pub fn unknown_names(&self, answer: &Answer) -> Vec<String> {
        let mut texts = vec![answer.summary.as_str(), answer.description.as_str(), &answer.returns, &answer.yields];
        for entry in answer.params.iter().chain(&answer.raises).chain(&answer.attributes) {
            texts.push(&entry.description);
        }
        let all: Vec<Mention> = texts.iter().flat_map(|text| mentions(text)).collect();
        if all.is_empty() {
            return Vec::new();
        }
        // Only answers that mention code pay for the code's words.
        let words: HashSet<&str> = WORD.find_iter(self.source).map(|m| m.as_str()).collect();
        let imports: Vec<(&str, &str)> = match (self.workspace, self.path) {
            (Some(workspace), Some(path)) => workspace.imports(path),
            _ => Vec::new(),
        };
        let mut unknown: Vec<String> = Vec::new();
        for mention in all {
            if !self.exists(&mention, &words, &imports) && !unknown.contains(&mention.name) {
                unknown.push(mention.name);
            }
        }
        unknown
    }

    fn exists(&self, mention: &Mention, words: &HashSet<&str>, imports: &[(&str, &str)]) -> bool {
        let name = mention.name.as_str();
        let in_code = |word: &str| words.contains(word) || ALWAYS_KNOWN.contains(&word);
        let parts: Vec<&str> = name.split('.').collect();
        let Some((first, rest)) = parts.split_first() else { return true };
        let workspace = self.workspace;
        if rest.is_empty() {
            return in_code(first) || workspace.is_some_and(|w| w.has_name(first) || w.has_module(first));
        }
        if !mention.quoted && !in_code(first) && !workspace.is_some_and(|w| w.has_module(first)) {
            // Prose that happens to hold a dot (`setup.py`, `config.json`).
            return true;
        }
        if self.source.contains(name) {
            return true;
        }
        // Through an import: `np.array` is `numpy.array`; a module outside
        // the workspace cannot be checked, so it is taken on trust.
        let full = match imports.iter().find(|(local, _)| local == first) {
            Some((_, target)) => format!("{target}.{}", rest.join(".")),
            None => name.to_string(),
        };
        if let Some(workspace) = workspace {
            if workspace.symbol(&full).is_some() || workspace.has_module(&full) {
                return true;
            }
            // The longest prefix that is a workspace module decides: its
            // symbols are known, so a name missing there is invented.
            let full_parts: Vec<&str> = full.split('.').collect();
            let module_prefix = (1..full_parts.len()).rev().find(|&n| workspace.has_module(&full_parts[..n].join(".")));
            if let Some(n) = module_prefix {
                let qualname_first = full_parts.get(n).copied().unwrap_or("");
                let module = full_parts[..n].join(".");
                // A method of a class the workspace knows, reached through
                // an attribute the index does not follow, is accepted when
                // its last part is a name the workspace defines.
                return workspace.symbol(&format!("{module}.{qualname_first}")).is_some()
                    && parts.last().is_some_and(|last| in_code(last) || workspace.has_name(last));
            }
        }
        // `self.cache.get`, `Config.path`: attributes of the code's own
        // objects are checked by their last part.
        if in_code(first) || ["self", "cls"].contains(first) {
            let imported_from_outside = imports.iter().any(|(local, _)| local == first);
            return imported_from_outside
                || parts.iter().skip(1).all(|part| in_code(part) || workspace.is_some_and(|w| w.has_name(part)));
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docstring::answer::EntryText;
    use crate::python::SourceFile;

    fn answer(summary: &str, description: &str) -> Answer {
        Answer {
            summary: summary.to_string(),
            description: description.to_string(),
            params: vec![EntryText { name: "path".into(), description: "Read by `read_config`.".into() }],
            ..Answer::default()
        }
    }

    fn workspace() -> (tempfile::TempDir, WorkspaceIndex) {
        let root = tempfile::tempdir().unwrap();
        let mut index = WorkspaceIndex::new(Some(root.path().to_path_buf()));
        let files = [
            ("pkg/__init__.py", ""),
            (
                "pkg/config.py",
                "import os\nimport numpy as np\nfrom pkg.util import slugify\n\nclass Config:\n    def path(self):\n        return os.getcwd()\n\ndef read_config(path):\n    return Config()\n",
            ),
            ("pkg/util.py", "def slugify(text):\n    return text\n"),
        ];
        for (name, text) in files {
            let path = root.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, text).unwrap();
            index.update(&path, &SourceFile::parse(text.to_string()).unwrap());
        }
        (root, index)
    }

    #[test]
    fn names_in_the_code_or_the_workspace_are_known() {
        let (root, index) = workspace();
        let path = root.path().join("pkg/config.py");
        let source = std::fs::read_to_string(&path).unwrap();
        let known = Known { source: &source, path: Some(&path), workspace: Some(&index) };
        let fine = answer(
            "Read the `Config` for `path`.",
            "Uses `os.getcwd()`, `np.array`, `pkg.util.slugify`, `slugify`, `Config.path`, `self.path` and `None`; \
             see pkg.util.slugify, setup.py and config.json, e.g. a file.",
        );
        assert_eq!(known.unknown_names(&fine), Vec::<String>::new());
    }

    #[test]
    fn invented_names_are_reported_once_each() {
        let (root, index) = workspace();
        let path = root.path().join("pkg/config.py");
        let source = std::fs::read_to_string(&path).unwrap();
        let known = Known { source: &source, path: Some(&path), workspace: Some(&index) };
        let invented = answer(
            "Validate with `validate_schema()` first.",
            "Calls `pkg.util.unslugify` and pkg.config.load_yaml, then `validate_schema` again; also `Config.reload`.",
        );
        assert_eq!(
            known.unknown_names(&invented),
            ["validate_schema", "pkg.util.unslugify", "Config.reload", "pkg.config.load_yaml"]
        );
        // Without a workspace, the code alone decides.
        let alone = Known { source: &source, path: None, workspace: None };
        assert_eq!(alone.unknown_names(&answer("Use `read_config`.", "Not `parse_all`.")), ["parse_all"]);
        assert_eq!(alone.unknown_names(&answer("Plain prose, no code.", "")), Vec::<String>::new());
    }
}
