/* An asynchronous client for Bitcoin Core's JSON-RPC interface, over
 * libevent's evhttp.
 *
 * Calls are queued and sent over a few keep-alive HTTP connections (at
 * most BITCOIND_MAX_IN_FLIGHT at once, below Core's default of 4 RPC
 * threads and 16 queued requests).  Each call is an HTTP POST of a JSON-RPC
 * 1.0 request (understood by every Core version) with HTTP basic
 * authentication: bitcoin-rpcuser and bitcoin-rpcpassword if given, else
 * the cookie Core writes at start-up, read from
 * <bitcoin-datadir>/<network subdirectory>/.cookie (none on bitcoin,
 * "testnet3", "signet", "regtest") or, failing that, <bitcoin-datadir>/.cookie.
 * The cookie is read again whenever the backend comes back, since Core
 * writes a new one each time it starts.
 *
 * The backend being down is normal (it restarts, it is still starting):
 * a call made with BITCOIND_RETRY waits in the queue until it can be
 * answered, retried with exponential backoff (1 s doubling up to
 * retry_max_secs); one made with BITCOIND_FAIL_FAST is answered at once
 * with a transport error.  "Down" means: cannot connect, no or a malformed
 * HTTP answer, a timeout, authentication refused, HTTP 503 (Core's work
 * queue is full), or Core's "warming up" error (-28).  bitcoind_warning()
 * says why, e.g. "Cannot reach bitcoind at 127.0.0.1:18443: Connection
 * refused"; ohmd shows it in getinfo.
 *
 * Any other answer, success or a JSON-RPC error with its code and message,
 * goes to the callback.
 */
#ifndef OHM_DAEMON_BITCOIND_H
#define OHM_DAEMON_BITCOIND_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct event_base;
struct log;
struct bitcoind;

#define BITCOIND_MAX_IN_FLIGHT 4

/* Core's JSON-RPC error codes that callers act on. */
#define BITCOIND_RPC_IN_WARMUP (-28)
#define BITCOIND_RPC_VERIFY_ERROR (-25)
#define BITCOIND_RPC_VERIFY_REJECTED (-26)
#define BITCOIND_RPC_VERIFY_ALREADY_IN_CHAIN (-27)
#define BITCOIND_RPC_INVALID_ADDRESS_OR_KEY (-5)
#define BITCOIND_RPC_INVALID_PARAMETER (-8)

struct bitcoind_options {
	const char *host;	/* bitcoin-rpcconnect */
	uint16_t port;		/* bitcoin-rpcport */
	const char *user;	/* NULL: use the cookie file */
	const char *password;
	const char *datadir;	/* bitcoin-datadir */
	const char *network_subdir;	/* "", "testnet3", "signet", "regtest" */
	unsigned timeout_secs;	/* per request */
	unsigned retry_max_secs;	/* longest backoff between retries */
};

enum bitcoind_retry {
	BITCOIND_RETRY,		/* wait for the backend, however long */
	BITCOIND_FAIL_FAST,	/* answer with an error if it is down */
};

/* What went wrong with a call. */
struct bitcoind_error {
	bool is_transport;	/* backend unreachable: code is 0 */
	int code;		/* Core's JSON-RPC error code */
	const char *message;	/* Core's message, or why it is unreachable */
};

/* The answer to a call: result on success (borrowed: incref to keep it),
 * else error; exactly one is non-NULL. */
typedef void (*bitcoind_callback)(const json_t *result,
				  const struct bitcoind_error *error, void *arg);

/* Returns: a client for opts (strings are copied), or NULL if out of
 * memory.  Nothing is sent until the first call. */
struct bitcoind *bitcoind_new(struct event_base *base, struct log *log,
			      const struct bitcoind_options *opts);

/* Closes every connection and drops queued and in-flight calls WITHOUT
 * calling their callbacks: their owners must be freed too (this happens at
 * shutdown, with the event loop stopped).  NULL is a no-op. */
void bitcoind_free(struct bitcoind *bitcoind);

/* Queues a call of method with params (a JSON array, reference stolen;
 * NULL for none).  cb runs later from the event loop, never from inside
 * this function. */
void bitcoind_call(struct bitcoind *bitcoind, enum bitcoind_retry retry,
		   const char *method, json_t *params, bitcoind_callback cb,
		   void *arg);

/* Returns: NULL while the backend answers, else why it does not, e.g.
 *          "Cannot reach bitcoind at 127.0.0.1:18443: Connection refused". */
const char *bitcoind_warning(const struct bitcoind *bitcoind);

/* "127.0.0.1:18443", for messages. */
const char *bitcoind_endpoint(const struct bitcoind *bitcoind);

/* The network subdirectory Core uses for a network name from
 * bitcoin/chainparams.h: "" for bitcoin, "testnet3", "signet", "regtest". */
const char *bitcoind_network_subdir(const char *network);

#endif /* OHM_DAEMON_BITCOIND_H */
