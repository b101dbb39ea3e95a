// AWS SDK for JavaScript v3: ExecuteStatement, DescribeStatement until done,
// GetStatementResult, ListTables. Prints a JSON summary.
import {
  RedshiftDataClient, ExecuteStatementCommand, DescribeStatementCommand, GetStatementResultCommand,
  ListTablesCommand,
} from '@aws-sdk/client-redshift-data';

const endpoint = process.argv[2];
const c = new RedshiftDataClient({
  endpoint, region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
});
const run = async (Sql) => {
  const { Id } = await c.send(new ExecuteStatementCommand({ Database: 'dev', Sql }));
  for (;;) {
    const d = await c.send(new DescribeStatementCommand({ Id }));
    if (['FINISHED', 'FAILED', 'ABORTED'].includes(d.Status)) return [Id, d];
    await new Promise((r) => setTimeout(r, 10));
  }
};
await run('create table if not exists rd_js (n int, who text)');
await run("insert into rd_js values (3, 'js')");
const [id, d] = await run('select n, who from rd_js');
const res = await c.send(new GetStatementResultCommand({ Id: id }));
const tables = await c.send(new ListTablesCommand({ Database: 'dev', TablePattern: 'rd_js' }));
console.log(JSON.stringify({ status: d.Status, records: res.Records, tables: tables.Tables.length }));
