/* bench/sigpool: one node's commitment work over many channels, on 1 and
 * on 2 worker threads (common/workpool.h), next to the one-core ceiling
 * measured in the same run.
 *
 * Each channel carries HTLCS non-dust HTLCs (half offered by each side).
 * A round on a channel is what the node computes for one exchange of
 * commitment_signed: build the peer's commitment and sign it and its
 * HTLC transactions (channel_send_commit's work), and build its own and
 * verify the peer's signatures on it (commitment_signed's).  The peer's
 * side is precomputed, so only the node under test works.  Two ways to use
 * the threads, as the daemon does:
 *  - "across_channels": the channels of one flush signed in parallel
 *    (channels.c's sign_pending), each commitment's batch in its worker;
 *  - "per_commitment": channels one after the other, each commitment's
 *    signatures shared by the threads (channel_set_ecdsa_batch).
 * The signatures are checked equal on every thread count.  On a shared
 * machine each figure is the best of 5 short interleaved runs; the CPU
 * time per round (all threads) shows the pool's overhead whatever the load.
 * Prints one JSON object per line.
 *
 *   bench/sigpool [CHANNELS [HTLCS [SECONDS]]]   (default 64 20 2)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "channel/commitment.h"
#include "channel/commitment_sign.h"
#include "channel/keys.h"
#include "common/workpool.h"
#include "crypto/hash.h"
#include "crypto/secp.h"
#include "crypto/secp_batch.h"

static secp256k1_context *ctx;

/* Short runs per figure, the best kept. */
#define REPS 5

struct node {
	struct channel_secrets secrets;
	struct pubkey funding_pubkey;
	struct channel_basepoints basepoints;
};

struct bench_channel {
	struct node us, peer;
	struct channel_params params;	/* our view */
	struct commitment_state state;	/* our view */
	struct channel_htlc *htlcs;
	/* The peer's signatures on our commitment (precomputed). */
	struct ecdsa_signature peer_sig, *peer_htlc_sigs;
	/* Ours on the peer's commitment, from the last round. */
	struct ecdsa_signature our_sig, *our_htlc_sigs;
	size_t num_htlc_outputs;
};

struct bench {
	struct bench_channel *chans;
	size_t num_chans, num_htlcs;
	const struct ecdsa_batch *batch;
};

/* CPU seconds of the whole process (every thread). */
static double cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6
		+ (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "sigpool: %s\n", what);
	exit(1);
}

static void node_init(struct node *n, uint32_t seed)
{
	struct secret node_secret;

	memset(node_secret.data, 0x11, sizeof(node_secret.data));
	memcpy(node_secret.data, &seed, sizeof(seed));
	if (!channel_secrets_derive(ctx, &n->secrets, &node_secret, seed)
	    || !channel_secrets_public(ctx, &n->funding_pubkey, &n->basepoints, &n->secrets))
		die("cannot derive channel secrets");
}

static void params_init(struct channel_params *p, const struct node *local,
			const struct node *remote, bool local_opens)
{
	const struct node *nodes[2] = {local, remote};

	memset(p, 0, sizeof(*p));
	memset(&p->funding.txid, 0xab, sizeof(p->funding.txid));
	p->funding_sat = 10000000;
	p->opener = local_opens ? CHANNEL_LOCAL : CHANNEL_REMOTE;
	p->option_anchors = true;
	for (int side = 0; side < 2; side++) {
		p->party[side].funding_pubkey = nodes[side]->funding_pubkey;
		p->party[side].basepoints = nodes[side]->basepoints;
		p->party[side].dust_limit_sat = 546;
		p->party[side].to_self_delay = 144;
	}
}

static struct commitment *build(const struct channel_params *p, enum channel_side owner,
				const struct node *owner_node,
				const struct commitment_state *state)
{
	struct pubkey point;
	const char *err = NULL;
	struct commitment *c;

	if (!channel_per_commitment_point_from_seed(ctx, &point, &owner_node->secrets.shachain_seed,
						    state->commitment_number))
		die("no per-commitment point");
	c = commitment_new(ctx, p, owner, &point, state, &err);
	if (!c)
		die(err ? err : "no commitment");
	return c;
}

static void channel_setup(struct bench_channel *bc, size_t index, size_t num_htlcs)
{
	struct channel_params peer_params;
	struct commitment_state peer_state;
	struct channel_htlc *mirrored = calloc(num_htlcs + 1, sizeof(*mirrored));
	struct commitment *ours_seen_by_peer;
	uint64_t total = 0;

	node_init(&bc->us, 1000 + 2 * (uint32_t)index);
	node_init(&bc->peer, 1001 + 2 * (uint32_t)index);
	params_init(&bc->params, &bc->us, &bc->peer, true);
	bc->htlcs = calloc(num_htlcs + 1, sizeof(*bc->htlcs));
	for (size_t i = 0; i < num_htlcs; i++) {
		bc->htlcs[i].id = i;
		bc->htlcs[i].offerer = i % 2 ? CHANNEL_REMOTE : CHANNEL_LOCAL;
		bc->htlcs[i].amount_msat = 10000000 + i;	/* 10,000 sat */
		bc->htlcs[i].cltv_expiry = 500 + (uint32_t)i;
		sha256(&bc->htlcs[i].payment_hash, &bc->htlcs[i].id, sizeof(bc->htlcs[i].id));
		total += bc->htlcs[i].amount_msat;
	}
	bc->state.commitment_number = 42;
	bc->state.feerate_per_kw = 253;
	bc->state.balance_msat[CHANNEL_LOCAL] = 6000000000 - total;
	bc->state.balance_msat[CHANNEL_REMOTE] = 4000000000;
	bc->state.htlcs = bc->htlcs;
	bc->state.num_htlcs = num_htlcs;

	/* The peer signs our commitment, as it sees it. */
	params_init(&peer_params, &bc->peer, &bc->us, false);
	peer_state = bc->state;
	peer_state.balance_msat[CHANNEL_LOCAL] = bc->state.balance_msat[CHANNEL_REMOTE];
	peer_state.balance_msat[CHANNEL_REMOTE] = bc->state.balance_msat[CHANNEL_LOCAL];
	for (size_t i = 0; i < num_htlcs; i++) {
		mirrored[i] = bc->htlcs[i];
		mirrored[i].offerer = channel_side_other(bc->htlcs[i].offerer);
	}
	peer_state.htlcs = mirrored;
	ours_seen_by_peer = build(&peer_params, CHANNEL_REMOTE, &bc->us, &peer_state);
	bc->num_htlc_outputs = ours_seen_by_peer->num_htlc_outputs;
	bc->peer_htlc_sigs = calloc(bc->num_htlc_outputs + 1, sizeof(*bc->peer_htlc_sigs));
	bc->our_htlc_sigs = calloc(bc->num_htlc_outputs + 1, sizeof(*bc->our_htlc_sigs));
	if (!commitment_counterparty_sign(ctx, &bc->peer_sig, bc->peer_htlc_sigs, ours_seen_by_peer,
					  &bc->peer.secrets.funding,
					  &bc->peer.secrets.htlc_basepoint_secret))
		die("the peer cannot sign");
	commitment_free(ours_seen_by_peer);
	free(mirrored);
}

/* One round on channel i: sign the peer's commitment, verify ours. */
static void round_one(void *arg, size_t i)
{
	struct bench *b = arg;
	struct bench_channel *bc = &b->chans[i];
	struct commitment *theirs = build(&bc->params, CHANNEL_REMOTE, &bc->peer, &bc->state);
	struct commitment *mine = build(&bc->params, CHANNEL_LOCAL, &bc->us, &bc->state);
	const char *err = NULL;

	if (!commitment_counterparty_sign_batch(ctx, b->batch, &bc->our_sig, bc->our_htlc_sigs,
						theirs, &bc->us.secrets.funding,
						&bc->us.secrets.htlc_basepoint_secret))
		die("cannot sign");
	if (!commitment_counterparty_verify_batch(ctx, b->batch, mine, &bc->peer_sig,
						  bc->peer_htlc_sigs, bc->num_htlc_outputs, &err))
		die(err ? err : "a signature does not verify");
	commitment_free(theirs);
	commitment_free(mine);
}

/* A digest of every signature we made, to compare thread counts. */
static void sigs_digest(struct sha256 *out, const struct bench *b)
{
	struct sha256_ctx h;

	sha256_init(&h);
	for (size_t i = 0; i < b->num_chans; i++) {
		sha256_update(&h, &b->chans[i].our_sig, sizeof(b->chans[i].our_sig));
		sha256_update(&h, b->chans[i].our_htlc_sigs,
			      b->chans[i].num_htlc_outputs * sizeof(b->chans[i].our_htlc_sigs[0]));
	}
	sha256_final(out, &h);
}

/* Channel rounds per second with threads threads, used as mode says. */
static double run(struct bench *b, unsigned threads, bool across, double seconds,
		  struct sha256 *digest, double *cpu_usec_per_round)
{
	struct workpool *pool = workpool_new(threads);
	struct ecdsa_batch batch;
	unsigned long rounds = 0;
	double start, took;

	if (!pool)
		die("cannot start the threads");
	ecdsa_batch_on_pool(&batch, pool);
	b->batch = &batch;
	for (size_t i = 0; i < b->num_chans; i++)
		memset(&b->chans[i].our_sig, 0, sizeof(b->chans[i].our_sig));
	start = now_seconds();
	*cpu_usec_per_round = cpu_seconds();
	do {
		if (across) {
			workpool_map(pool, round_one, b, b->num_chans);
		} else {
			for (size_t i = 0; i < b->num_chans; i++)
				round_one(b, i);
		}
		rounds += b->num_chans;
		took = now_seconds() - start;
	} while (took < seconds);
	*cpu_usec_per_round = (cpu_seconds() - *cpu_usec_per_round) * 1e6 / rounds;
	sigs_digest(digest, b);
	workpool_free(pool);
	return rounds / took;
}

static double ceiling_usec(bool verify, double seconds)
{
	struct privkey key;
	struct pubkey pub;
	struct sha256 digest;
	struct ecdsa_signature sig;
	unsigned long n = 0;
	double start = now_seconds(), took;

	privkey_generate(ctx, &key);
	if (!pubkey_from_privkey(ctx, &pub, &key))
		die("no pubkey");
	memset(digest.u8, 0x42, sizeof(digest.u8));
	if (!ecdsa_sign(ctx, &sig, &digest, &key))
		die("cannot sign");
	do {
		for (int k = 0; k < 100; k++) {
			digest.u8[0] = (uint8_t)n;
			if (verify)
				ecdsa_verify(ctx, &sig, &digest, &pub);
			else if (!ecdsa_sign(ctx, &sig, &digest, &key))
				die("cannot sign");
			n++;
		}
		took = now_seconds() - start;
	} while (took < seconds);
	return took * 1e6 / n;
}

int main(int argc, char **argv)
{
	struct bench b = {0};
	double seconds, sign_usec, verify_usec, per_core, rate[2][2], cpu[2];
	struct sha256 digest[2][2];
	static const char *const modes[2] = {"per_commitment", "across_channels"};

	b.num_chans = argc > 1 ? strtoul(argv[1], NULL, 10) : 64;
	b.num_htlcs = argc > 2 ? strtoul(argv[2], NULL, 10) : 20;
	seconds = argc > 3 ? atof(argv[3]) : 2;
	if (!b.num_chans || seconds <= 0)
		die("usage: bench/sigpool [CHANNELS [HTLCS [SECONDS]]]");
	ctx = crypto_secp_context_new();
	if (!ctx)
		die("cannot initialise libsecp256k1");
	b.chans = calloc(b.num_chans, sizeof(*b.chans));
	for (size_t i = 0; i < b.num_chans; i++)
		channel_setup(&b.chans[i], i, b.num_htlcs);

	/* The machine may be shared: each figure is the best of REPS short
	 * runs, the 1- and 2-thread runs interleaved so that both see the
	 * same background. */
	sign_usec = verify_usec = 1e9;
	for (int rep = 0; rep < REPS; rep++) {
		double u = ceiling_usec(false, seconds / (2 * REPS));
		double v = ceiling_usec(true, seconds / (2 * REPS));

		sign_usec = u < sign_usec ? u : sign_usec;
		verify_usec = v < verify_usec ? v : verify_usec;
	}
	/* Signatures per round: the commitment's and each HTLC output's,
	 * signed once and verified once. */
	per_core = 1e6 / ((b.chans[0].num_htlc_outputs + 1) * (sign_usec + verify_usec));
	printf("{\"bench\":\"sigpool\",\"metric\":\"ceiling\",\"cores\":%u,"
	       "\"sign_usec\":%.2f,\"verify_usec\":%.2f,\"sign_per_sec\":%.0f,"
	       "\"verify_per_sec\":%.0f,\"rounds_per_sec_per_core\":%.1f}\n",
	       workpool_cores(), sign_usec, verify_usec, 1e6 / sign_usec, 1e6 / verify_usec,
	       per_core);
	fflush(stdout);
	for (int across = 1; across >= 0; across--) {
		rate[across][0] = rate[across][1] = 0;
		cpu[0] = cpu[1] = 1e12;
		for (int rep = 0; rep < REPS; rep++) {
			for (unsigned t = 1; t <= 2; t++) {
				double c, r = run(&b, t, across, seconds / REPS, &digest[across][t - 1], &c);

				rate[across][t - 1] = r > rate[across][t - 1] ? r : rate[across][t - 1];
				cpu[t - 1] = c < cpu[t - 1] ? c : cpu[t - 1];
			}
			if (memcmp(&digest[across][0], &digest[across][1], sizeof(digest[0][0])) != 0)
				die("the signatures differ between 1 and 2 threads");
		}
		for (unsigned t = 1; t <= 2; t++)
			printf("{\"bench\":\"sigpool\",\"mode\":\"%s\",\"channels\":%zu,"
			       "\"htlc_outputs\":%zu,\"threads\":%u,\"rounds_per_sec\":%.1f,"
			       "\"sigs_per_sec\":%.0f,\"of_one_core_ceiling\":%.2f,"
			       "\"cpu_usec_per_round\":%.0f}\n",
			       modes[across], b.num_chans, b.chans[0].num_htlc_outputs, t,
			       rate[across][t - 1],
			       rate[across][t - 1] * 2 * (b.chans[0].num_htlc_outputs + 1),
			       rate[across][t - 1] / per_core, cpu[t - 1]);
		printf("{\"bench\":\"sigpool\",\"mode\":\"%s\",\"ratio_2_to_1\":%.2f,"
		       "\"goal\":1.7,\"same_signatures\":true}\n",
		       modes[across], rate[across][1] / rate[across][0]);
		fflush(stdout);
	}
	for (size_t i = 0; i < b.num_chans; i++) {
		free(b.chans[i].htlcs);
		free(b.chans[i].peer_htlc_sigs);
		free(b.chans[i].our_htlc_sigs);
	}
	free(b.chans);
	crypto_secp_context_destroy(ctx);
	return 0;
}
