#!/usr/bin/env bash
# Installs Switchyard for the current user (no root needed):
#   binary   -> ~/.local/bin/switchyard
#   icons    -> ~/.local/share/icons/hicolor/NxN/apps/switchyard.png
#   launcher -> ~/.local/share/applications/switchyard.desktop
#
# Usage: install.sh [BINARY]      install (BINARY defaults to ./switchyard
#                                 next to this script, as in the release
#                                 archive, or the repo's dist/ build)
#        install.sh --uninstall   remove all of the above (and the
#                                 "Start at login" entry)
#
# BIN_DIR and XDG_DATA_HOME override the destinations.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
bin_dir=${BIN_DIR:-$HOME/.local/bin}
data=${XDG_DATA_HOME:-$HOME/.local/share}
config=${XDG_CONFIG_HOME:-$HOME/.config}
sizes="16 24 32 48 64 128 256 512"

refresh_caches() {
	command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$data/applications" || true
	command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t "$data/icons/hicolor" || true
}

if [ "${1:-}" = "--uninstall" ]; then
	rm -f "$bin_dir/switchyard" "$data/applications/switchyard.desktop" "$config/autostart/switchyard.desktop"
	for n in $sizes; do rm -f "$data/icons/hicolor/${n}x${n}/apps/switchyard.png"; done
	refresh_caches
	echo "Switchyard removed (its config and keychain entries are kept)."
	exit 0
fi

# The binary: an argument, the one beside this script, or the repo's build.
case "$(uname -m)" in
x86_64 | amd64) arch=amd64 ;;
aarch64 | arm64) arch=arm64 ;;
*) arch=$(uname -m) ;;
esac
bin=${1:-}
if [ -z "$bin" ]; then
	for c in "$here/switchyard" "$here/../../dist/switchyard-linux-$arch"; do
		if [ -f "$c" ]; then
			bin=$c
			break
		fi
	done
fi
if [ -z "$bin" ] || [ ! -f "$bin" ]; then
	echo "install.sh: no switchyard binary found; pass its path, or run build/release.sh first" >&2
	exit 1
fi

# The icons: beside this script (release archive) or in the repo.
icons=""
for c in "$here/icons" "$here/../../assets/icons/app"; do
	if [ -f "$c/switchyard-64.png" ]; then
		icons=$c
		break
	fi
done
if [ -z "$icons" ]; then
	echo "install.sh: icons not found next to the script or in assets/icons/app" >&2
	exit 1
fi
desktop="$here/switchyard.desktop"
[ -f "$desktop" ] || {
	echo "install.sh: $desktop not found" >&2
	exit 1
}

install -D -m 0755 "$bin" "$bin_dir/switchyard"
for n in $sizes; do
	install -D -m 0644 "$icons/switchyard-$n.png" "$data/icons/hicolor/${n}x${n}/apps/switchyard.png"
done
# Exec by absolute path, so the launcher works even where ~/.local/bin is
# not on the desktop session's PATH.
mkdir -p "$data/applications"
sed "s|^Exec=.*|Exec=$bin_dir/switchyard|" "$desktop" >"$data/applications/switchyard.desktop"
chmod 0644 "$data/applications/switchyard.desktop"
refresh_caches

echo "Installed $bin_dir/switchyard and the Switchyard launcher."
case ":$PATH:" in
*":$bin_dir:"*) ;;
*) echo "Note: $bin_dir is not on your PATH; add it to use 'switchyard serve' and 'switchyard keys' from a shell." ;;
esac
echo "Start it from your application menu, or run: switchyard"
