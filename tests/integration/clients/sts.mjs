// AWS SDK for JavaScript v3: GetCallerIdentity, then a wrong secret.
import { STSClient, GetCallerIdentityCommand } from '@aws-sdk/client-sts';

const endpoint = process.argv[2];
const mk = (secretAccessKey) => new STSClient({
  endpoint, region: 'us-east-1', maxAttempts: 1,
  credentials: { accessKeyId: 'test', secretAccessKey },
});
const id = await mk('test').send(new GetCallerIdentityCommand({}));
if (id.Account !== '000000000000' || id.Arn !== 'arn:aws:iam::000000000000:root') {
  console.error('bad identity', id); process.exit(1);
}
try {
  await mk('wrong').send(new GetCallerIdentityCommand({}));
  console.error('wrong secret accepted'); process.exit(1);
} catch (e) {
  if (e.name !== 'SignatureDoesNotMatch' || e.$metadata.httpStatusCode !== 403) {
    console.error('unexpected error', e.name, e.$metadata); process.exit(1);
  }
}
console.log('ok');
