#!/usr/bin/env python3
"""A fully cached `docwright generate` against the offline run of the same tree.

    python3 benches/cache.py [RUNS]     (default 15; the median is reported)

Writes 1,000 undocumented functions (100 files), fills the SQLite answer cache
with one run against the mock service, then times, alternately, the cached run
(every answer from the cache, no request) and `--offline` (templates). The
target is a cached run costing no more than 1.5 times the offline one.
"""

import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import json

ROOT = pathlib.Path(__file__).resolve().parent.parent
FUNCTIONS, PER_FILE = 1000, 10


def make_tree(root: pathlib.Path) -> None:
    package = root / "pkg"
    package.mkdir()
    for f in range(FUNCTIONS // PER_FILE):
        lines = [f'"""Module {f}."""\n']
        for i in range(PER_FILE):
            n = f * PER_FILE + i
            lines.append(f"\n\ndef step_{n}(value_{n}, scale={n % 7}):\n    return value_{n} * scale + {n}\n")
        (package / f"mod_{f}.py").write_text("".join(lines))


def timed(command: list, env: dict) -> float:
    # The diff goes to /dev/null: written in full, but not read by this
    # script, whose reading would cost more than the run being measured.
    started = time.monotonic()
    done = subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False)
    elapsed = time.monotonic() - started
    if done.returncode != 0:
        sys.exit(f"{command} failed: {done.stderr}")
    return elapsed


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    subprocess.run(
        ["cargo", "build", "--release", "--quiet", "-p", "docwright", "-p", "docwright-mock"], cwd=ROOT, check=True
    )
    docwright, mock = str(ROOT / "target/release/docwright"), str(ROOT / "target/release/docwright-mock")
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    print(f"machine: {os.cpu_count()} cores, {cpu}")
    # A quota far above the run's needs: the filling run is not what is measured.
    server = subprocess.Popen([mock, "--rpm", "1000000", "--tpm", "1000000000"], stdout=subprocess.PIPE, text=True)
    try:
        url = server.stdout.readline().strip()
        with tempfile.TemporaryDirectory() as work:
            root = pathlib.Path(work)
            make_tree(root)
            env = {k: v for k, v in os.environ.items() if not k.startswith(("AZURE_OPENAI_", "OPENAI_"))}
            env.update(
                XDG_CACHE_HOME=str(root / "cache"),
                AZURE_OPENAI_ENDPOINT=url,
                AZURE_OPENAI_API_KEY="test-key",
                AZURE_OPENAI_DEPLOYMENT="gpt-4o",
            )
            target = str(root / "pkg")
            fill = timed([docwright, "generate", target], env)
            with urllib.request.urlopen(f"{url}/_mock/journal") as answer:
                asked = len(json.load(answer))
            cached, offline = [], []
            for _ in range(runs):
                cached.append(timed([docwright, "generate", target], env))
                offline.append(timed([docwright, "generate", "--offline", target], env))
            with urllib.request.urlopen(f"{url}/_mock/journal") as answer:
                asked_after = len(json.load(answer))
    finally:
        server.kill()
        server.wait()
    c, o = statistics.median(cached), statistics.median(offline)
    print(f"filling run: {fill:.3f} s, {asked} requests; cached runs made {asked_after - asked} requests")
    print(f"cached generate: median {c:.3f} s (runs {', '.join(f'{x:.3f}' for x in cached)})")
    print(f"offline generate: median {o:.3f} s (runs {', '.join(f'{x:.3f}' for x in offline)})")
    print(f"cached / offline: {c / o:.2f}")


if __name__ == "__main__":
    main()
