/* fformat.c — see fformat.h. */
#include "warehouse/fformat.h"
#include "warehouse/dialect.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static bool flag(const json_t *o, const char *k, bool dflt)
{
	json_t *v = json_object_get(o, k);
	return json_is_boolean(v) ? json_is_true(v) : dflt;
}

/* A single-byte character option: 0 when NONE/absent (dflt when absent). */
static int one_byte(const json_t *o, const char *k, char dflt, char *out, struct wh_err *e)
{
	json_t *v = json_object_get(o, k);
	if (!v) {
		*out = dflt;
		return 0;
	}
	if (json_is_null(v)) {
		*out = 0;
		return 0;
	}
	const char *s = json_string_value(v);
	if (!s || json_string_length(v) != 1) {
		wh_err_set(e, "0A000", "%s = '%s': nuage reads single-byte %s only", k, s ? s : "?",
			   !strcasecmp(k, "ESCAPE") || !strcasecmp(k, "ESCAPE_UNENCLOSED_FIELD") ? "escape characters"
												 : "delimiters");
		return -1;
	}
	*out = s[0];
	return 0;
}

int ff_compile(const json_t *opts, struct ff *f, struct wh_err *e)
{
	memset(f, 0, sizeof *f);
	f->opts = opts ? json_incref((json_t *)opts) : json_object();
	opts = f->opts;
	f->type = dl_format_type(opts);
	if (!f->type) {
		wh_err_set(e, "0A000", "file format type %s is not supported by nuage", str(opts, "TYPE"));
		return -1;
	}
	const char *comp = str(opts, "COMPRESSION");
	f->codec = FMT_CODEC_AUTO;
	if (comp && f->type != FT_PARQUET) {
		int c = fmt_codec_parse(comp);
		if (c < 0) {
			wh_err_set(e, "0A000", "COMPRESSION = %s is not supported by nuage (AUTO, GZIP, ZSTD, DEFLATE, "
					       "RAW_DEFLATE and NONE are)",
				   comp);
			return -1;
		}
		f->codec = (enum fmt_codec)c;
	}
	const char *enc = str(opts, "ENCODING");
	if (enc && strcasecmp(enc, "UTF8") && strcasecmp(enc, "UTF-8")) {
		wh_err_set(e, "0A000", "ENCODING = '%s' is not supported by nuage (files must be UTF-8)", enc);
		return -1;
	}
	/* NULL_IF: ('\N') by default for CSV. */
	json_t *nulls = json_object_get(opts, "NULL_IF");
	if (nulls) {
		size_t i;
		json_t *v;
		json_array_foreach(nulls, i, v)
		{
			if (f->n_null_if < FF_MAX_NULL_IF)
				f->null_if[f->n_null_if++] = json_string_value(v);
		}
	} else if (f->type == FT_CSV) {
		f->null_if[f->n_null_if++] = "\\N";
	}
	f->trim_space = flag(opts, "TRIM_SPACE", false);
	const char *df = str(opts, "DATE_FORMAT"), *tf = str(opts, "TIMESTAMP_FORMAT");
	if (f->type == FT_CSV) {
		struct csv_options *c = &f->csv;
		csv_options_init(c);
		json_t *fd = json_object_get(opts, "FIELD_DELIMITER");
		if (json_is_null(fd)) {
			wh_err_set(e, "0A000", "FIELD_DELIMITER = NONE is not supported by nuage");
			return -1;
		}
		if (one_byte(opts, "FIELD_DELIMITER", ',', &c->delim, e) ||
		    one_byte(opts, "FIELD_OPTIONALLY_ENCLOSED_BY", 0, &c->quote, e) ||
		    one_byte(opts, "ESCAPE", 0, &c->escape, e) ||
		    one_byte(opts, "ESCAPE_UNENCLOSED_FIELD", '\\', &c->escape_unquoted, e))
			return -1;
		json_t *rd = json_object_get(opts, "RECORD_DELIMITER");
		const char *rds = json_string_value(rd);
		if (json_is_null(rd)) {
			wh_err_set(e, "0A000", "RECORD_DELIMITER = NONE is not supported by nuage");
			return -1;
		}
		if (rds && strcmp(rds, "\n") && strcmp(rds, "\r\n")) {
			if (json_string_length(rd) != 1) {
				wh_err_set(e, "0A000", "RECORD_DELIMITER = '%s': nuage reads single-byte record delimiters only",
					   rds);
				return -1;
			}
			f->record_delim = rds[0];
		}
		if (c->delim == f->record_delim || (c->quote && c->quote == c->delim)) {
			wh_err_set(e, "22023", "FIELD_DELIMITER, RECORD_DELIMITER and FIELD_OPTIONALLY_ENCLOSED_BY must differ");
			return -1;
		}
		json_t *sk = json_object_get(opts, "SKIP_HEADER");
		c->skip_lines = json_is_integer(sk) ? json_integer_value(sk) : 0;
		f->parse_header = flag(opts, "PARSE_HEADER", false);
		if (f->parse_header && c->skip_lines) {
			wh_err_set(e, "22023", "PARSE_HEADER = TRUE cannot be combined with SKIP_HEADER");
			return -1;
		}
		c->header = f->parse_header;
		c->skip_blank_lines = flag(opts, "SKIP_BLANK_LINES", false);
		c->trim_space = f->trim_space;
		c->empty_field_as_null = flag(opts, "EMPTY_FIELD_AS_NULL", true);
		c->ragged = flag(opts, "ERROR_ON_COLUMN_COUNT_MISMATCH", true) ? CSV_RAGGED_ERROR : CSV_RAGGED_PAD;
		c->null_if = f->null_if;
		c->n_null_if = f->n_null_if;
		c->date_format = df;
		c->timestamp_format = tf;
	} else if (f->type == FT_JSON) {
		json_options_init(&f->json);
		f->json.strip_outer_array = flag(opts, "STRIP_OUTER_ARRAY", false);
		f->json.date_format = df;
		f->json.timestamp_format = tf;
		f->json.detect_dates = false;
	} else {
		f->binary_as_text = flag(opts, "BINARY_AS_TEXT", true);
	}
	return 0;
}

void ff_free(struct ff *f)
{
	json_decref(f->opts);
	memset(f, 0, sizeof *f);
}
