/* BOLT #7 `node_announcement`: its address descriptors, the checks a
 * receiving node makes, and signing (for announcing ourselves).  Pure.
 */
#ifndef OHM_GOSSIP_NODE_ANNOUNCEMENT_H
#define OHM_GOSSIP_NODE_ANNOUNCEMENT_H

#include <secp256k1.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/types.h"
#include "gossip/pubkey_cache.h"
#include "gossip/verdict.h"
#include "wire/peer_wire.h"
#include "wire/wirebuf.h"

/* BOLT #7 address descriptor types. */
enum node_address_type {
	NODE_ADDRESS_IPV4 = 1,
	NODE_ADDRESS_IPV6 = 2,
	NODE_ADDRESS_TORV2 = 3,		/* deprecated: skipped */
	NODE_ADDRESS_TORV3 = 4,
	NODE_ADDRESS_DNS = 5,
};

#define NODE_ADDRESS_MAX 255	/* the longest: a DNS hostname */

struct node_address {
	enum node_address_type type;
	uint8_t len;			/* bytes of addr used: 4, 16, 35 or 1..255 */
	uint8_t addr[NODE_ADDRESS_MAX];	/* ipv4, ipv6, onion, or hostname (ASCII) */
	uint16_t port;
};

/* The addresses of a node_announcement, as a receiving node keeps them. */
struct node_addresses {
	struct node_address *addrs;	/* malloc'd */
	size_t num;
	/* More than one DNS hostname: the rest were dropped, and BOLT #7
	 * says this node_announcement "MUST not" be forwarded. */
	bool has_several_dns;
};

/* Parses addresses[0..len) per BOLT #7's receiving rules: an unknown type
 * ends the list (its length is unknown), port 0 drops an IPv4, IPv6 or
 * hostname, Tor v2 and hostnames that are not printable ASCII are
 * dropped, only the first hostname is kept.  Returns false, with *why,
 * if a known descriptor is cut short ("addrlen is insufficient"). */
bool node_addresses_parse(struct node_addresses *out, const uint8_t *addresses,
			  size_t len, const char **why);
void node_addresses_clear(struct node_addresses *addrs);

/* Whether m's features have an even bit BOLT #9 does not assign (for
 * node_announcement_info.has_unknown_even_features). */
bool node_announcement_has_unknown_even_features(const struct msg_node_announcement *m);

/* addr's host as text: dotted IPv4, IPv6 (no brackets), the .onion name
 * of a Tor v3 address (lowercase base32), or the hostname.  Returns false
 * if it does not fit in host[hostlen]. */
bool node_address_host(const struct node_address *addr, char *host, size_t hostlen);

/* Appends the descriptor of addr to buf (callers order them by type, as
 * BOLT #7 says). */
void node_address_towire(struct wirebuf *buf, const struct node_address *addr);

/* What the graph knows of a node_announcement's node. */
struct node_announcement_facts {
	bool has_channels;	/* known from a channel_announcement */
	bool has_announcement;	/* a node_announcement accepted before */
	uint32_t timestamp;	/* ... and its timestamp */
	/* Optional (NULL: parse each time): the caller's cache of parsed
	 * node keys (graph_node_facts() leaves it NULL). */
	struct pubkey_cache *key_cache;
};

/* A node_announcement that passed node_announcement_check(). */
struct node_announcement_info {
	struct msg_node_announcement *m;	/* free with msg_node_announcement_free */
	struct node_addresses addrs;		/* free with node_addresses_clear */
	bool is_forwardable;	/* false: keep it, do not relay it */
	/* BOLT #7 "if `features` field contains _unknown even bits_": do not
	 * connect to, pay or route through this node. */
	bool has_unknown_even_features;
};

/* Checks a received node_announcement (msg[0..len), type included).
 * Returns:
 *  - GOSSIP_CLOSE if it does not parse;
 *  - GOSSIP_WARN if node_id is not a point, the signature is not its,
 *    or addrlen cuts a descriptor short;
 *  - GOSSIP_IGNORE if the node has no channel we know of, or the
 *    timestamp is not newer than the last one accepted;
 *  - GOSSIP_ACCEPT with *out filled (the caller frees its members). */
struct gossip_verdict node_announcement_check(const secp256k1_context *ctx,
					      const uint8_t *msg, size_t len,
					      const struct node_announcement_facts *facts,
					      struct node_announcement_info *out);

/* What a node announces about itself. */
struct node_announcement_fields {
	uint32_t timestamp;	/* gossip_next_timestamp() of the last one */
	uint8_t rgb_color[3];
	const char *alias;	/* UTF-8, at most 32 bytes; NULL for none */
	const struct node_address *addrs;
	size_t num_addrs;
	const uint8_t *features;	/* BOLT #9 node features */
	size_t features_len;
};

/* Our node_announcement, as the origin node's requirements say: alias
 * valid UTF-8 and zero-padded, addresses in ascending order of type, no
 * IPv4, IPv6 or hostname with port 0, at most one hostname (ASCII), no
 * Tor v2, features of minimal length.  Returns the signed message, or
 * NULL with *why naming what is wrong. */
struct wirebuf *node_announcement_create(const secp256k1_context *ctx,
					 const struct privkey *node_key,
					 const struct node_announcement_fields *f,
					 const char **why);

/* Signs m (every field set but the signature) with node_key; returns the
 * message on the wire, or NULL if the key is invalid. */
struct wirebuf *node_announcement_sign(const secp256k1_context *ctx,
				       struct msg_node_announcement *m,
				       const struct privkey *node_key);

#endif /* OHM_GOSSIP_NODE_ANNOUNCEMENT_H */
