//! The Helix snippet in editors/helix: it is TOML Helix can read, it adds
//! docwright next to other Python servers, and the server started the way
//! Helix starts it accepts every key of its `config` and applies them.

#[path = "common/lsp_editor.rs"]
mod lsp_editor;

use std::path::Path;

use pretty_assertions::assert_eq;
use serde_json::{Value, json};

use lsp_editor::{Editor, apply, document_edit};

fn helix_snippet() -> toml::Table {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("editors/helix/languages.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    text.parse().unwrap_or_else(|e| panic!("{} is not TOML: {e}", path.display()))
}

/// The `config` table of the snippet, as JSON: what Helix sends.
fn helix_config() -> Value {
    serde_json::to_value(&helix_snippet()["language-server"]["docwright"]["config"]).unwrap()
}

#[test]
fn the_helix_snippet_declares_the_server_and_keeps_other_python_servers() {
    let snippet = helix_snippet();
    let server = &snippet["language-server"]["docwright"];
    assert_eq!(server["command"].as_str(), Some("docwright"));
    assert_eq!(server["args"].as_array().unwrap(), &vec![toml::Value::from("lsp")]);
    assert!(server["config"].is_table());
    let languages = snippet["language"].as_array().unwrap();
    let python = languages.iter().find(|l| l["name"].as_str() == Some("python")).expect("a python entry");
    let servers: Vec<&str> =
        python["language-servers"].as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
    assert!(servers.contains(&"docwright"), "{servers:?}");
    assert!(servers.len() > 1, "the list shows the user's servers kept next to docwright: {servers:?}");
}

/// Capabilities of the kind Helix declares: it answers
/// `workspace/configuration`, resolves code actions and applies versioned
/// edits.
fn helix_capabilities() -> Value {
    json!({
        "workspace": {
            "configuration": true,
            "didChangeConfiguration": {"dynamicRegistration": false},
            "applyEdit": true,
            "workspaceEdit": {"documentChanges": true},
        },
        "textDocument": {
            "codeAction": {
                "dataSupport": true,
                "resolveSupport": {"properties": ["edit"]},
                "codeActionLiteralSupport": {"codeActionKind": {"valueSet": ["", "quickfix", "refactor.rewrite", "source"]}},
            },
            "publishDiagnostics": {"versionSupport": true},
        },
        "window": {"workDoneProgress": true},
    })
}

/// Starts the server as Helix does with `config`: as the
/// `initializationOptions`, then pushed whole with
/// `workspace/didChangeConfiguration`, and `workspace/configuration` answered
/// by walking `config` along the section's dotted path (null where it has
/// no such key).
fn start_like_helix(config: &Value) -> Editor {
    let (mut editor, _) = Editor::start(helix_capabilities(), config.clone());
    editor.notify("workspace/didChangeConfiguration", json!({"settings": config}));
    // One request after `initialized`, one after the push (which has no
    // `docwright` key, so the server asks).
    for _ in 0..2 {
        let request = editor.wait_for(|m| m["method"] == "workspace/configuration");
        let answers: Vec<Value> = request["params"]["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| {
                let section = item["section"].as_str().unwrap_or("");
                section.split('.').filter(|part| !part.is_empty()).try_fold(config, |at, part| at.get(part)).cloned()
            })
            .map(|found| found.unwrap_or(Value::Null))
            .collect();
        editor.send(json!({"jsonrpc": "2.0", "id": request["id"], "result": answers}));
    }
    editor
}

/// Warnings and errors the server showed or logged so far.
fn complaints(editor: &Editor) -> Vec<String> {
    editor
        .stash
        .iter()
        .filter(|m| m["method"] == "window/showMessage" || m["method"] == "window/logMessage")
        .filter(|m| m["params"]["type"].as_u64().is_some_and(|t| t <= 2))
        .map(|m| m["params"]["message"].as_str().unwrap_or("").to_string())
        .collect()
}

const URI: &str = "file:///project/shapes.py";
const TEXT: &str = "def area(width: float) -> float:\n    return width * width\n";

#[test]
fn the_server_accepts_every_key_of_the_helix_config_and_applies_them() {
    let config = helix_config();
    assert_eq!(config["missingDocstrings"], "hint", "the snippet's setting this test watches");
    let mut editor = start_like_helix(&config);
    editor.open(URI, TEXT);
    let (_, diagnostics) = editor.diagnostics(URI);
    let missing: Vec<&Value> = diagnostics.iter().filter(|d| d["message"].as_str().unwrap().contains("area")).collect();
    assert_eq!(missing.len(), 1, "{diagnostics:?}");
    assert_eq!(missing[0]["severity"], 4, "missingDocstrings = \"hint\" took effect (the default is information, 3)");

    let action = editor.action(URI, 0, 4, "Generate docstring");
    let (_, edits) = document_edit(&editor.request("codeAction/resolve", action)["edit"], URI);
    let written = apply(TEXT, &edits, true);
    assert!(written.contains("    Args:\n        width (float): "), "style = \"google\": {written}");
    assert_eq!(complaints(&editor), Vec::<String>::new(), "every key of the Helix config is accepted");
    editor.shutdown();

    // The check above would see a refused key.
    let mut wrong = config.clone();
    wrong["colour"] = json!("blue");
    let mut editor = start_like_helix(&wrong);
    editor.open(URI, TEXT);
    editor.diagnostics(URI);
    assert_eq!(complaints(&editor), vec!["docwright: initializationOptions: docwright.colour: unknown setting"]);
    editor.shutdown();
}

/// Every server command the VS Code extension calls is one the server
/// advertises (a renamed command would leave a dead button).
#[test]
fn the_vscode_extension_calls_only_commands_the_server_has() {
    let source =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("editors/vscode/src/extension.ts")).unwrap();
    let called: std::collections::BTreeSet<&str> = source
        .split(['\'', '"'])
        .filter(|s| s.starts_with("docwright.") && !s.contains(' '))
        .filter(|s| source.contains(&format!("serverCommand('{s}'")) || source.contains(&format!("command: '{s}'")))
        .collect();
    assert!(called.len() >= 6, "{called:?}");
    let (editor, result) = Editor::start(json!({}), Value::Null);
    let advertised: Vec<&str> = result["capabilities"]["executeCommandProvider"]["commands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    for command in &called {
        assert!(advertised.contains(command), "{command} is not advertised: {advertised:?}");
    }
    editor.shutdown();
}
