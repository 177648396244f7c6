#!/bin/bash
# test_badptr.sh - bad pointers to connect/sendto/sendmsg/sendmmsg and to
# execve/posix_spawn get the kernel's own answer (EFAULT, or a partial
# sendmmsg) through the shim too: the shim reads the caller's addresses,
# paths, argv and envp before the kernel does and must never fault where
# the kernel would have returned an error.

. "$(dirname "$0")/lib.sh"

BADPTR=$BUILD/tests/badptr

lab_up split
run in_app timeout 20 "$BADPTR"
plain=$OUT
expect_eq "without bindif: 42 cases answered" "42" "$(printf '%s\n' "$plain" | grep -c ': ')"
expect_eq "without bindif: none killed" "" "$(printf '%s\n' "$plain" | grep killed)"
tun_mark
run app_bindif -i phy0 -- "$BADPTR"
expect_eq "with bindif: every case answers as the kernel does" "$plain" "$OUT"
expect_eq "with bindif: nothing for the servers reached the tun" "" \
	"$(tun_new "$TUN_SRV")"
lab_down
summary
