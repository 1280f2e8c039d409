#!/usr/bin/env bash
# ohm's two entry points, for a fresh Debian 12 machine (run as root):
#
#   bash contrib/quickstart.sh demo   install what is missing, build, run the demo
#   bash contrib/quickstart.sh test   install what is missing, build, run every test
#
# "test" builds twice: a normal build (gcc) and one with AddressSanitizer and
# UndefinedBehaviorSanitizer, and runs the unit and integration suites in
# both; it also compiles everything with clang to keep both compilers clean,
# and checks the release tarball (make distcheck).
# It ends with one line "N passed, M failed" and exits non-zero on failure.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

# Debian packages needed to build and test ohm (valgrind: the RPC parsing
# tests also run under memcheck, which sees reads ASan cannot).
packages="build-essential autoconf automake pkg-config libsodium-dev libsecp256k1-dev
libsqlite3-dev libevent-dev libjansson-dev python3 python3-pytest clang valgrind"

install_missing() {
	local missing=() pkg
	for pkg in $packages; do
		dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' \
			|| missing+=("$pkg")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "quickstart: installing ${missing[*]}"
	if [ "$(id -u)" -ne 0 ]; then
		echo "quickstart: need root to install packages: ${missing[*]}" >&2
		exit 1
	fi
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# build DIR [configure args...]: an out-of-tree build in $top/DIR.
build() {
	local dir=$1
	shift
	[ -x "$top/configure" ] || "$top/autogen.sh" >/dev/null
	mkdir -p "$top/$dir"
	if [ ! -f "$top/$dir/Makefile" ]; then
		(cd "$top/$dir" && "$top/configure" -q "$@")
	fi
	make -C "$top/$dir" -s -j"$(nproc)"
}

case "${1:-}" in
demo)
	install_missing
	build build
	exec "$top/contrib/demo.sh" "$top/build"
	;;
test)
	install_missing
	build build
	build build-asan --enable-sanitizers
	echo "quickstart: compiling with clang (warnings are errors)"
	build build-clang CC=clang
	OHM_DISTCHECK="$top/build" exec "$top/tests/run" "$top/build" "$top/build-asan"
	;;
*)
	echo "usage: $0 demo|test" >&2
	exit 2
	;;
esac
