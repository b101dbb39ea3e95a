/* test_csv_sniff.c — the dialect sniffer in Glue and robust modes. */
#include "unit.h"
#include "fmt_testutil.h"
#include "formats/csv_sniff.h"
#include "core/buf.h"

#include <stdlib.h>
#include <string.h>

static int sniff(const char *text, bool complete, enum csv_sniff_mode m, struct csv_sniff *s, char **schema)
{
	int rc = csv_sniff(text, strlen(text), complete, m, NULL, s);
	*schema = ft_schema_str(s->schema);
	return rc;
}

static char *glue_types(const struct csv_sniff *s)
{
	struct buf b;
	buf_init(&b, 4096);
	for (int i = 0; i < s->ncols; i++)
		buf_addf(&b, "%s%s", i ? "," : "", s->glue_types[i]);
	return buf_detach(&b, NULL);
}

struct glue_case {
	const char *text;
	int is_csv;
	char delim;
	int header;
	const char *names_types; /* schema string */
	const char *glue;        /* glue type list */
};

TEST(sniff_glue_rules)
{
	struct glue_case cases[] = {
		{"id,name,price\n1,a,2.5\n2,b,3\n", 1, ',', 1, "id:int64,name:string,price:double", "bigint,string,double"},
		{"name,city\nann,paris\nbob,rome\n", 1, ',', 0, "col0:string,col1:string", "string,string"},
		{"a,1\nb,2\n", 1, ',', 0, "col0:string,col1:int64", "string,bigint"},
		{"ID|Full Name\n1|x\n2|y\n", 1, '|', 1, "id:int64,full name:string", "bigint,string"},
		{"a\tb\n1\t2\n3\t4\n", 1, '\t', 1, "a:int64,b:int64", "bigint,bigint"},
		{"a;b\n1;2\n", 1, ';', 1, "a:int64,b:int64", "bigint,bigint"},
		{"a\x01" "b\n1\x01true\n2\x01" "FALSE\n", 1, '\x01', 1, "a:int64,b:boolean", "bigint,boolean"},
		{"a,b,\n1,2,\n3,4,\n", 1, ',', 1, "a:int64,b:int64,col2:string", "bigint,bigint,string"},
		{"a,b,c\n1,true,x\n2,3,y\n", 1, ',', 1, "a:int64,b:string,c:string", "bigint,string,string"},
		{"a,b\n1,\n,2.5\n", 1, ',', 1, "a:int64,b:double", "bigint,double"},
		{"a,\x02" "b\n1,2\n3,4\n", 1, ',', 0, "col0:string,col1:string", "string,string"},
		{"a,,c\n1,2,3\n4,5,6\n", 1, ',', 0, "col0:string,col1:int64,col2:string", "string,bigint,string"},
		{"one column\n1\n2\n", 0, 0, 0, NULL, NULL},
		{"a,b\n", 0, 0, 0, NULL, NULL},
		{"a,b\n1,2,3\n4,5\n", 0, 0, 0, NULL, NULL},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct csv_sniff s;
		char *schema;
		int rc = sniff(cases[i].text, true, CSV_SNIFF_GLUE, &s, &schema);
		if ((rc == 0) != cases[i].is_csv || s.is_csv != cases[i].is_csv) {
			unit_fail(__FILE__, __LINE__, "case %zu: rc %d (%s)", i, rc, s.why);
			return;
		}
		if (cases[i].is_csv) {
			char *g = glue_types(&s);
			bool ok = s.delim == cases[i].delim && s.header == cases[i].header &&
				  !strcmp(schema, cases[i].names_types) && !strcmp(g, cases[i].glue) && s.certainty == 1.0;
			if (!ok) {
				unit_fail(__FILE__, __LINE__, "case %zu: delim %d header %d schema %s glue %s", i, s.delim,
					  s.header, schema, g);
				return;
			}
			free(g);
		} else {
			CHECK(s.why[0]);
			CHECK(s.certainty == 0.0);
		}
		free(schema);
		csv_sniff_free(&s);
	}
}

TEST(sniff_glue_long_header_and_quotes)
{
	struct buf t;
	buf_init(&t, BUF_UNLIMITED);
	for (int i = 0; i < 150; i++)
		buf_addc(&t, 'h');
	buf_adds(&t, ",b\n1,2\n3,4\n");
	struct csv_sniff s;
	char *schema;
	CHECK(sniff(t.data, true, CSV_SNIFF_GLUE, &s, &schema) == 0);
	CHECK(!s.header);
	CHECK_STR(schema, "col0:string,col1:string"); /* "b" is data now */
	free(schema);
	csv_sniff_free(&s);
	/* the last column's header may be long */
	buf_reset(&t);
	buf_adds(&t, "a,");
	for (int i = 0; i < 200; i++)
		buf_addc(&t, 'h');
	buf_adds(&t, "\n1,2\n3,\"4\"\n");
	CHECK(sniff(t.data, true, CSV_SNIFF_GLUE, &s, &schema) == 0);
	CHECK(s.header);
	CHECK(s.quoted);
	free(schema);
	csv_sniff_free(&s);
	buf_free(&t);
}

struct robust_case {
	const char *text;
	char delim, quote, escape;
	int header;
	const char *schema;
};

TEST(sniff_robust_dialects_and_types)
{
	struct robust_case cases[] = {
		{"id,qty,score,price,name,day,ts,flag\n1,20,371.551,20.64,ziz,2023-11-10,2023-11-10 00:21:22,false\n"
		 "2,,399.1,2.56,,2024-01-11,2024-01-11 16:23:40,true\n",
		 ',', '"', 0, 1,
		 "id:int64,qty:int64,score:double,price:decimal(18,2),name:string,day:date,ts:timestamp,flag:boolean"},
		{"a;b\n1,5;2,7\n3,1;4,2\n", ';', '"', 0, 1, "a:string,b:string"},
		{"x\ty\n\"a\tb\"\t1\nc\t2\n", '\t', '"', 0, 1, "x:string,y:int64"},
		{"'a,b',1\n'd,e',2\n'g',3\n", ',', '\'', 0, 0, "col0:string,col1:int64"},
		{"\"a\\\"b\",1\n\"c\\\"d\",2\n", ',', '"', '\\', 0, "col0:string,col1:int64"},
		{"d,t\n13/01/2024,2024-01-13T10:00:00.5+02:00\n01/02/2024,2024-01-13T10:00:00Z\n", ',', '"', 0, 1,
		 "d:date,t:timestamptz"},
		{"d|e\n01/02/2024|31.12.2023 23:59\n03/04/2024|01.01.2024 00:00\n", '|', '"', 0, 1, "d:date,e:timestamp"},
		{"id,zip,t\n1,00123,10:15:00\n2,75001,23:59:59.5\n", ',', '"', 0, 1, "id:int64,zip:string,t:time"},
		{"name,city\nann,paris\nbob,rome\n", ',', '"', 0, 1, "name:string,city:string"},
		/* all text: a first row of distinct words is taken as names (as DuckDB does) */
		{"ann,paris\nbob,rome\n", ',', '"', 0, 1, "ann:string,paris:string"},
		{"ann,paris\nann,paris\n", ',', '"', 0, 0, "col0:string,col1:string"},
		{"ann,1 rue x\nbob,2 rue y\n", ',', '"', 0, 1, "ann:string,1 rue x:string"},
		{"1,2\n3,4\n", ',', '"', 0, 0, "col0:int64,col1:int64"},
		{"a:b:c\n1:2:3\n", ':', '"', 0, 1, "a:int64,b:int64,c:int64"},
		{"m,n\n1e5,12\n2.5,12.5\n", ',', '"', 0, 1, "m:double,n:decimal(18,1)"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct csv_sniff s;
		char *schema;
		int rc = sniff(cases[i].text, true, CSV_SNIFF_ROBUST, &s, &schema);
		if (rc || s.delim != cases[i].delim || s.quote != cases[i].quote || s.escape != cases[i].escape ||
		    s.header != cases[i].header || strcmp(schema, cases[i].schema)) {
			unit_fail(__FILE__, __LINE__, "case %zu: rc %d delim %d quote %d esc %d header %d schema %s", i, rc,
				  s.delim, s.quote, s.escape, s.header, schema);
			return;
		}
		free(schema);
		csv_sniff_free(&s);
	}
}

TEST(sniff_robust_null_markers_and_apply)
{
	const char *text = "id,v,when,label\n1,NULL,2024-01-01,NA\n2,3,\\N,x\n3,N/A,2024-01-03,y\n";
	struct csv_sniff s;
	char *schema;
	CHECK(sniff(text, true, CSV_SNIFF_ROBUST, &s, &schema) == 0);
	CHECK_STR(schema, "id:int64,v:int64,when:date,label:string");
	CHECK_INT(s.n_null_if, 3);
	CHECK_STR(s.null_if[0], "NULL");
	CHECK_STR(s.null_if[1], "\\N");
	CHECK_STR(s.null_if[2], "N/A");
	CHECK_STR(s.col_formats[2], "YYYY-MM-DD");
	/* the result drives a reader that loads the same text */
	struct csv_options o;
	csv_options_init(&o);
	csv_sniff_apply(&s, &o);
	struct fmt_error err;
	char *rows = ft_csv(text, strlen(text), &o, s.schema, &err, NULL);
	CHECK(rows);
	CHECK_STR(rows, "1|NULL|2024-01-01|NA\n2|3|NULL|x\n3|NULL|2024-01-03|y\n");
	free(rows);
	free(schema);
	csv_sniff_free(&s);
}

TEST(sniff_incomplete_sample)
{
	/* cut in the middle of a quoted field: the last record is ignored */
	const char *text = "a,b\n1,\"x\ny\"\n2,\"z\"\n3,\"cut he";
	struct csv_sniff s;
	char *schema;
	CHECK(sniff(text, false, CSV_SNIFF_ROBUST, &s, &schema) == 0);
	CHECK(s.header);
	CHECK_STR(schema, "a:int64,b:string");
	CHECK_INT(s.rows, 2);
	free(schema);
	csv_sniff_free(&s);
	/* cut in an int column: "12" of "12345" must not decide anything, and a
	 * cut "2.5" must not make a decimal column look mixed */
	text = "a,b\n1,1.25\n2,2.50\n3,7.2";
	CHECK(sniff(text, false, CSV_SNIFF_ROBUST, &s, &schema) == 0);
	CHECK_STR(schema, "a:int64,b:decimal(18,2)");
	free(schema);
	csv_sniff_free(&s);
	/* the same text, complete, has a mixed-scale column */
	CHECK(sniff(text, true, CSV_SNIFF_ROBUST, &s, &schema) == 0);
	CHECK_STR(schema, "a:int64,b:double");
	free(schema);
	csv_sniff_free(&s);
}

TEST(sniff_bom_and_single_column)
{
	struct csv_sniff s;
	char *schema;
	CHECK(sniff("\xEF\xBB\xBFname\nann\nbob\n", true, CSV_SNIFF_ROBUST, &s, &schema) == 0);
	CHECK_INT(s.ncols, 1);
	CHECK_STR(schema, "name:string");
	free(schema);
	csv_sniff_free(&s);
	CHECK(sniff("", true, CSV_SNIFF_ROBUST, &s, &schema) == 0);
	CHECK_INT(s.ncols, 1);
	free(schema);
	csv_sniff_free(&s);
	CHECK(sniff("", true, CSV_SNIFF_GLUE, &s, &schema) == -1);
	free(schema);
	csv_sniff_free(&s);
}

TEST(sniff_robust_hints)
{
	/* forced delimiter and header win over what the data suggests */
	struct csv_sniff_hint h = {';', -1, 0};
	struct csv_sniff s;
	const char *text = "a;b,c\n1;2,3\n";
	CHECK(csv_sniff(text, strlen(text), true, CSV_SNIFF_ROBUST, &h, &s) == 0);
	CHECK_INT(s.delim, ';');
	CHECK(!s.header);
	CHECK_INT(s.ncols, 2);
	char *schema = ft_schema_str(s.schema);
	CHECK_STR(schema, "col0:string,col1:string");
	free(schema);
	csv_sniff_free(&s);
	h.delim = 0;
	h.quote = 0;
	h.header = 1;
	text = "\"x\",\"y\"\n1,2\n";
	CHECK(csv_sniff(text, strlen(text), true, CSV_SNIFF_ROBUST, &h, &s) == 0);
	CHECK_INT(s.quote, 0);
	CHECK(s.header);
	schema = ft_schema_str(s.schema);
	CHECK_STR(schema, "\"x\":int64,\"y\":int64");
	free(schema);
	csv_sniff_free(&s);
}
