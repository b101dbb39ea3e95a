"""The Redshift Data API over nuage's embedded warehouse, through real
clients: Debian's boto3 (1.26) in process, the image's boto3 (1.43) for
what only newer SDKs send (sessions), both aws CLIs and the JS SDK v3."""
import json
import time

import pytest
from botocore.exceptions import ClientError

from conftest import jout
from whhelp import Sql, records, wait


@pytest.fixture
def rsd(boto, nuage):
    return boto("redshift-data", nuage.endpoint)


@pytest.fixture
def sql(rsd):
    return Sql(rsd)


def test_typed_results_and_metadata(rsd, sql):
    sql("create table rd_types (id bigint, name varchar(20), amount numeric(10,2), ok boolean, x double precision, "
        "d date, b blob)")
    d = sql("insert into rd_types values (1, 'ñandú', 12.5, 1, 0.25, '2026-11-01', x'00ff'), "
            "(2, null, null, 0, null, null, null)")
    assert d["ResultRows"] == 2 and d["HasResultSet"] is False
    sid = sql.submit("select * from rd_types order by id")
    desc = wait(rsd, sid)
    assert desc["Status"] == "FINISHED" and desc["HasResultSet"] and desc["ResultRows"] == 2
    assert desc["ResultSize"] > 0 and desc["Duration"] >= 0 and desc["QueryString"].startswith("select")
    r = rsd.get_statement_result(Id=sid)
    assert r["TotalNumRows"] == 2
    meta = {m["name"]: m for m in r["ColumnMetadata"]}
    assert meta["id"]["typeName"] == "int8" and meta["amount"]["typeName"] == "numeric"
    assert meta["amount"]["precision"] == 10 and meta["amount"]["scale"] == 2
    assert meta["name"]["typeName"] == "varchar" and meta["ok"]["typeName"] == "bool"
    first, second = r["Records"]
    assert first[0] == {"longValue": 1}
    assert first[1] == {"stringValue": "ñandú"}
    assert first[2] == {"stringValue": "12.5"}
    assert first[3] == {"booleanValue": True}
    assert first[4] == {"doubleValue": 0.25}
    assert first[5] == {"stringValue": "2026-11-01"}
    assert first[6] == {"blobValue": b"\x00\xff"}
    assert second[1] == {"isNull": True} and second[3] == {"booleanValue": False}


def test_parameters(sql):
    sql("create table rd_params (id int, region text)")
    sql("insert into rd_params values (:id, :region)", Parameters=[{"name": "id", "value": "7"},
                                                                  {"name": "region", "value": "it's eu"}])
    rows = sql("select region from rd_params where id = :id", Parameters=[{"name": "id", "value": "7"}])
    assert rows == [{"region": "it's eu"}]


def test_parameter_errors_and_one_statement(rsd, sql):
    with pytest.raises(ClientError) as e:
        sql("select :nope", Parameters=[{"name": "id", "value": "1"}])
    assert e.value.response["Error"]["Code"] == "ValidationException"
    assert "nope" in e.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as e:
        sql("select 1", Parameters=[{"name": "unused", "value": "1"}])
    assert "unused" in e.value.response["Error"]["Message"]
    err = sql("select 1; select 2", expect_error=True)
    assert "multiple commands" in err
    err = sql("select * from rd_no_such_table", expect_error=True)
    assert "rd_no_such_table" in err


def test_batch_is_one_transaction(rsd, sql):
    sql("create table rd_batch (id int)")
    sid = rsd.batch_execute_statement(Database="dev", Sqls=[
        "insert into rd_batch values (1)", "insert into rd_batch values (2)", "select count(*) as n from rd_batch"],
        StatementName="rd-batch")["Id"]
    d = wait(rsd, sid)
    assert d["Status"] == "FINISHED"
    subs = d["SubStatements"]
    assert [s["Id"] for s in subs] == [sid + ":1", sid + ":2", sid + ":3"]
    assert all(s["Status"] == "FINISHED" for s in subs)
    assert subs[2]["HasResultSet"] and not subs[0]["HasResultSet"]
    rows, _ = records(rsd, sid + ":3")
    assert rows == [{"n": 2}]
    assert rsd.describe_statement(Id=sid + ":1")["ResultRows"] == 1
    # a failing statement rolls the whole batch back; the rest is aborted
    sid = rsd.batch_execute_statement(Database="dev", Sqls=[
        "insert into rd_batch values (3)", "insert into nope values (1)", "insert into rd_batch values (4)"])["Id"]
    d = wait(rsd, sid)
    assert d["Status"] == "FAILED" and "nope" in d["Error"]
    assert [s["Status"] for s in d["SubStatements"]] == ["FINISHED", "FAILED", "ABORTED"]
    assert sql.scalar("select count(*) from rd_batch") == 2
    with pytest.raises(ClientError) as e:
        rsd.get_statement_result(Id=sid)
    assert e.value.response["Error"]["Code"] == "ValidationException"


def test_pagination_of_results(rsd, sql):
    # about 3 MiB of records: several pages
    sid = sql.submit("with recursive n(i) as (select 1 union all select i + 1 from n where i < 30000) "
                     "select i, printf('%080d', i) as pad from n")
    assert wait(rsd, sid)["ResultRows"] == 30000
    first = rsd.get_statement_result(Id=sid)
    assert "NextToken" in first and 0 < len(first["Records"]) < 30000 and first["TotalNumRows"] == 30000
    pages = list(rsd.get_paginator("get_statement_result").paginate(Id=sid))
    assert len(pages) >= 2
    ids = [rec[0]["longValue"] for p in pages for rec in p["Records"]]
    assert ids == list(range(1, 30001))
    with pytest.raises(ClientError) as e:
        rsd.get_statement_result(Id=sid, NextToken="garbage")
    assert e.value.response["Error"]["Code"] == "ValidationException"


def test_describe_errors(rsd, sql):
    with pytest.raises(ClientError) as e:
        rsd.describe_statement(Id="00000000-0000-0000-0000-000000000000")
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as e:
        rsd.describe_statement(Id="not-an-id")
    assert e.value.response["Error"]["Code"] == "ValidationException"
    sid = sql.submit("create table rd_ddl (a int)")
    wait(rsd, sid)
    with pytest.raises(ClientError) as e:
        rsd.get_statement_result(Id=sid)
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert "does not have result" in e.value.response["Error"]["Message"]


def test_cancel_statement(rsd, sql):
    sid = sql.submit("with recursive n(i) as (select 1 union all select i + 1 from n where i < 2000000000) "
                     "select count(*) from n")
    time.sleep(0.2)
    assert rsd.cancel_statement(Id=sid)["Status"] is True
    d = wait(rsd, sid)
    assert d["Status"] == "ABORTED"
    with pytest.raises(ClientError) as e:
        rsd.cancel_statement(Id=sid)
    assert e.value.response["Error"]["Code"] == "ValidationException"
    assert "ABORTED" in e.value.response["Error"]["Message"]


def test_list_statements(rsd, sql):
    tag = "rd-list-%d" % int(time.time() * 1000)
    for i in range(3):
        wait(rsd, sql.submit("select %d" % i, StatementName="%s-%d" % (tag, i)))
    r = rsd.list_statements(StatementName=tag, Status="FINISHED")
    names = sorted(s["StatementName"] for s in r["Statements"])
    assert names == ["%s-%d" % (tag, i) for i in range(3)]
    assert all(s["QueryString"].startswith("select") and not s["IsBatchStatement"] for s in r["Statements"])
    page = rsd.list_statements(StatementName=tag, MaxResults=2)
    assert len(page["Statements"]) == 2 and page["NextToken"]
    rest = rsd.list_statements(StatementName=tag, MaxResults=2, NextToken=page["NextToken"])
    assert len(rest["Statements"]) == 1
    # newest first
    created = [s["CreatedAt"] for s in r["Statements"]]
    assert created == sorted(created, reverse=True)


def test_catalog_operations(rsd, sql):
    sql("create table rd_cat (id bigint not null, name varchar(12) default 'x', amount numeric(8,3))")
    assert rsd.list_databases(Database="dev")["Databases"] == ["dev"]
    assert rsd.list_schemas(Database="dev")["Schemas"] == ["public"]
    tables = rsd.list_tables(Database="dev", TablePattern="rd_c%")["Tables"]
    assert {"name": "rd_cat", "schema": "public", "type": "TABLE"} in tables
    assert not any(t["name"].startswith("_nuage") for t in rsd.list_tables(Database="dev")["Tables"])
    d = rsd.describe_table(Database="dev", Table="rd_cat")
    assert d["TableName"] == "rd_cat"
    cols = {c["name"]: c for c in d["ColumnList"]}
    assert cols["id"]["typeName"] == "int8" and cols["id"]["nullable"] == 0
    assert cols["name"]["length"] == 12 and cols["name"]["columnDefault"] == "'x'"
    assert cols["amount"]["typeName"] == "numeric" and cols["amount"]["scale"] == 3
    page = rsd.describe_table(Database="dev", Table="rd_cat", MaxResults=2)
    assert len(page["ColumnList"]) == 2 and page["NextToken"]


def test_warehouse_by_cluster_identifier(rsd):
    # an unknown cluster runs on the default warehouse, as documented
    r = rsd.execute_statement(ClusterIdentifier="prod-cluster", Database="analytics", DbUser="etl",
                              Sql="select 41 + 1 as v", WithEvent=True)
    assert r["ClusterIdentifier"] == "prod-cluster" and r["DbUser"] == "etl"
    wait(rsd, r["Id"])
    assert records(rsd, r["Id"])[0] == [{"v": 42}]
    d = rsd.describe_statement(Id=r["Id"])
    assert d["ClusterIdentifier"] == "prod-cluster" and d["Database"] == "analytics"


def test_sessions_and_client_token_with_newer_boto3(newpy, nuage):
    out = jout(newpy(nuage.endpoint, "redshift_data_newer.py"))
    assert out["in_session"] == 1 and out["other_session"] == 0 and out["after_commit"] == 1
    assert out["session_error"] == "ValidationException"
    assert out["same_token_same_id"] is True
    assert out["csv_error"] == "ValidationException"  # ResultFormat CSV is not implemented, and says so


def test_aws_cli_v2(aws2, nuage):
    r = jout(aws2(nuage.endpoint, "redshift-data", "execute-statement", "--database", "dev", "--sql",
                  "select 'cli' as who, 2 as n"))
    deadline = time.time() + 20
    while jout(aws2(nuage.endpoint, "redshift-data", "describe-statement", "--id", r["Id"]))["Status"] != "FINISHED":
        assert time.time() < deadline
        time.sleep(0.05)
    res = jout(aws2(nuage.endpoint, "redshift-data", "get-statement-result", "--id", r["Id"]))
    assert res["Records"] == [[{"stringValue": "cli"}, {"longValue": 2}]]
    dbs = jout(aws2(nuage.endpoint, "redshift-data", "list-databases", "--database", "dev"))
    assert dbs["Databases"] == ["dev"]


def test_aws_cli_v1(aws1, nuage):
    r = jout(aws1(nuage.endpoint, "redshift-data", "batch-execute-statement", "--database", "dev", "--sqls",
                  "create table rd_cli1 (a int)", "insert into rd_cli1 values (5)"))
    deadline = time.time() + 20
    while jout(aws1(nuage.endpoint, "redshift-data", "describe-statement", "--id", r["Id"]))["Status"] != "FINISHED":
        assert time.time() < deadline
        time.sleep(0.05)
    t = jout(aws1(nuage.endpoint, "redshift-data", "list-tables", "--database", "dev", "--table-pattern", "rd_cli1"))
    assert t["Tables"][0]["name"] == "rd_cli1"


def test_js_sdk_v3(node, nuage):
    out = jout(node(nuage.endpoint, "redshift_data.mjs"))
    assert out["records"] == [[{"longValue": 3}, {"stringValue": "js"}]]
    assert out["status"] == "FINISHED" and out["tables"] >= 1
