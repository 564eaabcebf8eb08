/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tcp subroutines: connection blocks, the per-instance connection and bind tables (rte_hash,
 * touched only by the owning lcore), initial sequence numbers (RFC 6528), the checksum over
 * message chains, the clock, and the counters with their telemetry.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_telemetry.h>

#include "inet_cksum.h"
#include "tcp_priv.h"

struct tcp_pcpu tcp_pcpu[RTE_MAX_LCORE];

const char *const tcp_state_names[TCP_NSTATES] = {
	"CLOSED", "LISTEN", "SYN-SENT", "SYN-RECEIVED", "ESTABLISHED", "CLOSE-WAIT",
	"FIN-WAIT-1", "CLOSING", "LAST-ACK", "FIN-WAIT-2", "TIME-WAIT",
};

/*
 * Milliseconds since creation. Read many times a segment (timers, timestamps, RACK), so like
 * tcp_now_us() below a multiply and a shift rather than a 64-bit division (~40 cycles, a few
 * percent of a connection-per-request lcore's time); the floored factor can only make it a
 * millisecond late at a boundary, never go backwards.
 */
uint64_t
tcp_now(struct tcp_inst *ti)
{
	uint64_t c = rte_get_timer_cycles() - ti->ti_tsc0;

	ti->ti_now = (uint64_t)(((unsigned __int128)c * ti->ti_ms_mult) >> TCP_US_SHIFT);
	return ti->ti_now;
}

/*
 * Microseconds since creation, 32 bits (RACK's send times, tcp_rack.c). Read for every
 * segment sent and every ACK, so a multiply and a shift by a factor worked out once
 * (tcp_inst_create: 10^6 * 2^TCP_US_SHIFT / hz) rather than three 64-bit divisions, which
 * cost a request-response exchange about 250 cycles per segment. The factor's rounding is
 * a few parts in 10^9 of the time (at 2^40 and a GHz clock); the result never goes backwards.
 */
uint32_t
tcp_now_us(struct tcp_inst *ti)
{
	uint64_t c = rte_get_timer_cycles() - ti->ti_tsc0;

	return (uint32_t)(((unsigned __int128)c * ti->ti_us_mult) >> TCP_US_SHIFT);
}

struct tcpcb *
tcp_cb_alloc(struct tcp_inst *ti)
{
	struct tcpcb *tp = ti->ti_cbfree;

	if (tp != NULL) {
		ti->ti_cbfree = tp->tp_next;
		ti->ti_ncbfree--;
		memset(tp, 0, sizeof(*tp));
	} else {
		tp = rte_zmalloc("yard_tcpcb", sizeof(*tp), RTE_CACHE_LINE_SIZE);
		if (tp == NULL)
			return NULL;
	}
	tp->tp_inst = ti;
	tp->tp_id = ++ti->ti_next_id;
	tp->tp_state = TCPS_CLOSED;
	tp->tp_tstate = TS_UNBND;
	tp->t_sndbuf = TCP_SNDBUF_DEFAULT;
	tp->t_rcvbuf = TCP_RCVBUF_DEFAULT;
	tp->t_maxseg = (uint16_t)ti->ti_param.tp_mss;
	tp->t_rto = ti->ti_param.tp_rto_init_ms;
	tp->t_cc = ti->ti_cc;
	tp->tp_flags = TF_REQ_TS | TF_REQ_WS | TF_REQ_SACK;
	tp->tp_next = ti->ti_cbs;
	if (ti->ti_cbs != NULL)
		ti->ti_cbs->tp_prev = tp;
	ti->ti_cbs = tp;
	tcp_timer_list(tp, TL_LIVE);
	return tp;
}

void
tcp_free_bufs(struct tcpcb *tp)
{
	freemsg(tp->sb_head);
	tp->sb_head = tp->sb_tail = tp->sb_sndptr = NULL;
	tp->sb_cc = 0;
	freemsgchain(tp->t_reass);
	tp->t_reass = NULL;
	tp->t_reass_bytes = 0;
	freemsgchain(tp->t_rcvhold);
	tp->t_rcvhold = NULL;
	tp->t_rcvhold_bytes = 0;
}

/* Free a block: out of the tables, off the instance list, buffers freed. */
void
tcp_cb_free(struct tcpcb *tp)
{
	struct tcp_inst *ti = tp->tp_inst;

	tcp_hash_remove(tp);
	tcp_unbind(tp);
	tcp_txwait_remove(tp);
	tcp_free_bufs(tp);
	tcp_timer_list(tp, TL_NONE);
	if (ti != NULL) {
		if (tp->tp_prev != NULL)
			tp->tp_prev->tp_next = tp->tp_next;
		else
			ti->ti_cbs = tp->tp_next;
		if (tp->tp_next != NULL)
			tp->tp_next->tp_prev = tp->tp_prev;
		if (tp->tp_state == TCPS_TIME_WAIT)
			ti->ti_ntimewait--;
		if (tp->tp_flags & TF_ORPHAN_COUNTED)
			ti->ti_norphans--;
		TCP_INC(ti, closed);
		if (ti->ti_ncbfree < TCP_CB_CACHE) {
			tp->tp_next = ti->ti_cbfree; /* kept for the next connection */
			ti->ti_cbfree = tp;
			ti->ti_ncbfree++;
			return;
		}
	}
	rte_free(tp);
}

int
tcp_hash_insert(struct tcpcb *tp)
{
	struct tcp_inst *ti = tp->tp_inst;
	hash_sig_t sig;

	if (tp->tp_hashed)
		return 0;
	/* rte_hash would replace another connection's entry: its 4-tuple is taken */
	sig = rte_hash_hash(ti->ti_conns, &tp->tp_key);
	if (rte_hash_lookup_with_hash(ti->ti_conns, &tp->tp_key, sig) >= 0)
		return -EADDRINUSE;
	if (rte_hash_add_key_with_hash_data(ti->ti_conns, &tp->tp_key, sig, tp) < 0)
		return -ENOSPC;
	tp->tp_hashed = true;
	return 0;
}

void
tcp_hash_remove(struct tcpcb *tp)
{
	if (tp->tp_hashed && tp->tp_inst != NULL)
		(void)rte_hash_del_key(tp->tp_inst->ti_conns, &tp->tp_key);
	if (tp->tp_inst != NULL && tp->tp_inst->ti_last == tp)
		tp->tp_inst->ti_last = NULL;
	tp->tp_hashed = false;
}

struct tcpcb *
tcp_lookup(struct tcp_inst *ti, uint32_t laddr, uint16_t lport, uint32_t faddr, uint16_t fport)
{
	struct tcp_key k = { .k_laddr = laddr, .k_faddr = faddr, .k_lport = lport,
			     .k_fport = fport };
	struct tcpcb *last = ti->ti_last;
	void *data;

	if (last != NULL && last->tp_hashed && memcmp(&last->tp_key, &k, sizeof(k)) == 0)
		return last;
	if (rte_hash_lookup_data(ti->ti_conns, &k, &data) < 0)
		return NULL;
	ti->ti_last = data;
	return data;
}

/* The listener on lport: bound to laddr or to any address. */
struct tcpcb *
tcp_lookup_listener(struct tcp_inst *ti, uint32_t laddr, uint16_t lport)
{
	uint32_t key = lport;
	void *data;
	struct tcpcb *tp;

	if (rte_hash_lookup_data(ti->ti_binds, &key, &data) < 0)
		return NULL;
	tp = data;
	if (!(tp->tp_flags & TF_LISTENER) || tp->tp_state != TCPS_LISTEN)
		return NULL;
	if (tp->tp_key.k_laddr != 0 && tp->tp_key.k_laddr != laddr)
		return NULL;
	return tp;
}

/* Bind tp to lport (network order; 0: an ephemeral port). 0, -EADDRINUSE, -EADDRNOTAVAIL. */
int
tcp_bind_port(struct tcpcb *tp, uint16_t lport_be)
{
	struct tcp_inst *ti = tp->tp_inst;
	uint32_t key;

	if (lport_be == 0) {
		unsigned lo = ti->ti_param.tp_port_lo, hi = ti->ti_param.tp_port_hi;
		unsigned span = hi - lo + 1;

		for (unsigned i = 0; i < span; i++) {
			uint16_t p = ti->ti_eph_next;

			if (p < lo || p > hi)
				p = (uint16_t)lo;
			ti->ti_eph_next = (uint16_t)(p + 1);
			key = rte_cpu_to_be_16(p);
			if (rte_hash_lookup(ti->ti_binds, &key) < 0) {
				lport_be = (uint16_t)key;
				break;
			}
		}
		if (lport_be == 0)
			return -EADDRNOTAVAIL;
		tp->tp_flags |= TF_EPHEMERAL;
	} else {
		tp->tp_flags &= ~TF_EPHEMERAL;
	}
	key = lport_be;
	if (rte_hash_lookup(ti->ti_binds, &key) >= 0)
		return -EADDRINUSE;
	if (rte_hash_add_key_data(ti->ti_binds, &key, tp) < 0)
		return -ENOSPC;
	tp->tp_key.k_lport = lport_be;
	tp->tp_bound = true;
	return 0;
}

void
tcp_unbind(struct tcpcb *tp)
{
	uint32_t key = tp->tp_key.k_lport;
	void *data;

	if (!tp->tp_bound || tp->tp_inst == NULL)
		return;
	if (rte_hash_lookup_data(tp->tp_inst->ti_binds, &key, &data) >= 0 && data == tp)
		(void)rte_hash_del_key(tp->tp_inst->ti_binds, &key);
	tp->tp_bound = false;
}

/* ---- initial sequence numbers: RFC 6528 ISN = M + F(4-tuple, secret) ---------------------- */

/* SipHash-2-4 (Aumasson, Bernstein), our own rendering: the keyed function F of RFC 6528 3. */
#define SIP_ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIP_ROUND(v0, v1, v2, v3) do { \
	v0 += v1; v1 = SIP_ROTL(v1, 13); v1 ^= v0; v0 = SIP_ROTL(v0, 32); \
	v2 += v3; v3 = SIP_ROTL(v3, 16); v3 ^= v2; \
	v0 += v3; v3 = SIP_ROTL(v3, 21); v3 ^= v0; \
	v2 += v1; v1 = SIP_ROTL(v1, 17); v1 ^= v2; v2 = SIP_ROTL(v2, 32); \
} while (0)

uint64_t
tcp_siphash(const uint8_t key[16], const uint8_t *in, size_t len)
{
	uint64_t k0, k1, m, b = (uint64_t)len << 56;
	uint64_t v0, v1, v2, v3;
	size_t i;

	memcpy(&k0, key, 8);
	memcpy(&k1, key + 8, 8);
	v0 = k0 ^ 0x736f6d6570736575ULL;
	v1 = k1 ^ 0x646f72616e646f6dULL;
	v2 = k0 ^ 0x6c7967656e657261ULL;
	v3 = k1 ^ 0x7465646279746573ULL;
	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&m, in + i, 8);
		v3 ^= m;
		SIP_ROUND(v0, v1, v2, v3);
		SIP_ROUND(v0, v1, v2, v3);
		v0 ^= m;
	}
	for (size_t j = 0; i + j < len; j++)
		b |= (uint64_t)in[i + j] << (8 * j);
	v3 ^= b;
	SIP_ROUND(v0, v1, v2, v3);
	SIP_ROUND(v0, v1, v2, v3);
	v0 ^= b;
	v2 ^= 0xff;
	for (int r = 0; r < 4; r++)
		SIP_ROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

uint32_t
tcp_new_isn(struct tcp_inst *ti, const struct tcp_key *k)
{
	/* M: a 4 microsecond clock (RFC 9293 3.4.1). */
	/* cycles / (hz / 250000): multiplying first would overflow 64 bits within hours */
	uint64_t m = (rte_get_timer_cycles() - ti->ti_tsc0) / RTE_MAX(ti->ti_hz / 250000, 1ul);

	return (uint32_t)m + (uint32_t)tcp_siphash(ti->ti_isn_key, (const uint8_t *)k, sizeof(*k));
}

bool
tcp_is_local(struct tcp_inst *ti, uint32_t addr)
{
	for (unsigned i = 0; i < ti->ti_naddrs; i++)
		if (ti->ti_addrs[i] == addr)
			return true;
	return false;
}

/* The local address to send to faddr from: the one whose subnet holds it, else the first. */
uint32_t
tcp_src_addr(struct tcp_inst *ti, uint32_t faddr)
{
	uint32_t f = rte_be_to_cpu_32(faddr);

	for (unsigned i = 0; i < ti->ti_naddrs; i++) {
		uint32_t mask = ti->ti_prefix[i] >= 32 ? ~0u : ~(~0u >> ti->ti_prefix[i]);

		if ((rte_be_to_cpu_32(ti->ti_addrs[i]) & mask) == (f & mask))
			return ti->ti_addrs[i];
	}
	return ti->ti_naddrs > 0 ? ti->ti_addrs[0] : 0;
}

/*
 * The TCP checksum of len bytes of mp from offset off (the TCP header onward) with the IPv4
 * pseudo header (RFC 9293 3.1), summed eight bytes at a time (inet_cksum.h).
 */
uint16_t
tcp_cksum(uint32_t src, uint32_t dst, const mblk_t *mp, size_t off, size_t len)
{
	return (uint16_t)~inet_sum_fold(inet_sum_msg(mp, off, len, tcp_phdr_sum(src, dst, len)));
}

const struct tcp_cc_ops *
tcp_cc_find(const char *name)
{
	static const struct tcp_cc_ops *const all[] = { &tcp_cc_newreno, &tcp_cc_cubic };

	for (unsigned i = 0; i < RTE_DIM(all); i++)
		if (strncmp(all[i]->name, name, TCP_CA_NAME_MAX) == 0)
			return all[i];
	return NULL;
}

void
tcp_set_state(struct tcpcb *tp, int state)
{
	struct tcp_inst *ti = tp->tp_inst;

	if (ti != NULL && (tp->tp_state == TCPS_TIME_WAIT) != (state == TCPS_TIME_WAIT)) {
		if (state == TCPS_TIME_WAIT) {
			ti->ti_ntimewait++; /* tcp_enter_timewait() puts it on its queue */
		} else {
			ti->ti_ntimewait--;
			tcp_timer_list(tp, TL_LIVE); /* off its TIME-WAIT queue */
		}
	}
	/* an orphan in TIME-WAIT is held (and bounded) as TIME-WAIT, as Linux's tw buckets */
	if (ti != NULL && state == TCPS_TIME_WAIT && (tp->tp_flags & TF_ORPHAN_COUNTED)) {
		tp->tp_flags &= ~TF_ORPHAN_COUNTED;
		ti->ti_norphans--;
	}
	tp->tp_state = state;
}

void
tcp_orphan(struct tcpcb *tp)
{
	tp->tp_flags |= TF_ORPHAN;
	if (tp->tp_state != TCPS_TIME_WAIT && !(tp->tp_flags & TF_ORPHAN_COUNTED)) {
		tp->tp_flags |= TF_ORPHAN_COUNTED;
		tp->tp_inst->ti_norphans++;
	}
}

/*
 * Drop n acknowledged bytes from the front of the send buffer: freed at once. The cursor
 * (sb_sndptr) moves back by n with every block after it; it is forgotten if its block goes,
 * and is at 0 if its block is now the (cut) first one.
 */
void
tcp_sb_drop(struct tcpcb *tp, uint32_t n)
{
	uint32_t dropped = n;

	tp->sb_cc -= n;
	while (n > 0 && tp->sb_head != NULL) {
		mblk_t *bp = tp->sb_head;
		size_t l = MBLKL(bp);

		if (l <= n) {
			n -= (uint32_t)l;
			tp->sb_head = bp->b_cont;
			if (bp == tp->sb_sndptr)
				tp->sb_sndptr = NULL;
			freeb(bp);
		} else {
			bp->b_rptr += n;
			n = 0;
		}
	}
	/* empty blocks at the front */
	while (tp->sb_head != NULL && MBLKL(tp->sb_head) == 0 && tp->sb_head != tp->sb_tail) {
		mblk_t *bp = tp->sb_head;

		tp->sb_head = bp->b_cont;
		if (bp == tp->sb_sndptr)
			tp->sb_sndptr = NULL;
		freeb(bp);
	}
	if (tp->sb_head == NULL)
		tp->sb_tail = tp->sb_sndptr = NULL;
	else if (tp->sb_sndptr == tp->sb_head)
		tp->sb_sndoff = 0;
	else if (tp->sb_sndptr != NULL)
		tp->sb_sndoff -= dropped - n;
}

/*
 * Receive space: the buffer less what the reader has not taken (its stream head's read queue)
 * and less what waits out of order or for an accept.
 */
uint32_t
tcp_rcv_space(struct tcpcb *tp)
{
	size_t used = tp->t_reass_bytes + tp->t_rcvhold_bytes;

	if (tp->tp_rq != NULL && tp->tp_rq->q_next != NULL)
		used += tp->tp_rq->q_next->q_nfsrv->q_count;
	return used >= tp->t_rcvbuf ? 0 : (uint32_t)(tp->t_rcvbuf - used);
}

/* ---- counters ------------------------------------------------------------------------------ */

static const char *const tcps_names[TCPS__COUNT] = {
#define TCP_STAT(name, help) #name,
#include "tcp.def"
#undef TCP_STAT
};
static const char *const tcps_helps[TCPS__COUNT] = {
#define TCP_STAT(name, help) help,
#include "tcp.def"
#undef TCP_STAT
};

static_assert(sizeof(struct tcpstat) == TCPS__COUNT * sizeof(uint64_t), "tcpstat is a vector");

const char *
tcpstat_name(unsigned i)
{
	return i < TCPS__COUNT ? tcps_names[i] : NULL;
}

const char *
tcpstat_help(unsigned i)
{
	return i < TCPS__COUNT ? tcps_helps[i] : NULL;
}

void
tcpstat_sum(struct tcpstat *out, int lcore)
{
	uint64_t *o = (uint64_t *)out;

	memset(out, 0, sizeof(*out));
	for (unsigned l = 0; l < RTE_MAX_LCORE; l++) {
		const uint64_t *s = (const uint64_t *)&tcp_pcpu[l].st;

		if (lcore >= 0 && (unsigned)lcore != l)
			continue;
		for (unsigned i = 0; i < TCPS__COUNT; i++)
			o[i] += s[i];
	}
}

int
tcp_tel_fill(struct rte_tel_data *d, int lcore)
{
	struct tcpstat st;
	const uint64_t *v = (const uint64_t *)&st;

	if (lcore >= RTE_MAX_LCORE)
		return -EINVAL;
	tcpstat_sum(&st, lcore);
	rte_tel_data_start_dict(d);
	for (unsigned i = 0; i < TCPS__COUNT; i++)
		rte_tel_data_add_dict_u64(d, tcps_names[i], v[i]);
	return 0;
}

int
tcp_tel_fill_per_lcore(struct rte_tel_data *d)
{
	rte_tel_data_start_dict(d);
	for (unsigned l = 0; l < RTE_MAX_LCORE; l++) {
		struct rte_tel_data *c;
		char name[32];

		if (!tcp_pcpu[l].used)
			continue;
		c = rte_tel_data_alloc();
		if (c == NULL)
			return -ENOMEM;
		(void)tcp_tel_fill(c, (int)l);
		snprintf(name, sizeof(name), "lcore%u", l);
		if (rte_tel_data_add_dict_container(d, name, c, 0) != 0) {
			rte_tel_data_free(c);
			return -ENOSPC;
		}
	}
	return 0;
}

int
tcp_tel_cmd(const char *cmd, const char *params, struct rte_tel_data *d)
{
	char *end;
	long l;

	RTE_SET_USED(cmd);
	if (params == NULL || *params == '\0')
		return tcp_tel_fill(d, -1);
	if (strcmp(params, "per_lcore") == 0)
		return tcp_tel_fill_per_lcore(d);
	l = strtol(params, &end, 10);
	if (*end != '\0' || l < 0 || l >= RTE_MAX_LCORE)
		return -EINVAL;
	return tcp_tel_fill(d, (int)l);
}
