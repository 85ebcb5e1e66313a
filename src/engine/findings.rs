//! What is wrong with a module's docstrings: missing where the selection wants
//! one, or out of date with the code. The language server turns these into
//! diagnostics; nothing here knows the protocol.

use std::ops::Range;

use super::Selection;
use crate::docstring::staleness::{self, Staleness};
use crate::python::Module;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Bytes to mark: the header of the definition (or the start of the module)
    /// for a missing docstring, the docstring for a stale one.
    pub range: Range<usize>,
    /// `None` for the module.
    pub qualname: Option<String>,
    pub problem: Problem,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    Missing,
    Stale(Staleness),
}

impl Finding {
    pub fn message(&self) -> String {
        let what = self.qualname.as_deref().map_or_else(|| "module".to_string(), |q| format!("`{q}`"));
        match &self.problem {
            Problem::Missing => format!("{what} has no docstring"),
            Problem::Stale(staleness) => format!("docstring of {what} is out of date: {}", staleness.message()),
        }
    }

    /// A stable code for the kind of finding.
    pub fn code(&self) -> &'static str {
        match self.problem {
            Problem::Missing => "missing-docstring",
            Problem::Stale(_) => "stale-docstring",
        }
    }
}

/// Every finding in `module` (whose text is `source`), in document order.
/// `missing` turns the missing-docstring findings on or off.
pub fn findings(source: &str, module: &Module, selection: &Selection, missing: bool) -> Vec<Finding> {
    let mut found = Vec::new();
    if missing && selection.module && module.docstring.is_none() && !source.trim().is_empty() {
        found.push(Finding { range: 0..0, qualname: None, problem: Problem::Missing });
    }
    for (index, definition) in module.definitions.iter().enumerate() {
        match &definition.docstring {
            None if missing && selection.wants(module, index) => {
                // The header's first line: `def name(...` up to the colon or
                // the end of that line, whichever comes first.
                let start = definition.keyword_start;
                let line_end = source[start..].find('\n').map_or(source.len(), |i| start + i);
                let end = definition.body.colon_end.min(line_end).max(start);
                found.push(Finding {
                    range: start..end,
                    qualname: Some(definition.qualname.clone()),
                    problem: Problem::Missing,
                });
            }
            None => {}
            Some(docstring) => {
                for staleness in staleness::findings(definition) {
                    found.push(Finding {
                        range: docstring.range.clone(),
                        qualname: Some(definition.qualname.clone()),
                        problem: Problem::Stale(staleness),
                    });
                }
            }
        }
    }
    found
}
