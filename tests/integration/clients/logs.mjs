// AWS SDK for JavaScript v3 against Logs (json 1.1): groups, retention, tags, errors.
import {
  CloudWatchLogsClient, CreateLogGroupCommand, DescribeLogGroupsCommand, DeleteLogGroupCommand,
  PutRetentionPolicyCommand, TagResourceCommand, ListTagsForResourceCommand,
} from '@aws-sdk/client-cloudwatch-logs';

const endpoint = process.argv[2];
const logs = new CloudWatchLogsClient({ endpoint, region: 'us-east-1', maxAttempts: 1,
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
const name = '/js/' + Date.now();
const fail = (...m) => { console.error(...m); process.exit(1); };
await logs.send(new CreateLogGroupCommand({ logGroupName: name, tags: { team: 'data' } }));
try {
  await logs.send(new CreateLogGroupCommand({ logGroupName: name }));
  fail('duplicate accepted');
} catch (e) {
  if (e.name !== 'ResourceAlreadyExistsException') fail('unexpected', e.name);
}
await logs.send(new PutRetentionPolicyCommand({ logGroupName: name, retentionInDays: 14 }));
const d = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: name }));
if (d.logGroups.length !== 1 || d.logGroups[0].retentionInDays !== 14) fail('describe', d);
if (!(d.logGroups[0].creationTime > 1700000000000)) fail('creationTime', d.logGroups[0].creationTime);
const arn = d.logGroups[0].logGroupArn;
await logs.send(new TagResourceCommand({ resourceArn: arn, tags: { env: 'ci' } }));
const t = await logs.send(new ListTagsForResourceCommand({ resourceArn: arn }));
if (t.tags.team !== 'data' || t.tags.env !== 'ci') fail('tags', t.tags);
await logs.send(new DeleteLogGroupCommand({ logGroupName: name }));
try {
  await logs.send(new DeleteLogGroupCommand({ logGroupName: name }));
  fail('delete twice accepted');
} catch (e) {
  if (e.name !== 'ResourceNotFoundException') fail('unexpected', e.name);
}
console.log('ok');
