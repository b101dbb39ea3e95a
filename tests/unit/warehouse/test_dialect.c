/* test_dialect.c — which statements nuage owns, what they parse to, and
 * the errors Snowflake users expect. */
#include "unit.h"
#include "warehouse/dialect.h"

#include <stdlib.h>
#include <string.h>

#define NOW 1796000000000LL /* a fixed "now" for time expressions */

static int parse(const char *sql, struct dl_stmt *st, struct wh_err *e)
{
	return dl_parse(sql, strlen(sql), NOW, st, e);
}

/* Parses and checks the kind; the statement is freed by the caller. */
#define PARSE_OK(sql, want_kind, st)                                                    \
	do {                                                                       \
		struct wh_err e_;                                                  \
		if (parse(sql, st, &e_)) {                                         \
			unit_fail(__FILE__, __LINE__, "%s: %s", sql, e_.msg);      \
			dl_free(st);                                               \
			return;                                                    \
		}                                                                  \
		if ((st)->kind != (want_kind)) {                                        \
			unit_fail(__FILE__, __LINE__, "%s: kind %d", sql, (st)->kind); \
			dl_free(st);                                               \
			return;                                                    \
		}                                                                  \
	} while (0)

static void check_error(const char *sql, const char *want, const char *file, int line)
{
	struct dl_stmt st;
	struct wh_err e;
	if (!parse(sql, &st, &e)) {
		unit_fail(file, line, "%s: parsed (kind %d), wanted an error", sql, st.kind);
	} else if (!strstr(e.msg, want)) {
		unit_fail(file, line, "%s:\n  got  %s\n  want %s", sql, e.msg, want);
	}
	dl_free(&st);
}
#define CHECK_ERROR(sql, want) check_error(sql, want, __FILE__, __LINE__)

static const char *opt_str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

TEST(dialect_passes_other_statements)
{
	const char *others[] = {"select 1", "CREATE TABLE t (a int)", "copy t from stdin", "COPY t FROM 's3://x' IAM_ROLE 'r'",
				"show tables", "drop table t", "describe table t", "select * from t where a = 'COPY INTO'",
				"insert into t values (1)", "alter table t add column b int", "with x as (select 1) select * from x",
				NULL};
	for (int i = 0; others[i]; i++) {
		struct dl_stmt st;
		PARSE_OK(others[i], DL_OTHER, &st);
		dl_free(&st);
	}
}

TEST(dialect_create_file_format)
{
	struct dl_stmt st;
	PARSE_OK("create or replace file format my_csv type = 'CSV' field_delimiter = '|' skip_header = 1 "
		 "null_if = ('', 'NULL') field_optionally_enclosed_by = '\"' compression = gzip "
		 "error_on_column_count_mismatch = false date_format = 'YYYY-MM-DD' comment = 'monthly';",
		 DL_CREATE_FORMAT, &st);
	CHECK(st.or_replace);
	CHECK_STR(st.name, "MY_CSV");
	CHECK_STR(opt_str(st.opts, "TYPE"), "CSV");
	CHECK_STR(opt_str(st.opts, "FIELD_DELIMITER"), "|");
	CHECK_INT(json_integer_value(json_object_get(st.opts, "SKIP_HEADER")), 1);
	CHECK_INT(json_array_size(json_object_get(st.opts, "NULL_IF")), 2);
	CHECK_STR(opt_str(st.opts, "FIELD_OPTIONALLY_ENCLOSED_BY"), "\"");
	CHECK_STR(opt_str(st.opts, "COMPRESSION"), "GZIP");
	CHECK(json_is_false(json_object_get(st.opts, "ERROR_ON_COLUMN_COUNT_MISMATCH")));
	CHECK_STR(opt_str(st.opts, "COMMENT"), "monthly");
	dl_free(&st);
	/* "quoted" names keep their case, hex and escapes make characters */
	PARSE_OK("CREATE FILE FORMAT IF NOT EXISTS db.sch.\"Tsv\" TYPE = CSV FIELD_DELIMITER = '\\t' ESCAPE = '0x5C' "
		 "FIELD_OPTIONALLY_ENCLOSED_BY = NONE",
		 DL_CREATE_FORMAT, &st);
	CHECK(st.if_not_exists);
	CHECK_STR(st.name, "Tsv");
	CHECK_STR(opt_str(st.opts, "FIELD_DELIMITER"), "\t");
	CHECK_STR(opt_str(st.opts, "ESCAPE"), "\\");
	CHECK(json_is_null(json_object_get(st.opts, "FIELD_OPTIONALLY_ENCLOSED_BY")));
	dl_free(&st);
	PARSE_OK("create file format j type = json strip_outer_array = true", DL_CREATE_FORMAT, &st);
	CHECK_INT(dl_format_type(st.opts), FT_JSON);
	dl_free(&st);
}

TEST(dialect_errors_read_like_snowflake)
{
	CHECK_ERROR("create file format f type = csv skip_header = x",
		    "SQL compilation error:\ninvalid value [x] for parameter 'SKIP_HEADER'");
	CHECK_ERROR("create file format f type = csv frobnicate = 1", "invalid property 'FROBNICATE' for 'FILE_FORMAT'");
	CHECK_ERROR("create file format f type = csv strip_outer_array = true",
		    "invalid file format option 'STRIP_OUTER_ARRAY' for TYPE = CSV");
	CHECK_ERROR("create file format f type = avro", "file format type AVRO is not supported by nuage");
	CHECK_ERROR("create pipe p auto_ingest = true copy into t from @s",
		    "syntax error line 1 at position 33 unexpected 'copy'.");
	CHECK_ERROR("copy into t\nfrom", "syntax error line 2 at position 4 unexpected '<EOF>'.");
	CHECK_ERROR("copy into t from @s on_error = skipit", "invalid value [skipit] for parameter 'ON_ERROR'");
	CHECK_ERROR("copy into t from @s validation_mode = return_rows", "for parameter 'VALIDATION_MODE'");
	CHECK_ERROR("copy into t from @s pattern = '.*' extra", "unexpected 'extra'");
	CHECK_ERROR("copy into t from 'gcs://b/p/'", "must start with s3://");
	CHECK_ERROR("copy into t from @~/x.csv", "no user or table stages");
	CHECK_ERROR("create stage s file_format = (type = csv)", "no internal stages");
	CHECK_ERROR("create stage s url = 'http://x'", "URL must start with s3://");
}

TEST(dialect_create_stage)
{
	struct dl_stmt st;
	PARSE_OK("CREATE OR REPLACE STAGE exports URL = 's3://data/exports/' CREDENTIALS = (AWS_KEY_ID = 'a' "
		 "AWS_SECRET_KEY = 'b') FILE_FORMAT = (FORMAT_NAME = 'my_csv') COPY_OPTIONS = (ON_ERROR = 'SKIP_FILE_3' "
		 "PURGE = TRUE) COMMENT = 'x'",
		 DL_CREATE_STAGE, &st);
	CHECK_STR(st.name, "EXPORTS");
	CHECK_STR(opt_str(st.opts, "URL"), "s3://data/exports/");
	CHECK_STR(opt_str(json_object_get(st.opts, "FILE_FORMAT"), "FORMAT_NAME"), "my_csv");
	json_t *co = json_object_get(st.opts, "COPY_OPTIONS");
	CHECK_STR(opt_str(co, "ON_ERROR"), "SKIP_FILE_3");
	CHECK(json_is_true(json_object_get(co, "PURGE")));
	dl_free(&st);
	CHECK_ERROR("create stage s url = 's3://b/' copy_options = (files = ('a'))",
		    "invalid property 'FILES' for 'COPY_OPTIONS'");
}

TEST(dialect_copy_into)
{
	struct dl_stmt st;
	PARSE_OK("COPY INTO mydb.public.\"Sales\" (region, \"Amount\") FROM @exports/year=2026/month=11/ "
		 "FILES = ('a.csv', 'b.csv.gz') FILE_FORMAT = (TYPE = CSV SKIP_HEADER = 1) ON_ERROR = 'SKIP_FILE_10%' "
		 "FORCE = TRUE PURGE = FALSE SIZE_LIMIT = 1000 MATCH_BY_COLUMN_NAME = NONE;",
		 DL_COPY, &st);
	CHECK_STR(st.copy.table.table.text, "Sales");
	CHECK(st.copy.table.table.quoted);
	CHECK_STR(st.copy.table.schema.text, "public");
	CHECK_INT(st.copy.ncols, 2);
	CHECK_STR(st.copy.cols[1].text, "Amount");
	CHECK(st.copy.cols[1].quoted);
	CHECK_STR(st.copy.stage, "EXPORTS");
	CHECK_STR(st.copy.path, "year=2026/month=11/");
	CHECK_INT(json_array_size(json_object_get(st.copy.options, "FILES")), 2);
	CHECK_STR(opt_str(st.copy.options, "ON_ERROR"), "SKIP_FILE_10%");
	CHECK(json_is_true(json_object_get(st.copy.options, "FORCE")));
	CHECK_INT(json_integer_value(json_object_get(st.copy.options, "SIZE_LIMIT")), 1000);
	CHECK_STR(opt_str(st.copy.format, "TYPE"), "CSV");
	dl_free(&st);
	PARSE_OK("copy into t from 's3://bucket/path/' pattern = '.*[.]json' file_format = (type = json) "
		 "match_by_column_name = case_insensitive validation_mode = return_10_rows on_error = continue",
		 DL_COPY, &st);
	CHECK_STR(st.copy.url, "s3://bucket/path/");
	CHECK(st.copy.stage == NULL);
	CHECK_STR(opt_str(st.copy.options, "VALIDATION_MODE"), "RETURN_10_ROWS");
	CHECK_STR(opt_str(st.copy.options, "MATCH_BY_COLUMN_NAME"), "CASE_INSENSITIVE");
	CHECK_STR(opt_str(st.copy.options, "ON_ERROR"), "CONTINUE");
	dl_free(&st);
	/* a transformation: $N and $N:path columns */
	PARSE_OK("copy into t (a, b, c) from (select s.$1, $3:payload.id::number(10,0), $2 as x from @stg/p s) "
		 "file_format = (format_name = 'f')",
		 DL_COPY, &st);
	CHECK_INT(st.copy.nselect, 3);
	CHECK_INT(st.copy.select[0].col, 1);
	CHECK(st.copy.select[0].path == NULL);
	CHECK_INT(st.copy.select[1].col, 3);
	CHECK_STR(st.copy.select[1].path, "payload.id");
	CHECK_STR(st.copy.stage, "STG");
	CHECK_STR(st.copy.path, "p");
	dl_free(&st);
	CHECK_ERROR("copy into t from (select upper($1) from @s)", "transformations select source columns only");
}

TEST(dialect_pipes)
{
	struct dl_stmt st;
	const char *sql = "create or replace pipe p1 auto_ingest = true comment = 'monthly' as copy into sales from "
			  "@exports pattern = '.*[.]csv' on_error = continue;";
	PARSE_OK(sql, DL_CREATE_PIPE, &st);
	CHECK_STR(st.name, "P1");
	CHECK(json_is_true(json_object_get(st.opts, "AUTO_INGEST")));
	CHECK_STR(opt_str(st.opts, "COMMENT"), "monthly");
	CHECK_INT(st.copy.text_len, strlen("copy into sales from @exports pattern = '.*[.]csv' on_error = continue"));
	CHECK(!strncmp(sql + st.copy.text_off, "copy into sales", 15));
	dl_free(&st);
	CHECK_ERROR("create pipe p as copy into t from @s force = true", "copy option 'FORCE' is not supported in a pipe");
	CHECK_ERROR("create pipe p as copy into t from @s purge = true", "copy option 'PURGE'");
	CHECK_ERROR("create pipe p as copy into t from @s on_error = abort_statement", "ABORT_STATEMENT");
	CHECK_ERROR("create pipe p as copy into t from 's3://b/'", "a pipe loads from a named stage");
	PARSE_OK("alter pipe if exists p1 set pipe_execution_paused = true", DL_ALTER_PIPE, &st);
	CHECK(st.if_exists);
	CHECK_INT(st.alter, AP_SET);
	CHECK(json_is_true(json_object_get(st.opts, "PIPE_EXECUTION_PAUSED")));
	dl_free(&st);
	PARSE_OK("ALTER PIPE p1 REFRESH PREFIX = 'year=2026/' MODIFIED_AFTER = '2026-11-01T00:00:00Z'", DL_ALTER_PIPE, &st);
	CHECK_INT(st.alter, AP_REFRESH);
	CHECK_STR(st.refresh_prefix, "year=2026/");
	CHECK_INT(st.modified_after, 1793491200000LL);
	dl_free(&st);
	PARSE_OK("show pipes like '%p%' in schema mydb.public", DL_SHOW_PIPES, &st);
	CHECK_STR(st.like, "%p%");
	dl_free(&st);
	PARSE_OK("desc pipe p1", DL_DESC_PIPE, &st);
	dl_free(&st);
	PARSE_OK("drop pipe if exists \"p1\"", DL_DROP_PIPE, &st);
	CHECK_STR(st.name, "p1");
	dl_free(&st);
	PARSE_OK("SELECT SYSTEM$PIPE_STATUS('mydb.public.my_pipe')", DL_PIPE_STATUS, &st);
	CHECK_STR(st.pipe_arg, "mydb.public.my_pipe");
	CHECK_STR(st.column_label, "SYSTEM$PIPE_STATUS('mydb.public.my_pipe')");
	char canon[64];
	dl_canon_name(st.pipe_arg, canon, sizeof canon);
	CHECK_STR(canon, "MY_PIPE");
	dl_canon_name("db.\"My.Pipe\"", canon, sizeof canon);
	CHECK_STR(canon, "My.Pipe");
	dl_free(&st);
}

TEST(dialect_copy_history)
{
	struct dl_stmt st;
	const char *sql = "select file_name, status from table(information_schema.copy_history(table_name=>'SALES', "
			  "start_time=>dateadd(hours, -1, current_timestamp()))) h where status <> 'Loaded'";
	PARSE_OK(sql, DL_COPY_HISTORY, &st);
	CHECK_STR(st.history_table, "SALES");
	CHECK_INT(st.history_start, NOW - 3600 * 1000);
	CHECK_INT(st.history_end, 0);
	CHECK(!strncmp(sql + st.repl_off, "table(", 6));
	CHECK(!strncmp(sql + st.repl_end, " h where", 8));
	dl_free(&st);
	PARSE_OK("select * from table(mydb.information_schema.copy_history(TABLE_NAME => 'T', START_TIME => "
		 "'2026-11-01 00:00:00'::timestamp_ltz, END_TIME => to_timestamp_ltz('2026-11-02')))",
		 DL_COPY_HISTORY, &st);
	CHECK_INT(st.history_start, 1793491200000LL);
	CHECK_INT(st.history_end, 1793491200000LL + 86400000LL);
	dl_free(&st);
	PARSE_OK("select * from table(information_schema.copy_history(table_name=>'t', start_time=>dateadd(month, -1, "
		 "'2026-03-31')))",
		 DL_COPY_HISTORY, &st);
	CHECK_INT(st.history_start, 1772236800000LL); /* 2026-02-28: the month's last day */
	dl_free(&st);
	CHECK_ERROR("select * from table(information_schema.copy_history(table_name=>'t'))", "needs TABLE_NAME");
	CHECK_ERROR("select * from table(information_schema.copy_history(table_name=>'t', start_time=>dateadd(fortnight, "
		    "1, current_timestamp())))",
		    "invalid date or time part 'fortnight'");
}

TEST(dialect_list_show_desc)
{
	struct dl_stmt st;
	PARSE_OK("list @exports/year=2026/ pattern = '.*csv'", DL_LIST, &st);
	CHECK_STR(st.list_stage, "EXPORTS");
	CHECK_STR(st.list_path, "year=2026/");
	CHECK_STR(st.list_pattern, ".*csv");
	dl_free(&st);
	PARSE_OK("ls '@s'", DL_LIST, &st);
	dl_free(&st);
	PARSE_OK("show file formats", DL_SHOW_FORMATS, &st);
	dl_free(&st);
	PARSE_OK("SHOW STAGES LIKE 'EX%'", DL_SHOW_STAGES, &st);
	dl_free(&st);
	PARSE_OK("describe stage exports", DL_DESC_STAGE, &st);
	dl_free(&st);
	PARSE_OK("alter stage exports set url = 's3://b/new/'", DL_ALTER_STAGE, &st);
	dl_free(&st);
	PARSE_OK("alter file format f rename to g", DL_ALTER_FORMAT, &st);
	CHECK_STR(st.new_name, "G");
	dl_free(&st);
}
