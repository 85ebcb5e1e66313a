//! End to end over stdio against the built binary, the way an editor talks to
//! `docwright lsp`.

#[path = "common/lsp_editor.rs"]
mod lsp_editor;

use std::time::Duration;

use pretty_assertions::assert_eq;
use serde_json::{Value, json};

use lsp_editor::{Editor, apply, document_edit, resolving_client};

const URI: &str = "file:///project/shapes.py";

#[test]
fn negotiates_utf8_when_offered_else_utf16() {
    let (editor, result) = Editor::start(resolving_client(&["utf-8", "utf-16"]), Value::Null);
    assert_eq!(result["capabilities"]["positionEncoding"], "utf-8");
    assert_eq!(result["serverInfo"]["name"], "docwright");
    editor.shutdown();
    let (editor, result) = Editor::start(resolving_client(&[]), Value::Null);
    assert_eq!(result["capabilities"]["positionEncoding"], "utf-16");
    assert_eq!(result["capabilities"]["textDocumentSync"]["change"], 2, "incremental sync");
    editor.shutdown();
}

#[test]
fn generate_action_resolves_to_a_versioned_edit() {
    let (mut editor, _) = Editor::start(resolving_client(&[]), Value::Null);
    let text = "import os\n\n\ndef area(width: float, height: float = 1.0) -> float:\n    return width * height\n";
    editor.open(URI, text);
    // Cursor inside the body.
    let titles: Vec<String> =
        editor.actions(URI, 4, 8).iter().map(|a| a["title"].as_str().unwrap().to_string()).collect();
    assert_eq!(titles, vec!["Generate docstring for `area`", "Generate all missing docstrings in this file"]);
    let action = editor.action(URI, 3, 2, "Generate docstring");
    assert!(action.get("edit").is_none(), "edits are computed on resolve: {action}");
    assert_eq!(action["kind"], "refactor.rewrite");
    let resolved = editor.request("codeAction/resolve", action);
    let (version, edits) = document_edit(&resolved["edit"], URI);
    assert_eq!(version, 1);
    assert_eq!(
        apply(text, &edits, true),
        "import os\n\n\ndef area(width: float, height: float = 1.0) -> float:\n    \"\"\"TODO(docwright): Summarize.\n\n    Args:\n        width (float): TODO(docwright): Describe.\n        height (float): TODO(docwright): Describe. Defaults to 1.0.\n\n    Returns:\n        float: TODO(docwright): Describe.\n    \"\"\"\n    return width * height\n"
    );
    editor.shutdown();
}

#[test]
fn incremental_changes_in_sequence_with_utf16_positions_after_emoji() {
    let (mut editor, _) = Editor::start(resolving_client(&[]), Value::Null);
    let text = "SMILE = \"😀\"  # 😀 x\n\ndef f(a):\n    return a\n";
    editor.open(URI, text);
    // Replace `x` after two emoji (each two UTF-16 units) with `y z`, then
    // rename the parameter, then add a second definition at the end.
    editor.change(
        URI,
        2,
        json!([{"range": {"start": {"line": 0, "character": 17}, "end": {"line": 0, "character": 18}}, "text": "y z"}]),
    );
    editor.change(
        URI,
        3,
        json!([
            {"range": {"start": {"line": 2, "character": 6}, "end": {"line": 2, "character": 7}}, "text": "alpha, beta=2"},
            {"range": {"start": {"line": 3, "character": 11}, "end": {"line": 3, "character": 12}}, "text": "alpha + beta"}
        ]),
    );
    editor.change(URI, 4, json!([{"range": {"start": {"line": 4, "character": 0}, "end": {"line": 4, "character": 0}}, "text": "\n\nasync def g(): pass\n"}]));
    let expected_text =
        "SMILE = \"😀\"  # 😀 y z\n\ndef f(alpha, beta=2):\n    return alpha + beta\n\n\nasync def g(): pass\n";
    let (version, edits) = editor.resolve(URI, 2, 0, "Generate docstring for `f`");
    assert_eq!(version, 4);
    let documented = apply(expected_text, &edits, true);
    assert!(
        documented.contains("def f(alpha, beta=2):\n    \"\"\"TODO(docwright): Summarize.\n\n    Args:\n        alpha: TODO(docwright): Describe.\n        beta: TODO(docwright): Describe. Defaults to 2.\n"),
        "{documented}"
    );
    let (_, edits) = editor.resolve(URI, 6, 3, "Generate docstring for `g`");
    assert_eq!(
        apply(expected_text, &edits, true),
        expected_text.replace(
            "async def g(): pass\n",
            "async def g():\n    \"\"\"TODO(docwright): Summarize.\"\"\"\n    pass\n"
        )
    );
    editor.shutdown();
}

#[test]
fn utf8_clients_get_byte_columns() {
    let (mut editor, _) = Editor::start(resolving_client(&["utf-8"]), Value::Null);
    let text = "é = 1; x = 2\ndef f(): return é\n";
    editor.open(URI, text);
    // `x` is at byte 8 of line 0 (é is two bytes).
    editor.change(
        URI,
        2,
        json!([{"range": {"start": {"line": 0, "character": 8}, "end": {"line": 0, "character": 9}}, "text": "why"}]),
    );
    let (_, edits) = editor.resolve(URI, 1, 0, "Generate docstring for `f`");
    assert_eq!(
        apply("é = 1; why = 2\ndef f(): return é\n", &edits, false),
        "é = 1; why = 2\ndef f():\n    \"\"\"TODO(docwright): Summarize.\n\n    Returns:\n        TODO(docwright): Describe.\n    \"\"\"\n    return é\n"
    );
    editor.shutdown();
}

#[test]
fn crlf_and_tabs_are_kept() {
    let (mut editor, _) = Editor::start(resolving_client(&[]), Value::Null);
    let text = "class A:\r\n\tdef m(self):\r\n\t\treturn 1\r\n";
    editor.open(URI, text);
    let (_, edits) = editor.resolve(URI, 2, 2, "Generate docstring for `A.m`");
    assert_eq!(
        apply(text, &edits, true),
        "class A:\r\n\tdef m(self):\r\n\t\t\"\"\"TODO(docwright): Summarize.\r\n\r\n\t\tReturns:\r\n\t\t    TODO(docwright): Describe.\r\n\t\t\"\"\"\r\n\t\treturn 1\r\n"
    );
    editor.shutdown();
}

#[test]
fn an_action_for_an_old_version_is_recomputed_on_the_new_one() {
    let (mut editor, _) = Editor::start(resolving_client(&[]), Value::Null);
    let text = "def f(a):\n    return a\n";
    editor.open(URI, text);
    let action = editor.action(URI, 0, 0, "Generate docstring for `f`");
    assert_eq!(action["data"]["version"], 1);
    // The user types above the definition before choosing the action.
    editor.change(URI, 2, json!([{"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}, "text": "import os\n\n\n"}]));
    let (version, edits) = document_edit(&editor.request("codeAction/resolve", action)["edit"], URI);
    assert_eq!(version, 2, "the edit is for the version it was computed on");
    let now = "import os\n\n\ndef f(a):\n    return a\n";
    assert!(
        apply(now, &edits, true).starts_with("import os\n\n\ndef f(a):\n    \"\"\"TODO(docwright): Summarize.\n"),
        "{}",
        apply(now, &edits, true)
    );
    // A definition that is gone cannot be documented: a clear error.
    let action = editor.action(URI, 3, 0, "Generate docstring for `f`");
    editor.change(URI, 3, json!([{"text": "x = 1\n"}]));
    let response = editor.request_raw("codeAction/resolve", action);
    assert!(response["error"]["message"].as_str().unwrap().contains("`f` is no longer in the document"), "{response}");
    editor.shutdown();
}

#[test]
fn update_and_regenerate_are_offered_for_an_existing_docstring() {
    let (mut editor, _) = Editor::start(resolving_client(&[]), Value::Null);
    // `gone` and `factor` are at different positions: not a rename.
    let text = "\"\"\"Shapes.\"\"\"\n\n\ndef scale(x, factor):\n    \"\"\"Scale a value.\n\n    Args:\n        gone: Removed.\n        x: The value, kept.\n    \"\"\"\n    return x * factor\n";
    editor.open(URI, text);
    // Once diagnostics are out, the server knows nothing is missing in the file.
    editor.diagnostics(URI);
    let titles: Vec<String> =
        editor.actions(URI, 3, 5).iter().map(|a| a["title"].as_str().unwrap().to_string()).collect();
    assert_eq!(titles, vec!["Update docstring of `scale`", "Regenerate docstring of `scale`"]);
    let (_, edits) = editor.resolve(URI, 3, 5, "Update docstring");
    assert_eq!(
        apply(text, &edits, true),
        "\"\"\"Shapes.\"\"\"\n\n\ndef scale(x, factor):\n    \"\"\"Scale a value.\n\n    Args:\n        x: The value, kept.\n        factor: TODO(docwright): Describe.\n\n    Returns:\n        TODO(docwright): Describe.\n    \"\"\"\n    return x * factor\n"
    );
    editor.shutdown();
}

#[test]
fn generate_all_missing_in_the_file() {
    let (mut editor, _) = Editor::start(resolving_client(&[]), json!({"style": "numpy"}));
    let text = "def a():\n    pass\n\n\ndef b():\n    \"\"\"Done.\"\"\"\n\n\ndef _private():\n    pass\n";
    editor.open(URI, text);
    let action = editor.action(URI, 0, 0, "Generate all missing");
    assert_eq!(action["kind"], "source");
    let (_, edits) = document_edit(&editor.request("codeAction/resolve", action)["edit"], URI);
    assert_eq!(
        apply(text, &edits, true),
        "\"\"\"TODO(docwright): Summarize.\"\"\"\n\n\ndef a():\n    \"\"\"TODO(docwright): Summarize.\"\"\"\n    pass\n\n\ndef b():\n    \"\"\"Done.\"\"\"\n\n\ndef _private():\n    pass\n"
    );
    editor.shutdown();
}

#[test]
fn clients_without_resolve_get_a_command_and_an_apply_edit_request() {
    let (mut editor, _) = Editor::start(json!({"workspace": {"applyEdit": true}}), Value::Null);
    let text = "def f():\n    pass\n";
    editor.open(URI, text);
    let action = editor.action(URI, 0, 0, "Generate docstring for `f`");
    let command = action["command"].clone();
    assert_eq!(command["command"], "docwright.applyAction");
    let result = editor
        .request("workspace/executeCommand", json!({"command": command["command"], "arguments": command["arguments"]}));
    assert_eq!(result, Value::Null);
    let apply_request = editor.wait_for(|m| m["method"] == "workspace/applyEdit");
    let (version, edits) = document_edit(&apply_request["params"]["edit"], URI);
    assert_eq!(version, 1);
    assert_eq!(apply(text, &edits, true), "def f():\n    \"\"\"TODO(docwright): Summarize.\"\"\"\n    pass\n");
    let id = apply_request["id"].clone();
    editor.send(json!({"jsonrpc": "2.0", "id": id, "result": {"applied": true}}));
    editor.shutdown();
}

#[test]
fn bad_settings_are_reported_and_the_server_keeps_going() {
    let (mut editor, _) = Editor::start(resolving_client(&[]), json!({"style": "fancy", "width": 5}));
    let first = editor.wait_for(|m| m["method"] == "window/showMessage");
    let second = editor.wait_for(|m| m["method"] == "window/showMessage");
    let messages = [first["params"]["message"].as_str().unwrap(), second["params"]["message"].as_str().unwrap()];
    assert!(messages.iter().any(|m| m.contains("docwright.style") && m.contains("fancy")), "{messages:?}");
    assert!(messages.iter().any(|m| m.contains("docwright.width")), "{messages:?}");
    editor.open(URI, "def f():\n    pass\n");
    assert!(!editor.actions(URI, 0, 0).is_empty());
    editor.shutdown();
}

#[test]
fn a_bad_setting_is_reported_once_while_other_sources_change() {
    let (mut editor, _) = Editor::start(resolving_client(&[]), json!({"colour": 1}));
    for style in ["numpy", "sphinx"] {
        editor.notify("workspace/didChangeConfiguration", json!({"settings": {"docwright": {"style": style}}}));
    }
    editor.open(URI, "def f():\n    pass\n");
    editor.diagnostics(URI);
    let shown: Vec<&Value> = editor.stash.iter().filter(|m| m["method"] == "window/showMessage").collect();
    assert_eq!(shown.len(), 1, "{shown:?}");
    assert_eq!(shown[0]["params"]["message"], "docwright: initializationOptions: docwright.colour: unknown setting");
    editor.shutdown();
}

/// The code actions at `diagnostic`'s start, with it as the context.
fn fixes_for(editor: &mut Editor, diagnostic: &Value) -> Value {
    let position = diagnostic["range"]["start"].clone();
    editor.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": URI}, "range": {"start": position, "end": position},
            "context": {"diagnostics": [diagnostic]}}),
    )
}

fn kinds_and_titles(actions: &Value) -> Vec<(&str, &str)> {
    actions.as_array().unwrap().iter().map(|a| (a["kind"].as_str().unwrap(), a["title"].as_str().unwrap())).collect()
}

#[test]
fn diagnostics_report_missing_and_stale_docstrings_with_quick_fixes() {
    let (mut editor, _) = Editor::start(resolving_client(&[]), Value::Null);
    let text = "\"\"\"Tools.\"\"\"\n\n\ndef resize(image, width):\n    \"\"\"Resize an image.\n\n    Args:\n        height: Gone.\n        image: The image.\n\n    Returns:\n        The resized image.\n    \"\"\"\n    image.width = width\n\n\ndef crop(image):\n    return image\n\n\ndef _helper():\n    pass\n";
    editor.open(URI, text);
    let (version, diagnostics) = editor.diagnostics(URI);
    assert_eq!(version, 1);
    let summary: Vec<(u64, &str, &str, u64)> = diagnostics
        .iter()
        .map(|d| {
            (
                d["range"]["start"]["line"].as_u64().unwrap(),
                d["code"].as_str().unwrap(),
                d["message"].as_str().unwrap(),
                d["severity"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (4, "stale-docstring", "docstring of `resize` is out of date: does not document parameter `width`", 2),
            (
                4,
                "stale-docstring",
                "docstring of `resize` is out of date: documents parameter `height`, which the signature no longer has",
                2
            ),
            (
                4,
                "stale-docstring",
                "docstring of `resize` is out of date: documents a return value, but nothing is returned",
                2
            ),
            (16, "missing-docstring", "`crop` has no docstring", 3),
        ]
    );
    assert!(diagnostics.iter().all(|d| d["source"] == "docwright"));
    // The quick fix for a stale docstring updates it.
    let stale = diagnostics[0].clone();
    let actions = fixes_for(&mut editor, &stale);
    let fix = actions.as_array().unwrap()[0].clone();
    assert_eq!(fix["kind"], "quickfix");
    assert_eq!(fix["title"], "Update docstring of `resize`");
    assert_eq!(fix["isPreferred"], true);
    // The fix is not offered a second time as a refactoring (Neovim and
    // Helix list every kind in one menu).
    assert_eq!(
        kinds_and_titles(&actions),
        vec![
            ("quickfix", "Update docstring of `resize`"),
            ("refactor.rewrite", "Regenerate docstring of `resize`"),
            ("source", "Generate all missing docstrings in this file"),
        ]
    );
    let (_, edits) = document_edit(&editor.request("codeAction/resolve", fix)["edit"], URI);
    let fixed = apply(text, &edits, true);
    assert!(
        fixed.contains("    Args:\n        image: The image.\n        width: TODO(docwright): Describe.\n    \"\"\"\n"),
        "{fixed}"
    );
    // After the fix, only the missing docstring is left.
    editor.change(URI, 2, json!([{"text": fixed}]));
    let (version, diagnostics) = editor.diagnostics(URI);
    assert_eq!(version, 2);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert_eq!(diagnostics[0]["code"], "missing-docstring");
    // An editor may send back a diagnostic from before an edit: once `crop`
    // has its docstring, its old "missing" diagnostic brings no quick fix.
    let missing = diagnostics[0].clone();
    let line = u32::try_from(missing["range"]["start"]["line"].as_u64().unwrap()).unwrap();
    let (_, edits) = editor.resolve(URI, line, 4, "Generate docstring for `crop`");
    editor.change(URI, 3, json!([{"text": apply(&fixed, &edits, true)}]));
    assert_eq!(
        kinds_and_titles(&fixes_for(&mut editor, &missing)),
        vec![
            ("refactor.rewrite", "Update docstring of `crop`"),
            ("refactor.rewrite", "Regenerate docstring of `crop`"),
            ("source", "Generate all missing docstrings in this file"),
        ]
    );
    editor.shutdown();
}

#[test]
fn missing_docstring_diagnostics_can_be_turned_off_or_include_private_names() {
    let (mut editor, _) = Editor::start(resolving_client(&[]), json!({"missingDocstrings": "off"}));
    editor.open(URI, "def f():\n    pass\n");
    assert_eq!(editor.diagnostics(URI).1, Vec::<Value>::new());
    editor.shutdown();
    let (mut editor, _) =
        Editor::start(resolving_client(&[]), json!({"missingDocstrings": "warning", "private": true}));
    editor.open(URI, "\"\"\"M.\"\"\"\n\n\ndef _f():\n    pass\n");
    let (_, diagnostics) = editor.diagnostics(URI);
    assert_eq!(diagnostics.len(), 1);
    assert_eq!(diagnostics[0]["message"], "`_f` has no docstring");
    assert_eq!(diagnostics[0]["severity"], 2);
    editor.shutdown();
}

#[test]
fn typing_triple_quotes_under_a_definition_offers_the_docstring() {
    let (mut editor, result) = Editor::start(resolving_client(&[]), Value::Null);
    assert_eq!(result["capabilities"]["completionProvider"]["triggerCharacters"], json!(["\"", "'"]));
    let text = "def move(point, dx: int = 0):\n    return point\n";
    editor.open(URI, text);
    // The user opens a line under the header and types `"""`; the editor has
    // paired the quotes.
    editor.change(URI, 2, json!([{"range": {"start": {"line": 1, "character": 0}, "end": {"line": 1, "character": 0}}, "text": "    \"\"\"\"\"\"\n"}]));
    let typed = "def move(point, dx: int = 0):\n    \"\"\"\"\"\"\n    return point\n";
    let completion = editor.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": URI}, "position": {"line": 1, "character": 7}, "context": {"triggerKind": 2, "triggerCharacter": "\""}}),
    );
    let items = completion.as_array().expect("a list of items");
    assert_eq!(items.len(), 1);
    let item = &items[0];
    assert_eq!(item["label"], "\"\"\" docstring");
    assert_eq!(item["detail"], "google docstring for `move`");
    let edit = item["textEdit"].clone();
    assert_eq!(
        apply(typed, &[edit], true),
        "def move(point, dx: int = 0):\n    \"\"\"TODO(docwright): Summarize.\n\n    Args:\n        point: TODO(docwright): Describe.\n        dx (int): TODO(docwright): Describe. Defaults to 0.\n\n    Returns:\n        TODO(docwright): Describe.\n    \"\"\"\n    return point\n"
    );
    editor.shutdown();
}

#[test]
fn triple_quotes_elsewhere_offer_nothing_and_an_empty_body_is_fine() {
    let (mut editor, _) = Editor::start(resolving_client(&[]), Value::Null);
    let text = "import os\nx = 'q'\ndef f():\n    '''";
    editor.open(URI, text);
    let complete = |editor: &mut Editor, line: u32, character: u32| {
        editor.request(
            "textDocument/completion",
            json!({"textDocument": {"uri": URI}, "position": {"line": line, "character": character}}),
        )
    };
    // After code on the line: not a docstring position.
    editor.open("file:///project/other.py", "x = \"\"\"");
    let after_code = editor.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": "file:///project/other.py"}, "position": {"line": 0, "character": 7}}),
    );
    assert_eq!(after_code, Value::Null);
    // The body of `f` is only the typed quotes (no closing ones).
    let item = complete(&mut editor, 3, 7)[0].clone();
    assert_eq!(item["label"], "''' docstring");
    assert_eq!(
        apply(text, &[item["textEdit"].clone()], true),
        "import os\nx = 'q'\ndef f():\n    \"\"\"TODO(docwright): Summarize.\"\"\""
    );
    editor.shutdown();
}

/// Starts a server on a workspace folder, with progress support.
fn workspace_editor(root: &std::path::Path) -> Editor {
    let mut capabilities = resolving_client(&[]);
    capabilities["window"] = json!({"workDoneProgress": true});
    let uri = format!("file://{}", root.display());
    Editor::start_with(capabilities, json!({"workspaceFolders": [{"uri": uri, "name": "root"}]})).0
}

fn file_uri(path: &std::path::Path) -> String {
    format!("file://{}", path.display())
}

/// Answers the server's progress creation and returns the `$/progress`
/// messages (kind, message) until the run ends, answering each
/// `workspace/applyEdit` with `applied: true` after `on_edit` saw it.
fn follow_batch(editor: &mut Editor, mut on_edit: impl FnMut(&mut Editor, &Value)) -> Vec<(String, String)> {
    let create = editor.wait_for(|m| m["method"] == "window/workDoneProgress/create");
    let id = create["id"].clone();
    editor.send(json!({"jsonrpc": "2.0", "id": id, "result": null}));
    let mut progress = Vec::new();
    loop {
        let message = editor.wait_for(|m| m["method"] == "$/progress" || m["method"] == "workspace/applyEdit");
        if message["method"] == "workspace/applyEdit" {
            on_edit(editor, &message);
            let id = message["id"].clone();
            editor.send(json!({"jsonrpc": "2.0", "id": id, "result": {"applied": true}}));
            continue;
        }
        let value = &message["params"]["value"];
        let kind = value["kind"].as_str().unwrap().to_string();
        progress.push((kind.clone(), value["message"].as_str().unwrap_or("").to_string()));
        if kind == "end" {
            return progress;
        }
    }
}

#[test]
fn generate_workspace_reports_progress_and_applies_each_file() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::write(root.join("a.py"), "\"\"\"A.\"\"\"\n\n\ndef a():\n    pass\n").unwrap();
    std::fs::write(root.join("b.py"), "\"\"\"B.\"\"\"\n").unwrap();
    std::fs::write(root.join("broken.py"), "def (:\n").unwrap();
    std::fs::write(root.join("open.py"), "\"\"\"Open.\"\"\"\n").unwrap();
    let mut editor = workspace_editor(&root);
    // open.py has unsaved changes in the editor: those are documented.
    let open_uri = file_uri(&root.join("open.py"));
    editor.open(&open_uri, "\"\"\"Open.\"\"\"\n\n\ndef unsaved():\n    pass\n");
    let result =
        editor.request("workspace/executeCommand", json!({"command": "docwright.generateWorkspace", "arguments": []}));
    assert_eq!(result, Value::Null);
    let mut edits = Vec::new();
    let progress = follow_batch(&mut editor, |_, message| edits.push(message["params"]["edit"].clone()));
    assert_eq!(
        progress,
        vec![
            ("begin".to_string(), "0/4".to_string()),
            ("report".to_string(), "1/4".to_string()),
            ("report".to_string(), "2/4".to_string()),
            ("report".to_string(), "3/4".to_string()),
            ("report".to_string(), "4/4".to_string()),
            ("end".to_string(), "2 docstrings written in 2 files, 1 file skipped (see the log)".to_string()),
        ]
    );
    assert_eq!(edits.len(), 2);
    let a_change = &edits[0]["documentChanges"][0];
    assert_eq!(a_change["textDocument"]["uri"], file_uri(&root.join("a.py")));
    assert!(a_change["textDocument"]["version"].is_null(), "a file on disk: no version");
    let a_edits = a_change["edits"].as_array().unwrap().clone();
    assert_eq!(
        apply(&std::fs::read_to_string(root.join("a.py")).unwrap(), &a_edits, true),
        "\"\"\"A.\"\"\"\n\n\ndef a():\n    \"\"\"TODO(docwright): Summarize.\"\"\"\n    pass\n"
    );
    let (version, open_edits) = document_edit(&edits[1], &open_uri);
    assert_eq!(version, 1, "the open document's version");
    assert_eq!(
        apply("\"\"\"Open.\"\"\"\n\n\ndef unsaved():\n    pass\n", &open_edits, true),
        "\"\"\"Open.\"\"\"\n\n\ndef unsaved():\n    \"\"\"TODO(docwright): Summarize.\"\"\"\n    pass\n"
    );
    editor.shutdown();
}

#[test]
fn a_workspace_run_stops_when_the_editor_cancels_it() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    for name in ["a", "b", "c", "d"] {
        std::fs::write(root.join(format!("{name}.py")), "def f():\n    pass\n").unwrap();
    }
    let mut editor = workspace_editor(&root);
    editor.request("workspace/executeCommand", json!({"command": "docwright.generateWorkspace"}));
    let mut first = true;
    let progress = follow_batch(&mut editor, |editor, _| {
        if first {
            first = false;
            editor.notify("window/workDoneProgress/cancel", json!({"token": "docwright/batch/1"}));
            // Let the cancellation land before the edit is acknowledged.
            std::thread::sleep(Duration::from_millis(200));
        }
    });
    let end = progress.last().unwrap();
    assert_eq!(end.0, "end");
    assert_eq!(end.1, "2 docstrings written in 1 file; cancelled after 1/4 files");
    editor.shutdown();
}

#[test]
fn settings_come_from_pyproject_then_the_editor_and_follow_changes() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::write(root.join("pyproject.toml"), "[project]\nname = \"demo\"\n\n[tool.docwright]\nstyle = \"numpy\"\n")
        .unwrap();
    let mut capabilities = resolving_client(&[]);
    capabilities["workspace"]["configuration"] = json!(true);
    capabilities["workspace"]["didChangeWatchedFiles"] = json!({"dynamicRegistration": true});
    let uri = format!("file://{}", root.display());
    let (mut editor, _) = Editor::start_with(capabilities, json!({"workspaceFolders": [{"uri": uri, "name": "root"}]}));
    // The server watches pyproject.toml and asks for the `docwright` section.
    let registration = editor.wait_for(|m| m["method"] == "client/registerCapability");
    assert_eq!(
        registration["params"]["registrations"][0]["registerOptions"]["watchers"][0]["globPattern"],
        "**/pyproject.toml"
    );
    editor.send(json!({"jsonrpc": "2.0", "id": registration["id"], "result": null}));
    let pull = editor.wait_for(|m| m["method"] == "workspace/configuration");
    assert_eq!(pull["params"]["items"][0]["section"], "docwright");
    // The editor's settings: no style (pyproject's numpy stays), a bad width.
    editor.send(json!({"jsonrpc": "2.0", "id": pull["id"], "result": [{"width": 7}]}));
    let warning = editor.wait_for(|m| m["method"] == "window/showMessage");
    assert_eq!(
        warning["params"]["message"],
        "docwright: workspace configuration: docwright.width: expected a whole number from 20 to 1000, got 7"
    );
    let file = format!("{uri}/m.py");
    editor.open(&file, "def f(a: int) -> int:\n    return a\n");
    let resolve = |editor: &mut Editor| {
        let (_, edits) = editor.resolve(&file, 0, 0, "Generate docstring for `f`");
        apply("def f(a: int) -> int:\n    return a\n", &edits, true)
    };
    assert!(
        resolve(&mut editor).contains("    Parameters\n    ----------\n    a : int\n"),
        "numpy from pyproject.toml"
    );
    // The editor pushes new settings: they win over pyproject.toml.
    editor.notify("workspace/didChangeConfiguration", json!({"settings": {"docwright": {"style": "sphinx"}}}));
    editor.diagnostics(&file);
    assert!(resolve(&mut editor).contains("    :param a: TODO(docwright): Describe.\n"), "sphinx from the editor");
    // pyproject.toml changes on disk: its new keys apply, the editor's still win.
    std::fs::write(root.join("pyproject.toml"), "[tool.docwright]\nstyle = \"numpy\"\nmissing-docstrings = \"off\"\n")
        .unwrap();
    editor.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": format!("{uri}/pyproject.toml"), "type": 2}]}),
    );
    // Earlier publications may still be queued; the refreshed one is empty.
    editor.wait_for(|m| {
        m["method"] == "textDocument/publishDiagnostics"
            && m["params"]["diagnostics"].as_array().is_some_and(Vec::is_empty)
    });
    assert!(resolve(&mut editor).contains(":param a:"), "the editor's style still wins");
    editor.shutdown();
}

#[test]
fn cancelled_requests_are_answered_and_the_server_carries_on() {
    let (mut editor, _) = Editor::start(resolving_client(&[]), Value::Null);
    editor.open(URI, "def f():\n    pass\n");
    // A request cancelled at once: answered with its result or with
    // RequestCancelled (-32800), never left hanging.
    let id = editor.next_id;
    editor.next_id += 1;
    let position = json!({"line": 0, "character": 0});
    editor.send(json!({"jsonrpc": "2.0", "id": id, "method": "textDocument/codeAction", "params": {
        "textDocument": {"uri": URI}, "range": {"start": position, "end": position}, "context": {"diagnostics": []}}}));
    editor.notify("$/cancelRequest", json!({"id": id}));
    let answer = editor.wait_for(|m| m.get("id") == Some(&json!(id)) && m.get("method").is_none());
    assert!(answer.get("result").is_some() || answer["error"]["code"] == -32800, "{answer}");
    // Cancelling what does not exist is harmless.
    editor.notify("$/cancelRequest", json!({"id": 99999}));
    assert!(!editor.actions(URI, 0, 0).is_empty());
    editor.shutdown();
}

#[test]
fn code_actions_write_with_the_model_when_one_is_configured() {
    let mock = docwright_mock::MockServer::start(docwright_mock::MockConfig::default());
    mock.set_answerer(|context| {
        context.last_user.contains("clamp").then(|| {
            json!({"summary": "Limit a value to a closed range.", "description": "",
                "params": [{"name": "x", "description": "The value."}, {"name": "lo", "description": "Lower bound."},
                    {"name": "hi", "description": "Upper bound."}],
                "returns": "The value, within the bounds.", "yields": "", "raises": [], "attributes": []})
        })
    });
    let settings = json!({"model": {"provider": "azure", "endpoint": mock.url(), "deployment": "gpt-4o",
        "apiKeyEnv": "DOCWRIGHT_TEST_KEY"}});
    let cache = tempfile::tempdir().unwrap();
    let cache_home = cache.path().display().to_string();
    let (mut editor, _) = Editor::start_in(
        resolving_client(&[]),
        json!({"initializationOptions": settings}),
        &[("DOCWRIGHT_TEST_KEY", "test-key"), ("XDG_CACHE_HOME", &cache_home)],
    );
    let text = "def clamp(x, lo, hi):\n    return max(lo, min(x, hi))\n";
    editor.open(URI, text);
    let (version, edits) = editor.resolve(URI, 0, 4, "Generate docstring for `clamp`");
    assert_eq!(version, 1);
    assert_eq!(
        apply(text, &edits, true),
        "def clamp(x, lo, hi):\n    \"\"\"Limit a value to a closed range.\n\n    Args:\n        x: The value.\n        lo: Lower bound.\n        hi: Upper bound.\n\n    Returns:\n        The value, within the bounds.\n    \"\"\"\n    return max(lo, min(x, hi))\n"
    );
    let requests: Vec<_> = mock.journal().into_iter().filter(|e| e.path.ends_with("/chat/completions")).collect();
    assert_eq!(requests.len(), 1, "one request for one docstring");
    assert_eq!(requests[0].credential.as_ref().and_then(|c| c.matched.clone()).as_deref(), Some("key#0"));
    // Listing actions never waits on the model: no request for it.
    editor.actions(URI, 0, 4);
    assert_eq!(mock.journal().len(), requests.len());
    // The session's usage, for a status bar or a command.
    let stats = editor.request("workspace/executeCommand", json!({"command": "docwright.showStats", "arguments": []}));
    assert_eq!(stats["stats"]["requests"], 1, "{stats}");
    assert_eq!(stats["stats"]["answers"], 1, "{stats}");
    assert!(stats["stats"]["usage"]["prompt_tokens"].as_u64().unwrap() > 50, "{stats}");
    assert!(stats["model"].as_str().unwrap().contains("deployment `gpt-4o`"), "{stats}");
    assert!(stats["latencyP50Ms"].is_u64() && stats["latencyP95Ms"].is_u64(), "{stats}");
    assert_eq!((stats["cache"]["hits"].as_u64(), stats["cache"]["misses"].as_u64()), (Some(0), Some(1)), "{stats}");
    // The same action again: answered from the cache, no new request.
    let (_, again) = editor.resolve(URI, 0, 4, "Generate docstring for `clamp`");
    assert_eq!(again, edits);
    assert_eq!(mock.journal().len(), requests.len());
    let stats = editor.request("workspace/executeCommand", json!({"command": "docwright.showStats", "arguments": []}));
    assert_eq!(stats["cache"]["hits"], 1, "{stats}");
    editor.shutdown();
}

/// Starts the server on the workspace folder `root`, its model the mock's
/// `gpt-4o` with the further `model` settings; the folder returned holds its
/// answer cache.
fn start_on_folder_with_model(
    mock: &docwright_mock::MockServer,
    root: &std::path::Path,
    model: Value,
) -> (Editor, tempfile::TempDir) {
    let mut settings = json!({"provider": "azure", "endpoint": mock.url(), "deployment": "gpt-4o",
        "apiKeyEnv": "DOCWRIGHT_TEST_KEY"});
    for (key, value) in model.as_object().cloned().unwrap_or_default() {
        settings[key] = value;
    }
    let cache = tempfile::tempdir().unwrap();
    let cache_home = cache.path().display().to_string();
    let folder = json!([{"uri": file_uri(root), "name": "root"}]);
    let (editor, _) = Editor::start_in(
        resolving_client(&[]),
        json!({"initializationOptions": {"model": settings}, "workspaceFolders": folder}),
        &[("DOCWRIGHT_TEST_KEY", "test-key"), ("XDG_CACHE_HOME", &cache_home)],
    );
    (editor, cache)
}

#[test]
fn the_sessions_exchanges_are_logged_where_the_settings_say() {
    let mock = docwright_mock::MockServer::start(docwright_mock::MockConfig::default());
    let root = tempfile::tempdir().unwrap();
    let text = "def clamp(x, lo, hi):\n    return max(lo, min(x, hi))\n";
    let path = root.path().join("shapes.py");
    std::fs::write(&path, text).unwrap();
    // Relative to the workspace folder, as in its pyproject.toml.
    let (mut editor, _cache) =
        start_on_folder_with_model(&mock, root.path(), json!({"exchangeLog": "logs/exchanges.jsonl"}));
    let uri = file_uri(&path);
    editor.open(&uri, text);
    let (_, edits) = editor.resolve(&uri, 0, 4, "Generate docstring for `clamp`");
    // The same again: the cache answers, and that is a line too.
    let (_, again) = editor.resolve(&uri, 0, 4, "Generate docstring for `clamp`");
    assert_eq!(again, edits);
    editor.shutdown();
    let log = root.path().join("logs/exchanges.jsonl");
    let written = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<Value> = written.lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    assert_eq!(lines.len(), 2, "{written}");
    assert_eq!((lines[0]["cached"].as_bool(), lines[0]["status"].as_u64()), (Some(false), Some(200)));
    assert_eq!((lines[1]["cached"].as_bool(), lines[1]["status"].as_u64()), (Some(true), None));
    for line in &lines {
        assert!(line["scope"].as_str().unwrap().ends_with("shapes.py:clamp"), "{line}");
        assert_eq!(line["run_id"], lines[0]["run_id"], "one session");
    }
    assert!(lines[0]["request"]["messages"][1]["content"].as_str().unwrap().contains("def clamp("));
    assert!(!written.contains("test-key"), "the key is in the log");
}

#[test]
fn prompts_show_what_the_code_calls_elsewhere_in_the_workspace() {
    let mock = docwright_mock::MockServer::start(docwright_mock::MockConfig::default());
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("app")).unwrap();
    std::fs::write(root.path().join("app/__init__.py"), "").unwrap();
    // Never opened in the editor: known from the workspace scan.
    std::fs::write(
        root.path().join("app/store.py"),
        "def load(path: str, *, strict: bool = False) -> dict:\n    \"\"\"Read the store at `path`.\"\"\"\n    return {}\n",
    )
    .unwrap();
    let text = "from app.store import load\n\n\ndef boot(path):\n    return load(path)\n";
    let main = root.path().join("app/main.py");
    std::fs::write(&main, text).unwrap();
    let (mut editor, _cache) = start_on_folder_with_model(&mock, root.path(), json!({}));
    let uri = file_uri(&main);
    editor.open(&uri, text);
    editor.resolve(&uri, 3, 4, "Generate docstring for `boot`");
    let prompt = mock.journal().into_iter().filter_map(|e| e.body).next_back().unwrap();
    let user = prompt["messages"][1]["content"].as_str().unwrap().to_string();
    assert!(user.contains("in `app.main`"), "{user}");
    assert!(
        user.contains(
            "- `app.store.load`: `def load(path: str, *, strict: bool = False) -> dict:` Read the store at `path`.\n"
        ),
        "{user}"
    );
    // Changed on disk: the editor's file watcher says so, and the next
    // prompt shows the new signature (the index is updated in the
    // background, so the action is tried until it does).
    std::fs::write(
        root.path().join("app/store.py"),
        "def load(path: str) -> dict:\n    \"\"\"Open the store.\"\"\"\n    return {}\n",
    )
    .unwrap();
    let store = file_uri(&root.path().join("app/store.py"));
    editor.notify("workspace/didChangeWatchedFiles", json!({"changes": [{"uri": store, "type": 2}]}));
    let seen = (0..50).any(|_| {
        editor.resolve(&uri, 3, 4, "Generate docstring for `boot`");
        let last = mock.journal().into_iter().filter_map(|e| e.body).next_back().unwrap();
        let user = last["messages"][1]["content"].as_str().unwrap().to_string();
        let updated = user.contains("- `app.store.load`: `def load(path: str) -> dict:` Open the store.\n");
        if !updated {
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        updated
    });
    assert!(seen, "the prompt never showed the changed file");
    editor.shutdown();
}

/// The session commands an editor's buttons call: the figures for a status
/// bar (without a message each time), clearing the answer cache, and the
/// doctor with the editor's own settings.
#[test]
fn session_commands_report_clear_the_cache_and_run_the_doctor() {
    let mock = docwright_mock::MockServer::start(docwright_mock::MockConfig::default());
    let root = tempfile::tempdir().unwrap();
    let text = "def clamp(x, lo, hi):\n    return max(lo, min(x, hi))\n";
    let path = root.path().join("shapes.py");
    std::fs::write(&path, text).unwrap();
    let (mut editor, _cache) = start_on_folder_with_model(&mock, root.path(), json!({}));
    let uri = file_uri(&path);
    editor.open(&uri, text);
    let chat = |mock: &docwright_mock::MockServer| {
        mock.journal().into_iter().filter(|e| e.path.ends_with("/chat/completions")).count()
    };
    let command = |editor: &mut Editor, name: &str| {
        editor.request("workspace/executeCommand", json!({"command": name, "arguments": []}))
    };
    let messages = |editor: &mut Editor| {
        editor
            .stash
            .iter()
            .filter(|m| m["method"] == "window/showMessage")
            .map(|m| m["params"]["message"].clone())
            .collect::<Vec<_>>()
    };
    editor.resolve(&uri, 0, 4, "Generate docstring for `clamp`");
    editor.resolve(&uri, 0, 4, "Generate docstring for `clamp`");
    assert_eq!(chat(&mock), 1);

    let stats = command(&mut editor, "docwright.stats");
    assert_eq!((stats["cache"]["hits"].as_u64(), stats["cache"]["misses"].as_u64()), (Some(1), Some(1)), "{stats}");
    assert_eq!(stats["stats"]["answers"], 1, "{stats}");
    assert!(messages(&mut editor).is_empty(), "docwright.stats shows nothing: {:?}", messages(&mut editor));

    let cleared = command(&mut editor, "docwright.clearCache");
    assert_eq!(cleared["removed"], 1, "{cleared}");
    let said = editor.wait_for(|m| m["method"] == "window/showMessage");
    assert_eq!(said["params"]["message"], "docwright: removed 1 cached answer");
    // The answer is gone: the same action asks the model again.
    editor.resolve(&uri, 0, 4, "Generate docstring for `clamp`");
    assert_eq!(chat(&mock), 2);

    let doctor = command(&mut editor, "docwright.doctor");
    assert_eq!(doctor["ok"], true, "{doctor}");
    let checks: Vec<&str> = doctor["checks"].as_array().unwrap().iter().map(|c| c["check"].as_str().unwrap()).collect();
    assert_eq!(checks, ["configuration", "credentials", "templates", "request"]);
    assert!(
        doctor["text"].as_str().unwrap().contains("credentials    ok: API key from DOCWRIGHT_TEST_KEY"),
        "{doctor}"
    );
    assert_eq!(chat(&mock), 3, "the doctor's one request");
    let said = editor.wait_for(|m| m["method"] == "window/showMessage");
    assert_eq!(said["params"]["message"], "docwright doctor: all 4 checks passed");

    // A key the service refuses: the doctor says so and how to fix it.
    mock.set_api_key("another-key");
    let doctor = command(&mut editor, "docwright.doctor");
    assert_eq!(doctor["ok"], false, "{doctor}");
    let said = editor.wait_for(|m| m["method"] == "window/showMessage");
    assert_eq!(said["params"]["type"], 2, "a warning: {said}");
    assert!(
        said["params"]["message"].as_str().unwrap().starts_with("docwright doctor: request: the service answered 401"),
        "{said}"
    );
    editor.shutdown();
}

#[test]
fn without_a_model_the_session_commands_say_so() {
    let cache = tempfile::tempdir().unwrap();
    let cache_home = cache.path().display().to_string();
    let (mut editor, _) = Editor::start_in(resolving_client(&[]), json!({}), &[("XDG_CACHE_HOME", &cache_home)]);
    let stats = editor.request("workspace/executeCommand", json!({"command": "docwright.stats", "arguments": []}));
    assert_eq!(stats, Value::Null);
    // The cache is still there to clear (a CLI run may have filled it).
    let cleared =
        editor.request("workspace/executeCommand", json!({"command": "docwright.clearCache", "arguments": []}));
    assert_eq!(cleared["removed"], 0, "{cleared}");
    let doctor = editor.request("workspace/executeCommand", json!({"command": "docwright.doctor", "arguments": []}));
    assert_eq!(doctor["ok"], false, "{doctor}");
    assert!(doctor["checks"][0]["detail"].as_str().unwrap().starts_with("no model is configured"), "{doctor}");
    editor.shutdown();
}
