//! The command-line front door: subcommands that call the engine.

mod cache;
mod complexity;
mod coverage;
mod doctor;
mod generate;
mod interrupt;
mod inventory;
mod markdown;
mod progress;
mod report;
mod teardown;
mod write;

use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};

/// docwright writes and maintains Python docstrings.
#[derive(Parser, Debug)]
#[command(name = "docwright", version)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Log filter (for example `debug` or `docwright=trace`); logs go to stderr.
    // Listed last in every command's help, after the command's own options.
    #[arg(long, global = true, env = "DOCWRIGHT_LOG", default_value = "warn", display_order = 1000)]
    log: String,
    /// Write logs to this file (appended) instead of stderr.
    #[arg(long, global = true, value_name = "PATH", display_order = 1001)]
    log_file: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// List every module, class, function and method, and whether it has a docstring.
    Inventory(inventory::InventoryArgs),
    /// Write missing docstrings (or update existing ones) and show, write or check the result.
    Generate(generate::GenerateArgs),
    /// Docstring coverage per file and in total, counted as interrogate counts it.
    Coverage(coverage::CoverageArgs),
    /// McCabe complexity of each function, measured as mccabe measures it.
    Complexity(complexity::ComplexityArgs),
    /// Write Markdown documentation: a page per module and an index.
    Markdown(markdown::MarkdownArgs),
    /// Check the model configuration, the credentials and one tiny request, and say what is wrong.
    Doctor(doctor::DoctorArgs),
    /// Show or drop the cached model answers.
    Cache(cache::CacheArgs),
    /// Run the language server on stdin/stdout (editors start this).
    Lsp(LspArgs),
    /// Print the settings reference: every key the settings tables accept.
    #[command(hide = true)]
    Settings(SettingsArgs),
}

#[derive(clap::Args, Debug)]
#[group(required = true, multiple = false)]
struct SettingsArgs {
    /// As Markdown: the README's settings section is this text.
    #[arg(long)]
    markdown: bool,
    /// As the VS Code extension's settings schema (JSON): its package.json holds this.
    #[arg(long)]
    vscode: bool,
}

#[derive(clap::Args, Debug)]
struct LspArgs {
    /// Speak over stdin/stdout (the only transport; accepted because editors pass it).
    #[arg(long)]
    stdio: bool,
}

/// Which files under a directory a command looks at.
#[derive(clap::Args, Debug, Default)]
pub struct FilterArgs {
    /// Only files matching this glob, relative to the directory given; as in .gitignore, a glob without `/` matches at any depth (repeatable).
    #[arg(long = "include", value_name = "GLOB")]
    pub include: Vec<String>,
    /// Skip files matching this glob (repeatable).
    #[arg(long = "exclude", value_name = "GLOB")]
    pub exclude: Vec<String>,
}

/// Runs the CLI and returns the process exit code.
pub fn run() -> i32 {
    let cli = Cli::parse();
    if let Err(error) = init_logging(&cli.log, cli.log_file.as_deref()) {
        eprintln!("docwright: {error:#}");
        return 2;
    }
    // Batch commands parse thousands of files: mimalloc makes tree-sitter's
    // many small allocations cheaper. The language server keeps a few trees
    // for a long time, where the system allocator's smaller footprint wins.
    if !matches!(cli.command, Command::Lsp(_)) {
        crate::allocator::install_for_tree_sitter();
    }
    let result = match &cli.command {
        Command::Inventory(args) => inventory::run(args),
        Command::Generate(args) => generate::run(args),
        Command::Coverage(args) => coverage::run(args),
        Command::Complexity(args) => complexity::run(args),
        Command::Markdown(args) => markdown::run(args),
        Command::Doctor(args) => doctor::run(args),
        Command::Cache(args) => cache::run(args),
        Command::Lsp(_) => crate::lsp::run_stdio().map(|()| 0),
        Command::Settings(args) => {
            if args.vscode {
                println!("{:#}", crate::config::vscode_configuration());
            } else {
                print!("{}", crate::config::reference_markdown());
            }
            Ok(0)
        }
    };
    match result {
        Ok(code) => code,
        // `docwright generate . | head`: the reader has gone, so stop quietly
        // with the status of a process killed by SIGPIPE, as other tools do,
        // rather than print "Broken pipe" as if docwright had failed.
        Err(error) if is_broken_pipe(&error) => 141,
        Err(error) => {
            eprintln!("docwright: {error:#}");
            2
        }
    }
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause.downcast_ref::<std::io::Error>().is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            || cause.downcast_ref::<serde_json::Error>().and_then(serde_json::Error::io_error_kind)
                == Some(std::io::ErrorKind::BrokenPipe)
    })
}

fn init_logging(filter: &str, file: Option<&std::path::Path>) -> anyhow::Result<()> {
    use anyhow::Context;
    use std::io::IsTerminal;
    let filter =
        tracing_subscriber::EnvFilter::try_new(filter).unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    // Never stdout: it carries diffs, JSON, and the language server's protocol.
    match file {
        Some(path) => {
            let file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .with_context(|| format!("cannot open the log file {}", path.display()))?;
            let _ = tracing_subscriber::fmt()
                .with_env_filter(filter)
                .with_writer(std::sync::Mutex::new(file))
                .with_ansi(false)
                .try_init();
        }
        None => {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(filter)
                .with_writer(std::io::stderr)
                .with_ansi(std::io::stderr().is_terminal())
                .try_init();
        }
    }
    Ok(())
}

/// The project the first path belongs to: the nearest directory above it
/// holding a pyproject.toml, else a `.git`, else the path itself (or its
/// directory).
pub(crate) fn project_root(paths: &[PathBuf]) -> Option<PathBuf> {
    let start = std::fs::canonicalize(paths.first()?).ok()?;
    nearest_pyproject(&start)
        .and_then(|pyproject| pyproject.parent().map(Path::to_path_buf))
        .or_else(|| start.ancestors().find(|dir| dir.join(".git").exists()).map(Path::to_path_buf))
        .or_else(|| if start.is_dir() { Some(start.clone()) } else { start.parent().map(Path::to_path_buf) })
}

/// The nearest pyproject.toml at or above `start`.
fn nearest_pyproject(start: &Path) -> Option<PathBuf> {
    start.ancestors().map(|dir| dir.join("pyproject.toml")).find(|p| p.is_file())
}

/// The settings of `[tool.docwright]` in the nearest pyproject.toml above the
/// first path. Bad keys are reported and left at their defaults.
pub(crate) fn project_settings(paths: &[PathBuf]) -> crate::config::Settings {
    let mut settings = crate::config::Settings::default();
    let Some(start) = paths.first().and_then(|p| std::fs::canonicalize(p).ok()) else { return settings };
    let Some(pyproject) = nearest_pyproject(&start) else { return settings };
    let table =
        std::fs::read_to_string(&pyproject).map_err(|e| e.to_string()).and_then(|t| crate::config::from_pyproject(&t));
    match table {
        Ok(Some(table)) => {
            for problem in settings.apply(&table, &pyproject.display().to_string()) {
                eprintln!("docwright: warning: {problem}");
            }
        }
        Ok(None) => {}
        Err(error) => eprintln!("docwright: warning: {} is not used: {error}", pyproject.display()),
    }
    settings
}
