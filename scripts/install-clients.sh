#!/usr/bin/env bash
# Installs the real agent CLIs the tests drive through the gateway, at
# pinned versions, into .cache/clients (git-ignored). Idempotent: quick
# when they are already there. Needs node and npm (Node.js 20+).
set -euo pipefail
cd "$(dirname "$0")/.."
CODEX_VERSION=0.169.0
dir=.cache/clients
want="@openai/codex@$CODEX_VERSION"
have=$( [ -x "$dir/node_modules/.bin/codex" ] && "$dir/node_modules/.bin/codex" --version 2>/dev/null || true)
if [ "$have" != "codex-cli $CODEX_VERSION" ]; then
	mkdir -p "$dir"
	npm install --prefix "$dir" --no-audit --no-fund --loglevel=error "$want" >/dev/null
fi
echo "clients: $("$dir/node_modules/.bin/codex" --version) in $dir"
