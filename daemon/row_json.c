/* Columns of a database row into JSON members (see row_json.h). */
#include "daemon/row_json.h"

#include "common/hex.h"

void row_json_hex(json_t *obj, const char *key, sqlite3_stmt *stmt, int col, int len)
{
	char hex[2 * 33 + 1];

	if (len <= 33 && sqlite3_column_type(stmt, col) == SQLITE_BLOB
	    && sqlite3_column_bytes(stmt, col) == len)
		json_object_set_new(obj, key, json_string(hex_encode(
			hex, sqlite3_column_blob(stmt, col), (size_t)len)));
}

void row_json_text(json_t *obj, const char *key, sqlite3_stmt *stmt, int col)
{
	if (sqlite3_column_type(stmt, col) == SQLITE_TEXT)
		json_object_set_new(obj, key, json_string((const char *)sqlite3_column_text(stmt, col)));
}
