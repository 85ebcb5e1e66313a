#!/usr/bin/env python3
"""Documents 500 functions through the mock model server, the way a team's run
meets Azure: 300 ms per answer and a 600 requests-per-minute quota enforced as
Azure does it (RPM/6 = 100 requests per 10-second window, 429 with Retry-After
beyond it). No client can finish in less than about 40 s: 500 requests need five
windows, and the fifth starts at 40 s.

    python3 benches/model.py [RUNS]     (default 1)

Prints, per run: wall time, its ratio to the 40 s floor, requests, 429s, early
retries (a request arriving in a window after that window answered 429, that
is before the Retry-After time), and docstrings written or failed.
"""

import ast
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parent.parent
FUNCTIONS, PER_FILE = 500, 10
LATENCY_MS, RPM, WINDOW_S = 300, 600, 10.0
# The window in which the last request can be admitted starts here.
FLOOR_S = ((FUNCTIONS - 1) // (RPM // 6)) * WINDOW_S


def make_tree(root: pathlib.Path) -> None:
    """Writes FUNCTIONS distinct undocumented functions, PER_FILE a file."""
    (root / "pyproject.toml").write_text(
        f'[tool.docwright]\nstyle = "google"\n\n[tool.docwright.model]\nrpm = {RPM}\nconcurrency = 16\n'
    )
    package = root / "pkg"
    package.mkdir()
    for f in range(FUNCTIONS // PER_FILE):
        lines = [f'"""Module {f}."""\n']
        for i in range(PER_FILE):
            n = f * PER_FILE + i
            lines.append(
                f"\n\ndef step_{n}(value_{n}, scale={n % 7}):\n"
                f"    if value_{n} is None:\n        raise ValueError('value_{n}')\n"
                f"    return value_{n} * scale + {n}\n"
            )
        (package / f"mod_{f}.py").write_text("".join(lines))


def run_once(docwright: str, mock: str) -> dict:
    server = subprocess.Popen(
        [mock, "--latency-ms", str(LATENCY_MS), "--rpm", str(RPM)], stdout=subprocess.PIPE, text=True
    )
    try:
        url = server.stdout.readline().strip()
        with tempfile.TemporaryDirectory() as work:
            root = pathlib.Path(work)
            make_tree(root)
            env = dict(os.environ)
            for name in list(env):
                if name.startswith(("AZURE_OPENAI_", "OPENAI_")):
                    del env[name]
            env.update(AZURE_OPENAI_ENDPOINT=url, AZURE_OPENAI_API_KEY="test-key", AZURE_OPENAI_DEPLOYMENT="gpt-4o")
            started = time.monotonic()
            done = subprocess.run(
                [docwright, "generate", "--write", str(root)], env=env, capture_output=True, text=True, check=False
            )
            wall = time.monotonic() - started
            documented = sum(
                1
                for p in (root / "pkg").glob("*.py")
                for node in ast.walk(ast.parse(p.read_text()))
                if isinstance(node, ast.FunctionDef) and ast.get_docstring(node)
            )
        with urllib.request.urlopen(f"{url}/_mock/journal") as answer:
            journal = json.load(answer)
    finally:
        server.kill()
        server.wait()
    chat = [e for e in journal if e["path"].endswith("/chat/completions")]
    limited_windows = set()
    early = 0
    for entry in sorted(chat, key=lambda e: e["ms_since_start"]):
        window = int(entry["ms_since_start"] // (WINDOW_S * 1000))
        if window in limited_windows:
            early += 1
        if entry["status"] == 429:
            limited_windows.add(window)
    return {
        "wall_s": round(wall, 2),
        "floor_s": FLOOR_S,
        "ratio": round(wall / FLOOR_S, 3),
        "requests": len(chat),
        "429s": sum(1 for e in chat if e["status"] == 429),
        "early_retries": early,
        "documented": documented,
        "exit": done.returncode,
        "summary": done.stderr.strip().splitlines()[-2:],
    }


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    subprocess.run(
        ["cargo", "build", "--release", "--quiet", "-p", "docwright", "-p", "docwright-mock"], cwd=ROOT, check=True
    )
    docwright, mock = str(ROOT / "target/release/docwright"), str(ROOT / "target/release/docwright-mock")
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    print(f"machine: {os.cpu_count()} cores, {cpu}")
    for _ in range(runs):
        print(json.dumps(run_once(docwright, mock)))


if __name__ == "__main__":
    main()
