#!/usr/bin/env bash
# Installs the real agent CLIs the e2e tests drive (e2e/: Codex CLI,
# Gemini CLI, Claude Code), at pinned versions, into a project-local,
# git-ignored prefix: .cache/clients (~0.9 GB; Claude Code's native
# binary is ~380 MB of it).
# Idempotent: when the pinned versions are already there it only prints
# where they are. Needs node and npm; without npm it says so and exits 0
# (the e2e tests then skip, or fail under CI=true).
#
#   bash scripts/install-clients.sh        # prints the bin directory
#
# The e2e tests find the binaries in .cache/clients/node_modules/.bin, or
# wherever SWITCHYARD_CLIENTS_BIN points.
set -euo pipefail
cd "$(dirname "$0")/.."

CODEX_VERSION=0.169.0
GEMINI_VERSION=0.61.0
CLAUDE_VERSION=2.1.332
prefix="$PWD/.cache/clients"
bin="$prefix/node_modules/.bin"

if ! command -v npm >/dev/null 2>&1; then
	echo "install-clients: npm not found; the real-client e2e tests will skip (fail under CI=true)" >&2
	exit 0
fi

installed() { # name version
	local pj="$prefix/node_modules/$1/package.json"
	[ -f "$pj" ] && node -e 'process.exit(require(process.argv[1]).version===process.argv[2]?0:1)' "$pj" "$2"
}

if installed @openai/codex "$CODEX_VERSION" && installed @google/gemini-cli "$GEMINI_VERSION" &&
	installed @anthropic-ai/claude-code "$CLAUDE_VERSION" &&
	[ -x "$bin/codex" ] && [ -x "$bin/gemini" ] && [ -x "$bin/claude" ]; then
	echo "install-clients: codex $CODEX_VERSION, gemini $GEMINI_VERSION and claude $CLAUDE_VERSION already in $bin"
	exit 0
fi

mkdir -p "$prefix"
[ -f "$prefix/package.json" ] || echo '{"name":"switchyard-e2e-clients","private":true}' >"$prefix/package.json"
echo "install-clients: installing @openai/codex@$CODEX_VERSION @google/gemini-cli@$GEMINI_VERSION @anthropic-ai/claude-code@$CLAUDE_VERSION into $prefix"
start=$SECONDS
npm install --prefix "$prefix" --no-audit --no-fund --no-update-notifier --loglevel=error \
	--save-exact "@openai/codex@$CODEX_VERSION" "@google/gemini-cli@$GEMINI_VERSION" "@anthropic-ai/claude-code@$CLAUDE_VERSION"
echo "install-clients: done in $((SECONDS - start)) s; binaries in $bin"
