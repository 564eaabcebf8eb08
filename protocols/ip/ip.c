/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ip multiplexor: open and close (instances and upper streams), I_LINK/I_UNLINK, the IP_*
 * ioctls and the streamtab. Input is in ip_input.c, output in ip_output.c, reassembly in
 * ip_reass.c, routes in ip_route.c, ICMP in icmp.c. <protocols/ip.h> tells what it does.
 *
 * Principles of operation
 * -----------------------
 * One instance per lcore. The first open on an lcore creates the instance and becomes its
 * control stream; later opens on the lcore are upper streams of that instance. Links are
 * I_LINKed under the control stream only (an SVR4 mux keeps links per controlling stream; here
 * the instance is that stream). Every queue of an instance belongs to its lcore, so the
 * instance is touched without locks; ip_insts[] is published with atomics for the fragment
 * owner choice, which other lcores make (ip_reass.c).
 *
 * The lower queues of a link carry the struct ip_link as q_ptr from I_LINK until I_UNLINK.
 * Lower read put procedures tolerate a NULL q_ptr (a message racing the unlink is freed).
 */
#include <errno.h>
#include <string.h>
#include <sys/sysmacros.h>

#include <rte_malloc.h>
#include <rte_random.h>

#include "ip_priv.h"

struct ip_inst *ip_insts[RTE_MAX_LCORE];

static uint32_t ip_minor;

struct ip_link *
ip_link_find(struct ip_inst *ii, int muxid)
{
	if (muxid <= 0)
		return NULL;
	for (unsigned i = 0; i < IP_MAX_LINKS; i++)
		if (ii->ii_links[i].il_muxid == muxid)
			return &ii->ii_links[i];
	return NULL;
}

struct ip_link *
ip_link_by_addr(struct ip_inst *ii, uint32_t addr)
{
	for (unsigned i = 0; i < IP_MAX_LINKS; i++) {
		struct ip_link *il = &ii->ii_links[i];

		if (il->il_muxid != 0 && il->il_has_if && il->il_addr == addr)
			return il;
	}
	return NULL;
}

void
ip_addrs_sync(struct ip_inst *ii)
{
	unsigned n = 0;

	for (unsigned i = 0; i < IP_MAX_LINKS; i++)
		if (ii->ii_links[i].il_has_if)
			ii->ii_addrs[n++] = ii->ii_links[i].il_addr;
	ii->ii_naddrs = n;
}

/* ---- ioctl data helpers ------------------------------------------------------------------- */

/* ---- links -------------------------------------------------------------------------------- */

static int
ip_link_add(struct ip_inst *ii, const struct linkblk *lb)
{
	struct ip_link *il = NULL;

	if (lb->l_qbot == NULL || lb->l_index <= 0 || ip_link_find(ii, lb->l_index) != NULL)
		return EINVAL;
	for (unsigned i = 0; i < IP_MAX_LINKS; i++) {
		if (ii->ii_links[i].il_muxid == 0) {
			il = &ii->ii_links[i];
			break;
		}
	}
	if (il == NULL)
		return ENOSPC;
	memset(il, 0, sizeof(*il));
	il->il_muxid = lb->l_index;
	il->il_qbot = lb->l_qbot;
	il->il_inst = ii;
	lb->l_qbot->q_ptr = il;
	RD(lb->l_qbot)->q_ptr = il;
	return 0;
}

static void
ip_link_remove(struct ip_inst *ii, struct ip_link *il)
{
	queue_t *wq = il->il_qbot;

	ip_route_del_link(ii, il);
	igmp_link_gone(ii, il);
	/* What the upper streams held back for this link sent meanwhile is routed again (or
	 * dropped, no route) by their service procedures. */
	if (il->il_held)
		ip_link_wake(ii, il);
	ip_loop_flush(il);
	if (wq != NULL) {
		/* Whatever waited for the driver goes with the link. */
		flushq(wq, FLUSHALL);
		if (wq->q_ptr == il)
			wq->q_ptr = NULL;
		if (RD(wq)->q_ptr == il)
			RD(wq)->q_ptr = NULL;
	}
	memset(il, 0, sizeof(*il));
	ip_addrs_sync(ii);
}

static int
ip_ifadd(struct ip_inst *ii, const struct ip_ifreq *req)
{
	struct ip_link *il = ip_link_find(ii, req->ii_muxid);
	uint32_t h = rte_be_to_cpu_32(req->ii_addr);
	uint32_t mask;
	int err;

	if (il == NULL)
		return ENXIO;
	if (il->il_has_if)
		return EEXIST;
	if (h == 0 || h == UINT32_MAX || (h & 0xf0000000u) >= 0xe0000000u ||
	    (h & 0xff000000u) == 0x7f000000u || req->ii_prefix < 1 || req->ii_prefix > 32 ||
	    req->ii_mtu < YARD_IPV4_MIN_MTU || req->ii_mtu > 9000)
		return EINVAL;
	mask = rte_cpu_to_be_32(~0u << (32 - req->ii_prefix));
	il->il_addr = req->ii_addr;
	il->il_prefix = req->ii_prefix;
	il->il_mask = mask;
	il->il_bcast = (req->ii_addr & mask) | ~mask;
	/* RFC 3021: a /31 or /32 has no subnet broadcast; the limited one stands in, which input
	 * rejects as a source and accepts as a destination anyway. */
	il->il_sbcast = req->ii_prefix < 31 ? il->il_bcast : UINT32_MAX;
	il->il_mtu = req->ii_mtu;
	il->il_caps = req->ii_caps;
	il->il_has_if = true;
	err = ip_route_add(ii, req->ii_addr & mask, req->ii_prefix, 0, il);
	if (err != 0) {
		il->il_has_if = false;
		return -err;
	}
	ip_addrs_sync(ii);
	return 0;
}

static int
ip_setparam(struct ip_inst *ii, struct ip_param *p)
{
	struct ip_param np = ii->ii_param;
	bool reass;

#define IP_PARAM_TAKE(f, lo, hi)                         \
	do {                                             \
		if (p->f != 0) {                         \
			if (p->f < (lo) || p->f > (hi))  \
				return EINVAL;           \
			np.f = p->f;                     \
		}                                        \
	} while (0)
	IP_PARAM_TAKE(ip_reass_timeout_ms, 1, 60000);
	IP_PARAM_TAKE(ip_max_flows, 1, 65536);
	IP_PARAM_TAKE(ip_max_frags, 1, IP_FRAG_MAX_FRAGS);
	IP_PARAM_TAKE(ip_icmp_rate, 1, 100000);
	IP_PARAM_TAKE(ip_icmp_burst, 1, 100000);
	IP_PARAM_TAKE(ip_default_ttl, 1, 255);
	IP_PARAM_TAKE(ip_reass_mem, 65536, 1u << 30);
#undef IP_PARAM_TAKE
	/*
	 * Rebuilding the table allocates (rte_zmalloc) inside the write put procedure: a
	 * configuration ioctl, run at set-up, never on the packet path.
	 */
	reass = np.ip_max_flows != ii->ii_param.ip_max_flows;
	if (reass && ii->ii_frag_flows != 0)
		return EBUSY;
	ii->ii_param = np;
	ii->ii_frag_cyc = ip_ms_to_cyc(ii->ii_hz, np.ip_reass_timeout_ms);
	if (reass) {
		ip_reass_fini(ii);
		if (ip_reass_init(ii) != 0)
			return ENOMEM; /* fragments are dropped (frag_nomem) until a retry works */
	}
	icmp_ratelimit_init(ii);
	*p = np;
	return 0;
}

static void
ip_ioctl(queue_t *q, struct ip_upper *up, mblk_t *mp)
{
	struct iocblk *ioc = (struct iocblk *)mp->b_rptr;
	struct ip_inst *ii = up->iu_inst;
	int err = 0, count = 0;
	void *in, *out;

	if (ii == NULL) {
		miocnak(q, mp, 0, ENXIO);
		return;
	}
	switch (ioc->ioc_cmd) {
	case I_LINK:
	case I_PLINK:
		in = yard_mioc_in(mp, sizeof(struct linkblk));
		if (in == NULL || !up->iu_control)
			err = EINVAL;
		else
			err = ip_link_add(ii, in);
		break;
	case I_UNLINK:
	case I_PUNLINK: {
		struct ip_link *il;

		in = yard_mioc_in(mp, sizeof(struct linkblk));
		if (in == NULL) {
			err = EINVAL;
			break;
		}
		/*
		 * A link this instance does not know (a persistent link made under an instance
		 * that has closed since) is acknowledged all the same, so the framework can
		 * dismantle it.
		 */
		il = ip_link_find(ii, ((struct linkblk *)in)->l_index);
		if (il != NULL)
			ip_link_remove(ii, il);
		break;
	}
	case IP_IFADD:
		in = yard_mioc_in(mp, sizeof(struct ip_ifreq));
		err = in == NULL || !up->iu_control ? EINVAL : ip_ifadd(ii, in);
		break;
	case IP_IFDEL: {
		struct ip_link *il;

		in = yard_mioc_in(mp, sizeof(int));
		if (in == NULL || !up->iu_control) {
			err = EINVAL;
			break;
		}
		il = ip_link_find(ii, *(int *)in);
		if (il == NULL || !il->il_has_if) {
			err = ENXIO;
			break;
		}
		ip_route_del_link(ii, il);
		il->il_has_if = false;
		ip_addrs_sync(ii);
		break;
	}
	case IP_ROUTE_ADD: {
		struct ip_route *r;
		struct ip_link *il;

		in = yard_mioc_in(mp, sizeof(*r));
		if (in == NULL || !up->iu_control) {
			err = EINVAL;
			break;
		}
		r = in;
		il = ip_link_find(ii, r->ir_muxid);
		if (il == NULL || !il->il_has_if) {
			err = ENXIO;
			break;
		}
		err = -ip_route_add(ii, r->ir_dst, r->ir_prefix, r->ir_gateway, il);
		break;
	}
	case IP_ROUTE_DEL: {
		struct ip_route *r;

		in = yard_mioc_in(mp, sizeof(*r));
		if (in == NULL || !up->iu_control) {
			err = EINVAL;
			break;
		}
		r = in;
		err = -ip_route_del(ii, r->ir_dst, r->ir_prefix);
		break;
	}
	case IP_ROUTE_GET: {
		struct ip_route r;
		struct ip_rt *rt;

		in = yard_mioc_in(mp, sizeof(r));
		if (in == NULL) {
			err = EINVAL;
			break;
		}
		memcpy(&r, in, sizeof(r));
		rt = ip_route_lookup(ii, r.ir_dst, &r.ir_nexthop);
		if (rt == NULL) {
			err = ENETUNREACH;
			break;
		}
		r.ir_dst = rt->rt_dst;
		r.ir_prefix = rt->rt_prefix;
		r.ir_gateway = rt->rt_gw;
		r.ir_muxid = rt->rt_link->il_muxid;
		out = yard_mioc_out(mp, sizeof(r));
		if (out == NULL) {
			err = ENOSR;
			break;
		}
		memcpy(out, &r, sizeof(r));
		count = sizeof(r);
		break;
	}
	case IP_SETPARAM: {
		struct ip_param p;

		in = yard_mioc_in(mp, sizeof(p));
		if (in == NULL || !up->iu_control) {
			err = EINVAL;
			break;
		}
		memcpy(&p, in, sizeof(p));
		err = ip_setparam(ii, &p);
		if (err != 0)
			break;
		out = yard_mioc_out(mp, sizeof(p));
		if (out == NULL) {
			err = ENOSR;
			break;
		}
		memcpy(out, &p, sizeof(p));
		count = sizeof(p);
		break;
	}
	case IP_GETSTATS: {
		struct ip_stats *st;

		out = yard_mioc_out(mp, sizeof(*st));
		if (out == NULL) {
			err = ENOSR;
			break;
		}
		st = out;
		memcpy(&st->is_ip, ii->ii_ip, sizeof(st->is_ip));
		memcpy(&st->is_icmp, ii->ii_icmp, sizeof(st->is_icmp));
		count = sizeof(*st);
		break;
	}
	case IP_PROTO_BIND: {
		int proto;

		in = yard_mioc_in(mp, sizeof(int));
		if (in == NULL || up->iu_control || up->iu_proto != 0) {
			err = EINVAL;
			break;
		}
		proto = *(int *)in;
		if (proto < 1 || proto > 254) {
			err = EINVAL;
			break;
		}
		if (ii->ii_proto[proto] != NULL) {
			err = EADDRINUSE;
			break;
		}
		ii->ii_proto[proto] = up->iu_rq;
		up->iu_proto = proto;
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

void
ip_uwput_other(queue_t *q, mblk_t *mp)
{
	struct ip_upper *up = q->q_ptr;

	if (unlikely(up == NULL)) {
		freemsg(mp); /* only after close */
		return;
	}
	switch (DB_TYPE(mp)) {
	case M_IOCTL:
		if (MBLKL(mp) < sizeof(struct iocblk)) {
			freemsg(mp);
			return;
		}
		ip_ioctl(q, up, mp);
		return;
	case M_FLUSH:
		/* The canonical driver answer: flush, then turn FLUSHR back up. */
		if (*mp->b_rptr & FLUSHW)
			flushq(q, FLUSHDATA);
		if (*mp->b_rptr & FLUSHR) {
			flushq(RD(q), FLUSHDATA);
			*mp->b_rptr &= (unsigned char)~FLUSHW;
			qreply(q, mp);
			return;
		}
		freemsg(mp);
		return;
	default:
		if (up->iu_inst != NULL)
			IP_INC(up->iu_inst, drop_bad_msg);
		freemsg(mp);
		return;
	}
}

/* ---- instances ---------------------------------------------------------------------------- */

static struct ip_inst *
ip_inst_create(unsigned lcore, queue_t *rq)
{
	struct ip_inst *ii = rte_zmalloc("yard_ip", sizeof(*ii), RTE_CACHE_LINE_SIZE);
	struct ip_pcpu *pc;

	if (ii == NULL)
		return NULL;
	pc = ip_pcpu_get(lcore);
	ii->ii_lcore = lcore;
	ii->ii_ctl_rq = rq;
	ii->ii_ip = &pc->ip;
	ii->ii_icmp = &pc->icmp;
	ii->ii_hz = rte_get_timer_hz();
	ii->ii_ipid = (uint16_t)rte_rand();
	ii->ii_param = (struct ip_param){
		.ip_reass_timeout_ms = IP_DEF_REASS_TIMEOUT_MS,
		.ip_max_flows = IP_DEF_MAX_FLOWS,
		.ip_max_frags = IP_DEF_MAX_FRAGS,
		.ip_icmp_rate = IP_DEF_ICMP_RATE,
		.ip_icmp_burst = IP_DEF_ICMP_BURST,
		.ip_default_ttl = IP_DEF_TTL,
		.ip_reass_mem = IP_DEF_REASS_MEM,
	};
	icmp_ratelimit_init(ii);
	if (ip_route_init(ii) != 0) {
		rte_free(ii);
		return NULL;
	}
	if (ip_reass_init(ii) != 0) {
		ip_route_fini(ii);
		rte_free(ii);
		return NULL;
	}
	__atomic_store_n(&ip_insts[lcore], ii, __ATOMIC_RELEASE);
	ip_owner_join(ii);
	return ii;
}

static void
ip_inst_destroy(struct ip_inst *ii)
{
	ip_owner_leave(ii);
	__atomic_store_n(&ip_insts[ii->ii_lcore], NULL, __ATOMIC_RELEASE);
	/* Upper streams outlive their instance only as orphans: tell them. */
	for (struct ip_upper *up = ii->ii_uppers; up != NULL; up = up->iu_next) {
		up->iu_inst = NULL;
		up->iu_proto = 0;
		if (!up->iu_control)
			(void)putnextctl(up->iu_rq, M_HANGUP);
	}
	for (unsigned i = 0; i < IP_MAX_LINKS; i++)
		if (ii->ii_links[i].il_muxid != 0)
			ip_link_remove(ii, &ii->ii_links[i]);
	igmp_fini(ii);
	ip_reass_fini(ii);
	ip_route_fini(ii);
	rte_free(ii);
}

static int
ip_open(queue_t *q, dev_t *devp, int oflag, int sflag, cred_t *crp)
{
	struct ip_upper *up;
	struct ip_inst *ii;
	unsigned lcore;

	if (q->q_ptr != NULL)
		return 0;
	if (sflag == MODOPEN)
		return EINVAL;
	if (yard_nexthop_register() != 0)
		return ENOMEM;
	lcore = q->q_sched != NULL ? q->q_sched->sc_lcore : yard_sched_self()->sc_lcore;
	up = rte_zmalloc("yard_ip_upper", sizeof(*up), 0);
	if (up == NULL)
		return ENOMEM;
	ii = ip_insts[lcore];
	if (ii == NULL) {
		ii = ip_inst_create(lcore, q);
		if (ii == NULL) {
			rte_free(up);
			return ENOMEM;
		}
		up->iu_control = true;
	}
	up->iu_rq = q;
	up->iu_inst = ii;
	up->iu_next = ii->ii_uppers;
	ii->ii_uppers = up;
	if (devp != NULL)
		*devp = makedev(major(*devp), __atomic_add_fetch(&ip_minor, 1, __ATOMIC_RELAXED));
	q->q_ptr = up;
	WR(q)->q_ptr = up;
	qprocson(q);
	return 0;
}

static int
ip_close(queue_t *q, int flag, cred_t *crp)
{
	struct ip_upper *up = q->q_ptr;
	struct ip_inst *ii;

	qprocsoff(q);
	if (up == NULL)
		return 0;
	ii = up->iu_inst;
	if (ii != NULL) {
		if (up->iu_proto != 0 && ii->ii_proto[up->iu_proto] == q)
			ii->ii_proto[up->iu_proto] = NULL;
		for (struct ip_upper **pp = &ii->ii_uppers; *pp != NULL; pp = &(*pp)->iu_next) {
			if (*pp == up) {
				*pp = up->iu_next;
				break;
			}
		}
		if (up->iu_control)
			ip_inst_destroy(ii);
	}
	q->q_ptr = NULL;
	WR(q)->q_ptr = NULL;
	rte_free(up);
	return 0;
}

/* Lower write put: only reached if someone put()s to l_qbot itself; pass it on in order. */
static int
ip_lwput(queue_t *q, mblk_t *mp)
{
	mp->b_yflags &= ~YB_LINKROOM; /* not ip's short way: nobody vouched for it (mblk.h) */
	if (q->q_first != NULL || !canputnext(q))
		(void)putq(q, mp);
	else
		putnext(q, mp);
	return 0;
}

static struct module_info ip_minfo = {
	.mi_idnum = 0x4950,
	.mi_idname = IP_DRVNAME,
	.mi_minpsz = 0,
	.mi_maxpsz = INFPSZ,
	.mi_hiwat = 64 * 1024,
	.mi_lowat = 16 * 1024,
};

/* A link's write queue holds what its driver could not take yet: a few bursts' worth. */
static struct module_info ip_lminfo = {
	.mi_idnum = 0x4950,
	.mi_idname = IP_DRVNAME,
	.mi_minpsz = 0,
	.mi_maxpsz = INFPSZ,
	.mi_hiwat = 256 * 1024,
	.mi_lowat = 64 * 1024,
};

static struct qinit ip_urinit = {
	.qi_putp = ip_urput,
	.qi_qopen = ip_open,
	.qi_qclose = ip_close,
	.qi_minfo = &ip_minfo,
};

static struct qinit ip_uwinit = {
	.qi_putp = ip_uwput,
	.qi_srvp = ip_uwsrv,
	.qi_minfo = &ip_minfo,
	.qi_putp_burst = ip_uwput_burst,
};

static struct qinit ip_lrinit = {
	.qi_putp = ip_lrput,
	.qi_srvp = ip_lrsrv, /* ip's loop-back only (ip_loop.c): nothing is queued there */
	.qi_minfo = &ip_lminfo,
	.qi_putp_burst = ip_lrput_burst,
};

static struct qinit ip_lwinit = {
	.qi_putp = ip_lwput,
	.qi_srvp = ip_lwsrv,
	.qi_minfo = &ip_lminfo,
};

static struct streamtab ip_streamtab = {
	.st_rdinit = &ip_urinit,
	.st_wrinit = &ip_uwinit,
	.st_muxrinit = &ip_lrinit,
	.st_muxwinit = &ip_lwinit,
};

YARD_DRIVER(IP_DRVNAME, ip_streamtab, D_MP | D_CLONE)
