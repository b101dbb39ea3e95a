"""COPY INTO, stages and file formats over nuage's S3, through the Redshift
Data API (Debian's boto3) into the embedded SQLite warehouse: Snowflake's
options, result columns, load metadata and error handling."""
import gzip
import json
import os
import subprocess
import tempfile

import pytest

from conftest import BIN
from whhelp import Sql

BUCKET = "whcopy"


@pytest.fixture(scope="module")
def env(boto, nuage):
    s3 = boto("s3", nuage.endpoint)
    s3.create_bucket(Bucket=BUCKET)
    return Sql(boto("redshift-data", nuage.endpoint)), s3


def put(s3, key, body):
    s3.put_object(Bucket=BUCKET, Key=key, Body=body if isinstance(body, bytes) else body.encode())


def by_file(rows):
    return {r["file"].split("/")[-1]: r for r in rows}


def test_stage_and_format_ddl(env):
    sql, s3 = env
    put(s3, "ddl/a.csv", "1,a\n")
    put(s3, "ddl/sub/b.csv", "2,b\n")
    assert sql("create file format ddl_fmt type = csv field_delimiter = ',' comment = 'c'")[0]["status"] == \
        "File format DDL_FMT successfully created."
    assert "already exists" in sql("create file format ddl_fmt type = csv", expect_error=True)
    assert sql("create file format if not exists ddl_fmt type = json")[0]["status"].endswith("statement succeeded.")
    assert sql("create or replace stage ddl_stage url = 's3://%s/ddl/' file_format = (format_name = 'ddl_fmt') "
               "comment = 'monthly'" % BUCKET)[0]["status"] == "Stage area DDL_STAGE successfully created."
    st = [r for r in sql("show stages like 'DDL%'")]
    assert len(st) == 1 and st[0]["url"] == "s3://%s/ddl/" % BUCKET and st[0]["type"] == "EXTERNAL"
    assert st[0]["comment"] == "monthly"
    fmts = sql("show file formats like 'ddl_%'")
    assert fmts[0]["name"] == "DDL_FMT" and fmts[0]["type"] == "CSV"
    props = {r["property"]: r["property_value"] for r in sql("desc stage ddl_stage")}
    assert props["URL"] == "s3://%s/ddl/" % BUCKET and props["FORMAT_NAME"] == "ddl_fmt"
    listed = sql("list @ddl_stage")
    assert [r["name"] for r in listed] == ["s3://%s/ddl/a.csv" % BUCKET, "s3://%s/ddl/sub/b.csv" % BUCKET]
    assert listed[0]["size"] == 4 and len(listed[0]["md5"]) == 32
    assert len(sql("list @ddl_stage/sub/")) == 1
    assert len(sql("list @ddl_stage pattern = '.*a[.]csv'")) == 1
    sql("alter stage ddl_stage set url = 's3://%s/ddl/sub/'" % BUCKET)
    assert len(sql("list @ddl_stage")) == 1
    sql("alter file format ddl_fmt rename to ddl_fmt2")
    assert sql("drop file format ddl_fmt2")[0]["status"] == "DDL_FMT2 successfully dropped."
    assert "does not exist or not authorized" in sql("drop stage nope_stage", expect_error=True)
    assert "already dropped" in sql("drop stage if exists nope_stage")[0]["status"]
    assert "Stage 'NOPE' does not exist" in sql("list @nope", expect_error=True)


def test_copy_csv_results_metadata_and_force(env):
    sql, s3 = env
    sql("create table c_sales (region varchar(10), amount numeric(10,2) not null, day date)")
    put(s3, "sales/2026/11/a.csv", "region,amount,day\neu,10.5,2026-11-01\nus,20,2026-11-02\n")
    put(s3, "sales/2026/11/b.csv", "region,amount,day\nfr,1,2026-11-03\n")
    sql("create stage c_sales_stage url = 's3://%s/sales/' file_format = (type = csv skip_header = 1)" % BUCKET)
    rows = by_file(sql("copy into c_sales from @c_sales_stage/2026/11/"))
    assert rows["a.csv"] == {"file": "s3://%s/sales/2026/11/a.csv" % BUCKET, "status": "LOADED", "rows_parsed": 2,
                             "rows_loaded": 2, "error_limit": 1, "errors_seen": 0, "first_error": None,
                             "first_error_line": None, "first_error_character": None,
                             "first_error_column_name": None}
    assert rows["b.csv"]["rows_loaded"] == 1
    # loaded files are skipped (load metadata: path + ETag)
    assert sql("copy into c_sales from @c_sales_stage/2026/11/") == [
        {"status": "Copy executed with 0 files processed."}]
    assert sql.scalar("select count(*) from c_sales") == 3
    # a changed file (new ETag) loads again; FORCE reloads everything
    put(s3, "sales/2026/11/b.csv", "region,amount,day\nfr,2,2026-11-03\n")
    assert list(by_file(sql("copy into c_sales from @c_sales_stage/2026/11/"))) == ["b.csv"]
    assert len(sql("copy into c_sales from @c_sales_stage/2026/11/ force = true")) == 2
    assert sql.scalar("select count(*) from c_sales") == 7
    # a dropped and recreated table has loaded nothing
    sql("drop table c_sales")
    sql("create table c_sales (region varchar(10), amount numeric(10,2) not null, day date)")
    assert len(sql("copy into c_sales from @c_sales_stage/2026/11/")) == 2


def test_on_error_modes(env):
    sql, s3 = env
    sql("create table c_err (id int not null, amount double precision, day date)")
    good = "id,amount,day\n1,1.5,2026-11-01\n2,2.5,2026-11-02\n"
    bad = "id,amount,day\n3,abc,2026-11-03\n4,4.5,2026-11-04\n5,5.5,not-a-date\n6,6,2026-11-06\n"
    put(s3, "err/good.csv", good)
    put(s3, "err/bad.csv", bad)
    loc = "'s3://%s/err/' file_format = (type = csv skip_header = 1)" % BUCKET
    # ABORT_STATEMENT (the default): nothing of the statement is loaded
    err = sql("copy into c_err from " + loc, expect_error=True)
    assert err.startswith("Numeric value 'abc' is not recognized\n  File 'bad.csv', line 2")
    assert "Row 1, column \"C_ERR\"[\"amount\":2]" in err and "ON_ERROR" in err
    assert sql.scalar("select count(*) from c_err") == 0
    # CONTINUE: good rows of the bad file load
    rows = by_file(sql("copy into c_err from " + loc + " on_error = continue"))
    assert rows["bad.csv"]["status"] == "PARTIALLY_LOADED"
    assert (rows["bad.csv"]["rows_parsed"], rows["bad.csv"]["rows_loaded"], rows["bad.csv"]["errors_seen"]) == (4, 2, 2)
    assert rows["bad.csv"]["error_limit"] == 4
    assert rows["bad.csv"]["first_error_line"] == 2
    assert rows["bad.csv"]["first_error_column_name"] == '"C_ERR"["amount":2]'
    assert rows["good.csv"]["status"] == "LOADED"
    assert sql.scalar("select count(*) from c_err") == 4
    sql("delete from c_err")
    # SKIP_FILE: the bad file is skipped whole; SKIP_FILE_3 tolerates 2 errors; SKIP_FILE_40% too (2/4 > 40%)
    rows = by_file(sql("copy into c_err from " + loc + " on_error = skip_file force = true"))
    assert rows["bad.csv"]["status"] == "LOAD_FAILED" and rows["bad.csv"]["rows_loaded"] == 0
    assert rows["good.csv"]["status"] == "LOADED"
    rows = by_file(sql("copy into c_err from " + loc + " on_error = skip_file_3 force = true"))
    assert rows["bad.csv"]["status"] == "PARTIALLY_LOADED" and rows["bad.csv"]["error_limit"] == 3
    rows = by_file(sql("copy into c_err from " + loc + " on_error = 'skip_file_40%' force = true"))
    assert rows["bad.csv"]["status"] == "LOAD_FAILED"
    rows = by_file(sql("copy into c_err from " + loc + " on_error = 'SKIP_FILE_60%' force = true"))
    assert rows["bad.csv"]["status"] == "PARTIALLY_LOADED"
    # RETURN_FAILED_ONLY
    rows = sql("copy into c_err from " + loc + " on_error = continue force = true return_failed_only = true")
    assert [r["file"].split("/")[-1] for r in rows] == ["bad.csv"]


def test_validation_modes(env):
    sql, s3 = env
    sql("create table c_val (id int, name varchar(3))")
    put(s3, "val/v.csv", "1,abc\n2,toolong\nx,ok\n4,def\n")
    loc = "'s3://%s/val/'" % BUCKET
    errs = {e["ERROR"]: e for e in sql("copy into c_val from %s validation_mode = return_errors" % loc)}
    assert set(errs) == {"User character length limit (3) exceeded by string 'toolong'",
                         "Numeric value 'x' is not recognized"}
    num = errs["Numeric value 'x' is not recognized"]
    assert num["LINE"] == 3 and num["COLUMN_NAME"] == '"C_VAL"["id":1]' and num["FILE"] == "v.csv"
    assert sql("copy into c_val from %s validation_mode = return_1_rows" % loc) == [{"id": 1, "name": "abc"}]
    assert "is not recognized" in sql("copy into c_val from %s validation_mode = return_3_rows" % loc,
                                      expect_error=True)
    assert sql.scalar("select count(*) from c_val") == 0
    # TRUNCATECOLUMNS cuts instead of failing
    sql("copy into c_val from %s on_error = continue truncatecolumns = true" % loc)
    assert [r["name"] for r in sql("select name from c_val order by id")] == ["abc", "too", "def"]


def test_files_pattern_size_limit_and_purge(env):
    sql, s3 = env
    sql("create table c_sel (v int)")
    for i in range(5):
        put(s3, "sel/f%d.csv" % i, "%d\n" % i * 100)
    put(s3, "sel/skip.txt", "99\n")
    loc = "'s3://%s/sel/'" % BUCKET
    rows = sql("copy into c_sel from %s files = ('f1.csv', 'f3.csv')" % loc)
    assert sorted(r["file"].split("/")[-1] for r in rows) == ["f1.csv", "f3.csv"]
    # SIZE_LIMIT: files load until their total reaches the limit (f0 + f2 = 400 >= 250)
    rows = sql("copy into c_sel from %s pattern = '.*f[0-4][.]csv' size_limit = 250" % loc)
    assert sorted(r["file"].split("/")[-1] for r in rows) == ["f0.csv", "f2.csv"]
    # PURGE deletes what it loaded
    rows = sql("copy into c_sel from %s pattern = '.*[.]csv' purge = true" % loc)
    assert [r["file"].split("/")[-1] for r in rows] == ["f4.csv"]
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix="sel/")["Contents"]]
    assert sorted(keys) == ["sel/f0.csv", "sel/f1.csv", "sel/f2.csv", "sel/f3.csv", "sel/skip.txt"]
    assert sql.scalar("select count(*) from c_sel") == 500


def test_formats_compression_and_dialects(env):
    sql, s3 = env
    sql("create table c_fmt (id int, name text, note text)")
    put(s3, "fmt/a.csv.gz", gzip.compress(b"1|x|\\N\n2|\"q|uoted\"|\n"))
    p = subprocess.run(["zstd", "-q", "-c"], input=b"3|z|null\n", capture_output=True)
    put(s3, "fmt/b.csv.zst", p.stdout)
    put(s3, "fmt/c.csv", b"4|r1|a;5|r2|b;")  # RECORD_DELIMITER = ';'
    ff = "type = csv field_delimiter = '|' field_optionally_enclosed_by = '\"' null_if = ('\\\\N', 'null')"
    sql("copy into c_fmt from 's3://%s/fmt/' pattern = '.*[.](gz|zst)' file_format = (%s)" % (BUCKET, ff))
    sql("copy into c_fmt from 's3://%s/fmt/c.csv' file_format = (%s record_delimiter = ';')" % (BUCKET, ff))
    rows = sql("select id, name, note from c_fmt order by id")
    assert rows == [{"id": 1, "name": "x", "note": None}, {"id": 2, "name": "q|uoted", "note": None},
                    {"id": 3, "name": "z", "note": None}, {"id": 4, "name": "r1", "note": "a"},
                    {"id": 5, "name": "r2", "note": "b"}]
    assert "single-byte" in sql("copy into c_fmt from 's3://%s/fmt/' file_format = (type = csv field_delimiter = "
                                "'||')" % BUCKET, expect_error=True)


def test_json_and_parquet(env, tmp_path):
    sql, s3 = env
    sql("create table c_js (Region text, amount double precision, day date)")
    put(s3, "js/a.json", '{"region":"eu","amount":1.5,"day":"2026-11-01","extra":1}\n{"region":"us","amount":2}\n')
    put(s3, "js/b.json", '[{"region":"fr","amount":3,"day":"2026-11-03"}]')
    err = sql("copy into c_js from 's3://%s/js/a.json' file_format = (type = json)" % BUCKET, expect_error=True)
    assert "JSON file format can produce one and only one column" in err
    sql("copy into c_js from 's3://%s/js/a.json' file_format = (type = json) match_by_column_name = "
        "case_insensitive" % BUCKET)
    sql("copy into c_js from 's3://%s/js/b.json' file_format = (type = json strip_outer_array = true) "
        "match_by_column_name = case_insensitive" % BUCKET)
    assert sql("select * from c_js order by amount") == [
        {"Region": "eu", "amount": 1.5, "day": "2026-11-01"}, {"Region": "us", "amount": 2.0, "day": None},
        {"Region": "fr", "amount": 3.0, "day": "2026-11-03"}]
    # a table of one column takes whole records (like a VARIANT)
    sql("create table c_raw (v text)")
    sql("copy into c_raw from 's3://%s/js/a.json' file_format = (type = json)" % BUCKET)
    first = json.loads(sql("select v from c_raw")[0]["v"])
    assert first == {"region": "eu", "amount": 1.5, "day": "2026-11-01", "extra": 1}
    # $1:path transformations
    sql("create table c_tr (r text, a double precision)")
    assert "Stage 'C_TR_STAGE' does not exist" in sql(
        "copy into c_tr (r, a) from (select $1:region, $1:amount from @c_tr_stage) file_format = (type = json)",
        expect_error=True)
    sql("create stage c_tr_stage url = 's3://%s/js/'" % BUCKET)
    sql("copy into c_tr (r, a) from (select $1:region, $1:amount from @c_tr_stage) files = ('a.json') "
        "file_format = (type = json)")
    assert sql("select * from c_tr order by a") == [{"r": "eu", "a": 1.5}, {"r": "us", "a": 2.0}]
    # Parquet written by `nuage file convert`, loaded by column name
    csv = tmp_path / "p.csv"
    csv.write_text("region,amount,day\nde,7.25,2026-11-07\nit,8,2026-11-08\n")
    pq = tmp_path / "p.parquet"
    subprocess.run([BIN, "file", "convert", str(csv), str(pq)], check=True, capture_output=True)
    put(s3, "pq/p.parquet", pq.read_bytes())
    sql("copy into c_js from 's3://%s/pq/' file_format = (type = parquet) match_by_column_name = "
        "case_insensitive" % BUCKET)
    assert sql("select region, amount from c_js where day >= '2026-11-07' order by day") == [
        {"Region": "de", "amount": 7.25}, {"Region": "it", "amount": 8.0}]


def test_column_lists_transformations_and_errors(env):
    sql, s3 = env
    sql("create table c_cols (a int, b text default 'dflt', c int)")
    put(s3, "cols/x.csv", "1,10\n2,20\n")
    sql("copy into c_cols (a, c) from 's3://%s/cols/'" % BUCKET)
    assert sql("select * from c_cols order by a") == [{"a": 1, "b": "dflt", "c": 10}, {"a": 2, "b": "dflt", "c": 20}]
    sql("create table c_swap (x int, y int)")
    sql("create stage c_cols_stage url = 's3://%s/cols/'" % BUCKET)
    sql("copy into c_swap from (select $2, $1 from @c_cols_stage)")
    assert sql("select * from c_swap order by y") == [{"x": 10, "y": 1}, {"x": 20, "y": 2}]
    assert "invalid identifier 'NOPE'" in sql("copy into c_cols (nope) from @c_cols_stage", expect_error=True)
    assert "Table 'C_NOTHERE' does not exist" in sql("copy into c_nothere from @c_cols_stage", expect_error=True)
    assert "File format 'MISSING' does not exist" in sql(
        "copy into c_cols from @c_cols_stage file_format = (format_name = 'missing')", expect_error=True)
    assert "does not match that of the corresponding table" in sql(
        "copy into c_swap from 's3://%s/cols/x.csv' force = true file_format = (type = csv field_delimiter = ';')"
        % BUCKET, expect_error=True)
    assert "access denied" in sql("copy into c_swap from 's3://no-such-bucket-here/x/'", expect_error=True)


def test_copy_history(env):
    sql, s3 = env
    sql("create table c_hist (id int)")
    put(s3, "hist/ok.csv", "1\n2\n")
    put(s3, "hist/bad.csv", "3\nx\n")
    sql("create stage c_hist_stage url = 's3://%s/hist/'" % BUCKET)
    sql("copy into c_hist from @c_hist_stage on_error = continue")
    rows = sql("select file_name, status, row_count, row_parsed, error_count, first_error_message, "
               "first_error_line_number, stage_location, table_name, pipe_name from "
               "table(information_schema.copy_history(table_name => 'C_HIST', "
               "start_time => dateadd(hours, -1, current_timestamp()))) order by file_name")
    assert rows == [
        {"FILE_NAME": "bad.csv", "STATUS": "Partially loaded", "ROW_COUNT": 1, "ROW_PARSED": 2, "ERROR_COUNT": 1,
         "FIRST_ERROR_MESSAGE": "Numeric value 'x' is not recognized", "FIRST_ERROR_LINE_NUMBER": 2,
         "STAGE_LOCATION": "s3://%s/hist/" % BUCKET, "TABLE_NAME": "c_hist", "PIPE_NAME": None},
        {"FILE_NAME": "ok.csv", "STATUS": "Loaded", "ROW_COUNT": 2, "ROW_PARSED": 2, "ERROR_COUNT": 0,
         "FIRST_ERROR_MESSAGE": None, "FIRST_ERROR_LINE_NUMBER": None,
         "STAGE_LOCATION": "s3://%s/hist/" % BUCKET, "TABLE_NAME": "c_hist", "PIPE_NAME": None}]
    # a quoted name, and a dot inside quotes that does not split schema from table
    assert len(sql("select file_name from table(information_schema.copy_history(table_name=>'\"c_hist\"', "
                   "start_time=>dateadd(hours, -1, current_timestamp())))")) == 2
    sql('create table "c.hist" (id int)')
    assert sql("select count(*) as n from table(information_schema.copy_history(table_name=>'\"c.hist\"', "
               "start_time=>current_timestamp()))") == [{"n": 0}]
    assert sql("select count(*) as n from table(information_schema.copy_history(table_name=>'c_hist', "
               "start_time=>'2020-01-01 00:00:00'::timestamp_ltz, end_time=>'2020-01-02 00:00:00'))") == [{"n": 0}]
    assert "does not exist" in sql("select * from table(information_schema.copy_history(table_name=>'nope', "
                                   "start_time=>current_timestamp()))", expect_error=True)
