/* crc.c — see crc.h.
 *
 * CRC32C uses the SSE4.2 crc32 instruction, chosen once at run time, with a
 * slicing-by-8 table fallback. CRC64/NVME (reflected polynomial
 * 0x9a6c9329ac4bc9b5, init and xorout all ones) uses slicing-by-8 too.
 */
#include "core/crc.h"

#include <pthread.h>
#include <string.h>
#include <zlib.h>

uint32_t crc32_update(uint32_t crc, const void *p, size_t n)
{
	const unsigned char *s = p;
	while (n) {
		uInt chunk = n > (1u << 30) ? (1u << 30) : (uInt)n;
		crc = (uint32_t)crc32(crc, s, chunk);
		s += chunk;
		n -= chunk;
	}
	return crc;
}

static uint32_t c32c_tab[8][256];
static uint64_t c64_tab[8][256];
static int have_sse42;
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_tables(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		uint64_t d = i;
		for (int k = 0; k < 8; k++) {
			c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1)));
			d = (d >> 1) ^ (0x9a6c9329ac4bc9b5ull & (0ull - (d & 1)));
		}
		c32c_tab[0][i] = c;
		c64_tab[0][i] = d;
	}
	for (int t = 1; t < 8; t++) {
		for (int i = 0; i < 256; i++) {
			c32c_tab[t][i] = (c32c_tab[t - 1][i] >> 8) ^ c32c_tab[0][c32c_tab[t - 1][i] & 0xff];
			c64_tab[t][i] = (c64_tab[t - 1][i] >> 8) ^ c64_tab[0][c64_tab[t - 1][i] & 0xff];
		}
	}
#if defined(__x86_64__)
	__builtin_cpu_init();
	have_sse42 = __builtin_cpu_supports("sse4.2");
#endif
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) static uint32_t crc32c_hw(uint32_t crc, const unsigned char *s, size_t n)
{
	uint64_t c = crc;
	while (n && ((uintptr_t)s & 7)) {
		c = __builtin_ia32_crc32qi((uint32_t)c, *s++);
		n--;
	}
	while (n >= 8) {
		uint64_t v;
		memcpy(&v, s, 8);
		c = __builtin_ia32_crc32di(c, v);
		s += 8;
		n -= 8;
	}
	while (n--)
		c = __builtin_ia32_crc32qi((uint32_t)c, *s++);
	return (uint32_t)c;
}
#endif

uint32_t crc32c_update(uint32_t crc, const void *p, size_t n)
{
	pthread_once(&crc_once, crc_tables);
	const unsigned char *s = p;
	uint32_t c = ~crc;
#if defined(__x86_64__)
	if (have_sse42)
		return ~crc32c_hw(c, s, n);
#endif
	while (n >= 8) {
		uint32_t lo, hi;
		memcpy(&lo, s, 4);
		memcpy(&hi, s + 4, 4);
		lo ^= c;
		c = c32c_tab[7][lo & 0xff] ^ c32c_tab[6][(lo >> 8) & 0xff] ^ c32c_tab[5][(lo >> 16) & 0xff] ^
		    c32c_tab[4][lo >> 24] ^ c32c_tab[3][hi & 0xff] ^ c32c_tab[2][(hi >> 8) & 0xff] ^
		    c32c_tab[1][(hi >> 16) & 0xff] ^ c32c_tab[0][hi >> 24];
		s += 8;
		n -= 8;
	}
	while (n--)
		c = (c >> 8) ^ c32c_tab[0][(c ^ *s++) & 0xff];
	return ~c;
}

uint64_t crc64nvme_update(uint64_t crc, const void *p, size_t n)
{
	pthread_once(&crc_once, crc_tables);
	const unsigned char *s = p;
	uint64_t c = ~crc;
	while (n >= 8) {
		uint64_t v;
		memcpy(&v, s, 8);
		v ^= c;
		c = c64_tab[7][v & 0xff] ^ c64_tab[6][(v >> 8) & 0xff] ^ c64_tab[5][(v >> 16) & 0xff] ^
		    c64_tab[4][(v >> 24) & 0xff] ^ c64_tab[3][(v >> 32) & 0xff] ^ c64_tab[2][(v >> 40) & 0xff] ^
		    c64_tab[1][(v >> 48) & 0xff] ^ c64_tab[0][v >> 56];
		s += 8;
		n -= 8;
	}
	while (n--)
		c = (c >> 8) ^ c64_tab[0][(c ^ *s++) & 0xff];
	return ~c;
}
