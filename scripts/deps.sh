#!/bin/sh
# Installs, idempotently and only when missing, what nuage needs to build and
# to run its tests: Debian packages with apt, and the JavaScript SDK test
# clients with npm into tests/node_modules (git-ignored).
#   scripts/deps.sh          build + test dependencies
#   scripts/deps.sh bench    also the benchmark peers (wrk, nginx, hyperfine)
set -e
cd "$(dirname "$0")/.."

BUILD="gcc make pkg-config libssl-dev libsqlite3-dev libjansson-dev libexpat1-dev zlib1g-dev
libzstd-dev liblz4-dev libsnappy-dev libpq-dev libcurl4-openssl-dev"
TEST="clang libclang-rt-14-dev python3 python3-pytest python3-pytest-timeout python3-boto3
python3-botocore python3-requests awscli postgresql sqlite3 curl procps"
BENCH="wrk nginx hyperfine"

want="$BUILD $TEST"
[ "${1:-}" = bench ] && want="$want $BENCH"

missing=""
for p in $want; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
# Node.js may come from elsewhere (NodeSource's nodejs bundles npm and
# conflicts with Debian's npm package): only install Debian's when absent.
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
command -v npm >/dev/null 2>&1 || missing="$missing npm"
if [ -n "$missing" ]; then
	echo "deps: installing$missing"
	SUDO=""
	[ "$(id -u)" = 0 ] || SUDO=sudo
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
fi

# JavaScript SDK v3 clients for the integration tests (versions in tests/package.json).
if [ -f tests/package.json ]; then
	if [ ! -d tests/node_modules ] || [ tests/package.json -nt tests/node_modules ]; then
		echo "deps: npm install (tests/package.json)"
		(cd tests && npm install --no-audit --no-fund --loglevel=error) && touch tests/node_modules
	fi
fi
