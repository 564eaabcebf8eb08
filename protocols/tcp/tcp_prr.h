/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Proportional Rate Reduction (RFC 6937) of the tcp driver: how much an ACK in an RFC 6675
 * recovery lets go. The per-recovery state and the calls tcp_sack.c and tcp_output.c make;
 * the code is in tcp_prr.c. Internal to protocols/tcp/.
 */
#ifndef YARD_PROTOCOLS_TCP_PRR_H
#define YARD_PROTOCOLS_TCP_PRR_H

#include <stdbool.h>
#include <stdint.h>

/* One recovery's accounting (RFC 6937 3.1), bytes. */
struct tcp_prr {
	uint32_t pr_recover_fs; /* RecoverFS: what the recovery can see delivered */
	uint32_t pr_delivered;  /* prr_delivered: bytes the peer got since it began */
	uint32_t pr_out;        /* prr_out: bytes sent since it began */
};

/* What an ACK's arithmetic came to (for the counters and the tests). */
enum { PRR_PROPORTIONAL, PRR_BOUND, PRR_BOUND_LIMITED };

struct tcpcb;

bool tcp_prr_on(const struct tcpcb *tp);
void tcp_prr_start(struct tcpcb *tp, uint32_t delivered);
void tcp_prr_ack(struct tcpcb *tp, uint32_t delivered);
/* RFC 6937 3.1 sndcnt for pr after prr_delivered took the ACK's delivered bytes. */
uint32_t tcp_prr_sndcnt(const struct tcp_prr *pr, uint32_t pipe, uint32_t ssthresh,
			uint32_t delivered, uint32_t mss, bool conservative, int *how);

/* Every byte sent in recovery, new or resent (RFC 6937 3.1, "prr_out += data sent"). */
static inline void
tcp_prr_sent(struct tcp_prr *pr, uint32_t len)
{
	pr->pr_out += len;
}

#endif
