#include "common/json_frame.h"

void json_frame_init(struct json_frame *frame)
{
	frame->scanned = 0;
	frame->depth = 0;
	frame->in_string = false;
	frame->escaped = false;
}

static bool is_json_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

enum json_frame_result json_frame_scan(struct json_frame *frame,
				       const char *buf, size_t len,
				       size_t *msg_len)
{
	for (; frame->scanned < len; frame->scanned++) {
		char c = buf[frame->scanned];

		if (frame->in_string) {
			if (frame->escaped)
				frame->escaped = false;
			else if (c == '\\')
				frame->escaped = true;
			else if (c == '"')
				frame->in_string = false;
			continue;
		}
		if (frame->depth == 0) {
			/* Between messages only white space may appear. */
			if (is_json_space(c))
				continue;
			if (c != '{' && c != '[') {
				*msg_len = ++frame->scanned;
				return JSON_FRAME_GARBAGE;
			}
		}
		switch (c) {
		case '"':
			frame->in_string = true;
			break;
		case '{':
		case '[':
			frame->depth++;
			break;
		case '}':
		case ']':
			/* A mismatched closer is jansson's to report. */
			if (--frame->depth == 0) {
				*msg_len = ++frame->scanned;
				return JSON_FRAME_COMPLETE;
			}
			break;
		}
	}
	return JSON_FRAME_NEED_MORE;
}
