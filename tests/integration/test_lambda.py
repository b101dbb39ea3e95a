"""Lambda (issue 7): functions that run for real, through Debian's boto3
1.26 in process — execution (Python, provided shell bootstraps, Node.js),
errors as AWS returns them, timeouts, memory, concurrency, logs, and the
management API around them."""
import base64
import json
import os
import shutil
import subprocess
import threading
import time

import botocore.exceptions
import pytest

from lambda_util import ROLE, create_py, fname, log_messages, make_zip, py_zip


@pytest.fixture(scope="module")
def lam(nuage, boto):
    return boto("lambda", nuage.endpoint)


@pytest.fixture(scope="module")
def logs(nuage, boto):
    return boto("logs", nuage.endpoint)


def code(e):
    return e.value.response["Error"]["Code"]


def status(e):
    return e.value.response["ResponseMetadata"]["HTTPStatusCode"]


def invoke_json(lam, name, payload=None, **kw):
    r = lam.invoke(FunctionName=name, Payload=json.dumps(payload if payload is not None else {}).encode(), **kw)
    body = r["Payload"].read()
    return r, json.loads(body) if body else None


# ---- Python handlers ----

HANDLER_WITH_BOTO3 = '''
import os
import boto3

def handler(event, context):
    # boto3 inside the function talks to nuage (AWS_ENDPOINT_URL and the
    # function's credentials come from the environment).
    sts = boto3.client("sts")
    logs = boto3.client("logs")
    logs.create_log_group(logGroupName=event["group"])
    print("made", event["group"])
    return {
        "account": sts.get_caller_identity()["Account"],
        "groups": [g["logGroupName"] for g in logs.describe_log_groups(logGroupNamePrefix=event["group"])["logGroups"]],
        "function_name": context.function_name,
        "function_version": context.function_version,
        "memory": context.memory_limit_in_mb,
        "arn": context.invoked_function_arn,
        "request_id": context.aws_request_id,
        "log_group": context.log_group_name,
        "log_stream": context.log_stream_name,
        "remaining_ok": 0 < context.get_remaining_time_in_millis() <= 30000,
        "task_root": os.environ["LAMBDA_TASK_ROOT"],
        "cwd": os.getcwd(),
        "region": os.environ["AWS_REGION"],
        "env_var": os.environ.get("GREETING"),
        "runtime_api": os.environ["AWS_LAMBDA_RUNTIME_API"],
    }
'''


def test_python_handler_uses_boto3_against_nuage(lam, logs):
    name = create_py(lam, HANDLER_WITH_BOTO3, Timeout=30, MemorySize=256,
                     Environment={"Variables": {"GREETING": "bonjour"}})
    group = "/from/function/" + name
    r, out = invoke_json(lam, name, {"group": group})
    assert r["StatusCode"] == 200 and "FunctionError" not in r, out
    assert r["ExecutedVersion"] == "$LATEST"
    assert out["account"] == "000000000000"
    assert out["groups"] == [group]
    assert out["function_name"] == name and out["function_version"] == "$LATEST"
    assert out["memory"] == "256"
    assert out["arn"] == "arn:aws:lambda:us-east-1:000000000000:function:" + name
    assert out["request_id"] == r["ResponseMetadata"]["HTTPHeaders"].get("x-amzn-requestid") or len(out["request_id"]) == 36
    assert out["log_group"] == "/aws/lambda/" + name
    assert out["remaining_ok"] and out["region"] == "us-east-1" and out["env_var"] == "bonjour"
    assert out["cwd"] == out["task_root"]
    assert out["runtime_api"].startswith("127.0.0.1:")
    # The group the function created is visible from outside.
    assert logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0]["logGroupName"] == group
    # Its output landed in its stream with START / END / REPORT.
    msgs = log_messages(logs, "/aws/lambda/" + name, want=lambda m: any(x.startswith("REPORT") for x in m))
    assert any(m == "made %s\n" % group for m in msgs), msgs
    start = [m for m in msgs if m.startswith("START RequestId: ")]
    assert start and start[0].endswith(" Version: $LATEST\n")
    report = [m for m in msgs if m.startswith("REPORT RequestId: ")][0]
    for field in ("Duration: ", "Billed Duration: ", "Memory Size: 256 MB", "Max Memory Used: ", "Init Duration: "):
        assert field in report, report
    streams = logs.describe_log_streams(logGroupName="/aws/lambda/" + name)["logStreams"]
    assert streams[0]["logStreamName"] == out["log_stream"]
    assert "/[$LATEST]" in out["log_stream"]


def test_code_from_s3_and_the_guides_snippet(lam, boto, nuage):
    """Code from S3Bucket/S3Key, and a handler that writes to nuage's S3 the
    way the source guide does: s3.Object(bucket, 'abc.json').put(Body=...)."""
    s3 = boto("s3", nuage.endpoint)
    bucket = fname("code")
    s3.create_bucket(Bucket=bucket)
    source = ("import json, boto3\n"
              "s3 = boto3.resource('s3')\n"
              "def handler(event, context):\n"
              "    s3.Object(event['bucket'], 'abc.json').put(Body=json.dumps(event['data']))\n"
              "    return {'written': 'abc.json'}\n")
    s3.put_object(Bucket=bucket, Key="pkg/fn.zip", Body=py_zip(source))
    name = fname("s3code")
    created = lam.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="app.handler",
                                  Code={"S3Bucket": bucket, "S3Key": "pkg/fn.zip"}, Timeout=30)
    assert created["CodeSize"] == s3.head_object(Bucket=bucket, Key="pkg/fn.zip")["ContentLength"]
    lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1})
    r, out = invoke_json(lam, name, {"bucket": bucket, "data": {"rows": 42, "month": "2026-11"}})
    assert "FunctionError" not in r and out == {"written": "abc.json"}, out
    body = s3.get_object(Bucket=bucket, Key="abc.json")["Body"].read()
    assert json.loads(body) == {"rows": 42, "month": "2026-11"}
    # New code from S3 too.
    s3.put_object(Bucket=bucket, Key="pkg/v2.zip", Body=py_zip("def handler(e, c):\n    return 'v2'\n"))
    lam.update_function_code(FunctionName=name, S3Bucket=bucket, S3Key="pkg/v2.zip")
    lam.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1})
    assert invoke_json(lam, name)[1] == "v2"
    for code_spec, words in [({"S3Bucket": bucket, "S3Key": "missing.zip"}, "S3 Error Code: NoSuchKey"),
                             ({"S3Bucket": bucket + "-nope", "S3Key": "k"}, "S3 Error Code: NoSuchBucket")]:
        with pytest.raises(botocore.exceptions.ClientError) as e:
            lam.create_function(FunctionName=fname("bad"), Runtime="python3.12", Role=ROLE, Handler="app.handler",
                                Code=code_spec)
        assert code(e) == "InvalidParameterValueException" and words in str(e.value)
    s3.put_object(Bucket=bucket, Key="not-a-zip", Body=b"plain text")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.create_function(FunctionName=fname("bad"), Runtime="python3.12", Role=ROLE, Handler="app.handler",
                            Code={"S3Bucket": bucket, "S3Key": "not-a-zip"})
    assert code(e) == "InvalidZipFileException"


SPARE_PROBE = """import os, resource, sys, time
def handler(e, c):
    ticks = int(open('/proc/self/stat').read().rsplit(')', 1)[1].split()[19])
    return {'start_ticks': ticks, 'cwd': os.getcwd(), 'root': os.environ['LAMBDA_TASK_ROOT'],
            'stage': os.environ.get('STAGE'), 'as': resource.getrlimit(resource.RLIMIT_AS)[0],
            'tz': time.strftime('%Z'), 'hashrand': sys.flags.hash_randomization,
            'spare_flag': os.environ.get('_NUAGE_SPARE')}
"""


def boot_ticks():
    return int(float(open("/proc/uptime").read().split()[0]) * os.sysconf("SC_CLK_TCK"))


def test_python_cold_start_takes_a_started_interpreter(lam):
    """nuage keeps one Python interpreter started ahead; a cold start takes
    it and gives it the function's environment, directory and limits — so
    the function cannot tell, except that its process is older."""
    first = create_py(lam, "def handler(e, c):\n    return 1\n")
    invoke_json(lam, first)  # a Python cold start leaves a spare behind
    time.sleep(1)  # let it finish starting (not asserted: only its age is)
    created = boot_ticks()
    name = create_py(lam, SPARE_PROBE, MemorySize=256, Environment={"Variables": {"STAGE": "spare"}})
    _, out = invoke_json(lam, name)
    assert out["start_ticks"] < created, "the environment was not the pre-started one"
    assert out["cwd"] == out["root"] and out["stage"] == "spare" and out["spare_flag"] is None
    assert out["as"] == (256 + 1024) << 20 and out["tz"] == "UTC"
    # Variables that act at interpreter start-up get a fresh interpreter.
    created = boot_ticks()
    name = create_py(lam, SPARE_PROBE, Environment={"Variables": {"PYTHONHASHSEED": "0"}})
    _, out = invoke_json(lam, name)
    assert out["start_ticks"] >= created and out["hashrand"] == 0


def test_concurrent_invocations_across_updates(lam, boto, nuage):
    """Four clients at once, while the configuration changes under them:
    every invocation answers, from one environment per client at most."""
    name = create_py(lam, "import os\ndef handler(e, c):\n    return [e['i'], os.getpid()]\n")
    errors, pids = [], set()

    def client(k):
        c = boto("lambda", nuage.endpoint)
        for i in range(25):
            try:
                r = c.invoke(FunctionName=name, Payload=json.dumps({"i": i}).encode())
                out = json.loads(r["Payload"].read())
                if r.get("FunctionError") or out[0] != i:
                    errors.append(out)
                pids.add(out[1])
            except Exception as e:
                errors.append(repr(e))
    for round_ in range(3):
        ts = [threading.Thread(target=client, args=(k,)) for k in range(4)]
        [t.start() for t in ts]
        lam.update_function_configuration(FunctionName=name, Description="round %d" % round_)
        [t.join() for t in ts]
    assert errors == []
    assert len(pids) <= 4 * 2 * 3  # at most one per client per configuration, each round


def test_warm_environment_is_reused(lam, logs):
    name = create_py(lam, "import os\nCOUNT = 0\ndef handler(e, c):\n    global COUNT\n    COUNT += 1\n"
                          "    return [COUNT, os.getpid()]\n")
    _, a = invoke_json(lam, name)
    _, b = invoke_json(lam, name)
    assert a[0] == 1 and b[0] == 2 and a[1] == b[1]
    msgs = log_messages(logs, "/aws/lambda/" + name, "REPORT", want=lambda m: len(m) >= 2)
    # Only the cold start reports an Init Duration.
    assert sum("Init Duration" in m for m in msgs) == 1, msgs


def test_handler_exception_as_aws_returns_it(lam, logs):
    name = create_py(lam, "def handler(event, context):\n    helper()\n\ndef helper():\n"
                          "    raise ValueError('bad input: ' + 'x')\n")
    r, err = invoke_json(lam, name, LogType="Tail")
    assert r["StatusCode"] == 200 and r["FunctionError"] == "Unhandled"
    assert err["errorType"] == "ValueError" and err["errorMessage"] == "bad input: x"
    assert err["requestId"] and isinstance(err["stackTrace"], list) and len(err["stackTrace"]) == 2
    assert err["stackTrace"][0].startswith('  File "') and "line 2, in handler" in err["stackTrace"][0]
    assert "in helper" in err["stackTrace"][1] and "raise ValueError" in err["stackTrace"][1]
    tail = base64.b64decode(r["LogResult"]).decode()
    assert "[ERROR] ValueError: bad input: x" in tail and "END RequestId" in tail and "REPORT RequestId" in tail
    # The environment survives a handled error.
    r, _ = invoke_json(lam, name)
    assert r["FunctionError"] == "Unhandled"


@pytest.mark.parametrize("source,handler,etype,words", [
    ("import no_such_module\n", "app.handler", "Runtime.ImportModuleError", "Unable to import module 'app'"),
    ("def other(e, c):\n    pass\n", "app.handler", "Runtime.HandlerNotFound", "Handler 'handler' missing on module 'app'"),
    ("def handler(e, c)\n    pass\n", "app.handler", "Runtime.UserCodeSyntaxError", "Syntax error in module 'app'"),
    ("def handler(e, c):\n    pass\n", "apphandler", "Runtime.MalformedHandlerName", "Bad handler 'apphandler'"),
    ("raise RuntimeError('at import')\n", "app.handler", "RuntimeError", "at import"),
])
def test_init_errors(lam, logs, source, handler, etype, words):
    name = create_py(lam, source, handler=handler)
    r, err = invoke_json(lam, name)
    assert r["FunctionError"] == "Unhandled"
    assert err["errorType"] == etype and words in err["errorMessage"], err
    msgs = log_messages(logs, "/aws/lambda/" + name, want=lambda m: any("INIT_REPORT" in x for x in m))
    assert any("Status: error" in m and etype in m for m in msgs if m.startswith("INIT_REPORT")), msgs


def test_python_logging_format(lam, logs):
    name = create_py(lam, "import logging\nlog = logging.getLogger()\nlog.setLevel(logging.INFO)\n"
                          "def handler(e, c):\n    log.info('line one\\nline two')\n    return c.aws_request_id\n")
    _, rid = invoke_json(lam, name)
    msgs = log_messages(logs, "/aws/lambda/" + name, "INFO", want=lambda m: m)
    level, stamp, req, text = msgs[0].rstrip("\n").split("\t")
    assert level == "[INFO]" and stamp.endswith("Z") and req == rid
    # A multi-line record stays one event ("\n" -> "\r", as AWS's runtime writes it).
    assert text == "line one\rline two"


def test_unmarshalable_result(lam):
    name = create_py(lam, "def handler(e, c):\n    return {1, 2}\n")
    r, err = invoke_json(lam, name)
    assert r["FunctionError"] == "Unhandled" and err["errorType"] == "Runtime.MarshalError"
    assert "Unable to marshal response" in err["errorMessage"]


def test_timeout_kills_and_recovers(lam, logs):
    name = create_py(lam, "import time, os\ndef handler(e, c):\n    if e.get('sleep'):\n        time.sleep(e['sleep'])\n"
                          "    return os.getpid()\n", Timeout=1)
    _, pid1 = invoke_json(lam, name)
    r, err = invoke_json(lam, name, {"sleep": 5})
    assert r["FunctionError"] == "Unhandled"
    assert err["errorType"] == "Sandbox.Timedout"
    assert "Task timed out after 1.0" in err["errorMessage"] and err["errorMessage"].endswith(" seconds")
    # The timed-out process is gone; the next invocation gets a fresh one.
    r, pid2 = invoke_json(lam, name)
    assert "FunctionError" not in r and pid2 != pid1
    with pytest.raises(ProcessLookupError):
        os.kill(pid1, 0)
    msgs = log_messages(logs, "/aws/lambda/" + name, "timed out", want=lambda m: m)
    assert msgs and "Task timed out after 1.0" in msgs[0]
    report = log_messages(logs, "/aws/lambda/" + name, "Status", want=lambda m: m)
    assert report and "Status: timeout" in report[0]


def test_memory_size_enforced(lam):
    # The big allocation is held until the environment is killed, so the
    # watchdog cannot miss it; were it missed, the timeout would answer.
    name = create_py(lam, "import time\nKEEP = []\ndef handler(e, c):\n    KEEP.append(b'x' * (e['mb'] << 20))\n"
                          "    time.sleep(e.get('hold', 0))\n    return len(KEEP)\n", MemorySize=128, Timeout=60)
    r, out = invoke_json(lam, name, {"mb": 8})
    assert out == 1
    r, err = invoke_json(lam, name, {"mb": 300, "hold": 60})
    assert r["FunctionError"] == "Unhandled" and err["errorType"] == "Runtime.OutOfMemory", err


def test_reserved_concurrency_throttles(lam, logs, tmp_path):
    # The handler holds its slot until the test releases it (a file appears).
    name = create_py(lam, "import os, time\ndef handler(e, c):\n    if e.get('hold'):\n        print('holding')\n"
                          "        while not os.path.exists(e['hold']):\n            time.sleep(0.01)\n"
                          "    return 'done'\n", Timeout=60)
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=1)
    assert lam.get_function_concurrency(FunctionName=name)["ReservedConcurrentExecutions"] == 1
    assert lam.get_function(FunctionName=name)["Concurrency"] == {"ReservedConcurrentExecutions": 1}
    release = tmp_path / "release"
    results = []
    t = threading.Thread(target=lambda: results.append(invoke_json(lam, name, {"hold": str(release)})[1]))
    t.start()
    try:
        assert log_messages(logs, "/aws/lambda/" + name, "holding", want=lambda m: m), "the first call never started"
        with pytest.raises(botocore.exceptions.ClientError) as e:
            invoke_json(lam, name)
    finally:
        release.touch()
        t.join()
    assert code(e) == "TooManyRequestsException" and status(e) == 429
    assert e.value.response.get("Reason") == "ReservedFunctionConcurrentInvocationLimitExceeded"
    assert results == ["done"]
    # Zero reserved concurrency stops the function entirely.
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        invoke_json(lam, name)
    assert code(e) == "TooManyRequestsException"
    lam.delete_function_concurrency(FunctionName=name)
    assert "ReservedConcurrentExecutions" not in lam.get_function_concurrency(FunctionName=name)
    assert invoke_json(lam, name)[1] == "done"
    # The unreserved pool keeps its minimum.
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=950)
    assert code(e) == "InvalidParameterValueException" and "UnreservedConcurrentExecution" in str(e.value)
    limits = lam.get_account_settings()["AccountLimit"]
    assert limits["ConcurrentExecutions"] == 1000 and limits["CodeSizeUnzipped"] == 262144000


# ---- provided runtimes ----

SHELL_BOOTSTRAP = r'''#!/bin/sh
# A custom runtime in plain shell: the Runtime API through curl.
set -eu
API="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
COUNT=0
while true; do
  HEADERS="$(mktemp)"
  EVENT="$(curl -sS -D "$HEADERS" "$API/invocation/next")"
  ID="$(grep -i '^Lambda-Runtime-Aws-Request-Id:' "$HEADERS" | cut -d: -f2 | tr -d ' \r\n')"
  rm -f "$HEADERS"
  COUNT=$((COUNT + 1))
  echo "shell got $EVENT"
  case "$EVENT" in
    *fail*) curl -sS -o /dev/null -H 'Lambda-Runtime-Function-Error-Type: ShellError' \
              -d '{"errorType":"ShellError","errorMessage":"asked to fail"}' "$API/invocation/$ID/error" ;;
    *exit*) exit 3 ;;
    *) curl -sS -o /dev/null -d "{\"count\": $COUNT, \"event\": $EVENT, \"handler\": \"$_HANDLER\"}" \
              "$API/invocation/$ID/response" ;;
  esac
done
'''


@pytest.mark.skipif(not shutil.which("curl"), reason="curl is needed by the shell bootstrap")
def test_provided_shell_bootstrap(lam, logs):
    name = fname("sh")
    lam.create_function(FunctionName=name, Runtime="provided.al2023", Role=ROLE, Handler="function.handler",
                        Code={"ZipFile": make_zip({"bootstrap": (SHELL_BOOTSTRAP, 0o755)})})
    lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1})
    r, out = invoke_json(lam, name, {"n": 1})
    assert "FunctionError" not in r and out == {"count": 1, "event": {"n": 1}, "handler": "function.handler"}
    _, out = invoke_json(lam, name, {"n": 2})
    assert out["count"] == 2  # the same process, still warm
    r, err = invoke_json(lam, name, {"fail": True})
    assert r["FunctionError"] == "Unhandled" and err == {"errorType": "ShellError", "errorMessage": "asked to fail"}
    r, err = invoke_json(lam, name, {"exit": True})
    assert r["FunctionError"] == "Unhandled" and err["errorType"] == "Runtime.ExitError"
    assert "Runtime exited with error: exit status 3" in err["errorMessage"]
    _, out = invoke_json(lam, name, {"n": 3})
    assert out["count"] == 1  # a new environment after the crash
    msgs = log_messages(logs, "/aws/lambda/" + name, "shell", want=lambda m: len(m) >= 5)
    assert 'shell got {"n": 1}\n' in msgs


def test_provided_missing_or_unrunnable_bootstrap(lam):
    name = fname("nob")
    lam.create_function(FunctionName=name, Runtime="provided.al2", Role=ROLE, Handler="x",
                        Code={"ZipFile": make_zip({"README": "no bootstrap here"})})
    lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1})
    r, err = invoke_json(lam, name)
    assert r["FunctionError"] == "Unhandled" and err["errorType"] == "Runtime.InvalidEntrypoint"
    assert "Couldn't find valid bootstrap(s)" in err["errorMessage"]
    name = fname("noexec")
    lam.create_function(FunctionName=name, Runtime="provided.al2", Role=ROLE, Handler="x",
                        Code={"ZipFile": make_zip({"bootstrap": ("#!/bin/sh\necho hi\n", 0o644)})})
    lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1})
    r, err = invoke_json(lam, name)
    assert err["errorType"] == "Runtime.InvalidEntrypoint" and "permission denied" in err["errorMessage"]


RUNTIME_API_PROBE = r'''#!/usr/bin/env python3
# A provided runtime in Python, probing the Runtime API's edges.
import json, os, urllib.request, urllib.error
API = "http://%s/2018-06-01/runtime" % os.environ["AWS_LAMBDA_RUNTIME_API"]
def post(path, body, headers=None):
    req = urllib.request.Request(API + path, data=body, headers=headers or {}, method="POST")
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
while True:
    with urllib.request.urlopen(API + "/invocation/next") as r:
        rid = r.headers["Lambda-Runtime-Aws-Request-Id"]
        deadline = int(r.headers["Lambda-Runtime-Deadline-Ms"])
        arn = r.headers["Lambda-Runtime-Invoked-Function-Arn"]
        trace = r.headers["Lambda-Runtime-Trace-Id"]
        ctx = r.headers.get("Lambda-Runtime-Client-Context")
        event = json.loads(r.read())
    wrong = post("/invocation/not-the-id/response", b"{}")
    again = post("/init/error", b"{}")
    if event.get("big"):
        print(post("/invocation/%s/response" % rid, b"x" * (6 * 1024 * 1024 + 200)))
        continue
    post("/invocation/%s/response" % rid, json.dumps({
        "wrong_id": [wrong[0], json.loads(wrong[1])["errorType"]], "late_init_error": again[0],
        "deadline_ok": deadline > 0, "arn": arn, "trace": trace.startswith("Root=1-"),
        "client_context": json.loads(ctx) if ctx else None}).encode())
'''


def test_runtime_api_edges(lam):
    name = fname("probe")
    lam.create_function(FunctionName=name, Runtime="provided.al2023", Role=ROLE, Handler="x",
                        Code={"ZipFile": make_zip({"bootstrap": (RUNTIME_API_PROBE, 0o755)})})
    lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1})
    cc = base64.b64encode(json.dumps({"custom": {"k": "v"}}).encode()).decode()
    r, out = invoke_json(lam, name, {}, ClientContext=cc)
    assert out["wrong_id"] == [400, "InvalidRequestID"] and out["late_init_error"] == 403
    assert out["deadline_ok"] and out["trace"] and out["arn"].endswith(":function:" + name)
    assert out["client_context"] == {"custom": {"k": "v"}}
    r, err = invoke_json(lam, name, {"big": True})
    assert r["FunctionError"] == "Unhandled" and err["errorType"] == "Function.ResponseSizeTooLarge"
    r, out = invoke_json(lam, name, {})
    assert "FunctionError" not in r and out["wrong_id"][0] == 400


@pytest.mark.skipif(not shutil.which("cc"), reason="a C compiler builds the bootstrap")
def test_provided_compiled_c_bootstrap(lam, tmp_path):
    src = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                       "bench", "echo_bootstrap.c")
    exe = tmp_path / "bootstrap"
    subprocess.run(["cc", "-O2", "-o", str(exe), src], check=True)
    name = fname("c")
    lam.create_function(FunctionName=name, Runtime="provided.al2023", Role=ROLE, Handler="x",
                        Code={"ZipFile": make_zip({"bootstrap": (exe.read_bytes(), 0o755)})})
    lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1})
    for i in range(3):
        r, out = invoke_json(lam, name, {"i": i, "s": "é"})
        assert out == {"i": i, "s": "é"}


# ---- Node.js ----

@pytest.mark.skipif(not shutil.which("node"), reason="node is not installed")
def test_node_handlers(lam, logs):
    name = fname("node")
    lam.create_function(FunctionName=name, Runtime="nodejs20.x", Role=ROLE, Handler="src/index.handler",
                        Code={"ZipFile": make_zip({"src/index.mjs":
                                                   "export const handler = async (event, context) => {\n"
                                                   "  console.log('node got', JSON.stringify(event));\n"
                                                   "  if (event.fail) throw new TypeError('nope');\n"
                                                   "  return { ok: true, fn: context.functionName,\n"
                                                   "    left: context.getRemainingTimeInMillis() > 0 };\n};\n"})})
    lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1})
    r, out = invoke_json(lam, name, {"a": 1})
    assert out == {"ok": True, "fn": name, "left": True}
    r, err = invoke_json(lam, name, {"fail": True})
    assert r["FunctionError"] == "Unhandled" and err["errorType"] == "TypeError" and err["errorMessage"] == "nope"
    assert isinstance(err["trace"], list) and err["trace"][0].startswith("TypeError: nope")
    msgs = log_messages(logs, "/aws/lambda/" + name, "node", want=lambda m: m)
    assert msgs and msgs[0].split("\t")[2] == "INFO" and msgs[0].endswith('node got {"a":1}\n')
    cjs = fname("cjs")
    lam.create_function(FunctionName=cjs, Runtime="nodejs22.x", Role=ROLE, Handler="index.handler",
                        Code={"ZipFile": make_zip({"index.js": "exports.handler = (e, c, cb) => cb(null, e.x * 2);\n"})})
    lam.get_waiter("function_active_v2").wait(FunctionName=cjs, WaiterConfig={"Delay": 1})
    assert invoke_json(lam, cjs, {"x": 21})[1] == 42


# ---- Invoke's own rules ----

def test_invoke_options_and_limits(lam):
    name = create_py(lam, "def handler(e, c):\n    print('tail me')\n    return e\n")
    r = lam.invoke(FunctionName=name, InvocationType="DryRun")
    assert r["StatusCode"] == 204
    r = lam.invoke(FunctionName=name, Payload=b'"just a string"', LogType="Tail")
    assert r["Payload"].read() == b'"just a string"'
    tail = base64.b64decode(r["LogResult"]).decode()
    assert tail.startswith("START RequestId: ") and "tail me\n" in tail and "REPORT RequestId: " in tail
    assert len(r["LogResult"]) <= 4096 * 4 // 3 + 4
    r = lam.invoke(FunctionName=name)  # no payload: the event is {}
    assert json.loads(r["Payload"].read()) == {}
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.invoke(FunctionName=name, Payload=b"{not json")
    assert code(e) == "InvalidRequestContentException" and status(e) == 400
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.invoke(FunctionName=name, Payload=b'"' + b"x" * (6 * 1024 * 1024) + b'"')
    assert status(e) == 413 and "RequestResponse" in str(e.value)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.invoke(FunctionName=name, InvocationType="Event", Payload=b'"' + b"x" * (256 * 1024) + b'"')
    assert status(e) == 413 and "Event" in str(e.value)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.invoke(FunctionName=name + "-nope")
    assert code(e) == "ResourceNotFoundException" and status(e) == 404
    assert "Function not found: arn:aws:lambda:us-east-1:000000000000:function:" + name + "-nope" in str(e.value)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.invoke(FunctionName=name, ClientContext="!!not base64!!")
    assert code(e) == "InvalidRequestContentException"
    # ARN forms name the same function.
    arn = "arn:aws:lambda:us-east-1:000000000000:function:" + name
    assert json.loads(lam.invoke(FunctionName=arn, Payload=b"1")["Payload"].read()) == 1
    assert json.loads(lam.invoke(FunctionName="000000000000:function:" + name, Payload=b"2")["Payload"].read()) == 2
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.invoke(FunctionName="arn:aws:lambda:us-east-1:111111111111:function:" + name)
    assert code(e) == "ResourceNotFoundException"


# ---- management API ----

def test_function_lifecycle(lam):
    name = fname("life")
    created = lam.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="app.handler",
                                  Code={"ZipFile": py_zip("def handler(e, c):\n    return 'v1'\n")},
                                  Description="first", Timeout=5, MemorySize=192, Tags={"team": "data"},
                                  Environment={"Variables": {"STAGE": "1"}})
    assert created["State"] == "Pending" and created["StateReasonCode"] == "Creating"
    assert created["Version"] == "$LATEST" and created["PackageType"] == "Zip"
    assert created["Architectures"] == ["x86_64"] and created["EphemeralStorage"] == {"Size": 512}
    assert created["TracingConfig"] == {"Mode": "PassThrough"}
    assert len(base64.b64decode(created["CodeSha256"])) == 32
    lam.get_waiter("function_active").wait(FunctionName=name, WaiterConfig={"Delay": 1})
    got = lam.get_function(FunctionName=name)
    cfg = got["Configuration"]
    assert cfg["State"] == "Active" and cfg["LastUpdateStatus"] == "Successful"
    assert cfg["Timeout"] == 5 and cfg["MemorySize"] == 192 and cfg["Description"] == "first"
    assert cfg["Environment"] == {"Variables": {"STAGE": "1"}}
    assert got["Tags"] == {"team": "data"} and got["Code"]["RepositoryType"] == "S3"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="app.handler",
                            Code={"ZipFile": py_zip("x = 1\n")})
    assert code(e) == "ResourceConflictException" and status(e) == 409

    # Configuration update: new revision, visible to the next invocation.
    upd = lam.update_function_configuration(FunctionName=name, Environment={"Variables": {"STAGE": "2"}}, Timeout=7)
    assert upd["Timeout"] == 7 and upd["RevisionId"] != cfg["RevisionId"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.update_function_configuration(FunctionName=name, Description="x", RevisionId=cfg["RevisionId"])
    assert code(e) == "PreconditionFailedException" and status(e) == 412
    lam.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1})

    # Code update: InProgress, then the new code runs.
    up = lam.update_function_code(FunctionName=name, ZipFile=py_zip("import os\ndef handler(e, c):\n"
                                                                    "    return ['v2', os.environ['STAGE']]\n"))
    assert up["LastUpdateStatus"] == "InProgress" and up["CodeSha256"] != cfg["CodeSha256"]
    lam.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1})
    assert json.loads(lam.invoke(FunctionName=name)["Payload"].read()) == ["v2", "2"]

    # Versions and aliases.
    v1 = lam.publish_version(FunctionName=name, Description="release 1")
    assert v1["Version"] == "1" and v1["FunctionArn"].endswith(":%s:1" % name)
    assert lam.publish_version(FunctionName=name)["Version"] == "1"  # nothing changed: same version
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.publish_version(FunctionName=name, CodeSha256="AAAA")
    assert code(e) == "InvalidParameterValueException"
    lam.update_function_code(FunctionName=name, ZipFile=py_zip("def handler(e, c):\n    return 'v3'\n"), Publish=True)
    lam.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1})
    lam.get_waiter("published_version_active").wait(FunctionName=name + ":2", WaiterConfig={"Delay": 1})
    versions = [v["Version"] for v in lam.list_versions_by_function(FunctionName=name)["Versions"]]
    assert versions == ["$LATEST", "1", "2"]
    alias = lam.create_alias(FunctionName=name, Name="prod", FunctionVersion="1", Description="live")
    assert alias["AliasArn"].endswith(":%s:prod" % name) and alias["FunctionVersion"] == "1"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.create_alias(FunctionName=name, Name="prod", FunctionVersion="1")
    assert code(e) == "ResourceConflictException"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.create_alias(FunctionName=name, Name="123", FunctionVersion="1")
    assert status(e) == 400
    r = lam.invoke(FunctionName=name, Qualifier="prod")
    assert json.loads(r["Payload"].read()) == ["v2", "2"] and r["ExecutedVersion"] == "1"
    r = lam.invoke(FunctionName=name + ":2")
    assert json.loads(r["Payload"].read()) == "v3" and r["ExecutedVersion"] == "2"
    assert json.loads(lam.invoke(FunctionName=name)["Payload"].read()) == "v3"
    ga = lam.get_function(FunctionName=name, Qualifier="prod")["Configuration"]
    assert ga["Version"] == "1" and ga["FunctionArn"].endswith(":prod")
    lam.update_alias(FunctionName=name, Name="prod", FunctionVersion="2", RevisionId=alias["RevisionId"])
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.update_alias(FunctionName=name, Name="prod", RevisionId=alias["RevisionId"])
    assert code(e) == "PreconditionFailedException"
    assert json.loads(lam.invoke(FunctionName=name, Qualifier="prod")["Payload"].read()) == "v3"
    lam.create_alias(FunctionName=name, Name="canary", FunctionVersion="1",
                     RoutingConfig={"AdditionalVersionWeights": {"2": 0.5}})
    seen = {lam.invoke(FunctionName=name, Qualifier="canary")["ExecutedVersion"] for _ in range(30)}
    assert seen == {"1", "2"}
    assert [a["Name"] for a in lam.list_aliases(FunctionName=name)["Aliases"]] == ["canary", "prod"]
    assert [a["Name"] for a in lam.list_aliases(FunctionName=name, FunctionVersion="2")["Aliases"]] == ["prod"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.delete_function(FunctionName=name, Qualifier="2")
    assert code(e) == "ResourceConflictException" and "prod" in str(e.value)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.delete_function(FunctionName=name, Qualifier="$LATEST")
    assert code(e) == "InvalidParameterValueException"
    lam.delete_alias(FunctionName=name, Name="canary")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.get_alias(FunctionName=name, Name="canary")
    assert code(e) == "ResourceNotFoundException"
    lam.delete_function(FunctionName=name, Qualifier="1")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.get_function(FunctionName=name, Qualifier="1")
    assert code(e) == "ResourceNotFoundException"

    # Tags, policy.
    arn = "arn:aws:lambda:us-east-1:000000000000:function:" + name
    lam.tag_resource(Resource=arn, Tags={"env": "ci"})
    lam.untag_resource(Resource=arn, TagKeys=["team"])
    assert lam.list_tags(Resource=arn)["Tags"] == {"env": "ci"}
    st = lam.add_permission(FunctionName=name, StatementId="s3", Action="lambda:InvokeFunction",
                            Principal="s3.amazonaws.com", SourceArn="arn:aws:s3:::bucket", SourceAccount="000000000000")
    stmt = json.loads(st["Statement"])
    assert stmt["Sid"] == "s3" and stmt["Principal"] == {"Service": "s3.amazonaws.com"} and stmt["Resource"] == arn
    assert stmt["Condition"]["ArnLike"] == {"AWS:SourceArn": "arn:aws:s3:::bucket"}
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.add_permission(FunctionName=name, StatementId="s3", Action="lambda:InvokeFunction", Principal="*")
    assert code(e) == "ResourceConflictException"
    policy = json.loads(lam.get_policy(FunctionName=name)["Policy"])
    assert policy["Version"] == "2012-10-17" and [s["Sid"] for s in policy["Statement"]] == ["s3"]
    lam.remove_permission(FunctionName=name, StatementId="s3")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.get_policy(FunctionName=name)
    assert code(e) == "ResourceNotFoundException"

    lam.delete_function(FunctionName=name)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.get_function(FunctionName=name)
    assert code(e) == "ResourceNotFoundException" and status(e) == 404
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.delete_function(FunctionName=name)
    assert code(e) == "ResourceNotFoundException"


def test_list_functions_paginates(lam):
    prefix = fname("list")
    names = [prefix + "-%d" % i for i in range(5)]
    for n in names:
        create_py(lam, "def handler(e, c):\n    return 1\n", name=n, wait=False)
    pages = list(lam.get_paginator("list_functions").paginate(PaginationConfig={"PageSize": 2}))
    listed = [f["FunctionName"] for p in pages for f in p["Functions"]]
    assert [n for n in listed if n.startswith(prefix)] == names
    assert len(pages) >= 3 and all(len(p["Functions"]) <= 2 for p in pages)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.list_functions(Marker="garbage")
    assert code(e) == "InvalidParameterValueException"


@pytest.mark.parametrize("files,why", [
    ({"../escape.py": "x = 1\n"}, "outside the function directory"),
    ({"/etc/cron.d/x": "x = 1\n"}, "outside the function directory"),
])
def test_hostile_packages_refused(lam, files, why):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.create_function(FunctionName=fname("bad"), Runtime="python3.12", Role=ROLE, Handler="app.handler",
                            Code={"ZipFile": make_zip(files)})
    assert code(e) == "InvalidZipFileException" and why in str(e.value)


def test_bad_inputs_refused(lam):
    base = dict(Runtime="python3.12", Role=ROLE, Handler="app.handler", Code={"ZipFile": py_zip("x = 1\n")})
    cases = [
        (dict(base, Code={"ZipFile": b"not a zip at all, but bytes"}), "InvalidZipFileException"),
        (dict(base, Environment={"Variables": {"AWS_REGION": "x"}}), "InvalidParameterValueException"),
        (dict(base, Environment={"Variables": {"BIG": "x" * 5000}}), "InvalidParameterValueException"),
        (dict(base, Environment={"Variables": {"A": "one letter is too short"}}), "ValidationException"),
        (dict(base, Runtime="python2.7"), "InvalidParameterValueException"),
        (dict(base, Role="not-a-role"), "ValidationException"),
        (dict(base, Layers=["arn:aws:lambda:us-east-1:000000000000:layer:x:1"]), "InvalidParameterValueException"),
        (dict(base, Code={"S3Bucket": "bucket", "S3Key": "k", "ZipFile": b"x"}), "InvalidParameterValueException"),
        (dict(base, Code={"S3Bucket": "bucket"}), "InvalidParameterValueException"),
    ]
    for kw, want in cases:
        with pytest.raises(botocore.exceptions.ClientError) as e:
            lam.create_function(FunctionName=fname("bad"), **kw)
        assert code(e) == want, (kw.keys(), e.value)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.create_function(FunctionName="bad name!", **base)
    assert status(e) == 400


def test_unsupported_runtime_is_refused_at_invoke(lam):
    name = fname("java")
    lam.create_function(FunctionName=name, Runtime="java21", Role=ROLE, Handler="a.B::handle",
                        Code={"ZipFile": make_zip({"a/B.class": b"\xca\xfe\xba\xbe"})})
    lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1})
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.invoke(FunctionName=name)
    assert code(e) == "InvalidRuntimeException" and "java21" in str(e.value)


def test_event_invoke_config_api(lam):
    name = create_py(lam, "def handler(e, c):\n    return 1\n")
    dest = "arn:aws:sqs:us-east-1:000000000000:failures"
    put = lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=1, MaximumEventAgeInSeconds=120,
                                               DestinationConfig={"OnFailure": {"Destination": dest}})
    assert put["FunctionArn"].endswith(":%s:$LATEST" % name) and put["MaximumRetryAttempts"] == 1
    assert put["DestinationConfig"] == {"OnSuccess": {}, "OnFailure": {"Destination": dest}}
    upd = lam.update_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0)
    assert upd["MaximumRetryAttempts"] == 0 and upd["MaximumEventAgeInSeconds"] == 120
    assert upd["DestinationConfig"]["OnFailure"]["Destination"] == dest
    assert len(lam.list_function_event_invoke_configs(FunctionName=name)["FunctionEventInvokeConfigs"]) == 1
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.put_function_event_invoke_config(FunctionName=name,
                                             DestinationConfig={"OnFailure": {"Destination": "arn:aws:s3:::b"}})
    assert code(e) == "InvalidParameterValueException"
    lam.delete_function_event_invoke_config(FunctionName=name)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.get_function_event_invoke_config(FunctionName=name)
    assert code(e) == "ResourceNotFoundException"


def test_aws_logs_tail_shows_function_output(lam, aws2):
    name = create_py(lam, "def handler(e, c):\n    print('tail line', e['n'])\n    return e\n")
    invoke_json(lam, name, {"n": 7})
    deadline = time.time() + 30
    out = ""
    while time.time() < deadline and "REPORT" not in out:
        out = aws2(lam.meta.endpoint_url, "logs", "tail", "/aws/lambda/" + name, "--since", "1h").stdout.decode()
        time.sleep(0.2)
    assert "START RequestId:" in out and "tail line 7" in out and "END RequestId:" in out and "REPORT RequestId:" in out
