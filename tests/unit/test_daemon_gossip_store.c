/* The gossip table's store functions (daemon/gossip/gossip_store.h)
 * against an in-memory database with every migration. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/gossip/gossip_store.h"
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

static struct short_channel_id scid_of(uint32_t block, uint32_t tx, uint16_t out)
{
	struct short_channel_id scid;

	short_channel_id_from_parts(&scid, block, tx, out);
	return scid;
}

/* A fake message of type t: the store keeps bytes, it does not parse. */
static void fake_msg(uint8_t *msg, size_t len, uint16_t t, uint8_t fill)
{
	memset(msg, fill, len);
	msg[0] = (uint8_t)(t >> 8);
	msg[1] = (uint8_t)t;
}

struct rows {
	size_t num;
	struct gossip_store_row row[8];
	uint8_t first_byte[8];
};

static bool collect(void *arg, const struct gossip_store_row *row)
{
	struct rows *r = arg;

	if (r->num < 8) {
		r->row[r->num] = *row;
		r->first_byte[r->num] = row->len > 2 ? row->msg[2] : 0;
		r->row[r->num].msg = NULL;
	}
	r->num++;
	return true;
}

/* Every message comes back verbatim, in the order stored, with what an
 * announcement row carries; a get of a missing row says so. */
static void test_messages_kept_verbatim_in_order(void)
{
	struct db *db = open_memory();
	uint8_t ann[300], upd[130], node[150], node_id[PUBKEY_CMPR_LEN], *msg;
	struct short_channel_id scid = scid_of(103, 1, 0);
	struct bitcoin_txid txid;
	uint64_t id_ann = 5, id_upd = 9, id_node = 12;
	struct rows r = {0};
	size_t len;

	if (!db)
		return;
	fake_msg(ann, sizeof(ann), 256, 0xa1);
	fake_msg(upd, sizeof(upd), 258, 0xb2);
	fake_msg(node, sizeof(node), 257, 0xc3);
	memset(node_id, 0x02, sizeof(node_id));
	memset(txid.shad.sha.u8, 0x77, 32);
	CHECK(gossip_store_add_channel(db, id_ann, scid, ann, sizeof(ann), 1000000, &txid));
	CHECK(gossip_store_add_update(db, id_upd, scid, upd, sizeof(upd)));
	CHECK(gossip_store_add_node(db, id_node, node_id, node, sizeof(node)));
	/* An id is stored once. */
	CHECK(!gossip_store_add_update(db, id_upd, scid, upd, sizeof(upd)));
	CHECK(gossip_store_get(db, id_upd, &msg, &len));
	CHECK(len == sizeof(upd) && memcmp(msg, upd, len) == 0);
	free(msg);
	CHECK(!gossip_store_get(db, id_node + 1, &msg, &len));
	CHECK(msg == NULL);
	CHECK(gossip_store_load(db, collect, &r));
	CHECK(r.num == 3);
	CHECK(r.row[0].type == 256 && r.row[0].id == id_ann && r.row[0].len == sizeof(ann));
	CHECK(r.row[0].scid.u64 == scid.u64 && r.row[0].amount_sat == 1000000);
	CHECK_MEMEQ(r.row[0].funding_txid.shad.sha.u8, txid.shad.sha.u8, 32);
	CHECK(r.row[0].spent_height == 0);
	CHECK(r.first_byte[0] == 0xa1 && r.first_byte[1] == 0xb2 && r.first_byte[2] == 0xc3);
	CHECK(r.row[1].type == 258 && r.row[1].scid.u64 == scid.u64);
	CHECK(r.row[2].type == 257);
	db_close(db);
}

/* A spend is recorded (and undone); a pruned channel takes its
 * announcement and updates, not other channels' or nodes' rows; a
 * replaced row goes alone. */
static void test_spent_and_deleted(void)
{
	struct db *db = open_memory();
	uint8_t ann[300], upd[130], node[150], node_id[PUBKEY_CMPR_LEN], *msg;
	struct short_channel_id a = scid_of(103, 1, 0), b = scid_of(104, 2, 1);
	struct bitcoin_txid txid, got;
	uint64_t upd_a = 3, upd_b = 4;
	struct rows r = {0};
	size_t len;

	if (!db)
		return;
	fake_msg(ann, sizeof(ann), 256, 1);
	fake_msg(upd, sizeof(upd), 258, 2);
	fake_msg(node, sizeof(node), 257, 3);
	memset(node_id, 0x03, sizeof(node_id));
	memset(txid.shad.sha.u8, 0x11, 32);
	CHECK(gossip_store_add_channel(db, 1, a, ann, sizeof(ann), 5000, &txid));
	CHECK(gossip_store_add_channel(db, 2, b, ann, sizeof(ann), 6000, &txid));
	CHECK(gossip_store_add_update(db, upd_a, a, upd, sizeof(upd)));
	CHECK(gossip_store_add_update(db, upd_b, b, upd, sizeof(upd)));
	CHECK(gossip_store_add_node(db, 5, node_id, node, sizeof(node)));
	CHECK(gossip_store_set_spent(db, a, 200));
	CHECK(gossip_store_load(db, collect, &r));
	CHECK(r.num == 5 && r.row[0].spent_height == 200 && r.row[1].spent_height == 0);
	CHECK(gossip_store_channel(db, a, &msg, &len, &got));
	CHECK(len == sizeof(ann) && memcmp(msg, ann, len) == 0);
	CHECK_MEMEQ(got.shad.sha.u8, txid.shad.sha.u8, 32);
	free(msg);
	CHECK(gossip_store_delete_channel(db, a));
	CHECK(!gossip_store_channel(db, a, NULL, NULL, &got));
	CHECK(!gossip_store_get(db, upd_a, &msg, &len));
	CHECK(gossip_store_get(db, upd_b, &msg, &len));
	free(msg);
	CHECK(gossip_store_delete(db, upd_b));
	CHECK(!gossip_store_get(db, upd_b, &msg, &len));
	CHECK(gossip_store_delete_node(db, node_id));
	memset(&r, 0, sizeof(r));
	CHECK(gossip_store_load(db, collect, &r));
	CHECK(r.num == 1 && r.row[0].type == 256 && r.row[0].scid.u64 == b.u64);
	db_close(db);
}

static void collect_scid(void *arg, struct short_channel_id scid)
{
	struct rows *r = arg;

	if (r->num < 8)
		r->row[r->num].scid = scid;
	r->num++;
}

/* The channels spent at a height (to undo when its block leaves the
 * chain), and none once undone. */
static void test_spent_at_height(void)
{
	struct db *db = open_memory();
	uint8_t ann[300];
	struct short_channel_id a = scid_of(103, 1, 0), b = scid_of(104, 2, 1);
	struct short_channel_id c = scid_of(105, 1, 0);
	struct bitcoin_txid txid;
	struct rows r = {0};

	if (!db)
		return;
	fake_msg(ann, sizeof(ann), 256, 1);
	memset(txid.shad.sha.u8, 0x22, 32);
	CHECK(gossip_store_add_channel(db, 1, a, ann, sizeof(ann), 5000, &txid));
	CHECK(gossip_store_add_channel(db, 2, b, ann, sizeof(ann), 6000, &txid));
	CHECK(gossip_store_add_channel(db, 3, c, ann, sizeof(ann), 7000, &txid));
	CHECK(gossip_store_set_spent(db, a, 300));
	CHECK(gossip_store_set_spent(db, b, 301));
	CHECK(gossip_store_set_spent(db, c, 300));
	CHECK(gossip_store_spent_at(db, 300, collect_scid, &r));
	CHECK(r.num == 2);
	CHECK((r.row[0].scid.u64 == a.u64 && r.row[1].scid.u64 == c.u64)
	      || (r.row[0].scid.u64 == c.u64 && r.row[1].scid.u64 == a.u64));
	CHECK(gossip_store_set_spent(db, a, 0));
	memset(&r, 0, sizeof(r));
	CHECK(gossip_store_spent_at(db, 300, collect_scid, &r));
	CHECK(r.num == 1 && r.row[0].scid.u64 == c.u64);
	memset(&r, 0, sizeof(r));
	CHECK(gossip_store_spent_at(db, 299, collect_scid, &r));
	CHECK(r.num == 0);
	db_close(db);
}

/* The table refuses a row whose type and keys disagree. */
static void test_schema_checks_rows(void)
{
	struct db *db = open_memory();
	uint8_t msg[10];

	if (!db)
		return;
	fake_msg(msg, sizeof(msg), 999, 0);
	CHECK(db_exec(db, "INSERT INTO gossip (type, scid, msg) VALUES (258, 1, x'0102')"));
	CHECK(!db_exec(db, "INSERT INTO gossip (type, scid, msg) VALUES (257, 1, x'0102')"));
	CHECK(!db_exec(db, "INSERT INTO gossip (type, scid, msg) VALUES (999, 1, x'0102')"));
	db_close(db);
}

int main(void)
{
	RUN(test_messages_kept_verbatim_in_order);
	RUN(test_spent_and_deleted);
	RUN(test_spent_at_height);
	RUN(test_schema_checks_rows);
	return test_done();
}
