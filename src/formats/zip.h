/* zip.h — a reader for ZIP archives (PKWARE APPNOTE 6.3), written for
 * Lambda deployment packages and therefore for hostile input.
 *
 * What it reads: the end-of-central-directory record (and its ZIP64 form),
 * the central directory, local headers, and entries that are stored
 * (method 0) or deflated (method 8). It refuses, with a reason: encrypted
 * entries, other methods, multi-disk archives, overlapping or out-of-file
 * offsets, more entries or bytes than the limits allow.
 *
 * Invariants a caller can rely on:
 *  1. zip_open never reads beyond src->size and allocates O(central
 *     directory) memory, capped by the limits.
 *  2. zip_extract never writes more than the entry's declared size to the
 *     sink, checks the real output size and CRC-32 at the end, and charges
 *     every byte it produces to *budget (the caller's unzipped-size limit),
 *     so a "zip bomb" stops at the budget whatever its headers claim.
 *  3. zip_safe_path only returns relative paths without "..", "." or empty
 *     components, so joining them under a directory never leaves it.
 */
#ifndef NUAGE_FORMATS_ZIP_H
#define NUAGE_FORMATS_ZIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Random-access input: read exactly n bytes at off, 0 or -1. */
struct zip_src {
	int (*read_at)(void *ctx, int64_t off, void *buf, size_t n);
	void *ctx;
	int64_t size;
};

struct zip_limits {
	uint32_t max_entries;   /* 0: 200000 */
	int64_t max_total;      /* sum of declared uncompressed sizes; 0: unlimited here */
	size_t max_cd_bytes;    /* central directory size; 0: 64 MiB */
};

struct zip_entry {
	const char *name;       /* points into the zip's name store; NOT NUL-free: see name_len */
	uint32_t name_len;
	uint16_t method;
	uint16_t flags;
	uint32_t crc;
	int64_t csize, usize;
	int64_t local_off;      /* offset of the local header */
	uint32_t mode;          /* Unix st_mode when the archive recorded one, else 0 */
	bool is_dir;
	bool is_symlink;
};

struct zip {
	struct zip_src src;
	struct zip_entry *entries; /* n entries, in central-directory order */
	uint32_t n;
	char *names;               /* backing store for entry names */
	int64_t total_usize;       /* sum of declared uncompressed sizes */
};

/* Reads the central directory. 0, or -1 with a reason in err. The zip
 * keeps a copy of *src. Free with zip_close (also after a failure). */
int zip_open(struct zip *z, const struct zip_src *src, const struct zip_limits *lim, char *err, size_t errlen);
void zip_close(struct zip *z);

/* Streams entry i's bytes to sink (chunks of up to 64 KiB); sink returns 0
 * or -1 to stop. Charges the bytes to *budget and fails when it would go
 * negative. 0, or -1 with a reason in err. */
int zip_extract(const struct zip *z, uint32_t i, int (*sink)(void *arg, const void *p, size_t n), void *arg,
		int64_t *budget, char *err, size_t errlen);

/* Normalizes an entry name into out ("a//./b/" -> "a/b"): 1 when the
 * result is a usable relative path, 0 when it is empty (the archive root),
 * -1 when it is unsafe (absolute, "..", a NUL byte, too long: a component
 * over 255 bytes or a path over outlen-1). */
int zip_safe_path(const char *name, size_t len, char *out, size_t outlen);

/* True when a symlink stored at `link` (a safe path) pointing to `target`
 * stays inside the archive root: relative, and never climbing above it. */
bool zip_symlink_inside(const char *link, const char *target, size_t target_len);

/* A zip_src over memory the caller keeps alive. */
void zip_src_mem(struct zip_src *s, const void *p, size_t n);
/* A zip_src over an open file (pread). */
void zip_src_fd(struct zip_src *s, int *fd, int64_t size);

#endif
