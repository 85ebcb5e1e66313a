//! `docwright doctor`: the doctor's checks (`llm::doctor`) for a project,
//! printed one per line.

use std::path::PathBuf;

use anyhow::{Context, Result};

use crate::llm::doctor;

#[derive(clap::Args, Debug)]
pub struct DoctorArgs {
    /// The project whose `[tool.docwright]` settings to check [default: the current directory].
    #[arg(default_value = ".")]
    pub path: PathBuf,
}

pub fn run(args: &DoctorArgs) -> Result<i32> {
    let paths = std::slice::from_ref(&args.path);
    let settings = super::project_settings(paths);
    let root = super::project_root(paths);
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().context("cannot start a runtime")?;
    let lookup = |name: &str| std::env::var(name).ok();
    let checks = runtime.block_on(doctor::diagnose(&settings.model, root.as_deref(), &lookup));
    for check in &checks {
        println!("{}", check.line());
    }
    Ok(i32::from(!checks.iter().all(|c| c.ok)))
}
