#!/bin/bash
# test_vpn.sh - real VPN clients capture the lab, and bindif escapes them:
# WireGuard brought up by wg-quick (wireguard-go where the kernel has no
# WireGuard module), whose own policy routing captures (fwmark, table
# 51820, suppress_prefixlength 0), then OpenVPN with redirect-gateway def1
# (and its IPv6 form). Server and client run in the lab's namespaces, with
# keys the test makes. Under each: a control without bindif reaches the
# server through the tunnel (the server sees the tunnel's address, and a
# counter on the server's tunnel interface counts it); curl v4 and v6 as
# root and as nobody through bindif reach it from phy0's address with the
# counter unchanged; -i auto picks phy0; ping escapes too; --list names
# the tunnel and how it captures.

. "$(dirname "$0")/lib.sh"

for c in wg wg-quick wireguard-go openvpn nft; do
	command -v $c >/dev/null || { say "Bail out! $c is missing (make deps)"; exit 1; }
done

lab_up none

W=${LAB_ID#bdf}
WGS=ws$W        # interface names: unique per run, as wireguard-go's
WGC=wc$W        # control sockets live in /var/run/wireguard/ for all
OVS=os$W
OVC=oc$W

vpn_down() {
	[ -f "$LAB_TMP/$WGC.conf" ] &&
		in_app wg-quick down "$LAB_TMP/$WGC.conf" >/dev/null 2>&1
	rm -f "/var/run/wireguard/$WGS.sock" "/var/run/wireguard/$WGC.sock"
}
trap 'vpn_down; lab_down' EXIT
trap 'vpn_down; lab_down; exit 130' INT
trap 'vpn_down; lab_down; exit 143' TERM

# Packets that came out of the server's tunnel interface for the servers.
count_setup() {
	in_out nft -f - <<EOF || die_lab "nft counters"
table inet vpnlab {
	chain in {
		type filter hook input priority 0; policy accept;
		iifname "$1" ip daddr $SRV4 counter
		iifname "$1" ip6 daddr $SRV6 counter
	}
}
EOF
}
count_now() {
	in_out nft list chain inet vpnlab in |
		awk '{ for (i = 1; i < NF; i++) if ($i == "packets") n += $(i + 1) }
		    END { print n + 0 }'
}

# checks NAME TUNNEL-IF TUNNEL-V4 TUNNEL-V6 LIST-LINE
checks() {
	local s=$1 cif=$2 t4=$3 t6=$4 want=$5 who launch c

	c=$(count_now)
	run in_app "${CURL[@]}" "$URL4"
	expect_reply "[$s] control v4: without bindif the server sees the tunnel" \
		"peer=$t4"
	run in_app "${CURL[@]}" "$URL6"
	expect_reply "[$s] control v6: without bindif the server sees the tunnel" \
		"peer=$t6"
	[ "$(count_now)" -gt "$c" ] && pass "[$s] control: the tunnel carried it" ||
		fail "[$s] control: the tunnel carried it"

	for who in root nobody; do
		launch=app_bindif
		[ $who = nobody ] && launch=app_bindif_nobody
		c=$(count_now)
		run $launch -i phy0 -- "${CURL[@]}" "$URL4"
		expect_reply "[$s] $who v4: bindif reaches the server from phy0" \
			"peer=$APP4"
		run $launch -i phy0 -- "${CURL[@]}" "$URL6"
		expect_reply "[$s] $who v6: bindif reaches the server from phy0" \
			"peer=$APP6"
		run $launch -i auto -v -- "${CURL[@]}" "$URL4"
		expect_reply "[$s] $who -i auto: reaches the server from phy0" \
			"peer=$APP4"
		expect_contains "[$s] $who -i auto: picks phy0" "auto: phy0" "$ERR"
		run $launch -i phy0 -- ping -c 1 -W 3 $SRV4
		expect_eq "[$s] $who ping: bindif ping gets its reply" 0 "$RC"
		expect_eq "[$s] $who: nothing of it through the tunnel" "$c" \
			"$(count_now)"
	done
	c=$(count_now)
	run app_bindif -i phy0 -- ping -6 -c 1 -W 3 $SRV6
	expect_eq "[$s] root ping -6: bindif ping gets its reply" 0 "$RC"
	expect_eq "[$s] root ping -6: nothing of it through the tunnel" "$c" \
		"$(count_now)"

	run in_app "$BINDIF" --list
	expect_eq "[$s] --list: $cif is a tunnel" 1 \
		"$(printf '%s\n' "$OUT" | grep -cE "^$cif +up +tunnel")"
	expect_contains "[$s] --list: how it captures" "$want" "$OUT"
}

# ---- WireGuard: wg-quick in app, wireguard-go on both ends.
(umask 077
	wg genkey >"$LAB_TMP/s.key" && wg pubkey <"$LAB_TMP/s.key" >"$LAB_TMP/s.pub" &&
	wg genkey >"$LAB_TMP/c.key" && wg pubkey <"$LAB_TMP/c.key" >"$LAB_TMP/c.pub") ||
	die_lab "wg keys"
in_out wireguard-go "$WGS" >"$LAB_TMP/wgs.out" 2>&1 || die_lab "wireguard-go: $(cat "$LAB_TMP/wgs.out")"
in_out wg set "$WGS" listen-port 51820 private-key "$LAB_TMP/s.key" \
	peer "$(cat "$LAB_TMP/c.pub")" allowed-ips 203.0.113.2/32,2001:db8:ee::2/128 ||
	die_lab "wg set"
in_out ip addr add 203.0.113.1/24 dev "$WGS"
in_out ip -6 addr add 2001:db8:ee::1/64 dev "$WGS" nodad
in_out ip link set "$WGS" up
cat >"$LAB_TMP/$WGC.conf" <<EOF
[Interface]
PrivateKey = $(cat "$LAB_TMP/c.key")
Address = 203.0.113.2/24, 2001:db8:ee::2/64

[Peer]
PublicKey = $(cat "$LAB_TMP/s.pub")
Endpoint = 192.0.2.254:51820
AllowedIPs = 0.0.0.0/0, ::/0
EOF
chmod 600 "$LAB_TMP/$WGC.conf"
in_app env WG_QUICK_USERSPACE_IMPLEMENTATION=wireguard-go \
	wg-quick up "$LAB_TMP/$WGC.conf" >"$LAB_TMP/wgq.out" 2>&1 ||
	die_lab "wg-quick up: $(cat "$LAB_TMP/wgq.out")"
count_setup "$WGS"
checks wireguard "$WGC" 203.0.113.2 2001:db8:ee::2 \
	"not fwmark 0xca6c lookup 51820: table 51820 sends everything to $WGC"
in_app wg-quick down "$LAB_TMP/$WGC.conf" >/dev/null 2>&1 ||
	die_lab "wg-quick down"
in_out nft delete table inet vpnlab

# ---- OpenVPN: a static key (deprecated in 2.6, still accepted: enough
# for a lab), redirect-gateway def1 and its IPv6 form from the client.
openvpn --genkey secret "$LAB_TMP/ovpn.key" >/dev/null 2>&1 || die_lab "openvpn key"
OVPN=(openvpn --daemon --dev-type tun --proto udp --secret "$LAB_TMP/ovpn.key"
	--cipher AES-256-CBC --auth SHA256 --verb 3)
in_out "${OVPN[@]}" --log "$LAB_TMP/ovs.log" --dev "$OVS" --lport 1194 \
	--local 192.0.2.254 --ifconfig 198.19.0.1 198.19.0.2 \
	--ifconfig-ipv6 2001:db8:ef::1/64 2001:db8:ef::2 || die_lab "openvpn server"
in_app "${OVPN[@]}" --log "$LAB_TMP/ovc.log" --dev "$OVC" --nobind \
	--remote 192.0.2.254 1194 --ifconfig 198.19.0.2 198.19.0.1 \
	--ifconfig-ipv6 2001:db8:ef::2/64 2001:db8:ef::1 \
	--redirect-gateway def1 ipv6 --route-ipv6-gateway 2001:db8:ef::1 ||
	die_lab "openvpn client"
for i in $(seq 1 100); do
	grep -q "Initialization Sequence Completed" "$LAB_TMP/ovc.log" 2>/dev/null &&
		break
	sleep 0.2
done
grep -q "Initialization Sequence Completed" "$LAB_TMP/ovc.log" ||
	die_lab "openvpn client not up: $(tail -n 5 "$LAB_TMP/ovc.log")"
count_setup "$OVS"
checks openvpn "$OVC" 198.19.0.2 2001:db8:ef::2 \
	"IPv4 split routes to $OVC (2 routes covering 0.0.0.0/0)"

summary
