/* On-chain addresses: segwit addresses (BIP173 bech32 for witness version
 * 0, BIP350 bech32m for versions 1 to 16) and legacy Base58Check P2PKH and
 * P2SH addresses, for each network in bitcoin/chainparams.h; and the
 * conversion between an address and the scriptPubKey it pays.
 *
 * Errors are written into a caller's buffer of ADDRESS_ERROR_LEN bytes as
 * a sentence naming the problem, e.g. "address is for testnet, not
 * regtest" or "bad bech32 checksum".  The buffer may be NULL.
 */
#ifndef OHM_BITCOIN_ADDRESS_H
#define OHM_BITCOIN_ADDRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bitcoin/chainparams.h"
#include "wire/wirebuf.h"

/* BIP173: addresses are at most 90 characters; Base58 ones are shorter. */
#define ADDRESS_MAX_LEN 90
#define ADDRESS_ERROR_LEN 128

/* Encodes a segwit address for hrp: bech32 for version 0, bech32m above.
 * Returns: false (out untouched) unless version <= 16, the program is 2
 *          to 40 bytes, and for version 0 exactly 20 or 32 bytes. */
bool segwit_address_encode(char out[ADDRESS_MAX_LEN + 1], const char *hrp,
			   unsigned version, const uint8_t *program,
			   size_t program_len);

/* Decodes a segwit address that must carry the human-readable part hrp,
 * applying every BIP173 and BIP350 rule.  program must hold 40 bytes.
 * Returns: false, with err filled and outputs untouched, if it is not a
 *          valid segwit address for hrp. */
bool segwit_address_decode(unsigned *version, uint8_t *program,
			   size_t *program_len, char *err, const char *hrp,
			   const char *address);

/* Appends the scriptPubKey that address pays, if it is a valid address for
 * network params (segwit, P2PKH or P2SH).
 * Returns: false, with err filled and nothing appended, otherwise; an
 *          address of another network is named as such. */
bool address_to_script(struct wirebuf *script, char *err,
		       const struct chainparams *params, const char *address);

/* Writes the address of scriptPubKey script on network params.
 * Returns: false (out untouched) if the script is not a witness program,
 *          P2PKH or P2SH (it has no address). */
bool address_from_script(char out[ADDRESS_MAX_LEN + 1],
			 const struct chainparams *params,
			 const uint8_t *script, size_t script_len);

#endif /* OHM_BITCOIN_ADDRESS_H */
