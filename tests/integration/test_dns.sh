#!/bin/bash
# test_dns.sh - names resolve through phy0 under a fake-ip DNS hijack.
# The tun reader answers every UDP/53 query that reaches it with 198.18.0.99
# (fc00::99 for AAAA), as TUN proxies do; a real DNS server (dnsmasq) in
# the outside namespace knows test.example. Without bindif the lab must
# hand out the fake address (the control); with it, every client gets the
# real one through phy0 and no port-53 packet reaches the tun.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_dns.sh"

control() {
	set_resolv $DNS4
	tun_mark
	run with_resolv timeout 10 getent ahostsv4 test.example
	expect_contains "control: without bindif the hijack answers $FAKE4" \
		"$FAKE4" "$OUT"
	expect_tun "control: the query went into the tun" "$TUN_DNS"
	tun_mark
	run in_app timeout 10 dig +short +tries=1 +time=2 @$DNS4 test.example
	expect_eq "control: dig without bindif gets the fake address" \
		"$FAKE4" "$OUT"
}

resolves_real() {
	set_resolv $DNS4
	tun_mark
	# getent hosts asks gethostbyname2 for IPv6 first.
	run dns_bindif -i phy0 -- getent hosts test.example
	expect_eq "getent hosts (gethostbyname2): the real address" \
		"$SRV6 test.example" "$(printf '%s' "$OUT" | tr -s ' ')"
	run dns_bindif -i phy0 -- getent ahostsv4 test.example
	expect_contains "getent ahostsv4: the real address" "$SRV4" "$OUT"
	run dns_bindif -i phy0 -- getent ahosts test.example
	expect_contains "getent ahosts: IPv4 answer" "$SRV4" "$OUT"
	expect_contains "getent ahosts: IPv6 answer" "$SRV6" "$OUT"
	run dns_bindif -i phy0 -- "$PY" -c '
import socket
print(sorted({a[4][0] for a in socket.getaddrinfo("test.example", 80)}))
print(socket.gethostbyname("test.example"))
print(socket.getaddrinfo("test.example", "http", socket.AF_INET6,
                         socket.SOCK_STREAM)[0][4][:2])'
	expect_eq "python getaddrinfo/gethostbyname: real addresses" \
		"['$SRV4', '$SRV6']
$SRV4
('$SRV6', 80)" "$OUT"
	run dns_bindif -i phy0 -- "$PY" -c '
import ctypes
buf = ctypes.create_string_buffer(512)
n = ctypes.CDLL(None).res_query(b"test.example", 1, 1, buf, 512)
print(n > 0 and bytes([198, 51, 100, 10]) in buf.raw[:n])'
	expect_eq "res_query: an answer holding $SRV4" "True" "$OUT"
	run dns_bindif -i phy0 -- dig +short +tries=1 +time=2 @$DNS4 test.example
	expect_eq "dig (its own sockets): the real address" "$SRV4" "$OUT"
	expect_eq "no port-53 packet reached the tun" "" "$(tun_new "$TUN_DNS")"
}

curl_by_name() {
	local who launch
	set_resolv $DNS4
	for who in root nobody; do
		launch=dns_bindif
		[ $who = nobody ] && launch=dns_bindif_nobody
		tun_mark
		run $launch -i phy0 -- "${CURL[@]}" -4 http://test.example/
		expect_reply "$who: curl -4 http://test.example/ reaches the peer from phy0" \
			"peer=$APP4"
		run $launch -i phy0 -- "${CURL[@]}" -6 http://test.example/
		expect_reply "$who: curl -6 http://test.example/ reaches the peer from phy0" \
			"peer=$APP6"
		expect_eq "$who: no DNS and nothing for the servers in the tun" "" \
			"$(tun_new "($TUN_DNS|$TUN_SRV)")"
	done
}

errors() {
	set_resolv $DNS4
	run dns_bindif -i phy0 -- getent hosts nope.example
	expect_eq "NXDOMAIN: getent exits 2 (not found)" "2" "$RC"
	run dns_bindif -i phy0 -- "$PY" -c '
import socket
try:
    socket.getaddrinfo("nope.example", 80)
except socket.gaierror as e:
    print(e.errno == socket.EAI_NONAME)'
	expect_eq "NXDOMAIN: getaddrinfo says EAI_NONAME" "True" "$OUT"
	run dns_bindif -i phy0 -- getent hosts localhost
	expect_contains "the hosts file still answers localhost" "localhost" "$OUT"
	tun_mark
	run dns_bindif -i phy0 --dns 203.0.113.99 -- "$PY" -c '
import socket
try:
    socket.getaddrinfo("test.example", 80)
except socket.gaierror as e:
    print(e.errno == socket.EAI_AGAIN)'
	expect_eq "an unreachable server: EAI_AGAIN" "True" "$OUT"
	expect_eq "  and its queries did not go into the tun" "" \
		"$(tun_new "$TUN_DNS")"
}

# The system resolver is the proxy's own fake-ip server (ClashX sets
# 198.18.0.2): skipped, said so with the fix, and nothing goes to the tun.
fake_system_dns() {
	set_resolv 198.18.0.2
	tun_mark
	run dns_bindif -i phy0 -- getent hosts test.example
	expect_eq "fake-ip resolver: the lookup fails" "2" "$RC"
	expect_contains "  and stderr names the skipped server" \
		"198.18.0.2 (fake-ip)" "$ERR"
	expect_contains "  and says how to fix it" "--dns" "$ERR"
	expect_eq "  and nothing went to the tun" "" "$(tun_new "$TUN_DNS")"

	run dns_bindif -i phy0 --dns $DNS4 -- getent ahostsv4 test.example
	expect_contains "--dns $DNS4 wins over it" "$SRV4" "$OUT"
	run dns_bindif -i phy0 --dns $DNS6 -- getent ahostsv4 test.example
	expect_contains "--dns $DNS6 (asked over IPv6) wins too" "$SRV4" "$OUT"

	printf 'interface = "phy0";\ndns = ["%s"];\n' $DNS4 >"$LAB_PUB/dns.conf"
	chmod 644 "$LAB_PUB/dns.conf"
	run dns_bindif -c "$LAB_PUB/dns.conf" -- getent ahostsv4 test.example
	expect_contains "dns = in a rules file wins too" "$SRV4" "$OUT"
	expect_eq "  and nothing went to the tun" "" "$(tun_new "$TUN_DNS")"
}

# Servers the launcher found where the shim cannot look (on macOS, in the
# system configuration), handed down as BINDIF_IFACE_DNS: the first list
# with a usable server serves, skipped ones are named, another
# interface's are not taken. Set by hand here, the shim preloaded itself.
handed_servers() {
	local shim=(with_resolv env BINDIF_INTERFACE=phy0 LD_PRELOAD="$SHIM")
	set_resolv 198.18.0.2
	tun_mark
	run "${shim[@]}" BINDIF_IFACE_DNS="phy0=198.18.0.2;$DNS4" \
		timeout 20 getent ahostsv4 test.example
	expect_contains "handed-down servers: the second list's answers" \
		"$SRV4" "$OUT"
	expect_eq "  and nothing went to the tun" "" "$(tun_new "$TUN_DNS")"
	run "${shim[@]}" BINDIF_IFACE_DNS="phy0=198.18.0.2;127.0.0.1" \
		timeout 20 getent ahostsv4 test.example
	expect_eq "handed-down servers, none usable: the lookup fails" 2 "$RC"
	expect_contains "  and stderr names them" \
		"198.18.0.2 (fake-ip), 127.0.0.1 (local)" "$ERR"
	expect_contains "  and says how to fix it" "--dns" "$ERR"
	run "${shim[@]}" BINDIF_IFACE_DNS="eth9=$DNS4" \
		timeout 20 getent ahostsv4 test.example
	expect_eq "another interface's servers are not used" 2 "$RC"
	expect_contains "  the files are read instead" "198.18.0.2 (fake-ip)" \
		"$ERR"
	# The launcher's own finding (on Linux: none) replaces the caller's.
	run with_resolv env BINDIF_IFACE_DNS="phy0=$DNS4" timeout 20 \
		"$BINDIF" -i phy0 -- getent ahostsv4 test.example
	expect_eq "bindif drops a BINDIF_IFACE_DNS it did not find" 2 "$RC"
	expect_eq "  and nothing went to the tun" "" "$(tun_new "$TUN_DNS")"
}

# A fake answer arriving through phy0: the hijack is still in the path.
fake_answer() {
	set_resolv $DNS4
	run dns_bindif -i phy0 -- getent hosts fake.example
	expect_eq "a fake-ip answer through phy0 is not used" "2" "$RC"
	expect_contains "  and is reported, with the address" "198.18.0.77" "$ERR"
}

# c-ares is opened at the first lookup that is ours, not with the shim;
# when it cannot be, lookups fail with one line and none leaves otherwise.
lazy_cares() {
	local cares
	cares=$(shim_lib libcares)
	set_resolv $DNS4
	run dns_bindif -i phy0 -- cat /proc/self/maps
	expect_contains "c-ares: the shim is in a program" "libbindif" "$OUT"
	expect_not_contains "  c-ares is not, before a lookup" "$cares" "$OUT"
	run dns_bindif -i phy0 -- "$PY" -c '
import socket
print(socket.getaddrinfo("test.example", 80, socket.AF_INET)[0][4][0])
print(open("/proc/self/maps").read())'
	expect_contains "  after one, the real address" "$SRV4" "$OUT"
	expect_contains "  and c-ares in the process" "$cares" "$OUT"

	tun_mark
	run with_resolv env LD_LIBRARY_PATH="$(bad_lib_dir libcares)" \
		timeout 20 "$BINDIF" -i phy0 -- getent ahostsv4 test.example
	expect_eq "no c-ares to open: the lookup fails" "2" "$RC"
	expect_contains "  with a line naming it" "cannot load $cares" "$ERR"
	expect_eq "  one line" 1 "$(printf '%s\n' "$ERR" | grep -c 'bindif\[')"
	expect_not_contains "  no answer from elsewhere" "$SRV4" "$OUT"
	expect_eq "  and nothing went to the tun" "" "$(tun_new "$TUN_DNS")"
}

# A program exporting its own ares_* and config_* functions (ownlibs: each
# aborts): the shim's c-ares and libconfig must keep to themselves, both
# through the launcher (c-ares) and with the shim alone, which parses the
# rules file in the program (libconfig too).
own_libs() {
	local who prog=$LAB_PUB/ownlibs rules=$LAB_PUB/ownlibs.conf
	cp "$BUILD/tests/ownlibs" "$prog"
	chmod 755 "$prog"
	printf 'interface = "phy0";\ndns = ["%s"];\n' $DNS4 >"$rules"
	chmod 644 "$rules"
	set_resolv $DNS4
	for who in root nobody; do
		tun_mark
		if [ $who = root ]; then
			run dns_bindif -i phy0 -- "$prog" test.example 80
		else
			run dns_bindif_nobody -i phy0 -- "$prog" test.example 80
		fi
		expect_reply "$who: a program exporting c-ares's names resolves and reaches the peer from phy0" \
			"peer=$APP4"
		run with_resolv env BINDIF_RULES="$rules" LD_PRELOAD="$PUB_SHIM" \
			$([ $who = nobody ] && echo setpriv --reuid=nobody \
			--regid=nogroup --clear-groups --inh-caps=-all --) \
			timeout 10 "$prog" test.example 80
		expect_reply "$who: and with the shim alone (libconfig in the program too)" \
			"peer=$APP4"
		expect_eq "$who: ownlibs: no DNS and nothing for the servers in the tun" \
			"" "$(tun_new "($TUN_DNS|$TUN_SRV)")"
	done
}

# node links its own, newer c-ares and exports it: the shim's c-ares must
# resolve its insides to itself (it once called node's ares_query and
# crashed node at its first lookup). dns.lookup is getaddrinfo on libuv's
# thread pool; fetch looks names up the same way.
NODE_LOOKUP="require('dns').lookup('test.example', { family: 4 },
	(e, a) => console.log(e ? 'error ' + e.code : a))"
NODE_FETCH="fetch('http://test.example/').then((r) => r.text()).then(
	(t) => process.stdout.write(t),
	(e) => { console.log('error ' + (e.cause || e)); process.exit(1); })"
node_by_name() {
	local who launch node
	node=$(command -v node) || { fail "node is installed (make deps)"; return; }
	set_resolv $DNS4
	tun_mark
	run with_resolv timeout 10 "$node" -e "$NODE_LOOKUP"
	expect_eq "control: node's lookup without bindif gets $FAKE4" \
		"$FAKE4" "$OUT"
	for who in root nobody; do
		launch=dns_bindif
		[ $who = nobody ] && launch=dns_bindif_nobody
		tun_mark
		run $launch -i phy0 -- "$node" -e "$NODE_LOOKUP"
		expect_reply "$who: node dns.lookup: the real address" "$SRV4"
		run $launch -i phy0 -- "$node" --dns-result-order=ipv4first \
			-e "$NODE_FETCH"
		expect_reply "$who: node fetch by name reaches the peer from phy0" \
			"peer=$APP4"
		expect_eq "$who: node: no DNS and nothing for the servers in the tun" \
			"" "$(tun_new "($TUN_DNS|$TUN_SRV)")"
	done
}

dns_lab_up
control
resolves_real
curl_by_name
errors
fake_system_dns
handed_servers
fake_answer
lazy_cares
own_libs
node_by_name
lab_down
summary
