/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * udp options: T_OPTMGMT_REQ with XTI options (struct T_opthdr), and the per-datagram options
 * of T_UNITDATA_REQ.
 *
 * Principles of operation
 * -----------------------
 * The options udp knows, with their value types (XTI and XNS 5.2):
 *
 *   XTI_GENERIC XTI_RCVBUF      t_uscalar_t  bytes the stream head holds (M_SETOPTS SO_HIWAT)
 *   XTI_GENERIC XTI_SNDBUF      t_uscalar_t  bytes the endpoint's write queue holds (strqset)
 *   T_INET_IP   T_IP_BROADCAST  t_uscalar_t  T_YES/T_NO: may send to a broadcast address
 *   T_INET_IP   T_IP_TOS        unsigned char
 *   T_INET_IP   T_IP_TTL        unsigned char (1..255)
 *   T_INET_IP   T_IP_MULTICAST_TTL  unsigned char (0..255): datagrams sent to a group (0: they
 *                                   stay on this host, ip's IP_UNITDATA_HOSTONLY)
 *   T_INET_IP   T_IP_MULTICAST_IF   t_uscalar_t: the address of the link a group's datagrams
 *                                   go out and come from (0: the group's route and its link);
 *                                   one of the instance's addresses, and for an endpoint bound
 *                                   to an address that one (the bound address names the link)
 *   T_INET_IP   T_IP_MULTICAST_LOOP unsigned char 0/1 (1 by default): a copy of each datagram
 *                                   sent to a group the outgoing link joined goes to its
 *                                   members on this lcore (ip's IP_UNITDATA_MLOOP)
 *   T_INET_UDP  T_UDP_CHECKSUM  t_uscalar_t  T_YES/T_NO: compute checksums on output
 *   T_INET_IP   T_IP_PKTINFO    t_uscalar_t  T_YES/T_NO: each T_UNITDATA_IND carries a
 *                               T_IP_PKTINFO option, struct t_in_pktinfo (udp_input.c)
 *   T_INET_IP   T_IP_ADD_MEMBERSHIP   struct t_ip_mreq: join a multicast group, any source
 *   T_INET_IP   T_IP_DROP_MEMBERSHIP  struct t_ip_mreq: leave it (any filter)
 *   T_INET_IP   T_IP_ADD_SOURCE_MEMBERSHIP   struct t_ip_mreq_source: join for a source
 *   T_INET_IP   T_IP_DROP_SOURCE_MEMBERSHIP  struct t_ip_mreq_source: drop that source
 *   T_INET_IP   T_IP_BLOCK_SOURCE     struct t_ip_mreq_source: leave out a source
 *   T_INET_IP   T_IP_UNBLOCK_SOURCE   struct t_ip_mreq_source: take it again
 *
 * The six membership options are actions, not values: T_NEGOTIATE does them (T_FAILURE if ip
 * refused: not a group, no such link, the link's tables full; or the endpoint's 20 are used,
 * or it already has that membership, or has none to drop; for the source options also the
 * wrong filter mode, a source already there or not there, the membership's 10 sources used),
 * T_CHECK says whether the group (and source) is one that could be joined, T_DEFAULT and
 * T_CURRENT have nothing to say (T_NOTSUPPORT), and T_ALLOPT leaves them out. Each answer
 * carries the request's value back. An endpoint's memberships are its own (as a socket's): it
 * leaves them when it closes.
 *
 * A request is checked whole before anything is done (a malformed buffer is T_ERROR_ACK
 * TBADOPT, a bad MGMT_flags TBADFLAG). Then each option is answered in order, as XTI says:
 * T_DEFAULT and T_CURRENT return the values (T_ALLOPT: every option of the level), T_CHECK
 * says whether a value would be accepted, T_NEGOTIATE sets it (no value, or T_ALLOPT:
 * the default). Each answer carries its status; an unknown option comes back as its header
 * alone with T_NOTSUPPORT; a value out of range is T_FAILURE, one the provider had to adjust
 * (buffer sizes beyond the limits) T_PARTSUCCESS. MGMT_flags of the acknowledgement is the
 * worst status of all (T_NOTSUPPORT > T_READONLY > T_FAILURE > T_PARTSUCCESS > T_SUCCESS).
 * Unsigned char values are accepted as one byte or as a t_uscalar_t, and returned as one byte.
 */
#include <errno.h>
#include <string.h>

#include "udp_priv.h"

struct udp_optdef {
	t_uscalar_t od_level;
	t_uscalar_t od_name;
	unsigned od_vlen; /* 4: t_uscalar_t, 1: unsigned char */
};

static const struct udp_optdef udp_optdefs[] = {
	{ XTI_GENERIC, XTI_RCVBUF, 4 },
	{ XTI_GENERIC, XTI_SNDBUF, 4 },
	{ T_INET_IP, T_IP_BROADCAST, 4 },
	{ T_INET_IP, T_IP_TOS, 1 },
	{ T_INET_IP, T_IP_TTL, 1 },
	{ T_INET_IP, T_IP_MULTICAST_TTL, 1 },
	{ T_INET_IP, T_IP_MULTICAST_IF, 4 },
	{ T_INET_IP, T_IP_MULTICAST_LOOP, 1 },
	{ T_INET_UDP, T_UDP_CHECKSUM, 4 },
	{ T_INET_IP, T_IP_PKTINFO, 4 },
};
#define UDP_NOPTDEFS RTE_DIM(udp_optdefs)
/* One switch value per (level, name). */
#define UDP_OPTKEY(level, name) ((uint32_t)(level) << 16 | (uint32_t)(name))
/* The most an answer to one option takes: header, value (a t_ip_mreq_source at most), padding. */
#define UDP_OPT_OUT_MAX (sizeof(struct T_opthdr) + sizeof(struct t_ip_mreq_source))

static const struct udp_optdef *
udp_optdef_find(t_uscalar_t level, t_uscalar_t name)
{
	for (unsigned i = 0; i < UDP_NOPTDEFS; i++)
		if (udp_optdefs[i].od_level == level && udp_optdefs[i].od_name == name)
			return &udp_optdefs[i];
	return NULL;
}

static bool
udp_level_known(t_uscalar_t level)
{
	for (unsigned i = 0; i < UDP_NOPTDEFS; i++)
		if (udp_optdefs[i].od_level == level)
			return true;
	return false;
}

static uint32_t
udp_opt_default(const struct udp_optdef *d)
{
	switch (UDP_OPTKEY(d->od_level, d->od_name)) {
	case UDP_OPTKEY(T_INET_IP, T_IP_PKTINFO):
		return T_NO;
	case UDP_OPTKEY(XTI_GENERIC, XTI_RCVBUF):
		return UDP_RCVBUF_DEFAULT;
	case UDP_OPTKEY(XTI_GENERIC, XTI_SNDBUF):
		return UDP_SNDBUF_DEFAULT;
	case UDP_OPTKEY(T_INET_IP, T_IP_TTL):
		return UDP_TTL_DEFAULT;
	case UDP_OPTKEY(T_INET_UDP, T_UDP_CHECKSUM):
		return T_YES;
	case UDP_OPTKEY(T_INET_IP, T_IP_MULTICAST_TTL):
	case UDP_OPTKEY(T_INET_IP, T_IP_MULTICAST_LOOP):
		return 1;
	default: /* T_IP_BROADCAST, T_IP_TOS, T_IP_MULTICAST_IF */
		return 0;
	}
}

static uint32_t
udp_opt_current(const struct udp_ep *ep, const struct udp_optdef *d)
{
	switch (UDP_OPTKEY(d->od_level, d->od_name)) {
	case UDP_OPTKEY(T_INET_IP, T_IP_PKTINFO):
		return ep->ue_pktinfo ? T_YES : T_NO;
	case UDP_OPTKEY(XTI_GENERIC, XTI_RCVBUF):
		return ep->ue_rcvbuf;
	case UDP_OPTKEY(XTI_GENERIC, XTI_SNDBUF):
		return ep->ue_sndbuf;
	case UDP_OPTKEY(T_INET_IP, T_IP_BROADCAST):
		return ep->ue_broadcast ? T_YES : T_NO;
	case UDP_OPTKEY(T_INET_IP, T_IP_TOS):
		return ep->ue_tos;
	case UDP_OPTKEY(T_INET_IP, T_IP_TTL):
		return ep->ue_ttl != 0 ? ep->ue_ttl : UDP_TTL_DEFAULT;
	case UDP_OPTKEY(T_INET_IP, T_IP_MULTICAST_TTL):
		return ep->ue_mttl;
	case UDP_OPTKEY(T_INET_IP, T_IP_MULTICAST_IF):
		return ep->ue_mif;
	case UDP_OPTKEY(T_INET_IP, T_IP_MULTICAST_LOOP):
		return ep->ue_mloop;
	default: /* T_UDP_CHECKSUM */
		return ep->ue_cksum ? T_YES : T_NO;
	}
}

/*
 * A multicast interface ep may name: 0 (the route's), or an address of the instance, the
 * endpoint's own if it is bound to one.
 */
static bool
udp_mif_ok(const struct udp_ep *ep, uint32_t addr)
{
	const struct udp_inst *ui = ep->ue_inst;

	if (addr == 0)
		return true;
	if (ep->ue_laddr != 0 && addr != ep->ue_laddr)
		return false;
	for (unsigned i = 0; i < ui->ui_naddrs; i++)
		if (ui->ui_addrs[i].la_addr == addr)
			return true;
	return false;
}

/*
 * Would v be accepted (for ep: NULL where no option naming an address can come)? T_SUCCESS,
 * T_PARTSUCCESS with *v adjusted, or T_FAILURE.
 */
static t_uscalar_t
udp_opt_check(const struct udp_ep *ep, const struct udp_optdef *d, uint32_t *v)
{
	uint32_t lo, hi;

	switch (UDP_OPTKEY(d->od_level, d->od_name)) {
	case UDP_OPTKEY(T_INET_IP, T_IP_PKTINFO):
		return *v == T_YES || *v == T_NO ? T_SUCCESS : T_FAILURE;
	case UDP_OPTKEY(XTI_GENERIC, XTI_RCVBUF):
		lo = UDP_RCVBUF_MIN, hi = UDP_RCVBUF_MAX;
		break;
	case UDP_OPTKEY(XTI_GENERIC, XTI_SNDBUF):
		lo = UDP_SNDBUF_MIN, hi = UDP_SNDBUF_MAX;
		break;
	case UDP_OPTKEY(T_INET_IP, T_IP_TOS):
		return *v <= UINT8_MAX ? T_SUCCESS : T_FAILURE;
	case UDP_OPTKEY(T_INET_IP, T_IP_TTL):
		return *v >= 1 && *v <= UINT8_MAX ? T_SUCCESS : T_FAILURE;
	case UDP_OPTKEY(T_INET_IP, T_IP_MULTICAST_TTL):
		return *v <= UINT8_MAX ? T_SUCCESS : T_FAILURE; /* 0: this host only */
	case UDP_OPTKEY(T_INET_IP, T_IP_MULTICAST_IF):
		return ep != NULL && udp_mif_ok(ep, *v) ? T_SUCCESS : T_FAILURE;
	case UDP_OPTKEY(T_INET_IP, T_IP_MULTICAST_LOOP):
		return *v <= 1 ? T_SUCCESS : T_FAILURE;
	default: /* T_IP_BROADCAST, T_UDP_CHECKSUM */
		return *v == T_YES || *v == T_NO ? T_SUCCESS : T_FAILURE;
	}
	if (*v < lo) {
		*v = lo;
		return T_PARTSUCCESS;
	}
	if (*v > hi) {
		*v = hi;
		return T_PARTSUCCESS;
	}
	return T_SUCCESS;
}

/* Set a checked value. false if it could not be done (no block for M_SETOPTS). */
static bool
udp_opt_apply(struct udp_ep *ep, const struct udp_optdef *d, uint32_t v)
{
	switch (UDP_OPTKEY(d->od_level, d->od_name)) {
	case UDP_OPTKEY(T_INET_IP, T_IP_PKTINFO):
		ep->ue_pktinfo = v == T_YES;
		return true;
	case UDP_OPTKEY(XTI_GENERIC, XTI_RCVBUF): {
		mblk_t *mp = allocb(sizeof(struct stroptions), BPRI_MED);
		struct stroptions *so;

		if (mp == NULL)
			return false;
		DB_TYPE(mp) = M_SETOPTS;
		so = (struct stroptions *)mp->b_wptr;
		memset(so, 0, sizeof(*so));
		so->so_flags = SO_HIWAT;
		so->so_hiwat = v;
		mp->b_wptr += sizeof(*so);
		putnext(ep->ue_rq, mp);
		ep->ue_rcvbuf = v;
		return true;
	}
	case UDP_OPTKEY(XTI_GENERIC, XTI_SNDBUF): {
		queue_t *wq = WR(ep->ue_rq);

		/* Keep lowat <= hiwat at every step. */
		if (v / 4 < wq->q_lowat) {
			(void)strqset(wq, QLOWAT, 0, (intptr_t)(v / 4));
			(void)strqset(wq, QHIWAT, 0, (intptr_t)v);
		} else {
			(void)strqset(wq, QHIWAT, 0, (intptr_t)v);
			(void)strqset(wq, QLOWAT, 0, (intptr_t)(v / 4));
		}
		ep->ue_sndbuf = v;
		return true;
	}
	case UDP_OPTKEY(T_INET_IP, T_IP_BROADCAST):
		ep->ue_broadcast = v == T_YES;
		return true;
	case UDP_OPTKEY(T_INET_IP, T_IP_TOS):
		ep->ue_tos = (uint8_t)v;
		return true;
	case UDP_OPTKEY(T_INET_IP, T_IP_TTL):
		ep->ue_ttl = (uint8_t)v;
		return true;
	case UDP_OPTKEY(T_INET_IP, T_IP_MULTICAST_TTL):
		ep->ue_mttl = (uint8_t)v;
		return true;
	case UDP_OPTKEY(T_INET_IP, T_IP_MULTICAST_IF):
		ep->ue_mif = v;
		return true;
	case UDP_OPTKEY(T_INET_IP, T_IP_MULTICAST_LOOP):
		ep->ue_mloop = v != 0;
		return true;
	default: /* T_UDP_CHECKSUM */
		ep->ue_cksum = v == T_YES;
		return true;
	}
}

void
udp_opt_init(struct udp_ep *ep)
{
	ep->ue_cksum = true;
	ep->ue_broadcast = false;
	ep->ue_tos = 0;
	ep->ue_ttl = 0;
	ep->ue_mttl = 1;
	ep->ue_mloop = true; /* as Linux's and Solaris' sockets */
	ep->ue_mif = 0;
	ep->ue_pktinfo = false;
	ep->ue_rcvbuf = UDP_RCVBUF_DEFAULT;
	ep->ue_sndbuf = UDP_SNDBUF_DEFAULT;
}

/* ---- the option buffer -------------------------------------------------------------------- */

static unsigned
udp_status_rank(t_uscalar_t st)
{
	switch (st) {
	case T_SUCCESS:
		return 0;
	case T_PARTSUCCESS:
		return 1;
	case T_FAILURE:
		return 2;
	case T_READONLY:
		return 3;
	default:
		return 4; /* T_NOTSUPPORT */
	}
}

/* Where an answer is being built. */
struct udp_optout {
	uint8_t *oo_buf;
	size_t oo_len;
	size_t oo_max;
	t_uscalar_t oo_worst;
};

/* One answer: the header and vlen bytes of value. */
static void
udp_emit_raw(struct udp_optout *oo, t_uscalar_t level, t_uscalar_t name, t_uscalar_t status,
	     const void *val, size_t vlen)
{
	struct T_opthdr oh = { .len = (t_uscalar_t)(sizeof(oh) + vlen), .level = level,
			       .name = name, .status = status };
	size_t at = _TPI_ALIGN_TOPT(oo->oo_len);

	if (at + oh.len > oo->oo_max)
		return; /* sized beforehand: cannot happen */
	memset(oo->oo_buf + oo->oo_len, 0, at - oo->oo_len);
	memcpy(oo->oo_buf + at, &oh, sizeof(oh));
	if (vlen != 0)
		memcpy(oo->oo_buf + at + sizeof(oh), val, vlen);
	oo->oo_len = at + oh.len;
	if (udp_status_rank(status) > udp_status_rank(oo->oo_worst))
		oo->oo_worst = status;
}

static void
udp_emit(struct udp_optout *oo, t_uscalar_t level, t_uscalar_t name, t_uscalar_t status,
	 const struct udp_optdef *d, uint32_t v)
{
	t_uscalar_t u = v;
	uint8_t b = (uint8_t)v;

	if (d == NULL)
		udp_emit_raw(oo, level, name, status, NULL, 0);
	else if (d->od_vlen == 1)
		udp_emit_raw(oo, level, name, status, &b, 1);
	else
		udp_emit_raw(oo, level, name, status, &u, sizeof(u));
}

/* ---- multicast memberships ---------------------------------------------------------------- */

static bool
udp_opt_is_mship(t_uscalar_t level, t_uscalar_t name)
{
	return level == T_INET_IP && name >= T_IP_ADD_MEMBERSHIP &&
	       name <= T_IP_DROP_SOURCE_MEMBERSHIP;
}

/* The size of the value a membership option takes. */
static size_t
udp_mship_vlen(t_uscalar_t name)
{
	return name == T_IP_ADD_MEMBERSHIP || name == T_IP_DROP_MEMBERSHIP ?
	       sizeof(struct t_ip_mreq) : sizeof(struct t_ip_mreq_source);
}

/* A group ip could join: multicast, not 224.0.0.1 (every host is in it). */
static bool
udp_mship_group_ok(uint32_t group)
{
	return udp_is_group(group) && group != RTE_BE32(0xe0000001u);
}

/* A source a filter may name: a unicast address. */
static bool
udp_mship_source_ok(uint32_t src)
{
	return src != 0 && src != UINT32_MAX && !udp_is_group(src);
}

/* The membership of group on the link ifaddr names (0: any link), NULL if none. */
static struct udp_mship *
udp_mship_find(struct udp_ep *ep, uint32_t group, uint32_t ifaddr)
{
	for (unsigned i = 0; i < ep->ue_nmships; i++) {
		struct udp_mship *um = &ep->ue_mships[i];

		if (um->um_group == group && (um->um_ifaddr == ifaddr || ifaddr == 0))
			return um;
	}
	return NULL;
}

/* The membership of group on link muxid, NULL if none. */
static struct udp_mship *
udp_mship_on(struct udp_ep *ep, uint32_t group, int muxid)
{
	for (unsigned i = 0; i < ep->ue_nmships; i++)
		if (ep->ue_mships[i].um_group == group && ep->ue_mships[i].um_muxid == muxid)
			return &ep->ue_mships[i];
	return NULL;
}

static void
udp_mship_recount(struct udp_ep *ep)
{
	ep->ue_nfiltered = 0;
	for (unsigned i = 0; i < ep->ue_nmships; i++)
		if (ep->ue_mships[i].um_f.mf_mode != IP_MFILTER_EXCLUDE ||
		    ep->ue_mships[i].um_f.mf_nsrc != 0)
			ep->ue_nfiltered++;
}

/* The index of src in f, -1 if it is not there. */
static int
udp_filter_index(const struct ip_mfilter *f, uint32_t src)
{
	for (unsigned i = 0; i < f->mf_nsrc; i++)
		if (f->mf_src[i] == src)
			return (int)i;
	return -1;
}

bool
udp_mship_allows(const struct udp_ep *ep, uint32_t group, uint32_t src)
{
	bool joined = false;

	for (unsigned i = 0; i < ep->ue_nmships; i++) {
		const struct udp_mship *um = &ep->ue_mships[i];
		bool listed;

		if (um->um_group != group)
			continue;
		joined = true;
		listed = udp_filter_index(&um->um_f, src) >= 0;
		if (listed == (um->um_f.mf_mode == IP_MFILTER_INCLUDE))
			return true;
	}
	/* A group the endpoint has not joined comes to its port from others' joins, as to a
	 * socket (Linux's IP_MULTICAST_ALL). */
	return !joined;
}

bool
udp_mship_exact(const struct udp_ep *ep, uint32_t group)
{
	const struct udp_mship *one = NULL;

	for (unsigned i = 0; i < ep->ue_nmships; i++) {
		if (ep->ue_mships[i].um_group != group)
			continue;
		if (one != NULL)
			return false; /* on two links: each datagram's link would matter */
		one = &ep->ue_mships[i];
	}
	if (one == NULL)
		return true; /* not a member: any source's comes to it (udp_mship_allows) */
	return ip_mcast_sole_filter(ep->ue_inst->ui_lcore, group, one->um_muxid, &one->um_f);
}

/* Ask ip for the membership's new filter; on success it is the endpoint's. */
static t_uscalar_t
udp_mship_set(struct udp_ep *ep, struct udp_mship *um, const struct ip_mfilter *now)
{
	struct udp_inst *ui = ep->ue_inst;

	if (ip_mcast_filter(ui->ui_lcore, um->um_group, um->um_muxid, &um->um_f, now) != 0) {
		UDP_INC(ui, mcast_join_fail);
		return T_FAILURE;
	}
	um->um_f = *now;
	udp_mship_recount(ep);
	return T_SUCCESS;
}

/* A new membership of group on the link ifaddr names, with filter f. */
static t_uscalar_t
udp_mship_add(struct udp_ep *ep, uint32_t group, uint32_t ifaddr, const struct ip_mfilter *f)
{
	static const struct ip_mfilter none = { .mf_mode = IP_MFILTER_INCLUDE };
	struct udp_inst *ui = ep->ue_inst;
	struct udp_mship *um;
	int muxid;

	if (!udp_mship_group_ok(group) || ep->ue_nmships == UDP_MAX_MSHIPS) {
		UDP_INC(ui, mcast_join_fail);
		return T_FAILURE;
	}
	muxid = ip_mcast_link(ui->ui_lcore, group, ifaddr);
	/* The same group on the same link again (however the link was named): refused, as a
	 * socket's second IP_ADD_MEMBERSHIP is. */
	if (muxid < 0 || udp_mship_on(ep, group, muxid) != NULL) {
		UDP_INC(ui, mcast_join_fail);
		return T_FAILURE;
	}
	um = &ep->ue_mships[ep->ue_nmships];
	*um = (struct udp_mship){ .um_group = group, .um_ifaddr = ifaddr, .um_muxid = muxid,
				  .um_f = none };
	if (udp_mship_set(ep, um, f) != T_SUCCESS) {
		memset(um, 0, sizeof(*um));
		return T_FAILURE;
	}
	ep->ue_nmships++;
	udp_mship_recount(ep);
	UDP_INC(ui, mcast_joins);
	return T_SUCCESS;
}

static void
udp_mship_remove(struct udp_ep *ep, struct udp_mship *um)
{
	struct udp_inst *ui = ep->ue_inst;

	*um = ep->ue_mships[--ep->ue_nmships];
	memset(&ep->ue_mships[ep->ue_nmships], 0, sizeof(*um));
	udp_mship_recount(ep);
	UDP_INC(ui, mcast_leaves);
}

static void
udp_mship_leave(struct udp_ep *ep, struct udp_mship *um)
{
	static const struct ip_mfilter none = { .mf_mode = IP_MFILTER_INCLUDE };
	struct udp_inst *ui = ep->ue_inst;

	/* The link may have gone (unlinked) or ip closed: nothing left to leave then. */
	(void)ip_mcast_filter(ui->ui_lcore, um->um_group, um->um_muxid, &um->um_f, &none);
	udp_mship_remove(ep, um);
}

void
udp_mship_drop_all(struct udp_ep *ep)
{
	while (ep->ue_nmships > 0)
		udp_mship_leave(ep, &ep->ue_mships[ep->ue_nmships - 1]);
}

/*
 * One of the four source options (RFC 3678 4.1.1, as Linux and Solaris do them): add or drop
 * a source of an INCLUDE membership (adding to none makes one; dropping the last leaves), or
 * block or unblock one of an EXCLUDE membership. Anything else is T_FAILURE: the wrong mode,
 * a source already there or not there, the membership's 10 sources used.
 */
static t_uscalar_t
udp_mship_source(struct udp_ep *ep, t_uscalar_t name, const struct t_ip_mreq_source *mr)
{
	struct udp_inst *ui = ep->ue_inst;
	bool include = name == T_IP_ADD_SOURCE_MEMBERSHIP || name == T_IP_DROP_SOURCE_MEMBERSHIP;
	bool add = name == T_IP_ADD_SOURCE_MEMBERSHIP || name == T_IP_BLOCK_SOURCE;
	struct ip_mfilter f = { .mf_mode = IP_MFILTER_INCLUDE };
	struct udp_mship *um;
	t_uscalar_t st;
	int at, muxid;

	if (!udp_mship_group_ok(mr->imr_multiaddr) || !udp_mship_source_ok(mr->imr_sourceaddr))
		goto fail;
	muxid = ip_mcast_link(ui->ui_lcore, mr->imr_multiaddr, mr->imr_interface);
	um = muxid > 0 ? udp_mship_on(ep, mr->imr_multiaddr, muxid) : NULL;
	if (um == NULL) {
		if (name != T_IP_ADD_SOURCE_MEMBERSHIP)
			goto fail;
		f.mf_nsrc = 1;
		f.mf_src[0] = mr->imr_sourceaddr;
		st = udp_mship_add(ep, mr->imr_multiaddr, mr->imr_interface, &f);
		if (st == T_SUCCESS)
			UDP_INC(ui, mcast_src_changes);
		return st;
	}
	if ((um->um_f.mf_mode == IP_MFILTER_INCLUDE) != include)
		goto fail;
	f = um->um_f;
	at = udp_filter_index(&f, mr->imr_sourceaddr);
	if (add) {
		if (at >= 0 || f.mf_nsrc == IP_MFILTER_MAX)
			goto fail;
		f.mf_src[f.mf_nsrc++] = mr->imr_sourceaddr;
	} else {
		if (at < 0)
			goto fail;
		f.mf_src[at] = f.mf_src[--f.mf_nsrc];
		f.mf_src[f.mf_nsrc] = 0;
	}
	st = udp_mship_set(ep, um, &f);
	if (st != T_SUCCESS)
		return st;
	UDP_INC(ui, mcast_src_changes);
	if (include && f.mf_nsrc == 0)
		udp_mship_remove(ep, um); /* INCLUDE {}: no longer a member */
	return T_SUCCESS;
fail:
	UDP_INC(ui, mcast_join_fail);
	return T_FAILURE;
}

/* Answer a membership option (udp_opt_is_mship()). */
static void
udp_opt_mship(struct udp_ep *ep, struct udp_optout *oo, t_scalar_t flags,
	      const struct T_opthdr *ih, const uint8_t *val, size_t vlen)
{
	static const struct ip_mfilter any = { .mf_mode = IP_MFILTER_EXCLUDE };
	struct t_ip_mreq_source ms;
	struct t_ip_mreq mr;
	struct udp_mship *um;
	t_uscalar_t st;

	if (flags == T_DEFAULT || flags == T_CURRENT) {
		udp_emit_raw(oo, ih->level, ih->name, T_NOTSUPPORT, NULL, 0);
		return;
	}
	if (vlen != udp_mship_vlen(ih->name)) {
		udp_emit_raw(oo, ih->level, ih->name, T_FAILURE, NULL, 0);
		return;
	}
	if (vlen == sizeof(ms)) {
		memcpy(&ms, val, sizeof(ms));
		if (flags == T_CHECK)
			st = udp_mship_group_ok(ms.imr_multiaddr) &&
			     udp_mship_source_ok(ms.imr_sourceaddr) ? T_SUCCESS : T_FAILURE;
		else
			st = udp_mship_source(ep, ih->name, &ms);
		udp_emit_raw(oo, ih->level, ih->name, st, &ms, sizeof(ms));
		return;
	}
	memcpy(&mr, val, sizeof(mr));
	if (flags == T_CHECK) {
		st = udp_mship_group_ok(mr.imr_multiaddr) ? T_SUCCESS : T_FAILURE;
	} else if (ih->name == T_IP_ADD_MEMBERSHIP) {
		st = udp_mship_add(ep, mr.imr_multiaddr, mr.imr_interface, &any);
	} else {
		/* Whatever its filter: a socket's IP_DROP_MEMBERSHIP leaves an SSM one too. */
		um = udp_mship_find(ep, mr.imr_multiaddr, mr.imr_interface);
		st = um != NULL ? T_SUCCESS : T_FAILURE;
		if (um != NULL)
			udp_mship_leave(ep, um);
	}
	udp_emit_raw(oo, ih->level, ih->name, st, &mr, sizeof(mr));
}

/* Read an option's value: 0 if it has one of an acceptable size, else -1. */
static int
udp_opt_read(const struct udp_optdef *d, const uint8_t *val, size_t vlen, uint32_t *v)
{
	if (vlen == sizeof(t_uscalar_t)) {
		t_uscalar_t u;

		memcpy(&u, val, sizeof(u));
		*v = u;
		return 0;
	}
	if (vlen == 1 && d->od_vlen == 1) {
		*v = val[0];
		return 0;
	}
	return -1;
}

/* Answer one option. */
static void
udp_opt_one(struct udp_ep *ep, struct udp_optout *oo, t_scalar_t flags, const struct T_opthdr *ih,
	    const uint8_t *val, size_t vlen)
{
	const struct udp_optdef *d;
	t_uscalar_t st;
	uint32_t v;

	if (ih->name == T_ALLOPT) {
		if (!udp_level_known(ih->level)) {
			udp_emit(oo, ih->level, T_ALLOPT, T_NOTSUPPORT, NULL, 0);
			return;
		}
		for (unsigned i = 0; i < UDP_NOPTDEFS; i++) {
			d = &udp_optdefs[i];
			if (d->od_level != ih->level)
				continue;
			if (flags == T_CURRENT) {
				udp_emit(oo, d->od_level, d->od_name, T_SUCCESS, d,
					 udp_opt_current(ep, d));
			} else if (flags == T_DEFAULT) {
				udp_emit(oo, d->od_level, d->od_name, T_SUCCESS, d, udp_opt_default(d));
			} else { /* T_NEGOTIATE: every option of the level back to its default */
				v = udp_opt_default(d);
				st = udp_opt_apply(ep, d, v) ? T_SUCCESS : T_FAILURE;
				udp_emit(oo, d->od_level, d->od_name, st, d, udp_opt_current(ep, d));
			}
		}
		return;
	}
	if (udp_opt_is_mship(ih->level, ih->name)) {
		udp_opt_mship(ep, oo, flags, ih, val, vlen);
		return;
	}
	d = udp_optdef_find(ih->level, ih->name);
	if (d == NULL) {
		udp_emit(oo, ih->level, ih->name, T_NOTSUPPORT, NULL, 0);
		return;
	}
	switch (flags) {
	case T_DEFAULT:
		udp_emit(oo, d->od_level, d->od_name, T_SUCCESS, d, udp_opt_default(d));
		return;
	case T_CURRENT:
		udp_emit(oo, d->od_level, d->od_name, T_SUCCESS, d, udp_opt_current(ep, d));
		return;
	case T_CHECK: {
		uint32_t given;

		if (vlen == 0 || udp_opt_read(d, val, vlen, &v) != 0) {
			udp_emit(oo, d->od_level, d->od_name, T_FAILURE, NULL, 0);
			return;
		}
		given = v;
		st = udp_opt_check(ep, d, &v);
		udp_emit(oo, d->od_level, d->od_name, st, d, given);
		return;
	}
	default: /* T_NEGOTIATE */
		if (vlen == 0)
			v = udp_opt_default(d);
		else if (udp_opt_read(d, val, vlen, &v) != 0)
			v = UINT32_MAX; /* unreachable: checked in the first pass */
		st = udp_opt_check(ep, d, &v);
		if (st != T_FAILURE && !udp_opt_apply(ep, d, v))
			st = T_FAILURE;
		udp_emit(oo, d->od_level, d->od_name, st, d, udp_opt_current(ep, d));
		return;
	}
}

/*
 * Walk an option buffer. With ep NULL, only check its format (and count options and
 * T_ALLOPTs); else answer each option into oo. 0 or a TLI error (TBADOPT).
 */
static int
udp_opt_walk(struct udp_ep *ep, struct udp_optout *oo, t_scalar_t flags, const uint8_t *opt,
	     size_t len, unsigned *nopt, unsigned *nall)
{
	size_t o = 0;

	while (o < len) {
		struct T_opthdr ih;
		const struct udp_optdef *d;
		size_t vlen;

		if (len - o < sizeof(ih))
			return TBADOPT;
		memcpy(&ih, opt + o, sizeof(ih));
		if (ih.len < sizeof(ih) || ih.len > len - o)
			return TBADOPT;
		vlen = ih.len - sizeof(ih);
		if (ep == NULL) {
			if (ih.name == T_ALLOPT) {
				if (flags == T_CHECK)
					return TBADOPT; /* XTI: T_ALLOPT with T_CHECK is meaningless */
				(*nall)++;
			} else {
				(*nopt)++;
				/* A membership to change must be one whole value. */
				if (udp_opt_is_mship(ih.level, ih.name) && flags == T_NEGOTIATE &&
				    vlen != udp_mship_vlen(ih.name))
					return TBADOPT;
				d = udp_optdef_find(ih.level, ih.name);
				if (d != NULL && vlen != 0 && flags == T_NEGOTIATE) {
					uint32_t v;

					if (udp_opt_read(d, opt + o + sizeof(ih), vlen, &v) != 0)
						return TBADOPT;
				}
			}
		} else {
			udp_opt_one(ep, oo, flags, &ih, opt + o + sizeof(ih), vlen);
		}
		o = _TPI_ALIGN_TOPT(o + ih.len);
	}
	return 0;
}

void
udp_optmgmt(queue_t *wq, struct udp_ep *ep, mblk_t *mp)
{
	struct T_optmgmt_req req;
	struct T_optmgmt_ack *ack;
	struct udp_optout oo;
	const uint8_t *opt = NULL;
	unsigned nopt = 0, nall = 0;
	size_t len = 0, room;
	mblk_t *np;
	int err;

	if (MBLKL(mp) < sizeof(req)) {
		udp_error_ack(wq, mp, T_OPTMGMT_REQ, TSYSERR, EINVAL);
		return;
	}
	memcpy(&req, mp->b_rptr, sizeof(req));
	if (req.MGMT_flags != T_NEGOTIATE && req.MGMT_flags != T_CHECK &&
	    req.MGMT_flags != T_DEFAULT && req.MGMT_flags != T_CURRENT) {
		udp_error_ack(wq, mp, T_OPTMGMT_REQ, TBADFLAG, 0);
		return;
	}
	if (req.OPT_length != 0) {
		if (req.OPT_length < 0 || req.OPT_offset < 0 ||
		    (size_t)req.OPT_offset + (size_t)req.OPT_length > MBLKL(mp)) {
			udp_error_ack(wq, mp, T_OPTMGMT_REQ, TBADOPT, 0);
			return;
		}
		opt = mp->b_rptr + req.OPT_offset;
		len = (size_t)req.OPT_length;
	}
	err = udp_opt_walk(NULL, NULL, req.MGMT_flags, opt, len, &nopt, &nall);
	if (err != 0) {
		udp_error_ack(wq, mp, T_OPTMGMT_REQ, err, 0);
		return;
	}
	room = sizeof(*ack) + (nopt + nall * UDP_NOPTDEFS) * UDP_OPT_OUT_MAX;
	np = allocb(room, BPRI_MED);
	if (np == NULL) {
		udp_error_ack(wq, mp, T_OPTMGMT_REQ, TSYSERR, ENOSR);
		return;
	}
	oo = (struct udp_optout){
		.oo_buf = np->b_rptr + sizeof(*ack),
		.oo_max = room - sizeof(*ack),
		.oo_worst = T_SUCCESS,
	};
	(void)udp_opt_walk(ep, &oo, req.MGMT_flags, opt, len, &nopt, &nall);
	freemsg(mp);
	DB_TYPE(np) = M_PCPROTO;
	ack = (struct T_optmgmt_ack *)np->b_rptr;
	ack->PRIM_type = T_OPTMGMT_ACK;
	ack->OPT_length = (t_scalar_t)oo.oo_len;
	ack->OPT_offset = oo.oo_len != 0 ? (t_scalar_t)sizeof(*ack) : 0;
	ack->MGMT_flags = (t_scalar_t)oo.oo_worst;
	np->b_wptr = np->b_rptr + sizeof(*ack) + oo.oo_len;
	qreply(wq, np);
}

int
udp_opt_unitdata(const uint8_t *opt, size_t len, uint8_t *tos, uint8_t *ttl,
		 struct t_in_pktinfo *pi)
{
	size_t o = 0;

	while (o < len) {
		struct T_opthdr ih;
		const struct udp_optdef *d;
		uint32_t v;

		if (len - o < sizeof(ih))
			return EINVAL;
		memcpy(&ih, opt + o, sizeof(ih));
		if (ih.len < sizeof(ih) || ih.len > len - o)
			return EINVAL;
		if (ih.level == T_INET_IP && ih.name == T_IP_PKTINFO) {
			/* The datagram's source and link (udp_output.c judges them); not the switch. */
			if (ih.len != sizeof(ih) + sizeof(*pi))
				return EINVAL;
			memcpy(pi, opt + o + sizeof(ih), sizeof(*pi));
			o = _TPI_ALIGN_TOPT(o + ih.len);
			continue;
		}
		d = udp_optdef_find(ih.level, ih.name);
		if (d == NULL || ih.level != T_INET_IP ||
		    (ih.name != T_IP_TOS && ih.name != T_IP_TTL) ||
		    udp_opt_read(d, opt + o + sizeof(ih), ih.len - sizeof(ih), &v) != 0 ||
		    udp_opt_check(NULL, d, &v) != T_SUCCESS)
			return EINVAL;
		if (ih.name == T_IP_TOS)
			*tos = (uint8_t)v;
		else
			*ttl = (uint8_t)v;
		o = _TPI_ALIGN_TOPT(o + ih.len);
	}
	return 0;
}
