/* dialect.c — see dialect.h. A recursive-descent parser over sqltok's
 * tokens; recursion is bounded by the grammar (FILE_FORMAT nests once,
 * time expressions to DL_MAX_DEPTH), never by input depth alone.
 *
 * Which statements are nuage's is decided from the first words only, so a
 * statement the backend should see (CREATE TABLE, a plain SELECT, COPY
 * t FROM ... in PostgreSQL's syntax) is never mistaken for one of ours.
 */
#include "warehouse/dialect.h"
#include "core/clock.h"
#include "core/buf.h"
#include "core/mem.h"
#include "formats/timefmt.h"
#include "warehouse/sqltok.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DL_MAX_DEPTH 32
#define DL_MAX_LIST 1000
#define DL_MAX_COPY_COLS WH_MAX_COLS
#define DAY_MS (24LL * 3600 * 1000)

struct P {
	struct sqltok t;
	int i;
	struct dl_stmt *st;
	struct wh_err *e;
	const char *src;
	int64_t now;
	bool failed;
	int depth;
};

/* ------------------------------------------------------------ basics */

static const struct token *peek(struct P *p)
{
	return &p->t.toks[p->i];
}

static const struct token *peek_at(struct P *p, int k)
{
	int j = p->i + k;
	return &p->t.toks[j < p->t.n ? j : p->t.n - 1];
}

static const struct token *next(struct P *p)
{
	const struct token *tk = &p->t.toks[p->i];
	if (tk->kind != TK_EOF)
		p->i++;
	return tk;
}

static int fail(struct P *p, const char *state, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(struct P *p, const char *state, const char *fmt, ...)
{
	if (p->failed)
		return -1;
	p->failed = true;
	char m[sizeof p->e->msg];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m, sizeof m, fmt, ap);
	va_end(ap);
	wh_err_set(p->e, state, "SQL compilation error:\n%s", m);
	return -1;
}

/* Snowflake's "syntax error line L at position P unexpected 'X'." */
static int unexpected(struct P *p, const struct token *tk)
{
	if (tk->kind == TK_ERROR)
		return fail(p, "42601", "syntax error line %d at position %d: %s.", tk->line, tk->pos, tk->text);
	char shown[64];
	const char *text = tk->kind == TK_EOF ? "<EOF>" : tk->text;
	if (tk->kind == TK_STRING || tk->kind == TK_QIDENT || tk->kind == TK_STAGE) {
		/* show the token as written */
		size_t n = tk->end - tk->off;
		snprintf(shown, sizeof shown, "%.*s", (int)(n > 60 ? 60 : n), p->src + tk->off);
		text = shown;
	} else if (tk->len > 60) {
		snprintf(shown, sizeof shown, "%.60s", tk->text);
		text = shown;
	}
	return fail(p, "42601", "syntax error line %d at position %d unexpected '%s'.", tk->line, tk->pos, text);
}

static bool accept(struct P *p, const char *word)
{
	if (tok_is(peek(p), word)) {
		next(p);
		return true;
	}
	return false;
}

static int expect(struct P *p, const char *word)
{
	if (accept(p, word))
		return 0;
	return unexpected(p, peek(p));
}

static bool accept_punct(struct P *p, const char *s)
{
	if (tok_punct(peek(p), s)) {
		next(p);
		return true;
	}
	return false;
}

static int expect_punct(struct P *p, const char *s)
{
	if (accept_punct(p, s))
		return 0;
	return unexpected(p, peek(p));
}

static char *adup(struct P *p, const char *s)
{
	return arena_strdup(&p->st->arena, s);
}

static void upper(char *s)
{
	for (; *s; s++)
		*s = (char)toupper((unsigned char)*s);
}

/* An identifier part: a word (upper-cased: Snowflake's canonical form) or a
 * "quoted identifier" (kept). */
static int name_part(struct P *p, char *out, size_t outlen, bool *quoted)
{
	const struct token *tk = peek(p);
	if (tk->kind != TK_WORD && tk->kind != TK_QIDENT)
		return unexpected(p, tk);
	if (tk->len >= outlen)
		return fail(p, "42622", "identifier '%.40s...' is too long (at most %zu characters)", tk->text, outlen - 1);
	snprintf(out, outlen, "%s", tk->text);
	if (tk->kind == TK_WORD)
		upper(out);
	if (quoted)
		*quoted = tk->kind == TK_QIDENT;
	next(p);
	return 0;
}

/* [db.][schema.]name -> canonical name (qualifiers dropped). */
static int obj_name(struct P *p, const char **out)
{
	char part[WH_NAME_MAX];
	for (int k = 0; k < 3; k++) {
		if (name_part(p, part, sizeof part, NULL))
			return -1;
		if (!tok_punct(peek(p), ".") || k == 2)
			break;
		next(p);
	}
	*out = adup(p, part);
	return 0;
}

/* [db.][schema.]table as the backend should see it: parts keep their
 * spelling and whether they were quoted. */
static int table_name(struct P *p, struct wh_tname *t)
{
	struct wh_ident parts[3];
	int n = 0;
	memset(parts, 0, sizeof parts);
	for (;;) {
		const struct token *tk = peek(p);
		if (tk->kind != TK_WORD && tk->kind != TK_QIDENT)
			return unexpected(p, tk);
		if (tk->len >= WH_NAME_MAX)
			return fail(p, "42622", "identifier '%.40s...' is too long", tk->text);
		snprintf(parts[n].text, sizeof parts[n].text, "%s", tk->text);
		parts[n].quoted = tk->kind == TK_QIDENT;
		n++;
		next(p);
		if (n == 3 || !tok_punct(peek(p), "."))
			break;
		next(p);
	}
	memset(t, 0, sizeof *t);
	t->table = parts[n - 1];
	if (n >= 2)
		t->schema = parts[n - 2];
	return 0;
}

void dl_canon_name(const char *in, char *out, size_t outlen)
{
	/* The last dot-separated part outside quotes. */
	const char *last = in;
	bool q = false;
	for (const char *s = in; *s; s++) {
		if (*s == '"')
			q = !q;
		else if (*s == '.' && !q)
			last = s + 1;
	}
	size_t n = strlen(last);
	if (n >= 2 && last[0] == '"' && last[n - 1] == '"') {
		struct buf b;
		buf_init(&b, outlen);
		for (size_t i = 1; i + 1 < n; i++) {
			if (last[i] == '"' && last[i + 1] == '"')
				i++;
			buf_addc(&b, last[i]);
		}
		snprintf(out, outlen, "%s", buf_str(&b));
		buf_free(&b);
		return;
	}
	snprintf(out, outlen, "%s", last);
	upper(out);
}

/* ------------------------------------------------------------ option values */

enum okind { O_CHAR, O_STR, O_STR_AUTO, O_INT, O_BOOL, O_ENUM, O_LIST, O_WORD, O_SKIP, O_ON_ERROR, O_VMODE, O_NESTED };

struct opt_spec {
	const char *name;
	enum okind kind;
	unsigned types;     /* dl_ftype bits a format option applies to */
	const char *values; /* O_ENUM: "A|B|C" */
};

#define FT_ALL (FT_CSV | FT_JSON | FT_PARQUET)

static const struct opt_spec format_specs[] = {
	{"TYPE", O_ENUM, FT_ALL, "CSV|JSON|PARQUET|AVRO|ORC|XML"},
	{"FORMAT_NAME", O_STR, FT_ALL, NULL},
	{"COMPRESSION", O_ENUM, FT_ALL, "AUTO|GZIP|BZ2|BROTLI|ZSTD|DEFLATE|RAW_DEFLATE|NONE|LZO|SNAPPY"},
	{"RECORD_DELIMITER", O_CHAR, FT_CSV, NULL},
	{"FIELD_DELIMITER", O_CHAR, FT_CSV, NULL},
	{"FILE_EXTENSION", O_STR, FT_ALL, NULL},
	{"PARSE_HEADER", O_BOOL, FT_CSV, NULL},
	{"SKIP_HEADER", O_INT, FT_CSV, NULL},
	{"SKIP_BLANK_LINES", O_BOOL, FT_CSV, NULL},
	{"DATE_FORMAT", O_STR_AUTO, FT_CSV | FT_JSON, NULL},
	{"TIME_FORMAT", O_STR_AUTO, FT_CSV | FT_JSON, NULL},
	{"TIMESTAMP_FORMAT", O_STR_AUTO, FT_CSV | FT_JSON, NULL},
	{"BINARY_FORMAT", O_ENUM, FT_CSV | FT_JSON, "HEX|BASE64|UTF8|UTF-8"},
	{"ESCAPE", O_CHAR, FT_CSV, NULL},
	{"ESCAPE_UNENCLOSED_FIELD", O_CHAR, FT_CSV, NULL},
	{"TRIM_SPACE", O_BOOL, FT_ALL, NULL},
	{"FIELD_OPTIONALLY_ENCLOSED_BY", O_CHAR, FT_CSV, NULL},
	{"NULL_IF", O_LIST, FT_ALL, NULL},
	{"ERROR_ON_COLUMN_COUNT_MISMATCH", O_BOOL, FT_CSV, NULL},
	{"REPLACE_INVALID_CHARACTERS", O_BOOL, FT_ALL, NULL},
	{"EMPTY_FIELD_AS_NULL", O_BOOL, FT_CSV, NULL},
	{"SKIP_BYTE_ORDER_MARK", O_BOOL, FT_CSV, NULL},
	{"ENCODING", O_STR, FT_CSV, NULL},
	{"MULTI_LINE", O_BOOL, FT_CSV | FT_JSON, NULL},
	{"ENABLE_OCTAL", O_BOOL, FT_JSON, NULL},
	{"ALLOW_DUPLICATE", O_BOOL, FT_JSON, NULL},
	{"STRIP_OUTER_ARRAY", O_BOOL, FT_JSON, NULL},
	{"STRIP_NULL_VALUES", O_BOOL, FT_JSON, NULL},
	{"IGNORE_UTF8_ERRORS", O_BOOL, FT_JSON, NULL},
	{"BINARY_AS_TEXT", O_BOOL, FT_PARQUET, NULL},
	{"USE_LOGICAL_TYPE", O_BOOL, FT_PARQUET, NULL},
	{"USE_VECTORIZED_SCANNER", O_BOOL, FT_PARQUET, NULL},
	{"COMMENT", O_STR, FT_ALL, NULL},
	{NULL, 0, 0, NULL},
};

static const struct opt_spec copy_specs[] = {
	{"ON_ERROR", O_ON_ERROR, 0, NULL},
	{"SIZE_LIMIT", O_INT, 0, NULL},
	{"PURGE", O_BOOL, 0, NULL},
	{"RETURN_FAILED_ONLY", O_BOOL, 0, NULL},
	{"MATCH_BY_COLUMN_NAME", O_ENUM, 0, "CASE_SENSITIVE|CASE_INSENSITIVE|NONE"},
	{"ENFORCE_LENGTH", O_BOOL, 0, NULL},
	{"TRUNCATECOLUMNS", O_BOOL, 0, NULL},
	{"FORCE", O_BOOL, 0, NULL},
	{"LOAD_UNCERTAIN_FILES", O_BOOL, 0, NULL},
	{"FILES", O_LIST, 0, NULL},
	{"PATTERN", O_STR, 0, NULL},
	{"VALIDATION_MODE", O_VMODE, 0, NULL},
	{"FILE_FORMAT", O_NESTED, 0, NULL},
	{"STORAGE_INTEGRATION", O_WORD, 0, NULL},
	{"CREDENTIALS", O_SKIP, 0, NULL},
	{"ENCRYPTION", O_SKIP, 0, NULL},
	{NULL, 0, 0, NULL},
};

static const struct opt_spec *find_spec(const struct opt_spec *specs, const char *name)
{
	for (int i = 0; specs[i].name; i++)
		if (!strcasecmp(specs[i].name, name))
			return &specs[i];
	return NULL;
}

/* Skips a balanced ( ... ) group: CREDENTIALS, ENCRYPTION, DIRECTORY. */
static int skip_group(struct P *p)
{
	if (expect_punct(p, "("))
		return -1;
	int depth = 1;
	while (depth > 0) {
		const struct token *tk = next(p);
		if (tk->kind == TK_EOF || tk->kind == TK_ERROR)
			return unexpected(p, tk);
		if (tok_punct(tk, "("))
			depth++;
		else if (tok_punct(tk, ")"))
			depth--;
	}
	return 0;
}

static int bad_value(struct P *p, const char *opt, const struct token *tk)
{
	size_t n = tk->end - tk->off;
	return fail(p, "22023", "invalid value [%.*s] for parameter '%s'", (int)(n > 80 ? 80 : n), p->src + tk->off, opt);
}

/* '0x..' hex or a decoded string: the bytes of a character option. */
static int char_value(struct P *p, const char *opt, const struct token *tk, json_t **out)
{
	if (tok_is(tk, "NONE")) {
		*out = json_null();
		return 0;
	}
	if (tk->kind != TK_STRING)
		return bad_value(p, opt, tk);
	const char *s = tk->text;
	size_t n = tk->len;
	char bytes[32];
	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && (n - 2) % 2 == 0 && (n - 2) / 2 < sizeof bytes) {
		size_t k = 0;
		for (size_t i = 2; i < n; i += 2) {
			char h[3] = {s[i], s[i + 1], 0};
			char *end;
			long v = strtol(h, &end, 16);
			if (*end || !v)
				return bad_value(p, opt, tk);
			bytes[k++] = (char)v;
		}
		*out = json_stringn(bytes, k);
		return 0;
	}
	if (n == 0 && strcasecmp(opt, "FIELD_DELIMITER") && strcasecmp(opt, "RECORD_DELIMITER")) {
		*out = json_null(); /* '' means none for quote and escape characters */
		return 0;
	}
	if (n == 0 || n > 20)
		return bad_value(p, opt, tk);
	*out = json_stringn(s, n);
	if (!*out)
		return bad_value(p, opt, tk); /* not UTF-8 */
	return 0;
}

static int list_value(struct P *p, const char *opt, json_t **out)
{
	if (!tok_punct(peek(p), "(")) {
		/* A single value without parentheses: NULL_IF = '\\N' */
		const struct token *tk = next(p);
		if (tk->kind != TK_STRING)
			return bad_value(p, opt, tk);
		*out = json_array();
		json_array_append_new(*out, json_stringn(tk->text, tk->len));
		return 0;
	}
	next(p);
	*out = json_array();
	if (accept_punct(p, ")"))
		return 0;
	for (;;) {
		const struct token *tk = next(p);
		if (tk->kind != TK_STRING) {
			json_decref(*out);
			*out = NULL;
			return unexpected(p, tk);
		}
		json_t *v = json_stringn(tk->text, tk->len);
		if (!v || json_array_size(*out) >= DL_MAX_LIST) {
			json_decref(v);
			json_decref(*out);
			*out = NULL;
			return fail(p, "22023", "invalid value for parameter '%s' (at most %d UTF-8 strings)", opt,
				    DL_MAX_LIST);
		}
		json_array_append_new(*out, v);
		if (accept_punct(p, ")"))
			return 0;
		if (expect_punct(p, ",")) {
			json_decref(*out);
			*out = NULL;
			return -1;
		}
	}
}

static bool enum_has(const char *values, const char *v)
{
	size_t n = strlen(v);
	for (const char *s = values; *s;) {
		const char *bar = strchr(s, '|');
		size_t k = bar ? (size_t)(bar - s) : strlen(s);
		if (k == n && !strncasecmp(s, v, n))
			return true;
		if (!bar)
			break;
		s = bar + 1;
	}
	return false;
}

/* ON_ERROR = CONTINUE | SKIP_FILE | SKIP_FILE_n | 'SKIP_FILE_n%' | ABORT_STATEMENT */
static bool on_error_ok(const char *v)
{
	if (!strcasecmp(v, "CONTINUE") || !strcasecmp(v, "SKIP_FILE") || !strcasecmp(v, "ABORT_STATEMENT"))
		return true;
	if (strncasecmp(v, "SKIP_FILE_", 10))
		return false;
	const char *s = v + 10;
	if (!isdigit((unsigned char)*s))
		return false;
	while (isdigit((unsigned char)*s))
		s++;
	if (*s == '.' && isdigit((unsigned char)s[1])) {
		s++;
		while (isdigit((unsigned char)*s))
			s++;
		return !strcmp(s, "%");
	}
	return !*s || !strcmp(s, "%");
}

/* RETURN_n_ROWS | RETURN_ERRORS | RETURN_ALL_ERRORS */
static bool vmode_ok(const char *v)
{
	if (!strcasecmp(v, "RETURN_ERRORS") || !strcasecmp(v, "RETURN_ALL_ERRORS"))
		return true;
	if (strncasecmp(v, "RETURN_", 7))
		return false;
	const char *s = v + 7;
	if (!isdigit((unsigned char)*s))
		return false;
	while (isdigit((unsigned char)*s))
		s++;
	return !strcasecmp(s, "_ROWS");
}

static int parse_options(struct P *p, const struct opt_spec *specs, json_t *into, const char *what, bool in_parens);

/* The value of one option (after '='). */
static int option_value(struct P *p, const struct opt_spec *sp, json_t *into)
{
	const struct token *tk = peek(p);
	json_t *v = NULL;
	switch (sp->kind) {
	case O_CHAR:
		next(p);
		if (char_value(p, sp->name, tk, &v))
			return -1;
		break;
	case O_STR:
		if (tk->kind != TK_STRING)
			return bad_value(p, sp->name, tk);
		next(p);
		v = json_stringn(tk->text, tk->len);
		if (!v)
			return bad_value(p, sp->name, tk);
		break;
	case O_STR_AUTO:
		next(p);
		if (tok_is(tk, "AUTO"))
			v = json_string("AUTO");
		else if (tk->kind == TK_STRING)
			v = json_stringn(tk->text, tk->len);
		if (!v)
			return bad_value(p, sp->name, tk);
		if (strcasecmp(json_string_value(v), "AUTO")) {
			struct tf_format f;
			char why[200];
			if (tf_compile(json_string_value(v), &f, why, sizeof why)) {
				json_decref(v);
				return fail(p, "22023", "invalid value ['%s'] for parameter '%s': %s", tk->text, sp->name, why);
			}
		}
		break;
	case O_INT: {
		next(p);
		const char *s = tk->text;
		if (tk->kind != TK_NUMBER && tk->kind != TK_STRING)
			return bad_value(p, sp->name, tk);
		char *end;
		long long x = strtoll(s, &end, 10);
		if (end == s || *end || x < 0)
			return bad_value(p, sp->name, tk);
		v = json_integer(x);
		break;
	}
	case O_BOOL:
		next(p);
		if (tok_is(tk, "TRUE") || (tk->kind == TK_STRING && !strcasecmp(tk->text, "TRUE")))
			v = json_true();
		else if (tok_is(tk, "FALSE") || (tk->kind == TK_STRING && !strcasecmp(tk->text, "FALSE")))
			v = json_false();
		else
			return bad_value(p, sp->name, tk);
		break;
	case O_ENUM:
	case O_ON_ERROR:
	case O_VMODE: {
		next(p);
		if (tk->kind != TK_WORD && tk->kind != TK_STRING)
			return bad_value(p, sp->name, tk);
		char val[64];
		snprintf(val, sizeof val, "%s", tk->text);
		upper(val);
		bool ok = sp->kind == O_ENUM ? enum_has(sp->values, val) : sp->kind == O_ON_ERROR ? on_error_ok(val)
											       : vmode_ok(val);
		if (!ok || tk->len >= sizeof val)
			return bad_value(p, sp->name, tk);
		v = json_string(val);
		break;
	}
	case O_LIST:
		if (list_value(p, sp->name, &v))
			return -1;
		break;
	case O_WORD:
		next(p);
		if (tk->kind != TK_WORD && tk->kind != TK_QIDENT && tk->kind != TK_STRING)
			return bad_value(p, sp->name, tk);
		v = json_stringn(tk->text, tk->len);
		if (!v)
			return bad_value(p, sp->name, tk);
		break;
	case O_SKIP:
		return skip_group(p);
	case O_NESTED: {
		if (++p->depth > 2)
			return unexpected(p, tk);
		json_t *f = json_object();
		int rc = expect_punct(p, "(") ? -1 : parse_options(p, format_specs, f, "FILE_FORMAT", true);
		p->depth--;
		if (rc) {
			json_decref(f);
			return -1;
		}
		v = f;
		break;
	}
	}
	json_object_set_new(into, sp->name, v);
	return 0;
}

/* NAME = value ... until a word that is not an option (or ')' when
 * in_parens, which is consumed). Options may be separated by commas. */
static int parse_options(struct P *p, const struct opt_spec *specs, json_t *into, const char *what, bool in_parens)
{
	for (;;) {
		const struct token *tk = peek(p);
		if (in_parens && accept_punct(p, ")"))
			return 0;
		if (tok_punct(tk, ",")) {
			next(p);
			continue;
		}
		if (tk->kind != TK_WORD) {
			if (in_parens || (tk->kind != TK_EOF && !tok_punct(tk, ";")))
				return unexpected(p, tk);
			return 0;
		}
		const struct opt_spec *sp = find_spec(specs, tk->text);
		if (!sp) {
			if (!in_parens && !tok_punct(peek_at(p, 1), "="))
				return 0; /* the caller's next keyword (AS, COMMENT handled by caller) */
			char up[64];
			snprintf(up, sizeof up, "%s", tk->text);
			upper(up);
			return fail(p, "42601", "invalid property '%s' for '%s'", up, what);
		}
		next(p);
		if (expect_punct(p, "="))
			return -1;
		if (option_value(p, sp, into))
			return -1;
	}
}

int dl_format_type(const json_t *opts)
{
	const char *t = json_string_value(json_object_get(opts, "TYPE"));
	if (!t || !strcasecmp(t, "CSV"))
		return FT_CSV;
	if (!strcasecmp(t, "JSON"))
		return FT_JSON;
	if (!strcasecmp(t, "PARQUET"))
		return FT_PARQUET;
	return 0;
}

/* Options of another type than TYPE, and types nuage cannot read. */
static int check_format(struct P *p, json_t *f)
{
	const char *t = json_string_value(json_object_get(f, "TYPE"));
	if (json_object_get(f, "FORMAT_NAME")) {
		if (json_object_size(f) > 1)
			return fail(p, "42601",
				    "FORMAT_NAME and other file format options (TYPE, ...) cannot be used together");
		return 0;
	}
	int type = dl_format_type(f);
	if (!type)
		return fail(p, "0A000", "file format type %s is not supported by nuage (CSV, JSON and PARQUET are)", t);
	const char *k;
	json_t *v;
	json_object_foreach(f, k, v)
	{
		const struct opt_spec *sp = find_spec(format_specs, k);
		if (sp && !(sp->types & type))
			return fail(p, "42601", "invalid file format option '%s' for TYPE = %s", k, t ? t : "CSV");
	}
	json_t *q = json_object_get(f, "FIELD_OPTIONALLY_ENCLOSED_BY");
	if (json_is_string(q) && strcmp(json_string_value(q), "\"") && strcmp(json_string_value(q), "'"))
		return fail(p, "22023", "invalid value ['%s'] for parameter 'FIELD_OPTIONALLY_ENCLOSED_BY'",
			    json_string_value(q));
	return 0;
}

/* ------------------------------------------------------------ time expressions */

static int time_expr(struct P *p, int64_t *ms);

static int int_arg(struct P *p, int64_t *v)
{
	bool neg = false;
	if (accept_punct(p, "-"))
		neg = true;
	else
		accept_punct(p, "+");
	const struct token *tk = next(p);
	if (tk->kind != TK_NUMBER)
		return unexpected(p, tk);
	char *end;
	long long x = strtoll(tk->text, &end, 10);
	if (*end || x > 1000000000LL)
		return unexpected(p, tk);
	*v = neg ? -x : x;
	return 0;
}

static int64_t add_months(int64_t ms, int64_t months)
{
	int64_t days = ms >= 0 ? ms / DAY_MS : -((-ms + DAY_MS - 1) / DAY_MS);
	int64_t rest = ms - days * DAY_MS;
	int64_t y;
	int m, d;
	civil_from_days(days, &y, &m, &d);
	int64_t total = y * 12 + (m - 1) + months;
	int64_t ny = total >= 0 ? total / 12 : -((-total + 11) / 12);
	int nm = (int)(total - ny * 12) + 1;
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int maxd = mdays[nm - 1] + (nm == 2 && ((ny % 4 == 0 && ny % 100 != 0) || ny % 400 == 0));
	if (d > maxd)
		d = maxd;
	return days_from_civil(ny, (unsigned)nm, (unsigned)d) * DAY_MS + rest;
}

static int date_add(struct P *p, int64_t *ms)
{
	if (expect_punct(p, "("))
		return -1;
	const struct token *u = next(p);
	if (u->kind != TK_WORD && u->kind != TK_STRING)
		return unexpected(p, u);
	char unit[32];
	snprintf(unit, sizeof unit, "%s", u->text);
	upper(unit);
	int64_t n = 0, base = 0;
	if (expect_punct(p, ",") || int_arg(p, &n) || expect_punct(p, ",") || time_expr(p, &base) || expect_punct(p, ")"))
		return -1;
	static const struct {
		const char *names;
		int64_t ms;
		int months;
	} units[] = {
		{"|YEAR|YEARS|Y|YY|YYY|YYYY|YR|YRS|", 0, 12},
		{"|MONTH|MONTHS|MM|MON|MONS|", 0, 1},
		{"|WEEK|WEEKS|W|WK|WEEKOFYEAR|WOY|WY|", 7 * DAY_MS, 0},
		{"|DAY|DAYS|D|DD|DAYOFMONTH|", DAY_MS, 0},
		{"|HOUR|HOURS|H|HH|HR|HRS|", 3600000, 0},
		{"|MINUTE|MINUTES|M|MI|MIN|MINS|", 60000, 0},
		{"|SECOND|SECONDS|S|SEC|SECS|", 1000, 0},
		{"|MILLISECOND|MILLISECONDS|MS|MSEC|", 1, 0},
	};
	char key[40];
	snprintf(key, sizeof key, "|%s|", unit);
	for (size_t i = 0; i < sizeof units / sizeof *units; i++)
		if (strstr(units[i].names, key)) {
			*ms = units[i].months ? add_months(base, n * units[i].months) : base + n * units[i].ms;
			return 0;
		}
	return fail(p, "22023", "invalid date or time part '%s' for DATEADD", u->text);
}

/* A constant timestamp expression (COPY_HISTORY's START_TIME, ALTER PIPE's
 * MODIFIED_AFTER): literals, CURRENT_TIMESTAMP(), DATEADD(...), TO_TIMESTAMP*(...). */
static int time_expr(struct P *p, int64_t *ms)
{
	if (++p->depth > DL_MAX_DEPTH) {
		p->depth--;
		return unexpected(p, peek(p));
	}
	int rc = 0;
	const struct token *tk = next(p);
	if (tk->kind == TK_STRING) {
		struct tf_format f;
		tf_compile(NULL, &f, NULL, 0);
		int64_t us;
		if (tf_parse_ts(&f, tk->text, tk->len, TS_MILLIS, true, &us)) {
			rc = fail(p, "22007", "Timestamp '%s' is not recognized", tk->text);
			goto out;
		}
		*ms = us;
	} else if (tok_is(tk, "CURRENT_TIMESTAMP") || tok_is(tk, "SYSDATE") || tok_is(tk, "GETDATE") ||
		   tok_is(tk, "LOCALTIMESTAMP") || tok_is(tk, "SYSTIMESTAMP") || tok_is(tk, "CURRENT_DATE")) {
		bool date = tok_is(tk, "CURRENT_DATE");
		if (accept_punct(p, "(") && expect_punct(p, ")")) {
			rc = -1;
			goto out;
		}
		*ms = date ? p->now - p->now % DAY_MS : p->now;
	} else if (tok_is(tk, "DATEADD") || tok_is(tk, "TIMEADD") || tok_is(tk, "TIMESTAMPADD")) {
		rc = date_add(p, ms);
	} else if (tk->kind == TK_WORD && (!strncasecmp(tk->text, "TO_TIMESTAMP", 12) || tok_is(tk, "TO_DATE"))) {
		rc = expect_punct(p, "(") || time_expr(p, ms) || expect_punct(p, ")") ? -1 : 0;
	} else if (tok_punct(tk, "(")) {
		rc = time_expr(p, ms) || expect_punct(p, ")") ? -1 : 0;
	} else {
		rc = unexpected(p, tk);
	}
	/* ::TIMESTAMP_LTZ and friends change nothing here. */
	while (!rc && accept_punct(p, "::")) {
		const struct token *ty = next(p);
		if (ty->kind != TK_WORD)
			rc = unexpected(p, ty);
	}
out:
	p->depth--;
	return rc;
}

/* ------------------------------------------------------------ stage references */

/* Splits "name/path" (TK_STAGE text or '@...' string) into a canonical
 * stage name and a path. */
static int stage_ref(struct P *p, const struct token *tk, const char *text, const char **stage, const char **path)
{
	if (text[0] == '~' || text[0] == '%')
		return fail(p, "0A000",
			    "nuage has no user or table stages (@~, @%%table): create an external stage with "
			    "URL = 's3://bucket/path/'");
	const char *slash = NULL;
	bool q = false;
	for (const char *s = text; *s; s++) {
		if (*s == '"')
			q = !q;
		else if (*s == '/' && !q) {
			slash = s;
			break;
		}
	}
	size_t n = slash ? (size_t)(slash - text) : strlen(text);
	if (!n || n >= WH_NAME_MAX)
		return unexpected(p, tk);
	char raw[WH_NAME_MAX], canon[WH_NAME_MAX];
	memcpy(raw, text, n);
	raw[n] = 0;
	dl_canon_name(raw, canon, sizeof canon);
	if (!canon[0])
		return unexpected(p, tk);
	*stage = adup(p, canon);
	const char *rest = slash ? slash + 1 : "";
	*path = adup(p, rest);
	return 0;
}

/* ------------------------------------------------------------ COPY INTO */

/* $N, alias.$N, $N:path[.more][::type] [AS x | x] */
static int select_item(struct P *p, struct dl_select *it)
{
	if (peek(p)->kind == TK_WORD && tok_punct(peek_at(p, 1), ".") && tok_punct(peek_at(p, 2), "$")) {
		next(p);
		next(p);
	}
	const struct token *d = next(p);
	const struct token *num = next(p);
	if (!tok_punct(d, "$") || num->kind != TK_NUMBER || num->off != d->end)
		return fail(p, "0A000",
			    "nuage's COPY transformations select source columns only ($1, $2, $1:field); found '%s' at "
			    "line %d position %d",
			    tok_punct(d, "$") ? num->text : d->text, d->line, d->pos);
	char *end;
	long col = strtol(num->text, &end, 10);
	if (*end || col < 1 || col > WH_MAX_COLS)
		return unexpected(p, num);
	it->col = (int)col;
	it->path = NULL;
	if (tok_punct(peek(p), ":") && peek(p)->off == num->end) {
		next(p);
		struct buf path;
		buf_init(&path, 4096);
		for (;;) {
			const struct token *f = next(p);
			if (f->kind != TK_WORD && f->kind != TK_QIDENT) {
				buf_free(&path);
				return unexpected(p, f);
			}
			if (path.len)
				buf_addc(&path, '.');
			buf_adds(&path, f->text);
			if (!accept_punct(p, "."))
				break;
		}
		if (tok_punct(peek(p), "[")) {
			buf_free(&path);
			return fail(p, "0A000", "nuage's COPY transformations do not index arrays ([n])");
		}
		it->path = adup(p, buf_str(&path));
		buf_free(&path);
	}
	while (accept_punct(p, "::")) {
		const struct token *ty = next(p);
		if (ty->kind != TK_WORD)
			return unexpected(p, ty);
		if (accept_punct(p, "(")) { /* NUMBER(10,2), VARCHAR(20) */
			while (!tok_punct(peek(p), ")") && peek(p)->kind != TK_EOF)
				next(p);
			if (expect_punct(p, ")"))
				return -1;
		}
	}
	if (accept(p, "AS")) {
		const struct token *a = next(p);
		if (a->kind != TK_WORD && a->kind != TK_QIDENT)
			return unexpected(p, a);
	} else if (peek(p)->kind == TK_WORD && !tok_is(peek(p), "FROM")) {
		next(p);
	}
	return 0;
}

static int copy_source(struct P *p, struct dl_copy *c)
{
	const struct token *tk = peek(p);
	if (tk->kind == TK_STAGE) {
		next(p);
		return stage_ref(p, tk, tk->text, &c->stage, &c->path);
	}
	if (tk->kind == TK_STRING) {
		next(p);
		if (tk->text[0] == '@')
			return stage_ref(p, tk, tk->text + 1, &c->stage, &c->path);
		if (strncasecmp(tk->text, "s3://", 5))
			return fail(p, "0A000",
				    "nuage loads from its own S3 only: the location must start with s3:// (found '%.80s')",
				    tk->text);
		c->url = adup(p, tk->text);
		return 0;
	}
	if (!tok_punct(tk, "("))
		return unexpected(p, tk);
	/* ( SELECT items FROM @stage[/path] [alias] ) */
	next(p);
	if (expect(p, "SELECT"))
		return -1;
	int cap = 0;
	for (;;) {
		if (c->nselect == cap) {
			cap = cap ? cap * 2 : 8;
			if (cap > DL_MAX_COPY_COLS)
				return fail(p, "54011", "too many columns in the COPY transformation");
			struct dl_select *ns = arena_alloc(&p->st->arena, sizeof *ns * (size_t)cap);
			if (c->nselect)
				memcpy(ns, c->select, sizeof *ns * (size_t)c->nselect);
			c->select = ns;
		}
		if (select_item(p, &c->select[c->nselect]))
			return -1;
		c->nselect++;
		if (!accept_punct(p, ","))
			break;
	}
	if (expect(p, "FROM"))
		return -1;
	const struct token *s = next(p);
	if (s->kind == TK_STAGE) {
		if (stage_ref(p, s, s->text, &c->stage, &c->path))
			return -1;
	} else if (s->kind == TK_STRING && s->text[0] == '@') {
		if (stage_ref(p, s, s->text + 1, &c->stage, &c->path))
			return -1;
	} else {
		return fail(p, "0A000", "a COPY transformation reads from a named stage (FROM @stage)");
	}
	if (peek(p)->kind == TK_WORD && !tok_punct(peek(p), ")")) { /* table alias */
		accept(p, "AS");
		next(p);
	}
	return expect_punct(p, ")");
}

static int parse_copy(struct P *p, struct dl_copy *c)
{
	c->text_off = peek(p)->off;
	if (expect(p, "COPY") || expect(p, "INTO") || table_name(p, &c->table))
		return -1;
	if (accept_punct(p, "(")) {
		int cap = 0;
		for (;;) {
			if (c->ncols == cap) {
				cap = cap ? cap * 2 : 8;
				if (cap > DL_MAX_COPY_COLS)
					return fail(p, "54011", "too many columns in COPY INTO");
				struct wh_ident *nc = arena_alloc(&p->st->arena, sizeof *nc * (size_t)cap);
				if (c->ncols)
					memcpy(nc, c->cols, sizeof *nc * (size_t)c->ncols);
				c->cols = nc;
			}
			const struct token *tk = next(p);
			if (tk->kind != TK_WORD && tk->kind != TK_QIDENT)
				return unexpected(p, tk);
			if (tk->len >= WH_NAME_MAX)
				return fail(p, "42622", "identifier '%.40s...' is too long", tk->text);
			snprintf(c->cols[c->ncols].text, WH_NAME_MAX, "%s", tk->text);
			c->cols[c->ncols].quoted = tk->kind == TK_QIDENT;
			c->ncols++;
			if (accept_punct(p, ")"))
				break;
			if (expect_punct(p, ","))
				return -1;
		}
	}
	if (expect(p, "FROM") || copy_source(p, c))
		return -1;
	c->options = json_object();
	if (parse_options(p, copy_specs, c->options, "COPY", false))
		return -1;
	const struct token *last = &p->t.toks[p->i > 0 ? p->i - 1 : 0];
	c->text_len = last->end - c->text_off;
	json_t *f = json_object_get(c->options, "FILE_FORMAT");
	if (f) {
		if (check_format(p, f))
			return -1;
		c->format = json_incref(f);
		json_object_del(c->options, "FILE_FORMAT");
	}
	if (c->url && c->nselect)
		return fail(p, "0A000", "a COPY transformation reads from a named stage (FROM @stage)");
	return 0;
}

/* ------------------------------------------------------------ statements */

static int end_of_statement(struct P *p)
{
	accept_punct(p, ";");
	if (peek(p)->kind != TK_EOF)
		return unexpected(p, peek(p));
	return 0;
}

/* [IF NOT EXISTS] name, of a CREATE. */
static int created_name(struct P *p)
{
	if (accept(p, "IF")) {
		if (expect(p, "NOT") || expect(p, "EXISTS"))
			return -1;
		p->st->if_not_exists = true;
	}
	return obj_name(p, &p->st->name);
}

static int parse_create_format(struct P *p)
{
	struct dl_stmt *st = p->st;
	st->kind = DL_CREATE_FORMAT;
	if (created_name(p))
		return -1;
	st->opts = json_object();
	if (parse_options(p, format_specs, st->opts, "FILE_FORMAT", false))
		return -1;
	json_object_del(st->opts, "FORMAT_NAME");
	if (check_format(p, st->opts))
		return -1;
	return end_of_statement(p);
}

static const struct opt_spec stage_specs[] = {
	{"URL", O_STR, 0, NULL},
	{"STORAGE_INTEGRATION", O_WORD, 0, NULL},
	{"CREDENTIALS", O_SKIP, 0, NULL},
	{"ENCRYPTION", O_SKIP, 0, NULL},
	{"DIRECTORY", O_SKIP, 0, NULL},
	{"FILE_FORMAT", O_NESTED, 0, NULL},
	{"COMMENT", O_STR, 0, NULL},
	{NULL, 0, 0, NULL},
};

/* Stage properties; COPY_OPTIONS = ( ... ) nests copy options. */
static int stage_props(struct P *p, json_t *into)
{
	for (;;) {
		const struct token *tk = peek(p);
		if (tok_punct(tk, ",")) {
			next(p);
			continue;
		}
		if (tk->kind != TK_WORD || !tok_punct(peek_at(p, 1), "="))
			break;
		if (tok_is(tk, "COPY_OPTIONS")) {
			next(p);
			next(p);
			json_t *co = json_object();
			if (expect_punct(p, "(") || parse_options(p, copy_specs, co, "COPY_OPTIONS", true)) {
				json_decref(co);
				return -1;
			}
			const char *const not_here[] = {"FILES", "PATTERN", "VALIDATION_MODE", "FILE_FORMAT", NULL};
			for (int i = 0; not_here[i]; i++)
				if (json_object_get(co, not_here[i])) {
					json_decref(co);
					return fail(p, "42601", "invalid property '%s' for 'COPY_OPTIONS'", not_here[i]);
				}
			json_object_set_new(into, "COPY_OPTIONS", co);
			continue;
		}
		const struct opt_spec *sp = find_spec(stage_specs, tk->text);
		if (!sp) {
			char up[64];
			snprintf(up, sizeof up, "%s", tk->text);
			upper(up);
			return fail(p, "42601", "invalid property '%s' for 'STAGE'", up);
		}
		next(p);
		next(p);
		if (option_value(p, sp, into))
			return -1;
	}
	json_t *f = json_object_get(into, "FILE_FORMAT");
	if (f && check_format(p, f))
		return -1;
	const char *url = json_string_value(json_object_get(into, "URL"));
	if (url && strncasecmp(url, "s3://", 5))
		return fail(p, "0A000", "nuage stages point at its own S3: URL must start with s3:// (found '%.80s')", url);
	return 0;
}

static int parse_create_stage(struct P *p)
{
	struct dl_stmt *st = p->st;
	st->kind = DL_CREATE_STAGE;
	if (created_name(p))
		return -1;
	st->opts = json_object();
	if (stage_props(p, st->opts))
		return -1;
	if (!json_object_get(st->opts, "URL"))
		return fail(p, "0A000",
			    "nuage has no internal stages (no PUT): give the stage URL = 's3://bucket/path/' on nuage's S3");
	return end_of_statement(p);
}

static const struct opt_spec pipe_specs[] = {
	{"AUTO_INGEST", O_BOOL, 0, NULL},
	{"ERROR_INTEGRATION", O_WORD, 0, NULL},
	{"AWS_SNS_TOPIC", O_STR, 0, NULL},
	{"INTEGRATION", O_STR, 0, NULL},
	{"COMMENT", O_STR, 0, NULL},
	{NULL, 0, 0, NULL},
};

/* Copy options a pipe cannot use (Snowpipe's rules). */
static int check_pipe_copy(struct P *p, struct dl_copy *c)
{
	static const char *const banned[] = {"FILES", "FORCE", "PURGE", "VALIDATION_MODE", "SIZE_LIMIT",
					     "RETURN_FAILED_ONLY", "LOAD_UNCERTAIN_FILES", NULL};
	for (int i = 0; banned[i]; i++)
		if (json_object_get(c->options, banned[i]))
			return fail(p, "0A000", "copy option '%s' is not supported in a pipe definition", banned[i]);
	const char *oe = json_string_value(json_object_get(c->options, "ON_ERROR"));
	if (oe && !strcasecmp(oe, "ABORT_STATEMENT"))
		return fail(p, "0A000", "ON_ERROR = ABORT_STATEMENT is not supported in a pipe definition");
	if (!c->stage)
		return fail(p, "0A000", "a pipe loads from a named stage (COPY INTO t FROM @stage)");
	return 0;
}

static int parse_create_pipe(struct P *p)
{
	struct dl_stmt *st = p->st;
	st->kind = DL_CREATE_PIPE;
	if (created_name(p))
		return -1;
	st->opts = json_object();
	if (parse_options(p, pipe_specs, st->opts, "PIPE", false))
		return -1;
	if (expect(p, "AS") || parse_copy(p, &st->copy) || check_pipe_copy(p, &st->copy))
		return -1;
	return end_of_statement(p);
}

static int parse_alter(struct P *p, int what)
{
	struct dl_stmt *st = p->st;
	if (accept(p, "IF")) {
		if (expect(p, "EXISTS"))
			return -1;
		st->if_exists = true;
	}
	if (obj_name(p, &st->name))
		return -1;
	if (accept(p, "RENAME")) {
		if (what == DL_ALTER_PIPE)
			return unexpected(p, &p->t.toks[p->i - 1]);
		if (expect(p, "TO") || obj_name(p, &st->new_name))
			return -1;
		return end_of_statement(p);
	}
	st->opts = json_object();
	if (what == DL_ALTER_PIPE) {
		if (accept(p, "REFRESH")) {
			st->alter = AP_REFRESH;
			for (;;) {
				if (accept(p, "PREFIX")) {
					const struct token *tk;
					if (expect_punct(p, "="))
						return -1;
					tk = next(p);
					if (tk->kind != TK_STRING)
						return unexpected(p, tk);
					st->refresh_prefix = adup(p, tk->text);
				} else if (accept(p, "MODIFIED_AFTER")) {
					if (expect_punct(p, "=") || time_expr(p, &st->modified_after))
						return -1;
				} else {
					break;
				}
			}
			return end_of_statement(p);
		}
		if (accept(p, "UNSET")) {
			if (expect(p, "COMMENT"))
				return -1;
			st->alter = AP_UNSET_COMMENT;
			return end_of_statement(p);
		}
		if (expect(p, "SET"))
			return -1;
		static const struct opt_spec alter_pipe[] = {
			{"PIPE_EXECUTION_PAUSED", O_BOOL, 0, NULL},
			{"COMMENT", O_STR, 0, NULL},
			{"ERROR_INTEGRATION", O_WORD, 0, NULL},
			{NULL, 0, 0, NULL},
		};
		st->alter = AP_SET;
		if (parse_options(p, alter_pipe, st->opts, "PIPE", false))
			return -1;
		if (!json_object_size(st->opts))
			return unexpected(p, peek(p));
		return end_of_statement(p);
	}
	if (expect(p, "SET"))
		return -1;
	if (what == DL_ALTER_FORMAT) {
		if (parse_options(p, format_specs, st->opts, "FILE_FORMAT", false))
			return -1;
		json_object_del(st->opts, "FORMAT_NAME");
	} else if (stage_props(p, st->opts)) {
		return -1;
	}
	if (!json_object_size(st->opts))
		return unexpected(p, peek(p));
	return end_of_statement(p);
}

/* FILE FORMAT | STAGE | PIPE after CREATE/DROP/DESC/ALTER; 0 if none. */
static int object_kind(struct P *p)
{
	if (tok_is(peek(p), "FILE") && tok_is(peek_at(p, 1), "FORMAT")) {
		next(p);
		next(p);
		return 1;
	}
	if (accept(p, "STAGE"))
		return 2;
	if (accept(p, "PIPE"))
		return 3;
	return 0;
}

static int parse_show(struct P *p)
{
	struct dl_stmt *st = p->st;
	if (tok_is(peek(p), "FILE") && tok_is(peek_at(p, 1), "FORMATS")) {
		next(p);
		next(p);
		st->kind = DL_SHOW_FORMATS;
	} else if (accept(p, "STAGES")) {
		st->kind = DL_SHOW_STAGES;
	} else if (accept(p, "PIPES")) {
		st->kind = DL_SHOW_PIPES;
	} else {
		return 1; /* another SHOW: the backend's */
	}
	if (accept(p, "LIKE")) {
		const struct token *tk = next(p);
		if (tk->kind != TK_STRING)
			return unexpected(p, tk);
		st->like = adup(p, tk->text);
	}
	if (accept(p, "IN")) {
		/* ACCOUNT | DATABASE [d] | SCHEMA [s] | s: one namespace here */
		if (accept(p, "ACCOUNT")) {
		} else if (accept(p, "DATABASE") || accept(p, "SCHEMA")) {
			if (peek(p)->kind == TK_WORD || peek(p)->kind == TK_QIDENT) {
				const char *ignored;
				if (obj_name(p, &ignored))
					return -1;
			}
		} else {
			const char *ignored;
			if (obj_name(p, &ignored))
				return -1;
		}
	}
	return end_of_statement(p);
}

static int parse_list(struct P *p)
{
	struct dl_stmt *st = p->st;
	st->kind = DL_LIST;
	const struct token *tk = next(p);
	if (tk->kind == TK_STAGE) {
		if (stage_ref(p, tk, tk->text, &st->list_stage, &st->list_path))
			return -1;
	} else if (tk->kind == TK_STRING && tk->text[0] == '@') {
		if (stage_ref(p, tk, tk->text + 1, &st->list_stage, &st->list_path))
			return -1;
	} else {
		return unexpected(p, tk);
	}
	if (accept(p, "PATTERN")) {
		if (expect_punct(p, "="))
			return -1;
		const struct token *pt = next(p);
		if (pt->kind != TK_STRING)
			return unexpected(p, pt);
		st->list_pattern = adup(p, pt->text);
	}
	return end_of_statement(p);
}

/* SELECT SYSTEM$PIPE_STATUS('name') [[AS] alias] */
static int try_pipe_status(struct P *p)
{
	if (!tok_is(peek_at(p, 1), "SYSTEM$PIPE_STATUS") || !tok_punct(peek_at(p, 2), "("))
		return 1;
	next(p);
	next(p);
	next(p);
	struct dl_stmt *st = p->st;
	st->kind = DL_PIPE_STATUS;
	const struct token *arg = next(p);
	if (arg->kind != TK_STRING)
		return unexpected(p, arg);
	st->pipe_arg = adup(p, arg->text);
	if (expect_punct(p, ")"))
		return -1;
	char label[WH_NAME_MAX];
	size_t n = arg->end - arg->off;
	snprintf(label, sizeof label, "SYSTEM$PIPE_STATUS(%.*s)", (int)(n > 90 ? 90 : n), p->src + arg->off);
	if (accept(p, "AS") || peek(p)->kind == TK_WORD || peek(p)->kind == TK_QIDENT) {
		if (name_part(p, label, sizeof label, NULL))
			return -1;
	}
	st->column_label = adup(p, label);
	return end_of_statement(p);
}

/* Finds TABLE([db.]INFORMATION_SCHEMA.COPY_HISTORY(...)) in a query and
 * parses its arguments; 1 when the query has none. */
static int try_copy_history(struct P *p)
{
	int i;
	for (i = p->i; i + 2 < p->t.n; i++) {
		const struct token *tk = &p->t.toks[i];
		if (!tok_is(tk, "TABLE") || !tok_punct(&p->t.toks[i + 1], "("))
			continue;
		/* name path up to COPY_HISTORY */
		int j = i + 2, parts = 0;
		bool found = false;
		while (j < p->t.n && (p->t.toks[j].kind == TK_WORD || p->t.toks[j].kind == TK_QIDENT) && parts < 3) {
			parts++;
			if (tok_is(&p->t.toks[j], "COPY_HISTORY")) {
				found = true;
				break;
			}
			if (!tok_punct(&p->t.toks[j + 1], "."))
				break;
			j += 2;
		}
		if (!found)
			continue;
		if (parts > 1 && !tok_is(&p->t.toks[j - 2], "INFORMATION_SCHEMA"))
			continue;
		struct dl_stmt *st = p->st;
		st->kind = DL_COPY_HISTORY;
		st->repl_off = tk->off;
		p->i = j + 1;
		if (expect_punct(p, "("))
			return -1;
		bool have_start = false;
		while (!accept_punct(p, ")")) {
			const struct token *name = next(p);
			if (name->kind != TK_WORD)
				return unexpected(p, name);
			if (expect_punct(p, "=>"))
				return -1;
			if (tok_is(name, "TABLE_NAME")) {
				const struct token *v = next(p);
				if (v->kind != TK_STRING)
					return unexpected(p, v);
				st->history_table = adup(p, v->text);
			} else if (tok_is(name, "START_TIME")) {
				if (time_expr(p, &st->history_start))
					return -1;
				have_start = true;
			} else if (tok_is(name, "END_TIME")) {
				if (time_expr(p, &st->history_end))
					return -1;
			} else {
				return fail(p, "42601", "invalid argument '%s' for function COPY_HISTORY", name->text);
			}
			if (!accept_punct(p, ",") && !tok_punct(peek(p), ")"))
				return unexpected(p, peek(p));
		}
		if (!st->history_table || !have_start)
			return fail(p, "42601",
				    "COPY_HISTORY needs TABLE_NAME => '<table>' and START_TIME => <timestamp>");
		if (!tok_punct(peek(p), ")"))
			return unexpected(p, peek(p));
		st->repl_end = peek(p)->end;
		next(p);
		return 0;
	}
	return 1;
}

static int parse_statement(struct P *p)
{
	struct dl_stmt *st = p->st;
	const struct token *first = peek(p);
	if (tok_is(first, "COPY") && tok_is(peek_at(p, 1), "INTO")) {
		st->kind = DL_COPY;
		if (parse_copy(p, &st->copy))
			return -1;
		return end_of_statement(p);
	}
	if (tok_is(first, "CREATE")) {
		next(p);
		if (accept(p, "OR")) {
			if (expect(p, "REPLACE"))
				return -1;
			st->or_replace = true;
		}
		if (accept(p, "TEMPORARY") || accept(p, "TEMP") || accept(p, "VOLATILE") || accept(p, "TRANSIENT"))
			st->temporary = true;
		switch (object_kind(p)) {
		case 1:
			return parse_create_format(p);
		case 2:
			return parse_create_stage(p);
		case 3:
			return parse_create_pipe(p);
		default:
			st->kind = DL_OTHER;
			return 0;
		}
	}
	if (tok_is(first, "ALTER")) {
		next(p);
		switch (object_kind(p)) {
		case 1:
			st->kind = DL_ALTER_FORMAT;
			return parse_alter(p, DL_ALTER_FORMAT);
		case 2:
			st->kind = DL_ALTER_STAGE;
			return parse_alter(p, DL_ALTER_STAGE);
		case 3:
			st->kind = DL_ALTER_PIPE;
			return parse_alter(p, DL_ALTER_PIPE);
		default:
			st->kind = DL_OTHER;
			return 0;
		}
	}
	if (tok_is(first, "DROP") || tok_is(first, "DESC") || tok_is(first, "DESCRIBE")) {
		bool drop = tok_is(first, "DROP");
		next(p);
		int k = object_kind(p);
		if (!k) {
			st->kind = DL_OTHER;
			return 0;
		}
		static const enum dl_kind drops[] = {DL_DROP_FORMAT, DL_DROP_STAGE, DL_DROP_PIPE};
		static const enum dl_kind descs[] = {DL_DESC_FORMAT, DL_DESC_STAGE, DL_DESC_PIPE};
		st->kind = drop ? drops[k - 1] : descs[k - 1];
		if (drop && accept(p, "IF")) {
			if (expect(p, "EXISTS"))
				return -1;
			st->if_exists = true;
		}
		if (obj_name(p, &st->name))
			return -1;
		return end_of_statement(p);
	}
	if (tok_is(first, "SHOW")) {
		next(p);
		int rc = parse_show(p);
		if (rc > 0)
			st->kind = DL_OTHER;
		return rc > 0 ? 0 : rc;
	}
	if (tok_is(first, "LIST") || tok_is(first, "LS")) {
		next(p);
		return parse_list(p);
	}
	if (tok_is(first, "SELECT") || tok_is(first, "WITH")) {
		int rc = try_pipe_status(p);
		if (rc <= 0)
			return rc;
		rc = try_copy_history(p);
		if (rc > 0)
			st->kind = DL_OTHER;
		return rc > 0 ? 0 : rc;
	}
	st->kind = DL_OTHER;
	return 0;
}

int dl_parse(const char *sql, size_t len, int64_t now_ms, struct dl_stmt *st, struct wh_err *e)
{
	memset(st, 0, sizeof *st);
	arena_init(&st->arena);
	struct P p = {.st = st, .e = e, .src = sql, .now = now_ms};
	if (sqltok_run(&p.t, sql, len)) {
		wh_err_set(e, "54001", "SQL compilation error:\nstatement is too long (more than %d tokens)",
			   SQLTOK_MAX_TOKENS);
		return -1;
	}
	/* A lexical error anywhere makes an owned statement fail; a statement
	 * for the backend gets the backend's own message. */
	int rc = parse_statement(&p);
	if (!rc && st->kind != DL_OTHER) {
		for (int i = 0; i < p.t.n; i++)
			if (p.t.toks[i].kind == TK_ERROR) {
				rc = unexpected(&p, &p.t.toks[i]);
				break;
			}
	}
	sqltok_free(&p.t);
	return rc ? -1 : 0;
}

void dl_free(struct dl_stmt *st)
{
	json_decref(st->opts);
	json_decref(st->copy.format);
	json_decref(st->copy.options);
	arena_free(&st->arena);
	memset(st, 0, sizeof *st);
}
