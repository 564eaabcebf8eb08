/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Multicast reception: the groups each link has joined, their source filters, and the host
 * side of IGMP for them (IGMPv3, RFC 3376, falling back to IGMPv2, RFC 2236, and IGMPv1,
 * RFC 1112, where an older querier is heard).
 *
 * Principles of operation
 * -----------------------
 * A transport's endpoint is a member of a group on a link with a source filter (RFC 3376
 * 3.1): EXCLUDE {} is an any-source join, INCLUDE {S, ...} a source-specific one (SSM, RFC
 * 4607), EXCLUDE {S, ...} a join that blocks some sources. It changes one with
 * ip_mcast_filter(), on its lcore. The link keeps, per group, how many memberships are in each
 * mode (mc_refs, mc_nin) and, per (group, source) named by any, how many of each mode name it
 * (il_msrc). The link's filter for the group is their merge (RFC 3376 3.2): EXCLUDE if any
 * membership is, leaving out the sources every EXCLUDE one leaves out and no INCLUDE one
 * names; else INCLUDE the sources some membership names. ip input takes a datagram to the
 * group from a source the link's filter lets in (ip_mcast_accept(); 224.0.0.1, all hosts,
 * always). Each lcore's instance keeps its own groups, as it keeps its own routes. A query
 * arrives on one lcore only (RSS): that instance tells every other one (an M_CTL through the
 * sibling's mailbox, to its control stream, with the sources it asked about), and each answers
 * for its own groups on its own link with the same address, that is to the same port. Two
 * lcores that joined one group both report it, which IGMP allows (a report is idempotent).
 *
 * Reports. A change of the link's filter is a state change: a report of what changed goes at
 * once and again once (the robustness variable, 2) after a random delay of up to a second.
 * What changed is worked out when the report is sent, against the state routers were last
 * told in full (mc_told_ex, ms_told), so a change made while the first is still being
 * retransmitted merges into one report (RFC 3376 5.1): a new filter mode is TO_EX or TO_IN
 * with the whole list, the same mode ALLOW and BLOCK of the sources that came and went. A
 * query is answered after a random delay of up to its maximum response time: in IGMPv3 one
 * report of IS_EX or IS_IN records for every group of the link (a general query) or for the
 * group asked about. A group-and-source-specific query asks about some sources of a group: its
 * answer is an IS_IN record of those the link's filter lets in (INCLUDE (A): A*Q, EXCLUDE (X):
 * Q-X), and none at all if it lets in none (RFC 3376 5.2). Queries arriving while an answer is
 * pending merge into it: sources asked about add to its list (il_qsrc) while both asked about
 * sources; one about the whole group, or a list that would not fit, makes it the whole filter
 * (more than asked, never less). In v2 and v1 a group is reported while the link is a member
 * with any filter, and a v2 leave (to 224.0.0.2) goes when it stops; v1 has none.
 * Every message goes out with TTL 1, TOS 0xc0 and the Router Alert option (RFC 3376 4).
 *
 * Versions. A v1 or v2 query puts the link in that compatibility mode for the Older Version
 * Querier Present Timeout (2 * 125 s + the query's response time); a version 3 one does not
 * leave it.
 *
 * Every due report hangs on one timer per instance, set for the earliest.
 */
#include <errno.h>
#include <string.h>

#include <rte_random.h>

#include <protocols/inet_cksum.h>

#include "ip_priv.h"

/* Message types and record types (RFC 3376 4, RFC 2236 2). */
#define IGMP_QUERY       0x11
#define IGMP_V1_REPORT   0x12
#define IGMP_V2_REPORT   0x16
#define IGMP_V2_LEAVE    0x17
#define IGMP_V3_REPORT   0x22
#define IGMP_MODE_IS_INCLUDE 1
#define IGMP_MODE_IS_EXCLUDE 2
#define IGMP_TO_INCLUDE      3
#define IGMP_TO_EXCLUDE      4
#define IGMP_ALLOW_NEW       5
#define IGMP_BLOCK_OLD       6

#define IGMP_HDR_LEN     8u   /* v1/v2 messages, and a v3 report's header */
#define IGMP_V3_QUERY_MIN 12u
#define IGMP_REC_LEN     8u   /* a v3 group record without sources */
#define IGMP_IP_HLEN     24u  /* with the Router Alert option */
#define IGMP_ROBUSTNESS  2u   /* RFC 3376 8.1: state changes are sent this many times */
#define IGMP_URI_MS      1000u /* unsolicited report interval (RFC 3376 8.11) */
#define IGMP_V1_MRT_MS   10000u /* a v1 query has no response time: 10 s (RFC 2236 4) */
#define IGMP_QI_MS       125000u /* the default query interval (RFC 3376 8.2) */

/* 224.0.0.1, 224.0.0.2 and 224.0.0.22 in network order. */
#define IGMP_ALL_HOSTS   RTE_BE32(0xe0000001u)
#define IGMP_ALL_ROUTERS RTE_BE32(0xe0000002u)
#define IGMP_V3_ROUTERS  RTE_BE32(0xe0000016u)

/* The slot of group on il (a member, or its leave still being told), -1 if none. */
static int
igmp_slot(const struct ip_link *il, uint32_t group)
{
	for (unsigned i = 0; i < il->il_nmc; i++)
		if (il->il_mc[i].mc_group == group)
			return (int)i;
	return -1;
}

static struct ip_mcast *
igmp_find(struct ip_link *il, uint32_t group)
{
	int i = igmp_slot(il, group);

	return i >= 0 ? &il->il_mc[i] : NULL;
}

static bool
igmp_is_member(const struct ip_mcast *mc)
{
	return mc->mc_refs + mc->mc_nin != 0;
}

/* Is the source entry in the link's current filter list for its group (mc)? */
static bool
igmp_src_listed(const struct ip_mcast *mc, const struct ip_msrc *ms)
{
	if (mc->mc_refs != 0) /* EXCLUDE: left out by every EXCLUDE membership, named by none */
		return ms->ms_nex == mc->mc_refs && ms->ms_nin == 0;
	return ms->ms_nin != 0;
}

static struct ip_msrc *
igmp_src_find(struct ip_link *il, uint32_t group, uint32_t src)
{
	for (unsigned i = 0; i < il->il_nmsrc; i++)
		if (il->il_msrc[i].ms_group == group && il->il_msrc[i].ms_addr == src)
			return &il->il_msrc[i];
	return NULL;
}

enum ip_mcast_verdict
ip_mcast_accept(const struct ip_link *il, uint32_t group, uint32_t src)
{
	const struct ip_mcast *mc;
	int i;

	if (group == IGMP_ALL_HOSTS)
		return IP_MCAST_ANY_SOURCE;
	i = igmp_slot(il, group);
	if (i < 0 || !igmp_is_member(&il->il_mc[i]))
		return IP_MCAST_NOT_JOINED;
	mc = &il->il_mc[i];
	if (mc->mc_nsrc == 0)
		return IP_MCAST_ANY_SOURCE; /* EXCLUDE {}: INCLUDE always names a source */
	for (unsigned j = 0; j < il->il_nmsrc; j++) {
		const struct ip_msrc *ms = &il->il_msrc[j];

		if (ms->ms_group != group || ms->ms_addr != src)
			continue;
		/* Listed: left out by EXCLUDE, let in by INCLUDE. */
		if (mc->mc_refs != 0)
			return igmp_src_listed(mc, ms) ? IP_MCAST_FILTERED : IP_MCAST_THIS_SOURCE;
		return igmp_src_listed(mc, ms) ? IP_MCAST_THIS_SOURCE : IP_MCAST_FILTERED;
	}
	/* Named by no membership: EXCLUDE lets it in, INCLUDE does not. */
	return mc->mc_refs != 0 ? IP_MCAST_THIS_SOURCE : IP_MCAST_FILTERED;
}

/* Let il_nmsrc end at the last used entry, so that scans stop there. */
static void
igmp_src_shrink(struct ip_link *il)
{
	while (il->il_nmsrc > 0 && il->il_msrc[il->il_nmsrc - 1].ms_group == 0)
		il->il_nmsrc--;
}

/* Drop the group's source entries that neither a membership nor the told state needs. */
static void
igmp_src_collect(struct ip_link *il, struct ip_mcast *mc)
{
	for (unsigned i = 0; i < il->il_nmsrc; i++) {
		struct ip_msrc *ms = &il->il_msrc[i];

		if (ms->ms_group == mc->mc_group && ms->ms_nin == 0 && ms->ms_nex == 0 &&
		    !ms->ms_told) {
			memset(ms, 0, sizeof(*ms));
			mc->mc_nsrc--;
		}
	}
	igmp_src_shrink(il);
}

/* ---- sources asked about (the pending answer to a group-and-source query) ----------------- */

/* Does the pending answer for group ask about some sources (not the whole group)? */
static bool
igmp_qsrc_any(const struct ip_link *il, uint32_t group)
{
	for (unsigned i = 0; i < il->il_nqsrc; i++)
		if (il->il_qsrc[i].qs_group == group)
			return true;
	return false;
}

/* Forget the sources asked about the group: its answer is sent, or is the whole group now. */
static void
igmp_qsrc_clear(struct ip_link *il, uint32_t group)
{
	for (unsigned i = 0; i < il->il_nqsrc; i++)
		if (il->il_qsrc[i].qs_group == group)
			il->il_qsrc[i] = (struct ip_qsrc){ 0 };
	while (il->il_nqsrc > 0 && il->il_qsrc[il->il_nqsrc - 1].qs_group == 0)
		il->il_nqsrc--;
}

static bool
igmp_qsrc_has(const struct ip_link *il, uint32_t group, uint32_t src)
{
	for (unsigned i = 0; i < il->il_nqsrc; i++)
		if (il->il_qsrc[i].qs_group == group && il->il_qsrc[i].qs_addr == src)
			return true;
	return false;
}

/*
 * Add the n sources at src (network order, as a query lists them) to those asked about the
 * group, each once. If they do not all fit, the answer becomes one about the whole group, as
 * if the query had named none: more than asked, never less. False then.
 */
static bool
igmp_qsrc_add(struct ip_link *il, uint32_t group, const uint8_t *src, unsigned n)
{
	unsigned fresh = 0, free_q = 0, at = 0;

	for (unsigned i = 0; i < n; i++) {
		uint32_t a;

		memcpy(&a, src + 4 * i, sizeof(a));
		if (!igmp_qsrc_has(il, group, a))
			fresh++; /* one listed twice counts twice: at worst the whole group */
	}
	for (unsigned i = 0; i < IP_MAX_QSRC; i++)
		free_q += il->il_qsrc[i].qs_group == 0;
	if (fresh > free_q) {
		igmp_qsrc_clear(il, group);
		return false;
	}
	for (unsigned i = 0; i < n; i++) {
		uint32_t a;

		memcpy(&a, src + 4 * i, sizeof(a));
		if (igmp_qsrc_has(il, group, a))
			continue;
		while (il->il_qsrc[at].qs_group != 0)
			at++;
		il->il_qsrc[at] = (struct ip_qsrc){ .qs_group = group, .qs_addr = a };
		if (at >= il->il_nqsrc)
			il->il_nqsrc = at + 1;
	}
	return true;
}

/* Does the link's filter for the group (mc) let src in? INCLUDE: listed; EXCLUDE: not. */
static bool
igmp_lets_in(struct ip_link *il, const struct ip_mcast *mc, uint32_t src)
{
	const struct ip_msrc *ms = igmp_src_find(il, mc->mc_group, src);
	bool listed = ms != NULL && igmp_src_listed(mc, ms);

	return mc->mc_refs != 0 ? !listed : listed;
}

static void
igmp_free_slot(struct ip_link *il, struct ip_mcast *mc)
{
	igmp_qsrc_clear(il, mc->mc_group);
	for (unsigned i = 0; i < il->il_nmsrc; i++)
		if (il->il_msrc[i].ms_group == mc->mc_group)
			memset(&il->il_msrc[i], 0, sizeof(il->il_msrc[i]));
	igmp_src_shrink(il);
	memset(mc, 0, sizeof(*mc));
	while (il->il_nmc > 0 && il->il_mc[il->il_nmc - 1].mc_group == 0)
		il->il_nmc--;
}

/* The version the link speaks: the oldest querier heard within its timeout. */
static unsigned
igmp_version(const struct ip_link *il, uint64_t now)
{
	if (il->il_igmp_v1_until > now)
		return 1;
	if (il->il_igmp_v2_until > now)
		return 2;
	return 3;
}

/* A uniformly random delay in [0, ms] milliseconds, in timer cycles. */
static uint64_t
igmp_delay(const struct ip_inst *ii, uint32_t ms)
{
	uint64_t span = ip_ms_to_cyc(ii->ii_hz, ms);

	return span == 0 ? 0 : rte_rand_max(span + 1);
}

/* ---- sending ----------------------------------------------------------------------------- */

/* A message of len bytes to dst from il, header and Router Alert written; NULL: no block. */
static mblk_t *
igmp_alloc(struct ip_inst *ii, const struct ip_link *il, uint32_t dst, size_t len)
{
	struct rte_ipv4_hdr *ip;
	uint8_t *ra;
	mblk_t *mp;

	mp = yard_allocb_hr(IGMP_IP_HLEN + len, YARD_LINK_HEADROOM);
	if (mp == NULL) {
		IP_INC(ii, igmp_tx_nomem);
		return NULL;
	}
	ip = (struct rte_ipv4_hdr *)mp->b_wptr;
	memset(ip, 0, IGMP_IP_HLEN + len);
	ip->version_ihl = 0x40 | (IGMP_IP_HLEN / 4);
	ip->type_of_service = 0xc0; /* internetwork control, as routers expect it */
	ip->total_length = rte_cpu_to_be_16((uint16_t)(IGMP_IP_HLEN + len));
	ip->time_to_live = 1;
	ip->next_proto_id = IPPROTO_IGMP;
	ip->src_addr = il->il_addr;
	ip->dst_addr = dst;
	ra = (uint8_t *)(ip + 1);
	ra[0] = YARD_IPOPT_RA;
	ra[1] = 4; /* value 0: every router examines it (RFC 2113) */
	mp->b_wptr += IGMP_IP_HLEN + len;
	return mp;
}

static void
igmp_send(struct ip_inst *ii, struct ip_link *il, mblk_t *mp)
{
	uint8_t *ig = mp->b_rptr + IGMP_IP_HLEN;
	size_t len = MBLKL(mp) - IGMP_IP_HLEN;
	uint16_t ck = (uint16_t)~inet_sum(ig, len);

	memcpy(ig + 2, &ck, sizeof(ck));
	IP_INC(ii, igmp_tx_reports);
	/* Past the link's high water if need be (ip_output.c, "Flow control"). */
	ii->ii_tx_ctl = true;
	ip_output_link(ii, il, mp, ip_hdr(mp)->dst_addr);
	ii->ii_tx_ctl = false;
}

/* A v1 or v2 message about one group: a report to the group, or a v2 leave to all routers. */
static void
igmp_send_v12(struct ip_inst *ii, struct ip_link *il, uint8_t type, uint32_t group)
{
	mblk_t *mp = igmp_alloc(ii, il, type == IGMP_V2_LEAVE ? IGMP_ALL_ROUTERS : group,
				IGMP_HDR_LEN);
	uint8_t *ig;

	if (mp == NULL)
		return;
	ig = mp->b_rptr + IGMP_IP_HLEN;
	ig[0] = type;
	memcpy(ig + 4, &group, sizeof(group));
	igmp_send(ii, il, mp);
}

/* A version 3 report being built: records for one link, sent when the next would not fit. */
struct igmp_v3b {
	mblk_t *vb_mp;
	unsigned vb_n;      /* records */
	size_t vb_len;      /* bytes of records */
	size_t vb_room;     /* bytes of records the link's MTU allows */
};

static void
igmp_v3_send(struct ip_inst *ii, struct ip_link *il, struct igmp_v3b *vb)
{
	mblk_t *mp = vb->vb_mp;
	uint16_t nrec, tot;

	if (mp == NULL)
		return;
	vb->vb_mp = NULL;
	if (vb->vb_n == 0) {
		freemsg(mp);
		return;
	}
	nrec = rte_cpu_to_be_16((uint16_t)vb->vb_n);
	memcpy(mp->b_rptr + IGMP_IP_HLEN + 6, &nrec, sizeof(nrec));
	tot = (uint16_t)(IGMP_IP_HLEN + IGMP_HDR_LEN + vb->vb_len);
	ip_hdr(mp)->total_length = rte_cpu_to_be_16(tot);
	mp->b_wptr = mp->b_rptr + tot;
	igmp_send(ii, il, mp);
}

/* What a record lists of a group's sources (igmp_src_want()). */
enum igmp_sel {
	IGMP_SEL_NOW,        /* in the current list */
	IGMP_SEL_NEW,        /* in the current list, not in the told one */
	IGMP_SEL_GONE,       /* in the told list, not in the current one */
	IGMP_SEL_ASKED,      /* asked about (il_qsrc) and let in by the filter (RFC 3376 5.2) */
};

static bool
igmp_src_want(const struct ip_mcast *mc, const struct ip_msrc *ms, enum igmp_sel sel)
{
	bool now = igmp_src_listed(mc, ms);

	switch (sel) {
	case IGMP_SEL_NOW:
		return now;
	case IGMP_SEL_NEW:
		return now && !ms->ms_told;
	default:
		return !now && ms->ms_told;
	}
}

/* How many entries igmp_src_pick() looks at for mc: of il_qsrc or of il_msrc. */
static unsigned
igmp_src_span(const struct ip_link *il, const struct ip_mcast *mc, enum igmp_sel sel)
{
	if (sel == IGMP_SEL_ASKED)
		return il->il_nqsrc;
	return mc->mc_nsrc != 0 ? il->il_nmsrc : 0;
}

/* Entry i of igmp_src_span(): true, and its source in *src, if sel picks it for mc. */
static bool
igmp_src_pick(struct ip_link *il, const struct ip_mcast *mc, enum igmp_sel sel, unsigned i,
	      uint32_t *src)
{
	if (sel == IGMP_SEL_ASKED) {
		*src = il->il_qsrc[i].qs_addr;
		return il->il_qsrc[i].qs_group == mc->mc_group && igmp_lets_in(il, mc, *src);
	}
	*src = il->il_msrc[i].ms_addr;
	return il->il_msrc[i].ms_group == mc->mc_group && igmp_src_want(mc, &il->il_msrc[i], sel);
}

/* Bytes of records one report holds on il: up to its MTU (at least 68: 36 bytes). */
static size_t
igmp_v3_room(const struct ip_link *il)
{
	return RTE_MIN((size_t)il->il_mtu, (size_t)1500) - IGMP_IP_HLEN - IGMP_HDR_LEN;
}

/* Start a report in vb if it has none. */
static bool
igmp_v3_start(struct ip_inst *ii, const struct ip_link *il, struct igmp_v3b *vb)
{
	if (vb->vb_mp != NULL)
		return true;
	vb->vb_room = igmp_v3_room(il);
	vb->vb_mp = igmp_alloc(ii, il, IGMP_V3_ROUTERS, IGMP_HDR_LEN + vb->vb_room);
	if (vb->vb_mp == NULL)
		return false;
	vb->vb_mp->b_rptr[IGMP_IP_HLEN] = IGMP_V3_REPORT;
	vb->vb_n = 0;
	vb->vb_len = 0;
	return true;
}

/*
 * Add a record of type rtype for mc, listing the sources sel picks. A record with none is
 * left out when empty_ok is false (ALLOW and BLOCK of nothing say nothing). A record with
 * more sources than a report holds on this link (the MTU may be as small as 68: 7 sources)
 * is split into records of the same type, except an EXCLUDE one, which lists what fits and
 * leaves the rest out (RFC 3376 4.2.16). False if it left the record out for having none.
 */
static bool
igmp_v3_add(struct ip_inst *ii, struct ip_link *il, struct igmp_v3b *vb, uint8_t rtype,
	    const struct ip_mcast *mc, enum igmp_sel sel, bool empty_ok)
{
	bool ex = rtype == IGMP_MODE_IS_EXCLUDE || rtype == IGMP_TO_EXCLUDE;
	unsigned nsrc = 0, done = 0, at = 0, span = igmp_src_span(il, mc, sel);
	uint32_t src;

	for (unsigned i = 0; i < span; i++)
		nsrc += igmp_src_pick(il, mc, sel, i, &src);
	if (nsrc == 0 && !empty_ok)
		return false;
	do {
		unsigned n = RTE_MIN(nsrc - done,
				     (unsigned)((igmp_v3_room(il) - IGMP_REC_LEN) / 4));
		size_t rlen = IGMP_REC_LEN + 4 * (size_t)n;
		uint16_t n16 = rte_cpu_to_be_16((uint16_t)n);
		uint8_t *rec;

		if (vb->vb_mp != NULL && vb->vb_len + rlen > vb->vb_room)
			igmp_v3_send(ii, il, vb);
		if (!igmp_v3_start(ii, il, vb))
			return true;
		rec = vb->vb_mp->b_rptr + IGMP_IP_HLEN + IGMP_HDR_LEN + vb->vb_len;
		rec[0] = rtype;
		memcpy(rec + 2, &n16, sizeof(n16));
		memcpy(rec + 4, &mc->mc_group, sizeof(mc->mc_group));
		rec += IGMP_REC_LEN;
		for (unsigned k = 0; k < n; at++) {
			if (igmp_src_pick(il, mc, sel, at, &src)) {
				memcpy(rec, &src, 4);
				rec += 4;
				k++;
			}
		}
		vb->vb_n++;
		vb->vb_len += rlen;
		done += n;
	} while (done < nsrc && !ex);
	return true;
}

/* The group's current state, as a query's answer has it (IS_EX or IS_IN). */
static void
igmp_v3_current(struct ip_inst *ii, struct ip_link *il, struct igmp_v3b *vb,
		const struct ip_mcast *mc)
{
	igmp_v3_add(ii, il, vb, mc->mc_refs != 0 ? IGMP_MODE_IS_EXCLUDE : IGMP_MODE_IS_INCLUDE,
		    mc, IGMP_SEL_NOW, true);
}

/*
 * The answer to a query about the group: its current state, or if the query asked about some
 * sources (RFC 3376 5.2), IS_IN of those the filter lets in, INCLUDE (A): A*Q, EXCLUDE (X):
 * Q-X, and no record if it lets in none.
 */
static void
igmp_v3_answer(struct ip_inst *ii, struct ip_link *il, struct igmp_v3b *vb,
	       const struct ip_mcast *mc)
{
	if (!igmp_qsrc_any(il, mc->mc_group))
		igmp_v3_current(ii, il, vb, mc);
	else if (!igmp_v3_add(ii, il, vb, IGMP_MODE_IS_INCLUDE, mc, IGMP_SEL_ASKED, false))
		IP_INC(ii, igmp_gs_none);
}

/* What changed since routers were last told the group's state in full (RFC 3376 5.1). */
static void
igmp_v3_change(struct ip_inst *ii, struct ip_link *il, struct igmp_v3b *vb,
	       const struct ip_mcast *mc)
{
	bool ex = mc->mc_refs != 0;

	if (ex != mc->mc_told_ex) {
		igmp_v3_add(ii, il, vb, ex ? IGMP_TO_EXCLUDE : IGMP_TO_INCLUDE, mc, IGMP_SEL_NOW,
			    true);
		return;
	}
	/* INCLUDE: the new sources are allowed, the gone ones blocked; EXCLUDE: the reverse. */
	igmp_v3_add(ii, il, vb, IGMP_ALLOW_NEW, mc, ex ? IGMP_SEL_GONE : IGMP_SEL_NEW, false);
	igmp_v3_add(ii, il, vb, IGMP_BLOCK_OLD, mc, ex ? IGMP_SEL_NEW : IGMP_SEL_GONE, false);
}

/* Routers now know the group's current state: it becomes the told one. */
static void
igmp_told(struct ip_link *il, struct ip_mcast *mc)
{
	mc->mc_told_ex = mc->mc_refs != 0;
	for (unsigned i = 0; i < il->il_nmsrc && mc->mc_nsrc != 0; i++)
		if (il->il_msrc[i].ms_group == mc->mc_group)
			il->il_msrc[i].ms_told = igmp_src_listed(mc, &il->il_msrc[i]);
	igmp_src_collect(il, mc);
}

/* Was the group a member in the state last told (a told EXCLUDE, or a told source)? */
static bool
igmp_told_member(const struct ip_link *il, const struct ip_mcast *mc)
{
	if (mc->mc_told_ex)
		return true;
	for (unsigned i = 0; i < il->il_nmsrc && mc->mc_nsrc != 0; i++)
		if (il->il_msrc[i].ms_group == mc->mc_group && il->il_msrc[i].ms_told)
			return true;
	return false;
}

/* ---- the timer --------------------------------------------------------------------------- */

static void igmp_arm(struct ip_inst *ii);

/* A state change's report (or its retransmission) in v1 or v2: only membership is told. */
static void
igmp_v12_change(struct ip_inst *ii, struct ip_link *il, struct ip_mcast *mc, unsigned ver)
{
	bool was = igmp_told_member(il, mc), is = igmp_is_member(mc);

	/* RFC 3376 7.2.1: a change of sources alone is not told. */
	if (is && !was)
		igmp_send_v12(ii, il, ver == 2 ? IGMP_V2_REPORT : IGMP_V1_REPORT, mc->mc_group);
	else if (!is && was && ver == 2)
		igmp_send_v12(ii, il, IGMP_V2_LEAVE, mc->mc_group);
	if (!is)
		mc->mc_rexmit = 0; /* v2 sends one leave, v1 none */
}

/* Send what is due on il by now; the rest stays for the timer. */
static void
igmp_link_run(struct ip_inst *ii, struct ip_link *il, uint64_t now)
{
	unsigned ver = igmp_version(il, now);
	struct igmp_v3b cur = { 0 }, chg = { 0 };
	bool general = il->il_igmp_gen_due != 0 && il->il_igmp_gen_due <= now;

	if (general)
		il->il_igmp_gen_due = 0;
	for (unsigned i = 0; i < il->il_nmc; i++) {
		struct ip_mcast *mc = &il->il_mc[i];

		if (mc->mc_group == 0)
			continue;
		if (general && igmp_is_member(mc) && ver == 3)
			igmp_v3_current(ii, il, &cur, mc);
		if (mc->mc_due == 0 || mc->mc_due > now)
			continue;
		switch (mc->mc_kind) {
		case IGMP_DUE_CURRENT:
			mc->mc_due = 0;
			mc->mc_kind = IGMP_DUE_NONE;
			if (igmp_is_member(mc) && ver != 3)
				igmp_send_v12(ii, il, ver == 2 ? IGMP_V2_REPORT : IGMP_V1_REPORT,
					      mc->mc_group);
			else if (igmp_is_member(mc) && !general) /* else in the general answer */
				igmp_v3_answer(ii, il, &cur, mc);
			igmp_qsrc_clear(il, mc->mc_group);
			break;
		case IGMP_DUE_CHANGE:
			if (ver == 3)
				igmp_v3_change(ii, il, &chg, mc);
			else
				igmp_v12_change(ii, il, mc, ver);
			if (mc->mc_rexmit > 0) {
				mc->mc_rexmit--;
				mc->mc_due = now + 1 + igmp_delay(ii, IGMP_URI_MS);
				break;
			}
			mc->mc_due = 0;
			mc->mc_kind = IGMP_DUE_NONE;
			if (!igmp_is_member(mc))
				igmp_free_slot(il, mc); /* the leave is told: the slot goes */
			else
				igmp_told(il, mc);
			break;
		default:
			mc->mc_due = 0;
			break;
		}
	}
	igmp_v3_send(ii, il, &chg);
	igmp_v3_send(ii, il, &cur);
}

static void
igmp_run(struct ip_inst *ii)
{
	uint64_t now = rte_get_timer_cycles();

	for (unsigned i = 0; i < IP_MAX_LINKS; i++) {
		struct ip_link *il = &ii->ii_links[i];

		if (il->il_muxid != 0 && il->il_has_if)
			igmp_link_run(ii, il, now);
	}
	igmp_arm(ii);
}

static void
igmp_timer(void *arg)
{
	struct ip_inst *ii = arg;

	ii->ii_igmp_timer = 0;
	igmp_run(ii);
}

/* Set the timer for the earliest report due (a millisecond late rather than early). */
static void
igmp_arm(struct ip_inst *ii)
{
	uint64_t first = UINT64_MAX, now, left;
	long ms;

	for (unsigned i = 0; i < IP_MAX_LINKS; i++) {
		const struct ip_link *il = &ii->ii_links[i];

		if (il->il_muxid == 0 || !il->il_has_if)
			continue;
		if (il->il_igmp_gen_due != 0 && il->il_igmp_gen_due < first)
			first = il->il_igmp_gen_due;
		for (unsigned j = 0; j < il->il_nmc; j++)
			if (il->il_mc[j].mc_due != 0 && il->il_mc[j].mc_due < first)
				first = il->il_mc[j].mc_due;
	}
	if (ii->ii_igmp_timer != 0) {
		if (ii->ii_igmp_timer_at <= first)
			return;
		(void)quntimeout(ii->ii_ctl_rq, ii->ii_igmp_timer);
		ii->ii_igmp_timer = 0;
	}
	if (first == UINT64_MAX)
		return;
	now = rte_get_timer_cycles();
	left = first > now ? first - now : 0;
	ms = (long)(left * 1000 / ii->ii_hz) + 1;
	ii->ii_igmp_timer = qtimeout(ii->ii_ctl_rq, igmp_timer, ii, ms);
	ii->ii_igmp_timer_at = first;
	if (ii->ii_igmp_timer == 0)
		IP_INC(ii, igmp_tx_nomem); /* no timer: what is due waits for the next change */
}

void
igmp_fini(struct ip_inst *ii)
{
	if (ii->ii_igmp_timer != 0) {
		(void)quntimeout(ii->ii_ctl_rq, ii->ii_igmp_timer);
		ii->ii_igmp_timer = 0;
	}
}

void
igmp_link_gone(struct ip_inst *ii, struct ip_link *il)
{
	memset(il->il_mc, 0, sizeof(il->il_mc));
	memset(il->il_msrc, 0, sizeof(il->il_msrc));
	memset(il->il_qsrc, 0, sizeof(il->il_qsrc));
	il->il_nmc = 0;
	il->il_nmsrc = 0;
	il->il_nqsrc = 0;
	il->il_igmp_gen_due = 0;
	igmp_arm(ii);
}

/* ---- joining and leaving ------------------------------------------------------------------ */

/* The link a join without an interface address goes to: the group's route, else the first. */
static struct ip_link *
igmp_link_for(struct ip_inst *ii, uint32_t group, uint32_t ifaddr)
{
	uint32_t nh;
	struct ip_rt *rt;

	if (ifaddr != 0)
		return ip_link_by_addr(ii, ifaddr);
	rt = ip_route_lookup(ii, group, &nh);
	if (rt != NULL)
		return rt->rt_link;
	for (unsigned i = 0; i < IP_MAX_LINKS; i++)
		if (ii->ii_links[i].il_muxid != 0 && ii->ii_links[i].il_has_if)
			return &ii->ii_links[i];
	return NULL;
}

static struct ip_inst *
igmp_inst(unsigned lcore)
{
	/* The instance is its lcore's alone: no other lcore may change its groups. */
	if (lcore >= RTE_MAX_LCORE || lcore != yard_sched_self()->sc_lcore)
		return NULL;
	return ip_insts[lcore];
}

/* Any group but the all-hosts one, which every host is in without a report. */
static bool
igmp_group_ok(uint32_t group)
{
	return ip_is_mcast(group) && group != IGMP_ALL_HOSTS;
}

int
ip_mcast_link(unsigned lcore, uint32_t group, uint32_t ifaddr)
{
	struct ip_inst *ii = igmp_inst(lcore);
	struct ip_link *il;

	if (ii == NULL)
		return -ENODEV;
	if (!igmp_group_ok(group))
		return -EINVAL;
	il = igmp_link_for(ii, group, ifaddr);
	return il != NULL ? il->il_muxid : -EADDRNOTAVAIL;
}

/* A filter ip can take: a known mode, at most IP_MFILTER_MAX sources, each a unicast once. */
static bool
igmp_filter_ok(const struct ip_mfilter *f)
{
	if ((f->mf_mode != IP_MFILTER_INCLUDE && f->mf_mode != IP_MFILTER_EXCLUDE) ||
	    f->mf_nsrc > IP_MFILTER_MAX)
		return false;
	for (unsigned i = 0; i < f->mf_nsrc; i++) {
		uint32_t h = rte_be_to_cpu_32(f->mf_src[i]);

		if (h == 0 || h == UINT32_MAX || ip_is_mcast(f->mf_src[i]))
			return false;
		for (unsigned j = 0; j < i; j++)
			if (f->mf_src[j] == f->mf_src[i])
				return false;
	}
	return true;
}

static bool
igmp_filter_member(const struct ip_mfilter *f)
{
	return f->mf_mode == IP_MFILTER_EXCLUDE || f->mf_nsrc != 0;
}

/* Is was one of mc's memberships (its counts hold it)? mc NULL: the group has no slot. */
static bool
igmp_holds(struct ip_link *il, const struct ip_mcast *mc, const struct ip_mfilter *was)
{
	bool ex = was->mf_mode == IP_MFILTER_EXCLUDE;

	if (!igmp_filter_member(was))
		return true;
	if (mc == NULL || (ex ? mc->mc_refs : mc->mc_nin) == 0)
		return false;
	for (unsigned i = 0; i < was->mf_nsrc; i++) {
		const struct ip_msrc *ms = igmp_src_find(il, mc->mc_group, was->mf_src[i]);

		if (ms == NULL || (ex ? ms->ms_nex : ms->ms_nin) == 0)
			return false;
	}
	return true;
}

/* Count f in (sign 1) or out (sign -1) of mc; entries for new sources were checked free. */
static void
igmp_count(struct ip_link *il, struct ip_mcast *mc, const struct ip_mfilter *f, int sign)
{
	bool ex = f->mf_mode == IP_MFILTER_EXCLUDE;

	if (!igmp_filter_member(f))
		return;
	if (ex)
		mc->mc_refs += (uint32_t)sign;
	else
		mc->mc_nin += (uint32_t)sign;
	for (unsigned i = 0; i < f->mf_nsrc; i++) {
		struct ip_msrc *ms = igmp_src_find(il, mc->mc_group, f->mf_src[i]);

		if (ms == NULL) {
			for (unsigned j = 0; j < IP_MAX_MSRC && ms == NULL; j++)
				if (il->il_msrc[j].ms_group == 0)
					ms = &il->il_msrc[j];
			if ((unsigned)(ms - il->il_msrc) >= il->il_nmsrc)
				il->il_nmsrc = (unsigned)(ms - il->il_msrc) + 1;
			*ms = (struct ip_msrc){ .ms_group = mc->mc_group,
						.ms_addr = f->mf_src[i] };
			mc->mc_nsrc++;
		}
		if (ex)
			ms->ms_nex = (uint16_t)(ms->ms_nex + sign);
		else
			ms->ms_nin = (uint16_t)(ms->ms_nin + sign);
	}
}

/* The link's merged filter, to compare before and after a change: mode and listed sources. */
struct igmp_state {
	bool st_ex;
	unsigned st_n;
	uint32_t st_src[IP_MAX_MSRC];
};

static void
igmp_state_of(const struct ip_link *il, const struct ip_mcast *mc, struct igmp_state *st)
{
	st->st_ex = mc != NULL && mc->mc_refs != 0;
	st->st_n = 0;
	for (unsigned i = 0; i < il->il_nmsrc && mc != NULL && mc->mc_nsrc != 0; i++)
		if (il->il_msrc[i].ms_group == mc->mc_group &&
		    igmp_src_listed(mc, &il->il_msrc[i]))
			st->st_src[st->st_n++] = il->il_msrc[i].ms_addr;
}

int
ip_mcast_filter(unsigned lcore, uint32_t group, int muxid, const struct ip_mfilter *was,
		const struct ip_mfilter *now)
{
	struct ip_inst *ii = igmp_inst(lcore);
	struct igmp_state before, after;
	struct ip_mcast *mc;
	struct ip_link *il;
	unsigned fresh = 0, free_src = 0;
	bool was_member;

	if (ii == NULL)
		return -ENODEV;
	if (!igmp_group_ok(group) || !igmp_filter_ok(was) || !igmp_filter_ok(now))
		return -EINVAL;
	il = ip_link_find(ii, muxid);
	if (il == NULL || !il->il_has_if)
		return -ENXIO;
	mc = igmp_find(il, group);
	if (!igmp_holds(il, mc, was))
		return -ENOENT;
	/* Room first, so that a refusal changes nothing: a slot, and entries for new sources. */
	if (mc == NULL && igmp_filter_member(now)) {
		for (unsigned i = 0; i < IP_MAX_MCAST && mc == NULL; i++)
			if (il->il_mc[i].mc_group == 0)
				mc = &il->il_mc[i];
		if (mc == NULL)
			return -ENOBUFS;
		*mc = (struct ip_mcast){ .mc_group = group };
		if ((unsigned)(mc - il->il_mc) >= il->il_nmc)
			il->il_nmc = (unsigned)(mc - il->il_mc) + 1;
	}
	if (mc == NULL)
		return 0; /* no membership before or after */
	for (unsigned i = 0; i < now->mf_nsrc; i++)
		if (igmp_src_find(il, group, now->mf_src[i]) == NULL)
			fresh++;
	for (unsigned i = 0; i < IP_MAX_MSRC; i++)
		if (il->il_msrc[i].ms_group == 0)
			free_src++;
	if (fresh > free_src) {
		if (!igmp_is_member(mc) && mc->mc_kind != IGMP_DUE_CHANGE)
			igmp_free_slot(il, mc); /* taken just now */
		return -ENOBUFS;
	}
	igmp_state_of(il, mc, &before);
	was_member = igmp_is_member(mc);
	igmp_count(il, mc, was, -1);
	igmp_count(il, mc, now, 1);
	igmp_state_of(il, mc, &after);
	if (before.st_ex == after.st_ex && before.st_n == after.st_n &&
	    memcmp(before.st_src, after.st_src, before.st_n * sizeof(uint32_t)) == 0) {
		/* The link's filter did not change: nothing to tell. */
		if (mc->mc_kind != IGMP_DUE_CHANGE)
			igmp_src_collect(il, mc);
		if (!igmp_is_member(mc) && mc->mc_kind != IGMP_DUE_CHANGE)
			igmp_free_slot(il, mc);
		return 0;
	}
	if (!was_member && igmp_is_member(mc))
		IP_INC(ii, igmp_joins);
	else if (was_member && !igmp_is_member(mc))
		IP_INC(ii, igmp_leaves);
	if (!igmp_is_member(mc) && igmp_version(il, rte_get_timer_cycles()) == 1) {
		igmp_free_slot(il, mc); /* v1 has no leave */
		igmp_arm(ii);
		return 0;
	}
	/* A state change: told at once, and once more (RFC 3376 5.1); it takes the place of a
	 * pending answer to a query, and of the sources that query asked about. */
	igmp_qsrc_clear(il, group);
	mc->mc_kind = IGMP_DUE_CHANGE;
	mc->mc_rexmit = IGMP_ROBUSTNESS - 1;
	mc->mc_due = rte_get_timer_cycles();
	igmp_run(ii);
	return 0;
}

bool
ip_mcast_sole_filter(unsigned lcore, uint32_t group, int muxid, const struct ip_mfilter *f)
{
	struct ip_inst *ii = igmp_inst(lcore);
	struct ip_link *il = ii != NULL ? ip_link_find(ii, muxid) : NULL;
	const struct ip_mcast *mc = il != NULL ? igmp_find(il, group) : NULL;
	struct igmp_state st;

	if (mc == NULL || !igmp_is_member(mc) ||
	    (mc->mc_refs != 0) != (f->mf_mode == IP_MFILTER_EXCLUDE))
		return false;
	igmp_state_of(il, mc, &st);
	if (st.st_n != f->mf_nsrc)
		return false;
	for (unsigned i = 0; i < st.st_n; i++) {
		bool found = false;

		for (unsigned j = 0; j < f->mf_nsrc && !found; j++)
			found = f->mf_src[j] == st.st_src[i];
		if (!found)
			return false;
	}
	for (unsigned i = 0; i < IP_MAX_LINKS; i++) {
		struct ip_link *other = &ii->ii_links[i];
		int k;

		if (other == il || other->il_muxid == 0)
			continue;
		k = igmp_slot(other, group);
		if (k >= 0 && igmp_is_member(&other->il_mc[k]))
			return false;
	}
	return true;
}

static const struct ip_mfilter igmp_none = { .mf_mode = IP_MFILTER_INCLUDE };
static const struct ip_mfilter igmp_any = { .mf_mode = IP_MFILTER_EXCLUDE };

int
ip_mcast_join(unsigned lcore, uint32_t group, uint32_t ifaddr)
{
	int muxid = ip_mcast_link(lcore, group, ifaddr), rc;

	if (muxid < 0)
		return muxid;
	rc = ip_mcast_filter(lcore, group, muxid, &igmp_none, &igmp_any);
	return rc < 0 ? rc : muxid;
}

int
ip_mcast_leave(unsigned lcore, uint32_t group, int muxid)
{
	return ip_mcast_filter(lcore, group, muxid, &igmp_any, &igmp_none);
}

int
ip_mcast_snapshot(struct yard_ip_group_row *rows, unsigned max)
{
	unsigned lcore = yard_sched_self()->sc_lcore, n = 0;
	const struct ip_inst *ii = ip_insts[lcore];
	uint64_t now = rte_get_timer_cycles();

	if (ii == NULL)
		return 0;
	for (unsigned i = 0; i < IP_MAX_LINKS; i++) {
		const struct ip_link *il = &ii->ii_links[i];

		if (il->il_muxid == 0)
			continue;
		for (unsigned j = 0; j < il->il_nmc; j++) {
			const struct ip_mcast *mc = &il->il_mc[j];
			struct igmp_state st;
			struct yard_ip_group_row *r;

			if (mc->mc_group == 0 || n++ >= max)
				continue;
			igmp_state_of(il, mc, &st);
			r = &rows[n - 1];
			*r = (struct yard_ip_group_row){
				.gr_lcore = lcore,
				.gr_ifaddr = il->il_addr,
				.gr_group = mc->mc_group,
				.gr_refs = mc->mc_refs + mc->mc_nin,
				.gr_version = (uint8_t)igmp_version(il, now),
				.gr_mode = st.st_ex ? IP_MFILTER_EXCLUDE : IP_MFILTER_INCLUDE,
				.gr_nsrc = (uint8_t)st.st_n,
			};
			memcpy(r->gr_src, st.st_src,
			       RTE_MIN(st.st_n, (unsigned)YARD_GROUP_ROW_SRCS) * sizeof(uint32_t));
		}
	}
	return (int)n;
}

/* ---- queries ------------------------------------------------------------------------------ */

/* An IGMPv3 Max Resp Code in milliseconds (RFC 3376 4.1.1: tenths of a second, floating). */
static uint32_t
igmp_v3_mrt_ms(uint8_t code)
{
	if (code < 128)
		return code * 100u;
	return ((uint32_t)((code & 0x0f) | 0x10) << (((code >> 4) & 0x07) + 3)) * 100u;
}

/* A query one instance heard, told to the others (M_CTL to their control streams). */
struct igmp_fwd {
	uint32_t gf_magic;   /* IGMP_FWD_MAGIC */
	uint32_t gf_addr;    /* the address of the link it came in on: the port it is about */
	uint32_t gf_group;   /* 0: a general query */
	uint32_t gf_ms;      /* its maximum response time */
	uint32_t gf_ver;     /* its version, 1..3 */
	uint32_t gf_nsrc;    /* the sources it asked about, at most IP_MAX_QSRC: they follow */
};
#define IGMP_FWD_MAGIC 0x49474d51u /* "IGMQ" */

/*
 * Let the report for mc be due within ms, unless it is already sooner; the query asked about
 * the nsrc sources at src (none: the whole group). RFC 3376 5.2: with no answer pending, the
 * answer is about what this query asked; with one pending, a query about the whole group or
 * an answer already about the whole group makes it about the whole group, else the sources
 * asked about add up.
 */
static void
igmp_schedule(struct ip_inst *ii, struct ip_link *il, struct ip_mcast *mc, uint64_t now,
	      uint32_t ms, const uint8_t *src, unsigned nsrc)
{
	uint64_t due = now + 1 + igmp_delay(ii, ms);
	bool pending = mc->mc_kind == IGMP_DUE_CURRENT;

	if (!igmp_is_member(mc) || mc->mc_kind == IGMP_DUE_CHANGE)
		return; /* not a member, or a state change is being told anyway */
	if (nsrc == 0)
		igmp_qsrc_clear(il, mc->mc_group);
	else if ((!pending || igmp_qsrc_any(il, mc->mc_group)) &&
		 !igmp_qsrc_add(il, mc->mc_group, src, nsrc))
		IP_INC(ii, igmp_gs_whole);
	if (mc->mc_due == 0 || due < mc->mc_due) {
		mc->mc_due = due;
		mc->mc_kind = IGMP_DUE_CURRENT;
	}
}

/*
 * A query for il (heard on it, or by a sibling on its link to the same port): set timers. A
 * group-and-source-specific one asked about the nsrc sources at src.
 */
static void
igmp_query_apply(struct ip_inst *ii, struct ip_link *il, unsigned qver, uint32_t group,
		 uint32_t ms, const uint8_t *src, unsigned nsrc)
{
	uint64_t now = rte_get_timer_cycles();

	if (qver == 1)
		il->il_igmp_v1_until = now + ip_ms_to_cyc(ii->ii_hz, 2 * IGMP_QI_MS + ms);
	else if (qver == 2)
		il->il_igmp_v2_until = now + ip_ms_to_cyc(ii->ii_hz, 2 * IGMP_QI_MS + ms);
	if (group == 0 && igmp_version(il, now) == 3) {
		uint64_t due = now + 1 + igmp_delay(ii, ms);

		if (il->il_igmp_gen_due == 0 || due < il->il_igmp_gen_due)
			il->il_igmp_gen_due = due;
	} else {
		/* RFC 3376 7.2.1: an older version's mode answers for the group, in it. */
		if (igmp_version(il, now) != 3)
			nsrc = 0;
		for (unsigned i = 0; i < il->il_nmc; i++)
			if (group == 0 || il->il_mc[i].mc_group == group)
				igmp_schedule(ii, il, &il->il_mc[i], now, ms, src, nsrc);
	}
	igmp_arm(ii);
}

/* Tell every other instance of the query: their groups on the same port are asked about too. */
static void
igmp_query_share(struct ip_inst *ii, const struct ip_link *il, unsigned qver, uint32_t group,
		 uint32_t ms, const uint8_t *src, unsigned nsrc)
{
	for (unsigned l = 0; l < RTE_MAX_LCORE; l++) {
		struct ip_inst *oi;
		struct igmp_fwd *gf;
		mblk_t *mp;

		if (l == ii->ii_lcore)
			continue;
		oi = __atomic_load_n(&ip_insts[l], __ATOMIC_ACQUIRE);
		if (oi == NULL)
			continue;
		mp = allocb(sizeof(*gf) + 4 * (size_t)nsrc, BPRI_HI);
		if (mp == NULL) {
			IP_INC(ii, igmp_tx_nomem);
			continue;
		}
		DB_TYPE(mp) = M_CTL;
		gf = (struct igmp_fwd *)mp->b_wptr;
		*gf = (struct igmp_fwd){ IGMP_FWD_MAGIC, il->il_addr, group, ms, qver, nsrc };
		mp->b_wptr += sizeof(*gf);
		memcpy(mp->b_wptr, src, 4 * (size_t)nsrc);
		mp->b_wptr += 4 * (size_t)nsrc;
		if (yard_mbox_put(oi->ii_ctl_rq, mp)) {
			IP_INC(ii, igmp_fwd_sent);
		} else {
			IP_INC(ii, igmp_fwd_fail);
			freemsg(mp);
		}
	}
}

bool
igmp_sibling_query(struct ip_inst *ii, mblk_t *mp)
{
	struct igmp_fwd gf;

	if (MBLKL(mp) < sizeof(gf))
		return false;
	memcpy(&gf, mp->b_rptr, sizeof(gf));
	if (gf.gf_magic != IGMP_FWD_MAGIC || gf.gf_nsrc > IP_MAX_QSRC ||
	    MBLKL(mp) != sizeof(gf) + 4 * (size_t)gf.gf_nsrc)
		return false;
	IP_INC(ii, igmp_fwd_received);
	for (unsigned i = 0; i < IP_MAX_LINKS; i++) {
		struct ip_link *il = &ii->ii_links[i];

		if (il->il_muxid != 0 && il->il_has_if && il->il_addr == gf.gf_addr)
			igmp_query_apply(ii, il, gf.gf_ver, gf.gf_group, gf.gf_ms,
					 mp->b_rptr + sizeof(gf), gf.gf_nsrc);
	}
	freemsg(mp);
	return true;
}

static void
igmp_query(struct ip_inst *ii, struct ip_link *il, const uint8_t *ig, size_t len, uint32_t dst)
{
	unsigned qver, nsrc = 0;
	uint32_t group, ms;
	const uint8_t *src;

	memcpy(&group, ig + 4, sizeof(group));
	if (len == IGMP_HDR_LEN) {
		qver = ig[1] == 0 ? 1 : 2;
		ms = qver == 1 ? IGMP_V1_MRT_MS : ig[1] * 100u;
	} else if (len >= IGMP_V3_QUERY_MIN) {
		qver = 3;
		ms = igmp_v3_mrt_ms(ig[1]);
		nsrc = (unsigned)(ig[10] << 8 | ig[11]);
	} else {
		/* RFC 3376 7.1: a query of 9 to 11 bytes is ignored. */
		IP_INC(ii, igmp_drop_bad);
		return;
	}
	/* RFC 3376 4.1.8: the sources must be there (bytes after them are allowed, 4.1.10), and
	 * a general query names none. */
	if ((qver == 3 && IGMP_V3_QUERY_MIN + 4 * (size_t)nsrc > len) ||
	    (nsrc != 0 && group == 0)) {
		IP_INC(ii, igmp_drop_bad_srcs);
		return;
	}
	/* A general query goes to all hosts, one about a group to the group (RFC 3376 9.1). */
	if ((group == 0 && dst != IGMP_ALL_HOSTS) ||
	    (group != 0 && (dst != group || !ip_is_mcast(group)))) {
		IP_INC(ii, igmp_drop_bad);
		return;
	}
	IP_INC(ii, igmp_rx_queries);
	if (nsrc != 0)
		IP_INC(ii, igmp_rx_gs_queries);
	if (nsrc > IP_MAX_QSRC) {
		/* More than any link's list holds: answered for the whole group, here and in
		 * every sibling, which keeps the message to them small. */
		IP_INC(ii, igmp_gs_whole);
		nsrc = 0;
	}
	src = ig + RTE_MIN(len, (size_t)IGMP_V3_QUERY_MIN); /* the end of a v1 or v2 one */
	igmp_query_apply(ii, il, qver, group, ms, src, nsrc);
	igmp_query_share(ii, il, qver, group, ms, src, nsrc);
}

void
igmp_input(struct ip_inst *ii, struct ip_link *il, mblk_t *mp)
{
	const struct rte_ipv4_hdr *ip = ip_hdr(mp);
	unsigned hlen = ip_hlen(ip);
	size_t len = rte_be_to_cpu_16(ip->total_length) - hlen;
	uint32_t dst = ip->dst_addr;
	const uint8_t *ig;

	IP_INC(ii, igmp_rx);
	if (il == NULL || len < IGMP_HDR_LEN) {
		/* Too short, or reassembled: IGMP messages are never fragmented. */
		IP_INC(ii, igmp_drop_bad);
		goto out;
	}
	/* The whole message in one block: a query's sources are read in place. */
	if (MBLKL(mp) < hlen + len && !pullupmsg(mp, (ssize_t)(hlen + len))) {
		IP_INC(ii, drop_rx_nomem);
		goto out;
	}
	if (inet_sum_fold(inet_sum_msg(mp, hlen, len, 0)) != 0xffff) {
		IP_INC(ii, igmp_drop_bad);
		goto out;
	}
	ig = mp->b_rptr + hlen;
	switch (ig[0]) {
	case IGMP_QUERY:
		igmp_query(ii, il, ig, len, dst);
		break;
	case IGMP_V1_REPORT:
	case IGMP_V2_REPORT:
	case IGMP_V2_LEAVE:
	case IGMP_V3_REPORT:
		/* Other hosts' (a v2 host MAY suppress its own on hearing one; yard does not). */
		IP_INC(ii, igmp_rx_reports);
		break;
	default:
		IP_INC(ii, igmp_drop_bad);
		break;
	}
out:
	freemsg(mp);
}
