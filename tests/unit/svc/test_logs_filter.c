/* CloudWatch Logs filter patterns: terms, phrases, ?any, -not, JSON
 * comparisons, and rejection of malformed or unsupported patterns. */
#include "unit.h"
#include "svc/logs/filter.h"

static bool m(const char *pattern, const char *msg)
{
	struct logs_filter *f = NULL;
	char err[200];
	int rc = logs_filter_compile(pattern, &f, err, sizeof err);
	bool r = rc == 0 && logs_filter_match(f, msg, strlen(msg));
	logs_filter_free(f);
	return r;
}

static bool bad(const char *pattern)
{
	struct logs_filter *f = NULL;
	char err[200];
	int rc = logs_filter_compile(pattern, &f, err, sizeof err);
	logs_filter_free(f);
	return rc == -1 && strstr(err, "filter pattern");
}

TEST(logs_filter_terms)
{
	CHECK(m("", "anything"));
	CHECK(m("  ", "anything"));
	CHECK(m("\"\"", "anything"));
	CHECK(m("ERROR", "[ERROR] disk full"));
	CHECK(!m("ERROR", "ERRORS happen"));
	CHECK(!m("error", "ERROR"));
	CHECK(m("ERROR disk", "[ERROR] disk full"));
	CHECK(!m("ERROR memory", "[ERROR] disk full"));
	CHECK(m("\"disk full\"", "[ERROR] disk full"));
	CHECK(!m("\"disk  full\"", "[ERROR] disk full"));
	CHECK(m("?WARN ?ERROR", "[ERROR] x"));
	CHECK(!m("?WARN ?ERROR", "[INFO] x"));
	CHECK(m("ERROR -Retrying", "ERROR once"));
	CHECK(!m("ERROR -Retrying", "ERROR Retrying soon"));
	CHECK(m("-DEBUG", "INFO line"));
	CHECK(m("404", "GET /x 404 12ms"));
	CHECK(m("/x", "GET /x 404"));
}

TEST(logs_filter_json)
{
	const char *ev = "{\"level\":\"ERROR\",\"latency\":250,\"user\":{\"id\":\"u-1\",\"tags\":[\"a\",\"b\"]},\"ok\":false,"
			 "\"gone\":null}";
	CHECK(m("{ $.level = \"ERROR\" }", ev));
	CHECK(m("{$.level=ERROR}", ev));
	CHECK(!m("{ $.level = \"INFO\" }", ev));
	CHECK(m("{ $.level != \"INFO\" }", ev));
	CHECK(m("{ $.level = \"ERR*\" }", ev));
	CHECK(m("{ $.latency > 100 }", ev));
	CHECK(!m("{ $.latency < 100 }", ev));
	CHECK(m("{ $.latency >= 250 && $.latency <= 250 }", ev));
	CHECK(m("{ $.user.id = \"u-1\" }", ev));
	CHECK(m("{ $.user.tags[1] = \"b\" }", ev));
	CHECK(m("{ $.ok IS FALSE }", ev));
	CHECK(m("{ $.gone IS NULL }", ev));
	CHECK(m("{ $.missing NOT EXISTS }", ev));
	CHECK(!m("{ $.level NOT EXISTS }", ev));
	CHECK(m("{ ($.level = \"INFO\" || $.latency > 200) && $.ok IS FALSE }", ev));
	CHECK(!m("{ $.level = \"ERROR\" }", "not json at all"));
	CHECK(!m("{ $.level = \"ERROR\" }", "[1,2]"));
}

TEST(logs_filter_rejects_bad_patterns)
{
	CHECK(bad("{ $.level = }"));
	CHECK(bad("{ level = \"x\" }"));
	CHECK(bad("{ $.a = \"x\" "));
	CHECK(bad("{ $.a > \"x\" }"));
	CHECK(bad("{ ($.a = 1 }"));
	CHECK(bad("{ $.a = 1 $.b = 2 }"));
	CHECK(bad("\"unclosed"));
	CHECK(bad("[ip, user]"));
	CHECK(bad("%regex%"));
	char deep[200] = "{ ";
	memset(deep + 2, '(', 40);
	deep[42] = 0;
	CHECK(bad(deep));
	char longp[1100];
	memset(longp, 'a', sizeof longp - 1);
	longp[sizeof longp - 1] = 0;
	CHECK(bad(longp));
}
