//! `docwright complexity`: McCabe complexity of each function, measured as
//! mccabe measures it.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use serde::Serialize;

use super::report::{Measured, Skipped, measure_files, report_skipped};
use crate::files::FileFilter;
use crate::report::complexity::{Graph, graphs};

#[derive(clap::Args, Debug)]
pub struct ComplexityArgs {
    /// Files or directories to measure.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Only what is at least this complex (mccabe's `--min`).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub min: i64,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub filter: super::FilterArgs,
}

#[derive(Serialize)]
struct Report<'a> {
    files: Vec<FileReport<'a>>,
    skipped: Vec<&'a Skipped>,
}

#[derive(Serialize)]
struct FileReport<'a> {
    path: &'a str,
    graphs: Vec<&'a Graph>,
}

pub fn run(args: &ComplexityArgs) -> Result<i32> {
    let filter = FileFilter::new(&args.filter.include, &args.filter.exclude)?;
    let measured = measure_files(&args.paths, &filter, |_, file| Ok(graphs(file)?))?;
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    for entry in &measured {
        match entry {
            Measured::Done(path, graphs) => {
                files.push(FileReport { path, graphs: graphs.iter().filter(|g| g.complexity >= args.min).collect() })
            }
            Measured::Skipped(file) => skipped.push(file),
        }
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    if args.json {
        serde_json::to_writer(&mut out, &Report { files, skipped: skipped.clone() })?;
        writeln!(out)?;
    } else {
        for file in &files {
            for graph in &file.graphs {
                writeln!(out, "{}:{}:{}: {} {}", file.path, graph.line, graph.column, graph.name, graph.complexity)?;
            }
        }
    }
    out.flush()?;
    let skipped = report_skipped(&skipped);
    Ok(i32::from(skipped > 0))
}
