# lib_dns.sh - the DNS lab shared by the DNS tests (after
# lib.sh): a real server outside that knows test.example, and the app's own
# resolv.conf for the commands that ask for it.

DNS4=198.51.100.53
DNS6=2001:db8:2::53
FAKE4=198.18.0.99
TUN_DNS=' udp [^ ]+ [^ ]+ 53$'
TUN_DNS_ANY=' (udp|tcp) [^ ]+ [^ ]+ 53( |$)'
STUB=127.0.0.53

# The app's resolv.conf, seen only by the commands run through with_resolv
# (a private mount namespace): the host's /etc is never touched.
RESOLV=""
set_resolv() {
	printf 'nameserver %s\noptions timeout:2 attempts:1\n' "$1" >"$RESOLV"
}
with_resolv() {
	in_app unshare -m --propagation private sh -c \
		'mount --bind "$0" /etc/resolv.conf && exec "$@"' "$RESOLV" "$@"
}
# bindif with that resolv.conf, as root or nobody.
dns_bindif() {
	with_resolv timeout 20 "$BINDIF" "$@"
}
dns_bindif_nobody() {
	nobody_guard "$PUB_BINDIF" "$@" || return 126
	(cd "$LAB_PUB" && with_resolv "${NOBODY[@]}" timeout 20 "$PUB_BINDIF" "$@")
}

dns_server() {
	ip -n "$NS_OUT" addr add $DNS4/32 dev lo
	ip -n "$NS_OUT" addr add $DNS6/128 dev lo nodad
	in_out dnsmasq --keep-in-foreground --no-resolv --no-hosts --no-poll \
		--bind-interfaces --listen-address=$DNS4 --listen-address=$DNS6 \
		--user=root --group=root --pid-file= \
		--host-record=test.example,$SRV4,$SRV6 \
		--address=/fake.example/198.18.0.77 --local=/example/ \
		--log-queries --log-facility="$LAB_TMP/dnsmasq.log" \
		>"$LAB_TMP/dnsmasq.out" 2>&1 &
	LAB_PIDS+=($!)
	local i
	for i in $(seq 1 50); do
		in_out dig +short +tries=1 +time=1 @$DNS4 test.example \
			2>/dev/null | grep -q "^$SRV4$" && return 0
		sleep 0.1
	done
	die_lab "dnsmasq did not answer: $(cat "$LAB_TMP/dnsmasq.out")"
}

# The lab of both DNS tests: split capture, the tun answering DNS with
# fake addresses, the real server outside, an empty resolv.conf.
dns_lab_up() {
	LAB_FAKE_DNS=1
	lab_up split
	RESOLV=$LAB_TMP/resolv.conf
	: >"$RESOLV"
	chmod 644 "$RESOLV"
	dns_server
}

# The stub of the second style, in the app namespace: no cache, so every
# query it answers went into the tun. It runs as daemon, whose TCP to port
# 53 is refused at once: the tun answers no TCP, and the stub's own
# connects there (it retries some queries over TCP) would send their SYNs
# into the tun for minutes, into the checks that follow.
stub_server() {
	ip -n "$NS_APP" rule add uidrange "$(id -u daemon)-$(id -u daemon)" \
		ipproto tcp dport 53 prohibit || die_lab "ip rule for the stub"
	in_app dnsmasq --keep-in-foreground --no-resolv --no-hosts --no-poll \
		--bind-interfaces --listen-address=$STUB --server=198.18.0.2 \
		--cache-size=0 --user=daemon --group=daemon --pid-file= \
		>"$LAB_TMP/stub.out" 2>&1 &
	LAB_PIDS+=($!)
	local i
	for i in $(seq 1 50); do
		in_app dig +short +tries=1 +time=1 @$STUB test.example \
			2>/dev/null | grep -q . && return 0
		sleep 0.1
	done
	die_lab "the stub did not answer: $(cat "$LAB_TMP/stub.out")"
}
