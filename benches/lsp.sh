#!/usr/bin/env bash
# Drives `docwright lsp` and its peer `ruff server` through the same stdio
# driver (benches/lsp_driver.py), on the same ~10,000-line file, in one run.
#
#   benches/lsp.sh [RUNS]   (default 3 runs each; the median run is reported)
#
# Needs ruff in .venv (scripts/test installs it).
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-3}"
cargo build --release --quiet
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 benches/make_big_file.py "$work/big.py"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); ruff $(.venv/bin/ruff --version | cut -d' ' -f2)"
for name in docwright ruff; do
  case "$name" in
    docwright) command=(target/release/docwright lsp) ;;
    ruff) command=(.venv/bin/ruff server) ;;
  esac
  for _ in $(seq "$runs"); do
    python3 benches/lsp_driver.py "$work/big.py" "${command[@]}"
  done > "$work/$name.jsonl"
  python3 - "$name" "$work/$name.jsonl" <<'PY'
import json, statistics, sys
runs = [json.loads(line) for line in open(sys.argv[2])]
keys = ["initialize_ms", "code_action_at_open_ms", "after_edit_p50_ms", "after_edit_p95_ms", "peak_memory_mb"]
median = {k: statistics.median(r[k] for r in runs) for k in keys}
print(f"{sys.argv[1]:10} lines {runs[0]['lines']}  " + "  ".join(f"{k} {v}" for k, v in median.items()))
PY
done
