/* The invoices table: every query on it (daemon/htlcs/invoices.c calls these).
 * Rows are read by column name.
 *
 * Settlement: an invoice is 'unpaid' until marked paid, once, with the
 * next pay_index (1, 2, ...: the order waitanyinvoice reports them in);
 * marking an invoice that is paid already changes nothing.  A keysend
 * (no invoice) gets a row of its own, paid at once. */
#ifndef OHM_DAEMON_INVOICES_STORE_H
#define OHM_DAEMON_INVOICES_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "channel/params.h"
#include "crypto/types.h"

struct db;

/* One invoice. */
struct invoice_row {
	int64_t id;
	char *label;			/* malloc'd (invoice_row_clear) */
	char *description;
	char *bolt11;			/* NULL for a keysend's */
	struct sha256 payment_hash;
	struct preimage preimage;
	bool has_secret;
	struct secret payment_secret;
	bool has_amount;
	uint64_t amount_msat;
	uint64_t created_at, expires_at;
	bool is_paid;
	uint64_t pay_index, amount_received_msat, paid_at;	/* is_paid */
	uint64_t paid_parts;		/* is_paid: the HTLCs that paid it */
	uint32_t min_final_cltv;	/* what it asked for; 0: made before
					 * it was stored (--cltv-final) */
};
void invoice_row_clear(struct invoice_row *row);

/* The invoice with label / payment_hash / the lowest pay_index above
 * lastpay_index.  Returns: 1 (row filled: invoice_row_clear it), 0 if
 * none, -1 on a database error. */
int invoices_store_by_label(struct db *db, const char *label, struct invoice_row *row);
int invoices_store_by_hash(struct db *db, const struct sha256 *payment_hash,
			   struct invoice_row *row);
int invoices_store_paid_after(struct db *db, uint64_t lastpay_index, struct invoice_row *row);
/* Every invoice matching the filters (each NULL: any), in order, to fn
 * (the row is cleared after fn returns).  Returns: false on an error. */
bool invoices_store_list(struct db *db, const char *label, const char *bolt11,
			 const struct sha256 *payment_hash,
			 void (*fn)(void *arg, const struct invoice_row *row), void *arg);

/* A new unpaid invoice (label, payment_hash... from row; id ignored).
 * *id gets its id.  Returns: false on an error (a label or hash taken). */
bool invoices_store_add(struct db *db, const struct invoice_row *row, int64_t *id);
/* Deletes the invoice label.  Returns: false on a database error. */
bool invoices_store_delete(struct db *db, const char *label);

/* What paying an HTLC needs of the invoice for payment_hash (no text:
 * this is on the payment path).  Returns: 1, 0 if none, -1 on an error. */
struct invoice_terms {
	int64_t id;
	struct preimage preimage;
	bool has_secret;
	struct secret payment_secret;
	bool has_amount;
	uint64_t amount_msat;
	bool is_paid;
	uint64_t expires_at;
	uint32_t min_final_cltv;	/* 0: not stored (see invoice_row) */
};
int invoices_store_terms(struct db *db, const struct sha256 *payment_hash,
			 struct invoice_terms *terms);
/* Marks invoice id paid with amount_msat, received in parts HTLCs, at
 * now, with the next pay_index, if it is unpaid.  Returns: false on a
 * database error. */
bool invoices_store_mark_paid(struct db *db, int64_t id, uint64_t amount_msat, uint64_t parts,
			      uint64_t now);
/* A keysend's invoice for sha256(preimage) ("keysend-<hash>", expiring
 * at once, unpaid until marked).  *id gets its id. */
bool invoices_store_add_keysend(struct db *db, const struct preimage *preimage, uint64_t now,
				int64_t *id);

#endif /* OHM_DAEMON_INVOICES_STORE_H */
