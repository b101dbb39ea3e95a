"""Lambda asynchronous invocations (issue 7): Event invocations retried
per EventInvokeConfig and then sent to their destination, success records,
the bus entry point other services use, and the crash test — invocations
accepted before a kill -9 all run after the restart."""
import json
import os
import signal
import time

import pytest

from lambda_util import ROLE, create_py, fname, log_messages, make_zip


@pytest.fixture
def fast_retries(fresh_nuage, boto):
    """A nuage whose async retries come after 200 ms instead of 1 minute."""
    n = fresh_nuage(extra_args=["--lambda-retry-ms", "200"]).start()
    return n, boto("lambda", n.endpoint), boto("logs", n.endpoint)


SINK = "import json\ndef handler(e, c):\n    print('RECORD ' + json.dumps(e))\n    return 'ok'\n"


def records(logs, sink, count=1):
    msgs = log_messages(logs, "/aws/lambda/" + sink, "RECORD", want=lambda m: len(m) >= count)
    return [json.loads(m[len("RECORD "):]) for m in msgs]


def test_async_retries_then_on_failure_destination(fast_retries):
    n, lam, logs = fast_retries
    failing = create_py(lam, "def handler(e, c):\n    print('ATTEMPT', e['job'])\n    raise RuntimeError('always fails')\n")
    sink = create_py(lam, SINK)
    sink_arn = "arn:aws:lambda:us-east-1:000000000000:function:" + sink
    lam.put_function_event_invoke_config(FunctionName=failing, MaximumRetryAttempts=2,
                                         DestinationConfig={"OnFailure": {"Destination": sink_arn}})
    r = lam.invoke(FunctionName=failing, InvocationType="Event", Payload=json.dumps({"job": 42}).encode())
    assert r["StatusCode"] == 202 and r["Payload"].read() == b""
    rec = records(logs, sink)[0]
    assert rec["version"] == "1.0" and rec["requestPayload"] == {"job": 42}
    ctx = rec["requestContext"]
    assert ctx["condition"] == "RetriesExhausted" and ctx["approximateInvokeCount"] == 3
    assert ctx["functionArn"] == "arn:aws:lambda:us-east-1:000000000000:function:%s:$LATEST" % failing
    assert rec["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"}
    assert rec["responsePayload"]["errorType"] == "RuntimeError"
    assert rec["responsePayload"]["errorMessage"] == "always fails"
    attempts = log_messages(logs, "/aws/lambda/" + failing, "ATTEMPT", want=lambda m: len(m) >= 3)
    assert attempts == ["ATTEMPT 42\n"] * 3


def test_async_success_destination_and_no_retries(fast_retries):
    n, lam, logs = fast_retries
    ok = create_py(lam, "def handler(e, c):\n    return {'doubled': e['x'] * 2}\n")
    flaky = create_py(lam, "def handler(e, c):\n    raise ValueError('once')\n")
    sink = create_py(lam, SINK)
    sink_arn = "arn:aws:lambda:us-east-1:000000000000:function:" + sink
    lam.put_function_event_invoke_config(FunctionName=ok, DestinationConfig={"OnSuccess": {"Destination": sink_arn}})
    lam.put_function_event_invoke_config(FunctionName=flaky, MaximumRetryAttempts=0,
                                         DestinationConfig={"OnFailure": {"Destination": sink_arn}})
    lam.invoke(FunctionName=ok, InvocationType="Event", Payload=b'{"x": 21}')
    lam.invoke(FunctionName=flaky, InvocationType="Event", Payload=b'{"y": 1}')
    got = {r["requestContext"]["condition"]: r for r in records(logs, sink, 2)}
    assert got["Success"]["responsePayload"] == {"doubled": 42}
    assert got["Success"]["requestContext"]["approximateInvokeCount"] == 1
    assert "functionError" not in got["Success"]["responseContext"]
    assert got["RetriesExhausted"]["requestContext"]["approximateInvokeCount"] == 1
    # The deprecated InvokeAsync API queues the same way.
    r = lam.invoke_async(FunctionName=ok, InvokeArgs=b'{"x": 5}')
    assert r["Status"] == 202
    assert any(x["responsePayload"] == {"doubled": 10} for x in records(logs, sink, 3))


def test_async_invocations_survive_kill_9(fresh_nuage, boto):
    """Every Event invocation acknowledged before a kill -9 runs after the restart."""
    n = fresh_nuage().start()
    lam, logs = boto("lambda", n.endpoint), boto("logs", n.endpoint)
    # One slow environment at a time: most invocations are still queued at the kill.
    name = create_py(lam, "import time\ndef handler(e, c):\n    time.sleep(0.2)\n    print('RAN', e['i'])\n",
                     Timeout=30)
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=1)
    accepted = []
    for i in range(20):
        r = lam.invoke(FunctionName=name, InvocationType="Event", Payload=json.dumps({"i": i}).encode())
        assert r["StatusCode"] == 202
        accepted.append(i)
    assert n.stop(sig=signal.SIGKILL) == -signal.SIGKILL
    n2 = fresh_nuage(data=n.data)
    n2.port = n.port
    n2.endpoint = n.endpoint
    n2.args = n.args
    n2.start()
    lam, logs = boto("lambda", n2.endpoint), boto("logs", n2.endpoint)

    def ran(msgs):
        return {int(m.split()[1]) for m in msgs}
    msgs = log_messages(logs, "/aws/lambda/" + name, "RAN", want=lambda m: ran(m) >= set(accepted), timeout=120)
    assert ran(msgs) >= set(accepted), sorted(set(accepted) - ran(msgs))


def test_bus_entry_point_for_other_services(fresh_nuage, boto):
    """Other services start Event invocations by writing a lambda.invoke
    outbox event in their own transaction; here one is written straight
    into the store while nuage is stopped, as a crashed producer would
    leave it."""
    import sqlite3
    n = fresh_nuage().start()
    lam, logs = boto("lambda", n.endpoint), boto("logs", n.endpoint)
    name = create_py(lam, "def handler(e, c):\n    print('FROM BUS', e['bucket'])\n")
    assert n.stop() == 0
    db = sqlite3.connect(n.data + "/nuage.db")
    ev = {"account": "000000000000", "region": "us-east-1",
          "function": "arn:aws:lambda:us-east-1:000000000000:function:" + name, "payload": {"bucket": "b1"}}
    now = int(time.time() * 1000)
    db.execute("INSERT INTO outbox(topic, payload, created, next_attempt) VALUES (?, ?, ?, ?)",
               ("lambda.invoke", json.dumps(ev), now, now))
    db.commit()
    db.close()
    n.log.close()
    n.start()
    msgs = log_messages(logs, "/aws/lambda/" + name, "FROM BUS", want=lambda m: m)
    assert msgs == ["FROM BUS b1\n"]


def test_idle_environments_stop(fresh_nuage, boto):
    n = fresh_nuage(extra_args=["--lambda-idle", "1"]).start()
    lam = boto("lambda", n.endpoint)
    name = create_py(lam, "import os\ndef handler(e, c):\n    return os.getpid()\n")
    pid = json.loads(lam.invoke(FunctionName=name)["Payload"].read())
    assert json.loads(lam.invoke(FunctionName=name)["Payload"].read()) == pid  # warm
    deadline = time.time() + 60
    alive = True
    while alive and time.time() < deadline:
        try:
            os.kill(pid, 0)
            time.sleep(0.1)
        except ProcessLookupError:
            alive = False
    assert not alive, "the idle environment was not stopped"
    assert json.loads(lam.invoke(FunctionName=name)["Payload"].read()) != pid


def test_shutdown_with_an_invocation_in_flight(fresh_nuage, boto, tmp_path):
    """SIGTERM while a function runs: nuage gives it a few seconds, fails it,
    stops its process and exits 0 (no hang, no leak)."""
    import threading
    n = fresh_nuage().start()
    lam, logs = boto("lambda", n.endpoint), boto("logs", n.endpoint)
    name = create_py(lam, "import os, time\ndef handler(e, c):\n    print('started', os.getpid())\n"
                          "    time.sleep(120)\n", Timeout=300)
    result = {}

    def call():
        try:
            r = lam.invoke(FunctionName=name)
            result["r"] = (r.get("FunctionError"), r["Payload"].read())
        except Exception as e:  # the connection may close under it
            result["e"] = e
    t = threading.Thread(target=call)
    t.start()
    msgs = log_messages(logs, "/aws/lambda/" + name, "started", want=lambda m: m)
    pid = int(msgs[0].split()[1])
    t0 = time.time()
    assert n.stop(timeout=30) == 0
    t.join(timeout=30)
    assert time.time() - t0 < 30
    assert result, "the invoke never returned"
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_async_destinations_on_sqs_and_sns(fast_retries, boto):
    """OnFailure to an SQS queue, OnSuccess to an SNS topic (delivered on to a
    queue), and a dead-letter queue with the original event and its error."""
    n, lam, logs = fast_retries
    sqs, sns = boto("sqs", n.endpoint), boto("sns", n.endpoint)

    def queue(name):
        url = sqs.create_queue(QueueName=name)["QueueUrl"]
        return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

    def one(url):
        msgs = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=20, MessageAttributeNames=["All"]).get("Messages", [])
        assert len(msgs) == 1, msgs
        return msgs[0]
    fail_url, fail_arn = queue(fname("failures"))
    dlq_url, dlq_arn = queue(fname("dlq"))
    ok_url, ok_arn = queue(fname("successes"))
    topic = sns.create_topic(Name=fname("done"))["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=ok_arn, Attributes={"RawMessageDelivery": "true"})
    failing = create_py(lam, "def handler(e, c):\n    raise KeyError('missing')\n",
                        DeadLetterConfig={"TargetArn": dlq_arn})
    lam.put_function_event_invoke_config(FunctionName=failing, MaximumRetryAttempts=1,
                                         DestinationConfig={"OnFailure": {"Destination": fail_arn}})
    ok = create_py(lam, "def handler(e, c):\n    return e['n'] * 10\n")
    lam.put_function_event_invoke_config(FunctionName=ok, DestinationConfig={"OnSuccess": {"Destination": topic}})
    lam.invoke(FunctionName=failing, InvocationType="Event", Payload=b'{"order": 7}')
    lam.invoke(FunctionName=ok, InvocationType="Event", Payload=b'{"n": 4}')

    rec = json.loads(one(fail_url)["Body"])
    assert rec["requestContext"]["condition"] == "RetriesExhausted"
    assert rec["requestContext"]["approximateInvokeCount"] == 2
    assert rec["requestPayload"] == {"order": 7} and rec["responsePayload"]["errorType"] == "KeyError"
    dead = one(dlq_url)
    assert json.loads(dead["Body"]) == {"order": 7}
    attrs = {k: v["StringValue"] for k, v in dead["MessageAttributes"].items()}
    assert attrs["ErrorCode"] == "200" and attrs["ErrorMessage"] == "KeyError" and len(attrs["RequestID"]) == 36
    rec = json.loads(one(ok_url)["Body"])
    assert rec["requestContext"]["condition"] == "Success" and rec["responsePayload"] == 40


def test_s3_event_notifications_invoke_a_function(fresh_nuage, boto):
    """A bucket's LambdaFunctionConfigurations: saving checks the function
    exists; a PUT and a DELETE each run it once, asynchronously, with S3's
    record as the event."""
    n = fresh_nuage().start()
    lam, logs, s3 = boto("lambda", n.endpoint), boto("logs", n.endpoint), boto("s3", n.endpoint)
    sink = create_py(lam, SINK)
    arn = lam.get_function(FunctionName=sink)["Configuration"]["FunctionArn"]
    bucket = fname("uploads")
    s3.create_bucket(Bucket=bucket)
    with pytest.raises(s3.exceptions.ClientError) as e:
        s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
            "LambdaFunctionConfigurations": [{"LambdaFunctionArn": arn + "-missing", "Events": ["s3:ObjectCreated:*"]}]})
    assert e.value.response["Error"]["Code"] == "InvalidArgument"
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
        "LambdaFunctionConfigurations": [{"Id": "csv", "LambdaFunctionArn": arn,
                                          "Events": ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"],
                                          "Filter": {"Key": {"FilterRules": [{"Name": "suffix", "Value": ".csv"}]}}}]})
    s3.put_object(Bucket=bucket, Key="in/a b.csv", Body=b"x,y\n")
    s3.put_object(Bucket=bucket, Key="in/skip.txt", Body=b"no")
    s3.delete_object(Bucket=bucket, Key="in/a b.csv")
    recs = [r["Records"][0] for r in records(logs, sink, 2)]
    assert sorted(r["eventName"] for r in recs) == ["ObjectCreated:Put", "ObjectRemoved:Delete"]
    for r in recs:
        assert r["eventSource"] == "aws:s3" and r["s3"]["configurationId"] == "csv"
        assert r["s3"]["bucket"]["name"] == bucket and r["s3"]["object"]["key"] == "in/a+b.csv"
    time.sleep(1)
    assert len(records(logs, sink, 2)) == 2


def test_sns_lambda_subscription_invokes_the_function(fresh_nuage, boto):
    """Protocol lambda: every published message runs the function once with
    Lambda's SNS event; filter policies apply."""
    n = fresh_nuage().start()
    lam, logs, sns = boto("lambda", n.endpoint), boto("logs", n.endpoint), boto("sns", n.endpoint)
    sink = create_py(lam, SINK)
    arn = lam.get_function(FunctionName=sink)["Configuration"]["FunctionArn"]
    topic = sns.create_topic(Name=fname("orders"))["TopicArn"]
    sub = sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=arn, ReturnSubscriptionArn=True,
                        Attributes={"FilterPolicy": json.dumps({"kind": ["paid"]})})["SubscriptionArn"]
    sns.publish(TopicArn=topic, Message="order 1 paid", Subject="paid",
                MessageAttributes={"kind": {"DataType": "String", "StringValue": "paid"}})
    sns.publish(TopicArn=topic, Message="order 2 open",
                MessageAttributes={"kind": {"DataType": "String", "StringValue": "open"}})
    (ev,) = records(logs, sink, 1)
    rec = ev["Records"][0]
    assert rec["EventSource"] == "aws:sns" and rec["EventSubscriptionArn"] == sub
    msg = rec["Sns"]
    assert msg["Type"] == "Notification" and msg["TopicArn"] == topic
    assert msg["Message"] == "order 1 paid" and msg["Subject"] == "paid"
    assert msg["MessageAttributes"] == {"kind": {"Type": "String", "Value": "paid"}}
    assert msg["SigningCertUrl"].startswith("http") and "Unsubscribe" in msg["UnsubscribeUrl"]
    time.sleep(1)
    assert len(records(logs, sink, 1)) == 1
