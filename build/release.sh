#!/usr/bin/env bash
# Builds Switchyard's release files into dist/:
#
#   switchyard-linux-amd64, switchyard-linux-arm64     static (CGO_ENABLED=0)
#   switchyard-VERSION-linux-ARCH.tar.gz               binary + install.sh + launcher + icons
#   switchyard-windows-amd64.exe                       no console window; icon, manifest and
#                                                      version resources when windres is found
#   switchyard-darwin-amd64, -arm64, Switchyard.app    only on macOS (the tray needs cgo + Cocoa)
#   Switchyard-VERSION-macos.zip
#   SHA256SUMS
#
# Usage: build/release.sh            (from anywhere; VERSION, COMMIT, DIST override)
#
# Debian packages it can use: binutils-mingw-w64-x86-64 (Windows resources),
# icnsutils (an .icns on Linux; macOS uses iconutil).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

VERSION=${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}
COMMIT=${COMMIT:-$(git rev-parse --short HEAD 2>/dev/null || echo unknown)}
DIST=${DIST:-dist}
LDFLAGS="-s -w -X main.version=$VERSION -X main.commit=$COMMIT"

mkdir -p "$DIST"
echo "Switchyard $VERSION ($COMMIT) -> $DIST/"

# build GOOS GOARCH CGO OUT [extra ldflags]: builds the module root (package main).
build() {
	local goos=$1 goarch=$2 cgo=$3 out=$4 extra=${5:-}
	echo "  $out"
	GOOS=$goos GOARCH=$goarch CGO_ENABLED=$cgo \
		go build -trimpath -ldflags "$LDFLAGS $extra" -o "$DIST/$out" .
}

# --- Linux -------------------------------------------------------------------
for arch in amd64 arm64; do
	build linux "$arch" 0 "switchyard-linux-$arch"
	stage=$(mktemp -d)
	pkg="$stage/switchyard-$VERSION-linux-$arch"
	mkdir -p "$pkg/icons"
	cp "$DIST/switchyard-linux-$arch" "$pkg/switchyard"
	cp build/linux/install.sh build/linux/switchyard.desktop "$pkg/"
	cp assets/icons/app/switchyard-*.png "$pkg/icons/"
	tar -C "$stage" -czf "$DIST/switchyard-$VERSION-linux-$arch.tar.gz" "$(basename "$pkg")"
	rm -rf "$stage"
done

# --- Windows -----------------------------------------------------------------
# The resource object must sit in the main package's folder while linking;
# it is generated there and removed right after.
syso="$root/rsrc_windows_amd64.syso"
if [ -e "$syso" ]; then
	echo "release.sh: $syso already exists; not touching it" >&2
	exit 1
fi
trap 'rm -f "$syso"' EXIT
if build/windows/resources.sh "$syso" "$VERSION"; then
	echo "  (with icon, manifest and version resources)"
else
	echo "  (without icon/manifest resources: install binutils-mingw-w64-x86-64 for them)"
fi
build windows amd64 0 switchyard-windows-amd64.exe "-H=windowsgui"
rm -f "$syso"
trap - EXIT

# --- macOS -------------------------------------------------------------------
if [ "$(uname -s)" = Darwin ]; then
	build darwin amd64 1 switchyard-darwin-amd64
	build darwin arm64 1 switchyard-darwin-arm64

	app="$DIST/Switchyard.app"
	echo "  Switchyard.app"
	rm -rf "$app"
	mkdir -p "$app/Contents/MacOS" "$app/Contents/Resources"
	lipo -create -output "$app/Contents/MacOS/switchyard" \
		"$DIST/switchyard-darwin-amd64" "$DIST/switchyard-darwin-arm64"
	plist_version=$(printf '%s' "$VERSION" | sed -E 's/^v//; s/[^0-9.].*$//')
	sed "s/__VERSION__/${plist_version:-0.0.0}/g" build/macos/Info.plist >"$app/Contents/Info.plist"
	build/macos/make-icns.sh "$app/Contents/Resources/switchyard.icns"
	# Ad-hoc signature: enough to run locally; a Developer ID signature and
	# notarization are needed to hand it to others without Gatekeeper warnings.
	codesign --force --deep --sign - "$app"
	ditto -c -k --keepParent "$app" "$DIST/Switchyard-$VERSION-macos.zip"
else
	echo "  skipping macOS: it needs a Mac (cgo with the macOS SDK)"
fi

# --- checksums ---------------------------------------------------------------
(
	cd "$DIST"
	files=$(find . -maxdepth 1 -type f ! -name SHA256SUMS | sed 's|^\./||' | sort)
	if command -v sha256sum >/dev/null 2>&1; then
		sha256sum $files >SHA256SUMS
	else
		shasum -a 256 $files >SHA256SUMS
	fi
)
echo "done: $DIST/"
