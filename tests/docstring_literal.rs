//! The escaping invariant, checked by Python itself: every rendered literal
//! is exactly one string whose value is the intended text. All cases go into
//! one file evaluated by one `python3` process.

use std::process::Command;

use docwright::docstring::{Docstring, ParamDoc, RenderOptions, Style, python_literal, render, render_value};

fn hostile_texts() -> Vec<String> {
    let mut cases: Vec<String> = [
        "plain",
        "\"\"\" + __import__('os').system('echo pwned') + \"\"\"",
        "\"\"\"",
        "\"\"",
        "\"",
        "ends with quote\"",
        "ends with two quotes\"\"",
        "\"\"\"\"\"\"\"",
        "trailing backslash\\",
        "two trailing backslashes\\\\",
        "escaped quote \\\" inside",
        "escaped quote at end \\\"",
        "\\N{BULLET} and \\u2022 and \\x41 and \\101",
        "\\",
        "\\\"\"\"",
        "carriage\rreturn",
        "crlf\r\nline",
        "nul\0byte",
        "bell\u{7}escape\u{1b}[31mred",
        "form\u{c}feed vertical\u{b}tab",
        "del\u{7f} c1\u{85}nel",
        "line\u{2028}separator\u{2029}para",
        "bom\u{feff}",
        "tab\tinside",
        "'''single triple'''",
        "''' + \"\"\"",
        "{braces} and f'{x}'",
        "b'bytes'",
        "é ü 中文 🎉",
        "\n\n\n",
        "",
        "  leading spaces",
        "backslash newline \\\nnext",
        "r\"\"\"raw\"\"\"",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let pieces = ["\"", "\\", "'", "\n", "\r", "\0", "x", " ", "N{", "}"];
    // Every combination of three pieces: quote runs, backslash runs, mixes.
    for a in pieces {
        for b in pieces {
            for c in pieces {
                cases.push(format!("{a}{b}{c}"));
            }
        }
    }
    cases
}

fn docstring_for(text: &str) -> Docstring {
    Docstring {
        summary: text.to_string(),
        description: text.to_string(),
        params: vec![ParamDoc {
            name: "x".into(),
            type_name: Some(text.to_string()),
            description: text.to_string(),
            default: Some(text.to_string()),
        }],
        ..Docstring::default()
    }
}

/// Python source evaluating each literal and comparing it with the expected
/// value (given as a JSON string, decoded by Python's own json module).
fn check_in_python(pairs: &[(String, String)]) {
    let mut source = String::from("import ast, json, sys\nfailures = []\n");
    for (i, (literal, expected)) in pairs.iter().enumerate() {
        let expected_json = serde_json::to_string(&serde_json::to_string(expected).expect("json")).expect("json");
        let literal_json = serde_json::to_string(literal).expect("json");
        // JSON string literals are Python string literals too. Parse the literal
        // as the only statement of a module: exactly one string expression,
        // nothing after it.
        source.push_str(&format!(
            "try:\n    tree = ast.parse({literal_json})\n    ok = len(tree.body) == 1 and isinstance(tree.body[0].value, ast.Constant) and tree.body[0].value.value == json.loads({expected_json})\nexcept Exception as e:\n    ok = False\nif not ok: failures.append({i})\n",
        ));
    }
    source.push_str("print(json.dumps(failures))\nsys.exit(1 if failures else 0)\n");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("literals.py");
    std::fs::write(&path, &source).expect("write");
    let out = Command::new("python3").arg(&path).output().expect("python3 must be installed");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        let failed: Vec<usize> = serde_json::from_str(stdout.trim()).unwrap_or_default();
        let shown: Vec<&(String, String)> = failed.iter().filter_map(|&i| pairs.get(i)).take(10).collect();
        panic!("{} literals wrong (first: {shown:#?})\n{stderr}", failed.len());
    }
}

#[test]
fn literals_evaluate_to_exactly_the_text() {
    let pairs: Vec<(String, String)> = hostile_texts().into_iter().map(|t| (python_literal(&t), t)).collect();
    for (literal, _) in &pairs {
        assert!(literal.starts_with("\"\"\"") || literal.starts_with("r\"\"\""), "{literal}");
    }
    check_in_python(&pairs);
}

#[test]
fn rendered_docstrings_are_single_literals_in_every_style() {
    let mut pairs = Vec::new();
    for text in hostile_texts() {
        let doc = docstring_for(&text);
        for style in Style::ALL {
            for indent in ["    ", "\t", ""] {
                let opts = RenderOptions { style, width: 60, indent: indent.to_string() };
                let literal = render(&doc, &opts);
                assert!(!literal.lines().any(|l| l != l.trim_end()), "trailing whitespace: {literal:?}");
                pairs.push((literal, render_value(&doc, &opts)));
            }
        }
    }
    check_in_python(&pairs);
}
