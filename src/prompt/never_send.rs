//! Files whose code never goes to a model (`model.neverSend`): their
//! docstrings are written from templates instead.

use std::sync::{Arc, LazyLock, OnceLock};

use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};

/// What is never sent unless the settings say otherwise: environment files
/// and anything named for secrets or credentials.
pub const DEFAULT_PATTERNS: &[&str] = &[".env*", "*secret*", "*credentials*"];

#[derive(Debug, Clone)]
pub struct NeverSend {
    patterns: Vec<String>,
    globs: Vec<Glob>,
    /// The globs compiled together, on first use and once for every clone:
    /// compiling takes longer than reading the settings, and a writer
    /// compiles while the files are read (`prepare`). `None` when they could
    /// not be compiled together.
    set: Arc<OnceLock<Option<GlobSet>>>,
}

/// The set is made from the patterns: they alone tell two apart.
impl PartialEq for NeverSend {
    fn eq(&self, other: &Self) -> bool {
        self.patterns == other.patterns
    }
}

impl NeverSend {
    /// A pattern without a slash matches a file's name, in any folder; one
    /// with a slash matches the path. Case is ignored: `Secrets.py` is as
    /// secret as `secrets.py`.
    pub fn new(patterns: &[String]) -> Result<Self, String> {
        let mut globs = Vec::with_capacity(patterns.len());
        for pattern in patterns {
            let full = if pattern.contains('/') {
                format!("**/{}", pattern.trim_start_matches('/'))
            } else {
                format!("**/{pattern}")
            };
            let glob = GlobBuilder::new(&full)
                .case_insensitive(true)
                .literal_separator(true)
                .build()
                .map_err(|e| format!("`{pattern}` is not a glob: {e}"))?;
            globs.push(glob);
        }
        Ok(NeverSend { patterns: patterns.to_vec(), globs, set: Arc::default() })
    }

    /// Compiles the globs now, ahead of the first file.
    pub fn prepare(&self) {
        self.set();
    }

    /// The globs compiled. Valid globs that cannot be compiled together (too
    /// many for the matcher's limits) send nothing at all: a file that should
    /// stay must never leave because its rule failed.
    fn set(&self) -> Option<&GlobSet> {
        let set = self.set.get_or_init(|| {
            let mut builder = GlobSetBuilder::new();
            for glob in &self.globs {
                builder.add(glob.clone());
            }
            builder
                .build()
                .map_err(|error| tracing::error!("model.neverSend cannot be compiled ({error}): no code is sent"))
                .ok()
        });
        set.as_ref()
    }

    pub fn defaults() -> Self {
        // Compiled once: the settings and a writer both start from these.
        static DEFAULTS: LazyLock<NeverSend> = LazyLock::new(|| {
            let patterns: Vec<String> = DEFAULT_PATTERNS.iter().map(ToString::to_string).collect();
            // The defaults are valid globs (a test says so).
            NeverSend::new(&patterns).unwrap_or(NeverSend {
                patterns: Vec::new(),
                globs: Vec::new(),
                set: Arc::default(),
            })
        });
        DEFAULTS.clone()
    }

    /// The first pattern `path` matches, if any.
    pub fn matching(&self, path: &str) -> Option<&str> {
        let path = path.replace('\\', "/");
        let path = if path.starts_with('/') { path } else { format!("/{path}") };
        match self.set() {
            Some(set) => set.matches(&path).first().map(|&i| self.patterns[i].as_str()),
            None => self.patterns.first().map(String::as_str),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_keep_secret_files_back() {
        let never = NeverSend::defaults();
        assert_eq!(never.patterns.len(), DEFAULT_PATTERNS.len());
        for path in ["/p/.env", "/p/.env.local", "/p/app/secrets.py", "/p/app/Client_Secret.py", "p/aws_credentials.py"]
        {
            assert!(never.matching(path).is_some(), "{path}");
        }
        for path in ["/p/app/models.py", "/p/environment.py", "/p/secretary/models.py", "/p/envs.py"] {
            assert_eq!(never.matching(path), None, "{path}");
        }
        assert_eq!(never.matching("/p/app/secrets.py"), Some("*secret*"));
    }

    #[test]
    fn a_pattern_with_a_slash_matches_the_path() {
        let never = NeverSend::new(&["config/*.py".to_string()]).unwrap();
        assert_eq!(never.matching("/repo/config/keys.py"), Some("config/*.py"));
        assert_eq!(never.matching("/repo/app/keys.py"), None);
        assert_eq!(never.matching("/repo/config/deep/keys.py"), None);
    }

    #[test]
    fn globs_that_cannot_be_compiled_together_keep_every_file_back() {
        let mut never = NeverSend::new(&["config/*.py".to_string(), "*.key".to_string()]).unwrap();
        never.set = Arc::new(OnceLock::from(None));
        assert_eq!(never.matching("/repo/app/models.py"), Some("config/*.py"));
    }

    #[test]
    fn a_bad_pattern_is_named() {
        let error = NeverSend::new(&["[unclosed".to_string()]).unwrap_err();
        assert!(error.contains("`[unclosed`"), "{error}");
    }
}
