/* Segwit and Base58 addresses. */
#include "bitcoin/address.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bitcoin/base58.h"
#include "bitcoin/bech32.h"
#include "bitcoin/script.h"
#include "crypto/types.h"

static bool address_fail(char *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static bool address_fail(char *err, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		vsnprintf(err, ADDRESS_ERROR_LEN, fmt, ap);
		va_end(ap);
	}
	return false;
}

bool segwit_address_encode(char out[ADDRESS_MAX_LEN + 1], const char *hrp,
			   unsigned version, const uint8_t *program,
			   size_t program_len)
{
	uint8_t data5[1 + (WITNESS_PROGRAM_MAX_LEN * 8 + 4) / 5];
	size_t data5_len;

	if (version > 16 || program_len < 2
	    || program_len > WITNESS_PROGRAM_MAX_LEN)
		return false;
	if (version == 0 && program_len != 20 && program_len != 32)
		return false;
	data5[0] = (uint8_t)version;
	if (!bech32_convert_bits(data5 + 1, &data5_len, sizeof(data5) - 1, 5,
				 program, program_len, 8, true))
		return false;
	/* BIP350: version 0 keeps bech32; "for version 1 and higher,
	 * Bech32m". */
	return bech32_encode(out, ADDRESS_MAX_LEN + 1, hrp, data5,
			     data5_len + 1,
			     version == 0 ? BECH32_ENCODING_BECH32
			     : BECH32_ENCODING_BECH32M, ADDRESS_MAX_LEN);
}

bool segwit_address_decode(unsigned *version, uint8_t *program,
			   size_t *program_len, char *err, const char *hrp,
			   const char *address)
{
	char got_hrp[ADDRESS_MAX_LEN + 1];
	uint8_t data5[ADDRESS_MAX_LEN], prog[ADDRESS_MAX_LEN];
	size_t data5_len, prog_len;
	enum bech32_encoding enc;
	const char *why;

	if (!bech32_decode(&enc, got_hrp, sizeof(got_hrp), data5, &data5_len,
			   sizeof(data5), address, ADDRESS_MAX_LEN, &why))
		return address_fail(err, "%s", why);
	/* BIP173: "MUST verify that the human-readable part is "bc" for
	 * mainnet and "tb" for testnet." */
	if (strcmp(got_hrp, hrp) != 0)
		return address_fail(err, "address prefix is '%s', expected '%s'",
				    got_hrp, hrp);
	if (data5_len == 0)
		return address_fail(err, "segwit address has no data");
	/* "MUST verify that the first decoded data value (the witness
	 * version) is between 0 and 16, inclusive." */
	if (data5[0] > 16)
		return address_fail(err, "invalid witness version %u",
				    data5[0]);
	/* BIP350: "If the first decoded data value is 0, fail unless the
	 * checksum is a valid Bech32 checksum; otherwise, fail unless it is a
	 * valid Bech32m checksum." */
	if (data5[0] == 0 && enc != BECH32_ENCODING_BECH32)
		return address_fail(err, "witness version 0 address must use "
				    "bech32, not bech32m");
	if (data5[0] != 0 && enc != BECH32_ENCODING_BECH32M)
		return address_fail(err, "witness version %u address must use "
				    "bech32m, not bech32", data5[0]);
	/* "Any incomplete group at the end MUST be 4 bits or less, MUST be
	 * all zeroes, and is discarded." */
	if (!bech32_convert_bits(prog, &prog_len, sizeof(prog), 8, data5 + 1,
				 data5_len - 1, 5, false))
		return address_fail(err, "invalid padding in segwit address");
	/* "There MUST be between 2 and 40 groups" */
	if (prog_len < 2 || prog_len > WITNESS_PROGRAM_MAX_LEN)
		return address_fail(err, "invalid witness program length %zu",
				    prog_len);
	/* BIP141: "If the version byte is 0, but the witness program is
	 * neither 20 nor 32 bytes, the script must fail." */
	if (data5[0] == 0 && prog_len != 20 && prog_len != 32)
		return address_fail(err, "invalid witness program length %zu "
				    "for witness version 0", prog_len);
	*version = data5[0];
	memcpy(program, prog, prog_len);
	*program_len = prog_len;
	return true;
}

/* The part of a would-be bech32 address before its last '1', lowercased;
 * empty if there is none or it is too long to be an hrp. */
static void address_hrp(char hrp[ADDRESS_MAX_LEN + 1], const char *address)
{
	const char *sep = strrchr(address, '1');
	size_t len = sep ? (size_t)(sep - address) : 0;

	if (len > ADDRESS_MAX_LEN)
		len = 0;
	for (size_t i = 0; i < len; i++)
		hrp[i] = (address[i] >= 'A' && address[i] <= 'Z')
			? (char)(address[i] - 'A' + 'a') : address[i];
	hrp[len] = '\0';
}

static bool base58_address_to_script(struct wirebuf *script, char *err,
				     const struct chainparams *params,
				     const char *address)
{
	uint8_t payload[BASE58_MAX_PAYLOAD];
	struct ripemd160 h;
	const struct chainparams *other;
	size_t len;
	const char *why;

	if (!base58check_decode(payload, &len, sizeof(payload), address, &why))
		return address_fail(err, "not a valid address: %s", why);
	if (len != 1 + sizeof(h.u8))
		return address_fail(err, "base58 address has %zu bytes, not 21",
				    len);
	memcpy(h.u8, payload + 1, sizeof(h.u8));
	if (payload[0] == params->p2pkh_version) {
		script_p2pkh(script, &h);
		return true;
	}
	if (payload[0] == params->p2sh_version) {
		script_p2sh(script, &h);
		return true;
	}
	other = chainparams_for_base58_version(payload[0]);
	if (other)
		return address_fail(err, "address is for %s, not %s",
				    other->network, params->network);
	return address_fail(err, "unknown base58 address version %u",
			    payload[0]);
}

bool address_to_script(struct wirebuf *script, char *err,
		       const struct chainparams *params, const char *address)
{
	char hrp[ADDRESS_MAX_LEN + 1];
	const struct chainparams *other;
	uint8_t program[WITNESS_PROGRAM_MAX_LEN];
	size_t program_len;
	unsigned version;

	address_hrp(hrp, address);
	if (strcmp(hrp, params->bip173_hrp) == 0) {
		if (!segwit_address_decode(&version, program, &program_len,
					   err, params->bip173_hrp, address))
			return false;
		return script_witness_output(script, version, program,
					     program_len);
	}
	other = chainparams_for_bip173_hrp(hrp);
	if (other) {
		/* Only call it another network's address if it is one. */
		if (!segwit_address_decode(&version, program, &program_len,
					   err, other->bip173_hrp, address))
			return false;
		return address_fail(err, "address is for %s, not %s",
				    other->network, params->network);
	}
	return base58_address_to_script(script, err, params, address);
}

bool address_from_script(char out[ADDRESS_MAX_LEN + 1],
			 const struct chainparams *params,
			 const uint8_t *script, size_t script_len)
{
	const uint8_t *program;
	size_t program_len;
	unsigned version;
	uint8_t payload[21];

	if (script_witness_program(&version, &program, &program_len, script,
				   script_len))
		return segwit_address_encode(out, params->bip173_hrp, version,
					     program, program_len);
	if (script_is_p2pkh(script, script_len)) {
		payload[0] = params->p2pkh_version;
		memcpy(payload + 1, script + 3, 20);
	} else if (script_is_p2sh(script, script_len)) {
		payload[0] = params->p2sh_version;
		memcpy(payload + 1, script + 2, 20);
	} else {
		return false;
	}
	return base58check_encode(out, ADDRESS_MAX_LEN + 1, payload,
				  sizeof(payload));
}
