#!/usr/bin/env bash
# Compiles the Windows resources (icon, manifest, version) into a .syso
# object that go build links into the .exe when it sits in the main
# package's folder (name it rsrc_windows_amd64.syso).
#
# Usage: build/windows/resources.sh OUT.syso [VERSION]
#
# Needs x86_64-w64-mingw32-windres (Debian: apt-get install
# binutils-mingw-w64-x86-64; macOS: brew install mingw-w64) and a C
# preprocessor (cpp). No network access.
set -euo pipefail
out=${1:?usage: resources.sh OUT.syso [VERSION]}
version=${2:-0.0.0}
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"

windres=${WINDRES:-x86_64-w64-mingw32-windres}
command -v "$windres" >/dev/null 2>&1 || {
	echo "resources.sh: $windres not found (apt-get install binutils-mingw-w64-x86-64)" >&2
	exit 1
}

# "v1.2.3-4-gabc" -> 1,2,3,0 (Windows wants four numbers).
nums=$(printf '%s' "$version" | sed -E 's/^v//; s/[^0-9.].*$//')
IFS=. read -r a b c _ <<<"$nums.0.0.0"
commas="${a:-0},${b:-0},${c:-0},0"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$root/assets/icons/app/switchyard.ico" "$here/switchyard.exe.manifest" "$work/"
sed -e "s/@VERSION_COMMAS@/$commas/g" -e "s/@VERSION@/$version/g" "$here/switchyard.rc" >"$work/switchyard.rc"
(cd "$work" && "$windres" --preprocessor=cpp -O coff -o out.syso switchyard.rc)
mv "$work/out.syso" "$out"
