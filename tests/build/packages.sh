#!/usr/bin/env bash
# packages.sh - the Debian package (make deb: lintian-clean, then installed
# into a scratch root with dpkg --root and run from there) and the
# Homebrew formula (make formula: Ruby syntax, then its install and test
# blocks run on this machine through brew_stub.rb). The machine's own
# root and package database are never touched.
set -u
cd "$(dirname "$0")/../.."
B=${B:-build}
work=$(mktemp -d /tmp/bindif-pkg.XXXXXX)
trap 'rm -rf "$work"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $1"; }
bad() { fail=$((fail + 1)); echo "not ok - $1"; }
done_() { echo "packages: $pass passed, $fail failed"; [ "$fail" = 0 ]; exit; }

if make --no-print-directory -s deb >"$work/deb.log" 2>&1; then
	ok "make deb builds a package lintian finds no error in"
else
	bad "make deb"; tail -n 20 "$work/deb.log" | sed 's/^/#   /'
	done_
fi
deb=$(ls "$B"/deb/bindif_*_*.deb)
root=$work/root
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates"
: >"$root/var/lib/dpkg/status"
# --force-depends: the scratch root has no C library package; the
# machine's own libraries are what the installed programs load.
if dpkg --root="$root" --force-depends -i "$deb" >"$work/dpkg.log" 2>&1
then ok "dpkg --root installs it into a scratch root"
else bad "dpkg --root -i"; sed 's/^/#   /' "$work/dpkg.log"; fi
deps=$(dpkg-deb -f "$deb" Depends)
case $deps in
*libconfig9*libc-ares2*) ok "it depends on what the shim opens: $deps" ;;
*) bad "Depends names libconfig9 and libc-ares2: $deps" ;;
esac
ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
for f in usr/bin/bindif "usr/lib/$ma/bindif/libbindif.so" \
    usr/share/man/man1/bindif.1.gz usr/share/man/man5/bindif.conf.5.gz \
    usr/share/bash-completion/completions/bindif \
    usr/share/zsh/vendor-completions/_bindif \
    usr/share/doc/bindif/examples/everything.conf; do
	[ -f "$root/$f" ] && ok "installed /$f" || bad "installed /$f"
done
want="bindif $(sed -n 's/^VERSION = //p' Makefile)"
got=$("$root/usr/bin/bindif" --version 2>&1)
[ "$got" = "$want" ] && ok "installed bindif --version: $got" ||
	bad "installed bindif --version: '$got', not '$want'"
ex=$root/usr/share/doc/bindif/examples/everything.conf
got=$("$root/usr/bin/bindif" --check -c "$ex" 2>&1)
[ "$got" = "$ex: ok" ] && ok "installed bindif --check on an installed example" ||
	bad "installed bindif --check: '$got'"
got=$("$root/usr/bin/bindif" -i lo -- sh -c 'echo "$LD_PRELOAD"' 2>&1)
[ "$got" = "$root/usr/bin/../lib/$ma/bindif/libbindif.so" ] &&
	ok "the installed launcher preloads the installed shim" ||
	bad "the installed launcher preloads the installed shim (got '$got')"

if make --no-print-directory -s formula >"$work/formula.log" 2>&1 &&
    ruby -c "$B/bindif.rb" >/dev/null 2>&1; then
	ok "make formula writes a formula Ruby parses"
else
	bad "make formula"; sed 's/^/#   /' "$work/formula.log"; done_
fi
if MAKEFLAGS=-j2 ruby tests/build/brew_stub.rb "$B/bindif.rb" \
    "$work/brew-prefix" >"$work/brew.log" 2>&1; then
	ok "the formula's install and test blocks pass"
else
	bad "the formula's install and test blocks"
fi
grep -E '^(not )?ok - formula' "$work/brew.log" | sed 's/^/#   /'
done_
