/* migrate.h — numbered schema migrations, per component.
 *
 * Each component (the store itself, each service) owns an ordered list of
 * migrations; table schema_versions records how far each has run. A
 * database whose version of any component is newer than this binary knows
 * is refused: an older nuage must never write a newer schema.
 */
#ifndef NUAGE_STORE_MIGRATE_H
#define NUAGE_STORE_MIGRATE_H

struct migration {
	int version;     /* 1, 2, 3 ... in order */
	const char *sql; /* run in one transaction */
};

struct migration_set {
	const char *component;
	const struct migration *list;
	int count;
};

/* Runs the pending migrations of every set; 0 or -1 (logged). */
int migrate_run(const struct migration_set *const *sets, int nsets);

#endif
