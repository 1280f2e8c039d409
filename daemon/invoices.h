/* Invoices: what we ask to be paid (BOLT #11), kept in the database, and
 * the decisions about HTLCs that pay them.  The RPC commands (invoice,
 * listinvoices, waitinvoice, waitanyinvoice, delinvoice) are in
 * daemon/rpc_invoice.c; they and payflow.c call what is here.
 *
 * An invoice is 'unpaid' until an HTLC paying it is fulfilled, then 'paid'
 * with the next pay_index; it is 'expired' (computed, never stored) once
 * expires_at has passed unpaid.  Marking it paid happens in the same
 * database transaction as the channel step that fulfills the HTLC.
 */
#ifndef OHM_DAEMON_INVOICES_H
#define OHM_DAEMON_INVOICES_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "channel/params.h"
#include "crypto/types.h"

struct invoices;
struct ohmd;
struct rpc_request;

/* CLN's error codes. */
#define INVOICE_LABEL_ALREADY_EXISTS 900
#define INVOICE_PREIMAGE_ALREADY_EXISTS 901
#define INVOICE_EXPIRED_DURING_WAIT 903
#define INVOICE_WAIT_TIMED_OUT 904
#define INVOICE_NOT_FOUND 905
#define INVOICE_STATUS_UNEXPECTED 906

struct invoices *invoices_new(struct ohmd *ohmd);
/* Answers the waiting requests, frees. */
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

/* invoice: creates, stores and answers. */
void invoices_create(struct invoices *invoices, struct rpc_request *request,
		     const struct invoice_params *params);

/* listinvoices (each filter may be NULL). */
json_t *invoices_list_json(struct invoices *invoices, const char *label, const char *bolt11,
			   const uint8_t *payment_hash);

void invoices_wait(struct invoices *invoices, struct rpc_request *request, const char *label);
void invoices_wait_any(struct invoices *invoices, struct rpc_request *request,
		       uint64_t lastpay_index, uint64_t timeout_secs);
void invoices_delete(struct invoices *invoices, struct rpc_request *request, const char *label,
		     const char *status);

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
};

/* The unpaid or paid invoice for payment_hash.  Returns: false if none. */
bool invoices_find(struct invoices *invoices, const struct sha256 *payment_hash,
		   struct invoice_match *out);

/* Marks invoice id paid with amount_msat, inside the caller's transaction.
 * A keysend without an invoice gets one first (keysend_preimage set):
 * *id is then its new id.  waitinvoice/waitanyinvoice hear of it once
 * that transaction commits (db_after_commit), never before. */
bool invoices_mark_paid_db(struct invoices *invoices, int64_t *id, uint64_t amount_msat,
			   const uint8_t *keysend_preimage);

#endif /* OHM_DAEMON_INVOICES_H */
