//! The language server: document store, code actions, and applying edits.
//!
//! Ordering rule (tower-lsp-server runs handlers concurrently): every
//! notification that changes state does so before its first `.await`, under a
//! synchronous lock that is never held across an await; every request takes an
//! `Arc` snapshot of its document first and works on that.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::Duration;

use serde_json::Value;
use tower_lsp_server::LanguageServer;
use tower_lsp_server::jsonrpc::{Error, ErrorCode, Result};
use tower_lsp_server::ls_types as lsp;

use super::actions::{self, ActionData, ActionKind};
use super::commands::{self, Batch, Job};
use super::completion::docstring_completion;
use super::convert;
use super::document::Document;
use super::session;
use crate::cache::{self, layered::AnswerCache, settings::CacheSettings};
use crate::config::{self, Settings, Severity};
use crate::engine::findings::findings;
use crate::engine::{DocstringWriter, EngineOptions, Templates};
use crate::line_index::PositionEncoding;
use crate::llm::{Client, ExchangeLog, ModelSettings, ModelWriter};
use crate::prompt::template::PromptManager;
use crate::python::workspace::WorkspaceIndex;

/// The command a code action carries when the client cannot resolve edits.
pub const APPLY_ACTION_COMMAND: &str = "docwright.applyAction";

/// How long the server waits for the client to answer `workspace/applyEdit`.
const CLIENT_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// How long diagnostics wait for typing to pause before they are computed.
const DIAGNOSTICS_DELAY: Duration = Duration::from_millis(60);

/// Cheap to clone: background tasks take a clone.
#[derive(Clone)]
pub struct Server {
    client: tower_lsp_server::Client,
    state: Arc<Mutex<State>>,
}

struct State {
    documents: HashMap<lsp::Uri, Arc<Document>>,
    encoding: PositionEncoding,
    /// The client resolves code actions lazily (`codeAction/resolve` with `edit`).
    resolves_edits: bool,
    /// The settings in force, resolved from `layers`.
    settings: Settings,
    layers: Layers,
    /// What was wrong with the settings when they were last resolved.
    settings_problems: Vec<String>,
    /// Workspace folders, for `docwright.generateWorkspace` and pyproject.toml.
    roots: Vec<PathBuf>,
    /// The client answers `workspace/configuration`.
    pulls_configuration: bool,
    /// The client watches files for us (dynamic registration).
    watches_files: bool,
    /// The client shows work-done progress.
    shows_progress: bool,
    /// Batch runs under way, by progress token, with their cancel flags.
    batches: HashMap<String, Arc<AtomicBool>>,
    batch_count: u64,
    /// Writes docstrings: the model when one is configured, else templates.
    writer: Arc<dyn DocstringWriter>,
    /// The model and cache settings `writer` was built from.
    writer_settings: Option<(ModelSettings, CacheSettings)>,
    /// The model client behind `writer`, when there is one (for its counters).
    model: Option<Arc<Client>>,
    answers: Option<Arc<AnswerCache>>,
    /// The workspace's definitions, for prompts: filled from the disk when
    /// the session starts, kept up to date from the open documents.
    workspace: Arc<RwLock<WorkspaceIndex>>,
}

/// What the diagnostics report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiagnosticSettings {
    /// Severity of "missing docstring", or `None` to not report it.
    pub missing: Option<lsp::DiagnosticSeverity>,
    /// Severity of "docstring out of date".
    pub stale: lsp::DiagnosticSeverity,
}

impl Default for DiagnosticSettings {
    fn default() -> Self {
        DiagnosticSettings {
            missing: Some(lsp::DiagnosticSeverity::INFORMATION),
            stale: lsp::DiagnosticSeverity::WARNING,
        }
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    // A panic while the lock was held leaves plain data behind; keep serving.
    state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Server {
    pub fn new(client: tower_lsp_server::Client) -> Self {
        let state = State {
            documents: HashMap::new(),
            encoding: PositionEncoding::default(),
            resolves_edits: false,
            settings: Settings::default(),
            layers: Layers::default(),
            settings_problems: Vec::new(),
            roots: Vec::new(),
            pulls_configuration: false,
            watches_files: false,
            shows_progress: false,
            batches: HashMap::new(),
            batch_count: 0,
            writer: Arc::new(Templates),
            writer_settings: None,
            model: None,
            answers: None,
            workspace: Arc::new(RwLock::new(WorkspaceIndex::new(None))),
        };
        Server { client, state: Arc::new(Mutex::new(state)) }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }

    fn snapshot(&self, uri: &lsp::Uri) -> Option<(Arc<Document>, PositionEncoding, EngineOptions)> {
        let state = self.state();
        state.documents.get(uri).map(|d| (Arc::clone(d), state.encoding, state.settings.engine.clone()))
    }

    /// Asks the client for the `docwright` section of its settings, in the
    /// background, and applies it.
    fn pull_configuration(&self) {
        let server = self.clone();
        tokio::spawn(async move {
            let item = lsp::ConfigurationItem { scope_uri: None, section: Some("docwright".to_string()) };
            let answer = tokio::time::timeout(CLIENT_REQUEST_TIMEOUT, server.client.configuration(vec![item])).await;
            let Ok(Ok(mut values)) = answer else { return };
            let value = values.pop().filter(|v| !v.is_null());
            let problems = {
                let mut state = lock(&server.state);
                state.layers.workspace_configuration = value;
                state.resolve_settings()
            };
            server.settings_changed(problems).await;
        });
    }

    /// Reports what was wrong with new settings (the server keeps the good
    /// ones) and refreshes the diagnostics of open documents.
    async fn settings_changed(&self, problems: Vec<String>) {
        for problem in problems {
            tracing::warn!("{problem}");
            self.client.show_message(lsp::MessageType::WARNING, format!("docwright: {problem}")).await;
        }
        let open: Vec<(lsp::Uri, i32)> =
            self.state().documents.iter().map(|(uri, d)| (uri.clone(), d.version)).collect();
        for (uri, version) in open {
            self.schedule_diagnostics(uri, version);
        }
    }

    /// `window/workDoneProgress/cancel`: stops the batch run with that token.
    pub async fn cancel_progress(&self, params: lsp::WorkDoneProgressCancelParams) {
        if let lsp::ProgressToken::String(token) = params.token
            && let Some(cancelled) = self.state().batches.get(&token)
        {
            cancelled.store(true, Ordering::Relaxed);
        }
    }

    /// Starts a batch run of `jobs` in the background.
    fn start_batch(&self, title: &'static str, jobs: impl FnOnce(&State) -> Vec<Job>) {
        let (batch, jobs) = {
            let mut state = self.state();
            state.batch_count += 1;
            let token = format!("docwright/batch/{}", state.batch_count);
            let cancelled = Arc::new(AtomicBool::new(false));
            state.batches.insert(token.clone(), Arc::clone(&cancelled));
            let batch = Batch {
                client: self.client.clone(),
                token,
                cancelled,
                encoding: state.encoding,
                options: state.settings.engine.clone(),
                progress: state.shows_progress,
                writer: Arc::clone(&state.writer),
            };
            (batch, jobs(&state))
        };
        let state = Arc::clone(&self.state);
        tokio::spawn(async move {
            let token = batch.token.clone();
            commands::run(batch, title, jobs).await;
            lock(&state).batches.remove(&token);
        });
    }

    /// Publishes diagnostics for `uri` once typing pauses, if `version` is
    /// still the current one by then (a newer change schedules its own).
    fn schedule_diagnostics(&self, uri: lsp::Uri, version: i32) {
        let Server { client, state } = self.clone();
        tokio::spawn(async move {
            tokio::time::sleep(DIAGNOSTICS_DELAY).await;
            let current = |state: &Mutex<State>| {
                let state = lock(state);
                let document = state.documents.get(&uri).filter(|d| d.version == version).map(Arc::clone);
                document
                    .map(|d| (d, state.encoding, state.settings.engine.selection, diagnostic_settings(&state.settings)))
            };
            let Some((document, encoding, selection, settings)) = current(&state) else { return };
            // Building the source model takes milliseconds on a large file:
            // off the async threads. It is kept in the shared document, so
            // code actions on this version find it ready.
            let computed = tokio::task::spawn_blocking(move || {
                let found = findings(document.text(), document.file.module(), &selection, settings.missing.is_some());
                convert::diagnostics(&document, &found, encoding, &settings)
            })
            .await;
            let Ok(diagnostics) = computed else { return };
            if current(&state).is_some() {
                client.publish_diagnostics(uri, diagnostics, Some(version)).await;
            }
        });
    }

    /// Fills the workspace index from the Python files under the roots, in
    /// the background: prompts show what a definition calls once it is done.
    fn index_workspace(&self) {
        let (roots, workspace) = {
            let state = self.state();
            (state.roots.clone(), Arc::clone(&state.workspace))
        };
        if roots.is_empty() {
            return;
        }
        tokio::task::spawn_blocking(move || {
            let started = std::time::Instant::now();
            // Held for the whole scan: a docstring asked for meanwhile waits
            // for the context rather than being written without it.
            let Ok(mut index) = workspace.write() else { return };
            let files = match crate::files::python_files(&roots, &crate::files::FileFilter::default()) {
                Ok(files) => files,
                Err(error) => return tracing::warn!("the workspace is not indexed: {error:#}"),
            };
            for path in &files {
                let parsed = crate::files::read_parsed(path);
                if let Some(file) = parsed {
                    index.update(path, &file);
                }
            }
            tracing::info!(files = files.len(), elapsed_ms = started.elapsed().as_millis() as u64, "workspace indexed");
        });
    }

    /// Brings the workspace index up to date with files changed on disk (by
    /// another program, or saved), in the background.
    fn reindex(&self, changed: Vec<(PathBuf, bool)>) {
        let workspace = Arc::clone(&self.state().workspace);
        tokio::task::spawn_blocking(move || {
            for (path, deleted) in changed {
                let parsed = if deleted { None } else { crate::files::read_parsed(&path) };
                let Ok(mut index) = workspace.write() else { return };
                match parsed {
                    Some(file) => index.update(&path, &file),
                    None => index.remove(&path),
                }
            }
        });
    }

    /// The edit an action makes on the current version of its document.
    async fn workspace_edit(&self, data: ActionData) -> Result<lsp::WorkspaceEdit> {
        let uri: lsp::Uri =
            data.uri.parse().map_err(|_| invalid_params(format!("`{}` is not a document URI", data.uri)))?;
        let (document, encoding, options) =
            self.snapshot(&uri).ok_or_else(|| invalid_params(format!("{} is not open", data.uri)))?;
        let (writer, workspace) = {
            let state = self.state();
            (Arc::clone(&state.writer), Arc::clone(&state.workspace))
        };
        // A model answers in seconds: off the async threads, which keep
        // serving the editor meanwhile.
        let computed = {
            let document = Arc::clone(&document);
            let path = uri.to_file_path().map(|p| p.into_owned());
            tokio::task::spawn_blocking(move || {
                // The prompt sees this document as it is now.
                if let (Some(path), Ok(mut index)) = (path, workspace.write()) {
                    index.update(&path, &document.file);
                }
                actions::edits(&data, &document, &options, &*writer)
            })
            .await
        };
        let (edits, notes) = computed
            .map_err(|error| request_failed(format!("the docstring could not be written: {error}")))?
            .map_err(|error| request_failed(error.to_string()))?;
        for note in notes {
            self.client.show_message(lsp::MessageType::WARNING, format!("docwright: {note}")).await;
        }
        let edits = convert::text_edits(&document, &edits, encoding);
        Ok(convert::document_edit(uri, Some(document.version), edits))
    }
}

fn invalid_params(message: String) -> Error {
    Error { code: ErrorCode::InvalidParams, message: message.into(), data: None }
}

fn request_failed(message: String) -> Error {
    Error { code: ErrorCode::ServerError(-32803), message: message.into(), data: None }
}

/// Where settings come from, lowest first.
#[derive(Default)]
struct Layers {
    pyproject: Option<Value>,
    initialization_options: Option<Value>,
    workspace_configuration: Option<Value>,
}

impl State {
    /// Resolves the settings from the layers; returns what is wrong and was
    /// not already: a bad key in one source is said once, not again each time
    /// another source changes (clients that push their settings and answer
    /// `workspace/configuration` too would show it three times at start).
    fn resolve_settings(&mut self) -> Vec<String> {
        let mut settings = Settings::default();
        let mut problems = Vec::new();
        let layers = [
            ("pyproject.toml [tool.docwright]", &self.layers.pyproject),
            ("initializationOptions", &self.layers.initialization_options),
            ("workspace configuration", &self.layers.workspace_configuration),
        ];
        for (source, layer) in layers {
            if let Some(value) = layer {
                problems.extend(settings.apply(value, source));
            }
        }
        let wanted = (settings.model.clone(), settings.cache.clone());
        if self.writer_settings.as_ref() != Some(&wanted) {
            let setup = writer_for(&settings, self.roots.first().map(PathBuf::as_path), &self.workspace);
            self.writer = setup.writer;
            self.model = setup.client;
            self.answers = setup.answers;
            self.writer_settings = Some(wanted);
            problems.extend(setup.problems);
        }
        self.settings = settings;
        let fresh = problems.iter().filter(|p| !self.settings_problems.contains(p)).cloned().collect();
        self.settings_problems = problems;
        fresh
    }

    /// Reads `[tool.docwright]` from the first workspace folder's pyproject.toml.
    fn load_pyproject(&mut self) -> Vec<String> {
        let Some(path) = self.roots.first().map(|root| root.join("pyproject.toml")) else { return Vec::new() };
        let Ok(text) = std::fs::read_to_string(&path) else {
            self.layers.pyproject = None;
            return Vec::new();
        };
        match config::from_pyproject(&text) {
            Ok(table) => {
                self.layers.pyproject = table;
                Vec::new()
            }
            // Keep the last good table.
            Err(error) => vec![format!("{} is not valid TOML: {error}", path.display())],
        }
    }
}

/// What writes docstrings in this session.
struct WriterSetup {
    writer: Arc<dyn DocstringWriter>,
    client: Option<Arc<Client>>,
    answers: Option<Arc<AnswerCache>>,
    problems: Vec<String>,
}

/// The writer the settings (and the environment) call for: the model, with
/// its answer cache, when one is configured; else templates. What stood in
/// the way is returned for the user.
fn writer_for(settings: &Settings, root: Option<&Path>, workspace: &Arc<RwLock<WorkspaceIndex>>) -> WriterSetup {
    let lookup = |name: &str| std::env::var(name).ok();
    let mut problems = Vec::new();
    let built = settings.model.resolve(&lookup).and_then(|config| {
        let Some(config) = config else { return Ok(None) };
        let runtime = tokio::runtime::Handle::try_current().map_err(|e| e.to_string())?;
        let mut client = Client::from_config(&config)?;
        tracing::info!("docstrings come from {}", config.provider.describe());
        match ExchangeLog::open_in(config.exchange_log.as_deref(), root) {
            Ok(log) => client = client.with_exchange_log(log),
            Err(warning) => problems.push(warning),
        }
        // Opening a store may wait on a network (Redis): on a thread of its
        // own, as this runs on the server's async threads.
        let cache_settings = settings.cache.clone();
        let handle = runtime.clone();
        let (answers, warning) = std::thread::spawn(move || handle.block_on(cache::open::open(&cache_settings)))
            .join()
            .unwrap_or((None, Some("the answer cache could not be opened".to_string())));
        problems.extend(warning);
        let mut writer = ModelWriter::new(Arc::new(client), runtime)
            .with_never_send(config.never_send.clone())
            .with_workspace(Arc::clone(workspace));
        // A template that does not load is named; the built-in ones stand in
        // so the editor keeps working.
        match PromptManager::load(&config.templates, root) {
            Ok(templates) => writer = writer.with_templates(templates),
            Err(error) => problems.push(format!("prompt template {error}; the built-in templates are used")),
        }
        if let Some(answers) = answers {
            writer = writer.with_cache(answers);
        }
        Ok(Some(writer))
    });
    match built {
        Ok(Some(writer)) => {
            let client = Some(Arc::clone(writer.client()));
            let answers = writer.cache().cloned();
            WriterSetup { writer: Arc::new(writer), client, answers, problems }
        }
        Ok(None) => WriterSetup { writer: Arc::new(Templates), client: None, answers: None, problems },
        Err(problem) => {
            problems.push(format!("model: {problem}; docstrings come from templates"));
            WriterSetup { writer: Arc::new(Templates), client: None, answers: None, problems }
        }
    }
}

fn diagnostic_settings(settings: &Settings) -> DiagnosticSettings {
    let missing = match settings.missing_docstrings {
        Severity::Off => None,
        Severity::Hint => Some(lsp::DiagnosticSeverity::HINT),
        Severity::Information => Some(lsp::DiagnosticSeverity::INFORMATION),
        Severity::Warning => Some(lsp::DiagnosticSeverity::WARNING),
        Severity::Error => Some(lsp::DiagnosticSeverity::ERROR),
    };
    DiagnosticSettings { missing, stale: lsp::DiagnosticSeverity::WARNING }
}

impl LanguageServer for Server {
    async fn initialize(&self, params: lsp::InitializeParams) -> Result<lsp::InitializeResult> {
        let encoding = convert::negotiate_encoding(&params.capabilities);
        let code_action = params.capabilities.text_document.as_ref().and_then(|t| t.code_action.as_ref());
        let resolves_edits = code_action.is_some_and(|c| {
            c.data_support == Some(true)
                && c.resolve_support.as_ref().is_some_and(|r| r.properties.iter().any(|p| p == "edit"))
        });
        let shows_progress = params.capabilities.window.as_ref().and_then(|w| w.work_done_progress).unwrap_or(false);
        #[allow(deprecated)] // root_uri: older clients send only that
        let roots: Vec<PathBuf> = match &params.workspace_folders {
            Some(folders) => folders.iter().filter_map(|f| f.uri.to_file_path().map(|p| p.into_owned())).collect(),
            None => params.root_uri.iter().filter_map(|u| u.to_file_path().map(|p| p.into_owned())).collect(),
        };
        let problems = {
            let mut state = self.state();
            state.encoding = encoding;
            state.shows_progress = shows_progress;
            let workspace = params.capabilities.workspace.as_ref();
            state.pulls_configuration = workspace.and_then(|w| w.configuration).unwrap_or(false);
            state.watches_files = workspace
                .and_then(|w| w.did_change_watched_files.as_ref())
                .and_then(|w| w.dynamic_registration)
                .unwrap_or(false);
            if let Ok(mut index) = state.workspace.write() {
                *index = WorkspaceIndex::new(roots.first().cloned());
            }
            state.roots = roots;
            state.resolves_edits = resolves_edits;
            state.layers.initialization_options = params.initialization_options.clone();
            let mut problems = state.load_pyproject();
            problems.extend(state.resolve_settings());
            problems
        };
        for problem in problems {
            tracing::warn!("{problem}");
            self.client.show_message(lsp::MessageType::WARNING, format!("docwright: {problem}")).await;
        }
        Ok(lsp::InitializeResult {
            capabilities: lsp::ServerCapabilities {
                position_encoding: Some(convert::encoding_kind(encoding)),
                text_document_sync: Some(lsp::TextDocumentSyncCapability::Options(lsp::TextDocumentSyncOptions {
                    open_close: Some(true),
                    change: Some(lsp::TextDocumentSyncKind::INCREMENTAL),
                    ..lsp::TextDocumentSyncOptions::default()
                })),
                code_action_provider: Some(lsp::CodeActionProviderCapability::Options(lsp::CodeActionOptions {
                    code_action_kinds: Some(vec![
                        lsp::CodeActionKind::QUICKFIX,
                        lsp::CodeActionKind::REFACTOR_REWRITE,
                        lsp::CodeActionKind::SOURCE,
                    ]),
                    resolve_provider: Some(true),
                    ..lsp::CodeActionOptions::default()
                })),
                completion_provider: Some(lsp::CompletionOptions {
                    trigger_characters: Some(vec!["\"".to_string(), "'".to_string()]),
                    ..lsp::CompletionOptions::default()
                }),
                execute_command_provider: Some(lsp::ExecuteCommandOptions {
                    commands: vec![
                        APPLY_ACTION_COMMAND.to_string(),
                        commands::GENERATE_FILE.to_string(),
                        commands::GENERATE_WORKSPACE.to_string(),
                        session::SHOW_STATS.to_string(),
                        session::STATS.to_string(),
                        session::CLEAR_CACHE.to_string(),
                        session::DOCTOR.to_string(),
                    ],
                    ..lsp::ExecuteCommandOptions::default()
                }),
                ..lsp::ServerCapabilities::default()
            },
            server_info: Some(lsp::ServerInfo {
                name: "docwright".to_string(),
                version: Some(env!("CARGO_PKG_VERSION").to_string()),
            }),
            offset_encoding: None,
        })
    }

    async fn initialized(&self, _: lsp::InitializedParams) {
        let (pulls, watches) = {
            let state = self.state();
            (state.pulls_configuration, state.watches_files)
        };
        if watches {
            let options = lsp::DidChangeWatchedFilesRegistrationOptions {
                watchers: ["**/pyproject.toml", "**/*.py"]
                    .into_iter()
                    .map(|glob| lsp::FileSystemWatcher {
                        glob_pattern: lsp::GlobPattern::String(glob.to_string()),
                        kind: None,
                    })
                    .collect(),
            };
            let registration = lsp::Registration {
                id: "docwright-pyproject".to_string(),
                method: "workspace/didChangeWatchedFiles".to_string(),
                register_options: serde_json::to_value(options).ok(),
            };
            let client = self.client.clone();
            tokio::spawn(async move {
                let _ =
                    tokio::time::timeout(CLIENT_REQUEST_TIMEOUT, client.register_capability(vec![registration])).await;
            });
        }
        if pulls {
            self.pull_configuration();
        }
        self.index_workspace();
    }

    async fn did_change_configuration(&self, params: lsp::DidChangeConfigurationParams) {
        // Some clients push the settings, others only say they changed.
        match params.settings.get("docwright").cloned() {
            Some(settings) => {
                let problems = {
                    let mut state = self.state();
                    state.layers.workspace_configuration = Some(settings);
                    state.resolve_settings()
                };
                self.settings_changed(problems).await;
            }
            None => self.pull_configuration(),
        }
    }

    async fn did_change_watched_files(&self, params: lsp::DidChangeWatchedFilesParams) {
        let python: Vec<(PathBuf, bool)> = params
            .changes
            .iter()
            .filter(|c| c.uri.as_str().ends_with(".py"))
            .filter_map(|c| Some((c.uri.to_file_path()?.into_owned(), c.typ == lsp::FileChangeType::DELETED)))
            .collect();
        if !python.is_empty() {
            self.reindex(python);
        }
        if !params.changes.iter().any(|c| c.uri.as_str().ends_with("pyproject.toml")) {
            return;
        }
        let problems = {
            let mut state = self.state();
            let mut problems = state.load_pyproject();
            problems.extend(state.resolve_settings());
            problems
        };
        self.settings_changed(problems).await;
    }

    async fn shutdown(&self) -> Result<()> {
        Ok(())
    }

    async fn did_open(&self, params: lsp::DidOpenTextDocumentParams) {
        let document = params.text_document;
        match Document::new(document.text, document.version) {
            Ok(parsed) => {
                self.state().documents.insert(document.uri.clone(), Arc::new(parsed));
                self.schedule_diagnostics(document.uri, document.version);
            }
            Err(error) => tracing::error!("cannot parse {}: {error}", document.uri.as_str()),
        }
    }

    async fn did_change(&self, params: lsp::DidChangeTextDocumentParams) {
        let uri = params.text_document.uri;
        let changes: Vec<_> = params.content_changes.into_iter().map(convert::change).collect();
        let failed = {
            let mut state = self.state();
            let encoding = state.encoding;
            match state.documents.get_mut(&uri) {
                Some(document) => {
                    // Copy on write: a request still working on the old version
                    // keeps it.
                    let document = Arc::make_mut(document);
                    document.apply(&changes, params.text_document.version, encoding).err()
                }
                None => {
                    tracing::warn!("change to {}, which is not open", uri.as_str());
                    None
                }
            }
        };
        if failed.is_none() {
            self.schedule_diagnostics(uri.clone(), params.text_document.version);
        }
        if let Some(error) = failed {
            // Our copy may no longer match the editor's; forget it rather than
            // compute edits against the wrong text.
            self.state().documents.remove(&uri);
            tracing::error!("{}: {error}; the document is dropped until it is reopened", uri.as_str());
            let message = format!("docwright lost track of {}; close and reopen it", uri.as_str());
            self.client.show_message(lsp::MessageType::ERROR, message).await;
        }
    }

    async fn did_close(&self, params: lsp::DidCloseTextDocumentParams) {
        let uri = params.text_document.uri;
        self.state().documents.remove(&uri);
        self.client.publish_diagnostics(uri, Vec::new(), None).await;
    }

    async fn code_action(&self, params: lsp::CodeActionParams) -> Result<Option<lsp::CodeActionResponse>> {
        let uri = params.text_document.uri;
        let Some((document, encoding, _)) = self.snapshot(&uri) else { return Ok(None) };
        let resolves_edits = self.state().resolves_edits;
        let offset = document.offset(convert::line_position(params.range.start), encoding);
        // Quick fixes for our own diagnostics first, then what the position
        // offers, less what a fix already does (editors that list every kind
        // of action in one menu would show it twice).
        let fixes: Vec<(ActionData, Option<lsp::Diagnostic>)> = params
            .context
            .diagnostics
            .iter()
            .filter(|d| d.source.as_deref() == Some("docwright"))
            .filter_map(|diagnostic| {
                let at = document.offset(convert::line_position(diagnostic.range.start), encoding);
                let stale = matches!(&diagnostic.code, Some(lsp::NumberOrString::String(c)) if c == "stale-docstring");
                let kind = if stale { ActionKind::Update } else { ActionKind::Generate };
                actions::fix(uri.as_str(), &document, at, kind).map(|data| (data, Some(diagnostic.clone())))
            })
            .collect();
        let offered: Vec<(ActionData, Option<lsp::Diagnostic>)> = actions::offered(uri.as_str(), &document, offset)
            .into_iter()
            .filter(|data| !fixes.iter().any(|(fix, _)| fix == data))
            .map(|data| (data, None))
            .collect();
        let response = fixes
            .into_iter()
            .chain(offered)
            .map(|(data, diagnostic)| {
                let kind = match (data.kind, &diagnostic) {
                    (_, Some(_)) => lsp::CodeActionKind::QUICKFIX,
                    (ActionKind::GenerateAllMissing, None) => lsp::CodeActionKind::SOURCE,
                    _ => lsp::CodeActionKind::REFACTOR_REWRITE,
                };
                let title = data.title();
                let payload = serde_json::to_value(&data).ok();
                let command = (!resolves_edits).then(|| lsp::Command {
                    title: title.clone(),
                    command: APPLY_ACTION_COMMAND.to_string(),
                    arguments: payload.clone().map(|p| vec![p]),
                });
                lsp::CodeActionOrCommand::CodeAction(lsp::CodeAction {
                    title,
                    kind: Some(kind),
                    is_preferred: diagnostic.as_ref().map(|_| true),
                    diagnostics: diagnostic.map(|d| vec![d]),
                    data: payload,
                    command,
                    ..lsp::CodeAction::default()
                })
            })
            .collect();
        Ok(Some(response))
    }

    async fn completion(&self, params: lsp::CompletionParams) -> Result<Option<lsp::CompletionResponse>> {
        let position = params.text_document_position;
        let Some((document, encoding, options)) = self.snapshot(&position.text_document.uri) else { return Ok(None) };
        let offset = document.offset(convert::line_position(position.position), encoding);
        let Some(found) = docstring_completion(&document, offset, &options) else { return Ok(None) };
        let range = lsp::Range {
            start: convert::lsp_position(document.position(found.range.start, encoding)),
            end: convert::lsp_position(document.position(found.range.end, encoding)),
        };
        let quotes = document.text().get(found.range.start..found.range.start + 3).unwrap_or("\"\"\"").to_string();
        let what = found.qualname.map_or_else(|| "the module".to_string(), |q| format!("`{q}`"));
        let item = lsp::CompletionItem {
            label: format!("{quotes} docstring"),
            kind: Some(lsp::CompletionItemKind::SNIPPET),
            detail: Some(format!("{} docstring for {what}", options.style)),
            preselect: Some(true),
            sort_text: Some("0".to_string()),
            filter_text: Some(quotes),
            insert_text_format: Some(lsp::InsertTextFormat::PLAIN_TEXT),
            text_edit: Some(lsp::CompletionTextEdit::Edit(lsp::TextEdit { range, new_text: found.text })),
            ..lsp::CompletionItem::default()
        };
        Ok(Some(lsp::CompletionResponse::Array(vec![item])))
    }

    async fn code_action_resolve(&self, mut action: lsp::CodeAction) -> Result<lsp::CodeAction> {
        let data: ActionData = action
            .data
            .as_ref()
            .and_then(|d| serde_json::from_value(d.clone()).ok())
            .ok_or_else(|| invalid_params("this code action carries no docwright data".to_string()))?;
        action.edit = Some(self.workspace_edit(data).await?);
        Ok(action)
    }

    async fn execute_command(&self, params: lsp::ExecuteCommandParams) -> Result<Option<Value>> {
        match params.command.as_str() {
            commands::GENERATE_WORKSPACE => {
                self.start_batch("Documenting the workspace", |state| {
                    commands::workspace_jobs(&state.roots, &state.documents)
                });
                return Ok(None);
            }
            commands::GENERATE_FILE => {
                let uri: lsp::Uri =
                    params.arguments.first().and_then(Value::as_str).and_then(|u| u.parse().ok()).ok_or_else(|| {
                        invalid_params(format!("{} takes the document's URI", commands::GENERATE_FILE))
                    })?;
                let document = self.snapshot(&uri).map(|(d, _, _)| d);
                let document = document.ok_or_else(|| invalid_params(format!("{} is not open", uri.as_str())))?;
                self.start_batch("Documenting the file", move |_| vec![Job::Open { uri, document }]);
                return Ok(None);
            }
            session::SHOW_STATS | session::STATS => {
                let (summary, value) = {
                    let state = self.state();
                    session::stats(state.model.as_ref(), state.answers.as_ref())
                };
                if params.command == session::SHOW_STATS {
                    self.client.show_message(lsp::MessageType::INFO, summary).await;
                }
                return Ok(Some(value));
            }
            session::CLEAR_CACHE => {
                let (answers, settings) = {
                    let state = self.state();
                    (state.answers.clone(), state.settings.cache.clone())
                };
                let (summary, value) = session::clear_cache(answers, &settings).await.map_err(request_failed)?;
                self.client.show_message(lsp::MessageType::INFO, summary).await;
                return Ok(Some(value));
            }
            session::DOCTOR => {
                let (settings, root) = {
                    let state = self.state();
                    (state.settings.model.clone(), state.roots.first().cloned())
                };
                let (summary, value) = session::doctor(&settings, root).await;
                let kind = if value["ok"] == true { lsp::MessageType::INFO } else { lsp::MessageType::WARNING };
                self.client.show_message(kind, summary).await;
                return Ok(Some(value));
            }
            APPLY_ACTION_COMMAND => {}
            other => return Err(invalid_params(format!("unknown command `{other}`"))),
        }
        let data: ActionData = params
            .arguments
            .first()
            .and_then(|a| serde_json::from_value(a.clone()).ok())
            .ok_or_else(|| invalid_params(format!("{APPLY_ACTION_COMMAND} takes the action's data")))?;
        let edit = self.workspace_edit(data).await?;
        // The command answers at once; the edit is applied by the client.
        let client = self.client.clone();
        tokio::spawn(async move {
            match tokio::time::timeout(CLIENT_REQUEST_TIMEOUT, client.apply_edit(edit)).await {
                Ok(Ok(response)) if response.applied => {}
                Ok(Ok(response)) => {
                    let reason = response.failure_reason.unwrap_or_else(|| "no reason given".to_string());
                    tracing::warn!("the editor did not apply the docstring edit: {reason}");
                }
                Ok(Err(error)) => tracing::warn!("workspace/applyEdit failed: {error}"),
                Err(_) => tracing::warn!("the editor did not answer workspace/applyEdit in time"),
            }
        });
        Ok(None)
    }
}
