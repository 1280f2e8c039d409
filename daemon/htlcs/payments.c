/* Our payments: sending one part (an HTLC with its onion), recording its
 * outcome, sendpay and waitsendpay, and listing (see payments.h).
 * pay/keysend's route choice and retries are in payments_pay.c. */
#include "daemon/htlcs/payments_internal.h"

#include <event2/event.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "channel/state.h"
#include "common/alloc.h"
#include "common/hex.h"
#include "crypto/hash.h"
#include "crypto/secp.h"
#include "crypto/util.h"
#include "daemon/channels/channels.h"
#include "daemon/htlcs/htlc_switch.h"
#include "daemon/htlcs/payflow.h"
#include "daemon/htlcs/payments_store.h"
#include "daemon/htlcs/htlcs.h"
#include "db/db.h"
#include "pay/hop_payload.h"
#include "pay/mpp.h"
#include "pay/onion.h"
#include "pay/onion_error.h"
#include "pay/pathfind.h"
#include "pay/scorer.h"

/* A waitsendpay waiting for one payment part. */
struct waiter {
	struct payments *owner;
	payment_done_fn done;
	void *arg;
	struct sha256 payment_hash;
	uint64_t partid;
	struct event *timer;
	struct waiter *next;
};

/* A sendpay answered once its part's row is committed. */
struct sendpay_answer {
	payment_done_fn done;
	void *arg;
	struct sha256 payment_hash;
	uint64_t partid;
	struct sendpay_answer *next;
};

struct payments *payments_new(struct htlcs *htlcs)
{
	struct payments *payments = oh_calloc(1, sizeof(*payments));

	payments->htlcs = htlcs;
	payments->answers_tail = &payments->answers;
	payments->pathfinder = pathfinder_new();
	payments->scorer = scorer_new(NULL);
	return payments;
}

static void waiter_free(struct payments *payments, struct waiter *w)
{
	for (struct waiter **p = &payments->waiters; *p; p = &(*p)->next) {
		if (*p == w) {
			*p = w->next;
			break;
		}
	}
	if (w->timer)
		event_free(w->timer);
	free(w);
}

void payments_free(struct payments *payments)
{
	if (!payments)
		return;
	while (payments->waiters) {
		payments->waiters->done(payments->waiters->arg, NULL, PAYMENT_ERR_STOPPING,
				  "ohmd is shutting down");
		waiter_free(payments, payments->waiters);
	}
	db_after_commit_cancel(payments->htlcs->db, payments);
	while (payments->answers) {
		struct sendpay_answer *a = payments->answers;
		payments->answers = a->next;
		a->done(a->arg, NULL, PAYMENT_ERR_STOPPING, "ohmd is shutting down");
		free(a);
	}
	payments_pays_free(payments);
	pathfinder_free(payments->pathfinder);
	scorer_free(payments->scorer);
	free(payments);
}

/* ---- Reading payments ---- */

/* Runs fn on the part (payment_hash, partid); false if it is not there. */
bool payments_with_part(struct payments *payments, const struct sha256 *hash, uint64_t partid,
			void (*fn)(void *arg, const struct payment_row *row), void *arg)
{
	return payments_store_part(payments->htlcs->db, hash, partid, fn, arg) == 1;
}

/* ---- Sending one part ---- */

struct part {
	struct payments *payments;
	const struct sendpay_params *params;
	int64_t channel;
	const struct secret *secrets;
	const char *route_json;
};

/* The part's row, in the step that offers its HTLC; and the HTLC's
 * owner, in memory until it resolves. */
static bool store_part(void *arg, uint64_t htlc_id)
{
	struct part *part = arg;
	const struct sendpay_params *p = part->params;
	struct payments_part row = {
		.payment_hash = p->payment_hash,
		.partid = p->partid,
		.groupid = p->groupid,
		.destination = p->route[p->num_hops - 1].node_id,
		.amount_msat = p->amount_msat,
		.amount_sent_msat = p->route[0].amount_msat,
		.created_at = (int64_t)time(NULL),
		.label = p->label,
		.bolt11 = p->bolt11,
		.channel = part->channel,
		.htlc_id = htlc_id,
		.secrets = part->secrets,
		.num_hops = p->num_hops,
		.route_json = part->route_json,
	};
	struct switch_origin origin = {
		.is_forward = false,
		.payment_hash = p->payment_hash,
		.partid = p->partid,
	};

	if (!payments_store_add_part(part->payments->htlcs->db, &row, &origin.id))
		return false;
	switch_origins_add(payflow_origins(part->payments->htlcs->payflow), part->channel, htlc_id, 0,
			   &origin);
	return true;
}

static char *route_json_text(const struct route_hop *route, size_t num_hops)
{
	json_t *list = json_array();
	char *text;

	for (size_t i = 0; i < num_hops; i++) {
		char id[67], scid[SHORT_CHANNEL_ID_STR_MAX];
		json_array_append_new(list, json_pack(
			"{s:s, s:s, s:I, s:i}",
			"id", hex_encode(id, route[i].node_id, PUBKEY_CMPR_LEN),
			"channel", short_channel_id_to_str(scid, &route[i].scid),
			"amount_msat", (json_int_t)route[i].amount_msat,
			"delay", (int)route[i].delay));
	}
	text = json_dumps(list, JSON_COMPACT);
	json_decref(list);
	return text;
}

/* The payload hop i reads: where to forward, or (last) what it is paid. */
static bool build_payloads(struct payments *payments, struct wirebuf **payloads,
			   const struct sendpay_params *p, const uint8_t *keysend_preimage)
{
	for (size_t i = 0; i < p->num_hops; i++) {
		struct hop_payload payload;
		bool is_last = i + 1 == p->num_hops;
		const struct route_hop *next = is_last ? &p->route[i] : &p->route[i + 1];
		hop_payload_init(&payload);
		payload.has_amt_to_forward = true;
		payload.amt_to_forward_msat = next->amount_msat;
		payload.has_outgoing_cltv_value = true;
		payload.outgoing_cltv_value = next->delay;
		if (!is_last) {
			payload.has_short_channel_id = true;
			payload.short_channel_id = next->scid;
		} else if (p->has_payment_secret) {
			payload.has_payment_data = true;
			payload.payment_secret = p->payment_secret;
			payload.payment_data_total_msat = p->amount_msat;
		}
		if (is_last && keysend_preimage) {
			payload.has_keysend_preimage = true;
			memcpy(payload.keysend_preimage.r, keysend_preimage, 32);
		}
		payloads[i] = wirebuf_new();
		hop_payload_towire(payments->htlcs->secp, payloads[i], &payload);
		hop_payload_clear(&payload);
	}
	return true;
}

/* Sends one part.  Returns: 0, or an error code with err. */
int payments_send_part(struct payments *payments, const struct sendpay_params *p,
		       const uint8_t *keysend_preimage, char *err, size_t errlen)
{
	struct chan *first = channels_by_scid(payments->htlcs->channels, &p->route[0].scid);
	struct wirebuf *payloads[ROUTE_MAX_HOPS] = {0};
	struct onion_hop hops[ROUTE_MAX_HOPS];
	struct secret secrets[ROUTE_MAX_HOPS];
	uint8_t packet[ONION_PACKET_LEN];
	struct privkey session;
	struct part part = {payments, p, 0, secrets, NULL};
	uint64_t htlc_id;
	int code = 0;
	char why[300];

	if (!first || memcmp(chan_peer_id(first), p->route[0].node_id, PUBKEY_CMPR_LEN) != 0) {
		snprintf(err, errlen, "First peer not ready: no channel %s with that peer",
			 "in route[0]");
		return PAY_TRY_OTHER_ROUTE;
	}
	if (!build_payloads(payments, payloads, p, keysend_preimage)) {
		snprintf(err, errlen, "cannot build the payloads");
		code = PAYMENT_ERR_INTERNAL;
		goto out;
	}
	for (size_t i = 0; i < p->num_hops; i++) {
		if (!pubkey_parse(payments->htlcs->secp, &hops[i].node_id, p->route[i].node_id)) {
			snprintf(err, errlen, "route[%zu]: id is not a valid node id", i);
			code = PAYMENT_ERR_INVALID;
			goto out;
		}
		hops[i].payload = payloads[i]->data;
		hops[i].payload_len = payloads[i]->len;
	}
	privkey_generate(payments->htlcs->secp, &session);
	if (!onion_create(payments->htlcs->secp, packet, secrets, &session, hops, p->num_hops,
			  p->payment_hash.u8, 32)) {
		crypto_wipe(&session, sizeof(session));
		snprintf(err, errlen, "the route's payloads do not fit in an onion");
		code = PAYMENT_ERR_INVALID;
		goto out;
	}
	crypto_wipe(&session, sizeof(session));
	part.channel = chan_dbid(first);
	part.route_json = route_json_text(p->route, p->num_hops);
	if (!chan_offer(first, p->route[0].amount_msat, &p->payment_hash, p->route[0].delay,
			    packet, store_part, &part, &htlc_id, why, sizeof(why))) {
		snprintf(err, errlen, "First peer not ready: %s", why);
		code = PAY_TRY_OTHER_ROUTE;
	}
	free((char *)part.route_json);
out:
	for (size_t i = 0; i < p->num_hops; i++)
		wirebuf_free(payloads[i]);
	crypto_wipe(secrets, sizeof(secrets));
	return code;
}

/* The state of (hash, partid): "pending", "complete", "failed" or NULL. */
void payments_read_status(void *arg, const struct payment_row *row)
{
	snprintf(arg, 16, "%s", row->status);
}

/* A payments_with_part fn: ends a sendpay with its part. */
static void sendpay_done(void *arg, const struct payment_row *row)
{
	const struct sendpay_answer *a = arg;

	a->done(a->arg, row, 0, NULL);
}

/* The transaction holding the parts sendpay sent committed: answers. */
static void sendpay_answers(void *arg)
{
	struct payments *payments = arg;
	struct sendpay_answer *list = payments->answers;

	payments->answers = NULL;
	payments->answers_tail = &payments->answers;
	while (list) {
		struct sendpay_answer *a = list;
		list = a->next;
		if (!payments_with_part(payments, &a->payment_hash, a->partid, sendpay_done, a))
			a->done(a->arg, NULL, PAYMENT_ERR_INTERNAL, "the payment part was not stored");
		free(a);
	}
}

/* The payment's other parts, as pay/mpp's sending check reads them. */
struct other_parts {
	uint64_t partid;
	struct mpp_sent_part *parts;
	size_t num;
};

static void other_part(void *arg, const struct payment_row *row)
{
	struct other_parts *o = arg;
	json_t *route = row->route_json ? json_loads(row->route_json, 0, NULL) : NULL;
	json_t *last = json_array_get(route, json_array_size(route) - 1);
	json_t *delivered = json_object_get(last, "amount_msat");

	if (row->partid != o->partid) {
		o->parts = oh_realloc(o->parts, (o->num + 1) * sizeof(*o->parts));
		o->parts[o->num++] = (struct mpp_sent_part){
			.partid = row->partid,
			.is_pending = strcmp(row->status, "pending") == 0,
			.is_complete = strcmp(row->status, "complete") == 0,
			.total_msat = row->amount_msat,
			/* Its route's last hop; a route we could not read
			 * delivers what it was meant to (the most). */
			.delivered_msat = json_is_integer(delivered)
				? (uint64_t)json_integer_value(delivered) : row->amount_msat,
		};
	}
	json_decref(route);
}

/* Core Lightning's checks of a part against the payment's others. */
static int check_parts(struct payments *payments, const struct sendpay_params *params,
		       char *err, size_t errlen)
{
	struct other_parts o = {params->partid, NULL, 0};
	uint64_t pending;
	enum mpp_send_verdict verdict;
	int code = 0;

	payments_list(payments, NULL, &params->payment_hash, NULL, other_part, &o);
	verdict = mpp_send_check(o.parts, o.num, params->partid, params->amount_msat, &pending);
	switch (verdict) {
	case MPP_SEND_OK:
		break;
	case MPP_SEND_ALREADY_PAID:
		snprintf(err, errlen, "Already succeeded other parts");
		code = PAY_RHASH_ALREADY_USED;
		break;
	case MPP_SEND_MIXED:
		snprintf(err, errlen, "Already have %s payment in progress",
			 params->partid ? "non-parallel" : "parallel");
		code = PAY_IN_PROGRESS;
		break;
	case MPP_SEND_TOTAL_CHANGED:
		for (size_t i = 0; i < o.num; i++)
			if (o.parts[i].is_pending && o.parts[i].total_msat != params->amount_msat) {
				snprintf(err, errlen, "amount_msat was previously %llu, now %llu",
					 (unsigned long long)o.parts[i].total_msat,
					 (unsigned long long)params->amount_msat);
				break;
			}
		code = PAYMENT_ERR_INVALID;
		break;
	case MPP_SEND_ENOUGH_IN_FLIGHT:
		snprintf(err, errlen, "Already have %llu of %llu msat payments in progress",
			 (unsigned long long)pending, (unsigned long long)params->amount_msat);
		code = PAY_IN_PROGRESS;
		break;
	}
	free(o.parts);
	return code;
}

void payments_sendpay(struct payments *payments, const struct sendpay_params *params,
		      payment_done_fn done, void *arg)
{
	struct sendpay_answer *answer;
	char status[16] = "", err[400];
	int code;

	if (payments_with_part(payments, &params->payment_hash, params->partid, payments_read_status,
			       status)
	    && strcmp(status, "failed") != 0) {
		struct sendpay_answer now = {done, arg, params->payment_hash, params->partid, NULL};
		if (strcmp(status, "complete") == 0) {
			payments_with_part(payments, &params->payment_hash, params->partid, sendpay_done,
					   &now);
		} else {
			snprintf(err, sizeof(err), "Already have %s payment in progress", status);
			done(arg, NULL, PAY_IN_PROGRESS, err);
		}
		return;
	}
	code = check_parts(payments, params, err, sizeof(err));
	if (!code)
		code = payments_send_part(payments, params, NULL, err, sizeof(err));
	if (code) {
		done(arg, NULL, code, err);
		return;
	}
	/* The part is stored in the channels' open transaction: it is news
	 * once that commits (a crash before would undo it). */
	answer = oh_calloc(1, sizeof(*answer));
	answer->done = done;
	answer->arg = arg;
	answer->payment_hash = params->payment_hash;
	answer->partid = params->partid;
	*payments->answers_tail = answer;
	payments->answers_tail = &answer->next;
	db_after_commit(payments->htlcs->db, sendpay_answers, payments);
}

/* ---- Outcomes ---- */

/* Decodes a failed part's error with its shared secrets. */
bool payments_decode_failure(const struct channel_event *ev, const struct secret *secrets,
			     size_t num_hops, size_t *erring_index, struct onion_failure *failure,
			     struct wirebuf *buf)
{
	if (ev->is_malformed) {
		*erring_index = 1;
		onion_failure_init(failure, ev->failure_code);
		return true;
	}
	if (ev->is_withdrawn || !ev->fail_reason_len) {
		*erring_index = 0;
		onion_failure_init(failure, ONION_FAILURE_TEMPORARY_CHANNEL_FAILURE);
		return true;
	}
	/* Index i from onion_error_decode is route hop i, which the route
	 * JSON calls erring_index i + 1 (0 is us). */
	if (!onion_error_decode(buf, erring_index, secrets, num_hops, ev->fail_reason,
				ev->fail_reason_len)
	    || !onion_failure_fromwire(failure, buf->data, buf->len))
		return false;
	(*erring_index)++;
	return true;
}

bool payments_resolved_db(struct payments *payments, struct switch_origin *part,
			  const struct channel_event *ev)
{
	struct secret secrets[ROUTE_MAX_HOPS];
	struct onion_failure failure;
	struct wirebuf *buf;
	struct db *db = payments->htlcs->db;
	int64_t now = (int64_t)time(NULL);
	size_t num = 0, erring = 0;
	int found = payments_store_pending_secrets(db, part->id, secrets, &num);
	bool ok, decoded;

	if (found <= 0) {
		part->id = 0;	/* settled already: nothing to tell */
		return found == 0;
	}
	if (ev->type == CHANNEL_EVENT_HTLC_FULFILLED) {
		crypto_wipe(secrets, sizeof(secrets));
		return payments_store_complete(db, part->id, &ev->preimage, now);
	}
	/* Decoded once, here: the pay waiting on the part gets the result. */
	buf = wirebuf_new();
	decoded = payments_decode_failure(ev, secrets, num, &erring, &failure, buf);
	crypto_wipe(secrets, sizeof(secrets));
	if (decoded) {
		const char *name = onion_failure_name(failure.code);
		ok = payments_store_failed(db, part->id, (int64_t)erring, failure.code,
					   name ? name : "unknown failure code", now);
	} else {
		ok = payments_store_failed(db, part->id, -1, 0, "unreadable error onion", now);
	}
	if (ok)
		payments_pays_part_failed(payments, &part->payment_hash, part->partid,
					  decoded ? (int64_t)erring : -1, decoded ? &failure : NULL);
	wirebuf_free(buf);
	return ok;
}

static void answer_waiter(void *arg, const struct payment_row *row)
{
	struct waiter *w = arg;
	char err[200];

	if (strcmp(row->status, "complete") == 0) {
		w->done(w->arg, row, 0, NULL);
		return;
	}
	snprintf(err, sizeof(err), "failed: %s", row->failreason ? row->failreason : "?");
	w->done(w->arg, row, PAY_TRY_OTHER_ROUTE, err);
}

void payments_resolved(struct payments *payments, const struct switch_origin *part,
		       const struct channel_event *ev)
{
	for (struct waiter *w = payments->waiters, *next; w; w = next) {
		next = w->next;
		if (memcmp(w->payment_hash.u8, part->payment_hash.u8, 32) == 0
		    && w->partid == part->partid) {
			payments_with_part(payments, &part->payment_hash, part->partid, answer_waiter, w);
			waiter_free(payments, w);
		}
	}
	payments_pays_part_done(payments, &part->payment_hash, part->partid, ev);
}

static void waiter_timeout(evutil_socket_t fd, short events, void *arg)
{
	struct waiter *w = arg;

	w->done(w->arg, NULL, PAY_IN_PROGRESS, "Timed out while waiting");
	waiter_free(w->owner, w);
}

void payments_waitsendpay(struct payments *payments, const struct sha256 *payment_hash,
			  uint64_t partid, uint64_t timeout_secs, payment_done_fn done, void *arg)
{
	struct waiter *w;
	char status[16] = "";
	struct timeval tv = {(time_t)timeout_secs, 0};

	if (!payments_with_part(payments, payment_hash, partid, payments_read_status, status)) {
		char err[80];
		snprintf(err, sizeof(err), "Never attempted payment part %llu",
			 (unsigned long long)partid);
		done(arg, NULL, PAY_NO_SUCH_PAYMENT, err);
		return;
	}
	w = oh_calloc(1, sizeof(*w));
	w->owner = payments;
	w->done = done;
	w->arg = arg;
	w->payment_hash = *payment_hash;
	w->partid = partid;
	if (strcmp(status, "pending") != 0) {
		payments_with_part(payments, payment_hash, partid, answer_waiter, w);
		free(w);
		return;
	}
	w->next = payments->waiters;
	payments->waiters = w;
	if (timeout_secs) {
		w->timer = evtimer_new(payments->htlcs->base, waiter_timeout, w);
		if (w->timer)
			evtimer_add(w->timer, &tv);
	}
}

/* ---- Listing ---- */

void payments_list(struct payments *payments, const char *bolt11, const struct sha256 *payment_hash,
		   const char *status, void (*fn)(void *arg, const struct payment_row *row),
		   void *arg)
{
	payments_store_list(payments->htlcs->db, bolt11, payment_hash, status, fn, arg);
}
