/* ohm's database schema, as one ordered list of migrations.
 *
 * A database's schema version is the number of migrations applied to it;
 * db_open() applies the ones it lacks, in order, in one transaction.  The
 * list is append-only: once a migration has shipped, changing or removing it
 * would leave existing databases with a schema no list describes.  To change
 * a table, append a migration that alters it.
 *
 * A migration must not contain BEGIN, COMMIT or ROLLBACK (it runs inside
 * db_open()'s transaction), and foreign keys are enforced while it runs.
 */
#ifndef OHM_DB_MIGRATIONS_H
#define OHM_DB_MIGRATIONS_H

#include <stddef.h>

/* One migration: SQL run once, in order (may hold several statements). */
struct db_migration {
	const char *sql;
};

/* ohm's own list; later work only ever appends to it. */
extern const struct db_migration ohm_migrations[];
extern const size_t ohm_migrations_count;

#endif /* OHM_DB_MIGRATIONS_H */
