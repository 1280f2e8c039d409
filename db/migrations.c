/* ohm's schema, oldest first.  Append only: see migrations.h. */
#include "db/migrations.h"

const struct db_migration ohm_migrations[] = {
	/* 1: small named settings (e.g. "node_id"), read with db_var_get_*. */
	{"CREATE TABLE vars ("
	 "  name TEXT PRIMARY KEY,"
	 "  value BLOB NOT NULL)"},
	/* 2: peers we know, the address we last reached each at, and when
	 * (last_connected is UNIX time in seconds; NULL if never). */
	{"CREATE TABLE peers ("
	 "  node_id BLOB PRIMARY KEY CHECK (length(node_id) = 33),"
	 "  address TEXT,"
	 "  last_connected INTEGER)"},
	/* 3: the blocks the chain client processed (daemon/chain/chain.c): one per
	 * height from its start height up, each the child of the one below.
	 * Hashes in internal byte order. */
	{"CREATE TABLE blocks ("
	 "  height INTEGER PRIMARY KEY CHECK (height >= 0),"
	 "  hash BLOB NOT NULL UNIQUE CHECK (length(hash) = 32),"
	 "  prev_hash BLOB NOT NULL CHECK (length(prev_hash) = 32))"},
	/* 4: the wallet keys handed out, by BIP32 position (see
	 * daemon/wallet/wallet_keys.h): addrtype 0 is P2WPKH, 1 is P2TR; is_change 1
	 * for our own change.  script is the scriptPubKey the key pays to. */
	{"CREATE TABLE wallet_keys ("
	 "  addrtype INTEGER NOT NULL CHECK (addrtype IN (0, 1)),"
	 "  is_change INTEGER NOT NULL CHECK (is_change IN (0, 1)),"
	 "  keyindex INTEGER NOT NULL CHECK (keyindex >= 0 AND keyindex < 2147483648),"
	 "  script BLOB NOT NULL UNIQUE,"
	 "  PRIMARY KEY (addrtype, is_change, keyindex))"},
	/* 5: the wallet's transactions (those paying or spending our keys)
	 * and outputs.  blockheight and txindex are NULL while unconfirmed;
	 * is_ours marks transactions we made, re-sent until confirmed.  An
	 * output's spent_by is the transaction spending it (confirmed or
	 * not); reserved_til the block height until which withdraw keeps
	 * others off it.  Dropping a transaction drops its outputs and
	 * frees the outputs it spent. */
	{"CREATE TABLE transactions ("
	 "  txid BLOB PRIMARY KEY CHECK (length(txid) = 32),"
	 "  rawtx BLOB NOT NULL,"
	 "  blockheight INTEGER,"
	 "  txindex INTEGER,"
	 "  is_coinbase INTEGER NOT NULL DEFAULT 0,"
	 "  is_ours INTEGER NOT NULL DEFAULT 0,"
	 "  CHECK ((blockheight IS NULL) = (txindex IS NULL)));"
	 "CREATE INDEX transactions_by_height ON transactions (blockheight);"
	 "CREATE TABLE utxos ("
	 "  txid BLOB NOT NULL REFERENCES transactions (txid) ON DELETE CASCADE,"
	 "  outnum INTEGER NOT NULL CHECK (outnum >= 0),"
	 "  amount_sat INTEGER NOT NULL CHECK (amount_sat >= 0),"
	 "  script BLOB NOT NULL,"
	 "  addrtype INTEGER NOT NULL,"
	 "  is_change INTEGER NOT NULL,"
	 "  keyindex INTEGER NOT NULL,"
	 "  spent_by BLOB REFERENCES transactions (txid) ON DELETE SET NULL,"
	 "  reserved_til INTEGER,"
	 "  PRIMARY KEY (txid, outnum));"
	 "CREATE INDEX utxos_by_spender ON utxos (spent_by)"},
	/* 6: a transaction we made but hold back (a channel's funding
	 * transaction until the peer signed our first commitment): not sent,
	 * not re-sent at start-up, its coins spent and reserved. */
	{"ALTER TABLE transactions ADD COLUMN is_held INTEGER NOT NULL DEFAULT 0"},
	/* 7: channels (daemon/channels/channels.c).  id is also the index their
	 * secrets derive from (channel_secrets_derive); channel_id is the
	 * temporary one until funding_created (not unique: peers pick
	 * temporary ids, and ohmd refuses duplicates itself); snapshot is the engine's
	 * channel_serialize form.  funding_height/funding_txindex say where the
	 * funding transaction confirmed, spend_txid/spend_height what spent it
	 * and where; last_tx is the close or commitment transaction we
	 * broadcast, re-sent until it confirms. */
	{"CREATE TABLE channels ("
	 "  id INTEGER PRIMARY KEY,"
	 "  peer_id BLOB NOT NULL CHECK (length(peer_id) = 33),"
	 "  channel_id BLOB NOT NULL CHECK (length(channel_id) = 32),"
	 "  snapshot BLOB NOT NULL,"
	 "  funding_txid BLOB CHECK (length(funding_txid) = 32),"
	 "  funding_outnum INTEGER,"
	 "  funding_height INTEGER,"
	 "  funding_txindex INTEGER,"
	 "  spend_txid BLOB CHECK (length(spend_txid) = 32),"
	 "  spend_height INTEGER,"
	 "  last_tx BLOB,"
	 "  CHECK ((funding_height IS NULL) = (funding_txindex IS NULL)));"
	 "CREATE INDEX channels_by_peer ON channels (peer_id)"},
	/* 8: the peer's latest channel_update for its direction of the
	 * channel (BOLT #7, as received). */
	{"ALTER TABLE channels ADD COLUMN remote_update BLOB"},
	/* 9: payments (daemon/htlcs/invoices.c, daemon/htlcs/payments.c,
	 * daemon/forwards.c).  invoices: what we are asked to be paid;
	 * status 'unpaid' or 'paid' ('expired' is computed from expires_at);
	 * pay_index orders payments for waitanyinvoice.  payments: HTLCs we
	 * send (one row per part), with the onion's shared secrets to decode
	 * a failure and the route as JSON; channel/htlc_id name the HTLC on
	 * our first hop (channels.id, its id).  forwards: HTLCs we pass on,
	 * keyed by the incoming HTLC; preimage or fail_reason is stored as
	 * soon as the outgoing side resolves, in the same transaction. */
	{"CREATE TABLE invoices ("
	 "  id INTEGER PRIMARY KEY,"
	 "  label TEXT NOT NULL UNIQUE,"
	 "  payment_hash BLOB NOT NULL UNIQUE CHECK (length(payment_hash) = 32),"
	 "  preimage BLOB NOT NULL CHECK (length(preimage) = 32),"
	 "  payment_secret BLOB CHECK (length(payment_secret) = 32),"
	 "  amount_msat INTEGER,"
	 "  description TEXT NOT NULL,"
	 "  bolt11 TEXT,"
	 "  created_at INTEGER NOT NULL,"
	 "  expires_at INTEGER NOT NULL,"
	 "  status TEXT NOT NULL DEFAULT 'unpaid' CHECK (status IN ('unpaid', 'paid')),"
	 "  pay_index INTEGER UNIQUE,"
	 "  amount_received_msat INTEGER,"
	 "  paid_at INTEGER);"
	 "CREATE TABLE payments ("
	 "  id INTEGER PRIMARY KEY,"
	 "  payment_hash BLOB NOT NULL CHECK (length(payment_hash) = 32),"
	 "  partid INTEGER NOT NULL DEFAULT 0,"
	 "  status TEXT NOT NULL CHECK (status IN ('pending', 'complete', 'failed')),"
	 "  destination BLOB,"
	 "  amount_msat INTEGER NOT NULL,"
	 "  amount_sent_msat INTEGER NOT NULL,"
	 "  created_at INTEGER NOT NULL,"
	 "  completed_at INTEGER,"
	 "  label TEXT,"
	 "  bolt11 TEXT,"
	 "  preimage BLOB,"
	 "  channel INTEGER,"
	 "  htlc_id INTEGER,"
	 "  shared_secrets BLOB,"
	 "  route TEXT,"
	 "  erring_index INTEGER,"
	 "  failcode INTEGER,"
	 "  failreason TEXT,"
	 "  UNIQUE (payment_hash, partid));"
	 "CREATE INDEX payments_by_htlc ON payments (channel, htlc_id);"
	 "CREATE TABLE forwards ("
	 "  id INTEGER PRIMARY KEY,"
	 "  in_channel INTEGER NOT NULL,"
	 "  in_htlc_id INTEGER NOT NULL,"
	 "  in_msat INTEGER NOT NULL,"
	 "  out_channel INTEGER,"
	 "  out_htlc_id INTEGER,"
	 "  out_msat INTEGER,"
	 "  status TEXT NOT NULL CHECK (status IN ('offered', 'settled', 'failed', 'local_failed')),"
	 "  received_time INTEGER NOT NULL,"
	 "  resolved_time INTEGER,"
	 "  preimage BLOB,"
	 "  fail_reason BLOB,"
	 "  failcode INTEGER,"
	 "  UNIQUE (in_channel, in_htlc_id));"
	 "CREATE INDEX forwards_by_out ON forwards (out_channel, out_htlc_id)"},
	/* 10: the block height when a channel was first stored, from which
	 * a fundee counts the blocks it waits for the funding transaction. */
	{"ALTER TABLE channels ADD COLUMN opened_height INTEGER"},
	/* 11: an outgoing HTLC withdrawn after a reconnection whose failure
	 * the channel engine holds (channel_event.withdrawn_key): its row
	 * stays 'offered' / 'pending' but is no longer live for its
	 * (channel, id), which a new HTLC reuses; NULL for every other row
	 * (daemon/htlcs/htlc_switch.h, invariant 2). */
	{"ALTER TABLE forwards ADD COLUMN withdrawn_key INTEGER;"
	 "ALTER TABLE payments ADD COLUMN withdrawn_key INTEGER"},
	/* 12: a closed channel's on-chain resolver (onchain/onchain.h):
	 * its snapshot, where its sweeps pay, and whether everything is
	 * irrevocably resolved (daemon/onchain/); the HTLCs each channel
	 * carried. */
	{"CREATE TABLE onchain_resolvers ("
	 "  channel INTEGER PRIMARY KEY,"
	 "  sweep_script BLOB NOT NULL,"
	 "  state BLOB NOT NULL,"
	 "  resolved INTEGER NOT NULL DEFAULT 0);"
	 /* Every HTLC a channel ever carried, so a revoked commitment's
	  * HTLC outputs can be recognised (its HTLCs may be long gone). */
	 "CREATE TABLE channel_htlcs_seen ("
	 "  channel INTEGER NOT NULL,"
	 "  offerer INTEGER NOT NULL CHECK (offerer IN (0, 1)),"
	 "  htlc_id INTEGER NOT NULL,"
	 "  payment_hash BLOB NOT NULL CHECK (length(payment_hash) = 32),"
	 "  amount_msat INTEGER NOT NULL,"
	 "  cltv_expiry INTEGER NOT NULL,"
	 "  PRIMARY KEY (channel, offerer, htlc_id, payment_hash))"},
	/* 13: a channel as rows (channel/state.h, "Persistence as rows";
	 * daemon/channels/channels_store.c): snapshot_form 1 says snapshot
	 * is the channel row (channel_serialize_row) and the HTLCs and our
	 * HTLC signatures are the rows below; 0, the whole channel
	 * (channel_serialize, as written before), which ohmd rewrites as
	 * rows when it loads it.  channel_htlcs: each HTLC in flight, by its
	 * offerer (0 us, 1 the peer) and id, its record (the engine's
	 * channel_htlc_record), seq (the order to load them in) and its
	 * onion in channel_onions while it may still be needed (onions are
	 * numbered in the order written, so a batch of them fills pages in
	 * turn); channel_sigs: the peer's HTLC signatures on our commitment
	 * commit_num (only the latest is kept). */
	{"ALTER TABLE channels ADD COLUMN snapshot_form INTEGER NOT NULL DEFAULT 0"
	 "  CHECK (snapshot_form IN (0, 1));"
	 "CREATE TABLE channel_onions ("
	 "  id INTEGER PRIMARY KEY,"
	 "  channel INTEGER NOT NULL REFERENCES channels (id) ON DELETE CASCADE,"
	 "  onion BLOB NOT NULL CHECK (length(onion) = 1366));"
	 "CREATE TABLE channel_htlcs ("
	 "  channel INTEGER NOT NULL REFERENCES channels (id) ON DELETE CASCADE,"
	 "  offerer INTEGER NOT NULL CHECK (offerer IN (0, 1)),"
	 "  htlc_id INTEGER NOT NULL,"
	 "  seq INTEGER NOT NULL CHECK (seq > 0),"
	 "  record BLOB NOT NULL,"
	 "  onion_id INTEGER,"
	 "  PRIMARY KEY (channel, offerer, htlc_id)) WITHOUT ROWID;"
	 "CREATE TABLE channel_sigs ("
	 "  channel INTEGER NOT NULL REFERENCES channels (id) ON DELETE CASCADE,"
	 "  commit_num INTEGER NOT NULL,"
	 "  htlc_sigs BLOB NOT NULL,"
	 "  PRIMARY KEY (channel, commit_num)) WITHOUT ROWID"},
	/* 14: the fee bump of our anchors commitment (daemon/channels/
	 * channels_anchor.c): the child spending our anchor that we
	 * broadcast last, with what it paid and at which height, so a
	 * restart keeps bumping it; gone once the commitment confirms. */
	{"CREATE TABLE anchor_bumps ("
	 "  channel INTEGER PRIMARY KEY REFERENCES channels (id) ON DELETE CASCADE,"
	 "  commitment_txid BLOB NOT NULL CHECK (length(commitment_txid) = 32),"
	 "  child_txid BLOB NOT NULL CHECK (length(child_txid) = 32),"
	 "  child_fee_sat INTEGER NOT NULL,"
	 "  child_weight INTEGER NOT NULL,"
	 "  package_feerate_perkw INTEGER NOT NULL,"
	 "  broadcast_height INTEGER NOT NULL)"},
	/* 15: what our BOLT #7 channel_update says of a channel
	 * (daemon/channels/channels_gossip.c): the fees and HTLC limits
	 * setchannel gave it (NULL: the node's defaults), and the timestamp
	 * and disable bit of the last one we signed (timestamps only grow,
	 * across restarts too). */
	{"CREATE TABLE channel_gossip ("
	 "  channel INTEGER PRIMARY KEY,"
	 "  fee_base_msat INTEGER,"
	 "  fee_ppm INTEGER,"
	 "  htlc_minimum_msat INTEGER,"
	 "  htlc_maximum_msat INTEGER,"
	 "  update_timestamp INTEGER NOT NULL DEFAULT 0,"
	 "  update_disabled INTEGER NOT NULL DEFAULT 0)"},
	/* 16: the gossip store (daemon/gossip/gossip_store.h): every BOLT #7
	 * message the graph holds, verbatim (type included), in the order
	 * accepted; id is the graph's reference to it.  scid for a
	 * channel_announcement or channel_update, node_id for a
	 * node_announcement; an announcement's row also has its funding
	 * output's value, txid (to notice its spend) and, once spent, the
	 * height of the spending block. */
	{"CREATE TABLE gossip ("
	 "  id INTEGER PRIMARY KEY,"
	 "  type INTEGER NOT NULL CHECK (type IN (256, 257, 258)),"
	 "  scid INTEGER,"
	 "  node_id BLOB CHECK (node_id IS NULL OR length(node_id) = 33),"
	 "  msg BLOB NOT NULL,"
	 "  amount_sat INTEGER,"
	 "  funding_txid BLOB CHECK (funding_txid IS NULL OR length(funding_txid) = 32),"
	 "  spent_height INTEGER,"
	 "  CHECK ((type = 257) = (node_id IS NOT NULL)),"
	 "  CHECK ((type = 257) = (scid IS NULL)));"
	 "CREATE INDEX gossip_by_scid ON gossip (scid);"
	 "CREATE INDEX gossip_by_node ON gossip (node_id)"},
	/* 17: closed channels (daemon/channels/closed_store.h, listclosedchannels):
	 * a channel moves here from channels, in one transaction, once its
	 * close is irrevocably resolved on chain; id is the channels.id it
	 * had.  opener and closer: 0 us, 1 the peer (closer NULL: unknown);
	 * close_type is the resolver's onchain_close_name; to_wallet_sat what
	 * the close's transactions paid the wallet, less the wallet coins
	 * they spent (NULL: unknown).  channels.close_cause: what started
	 * the close (Core Lightning's close_cause names), once known. */
	{"ALTER TABLE channels ADD COLUMN close_cause TEXT;"
	 "CREATE TABLE closed_channels ("
	 "  id INTEGER PRIMARY KEY,"
	 "  peer_id BLOB NOT NULL CHECK (length(peer_id) = 33),"
	 "  channel_id BLOB NOT NULL CHECK (length(channel_id) = 32),"
	 "  scid INTEGER,"
	 "  opener INTEGER NOT NULL CHECK (opener IN (0, 1)),"
	 "  closer INTEGER CHECK (closer IN (0, 1)),"
	 "  is_private INTEGER NOT NULL,"
	 "  option_anchors INTEGER NOT NULL,"
	 "  local_commitments INTEGER NOT NULL,"
	 "  remote_commitments INTEGER NOT NULL,"
	 "  htlcs_sent INTEGER NOT NULL,"
	 "  funding_txid BLOB NOT NULL CHECK (length(funding_txid) = 32),"
	 "  funding_outnum INTEGER NOT NULL,"
	 "  funding_sat INTEGER NOT NULL,"
	 "  final_to_us_msat INTEGER NOT NULL,"
	 "  close_txid BLOB NOT NULL CHECK (length(close_txid) = 32),"
	 "  close_fee_sat INTEGER NOT NULL,"
	 "  close_height INTEGER NOT NULL,"
	 "  close_type TEXT NOT NULL,"
	 "  close_cause TEXT NOT NULL,"
	 "  to_wallet_sat INTEGER);"
	 "CREATE INDEX closed_channels_by_peer ON closed_channels (peer_id)"},
	/* 18: how many HTLCs paid an invoice (more than one: a multi-part
	 * payment, daemon/htlcs/mpp_hold.h); NULL for those paid before. */
	{"ALTER TABLE invoices ADD COLUMN paid_parts INTEGER"},
	/* 19: the pay a payment part belongs to (Core Lightning's groupid:
	 * each pay of a payment_hash is a new group; sendpay's parts are
	 * group 0 unless it is given one). */
	{"ALTER TABLE payments ADD COLUMN groupid INTEGER NOT NULL DEFAULT 0"},
	/* 20: channel_htlcs_seen without a rowid: its key was a second
	 * b-tree beside the rows, so each HTLC a channel carried dirtied a
	 * page of both in its commit; now the rows are the key's b-tree. */
	{"CREATE TABLE channel_htlcs_seen_20 ("
	 "  channel INTEGER NOT NULL,"
	 "  offerer INTEGER NOT NULL CHECK (offerer IN (0, 1)),"
	 "  htlc_id INTEGER NOT NULL,"
	 "  payment_hash BLOB NOT NULL CHECK (length(payment_hash) = 32),"
	 "  amount_msat INTEGER NOT NULL,"
	 "  cltv_expiry INTEGER NOT NULL,"
	 "  PRIMARY KEY (channel, offerer, htlc_id, payment_hash)) WITHOUT ROWID;"
	 "INSERT INTO channel_htlcs_seen_20 SELECT channel, offerer, htlc_id, payment_hash,"
	 "  amount_msat, cltv_expiry FROM channel_htlcs_seen;"
	 "DROP TABLE channel_htlcs_seen;"
	 "ALTER TABLE channel_htlcs_seen_20 RENAME TO channel_htlcs_seen"},
	/* 21: the min_final_cltv_expiry_delta an invoice asked for, which
	 * its HTLCs are held to; NULL for those made before (they asked
	 * for --cltv-final). */
	{"ALTER TABLE invoices ADD COLUMN min_final_cltv INTEGER"},
};

const size_t ohm_migrations_count =
	sizeof(ohm_migrations) / sizeof(ohm_migrations[0]);
