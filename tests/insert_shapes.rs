//! Exact insertion for the shapes that break naive docstring tools.

use docwright::docstring::insert::{Target, placement};
use docwright::python::{self, source_text};
use pretty_assertions::assert_eq;

/// A two-paragraph literal laid out for `indent`, like a renderer makes.
fn literal(indent: &str) -> String {
    format!("\"\"\"Summary.\n\n{indent}Details.\n{indent}\"\"\"")
}

/// `source` with the docstring of `qualname` (`""` for the module) written.
fn with_docstring(source: &str, qualname: &str) -> String {
    let module = python::parse_module(source).unwrap();
    let target = if qualname.is_empty() {
        Target::Module
    } else {
        let index = module.definitions.iter().position(|d| d.qualname == qualname).expect("definition exists");
        Target::Definition(index)
    };
    let place = placement(source, &module, target).unwrap();
    let edit = place.edit(&literal(&place.indent));
    let mut file = python::SourceFile::parse(source.to_string()).unwrap();
    file.edit(edit.range, &edit.new_text).unwrap();
    file.text().to_string()
}

#[test]
fn plain_function() {
    assert_eq!(
        with_docstring("def f(x):\n    return x\n", "f"),
        "def f(x):\n    \"\"\"Summary.\n\n    Details.\n    \"\"\"\n    return x\n"
    );
}

#[test]
fn multi_line_decorated_signature() {
    let source = "@decorator(\n    arg=1,\n)\ndef f(\n    a: int,\n    b: str = \"x\",\n) -> dict[\n    str, int\n]:\n    return {}\n";
    let expected = "@decorator(\n    arg=1,\n)\ndef f(\n    a: int,\n    b: str = \"x\",\n) -> dict[\n    str, int\n]:\n    \"\"\"Summary.\n\n    Details.\n    \"\"\"\n    return {}\n";
    assert_eq!(with_docstring(source, "f"), expected);
}

#[test]
fn comment_after_colon_stays_on_the_header() {
    assert_eq!(
        with_docstring("def f():  # noqa: D103\n    pass\n", "f"),
        "def f():  # noqa: D103\n    \"\"\"Summary.\n\n    Details.\n    \"\"\"\n    pass\n"
    );
}

#[test]
fn body_starting_with_a_comment() {
    assert_eq!(
        with_docstring("class A:\n\n        # the state\n        x = 1\n", "A"),
        "class A:\n        \"\"\"Summary.\n\n        Details.\n        \"\"\"\n\n        # the state\n        x = 1\n"
    );
}

#[test]
fn one_line_function_becomes_a_block() {
    assert_eq!(
        with_docstring("def f(): return 1  # one\n", "f"),
        "def f():\n    \"\"\"Summary.\n\n    Details.\n    \"\"\"\n    return 1  # one\n"
    );
}

#[test]
fn one_line_class_in_a_tab_indented_file() {
    let source = "if True:\n\tclass E(Exception): pass\n";
    assert_eq!(
        with_docstring(source, "E"),
        "if True:\n\tclass E(Exception):\n\t\t\"\"\"Summary.\n\n\t\tDetails.\n\t\t\"\"\"\n\n\t\tpass\n"
    );
}

#[test]
fn a_blank_line_follows_a_new_class_docstring() {
    assert_eq!(
        with_docstring("class A:\n    x = 1\n", "A"),
        "class A:\n    \"\"\"Summary.\n\n    Details.\n    \"\"\"\n\n    x = 1\n"
    );
}

#[test]
fn tab_indentation_is_kept() {
    assert_eq!(
        with_docstring("class A:\n\tdef m(self):\n\t\treturn 1\n", "A.m"),
        "class A:\n\tdef m(self):\n\t\t\"\"\"Summary.\n\n\t\tDetails.\n\t\t\"\"\"\n\t\treturn 1\n"
    );
}

#[test]
fn crlf_stays_crlf() {
    assert_eq!(
        with_docstring("def f():\r\n    # c\r\n    pass\r\n", "f"),
        "def f():\r\n    \"\"\"Summary.\r\n\r\n    Details.\r\n    \"\"\"\r\n    # c\r\n    pass\r\n"
    );
}

#[test]
fn form_feed_before_a_definition() {
    let source = "x = 1\n\x0c\ndef f():\n    pass\n\x0cdef g():\n    pass\n";
    let once = with_docstring(source, "f");
    assert_eq!(
        once,
        "x = 1\n\x0c\ndef f():\n    \"\"\"Summary.\n\n    Details.\n    \"\"\"\n    pass\n\x0cdef g():\n    pass\n"
    );
    assert_eq!(
        with_docstring(&once, "g"),
        "x = 1\n\x0c\ndef f():\n    \"\"\"Summary.\n\n    Details.\n    \"\"\"\n    pass\n\x0cdef g():\n    \"\"\"Summary.\n\n    Details.\n    \"\"\"\n    pass\n"
    );
}

#[test]
fn bom_is_kept_through_decode_and_encode() {
    let bytes = b"\xEF\xBB\xBFdef f():\n    pass\n";
    let decoded = source_text::decode(bytes).unwrap();
    let edited = with_docstring(&decoded.text, "f");
    let written = source_text::encode(&edited, decoded.encoding, decoded.bom).unwrap();
    assert_eq!(written, "\u{feff}def f():\n    \"\"\"Summary.\n\n    Details.\n    \"\"\"\n    pass\n".as_bytes());
}

#[test]
fn non_ascii_before_the_colon_on_the_same_line() {
    assert_eq!(
        with_docstring("class Ünï: pass\ndef grüße(ä=\"é\"): return ä\n", "grüße"),
        "class Ünï: pass\ndef grüße(ä=\"é\"):\n    \"\"\"Summary.\n\n    Details.\n    \"\"\"\n    return ä\n"
    );
    assert_eq!(
        with_docstring("class Ünï: pass\n", "Ünï"),
        "class Ünï:\n    \"\"\"Summary.\n\n    Details.\n    \"\"\"\n\n    pass\n"
    );
}

#[test]
fn nested_and_async_definitions_in_blocks() {
    let source = "try:\n    import x\nexcept ImportError:\n    async def f():\n        def g():\n            yield 1\n        return g\n";
    assert_eq!(
        with_docstring(source, "f.g"),
        "try:\n    import x\nexcept ImportError:\n    async def f():\n        def g():\n            \"\"\"Summary.\n\n            Details.\n            \"\"\"\n            yield 1\n        return g\n"
    );
}

#[test]
fn existing_docstrings_are_replaced_in_place() {
    assert_eq!(
        with_docstring("def f():\n    r'''Old.'''  # keep\n    pass\n", "f"),
        "def f():\n    \"\"\"Summary.\n\n    Details.\n    \"\"\"  # keep\n    pass\n"
    );
    assert_eq!(
        with_docstring("def f():\n    (\"Old \"\n     \"text.\")\n", "f"),
        "def f():\n    \"\"\"Summary.\n\n    Details.\n    \"\"\"\n"
    );
    assert_eq!(with_docstring("def f(): 'Old.'\n", "f"), "def f(): \"\"\"Summary.\n\n    Details.\n    \"\"\"\n");
}

#[test]
fn module_docstring_after_shebang_and_encoding() {
    let source = "#!/usr/bin/env python3\n# -*- coding: utf-8 -*-\nimport os\n";
    assert_eq!(
        with_docstring(source, ""),
        "#!/usr/bin/env python3\n# -*- coding: utf-8 -*-\n\"\"\"Summary.\n\nDetails.\n\"\"\"\n\nimport os\n"
    );
}

#[test]
fn module_docstring_below_a_license_header_and_above_attached_comments() {
    let source = "# Copyright 2026 Someone\n# SPDX-License-Identifier: MIT\n\n# os is needed\nimport os\n";
    assert_eq!(
        with_docstring(source, ""),
        "# Copyright 2026 Someone\n# SPDX-License-Identifier: MIT\n\n\"\"\"Summary.\n\nDetails.\n\"\"\"\n\n# os is needed\nimport os\n"
    );
}

#[test]
fn module_docstring_in_empty_and_crlf_files() {
    assert_eq!(with_docstring("", ""), "\"\"\"Summary.\n\nDetails.\n\"\"\"\n");
    assert_eq!(with_docstring("x = 1\r\n", ""), "\"\"\"Summary.\r\n\r\nDetails.\r\n\"\"\"\r\n\r\nx = 1\r\n");
    assert_eq!(with_docstring("# only a comment", ""), "# only a comment\n\"\"\"Summary.\n\nDetails.\n\"\"\"\n");
}

/// Before a top-level definition, two blank lines, as PEP 8 and ruff's E302
/// want them (and as black and ruff's formatter would put them).
#[test]
fn module_docstring_before_a_definition_leaves_two_blank_lines() {
    for code in
        ["def f():\n    pass\n", "async def f():\n    pass\n", "class C:\n    pass\n", "@cache\ndef f():\n    pass\n"]
    {
        assert_eq!(with_docstring(code, ""), format!("\"\"\"Summary.\n\nDetails.\n\"\"\"\n\n\n{code}"));
    }
    assert_eq!(
        with_docstring("class C:\r\n    pass\r\n", ""),
        "\"\"\"Summary.\r\n\r\nDetails.\r\n\"\"\"\r\n\r\n\r\nclass C:\r\n    pass\r\n"
    );
}

#[test]
fn module_docstring_is_replaced() {
    assert_eq!(with_docstring("'''Old.'''\nimport os\n", ""), "\"\"\"Summary.\n\nDetails.\n\"\"\"\nimport os\n");
}

/// Every edited source above must still be valid Python whose docstring is
/// where it should be: checked by Python itself.
#[test]
fn python_agrees_with_the_edits() {
    let cases = [
        ("def f(): return 1  # one\n", "f"),
        ("if True:\n\tclass E(Exception): pass\n", "E"),
        ("x = 1\n\x0c\ndef f():\n    pass\n", "f"),
        ("def f():\r\n    # c\r\n    pass\r\n", "f"),
        ("class Ünï: pass\ndef grüße(ä=\"é\"): return ä\n", "grüße"),
        ("#!/usr/bin/env python3\n# -*- coding: utf-8 -*-\nfrom __future__ import annotations\n", ""),
        ("@d\ndef f(\n    a,\n):  # c\n    pass\n", "f"),
    ];
    let dir = tempfile::tempdir().unwrap();
    let mut script = String::from("import ast, sys\n");
    for (number, (source, qualname)) in cases.into_iter().enumerate() {
        let path = dir.path().join(format!("case{number}.py"));
        std::fs::write(&path, with_docstring(source, qualname)).unwrap();
        let name = qualname.rsplit('.').next().unwrap_or("");
        script.push_str(&format!(
            "tree = ast.parse(open({path:?}, 'rb').read())\n\
             node = tree if not {name:?} else next(n for n in ast.walk(tree) if getattr(n, 'name', None) == {name:?})\n\
             assert ast.get_docstring(node) == 'Summary.\\n\\nDetails.', ({path:?}, ast.get_docstring(node))\n",
            path = path.display().to_string(),
        ));
    }
    let output = std::process::Command::new("python3").arg("-c").arg(&script).output().expect("python3 runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
}
