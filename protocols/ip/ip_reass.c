/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reassembly (RFC 791 section 3.2, RFC 815) over message blocks, and the choice of the lcore
 * that reassembles each datagram.
 *
 * Principles of operation
 * -----------------------
 * Owner. Fragments of a datagram can arrive on any lcore (RSS hashes on the port's terms; a
 * fragment without its transport header hashes differently from the first). Every fragment is
 * therefore sent to one owner: the ip instance selected by hashing (source, destination,
 * identification, protocol) over the set of lcores that have an instance, kept as a bitmap
 * every lcore reads atomically. A fragment for another owner goes through that lcore's mailbox
 * to the upper read queue of its control stream (ip_urput(): nothing else ever puts to a
 * driver's upper read queue, so no wrapping is needed), and is reassembled there. The set only
 * changes at instance open/close, which the application does while traffic is quiescent.
 *
 * Table. Each instance has ip_max_flows flow records, allocated when the table is made (open,
 * IP_SETPARAM), never on the packet path: a free list, hash chains keyed (source, destination,
 * identification, protocol), and an age list in creation order, which is also expiry order
 * since every datagram gets the same time to complete. A flow keeps its fragments as they
 * came, whole messages with their IPv4 header at b_rptr, linked by b_next in offset order.
 *
 * Holes. Overlapping fragments are refused (below), so the fragments held are disjoint
 * intervals and the holes of RFC 815 are exactly the gaps between neighbours in the sorted
 * list: the datagram is complete when its last fragment (more-fragments clear) has come and
 * the payload bytes held add up to where that fragment ends. Insertion finds the neighbours
 * by walking the list (at most ip_max_frags entries, in practice a few dozen).
 *
 * Zero copy. On completion each fragment's header is trimmed by moving b_rptr (an emptied
 * header block is freed), the fragments are chained with b_cont in offset order, and the
 * first fragment's header becomes the datagram's: total length set, more-fragments and offset
 * cleared, checksum recomputed. Nothing is copied; the datagram is as many blocks as it came
 * in fragments, which every reader of messages here handles.
 *
 * Refusals, each counted per fragment it frees:
 *  - before the owner, by the fragment alone: empty or tiny (IP_FRAG_MIN_PAYLOAD: a first
 *    fragment that short cannot hold a TCP header either, RFC 1858), offset 8 (RFC 1858 3.2),
 *    misaligned, ending past 65535;
 *  - an exact duplicate of a fragment held (same offset and length): the copy goes, the
 *    datagram stays (frag_dup);
 *  - overlapping a fragment held, or ending past the end the last fragment gave, or a second
 *    last fragment disagreeing on the end: the whole datagram goes (frag_overlap; RFC 5722 asks
 *    it of IPv6, and it is the safe answer to overlap-based evasion in IPv4 too);
 *  - more than ip_max_frags fragments: the whole datagram goes (frag_too_many);
 *  - a new datagram with ip_max_flows in reassembly already (frag_flows_full), or a fragment
 *    that would take the buffer memory held past ip_reass_mem (frag_mem_full): that fragment
 *    goes. Memory is charged as the whole buffers the fragments sit in (MBLKSIZE), since that
 *    is what they keep from the pool.
 *
 * Expiry. While datagrams wait, a yard timer fires when the oldest expires (and input sweeps
 * before it adds): their fragments are freed (frag_timeout) and, when the first fragment had
 * come, a time exceeded (code 1, RFC 792; RFC 1122 3.3.2) quoting it goes back to the source,
 * rate limited like every ICMP error. At close the table frees every fragment still in it.
 */
#include <errno.h>
#include <string.h>

#include <rte_jhash.h>
#include <rte_malloc.h>

#include <protocols/inet_cksum.h>

#include "ip_priv.h"

#define IP_OWNER_WORDS ((RTE_MAX_LCORE + 63) / 64)
#define IP_OWNER_SEED 0x79617264u /* "yard" */
/* Another seed for the table: the owner choice has fixed the low bits of IP_OWNER_SEED's hash. */
#define IP_FLOW_SEED  0x66726167u /* "frag" */

static uint64_t ip_owner_bits[IP_OWNER_WORDS];

void
ip_owner_join(struct ip_inst *ii)
{
	__atomic_fetch_or(&ip_owner_bits[ii->ii_lcore / 64], 1ull << (ii->ii_lcore % 64),
			  __ATOMIC_RELEASE);
}

void
ip_owner_leave(struct ip_inst *ii)
{
	__atomic_fetch_and(&ip_owner_bits[ii->ii_lcore / 64], ~(1ull << (ii->ii_lcore % 64)),
			   __ATOMIC_RELEASE);
}

int
ip_frag_owner(uint32_t src, uint32_t dst, uint16_t id, uint8_t proto)
{
	uint64_t w[IP_OWNER_WORDS];
	unsigned total = 0, n;

	for (unsigned i = 0; i < IP_OWNER_WORDS; i++) {
		w[i] = __atomic_load_n(&ip_owner_bits[i], __ATOMIC_ACQUIRE);
		total += (unsigned)__builtin_popcountll(w[i]);
	}
	if (total == 0)
		return -1;
	n = rte_jhash_3words(src, dst, (uint32_t)id << 16 | proto, IP_OWNER_SEED) % total;
	for (unsigned i = 0; i < IP_OWNER_WORDS; i++) {
		unsigned c = (unsigned)__builtin_popcountll(w[i]);
		uint64_t x = w[i];

		if (n >= c) {
			n -= c;
			continue;
		}
		while (n-- > 0)
			x &= x - 1;
		return (int)(i * 64 + (unsigned)__builtin_ctzll(x));
	}
	return -1;
}

/* ---- table -------------------------------------------------------------------------------- */

int
ip_reass_init(struct ip_inst *ii)
{
	uint32_t flows = ii->ii_param.ip_max_flows;
	uint32_t buckets = rte_align32pow2(flows);

	ii->ii_frag_cyc = ip_ms_to_cyc(ii->ii_hz, ii->ii_param.ip_reass_timeout_ms);
	ii->ii_frag_flows = 0;
	ii->ii_reass_mem = 0;
	ii->ii_foldest = ii->ii_fnewest = NULL;
	ii->ii_ffree = NULL;
	ii->ii_flows = rte_zmalloc("yard_ip_flows", sizeof(*ii->ii_flows) * flows,
				   RTE_CACHE_LINE_SIZE);
	ii->ii_fhash = rte_zmalloc("yard_ip_fhash", sizeof(*ii->ii_fhash) * buckets,
				   RTE_CACHE_LINE_SIZE);
	if (ii->ii_flows == NULL || ii->ii_fhash == NULL) {
		rte_free(ii->ii_flows);
		rte_free(ii->ii_fhash);
		ii->ii_flows = NULL;
		ii->ii_fhash = NULL;
		return -ENOMEM;
	}
	ii->ii_fmask = buckets - 1;
	for (uint32_t i = flows; i-- > 0;) {
		ii->ii_flows[i].rf_hnext = ii->ii_ffree;
		ii->ii_ffree = &ii->ii_flows[i];
	}
	return 0;
}

static inline struct ip_reass_flow **
ip_reass_bucket(struct ip_inst *ii, uint32_t src, uint32_t dst, uint16_t id, uint8_t proto)
{
	return &ii->ii_fhash[rte_jhash_3words(src, dst, (uint32_t)id << 16 | proto,
					      IP_FLOW_SEED) & ii->ii_fmask];
}

/* Unhook a flow from its chain and the age list, back to the free list. Its frags are gone. */
static void
ip_reass_release(struct ip_inst *ii, struct ip_reass_flow *rf)
{
	struct ip_reass_flow **pp = ip_reass_bucket(ii, rf->rf_src, rf->rf_dst, rf->rf_id,
						    rf->rf_proto);

	while (*pp != rf)
		pp = &(*pp)->rf_hnext;
	*pp = rf->rf_hnext;
	if (rf->rf_older != NULL)
		rf->rf_older->rf_newer = rf->rf_newer;
	else
		ii->ii_foldest = rf->rf_newer;
	if (rf->rf_newer != NULL)
		rf->rf_newer->rf_older = rf->rf_older;
	else
		ii->ii_fnewest = rf->rf_older;
	ii->ii_reass_mem -= rf->rf_mem;
	ii->ii_frag_flows--;
	memset(rf, 0, sizeof(*rf));
	rf->rf_hnext = ii->ii_ffree;
	ii->ii_ffree = rf;
}

/* Free a flow's fragments; returns how many went. */
static uint32_t
ip_reass_free_frags(struct ip_inst *ii, struct ip_reass_flow *rf)
{
	uint32_t n = rf->rf_nfrags;

	while (rf->rf_frags != NULL) {
		mblk_t *mp = rf->rf_frags;

		rf->rf_frags = mp->b_next;
		mp->b_next = NULL;
		freemsg(mp);
	}
	ii->ii_reass_mem -= rf->rf_mem;
	rf->rf_mem = 0;
	rf->rf_nfrags = 0;
	rf->rf_bytes = 0;
	rf->rf_have_first = false;
	return n;
}

/* Free a flow and its fragments; returns how many fragments went. */
static uint32_t
ip_reass_drop(struct ip_inst *ii, struct ip_reass_flow *rf)
{
	uint32_t n = ip_reass_free_frags(ii, rf);

	ip_reass_release(ii, rf);
	return n;
}

/*
 * Refuse a datagram: its fragments go, but the flow stays until it expires, so the fragments
 * still on their way are dropped too (counted for the same reason) instead of starting a
 * datagram that cannot complete. No time exceeded then: the source is not waiting for one.
 */
static void
ip_reass_poison(struct ip_inst *ii, struct ip_reass_flow *rf, int reason)
{
	((uint64_t *)ii->ii_ip)[reason] += ip_reass_free_frags(ii, rf);
	rf->rf_dead = (uint8_t)reason;
}

void
ip_reass_fini(struct ip_inst *ii)
{
	if (ii->ii_frag_timer != 0) {
		(void)quntimeout(ii->ii_ctl_rq, ii->ii_frag_timer);
		ii->ii_frag_timer = 0;
	}
	while (ii->ii_foldest != NULL)
		(void)ip_reass_drop(ii, ii->ii_foldest);
	rte_free(ii->ii_flows);
	rte_free(ii->ii_fhash);
	ii->ii_flows = NULL;
	ii->ii_fhash = NULL;
	ii->ii_ffree = NULL;
}

/* Free what expired; a time exceeded goes back for each datagram whose first fragment came. */
static void
ip_reass_expire(struct ip_inst *ii, uint64_t now)
{
	struct ip_reass_flow *rf;

	while ((rf = ii->ii_foldest) != NULL && rf->rf_expire <= now) {
		/* RFC 792, RFC 1122 3.3.2: only if fragment zero is available. */
		if (rf->rf_have_first) {
			const mblk_t *first = rf->rf_frags;

			icmp_error(ii, first, YARD_ICMP_TIME_EXCEEDED, YARD_ICMP_TIMXCEED_REASS,
				   !ip_is_ours(ii, ip_hdr(first)->dst_addr));
		}
		IP_ADD_N(ii, frag_timeout, ip_reass_drop(ii, rf));
	}
}

static void ip_reass_arm(struct ip_inst *ii);

static void
ip_reass_timer(void *arg)
{
	struct ip_inst *ii = arg;

	ii->ii_frag_timer = 0;
	ip_reass_expire(ii, rte_get_timer_cycles());
	ip_reass_arm(ii);
}

/* Wake up when the oldest datagram expires (a millisecond late rather than early). */
static void
ip_reass_arm(struct ip_inst *ii)
{
	uint64_t now, left;
	long ms;

	if (ii->ii_frag_timer != 0 || ii->ii_foldest == NULL)
		return;
	now = rte_get_timer_cycles();
	left = ii->ii_foldest->rf_expire > now ? ii->ii_foldest->rf_expire - now : 0;
	ms = (long)(left * 1000 / ii->ii_hz) + 1;
	ii->ii_frag_timer = qtimeout(ii->ii_ctl_rq, ip_reass_timer, ii, ms);
}

/* Fragments we reject before the owner (each its own counter), or 0 if acceptable. */
static int
ip_frag_check(const struct rte_ipv4_hdr *ip)
{
	unsigned hlen = ip_hlen(ip);
	unsigned payload = rte_be_to_cpu_16(ip->total_length) - hlen;
	uint16_t field = rte_be_to_cpu_16(ip->fragment_offset);
	unsigned off = (unsigned)(field & RTE_IPV4_HDR_OFFSET_MASK) * 8u;
	bool more = field & RTE_IPV4_HDR_MF_FLAG;

	/* RFC 1858 section 3.2: an offset of 8 bytes only serves to overwrite a header. */
	if (payload == 0 || (more && payload < IP_FRAG_MIN_PAYLOAD) || off == 8)
		return IPS_frag_tiny;
	if (more && (payload & 7) != 0)
		return IPS_frag_bad_align;
	if (hlen + off + payload > YARD_IPV4_MAX_LEN)
		return IPS_frag_oversize;
	return 0;
}

/* Offset and payload length of a held (or checked) fragment. */
static inline void
ip_frag_range(const mblk_t *mp, unsigned *off, unsigned *len)
{
	const struct rte_ipv4_hdr *ip = ip_hdr(mp);

	*off = (unsigned)(rte_be_to_cpu_16(ip->fragment_offset) & RTE_IPV4_HDR_OFFSET_MASK) * 8u;
	*len = rte_be_to_cpu_16(ip->total_length) - ip_hlen(ip);
}

/* Buffer bytes a fragment keeps from the pools. */
static uint32_t
ip_frag_truesize(const mblk_t *mp)
{
	uint32_t n = 0;

	for (; mp != NULL; mp = mp->b_cont)
		n += (uint32_t)MBLKSIZE(mp);
	return n;
}

/* The datagram is whole: trim, chain, fix the first header, deliver. */
static void
ip_reass_complete(struct ip_inst *ii, struct ip_reass_flow *rf)
{
	mblk_t *head = rf->rf_frags, *tail, *mp;
	struct rte_ipv4_hdr *ip = ip_hdr(head);
	unsigned hlen = ip_hlen(ip);
	uint32_t end = rf->rf_end;

	rf->rf_frags = NULL;
	rf->rf_nfrags = 0;
	ip_reass_release(ii, rf);
	mp = head->b_next;
	head->b_next = NULL;
	for (tail = head; tail->b_cont != NULL; tail = tail->b_cont)
		;
	while (mp != NULL) {
		mblk_t *next = mp->b_next;
		unsigned fh = ip_hlen(ip_hdr(mp));

		mp->b_next = NULL;
		/* Input pulled the header into the first block. */
		mp->b_rptr += fh;
		if (mp->b_rptr == mp->b_wptr && mp->b_cont != NULL) {
			mblk_t *rest = mp->b_cont;

			freeb(mp);
			mp = rest;
		}
		tail->b_cont = mp;
		for (tail = mp; tail->b_cont != NULL; tail = tail->b_cont)
			;
		mp = next;
	}
	/* Someone else may see this buffer (a capture, a retained frame): rewrite a copy. */
	mp = ip_own_head(head);
	if (mp == NULL) {
		IP_INC(ii, drop_rx_nomem);
		freemsg(head);
		return;
	}
	head = mp;
	ip = ip_hdr(head);
	ip->total_length = rte_cpu_to_be_16((uint16_t)(hlen + end));
	ip->fragment_offset &= RTE_BE16(RTE_IPV4_HDR_DF_FLAG);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = (uint16_t)~inet_ipv4_hdr_sum(ip, hlen);
	IP_INC(ii, frag_reassembled);
	ip_deliver(ii, head, false);
}

/* Reassemble one fragment here (the owner). Consumes mp. */
static void
ip_reass_add(struct ip_inst *ii, mblk_t *mp)
{
	const struct rte_ipv4_hdr *ip = ip_hdr(mp);
	struct ip_reass_flow **bucket, *rf;
	mblk_t **pp, *prev = NULL;
	unsigned off, len, end;
	uint32_t charge;
	bool more = ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_MF_FLAG);

	ip_frag_range(mp, &off, &len);
	end = off + len;
	charge = ip_frag_truesize(mp);
	bucket = ip_reass_bucket(ii, ip->src_addr, ip->dst_addr, ip->packet_id, ip->next_proto_id);
	for (rf = *bucket; rf != NULL; rf = rf->rf_hnext)
		if (rf->rf_src == ip->src_addr && rf->rf_dst == ip->dst_addr &&
		    rf->rf_id == ip->packet_id && rf->rf_proto == ip->next_proto_id)
			break;
	if (rf != NULL && rf->rf_dead != 0) {
		((uint64_t *)ii->ii_ip)[rf->rf_dead]++;
		goto drop;
	}
	if (ii->ii_reass_mem + charge > ii->ii_param.ip_reass_mem) {
		IP_INC(ii, frag_mem_full);
		goto drop;
	}
	if (rf == NULL) {
		rf = ii->ii_ffree;
		if (rf == NULL) {
			IP_INC(ii, frag_flows_full);
			goto drop;
		}
		ii->ii_ffree = rf->rf_hnext;
		rf->rf_src = ip->src_addr;
		rf->rf_dst = ip->dst_addr;
		rf->rf_id = ip->packet_id;
		rf->rf_proto = ip->next_proto_id;
		rf->rf_expire = rte_get_timer_cycles() + ii->ii_frag_cyc;
		rf->rf_hnext = *bucket;
		*bucket = rf;
		rf->rf_older = ii->ii_fnewest;
		rf->rf_newer = NULL;
		if (ii->ii_fnewest != NULL)
			ii->ii_fnewest->rf_newer = rf;
		else
			ii->ii_foldest = rf;
		ii->ii_fnewest = rf;
		ii->ii_frag_flows++;
	}
	/* The end is known once a last fragment came: nothing may disagree with it. */
	if ((rf->rf_end != 0 && (end > rf->rf_end || (!more && end != rf->rf_end))))
		goto overlap;
	/* Find the neighbours: prev ends at or before off, *pp starts after it. */
	for (pp = &rf->rf_frags; *pp != NULL; pp = &(*pp)->b_next) {
		unsigned o, l;

		ip_frag_range(*pp, &o, &l);
		if (o == off && l == len) {
			IP_INC(ii, frag_dup); /* the datagram keeps the copy it has */
			goto drop;
		}
		if (o >= off)
			break;
		prev = *pp;
	}
	if (prev != NULL) {
		unsigned o, l;

		ip_frag_range(prev, &o, &l);
		if (o + l > off)
			goto overlap;
	}
	if (*pp != NULL) {
		unsigned o, l;

		ip_frag_range(*pp, &o, &l);
		if (o < end)
			goto overlap;
	}
	/* A last fragment ending before data we hold (which the walk has seen as "prev"). */
	if (!more && *pp != NULL)
		goto overlap;
	if (rf->rf_nfrags + 1 > ii->ii_param.ip_max_frags) {
		IP_INC(ii, frag_too_many);
		ip_reass_poison(ii, rf, IPS_frag_too_many);
		freemsg(mp);
		return;
	}
	mp->b_next = *pp;
	*pp = mp;
	rf->rf_nfrags++;
	rf->rf_bytes += len;
	rf->rf_mem += charge;
	ii->ii_reass_mem += charge;
	if (off == 0)
		rf->rf_have_first = true;
	if (!more)
		rf->rf_end = end;
	if (rf->rf_end != 0 && rf->rf_bytes == rf->rf_end)
		ip_reass_complete(ii, rf);
	return;
overlap:
	IP_INC(ii, frag_overlap);
	ip_reass_poison(ii, rf, IPS_frag_overlap);
	freemsg(mp);
	return;
drop:
	if (rf != NULL && rf->rf_nfrags == 0 && rf->rf_dead == 0)
		ip_reass_release(ii, rf); /* made for this fragment alone */
	freemsg(mp);
}

void
ip_reass_input(struct ip_inst *ii, mblk_t *mp, bool arrived_here)
{
	struct rte_ipv4_hdr *ip = ip_hdr(mp);

	if (arrived_here) {
		int reason, owner;

		IP_INC(ii, frag_rx);
		reason = ip_frag_check(ip);
		if (reason != 0) {
			((uint64_t *)ii->ii_ip)[reason]++;
			freemsg(mp);
			return;
		}
		owner = ip_frag_owner(ip->src_addr, ip->dst_addr, ip->packet_id, ip->next_proto_id);
		if (owner >= 0 && (unsigned)owner != ii->ii_lcore) {
			struct ip_inst *oi = __atomic_load_n(&ip_insts[owner], __ATOMIC_ACQUIRE);

			if (oi != NULL) {
				if (yard_mbox_put(oi->ii_ctl_rq, mp)) {
					IP_INC(ii, frag_forwarded);
				} else {
					IP_INC(ii, frag_fwd_fail);
					freemsg(mp);
				}
				return;
			}
		}
	} else {
		IP_INC(ii, frag_fwd_received);
	}
	if (unlikely(ii->ii_flows == NULL)) {
		IP_INC(ii, frag_nomem);
		freemsg(mp);
		return;
	}
	ip_reass_expire(ii, rte_get_timer_cycles());
	ip_reass_add(ii, mp);
	ip_reass_arm(ii);
}

int
ip_urput(queue_t *q, mblk_t *mp)
{
	struct ip_upper *up = q->q_ptr;

	/* Only sibling instances put here: fragments this instance owns, IGMP queries. */
	if (up != NULL && up->iu_inst != NULL && DB_TYPE(mp) == M_CTL &&
	    igmp_sibling_query(up->iu_inst, mp))
		return 0;
	if (up == NULL || up->iu_inst == NULL || DB_TYPE(mp) != M_DATA) {
		freemsg(mp);
		return 0;
	}
	ip_reass_input(up->iu_inst, mp, false);
	return 0;
}
