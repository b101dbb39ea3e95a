/* hash.c — see hash.h.
 *
 * OpenSSL 3 marks MD5_Init and friends deprecated in favour of EVP, whose
 * contexts are heap-allocated and fetched through providers: measurably
 * slower for the short inputs SigV4 hashes. The low-level routines are still
 * shipped and correct, so we use them and keep the contexts opaque here.
 */
#define OPENSSL_API_COMPAT 0x10100000L
#define OPENSSL_SUPPRESS_DEPRECATED
#include "core/hash.h"
#include "core/enc.h"

#include <openssl/md5.h>
#include <openssl/sha.h>
#include <string.h>

_Static_assert(sizeof(struct md5_ctx) >= sizeof(MD5_CTX), "md5_ctx too small");
_Static_assert(sizeof(struct sha1_ctx) >= sizeof(SHA_CTX), "sha1_ctx too small");
_Static_assert(sizeof(struct sha256_ctx) >= sizeof(SHA256_CTX), "sha256_ctx too small");

void md5_init(struct md5_ctx *c) { MD5_Init((MD5_CTX *)c->opaque); }
void md5_update(struct md5_ctx *c, const void *p, size_t n) { MD5_Update((MD5_CTX *)c->opaque, p, n); }
void md5_final(struct md5_ctx *c, unsigned char out[MD5_LEN]) { MD5_Final(out, (MD5_CTX *)c->opaque); }

void md5(const void *p, size_t n, unsigned char out[MD5_LEN])
{
	struct md5_ctx c;
	md5_init(&c);
	md5_update(&c, p, n);
	md5_final(&c, out);
}

void sha1_init(struct sha1_ctx *c) { SHA1_Init((SHA_CTX *)c->opaque); }
void sha1_update(struct sha1_ctx *c, const void *p, size_t n) { SHA1_Update((SHA_CTX *)c->opaque, p, n); }
void sha1_final(struct sha1_ctx *c, unsigned char out[SHA1_LEN]) { SHA1_Final(out, (SHA_CTX *)c->opaque); }

void sha256_init(struct sha256_ctx *c) { SHA256_Init((SHA256_CTX *)c->opaque); }
void sha256_update(struct sha256_ctx *c, const void *p, size_t n) { SHA256_Update((SHA256_CTX *)c->opaque, p, n); }
void sha256_final(struct sha256_ctx *c, unsigned char out[SHA256_LEN]) { SHA256_Final(out, (SHA256_CTX *)c->opaque); }

void sha256(const void *p, size_t n, unsigned char out[SHA256_LEN])
{
	struct sha256_ctx c;
	sha256_init(&c);
	sha256_update(&c, p, n);
	sha256_final(&c, out);
}

void sha256_hex(const void *p, size_t n, char out[2 * SHA256_LEN + 1])
{
	unsigned char d[SHA256_LEN];
	sha256(p, n, d);
	hex_encode(d, SHA256_LEN, out);
}

void hmac_sha256(const void *key, size_t klen, const void *msg, size_t mlen, unsigned char out[SHA256_LEN])
{
	unsigned char k[64] = {0}, pad[64], inner[SHA256_LEN];
	if (klen > 64)
		sha256(key, klen, k);
	else
		memcpy(k, key, klen);
	struct sha256_ctx c;
	for (int i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x36;
	sha256_init(&c);
	sha256_update(&c, pad, 64);
	sha256_update(&c, msg, mlen);
	sha256_final(&c, inner);
	for (int i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x5c;
	sha256_init(&c);
	sha256_update(&c, pad, 64);
	sha256_update(&c, inner, SHA256_LEN);
	sha256_final(&c, out);
}

void hmac_sha1(const void *key, size_t klen, const void *msg, size_t mlen, unsigned char out[SHA1_LEN])
{
	unsigned char k[64] = {0}, pad[64], inner[SHA1_LEN];
	struct sha1_ctx c;
	if (klen > 64) {
		sha1_init(&c);
		sha1_update(&c, key, klen);
		sha1_final(&c, k);
	} else {
		memcpy(k, key, klen);
	}
	for (int i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x36;
	sha1_init(&c);
	sha1_update(&c, pad, 64);
	sha1_update(&c, msg, mlen);
	sha1_final(&c, inner);
	for (int i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x5c;
	sha1_init(&c);
	sha1_update(&c, pad, 64);
	sha1_update(&c, inner, SHA1_LEN);
	sha1_final(&c, out);
}
