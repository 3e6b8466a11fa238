#!/usr/bin/env bash
# keyring-session.sh runs a command inside a private D-Bus session bus with a
# fresh, unlocked gnome-keyring as its Secret Service, so that tests can use a
# real keychain on a headless machine or in CI without touching the user's own.
#
#   usage: scripts/keyring-session.sh CMD [ARGS...]
#   e.g.:  bash scripts/keyring-session.sh go test -race -count=1 -run RealSecretService -v ./keystore/...
#
# The keyring lives in a temporary directory (XDG_DATA_HOME and XDG_RUNTIME_DIR
# point into it; HOME is left alone so Go's module and build caches stay put),
# which is removed afterwards. The daemon exits with the bus. The script exits
# with CMD's status.
#
# Needs dbus-run-session (Debian package dbus-daemon) and gnome-keyring-daemon
# (package gnome-keyring). If either is missing it says what to install and,
# when CI=true, exits 1; otherwise it runs CMD without a keyring, and the
# keychain tests skip with a message.
set -euo pipefail

if [ "$#" -eq 0 ]; then
	echo "usage: $0 CMD [ARGS...]" >&2
	exit 2
fi

missing=()
command -v dbus-run-session >/dev/null 2>&1 || missing+=(dbus-daemon)
command -v gnome-keyring-daemon >/dev/null 2>&1 || missing+=(gnome-keyring)
if [ "${#missing[@]}" -gt 0 ]; then
	echo "keyring-session: missing ${missing[*]}; install with:" >&2
	echo "  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
	if [ "${CI:-}" = "true" ]; then
		exit 1
	fi
	echo "keyring-session: running '$1' without a keyring; Secret Service tests will skip" >&2
	exec "$@"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/switchyard-keyring.XXXXXX")
cleanup() { rm -rf "$tmp"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

export XDG_DATA_HOME="$tmp/data"
export XDG_RUNTIME_DIR="$tmp/run"
mkdir -p "$XDG_DATA_HOME"
mkdir -m 700 "$XDG_RUNTIME_DIR"

status=0
# --unlock reads the password on stdin and creates the login keyring if there
# is none. A second daemon would not unlock this one, hence one bus per run.
dbus-run-session -- bash -c '
	if ! echo -n keyring-session | gnome-keyring-daemon --daemonize --unlock --components=secrets >/dev/null; then
		echo "keyring-session: gnome-keyring-daemon did not start" >&2
		exit 1
	fi
	exec "$@"
' _ "$@" || status=$?
exit "$status"
