#!/bin/bash
# run.sh - runs every tests/integration/test_*.sh, each in its own bash,
# and adds up their "# summary: P passed, F failed" lines.
# Needs root (network namespaces). Without it: SKIPPED and exit 0, except
# under CI=true where a skipped suite must not look like a green one.

set -u

DIR=$(cd "$(dirname "$0")" && pwd)
PER_FILE_TIMEOUT=${BINDIF_TEST_TIMEOUT:-300}

skip() {
	if [ "${CI:-}" = true ]; then
		echo "integration: cannot run: $1 (CI=true, so this is a failure)"
		exit 1
	fi
	echo "###########################################################"
	echo "##  integration tests SKIPPED: $1"
	echo "##  (run as root: sudo make integration)"
	echo "###########################################################"
	exit 0
}

# Can we make a namespace at all? (root inside a container may not.)
can_netns() {
	local probe=bdf$$-probe
	ip netns add "$probe" 2>/dev/null || return 1
	ip netns del "$probe"
}

[ "$(id -u)" = 0 ] || skip "not root"
command -v ip >/dev/null || skip "no ip(8)"
can_netns || skip "cannot create network namespaces"

passed=0
failed=0
start=$(date +%s)
for t in "$DIR"/test_*.sh; do
	name=$(basename "$t")
	echo "== $name"
	log=$(mktemp)
	timeout "$PER_FILE_TIMEOUT" bash "$t" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	line=$(grep -E '^# summary: [0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
	rm -f "$log"
	if [ -z "$line" ]; then
		# Died before its summary (a bail-out, a timeout): one failure.
		echo "not ok - $name ended without a summary (exit $rc)"
		failed=$((failed + 1))
		continue
	fi
	p=$(echo "$line" | sed -E 's/^# summary: ([0-9]+) passed.*/\1/')
	f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed$/\1/')
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$f" = 0 ] && [ "$rc" != 0 ]; then
		echo "not ok - $name exited $rc with no failed assertion"
		failed=$((failed + 1))
	fi
done
echo "# integration tests took $(($(date +%s) - start)) s"
echo "integration: $passed passed, $failed failed"
[ "$failed" = 0 ]
