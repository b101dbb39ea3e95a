/* unit.h — a minimal unit-test harness. A test file declares
 *     TEST(name) { CHECK(...); }
 * and links into the one unit binary; each TEST registers itself before
 * main() runs. A failed CHECK reports and ends that test. */
#ifndef NUAGE_TESTS_UNIT_H
#define NUAGE_TESTS_UNIT_H

#include <stdint.h>
#include <string.h>

struct unit_test {
	const char *file;
	const char *name;
	void (*fn)(void);
	struct unit_test *next;
};

void unit_register(struct unit_test *t);
void unit_fail(const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Path of a scratch directory, fresh for each test, removed afterwards. */
const char *unit_tmpdir(void);
/* ../shared/conformance/<sub>, or NULL (and a skip is recorded) if absent. */
const char *unit_conformance(const char *sub);
void unit_skip(const char *why);

#define TEST(tname)                                                                           \
	static void test_##tname(void);                                                       \
	__attribute__((constructor)) static void reg_##tname(void)                            \
	{                                                                                     \
		static struct unit_test t = {__FILE__, #tname, test_##tname, 0};                  \
		unit_register(&t);                                                            \
	}                                                                                     \
	static void test_##tname(void)

#define CHECK(c)                                                  \
	do {                                                      \
		if (!(c)) {                                       \
			unit_fail(__FILE__, __LINE__, "%s", #c);  \
			return;                                   \
		}                                                 \
	} while (0)

#define CHECK_INT(a, b)                                                                                   \
	do {                                                                                              \
		long long va_ = (long long)(a), vb_ = (long long)(b);                                     \
		if (va_ != vb_) {                                                                         \
			unit_fail(__FILE__, __LINE__, "%s == %s: %lld != %lld", #a, #b, va_, vb_);       \
			return;                                                                           \
		}                                                                                         \
	} while (0)

#define CHECK_STR(a, b)                                                                                        \
	do {                                                                                                   \
		const char *sa_ = (a), *sb_ = (b);                                                             \
		if (!sa_ || !sb_ || strcmp(sa_, sb_)) {                                                        \
			unit_fail(__FILE__, __LINE__, "%s == %s: \"%s\" != \"%s\"", #a, #b, sa_ ? sa_ : "(null)", \
				  sb_ ? sb_ : "(null)");                                                        \
			return;                                                                                \
		}                                                                                              \
	} while (0)

#endif
