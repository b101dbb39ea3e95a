/* test_sqltok.c — the tokenizer under the dialect: Snowflake's lexical
 * rules, statement splitting and :name parameters. */
#include "unit.h"
#include "warehouse/sqltok.h"

#include <stdlib.h>
#include <string.h>

static const struct token *tok(struct sqltok *t, int i)
{
	return &t->toks[i < t->n ? i : t->n - 1];
}

TEST(sqltok_kinds_and_positions)
{
	const char *sql = "SELECT a1, \"Mixed \"\"Q\"\"\" FROM t -- comment\n"
			  "WHERE x >= 1.5e3 AND y::int <> 2 /* block\n comment */ AND z => 3;";
	struct sqltok t;
	CHECK(sqltok_run(&t, sql, strlen(sql)) == 0);
	CHECK(tok_is(tok(&t, 0), "select"));
	CHECK_INT(tok(&t, 1)->kind, TK_WORD);
	CHECK_STR(tok(&t, 1)->text, "a1");
	CHECK_INT(tok(&t, 3)->kind, TK_QIDENT);
	CHECK_STR(tok(&t, 3)->text, "Mixed \"Q\"");
	CHECK(tok_is(tok(&t, 6), "WHERE"));
	CHECK_INT(tok(&t, 6)->line, 2);
	CHECK_INT(tok(&t, 6)->pos, 0);
	CHECK(tok_punct(tok(&t, 8), ">="));
	CHECK_INT(tok(&t, 9)->kind, TK_NUMBER);
	CHECK_STR(tok(&t, 9)->text, "1.5e3");
	CHECK(tok_punct(tok(&t, 12), "::"));
	CHECK(tok_punct(tok(&t, 14), "<>"));
	CHECK(tok_punct(tok(&t, 18), "=>"));
	CHECK(tok_punct(tok(&t, 20), ";"));
	CHECK_INT(tok(&t, 21)->kind, TK_EOF);
	sqltok_free(&t);
}

TEST(sqltok_strings_and_escapes)
{
	const char *sql = "'it''s' '\\t|\\n' '\\x41\\101\\u00e9' $$raw 'text' \\n$$ '\\\\'";
	struct sqltok t;
	CHECK(sqltok_run(&t, sql, strlen(sql)) == 0);
	CHECK_STR(tok(&t, 0)->text, "it's");
	CHECK_STR(tok(&t, 1)->text, "\t|\n");
	CHECK_STR(tok(&t, 2)->text, "AA\xc3\xa9");
	CHECK_INT(tok(&t, 3)->kind, TK_STRING);
	CHECK_STR(tok(&t, 3)->text, "raw 'text' \\n");
	CHECK_STR(tok(&t, 4)->text, "\\");
	sqltok_free(&t);
	/* unterminated string and comment, and a NUL escape, are errors */
	const char *bad[] = {"select 'abc", "select /* open", "select '\\0'", "select \"\"", NULL};
	for (int i = 0; bad[i]; i++) {
		CHECK(sqltok_run(&t, bad[i], strlen(bad[i])) == 0);
		bool err = false;
		for (int k = 0; k < t.n; k++)
			err |= t.toks[k].kind == TK_ERROR;
		CHECK(err);
		CHECK_INT(t.toks[t.n - 1].kind, TK_EOF);
		sqltok_free(&t);
	}
}

TEST(sqltok_stage_references)
{
	const char *sql = "@my_stage/exports/year=2026/month=11/ @db.sch.\"St g\"/a.csv, @~ @%t)";
	struct sqltok t;
	CHECK(sqltok_run(&t, sql, strlen(sql)) == 0);
	CHECK_INT(tok(&t, 0)->kind, TK_STAGE);
	CHECK_STR(tok(&t, 0)->text, "my_stage/exports/year=2026/month=11/");
	CHECK_STR(tok(&t, 1)->text, "db.sch.\"St g\"/a.csv");
	CHECK(tok_punct(tok(&t, 2), ","));
	CHECK_STR(tok(&t, 3)->text, "~");
	CHECK_STR(tok(&t, 4)->text, "%t");
	CHECK(tok_punct(tok(&t, 5), ")"));
	sqltok_free(&t);
}

TEST(sqltok_split_statements)
{
	struct sql_range r[8];
	size_t where = 0;
	const char *sql = "select 1; select ';' -- ; not here\n; ; /* ; */ insert into t values ('a;b');\n  ";
	int n = sql_split(sql, strlen(sql), r, 8, &where);
	CHECK_INT(n, 3);
	CHECK(!strncmp(sql + r[0].off, "select 1", r[0].len) && r[0].len == 8);
	CHECK(!strncmp(sql + r[1].off, "select ';'", r[1].len) && r[1].len == 10);
	CHECK(!strncmp(sql + r[2].off, "insert into t values ('a;b')", r[2].len));
	CHECK_INT(sql_split("-- only a comment\n;;", 20, r, 8, &where), 0);
	CHECK_INT(sql_split("select 'open", 12, r, 8, &where), -1);
	CHECK_INT((int)where, 7);
	/* more statements than room: the first max */
	CHECK_INT(sql_split("a;b;c;d", 7, r, 2, &where), 2);
}

TEST(sqltok_bind_names)
{
	const char *names[] = {"id", "day"};
	char *out = NULL, bad[64];
	const char *sql = "select * from t where id = :id and d > :day and x::int = 1 and s = ':id' and $1:id = 2 "
			  "and id2 = :id";
	CHECK_INT(sql_bind_names(sql, strlen(sql), names, 2, &out, bad, sizeof bad), 0);
	CHECK_STR(out, "select * from t where id = $1 and d > $2 and x::int = 1 and s = ':id' and $1:id = 2 and id2 = $1");
	free(out);
	out = NULL;
	const char *unknown = "select :nope";
	CHECK_INT(sql_bind_names(unknown, strlen(unknown), names, 2, &out, bad, sizeof bad), -1);
	CHECK_STR(bad, "nope");
	const char *unused = "select :id";
	CHECK_INT(sql_bind_names(unused, strlen(unused), names, 2, &out, bad, sizeof bad), -2);
	CHECK_STR(bad, "day");
	CHECK(out == NULL);
}
