// AWS SDK for JavaScript v3 against SNS (query protocol): every operation,
// and an SNS -> SQS delivery read back through @aws-sdk/client-sqs.
import {
  SNSClient, CreateTopicCommand, DeleteTopicCommand, ListTopicsCommand, GetTopicAttributesCommand,
  SetTopicAttributesCommand, SubscribeCommand, ConfirmSubscriptionCommand, UnsubscribeCommand,
  ListSubscriptionsCommand, ListSubscriptionsByTopicCommand, GetSubscriptionAttributesCommand,
  SetSubscriptionAttributesCommand, PublishCommand, PublishBatchCommand, TagResourceCommand,
  UntagResourceCommand, ListTagsForResourceCommand, NotFoundException,
} from '@aws-sdk/client-sns';
import { SQSClient, CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';

const endpoint = process.argv[2];
const prefix = process.argv[3] || 'js' + Date.now();
const opts = { endpoint, region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
const sns = new SNSClient(opts);
const sqs = new SQSClient(opts);
const fail = (...m) => { console.error(...m); process.exit(1); };

const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: prefix, Tags: [{ Key: 'a', Value: '1' }] }));
const topics = await sns.send(new ListTopicsCommand({}));
if (!topics.Topics.some((t) => t.TopicArn === TopicArn)) fail('list topics', topics);
await sns.send(new SetTopicAttributesCommand({ TopicArn, AttributeName: 'SignatureVersion', AttributeValue: '2' }));
const ta = await sns.send(new GetTopicAttributesCommand({ TopicArn }));
if (ta.Attributes.SignatureVersion !== '2') fail('topic attrs', ta.Attributes);

const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: prefix + '-q' }));
const qa = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
const { SubscriptionArn } = await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: qa.Attributes.QueueArn }));
const bt = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn }));
if (bt.Subscriptions.length !== 1 || bt.Subscriptions[0].SubscriptionArn !== SubscriptionArn) fail('by topic', bt);
const all = await sns.send(new ListSubscriptionsCommand({}));
if (!all.Subscriptions.some((s) => s.SubscriptionArn === SubscriptionArn)) fail('list subs');
await sns.send(new SetSubscriptionAttributesCommand({ SubscriptionArn, AttributeName: 'FilterPolicyScope', AttributeValue: 'MessageBody' }));
await sns.send(new SetSubscriptionAttributesCommand({ SubscriptionArn, AttributeName: 'FilterPolicy',
  AttributeValue: JSON.stringify({ level: ['error'] }) }));
const sa = await sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn }));
if (sa.Attributes.FilterPolicyScope !== 'MessageBody') fail('sub attrs', sa.Attributes);

const p = await sns.send(new PublishCommand({ TopicArn, Message: JSON.stringify({ level: 'error', n: 1 }), Subject: 'js' }));
await sns.send(new PublishCommand({ TopicArn, Message: JSON.stringify({ level: 'info' }) }));
const pb = await sns.send(new PublishBatchCommand({ TopicArn, PublishBatchRequestEntries: [
  { Id: 'x', Message: JSON.stringify({ level: 'error', n: 2 }) }] }));
if (pb.Successful.length !== 1) fail('batch', pb);
let got = [];
for (let i = 0; i < 10 && got.length < 2; i++) {
  const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 2 }));
  got = got.concat(r.Messages || []);
}
if (got.length !== 2) fail('deliveries', got);
const env = got.map((m) => JSON.parse(m.Body)).find((e) => e.MessageId === p.MessageId);
if (!env || env.Type !== 'Notification' || env.SignatureVersion !== '2' || env.Subject !== 'js') fail('envelope', got);

await sns.send(new TagResourceCommand({ ResourceArn: TopicArn, Tags: [{ Key: 'b', Value: '2' }] }));
await sns.send(new UntagResourceCommand({ ResourceArn: TopicArn, TagKeys: ['a'] }));
const tags = await sns.send(new ListTagsForResourceCommand({ ResourceArn: TopicArn }));
if (JSON.stringify(tags.Tags) !== '[{"Key":"b","Value":"2"}]') fail('tags', tags);
try {
  await sns.send(new ConfirmSubscriptionCommand({ TopicArn, Token: 'bogus' }));
  fail('bogus token accepted');
} catch (e) {
  if (e.name !== 'InvalidParameterException') fail('confirm', e.name);
}
await sns.send(new UnsubscribeCommand({ SubscriptionArn }));
await sns.send(new DeleteTopicCommand({ TopicArn }));
try {
  await sns.send(new GetTopicAttributesCommand({ TopicArn }));
  fail('deleted topic found');
} catch (e) {
  if (!(e instanceof NotFoundException)) fail('unexpected', e.name);
}
console.log('ok');
