//! `docwright coverage`: how much of a tree has docstrings, counted as
//! interrogate counts it, with interrogate's option names.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use serde::Serialize;

use super::report::{Measured, Skipped, measure_files, report_skipped};
use crate::files::FileFilter;
use crate::report::coverage::{Counted, CoverageOptions, FileCoverage, Tally, below, file_coverage, name_pattern};

#[derive(clap::Args, Debug)]
pub struct CoverageArgs {
    /// Files or directories to measure.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Exit 1 when the total coverage, rounded to as many decimals as N has (at least one), is below N percent
    /// (interrogate's default; 0 never fails).
    #[arg(long, short = 'f', value_name = "N", default_value_t = 80.0, value_parser = finite)]
    pub fail_under: f64,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Leave out functions named `__init__`.
    #[arg(long, short = 'i')]
    pub ignore_init_method: bool,
    /// Leave out `__init__.py` files found in directories (a file named on the command line still counts).
    #[arg(long, short = 'I')]
    pub ignore_init_module: bool,
    /// Leave out functions named `__x__` (not `__init__`).
    #[arg(long, short = 'm')]
    pub ignore_magic: bool,
    /// Leave out module docstrings (and modules with nothing else to count).
    #[arg(long, short = 'M')]
    pub ignore_module: bool,
    /// Leave out classes in classes or functions, and what is defined directly in them.
    #[arg(long, short = 'C')]
    pub ignore_nested_classes: bool,
    /// Leave out functions defined directly in functions.
    #[arg(long, short = 'n')]
    pub ignore_nested_functions: bool,
    /// Leave out classes and functions named `__x` (and what is inside them).
    #[arg(long, short = 'p')]
    pub ignore_private: bool,
    /// Leave out classes and functions named `_x` (and what is inside them).
    #[arg(long, short = 's')]
    pub ignore_semiprivate: bool,
    /// Leave out functions decorated with `@property`, `@x.setter` or `@x.deleter`.
    #[arg(long, short = 'P')]
    pub ignore_property_decorators: bool,
    /// Leave out functions decorated with `@x.setter`.
    #[arg(long, short = 'S')]
    pub ignore_setters: bool,
    /// Leave out functions decorated with `@overload` or `@typing.overload`.
    #[arg(long, short = 'O')]
    pub ignore_overloaded_functions: bool,
    /// Leave out classes and functions whose name this regular expression matches from its start (repeatable).
    #[arg(long, short = 'r', value_name = "REGEX")]
    pub ignore_regex: Vec<String>,
    #[command(flatten)]
    pub filter: super::FilterArgs,
}

fn finite(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(value) if value.is_finite() => Ok(value),
        _ => Err(format!("`{text}` is not a number")),
    }
}

impl CoverageArgs {
    fn options(&self) -> Result<CoverageOptions> {
        let ignore_regex = self
            .ignore_regex
            .iter()
            .map(|p| name_pattern(p).with_context(|| format!("invalid --ignore-regex pattern `{p}`")))
            .collect::<Result<_>>()?;
        Ok(CoverageOptions {
            ignore_init_method: self.ignore_init_method,
            ignore_magic: self.ignore_magic,
            ignore_module: self.ignore_module,
            ignore_nested_classes: self.ignore_nested_classes,
            ignore_nested_functions: self.ignore_nested_functions,
            ignore_private: self.ignore_private,
            ignore_semiprivate: self.ignore_semiprivate,
            ignore_property_decorators: self.ignore_property_decorators,
            ignore_setters: self.ignore_setters,
            ignore_overloaded_functions: self.ignore_overloaded_functions,
            ignore_regex,
        })
    }
}

#[derive(Serialize)]
struct Report<'a> {
    files: Vec<FileReport<'a>>,
    skipped: Vec<&'a Skipped>,
    total: Counts,
    fail_under: f64,
    passed: bool,
}

#[derive(Serialize)]
struct FileReport<'a> {
    path: &'a str,
    #[serde(flatten)]
    counts: Counts,
    missing_names: Vec<Missing<'a>>,
}

/// A node without a docstring.
#[derive(Serialize)]
struct Missing<'a> {
    name: &'a str,
    kind: &'static str,
    line: usize,
}

impl<'a> From<&'a Counted> for Missing<'a> {
    fn from(node: &'a Counted) -> Self {
        Missing { name: &node.name, kind: node.kind, line: node.line }
    }
}

#[derive(Serialize)]
struct Counts {
    total: usize,
    documented: usize,
    missing: usize,
    percent: f64,
}

impl From<Tally> for Counts {
    fn from(tally: Tally) -> Self {
        Counts { total: tally.total, documented: tally.documented, missing: tally.missing(), percent: tally.percent() }
    }
}

pub fn run(args: &CoverageArgs) -> Result<i32> {
    let options = args.options()?;
    let mut exclude = args.filter.exclude.clone();
    // What interrogate never looks at in a directory it is given: whatever
    // starts with `venv` right inside it (the hidden `.venv`, `.tox`, `.git`
    // and `.hg` are never looked at anyway).
    exclude.push("/venv*".to_string());
    if args.ignore_init_module {
        // interrogate leaves these out while walking directories only.
        exclude.push("__init__.py".to_string());
    }
    let filter = FileFilter::new(&args.filter.include, &exclude)?;
    let measured = measure_files(&args.paths, &filter, |path, file| {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        Ok(file_coverage(&name, file, &options))
    })?;
    let mut files: Vec<(&str, &FileCoverage)> = Vec::new();
    let mut skipped = Vec::new();
    for entry in &measured {
        match entry {
            Measured::Done(path, Some(coverage)) => files.push((path, coverage)),
            Measured::Done(_, None) => {}
            Measured::Skipped(file) => skipped.push(file),
        }
    }
    let mut total = Tally::default();
    for (_, coverage) in &files {
        total.add(coverage.tally());
    }
    let passed = !below(total.percent(), args.fail_under);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    if args.json {
        let report = Report {
            files: files
                .iter()
                .map(|(path, coverage)| FileReport {
                    path,
                    counts: coverage.tally().into(),
                    missing_names: coverage.missing().map(Missing::from).collect(),
                })
                .collect(),
            skipped: skipped.clone(),
            total: total.into(),
            fail_under: args.fail_under,
            passed,
        };
        serde_json::to_writer(&mut out, &report)?;
        writeln!(out)?;
    } else {
        write_table(&mut out, &files, total)?;
        let status = if passed { "PASSED" } else { "FAILED" };
        writeln!(out, "RESULT: {status} (minimum: {:?}%, actual: {:.1}%)", args.fail_under, total.percent())?;
    }
    out.flush()?;
    let skipped = report_skipped(&skipped);
    if skipped > 0 {
        eprintln!("docwright: {skipped} file{} not counted", if skipped == 1 { "" } else { "s" });
    }
    Ok(i32::from(!passed || skipped > 0))
}

/// interrogate's summary: a row a file, then the total; percentages rounded
/// as interrogate rounds them (whole for a file, one decimal for the total).
fn write_table(out: &mut impl Write, files: &[(&str, &FileCoverage)], total: Tally) -> Result<()> {
    let mut rows: Vec<[String; 5]> = vec![["Name", "Total", "Miss", "Cover", "Cover%"].map(String::from)];
    for (path, coverage) in files {
        let tally = coverage.tally();
        rows.push(row(path, tally, format!("{:.0}%", tally.percent())));
    }
    rows.push(row("TOTAL", total, format!("{:.1}%", total.percent())));
    let mut widths = [0; 5];
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    for (index, row) in rows.iter().enumerate() {
        if index + 1 == rows.len() {
            writeln!(out, "{}", "-".repeat(widths.iter().sum::<usize>() + 2 * (widths.len() - 1)))?;
        }
        let [name, cells @ ..] = row;
        write!(out, "{name:<width$}", width = widths[0])?;
        for (cell, width) in cells.iter().zip(&widths[1..]) {
            write!(out, "  {cell:>width$}")?;
        }
        writeln!(out)?;
    }
    Ok(())
}

fn row(name: &str, tally: Tally, percent: String) -> [String; 5] {
    [name.to_string(), tally.total.to_string(), tally.missing().to_string(), tally.documented.to_string(), percent]
}
