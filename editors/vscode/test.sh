#!/usr/bin/env bash
# The VS Code extension's tests: the extension's own logic (npm test), the
# packaged .vsix (vsce), and the end-to-end run of that .vsix in a real VS
# Code (e2e/run.sh: code-server driven by Playwright in headless Chromium).
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund
npm run compile
npm test
rm -f docwright.vsix
npm run package
e2e/run.sh
