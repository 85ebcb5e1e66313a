//! The `cache` table of the settings: where answers are kept, for how long,
//! and how much.

use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value;

use crate::config::{Key, Shape, find_key};

/// Where answers are kept beyond memory.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Backend {
    /// A SQLite file on this machine (the default).
    #[default]
    Sqlite,
    /// Only in memory, for the life of the process.
    Memory,
    /// A Redis server shared by a team and its CI (a local SQLite file
    /// stands in while it cannot be reached).
    Redis,
    /// No cache at all.
    Off,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CacheSettings {
    pub backend: Backend,
    /// The SQLite file (default: in the platform's cache folder).
    pub path: Option<PathBuf>,
    /// `redis://` or `rediss://` (TLS); a password may come from
    /// `DOCWRIGHT_REDIS_PASSWORD` instead of the URL.
    pub redis_url: Option<String>,
    /// Prefix of every Redis key, so teams can share a server.
    pub namespace: String,
    pub ttl: Duration,
    /// Size limit of the SQLite file's answers, in bytes.
    pub max_bytes: u64,
    /// Entries kept in memory.
    pub memory_entries: usize,
}

impl Default for CacheSettings {
    fn default() -> Self {
        CacheSettings {
            backend: Backend::default(),
            path: None,
            redis_url: None,
            namespace: "docwright".to_string(),
            ttl: Duration::from_secs(30 * 24 * 3600),
            max_bytes: 256 * 1024 * 1024,
            memory_entries: 10_000,
        }
    }
}

/// The keys of the `cache` table, as documented: `apply` accepts these and
/// no others.
pub const CACHE_KEYS: &[Key] = &[
    Key {
        name: "backend",
        aliases: &[],
        meaning: "`sqlite` (default), `memory`, `redis` or `off`",
        example: r#""redis""#,
        shape: Shape::OneOf(&["sqlite", "memory", "redis", "off"]),
        default: r#""sqlite""#,
    },
    Key {
        name: "path",
        aliases: &[],
        meaning: "the SQLite file (default `docwright/answers.sqlite3` in the platform's cache folder, \
                  `~/.cache` on Linux)",
        example: r#""/var/cache/docwright/answers.sqlite3""#,
        shape: Shape::Text,
        default: "",
    },
    Key {
        name: "redisUrl",
        aliases: &[],
        meaning: "the shared Redis: `redis://`, or `rediss://` for TLS; a password may come from \
                  `DOCWRIGHT_REDIS_PASSWORD` instead of the URL",
        example: r#""rediss://cache.internal:6380""#,
        shape: Shape::Text,
        default: "",
    },
    Key {
        name: "namespace",
        aliases: &[],
        meaning: "the prefix of every Redis key, so teams can share a server (default `docwright`)",
        example: r#""myteam""#,
        shape: Shape::Text,
        default: r#""docwright""#,
    },
    Key {
        name: "ttlDays",
        aliases: &[],
        meaning: "how long an answer is kept, in days (default 30)",
        example: "7",
        shape: Shape::Number,
        default: "30",
    },
    Key {
        name: "maxMegabytes",
        aliases: &[],
        meaning: "the SQLite file's size limit in MB, least recently used out; uses within ten minutes of each \
                  other count as one (default 256)",
        example: "512",
        shape: Shape::Number,
        default: "256",
    },
    Key {
        name: "memoryEntries",
        aliases: &[],
        meaning: "answers kept in memory (default 10,000)",
        example: "1000",
        shape: Shape::Whole,
        default: "10000",
    },
];

fn string(value: &Value) -> Result<String, String> {
    value
        .as_str()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| format!("expected a non-empty string, got {value}"))
}

fn number(value: &Value, low: f64, high: f64) -> Result<f64, String> {
    value
        .as_f64()
        .filter(|n| n.is_finite() && *n >= low && *n <= high)
        .ok_or_else(|| format!("expected a number from {low} to {high}, got {value}"))
}

impl CacheSettings {
    /// Applies the `cache` table `value`; each problem names `prefix.key`.
    pub fn apply(&mut self, value: &Value, prefix: &str) -> Vec<String> {
        let Some(object) = value.as_object() else {
            return vec![format!("{prefix}: expected a table of settings, got {value}")];
        };
        let mut problems = Vec::new();
        for (key, value) in object {
            let result: Result<(), String> = match find_key(CACHE_KEYS, key).map(|k| k.name).unwrap_or_default() {
                "backend" => string(value).and_then(|name| {
                    self.backend = match name.to_ascii_lowercase().as_str() {
                        "sqlite" => Backend::Sqlite,
                        "memory" => Backend::Memory,
                        "redis" => Backend::Redis,
                        "off" | "none" => Backend::Off,
                        _ => return Err(format!("expected sqlite, memory, redis or off, got {value}")),
                    };
                    Ok(())
                }),
                "path" => string(value).map(|p| self.path = Some(PathBuf::from(p))),
                "redisUrl" => string(value).and_then(|url| {
                    if url.starts_with("redis://") || url.starts_with("rediss://") {
                        self.redis_url = Some(url);
                        Ok(())
                    } else {
                        Err("expected a redis:// or rediss:// URL".to_string())
                    }
                }),
                "namespace" => string(value).map(|n| self.namespace = n),
                "ttlDays" => number(value, 0.001, 3650.0).map(|d| self.ttl = Duration::from_secs_f64(d * 86_400.0)),
                "maxMegabytes" => number(value, 1.0, 1_048_576.0).map(|mb| self.max_bytes = (mb * 1_048_576.0) as u64),
                "memoryEntries" => number(value, 0.0, 10_000_000.0).map(|n| self.memory_entries = n as usize),
                _ => Err("unknown setting".to_string()),
            };
            if let Err(problem) = result {
                problems.push(format!("{prefix}.{key}: {problem}"));
            }
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_are_read_and_problems_named() {
        let mut settings = CacheSettings::default();
        let problems = settings.apply(
            &json!({"backend": "redis", "redis-url": "rediss://cache.example:6380", "namespace": "team",
                "ttlDays": 7, "maxMegabytes": 0, "colour": 1}),
            "pyproject.toml: docwright.cache",
        );
        assert_eq!(settings.backend, Backend::Redis);
        assert_eq!(settings.redis_url.as_deref(), Some("rediss://cache.example:6380"));
        assert_eq!(settings.ttl, Duration::from_secs(7 * 86_400));
        assert_eq!(settings.max_bytes, CacheSettings::default().max_bytes, "a bad size keeps the default");
        assert_eq!(
            problems,
            vec![
                "pyproject.toml: docwright.cache.maxMegabytes: expected a number from 1 to 1048576, got 0",
                "pyproject.toml: docwright.cache.colour: unknown setting",
            ]
        );
        let mut bad = CacheSettings::default();
        assert_eq!(
            bad.apply(&json!({"redisUrl": "http://x"}), "c"),
            vec!["c.redisUrl: expected a redis:// or rediss:// URL"]
        );
    }
}
