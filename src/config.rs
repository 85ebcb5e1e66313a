//! Settings: one definition of every key, read from `[tool.docwright]` in
//! `pyproject.toml`, the editor's `initializationOptions` and its
//! `workspace/configuration` (section `docwright`), in that order.
//!
//! Keys may be written `missingDocstrings`, `missing-docstrings` or
//! `missing_docstrings`. A bad value is reported with its key and source and
//! leaves the setting as the earlier sources (or the default) made it.

use serde_json::Value;

use crate::cache::settings::CacheSettings;
use crate::docstring::Style;
use crate::engine::EngineOptions;
use crate::llm::ModelSettings;

/// How loudly a finding is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Severity {
    Off,
    Hint,
    #[default]
    Information,
    Warning,
    Error,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub engine: EngineOptions,
    /// Severity of "missing docstring" diagnostics.
    pub missing_docstrings: Severity,
    /// The model, when one is configured here (the environment may name one
    /// too).
    pub model: ModelSettings,
    /// Where model answers are kept.
    pub cache: CacheSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            engine: EngineOptions { width: 88, ..EngineOptions::default() },
            missing_docstrings: Severity::default(),
            model: ModelSettings::default(),
            cache: CacheSettings::default(),
        }
    }
}

/// The keys, as documented (camelCase), with what they hold.
pub const KEYS: &[(&str, &str)] = &[
    ("style", "docstring style: google, numpy, sphinx, epytext or pep257 (default google)"),
    ("width", "maximum docstring line length, indentation included: 20 to 1000 (default 88)"),
    ("missingDocstrings", "severity of missing-docstring diagnostics: off, hint, information, warning, error"),
    ("private", "also expect docstrings on _private names (default false)"),
    ("nested", "also expect docstrings on functions nested in functions (default false)"),
    ("init", "also expect docstrings on __init__ (default false)"),
    ("model", "the model service: a table, see the model keys"),
    ("cache", "where model answers are kept: a table, see the cache keys"),
];

impl Settings {
    /// Applies the settings in `value` (an object), naming `source` in each
    /// problem. Good keys take effect even when others are bad.
    pub fn apply(&mut self, value: &Value, source: &str) -> Vec<String> {
        let mut problems = Vec::new();
        let Some(object) = value.as_object() else {
            if !value.is_null() {
                problems.push(format!("{source}: expected a table of settings, got {value}"));
            }
            return problems;
        };
        for (key, value) in object {
            let normal = normal_key(key);
            let problem = match normal.as_str() {
                "style" => match value.as_str().map(str::parse::<Style>) {
                    Some(Ok(style)) => {
                        self.engine.style = style;
                        None
                    }
                    Some(Err(message)) => Some(message),
                    None => Some(format!("expected a string, got {value}")),
                },
                "width" => match value.as_u64().filter(|w| (20..=1000).contains(w)) {
                    Some(width) => {
                        self.engine.width = usize::try_from(width).unwrap_or(88);
                        None
                    }
                    None => Some(format!("expected a whole number from 20 to 1000, got {value}")),
                },
                "missingdocstrings" => match value.as_str().and_then(severity) {
                    Some(severity) => {
                        self.missing_docstrings = severity;
                        None
                    }
                    None => Some(format!("expected one of off, hint, information, warning, error, got {value}")),
                },
                "private" | "nested" | "init" => match value.as_bool() {
                    Some(flag) => {
                        let selection = &mut self.engine.selection;
                        match normal.as_str() {
                            "private" => selection.private = flag,
                            "nested" => selection.nested = flag,
                            _ => selection.init = flag,
                        }
                        None
                    }
                    None => Some(format!("expected true or false, got {value}")),
                },
                "model" => {
                    // Each problem inside the table names its own key.
                    problems.extend(self.model.apply(value, &format!("{source}: docwright.{key}")));
                    None
                }
                "cache" => {
                    problems.extend(self.cache.apply(value, &format!("{source}: docwright.{key}")));
                    None
                }
                _ => Some("unknown setting".to_string()),
            };
            if let Some(problem) = problem {
                problems.push(format!("{source}: docwright.{key}: {problem}"));
            }
        }
        problems
    }
}

/// A setting's key as compared: `missingDocstrings`, `missing-docstrings`
/// and `missing_docstrings` are one key.
pub(crate) fn normal_key(key: &str) -> String {
    key.chars().filter(|c| *c != '-' && *c != '_').collect::<String>().to_lowercase()
}

fn severity(name: &str) -> Option<Severity> {
    match name {
        "off" => Some(Severity::Off),
        "hint" => Some(Severity::Hint),
        "information" | "info" => Some(Severity::Information),
        "warning" => Some(Severity::Warning),
        "error" => Some(Severity::Error),
        _ => None,
    }
}

/// The `[tool.docwright]` table of a `pyproject.toml`, as JSON, or `None` when
/// there is none. A file that is not valid TOML is an error that says where.
pub fn from_pyproject(text: &str) -> Result<Option<Value>, String> {
    let document: toml::Table = text.parse().map_err(|e: toml::de::Error| e.to_string().trim().to_string())?;
    let Some(table) = document.get("tool").and_then(|t| t.get("docwright")) else { return Ok(None) };
    serde_json::to_value(table).map(Some).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn good_keys_apply_and_bad_ones_are_named() {
        let mut settings = Settings::default();
        let problems = settings.apply(
            &json!({"style": "numpy", "width": 5, "missing-docstrings": "warning", "private": "yes", "colour": 1}),
            "initializationOptions",
        );
        assert_eq!(settings.engine.style, Style::Numpy);
        assert_eq!(settings.engine.width, 88, "the bad width left the default");
        assert_eq!(settings.missing_docstrings, Severity::Warning);
        assert!(!settings.engine.selection.private);
        assert_eq!(
            problems,
            // In the order the user wrote them.
            vec![
                "initializationOptions: docwright.width: expected a whole number from 20 to 1000, got 5",
                "initializationOptions: docwright.private: expected true or false, got \"yes\"",
                "initializationOptions: docwright.colour: unknown setting",
            ]
        );
    }

    #[test]
    fn pyproject_table_is_read() {
        let text = "[project]\nname = \"x\"\n\n[tool.docwright]\nstyle = \"sphinx\"\nmissing-docstrings = \"off\"\n";
        let value = from_pyproject(text).unwrap().unwrap();
        let mut settings = Settings::default();
        assert_eq!(settings.apply(&value, "pyproject.toml"), Vec::<String>::new());
        assert_eq!(settings.engine.style, Style::Sphinx);
        assert_eq!(settings.missing_docstrings, Severity::Off);
        assert_eq!(from_pyproject("[project]\nname = \"x\"\n").unwrap(), None);
        let error = from_pyproject("[tool.docwright\nstyle = 1").unwrap_err();
        assert!(error.contains("line 1"), "{error}");
    }
}
