/* Invoices: what we ask to be paid (BOLT #11), kept in the database, and
 * the decisions about HTLCs that pay them.  The RPC commands (invoice,
 * listinvoices, waitinvoice, waitanyinvoice, delinvoice) are in
 * daemon/commands/rpc_invoice.c; they and payflow.c call what is here.  The
 * commands get typed results through an invoice_done_fn (JSON is shaped
 * in rpc_invoice.c).
 *
 * An invoice is 'unpaid' until an HTLC paying it is fulfilled, then 'paid'
 * with the next pay_index; it is 'expired' (computed, never stored) once
 * expires_at has passed unpaid.  Marking it paid happens in the same
 * database transaction as the channel step that fulfills the HTLC.
 */
#ifndef OHM_DAEMON_INVOICES_H
#define OHM_DAEMON_INVOICES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "channel/params.h"
#include "crypto/types.h"
#include "daemon/htlcs/invoices_store.h"

struct invoices;
struct htlcs;

/* How an invoice command ends: with the invoice (code 0, err NULL), or
 * with err and code, one of CLN's codes below or INVOICE_ERR_*. */
typedef void (*invoice_done_fn)(void *arg, const struct invoice_row *row, int code,
				const char *err);
#define INVOICE_ERR_INTERNAL 1		/* it could not be done (err: why) */
#define INVOICE_ERR_STOPPING 2		/* ohmd is shutting down */

/* CLN's error codes. */
#define INVOICE_LABEL_ALREADY_EXISTS 900
#define INVOICE_PREIMAGE_ALREADY_EXISTS 901
#define INVOICE_EXPIRED_DURING_WAIT 903
#define INVOICE_WAIT_TIMED_OUT 904
#define INVOICE_NOT_FOUND 905
#define INVOICE_STATUS_UNEXPECTED 906

struct invoices *invoices_new(struct htlcs *htlcs);
/* Ends the waits (INVOICE_ERR_STOPPING), frees. */
void invoices_free(struct invoices *invoices);

struct invoice_params {
	bool has_amount;
	uint64_t amount_msat;
	const char *label;
	const char *description;
	uint64_t expiry_secs;
	const uint8_t *preimage;	/* NULL: random */
	/* fallbacks: scriptPubKeys (version and program from each). */
	const uint8_t *const *fallback_scripts;
	const size_t *fallback_lens;
	size_t num_fallbacks;
};

/* invoice: creates and stores; done gets the stored invoice. */
void invoices_create(struct invoices *invoices, const struct invoice_params *params,
		     invoice_done_fn done, void *arg);

/* listinvoices: each invoice matching the filters (NULL: any), in order. */
void invoices_list(struct invoices *invoices, const char *label, const char *bolt11,
		   const struct sha256 *payment_hash,
		   void (*fn)(void *arg, const struct invoice_row *row), void *arg);

/* "paid", "unpaid" or "expired" (past expires_at unpaid, now). */
const char *invoices_status(const struct invoice_row *row);

/* waitinvoice: done once the invoice label is paid (or expired, deleted). */
void invoices_wait(struct invoices *invoices, const char *label, invoice_done_fn done,
		   void *arg);
/* waitanyinvoice: done with the first invoice paid after lastpay_index
 * (INVOICE_WAIT_TIMED_OUT after timeout_secs, if not 0). */
void invoices_wait_any(struct invoices *invoices, uint64_t lastpay_index,
		       uint64_t timeout_secs, invoice_done_fn done, void *arg);
/* delinvoice: deletes label if its status is status; done gets it. */
void invoices_delete(struct invoices *invoices, const char *label, const char *status,
		     invoice_done_fn done, void *arg);

/* ---- For payflow.c: an HTLC arriving for payment_hash ---- */

/* What we know to pay an HTLC with. */
struct invoice_match {
	int64_t id;
	struct preimage preimage;
	struct secret payment_secret;
	bool has_secret;		/* keysend invoices have none */
	bool has_amount;
	uint64_t amount_msat;
	bool is_paid;
	bool is_expired;
	uint32_t min_final_cltv;	/* 0: not stored (made before it was) */
};

/* The unpaid or paid invoice for payment_hash.  Returns: false if none. */
bool invoices_find(struct invoices *invoices, const struct sha256 *payment_hash,
		   struct invoice_match *out);

/* Marks invoice id paid with amount_msat (received in parts HTLCs), inside
 * the caller's transaction.
 * A keysend without an invoice gets one first (keysend_preimage set):
 * *id is then its new id.  waitinvoice/waitanyinvoice hear of it once
 * that transaction commits (db_after_commit), never before. */
bool invoices_mark_paid_db(struct invoices *invoices, int64_t *id, uint64_t amount_msat,
			   uint64_t parts, const uint8_t *keysend_preimage);

#endif /* OHM_DAEMON_INVOICES_H */
