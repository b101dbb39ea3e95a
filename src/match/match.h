/* match.h — one matcher for EventBridge event patterns and SNS filter
 * policies: compile a pattern once, match many events against it (or against
 * a whole rule set) without allocating per event.
 *
 * Semantics follow aws/event-ruler, the matcher AWS publishes, in its
 * array-consistent flavour (fields matched inside the objects of one array
 * must come from the same element), and the validation messages are AWS's
 * own, including the Jackson "\n at [Source: ...; line: L, column: C]" suffix
 * AWS appends to parse-time errors.
 *
 * Ownership, in one place:
 *  - match_pattern_compile() returns a pattern the caller frees with
 *    match_pattern_free(), unless it is handed to match_ruleset_add(), which
 *    takes it over (also when add fails).
 *  - A ruleset is freed with match_ruleset_free(); it frees its patterns.
 *  - A scratch is per thread: create it once with match_scratch_new(), reuse
 *    it for every event, free it with match_scratch_free(). It only grows
 *    (never per event in steady state) when an event or rule set is larger
 *    than any it has seen.
 *  - Rule ids returned by match_ruleset_match_*() point into the rule set and
 *    stay valid until the set changes; the id array lives in the scratch and
 *    is overwritten by the next call on that scratch.
 *
 * Threads: compiled patterns and rule sets are immutable while matching; any
 * number of threads may match concurrently, each with its own scratch.
 * match_ruleset_add/remove need exclusive access (the caller's lock).
 */
#ifndef NUAGE_MATCH_MATCH_H
#define NUAGE_MATCH_MATCH_H

#include <stddef.h>

/* Hard limits: inputs are hostile. */
#define MATCH_MAX_PATTERN (256 * 1024) /* bytes of pattern / filter-policy JSON */
#define MATCH_MAX_EVENT (1024 * 1024)  /* bytes of event JSON (AWS: 256 KB) */
#define MATCH_MAX_DEPTH 64             /* nesting in a pattern */
#define MATCH_MAX_EVENT_DEPTH 256      /* nesting in an event */
#define MATCH_MAX_SUBRULES 1024        /* $or branches after expansion */

enum match_dialect {
	MATCH_EVENTBRIDGE = 0, /* PutRule / TestEventPattern event pattern */
	MATCH_SNS_ATTRIBUTES,  /* SNS FilterPolicy, FilterPolicyScope MessageAttributes */
	MATCH_SNS_BODY,        /* SNS FilterPolicy, FilterPolicyScope MessageBody */
};

/* Compile flags. */
#define MATCH_F_SNS_SUBSCRIBE 1u /* word SNS errors as Subscribe does ("Attributes Reason: ") */

/* Event flags. */
#define MATCH_EV_TRUSTED 1u /* event JSON was produced or validated by nuage: skip
			       grammar checks inside parts no rule looks at (faster) */

struct match_error {
	char code[64];      /* AWS error code, e.g. InvalidEventPatternException */
	char message[2560]; /* AWS's message text */
	size_t short_len;   /* length of message without the Jackson location suffix */
};

/* One SNS message attribute as Publish received it. Type is the DataType
 * (String, String.Array, Number, Binary, or those with a custom ".label"). */
struct match_attr {
	const char *name;
	size_t name_len;
	const char *type;
	const char *value;
	size_t value_len;
};

typedef struct match_pattern match_pattern;
typedef struct match_ruleset match_ruleset;
typedef struct match_scratch match_scratch;

/* Compiles a pattern (EventBridge) or filter policy (SNS). 0 and *out set,
 * or -1 with err filled with AWS's code and message. *out is freed by
 * match_pattern_free() (or owned by a rule set after match_ruleset_add()). */
int match_pattern_compile(const char *json, size_t len, enum match_dialect dialect, unsigned flags,
			  match_pattern **out, struct match_error *err);
void match_pattern_free(match_pattern *p);
enum match_dialect match_pattern_dialect(const match_pattern *p);

/* Allocates a scratch; the caller frees it with match_scratch_free(). */
match_scratch *match_scratch_new(void);
void match_scratch_free(match_scratch *s);

/* 1 = match, 0 = no match, -1 = the event is not valid (err: ValidationException,
 * "Parameter Event is not valid."). */
int match_pattern_test_json(const match_pattern *p, const char *event, size_t len, unsigned flags,
			    match_scratch *s, struct match_error *err);
/* SNS MessageAttributes scope: 1 = match, 0 = no match. */
int match_pattern_test_attrs(const match_pattern *p, const struct match_attr *attrs, size_t n,
			     match_scratch *s);
/* SNS MessageBody scope: a body that is not a JSON object matches nothing. */
int match_pattern_test_body(const match_pattern *p, const char *body, size_t len, match_scratch *s);

/* TestEventPattern's own check: the event must be a JSON object carrying
 * id, account, source, time, region and detail-type. 0 or -1 with err. */
int match_event_check_envelope(const char *event, size_t len, struct match_error *err);

/* Allocates an empty rule set; the caller frees it with match_ruleset_free(). */
match_ruleset *match_ruleset_new(void);
void match_ruleset_free(match_ruleset *rs);
/* Adds (or replaces) the rule `id`, taking ownership of p in every case.
 * 0 ok, -1 on an id that is empty or longer than 256 bytes. */
int match_ruleset_add(match_ruleset *rs, const char *id, match_pattern *p);
/* 0 removed, -1 no such id. */
int match_ruleset_remove(match_ruleset *rs, const char *id);
size_t match_ruleset_count(const match_ruleset *rs);

/* Matches one event against every rule: *ids (in the scratch) gets the ids
 * of the matching rules, *n their count (each id once, in no set order).
 * 0 ok, -1 invalid event (err as for match_pattern_test_json). */
int match_ruleset_match_json(const match_ruleset *rs, const char *event, size_t len, unsigned flags,
			     match_scratch *s, const char *const **ids, size_t *n, struct match_error *err);
/* The same for SNS message attributes (rules compiled for MessageAttributes). */
int match_ruleset_match_attrs(const match_ruleset *rs, const struct match_attr *attrs, size_t nattrs,
			      match_scratch *s, const char *const **ids, size_t *n);

#endif
