"""Compare `docwright inventory --json` with Python's own `ast`.

Usage: ast_inventory.py INVENTORY_JSON
Reads every file the inventory lists, parses it with `ast`, and prints one line
per disagreement. Exits 1 when there is any, 0 otherwise. Files that `ast`
cannot parse are counted, not compared.
"""

import ast
import json
import sys
import tokenize

# Files Python parses but tree-sitter-python 0.25 does not: docwright must flag
# them as having syntax errors (so nothing is written to them) instead of
# listing a wrong outline. Any other disagreement is a mismatch.
KNOWN_GRAMMAR_GAPS = {
    # A continuation line inside parentheses that is indented less than the
    # statement it continues (line 1334): the grammar's scanner emits a dedent.
    "test/test_compile.py",
}


def ast_definitions(tree):
    """Yield (qualname, kind, line, end_line, has_docstring) for every def."""
    def walk(node, prefix, in_class):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                qualname = prefix + child.name
                if isinstance(child, ast.ClassDef):
                    kind = "class"
                else:
                    kind = "method" if in_class else "function"
                has_doc = ast.get_docstring(child, clean=False) is not None
                yield qualname, kind, child.lineno, child.end_lineno, has_doc
                yield from walk(child, qualname + ".", isinstance(child, ast.ClassDef))
            else:
                yield from walk(child, prefix, in_class)
    yield from walk(tree, "", False)


def main():
    inventory = json.load(open(sys.argv[1]))
    mismatches = []
    compared = unparsable = definitions = 0
    for entry in inventory["files"]:
        path = entry["path"]
        try:
            with tokenize.open(path) as f:
                source = f.read()
            tree = ast.parse(source, filename=path)
        except (SyntaxError, UnicodeDecodeError, ValueError):
            unparsable += 1
            continue
        if any(path.endswith("/" + gap) for gap in KNOWN_GRAMMAR_GAPS):
            if not entry["syntax_errors"]:
                mismatches.append(f"{path}: expected to be flagged with syntax errors (known grammar gap)")
            continue
        compared += 1
        if entry["syntax_errors"]:
            try:
                # `ast` accepts a few things the compiler rejects, such as
                # `from __future__ import *`; such a file is not valid Python.
                compile(source, path, "exec")
                mismatches.append(f"{path}: docwright reports syntax errors, Python compiles it")
            except SyntaxError:
                compared -= 1
                unparsable += 1
                continue
        if entry.get("error"):
            mismatches.append(f"{path}: docwright could not read it: {entry['error']}")
            continue
        expected = sorted(ast_definitions(tree))
        actual = sorted(
            (d["qualname"], d["kind"], d["line"], d["end_line"], d["docstring"] is not None)
            for d in entry["definitions"]
        )
        definitions += len(expected)
        if expected != actual:
            missing = sorted(set(expected) - set(actual))
            extra = sorted(set(actual) - set(expected))
            for item in missing[:5]:
                mismatches.append(f"{path}: ast has {item}, docwright does not")
            for item in extra[:5]:
                mismatches.append(f"{path}: docwright has {item}, ast does not")
            if len(expected) != len(actual) and not missing and not extra:
                mismatches.append(f"{path}: {len(expected)} definitions in ast, {len(actual)} in docwright")
        module_doc = ast.get_docstring(tree, clean=False) is not None
        if module_doc != (entry["module_docstring"] is not None):
            mismatches.append(f"{path}: module docstring: ast says {module_doc}")
    for line in mismatches:
        print(line)
    print(f"compared {compared} files ({definitions} definitions), {unparsable} not parsable by ast, "
          f"{len(mismatches)} mismatches")
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
