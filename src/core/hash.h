/* hash.h — message digests and HMAC on top of OpenSSL's low-level routines.
 *
 * The contexts live on the caller's stack (no allocation per request): these
 * sit on the hottest paths nuage has (SigV4, ETags while a body streams).
 */
#ifndef NUAGE_CORE_HASH_H
#define NUAGE_CORE_HASH_H

#include <stddef.h>
#include <stdint.h>

#define MD5_LEN 16
#define SHA1_LEN 20
#define SHA256_LEN 32

struct md5_ctx { _Alignas(8) unsigned char opaque[96]; };
struct sha1_ctx { _Alignas(8) unsigned char opaque[96]; };
struct sha256_ctx { _Alignas(8) unsigned char opaque[112]; };

void md5_init(struct md5_ctx *c);
void md5_update(struct md5_ctx *c, const void *p, size_t n);
void md5_final(struct md5_ctx *c, unsigned char out[MD5_LEN]);
void md5(const void *p, size_t n, unsigned char out[MD5_LEN]);

void sha1_init(struct sha1_ctx *c);
void sha1_update(struct sha1_ctx *c, const void *p, size_t n);
void sha1_final(struct sha1_ctx *c, unsigned char out[SHA1_LEN]);

void sha256_init(struct sha256_ctx *c);
void sha256_update(struct sha256_ctx *c, const void *p, size_t n);
void sha256_final(struct sha256_ctx *c, unsigned char out[SHA256_LEN]);
void sha256(const void *p, size_t n, unsigned char out[SHA256_LEN]);
/* Lower-case hex SHA-256 (65 bytes with the NUL). */
void sha256_hex(const void *p, size_t n, char out[2 * SHA256_LEN + 1]);

void hmac_sha256(const void *key, size_t klen, const void *msg, size_t mlen, unsigned char out[SHA256_LEN]);
void hmac_sha1(const void *key, size_t klen, const void *msg, size_t mlen, unsigned char out[SHA1_LEN]);

#endif
