#!/usr/bin/env bash
# The test command (README): the whole suite with the race detector, inside
# a private D-Bus session with a throwaway, unlocked gnome-keyring, so the
# keychain and tray tests run against real services. Where those services
# are missing the tests that need them skip with a message, except under
# CI=true, where a missing service fails the run.
#
# A second, short pass runs the tests built only without -race: the tray
# driving the real gateway over D-Bus (fyne.io/systray has a data race of
# its own that -race would report; see tray/traytest).
set -euo pipefail
cd "$(dirname "$0")/.."
exec bash scripts/keyring-session.sh bash -c '
	set -e
	go test -race -count=1 -timeout 12m ./... "$@"
	go test -count=1 -timeout 5m -run "^TestTrayDrivesGateway$" .
' _ "$@"
