#!/bin/bash
# test_reach.sh - the suite from a checkout nobody cannot reach (under
# /root, in a 0700 home or a `mktemp -d`). This file, lib.sh, peer.py and
# the build are copied into a 0700 directory and this file runs again from
# there: nobody's programs, through what lab_pub and pub_stage stage,
# leave by phy0 (curl, a su -l child of root's bindif) and a static one is
# refused with its reason; a path inside the copy handed to nobody is
# refused before anything runs, in one line naming the closed directory.

. "$(dirname "$0")/lib.sh"

if [ -z "${BINDIF_REACH_COPY:-}" ]; then
	lab_preflight
	[ -x "$BUILD/tests/staticclient" ] || {
		say "Bail out! $BUILD/tests/staticclient is missing (make it)"
		exit 1
	}
	CLOSED=$(mktemp -d /tmp/bindif-closed.XXXXXX) || exit 1
	trap 'rm -rf "$CLOSED"' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	chmod 700 "$CLOSED"
	mkdir -p "$CLOSED/src/tests/integration" "$CLOSED/src/build/tests"
	cp "$INTEG_DIR/lib.sh" "$INTEG_DIR/peer.py" "$INTEG_DIR/test_reach.sh" \
		"$CLOSED/src/tests/integration/"
	cp "$BINDIF" "$SHIM" "$CLOSED/src/build/"
	cp "$TUNLOG" "$BUILD/tests/staticclient" "$CLOSED/src/build/tests/"
	# Without BINDIF_BUILD: the copy finds its build as a checkout does.
	env -u BINDIF_BUILD BINDIF_REACH_COPY=1 \
		bash "$CLOSED/src/tests/integration/test_reach.sh"
	exit
fi

CLOSED=$(dirname "$REPO")
lab_up split

# 1. The copy is out of nobody's reach, and the guard says so.
why=$(nobody_reach "$SHIM")
expect_eq "control: nobody cannot reach the checkout's shim" 1 "$?"
expect_contains "  the line names the closed directory" \
	"nobody cannot reach $SHIM: $CLOSED is mode 700" "$why"
expect_eq "  in one line" 1 "$(printf '%s\n' "$why" | grep -c .)"

rm -f "$LAB_PUB/ran"
run app_nobody /usr/bin/touch "$LAB_PUB/ran" "$BUILD/tests"
recorded=$(cat "$LAB_TMP/env.fail")
: >"$LAB_TMP/env.fail"     # expected here; elsewhere it fails the test
expect_eq "guard: a closed path given to nobody: 126" 126 "$RC"
expect_eq "  and nothing ran" no "$([ -e "$LAB_PUB/ran" ] && echo yes || echo no)"
expect_eq "  one line on stderr, naming path and directory" \
	"lab: nobody cannot reach $BUILD/tests: $CLOSED is mode 700 (owner root); stage it in LAB_PUB (pub_stage, lib.sh)" \
	"$ERR"
expect_eq "  recorded as an environment failure" "${ERR#lab: }" "$recorded"

run app_nobody env LD_PRELOAD="$SHIM" /bin/true
recorded=$(cat "$LAB_TMP/env.fail")
: >"$LAB_TMP/env.fail"
expect_eq "guard: a closed LD_PRELOAD=path is seen too" \
	"126 nobody cannot reach $SHIM" "$RC ${recorded%%:*}"

# 2. What lab_pub and pub_stage staged from it, nobody reaches.
expect_eq "the staged launcher, shim, static client and python client" "" \
	"$(nobody_reach "$PUB_BINDIF" "$PUB_SHIM" "$PUB_STATIC" "$CLIENT")"
mkdir -m 700 "$LAB_TMP/kit"
printf 'data\n' >"$LAB_TMP/kit/data"
printf '#!/bin/sh\necho run\n' >"$LAB_TMP/kit/prog"
chmod 600 "$LAB_TMP/kit/data"
chmod 700 "$LAB_TMP/kit/prog"
staged=$(pub_stage "$LAB_TMP/kit")
expect_eq "pub_stage of a 700 directory: 755, its files 644 or 755" \
	"755 644 755" "$(stat -c %a "$staged" "$staged/data" "$staged/prog" | xargs)"
run app_nobody "$staged/prog"
expect_reply "  and nobody runs what it staged" "run"

# 3. Through the staged copies, nobody's programs are bound as anywhere.
tun_mark
run app_nobody timeout 10 "${CURL[@]}" "$URL4"
expect_failed "control: nobody's curl without bindif gets no answer"
expect_tun "  and the tun saw its SYN" "$TUN_SRV4"

tun_mark
run app_bindif_nobody -i phy0 -- "${CURL[@]}" "$URL4"
expect_reply "nobody: curl under bindif leaves by phy0" "peer=$APP4"
expect_tun_quiet "  nothing of it in the tun"

run app_bindif_nobody -i phy0 -- "$PY" "$CLIENT" http $SRV6
expect_reply "nobody: the python client v6 leaves by phy0" "peer=$APP6"

if command -v su >/dev/null; then
	tun_mark
	run app_bindif_pub -i phy0 -- su -l -s /bin/sh nobody -c \
		"/usr/bin/curl -s -m 3 --noproxy '*' $URL4"
	expect_reply "root's bindif, su -l nobody -c curl: leaves by phy0" "peer=$APP4"
	expect_tun_quiet "  nothing of it in the tun"
fi

tun_mark
run app_bindif_nobody -i phy0 -- "$PUB_STATIC" http $SRV4
expect_reply "nobody: a static program runs, supervised (not 126)" "peer=$APP4"
expect_tun_quiet "  nothing of it in the tun"

lab_down
summary
