#!/bin/bash
# test_redirect.sh - firewall captures a bound socket does not escape: an
# nftables nat output chain as sing-box's and mihomo's auto_redirect write
# it (mark 0x2024 exempt, TCP redirected to the proxy's port), then the
# same with iptables-nft (-t nat -A OUTPUT ... -j REDIRECT), then with
# iptables-legacy (seen only as a loaded table; --mark escapes it). A stand-in
# proxy on the redirect port logs what reaches it. Under each: a control
# without bindif lands at the proxy; --list names the capture and what it
# exempts; root's bindif (shim and --kernel) marks its sockets with the
# exempt mark unasked and reaches the server from phy0 with nothing at the
# proxy or in the tun; a mark the capture does not exempt is taken (warned
# of, and nothing leaves around it); nobody cannot read the firewall
# (the kernel wants CAP_NET_ADMIN), which -v says with the way out, and
# its bound connection is taken, never sent around. All nft/iptables
# state lives in the lab's namespaces.

. "$(dirname "$0")/lib.sh"

PORT=7892
command -v nft >/dev/null || { say "Bail out! nft is missing (make deps)"; exit 1; }
for c in iptables-nft iptables-legacy; do
	command -v $c >/dev/null || { say "Bail out! $c is missing (make deps)"; exit 1; }
done

lab_up split

# The proxy stand-in: answers "proxy" to whatever reaches it, one line
# per connection in its log.
PROXY_LOG=$LAB_TMP/proxy.log
cat >"$LAB_TMP/proxy.py" <<'PY'
import socket, sys, threading
log, ready, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
def serve(s):
    while True:
        c, a = s.accept()
        with open(log, "a") as f:
            f.write("conn %s\n" % a[0])
        try:
            c.recv(4096)
            c.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 6\r\n\r\nproxy\n")
        except OSError:
            pass
        c.close()
socks = []
for fam, addr in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")):
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if fam == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s.bind((addr, port))
    s.listen(16)
    socks.append(s)
open(log, "a").close()
for s in socks[1:]:
    threading.Thread(target=serve, args=(s,), daemon=True).start()
open(ready, "w").write("ready\n")
serve(socks[0])
PY
in_app "$PY" "$LAB_TMP/proxy.py" "$PROXY_LOG" "$LAB_TMP/proxy.ready" $PORT \
	>"$LAB_TMP/proxy.out" 2>&1 &
LAB_PIDS+=($!)
wait_file "$LAB_TMP/proxy.ready" || die_lab "proxy: $(cat "$LAB_TMP/proxy.out")"

PROXY_MARK=0
proxy_mark() { PROXY_MARK=$(wc -l <"$PROXY_LOG"); }
proxy_new() { tail -n +"$((PROXY_MARK + 1))" "$PROXY_LOG"; }

# The stand-in answers right away; a redirected connection it logs
# before curl prints, so no settling is needed for "it came".
expect_proxy_quiet() {
	expect_eq "$1" "" "$(proxy_new)"
}

# Before a run the capture should take: where the logs end.
PEER_MARK=0
taken_mark() {
	proxy_mark
	tun_mark
	PEER_MARK=$(wc -l <"$LAB_TMP/peer.log")
}

# The last run failed, and nothing of it went around the capture: not
# into the tun, not to the server.
expect_taken() {
	expect_failed "$1: the capture takes the bound socket"
	expect_tun_quiet "$1: nothing in the tun"
	expect_eq "$1: nothing reached the server" "" \
		"$(tail -n +"$((PEER_MARK + 1))" "$LAB_TMP/peer.log")"
}

# $1: the style's name; $2: its --list line's start; $3: families.
checks() {
	local s=$1 want=$2 fams=$3 f url app

	# The control: the capture is real, without bindif.
	proxy_mark
	run in_app "${CURL[@]}" "$URL4"
	expect_reply "[$s] control: curl without bindif lands at the proxy" "proxy"
	expect_contains "[$s] control: the proxy logged the connection" "conn " \
		"$(proxy_new)"

	run in_app "$BINDIF" --list
	expect_contains "[$s] --list names the capture" "capture: $want" "$OUT"
	expect_contains "[$s] --list names its exempt mark" "exempt: mark 0x2024" \
		"$OUT"

	for f in $fams; do
		if [ "$f" = 4 ]; then url=$URL4 app=$APP4; else url=$URL6 app=$APP6; fi
		proxy_mark
		tun_mark
		run app_bindif -v -i phy0 -- "${CURL[@]}" "$url"
		expect_reply "[$s] root v$f: bindif reaches the server from phy0" \
			"peer=$app"
		expect_contains "[$s] root v$f: -v says which mark it took" \
			"marking bound sockets 0x2024" "$ERR"
		expect_proxy_quiet "[$s] root v$f: nothing at the proxy"
		expect_tun_quiet "[$s] root v$f: nothing in the tun"

		proxy_mark
		tun_mark
		run app_bindif --kernel -i phy0 -- "${CURL[@]}" "$url"
		expect_reply "[$s] root v$f --kernel: reaches the server from phy0" \
			"peer=$app"
		expect_proxy_quiet "[$s] root v$f --kernel: nothing at the proxy"
		expect_tun_quiet "[$s] root v$f --kernel: nothing in the tun"
	done

	# A mark the capture does not exempt: warned of, and taken.
	taken_mark
	run app_bindif --mark 0x1 -i phy0 -- "${CURL[@]}" "$URL4"
	expect_taken "[$s] --mark 0x1"
	expect_contains "[$s] --mark 0x1: warned before running" \
		"it takes sockets bound to phy0 too, marked or not" "$ERR"

	# mark = in a rules file stands for --mark.
	printf 'interface = "phy0";\nmark = 0x1;\n' >"$LAB_PUB/mark1.conf"
	printf 'interface = "phy0";\nmark = 0x2024;\n' >"$LAB_PUB/mark.conf"
	chmod 644 "$LAB_PUB/mark1.conf" "$LAB_PUB/mark.conf"
	run app_bindif -c "$LAB_PUB/mark1.conf" -- "${CURL[@]}" "$URL4"
	expect_failed "[$s] mark = 0x1: the capture takes the bound socket"
	expect_contains "[$s] mark = 0x1: warned before running" \
		"marked or not" "$ERR"
	run app_bindif -c "$LAB_PUB/mark.conf" -- "${CURL[@]}" "$URL4"
	expect_reply "[$s] mark = 0x2024: reaches the server from phy0" \
		"peer=$APP4"
	expect_exit "[$s] nobody, mark =: refused (125)" 125 \
		app_bindif_nobody -c "$LAB_PUB/mark.conf" -- true
	expect_contains "[$s] nobody, mark =: the reason" \
		"mark = 0x2024: setting a socket's mark takes CAP_NET_ADMIN" "$ERR"

	# nobody cannot read the firewall (EPERM): said with -v (and
	# always when a modular kernel shows a redirect module in use), and
	# the bound connection is taken, not sent around the capture.
	taken_mark
	run app_bindif_nobody -v -i phy0 -- "${CURL[@]}" "$URL4"
	expect_taken "[$s] nobody"
	expect_contains "[$s] nobody: -v says the firewall cannot be read" \
		"the firewall is readable only with CAP_NET_ADMIN" "$ERR"
	expect_contains "[$s] nobody: the line names the way out" \
		"run as root (bindif then marks its sockets) or exclude uid 65534" \
		"$ERR"
	run app_bindif_nobody --list
	expect_contains "[$s] nobody --list: says the firewall was not read" \
		"warning: firewall not read: reading the firewall takes CAP_NET_ADMIN" \
		"$OUT"
	expect_exit "[$s] nobody: --mark needs CAP_NET_ADMIN, said (125)" 125 \
		app_bindif_nobody --mark 0x2024 -i phy0 -- true
	expect_contains "[$s] nobody: --mark's refusal names the reason" \
		"takes CAP_NET_ADMIN" "$ERR"
}

in_app nft -f - <<EOF || die_lab "nft ruleset"
table inet sbx {
	chain output {
		type nat hook output priority -100; policy accept;
		meta mark 0x2024 return
		ip daddr 127.0.0.0/8 return
		ip6 daddr ::1 return
		meta l4proto tcp redirect to :$PORT
	}
}
EOF
checks nft "nftables inet sbx output (nat" "4 6"
in_app nft delete table inet sbx || die_lab "nft delete"

in_app iptables-nft -t nat -A OUTPUT -m mark --mark 0x2024 -j RETURN &&
	in_app iptables-nft -t nat -A OUTPUT -d 127.0.0.0/8 -j RETURN &&
	in_app iptables-nft -t nat -A OUTPUT -p tcp -j REDIRECT --to-ports $PORT ||
	die_lab "iptables-nft"
checks iptables "iptables-nft ip nat OUTPUT (nat" "4"
in_app nft delete table ip nat || die_lab "nft delete ip nat"

# iptables-legacy: its rules are not read (only that its nat table is
# there), so root's bindif cannot pick the mark: taken, and said with -v;
# --mark escapes it.
in_app iptables-legacy -t nat -A OUTPUT -m mark --mark 0x2024 -j RETURN &&
	in_app iptables-legacy -t nat -A OUTPUT -d 127.0.0.0/8 -j RETURN &&
	in_app iptables-legacy -t nat -A OUTPUT -p tcp -j REDIRECT --to-ports $PORT ||
	die_lab "iptables-legacy"
s=legacy
proxy_mark
run in_app "${CURL[@]}" "$URL4"
expect_reply "[$s] control: curl without bindif lands at the proxy" "proxy"
run in_app "$BINDIF" --list
expect_contains "[$s] --list: the legacy nat table is named" \
	"warning: iptables-legacy tables nat are loaded" "$OUT"
taken_mark
run app_bindif -v -i phy0 -- "${CURL[@]}" "$URL4"
expect_taken "[$s] root without --mark"
expect_contains "[$s] root without --mark: -v says why" \
	"iptables-legacy tables nat are loaded: their rules are not read" "$ERR"
for k in "" --kernel; do
	proxy_mark
	tun_mark
	run app_bindif $k --mark 0x2024 -i phy0 -- "${CURL[@]}" "$URL4"
	expect_reply "[$s] root $k --mark 0x2024: reaches the server from phy0" \
		"peer=$APP4"
	expect_proxy_quiet "[$s] root $k --mark 0x2024: nothing at the proxy"
	expect_tun_quiet "[$s] root $k --mark 0x2024: nothing in the tun"
done

summary
