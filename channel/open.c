/* open_channel / accept_channel checks and channel_type (see open.h). */
#include "channel/open.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "channel/fee.h"
#include "channel/scripts.h"
#include "wire/features.h"

static bool fail(char why[OPEN_WHY_MAX], const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static bool fail(char why[OPEN_WHY_MAX], const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, OPEN_WHY_MAX, fmt, ap);
	va_end(ap);
	return false;
}

void channel_type_towire(struct wirebuf *out, enum channel_type type)
{
	struct featurebits *bits = featurebits_new();

	featurebits_set(bits, FEATURE_STATIC_REMOTEKEY);
	switch (type) {
	case CHANNEL_TYPE_STATIC_REMOTEKEY:
		break;
	case CHANNEL_TYPE_ANCHORS:
		featurebits_set(bits, FEATURE_ANCHORS);
		break;
	}
	wirebuf_append(out, bits->bytes, bits->len);
	featurebits_free(bits);
}

bool channel_type_fromwire(enum channel_type *out, const uint8_t *bytes,
			   size_t len, char why[OPEN_WHY_MAX])
{
	bool anchors = feature_bit_is_set(bytes, len, FEATURE_ANCHORS);

	for (size_t bit = 0; bit < len * 8; bit++) {
		if (!feature_bit_is_set(bytes, len, bit)
		    || bit == FEATURE_STATIC_REMOTEKEY || bit == FEATURE_ANCHORS)
			continue;
		if (bit == FEATURE_SCID_ALIAS || bit == FEATURE_ZEROCONF)
			return fail(why, "channel_type: %s is not supported",
				    feature_info(bit)->name);
		return fail(why, "channel_type: bit %zu is not a defined "
			    "channel type", bit);
	}
	/* BOLT #2:
	 * The currently defined basic types are:
	 *   - `option_static_remotekey` (bit 12)
	 *   - `option_anchors` and `option_static_remotekey` (bits 22 and 12)
	 */
	if (!feature_bit_is_set(bytes, len, FEATURE_STATIC_REMOTEKEY))
		return fail(why, "channel_type: option_static_remotekey "
			    "(bit 12) is missing");
	*out = anchors ? CHANNEL_TYPE_ANCHORS : CHANNEL_TYPE_STATIC_REMOTEKEY;
	return true;
}

uint64_t open_initial_fee_sat(uint32_t feerate_per_kw, bool option_anchors)
{
	return channel_commitment_fee_sat(feerate_per_kw, 0, option_anchors)
		+ (option_anchors ? 2 * CHANNEL_ANCHOR_OUTPUT_SAT : 0);
}

/* The checks open_channel and accept_channel share ("Other fields have the
 * same requirements as their counterparts in `open_channel`"). */
static bool check_common(const char *msg, const struct channel_config *c,
			 const struct channel_policy *policy,
			 char why[OPEN_WHY_MAX])
{
	/* BOLT #2:
	 *   - `to_self_delay` is unreasonably large.
	 */
	if (c->to_self_delay > policy->max_to_self_delay)
		return fail(why, "%s: to_self_delay %u is above our limit %u",
			    msg, c->to_self_delay, policy->max_to_self_delay);
	/* BOLT #2:
	 *   - `max_accepted_htlcs` is greater than 483.
	 */
	if (c->max_accepted_htlcs > CHANNEL_MAX_ACCEPTED_HTLCS_LIMIT)
		return fail(why, "%s: max_accepted_htlcs %u is greater than 483",
			    msg, c->max_accepted_htlcs);
	/* BOLT #2:
	 *   - `dust_limit_satoshis` is greater than `channel_reserve_satoshis`.
	 */
	if (c->dust_limit_sat > c->channel_reserve_sat)
		return fail(why, "%s: dust_limit_satoshis %" PRIu64
			    " is greater than channel_reserve_satoshis %" PRIu64,
			    msg, c->dust_limit_sat, c->channel_reserve_sat);
	/* BOLT #2:
	 *   - `dust_limit_satoshis` is smaller than `354 satoshis` (see [BOLT 3](03-transactions.md#dust-limits)).
	 */
	if (c->dust_limit_sat < CHANNEL_MIN_DUST_LIMIT_SAT)
		return fail(why, "%s: dust_limit_satoshis %" PRIu64
			    " is smaller than 354", msg, c->dust_limit_sat);
	/* BOLT #2:
	 * The receiving node MAY fail the channel if:
	 *
	 * ... "it considers `dust_limit_satoshis` too large". */
	if (c->dust_limit_sat > policy->max_dust_limit_sat)
		return fail(why, "%s: dust_limit_satoshis %" PRIu64
			    " is above our limit %" PRIu64, msg,
			    c->dust_limit_sat, policy->max_dust_limit_sat);
	return true;
}

void open_config_from_open(struct channel_config *out,
			   const struct msg_open_channel *m)
{
	memset(out, 0, sizeof(*out));
	out->dust_limit_sat = m->dust_limit_satoshis;
	out->max_htlc_value_in_flight_msat = m->max_htlc_value_in_flight_msat;
	out->channel_reserve_sat = m->channel_reserve_satoshis;
	out->htlc_minimum_msat = m->htlc_minimum_msat;
	out->to_self_delay = m->to_self_delay;
	out->max_accepted_htlcs = m->max_accepted_htlcs;
}

void open_config_from_accept(struct channel_config *out,
			     const struct msg_accept_channel *m)
{
	memset(out, 0, sizeof(*out));
	out->dust_limit_sat = m->dust_limit_satoshis;
	out->max_htlc_value_in_flight_msat = m->max_htlc_value_in_flight_msat;
	out->channel_reserve_sat = m->channel_reserve_satoshis;
	out->htlc_minimum_msat = m->htlc_minimum_msat;
	out->to_self_delay = m->to_self_delay;
	out->max_accepted_htlcs = m->max_accepted_htlcs;
	out->minimum_depth = m->minimum_depth;
}

/* The funding amount and the first commitment's balances. */
static bool check_amounts(const struct msg_open_channel *m,
			  const struct channel_policy *policy,
			  bool option_anchors, char why[OPEN_WHY_MAX])
{
	uint64_t fee_sat, funder_sat, fundee_sat;

	/* BOLT #2:
	 *   - `funding_satoshis` is greater than or equal to 2^24 and the receiver does not support `option_support_large_channel`.
	 */
	if (m->funding_satoshis > CHANNEL_MAX_FUNDING_SAT)
		return fail(why, "open_channel: funding_satoshis %" PRIu64
			    " is 2^24 or more (no option_support_large_channel)",
			    m->funding_satoshis);
	/* BOLT #2:
	 * The receiving node MAY fail the channel if:
	 *
	 * ... "`funding_satoshis` is too small". */
	if (m->funding_satoshis < policy->min_funding_sat)
		return fail(why, "open_channel: funding_satoshis %" PRIu64
			    " is below our minimum %" PRIu64,
			    m->funding_satoshis, policy->min_funding_sat);
	/* BOLT #2:
	 *   - `push_msat` is greater than `funding_satoshis` * 1000.
	 */
	if (m->push_msat > m->funding_satoshis * 1000)
		return fail(why, "open_channel: push_msat %" PRIu64
			    " is greater than funding_satoshis * 1000",
			    m->push_msat);
	/* Our choice: a reserve above a fifth of the channel leaves too
	 * little to use ("it considers `channel_reserve_satoshis` too
	 * large"). */
	if (m->channel_reserve_satoshis > m->funding_satoshis / 5)
		return fail(why, "open_channel: channel_reserve_satoshis %" PRIu64
			    " is more than a fifth of funding_satoshis",
			    m->channel_reserve_satoshis);
	/* BOLT #2:
	 *   - the funder's amount for the initial commitment transaction is not sufficient for full [fee payment](03-transactions.md#fee-payment).
	 */
	fee_sat = open_initial_fee_sat(m->feerate_per_kw, option_anchors);
	funder_sat = (m->funding_satoshis * 1000 - m->push_msat) / 1000;
	if (funder_sat < fee_sat)
		return fail(why, "open_channel: funding_satoshis less push_msat "
			    "cannot pay the first commitment's fee of %" PRIu64
			    " satoshis", fee_sat);
	/* BOLT #2:
	 *   - both `to_local` and `to_remote` amounts for the initial commitment transaction are less than or equal to `channel_reserve_satoshis` (see [BOLT 3](03-transactions.md#commitment-transaction-outputs)).
	 */
	fundee_sat = m->push_msat / 1000;
	if (funder_sat - fee_sat <= m->channel_reserve_satoshis
	    && fundee_sat <= m->channel_reserve_satoshis)
		return fail(why, "open_channel: both first balances are at or "
			    "below channel_reserve_satoshis %" PRIu64,
			    m->channel_reserve_satoshis);
	return true;
}

uint32_t open_min_feerate(const struct channel_policy *policy,
			  bool option_anchors)
{
	return option_anchors ? policy->min_anchors_feerate_per_kw
		: policy->min_feerate_per_kw;
}

bool open_check_open_channel(const struct msg_open_channel *m,
			     const struct channel_policy *policy,
			     bool option_anchors, char why[OPEN_WHY_MAX])
{
	struct channel_config theirs;

	/* BOLT #2:
	 * The receiving node MUST fail the channel if:
	 *   - the `chain_hash` value is set to a hash of a chain that is unknown to the receiver.
	 */
	if (memcmp(&m->chain_hash, &policy->chain_hash,
		   sizeof(m->chain_hash)) != 0)
		return fail(why, "open_channel: chain_hash is not our chain");
	if (!check_amounts(m, policy, option_anchors, why))
		return false;
	/* BOLT #2:
	 *   - it considers `feerate_per_kw` too small for timely processing or unreasonably large.
	 */
	if (m->feerate_per_kw < open_min_feerate(policy, option_anchors)
	    || m->feerate_per_kw > policy->max_feerate_per_kw)
		return fail(why, "open_channel: feerate_per_kw %u is outside "
			    "%u..%u", m->feerate_per_kw,
			    open_min_feerate(policy, option_anchors),
			    policy->max_feerate_per_kw);
	open_config_from_open(&theirs, m);
	return check_common("open_channel", &theirs, policy, why);
}

bool open_check_accept_channel(const struct msg_accept_channel *m,
			       const struct channel_config *ours,
			       const struct channel_policy *policy,
			       char why[OPEN_WHY_MAX])
{
	struct channel_config theirs;

	/* BOLT #2:
	 *   - if `minimum_depth` is unreasonably large:
	 *     - MAY fail the channel.
	 */
	if (m->minimum_depth > policy->max_minimum_depth)
		return fail(why, "accept_channel: minimum_depth %u is above "
			    "our limit %u", m->minimum_depth,
			    policy->max_minimum_depth);
	/* BOLT #2:
	 *   - if `channel_reserve_satoshis` is less than `dust_limit_satoshis` within the `open_channel` message:
	 *     - MUST fail the channel.
	 */
	if (m->channel_reserve_satoshis < ours->dust_limit_sat)
		return fail(why, "accept_channel: channel_reserve_satoshis %"
			    PRIu64 " is less than our dust_limit_satoshis %"
			    PRIu64, m->channel_reserve_satoshis,
			    ours->dust_limit_sat);
	/* BOLT #2:
	 *   - if `channel_reserve_satoshis` from the `open_channel` message is less than `dust_limit_satoshis`:
	 *     - MUST fail the channel.
	 */
	if (ours->channel_reserve_sat < m->dust_limit_satoshis)
		return fail(why, "accept_channel: dust_limit_satoshis %" PRIu64
			    " is above our channel_reserve_satoshis %" PRIu64,
			    m->dust_limit_satoshis, ours->channel_reserve_sat);
	open_config_from_accept(&theirs, m);
	return check_common("accept_channel", &theirs, policy, why);
}
