//! The standard library the machine's `python3` ships, the oracle scripts in
//! `tests/oracle/` that judge docwright's output with Python, and running
//! them. Used by the test files that compare docwright with Python tools over
//! the whole library:
//!
//! ```ignore
//! #[path = "common/stdlib_oracle.rs"]
//! mod stdlib_oracle;
//! ```

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// Where `python3` keeps its standard library (site-packages is inside it:
/// pass `--exclude site-packages`).
pub fn stdlib() -> PathBuf {
    let output = Command::new("python3")
        .args(["-c", "import sysconfig; print(sysconfig.get_paths()['stdlib'])"])
        .output()
        .expect("python3 is installed");
    assert!(output.status.success(), "python3 cannot tell where its standard library is");
    let path = PathBuf::from(String::from_utf8(output.stdout).unwrap().trim());
    assert!(path.join("os.py").is_file(), "no standard library at {}", path.display());
    path
}

pub fn docwright() -> Command {
    Command::new(env!("CARGO_BIN_EXE_docwright"))
}

pub fn oracle(script: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracle").join(script)
}

/// The command's stdout; it must succeed.
pub fn run_checked(command: &mut Command) -> String {
    let output = command.output().expect("command runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "{command:?} failed:\n{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    stdout
}
