"""Crash safety of pipes: nuage is killed with SIGKILL while a pipe loads
many files (S3 event notifications -> the pipe's channel), twice, and
restarted on the same data directory. Afterwards every file's rows are in the
table exactly once and COPY_HISTORY has one record per file. Checked through
the Redshift Data API (Debian's boto3)."""
import json
import signal
import time

from whhelp import Sql, until

FILES = 240
ROWS = 2000


def body(i):
    return "".join("%d,%d,row %d of file %d\n" % (i, k, k, i) for k in range(ROWS)).encode()


def clients(boto, n):
    return Sql(boto("redshift-data", n.endpoint)), boto("s3", n.endpoint)


def pending(sql):
    return json.loads(sql.scalar("select system$pipe_status('crash_pipe')"))["pendingFileCount"]


def test_kill_during_pipe_load(boto, fresh_nuage):
    first = fresh_nuage().start()
    sql, s3 = clients(boto, first)
    s3.create_bucket(Bucket="crash")
    sql("create table crash_rows (file_id integer, k integer, note varchar(40))")
    sql("create stage crash_stage url = 's3://crash/in/' file_format = (type = csv)")
    sql("create pipe crash_pipe auto_ingest = true as copy into crash_rows from @crash_stage")
    channel = sql("show pipes like 'CRASH_PIPE'")[0]["notification_channel"]
    s3.put_bucket_notification_configuration(Bucket="crash", NotificationConfiguration={
        "QueueConfigurations": [{"QueueArn": channel, "Events": ["s3:ObjectCreated:*"]}]})
    # the files arrive while the pipe is paused (their notifications wait
    # as pending files), so that the load of all of them is under way when
    # nuage is killed
    sql("alter pipe crash_pipe set pipe_execution_paused = true")
    for i in range(FILES):
        s3.put_object(Bucket="crash", Key="in/f%04d.csv" % i, Body=body(i))
    assert until(lambda: pending(sql) == FILES, timeout=60), pending(sql)
    sql("alter pipe crash_pipe set pipe_execution_paused = false")
    until(lambda: sql.scalar("select count(*) from crash_rows") > 0, timeout=30)
    assert first.stop(sig=signal.SIGKILL) == -signal.SIGKILL
    data = first.data

    # again, while the restarted nuage catches up, if it still has work
    second = fresh_nuage(data=data).start()
    sql, s3 = clients(boto, second)
    left = pending(sql)
    rows_then = sql.scalar("select count(*) from crash_rows")
    print("after the first kill: %d rows in the table, %d files pending" % (rows_then, left))
    if left:
        until(lambda: sql.scalar("select count(*) from crash_rows") > rows_then, timeout=30)
        assert second.stop(sig=signal.SIGKILL) == -signal.SIGKILL
        third = fresh_nuage(data=data).start()
        sql, s3 = clients(boto, third)
        print("after the second kill: %d rows in the table, %d files pending"
              % (sql.scalar("select count(*) from crash_rows"), pending(sql)))

    assert until(lambda: pending(sql) == 0 and sql.scalar("select count(distinct file_id) from crash_rows") == FILES,
                 timeout=120), "not all files loaded after the restarts: %s pending, %s files in the table" % (
        pending(sql), sql.scalar("select count(distinct file_id) from crash_rows"))
    # every file exactly once
    assert sql("select file_id, count(*) as n from crash_rows group by file_id having count(*) <> %d" % ROWS) == []
    assert sql.scalar("select count(*) from crash_rows") == FILES * ROWS
    assert sql("select file_id, k from crash_rows group by file_id, k having count(*) > 1") == []
    hist = sql("select file_name, status, row_count from table(information_schema.copy_history("
               "table_name=>'CRASH_ROWS', start_time=>dateadd(hours, -1, current_timestamp())))")
    names = [h["FILE_NAME"] for h in hist]
    assert len(names) == FILES and len(set(names)) == FILES
    assert all(h["STATUS"] == "Loaded" and h["ROW_COUNT"] == ROWS for h in hist)
    # the same notifications again (S3 may deliver twice) load nothing twice
    before = json.loads(sql.scalar("select system$pipe_status('crash_pipe')")).get("lastReceivedMessageTimestamp", "")
    time.sleep(0.01)
    for i in range(0, FILES, 40):
        s3.put_object(Bucket="crash", Key="in/f%04d.csv" % i, Body=body(i))

    def settled():
        st = json.loads(sql.scalar("select system$pipe_status('crash_pipe')"))
        return st.get("lastReceivedMessageTimestamp", "") > before and st["pendingFileCount"] == 0 and \
            st.get("numOutstandingMessagesOnChannel", 0) == 0
    assert until(settled, timeout=30)
    assert sql.scalar("select count(*) from crash_rows") == FILES * ROWS
