/* Per-commitment secret generation and compact storage (BOLT #3).
 *
 * Invariant of struct shachain: with n = num_inserted > 0 and
 * last = SHACHAIN_MAX_INDEX - (n - 1) the lowest index inserted,
 * known[b].index is the lowest inserted index with exactly b trailing zero
 * bits, for every b < num_slots, and no inserted index has num_slots or
 * more trailing zeros.  Because indexes arrive in descending order from
 * all-ones, the filled slots are always a prefix of known[]. */
#include "channel/shachain.h"

#include <string.h>

#include "crypto/hash.h"
#include "crypto/util.h"
#include "wire/wire.h"

/* BOLT #3:
 * Where "flip(B)" alternates the (B mod 8) bit of the (B div 8)
 * byte of the value.
 */
static void flip_bit(struct secret *p, unsigned bit)
{
	p->data[bit / 8] ^= (uint8_t)(1u << (bit % 8));
}

/* BOLT #3 derive_secret(base, bits, I): flip and hash, for each bit below
 * `bits` set in index, from the highest down. */
static void derive_secret(struct secret *out, const struct secret *base,
			  unsigned bits, uint64_t index)
{
	struct secret p = *base;

	for (unsigned b = bits; b-- > 0;) {
		if (index & (UINT64_C(1) << b)) {
			struct sha256 h;

			flip_bit(&p, b);
			sha256(&h, p.data, sizeof(p.data));
			memcpy(p.data, h.u8, sizeof(p.data));
			CRYPTO_WIPE(&h);
		}
	}
	*out = p;
	CRYPTO_WIPE(&p);
}

/* BOLT #3 where_to_put_secret(I): trailing zeros, 48 for index 0. */
static unsigned where_to_put_secret(uint64_t index)
{
	for (unsigned b = 0; b < 48; b++)
		if (index & (UINT64_C(1) << b))
			return b;
	return 48;
}

bool shachain_from_seed(struct secret *out, const struct secret *seed,
			uint64_t index)
{
	if (index > SHACHAIN_MAX_INDEX)
		return false;
	/* generate_from_seed is derive_secret over all 48 bits. */
	derive_secret(out, seed, 48, index);
	return true;
}

void shachain_init(struct shachain *chain)
{
	memset(chain, 0, sizeof(*chain));
}

uint64_t shachain_next_index(const struct shachain *chain)
{
	return SHACHAIN_MAX_INDEX - chain->num_inserted;
}

/* True if secret (at index, in slot pos) derives every lower slot. */
static bool derives_lower_slots(const struct shachain_slot *known,
				unsigned pos, const struct secret *secret)
{
	for (unsigned b = 0; b < pos; b++) {
		struct secret expect;
		bool eq;

		derive_secret(&expect, secret, pos, known[b].index);
		eq = crypto_memeq(expect.data, known[b].secret.data,
				  sizeof(expect.data));
		CRYPTO_WIPE(&expect);
		if (!eq)
			return false;
	}
	return true;
}

/* True if slot pos derives every lower slot whose index it covers (has
 * pos's index as prefix).  At insert time that is all of them; later
 * inserts replace lower slots with indexes outside its range. */
static bool derives_slots_in_range(const struct shachain_slot *known,
				   unsigned pos)
{
	uint64_t mask = ~((UINT64_C(1) << pos) - 1);

	for (unsigned b = 0; b < pos; b++) {
		struct secret expect;
		bool eq;

		if ((known[b].index & mask) != known[pos].index)
			continue;
		derive_secret(&expect, &known[pos].secret, pos, known[b].index);
		eq = crypto_memeq(expect.data, known[b].secret.data,
				  sizeof(expect.data));
		CRYPTO_WIPE(&expect);
		if (!eq)
			return false;
	}
	return true;
}

bool shachain_insert(struct shachain *chain, uint64_t index,
		     const struct secret *secret)
{
	unsigned pos;

	/* BOLT #3:
	 * secrets are always received in descending order starting at
	 * `0xFFFFFFFFFFFF`.
	 */
	if (chain->num_inserted > SHACHAIN_MAX_INDEX
	    || index != shachain_next_index(chain))
		return false;

	/* BOLT #3:
	 * A double-check, that all previous secrets derive correctly, is needed;
	 * if this check fails, the secrets were not generated from the same seed:
	 */
	pos = where_to_put_secret(index);
	if (!derives_lower_slots(chain->known, pos, secret))
		return false;

	chain->known[pos].index = index;
	chain->known[pos].secret = *secret;
	if (pos + 1 > chain->num_slots)
		chain->num_slots = pos + 1;
	chain->num_inserted++;
	return true;
}

bool shachain_get(struct secret *out, const struct shachain *chain,
		  uint64_t index)
{
	if (chain->num_inserted == 0 || index > SHACHAIN_MAX_INDEX
	    || index < SHACHAIN_MAX_INDEX - (chain->num_inserted - 1))
		return false;

	/* BOLT #3 derive_old_secret: the slot whose index is a prefix of
	 * the one we want. */
	for (unsigned b = 0; b < chain->num_slots; b++) {
		uint64_t mask = ~((UINT64_C(1) << b) - 1);

		if ((index & mask) == chain->known[b].index) {
			derive_secret(out, &chain->known[b].secret, b, index);
			return true;
		}
	}
	return false;
}

void shachain_serialize(struct wirebuf *out, const struct shachain *chain)
{
	towire_u64(out, chain->num_inserted);
	towire_u8(out, (uint8_t)chain->num_slots);
	for (size_t b = 0; b < chain->num_slots; b++) {
		towire_u64(out, chain->known[b].index);
		towire_bytes(out, chain->known[b].secret.data,
			     sizeof(chain->known[b].secret.data));
	}
}

/* The lowest index >= last with exactly b trailing zeros, if it is a
 * valid index; else false. */
static bool expected_slot_index(uint64_t *out, uint64_t last, unsigned b)
{
	uint64_t k;

	if (b == 48) {
		*out = 0;
		return last == 0;
	}
	k = (last + (UINT64_C(1) << b) - 1) >> b;
	if (!(k & 1))
		k++;
	*out = k << b;
	return *out <= SHACHAIN_MAX_INDEX;
}

bool shachain_deserialize(struct shachain *out, const uint8_t *data,
			  size_t len)
{
	const uint8_t *cursor = data;
	size_t max = len;
	struct shachain chain;
	uint64_t last = 0;
	size_t expected_slots = 0;

	shachain_init(&chain);
	chain.num_inserted = fromwire_u64(&cursor, &max);
	chain.num_slots = fromwire_u8(&cursor, &max);
	if (!cursor || chain.num_slots > SHACHAIN_SLOTS
	    || chain.num_inserted > SHACHAIN_MAX_INDEX + 1)
		goto fail;
	for (size_t b = 0; b < chain.num_slots; b++) {
		chain.known[b].index = fromwire_u64(&cursor, &max);
		fromwire_bytes(&cursor, &max, chain.known[b].secret.data,
			       sizeof(chain.known[b].secret.data));
	}
	if (!cursor || max != 0)
		goto fail;

	/* The slots must be exactly what inserting num_inserted secrets in
	 * order would have left, and must derive one another. */
	if (chain.num_inserted > 0) {
		uint64_t idx;

		last = SHACHAIN_MAX_INDEX - (chain.num_inserted - 1);
		while (expected_slots < SHACHAIN_SLOTS
		       && expected_slot_index(&idx, last,
					      (unsigned)expected_slots))
			expected_slots++;
	}
	if (chain.num_slots != expected_slots)
		goto fail;
	for (unsigned b = 0; b < chain.num_slots; b++) {
		uint64_t idx;

		expected_slot_index(&idx, last, b);
		if (chain.known[b].index != idx
		    || !derives_slots_in_range(chain.known, b))
			goto fail;
	}
	*out = chain;
	CRYPTO_WIPE(&chain);
	return true;

fail:
	CRYPTO_WIPE(&chain);
	return false;
}
