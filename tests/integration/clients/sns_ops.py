"""Every SNS operation nuage implements, through whichever boto3 runs this
script (Debian's 1.26 or the image's newer one; both speak the query
protocol). Usage: python3 sns_ops.py ENDPOINT PREFIX. Prints "ok <version>"."""
import json
import sys

import boto3
import botocore.exceptions

endpoint, prefix = sys.argv[1], sys.argv[2]
kw = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
sns = boto3.client("sns", **kw)
sqs = boto3.client("sqs", **kw)


def code(fn, **k):
    try:
        fn(**k)
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"]
    raise AssertionError("%s succeeded" % fn.__name__)


topic = sns.create_topic(Name=prefix, Attributes={"DisplayName": "ops"}, Tags=[{"Key": "team", "Value": "data"}])["TopicArn"]
assert topic == "arn:aws:sns:us-east-1:000000000000:" + prefix, topic
assert sns.create_topic(Name=prefix)["TopicArn"] == topic
assert topic in [t["TopicArn"] for t in sns.list_topics()["Topics"]]
sns.set_topic_attributes(TopicArn=topic, AttributeName="DisplayName", AttributeValue="renamed")
a = sns.get_topic_attributes(TopicArn=topic)["Attributes"]
assert a["DisplayName"] == "renamed" and a["Owner"] == "000000000000" and a["TopicArn"] == topic, a
assert json.loads(a["EffectiveDeliveryPolicy"])["http"]["defaultHealthyRetryPolicy"]["numRetries"] == 3

q = sqs.create_queue(QueueName=prefix + "-q")["QueueUrl"]
qarn = sqs.get_queue_attributes(QueueUrl=q, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
sub = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn, Attributes={"RawMessageDelivery": "true"})
sub = sub["SubscriptionArn"]
assert sub.startswith(topic + ":"), sub
assert [s["SubscriptionArn"] for s in sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]] == [sub]
assert sub in [s["SubscriptionArn"] for s in sns.list_subscriptions()["Subscriptions"]]
sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="FilterPolicy",
                                AttributeValue=json.dumps({"kind": ["keep"]}))
sa = sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
assert sa["RawMessageDelivery"] == "true" and sa["FilterPolicyScope"] == "MessageAttributes", sa
assert sa["PendingConfirmation"] == "false" and sa["Protocol"] == "sqs" and sa["Endpoint"] == qarn

mid = sns.publish(TopicArn=topic, Message="kept", MessageAttributes={
    "kind": {"DataType": "String", "StringValue": "keep"}})["MessageId"]
sns.publish(TopicArn=topic, Message="dropped", MessageAttributes={"kind": {"DataType": "String", "StringValue": "x"}})
b = sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=[
    {"Id": "1", "Message": "batch kept", "MessageAttributes": {"kind": {"DataType": "String", "StringValue": "keep"}}},
    {"Id": "2", "Message": ""}])
assert [e["Id"] for e in b["Successful"]] == ["1"] and b["Failed"][0]["Id"] == "2", b
bodies = []
for _ in range(10):
    r = sqs.receive_message(QueueUrl=q, MaxNumberOfMessages=10, WaitTimeSeconds=2, MessageAttributeNames=["All"])
    for m in r.get("Messages", []):
        bodies.append(m["Body"])
        assert m["MessageAttributes"]["kind"]["StringValue"] == "keep"
        sqs.delete_message(QueueUrl=q, ReceiptHandle=m["ReceiptHandle"])
    if len(bodies) >= 2:
        break
assert sorted(bodies) == ["batch kept", "kept"], bodies

sns.tag_resource(ResourceArn=topic, Tags=[{"Key": "env", "Value": "ci"}])
sns.untag_resource(ResourceArn=topic, TagKeys=["team"])
assert sns.list_tags_for_resource(ResourceArn=topic)["Tags"] == [{"Key": "env", "Value": "ci"}]

# ConfirmSubscription: an email subscription stays pending; a wrong token is refused.
pend = sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="ops@example.com")["SubscriptionArn"]
assert pend == "pending confirmation", pend
assert code(sns.confirm_subscription, TopicArn=topic, Token="not-the-token") == "InvalidParameter"

sns.unsubscribe(SubscriptionArn=sub)
assert code(sns.get_subscription_attributes, SubscriptionArn=sub) == "NotFound"
sns.delete_topic(TopicArn=topic)
assert code(sns.get_topic_attributes, TopicArn=topic) == "NotFound"
assert code(sns.publish, TopicArn=topic, Message="x") == "NotFound"
print("ok", boto3.__version__)
