/* Invoices in the database, and the requests waiting for them to be paid
 * (see invoices.h). */
#include "daemon/invoices.h"

#include <event2/event.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bitcoin/chainparams.h"
#include "channel/state.h"
#include "common/hex.h"
#include "crypto/hash.h"
#include "crypto/secp.h"
#include "crypto/util.h"
#include "daemon/channels.h"
#include "daemon/config.h"
#include "daemon/jsonrpc.h"
#include "daemon/log.h"
#include "daemon/ohmd.h"
#include "daemon/row_json.h"
#include "db/db.h"
#include "pay/bolt11.h"
#include "wire/features.h"

/* Route hints: at most this many of our channels. */
#define MAX_ROUTE_HINTS 3

/* A request waiting: for one label (waitinvoice) or any payment after
 * lastpay_index (waitanyinvoice). */
struct invoice_waiter {
	struct invoices *owner;
	struct rpc_request *request;
	char *label;			/* NULL: waitanyinvoice */
	uint64_t lastpay_index;
	struct event *timer;		/* expiry (waitinvoice) or timeout */
	struct invoice_waiter *next;
};

struct invoices {
	struct ohmd *ohmd;
	struct invoice_waiter *waiters;
	bool wake_queued;		/* waiters_wake waits for a commit */
};

static const char *const invoice_columns =
	"id, label, payment_hash, preimage, payment_secret, amount_msat, description, bolt11,"
	" created_at, expires_at, status, pay_index, amount_received_msat, paid_at";

struct invoices *invoices_new(struct ohmd *ohmd)
{
	struct invoices *inv = calloc(1, sizeof(*inv));

	if (inv)
		inv->ohmd = ohmd;
	return inv;
}

static void waiter_free(struct invoices *inv, struct invoice_waiter *w)
{
	for (struct invoice_waiter **p = &inv->waiters; *p; p = &(*p)->next) {
		if (*p == w) {
			*p = w->next;
			break;
		}
	}
	if (w->timer)
		event_free(w->timer);
	free(w->label);
	free(w);
}

void invoices_free(struct invoices *inv)
{
	if (!inv)
		return;
	if (inv->wake_queued)
		db_after_commit_cancel(inv->ohmd->db, inv);
	while (inv->waiters) {
		rpc_respond_error(inv->waiters->request, RPC_LIGHTNINGD, "ohmd is shutting down");
		waiter_free(inv, inv->waiters);
	}
	free(inv);
}

static uint64_t now_secs(void)
{
	return (uint64_t)time(NULL);
}

static const char *status_of(sqlite3_stmt *stmt)
{
	const char *status = (const char *)sqlite3_column_text(stmt, 10);

	if (strcmp(status, "paid") == 0)
		return "paid";
	return (uint64_t)sqlite3_column_int64(stmt, 9) <= now_secs() ? "expired" : "unpaid";
}

/* One invoice in Core Lightning's shape. */
static json_t *invoice_json(sqlite3_stmt *stmt)
{
	const char *status = status_of(stmt);
	json_t *obj = json_pack("{s:s, s:s, s:s, s:I, s:I}",
				"label", (const char *)sqlite3_column_text(stmt, 1),
				"description", (const char *)sqlite3_column_text(stmt, 6),
				"status", status,
				"expires_at", (json_int_t)sqlite3_column_int64(stmt, 9),
				"created_index", (json_int_t)sqlite3_column_int64(stmt, 0));

	row_json_hex(obj, "payment_hash", stmt, 2, 32);
	row_json_text(obj, "bolt11", stmt, 7);
	if (sqlite3_column_type(stmt, 5) != SQLITE_NULL)
		json_object_set_new(obj, "amount_msat",
				    json_integer(sqlite3_column_int64(stmt, 5)));
	row_json_hex(obj, "payment_secret", stmt, 4, 32);
	if (strcmp(status, "paid") == 0) {
		json_object_set_new(obj, "pay_index", json_integer(sqlite3_column_int64(stmt, 11)));
		json_object_set_new(obj, "amount_received_msat",
				    json_integer(sqlite3_column_int64(stmt, 12)));
		json_object_set_new(obj, "paid_at", json_integer(sqlite3_column_int64(stmt, 13)));
		row_json_hex(obj, "payment_preimage", stmt, 3, 32);
	}
	return obj;
}

/* The first invoice a query (binding one text or blob at 1) finds, as
 * JSON, or NULL. */
static json_t *query_one(struct invoices *inv, const char *where, const void *key, int key_len)
{
	char sql[400];
	sqlite3_stmt *stmt;
	json_t *obj = NULL;

	snprintf(sql, sizeof(sql), "SELECT %s FROM invoices WHERE %s", invoice_columns, where);
	stmt = db_prepare(inv->ohmd->db, sql);
	if (!stmt)
		return NULL;
	if (key_len < 0)
		sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
	else
		sqlite3_bind_blob(stmt, 1, key, key_len, SQLITE_STATIC);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		obj = invoice_json(stmt);
	sqlite3_reset(stmt);
	return obj;
}

static json_t *by_label(struct invoices *inv, const char *label)
{
	return query_one(inv, "label = ?", label, -1);
}

/* ---- Creating ---- */

struct signer {
	const secp256k1_context *ctx;
	const uint8_t *node_secret;
};

/* Route hints for our private channels: the peer's channel_update says
 * what it charges to forward to us.  Channels that can receive the most
 * come first. */
static void add_route_hints(struct invoices *inv, struct bolt11 *b11)
{
	struct dchannel *chosen[MAX_ROUTE_HINTS];
	uint64_t receivable[MAX_ROUTE_HINTS];
	size_t num = 0;

	for (struct dchannel *dc = channels_next(inv->ohmd->channels, NULL); dc;
	     dc = channels_next(inv->ohmd->channels, dc)) {
		uint64_t can = channel_sendable_msat(dchannel_engine(dc), CHANNEL_REMOTE);
		size_t at;
		if (!dchannel_scid(dc) || !dchannel_remote_update(dc)
		    || channel_get_state(dchannel_engine(dc)) != CHANNEL_NORMAL)
			continue;
		for (at = num; at > 0 && receivable[at - 1] < can; at--)
			;
		if (at >= MAX_ROUTE_HINTS)
			continue;
		for (size_t i = (num < MAX_ROUTE_HINTS ? num : MAX_ROUTE_HINTS - 1); i > at; i--) {
			chosen[i] = chosen[i - 1];
			receivable[i] = receivable[i - 1];
		}
		chosen[at] = dc;
		receivable[at] = can;
		if (num < MAX_ROUTE_HINTS)
			num++;
	}
	for (size_t i = 0; i < num; i++) {
		const struct msg_channel_update *u = dchannel_remote_update(chosen[i]);
		struct bolt11_route_hop hop;
		memcpy(hop.node_id, dchannel_peer_id(chosen[i]), PUBKEY_CMPR_LEN);
		hop.short_channel_id = *dchannel_scid(chosen[i]);
		hop.fee_base_msat = u->fee_base_msat;
		hop.fee_proportional_millionths = u->fee_proportional_millionths;
		hop.cltv_expiry_delta = u->cltv_expiry_delta;
		bolt11_add_route(b11, &hop, 1);
	}
}

static bool label_or_hash_taken(struct invoices *inv, struct rpc_request *request,
				const char *label, const struct sha256 *hash)
{
	json_t *existing = by_label(inv, label);

	if (existing) {
		json_decref(existing);
		rpc_respond_error(request, INVOICE_LABEL_ALREADY_EXISTS, "Duplicate label '%s'",
				  label);
		return true;
	}
	existing = query_one(inv, "payment_hash = ?", hash->u8, 32);
	if (existing) {
		json_decref(existing);
		rpc_respond_error(request, INVOICE_PREIMAGE_ALREADY_EXISTS,
				  "preimage already used");
		return true;
	}
	return false;
}

void invoices_create(struct invoices *inv, struct rpc_request *request,
		     const struct invoice_params *params)
{
	struct ohmd *ohmd = inv->ohmd;
	struct bolt11 *b11 = bolt11_new(ohmd->config->chainparams);
	struct featurebits *features = ohm_featurebits(FEATURE_CTX_INVOICE);
	struct privkey node_key;
	struct preimage preimage;
	struct sha256 hash;
	char err[BOLT11_ERROR_LEN], hash_hex[65], secret_hex[65];
	char *encoded = NULL;
	sqlite3_stmt *stmt;
	uint64_t now = now_secs();
	int64_t id;
	bool ok;

	if (params->preimage)
		memcpy(preimage.r, params->preimage, 32);
	else
		crypto_random_bytes(preimage.r, 32);
	sha256(&hash, preimage.r, 32);
	if (label_or_hash_taken(inv, request, params->label, &hash))
		goto out;

	b11->has_amount = params->has_amount;
	b11->amount_msat = params->amount_msat;
	b11->timestamp = now;
	b11->payment_hash = hash;
	crypto_random_bytes(b11->payment_secret.data, sizeof(b11->payment_secret.data));
	bolt11_set_description(b11, params->description, strlen(params->description));
	b11->expiry = params->expiry_secs;
	b11->min_final_cltv_expiry_delta = ohmd->config->cltv_final;
	featurebits_free(b11->features);
	b11->features = features;
	features = NULL;
	for (size_t i = 0; i < params->num_fallbacks; i++) {
		const uint8_t *s = params->fallback_scripts[i];
		size_t len = params->fallback_lens[i];
		/* A witness program: OP_n, then its push. */
		bolt11_add_fallback(b11, s[0] == 0 ? 0 : (uint8_t)(s[0] - 0x50), s + 2, len - 2);
	}
	add_route_hints(inv, b11);
	memcpy(node_key.secret.data, ohmd->node_secret, sizeof(node_key.secret.data));
	ok = bolt11_encode_with_key(ohmd->secp, &encoded, err, b11, &node_key);
	crypto_wipe(&node_key, sizeof(node_key));
	if (!ok) {
		rpc_respond_error(request, RPC_INTERNAL_ERROR, "cannot encode the invoice: %s", err);
		goto out;
	}

	/* Its own transaction: committed before we answer with the invoice. */
	stmt = db_begin(ohmd->db) ? db_prepare(ohmd->db,
		"INSERT INTO invoices (label, payment_hash, preimage, payment_secret, amount_msat,"
		" description, bolt11, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
		: NULL;
	if (!stmt) {
		db_rollback(ohmd->db);
		rpc_respond_error(request, RPC_INTERNAL_ERROR, "cannot store the invoice: %s",
				  db_errmsg(ohmd->db));
		goto out;
	}
	sqlite3_bind_text(stmt, 1, params->label, -1, SQLITE_STATIC);
	sqlite3_bind_blob(stmt, 2, hash.u8, 32, SQLITE_STATIC);
	sqlite3_bind_blob(stmt, 3, preimage.r, 32, SQLITE_STATIC);
	sqlite3_bind_blob(stmt, 4, b11->payment_secret.data, 32, SQLITE_STATIC);
	if (params->has_amount)
		sqlite3_bind_int64(stmt, 5, (sqlite3_int64)params->amount_msat);
	else
		sqlite3_bind_null(stmt, 5);
	sqlite3_bind_text(stmt, 6, params->description, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 7, encoded, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 8, (sqlite3_int64)now);
	sqlite3_bind_int64(stmt, 9, (sqlite3_int64)(now + params->expiry_secs));
	ok = sqlite3_step(stmt) == SQLITE_DONE;
	sqlite3_reset(stmt);
	id = sqlite3_last_insert_rowid(sqlite3_db_handle(stmt));
	if (!ok || !db_commit(ohmd->db)) {
		rpc_respond_error(request, RPC_INTERNAL_ERROR, "cannot store the invoice: %s",
				  db_errmsg(ohmd->db));
		db_rollback(ohmd->db);
		goto out;
	}
	rpc_respond(request, json_pack("{s:s, s:I, s:s, s:s, s:I}",
		"payment_hash", hex_encode(hash_hex, hash.u8, 32),
		"expires_at", (json_int_t)(now + params->expiry_secs),
		"bolt11", encoded,
		"payment_secret", hex_encode(secret_hex, b11->payment_secret.data, 32),
		"created_index", (json_int_t)id));
out:
	crypto_wipe(&preimage, sizeof(preimage));
	featurebits_free(features);
	bolt11_free(b11);
	free(encoded);
}

/* ---- Listing and deleting ---- */

json_t *invoices_list_json(struct invoices *inv, const char *label, const char *bolt11,
			   const uint8_t *payment_hash)
{
	char sql[400];
	sqlite3_stmt *stmt;
	json_t *list = json_array();

	snprintf(sql, sizeof(sql), "SELECT %s FROM invoices WHERE (?1 IS NULL OR label = ?1)"
		 " AND (?2 IS NULL OR bolt11 = ?2) AND (?3 IS NULL OR payment_hash = ?3)"
		 " ORDER BY id", invoice_columns);
	stmt = db_prepare(inv->ohmd->db, sql);
	if (!stmt)
		return list;
	if (label)
		sqlite3_bind_text(stmt, 1, label, -1, SQLITE_STATIC);
	if (bolt11)
		sqlite3_bind_text(stmt, 2, bolt11, -1, SQLITE_STATIC);
	if (payment_hash)
		sqlite3_bind_blob(stmt, 3, payment_hash, 32, SQLITE_STATIC);
	while (sqlite3_step(stmt) == SQLITE_ROW)
		json_array_append_new(list, invoice_json(stmt));
	sqlite3_reset(stmt);
	return list;
}

void invoices_delete(struct invoices *inv, struct rpc_request *request, const char *label,
		     const char *status)
{
	json_t *obj = by_label(inv, label);
	const char *now_status;
	sqlite3_stmt *stmt;

	if (!obj) {
		rpc_respond_error(request, INVOICE_NOT_FOUND, "Unknown invoice");
		return;
	}
	now_status = json_string_value(json_object_get(obj, "status"));
	if (strcmp(now_status, status) != 0) {
		rpc_respond_error(request, INVOICE_STATUS_UNEXPECTED,
				  "Invoice status is %s not %s", now_status, status);
		json_decref(obj);
		return;
	}
	stmt = db_prepare(inv->ohmd->db, "DELETE FROM invoices WHERE label = ?");
	if (!stmt) {
		json_decref(obj);
		rpc_respond_error(request, RPC_INTERNAL_ERROR, "%s", db_errmsg(inv->ohmd->db));
		return;
	}
	sqlite3_bind_text(stmt, 1, label, -1, SQLITE_STATIC);
	sqlite3_step(stmt);
	sqlite3_reset(stmt);
	rpc_respond(request, obj);
}

/* ---- Waiting ---- */

static bool waiter_try(struct invoices *inv, struct invoice_waiter *w);
static void wake_after_commit(struct invoices *inv);

static void waiter_timer(evutil_socket_t fd, short events, void *arg)
{
	struct invoice_waiter *w = arg;
	struct invoices *inv = w->owner;

	if (w->label) {
		/* Expired while we waited (or deleted: waiter_try says). */
		if (!waiter_try(inv, w))
			rpc_respond_error(w->request, INVOICE_EXPIRED_DURING_WAIT,
					  "invoice expired during wait");
	} else {
		rpc_respond_error(w->request, INVOICE_WAIT_TIMED_OUT, "Timed out");
	}
	waiter_free(inv, w);
}

/* Answers w if its invoice is settled.  Returns: whether it did. */
static bool waiter_try(struct invoices *inv, struct invoice_waiter *w)
{
	json_t *obj;
	const char *status;

	if (w->label) {
		obj = by_label(inv, w->label);
		if (!obj) {
			rpc_respond_error(w->request, INVOICE_NOT_FOUND, "Unknown invoice");
			return true;
		}
		status = json_string_value(json_object_get(obj, "status"));
		if (strcmp(status, "paid") == 0) {
			rpc_respond(w->request, obj);
			return true;
		}
		if (strcmp(status, "expired") == 0) {
			rpc_respond_error(w->request, INVOICE_EXPIRED_DURING_WAIT,
					  "invoice expired during wait");
			json_decref(obj);
			return true;
		}
		json_decref(obj);
		return false;
	}
	{
		char sql[400];
		sqlite3_stmt *stmt;
		snprintf(sql, sizeof(sql), "SELECT %s FROM invoices WHERE pay_index > ?"
			 " ORDER BY pay_index LIMIT 1", invoice_columns);
		stmt = db_prepare(inv->ohmd->db, sql);
		if (!stmt)
			return false;
		sqlite3_bind_int64(stmt, 1, (sqlite3_int64)w->lastpay_index);
		obj = sqlite3_step(stmt) == SQLITE_ROW ? invoice_json(stmt) : NULL;
		sqlite3_reset(stmt);
		if (!obj)
			return false;
		rpc_respond(w->request, obj);
		return true;
	}
}

static void waiter_add(struct invoices *inv, struct rpc_request *request, const char *label,
		       uint64_t lastpay_index, uint64_t timeout_secs)
{
	struct invoice_waiter *w = calloc(1, sizeof(*w));
	struct timeval tv = {0, 0};

	if (!w) {
		rpc_respond_error(request, RPC_INTERNAL_ERROR, "out of memory");
		return;
	}
	w->owner = inv;
	w->request = request;
	w->label = label ? strdup(label) : NULL;
	w->lastpay_index = lastpay_index;
	/* In a transaction, this connection would read rows not committed
	 * yet: the waiter is tried once they are. */
	if (!db_in_transaction(inv->ohmd->db) && waiter_try(inv, w)) {
		free(w->label);
		free(w);
		return;
	}
	w->next = inv->waiters;
	inv->waiters = w;
	if (db_in_transaction(inv->ohmd->db))
		wake_after_commit(inv);
	if (timeout_secs) {
		w->timer = evtimer_new(inv->ohmd->base, waiter_timer, w);
		tv.tv_sec = (time_t)timeout_secs;
		if (w->timer)
			evtimer_add(w->timer, &tv);
	}
}

void invoices_wait(struct invoices *inv, struct rpc_request *request, const char *label)
{
	json_t *obj = by_label(inv, label);
	uint64_t expires_at, now = now_secs();

	if (!obj) {
		rpc_respond_error(request, INVOICE_NOT_FOUND, "Unknown invoice");
		return;
	}
	expires_at = (uint64_t)json_integer_value(json_object_get(obj, "expires_at"));
	json_decref(obj);
	/* Woken at expiry if not paid by then. */
	waiter_add(inv, request, label, 0, expires_at > now ? expires_at - now + 1 : 1);
}

void invoices_wait_any(struct invoices *inv, struct rpc_request *request,
		       uint64_t lastpay_index, uint64_t timeout_secs)
{
	waiter_add(inv, request, NULL, lastpay_index, timeout_secs);
}

/* The transaction that paid an invoice committed: the waiters it
 * settles are answered (never before: a crash would undo the payment). */
static void waiters_wake(void *arg)
{
	struct invoices *inv = arg;
	struct invoice_waiter *w = inv->waiters, *next;

	inv->wake_queued = false;
	for (; w; w = next) {
		next = w->next;
		if (waiter_try(inv, w))
			waiter_free(inv, w);
	}
}

static void wake_after_commit(struct invoices *inv)
{
	if (inv->wake_queued)
		return;
	inv->wake_queued = true;
	db_after_commit(inv->ohmd->db, waiters_wake, inv);
}

/* ---- Paying ---- */

bool invoices_find(struct invoices *inv, const struct sha256 *payment_hash,
		   struct invoice_match *out)
{
	sqlite3_stmt *stmt = db_prepare(inv->ohmd->db,
		"SELECT id, preimage, payment_secret, amount_msat, status, expires_at"
		" FROM invoices WHERE payment_hash = ?");
	bool found = false;

	if (!stmt)
		return false;
	sqlite3_bind_blob(stmt, 1, payment_hash->u8, 32, SQLITE_STATIC);
	if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_bytes(stmt, 1) == 32) {
		memset(out, 0, sizeof(*out));
		out->id = sqlite3_column_int64(stmt, 0);
		memcpy(out->preimage.r, sqlite3_column_blob(stmt, 1), 32);
		out->has_secret = sqlite3_column_bytes(stmt, 2) == 32;
		if (out->has_secret)
			memcpy(out->payment_secret.data, sqlite3_column_blob(stmt, 2), 32);
		out->has_amount = sqlite3_column_type(stmt, 3) != SQLITE_NULL;
		out->amount_msat = (uint64_t)sqlite3_column_int64(stmt, 3);
		out->is_paid = strcmp((const char *)sqlite3_column_text(stmt, 4), "paid") == 0;
		out->is_expired = !out->is_paid
			&& (uint64_t)sqlite3_column_int64(stmt, 5) <= now_secs();
		found = true;
	}
	sqlite3_reset(stmt);
	return found;
}

bool invoices_mark_paid_db(struct invoices *inv, int64_t *id, uint64_t amount_msat,
			   const uint8_t *keysend_preimage)
{
	struct db *db = inv->ohmd->db;
	sqlite3_stmt *stmt;
	uint64_t now = now_secs();
	bool ok;

	if (keysend_preimage) {
		struct sha256 hash;
		char label[80], hex[65];
		sha256(&hash, keysend_preimage, 32);
		snprintf(label, sizeof(label), "keysend-%s", hex_encode(hex, hash.u8, 32));
		stmt = db_prepare(db, "INSERT INTO invoices (label, payment_hash, preimage,"
				  " description, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)");
		if (!stmt)
			return false;
		sqlite3_bind_text(stmt, 1, label, -1, SQLITE_TRANSIENT);
		sqlite3_bind_blob(stmt, 2, hash.u8, 32, SQLITE_TRANSIENT);
		sqlite3_bind_blob(stmt, 3, keysend_preimage, 32, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 4, "keysend", -1, SQLITE_STATIC);
		sqlite3_bind_int64(stmt, 5, (sqlite3_int64)now);
		sqlite3_bind_int64(stmt, 6, (sqlite3_int64)now);
		ok = sqlite3_step(stmt) == SQLITE_DONE;
		sqlite3_reset(stmt);
		if (!ok)
			return false;
		*id = sqlite3_last_insert_rowid(sqlite3_db_handle(stmt));
	}
	stmt = db_prepare(db, "UPDATE invoices SET status = 'paid', amount_received_msat = ?,"
			  " paid_at = ?, pay_index = (SELECT COALESCE(MAX(pay_index), 0) + 1"
			  " FROM invoices) WHERE id = ? AND status = 'unpaid'");
	if (!stmt)
		return false;
	sqlite3_bind_int64(stmt, 1, (sqlite3_int64)amount_msat);
	sqlite3_bind_int64(stmt, 2, (sqlite3_int64)now);
	sqlite3_bind_int64(stmt, 3, *id);
	ok = sqlite3_step(stmt) == SQLITE_DONE;
	sqlite3_reset(stmt);
	if (ok)
		wake_after_commit(inv);
	return ok;
}
