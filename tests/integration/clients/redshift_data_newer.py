"""Run by the newer boto3 (the image's python3): Data API sessions, which
only newer SDKs know (SessionKeepAliveSeconds, SessionId). A transaction
opened in a session is seen by the session's next statement and not by
another session until it commits. Prints a JSON summary."""
import json
import sys
import time

import boto3
import botocore.exceptions

rsd = boto3.client("redshift-data")


def done(sid):
    while True:
        d = rsd.describe_statement(Id=sid)
        if d["Status"] in ("FINISHED", "FAILED", "ABORTED"):
            assert d["Status"] == "FINISHED", d
            return d
        time.sleep(0.01)


def scalar(sid):
    done(sid)
    return rsd.get_statement_result(Id=sid)["Records"][0][0]["longValue"]


done(rsd.execute_statement(Database="dev", Sql="create table if not exists rd_sess (a int)")["Id"])
first = rsd.execute_statement(Database="dev", Sql="begin", SessionKeepAliveSeconds=60)
sess = first["SessionId"]
done(first["Id"])
done(rsd.execute_statement(Sql="insert into rd_sess values (1)", SessionId=sess)["Id"])
in_session = scalar(rsd.execute_statement(Sql="select count(*) from rd_sess", SessionId=sess)["Id"])
other_session = scalar(rsd.execute_statement(Database="dev", Sql="select count(*) from rd_sess")["Id"])
done(rsd.execute_statement(Sql="commit", SessionId=sess)["Id"])
after_commit = scalar(rsd.execute_statement(Database="dev", Sql="select count(*) from rd_sess")["Id"])
try:
    rsd.execute_statement(Sql="select 1", SessionId="00000000-0000-0000-0000-000000000000")
    error = None
except botocore.exceptions.ClientError as e:
    error = e.response["Error"]["Code"]
a = rsd.execute_statement(Database="dev", Sql="select 1", ClientToken="rd-token-1")["Id"]
b = rsd.execute_statement(Database="dev", Sql="select 1", ClientToken="rd-token-1")["Id"]
try:
    rsd.execute_statement(Database="dev", Sql="select 1", ResultFormat="CSV")
    csv_error = None
except botocore.exceptions.ClientError as e:
    csv_error = e.response["Error"]["Code"]
print(json.dumps({"csv_error": csv_error, "same_token_same_id": a == b, "in_session": in_session, "other_session": other_session, "after_commit": after_commit,
                  "session_error": error, "boto3": boto3.__version__}))
