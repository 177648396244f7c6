#!/bin/bash
# test_dns_own.sh - programs that send their own DNS queries (dig, host,
# nslookup, kdig, node's dns.resolve4) under both hijack styles: the
# app's resolv.conf names the proxy's fake-ip server (198.18.0.2, answered
# by the tun with 198.18.0.99), or a local stub on 127.0.0.53 that forwards
# into the tun. Without bindif each gets the fake answer (the control);
# with --dns or dns =, each gets the real one through phy0 and no port-53
# packet reaches the tun.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_dns.sh"

# Each client, printing the address it got for test.example (or
# nothing), as a script nobody can run (dash, in with_resolv, drops
# exported shell functions).
CLIENT_NAMES=(dig "dig +tcp" host nslookup kdig "node dns.resolve4" \
	"getent (getaddrinfo)")
DNSCLIENT=""
write_dnsclient() {
	DNSCLIENT=$LAB_PUB/dnsclient.sh
	cat >"$DNSCLIENT" <<'SH'
#!/bin/bash
case $1 in
dig) dig +short +tries=1 +time=2 test.example ;;
"dig +tcp") dig +short +tcp +tries=1 +time=2 test.example ;;
host) host -W 2 -t A test.example | sed -n 's/.* has address //p' ;;
nslookup) nslookup -timeout=2 -retry=0 -type=A test.example |
	sed -n '/^Name:/,$s/^Address: *//p' ;;
kdig) kdig +short +retry=0 +timeout=2 test.example A ;;
"node dns.resolve4") node -e "require('dns').resolve4('test.example',
	(e, a) => console.log(e ? 'error ' + e.code : a.join(',')))" ;;
"getent (getaddrinfo)") getent ahostsv4 test.example |
	awk 'NR == 1 { print $1 }' ;;
esac
SH
	chmod 755 "$DNSCLIENT"
}

# control STYLE: without bindif, every client is answered by the hijack.
control() {
	local name
	for name in "${CLIENT_NAMES[@]}"; do
		tun_mark
		run with_resolv timeout 20 "$DNSCLIENT" "$name"
		# The tun answers no TCP: dig +tcp gets no answer. Through the
		# stub it is no control: the stub forwards it over TCP, which
		# the lab refuses before the tun (stub_server).
		if [ "$name" = "dig +tcp" ] && [ "$1" = stub ]; then
			continue
		elif [ "$name" = "dig +tcp" ]; then
			expect_not_contains "$1 control: $name gets no real answer" \
				"$SRV4" "$OUT"
		else
			expect_eq "$1 control: $name without bindif gets the fake address" \
				"$FAKE4" "$OUT"
		fi
		expect_tun "$1 control: $name's query went into the tun" \
			"$TUN_DNS_ANY"
	done
}

# real STYLE WHO HOW ARGS...: every client, through bindif ARGS.
real() {
	local style=$1 who=$2 how=$3 name launch=dns_bindif
	shift 3
	[ "$who" = nobody ] && launch=dns_bindif_nobody
	for name in "${CLIENT_NAMES[@]}"; do
		tun_mark
		run $launch "$@" -- "$DNSCLIENT" "$name"
		expect_eq "$style, $who, $how: $name gets the real address" \
			"$SRV4" "$OUT"
		expect_eq "  and no port-53 packet reached the tun" "" \
			"$(tun_new "$TUN_DNS_ANY")"
	done
}

# Kernel mode (root): the cgroup's programs redirect the same queries;
# getaddrinfo is the libc's own there, its queries redirected too.
kernel_mode() {
	run dns_bindif --kernel -i phy0 --dns $DNS4 -- cat /proc/self/maps
	expect_not_contains "$1, kernel mode: no shim in the program" \
		libbindif "$OUT"
	real "$1" root "--kernel --dns" --kernel -i phy0 --dns $DNS4
	real "$1" root "--kernel, dns =" --kernel -c "$LAB_PUB/own.conf"
}

both_ways() {
	local who
	printf 'interface = "phy0";\ndns = ["%s"];\n' $DNS4 >"$LAB_PUB/own.conf"
	chmod 644 "$LAB_PUB/own.conf"
	for who in root nobody; do
		real "$1" $who "--dns" -i phy0 --dns $DNS4
		real "$1" $who "dns =" -c "$LAB_PUB/own.conf"
	done
	kernel_mode "$1"
}

# What -v says, and that the server saw the query from phy0.
verbose() {
	local from
	from=$(grep -c "query\[A\] test.example from $APP4" "$LAB_TMP/dnsmasq.log")
	run dns_bindif -v -i phy0 --dns $DNS4 -- dig +short +tries=1 +time=2 \
		test.example
	expect_eq "-v: dig gets the real address" "$SRV4" "$OUT"
	expect_contains "  and -v says where its DNS went" \
		"DNS to $1 was sent to $DNS4 through phy0" "$ERR"
	expect_eq "  once" 1 "$(printf '%s\n' "$ERR" | grep -c 'DNS to ')"
	expect_eq "  and the server saw it from phy0's address" $((from + 1)) \
		"$(grep -c "query\[A\] test.example from $APP4" \
		"$LAB_TMP/dnsmasq.log")"
}

# A server the user named goes where aimed: --dns names one that does not
# answer, so only dig's own choice can give the real address.
aimed() {
	tun_mark
	run dns_bindif -i phy0 --dns 203.0.113.99 -- dig +short +tries=1 \
		+time=2 @$DNS4 test.example
	expect_eq "dig @$DNS4 asks that server" "$SRV4" "$OUT"
	run dns_bindif -i phy0 --dns 203.0.113.99 -- dig +short +tries=1 \
		+time=2 test.example
	expect_not_contains "  while plain dig asks the --dns server" "$SRV4" "$OUT"
	expect_eq "  and neither went into the tun" "" "$(tun_new "$TUN_DNS_ANY")"
}

# No usable server (resolv.conf's is the fake-ip one, no --dns): the
# query fails with the advice, and does not go into the tun.
no_server() {
	tun_mark
	run dns_bindif -i phy0 -- dig +short +tries=1 +time=2 test.example
	expect_not_contains "no usable server: dig gets no answer" "$FAKE4" "$OUT"
	expect_contains "  and stderr says how to name a server" "--dns" "$ERR"
	expect_eq "  and nothing went into the tun" "" "$(tun_new "$TUN_DNS_ANY")"
}

# What the program sees of its redirected sockets: an unconnected one gets
# its reply from the address it sent to (recvfrom, recvmsg), also after
# it sent other traffic first, a connected one and a TCP one show it as
# their peer (getpeername).
OWN_SOCKETS='
import socket, struct, sys
dest = (sys.argv[1], 53)
q = (struct.pack(">HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0) +
     bytes([4]) + b"test" + bytes([7]) + b"example" + bytes([0]) +
     struct.pack(">HH", 1, 1))
real = socket.inet_aton(sys.argv[2])
def show(what, reply, src):
    print(what, src[0], src[1], real in reply)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.settimeout(3)
u.sendto(q, dest)
reply, src = u.recvfrom(512)
show("recvfrom", reply, src)
u.sendmsg([q], [], 0, dest)
reply, _, _, src = u.recvmsg(512)
show("recvmsg", reply, src)
m = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
m.settimeout(3)
m.sendto(b"hello", (sys.argv[2], 9))
m.recvfrom(512)
for i in range(2):
    m.sendto(q, dest)
    reply, src = m.recvfrom(512)
    show("after other traffic", reply, src)
c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
c.settimeout(3)
c.connect(dest)
c.send(q)
reply, src = c.recvfrom(512)
show("connected", reply, src)
print("peer", *c.getpeername())
c.connect(dest)
c.send(q)
reply, src = c.recvfrom(512)
show("reconnected", reply, src)
t = socket.create_connection(dest, timeout=3)
t.sendall(struct.pack(">H", len(q)) + q)
n = struct.unpack(">H", t.recv(2))[0]
reply = b""
while len(reply) < n:
    reply += t.recv(n - len(reply))
print("tcp", *t.getpeername(), real in reply)
'
# own_sockets DEST [WHO...]: WHO root, nobody or kernel (root, --kernel).
own_sockets() {
	local dest=$1 who launch mode
	shift
	for who in "$@"; do
		launch=dns_bindif mode=
		[ $who = nobody ] && launch=dns_bindif_nobody
		[ $who = kernel ] && mode=--kernel
		tun_mark
		run $launch $mode -i phy0 --dns $DNS4 -- "$PY" -c "$OWN_SOCKETS" \
			$dest $SRV4
		expect_eq "$who: python's own sockets to $dest see it answer, with the real address" \
			"recvfrom $dest 53 True
recvmsg $dest 53 True
after other traffic $dest 53 True
after other traffic $dest 53 True
connected $dest 53 True
peer $dest 53
reconnected $dest 53 True
tcp $dest 53 True" "$OUT"
		expect_eq "  and nothing reached the tun" "" \
			"$(tun_new "$TUN_DNS_ANY")"
	done
}

# An IPv6 socket asking a v4-mapped resolver (the shim only: kernel mode
# redirects IPv4 sockets): to the IPv4 server, mapped, and its reply
# from the mapped resolver.
MAPPED='
import socket, struct, sys
q = (struct.pack(">HHHHHH", 0x4321, 0x0100, 1, 0, 0, 0) +
     bytes([4]) + b"test" + bytes([7]) + b"example" + bytes([0]) +
     struct.pack(">HH", 1, 1))
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.settimeout(3)
s.sendto(q, ("::ffff:" + sys.argv[1], 53))
reply, src = s.recvfrom(512)
print(src[0], src[1], socket.inet_aton(sys.argv[2]) in reply)
'
mapped() {
	tun_mark
	run dns_bindif -i phy0 --dns $DNS4 -- "$PY" -c "$MAPPED" $1 $SRV4
	expect_eq "an IPv6 socket asking ::ffff:$1: answered from it, with the real address" \
		"::ffff:$1 53 True" "$OUT"
	expect_eq "  and nothing reached the tun" "" "$(tun_new "$TUN_DNS_ANY")"
}

explain() {
	run in_app "$BINDIF" -i phy0 --dns $DNS4 --explain 198.18.0.2:53/udp
	expect_contains "--explain shows the redirection" \
		"DNS to 198.18.0.2 (fake-ip) is sent to $DNS4 through phy0" "$OUT"
	run in_app "$BINDIF" -i phy0 --dns $DNS4 --explain 192.0.2.53:53/udp
	expect_not_contains "  and not for a server of the user's" "DNS to" "$OUT"
}

command -v kdig >/dev/null || { fail "kdig is installed (make deps)"; }
command -v node >/dev/null || { fail "node is installed (make deps)"; }
dns_lab_up
stub_server
write_dnsclient

set_resolv 198.18.0.2
control fake
both_ways fake
verbose 198.18.0.2
aimed
no_server
own_sockets 198.18.0.2 root nobody kernel
mapped 198.18.0.2
explain

set_resolv $STUB
control stub
both_ways stub
verbose $STUB
own_sockets $STUB root nobody kernel

lab_down
summary
