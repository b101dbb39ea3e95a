/* filecmd.c — `nuage file schema|head|convert|count`: look inside and
 * convert CSV, JSON (lines or one array) and Parquet files, compressed or
 * not, streaming batch by batch so a file of any size converts in bounded
 * memory.
 *
 * Formats come from --from/--to or the file name (.csv .tsv .txt .json
 * .jsonl .ndjson .parquet, after a .gz/.zst suffix), else from the content.
 * CSV dialects and types come from the robust sniffer over the first
 * SNIFF_BYTES; JSON schemas from the reader's inference. The sniffed bytes
 * are replayed to the reader, so input is read once and may be a pipe
 * ("-" is standard input for CSV and JSON).
 *
 * Exit status: 0 done, 1 the data or a file is at fault, 2 usage.
 */
#include "formats/filecmd.h"
#include "formats/csv.h"
#include "formats/csv_sniff.h"
#include "formats/fmt_text.h"
#include "formats/json.h"
#include "formats/parquet.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define SNIFF_BYTES (1024 * 1024)
#define HEAD_WIDTH 40
#define HEAD_MAX_TABLE 10000 /* a table is held in memory to size its columns */

enum ffmt { FF_UNKNOWN, FF_CSV, FF_JSON, FF_PARQUET };

struct fopts {
	enum ffmt from, to;
	const char *compression;
	long n;
	struct csv_sniff_hint hint;
	bool glue, flatten, quiet, strings;
	int progress; /* -1 auto (a terminal), 0 off, 1 on */
	const char *out_format; /* head: table | csv | jsonl */
};

/* Sniffed bytes first, then the rest of the source. */
struct prefixed {
	char *buf;
	size_t len, pos;
	struct source *rest;
	bool failed;
	struct fmt_error err;
};

/* An open input of any format. */
struct tin {
	enum ffmt fmt;
	const char *path;
	struct source *src;  /* the file (CSV/JSON) */
	struct source *outer; /* what the reader reads: prefix + src */
	struct prefixed pre;
	struct csv_sniff sniff;
	struct csv_options copts;
	struct json_options jopts;
	struct csv_reader *csv;
	struct json_reader *json;
	struct pq_reader *pq;
	const struct schema *schema;
	bool sniffed, complete;
};

static long prefixed_read(void *ctx, void *dst, size_t n)
{
	struct prefixed *p = ctx;
	if (p->pos < p->len) {
		size_t k = p->len - p->pos < n ? p->len - p->pos : n;
		memcpy(dst, p->buf + p->pos, k);
		p->pos += k;
		return (long)k;
	}
	long got = source_read(p->rest, dst, n, &p->err);
	if (got < 0)
		p->failed = true;
	return got;
}

static void usage(FILE *f)
{
	fputs("usage: nuage file <command> ...\n"
	      "  schema FILE            columns and types (CSV: the dialect found; --glue: what an AWS\n"
	      "                         Glue crawler's CSV classifier would say)\n"
	      "  head FILE [-n N]       the first N rows (10) as a table (--format csv|jsonl for text)\n"
	      "  convert IN OUT         rewrite IN as OUT: csv, jsonl or parquet in any direction\n"
	      "         [--compression zstd|snappy|gzip|lz4|none]  Parquet codec (snappy), or for text\n"
	      "                         output the whole-file codec (default from OUT's .gz/.zst)\n"
	      "  count FILE             read every row (types checked) and print how many\n"
	      "options: --from/--to csv|jsonl|json|parquet   (default from the file names, then content)\n"
	      "         --delimiter C  --quote C|none  --header / --no-header   (CSV input)\n"
	      "         --strings      (CSV input: every column as text, no types guessed)\n"
	      "         --flatten      (JSON input: nested objects become a.b columns)\n"
	      "         --progress / --no-progress   (default: a bar when stderr is a terminal)\n"
	      "Inputs may be gzip or zstd compressed; '-' reads CSV or JSON from standard input.\n",
	      f);
}

static enum ffmt parse_fmt(const char *s)
{
	if (!strcasecmp(s, "csv") || !strcasecmp(s, "tsv") || !strcasecmp(s, "txt"))
		return FF_CSV;
	if (!strcasecmp(s, "json") || !strcasecmp(s, "jsonl") || !strcasecmp(s, "ndjson"))
		return FF_JSON;
	if (!strcasecmp(s, "parquet") || !strcasecmp(s, "pq") || !strcasecmp(s, "parq"))
		return FF_PARQUET;
	return FF_UNKNOWN;
}

/* The format a name implies, looking past a compression suffix; *codec
 * gets the whole-file codec the suffix implies (NONE otherwise). */
static enum ffmt fmt_from_name(const char *path, enum fmt_codec *codec)
{
	char name[512];
	snprintf(name, sizeof name, "%s", path);
	*codec = FMT_CODEC_NONE;
	char *dot = strrchr(name, '.');
	if (dot && strchr(dot, '/'))
		dot = NULL;
	if (dot && (!strcasecmp(dot, ".gz") || !strcasecmp(dot, ".gzip"))) {
		*codec = FMT_CODEC_GZIP;
		*dot = 0;
	} else if (dot && (!strcasecmp(dot, ".zst") || !strcasecmp(dot, ".zstd"))) {
		*codec = FMT_CODEC_ZSTD;
		*dot = 0;
	}
	dot = strrchr(name, '.');
	if (!dot || strchr(dot, '/'))
		return FF_UNKNOWN;
	return parse_fmt(dot + 1);
}

static const char *fmt_name(enum ffmt f)
{
	return f == FF_CSV ? "csv" : f == FF_JSON ? "json" : f == FF_PARQUET ? "parquet" : "?";
}

static void type_text(const struct field *f, char *out, size_t n)
{
	static const char *const units[] = {"ms", "us", "ns", "s"};
	switch (f->type) {
	case COL_DECIMAL:
		snprintf(out, n, "decimal(%d,%d)", f->precision, f->scale);
		break;
	case COL_TIMESTAMP:
		snprintf(out, n, "timestamp%s(%s)", f->utc ? "tz" : "", units[f->unit]);
		break;
	case COL_TIME:
		snprintf(out, n, "time(%s)", units[f->unit]);
		break;
	case COL_INT64:
		snprintf(out, n, "%s", f->is_unsigned ? "uint64" : "int64");
		break;
	default:
		snprintf(out, n, "%s", col_type_name(f->type));
		break;
	}
}

static void tin_close(struct tin *t)
{
	csv_reader_free(t->csv);
	json_reader_free(t->json);
	if (t->pq)
		pq_reader_close(t->pq);
	source_close(t->outer);
	source_close(t->src);
	free(t->pre.buf);
	csv_sniff_free(&t->sniff);
	memset(t, 0, sizeof *t);
}

/* Opens path (CSV/JSON: also "-") and reads the first SNIFF_BYTES; what it
 * allocates in t is released by tin_close. */
static int open_text(struct tin *t, struct fmt_error *err)
{
	if (!strcmp(t->path, "-")) {
		t->src = source_from_fd(0, false, FMT_CODEC_AUTO);
		source_set_name(t->src, "(stdin)");
	} else if (source_open_path(t->path, FMT_CODEC_AUTO, &t->src, err)) {
		return -1;
	}
	t->pre.buf = xmalloc(SNIFF_BYTES);
	long got = source_read_full(t->src, t->pre.buf, SNIFF_BYTES, err);
	if (got < 0)
		return -1;
	t->pre.len = (size_t)got;
	t->pre.rest = t->src;
	t->complete = got < SNIFF_BYTES;
	t->outer = source_from_callback(prefixed_read, &t->pre, FMT_CODEC_NONE);
	source_set_name(t->outer, source_name(t->src));
	return 0;
}

static enum ffmt fmt_from_content(const char *p, size_t n)
{
	if (pq_sniff(p, n))
		return FF_PARQUET;
	size_t i = 0;
	if (n >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3))
		i = 3;
	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
		i++;
	return i < n && (p[i] == '{' || p[i] == '[') ? FF_JSON : FF_CSV;
}

/* Opens an input of any format into t; the caller calls tin_close(t)
 * afterwards, whether this succeeded or not. */
static int tin_open(struct tin *t, const char *path, const struct fopts *o, struct fmt_error *err)
{
	memset(t, 0, sizeof *t);
	t->path = path;
	enum fmt_codec c;
	t->fmt = o->from ? o->from : fmt_from_name(path, &c);
	if (t->fmt == FF_PARQUET) {
		if (pq_reader_open(&t->pq, path, NULL, err))
			return -1;
		t->schema = pq_reader_schema(t->pq);
		return 0;
	}
	if (open_text(t, err))
		return -1;
	if (t->fmt == FF_UNKNOWN)
		t->fmt = fmt_from_content(t->pre.buf, t->pre.len);
	if (t->fmt == FF_PARQUET) {
		if (!strcmp(path, "-")) {
			fmt_error_at(err, path, 0, 0, NULL, -1, "Parquet cannot be read from standard input");
			return -1;
		}
		source_close(t->outer);
		source_close(t->src);
		t->outer = t->src = NULL;
		if (pq_reader_open(&t->pq, path, NULL, err))
			return -1;
		t->schema = pq_reader_schema(t->pq);
		return 0;
	}
	if (t->fmt == FF_JSON) {
		json_options_init(&t->jopts);
		t->jopts.flatten = o->flatten;
		size_t i = 0;
		while (i < t->pre.len && strchr(" \t\r\n", t->pre.buf[i]))
			i++;
		if (i + 3 <= t->pre.len && !memcmp(t->pre.buf + i, "\xEF\xBB\xBF", 3))
			i += 3;
		t->jopts.strip_outer_array = i < t->pre.len && t->pre.buf[i] == '[';
		if (json_reader_open(t->outer, &t->jopts, NULL, &t->json, err))
			return -1;
		t->schema = json_reader_schema(t->json);
		return 0;
	}
	t->sniffed = true;
	if (csv_sniff(t->pre.buf, t->pre.len, t->complete, CSV_SNIFF_ROBUST, &o->hint, &t->sniff)) {
		fmt_error_at(err, source_name(t->src), 0, 0, NULL, -1, "%s", t->sniff.why);
		return -1;
	}
	csv_options_init(&t->copts);
	csv_sniff_apply(&t->sniff, &t->copts);
	t->copts.ragged = CSV_RAGGED_ERROR;
	if (o->strings) {
		/* Every column as text: nothing to convert, nothing to guess wrong. */
		for (int i = 0; i < t->sniff.schema->nfields; i++)
			t->sniff.schema->fields[i].type = COL_STRING;
		t->copts.null_if = NULL;
		t->copts.n_null_if = 0;
	}
	if (csv_reader_open(t->outer, &t->copts, t->sniff.schema, &t->csv, err))
		return -1;
	t->schema = t->sniff.schema;
	return 0;
}

/* 1 rows, 0 end, -1 error. */
static int tin_next(struct tin *t, struct batch *b, struct fmt_error *err)
{
	long n;
	if (t->pq)
		return pq_reader_next(t->pq, b, err) < 0 ? -1 : b->nrows > 0;
	n = t->csv ? csv_reader_next(t->csv, b, err) : json_reader_next(t->json, b, err);
	if (n < 0 && t->pre.failed && err)
		*err = t->pre.err; /* the real cause (e.g. corrupt gzip), not "stream failed" */
	return n < 0 ? -1 : n > 0;
}

/* Fraction done, or -1 when unknown. */
static double tin_progress(const struct tin *t, int64_t rows)
{
	if (t->pq) {
		int64_t total = pq_reader_num_rows(t->pq);
		return total > 0 ? (double)rows / (double)total : -1;
	}
	int64_t size = source_raw_size(t->src);
	return size > 0 ? (double)source_raw_offset(t->src) / (double)size : -1;
}

struct progress {
	bool on;
	int64_t start, last;
};

static void progress_show(struct progress *p, double frac, int64_t rows, bool done)
{
	if (!p->on)
		return;
	int64_t now = clock_mono_us();
	if (!done && now - p->last < 200000)
		return;
	p->last = now;
	double secs = (double)(now - p->start) / 1e6;
	char bar[32];
	int w = 30, fill = frac < 0 ? 0 : (int)(frac * w + 0.5);
	if (fill > w)
		fill = w;
	for (int i = 0; i < w; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[w] = 0;
	if (frac >= 0)
		fprintf(stderr, "\r[%s] %3d%%  %lld rows  %.1fs", bar, (int)(frac * 100 + 0.5), (long long)rows, secs);
	else
		fprintf(stderr, "\r%lld rows  %.1fs", (long long)rows, secs);
	if (done)
		fputc('\n', stderr);
	fflush(stderr);
}

static int fail(const struct fmt_error *err)
{
	fprintf(stderr, "nuage file: %s\n", err->msg[0] ? err->msg : "failed");
	if (err->column && err->line)
		fprintf(stderr, "nuage file: (column types are guessed from the start of the file; for CSV, --strings "
				"reads every column as text)\n");
	return 1;
}

/* ------------------------------------------------------------- schema */

static void print_schema(const struct schema *s, const char *const *formats)
{
	int w = 4;
	for (int i = 0; i < s->nfields; i++)
		if ((int)strlen(s->fields[i].name) > w)
			w = (int)strlen(s->fields[i].name);
	if (w > 60)
		w = 60;
	printf("columns (%d):\n", s->nfields);
	for (int i = 0; i < s->nfields; i++) {
		char ty[64];
		type_text(&s->fields[i], ty, sizeof ty);
		printf("  %-*s  %s%s", w, s->fields[i].name, ty, s->fields[i].nullable ? "" : " not null");
		if (formats && formats[i])
			printf("  (%s)", formats[i]);
		putchar('\n');
	}
}

static void show_char(char c, char *out, size_t n)
{
	if (c == '\t')
		snprintf(out, n, "tab");
	else if (c == 0)
		snprintf(out, n, "none");
	else if ((unsigned char)c < 0x20)
		snprintf(out, n, "Ctrl-%c", c + '@');
	else
		snprintf(out, n, "'%c'", c);
}

static int cmd_schema(const char *path, const struct fopts *o)
{
	struct tin t;
	struct fmt_error err;
	if (tin_open(&t, path, o, &err)) {
		tin_close(&t);
		return fail(&err);
	}
	printf("file:     %s\nformat:   %s", path, fmt_name(t.fmt));
	if (t.src && source_codec(t.src) != FMT_CODEC_NONE)
		printf(" (%s compressed)", fmt_codec_name(source_codec(t.src)));
	putchar('\n');
	if (t.pq)
		printf("rows:     %lld in %d row group(s)\ncreator:  %s\n", (long long)pq_reader_num_rows(t.pq),
		       pq_reader_num_row_groups(t.pq), pq_reader_created_by(t.pq));
	if (t.json)
		printf("layout:   %s\n", t.jopts.strip_outer_array ? "one JSON array" : "JSON lines");
	if (t.sniffed) {
		char d[16], q[16];
		show_char(t.sniff.delim, d, sizeof d);
		show_char(t.sniff.quote, q, sizeof q);
		printf("dialect:  delimiter %s, quote %s%s, header %s", d, q, t.sniff.escape ? ", escape '\\'" : "",
		       t.sniff.header ? "yes" : "no");
		for (int i = 0; i < t.sniff.n_null_if; i++)
			printf("%s%s", i ? " " : ", NULL markers: ", t.sniff.null_if[i]);
		printf("\n");
	}
	print_schema(t.schema, t.sniffed ? t.sniff.col_formats : NULL);
	if (o->glue && t.sniffed) {
		struct csv_sniff g;
		csv_sniff(t.pre.buf, t.pre.len, t.complete, CSV_SNIFF_GLUE, NULL, &g);
		if (!g.is_csv) {
			printf("glue:     not classified as csv (certainty 0.0): %s\n", g.why);
		} else {
			char d[16];
			show_char(g.delim, d, sizeof d);
			printf("glue:     classification csv, certainty 1.0, delimiter %s, header %s, serde %s\n", d,
			       g.header ? "yes" : "no", g.quoted ? "OpenCSVSerde" : "LazySimpleSerDe");
			for (int i = 0; i < g.ncols; i++)
				printf("  %s  %s\n", g.schema->fields[i].name, g.glue_types[i]);
		}
		csv_sniff_free(&g);
	}
	tin_close(&t);
	return 0;
}

/* --------------------------------------------------------------- head */

/* Appends up to HEAD_WIDTH display columns of p (UTF-8 aware, control
 * characters shown as a space). */
static size_t clip(const char *p, size_t n, char *out, size_t cap)
{
	size_t o = 0, cols = 0, i = 0;
	while (i < n && o + 8 < cap) {
		unsigned char c = (unsigned char)p[i];
		size_t len = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
		if (i + len > n)
			len = n - i;
		if (cols == HEAD_WIDTH - 1 && i + len < n) {
			memcpy(out + o, "\xE2\x80\xA6", 3); /* … */
			o += 3;
			cols++;
			break;
		}
		if (c < 0x20) {
			out[o++] = ' ';
		} else {
			memcpy(out + o, p + i, len);
			o += len;
		}
		i += len;
		cols++;
	}
	out[o] = 0;
	return cols;
}

static int head_table(struct tin *t, long n, struct fmt_error *err)
{
	const struct schema *s = t->schema;
	int nf = s->nfields;
	struct batch *b = batch_new(s, n > 0 && n < BATCH_ROWS ? (size_t)n : BATCH_ROWS);
	/* cells[r * nf + i]: clipped text; widths in display columns */
	char **cells = NULL;
	size_t *widths = xcalloc((size_t)nf + 1, sizeof *widths), rows = 0, cap_rows = 0;
	if (n > HEAD_MAX_TABLE) {
		fprintf(stderr, "nuage file head: a table shows at most %d rows (use --format csv or jsonl for more)\n",
			HEAD_MAX_TABLE);
		n = HEAD_MAX_TABLE;
	}
	char tmp[FMT_CELL_TMP];
	struct buf scratch;
	buf_init(&scratch, BUF_UNLIMITED);
	int rc = 0;
	for (int i = 0; i < nf; i++) {
		char name[HEAD_WIDTH * 4 + 8], ty[64];
		widths[i] = clip(s->fields[i].name, strlen(s->fields[i].name), name, sizeof name);
		type_text(&s->fields[i], ty, sizeof ty);
		if (strlen(ty) > widths[i])
			widths[i] = strlen(ty);
	}
	while ((long)rows < n) {
		int r = tin_next(t, b, err);
		if (r < 0) {
			rc = -1;
			goto out;
		}
		if (r == 0)
			break;
		for (size_t row = 0; row < b->nrows && (long)rows < n; row++, rows++) {
			if (rows == cap_rows) {
				cap_rows = cap_rows ? cap_rows * 2 : 16;
				cells = xrealloc(cells, sizeof *cells * cap_rows * (size_t)(nf ? nf : 1));
			}
			for (int i = 0; i < nf; i++) {
				char cell[HEAD_WIDTH * 4 + 8];
				size_t w;
				if (!col_is_valid(&b->cols[i], row)) {
					w = clip("NULL", 4, cell, sizeof cell);
				} else {
					size_t len;
					const char *p = fmt_cell(&b->cols[i], &s->fields[i], row, NULL, NULL, tmp, &scratch, &len);
					w = clip(p, len, cell, sizeof cell);
				}
				if (w > widths[i])
					widths[i] = w;
				cells[rows * (size_t)nf + (size_t)i] = xstrdup(cell);
			}
		}
	}
	/* Pads by display columns: count UTF-8 lead bytes. */
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < nf; i++) {
			char text[HEAD_WIDTH * 4 + 64];
			if (pass == 0)
				clip(s->fields[i].name, strlen(s->fields[i].name), text, sizeof text);
			else
				type_text(&s->fields[i], text, sizeof text);
			size_t cols = 0;
			for (const char *c = text; *c; c++)
				cols += ((unsigned char)*c & 0xC0) != 0x80;
			printf("%s%s%*s", i ? " | " : "", text, (int)(widths[i] - cols), "");
		}
		putchar('\n');
	}
	for (int i = 0; i < nf; i++) {
		printf("%s", i ? "-+-" : "");
		for (size_t k = 0; k < widths[i]; k++)
			putchar('-');
	}
	putchar('\n');
	for (size_t r = 0; r < rows; r++) {
		for (int i = 0; i < nf; i++) {
			const char *text = cells[r * (size_t)nf + (size_t)i];
			size_t cols = 0;
			for (const char *c = text; *c; c++)
				cols += ((unsigned char)*c & 0xC0) != 0x80;
			printf("%s%s%*s", i ? " | " : "", text, (int)(widths[i] - cols), "");
		}
		putchar('\n');
	}
	printf("(%zu row%s)\n", rows, rows == 1 ? "" : "s");
out:
	for (size_t k = 0; cells && k < rows * (size_t)nf; k++)
		free(cells[k]);
	free(cells);
	free(widths);
	buf_free(&scratch);
	batch_free(b);
	return rc;
}

/* Streams the first n rows (all when n < 0) of t to w_*, in text format. */
struct tout {
	enum ffmt fmt;
	const char *path;
	int fd;
	struct sink *sink;
	struct csv_writer *csv;
	struct json_writer *json;
	struct pq_writer *pq;
};

/* Opens an output into w; tout_close releases it (also after a failure). */
static int tout_open(struct tout *w, const char *path, enum ffmt fmt, const struct schema *s, const struct fopts *o,
		     struct fmt_error *err)
{
	memset(w, 0, sizeof *w);
	w->fmt = fmt;
	w->path = path;
	w->fd = -1;
	enum fmt_codec codec;
	fmt_from_name(path, &codec);
	if (fmt == FF_PARQUET) {
		struct pq_write_opts po;
		memset(&po, 0, sizeof po);
		if (o->compression && pq_codec_parse(o->compression, &po.codec)) {
			fmt_error_at(err, NULL, 0, 0, NULL, -1, "unknown Parquet compression '%s'", o->compression);
			return -1;
		}
		w->fd = strcmp(path, "-") ? open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644) : 1;
		if (w->fd < 0) {
			fmt_error_at(err, path, 0, 0, NULL, -1, "cannot create %s: %s", path, strerror(errno));
			return -1;
		}
		return pq_writer_open_fd(&w->pq, s, &po, w->fd, err) ? -1 : 0;
	}
	if (o->compression) {
		int c = fmt_codec_parse(o->compression);
		if (c < 0 || c == FMT_CODEC_AUTO) {
			fmt_error_at(err, NULL, 0, 0, NULL, -1,
				     "compression '%s' is not one for %s output (none, gzip, zstd, deflate)", o->compression,
				     fmt_name(fmt));
			return -1;
		}
		codec = (enum fmt_codec)c;
	}
	if (!strcmp(path, "-"))
		w->sink = sink_to_fd(1, false, codec, 0);
	else if (sink_open_path(path, codec, 0, &w->sink, err))
		return -1;
	if (fmt == FF_JSON)
		return json_writer_new(w->sink, s, false, &w->json, err);
	struct csv_write_options co;
	csv_write_options_init(&co);
	return csv_writer_new(w->sink, s, &co, &w->csv, err);
}

static int tout_write(struct tout *w, const struct batch *b, struct fmt_error *err)
{
	if (w->pq)
		return pq_writer_write(w->pq, b, err) < 0 ? -1 : 0;
	if (w->json)
		return json_writer_write(w->json, b, err);
	return csv_writer_write(w->csv, b, err);
}

/* Finishes (ok) or abandons the output; frees everything. */
static int tout_close(struct tout *w, bool ok, struct fmt_error *err)
{
	int rc = 0;
	if (w->pq) {
		if (ok)
			rc = pq_writer_close(w->pq, err) < 0 ? -1 : 0;
		else
			pq_writer_abort(w->pq);
	} else if (ok && w->json) {
		rc = json_writer_finish(w->json, err);
	} else if (ok && w->csv) {
		rc = csv_writer_finish(w->csv, err);
	}
	json_writer_free(w->json);
	csv_writer_free(w->csv);
	sink_close(w->sink);
	if (w->fd > 1 && close(w->fd) && ok && !rc) {
		fmt_error_at(err, w->path, 0, 0, NULL, -1, "closing %s: %s", w->path, strerror(errno));
		rc = -1;
	}
	return rc;
}

static int copy_rows(struct tin *t, struct tout *w, long limit, bool show, int64_t *rows_out, struct fmt_error *err)
{
	struct batch *b = batch_new(t->schema, BATCH_ROWS);
	struct progress pr = {show, clock_mono_us(), 0};
	int64_t rows = 0;
	int rc = 0;
	while (limit < 0 || rows < limit) {
		int r = tin_next(t, b, err);
		if (r <= 0) {
			rc = r;
			break;
		}
		if (limit >= 0 && (int64_t)b->nrows > limit - rows)
			b->nrows = (size_t)(limit - rows);
		if (w && tout_write(w, b, err)) {
			rc = -1;
			break;
		}
		rows += (int64_t)b->nrows;
		progress_show(&pr, tin_progress(t, rows), rows, false);
	}
	if (rc == 0)
		progress_show(&pr, 1.0, rows, true);
	else if (pr.on)
		fputc('\n', stderr);
	batch_free(b);
	*rows_out = rows;
	return rc;
}

static int cmd_head(const char *path, const struct fopts *o)
{
	struct tin t;
	struct fmt_error err;
	if (tin_open(&t, path, o, &err)) {
		tin_close(&t);
		return fail(&err);
	}
	int rc;
	if (!o->out_format || !strcmp(o->out_format, "table")) {
		rc = head_table(&t, o->n, &err);
	} else {
		enum ffmt f = parse_fmt(o->out_format);
		struct tout w;
		struct fopts wo = *o;
		wo.compression = NULL;
		if (f == FF_UNKNOWN || f == FF_PARQUET) {
			fprintf(stderr, "nuage file head: --format is table, csv or jsonl\n");
			tin_close(&t);
			return 2;
		}
		int64_t rows;
		rc = tout_open(&w, "-", f, t.schema, &wo, &err);
		if (!rc)
			rc = copy_rows(&t, &w, o->n, false, &rows, &err);
		if (tout_close(&w, rc == 0, rc ? NULL : &err))
			rc = -1;
	}
	tin_close(&t);
	return rc ? fail(&err) : 0;
}

static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	return !stat(a, &sa) && !stat(b, &sb) && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static int cmd_convert(const char *in, const char *out, const struct fopts *o)
{
	enum fmt_codec c;
	enum ffmt to = o->to ? o->to : fmt_from_name(out, &c);
	if (to == FF_UNKNOWN) {
		fprintf(stderr, "nuage file convert: cannot tell the output format from '%s': use --to csv|jsonl|parquet\n",
			out);
		return 2;
	}
	if (strcmp(in, "-") && same_file(in, out)) {
		fprintf(stderr, "nuage file convert: %s is both the input and the output\n", in);
		return 2;
	}
	struct tin t;
	struct fmt_error err;
	if (tin_open(&t, in, o, &err)) {
		tin_close(&t);
		return fail(&err);
	}
	struct tout w;
	int64_t rows = 0;
	int64_t t0 = clock_mono_us();
	int rc = tout_open(&w, out, to, t.schema, o, &err);
	bool show = o->progress > 0 || (o->progress < 0 && isatty(2));
	if (!rc)
		rc = copy_rows(&t, &w, -1, show, &rows, &err);
	struct fmt_error cerr;
	if (tout_close(&w, rc == 0, &cerr) && rc == 0) {
		err = cerr;
		rc = -1;
	}
	enum ffmt from = t.fmt;
	tin_close(&t);
	if (rc) {
		if (strcmp(out, "-"))
			unlink(out);
		return fail(&err);
	}
	if (!o->quiet)
		fprintf(stderr, "%lld rows, %s -> %s, %.2fs\n", (long long)rows, fmt_name(from),
			fmt_name(to), (double)(clock_mono_us() - t0) / 1e6);
	return 0;
}

static int cmd_count(const char *path, const struct fopts *o)
{
	struct tin t;
	struct fmt_error err;
	int64_t t0 = clock_mono_us();
	if (tin_open(&t, path, o, &err)) {
		tin_close(&t);
		return fail(&err);
	}
	int64_t rows;
	bool show = o->progress > 0 || (o->progress < 0 && isatty(2));
	int rc = copy_rows(&t, NULL, -1, show, &rows, &err);
	int64_t bytes = t.src ? source_offset(t.src) : 0;
	tin_close(&t);
	if (rc)
		return fail(&err);
	printf("%lld\n", (long long)rows);
	double secs = (double)(clock_mono_us() - t0) / 1e6;
	if (!o->quiet && bytes)
		fprintf(stderr, "%lld rows, %.1f MB in %.3fs (%.1f MB/s)\n", (long long)rows, (double)bytes / 1e6, secs,
			(double)bytes / 1e6 / (secs > 0 ? secs : 1e-9));
	return 0;
}

/* Parses options anywhere after the subcommand; positional arguments are
 * collected in pos. Returns -1 on a usage error (already reported). */
static int parse_args(int argc, char **argv, struct fopts *o, const char **pos, int *npos, int maxpos)
{
	memset(o, 0, sizeof *o);
	o->n = 10;
	o->progress = -1;
	o->hint.quote = -1;
	o->hint.header = -1;
	*npos = 0;
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define NEED_VALUE                                                                     \
	do {                                                                           \
		if (!v) {                                                              \
			fprintf(stderr, "nuage file: %s needs a value\n", a);          \
			return -1;                                                     \
		}                                                                      \
		i++;                                                                   \
	} while (0)
		if (!strcmp(a, "-n")) {
			NEED_VALUE;
			char *end;
			errno = 0;
			o->n = strtol(v, &end, 10);
			if (errno || *end || o->n < 0) {
				fprintf(stderr, "nuage file: -n wants a count, not '%s'\n", v);
				return -1;
			}
		} else if (!strcmp(a, "--from") || !strcmp(a, "--to")) {
			NEED_VALUE;
			enum ffmt f = parse_fmt(v);
			if (f == FF_UNKNOWN) {
				fprintf(stderr, "nuage file: unknown format '%s' (csv, jsonl, parquet)\n", v);
				return -1;
			}
			*(a[3] == 'r' ? &o->from : &o->to) = f;
		} else if (!strcmp(a, "--compression")) {
			NEED_VALUE;
			o->compression = v;
		} else if (!strcmp(a, "--format")) {
			NEED_VALUE;
			o->out_format = v;
		} else if (!strcmp(a, "--delimiter")) {
			NEED_VALUE;
			o->hint.delim = !strcmp(v, "tab") || !strcmp(v, "\\t") ? '\t' : v[0];
			if (!o->hint.delim || (strlen(v) != 1 && o->hint.delim != '\t') || strchr("\r\n", o->hint.delim)) {
				fprintf(stderr, "nuage file: --delimiter is one character (or 'tab')\n");
				return -1;
			}
		} else if (!strcmp(a, "--quote")) {
			NEED_VALUE;
			o->hint.quote = !strcmp(v, "none") ? 0 : (unsigned char)v[0];
		} else if (!strcmp(a, "--header") || !strcmp(a, "--no-header")) {
			o->hint.header = a[2] == 'h';
		} else if (!strcmp(a, "--strings")) {
			o->strings = true;
		} else if (!strcmp(a, "--glue")) {
			o->glue = true;
		} else if (!strcmp(a, "--flatten")) {
			o->flatten = true;
		} else if (!strcmp(a, "--progress") || !strcmp(a, "--no-progress")) {
			o->progress = a[2] == 'p';
		} else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
			o->quiet = true;
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "nuage file: unknown option %s\n", a);
			return -1;
		} else if (*npos < maxpos) {
			pos[(*npos)++] = a;
		} else {
			fprintf(stderr, "nuage file: unexpected argument '%s'\n", a);
			return -1;
		}
#undef NEED_VALUE
	}
	return 0;
}

int file_command(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "help") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	const char *cmd = argv[1];
	struct fopts o;
	const char *pos[2];
	int npos;
	if (parse_args(argc, argv, &o, pos, &npos, 2))
		return 2;
	int want = !strcmp(cmd, "convert") ? 2 : 1;
	bool known = !strcmp(cmd, "schema") || !strcmp(cmd, "head") || !strcmp(cmd, "convert") || !strcmp(cmd, "count");
	if (!known || npos != want) {
		if (!known)
			fprintf(stderr, "nuage file: unknown command '%s'\n", cmd);
		else
			fprintf(stderr, "nuage file %s: expected %s\n", cmd, want == 2 ? "IN OUT" : "FILE");
		usage(stderr);
		return 2;
	}
	if (!strcmp(cmd, "schema"))
		return cmd_schema(pos[0], &o);
	if (!strcmp(cmd, "head"))
		return cmd_head(pos[0], &o);
	if (!strcmp(cmd, "count"))
		return cmd_count(pos[0], &o);
	return cmd_convert(pos[0], pos[1], &o);
}
