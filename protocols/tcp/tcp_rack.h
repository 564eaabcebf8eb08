/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RACK (RFC 8985 6) of the tcp driver: the send time of every segment in flight, the
 * RACK.xmit_ts / end_seq / rtt of the most recently sent segment known delivered, the
 * reordering window and its timer. The code is in tcp_rack.c. Internal to protocols/tcp/.
 */
#ifndef YARD_PROTOCOLS_TCP_RACK_H
#define YARD_PROTOCOLS_TCP_RACK_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Send-time ranges kept per connection. A range is one segment as sent; when the map is
 * full the two lowest ranges merge, keeping the later time (so their loss is found later,
 * never sooner, and the merged range counts as delivered only once SACKed whole).
 */
#define TCP_RACK_MAP_MAX 128u
/* RFC 8985 6.2 step 4: recoveries without a D-SACK before the window widening is forgotten */
#define TCP_RACK_REO_PERSIST 16u

/*
 * RACK.min_RTT is the least RTT seen over this window (Linux's tcp_min_rtt_wlen default), not
 * over the connection's life: after a route change to a longer path the reordering window
 * (min_RTT / 4) and the test of a retransmission's ACK (an RTT below min_RTT is the
 * original's) follow the new path within it. Long enough that a stretch of queueing does not
 * pass for the path's own delay.
 */
#define TCP_RACK_MIN_RTT_WIN_MS 300000u

/*
 * A windowed minimum (Kathleen Nichols' filter, tcp_minrtt.c): the best, second-best and
 * third-best samples of the window, each with its time, so that when the best ages out the
 * next is at hand without a history of samples.
 */
struct tcp_minrtt_sample {
	uint32_t ms_time;  /* when it was taken (ms) */
	uint32_t ms_rtt;   /* µs, 0: none */
};
struct tcp_minrtt {
	struct tcp_minrtt_sample mr_s[3];
};

uint32_t tcp_minrtt_update(struct tcp_minrtt *mr, uint32_t now_ms, uint32_t win_ms,
			   uint32_t rtt_us);

/* The least RTT of the window (µs), 0 if none yet. */
static inline uint32_t
tcp_minrtt_get(const struct tcp_minrtt *mr)
{
	return mr->mr_s[0].ms_rtt;
}

/* rs_flags */
#define RS_RETRANS 0x1u /* sent again: an ACK of it is ambiguous (6.2 step 2) */
#define RS_SACKED  0x2u /* the peer holds it (SACK) */
#define RS_LOST    0x4u /* RACK marked it lost: to be resent */

struct tcp_rack_seg {
	uint32_t rs_start, rs_end; /* sequence range */
	uint32_t rs_xmit_us;       /* when it went (last time), tcp_now_us() */
	uint32_t rs_tsval;         /* the TSval it carried: an ACK echoing less is the original's */
	uint32_t rs_flags;         /* RS_* */
};

struct tcp_rack {
	/*
	 * Sorted, disjoint, [SND.UNA, SND.MAX): a ring of tr_n ranges from tr_map[tr_first], so
	 * that appending to a full map (a window of more than TCP_RACK_MAP_MAX segments: every
	 * segment of a bulk transfer) and dropping what an ACK covers move no memory.
	 */
	struct tcp_rack_seg tr_map[TCP_RACK_MAP_MAX];
	unsigned tr_first, tr_n;
	/* RACK.xmit_ts, RACK.end_seq: the latest sent segment delivered; tr_valid: one is known */
	bool tr_valid;
	uint32_t tr_xmit_us, tr_end_seq;
	uint32_t tr_rtt_us;      /* RACK.rtt */
	struct tcp_minrtt tr_min_rtt; /* RACK.min_RTT over TCP_RACK_MIN_RTT_WIN_MS */
	uint32_t tr_fack;        /* RACK.fack: the highest sequence delivered */
	bool tr_reo_seen;        /* RACK.reordering_seen */
	uint8_t tr_reo_mult;     /* RACK.reo_wnd_mult */
	uint8_t tr_reo_persist;  /* RACK.reo_wnd_persist */
	bool tr_dsack_armed;     /* RACK.dsack_round is set */
	uint32_t tr_dsack_round;
	uint32_t tr_recovery_us; /* when this recovery started: later retransmissions are its */
	bool tr_rto_recovery;    /* resending after an RTO, until SND.UNA reaches tr_rto_end */
	uint32_t tr_rto_end;
};

struct tcpcb;
struct tcp_sack_opt;

void tcp_rack_sent(struct tcpcb *tp, uint32_t seq, uint32_t len, bool rexmt, uint32_t tsval);
void tcp_rack_ack(struct tcpcb *tp, uint32_t ack, bool tsecr_valid, uint32_t tsecr);
bool tcp_rack_detect(struct tcpcb *tp);
void tcp_rack_timeout(struct tcpcb *tp);
void tcp_rack_recovery_start(struct tcpcb *tp);
void tcp_rack_recovery_end(struct tcpcb *tp);
void tcp_rack_reneged(struct tcpcb *tp);
void tcp_rack_rto(struct tcpcb *tp);
void tcp_rack_count_rto(struct tcpcb *tp);
uint32_t tcp_rack_inflight_room(const struct tcpcb *tp, uint32_t seq);
uint32_t tcp_rack_lost_edge(const struct tcpcb *tp);
bool tcp_rack_inflight_rexmt(const struct tcpcb *tp, uint32_t seq, uint32_t *end);
uint32_t tcp_rack_reo_wnd_us(const struct tcpcb *tp);
bool tcp_rack_on(const struct tcpcb *tp);

#endif
