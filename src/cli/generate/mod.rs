//! `docwright generate`: write the docstrings a tree is missing.

mod changed;
mod file;
mod summary;
mod with_model;

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Result, bail};
use rayon::prelude::*;

use super::interrupt::{self, Interrupt};
use super::progress::{Progress, Show};
use super::teardown::Teardown;
use crate::config::Settings;
use crate::docstring::Style;
use crate::engine::{Action, EngineOptions, Failure, Mode, PlannedEdit, Selection, Templates};
use crate::files::{FileFilter, python_files};
use crate::git;
use file::Loaded;
use with_model::Model;

#[derive(clap::Args, Debug)]
pub struct GenerateArgs {
    /// Files or directories to document, or a git repository's URL (cloned, with its last commit only, into a
    /// temporary directory; any URL git accepts, `file://` too).
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
    /// Change nothing and ask no model; list each docstring that would change and exit with 1 if there is one.
    #[arg(long, group = "output")]
    pub check: bool,
    /// Only write docstrings that are missing (the default).
    #[arg(long, conflicts_with_all = ["update", "all"])]
    pub only_missing: bool,
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
    /// Only the definitions changed since the git revision BASE (`--changed` alone: since HEAD, that is
    /// uncommitted changes), untracked files included: for pre-commit hooks and pull requests.
    #[arg(long, value_name = "BASE", num_args = 0..=1, require_equals = true, default_missing_value = "HEAD")]
    pub changed: Option<String>,
    /// Print a summary as JSON on stdout instead of the diff or the list.
    #[arg(long)]
    pub json: bool,
    /// Show progress even when stderr is not a terminal (a line at every tenth of the work).
    #[arg(long, conflicts_with = "no_progress")]
    pub progress: bool,
    /// Show no progress.
    #[arg(long)]
    pub no_progress: bool,
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
            only: None,
        }
    }
}

/// What happened to one file.
enum Outcome {
    Unchanged {
        failures: Vec<Failure>,
    },
    Changed {
        original: String,
        edited: String,
        edits: Vec<PlannedEdit>,
        failures: Vec<Failure>,
    },
    Skipped(String),
    /// Left as it was: the run was stopped before all its docstrings were
    /// written (`answered` of them were).
    Unfinished {
        answered: usize,
        failures: Vec<Failure>,
    },
    /// Not read: the run was stopped first.
    NotRead,
}

impl Outcome {
    fn failures(&self) -> &[Failure] {
        match self {
            Outcome::Unchanged { failures }
            | Outcome::Changed { failures, .. }
            | Outcome::Unfinished { failures, .. } => failures,
            Outcome::Skipped(_) | Outcome::NotRead => &[],
        }
    }

    fn edits(&self) -> &[PlannedEdit] {
        match self {
            Outcome::Changed { edits, .. } => edits,
            _ => &[],
        }
    }

    fn describe(&self) -> String {
        match self {
            Outcome::Unchanged { .. } => "unchanged".to_string(),
            Outcome::Changed { edits, .. } => format!("{} docstrings", edits.len()),
            Outcome::Skipped(_) => "skipped".to_string(),
            Outcome::Unfinished { .. } => "unfinished".to_string(),
            Outcome::NotRead => "not read".to_string(),
        }
    }
}

/// What happened to each file.
type Outcomes = Vec<(PathBuf, Outcome)>;

/// What a run works with, whichever way its docstrings are written.
struct Run<'a> {
    paths: &'a [PathBuf],
    filter: FileFilter,
    options: EngineOptions,
    /// With `--changed`: what changed in each file since the base.
    changed: Option<HashMap<PathBuf, git::Changed>>,
    interrupt: Interrupt,
    show: Show,
    write: bool,
}

impl Run<'_> {
    /// The options for one file read: what `--changed` leaves of the selection.
    fn options_for(&self, loaded: &Loaded) -> EngineOptions {
        changed::options_for(&self.options, self.changed.as_ref(), &loaded.name, &loaded.module)
    }
}

/// What a run did.
struct Documented {
    files: Vec<PathBuf>,
    outcomes: Outcomes,
    model: Option<Model>,
    /// What the run is done with, being freed.
    teardown: Teardown,
}

pub fn run(args: &GenerateArgs) -> Result<i32> {
    let started = Instant::now();
    if let Some(width) = args.width
        && width < 20
    {
        bail!("--width {width} is too small (at least 20)");
    }
    let clones = Clones::of(&args.paths, args.write)?;
    let paths = clones.paths.clone();
    let settings = super::project_settings(&paths);
    let config = with_model::config(args, &settings)?;
    let changed = match &args.changed {
        Some(base) => {
            let first = paths.first().map(PathBuf::as_path).unwrap_or(Path::new("."));
            let dir = if first.is_dir() { first } else { first.parent().unwrap_or(Path::new(".")) };
            let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
            Some(git::changed_since(dir, base)?)
        }
        None => None,
    };
    let show = if args.no_progress || args.json && !args.progress {
        Show::Never
    } else if args.progress {
        Show::Always
    } else {
        Show::Auto
    };
    let run = Run {
        paths: &paths,
        filter: FileFilter::new(&args.filter.include, &args.filter.exclude)?,
        options: args.engine_options(&settings),
        changed,
        interrupt: Interrupt::install(),
        show,
        write: args.write,
    };
    let mut documented = match &config {
        Some(config) => with_model::document(&run, &settings, config)?,
        None => document_offline(&run)?,
    };
    let interrupted = run.interrupt.requested();
    let shown = |path: &Path| clones.shown(path);
    let summary = summary::Summary::of(&documented, started.elapsed(), interrupted);
    let json = args.json.then(|| summary.json(&documented, &shown, args.write));
    let summary_lines = summary.lines(&documented, args.write);
    // Its figures taken, the model (its client, the answer cache, the
    // workspace index) is closed and freed while the diff is printed.
    let model = documented.model.take();
    documented.teardown.drop_later(model);

    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for (path, outcome) in &documented.outcomes {
        for failure in outcome.failures().iter().filter(|f| !f.error.is_interrupted()) {
            eprintln!("docwright: {}:{}: {}: {}", shown(path), failure.line, failure.qualname, failure.error);
        }
        match outcome {
            Outcome::Unchanged { .. } | Outcome::Unfinished { .. } | Outcome::NotRead => {}
            Outcome::Changed { original, edited, edits, .. } => {
                for planned in edits {
                    if let Some(note) = &planned.note {
                        eprintln!("docwright: {}:{}: {}: {note}", shown(path), planned.line, planned.qualname);
                    }
                }
                if args.json {
                } else if args.check {
                    for planned in edits {
                        let what = match planned.action {
                            Action::Added => "missing docstring",
                            Action::Updated => "docstring out of date",
                            Action::Regenerated => "docstring would be regenerated",
                        };
                        writeln!(out, "{}:{}: {what}: {}", shown(path), planned.line, planned.qualname)?;
                    }
                } else if !args.write {
                    write_diff(&mut out, &shown(path), original, edited)?;
                }
            }
            Outcome::Skipped(reason) => eprintln!("docwright: skipped {reason}"),
        }
    }
    if let Some(json) = json {
        serde_json::to_writer_pretty(&mut out, &json)?;
        writeln!(out)?;
    }
    out.flush()?;
    for line in summary_lines {
        eprintln!("docwright: {line}");
    }
    if interrupted {
        return Ok(interrupt::EXIT_STATUS);
    }
    let failed = summary.skipped > 0 || summary.failed > 0 || (args.check && summary.docstrings() > 0);
    Ok(i32::from(failed))
}

/// Every file from templates, each read, planned, edited and written in one
/// step, a thread per core (each thread that parses sets up its own
/// allocator and parser).
fn document_offline(run: &Run<'_>) -> Result<Documented> {
    let files = python_files(run.paths, &run.filter)?;
    let progress = Progress::new(files.len() as u64, "files", run.show, Box::new(String::new));
    let options_for = |loaded: &Loaded| run.options_for(loaded);
    let outcomes = files
        .par_iter()
        .map(|path| {
            if run.interrupt.requested() {
                return (path.clone(), Outcome::NotRead);
            }
            let outcome = file::process(path, &options_for, &Templates, run.write);
            progress.advance(1);
            (path.clone(), outcome)
        })
        .collect();
    progress.finish();
    Ok(Documented { files, outcomes, model: None, teardown: Teardown::default() })
}

/// The repositories given by URL, each cloned into a temporary directory
/// that lives as long as this.
struct Clones {
    /// The paths to document: those given, with each URL's clone in its place.
    paths: Vec<PathBuf>,
    /// Each clone's directory, kept until the run ends.
    dirs: Vec<(PathBuf, tempfile::TempDir)>,
}

impl Clones {
    fn of(given: &[PathBuf], write: bool) -> Result<Self> {
        let mut clones = Clones { paths: Vec::new(), dirs: Vec::new() };
        for path in given {
            let Some(url) = path.to_str().filter(|p| git::is_url(p)) else {
                clones.paths.push(path.clone());
                continue;
            };
            if write {
                bail!(
                    "--write with a repository URL ({url}) would change a temporary clone that is removed afterwards; clone it yourself and give its path"
                );
            }
            let temporary = tempfile::Builder::new().prefix("docwright-clone-").tempdir()?;
            let name = url.trim_end_matches('/').trim_end_matches(".git").rsplit(['/', ':']).next().unwrap_or("repo");
            let name = if name.is_empty() { "repo" } else { name };
            let into = temporary.path().join(name);
            eprintln!("docwright: cloning {url}");
            git::shallow_clone(url, &into)?;
            clones.paths.push(into.clone());
            clones.dirs.push((into, temporary));
        }
        Ok(clones)
    }

    /// How a path is shown: relative to its clone for a cloned repository
    /// (as it is in the repository), else as given.
    fn shown(&self, path: &Path) -> String {
        for (root, _) in &self.dirs {
            if let Ok(relative) = path.strip_prefix(root) {
                return relative.display().to_string();
            }
        }
        path.display().to_string()
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn write_diff(out: &mut impl Write, name: &str, original: &str, edited: &str) -> Result<()> {
    let diff = similar::TextDiff::from_lines(original, edited);
    let (old, new) = if Path::new(name).is_relative() {
        (format!("a/{name}"), format!("b/{name}"))
    } else {
        (name.to_string(), name.to_string())
    };
    write!(out, "{}", diff.unified_diff().context_radius(3).header(&old, &new))?;
    Ok(())
}
