/* migrate.c — see migrate.h.
 *
 * All pending migrations of all components run in ONE transaction: a crash
 * leaves the schema either wholly before or wholly after, and a fresh data
 * directory costs one commit (one fsync) instead of one per component.
 */
#include "store/migrate.h"
#include "core/log.h"
#include "store/db.h"

#include <string.h>

static int current_version(const char *component, int *v)
{
	sqlite3_stmt *st = db_prep("SELECT version FROM schema_versions WHERE component = ?");
	db_bind_text(st, 1, component);
	*v = 0;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*v = sqlite3_column_int(st, 0);
	db_done(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

static int set_version(const char *component, int v)
{
	sqlite3_stmt *st = db_prep("INSERT INTO schema_versions(component, version) VALUES (?, ?) "
				   "ON CONFLICT(component) DO UPDATE SET version = excluded.version");
	db_bind_text(st, 1, component);
	sqlite3_bind_int(st, 2, v);
	int rc = sqlite3_step(st);
	db_done(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int migrate_run(const struct migration_set *const *sets, int nsets)
{
	if (db_begin())
		return -1;
	if (db_exec("CREATE TABLE IF NOT EXISTS schema_versions (component TEXT PRIMARY KEY, version INTEGER NOT NULL)"))
		goto fail;
	int applied = 0;
	for (int i = 0; i < nsets; i++) {
		const struct migration_set *s = sets[i];
		int have;
		if (current_version(s->component, &have))
			goto fail;
		int latest = s->count ? s->list[s->count - 1].version : 0;
		if (have > latest) {
			log_error("the database was written by a newer nuage (%s schema %d, this nuage knows %d): "
				  "upgrade nuage, or start with another --data directory",
				  s->component, have, latest);
			goto fail;
		}
		for (int j = 0; j < s->count; j++) {
			const struct migration *m = &s->list[j];
			if (m->version <= have)
				continue;
			if (db_exec(m->sql) || set_version(s->component, m->version)) {
				log_error("migration %s/%d failed", s->component, m->version);
				goto fail;
			}
			applied++;
		}
	}
	if (db_commit())
		return -1;
	if (applied)
		log_debug("applied %d schema migrations", applied);
	return 0;
fail:
	db_rollback();
	return -1;
}
