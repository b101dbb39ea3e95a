#!/bin/bash
# Runs the whole test suite and ends with one line "N passed, N failed".
#   scripts/test.sh              everything
#   scripts/test.sh unit         C unit tests only (ASan + UBSan build)
#   scripts/test.sh integration  real-client tests only (against the ASan build)
# Each part prints its own "N passed, N failed"; the last line sums them.
set -u
cd "$(dirname "$0")/.."
what=${1:-all}
total_pass=0
total_fail=0
logdir=build/test-logs
mkdir -p "$logdir"

tally() { # $1 = log file with a "N passed, N failed" line (pytest or unit)
	local line p f
	line=$(grep -E '[0-9]+ passed|[0-9]+ failed|[0-9]+ error' "$1" | tail -1)
	p=$(echo "$line" | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+' || true)
	f=$(echo "$line" | grep -oE '[0-9]+ failed' | grep -oE '[0-9]+' || true)
	e=$(echo "$line" | grep -oE '[0-9]+ errors?' | grep -oE '[0-9]+' || true)
	total_pass=$((total_pass + ${p:-0}))
	total_fail=$((total_fail + ${f:-0} + ${e:-0}))
}

if [ "$what" = all ] || [ "$what" = unit ]; then
	echo "== unit tests (ASan + UBSan)"
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		build/asan/unit 2>&1 | tee "$logdir/unit.log"
	rc=${PIPESTATUS[0]}
	tally "$logdir/unit.log"
	if [ "$rc" != 0 ] && ! grep -qE '[1-9][0-9]* failed' "$logdir/unit.log"; then
		echo "unit binary crashed (exit $rc)"
		total_fail=$((total_fail + 1))
	fi
fi

if [ "$what" = all ] || [ "$what" = integration ]; then
	if [ -n "$(ls tests/integration/test_*.py 2>/dev/null)" ]; then
		echo "== integration tests (real clients, ASan build)"
		NUAGE_BIN=${NUAGE_BIN:-build/asan/nuage} /usr/bin/python3 -m pytest -p no:cacheprovider \
			-q -rfE --timeout=300 tests/integration 2>&1 | tee "$logdir/integration.log"
		tally "$logdir/integration.log"
	fi
fi

if [ "$what" = all ]; then
	echo "== banned functions"
	if tools/check_banned.sh; then total_pass=$((total_pass + 1)); else total_fail=$((total_fail + 1)); fi
fi

echo "$total_pass passed, $total_fail failed"
[ "$total_fail" = 0 ]
