//! Docstring code actions, independent of the protocol's types: which actions a
//! position offers (from the parsed tree only), and the edit an action makes
//! on a given document version.

use serde::{Deserialize, Serialize};

use super::document::Document;
use crate::docstring::insert::{Target, TextEdit};
use crate::engine::{self, DocstringWriter, EngineOptions, Mode};

/// What an action does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    Generate,
    Update,
    Regenerate,
    /// Every missing docstring the selection wants, in the whole file.
    GenerateAllMissing,
}

/// What travels with an action to its resolution: enough to find the target
/// again in a newer version of the document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionData {
    pub uri: String,
    pub version: i32,
    pub kind: ActionKind,
    /// `None` for the module (or the whole file).
    pub qualname: Option<String>,
    /// 1-based line of the definition in `version`, to tell apart definitions
    /// that share a name.
    pub line: usize,
}

impl ActionData {
    pub fn title(&self) -> String {
        let what = self.qualname.as_deref().map_or_else(|| "module".to_string(), |q| format!("`{q}`"));
        match self.kind {
            ActionKind::Generate => format!("Generate docstring for {what}"),
            ActionKind::Update => format!("Update docstring of {what}"),
            ActionKind::Regenerate => format!("Regenerate docstring of {what}"),
            ActionKind::GenerateAllMissing => "Generate all missing docstrings in this file".to_string(),
        }
    }
}

/// The actions offered at byte `offset`. Reads only the tree around the
/// offset (not the whole source model), so listing stays instant on any file.
pub fn offered(uri: &str, document: &Document, offset: usize) -> Vec<ActionData> {
    let action = |kind, qualname: Option<String>, line| ActionData {
        uri: uri.to_string(),
        version: document.version,
        kind,
        qualname,
        line,
    };
    let mut actions = Vec::new();
    let (qualname, line, has_docstring) = target_at(document, offset);
    if has_docstring {
        actions.push(action(ActionKind::Update, qualname.clone(), line));
        actions.push(action(ActionKind::Regenerate, qualname, line));
    } else {
        actions.push(action(ActionKind::Generate, qualname, line));
    }
    // When the source model is at hand it tells whether anything is missing;
    // otherwise the action is offered (building the model here would cost
    // milliseconds on a large file).
    let selection = EngineOptions::default().selection;
    let anything_missing = document
        .file
        .module_if_built()
        .is_none_or(|module| module.docstring.is_none() || !engine::missing_docstrings(module, &selection).is_empty());
    if anything_missing {
        actions.push(action(ActionKind::GenerateAllMissing, None, 1));
    }
    actions
}

/// What an action at `offset` is about: the innermost definition there (its
/// qualified name and line), else the module; and whether it has a docstring.
fn target_at(document: &Document, offset: usize) -> (Option<String>, usize, bool) {
    match document.file.definitions_at(offset).pop() {
        Some(innermost) => (Some(innermost.qualname), innermost.line, innermost.has_docstring),
        None => (None, 1, document.file.module_docstring_exists()),
    }
}

/// The quick fix of `kind` for the definition (or module) at `offset`, when
/// the document still calls for it: the diagnostic an editor sends back may
/// predate an edit that already wrote the docstring.
pub fn fix(uri: &str, document: &Document, offset: usize, kind: ActionKind) -> Option<ActionData> {
    let (qualname, line, has_docstring) = target_at(document, offset);
    let still_wanted = match kind {
        ActionKind::Generate => !has_docstring,
        ActionKind::Update => has_docstring,
        _ => true,
    };
    still_wanted.then(|| ActionData { uri: uri.to_string(), version: document.version, kind, qualname, line })
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ResolveError {
    #[error("`{0}` is no longer in the document")]
    TargetGone(String),
    #[error("{0}")]
    Engine(#[from] crate::engine::EngineError),
    #[error("the document has syntax errors; fix them before changing docstrings")]
    SyntaxErrors,
}

/// The edits `data` makes on `document` (which may be newer than the version
/// the action was offered for: the target is then found again by name).
/// Also returns what the user should know about how they were written.
pub fn edits(
    data: &ActionData,
    document: &Document,
    options: &EngineOptions,
    writer: &dyn DocstringWriter,
) -> Result<(Vec<TextEdit>, Vec<String>), ResolveError> {
    let module = document.file.module();
    if module.has_syntax_errors {
        return Err(ResolveError::SyntaxErrors);
    }
    let source = document.text();
    // Cached answers are filed under the file's path.
    let path = data
        .uri
        .parse::<tower_lsp_server::ls_types::Uri>()
        .ok()
        .and_then(|uri| uri.to_file_path().map(|p| p.display().to_string()));
    let mut options = options.clone();
    if data.kind == ActionKind::GenerateAllMissing {
        options.mode = Mode::Missing;
        let plan = engine::edits(path.as_deref(), source, module, &options, writer)?;
        let mut notes: Vec<String> = plan.edits.iter().filter_map(|p| note(&p.qualname, p.note.as_deref())).collect();
        notes.extend(plan.failures.iter().map(|f| format!("`{}`: {}", f.qualname, f.error)));
        return Ok((plan.edits.into_iter().map(|p| p.edit).collect(), notes));
    }
    options.mode = match data.kind {
        ActionKind::Update => Mode::Update,
        ActionKind::Regenerate => Mode::All,
        _ => Mode::Missing,
    };
    let target = match &data.qualname {
        None => Target::Module,
        Some(qualname) => {
            // The same name on the same line, else the same name nearest to it.
            let candidates = module.definitions.iter().enumerate().filter(|(_, d)| &d.qualname == qualname);
            let index = candidates
                .min_by_key(|(_, d)| d.line.abs_diff(data.line))
                .map(|(i, _)| i)
                .ok_or_else(|| ResolveError::TargetGone(qualname.clone()))?;
            Target::Definition(index)
        }
    };
    let planned = engine::edit(path.as_deref(), source, module, target, &options, writer)?;
    let notes = planned.iter().filter_map(|p| note(&p.qualname, p.note.as_deref())).collect();
    Ok((planned.into_iter().map(|p| p.edit).collect(), notes))
}

fn note(qualname: &str, note: Option<&str>) -> Option<String> {
    note.map(|note| format!("`{qualname}`: {note}"))
}
