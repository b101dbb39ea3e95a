#!/bin/bash
# Runs every libFuzzer driver in build/fuzz for FUZZ_TIME seconds each
# (default 60; the issues ask for >= 300). Seeds: tests/fuzz/corpus/<name>/
# (committed, small); the growing corpus lives in build/fuzz-corpus/<name>/.
# A finding leaves crash-* files in build/fuzz-findings/ and fails the run.
set -u
cd "$(dirname "$0")/.."
T=${1:-${FUZZ_TIME:-60}}
[ -n "$T" ] || T=60
only=${FUZZ_ONLY:-}
fail=0
mkdir -p build/fuzz-findings
for f in build/fuzz/fuzz_*; do
	[ -x "$f" ] || continue
	name=$(basename "$f")
	name=${name#fuzz_}
	[ -n "$only" ] && [ "$only" != "$name" ] && continue
	mkdir -p "build/fuzz-corpus/$name"
	seeds="tests/fuzz/corpus/$name"
	[ -d "$seeds" ] || seeds=""
	dict=""
	[ -f "tests/fuzz/$name.dict" ] && dict="-dict=tests/fuzz/$name.dict"
	echo "== fuzz $name for ${T}s"
	if ! "$f" -max_total_time="$T" -timeout=10 -rss_limit_mb=2048 $dict \
		-artifact_prefix="build/fuzz-findings/$name-" "build/fuzz-corpus/$name" $seeds \
		>"build/fuzz-findings/$name.log" 2>&1; then
		echo "FINDING in $name: see build/fuzz-findings/$name.log"
		tail -30 "build/fuzz-findings/$name.log"
		fail=1
	else
		grep -E '^#[0-9]+.*(DONE|pulse)' "build/fuzz-findings/$name.log" | tail -1
	fi
done
exit $fail
