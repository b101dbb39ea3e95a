/* rand.c — see rand.h. */
#include "core/rand.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>

void rand_bytes(void *p, size_t n)
{
	unsigned char *s = p;
	while (n) {
		ssize_t r = getrandom(s, n, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			perror("nuage: getrandom");
			abort();
		}
		s += r;
		n -= (size_t)r;
	}
}

static _Thread_local uint64_t fast_state[2];

uint64_t rand_fast(void)
{
	uint64_t *s = fast_state;
	if (!s[0] && !s[1]) {
		rand_bytes(s, sizeof fast_state);
		s[0] |= 1;
	}
	/* xorshift128+ */
	uint64_t x = s[0], y = s[1];
	s[0] = y;
	x ^= x << 23;
	s[1] = x ^ y ^ (x >> 17) ^ (y >> 26);
	return s[1] + y;
}

void uuid4(char out[37])
{
	unsigned char b[16];
	rand_bytes(b, sizeof b);
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2],
		 b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

void rand_id_upper(char *out, size_t n)
{
	static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	uint64_t r = 0;
	for (size_t i = 0; i < n; i++) {
		if (i % 10 == 0)
			r = rand_fast();
		out[i] = al[r % 36];
		r /= 36;
	}
	out[n] = 0;
}
