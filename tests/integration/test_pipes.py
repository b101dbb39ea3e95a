"""Snowpipe-style auto-ingest, end to end: the source guide's monthly
exports land in s3://BUCKET/exports/year=2026/month=11/ (uploaded with the
aws CLI), S3's event notifications (straight to the pipes' SQS channel, or
through an SNS topic) make the pipes load them. Checked through the Redshift
Data API (Debian's boto3)."""
import json
import time
import uuid

import pytest

from whhelp import Sql, s3_event, until


def pipe_status(sql, name):
    return json.loads(sql.scalar("select system$pipe_status('%s')" % name))


@pytest.fixture
def flow(boto, nuage, tmp_path):
    """A bucket, a table, a stage, two pipes (CSV and JSON files) and the
    bucket's notification configuration pointing at their channel."""
    tag = uuid.uuid4().hex[:8]
    bucket = "guide-" + tag
    s3 = boto("s3", nuage.endpoint)
    sql = Sql(boto("redshift-data", nuage.endpoint))
    s3.create_bucket(Bucket=bucket)
    table = "monthly_" + tag
    sql("create table %s (region varchar(20), product varchar(20), amount numeric(12,2), day date)" % table)
    sql("create file format csv_%s type = csv skip_header = 1 field_optionally_enclosed_by = '\"'" % tag)
    sql("create stage exports_%s url = 's3://%s/exports/' file_format = (format_name = 'csv_%s')" % (tag, bucket, tag))
    sql("create pipe csv_%s auto_ingest = true comment = 'monthly CSV' as copy into %s from @exports_%s "
        "pattern = '.*[.]csv' on_error = continue" % (tag, table, tag))
    sql("create pipe json_%s auto_ingest = true as copy into %s from @exports_%s pattern = '.*[.]json' "
        "file_format = (type = json) match_by_column_name = case_insensitive" % (tag, table, tag))
    pipes = {r["name"]: r for r in sql("show pipes like '%%%s'" % tag)}
    channel = pipes["CSV_" + tag.upper()]["notification_channel"]
    assert channel == pipes["JSON_" + tag.upper()]["notification_channel"]
    assert channel.startswith("arn:aws:sqs:us-east-1:000000000000:sf-snowpipe-")
    return {"tag": tag, "bucket": bucket, "s3": s3, "sql": sql, "table": table, "channel": channel,
            "dir": tmp_path}


def count(f):
    return f["sql"].scalar("select count(*) from %s" % f["table"])


def settled(f, pipe, received_after):
    """The pipe has received a notification after a time and has nothing
    pending: whatever that notification asked for is done."""
    st = pipe_status(f["sql"], pipe)
    got = st.get("lastReceivedMessageTimestamp", "") > received_after
    return got and st["pendingFileCount"] == 0 and st.get("numOutstandingMessagesOnChannel", 0) == 0


def now_iso():
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(time.time() - 1))


def test_guide_flow_s3_to_pipe(flow, aws2, nuage):
    f = flow
    f["s3"].put_bucket_notification_configuration(Bucket=f["bucket"], NotificationConfiguration={
        "QueueConfigurations": [{"QueueArn": f["channel"], "Events": ["s3:ObjectCreated:*"],
                                 "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "exports/"}]}}}]})
    d = f["dir"]
    (d / "sales.csv").write_text('region,product,amount,day\neu,"widget, large",10.50,2026-11-01\n'
                                 "us,gadget,oops,2026-11-02\nfr,widget,7,2026-11-03\n")
    (d / "sales.json").write_text('{"region":"jp","product":"gizmo","amount":3.25,"day":"2026-11-04"}\n'
                                  '{"region":"de","product":"gizmo","amount":1,"day":"2026-11-05"}\n')
    prefix = "s3://%s/exports/year=2026/month=11/" % f["bucket"]
    t0 = time.time()
    aws2(nuage.endpoint, "s3", "cp", str(d / "sales.csv"), prefix + "sales.csv")
    aws2(nuage.endpoint, "s3", "cp", str(d / "sales.json"), prefix + "sales.json")
    uploaded = time.time()
    assert until(lambda: count(f) == 4, timeout=20), "the files were not loaded: %s" % count(f)
    print("guide flow: both files in the table %.3f s after the second upload finished (uploads took %.3f s)"
          % (time.time() - uploaded, uploaded - t0))
    rows = f["sql"]("select region, product, amount, day from %s order by day" % f["table"])
    assert [r["region"] for r in rows] == ["eu", "fr", "jp", "de"]
    assert rows[0]["product"] == "widget, large" and rows[0]["amount"] == "10.5"
    # the bad row is in COPY_HISTORY; the rest of its file loaded (ON_ERROR = CONTINUE)
    hist = f["sql"]("select file_name, status, row_count, row_parsed, error_count, first_error_message, "
                    "first_error_line_number, pipe_name from table(information_schema.copy_history(table_name=>'%s', "
                    "start_time=>dateadd(hours, -1, current_timestamp()))) order by file_name" % f["table"])
    assert hist[0] == {"FILE_NAME": "year=2026/month=11/sales.csv", "STATUS": "Partially loaded", "ROW_COUNT": 2,
                       "ROW_PARSED": 3, "ERROR_COUNT": 1, "FIRST_ERROR_MESSAGE": "Numeric value 'oops' is not recognized",
                       "FIRST_ERROR_LINE_NUMBER": 3, "PIPE_NAME": "CSV_" + f["tag"].upper()}
    assert hist[1]["FILE_NAME"] == "year=2026/month=11/sales.json" and hist[1]["STATUS"] == "Loaded"
    # re-uploading the same file does not double it
    mark = now_iso()
    aws2(nuage.endpoint, "s3", "cp", str(d / "sales.csv"), prefix + "sales.csv")
    assert until(lambda: settled(f, "csv_" + f["tag"], mark), timeout=20)
    assert count(f) == 4
    st = pipe_status(f["sql"], "csv_" + f["tag"])
    assert st["executionState"] == "RUNNING" and st["lastIngestedFilePath"] == "year=2026/month=11/sales.csv"
    assert st["notificationChannelName"] == f["channel"]
    # a file outside the pipes' patterns or prefix is not loaded
    aws2(nuage.endpoint, "s3", "cp", str(d / "sales.csv"), "s3://%s/exports/readme.txt" % f["bucket"])
    aws2(nuage.endpoint, "s3", "cp", str(d / "sales.csv"), "s3://%s/other/sales.csv" % f["bucket"])
    time.sleep(0.5)
    assert count(f) == 4


def test_s3_to_sns_to_pipe(flow, boto, nuage):
    """The guide's chain: S3 event -> SNS -> Snowpipe (the pipe's channel subscribed to the topic)."""
    f = flow
    sns = boto("sns", nuage.endpoint)
    topic = sns.create_topic(Name="exports-" + f["tag"])["TopicArn"]
    sub = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=f["channel"])["SubscriptionArn"]
    f["s3"].put_bucket_notification_configuration(Bucket=f["bucket"], NotificationConfiguration={
        "TopicConfigurations": [{"TopicArn": topic, "Events": ["s3:ObjectCreated:Put"]}]})
    f["s3"].put_object(Bucket=f["bucket"], Key="exports/year=2026/month=11/a b.csv",
                       Body=b"region,product,amount,day\nnl,thing,2,2026-11-09\n")
    assert until(lambda: count(f) == 1, timeout=20)
    # raw delivery (no SNS envelope) works the same
    sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="RawMessageDelivery", AttributeValue="true")
    f["s3"].put_object(Bucket=f["bucket"], Key="exports/year=2026/month=11/c.csv",
                       Body=b"region,product,amount,day\nbe,thing,3,2026-11-10\n")
    assert until(lambda: count(f) == 2, timeout=20)
    # the same notification arriving again loads nothing twice
    mark = now_iso()
    sns.publish(TopicArn=topic, Message=s3_event(f["bucket"], "exports/year=2026/month=11/c.csv"))
    assert until(lambda: settled(f, "csv_" + f["tag"], mark), timeout=20)
    assert count(f) == 2


def test_pause_refresh_replace_and_drop(flow, boto, nuage):
    f = flow
    sql, tag = f["sql"], f["tag"]
    csv_pipe = "csv_" + tag
    sns = boto("sns", nuage.endpoint)
    topic = sns.create_topic(Name="manual-" + tag)["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=f["channel"], Attributes={"RawMessageDelivery": "true"})

    def notify(key):
        sns.publish(TopicArn=topic, Message=s3_event(f["bucket"], key))

    body = b"region,product,amount,day\nse,x,1,2026-11-11\n"
    # a file staged before the pipe noticed it: REFRESH queues it
    f["s3"].put_object(Bucket=f["bucket"], Key="exports/old.csv", Body=body)
    rows = sql("alter pipe %s refresh" % csv_pipe)
    assert rows == [{"File": "old.csv", "Status": "SENT"}]
    assert until(lambda: count(f) == 1, timeout=20)
    assert sql("alter pipe %s refresh" % csv_pipe) == []  # loaded files are not sent again
    # paused: notifications queue up as pending files, nothing loads
    assert sql("alter pipe %s set pipe_execution_paused = true" % csv_pipe)[0]["status"] == \
        "Statement executed successfully."
    f["s3"].put_object(Bucket=f["bucket"], Key="exports/p.csv", Body=body)
    notify("exports/p.csv")
    assert until(lambda: pipe_status(sql, csv_pipe)["pendingFileCount"] == 1, timeout=20)
    st = pipe_status(sql, csv_pipe)
    assert st["executionState"] == "PAUSED" and st["oldestPendingFilePath"] == "p.csv"
    assert count(f) == 1
    sql("alter pipe %s set pipe_execution_paused = false" % csv_pipe)
    assert until(lambda: count(f) == 2, timeout=20)
    # an event for a file that is gone: nothing loads, the pipe says why
    notify("exports/gone.csv")
    assert until(lambda: "not found" in pipe_status(sql, csv_pipe).get("error", ""), timeout=20)
    # CREATE OR REPLACE makes a new pipe: its load history starts empty (as on Snowflake)
    sql("create or replace pipe %s auto_ingest = true as copy into %s from @exports_%s pattern = '.*[.]csv'"
        % (csv_pipe, f["table"], tag))
    assert len(sql("alter pipe %s refresh" % csv_pipe)) == 2
    assert until(lambda: count(f) == 4, timeout=20)
    # DESC, SHOW, DROP
    d = sql("desc pipe %s" % csv_pipe)[0]
    assert d["definition"].startswith("copy into " + f["table"]) and d["pattern"] == ".*[.]csv"
    assert sql("drop pipe %s" % csv_pipe)[0]["status"] == "%s successfully dropped." % csv_pipe.upper()
    assert "does not exist" in sql("select system$pipe_status('%s')" % csv_pipe, expect_error=True)
    f["s3"].put_object(Bucket=f["bucket"], Key="exports/late.csv", Body=body)
    notify("exports/late.csv")
    time.sleep(0.5)
    assert count(f) == 4


def test_pipe_definition_errors(flow):
    sql, tag = flow["sql"], flow["tag"]
    assert "copy option 'FORCE' is not supported in a pipe" in sql(
        "create pipe bad_%s as copy into %s from @exports_%s force = true" % (tag, flow["table"], tag),
        expect_error=True)
    assert "Stage 'NOPE_STAGE' does not exist" in sql(
        "create pipe bad_%s as copy into %s from @nope_stage" % (tag, flow["table"]), expect_error=True)
    assert "does not exist" in sql("create pipe bad_%s as copy into nope_table from @exports_%s" % (tag, tag),
                                   expect_error=True)
    assert "already exists" in sql("create pipe csv_%s as copy into %s from @exports_%s"
                                   % (tag, flow["table"], tag), expect_error=True)
