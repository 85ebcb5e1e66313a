//! `generate` with a model: the client started, the project indexed, and
//! the docstrings asked for callees first.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use anyhow::{Context, Result, bail};
use rayon::prelude::*;

use super::file::{self, Loaded};
use super::{Documented, GenerateArgs, Outcome, Outcomes, Run};
use crate::cache;
use crate::cli::progress::Progress;
use crate::cli::teardown::Teardown;
use crate::config::Settings;
use crate::engine::batch::{BatchFile, Prepared, Watch};
use crate::engine::{self, EngineOptions};
use crate::files::{FileFilter, python_files, read_parsed};
use crate::llm::{Client, ExchangeLog, ModelConfig, ModelWriter};
use crate::prompt::template::PromptManager;
use crate::python::workspace::{FileEntry, WorkspaceIndex};

/// The model writer, when a model is configured and wanted.
pub(super) struct Model {
    pub writer: ModelWriter,
    concurrency: usize,
    // Runs the requests; dropped after the writer.
    _runtime: tokio::runtime::Runtime,
}

/// The model's configuration, when one is configured and wanted.
pub(super) fn config(args: &GenerateArgs, settings: &Settings) -> Result<Option<ModelConfig>> {
    // `--check` needs only the code to tell what is missing or stale: a CI
    // gate never spends.
    if args.offline || args.check {
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
    stop: Arc<AtomicBool>,
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
        .with_workspace(workspace)
        .with_stop(stop);
    // Made now, while the files are read, rather than by the first prompt.
    crate::prompt::redact::prepare();
    config.never_send.prepare();
    let readers = rayon::current_num_threads();
    let (answers, warning) = runtime.block_on(cache::open::open_for_batch(&settings.cache, readers));
    if let Some(warning) = warning {
        eprintln!("docwright: warning: {warning}");
    }
    if let Some(answers) = answers {
        writer = writer.with_cache(answers);
    }
    Ok(Model { writer, concurrency: config.concurrency, _runtime: runtime })
}

/// Every file with the model: all read and indexed first, so docstrings are
/// written callees first and each prompt shows what its code calls.
pub(super) fn document(run: &Run<'_>, settings: &Settings, config: &ModelConfig) -> Result<Documented> {
    let root = crate::cli::project_root(run.paths);
    let workspace = Arc::new(RwLock::new(WorkspaceIndex::new(root.clone())));
    std::thread::scope(|scope| {
        // The client, the templates and the cache start while the files are
        // found, read and indexed.
        let starting =
            scope.spawn(|| start_model(config, settings, root.as_deref(), workspace.clone(), run.interrupt.flag()));
        let files = python_files(run.paths, &run.filter)?;
        let loaded = read_and_index(run.paths, &files, root.as_deref(), &workspace);
        let model = starting.join().map_err(|_| anyhow::anyhow!("the model client stopped while starting"))??;
        let mut teardown = Teardown::default();
        let outcomes = write_with_model(run, &files, loaded, &model, &workspace, &mut teardown);
        Ok(Documented { files, outcomes, model: Some(model), teardown })
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
                .map(|path| match file::load(path, |name, file| index.entry(Path::new(name), file)) {
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
        Err(_) => {
            (files.par_iter().map(|path| file::load(path, |_, _| ()).map(|(loaded, ())| loaded)).collect(), Vec::new())
        }
    };
    if let Ok(mut index) = workspace.write() {
        for entry in entries {
            index.add(entry);
        }
    }
    loaded
}

/// Asks (or finds cached) every docstring the loaded files need, callees
/// first, and edits each file as soon as its answers are in.
fn write_with_model(
    run: &Run<'_>,
    files: &[PathBuf],
    loaded: Vec<Result<Loaded>>,
    model: &Model,
    workspace: &RwLock<WorkspaceIndex>,
    teardown: &mut Teardown,
) -> Outcomes {
    let options: Vec<Option<EngineOptions>> =
        loaded.iter().map(|loaded| loaded.as_ref().ok().map(|loaded| run.options_for(loaded))).collect();
    // The files read, each with its place in `files`.
    let (places, batch): (Vec<usize>, Vec<BatchFile<'_>>) = loaded
        .iter()
        .zip(&options)
        .enumerate()
        .filter_map(|(at, (loaded, options))| Some((at, loaded.as_ref().ok()?, options.as_ref()?)))
        .map(|(at, loaded, options)| {
            let file = BatchFile {
                path: Path::new(&loaded.name),
                name: &loaded.name,
                source: &loaded.text,
                module: &loaded.module,
                options,
            };
            (at, file)
        })
        .unzip();
    let progress = Progress::new(0, "docstrings", run.show, figures(&model.writer));
    let stop = run.interrupt.flag();
    let told = AtomicBool::new(false);
    let written = || {
        if stop.load(Ordering::Relaxed) {
            if !told.swap(true, Ordering::Relaxed) {
                progress.stopping();
            }
        } else {
            progress.advance(1);
        }
    };
    let planned = |total: usize| progress.set_total(total as u64);
    let watch = Watch { stop: &stop, planned: &planned, written: &written };
    let outcomes: Vec<Mutex<Option<Outcome>>> = files.iter().map(|_| Mutex::new(None)).collect();
    // A file handed over is planned and edited in one step with the answers
    // written for it (what was not written ahead goes to the model writer).
    let finished = |b: usize, answers: Prepared<'_>| {
        let Some(&at) = places.get(b) else { return };
        let (Some(path), Some(Ok(loaded)), Some(Some(options))) = (files.get(at), loaded.get(at), options.get(at))
        else {
            return;
        };
        let plan = engine::edits(Some(&loaded.name), &loaded.text, &loaded.module, options, &answers);
        let outcome =
            file::finish(path, loaded, plan, run.write).unwrap_or_else(|error| Outcome::Skipped(format!("{error:#}")));
        if let Some(Ok(mut slot)) = outcomes.get(at).map(Mutex::lock) {
            *slot = Some(outcome);
        }
    };
    engine::batch::write_callee_first(
        &batch,
        &model.writer,
        model.concurrency.clamp(1, 64),
        workspace,
        &watch,
        &finished,
    );
    progress.finish();
    let outcomes = files
        .iter()
        .zip(&loaded)
        .zip(outcomes)
        .map(|((path, loaded), slot)| {
            let outcome = match (slot.into_inner().ok().flatten(), loaded) {
                (Some(outcome), _) => outcome,
                (None, Err(error)) => Outcome::Skipped(format!("{error:#}")),
                // Every file read is handed over: only a panic while editing
                // it leaves none.
                (None, Ok(_)) => Outcome::Skipped(format!("{}: not written", path.display())),
            };
            (path.clone(), outcome)
        })
        .collect();
    drop(batch);
    teardown.drop_later(loaded);
    outcomes
}

/// The figures shown beside the progress: cache hits, tokens, cost.
fn figures(writer: &ModelWriter) -> Box<dyn Fn() -> String + Send + Sync> {
    let client = Arc::clone(writer.client());
    let cache = writer.cache().cloned();
    Box::new(move || {
        let stats = client.stats();
        let hits = cache.as_ref().map_or(0, |cache| cache.counters().hits);
        let tokens = stats.usage.prompt_tokens + stats.usage.completion_tokens;
        format!("{hits} from the cache, {tokens} tokens, ${:.4}", stats.cost)
    })
}
