"""SQS -> Lambda event-source mappings (issue 7): the mapping API with
Lambda's checks, the SQS event as AWS sends it, batching, partial batch
failures (ReportBatchItemFailures), failures left to the queue's redrive
policy, filters, disable/enable and delete, and the aws CLI."""
import json
import time

import botocore.exceptions
import pytest

from conftest import jout
from lambda_util import create_py, fname, log_messages


@pytest.fixture
def cl(nuage, boto):
    class C:
        lam = boto("lambda", nuage.endpoint)
        sqs = boto("sqs", nuage.endpoint)
        logs = boto("logs", nuage.endpoint)
    return C


def queue(sqs, name, **attrs):
    url = sqs.create_queue(QueueName=name, Attributes=attrs)["QueueUrl"]
    return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def error_of(fn, **kw):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        fn(**kw)
    return e.value.response["Error"]["Code"], e.value.response["Error"]["Message"], \
        e.value.response["ResponseMetadata"]["HTTPStatusCode"]


def wait_until(fn, timeout=30):
    deadline = time.time() + timeout
    while True:
        v = fn()
        if v or time.time() > deadline:
            return v
        time.sleep(0.1)


def depth(sqs, url):
    a = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages",
                                                               "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    return int(a["ApproximateNumberOfMessages"]) + int(a["ApproximateNumberOfMessagesNotVisible"])


RECORDER = ("import json\n"
            "def handler(e, c):\n"
            "    print('BATCH ' + json.dumps(e))\n"
            "    return None\n")


def batches(cl, fn, want):
    msgs = log_messages(cl.logs, "/aws/lambda/" + fn, "BATCH",
                        want=lambda m: sum(len(json.loads(x[6:])["Records"]) for x in m) >= want)
    return [json.loads(m[6:]) for m in msgs]


def test_mapping_api_and_checks(cl):
    fn = create_py(cl.lam, RECORDER, Timeout=10)
    url, arn = queue(cl.sqs, fname("q"), VisibilityTimeout="30")
    m = cl.lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=fn, BatchSize=5, Enabled=False)
    assert m["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert m["State"] == "Creating" and m["BatchSize"] == 5 and m["EventSourceArn"] == arn
    assert m["FunctionArn"] == "arn:aws:lambda:us-east-1:000000000000:function:" + fn
    assert m["MaximumBatchingWindowInSeconds"] == 0 and m["LastProcessingResult"] == "No records processed"
    uuid = m["UUID"]
    got = cl.lam.get_event_source_mapping(UUID=uuid)
    assert got["State"] == "Disabled" and got["StateTransitionReason"] == "USER_INITIATED"
    if "EventSourceMappingArn" in cl.lam.meta.service_model.shape_for("EventSourceMappingConfiguration").members:
        assert got["EventSourceMappingArn"].endswith(":event-source-mapping:" + uuid)  # botocore >= 1.35
    assert [x["UUID"] for x in cl.lam.list_event_source_mappings(FunctionName=fn)["EventSourceMappings"]] == [uuid]
    assert [x["UUID"] for x in cl.lam.list_event_source_mappings(EventSourceArn=arn)["EventSourceMappings"]] == [uuid]
    up = cl.lam.update_event_source_mapping(UUID=uuid, BatchSize=100, MaximumBatchingWindowInSeconds=2,
                                            FunctionResponseTypes=["ReportBatchItemFailures"])
    assert up["State"] == "Updating" and up["BatchSize"] == 100
    assert up["FunctionResponseTypes"] == ["ReportBatchItemFailures"]

    code, msg, status = error_of(cl.lam.create_event_source_mapping, EventSourceArn=arn, FunctionName=fn)
    assert (code, status) == ("ResourceConflictException", 409) and uuid in msg
    code, msg, status = error_of(cl.lam.create_event_source_mapping, EventSourceArn=arn + "-gone", FunctionName=fn)
    assert (code, status) == ("InvalidParameterValueException", 400) and "NonExistentQueue" in msg
    code, msg, _ = error_of(cl.lam.create_event_source_mapping, EventSourceArn=arn, FunctionName=fn + "-gone")
    assert code == "ResourceNotFoundException"
    url2, arn2 = queue(cl.sqs, fname("q"), VisibilityTimeout="5")
    code, msg, _ = error_of(cl.lam.create_event_source_mapping, EventSourceArn=arn2, FunctionName=fn)
    assert msg == "Queue visibility timeout: 5 seconds is less than Function timeout: 10 seconds"
    url3, arn3 = queue(cl.sqs, fname("q"), VisibilityTimeout="60")
    code, msg, _ = error_of(cl.lam.create_event_source_mapping, EventSourceArn=arn3, FunctionName=fn, BatchSize=50)
    assert "Maximum batch window" in msg
    code, msg, _ = error_of(cl.lam.create_event_source_mapping, EventSourceArn=arn3, FunctionName=fn,
                            FilterCriteria={"Filters": [{"Pattern": "{\"body\": 5}"}]})
    assert code == "InvalidParameterValueException" and "filter pattern" in msg
    code, msg, _ = error_of(cl.lam.create_event_source_mapping, FunctionName=fn,
                            EventSourceArn="arn:aws:kinesis:us-east-1:000000000000:stream/s")
    assert code == "InvalidParameterValueException" and "SQS" in msg

    d = cl.lam.delete_event_source_mapping(UUID=uuid)
    assert d["State"] == "Deleting" and d["ResponseMetadata"]["HTTPStatusCode"] == 202
    code, _, status = error_of(cl.lam.get_event_source_mapping, UUID=uuid)
    assert (code, status) == ("ResourceNotFoundException", 404)


def test_sqs_events_reach_the_function_and_are_deleted(cl):
    fn = create_py(cl.lam, RECORDER)
    url, arn = queue(cl.sqs, fname("q"))
    uuid = cl.lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=fn, BatchSize=10)["UUID"]
    sent = cl.sqs.send_message(QueueUrl=url, MessageBody='{"order": 1}',
                               MessageAttributes={"kind": {"DataType": "String", "StringValue": "monthly"}})
    for i in range(2, 6):
        cl.sqs.send_message(QueueUrl=url, MessageBody='{"order": %d}' % i)
    got = batches(cl, fn, 5)
    recs = [r for b in got for r in b["Records"]]
    assert sorted(json.loads(r["body"])["order"] for r in recs) == [1, 2, 3, 4, 5]
    r = next(r for r in recs if r["messageId"] == sent["MessageId"])
    assert set(r) >= {"messageId", "receiptHandle", "body", "attributes", "messageAttributes", "md5OfBody",
                      "eventSource", "eventSourceARN", "awsRegion"}
    assert (r["eventSource"], r["eventSourceARN"], r["awsRegion"]) == ("aws:sqs", arn, "us-east-1")
    assert r["md5OfBody"] == sent["MD5OfMessageBody"]
    assert r["md5OfMessageAttributes"] == sent["MD5OfMessageAttributes"]
    assert r["attributes"]["ApproximateReceiveCount"] == "1"
    assert {"SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp"} <= set(r["attributes"])
    assert r["messageAttributes"]["kind"] == {"stringValue": "monthly", "stringListValues": [],
                                              "binaryListValues": [], "dataType": "String"}
    assert wait_until(lambda: depth(cl.sqs, url) == 0), "processed messages were not deleted"
    assert wait_until(lambda: cl.lam.get_event_source_mapping(UUID=uuid)["LastProcessingResult"] == "OK")
    cl.lam.delete_event_source_mapping(UUID=uuid)


def test_partial_batch_failures(cl):
    # Fails the records whose body says so, and reports them.
    src = ("import json\n"
           "def handler(e, c):\n"
           "    bad = [r['messageId'] for r in e['Records'] if json.loads(r['body']).get('fail')]\n"
           "    for r in e['Records']:\n"
           "        print('SEEN', json.loads(r['body'])['n'], r['attributes']['ApproximateReceiveCount'])\n"
           "    return {'batchItemFailures': [{'itemIdentifier': i} for i in bad]}\n")
    fn = create_py(cl.lam, src)
    dlq_url, dlq_arn = queue(cl.sqs, fname("dlq"))
    url, arn = queue(cl.sqs, fname("q"), VisibilityTimeout="3",
                     RedrivePolicy=json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "2"}))
    uuid = cl.lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=fn, BatchSize=10,
                                              FunctionResponseTypes=["ReportBatchItemFailures"])["UUID"]
    cl.sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": "e%d" % i, "MessageBody": json.dumps({"n": i, "fail": i == 3})} for i in range(5)])
    # The failed record comes back after the visibility timeout, is tried
    # again, then goes to the dead-letter queue; the others run once.
    dead = wait_until(lambda: cl.sqs.receive_message(QueueUrl=dlq_url, WaitTimeSeconds=1).get("Messages"), 40)
    assert dead and json.loads(dead[0]["Body"]) == {"n": 3, "fail": True}
    seen = log_messages(cl.logs, "/aws/lambda/" + fn, "SEEN", want=lambda m: len(m) >= 6)
    counts = {}
    for line in seen:
        _, n, rc = line.split()
        counts.setdefault(int(n), []).append(rc)
    assert counts == {0: ["1"], 1: ["1"], 2: ["1"], 3: ["1", "2"], 4: ["1"]}
    assert wait_until(lambda: depth(cl.sqs, url) == 0)
    cl.lam.delete_event_source_mapping(UUID=uuid)


def test_function_errors_leave_the_batch_and_bad_answers_fail_it(cl):
    fn = create_py(cl.lam, "def handler(e, c):\n    print('TRY', len(e['Records']))\n    raise RuntimeError('no')\n")
    url, arn = queue(cl.sqs, fname("q"), VisibilityTimeout="3")
    uuid = cl.lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=fn)["UUID"]
    cl.sqs.send_message(QueueUrl=url, MessageBody="x")
    tries = log_messages(cl.logs, "/aws/lambda/" + fn, "TRY", want=lambda m: len(m) >= 2, timeout=30)
    assert len(tries) >= 2, "a failed batch must come back after the visibility timeout"
    assert depth(cl.sqs, url) == 1
    assert cl.lam.get_event_source_mapping(UUID=uuid)["LastProcessingResult"].startswith("PROBLEM")
    cl.lam.delete_event_source_mapping(UUID=uuid)
    # An answer naming an id that is not in the batch fails the whole batch.
    liar = create_py(cl.lam, "def handler(e, c):\n    print('LIAR')\n"
                             "    return {'batchItemFailures': [{'itemIdentifier': 'not-in-batch'}]}\n")
    url2, arn2 = queue(cl.sqs, fname("q"), VisibilityTimeout="3")
    uuid2 = cl.lam.create_event_source_mapping(EventSourceArn=arn2, FunctionName=liar,
                                               FunctionResponseTypes=["ReportBatchItemFailures"])["UUID"]
    cl.sqs.send_message(QueueUrl=url2, MessageBody="y")
    log_messages(cl.logs, "/aws/lambda/" + liar, "LIAR", want=lambda m: len(m) >= 2, timeout=30)
    assert depth(cl.sqs, url2) == 1
    cl.lam.delete_event_source_mapping(UUID=uuid2)


def test_filters_batching_window_and_disable(cl):
    fn = create_py(cl.lam, RECORDER)
    url, arn = queue(cl.sqs, fname("q"))
    uuid = cl.lam.create_event_source_mapping(
        EventSourceArn=arn, FunctionName=fn, BatchSize=50, MaximumBatchingWindowInSeconds=2,
        FilterCriteria={"Filters": [{"Pattern": json.dumps({"body": {"level": ["error"]}})}]})["UUID"]
    entries = [{"Id": "e%d" % i, "MessageBody": json.dumps({"level": "error" if i % 2 else "info", "i": i})}
               for i in range(10)]
    cl.sqs.send_message_batch(QueueUrl=url, Entries=entries)
    got = batches(cl, fn, 5)
    # One batch (the window gathers them), only the matching records; the
    # filtered-out ones are deleted, as Lambda does for SQS.
    assert len(got) == 1
    assert sorted(json.loads(r["body"])["i"] for r in got[0]["Records"]) == [1, 3, 5, 7, 9]
    assert wait_until(lambda: depth(cl.sqs, url) == 0)
    assert cl.lam.update_event_source_mapping(UUID=uuid, Enabled=False)["State"] == "Disabling"
    time.sleep(1.5)  # the poller sees the change within one long-poll wait
    cl.sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"level": "error", "i": 99}))
    time.sleep(2)
    assert depth(cl.sqs, url) == 1, "a disabled mapping must not take messages"
    assert cl.lam.update_event_source_mapping(UUID=uuid, Enabled=True)["State"] == "Enabling"
    got = batches(cl, fn, 6)
    assert any(json.loads(r["body"])["i"] == 99 for b in got for r in b["Records"])
    cl.lam.delete_event_source_mapping(UUID=uuid)


def test_aws_cli_v2(nuage, aws2, cl):
    fn = create_py(cl.lam, RECORDER)
    url, arn = queue(cl.sqs, fname("q"))
    m = jout(aws2(nuage.endpoint, "lambda", "create-event-source-mapping", "--function-name", fn,
                  "--event-source-arn", arn, "--batch-size", "1"))
    listed = jout(aws2(nuage.endpoint, "lambda", "list-event-source-mappings", "--function-name", fn))
    assert [x["UUID"] for x in listed["EventSourceMappings"]] == [m["UUID"]]
    aws2(nuage.endpoint, "sqs", "send-message", "--queue-url", url, "--message-body", "from the cli")
    got = batches(cl, fn, 1)
    assert got[0]["Records"][0]["body"] == "from the cli"
    aws2(nuage.endpoint, "lambda", "delete-event-source-mapping", "--uuid", m["UUID"])
