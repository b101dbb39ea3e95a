/* names.c — S3 bucket naming rules and storage classes.
 * Rules (general purpose buckets): 3-63 characters; lower-case letters,
 * digits, dots and hyphens; begin and end with a letter or digit; no two
 * adjacent dots, no ".-" or "-."; not an IPv4 address; not the reserved
 * prefixes xn--, sthree-, amzn-s3-demo- or suffixes -s3alias, --ol-s3,
 * .mrap, --x-s3. */
#include "svc/s3/s3int.h"

#include <string.h>

static bool is_ipv4(const char *s)
{
	int dots = 0, digits = 0;
	for (const char *p = s; *p; p++) {
		if (*p == '.') {
			if (!digits)
				return false;
			dots++;
			digits = 0;
		} else if (*p >= '0' && *p <= '9') {
			if (++digits > 3)
				return false;
		} else {
			return false;
		}
	}
	return dots == 3 && digits;
}

static bool ends_with(const char *s, size_t n, const char *suf)
{
	size_t l = strlen(suf);
	return n >= l && !memcmp(s + n - l, suf, l);
}

const char *s3_bucket_name_error(const char *name)
{
	size_t n = strlen(name);
	if (n < 3 || n > 63)
		return "Bucket names must be between 3 (min) and 63 (max) characters long.";
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-'))
			return "Bucket names can consist only of lowercase letters, numbers, dots (.), and hyphens (-).";
	}
	char first = name[0], last = name[n - 1];
	if (first == '.' || first == '-' || last == '.' || last == '-')
		return "Bucket names must begin and end with a letter or number.";
	if (strstr(name, "..") || strstr(name, ".-") || strstr(name, "-."))
		return "Bucket names must not contain two adjacent periods, or a period next to a hyphen.";
	if (is_ipv4(name))
		return "Bucket names must not be formatted as an IP address.";
	if (!strncmp(name, "xn--", 4) || !strncmp(name, "sthree-", 7) || !strncmp(name, "amzn-s3-demo-", 13))
		return "Bucket names must not start with a reserved prefix.";
	if (ends_with(name, n, "-s3alias") || ends_with(name, n, "--ol-s3") || ends_with(name, n, ".mrap") ||
	    ends_with(name, n, "--x-s3"))
		return "Bucket names must not end with a reserved suffix.";
	return NULL;
}

bool s3_storage_class_valid(const char *sc)
{
	static const char *const classes[] = {"STANDARD", "REDUCED_REDUNDANCY", "STANDARD_IA", "ONEZONE_IA",
					      "INTELLIGENT_TIERING", "GLACIER", "DEEP_ARCHIVE", "OUTPOSTS",
					      "GLACIER_IR", "SNOW", "EXPRESS_ONEZONE", NULL};
	for (int i = 0; classes[i]; i++)
		if (!strcmp(sc, classes[i]))
			return true;
	return false;
}
