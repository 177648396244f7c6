#!/bin/bash
# run.sh - `make bench`: what the shim costs, measured side by side with a
# program that binds its own sockets, in a throwaway namespace lab.
#
#   app  phy0 192.0.2.1/24 2001:db8:1::1/64  <->  wan0  out
#   out  sink (bench/sink.c) on 198.51.100.10 and 2001:db8:2::10, on lo
#
# The data paths (1-4, 6) run their two arms side by side, taking turns
# on the CPU they share (bench/lockstep.c): a turn of A, two of B, two of
# A ..., TURNS turns each per run, a few milliseconds a turn. The result is
# the median of the pairwise A/B ratios of neighbouring turns: whatever the
# host does to this virtual machine lasts longer than a turn and lands on
# both arms alike. (Whole runs alternated instead, A B B A, gave identical
# arms ratios from x0.96 to x1.05, a target's width: BENCHMARKS.md.) The
# start-up figures (5) alternate whole runs and take the median of their
# ratios. The load program and the sink share one CPU (the last): on veth
# the far end's work happens in the sender's softirq anyway, and measured
# here, unpinned TCP connects varied by +-25% from run to run, pinned by
# +-2%. Only the 32-thread test runs unpinned, on every CPU.
# Nothing here touches the host's namespace: links, addresses and routes
# live in namespaces named bdfb<pid>-*, deleted on every exit path.
#
# Environment: BENCH_RUNS (runs per arm, default 7; for the data paths,
# runs of TURNS turns), BENCH_QUICK=1 (smaller
# counts, for trying the driver), BENCH_ONLY="1 5c 6 7 8" (only those
# figures; 5 stands for 5a-5e, 7 for supervisor mode, 8 for DNS),
# BINDIF_BUILD (default ./build).

set -u

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH_DIR/.." && pwd)
BUILD=${BINDIF_BUILD:-$REPO/build}
BINDIF=$BUILD/bindif
BLAST=$BUILD/bench/blast
SINK=$BUILD/bench/sink
STARTRUN=$BUILD/bench/startrun
LOCKSTEP=$BUILD/bench/lockstep
HOTCOST=$BUILD/bench/hotcost

RUNS=${BENCH_RUNS:-7}
CPU=$(($(nproc) - 1))
PIN=(taskset -c "$CPU")
N_UDP=200000
N_TCP=3000
N_START=200
N_START_BIG=20
N_RULES=100000
THREADS=32
TURNS=100
N_DNS=3000
if [ "${BENCH_QUICK:-0}" = 1 ]; then
	N_UDP=20000 N_TCP=300 N_START=20 N_START_BIG=3 N_DNS=300 RUNS=3
fi
LS=(--lockstep "$TURNS")
UDP_TURN=$((N_UDP / TURNS))   # operations a turn
TCP_TURN=$((N_TCP / TURNS))
DNS_TURN=$((N_DNS / TURNS))
DNS4=198.51.100.53

SRV4=198.51.100.10
SRV6=2001:db8:2::10
PORT=9

LAB_ID=bdfb$$
NS_APP=$LAB_ID-app
NS_OUT=$LAB_ID-out
TMP=""
SINK_PID=""
DOWN_DONE=0

# ---------------------------------------------------------------- lab

lab_down() {
	local ns pid
	[ "$DOWN_DONE" = 1 ] && return 0
	DOWN_DONE=1
	[ -n "$SINK_PID" ] && kill "$SINK_PID" 2>/dev/null
	for ns in "$NS_APP" "$NS_OUT"; do
		ip netns list 2>/dev/null | grep -qw -- "$ns" || continue
		# Only our own processes can be in namespaces named for this run.
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -9 "$pid" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null
	done
	[ -n "$SINK_PID" ] && wait "$SINK_PID" 2>/dev/null
	[ -n "$TMP" ] && rm -rf "$TMP"
	return 0
}

trap 'lab_down' EXIT
trap 'lab_down; exit 130' INT
trap 'lab_down; exit 143' TERM

die() {
	echo "bench: $*" >&2
	exit 1
}

in_app() { ip netns exec "$NS_APP" "$@"; }

lab_up() {
	local ns
	for ns in "$NS_APP" "$NS_OUT"; do
		ip netns add "$ns" || die "cannot create netns $ns"
		ip netns exec "$ns" sh -c '
			sysctl -qw net.ipv6.conf.all.accept_dad=0
			sysctl -qw net.ipv6.conf.default.accept_dad=0
			ip link set lo up' || die "cannot set up $ns"
	done
	# Created from inside app, the peer moved straight to out: neither
	# end ever exists in the host's namespace.
	ip -n "$NS_APP" link add phy0 type veth peer name wan0 netns "$NS_OUT" ||
		die "veth"
	ip -n "$NS_APP" addr add 192.0.2.1/24 dev phy0
	ip -n "$NS_APP" addr add 2001:db8:1::1/64 dev phy0 nodad
	ip -n "$NS_OUT" addr add 192.0.2.254/24 dev wan0
	ip -n "$NS_OUT" addr add 2001:db8:1::254/64 dev wan0 nodad
	ip -n "$NS_OUT" addr add $SRV4/32 dev lo
	ip -n "$NS_OUT" addr add $SRV6/128 dev lo nodad
	ip -n "$NS_APP" link set phy0 up
	ip -n "$NS_OUT" link set wan0 up
	ip -n "$NS_APP" route add default via 192.0.2.254 dev phy0 || die "v4 route"
	ip -n "$NS_APP" -6 route add default via 2001:db8:1::254 dev phy0 ||
		die "v6 route"
	# Thousands of short connections per run: wide port range, and the
	# server side (which closes first) keeps the TIME_WAITs.
	in_app sysctl -qw net.ipv4.ip_local_port_range="10000 65000"
	ip netns exec "$NS_OUT" sysctl -qw net.core.somaxconn=4096
	ip netns exec "$NS_OUT" sysctl -qw net.ipv4.tcp_max_syn_backlog=4096
	ip netns exec "$NS_OUT" "${PIN[@]}" timeout 3600 "$SINK" "$TMP/sink.ready" 3600 \
		$PORT $SRV4 $SRV6 >"$TMP/sink.out" 2>&1 &
	SINK_PID=$!
	for _ in $(seq 1 50); do
		[ -s "$TMP/sink.ready" ] && break
		sleep 0.1
	done
	[ -s "$TMP/sink.ready" ] || die "sink did not start: $(cat "$TMP/sink.out")"
	# Both paths answer before anything is timed.
	in_app timeout 10 "$BLAST" first $SRV4 $PORT >/dev/null ||
		die "no TCP path to $SRV4"
	in_app timeout 10 "$BLAST" first $SRV6 $PORT >/dev/null ||
		die "no TCP path to $SRV6"
}

# The DNS server of figure 8, on the sink's CPU: dnsmasq answering
# test.example from its own records.
dns_up() {
	ip -n "$NS_OUT" addr add $DNS4/32 dev lo
	ip netns exec "$NS_OUT" "${PIN[@]}" timeout 3600 dnsmasq \
		--keep-in-foreground --no-resolv --no-hosts --no-poll \
		--bind-interfaces --listen-address=$DNS4 --user=root \
		--group=root --pid-file= --host-record=test.example,$SRV4 \
		>"$TMP/dnsmasq.out" 2>&1 &
	disown # lab_down kills it: no job notice
	for _ in $(seq 1 50); do
		in_app timeout 5 "$BLAST" --bind phy0 -n 1 query $DNS4 53 \
			>/dev/null 2>&1 && return 0
		sleep 0.1
	done
	die "dnsmasq did not answer: $(cat "$TMP/dnsmasq.out")"
}

# The rules files: one line, and N_RULES CIDRs that never match the
# destinations (all inside 2001:db8::/32, far from 2001:db8:2::/48). Every
# other /64, so no two are adjacent and none can be merged: a real list
# (a country's networks, a blocklist) is scattered, and so is this one.
write_rules() {
	printf 'interface = "phy0";\n' >"$TMP/small.conf"
	{
		printf '# %d CIDRs left to the routing table, none of them ours\n' \
			"$N_RULES"
		printf 'interface = "phy0";\nexclude = [\n'
		awk -v n="$N_RULES" 'BEGIN {
			for (i = 0; i < n; i++)
				printf "  \"2001:db8:%x:%x::/64\"%s\n",
				    4096 + int(i / 32768), 2 * (i % 32768),
				    i < n - 1 ? "," : ""
		}'
		printf '];\n'
	} >"$TMP/big.conf"
}

# ---------------------------------------------------------------- measuring

# Runs CMD (in app, bounded); ONE gets the last line it printed (a number).
one() {
	in_app "${PIN[@]}" timeout 120 "$@" >"$TMP/out" 2>"$TMP/err" ||
		die "failed: $* : $(cat "$TMP/err")"
	ONE=$(tail -n 1 "$TMP/out")
	case $ONE in
	'' | *[!0-9]*) die "no number from: $*" ;;
	esac
}

median() { sort -g | awk '{ v[NR] = $1 } END {
	if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# ab A-CMD... // B-CMD...: RUNS runs of each, alternating A B B A A B ...
# Sets A_MED, B_MED (ns), R_MED (median of pairwise A/B), R_LO, R_HI.
ab() {
	local a=() b=() i x y
	while [ "$1" != // ]; do a+=("$1"); shift; done
	shift
	b=("$@")
	: >"$TMP/a" ; : >"$TMP/b" ; : >"$TMP/r"
	for i in $(seq 1 "$RUNS"); do
		if [ $((i % 2)) = 1 ]; then
			one "${a[@]}"; x=$ONE; one "${b[@]}"; y=$ONE
		else
			one "${b[@]}"; y=$ONE; one "${a[@]}"; x=$ONE
		fi
		echo "$x" >>"$TMP/a"; echo "$y" >>"$TMP/b"
		awk -v x="$x" -v y="$y" 'BEGIN { printf "%.6f\n", x / y }' >>"$TMP/r"
	done
	A_MED=$(median <"$TMP/a")
	B_MED=$(median <"$TMP/b")
	R_MED=$(median <"$TMP/r")
	R_LO=$(sort -g "$TMP/r" | head -n 1)
	R_HI=$(sort -g "$TMP/r" | tail -n 1)
}

# lock N A-CMD... // B-CMD...: N runs of bench/lockstep, the arms taking
# TURNS turns each. Sets A_MED, B_MED (ns a turn), R_MED (median of all the
# turns' A/B ratios), R_LO, R_HI (the lowest and highest run's median).
lock() {
	local i n=$1
	shift
	: >"$TMP/turns" ; : >"$TMP/r"
	for i in $(seq 1 "$n"); do
		in_app "${PIN[@]}" timeout 300 "$LOCKSTEP" "$@" >"$TMP/out" \
			2>"$TMP/err" || die "failed: $* : $(cat "$TMP/err")"
		[ "$(wc -l <"$TMP/out")" = "$TURNS" ] ||
			die "not $TURNS turns from: $*"
		cat "$TMP/out" >>"$TMP/turns"
		awk '{ printf "%.6f\n", $1 / $2 }' "$TMP/out" | median >>"$TMP/r"
	done
	A_MED=$(awk '{ print $1 }' "$TMP/turns" | median)
	B_MED=$(awk '{ print $2 }' "$TMP/turns" | median)
	R_MED=$(awk '{ printf "%.6f\n", $1 / $2 }' "$TMP/turns" | median)
	R_LO=$(sort -g "$TMP/r" | head -n 1)
	R_HI=$(sort -g "$TMP/r" | tail -n 1)
}

# ---------------------------------------------------------------- reporting

ROW_FMT='%-44s %16s %16s %9s %-16s %-10s %s\n'

header() {
	printf "$ROW_FMT" "benchmark" "bindif (A)" "floor (B)" "result" \
		"target" "verdict" "spread of A/B"
	printf "$ROW_FMT" "---------" "----------" "---------" "------" \
		"------" "-------" "-------------"
}

# Called in $(...): misses are counted in a file, not a variable.
verdict() { # VALUE MAX
	if awk -v v="$1" -v m="$2" 'BEGIN { exit !(v <= m) }'; then
		echo pass
	else
		echo x >>"$TMP/missed"
		echo MISS
	fi
}

# ratio_row NAME UNIT-DIVISOR UNIT MAX: after ab, per-operation medians.
ratio_row() {
	ratio_line "$1" "$2" "$3" "ratio <= $4" "$(verdict "$R_MED" "$4")"
}

# control_row NAME UNIT-DIVISOR UNIT: after ab of an arm against itself,
# what the result next to it can tell apart.
control_row() {
	ratio_line "$1" "$2" "$3" "(resolution)" "-"
}

# ratio_line NAME UNIT-DIVISOR UNIT TARGET VERDICT: the two rows above.
ratio_line() {
	printf "$ROW_FMT" "$1" \
		"$(awk -v v="$A_MED" -v p="$2" -v u="$3" 'BEGIN { printf "%.0f %s", v / p, u }')" \
		"$(awk -v v="$B_MED" -v p="$2" -v u="$3" 'BEGIN { printf "%.0f %s", v / p, u }')" \
		"$(printf 'x%.3f' "$R_MED")" "$4" "$5" \
		"$(printf '%.3f .. %.3f' "$R_LO" "$R_HI")"
}

# delta_row NAME DIVISOR MAX-MS: after ab, (A - B) per operation in ms.
delta_row() {
	local name=$1 per=$2 max=$3 d lo hi
	d=$(awk -v a="$A_MED" -v b="$B_MED" -v p="$per" 'BEGIN { printf "%.3f", (a - b) / p / 1e6 }')
	printf "$ROW_FMT" "$name" \
		"$(awk -v v="$A_MED" -v p="$per" 'BEGIN { printf "%.3f ms", v / p / 1e6 }')" \
		"$(awk -v v="$B_MED" -v p="$per" 'BEGIN { printf "%.3f ms", v / p / 1e6 }')" \
		"+$d ms" "<= +$max ms" "$(verdict "$d" "$max")" \
		"$(printf 'x%.3f .. x%.3f' "$R_LO" "$R_HI")"
}

# ---------------------------------------------------------------- main

# want FIGURE: whether BENCH_ONLY (empty: every figure) asks for it.
want() {
	local f
	[ -z "${BENCH_ONLY:-}" ] && return 0
	for f in $BENCH_ONLY; do
		[ "$f" = "$1" ] || [ "$f" = "${1%[a-e]}" ] && return 0
	done
	return 1
}

[ "$(id -u)" = 0 ] || die "needs root (it builds network namespaces)"
for f in "$BINDIF" "$BUILD/libbindif.so" "$BLAST" "$SINK" "$STARTRUN" "$LOCKSTEP" \
    "$HOTCOST"; do
	[ -e "$f" ] || die "$f is missing (make bench builds it)"
done
TMP=$(mktemp -d /tmp/bindif-bench.XXXXXX)
# The launcher's rules cache: the lab's own, warm after a file's first run.
export XDG_CACHE_HOME=$TMP/cache
lab_up
write_rules

echo "bindif benchmarks: $(uname -srm), $(nproc) CPU(s), $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)"
echo "A = through bindif (LD_PRELOAD shim); B = the floor (the program binds its own socket, or runs without bindif)."
echo "1-4, 6: $RUNS runs (6: $((RUNS * 3))) of $TURNS turns per arm, taken in turns (A B B A ...); result = median of the pairwise A/B ratios of neighbouring turns."
echo "5: medians of $RUNS alternating runs per arm; result = median of the pairwise A/B ratios (or A - B). Spread: the lowest and highest run."
echo "Tests 1-5 pinned to CPU $CPU with the sink; test 6 on all CPUs."
echo
header

if want 1; then
	lock "$RUNS" "$BINDIF" -i phy0 -- "$BLAST" "${LS[@]}" -n $N_UDP sendto $SRV4 $PORT // \
		"$BLAST" --bind phy0 "${LS[@]}" -n $N_UDP sendto $SRV4 $PORT
	ratio_row "1 UDP sendto, $N_UDP datagrams" $UDP_TURN ns/dgram 1.02
	lock "$RUNS" "$BLAST" --bind phy0 "${LS[@]}" -n $N_UDP sendto $SRV4 $PORT // \
		"$BLAST" --bind phy0 "${LS[@]}" -n $N_UDP sendto $SRV4 $PORT
	control_row "1 control: the floor against itself" $UDP_TURN ns/dgram
fi

if want 2; then
	lock "$RUNS" "$BINDIF" -i phy0 -- "$BLAST" "${LS[@]}" -n $N_UDP send $SRV4 $PORT // \
		"$BLAST" --bind phy0 "${LS[@]}" -n $N_UDP send $SRV4 $PORT
	ratio_row "2 UDP connect+send, $N_UDP datagrams" $UDP_TURN ns/dgram 1.02
fi

if want 3; then
	lock "$RUNS" "$BINDIF" -i phy0 -- "$BLAST" "${LS[@]}" -n $N_TCP connect $SRV4 $PORT // \
		"$BLAST" --bind phy0 "${LS[@]}" -n $N_TCP connect $SRV4 $PORT
	ratio_row "3 TCP connect+close, $N_TCP" $TCP_TURN ns/conn 1.02
fi

if want 4; then
	lock "$RUNS" "$BINDIF" -c "$TMP/big.conf" -- "$BLAST" "${LS[@]}" -n $N_TCP connect $SRV6 $PORT // \
		"$BINDIF" -c "$TMP/small.conf" -- "$BLAST" "${LS[@]}" -n $N_TCP connect $SRV6 $PORT
	ratio_row "4 TCP connect, $N_RULES-CIDR vs 1-line file" $TCP_TURN ns/conn 1.05
fi

if want 5a; then
	ab "$STARTRUN" $N_START "$BINDIF" -i phy0 -- /bin/true // \
		"$STARTRUN" $N_START /bin/true
	delta_row "5a start: bindif -i phy0 -- /bin/true" $N_START 1
fi

if want 5b; then
	ab "$STARTRUN" $N_START "$BINDIF" -c "$TMP/small.conf" -- /bin/true // \
		"$STARTRUN" $N_START /bin/true
	delta_row "5b start: 1-line file, /bin/true" $N_START 1
fi

if want 5c; then
	ab "$STARTRUN" $N_START_BIG "$BINDIF" -c "$TMP/big.conf" -- /bin/true // \
		"$STARTRUN" $N_START_BIG /bin/true
	delta_row "5c start: $N_RULES-CIDR file, /bin/true" $N_START_BIG 20
	# Cold: no cache can be read or written (a directory under
	# /dev/null cannot be made, even by root), so every run parses.
	ab env XDG_CACHE_HOME=/dev/null "$STARTRUN" $N_START_BIG "$BINDIF" \
		-c "$TMP/big.conf" -- /bin/true // "$STARTRUN" $N_START_BIG /bin/true
	delta_row "5c cold: the same, no rules cache" $N_START_BIG 20
fi

# The shim parses lazily, on the first network call: that call is where
# a short-lived networked program pays for a large file.
if want 5d; then
	ab "$BINDIF" -c "$TMP/big.conf" -- "$BLAST" first $SRV6 $PORT // \
		"$BINDIF" -c "$TMP/small.conf" -- "$BLAST" first $SRV6 $PORT
	delta_row "5d first connect: $N_RULES-CIDR vs 1-line" 1 20
fi

# Resident memory once the rules are compiled (after the first connect).
if want 5e; then
	rss_of() { # FILE -> "VmRSS VmHWM" in kB
		in_app timeout 60 "$BINDIF" -c "$1" -- "$BLAST" --rss first $SRV6 $PORT \
			2>&1 >/dev/null | awk '/VmRSS/ { r = $2 } /VmHWM/ { h = $2 }
			END { print r, h }'
	}
	read -r big_rss big_hwm <<<"$(rss_of "$TMP/big.conf")"
	read -r small_rss small_hwm <<<"$(rss_of "$TMP/small.conf")"
	rss_mb=$(awk -v a="$big_rss" -v b="$small_rss" 'BEGIN { printf "%.1f", (a - b) / 1024 }')
	hwm_mb=$(awk -v a="$big_hwm" -v b="$small_hwm" 'BEGIN { printf "%.1f", (a - b) / 1024 }')
	printf "$ROW_FMT" "5e RSS: $N_RULES-CIDR vs 1-line file" "${big_rss} kB" \
		"${small_rss} kB" "+$rss_mb MB" "<= +5 MB" "$(verdict "$rss_mb" 5)" \
		"peak (VmHWM) +$hwm_mb MB"
fi

# Supervisor mode (--supervise): each connect, and each unconnected
# sendto, is a round trip through bindif; a connected socket's send is
# not trapped at all.
if want 7; then
	lock "$RUNS" "$BINDIF" -i phy0 --supervise -- "$BLAST" "${LS[@]}" -n $N_TCP connect $SRV4 $PORT // \
		"$BLAST" --bind phy0 "${LS[@]}" -n $N_TCP connect $SRV4 $PORT
	ratio_row "7a supervised TCP connect+close, $N_TCP" $TCP_TURN ns/conn 1.10
	lock "$RUNS" "$BINDIF" -i phy0 --supervise -- "$BLAST" "${LS[@]}" -n $N_UDP send $SRV4 $PORT // \
		"$BLAST" --bind phy0 "${LS[@]}" -n $N_UDP send $SRV4 $PORT
	ratio_row "7b supervised UDP connect+send, $N_UDP" $UDP_TURN ns/dgram 1.02
	lock "$RUNS" "$BINDIF" -i phy0 --supervise -- "$BLAST" "${LS[@]}" -n $N_UDP sendto $SRV4 $PORT // \
		"$BLAST" --bind phy0 "${LS[@]}" -n $N_UDP sendto $SRV4 $PORT
	printf "$ROW_FMT" "7c supervised UDP sendto, $N_UDP" \
		"$(awk -v v="$A_MED" -v p=$UDP_TURN 'BEGIN { printf "%.0f ns/dgram", v / p }')" \
		"$(awk -v v="$B_MED" -v p=$UDP_TURN 'BEGIN { printf "%.0f ns/dgram", v / p }')" \
		"$(printf 'x%.3f' "$R_MED")" "(measured)" "-" \
		"$(printf '%.3f .. %.3f' "$R_LO" "$R_HI")"
fi

PIN=()   # contention needs every CPU
if want 6; then
	# The noisiest of all (32 threads on two CPUs: single turns of
	# identical arms range over +-10%), so three times the runs; the
	# control row, the floor against itself alike, shows what the
	# result can tell apart.
	lock $((RUNS * 3)) "$BINDIF" -i phy0 -- "$BLAST" "${LS[@]}" -t $THREADS -n $N_UDP sendto $SRV4 $PORT // \
		"$BLAST" --bind phy0 "${LS[@]}" -t $THREADS -n $N_UDP sendto $SRV4 $PORT
	ratio_row "6 UDP sendto, $THREADS threads, $N_UDP total" $UDP_TURN ns/dgram 1.02
	lock $((RUNS * 3)) "$BLAST" --bind phy0 "${LS[@]}" -t $THREADS -n $N_UDP sendto $SRV4 $PORT // \
		"$BLAST" --bind phy0 "${LS[@]}" -t $THREADS -n $N_UDP sendto $SRV4 $PORT
	control_row "6 control: the floor against itself" $UDP_TURN ns/dgram
fi

# DNS: a lookup through bindif against the same query asked of the same
# server by the program itself (a bound socket, as dig with -b would):
# getaddrinfo answered by the shim's c-ares, and a program's own query to
# the fake-ip resolver redirected to the server.
if want 8; then
	dns_up
	lock "$RUNS" "$BINDIF" -i phy0 --dns $DNS4 -- "$BLAST" "${LS[@]}" -n $N_DNS gai $DNS4 53 // \
		"$BLAST" --bind phy0 "${LS[@]}" -n $N_DNS query $DNS4 53
	ratio_row "8a getaddrinfo by c-ares, $N_DNS lookups" $DNS_TURN ns/lookup 1.10
	lock "$RUNS" "$BINDIF" -i phy0 --dns $DNS4 -- "$BLAST" "${LS[@]}" -n $N_DNS query 198.18.0.2 53 // \
		"$BLAST" --bind phy0 "${LS[@]}" -n $N_DNS query $DNS4 53
	ratio_row "8b own query redirected, $N_DNS lookups" $DNS_TURN ns/lookup 1.10
	# The same query sent where aimed, bound by the shim: what 8b pays
	# for the redirection itself, apart from the shim's per-socket work.
	lock "$RUNS" "$BINDIF" -i phy0 --dns $DNS4 -- "$BLAST" "${LS[@]}" -n $N_DNS query $DNS4 53 // \
		"$BLAST" --bind phy0 "${LS[@]}" -n $N_DNS query $DNS4 53
	control_row "8c the same query, not redirected" $DNS_TURN ns/lookup
fi

if want 1; then
	# What 1 and 6 pay in the shim itself, without the kernel's noise:
	# the hot path with the real sendto replaced (bench/hotcost.c).
	read -r hot bare < <(taskset -c "$CPU" "$HOTCOST" 5000000) ||
		die "hotcost failed"
	printf "$ROW_FMT" "the shim's own work per sendto (no kernel)" \
		"$hot ns/call" "$bare ns/call" \
		"$(awk -v a="$hot" -v b="$bare" 'BEGIN { printf "+%.1f ns", a - b }')" \
		"(information)" "-" "best of 7 x 5M calls"
fi

echo
MISSED=$(cat "$TMP/missed" 2>/dev/null | wc -l)
if [ "$MISSED" = 0 ]; then
	echo "bench: every figure within its target"
else
	echo "bench: $MISSED figure(s) missed their target"
fi
# Figures are reported, not asserted: a miss is news, not a build failure.
exit 0
