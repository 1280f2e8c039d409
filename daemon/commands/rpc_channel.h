/* The channel commands' JSON, in Core Lightning's shapes, shared with the
 * other commands that show channels (listfunds). */
#ifndef OHM_DAEMON_RPC_CHANNEL_H
#define OHM_DAEMON_RPC_CHANNEL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct channels;
struct ohmd;

/* Core Lightning's "channel_type": {"bits": [...], "names": [...]}. */
json_t *rpc_channel_type_json(bool option_anchors);

/* listpeerchannels' "channels" (peer_id NULL: all), oldest first. */
json_t *rpc_channels_list_json(struct ohmd *ohmd, const uint8_t *peer_id);

/* listfunds' "channels": those with a funding outpoint, oldest first. */
json_t *channels_funds_json(struct channels *channels);

#endif /* OHM_DAEMON_RPC_CHANNEL_H */
