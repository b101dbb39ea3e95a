// AWS SDK for JavaScript v3 (client-s3 with its default checksums, and
// lib-storage's multipart Upload) against nuage's S3.
import { S3Client, CreateBucketCommand, PutObjectCommand, GetObjectCommand, HeadObjectCommand,
  ListObjectsV2Command, DeleteObjectsCommand, CopyObjectCommand, DeleteBucketCommand } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createHash, randomBytes } from 'node:crypto';

const [endpoint, bucket] = process.argv.slice(2);
const s3 = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, maxAttempts: 1,
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
const fail = (...m) => { console.error(...m); process.exit(1); };

await s3.send(new CreateBucketCommand({ Bucket: bucket }));
const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'js/hello.txt', Body: 'hello from js',
  ContentType: 'text/plain', Metadata: { team: 'data' } }));
if (!put.ETag) fail('no etag', put);
const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'js/hello.txt', ChecksumMode: 'ENABLED' }));
if ((await got.Body.transformToString()) !== 'hello from js') fail('body');
if (got.ContentType !== 'text/plain' || got.Metadata.team !== 'data') fail('headers', got);

// An explicit CRC32C checksum, stored and returned.
const ck = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'js/crc32c', Body: 'hello world', ChecksumAlgorithm: 'CRC32C' }));
const ckg = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'js/crc32c', ChecksumMode: 'ENABLED' }));
await ckg.Body.transformToString();
if (!ck.ChecksumCRC32C || ck.ChecksumCRC32C !== ckg.ChecksumCRC32C) fail('crc32c', ck, ckg.ChecksumCRC32C);
await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [{ Key: 'js/crc32c' }] } }));

// lib-storage: a 12 MiB stream in 5 MiB parts.
const data = randomBytes(12 * 1024 * 1024 + 3);
const up = new Upload({ client: s3, params: { Bucket: bucket, Key: 'js/big.bin', Body: data }, partSize: 5 * 1024 * 1024 });
const done = await up.done();
if (!done.ETag || !done.ETag.includes('-3')) fail('multipart etag', done.ETag);
const back = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'js/big.bin' }));
const bytes = Buffer.from(await back.Body.transformToByteArray());
if (createHash('sha256').update(bytes).digest('hex') !== createHash('sha256').update(data).digest('hex')) fail('content');

await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'js/copy.txt', CopySource: `${bucket}/js/hello.txt` }));
const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'js/copy.txt' }));
if (head.ContentLength !== 13) fail('copy', head);
const list = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'js/' }));
const keys = list.Contents.map(o => o.Key).sort();
if (JSON.stringify(keys) !== JSON.stringify(['js/big.bin', 'js/copy.txt', 'js/hello.txt'])) fail('list', keys);
const del = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys.map(Key => ({ Key })) } }));
if (del.Deleted.length !== 3) fail('delete', del);
await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
console.log('ok');
