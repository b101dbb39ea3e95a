/* sqlcmd.c — `nuage sql [--warehouse NAME] [-c SQL] [-f FILE] [--csv|--json]`.
 *
 * A client of a running nuage (like psql of a server): each statement goes
 * through the Redshift Data API (ExecuteStatement, DescribeStatement until
 * it is done, GetStatementResult page by page), inside one Data API session
 * so BEGIN ... COMMIT spans statements. Interactive use gets a line editor
 * with history (~/.nuage_sql_history), aligned result tables, \timing and
 * meta-commands; scripts (-c, -f, or SQL on stdin) get CSV or JSON lines
 * for the next program, and stop at the first error with exit status 1.
 *
 * Leaves out: psql's variables, \copy, \watch; the expanded display.
 */
#include "sqlcmd/sqlcmd.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/mem.h"
#include "formats/num.h"
#include "sqlcmd/lineedit.h"
#include "sqlcmd/rsdclient.h"
#include "warehouse/sqltok.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define SQL_MAX_STATEMENTS 10000
#define TABLE_MAX_ROWS 100000
/* An interactive session may sit in a transaction while its user thinks;
 * a script's should not hold locks long after it ended. */
#define SESSION_SECONDS 3600
#define SCRIPT_SESSION_SECONDS 30

enum out_mode { OUT_TABLE, OUT_CSV, OUT_JSON };

struct sqlc {
	struct rsdc c;
	const char *warehouse;
	const char *database;
	enum out_mode out;
	bool timing, header, interactive;
	char session[64];
	int failed;
};

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

static void usage(FILE *f)
{
	fputs("usage: nuage sql [options] [-c SQL]... [-f FILE]\n"
	      "  --warehouse NAME   the warehouse to use (the server's default)\n"
	      "  --database NAME    the Data API Database (dev)\n"
	      "  --endpoint URL     nuage's address (AWS_ENDPOINT_URL, else http://127.0.0.1:4566)\n"
	      "  -c SQL             run SQL (repeatable) and exit\n"
	      "  -f FILE            run the statements in FILE and exit (- for stdin)\n"
	      "  --csv | --json     output for scripts: CSV with a header, or one JSON object per row\n"
	      "  --no-header        CSV without its header line\n"
	      "  --timing           print each statement's time\n"
	      "Credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (test/test by default),\n"
	      "the region from AWS_REGION or AWS_DEFAULT_REGION (us-east-1).\n"
	      "Interactive: \\q quit, \\timing, \\format table|csv|json, \\d [TABLE], \\dn, \\l, \\c WAREHOUSE, \\s, \\?\n",
	      f);
}

/* ------------------------------------------------------------ values */

/* A Field as text; *num says whether it is a number (right-aligned);
 * *null for NULL. Returns a pointer into tmp or the field's string. */
static const char *field_text(json_t *f, char *tmp, size_t tmplen, bool *num, bool *null)
{
	*num = false;
	*null = false;
	json_t *v;
	if (json_is_true(json_object_get(f, "isNull"))) {
		*null = true;
		return "";
	}
	if ((v = json_object_get(f, "longValue"))) {
		*num = true;
		snprintf(tmp, tmplen, "%lld", (long long)json_integer_value(v));
		return tmp;
	}
	if ((v = json_object_get(f, "doubleValue"))) {
		*num = true;
		size_t n = num_fmt_double(json_number_value(v), tmp);
		tmp[n] = 0;
		return tmp;
	}
	if ((v = json_object_get(f, "booleanValue")))
		return json_is_true(v) ? "t" : "f";
	if ((v = json_object_get(f, "stringValue")))
		return json_string_value(v);
	if ((v = json_object_get(f, "blobValue"))) {
		snprintf(tmp, tmplen, "\\x(base64)%s", json_string_value(v));
		return tmp;
	}
	return "";
}

static size_t display_width(const char *s)
{
	size_t k = 0;
	for (; *s; s++)
		k += ((unsigned char)*s & 0xc0) != 0x80;
	return k;
}

static void csv_field(struct buf *b, const char *s, bool null)
{
	if (null)
		return;
	if (!*s || strpbrk(s, ",\"\n\r") || s[0] == ' ' || s[strlen(s) - 1] == ' ') {
		buf_add_quoted(b, s, '"');
		return;
	}
	buf_adds(b, s);
}

/* ------------------------------------------------------------ result output */

struct table {
	int ncols;
	char **names;
	size_t *width;
	bool *numeric;
	char **cells;   /* rows * ncols, NULL = NULL */
	int64_t rows, cap;
	bool truncated;
};

static void table_free(struct table *t)
{
	for (int i = 0; i < t->ncols; i++)
		free(t->names[i]);
	for (int64_t i = 0; i < t->rows * t->ncols; i++)
		free(t->cells[i]);
	free(t->names);
	free(t->width);
	free(t->numeric);
	free(t->cells);
	memset(t, 0, sizeof *t);
}

static void table_print(const struct table *t)
{
	struct buf o;
	buf_init(&o, BUF_UNLIMITED);
	for (int i = 0; i < t->ncols; i++) {
		size_t w = t->width[i], n = display_width(t->names[i]);
		size_t pad = w > n ? w - n : 0;
		buf_addf(&o, "%s %*s%s%*s ", i ? "|" : "", (int)(pad / 2), "", t->names[i], (int)(pad - pad / 2), "");
	}
	buf_addc(&o, '\n');
	for (int i = 0; i < t->ncols; i++) {
		if (i)
			buf_addc(&o, '+');
		for (size_t k = 0; k < t->width[i] + 2; k++)
			buf_addc(&o, '-');
	}
	buf_addc(&o, '\n');
	for (int64_t r = 0; r < t->rows; r++) {
		for (int i = 0; i < t->ncols; i++) {
			const char *s = t->cells[r * t->ncols + i];
			if (!s)
				s = "";
			size_t n = display_width(s), pad = t->width[i] > n ? t->width[i] - n : 0;
			buf_adds(&o, i ? "| " : " ");
			if (t->numeric[i])
				buf_addf(&o, "%*s%s ", (int)pad, "", s);
			else
				buf_addf(&o, "%s%*s ", s, (int)pad, "");
		}
		buf_addc(&o, '\n');
		if (o.len > (1u << 20)) {
			fwrite(o.data, 1, o.len, stdout);
			buf_reset(&o);
		}
	}
	buf_addf(&o, "(%lld row%s)%s\n", (long long)t->rows, t->rows == 1 ? "" : "s",
		 t->truncated ? " -- more rows not shown; use --csv or --json for large results" : "");
	fwrite(o.data, 1, o.len, stdout);
	buf_free(&o);
}

/* Takes one page of records into the table (or prints it in script modes). */
static void output_page(struct sqlc *s, struct table *t, json_t *meta, json_t *records, bool first)
{
	char tmp[128];
	if (first) {
		t->ncols = (int)json_array_size(meta);
		t->names = xcalloc((size_t)t->ncols + 1, sizeof *t->names);
		t->width = xcalloc((size_t)t->ncols + 1, sizeof *t->width);
		t->numeric = xcalloc((size_t)t->ncols + 1, sizeof *t->numeric);
		for (int i = 0; i < t->ncols; i++) {
			const char *nm = json_string_value(json_object_get(json_array_get(meta, (size_t)i), "name"));
			t->names[i] = xstrdup(nm ? nm : "?");
			t->width[i] = display_width(t->names[i]);
		}
		if (s->out == OUT_CSV && s->header) {
			struct buf b;
			buf_init(&b, BUF_UNLIMITED);
			for (int i = 0; i < t->ncols; i++) {
				if (i)
					buf_addc(&b, ',');
				csv_field(&b, t->names[i], false);
			}
			buf_addc(&b, '\n');
			fwrite(b.data, 1, b.len, stdout);
			buf_free(&b);
		}
	}
	size_t ri;
	json_t *rec;
	struct buf b;
	buf_init(&b, BUF_UNLIMITED);
	json_array_foreach(records, ri, rec)
	{
		if (s->out == OUT_TABLE) {
			if (t->rows >= TABLE_MAX_ROWS) {
				t->truncated = true;
				break;
			}
			if (t->rows == t->cap) {
				t->cap = t->cap ? t->cap * 2 : 64;
				t->cells = xrealloc(t->cells, sizeof *t->cells * (size_t)(t->cap * t->ncols));
			}
		}
		json_t *row = s->out == OUT_JSON ? json_object() : NULL;
		for (int i = 0; i < t->ncols; i++) {
			json_t *f = json_array_get(rec, (size_t)i);
			bool num, null;
			const char *txt = field_text(f, tmp, sizeof tmp, &num, &null);
			if (s->out == OUT_TABLE) {
				t->cells[t->rows * t->ncols + i] = null ? NULL : xstrdup(txt);
				size_t w = display_width(txt);
				if (w > t->width[i])
					t->width[i] = w;
				t->numeric[i] |= num;
			} else if (s->out == OUT_CSV) {
				if (i)
					buf_addc(&b, ',');
				csv_field(&b, txt, null);
			} else {
				json_t *v = null ? json_null()
					  : json_object_get(f, "longValue") ? json_incref(json_object_get(f, "longValue"))
					  : json_object_get(f, "doubleValue") ? json_incref(json_object_get(f, "doubleValue"))
					  : json_object_get(f, "booleanValue") ? json_incref(json_object_get(f, "booleanValue"))
									       : json_string(txt);
				json_object_set_new(row, t->names[i], v);
			}
		}
		if (s->out == OUT_TABLE) {
			t->rows++;
		} else if (s->out == OUT_CSV) {
			buf_addc(&b, '\n');
		} else {
			char *line = json_dumps(row, JSON_COMPACT | JSON_PRESERVE_ORDER);
			buf_adds(&b, line);
			buf_addc(&b, '\n');
			free(line);
			json_decref(row);
		}
	}
	if (b.len)
		fwrite(b.data, 1, b.len, stdout);
	buf_free(&b);
}

/* ------------------------------------------------------------ statements */

static json_t *call(struct sqlc *s, const char *op, json_t *body, char *err, size_t errlen)
{
	json_t *r = rsdc_call(&s->c, op, body, err, errlen);
	json_decref(body);
	return r;
}

static json_t *target_body(struct sqlc *s)
{
	json_t *b = json_object();
	json_object_set_new(b, "Database", json_string(s->database));
	if (s->warehouse)
		json_object_set_new(b, "ClusterIdentifier", json_string(s->warehouse));
	return b;
}

static void print_error(const char *fmt, const char *msg)
{
	fprintf(stderr, fmt, msg);
	fputc('\n', stderr);
}

/* Waits for a statement; Ctrl-C cancels it. Returns the final Describe. */
static json_t *wait_done(struct sqlc *s, const char *id, char *err, size_t errlen)
{
	int64_t sleep_us = 500;
	bool cancelled = false;
	for (;;) {
		json_t *b = json_object();
		json_object_set_new(b, "Id", json_string(id));
		json_t *d = call(s, "DescribeStatement", b, err, errlen);
		if (!d)
			return NULL;
		const char *st = json_string_value(json_object_get(d, "Status"));
		if (st && (!strcmp(st, "FINISHED") || !strcmp(st, "FAILED") || !strcmp(st, "ABORTED")))
			return d;
		json_decref(d);
		if (interrupted && !cancelled) {
			interrupted = 0;
			cancelled = true;
			json_t *cb = json_object();
			json_object_set_new(cb, "Id", json_string(id));
			json_decref(call(s, "CancelStatement", cb, err, errlen));
		}
		usleep((useconds_t)sleep_us);
		if (sleep_us < 50000)
			sleep_us *= 2;
	}
}

static int fetch_results(struct sqlc *s, const char *id)
{
	struct table t;
	memset(&t, 0, sizeof t);
	char err[2048];
	char *token = NULL;
	bool first = true;
	int rc = 0;
	do {
		json_t *b = json_object();
		json_object_set_new(b, "Id", json_string(id));
		if (token)
			json_object_set_new(b, "NextToken", json_string(token));
		free(token);
		token = NULL;
		json_t *r = call(s, "GetStatementResult", b, err, sizeof err);
		if (!r) {
			print_error("ERROR: %s", err);
			rc = -1;
			break;
		}
		output_page(s, &t, json_object_get(r, "ColumnMetadata"), json_object_get(r, "Records"), first);
		first = false;
		const char *nt = json_string_value(json_object_get(r, "NextToken"));
		if (nt && *nt)
			token = xstrdup(nt);
		json_decref(r);
	} while (token);
	if (!rc && s->out == OUT_TABLE)
		table_print(&t);
	table_free(&t);
	return rc;
}

static int run_statement(struct sqlc *s, const char *sql)
{
	int64_t t0 = clock_mono_us();
	char err[4096];
	json_t *resp = NULL;
	for (int attempt = 0; attempt < 50 && !resp; attempt++) {
		json_t *b = target_body(s);
		json_object_set_new(b, "Sql", json_string(sql));
		if (s->session[0])
			json_object_set_new(b, "SessionId", json_string(s->session));
		else
			json_object_set_new(b, "SessionKeepAliveSeconds",
					    json_integer(s->interactive ? SESSION_SECONDS : SCRIPT_SESSION_SECONDS));
		resp = call(s, "ExecuteStatement", b, err, sizeof err);
		if (!resp && s->session[0] && !strncmp(err, "ActiveSessionsExceededException", 31)) {
			usleep(20000); /* the session is finishing its last statement */
			continue;
		}
		if (!resp && s->session[0] && strstr(err, "Session") && attempt < 1) {
			fprintf(stderr, "(the session ended: a new one starts; an open transaction was rolled back)\n");
			s->session[0] = 0;
			continue;
		}
		break;
	}
	if (!resp) {
		print_error("ERROR: %s", err);
		return -1;
	}
	const char *sid = json_string_value(json_object_get(resp, "SessionId"));
	if (sid)
		snprintf(s->session, sizeof s->session, "%s", sid);
	char id[64];
	snprintf(id, sizeof id, "%s", json_string_value(json_object_get(resp, "Id")));
	json_decref(resp);
	json_t *d = wait_done(s, id, err, sizeof err);
	if (!d) {
		print_error("ERROR: %s", err);
		return -1;
	}
	const char *status = json_string_value(json_object_get(d, "Status"));
	int rc = 0;
	if (strcmp(status, "FINISHED")) {
		const char *e = json_string_value(json_object_get(d, "Error"));
		print_error(!strcmp(status, "ABORTED") ? "Cancelled: %s" : "ERROR: %s", e ? e : status);
		rc = -1;
	} else if (json_is_true(json_object_get(d, "HasResultSet"))) {
		rc = fetch_results(s, id);
	} else if (s->out == OUT_TABLE) {
		json_int_t n = json_integer_value(json_object_get(d, "ResultRows"));
		if (n > 0)
			printf("OK, %lld row%s affected\n", (long long)n, n == 1 ? "" : "s");
		else
			printf("OK\n");
	}
	json_decref(d);
	if (s->timing)
		fprintf(s->out == OUT_TABLE ? stdout : stderr, "Time: %.3f ms\n",
			(double)(clock_mono_us() - t0) / 1000.0);
	fflush(stdout);
	return rc;
}

/* ------------------------------------------------------------ meta-commands */

static void list_call(struct sqlc *s, const char *op, json_t *b, const char *key)
{
	char err[2048];
	json_t *r = call(s, op, b, err, sizeof err);
	if (!r) {
		print_error("ERROR: %s", err);
		s->failed++;
		return;
	}
	json_t *items = json_object_get(r, key);
	size_t i;
	json_t *v;
	if (!strcmp(key, "Tables")) {
		printf(" %-20s | %-40s | %s\n", "schema", "name", "type");
		json_array_foreach(items, i, v)
		printf(" %-20s | %-40s | %s\n", json_string_value(json_object_get(v, "schema")),
		       json_string_value(json_object_get(v, "name")), json_string_value(json_object_get(v, "type")));
	} else if (!strcmp(key, "ColumnList")) {
		printf(" %-30s | %-14s | %s\n", "column", "type", "nullable");
		json_array_foreach(items, i, v)
		printf(" %-30s | %-14s | %s\n", json_string_value(json_object_get(v, "name")),
		       json_string_value(json_object_get(v, "typeName")),
		       json_integer_value(json_object_get(v, "nullable")) ? "yes" : "no");
	} else {
		json_array_foreach(items, i, v) printf(" %s\n", json_string_value(v));
	}
	json_decref(r);
}

/* Returns 1 to quit. */
static int meta(struct sqlc *s, struct lineedit *le, const char *line)
{
	char cmd[32] = "", arg[256] = "";
	sscanf(line, "\\%31s %255s", cmd, arg);
	if (!strcmp(cmd, "q") || !strcmp(cmd, "quit"))
		return 1;
	if (!strcmp(cmd, "timing")) {
		s->timing = arg[0] ? !strcasecmp(arg, "on") : !s->timing;
		printf("Timing is %s.\n", s->timing ? "on" : "off");
	} else if (!strcmp(cmd, "format")) {
		s->out = !strcmp(arg, "csv") ? OUT_CSV : !strcmp(arg, "json") ? OUT_JSON : OUT_TABLE;
		printf("Output format is %s.\n", s->out == OUT_CSV ? "csv" : s->out == OUT_JSON ? "json" : "table");
	} else if (!strcmp(cmd, "d") || !strcmp(cmd, "dt")) {
		json_t *b = target_body(s);
		if (arg[0] && !strcmp(cmd, "d")) {
			json_object_set_new(b, "Table", json_string(arg));
			list_call(s, "DescribeTable", b, "ColumnList");
		} else {
			list_call(s, "ListTables", b, "Tables");
		}
	} else if (!strcmp(cmd, "dn")) {
		list_call(s, "ListSchemas", target_body(s), "Schemas");
	} else if (!strcmp(cmd, "l")) {
		list_call(s, "ListDatabases", target_body(s), "Databases");
	} else if (!strcmp(cmd, "c")) {
		if (!arg[0]) {
			printf("Warehouse: %s\n", s->warehouse ? s->warehouse : "(the server's default)");
		} else {
			free((char *)s->warehouse);
			s->warehouse = xstrdup(arg);
			s->session[0] = 0;
			printf("Now using warehouse %s.\n", arg);
		}
	} else if (!strcmp(cmd, "s")) {
		for (int i = 0; le && i < le->nhist; i++)
			printf("%s\n", le->hist[i]);
	} else if (!strcmp(cmd, "?") || !strcmp(cmd, "h") || !strcmp(cmd, "help")) {
		usage(stdout);
	} else {
		fprintf(stderr, "invalid command \\%s; try \\? for help\n", cmd);
		s->failed++;
	}
	return 0;
}

/* ------------------------------------------------------------ scripts and the prompt */

/* Runs every statement of a text; stops at the first error unless
 * interactive. Returns -1 if one failed. */
static int run_text(struct sqlc *s, const char *text)
{
	static struct sql_range r[SQL_MAX_STATEMENTS];
	size_t where = 0;
	int n = sql_split(text, strlen(text), r, SQL_MAX_STATEMENTS, &where);
	if (n < 0) {
		fprintf(stderr, "ERROR: unterminated string, quoted identifier or comment at offset %zu\n", where);
		s->failed++;
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char *one = xstrndup(text + r[i].off, r[i].len);
		int rc = run_statement(s, one);
		free(one);
		if (rc) {
			s->failed++;
			if (!s->interactive)
				return -1;
		}
	}
	return 0;
}

/* A buffered statement is complete when its last token is ';' (outside
 * strings and comments). */
static bool complete(const char *text)
{
	struct sqltok t;
	if (sqltok_run(&t, text, strlen(text)))
		return true;
	bool done = false;
	if (t.n >= 2) {
		const struct token *last = &t.toks[t.n - 2];
		done = last->kind != TK_ERROR && tok_punct(last, ";");
	}
	sqltok_free(&t);
	return done;
}

/* Reads statements line by line (the prompt, or a script): a line starting
 * with a backslash is a meta-command, other lines gather until a ';' ends
 * the statement. A script stops at the first error. */
static int line_loop(struct sqlc *s, FILE *in)
{
	char hist[4096] = "";
	const char *home = getenv("HOME");
	if (s->interactive && home)
		snprintf(hist, sizeof hist, "%s/.nuage_sql_history", home);
	struct lineedit le;
	le_init(&le, hist[0] ? hist : NULL);
	if (s->interactive)
		printf("nuage sql: warehouse %s through %s. Type \\? for help, \\q to quit.\n",
		       s->warehouse ? s->warehouse : "(default)", s->c.url);
	struct buf stmt;
	buf_init(&stmt, 16u << 20);
	int rc = 0;
	char *line = NULL;
	size_t cap = 0;
	for (;;) {
		char *got;
		if (s->interactive) {
			char prompt[96];
			snprintf(prompt, sizeof prompt, "%s%s ", s->warehouse ? s->warehouse : "nuage", stmt.len ? "->" : "=>");
			got = le_read(&le, prompt);
			if (got && le.interrupted) {
				buf_reset(&stmt);
				free(got);
				continue;
			}
		} else {
			ssize_t n = getline(&line, &cap, in);
			got = n > 0 ? xstrndup(line, (size_t)n - (line[n - 1] == '\n')) : NULL;
		}
		if (!got)
			break;
		const char *p = got;
		while (*p == ' ' || *p == '\t')
			p++;
		if (!stmt.len && *p == '\\') {
			if (s->interactive)
				le_add(&le, p);
			int q = meta(s, &le, p);
			free(got);
			if (q)
				break;
			continue;
		}
		if (stmt.len)
			buf_addc(&stmt, '\n');
		if (buf_adds(&stmt, got)) {
			fprintf(stderr, "ERROR: a statement is longer than %zu bytes\n", stmt.max);
			buf_reset(&stmt);
			s->failed++;
		}
		free(got);
		if (!complete(buf_str(&stmt)))
			continue;
		if (s->interactive)
			le_add(&le, buf_str(&stmt));
		interrupted = 0;
		rc = run_text(s, buf_str(&stmt));
		buf_reset(&stmt);
		if (rc && !s->interactive)
			break;
	}
	/* A script may end without a last ';'. */
	if (!rc && stmt.len && !s->interactive)
		rc = run_text(s, buf_str(&stmt));
	free(line);
	buf_free(&stmt);
	le_free(&le);
	return rc;
}

int sql_command(int argc, char **argv)
{
	struct sqlc s;
	memset(&s, 0, sizeof s);
	s.header = true;
	s.database = "dev";
	const char *endpoint = getenv("NUAGE_ENDPOINT");
	if (!endpoint || !*endpoint)
		endpoint = getenv("AWS_ENDPOINT_URL");
	if (!endpoint || !*endpoint)
		endpoint = "http://127.0.0.1:4566";
	const char **cmds = xcalloc((size_t)argc + 1, sizeof *cmds);
	int ncmds = 0;
	const char *file = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool has_val = i + 1 < argc;
		if (!strcmp(a, "--warehouse") && has_val)
			s.warehouse = xstrdup(argv[++i]);
		else if (!strcmp(a, "--database") && has_val)
			s.database = argv[++i];
		else if (!strcmp(a, "--endpoint") && has_val)
			endpoint = argv[++i];
		else if (!strcmp(a, "-c") && has_val)
			cmds[ncmds++] = argv[++i];
		else if (!strcmp(a, "-f") && has_val)
			file = argv[++i];
		else if (!strcmp(a, "--csv"))
			s.out = OUT_CSV;
		else if (!strcmp(a, "--json"))
			s.out = OUT_JSON;
		else if (!strcmp(a, "--no-header"))
			s.header = false;
		else if (!strcmp(a, "--timing"))
			s.timing = true;
		else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			free(cmds);
			free((char *)s.warehouse);
			return 0;
		} else {
			fprintf(stderr, "nuage sql: unknown or incomplete option '%s'\n", a);
			usage(stderr);
			free(cmds);
			free((char *)s.warehouse);
			return 2;
		}
	}
	const char *ak = getenv("AWS_ACCESS_KEY_ID"), *sk = getenv("AWS_SECRET_ACCESS_KEY");
	const char *region = getenv("AWS_REGION");
	if (!region || !*region)
		region = getenv("AWS_DEFAULT_REGION");
	char err[1024];
	if (rsdc_init(&s.c, endpoint, ak && *ak ? ak : "test", sk && *sk ? sk : "test",
		      region && *region ? region : "us-east-1", getenv("AWS_SESSION_TOKEN"), err, sizeof err)) {
		fprintf(stderr, "nuage sql: %s\n", err);
		free(cmds);
		free((char *)s.warehouse);
		return 2;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sigint;
	sigaction(SIGINT, &sa, NULL);
	int rc = 0;
	if (ncmds || file) {
		for (int i = 0; i < ncmds && !rc; i++) {
			const char *p = cmds[i];
			while (*p == ' ')
				p++;
			if (*p == '\\')
				rc = meta(&s, NULL, p) ? 0 : (s.failed ? -1 : 0);
			else
				rc = run_text(&s, cmds[i]);
		}
		if (!rc && file) {
			FILE *f = strcmp(file, "-") ? fopen(file, "r") : stdin;
			if (!f) {
				fprintf(stderr, "nuage sql: cannot read %s: %s\n", file, strerror(errno));
				s.failed++;
			} else {
				line_loop(&s, f);
				if (f != stdin)
					fclose(f);
			}
		}
	} else {
		s.interactive = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
		line_loop(&s, stdin);
	}
	rsdc_free(&s.c);
	free(cmds);
	free((char *)s.warehouse);
	/* Like psql: a session someone typed into ends well even if some of
	 * its statements failed; scripts and -c report failures. */
	return s.failed && !s.interactive ? 1 : 0;
}
