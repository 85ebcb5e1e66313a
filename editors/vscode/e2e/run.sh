#!/usr/bin/env bash
# The VS Code extension's end-to-end test: packages the extension, installs
# the .vsix into code-server (a real VS Code in the browser), starts the mock
# model service, and drives VS Code with Playwright in headless Chromium
# (test.mjs). Needs Debian's chromium, and the docwright and docwright-mock
# binaries built (cargo build --workspace); DOCWRIGHT_BIN_DIR says where they
# are (default: target/debug of this repository).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
extension="$(dirname "$here")"
repo="$(cd "$extension/../.." && pwd)"
bin_dir="${DOCWRIGHT_BIN_DIR:-${CARGO_TARGET_DIR:-$repo/target}/debug}"
for tool in docwright docwright-mock; do
  [ -x "$bin_dir/$tool" ] || { echo "e2e: $bin_dir/$tool is missing: run cargo build --workspace" >&2; exit 1; }
done
chromium="${E2E_CHROMIUM:-/usr/bin/chromium}"
[ -x "$chromium" ] || { echo "e2e: $chromium is missing (Debian: apt-get install chromium)" >&2; exit 1; }

# Node 24 (which code-server needs), code-server and playwright-core, pinned
# by the lockfile. Install scripts run only for what needs them: node's
# (which fetches the binary) and code-server's (which sets up VS Code), the
# latter under Node 24.
cd "$here"
stamp="node_modules/.installed"
if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
  echo "e2e: installing Node 24, code-server and playwright-core"
  npm ci --ignore-scripts --no-audit --no-fund
  npm rebuild node
  PATH="$here/node_modules/.bin:$PATH" npm rebuild code-server argon2
  cp package-lock.json "$stamp"
fi
node24="$here/node_modules/.bin/node"
code_server=("$node24" "$here/node_modules/code-server/out/node/entry.js")

cd "$extension"
[ -f docwright.vsix ] || npm run package

work="$(mktemp -d)"
artifacts="${E2E_ARTIFACTS:-$work/artifacts}"
mkdir -p "$artifacts"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ -z "${E2E_KEEP:-}" ]; then rm -rf "$work"; else echo "e2e: kept $work"; fi
}
trap cleanup EXIT

api_key="e2e-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
"$bin_dir/docwright-mock" --key "$api_key" > "$work/mock.url" &
pids+=($!)
for _ in $(seq 50); do [ -s "$work/mock.url" ] && break; sleep 0.1; done
mock_url="$(head -n1 "$work/mock.url")"

mkdir -p "$work/workspace" "$work/user-data/User" "$work/user-data/Machine" "$work/extensions"
printf 'def area(width, height):\n    return width * height\n\n\ndef scale(factor, values):\n    return [factor * v for v in values]\n\n\ndef volume(width, height, depth):\n    return width * height * depth\n' \
  > "$work/workspace/shapes.py"
printf 'def helper(value):\n    return value\n' > "$work/workspace/other.py"
# User settings: docwright.path is machine-scoped, so it must be here; the
# model is the mock, whose key is set in the test through the command.
cat > "$work/user-data/User/settings.json" <<JSON
{
  "docwright.path": "$bin_dir/docwright",
  "docwright.model.provider": "azure",
  "docwright.model.endpoint": "$mock_url",
  "docwright.model.deployment": "gpt-4o",
  "docwright.cache.backend": "memory",
  "security.workspace.trust.enabled": false,
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "workbench.enableExperiments": false,
  "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false,
  "telemetry.telemetryLevel": "off",
  "update.mode": "none",
  "chat.disableAIFeatures": true
}
JSON
# A remote VS Code reads machine-scoped settings from the machine's file.
cp "$work/user-data/User/settings.json" "$work/user-data/Machine/settings.json"

"${code_server[@]}" --user-data-dir "$work/user-data" --extensions-dir "$work/extensions" \
  --install-extension "$extension/docwright.vsix" > "$work/install.log" 2>&1 \
  || { cat "$work/install.log" >&2; exit 1; }
grep -q "docwright.docwright" <("${code_server[@]}" --extensions-dir "$work/extensions" --list-extensions 2>/dev/null) \
  || { echo "e2e: the .vsix did not install" >&2; cat "$work/install.log" >&2; exit 1; }

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"${code_server[@]}" --auth none --bind-addr "127.0.0.1:$port" --user-data-dir "$work/user-data" \
  --extensions-dir "$work/extensions" --disable-telemetry --disable-update-check --disable-workspace-trust \
  --disable-getting-started-override "$work/workspace" > "$work/code-server.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.2
done

status=0
E2E_URL="http://127.0.0.1:$port" E2E_WORKSPACE="$work/workspace" E2E_USER_DATA="$work/user-data" \
  E2E_API_KEY="$api_key" E2E_ARTIFACTS="$artifacts" E2E_CHROMIUM="$chromium" E2E_DOCWRIGHT="$bin_dir/docwright" \
  "$node24" "$here/test.mjs" || status=$?
if [ "$status" != 0 ]; then
  echo "--- code-server log" >&2; tail -n 60 "$work/code-server.log" >&2
  find "$work/user-data/logs" -name '*docwright*' -exec sh -c 'echo "--- $1"; tail -n 60 "$1"' _ {} \; >&2 || true
  if [ -z "${E2E_ARTIFACTS:-}" ]; then
    mkdir -p "$repo/target/vscode-e2e" && cp -r "$artifacts/." "$repo/target/vscode-e2e/" 2>/dev/null || true
    echo "e2e: screenshot and console log in target/vscode-e2e" >&2
  fi
fi
exit "$status"
