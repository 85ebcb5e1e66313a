"""The peer for `docwright inventory`: list every definition with Python's ast.

Usage: ast_listing.py DIR
Walks DIR like docwright does for this benchmark (site-packages skipped), parses
every .py file and prints one line per function and class with its line and
whether it has a docstring, so both tools do the same work.
"""

import ast
import os
import sys
import tokenize


def main():
    out = []
    for root, dirs, files in os.walk(sys.argv[1]):
        dirs[:] = sorted(d for d in dirs if d != "site-packages")
        for name in sorted(files):
            if not name.endswith(".py"):
                continue
            path = os.path.join(root, name)
            try:
                with tokenize.open(path) as f:
                    tree = ast.parse(f.read(), filename=path)
            except (SyntaxError, UnicodeDecodeError, ValueError):
                continue
            for node in ast.walk(tree):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    has_doc = ast.get_docstring(node, clean=False) is not None
                    out.append(f"{path}:{node.lineno} {node.name} {has_doc}")
    sys.stdout.write("\n".join(out) + "\n")
    print(f"{len(out)} definitions", file=sys.stderr)


if __name__ == "__main__":
    main()
