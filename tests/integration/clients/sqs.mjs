// AWS SDK for JavaScript v3 against SQS (JSON 1.0): every operation, with
// the SDK's own MD5 checks of message bodies switched on (its default).
import {
  SQSClient, CreateQueueCommand, GetQueueUrlCommand, ListQueuesCommand, GetQueueAttributesCommand,
  SetQueueAttributesCommand, SendMessageCommand, SendMessageBatchCommand, ReceiveMessageCommand,
  DeleteMessageCommand, DeleteMessageBatchCommand, ChangeMessageVisibilityCommand,
  ChangeMessageVisibilityBatchCommand, ListDeadLetterSourceQueuesCommand, TagQueueCommand, UntagQueueCommand,
  ListQueueTagsCommand, PurgeQueueCommand, DeleteQueueCommand, QueueDoesNotExist,
} from '@aws-sdk/client-sqs';

const endpoint = process.argv[2];
const prefix = process.argv[3] || 'js' + Date.now();
const sqs = new SQSClient({ endpoint, region: 'us-east-1', maxAttempts: 1,
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
const fail = (...m) => { console.error(...m); process.exit(1); };
const send = (c) => sqs.send(c);
const expectError = async (cmd, name) => {
  try { await send(cmd); } catch (e) { if (e.name !== name && e.Code !== name) fail('expected', name, 'got', e.name, e.Code); return; }
  fail('expected', name, 'but it succeeded');
};

const { QueueUrl: dlq } = await send(new CreateQueueCommand({ QueueName: prefix + '-dlq' }));
const { QueueUrl } = await send(new CreateQueueCommand({ QueueName: prefix + '-main', tags: { a: '1' },
  Attributes: { VisibilityTimeout: '15' } }));
if ((await send(new GetQueueUrlCommand({ QueueName: prefix + '-main' }))).QueueUrl !== QueueUrl) fail('url');
const l = await send(new ListQueuesCommand({ QueueNamePrefix: prefix }));
if (l.QueueUrls.length !== 2) fail('list', l);
const { Attributes: da } = await send(new GetQueueAttributesCommand({ QueueUrl: dlq, AttributeNames: ['QueueArn'] }));
await send(new SetQueueAttributesCommand({ QueueUrl, Attributes: {
  RedrivePolicy: JSON.stringify({ deadLetterTargetArn: da.QueueArn, maxReceiveCount: 5 }) } }));
const { Attributes: ma } = await send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }));
if (ma.VisibilityTimeout !== '15' || !ma.RedrivePolicy.includes(da.QueueArn)) fail('attrs', ma);
const src = await send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: dlq }));
if (src.queueUrls.length !== 1 || src.queueUrls[0] !== QueueUrl) fail('dlq sources', src);

const s = await send(new SendMessageCommand({ QueueUrl, MessageBody: 'héllo ✓',
  MessageAttributes: { k: { DataType: 'String', StringValue: 'v' }, b: { DataType: 'Binary', BinaryValue: new Uint8Array([0, 1, 2]) } } }));
if (!s.MessageId || !s.MD5OfMessageAttributes) fail('send', s);
const b = await send(new SendMessageBatchCommand({ QueueUrl, Entries: [
  { Id: '1', MessageBody: 'one' }, { Id: '2', MessageBody: 'two' }] }));
if (b.Successful.length !== 2) fail('batch', b);
let got = [];
for (let i = 0; i < 10 && got.length < 3; i++) {
  const r = await send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 2,
    MessageAttributeNames: ['All'], MessageSystemAttributeNames: ['All'] }));
  got = got.concat(r.Messages || []);
}
const first = got.find((m) => m.MessageId === s.MessageId);
if (!first || first.Body !== 'héllo ✓' || first.MessageAttributes.k.StringValue !== 'v') fail('receive', got);
if (Buffer.from(first.MessageAttributes.b.BinaryValue).toString('hex') !== '000102') fail('binary', first);
if (first.MD5OfMessageAttributes !== s.MD5OfMessageAttributes) fail('md5 attrs');
await send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: first.ReceiptHandle, VisibilityTimeout: 30 }));
const cb = await send(new ChangeMessageVisibilityBatchCommand({ QueueUrl, Entries: got.map((m, i) => ({
  Id: 'e' + i, ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 40 })) }));
if (cb.Successful.length !== 3) fail('chvis batch', cb);
await send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: first.ReceiptHandle }));
const db = await send(new DeleteMessageBatchCommand({ QueueUrl, Entries: got.filter((m) => m !== first)
  .map((m, i) => ({ Id: 'd' + i, ReceiptHandle: m.ReceiptHandle })) }));
if (db.Successful.length !== 2) fail('delete batch', db);
await expectError(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 11 }), 'InvalidParameterValue');

await send(new TagQueueCommand({ QueueUrl, Tags: { b: '2' } }));
await send(new UntagQueueCommand({ QueueUrl, TagKeys: ['a'] }));
const t = await send(new ListQueueTagsCommand({ QueueUrl }));
if (JSON.stringify(t.Tags) !== '{"b":"2"}') fail('tags', t);
await send(new PurgeQueueCommand({ QueueUrl }));
await send(new DeleteQueueCommand({ QueueUrl }));
await send(new DeleteQueueCommand({ QueueUrl: dlq }));
try {
  await send(new GetQueueUrlCommand({ QueueName: prefix + '-main' }));
  fail('deleted queue found');
} catch (e) {
  if (!(e instanceof QueueDoesNotExist)) fail('unexpected', e.name);
}
console.log('ok');
