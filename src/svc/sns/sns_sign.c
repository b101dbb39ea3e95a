/* sns_sign.c — SNS message signatures: an RSA key and self-signed
 * certificate that nuage makes once per data directory (sns/signing-key.pem,
 * sns/signing-cert.pem), SHA1withRSA (SignatureVersion 1) and
 * SHA256withRSA (2) signatures, and the certificate served unauthenticated
 * at /SimpleNotificationService-<md5 of the certificate>.pem, the path shape
 * AWS uses, so validators that fetch SigningCertURL get it.
 *
 * Invariants: the key is made lazily (the first signature or certificate
 * fetch), under one mutex, written to a temporary file, fsynced and renamed,
 * so a crash never leaves a key without its certificate being remade; once
 * loaded it never changes while nuage runs.
 */
#include "svc/sns/sns.h"
#include "core/enc.h"
#include "core/log.h"
#include "core/mem.h"

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CERT_PREFIX "/SimpleNotificationService-"

static struct {
	pthread_mutex_t mu;
	char dir[4096];
	char cert_base[256];
	EVP_PKEY *key;
	char *cert_pem;
	size_t cert_len;
	char path[80];
	bool tried;
} S = {.mu = PTHREAD_MUTEX_INITIALIZER};

void sns_sign_init(const char *data_dir, const char *cert_base)
{
	pthread_mutex_lock(&S.mu);
	snprintf(S.dir, sizeof S.dir, "%s/sns", data_dir);
	snprintf(S.cert_base, sizeof S.cert_base, "%s", cert_base ? cert_base : "");
	pthread_mutex_unlock(&S.mu);
}

void sns_sign_fini(void)
{
	pthread_mutex_lock(&S.mu);
	EVP_PKEY_free(S.key);
	S.key = NULL;
	free(S.cert_pem);
	S.cert_pem = NULL;
	S.path[0] = 0;
	S.tried = false;
	pthread_mutex_unlock(&S.mu);
}

/* Writes data to dir/name via a temporary file, fsync and rename. */
static int write_durably(const char *name, const char *data, size_t len, mode_t mode)
{
	char tmp[4200], dst[4200];
	snprintf(tmp, sizeof tmp, "%s/.%s.tmp", S.dir, name);
	snprintf(dst, sizeof dst, "%s/%s", S.dir, name);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return -1;
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);
		if (w <= 0) {
			close(fd);
			return -1;
		}
		off += (size_t)w;
	}
	int rc = fsync(fd);
	close(fd);
	if (rc || rename(tmp, dst))
		return -1;
	int dfd = open(S.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}

/* The file's text (at most 64 KiB), NUL-terminated; caller frees. */
static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = xmalloc(65536);
	size_t n = fread(buf, 1, 65535, f);
	fclose(f);
	buf[n] = 0;
	*len = n;
	return buf;
}

/* obj written as PEM by wr; caller frees. */
static char *pem_of(int (*wr)(BIO *, void *), void *obj, size_t *len)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *out = NULL;
	if (b && wr(b, obj)) {
		char *p;
		long n = BIO_get_mem_data(b, &p);
		out = xmemdup(p, (size_t)n + 1);
		out[n] = 0;
		*len = (size_t)n;
	}
	BIO_free(b);
	return out;
}

static int write_key(BIO *b, void *k)
{
	return PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL);
}

static int write_cert(BIO *b, void *x)
{
	return PEM_write_bio_X509(b, x);
}

/* A fresh 2048-bit key and a ten-year self-signed certificate. */
static int make_key(void)
{
	EVP_PKEY *k = EVP_RSA_gen(2048);
	X509 *x = X509_new();
	int rc = -1;
	char *kp = NULL, *cp = NULL;
	size_t kl = 0, cl = 0;
	if (!k || !x)
		goto out;
	X509_set_version(x, 2);
	unsigned char serial[16];
	RAND_bytes(serial, sizeof serial);
	serial[0] &= 0x7f;
	BIGNUM *bn = BN_bin2bn(serial, sizeof serial, NULL);
	BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
	BN_free(bn);
	X509_gmtime_adj(X509_getm_notBefore(x), -86400);
	X509_gmtime_adj(X509_getm_notAfter(x), 10L * 365 * 86400);
	X509_NAME *name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"nuage", -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"sns.amazonaws.com", -1, -1, 0);
	X509_set_issuer_name(x, name);
	X509_set_pubkey(x, k);
	if (!X509_sign(x, k, EVP_sha256()))
		goto out;
	kp = pem_of(write_key, k, &kl);
	cp = pem_of(write_cert, x, &cl);
	if (!kp || !cp)
		goto out;
	if (mkdir(S.dir, 0700) && errno != EEXIST)
		goto out;
	/* The certificate first: a key is only ever found with its certificate. */
	if (write_durably("signing-cert.pem", cp, cl, 0644) || write_durably("signing-key.pem", kp, kl, 0600))
		goto out;
	rc = 0;
	log_info("sns: made a message signing key in %s", S.dir);
out:
	if (kp)
		OPENSSL_cleanse(kp, kl);
	free(kp);
	free(cp);
	EVP_PKEY_free(k);
	X509_free(x);
	return rc;
}

/* Loads (making first if needed) the key; S.mu held. */
static bool ensure_key(void)
{
	if (S.key)
		return true;
	if (S.tried || !S.dir[0])
		return false;
	S.tried = true;
	char kpath[4200], cpath[4200];
	snprintf(kpath, sizeof kpath, "%s/signing-key.pem", S.dir);
	snprintf(cpath, sizeof cpath, "%s/signing-cert.pem", S.dir);
	if (access(kpath, R_OK) && make_key()) {
		log_error("sns: cannot make a signing key in %s", S.dir);
		return false;
	}
	size_t kl = 0, cl = 0;
	char *kp = read_file(kpath, &kl);
	char *cp = read_file(cpath, &cl);
	BIO *kb = kp ? BIO_new_mem_buf(kp, (int)kl) : NULL;
	BIO *cb = cp ? BIO_new_mem_buf(cp, (int)cl) : NULL;
	EVP_PKEY *k = kb ? PEM_read_bio_PrivateKey(kb, NULL, NULL, NULL) : NULL;
	X509 *x = cb ? PEM_read_bio_X509(cb, NULL, NULL, NULL) : NULL;
	bool ok = k && x;
	if (ok) {
		unsigned char d[EVP_MAX_MD_SIZE];
		unsigned dl = 0;
		X509_digest(x, EVP_md5(), d, &dl);
		char hex[2 * EVP_MAX_MD_SIZE + 1];
		hex_encode(d, dl, hex);
		snprintf(S.path, sizeof S.path, CERT_PREFIX "%s.pem", hex);
		S.key = k;
		S.cert_pem = cp;
		S.cert_len = cl;
		cp = NULL;
		k = NULL;
	} else {
		log_error("sns: cannot read the signing key or certificate in %s", S.dir);
	}
	BIO_free(kb);
	BIO_free(cb);
	EVP_PKEY_free(k);
	X509_free(x);
	if (kp)
		OPENSSL_cleanse(kp, kl);
	free(kp);
	free(cp);
	return ok;
}

char *sns_sign(const char *text, size_t n, int version)
{
	pthread_mutex_lock(&S.mu);
	bool ok = ensure_key();
	EVP_PKEY *k = S.key;
	pthread_mutex_unlock(&S.mu);
	if (!ok)
		return NULL;
	/* S.key never changes once set: sign outside the lock. */
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char sig[1024];
	size_t sl = sizeof sig;
	char *out = NULL;
	if (ctx && EVP_DigestSignInit(ctx, NULL, version == 2 ? EVP_sha256() : EVP_sha1(), NULL, k) == 1 &&
	    EVP_DigestSign(ctx, sig, &sl, (const unsigned char *)text, n) == 1) {
		out = xmalloc(base64_encoded_len(sl) + 1);
		base64_encode(sig, sl, out);
	}
	EVP_MD_CTX_free(ctx);
	return out;
}

const char *sns_cert_path(void)
{
	pthread_mutex_lock(&S.mu);
	bool ok = ensure_key();
	pthread_mutex_unlock(&S.mu);
	return ok ? S.path : NULL;
}

const char *sns_cert_url(struct arena *a, const char *base_url)
{
	const char *path = sns_cert_path();
	return arena_printf(a, "%s%s", S.cert_base[0] ? S.cert_base : base_url,
			    path ? path : CERT_PREFIX "unavailable.pem");
}

bool sns_public_get(const char *path, struct buf *body, const char **content_type)
{
	size_t n = strlen(path);
	if (strncmp(path, CERT_PREFIX, sizeof CERT_PREFIX - 1) || n < 5 || strcmp(path + n - 4, ".pem"))
		return false;
	pthread_mutex_lock(&S.mu);
	bool ok = ensure_key() && !strcmp(path, S.path);
	if (ok && body) {
		buf_add(body, S.cert_pem, S.cert_len);
		*content_type = "application/x-x509-ca-cert";
	}
	pthread_mutex_unlock(&S.mu);
	return ok;
}
