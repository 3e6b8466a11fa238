#!/usr/bin/env bash
# Makes switchyard.icns from the generated application icons.
# Usage: build/macos/make-icns.sh OUT.icns
# Uses iconutil on macOS, or png2icns (Debian package icnsutils) elsewhere.
set -euo pipefail
out=${1:?usage: make-icns.sh OUT.icns}
src="$(cd "$(dirname "$0")/../.." && pwd)/assets/icons/app"

if command -v iconutil >/dev/null 2>&1; then
	set_dir=$(mktemp -d)/switchyard.iconset
	mkdir -p "$set_dir"
	for n in 16 32 128 256 512; do
		cp "$src/switchyard-$n.png" "$set_dir/icon_${n}x${n}.png"
		cp "$src/switchyard-$((n * 2)).png" "$set_dir/icon_${n}x${n}@2x.png"
	done
	iconutil -c icns -o "$out" "$set_dir"
	rm -rf "$(dirname "$set_dir")"
elif command -v png2icns >/dev/null 2>&1; then
	png2icns "$out" "$src"/switchyard-{16,32,48,128,256,512,1024}.png >/dev/null
else
	echo "make-icns.sh: needs iconutil (macOS) or png2icns (apt-get install icnsutils)" >&2
	exit 1
fi
