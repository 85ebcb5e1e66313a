#!/usr/bin/env bash
# Times docwright against its peer on one tree, in one run, and prints the
# ratios BENCHMARKS.md records.
#
#   benches/compare.sh [DIR]    (default: the standard library of python3)
#
# Needs hyperfine (Debian: apt-get install hyperfine). Builds the release binary.
set -euo pipefail
cd "$(dirname "$0")/.."

dir="${1:-$(python3 -c "import sysconfig; print(sysconfig.get_paths()['stdlib'])")}"
cargo build --release --quiet
bin="$PWD/target/release/docwright"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "== machine"
echo "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(python3 --version)"
echo "tree: $dir ($(find "$dir" -name '*.py' -not -path '*/site-packages/*' | wc -l) files)"

echo "== single-thread parsing cost (cargo bench --bench parse)"
cargo bench --quiet --bench parse -- "$dir" 2>/dev/null | tee "$work/parse.txt" | tail -4

echo "== inventory vs Python ast, and offline generation"
hyperfine --warmup 1 --runs 5 --export-json "$work/runs.json" \
  -n "docwright inventory" "$bin inventory --json --exclude site-packages '$dir' > /dev/null 2>&1 || true" \
  -n "python ast listing" "python3 benches/ast_listing.py '$dir' > /dev/null 2>&1" \
  -n "docwright generate --offline" "$bin generate --offline --diff --exclude site-packages '$dir' > /dev/null 2>&1 || true"

python3 - "$work/runs.json" "$work/parse.txt" <<'PY'
import json, re, sys
runs = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
parse_only = float(re.search(r"parse only:\s+([0-9.]+) s", open(sys.argv[2]).read()).group(1))
inv, ast_, gen = runs["docwright inventory"], runs["python ast listing"], runs["docwright generate --offline"]
for name, r in runs.items():
    print(f"{name:32} wall {r['mean']:.3f} s ± {r['stddev']:.3f}   cpu {r['user'] + r['system']:.3f} s")
print(f"inventory speed-up over ast listing: {ast_['mean'] / inv['mean']:.2f}x (wall)")
inv_cpu = inv["user"] + inv["system"]
print(f"inventory cpu / bare tree-sitter parse: {inv_cpu:.3f} / {parse_only:.3f} = {inv_cpu / parse_only:.2f}")
PY
