/* BOLT #7 node_announcement. */
#include "gossip/node_announcement.h"

#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "common/alloc.h"
#include "crypto/hash.h"
#include "crypto/secp.h"
#include "gossip/channel_update.h"
#include "wire/features.h"


/* Address bytes before the port, by type; 0 for a hostname (its own
 * length byte) or a type we do not know. */
static size_t fixed_addr_len(uint8_t type)
{
	switch (type) {
	case NODE_ADDRESS_IPV4:
		return 4;
	case NODE_ADDRESS_IPV6:
		return 16;
	case NODE_ADDRESS_TORV2:
		return 10;
	case NODE_ADDRESS_TORV3:
		return 35;
	}
	return 0;
}

static bool is_printable_ascii(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (p[i] < 33 || p[i] > 126)
			return false;
	}
	return len > 0;
}

static void addresses_add(struct node_addresses *out, const struct node_address *a)
{
	out->addrs = oh_realloc(out->addrs, (out->num + 1) * sizeof(out->addrs[0]));
	out->addrs[out->num++] = *a;
}

bool node_addresses_parse(struct node_addresses *out, const uint8_t *addresses,
			  size_t len, const char **why)
{
	const uint8_t *cursor = addresses;
	size_t max = len;
	bool has_dns = false;

	memset(out, 0, sizeof(*out));
	while (max) {
		struct node_address a;
		uint8_t type = fromwire_u8(&cursor, &max);
		size_t n = fixed_addr_len(type);

		memset(&a, 0, sizeof(a));
		if (type == NODE_ADDRESS_DNS)
			n = fromwire_u8(&cursor, &max);
		else if (!n) {
			/* BOLT #7:
			 *   - SHOULD ignore the first `address descriptor` that does NOT match the types
			 *   defined above.
			 */
			/* Its length is unknown, so with everything after it. */
			break;
		}
		a.type = type;
		a.len = (uint8_t)n;
		fromwire_bytes(&cursor, &max, a.addr, n);
		a.port = fromwire_u16(&cursor, &max);
		/* BOLT #7:
		 *   - if `addrlen` is insufficient to hold the address descriptors of the
		 *   known types:
		 *     - SHOULD send a `warning`.
		 *     - MAY close the connection.
		 */
		if (!cursor) {
			node_addresses_clear(out);
			*why = "node_announcement addrlen is insufficient for its address descriptors";
			return false;
		}
		/* BOLT #7:
		 *   - SHOULD ignore Tor v2 onion services.
		 */
		if (type == NODE_ADDRESS_TORV2)
			continue;
		/* BOLT #7:
		 *   - if `port` is equal to 0:
		 *     - SHOULD ignore `ipv6_addr` OR `ipv4_addr` OR `hostname`.
		 */
		if (a.port == 0 && type != NODE_ADDRESS_TORV3)
			continue;
		if (type == NODE_ADDRESS_DNS) {
			/* BOLT #7:
			 *   - if more than one `type 5` address is announced:
			 *     - SHOULD ignore the additional data.
			 *     - MUST not forward the `node_announcement`.
			 */
			if (has_dns) {
				out->has_several_dns = true;
				continue;
			}
			has_dns = true;
			/* BOLT #7: `hostname` bytes MUST be ASCII characters.
			 */
			/* And we print them: only printable ones, no spaces. */
			if (!is_printable_ascii(a.addr, a.len))
				continue;
		}
		addresses_add(out, &a);
	}
	return true;
}

void node_addresses_clear(struct node_addresses *addrs)
{
	free(addrs->addrs);
	memset(addrs, 0, sizeof(*addrs));
}

void node_address_towire(struct wirebuf *buf, const struct node_address *addr)
{
	towire_u8(buf, (uint8_t)addr->type);
	if (addr->type == NODE_ADDRESS_DNS)
		towire_u8(buf, addr->len);
	towire_bytes(buf, addr->addr, addr->len);
	towire_u16(buf, addr->port);
}

static bool has_unknown_even(const uint8_t *features, size_t len)
{
	for (size_t bit = 0; bit < len * 8; bit += 2) {
		if (feature_bit_is_set(features, len, bit) && !feature_info_by_bit(bit))
			return true;
	}
	return false;
}

bool node_announcement_has_unknown_even_features(const struct msg_node_announcement *m)
{
	return has_unknown_even(m->features, m->flen);
}

bool node_address_host(const struct node_address *addr, char *host, size_t hostlen)
{
	static const char base32[] = "abcdefghijklmnopqrstuvwxyz234567";
	char buf[NODE_ADDRESS_MAX + 1];
	int n = 0;

	switch (addr->type) {
	case NODE_ADDRESS_IPV4:
		n = snprintf(buf, sizeof(buf), "%u.%u.%u.%u", addr->addr[0], addr->addr[1],
			     addr->addr[2], addr->addr[3]);
		break;
	case NODE_ADDRESS_IPV6:
		/* Eight groups, as inet_ntop's long form (no I/O here). */
		for (int i = 0; i < 16; i += 2)
			n += snprintf(buf + n, sizeof(buf) - (size_t)n, "%s%x", i ? ":" : "",
				      (unsigned)addr->addr[i] << 8 | addr->addr[i + 1]);
		break;
	case NODE_ADDRESS_TORV3: {
		/* 35 bytes: 56 base32 characters. */
		unsigned bits = 0, value = 0;
		for (size_t i = 0; i < 35; i++) {
			value = (value << 8) | addr->addr[i];
			bits += 8;
			while (bits >= 5) {
				buf[n++] = base32[(value >> (bits - 5)) & 31];
				bits -= 5;
			}
		}
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, ".onion");
		break;
	}
	case NODE_ADDRESS_DNS:
		memcpy(buf, addr->addr, addr->len);
		buf[addr->len] = '\0';
		n = addr->len;
		break;
	case NODE_ADDRESS_TORV2:
		return false;
	}
	if (n < 0 || (size_t)n >= hostlen)
		return false;
	memcpy(host, buf, (size_t)n + 1);
	return true;
}

struct gossip_verdict node_announcement_check(const secp256k1_context *ctx,
					      const uint8_t *msg, size_t len,
					      const struct node_announcement_facts *facts,
					      struct node_announcement_info *out)
{
	struct msg_node_announcement *m;
	struct pubkey node_id;
	struct ecdsa_signature sig;
	struct sha256 hash;
	struct node_addresses addrs;
	const char *why = NULL;

	if (!fromwire_node_announcement(msg, len, &m))
		return gossip_verdict(GOSSIP_CLOSE, "malformed node_announcement");
	/* BOLT #7:
	 *   - if `node_id` is NOT a valid compressed public key:
	 *     - SHOULD send a `warning`.
	 *     - MAY close the connection.
	 *     - MUST NOT process the message further.
	 */
	if (!pubkey_cache_parse(facts->key_cache, ctx, &node_id, m->node_id.bytes)) {
		msg_node_announcement_free(m);
		return gossip_verdict(GOSSIP_WARN, "node_announcement node_id is not a point");
	}
	/* BOLT #7:
	 *   - if `node_id` is NOT previously known from a `channel_announcement` message,
	 *   OR if `timestamp` is NOT greater than the last-received `node_announcement`
	 *   from this `node_id`:
	 *     - SHOULD ignore the message.
	 */
	/* Before the signature: spam costs us a lookup, not a verify. */
	if (!facts->has_channels) {
		msg_node_announcement_free(m);
		return gossip_verdict(GOSSIP_IGNORE, "node_announcement for a node without channels");
	}
	if (facts->has_announcement && m->timestamp <= facts->timestamp) {
		msg_node_announcement_free(m);
		return gossip_verdict(GOSSIP_IGNORE, "node_announcement not newer than the last one");
	}
	/* BOLT #7:
	 *   - if `signature` is NOT a valid signature (using `node_id` of the
	 *   double-SHA256 of the entire message following the `signature` field, including
	 * any future fields appended to the end):
	 *     - SHOULD send a `warning`.
	 *     - MAY close the connection.
	 *     - MUST NOT process the message further.
	 */
	gossip_signed_hash(&hash, msg, len);
	if (!ecdsa_signature_parse_compact(ctx, &sig, m->signature.bytes)
	    || !ecdsa_verify(ctx, &sig, &hash, &node_id)) {
		msg_node_announcement_free(m);
		return gossip_verdict(GOSSIP_WARN, "node_announcement signature is not the node's");
	}
	if (!node_addresses_parse(&addrs, m->addresses, m->addrlen, &why)) {
		msg_node_announcement_free(m);
		return gossip_verdict(GOSSIP_WARN, why);
	}
	out->m = m;
	out->addrs = addrs;
	out->is_forwardable = !addrs.has_several_dns;
	/* BOLT #7:
	 *   - if `features` field contains _unknown even bits_:
	 *     - SHOULD NOT connect to the node.
	 *     - Unless paying a [BOLT #11](11-payment-encoding.md) invoice which does not
	 *       have the same bit(s) set, MUST NOT attempt to send payments _to_ the node.
	 *     - MUST NOT route a payment _through_ the node.
	 */
	out->has_unknown_even_features = has_unknown_even(m->features, m->flen);
	return GOSSIP_ACCEPTED;
}

struct wirebuf *node_announcement_sign(const secp256k1_context *ctx,
				       struct msg_node_announcement *m,
				       const struct privkey *node_key)
{
	struct wirebuf *msg;

	memset(&m->signature, 0, sizeof(m->signature));
	msg = towire_node_announcement(m);
	if (!gossip_sign_in_place(ctx, msg, node_key, m->signature.bytes)) {
		wirebuf_free(msg);
		return NULL;
	}
	return msg;
}

/* Whether s[0..len) is valid UTF-8: shortest forms only, no surrogates,
 * nothing above U+10FFFF. */
static bool is_utf8(const uint8_t *s, size_t len)
{
	for (size_t i = 0; i < len;) {
		uint8_t c = s[i];
		size_t n;
		uint32_t cp, min;

		if (c < 0x80) {
			i++;
			continue;
		}
		if ((c & 0xE0) == 0xC0)
			n = 1, cp = c & 0x1F, min = 0x80;
		else if ((c & 0xF0) == 0xE0)
			n = 2, cp = c & 0x0F, min = 0x800;
		else if ((c & 0xF8) == 0xF0)
			n = 3, cp = c & 0x07, min = 0x10000;
		else
			return false;
		if (i + n >= len)
			return false;
		for (size_t k = 1; k <= n; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3F);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		i += n + 1;
	}
	return true;
}

static int address_type_cmp(const void *a, const void *b)
{
	const struct node_address *x = *(const struct node_address *const *)a;
	const struct node_address *y = *(const struct node_address *const *)b;

	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	/* Stable: the caller's order within a type. */
	return x < y ? -1 : x > y;
}

static const char *check_address(const struct node_address *a, bool *has_dns)
{
	switch (a->type) {
	case NODE_ADDRESS_IPV4:
	case NODE_ADDRESS_IPV6:
	case NODE_ADDRESS_TORV3:
		if (a->len != fixed_addr_len(a->type))
			return "address of the wrong length for its type";
		break;
	case NODE_ADDRESS_TORV2:
		/* BOLT #7:
		 *   - SHOULD not announce a Tor v2 onion service.
		 */
		return "Tor v2 onion services are not announced";
	case NODE_ADDRESS_DNS:
		/* BOLT #7:
		 *   - MUST NOT announce more than one `type 5` DNS hostname.
		 */
		if (*has_dns)
			return "more than one DNS hostname";
		*has_dns = true;
		/* BOLT #7: `hostname` bytes MUST be ASCII characters.
		 */
		if (!is_printable_ascii(a->addr, a->len))
			return "hostname is not printable ASCII";
		break;
	default:
		return "unknown address type";
	}
	/* BOLT #7:
	 *   - MUST NOT create a `type 1`, `type 2` or `type 5` address descriptor with
	 *   `port` equal to 0.
	 */
	if (a->port == 0 && a->type != NODE_ADDRESS_TORV3)
		return "port 0";
	return NULL;
}

struct wirebuf *node_announcement_create(const secp256k1_context *ctx,
					 const struct privkey *node_key,
					 const struct node_announcement_fields *f,
					 const char **why)
{
	struct msg_node_announcement m;
	const struct node_address **sorted;
	struct wirebuf *addrs, *out;
	struct pubkey id;
	size_t alias_len = f->alias ? strlen(f->alias) : 0, flen = f->features_len;
	const uint8_t *features = f->features;
	bool has_dns = false;

	/* BOLT #7:
	 *   - MUST set `alias` to a valid UTF-8 string, with any `alias` trailing-bytes
	 *   equal to 0.
	 */
	if (alias_len > sizeof(m.alias) || !is_utf8((const uint8_t *)f->alias, alias_len)) {
		*why = "alias is not UTF-8 of at most 32 bytes";
		return NULL;
	}
	if (!pubkey_from_privkey(ctx, &id, node_key)) {
		*why = "invalid node key";
		return NULL;
	}
	sorted = oh_calloc(f->num_addrs + 1, sizeof(sorted[0]));
	for (size_t i = 0; i < f->num_addrs; i++) {
		sorted[i] = &f->addrs[i];
		if ((*why = check_address(&f->addrs[i], &has_dns)) != NULL) {
			free(sorted);
			return NULL;
		}
	}
	/* BOLT #7:
	 *   - MUST place address descriptors in ascending order.
	 */
	qsort(sorted, f->num_addrs, sizeof(sorted[0]), address_type_cmp);
	addrs = wirebuf_new();
	for (size_t i = 0; i < f->num_addrs; i++)
		node_address_towire(addrs, sorted[i]);
	free(sorted);
	if (addrs->len > UINT16_MAX) {
		wirebuf_free(addrs);
		*why = "too many addresses";
		return NULL;
	}
	/* BOLT #7:
	 *   - SHOULD set `flen` to the minimum length required to hold the `features`
	 *   bits it sets.
	 */
	while (flen && features[0] == 0)
		features++, flen--;
	memset(&m, 0, sizeof(m));
	m.flen = (uint16_t)flen;
	m.features = (uint8_t *)features;
	m.timestamp = f->timestamp;
	pubkey_serialize(ctx, m.node_id.bytes, &id);
	memcpy(m.rgb_color, f->rgb_color, sizeof(m.rgb_color));
	if (alias_len)
		memcpy(m.alias, f->alias, alias_len);
	m.addrlen = (uint16_t)addrs->len;
	m.addresses = addrs->data;
	out = node_announcement_sign(ctx, &m, node_key);
	wirebuf_free(addrs);
	if (!out)
		*why = "invalid node key";
	return out;
}
