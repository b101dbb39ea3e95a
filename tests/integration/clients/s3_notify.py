"""S3 event notifications through the image's newer boto3 (SQS over JSON 1.0,
S3 with default aws-chunked checksums): a queue and a topic destination, a
PUT and a multipart upload. Usage: python3 s3_notify.py ENDPOINT NAME.
Prints {"topic": [...], "queue": [...]} with the events each queue got."""
import json
import sys

import boto3
from boto3.s3.transfer import TransferConfig

endpoint, name = sys.argv[1], sys.argv[2]
kw = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
s3, sqs, sns = boto3.client("s3", **kw), boto3.client("sqs", **kw), boto3.client("sns", **kw)
assert sqs.meta.service_model.protocol == "json", sqs.meta.service_model.protocol


def queue(n):
    url = sqs.create_queue(QueueName=n)["QueueUrl"]
    return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def events(url, want):
    got = []
    for _ in range(10):
        for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", []):
            body = json.loads(m["Body"])
            if body.get("Type") == "Notification":
                body = json.loads(body["Message"])
            got.append(body.get("Event") or body["Records"][0]["eventName"])
        if len(got) >= want:
            break
    return got


s3.create_bucket(Bucket=name)
qurl, qarn = queue(name + "-q")
turl, tarn = queue(name + "-t")
topic = sns.create_topic(Name=name)["TopicArn"]
sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=tarn)
s3.put_bucket_notification_configuration(Bucket=name, NotificationConfiguration={
    "QueueConfigurations": [{"QueueArn": qarn, "Events": ["s3:ObjectCreated:Put"]}],
    "TopicConfigurations": [{"TopicArn": topic, "Events": ["s3:ObjectCreated:CompleteMultipartUpload"]}]})
s3.put_object(Bucket=name, Key="small", Body=b"x" * 10)
s3.upload_fileobj(__import__("io").BytesIO(b"y" * (6 << 20)), name, "big",
                  Config=TransferConfig(multipart_threshold=5 << 20, multipart_chunksize=5 << 20))
print(json.dumps({"topic": events(turl, 2), "queue": events(qurl, 2)}))
