"""S3 event notifications (issue 4): the configuration calls and S3's checks,
the s3:TestEvent on save, records exactly as AWS writes them for every
object change nuage makes, S3 -> SQS and S3 -> SNS -> SQS through every
client, and the event committed with the object across kill -9."""
import json
import os
import signal
import tempfile
import threading
import time
import urllib.parse
import uuid

import botocore.exceptions
import pytest

from conftest import jout


def uniq(tag):
    return "%s-%s" % (tag, uuid.uuid4().hex[:10])


@pytest.fixture
def cl(nuage, boto):
    class C:
        s3 = boto("s3", nuage.endpoint)
        sqs = boto("sqs", nuage.endpoint)
        sns = boto("sns", nuage.endpoint)
    return C


def queue(sqs, name, **attrs):
    url = sqs.create_queue(QueueName=name, Attributes=attrs)["QueueUrl"]
    return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def drain(sqs, url, want, tries=10):
    """Receives (and deletes) until `want` messages arrived or the queue stays empty."""
    got = []
    for _ in range(tries):
        r = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        for m in r.get("Messages", []):
            got.append(json.loads(m["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        if len(got) >= want and not r.get("Messages"):
            break
    return got


def error_of(fn, **kw):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        fn(**kw)
    return e.value.response["Error"], e.value.response["ResponseMetadata"]["HTTPStatusCode"]


def bucket_with_queue(cl, events=("s3:ObjectCreated:*", "s3:ObjectRemoved:*"), rules=None, cid="cfg"):
    b, qn = uniq("nb"), uniq("nq")
    cl.s3.create_bucket(Bucket=b)
    url, arn = queue(cl.sqs, qn)
    cfg = {"Id": cid, "QueueArn": arn, "Events": list(events)}
    if rules:
        cfg["Filter"] = {"Key": {"FilterRules": rules}}
    cl.s3.put_bucket_notification_configuration(Bucket=b, NotificationConfiguration={"QueueConfigurations": [cfg]})
    test = drain(cl.sqs, url, 1)
    assert [t["Event"] for t in test] == ["s3:TestEvent"]
    return b, url, arn


def test_configuration_round_trip_and_test_event(cl):
    b = uniq("nb")
    cl.s3.create_bucket(Bucket=b)
    assert "QueueConfigurations" not in cl.s3.get_bucket_notification_configuration(Bucket=b)
    url, arn = queue(cl.sqs, uniq("nq"))
    topic = cl.sns.create_topic(Name=uniq("nt"))["TopicArn"]
    cl.s3.put_bucket_notification_configuration(Bucket=b, NotificationConfiguration={
        "QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectCreated:*"],
                                 "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "raw/"},
                                                                    {"Name": "suffix", "Value": ".csv"}]}}}],
        "TopicConfigurations": [{"Id": "to-topic", "TopicArn": topic, "Events": ["s3:ObjectRemoved:Delete"]}],
        "EventBridgeConfiguration": {}})
    got = cl.s3.get_bucket_notification_configuration(Bucket=b)
    q = got["QueueConfigurations"][0]
    assert q["Id"]  # S3 names unnamed configurations
    assert q["QueueArn"] == arn and q["Events"] == ["s3:ObjectCreated:*"]
    assert q["Filter"]["Key"]["FilterRules"] == [{"Name": "Prefix", "Value": "raw/"}, {"Name": "Suffix", "Value": ".csv"}]
    assert got["TopicConfigurations"] == [{"Id": "to-topic", "TopicArn": topic, "Events": ["s3:ObjectRemoved:Delete"]}]
    assert got["EventBridgeConfiguration"] == {}
    test = drain(cl.sqs, url, 1)
    assert len(test) == 1
    assert test[0]["Service"] == "Amazon S3" and test[0]["Event"] == "s3:TestEvent" and test[0]["Bucket"] == b
    assert test[0]["Time"].endswith("Z") and test[0]["RequestId"] and test[0]["HostId"]
    # An empty configuration turns notifications off.
    cl.s3.put_bucket_notification_configuration(Bucket=b, NotificationConfiguration={})
    got = cl.s3.get_bucket_notification_configuration(Bucket=b)
    assert not any(k in got for k in ("QueueConfigurations", "TopicConfigurations", "EventBridgeConfiguration"))
    cl.s3.put_object(Bucket=b, Key="raw/x.csv", Body=b"1")
    assert drain(cl.sqs, url, 0, tries=1) == []
    err, status = error_of(cl.s3.get_bucket_notification_configuration, Bucket=uniq("missing"))
    assert (err["Code"], status) == ("NoSuchBucket", 404)


def test_checks_with_s3s_errors(cl):
    b = uniq("nb")
    cl.s3.create_bucket(Bucket=b)
    url, arn = queue(cl.sqs, uniq("nq"))
    fifo_url, fifo_arn = queue(cl.sqs, uniq("nq") + ".fifo", FifoQueue="true")
    good = {"QueueConfigurations": [{"Id": "keep", "QueueArn": arn, "Events": ["s3:ObjectCreated:Put"]}]}
    cl.s3.put_bucket_notification_configuration(Bucket=b, NotificationConfiguration=good)
    put = lambda **conf: error_of(cl.s3.put_bucket_notification_configuration, Bucket=b,
                                  NotificationConfiguration=conf)

    err, status = put(QueueConfigurations=[{"QueueArn": arn, "Events": ["s3:ObjectCreated:Foo"]}])
    assert (status, err["Code"], err["Message"]) == (400, "InvalidArgument", "The event is not supported for notifications")
    assert err["ArgumentValue"] == "s3:ObjectCreated:Foo"

    err, _ = put(QueueConfigurations=[{"QueueArn": arn, "Events": ["s3:ObjectCreated:*"],
                                       "Filter": {"Key": {"FilterRules": [{"Name": "middle", "Value": "x"}]}}}])
    assert err["Code"] == "InvalidArgument" and "prefix or suffix" in err["Message"]
    err, _ = put(QueueConfigurations=[{"QueueArn": arn, "Events": ["s3:ObjectCreated:*"],
                                       "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "a"},
                                                                          {"Name": "Prefix", "Value": "b"}]}}}])
    assert err["Message"] == "Cannot specify more than one prefix rule in a filter."

    # Overlap: a shared event type with overlapping prefixes and suffixes,
    # whatever the destinations.
    topic = cl.sns.create_topic(Name=uniq("nt"))["TopicArn"]
    err, _ = put(QueueConfigurations=[{"QueueArn": arn, "Events": ["s3:ObjectCreated:*"],
                                       "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "logs/"}]}}}],
                 TopicConfigurations=[{"TopicArn": topic, "Events": ["s3:ObjectCreated:Put"],
                                       "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "logs/2024"}]}}}])
    assert err["Message"] == ("Configurations overlap. Configurations on the same bucket cannot share a common "
                              "event type.")
    # ...but disjoint prefixes, disjoint suffixes or disjoint events are fine.
    ok = {"QueueConfigurations": [
        {"Id": "a", "QueueArn": arn, "Events": ["s3:ObjectCreated:*"],
         "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "a/"}]}}},
        {"Id": "b", "QueueArn": arn, "Events": ["s3:ObjectCreated:*"],
         "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "b/"}]}}},
        {"Id": "c", "QueueArn": arn, "Events": ["s3:ObjectCreated:*"],
         "Filter": {"Key": {"FilterRules": [{"Name": "suffix", "Value": ".csv"}, {"Name": "prefix", "Value": "c/"}]}}},
        {"Id": "d", "QueueArn": arn, "Events": ["s3:ObjectCreated:*"],
         "Filter": {"Key": {"FilterRules": [{"Name": "suffix", "Value": ".json"}, {"Name": "prefix", "Value": "c/"}]}}},
        {"Id": "e", "QueueArn": arn, "Events": ["s3:ObjectRemoved:*"]}]}
    cl.s3.put_bucket_notification_configuration(Bucket=b, NotificationConfiguration=ok)
    err, _ = put(QueueConfigurations=[{"Id": "x", "QueueArn": arn, "Events": ["s3:ObjectCreated:Put"]},
                                      {"Id": "x", "QueueArn": arn, "Events": ["s3:ObjectRemoved:*"]}])
    assert err["Code"] == "InvalidArgument" and "Same ID" in err["Message"]

    # Destinations: missing, FIFO, another region, malformed; all named.
    missing = arn + "-gone"
    other_region = arn.replace("us-east-1", "eu-west-1")
    err, status = put(QueueConfigurations=[
        {"QueueArn": missing, "Events": ["s3:ObjectCreated:Put"]},
        {"QueueArn": fifo_arn, "Events": ["s3:ObjectRemoved:*"]},
        {"QueueArn": other_region, "Events": ["s3:ObjectCreated:Copy"]}],
        TopicConfigurations=[{"TopicArn": "not-an-arn", "Events": ["s3:ObjectCreated:Post"]}])
    assert (status, err["Code"], err["Message"]) == (400, "InvalidArgument",
                                                     "Unable to validate the following destination configurations")
    named = {err["ArgumentName%d" % i]: err["ArgumentValue%d" % i] for i in range(1, 5)}
    assert named[missing] == "The destination queue does not exist"
    assert "FIFO" in named[fifo_arn]
    assert "region" in named[other_region]
    assert "not well formed" in named["not-an-arn"]
    err, _ = put(TopicConfigurations=[{"TopicArn": topic + "-gone", "Events": ["s3:ObjectCreated:Post"]}])
    assert err["ArgumentValue1"] == "The destination topic does not exist"

    # Nothing failed was stored, and no test event went anywhere.
    assert [c["Id"] for c in cl.s3.get_bucket_notification_configuration(Bucket=b)["QueueConfigurations"]] == \
        ["a", "b", "c", "d", "e"]
    assert drain(cl.sqs, fifo_url, 0, tries=1) == []

    # x-amz-skip-destination-validation stores without asking the destination.
    cl.s3.put_bucket_notification_configuration(Bucket=b, SkipDestinationValidation=True, NotificationConfiguration={
        "QueueConfigurations": [{"Id": "later", "QueueArn": missing, "Events": ["s3:ObjectCreated:*"]}]})
    cl.s3.put_object(Bucket=b, Key="k", Body=b"x")  # the event is lost (logged); the PUT succeeds
    assert cl.s3.get_object(Bucket=b, Key="k")["Body"].read() == b"x"


def test_records_for_every_object_change(cl):
    b, url, arn = bucket_with_queue(cl)
    key = "year=2024/month=01/Q1 report+final~(ü).csv"
    put = cl.s3.put_object(Bucket=b, Key=key, Body=b"hello")
    cl.s3.copy_object(Bucket=b, Key="copy/" + key, CopySource={"Bucket": b, "Key": key})
    mp = cl.s3.create_multipart_upload(Bucket=b, Key="big.bin")
    part = cl.s3.upload_part(Bucket=b, Key="big.bin", UploadId=mp["UploadId"], PartNumber=1, Body=b"p" * 100)
    done = cl.s3.complete_multipart_upload(Bucket=b, Key="big.bin", UploadId=mp["UploadId"],
                                           MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
    cl.s3.delete_object(Bucket=b, Key=key)
    cl.s3.delete_object(Bucket=b, Key="never-existed")
    cl.s3.delete_objects(Bucket=b, Delete={"Objects": [{"Key": "big.bin"}, {"Key": "copy/" + key}]})
    msgs = drain(cl.sqs, url, 6)
    recs = [m["Records"][0] for m in msgs]
    assert all(len(m["Records"]) == 1 for m in msgs)
    names = [(r["eventName"], urllib.parse.unquote_plus(r["s3"]["object"]["key"])) for r in recs]
    assert names == [("ObjectCreated:Put", key), ("ObjectCreated:Copy", "copy/" + key),
                     ("ObjectCreated:CompleteMultipartUpload", "big.bin"), ("ObjectRemoved:Delete", key),
                     ("ObjectRemoved:Delete", "big.bin"), ("ObjectRemoved:Delete", "copy/" + key)]
    r = recs[0]
    assert list(r) == ["eventVersion", "eventSource", "awsRegion", "eventTime", "eventName", "userIdentity",
                       "requestParameters", "responseElements", "s3"]
    assert (r["eventVersion"], r["eventSource"], r["awsRegion"]) == ("2.1", "aws:s3", "us-east-1")
    assert r["eventTime"].endswith("Z") and r["userIdentity"]["principalId"].startswith("AWS:")
    assert r["requestParameters"]["sourceIPAddress"] == "127.0.0.1"
    assert r["responseElements"]["x-amz-request-id"] == put["ResponseMetadata"]["RequestId"]
    s3 = r["s3"]
    assert (s3["s3SchemaVersion"], s3["configurationId"]) == ("1.0", "cfg")
    assert s3["bucket"]["name"] == b and s3["bucket"]["arn"] == "arn:aws:s3:::" + b
    assert s3["bucket"]["ownerIdentity"]["principalId"]
    # Keys are form-encoded: '/' kept, space as '+', '=' '+' '~' '(' and UTF-8 escaped.
    assert s3["object"]["key"] == "year%3D2024/month%3D01/Q1+report%2Bfinal%7E%28%C3%BC%29.csv"
    assert s3["object"]["size"] == 5 and s3["object"]["eTag"] == put["ETag"].strip('"')
    assert "versionId" not in s3["object"]  # unversioned bucket
    assert recs[2]["s3"]["object"]["eTag"] == done["ETag"].strip('"') and recs[2]["s3"]["object"]["size"] == 100
    assert set(recs[3]["s3"]["object"]) == {"key", "sequencer"}
    seqs = [int(x["s3"]["object"]["sequencer"], 16) for x in recs]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)


def test_filters_route_each_event(cl):
    b = uniq("nb")
    cl.s3.create_bucket(Bucket=b)
    csv_url, csv_arn = queue(cl.sqs, uniq("nq"))
    del_url, del_arn = queue(cl.sqs, uniq("nq"))
    cl.s3.put_bucket_notification_configuration(Bucket=b, NotificationConfiguration={"QueueConfigurations": [
        {"Id": "csv", "QueueArn": csv_arn, "Events": ["s3:ObjectCreated:Put"],
         "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "in/"}, {"Name": "suffix", "Value": ".csv"}]}}},
        {"Id": "del", "QueueArn": del_arn, "Events": ["s3:ObjectRemoved:Delete"]}]})
    drain(cl.sqs, csv_url, 1)
    drain(cl.sqs, del_url, 1)
    for k in ("in/a.csv", "in/b.json", "out/c.csv", "in/sub/d.csv", "in.csv"):
        cl.s3.put_object(Bucket=b, Key=k, Body=b"x")
    cl.s3.copy_object(Bucket=b, Key="in/e.csv", CopySource={"Bucket": b, "Key": "in/a.csv"})  # Copy: not routed
    cl.s3.delete_object(Bucket=b, Key="out/c.csv")
    got = [m["Records"][0]["s3"]["object"]["key"] for m in drain(cl.sqs, csv_url, 2)]
    assert got == ["in/a.csv", "in/sub/d.csv"]
    dels = drain(cl.sqs, del_url, 1)
    assert [(m["Records"][0]["eventName"], m["Records"][0]["s3"]["configurationId"]) for m in dels] == \
        [("ObjectRemoved:Delete", "del")]


def test_s3_to_sns_to_sqs(cl):
    b = uniq("nb")
    cl.s3.create_bucket(Bucket=b)
    topic = cl.sns.create_topic(Name=uniq("nt"))["TopicArn"]
    url, arn = queue(cl.sqs, uniq("nq"))
    raw_url, raw_arn = queue(cl.sqs, uniq("nq"))
    cl.sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    cl.sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=raw_arn, Attributes={"RawMessageDelivery": "true"})
    cl.s3.put_bucket_notification_configuration(Bucket=b, NotificationConfiguration={"TopicConfigurations": [
        {"Id": "monthly", "TopicArn": topic, "Events": ["s3:ObjectCreated:*"]}]})
    cl.s3.put_object(Bucket=b, Key="extract/2024-01.csv", Body=b"a,b\n1,2\n")
    env = drain(cl.sqs, url, 2)
    assert [e["Type"] for e in env] == ["Notification", "Notification"]
    assert all(e["Subject"] == "Amazon S3 Notification" and e["TopicArn"] == topic for e in env)
    assert json.loads(env[0]["Message"])["Event"] == "s3:TestEvent"
    rec = json.loads(env[1]["Message"])["Records"][0]
    assert rec["eventName"] == "ObjectCreated:Put" and rec["s3"]["configurationId"] == "monthly"
    assert rec["s3"]["object"]["key"] == "extract/2024-01.csv" and rec["s3"]["object"]["size"] == 8
    raw = drain(cl.sqs, raw_url, 2)
    assert raw[1]["Records"][0]["s3"]["object"]["key"] == "extract/2024-01.csv"


def test_aws_cli_v2(nuage, aws2, cl):
    b = uniq("nb")
    url, arn = queue(cl.sqs, uniq("nq"))
    aws2(nuage.endpoint, "s3", "mb", "s3://" + b)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump({"QueueConfigurations": [{"Id": "cli", "QueueArn": arn, "Events": ["s3:ObjectCreated:*"]}]}, f)
    try:
        aws2(nuage.endpoint, "s3api", "put-bucket-notification-configuration", "--bucket", b,
             "--notification-configuration", "file://" + f.name)
        got = jout(aws2(nuage.endpoint, "s3api", "get-bucket-notification-configuration", "--bucket", b))
        assert got["QueueConfigurations"][0]["Id"] == "cli"
        aws2(nuage.endpoint, "s3", "cp", f.name, "s3://%s/conf/c.json" % b)
    finally:
        os.unlink(f.name)
    msgs = drain(cl.sqs, url, 2)
    assert msgs[0]["Event"] == "s3:TestEvent"
    assert msgs[1]["Records"][0]["s3"]["object"]["key"] == "conf/c.json"


def test_aws_cli_v1(nuage, aws1, cl):
    b = uniq("nb")
    url, arn = queue(cl.sqs, uniq("nq"))
    aws1(nuage.endpoint, "s3api", "create-bucket", "--bucket", b)
    aws1(nuage.endpoint, "s3api", "put-bucket-notification-configuration", "--bucket", b,
         "--notification-configuration",
         json.dumps({"QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectRemoved:*"]}]}))
    cl.s3.put_object(Bucket=b, Key="gone", Body=b"1")
    aws1(nuage.endpoint, "s3", "rm", "s3://%s/gone" % b)
    msgs = drain(cl.sqs, url, 2)
    assert [m.get("Event") or m["Records"][0]["eventName"] for m in msgs] == ["s3:TestEvent", "ObjectRemoved:Delete"]


def test_js_sdk_v3(nuage, node):
    out = jout(node(nuage.endpoint, "s3_notify.mjs", uniq("js")))
    assert out["test"] == "s3:TestEvent"
    assert out["event"] == "ObjectCreated:Put" and out["key"] == "a+b.csv"


def test_newer_boto3_json_sqs(nuage, newpy):
    out = jout(newpy(nuage.endpoint, "s3_notify.py", uniq("np")))
    assert out == {"topic": ["s3:TestEvent", "ObjectCreated:CompleteMultipartUpload"],
                   "queue": ["s3:TestEvent", "ObjectCreated:Put"]}


def test_event_commits_with_the_object_across_kill_9(fresh_nuage, boto):
    """Objects and their events commit together: after kill -9 during PUTs,
    the keys in the bucket are exactly the keys with an event."""
    n = fresh_nuage().start()
    s3 = boto("s3", n.endpoint, config_kw={"connect_timeout": 2, "read_timeout": 5})
    sqs = boto("sqs", n.endpoint)
    b = "crash-notify"
    s3.create_bucket(Bucket=b)
    url, arn = queue(sqs, "crash-events")
    s3.put_bucket_notification_configuration(Bucket=b, NotificationConfiguration={"QueueConfigurations": [
        {"QueueArn": arn, "Events": ["s3:ObjectCreated:*"]}]})
    acked, stop = set(), threading.Event()
    lock = threading.Lock()

    def writer(k):
        c = boto("s3", n.endpoint, config_kw={"connect_timeout": 2, "read_timeout": 5})
        i = 0
        while not stop.is_set():
            key = "w%d/%d" % (k, i)
            i += 1
            try:
                c.put_object(Bucket=b, Key=key, Body=b"x" * 100)
            except Exception:
                continue
            with lock:
                acked.add(key)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(3)]
    for t in threads:
        t.start()
    time.sleep(1.5)
    n.stop(signal.SIGKILL)
    stop.set()
    for t in threads:
        t.join()
    n.start()
    s3 = boto("s3", n.endpoint)
    sqs = boto("sqs", n.endpoint)
    keys = set()
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=b):
        keys.update(o["Key"] for o in page.get("Contents", []))
    events = []
    while True:
        r = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=300)
        if not r.get("Messages"):
            break
        events += [json.loads(m["Body"]) for m in r["Messages"]]
    evkeys = [e["Records"][0]["s3"]["object"]["key"] for e in events if "Records" in e]
    assert len(acked) > 20, "too few PUTs before the kill to mean anything"
    assert acked <= keys
    assert sorted(evkeys) == sorted(keys), "objects without events or events without objects"
