#!/usr/bin/env bash
# make install lays out bin, lib/bindif, man, completions and examples
# under DESTDIR/PREFIX; the installed launcher finds its installed shim;
# make uninstall removes all of it.
set -u
root=$(mktemp -d /tmp/bindif-install.XXXXXX)
trap 'rm -rf "$root"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $1"; }
bad() { fail=$((fail + 1)); echo "not ok - $1"; }
make --no-print-directory -s install DESTDIR="$root" PREFIX=/opt/bdf >/dev/null || bad "make install"
p=$root/opt/bdf
for f in bin/bindif lib/bindif/libbindif.so share/man/man1/bindif.1 \
    share/man/man5/bindif.conf.5 share/bash-completion/completions/bindif \
    share/zsh/site-functions/_bindif share/bindif/examples/everything.conf; do
	if [ -f "$p/$f" ]; then ok "installed $f"; else bad "installed $f"; fi
done
# make sanitize: BINDIF_TEST_PRELOAD, the ASan runtime, must come first.
got=$(env ${BINDIF_TEST_PRELOAD:+LD_PRELOAD=$BINDIF_TEST_PRELOAD} \
    "$p/bin/bindif" -i lo -- sh -c 'echo "$LD_PRELOAD"' 2>&1)
want=${BINDIF_TEST_PRELOAD:+$BINDIF_TEST_PRELOAD:}$p/bin/../lib/bindif/libbindif.so
if [ "$got" = "$want" ]; then ok "the installed launcher preloads the installed shim"
else bad "the installed launcher preloads the installed shim (got '$got')"; fi
if man -l "$p/share/man/man1/bindif.1" >/dev/null 2>&1; then ok "man -l renders bindif.1"
else bad "man -l renders bindif.1"; fi
make --no-print-directory -s uninstall DESTDIR="$root" PREFIX=/opt/bdf >/dev/null 2>&1
left=$(find "$root" -type f | sed "s|$root||")
if [ -z "$left" ]; then ok "make uninstall removes every file"
else bad "make uninstall left: $left"; fi
echo "install: $pass passed, $fail failed"
[ "$fail" = 0 ]
