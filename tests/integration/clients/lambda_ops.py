"""Run by the newer boto3 (1.43) through AWS_ENDPOINT_URL: a function's
life, invocation, errors, and the fields newer models know about."""
import io
import json
import sys
import time
import uuid
import zipfile

import boto3
import botocore.config
import botocore.exceptions

cfg = botocore.config.Config(retries={"max_attempts": 1})
lam = boto3.client("lambda", config=cfg)
name = "newpy-" + uuid.uuid4().hex[:8]
b = io.BytesIO()
with zipfile.ZipFile(b, "w") as z:
    z.writestr("app.py", "def handler(e, c):\n    if e.get('fail'):\n        raise KeyError('k')\n"
                         "    return {'n': e['n'] + 1, 'mem': c.memory_limit_in_mb}\n")
r = lam.create_function(FunctionName=name, Runtime="python3.13", Role="arn:aws:iam::000000000000:role/r",
                        Handler="app.handler", Code={"ZipFile": b.getvalue()}, MemorySize=512,
                        LoggingConfig={"LogFormat": "Text", "LogGroup": "/custom/" + name})
assert r["State"] == "Pending", r
assert r["LoggingConfig"] == {"LogFormat": "Text", "LogGroup": "/custom/" + name}, r["LoggingConfig"]
lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1})
out = lam.invoke(FunctionName=name, Payload=json.dumps({"n": 41}))
assert json.loads(out["Payload"].read()) == {"n": 42, "mem": "512"}
out = lam.invoke(FunctionName=name, Payload=b'{"fail": true}')
err = json.loads(out["Payload"].read())
assert out["FunctionError"] == "Unhandled" and err["errorType"] == "KeyError", err
# The custom log group received the function's lines.
logs = boto3.client("logs", config=cfg)
for _ in range(300):
    try:
        ev = logs.filter_log_events(logGroupName="/custom/" + name, filterPattern="REPORT")["events"]
    except logs.exceptions.ResourceNotFoundException:
        ev = []
    if len(ev) >= 2:
        break
    time.sleep(0.1)
assert len(ev) >= 2, ev
s = lam.get_account_settings()
assert s["AccountLimit"]["ConcurrentExecutions"] >= 1 and s["AccountUsage"]["FunctionCount"] >= 1, s
try:
    lam.invoke(FunctionName=name, Qualifier="nope")
    raise SystemExit("a missing alias was invoked")
except botocore.exceptions.ClientError as e:
    assert e.response["Error"]["Code"] == "ResourceNotFoundException", e.response
lam.delete_function(FunctionName=name)
print("ok", boto3.__version__)
