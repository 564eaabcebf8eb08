/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internals of the tcp driver shared by its files:
 *   tcp.c          open/close, instances, ioctls, the lower (ip) side, plumbing
 *   tcp_tpi.c      the TPI upper interface of endpoints
 *   tcp_input.c    segment arrival (RFC 9293 3.10.7)
 *   tcp_output.c   segment construction and transmission
 *   tcp_timer.c    the per-instance tick and the per-connection timers
 *   tcp_subr.c     connection blocks, tables, ISNs (RFC 6528), checksums, counters
 *   tcp_cc_newreno.c  RFC 5681 + RFC 6582 congestion control
 *   tcp_cc_cubic.c    RFC 9438 CUBIC congestion control
 *   tcp_hystart.c     RFC 9406 HyStart++: the first slow start's exit
 *   tcp_syncookie.c   SYN cookies (RFC 4987 3.6) for a listener whose SYN backlog is full
 *   tcp_icmp.c        ICMP errors: path MTU discovery (RFC 1191), unreachables (RFC 5461)
 *   tcp_rss.c         ephemeral ports whose RSS hash brings replies to this lcore
 *   tcp_connport.c    an active open's port: a 4-tuple free of TIME-WAIT (or recycled), steered
 *   tcp_sack.c        SACK (RFC 2018): the scoreboard, RFC 6675 recovery, the blocks we send
 *   tcp_prr.c         Proportional Rate Reduction (RFC 6937): what each ACK of a recovery sends
 *   tcp_tlp.c         the tail loss probe (RFC 8985 7)
 *   tcp_rack.c        RACK (RFC 8985 6): send times, the reordering window and timer
 *   tcp_minrtt.c      RACK.min_RTT over a window (Kathleen Nichols' windowed-minimum filter)
 *   tcp_undo.c        undo of spurious reductions (D-SACK RFC 3708, timestamps RFC 3522/4015)
 *
 * Everything of an instance runs on its lcore: no locks. Field legend: tp_* is per connection,
 * ti_* per instance.
 */
#ifndef YARD_PROTOCOLS_TCP_PRIV_H
#define YARD_PROTOCOLS_TCP_PRIV_H

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>

#include <netinet/in.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_hash.h>

#include <protocols/tcp.h>
#include <protocols/tcp_hdr.h>
#include <protocols/tihdr.h>
#include <streams/stream.h>

#include "tcp_fsm.h"
#include "tcp_rack.h"
#include "tcp_sack.h"
#include "tcp_undo.h"

/* Defaults of struct tcp_param. */
#define TCP_DEF_MSL_MS       30000u
#define TCP_DEF_RTO_MIN_MS   200u
#define TCP_DEF_RTO_MAX_MS   60000u
#define TCP_DEF_RTO_INIT_MS  1000u
#define TCP_DEF_REXMT_MAX    12u
#define TCP_DEF_SYN_REXMT_MAX 6u
#define TCP_DEF_DELACK_MS    40u
#define TCP_DEF_KEEPIDLE_MS  7200000u
#define TCP_DEF_KEEPINTVL_MS 75000u
#define TCP_DEF_KEEPCNT      8u
#define TCP_DEF_MSS          1460u
#define TCP_DEF_SYN_BACKLOG  128u
#define TCP_DEF_CHACK_LIMIT  1000u
#define TCP_DEF_ICMP_RELAY_LIMIT 1000u
#define TCP_DEF_PMTU_RAISE_MS 600000u
#define TCP_DEF_BLACKHOLE_MSS 1200u
#define TCP_DEF_MAX_TIMEWAIT  32768u  /* half the connection table (TCP_MAX_CONNS) */
#define TCP_DEF_MAX_ORPHANS   8192u   /* an eighth of it: each may hold a send buffer */
#define TCP_DEF_ORPHAN_RETRIES 8u     /* Linux's tcp_orphan_retries of 0 means 8 */
#define TCP_DEF_PORT_LO      49152u
#define TCP_DEF_PORT_HI      65535u

#define TCP_TICK_MS        5u      /* granularity of every TCP timer */
#define TCP_MAX_CONNS      65536u  /* connection table size per instance */
#define TCP_MAX_BINDS      16384u  /* bound ports per instance */
#define TCP_PERSIST_MIN_MS 500u
#define TCP_PERSIST_MAX_MS 60000u
#define TCP_MAXWIN         65535u
#define TCP_HDRS_MAX       (20u + 60u) /* IPv4 + TCP with options */
#define TCP_LOWQ_LIMIT     (1024u * 1024u) /* bytes on the lower write queue before drops */
#define TCP_TXB_MAX        32u     /* segments held for one burst toward ip (ip's IP_TXB_MAX) */

/* Timers (deadlines in instance milliseconds, 0 = off). */
enum { TT_REXMT, TT_PERSIST, TT_KEEP, TT_2MSL, TT_DELACK, TT_PTO, TT_PMTU, TT_RACK, TT_NTIMERS };

/* tp_flags. */
#define TF_ACKNOW    0x0001u /* send an ACK now */
#define TF_DELACK    0x0002u /* an ACK is owed, delayed */
#define TF_NODELAY   0x0004u /* Nagle off */
#define TF_SENTFIN   0x0008u /* our FIN has been sent at least once */
#define TF_WANTFIN   0x0010u /* the user asked for orderly release: FIN after the data */
#define TF_RCVD_TS   0x0020u /* timestamps agreed (RFC 7323 3.2) */
#define TF_RCVD_WS   0x0040u /* window scaling agreed (RFC 7323 2.2) */
#define TF_REQ_TS    0x0080u /* we offer timestamps */
#define TF_REQ_WS    0x0100u /* we offer window scaling */
#define TF_KEEPALIVE 0x0200u
#define TF_FORCE     0x0400u /* persist: send one byte into a zero window */
#define TF_INRECOVERY 0x0800u /* NewReno fast recovery */
#define TF_LISTENER  0x1000u
#define TF_ORPHAN    0x2000u /* its stream closed; finishing the close on its own */
#define TF_CONNIND   0x4000u /* T_CONN_IND sent, waiting for T_CONN_RES */
#define TF_RTTING    0x8000u /* timing a segment (no timestamps) */
#define TF_ORDREL_PENDING 0x10000u /* FIN arrived before the endpoint was attached */
#define TF_EPHEMERAL 0x20000u /* bound to a port tcp chose: an active open may change it */
#define TF_REQ_SACK    0x100000u /* we offer SACK (RFC 2018 2); T_TCP_SACK turns it off */
#define TF_SACK_PERMIT 0x200000u /* SACK agreed: both SYNs carried SACK-permitted */
#define TF_PUREACK     0x400000u /* the next ACK goes alone, not on data (RFC 5681 4.2) */
#define TF_ORPHAN_COUNTED 0x800000u /* counted in ti_norphans (an orphan not in TIME-WAIT) */
#define TF_TXWAIT      0x1000000u /* on ti_txwait: data held back until the queue toward ip drains */

struct tcp_inst;
struct tcpcb;

/* SSTHRESH before any loss: "arbitrarily high" (RFC 5681 3.1). */
#define TCP_SSTHRESH_INIT 0x7fffffffu

/* HyStart++ (tcp_hystart.c, RFC 9406): where the first slow start stands. */
enum { HS_OFF, HS_SS, HS_CSS };
struct tcp_hystart {
	uint8_t hs_state;        /* HS_*: off (done, or disabled), slow start, conservative */
	uint8_t hs_css_rounds;   /* rounds spent in CSS */
	uint16_t hs_samples;     /* RTT samples this round */
	uint32_t hs_window_end;  /* an ACK covering this ends the round */
	uint32_t hs_cur_min;     /* least RTT (ms) of this round, UINT32_MAX: none yet */
	uint32_t hs_last_min;    /* least RTT of the round before */
	uint32_t hs_css_base;    /* the least RTT that started CSS */
	uint32_t hs_css_acc;     /* acked bytes not yet passed on in CSS */
};

/* Congestion control (per connection, selectable by name). */
struct tcp_cc_ops {
	const char *name;
	void (*cc_init)(struct tcpcb *tp);
	/* New data acknowledged (outside recovery). */
	void (*cc_ack)(struct tcpcb *tp, uint32_t acked);
	/* The third duplicate ACK: enter recovery (RFC 5681 3.2 steps 2-3). */
	void (*cc_enter_recovery)(struct tcpcb *tp);
	/* Retransmission timeout (RFC 5681 3.1 eq. 4). */
	void (*cc_timeout)(struct tcpcb *tp);
};

/* The 4-tuple, the connection table's key (network order). */
struct tcp_key {
	uint32_t k_laddr;
	uint32_t k_faddr;
	uint16_t k_lport;
	uint16_t k_fport;
};

/* Which of the tick's lists a block is on (tcp_timer.c): none (a block just allocated or
 * being freed), the live blocks it walks, or a TIME-WAIT queue. */
enum { TL_NONE, TL_LIVE, TL_TW, TL_TW_TICK, TL_N };

/* A connection, an endpoint, or both. */
struct tcpcb {
	struct tcp_inst *tp_inst;  /* NULL once the instance has gone */
	queue_t *tp_rq;            /* endpoint read queue; NULL for embryonic and orphans */
	struct tcpcb *tp_next, *tp_prev;   /* instance's list of every block */
	/* the tick's list the block is on, ti_tl[tp_list] (tcp_timer.c) */
	struct tcpcb *tp_lnext, *tp_lprev;
	uint8_t tp_list;                   /* TL_* */
	struct tcpcb *tp_wnext, *tp_wprev; /* ti_txwait list, while TF_TXWAIT */
	struct tcpcb *tp_head;     /* the listener this connection came from */
	struct tcpcb *tp_qnext;    /* link on the listener's SYN or accept list */
	struct tcpcb *tp_synq;     /* listener: embryonic connections */
	struct tcpcb *tp_acceptq;  /* listener: established, T_CONN_IND sent */
	unsigned tp_synqlen, tp_nconind, tp_conind_max;
	uint32_t tp_id;            /* ACCEPTOR_id of the endpoint; SEQ_number of T_CONN_IND */
	int tp_tstate;             /* TPI state TS_* */
	int tp_state;              /* TCPS_* */
	uint32_t tp_flags;         /* TF_* */
	struct tcp_key tp_key;     /* laddr/lport bound, faddr/fport when connected */
	bool tp_hashed;            /* in the connection table */
	bool tp_bound;             /* in the bind table */

	/* send sequence space (RFC 9293 3.3.1) */
	uint32_t snd_una, snd_nxt, snd_max, snd_wnd, snd_wl1, snd_wl2, iss;
	uint32_t snd_max_wnd;      /* largest window the peer offered */
	/* receive sequence space */
	uint32_t rcv_nxt, rcv_adv, irs;
	uint8_t snd_scale, rcv_scale, req_rcv_scale;
	uint16_t t_maxseg;         /* MSS for sending: min(peer's, ours) less options */
	uint16_t t_peermss;
	uint16_t t_bh_mss;         /* the MSS a suspected black hole lowered, 0: none (tcp_icmp.c) */
	/* congestion control */
	const struct tcp_cc_ops *t_cc;
	uint32_t snd_cwnd, snd_ssthresh, snd_recover, t_bytes_acked;
	unsigned t_dupacks;
	uint64_t t_ccpriv[6];      /* the congestion control's own state (struct tcp_cubic) */
	struct tcp_hystart t_hystart; /* the first slow start's exit (tcp_hystart.c) */
	/* RTT (RFC 6298), in milliseconds scaled: srtt << 3, rttvar << 2 */
	int32_t t_srtt, t_rttvar;
	uint32_t t_rto;            /* current RTO (ms), before backoff */
	unsigned t_rxtshift;       /* backoff exponent */
	uint32_t t_nrexmt;         /* segments retransmitted over the connection's life */
	uint32_t t_rtseq;          /* segment being timed (no timestamps) */
	uint64_t t_rtstart;
	/* timestamps (RFC 7323) */
	uint32_t ts_recent, last_ack_sent;
	uint64_t ts_recent_age;
	/* timers */
	uint64_t t_timer[TT_NTIMERS];
	unsigned t_keepsent;
	uint64_t t_idle_since;     /* last segment received */
	/* send buffer: a b_cont chain from snd_una, held by reference */
	mblk_t *sb_head, *sb_tail;
	uint32_t sb_cc;
	/*
	 * Where the last cut ended (BSD's sb_sndptr): a block of the chain and the offset of its
	 * first byte from sb_head's, so that the next segment's cut starts there instead of
	 * walking from SND.UNA over the whole window (a bulk sender's window holds hundreds of
	 * blocks). NULL: start from sb_head. Kept right by tcp_sb_drop(), cleared by whatever
	 * else rebuilds the chain.
	 */
	mblk_t *sb_sndptr;
	uint32_t sb_sndoff;
	uint32_t t_sndbuf, t_rcvbuf;
	uint8_t t_tos;              /* T_IP_TOS of every segment (the ECN bits clear) */
	uint8_t t_ttl;              /* T_IP_TTL of every segment; 0: TCP_TTL_DEFAULT */
	/* reassembly: b_next list ordered by sequence, seq in the mbuf's hash.usr */
	mblk_t *t_reass;
	uint32_t t_reass_bytes;
	/* data for an endpoint not yet attached (accept pending) */
	mblk_t *t_rcvhold;
	uint32_t t_rcvhold_bytes;
	int t_error;               /* why the connection ended (errno), for T_DISCON_IND */
	int t_softerror;           /* the last soft ICMP error, reported instead of ETIMEDOUT */
	struct tcp_sack t_sack;    /* SACK scoreboard and recovery; blocks we report */
	struct tcp_rack t_rack;    /* send times, RACK state (tcp_rack.c) */
	struct tcp_undo t_undo;    /* the last window reduction, to undo if spurious */
};

/* Per-lcore counters, static so telemetry never reads freed memory. */
struct tcp_pcpu {
	struct tcpstat st;
	volatile uint32_t used;
} __rte_cache_aligned;

extern struct tcp_pcpu tcp_pcpu[RTE_MAX_LCORE];

struct tcp_inst {
	unsigned ti_lcore;
	unsigned ti_ntimewait;     /* connections in TIME-WAIT (tcp_set_state, tcp_cb_free) */
	unsigned ti_norphans;      /* orphans not in TIME-WAIT (tcp_orphan(), tcp_set_state, tcp_cb_free) */
	queue_t *ti_ctl_rq;        /* the control stream's read queue */
	queue_t *ti_lwq;           /* lower write queue (l_qbot) toward ip, NULL if unlinked */
	bool ti_lower_hup;         /* ip's instance went away under the link (M_HANGUP) */
	int ti_muxid;
	struct tcpstat *ti_st;
	struct rte_hash *ti_conns; /* struct tcp_key -> tcpcb */
	/*
	 * The connection the last lookup found (hashed; cleared when it leaves the table): a
	 * bulk flow's segments come in runs, and the hash costs ~150 instructions a segment.
	 */
	struct tcpcb *ti_last;
	struct rte_hash *ti_binds; /* uint32 lport -> tcpcb bound there (listener or endpoint) */
	struct tcpcb *ti_cbs;      /* every block of the instance */
	/*
	 * Freed blocks kept for the next connections (tcp_cb_alloc()), at most TCP_CB_CACHE,
	 * linked by tp_next: rte_malloc() takes the heap's lock and rte_free() clears what it
	 * frees, which cost a passive open more than the rest of its handshake.
	 */
	struct tcpcb *ti_cbfree;
	unsigned ti_ncbfree;
	/* connections with data held back by a full queue toward ip, oldest first (tcp_output.c) */
	struct tcpcb *ti_txwait, *ti_txwait_tail;
	/*
	 * Segments cut while tcp_output() or a burst from ip runs go down together at its end, one
	 * putnext_burst() through ip, arp and the driver (tcp_output.c, "Segments in bursts"):
	 * ti_txb_hold counts the nested holds; ti_ntxb is 0 whenever ti_txb_hold is.
	 */
	mblk_t *ti_txb[TCP_TXB_MAX];
	unsigned ti_ntxb;
	unsigned ti_txb_hold;
	uint32_t ti_addrs[TCP_MAX_ADDRS];
	uint8_t ti_prefix[TCP_MAX_ADDRS];
	unsigned ti_naddrs;
	struct tcp_param ti_param;
	const struct tcp_cc_ops *ti_cc; /* congestion control of new connections */
	timeout_id_t ti_tick;      /* the tick (tcp_timer.c), 0 while no deadline is armed */
	/*
	 * The blocks the tick walks for their timers (TL_LIVE), and those in TIME-WAIT apart,
	 * oldest first, whose only timer is 2 MSL (TL_TW) or a tick past tp_max_timewait
	 * (TL_TW_TICK): the tick reads their heads only, so thousands in TIME-WAIT cost it
	 * nothing. Linked by tp_lnext/tp_lprev.
	 */
	struct tcp_tlist {
		struct tcpcb *q_head, *q_tail;
	} ti_tl[TL_N];
	struct tcpcb *ti_tick_next; /* the tick's walk: the next block of TL_LIVE (tcp_tick) */
	uint64_t ti_tick_due;      /* tcp_now() when the tick fires, 0 if not armed */
	bool ti_ticking;           /* timers on: between tcp_timer_start and tcp_timer_stop */
	uint64_t ti_hz;
	uint64_t ti_us_mult;       /* 10^6 * 2^TCP_US_SHIFT / ti_hz (tcp_now_us) */
	uint64_t ti_ms_mult;       /* 10^3 * 2^TCP_US_SHIFT / ti_hz (tcp_now) */
	uint32_t ti_rank_gen;      /* tcp_insts_gen when ti_rank and ti_ninsts were counted, +1 */
	unsigned ti_rank, ti_ninsts;
	uint64_t ti_tsc0;
	uint64_t ti_now;           /* milliseconds since creation, refreshed by tcp_now() */
	uint8_t ti_isn_key[16];
	uint8_t ti_cookie_key[16]; /* SYN cookie secret, drawn at the first cookie */
	bool ti_cookie_keyed;
	uint64_t ti_cookie_sent_ms; /* 1 + when the last SYN cookie went out, 0: never */
	/* RFC 5961 7: challenge ACKs left in the second that began at ti_chack_start_ms + 1 */
	uint64_t ti_chack_start_ms; /* 0: no second under way */
	uint64_t ti_chack_left;
	/* tp_icmp_relay_limit: relays left in the second that began at ti_relay_start_ms + 1 */
	uint64_t ti_relay_start_ms; /* 0: no second under way */
	uint32_t ti_relay_left;
	uint32_t ti_next_id;
	uint16_t ti_eph_next;
	struct tcp_rss_conf ti_rss[TCP_MAX_ADDRS]; /* RSS of the ports of our addresses */
	unsigned ti_nrss;
	unsigned ti_nopen;         /* streams open (control + endpoints) */
};

extern struct tcp_inst *tcp_insts[RTE_MAX_LCORE];
/* Changes whenever an instance comes or goes (tcp_soft_rank() caches by it). */
extern uint32_t tcp_insts_gen;

#define TCP_INC(ti, name) ((ti)->ti_st->tcps_##name++)
#define TCP_ADD(ti, name, n) ((ti)->ti_st->tcps_##name += (n))

/* Sequence number of an out-of-order segment, kept in its first mbuf. */
static inline uint32_t *
tcp_mseq(mblk_t *mp)
{
	return &yard_mblk_mbuf(mp)->hash.usr;
}

/* tcp_subr.c */
uint64_t tcp_now(struct tcp_inst *ti);
/** tcp_now_us()'s fixed point: cycles times ti_us_mult, shifted right by this. */
#define TCP_US_SHIFT 40
uint32_t tcp_now_us(struct tcp_inst *ti);
void tcp_hystart_init(struct tcpcb *tp);
void tcp_hystart_rtt(struct tcpcb *tp, uint32_t rtt);
uint32_t tcp_hystart_ack(struct tcpcb *tp, uint32_t ack, uint32_t acked);
void tcp_challenge_ack(struct tcpcb *tp);
/* Blocks of freed connections an instance keeps for new ones (ti_cbfree). */
#define TCP_CB_CACHE 512
struct tcpcb *tcp_cb_alloc(struct tcp_inst *ti);
void tcp_cb_free(struct tcpcb *tp);
int tcp_hash_insert(struct tcpcb *tp);
void tcp_hash_remove(struct tcpcb *tp);
struct tcpcb *tcp_lookup(struct tcp_inst *ti, uint32_t laddr, uint16_t lport, uint32_t faddr,
			 uint16_t fport);
struct tcpcb *tcp_lookup_listener(struct tcp_inst *ti, uint32_t laddr, uint16_t lport);
int tcp_bind_port(struct tcpcb *tp, uint16_t lport_be);
void tcp_unbind(struct tcpcb *tp);
uint32_t tcp_new_isn(struct tcp_inst *ti, const struct tcp_key *k);
uint64_t tcp_siphash(const uint8_t key[16], const uint8_t *in, size_t len);
uint32_t tcp_src_addr(struct tcp_inst *ti, uint32_t faddr);
bool tcp_is_local(struct tcp_inst *ti, uint32_t addr);
uint16_t tcp_cksum(uint32_t src, uint32_t dst, const mblk_t *mp, size_t off, size_t len);

/* The IPv4 pseudo-header's unfolded sum (RFC 9293 3.1) for a segment of len bytes. */
static inline uint64_t
tcp_phdr_sum(uint32_t src, uint32_t dst, size_t len)
{
	/* host-order words of its bytes: src, dst, (0, 6), length */
	return (uint64_t)src + dst + rte_cpu_to_be_16(IPPROTO_TCP) +
	       rte_cpu_to_be_16((uint16_t)len);
}
const struct tcp_cc_ops *tcp_cc_find(const char *name);
void tcp_set_state(struct tcpcb *tp, int state);
/* Its stream closed: it finishes its close on its own, counted against tp_max_orphans. */
void tcp_orphan(struct tcpcb *tp);
void tcp_sb_drop(struct tcpcb *tp, uint32_t n);
void tcp_free_bufs(struct tcpcb *tp);
uint32_t tcp_rcv_space(struct tcpcb *tp);

/* tcp_output.c */
int tcp_output(struct tcpcb *tp);
void tcp_respond(struct tcp_inst *ti, const struct tcp_key *k, uint32_t seq, uint32_t ack,
		 uint8_t flags);
void tcp_respond_opts(struct tcp_inst *ti, const struct tcp_key *k, uint32_t seq, uint32_t ack,
		      uint8_t flags, uint16_t win, const uint8_t *opt, unsigned optlen);
void tcp_send_ack_now(struct tcpcb *tp);
void tcp_ip_send(struct tcp_inst *ti, mblk_t *mp);
void tcp_txb_flush(struct tcp_inst *ti);

/* Segments sent from here until tcp_txb_release() wait and go down as one burst. */
static inline void
tcp_txb_hold(struct tcp_inst *ti)
{
	ti->ti_txb_hold++;
}

static inline void
tcp_txb_release(struct tcp_inst *ti)
{
	if (--ti->ti_txb_hold == 0 && ti->ti_ntxb != 0)
		tcp_txb_flush(ti);
}
/* Off the list of connections waiting for the queue toward ip (a block being freed). */
void tcp_txwait_remove(struct tcpcb *tp);
/* The queue toward ip is below high water: the waiting connections send again, in turn. */
void tcp_txwait_resume(struct tcp_inst *ti);
void tcp_setpersist(struct tcpcb *tp);
uint32_t tcp_rexmt_timeout(struct tcpcb *tp);

/* tcp_input.c */
void tcp_input(struct tcp_inst *ti, mblk_t *mp);
/* Both return true if tp was freed (embryonic or orphan), false if it stays on its stream. */
bool tcp_drop(struct tcpcb *tp, int err);
bool tcp_close_conn(struct tcpcb *tp);
void tcp_mss_update(struct tcpcb *tp, unsigned peermss);
uint8_t tcp_wscale_for(uint32_t rcvbuf);
void tcp_usrclosed(struct tcpcb *tp);

/* tcp_syncookie.c */
extern const uint16_t tcp_cookie_mss[8];
/* Answer a SYN at lp with a cookie SYN,ACK; false if cookies are off (TCP_PF_NO_SYNCOOKIES). */
bool tcp_syncookie_send(struct tcp_inst *ti, struct tcpcb *lp, const struct tcp_key *k,
			uint32_t irs, unsigned peer_mss, int peer_ws, bool peer_sack, bool peer_ts,
			uint32_t peer_tsval);
uint32_t tcp_syncookie_make(struct tcp_inst *ti, const struct tcp_key *k, uint32_t irs,
			    unsigned mss, uint64_t now_ms);
/* 0 and *mss if cookie (our ISN) answers the SYN irs of k; -ENOENT (no cookies out),
 * -ETIMEDOUT (stale), -EINVAL (forged). */
int tcp_syncookie_check(struct tcp_inst *ti, const struct tcp_key *k, uint32_t irs,
			uint32_t cookie, uint64_t now_ms, unsigned *mss);
/* The peer's window shift carried in the TSecr of a cookie's ACK, -1 for none. */
int tcp_syncookie_ws(bool ack_ts, uint32_t tsecr);
/* Whether the SYN a cookie's ACK answers offered SACK-permitted, and we agreed (in its TSecr). */
bool tcp_syncookie_sack(bool ack_ts, uint32_t tsecr);

/* tcp_rss.c */
int tcp_rss_set(struct tcp_inst *ti, const struct tcp_rss_conf *c);
uint32_t tcp_rss_hash(const struct tcp_rss_conf *c, uint32_t saddr, uint32_t daddr,
		      uint16_t sport, uint16_t dport);
bool tcp_rss_port_ok(struct tcp_inst *ti, uint32_t laddr, uint16_t lport, uint32_t faddr,
		     uint16_t fport);
/* How an active open's port is judged to bring the peer's replies to this lcore. */
struct tcp_steer {
	const struct tcp_rss_conf *st_rss; /* the local address's RSS, NULL: software steering */
	unsigned st_n, st_me;              /* software steering: instances and our rank */
};
void tcp_steer_init(struct tcp_inst *ti, uint32_t laddr, struct tcp_steer *st);
/* Do the replies to k's peer come here when sent to lport (network order)? */
bool tcp_steer_ok(struct tcp_inst *ti, const struct tcp_steer *st, const struct tcp_key *k,
		  uint16_t lport);
/* Can a choice of port make them come here (RSS over the ports, or several instances)? */
bool tcp_steer_by_port(const struct tcp_steer *st);
/* tcp_connport.c: the local port of an active open (see there). 0, 1, -EADDRINUSE. */
int tcp_connect_port(struct tcpcb *tp, uint32_t *iss_floor);
/* true if mp (a whole segment for no connection here) went to the lcore owning its port */
bool tcp_soft_forward(struct tcp_inst *ti, const struct tcp_key *k, mblk_t *mp);
/*
 * The first word of an IP_ICMP_ERR_IND one tcp instance relayed to another (tcp_icmp_relay()):
 * acted on like ip's, never relayed again.
 */
#define TCP_ICMP_RELAY 0x54435249u /* "TCRI" */
/* true if mp (an ICMP error naming no connection here) was taken to be copied to the others */
bool tcp_icmp_relay(struct tcp_inst *ti, const struct tcp_key *k, bool listener, mblk_t *mp);

/* tcp_icmp.c */
void tcp_icmp_input(struct tcp_inst *ti, mblk_t *mp);
uint32_t tcp_pmtu_next_plateau(uint32_t tot);
void tcp_pmtu_raise(struct tcpcb *tp);
/** A retransmission timeout of an established connection: a path MTU black hole? */
void tcp_pmtu_blackhole(struct tcpcb *tp);
/** Everything outstanding acknowledged while tcp_pmtu_blackhole() had lowered the MSS. */
void tcp_pmtu_blackhole_kept(struct tcpcb *tp);

/* tcp_timer.c */
void tcp_timer_start(struct tcp_inst *ti);
void tcp_timer_stop(struct tcp_inst *ti);
void tcp_timer_arm(struct tcpcb *tp, int which, uint32_t ms);
/* A deadline at due (tcp_now() ms) was stored directly: the tick must come by then. */
void tcp_tick_need(struct tcp_inst *ti, uint64_t due);
void tcp_timer_cancel_all(struct tcpcb *tp);
/*
 * Move tp to the tail of the tick's list (TL_*): TL_LIVE for a new block or one leaving
 * TIME-WAIT, TL_TW or TL_TW_TICK for one entering it (or restarting it) with only TT_2MSL
 * armed, TL_NONE for one being freed.
 */
void tcp_timer_list(struct tcpcb *tp, unsigned list);
void tcp_rtt_update(struct tcpcb *tp, uint32_t rtt_ms);

/* tcp_tpi.c: upward notifications */
void tcp_tpi_wput(queue_t *q, mblk_t *mp);
void tcp_tpi_wsrv(queue_t *q);
void tcp_tpi_close_drain(queue_t *wq, struct tcpcb *tp); /* stream closing */
void tcp_ind_connected(struct tcpcb *tp);          /* T_CONN_CON or T_CONN_IND */
void tcp_ind_data(struct tcpcb *tp, mblk_t *mp);   /* in-order data up */
void tcp_ind_ordrel(struct tcpcb *tp);             /* the peer's FIN */
void tcp_ind_discon(struct tcpcb *tp, int err);    /* reset, timeout, refused */
void tcp_sndbuf_space(struct tcpcb *tp);           /* ACKs made room */
void tcp_abort_endpoint(struct tcpcb *tp);         /* stream closing */
void tcp_setopts_up(struct tcpcb *tp);

/* congestion control modules */
extern const struct tcp_cc_ops tcp_cc_newreno;
extern const struct tcp_cc_ops tcp_cc_cubic;

/* CUBIC's per-connection state in t_ccpriv (tcp_cc_cubic.c); bytes and milliseconds. */
struct tcp_cubic {
	uint64_t cu_epoch_ms;   /* start of the congestion-avoidance epoch, 0: not started */
	uint64_t cu_acc;        /* (target - cwnd) * acked not yet turned into cwnd bytes */
	uint64_t cu_est_acc;    /* same for W_est */
	uint32_t cu_wmax;       /* W_max: cwnd before the last reduction */
	uint32_t cu_cwnd_epoch; /* cwnd at the epoch's start */
	uint32_t cu_k_ms;       /* K */
	uint32_t cu_west;       /* W_est, the Reno-friendly estimate */
	uint32_t cu_after_rto;  /* the next epoch follows an RTO (RFC 9438 4.8) */
	uint32_t cu_reno_acks;  /* ACKs handled in the Reno-friendly region (tests, debugging) */
};
static_assert(sizeof(struct tcp_cubic) <= sizeof(((struct tcpcb *)0)->t_ccpriv),
	      "CUBIC state fits t_ccpriv");
uint64_t tcp_cubic_cbrt(uint64_t x);
uint32_t tcp_cubic_wcubic(const struct tcp_cubic *c, uint32_t mss, uint64_t t_ms);
void tcp_cubic_ack_at(struct tcpcb *tp, uint32_t acked, uint64_t now_ms);

#endif
