#!/bin/bash
# test_handshake.sh - bindif knows whether the shim took. The launcher's
# prediction (judge.c) judges a script's interpreter one level deep and
# trusts what it cannot read; the loader can still leave the shim out, and
# the program would run unbound into the tunnel. bindif stops every such
# program at its entry point, before any of its own code: a static client
# behind two scripts, and programs nobody may run but not read, are
# stopped with 125 and one line, their traffic never reaching the tun;
# --force runs them (the control: their traffic does reach the tun).
# bindif is the command's parent now: exit statuses and signals come back
# as they were, TERM sent to bindif reaches the command, and a bindif
# traced by strace still runs the command (unchecked, said with -v).

. "$(dirname "$0")/lib.sh"

lines() { printf '%s\n' "$1" | grep -c .; }

STATIC=$BUILD/tests/staticclient
[ -x "$STATIC" ] || { say "Bail out! $STATIC is missing (make $STATIC)"; exit 1; }

lab_up split

INNER=$LAB_PUB/inner OUTER=$LAB_PUB/outer
printf '#!%s\n' "$PUB_STATIC" >"$INNER"
printf '#!%s\n' "$INNER" >"$OUTER"
chmod 755 "$INNER" "$OUTER"

nested() {
	tun_mark
	run app_bindif_nobody -i phy0 --force -- "$OUTER" udp-connect $SRV4
	expect_contains "control: --force runs the static client behind two scripts" \
		"error: recv" "$OUT"
	expect_tun "  and, unbound, its datagram went into the tun" "$TUN_SRV4"

	tun_mark
	expect_exit "nobody: the shim left out behind two scripts -> 125" 125 \
		app_bindif_nobody -i phy0 -- "$OUTER" udp-connect $SRV4
	expect_contains "  says the loader left the shim out" \
		"$OUTER: the loader left the shim out" "$ERR"
	expect_contains "  and what to do" "--force" "$ERR"
	expect_eq "  one line" 1 "$(lines "$ERR")"
	expect_eq "  it did not run: no output" "" "$OUT"
	expect_tun_quiet "  nothing reached the tun"

	tun_mark
	expect_exit "root: the same is stopped too -> 125" 125 \
		app_bindif -i phy0 -- "$OUTER" udp-connect $SRV4
	expect_contains "  pointing to kernel mode" "--kernel" "$ERR"
	expect_eq "  it did not run: no output" "" "$OUT"
	expect_tun_quiet "  nothing reached the tun"
}

unreadable() {
	local xs=$LAB_PUB/xonly-static xc=$LAB_PUB/xonly-curl
	cp "$STATIC" "$xs"
	cp "$(command -v curl)" "$xc"
	chmod 711 "$xs" "$xc"

	tun_mark
	run app_bindif_nobody -i phy0 --force -- "$xs" udp-connect $SRV4
	expect_tun "control: nobody's execute-only static client, forced, goes into the tun" \
		"$TUN_SRV4"

	tun_mark
	expect_exit "nobody: an execute-only static program -> 125" 125 \
		app_bindif_nobody -i phy0 -- "$xs" udp-connect $SRV4
	expect_contains "  cannot look into it" "$xs: cannot look into it" "$ERR"
	expect_eq "  one line" 1 "$(lines "$ERR")"
	expect_eq "  it did not run: no output" "" "$OUT"
	expect_tun_quiet "  nothing reached the tun"

	# The shim would load here, but nobody cannot see that it did:
	# fail closed, and say how to run it anyway.
	expect_exit "nobody: an execute-only curl cannot be checked -> 125" 125 \
		app_bindif_nobody -i phy0 -- "$xc" "${CURL[@]:1}" "$URL4"
	expect_contains "  and --force is named" "give --force to run it unchecked" "$ERR"

	tun_mark
	run app_bindif -i phy0 -- "$xc" "${CURL[@]:1}" "$URL4"
	expect_reply "root can look into it: checked, it leaves by phy0" "peer=$APP4"
	expect_tun_quiet "  nothing in the tun"
}

checked() {
	tun_mark
	run app_bindif_nobody -v -i phy0 -- "${CURL[@]}" "$URL4"
	expect_reply "nobody: curl passes the check and leaves by phy0" "peer=$APP4"
	expect_tun_quiet "  nothing in the tun"
	expect_eq "  the check says nothing, even with -v" "" \
		"$(printf '%s\n' "$ERR" | grep 'check')"

	if command -v strace >/dev/null; then
		# strace -f traces the child first: bindif cannot, and runs
		# it on the prediction alone.
		tun_mark
		run in_app timeout 20 strace -f -qq -o /dev/null "$BINDIF" -v \
			-i phy0 -- "${CURL[@]}" "$URL4"
		expect_reply "under strace: curl still runs and leaves by phy0" \
			"peer=$APP4"
		expect_contains "  -v says it ran unchecked" \
			"cannot check that the shim took" "$ERR"
		expect_tun_quiet "  nothing in the tun"
	else
		fail "strace is missing (make deps installs it)"
	fi
}

# bindif is linked static where it can be: its mark tells the checks
# that guard the shim that a nested bindif is not a static program to
# refuse (it puts the shim into its own command, and checks it).
nesting() {
	if ! readelf -lW "$BINDIF" 2>/dev/null | grep -q INTERP; then
		note "this bindif is static: nesting must still work"
	fi
	tun_mark
	run app_bindif_nobody -i phy0 -- "$PUB_BINDIF" -i phy0 -- \
		"${CURL[@]}" "$URL4"
	expect_reply "nobody: bindif inside bindif, curl leaves by phy0" "peer=$APP4"
	expect_tun_quiet "  nothing in the tun"
	run app_bindif -i phy0 -- sh -c "\"$BINDIF\" -i phy0 -- curl -s -m 3 \
		--noproxy '*' $URL4"
	expect_reply "root: bindif started by a wrapped shell, curl leaves by phy0" \
		"peer=$APP4"
	expect_tun_quiet "  nothing in the tun"
	# Not taken for bindif: supervised, as any static program.
	run app_bindif_nobody -v -i phy0 -- "$PUB_STATIC" exit 0
	expect_eq "a static program without the mark runs supervised" 0 "$RC"
	expect_contains "  not taken for bindif" \
		"statically linked: no loader preloads anything into it; supervising" "$ERR"
}

parenthood() {
	expect_exit "exit status passes through (7)" 7 \
		app_bindif -i phy0 -- sh -c 'exit 7'
	expect_exit "death by a signal comes back as that signal (USR1: 138)" 138 \
		app_bindif -i phy0 -- sh -c 'kill -USR1 $$'
	run in_app bash -c "\"$BINDIF\" -i phy0 -- sh -c 'kill -TERM \$\$'; \
		kill -l \$?"
	expect_eq "  the caller sees the signal itself (bash: TERM)" "TERM" "$OUT"

	local got=$LAB_TMP/got-term
	rm -f "$got"
	run in_app timeout 20 bash -c "
		\"$BINDIF\" -i phy0 -- sh -c 'trap \"echo term >$got; exit 5\" TERM;
			echo up >$got.up; sleep 15 & wait' &
		b=\$!
		for i in \$(seq 100); do [ -e $got.up ] && break; sleep 0.05; done
		kill -TERM \$b
		wait \$b"
	expect_eq "TERM sent to bindif reaches the command" "term" \
		"$(cat "$got" 2>/dev/null)"
	expect_eq "  and bindif ends with the command's status" 5 "$RC"

	expect_exit "not found is still 127" 127 \
		app_bindif -i phy0 -- bdf-no-such-command
	local f=$LAB_TMP/noexec
	printf '#!/bin/sh\necho ran\n' >"$f"
	chmod 644 "$f"
	expect_exit "not executable is still 126" 126 app_bindif -i phy0 -- "$f"
}

nested
unreadable
checked
nesting
parenthood
lab_down
summary
