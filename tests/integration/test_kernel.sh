#!/bin/bash
# test_kernel.sh - kernel mode (bindif --kernel, root): a statically linked
# client, which the shim cannot enter, escapes the capture through phy0,
# v4 and v6, TCP and UDP, with nothing in the tun; loopback and the app's
# own addresses stay reachable (an unconnected UDP datagram that needs the
# other binding is refused once with EPERM, as documented); the cgroup
# and the BPF programs exist while the command runs and are gone after;
# the command's exit status and signal come back; what it leaves running
# is killed. Without --kernel the static client is supervised.

. "$(dirname "$0")/lib.sh"

STATIC=$BUILD/tests/staticclient

if ! "$BINDIF" --help 2>&1 | grep -q -- '--kernel'; then
	note "SKIP: this bindif has no --kernel option"
	summary
	exit 0
fi
[ -x "$STATIC" ] || { say "Bail out! $STATIC is missing (make $STATIC)"; exit 1; }

lab_up split
lab_local_servers

# Lists the loaded BPF programs named bindif_* (bpf(2) from ctypes; no
# bpftool needed).
PROGS=$LAB_TMP/progs.py
cat >"$PROGS" <<'PY'
import ctypes, os, platform, struct
NR = {"x86_64": 321, "aarch64": 280, "riscv64": 280, "ppc64le": 361,
      "s390x": 351, "armv7l": 386, "i686": 357}[platform.machine()]
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
def bpf(cmd, attr):
    buf = ctypes.create_string_buffer(attr, 128)
    r = libc.syscall(NR, cmd, buf, 128)
    return r, buf.raw
ident, names = 0, []
for _ in range(100000):
    r, raw = bpf(11, struct.pack("=I", ident))          # PROG_GET_NEXT_ID
    if r < 0:
        break
    ident = struct.unpack_from("=I", raw, 4)[0]
    fd, _ = bpf(13, struct.pack("=I", ident))            # PROG_GET_FD_BY_ID
    if fd < 0:
        continue
    info = ctypes.create_string_buffer(256)
    r, _ = bpf(15, struct.pack("=IIQ", fd, 256, ctypes.addressof(info)))
    os.close(fd)
    name = info.raw[64:80].split(b"\0")[0].decode()      # bpf_prog_info.name
    if r == 0 and name.startswith("bindif_"):
        names.append(name)
print(" ".join(sorted(names)))
PY

CG2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
leftover_cgroups() {
	[ -n "$CG2" ] && find "$CG2" -maxdepth 4 -type d -name 'bindif-*' 2>/dev/null
}
BEFORE_CG=$(leftover_cgroups)
BEFORE_PROGS=$("$PY" "$PROGS")

# bindif --kernel in the app namespace: through `ip netns exec` (whose
# fresh /sys hides the cgroup2 mount) and through nsenter (which keeps it).
kb() { in_app timeout 10 "$BINDIF" -i phy0 --kernel -- "$@"; }
kb_nsenter() {
	nsenter --net=/run/netns/"$NS_APP" timeout 10 "$BINDIF" -i phy0 \
		--kernel -- "$@"
}

# 1. The capture is real for the static client, and the shim can't help.
tun_mark
run in_app timeout 6 "$STATIC" http $SRV4
expect_failed "control: the static client without bindif gets no answer"
expect_tun "control: the tun saw its SYN" " $(printf '%s' "$SRV4" | sed 's/\./\\./g') 80 syn"
# As root, a static program is bound without asking: by the supervisor,
# which applies per-destination rules as kernel mode cannot.
tun_mark
run app_bindif -v -i phy0 -- "$STATIC" http $SRV4
expect_reply "root without --kernel: a static program is bound (supervised)" "peer=$APP4"
expect_contains "  and -v says so" "supervising its system calls instead" "$ERR"
expect_tun_quiet "  nothing of it in the tun"

# 2. Kernel mode: the peer sees phy0's address, the tun sees nothing.
for launch in kb kb_nsenter; do
	for dst in "$SRV4 $APP4" "$SRV6 $APP6"; do
		set -- $dst
		for mode in http udp-connect udp-sendto; do
			tun_mark
			run $launch "$STATIC" $mode "$1"
			expect_reply "[$launch] $mode $1: reaches the peer from phy0" "peer=$2"
			expect_tun_quiet "[$launch] $mode $1: nothing of it in the tun"
		done
	done
done

# 3. Local destinations are reached unbound.
for dst in 127.0.0.1 ::1 $APP4 $APP6; do
	run kb "$STATIC" http "$dst"
	expect_reply "loopback/own: http $dst" "peer=$dst"
	run kb "$STATIC" udp-connect "$dst"
	expect_reply "loopback/own: udp-connect $dst" "peer=$dst"
	# Documented: unconnected UDP's first datagram to a local address
	# from a fresh (bound) socket is refused, never sent astray.
	run kb "$STATIC" udp-sendto "$dst"
	expect_eq "loopback/own: udp-sendto $dst: first datagram refused (EPERM)" \
		"error: sendto: Operation not permitted" "$OUT"
done
# A dynamic program in kernel mode: the shim is not needed for it either.
run kb "${CURL[@]}" "http://127.0.0.1/"
expect_reply "loopback: curl 127.0.0.1 in kernel mode" "peer=127.0.0.1"

# 4. While it runs: its own cgroup, the programs attached.
run kb /bin/cat /proc/self/cgroup
expect_contains "while running: the command is in a bindif-<pid> cgroup" "/bindif-" "$OUT"
run kb "$PY" "$PROGS"
expect_eq "while running: the nine programs are loaded (two for DNS replies)" \
	"$(printf '%s\n' $BEFORE_PROGS bindif_bind4 bindif_bind6 bindif_connect4 \
	bindif_connect6 bindif_create bindif_peer4 bindif_recvmsg4 \
	bindif_sendmsg4 bindif_sendmsg6 | sort | xargs)" \
	"$OUT"

# 5. Exit status and signals, as env(1).
run kb "$STATIC" exit 7
expect_eq "exit status: the command's own" "7" "$RC"
run kb "$STATIC" kill 15
expect_eq "exit status: 128+signal" "143" "$RC"
run kb /nonexistent/cmd
expect_eq "exit status: not found is 127" "127" "$RC"

# 6. What the command leaves running is killed with it.
run kb /bin/sh -c 'sleep 987 & echo started'
expect_reply "leftovers: the command itself ran" "started"
sleep 0.2
expect_eq "leftovers: its background child was killed" "" "$(pgrep -f 'sleep 987')"

# 7. Nothing stays behind.
expect_eq "afterwards: no bindif cgroup is left" "$BEFORE_CG" "$(leftover_cgroups)"
expect_eq "afterwards: no bindif program is left" "$BEFORE_PROGS" "$("$PY" "$PROGS")"

# 8. Not root: refused before anything runs.
run app_bindif_nobody -i phy0 --kernel -- "$PUB_STATIC" http $SRV4
expect_eq "nobody: kernel mode refused (125)" "125" "$RC"
expect_contains "nobody: says it needs root" "root" "$ERR"
tun_mark
run app_bindif_nobody -i phy0 -- "$PUB_STATIC" http $SRV4
expect_reply "nobody without --kernel: a static program is supervised" "peer=$APP4"
expect_tun_quiet "  nothing of it in the tun"

lab_down
summary
