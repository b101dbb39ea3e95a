"""The warehouse against a real PostgreSQL server this test run starts
(Debian's postgresql, a temporary cluster on a loopback port, see
pgserver.py): the guide's monthly-exports flow with a pipe, COPY INTO's
binary COPY checked value by value against psql's own \\copy of the same
file, the text COPY fallback, the Redshift backend (multi-row INSERT; PostgreSQL
stands in for Redshift) and the Data API's catalog operations. Driven with
Debian's boto3; the data is checked with psql as well."""
import json
import os
import tempfile
import time
import uuid

import pytest

from conftest import Nuage
from pgserver import PgServer
from whhelp import Sql, until


@pytest.fixture(scope="module")
def pg():
    with PgServer() as server:
        yield server


@pytest.fixture(scope="module")
def node(pg):
    """nuage with two more warehouses on that server: pg (postgres backend)
    and rs (the redshift backend, the same database)."""
    rs_url = "redshift://" + pg.url[len("postgresql://"):]
    n = Nuage(extra_args=["--warehouse", "pg=" + pg.url, "--warehouse", "rs=" + rs_url]).start()
    yield n
    rc = n.stop()
    n.check_clean()
    assert rc == 0, "nuage exited with %s:\n%s" % (rc, n.log_text()[-4000:])
    n.cleanup()


@pytest.fixture(scope="module")
def env(boto, node):
    rsd = boto("redshift-data", node.endpoint)
    s3 = boto("s3", node.endpoint)
    s3.create_bucket(Bucket="pgdata")
    return {"pg": Sql(rsd, "pg"), "rs": Sql(rsd, "rs"), "dev": Sql(rsd), "rsd": rsd, "s3": s3}


def put(env, key, body):
    env["s3"].put_object(Bucket="pgdata", Key=key, Body=body if isinstance(body, bytes) else body.encode())


def test_guide_flow_on_postgres(env, pg, aws2, node, tmp_path):
    sql, s3 = env["pg"], env["s3"]
    tag = uuid.uuid4().hex[:8]
    bucket = "guide-pg-" + tag
    s3.create_bucket(Bucket=bucket)
    sql("create table monthly (region varchar(20), product varchar(20), amount numeric(12,2), day date)")
    sql("create file format csv_fmt type = csv skip_header = 1 field_optionally_enclosed_by = '\"'")
    sql("create stage exports url = 's3://%s/exports/' file_format = (format_name = 'csv_fmt')" % bucket)
    sql("create pipe monthly_pipe auto_ingest = true as copy into monthly from @exports pattern = '.*[.]csv' "
        "on_error = continue")
    pipe = sql("show pipes like 'MONTHLY_PIPE'")[0]
    channel = pipe["notification_channel"]
    assert channel.startswith("arn:aws:sqs:us-east-1:000000000000:sf-snowpipe-pg-")
    # the same names in the default (SQLite) warehouse are other objects
    assert sql.rsd and env["dev"]("show pipes like 'MONTHLY_PIPE'") == []
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
        "QueueConfigurations": [{"QueueArn": channel, "Events": ["s3:ObjectCreated:*"]}]})
    f = tmp_path / "sales.csv"
    f.write_text('region,product,amount,day\neu,"widget, large",10.50,2026-11-01\nus,gadget,oops,2026-11-02\n'
                 "fr,widget,7,2026-11-03\n")
    aws2(node.endpoint, "s3", "cp", str(f), "s3://%s/exports/year=2026/month=11/sales.csv" % bucket)

    def loaded():
        return sql.scalar("select count(*) from monthly")
    assert until(lambda: loaded() == 2, timeout=20), loaded()
    # the rows are in PostgreSQL itself, with the load metadata beside them
    assert pg.psql("select region, product, amount, day from monthly order by day") == \
        "eu|widget, large|10.50|2026-11-01\nfr|widget|7.00|2026-11-03\n"
    assert pg.psql("select count(*) from _nuage_load_history where table_name = 'public.monthly'") == "1\n"
    hist = sql("select file_name, status, row_count, row_parsed, first_error_message, pipe_name "
               "from table(information_schema.copy_history(table_name=>'MONTHLY', "
               "start_time=>dateadd(hours, -1, current_timestamp())))")
    assert hist == [{"file_name": "year=2026/month=11/sales.csv", "status": "Partially loaded", "row_count": 2,
                     "row_parsed": 3, "first_error_message": "Numeric value 'oops' is not recognized",
                     "pipe_name": "MONTHLY_PIPE"}]
    # uploading the file again does not double it
    before = json.loads(sql.scalar("select system$pipe_status('monthly_pipe')"))["lastReceivedMessageTimestamp"]
    aws2(node.endpoint, "s3", "cp", str(f), "s3://%s/exports/year=2026/month=11/sales.csv" % bucket)

    def settled():
        st = json.loads(sql.scalar("select system$pipe_status('monthly_pipe')"))
        return st["lastReceivedMessageTimestamp"] > before and st["pendingFileCount"] == 0
    assert until(settled, timeout=20)
    assert loaded() == 2
    # a bulk COPY of the same file is a separate load (bulk metadata is its own), FORCE aside
    r = sql("copy into monthly from @exports/year=2026/month=11/ on_error = skip_file")
    assert r[0]["status"] == "LOAD_FAILED" and r[0]["errors_seen"] == 1
    sql("drop pipe monthly_pipe")
    sql("drop stage exports")
    sql("drop file format csv_fmt")
    sql("drop table monthly")


# Every kind of value the binary COPY encodes, including the awkward ones;
# psql's \copy of the same file is the reference.
FIDELITY_COLUMNS = ("id integer, i2 smallint, i8 bigint, n numeric, n2 numeric(20,2), n6 numeric(30,6), "
                    "f4 real, f8 double precision, t text, v varchar(12), c char(3), b boolean, d date, "
                    "ts timestamp, tz timestamptz, tm time, j json, jb jsonb")
FIDELITY_ROWS = [
    '1,0,0,0,0,0,0,0,plain,v,abc,true,2026-11-01,2026-11-01 10:00:00,2026-11-01 10:00:00+00,00:00:00,"{}","{}"',
    '2,-32768,-9223372036854775808,-0,-0.004,-0.0000005,-1.5,-0.0,"tab\there",,x,false,1970-01-01,'
    '1970-01-01 00:00:00,1970-01-01 00:00:00+00,23:59:59.999999,"[1, 2]","[1, 2]"',
    '3,32767,9223372036854775807,123456789012345678901234567890.123456789,99999999999999999.99,'
    '123456789012345678901234.123456,3.4e38,1.7976931348623157e308,"line one\nline two",'
    '"quote "" in",zz,yes,2000-02-29,2000-02-29 23:59:59.5,2000-02-29 23:59:59.5-08:00,12:00,'
    '"{""a"": {""b"": [true, null]}}","{""z"": 1, ""a"": 2}"',
    '4,1,1,0.0001,9999.9999,1.0000005,1e-30,1e-300,"back\\\\slash \\\\N",,,no,1899-12-31,'
    '1899-12-31 23:59:59.000001,1899-12-31 23:59:59+05:30,01:02:03.5,"""s""","""s"""',
    '5,,,1E+20,1.5E3,5e-3,,,"",,"",on,0001-01-01,0001-01-01 00:00:00,2262-04-11 23:47:16+00,,,',
    '6,7,7,NaN,-99999999.99,0.5,NaN,-Infinity,"unicode é 中 😀",é中😀,é,off,9999-12-31,'
    '9999-12-31 23:59:59.999999,2026-03-29 01:30:00+01,10:00:00,"{""k"": ""é""}","{""k"": ""😀""}"',
    '7,,,,,,,,,,,,,,,,,',
    '8,-1,-1,-12.5,-12.5,-12.5,Infinity,Infinity,"\u00a0 spaces  ","  pad  ",a,1,2024-01-15,'
    '2024-01-15T08:09:10,2024-01-15T08:09:10Z,08:09:10,"1","1"',
    '9,0,0,1.23456789e-10,0.125,0.1234565,0.1,0.1,"a,b","a,b",a,0,2024-12-31,2024-12-31 00:00:00.1,'
    '2024-12-31 00:00:00.1+14:00,00:00:00.000001,"true","null"',
]


def compare_with_psql(env, pg, sql, table, columns, rows, options=""):
    body = ",".join(c.split()[0] for c in columns.split(", ")) + "\n" + "\n".join(rows) + "\n"
    key = "fidelity/%s.csv" % table
    put(env, key, body)
    sql("create table %s (%s)" % (table, columns))
    pg.psql("create table %s_ref (%s)" % (table, columns))
    r = sql("copy into %s from 's3://pgdata/%s' file_format = (type = csv skip_header = 1 "
            "field_optionally_enclosed_by = '\"' %s)" % (table, key, options))
    assert r[0]["status"] == "LOADED" and r[0]["rows_loaded"] == len(rows), r
    with tempfile.NamedTemporaryFile("w", suffix=".csv") as tmp:
        tmp.write(body)
        tmp.flush()
        os.chmod(tmp.name, 0o644)
        pg.psql("\\copy %s_ref from '%s' with (format csv, header true)" % (table, tmp.name))
    # every value equal, in PostgreSQL's text for them (json has no =), both ways
    for a, b in ((table, table + "_ref"), (table + "_ref", table)):
        diff = pg.psql("select id from %s a where not exists (select 1 from %s b where b.id = a.id and "
                       "row(b.*)::text = row(a.*)::text) order by id" % (a, b))
        assert diff == "", "rows that differ from psql's: %s\n%s\n%s" % (
            diff, pg.psql("select * from %s order by id" % a), pg.psql("select * from %s order by id" % b))
    return body


def test_binary_copy_matches_psql(env, pg):
    compare_with_psql(env, pg, env["pg"], "fid_bin", FIDELITY_COLUMNS, FIDELITY_ROWS)
    # spot checks of what was stored, in PostgreSQL's text
    out = pg.psql("select n::text, n2::text, f8::text, tz::text, t from fid_bin where id in (3, 6) order by id")
    assert out.startswith("123456789012345678901234567890.123456789|99999999999999999.99|1.7976931348623157e+308|"
                          "2000-03-01 07:59:59.5+00|line one\nline two\n")
    assert "NaN|-99999999.99|-Infinity|2026-03-29 00:30:00+00|unicode é 中 😀" in out
    # and through the Data API: numeric as text, NULLs as isNull, json as text
    rows = env["pg"]("select id, n2, b, j from fid_bin where id in (1, 7) order by id")
    assert rows == [{"id": 1, "n2": "0.00", "b": True, "j": "{}"}, {"id": 7, "n2": None, "b": None, "j": None}]


def test_binary_copy_bytea_and_errors(env, pg):
    sql = env["pg"]
    put(env, "bytes/a.csv", "1,DEADBEEF\n2,\n3,00ff10\n")
    sql("create table fid_bytes (id integer, b bytea)")
    r = sql("copy into fid_bytes from 's3://pgdata/bytes/a.csv' file_format = (type = csv)")
    assert r[0]["rows_loaded"] == 3
    assert pg.psql("select id, encode(b, 'hex') from fid_bytes order by id") == "1|deadbeef\n2|\n3|00ff10\n"
    # values PostgreSQL cannot take are that file's errors, in Snowflake's words, not a failed load
    put(env, "bad/a.csv", "1,40000,2026-02-01\n2,5,2026-02-01\n3,7,2026-02-30\n")
    sql("create table fid_bad (id integer, s smallint, d date)")
    r = sql("copy into fid_bad from 's3://pgdata/bad/' file_format = (type = csv) on_error = continue")[0]
    assert r["status"] == "PARTIALLY_LOADED" and r["rows_loaded"] == 1 and r["errors_seen"] == 2, (r, pg.psql("select * from fid_bad"))
    assert pg.psql("select id, s, d from fid_bad") == "2|5|2026-02-01\n"
    r = sql("copy into fid_bad from 's3://pgdata/bad/' file_format = (type = csv) force = true", expect_error=True)
    assert "Numeric value '40000' is out of range" in r or "Date '2026-02-30' is not recognized" in r, r
    # the aborted load left nothing behind
    assert pg.psql("select count(*) from fid_bad") == "1\n"
    # the same on the text COPY path (a uuid column) and the redshift backend's INSERTs
    for wh, table, extra in (("pg", "fid_bad_text", ", u uuid"), ("rs", "fid_bad_rs", "")):
        env[wh]("create table %s (id integer, s smallint, d date, n numeric%s)" % (table, extra))
        put(env, "bad2/a.csv", "1,40000,2026-02-01,1\n2,5,2026-02-01,2.5\n3,7,2026-02-03,oops\n4,8,,1e3\n")
        r = env[wh]("copy into %s (id, s, d, n) from 's3://pgdata/bad2/' file_format = (type = csv) on_error = continue"
                    % table)[0]
        assert r["status"] == "PARTIALLY_LOADED" and r["rows_loaded"] == 2 and r["errors_seen"] == 2, r
        assert r["first_error"] == "Numeric value '40000' is out of range", r
        assert pg.psql("select id, s, d, n from %s order by id" % table) == "2|5|2026-02-01|2.5\n4|8||1000\n"


def test_text_copy_fallback(env, pg):
    """Types nuage has no binary encoder for go as COPY's text format."""
    cols = "id integer, u uuid, tt timetz, iv interval, ip inet, a text"
    rows = ['1,a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11,10:00:00+02,1 day 02:00:00,10.0.0.1,"tab\there"',
            '2,,,,,"back\\\\slash \\\\N and \\\\."',
            '3,A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A12,23:59:59-08,-3 hours,::1,"multi\nline\r\nend"',
            '4,,,,,""']
    compare_with_psql(env, pg, env["pg"], "fid_text", cols, rows)


def test_json_lines_into_postgres(env, pg):
    sql = env["pg"]
    put(env, "jl/a.json", '{"ID": 1, "Name": "a", "Doc": {"x": [1, 2]}, "Amount": 1.25, "When": "2026-11-01"}\n'
                          '{"id": 2, "name": null, "doc": "s", "amount": 1e2}\n')
    sql("create table jl (id integer, name text, doc jsonb, amount numeric(10,2), \"when\" date)")
    r = sql("copy into jl from 's3://pgdata/jl/' file_format = (type = json) "
            "match_by_column_name = case_insensitive")
    assert r[0]["rows_loaded"] == 2
    assert pg.psql("select id, name, doc::text, amount, \"when\" from jl order by id") == \
        '1|a|{"x": [1, 2]}|1.25|2026-11-01\n2||"s"|100.00|\n'


def test_redshift_backend_inserts(env, pg):
    """The redshift backend loads with multi-row INSERTs; the same values as psql's \\copy."""
    cols = ("id integer, i8 bigint, n2 numeric(20,2), f8 double precision, t text, v varchar(12), b boolean, "
            "d date, ts timestamp, tz timestamptz")
    rows = ['1,9223372036854775807,99999999999999999.99,1.5,"tab\there",x,true,2026-11-01,2026-11-01 10:00:00.5,'
            '2026-11-01 10:00:00+02',
            '2,,,,,,,,,',
            '3,-1,-0.004,-0.0,"quote \' and "" and \\\\",é中😀,no,1970-01-01,1970-01-01 00:00:00,1970-01-01 00:00:00Z',
            '4,0,1.5E3,NaN,"line\nbreak","",off,2000-02-29,2000-02-29 23:59:59.999999,2000-02-29 23:59:59-08:00']
    # more rows than one INSERT takes
    rows += ['%d,%d,%d.25,%d.5,row %d,r%d,%s,2026-01-%02d,2026-01-01 00:00:%02d,2026-01-01 00:00:00+00'
             % (i, i * 1000, i, i, i, i, "true" if i % 2 else "false", i % 28 + 1, i % 60) for i in range(5, 1200)]
    compare_with_psql(env, pg, env["rs"], "rs_fid", cols, rows)
    # the redshift warehouse's own load history, on the same database
    assert pg.psql("select count(*) from _nuage_load_history where table_name = 'public.rs_fid'") == "1\n"
    r = env["rs"]("copy into rs_fid from 's3://pgdata/fidelity/rs_fid.csv' file_format = (type = csv skip_header = 1)")
    assert r == [{"status": "Copy executed with 0 files processed."}]


def test_data_api_catalog_on_postgres(env, pg):
    rsd, sql = env["rsd"], env["pg"]
    sql("create schema if not exists sales")
    sql("create table sales.orders (id bigint not null, amount numeric(12,2), note varchar(40), at timestamptz)")
    sql("create view sales.big as select * from sales.orders where amount > 100")
    dbs = rsd.list_databases(ClusterIdentifier="pg", Database="dev")["Databases"]
    assert "nuage" in dbs
    schemas = rsd.list_schemas(ClusterIdentifier="pg", Database="nuage", SchemaPattern="sal%")["Schemas"]
    assert schemas == ["sales"]
    tables = rsd.list_tables(ClusterIdentifier="pg", Database="nuage", SchemaPattern="sales")["Tables"]
    assert sorted((t["name"], t["type"]) for t in tables) == [("big", "VIEW"), ("orders", "TABLE")]
    cols = rsd.describe_table(ClusterIdentifier="pg", Database="nuage", Schema="sales", Table="orders")["ColumnList"]
    got = {c["name"]: (c["typeName"], c.get("precision"), c.get("scale"), c["nullable"]) for c in cols}
    assert got["id"] == ("int8", 19, 0, 0)
    assert got["amount"] == ("numeric", 12, 2, 1)
    assert got["note"][0] == "varchar" and got["note"][1] == 40
    assert got["at"][0] == "timestamptz"
    # a batch is one transaction: a failing statement rolls back the ones before it
    sid = rsd.batch_execute_statement(ClusterIdentifier="pg", Database="dev", Sqls=[
        "insert into sales.orders values (1, 5, 'a', now())", "insert into sales.orders values (null, 1, 'b', now())"])["Id"]
    from whhelp import wait
    d = wait(rsd, sid)
    assert d["Status"] == "FAILED" and "null value" in d["Error"], d
    assert pg.psql("select count(*) from sales.orders") == "0\n"
    # parameters bind by name, typed by the server
    sql("insert into sales.orders values (:id, :amount, :note, now())", Parameters=[
        {"name": "id", "value": "7"}, {"name": "amount", "value": "123.456"}, {"name": "note", "value": "x'y"}])
    assert pg.psql("select id, amount, note from sales.big") == "7|123.46|x'y\n"
    # a long statement is cancelled on the server
    sid = rsd.execute_statement(ClusterIdentifier="pg", Database="dev", Sql="select pg_sleep(30)")["Id"]
    assert until(lambda: rsd.describe_statement(Id=sid)["Status"] == "STARTED", timeout=10)
    t0 = time.time()
    assert rsd.cancel_statement(Id=sid)["Status"] is True
    d = wait(rsd, sid, timeout=20)
    assert d["Status"] == "ABORTED", d
    assert time.time() - t0 < 20
