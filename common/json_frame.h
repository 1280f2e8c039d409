/* Finds where one JSON text ends in a byte stream, so the RPC server and the
 * CLI can cut a socket's bytes into messages before parsing them with
 * jansson.  The scan is incremental: bytes already scanned are not looked at
 * again when more arrive, so a large message split over many reads costs
 * linear time.
 *
 * Only objects and arrays are framed (a JSON-RPC message is one or the
 * other); anything else before the first '{' or '[' is reported as garbage.
 * The framer checks nesting and strings only: whether the text is valid JSON
 * is jansson's call once the frame is complete.
 */
#ifndef OHM_COMMON_JSON_FRAME_H
#define OHM_COMMON_JSON_FRAME_H

#include <stdbool.h>
#include <stddef.h>

struct json_frame {
	size_t scanned;		/* bytes of the buffer already looked at */
	size_t depth;		/* nesting depth of { and [ */
	bool in_string;		/* inside a "..." string */
	bool escaped;		/* previous byte was a backslash in a string */
};

enum json_frame_result {
	JSON_FRAME_NEED_MORE,	/* no complete message yet */
	JSON_FRAME_COMPLETE,	/* buf[0..*msg_len) holds one message */
	JSON_FRAME_GARBAGE,	/* buf[*msg_len - 1] cannot start a message */
};

/* Starts a new frame (also after a message has been consumed). */
void json_frame_init(struct json_frame *frame);

/* Scans buf[0..len), which must start with the same bytes as the previous
 * call's buffer.  On COMPLETE or GARBAGE, *msg_len is how many bytes of buf
 * the message (with any leading white space) or the bad byte ends at; the
 * caller removes those bytes and calls json_frame_init() before scanning
 * again. */
enum json_frame_result json_frame_scan(struct json_frame *frame,
				       const char *buf, size_t len,
				       size_t *msg_len);

#endif /* OHM_COMMON_JSON_FRAME_H */
