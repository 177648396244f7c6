# lib.sh - the namespace lab shared by the integration tests; sourced, not run.
#
# Two network namespaces joined by a veth pair:
#   app  phy0 192.0.2.1/24 2001:db8:1::1/64  <->  wan0 192.0.2.254/24 2001:db8:1::254/64  out
# "out" holds the servers (peer.py) on 198.51.100.10 and 2001:db8:2::10 (on lo).
# "app" is where bindif runs; tun0 there is owned by tunlog, our stand-in
# for a VPN, and `lab_up STYLE` makes the routing send everything into it.
# Nothing here touches the host's namespace: every link, address, route and
# rule is created inside namespaces named bdf<pid>-*, deleted on exit.
#
# Other users. Some checks run as nobody, and the checkout (so $BUILD and
# this directory) may be where nobody cannot go: under /root, in a 0700
# home, in a `mktemp -d`. So whatever nobody must execute, preload or read
# is staged in LAB_PUB (mode 0755, files 0644 or 0755; made by lab_up,
# removed by lab_down):
#   PUB_BINDIF PUB_SHIM  the launcher and the shim, side by side: the
#                        launcher finds the shim next to itself
#   PUB_STATIC           the statically linked test client
#   CLIENT               the python client (write_client)
#   pub_stage SRC [NAME] stages anything else (a file or a directory) and
#                        prints the copy's path
# Files a test writes for nobody go straight into LAB_PUB; LAB_TMP is
# root's. Run commands as nobody with as_nobody, app_nobody or
# app_bindif_nobody; a runner of a test's own calls `nobody_guard "$@"`
# first, and runs "${NOBODY[@]}" CMD from LAB_PUB. The guard checks that
# nobody can reach every existing absolute path among the arguments
# (and in NAME=/path words); when one is out of reach it runs nothing
# (status 126) and the check fails as the environment's fault, in one
# line naming the path and the directory that closes it. Paths inside a
# `sh -c` string are not seen: stage them all the same. A command that
# becomes nobody by itself (su -l) runs under app_bindif_pub, so that its
# programs too find the shim.

set -u

INTEG_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$INTEG_DIR/../.." && pwd)
BUILD=${BINDIF_BUILD:-$REPO/build}
BINDIF=$BUILD/bindif
SHIM=$BUILD/libbindif.so
TUNLOG=$BUILD/tests/tunlog
PY=/usr/bin/python3          # not PATH's: a pyenv shim is unusable by nobody

# shim_lib PREFIX: the name the shim opens a library by on first use
# ("libcares.so.2"), as the build wrote it into the shim.
shim_lib() { tr -c '[:print:]' '\n' <"$SHIM" | grep -m 1 "^$1\.so\."; }

# bad_lib_dir PREFIX: a directory holding, under that library's name, a
# file that is no library: with LD_LIBRARY_PATH there, the shim cannot
# open it.
bad_lib_dir() {
	mkdir -p "$LAB_TMP/badlib"
	printf 'not a library\n' >"$LAB_TMP/badlib/$(shim_lib "$1")"
	chmod -R a+rX "$LAB_TMP/badlib"
	echo "$LAB_TMP/badlib"
}

SRV4=198.51.100.10
SRV6=2001:db8:2::10
APP4=192.0.2.1
APP6=2001:db8:1::1
URL4=http://$SRV4/
URL6="http://[$SRV6]/"

# python -c: connects to the server, prints its answer, then the
# process's mappings (which libraries it opened).
MAPS_AFTER_CONNECT="
import socket
s = socket.create_connection(('$SRV4', 80), timeout=3)
s.sendall(b'GET / HTTP/1.0\\r\\n\\r\\n')
print(s.makefile('rb').read().decode().split('\\r\\n\\r\\n')[-1])
print(open('/proc/self/maps').read())"

LAB_ID=bdf$$
NS_APP=$LAB_ID-app
NS_OUT=$LAB_ID-out
LAB_TMP=""     # root-only scratch: logs, markers
LAB_PUB=""     # mode 755: what nobody runs or reads (see the top)
LAB_PIDS=()    # background servers we started
LAB_TEARDOWN_DONE=0

T_N=0
T_PASS=0
T_FAIL=0

# ---------------------------------------------------------------- output

say() { printf '%s\n' "$*"; }
note() { printf '# %s\n' "$*"; }

# Indented so a failure's evidence stays readable under its "not ok".
show() {
	local label=$1 text=$2
	printf '#   %s: ' "$label"
	if [ -z "$text" ]; then
		printf '(empty)\n'
	else
		printf '%s\n' "$text" | head -n 8 | sed '2,$s/^/#     /'
	fi
}

pass() {
	env_failures
	T_N=$((T_N + 1)); T_PASS=$((T_PASS + 1))
	say "ok $T_N - $1"
}

fail() {
	env_failures
	T_N=$((T_N + 1)); T_FAIL=$((T_FAIL + 1))
	say "not ok $T_N - $1"
}

# What nobody_guard refused (in a subshell, most often: `run` captures),
# each as one failed check of its own, before the check that follows.
env_failures() {
	local line
	[ -n "$LAB_TMP" ] && [ -s "$LAB_TMP/env.fail" ] || return 0
	while IFS= read -r line; do
		T_N=$((T_N + 1)); T_FAIL=$((T_FAIL + 1))
		say "not ok $T_N - environment, not bindif: $line"
	done <"$LAB_TMP/env.fail"
	: >"$LAB_TMP/env.fail"
}

# expect_eq NAME EXPECTED SEEN
expect_eq() {
	if [ "$3" = "$2" ]; then
		pass "$1"
	else
		fail "$1"; show expected "$2"; show seen "$3"
	fi
}

# expect_contains NAME NEEDLE HAYSTACK
expect_contains() {
	case $3 in
	*"$2"*) pass "$1" ;;
	*) fail "$1"; show "expected to contain" "$2"; show seen "$3" ;;
	esac
}

# expect_not_contains NAME NEEDLE HAYSTACK
expect_not_contains() {
	case $3 in
	*"$2"*) fail "$1"; show "expected not to contain" "$2"; show seen "$3" ;;
	*) pass "$1" ;;
	esac
}

# run CMD...: OUT gets stdout, ERR stderr, RC the status. Callers give the
# command its own timeout; this is only capture.
run() {
	local e
	e=$(mktemp "$LAB_TMP/err.XXXXXX")
	OUT=$("$@" 2>"$e")
	RC=$?
	ERR=$(cat "$e")
	rm -f "$e"
}

# expect_exit NAME CODE CMD...
expect_exit() {
	local name=$1 code=$2
	shift 2
	run "$@"
	if [ "$RC" = "$code" ]; then
		pass "$name"
	else
		fail "$name"; show "expected exit" "$code"; show "seen exit" "$RC"
		show stdout "$OUT"; show stderr "$ERR"
	fi
}

# expect_reply NAME BODY: the last `run` exited 0 and printed exactly BODY.
expect_reply() {
	if [ "$RC" = 0 ] && [ "$OUT" = "$2" ]; then
		pass "$1"
	else
		fail "$1"; show expected "exit 0, $2"; show seen "exit $RC, $OUT"
		show stderr "$ERR"
	fi
}

# expect_failed NAME: the last `run` failed (non-zero) and got no reply.
expect_failed() {
	if [ "$RC" != 0 ] && [ "${OUT#*peer=}" = "$OUT" ]; then
		pass "$1"
	else
		fail "$1"; show expected "non-zero exit, no peer= reply"
		show seen "exit $RC, $OUT"; show stderr "$ERR"
	fi
}

# expect_tun NAME REGEX: the tun log got a matching line since tun_mark.
expect_tun() {
	local got
	got=$(tun_new "$2")
	if [ -n "$got" ]; then
		pass "$1"
	else
		fail "$1"; show "expected a tun line matching" "$2"
		show "tun log since mark" "$(tail -n +"$((TUN_MARK + 1))" "$TUN_LOG")"
	fi
}

# expect_tun_quiet NAME: nothing for the servers reached the tun since tun_mark.
expect_tun_quiet() {
	expect_eq "$1" "" "$(tun_new "$TUN_SRV")"
}

# The last line a test file prints; run.sh adds these up.
summary() {
	env_failures
	say "# summary: $T_PASS passed, $T_FAIL failed"
	[ "$T_FAIL" -eq 0 ]
}

# ---------------------------------------------------------------- running

# BINDIF_TEST_PRELOAD (make sanitize: the ASan runtime) must come first in
# LD_PRELOAD wherever our sanitized shim or launcher runs: lab_env prefixes
# commands with it, and puts it before a test's own LD_PRELOAD=... word.
# TEST_PRELOAD is "RUNTIME:" then, for tests that print LD_PRELOAD.
TEST_PRELOAD=${BINDIF_TEST_PRELOAD:+$BINDIF_TEST_PRELOAD:}
LAB_ENV=()
lab_env() {
	local a
	LAB_ENV=()
	if [ -z "$TEST_PRELOAD" ]; then
		LAB_ENV=("$@")
		return
	fi
	LAB_ENV=(env "LD_PRELOAD=$BINDIF_TEST_PRELOAD")
	for a in "$@"; do
		case $a in
		LD_PRELOAD=*) a="LD_PRELOAD=$TEST_PRELOAD${a#LD_PRELOAD=}" ;;
		esac
		LAB_ENV+=("$a")
	done
}

in_app() { lab_env "$@"; ip netns exec "$NS_APP" "${LAB_ENV[@]}"; }
in_out() { ip netns exec "$NS_OUT" "$@"; }

# ---------------------------------------------------------------- nobody

NOBODY=(setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all --)

# The copies in LAB_PUB (lab_pub makes them; see the top).
PUB_BINDIF=""
PUB_SHIM=""
PUB_STATIC=""
CLIENT=""      # python client helper, see write_client

# pub_stage SRC [NAME]: a copy of SRC (a file or a directory) in LAB_PUB
# that nobody can read, and execute where SRC is executable; prints its
# path. No setuid bit or owner comes along.
pub_stage() {
	local dst=$LAB_PUB/${2:-$(basename "$1")}
	if [ -d "$1" ]; then
		cp -R "$1" "$dst" && chmod -R u=rwX,go=rX "$dst"
	elif [ -x "$1" ]; then
		cp "$1" "$dst" && chmod 755 "$dst"
	else
		cp "$1" "$dst" && chmod 644 "$dst"
	fi || { echo "pub_stage: cannot stage $1 in $LAB_PUB" >&2; return 1; }
	printf '%s\n' "$dst"
}

# nobody_reach PATH...: one line for each absolute PATH that nobody cannot
# execute (a directory: search; a file with an x bit: run) or else read,
# naming the first directory on the way that is closed to it. Status 1
# if there was any. One setpriv for the lot: the guards call it per run.
nobody_reach() {
	local p how args=() bad rc
	for p in "$@"; do
		how=-r
		if [ -d "$p" ] || [ -x "$p" ]; then how=-x; fi
		args+=("$how" "$p")
	done
	[ ${#args[@]} = 0 ] && return 0
	bad=$("${NOBODY[@]}" /bin/sh -c '
		while [ $# -gt 1 ]; do
			how=$1 p=$2
			shift 2
			test "$how" "$p" && continue
			d="" rest=${p#/} at=$p
			while [ "${rest#*/}" != "$rest" ]; do
				d=$d/${rest%%/*} rest=${rest#*/}
				test -x "$d" || { at=$d; break; }
			done
			printf "%s\t%s\t%s\n" "$how" "$p" "$at"
		done
		exit 0' sh "${args[@]}" 2>&1)
	rc=$?
	if [ $rc != 0 ]; then
		echo "cannot run a command as nobody (setpriv exit $rc): $bad"
		return 1
	fi
	[ -z "$bad" ] && return 0
	printf '%s\n' "$bad" | while IFS=$'\t' read -r how p at; do
		if [ "$at" = "$p" ]; then
			[ "$how" = -x ] && how="execute" || how="read"
			printf 'nobody cannot %s %s (mode %s, owner %s)' "$how" "$p" \
				"$(stat -c '%a' "$p")" "$(stat -c '%U' "$p")"
		else
			printf 'nobody cannot reach %s: %s is mode %s (owner %s)' "$p" \
				"$at" "$(stat -c '%a' "$at")" "$(stat -c '%U' "$at")"
		fi
		printf '; stage it in LAB_PUB (pub_stage, lib.sh)\n'
	done
	return 1
}

# nobody_guard WORD...: before a command runs as nobody, every existing
# absolute path among its words (and the /paths of NAME=/a:/b words,
# --opt=/path too)
# must be reachable by nobody. If not: the reasons on stderr and in
# LAB_TMP/env.fail (counted by pass, fail and summary), and status 1.
nobody_guard() {
	local w p parts paths=() why
	for w in "$@"; do
		case $w in
		/*) parts=("$w") ;;
		?*=/*) IFS=: read -r -a parts <<<"${w#*=}" ;;
		*) continue ;;
		esac
		for p in "${parts[@]}"; do
			case $p in /*) [ -e "$p" ] && paths+=("$p") ;; esac
		done
	done
	why=$(nobody_reach "${paths[@]}") && return 0
	printf '%s\n' "$why" | sed 's/^/lab: /' >&2
	[ -n "$LAB_TMP" ] && printf '%s\n' "$why" >>"$LAB_TMP/env.fail"
	return 1
}

# Drops to nobody inside whatever namespace the caller is in, from
# LAB_PUB (a cwd nobody can enter).
as_nobody() {
	lab_env "$@"
	nobody_guard "${LAB_ENV[@]}" || return 126
	(cd "$LAB_PUB" && "${NOBODY[@]}" "${LAB_ENV[@]}")
}

# CMD in the app namespace as nobody, from LAB_PUB.
app_nobody() {
	lab_env "$@"
	nobody_guard "${LAB_ENV[@]}" || return 126
	(cd "$LAB_PUB" && ip netns exec "$NS_APP" "${NOBODY[@]}" "${LAB_ENV[@]}")
}

# bindif in the app namespace, as root or as nobody (the public copy).
app_bindif() { in_app timeout 10 "$BINDIF" "$@"; }
app_bindif_nobody() { app_nobody timeout 10 "$PUB_BINDIF" "$@"; }
# As root, from the public copies: for a command that becomes another
# user itself (su -l nobody), whose programs load the shim from there.
app_bindif_pub() { in_app timeout 10 "$PUB_BINDIF" "$@"; }

# curl with what every test wants: quiet, bounded, no proxy from the env.
CURL=(curl -s -m 3 --noproxy '*')

# ---------------------------------------------------------------- tun log

TUN_LOG=""
TUN_MARK=0

# Lines in the tun log matching an extended regex (the whole log).
tun_count() {
	grep -cE -- "$1" "$TUN_LOG" 2>/dev/null || true
}

# Remember where the log ends, so tun_new sees only what came after.
tun_mark() {
	TUN_MARK=$(wc -l <"$TUN_LOG")
}

# Lines since tun_mark matching the regex, after a short settle: tunlog
# reads the device asynchronously, and "nothing arrived" needs that time.
tun_new() {
	sleep 0.3
	tail -n +"$((TUN_MARK + 1))" "$TUN_LOG" | grep -E -- "$1" || true
}

# Regexes for "a packet to one of the servers".
TUN_SRV4=" $(printf '%s' "$SRV4" | sed 's/\./\\./g') "
TUN_SRV6=" $SRV6 "
TUN_SRV="($TUN_SRV4|$TUN_SRV6)"

# ---------------------------------------------------------------- lab

lab_preflight() {
	local f
	for f in "$BINDIF" "$SHIM" "$TUNLOG"; do
		if [ ! -x "$f" ] && [ ! -r "$f" ]; then
			say "Bail out! $f is missing (build first, or set BINDIF_BUILD)"
			exit 1
		fi
	done
	if [ "$(id -u)" != 0 ]; then
		say "Bail out! the lab needs root"
		exit 1
	fi
}

# Kill what we started (by pid), then every process still inside our own
# namespaces (all ours: the names are unique to this run), then delete them.
lab_down() {
	local pid ns
	[ "$LAB_TEARDOWN_DONE" = 1 ] && return 0
	LAB_TEARDOWN_DONE=1
	for pid in "${LAB_PIDS[@]}"; do
		kill "$pid" 2>/dev/null
	done
	for ns in "$NS_APP" "$NS_OUT"; do
		ip netns list 2>/dev/null | grep -qw -- "$ns" || continue
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill "$pid" 2>/dev/null
		done
	done
	sleep 0.2
	for ns in "$NS_APP" "$NS_OUT"; do
		ip netns list 2>/dev/null | grep -qw -- "$ns" || continue
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -9 "$pid" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null
	done
	for pid in "${LAB_PIDS[@]}"; do
		wait "$pid" 2>/dev/null
	done
	LAB_PIDS=()
	env_failures
	[ -n "$LAB_TMP" ] && rm -rf "$LAB_TMP"
	[ -n "$LAB_PUB" ] && rm -rf "$LAB_PUB"
	return 0
}

lab_trap() {
	trap 'lab_down' EXIT
	trap 'lab_down; exit 130' INT
	trap 'lab_down; exit 143' TERM
}

# Waits up to ~5 s for a file to exist (and be non-empty).
wait_file() {
	local i
	for i in $(seq 1 50); do
		[ -s "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

die_lab() {
	say "Bail out! lab: $*"
	exit 1
}

# Namespaces and sysctls. DAD off so addresses are usable at once.
lab_netns() {
	local ns
	for ns in "$NS_APP" "$NS_OUT"; do
		ip netns add "$ns" || die_lab "cannot create netns $ns"
		ip netns exec "$ns" sh -c '
			sysctl -qw net.ipv6.conf.all.accept_dad=0
			sysctl -qw net.ipv6.conf.default.accept_dad=0
			ip link set lo up' || die_lab "cannot set up $ns"
	done
}

# phy0 <-> wan0 with addresses and the app's default routes. Also used to
# replace phy0 by a new device (a new ifindex) in test_down.
lab_phy() {
	# Created from inside app, the peer moved straight to out: neither
	# end ever exists in the host's namespace.
	ip -n "$NS_APP" link add phy0 type veth peer name wan0 netns "$NS_OUT" \
		|| die_lab "veth"
	ip -n "$NS_APP" addr add $APP4/24 dev phy0
	ip -n "$NS_APP" addr add $APP6/64 dev phy0 nodad
	ip -n "$NS_OUT" addr add 192.0.2.254/24 dev wan0
	ip -n "$NS_OUT" addr add 2001:db8:1::254/64 dev wan0 nodad
	ip -n "$NS_APP" link set phy0 up
	ip -n "$NS_OUT" link set wan0 up
	ip -n "$NS_APP" route add default via 192.0.2.254 dev phy0 \
		|| die_lab "v4 default"
	ip -n "$NS_APP" -6 route add default via 2001:db8:1::254 dev phy0 \
		|| die_lab "v6 default"
}

# Puts phy0 back as lab_phy made it (after a test took it down or away).
lab_phy_reset() {
	ip -n "$NS_APP" link del phy0 2>/dev/null
	lab_phy
}

lab_servers() {
	ip -n "$NS_OUT" addr add $SRV4/32 dev lo
	ip -n "$NS_OUT" addr add $SRV6/128 dev lo nodad
	in_out "$PY" "$INTEG_DIR/peer.py" --ready "$LAB_TMP/peer.ready" \
		--log "$LAB_TMP/peer.log" --lifetime 600 $SRV4 $SRV6 \
		>"$LAB_TMP/peer.out" 2>&1 &
	LAB_PIDS+=($!)
	wait_file "$LAB_TMP/peer.ready" || die_lab "peer.py did not start: $(cat "$LAB_TMP/peer.out")"
}

# Servers inside app itself, on loopback and on app's own addresses.
lab_local_servers() {
	in_app "$PY" "$INTEG_DIR/peer.py" --ready "$LAB_TMP/local.ready" \
		--lifetime 600 127.0.0.1 ::1 $APP4 $APP6 \
		>"$LAB_TMP/local.out" 2>&1 &
	LAB_PIDS+=($!)
	wait_file "$LAB_TMP/local.ready" || die_lab "local peer.py did not start: $(cat "$LAB_TMP/local.out")"
}

lab_tun() {
	TUN_LOG=$LAB_TMP/tun.log
	# LAB_FAKE_DNS=1: the tun answers DNS with fake addresses (test_dns).
	in_app "$TUNLOG" ${LAB_FAKE_DNS:+--fake-dns} tun0 "$TUN_LOG" \
		>"$LAB_TMP/tunlog.out" 2>&1 &
	LAB_PIDS+=($!)
	local i
	for i in $(seq 1 50); do
		grep -q ready "$LAB_TMP/tunlog.out" 2>/dev/null && break
		sleep 0.1
	done
	grep -q ready "$LAB_TMP/tunlog.out" || die_lab "tunlog: $(cat "$LAB_TMP/tunlog.out")"
	ip -n "$NS_APP" addr add 198.18.0.1/30 dev tun0
	ip -n "$NS_APP" addr add 2001:db8:ff::1/64 dev tun0 nodad
	ip -n "$NS_APP" link set tun0 up
}

# The capture, as the VPNs and TUN proxies of the README do it.
lab_capture() {
	local r
	case $1 in
	clashx)
		for r in 1.0.0.0/8 2.0.0.0/7 4.0.0.0/6 8.0.0.0/5 16.0.0.0/4 \
		    32.0.0.0/3 64.0.0.0/2 128.0.0.0/1; do
			ip -n "$NS_APP" route add $r dev tun0 || die_lab "route $r"
		done
		ip -n "$NS_APP" -6 route add ::/1 dev tun0 || die_lab "::/1"
		ip -n "$NS_APP" -6 route add 8000::/1 dev tun0 || die_lab "8000::/1"
		;;
	split)
		ip -n "$NS_APP" route add 0.0.0.0/1 dev tun0 || die_lab "0/1"
		ip -n "$NS_APP" route add 128.0.0.0/1 dev tun0 || die_lab "128/1"
		ip -n "$NS_APP" -6 route add ::/1 dev tun0 || die_lab "::/1"
		ip -n "$NS_APP" -6 route add 8000::/1 dev tun0 || die_lab "8000::/1"
		;;
	policy)
		# wg-quick: everything unmarked looks up 51820 (default dev
		# tun0); main is consulted first but its default is suppressed.
		local fam
		for fam in -4 -6; do
			ip -n "$NS_APP" $fam route add default dev tun0 table 51820 \
				|| die_lab "$fam table 51820"
			ip -n "$NS_APP" $fam rule add not fwmark 51820 table 51820 \
				|| die_lab "$fam rule fwmark"
			ip -n "$NS_APP" $fam rule add table main suppress_prefixlength 0 \
				|| die_lab "$fam rule suppress"
		done
		;;
	none) ;;
	*) die_lab "unknown style $1" ;;
	esac
}

# The capture as `ip` shows it, for humans.
lab_show_capture() {
	ip -n "$NS_APP" route show | grep tun0 | grep -v "proto kernel"
	ip -n "$NS_APP" -6 route show | grep tun0 | grep -v "proto kernel"
	ip -n "$NS_APP" rule show | grep -v -e '^0:' -e '^3276[67]:'
	ip -n "$NS_APP" -6 rule show | grep -v -e '^0:' -e '^3276[67]:'
	ip -n "$NS_APP" route show table 51820 2>/dev/null
	ip -n "$NS_APP" -6 route show table 51820 2>/dev/null
}

# Copies for nobody, and the python client; the lab stops here if nobody
# cannot reach them (/tmp closed to it, or mounted noexec).
lab_pub() {
	local why
	LAB_PUB=$(mktemp -d /tmp/bindif-pub.XXXXXX) || die_lab "mktemp in /tmp"
	chmod 755 "$LAB_PUB"
	PUB_BINDIF=$(pub_stage "$BINDIF") || die_lab "staging $BINDIF"
	PUB_SHIM=$(pub_stage "$SHIM") || die_lab "staging $SHIM"
	if [ -e "$BUILD/tests/staticclient" ]; then
		PUB_STATIC=$(pub_stage "$BUILD/tests/staticclient") \
			|| die_lab "staging staticclient"
	fi
	CLIENT=$LAB_PUB/client.py
	write_client "$CLIENT"
	chmod 644 "$CLIENT"
	why=$(nobody_reach "$PUB_BINDIF" "$PUB_SHIM" "$CLIENT" \
		${PUB_STATIC:+"$PUB_STATIC"}) || die_lab "$why"
}

# lab_up STYLE: clashx | split | policy | none (no tun, no capture).
lab_up() {
	local style=$1
	LAB_TEARDOWN_DONE=0
	LAB_PIDS=()
	lab_preflight
	lab_trap
	LAB_TMP=$(mktemp -d /tmp/bindif-lab.XXXXXX)
	chmod 700 "$LAB_TMP"
	# The launcher's rules cache: the lab's, not root's home.
	export XDG_CACHE_HOME=$LAB_TMP/cache
	lab_pub
	lab_netns
	lab_phy
	lab_servers
	if [ "$style" != none ]; then
		lab_tun
		lab_capture "$style"
	else
		TUN_LOG=$LAB_TMP/tun.log
		: >"$TUN_LOG"
	fi
	# Unprivileged ICMP echo sockets, for the ping-style tests (per netns).
	in_app sysctl -qw net.ipv4.ping_group_range="0 65534"
	return 0
}

# A small client for what curl cannot do. Prints the server's reply (or
# "error: ..." and exits 1). Every socket has a 3 s timeout.
#   client.py http HOST                 plain TCP connect + GET on port 80
#   client.py udp-connect HOST          connect, send, recv on UDP 9
#   client.py udp-sendto HOST           sendto without connect
#   client.py udp-sendmsg HOST          sendmsg without connect
#   client.py udp-sendmmsg HOST1 HOST2  one sendmmsg to both (IPv4), replies sorted
#   client.py udp-mixed HOST...         one unconnected socket, sendto each HOST in
#                                       turn and read its reply; -HOST: not waited for
#   client.py udp-mixedmsg HOST...      the same with sendmsg
#   client.py icmp HOST                 ICMP echo on a datagram socket
#   client.py udp-pktinfo HOST IFACE    sendmsg with its own PKTINFO for IFACE
#   client.py udp-bound HOST IFACE      SO_BINDTODEVICE to IFACE itself, then
#                                       sendto twice, both replies
#   client.py tfo HOST                  sendto(MSG_FASTOPEN) on TCP 80
#   client.py fork-curl URL             fork, exec curl, wait
#   client.py http-twice HOST GOFILE    http, wait for GOFILE (<= 10 s), http
write_client() {
	cat >"$1" <<'EOF'
import os, signal, socket, struct, sys, time

def fam(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET

def sock(host, kind):
    s = socket.socket(fam(host), kind)
    s.settimeout(3)
    return s

GET = b"GET / HTTP/1.0\r\nHost: lab\r\n\r\n"

def body(data):
    return data.split(b"\r\n\r\n", 1)[-1].decode().strip()

def readall(s):
    data = b""
    while True:
        chunk = s.recv(4096)
        if not chunk:
            return data
        data += chunk

def http(host):
    s = sock(host, socket.SOCK_STREAM)
    s.connect((host, 80))
    s.sendall(GET)
    return body(readall(s))

def sendmmsg_to(*hosts):
    import ctypes
    class Iov(ctypes.Structure):
        _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]
    class Hdr(ctypes.Structure):
        _fields_ = [("name", ctypes.c_void_p), ("namelen", ctypes.c_uint32),
                    ("iov", ctypes.POINTER(Iov)), ("iovlen", ctypes.c_size_t),
                    ("control", ctypes.c_void_p), ("controllen", ctypes.c_size_t),
                    ("flags", ctypes.c_int)]
    class Msg(ctypes.Structure):      # struct mmsghdr
        _fields_ = [("hdr", Hdr), ("len", ctypes.c_uint)]
    s = sock(hosts[0], socket.SOCK_DGRAM)
    data = ctypes.create_string_buffer(b"hi", 2)
    iov = Iov(ctypes.cast(data, ctypes.c_void_p), 2)
    names, msgs = [], (Msg * len(hosts))()
    for i, h in enumerate(hosts):
        sin = socket.inet_pton(socket.AF_INET, h)
        raw = struct.pack("=H", socket.AF_INET) + struct.pack(">H", 9) + sin + bytes(8)
        names.append(ctypes.create_string_buffer(raw, len(raw)))
        msgs[i].hdr.name = ctypes.cast(names[-1], ctypes.c_void_p)
        msgs[i].hdr.namelen = len(raw)
        msgs[i].hdr.iov = ctypes.pointer(iov)
        msgs[i].hdr.iovlen = 1
    libc = ctypes.CDLL(None, use_errno=True)
    n = libc.sendmmsg(s.fileno(), msgs, len(hosts), 0)
    if n != len(hosts):
        return "error: sendmmsg returned %d errno %d" % (n, ctypes.get_errno())
    replies = sorted(s.recvfrom(512)[0].decode().strip() for _ in hosts)
    return " ".join(replies)

def main():
    mode, host = sys.argv[1], sys.argv[2]
    if mode == "http":
        return http(host)
    if mode == "http-twice":
        print(http(host), flush=True)
        for _ in range(100):
            if os.path.exists(sys.argv[3]):
                break
            time.sleep(0.1)
        else:
            return "error: no go file"
        return http(host)
    if mode == "udp-connect":
        s = sock(host, socket.SOCK_DGRAM)
        s.connect((host, 9))
        s.send(b"hi")
        return s.recv(512).decode().strip()
    if mode == "udp-sendto":
        s = sock(host, socket.SOCK_DGRAM)
        s.sendto(b"hi", (host, 9))
        return s.recvfrom(512)[0].decode().strip()
    if mode == "udp-sendmsg":
        s = sock(host, socket.SOCK_DGRAM)
        s.sendmsg([b"h", b"i"], [], 0, (host, 9))
        return s.recvfrom(512)[0].decode().strip()
    if mode in ("udp-mixed", "udp-mixedmsg"):
        s = sock(host.lstrip("-"), socket.SOCK_DGRAM)
        out = []
        for h in sys.argv[2:]:
            quiet, h = h.startswith("-"), h.lstrip("-")
            if mode == "udp-mixed":
                s.sendto(b"hi", (h, 9))
            else:
                s.sendmsg([b"hi"], [], 0, (h, 9))
            if not quiet:
                out.append(s.recvfrom(512)[0].decode().strip())
        return " ".join(out)
    if mode == "udp-sendmmsg":
        # Python has no sendmmsg; call libc's through ctypes, which the
        # preloaded shim interposes like any other caller's.
        return sendmmsg_to(host, sys.argv[3])
    if mode == "icmp":
        # An echo request on an ICMP datagram socket, as ping(8) does
        # unprivileged; only the real server (not the tun) answers.
        v6 = fam(host) == socket.AF_INET6
        s = socket.socket(fam(host), socket.SOCK_DGRAM,
                          socket.IPPROTO_ICMPV6 if v6 else socket.IPPROTO_ICMP)
        s.settimeout(3)
        req = struct.pack("!BBHHH", 128 if v6 else 8, 0, 0, 0, 1) + b"bindif"
        s.sendto(req, (host, 0))
        reply = s.recv(512)
        return "echo-reply" if reply[0] == (129 if v6 else 0) else \
            "error: icmp type %d" % reply[0]
    if mode == "udp-pktinfo":
        # The program asks for another interface itself (argv[3]) with
        # IP_PKTINFO / IPV6_PKTINFO; bindif must overwrite that index.
        s = sock(host, socket.SOCK_DGRAM)
        idx = socket.if_nametoindex(sys.argv[3])
        if fam(host) == socket.AF_INET:
            cmsg = (socket.IPPROTO_IP, 8, struct.pack("I4s4s", idx, bytes(4), bytes(4)))
        else:
            cmsg = (socket.IPPROTO_IPV6, 50, struct.pack("16sI", bytes(16), idx))
        s.sendmsg([b"hi"], [cmsg], 0, (host, 9))
        return s.recvfrom(512)[0].decode().strip()
    if mode == "udp-bound":
        # The program binds its own socket (ping -I, traceroute -i): that
        # binding stands, and its datagrams go plain, with no PKTINFO.
        s = sock(host, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE,
                     sys.argv[3].encode())
        replies = []
        for _ in range(2):
            s.sendto(b"hi", (host, 9))
            replies.append(s.recvfrom(512)[0].decode().strip())
        return " ".join(replies)
    if mode == "tfo":
        # Blocking: on a non-blocking socket (any settimeout) a first
        # MSG_FASTOPEN without a cookie only starts the connect (EINPROGRESS).
        s = socket.socket(fam(host), socket.SOCK_STREAM)
        signal.alarm(5)
        s.sendto(GET, socket.MSG_FASTOPEN, (host, 80))
        s.settimeout(3)
        return body(readall(s))
    if mode == "fork-curl":
        pid = os.fork()
        if pid == 0:
            os.execvp("curl", ["curl", "-s", "-m", "3", "--noproxy", "*", host])
        _, status = os.waitpid(pid, 0)
        return None if status == 0 else "error: curl status %d" % status
    return "error: unknown mode " + mode

try:
    out = main()
except OSError as e:
    print("error: %s" % e)
    sys.exit(1)
if out is not None:
    print(out)
    sys.exit(1 if out.startswith("error") else 0)
EOF
}
