// nuage's Lambda runtime for Node.js functions.
//
// Written by nuage to <data>/lambda/runtime/bootstrap.mjs and run with the
// configured node (--lambda-node). Like AWS's runtime interface client it
// loads the handler named by _HANDLER ("index.handler", "src/app.handler")
// from LAMBDA_TASK_ROOT (.js, .mjs or .cjs; CommonJS or ES modules), then
// loops over the Lambda Runtime API: GET /next, run the handler (async, or
// callback style when it takes three arguments), POST /response or /error.
// console.* lines carry AWS's "timestamp<TAB>requestId<TAB>LEVEL<TAB>" prefix,
// with newlines turned into "\r" so a multi-line message stays one event.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import util from 'node:util';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const [host, port] = process.env.AWS_LAMBDA_RUNTIME_API.split(':');
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const PREFIX = '/2018-06-01/runtime';
let requestId = '';

function request(method, p, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(body);
    const req = http.request({ host, port: Number(port), method, path: PREFIX + p, agent,
      headers: { ...headers, ...(data ? { 'Content-Length': data.length } : {}) } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    if (data) req.write(data);
    req.end();
  });
}

function write(level, args) {
  const text = util.format(...args).replace(/\n/g, '\r');
  process.stdout.write(`${new Date().toISOString()}\t${requestId || 'undefined'}\t${level}\t${text}\n`);
}
console.log = (...a) => write('INFO', a);
console.info = (...a) => write('INFO', a);
console.warn = (...a) => write('WARN', a);
console.error = (...a) => write('ERROR', a);
console.debug = (...a) => write('DEBUG', a);
console.trace = (...a) => write('TRACE', a);

function errorDoc(err) {
  if (err instanceof Error) {
    return { errorType: err.name || 'Error', errorMessage: err.message,
      trace: typeof err.stack === 'string' ? err.stack.split('\n') : [] };
  }
  return { errorType: 'string', errorMessage: String(err), trace: [] };
}

async function initError(type, message, err) {
  const doc = { errorType: type, errorMessage: message, trace: err && err.stack ? String(err.stack).split('\n') : [] };
  write('ERROR', [`Uncaught Exception \t${JSON.stringify(doc)}`]);
  await request('POST', '/init/error', JSON.stringify(doc), { 'Lambda-Runtime-Function-Error-Type': type });
  process.exit(1);
}

async function loadHandler() {
  const root = process.env.LAMBDA_TASK_ROOT || process.cwd();
  const spec = process.env._HANDLER || '';
  const dot = spec.lastIndexOf('.');
  if (dot <= 0) await initError('Runtime.MalformedHandlerName', `Bad handler ${spec}`);
  const modPath = spec.slice(0, dot);
  const names = spec.slice(dot + 1).split('.');
  let file = null;
  for (const ext of ['.js', '.mjs', '.cjs']) {
    const f = path.resolve(root, modPath + ext);
    if (fs.existsSync(f)) { file = f; break; }
  }
  if (!file) {
    await initError('Runtime.ImportModuleError', `Error: Cannot find module '${modPath}'`);
  }
  let mod;
  try {
    if (file.endsWith('.mjs')) {
      mod = await import(pathToFileURL(file).href);
    } else {
      try {
        mod = createRequire(file)(file);
      } catch (e) {
        if (e && (e.code === 'ERR_REQUIRE_ESM' || e.code === 'ERR_REQUIRE_ASYNC_MODULE')) mod = await import(pathToFileURL(file).href);
        else throw e;
      }
    }
  } catch (e) {
    if (e instanceof SyntaxError) await initError('Runtime.UserCodeSyntaxError', `${e.name}: ${e.message}`, e);
    else if (e && e.code === 'MODULE_NOT_FOUND') await initError('Runtime.ImportModuleError', `Error: ${e.message}`, e);
    else await initError(e && e.name ? e.name : 'Error', e && e.message ? e.message : String(e), e);
  }
  let fn = mod;
  for (const n of names) fn = fn == null ? undefined : fn[n];
  if (typeof fn !== 'function') {
    await initError('Runtime.HandlerNotFound', `${spec} is undefined or not exported`);
  }
  return fn;
}

function makeContext(h) {
  const deadline = Number(h['lambda-runtime-deadline-ms'] || 0);
  const ctx = {
    callbackWaitsForEmptyEventLoop: true,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: h['lambda-runtime-invoked-function-arn'],
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: h['lambda-runtime-aws-request-id'],
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    identity: h['lambda-runtime-cognito-identity'] ? JSON.parse(h['lambda-runtime-cognito-identity']) : undefined,
    clientContext: h['lambda-runtime-client-context'] ? JSON.parse(h['lambda-runtime-client-context']) : undefined,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  return ctx;
}

function run(handler, event, ctx) {
  return new Promise((resolve, reject) => {
    let settled = false;
    const callback = (err, result) => {
      if (settled) return;
      settled = true;
      if (err !== undefined && err !== null) reject(err); else resolve(result);
    };
    ctx.done = callback;
    ctx.succeed = (r) => callback(null, r);
    ctx.fail = (e) => callback(e);
    try {
      const out = handler(event, ctx, callback);
      if (out && typeof out.then === 'function') out.then((r) => callback(null, r), (e) => callback(e || new Error('rejected')));
      else if (handler.length < 3) callback(null, out);
    } catch (e) {
      callback(e);
    }
  });
}

const handler = await loadHandler();
for (;;) {
  const next = await request('GET', '/invocation/next');
  if (next.status !== 200) continue;
  const h = next.headers;
  requestId = h['lambda-runtime-aws-request-id'];
  process.env._X_AMZN_TRACE_ID = h['lambda-runtime-trace-id'] || '';
  let event;
  try {
    event = next.body.length ? JSON.parse(next.body.toString('utf8')) : {};
  } catch (e) {
    await request('POST', `/invocation/${requestId}/error`,
      JSON.stringify({ errorType: 'Runtime.UnmarshalError', errorMessage: `Unable to parse event: ${e.message}`, trace: [] }));
    continue;
  }
  try {
    const result = await run(handler, event, makeContext(h));
    const body = result === undefined ? 'null' : JSON.stringify(result);
    await request('POST', `/invocation/${requestId}/response`, body === undefined ? 'null' : body);
  } catch (err) {
    const doc = errorDoc(err);
    write('ERROR', [`Invoke Error \t${JSON.stringify({ errorType: doc.errorType, errorMessage: doc.errorMessage, stack: doc.trace })}`]);
    await request('POST', `/invocation/${requestId}/error`, JSON.stringify(doc),
      { 'Lambda-Runtime-Function-Error-Type': doc.errorType });
  }
}
