//! Many modules documented together, callees before callers: a caller's
//! prompt then shows the docstrings just written for what it calls, which
//! is what makes repository-wide generation accurate. Definitions that call
//! each other (a cycle) are written together.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock, RwLock};

use rayon::prelude::*;

use super::{DocstringWriter, EngineOptions, WriteError, WriteRequest, Written};
use crate::docstring::insert::Target;
use crate::prompt::order::callee_first_waves;
use crate::python::Module;
use crate::python::workspace::WorkspaceIndex;

/// One module of the batch.
pub struct BatchFile<'a> {
    /// Where it is, as the workspace index knows it.
    pub path: &'a Path,
    /// Its name for the writer (what cached answers are filed under).
    pub name: &'a str,
    pub source: &'a str,
    pub module: &'a Module,
    pub options: &'a EngineOptions,
}

/// How a batch is followed and stopped.
pub struct Watch<'a> {
    /// Once set, no more docstrings are asked for; those left are
    /// `WriteError::interrupted`.
    pub stop: &'a AtomicBool,
    /// Called once with how many docstrings the batch will write.
    pub planned: &'a (dyn Fn(usize) + Sync),
    /// Called as each docstring is written or fails (not when the stop
    /// leaves it).
    pub written: &'a (dyn Fn() + Sync),
}

/// The answers for every file, in the order given, each to hand to
/// `engine::edits` for that file. Fresh docstrings are asked of `writer` in
/// waves over the call graph; each wave's summaries go into
/// `workspace` before the next wave's prompts are made. The files of a wave
/// are written in parallel: what is ready at once (cached answers) on the
/// current rayon pool, the rest on `network_threads` threads, started only
/// when something has to wait on the network.
pub fn write_callee_first<'w>(
    files: &[BatchFile<'_>],
    writer: &'w dyn DocstringWriter,
    network_threads: usize,
    workspace: &RwLock<WorkspaceIndex>,
    watch: &Watch<'_>,
) -> Vec<Prepared<'w>> {
    let writers: OnceLock<Option<rayon::ThreadPool>> = OnceLock::new();
    // Every docstring to write, as (file, target).
    let nodes: Vec<(usize, Target)> = files
        .par_iter()
        .enumerate()
        .flat_map_iter(|(f, file)| super::fresh_targets(file.module, file.options).into_iter().map(move |t| (f, t)))
        .collect();
    (watch.planned)(nodes.len());
    let edges = call_edges(files, &nodes, workspace);
    let waves = callee_first_waves(nodes.len(), &edges);
    let last_wave = waves.len().saturating_sub(1);
    let written: Vec<Mutex<Option<Result<Written, WriteError>>>> = nodes.iter().map(|_| Mutex::new(None)).collect();
    for (wave_number, wave) in waves.into_iter().enumerate() {
        if watch.stop.load(Ordering::Relaxed) {
            break;
        }
        // A wave's docstrings, file by file: a writer overlaps one file's.
        let mut by_file: HashMap<usize, Vec<usize>> = HashMap::new();
        for &node in &wave {
            by_file.entry(nodes[node].0).or_default().push(node);
        }
        let mut groups: Vec<(usize, Vec<usize>)> = by_file.into_iter().collect();
        groups.sort_unstable();
        let requests_of = |f: usize, group: &[usize]| -> Vec<WriteRequest<'_>> {
            let file = &files[f];
            group
                .iter()
                .map(|&node| WriteRequest {
                    path: Some(file.name),
                    source: file.source,
                    module: file.module,
                    target: nodes[node].1,
                    options: file.options,
                })
                .collect()
        };
        let keep = |node: usize, result: Result<Written, WriteError>| {
            let interrupted = matches!(&result, Err(error) if error.is_interrupted());
            if let Ok(mut slot) = written[node].lock() {
                *slot = Some(result);
            }
            if !interrupted {
                (watch.written)();
            }
        };
        // What needs no waiting first, a thread per core, each thread's
        // share of the wave at once (one lookup of its answers); the rest on
        // the threads that wait on the network.
        let share = groups.len().div_ceil(rayon::current_num_threads().max(1)).max(1);
        let waiting: Vec<(usize, Vec<usize>)> = groups
            .par_chunks(share)
            .flat_map_iter(|chunk| {
                let requests: Vec<WriteRequest<'_>> =
                    chunk.iter().flat_map(|(f, group)| requests_of(*f, group)).collect();
                let mut ready = writer.write_ready(&requests).into_iter();
                let mut waiting = Vec::new();
                for (f, group) in chunk {
                    let mut left = Vec::new();
                    for &node in group {
                        match ready.next().flatten() {
                            Some(result) => keep(node, result),
                            None => left.push(node),
                        }
                    }
                    if !left.is_empty() {
                        waiting.push((*f, left));
                    }
                }
                waiting
            })
            .collect();
        if !waiting.is_empty() {
            let write_waiting = || {
                waiting.par_iter().for_each(|(f, group)| {
                    for (&node, result) in group.iter().zip(writer.write_all(&requests_of(*f, group))) {
                        keep(node, result);
                    }
                });
            };
            let pool = writers.get_or_init(|| {
                let built = rayon::ThreadPoolBuilder::new().num_threads(network_threads.max(1)).build();
                built.map_err(|error| tracing::warn!("writing on the current threads: {error}")).ok()
            });
            match pool {
                Some(pool) => pool.install(write_waiting),
                None => write_waiting(),
            }
        }
        // Callers in later waves see what this wave wrote.
        if wave_number == last_wave {
            break;
        }
        if let Ok(mut index) = workspace.write() {
            for node in wave {
                let (f, Target::Definition(d)) = nodes[node] else { continue };
                let Some(definition) = files[f].module.definitions.get(d) else { continue };
                if let Ok(slot) = written[node].lock()
                    && let Some(Ok(fresh)) = slot.as_ref()
                {
                    index.set_summary(files[f].path, &definition.qualname, &fresh.docstring.summary);
                }
            }
        }
    }
    let mut answers: Vec<HashMap<Target, Result<Written, WriteError>>> = files.iter().map(|_| HashMap::new()).collect();
    for ((f, target), slot) in nodes.into_iter().zip(written) {
        // Nothing but a stop leaves a docstring without a result.
        let result = slot.into_inner().ok().flatten().unwrap_or_else(|| Err(WriteError::interrupted()));
        answers[f].insert(target, result);
    }
    answers.into_iter().map(|answers| Prepared { answers: Mutex::new(answers), writer }).collect()
}

/// `from -> to` for each docstring to write whose definition calls another
/// being written.
fn call_edges(
    files: &[BatchFile<'_>],
    nodes: &[(usize, Target)],
    workspace: &RwLock<WorkspaceIndex>,
) -> Vec<(usize, usize)> {
    let Ok(index) = workspace.read() else { return Vec::new() };
    let qualname = |(f, target): (usize, Target)| match target {
        Target::Module => None,
        Target::Definition(d) => files[f].module.definitions.get(d).map(|d| d.qualname.as_str()),
    };
    let module_names: Vec<String> = files.iter().map(|file| index.module_name(file.path)).collect();
    let by_symbol: HashMap<(&str, &str), usize> = nodes
        .iter()
        .enumerate()
        .filter_map(|(node, &(f, target))| Some(((module_names[f].as_str(), qualname((f, target))?), node)))
        .collect();
    nodes
        .par_iter()
        .enumerate()
        .flat_map_iter(|(from, &(f, target))| {
            let callees = qualname((f, target)).map(|name| index.callees(files[f].path, name)).unwrap_or_default();
            let by_symbol = &by_symbol;
            callees.into_iter().filter_map(move |callee| {
                by_symbol.get(&(callee.module.as_str(), callee.qualname.as_str())).map(|&to| (from, to))
            })
        })
        .collect()
}

/// One file's answers written ahead, handed to the per-file engine; anything
/// not written ahead goes to the writer itself.
pub struct Prepared<'a> {
    answers: Mutex<HashMap<Target, Result<Written, WriteError>>>,
    writer: &'a dyn DocstringWriter,
}

impl DocstringWriter for Prepared<'_> {
    fn write(&self, request: &WriteRequest<'_>) -> Result<Written, WriteError> {
        let ready = self.answers.lock().ok().and_then(|mut answers| answers.remove(&request.target));
        ready.unwrap_or_else(|| self.writer.write(request))
    }
}
