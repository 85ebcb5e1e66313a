#!/usr/bin/env python3
"""Documents 500 functions through the mock model server, the way a team's run
meets Azure: 300 ms per answer and a 600 requests-per-minute quota enforced as
Azure does it (RPM/6 = 100 requests per 10-second window, 429 with Retry-After
beyond it). No client can finish in less than about 40 s: 500 requests need five
windows, and the fifth starts at 40 s.

    python3 benches/model.py [RUNS]     (default 1)

Each run documents the tree twice: with the deployment's RPM in the
configuration, and without it (the quota learnt from 429s and headers). Prints,
for each: wall time, its ratio to the 40 s floor, requests, 429s, early retries
(a retry arriving before the time its 429 asked for, the end of that window),
requests of any kind arriving in a window more than 50 ms after it answered 429
(the client holds everything after a 429), and docstrings written.
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


def make_tree(root: pathlib.Path, told_quota: bool) -> None:
    """Writes FUNCTIONS distinct undocumented functions, PER_FILE a file.

    With `told_quota`, docwright is configured with the deployment's RPM and
    keeps under it; without, it learns the quota from 429s and rate-limit
    headers (and may retry more often than the default two times).
    """
    model = f"rpm = {RPM}\n" if told_quota else "maxRetries = 10\n"
    (root / "pyproject.toml").write_text(
        f'[tool.docwright]\nstyle = "google"\n\n[tool.docwright.model]\n{model}concurrency = 16\n'
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


def run_once(docwright: str, mock: str, told_quota: bool) -> dict:
    server = subprocess.Popen(
        [mock, "--latency-ms", str(LATENCY_MS), "--rpm", str(RPM)], stdout=subprocess.PIPE, text=True
    )
    try:
        url = server.stdout.readline().strip()
        with tempfile.TemporaryDirectory() as work:
            root = pathlib.Path(work)
            make_tree(root, told_quota)
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
    chat = sorted((e for e in journal if e["path"].endswith("/chat/completions")), key=lambda e: e["ms_since_start"])
    window_of = lambda entry: int(entry["ms_since_start"] // (WINDOW_S * 1000))
    request_id = lambda entry: next((v for k, v in entry["headers"] if k.lower() == "x-ms-client-request-id"), None)
    # The mock's Retry-After points at the end of the window that answered 429.
    limited = {}
    for entry in chat:
        if entry["status"] == 429:
            limited.setdefault(window_of(entry), entry["ms_since_start"])
    # A retry arriving before the time its 429 asked for.
    early = sum(
        1
        for i, e in enumerate(chat)
        if any(
            p["status"] == 429 and request_id(p) == request_id(e) and window_of(p) == window_of(e) for p in chat[:i]
        )
    )
    # Any request arriving after the client had heard a 429 and before that
    # window ended (50 ms allowed for requests already on their way).
    during_pause = sum(
        1 for e in chat if window_of(e) in limited and e["ms_since_start"] > limited[window_of(e)] + 50
    )
    return {
        "client": "rpm configured" if told_quota else "quota not configured",
        "wall_s": round(wall, 2),
        "floor_s": FLOOR_S,
        "ratio": round(wall / FLOOR_S, 3),
        "requests": len(chat),
        "429s": sum(1 for e in chat if e["status"] == 429),
        "early_retries": early,
        "sent_during_pause": during_pause,
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
        for told_quota in (True, False):
            print(json.dumps(run_once(docwright, mock, told_quota)))


if __name__ == "__main__":
    main()
