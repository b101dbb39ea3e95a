"""SNS (issue 4): every operation through every client, then envelopes and
their signatures (checked with the certificate fetched from SigningCertURL),
HTTP subscribers (a small server on loopback: confirmation handshake,
deliveries, retries while it fails, dead letters), filter policies, raw
delivery, FIFO topics, the checks Publish makes, and publishes surviving
kill -9."""
import base64
import json
import os
import signal
import threading
import time
import urllib.error
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import botocore.exceptions
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from conftest import CLIENTS, jout, run


def uniq(tag):
    return "%s-%s" % (tag, uuid.uuid4().hex[:10])


def code_of(fn, **kw):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        fn(**kw)
    return e.value.response["Error"]["Code"], e.value.response["Error"]["Message"]


@pytest.fixture
def sns(nuage, boto):
    return boto("sns", nuage.endpoint)


@pytest.fixture
def sqs(nuage, boto):
    return boto("sqs", nuage.endpoint)


def queue(sqs, name, **attrs):
    url = sqs.create_queue(QueueName=name, Attributes=attrs)["QueueUrl"]
    return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def drain(sqs, url, want, wait=2, tries=15, **kw):
    got = []
    for _ in range(tries):
        r = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=wait, **kw)
        for m in r.get("Messages", []):
            got.append(m)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        if len(got) >= want:
            break
    return got


def wait_until(pred, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return True
        time.sleep(0.05)
    return False


class Subscriber:
    """An HTTP/S subscription endpoint on loopback: records every POST,
    confirms subscriptions by fetching SubscribeURL, and answers
    notifications with the statuses it is told to (then 200)."""

    def __init__(self, statuses=(), confirm=True):
        self.posts = []
        self.statuses = list(statuses)
        self.confirm = confirm
        self.lock = threading.Lock()
        outer = self

        class H(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with outer.lock:
                    outer.posts.append((dict(self.headers), body))
                doc = json.loads(body) if body.startswith(b"{") else None
                status = 200
                if doc and doc.get("Type") == "SubscriptionConfirmation":
                    if outer.confirm:
                        urllib.request.urlopen(doc["SubscribeURL"], timeout=10).read()
                else:
                    with outer.lock:
                        status = outer.statuses.pop(0) if outer.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *a):
                pass

        self.srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = "http://127.0.0.1:%d/hook" % self.srv.server_address[1]
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def of_type(self, t):
        with self.lock:
            return [(h, b) for h, b in self.posts if h.get("x-amz-sns-message-type") == t]

    def close(self):
        self.srv.shutdown()
        self.srv.server_close()


@pytest.fixture
def subscriber():
    made = []

    def make(**kw):
        s = Subscriber(**kw)
        made.append(s)
        return s
    yield make
    for s in made:
        s.close()


def fast_policy(retries=3, **extra):
    p = {"healthyRetryPolicy": {"minDelayTarget": 1, "maxDelayTarget": 1, "numRetries": retries}}
    p["healthyRetryPolicy"].update(extra)
    return json.dumps(p)


def subscribe_http(sns, topic, sub, **attrs):
    arn = sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=sub.url, Attributes=attrs,
                        ReturnSubscriptionArn=True)["SubscriptionArn"]
    assert wait_until(lambda: sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]
                      ["PendingConfirmation"] == "false"), "the endpoint did not confirm"
    return arn


# ---- every operation, every client ----

def test_all_operations_boto3_debian(nuage):
    p = run(["/usr/bin/python3", os.path.join(CLIENTS, "sns_ops.py"), nuage.endpoint, uniq("ops")], nuage.endpoint)
    assert p.stdout.startswith(b"ok 1.26"), p.stdout


def test_all_operations_boto3_newer(nuage, newpy):
    assert newpy(nuage.endpoint, "sns_ops.py", uniq("opsn")).stdout.startswith(b"ok")


def test_all_operations_js_sdk(nuage, node):
    assert node(nuage.endpoint, "sns.mjs", uniq("js")).stdout.strip() == b"ok"


def cli_all_operations(cli, endpoint, prefix):
    def sns(*args, check=True):
        return cli(endpoint, "--endpoint-url", endpoint, "sns", *args, check=check)

    def sqs(*args):
        return cli(endpoint, "--endpoint-url", endpoint, "sqs", *args)
    topic = jout(sns("create-topic", "--name", prefix, "--tags", "Key=a,Value=1"))["TopicArn"]
    assert topic in [t["TopicArn"] for t in jout(sns("list-topics"))["Topics"]]
    sns("set-topic-attributes", "--topic-arn", topic, "--attribute-name", "DisplayName", "--attribute-value", "cli")
    assert jout(sns("get-topic-attributes", "--topic-arn", topic))["Attributes"]["DisplayName"] == "cli"
    url = jout(sqs("create-queue", "--queue-name", prefix + "-q"))["QueueUrl"]
    qarn = jout(sqs("get-queue-attributes", "--queue-url", url, "--attribute-names", "QueueArn"))["Attributes"]["QueueArn"]
    sub = jout(sns("subscribe", "--topic-arn", topic, "--protocol", "sqs", "--notification-endpoint", qarn))["SubscriptionArn"]
    assert [s["SubscriptionArn"] for s in jout(sns("list-subscriptions-by-topic", "--topic-arn", topic))["Subscriptions"]] == [sub]
    assert sub in [s["SubscriptionArn"] for s in jout(sns("list-subscriptions"))["Subscriptions"]]
    sns("set-subscription-attributes", "--subscription-arn", sub, "--attribute-name", "RawMessageDelivery",
        "--attribute-value", "true")
    assert jout(sns("get-subscription-attributes", "--subscription-arn", sub))["Attributes"]["RawMessageDelivery"] == "true"
    mid = jout(sns("publish", "--topic-arn", topic, "--message", "from the cli"))["MessageId"]
    assert mid
    b = jout(sns("publish-batch", "--topic-arn", topic, "--publish-batch-request-entries",
                 '[{"Id":"1","Message":"batch one"}]'))
    assert len(b["Successful"]) == 1
    bodies = []
    for _ in range(10):
        r = sqs("receive-message", "--queue-url", url, "--max-number-of-messages", "10", "--wait-time-seconds", "2")
        bodies += [m["Body"] for m in (jout(r).get("Messages", []) if r.stdout.strip() else [])]
        if len(bodies) >= 2:
            break
    assert sorted(bodies) == ["batch one", "from the cli"], bodies
    sns("tag-resource", "--resource-arn", topic, "--tags", "Key=b,Value=2")
    sns("untag-resource", "--resource-arn", topic, "--tag-keys", "a")
    assert jout(sns("list-tags-for-resource", "--resource-arn", topic))["Tags"] == [{"Key": "b", "Value": "2"}]
    p = sns("confirm-subscription", "--topic-arn", topic, "--token", "bogus", check=False)
    assert p.returncode != 0 and b"InvalidParameter" in p.stderr
    sns("unsubscribe", "--subscription-arn", sub)
    sns("delete-topic", "--topic-arn", topic)
    p = sns("get-topic-attributes", "--topic-arn", topic, check=False)
    assert p.returncode != 0 and b"NotFound" in p.stderr


def test_all_operations_aws_cli_v2(nuage, aws2):
    cli_all_operations(aws2, nuage.endpoint, uniq("cli2"))


def test_all_operations_aws_cli_v1(nuage, aws1):
    cli_all_operations(aws1, nuage.endpoint, uniq("cli1"))


# ---- envelopes and signatures ----

def signed_text(doc):
    names = (["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"] if doc["Type"] == "Notification"
             else ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"])
    return "".join("%s\n%s\n" % (n, doc[n]) for n in names if n in doc).encode()


def verify(doc):
    cert = x509.load_pem_x509_certificate(urllib.request.urlopen(doc["SigningCertURL"], timeout=10).read())
    h = hashes.SHA256() if doc["SignatureVersion"] == "2" else hashes.SHA1()
    cert.public_key().verify(base64.b64decode(doc["Signature"]), signed_text(doc), padding.PKCS1v15(), h)


@pytest.mark.parametrize("version", ["1", "2"])
def test_envelope_as_aws_writes_it_and_signature(sns, sqs, version):
    topic = sns.create_topic(Name=uniq("env"))["TopicArn"]
    if version == "2":
        sns.set_topic_attributes(TopicArn=topic, AttributeName="SignatureVersion", AttributeValue="2")
    url, arn = queue(sqs, uniq("envq"))
    sub = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)["SubscriptionArn"]
    attrs = {"s": {"DataType": "String", "StringValue": "v"}, "n": {"DataType": "Number", "StringValue": "1.5"},
             "b": {"DataType": "Binary", "BinaryValue": b"\x00\x01"},
             "arr": {"DataType": "String.Array", "StringValue": '["x", 2]'}}
    mid = sns.publish(TopicArn=topic, Message='quote " and\nnewline', Subject="Hello", MessageAttributes=attrs)["MessageId"]
    body = drain(sqs, url, 1)[0]["Body"]
    assert body.startswith('{\n  "Type" : "Notification",\n  "MessageId" : "%s",\n  "TopicArn" : "%s",\n'
                           '  "Subject" : "Hello",\n  "Message" : "quote \\" and\\nnewline",\n  "Timestamp" : "'
                           % (mid, topic)), body
    doc = json.loads(body)
    assert list(doc) == ["Type", "MessageId", "TopicArn", "Subject", "Message", "Timestamp", "SignatureVersion",
                         "Signature", "SigningCertURL", "UnsubscribeURL", "MessageAttributes"]
    assert doc["SignatureVersion"] == version
    assert doc["MessageAttributes"] == {"s": {"Type": "String", "Value": "v"}, "n": {"Type": "Number", "Value": "1.5"},
                                        "b": {"Type": "Binary", "Value": "AAE="},
                                        "arr": {"Type": "String.Array", "Value": '["x", 2]'}}
    assert '\n    "s" : {"Type":"String","Value":"v"}' in body
    assert time.strptime(doc["Timestamp"], "%Y-%m-%dT%H:%M:%S.%fZ")
    assert "/SimpleNotificationService-" in doc["SigningCertURL"] and doc["SigningCertURL"].endswith(".pem")
    verify(doc)
    tampered = dict(doc, Message="something else")
    with pytest.raises(Exception):
        verify(tampered)
    # The UnsubscribeURL of a subscription its owner made needs a signed call.
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(doc["UnsubscribeURL"], timeout=10)
    assert e.value.code == 403 and b"AuthorizationError" in e.value.read()
    assert sns.get_subscription_attributes(SubscriptionArn=sub)


def test_signing_cert_base_is_configurable(fresh_nuage, boto):
    n = fresh_nuage(extra_args=["--sns-cert-base", "https://sns.us-east-1.amazonaws.com"]).start()
    sns, sqs = boto("sns", n.endpoint), boto("sqs", n.endpoint)
    topic = sns.create_topic(Name="cert")["TopicArn"]
    url, arn = queue(sqs, "certq")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    sns.publish(TopicArn=topic, Message="m")
    doc = json.loads(drain(sqs, url, 1)[0]["Body"])
    assert doc["SigningCertURL"].startswith("https://sns.us-east-1.amazonaws.com/SimpleNotificationService-")
    # nuage serves that path whatever host the request names.
    path = doc["SigningCertURL"].split("amazonaws.com", 1)[1]
    pem = urllib.request.urlopen(n.endpoint + path, timeout=10).read()
    cert = x509.load_pem_x509_certificate(pem)
    cert.public_key().verify(base64.b64decode(doc["Signature"]), signed_text(doc), padding.PKCS1v15(), hashes.SHA1())


# ---- HTTP/S subscribers ----

def test_http_subscriber_confirms_receives_and_gets_retries(sns, subscriber):
    topic = sns.create_topic(Name=uniq("http"))["TopicArn"]
    sub = subscriber(statuses=[500, 503])
    arn = sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=sub.url,
                        Attributes={"DeliveryPolicy": fast_policy(3)})["SubscriptionArn"]
    assert arn == "pending confirmation"
    assert wait_until(lambda: sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"][0]["SubscriptionArn"]
                      != "PendingConfirmation")
    (h, body), = sub.of_type("SubscriptionConfirmation")
    conf = json.loads(body)
    assert h["User-Agent"] == "Amazon Simple Notification Service Agent"
    assert h["x-amz-sns-topic-arn"] == topic and "x-amz-sns-subscription-arn" not in h
    assert conf["SubscribeURL"].startswith("http://127.0.0.1") and conf["Token"]
    verify(conf)
    mid = sns.publish(TopicArn=topic, Message="to the endpoint")["MessageId"]
    assert wait_until(lambda: len(sub.of_type("Notification")) == 3), sub.posts
    notes = sub.of_type("Notification")
    assert all(json.loads(b)["MessageId"] == mid for _, b in notes)  # retries keep the id
    h = notes[-1][0]
    assert h["x-amz-sns-message-id"] == mid and h["Content-Type"] == "text/plain; charset=UTF-8"
    assert h["x-amz-sns-subscription-arn"].startswith(topic + ":")
    time.sleep(1.5)
    assert len(sub.of_type("Notification")) == 3  # delivered: no more attempts


def test_http_raw_delivery_and_content_type(sns, subscriber):
    topic = sns.create_topic(Name=uniq("raw"))["TopicArn"]
    sub = subscriber()
    arn = subscribe_http(sns, topic, sub, RawMessageDelivery="true", DeliveryPolicy=json.dumps(
        {"healthyRetryPolicy": {"numRetries": 1, "minDelayTarget": 1, "maxDelayTarget": 1},
         "requestPolicy": {"headerContentType": "application/json"}}))
    sns.publish(TopicArn=topic, Message='{"raw": true}')
    assert wait_until(lambda: sub.of_type("Notification"))
    h, body = sub.of_type("Notification")[0]
    assert body == b'{"raw": true}' and h["x-amz-sns-rawdelivery"] == "true"
    assert h["Content-Type"] == "application/json"
    eff = json.loads(sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]["EffectiveDeliveryPolicy"])
    assert eff["healthyRetryPolicy"]["numRetries"] == 1


@pytest.mark.parametrize("statuses,attempts", [([500] * 10, 3), ([404] * 10, 1)])
def test_http_failures_go_to_the_dead_letter_queue(sns, sqs, subscriber, statuses, attempts):
    topic = sns.create_topic(Name=uniq("dlq"))["TopicArn"]
    dlq, dlq_arn = queue(sqs, uniq("sub-dlq"))
    sub = subscriber(statuses=statuses)
    subscribe_http(sns, topic, sub, DeliveryPolicy=fast_policy(2),
                   RedrivePolicy=json.dumps({"deadLetterTargetArn": dlq_arn}))
    mid = sns.publish(TopicArn=topic, Message="never delivered")["MessageId"]
    (m,) = drain(sqs, dlq, 1, wait=5, MessageAttributeNames=["All"])
    assert json.loads(m["Body"])["MessageId"] == mid
    assert m["MessageAttributes"]["ErrorCode"]["StringValue"] == "EndpointUnavailable"
    assert str(statuses[0]) in m["MessageAttributes"]["ErrorMessage"]["StringValue"]
    assert len(sub.of_type("Notification")) == attempts  # 404 is final: no retries


def test_unsubscribe_url_works_unsigned(sns, subscriber):
    topic = sns.create_topic(Name=uniq("unsub"))["TopicArn"]
    sub = subscriber()
    arn = subscribe_http(sns, topic, sub)
    sns.publish(TopicArn=topic, Message="first")
    assert wait_until(lambda: sub.of_type("Notification"))
    doc = json.loads(sub.of_type("Notification")[0][1])
    verify(doc)
    urllib.request.urlopen(doc["UnsubscribeURL"], timeout=10).read()
    assert code_of(sns.get_subscription_attributes, SubscriptionArn=arn)[0] == "NotFound"


# ---- filter policies, raw delivery, message structure ----

def test_filter_policies_both_scopes(sns, sqs):
    topic = sns.create_topic(Name=uniq("filter"))["TopicArn"]
    qa, arn_a = queue(sqs, uniq("fa"))
    qb, arn_b = queue(sqs, uniq("fb"))
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn_a, Attributes={
        "FilterPolicy": json.dumps({"price": [{"numeric": [">", 100]}], "store": [{"prefix": "eu-"}]}),
        "RawMessageDelivery": "true"})
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn_b, Attributes={
        "FilterPolicyScope": "MessageBody", "RawMessageDelivery": "true",
        "FilterPolicy": json.dumps({"order": {"status": ["paid"]}})})
    pub = lambda m, **a: sns.publish(TopicArn=topic, Message=m, MessageAttributes={
        k: {"DataType": "Number" if k == "price" else "String", "StringValue": str(v)} for k, v in a.items()})
    pub("a1", price=150, store="eu-west")
    pub("a-cheap", price=50, store="eu-west")
    pub("a-us", price=500, store="us-east")
    pub(json.dumps({"order": {"status": "paid"}}))
    pub(json.dumps({"order": {"status": "open"}}))
    pub("not json")
    assert [m["Body"] for m in drain(sqs, qa, 1)] == ["a1"]
    assert [json.loads(m["Body"]) for m in drain(sqs, qb, 1)] == [{"order": {"status": "paid"}}]
    time.sleep(0.5)
    assert not drain(sqs, qa, 1, wait=1, tries=1) and not drain(sqs, qb, 1, wait=1, tries=1)


def test_filter_policy_errors(sns, sqs):
    topic = sns.create_topic(Name=uniq("fperr"))["TopicArn"]
    _, arn = queue(sqs, uniq("fperrq"))
    code, msg = code_of(sns.subscribe, TopicArn=topic, Protocol="sqs", Endpoint=arn,
                        Attributes={"FilterPolicy": '{"a": [{"numeric": [">", "x"]}]}'})
    assert code == "InvalidParameter" and msg.startswith("Invalid parameter: Attributes Reason: FilterPolicy:"), msg
    sub = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)["SubscriptionArn"]
    code, msg = code_of(sns.set_subscription_attributes, SubscriptionArn=sub, AttributeName="FilterPolicy",
                        AttributeValue="{not json")
    assert code == "InvalidParameter" and msg.startswith("Invalid parameter: FilterPolicy: failed to parse JSON."), msg
    code, msg = code_of(sns.set_subscription_attributes, SubscriptionArn=sub, AttributeName="FilterPolicyScope",
                        AttributeValue="Everything")
    assert code == "InvalidParameter"
    code, _ = code_of(sns.set_subscription_attributes, SubscriptionArn=sub, AttributeName="Bogus", AttributeValue="1")
    assert code == "InvalidParameter"


def test_raw_delivery_carries_attributes_and_structure(sns, sqs):
    topic = sns.create_topic(Name=uniq("rawattr"))["TopicArn"]
    url, arn = queue(sqs, uniq("rawq"))
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
    attrs = {"b": {"DataType": "Binary", "BinaryValue": b"\xff\x00"}, "l": {"DataType": "String.Array",
                                                                         "StringValue": '["a","b"]'}}
    sns.publish(TopicArn=topic, Message="raw", MessageAttributes=attrs)
    sns.publish(TopicArn=topic, MessageStructure="json",
                Message=json.dumps({"default": "for everyone", "sqs": "for queues", "http": "for web"}))
    got = drain(sqs, url, 2, MessageAttributeNames=["All"])
    by_body = {m["Body"]: m for m in got}
    assert set(by_body) == {"raw", "for queues"}
    assert by_body["raw"]["MessageAttributes"] == attrs


def test_lambda_subscription_to_a_missing_function_dead_letters(sns, sqs):
    topic = sns.create_topic(Name=uniq("lam"))["TopicArn"]
    dlq, dlq_arn = queue(sqs, uniq("lamdlq"))
    sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint="arn:aws:lambda:us-east-1:000000000000:function:f",
                  Attributes={"RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn})})
    mid = sns.publish(TopicArn=topic, Message="for a function")["MessageId"]
    (m,) = drain(sqs, dlq, 1, MessageAttributeNames=["All"])
    assert json.loads(m["Body"])["MessageId"] == mid
    assert m["MessageAttributes"]["ErrorCode"]["StringValue"] == "ResourceNotFoundException"


# ---- FIFO ----

def test_fifo_topic_to_fifo_queue(sns, sqs):
    topic = sns.create_topic(Name=uniq("ft") + ".fifo", Attributes={"FifoTopic": "true"})["TopicArn"]
    url, arn = queue(sqs, uniq("fq") + ".fifo", FifoQueue="true")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
    seqs = []
    for i in range(3):
        r = sns.publish(TopicArn=topic, Message="m%d" % i, MessageGroupId="g", MessageDeduplicationId="d%d" % i)
        seqs.append(int(r["SequenceNumber"]))
    assert seqs == sorted(seqs)
    again = sns.publish(TopicArn=topic, Message="m0 again", MessageGroupId="g", MessageDeduplicationId="d0")
    got = drain(sqs, url, 3, AttributeNames=["All"])
    assert [m["Body"] for m in got] == ["m0", "m1", "m2"]
    assert got[0]["Attributes"]["MessageGroupId"] == "g"
    assert again["SequenceNumber"] == str(seqs[0])
    assert code_of(sns.publish, TopicArn=topic, Message="x", MessageDeduplicationId="d")[0] == "InvalidParameter"
    assert code_of(sns.publish, TopicArn=topic, Message="x", MessageGroupId="g")[0] == "InvalidParameter"
    assert code_of(sns.subscribe, TopicArn=topic, Protocol="http", Endpoint="http://127.0.0.1:1/")[0] == \
        "InvalidParameter"
    std = sns.create_topic(Name=uniq("std"))["TopicArn"]
    assert code_of(sns.subscribe, TopicArn=std, Protocol="sqs", Endpoint=arn)[0] == "InvalidParameter"


def test_fifo_content_based_deduplication_and_envelope(sns, sqs):
    topic = sns.create_topic(Name=uniq("fc") + ".fifo", Attributes={
        "FifoTopic": "true", "ContentBasedDeduplication": "true"})["TopicArn"]
    url, arn = queue(sqs, uniq("fcq") + ".fifo", FifoQueue="true")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    a = sns.publish(TopicArn=topic, Message="same", MessageGroupId="g")
    b = sns.publish(TopicArn=topic, Message="same", MessageGroupId="g")
    assert a["MessageId"] == b["MessageId"]
    (m,) = drain(sqs, url, 1)
    doc = json.loads(m["Body"])
    assert "Signature" not in doc and doc["SequenceNumber"] == a["SequenceNumber"]
    assert list(doc)[:3] == ["Type", "MessageId", "SequenceNumber"]


# ---- checks ----

@pytest.mark.parametrize("kw,code", [
    ({"Message": ""}, "InvalidParameter"),
    ({"Message": "x" * 262145}, "InvalidParameter"),
    ({"Message": "x", "Subject": "line\nbreak"}, "InvalidParameter"),
    ({"Message": "x", "Subject": "s" * 101}, "InvalidParameter"),
    ({"Message": "not json", "MessageStructure": "json"}, "InvalidParameter"),
    ({"Message": '{"sqs": "no default"}', "MessageStructure": "json"}, "InvalidParameter"),
    ({"Message": "x", "MessageAttributes": {"k": {"DataType": "Text", "StringValue": "v"}}}, "ParameterValueInvalid"),
    ({"Message": "x", "MessageAttributes": {"k": {"DataType": "Number", "StringValue": "NaN"}}}, "ParameterValueInvalid"),
    ({"Message": "x", "MessageAttributes": {"k": {"DataType": "String.Array", "StringValue": "[1"}}},
     "ParameterValueInvalid"),
    ({"Message": "x", "MessageAttributes": {"AWS.k": {"DataType": "String", "StringValue": "v"}}},
     "ParameterValueInvalid"),
    ({"Message": "x", "MessageDeduplicationId": "d"}, "InvalidParameter"),
    ({"Message": "x", "PhoneNumber": "+15555550100"}, "InvalidParameter"),
])
def test_publish_checks(sns, kw, code):
    topic = sns.create_topic(Name=uniq("chk"))["TopicArn"]
    assert code_of(sns.publish, TopicArn=topic, **kw)[0] == code


def test_publish_batch_checks(sns):
    topic = sns.create_topic(Name=uniq("bchk"))["TopicArn"]
    e = lambda n: [{"Id": "i%d" % i, "Message": "m"} for i in range(n)]
    assert code_of(sns.publish_batch, TopicArn=topic, PublishBatchRequestEntries=[])[0] == "EmptyBatchRequest"
    assert code_of(sns.publish_batch, TopicArn=topic, PublishBatchRequestEntries=e(11))[0] == \
        "TooManyEntriesInBatchRequest"
    assert code_of(sns.publish_batch, TopicArn=topic, PublishBatchRequestEntries=e(1) + e(1))[0] == \
        "BatchEntryIdsNotDistinct"
    assert code_of(sns.publish_batch, TopicArn=topic, PublishBatchRequestEntries=[{"Id": "no spaces", "Message": "m"}])[0] \
        == "InvalidBatchEntryId"
    big = [{"Id": "b%d" % i, "Message": "x" * 100000} for i in range(3)]
    assert code_of(sns.publish_batch, TopicArn=topic, PublishBatchRequestEntries=big)[0] == "BatchRequestTooLong"
    r = sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=e(10))
    assert len(r["Successful"]) == 10 and not r["Failed"]


def test_topic_names_and_attributes(sns):
    for bad in ["", "x" * 257, "sp ace", "dot.name", "noflag.fifo"]:
        assert code_of(sns.create_topic, Name=bad)[0] in ("InvalidParameter", "MissingParameter", "ValidationError")
    assert code_of(sns.create_topic, Name=uniq("f"), Attributes={"FifoTopic": "true"})[0] == "InvalidParameter"
    name = uniq("attrs")
    topic = sns.create_topic(Name=name, Attributes={"DisplayName": "one"})["TopicArn"]
    assert code_of(sns.create_topic, Name=name, Attributes={"DisplayName": "two"})[0] == "InvalidParameter"
    for attr, value in [("Bogus", "1"), ("SignatureVersion", "3"), ("TracingConfig", "On"),
                        ("DeliveryPolicy", '{"http": {"defaultHealthyRetryPolicy": {"numRetries": 101}}}'),
                        ("DeliveryPolicy", '{"http": {"defaultHealthyRetryPolicy": {"minDelayTarget": 30, '
                                           '"maxDelayTarget": 10}}}'),
                        ("Policy", "{oops"), ("ContentBasedDeduplication", "true")]:
        assert code_of(sns.set_topic_attributes, TopicArn=topic, AttributeName=attr, AttributeValue=value)[0] == \
            "InvalidParameter", attr
    sns.set_topic_attributes(TopicArn=topic, AttributeName="DeliveryPolicy", AttributeValue=json.dumps(
        {"http": {"defaultHealthyRetryPolicy": {"numRetries": 7, "minDelayTarget": 2, "maxDelayTarget": 9}}}))
    eff = json.loads(sns.get_topic_attributes(TopicArn=topic)["Attributes"]["EffectiveDeliveryPolicy"])
    assert eff["http"]["defaultHealthyRetryPolicy"]["numRetries"] == 7
    sns.delete_topic(TopicArn=topic)
    sns.delete_topic(TopicArn=topic)  # deleting twice is fine, as on AWS


def test_subscription_checks(sns, sqs):
    topic = sns.create_topic(Name=uniq("subchk"))["TopicArn"]
    for proto, ep in [("carrier-pigeon", "x"), ("sqs", "not-an-arn"), ("http", "https://example.com/"),
                      ("https", "http://example.com/"), ("sms", "+15555550100"), ("sqs", "")]:
        assert code_of(sns.subscribe, TopicArn=topic, Protocol=proto, Endpoint=ep)[0] == "InvalidParameter", proto
    _, arn = queue(sqs, uniq("subchkq"))
    s1 = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)["SubscriptionArn"]
    assert sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)["SubscriptionArn"] == s1
    assert code_of(sns.subscribe, TopicArn=topic, Protocol="sqs", Endpoint=arn,
                   Attributes={"RawMessageDelivery": "true"})[0] == "InvalidParameter"
    assert code_of(sns.set_subscription_attributes, SubscriptionArn=s1, AttributeName="DeliveryPolicy",
                   AttributeValue=fast_policy())[0] == "InvalidParameter"
    assert code_of(sns.subscribe, TopicArn=topic + "-missing", Protocol="sqs", Endpoint=arn)[0] == "NotFound"
    sns.delete_topic(TopicArn=topic)
    assert code_of(sns.get_subscription_attributes, SubscriptionArn=s1)[0] == "NotFound"


def test_list_topics_pages(sns):
    made = [sns.create_topic(Name=uniq("page"))["TopicArn"] for _ in range(3)]
    seen, token = [], None
    while True:
        r = sns.list_topics(NextToken=token) if token else sns.list_topics()
        seen += [t["TopicArn"] for t in r["Topics"]]
        token = r.get("NextToken")
        if not token:
            break
    assert set(made) <= set(seen) and len(seen) == len(set(seen))


# ---- durability ----

def test_acknowledged_publishes_survive_kill_9(fresh_nuage, boto):
    n = fresh_nuage().start()
    sns, sqs = boto("sns", n.endpoint), boto("sqs", n.endpoint)
    topic = sns.create_topic(Name="durable")["TopicArn"]
    url, arn = queue(sqs, "durable-q")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
    sent = ["m%d" % i for i in range(30)]
    for i in range(0, 30, 10):
        sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=[{"Id": "e%d" % k, "Message": m}
                                                                     for k, m in enumerate(sent[i:i + 10])])
    n.proc.send_signal(signal.SIGKILL)  # before, during or after the fan-out
    n.proc.wait()
    n.log.close()
    n2 = fresh_nuage(data=n.data).start()
    sqs2 = boto("sqs", n2.endpoint)
    url2 = sqs2.get_queue_url(QueueName="durable-q")["QueueUrl"]
    got = [m["Body"] for m in drain(sqs2, url2, 30)]
    time.sleep(0.5)
    got += [m["Body"] for m in drain(sqs2, url2, 1, wait=1, tries=1)]
    assert sorted(got) == sorted(sent)  # each exactly once
