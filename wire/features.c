/* Feature bits: the BOLT #9 table, what ohm offers, and the BOLT #1 init
 * checks.  Invariant: a struct featurebits is always minimal length (no
 * leading zero byte), so equal feature sets have equal bytes. */
#include "wire/features.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/wirebuf.h"

/* BOLT #9 "Assigned Feature Flags", row for row (tests/unit/
 * test_wire_features checks it against the markdown table). */
const struct feature_info feature_table[] = {
	{ FEATURE_DATA_LOSS_PROTECT, "option_data_loss_protect", "", true,
	  false, 0 },
	{ FEATURE_UPFRONT_SHUTDOWN_SCRIPT, "option_upfront_shutdown_script",
	  "IN", false, false, 0 },
	{ FEATURE_GOSSIP_QUERIES, "gossip_queries", "", false, false, 0 },
	{ FEATURE_VAR_ONION_OPTIN, "var_onion_optin", "", true, false, 0 },
	{ FEATURE_GOSSIP_QUERIES_EX, "gossip_queries_ex", "IN", false,
	  false, 0 },
	{ FEATURE_STATIC_REMOTEKEY, "option_static_remotekey", "", true,
	  false, 0 },
	{ FEATURE_PAYMENT_SECRET, "payment_secret", "", true, false, 0 },
	{ FEATURE_BASIC_MPP, "basic_mpp", "IN9", false,
	  true, FEATURE_PAYMENT_SECRET },
	{ FEATURE_SUPPORT_LARGE_CHANNEL, "option_support_large_channel", "IN",
	  false, false, 0 },
	{ FEATURE_ANCHORS, "option_anchors", "INT", false, false, 0 },
	{ FEATURE_ROUTE_BLINDING, "option_route_blinding", "IN9", false,
	  false, 0 },
	{ FEATURE_SHUTDOWN_ANYSEGWIT, "option_shutdown_anysegwit", "IN",
	  false, false, 0 },
	{ FEATURE_DUAL_FUND, "option_dual_fund", "IN", false, false, 0 },
	{ FEATURE_QUIESCE, "option_quiesce", "IN", false, false, 0 },
	{ FEATURE_ATTRIBUTION_DATA, "option_attribution_data", "IN9", false,
	  false, 0 },
	{ FEATURE_ONION_MESSAGES, "option_onion_messages", "IN", false,
	  false, 0 },
	{ FEATURE_PROVIDE_STORAGE, "option_provide_storage", "IN", false,
	  false, 0 },
	{ FEATURE_CHANNEL_TYPE, "option_channel_type", "", true, false, 0 },
	{ FEATURE_SCID_ALIAS, "option_scid_alias", "INT", false, false, 0 },
	{ FEATURE_PAYMENT_METADATA, "option_payment_metadata", "9", false,
	  false, 0 },
	{ FEATURE_ZEROCONF, "option_zeroconf", "INT", false,
	  true, FEATURE_SCID_ALIAS },
	{ FEATURE_SIMPLE_CLOSE, "option_simple_close", "IN", false,
	  true, FEATURE_SHUTDOWN_ANYSEGWIT },
	{ FEATURE_SPLICE, "option_splice", "IN", false, false, 0 },
};
const size_t feature_table_len = sizeof(feature_table) / sizeof(feature_table[0]);

/* The features ohm implements or will: only rows with is_implemented are
 * offered (BOLT #1: a node MUST NOT advertise what it cannot do).
 *
 * The ASSUMED ones are offered as required, as current implementations
 * do, in the contexts BOLT #9 listed before they were assumed: older
 * peers still look for them there.  gossip_queries likewise keeps its old
 * "IN": BOLT #7 says not offering it marks a node "not worth querying for
 * gossip".  Everything else is optional and offered where BOLT #9 says. */
const struct ohm_feature ohm_features[] = {
	{ FEATURE_DATA_LOSS_PROTECT, true, "IN", true },
	{ FEATURE_VAR_ONION_OPTIN, true, "IN9", true },
	{ FEATURE_STATIC_REMOTEKEY, true, "IN", true },
	{ FEATURE_PAYMENT_SECRET, true, "IN9", true },
	{ FEATURE_CHANNEL_TYPE, true, "IN", true },
	{ FEATURE_UPFRONT_SHUTDOWN_SCRIPT, false, "IN", false },
	{ FEATURE_GOSSIP_QUERIES, false, "IN", true },
	{ FEATURE_BASIC_MPP, false, "IN9", true },
	{ FEATURE_SUPPORT_LARGE_CHANNEL, false, "IN", false },
	{ FEATURE_ANCHORS, false, "IN", true },
	{ FEATURE_SHUTDOWN_ANYSEGWIT, false, "IN", true },
	{ FEATURE_SIMPLE_CLOSE, false, "IN", true },
};
const size_t ohm_features_len = sizeof(ohm_features) / sizeof(ohm_features[0]);

const struct feature_info *feature_info_by_bit(size_t bit)
{
	for (size_t i = 0; i < feature_table_len; i++) {
		if ((size_t)feature_table[i].feature == (bit & ~(size_t)1))
			return &feature_table[i];
	}
	return NULL;
}

const struct feature_info *feature_info(enum feature feature)
{
	const struct feature_info *info = feature_info_by_bit(feature);

	assert(info);
	return info;
}

bool feature_in_context(const struct feature_info *info,
			enum feature_context ctx)
{
	return strchr(info->context, (char)ctx) != NULL;
}

/* BOLT #1:
 * The least-significant bit is numbered 0, which is _even_, and the next most significant bit is numbered 1, which is _odd_.
 *
 * With big-endian bytes that puts bit 0 in the last byte. */
bool feature_bit_is_set(const uint8_t *bytes, size_t len, size_t bit)
{
	size_t index = bit / 8;

	if (index >= len)
		return false;
	return bytes[len - 1 - index] & (1u << (bit % 8));
}

/* Drops leading zero bytes, keeping the invariant. */
static void featurebits_trim(struct featurebits *bits)
{
	size_t zeros = 0;

	while (zeros < bits->len && bits->bytes[zeros] == 0)
		zeros++;
	if (zeros == 0)
		return;
	memmove(bits->bytes, bits->bytes + zeros, bits->len - zeros);
	bits->len -= zeros;
	if (bits->len == 0) {
		free(bits->bytes);
		bits->bytes = NULL;
	}
}

/* Grows bits to at least len bytes, zero-filling at the front. */
static void featurebits_widen(struct featurebits *bits, size_t len)
{
	uint8_t *bytes;

	if (len <= bits->len)
		return;
	bytes = wire_calloc(len, 1);
	if (bits->len)
		memcpy(bytes + len - bits->len, bits->bytes, bits->len);
	free(bits->bytes);
	bits->bytes = bytes;
	bits->len = len;
}

struct featurebits *featurebits_new(void)
{
	return wire_calloc(1, sizeof(struct featurebits));
}

struct featurebits *featurebits_from_bytes(const uint8_t *bytes, size_t len)
{
	struct featurebits *bits = featurebits_new();

	bits->bytes = wire_memdup(bytes, len);
	bits->len = len;
	featurebits_trim(bits);
	return bits;
}

/* BOLT #1:
 * The receiving node:
 *   - MUST wait to receive `init` before sending any other messages.
 *   - MUST combine (bitwise OR) the two feature bitmaps into one logical `features` map.
 */
struct featurebits *featurebits_from_init(const uint8_t *globalfeatures,
					  size_t gflen,
					  const uint8_t *features,
					  size_t flen)
{
	struct featurebits *bits = featurebits_from_bytes(features, flen);

	featurebits_or(bits, globalfeatures, gflen);
	return bits;
}

void featurebits_free(struct featurebits *bits)
{
	if (!bits)
		return;
	free(bits->bytes);
	free(bits);
}

void featurebits_set(struct featurebits *bits, size_t bit)
{
	featurebits_widen(bits, bit / 8 + 1);
	bits->bytes[bits->len - 1 - bit / 8] |= (uint8_t)(1u << (bit % 8));
}

void featurebits_clear(struct featurebits *bits, size_t bit)
{
	if (bit / 8 >= bits->len)
		return;
	bits->bytes[bits->len - 1 - bit / 8] &= (uint8_t)~(1u << (bit % 8));
	featurebits_trim(bits);
}

bool featurebits_is_set(const struct featurebits *bits, size_t bit)
{
	return feature_bit_is_set(bits->bytes, bits->len, bit);
}

void featurebits_or(struct featurebits *bits, const uint8_t *bytes,
		    size_t len)
{
	featurebits_widen(bits, len);
	/* Right-aligned: the last bytes of both hold bits 0-7. */
	for (size_t i = 0; i < len; i++)
		bits->bytes[bits->len - len + i] |= bytes[i];
	featurebits_trim(bits);
}

void feature_offer(struct featurebits *bits, enum feature feature,
		   bool is_required)
{
	featurebits_set(bits, (size_t)feature + (is_required ? 0 : 1));
}

bool feature_offered(const struct featurebits *bits, enum feature feature)
{
	return featurebits_is_set(bits, feature)
		|| featurebits_is_set(bits, (size_t)feature + 1);
}

/* BOLT #9:
 * The receiving node:
 *   * if both the optional and the mandatory feature bits in a pair are set,
 *   the feature should be treated as mandatory.
 */
bool feature_is_required(const struct featurebits *bits,
			 enum feature feature)
{
	return featurebits_is_set(bits, feature);
}

/* BOLT #1:
 * A feature is *offered* if a peer set it in the `init` message for the current connection (as either even or odd).  A feature is *negotiated* if either both peers offered it, or the local node offered it as even: it can assume the peer supports it, as it did not disconnect as it would be required to do.
 */
bool feature_negotiated(const struct featurebits *ours,
			const struct featurebits *theirs, enum feature feature)
{
	if (feature_is_required(ours, feature))
		return true;
	return feature_offered(ours, feature) && feature_offered(theirs, feature);
}

static struct featurebits *ohm_featurebits_of(enum feature_context ctx,
					      bool is_planned)
{
	struct featurebits *bits = featurebits_new();

	for (size_t i = 0; i < ohm_features_len; i++) {
		if (!ohm_features[i].is_implemented && !is_planned)
			continue;
		if (strchr(ohm_features[i].contexts, (char)ctx))
			feature_offer(bits, ohm_features[i].feature,
				      ohm_features[i].is_required);
	}
	return bits;
}

struct featurebits *ohm_featurebits(enum feature_context ctx)
{
	return ohm_featurebits_of(ctx, false);
}

struct featurebits *ohm_featurebits_planned(enum feature_context ctx)
{
	return ohm_featurebits_of(ctx, true);
}

/* BOLT #9:
 * The origin must set all transitive feature dependencies in order to create a
 * well-formed feature vector. By validating all known dependencies up front, this
 * simplifies logic gated on a single feature bit; the feature's dependencies are
 * known to be set, and do not need to be validated at every feature gate.
 *
 * Checking every offered feature's direct dependency covers the transitive
 * ones.  An ASSUMED dependency (basic_mpp needs payment_secret) is met
 * without its bit: BOLT #9 says such features "can be safely ignored". */
bool features_check_dependencies(const struct featurebits *bits,
				 char why[FEATURES_WHY_MAX])
{
	for (size_t i = 0; i < feature_table_len; i++) {
		const struct feature_info *info = &feature_table[i], *dep;

		if (!info->has_dependency || !feature_offered(bits, info->feature))
			continue;
		dep = feature_info(info->depends_on);
		if (dep->is_assumed || feature_offered(bits, dep->feature))
			continue;
		snprintf(why, FEATURES_WHY_MAX,
			 "%s (feature bits %u/%u) is set without its dependency"
			 " %s (feature bits %u/%u)",
			 info->name, (unsigned)info->feature,
			 (unsigned)info->feature + 1, dep->name,
			 (unsigned)dep->feature, (unsigned)dep->feature + 1);
		return false;
	}
	return true;
}

bool features_check_peer(const struct featurebits *ours,
			 const struct featurebits *theirs,
			 char why[FEATURES_WHY_MAX])
{
	/* BOLT #1:
	 *   - upon receiving unknown _odd_ feature bits that are non-zero:
	 *     - MUST ignore the bit.
	 *   - upon receiving unknown _even_ feature bits that are non-zero:
	 *     - MUST close the connection.
	 *
	 * "Unknown" is relative to what we offered: a peer requiring a
	 * feature we did not offer cannot be served either (BOLT #9). */
	for (size_t bit = 0; bit < theirs->len * 8; bit += 2) {
		const struct feature_info *info;

		if (!featurebits_is_set(theirs, bit)
		    || featurebits_is_set(ours, bit)
		    || featurebits_is_set(ours, bit + 1))
			continue;
		info = feature_info_by_bit(bit);
		/* BOLT #9:
		 * Some features were introduced and became so widespread they
		 * are `ASSUMED` to be present by all nodes, and can be safely
		 * ignored */
		if (info && info->is_assumed)
			continue;
		if (info)
			snprintf(why, FEATURES_WHY_MAX,
				 "peer requires %s (feature bit %zu), which we"
				 " do not support", info->name, bit);
		else
			snprintf(why, FEATURES_WHY_MAX,
				 "peer requires unknown feature bit %zu", bit);
		return false;
	}

	/* BOLT #1:
	 *   - if the feature vector does not set all known, transitive dependencies:
	 *     - MUST close the connection.
	 */
	return features_check_dependencies(theirs, why);
}
