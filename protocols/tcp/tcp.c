/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The tcp multiplexor: open and close (instances, endpoints), ioctls, the lower (ip) side and
 * the plumbing helper. The first open on an lcore is the control stream and owns the
 * instance; later opens are endpoints (clone opens), each with a struct tcpcb on q_ptr.
 *
 * Closing an endpoint: a listener resets what it holds; a connection that can still finish
 * its close (FIN-WAIT, CLOSING, LAST-ACK, TIME-WAIT) becomes an orphan the instance finishes;
 * an open one (ESTABLISHED, CLOSE-WAIT) sends its FIN after the buffered data and becomes an
 * orphan; any other state is freed. Closing the control stream frees the instance and every
 * orphan; endpoints still open are hung up.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/sysmacros.h>

#include <rte_cycles.h>
#include <rte_jhash.h>
#include <rte_malloc.h>
#include <rte_random.h>

#include <protocols/ip.h>

#include "tcp_priv.h"

struct tcp_inst *tcp_insts[RTE_MAX_LCORE];
uint32_t tcp_insts_gen;
static unsigned tcp_minor;

static struct rte_hash *
tcp_hash_create(const char *what, unsigned lcore, unsigned n, uint32_t keylen)
{
	char name[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = n,
		.key_len = keylen,
		.hash_func = rte_jhash,
		.socket_id = (int)rte_socket_id(),
	};

	snprintf(name, sizeof(name), "tcp_%s_%u_%u", what, lcore, (unsigned)rte_rand());
	return rte_hash_create(&hp);
}

static struct tcp_inst *
tcp_inst_create(unsigned lcore, queue_t *rq)
{
	struct tcp_inst *ti = rte_zmalloc("yard_tcp", sizeof(*ti), RTE_CACHE_LINE_SIZE);

	if (ti == NULL)
		return NULL;
	ti->ti_lcore = lcore;
	ti->ti_ctl_rq = rq;
	ti->ti_st = &tcp_pcpu[lcore].st;
	tcp_pcpu[lcore].used = 1;
	ti->ti_hz = rte_get_timer_hz();
	ti->ti_us_mult = (uint64_t)(((unsigned __int128)1000000u << TCP_US_SHIFT) / ti->ti_hz);
	ti->ti_ms_mult = (uint64_t)(((unsigned __int128)1000u << TCP_US_SHIFT) / ti->ti_hz);
	ti->ti_tsc0 = rte_get_timer_cycles();
	for (unsigned i = 0; i < sizeof(ti->ti_isn_key); i += 8) {
		uint64_t r = rte_rand();

		memcpy(&ti->ti_isn_key[i], &r, 8);
	}
	ti->ti_param = (struct tcp_param){
		.tp_msl_ms = TCP_DEF_MSL_MS,
		.tp_rto_min_ms = TCP_DEF_RTO_MIN_MS,
		.tp_rto_max_ms = TCP_DEF_RTO_MAX_MS,
		.tp_rto_init_ms = TCP_DEF_RTO_INIT_MS,
		.tp_rexmt_max = TCP_DEF_REXMT_MAX,
		.tp_syn_rexmt_max = TCP_DEF_SYN_REXMT_MAX,
		.tp_delack_ms = TCP_DEF_DELACK_MS,
		.tp_keepidle_ms = TCP_DEF_KEEPIDLE_MS,
		.tp_keepintvl_ms = TCP_DEF_KEEPINTVL_MS,
		.tp_keepcnt = TCP_DEF_KEEPCNT,
		.tp_mss = TCP_DEF_MSS,
		.tp_syn_backlog = TCP_DEF_SYN_BACKLOG,
		.tp_challenge_ack_limit = TCP_DEF_CHACK_LIMIT,
		.tp_pmtu_raise_ms = TCP_DEF_PMTU_RAISE_MS,
		.tp_blackhole_mss = TCP_DEF_BLACKHOLE_MSS,
		.tp_max_timewait = TCP_DEF_MAX_TIMEWAIT,
		.tp_max_orphans = TCP_DEF_MAX_ORPHANS,
		.tp_orphan_retries = TCP_DEF_ORPHAN_RETRIES,
		.tp_icmp_relay_limit = TCP_DEF_ICMP_RELAY_LIMIT,
		.tp_port_lo = TCP_DEF_PORT_LO,
		.tp_port_hi = TCP_DEF_PORT_HI,
	};
	ti->ti_cc = &tcp_cc_newreno;
	memcpy(ti->ti_param.tp_cc, ti->ti_cc->name, strlen(ti->ti_cc->name));
	ti->ti_eph_next = (uint16_t)(TCP_DEF_PORT_LO + rte_rand() % (TCP_DEF_PORT_HI -
								       TCP_DEF_PORT_LO));
	ti->ti_conns = tcp_hash_create("conn", lcore, TCP_MAX_CONNS, sizeof(struct tcp_key));
	ti->ti_binds = tcp_hash_create("bind", lcore, TCP_MAX_BINDS, sizeof(uint32_t));
	if (ti->ti_conns == NULL || ti->ti_binds == NULL) {
		rte_hash_free(ti->ti_conns);
		rte_hash_free(ti->ti_binds);
		rte_free(ti);
		return NULL;
	}
	tcp_timer_start(ti);
	tcp_insts[lcore] = ti;
	__atomic_add_fetch(&tcp_insts_gen, 1, __ATOMIC_RELEASE);
	return ti;
}

static void
tcp_inst_destroy(struct tcp_inst *ti)
{
	struct tcpcb *tp, *next;

	tcp_timer_stop(ti);
	for (tp = ti->ti_cbs; tp != NULL; tp = next) {
		next = tp->tp_next;
		tcp_hash_remove(tp);
		tcp_unbind(tp);
		if (tp->tp_rq != NULL) {
			/* an open endpoint: orphaned from its instance, hung up */
			tcp_free_bufs(tp);
			tp->tp_inst = NULL;
			tp->tp_next = tp->tp_prev = NULL;
			tp->tp_head = NULL;
			tp->tp_synq = tp->tp_acceptq = NULL;
			(void)putnextctl(tp->tp_rq, M_HANGUP);
		} else {
			tp->tp_inst = NULL;
			tcp_free_bufs(tp);
			rte_free(tp);
		}
	}
	ti->ti_cbs = NULL;
	while (ti->ti_cbfree != NULL) {
		tp = ti->ti_cbfree;
		ti->ti_cbfree = tp->tp_next;
		rte_free(tp);
	}
	ti->ti_ncbfree = 0;
	rte_hash_free(ti->ti_conns);
	rte_hash_free(ti->ti_binds);
	tcp_insts[ti->ti_lcore] = NULL;
	__atomic_add_fetch(&tcp_insts_gen, 1, __ATOMIC_RELEASE);
	rte_free(ti);
}

/*
 * The link to ip is going (yard stopping, or an I_UNLINK): no connection can send again, so
 * each one ends now - synchronized ones with a RST the peer sees (not a peer left waiting on
 * a connection that silently vanished), endpoints with T_DISCON_IND ENETDOWN. Segments already
 * queued toward ip are stale; the RSTs go down past flow control, ip drops and counts them if
 * the link cannot take them.
 */
static void
tcp_unlink_reset(struct tcp_inst *ti)
{
	struct tcpcb *tp, *next;
	mblk_t *mp;

	flushq(ti->ti_lwq, FLUSHALL);
	for (tp = ti->ti_cbs; tp != NULL; tp = next) {
		next = tp->tp_next;
		if (tp->tp_state == TCPS_CLOSED || tp->tp_state == TCPS_LISTEN)
			continue;
		/* tcp_drop may free tp (embryonic, orphan), never another block */
		TCP_INC(ti, unlink_resets);
		(void)tcp_drop(tp, ENETDOWN);
	}
	while (ti->ti_txwait != NULL) /* nothing left to resume them for */
		tcp_txwait_remove(ti->ti_txwait);
	while ((mp = getq(ti->ti_lwq)) != NULL)
		putnext(ti->ti_lwq, mp);
}

static int
tcp_open(queue_t *q, dev_t *devp, int oflag, int sflag, cred_t *crp)
{
	unsigned lcore;
	struct tcp_inst *ti;
	struct tcpcb *tp;

	RTE_SET_USED(oflag);
	RTE_SET_USED(crp);
	if (q->q_ptr != NULL)
		return 0;
	if (sflag == MODOPEN)
		return EINVAL;
	lcore = q->q_sched != NULL ? q->q_sched->sc_lcore : yard_sched_self()->sc_lcore;
	ti = tcp_insts[lcore];
	if (devp != NULL)
		*devp = makedev(major(*devp), __atomic_add_fetch(&tcp_minor, 1, __ATOMIC_RELAXED));
	if (ti == NULL) {
		ti = tcp_inst_create(lcore, q);
		if (ti == NULL)
			return ENOMEM;
		q->q_ptr = ti;
		WR(q)->q_ptr = ti;
		qprocson(q);
		return 0;
	}
	tp = tcp_cb_alloc(ti);
	if (tp == NULL)
		return ENOMEM;
	tp->tp_rq = q;
	q->q_ptr = tp;
	WR(q)->q_ptr = tp;
	qprocson(q);
	tcp_setopts_up(tp);
	return 0;
}

static bool
tcp_is_ctl(queue_t *q)
{
	unsigned lcore = q->q_sched != NULL ? q->q_sched->sc_lcore : yard_sched_self()->sc_lcore;
	struct tcp_inst *ti = lcore < RTE_MAX_LCORE ? tcp_insts[lcore] : NULL;

	return ti != NULL && q->q_ptr == ti && ti->ti_ctl_rq == RD(q);
}

static int
tcp_close(queue_t *q, int flag, cred_t *crp)
{
	struct tcpcb *tp;

	RTE_SET_USED(flag);
	RTE_SET_USED(crp);
	qprocsoff(q);
	if (q->q_ptr == NULL)
		return 0;
	if (tcp_is_ctl(q)) {
		tcp_inst_destroy(q->q_ptr);
		q->q_ptr = WR(q)->q_ptr = NULL;
		return 0;
	}
	tp = q->q_ptr;
	q->q_ptr = WR(q)->q_ptr = NULL;
	tp->tp_rq = NULL;
	if (tp->tp_inst == NULL) {
		rte_free(tp);
		return 0;
	}
	if (tp->tp_flags & TF_LISTENER) {
		struct tcpcb *lp = tp;

		while (lp->tp_synq != NULL) {
			struct tcpcb *cp = lp->tp_synq;

			lp->tp_synq = cp->tp_qnext;
			lp->tp_synqlen--;
			cp->tp_head = NULL;
			(void)tcp_drop(cp, ECONNABORTED);
		}
		while (lp->tp_acceptq != NULL) {
			struct tcpcb *cp = lp->tp_acceptq;

			lp->tp_acceptq = cp->tp_qnext;
			lp->tp_nconind--;
			cp->tp_head = NULL;
			cp->tp_flags &= ~TF_CONNIND;
			(void)tcp_drop(cp, ECONNABORTED);
		}
		tcp_cb_free(tp);
		return 0;
	}
	tcp_unbind(tp);
	if (tp->tp_state >= TCPS_SYN_RECEIVED && tp->tp_state != TCPS_TIME_WAIT &&
	    tp->tp_inst->ti_norphans >= tp->tp_inst->ti_param.tp_max_orphans) {
		/*
		 * Too many orphans already: this one would hold its send buffer and its slot
		 * for as long as its peer takes, so it ends now, with a RST, as Linux ends
		 * one past tcp_max_orphans. Else a crowd of peers that stop reading after the
		 * close could take every block of the pool.
		 */
		TCP_INC(tp->tp_inst, orphan_overflow);
		(void)tcp_drop(tp, ECONNABORTED);
		return 0;
	}
	switch (tp->tp_state) {
	case TCPS_ESTABLISHED:
	case TCPS_CLOSE_WAIT:
	case TCPS_SYN_RECEIVED:
		tcp_tpi_close_drain(WR(q), tp);
		tcp_orphan(tp);
		tcp_usrclosed(tp);
		break;
	case TCPS_FIN_WAIT_1:
	case TCPS_CLOSING:
	case TCPS_LAST_ACK:
	case TCPS_TIME_WAIT:
		tcp_orphan(tp);
		break;
	case TCPS_FIN_WAIT_2:
		tcp_orphan(tp);
		tcp_timer_arm(tp, TT_2MSL, 2 * tp->tp_inst->ti_param.tp_msl_ms);
		break;
	default:
		TCP_INC(tp->tp_inst, aborts);
		tcp_cb_free(tp);
		break;
	}
	return 0;
}

/* ---- ioctls ------------------------------------------------------------------------------- */

static int
tcp_setparam(struct tcp_inst *ti, struct tcp_param *p)
{
	struct tcp_param n = ti->ti_param;
	const struct tcp_cc_ops *cc = ti->ti_cc;

#define TCP_P(f) do { if (p->f != 0) n.f = p->f; } while (0)
	TCP_P(tp_msl_ms);
	TCP_P(tp_rto_min_ms);
	TCP_P(tp_rto_max_ms);
	TCP_P(tp_rto_init_ms);
	TCP_P(tp_rexmt_max);
	TCP_P(tp_syn_rexmt_max);
	TCP_P(tp_delack_ms);
	TCP_P(tp_keepidle_ms);
	TCP_P(tp_keepintvl_ms);
	TCP_P(tp_keepcnt);
	TCP_P(tp_mss);
	TCP_P(tp_syn_backlog);
	TCP_P(tp_challenge_ack_limit);
	TCP_P(tp_pmtu_raise_ms);
	TCP_P(tp_max_timewait);
	TCP_P(tp_max_orphans);
	TCP_P(tp_orphan_retries);
	TCP_P(tp_icmp_relay_limit);
	TCP_P(tp_blackhole_mss);
	TCP_P(tp_port_lo);
	TCP_P(tp_port_hi);
#undef TCP_P
	if (p->tp_flags & TCP_PF_CLEAR)
		n.tp_flags = 0;
	n.tp_flags |= p->tp_flags & ~TCP_PF_CLEAR;
	if (n.tp_rto_min_ms > n.tp_rto_max_ms || n.tp_mss < 64 || n.tp_mss > 9000 - 40 ||
	    n.tp_port_lo > n.tp_port_hi || n.tp_port_lo < 1024 || n.tp_delack_ms >= 500 ||
	    n.tp_max_timewait > TCP_MAX_CONNS || n.tp_max_orphans > TCP_MAX_CONNS ||
	    n.tp_orphan_retries > 255 || n.tp_blackhole_mss < 256 || n.tp_blackhole_mss > 9000 - 40)
		return EINVAL;
	if (p->tp_cc[0] != '\0') {
		char name[TCP_CA_NAME_MAX] = { 0 };

		memcpy(name, p->tp_cc, sizeof(name) - 1);
		cc = tcp_cc_find(name);
		if (cc == NULL)
			return EINVAL; /* no such congestion control */
	}
	memset(n.tp_cc, 0, sizeof(n.tp_cc));
	memcpy(n.tp_cc, cc->name, strlen(cc->name));
	ti->ti_cc = cc;
	ti->ti_param = n;
	*p = n;
	return 0;
}

/* What TCP_GETINFO and yard_tcp_conns_snapshot() tell of a connection. */
static void
tcp_conninfo_fill(struct tcpcb *tp, struct tcp_conninfo *ci)
{
	memset(ci, 0, sizeof(*ci));
	ci->tcpi_state = (uint32_t)tp->tp_state;
	ci->tcpi_snd_una = tp->snd_una;
	ci->tcpi_snd_nxt = tp->snd_nxt;
	ci->tcpi_snd_wnd = tp->snd_wnd;
	ci->tcpi_snd_cwnd = tp->snd_cwnd;
	ci->tcpi_snd_ssthresh = tp->snd_ssthresh;
	ci->tcpi_rcv_nxt = tp->rcv_nxt;
	ci->tcpi_rcv_wnd = tcp_rcv_space(tp);
	ci->tcpi_mss = tp->t_maxseg;
	ci->tcpi_srtt_ms = (uint32_t)(tp->t_srtt >> 3);
	ci->tcpi_rto_ms = tp->t_rto;
	ci->tcpi_rxtshift = tp->t_rxtshift;
	ci->tcpi_snd_wscale = tp->snd_scale;
	ci->tcpi_rcv_wscale = tp->rcv_scale;
	ci->tcpi_flags = ((tp->tp_flags & TF_RCVD_TS) ? TCPI_TS : 0) |
			 ((tp->tp_flags & TF_RCVD_WS) ? TCPI_WS : 0) |
			 ((tp->tp_flags & TF_NODELAY) ? TCPI_NODELAY : 0) |
			 ((tp->tp_flags & TF_INRECOVERY) ? TCPI_RECOVERY : 0) |
			 ((tp->tp_flags & TF_SACK_PERMIT) ? TCPI_SACK : 0);
	ci->tcpi_sndbuf_cc = tp->sb_cc;
	ci->tcpi_ooo_bytes = tp->t_reass_bytes;
	ci->tcpi_dupacks = tp->t_dupacks;
}

/*
 * Rows for yardctl conns. Runs on the instance's lcore (the control queue of app/control.c
 * brings the request there), so the list of blocks is walked without a lock. Endpoints
 * neither bound nor connected (a fresh open, or after T_UNBIND_REQ) are not connections.
 */
int
yard_tcp_conns_snapshot(struct yard_tcp_conn_row *rows, unsigned max)
{
	unsigned lcore = yard_sched_self()->sc_lcore;
	struct tcp_inst *ti = tcp_insts[lcore];
	unsigned n = 0;

	if (ti == NULL)
		return 0;
	for (struct tcpcb *tp = ti->ti_cbs; tp != NULL; tp = tp->tp_next) {
		struct yard_tcp_conn_row *r;

		if (tp->tp_state == TCPS_CLOSED && !tp->tp_bound && !tp->tp_hashed)
			continue;
		if (n++ >= max)
			continue;
		r = &rows[n - 1];
		memset(r, 0, sizeof(*r));
		r->tr_lcore = lcore;
		r->tr_flags = ((tp->tp_flags & TF_LISTENER) ? TCP_ROW_LISTENER : 0) |
			      (tp->tp_rq != NULL ? TCP_ROW_ENDPOINT : 0) |
			      ((tp->tp_flags & TF_ORPHAN) ? TCP_ROW_ORPHAN : 0);
		r->tr_laddr = tp->tp_key.k_laddr;
		r->tr_faddr = tp->tp_key.k_faddr;
		r->tr_lport = tp->tp_key.k_lport;
		r->tr_fport = tp->tp_key.k_fport;
		tcp_conninfo_fill(tp, &r->tr_info);
		if (tp->tp_flags & TF_LISTENER) {
			r->tr_recvq = tp->tp_nconind;
			r->tr_sendq = tp->tp_conind_max;
		} else {
			r->tr_sendq = tp->sb_cc;
			r->tr_recvq = tp->t_rcvhold_bytes;
			if (tp->tp_rq != NULL && tp->tp_rq->q_next != NULL)
				r->tr_recvq += (uint32_t)tp->tp_rq->q_next->q_nfsrv->q_count;
		}
		r->tr_retrans = tp->t_nrexmt;
	}
	return (int)RTE_MIN(n, (unsigned)INT_MAX);
}

static void
tcp_ioctl(queue_t *q, mblk_t *mp)
{
	struct iocblk *ioc = (struct iocblk *)mp->b_rptr;
	bool ctl = tcp_is_ctl(q);
	struct tcpcb *tp = ctl ? NULL : q->q_ptr;
	struct tcp_inst *ti = ctl ? q->q_ptr : tp->tp_inst;
	int err = 0, count = 0;
	void *in, *out;

	if (ti == NULL) {
		miocnak(q, mp, 0, ENXIO);
		return;
	}
	switch (ioc->ioc_cmd) {
	case I_LINK:
	case I_PLINK: {
		struct linkblk *lb = yard_mioc_in(mp, sizeof(*lb));

		if (lb == NULL || !ctl || ti->ti_lwq != NULL || lb->l_qbot == NULL) {
			err = EINVAL;
			break;
		}
		ti->ti_lwq = lb->l_qbot;
		ti->ti_lower_hup = false;
		ti->ti_muxid = lb->l_index;
		lb->l_qbot->q_ptr = ti;
		RD(lb->l_qbot)->q_ptr = ti;
		break;
	}
	case I_UNLINK:
	case I_PUNLINK: {
		struct linkblk *lb = yard_mioc_in(mp, sizeof(*lb));

		if (lb == NULL) {
			err = EINVAL;
			break;
		}
		if (ti->ti_lwq != NULL && lb->l_index == ti->ti_muxid) {
			tcp_unlink_reset(ti); /* flushes the stale segments, sends the RSTs */
			ti->ti_lwq->q_ptr = NULL;
			RD(ti->ti_lwq)->q_ptr = NULL;
			ti->ti_lwq = NULL;
			ti->ti_lower_hup = false;
			ti->ti_muxid = 0;
		}
		break;
	}
	case TCP_SETPARAM:
		in = yard_mioc_in(mp, sizeof(struct tcp_param));
		if (in == NULL) {
			err = EINVAL;
			break;
		}
		err = tcp_setparam(ti, in);
		if (err == 0) {
			struct tcp_param p = ti->ti_param;

			out = yard_mioc_out(mp, sizeof(p));
			if (out == NULL) {
				err = ENOMEM;
				break;
			}
			memcpy(out, &p, sizeof(p));
			count = sizeof(p);
		}
		break;
	case TCP_ADDR_ADD:
	case TCP_ADDR_DEL: {
		struct tcp_addrreq *ar = yard_mioc_in(mp, sizeof(*ar));
		unsigned i;

		if (ar == NULL) {
			err = EINVAL;
			break;
		}
		for (i = 0; i < ti->ti_naddrs; i++)
			if (ti->ti_addrs[i] == ar->ta_addr)
				break;
		if (ioc->ioc_cmd == TCP_ADDR_ADD) {
			if (ar->ta_addr == 0 || ar->ta_prefix < 1 || ar->ta_prefix > 32)
				err = EINVAL;
			else if (i < ti->ti_naddrs)
				err = EEXIST;
			else if (ti->ti_naddrs == TCP_MAX_ADDRS)
				err = ENOSPC;
			else {
				ti->ti_addrs[ti->ti_naddrs] = ar->ta_addr;
				ti->ti_prefix[ti->ti_naddrs++] = ar->ta_prefix;
			}
		} else if (i == ti->ti_naddrs) {
			err = ENOENT;
		} else {
			ti->ti_naddrs--;
			ti->ti_addrs[i] = ti->ti_addrs[ti->ti_naddrs];
			ti->ti_prefix[i] = ti->ti_prefix[ti->ti_naddrs];
		}
		break;
	}
	case TCP_RSS_SET: {
		struct tcp_rss_conf *rc = yard_mioc_in(mp, sizeof(*rc));

		err = rc == NULL ? EINVAL : -tcp_rss_set(ti, rc);
		break;
	}
	case TCP_GETSTATS:
		out = yard_mioc_out(mp, sizeof(struct tcpstat));
		if (out == NULL) {
			err = ENOMEM;
			break;
		}
		memcpy(out, ti->ti_st, sizeof(struct tcpstat));
		count = sizeof(struct tcpstat);
		break;
	case TCP_GETINFO: {
		struct tcp_conninfo ci;

		if (tp == NULL) {
			err = EINVAL;
			break;
		}
		tcp_conninfo_fill(tp, &ci);
		out = yard_mioc_out(mp, sizeof(ci));
		if (out == NULL) {
			err = ENOMEM;
			break;
		}
		memcpy(out, &ci, sizeof(ci));
		count = sizeof(ci);
		break;
	}
	default:
		err = EINVAL;
		break;
	}
	if (err != 0)
		miocnak(q, mp, 0, err);
	else
		miocack(q, mp, count, 0);
}

/* ---- upper side ---------------------------------------------------------------------------- */

static int
tcp_uwput(queue_t *q, mblk_t *mp)
{
	switch (DB_TYPE(mp)) {
	case M_IOCTL:
		if (MBLKL(mp) < sizeof(struct iocblk) || q->q_ptr == NULL) {
			freemsg(mp);
			return 0;
		}
		tcp_ioctl(q, mp);
		return 0;
	case M_FLUSH:
		if (*mp->b_rptr & FLUSHW)
			flushq(q, FLUSHDATA);
		if (*mp->b_rptr & FLUSHR) {
			flushq(RD(q), FLUSHDATA);
			*mp->b_rptr &= (unsigned char)~FLUSHW;
			qreply(q, mp);
			return 0;
		}
		freemsg(mp);
		return 0;
	case M_DATA:
	case M_PROTO:
	case M_PCPROTO:
		if (q->q_ptr == NULL || tcp_is_ctl(q) ||
		    ((struct tcpcb *)q->q_ptr)->tp_inst == NULL) {
			freemsg(mp);
			return 0;
		}
		tcp_tpi_wput(q, mp);
		return 0;
	default:
		freemsg(mp);
		return 0;
	}
}

static int
tcp_uwsrv(queue_t *q)
{
	if (q->q_ptr != NULL && !tcp_is_ctl(q))
		tcp_tpi_wsrv(q);
	return 0;
}

/* Never called from below (a driver's read side); passes anything on. */
static int
tcp_urput(queue_t *q, mblk_t *mp)
{
	putnext(q, mp);
	return 0;
}

/* The stream head back-enabled us: the reader caught up, the window may open. */
static int
tcp_ursrv(queue_t *q)
{
	struct tcpcb *tp = q->q_ptr;

	if (tp != NULL && !tcp_is_ctl(q) && tp->tp_inst != NULL)
		(void)tcp_output(tp);
	return 0;
}

/* ---- lower side ----------------------------------------------------------------------------- */

/*
 * What the burst's segments make tcp send (the ACKs of a bulk receiver, the data the ACKs of a
 * bulk sender release) goes down as one burst at its end (tcp_output.c, "Segments in bursts").
 */
static void
tcp_lrput_burst(queue_t *q, mblk_t **mps, unsigned n)
{
	struct tcp_inst *ti = q->q_ptr;

	if (ti == NULL) {
		freemsg_burst(mps, n);
		return;
	}
	tcp_txb_hold(ti);
	for (unsigned i = 0; i < n; i++) {
		mblk_t *mp = mps[i];

		switch (DB_TYPE(mp)) {
		case M_DATA:
			tcp_input(ti, mp);
			break;
		case M_FLUSH:
			if (*mp->b_rptr & FLUSHR)
				flushq(q, FLUSHDATA);
			if (*mp->b_rptr & FLUSHW) {
				*mp->b_rptr &= (unsigned char)~FLUSHR;
				if (ti->ti_ntxb != 0) /* what was sent before it goes first */
					tcp_txb_flush(ti);
				qreply(q, mp);
			} else {
				freemsg(mp);
			}
			break;
		case M_CTL:
			if (MBLKL(mp) >= sizeof(uint32_t) &&
			    (*(const uint32_t *)mp->b_rptr == IP_ICMP_ERR_IND ||
			     *(const uint32_t *)mp->b_rptr == TCP_ICMP_RELAY)) {
				tcp_icmp_input(ti, mp);
				break;
			}
			freemsg(mp);
			break;
		case M_HANGUP:
		case M_ERROR:
			/*
			 * ip's instance went away (its control stream closed under us): the
			 * link carries nothing any more, for good, so every connection ends now
			 * as at an unlink, and what is sent until the unlink drops, counted
			 * (drop_tx_noroute), rather than vanishing into the orphaned stream.
			 */
			if (ti->ti_lwq != NULL && !ti->ti_lower_hup) {
				ti->ti_lower_hup = true;
				tcp_unlink_reset(ti);
			}
			freemsg(mp);
			break;
		default:
			freemsg(mp);
			break;
		}
	}
	tcp_txb_release(ti);
}

static int
tcp_lrput(queue_t *q, mblk_t *mp)
{
	tcp_lrput_burst(q, &mp, 1);
	return 0;
}

static int
tcp_lwput(queue_t *q, mblk_t *mp)
{
	if (q->q_first != NULL || !canputnext(q))
		(void)putq(q, mp);
	else
		putnext(q, mp);
	return 0;
}

/*
 * Drain toward ip as its back-enable allows; below high water again, the connections that held
 * their data back go on (tcp_output.c, "Local flow control").
 */
static int
tcp_lwsrv(queue_t *q)
{
	struct tcp_inst *ti = q->q_ptr;
	mblk_t *mp;

	while ((mp = getq(q)) != NULL) {
		if (!canputnext(q)) {
			(void)putbq(q, mp);
			break;
		}
		putnext(q, mp);
	}
	if (ti != NULL && ti->ti_txwait != NULL && !(q->q_flag & QFULL))
		tcp_txwait_resume(ti);
	return 0;
}

static struct module_info tcp_minfo = {
	.mi_idnum = 0x5443,
	.mi_idname = TCP_DRVNAME,
	.mi_minpsz = 0,
	.mi_maxpsz = INFPSZ,
	.mi_hiwat = 64 * 1024,
	.mi_lowat = 16 * 1024,
};

static struct module_info tcp_lminfo = {
	.mi_idnum = 0x5443,
	.mi_idname = TCP_DRVNAME,
	.mi_minpsz = 0,
	.mi_maxpsz = INFPSZ,
	.mi_hiwat = 256 * 1024,
	.mi_lowat = 64 * 1024,
};

static struct qinit tcp_urinit = {
	.qi_putp = tcp_urput,
	.qi_srvp = tcp_ursrv,
	.qi_qopen = tcp_open,
	.qi_qclose = tcp_close,
	.qi_minfo = &tcp_minfo,
};

static struct qinit tcp_uwinit = {
	.qi_putp = tcp_uwput,
	.qi_srvp = tcp_uwsrv,
	.qi_minfo = &tcp_minfo,
};

static struct qinit tcp_lrinit = {
	.qi_putp = tcp_lrput,
	.qi_minfo = &tcp_lminfo,
	.qi_putp_burst = tcp_lrput_burst,
};

static struct qinit tcp_lwinit = {
	.qi_putp = tcp_lwput,
	.qi_srvp = tcp_lwsrv,
	.qi_minfo = &tcp_lminfo,
};

static struct streamtab tcp_streamtab = {
	.st_rdinit = &tcp_urinit,
	.st_wrinit = &tcp_uwinit,
	.st_muxrinit = &tcp_lrinit,
	.st_muxwinit = &tcp_lwinit,
};

YARD_DRIVER(TCP_DRVNAME, tcp_streamtab, D_MP | D_CLONE)

/* ---- plumbing ---------------------------------------------------------------------------- */

static int
tcp_istr(struct stdata *sd, int cmd, void *data, int len)
{
	struct strioctl ic = { .ic_cmd = cmd, .ic_timout = 5, .ic_len = len, .ic_dp = data };

	return sth_ioctl(sd, I_STR, (intptr_t)&ic);
}

int
yard_tcp_plumb(struct yard_tcp_plumbing *p, const struct tcp_addrreq *addrs, unsigned n)
{
	int proto = 6, r;

	memset(p, 0, sizeof(*p));
	r = sth_open(TCP_DRVNAME, 0, &p->tp_tcp);
	if (r < 0)
		return r;
	r = sth_open(IP_DRVNAME, 0, &p->tp_ip);
	if (r < 0)
		goto fail;
	r = tcp_istr(p->tp_ip, IP_PROTO_BIND, &proto, sizeof(proto));
	if (r < 0)
		goto fail;
	r = sth_ioctl(p->tp_tcp, I_LINK, (intptr_t)p->tp_ip);
	if (r < 0)
		goto fail;
	p->tp_muxid = r;
	for (unsigned i = 0; i < n; i++) {
		struct tcp_addrreq a = addrs[i];

		r = tcp_istr(p->tp_tcp, TCP_ADDR_ADD, &a, sizeof(a));
		if (r < 0)
			goto fail;
	}
	return 0;
fail:
	yard_tcp_unplumb(p);
	return r;
}

void
yard_tcp_unplumb(struct yard_tcp_plumbing *p)
{
	if (p->tp_tcp != NULL && p->tp_muxid > 0)
		(void)sth_ioctl(p->tp_tcp, I_UNLINK, p->tp_muxid);
	if (p->tp_tcp != NULL)
		(void)sth_close(p->tp_tcp); /* unlinks the ip stream if I_UNLINK could not */
	/* Unlinked, the ip upper stream is an ordinary stream again: it is ours to close. */
	if (p->tp_ip != NULL)
		(void)sth_close(p->tp_ip);
	memset(p, 0, sizeof(*p));
}
