/* rand.h — randomness: cryptographic bytes (getrandom) for ids a client could
 * guess otherwise (upload ids, receipt handles), and a fast per-thread
 * generator for request ids. */
#ifndef NUAGE_CORE_RAND_H
#define NUAGE_CORE_RAND_H

#include <stddef.h>
#include <stdint.h>

void rand_bytes(void *p, size_t n);
uint64_t rand_fast(void);
/* 36 chars + NUL: a random (version 4) UUID, lower case. */
void uuid4(char out[37]);
/* Upper-case alphanumeric id of n chars + NUL, like S3's request ids. */
void rand_id_upper(char *out, size_t n);

#endif
