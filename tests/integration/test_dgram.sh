#!/bin/bash
# test_dgram.sh - one unconnected UDP socket whose datagrams decide
# differently in turn: the outside server (bind: the socket's own egress
# is set), a loopback server and the app's own address (left alone: the
# egress is cleared first), a `pass` destination (the routing table, so
# the tun), then the outside server again (PKTINFO from then on). Asserts
# the source address each server saw and what reached the tun, for IPv4
# and IPv6, sendto and sendmsg, root and nobody, under every capture style.

. "$(dirname "$0")/lib.sh"

STYLES=${CAPTURE_STYLES:-clashx split policy}
PASS4=198.51.100.20     # no server there; captured into the tun
PASS6=2001:db8:2::20
RULES=""

dots() { printf '%s' "$1" | sed 's/\./\\./g'; }

mixed() {
	local s=$1 who=$2 mode=$3 fam=$4 srv app lo pass tunsrc launch=app_bindif
	[ "$who" = nobody ] && launch=app_bindif_nobody
	if [ "$fam" = 4 ]; then
		srv=$SRV4 app=$APP4 lo=127.0.0.1 pass=$PASS4 tunsrc=198.18.0.1
	else
		srv=$SRV6 app=$APP6 lo=::1 pass=$PASS6 tunsrc=2001:db8:ff::1
	fi
	tun_mark
	run $launch -c "$RULES" -- "$PY" "$CLIENT" $mode $srv $lo $app -$pass $srv
	expect_reply "[$s] $who $mode v$fam: outside, loopback, own address, outside" \
		"peer=$app peer=$lo peer=$app peer=$app"
	expect_tun_quiet "[$s] $who $mode v$fam: nothing for the server in the tun"
	expect_tun "[$s] $who $mode v$fam: the pass datagram went by the routing table" \
		"^$fam udp $(dots $tunsrc) $(dots $pass) 9\$"
}

# -v: still one line per socket, whatever its datagrams did.
verbose_once() {
	local s=$1
	run app_bindif -v -c "$RULES" -- "$PY" "$CLIENT" udp-mixed $SRV4 127.0.0.1 $SRV4
	expect_reply "[$s] -v: the replies" "peer=$APP4 peer=127.0.0.1 peer=$APP4"
	expect_eq "[$s] -v: one decision line for the socket" 1 \
		"$(printf '%s\n' "$ERR" | grep -c 'bindif\[python3:[0-9]*\]: sendto ')"
}

for style in $STYLES; do
	note "style $style"
	lab_up "$style"
	lab_local_servers
	RULES=$LAB_PUB/dgram.conf
	printf '%s\n' 'interface = "phy0";' 'rules = (' \
		"  { dst = [\"$PASS4\", \"$PASS6\"]; action = \"pass\"; }" ');' >"$RULES"
	chmod 644 "$RULES"
	for who in root nobody; do
		for mode in udp-mixed udp-mixedmsg; do
			mixed "$style" $who $mode 4
			mixed "$style" $who $mode 6
		done
	done
	verbose_once "$style"
	lab_down
done
summary
