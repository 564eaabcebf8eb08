/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Selective acknowledgment (RFC 2018) and SACK-based loss recovery (RFC 6675) of the tcp
 * driver: the per-connection state and the small interface tcp_input.c, tcp_output.c and
 * tcp_timer.c call. The code is in tcp_sack.c. Internal to protocols/tcp/.
 */
#ifndef YARD_PROTOCOLS_TCP_SACK_H
#define YARD_PROTOCOLS_TCP_SACK_H

#include <stdbool.h>
#include <stdint.h>

#include "tcp_prr.h"

/* Ranges of the peer's SACKed data kept per connection (the scoreboard). */
#define TCP_SACK_BOARD_MAX 64u
/* Out-of-order arrivals remembered to order the blocks we send (RFC 2018 4). */
#define TCP_SACK_RCV_RECENT 4u
/* RFC 6675 2: DupThresh. */
#define TCP_SACK_DUPTHRESH 3u

struct tcpcb;

struct tcp_sack_blk {
	uint32_t sb_start; /* first sequence number SACKed */
	uint32_t sb_end;   /* one past the last */
};

struct tcp_sack {
	/* sender: what the peer SACKed above SND.UNA, sorted, disjoint, not adjacent */
	struct tcp_sack_blk ts_board[TCP_SACK_BOARD_MAX];
	unsigned ts_nboard;
	uint32_t ts_high_rxt;  /* RFC 6675 HighRxt: one past the last byte resent in recovery */
	bool ts_recovery;      /* TF_INRECOVERY is an RFC 6675 recovery, not NewReno */
	/* the oldest retransmission not yet known to have arrived, and SND.MAX when it went */
	bool ts_rxt_armed;
	uint32_t ts_rxt_seq, ts_rxt_fence;
	bool ts_rescued;       /* RFC 6675 4 rule 4: the rescue went in this recovery */
	bool ts_after_rto;     /* resending after an RTO: skip what the scoreboard holds */
	bool ts_dsack;         /* the last ACK carried a D-SACK */
	/* tail loss probe (RFC 8985 7): one per episode, until an ACK covers ts_tlp_end */
	bool ts_tlp_active, ts_tlp_rexmt;
	bool ts_pto_cut;       /* the PTO armed is the RTO's, cut a tick short (tcp_tlp_arm) */
	uint32_t ts_tlp_end;
	uint32_t ts_tlp_last;  /* the probe's last data byte */
	uint32_t ts_tlp_len;   /* a resent probe's length */
	uint32_t ts_tlp_time;  /* its TSval: an ACK echoing it was drawn by the probe */
	struct tcp_prr ts_prr; /* the recovery's Proportional Rate Reduction (tcp_prr.c) */
	/* receiver: starts of the latest out-of-order arrivals, most recent first */
	uint32_t ts_recent[TCP_SACK_RCV_RECENT];
	unsigned ts_nrecent;
	/* receiver: a duplicate that arrived, reported once as the next segment's first block */
	bool ts_dsack_due;
	struct tcp_sack_blk ts_dsack_blk;
};

/* Most blocks a SACK option holds: 4 x 8 bytes + 2 fill the 40 bytes of options. */
#define TCP_SACK_OPT_MAX 4

/*
 * A segment's SACK option, as tcp_parse_opts found it: the edges copied out of the header, in
 * host order (left, right of block i at 2i, 2i+1). Copied, not pointed at: the header's block
 * may be freed once the headers are trimmed, before the ACK is processed.
 */
struct tcp_sack_opt {
	uint32_t so_edges[2 * TCP_SACK_OPT_MAX];
	unsigned so_nblocks;
};

/* Sender side. */
uint32_t tcp_sack_update(struct tcpcb *tp, uint32_t ack, const struct tcp_sack_opt *so);
void tcp_sack_prune(struct tcpcb *tp);
uint32_t tcp_sack_bytes(const struct tcp_sack *ts, uint32_t a, uint32_t b);
bool tcp_sack_islost(const struct tcpcb *tp, uint32_t seq);
uint32_t tcp_sack_pipe(const struct tcpcb *tp);
bool tcp_sack_should_recover(const struct tcpcb *tp);
void tcp_sack_enter_recovery(struct tcpcb *tp, uint32_t delivered);
void tcp_sack_recovery_ack(struct tcpcb *tp, uint32_t delivered);
void tcp_sack_output(struct tcpcb *tp);
void tcp_sack_rto(struct tcpcb *tp);
uint32_t tcp_sack_skip(struct tcpcb *tp, uint32_t *room);
bool tcp_sack_probe(struct tcpcb *tp);

/* Tail loss probe (tcp_tlp.c, RFC 8985 7). */
void tcp_tlp_arm(struct tcpcb *tp);
void tcp_tlp_fire(struct tcpcb *tp);
bool tcp_tlp_shows_loss(const struct tcpcb *tp);
void tcp_tlp_ack(struct tcpcb *tp, uint32_t ack, bool tsecr_valid, uint32_t tsecr);

/* Receiver side. */
void tcp_sack_rcv_arrived(struct tcpcb *tp, uint32_t seq);
void tcp_sack_rcv_dup(struct tcpcb *tp, uint32_t s, uint32_t e);
unsigned tcp_sack_optlen(const struct tcpcb *tp, unsigned room);
unsigned tcp_sack_fill(struct tcpcb *tp, uint8_t *opt, unsigned room);

#endif
