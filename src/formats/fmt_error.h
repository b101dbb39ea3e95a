/* fmt_error.h — where and why a file could not be read or written.
 * Every reader and writer in src/formats fills one of these on failure, so a
 * COPY INTO or a crawler can report "file, line, column, reason" the way
 * Snowflake's COPY_HISTORY and Glue do. Fields that do not apply stay 0/"". */
#ifndef NUAGE_FORMATS_FMT_ERROR_H
#define NUAGE_FORMATS_FMT_ERROR_H

#include <stdint.h>
#include <stdio.h>

struct fmt_error {
	char file[256];   /* path or object key being read */
	int64_t line;     /* 1-based record/line number (CSV, JSON); 0 if none */
	int64_t column;   /* 1-based column/field number; 0 if none */
	int64_t offset;   /* byte offset in the (decompressed) input; -1 if unknown */
	char column_name[128];
	char msg[512];    /* a sentence a person understands */
};

#define fmt_error_set(e, ...) ((e) ? (void)snprintf((e)->msg, sizeof (e)->msg, __VA_ARGS__) : (void)0)

#endif
