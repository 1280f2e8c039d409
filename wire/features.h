/* Feature bits (BOLT #9 "Assigned Feature Flags") and the BOLT #1 `init`
 * rules for them: bit arrays, the table of known features, the features
 * ohm implements, and the checks a peer's features must pass.
 *
 * Bit numbering follows BOLT #1/#9: bit 0 is the least significant bit of
 * the *last* byte, so an array reads as one big-endian number.  Features
 * come in pairs: the even bit means "required" (compulsory), the odd bit
 * "supported" (optional).
 */
#ifndef OHM_WIRE_FEATURES_H
#define OHM_WIRE_FEATURES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Every feature BOLT #9 assigns, named after the spec name without
 * "option_", valued by the pair's even bit. */
enum feature {
	FEATURE_DATA_LOSS_PROTECT = 0,
	FEATURE_UPFRONT_SHUTDOWN_SCRIPT = 4,
	FEATURE_GOSSIP_QUERIES = 6,
	FEATURE_VAR_ONION_OPTIN = 8,
	FEATURE_GOSSIP_QUERIES_EX = 10,
	FEATURE_STATIC_REMOTEKEY = 12,
	FEATURE_PAYMENT_SECRET = 14,
	FEATURE_BASIC_MPP = 16,
	FEATURE_SUPPORT_LARGE_CHANNEL = 18,
	FEATURE_ANCHORS = 22,
	FEATURE_ROUTE_BLINDING = 24,
	FEATURE_SHUTDOWN_ANYSEGWIT = 26,
	FEATURE_DUAL_FUND = 28,
	FEATURE_QUIESCE = 34,
	FEATURE_ATTRIBUTION_DATA = 36,
	FEATURE_ONION_MESSAGES = 38,
	FEATURE_PROVIDE_STORAGE = 42,
	FEATURE_CHANNEL_TYPE = 44,
	FEATURE_SCID_ALIAS = 46,
	FEATURE_PAYMENT_METADATA = 48,
	FEATURE_ZEROCONF = 50,
	FEATURE_SIMPLE_CLOSE = 60,
	FEATURE_SPLICE = 62,
};

/* Where a feature may be presented: the letters of BOLT #9's Context
 * column. */
enum feature_context {
	FEATURE_CTX_INIT = 'I',
	FEATURE_CTX_NODE_ANNOUNCEMENT = 'N',
	FEATURE_CTX_CHANNEL_ANNOUNCEMENT = 'C',
	FEATURE_CTX_INVOICE = '9',
	FEATURE_CTX_BLINDED_PATH = 'B',
	FEATURE_CTX_CHANNEL_TYPE = 'T',
};

/* One row of the BOLT #9 table. */
struct feature_info {
	enum feature feature;
	const char *name;	/* as in the spec: "option_anchors" */
	const char *context;	/* Context column verbatim ("IN9"; may be "") */
	bool is_assumed;	/* described as ASSUMED: every node has it */
	bool has_dependency;	/* Dependencies column is not empty */
	enum feature depends_on;	/* valid if has_dependency */
};

/* The BOLT #9 table, by increasing bit. */
extern const struct feature_info feature_table[];
extern const size_t feature_table_len;

/* The row for feature (never NULL). */
const struct feature_info *feature_info(enum feature feature);

/* The row for the pair containing bit, or NULL if BOLT #9 assigns none. */
const struct feature_info *feature_info_by_bit(size_t bit);

/* Whether the feature may be presented in ctx, per its Context column. */
bool feature_in_context(const struct feature_info *info,
			enum feature_context ctx);

/* ---- Bit arrays ---- */

/* Whether bit is set in a raw feature array of len bytes (as carried in
 * a message).  Bits beyond the array are clear. */
bool feature_bit_is_set(const uint8_t *bytes, size_t len, size_t bit);

/* An owned feature array, always of minimal length: bytes[0] != 0 unless
 * len is 0 (BOLT #1: "SHOULD use the minimum length required to represent
 * the `features` field"). */
struct featurebits {
	uint8_t *bytes;
	size_t len;
};

/* An empty array.  Never NULL; free with featurebits_free(). */
struct featurebits *featurebits_new(void);

/* A copy of a raw array (bytes may be NULL if len is 0), trimmed. */
struct featurebits *featurebits_from_bytes(const uint8_t *bytes, size_t len);

/* The logical features of an `init`: its two arrays ORed together. */
struct featurebits *featurebits_from_init(const uint8_t *globalfeatures,
					  size_t gflen,
					  const uint8_t *features,
					  size_t flen);

void featurebits_free(struct featurebits *bits);

void featurebits_set(struct featurebits *bits, size_t bit);
void featurebits_clear(struct featurebits *bits, size_t bit);
bool featurebits_is_set(const struct featurebits *bits, size_t bit);

/* ORs a raw array into bits. */
void featurebits_or(struct featurebits *bits, const uint8_t *bytes,
		    size_t len);

/* ---- Feature pairs ---- */

/* Sets the even (is_required) or the odd bit of feature. */
void feature_offer(struct featurebits *bits, enum feature feature,
		   bool is_required);

/* Whether either bit of the pair is set. */
bool feature_offered(const struct featurebits *bits, enum feature feature);

/* Whether the even bit is set (BOLT #9: with both set, it is required). */
bool feature_is_required(const struct featurebits *bits,
			 enum feature feature);

/* Whether feature is negotiated (per BOLT #1): both peers offered it, or we
 * offered it as required (the peer stayed connected, so it supports it). */
bool feature_negotiated(const struct featurebits *ours,
			const struct featurebits *theirs, enum feature feature);

/* ---- What ohm implements ---- */

/* A feature ohm implements, and how it offers it by default. */
struct ohm_feature {
	enum feature feature;
	bool is_required;	/* offer the even bit */
	const char *contexts;	/* where ohm offers it: letters as above */
	/* Offered only once ohm really does it: the issue that implements a
	 * feature flips this (the ASSUMED set lands with channels). */
	bool is_implemented;
};

extern const struct ohm_feature ohm_features[];
extern const size_t ohm_features_len;

/* The bits ohm offers in ctx: the implemented rows of ohm_features.  The
 * daemon may adjust them before use.  Free with featurebits_free(). */
struct featurebits *ohm_featurebits(enum feature_context ctx);

/* Every row of ohm_features, implemented or not: what ohm will offer in
 * ctx once all of them have landed.  Free with featurebits_free(). */
struct featurebits *ohm_featurebits_planned(enum feature_context ctx);

/* ---- Checks ---- */

/* Room for any message the checks below write. */
#define FEATURES_WHY_MAX 160

/* Checks the features a peer sent in `init` (already combined with
 * featurebits_from_init) against the features we sent.  Returns true if
 * we can talk.  Otherwise returns false and writes to why a sentence
 * naming the lowest offending bit: a required bit we did not offer (known
 * to BOLT #9 or not), or a feature offered without its dependency. */
bool features_check_peer(const struct featurebits *ours,
			 const struct featurebits *theirs,
			 char why[FEATURES_WHY_MAX]);

/* Checks that every known feature offered in bits has its dependency
 * offered too (BOLT #9 Dependencies; ASSUMED features count as offered).
 * Returns true if so; otherwise false, naming the first gap in why. */
bool features_check_dependencies(const struct featurebits *bits,
				 char why[FEATURES_WHY_MAX]);

#endif /* OHM_WIRE_FEATURES_H */
