/* Invoices in the database, and the requests waiting for them to be paid
 * (see invoices.h). */
#include "daemon/htlcs/invoices.h"

#include <event2/event.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bitcoin/chainparams.h"
#include "channel/state.h"
#include "common/alloc.h"
#include "common/hex.h"
#include "crypto/hash.h"
#include "crypto/secp.h"
#include "crypto/util.h"
#include "daemon/channels/channels.h"
#include "daemon/config.h"
#include "daemon/htlcs/invoices_store.h"
#include "daemon/log.h"
#include "daemon/htlcs/htlcs.h"
#include "db/db.h"
#include "pay/bolt11.h"
#include "wire/features.h"

/* Route hints: at most this many of our channels. */
#define MAX_ROUTE_HINTS 3

/* A request waiting: for one label (waitinvoice) or any payment after
 * lastpay_index (waitanyinvoice). */
struct invoice_waiter {
	struct invoices *owner;
	invoice_done_fn done;
	void *arg;
	char *label;			/* NULL: waitanyinvoice */
	uint64_t lastpay_index;
	struct event *timer;		/* expiry (waitinvoice) or timeout */
	struct invoice_waiter *next;
};

struct invoices {
	struct htlcs *htlcs;
	struct invoice_waiter *waiters;
};

struct invoices *invoices_new(struct htlcs *htlcs)
{
	struct invoices *inv = oh_calloc(1, sizeof(*inv));

	inv->htlcs = htlcs;
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
	db_after_commit_cancel(inv->htlcs->db, inv);
	while (inv->waiters) {
		inv->waiters->done(inv->waiters->arg, NULL, INVOICE_ERR_STOPPING,
				   "ohmd is shutting down");
		waiter_free(inv, inv->waiters);
	}
	free(inv);
}

static uint64_t now_secs(void)
{
	return (uint64_t)time(NULL);
}

const char *invoices_status(const struct invoice_row *row)
{
	if (row->is_paid)
		return "paid";
	return row->expires_at <= now_secs() ? "expired" : "unpaid";
}

/* Ends a command with an error. */
static void failed(invoice_done_fn done, void *arg, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void failed(invoice_done_fn done, void *arg, int code, const char *fmt, ...)
{
	char err[1400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, sizeof(err), fmt, ap);
	va_end(ap);
	done(arg, NULL, code, err);
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
	struct chan *chosen[MAX_ROUTE_HINTS];
	uint64_t receivable[MAX_ROUTE_HINTS];
	size_t num = 0;

	for (struct chan *chan = channels_next(inv->htlcs->channels, NULL); chan;
	     chan = channels_next(inv->htlcs->channels, chan)) {
		uint64_t can = channel_sendable_msat(chan_engine(chan), CHANNEL_REMOTE);
		size_t at;
		if (!chan_scid(chan) || !chan_remote_update(chan)
		    || channel_get_state(chan_engine(chan)) != CHANNEL_NORMAL)
			continue;
		for (at = num; at > 0 && receivable[at - 1] < can; at--)
			;
		if (at >= MAX_ROUTE_HINTS)
			continue;
		for (size_t i = (num < MAX_ROUTE_HINTS ? num : MAX_ROUTE_HINTS - 1); i > at; i--) {
			chosen[i] = chosen[i - 1];
			receivable[i] = receivable[i - 1];
		}
		chosen[at] = chan;
		receivable[at] = can;
		if (num < MAX_ROUTE_HINTS)
			num++;
	}
	for (size_t i = 0; i < num; i++) {
		const struct msg_channel_update *u = chan_remote_update(chosen[i]);
		struct bolt11_route_hop hop;
		memcpy(hop.node_id, chan_peer_id(chosen[i]), PUBKEY_CMPR_LEN);
		hop.short_channel_id = *chan_scid(chosen[i]);
		hop.fee_base_msat = u->fee_base_msat;
		hop.fee_proportional_millionths = u->fee_proportional_millionths;
		hop.cltv_expiry_delta = u->cltv_expiry_delta;
		bolt11_add_route(b11, &hop, 1);
	}
}

static bool label_or_hash_taken(struct invoices *inv, const char *label,
				const struct sha256 *hash, invoice_done_fn done, void *arg)
{
	struct invoice_row row;

	if (invoices_store_by_label(inv->htlcs->db, label, &row) == 1) {
		invoice_row_clear(&row);
		failed(done, arg, INVOICE_LABEL_ALREADY_EXISTS, "Duplicate label '%s'", label);
		return true;
	}
	if (invoices_store_by_hash(inv->htlcs->db, hash, &row) == 1) {
		invoice_row_clear(&row);
		failed(done, arg, INVOICE_PREIMAGE_ALREADY_EXISTS, "preimage already used");
		return true;
	}
	return false;
}

void invoices_create(struct invoices *inv, const struct invoice_params *params,
		     invoice_done_fn done, void *arg)
{
	struct htlcs *htlcs = inv->htlcs;
	struct bolt11 *b11 = bolt11_new(htlcs->config->chainparams);
	struct featurebits *features = ohm_featurebits(FEATURE_CTX_INVOICE);
	struct privkey node_key;
	struct preimage preimage;
	struct sha256 hash;
	char err[BOLT11_ERROR_LEN];
	char *encoded = NULL;
	struct invoice_row row;
	uint64_t now = now_secs();
	bool ok;

	if (params->preimage)
		memcpy(preimage.r, params->preimage, 32);
	else
		crypto_random_bytes(preimage.r, 32);
	sha256(&hash, preimage.r, 32);
	if (label_or_hash_taken(inv, params->label, &hash, done, arg))
		goto out;

	b11->has_amount = params->has_amount;
	b11->amount_msat = params->amount_msat;
	b11->timestamp = now;
	b11->payment_hash = hash;
	crypto_random_bytes(b11->payment_secret.data, sizeof(b11->payment_secret.data));
	bolt11_set_description(b11, params->description, strlen(params->description));
	b11->expiry = params->expiry_secs;
	b11->min_final_cltv_expiry_delta = htlcs->config->cltv_final;
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
	memcpy(node_key.secret.data, htlcs->node_secret, sizeof(node_key.secret.data));
	ok = bolt11_encode_with_key(htlcs->secp, &encoded, err, b11, &node_key);
	crypto_wipe(&node_key, sizeof(node_key));
	if (!ok) {
		failed(done, arg, INVOICE_ERR_INTERNAL, "cannot encode the invoice: %s", err);
		goto out;
	}

	/* Its own transaction: committed before we answer with the invoice. */
	row = (struct invoice_row){
		.label = (char *)params->label,
		.description = (char *)params->description,
		.bolt11 = encoded,
		.payment_hash = hash,
		.preimage = preimage,
		.has_secret = true,
		.payment_secret = b11->payment_secret,
		.has_amount = params->has_amount,
		.amount_msat = params->amount_msat,
		.created_at = now,
		.expires_at = now + params->expiry_secs,
		.min_final_cltv = (uint32_t)b11->min_final_cltv_expiry_delta,
	};
	ok = db_begin(htlcs->db) && invoices_store_add(htlcs->db, &row, &row.id)
		&& db_commit(htlcs->db);
	if (ok) {
		done(arg, &row, 0, NULL);
	} else {
		failed(done, arg, INVOICE_ERR_INTERNAL, "cannot store the invoice: %s",
		       db_errmsg(htlcs->db));
		db_rollback(htlcs->db);
	}
	crypto_wipe(&row, sizeof(row));
out:
	crypto_wipe(&preimage, sizeof(preimage));
	featurebits_free(features);
	bolt11_free(b11);
	free(encoded);
}

/* ---- Listing and deleting ---- */

void invoices_list(struct invoices *inv, const char *label, const char *bolt11,
		   const struct sha256 *payment_hash,
		   void (*fn)(void *arg, const struct invoice_row *row), void *arg)
{
	invoices_store_list(inv->htlcs->db, label, bolt11, payment_hash, fn, arg);
}

static void waiters_wake(void *arg);
static void wake_after_commit(struct invoices *inv);

void invoices_delete(struct invoices *inv, const char *label, const char *status,
		     invoice_done_fn done, void *arg)
{
	struct invoice_row row;
	const char *now_status;

	if (invoices_store_by_label(inv->htlcs->db, label, &row) != 1) {
		failed(done, arg, INVOICE_NOT_FOUND, "Unknown invoice");
		return;
	}
	now_status = invoices_status(&row);
	if (strcmp(now_status, status) != 0)
		failed(done, arg, INVOICE_STATUS_UNEXPECTED, "Invoice status is %s not %s",
		       now_status, status);
	else if (!invoices_store_delete(inv->htlcs->db, label))
		failed(done, arg, INVOICE_ERR_INTERNAL, "%s", db_errmsg(inv->htlcs->db));
	else {
		done(arg, &row, 0, NULL);
		/* Its waitinvoice waiters hear "Unknown invoice" now, not at
		 * the expiry (once the deletion is committed). */
		if (db_in_transaction(inv->htlcs->db))
			wake_after_commit(inv);
		else
			waiters_wake(inv);
	}
	invoice_row_clear(&row);
}

/* ---- Waiting ---- */

static bool waiter_try(struct invoices *inv, struct invoice_waiter *w);

static void waiter_timer(evutil_socket_t fd, short events, void *arg)
{
	struct invoice_waiter *w = arg;
	struct invoices *inv = w->owner;

	if (w->label) {
		/* Expired while we waited (or deleted: waiter_try says). */
		if (!waiter_try(inv, w))
			failed(w->done, w->arg, INVOICE_EXPIRED_DURING_WAIT,
			       "invoice expired during wait");
	} else {
		failed(w->done, w->arg, INVOICE_WAIT_TIMED_OUT, "Timed out");
	}
	waiter_free(inv, w);
}

/* Answers w if its invoice is settled.  Returns: whether it did. */
static bool waiter_try(struct invoices *inv, struct invoice_waiter *w)
{
	struct invoice_row row;
	const char *status;
	bool answered = true;

	if (!w->label) {
		if (invoices_store_paid_after(inv->htlcs->db, w->lastpay_index, &row) != 1)
			return false;
		w->done(w->arg, &row, 0, NULL);
		invoice_row_clear(&row);
		return true;
	}
	if (invoices_store_by_label(inv->htlcs->db, w->label, &row) != 1) {
		failed(w->done, w->arg, INVOICE_NOT_FOUND, "Unknown invoice");
		return true;
	}
	status = invoices_status(&row);
	if (strcmp(status, "paid") == 0)
		w->done(w->arg, &row, 0, NULL);
	else if (strcmp(status, "expired") == 0)
		failed(w->done, w->arg, INVOICE_EXPIRED_DURING_WAIT, "invoice expired during wait");
	else
		answered = false;
	invoice_row_clear(&row);
	return answered;
}

static void waiter_add(struct invoices *inv, const char *label, uint64_t lastpay_index,
		       uint64_t timeout_secs, invoice_done_fn done, void *arg)
{
	struct invoice_waiter *w = oh_calloc(1, sizeof(*w));
	struct timeval tv = {0, 0};

	w->owner = inv;
	w->done = done;
	w->arg = arg;
	w->label = label ? oh_strdup(label) : NULL;
	w->lastpay_index = lastpay_index;
	/* In a transaction, this connection would read rows not committed
	 * yet: the waiter is tried once they are. */
	if (!db_in_transaction(inv->htlcs->db) && waiter_try(inv, w)) {
		free(w->label);
		free(w);
		return;
	}
	w->next = inv->waiters;
	inv->waiters = w;
	if (db_in_transaction(inv->htlcs->db))
		wake_after_commit(inv);
	if (timeout_secs) {
		w->timer = evtimer_new(inv->htlcs->base, waiter_timer, w);
		tv.tv_sec = (time_t)timeout_secs;
		if (w->timer)
			evtimer_add(w->timer, &tv);
	}
}

void invoices_wait(struct invoices *inv, const char *label, invoice_done_fn done, void *arg)
{
	struct invoice_row row;
	uint64_t expires_at, now = now_secs();

	if (invoices_store_by_label(inv->htlcs->db, label, &row) != 1) {
		failed(done, arg, INVOICE_NOT_FOUND, "Unknown invoice");
		return;
	}
	expires_at = row.expires_at;
	invoice_row_clear(&row);
	/* Woken at expiry if not paid by then. */
	waiter_add(inv, label, 0, expires_at > now ? expires_at - now + 1 : 1, done, arg);
}

void invoices_wait_any(struct invoices *inv, uint64_t lastpay_index, uint64_t timeout_secs,
		       invoice_done_fn done, void *arg)
{
	waiter_add(inv, NULL, lastpay_index, timeout_secs, done, arg);
}

/* The transaction that paid an invoice committed: the waiters it
 * settles are answered (never before: a crash would undo the payment). */
static void waiters_wake(void *arg)
{
	struct invoices *inv = arg;
	struct invoice_waiter *w = inv->waiters, *next;

	for (; w; w = next) {
		next = w->next;
		if (waiter_try(inv, w))
			waiter_free(inv, w);
	}
}

static void wake_after_commit(struct invoices *inv)
{
	db_after_commit(inv->htlcs->db, waiters_wake, inv);
}

/* ---- Paying ---- */

bool invoices_find(struct invoices *inv, const struct sha256 *payment_hash,
		   struct invoice_match *out)
{
	struct invoice_terms terms;

	if (invoices_store_terms(inv->htlcs->db, payment_hash, &terms) != 1)
		return false;
	*out = (struct invoice_match){
		.id = terms.id,
		.preimage = terms.preimage,
		.payment_secret = terms.payment_secret,
		.has_secret = terms.has_secret,
		.has_amount = terms.has_amount,
		.amount_msat = terms.amount_msat,
		.is_paid = terms.is_paid,
		.is_expired = !terms.is_paid && terms.expires_at <= now_secs(),
		.min_final_cltv = terms.min_final_cltv,
	};
	crypto_wipe(&terms, sizeof(terms));
	return true;
}

bool invoices_mark_paid_db(struct invoices *inv, int64_t *id, uint64_t amount_msat,
			   uint64_t parts, const uint8_t *keysend_preimage)
{
	struct db *db = inv->htlcs->db;
	uint64_t now = now_secs();

	if (keysend_preimage) {
		struct preimage preimage;
		bool ok;
		memcpy(preimage.r, keysend_preimage, sizeof(preimage.r));
		ok = invoices_store_add_keysend(db, &preimage, now, id);
		crypto_wipe(&preimage, sizeof(preimage));
		if (!ok)
			return false;
	}
	if (!invoices_store_mark_paid(db, *id, amount_msat, parts, now))
		return false;
	wake_after_commit(inv);
	return true;
}
