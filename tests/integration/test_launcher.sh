#!/bin/bash
# test_launcher.sh - the launcher's contract: exit statuses as env(1), one
# line per error, and the environment it hands the command. Run in the lab's
# app namespace (lo, phy0) so the interface list in messages is known.

. "$(dirname "$0")/lib.sh"

lines() { printf '%s\n' "$1" | grep -c .; }

errors() {
	expect_exit "unknown interface -> 125" 125 app_bindif -i nosuch0 -- true
	expect_eq "unknown interface: exactly one stderr line" 1 "$(lines "$ERR")"
	expect_contains "unknown interface: names it" \
		"interface 'nosuch0' does not exist" "$ERR"
	expect_contains "unknown interface: lists what is available" \
		"available: lo, phy0" "$ERR"
	expect_eq "unknown interface: nothing on stdout" "" "$OUT"

	expect_exit "command not found -> 127" 127 \
		app_bindif -i phy0 -- bdf-no-such-command
	expect_eq "command not found: one stderr line" 1 "$(lines "$ERR")"

	local f=$LAB_TMP/not-executable
	printf '#!/bin/sh\necho ran\n' >"$f"
	chmod 644 "$f"
	expect_exit "file not executable -> 126" 126 app_bindif -i phy0 -- "$f"
	expect_eq "file not executable: it did not run" "" "$OUT"
	expect_exit "a directory as command -> 126" 126 app_bindif -i phy0 -- "$LAB_TMP"

	expect_exit "bad long option -> 125" 125 app_bindif --bogus -i phy0 -- true
	expect_eq "bad long option: one stderr line" 1 "$(lines "$ERR")"
	expect_contains "bad long option: names it" "--bogus" "$ERR"
	expect_exit "bad short option -> 125" 125 app_bindif -x -i phy0 -- true
	expect_contains "bad short option: names it" "-x" "$ERR"
	expect_exit "-i without a value -> 125" 125 app_bindif -i
	expect_exit "no command -> 125" 125 app_bindif -i phy0
	expect_eq "no command: one stderr line" 1 "$(lines "$ERR")"
}

info() {
	expect_exit "--help -> 0" 0 app_bindif --help
	expect_contains "--help prints the usage on stdout" "usage: bindif" "$OUT"
	expect_exit "--version -> 0" 0 app_bindif --version
	if printf '%s\n' "$OUT" | grep -qE '^bindif [0-9]+\.[0-9]+'; then
		pass "--version prints 'bindif X.Y...'"
	else
		fail "--version prints 'bindif X.Y...'"; show seen "$OUT"
	fi
}

environment() {
	expect_exit "the command's exit status passes through (7)" 7 \
		app_bindif -i phy0 -- sh -c 'exit 7'
	expect_exit "the command's exit status passes through (0)" 0 \
		app_bindif -i phy0 -- true

	# Options after the command are the command's.
	run app_bindif -i phy0 echo -v
	expect_reply "options after the command belong to it" "-v"

	local shim_real
	shim_real=$(realpath "$SHIM")
	run app_bindif -i phy0 -- sh -c 'printf "%s\n" "$LD_PRELOAD"'
	expect_reply "LD_PRELOAD is the shim next to the launcher" \
		"$TEST_PRELOAD$shim_real"

	# A preload the user already has stays first (the loader's complaint
	# about the missing file goes to stderr and does not matter here).
	run in_app env LD_PRELOAD=/nonexistent/libbdf-pre.so timeout 10 \
		"$BINDIF" -i phy0 -- sh -c 'printf "%s\n" "$LD_PRELOAD"'
	expect_reply "an existing LD_PRELOAD is appended to" \
		"$TEST_PRELOAD/nonexistent/libbdf-pre.so:$shim_real"

	run in_app env LD_PRELOAD="$shim_real" timeout 10 \
		"$BINDIF" -i phy0 -- sh -c 'printf "%s\n" "$LD_PRELOAD"'
	expect_reply "the shim is not preloaded twice" \
		"$TEST_PRELOAD$shim_real"

	run app_bindif -i phy0 -- sh -c 'printf "%s\n" "$BINDIF_INTERFACE"'
	expect_reply "BINDIF_INTERFACE is set for the shim" "phy0"

	run app_bindif -v -i phy0 -- sh -c 'printf "%s\n" "${BINDIF_VERBOSE:-unset}"'
	expect_reply "-v sets BINDIF_VERBOSE" "1"
	run in_app env BINDIF_VERBOSE=1 timeout 10 "$BINDIF" -i phy0 -- \
		sh -c 'printf "%s\n" "${BINDIF_VERBOSE:-unset}"'
	expect_reply "without -v an inherited BINDIF_VERBOSE is cleared" "unset"

	# The command gets bindif's own stdin, with -i alone and with rules
	# handed over (closing a descriptor bindif never opened gave stdin's
	# number to its handshake pipe).
	printf 'interface = "phy0";\n' >"$LAB_TMP/stdio.conf"
	for how in "-i phy0" "-c $LAB_TMP/stdio.conf"; do
		# shellcheck disable=SC2086
		OUT=$(printf 'typed\n' | in_app timeout 10 "$BINDIF" $how -- \
			sh -c 'read -r line; echo "$line"; readlink /proc/self/fd/1 /proc/self/fd/2' \
			2>/dev/null)
		expect_eq "bindif $how: stdin reaches the command" "typed" \
			"$(printf '%s\n' "$OUT" | head -n 1)"
		expect_not_contains "  and its stdout and stderr are not bindif's memfd" \
			"memfd:" "$OUT"
	done
}

lab_up none
errors
info
environment
lab_down
summary
