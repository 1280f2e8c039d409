/* The peers table's store functions (daemon/net/peers_store.h) against an
 * in-memory database with every migration. */
#include <stdio.h>
#include <string.h>

#include "daemon/net/peers_store.h"
#include "db/db.h"
#include "db/migrations.h"
#include "tests/unit/test.h"

static struct db *open_memory(void)
{
	char err[256] = "";
	struct db *db = db_open(":memory:", ohm_migrations, ohm_migrations_count, err, sizeof(err));

	CHECK_MSG(db, "%s", err);
	return db;
}

static void node(uint8_t id[PUBKEY_CMPR_LEN], uint8_t n)
{
	memset(id, n, PUBKEY_CMPR_LEN);
	id[0] = 0x02;
}

/* No row, or a row without an address (an incoming peer): no address. */
static void test_unknown_or_incoming_peer_has_no_address(void)
{
	struct db *db = open_memory();
	uint8_t id[PUBKEY_CMPR_LEN];
	char address[64] = "untouched";

	if (!db)
		return;
	node(id, 1);
	CHECK(!peers_store_address(db, id, address, sizeof(address)));
	CHECK(peers_store_connected(db, id, NULL, 1000));
	CHECK(!peers_store_address(db, id, address, sizeof(address)));
	db_close(db);
}

/* An outgoing connection's address is kept; a later incoming connection
 * (NULL) keeps it and only moves last_connected; a new outgoing one
 * replaces it.  Peers do not see each other's rows. */
static void test_address_kept_until_a_new_outgoing_one(void)
{
	struct db *db = open_memory();
	uint8_t a[PUBKEY_CMPR_LEN], b[PUBKEY_CMPR_LEN];
	char address[64];
	sqlite3_stmt *stmt;

	if (!db)
		return;
	node(a, 1);
	node(b, 2);
	CHECK(peers_store_connected(db, a, "127.0.0.1:9735", 1000));
	CHECK(peers_store_connected(db, b, "[::1]:9736", 1001));
	CHECK(peers_store_connected(db, a, NULL, 2000));
	CHECK(peers_store_address(db, a, address, sizeof(address)));
	CHECK_STREQ(address, "127.0.0.1:9735");
	stmt = db_prepare(db, "SELECT last_connected FROM peers WHERE node_id = ?");
	sqlite3_bind_blob(stmt, 1, a, PUBKEY_CMPR_LEN, SQLITE_STATIC);
	CHECK(sqlite3_step(stmt) == SQLITE_ROW && db_col_int64(stmt, "last_connected") == 2000);
	sqlite3_reset(stmt);

	CHECK(peers_store_connected(db, a, "example.org:9735", 3000));
	CHECK(peers_store_address(db, a, address, sizeof(address)));
	CHECK_STREQ(address, "example.org:9735");
	CHECK(peers_store_address(db, b, address, sizeof(address)));
	CHECK_STREQ(address, "[::1]:9736");
	/* One that does not fit is not returned cut. */
	CHECK(!peers_store_address(db, b, address, 5));
	db_close(db);
}

int main(void)
{
	RUN(test_unknown_or_incoming_peer_has_no_address);
	RUN(test_address_kept_until_a_new_outgoing_one);
	return test_done();
}
