/* The HTLC switch's decisions (see htlc_switch.h). */
#include "daemon/htlc_switch.h"

#include "channel/htlcs.h"

enum switch_action switch_incoming(const struct htlc *h, enum switch_record record)
{
	/* BOLT #2:
	 *   - until an incoming HTLC has been irrevocably committed:
	 *     - MUST NOT offer the corresponding outgoing HTLC
	 */
	if (!h || h->h.offerer != CHANNEL_REMOTE || h->add_step != UPDATE_COMPLETE)
		return SWITCH_WAIT;
	if (h->removal != HTLC_NOT_REMOVED)
		return SWITCH_DONE;
	switch (record) {
	case SWITCH_RECORD_NONE:
		return SWITCH_DECIDE;
	case SWITCH_RECORD_OFFERED:
	case SWITCH_RECORD_FAILED_BACK:
		return SWITCH_DONE;
	case SWITCH_RECORD_RESOLVED:
		return SWITCH_PASS_OUTCOME;
	}
	return SWITCH_DONE;
}

const struct switch_row *switch_owner(const struct switch_row *rows, size_t num)
{
	for (size_t i = 0; i < num; i++)
		if (rows[i].is_live)
			return &rows[i];
	return NULL;
}
