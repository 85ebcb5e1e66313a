//! `docwright generate`: write the docstrings a tree is missing.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use anyhow::{Context, Result, bail};
use rayon::prelude::*;

use super::write::write_atomically;
use crate::cache;
use crate::config::Settings;
use crate::docstring::Style;
use crate::engine::batch::{BatchFile, Prepared};
use crate::engine::{self, Action, DocstringWriter, EngineOptions, Failure, Mode, PlannedEdit, Selection, Templates};
use crate::files::{FileFilter, python_files, read_parsed, read_source};
use crate::llm::{Client, ExchangeLog, ModelConfig, ModelWriter};
use crate::prompt::template::PromptManager;
use crate::python::workspace::{FileEntry, WorkspaceIndex};
use crate::python::{self, Module, SourceFile, source_text};

#[derive(clap::Args, Debug)]
pub struct GenerateArgs {
    /// Files or directories to document.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Write docstrings from templates, without a model (what happens anyway
    /// while no model is configured).
    #[arg(long)]
    pub offline: bool,
    /// The model to use (a name `[tool.docwright.model.deployments]` maps to a deployment, or the deployment
    /// itself) [default: `model.model` in [tool.docwright], else AZURE_OPENAI_DEPLOYMENT].
    #[arg(long, value_name = "NAME", conflicts_with = "offline")]
    pub model: Option<String>,
    /// Model requests in flight at once [default: `model.concurrency`, else 8].
    #[arg(long, value_name = "N", conflicts_with = "offline")]
    pub concurrency: Option<usize>,
    /// Stop asking the model once this run would spend more than this many USD [default: `model.budget.perRun`].
    #[arg(long, value_name = "USD", conflicts_with = "offline")]
    pub budget_per_run: Option<f64>,
    /// Stop asking the model once today's spending, all runs together, would pass this many USD [default:
    /// `model.budget.perDay`].
    #[arg(long, value_name = "USD", conflicts_with = "offline")]
    pub budget_per_day: Option<f64>,
    /// Append every model request (each attempt) and every cached answer to this file as a JSON line, for audits
    /// [default: DOCWRIGHT_EXCHANGE_LOG, else `model.exchangeLog` in [tool.docwright]].
    #[arg(long, value_name = "PATH", conflicts_with = "offline")]
    pub exchange_log: Option<PathBuf>,
    /// Docstring style: google, numpy, sphinx, epytext or pep257 [default: google, or
    /// `style` in the project's pyproject.toml [tool.docwright]].
    #[arg(long)]
    pub style: Option<Style>,
    /// Maximum line length of a docstring, indentation included [default: 88, or
    /// `width` in [tool.docwright]].
    #[arg(long)]
    pub width: Option<usize>,
    /// Print a unified diff of the changes (the default).
    #[arg(long, group = "output")]
    pub diff: bool,
    /// Write the changes to the files (atomically).
    #[arg(long, group = "output")]
    pub write: bool,
    /// Change nothing; list each docstring that would change and exit with 1 if there is one.
    #[arg(long, group = "output")]
    pub check: bool,
    /// Also merge existing docstrings with the current signatures (each keeps its own style).
    #[arg(long, conflicts_with = "all")]
    pub update: bool,
    /// Regenerate every docstring, replacing what is there.
    #[arg(long)]
    pub all: bool,
    /// Include `_private` functions and classes.
    #[arg(long)]
    pub private: bool,
    /// Include functions and classes nested in functions.
    #[arg(long)]
    pub nested: bool,
    /// Include `__init__` methods (the class docstring documents them otherwise).
    #[arg(long)]
    pub init: bool,
    /// Leave module docstrings alone.
    #[arg(long)]
    pub no_module: bool,
    #[command(flatten)]
    pub filter: super::FilterArgs,
}

impl GenerateArgs {
    /// The options: flags given on the command line, else the project's
    /// `[tool.docwright]`, else the defaults.
    fn engine_options(&self, project: &Settings) -> EngineOptions {
        let base = &project.engine;
        let mode = if self.all {
            Mode::All
        } else if self.update {
            Mode::Update
        } else {
            Mode::Missing
        };
        EngineOptions {
            style: self.style.unwrap_or(base.style),
            width: self.width.unwrap_or(base.width),
            mode,
            selection: Selection {
                private: self.private || base.selection.private,
                nested: self.nested || base.selection.nested,
                module: !self.no_module && base.selection.module,
                init: self.init || base.selection.init,
            },
        }
    }
}

/// What happened to one file.
enum Outcome {
    Unchanged { failures: Vec<Failure> },
    Changed { original: String, edited: String, edits: Vec<PlannedEdit>, failures: Vec<Failure> },
    Skipped(String),
}

impl Outcome {
    fn failures(&self) -> &[Failure] {
        match self {
            Outcome::Unchanged { failures } | Outcome::Changed { failures, .. } => failures,
            Outcome::Skipped(_) => &[],
        }
    }
}

/// What happened to each file.
type Outcomes = Vec<(PathBuf, Outcome)>;

/// A file read, with the answers written ahead for it.
type WithAnswers<'w> = (Loaded, Option<Prepared<'w>>);

/// The model writer, when a model is configured and wanted.
struct Model {
    writer: ModelWriter,
    concurrency: usize,
    // Runs the requests; dropped after the writer.
    _runtime: tokio::runtime::Runtime,
}

/// The model's configuration, when one is configured and wanted.
fn model_config(args: &GenerateArgs, settings: &Settings) -> Result<Option<ModelConfig>> {
    if args.offline {
        return Ok(None);
    }
    let mut model_settings = settings.model.clone();
    if let Some(name) = &args.model {
        model_settings.model = Some(name.clone());
        model_settings.deployment = None;
    }
    if let Some(concurrency) = args.concurrency {
        model_settings.concurrency = Some(concurrency.clamp(1, 256));
    }
    for (flag, value, setting) in [
        ("--budget-per-run", args.budget_per_run, &mut model_settings.budget_per_run),
        ("--budget-per-day", args.budget_per_day, &mut model_settings.budget_per_day),
    ] {
        if let Some(usd) = value {
            if !usd.is_finite() || usd < 0.0 {
                bail!("{flag} {usd} is not an amount in USD");
            }
            *setting = Some(usd);
        }
    }
    let lookup = |name: &str| std::env::var(name).ok();
    let mut config = model_settings.resolve(&lookup).map_err(|e| {
        anyhow::anyhow!("the model is not fully configured: {e} (or use --offline to write from templates)")
    })?;
    if let (Some(config), Some(path)) = (&mut config, &args.exchange_log) {
        config.exchange_log = Some(std::path::absolute(path).unwrap_or_else(|_| path.clone()));
    }
    if config.is_none() {
        // Templates are the fallback, so the tool is useful on a fresh machine.
        eprintln!("docwright: no model is configured; writing docstrings from templates (as with --offline)");
    }
    Ok(config)
}

/// Starts the client, loads the prompt templates and opens the answer cache.
fn start_model(
    config: &ModelConfig,
    settings: &Settings,
    root: Option<&Path>,
    workspace: Arc<RwLock<WorkspaceIndex>>,
) -> Result<Model> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the model client's runtime")?;
    let mut client = Client::from_config(config).map_err(|e| anyhow::anyhow!("the model client: {e}"))?;
    // A log that cannot be written is said once; the run goes on.
    match ExchangeLog::open_in(config.exchange_log.as_deref(), root) {
        Ok(log) => client = client.with_exchange_log(log),
        Err(warning) => eprintln!("docwright: warning: {warning}"),
    }
    // A template that does not load stops the run: a typo must not quietly
    // fall back to the built-in prompt.
    let templates = PromptManager::load(&config.templates, root).map_err(|e| anyhow::anyhow!("prompt template {e}"))?;
    let mut writer = ModelWriter::new(Arc::new(client), runtime.handle().clone())
        .with_never_send(config.never_send.clone())
        .with_templates(templates)
        .with_workspace(workspace);
    let (answers, warning) = runtime.block_on(cache::open::open(&settings.cache));
    if let Some(warning) = warning {
        eprintln!("docwright: warning: {warning}");
    }
    if let Some(answers) = answers {
        writer = writer.with_cache(answers);
    }
    Ok(Model { writer, concurrency: config.concurrency, _runtime: runtime })
}

pub fn run(args: &GenerateArgs) -> Result<i32> {
    if let Some(width) = args.width
        && width < 20
    {
        bail!("--width {width} is too small (at least 20)");
    }
    let settings = super::project_settings(&args.paths);
    let config = model_config(args, &settings)?;
    let filter = FileFilter::new(&args.filter.include, &args.filter.exclude)?;
    let options = args.engine_options(&settings);
    let (files, outcomes, model) = match &config {
        Some(config) => {
            let (files, outcomes, model) = document_with_model(args, &settings, config, &filter, &options)?;
            (files, outcomes, Some(model))
        }
        // Reading, parsing and editing run a thread per core (each thread
        // that parses sets up its own allocator and parser).
        None => {
            let files = python_files(&args.paths, &filter)?;
            let outcomes =
                files.par_iter().map(|path| (path.clone(), process(path, &options, &Templates, args.write))).collect();
            (files, outcomes, None)
        }
    };

    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let (mut changed_files, mut docstrings, mut skipped, mut failed) = (0, 0, 0, 0);
    for (path, outcome) in &outcomes {
        for failure in outcome.failures() {
            failed += 1;
            eprintln!("docwright: {}:{}: {}: {}", path.display(), failure.line, failure.qualname, failure.error);
        }
        match outcome {
            Outcome::Unchanged { .. } => {}
            Outcome::Changed { original, edited, edits, .. } => {
                for planned in edits {
                    if let Some(note) = &planned.note {
                        eprintln!("docwright: {}:{}: {}: {note}", path.display(), planned.line, planned.qualname);
                    }
                }
                changed_files += 1;
                docstrings += edits.len();
                if args.check {
                    for planned in edits {
                        let what = match planned.action {
                            Action::Added => "missing docstring",
                            Action::Updated => "docstring out of date",
                            Action::Regenerated => "docstring would be regenerated",
                        };
                        writeln!(out, "{}:{}: {what}: {}", path.display(), planned.line, planned.qualname)?;
                    }
                } else if !args.write {
                    write_diff(&mut out, path, original, edited)?;
                }
            }
            Outcome::Skipped(reason) => {
                skipped += 1;
                eprintln!("docwright: skipped {reason}");
            }
        }
    }
    out.flush()?;
    let verb = if args.write { "wrote" } else { "would write" };
    let failures = if failed > 0 { format!(", {failed} docstring{} failed", plural(failed)) } else { String::new() };
    eprintln!(
        "docwright: {verb} {docstrings} docstring{} in {changed_files} file{}; {} file{} checked, {skipped} skipped{failures}",
        plural(docstrings),
        plural(changed_files),
        files.len(),
        plural(files.len())
    );
    if let Some(model) = &model {
        let stats = model.writer.client().stats();
        for warning in &stats.warnings {
            eprintln!("docwright: warning: {warning}");
        }
        eprintln!("docwright: model: {}", stats.summary());
        if let Some(answers) = model.writer.cache() {
            eprintln!("docwright: cache: {}", answers.counters().summary());
        }
        if let Some(error) = model.writer.client().fatal_error() {
            eprintln!("docwright: the run stopped asking the model: {error}");
        }
    }
    let failed = skipped > 0 || failed > 0 || (args.check && docstrings > 0);
    Ok(i32::from(failed))
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn process(path: &Path, options: &EngineOptions, writer: &dyn DocstringWriter, write: bool) -> Outcome {
    let started = std::time::Instant::now();
    let outcome = match try_process(path, options, writer, write) {
        Ok(outcome) => outcome,
        Err(error) => Outcome::Skipped(format!("{error:#}")),
    };
    let what = match &outcome {
        Outcome::Unchanged { .. } => "unchanged".to_string(),
        Outcome::Changed { edits, .. } => format!("{} docstrings", edits.len()),
        Outcome::Skipped(_) => "skipped".to_string(),
    };
    tracing::debug!(path = %path.display(), elapsed_ms = started.elapsed().as_millis() as u64, "{what}");
    outcome
}

fn try_process(path: &Path, options: &EngineOptions, writer: &dyn DocstringWriter, write: bool) -> Result<Outcome> {
    let (loaded, ()) = load(path, |_, _| ())?;
    let plan = engine::edits(Some(&loaded.name), &loaded.text, &loaded.module, options, writer);
    finish(path, loaded, plan, write)
}

/// A file read, with its source model, and how to write it back. Its tree is
/// dropped once the source model is made: a batch holds many files at once.
struct Loaded {
    bytes: Vec<u8>,
    encoding: source_text::SourceEncoding,
    bom: bool,
    text: String,
    module: Module,
    /// The absolute path, as cached answers are filed under it.
    name: String,
}

/// Reads and parses the file at `path`; `with_tree` sees it, by its absolute
/// name, before the tree is dropped.
fn load<T>(path: &Path, with_tree: impl FnOnce(&str, &SourceFile) -> T) -> Result<(Loaded, T)> {
    let (bytes, source) = read_source(path)?;
    let (encoding, bom) = (source.encoding, source.bom);
    let file = SourceFile::parse(source.text).with_context(|| path.display().to_string())?;
    if file.has_syntax_errors() {
        // Say where, or the user is left searching the file.
        let near = python::first_error_line(file.tree())
            .map(|line| format!(" (the first near line {line})"))
            .unwrap_or_default();
        bail!("{}: has syntax errors{near}; fix them first", path.display());
    }
    let name = canonical_name(path);
    let seen = with_tree(&name, &file);
    let (text, module) = file.into_text_and_module();
    Ok((Loaded { bytes, encoding, bom, text, module, name }, seen))
}

type PlanResult = Result<engine::ModulePlan, engine::EngineError>;

/// Applies `plan` to the loaded file, and writes it when asked.
fn finish(path: &Path, loaded: Loaded, plan: PlanResult, write: bool) -> Result<Outcome> {
    let Loaded { bytes, encoding, bom, text: original, .. } = loaded;
    let engine::ModulePlan { edits: planned, failures } = plan.with_context(|| path.display().to_string())?;
    if planned.is_empty() {
        return Ok(Outcome::Unchanged { failures });
    }
    let edits: Vec<_> = planned.iter().map(|p| (p.edit.range.clone(), p.edit.new_text.as_str())).collect();
    let edited = python::splice(&original, &edits).with_context(|| path.display().to_string())?;
    // A last guard: the result must parse as cleanly as the original did. A
    // fresh parse: the original's tree is gone, and an incremental reparse of
    // a tree made long before costs as much.
    let parsed = python::parse_tree(&edited, None).with_context(|| path.display().to_string())?;
    if parsed.root_node().has_error() {
        bail!("{}: the edited text would not parse; the file is left as it was (please report this)", path.display());
    }
    if write {
        let new_bytes = source_text::encode(&edited, encoding, bom)
            .with_context(|| format!("{}: cannot be written back", path.display()))?;
        write_atomically(path, &bytes, &new_bytes)?;
    }
    Ok(Outcome::Changed { original, edited, edits: planned, failures })
}

/// Every file with the model: all read and indexed first, so docstrings are
/// written callees first and each prompt shows what its code calls. Returns
/// the files found, what happened to each, and the model, for its figures.
fn document_with_model(
    args: &GenerateArgs,
    settings: &Settings,
    config: &ModelConfig,
    filter: &FileFilter,
    options: &EngineOptions,
) -> Result<(Vec<PathBuf>, Outcomes, Model)> {
    let root = super::project_root(&args.paths);
    let workspace = Arc::new(RwLock::new(WorkspaceIndex::new(root.clone())));
    std::thread::scope(|scope| {
        // The client, the templates and the cache start while the files are
        // found, read and indexed.
        let starting = scope.spawn(|| start_model(config, settings, root.as_deref(), workspace.clone()));
        let files = python_files(&args.paths, filter)?;
        let loaded = read_and_index(&args.paths, &files, root.as_deref(), &workspace);
        let model = starting.join().map_err(|_| anyhow::anyhow!("the model client stopped while starting"))??;
        let outcomes = write_with_model(&files, loaded, options, &model, &workspace, args.write);
        Ok((files, outcomes, model))
    })
}

/// Reads and parses `files` and indexes them, with the rest of the project
/// below `root` (what the code calls may live there).
fn read_and_index(
    given_paths: &[PathBuf],
    files: &[PathBuf],
    root: Option<&Path>,
    workspace: &RwLock<WorkspaceIndex>,
) -> Vec<Result<Loaded>> {
    // Not when the project is what was given: it is read already.
    let others: Vec<PathBuf> = root
        .filter(|root| !given_paths.iter().any(|p| std::fs::canonicalize(p).is_ok_and(|p| p == *root)))
        .and_then(|root| python_files(&[root.to_path_buf()], &FileFilter::default()).ok())
        .unwrap_or_default();
    // Each file read, parsed and its index entry made in one step, in
    // parallel, its tree dropped at once; then all entries are added under
    // one lock.
    let (loaded, entries): (Vec<Result<Loaded>>, Vec<FileEntry>) = match workspace.read() {
        Ok(index) => {
            let (loaded, entries): (Vec<Result<Loaded>>, Vec<Option<FileEntry>>) = files
                .par_iter()
                .map(|path| match load(path, |name, file| index.entry(Path::new(name), file)) {
                    Ok((loaded, entry)) => (Ok(loaded), Some(entry)),
                    Err(error) => (Err(error), None),
                })
                .unzip();
            let mut entries: Vec<FileEntry> = entries.into_iter().flatten().collect();
            let given: HashSet<&str> = loaded.iter().flatten().map(|l| l.name.as_str()).collect();
            let of_others: Vec<FileEntry> = others
                .into_par_iter()
                .filter_map(|path| {
                    let path = std::fs::canonicalize(&path).unwrap_or(path);
                    if given.contains(path.display().to_string().as_str()) {
                        return None;
                    }
                    read_parsed(&path).map(|file| index.entry(&path, &file))
                })
                .collect();
            entries.extend(of_others);
            (loaded, entries)
        }
        Err(_) => (files.par_iter().map(|path| load(path, |_, _| ()).map(|(loaded, ())| loaded)).collect(), Vec::new()),
    };
    if let Ok(mut index) = workspace.write() {
        for entry in entries {
            index.add(entry);
        }
    }
    loaded
}

/// Asks (or finds cached) every docstring the loaded files need, callees
/// first, then edits each file.
fn write_with_model(
    files: &[PathBuf],
    loaded: Vec<Result<Loaded>>,
    options: &EngineOptions,
    model: &Model,
    workspace: &RwLock<WorkspaceIndex>,
    write: bool,
) -> Outcomes {
    let batch: Vec<BatchFile<'_>> = loaded
        .iter()
        .flatten()
        .map(|loaded| BatchFile {
            path: Path::new(&loaded.name),
            name: &loaded.name,
            source: &loaded.text,
            module: &loaded.module,
        })
        .collect();
    let answers =
        engine::batch::write_callee_first(&batch, options, &model.writer, model.concurrency.clamp(1, 64), workspace);
    drop(batch);
    // Each file read with its answers (files that could not be read have
    // none), then planned and edited in one step.
    let mut answers = answers.into_iter();
    let paired: Vec<(&PathBuf, Result<WithAnswers<'_>>)> =
        files.iter().zip(loaded).map(|(path, loaded)| (path, loaded.map(|l| (l, answers.next())))).collect();
    let started = std::time::Instant::now();
    let outcomes: Outcomes = paired
        .into_par_iter()
        .map(|(path, paired)| {
            let outcome = paired
                .and_then(|(loaded, answers)| {
                    let writer: &dyn DocstringWriter = match &answers {
                        Some(answers) => answers,
                        None => &model.writer,
                    };
                    let plan = engine::edits(Some(&loaded.name), &loaded.text, &loaded.module, options, writer);
                    finish(path, loaded, plan, write)
                })
                .unwrap_or_else(|error| Outcome::Skipped(format!("{error:#}")));
            (path.clone(), outcome)
        })
        .collect();
    tracing::debug!(elapsed_ms = started.elapsed().as_millis() as u64, "applied the edits");
    outcomes
}

/// The file's absolute path, as cached answers are filed under it.
fn canonical_name(path: &Path) -> String {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()).display().to_string()
}

fn write_diff(out: &mut impl Write, path: &Path, original: &str, edited: &str) -> Result<()> {
    let name = path.display().to_string();
    let diff = similar::TextDiff::from_lines(original, edited);
    let (old, new) = if path.is_relative() { (format!("a/{name}"), format!("b/{name}")) } else { (name.clone(), name) };
    write!(out, "{}", diff.unified_diff().context_radius(3).header(&old, &new))?;
    Ok(())
}
