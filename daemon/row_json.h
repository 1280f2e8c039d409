/* Columns of a database row into JSON members, for the list commands
 * (invoices, payments): each is set only if the column holds that kind
 * of value, so NULL columns leave the member out, as Core Lightning does. */
#ifndef OHM_DAEMON_ROW_JSON_H
#define OHM_DAEMON_ROW_JSON_H

#include <jansson.h>
#include <sqlite3.h>

/* A blob of exactly len bytes (at most 33), as hex. */
void row_json_hex(json_t *obj, const char *key, sqlite3_stmt *stmt, int col, int len);

/* A text column. */
void row_json_text(json_t *obj, const char *key, sqlite3_stmt *stmt, int col);

#endif /* OHM_DAEMON_ROW_JSON_H */
