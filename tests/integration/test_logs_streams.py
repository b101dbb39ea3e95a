"""CloudWatch Logs streams and events (issue 7): CreateLogStream,
DescribeLogStreams, PutLogEvents, GetLogEvents, FilterLogEvents,
DeleteLogStream — through boto3 1.26 and 1.43, aws CLI v2 (including
`aws logs tail`) and v1, and the JS SDK v3."""
import json
import subprocess
import time
import uuid

import botocore.exceptions
import pytest

from conftest import _client_env, jout


def now_ms():
    return int(time.time() * 1000)


def group(logs, prefix="/it/streams/"):
    name = prefix + uuid.uuid4().hex[:10]
    logs.create_log_group(logGroupName=name)
    return name


def err_code(excinfo):
    return excinfo.value.response["Error"]["Code"]


def test_streams_boto3(nuage, boto):
    logs = boto("logs", nuage.endpoint)
    g = group(logs)
    for s in ("app/a", "app/b", "worker"):
        logs.create_log_stream(logGroupName=g, logStreamName=s)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        logs.create_log_stream(logGroupName=g, logStreamName="worker")
    assert err_code(e) == "ResourceAlreadyExistsException"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        logs.create_log_stream(logGroupName=g + "-missing", logStreamName="x")
    assert err_code(e) == "ResourceNotFoundException"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        logs.create_log_stream(logGroupName=g, logStreamName="bad:name")
    assert err_code(e) == "InvalidParameterException"

    t = now_ms()
    r = logs.put_log_events(logGroupName=g, logStreamName="app/a", logEvents=[
        {"timestamp": t - 30, "message": "[ERROR] disk full"},
        {"timestamp": t - 20, "message": json.dumps({"level": "ERROR", "latency": 250})},
        {"timestamp": t - 10, "message": "INFO all good"}])
    assert r["nextSequenceToken"]
    logs.put_log_events(logGroupName=g, logStreamName="app/b", logEvents=[
        {"timestamp": t - 25, "message": json.dumps({"level": "INFO", "latency": 20})}])
    # Rejected events are reported, the rest stored.
    r = logs.put_log_events(logGroupName=g, logStreamName="worker", logEvents=[
        {"timestamp": t - 15 * 86400000, "message": "ancient"},
        {"timestamp": t - 15 * 86400000 + 1000, "message": "ancient too"}])
    assert r["rejectedLogEventsInfo"] == {"tooOldLogEventEndIndex": 1}
    r = logs.put_log_events(logGroupName=g, logStreamName="worker", logEvents=[
        {"timestamp": t - 5, "message": "worker ok"},
        {"timestamp": t + 3 * 3600000, "message": "from the future"}])
    assert r["rejectedLogEventsInfo"] == {"tooNewLogEventStartIndex": 1}

    for bad, why in [([{"timestamp": t, "message": "b"}, {"timestamp": t - 1, "message": "a"}], "chronological"),
                     ([{"timestamp": t - 25 * 3600000, "message": "a"}, {"timestamp": t, "message": "b"}], "24 hours")]:
        with pytest.raises(botocore.exceptions.ClientError) as e:
            logs.put_log_events(logGroupName=g, logStreamName="worker", logEvents=bad)
        assert err_code(e) == "InvalidParameterException" and why in str(e.value)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        logs.put_log_events(logGroupName=g, logStreamName="nope", logEvents=[{"timestamp": t, "message": "x"}])
    assert err_code(e) == "ResourceNotFoundException"

    # Describe: by name with a prefix, by last event time, paginated.
    names = [s["logStreamName"] for s in logs.describe_log_streams(logGroupName=g, logStreamNamePrefix="app/")["logStreams"]]
    assert names == ["app/a", "app/b"]
    s = logs.describe_log_streams(logGroupName=g, orderBy="LastEventTime", descending=True)["logStreams"]
    assert [x["logStreamName"] for x in s] == ["worker", "app/a", "app/b"]
    a = [x for x in s if x["logStreamName"] == "app/a"][0]
    assert a["firstEventTimestamp"] == t - 30 and a["lastEventTimestamp"] == t - 10
    assert a["arn"].endswith(":log-group:%s:log-stream:app/a" % g)
    pages = list(logs.get_paginator("describe_log_streams").paginate(logGroupName=g, PaginationConfig={"PageSize": 1}))
    assert [p["logStreams"][0]["logStreamName"] for p in pages] == ["app/a", "app/b", "worker"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        logs.describe_log_streams(logGroupName=g, orderBy="LastEventTime", logStreamNamePrefix="a")
    assert err_code(e) == "InvalidParameterException"

    # Get: the newest page by default, then backwards; tokens repeat at the ends.
    r = logs.get_log_events(logGroupName=g, logStreamName="app/a", limit=2)
    assert [e["message"] for e in r["events"]] == [json.dumps({"level": "ERROR", "latency": 250}), "INFO all good"]
    back = logs.get_log_events(logGroupName=g, logStreamName="app/a", nextToken=r["nextBackwardToken"])
    assert [e["message"] for e in back["events"]] == ["[ERROR] disk full"]
    head = logs.get_log_events(logGroupName=g, logStreamName="app/a", startFromHead=True, limit=1)
    seen, tok = [e["message"] for e in head["events"]], head["nextForwardToken"]
    while True:
        page = logs.get_log_events(logGroupName=g, logStreamName="app/a", nextToken=tok, limit=1)
        seen += [e["message"] for e in page["events"]]
        if page["nextForwardToken"] == tok:
            break
        tok = page["nextForwardToken"]
    assert len(seen) == 3 and seen[-1] == "INFO all good"
    ranged = logs.get_log_events(logGroupName=g, logStreamName="app/a", startTime=t - 20, endTime=t - 10)
    assert len(ranged["events"]) == 1 and ranged["events"][0]["ingestionTime"] >= t - 20

    # Filter across streams with patterns.
    def msgs(**kw):
        return [e["message"] for e in logs.filter_log_events(logGroupName=g, **kw)["events"]]
    assert len(msgs()) == 5
    assert msgs(filterPattern="ERROR") == ["[ERROR] disk full", json.dumps({"level": "ERROR", "latency": 250})]
    assert msgs(filterPattern='{ $.level = "ERROR" }') == [json.dumps({"level": "ERROR", "latency": 250})]
    assert msgs(filterPattern="{ $.latency < 100 }") == [json.dumps({"level": "INFO", "latency": 20})]
    assert msgs(filterPattern="?worker ?disk") == ["[ERROR] disk full", "worker ok"]
    assert msgs(logStreamNames=["worker"]) == ["worker ok"]
    assert msgs(logStreamNamePrefix="app/", filterPattern="-ERROR") == [
        json.dumps({"level": "INFO", "latency": 20}), "INFO all good"]
    ev = logs.filter_log_events(logGroupName=g, limit=1)["events"][0]
    assert ev["logStreamName"] == "app/a" and ev["eventId"]
    pages = list(logs.get_paginator("filter_log_events").paginate(logGroupName=g, PaginationConfig={"PageSize": 2}))
    assert sum(len(p["events"]) for p in pages) == 5 and len(pages) >= 3
    with pytest.raises(botocore.exceptions.ClientError) as e:
        logs.filter_log_events(logGroupName=g, filterPattern="{ $.level = }")
    assert err_code(e) == "InvalidParameterException"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        logs.filter_log_events(logGroupName=g, logStreamNames=["a"], logStreamNamePrefix="a")
    assert err_code(e) == "InvalidParameterException"

    logs.delete_log_stream(logGroupName=g, logStreamName="worker")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        logs.delete_log_stream(logGroupName=g, logStreamName="worker")
    assert err_code(e) == "ResourceNotFoundException"
    assert len(msgs()) == 4
    # Deleting the group takes its streams and events: a new group of the
    # same name starts empty.
    logs.delete_log_group(logGroupName=g)
    logs.create_log_group(logGroupName=g)
    assert logs.describe_log_streams(logGroupName=g)["logStreams"] == []
    assert logs.filter_log_events(logGroupName=g)["events"] == []
    logs.delete_log_group(logGroupName=g)


def test_streams_boto3_newer(nuage, newpy):
    assert newpy(nuage.endpoint, "logs_streams.py").stdout.startswith(b"ok")


def test_streams_js_sdk(nuage, node):
    assert node(nuage.endpoint, "logs_streams.mjs").stdout.strip() == b"ok"


def cli_streams(call, endpoint):
    g = "/it/cli/" + uuid.uuid4().hex[:8]
    call(endpoint, "logs", "create-log-group", "--log-group-name", g)
    call(endpoint, "logs", "create-log-stream", "--log-group-name", g, "--log-stream-name", "s1")
    t = now_ms()
    events = json.dumps([{"timestamp": t - 2, "message": "hello from the cli"},
                         {"timestamp": t - 1, "message": '{"level":"ERROR","code":7}'}])
    call(endpoint, "logs", "put-log-events", "--log-group-name", g, "--log-stream-name", "s1", "--log-events", events)
    d = jout(call(endpoint, "logs", "describe-log-streams", "--log-group-name", g))
    assert [s["logStreamName"] for s in d["logStreams"]] == ["s1"]
    r = jout(call(endpoint, "logs", "get-log-events", "--log-group-name", g, "--log-stream-name", "s1",
                  "--start-from-head"))
    assert [e["message"] for e in r["events"]] == ["hello from the cli", '{"level":"ERROR","code":7}']
    r = jout(call(endpoint, "logs", "filter-log-events", "--log-group-name", g, "--filter-pattern",
                  '{ $.level = "ERROR" }'))
    assert [e["message"] for e in r["events"]] == ['{"level":"ERROR","code":7}']
    p = call(endpoint, "logs", "get-log-events", "--log-group-name", g, "--log-stream-name", "missing", check=False)
    assert p.returncode != 0 and b"ResourceNotFoundException" in p.stderr
    call(endpoint, "logs", "delete-log-stream", "--log-group-name", g, "--log-stream-name", "s1")
    call(endpoint, "logs", "delete-log-group", "--log-group-name", g)


def test_streams_aws_cli_v2(nuage, aws2):
    cli_streams(aws2, nuage.endpoint)


def test_streams_aws_cli_v1(nuage, aws1):
    cli_streams(aws1, nuage.endpoint)


def test_aws_logs_tail_follow(nuage, aws2, boto):
    """`aws logs tail --follow` prints events that arrive while it runs."""
    logs = boto("logs", nuage.endpoint)
    g = group(logs, "/it/tail/")
    logs.create_log_stream(logGroupName=g, logStreamName="s")
    logs.put_log_events(logGroupName=g, logStreamName="s", logEvents=[{"timestamp": now_ms(), "message": "first line"}])
    out = aws2(nuage.endpoint, "logs", "tail", g, "--since", "1h", "--format", "short").stdout.decode()
    assert "first line" in out
    proc = subprocess.Popen(["/usr/bin/aws", "--endpoint-url", nuage.endpoint, "logs", "tail", g, "--follow",
                             "--since", "1h"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=_client_env(nuage.endpoint))
    try:
        got = b""
        deadline = time.time() + 60
        sent = False
        while time.time() < deadline and b"second line" not in got:
            if not sent and b"first line" in got:
                logs.put_log_events(logGroupName=g, logStreamName="s",
                                    logEvents=[{"timestamp": now_ms(), "message": "second line"}])
                sent = True
            import select
            r, _, _ = select.select([proc.stdout], [], [], 1)
            if r:
                got += proc.stdout.read1(65536)
        assert b"first line" in got and b"second line" in got, got
        assert b" s " in got  # the stream name column
    finally:
        proc.kill()
        proc.wait()
    logs.delete_log_group(logGroupName=g)


def test_retention_removes_expired_events(fresh_nuage, boto):
    """Retention is enforced: events older than it are gone after the next
    sweep (one runs at every start)."""
    n = fresh_nuage().start()
    logs = boto("logs", n.endpoint)
    logs.create_log_group(logGroupName="/it/retention")
    logs.create_log_stream(logGroupName="/it/retention", logStreamName="s")
    t = now_ms()
    logs.put_log_events(logGroupName="/it/retention", logStreamName="s", logEvents=[
        {"timestamp": t - 5 * 86400000, "message": "five days old"},
        {"timestamp": t - 5 * 86400000 + 1, "message": "also old"}])
    logs.put_log_events(logGroupName="/it/retention", logStreamName="s", logEvents=[
        {"timestamp": t, "message": "fresh"}])
    logs.put_retention_policy(logGroupName="/it/retention", retentionInDays=3)
    assert n.stop() == 0
    n.log.close()
    n.start()
    deadline = time.time() + 30
    msgs = None
    while time.time() < deadline:
        msgs = [e["message"] for e in logs.filter_log_events(logGroupName="/it/retention")["events"]]
        if msgs == ["fresh"]:
            break
        time.sleep(0.1)
    assert msgs == ["fresh"]
