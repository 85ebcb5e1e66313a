//! `docwright inventory`: every definition, and whether it has a docstring.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Result;
use rayon::prelude::*;
use serde::Serialize;

use crate::files::{FileFilter, python_files, read_source};
use crate::python::{self, DocstringSpan, Module};

#[derive(clap::Args, Debug)]
pub struct InventoryArgs {
    /// Files or directories to list.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub filter: super::FilterArgs,
}

#[derive(Serialize)]
struct FileInventory {
    path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    syntax_errors: bool,
    module_docstring: Option<Lines>,
    definitions: Vec<DefinitionEntry>,
}

#[derive(Serialize)]
struct DefinitionEntry {
    qualname: String,
    kind: &'static str,
    line: usize,
    end_line: usize,
    start_line: usize,
    docstring: Option<Lines>,
}

#[derive(Serialize)]
struct Lines {
    line: usize,
    end_line: usize,
}

impl From<&DocstringSpan> for Lines {
    fn from(span: &DocstringSpan) -> Self {
        Lines { line: span.line, end_line: span.end_line }
    }
}

pub fn run(args: &InventoryArgs) -> Result<i32> {
    let filter = FileFilter::new(&args.filter.include, &args.filter.exclude)?;
    let files = python_files(&args.paths, &filter)?;
    // Each worker renders its file's output too, so that only the writing is
    // sequential; the output stays in path order.
    let rendered: Vec<Result<Rendered>> = files
        .par_iter()
        .map(|path| {
            let inventory = inventory_of(path);
            let mut text = Vec::new();
            let mut messages = String::new();
            if args.json {
                serde_json::to_writer(&mut text, &inventory)?;
            } else {
                write_text(&mut text, &mut messages, &inventory)?;
            }
            Ok(Rendered { text, messages, failed: inventory.error.is_some() })
        })
        .collect();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut failed = false;
    if args.json {
        out.write_all(b"{\"files\":[")?;
    }
    for (index, file) in rendered.into_iter().enumerate() {
        let file = file?;
        if args.json && index > 0 {
            out.write_all(b",")?;
        }
        out.write_all(&file.text)?;
        eprint!("{}", file.messages);
        failed |= file.failed;
    }
    if args.json {
        out.write_all(b"]}\n")?;
    }
    out.flush()?;
    Ok(i32::from(failed))
}

/// One file's output, rendered by a worker.
struct Rendered {
    text: Vec<u8>,
    /// Lines for stderr.
    messages: String,
    failed: bool,
}

fn inventory_of(path: &Path) -> FileInventory {
    let display = path.display().to_string();
    let parsed = read_source(path).and_then(|(_, source)| Ok(python::parse_module(&source.text)?));
    match parsed {
        Ok(module) => from_module(display, &module),
        Err(error) => FileInventory {
            path: display,
            error: Some(format!("{error:#}")),
            syntax_errors: false,
            module_docstring: None,
            definitions: Vec::new(),
        },
    }
}

fn from_module(path: String, module: &Module) -> FileInventory {
    FileInventory {
        path,
        error: None,
        syntax_errors: module.has_syntax_errors,
        module_docstring: module.docstring.as_ref().map(Lines::from),
        definitions: module
            .definitions
            .iter()
            .map(|d| DefinitionEntry {
                qualname: d.qualname.clone(),
                kind: d.kind.as_str(),
                line: d.line,
                end_line: d.end_line,
                start_line: d.start_line,
                docstring: d.docstring.as_ref().map(Lines::from),
            })
            .collect(),
    }
}

fn write_text(out: &mut impl Write, messages: &mut String, file: &FileInventory) -> Result<()> {
    if let Some(error) = &file.error {
        messages.push_str(&format!("docwright: {error}\n"));
        return Ok(());
    }
    if file.syntax_errors {
        messages.push_str(&format!(
            "docwright: {}: has syntax errors; listing the definitions that are intact\n",
            file.path
        ));
    }
    let describe = |doc: &Option<Lines>| match doc {
        Some(l) if l.line == l.end_line => format!("docstring line {}", l.line),
        Some(l) => format!("docstring lines {}-{}", l.line, l.end_line),
        None => "no docstring".to_string(),
    };
    writeln!(out, "{}:1 module {}", file.path, describe(&file.module_docstring))?;
    for d in &file.definitions {
        writeln!(out, "{}:{}-{} {} {} {}", file.path, d.line, d.end_line, d.kind, d.qualname, describe(&d.docstring))?;
    }
    Ok(())
}
