//! What a `generate` run did, in a few lines for people and as JSON for
//! programs.

use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};

use super::{Documented, Outcome, plural};
use crate::engine::Action;

/// The counts of a run.
pub(super) struct Summary {
    pub files: usize,
    pub changed_files: usize,
    pub added: usize,
    pub updated: usize,
    pub regenerated: usize,
    pub skipped: usize,
    /// Docstrings whose writer failed.
    pub failed: usize,
    /// Docstrings left because the run was stopped.
    pub not_written: usize,
    /// Files left as they were because the run was stopped.
    pub unfinished: usize,
    /// Files not read because the run was stopped.
    pub not_read: usize,
    pub elapsed: Duration,
    pub interrupted: bool,
}

impl Summary {
    pub fn of(documented: &Documented, elapsed: Duration, interrupted: bool) -> Self {
        let mut summary = Summary {
            files: documented.files.len(),
            changed_files: 0,
            added: 0,
            updated: 0,
            regenerated: 0,
            skipped: 0,
            failed: 0,
            not_written: 0,
            unfinished: 0,
            not_read: 0,
            elapsed,
            interrupted,
        };
        for (_, outcome) in &documented.outcomes {
            for failure in outcome.failures() {
                if failure.error.is_interrupted() {
                    summary.not_written += 1;
                } else {
                    summary.failed += 1;
                }
            }
            match outcome {
                Outcome::Changed { edits, .. } => {
                    summary.changed_files += 1;
                    for edit in edits {
                        match edit.action {
                            Action::Added => summary.added += 1,
                            Action::Updated => summary.updated += 1,
                            Action::Regenerated => summary.regenerated += 1,
                        }
                    }
                }
                Outcome::Skipped(_) => summary.skipped += 1,
                Outcome::Unfinished { answered, .. } => {
                    summary.unfinished += 1;
                    summary.not_written += answered;
                }
                Outcome::NotRead => summary.not_read += 1,
                Outcome::Unchanged { .. } => {}
            }
        }
        summary
    }

    /// Docstrings written (or that would be).
    pub fn docstrings(&self) -> usize {
        self.added + self.updated + self.regenerated
    }

    /// The summary's lines for stderr. A run with a model also says how
    /// the model and the cache did, and how long it took.
    pub fn lines(&self, documented: &Documented, write: bool) -> Vec<String> {
        let verb = if write { "wrote" } else { "would write" };
        let failures = if self.failed > 0 {
            format!(", {} docstring{} failed", self.failed, plural(self.failed))
        } else {
            String::new()
        };
        let docstrings = self.docstrings();
        let mut lines = vec![format!(
            "{verb} {docstrings} docstring{} in {} file{}; {} file{} checked, {} skipped{failures}",
            plural(docstrings),
            self.changed_files,
            plural(self.changed_files),
            self.files,
            plural(self.files),
            self.skipped,
        )];
        if let Some(model) = &documented.model {
            let client = model.writer.client();
            let stats = client.stats();
            lines.extend(stats.warnings.iter().map(|warning| format!("warning: {warning}")));
            lines.push(format!("model: {}", stats.summary()));
            if let Some(answers) = model.writer.cache() {
                lines.push(format!("cache: {}", answers.counters().summary()));
            }
            if let Some(error) = client.fatal_error() {
                lines.push(format!("the run stopped asking the model: {error}"));
            }
            lines.push(format!(
                "{} new, {} updated, {} regenerated in {:.1} s",
                self.added,
                self.updated,
                self.regenerated,
                self.elapsed.as_secs_f64()
            ));
        }
        if self.interrupted {
            lines.push(format!(
                "interrupted: {} docstring{} not written; {} file{} left as {} (the answers received are cached, so \
                 a new run picks up where this one stopped), {} file{} not read; every finished file is {}",
                self.not_written,
                plural(self.not_written),
                self.unfinished,
                plural(self.unfinished),
                if self.unfinished == 1 { "it was" } else { "they were" },
                self.not_read,
                plural(self.not_read),
                if write { "written" } else { "shown" }
            ));
        }
        lines
    }

    /// Everything, for programs: the counts, each edit, each failure and
    /// skipped file, and the model's and the cache's figures.
    pub fn json(&self, documented: &Documented, shown: &dyn Fn(&Path) -> String, write: bool) -> Value {
        let mut edits = Vec::new();
        let mut failures = Vec::new();
        let mut skipped = Vec::new();
        let mut not_read = Vec::new();
        let mut unfinished = Vec::new();
        for (path, outcome) in &documented.outcomes {
            let path = shown(path);
            for edit in outcome.edits() {
                let action = match edit.action {
                    Action::Added => "added",
                    Action::Updated => "updated",
                    Action::Regenerated => "regenerated",
                };
                edits.push(json!({"path": path, "line": edit.line, "qualname": edit.qualname, "action": action,
                    "note": edit.note}));
            }
            for failure in outcome.failures() {
                failures.push(json!({"path": path, "line": failure.line, "qualname": failure.qualname,
                    "error": failure.error.to_string(), "interrupted": failure.error.is_interrupted()}));
            }
            match outcome {
                Outcome::Skipped(reason) => skipped.push(json!({"path": path, "reason": reason})),
                Outcome::NotRead => not_read.push(json!(path)),
                Outcome::Unfinished { .. } => unfinished.push(json!(path)),
                _ => {}
            }
        }
        let (model, cache) = match &documented.model {
            Some(model) => {
                let stats = model.writer.client().stats();
                let mut figures = serde_json::to_value(&stats).unwrap_or(Value::Null);
                if let Value::Object(map) = &mut figures {
                    map.insert("latencyP50Ms".into(), json!(stats.latency(0.5).map(|d| d.as_millis() as u64)));
                    map.insert("latencyP95Ms".into(), json!(stats.latency(0.95).map(|d| d.as_millis() as u64)));
                }
                let cache = model.writer.cache().map(|answers| answers.counters());
                (figures, serde_json::to_value(cache).unwrap_or(Value::Null))
            }
            None => (Value::Null, Value::Null),
        };
        json!({
            "written": write,
            "files": {"checked": self.files, "changed": self.changed_files, "skipped": skipped, "unfinished": unfinished,
                "notRead": not_read},
            "docstrings": {"added": self.added, "updated": self.updated, "regenerated": self.regenerated,
                "failed": self.failed, "notWritten": self.not_written},
            "edits": edits,
            "failures": failures,
            "model": model,
            "cache": cache,
            "interrupted": self.interrupted,
            "seconds": self.elapsed.as_secs_f64(),
        })
    }
}
