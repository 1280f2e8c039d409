/* Which of a channel's HTLCs are noted in the database already
 * (channel_htlcs_seen: what the on-chain resolver needs of a revoked
 * commitment, daemon/onchain/), so that each is written once.
 *
 * Pure: the caller's note function writes; no I/O here.
 */
#ifndef OHM_DAEMON_HTLCS_NOTED_H
#define OHM_DAEMON_HTLCS_NOTED_H

#include <stdbool.h>
#include <stddef.h>

struct channel_htlc;
struct htlc_set;
struct htlcs_noted;

/* An empty record.  Running out of memory aborts. */
struct htlcs_noted *htlcs_noted_new(void);
void htlcs_noted_free(struct htlcs_noted *noted);

/* Calls note(arg, htlc) for each HTLC of set not noted yet, and forgets
 * those no longer in set, so the record is no bigger than what is in
 * flight.  Returns false as soon as a note does (what was noted before
 * stays noted). */
bool htlcs_noted_update(struct htlcs_noted *noted, const struct htlc_set *set,
			bool (*note)(void *arg, const struct channel_htlc *htlc), void *arg);

/* How many HTLCs the record holds. */
size_t htlcs_noted_count(const struct htlcs_noted *noted);

#endif /* OHM_DAEMON_HTLCS_NOTED_H */
