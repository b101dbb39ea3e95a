/* ipaddr.c — IP address literals as event-ruler reads them.
 *
 * event-ruler only treats a string as an address when it has the shape of
 * one (four dot-separated decimal runs, or hex digits and colons with at
 * least one colon) and Java's InetAddress then accepts it; an IPv4-mapped
 * IPv6 address (::ffff:a.b.c.d) becomes the 4-byte IPv4 address, as Java
 * returns it. Octets with leading zeros are refused, as current JDKs do.
 */
#include "match/match_int.h"

#include <arpa/inet.h>
#include <string.h>

static int shape_v4(const char *p, size_t n)
{
	int parts = 0;
	size_t i = 0;
	while (i < n) {
		size_t d = i;
		while (i < n && p[i] >= '0' && p[i] <= '9')
			i++;
		if (i == d)
			return 0;
		parts++;
		if (i == n)
			break;
		if (p[i] != '.' || parts == 4)
			return 0;
		i++;
		if (i == n)
			return 0;
	}
	return parts == 4;
}

static int shape_v6(const char *p, size_t n)
{
	int colon = 0;
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		if (c == ':')
			colon = 1;
		else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
			return 0;
	}
	return colon;
}

static int parse_v4(const char *p, size_t n, uint8_t out[4])
{
	size_t i = 0;
	for (int part = 0; part < 4; part++) {
		size_t d = i;
		unsigned v = 0;
		while (i < n && p[i] >= '0' && p[i] <= '9') {
			v = v * 10 + (unsigned)(p[i] - '0');
			if (v > 255)
				return 0;
			i++;
		}
		if (i - d > 1 && p[d] == '0')
			return 0;
		out[part] = (uint8_t)v;
		i++; /* the dot */
	}
	return 1;
}

int mt_ip_parse(const char *p, size_t n, uint8_t out[16], uint8_t *len, int *ok)
{
	*ok = 0;
	if (shape_v4(p, n)) {
		if (parse_v4(p, n, out)) {
			*len = 4;
			*ok = 1;
		}
		return 1;
	}
	if (!shape_v6(p, n))
		return 0;
	char buf[64];
	if (n >= sizeof buf)
		return 1;
	memcpy(buf, p, n);
	buf[n] = 0;
	unsigned char a[16];
	if (inet_pton(AF_INET6, buf, a) != 1)
		return 1;
	static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	if (!memcmp(a, mapped, 12)) {
		memcpy(out, a + 12, 4);
		*len = 4;
	} else {
		memcpy(out, a, 16);
		*len = 16;
	}
	*ok = 1;
	return 1;
}
