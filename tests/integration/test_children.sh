#!/bin/bash
# test_children.sh - the programs a wrapped program starts. For nobody,
# ping has cap_net_raw, so the loader drops the shim from it: started by
# sh -c, a bash script or python (fork+exec, posix_spawn, posix_spawnp),
# it is run as "ping -I phy0" by the shim in its parent, and reaches the
# server with nothing in the tun (the control without bindif is lost
# there). A setuid program started by sh -c fails with EPERM and one line,
# and did not run, unless --force. env -i and root's su -l (a cleared
# environment) keep the shim and its settings: the peer sees phy0's
# address. As root, a
# static child is refused with advice to use --kernel, and kernel mode
# (nested or not) runs it bound.

. "$(dirname "$0")/lib.sh"

ICMP4=" icmp [^ ]+ 198\.51\.100\.10 "
STATIC=$BUILD/tests/staticclient

ping_children() {
	local script=$LAB_PUB/ping-script.bash spawn=$LAB_PUB/spawn.py

	tun_mark
	run app_nobody timeout 10 sh -c "ping -n -c1 -W2 $SRV4"
	expect_eq "control: nobody's ping via sh -c without bindif is lost in the tun" 1 "$RC"
	expect_tun "  and the tun saw the echo request" "$ICMP4"

	tun_mark
	run app_bindif_nobody -v -i phy0 -- sh -c "ping -n -c1 -W2 $SRV4"
	expect_eq "nobody: sh -c 'ping' under bindif reaches the server" 0 "$RC"
	expect_contains "  -v: the shim in sh says what it did" \
		"exec /usr/bin/ping: it has file capabilities" "$ERR"
	expect_contains "  translated" "running it with its own option instead: ping -I phy0" "$ERR"
	expect_eq "  nothing in the tun" "" "$(tun_new "$ICMP4")"

	run app_bindif_nobody -i phy0 -- sh -c "ping -n -c1 -W2 -I phy0 $SRV4"
	expect_eq "  the user's own -I is kept, not doubled" "0" "$RC"

	printf '#!/bin/bash\nping -n -c1 -W2 "$1"\n' >"$script"
	chmod 755 "$script"
	tun_mark
	run app_nobody timeout 10 "$script" $SRV4
	expect_eq "control: a bash script's ping without bindif is lost" 1 "$RC"
	tun_mark
	run app_bindif_nobody -i phy0 -- "$script" $SRV4
	expect_eq "nobody: a bash script calling ping reaches the server" 0 "$RC"
	expect_eq "  without -v, nothing is said" "" "$ERR"
	expect_eq "  nothing in the tun" "" "$(tun_new "$ICMP4")"

	cat >"$spawn" <<'PY'
import os, subprocess, sys
how, host = sys.argv[1], sys.argv[2]
args = ["ping", "-n", "-c1", "-W2", host]
if how == "subprocess":     # fork or vfork, then execve per PATH entry
    sys.exit(subprocess.run(args).returncode)
if how == "posix_spawn":    # a full path and close_fds=False: posix_spawn
    sys.exit(subprocess.run(["/usr/bin/ping"] + args[1:],
                            close_fds=False).returncode)
if how == "posix_spawnp":
    pid = os.posix_spawnp("ping", args, os.environ)
    sys.exit(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
PY
	chmod 644 "$spawn"
	local how
	for how in subprocess posix_spawn posix_spawnp; do
		tun_mark
		run app_nobody timeout 10 "$PY" "$spawn" $how $SRV4
		expect_eq "control: python $how's ping without bindif is lost" 1 "$RC"
		tun_mark
		run app_bindif_nobody -i phy0 -- "$PY" "$spawn" $how $SRV4
		expect_eq "nobody: python $how's ping reaches the server" 0 "$RC"
		expect_eq "  nothing in the tun" "" "$(tun_new "$ICMP4")"
	done
}

setuid_children() {
	local marker=$LAB_PUB/ran suid=$LAB_PUB/suid-touch
	cp "$(command -v touch)" "$suid"
	chown root:root "$suid"
	chmod 4755 "$suid"

	rm -f "$marker"
	run app_nobody timeout 10 sh -c "$suid $marker"
	expect_eq "control: without bindif, nobody's sh runs the setuid copy" \
		"0 yes" "$RC $([ -e "$marker" ] && echo yes || echo no)"

	rm -f "$marker"
	run app_bindif_nobody -i phy0 -- sh -c "$suid $marker"
	expect_eq "nobody: a setuid child of sh -c is refused (sh: 126)" 126 "$RC"
	expect_contains "  EPERM, as sh reports it" "Operation not permitted" "$ERR"
	expect_contains "  the shim's line names it and why" \
		"]: exec $suid: it is setuid to another user" "$ERR"
	expect_contains "  and what to do" "--force" "$ERR"
	expect_eq "  one line of ours" 1 "$(printf '%s\n' "$ERR" | grep -c '^bindif\[sh:')"
	expect_eq "  and it did not run" "no" "$([ -e "$marker" ] && echo yes || echo no)"

	run app_bindif_nobody -v -i phy0 --force -- sh -c "$suid $marker"
	expect_eq "--force reaches the children: it runs" \
		"0 yes" "$RC $([ -e "$marker" ] && echo yes || echo no)"
	expect_eq "  -v says so, once" 1 \
		"$(printf '%s\n' "$ERR" | grep -c 'running it anyway (--force)')"

	rm -f "$marker"
	run app_bindif -i phy0 -- sh -c "$suid $marker"
	expect_eq "root: a root-owned setuid child runs (no secure mode)" \
		"0 yes" "$RC $([ -e "$marker" ] && echo yes || echo no)"
}

cleared_env() {
	tun_mark
	run app_nobody timeout 10 env -i /usr/bin/curl -s -m 3 --noproxy '*' "$URL4"
	expect_failed "control: env -i curl without bindif gets no answer"
	expect_tun "  and the tun saw its SYN" "$TUN_SRV4"

	tun_mark
	run app_bindif_nobody -i phy0 -- env -i /usr/bin/curl -s -m 3 --noproxy '*' "$URL4"
	expect_reply "nobody: env -i curl under bindif leaves by phy0" "peer=$APP4"
	expect_tun_quiet "  nothing of it in the tun"

	tun_mark
	run app_bindif_nobody -i phy0 -- env -i "$PY" "$CLIENT" http $SRV6
	expect_reply "nobody: env -i python v6 leaves by phy0" "peer=$APP6"
	expect_tun_quiet "  nothing of it in the tun"

	# su -l clears the environment for the login shell it starts; run by
	# root it is no setuid step, so the shim is in it and puts it back.
	# The launcher is the public copy: nobody's curl loads its shim.
	if command -v su >/dev/null; then
		local sucurl="/usr/bin/curl -s -m 3 --noproxy '*' $URL4"
		tun_mark
		run in_app timeout 10 su -l -s /bin/sh nobody -c "$sucurl"
		expect_failed "control: root's su -l nobody -c curl without bindif gets no answer"
		tun_mark
		run app_bindif_pub -i phy0 -- su -l -s /bin/sh nobody -c "$sucurl"
		expect_reply "root: su -l nobody -c curl under bindif leaves by phy0" "peer=$APP4"
		expect_tun_quiet "  nothing of it in the tun"
	fi

	# -v comes back with the rest; a child given settings of its own (a
	# nested bindif's) keeps them and gets none of ours.
	run app_bindif_nobody -v -i phy0 -- env -i "$PY" "$CLIENT" http $SRV4
	expect_reply "nobody: env -i python under bindif -v leaves by phy0" "peer=$APP4"
	expect_contains "  and its -v came back: python says its decision" \
		"bindif[python3:" "$ERR"
	run app_bindif_nobody -v -i phy0 -- env -i BINDIF_INTERFACE=phy0 "$PY" \
		"$CLIENT" http $SRV4
	expect_reply "  a child given its own settings is bound by them" "peer=$APP4"
	expect_eq "  and gets none of ours (no -v)" "" \
		"$(printf '%s\n' "$ERR" | grep '^bindif\[python3:')"
}

static_children() {
	[ -x "$STATIC" ] || { fail "$STATIC is missing (make $STATIC)"; return; }
	tun_mark
	run app_bindif -i phy0 -- sh -c "$STATIC http $SRV4"
	expect_eq "root: a static child of sh -c is refused (sh: 126)" 126 "$RC"
	expect_contains "  advising kernel mode" "bindif --kernel" "$ERR"
	expect_tun_quiet "  and nothing reached the tun"

	if ! "$BINDIF" --help 2>&1 | grep -q -- '--kernel'; then
		note "SKIP: this bindif has no --kernel option"
		return
	fi
	tun_mark
	run app_bindif --kernel -i phy0 -- sh -c "$STATIC http $SRV4"
	expect_reply "root: under --kernel the static child leaves by phy0" "peer=$APP4"
	expect_tun_quiet "  nothing of it in the tun"

	tun_mark
	run app_bindif -i phy0 -- sh -c "$BINDIF --kernel -i phy0 -- $STATIC http $SRV4"
	expect_reply "root: a nested bindif --kernel runs it (BINDIF_KERNEL)" "peer=$APP4"
	expect_tun_quiet "  nothing of it in the tun"
}

lab_up split
ping_children
setuid_children
cleared_env
static_children
lab_down
summary
