//! Settings: one definition of every key, read from `[tool.docwright]` in
//! `pyproject.toml`, the editor's `initializationOptions` and its
//! `workspace/configuration` (section `docwright`), in that order.
//!
//! Keys may be written `missingDocstrings`, `missing-docstrings` or
//! `missing_docstrings`. A bad value is reported with its key and source and
//! leaves the setting as the earlier sources (or the default) made it.

use serde_json::Value;

mod reference;
pub use reference::{reference_markdown, vscode_configuration};

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

/// One documented setting. `apply` accepts the keys of its table and no
/// others, so the reference made from these tables (`reference_markdown`)
/// lists every key there is.
#[derive(Debug)]
pub struct Key {
    /// The name as documented (camelCase); `kebab-case` and `snake_case`
    /// spellings of it are the same key.
    pub name: &'static str,
    /// Other names accepted for it.
    pub aliases: &'static [&'static str],
    /// What it holds, in Markdown.
    pub meaning: &'static str,
    /// A value it accepts, written as TOML.
    pub example: &'static str,
    /// What kind of value it takes, for editors' settings forms.
    pub shape: Shape,
    /// Its default as TOML, when that is one fixed value (else empty).
    pub default: &'static str,
}

/// The kind of value a setting takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Text,
    /// One of these strings.
    OneOf(&'static [&'static str]),
    /// A whole number.
    Whole,
    Number,
    Flag,
    Table,
    /// A list of strings.
    List,
}

/// The documented key in `keys` that `key` names, in any spelling.
pub(crate) fn find_key<'k>(keys: &'k [Key], key: &str) -> Option<&'k Key> {
    let normal = normal_key(key);
    keys.iter().find(|k| normal_key(k.name) == normal || k.aliases.iter().any(|a| normal_key(a) == normal))
}

/// The keys of `[tool.docwright]` and of the editors' `docwright` settings.
pub const KEYS: &[Key] = &[
    Key {
        name: "style",
        aliases: &[],
        meaning: "docstring style: `google` (default), `numpy`, `sphinx`, `epytext`, `pep257`",
        example: r#""numpy""#,
        shape: Shape::OneOf(&["google", "numpy", "sphinx", "epytext", "pep257"]),
        default: r#""google""#,
    },
    Key {
        name: "width",
        aliases: &[],
        meaning: "maximum docstring line length, indentation included, 20 to 1000 (default 88)",
        example: "100",
        shape: Shape::Whole,
        default: "88",
    },
    Key {
        name: "missingDocstrings",
        aliases: &[],
        meaning: "severity of the editor's missing-docstring diagnostic: `off`, `hint`, `information` (default), \
                  `warning`, `error`",
        example: r#""warning""#,
        shape: Shape::OneOf(&["off", "hint", "information", "warning", "error"]),
        default: r#""information""#,
    },
    Key {
        name: "private",
        aliases: &[],
        meaning: "also document `_private` names (default `false`)",
        example: "true",
        shape: Shape::Flag,
        default: "false",
    },
    Key {
        name: "nested",
        aliases: &[],
        meaning: "also document functions nested in functions (default `false`)",
        example: "true",
        shape: Shape::Flag,
        default: "false",
    },
    Key {
        name: "init",
        aliases: &[],
        meaning: "also document `__init__` (default `false`: the class docstring documents the constructor)",
        example: "true",
        shape: Shape::Flag,
        default: "false",
    },
    Key {
        name: "model",
        aliases: &[],
        meaning: "the model service: a table of the keys in [The `model` table](#the-model-table)",
        example: r#"{ provider = "local", endpoint = "http://localhost:11434/v1", model = "llama3.1" }"#,
        shape: Shape::Table,
        default: "",
    },
    Key {
        name: "cache",
        aliases: &[],
        meaning: "where answers are kept: a table of the keys in [The `cache` table](#the-cache-table)",
        example: r#"{ backend = "memory" }"#,
        shape: Shape::Table,
        default: "",
    },
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
            let Some(documented) = find_key(KEYS, key) else {
                problems.push(format!("{source}: docwright.{key}: unknown setting"));
                continue;
            };
            let problem = match documented.name {
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
                "missingDocstrings" => match value.as_str().and_then(severity) {
                    Some(severity) => {
                        self.missing_docstrings = severity;
                        None
                    }
                    None => Some(format!("expected one of off, hint, information, warning, error, got {value}")),
                },
                "private" | "nested" | "init" => match value.as_bool() {
                    Some(flag) => {
                        let selection = &mut self.engine.selection;
                        match documented.name {
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
                // A documented key nothing reads: the tests catch it.
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

    /// `{ name = example }` as TOML, as JSON: what pyproject.toml would give.
    fn example_table(key: &Key, name: &str) -> Value {
        let table: toml::Table = format!("{name} = {}", key.example)
            .parse()
            .unwrap_or_else(|e| panic!("the example of {} is not TOML: {e}", key.name));
        serde_json::to_value(table).unwrap()
    }

    /// Every documented key is read: its example, in each spelling, applies
    /// without a problem. (`apply` refuses keys the tables do not list, so
    /// every key it reads is documented.)
    #[test]
    fn every_documented_key_is_read_and_every_read_key_documented() {
        let tables: [(&[Key], Option<&str>); 3] = [
            (KEYS, None),
            (crate::llm::settings::MODEL_KEYS, Some("model")),
            (crate::cache::settings::CACHE_KEYS, Some("cache")),
        ];
        for (keys, parent) in tables {
            for key in keys {
                let kebab: String = key
                    .name
                    .chars()
                    .flat_map(|c| if c.is_ascii_uppercase() { vec!['-', c.to_ascii_lowercase()] } else { vec![c] })
                    .collect();
                for name in [key.name, kebab.as_str()].into_iter().chain(key.aliases.iter().copied()) {
                    let inner = example_table(key, name);
                    let value = match parent {
                        Some(parent) => json!({ parent: inner }),
                        None => inner,
                    };
                    let mut settings = Settings::default();
                    assert_eq!(settings.apply(&value, "test"), Vec::<String>::new(), "{value}");
                    assert_ne!(settings, Settings::default(), "{value} changed nothing");
                }
            }
        }
        let mut settings = Settings::default();
        assert_eq!(
            settings.apply(&json!({"model": {"colour": 1, "apiKey": "sk"}, "cache": {"colour": 1}}), "test"),
            vec![
                "test: docwright.model.colour: unknown setting",
                "test: docwright.model.apiKey: a secret does not belong in settings: use apiKeyEnv, apiKeyFile or apiKeyCommand",
                "test: docwright.cache.colour: unknown setting",
            ]
        );
    }

    /// Whether a JSON value (from TOML) is of `shape`.
    fn fits(shape: Shape, value: &Value) -> bool {
        match shape {
            Shape::Text => value.is_string(),
            Shape::OneOf(choices) => value.as_str().is_some_and(|v| choices.contains(&v)),
            Shape::Whole => value.is_u64(),
            Shape::Number => value.is_number(),
            Shape::Flag => value.is_boolean(),
            Shape::Table => value.is_object(),
            Shape::List => value.as_array().is_some_and(|items| items.iter().all(Value::is_string)),
        }
    }

    /// Each key's shape fits its example, and its default, when it has one,
    /// is the value the server uses when the key is not set at all.
    #[test]
    fn shapes_fit_the_examples_and_defaults_are_the_defaults() {
        let model_base = json!({"provider": "local", "endpoint": "http://127.0.0.1:9/v1", "model": "m"});
        let resolved = |settings: &Settings| match settings.model.resolve(&|_: &str| None::<String>) {
            Ok(Some(config)) => format!("{config:?}"),
            other => panic!("the model does not resolve: {other:?}"),
        };
        let tables: [(&[Key], Option<&str>); 3] = [
            (KEYS, None),
            (crate::llm::settings::MODEL_KEYS, Some("model")),
            (crate::cache::settings::CACHE_KEYS, Some("cache")),
        ];
        let mut defaults = 0;
        for (keys, parent) in tables {
            for key in keys {
                let example = reference::toml_value(key.example);
                assert!(fits(key.shape, &example), "{}: the example {} is not {:?}", key.name, key.example, key.shape);
                // The choices an editor offers are ones the server takes.
                if let Shape::OneOf(choices) = key.shape {
                    for choice in choices {
                        let value = match parent {
                            None => json!({ key.name: choice }),
                            Some(parent) => json!({ parent: { key.name: choice } }),
                        };
                        assert_eq!(Settings::default().apply(&value, "test"), Vec::<String>::new(), "{value}");
                    }
                }
                if key.default.is_empty() {
                    continue;
                }
                defaults += 1;
                let default = reference::toml_value(key.default);
                assert!(fits(key.shape, &default), "{}: the default {} is not {:?}", key.name, key.default, key.shape);
                let (unset, set) = match parent {
                    None => (json!({}), json!({ key.name: default })),
                    Some("model") => {
                        let mut with = model_base.clone();
                        with[key.name] = default;
                        (json!({"model": model_base}), json!({"model": with}))
                    }
                    Some(parent) => (json!({}), json!({ parent: { key.name: default } })),
                };
                let (mut without, mut with) = (Settings::default(), Settings::default());
                assert_eq!(without.apply(&unset, "test"), Vec::<String>::new());
                assert_eq!(with.apply(&set, "test"), Vec::<String>::new(), "{set}");
                if parent == Some("model") {
                    assert_eq!(
                        resolved(&with),
                        resolved(&without),
                        "{}'s default {} is not the default",
                        key.name,
                        key.default
                    );
                } else {
                    assert_eq!(with, without, "{}'s default {} is not the default", key.name, key.default);
                }
            }
        }
        assert!(defaults >= 15, "{defaults} defaults checked");
    }

    #[test]
    fn the_reference_lists_every_key_once() {
        let reference = reference_markdown();
        for key in KEYS.iter().chain(crate::llm::settings::MODEL_KEYS).chain(crate::cache::settings::CACHE_KEYS) {
            assert!(reference.contains(&format!("| `{}`", key.name)), "{} is not in the reference", key.name);
        }
        let rows = reference.lines().filter(|line| line.starts_with("| `")).count();
        assert_eq!(
            rows,
            KEYS.len() + crate::llm::settings::MODEL_KEYS.len() + crate::cache::settings::CACHE_KEYS.len()
        );
        assert!(reference.contains("| `endpoint` (or `baseUrl`) |"), "aliases are shown");
    }
}
