#!/usr/bin/env bash
# run.sh BIN TARGET SECONDS "LIBFUZZER OPTIONS" - one libFuzzer target:
# first every regression input of tests/fuzz/regress/TARGET/ once (each
# was a crash, leak or timeout once), then SECONDS of fuzzing from the
# committed corpus and the seeds. New inputs go to a scratch directory
# next to BIN, crashers to BIN-artifacts/; the committed corpus is only
# read (refresh it by hand, see tests/fuzz/README.md).
set -u
bin=$1 target=$2 secs=$3 opts=$4
dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$dir/../.." && pwd)
corpus=$dir/corpus/$target
regress=$dir/regress/$target
work=$bin-work
art=$bin-artifacts/
seeds=()
case $target in
rules) seeds=("$repo/config/examples" "$repo/tests/unit/fixtures") ;;
esac
export LSAN_OPTIONS=suppressions=$dir/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}
rm -rf "$work"
mkdir -p "$work" "$art"
echo "== fuzz $target: regression inputs"
if [ -d "$regress" ] && [ -n "$(ls -A "$regress")" ]; then
	# shellcheck disable=SC2086
	if ! "$bin" $opts -artifact_prefix="$art" "$regress"/* \
	    >"$work.log" 2>&1; then
		tail -n 40 "$work.log"
		echo "not ok - fuzz $target: a regression input fails again"
		exit 1
	fi
	echo "ok - fuzz $target: $(ls "$regress" | wc -l) regression inputs pass"
fi
echo "== fuzz $target: $secs s"
# shellcheck disable=SC2086
"$bin" $opts -max_total_time="$secs" -print_final_stats=1 \
	-artifact_prefix="$art" "$work" "$corpus" "${seeds[@]}" >"$work.log" 2>&1
rc=$?
grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb|^#[0-9]+.*DONE' \
	"$work.log" | sed "s/^/# $target: /"
if [ $rc != 0 ]; then
	grep -E -A 30 '^==[0-9]+==ERROR|runtime error|^==[0-9]+== ERROR|Test unit written|ALARM|out-of-memory' \
		"$work.log" | head -n 60
	echo "not ok - fuzz $target: exit $rc, log in $work.log"
	exit 1
fi
echo "ok - fuzz $target: no crash, leak or timeout in $secs s"
