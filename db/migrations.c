/* ohm's schema, oldest first.  Append only: see migrations.h. */
#include "db/migrations.h"

const struct db_migration ohm_migrations[] = {
	/* 1: small named settings (e.g. "node_id"), read with db_var_get_*. */
	{"CREATE TABLE vars ("
	 "  name TEXT PRIMARY KEY,"
	 "  value BLOB NOT NULL)"},
	/* 2: peers we know, the address we last reached each at, and when
	 * (last_connected is UNIX time in seconds; NULL if never). */
	{"CREATE TABLE peers ("
	 "  node_id BLOB PRIMARY KEY CHECK (length(node_id) = 33),"
	 "  address TEXT,"
	 "  last_connected INTEGER)"},
};

const size_t ohm_migrations_count =
	sizeof(ohm_migrations) / sizeof(ohm_migrations[0]);
