/* Transactions: building, BIP144 (de)serialization, txid/wtxid, BIP141
 * weight.
 *
 * Invariant: every array pointer is NULL exactly when its count is 0, and
 * every byte string is NULL exactly when its length is 0, so freeing and
 * copying need no special cases.
 */
#include "bitcoin/tx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bitcoin/serialize.h"
#include "common/hex.h"
#include "crypto/hash.h"
#include "wire/wire.h"

/* The smallest serialized input: outpoint (36), empty scriptSig length (1),
 * nSequence (4).  The smallest output: amount (8), empty script length (1).
 * Counts read from input are checked against these before we allocate. */
#define MIN_INPUT_LEN 41
#define MIN_OUTPUT_LEN 9

static void *tx_grow(void *array, size_t count, size_t elem_size)
{
	void *p;

	if (count > SIZE_MAX / elem_size) {
		fputs("ohm: transaction too large\n", stderr);
		abort();
	}
	p = realloc(array, count * elem_size);
	if (!p) {
		fputs("ohm: out of memory in bitcoin layer\n", stderr);
		abort();
	}
	return p;
}

struct bitcoin_tx *bitcoin_tx_new(uint32_t version, uint32_t locktime)
{
	struct bitcoin_tx *tx = wire_calloc(1, sizeof(*tx));

	tx->version = version;
	tx->locktime = locktime;
	return tx;
}

static void witness_free(struct bitcoin_tx_input *in)
{
	for (size_t i = 0; i < in->num_witness; i++)
		free(in->witness[i].data);
	free(in->witness);
	in->witness = NULL;
	in->num_witness = 0;
}

void bitcoin_tx_free(struct bitcoin_tx *tx)
{
	if (!tx)
		return;
	for (size_t i = 0; i < tx->num_inputs; i++) {
		free(tx->inputs[i].script_sig);
		witness_free(&tx->inputs[i]);
	}
	for (size_t i = 0; i < tx->num_outputs; i++)
		free(tx->outputs[i].script);
	free(tx->inputs);
	free(tx->outputs);
	free(tx);
}

struct bitcoin_tx *bitcoin_tx_dup(const struct bitcoin_tx *tx)
{
	struct bitcoin_tx *copy = bitcoin_tx_new(tx->version, tx->locktime);

	for (size_t i = 0; i < tx->num_inputs; i++) {
		const struct bitcoin_tx_input *in = &tx->inputs[i];

		bitcoin_tx_add_input(copy, &in->prevout, in->sequence);
		bitcoin_tx_set_script_sig(copy, i, in->script_sig,
					  in->script_sig_len);
		for (size_t j = 0; j < in->num_witness; j++)
			bitcoin_tx_push_witness(copy, i, in->witness[j].data,
						in->witness[j].len);
	}
	for (size_t i = 0; i < tx->num_outputs; i++)
		bitcoin_tx_add_output(copy, tx->outputs[i].amount_sat,
				      tx->outputs[i].script,
				      tx->outputs[i].script_len);
	return copy;
}

size_t bitcoin_tx_add_input(struct bitcoin_tx *tx,
			    const struct bitcoin_outpoint *prevout,
			    uint32_t sequence)
{
	struct bitcoin_tx_input *in;

	tx->inputs = tx_grow(tx->inputs, tx->num_inputs + 1,
			     sizeof(*tx->inputs));
	in = &tx->inputs[tx->num_inputs];
	memset(in, 0, sizeof(*in));
	in->prevout = *prevout;
	in->sequence = sequence;
	return tx->num_inputs++;
}

size_t bitcoin_tx_add_output(struct bitcoin_tx *tx, uint64_t amount_sat,
			     const uint8_t *script, size_t script_len)
{
	struct bitcoin_tx_output *out;

	tx->outputs = tx_grow(tx->outputs, tx->num_outputs + 1,
			      sizeof(*tx->outputs));
	out = &tx->outputs[tx->num_outputs];
	out->amount_sat = amount_sat;
	out->script = wire_memdup(script, script_len);
	out->script_len = script_len;
	return tx->num_outputs++;
}

void bitcoin_tx_set_script_sig(struct bitcoin_tx *tx, size_t input_index,
			       const uint8_t *script, size_t script_len)
{
	struct bitcoin_tx_input *in = &tx->inputs[input_index];
	uint8_t *copy = wire_memdup(script, script_len);

	free(in->script_sig);
	in->script_sig = copy;
	in->script_sig_len = script_len;
}

void bitcoin_tx_push_witness(struct bitcoin_tx *tx, size_t input_index,
			     const uint8_t *item, size_t len)
{
	struct bitcoin_tx_input *in = &tx->inputs[input_index];

	in->witness = tx_grow(in->witness, in->num_witness + 1,
			      sizeof(*in->witness));
	in->witness[in->num_witness].data = wire_memdup(item, len);
	in->witness[in->num_witness].len = len;
	in->num_witness++;
}

void bitcoin_tx_set_witness(struct bitcoin_tx *tx, size_t input_index,
			    const uint8_t *const *items, const size_t *lens,
			    size_t num_items)
{
	witness_free(&tx->inputs[input_index]);
	for (size_t i = 0; i < num_items; i++)
		bitcoin_tx_push_witness(tx, input_index, items[i], lens[i]);
}

bool bitcoin_tx_has_witness(const struct bitcoin_tx *tx)
{
	for (size_t i = 0; i < tx->num_inputs; i++)
		if (tx->inputs[i].num_witness)
			return true;
	return false;
}

/* ---- Serialization (BIP144) ---- */

static void towire_outpoint(struct wirebuf *out,
			    const struct bitcoin_outpoint *op)
{
	towire_bytes(out, op->txid.shad.sha.u8, 32);
	towire_le32(out, op->vout);
}

void bitcoin_tx_serialize(struct wirebuf *out, const struct bitcoin_tx *tx,
			  bool include_witness)
{
	/* BIP144: the marker/flag form is used only when there is a witness
	 * to carry; otherwise the legacy form. */
	bool segwit = include_witness && bitcoin_tx_has_witness(tx);

	towire_le32(out, tx->version);
	if (segwit) {
		towire_u8(out, 0x00);	/* marker */
		towire_u8(out, 0x01);	/* flag */
	}
	towire_compactsize(out, tx->num_inputs);
	for (size_t i = 0; i < tx->num_inputs; i++) {
		const struct bitcoin_tx_input *in = &tx->inputs[i];

		towire_outpoint(out, &in->prevout);
		towire_compactsize_bytes(out, in->script_sig,
					 in->script_sig_len);
		towire_le32(out, in->sequence);
	}
	towire_compactsize(out, tx->num_outputs);
	for (size_t i = 0; i < tx->num_outputs; i++) {
		towire_le64(out, tx->outputs[i].amount_sat);
		towire_compactsize_bytes(out, tx->outputs[i].script,
					 tx->outputs[i].script_len);
	}
	if (segwit) {
		for (size_t i = 0; i < tx->num_inputs; i++) {
			const struct bitcoin_tx_input *in = &tx->inputs[i];

			towire_compactsize(out, in->num_witness);
			for (size_t j = 0; j < in->num_witness; j++)
				towire_compactsize_bytes(out,
							 in->witness[j].data,
							 in->witness[j].len);
		}
	}
	towire_le32(out, tx->locktime);
}

/* ---- Parsing ---- */

/* Reads a CompactSize length and that many bytes into a fresh copy.
 * Checking the bytes are there before copying means a huge length costs
 * nothing. */
static uint8_t *fromwire_var_bytes(const uint8_t **cursor, size_t *max,
				   size_t *len)
{
	uint64_t n = fromwire_compactsize(cursor, max);
	const uint8_t *p;

	*len = 0;
	if (!*cursor)
		return NULL;
	if (n > *max) {
		fromwire_fail(cursor, max);
		return NULL;
	}
	p = fromwire_pull(cursor, max, (size_t)n);
	if (!p)
		return NULL;
	*len = (size_t)n;
	return wire_memdup(p, (size_t)n);
}

/* Reads a count of elements at least min_len bytes each, failing the
 * cursor if they cannot all be present. */
static size_t fromwire_count(const uint8_t **cursor, size_t *max,
			     size_t min_len)
{
	uint64_t n = fromwire_compactsize(cursor, max);

	if (!*cursor)
		return 0;
	if (n > *max / min_len) {
		fromwire_fail(cursor, max);
		return 0;
	}
	return (size_t)n;
}

static bool fromwire_inputs(const uint8_t **cursor, size_t *max,
			    struct bitcoin_tx *tx, size_t n)
{
	tx->inputs = wire_calloc(n, sizeof(*tx->inputs));
	for (size_t i = 0; i < n && *cursor; i++) {
		struct bitcoin_tx_input *in = &tx->inputs[i];

		/* Count it first so bitcoin_tx_free() releases it. */
		tx->num_inputs++;
		fromwire_bytes(cursor, max, in->prevout.txid.shad.sha.u8, 32);
		in->prevout.vout = fromwire_le32(cursor, max);
		in->script_sig = fromwire_var_bytes(cursor, max,
						    &in->script_sig_len);
		in->sequence = fromwire_le32(cursor, max);
	}
	return *cursor != NULL;
}

static bool fromwire_outputs(const uint8_t **cursor, size_t *max,
			     struct bitcoin_tx *tx, size_t n)
{
	tx->outputs = wire_calloc(n, sizeof(*tx->outputs));
	for (size_t i = 0; i < n && *cursor; i++) {
		struct bitcoin_tx_output *out = &tx->outputs[i];

		tx->num_outputs++;
		out->amount_sat = fromwire_le64(cursor, max);
		out->script = fromwire_var_bytes(cursor, max,
						 &out->script_len);
	}
	return *cursor != NULL;
}

static bool fromwire_witness(const uint8_t **cursor, size_t *max,
			     struct bitcoin_tx_input *in)
{
	/* Each item is at least its one-byte length. */
	size_t n = fromwire_count(cursor, max, 1);

	if (!*cursor)
		return false;
	in->witness = wire_calloc(n, sizeof(*in->witness));
	for (size_t i = 0; i < n && *cursor; i++) {
		in->num_witness++;
		in->witness[i].data = fromwire_var_bytes(cursor, max,
							 &in->witness[i].len);
	}
	return *cursor != NULL;
}

static struct bitcoin_tx *parse_fail(struct bitcoin_tx *tx,
				     const uint8_t **cursor, size_t *max,
				     const char **err, const char *why)
{
	bitcoin_tx_free(tx);
	fromwire_fail(cursor, max);
	if (err)
		*err = why;
	return NULL;
}

/* Mirrors Core's UnserializeTransaction: an empty input vector followed by
 * a non-zero flag byte is the BIP144 marker and flag. */
struct bitcoin_tx *fromwire_bitcoin_tx(const uint8_t **cursor, size_t *max,
				       const char **err)
{
	struct bitcoin_tx *tx;
	uint8_t flag = 0;
	size_t n;

	if (!*cursor)
		return parse_fail(NULL, cursor, max, err, "no input");
	tx = bitcoin_tx_new(0, 0);
	tx->version = fromwire_le32(cursor, max);
	n = fromwire_count(cursor, max, MIN_INPUT_LEN);
	if (!*cursor)
		return parse_fail(tx, cursor, max, err,
				  "truncated or impossible input count");
	if (n == 0) {
		/* BIP144: "marker MUST be a 1-byte zero value", then flag. */
		flag = fromwire_u8(cursor, max);
		if (!*cursor)
			return parse_fail(tx, cursor, max, err,
					  "truncated segwit flag");
		if (flag != 0) {
			n = fromwire_count(cursor, max, MIN_INPUT_LEN);
			if (!*cursor)
				return parse_fail(tx, cursor, max, err,
						  "truncated or impossible input count");
			if (!fromwire_inputs(cursor, max, tx, n))
				return parse_fail(tx, cursor, max, err,
						  "truncated input");
			n = fromwire_count(cursor, max, MIN_OUTPUT_LEN);
			if (!*cursor || !fromwire_outputs(cursor, max, tx, n))
				return parse_fail(tx, cursor, max, err,
						  "truncated output");
		}
	} else {
		if (!fromwire_inputs(cursor, max, tx, n))
			return parse_fail(tx, cursor, max, err,
					  "truncated input");
		n = fromwire_count(cursor, max, MIN_OUTPUT_LEN);
		if (!*cursor || !fromwire_outputs(cursor, max, tx, n))
			return parse_fail(tx, cursor, max, err,
					  "truncated output");
	}
	if (flag & 1) {
		flag ^= 1;
		for (size_t i = 0; i < tx->num_inputs; i++)
			if (!fromwire_witness(cursor, max, &tx->inputs[i]))
				return parse_fail(tx, cursor, max, err,
						  "truncated witness");
		/* Core: "Superfluous witness record": the segwit form must
		 * carry a witness, or a tx would have two serializations. */
		if (!bitcoin_tx_has_witness(tx))
			return parse_fail(tx, cursor, max, err,
					  "segwit flag set but every witness is empty");
	}
	/* BIP144: "Currently, 0x01 MUST be used" as the flag. */
	if (flag)
		return parse_fail(tx, cursor, max, err,
				  "unknown segwit flag");
	tx->locktime = fromwire_le32(cursor, max);
	if (!*cursor)
		return parse_fail(tx, cursor, max, err, "truncated locktime");
	return tx;
}

struct bitcoin_tx *bitcoin_tx_parse(const uint8_t *bytes, size_t len,
				    const char **err)
{
	const uint8_t *cursor = bytes;
	size_t max = len;
	struct bitcoin_tx *tx = fromwire_bitcoin_tx(&cursor, &max, err);

	if (!tx)
		return NULL;
	if (max != 0) {
		bitcoin_tx_free(tx);
		if (err)
			*err = "trailing bytes after transaction";
		return NULL;
	}
	return tx;
}

struct bitcoin_tx *bitcoin_tx_from_hex(const char *hex, size_t hex_len,
				       const char **err)
{
	size_t len = hex_len / 2;
	uint8_t *bytes;
	struct bitcoin_tx *tx;

	if (hex_len % 2 || hex_len == 0) {
		if (err)
			*err = "transaction hex has odd or zero length";
		return NULL;
	}
	bytes = wire_calloc(len, 1);
	if (!hex_decode(bytes, len, hex, hex_len)) {
		free(bytes);
		if (err)
			*err = "transaction is not valid hex";
		return NULL;
	}
	tx = bitcoin_tx_parse(bytes, len, err);
	free(bytes);
	return tx;
}

char *bitcoin_tx_to_hex(const struct bitcoin_tx *tx)
{
	struct wirebuf *buf = wirebuf_new();
	char *hex;

	bitcoin_tx_serialize(buf, tx, true);
	hex = malloc(buf->len * 2 + 1);
	if (hex)
		hex_encode(hex, buf->data, buf->len);
	wirebuf_free(buf);
	return hex;
}

/* ---- Identifiers and sizes ---- */

static void tx_hash(struct bitcoin_txid *out, const struct bitcoin_tx *tx,
		    bool include_witness)
{
	struct wirebuf *buf = wirebuf_new();

	bitcoin_tx_serialize(buf, tx, include_witness);
	sha256_double(&out->shad, buf->data, buf->len);
	wirebuf_free(buf);
}

void bitcoin_tx_txid(struct bitcoin_txid *out, const struct bitcoin_tx *tx)
{
	tx_hash(out, tx, false);
}

void bitcoin_tx_wtxid(struct bitcoin_txid *out, const struct bitcoin_tx *tx)
{
	tx_hash(out, tx, true);
}

static size_t var_bytes_len(size_t len)
{
	return compactsize_len(len) + len;
}

size_t bitcoin_tx_base_size(const struct bitcoin_tx *tx)
{
	size_t size = 4 + compactsize_len(tx->num_inputs)
		+ compactsize_len(tx->num_outputs) + 4;

	for (size_t i = 0; i < tx->num_inputs; i++)
		size += 36 + var_bytes_len(tx->inputs[i].script_sig_len) + 4;
	for (size_t i = 0; i < tx->num_outputs; i++)
		size += 8 + var_bytes_len(tx->outputs[i].script_len);
	return size;
}

size_t bitcoin_tx_total_size(const struct bitcoin_tx *tx)
{
	size_t size = bitcoin_tx_base_size(tx);

	if (!bitcoin_tx_has_witness(tx))
		return size;
	size += 2;	/* marker and flag */
	for (size_t i = 0; i < tx->num_inputs; i++) {
		const struct bitcoin_tx_input *in = &tx->inputs[i];

		size += compactsize_len(in->num_witness);
		for (size_t j = 0; j < in->num_witness; j++)
			size += var_bytes_len(in->witness[j].len);
	}
	return size;
}

size_t bitcoin_tx_weight(const struct bitcoin_tx *tx)
{
	/* BIP141: "Base transaction size * 3 + Total transaction size". */
	return bitcoin_tx_base_size(tx) * 3 + bitcoin_tx_total_size(tx);
}

size_t bitcoin_tx_vsize(const struct bitcoin_tx *tx)
{
	/* BIP141: "Transaction weight / 4 (rounded up to the next
	 * integer)". */
	return (bitcoin_tx_weight(tx) + 3) / 4;
}

char *bitcoin_txid_to_hex(char out[65], const struct bitcoin_txid *txid)
{
	return hex_encode_reversed(out, txid->shad.sha.u8, 32);
}

bool bitcoin_txid_from_hex(struct bitcoin_txid *out, const char *hex,
			   size_t hex_len)
{
	return hex_decode_reversed(out->shad.sha.u8, 32, hex, hex_len);
}

bool bitcoin_txid_eq(const struct bitcoin_txid *a,
		     const struct bitcoin_txid *b)
{
	return memcmp(a->shad.sha.u8, b->shad.sha.u8, 32) == 0;
}
