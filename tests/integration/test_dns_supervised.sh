#!/bin/bash
# test_dns_supervised.sh - supervised programs' own DNS: Go's resolver
# (cgo and static builds) reads resolv.conf and connects to its
# nameserver itself, past any preloaded library. Under both hijack styles
# (resolv.conf names the fake-ip server 198.18.0.2, answered by the tun
# with 198.18.0.99, or a local stub on 127.0.0.53 that forwards into the
# tun), without bindif it gets the fake answer (the control); supervised,
# its connects to the system's resolver go to bindif's server through
# phy0: the real answer, and no port-53 packet in the tun. A blocking TCP
# connect and a connected UDP socket (python under --supervise) take the
# same way.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_dns.sh"

GO=""
GO_STATIC=""

# A query for test.example over TCP, or over a connected UDP socket, from
# python's blocking sockets; prints the answer's last IPv4 address.
PY_QUERY='
import socket, struct, sys
q = struct.pack(">HHHHHH", 0x4242, 0x0100, 1, 0, 0, 0)
q += b"".join(bytes([len(p)]) + p for p in b"test.example".split(b".")) + b"\0"
q += struct.pack(">HH", 1, 1)
server = open("/etc/resolv.conf").read().split()[1]
if sys.argv[1] == "tcp":
    s = socket.create_connection((server, 53), timeout=3)
    s.sendall(struct.pack(">H", len(q)) + q)
    n = struct.unpack(">H", s.recv(2))[0]
    a = b""
    while len(a) < n:
        a += s.recv(n - len(a))
else:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(3)
    s.connect((server, 53))
    s.send(q)
    a = s.recv(512)
print(socket.inet_ntoa(a[-4:]))'

stage() {
	GO=$(pub_stage "$BUILD/tests/goclient")
	GO_STATIC=$(pub_stage "$BUILD/tests/goclient-static")
	printf 'interface = "phy0";\ndns = ["%s"];\n' $DNS4 >"$LAB_PUB/dns.conf"
	chmod 644 "$LAB_PUB/dns.conf"
}

# go_style STYLE: both Go builds, without bindif, then as root and nobody.
go_style() {
	local style=$1 prog name who launch
	for prog in "$GO" "$GO_STATIC"; do
		name=$(basename "$prog")
		tun_mark
		run with_resolv timeout 10 "$prog" lookup test.example
		expect_eq "$style control: $name's own resolver without bindif gets the fake address" \
			"$FAKE4" "$OUT"
		expect_tun "$style control: and its query went into the tun" \
			"$TUN_DNS"
		for who in root nobody; do
			launch=dns_bindif
			[ $who = nobody ] && launch=dns_bindif_nobody
			tun_mark
			run $launch -i phy0 --dns $DNS4 -- "$prog" lookup test.example
			expect_reply "$style $who: $name supervised resolves the real address" \
				"$SRV4"
			expect_eq "$style $who: $name: no port-53 packet in the tun" "" \
				"$(tun_new "$TUN_DNS_ANY")"
		done
	done
	tun_mark
	run dns_bindif -c "$LAB_PUB/dns.conf" -- "$GO_STATIC" lookup test.example
	expect_reply "$style: dns = in a rules file serves the supervised resolver too" \
		"$SRV4"
	run dns_bindif -i phy0 --dns $DNS4 -- "$GO" lookup-tcp test.example
	expect_reply "$style: over TCP (a non-blocking connect) too" "$SRV4"
	expect_eq "$style: and nothing of it in the tun" "" \
		"$(tun_new "$TUN_DNS_ANY")"
}

# The server saw the queries from phy0's address.
server_saw() {
	expect_contains "the server saw supervised queries from phy0's address" \
		"from $APP4" "$(grep 'query\[A\] test.example' "$LAB_TMP/dnsmasq.log")"
}

# python's blocking sockets under --supervise: the TCP connect is made by
# a thread of bindif's (a blocking connect must not hold the rest), the
# connected UDP one at once.
blocking() {
	local way
	for way in tcp udp; do
		tun_mark
		run dns_bindif -i phy0 --dns $DNS4 --supervise -- "$PY" -c \
			"$PY_QUERY" $way
		expect_reply "python --supervise, blocking $way to the resolver: the real answer" \
			"$SRV4"
		expect_eq "  and nothing of it in the tun" "" \
			"$(tun_new "$TUN_DNS_ANY")"
	done
}

verbose() {
	run dns_bindif -v -i phy0 --dns $DNS4 -- "$GO_STATIC" lookup test.example
	expect_contains "-v says where the supervised query went" \
		"DNS to 198.18.0.2 was sent to $DNS4 through phy0" "$ERR"
}

# --dns naming only a fake-ip server: nothing usable, so the query fails
# at once rather than going anywhere.
no_server() {
	tun_mark
	run dns_bindif -i phy0 --dns 198.18.0.5 -- "$GO_STATIC" lookup test.example
	expect_contains "no usable server: the supervised lookup fails" \
		"error:" "$OUT"
	expect_contains "  and bindif says why" "198.18.0.5" "$ERR"
	expect_eq "  and nothing went to the tun" "" "$(tun_new "$TUN_DNS_ANY")"
}

dns_lab_up
stub_server
stage

set_resolv 198.18.0.2
go_style fake
server_saw
blocking
verbose
no_server

set_resolv $STUB
go_style stub

lab_down
summary
