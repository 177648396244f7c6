#!/bin/bash
# test_supervise.sh - supervisor mode: programs whose socket calls the shim
# never sees (Go built with cgo and without, a static musl program, one
# making raw connect/sendto system calls, an i386 Go build on x86_64)
# leave by phy0 under each capture
# style, as root and as nobody: TCP and UDP (connected and not), v4 and v6,
# a child of sh -c, 32 goroutines connecting at once, io_uring refused. A control shows each client without bindif (and the Go
# one with the shim alone) goes into the tun. Rules pass and reject per
# destination; a program's own SO_BINDTODEVICE stands; loopback and the
# app's own address stay reachable; -v says
# what it decided; when phy0 goes down mid-run, and once bindif is
# SIGKILLed, the program's later connects fail, with nothing in the tun.

. "$(dirname "$0")/lib.sh"

STYLES=${CAPTURE_STYLES:-clashx split policy}
GO=$BUILD/tests/goclient
GO_STATIC=$BUILD/tests/goclient-static
MUSL=$BUILD/tests/muslclient
RAW=$BUILD/tests/rawclient

for f in "$GO" "$GO_STATIC" "$MUSL" "$RAW"; do
	[ -x "$f" ] || { say "Bail out! $f is missing (make $f)"; exit 1; }
done

# The pid of the bindif below process $1 (background jobs are subshells,
# ip netns exec, setpriv and timeout between).
bindif_below() {
	local c
	for c in $(pgrep -P "$1"); do
		if [ "$(cat /proc/"$c"/comm 2>/dev/null)" = bindif ]; then
			echo "$c"
			return 0
		fi
		bindif_below "$c" && return 0
	done
	return 1
}

# Waits (<= 5 s) for http-twice's first answer in FILE.
wait_reply() {
	local i
	for i in $(seq 1 50); do
		grep -q peer= "$1" && return 0
		sleep 0.1
	done
	return 1
}

tun_re() { printf '^%s %s [^ ]+ %s %s' "$1" "$2" "$(printf '%s' "$3" | sed 's/\./\\./g')" "$4"; }

# The clients where nobody can run them (the checkout may be 0700).
pub_clients() {
	cp "$GO" "$GO_STATIC" "$MUSL" "$RAW" "$LAB_PUB/"
	if [ -x "$BUILD/tests/goclient-386" ]; then
		cp "$BUILD/tests/goclient-386" "$LAB_PUB/"
		chmod 755 "$LAB_PUB/goclient-386"
	fi
	chmod 755 "$LAB_PUB/goclient" "$LAB_PUB/goclient-static" \
		"$LAB_PUB/muslclient" "$LAB_PUB/rawclient"
}

# launcher WHO: the bindif command for root or nobody, and where the
# clients are for it.
launcher() {
	if [ "$1" = nobody ]; then
		LAUNCH=app_bindif_nobody
		BIN=$LAB_PUB
	else
		LAUNCH=app_bindif
		BIN=$BUILD/tests
	fi
}

# 1. The capture is real for each client, and the shim alone is no help.
control() {
	local s=$1 c cs="goclient goclient-static muslclient rawclient"
	[ -x "$BUILD/tests/goclient-386" ] && cs="$cs goclient-386"
	# Every client once; then the capture needs showing for one.
	[ "$s" != "${STYLES%% *}" ] && cs=goclient-static
	for c in $cs; do
		tun_mark
		# The tun answers nothing: a short wait shows it.
		run in_app timeout 1.5 "$BUILD/tests/$c" http $SRV4
		expect_failed "[$s] control: $c without bindif gets no answer"
		expect_tun "[$s] control: the tun saw $c's SYN" "$(tun_re 4 tcp $SRV4 '80 syn')"
	done
	# What the supervisor is for: the shim is loaded into the cgo build,
	# and Go's own connect goes past it.
	tun_mark
	run in_app timeout 1.5 env LD_PRELOAD="$SHIM" BINDIF_INTERFACE=phy0 "$GO" http $SRV4
	expect_failed "[$s] control: the Go client with the shim alone gets no answer"
	expect_tun "[$s] control: and its SYN went into the tun" "$(tun_re 4 tcp $SRV4 '80 syn')"
	[ "$s" != "${STYLES%% *}" ] && return
	tun_mark
	run in_app timeout 1.5 env LD_PRELOAD="$SHIM" BINDIF_INTERFACE=phy0 "$RAW" http $SRV4
	expect_failed "[$s] control: raw connect with the shim alone gets no answer"
	expect_tun "[$s] control: and its SYN went into the tun" "$(tun_re 4 tcp $SRV4 '80 syn')"
}

# 2. TCP v4 and v6 for each client, as root and as nobody.
tcp_escapes() {
	local s=$1 who c opt
	for who in root nobody; do
		launcher $who
		for c in goclient goclient-static muslclient rawclient; do
			# The raw one looks like any glibc program: asked for.
			opt=
			[ $c = rawclient ] && opt=--supervise
			tun_mark
			run $LAUNCH -i phy0 $opt -- "$BIN/$c" http $SRV4
			expect_reply "[$s] $who $c v4: the peer sees phy0's address" "peer=$APP4"
			run $LAUNCH -i phy0 $opt -- "$BIN/$c" http $SRV6
			expect_reply "[$s] $who $c v6: the peer sees phy0's address" "peer=$APP6"
			expect_tun_quiet "[$s] $who $c: nothing of it in the tun"
		done
	done
}

# 3. UDP connected (a connect) and not (an addressed sendto/sendmsg),
#    from a socket of the destination's family and from a dual-stack one.
udp_escapes() {
	local s=$1 who c cs mode host want
	for who in root nobody; do
		launcher $who
		tun_mark
		cs="goclient goclient-static muslclient"
		# nobody's UDP: the matrix once, then the static Go client.
		[ $who = nobody ] && [ "$s" != "${STYLES%% *}" ] && cs=goclient-static
		for c in $cs; do
			for mode in udp-connect udp-sendto; do
				for host in $SRV4 $SRV6; do
					want=peer=$APP4
					[ $host = $SRV6 ] && want=peer=$APP6
					run $LAUNCH -i phy0 -- "$BIN/$c" $mode $host
					expect_reply "[$s] $who $c $mode $host: reply from phy0's address" "$want"
				done
			done
		done
		# Go's own default: one AF_INET6 socket for both families,
		# IPv4 destinations v4-mapped.
		run $LAUNCH -i phy0 -- "$BIN/goclient-static" udp-dual $SRV4
		expect_reply "[$s] $who dual-stack socket to $SRV4 (v4-mapped): from phy0" "peer=$APP4"
		run $LAUNCH -i phy0 -- "$BIN/goclient-static" udp-dual $SRV6
		expect_reply "[$s] $who dual-stack socket to $SRV6: from phy0" "peer=$APP6"
		expect_tun_quiet "[$s] $who udp: nothing of it in the tun"
	done
}

# An i386 program on x86_64 (Go's socket calls go through socketcall
# there): another architecture to the loader, so asked for.
i386() {
	local s=$1 who host want
	[ -x "$BUILD/tests/goclient-386" ] || return 0
	for who in root nobody; do
		launcher $who
		tun_mark
		for host in $SRV4 $SRV6; do
			want=peer=$APP4
			[ $host = $SRV6 ] && want=peer=$APP6
			run $LAUNCH -i phy0 --supervise -- "$BIN/goclient-386" http $host
			expect_reply "[$s] $who i386 $host: TCP from phy0's address" "$want"
			run $LAUNCH -i phy0 --supervise -- "$BIN/goclient-386" udp-sendto $host
			expect_reply "[$s] $who i386 $host: UDP sendto from phy0's address" "$want"
		done
		expect_tun_quiet "[$s] $who i386: nothing of it in the tun"
	done
}

# 4. The filter holds the whole tree: a child of sh -c under --supervise.
#    Without it, sh gets the shim, which refuses to start a Go child
#    unbound and says what to do.
children() {
	local s=$1 who
	for who in root nobody; do
		launcher $who
		tun_mark
		run $LAUNCH -i phy0 --supervise -- sh -c "$BIN/goclient-static http $SRV4; $BIN/goclient udp-sendto $SRV6"
		expect_reply "[$s] $who: sh -c's Go children leave by phy0" "peer=$APP4
peer=$APP6"
		expect_tun_quiet "[$s] $who: nothing of the children in the tun"
	done
	tun_mark
	run app_bindif -i phy0 -- sh -c "$GO http $SRV4"
	expect_eq "[$s] a Go child of a shimmed sh is refused (sh: 126)" 126 "$RC"
	expect_contains "[$s]   advising the supervisor" "--supervise" "$ERR"
	expect_tun_quiet "[$s]   and nothing of it in the tun"
}

# 5. Per-destination rules, which kernel mode cannot apply.
rules() {
	local s=$1 who
	printf '%s\n' 'interface = "phy0";
rules = (
  { dst = "198.51.100.10"; port = 80; proto = "tcp"; action = "reject"; errno = "EACCES"; },
  { dst = "2001:db8:2::10"; proto = "udp"; action = "pass"; }
);' >"$LAB_PUB/sup.conf"
	chmod 644 "$LAB_PUB/sup.conf"
	for who in root nobody; do
		launcher $who
		tun_mark
		run $LAUNCH -c "$LAB_PUB/sup.conf" -- "$BIN/goclient" http $SRV4
		expect_eq "[$s] $who reject: the connect fails with the rule's errno" \
			"error: dial tcp $SRV4:80: connect: permission denied" "$OUT"
		expect_tun_quiet "[$s] $who reject: nothing of it in the tun"
		run $LAUNCH -c "$LAB_PUB/sup.conf" -- "$BIN/goclient" udp-sendto $SRV4
		expect_reply "[$s] $who reject: other traffic to the server leaves by phy0" "peer=$APP4"
		tun_mark
		# Into the tun, which answers nothing: a short wait shows it.
		if [ $who = nobody ]; then
			run app_nobody timeout 1.5 "$PUB_BINDIF" -c "$LAB_PUB/sup.conf" -- \
				"$BIN/goclient-static" udp-sendto $SRV6
		else
			run in_app timeout 1.5 "$BINDIF" -c "$LAB_PUB/sup.conf" -- \
				"$BIN/goclient-static" udp-sendto $SRV6
		fi
		expect_failed "[$s] $who pass: the passed datagram follows the routing"
		expect_tun "[$s] $who pass: into the tun" "$(tun_re 6 udp $SRV6 9)"
		run $LAUNCH -c "$LAB_PUB/sup.conf" -- "$BIN/goclient-static" http $SRV6
		expect_reply "[$s] $who pass: the rest still leaves by phy0" "peer=$APP6"
	done
}

# 6. Loopback and the app's own address are left alone; -v tells.
local_and_verbose() {
	local s=$1
	run app_bindif -i phy0 -- "$GO_STATIC" http 127.0.0.1
	expect_reply "[$s] loopback is reached as is" "peer=127.0.0.1"
	run app_bindif -i phy0 -- "$GO" http $APP4
	expect_reply "[$s] the app's own address is reached as is" "peer=$APP4"
	run app_bindif -i phy0 -- "$GO" udp-sendto ::1
	expect_reply "[$s] loopback UDP is reached as is" "peer=::1"
	# The program's own SO_BINDTODEVICE stands, as in the shim: bound to
	# tun0 by itself, its SYN goes there.
	tun_mark
	run in_app timeout 1.5 "$BINDIF" -i phy0 -- "$GO" http-bound $SRV4 tun0
	expect_failed "[$s] own binding: the program's choice of tun0 stands"
	expect_tun "[$s] own binding: its SYN is in the tun" "$(tun_re 4 tcp $SRV4 '80 syn')"
	run app_bindif -i phy0 -- "$GO_STATIC" http-bound $SRV4 phy0
	expect_reply "[$s] own binding to phy0: from phy0" "peer=$APP4"
	run app_bindif -v -i phy0 -- "$GO" http $SRV4
	expect_reply "[$s] -v: the client still gets its answer" "peer=$APP4"
	expect_contains "[$s] -v: says it supervises" "supervising its system calls instead" "$ERR"
	expect_contains "[$s] -v: and its decision" "supervised connect $SRV4:80/tcp -> phy0" "$ERR"
}

# io_uring, whose rings would carry socket calls no filter sees: refused
# with ENOSYS, so programs fall back to the calls bindif does see.
io_uring() {
	local s=$1
	run in_app timeout 5 "$MUSL" io_uring
	if [ "$OUT" = "io_uring: ok" ]; then
		pass "[$s] control: io_uring is there without bindif"
	else
		note "io_uring is unavailable on this host ($OUT): no control"
	fi
	run app_bindif -i phy0 -- "$MUSL" io_uring
	expect_eq "[$s] supervised: io_uring_setup fails with ENOSYS" \
		"error: io_uring: Function not implemented" "$OUT"
}

# 32 goroutines at once: their connects come from Go's many threads.
threads() {
	local s=$1
	tun_mark
	run app_bindif -i phy0 -- "$GO_STATIC" http-parallel $SRV4 32
	expect_reply "[$s] 32 goroutines: every connect leaves by phy0" "32 peer=$APP4"
	expect_tun_quiet "[$s] 32 goroutines: nothing of them in the tun"
}

# phy0 goes down while the program runs: its socket is bound to phy0,
# so the next connect fails there rather than follow the capture.
iface_down() {
	local s=$1 go=$LAB_PUB/down.$1 out=$LAB_PUB/down.$1.out pid
	rm -f "$go"
	: >"$out"
	app_bindif -i phy0 -- "$GO" http-twice $SRV4 "$go" >"$out" 2>&1 &
	pid=$!
	wait_reply "$out"
	expect_eq "[$s] down: the first connect left by phy0" "peer=$APP4" "$(head -n 1 "$out")"
	ip -n "$NS_APP" link set phy0 down
	tun_mark
	touch "$go"
	wait "$pid"
	expect_contains "[$s] down: the later connect fails" "error: dial tcp" "$(sed -n 2p "$out")"
	expect_tun_quiet "[$s] down: nothing of it in the tun"
	lab_phy_reset
}

# 7. bindif SIGKILLed while the program runs: the filter stays, its
#    listener is gone, so the kernel fails the program's later connects.
killed() {
	local s=$1 who=$2 go=$LAB_PUB/go.$1.$2 out=$LAB_PUB/killed.$1.$2 pid bpid i
	launcher $who
	rm -f "$go"
	: >"$out"
	: >"$out.err"
	chmod 666 "$out" "$out.err"
	$LAUNCH -v -i phy0 -- "$BIN/goclient" http-twice $SRV4 "$go" >"$out" 2>"$out.err" &
	pid=$!
	wait_reply "$out"
	expect_eq "[$s] $who kill: the first connect left by phy0" "peer=$APP4" "$(head -n 1 "$out")"
	bpid=$(bindif_below "$pid")
	expect_eq "[$s] $who kill: bindif found below the job" yes \
		"$([ -n "$bpid" ] && echo yes)"
	tun_mark
	[ -n "$bpid" ] && kill -KILL "$bpid"
	sleep 0.2
	touch "$go"
	for i in $(seq 1 50); do
		[ "$(wc -l <"$out")" -ge 2 ] && break
		sleep 0.1
	done
	wait "$pid" 2>/dev/null
	expect_contains "[$s] $who kill: the later connect fails" \
		"connect: function not implemented" "$(sed -n 2p "$out")"
	expect_tun_quiet "[$s] $who kill: nothing of it in the tun"
	[ "$T_FAIL" = 0 ] || show "bindif -v" "$(cat "$out.err")"
}

for style in $STYLES; do
	note "style $style"
	lab_up "$style"
	lab_local_servers
	pub_clients
	control "$style"
	tcp_escapes "$style"
	udp_escapes "$style"
	i386 "$style"
	children "$style"
	rules "$style"
	local_and_verbose "$style"
	threads "$style"
	io_uring "$style"
	killed "$style" root
	# As nobody once: the kernel's answer does not depend on the routes.
	[ "$style" = "${STYLES%% *}" ] && killed "$style" nobody
	iface_down "$style"
	lab_down
done
summary
