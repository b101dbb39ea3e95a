// AWS SDK for JavaScript v3 against Logs streams and events.
import {
  CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand, GetLogEventsCommand,
  FilterLogEventsCommand, DescribeLogStreamsCommand, DeleteLogStreamCommand, DeleteLogGroupCommand,
  paginateFilterLogEvents,
} from '@aws-sdk/client-cloudwatch-logs';

const endpoint = process.argv[2];
const logs = new CloudWatchLogsClient({ endpoint, region: 'us-east-1', maxAttempts: 1,
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
const fail = (...m) => { console.error(...m); process.exit(1); };
const g = '/js/streams/' + Date.now();
await logs.send(new CreateLogGroupCommand({ logGroupName: g }));
await logs.send(new CreateLogStreamCommand({ logGroupName: g, logStreamName: 'a' }));
await logs.send(new CreateLogStreamCommand({ logGroupName: g, logStreamName: 'b' }));
const t = Date.now();
await logs.send(new PutLogEventsCommand({ logGroupName: g, logStreamName: 'a', logEvents: [
  { timestamp: t - 3, message: 'one ERROR' }, { timestamp: t - 1, message: 'three' }] }));
await logs.send(new PutLogEventsCommand({ logGroupName: g, logStreamName: 'b', logEvents: [
  { timestamp: t - 2, message: 'two' }] }));
const d = await logs.send(new DescribeLogStreamsCommand({ logGroupName: g, orderBy: 'LastEventTime', descending: true }));
if (d.logStreams.map((s) => s.logStreamName).join() !== 'a,b') fail('describe', d.logStreams);
const ge = await logs.send(new GetLogEventsCommand({ logGroupName: g, logStreamName: 'a', startFromHead: true }));
if (ge.events.map((e) => e.message).join() !== 'one ERROR,three') fail('get', ge.events);
const all = [];
for await (const page of paginateFilterLogEvents({ client: logs, pageSize: 1 }, { logGroupName: g })) {
  all.push(...page.events.map((e) => e.message));
}
if (all.join() !== 'one ERROR,two,three') fail('filter pages', all);
const f = await logs.send(new FilterLogEventsCommand({ logGroupName: g, filterPattern: 'ERROR' }));
if (f.events.length !== 1 || f.events[0].logStreamName !== 'a') fail('filter', f.events);
try {
  await logs.send(new PutLogEventsCommand({ logGroupName: g, logStreamName: 'a', logEvents: [
    { timestamp: t, message: 'x' }, { timestamp: t - 5, message: 'y' }] }));
  fail('out-of-order batch accepted');
} catch (e) {
  if (e.name !== 'InvalidParameterException') fail('unexpected', e.name);
}
await logs.send(new DeleteLogStreamCommand({ logGroupName: g, logStreamName: 'b' }));
await logs.send(new DeleteLogGroupCommand({ logGroupName: g }));
console.log('ok');
