#!/bin/bash
# test_list.sh - `bindif --list` and `-i auto` under each capture style, and
# with a second tun: --list marks phy0 physical and the auto choice for v4
# and v6, tun0 (and tun1) tunnels, and describes the capture; `-i auto`
# reaches the peer from phy0 with nothing in the tun; with no physical
# route at all, -i auto refuses (125) and names the candidates.

. "$(dirname "$0")/lib.sh"

STYLES=${CAPTURE_STYLES:-clashx split policy}

# The report line of one interface (its name starts the line).
if_line() { printf '%s\n' "$OUT" | grep -E "^$1 " | head -n 1; }

# What each style's capture looks like in the report.
capture_lines() {
	case $1 in
	clashx)
		echo "capture: IPv4 split routes to tun0 (8 routes covering 0.0.0.0/0)"
		echo "capture: IPv6 split routes to tun0 (2 routes covering ::/0)"
		;;
	split)
		echo "capture: IPv4 split routes to tun0 (2 routes covering 0.0.0.0/0)"
		echo "capture: IPv6 split routes to tun0 (2 routes covering ::/0)"
		;;
	policy)
		echo "capture: IPv4 rule 32765: not fwmark 0xca6c lookup 51820: table 51820 sends everything to tun0"
		echo "capture: IPv6 rule 32765: not fwmark 0xca6c lookup 51820: table 51820 sends everything to tun0"
		;;
	esac
}

check_list() {
	local s=$1 tag=$2 want line
	run app_bindif --list
	expect_eq "[$s$tag] --list exits 0" 0 "$RC"
	[ "$RC" = 0 ] || show stderr "$ERR"
	line=$(if_line phy0)
	expect_contains "[$s$tag] --list: phy0 is physical" " physical " "$line"
	expect_contains "[$s$tag] --list: phy0 is the auto choice for v4 and v6" \
		"[auto v4, auto v6]" "$line"
	expect_contains "[$s$tag] --list: phy0's addresses" \
		"$APP4/24 $APP6/64" "$line"
	line=$(if_line tun0)
	expect_contains "[$s$tag] --list: tun0 is a tunnel" " tunnel " "$line"
	case $line in
	*auto*) fail "[$s$tag] --list: tun0 is no auto choice"; show line "$line" ;;
	*) pass "[$s$tag] --list: tun0 is no auto choice" ;;
	esac
	while IFS= read -r want; do
		expect_contains "[$s$tag] --list: ${want#capture: }" "$want" "$OUT"
	done < <(capture_lines "$s")
}

check_auto() {
	local s=$1 tag=$2
	tun_mark
	run app_bindif -i auto -- "${CURL[@]}" "$URL4"
	expect_reply "[$s$tag] -i auto v4: curl reaches the peer from phy0" "peer=$APP4"
	expect_tun_quiet "[$s$tag] -i auto v4: nothing of it in the tun"

	tun_mark
	run app_bindif -i auto -- "${CURL[@]}" -6 "$URL6"
	expect_reply "[$s$tag] -i auto v6: curl reaches the peer from phy0" "peer=$APP6"
	expect_tun_quiet "[$s$tag] -i auto v6: nothing of it in the tun"
}

add_tun1() {
	ip -n "$NS_APP" tuntap add tun1 mode tun || die_lab "tun1"
	ip -n "$NS_APP" link set tun1 up
	ip -n "$NS_APP" route add 203.0.113.0/24 dev tun1 || die_lab "tun1 route"
}

# No route beyond its subnet through phy0 in either family: nothing is
# the uplink, and bindif says which interfaces it looked at.
check_no_uplink() {
	local s=$1
	ip -n "$NS_APP" route del default via 192.0.2.254 dev phy0
	ip -n "$NS_APP" -6 route del default via 2001:db8:1::254 dev phy0
	run app_bindif -i auto -- true
	expect_eq "[$s] -i auto without an uplink exits 125" 125 "$RC"
	expect_contains "[$s] -i auto without an uplink names the candidates" \
		"candidates: " "$ERR"
	expect_contains "[$s] ... among them phy0" "phy0 (" "$ERR"
	expect_contains "[$s] ... and tun0, a tunnel" "tun0 (tunnel)" "$ERR"
	run app_bindif --list
	expect_contains "[$s] --list without an uplink says so for v4" \
		"auto v4: none: " "$OUT"
}

# A prohibit rule defeats any bound socket (sing-box strict_route style):
# --list warns, and so does bindif -v before it runs the command.
check_override() {
	local s=$1
	ip -n "$NS_APP" rule add prohibit to 203.0.113.0/24 pref 100
	run app_bindif --list
	expect_contains "[$s] --list warns about the prohibit rule" \
		"warning: " "$OUT"
	run app_bindif -v -i phy0 -- true
	expect_eq "[$s] bindif -v runs the command anyway" 0 "$RC"
	expect_contains "[$s] bindif -v warns before it runs" \
		"bindif: warning: " "$ERR"
	run app_bindif -i phy0 -- true
	expect_eq "[$s] without -v: no warning (it costs start-up time)" "" "$ERR"
	ip -n "$NS_APP" rule del prohibit to 203.0.113.0/24 pref 100
}

for style in $STYLES; do
	note "style $style"
	lab_up "$style"
	check_list "$style" ""
	check_auto "$style" ""
	add_tun1
	check_list "$style" " +tun1"
	run app_bindif --list
	line=$(if_line tun1)
	expect_contains "[$style +tun1] --list: tun1 is a tunnel" " tunnel " "$line"
	check_auto "$style" " +tun1"
	[ "$style" = policy ] && check_override "$style"
	[ "$style" = split ] && check_no_uplink "$style"
	lab_down
done

summary
