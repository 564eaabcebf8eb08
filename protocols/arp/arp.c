/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The arp module: open, close, the ARP_* ioctls, the write put procedures and the next-hop
 * dynamic field. The read side is in arp_input.c, the cache in arp_cache.c, framing in
 * arp_output.c. What the module does, and the ioctls, are described in <protocols/arp.h>.
 */
#include <errno.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_malloc.h>

#include "arp_priv.h"

int yard_nexthop_offset = -1;

int
yard_nexthop_register(void)
{
	static const struct rte_mbuf_dynfield desc = {
		.name = YARD_NEXTHOP_DYNFIELD,
		.size = sizeof(uint32_t),
		.align = __alignof__(uint32_t),
	};
	int off;

	if (__atomic_load_n(&yard_nexthop_offset, __ATOMIC_ACQUIRE) >= 0)
		return 0;
	/* Registering the same name and shape again returns the same offset: races are benign. */
	off = rte_mbuf_dynfield_register(&desc);
	if (off < 0)
		return -rte_errno;
	__atomic_store_n(&yard_nexthop_offset, off, __ATOMIC_RELEASE);
	return 0;
}

/* ---- ioctl data helpers ------------------------------------------------------------------- */

/* ---- ioctls ------------------------------------------------------------------------------- */

static int
arp_setif(struct arp_priv *ap, const struct arp_ifreq *req)
{
	int err;

	if (rte_is_zero_ether_addr(&req->ai_mac) || rte_is_multicast_ether_addr(&req->ai_mac) ||
	    req->ai_addr == 0 || req->ai_prefix > 32 || req->ai_mtu < 68 ||
	    req->ai_vlan > ARP_VLAN_MAX || req->ai_port >= ARP_MAX_PORTS)
		return EINVAL;
	err = arp_sib_join(ap, req->ai_port);
	if (err != 0)
		return -err;
	ap->ap_if = *req;
	ap->ap_mask = req->ai_prefix == 0 ? 0 : rte_cpu_to_be_32(~0u << (32 - req->ai_prefix));
	ap->ap_bcast = (req->ai_addr & ap->ap_mask) | ~ap->ap_mask;
	ap->ap_slot->as_port = req->ai_port;
	ap->ap_configured = true;
	ap->ap_gen++;
	/* RFC 5227 section 3: announce the address so neighbours update stale caches. */
	arp_send_gratuitous(ap);
	return 0;
}

static void
arp_param_apply(struct arp_priv *ap)
{
	ap->ap_timeout_cyc = arp_ms_to_cyc(ap, ap->ap_param.ap_timeout_ms);
	ap->ap_retry_cyc = arp_ms_to_cyc(ap, ap->ap_param.ap_retry_ms);
}

static int
arp_setparam(struct arp_priv *ap, struct arp_param *p)
{
	struct arp_param np = ap->ap_param;

#define ARP_PARAM_TAKE(f, lo, hi)                        \
	do {                                             \
		if (p->f != 0) {                         \
			if (p->f < (lo) || p->f > (hi))  \
				return EINVAL;           \
			np.f = p->f;                     \
		}                                        \
	} while (0)
	ARP_PARAM_TAKE(ap_timeout_ms, 1, 86400000u);
	ARP_PARAM_TAKE(ap_max_entries, 1, 65536);
	ARP_PARAM_TAKE(ap_max_hold, 1, 256);
	ARP_PARAM_TAKE(ap_max_hold_total, 1, 65536);
	ARP_PARAM_TAKE(ap_retries, 1, 100);
	ARP_PARAM_TAKE(ap_retry_ms, 1, 60000);
	/* 0 keeps the value, as in every field, so "no unicast probes" is a value of its own. */
	if (p->ap_ucast_probes == ARP_UCAST_PROBES_NONE)
		np.ap_ucast_probes = 0;
	else
		ARP_PARAM_TAKE(ap_ucast_probes, 1, ARP_UCAST_PROBES_MAX);
#undef ARP_PARAM_TAKE
	/*
	 * A new size reallocates the (empty) table inside the write put procedure: this is a
	 * configuration ioctl, run at set-up, never on the packet path.
	 */
	if (np.ap_max_entries != ap->ap_param.ap_max_entries) {
		if (ap->ap_count != 0)
			return EBUSY;
		arp_cache_fini(ap);
		if (arp_cache_init(ap, np.ap_max_entries) != 0) {
			(void)arp_cache_init(ap, ap->ap_param.ap_max_entries);
			return ENOMEM;
		}
	}
	ap->ap_param = np;
	arp_param_apply(ap);
	/* A shorter interval must take effect now, not after the old one runs out. */
	arp_cache_disarm(ap);
	arp_cache_arm(ap);
	*p = np;
	return 0;
}

int
arp_add_static(struct arp_priv *ap, const struct arp_entry *req)
{
	struct arp_ent *e;

	if (req->ae_addr == 0 || rte_is_zero_ether_addr(&req->ae_mac) ||
	    rte_is_multicast_ether_addr(&req->ae_mac))
		return EINVAL;
	e = arp_cache_lookup(ap, req->ae_addr);
	if (e == NULL) {
		e = arp_cache_add(ap, req->ae_addr, ARP_STATE_STATIC);
		if (e == NULL)
			return ENOSPC;
		e->ae_mac = req->ae_mac;
		e->ae_confirmed = rte_get_timer_cycles();
		return 0;
	}
	/* Learning makes it REACHABLE and sends what it held; then pin it. */
	if (e->ae_state != ARP_STATE_STATIC) {
		bool changed;

		e = arp_cache_learn(ap, req->ae_addr, &req->ae_mac, false, &changed);
		if (e == NULL)
			return ENOENT;
		e->ae_state = ARP_STATE_STATIC;
		ap->ap_ndynamic--;
	}
	e->ae_mac = req->ae_mac;
	e->ae_confirmed = rte_get_timer_cycles();
	ap->ap_gen++; /* a replaced address: write-side burst caches must not keep the old one */
	return 0;
}

void
arp_entry_out(const struct arp_priv *ap, const struct arp_ent *e, uint8_t state, uint64_t now,
	      struct arp_entry *out)
{
	out->ae_addr = e->ae_addr;
	out->ae_mac = e->ae_mac;
	out->ae_state = state;
	out->ae_pad = 0;
	out->ae_held = e->ae_nheld;
	out->ae_age_ms = (uint32_t)RTE_MIN((now - e->ae_confirmed) * 1000 / ap->ap_hz,
					   (uint64_t)UINT32_MAX);
	out->ae_tries = e->ae_tries;
}

static void
arp_ioctl(queue_t *q, struct arp_priv *ap, mblk_t *mp)
{
	struct iocblk *ioc = (struct iocblk *)mp->b_rptr;
	int err = 0, count = 0;
	void *in, *out;

	switch (ioc->ioc_cmd) {
	case ARP_SETIF:
		in = yard_mioc_in(mp, sizeof(struct arp_ifreq));
		err = in == NULL ? EINVAL : arp_setif(ap, in);
		break;
	case ARP_SETPARAM: {
		struct arp_param p;

		in = yard_mioc_in(mp, sizeof(p));
		if (in == NULL) {
			err = EINVAL;
			break;
		}
		memcpy(&p, in, sizeof(p));
		err = arp_setparam(ap, &p);
		if (err == 0) {
			out = yard_mioc_out(mp, sizeof(p));
			if (out == NULL) {
				err = ENOSR;
				break;
			}
			memcpy(out, &p, sizeof(p));
			count = sizeof(p);
		}
		break;
	}
	case ARP_ADD:
		in = yard_mioc_in(mp, sizeof(struct arp_entry));
		err = in == NULL ? EINVAL : arp_add_static(ap, in);
		break;
	case ARP_DEL: {
		struct arp_ent *e;
		uint64_t dropped = 0;

		in = yard_mioc_in(mp, sizeof(struct arp_entry));
		if (in == NULL) {
			err = EINVAL;
			break;
		}
		e = arp_cache_lookup(ap, ((struct arp_entry *)in)->ae_addr);
		if (e == NULL) {
			err = ENOENT;
			break;
		}
		arp_cache_del(ap, e, &dropped);
		ARP_ADD_N(ap, drop_resolve_failed, dropped);
		break;
	}
	case ARP_GET: {
		struct arp_ent *e;
		struct arp_entry ent;
		uint64_t now;

		in = yard_mioc_in(mp, sizeof(ent));
		if (in == NULL) {
			err = EINVAL;
			break;
		}
		e = arp_cache_lookup(ap, ((struct arp_entry *)in)->ae_addr);
		if (e == NULL) {
			err = ENOENT;
			break;
		}
		now = rte_get_timer_cycles();
		arp_entry_out(ap, e, arp_cache_state(ap, e, now), now, &ent);
		out = yard_mioc_out(mp, sizeof(ent));
		if (out == NULL) {
			err = ENOSR;
			break;
		}
		memcpy(out, &ent, sizeof(ent));
		count = sizeof(ent);
		break;
	}
	case ARP_GRATUITOUS:
		if (!ap->ap_configured)
			err = EINVAL;
		else
			arp_send_gratuitous(ap);
		break;
	case ARP_GETSTATS:
		out = yard_mioc_out(mp, sizeof(struct arpstat));
		if (out == NULL) {
			err = ENOSR;
			break;
		}
		memcpy(out, ap->ap_st, sizeof(struct arpstat));
		count = sizeof(struct arpstat);
		break;
	case ARP_FLUSH:
		arp_cache_flush(ap);
		break;
	default:
		/* Not ours: the driver below answers (LOOP_*, DLPI, ...). */
		putnext(q, mp);
		return;
	}
	if (err != 0)
		miocnak(q, mp, 0, err);
	else
		miocack(q, mp, count, 0);
}

/* ---- write side --------------------------------------------------------------------------- */

static void
arp_wput_other(queue_t *q, struct arp_priv *ap, mblk_t *mp)
{
	if (DB_TYPE(mp) == M_IOCTL && MBLKL(mp) >= sizeof(struct iocblk)) {
		arp_ioctl(q, ap, mp);
		return;
	}
	/* M_FLUSH, M_PROTO (DLPI), M_CTL ...: nothing queued here, the driver handles them. */
	putnext(q, mp);
}

/* Count the frames going down (tx_nh_cached of them framed from the burst cache), send them. */
static inline void
arp_wput_pass(queue_t *q, struct arp_priv *ap, mblk_t **mps, unsigned k, unsigned cached)
{
	ARP_ADD_N(ap, tx_nh_cached, cached);
	if (k != 0) {
		ARP_ADD_N(ap, tx_frames, k);
		putnext_burst(q, mps, k);
	}
}

/* nhc holds nothing usable: a 32-bit next hop never equals it. */
#define ARP_NHC_NONE UINT64_MAX

/* The next hop nhc may frame for: its own while the cache has not changed since it was filled. */
static inline uint64_t
arp_nhc_hit(const struct arp_priv *ap, const struct arp_nhc *nhc)
{
	return nhc->nc_nh != 0 && nhc->nc_gen == ap->ap_gen ? nhc->nc_nh : ARP_NHC_NONE;
}

/*
 * The packets of a burst mostly share one next hop: the first is resolved (arp_resolve fills
 * nhc), the others are compared with it and framed inline. hit is worked out again after
 * every call that may change the cache (a resolution, an ioctl, a message sent down that a
 * loop-back driver turns around at once), so the per-packet test is one compare.
 *
 * plain (a constant in each of the two copies, arp_wput_burst() and arp_wput_tagged()): the
 * link writes a plain Ethernet header (arp_frame_put()), else one with the link's 802.1Q tag
 * (arp_frame_put_tagged()); ip's mark vouches for the room of either. An ioctl in the burst
 * that changes which it is ends the run there; returns the messages consumed.
 */
static inline unsigned
arp_wput_run(queue_t *q, struct arp_priv *ap, mblk_t **mps, unsigned n, const bool plain)
{
	struct arp_nhc nhc = { .nc_nh = 0 };
	intptr_t nhoff = yard_nexthop_offset; /* registered at open, fixed from then on */
	mblk_t **in = mps, **end = mps + n, **out = mps;
	unsigned cached = 0;
	uint64_t hit = ARP_NHC_NONE;

	/* Opaque: gcc would keep the int and widen it for every packet instead of once. */
	__asm__("" : "+r"(nhoff));
	for (; in < end; in++) {
		mblk_t *mp = *in;
		/* ip's mark (mblk.h): M_DATA, one block only mp references, with the room. */
		bool room = mp->b_yflags & YB_LINKROOM;
		uint32_t nh;

		if (likely(room)) {
			mp->b_yflags &= ~YB_LINKROOM; /* taken over: the bit was ip's word to arp only */
		} else if (unlikely(DB_TYPE(mp) != M_DATA)) {
			/* Keep order: what was resolved before it goes first. */
			arp_wput_pass(q, ap, mps, (unsigned)(out - mps), cached);
			out = mps;
			cached = 0;
			arp_wput_other(q, ap, mp);
			if ((ap->ap_if.ai_vlan == 0) != plain)
				return (unsigned)(in + 1 - mps);
			hit = arp_nhc_hit(ap, &nhc);
			continue;
		}
		nh = *RTE_MBUF_DYNFIELD(yard_mblk_mbuf(mp), nhoff, const uint32_t *);
		if (likely(nh == hit)) {
			/* The same next hop as the last one of this burst: its address holds. */
			cached++;
			if (likely(room) && plain)
				arp_frame_put(mp, &nhc);
			else if (likely(room))
				arp_frame_put_tagged(mp, &nhc);
			else if (plain)
				mp = arp_frame_nhc(ap, mp, &nhc);
			else
				mp = arp_frame(ap, mp, &nhc.nc_eh.dst_addr);
		} else {
			mp = arp_resolve(q, ap, mp, &nhc);
			hit = arp_nhc_hit(ap, &nhc);
		}
		if (mp != NULL)
			*out++ = mp;
	}
	arp_wput_pass(q, ap, mps, (unsigned)(out - mps), cached);
	return n;
}

static void arp_wput_burst(queue_t *q, mblk_t **mps, unsigned n);

/* A VLAN link's burst: arp_wput_run()'s general copy, apart from the plain one. */
static __rte_noinline void
arp_wput_tagged(queue_t *q, struct arp_priv *ap, mblk_t **mps, unsigned n)
{
	unsigned k = arp_wput_run(q, ap, mps, n, false);

	if (unlikely(k < n))
		arp_wput_burst(q, mps + k, n - k); /* an ioctl in the burst took the VLAN away */
}

static void
arp_wput_burst(queue_t *q, mblk_t **mps, unsigned n)
{
	struct arp_priv *ap = q->q_ptr;
	unsigned k;

	if (unlikely(ap->ap_if.ai_vlan != 0)) {
		arp_wput_tagged(q, ap, mps, n);
		return;
	}
	k = arp_wput_run(q, ap, mps, n, true);
	if (unlikely(k < n))
		arp_wput_burst(q, mps + k, n - k); /* an ioctl in it put the link on a VLAN */
}

static int
arp_wput(queue_t *q, mblk_t *mp)
{
	arp_wput_burst(q, &mp, 1);
	return 0;
}

/* ---- open and close ----------------------------------------------------------------------- */

static int
arp_open(queue_t *q, dev_t *devp, int oflag, int sflag, cred_t *crp)
{
	struct arp_priv *ap;
	unsigned lcore;

	if (q->q_ptr != NULL)
		return 0;
	if (sflag != MODOPEN)
		return EINVAL;
	if (yard_nexthop_register() != 0)
		return ENOMEM;
	ap = rte_zmalloc("yard_arp", sizeof(*ap), RTE_CACHE_LINE_SIZE);
	if (ap == NULL)
		return ENOMEM;
	lcore = q->q_sched != NULL ? q->q_sched->sc_lcore : yard_sched_self()->sc_lcore;
	ap->ap_slot = arp_slot_claim((int)lcore);
	if (ap->ap_slot == NULL) {
		rte_free(ap);
		return ENOSPC;
	}
	ap->ap_st = &ap->ap_slot->as_st;
	ap->ap_slot->as_ap = ap;
	ap->ap_rq = q;
	ap->ap_hz = rte_get_timer_hz();
	ap->ap_sib_port = -1;
	ap->ap_sib_idx = -1;
	ap->ap_param = (struct arp_param){
		.ap_timeout_ms = ARP_DEF_TIMEOUT_MS,
		.ap_max_entries = ARP_DEF_MAX_ENTRIES,
		.ap_max_hold = ARP_DEF_MAX_HOLD,
		.ap_max_hold_total = ARP_DEF_MAX_HOLD_TOTAL,
		.ap_retries = ARP_DEF_RETRIES,
		.ap_retry_ms = ARP_DEF_RETRY_MS,
		.ap_ucast_probes = ARP_DEF_UCAST_PROBES,
	};
	arp_param_apply(ap);
	if (arp_cache_init(ap, ap->ap_param.ap_max_entries) != 0) {
		ap->ap_slot->as_ap = NULL;
		arp_slot_release(ap->ap_slot);
		rte_free(ap);
		return ENOMEM;
	}
	q->q_ptr = ap;
	WR(q)->q_ptr = ap;
	qprocson(q);
	return 0;
}

static int
arp_close(queue_t *q, int flag, cred_t *crp)
{
	struct arp_priv *ap = q->q_ptr;

	qprocsoff(q);
	if (ap == NULL)
		return 0;
	arp_sib_leave(ap);
	arp_cache_disarm(ap);
	arp_cache_fini(ap);
	ap->ap_slot->as_ap = NULL;
	arp_slot_release(ap->ap_slot);
	q->q_ptr = NULL;
	WR(q)->q_ptr = NULL;
	rte_free(ap);
	return 0;
}

static struct module_info arp_minfo = {
	.mi_idnum = 0x4152,
	.mi_idname = ARP_MODNAME,
	.mi_minpsz = 0,
	.mi_maxpsz = INFPSZ,
	.mi_hiwat = 64 * 1024,
	.mi_lowat = 16 * 1024,
};

static struct qinit arp_rinit = {
	.qi_putp = arp_rput,
	.qi_qopen = arp_open,
	.qi_qclose = arp_close,
	.qi_minfo = &arp_minfo,
	.qi_putp_burst = arp_rput_burst,
};

static struct qinit arp_winit = {
	.qi_putp = arp_wput,
	.qi_minfo = &arp_minfo,
	.qi_putp_burst = arp_wput_burst,
};

static struct streamtab arp_streamtab = {
	.st_rdinit = &arp_rinit,
	.st_wrinit = &arp_winit,
};

YARD_MODULE(ARP_MODNAME, arp_streamtab, D_MP)
