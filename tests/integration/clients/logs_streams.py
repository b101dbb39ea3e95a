"""Run by the newer boto3: streams and events through AWS_ENDPOINT_URL."""
import json
import sys
import time
import uuid

import boto3
import botocore.exceptions

logs = boto3.client("logs")
g = "/it/newpy/" + uuid.uuid4().hex[:8]
logs.create_log_group(logGroupName=g)
logs.create_log_stream(logGroupName=g, logStreamName="s")
t = int(time.time() * 1000)
logs.put_log_events(logGroupName=g, logStreamName="s", logEvents=[
    {"timestamp": t - 2, "message": json.dumps({"level": "ERROR"})}, {"timestamp": t - 1, "message": "plain"}])
ev = logs.get_log_events(logGroupName=g, logStreamName="s", startFromHead=True)["events"]
assert [e["message"] for e in ev] == ['{"level": "ERROR"}', "plain"], ev
arn = logs.describe_log_groups(logGroupNamePrefix=g)["logGroups"][0]["logGroupArn"]
ev = logs.get_log_events(logGroupIdentifier=arn, logStreamName="s")["events"]
assert len(ev) == 2, ev
f = logs.filter_log_events(logGroupIdentifier=arn, filterPattern='{ $.level = "ERROR" }')["events"]
assert [e["message"] for e in f] == ['{"level": "ERROR"}'], f
try:
    logs.get_log_events(logGroupName=g, logStreamName="s", nextToken="garbage")
    raise SystemExit("a bad token was accepted")
except botocore.exceptions.ClientError as e:
    assert e.response["Error"]["Code"] == "InvalidParameterException", e.response
logs.delete_log_group(logGroupName=g)
print("ok", boto3.__version__)
