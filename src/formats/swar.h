/* swar.h — eight bytes at a time in a 64-bit word, for the text scanners
 * (CSV lexer, JSON tokenizer). Little-endian: the first byte in memory is
 * the lowest one, so the first match is at __builtin_ctzll(mask) / 8.
 * Every mask has the high bit of a byte set exactly where the byte matches
 * (no false positives), so the lowest set bit is always a real match. */
#ifndef NUAGE_FORMATS_SWAR_H
#define NUAGE_FORMATS_SWAR_H

#include <stdint.h>
#include <string.h>

#define SWAR_ONES 0x0101010101010101ull
#define SWAR_HIGH 0x8080808080808080ull

static inline uint64_t swar_load(const char *p)
{
	uint64_t x;
	memcpy(&x, p, 8);
	return x;
}

/* Bytes equal to c. */
static inline uint64_t swar_eq(uint64_t x, uint8_t c)
{
	const uint64_t lo7 = ~SWAR_HIGH;
	uint64_t y = x ^ (SWAR_ONES * c);
	return ~(((y & lo7) + lo7) | y | lo7);
}

/* Bytes below c (c <= 0x80). */
static inline uint64_t swar_lt(uint64_t x, uint8_t c)
{
	const uint64_t lo7 = ~SWAR_HIGH;
	/* Adding 0x80 - c to the low seven bits sets bit 7 exactly for bytes >= c
	 * (among bytes below 0x80); bytes with bit 7 set are never below c. */
	uint64_t t = (x & lo7) + SWAR_ONES * (uint8_t)(0x80 - c);
	return ~(t | x) & SWAR_HIGH;
}

static inline unsigned swar_first(uint64_t mask)
{
	return (unsigned)__builtin_ctzll(mask) >> 3;
}

#endif
