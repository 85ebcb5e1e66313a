//! Running the built binary against the mock service, configured the way
//! users configure it (the usual Azure environment variables).

#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

use docwright_mock::{MockConfig, MockServer};

pub const KEY: &str = "sk-test-3f9a8c7e1d2b4a6f";

pub fn mock() -> MockServer {
    MockServer::start(MockConfig { api_keys: vec![KEY.to_string()], ..MockConfig::default() })
}

/// docwright in `dir` with the Azure variables pointing at `mock`, and
/// nothing of the caller's own model settings.
pub fn command(dir: &Path, mock: &MockServer, env: &[(&str, &str)], args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_docwright"));
    for (name, _) in std::env::vars() {
        if name.starts_with("AZURE_OPENAI") || name.starts_with("OPENAI_") || name.starts_with("DOCWRIGHT_") {
            command.env_remove(name);
        }
    }
    command
        .current_dir(dir)
        // Each test's answers stay in its own folder.
        .env("XDG_CACHE_HOME", dir.join(".cache"))
        .env("AZURE_OPENAI_ENDPOINT", mock.url())
        .env("AZURE_OPENAI_API_KEY", KEY)
        .env("AZURE_OPENAI_DEPLOYMENT", "gpt-4o")
        .envs(env.iter().copied())
        .args(args);
    command
}

/// Runs docwright in `dir` against `mock` and waits for it.
pub fn docwright(dir: &Path, mock: &MockServer, env: &[(&str, &str)], args: &[&str]) -> Output {
    command(dir, mock, env, args).output().expect("docwright runs")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

pub fn chat_requests(mock: &MockServer) -> usize {
    mock.journal().iter().filter(|e| e.path.ends_with("/chat/completions")).count()
}
