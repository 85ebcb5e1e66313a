"""Write a ~10,000-line Python file from real code, for the server benchmark.

Usage: make_big_file.py OUT.py
Takes the top-level functions and classes of a few standard-library modules,
in order, until the file has 10,000 lines. The result is valid Python.
"""

import ast
import sys
import sysconfig
from pathlib import Path

MODULES = ["_pydecimal.py", "typing.py", "argparse.py", "inspect.py", "pathlib.py"]


def main():
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    out = ["# A benchmark file assembled from the standard library.", ""]
    for name in MODULES:
        source = (stdlib / name).read_text()
        for node in ast.parse(source).body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                start = node.decorator_list[0].lineno if node.decorator_list else node.lineno
                segment = "\n".join(source.split("\n")[start - 1:node.end_lineno])
                out.extend(segment.split("\n") + ["", ""])
                if len(out) >= 10_000:
                    Path(sys.argv[1]).write_text("\n".join(out) + "\n")
                    return
    Path(sys.argv[1]).write_text("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
