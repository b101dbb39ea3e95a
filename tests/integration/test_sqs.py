"""SQS (issue 4): every operation through every client (boto3 1.26 = query,
boto3 1.43 = JSON 1.0, aws CLI v2 and v1, JS SDK v3), then SQS's behaviour
in detail: limits and error codes, visibility timeouts, delays, long polls,
dead letters, FIFO ordering and deduplication, purge, queue URLs."""
import hashlib
import json
import os
import subprocess
import threading
import time
import urllib.request
import uuid

import botocore.exceptions
import pytest

from conftest import CLIENTS, jout, run


def uniq(tag):
    return "%s-%s" % (tag, uuid.uuid4().hex[:10])


def code_of(fn, **kw):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        fn(**kw)
    return e.value.response["Error"]["Code"]


# ---- every operation, every client ----

def test_all_operations_boto3_query(nuage):
    p = run(["/usr/bin/python3", os.path.join(CLIENTS, "sqs_ops.py"), nuage.endpoint, uniq("q")], nuage.endpoint)
    assert p.stdout.startswith(b"ok 1.26") and p.stdout.strip().endswith(b"query"), p.stdout


def test_all_operations_boto3_json(nuage, newpy):
    p = newpy(nuage.endpoint, "sqs_ops.py", uniq("j"))
    assert p.stdout.startswith(b"ok") and p.stdout.strip().endswith(b"json"), p.stdout


def test_all_operations_js_sdk(nuage, node):
    assert node(nuage.endpoint, "sqs.mjs", uniq("js")).stdout.strip() == b"ok"


def cli_all_operations(cli, endpoint, prefix, extra=()):
    def sqs(*args, check=True):
        return cli(endpoint, *extra, "sqs", *args, check=check)
    dlq = jout(sqs("create-queue", "--queue-name", prefix + "-dlq"))["QueueUrl"]
    url = jout(sqs("create-queue", "--queue-name", prefix, "--attributes", "VisibilityTimeout=20",
                   "--tags", "team=data"))["QueueUrl"]
    assert jout(sqs("get-queue-url", "--queue-name", prefix))["QueueUrl"] == url
    assert url in jout(sqs("list-queues", "--queue-name-prefix", prefix))["QueueUrls"]
    arn = jout(sqs("get-queue-attributes", "--queue-url", dlq, "--attribute-names", "QueueArn"))["Attributes"]["QueueArn"]
    sqs("set-queue-attributes", "--queue-url", url, "--attributes",
        json.dumps({"RedrivePolicy": json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": 4})}))
    assert jout(sqs("list-dead-letter-source-queues", "--queue-url", dlq))["queueUrls"] == [url]
    sent = jout(sqs("send-message", "--queue-url", url, "--message-body", "hi there",
                    "--message-attributes", '{"k":{"DataType":"String","StringValue":"v"}}'))
    assert sent["MD5OfMessageBody"] == hashlib.md5(b"hi there").hexdigest()
    b = jout(sqs("send-message-batch", "--queue-url", url, "--entries",
                 '[{"Id":"1","MessageBody":"one"},{"Id":"2","MessageBody":"two"}]'))
    assert len(b["Successful"]) == 2
    msgs = []
    for _ in range(5):
        r = sqs("receive-message", "--queue-url", url, "--max-number-of-messages", "10", "--wait-time-seconds", "2",
                "--message-attribute-names", "All", "--attribute-names", "All")
        msgs += jout(r).get("Messages", []) if r.stdout.strip() else []
        if len(msgs) == 3:
            break
    assert len(msgs) == 3, msgs
    first = [m for m in msgs if m["MessageId"] == sent["MessageId"]][0]
    assert first["MessageAttributes"]["k"]["StringValue"] == "v"
    sqs("change-message-visibility", "--queue-url", url, "--receipt-handle", first["ReceiptHandle"],
        "--visibility-timeout", "30")
    cv = jout(sqs("change-message-visibility-batch", "--queue-url", url, "--entries", json.dumps(
        [{"Id": "c%d" % i, "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 40} for i, m in enumerate(msgs)])))
    assert len(cv["Successful"]) == 3
    sqs("delete-message", "--queue-url", url, "--receipt-handle", first["ReceiptHandle"])
    d = jout(sqs("delete-message-batch", "--queue-url", url, "--entries", json.dumps(
        [{"Id": "d%d" % i, "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(msgs) if m is not first])))
    assert len(d["Successful"]) == 2
    sqs("tag-queue", "--queue-url", url, "--tags", "env=ci")
    sqs("untag-queue", "--queue-url", url, "--tag-keys", "team")
    assert jout(sqs("list-queue-tags", "--queue-url", url))["Tags"] == {"env": "ci"}
    sqs("purge-queue", "--queue-url", url)
    sqs("delete-queue", "--queue-url", url)
    sqs("delete-queue", "--queue-url", dlq)
    p = sqs("get-queue-url", "--queue-name", prefix, check=False)
    assert p.returncode != 0 and (b"NonExistentQueue" in p.stderr or b"QueueDoesNotExist" in p.stderr), p.stderr


def test_all_operations_aws_cli_v2(nuage, aws2):
    cli_all_operations(aws2, nuage.endpoint, uniq("cli2"))


def test_all_operations_aws_cli_v1(nuage, aws1):
    # aws CLI v1's sqs customization pins its own endpoint: name ours explicitly.
    cli_all_operations(aws1, nuage.endpoint, uniq("cli1"), extra=("--endpoint-url", nuage.endpoint))


# ---- queues ----

@pytest.fixture
def sqs(nuage, boto):
    return boto("sqs", nuage.endpoint)


def test_create_is_idempotent_unless_attributes_differ(sqs):
    name = uniq("idem")
    u1 = sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "45"})["QueueUrl"]
    assert sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "45"})["QueueUrl"] == u1
    assert sqs.create_queue(QueueName=name)["QueueUrl"] == u1
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "46"})
    assert e.value.response["Error"]["Code"] == "QueueAlreadyExists"
    assert "VisibilityTimeout" in e.value.response["Error"]["Message"]


@pytest.mark.parametrize("name", ["", "a" * 81, "has space", "dot.name", "x.fifo.fifo", "é"])
def test_invalid_queue_names(sqs, name):
    assert code_of(sqs.create_queue, QueueName=name) in ("InvalidParameterValue", "MissingParameter")


def test_fifo_naming_rules(sqs):
    assert code_of(sqs.create_queue, QueueName=uniq("nofifo"), Attributes={"FifoQueue": "true"}) == \
        "InvalidParameterValue"
    assert code_of(sqs.create_queue, QueueName=uniq("std") + ".fifo", Attributes={"FifoQueue": "false"}) == \
        "InvalidParameterValue"
    url = sqs.create_queue(QueueName=uniq("f") + ".fifo")["QueueUrl"]
    a = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert a["FifoQueue"] == "true" and a["ContentBasedDeduplication"] == "false"
    assert a["DeduplicationScope"] == "queue" and a["FifoThroughputLimit"] == "perQueue"


@pytest.mark.parametrize("attr,value,code", [
    ("VisibilityTimeout", "43201", "InvalidAttributeValue"),
    ("VisibilityTimeout", "-1", "InvalidAttributeValue"),
    ("DelaySeconds", "901", "InvalidAttributeValue"),
    ("MaximumMessageSize", "1023", "InvalidAttributeValue"),
    ("MaximumMessageSize", "262145", "InvalidAttributeValue"),
    ("MessageRetentionPeriod", "59", "InvalidAttributeValue"),
    ("MessageRetentionPeriod", "1209601", "InvalidAttributeValue"),
    ("ReceiveMessageWaitTimeSeconds", "21", "InvalidAttributeValue"),
    ("VisibilityTimeout", "ten", "InvalidAttributeValue"),
    ("Policy", "{not json", "InvalidAttributeValue"),
    ("Bogus", "1", "InvalidAttributeName"),
    ("ContentBasedDeduplication", "true", "InvalidAttributeName"),
    ("RedrivePolicy", "not json", "InvalidParameterValue"),
])
def test_attribute_limits(sqs, attr, value, code):
    url = sqs.create_queue(QueueName=uniq("attr"))["QueueUrl"]
    assert code_of(sqs.set_queue_attributes, QueueUrl=url, Attributes={attr: value}) == code
    assert code_of(sqs.create_queue, QueueName=uniq("attrc"), Attributes={attr: value}) == code


def test_attributes_round_trip_and_counts(sqs):
    url = sqs.create_queue(QueueName=uniq("rt"))["QueueUrl"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"DelaySeconds": "0", "MaximumMessageSize": "2048",
                                                       "MessageRetentionPeriod": "600", "VisibilityTimeout": "7",
                                                       "ReceiveMessageWaitTimeSeconds": "1",
                                                       "Policy": '{"Version":"2012-10-17","Statement":[]}'})
    a = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert (a["MaximumMessageSize"], a["MessageRetentionPeriod"], a["VisibilityTimeout"]) == ("2048", "600", "7")
    assert json.loads(a["Policy"]) == {"Version": "2012-10-17", "Statement": []}
    assert int(a["CreatedTimestamp"]) <= int(a["LastModifiedTimestamp"]) <= time.time() + 1
    sqs.send_message(QueueUrl=url, MessageBody="visible")
    sqs.send_message(QueueUrl=url, MessageBody="delayed", DelaySeconds=300)
    sqs.receive_message(QueueUrl=url)
    sqs.send_message(QueueUrl=url, MessageBody="visible too")
    c = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
        "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed"])["Attributes"]
    assert c == {"ApproximateNumberOfMessages": "1", "ApproximateNumberOfMessagesNotVisible": "1",
                 "ApproximateNumberOfMessagesDelayed": "1"}
    # Removing a policy: an empty value.
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": ""})
    assert "Policy" not in sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]


def test_list_pagination_and_prefix(sqs):
    tag = uniq("page")
    urls = sorted(sqs.create_queue(QueueName="%s-%d" % (tag, i))["QueueUrl"] for i in range(5))
    seen, token = [], None
    while True:
        kw = {"QueueNamePrefix": tag, "MaxResults": 2}
        if token:
            kw["NextToken"] = token
        r = sqs.list_queues(**kw)
        seen += r["QueueUrls"]
        token = r.get("NextToken")
        if not token:
            break
    assert seen == urls
    assert "QueueUrls" not in sqs.list_queues(QueueNamePrefix=uniq("nothing"))
    assert code_of(sqs.list_queues, MaxResults=1001) == "InvalidParameterValue"


def test_queue_url_works_whatever_host(nuage, boto):
    local = boto("sqs", nuage.endpoint.replace("127.0.0.1", "localhost"))
    name = uniq("host")
    url = local.create_queue(QueueName=name)["QueueUrl"]
    assert url.startswith("http://localhost:%d/" % nuage.port), url
    # Any host in the URL resolves by its path.
    other = "https://sqs.us-east-1.amazonaws.com/000000000000/" + name
    local.send_message(QueueUrl=other, MessageBody="x")
    ip = boto("sqs", nuage.endpoint)
    assert ip.get_queue_url(QueueName=name)["QueueUrl"].startswith("http://127.0.0.1:%d/" % nuage.port)
    assert ip.receive_message(QueueUrl=url)["Messages"][0]["Body"] == "x"
    # Another account's path is not this key's queue.
    assert code_of(ip.send_message, QueueUrl=url.replace("000000000000", "111111111111"),
                   MessageBody="x") == "AWS.SimpleQueueService.NonExistentQueue"


def test_dead_letter_redrive(sqs):
    dlq = sqs.create_queue(QueueName=uniq("dlq"))["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    src = sqs.create_queue(QueueName=uniq("src"), Attributes={
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": 2})})["QueueUrl"]
    src_arn = sqs.get_queue_attributes(QueueUrl=src, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    mid = sqs.send_message(QueueUrl=src, MessageBody="poison")["MessageId"]
    for i in range(2):
        m = sqs.receive_message(QueueUrl=src, VisibilityTimeout=0, AttributeNames=["All"])["Messages"][0]
        assert m["Attributes"]["ApproximateReceiveCount"] == str(i + 1)
    assert "Messages" not in sqs.receive_message(QueueUrl=src)
    m = sqs.receive_message(QueueUrl=dlq, AttributeNames=["All"])["Messages"][0]
    assert m["MessageId"] == mid and m["Body"] == "poison"
    assert m["Attributes"]["DeadLetterQueueSourceArn"] == src_arn
    assert sqs.list_dead_letter_source_queues(QueueUrl=dlq)["queueUrls"] == [src]


@pytest.mark.parametrize("policy,reason", [
    ({"deadLetterTargetArn": "arn:aws:sqs:us-east-1:000000000000:no-such-queue", "maxReceiveCount": 3},
     "Dead-letter target does not exist"),
    ({"maxReceiveCount": 3}, "mandatory attribute: deadLetterTargetArn"),
    ({"deadLetterTargetArn": "ARN"}, "mandatory attribute: maxReceiveCount"),
    ({"deadLetterTargetArn": "ARN", "maxReceiveCount": 0}, "valid values are from 1 to 1000"),
    ({"deadLetterTargetArn": "ARN", "maxReceiveCount": 1001}, "valid values are from 1 to 1000"),
])
def test_redrive_policy_errors(sqs, policy, reason):
    dlq = sqs.create_queue(QueueName=uniq("rdlq"))["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    if policy.get("deadLetterTargetArn") == "ARN":
        policy["deadLetterTargetArn"] = arn
    src = sqs.create_queue(QueueName=uniq("rsrc"))["QueueUrl"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sqs.set_queue_attributes(QueueUrl=src, Attributes={"RedrivePolicy": json.dumps(policy)})
    assert e.value.response["Error"]["Code"] == "InvalidParameterValue"
    assert reason in e.value.response["Error"]["Message"]


def test_redrive_allow_policy_denies(sqs):
    dlq = sqs.create_queue(QueueName=uniq("deny"), Attributes={
        "RedriveAllowPolicy": json.dumps({"redrivePermission": "denyAll"})})["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    src = sqs.create_queue(QueueName=uniq("denysrc"))["QueueUrl"]
    assert code_of(sqs.set_queue_attributes, QueueUrl=src, Attributes={
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": 1})}) == "InvalidParameterValue"


# ---- messages ----

def test_message_body_rules(sqs):
    url = sqs.create_queue(QueueName=uniq("body"))["QueueUrl"]
    assert code_of(sqs.send_message, QueueUrl=url, MessageBody="bad \x00 char") == "InvalidMessageContents"
    assert code_of(sqs.send_message, QueueUrl=url, MessageBody="bad \ufffe char") == "InvalidMessageContents"
    assert code_of(sqs.send_message, QueueUrl=url, MessageBody="") in ("InvalidParameterValue", "MissingParameter")
    big = "x" * 262144
    sqs.send_message(QueueUrl=url, MessageBody=big)
    assert code_of(sqs.send_message, QueueUrl=url, MessageBody=big + "x") == "InvalidParameterValue"
    # Attributes count against the size too.
    assert code_of(sqs.send_message, QueueUrl=url, MessageBody=big[:-3],
                   MessageAttributes={"ab": {"DataType": "String", "StringValue": "c"}}) == "InvalidParameterValue"
    small = sqs.create_queue(QueueName=uniq("small"), Attributes={"MaximumMessageSize": "1024"})["QueueUrl"]
    assert code_of(sqs.send_message, QueueUrl=small, MessageBody="y" * 1025) == "InvalidParameterValue"
    text = "tab\t nl\n cr\r emoji \U0001F600 cjk \u4e2d"
    sqs.send_message(QueueUrl=url, MessageBody=text)
    bodies = []
    for _ in range(3):
        bodies += [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])]
    assert text in bodies and big in bodies


@pytest.mark.parametrize("attrs", [
    {"a%d" % i: {"DataType": "String", "StringValue": "v"} for i in range(11)},
    {"AWS.reserved": {"DataType": "String", "StringValue": "v"}},
    {".dot": {"DataType": "String", "StringValue": "v"}},
    {"a..b": {"DataType": "String", "StringValue": "v"}},
    {"k": {"DataType": "Text", "StringValue": "v"}},
    {"k": {"DataType": "Number", "StringValue": "12abc"}},
    {"k": {"DataType": "String", "StringValue": ""}},
    {"k": {"DataType": "Binary", "StringValue": "not binary"}},
])
def test_message_attribute_rules(sqs, attrs):
    url = sqs.create_queue(QueueName=uniq("mattr"))["QueueUrl"]
    assert code_of(sqs.send_message, QueueUrl=url, MessageBody="x", MessageAttributes=attrs) == "InvalidParameterValue"


def test_message_attribute_selection(sqs):
    url = sqs.create_queue(QueueName=uniq("sel"))["QueueUrl"]
    attrs = {"app.a": {"DataType": "String", "StringValue": "1"}, "app.b": {"DataType": "Number", "StringValue": "2"},
             "other": {"DataType": "String.custom", "StringValue": "3"}}
    sent = sqs.send_message(QueueUrl=url, MessageBody="x", MessageAttributes=attrs)
    m = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["app.*"], VisibilityTimeout=0)["Messages"][0]
    assert set(m["MessageAttributes"]) == {"app.a", "app.b"}
    # The digest covers what was returned.
    assert m["MD5OfMessageAttributes"] != sent["MD5OfMessageAttributes"]
    m = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"], VisibilityTimeout=0)["Messages"][0]
    assert m["MessageAttributes"] == attrs and m["MD5OfMessageAttributes"] == sent["MD5OfMessageAttributes"]
    m = sqs.receive_message(QueueUrl=url)["Messages"][0]
    assert "MessageAttributes" not in m and "Attributes" not in m


def test_batch_rules(sqs):
    url = sqs.create_queue(QueueName=uniq("batch"))["QueueUrl"]
    e = lambda n: [{"Id": "i%d" % i, "MessageBody": "m"} for i in range(n)]
    assert code_of(sqs.send_message_batch, QueueUrl=url, Entries=[]) == "AWS.SimpleQueueService.EmptyBatchRequest"
    assert code_of(sqs.send_message_batch, QueueUrl=url, Entries=e(11)) == \
        "AWS.SimpleQueueService.TooManyEntriesInBatchRequest"
    assert code_of(sqs.send_message_batch, QueueUrl=url, Entries=e(1) + e(1)) == \
        "AWS.SimpleQueueService.BatchEntryIdsNotDistinct"
    assert code_of(sqs.send_message_batch, QueueUrl=url, Entries=[{"Id": "bad id!", "MessageBody": "m"}]) == \
        "AWS.SimpleQueueService.InvalidBatchEntryId"
    big = [{"Id": "b%d" % i, "MessageBody": "x" * 100000} for i in range(3)]
    assert code_of(sqs.send_message_batch, QueueUrl=url, Entries=big) == "AWS.SimpleQueueService.BatchRequestTooLong"
    assert code_of(sqs.delete_message_batch, QueueUrl=url, Entries=[]) == "AWS.SimpleQueueService.EmptyBatchRequest"
    r = sqs.send_message_batch(QueueUrl=url, Entries=e(10))
    assert len(r["Successful"]) == 10


def test_receive_parameter_limits(sqs):
    url = sqs.create_queue(QueueName=uniq("rlim"))["QueueUrl"]
    assert code_of(sqs.receive_message, QueueUrl=url, MaxNumberOfMessages=0) == "InvalidParameterValue"
    assert code_of(sqs.receive_message, QueueUrl=url, MaxNumberOfMessages=11) == "InvalidParameterValue"
    assert code_of(sqs.receive_message, QueueUrl=url, WaitTimeSeconds=21) == "InvalidParameterValue"
    assert code_of(sqs.receive_message, QueueUrl=url, VisibilityTimeout=43201) == "InvalidParameterValue"
    assert code_of(sqs.send_message, QueueUrl=url, MessageBody="x", DelaySeconds=901) == "InvalidParameterValue"


def test_visibility_timeout_and_handles(sqs):
    url = sqs.create_queue(QueueName=uniq("vis"))["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="v")
    m1 = sqs.receive_message(QueueUrl=url, VisibilityTimeout=1)["Messages"][0]
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    m2 = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10, AttributeNames=["All"])["Messages"][0]
    assert m2["MessageId"] == m1["MessageId"] and m2["ReceiptHandle"] != m1["ReceiptHandle"]
    assert m2["Attributes"]["ApproximateReceiveCount"] == "2"
    assert int(m2["Attributes"]["ApproximateFirstReceiveTimestamp"]) <= int(time.time() * 1000)
    # The superseded handle no longer changes visibility.
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=m1["ReceiptHandle"], VisibilityTimeout=5)
    assert e.value.response["Error"]["Code"] == "InvalidParameterValue"
    assert code_of(sqs.change_message_visibility, QueueUrl=url, ReceiptHandle=m2["ReceiptHandle"],
                   VisibilityTimeout=43201) == "InvalidParameterValue"
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=m2["ReceiptHandle"], VisibilityTimeout=0)
    assert code_of(sqs.change_message_visibility, QueueUrl=url, ReceiptHandle=m2["ReceiptHandle"],
                   VisibilityTimeout=5) == "AWS.SimpleQueueService.MessageNotInflight"
    m3 = sqs.receive_message(QueueUrl=url)["Messages"][0]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=m3["ReceiptHandle"])
    sqs.delete_message(QueueUrl=url, ReceiptHandle=m3["ReceiptHandle"])  # twice is fine, as on SQS
    assert "Messages" not in sqs.receive_message(QueueUrl=url, VisibilityTimeout=0)
    other = sqs.create_queue(QueueName=uniq("vis2"))["QueueUrl"]
    assert code_of(sqs.delete_message, QueueUrl=other, ReceiptHandle=m3["ReceiptHandle"]) == "ReceiptHandleIsInvalid"


def test_delay_queue_and_long_poll(sqs):
    url = sqs.create_queue(QueueName=uniq("delay"), Attributes={"DelaySeconds": "1"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="queue delay")
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    m = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10)["Messages"][0]
    assert m["Body"] == "queue delay"
    sqs.send_message(QueueUrl=url, MessageBody="no delay", DelaySeconds=0)
    assert sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"] == "no delay"


def test_long_poll_is_woken_by_a_send(nuage, boto, sqs):
    url = sqs.create_queue(QueueName=uniq("lp"), Attributes={"ReceiveMessageWaitTimeSeconds": "20"})["QueueUrl"]
    other = boto("sqs", nuage.endpoint)

    def later():
        time.sleep(1)
        other.send_message(QueueUrl=url, MessageBody="wake up")
    t = threading.Thread(target=later)
    t.start()
    r = sqs.receive_message(QueueUrl=url)  # the queue's default wait: 20 s
    t.join()
    assert r["Messages"][0]["Body"] == "wake up"


def test_purge_limits(sqs):
    url = sqs.create_queue(QueueName=uniq("purge"))["QueueUrl"]
    for i in range(3):
        sqs.send_message(QueueUrl=url, MessageBody="m%d" % i)
    sqs.purge_queue(QueueUrl=url)
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    assert code_of(sqs.purge_queue, QueueUrl=url) == "AWS.SimpleQueueService.PurgeQueueInProgress"


def test_tags_limits(sqs):
    url = sqs.create_queue(QueueName=uniq("tags"))["QueueUrl"]
    assert "Tags" not in sqs.list_queue_tags(QueueUrl=url)
    sqs.tag_queue(QueueUrl=url, Tags={"k%d" % i: "v" for i in range(50)})
    assert len(sqs.list_queue_tags(QueueUrl=url)["Tags"]) == 50
    assert code_of(sqs.tag_queue, QueueUrl=url, Tags={"one-more": "v"}) == "InvalidParameterValue"
    assert code_of(sqs.tag_queue, QueueUrl=url, Tags={"k" * 129: "v"}) == "InvalidParameterValue"


def test_deleted_queue_is_gone(sqs):
    url = sqs.create_queue(QueueName=uniq("gone"))["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="x")
    sqs.delete_queue(QueueUrl=url)
    for fn, kw in [(sqs.send_message, {"MessageBody": "x"}), (sqs.receive_message, {}), (sqs.purge_queue, {}),
                   (sqs.get_queue_attributes, {"AttributeNames": ["All"]}), (sqs.delete_queue, {}),
                   (sqs.list_queue_tags, {})]:
        assert code_of(fn, QueueUrl=url, **kw) == "AWS.SimpleQueueService.NonExistentQueue"


# ---- FIFO ----

def test_fifo_order_groups_and_dedup(sqs):
    url = sqs.create_queue(QueueName=uniq("fifo") + ".fifo",
                           Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"})["QueueUrl"]
    seqs = []
    for i in range(4):
        r = sqs.send_message(QueueUrl=url, MessageBody="a%d" % i, MessageGroupId="A")
        seqs.append(int(r["SequenceNumber"]))
    assert seqs == sorted(seqs) and len(set(seqs)) == 4
    dup = sqs.send_message(QueueUrl=url, MessageBody="a0", MessageGroupId="A")
    sqs.send_message(QueueUrl=url, MessageBody="b0", MessageGroupId="B", MessageDeduplicationId="b-0")
    dup2 = sqs.send_message(QueueUrl=url, MessageBody="different body", MessageGroupId="B",
                            MessageDeduplicationId="b-0")
    assert dup2["MessageId"] != dup["MessageId"]
    first = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=2, AttributeNames=["All"])["Messages"]
    assert [m["Body"] for m in first] == ["a0", "a1"]
    assert first[0]["Attributes"]["MessageGroupId"] == "A" and "SequenceNumber" in first[0]["Attributes"]
    # Group A is locked while a0/a1 are in flight; B is free.
    nxt = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in nxt] == ["b0"]
    assert "Messages" not in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)
    for m in first:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    rest = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in rest] == ["a2", "a3"]


def test_fifo_rules(sqs):
    url = sqs.create_queue(QueueName=uniq("fr") + ".fifo")["QueueUrl"]
    assert code_of(sqs.send_message, QueueUrl=url, MessageBody="x", MessageDeduplicationId="d") == "MissingParameter"
    assert code_of(sqs.send_message, QueueUrl=url, MessageBody="x", MessageGroupId="g") == "InvalidParameterValue"
    assert code_of(sqs.send_message, QueueUrl=url, MessageBody="x", MessageGroupId="g", MessageDeduplicationId="d",
                   DelaySeconds=5) == "InvalidParameterValue"
    std = sqs.create_queue(QueueName=uniq("std"))["QueueUrl"]
    assert code_of(sqs.send_message, QueueUrl=std, MessageBody="x", MessageDeduplicationId="d") == \
        "InvalidParameterValue"
    dlq = sqs.create_queue(QueueName=uniq("fdlq") + ".fifo")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    assert code_of(sqs.set_queue_attributes, QueueUrl=std, Attributes={
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": 1})}) == "InvalidParameterValue"


# ---- wire details ----

def test_json_errors_carry_the_query_code(nuage):
    """awsQueryCompatible: the JSON error names the modelled shape and the
    x-amzn-query-error header carries the query-era code."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    body = json.dumps({"QueueName": "no-such-queue-" + uuid.uuid4().hex[:6]})
    req = AWSRequest(method="POST", url=nuage.endpoint + "/", data=body, headers={
        "X-Amz-Target": "AmazonSQS.GetQueueUrl", "Content-Type": "application/x-amz-json-1.0"})
    SigV4Auth(Credentials("test", "test"), "sqs", "us-east-1").add_auth(req)
    r = urllib.request.Request(req.url, data=body.encode(), headers=dict(req.headers), method="POST")
    try:
        urllib.request.urlopen(r, timeout=10)
        raise AssertionError("no error")
    except urllib.error.HTTPError as e:
        assert e.code == 400
        assert e.headers["x-amzn-query-error"] == "AWS.SimpleQueueService.NonExistentQueue;Sender"
        doc = json.loads(e.read())
        assert doc["__type"] == "com.amazonaws.sqs#QueueDoesNotExist", doc


# ---- durability ----

def test_visibility_survives_restart(fresh_nuage, boto):
    n = fresh_nuage().start()
    sqs = boto("sqs", n.endpoint)
    url = sqs.create_queue(QueueName="durable")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="in flight")
    sqs.send_message(QueueUrl=url, MessageBody="waiting", DelaySeconds=2)
    m = sqs.receive_message(QueueUrl=url, VisibilityTimeout=120)["Messages"][0]
    assert n.stop() == 0
    n2 = fresh_nuage(data=n.data).start()
    n2.port  # a new port: the URL's host does not matter, its path does
    sqs2 = boto("sqs", n2.endpoint)
    url2 = sqs2.get_queue_url(QueueName="durable")["QueueUrl"]
    got = sqs2.receive_message(QueueUrl=url2, WaitTimeSeconds=10)["Messages"]
    assert [g["Body"] for g in got] == ["waiting"]  # the in-flight one stays hidden
    sqs2.change_message_visibility(QueueUrl=url2, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0)
    again = sqs2.receive_message(QueueUrl=url2, AttributeNames=["ApproximateReceiveCount"])["Messages"][0]
    assert again["Body"] == "in flight" and again["Attributes"]["ApproximateReceiveCount"] == "2"
