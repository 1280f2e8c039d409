/* Writing JSON the way Bitcoin Core's UniValue does: compact, keys in
 * insertion order, and amounts with exactly eight decimals ("50.00000000",
 * Core's ValueFromAmount), which jansson's own json_dumps cannot do.
 *
 * Convention: a JSON real that is a whole number of satoshis (a multiple
 * of 1e-8 below 21e14) is written with eight decimals; any other real with
 * 16 significant digits, as UniValue writes doubles.  Build amounts with
 * json_amount().
 */
#ifndef OHM_CONTRIB_DEVCHAIN_JSONOUT_H
#define OHM_CONTRIB_DEVCHAIN_JSONOUT_H

#include <stdint.h>

#include <jansson.h>

#include "wire/wirebuf.h"

/* Returns: a new JSON number for amount_sat satoshis, in BTC. */
json_t *json_amount(uint64_t amount_sat);

/* Appends the compact serialization of value to out (no NUL). */
void json_write(struct wirebuf *out, const json_t *value);

#endif /* OHM_CONTRIB_DEVCHAIN_JSONOUT_H */
