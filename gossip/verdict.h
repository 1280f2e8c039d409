/* What a receiving node does with a gossip message, as BOLT #7's
 * receiving-node requirements say: every check in gossip/ returns one of
 * these with a reason naming what was wrong, so the daemon acts on it
 * (and logs it) without knowing the rule behind it.
 */
#ifndef OHM_GOSSIP_VERDICT_H
#define OHM_GOSSIP_VERDICT_H

enum gossip_action {
	/* Store it (and relay it, unless the check said otherwise). */
	GOSSIP_ACCEPT,
	/* Drop it quietly: old, duplicate, not for our chain, ... */
	GOSSIP_IGNORE,
	/* A channel_update for a channel we do not know (yet): hold it
	 * briefly and check it again once its announcement is accepted. */
	GOSSIP_DEFER,
	/* Send the peer a `warning` with the reason and drop the message;
	 * the connection stays. */
	GOSSIP_WARN,
	/* Send a `warning` with the reason and close the connection. */
	GOSSIP_CLOSE,
};

struct gossip_verdict {
	enum gossip_action action;
	const char *reason;	/* static text; NULL for GOSSIP_ACCEPT */
};

static inline struct gossip_verdict gossip_verdict(enum gossip_action action,
						   const char *reason)
{
	struct gossip_verdict v = { action, reason };

	return v;
}

#define GOSSIP_ACCEPTED gossip_verdict(GOSSIP_ACCEPT, NULL)

#endif /* OHM_GOSSIP_VERDICT_H */
