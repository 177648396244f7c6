#!/bin/bash
# test_rules.sh - rules files on real traffic: per-app files take
# precedence (their interface = and exclude over the general files') and a
# child picks its own program's rules; rules bind, pass
# and reject; exclude passes; the default places are read; bad files stop
# everything with file:line and 125 before the command runs.

. "$(dirname "$0")/lib.sh"

RULES=""

conf() {
	printf '%s\n' "$2" >"$RULES/$1"
	chmod 644 "$RULES/$1"
}

per_app() {
	mkdir -p "$RULES/dir"
	chmod 755 "$RULES/dir"
	conf dir/10-curl.conf 'program = "curl";
interface = "phy0";'
	conf dir/20-general.conf 'rules = (
  { dst = "198.51.100.10"; port = 9; proto = "udp"; interface = "phy0"; }
);'
	tun_mark
	run app_bindif -c "$RULES/dir" -- "${CURL[@]}" "$URL4"
	expect_reply "per-app file: curl leaves by phy0" "peer=$APP4"
	expect_tun_quiet "per-app file: nothing of curl in the tun"

	run app_bindif_nobody -c "$RULES/dir" -- "${CURL[@]}" "$URL6"
	expect_reply "per-app file as nobody: curl -6 leaves by phy0" "peer=$APP6"

	tun_mark
	run app_bindif -c "$RULES/dir" -- "$PY" "$CLIENT" http $SRV4
	expect_failed "general file: python's TCP 80 has no rule, goes to the tunnel"
	expect_tun "  and the tun saw its SYN" " tcp [^ ]+ 198\.51\.100\.10 80 syn"

	tun_mark
	run app_bindif -c "$RULES/dir" -- "$PY" "$CLIENT" udp-sendto $SRV4
	expect_reply "general file: python's UDP 9 rule binds it to phy0" "peer=$APP4"
	expect_tun_quiet "  and nothing of it in the tun"

	# sh gets the general file, the curl it starts gets curl's.
	tun_mark
	run app_bindif -c "$RULES/dir" -- sh -c "curl -s -m 3 --noproxy '*' $URL4"
	expect_reply "a child picks its own program's rules (sh -> curl)" "peer=$APP4"
	expect_tun_quiet "  and nothing of it in the tun"
}

# A per-app file's steps come before every general file's: its interface =
# wins over a general exclude list, its exclude list over a general
# interface =. Both setups as nobody, the launcher's cache as root.
per_app_order() {
	local v=$RULES/vpn n=$RULES/nic
	mkdir -p "$v" "$n"
	chmod 755 "$v" "$n"
	conf vpn/50-vpn.conf 'exclude = ["0.0.0.0/0", "::/0"];'
	conf vpn/10-curl.conf 'program = "curl";
interface = "phy0";'
	conf nic/50-nic.conf 'interface = "phy0";'
	conf nic/10-python.conf 'program = ["python3", "python"];
exclude = ["0.0.0.0/0", "::/0"];'

	tun_mark
	run app_nobody timeout 10 "${CURL[@]}" "$URL4"
	expect_failed "control: curl without bindif goes to the tunnel"
	expect_tun "  and the tun saw its SYN" " tcp [^ ]+ 198\.51\.100\.10 80 syn"

	# Everything in the VPN but curl.
	tun_mark
	run app_bindif_nobody -v -c "$v" -- "${CURL[@]}" "$URL4"
	expect_reply "VPN but curl, as nobody: curl leaves by phy0" "peer=$APP4"
	expect_tun_quiet "  and nothing of curl in the tun"
	expect_contains "  -v names curl's interface = line" \
		"-> phy0 ($v/10-curl.conf:2)" "$ERR"
	tun_mark
	run app_bindif_nobody -c "$v" -- "$PY" "$CLIENT" http $SRV4
	expect_failed "VPN but curl, as nobody: python stays in the tunnel"
	expect_tun "  and the tun saw python's SYN" " tcp [^ ]+ 198\.51\.100\.10 80 syn"
	# -i renames curl's interface =; python has no per-app file, so the
	# general exclude list still comes before -i.
	tun_mark
	run app_bindif_nobody -i phy0 -c "$v" -- "${CURL[@]}" "$URL6"
	expect_reply "  with -i phy0: curl -6 leaves by phy0" "peer=$APP6"
	run app_bindif_nobody -i phy0 -c "$v" -- "$PY" "$CLIENT" http $SRV4
	expect_failed "  with -i phy0: python still in the tunnel"
	expect_tun "  and the tun saw its SYN" " tcp [^ ]+ 198\.51\.100\.10 80 syn"
	run app_bindif -c "$v" --explain $SRV4:80 --program curl
	expect_eq "--explain --program curl: curl's interface = decides" \
		"$SRV4:80/tcp -> phy0 ($v/10-curl.conf:2)" "$OUT"
	run app_bindif -c "$v" --explain $SRV4:80 --program python3
	expect_eq "--explain --program python3: the general exclude list" \
		"$SRV4:80/tcp -> pass ($v/50-vpn.conf:1)" "$OUT"

	# Everything out of phy0 but python.
	tun_mark
	run app_bindif_nobody -c "$n" -- "${CURL[@]}" "$URL4"
	expect_reply "phy0 but python, as nobody: curl leaves by phy0" "peer=$APP4"
	expect_tun_quiet "  and nothing of curl in the tun"
	tun_mark
	run app_bindif_nobody -v -c "$n" -- "$PY" "$CLIENT" http $SRV4
	expect_failed "phy0 but python, as nobody: python stays in the tunnel"
	expect_tun "  and the tun saw python's SYN" " tcp [^ ]+ 198\.51\.100\.10 80 syn"
	expect_contains "  -v names python's exclude line" \
		"-> pass ($n/10-python.conf:2)" "$ERR"

	# The compiled order, cached: the second run is served from the
	# cache and decides the same.
	run app_bindif -c "$v" -- true
	tun_mark
	run app_bindif -v -c "$v" -- "${CURL[@]}" "$URL4"
	expect_contains "VPN but curl from the cache" "rules from the cache" "$ERR"
	expect_reply "  curl still leaves by phy0" "peer=$APP4"
	expect_tun_quiet "  and nothing of it in the tun"
}

exclude_and_reject() {
	conf excl.conf 'interface = "phy0";
exclude = ["198.51.100.10/32"];'
	tun_mark
	run app_bindif -c "$RULES/excl.conf" -- "${CURL[@]}" "$URL4"
	expect_failed "exclude: the excluded server is left to the tunnel"
	expect_tun "  and the tun saw the SYN" " tcp [^ ]+ 198\.51\.100\.10 80 syn"
	run app_bindif -c "$RULES/excl.conf" -- "${CURL[@]}" "$URL6"
	expect_reply "exclude: the rest still leaves by phy0" "peer=$APP6"

	conf reject.conf 'interface = "phy0";
rules = (
  { dst = "198.51.100.10"; port = 80; proto = "tcp"; action = "reject"; errno = "EACCES"; }
);'
	tun_mark
	run app_bindif -c "$RULES/reject.conf" -- "$PY" "$CLIENT" http $SRV4
	expect_eq "reject: connect fails with the rule's errno" \
		"error: [Errno 13] Permission denied" "$OUT"
	expect_tun_quiet "  and nothing of it in the tun"
	run app_bindif -c "$RULES/reject.conf" -- "$PY" "$CLIENT" udp-sendto $SRV4
	expect_reply "reject: other traffic to the server is not touched" "peer=$APP4"
}

default_places() {
	mkdir -p "$RULES/xdg/bindif"
	conf xdg/bindif/a.conf 'interface = "phy0";'
	run in_app env XDG_CONFIG_HOME="$RULES/xdg" timeout 10 "$BINDIF" -- \
		"${CURL[@]}" "$URL4"
	expect_reply "no -c and no -i: \$XDG_CONFIG_HOME/bindif/ is read" "peer=$APP4"
	run in_app env XDG_CONFIG_HOME="$RULES/none" HOME="$RULES/none" \
		timeout 10 "$BINDIF" -- true
	if [ -e /etc/bindif ]; then
		note "skipped: /etc/bindif exists on this machine"
	else
		expect_eq "no rules anywhere and no -i: 125" 125 "$RC"
		expect_contains "  and says where it looked" "/etc/bindif" "$ERR"
	fi
}

bad_files() {
	local marker=$LAB_TMP/ran
	conf typo.conf 'interface = "phy0";
rulez = ();'
	expect_exit "typo in a key: 125" 125 \
		app_bindif -c "$RULES/typo.conf" -- touch "$marker"
	expect_eq "  one line, file:line, with the fix" \
		"bindif: $RULES/typo.conf:2: unknown setting 'rulez' (did you mean 'rules'?)" "$ERR"
	expect_eq "  and the command did not run" "no" "$([ -e "$marker" ] && echo yes || echo no)"

	conf badcidr.conf 'rules = ( { dst = "198.51.100.1/24"; interface = "phy0"; } );'
	expect_exit "host bits in a CIDR: 125" 125 \
		app_bindif -c "$RULES/badcidr.conf" -- touch "$marker"
	expect_contains "  names file:line and the fix" \
		"badcidr.conf:1: dst: '198.51.100.1/24' has host bits set (did you mean '198.51.100.0/24'?)" "$ERR"

	conf badport.conf 'interface = "phy0";
rules = (
  { dst = "198.51.100.0/24"; port = [443, "8000-8100"]; }
);'
	expect_exit "mixed-type port array: 125" 125 \
		app_bindif -c "$RULES/badport.conf" -- touch "$marker"
	expect_contains "  says to use a list" "badport.conf:3:" "$ERR"
	expect_contains "  with the hint" "list ( )" "$ERR"

	conf noif.conf 'interface = "nosuch0";'
	expect_exit "unknown interface in a file: 125" 125 \
		app_bindif -c "$RULES/noif.conf" -- touch "$marker"
	expect_contains "  names file:line and the interface" \
		"noif.conf:1: interface 'nosuch0' does not exist" "$ERR"

	conf two.conf 'interface = "phy0";
exclude = ["10.0.0.1/8"];
rules = ( { port = 0; } );'
	expect_exit "two problems: 125" 125 \
		app_bindif -c "$RULES/two.conf" -- touch "$marker"
	expect_eq "  both reported, one line each" 2 \
		"$(printf '%s\n' "$ERR" | grep -c "two.conf:")"
	expect_eq "  and nothing ran" "no" "$([ -e "$marker" ] && echo yes || echo no)"
}

# The compiled rules reach the shim without a parse (BINDIF_POLICY), per
# program; the launcher's cache serves a second run and notices changes.
handoff_and_cache() {
	local d=$RULES/dir cache=$XDG_CACHE_HOME/bindif
	rm -rf "$cache"
	# Like git running ssh: each process picks its own per-app file
	# from the bundle, and neither parses: the command moves the files
	# away first, so a parse would fail closed (ENETUNREACH).
	mkdir -p "$RULES/apps"
	chmod 755 "$RULES/apps"
	conf apps/10-ssh.conf 'program = "ssh";
rules = ( { dst = "198.51.100.10"; port = 80; proto = "tcp"; interface = "phy0"; } );'
	conf apps/50-general.conf 'rules = (
  { dst = "198.51.100.10"; port = 80; proto = "tcp"; action = "reject"; errno = "EACCES"; }
);'
	ln -sf "$PY" "$LAB_PUB/ssh"
	tun_mark
	run app_bindif -v -c "$RULES/apps" -- "$PY" -c "
import os, socket, subprocess, sys
os.rename('$RULES/apps', '$RULES/apps.away')
s = socket.socket()
s.settimeout(3)
try:
    s.connect(('198.51.100.10', 80)); print('python: connected')
except OSError as e:
    print('python:', e)
sys.stdout.flush()
os.execv('$LAB_PUB/ssh', ['ssh', '$CLIENT', 'http', '$SRV4'])
"
	mv "$RULES/apps.away" "$RULES/apps"
	expect_contains "python gets the general file: rejected" \
		"python: [Errno 13] Permission denied" "$OUT"
	expect_contains "  and the ssh it becomes gets ssh's file: bound" \
		"peer=$APP4" "$OUT"
	expect_tun_quiet "  and nothing of either in the tun"
	expect_not_contains "  neither parsed the files (BINDIF_POLICY used)" \
		"network connections will fail" "$ERR"
	expect_eq "  and the launcher wrote its cache, mode 0600" "600" \
		"$(stat -c %a "$cache"/rules-* 2>/dev/null)"

	# The move changed the directory's ctime: one run caches it again.
	run app_bindif -c "$RULES/apps" -- true
	run app_bindif -v -c "$RULES/apps" -- "$PY" "$CLIENT" http $SRV4
	expect_contains "a second run: rules from the cache" \
		"rules from the cache" "$ERR"
	expect_eq "  and the same verdict" "error: [Errno 13] Permission denied" "$OUT"

	# A program that closes every descriptor loses the bundle, not its
	# rules: the shim parses BINDIF_RULES.
	run app_bindif -v -c "$RULES/apps" -- "$PY" -c "
import os
os.closerange(3, 1024)
os.execv('$PY', ['python3', '$CLIENT', 'http', '$SRV4'])
"
	expect_eq "descriptor closed: the files are parsed, same verdict" \
		"error: [Errno 13] Permission denied" "$OUT"
	expect_contains "  and -v says why" "BINDIF_POLICY not used" "$ERR"

	# An edit is seen at once.
	conf apps/50-general.conf 'rules = (
  { dst = "198.51.100.10"; port = 80; proto = "tcp"; interface = "phy0"; }
);'
	run app_bindif -v -c "$RULES/apps" -- "$PY" "$CLIENT" http $SRV4
	expect_not_contains "an edited file: not from the cache" \
		"rules from the cache" "$ERR"
	expect_reply "  and its new rule applies" "peer=$APP4"
	# Handed compiled rules, a program never opens libconfig; one
	# that must parse them opens it then.
	run app_bindif -c "$RULES/apps" -- "$PY" -c "$MAPS_AFTER_CONNECT"
	expect_contains "handed the rules: connected by phy0" "peer=$APP4" "$OUT"
	expect_not_contains "  without libconfig in the process" \
		"$(shim_lib libconfig)" "$OUT"
	run app_bindif -c "$RULES/apps" -- "$PY" -c "
import os, sys
os.closerange(3, 1024)
os.execv('$PY', ['python3', '-c', sys.argv[1]])" "$MAPS_AFTER_CONNECT"
	expect_contains "parsing them: connected by phy0" "peer=$APP4" "$OUT"
	expect_contains "  with libconfig opened" "$(shim_lib libconfig)" "$OUT"

	# A cached interface that has gone: still refused with file:line.
	ip -n "$NS_APP" link add gone0 type veth peer name gone1
	ip -n "$NS_APP" addr add 203.0.113.77/32 dev gone0
	ip -n "$NS_APP" link set gone1 up
	ip -n "$NS_APP" link set gone0 up
	conf gone.conf 'interface = "gone0";'
	run app_bindif -c "$RULES/gone.conf" -- true
	expect_eq "an interface that exists: runs" 0 "$RC"
	ip -n "$NS_APP" link del gone0
	expect_exit "  cached, then deleted: 125" 125 \
		app_bindif -v -c "$RULES/gone.conf" -- true
	expect_contains "  from the cache" "rules from the cache" "$ERR"
	expect_contains "  with file:line" "gone.conf:1: interface 'gone0' does not exist" "$ERR"

	# A damaged cache is ignored.
	for f in "$cache"/rules-*; do printf 'garbage' | dd of="$f" bs=1 seek=100 conv=notrunc 2>/dev/null; done
	run app_bindif -v -c "$RULES/apps" -- "$PY" "$CLIENT" http $SRV4
	expect_reply "a damaged cache: parsed again, right verdict" "peer=$APP4"
	expect_not_contains "  not from the cache" "rules from the cache" "$ERR"
}

# --explain and --check on the same files the tests above ran.
diagnostics() {
	local d=$RULES/dir
	run app_bindif -c "$d" --explain 198.51.100.10:80 --program curl
	expect_eq "--explain --program curl: its per-app default" \
		"198.51.100.10:80/tcp -> phy0 ($d/10-curl.conf:2)" "$OUT"
	run app_bindif -c "$d" --explain 198.51.100.10:80
	expect_eq "--explain without --program: the general file, no rule" \
		"198.51.100.10:80/tcp -> pass (no rule)" "$OUT"
	run app_bindif -c "$d" --explain 198.51.100.10:9/udp
	expect_eq "--explain: the rule's file:line" \
		"198.51.100.10:9/udp -> phy0 ($d/20-general.conf:2)" "$OUT"
	run app_bindif -c "$RULES/excl.conf" --explain "[2001:db8:2::10]:443"
	expect_eq "--explain: the default interface's line" \
		"[2001:db8:2::10]:443/tcp -> phy0 ($RULES/excl.conf:1)" "$OUT"
	run app_bindif -c "$RULES/excl.conf" --explain 198.51.100.10
	expect_eq "--explain: the exclusion's line" \
		"198.51.100.10/tcp -> pass ($RULES/excl.conf:2)" "$OUT"
	run app_bindif -c "$RULES/reject.conf" --explain 198.51.100.10:80
	expect_eq "--explain: a reject rule" \
		"198.51.100.10:80/tcp -> reject ($RULES/reject.conf:3)" "$OUT"
	run app_bindif -i phy0 --explain 127.0.0.1:631/udp
	expect_eq "--explain: loopback" "127.0.0.1:631/udp -> pass (loopback)" "$OUT"
	run app_bindif -i phy0 --explain $APP4:22
	expect_eq "--explain: the host's own address" \
		"$APP4:22/tcp -> pass (host address)" "$OUT"
	run app_bindif -i phy0 --explain 198.51.100.10:443
	expect_eq "--explain: -i alone is the default" \
		"198.51.100.10:443/tcp -> phy0 (default)" "$OUT"
	expect_exit "--explain a name: 125" 125 app_bindif -i phy0 --explain example.com

	conf auto.conf 'interface = "auto";'
	tun_mark
	run app_bindif -c "$RULES/auto.conf" -- "${CURL[@]}" "$URL4"
	expect_reply "interface = \"auto\" in a file: the uplink, phy0" "peer=$APP4"
	expect_tun_quiet "  and nothing of it in the tun"
	run app_bindif -c "$RULES/auto.conf" --explain 198.51.100.10:80
	expect_eq "--explain names what auto stands for" \
		"198.51.100.10:80/tcp -> phy0 ($RULES/auto.conf:1)" "$OUT"
	run in_app env BINDIF_RULES="$RULES/auto.conf" LD_PRELOAD="$SHIM" \
		timeout 10 "${CURL[@]}" "$URL4"
	expect_failed "auto without the launcher fails closed"
	expect_contains "  and says why" "known only through the bindif launcher" "$ERR"

	run app_bindif -c "$d" --check
	expect_eq "--check: a good directory is ok (exit 0)" "0 $d: ok" "$RC $OUT"
	expect_exit "--check: a bad file exits 125" 125 \
		app_bindif -c "$RULES/two.conf" --check
	expect_eq "  with every problem" 2 "$(printf '%s\n' "$ERR" | grep -c "two.conf:")"
	expect_exit "--check with a command: 125" 125 app_bindif -c "$d" --check true
}

lab_up split
RULES=$LAB_PUB/rules   # removed with the lab; nobody can read it
mkdir -p "$RULES"
chmod 755 "$RULES"
per_app
per_app_order
exclude_and_reject
default_places
bad_files
handoff_and_cache
diagnostics
lab_down
summary
