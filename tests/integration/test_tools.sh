#!/bin/bash
# test_tools.sh - programs the loader will not preload into. ping has
# cap_net_raw: for nobody the shim is dropped silently, so bindif runs
# "ping -I phy0" instead; traceroute and tracepath carry no privilege and
# are entered like any program; mtr probes through mtr-packet (cap_net_raw)
# and is translated to "mtr -I phy0". A setuid or file-capability copy of
# a program without such an option is refused with 125 and the reason,
# unless --force.

. "$(dirname "$0")/lib.sh"

ICMP4=" icmp [^ ]+ 198\.51\.100\.10 "
ICMP6=" icmp [^ ]+ 2001:db8:2::10 "

ping_tests() {
	tun_mark
	run app_nobody timeout 10 ping -n -c1 -W2 $SRV4
	expect_eq "control: nobody's ping without bindif is lost in the tunnel" 1 "$RC"
	expect_tun "  and the tun saw the echo request" "$ICMP4"

	tun_mark
	run app_bindif_nobody -v -i phy0 -- ping -n -c2 -W2 $SRV4
	expect_eq "nobody: bindif ping reaches the server (translated)" 0 "$RC"
	expect_contains "  -v says what was done" "running it with its own option instead: ping -I phy0" "$ERR"
	expect_eq "  nothing in the tun" "" "$(tun_new "$ICMP4")"

	tun_mark
	run app_bindif_nobody -i phy0 -- ping -n -c2 -W2 $SRV6
	expect_eq "nobody: bindif ping v6 reaches the server" 0 "$RC"
	expect_eq "  without -v, nothing is said" "" "$ERR"
	expect_eq "  nothing in the tun" "" "$(tun_new "$ICMP6")"

	run app_bindif_nobody -i phy0 -- ping -n -c1 -W2 -I phy0 $SRV4
	expect_eq "the user's own -I is kept, not doubled" 0 "$RC"

	tun_mark
	run app_bindif -i phy0 -- ping -n -c2 -W2 $SRV4
	expect_eq "root: the shim enters ping and binds its socket" 0 "$RC"
	expect_eq "  nothing in the tun" "" "$(tun_new "$ICMP4")"

	tun_mark
	run app_bindif -v -i phy0 -- ping -n -c2 -W2 $SRV6
	expect_eq "root: ping v6 through the shim reaches the server" 0 "$RC"
	expect_eq "  not translated (-v is silent about it)" "" \
		"$(printf '%s\n' "$ERR" | grep 'own option')"
	expect_eq "  nothing in the tun" "" "$(tun_new "$ICMP6")"
}

trace_tests() {
	tun_mark
	run app_bindif_nobody -i phy0 -- traceroute -n -q1 -w2 -m3 $SRV4
	expect_contains "nobody: traceroute (UDP) reaches the server" " $SRV4 " "$OUT"
	expect_eq "  nothing for the server in the tun" "" "$(tun_new " 198\.51\.100\.10 ")"

	tun_mark
	run app_bindif -i phy0 -- traceroute -n -I -q1 -w2 -m3 $SRV4
	expect_contains "root: traceroute -I (ICMP) reaches the server" " $SRV4 " "$OUT"

	tun_mark
	run app_bindif_nobody -i phy0 -- tracepath -n -m 3 $SRV4
	expect_contains "nobody: tracepath reaches the server" "reached" "$OUT"
	expect_eq "  nothing for the server in the tun" "" "$(tun_new " 198\.51\.100\.10 ")"

	tun_mark
	run app_bindif -i phy0 -- tracepath -n -m 3 $SRV4
	expect_contains "root: tracepath reaches the server" "reached" "$OUT"
	expect_eq "  nothing for the server in the tun" "" "$(tun_new " 198\.51\.100\.10 ")"

	tun_mark
	run app_bindif_nobody -i phy0 -- tracepath -n -m 3 $SRV6
	expect_contains "nobody: tracepath v6 reaches the server" "reached" "$OUT"
	expect_eq "  nothing for the server in the tun" "" "$(tun_new " 2001:db8:2::10 ")"

	tun_mark
	run app_bindif_nobody -i phy0 -- traceroute -6 -n -q1 -w2 -m3 $SRV6
	expect_contains "nobody: traceroute v6 (UDP) reaches the server" " $SRV6 " "$OUT"
	expect_eq "  nothing for the server in the tun" "" "$(tun_new " 2001:db8:2::10 ")"

	# mtr's own -I only picks a source address: its probes would still
	# go into the tunnel, so for nobody it is refused; root's mtr-packet
	# takes the shim.
	expect_exit "nobody: mtr is refused (mtr-packet has file caps)" 125 \
		app_bindif_nobody -i phy0 -- mtr -n -r -c1 $SRV4
	expect_contains "  naming its helper" "its probes come from /usr/bin/mtr-packet" "$ERR"
	tun_mark
	run app_bindif -i phy0 -- mtr -n -r -c1 $SRV4
	expect_contains "root: mtr reaches the server" "|-- $SRV4" "$OUT"
	expect_eq "  nothing for the server in the tun" "" "$(tun_new "$ICMP4")"

	tun_mark
	run app_bindif -i phy0 -- traceroute -n -T -p 80 -q1 -w2 -m3 $SRV4
	expect_contains "root: traceroute -T (TCP) reaches the server" " $SRV4 " "$OUT"
	# The kernel answers the server's SYN-ACK to a raw SYN it never sent
	# with a RST, routed as the kernel routes: that is not the probe.
	expect_eq "  no probe for the server in the tun" "" \
		"$(tun_new " 198\.51\.100\.10 " | grep -v ' rst$')"
}

refusals() {
	local marker=$LAB_PUB/ran suid=$LAB_PUB/suid-touch caps=$LAB_PUB/caps-curl
	cp "$(command -v touch)" "$suid"
	chown root:root "$suid"
	chmod 4755 "$suid"
	rm -f "$marker"
	expect_exit "nobody: a setuid program is refused with 125" 125 \
		app_bindif_nobody -i phy0 -- "$suid" "$marker"
	expect_contains "  naming it and why" "$suid: it is setuid to another user" "$ERR"
	expect_contains "  and what to do" "--force" "$ERR"
	expect_eq "  one line" 1 "$(printf '%s\n' "$ERR" | grep -c .)"
	expect_eq "  and it did not run" "no" "$([ -e "$marker" ] && echo yes || echo no)"
	run app_bindif_nobody -i phy0 --force -- "$suid" "$marker"
	expect_eq "--force runs it anyway" "0 yes" "$RC $([ -e "$marker" ] && echo yes || echo no)"
	expect_contains "  and says its traffic is not bound" "not bound" "$ERR"
	rm -f "$marker"
	expect_exit "root: the same setuid-root program runs (no secure mode)" 0 \
		app_bindif -i phy0 -- "$suid" "$marker"

	cp "$(command -v curl)" "$caps"
	chmod 755 "$caps"
	setcap cap_net_raw+ep "$caps"
	expect_exit "nobody: a file-capability copy of curl is refused" 125 \
		app_bindif_nobody -i phy0 -- "$caps" -s -m 3 "$URL4"
	expect_contains "  because of its capabilities" "file capabilities" "$ERR"
	tun_mark
	run app_bindif -i phy0 -- "$caps" -s -m 3 --noproxy '*' "$URL4"
	expect_reply "root: the shim enters it and it leaves by phy0" "peer=$APP4"
	expect_tun_quiet "  nothing of it in the tun"

	local script=$LAB_PUB/caps-script
	printf '#!%s\n' "$suid" >"$script"
	chmod 755 "$script"
	expect_exit "a script whose interpreter is refused is refused" 125 \
		app_bindif_nobody -i phy0 -- "$script"
	expect_contains "  naming the interpreter" "$suid" "$ERR"
}

lab_up split
ping_tests
refusals
# Last: traceroute -T leaves half-open connections whose SYN-ACK
# retransmits the kernel answers with RSTs for seconds after.
trace_tests
lab_down
summary
