/* csv_sniff.c — see csv_sniff.h.
 *
 * Both modes lex the sample with the real CSV lexer (csv_lex.h) over a
 * memory source, so the dialect chosen is exactly one the reader accepts.
 * Robust mode picks the dialect on the first SNIFF_DIALECT_BYTES and types
 * columns over the whole sample; each value is tested once against every
 * type still possible for its column, so typing is one pass.
 */
#include "formats/csv_sniff.h"
#include "formats/csv_lex.h"
#include "formats/num.h"
#include "formats/timefmt.h"
#include "core/enc.h"
#include "core/mem.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SNIFF_DIALECT_BYTES (64 * 1024)
#define SNIFF_MAX_RECORDS 50000
#define SNIFF_MAX_COLS 16384 /* as many as the reader takes by default */
#define GLUE_MAX_HEADER 150

static const char *const null_markers[CSV_SNIFF_MAX_NULLS] = {"NULL", "null", "\\N", "NA", "N/A"};

static const char *const date_formats[] = {"YYYY-MM-DD", "MM/DD/YYYY", "DD/MM/YYYY", "DD.MM.YYYY", "YYYY/MM/DD",
					   "DD-MM-YYYY", "DD-MON-YYYY", "DD MON YYYY", "MON DD, YYYY", "YYYY.MM.DD"};
static const char *const ts_formats[] = {"AUTO",
					 "DD/MM/YYYY HH24:MI:SS",
					 "DD/MM/YYYY HH24:MI",
					 "DD.MM.YYYY HH24:MI:SS",
					 "DD.MM.YYYY HH24:MI",
					 "YYYY/MM/DD HH24:MI:SS",
					 "DD-MM-YYYY HH24:MI:SS",
					 "MM/DD/YYYY HH12:MI:SS AM",
					 "DD/MM/YYYY HH12:MI:SS AM"};
#define N_DATE_FMT (int)(sizeof date_formats / sizeof *date_formats)
#define N_TS_FMT (int)(sizeof ts_formats / sizeof *ts_formats)

/* Compiled once (crawler threads may sniff at the same time). */
static struct tf_format date_f[N_DATE_FMT], ts_f[N_TS_FMT];
static pthread_once_t formats_once = PTHREAD_ONCE_INIT;

static void compile_formats(void)
{
	for (int i = 0; i < N_DATE_FMT; i++)
		tf_compile(date_formats[i], &date_f[i], NULL, 0);
	for (int i = 0; i < N_TS_FMT; i++)
		tf_compile(ts_formats[i], &ts_f[i], NULL, 0);
}

static bool is_marker(const char *p, size_t n, int k)
{
	return strlen(null_markers[k]) == n && !memcmp(p, null_markers[k], n);
}

/* Per-column evidence. Glue uses the g_ flags, robust mode the rest. */
struct col_state {
	int64_t values;      /* non-empty, non-marker values seen */
	bool g_bool, g_int, g_double, g_string;
	bool can_bool, can_int, can_dec, can_double, can_time;
	int scale, max_int;  /* decimal evidence */
	bool scale_set;
	uint32_t date_ok, ts_ok;
	bool tz;
	unsigned markers;    /* bit i: null_markers[i] seen */
	bool all_empty;      /* glue: no value at all */
};

/* Reads the sample record by record with options o; calls fn for each.
 * Returns the number of records, or -1 on a syntax error (an open quote at
 * the very end of an incomplete sample is the cut record, not an error). */
typedef void (*rec_fn)(void *ctx, struct csv_lex *l, int64_t index);

static int64_t each_record(const char *p, size_t n, bool complete, const struct csv_options *o, int64_t max,
			   rec_fn fn, void *ctx, bool *quoted)
{
	struct source *src = source_from_mem(p, n, FMT_CODEC_NONE);
	struct csv_lex l;
	csv_lex_init(&l, src, o);
	int64_t count = 0;
	int64_t rc = 0;
	size_t cut = n;
	if (!complete) {
		/* The last line is probably cut: stop before it. */
		const char *nl = memrchr(p, '\n', n);
		cut = nl ? (size_t)(nl - p) + 1 : 0;
	}
	while (count < max) {
		struct fmt_error err;
		int r = csv_lex_next(&l, &err);
		if (r == 0)
			break;
		if (r < 0) {
			if (!(l.err_at_end && !complete))
				rc = -1;
			break;
		}
		if (!complete && l.rec_off >= (int64_t)cut)
			break;
		if (quoted)
			for (int i = 0; i < l.nfields && !*quoted; i++)
				*quoted = l.fields[i].flags & CSV_F_QUOTED;
		fn(ctx, &l, count++);
	}
	csv_lex_free(&l);
	source_close(src);
	return rc < 0 ? -1 : count;
}

/* Field counts of the records, for choosing a dialect. */
struct shape {
	int first, modal;
	int64_t modal_n, nrec;
	bool same; /* every record has `first` fields */
	int counts[16], freq[16], ncounts;
};

static void shape_rec(void *ctx, struct csv_lex *l, int64_t index)
{
	struct shape *s = ctx;
	int n = l->nfields;
	if (index == 0) {
		s->first = n;
		s->same = true;
	} else if (n != s->first) {
		s->same = false;
	}
	s->nrec++;
	int k;
	for (k = 0; k < s->ncounts && s->counts[k] != n; k++)
		;
	if (k == s->ncounts && s->ncounts < 16) {
		s->counts[k] = n;
		s->freq[k] = 0;
		s->ncounts++;
	}
	if (k < 16)
		s->freq[k]++;
}

static void shape_finish(struct shape *s)
{
	for (int k = 0; k < s->ncounts; k++)
		if (s->freq[k] > s->modal_n || (s->freq[k] == s->modal_n && s->counts[k] > s->modal)) {
			s->modal = s->counts[k];
			s->modal_n = s->freq[k];
		}
}

static void trim(const char **p, size_t *n)
{
	while (*n && ((*p)[0] == ' ' || (*p)[0] == '\t'))
		(*p)++, (*n)--;
	while (*n && ((*p)[*n - 1] == ' ' || (*p)[*n - 1] == '\t'))
		(*n)--;
}

static bool ieq(const char *p, size_t n, const char *lit)
{
	return strlen(lit) == n && !strncasecmp(p, lit, n);
}

/* Glue's view of one value: 'b'oolean, 'i'nt (bigint), 'd'ouble, 's'tring,
 * or 0 when empty. */
static char glue_kind(const char *p, size_t n)
{
	if (n == 0)
		return 0;
	if (ieq(p, n, "true") || ieq(p, n, "false"))
		return 'b';
	char c = p[0];
	if (!((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.'))
		return 's';
	struct num_shape sh;
	num_classify(p, n, &sh);
	switch (sh.kind) {
	case NUM_KIND_INT:
		return 'i';
	case NUM_KIND_NONE:
		return 's';
	default:
		return 'd';
	}
}

static bool has_nondigit(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return true;
	return false;
}

static void note_robust(struct col_state *c, const char *p, size_t n)
{
	for (int k = 0; k < CSV_SNIFF_MAX_NULLS; k++)
		if (is_marker(p, n, k)) {
			c->markers |= 1u << k;
			return;
		}
	c->values++;
	if (c->can_bool && !(ieq(p, n, "true") || ieq(p, n, "false")))
		c->can_bool = false;
	if (c->can_int || c->can_dec || c->can_double) {
		struct num_shape sh;
		num_classify(p, n, &sh);
		size_t s = n && (p[0] == '-' || p[0] == '+');
		/* "007" is an identifier, not the number 7. */
		bool zero_led = sh.kind == NUM_KIND_INT && n - s > 1 && p[s] == '0';
		if (sh.kind != NUM_KIND_INT || zero_led)
			c->can_int = false;
		if (zero_led || sh.kind == NUM_KIND_NONE) {
			c->can_dec = c->can_double = false;
		} else if (sh.kind == NUM_KIND_FLOAT) {
			c->can_dec = false;
		} else {
			if (sh.int_digits > c->max_int)
				c->max_int = sh.int_digits;
			if (sh.kind == NUM_KIND_DECIMAL) {
				if (c->scale_set && c->scale != sh.frac_digits)
					c->can_dec = false;
				c->scale = sh.frac_digits;
				c->scale_set = true;
			}
		}
	}
	if ((c->date_ok || c->ts_ok) && !has_nondigit(p, n)) {
		c->date_ok = c->ts_ok = 0;
	} else {
		for (int k = 0; k < N_DATE_FMT; k++) {
			int32_t d;
			if ((c->date_ok >> k & 1) && tf_parse_date(&date_f[k], p, n, &d))
				c->date_ok &= ~(1u << k);
		}
		for (int k = 0; k < N_TS_FMT; k++) {
			struct tf_time t;
			if (!(c->ts_ok >> k & 1))
				continue;
			if (tf_parse(&ts_f[k], p, n, &t))
				c->ts_ok &= ~(1u << k);
			else
				c->tz |= t.has_tz;
		}
	}
	if (c->can_time) {
		int64_t v;
		if (tf_parse_time(p, n, TS_MICROS, &v))
			c->can_time = false;
	}
}

static void col_init(struct col_state *c)
{
	memset(c, 0, sizeof *c);
	c->can_bool = c->can_int = c->can_dec = c->can_double = c->can_time = true;
	c->date_ok = (1u << N_DATE_FMT) - 1;
	c->ts_ok = (1u << N_TS_FMT) - 1;
	c->all_empty = true;
}

/* Typing pass: fills one col_state per column from records [from, ...). */
struct typing {
	enum csv_sniff_mode mode;
	int ncols;
	int64_t from;
	struct col_state *cols;
	char **first;       /* the first record's fields (copies) */
	int nfirst;
	int64_t rows;
	bool first_repeats; /* a later record equals the first one */
};

/* Keeps a copy of the first record's fields in t->first (freed by typing_free). */
static void type_rec(void *ctx, struct csv_lex *l, int64_t index)
{
	struct typing *t = ctx;
	if (index == 0 && !t->first) {
		t->nfirst = l->nfields < t->ncols ? l->nfields : t->ncols;
		t->first = xcalloc((size_t)t->nfirst + 1, sizeof(char *));
		for (int i = 0; i < t->nfirst; i++) {
			size_t n;
			const char *p = csv_lex_text(l, i, &n);
			t->first[i] = xstrndup(p, n);
		}
	}
	if (index < t->from)
		return;
	t->rows++;
	int n = l->nfields < t->ncols ? l->nfields : t->ncols;
	if (index > 0 && !t->first_repeats && n == t->nfirst) {
		bool same = true;
		for (int i = 0; i < n && same; i++) {
			size_t len;
			const char *p = csv_lex_text(l, i, &len);
			same = strlen(t->first[i]) == len && !memcmp(t->first[i], p, len);
		}
		t->first_repeats = same;
	}
	for (int i = 0; i < n; i++) {
		size_t len;
		const char *p = csv_lex_text(l, i, &len);
		trim(&p, &len);
		struct col_state *c = &t->cols[i];
		if (len == 0)
			continue;
		c->all_empty = false;
		if (t->mode == CSV_SNIFF_GLUE) {
			switch (glue_kind(p, len)) {
			case 'b': c->g_bool = true; break;
			case 'i': c->g_int = true; break;
			case 'd': c->g_double = true; break;
			default: c->g_string = true; break;
			}
		} else {
			note_robust(c, p, len);
		}
	}
}

static void typing_free(struct typing *t)
{
	for (int i = 0; i < t->nfirst; i++)
		free(t->first[i]);
	free(t->first);
	free(t->cols);
}

/* Fills t (the caller releases it with typing_free, whatever the result). */
static int run_typing(const char *p, size_t n, bool complete, const struct csv_options *o, int ncols, int64_t from,
		      enum csv_sniff_mode mode, struct typing *t)
{
	memset(t, 0, sizeof *t);
	t->mode = mode;
	t->ncols = ncols;
	t->from = from;
	t->cols = xcalloc((size_t)ncols, sizeof *t->cols);
	for (int i = 0; i < ncols; i++)
		col_init(&t->cols[i]);
	return each_record(p, n, complete, o, SNIFF_MAX_RECORDS, type_rec, t, NULL) < 0 ? -1 : 0;
}

static const char *glue_type(const struct col_state *c)
{
	if (c->g_string || (c->g_bool && (c->g_int || c->g_double)))
		return "string";
	if (c->g_bool)
		return "boolean";
	if (c->g_double)
		return "double";
	if (c->g_int)
		return "bigint";
	return "string";
}

/* A Glue column name: valid UTF-8 without control characters but tab. */
static bool glue_name_ok(const char *s)
{
	for (const char *c = s; *c; c++)
		if ((unsigned char)*c < 0x20 && *c != '\t')
			return false;
	return utf8_valid(s, strlen(s));
}

/* Unique, non-empty names: from the header or col0, col1, ... */
static void add_names(struct csv_sniff *out, char **first, int nfirst, bool lower)
{
	for (int i = 0; i < out->ncols; i++) {
		char name[160];
		const char *h = out->header && i < nfirst ? first[i] : "";
		size_t hn = strlen(h);
		trim(&h, &hn);
		if (hn)
			snprintf(name, sizeof name, "%.*s", (int)hn, h);
		else
			snprintf(name, sizeof name, "col%d", i);
		if (lower)
			for (char *c = name; *c; c++)
				if (*c >= 'A' && *c <= 'Z')
					*c = (char)(*c + 32);
		size_t base = strlen(name);
		for (int k = 1; schema_find(out->schema, name) >= 0; k++)
			snprintf(name + base, sizeof name - base, "_%d", k);
		schema_add(out->schema, name, COL_STRING, true);
	}
}

/* Records the header decision; without a header the first row is data,
 * so the columns are typed again with it. Then names the columns. */
static void settle_header(struct csv_sniff *out, bool header, struct typing *t, const char *p, size_t n, bool complete,
			  const struct csv_options *o, enum csv_sniff_mode mode)
{
	out->header = header;
	if (!header) {
		typing_free(t);
		run_typing(p, n, complete, o, out->ncols, 0, mode, t);
	}
	out->rows = t->rows;
	add_names(out, t->first, t->nfirst, mode == CSV_SNIFF_GLUE);
}

static const char glue_delims[] = {',', '|', '\t', ';', '\x01'};

static int sniff_glue(const char *p, size_t n, bool complete, struct csv_options o, struct csv_sniff *out)
{
	bool found = false;
	for (size_t k = 0; k < sizeof glue_delims && !found; k++) {
		o.delim = glue_delims[k];
		struct shape s;
		memset(&s, 0, sizeof s);
		bool quoted = false;
		if (each_record(p, n, complete, &o, SNIFF_MAX_RECORDS, shape_rec, &s, &quoted) < 0)
			continue;
		if (s.nrec >= 2 && s.first >= 2 && s.same) {
			found = true;
			out->ncols = s.first;
			out->quoted = quoted;
		}
	}
	if (!found) {
		snprintf(out->why, sizeof out->why,
			 "no delimiter of , | tab ; Ctrl-A gives two or more columns and two or more rows with the same number "
			 "of fields on every row");
		return -1;
	}
	out->delim = o.delim;
	out->quote = '"';
	/* Types of the rows below the first, then the header rules. */
	struct typing t;
	if (run_typing(p, n, complete, &o, out->ncols, 1, CSV_SNIFF_GLUE, &t)) {
		typing_free(&t);
		snprintf(out->why, sizeof out->why, "the sample does not parse");
		return -1;
	}
	bool header = t.nfirst == out->ncols, some_typed = false;
	for (int i = 0; i < out->ncols; i++)
		if (strcmp(glue_type(&t.cols[i]), "string"))
			some_typed = true;
	header = header && some_typed;
	for (int i = 0; header && i < out->ncols; i++) {
		const char *h = t.first[i];
		size_t hn = strlen(h);
		trim(&h, &hn);
		bool last = i == out->ncols - 1;
		if (hn == 0 ? !(last && t.cols[i].all_empty) : glue_kind(h, hn) != 's')
			header = false;
		else if (!last && hn >= GLUE_MAX_HEADER)
			header = false;
		else if (!glue_name_ok(t.first[i]))
			header = false;
	}
	settle_header(out, header, &t, p, n, complete, &o, CSV_SNIFF_GLUE);
	out->glue_types = xcalloc((size_t)out->ncols, sizeof *out->glue_types);
	for (int i = 0; i < out->ncols; i++) {
		const char *g = glue_type(&t.cols[i]);
		out->glue_types[i] = g;
		struct field *f = &out->schema->fields[i];
		f->type = !strcmp(g, "bigint") ? COL_INT64 : !strcmp(g, "double") ? COL_DOUBLE
			  : !strcmp(g, "boolean")                                 ? COL_BOOL
										  : COL_STRING;
	}
	typing_free(&t);
	out->is_csv = true;
	out->certainty = 1.0;
	return 0;
}

static const char robust_delims[] = {',', '\t', '|', ';', ':', '\x01'};

/* The robust type of a column, or COL_STRING; *fmt gets a format for dates
 * and timestamps. */
static enum col_type robust_type(const struct col_state *c, struct field *f, const char **fmt)
{
	*fmt = NULL;
	if (c->values == 0)
		return COL_STRING;
	if (c->can_bool)
		return COL_BOOL;
	if (c->can_int)
		return COL_INT64;
	if (c->can_dec && c->scale_set && c->max_int + c->scale <= 38) {
		f->precision = c->max_int + c->scale <= 18 ? 18 : 38;
		f->scale = c->scale;
		return COL_DECIMAL;
	}
	if (c->can_double)
		return COL_DOUBLE;
	for (int k = 0; k < N_DATE_FMT; k++)
		if (c->date_ok >> k & 1) {
			*fmt = date_formats[k];
			return COL_DATE;
		}
	for (int k = 0; k < N_TS_FMT; k++)
		if (c->ts_ok >> k & 1) {
			*fmt = ts_formats[k];
			f->utc = c->tz;
			return COL_TIMESTAMP;
		}
	if (c->can_time)
		return COL_TIME;
	return COL_STRING;
}

/* Does the first row's value fit column type t (with format fmt)? */
static bool fits(const char *p, enum col_type t, const struct field *f, const char *fmt)
{
	size_t n = strlen(p);
	trim(&p, &n);
	if (n == 0)
		return true;
	for (int k = 0; k < CSV_SNIFF_MAX_NULLS; k++)
		if (is_marker(p, n, k))
			return true;
	struct col_state c;
	col_init(&c);
	note_robust(&c, p, n);
	switch (t) {
	case COL_BOOL:
		return c.can_bool;
	case COL_INT64:
		return c.can_int;
	case COL_DECIMAL:
		return c.can_int || (c.can_dec && c.scale == f->scale);
	case COL_DOUBLE:
		return c.can_double;
	case COL_DATE:
		for (int k = 0; k < N_DATE_FMT; k++)
			if (!strcmp(date_formats[k], fmt))
				return c.date_ok >> k & 1;
		return false;
	case COL_TIMESTAMP:
		for (int k = 0; k < N_TS_FMT; k++)
			if (!strcmp(ts_formats[k], fmt))
				return c.ts_ok >> k & 1;
		return false;
	case COL_TIME:
		return c.can_time;
	default:
		return true;
	}
}

/* With every column a string: a header has non-empty, distinct values,
 * none of which looks like data (a number, boolean, date or time). */
static bool looks_like_header(char **first, int n)
{
	for (int i = 0; i < n; i++) {
		const char *p = first[i];
		size_t len = strlen(p);
		trim(&p, &len);
		if (len == 0)
			return false;
		struct col_state c;
		col_init(&c);
		note_robust(&c, p, len);
		if (c.values == 0 || c.can_bool || c.can_double || c.date_ok || c.ts_ok || c.can_time)
			return false;
		for (int k = 0; k < i; k++)
			if (!strcmp(first[k], first[i]))
				return false;
	}
	return true;
}

static int sniff_robust(const char *p, size_t n, bool complete, const struct csv_sniff_hint *hint,
			struct csv_options o, struct csv_sniff *out)
{
	size_t dn = n;
	bool dcomplete = complete;
	if (dn > SNIFF_DIALECT_BYTES) {
		dn = SNIFF_DIALECT_BYTES;
		dcomplete = false;
	}
	const char quotes[] = {'"', 0, '\''};
	double best_cons = -1;
	int best_m = 0;
	char bd = ',', bq = '"', be = 0;
	bool quoted_best = false;
	for (size_t qi = 0; qi < sizeof quotes; qi++) {
		/* A backslash before a quote suggests backslash escapes. */
		char q = quotes[qi];
		if (hint && hint->quote >= 0 && q != (char)hint->quote)
			continue;
		bool try_esc = false;
		if (q) {
			char pair[2] = {'\\', q};
			try_esc = memmem(p, dn, pair, 2) != NULL;
		}
		for (int ei = 0; ei <= (int)try_esc; ei++) {
			for (size_t di = 0; di < sizeof robust_delims; di++) {
				o.delim = robust_delims[di];
				if (hint && hint->delim) {
					if (di)
						break;
					o.delim = hint->delim;
				}
				o.quote = q;
				o.escape = ei ? '\\' : 0;
				struct shape s;
				memset(&s, 0, sizeof s);
				bool quoted = false;
				if (each_record(p, dn, dcomplete, &o, SNIFF_MAX_RECORDS, shape_rec, &s, &quoted) < 0)
					continue;
				shape_finish(&s);
				if ((s.modal < 2 && !(hint && hint->delim)) || s.nrec == 0)
					continue;
				double cons = (double)s.modal_n / (double)s.nrec;
				if (cons > best_cons + 1e-9 || (cons > best_cons - 1e-9 && s.modal > best_m)) {
					best_cons = cons;
					best_m = s.modal;
					bd = o.delim;
					bq = q;
					be = o.escape;
					quoted_best = quoted;
				}
			}
		}
	}
	if (hint && hint->delim)
		bd = hint->delim;
	if (hint && hint->quote >= 0 && !best_m)
		bq = (char)hint->quote;
	out->delim = bd;
	out->quote = bq;
	out->escape = be;
	out->quoted = quoted_best;
	out->ncols = best_m ? best_m : 1;
	o.delim = bd;
	o.quote = bq;
	o.escape = be;
	o.ragged = CSV_RAGGED_PAD;
	struct typing t;
	if (run_typing(p, n, complete, &o, out->ncols, 1, CSV_SNIFF_ROBUST, &t)) {
		typing_free(&t);
		snprintf(out->why, sizeof out->why, "the sample does not parse as delimited text");
		return -1;
	}
	/* Header: the first row breaks the types below it, or all is text and it looks like names. */
	bool header = false, all_string = true;
	for (int i = 0; i < out->ncols; i++) {
		struct field f = {0};
		const char *fmt;
		enum col_type ty = robust_type(&t.cols[i], &f, &fmt);
		if (ty != COL_STRING)
			all_string = false;
		if (ty != COL_STRING && i < t.nfirst && !fits(t.first[i], ty, &f, fmt))
			header = true;
	}
	if (all_string && t.nfirst == out->ncols)
		header = !t.first_repeats && looks_like_header(t.first, t.nfirst);
	if (hint && hint->header >= 0)
		header = hint->header;
	settle_header(out, header, &t, p, n, complete, &o, CSV_SNIFF_ROBUST);
	out->col_formats = xcalloc((size_t)out->ncols, sizeof *out->col_formats);
	unsigned markers = 0;
	for (int i = 0; i < out->ncols; i++) {
		struct field *f = &out->schema->fields[i];
		f->type = robust_type(&t.cols[i], f, &out->col_formats[i]);
		if (f->type != COL_STRING)
			markers |= t.cols[i].markers;
	}
	for (int k = 0; k < CSV_SNIFF_MAX_NULLS; k++)
		if (markers >> k & 1)
			out->null_if[out->n_null_if++] = null_markers[k];
	typing_free(&t);
	out->is_csv = true;
	out->certainty = 1.0;
	return 0;
}

int csv_sniff(const char *sample, size_t n, bool complete, enum csv_sniff_mode mode, const struct csv_sniff_hint *hint,
	      struct csv_sniff *out)
{
	memset(out, 0, sizeof *out);
	pthread_once(&formats_once, compile_formats);
	out->schema = schema_new();
	out->delim = ',';
	out->quote = '"';
	/* A UTF-8 BOM is not part of the first field. */
	if (n >= 3 && !memcmp(sample, "\xEF\xBB\xBF", 3)) {
		sample += 3;
		n -= 3;
	}
	/* The lexer options both modes start from; they set the dialect. */
	struct csv_options o;
	csv_options_init(&o);
	o.header = false;
	o.max_columns = SNIFF_MAX_COLS;
	o.max_record = n + 1;
	return mode == CSV_SNIFF_GLUE ? sniff_glue(sample, n, complete, o, out)
				      : sniff_robust(sample, n, complete, hint, o, out);
}

void csv_sniff_free(struct csv_sniff *s)
{
	schema_free(s->schema);
	free(s->glue_types);
	free(s->col_formats);
	memset(s, 0, sizeof *s);
}

void csv_sniff_apply(const struct csv_sniff *s, struct csv_options *o)
{
	o->delim = s->delim;
	o->quote = s->quote;
	o->escape = s->escape;
	o->header = s->header;
	o->null_if = s->null_if;
	o->n_null_if = s->n_null_if;
	o->col_formats = s->col_formats;
}
