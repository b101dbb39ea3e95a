// AWS SDK for JavaScript v3: S3 event notifications into SQS
// (PutBucketNotificationConfiguration, GetBucketNotificationConfiguration,
// then a PUT's record read back through @aws-sdk/client-sqs).
import {
  S3Client, CreateBucketCommand, PutBucketNotificationConfigurationCommand,
  GetBucketNotificationConfigurationCommand, PutObjectCommand,
} from '@aws-sdk/client-s3';
import { SQSClient, CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';

const endpoint = process.argv[2];
const name = process.argv[3];
const opts = { endpoint, region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
const s3 = new S3Client({ ...opts, forcePathStyle: true });
const sqs = new SQSClient(opts);
const fail = (...m) => { console.error(...m); process.exit(1); };

await s3.send(new CreateBucketCommand({ Bucket: name }));
const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
const qa = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
await s3.send(new PutBucketNotificationConfigurationCommand({
  Bucket: name,
  NotificationConfiguration: {
    QueueConfigurations: [{ Id: 'js', QueueArn: qa.Attributes.QueueArn, Events: ['s3:ObjectCreated:*'],
      Filter: { Key: { FilterRules: [{ Name: 'suffix', Value: '.csv' }] } } }],
  },
}));
const got = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: name }));
const rules = got.QueueConfigurations?.[0]?.Filter?.Key?.FilterRules;
if (got.QueueConfigurations?.[0]?.Id !== 'js' || rules?.[0]?.Name !== 'Suffix') fail('configuration', JSON.stringify(got));
await s3.send(new PutObjectCommand({ Bucket: name, Key: 'a b.csv', Body: 'x,y\n' }));
const bodies = [];
for (let i = 0; i < 10 && bodies.length < 2; i++) {
  const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
  for (const m of r.Messages || []) bodies.push(JSON.parse(m.Body));
}
if (bodies.length !== 2) fail('messages', JSON.stringify(bodies));
const rec = bodies[1].Records[0];
console.log(JSON.stringify({ test: bodies[0].Event, event: rec.eventName, key: rec.s3.object.key }));
