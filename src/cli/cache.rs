//! `docwright cache`: what the answer cache holds, and dropping answers.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::cache::{self, Selector};

#[derive(clap::Args, Debug)]
pub struct CacheArgs {
    #[command(subcommand)]
    command: CacheCommand,
    /// The project whose `[tool.docwright.cache]` settings to use [default: the current directory].
    #[arg(long, global = true, default_value = ".")]
    project: PathBuf,
}

#[derive(clap::Subcommand, Debug)]
enum CacheCommand {
    /// Show where answers are kept, how many, and how much space they take.
    Stats,
    /// Drop every cached answer (of this namespace, for Redis).
    Clear,
    /// Drop the answers about a file, or one definition in it (and what it holds): PATH or PATH:QUALNAME.
    Invalidate {
        #[arg(value_name = "PATH[:QUALNAME]")]
        target: String,
    },
}

pub fn run(args: &CacheArgs) -> Result<i32> {
    let settings = super::project_settings(std::slice::from_ref(&args.project));
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().context("cannot start a runtime")?;
    let (answers, warning) = runtime.block_on(cache::open::open(&settings.cache));
    if let Some(warning) = warning {
        eprintln!("docwright: warning: {warning}");
    }
    let Some(answers) = answers else {
        eprintln!("docwright: the answer cache is off (cache.backend = \"off\")");
        return Ok(1);
    };
    match &args.command {
        CacheCommand::Stats => {
            let (name, stats) = runtime.block_on(answers.stored())?;
            println!(
                "{name}: {} answer{}, {}",
                stats.entries,
                if stats.entries == 1 { "" } else { "s" },
                size(stats.bytes)
            );
        }
        CacheCommand::Clear => {
            let removed = runtime.block_on(answers.invalidate(&Selector::All))?;
            println!("removed {removed} answer{}", if removed == 1 { "" } else { "s" });
        }
        CacheCommand::Invalidate { target } => {
            let scope = scope(target)?;
            let removed = runtime.block_on(answers.invalidate(&Selector::Scope(scope.clone())))?;
            println!("removed {removed} answer{} about {scope}", if removed == 1 { "" } else { "s" });
        }
    }
    Ok(0)
}

/// `PATH` or `PATH:QUALNAME` as a scope: the file's absolute path, a colon,
/// and the qualified name (nothing after the colon for the whole file).
fn scope(target: &str) -> Result<String> {
    let (path, qualname) = match target.rsplit_once(':') {
        Some((path, name)) if !path.is_empty() && is_qualname(name) && Path::new(path).exists() => (path, name),
        _ => (target, ""),
    };
    let path = Path::new(path);
    if !path.exists() {
        bail!("{} does not exist", path.display());
    }
    let absolute = std::fs::canonicalize(path).with_context(|| path.display().to_string())?;
    Ok(format!("{}:{qualname}", absolute.display()))
}

fn is_qualname(name: &str) -> bool {
    !name.is_empty()
        && name.split('.').all(|part| {
            part.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_')
                && part.chars().all(|c| c.is_alphanumeric() || c == '_')
        })
        || name == "<module>"
}

fn size(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / 1_048_576.0)
    } else {
        format!("{:.1} kB", bytes as f64 / 1024.0)
    }
}
