// AWS SDK for JavaScript v3 against Lambda: create, wait, invoke (sync,
// tail, error, async), list, update, delete.
import {
  LambdaClient, CreateFunctionCommand, InvokeCommand, GetFunctionCommand, ListFunctionsCommand,
  UpdateFunctionConfigurationCommand, DeleteFunctionCommand, waitUntilFunctionActiveV2,
  waitUntilFunctionUpdatedV2, PutFunctionEventInvokeConfigCommand,
} from '@aws-sdk/client-lambda';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const endpoint = process.argv[2];
const lambda = new LambdaClient({ endpoint, region: 'us-east-1', maxAttempts: 1,
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
const fail = (...m) => { console.error(...m); process.exit(1); };
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nuage-js-'));
fs.writeFileSync(path.join(dir, 'index.mjs'),
  "export const handler = async (e, ctx) => { if (e.boom) throw new Error('boom'); return { sum: e.a + e.b, fn: ctx.functionName }; };\n");
execFileSync('python3', ['-c', `import zipfile,sys; z=zipfile.ZipFile(sys.argv[1],'w'); z.write(sys.argv[2],'index.mjs'); z.close()`,
  path.join(dir, 'fn.zip'), path.join(dir, 'index.mjs')]);
const name = 'js-' + Date.now();
const created = await lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: 'nodejs20.x',
  Role: 'arn:aws:iam::000000000000:role/r', Handler: 'index.handler',
  Code: { ZipFile: fs.readFileSync(path.join(dir, 'fn.zip')) } }));
if (created.State !== 'Pending') fail('state', created.State);
await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 60, minDelay: 1 }, { FunctionName: name });
const r = await lambda.send(new InvokeCommand({ FunctionName: name, LogType: 'Tail',
  Payload: new TextEncoder().encode(JSON.stringify({ a: 2, b: 3 })) }));
const out = JSON.parse(new TextDecoder().decode(r.Payload));
if (out.sum !== 5 || out.fn !== name) fail('payload', out);
if (!Buffer.from(r.LogResult, 'base64').toString().includes('REPORT RequestId')) fail('tail', r.LogResult);
const e = await lambda.send(new InvokeCommand({ FunctionName: name, Payload: new TextEncoder().encode('{"boom":true}') }));
const err = JSON.parse(new TextDecoder().decode(e.Payload));
if (e.FunctionError !== 'Unhandled' || err.errorMessage !== 'boom') fail('error', e.FunctionError, err);
const a = await lambda.send(new InvokeCommand({ FunctionName: name, InvocationType: 'Event', Payload: new TextEncoder().encode('{}') }));
if (a.StatusCode !== 202) fail('event', a.StatusCode);
await lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: name, MaximumRetryAttempts: 0 }));
await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: name, Timeout: 9 }));
await waitUntilFunctionUpdatedV2({ client: lambda, maxWaitTime: 60, minDelay: 1 }, { FunctionName: name });
const g = await lambda.send(new GetFunctionCommand({ FunctionName: name }));
if (g.Configuration.Timeout !== 9 || g.Configuration.State !== 'Active') fail('get', g.Configuration);
const l = await lambda.send(new ListFunctionsCommand({}));
if (!l.Functions.some((f) => f.FunctionName === name)) fail('list');
await lambda.send(new DeleteFunctionCommand({ FunctionName: name }));
try {
  await lambda.send(new GetFunctionCommand({ FunctionName: name }));
  fail('deleted function still there');
} catch (x) {
  if (x.name !== 'ResourceNotFoundException' || x.$metadata.httpStatusCode !== 404) fail('unexpected', x.name);
}
console.log('ok');
