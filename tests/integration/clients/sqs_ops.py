"""Every SQS operation nuage implements, through whichever boto3 runs this
script: Debian's 1.26 speaks the query protocol, the image's newer boto3
speaks JSON 1.0. Usage: python3 sqs_ops.py ENDPOINT PREFIX. Prints "ok
<boto3 version> <protocol>" when every check passed."""
import hashlib
import struct
import sys
import time

import boto3
import botocore.exceptions

endpoint, prefix = sys.argv[1], sys.argv[2]
sqs = boto3.client("sqs", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test",
                   aws_secret_access_key="test")
proto = sqs.meta.service_model.protocol


def md5_attrs(attrs):
    """MD5OfMessageAttributes as SDKs compute it, to check nuage's."""
    h = hashlib.md5()
    for name in sorted(attrs):
        a = attrs[name]
        for part in (name, a["DataType"]):
            b = part.encode()
            h.update(struct.pack(">I", len(b)) + b)
        if "BinaryValue" in a:
            h.update(b"\x02" + struct.pack(">I", len(a["BinaryValue"])) + a["BinaryValue"])
        else:
            v = a["StringValue"].encode()
            h.update(b"\x01" + struct.pack(">I", len(v)) + v)
    return h.hexdigest()


def error_code(fn, **kw):
    try:
        fn(**kw)
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"]
    raise AssertionError("%s succeeded" % fn.__name__)


main = sqs.create_queue(QueueName=prefix + "-main", Attributes={"VisibilityTimeout": "20"},
                        tags={"team": "data"})["QueueUrl"]
dlq = sqs.create_queue(QueueName=prefix + "-dlq")["QueueUrl"]
assert main.endswith("/000000000000/%s-main" % prefix), main
assert sqs.get_queue_url(QueueName=prefix + "-main")["QueueUrl"] == main
listed = sqs.list_queues(QueueNamePrefix=prefix)["QueueUrls"]
assert sorted(listed) == sorted([main, dlq]), listed
page = sqs.list_queues(QueueNamePrefix=prefix, MaxResults=1)
assert len(page["QueueUrls"]) == 1 and page["NextToken"], page
page2 = sqs.list_queues(QueueNamePrefix=prefix, MaxResults=1, NextToken=page["NextToken"])
assert page2["QueueUrls"] != page["QueueUrls"] and "NextToken" not in page2, page2

dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
sqs.set_queue_attributes(QueueUrl=main, Attributes={
    "RedrivePolicy": '{"deadLetterTargetArn":"%s","maxReceiveCount":"3"}' % dlq_arn, "DelaySeconds": "0"})
attrs = sqs.get_queue_attributes(QueueUrl=main, AttributeNames=["All"])["Attributes"]
assert attrs["VisibilityTimeout"] == "20", attrs
assert attrs["RedrivePolicy"] == '{"deadLetterTargetArn":"%s","maxReceiveCount":3}' % dlq_arn, attrs
assert sqs.list_dead_letter_source_queues(QueueUrl=dlq)["queueUrls"] == [main]
assert error_code(sqs.set_queue_attributes, QueueUrl=main, Attributes={"VisibilityTimeout": "43201"}) == \
    "InvalidAttributeValue"
assert error_code(sqs.get_queue_attributes, QueueUrl=main, AttributeNames=["Bogus"]) == "InvalidAttributeName"

mattrs = {"color": {"DataType": "String", "StringValue": "blue"},
          "n": {"DataType": "Number", "StringValue": "-1.5e3"},
          "raw": {"DataType": "Binary.gzip", "BinaryValue": b"\x00\xff\x10"}}
sent = sqs.send_message(QueueUrl=main, MessageBody="body\r\n<&>", MessageAttributes=mattrs,
                        MessageSystemAttributes={"AWSTraceHeader": {"DataType": "String",
                                                                    "StringValue": "Root=1-5e1b4151-5ac6c58f"}})
assert sent["MD5OfMessageBody"] == hashlib.md5(b"body\r\n<&>").hexdigest(), sent
assert sent["MD5OfMessageAttributes"] == md5_attrs(mattrs), sent
assert sent["MD5OfMessageSystemAttributes"] == md5_attrs(
    {"AWSTraceHeader": {"DataType": "String", "StringValue": "Root=1-5e1b4151-5ac6c58f"}}), sent
batch = sqs.send_message_batch(QueueUrl=main, Entries=[
    {"Id": "a", "MessageBody": "one"}, {"Id": "b", "MessageBody": "two", "DelaySeconds": 0},
    {"Id": "bad", "MessageBody": "\x01"}])
assert sorted(e["Id"] for e in batch["Successful"]) == ["a", "b"], batch
assert [(f["Id"], f["Code"], f["SenderFault"]) for f in batch["Failed"]] == [("bad", "InvalidMessageContents", True)]

got = []
while len(got) < 3:
    r = sqs.receive_message(QueueUrl=main, MaxNumberOfMessages=10, WaitTimeSeconds=2, AttributeNames=["All"],
                            MessageAttributeNames=["All"])
    got += r.get("Messages", [])
first = [m for m in got if m["MessageId"] == sent["MessageId"]][0]
assert first["Body"] == "body\r\n<&>", repr(first["Body"])
assert first["MessageAttributes"] == mattrs, first["MessageAttributes"]
assert first["MD5OfMessageAttributes"] == md5_attrs(mattrs)
assert first["Attributes"]["ApproximateReceiveCount"] == "1"
assert first["Attributes"]["AWSTraceHeader"] == "Root=1-5e1b4151-5ac6c58f"
others = [m for m in got if m is not first]

sqs.change_message_visibility(QueueUrl=main, ReceiptHandle=first["ReceiptHandle"], VisibilityTimeout=0)
again = sqs.receive_message(QueueUrl=main, WaitTimeSeconds=5, AttributeNames=["ApproximateReceiveCount"])["Messages"]
assert again[0]["MessageId"] == first["MessageId"] and again[0]["Attributes"]["ApproximateReceiveCount"] == "2"
cv = sqs.change_message_visibility_batch(QueueUrl=main, Entries=[
    {"Id": "x", "ReceiptHandle": others[0]["ReceiptHandle"], "VisibilityTimeout": 60},
    {"Id": "y", "ReceiptHandle": "garbage", "VisibilityTimeout": 60}])
assert [e["Id"] for e in cv["Successful"]] == ["x"] and cv["Failed"][0]["Code"] == "ReceiptHandleIsInvalid", cv
sqs.delete_message(QueueUrl=main, ReceiptHandle=again[0]["ReceiptHandle"])
d = sqs.delete_message_batch(QueueUrl=main, Entries=[{"Id": "p%d" % i, "ReceiptHandle": m["ReceiptHandle"]}
                                                     for i, m in enumerate(others)])
assert len(d["Successful"]) == 2 and not d.get("Failed"), d
assert error_code(sqs.delete_message, QueueUrl=main, ReceiptHandle="nope") == "ReceiptHandleIsInvalid"

sqs.tag_queue(QueueUrl=main, Tags={"env": "ci", "owner": "me"})
sqs.untag_queue(QueueUrl=main, TagKeys=["owner"])
assert sqs.list_queue_tags(QueueUrl=main)["Tags"] == {"team": "data", "env": "ci"}

sqs.send_message(QueueUrl=main, MessageBody="to purge")
sqs.purge_queue(QueueUrl=main)
n = sqs.get_queue_attributes(QueueUrl=main, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]
assert n["ApproximateNumberOfMessages"] == "0", n
assert error_code(sqs.purge_queue, QueueUrl=main) == "AWS.SimpleQueueService.PurgeQueueInProgress"

sqs.delete_queue(QueueUrl=main)
sqs.delete_queue(QueueUrl=dlq)
code = error_code(sqs.get_queue_url, QueueName=prefix + "-main")
assert code == "AWS.SimpleQueueService.NonExistentQueue", code
try:
    sqs.send_message(QueueUrl=main, MessageBody="x")
    raise AssertionError("sent to a deleted queue")
except sqs.exceptions.QueueDoesNotExist:
    pass
print("ok", boto3.__version__, proto)
