"""Check that documenting a tree changed nothing but docstrings.

Usage: roundtrip_check.py ORIGINAL_DIR EDITED_DIR

For every .py file under ORIGINAL_DIR that Python can parse, the file of the
same name under EDITED_DIR must parse too, and with every docstring removed:
- their ASTs are equal, and
- their token streams, comments included, are equal (layout tokens aside:
  NEWLINE, NL, INDENT and DEDENT change when `def f(): pass` gets a docstring).
Files Python cannot parse are counted, not compared. Prints each difference and a
summary line; exits 1 on any difference.
"""

import ast
import bisect
import io
import multiprocessing
import os
import sys
import tokenize

LAYOUT = {tokenize.NEWLINE, tokenize.NL, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER}


def docstring_nodes(tree):
    """The expression nodes that are docstrings."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                yield body[0]


def without_docstrings(tree, docstrings):
    """The AST dump with the given docstring statements left out."""
    ids = {id(d) for d in docstrings}
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            if node.body and id(node.body[0]) in ids:
                node.body = node.body[1:]
    return ast.dump(tree, include_attributes=False)


def tokens_without_docstrings(source, docstrings):
    """(type, string) of every token outside the docstrings, layout aside."""
    spans = sorted(((d.lineno, d.col_offset), (d.end_lineno, d.end_col_offset)) for d in docstrings)
    starts = [start for start, _ in spans]
    kept = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type in LAYOUT:
            continue
        # Docstrings do not nest, so only the last span starting at or before
        # the token can hold it.
        at = bisect.bisect_right(starts, token.start) - 1
        if at >= 0 and token.end <= spans[at][1]:
            continue
        kept.append((token.type, token.string))
    return kept


def read(path):
    with open(path, "rb") as f:
        data = f.read()
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    return data, data.decode(encoding)


def compare(paths):
    """Problems with one file, and whether it was checked/identical/unparsable."""
    original_path, edited_path = paths
    problems = []
    try:
        original_bytes, original = read(original_path)
        original_tree = ast.parse(original)
    except (SyntaxError, UnicodeDecodeError, ValueError, LookupError):
        # Python 2 files and deliberately broken ones: there is no AST
        # to compare with.
        return problems, "unparsable"
    try:
        edited_bytes, edited = read(edited_path)
        edited_tree = ast.parse(edited)
    except Exception as error:  # noqa: BLE001 - any failure is the finding
        problems.append(f"{edited_path}: no longer parses: {error}")
        return problems, "changed"
    if edited_bytes == original_bytes:
        return problems, "identical"
    original_docstrings = list(docstring_nodes(original_tree))
    edited_docstrings = list(docstring_nodes(edited_tree))
    original_tokens = tokens_without_docstrings(original, original_docstrings)
    edited_tokens = tokens_without_docstrings(edited, edited_docstrings)
    if without_docstrings(original_tree, original_docstrings) != without_docstrings(edited_tree, edited_docstrings):
        problems.append(f"{edited_path}: AST without docstrings differs")
    if original_tokens != edited_tokens:
        for i, (a, b) in enumerate(zip(original_tokens, edited_tokens)):
            if a != b:
                problems.append(f"{edited_path}: token {i} differs: {a!r} became {b!r}")
                break
        else:
            problems.append(f"{edited_path}: token count {len(original_tokens)} became {len(edited_tokens)}")
    return problems, "changed"


def main():
    original_root, edited_root = sys.argv[1], sys.argv[2]
    pairs = []
    for directory, _, files in os.walk(original_root):
        for name in sorted(files):
            if name.endswith(".py"):
                original_path = os.path.join(directory, name)
                pairs.append((original_path, os.path.join(edited_root, os.path.relpath(original_path, original_root))))
    problems = []
    counts = {"changed": 0, "identical": 0, "unparsable": 0}
    with multiprocessing.Pool() as pool:
        for file_problems, kind in pool.imap_unordered(compare, pairs, chunksize=8):
            problems.extend(file_problems)
            counts[kind] += 1
    checked = counts["changed"] + counts["identical"]
    unparsable = counts["unparsable"]
    identical = counts["identical"]
    for problem in problems:
        print(problem)
    print(f"checked {checked} files ({checked - identical} changed), {unparsable} not parsable by Python, "
          f"{len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
