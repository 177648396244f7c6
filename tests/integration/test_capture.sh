#!/bin/bash
# test_capture.sh - bindif escapes each way a VPN captures the routing.
# For every style: the capture is real (a control without bindif lands in
# the tun), and with bindif the peer sees phy0's address and the tun sees
# nothing of it: TCP, UDP connected and not (sendto, sendmsg, sendmmsg,
# socat, nc), ICMP echo, TCP Fast Open, children, nobody. Loopback and the
# app's own addresses keep working; the program's own PKTINFO is
# overwritten, its own SO_BINDTODEVICE kept; -v prints its decision line.

. "$(dirname "$0")/lib.sh"

STYLES=${CAPTURE_STYLES:-clashx split policy}

# The regex for a tun log line: family, proto, any source, DST, DPORT.
tun_re() { printf '^%s %s [^ ]+ %s %s' "$1" "$2" "$(printf '%s' "$3" | sed 's/\./\\./g')" "$4"; }

# 1. Without bindif the packets go into the tun and nothing comes back.
control() {
	local s=$1
	tun_mark
	run in_app timeout 6 "${CURL[@]}" "$URL4"
	expect_failed "[$s] control v4: curl without bindif gets no answer"
	expect_tun "[$s] control v4: the tun saw the SYN to $SRV4:80" \
		"$(tun_re 4 tcp $SRV4 '80 syn')"

	tun_mark
	run in_app timeout 6 "${CURL[@]}" "$URL6"
	expect_failed "[$s] control v6: curl without bindif gets no answer"
	expect_tun "[$s] control v6: the tun saw the SYN to [$SRV6]:80" \
		"$(tun_re 6 tcp $SRV6 '80 syn')"

	tun_mark
	run in_app timeout 6 "$PY" "$CLIENT" udp-sendto $SRV4
	expect_failed "[$s] control udp: sendto without bindif gets no answer"
	expect_tun "[$s] control udp: the tun saw the datagram to $SRV4:9" \
		"$(tun_re 4 udp $SRV4 9)"
}

# 2./3. curl through bindif, as root and as nobody.
curl_escapes() {
	local s=$1 who
	for who in root nobody; do
		local launch=app_bindif
		[ $who = nobody ] && launch=app_bindif_nobody
		tun_mark
		run $launch -i phy0 -- "${CURL[@]}" "$URL4"
		expect_reply "[$s] $who v4: bindif curl reaches the peer from phy0" "peer=$APP4"
		expect_tun_quiet "[$s] $who v4: nothing of it in the tun"

		tun_mark
		run $launch -i phy0 -- "${CURL[@]}" "$URL6"
		expect_reply "[$s] $who v6: bindif curl reaches the peer from phy0" "peer=$APP6"
		expect_tun_quiet "[$s] $who v6: nothing of it in the tun"
	done
}

# 4. UDP: connected, sendto and sendmsg without connect, socat and nc.
udp_escapes() {
	local s=$1 mode host want
	tun_mark
	for mode in udp-connect udp-sendto udp-sendmsg; do
		for host in $SRV4 $SRV6; do
			want=peer=$APP4
			[ "$host" = $SRV6 ] && want=peer=$APP6
			run app_bindif -i phy0 -- "$PY" "$CLIENT" $mode $host
			expect_reply "[$s] root $mode $host: reply from phy0's address" "$want"
		done
	done
	for mode in udp-connect udp-sendto; do
		for host in $SRV4 $SRV6; do
			want=peer=$APP4
			[ "$host" = $SRV6 ] && want=peer=$APP6
			run app_bindif_nobody -i phy0 -- "$PY" "$CLIENT" $mode $host
			expect_reply "[$s] nobody $mode $host: reply from phy0's address" "$want"
		done
	done
	# One sendmmsg to a remote and to loopback: each datagram decided alone.
	run app_bindif -i phy0 -- "$PY" "$CLIENT" udp-sendmmsg $SRV4 127.0.0.1
	expect_reply "[$s] sendmmsg to $SRV4 and 127.0.0.1: each its own way" \
		"peer=127.0.0.1 peer=$APP4"
	# socat: UDP connects, UDP-SENDTO does not; nc -u connects.
	run app_bindif -i phy0 -- sh -c "echo hi | socat -T 2 - UDP:$SRV4:9"
	expect_reply "[$s] socat UDP v4 (connected)" "peer=$APP4"
	run app_bindif -i phy0 -- sh -c "echo hi | socat -T 2 - UDP-SENDTO:$SRV4:9"
	expect_reply "[$s] socat UDP-SENDTO v4 (unconnected)" "peer=$APP4"
	run app_bindif -i phy0 -- sh -c "echo hi | socat -T 2 - UDP6-SENDTO:[$SRV6]:9"
	expect_reply "[$s] socat UDP6-SENDTO v6 (unconnected)" "peer=$APP6"
	run app_bindif_nobody -i phy0 -- sh -c "echo hi | nc -u -w 1 $SRV4 9"
	expect_reply "[$s] nobody nc -u v4" "peer=$APP4"
	expect_tun_quiet "[$s] udp: nothing of it in the tun"
}

# ICMP echo the way unprivileged ping(8) sends it (datagram ICMP socket).
# The tun never answers, so an echo reply proves the way out.
icmp_escapes() {
	local s=$1 host
	tun_mark
	run in_app timeout 6 "$PY" "$CLIENT" icmp $SRV4
	expect_failed "[$s] control icmp: echo without bindif gets no reply"
	expect_tun "[$s] control icmp: the tun saw the echo request" \
		"$(tun_re 4 icmp $SRV4 8)"
	tun_mark
	for host in $SRV4 $SRV6; do
		run app_bindif -i phy0 -- "$PY" "$CLIENT" icmp $host
		expect_reply "[$s] root icmp echo to $host through bindif" "echo-reply"
		run app_bindif_nobody -i phy0 -- "$PY" "$CLIENT" icmp $host
		expect_reply "[$s] nobody icmp echo to $host through bindif" "echo-reply"
	done
	expect_tun_quiet "[$s] icmp: nothing of it in the tun"
}

# 5. TCP Fast Open: the connect happens inside sendto(MSG_FASTOPEN).
tfo_escapes() {
	local s=$1
	tun_mark
	run app_bindif -i phy0 -- "$PY" "$CLIENT" tfo $SRV4
	expect_reply "[$s] TFO sendto(MSG_FASTOPEN) v4 leaves by phy0" "peer=$APP4"
	run app_bindif -i phy0 -- "$PY" "$CLIENT" tfo $SRV6
	expect_reply "[$s] TFO sendto(MSG_FASTOPEN) v6 leaves by phy0" "peer=$APP6"
	expect_tun_quiet "[$s] TFO: nothing of it in the tun"
}

# 6. The shim follows the command's children (shell, fork+exec).
children_escape() {
	local s=$1
	tun_mark
	run app_bindif -i phy0 -- sh -c "curl -s -m 3 --noproxy '*' $URL4"
	expect_reply "[$s] child of sh -c leaves by phy0" "peer=$APP4"
	run app_bindif -i phy0 -- "$PY" "$CLIENT" fork-curl "$URL4"
	expect_reply "[$s] curl forked+exec'd by python leaves by phy0" "peer=$APP4"
	expect_tun_quiet "[$s] children: nothing of it in the tun"
}

# The program's own choices: its PKTINFO interface is overwritten (it
# would override the binding), a socket it bound itself keeps its binding.
program_choices() {
	local s=$1 host want fam
	tun_mark
	for host in $SRV4 $SRV6; do
		want=peer=$APP4
		[ "$host" = $SRV6 ] && want=peer=$APP6
		run app_bindif -i phy0 -- "$PY" "$CLIENT" udp-pktinfo $host tun0
		expect_reply "[$s] program's own PKTINFO for tun0 is overwritten ($host)" "$want"
	done
	expect_tun_quiet "[$s] PKTINFO: nothing of it in the tun"

	tun_mark
	run app_bindif -i phy0 -- "${CURL[@]}" --interface tun0 "$URL4"
	expect_failed "[$s] curl --interface tun0 under bindif keeps its own binding"
	expect_tun "[$s] ... and its SYN went into the tun" "$(tun_re 4 tcp $SRV4 '80 syn')"

	for host in $SRV4 $SRV6; do
		fam=4 want="peer=$APP4 peer=$APP4"
		[ "$host" = $SRV6 ] && fam=6 want="peer=$APP6 peer=$APP6"
		run app_bindif -i phy0 -- "$PY" "$CLIENT" udp-bound $host phy0
		expect_reply "[$s] UDP bound to phy0 by the program itself ($host)" "$want"
		tun_mark
		run app_bindif -v -i phy0 -- "$PY" "$CLIENT" udp-bound $host tun0
		expect_failed "[$s] UDP bound to tun0 by the program keeps its binding ($host)"
		expect_tun "[$s] ... and its datagram went into the tun ($host)" \
			"$(tun_re $fam udp $host 9)"
		expect_contains "[$s] ... -v says so ($host)" \
			"not by phy0: the program bound the socket to another interface itself" "$ERR"
	done
}

# -v: one line per decision, in the README's format.
verbose_line() {
	local s=$1
	run app_bindif -v -i phy0 -- "${CURL[@]}" "$URL4"
	expect_reply "[$s] -v: curl still works" "peer=$APP4"
	expect_contains "[$s] -v: stderr has the decision line" \
		"]: connect $SRV4:80/tcp -> phy0" "$ERR"
	expect_contains "[$s] -v: the line names the program" "bindif[curl:" "$ERR"
}

# 7. Loopback and the app's own addresses are left to the routing table.
local_still_works() {
	local s=$1 host want
	for host in 127.0.0.1 "[::1]" $APP4 "[$APP6]"; do
		want=${host#[}; want=peer=${want%]}
		run app_bindif -i phy0 -- "${CURL[@]}" "http://$host/"
		expect_reply "[$s] bindif curl to local http://$host/ still works" "$want"
	done
	run app_bindif -i phy0 -- "$PY" "$CLIENT" udp-sendto 127.0.0.1
	expect_reply "[$s] bindif udp sendto 127.0.0.1 still works" "peer=127.0.0.1"
	# An address of another interface, in no fixed local range: only the
	# shim's list of the machine's addresses leaves it alone (a socket
	# bound to phy0 cannot reach it).
	run app_bindif -i phy0 -- "${CURL[@]}" "http://$OTHER4/"
	expect_reply "[$s] bindif curl to $OTHER4 (on lo) still works" "peer=$OTHER4"
}

OTHER4=203.0.113.77
# A server on an address the app namespace holds on lo, after lab_up.
other_local_server() {
	ip -n "$NS_APP" addr add $OTHER4/32 dev lo
	in_app "$PY" "$INTEG_DIR/peer.py" --ready "$LAB_TMP/other.ready" \
		--lifetime 600 $OTHER4 >"$LAB_TMP/other.out" 2>&1 &
	LAB_PIDS+=($!)
	wait_file "$LAB_TMP/other.ready" ||
		die_lab "peer.py on $OTHER4 did not start: $(cat "$LAB_TMP/other.out")"
}

for style in $STYLES; do
	note "style $style"
	lab_up "$style"
	lab_local_servers
	other_local_server
	control "$style"
	curl_escapes "$style"
	udp_escapes "$style"
	icmp_escapes "$style"
	tfo_escapes "$style"
	children_escape "$style"
	local_still_works "$style"
	program_choices "$style"
	verbose_line "$style"
	lab_down
done
summary
