/* Writing the gossip store in batches.  One commit per accepted message
 * would cost an fsync each (~2 ms here: 450 messages a second, minutes
 * for a first sync of today's network), so accepted messages wait in
 * memory and are written together: GOSSIP_BATCH_MSECS after the first,
 * at GOSSIP_BATCH_MAX, and always before anything is sent from the
 * store (persist, then send: gossip_send_ref() flushes first).  The
 * graph refers to a message by the row id it will have (ids are handed
 * out here, above every stored one); reads look at the batch first.
 * A crash loses at most the batch: gossip that comes again. */
#include "daemon/gossip/gossip_internal.h"

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "daemon/gossip/gossip_store.h"
#include "daemon/log.h"
#include "db/db.h"
#include "wire/peer_wire.h"

enum write_kind { WRITE_NONE, WRITE_CHANNEL, WRITE_UPDATE, WRITE_NODE, WRITE_DELETE };

struct gossip_write {
	enum write_kind kind;
	uint64_t id;
	struct short_channel_id scid;
	uint8_t node_id[PUBKEY_CMPR_LEN];
	uint8_t *msg;
	size_t len;
	uint64_t amount_sat;
	struct bitcoin_txid txid;
};

static void on_flush_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	gossip_flush(arg);
}

static struct gossip_write *append(struct gossip *g, enum write_kind kind, uint64_t id)
{
	struct gossip_write *w;

	if (g->num_writes >= GOSSIP_BATCH_MAX)
		gossip_flush(g);
	if (g->num_writes == g->writes_cap) {
		g->writes_cap = g->writes_cap ? g->writes_cap * 2 : 64;
		g->writes = oh_realloc(g->writes, g->writes_cap * sizeof(*g->writes));
	}
	w = &g->writes[g->num_writes++];
	memset(w, 0, sizeof(*w));
	w->kind = kind;
	w->id = id;
	if (g->num_writes == 1 && g->setup.base) {
		struct timeval tv = { 0, GOSSIP_BATCH_MSECS * 1000 };
		if (!g->flush_timer)
			g->flush_timer = evtimer_new(g->setup.base, on_flush_timer, g);
		if (!g->flush_timer)
			abort();
		evtimer_add(g->flush_timer, &tv);
	}
	return w;
}

static uint64_t append_msg(struct gossip *g, enum write_kind kind, const uint8_t *msg,
			   size_t len, struct gossip_write **out)
{
	uint64_t id = g->next_id++;
	struct gossip_write *w = append(g, kind, id);

	w->msg = oh_memdup(msg, len);
	w->len = len;
	*out = w;
	return id;
}

uint64_t gossip_write_channel(struct gossip *g, struct short_channel_id scid, const uint8_t *msg,
			      size_t len, uint64_t amount_sat, const struct bitcoin_txid *txid)
{
	struct gossip_write *w;
	uint64_t id = append_msg(g, WRITE_CHANNEL, msg, len, &w);

	w->scid = scid;
	w->amount_sat = amount_sat;
	w->txid = *txid;
	return id;
}

uint64_t gossip_write_update(struct gossip *g, struct short_channel_id scid, const uint8_t *msg,
			     size_t len)
{
	struct gossip_write *w;
	uint64_t id = append_msg(g, WRITE_UPDATE, msg, len, &w);

	w->scid = scid;
	return id;
}

uint64_t gossip_write_node(struct gossip *g, const uint8_t node_id[PUBKEY_CMPR_LEN],
			   const uint8_t *msg, size_t len)
{
	struct gossip_write *w;
	uint64_t id = append_msg(g, WRITE_NODE, msg, len, &w);

	memcpy(w->node_id, node_id, PUBKEY_CMPR_LEN);
	return id;
}

void gossip_write_delete(struct gossip *g, uint64_t id)
{
	/* Not written yet: then it never is. */
	for (size_t i = 0; i < g->num_writes; i++) {
		struct gossip_write *w = &g->writes[i];
		if (w->id == id && w->kind != WRITE_DELETE && w->kind != WRITE_NONE) {
			free(w->msg);
			w->msg = NULL;
			w->kind = WRITE_NONE;
			return;
		}
	}
	append(g, WRITE_DELETE, id);
}

static bool apply(struct db *db, const struct gossip_write *w)
{
	switch (w->kind) {
	case WRITE_NONE:
		return true;
	case WRITE_CHANNEL:
		return gossip_store_add_channel(db, w->id, w->scid, w->msg, w->len, w->amount_sat,
						&w->txid);
	case WRITE_UPDATE:
		return gossip_store_add_update(db, w->id, w->scid, w->msg, w->len);
	case WRITE_NODE:
		return gossip_store_add_node(db, w->id, w->node_id, w->msg, w->len);
	case WRITE_DELETE:
		return gossip_store_delete(db, w->id);
	}
	return false;
}

static void clear(struct gossip *g)
{
	for (size_t i = 0; i < g->num_writes; i++)
		free(g->writes[i].msg);
	g->num_writes = 0;
	if (g->flush_timer)
		evtimer_del(g->flush_timer);
}

static bool flush(struct gossip *g, bool is_own_transaction)
{
	struct db *db = g->setup.db;
	bool ok = true;

	if (g->num_writes == 0)
		return true;
	if (is_own_transaction && !db_begin(db))
		ok = false;
	for (size_t i = 0; i < g->num_writes && ok; i++)
		ok = apply(db, &g->writes[i]);
	if (ok && is_own_transaction)
		ok = db_commit(db);
	if (!ok) {
		log_broken(g->setup.log, "gossip", "cannot write %zu gossip rows: %s",
			   g->num_writes, db_errmsg(db));
		if (is_own_transaction)
			db_rollback(db);
	}
	clear(g);
	return ok;
}

/* Our own transaction (db_begin commits the channels' group transaction
 * first, if one is open), committed before anything is sent. */
bool gossip_flush(struct gossip *g)
{
	return flush(g, true);
}

bool gossip_flush_into_open(struct gossip *g)
{
	return flush(g, false);
}

bool gossip_read(struct gossip *g, uint64_t id, uint8_t **msg, size_t *len)
{
	for (size_t i = g->num_writes; i-- > 0;) {
		const struct gossip_write *w = &g->writes[i];
		if (w->id != id || w->kind == WRITE_NONE)
			continue;
		if (w->kind == WRITE_DELETE)
			break;
		*msg = oh_memdup(w->msg, w->len);
		*len = w->len;
		return true;
	}
	return gossip_store_get(g->setup.db, id, msg, len);
}

void gossip_batch_free(struct gossip *g)
{
	gossip_flush(g);
	clear(g);
	if (g->flush_timer)
		event_free(g->flush_timer);
	free(g->writes);
}
