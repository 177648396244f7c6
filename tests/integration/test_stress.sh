#!/bin/bash
# test_stress.sh - the shim under concurrency (issue 6). 32 threads make,
# use (TCP connect + the peer's answer, UDP sendto and connected), dup,
# dup2, dup3 and close sockets while two more fork (the child connects and
# _exits) and fork+exec; a SIGALRM/SIGUSR1 handler sends UDP while the main
# thread is inside connect/sendto/close, also while the shim's settings are
# being built; a socket number reused behind the shim's back. Every answer
# must name phy0's address, nothing for the servers may reach the tun, and
# every run must end within its timeout (a deadlock is a failure).

. "$(dirname "$0")/lib.sh"

STRESS=$BUILD/tests/stress
THREADS=32
OPS=63                  # per thread: 9 of each of the 7 kinds
PER_FORKER=$((OPS / 4))    # two forkers; even turns fork, odd fork+exec
NFORKS=$((2 * PER_FORKER))
FORKS=$((2 * ((PER_FORKER + 1) / 2)))
EXECS=$((2 * (PER_FORKER / 2)))
SIG_ITER=3000
BOUND=90                # seconds any one run may take

# Known bugs outside this test's files: reported as TAP TODO (not counted
# as failures) unless BINDIF_STRICT_TODO=1. A TODO that passes says so.
todo() {
	local name=$1 why=$2 ok=$3
	T_N=$((T_N + 1))
	if [ "$ok" = 1 ]; then
		T_PASS=$((T_PASS + 1))
		say "ok $T_N - $name # TODO passes now: remove the TODO ($why)"
	elif [ "${BINDIF_STRICT_TODO:-0}" = 1 ]; then
		T_FAIL=$((T_FAIL + 1))
		say "not ok $T_N - $name ($why)"
	else
		say "not ok $T_N - $name # TODO $why"
	fi
}

# stress_run NAME SECONDS CMD...: runs CMD in the app namespace under
# timeout; a kill (124, 137) or a crash is reported with the evidence.
stress_run() {
	local name=$1 secs=$2 t0
	shift 2
	t0=$(date +%s%N)
	run in_app timeout -k 5 "$secs" "$@"
	ELAPSED_MS=$((($(date +%s%N) - t0) / 1000000))
	stress_verdict "$name" "$secs"
}

# The verdict on the last run, as stress_run gives it.
stress_verdict() {
	local name=$1 secs=$2
	if [ "$RC" = 0 ]; then
		pass "$name: finished in ${ELAPSED_MS} ms (bound ${secs} s)"
	else
		fail "$name: finished in time, exit 0"
		show "exit" "$RC (124/137: killed by timeout - a deadlock?)"
		show stdout "$OUT"; show stderr "$ERR"
	fi
}

# The line of OUT starting with PREFIX.
line_of() { printf '%s\n' "$OUT" | grep -E "^$1" | tail -n 1; }

control() {
	tun_mark
	run in_app timeout 15 "$STRESS" child $SRV4 $APP4
	if [ "$RC" != 0 ]; then
		pass "control: without bindif the stress child gets no answer"
	else
		fail "control: without bindif the stress child gets no answer"
	fi
	expect_tun "control: ... its SYN went into the tun" " $SRV4 7 syn"
}

threads() {
	local total=$((THREADS * OPS + NFORKS))
	tun_mark
	stress_run "threads: $THREADS workers x $OPS ops + $NFORKS forks" $BOUND \
		"$BINDIF" -i phy0 -- "$STRESS" threads $SRV4 $APP4 $THREADS $OPS
	expect_eq "threads: every op ran" \
		"threads=$THREADS ops=$((THREADS * OPS)) forks=$FORKS execs=$EXECS" \
		"$(line_of threads=)"
	expect_eq "threads: all $total answers say peer=$APP4, none other, no failure" \
		"ok=$total bad=0 err=0" "$(line_of ok=)"
	expect_tun_quiet "threads: nothing for the servers reached the tun"
	# Every connection the peer logged came from phy0's address.
	expect_eq "threads: the peer logged no other source" "" \
		"$(grep -v " $APP4\$" "$LAB_TMP/peer.log" | grep " $SRV4 ")"
}

# sig_check NAME MIN_REFUSED: the last run's signal line. Every datagram
# the handler sent was answered from phy0's address (at least one sent);
# the only ones refused are those sent while the shim's settings were
# still being built on that thread (fail closed: EAGAIN), at least
# MIN_REFUSED of them, so the run is known to have hit that window.
sig_check() {
	local line sent answered refused
	line=$(line_of "signal ")
	sent=$(printf '%s' "$line" | sed -nE 's/.*sent=([0-9]+).*/\1/p')
	refused=$(printf '%s' "$line" | sed -nE 's/.*failed=([0-9]+).*/\1/p')
	answered=$(printf '%s' "$line" | sed -nE 's/.*answered=([0-9]+).*/\1/p')
	# Every datagram the handler got out was answered from phy0; with a
	# slow start (a large file, a sanitizer build) all of them may have
	# been refused instead, which is the fail-closed answer.
	if [ -n "$sent" ] && [ $((sent + refused)) -gt 0 ] &&
	    [ "$answered" = "$sent" ] &&
	    printf '%s' "$line" | grep -q " wrong=0"; then
		pass "$1: $sent datagrams sent from the handler, all answered to $APP4"
	else
		fail "$1: every datagram from the handler answered to $APP4"
		show seen "$line"; show stderr "$ERR"
	fi
	if [ -n "$refused" ] && [ "$refused" -ge "$2" ]; then
		pass "$1: $refused refused while the settings were built (>= $2)"
	else
		fail "$1: at least $2 refused while the settings were built"
		show seen "$line"
	fi
	expect_eq "$1: the main loop's $SIG_ITER calls all answered to $APP4" \
		"ok=$SIG_ITER bad=0 err=0" "$(line_of ok=)"
}

signals() {
	tun_mark
	stress_run "signal: handler sendto during connect/sendto/close" 60 \
		"$BINDIF" -i phy0 -- "$STRESS" signal $SRV4 $APP4 $SIG_ITER
	sig_check "signal" 0
	expect_tun_quiet "signal: nothing for the servers reached the tun"

	# The same with 100,000 rules: the settings take a while to build,
	# and the handler interrupts that, on the very thread building them.
	local big=$LAB_TMP/big.conf
	"$PY" - "$big" <<'EOF'
import sys
with open(sys.argv[1], "w") as f:
    f.write('interface = "phy0";\nrules = (\n')
    n = 100000
    for i in range(n):
        f.write('  { dst = "10.%d.%d.%d/32"; action = "pass"; }%s\n'
                % ((i >> 16) & 255, (i >> 8) & 255, i & 255,
                   "," if i < n - 1 else ""))
    f.write(");\n")
EOF
	# Whether a handler lands inside the building is up to the
	# scheduler (a kick every 0.2 ms, the first after a pause: one try
	# in eleven missed it here; every 0.7 ms at once: two in eight): up
	# to three runs, the first that does, or a failed one, is judged
	# whole.
	local try refused t0
	tun_mark
	for try in 1 2 3; do
		t0=$(date +%s%N)
		run in_app timeout -k 5 60 "$BINDIF" -c "$big" -- "$STRESS" \
			signal $SRV4 $APP4 $SIG_ITER
		ELAPSED_MS=$((($(date +%s%N) - t0) / 1000000))
		refused=$(line_of "signal " | sed -nE 's/.*failed=([0-9]+).*/\1/p')
		[ "$RC" = 0 ] && [ "${refused:-0}" -ge 1 ] && break
		[ "$RC" = 0 ] || break
	done
	note "signal, 100k rules: run $try of at most 3"
	stress_verdict "signal, 100k rules: handler sendto while the settings build" 60
	sig_check "signal, 100k rules" 1
	expect_tun_quiet "signal, 100k rules: nothing for the servers reached the tun"
}

# A socket closed where the shim cannot see it (fclose of an fdopen'd
# socket closes inside libc) and its number taken by dup() of a socket never
# connected: the new socket must still be bound.
stale() {
	tun_mark
	stress_run "stale number: the run ends" 30 \
		"$BINDIF" -i phy0 -- "$STRESS" stale $SRV4 $APP4
	expect_eq "stale number: both connections answered to $APP4" \
		"ok=2 bad=0 err=0" "$(line_of ok=)"
	expect_eq "stale number: nothing for the servers reached the tun" "" \
		"$(tun_new "$TUN_SRV")"
}

lab_up split
t0=$(date +%s)
control
threads
signals
stale
note "stress tests took $(($(date +%s) - t0)) s"
lab_down
summary
