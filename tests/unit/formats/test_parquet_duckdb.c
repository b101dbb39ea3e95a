/* test_parquet_duckdb.c — round trips with DuckDB, the one other Parquet
 * implementation here (tests/tools/parquet_duckdb.mjs drives it through
 * node and @duckdb/node-api):
 *  - files nuage writes (every column type, nulls, each codec, pages v1 and
 *    v2) must read back in DuckDB exactly as nuage's own values render;
 *  - files DuckDB writes (flat and nested types, each codec, PARQUET_VERSION
 *    V2 with its delta encodings) must read in nuage exactly as DuckDB
 *    renders them.
 * Missing node or the package is a failure, not a skip: the issue makes
 * this comparison part of what "done" means. */
#include "unit.h"
#include "pq_render.h"
#include "pq_testdata.h"
#include "formats/parquet.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define SCRIPT "tests/tools/parquet_duckdb.mjs"

/* Runs the script; 0 on success, else fails the test with why. */
static int run_node(const char *args)
{
	char cmd[2048];
	snprintf(cmd, sizeof cmd, "node %s %s 2>&1", SCRIPT, args);
	FILE *p = popen(cmd, "r");
	if (!p) {
		unit_fail(__FILE__, __LINE__, "cannot run node");
		return -1;
	}
	char out[4096];
	size_t n = fread(out, 1, sizeof out - 1, p);
	out[n] = 0;
	int st = pclose(p);
	int code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	if (code == 127)
		unit_fail(__FILE__, __LINE__, "node is not installed: the DuckDB round trip needs node and "
					      "@duckdb/node-api (scripts/deps.sh installs them)");
	else if (code == 2)
		unit_fail(__FILE__, __LINE__, "@duckdb/node-api is missing from tests/node_modules (scripts/deps.sh): %s",
			  out);
	else if (code != 0)
		unit_fail(__FILE__, __LINE__, "%s failed (exit %d): %s", cmd, code, out);
	return code == 0 ? 0 : -1;
}

/* Compares a reader's rows (rendered DuckDB-style) with a DuckDB CSV. */
static int compare_reader(const char *parquet, const char *csv)
{
	struct pqr_csv exp;
	struct pq_reader *r;
	struct fmt_error err;
	if (pqr_csv_load(csv, &exp)) {
		unit_fail(__FILE__, __LINE__, "cannot load %s", csv);
		return -1;
	}
	if (pq_reader_open(&r, parquet, NULL, &err)) {
		unit_fail(__FILE__, __LINE__, "%s: %s", parquet, err.msg);
		pqr_csv_free(&exp);
		return -1;
	}
	const struct schema *s = pq_reader_schema(r);
	struct batch *b = batch_new(s, 999);
	int bad = (size_t)s->nfields != exp.ncols;
	size_t row = 0;
	int rc;
	while (!bad && (rc = pq_reader_next(r, b, &err)) == 1) {
		for (size_t i = 0; i < b->nrows && !bad; i++, row++) {
			if (row + 1 >= exp.nrows) {
				bad = 1;
				break;
			}
			for (int c = 0; c < s->nfields && !bad; c++) {
				char *got = pqr_render(&s->fields[c], pq_reader_node(r, c), &b->cols[c], i);
				const char *want = exp.rows[row + 1][c];
				if ((got == NULL) != (want == NULL) || (got && strcmp(got, want))) {
					unit_fail(__FILE__, __LINE__, "%s row %zu column %s: nuage \"%s\", DuckDB \"%s\"",
						  parquet, row, s->fields[c].name, got ? got : "NULL", want ? want : "NULL");
					bad = 1;
				}
				free(got);
			}
		}
	}
	if (!bad && rc < 0) {
		unit_fail(__FILE__, __LINE__, "%s: %s", parquet, err.msg);
		bad = 1;
	}
	if (!bad && row + 1 != exp.nrows) {
		unit_fail(__FILE__, __LINE__, "%s: %zu rows, DuckDB read %zu", parquet, row, exp.nrows - 1);
		bad = 1;
	}
	batch_free(b);
	pq_reader_close(r);
	pqr_csv_free(&exp);
	return bad ? -1 : 0;
}

TEST(parquet_duckdb_reads_nuage_files)
{
	const struct {
		const char *name;
		struct pq_write_opts o;
	} variants[] = {
		{"snappy", {.codec = PQ_CODEC_SNAPPY}},
		{"zstd", {.codec = PQ_CODEC_ZSTD, .row_group_rows = 1500}},
		{"gzip", {.codec = PQ_CODEC_GZIP}},
		{"none", {.codec = PQ_CODEC_NONE}},
		{"lz4", {.codec = PQ_CODEC_LZ4_RAW}},
		{"v2", {.codec = PQ_CODEC_ZSTD, .page_v2 = true, .page_bytes = 4000}},
		{"plain", {.no_dictionary = true, .page_bytes = 5000}},
		{"fallback", {.dict_max_bytes = 2000, .page_bytes = 3000}},
	};
	const size_t rows = 4000;
	struct schema *s = pqt_schema();
	struct batch *b = batch_new(s, rows);
	pqt_fill(b, 0, rows, 40);
	int checked = 0;
	for (size_t v = 0; v < sizeof variants / sizeof *variants; v++) {
		char path[600], csv[600], args[1400];
		struct pq_writer *w;
		struct fmt_error err;
		snprintf(path, sizeof path, "%s/nuage_%s.parquet", unit_tmpdir(), variants[v].name);
		snprintf(csv, sizeof csv, "%s/nuage_%s.csv", unit_tmpdir(), variants[v].name);
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		CHECK(fd >= 0);
		CHECK_INT(pq_writer_open_fd(&w, s, &variants[v].o, fd, &err), 0);
		CHECK_INT(pq_writer_write(w, b, &err), 0);
		CHECK_INT(pq_writer_close(w, &err), 0);
		close(fd);
		snprintf(args, sizeof args, "render '%s' '%s'", path, csv);
		CHECK_INT(run_node(args), 0);

		struct pqr_csv exp;
		CHECK_INT(pqr_csv_load(csv, &exp), 0);
		CHECK_INT(exp.ncols, s->nfields);
		CHECK_INT(exp.nrows, rows + 1);
		for (int c = 0; c < s->nfields; c++)
			CHECK_STR(exp.rows[0][c], s->fields[c].name);
		for (size_t r = 0; r < rows; r++)
			for (int c = 0; c < s->nfields; c++) {
				char *mine = pqr_render(&s->fields[c], NULL, &b->cols[c], r);
				const char *duck = exp.rows[r + 1][c];
				if ((mine == NULL) != (duck == NULL) || (mine && strcmp(mine, duck))) {
					unit_fail(__FILE__, __LINE__, "%s: row %zu column %s: wrote \"%s\", DuckDB read \"%s\"",
						  variants[v].name, r, s->fields[c].name, mine ? mine : "NULL",
						  duck ? duck : "NULL");
					free(mine);
					pqr_csv_free(&exp);
					batch_free(b);
					schema_free(s);
					return;
				}
				free(mine);
			}
		pqr_csv_free(&exp);
		checked++;
	}
	fprintf(stderr, "  DuckDB read %d nuage-written files (%zu rows x %d types each) identically\n", checked, rows,
		s->nfields);
	batch_free(b);
	schema_free(s);
}

TEST(parquet_duckdb_files_read_by_nuage)
{
	char args[700];
	snprintf(args, sizeof args, "make '%s'", unit_tmpdir());
	CHECK_INT(run_node(args), 0);
	const char *names[] = {"duck_snappy", "duck_zstd", "duck_gzip", "duck_none", "duck_lz4", "duck_v2", "duck_v2_snappy"};
	for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
		char pq[600], csv[600];
		snprintf(pq, sizeof pq, "%s/%s.parquet", unit_tmpdir(), names[i]);
		snprintf(csv, sizeof csv, "%s/%s.csv", unit_tmpdir(), names[i]);
		CHECK_INT(compare_reader(pq, csv), 0);
	}
	fprintf(stderr, "  nuage read %zu DuckDB-written files identically\n", sizeof names / sizeof *names);
}
