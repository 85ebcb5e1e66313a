//! A real editor: headless Neovim drives `docwright lsp`, first with the
//! client started by hand, then through the plugin in editors/neovim on every
//! Neovim the tests have: Debian's (0.7.2 on Debian 12) and the 0.11 from the
//! test environment (tests/requirements.txt), with and without
//! `vim.lsp.config`, so each of the plugin's three ways to start the server
//! runs.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use pretty_assertions::assert_eq;

/// Neovim as the system has it: the first `nvim` on PATH outside the test
/// environment.
fn system_nvim() -> PathBuf {
    let venv_bin = common::venv().join("bin").canonicalize().ok();
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .filter(|dir| venv_bin.is_none() || dir.canonicalize().ok() != venv_bin)
        .map(|dir| dir.join("nvim"))
        .find(|nvim| nvim.is_file())
        .expect("nvim is installed (scripts/test installs Debian's neovim)")
}

/// Runs `nvim --headless --clean` on `script` in `dir` until it quits.
fn run_nvim(nvim: &Path, dir: &Path, script: &str, env: &[(&str, &Path)]) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/neovim").join(script);
    let mut child = Command::new(nvim)
        .args(["--headless", "--clean", "-n", "-c"])
        .arg(format!("luafile {}", script.display()))
        .env("DOCWRIGHT_BIN", env!("CARGO_BIN_EXE_docwright"))
        .envs(env.iter().copied())
        .env_remove("AZURE_OPENAI_ENDPOINT")
        .env_remove("OPENAI_API_KEY")
        .env_remove("OPENAI_BASE_URL")
        .current_dir(dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{} starts: {e}", nvim.display()));
    let deadline = Instant::now() + Duration::from_secs(90);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("{} did not finish {}", nvim.display(), script.display());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn neovim_applies_a_docstring_code_action() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("shapes.py");
    let source =
        "import math\n\n\ndef circle_area(radius: float) -> float:\n    # πr²\n    return math.pi * radius**2\n";
    std::fs::write(&file, source).unwrap();
    let result = dir.path().join("result.txt");
    run_nvim(
        &system_nvim(),
        dir.path(),
        "generate_docstring.lua",
        &[("TARGET_FILE", &file), ("TARGET_LINE", Path::new("4")), ("RESULT_FILE", &result)],
    );
    let outcome = std::fs::read_to_string(&result).expect("the script reports");
    assert_eq!(outcome, "ok: Generate docstring for `circle_area`");

    let written = std::fs::read_to_string(&file).unwrap();
    assert_eq!(
        written,
        "import math\n\n\ndef circle_area(radius: float) -> float:\n    \"\"\"TODO(docwright): Summarize.\n\n    Args:\n        radius (float): TODO(docwright): Describe.\n\n    Returns:\n        float: TODO(docwright): Describe.\n    \"\"\"\n    # πr²\n    return math.pi * radius**2\n"
    );
    let check = Command::new("python3")
        .args(["-c", "import ast, sys; t = ast.parse(open(sys.argv[1]).read()); f = t.body[1]; assert ast.get_docstring(f).startswith('TODO(docwright)'), ast.dump(f); print('ok')"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&check.stdout), "ok\n", "{}", String::from_utf8_lossy(&check.stderr));
}

const SHAPES: &str = "import math\n\n\ndef circle_area(radius: float) -> float:\n    # πr²\n    return math.pi * radius**2\n\n\ndef scale(factor: int = 2) -> None:\n    print(factor)\n";

/// What `docwright generate --style numpy` writes for SHAPES.
fn numpy_shapes() -> String {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("shapes.py");
    std::fs::write(&file, SHAPES).unwrap();
    let run = Command::new(env!("CARGO_BIN_EXE_docwright"))
        .args(["generate", "--offline", "--style", "numpy", "--write"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    std::fs::read_to_string(&file).unwrap()
}

/// The plugin's `setup{ settings = { style = "numpy" } }` in a project (a
/// `setup.cfg` above `pkg/shapes.py`): the server starts for the Python
/// buffer by itself, a code action picked from the menu writes a docstring,
/// `:DocwrightGenerateFile` the others, `:DocwrightStats` answers, and
/// `:checkhealth docwright` finds the binary and the attached server. Returns
/// the Neovim version the script saw.
fn plugin_drives_the_server(nvim: &Path, hide_lsp_config: bool) -> (u32, u32, u32) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("setup.cfg"), "").unwrap();
    std::fs::create_dir(dir.path().join("pkg")).unwrap();
    let file = dir.path().join("pkg/shapes.py");
    std::fs::write(&file, SHAPES).unwrap();
    let result = dir.path().join("result.txt");
    let plugin = Path::new(env!("CARGO_MANIFEST_DIR")).join("editors/neovim");
    let hide = Path::new(if hide_lsp_config { "1" } else { "0" });
    run_nvim(
        nvim,
        dir.path(),
        "plugin.lua",
        &[
            ("PLUGIN_DIR", &plugin),
            ("TARGET_FILE", &file),
            ("TARGET_LINE", Path::new("4")),
            ("RESULT_FILE", &result),
            ("HIDE_LSP_CONFIG", hide),
        ],
    );
    let report = std::fs::read_to_string(&result).expect("the script reports");
    eprintln!("{} ->\n{report}", nvim.display());
    let lines: Vec<&str> = report.lines().collect();
    assert_eq!(lines[0], "ok", "{report}");
    let field = |name: &str| {
        let prefix = format!("{name}: ");
        lines.iter().find_map(|l| l.strip_prefix(&prefix)).unwrap_or_else(|| panic!("no {name} in {report}"))
    };
    let version: Vec<u32> = field("version").split('.').map(|n| n.parse().unwrap()).collect();
    let version = (version[0], version[1], version[2]);

    // Each Neovim gets the newest way it has.
    let expected = match version {
        (0, 0..=7, _) => "vim.lsp.start_client",
        (0, 8..=10, _) => "vim.lsp.start",
        _ if hide_lsp_config => "vim.lsp.start",
        _ => "vim.lsp.config",
    };
    assert_eq!(field("registration"), expected);
    assert_eq!(field("root"), dir.path().to_str().unwrap(), "the root is where the marker is");
    assert!(field("menu").starts_with("Generate docstring for `circle_area`"), "{report}");

    // The settings given to setup{} reached the server: the file is what
    // `generate --style numpy` writes.
    let written = std::fs::read_to_string(&file).unwrap();
    assert!(written.contains("    Parameters\n    ----------\n    radius : float\n"), "{written}");
    assert_eq!(written, numpy_shapes());

    assert_eq!(field("stats"), "docwright: no model is configured; docstrings come from templates");
    assert_eq!(field("stats answer"), "nil", "showStats answers without an error (null: no model)");

    let health: Vec<&str> = lines.iter().filter_map(|l| l.strip_prefix("health: ")).collect();
    let has = |text: &str| health.iter().any(|l| l.contains("OK") && l.contains(text));
    assert!(has(&format!("set up with {expected}")), "{health:#?}");
    assert!(
        has(&format!("docwright {} ({})", env!("CARGO_PKG_VERSION"), env!("CARGO_BIN_EXE_docwright"))),
        "{health:#?}"
    );
    assert!(has("attached to pkg/shapes.py"), "{health:#?}");
    assert!(!health.iter().any(|l| l.contains("WARNING") || l.contains("ERROR")), "{health:#?}");
    version
}

#[test]
fn the_plugin_works_on_the_system_neovim() {
    // Debian 12's is 0.7.2: vim.lsp.start_client and buf_attach_client.
    plugin_drives_the_server(&system_nvim(), false);
}

#[test]
fn the_plugin_registers_with_vim_lsp_config_on_neovim_0_11() {
    assert_eq!(plugin_drives_the_server(&common::venv_bin("nvim"), false), (0, 11, 4));
}

#[test]
fn the_plugin_starts_the_server_with_vim_lsp_start_without_vim_lsp_config() {
    // What Neovim 0.8 to 0.10 have, on the real vim.lsp.start of 0.11.
    assert_eq!(plugin_drives_the_server(&common::venv_bin("nvim"), true), (0, 11, 4));
}
