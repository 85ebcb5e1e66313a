//! A test editor speaking LSP to the built `docwright lsp` over stdio: it
//! frames messages, keeps what arrives while it waits for something else, and
//! applies edits counting characters the client's way.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::Duration;

use serde_json::{Value, json};

pub const TIMEOUT: Duration = Duration::from_secs(10);

pub struct Editor {
    child: Child,
    stdin: ChildStdin,
    incoming: Receiver<Value>,
    /// Messages read while waiting for something else.
    pub stash: Vec<Value>,
    pub next_id: i64,
}

impl Editor {
    /// Starts the server and initializes it with `capabilities`.
    pub fn start(capabilities: Value, initialization_options: Value) -> (Editor, Value) {
        Editor::start_with(capabilities, json!({"initializationOptions": initialization_options}))
    }

    /// Starts the server; `extra` adds fields to the `initialize` parameters.
    pub fn start_with(capabilities: Value, extra: Value) -> (Editor, Value) {
        Editor::start_in(capabilities, extra, &[])
    }

    /// Starts the server with `env` added to its environment.
    pub fn start_in(capabilities: Value, extra: Value, env: &[(&str, &str)]) -> (Editor, Value) {
        let mut child = Command::new(env!("CARGO_BIN_EXE_docwright"))
            .args(["lsp", "--stdio"])
            .env_remove("AZURE_OPENAI_ENDPOINT")
            .env_remove("OPENAI_API_KEY")
            .env_remove("DOCWRIGHT_EXCHANGE_LOG")
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("server starts");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (sender, incoming) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut length = 0;
                loop {
                    let mut header = String::new();
                    if reader.read_line(&mut header).unwrap_or(0) == 0 {
                        return;
                    }
                    let header = header.trim();
                    if header.is_empty() {
                        break;
                    }
                    if let Some(value) = header.strip_prefix("Content-Length: ") {
                        length = value.parse().unwrap();
                    }
                }
                let mut body = vec![0; length];
                reader.read_exact(&mut body).unwrap();
                if sender.send(serde_json::from_slice(&body).unwrap()).is_err() {
                    return;
                }
            }
        });
        let mut editor = Editor { child, stdin, incoming, stash: Vec::new(), next_id: 1 };
        let mut params = json!({"processId": null, "rootUri": null, "capabilities": capabilities});
        for (key, value) in extra.as_object().cloned().unwrap_or_default() {
            params[key] = value;
        }
        let result = editor.request("initialize", params);
        editor.notify("initialized", json!({}));
        (editor, result)
    }

    pub fn send(&mut self, message: Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{}", body.len(), body).unwrap();
        self.stdin.flush().unwrap();
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    pub fn request_raw(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        self.wait_for(|m| m.get("id") == Some(&json!(id)) && m.get("method").is_none())
    }

    /// The result of a request; fails the test on an error answer.
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        let response = self.request_raw(method, params);
        assert!(response.get("error").is_none(), "{method} failed: {response}");
        response["result"].clone()
    }

    pub fn wait_for(&mut self, wanted: impl Fn(&Value) -> bool) -> Value {
        if let Some(at) = self.stash.iter().position(&wanted) {
            return self.stash.remove(at);
        }
        loop {
            match self.incoming.recv_timeout(TIMEOUT) {
                Ok(message) if wanted(&message) => return message,
                Ok(message) => self.stash.push(message),
                Err(RecvTimeoutError::Timeout) => panic!("no answer in {TIMEOUT:?}; had {:?}", self.stash),
                Err(RecvTimeoutError::Disconnected) => panic!("the server closed its output; had {:?}", self.stash),
            }
        }
    }

    pub fn open(&mut self, uri: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}}),
        );
    }

    pub fn change(&mut self, uri: &str, version: i32, changes: Value) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": changes}),
        );
    }

    /// The next diagnostics published for `uri` (and their document version).
    pub fn diagnostics(&mut self, uri: &str) -> (Value, Vec<Value>) {
        let message = self.wait_for(|m| m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri);
        (message["params"]["version"].clone(), message["params"]["diagnostics"].as_array().cloned().unwrap_or_default())
    }

    pub fn actions(&mut self, uri: &str, line: u32, character: u32) -> Vec<Value> {
        let position = json!({"line": line, "character": character});
        let result = self.request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri}, "range": {"start": position, "end": position}, "context": {"diagnostics": []}}),
        );
        result.as_array().cloned().unwrap_or_default()
    }

    pub fn action(&mut self, uri: &str, line: u32, character: u32, title_start: &str) -> Value {
        let actions = self.actions(uri, line, character);
        actions
            .into_iter()
            .find(|a| a["title"].as_str().is_some_and(|t| t.starts_with(title_start)))
            .unwrap_or_else(|| panic!("no action starting with {title_start:?}"))
    }

    /// Picks the action titled `title_start...` at a position and resolves
    /// it: the version and edits of its document edit.
    pub fn resolve(&mut self, uri: &str, line: u32, character: u32, title_start: &str) -> (i64, Vec<Value>) {
        let action = self.action(uri, line, character, title_start);
        document_edit(&self.request("codeAction/resolve", action)["edit"], uri)
    }

    pub fn shutdown(mut self) {
        self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        let status = self.child.wait().expect("server exits");
        assert!(status.success(), "{status}");
    }
}

/// Full client capabilities: lazy resolution of edits, versioned edits.
pub fn resolving_client(encodings: &[&str]) -> Value {
    json!({
        "general": {"positionEncodings": encodings},
        "workspace": {"applyEdit": true, "workspaceEdit": {"documentChanges": true}},
        "textDocument": {"codeAction": {
            "dataSupport": true,
            "resolveSupport": {"properties": ["edit"]},
            "codeActionLiteralSupport": {"codeActionKind": {"valueSet": ["refactor.rewrite", "source"]}}
        }}
    })
}

/// Applies protocol edits to `text`, counting characters the client's way
/// (written independently of the server's line index on purpose).
pub fn apply(text: &str, edits: &[Value], utf16: bool) -> String {
    let offset = |position: &Value| -> usize {
        let (line, character) = (position["line"].as_u64().unwrap() as usize, position["character"].as_u64().unwrap());
        let mut start = 0;
        for _ in 0..line {
            start += text[start..].find('\n').map_or(text.len() - start, |i| i + 1);
        }
        let mut units = 0;
        for (i, c) in text[start..].char_indices() {
            if units >= character || c == '\n' {
                return start + i;
            }
            units += if utf16 { c.len_utf16() as u64 } else { c.len_utf8() as u64 };
        }
        text.len()
    };
    let mut ranges: Vec<(usize, usize, &str)> = edits
        .iter()
        .map(|e| (offset(&e["range"]["start"]), offset(&e["range"]["end"]), e["newText"].as_str().unwrap()))
        .collect();
    ranges.sort_by_key(|r| std::cmp::Reverse(r.0));
    let mut out = text.to_string();
    for (start, end, new_text) in ranges {
        out.replace_range(start..end, new_text);
    }
    out
}

/// The versioned edit of a resolved action: (version, edits).
pub fn document_edit(workspace_edit: &Value, uri: &str) -> (i64, Vec<Value>) {
    let change = &workspace_edit["documentChanges"][0];
    assert_eq!(change["textDocument"]["uri"], uri);
    (change["textDocument"]["version"].as_i64().unwrap(), change["edits"].as_array().unwrap().clone())
}
