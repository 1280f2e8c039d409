/* The final node's HTLC sets (see mpp.h). */
#include "pay/mpp.h"

#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "crypto/util.h"
#include "pay/onion_error.h"

/* The parts held for one payment_hash. */
struct mpp_set {
	struct sha256 payment_hash;
	uint64_t total_msat;
	uint64_t deadline;
	uint64_t counted_msat;		/* the parts' amt_to_forward, summed */
	uint64_t received_msat;
	struct mpp_part *parts;
	size_t num_parts, max_parts;
};

/* A few sets at a time, each of a few parts: arrays searched in order. */
struct mpp_sets {
	uint64_t timeout_secs;
	struct mpp_set *sets;
	size_t num, max;
};

void mpp_outcome_clear(struct mpp_outcome *out)
{
	if (out->parts)
		crypto_wipe(out->parts, out->num_parts * sizeof(*out->parts));
	free(out->parts);
	out->parts = NULL;
	out->num_parts = 0;
}

struct mpp_sets *mpp_sets_new(uint64_t timeout_secs)
{
	struct mpp_sets *sets = oh_calloc(1, sizeof(*sets));

	sets->timeout_secs = timeout_secs;
	return sets;
}

void mpp_sets_free(struct mpp_sets *sets)
{
	if (!sets)
		return;
	for (size_t i = 0; i < sets->num; i++) {
		crypto_wipe(sets->sets[i].parts, sets->sets[i].num_parts * sizeof(struct mpp_part));
		free(sets->sets[i].parts);
	}
	free(sets->sets);
	free(sets);
}

static struct mpp_set *find(const struct mpp_sets *sets, const struct sha256 *payment_hash)
{
	for (size_t i = 0; i < sets->num; i++)
		if (memcmp(sets->sets[i].payment_hash.u8, payment_hash->u8, 32) == 0)
			return &sets->sets[i];
	return NULL;
}

static void append(struct mpp_set *set, const struct mpp_part *part)
{
	if (set->num_parts == set->max_parts) {
		set->max_parts = set->max_parts ? 2 * set->max_parts : 4;
		set->parts = oh_realloc(set->parts, set->max_parts * sizeof(*set->parts));
	}
	set->parts[set->num_parts++] = *part;
	set->counted_msat += part->amt_to_forward_msat;
	set->received_msat += part->amount_msat;
}

/* Removes set from sets, handing its parts to out. */
static void let_go(struct mpp_sets *sets, struct mpp_set *set, struct mpp_outcome *out,
		   uint16_t failcode, const char *why)
{
	*out = (struct mpp_outcome){
		.payment_hash = set->payment_hash,
		.parts = set->parts,
		.num_parts = set->num_parts,
		.received_msat = set->received_msat,
		.failcode = failcode,
		.why = why,
	};
	*set = sets->sets[--sets->num];
}

/* A set of one part, let go at once (not kept). */
static void single(struct mpp_outcome *out, const struct sha256 *payment_hash,
		   const struct mpp_part *part, uint16_t failcode, const char *why)
{
	*out = (struct mpp_outcome){
		.payment_hash = *payment_hash,
		.parts = oh_memdup(part, sizeof(*part)),
		.num_parts = 1,
		.received_msat = part->amount_msat,
		.failcode = failcode,
		.why = why,
	};
}

enum mpp_verdict mpp_sets_add(struct mpp_sets *sets, const struct sha256 *payment_hash,
			      uint64_t total_msat, const struct mpp_part *part, uint64_t now,
			      struct mpp_outcome *out)
{
	struct mpp_set *set = find(sets, payment_hash);

	if (!set) {
		/* BOLT #4:
		 *     - if the total `amt_to_forward` of this HTLC set is equal to or greater
		 *       than `total_msat`:
		 *       - SHOULD fulfill all HTLCs in the HTLC set
		 *
		 * (here, one). */
		if (part->amt_to_forward_msat >= total_msat) {
			single(out, payment_hash, part, 0, "complete");
			return MPP_FULFILL_ALL;
		}
		if (sets->num == sets->max) {
			sets->max = sets->max ? 2 * sets->max : 8;
			sets->sets = oh_realloc(sets->sets, sets->max * sizeof(*sets->sets));
		}
		set = &sets->sets[sets->num++];
		*set = (struct mpp_set){
			.payment_hash = *payment_hash,
			.total_msat = total_msat,
			.deadline = now + sets->timeout_secs,
		};
		append(set, part);
		return MPP_HOLD;
	}
	/* The same HTLC decided again (its channel reestablished). */
	for (size_t i = 0; i < set->num_parts; i++)
		if (set->parts[i].channel == part->channel && set->parts[i].htlc_id == part->htlc_id)
			return MPP_ALREADY_HELD;
	append(set, part);
	/* BOLT #4:
	 *     - SHOULD fail the entire HTLC set if `total_msat` is not the same for
	 *       all HTLCs in the set.
	 */
	if (total_msat != set->total_msat) {
		let_go(sets, set, out, ONION_FAILURE_INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS,
		       "parts disagree on total_msat");
		return MPP_FAIL_ALL;
	}
	if (set->counted_msat < set->total_msat)
		return MPP_HOLD;
	let_go(sets, set, out, 0, "complete");
	return MPP_FULFILL_ALL;
}

bool mpp_sets_expire(struct mpp_sets *sets, uint64_t now, struct mpp_outcome *out)
{
	for (size_t i = 0; i < sets->num; i++) {
		/* BOLT #4:
		 *       - MUST fail all HTLCs in the HTLC set after some reasonable timeout.
		 *         - SHOULD wait for at least 60 seconds after the initial HTLC.
		 *         - SHOULD use `mpp_timeout` for the failure message.
		 */
		if (sets->sets[i].deadline <= now) {
			let_go(sets, &sets->sets[i], out, ONION_FAILURE_MPP_TIMEOUT,
			       "multi-part payment timed out");
			return true;
		}
	}
	return false;
}

bool mpp_sets_next_deadline(const struct mpp_sets *sets, uint64_t *deadline)
{
	if (!sets->num)
		return false;
	*deadline = sets->sets[0].deadline;
	for (size_t i = 1; i < sets->num; i++)
		if (sets->sets[i].deadline < *deadline)
			*deadline = sets->sets[i].deadline;
	return true;
}

bool mpp_sets_has(const struct mpp_sets *sets, const struct sha256 *payment_hash)
{
	return find(sets, payment_hash) != NULL;
}

enum mpp_send_verdict mpp_send_check(const struct mpp_sent_part *parts, size_t num,
				     uint64_t partid, uint64_t total_msat,
				     uint64_t *pending_msat)
{
	*pending_msat = 0;
	for (size_t i = 0; i < num; i++) {
		if (parts[i].is_complete)
			return MPP_SEND_ALREADY_PAID;
		if (!parts[i].is_pending)
			continue;
		if ((parts[i].partid == 0) != (partid == 0))
			return MPP_SEND_MIXED;
		if (parts[i].total_msat != total_msat)
			return MPP_SEND_TOTAL_CHANGED;
		*pending_msat += parts[i].delivered_msat;
	}
	/* BOLT #4:
	 *     - MUST NOT send another HTLC if the total `amt_to_forward` of the HTLC set
	 *       is already greater or equal to `total_msat`.
	 */
	if (num && *pending_msat >= total_msat)
		return MPP_SEND_ENOUGH_IN_FLIGHT;
	return MPP_SEND_OK;
}

size_t mpp_sets_count_parts(const struct mpp_sets *sets)
{
	size_t n = 0;

	for (size_t i = 0; i < sets->num; i++)
		n += sets->sets[i].num_parts;
	return n;
}
