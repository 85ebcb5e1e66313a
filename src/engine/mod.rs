//! The pipeline both front doors call: from a module's text and model to the
//! docstring edits it needs. The engine never touches a file or a socket; it
//! receives text and returns edits.

pub mod batch;
pub mod findings;

use std::sync::Arc;

use crate::docstring::insert::{InsertError, Target, TextEdit, placement};
use crate::docstring::offline::{self, GenerateOptions};
use crate::docstring::{Docstring, RenderOptions, Style, render};
use crate::python::{DecoratorKind, Definition, DefinitionKind, Module};

/// Which definitions are expected to have a docstring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Selection {
    /// `_private` names (dunder names such as `__init__` are not private).
    pub private: bool,
    /// Functions and classes defined inside functions.
    pub nested: bool,
    /// The module itself.
    pub module: bool,
    /// `__init__` methods. Off by default: the class docstring documents the
    /// constructor's arguments, and pydoclint (DOC301) objects to an
    /// `__init__` docstring beside it.
    pub init: bool,
}

impl Default for Selection {
    fn default() -> Self {
        Selection { private: false, nested: false, module: true, init: false }
    }
}

impl Selection {
    /// Whether definition `index` of `module` should have a docstring.
    pub fn wants(&self, module: &Module, index: usize) -> bool {
        let Some(definition) = module.definitions.get(index) else { return false };
        // An overload's docstring belongs to the implementation (ruff D418); a
        // setter or deleter is documented by its property.
        if definition
            .decorators
            .iter()
            .any(|d| matches!(d.kind, DecoratorKind::Overload | DecoratorKind::Setter | DecoratorKind::Deleter))
        {
            return false;
        }
        if !self.init && definition.is_init() {
            return false;
        }
        let mut current = Some(definition);
        while let Some(d) = current {
            if !self.private && d.is_private() {
                return false;
            }
            let parent = d.parent.and_then(|p| module.definitions.get(p));
            if !self.nested && d.kind != DefinitionKind::Method && parent.is_some_and(|p| p.kind.is_function()) {
                return false;
            }
            current = parent;
        }
        true
    }
}

/// What a run does to docstrings that exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Only add missing docstrings.
    #[default]
    Missing,
    /// Add missing ones and merge existing ones with the current signature.
    Update,
    /// Write every docstring anew.
    All,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EngineOptions {
    pub style: Style,
    /// Maximum line length, indentation included.
    pub width: usize,
    pub mode: Mode,
    pub selection: Selection,
    /// When set, only these targets are written, whatever else the selection
    /// wants (the definitions a change touched).
    pub only: Option<Arc<[Target]>>,
}

impl EngineOptions {
    fn generate_options(&self) -> GenerateOptions {
        GenerateOptions { tuple_returns_per_element: self.style == Style::Numpy, ..GenerateOptions::default() }
    }
}

/// One docstring the engine writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedEdit {
    pub target: Target,
    /// `<module>` for the module docstring.
    pub qualname: String,
    /// 1-based line of the definition.
    pub line: usize,
    pub action: Action,
    pub edit: TextEdit,
    /// What the user should know about how it was written (a model answer
    /// that failed its checks, so the offline skeleton stands in).
    pub note: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Added,
    Updated,
    Regenerated,
}

/// Writes a fresh docstring for one target. The offline templates and the
/// model client implement it, so both front doors work the same with either.
pub trait DocstringWriter: Send + Sync {
    fn write(&self, request: &WriteRequest<'_>) -> Result<Written, WriteError>;

    /// Writes several at once; a writer that waits on a network overlaps
    /// them. The results are in the order of `requests`.
    fn write_all(&self, requests: &[WriteRequest<'_>]) -> Vec<Result<Written, WriteError>> {
        requests.iter().map(|request| self.write(request)).collect()
    }

    /// What can be written without waiting (answers a cache holds, requests
    /// that fail before anything is sent); `None` for each request that
    /// needs `write_all`. A batch does these on a thread per core, and only
    /// the rest on threads that wait on a network.
    fn write_ready(&self, requests: &[WriteRequest<'_>]) -> Vec<Option<Result<Written, WriteError>>> {
        requests.iter().map(|_| None).collect()
    }
}

/// A docstring a writer wrote, and what the user should know about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub docstring: Docstring,
    pub note: Option<String>,
}

impl From<Docstring> for Written {
    fn from(docstring: Docstring) -> Self {
        Written { docstring, note: None }
    }
}

/// What a writer is asked for.
pub struct WriteRequest<'a> {
    /// The file, as the user names it, when there is one (what cached
    /// answers are filed under).
    pub path: Option<&'a str>,
    pub source: &'a str,
    pub module: &'a Module,
    pub target: Target,
    pub options: &'a EngineOptions,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct WriteError(pub String);

impl WriteError {
    const INTERRUPTED: &str = "not written: the run was interrupted";

    /// A docstring left unwritten because the user stopped the run.
    pub fn interrupted() -> Self {
        WriteError(Self::INTERRUPTED.to_string())
    }

    pub fn is_interrupted(&self) -> bool {
        self.0 == Self::INTERRUPTED
    }
}

/// Skeletons from the signature and body facts, with placeholders: no model.
#[derive(Debug, Clone, Copy, Default)]
pub struct Templates;

impl DocstringWriter for Templates {
    fn write(&self, request: &WriteRequest<'_>) -> Result<Written, WriteError> {
        Templates::skeleton(request).map(Written::from)
    }
}

impl Templates {
    /// The offline docstring for the request's target: every entry the code
    /// calls for, with placeholder prose.
    pub fn skeleton(request: &WriteRequest<'_>) -> Result<Docstring, WriteError> {
        match request.target {
            Target::Module => Ok(offline::generate_module(request.module)),
            Target::Definition(index) => {
                let definition = request
                    .module
                    .definitions
                    .get(index)
                    .ok_or_else(|| WriteError(format!("there is no definition number {index}")))?;
                Ok(offline::generate_with(definition, &request.options.generate_options()))
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Insert(#[from] InsertError),
    #[error(transparent)]
    Write(#[from] WriteError),
}

/// The edits for one module, and the targets whose writer failed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModulePlan {
    /// In document order.
    pub edits: Vec<PlannedEdit>,
    pub failures: Vec<Failure>,
}

/// A target left as it was because its docstring could not be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub qualname: String,
    pub line: usize,
    pub error: WriteError,
}

/// The edits for one module: every target the selection wants, in
/// `options.mode`. Fresh docstrings are asked of `writer` all at once, so a
/// model writer overlaps them; a target the writer fails on is reported and
/// the others go ahead.
pub fn edits(
    path: Option<&str>,
    source: &str,
    module: &Module,
    options: &EngineOptions,
    writer: &dyn DocstringWriter,
) -> Result<ModulePlan, EngineError> {
    let targets = selected_targets(module, options);
    let fresh = fresh_targets(module, options);
    let requests: Vec<WriteRequest<'_>> =
        fresh.iter().map(|&target| WriteRequest { path, source, module, target, options }).collect();
    let mut written: Vec<Option<Result<Written, WriteError>>> =
        writer.write_all(&requests).into_iter().map(Some).collect();
    let mut plan = ModulePlan::default();
    for target in targets {
        let answer = fresh.iter().position(|&t| t == target).and_then(|i| written.get_mut(i)?.take());
        let fresh = || answer.unwrap_or_else(|| writer.write(&WriteRequest { path, source, module, target, options }));
        match edit_with(source, module, target, options, fresh) {
            Ok(edit) => plan.edits.extend(edit),
            Err(EngineError::Write(error)) => {
                let (qualname, line) = name_and_line(module, target);
                plan.failures.push(Failure { qualname, line, error });
            }
            Err(error) => return Err(error),
        }
    }
    Ok(plan)
}

/// Every target the selection wants: the module first, then definitions in
/// document order.
fn selected_targets(module: &Module, options: &EngineOptions) -> Vec<Target> {
    let mut targets = Vec::new();
    if options.selection.module {
        targets.push(Target::Module);
    }
    targets
        .extend((0..module.definitions.len()).filter(|&i| options.selection.wants(module, i)).map(Target::Definition));
    if let Some(only) = &options.only {
        targets.retain(|target| only.contains(target));
    }
    targets
}

/// The targets `edits` asks its writer for: those the selection wants that
/// lack a docstring, all of them with `Mode::All`, and with `Mode::Update`
/// those whose update adds entries to describe.
pub fn fresh_targets(module: &Module, options: &EngineOptions) -> Vec<Target> {
    let mut targets = selected_targets(module, options);
    targets.retain(|&t| match existing_docstring(module, t) {
        Some(text) if options.mode == Mode::Update => update_adds_entries(module, t, text),
        existing => needs_fresh(existing, options.mode),
    });
    targets
}

/// Whether updating `target`'s docstring `text` adds entries to describe
/// (the writer is then asked for a fresh docstring to take them from).
fn update_adds_entries(module: &Module, target: Target, text: &str) -> bool {
    let Target::Definition(index) = target else { return false };
    let Some(definition) = module.definitions.get(index) else { return false };
    let old = crate::docstring::parse(text, None);
    crate::docstring::added_placeholders(&old, &crate::docstring::merge(&old, definition))
}

/// The edit for one target in `options.mode`, whatever the selection says
/// (the caller chose the target), or `None` when the mode leaves it as it is.
pub fn edit(
    path: Option<&str>,
    source: &str,
    module: &Module,
    target: Target,
    options: &EngineOptions,
    writer: &dyn DocstringWriter,
) -> Result<Option<PlannedEdit>, EngineError> {
    let request = WriteRequest { path, source, module, target, options };
    edit_with(source, module, target, options, || writer.write(&request))
}

fn edit_with(
    source: &str,
    module: &Module,
    target: Target,
    options: &EngineOptions,
    fresh: impl FnOnce() -> Result<Written, WriteError>,
) -> Result<Option<PlannedEdit>, EngineError> {
    let existing = existing_docstring(module, target);
    let merged = |old: &Docstring| match target {
        Target::Module => old.clone(),
        Target::Definition(index) => match module.definitions.get(index) {
            Some(definition) => crate::docstring::merge(old, definition),
            None => old.clone(),
        },
    };
    if let Target::Definition(index) = target {
        module.definitions.get(index).ok_or(InsertError::NoSuchDefinition(index))?;
    }
    let Some((action, written, style)) = decide(existing, options, fresh, merged)? else { return Ok(None) };
    let (qualname, line) = name_and_line(module, target);
    let mut planned = plan(source, module, target, qualname, line, action, &written.docstring, style, options)?;
    planned.note = written.note;
    Ok(Some(planned))
}

fn existing_docstring(module: &Module, target: Target) -> Option<&str> {
    let docstring = match target {
        Target::Module => module.docstring.as_ref(),
        Target::Definition(index) => module.definitions.get(index)?.docstring.as_ref(),
    };
    docstring.map(|d| d.value.as_str())
}

fn name_and_line(module: &Module, target: Target) -> (String, usize) {
    match target {
        Target::Module => ("<module>".to_string(), 1),
        Target::Definition(index) => {
            module.definitions.get(index).map(|d| (d.qualname.clone(), d.line)).unwrap_or_default()
        }
    }
}

/// Whether this mode asks the writer for a new docstring.
fn needs_fresh(existing: Option<&str>, mode: Mode) -> bool {
    existing.is_none() || mode == Mode::All
}

/// Whether and how a definition's docstring changes in this mode, and the
/// style to write it in.
fn decide(
    existing: Option<&str>,
    options: &EngineOptions,
    fresh: impl FnOnce() -> Result<Written, WriteError>,
    merged: impl FnOnce(&Docstring) -> Docstring,
) -> Result<Option<(Action, Written, Style)>, WriteError> {
    Ok(match (existing, options.mode) {
        (None, _) => Some((Action::Added, fresh()?, options.style)),
        (Some(_), Mode::Missing) => None,
        (Some(_), Mode::All) => Some((Action::Regenerated, fresh()?, options.style)),
        (Some(text), Mode::Update) => {
            // An update keeps the style the docstring is written in: rewriting
            // a NumPy docstring as Google (the default `--style`) would turn a
            // signature fix into a reformatting of every docstring in the
            // project. Only a docstring with no recognisable style (a plain
            // summary) takes the configured one.
            let style = crate::docstring::detect_style(text).unwrap_or(options.style);
            let old = crate::docstring::parse(text, None);
            let mut new = merged(&old);
            if new == old {
                return Ok(None);
            }
            // Entries the merge added are described by the writer when it
            // has prose (a model); the author's text stays as it is.
            let mut note = None;
            if crate::docstring::added_placeholders(&old, &new) {
                match fresh() {
                    Ok(written) if crate::docstring::fill_placeholders(&mut new, &written.docstring) => {
                        note = written.note;
                    }
                    Ok(_) => {}
                    Err(error) => tracing::debug!("the new entries keep their placeholders: {error}"),
                }
            }
            Some((Action::Updated, Written { docstring: new, note }, style))
        }
    })
}

#[allow(clippy::too_many_arguments)]
fn plan(
    source: &str,
    module: &Module,
    target: Target,
    qualname: String,
    line: usize,
    action: Action,
    doc: &Docstring,
    style: Style,
    options: &EngineOptions,
) -> Result<PlannedEdit, InsertError> {
    let place = placement(source, module, target)?;
    let render_options = RenderOptions { style, width: options.width, indent: place.indent.clone() };
    let edit = place.edit(&render(doc, &render_options));
    Ok(PlannedEdit { target, qualname, line, action, edit, note: None })
}

/// Definitions (and the module) that should have a docstring and lack one.
pub fn missing_docstrings<'m>(module: &'m Module, selection: &Selection) -> Vec<&'m Definition> {
    module
        .definitions
        .iter()
        .enumerate()
        .filter(|(i, d)| d.docstring.is_none() && selection.wants(module, *i))
        .map(|(_, d)| d)
        .collect()
}
