//! Many modules documented together, callees before callers: a caller's
//! prompt then shows the docstrings just written for what it calls, which
//! is what makes repository-wide generation accurate. Definitions that call
//! each other (a cycle) are written together.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
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

/// Writes every file's fresh docstrings and hands each file's answers to
/// `finished` (with the file's index in `files`) as soon as the last of
/// them is in, on whichever thread wrote it: the file is edited while
/// others are still being written. Each file is handed over exactly once,
/// also when it has nothing to write or the run was stopped.
///
/// Fresh docstrings are asked of `writer` in waves over the call graph;
/// each wave's summaries go into `workspace` before the next wave's prompts
/// are made. The files of a wave are written in parallel: what is ready at
/// once (cached answers) on the current rayon pool, the rest on
/// `network_threads` threads, started only when something has to wait on
/// the network.
pub fn write_callee_first<'w>(
    files: &[BatchFile<'_>],
    writer: &'w dyn DocstringWriter,
    network_threads: usize,
    workspace: &RwLock<WorkspaceIndex>,
    watch: &Watch<'_>,
    finished: &(dyn Fn(usize, Prepared<'w>) + Sync),
) {
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
    let mut nodes_of_file: Vec<Vec<usize>> = vec![Vec::new(); files.len()];
    for (node, &(f, _)) in nodes.iter().enumerate() {
        nodes_of_file[f].push(node);
    }
    let handed = Handover {
        nodes: &nodes,
        nodes_of_file: &nodes_of_file,
        written: nodes.iter().map(|_| Mutex::new(None)).collect(),
        left: nodes_of_file.iter().map(|of_file| AtomicUsize::new(of_file.len())).collect(),
        writer,
        finished,
    };
    // Files with nothing to write are edited at once.
    handed.hand_over_all((0..files.len()).filter(|&f| nodes_of_file[f].is_empty()).collect());
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
        // What callers in later waves read: the summaries of this wave's
        // fresh docstrings, kept as they come (their files may be handed
        // over before the wave ends).
        let summaries: Mutex<Vec<(usize, String)>> = Mutex::default();
        let keep = |node: usize, result: Result<Written, WriteError>| {
            let interrupted = matches!(&result, Err(error) if error.is_interrupted());
            if wave_number != last_wave
                && let Ok(fresh) = &result
                && let Ok(mut summaries) = summaries.lock()
            {
                summaries.push((node, fresh.docstring.summary.clone()));
            }
            handed.keep(node, result);
            if !interrupted {
                (watch.written)();
            }
        };
        // What needs no waiting first, on every core, a few shares each (one
        // lookup of a share's answers): the cores stay busy to the end of
        // the wave, and each lookup still serves many answers. The rest on
        // the threads that wait on the network.
        let share = groups.len().div_ceil(rayon::current_num_threads().max(1) * SHARES_PER_THREAD).max(1);
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
        if let (Ok(summaries), Ok(mut index)) = (summaries.into_inner(), workspace.write()) {
            for (node, summary) in summaries {
                let (f, Target::Definition(d)) = nodes[node] else { continue };
                let Some(definition) = files[f].module.definitions.get(d) else { continue };
                index.set_summary(files[f].path, &definition.qualname, &summary);
            }
        }
    }
    // A stop leaves files with docstrings unwritten: handed over as they are.
    handed.hand_over_all((0..files.len()).filter(|&f| handed.left[f].load(Ordering::Acquire) > 0).collect());
}

/// How many shares of a wave each core takes, a share's answers looked up
/// together.
const SHARES_PER_THREAD: usize = 4;

/// Where the answers wait until their file is complete.
struct Handover<'n, 'w, 'f> {
    nodes: &'n [(usize, Target)],
    nodes_of_file: &'n [Vec<usize>],
    written: Vec<Mutex<Option<Result<Written, WriteError>>>>,
    /// Per file, its docstrings not yet written.
    left: Vec<AtomicUsize>,
    writer: &'w dyn DocstringWriter,
    finished: &'f (dyn Fn(usize, Prepared<'w>) + Sync),
}

impl Handover<'_, '_, '_> {
    /// Keeps `node`'s result, and hands its file over when it was the last.
    fn keep(&self, node: usize, result: Result<Written, WriteError>) {
        if let Ok(mut slot) = self.written[node].lock() {
            *slot = Some(result);
        }
        let f = self.nodes[node].0;
        if self.left[f].fetch_sub(1, Ordering::AcqRel) == 1 {
            self.hand_over(f);
        }
    }

    /// Hands `files` over, in parallel when there are several (waking the
    /// pool's threads costs more than a file or none).
    fn hand_over_all(&self, files: Vec<usize>) {
        match files[..] {
            [] => {}
            [f] => self.hand_over(f),
            _ => files.into_par_iter().for_each(|f| self.hand_over(f)),
        }
    }

    /// Hands file `f` over with what was written for it; a docstring left
    /// without a result was left by a stop.
    fn hand_over(&self, f: usize) {
        self.left[f].store(0, Ordering::Release);
        let answers = self.nodes_of_file[f]
            .iter()
            .map(|&node| {
                let result = self.written[node].lock().ok().and_then(|mut slot| slot.take());
                (self.nodes[node].1, result.unwrap_or_else(|| Err(WriteError::interrupted())))
            })
            .collect();
        (self.finished)(f, Prepared { answers: Mutex::new(answers), writer: self.writer });
    }
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

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::engine::Templates;
    use crate::python::SourceFile;

    /// Writes from templates, recording what it was asked in order; a
    /// docstring whose name is in `ready` is ready at once (as a cached one
    /// is), the others wait.
    struct Recording {
        ready: &'static [&'static str],
        asked: Mutex<Vec<String>>,
    }

    impl Recording {
        fn name(request: &WriteRequest<'_>) -> String {
            let Target::Definition(d) = request.target else { return "<module>".into() };
            request.module.definitions[d].qualname.clone()
        }
    }

    impl DocstringWriter for Recording {
        fn write(&self, request: &WriteRequest<'_>) -> Result<Written, WriteError> {
            self.asked.lock().unwrap().push(Self::name(request));
            Templates.write(request)
        }

        fn write_ready(&self, requests: &[WriteRequest<'_>]) -> Vec<Option<Result<Written, WriteError>>> {
            let ready = |request: &WriteRequest<'_>| self.ready.contains(&Self::name(request).as_str());
            requests.iter().map(|request| ready(request).then(|| self.write(request))).collect()
        }
    }

    const SOURCES: [(&str, &str); 3] = [
        ("c.py", "\"\"\"C.\"\"\"\n\nfrom a import helper\n\n\ndef caller(v):\n    return helper(v)\n"),
        ("b.py", "\"\"\"B.\"\"\"\n\n\ndef done(z):\n    \"\"\"Done.\"\"\"\n    return z\n"),
        ("a.py", "\"\"\"A.\"\"\"\n\n\ndef helper(x):\n    return x\n\n\ndef other(y):\n    return y\n"),
    ];

    /// A file's index, and its answers' names with whether each was written.
    type HandedOver = (usize, Vec<(String, bool)>);

    /// Runs a batch over `SOURCES` (the caller's file first, so that only
    /// the waves put its callee before it); returns each hand-over as (file, its
    /// answers' names and whether each was written), in the order they came.
    fn run(writer: &Recording, stop_after: Option<usize>) -> Vec<HandedOver> {
        let root = PathBuf::from("/project");
        let parsed: Vec<(PathBuf, SourceFile)> = SOURCES
            .iter()
            .map(|(name, text)| (root.join(name), SourceFile::parse(text.to_string()).unwrap()))
            .collect();
        let mut index = WorkspaceIndex::new(Some(root.clone()));
        for (path, file) in &parsed {
            let entry = index.entry(path, file);
            index.add(entry);
        }
        let workspace = RwLock::new(index);
        let options = EngineOptions { width: 88, ..EngineOptions::default() };
        let names: Vec<String> = parsed.iter().map(|(path, _)| path.display().to_string()).collect();
        let files: Vec<BatchFile<'_>> = parsed
            .iter()
            .zip(&names)
            .map(|((path, file), name)| BatchFile {
                path,
                name,
                source: file.text(),
                module: file.module(),
                options: &options,
            })
            .collect();
        let stop = AtomicBool::new(false);
        let count = AtomicUsize::new(0);
        let written = || {
            if stop_after.is_some_and(|after| count.fetch_add(1, Ordering::SeqCst) + 1 >= after) {
                stop.store(true, Ordering::SeqCst);
            }
        };
        let watch = Watch { stop: &stop, planned: &|_| {}, written: &written };
        let handed: Mutex<Vec<HandedOver>> = Mutex::default();
        let finished = |f: usize, prepared: Prepared<'_>| {
            let module = files[f].module;
            let mut answers: Vec<(String, bool)> = prepared
                .answers
                .into_inner()
                .unwrap()
                .into_iter()
                .map(|(target, result)| {
                    let name = match target {
                        Target::Definition(d) => module.definitions[d].qualname.clone(),
                        Target::Module => "<module>".to_string(),
                    };
                    (name, result.is_ok())
                })
                .collect();
            answers.sort();
            handed.lock().unwrap().push((f, answers));
        };
        write_callee_first(&files, writer, 2, &workspace, &watch, &finished);
        handed.into_inner().unwrap()
    }

    #[test]
    fn each_file_is_handed_over_once_with_all_its_answers_callees_first() {
        let writer = Recording { ready: &["helper", "other", "caller"], asked: Mutex::default() };
        let mut handed = run(&writer, None);
        // The caller waits for its callee's wave.
        let asked = writer.asked.into_inner().unwrap();
        let at = |name: &str| asked.iter().position(|n| n == name).unwrap();
        assert!(at("helper") < at("caller"), "{asked:?}");
        handed.sort();
        let yes = |name: &str| (name.to_string(), true);
        assert_eq!(
            handed,
            vec![(0, vec![yes("caller")]), (1, vec![]), (2, vec![yes("helper"), yes("other")])],
            "a file with nothing to write is handed over too"
        );
    }

    #[test]
    fn a_stop_hands_over_what_was_left_unwritten() {
        let writer = Recording { ready: &["helper", "other"], asked: Mutex::default() };
        let mut handed = run(&writer, Some(1));
        handed.sort();
        let files: Vec<usize> = handed.iter().map(|(f, _)| *f).collect();
        assert_eq!(files, vec![0, 1, 2], "every file once");
        // The first wave is written whole; the caller's never starts.
        assert_eq!(handed[0].1, vec![("caller".to_string(), false)]);
        assert_eq!(handed[2].1, vec![("helper".to_string(), true), ("other".to_string(), true)]);
        assert!(!writer.asked.into_inner().unwrap().contains(&"caller".to_string()));
    }
}
