/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Undo of spurious window reductions (RFC 3708 with D-SACK, RFC 3522 / RFC 4015 with
 * timestamps): the per-connection state and the calls tcp_input.c, tcp_output.c,
 * tcp_sack.c, tcp_tlp.c and tcp_timer.c make. The code is in tcp_undo.c. Internal to
 * protocols/tcp/.
 */
#ifndef YARD_PROTOCOLS_TCP_UNDO_H
#define YARD_PROTOCOLS_TCP_UNDO_H

#include <stdbool.h>
#include <stdint.h>

/* What reduced the window (tu_kind). */
enum { TU_NONE, TU_RECOVERY, TU_TLP, TU_RTO };

struct tcp_undo {
	uint8_t tu_kind;          /* TU_*: an episode that may still be undone */
	uint32_t tu_cwnd, tu_ssthresh; /* before the reduction */
	uint64_t tu_ccpriv[6];    /* the congestion control's state before it (CUBIC's W_max..) */
	uint32_t tu_start, tu_end; /* the sequence range the episode resent in */
	uint32_t tu_rexmt_bytes;  /* bytes resent in it, not yet reported duplicate (D-SACK) */
	bool tu_rexmt_seen;       /* something was resent */
	uint32_t tu_rxt_tsval;    /* TSval of its first retransmission */
};

struct tcpcb;

void tcp_undo_begin(struct tcpcb *tp, int kind);
void tcp_undo_rexmt(struct tcpcb *tp, uint32_t seq, uint32_t len);
void tcp_undo_dsack(struct tcpcb *tp, uint32_t s, uint32_t e);
void tcp_undo_recovery_end(struct tcpcb *tp, bool tsecr_valid, uint32_t tsecr);
bool tcp_undo_rto_ack(struct tcpcb *tp, bool tsecr_valid, uint32_t tsecr);

#endif
