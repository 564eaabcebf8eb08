/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The netem module: loss, duplication, corruption, reordering, delay and rate limiting of
 * M_DATA, per direction. What it does for its users, and the ioctls, are in
 * <protocols/netem.h>; the settings checks, the string parser and the counter names are in
 * netem_conf.c.
 *
 * Principles of operation
 * -----------------------
 * Each direction (struct netem_side) is independent: the read queue impairs what goes up,
 * the write queue what goes down; both queues' q_ptr is the pair's struct netem_priv.
 *
 * Idle. With every impairment off and nothing held, a side is passthru (streams/passthru.c):
 * a burst of plain M_DATA goes on whole with putnext_burst(); a message the next queue cannot
 * take is putq'd on our own queue, so QFULL holds back the writer above, and the service
 * procedure drains the queue when we are back-enabled. netem can stay pushed at no cost.
 *
 * Active. A message goes through the stages of netem.h in order: loss, duplication,
 * corruption, reordering, then delay and rate, which give it a release time. One that may go
 * now (release time not in the future, nothing held before it, nothing on our queue, room
 * below) is gathered into a vector passed on with one putnext_burst() per burst. Any other is
 * held. netem holds messages in two lists of its own, never on the STREAMS queue:
 *
 *   - the delay line: linked by b_next/b_prev, ordered by release time (equal times in
 *     arrival order), inserted from the tail since release times mostly grow;
 *   - the reorder holds: a FIFO by b_next, each message waiting for the side's count of
 *     messages gone on (ns_seq) to reach its own mark, or for its deadline.
 *
 * A held message's release time (or deadline) and mark are kept in a dynamic mbuf field of
 * its first block (struct netem_cb), so holding needs no memory of its own. b_next/b_prev are
 * ours while we hold the message (as they are a queue's while it is queued).
 *
 * Release. One yard timer per side is armed for the earliest event: the delay line's head or
 * the oldest reorder deadline. It only qenable()s the queue: the service procedure does the
 * work, on the stream's lcore, so there is one release path. The service procedure first
 * drains our STREAMS queue (messages queued while idle, control messages refused by flow
 * control: they are the oldest), then moves expired reorder holds to the delay stage, then
 * passes the due head of the delay line while bcanputnext() allows. When the next queue is
 * full the due messages stay held (still counted against the limit) and the refusal leaves
 * QWANTW below, which back-enables us when that queue drains. The timer is re-armed for what
 * remains, or cancelled when nothing does, so no timer outlives what it was for.
 *
 * Ordering. Without NETEM_F_JITTER_REORDER every release time is at least the latest given
 * before (ns_last), and a message may go at once only when nothing is held ahead of it, so
 * the only reordering is the one asked for. Control messages are never held: high-priority
 * ones and M_IOCTL go on at once; normal-priority ones (M_PROTO, M_CTL) obey flow control
 * through our queue and wait only behind what is queued there.
 *
 * Random decisions come from a splitmix64 generator per side, seeded from nc_seed by
 * NETEM_SET and NETEM_RESET; a stage draws only when it is enabled, so the decisions are a
 * function of the settings, the seed and the sequence of messages.
 *
 * Arguments at open. A module pushed at run time (yardctl push PORT netem "drop=5% seed=7")
 * gets its settings through yard_modargs_take() (streams/snoop.h), since an I_STR cannot reach
 * a stream linked under ip. open parses them with netem_parse() and applies them to the sides
 * the string names (both unless "side=" says otherwise), as NETEM_SET would; a string that does
 * not parse or check makes the open fail with EINVAL, so the push is refused, not half done.
 *
 * Nothing here allocates memory, takes a lock or logs in a put or service procedure: dupmsg
 * and copyb take blocks from the pools (a failure is counted and the message goes on
 * unimpaired), timers come from the timeout pool. Counters are per instance; an instance
 * belongs to one lcore, so they are plain increments.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

#include <protocols/inet_cksum.h>
#include <protocols/netem.h>
#include <streams/snoop.h>
#include <streams/stream.h>

#define NETEM_IDNUM 0x4e45
#define NETEM_HIWAT 65536 /* bytes on our STREAMS queue before writers above are refused */
#define NETEM_LOWAT 16384
#define NETEM_VEC   32    /* messages gathered per putnext_burst() */

/* What a held message carries in its first mbuf (a dynamic field). */
struct netem_cb {
	uint64_t nb_time; /* delay line: release time; reorder hold: deadline (timer cycles) */
	uint32_t nb_mark; /* reorder hold: goes on when ns_seq reaches this */
	uint32_t nb_pad;
};

#define NETEM_CB_NAME "yard_netem_cb"
static int netem_cb_offset = -1;

/* One direction. */
struct netem_side {
	queue_t *ns_q;              /* the queue of this direction */
	struct netem_conf ns_conf;  /* settings in force, defaults resolved */
	uint64_t ns_hz;             /* timer cycles per second */
	bool ns_active;             /* any impairment on */
	bool ns_lastlost;           /* correlated loss: the previous message was lost */
	bool ns_gebad;              /* Gilbert-Elliott: in the bad state */
	uint64_t ns_rng;            /* splitmix64 state */
	uint64_t ns_seedmix;        /* mixed into the seed so the two sides differ */
	/* the settings in timer cycles */
	uint64_t ns_delay_cyc;
	uint64_t ns_reorder_cyc;
	uint64_t ns_cpb;            /* rate: cycles per byte, 48.16 fixed point */
	uint64_t ns_tau_cyc;        /* rate: burst tolerance (token bucket depth) */
	uint64_t ns_backlog_cyc;    /* rate: longest wait before a message is dropped */
	/* state */
	uint64_t ns_tat;            /* rate: theoretical arrival time of the next message */
	uint64_t ns_last;           /* latest release time given (FIFO unless jitter reorders) */
	uint32_t ns_seq;            /* M_DATA messages gone past the reorder stage */
	mblk_t *ns_head, *ns_tail;  /* the delay line */
	mblk_t *ns_rohead, *ns_rotail; /* the reorder holds */
	timeout_id_t ns_tmo;        /* pending release timer, 0 if none */
	uint64_t ns_tmo_at;         /* ... armed for this time */
	struct netemstat ns_st;     /* nems_held_now counts both lists */
};

/* The pair's private structure, on both queues' q_ptr. */
struct netem_priv {
	struct netem_side np_rd;    /* read side: up */
	struct netem_side np_wr;    /* write side: down */
};

/* Messages gathered to go on together. */
struct netem_out {
	unsigned no_n;
	mblk_t *no_v[NETEM_VEC];
};

static inline struct netem_side *
netem_side(queue_t *q)
{
	struct netem_priv *np = q->q_ptr;

	return (q->q_flag & QREADR) ? &np->np_rd : &np->np_wr;
}

static inline struct netem_cb *
netem_cb(mblk_t *mp)
{
	return RTE_MBUF_DYNFIELD(yard_mblk_mbuf(mp), netem_cb_offset, struct netem_cb *);
}

static int
netem_cb_register(void)
{
	static const struct rte_mbuf_dynfield desc = {
		.name = NETEM_CB_NAME,
		.size = sizeof(struct netem_cb),
		.align = __alignof__(struct netem_cb),
	};
	int off;

	if (__atomic_load_n(&netem_cb_offset, __ATOMIC_ACQUIRE) >= 0)
		return 0;
	/* The same name and shape registered again gives the same offset: races are benign. */
	off = rte_mbuf_dynfield_register(&desc);
	if (off < 0)
		return -rte_errno;
	__atomic_store_n(&netem_cb_offset, off, __ATOMIC_RELEASE);
	return 0;
}

/* ---- the generator ------------------------------------------------------------------------ */

/* splitmix64 (Steele, Lea, Flood 2014): one 64-bit state, good enough for impairment draws. */
static inline uint64_t
netem_rand(struct netem_side *ns)
{
	uint64_t z = (ns->ns_rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in [0, n), by multiply and shift (no division, no modulo bias worth the name). */
static inline uint32_t
netem_below(struct netem_side *ns, uint32_t n)
{
	return (uint32_t)(((netem_rand(ns) >> 32) * (uint64_t)n) >> 32);
}

/* True with probability ppm / 10^6. Certain outcomes draw nothing. */
static inline bool
netem_chance(struct netem_side *ns, uint32_t ppm)
{
	if (ppm == 0)
		return false;
	if (ppm >= NETEM_PPM)
		return true;
	return netem_below(ns, NETEM_PPM) < ppm;
}

/* ---- time --------------------------------------------------------------------------------- */

static inline uint64_t
netem_us_to_cyc(const struct netem_side *ns, uint64_t us)
{
	return us / 1000000 * ns->ns_hz + us % 1000000 * ns->ns_hz / 1000000;
}

/* Microseconds, rounded up, so a timer never fires before the time it is for. */
static inline uint64_t
netem_cyc_to_us(const struct netem_side *ns, uint64_t cyc)
{
	return cyc / ns->ns_hz * 1000000 + (cyc % ns->ns_hz * 1000000 + ns->ns_hz - 1) / ns->ns_hz;
}

/* Serialisation time of len bytes at the rate limit. */
static inline uint64_t
netem_bytes_to_cyc(const struct netem_side *ns, uint64_t len)
{
	__extension__ unsigned __int128 c = (unsigned __int128)len * ns->ns_cpb;

	c >>= 16;
	return c > UINT64_MAX / 2 ? UINT64_MAX / 2 : (uint64_t)c;
}

static void
netem_timer(void *arg)
{
	struct netem_side *ns = arg;

	ns->ns_tmo = 0;
	qenable(ns->ns_q);
}

/* Make sure the service procedure runs by time t (now if t has come). */
static void
netem_arm(struct netem_side *ns, uint64_t t, uint64_t now)
{
	if (t <= now) {
		qenable(ns->ns_q);
		return;
	}
	if (ns->ns_tmo != 0) {
		if (ns->ns_tmo_at <= t)
			return; /* fires sooner; the service procedure re-arms */
		(void)yard_untimeout(ns->ns_tmo);
		ns->ns_tmo = 0;
	}
	ns->ns_tmo = yard_timeout(netem_timer, ns, netem_cyc_to_us(ns, t - now));
	if (unlikely(ns->ns_tmo == 0)) {
		/* No timer to be had: poll from the run list until one is. */
		ns->ns_st.nems_timer_fail++;
		qenable(ns->ns_q);
		return;
	}
	ns->ns_tmo_at = t;
}

static void
netem_disarm(struct netem_side *ns)
{
	if (ns->ns_tmo != 0) {
		(void)yard_untimeout(ns->ns_tmo);
		ns->ns_tmo = 0;
	}
}

/*
 * Arm for the next event of the side, or cancel: the delay line's head (unless it is due and
 * waits for a back-enable) and the oldest reorder deadline.
 */
static void
netem_rearm(struct netem_side *ns, uint64_t now, bool blocked)
{
	uint64_t next = UINT64_MAX;

	if (ns->ns_head != NULL && !blocked)
		next = netem_cb(ns->ns_head)->nb_time;
	if (ns->ns_rohead != NULL)
		next = RTE_MIN(next, netem_cb(ns->ns_rohead)->nb_time);
	if (next == UINT64_MAX) {
		netem_disarm(ns);
		if (ns->ns_st.nems_held_now == 0)
			ns->ns_last = 0; /* nothing ahead to keep the order with */
		return;
	}
	netem_arm(ns, next, now);
}

/* ---- passing on --------------------------------------------------------------------------- */

static inline void
netem_out_flush(struct netem_side *ns, struct netem_out *o)
{
	if (o->no_n == 0)
		return;
	ns->ns_st.nems_passed += o->no_n;
	if (o->no_n == 1)
		putnext(ns->ns_q, o->no_v[0]);
	else
		putnext_burst(ns->ns_q, o->no_v, o->no_n);
	o->no_n = 0;
}

static inline void
netem_out_add(struct netem_side *ns, struct netem_out *o, mblk_t *mp)
{
	o->no_v[o->no_n++] = mp;
	if (o->no_n == NETEM_VEC)
		netem_out_flush(ns, o);
}

/* A message for our STREAMS queue (flow control); it goes on from the service procedure. */
static void
netem_enqueue(struct netem_side *ns, mblk_t *mp)
{
	if (likely(putq(ns->ns_q, mp))) {
		ns->ns_st.nems_queued++;
	} else {
		ns->ns_st.nems_nomem++; /* no memory for the message's band */
		freemsg(mp);
	}
}

/* ---- the held lists ----------------------------------------------------------------------- */

/* Insert into the delay line at time t, after every message due no later. */
static void
netem_dl_insert(struct netem_side *ns, mblk_t *mp, uint64_t t)
{
	mblk_t *p = ns->ns_tail;

	netem_cb(mp)->nb_time = t;
	while (p != NULL && netem_cb(p)->nb_time > t)
		p = p->b_prev;
	mp->b_prev = p;
	mp->b_next = p != NULL ? p->b_next : ns->ns_head;
	if (mp->b_next != NULL)
		mp->b_next->b_prev = mp;
	else
		ns->ns_tail = mp;
	if (p != NULL)
		p->b_next = mp;
	else
		ns->ns_head = mp;
	ns->ns_st.nems_held_now++;
}

static void
netem_dl_unlink(struct netem_side *ns, mblk_t *mp)
{
	if (mp->b_prev != NULL)
		mp->b_prev->b_next = mp->b_next;
	else
		ns->ns_head = mp->b_next;
	if (mp->b_next != NULL)
		mp->b_next->b_prev = mp->b_prev;
	else
		ns->ns_tail = mp->b_prev;
	mp->b_next = mp->b_prev = NULL;
	ns->ns_st.nems_held_now--;
}

static mblk_t *
netem_ro_pop(struct netem_side *ns)
{
	mblk_t *mp = ns->ns_rohead;

	ns->ns_rohead = mp->b_next;
	if (ns->ns_rohead == NULL)
		ns->ns_rotail = NULL;
	mp->b_next = NULL;
	ns->ns_st.nems_held_now--;
	return mp;
}

/*
 * Free what the side holds (all of it, or only band pri's); returns how many. Used by M_FLUSH
 * and close.
 */
static uint64_t
netem_free_held(struct netem_side *ns, bool all, unsigned char pri)
{
	uint64_t n = 0;
	mblk_t *mp, *next, *prev = NULL;

	for (mp = ns->ns_head; mp != NULL; mp = next) {
		next = mp->b_next;
		if (all || mp->b_band == pri) {
			netem_dl_unlink(ns, mp);
			freemsg(mp);
			n++;
		}
	}
	for (mp = ns->ns_rohead; mp != NULL; mp = next) {
		next = mp->b_next;
		if (!all && mp->b_band != pri) {
			prev = mp;
			continue;
		}
		if (prev != NULL)
			prev->b_next = next;
		else
			ns->ns_rohead = next;
		if (ns->ns_rotail == mp)
			ns->ns_rotail = prev;
		mp->b_next = NULL;
		ns->ns_st.nems_held_now--;
		freemsg(mp);
		n++;
	}
	return n;
}

/* ---- the stages --------------------------------------------------------------------------- */

/* Stage 1: is this message lost? */
static bool
netem_lose(struct netem_side *ns)
{
	const struct netem_conf *c = &ns->ns_conf;
	bool lost;

	if (c->nc_ge_p_ppm != 0) {
		/* Gilbert-Elliott: take the transition first, then lose with the new state's odds. */
		if (ns->ns_gebad) {
			if (netem_chance(ns, c->nc_ge_r_ppm))
				ns->ns_gebad = false;
		} else if (netem_chance(ns, c->nc_ge_p_ppm)) {
			ns->ns_gebad = true;
		}
		return netem_chance(ns, ns->ns_gebad ? c->nc_ge_bad_ppm : c->nc_ge_good_ppm);
	}
	if (c->nc_drop_corr_ppm == 0)
		return netem_chance(ns, c->nc_drop_ppm);
	/*
	 * Correlated: with probability corr the message shares its predecessor's fate, else it
	 * draws afresh. The stationary loss rate stays drop (pi = corr*pi + (1-corr)*drop), the
	 * bursts lengthen with corr: unlike Linux's correlation, which lowers the mean.
	 */
	if (netem_chance(ns, c->nc_drop_corr_ppm))
		lost = ns->ns_lastlost;
	else
		lost = netem_chance(ns, c->nc_drop_ppm);
	ns->ns_lastlost = lost;
	return lost;
}

/* The mbuf metadata of a replaced first block: offload flags, hash, dynamic fields. */
static void
netem_copy_meta(struct rte_mbuf *dst, const struct rte_mbuf *src)
{
	const uint64_t own = RTE_MBUF_F_INDIRECT | RTE_MBUF_F_EXTERNAL;

	dst->ol_flags = (dst->ol_flags & own) | (src->ol_flags & ~own);
	dst->port = src->port;
	dst->vlan_tci = src->vlan_tci;
	dst->vlan_tci_outer = src->vlan_tci_outer;
	dst->tx_offload = src->tx_offload;
	dst->hash = src->hash;
	dst->packet_type = src->packet_type;
	rte_mbuf_dynfield_copy(dst, src);
}

/*
 * A transport's checksum left for ip to complete (protocols/ip.h, "Transport checksums": a
 * built IPv4 datagram whose mbuf asks for the UDP or TCP sum without RTE_MBUF_F_TX_IPV4, which
 * only ip sets) would be summed over the flipped bit, hiding it: complete it now, before the
 * flip, as Linux's netem does (skb_checksum_help()). Anything not plainly such a datagram is
 * left alone (a corruption hidden by an offload is counted corrupt_tx_csum).
 */
static void
netem_settle_l4(mblk_t *mp)
{
	struct rte_mbuf *m = yard_mblk_mbuf(mp);
	uint64_t l4 = m->ol_flags & RTE_MBUF_F_TX_L4_MASK;
	const uint8_t *ip = mp->b_rptr;
	bool udp = l4 == RTE_MBUF_F_TX_UDP_CKSUM;
	unsigned hlen, tot;

	if (l4 == 0 || (m->ol_flags & RTE_MBUF_F_TX_IPV4) || DB_TYPE(mp) != M_DATA ||
	    DB_REF(mp) != 1 || MBLKL(mp) < 20 || (ip[0] >> 4) != 4 ||
	    (!udp && l4 != RTE_MBUF_F_TX_TCP_CKSUM))
		return;
	hlen = (ip[0] & 0xfu) * 4u;
	tot = (unsigned)ip[2] << 8 | ip[3];
	if (hlen < 20 || tot < hlen + (udp ? 8u : 20u) || tot > msgdsize(mp))
		return;
	inet_l4_cksum_complete(mp, hlen, tot, udp);
	m->ol_flags &= ~RTE_MBUF_F_TX_L4_MASK;
}

/* Stage 3: flip one bit, uniformly chosen over the message's data. Returns the message. */
static mblk_t *
netem_corrupt(struct netem_side *ns, mblk_t *mp)
{
	mblk_t **pp, *bp;
	struct rte_mbuf *m;
	size_t len = 0, off;
	uint32_t bit;

	netem_settle_l4(mp);
	for (bp = mp; bp != NULL; bp = bp->b_cont)
		if (DB_TYPE(bp) == M_DATA)
			len += MBLKL(bp);
	if (len == 0)
		return mp;
	bit = netem_below(ns, (uint32_t)RTE_MIN(len * 8, (size_t)UINT32_MAX));
	off = bit >> 3;
	for (pp = &mp, bp = mp;; pp = &bp->b_cont, bp = bp->b_cont) {
		if (DB_TYPE(bp) != M_DATA)
			continue;
		if (off < MBLKL(bp))
			break;
		off -= MBLKL(bp);
	}
	if (DB_REF(bp) > 1) {
		/* Others hold this data (a duplicate, a retransmission queue): flip our own copy. */
		mblk_t *nbp = copyb(bp);

		if (unlikely(nbp == NULL)) {
			ns->ns_st.nems_nomem++;
			return mp;
		}
		netem_copy_meta(yard_mblk_mbuf(nbp), yard_mblk_mbuf(bp));
		nbp->b_cont = bp->b_cont;
		bp->b_cont = NULL;
		freeb(bp);
		*pp = bp = nbp;
		ns->ns_st.nems_corrupt_copies++;
	}
	bp->b_rptr[off] ^= (unsigned char)(1u << (bit & 7));
	bp->b_datap->db_cksum = 0; /* a partial checksum of the data no longer holds */
	/* Let the layer above verify in software: a verdict from the NIC no longer holds. */
	m = yard_mblk_mbuf(mp);
	m->ol_flags &= ~(RTE_MBUF_F_RX_IP_CKSUM_MASK | RTE_MBUF_F_RX_L4_CKSUM_MASK |
			 RTE_MBUF_F_RX_OUTER_L4_CKSUM_MASK | RTE_MBUF_F_RX_OUTER_IP_CKSUM_BAD);
	if (m->ol_flags & (RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_L4_MASK))
		ns->ns_st.nems_corrupt_tx_csum++;
	ns->ns_st.nems_corrupted++;
	return mp;
}

/*
 * Stages 5 and 6: give mp its release time (delay, jitter, order, rate) and pass it now (into
 * o) or hold it on the delay line.
 */
static void
netem_when(struct netem_side *ns, mblk_t *mp, uint64_t now, struct netem_out *o)
{
	const struct netem_conf *c = &ns->ns_conf;
	uint64_t t = now, tat = ns->ns_tat;
	bool delayed = false, paced = false, refused = false;

	if (ns->ns_delay_cyc != 0 || c->nc_jitter_us != 0) {
		int64_t d = (int64_t)ns->ns_delay_cyc;

		if (c->nc_jitter_us != 0) {
			int64_t j = (int64_t)netem_below(ns, 2 * c->nc_jitter_us + 1) -
				    (int64_t)c->nc_jitter_us;

			d += j * (int64_t)ns->ns_hz / 1000000;
		}
		if (d > 0) {
			t = now + (uint64_t)d;
			delayed = true;
		}
	}
	if (c->nc_rate_bps != 0) {
		/* Token bucket as virtual scheduling (GCRA): go at tat - tau at the earliest. */
		uint64_t s = t;

		if (tat > ns->ns_tau_cyc && tat - ns->ns_tau_cyc > s)
			s = tat - ns->ns_tau_cyc;
		if (s - t > ns->ns_backlog_cyc) {
			ns->ns_st.nems_rate_limited_drops++;
			freemsg(mp);
			return;
		}
		ns->ns_tat = RTE_MAX(s, tat) + netem_bytes_to_cyc(ns, msgdsize(mp));
		if (s > t) {
			t = s;
			paced = true;
		}
	}
	/* After the rate: the backlog is measured from when the message was ready. */
	if (!(c->nc_flags & NETEM_F_JITTER_REORDER) && t < ns->ns_last)
		t = ns->ns_last;
	if (t <= now && ns->ns_head == NULL && ns->ns_q->q_first == NULL) {
		if (likely(bcanputnext(ns->ns_q, mp->b_band))) {
			ns->ns_last = RTE_MAX(ns->ns_last, t);
			netem_out_add(ns, o, mp);
			return;
		}
		ns->ns_st.nems_flow_blocked++; /* held; the refusal back-enables us */
		refused = true;
	}
	if (ns->ns_st.nems_held_now >= c->nc_limit) {
		ns->ns_tat = tat; /* it never takes its turn */
		ns->ns_st.nems_limit_drops++;
		freemsg(mp);
		return;
	}
	ns->ns_last = RTE_MAX(ns->ns_last, t);
	ns->ns_st.nems_delayed += delayed;
	ns->ns_st.nems_rate_paced += paced;
	netem_dl_insert(ns, mp, t);
	/*
	 * A new head needs the service procedure by t; unless it waits for a back-enable (the
	 * next queue refused it, or our queue holds messages refused before it).
	 */
	if (mp == ns->ns_head && !refused && (t > now || ns->ns_q->q_first == NULL))
		netem_arm(ns, t, now);
}

/* Stages 3 and 4, then the reorder holds whose turn came, for one message (or duplicate). */
static void
netem_stage_late(struct netem_side *ns, mblk_t *mp, uint64_t now, struct netem_out *o)
{
	const struct netem_conf *c = &ns->ns_conf;

	if (netem_chance(ns, c->nc_corrupt_ppm))
		mp = netem_corrupt(ns, mp);
	if (netem_chance(ns, c->nc_reorder_ppm)) {
		struct netem_cb *cb;

		if (ns->ns_st.nems_held_now >= c->nc_limit) {
			ns->ns_st.nems_limit_drops++;
			freemsg(mp);
			return;
		}
		cb = netem_cb(mp);
		cb->nb_mark = ns->ns_seq + c->nc_reorder_gap;
		cb->nb_time = now + ns->ns_reorder_cyc;
		mp->b_next = NULL;
		if (ns->ns_rotail != NULL) {
			ns->ns_rotail->b_next = mp;
		} else {
			ns->ns_rohead = mp;
			netem_arm(ns, cb->nb_time, now);
		}
		ns->ns_rotail = mp;
		ns->ns_st.nems_held_now++;
		ns->ns_st.nems_reordered++;
		return;
	}
	ns->ns_seq++;
	netem_when(ns, mp, now, o);
	while (ns->ns_rohead != NULL &&
	       (int32_t)(ns->ns_seq - netem_cb(ns->ns_rohead)->nb_mark) >= 0)
		netem_when(ns, netem_ro_pop(ns), now, o);
}

/* One M_DATA message on an active side. */
static void
netem_data(struct netem_side *ns, mblk_t *mp, uint64_t now, struct netem_out *o)
{
	mblk_t *dup = NULL;

	if (netem_lose(ns)) {
		ns->ns_st.nems_dropped++;
		freemsg(mp);
		return;
	}
	if (netem_chance(ns, ns->ns_conf.nc_dup_ppm)) {
		dup = dupmsg(mp);
		if (likely(dup != NULL))
			ns->ns_st.nems_duplicated++;
		else
			ns->ns_st.nems_nomem++;
	}
	netem_stage_late(ns, mp, now, o);
	if (dup != NULL)
		netem_stage_late(ns, dup, now, o);
}

/* ---- settings ----------------------------------------------------------------------------- */

/* Restart the generator from the seed and forget the loss and rate history. */
static void
netem_side_reset(struct netem_side *ns)
{
	ns->ns_rng = ns->ns_conf.nc_seed ^ ns->ns_seedmix;
	ns->ns_lastlost = false;
	ns->ns_gebad = false;
	ns->ns_tat = 0;
}

/* Settings already checked by netem_conf_check(). */
static void
netem_side_set(struct netem_side *ns, const struct netem_conf *in, uint32_t side)
{
	struct netem_conf *c = &ns->ns_conf;

	*c = *in;
	c->nc_side = side;
	if (c->nc_limit == 0)
		c->nc_limit = NETEM_LIMIT_DEF;
	if (c->nc_reorder_gap == 0)
		c->nc_reorder_gap = NETEM_REORDER_GAP_DEF;
	if (c->nc_reorder_us == 0)
		c->nc_reorder_us = NETEM_REORDER_US_DEF;
	if (c->nc_rate_backlog == 0)
		c->nc_rate_backlog = NETEM_RATE_BACKLOG_DEF;
	ns->ns_active = c->nc_drop_ppm != 0 || c->nc_ge_p_ppm != 0 || c->nc_dup_ppm != 0 ||
			c->nc_corrupt_ppm != 0 || c->nc_reorder_ppm != 0 || c->nc_delay_us != 0 ||
			c->nc_jitter_us != 0 || c->nc_rate_bps != 0;
	ns->ns_delay_cyc = netem_us_to_cyc(ns, c->nc_delay_us);
	ns->ns_reorder_cyc = netem_us_to_cyc(ns, c->nc_reorder_us);
	ns->ns_cpb = 0;
	if (c->nc_rate_bps != 0) {
		__extension__ unsigned __int128 cpb =
			((unsigned __int128)ns->ns_hz * 8 << 16) / c->nc_rate_bps;

		ns->ns_cpb = cpb > UINT64_MAX ? UINT64_MAX : (uint64_t)cpb;
	}
	ns->ns_tau_cyc = netem_bytes_to_cyc(ns, c->nc_rate_burst);
	ns->ns_backlog_cyc = netem_bytes_to_cyc(ns, c->nc_rate_backlog);
	netem_side_reset(ns);
}

/* ---- M_FLUSH and M_IOCTL ------------------------------------------------------------------ */

static void
netem_flush_side(struct netem_side *ns, bool band, unsigned char pri)
{
	if (band)
		flushband(ns->ns_q, pri, FLUSHALL);
	else
		flushq(ns->ns_q, FLUSHALL);
	ns->ns_st.nems_flushed += netem_free_held(ns, !band, pri);
	netem_rearm(ns, rte_get_timer_cycles(), false);
}

/* The module rules: flush the sides named, ours and the other, then pass it on. */
static void
netem_flush(queue_t *q, mblk_t *mp)
{
	struct netem_priv *np = q->q_ptr;
	unsigned char flag = mp->b_rptr[0];
	bool band = (flag & FLUSHBAND) && MBLKL(mp) >= 2;
	unsigned char pri = band ? mp->b_rptr[1] : 0;

	if (flag & FLUSHW)
		netem_flush_side(&np->np_wr, band, pri);
	if (flag & FLUSHR)
		netem_flush_side(&np->np_rd, band, pri);
	netem_side(q)->ns_st.nems_ctl_passed++;
	putnext(q, mp);
}

/* Our ioctls; false if the command is not ours (it goes on down). */
static bool
netem_ioctl(queue_t *q, mblk_t *mp)
{
	struct netem_priv *np = q->q_ptr;
	struct iocblk *ioc = (struct iocblk *)mp->b_rptr;
	struct netem_conf c;
	int err = 0, count = 0;
	void *in, *out;

	switch (ioc->ioc_cmd) {
	case NETEM_SET:
		in = yard_mioc_in(mp, sizeof(c));
		if (in == NULL) {
			err = EINVAL;
			break;
		}
		memcpy(&c, in, sizeof(c));
		if (netem_conf_check(&c, NULL, 0) != 0) {
			err = EINVAL;
			break;
		}
		if (c.nc_side & NETEM_SIDE_RD)
			netem_side_set(&np->np_rd, &c, NETEM_SIDE_RD);
		if (c.nc_side & NETEM_SIDE_WR)
			netem_side_set(&np->np_wr, &c, NETEM_SIDE_WR);
		break;
	case NETEM_GET:
		in = yard_mioc_in(mp, sizeof(c));
		if (in == NULL) {
			err = EINVAL;
			break;
		}
		memcpy(&c, in, sizeof(c));
		if (c.nc_side != NETEM_SIDE_RD && c.nc_side != NETEM_SIDE_WR) {
			err = EINVAL;
			break;
		}
		c = c.nc_side == NETEM_SIDE_RD ? np->np_rd.ns_conf : np->np_wr.ns_conf;
		out = yard_mioc_out(mp, sizeof(c));
		if (out == NULL) {
			err = ENOSR;
			break;
		}
		memcpy(out, &c, sizeof(c));
		count = sizeof(c);
		break;
	case NETEM_GETSTATS: {
		struct netem_stats st = { .nst_rd = np->np_rd.ns_st, .nst_wr = np->np_wr.ns_st };

		out = yard_mioc_out(mp, sizeof(st));
		if (out == NULL) {
			err = ENOSR;
			break;
		}
		memcpy(out, &st, sizeof(st));
		count = sizeof(st);
		break;
	}
	case NETEM_RESET: {
		uint32_t mask = NETEM_SIDE_RW;

		if (ioc->ioc_count == TRANSPARENT) {
			err = EINVAL;
			break;
		}
		if (ioc->ioc_count != 0) {
			in = yard_mioc_in(mp, sizeof(mask));
			if (in == NULL) {
				err = EINVAL;
				break;
			}
			memcpy(&mask, in, sizeof(mask));
		}
		if (mask == 0 || (mask & ~NETEM_SIDE_RW) != 0) {
			err = EINVAL;
			break;
		}
		for (unsigned i = 0; i < 2; i++) {
			struct netem_side *ns = i == 0 ? &np->np_rd : &np->np_wr;
			uint64_t held = ns->ns_st.nems_held_now;

			if (!(mask & (i == 0 ? NETEM_SIDE_RD : NETEM_SIDE_WR)))
				continue;
			memset(&ns->ns_st, 0, sizeof(ns->ns_st));
			ns->ns_st.nems_held_now = held;
			netem_side_reset(ns);
		}
		break;
	}
	default:
		return false;
	}
	if (err != 0)
		miocnak(q, mp, 0, err);
	else
		miocack(q, mp, count, 0);
	return true;
}

/* ---- put procedures ----------------------------------------------------------------------- */

/* Anything but M_DATA: never impaired, never held by netem. */
static void
netem_other(queue_t *q, struct netem_side *ns, mblk_t *mp)
{
	unsigned char type = DB_TYPE(mp);

	if (type == M_FLUSH && MBLKL(mp) >= 1) {
		netem_flush(q, mp);
		return;
	}
	if (type == M_IOCTL && !(q->q_flag & QREADR) && MBLKL(mp) >= sizeof(struct iocblk) &&
	    netem_ioctl(q, mp))
		return;
	/* High priority and ioctls go at once; the others obey flow control, in turn. */
	if (type >= QPCTL || type == M_IOCTL ||
	    (q->q_first == NULL && bcanputnext(q, mp->b_band))) {
		ns->ns_st.nems_ctl_passed++;
		putnext(q, mp);
		return;
	}
	netem_enqueue(ns, mp);
}

/* Idle and holding nothing: passthru's put procedure. */
static void
netem_put_idle(queue_t *q, struct netem_side *ns, mblk_t **mps, unsigned n)
{
	unsigned i;

	if (q->q_first == NULL && canputnext(q)) {
		for (i = 0; i < n; i++)
			if (DB_TYPE(mps[i]) != M_DATA || mps[i]->b_band != 0)
				break;
		if (likely(i == n)) {
			ns->ns_st.nems_passed += n;
			putnext_burst(q, mps, n);
			return;
		}
	}
	for (i = 0; i < n; i++) {
		mblk_t *mp = mps[i];

		if (DB_TYPE(mp) != M_DATA) {
			netem_other(q, ns, mp);
		} else if (q->q_first == NULL && bcanputnext(q, mp->b_band)) {
			ns->ns_st.nems_passed++;
			putnext(q, mp);
		} else {
			netem_enqueue(ns, mp);
		}
	}
}

/* The burst put procedure of either side; the single-message one calls it with n = 1. */
static void
netem_put_burst(queue_t *q, mblk_t **mps, unsigned n)
{
	struct netem_side *ns = netem_side(q);
	struct netem_out o;
	uint64_t now;

	if (!ns->ns_active && ns->ns_st.nems_held_now == 0) {
		netem_put_idle(q, ns, mps, n);
		return;
	}
	o.no_n = 0;
	now = rte_get_timer_cycles();
	for (unsigned i = 0; i < n; i++) {
		mblk_t *mp = mps[i];

		if (unlikely(DB_TYPE(mp) != M_DATA)) {
			netem_out_flush(ns, &o); /* what went before goes first */
			netem_other(q, ns, mp);
		} else {
			/* Impairments off but holding: no draws, and it counts for reorder gaps. */
			netem_data(ns, mp, now, &o);
		}
	}
	netem_out_flush(ns, &o);
}

static int
netem_put(queue_t *q, mblk_t *mp)
{
	netem_put_burst(q, &mp, 1);
	return 0;
}

/* ---- service procedure -------------------------------------------------------------------- */

/* Enabled by the release timer, by a back-enable, or by putq. See the essay above. */
static int
netem_srv(queue_t *q)
{
	struct netem_side *ns = netem_side(q);
	struct netem_out o = { .no_n = 0 };
	bool blocked = false;
	uint64_t now;
	mblk_t *mp;

	/* Our STREAMS queue first: what waits there is older than what is due below. */
	while ((mp = getq(q)) != NULL) {
		if (!bcanputnext(q, mp->b_band)) {
			(void)putbq(q, mp); /* never fails: its band exists */
			blocked = true;
			break;
		}
		if (DB_TYPE(mp) == M_DATA)
			ns->ns_st.nems_passed++;
		else
			ns->ns_st.nems_ctl_passed++;
		putnext(q, mp);
	}
	now = rte_get_timer_cycles();
	/* Reorder holds whose gap did not come in time go on to the delay stage. */
	while (ns->ns_rohead != NULL && netem_cb(ns->ns_rohead)->nb_time <= now) {
		ns->ns_st.nems_reorder_timeouts++;
		netem_when(ns, netem_ro_pop(ns), now, &o);
	}
	/* The due head of the delay line, in time order, while the next queue takes it. */
	while (!blocked && (mp = ns->ns_head) != NULL && netem_cb(mp)->nb_time <= now) {
		if (q->q_first != NULL || !bcanputnext(q, mp->b_band)) {
			ns->ns_st.nems_flow_blocked++;
			blocked = true;
			break;
		}
		netem_dl_unlink(ns, mp);
		netem_out_add(ns, &o, mp);
	}
	netem_out_flush(ns, &o);
	netem_rearm(ns, now, blocked);
	return 0;
}

/* ---- open and close ----------------------------------------------------------------------- */

static void
netem_side_init(struct netem_side *ns, queue_t *q, uint64_t seedmix)
{
	static const struct netem_conf off = { .nc_side = NETEM_SIDE_RW };

	ns->ns_q = q;
	ns->ns_hz = rte_get_timer_hz();
	ns->ns_seedmix = seedmix;
	netem_side_set(ns, &off, (q->q_flag & QREADR) ? NETEM_SIDE_RD : NETEM_SIDE_WR);
}

/* q is the read queue of the pair being pushed. */
static int
netem_open(queue_t *q, dev_t *devp, int oflag, int sflag, cred_t *crp)
{
	const char *args = yard_modargs_take();
	struct netem_conf c;
	struct netem_priv *np;

	if (sflag != MODOPEN)
		return EINVAL; /* a module, not a driver */
	if (q->q_ptr != NULL)
		return 0;
	/* Parse before allocating anything, so a refused push leaves nothing behind. */
	if (args != NULL && (netem_parse(args, &c) != 0 || netem_conf_check(&c, NULL, 0) != 0))
		return EINVAL;
	if (netem_cb_register() != 0)
		return ENOSPC; /* no room for our dynamic mbuf field */
	np = rte_zmalloc_socket("yard_netem", sizeof(*np), RTE_CACHE_LINE_SIZE, rte_socket_id());
	if (np == NULL)
		return ENOMEM;
	/* "RD-netem", "WR-netem": the two directions draw different sequences from one seed. */
	netem_side_init(&np->np_rd, q, 0x52442d6e6574656dull);
	netem_side_init(&np->np_wr, WR(q), 0x57522d6e6574656dull);
	if (args != NULL) {
		if (c.nc_side & NETEM_SIDE_RD)
			netem_side_set(&np->np_rd, &c, NETEM_SIDE_RD);
		if (c.nc_side & NETEM_SIDE_WR)
			netem_side_set(&np->np_wr, &c, NETEM_SIDE_WR);
	}
	q->q_ptr = WR(q)->q_ptr = np;
	qprocson(q);
	return 0;
}

static int
netem_close(queue_t *q, int flag, cred_t *crp)
{
	struct netem_priv *np = q->q_ptr;

	qprocsoff(q); /* no procedure of ours runs after this; freeq() frees our queues */
	if (np == NULL)
		return 0;
	for (unsigned i = 0; i < 2; i++) {
		struct netem_side *ns = i == 0 ? &np->np_rd : &np->np_wr;

		netem_disarm(ns);
		ns->ns_st.nems_closed_drops += netem_free_held(ns, true, 0);
	}
	q->q_ptr = WR(q)->q_ptr = NULL;
	rte_free(np);
	return 0;
}

/* ---- tables ------------------------------------------------------------------------------- */

static struct qinit netem_rinit, netem_winit;

static struct module_info netem_minfo = {
	.mi_idnum = NETEM_IDNUM,
	.mi_idname = NETEM_MODNAME,
	.mi_minpsz = 0,
	.mi_maxpsz = INFPSZ,
	.mi_hiwat = NETEM_HIWAT,
	.mi_lowat = NETEM_LOWAT,
};

static struct qinit netem_rinit = {
	.qi_putp = netem_put,
	.qi_srvp = netem_srv,
	.qi_qopen = netem_open,
	.qi_qclose = netem_close,
	.qi_minfo = &netem_minfo,
	.qi_putp_burst = netem_put_burst,
};

static struct qinit netem_winit = {
	.qi_putp = netem_put,
	.qi_srvp = netem_srv,
	.qi_minfo = &netem_minfo,
	.qi_putp_burst = netem_put_burst,
};

static struct streamtab netem_streamtab = {
	.st_rdinit = &netem_rinit,
	.st_wrinit = &netem_winit,
};

YARD_MODULE(NETEM_MODNAME, netem_streamtab, D_MP)

int
yard_netem_stats(const queue_t *q, struct netem_stats *out)
{
	const struct netem_priv *np;

	if (q == NULL || (q->q_qinfo != &netem_rinit && q->q_qinfo != &netem_winit) ||
	    (np = q->q_ptr) == NULL)
		return -ENOENT;
	out->nst_rd = np->np_rd.ns_st;
	out->nst_wr = np->np_wr.ns_st;
	return 0;
}
