/* bench/ceiling: what this machine allows a payment, measured where
 * bench/pay.py runs, one core:
 *  - secp256k1 ECDSA signs, verifications and ECDHs per second (through
 *    crypto/secp.h, as the channels and the onion use them);
 *  - fsync'd one-row SQLite commits per second, with ohm's settings
 *    (journal_mode=WAL, synchronous=FULL; see db/db.h), in a database in
 *    DIR (default: $TMPDIR or /tmp), which should be on the nodes' disk.
 * Prints one JSON object per line:
 *   {"bench":"ceiling","metric":"ecdsa_sign","per_sec":X,"usec":Y}
 *
 *   bench/ceiling [SECONDS [DIR]]     (SECONDS per measurement, default 1)
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "crypto/secp.h"

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void print_rate(const char *metric, unsigned long count, double seconds)
{
	printf("{\"bench\":\"ceiling\",\"metric\":\"%s\",\"per_sec\":%.1f,\"usec\":%.2f}\n",
	       metric, count / seconds, seconds * 1e6 / count);
	fflush(stdout);
}

enum op { OP_SIGN, OP_VERIFY, OP_ECDH };

/* Runs op for about seconds; returns how many times, *took the time. */
static unsigned long run_secp(const secp256k1_context *ctx, enum op op, double seconds,
			      double *took)
{
	struct privkey key;
	struct pubkey pub;
	struct sha256 digest;
	struct ecdsa_signature sig, sigs[256];
	struct sha256 digests[256];
	struct secret secret;
	unsigned long n = 0;
	double start = now_seconds(), end = start;

	privkey_generate(ctx, &key);
	if (!pubkey_from_privkey(ctx, &pub, &key))
		abort();
	memset(digest.u8, 0x42, sizeof(digest.u8));
	/* Valid signatures to verify, as a peer's are. */
	for (int i = 0; i < 256; i++) {
		digests[i] = digest;
		digests[i].u8[31] = (uint8_t)i;
		if (!ecdsa_sign(ctx, &sigs[i], &digests[i], &key))
			abort();
	}
	while (end - start < seconds) {
		for (int i = 0; i < 100; i++) {
			bool ok;
			/* A different digest each time: no caching helps. */
			digest.u8[0] = (uint8_t)n;
			digest.u8[1] = (uint8_t)(n >> 8);
			switch (op) {
			case OP_SIGN:
				ok = ecdsa_sign(ctx, &sig, &digest, &key);
				break;
			case OP_VERIFY:
				ok = ecdsa_verify(ctx, &sigs[n % 256], &digests[n % 256], &pub);
				break;
			default:
				ok = ecdh_shared_secret(ctx, &secret, &pub, &key);
				break;
			}
			if (!ok)
				abort();
			n++;
		}
		end = now_seconds();
	}
	*took = end - start;
	return n;
}

static int sqlite_commits(const char *dir, double seconds)
{
	char path[4096];
	sqlite3 *db;
	sqlite3_stmt *stmt;
	unsigned long n = 0;
	double start, end;
	int rc = 1;

	snprintf(path, sizeof(path), "%s/ceiling-%ld.sqlite3", dir, (long)getpid());
	if (sqlite3_open(path, &db) != SQLITE_OK
	    || sqlite3_exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
			    "CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)", NULL, NULL, NULL)
	    != SQLITE_OK
	    || sqlite3_prepare_v2(db, "INSERT INTO t (v) VALUES (randomblob(100))", -1, &stmt,
				  NULL) != SQLITE_OK) {
		fprintf(stderr, "bench/ceiling: %s: %s\n", path, sqlite3_errmsg(db));
		goto out;
	}
	start = end = now_seconds();
	while (end - start < seconds) {
		/* Autocommit: each insert is its own fsync'd transaction. */
		if (sqlite3_step(stmt) != SQLITE_DONE) {
			fprintf(stderr, "bench/ceiling: %s\n", sqlite3_errmsg(db));
			goto out_stmt;
		}
		sqlite3_reset(stmt);
		n++;
		end = now_seconds();
	}
	print_rate("sqlite_commit", n, end - start);
	rc = 0;
out_stmt:
	sqlite3_finalize(stmt);
out:
	sqlite3_close(db);
	for (int k = 0; k < 3; k++) {
		static const char *const suffix[] = {"", "-wal", "-shm"};
		char name[4200];

		snprintf(name, sizeof(name), "%s%s", path, suffix[k]);
		unlink(name);
	}
	return rc;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 1.0, took;
	const char *dir = argc > 2 ? argv[2] : getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	static const char *const names[] = {"ecdsa_sign", "ecdsa_verify", "ecdh"};
	secp256k1_context *ctx;

	if (seconds <= 0 || argc > 3) {
		fprintf(stderr, "usage: bench/ceiling [SECONDS [DIR]]\n");
		return 2;
	}
	ctx = crypto_secp_context_new();
	if (!ctx)
		return 1;
	for (enum op op = OP_SIGN; op <= OP_ECDH; op++) {
		unsigned long n = run_secp(ctx, op, seconds, &took);
		print_rate(names[op], n, took);
	}
	crypto_secp_context_destroy(ctx);
	return sqlite_commits(dir, seconds);
}
