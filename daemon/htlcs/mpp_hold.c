/* Holding the parts of multi-part payments to us (see mpp_hold.h). */
#include "daemon/htlcs/mpp_hold.h"

#include <event2/event.h>
#include <stdlib.h>
#include <time.h>

#include "channel/state.h"
#include "common/alloc.h"
#include "common/hex.h"
#include "crypto/util.h"
#include "daemon/channels/channels.h"
#include "daemon/config.h"
#include "daemon/htlcs/htlcs.h"
#include "daemon/htlcs/invoices.h"
#include "daemon/log.h"
#include "daemon/onchain/resolvers.h"
#include "pay/mpp.h"
#include "pay/onion_error.h"

struct mpp_hold {
	struct htlcs *htlcs;
	mpp_hold_fail_fn fail;
	void *arg;
	struct mpp_sets *sets;
	struct event *timer;		/* at the earliest set's deadline */
};

static uint64_t now_secs(void)
{
	return (uint64_t)time(NULL);
}

static void expire(evutil_socket_t fd, short events, void *arg);

struct mpp_hold *mpp_hold_new(struct htlcs *htlcs, mpp_hold_fail_fn fail, void *arg)
{
	struct mpp_hold *hold = oh_calloc(1, sizeof(*hold));
	unsigned timeout = htlcs->config->dev_mpp_timeout_secs;

	hold->htlcs = htlcs;
	hold->fail = fail;
	hold->arg = arg;
	hold->sets = mpp_sets_new(timeout ? timeout : MPP_TIMEOUT_SECS);
	hold->timer = evtimer_new(htlcs->base, expire, hold);
	return hold;
}

void mpp_hold_free(struct mpp_hold *hold)
{
	if (!hold)
		return;
	if (hold->timer)
		event_free(hold->timer);
	mpp_sets_free(hold->sets);
	free(hold);
}

bool mpp_hold_has(const struct mpp_hold *hold, const struct sha256 *payment_hash)
{
	return mpp_sets_has(hold->sets, payment_hash);
}

static void rearm(struct mpp_hold *hold)
{
	uint64_t deadline, now = now_secs();
	struct timeval tv = {0, 0};

	if (!hold->timer)
		return;
	evtimer_del(hold->timer);
	if (!mpp_sets_next_deadline(hold->sets, &deadline))
		return;
	tv.tv_sec = deadline > now ? (time_t)(deadline - now) : 0;
	evtimer_add(hold->timer, &tv);
}

static void fail_all(struct mpp_hold *hold, const struct mpp_outcome *out)
{
	char hash[65];

	log_info(hold->htlcs->log, "pay", "failing the %zu parts of payment %s: %s",
		 out->num_parts, hex_encode(hash, out->payment_hash.u8, 32), out->why);
	for (size_t i = 0; i < out->num_parts; i++) {
		const struct mpp_part *p = &out->parts[i];
		struct chan *chan = channels_by_dbid(hold->htlcs->channels, p->channel);
		/* Its channel away, the engine refuses: the HTLC is decided
		 * afresh when it is back (payflow_channel_usable). */
		if (chan)
			hold->fail(hold->arg, chan, p->htlc_id, &p->shared_secret, out->failcode,
				   out->why);
	}
}

/* The set's invoice, paid in the step of its first fulfill. */
struct paid_set {
	struct invoices *invoices;
	int64_t invoice_id;
	uint64_t received_msat;
	size_t num_parts;
	bool is_stored;
};

static bool store_set_paid(void *arg, uint64_t htlc_id)
{
	struct paid_set *p = arg;

	if (p->is_stored)
		return true;
	p->is_stored = true;
	return invoices_mark_paid_db(p->invoices, &p->invoice_id, p->received_msat, p->num_parts,
				     NULL);
}

/* BOLT #4:
 *     - if it fulfills any HTLCs in the HTLC set:
 *        - MUST fulfill the entire HTLC set.
 *
 * Every fulfill is applied in this turn, so they and
 * the invoice's row share the group transaction; a part whose channel is
 * away now is fulfilled when it is back (its invoice then paid). */
static void fulfill_all(struct mpp_hold *hold, struct mpp_outcome *out)
{
	struct invoice_match invoice;
	struct paid_set paid = {hold->htlcs->invoices, 0, out->received_msat, out->num_parts,
				false};
	char hash[65];

	hex_encode(hash, out->payment_hash.u8, 32);
	/* Deleted, or expired unpaid, while its parts waited. */
	if (!invoices_find(hold->htlcs->invoices, &out->payment_hash, &invoice)
	    || invoice.is_expired) {
		out->failcode = ONION_FAILURE_INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS;
		out->why = "invoice gone or expired";
		fail_all(hold, out);
		crypto_wipe(&invoice, sizeof(invoice));
		return;
	}
	paid.invoice_id = invoice.id;
	paid.is_stored = invoice.is_paid;
	for (size_t i = 0; i < out->num_parts; i++) {
		const struct mpp_part *p = &out->parts[i];
		struct chan *chan = channels_by_dbid(hold->htlcs->channels, p->channel);
		char err[300];
		/* BOLT #5: on a closed channel the HTLC's output is claimed
		 * with the preimage (the invoice's, stored). */
		if (chan && channel_get_state(chan_engine(chan)) == CHANNEL_ONCHAIN
		    && hold->htlcs->resolvers) {
			if (!resolvers_add_preimage(hold->htlcs->resolvers, p->channel,
						    &invoice.preimage, err, sizeof(err)))
				log_unusual(hold->htlcs->log, "pay", "cannot claim HTLC %llu on "
					    "chain: %s", (unsigned long long)p->htlc_id, err);
			continue;
		}
		/* The engine refuses while the channel is away (it is
		 * fulfilled when back). */
		if (chan && chan_fulfill(chan, p->htlc_id, &invoice.preimage, store_set_paid, &paid))
			chan_log_committed(chan, "pay", "paid: HTLC %llu of %llu msat, part %zu of %zu "
					   "(%llu msat in all) of payment %s",
					   (unsigned long long)p->htlc_id,
					   (unsigned long long)p->amount_msat, i + 1, out->num_parts,
					   (unsigned long long)out->received_msat, hash);
		else
			log_unusual(hold->htlcs->log, "pay", "payment %s: HTLC %llu is fulfilled "
				    "once its channel can take it", hash,
				    (unsigned long long)p->htlc_id);
	}
	crypto_wipe(&invoice, sizeof(invoice));
}

void mpp_hold_add(struct mpp_hold *hold, const struct mpp_hold_part *part)
{
	struct mpp_part p = {
		.channel = chan_dbid(part->chan),
		.htlc_id = part->htlc->h.id,
		.amount_msat = part->htlc->h.amount_msat,
		.amt_to_forward_msat = part->amt_to_forward_msat,
		.shared_secret = *part->shared_secret,
	};
	struct mpp_outcome out;
	char hash[65];

	switch (mpp_sets_add(hold->sets, &part->htlc->h.payment_hash, part->total_msat, &p,
			     now_secs(), &out)) {
	case MPP_HOLD:
		log_info(hold->htlcs->log, "pay", "holding HTLC %llu (%llu msat) of payment %s "
			 "until %llu msat arrived", (unsigned long long)p.htlc_id,
			 (unsigned long long)p.amt_to_forward_msat,
			 hex_encode(hash, part->htlc->h.payment_hash.u8, 32),
			 (unsigned long long)part->total_msat);
		rearm(hold);
		break;
	case MPP_ALREADY_HELD:
		break;
	case MPP_FULFILL_ALL:
		fulfill_all(hold, &out);
		mpp_outcome_clear(&out);
		rearm(hold);
		break;
	case MPP_FAIL_ALL:
		fail_all(hold, &out);
		mpp_outcome_clear(&out);
		rearm(hold);
		break;
	}
	crypto_wipe(&p, sizeof(p));
}

static void expire(evutil_socket_t fd, short events, void *arg)
{
	struct mpp_hold *hold = arg;
	struct mpp_outcome out;

	while (mpp_sets_expire(hold->sets, now_secs(), &out)) {
		fail_all(hold, &out);
		mpp_outcome_clear(&out);
	}
	rearm(hold);
}
