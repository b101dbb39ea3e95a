#!/bin/bash
# bench/match.sh — the event-pattern matcher (src/match): events per second
# for 100 EventBridge rules on one core (taskset -c 1), median of RUNS runs,
# for trusted events (nuage built or validated them: the dispatch path) and
# for untrusted ones (every byte checked as JSON). For comparison, moto's
# own matcher (moto.events EventPattern, in-process, the same rules and
# events, json.loads per event as moto does) when moto is installed.
#
# Rules and events are generated (fixed seed) into bench/out/: 100 rules of
# the kinds people write (source/detail-type equality, prefixes, numeric
# ranges on detail, S3 bucket/key filters, anything-but, exists, suffix,
# equals-ignore-case, wildcard, $or) and 10,000 EventBridge events
# (S3, EC2, application events; 300-700 bytes).
#
# Usage: bench/match.sh            (RUNS=5 SECONDS_PER_RUN=2 by default)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
SECS=${SECONDS_PER_RUN:-2}
CPU=${BENCH_CPU:-1}
OUT=bench/out
mkdir -p "$OUT"

make -s -j2 build/nuage >/dev/null
# The objects of today's sources (build/rel may hold objects of removed files).
MATCH_OBJ=$(ls src/match/*.c | sed 's#^#build/rel/#; s#\.c$#.o#')
cc -std=c11 -D_GNU_SOURCE -O2 -Isrc -o "$OUT/match_bench" bench/match_bench.c $MATCH_OBJ \
	build/rel/src/core/arena.o build/rel/src/core/mem.o build/rel/src/core/enc.o build/rel/src/core/buf.o -lm

python3 - "$OUT" <<'PY'
import json, random, sys, uuid
out = sys.argv[1]
r = random.Random(20261128)
apps = ["com.shop.orders", "com.shop.payments", "com.shop.users", "com.shop.inventory", "com.shop.shipping",
        "com.acme.billing", "com.acme.crm", "com.acme.reports"]
kinds = ["Order Placed", "Order Cancelled", "Payment Captured", "Payment Failed", "User Signed Up",
         "User Updated", "Stock Low", "Parcel Shipped", "Invoice Issued", "Report Ready"]
buckets = ["raw-landing", "monthly-extracts", "ml-features", "logs-archive", "exports"]
rules = []
for i in range(40):
    rules.append({"source": [r.choice(apps)], "detail-type": [r.choice(kinds)]})
for i in range(10):
    rules.append({"source": [{"prefix": r.choice(["com.shop.", "com.acme.", "aws."])}],
                  "detail-type": r.sample(kinds, 2)})
for i in range(12):
    lo = r.randint(1, 500)
    rules.append({"source": ["com.shop.orders"], "detail": {"amount": [{"numeric": [">", lo, "<=", lo + 300]}],
                                                          "currency": r.sample(["USD", "EUR", "GBP", "JPY"], 2)}})
for i in range(10):
    rules.append({"source": ["aws.s3"], "detail-type": ["Object Created"],
                  "detail": {"bucket": {"name": [r.choice(buckets)]},
                             "object": {"key": [{"prefix": r.choice(["incoming/", "2026/", "extract/"])}]}}})
for i in range(8):
    rules.append({"source": ["com.shop.users"], "detail": {"status": [{"anything-but": ["deleted", "banned"]}],
                                                          "email": [{"exists": True}]}})
for i in range(5):
    rules.append({"source": ["aws.s3"], "detail": {"object": {"key": [{"suffix": r.choice([".csv", ".parquet", ".json"])}]}}})
for i in range(5):
    rules.append({"detail-type": [{"equals-ignore-case": r.choice(kinds).upper()}], "region": ["us-east-1", "eu-west-1"]})
for i in range(5):
    rules.append({"source": ["aws.ec2"], "detail": {"state": [r.choice(["running", "stopped", "terminated"])],
                                                    "instance-id": [{"wildcard": "i-0%s*" % r.choice("0123456789abcdef")}]}})
for i in range(5):
    rules.append({"source": ["com.shop.payments"], "$or": [{"detail": {"amount": [{"numeric": [">", 1000]}]}},
                                                           {"detail": {"risk": ["high"]}}]})
assert len(rules) == 100
with open(out + "/match_rules.jsonl", "w") as f:
    for x in rules:
        f.write(json.dumps(x) + "\n")

def envelope(source, kind, detail, resources):
    return {"version": "0", "id": str(uuid.UUID(int=r.getrandbits(128))), "detail-type": kind, "source": source,
            "account": "123456789012", "time": "2026-11-%02dT%02d:%02d:00Z" % (r.randint(1, 28), r.randint(0, 23), r.randint(0, 59)),
            "region": r.choice(["us-east-1", "eu-west-1", "ap-south-1"]), "resources": resources, "detail": detail}

events = []
for i in range(10000):
    k = r.random()
    if k < 0.3:
        b = r.choice(buckets)
        key = r.choice(["incoming/", "2026/11/", "extract/", "tmp/"]) + "part-%05d" % r.randint(0, 99999) + r.choice([".csv", ".parquet", ".json", ".gz"])
        events.append(envelope("aws.s3", r.choice(["Object Created", "Object Deleted"]),
                               {"version": "0", "bucket": {"name": b},
                                "object": {"key": key, "size": r.randint(1, 10**9), "etag": "%032x" % r.getrandbits(128), "sequencer": "%016X" % r.getrandbits(64)},
                                "request-id": "%016X" % r.getrandbits(64), "requester": "123456789012", "source-ip-address": "10.0.%d.%d" % (r.randint(0, 255), r.randint(0, 255)), "reason": "PutObject"},
                               ["arn:aws:s3:::" + b]))
    elif k < 0.45:
        iid = "i-0%016x" % r.getrandbits(64)
        events.append(envelope("aws.ec2", "EC2 Instance State-change Notification",
                               {"instance-id": iid, "state": r.choice(["pending", "running", "stopping", "stopped", "terminated"])},
                               ["arn:aws:ec2:us-east-1:123456789012:instance/" + iid]))
    else:
        src = r.choice(apps)
        d = {"amount": round(r.uniform(1, 2000), 2), "currency": r.choice(["USD", "EUR", "GBP", "JPY"]),
             "customer": {"id": "c-%06d" % r.randint(0, 999999), "tier": r.choice(["gold", "silver", "bronze"])},
             "items": [{"sku": "SKU-%05d" % r.randint(0, 99999), "qty": r.randint(1, 5)} for _ in range(r.randint(1, 3))],
             "status": r.choice(["active", "pending", "deleted", "banned"]), "risk": r.choice(["low", "medium", "high"])}
        if r.random() < 0.7:
            d["email"] = "user%d@example.com" % r.randint(0, 99999)
        events.append(envelope(src, r.choice(kinds), d, []))
with open(out + "/match_events.jsonl", "w") as f:
    for e in events:
        f.write(json.dumps(e, separators=(",", ":")) + "\n")
sizes = sorted(len(json.dumps(e, separators=(",", ":"))) for e in events)
print("generated 100 rules, %d events (%d-%d bytes, median %d)" % (len(events), sizes[0], sizes[-1], sizes[len(sizes) // 2]))
PY

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

declare -A EPS NS MPE WALL BEST
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
for mode in trusted validating; do
	: >"$OUT/match_$mode.txt"
	for i in $(seq "$RUNS"); do
		taskset -c "$CPU" "$OUT/match_bench" "$OUT/match_rules.jsonl" "$OUT/match_events.jsonl" "$mode" "$SECS" \
			>>"$OUT/match_$mode.txt"
	done
	EPS[$mode]=$(awk '{print $3}' "$OUT/match_$mode.txt" | median)
	NS[$mode]=$(awk '{print $2}' "$OUT/match_$mode.txt" | median)
	MPE[$mode]=$(awk '{print $4}' "$OUT/match_$mode.txt" | head -1)
	WALL[$mode]=$(awk '{print $5}' "$OUT/match_$mode.txt" | median)
	BEST[$mode]=$(awk '{print $3}' "$OUT/match_$mode.txt" | sort -n | tail -1)
done

# Instructions per event: deterministic where timings on a shared machine
# are not (callgrind, 3 passes minus 1 pass, over 2 x 10,000 events).
declare -A INSN
if command -v valgrind >/dev/null; then
	for mode in trusted validating; do
		a=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null "$OUT/match_bench" "$OUT/match_rules.jsonl" \
			"$OUT/match_events.jsonl" "$mode" 0 1 2>&1 | awk '/refs:/ {gsub(",", "", $4); print $4}')
		b=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null "$OUT/match_bench" "$OUT/match_rules.jsonl" \
			"$OUT/match_events.jsonl" "$mode" 0 3 2>&1 | awk '/refs:/ {gsub(",", "", $4); print $4}')
		INSN[$mode]=$(( (b - a) / 20000 ))
	done
fi

MOTO_EPS="" MOTO_NS="" MOTO_MPE="" MOTO_VER=""
if python3 -c "import moto.events.models" 2>/dev/null; then
	MOTO_VER=$(python3 -c "import moto; print(moto.__version__)")
	read -r MOTO_EPS MOTO_NS MOTO_MPE < <(taskset -c "$CPU" python3 - "$OUT" <<'PY'
import json, sys, time
from moto.events.models import EventPattern
out = sys.argv[1]
pats = [EventPattern.load(l) for l in open(out + "/match_rules.jsonl")]
events = [l for l in open(out + "/match_events.jsonl")][:2000]
def one(raw):
    e = json.loads(raw)
    return sum(1 for p in pats if p.matches_event(e))
for raw in events[:200]:
    one(raw)
best = None
for run in range(3):
    t0 = time.perf_counter(); m = 0
    for raw in events:
        m += one(raw)
    dt = time.perf_counter() - t0
    eps = len(events) / dt
    if best is None or eps > best[0]:
        best = (eps, dt * 1e9 / len(events), m / len(events))
print("%.0f %.0f %.3f" % best)
PY
)
fi

head -2000 "$OUT/match_events.jsonl" >"$OUT/match_events_2k.jsonl"
NUAGE_2K=$("$OUT/match_bench" "$OUT/match_rules.jsonl" "$OUT/match_events_2k.jsonl" trusted 0 1 | awk '{print $4}')

DATE=$(date -u +%Y-%m-%d)
CPUNAME=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
NPROC=$(nproc)
{
	echo "<!-- match:begin -->"
	echo "## Matcher (src/match): 100 EventBridge rules, one core"
	echo
	echo "$DATE — $NPROC CPUs, $CPUNAME — \`RUNS=$RUNS SECONDS_PER_RUN=$SECS bench/match.sh\`"
	echo "(taskset -c $CPU; median of $RUNS runs of ${SECS}s of CPU time over 10,000 generated events, 100 rules;"
	echo "load average before the runs: $LOAD_BEFORE — other work shares this machine, so wall time is also shown)"
	echo
	echo "| matcher | events per CPU-second (median) | best run | CPU ns/event | events per wall-second | instructions/event | rules matched per event |"
	echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
	echo "| nuage, trusted event JSON (dispatch path) | ${EPS[trusted]} | ${BEST[trusted]} | ${NS[trusted]} | ${WALL[trusted]} | ${INSN[trusted]:-n/a} | ${MPE[trusted]} |"
	echo "| nuage, untrusted event JSON (fully validated) | ${EPS[validating]} | ${BEST[validating]} | ${NS[validating]} | ${WALL[validating]} | ${INSN[validating]:-n/a} | ${MPE[validating]} |"
	if [ -n "$MOTO_EPS" ]; then
		echo "| moto $MOTO_VER EventPattern.matches_event, in-process (best of 3 over the first 2,000 events; wall time) | $MOTO_EPS | | $MOTO_NS | | | $MOTO_MPE (nuage on those 2,000: $NUAGE_2K) |"
	fi
	echo
	echo "Goal: >= 1,000,000 events/s for 100 rules on one core."
	echo "<!-- match:end -->"
} >"$OUT/match_section.md"
cat "$OUT/match_section.md"

RES=bench/RESULTS.md
[ -f "$RES" ] || printf '# Benchmark results\n\nEach section is written by its bench/*.sh script.\n\n' >"$RES"
python3 - "$RES" "$OUT/match_section.md" <<'PY'
import sys, re
res, sec = sys.argv[1], open(sys.argv[2]).read()
text = open(res).read()
pat = re.compile(r"<!-- match:begin -->.*?<!-- match:end -->\n?", re.S)
text = pat.sub(lambda m: sec, text) if pat.search(text) else text.rstrip("\n") + "\n\n" + sec
open(res, "w").write(text)
PY
