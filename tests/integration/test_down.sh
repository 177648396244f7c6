#!/bin/bash
# test_down.sh - fail closed: when phy0 is down, missing or replaced, the
# command's connections fail; nothing ever slips into the tun instead.
# The split capture keeps 0/1 and 128/1 on tun0 whatever phy0 does, so a
# connection that lost its binding would show up in the tun log.

. "$(dirname "$0")/lib.sh"

STYLE=${DOWN_STYLE:-split}

# 1. The launcher checks the interface before anything runs.
launcher_refuses_down() {
	local marker=$LAB_TMP/marker
	ip -n "$NS_APP" link set phy0 down
	expect_exit "launcher: phy0 down -> exit 125" 125 \
		app_bindif -i phy0 -- touch "$marker"
	expect_eq "launcher: one line on stderr" 1 "$(printf '%s\n' "$ERR" | grep -c .)"
	expect_contains "launcher: the line names phy0" "phy0" "$ERR"
	expect_eq "launcher: the command did not run" "absent" \
		"$([ -e "$marker" ] && echo present || echo absent)"
	lab_phy_reset
}

# 1b. ... and that it has an address to leave by: IPv4 (whatever the
# address's label) or global IPv6; a link-local one alone, or addresses
# of other interfaces only, are refused.
launcher_checks_addresses() {
	local marker=$LAB_TMP/marker
	ran() { [ -e "$marker" ] && echo present || echo absent; rm -f "$marker"; }
	ip -n "$NS_APP" link add chk0 type veth peer name chk1
	ip -n "$NS_APP" link set chk1 up
	ip -n "$NS_APP" link set chk0 up
	ip -n "$NS_APP" addr add fe80::5/64 dev chk0 nodad
	rm -f "$marker"
	expect_exit "launcher: link-local address only -> exit 125" 125 \
		app_bindif -i chk0 -- touch "$marker"
	expect_eq "launcher: one line naming the lack" \
		"bindif: interface 'chk0' has no IPv4 or global IPv6 address" "$ERR"
	expect_eq "launcher: link-local only, the command did not run" absent "$(ran)"
	ip -n "$NS_APP" addr add 203.0.113.5/24 dev chk0 label chk0:a
	expect_exit "launcher: an IPv4 address labelled chk0:a counts" 0 \
		app_bindif -i chk0 -- touch "$marker"
	expect_eq "launcher: labelled IPv4, the command ran" present "$(ran)"
	ip -n "$NS_APP" addr flush dev chk0
	ip -n "$NS_APP" addr add 2001:db8:9::5/64 dev chk0 nodad
	expect_exit "launcher: a global IPv6 address alone counts" 0 \
		app_bindif -i chk0 -- touch "$marker"
	expect_eq "launcher: global IPv6, the command ran" present "$(ran)"
	ip -n "$NS_APP" addr flush dev chk0
	expect_exit "launcher: no address of its own (phy0 has some) -> exit 125" \
		125 app_bindif -i chk0 -- touch "$marker"
	expect_contains "launcher: no address, the line names chk0" \
		"interface 'chk0' has no IPv4" "$ERR"
	expect_eq "launcher: no address, the command did not run" absent "$(ran)"
	ip -n "$NS_APP" link del chk0
}

# The command starts while phy0 is fine (the launcher's check passes),
# waits for GO, then curls. Meanwhile CHANGE runs. Sets RC/OUT/ERR.
# usage: during_run URL CHANGE...
during_run() {
	local url=$1 go=$LAB_TMP/go started=$LAB_TMP/started pid i
	shift
	rm -f "$go" "$started"
	# Bounded wait inside: 100 x 0.1 s.
	in_app timeout 20 "$BINDIF" -i phy0 -- sh -c '
		: >"$1"; i=0
		while [ ! -e "$2" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
		curl -s -m 3 --noproxy "*" "$3"' sh "$started" "$go" "$url" \
		>"$LAB_TMP/run.out" 2>"$LAB_TMP/run.err" &
	pid=$!
	for i in $(seq 1 50); do
		[ -e "$started" ] && break
		sleep 0.1
	done
	"$@"
	: >"$go"
	wait "$pid"
	RC=$?
	OUT=$(cat "$LAB_TMP/run.out")
	ERR=$(cat "$LAB_TMP/run.err")
}

phy_down() { ip -n "$NS_APP" link set phy0 down; }

# 2. Down while the program runs: the shim binds, the kernel refuses.
shim_fails_closed_when_down() {
	local url
	for url in "$URL4" "$URL6"; do
		tun_mark
		during_run "$url" phy_down
		expect_failed "phy0 goes down while bindif runs: curl $url fails"
		expect_tun_quiet "phy0 down mid-run: nothing for $url in the tun"
		lab_phy_reset
	done
}

# 2b. The shim alone (no launcher check) with phy0 down, and with a name
# that does not exist.
shim_alone() {
	local url
	phy_down
	for url in "$URL4" "$URL6"; do
		tun_mark
		run in_app env BINDIF_INTERFACE=phy0 LD_PRELOAD="$SHIM" \
			timeout 6 "${CURL[@]}" "$url"
		expect_failed "shim alone, phy0 down: curl $url fails"
		expect_tun_quiet "shim alone, phy0 down: nothing for $url in the tun"
	done
	lab_phy_reset
	for url in "$URL4" "$URL6"; do
		tun_mark
		run in_app env BINDIF_INTERFACE=nosuch0 LD_PRELOAD="$SHIM" \
			timeout 6 "${CURL[@]}" "$url"
		expect_failed "shim alone, BINDIF_INTERFACE=nosuch0: curl $url fails"
		expect_tun_quiet "shim alone, nosuch0: nothing for $url in the tun"
		expect_contains "shim alone, nosuch0: stderr says why" "nosuch0" "$ERR"
	done
	# The same shim with the right name works: the failures above are
	# about the interface, not a broken shim.
	run in_app env BINDIF_INTERFACE=phy0 LD_PRELOAD="$SHIM" \
		timeout 6 "${CURL[@]}" "$URL4"
	expect_reply "shim alone, phy0 up: curl reaches the peer" "peer=$APP4"
}

# 3. phy0 replaced by a new device of the same name (a new ifindex) after
# the process resolved it: its later connections fail, they do not follow
# the name and do not fall into the tun.
replaced_mid_process() {
	local host want go=$LAB_TMP/go pid
	for host in $SRV4 $SRV6; do
		want=peer=$APP4
		[ "$host" = $SRV6 ] && want=peer=$APP6
		rm -f "$go"
		tun_mark
		in_app timeout 20 "$BINDIF" -i phy0 -- "$PY" "$CLIENT" http-twice \
			"$host" "$go" >"$LAB_TMP/run.out" 2>"$LAB_TMP/run.err" &
		pid=$!
		# The first request proves the process resolved phy0.
		wait_file "$LAB_TMP/run.out"
		local old new
		old=$(ip -n "$NS_APP" -o link show phy0 | cut -d: -f1)
		lab_phy_reset
		new=$(ip -n "$NS_APP" -o link show phy0 | cut -d: -f1)
		: >"$go"
		wait "$pid"
		RC=$?
		OUT=$(cat "$LAB_TMP/run.out")
		ERR=$(cat "$LAB_TMP/run.err")
		expect_eq "replaced: first request ($host) went out by phy0" \
			"$want" "$(printf '%s\n' "$OUT" | head -n 1)"
		if [ "$old" != "$new" ]; then
			pass "replaced: phy0's index changed ($old -> $new)"
		else
			fail "replaced: phy0's index changed"; show seen "$old -> $new"
		fi
		OUT=$(printf '%s\n' "$OUT" | tail -n +2)
		expect_failed "replaced: the same process's next request ($host) fails"
		expect_tun_quiet "replaced: nothing for $host in the tun"
	done
}

lab_up "$STYLE"
launcher_refuses_down
launcher_checks_addresses
shim_fails_closed_when_down
shim_alone
replaced_mid_process
lab_down
summary
