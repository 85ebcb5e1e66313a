//! Prompt templates: the built-in ones and the user's, in one format.
//!
//! A template is a TOML file: `version`, an optional `for` (which kind of
//! docstring it writes, when its name is not one of the kinds), `system` and
//! `user`. The texts hold `{{variable}}` placeholders. A line holding only a
//! placeholder whose value is empty is left out, so optional context leaves
//! no blank lines. Loading checks every placeholder names a known variable
//! and every variable the kind needs is used, naming the file, the line and
//! the variable.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use serde::Deserialize;

/// The variables a template may use, with what they hold.
pub const VARIABLES: &[(&str, &str)] = &[
    ("kind", "function, method, class or module"),
    ("qualname", "the definition's dotted name in its module (the module's own name for a module)"),
    ("module_name", "the module's dotted name in the workspace"),
    ("style", "the docstring style asked for (google, numpy, ...)"),
    ("code", "the definition's source, decorators included; for a module, its imports and top-level headers"),
    ("entries", "the entries the answer must describe, as one JSON line"),
    ("enclosing", "the enclosing class: its header and the first line of its docstring"),
    ("constructor", "a class's `__init__` signature"),
    ("module_docstring", "the first paragraph of the module's docstring"),
    ("imports", "the module's imports"),
    ("callees", "the signatures and docstring summaries of the workspace functions the code calls"),
    ("existing_docstring", "the docstring the definition has now"),
];

/// What a template writes: which docstrings it is used for, and so which
/// variables it must show the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TemplateKind {
    Function,
    Method,
    Class,
    Module,
    /// Writing a docstring anew over an existing one (`--all`).
    Update,
}

impl TemplateKind {
    pub const ALL: [TemplateKind; 5] =
        [TemplateKind::Function, TemplateKind::Method, TemplateKind::Class, TemplateKind::Module, TemplateKind::Update];

    pub fn as_str(self) -> &'static str {
        match self {
            TemplateKind::Function => "function",
            TemplateKind::Method => "method",
            TemplateKind::Class => "class",
            TemplateKind::Module => "module",
            TemplateKind::Update => "update",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        TemplateKind::ALL.into_iter().find(|kind| kind.as_str() == name)
    }

    /// The variables a template of this kind must use: without them the
    /// model could not write a docstring that fits the code.
    pub fn required(self) -> &'static [&'static str] {
        match self {
            TemplateKind::Update => &["code", "entries", "existing_docstring"],
            _ => &["code", "entries"],
        }
    }
}

/// A variable's index in `VARIABLES`.
pub type Variable = usize;

/// The variable called `name`, if there is one.
pub fn variable_named(name: &str) -> Option<Variable> {
    VARIABLES.iter().position(|(known, _)| *known == name)
}

/// A template text, split once at load.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Text(String),
    /// A placeholder inside a line.
    Inline(Variable),
    /// A placeholder alone on its line (the line break after it included):
    /// the whole line goes when the value is empty.
    Line(Variable),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Text(Vec<Segment>);

impl Text {
    fn render<'v>(&self, value: &dyn Fn(Variable) -> &'v str, out: &mut String) {
        for segment in &self.0 {
            match segment {
                Segment::Text(text) => out.push_str(text),
                Segment::Inline(variable) => out.push_str(value(*variable)),
                Segment::Line(variable) => {
                    let text = value(*variable);
                    if !text.is_empty() {
                        out.push_str(text);
                        if !text.ends_with('\n') {
                            out.push('\n');
                        }
                    }
                }
            }
        }
    }

    fn uses(&self, variable: Variable) -> bool {
        self.0.iter().any(|s| matches!(s, Segment::Inline(v) | Segment::Line(v) if *v == variable))
    }
}

/// A prompt template, ready to render.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromptTemplate {
    pub name: String,
    /// Bumped by its author when the text changes meaning; part of the cache
    /// key with the name.
    pub version: u32,
    pub kind: TemplateKind,
    system: Text,
    user: Text,
    /// The file it came from; `None` for a built-in template.
    pub origin: Option<PathBuf>,
}

impl PromptTemplate {
    /// The system and user messages, with each variable's value from
    /// `value` (empty: left out).
    pub fn render<'v>(&self, value: &dyn Fn(Variable) -> &'v str) -> (String, String) {
        let (mut system, mut user) = (String::new(), String::new());
        self.system.render(value, &mut system);
        self.user.render(value, &mut user);
        (system, user)
    }

    pub fn uses(&self, variable: Variable) -> bool {
        self.system.uses(variable) || self.user.uses(variable)
    }

    /// Parses the template file `text` named `name`; `origin` is where it was
    /// read (named in errors).
    pub fn parse(name: &str, text: &str, origin: Option<&Path>) -> Result<Self, TemplateError> {
        let shown = origin.map_or_else(|| PathBuf::from(format!("<built-in {name}>")), Path::to_path_buf);
        let error = |line: usize, message: String| TemplateError { path: shown.clone(), line, message };
        let file: TemplateFile = toml::from_str(text).map_err(|e| {
            let line = e.span().map_or(1, |span| line_of(text, span.start));
            error(line, format!("not a template: {}", e.message().trim_end()))
        })?;
        let kind = match &file.kind {
            Some(kind) => TemplateKind::parse(kind.get_ref()).ok_or_else(|| {
                error(
                    line_of(text, kind.span().start),
                    format!("`for` is {:?}; expected function, method, class, module or update", kind.get_ref()),
                )
            })?,
            None => TemplateKind::parse(name).ok_or_else(|| {
                error(1, format!("`{name}` is not a kind of docstring, so the template needs `for = \"function\"` (or method, class, module, update)"))
            })?,
        };
        let system = split(text, &file.system).map_err(|(line, message)| error(line, message))?;
        let user = split(text, &file.user).map_err(|(line, message)| error(line, message))?;
        let template = PromptTemplate {
            name: name.to_string(),
            version: file.version,
            kind,
            system,
            user,
            origin: origin.map(Path::to_path_buf),
        };
        for required in kind.required() {
            let variable = variable_named(required).unwrap_or_default();
            if !template.uses(variable) {
                return Err(error(
                    line_of(text, file.user.span().start),
                    format!("`{{{{{required}}}}}` is never used, and a {} template must show it", kind.as_str()),
                ));
            }
        }
        Ok(template)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TemplateFile {
    version: u32,
    #[serde(rename = "for")]
    kind: Option<toml::Spanned<String>>,
    system: toml::Spanned<String>,
    user: toml::Spanned<String>,
}

/// A template that cannot be used, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    pub path: PathBuf,
    /// 1-based.
    pub line: usize,
    pub message: String,
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.path.display(), self.line, self.message)
    }
}

impl std::error::Error for TemplateError {}

/// 1-based line of byte `offset` in `text`.
fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset).unwrap_or(text).matches('\n').count() + 1
}

/// Splits a template string into text and placeholders. Lines are counted in
/// the file: a placeholder is found where it is written, inside the string's
/// span (TOML escapes do not occur in placeholders).
fn split(file: &str, value: &toml::Spanned<String>) -> Result<Text, (usize, String)> {
    let text = value.get_ref();
    let written = file.get(value.span()).unwrap_or("");
    // The n-th placeholder in the value is the n-th in the written string.
    let mut written_at = written.match_indices("{{").map(|(i, _)| value.span().start + i);
    let mut segments = Vec::new();
    let mut rest = text.as_str();
    while let Some(open) = rest.find("{{") {
        let line = written_at.next().map_or_else(|| line_of(file, value.span().start), |at| line_of(file, at));
        let (before, after) = rest.split_at(open);
        let Some(close) = after.find("}}") else {
            return Err((line, "`{{` is never closed with `}}`".to_string()));
        };
        let name = after.get(2..close).unwrap_or("").trim();
        let variable = variable_named(name).ok_or_else(|| {
            let known: Vec<&str> = VARIABLES.iter().map(|(n, _)| *n).collect();
            (line, format!("unknown variable `{name}` (known: {})", known.join(", ")))
        })?;
        rest = after.get(close + 2..).unwrap_or("");
        let alone_before = before.rsplit('\n').next().is_some_and(|l| l.trim().is_empty())
            && (before.contains('\n') || segments.is_empty() || ends_line(&segments));
        let alone_after = rest.split('\n').next().is_some_and(|l| l.trim().is_empty());
        if alone_before && alone_after && (rest.contains('\n') || rest.trim().is_empty()) {
            // The placeholder's line, indentation and line break included.
            let kept = before.trim_end_matches([' ', '\t']);
            push_text(&mut segments, kept);
            segments.push(Segment::Line(variable));
            rest = rest.split_once('\n').map_or("", |(_, after)| after);
        } else {
            push_text(&mut segments, before);
            segments.push(Segment::Inline(variable));
        }
    }
    push_text(&mut segments, rest);
    Ok(Text(segments))
}

fn ends_line(segments: &[Segment]) -> bool {
    matches!(segments.last(), Some(Segment::Line(_)))
}

fn push_text(segments: &mut Vec<Segment>, text: &str) {
    if !text.is_empty() {
        segments.push(Segment::Text(text.to_string()));
    }
}

/// Which template to use for each kind, and where the user's templates are.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TemplateSettings {
    /// A directory of `NAME.toml` templates; relative to the project root.
    pub directory: Option<PathBuf>,
    /// Per kind, the template's name (default: the kind's own name).
    pub chosen: BTreeMap<TemplateKind, String>,
}

/// The templates of a session: the built-in ones, overridden or added to by
/// the user's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromptManager {
    templates: BTreeMap<String, PromptTemplate>,
    chosen: BTreeMap<TemplateKind, String>,
}

/// The built-in templates, as shipped: the same format as the user's.
const BUILTIN: &[(&str, &str)] = &[
    ("function", include_str!("templates/function.toml")),
    ("method", include_str!("templates/method.toml")),
    ("class", include_str!("templates/class.toml")),
    ("module", include_str!("templates/module.toml")),
    ("update", include_str!("templates/update.toml")),
];

/// The directory a project's own templates are found in, from its root.
pub const PROJECT_DIRECTORY: &str = ".docwright/templates";

impl Default for PromptManager {
    fn default() -> Self {
        PromptManager::builtin()
    }
}

impl PromptManager {
    pub fn builtin() -> Self {
        // Parsed once: a writer and the user's set both start from these.
        static BUILTIN_SET: LazyLock<PromptManager> = LazyLock::new(|| {
            let templates = BUILTIN
                .iter()
                .filter_map(|(name, text)| match PromptTemplate::parse(name, text, None) {
                    Ok(template) => Some((name.to_string(), template)),
                    // Tested: every built-in template parses.
                    Err(error) => {
                        tracing::error!("{error}");
                        None
                    }
                })
                .collect();
            PromptManager { templates, chosen: BTreeMap::new() }
        });
        BUILTIN_SET.clone()
    }

    /// The built-in templates with the user's: those in `settings.directory`
    /// (relative to `root`), else in `.docwright/templates` under `root`. A
    /// template that does not load fails the whole set, so a typo is never
    /// quietly replaced by a built-in.
    pub fn load(settings: &TemplateSettings, root: Option<&Path>) -> Result<Self, TemplateError> {
        let mut manager = PromptManager::builtin();
        let directory = match (&settings.directory, root) {
            (Some(directory), Some(root)) => Some(root.join(directory)),
            (Some(directory), None) => Some(directory.clone()),
            (None, Some(root)) => Some(root.join(PROJECT_DIRECTORY)).filter(|d| d.is_dir()),
            (None, None) => None,
        };
        if let Some(directory) = directory {
            let unreadable = |message: String| TemplateError { path: directory.clone(), line: 1, message };
            let entries =
                std::fs::read_dir(&directory).map_err(|e| unreadable(format!("cannot read templates: {e}")))?;
            let mut paths: Vec<PathBuf> = entries
                .filter_map(Result::ok)
                .map(|entry| entry.path())
                .filter(|path| path.extension().is_some_and(|e| e == "toml"))
                .collect();
            paths.sort();
            for path in paths {
                let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_string();
                let text = std::fs::read_to_string(&path).map_err(|e| TemplateError {
                    path: path.clone(),
                    line: 1,
                    message: format!("cannot be read: {e}"),
                })?;
                let template = PromptTemplate::parse(&name, &text, Some(&path))?;
                manager.templates.insert(name, template);
            }
        }
        for (kind, name) in &settings.chosen {
            let template = manager.templates.get(name).ok_or_else(|| TemplateError {
                path: PathBuf::from("model.templates"),
                line: 1,
                message: format!("`{}` names the template `{name}`, which does not exist", kind.as_str()),
            })?;
            if template.kind != *kind {
                return Err(TemplateError {
                    path: template.origin.clone().unwrap_or_default(),
                    line: 1,
                    message: format!(
                        "the template `{name}` writes {} docstrings, not {} docstrings",
                        template.kind.as_str(),
                        kind.as_str()
                    ),
                });
            }
        }
        manager.chosen = settings.chosen.clone();
        Ok(manager)
    }

    /// Which template writes each kind, and where the user's come from:
    /// `function: terse v2 (.docwright/templates/terse.toml), method: built-in v2, ...`.
    pub fn describe(&self) -> String {
        let described: Vec<String> = TemplateKind::ALL
            .into_iter()
            .filter_map(|kind| {
                let template = self.get(kind)?;
                let origin = match &template.origin {
                    Some(path) => format!("{} v{} ({})", template.name, template.version, path.display()),
                    None => format!("built-in v{}", template.version),
                };
                Some(format!("{}: {origin}", kind.as_str()))
            })
            .collect();
        described.join(", ")
    }

    /// The template for docstrings of `kind`.
    pub fn get(&self, kind: TemplateKind) -> Option<&PromptTemplate> {
        let name = self.chosen.get(&kind).map_or(kind.as_str(), String::as_str);
        self.templates.get(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &'static str)]) -> impl Fn(Variable) -> &'static str {
        let known: Vec<(Variable, &'static str)> =
            pairs.iter().map(|(name, value)| (variable_named(name).unwrap(), *value)).collect();
        move |variable| known.iter().find(|(v, _)| *v == variable).map_or("", |(_, value)| value)
    }

    #[test]
    fn every_built_in_template_loads_and_shows_what_its_kind_needs() {
        let manager = PromptManager::builtin();
        for kind in TemplateKind::ALL {
            let template = manager.get(kind).unwrap_or_else(|| panic!("{kind:?}"));
            assert_eq!(template.kind, kind);
            for required in kind.required() {
                assert!(template.uses(variable_named(required).unwrap()), "{kind:?} {required}");
            }
        }
    }

    #[test]
    fn a_line_holding_only_an_empty_variable_is_left_out() {
        let text = "version = 1\nsystem = \"S {{style}}.\"\nuser = \"\"\"\nWrite {{qualname}}.\n  {{callees}}\n```\n{{code}}\n```\nEntries: {{entries}}\n\"\"\"\n";
        let template = PromptTemplate::parse("function", text, None).unwrap();
        let (system, user) = template.render(&vars(&[
            ("style", "google"),
            ("qualname", "f"),
            ("code", "def f(): pass"),
            ("entries", "{}"),
        ]));
        assert_eq!(system, "S google.");
        assert_eq!(user, "Write f.\n```\ndef f(): pass\n```\nEntries: {}\n");
        let (_, user) =
            template.render(&vars(&[("qualname", "f"), ("callees", "Calls:\n- g"), ("code", "x"), ("entries", "{}")]));
        assert_eq!(user, "Write f.\nCalls:\n- g\n```\nx\n```\nEntries: {}\n");
    }

    #[test]
    fn an_unknown_variable_is_named_with_its_file_and_line() {
        let text =
            "version = 3\nsystem = \"Hi.\"\nuser = \"\"\"\nWrite {{qualname}}.\n\n{{code}} {{entires}}\n\"\"\"\n";
        let error = PromptTemplate::parse("function", text, Some(Path::new("t/function.toml"))).unwrap_err();
        assert_eq!((error.path.as_path(), error.line), (Path::new("t/function.toml"), 6));
        assert!(error.message.contains("unknown variable `entires`"), "{error}");
        assert!(error.to_string().starts_with("t/function.toml:6: "), "{error}");
    }

    #[test]
    fn a_missing_required_variable_is_named() {
        let text = "version = 1\nsystem = \"Hi.\"\n\nuser = \"\"\"\n{{code}}\n{{existing_docstring}}\n\"\"\"\n";
        let error = PromptTemplate::parse("update", text, Some(Path::new("update.toml"))).unwrap_err();
        assert_eq!(error.line, 4, "{error}");
        assert!(error.message.contains("`{{entries}}` is never used"), "{error}");
        assert!(error.message.contains("update template"), "{error}");
    }

    #[test]
    fn malformed_templates_are_refused_with_a_line() {
        let unclosed = "version = 1\nsystem = \"x\"\nuser = \"{{code}} {{entries\"\n";
        let error = PromptTemplate::parse("function", unclosed, None).unwrap_err();
        assert_eq!(error.line, 3, "{error}");
        assert!(error.message.contains("never closed"), "{error}");
        let bad_toml = "version = 1\nsystem = \"x\nuser = 2\n";
        let error = PromptTemplate::parse("function", bad_toml, None).unwrap_err();
        assert_eq!(error.line, 2, "{error}");
        let no_kind = "version = 1\nsystem = \"x\"\nuser = \"{{code}} {{entries}}\"\n";
        let error = PromptTemplate::parse("terse", no_kind, None).unwrap_err();
        assert!(error.message.contains("needs `for = \"function\"`"), "{error}");
        let unknown_key = "version = 1\nsystem = \"x\"\nuser = \"{{code}} {{entries}}\"\ntemperature = 2\n";
        let error = PromptTemplate::parse("function", unknown_key, None).unwrap_err();
        assert_eq!(error.line, 4, "{error}");
    }

    #[test]
    fn user_templates_override_and_add_to_the_built_in_ones() {
        let root = tempfile::tempdir().unwrap();
        let directory = root.path().join(PROJECT_DIRECTORY);
        std::fs::create_dir_all(&directory).unwrap();
        std::fs::write(
            directory.join("class.toml"),
            "version = 7\nsystem = \"Mine.\"\nuser = \"{{code}}\\n{{entries}}\"\n",
        )
        .unwrap();
        std::fs::write(
            directory.join("terse.toml"),
            "version = 2\nfor = \"function\"\nsystem = \"Short.\"\nuser = \"{{code}} {{entries}}\"\n",
        )
        .unwrap();
        let mut settings = TemplateSettings::default();
        let manager = PromptManager::load(&settings, Some(root.path())).unwrap();
        let class = manager.get(TemplateKind::Class).unwrap();
        assert_eq!((class.name.as_str(), class.version), ("class", 7));
        assert_eq!(class.origin.as_deref(), Some(directory.join("class.toml").as_path()));
        assert_eq!(
            manager.get(TemplateKind::Function).unwrap().origin,
            None,
            "the built-in one still writes functions"
        );
        settings.chosen.insert(TemplateKind::Function, "terse".into());
        let manager = PromptManager::load(&settings, Some(root.path())).unwrap();
        assert_eq!(manager.get(TemplateKind::Function).unwrap().name, "terse");
        settings.chosen.insert(TemplateKind::Method, "terse".into());
        let error = PromptManager::load(&settings, Some(root.path())).unwrap_err();
        assert!(error.message.contains("writes function docstrings, not method"), "{error}");
        settings.chosen = BTreeMap::from([(TemplateKind::Method, "nowhere".to_string())]);
        let error = PromptManager::load(&settings, Some(root.path())).unwrap_err();
        assert!(error.message.contains("`nowhere`, which does not exist"), "{error}");
        std::fs::write(
            directory.join("broken.toml"),
            "version = 1\nfor = \"function\"\nsystem = \"x\"\nuser = \"{{cod}}\"\n",
        )
        .unwrap();
        let error = PromptManager::load(&TemplateSettings::default(), Some(root.path())).unwrap_err();
        assert_eq!((error.path, error.line), (directory.join("broken.toml"), 4));
    }

    #[test]
    fn the_readmes_example_template_loads() {
        let readme = include_str!("../../README.md");
        let example = readme.split("````toml\n").nth(1).and_then(|rest| rest.split("````").next()).unwrap();
        let template = PromptTemplate::parse("payments", example, None).unwrap();
        assert_eq!((template.kind, template.version), (TemplateKind::Function, 3));
    }
}
