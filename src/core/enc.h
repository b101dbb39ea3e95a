/* enc.h — byte encodings used on the wire: hex, base64, percent-encoding.
 *
 * All functions are pure and bounded by their inputs. Decoders return -1 on
 * malformed input instead of guessing.
 */
#ifndef NUAGE_CORE_ENC_H
#define NUAGE_CORE_ENC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf;

/* Lower-case hex of n bytes into out (2n+1 bytes, NUL-terminated). */
void hex_encode(const unsigned char *p, size_t n, char *out);
/* Decodes 2n hex chars into n bytes; -1 if any char is not hex. */
int hex_decode(const char *s, size_t slen, unsigned char *out);

size_t base64_encoded_len(size_t n);
/* Writes base64 (with padding) of n bytes plus a NUL; returns its length. */
size_t base64_encode(const unsigned char *p, size_t n, char *out);
/* Decodes strict base64 (padding required, no whitespace) into out, which
 * must hold 3*slen/4 bytes; returns the decoded length or -1. */
long base64_decode(const char *s, size_t slen, unsigned char *out);

/* Percent-encodes per RFC 3986 as SigV4 requires: unreserved characters
 * A-Z a-z 0-9 - . _ ~ stay; everything else becomes %XX (upper-case hex).
 * Flags: URI_KEEP_SLASH leaves '/' as it is; URI_FORM encodes as HTML forms
 * (application/x-www-form-urlencoded, the way S3 event records carry keys):
 * space becomes '+', '*' stays and '~' is escaped. Returns -1 if b's cap is
 * reached. */
#define URI_KEEP_SLASH 1u
#define URI_FORM 2u
int uri_encode(struct buf *b, const char *s, size_t n, unsigned flags);
/* True when s is already what uri_encode(.., 0) makes of its decoding:
 * unreserved bytes as they are, every other byte as %XX in upper case. */
bool uri_is_encoded(const char *s, size_t n);
/* Decodes %XX escapes (and '+' as space when plus_space) in place; returns
 * the new length, or -1 on a malformed escape. Output may contain NUL. */
long uri_decode(char *s, size_t n, bool plus_space);
/* The same from s[0..n) into dst (which may be s: the output is never
 * longer); no NUL is added. */
long uri_decode_to(char *dst, const char *s, size_t n, bool plus_space);
/* True when the n bytes are valid UTF-8 (no overlongs, no surrogates). */
bool utf8_valid(const char *s, size_t n);
/* Writes code point cp (at most U+10FFFF) as UTF-8 into u; returns 1-4. */
size_t utf8_put(uint32_t cp, char u[4]);
/* The value of one hex digit (either case), or -1. */
int hex_digit(int c);

#endif
