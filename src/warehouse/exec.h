/* exec.h — runs SQL against a warehouse: nuage's own statements
 * (dialect.h) are carried out here, everything else goes to the backend.
 * The Redshift Data API, pipes and tests all come through wh_run.
 *
 * A session pins one backend connection for its statements (so BEGIN ...
 * COMMIT across statements works where the caller keeps the session, as
 * Data API sessions do), knows who runs it (account: which S3 buckets its
 * stages may read) and can be cancelled from another thread.
 */
#ifndef NUAGE_WAREHOUSE_EXEC_H
#define NUAGE_WAREHOUSE_EXEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "warehouse/wh.h"

struct wh_session {
	struct wh *wh;
	struct wh_conn *conn;     /* taken on first use; given back by wh_session_end */
	char account[16];
	char region[32];
	char user[WH_NAME_MAX];
	volatile int *cancel;     /* non-zero: stop at the next chance (may be NULL) */
	int64_t now;              /* start of the current statement, epoch ms */
};

void wh_session_init(struct wh_session *s, struct wh *wh, const char *account, const char *region, const char *user);
/* Rolls back whatever transaction is open and releases the connection. */
void wh_session_end(struct wh_session *s);
/* Makes sure s->conn is there. */
int wh_session_conn(struct wh_session *s, struct wh_err *e);
/* Interrupts what the session's connection runs (another thread). */
void wh_session_interrupt(struct wh_session *s);

/* Runs ONE statement (sql may end with ';'). params are the values of
 * $1..$n (see sql_bind_names). Results go to sink. 0, or -1 with e. */
int wh_run(struct wh_session *s, const char *sql, size_t len, const char *const *params, int nparams,
	   const struct wh_sink *sink, struct wh_status *st, struct wh_err *e);

/* True when a session is inside BEGIN ... COMMIT. */
bool wh_session_in_txn(const struct wh_session *s);

#endif
