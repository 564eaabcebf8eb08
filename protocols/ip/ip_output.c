/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ip output: the upper write side, route lookup, fragmentation, checksums and the links'
 * write queues.
 *
 * Principles of operation
 * -----------------------
 * Every datagram reaches ip_output() with its whole IPv4 header at b_rptr of its first block:
 * built by a transport (M_DATA), by ip from an IP_UNITDATA_REQ, or an ICMP message ip made.
 * ip_output() looks the destination up, records the next hop in the "yard_nexthop" mbuf field
 * for arp, and either finishes the header (checksum or TX offload request) or fragments.
 *
 * Fragmentation (RFC 791 section 3.2, "fragmentation procedure") is done over message blocks,
 * not with rte_ipv4_fragment_packet(): each fragment is a fresh header block (with
 * YARD_LINK_HEADROOM in front, so arp writes the Ethernet header in place) followed by dupb()
 * references to the byte ranges of the original payload it carries. Nothing is copied, the
 * original's blocks stay authoritative (no mblk -> mbuf sync and back), a payload spread over
 * several blocks (a reassembled datagram being echoed) is cut wherever its fragments fall, and
 * every allocation failure is a counted drop of the whole datagram. Non-first fragments carry
 * only the options whose copied flag is set.
 *
 * An IP_UNITDATA_REQ (what udp sends) takes a shorter road than ip_output(): it is routed
 * before its header is written, so the header is written once, its checksum computed from the
 * values being stored rather than read back, and the datagram joins the burst's run with the
 * route cache's and the datagram counters added once per burst.
 *
 * A link's write queue (l_qbot, with ip_lwsrv) holds what its driver cannot take yet: ip
 * sends straight down while the queue is empty and the driver has room, else queues (keeping
 * order). The driver back-enables the queue when it drains.
 *
 * Flow control through the multiplexor. STREAMS back-enables within one stream only: the
 * link's queue is the top of its lower stream, so when it drains nothing upstream hears of it,
 * and the transports above sit on other streams. ip carries it across itself, as a
 * multiplexing driver must: when a datagram a transport sent (ii_tx_up) fills its link's queue
 * to high water, ip still takes it (and the rest of that burst: a datagram's fragments are
 * never cut off), marks the upper stream held back (iu_waiting, il_held, tx_held) and from
 * then on queues what that stream sends on its own write queue, untouched. That queue's QFULL
 * is what the transport's canputnext() sees, so udp blocks its endpoints (XTI TFLOW) and tcp
 * stops sending new data, and nothing is dropped. When ip_lwsrv has drained the link's queue
 * below low water it wakes the held streams (ip_link_wake), whose service procedure (ip_uwsrv)
 * sends what waited, in order, and getq's back-enable reaches the transport's lower queue. A
 * link's queue thus exceeds high water by at most the bursts in flight; past four times high
 * water, or at high water for ip's own datagrams (ICMP replies, which have no sender to slow
 * down), a datagram is dropped and counted drop_tx_flow. IGMP reports, ip's own too, are
 * taken as a transport's are (up to four times high water, holding nobody back): they are
 * few, and one lost can cost the link a group's traffic until the next query.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <protocols/inet_cksum.h>

#include "ip_priv.h"

size_t
ip_msg_copy(const mblk_t *mp, size_t off, size_t len, void *dst)
{
	uint8_t *d = dst;
	size_t done = 0;

	for (; mp != NULL && done < len; mp = mp->b_cont) {
		size_t bl = MBLKL(mp), take;

		if (off >= bl) {
			off -= bl;
			continue;
		}
		take = RTE_MIN(bl - off, len - done);
		memcpy(d + done, mp->b_rptr + off, take);
		done += take;
		off = 0;
	}
	return done;
}

/*
 * The checksum of a 20-byte header (RFC 791 section 3.1, RFC 1071) from its fields' values as
 * they lie in memory (network order), not read back: summing the header as wide loads right
 * after it was written field by field defeats store forwarding and stalls. The 16-bit words
 * read in host order sum to the checksum in memory order (RFC 1071 section 2(B)), and a 32-bit
 * address adds as its two words (2^16 is 1 modulo 0xffff), so nothing is byte-swapped and the
 * result is stored as it is. w0: bytes 0-1 (version/IHL, TOS); w8: bytes 8-9 (TTL, protocol).
 *
 * inet_sum_fold()'s two rotate-and-add folds (end-around carry, exact for any 64-bit sum) cost
 * eight instructions where (sum - 1) % 0xffff + 1 took thirteen.
 */
static inline uint16_t
ip_hdr_cksum_vals(uint16_t w0, uint16_t tot_be, uint16_t id_be, uint16_t frag_be, uint16_t w8,
		  uint32_t src, uint32_t dst)
{
	uint64_t sum = (uint64_t)w0 + tot_be + id_be + frag_be + w8 + src + dst;

	return (uint16_t)~inet_sum_fold(sum);
}

/* Two header bytes as a 16-bit word in memory order (no byte swap: a shift and an or). */
static inline uint16_t
ip_w16(uint8_t first, uint8_t second)
{
#if RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN
	return (uint16_t)(second << 8 | first);
#else
	return (uint16_t)(first << 8 | second);
#endif
}

/* Two 16-bit header words (each in memory order) as the 32-bit word they make in memory. */
static inline uint32_t
ip_w32(uint16_t first, uint16_t second)
{
#if RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN
	return (uint32_t)second << 16 | first;
#else
	return (uint32_t)first << 16 | second;
#endif
}

/*
 * Two 32-bit header words (each in memory order) as the 64-bit word they make in memory: laid
 * side by side and read as one, in either byte order (gcc makes it a shift and an or).
 */
static inline uint64_t
ip_w64(uint32_t first, uint32_t second)
{
	const uint32_t w[2] = { first, second };
	uint64_t v;

	memcpy(&v, w, sizeof(v));
	return v;
}

/* The checksum of a 20-byte header already written, each field read at its own width. */
static inline uint16_t
ip_hdr_cksum20(const struct rte_ipv4_hdr *ip)
{
	return ip_hdr_cksum_vals(ip_w16(ip->version_ihl, ip->type_of_service), ip->total_length,
				 ip->packet_id, ip->fragment_offset,
				 ip_w16(ip->time_to_live, ip->next_proto_id), ip->src_addr,
				 ip->dst_addr);
}

/*
 * The mbuf of a datagram about to leave: the port is asked for the header checksum when the
 * link's caps say it computes it (the caller then leaves the field zero), and for the L4
 * checksum when l4 says so (ip_l4_finish()'s verdict: 0 or RTE_MBUF_F_TX_UDP/TCP_CKSUM). Any
 * other offload bit the mbuf carries goes: a reused received buffer's past is no request.
 */
static inline uint64_t
ip_tx_offloads(const struct ip_link *il, uint64_t l4)
{
	if (il->il_caps & YARD_LINK_CAP_TX_IPV4_CKSUM)
		return RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM | l4;
	return l4 != 0 ? RTE_MBUF_F_TX_IPV4 | l4 : 0;
}

/* The same with ip_tx_offloads()'s flags (ofl) worked out by the caller, for a run. */
static __rte_always_inline void
ip_finish_mbuf_ofl(mblk_t *mp, unsigned hlen, uint64_t ofl)
{
	struct rte_mbuf *m = yard_mblk_mbuf(mp);

	/* RX verdicts of a reused received buffer must not read as TX requests. */
	m->ol_flags = (m->ol_flags & IP_MBUF_KEEP) | ofl;
	m->l2_len = YARD_LINK_HDR_LEN;
	m->l3_len = hlen;
}

static inline void
ip_finish_mbuf_as(struct ip_inst *ii, const struct ip_link *il, mblk_t *mp, unsigned hlen,
		  uint64_t l4)
{
	if (il->il_caps & YARD_LINK_CAP_TX_IPV4_CKSUM)
		IP_INC(ii, tx_cksum_hw);
	ip_finish_mbuf_ofl(mp, hlen, ip_tx_offloads(il, l4));
}

/* ---- transport checksums (ip.h, "Transport checksums") ------------------------------------ */

/* The least L4 part a transport's request (ip.h) needs: the header a NIC reads the field from. */
static inline unsigned
ip_l4_hdr_min(uint64_t l4)
{
	return l4 == RTE_MBUF_F_TX_UDP_CKSUM ? 8u : 20u;
}

static inline uint32_t
ip_l4_cap(uint64_t l4)
{
	return l4 == RTE_MBUF_F_TX_UDP_CKSUM ? YARD_LINK_CAP_TX_UDP_CKSUM :
					       YARD_LINK_CAP_TX_TCP_CKSUM;
}

/* The request for protocol proto: IP_UNITDATA_L4CK's, or a built datagram's to check. */
static inline uint64_t
ip_l4_for_proto(unsigned proto)
{
	return proto == IPPROTO_UDP ? RTE_MBUF_F_TX_UDP_CKSUM :
	       proto == IPPROTO_TCP ? RTE_MBUF_F_TX_TCP_CKSUM : 0;
}

/*
 * Complete a transport's checksum in software (inet_l4_cksum_complete()); the caller checked
 * that the L4 part holds the header. Out of line: only links without the offload, and
 * datagrams to fragment, come here.
 */
static __rte_noinline void
ip_l4_sw(struct ip_inst *ii, mblk_t *mp, unsigned hlen, unsigned tot, uint64_t l4)
{
	inet_l4_cksum_complete(mp, hlen, tot, l4 == RTE_MBUF_F_TX_UDP_CKSUM);
	IP_INC(ii, tx_l4_cksum_sw);
}

/*
 * A datagram's L4 request l4 (0: none) as it leaves by il unfragmented: left to the port
 * (returned, for ip_finish_mbuf_as()) when the link has the cap and the L4 header is in the
 * IPv4 header's block (drivers read the headers from the first segment), else completed here
 * (0 returned).
 */
static __rte_always_inline uint64_t
ip_l4_finish(struct ip_inst *ii, const struct ip_link *il, mblk_t *mp, unsigned hlen,
	     unsigned tot, uint64_t l4)
{
	if (likely(l4 == 0))
		return 0;
	if ((il->il_caps & ip_l4_cap(l4)) && MBLKL(mp) >= hlen + ip_l4_hdr_min(l4)) {
		IP_INC(ii, tx_l4_cksum_hw);
		return l4;
	}
	ip_l4_sw(ii, mp, hlen, tot, l4);
	return 0;
}

/* Finish a header about to leave: checksum in software or an offload request for the port. */
static inline void
ip_finish(struct ip_inst *ii, const struct ip_link *il, mblk_t *mp, unsigned hlen, uint64_t l4)
{
	struct rte_ipv4_hdr *ip = ip_hdr(mp);

	ip->hdr_checksum = 0;
	if (!(il->il_caps & YARD_LINK_CAP_TX_IPV4_CKSUM))
		ip->hdr_checksum = likely(hlen == YARD_IPV4_HDR_MIN) ? ip_hdr_cksum20(ip) :
					(uint16_t)~inet_ipv4_hdr_sum(ip, hlen);
	l4 = ip_l4_finish(ii, il, mp, hlen, rte_be_to_cpu_16(ip->total_length), l4);
	ip_finish_mbuf_as(ii, il, mp, hlen, l4);
}

/* The most a link's write queue takes from transports: what bursts in flight can overshoot. */
#define IP_LINK_QMAX(q) (4 * (q)->q_hiwat)

/* The link's queue reached high water while sending for up: hold that stream back. */
static void
ip_upper_hold(struct ip_inst *ii, struct ip_upper *up, struct ip_link *il)
{
	if (up->iu_waiting != NULL)
		return;
	up->iu_waiting = il;
	il->il_held = true;
	/* Its own putq()s must not schedule ip_uwsrv for nothing: ip_link_wake() enables it. */
	noenable(WR(up->iu_rq));
	IP_INC(ii, tx_held);
}

static void
ip_link_send(struct ip_inst *ii, struct ip_link *il, mblk_t *mp)
{
	queue_t *q = il->il_qbot;
	struct ip_upper *up = ii->ii_tx_up;

	mp->b_yflags &= ~YB_LINKROOM; /* only the short way vouches for the frame's room (mblk.h) */
	if (likely(q->q_first == NULL && canputnext(q))) {
		IP_INC(ii, tx_packets);
		putnext(q, mp);
		return;
	}
	if (up != NULL || ii->ii_tx_ctl ? q->q_count < IP_LINK_QMAX(q) : canput(q)) {
		IP_INC(ii, tx_packets);
		IP_INC(ii, tx_queued);
		(void)putq(q, mp);
		if (up != NULL && (q->q_flag & QFULL))
			ip_upper_hold(ii, up, il);
		return;
	}
	IP_INC(ii, drop_tx_flow);
	freemsg(mp);
}

void
ip_txb_flush(struct ip_inst *ii, struct ip_txb *tb)
{
	struct ip_link *il = tb->tb_il;
	queue_t *q;
	unsigned n = tb->tb_n;

	if (n == 0)
		return;
	tb->tb_n = 0;
	tb->tb_il = NULL;
	q = il->il_qbot;
	if (likely(q->q_first == NULL && canputnext(q))) {
		IP_ADD_N(ii, tx_packets, n);
		putnext_burst(q, tb->tb_v, n);
		return;
	}
	for (unsigned i = 0; i < n; i++)
		ip_link_send(ii, il, tb->tb_v[i]);
}

int
ip_lwsrv(queue_t *q)
{
	struct ip_link *il = q->q_ptr;
	mblk_t *mp;

	while ((mp = getq(q)) != NULL) {
		if (!canputnext(q)) {
			(void)putbq(q, mp);
			break;
		}
		putnext(q, mp);
	}
	/* Below low water, as a back-enable would be: the held upper streams go on. */
	if (il != NULL && il->il_held &&
	    (q->q_first == NULL || (q->q_count < q->q_lowat && q->q_mblkcnt < q->q_lowat)))
		ip_link_wake(il->il_inst, il);
	return 0;
}

void
ip_link_wake(struct ip_inst *ii, struct ip_link *il)
{
	il->il_held = false;
	for (struct ip_upper *up = ii->ii_uppers; up != NULL; up = up->iu_next) {
		queue_t *wq;

		if (up->iu_waiting != il)
			continue;
		up->iu_waiting = NULL;
		wq = WR(up->iu_rq);
		enableok(wq);
		if (wq->q_first != NULL)
			qenable(wq);
	}
}

/* The options of a non-first fragment: those with the copied flag (RFC 791 3.1), padded. */
static unsigned
ip_copied_options(const uint8_t *opt, unsigned len, uint8_t *out)
{
	unsigned i = 0, n = 0;

	while (i < len) {
		uint8_t type = opt[i];
		unsigned olen;

		if (type == YARD_IPOPT_EOL)
			break;
		if (type == YARD_IPOPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= len)
			break;
		olen = opt[i + 1];
		if (olen < YARD_IPOPT_MINLEN || i + olen > len)
			break;
		if (type & 0x80) {
			memcpy(out + n, opt + i, olen);
			n += olen;
		}
		i += olen;
	}
	while (n & 3)
		out[n++] = YARD_IPOPT_EOL;
	return n;
}

static int
ip_fragment(struct ip_inst *ii, struct ip_link *il, mblk_t *mp, uint32_t nexthop)
{
	const struct rte_ipv4_hdr *ip = ip_hdr(mp);
	unsigned hlen = ip_hlen(ip), tot = rte_be_to_cpu_16(ip->total_length);
	uint16_t field = rte_be_to_cpu_16(ip->fragment_offset);
	unsigned base = (unsigned)(field & RTE_IPV4_HDR_OFFSET_MASK) * 8u;
	bool more = field & RTE_IPV4_HDR_MF_FLAG;
	uint8_t ropt[YARD_IPV4_HDR_MAX - YARD_IPV4_HDR_MIN];
	unsigned rlen = YARD_IPV4_HDR_MIN +
			ip_copied_options((const uint8_t *)(ip + 1), hlen - YARD_IPV4_HDR_MIN, ropt);
	unsigned payload = tot - hlen, off = 0, nfrag = 0;
	mblk_t *frags = NULL, **tailp = &frags;
	mblk_t *bp = mp;
	size_t pos = hlen; /* cursor in the original's payload: block bp, offset pos */

	while (off < payload) {
		unsigned fh = off == 0 ? hlen : rlen;
		unsigned fl = RTE_MIN((il->il_mtu - fh) & ~7u, payload - off);
		unsigned need = fl;
		struct rte_ipv4_hdr *fip;
		mblk_t *hp = yard_allocb_hr(fh, YARD_LINK_HEADROOM), *tail;

		if (hp == NULL)
			goto nomem;
		fip = (struct rte_ipv4_hdr *)hp->b_wptr;
		memcpy(fip, ip, YARD_IPV4_HDR_MIN);
		if (off == 0)
			memcpy(fip + 1, ip + 1, hlen - YARD_IPV4_HDR_MIN);
		else
			memcpy(fip + 1, ropt, rlen - YARD_IPV4_HDR_MIN);
		fip->version_ihl = (uint8_t)(0x40 | (fh / 4));
		fip->total_length = rte_cpu_to_be_16((uint16_t)(fh + fl));
		fip->fragment_offset = rte_cpu_to_be_16((uint16_t)(((base + off) >> 3) |
			((off + fl < payload || more) ? RTE_IPV4_HDR_MF_FLAG : 0)));
		hp->b_wptr += fh;
		tail = hp;
		*tailp = hp;
		tailp = &hp->b_next;
		while (need != 0) {
			size_t avail = MBLKL(bp) - pos, take;
			mblk_t *dp;

			if (avail == 0) {
				bp = bp->b_cont;
				pos = 0;
				continue;
			}
			take = RTE_MIN(avail, (size_t)need);
			dp = dupb(bp);
			if (dp == NULL)
				goto nomem;
			dp->b_rptr = bp->b_rptr + pos;
			dp->b_wptr = dp->b_rptr + take;
			tail->b_cont = dp;
			tail = dp;
			pos += take;
			need -= (unsigned)take;
		}
		ip_finish(ii, il, hp, fh, 0); /* any L4 sum was completed before */
		yard_nexthop_set(hp, nexthop);
		nfrag++;
		off += fl;
	}
	/* The fragments hold references to the payload; the original goes. */
	freemsg(mp);
	IP_INC(ii, tx_fragmented);
	IP_ADD_N(ii, tx_fragments, nfrag);
	while (frags != NULL) {
		mblk_t *next = frags->b_next;

		frags->b_next = NULL;
		ip_link_send(ii, il, frags);
		frags = next;
	}
	return 0;
nomem:
	IP_INC(ii, drop_tx_nomem);
	while (frags != NULL) {
		mblk_t *next = frags->b_next;

		frags->b_next = NULL;
		freemsg(frags);
		frags = next;
	}
	freemsg(mp);
	return -ENOBUFS;
}

/*
 * The first 8 bytes of an IP_UNITDATA_REQ to dst (iu_prim, iu_dst) as one word: the short way
 * compares a request with the route cache's destination in one go (ip_unitdata_usual).
 */
static inline uint64_t
ip_unitdata_key(uint32_t dst)
{
	const uint32_t w[2] = { IP_UNITDATA_REQ, dst };
	uint64_t k;

	static_assert(offsetof(struct ip_unitdata_req, iu_dst) == 4, "prim, then dst");
	memcpy(&k, w, sizeof(k));
	return k;
}

/*
 * The route to dst, through tb's one-entry cache when there is a tb (a burst's replies mostly
 * go to one peer). NULL when there is none; not counted here.
 */
static inline struct ip_rt *
ip_route_cached(struct ip_inst *ii, struct ip_txb *tb, uint32_t dst, uint32_t *nh)
{
	struct ip_rt *rt;

	if (tb != NULL && tb->tb_dst == dst && dst != 0) {
		tb->tb_cached++;
		*nh = tb->tb_nh;
		return tb->tb_rt;
	}
	rt = ip_route_lookup(ii, dst, nh);
	if (tb != NULL && rt != NULL) {
		tb->tb_dst = dst;
		tb->tb_nh = *nh;
		tb->tb_rt = rt;
		tb->tb_cil = rt->rt_link;
		tb->tb_key = 0; /* the template was for the old route */
	}
	return rt;
}

/*
 * A finished datagram joins tb's run; a run for another link, or a full one, goes first. An
 * empty run has no link (tb_il NULL), so its first datagram calls ip_txb_flush() for nothing,
 * once per burst, and the others test one thing fewer.
 */
static inline void
ip_txb_add(struct ip_inst *ii, struct ip_txb *tb, struct ip_link *il, mblk_t *mp)
{
	if (unlikely(tb->tb_il != il || tb->tb_n == IP_TXB_MAX))
		ip_txb_flush(ii, tb);
	tb->tb_il = il;
	mp->b_yflags &= ~YB_LINKROOM; /* only the short way vouches for the frame's room (mblk.h) */
	tb->tb_v[tb->tb_n++] = mp;
}

/*
 * A datagram longer than its link's MTU: fragmented unless DF forbids (RFC 791 3.2). A
 * transport's L4 request (l4) is completed first: no port sums a datagram over its fragments.
 */
static int
ip_output_big(struct ip_inst *ii, struct ip_link *il, mblk_t *mp, uint32_t nh,
	      struct ip_txb *tb, uint64_t l4)
{
	const struct rte_ipv4_hdr *ip = ip_hdr(mp);

	if (ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_DF_FLAG)) {
		IP_INC(ii, drop_df);
		freemsg(mp);
		return -EMSGSIZE;
	}
	if (l4 != 0)
		ip_l4_sw(ii, mp, ip_hlen(ip), rte_be_to_cpu_16(ip->total_length), l4);
	if (tb != NULL)
		ip_txb_flush(ii, tb); /* what came before goes first */
	return ip_fragment(ii, il, mp, nh);
}

/*
 * ip_output() into a burst when tb is not NULL: the datagram joins tb's run. l4: the
 * transport's L4 request, checked by the caller (0: none).
 */
static int
ip_output_txb(struct ip_inst *ii, mblk_t *mp, unsigned flags, struct ip_txb *tb, uint64_t l4)
{
	struct rte_ipv4_hdr *ip = ip_hdr(mp);
	unsigned hlen = ip_hlen(ip), tot = rte_be_to_cpu_16(ip->total_length);
	struct ip_link *il;
	struct ip_rt *rt;
	uint32_t nh;

	/* For this host (asked only where the burst's cache has not the destination: a route,
	 * so not ours): it goes up, never down, whatever its length (ip_loop.c). */
	if (unlikely((tb == NULL || tb->tb_dst != ip->dst_addr) && ip_is_ours(ii, ip->dst_addr))) {
		il = ip_link_by_addr(ii, ip->dst_addr);
		nh = 0; /* a route's next hop never is */
	} else {
		rt = ip_route_cached(ii, tb, ip->dst_addr, &nh);
		if (unlikely(rt == NULL)) {
			IP_INC(ii, drop_no_route);
			freemsg(mp);
			return -ENETUNREACH;
		}
		il = rt->rt_link;
	}
	if ((flags & IP_OUT_FILL_SRC) && ip->src_addr == 0)
		ip->src_addr = il->il_addr;
	if ((flags & IP_OUT_NEW_ID) || ((flags & IP_OUT_FILL_ID) && ip->packet_id == 0))
		ip->packet_id = rte_cpu_to_be_16(ii->ii_ipid++);
	IP_INC(ii, tx_datagrams);
	if (unlikely(nh == 0)) {
		ip_loop_local(ii, il, mp, hlen, tot, l4);
		return 0;
	}
	if (unlikely(tot > il->il_mtu))
		return ip_output_big(ii, il, mp, nh, tb, l4);
	ip_finish(ii, il, mp, hlen, l4);
	yard_nexthop_set(mp, nh);
	if (tb == NULL)
		ip_link_send(ii, il, mp);
	else
		ip_txb_add(ii, tb, il, mp);
	return 0;
}

void
ip_output_link(struct ip_inst *ii, struct ip_link *il, mblk_t *mp, uint32_t nexthop)
{
	struct ip_upper *up = ii->ii_tx_up;

	ip_hdr(mp)->packet_id = rte_cpu_to_be_16(ii->ii_ipid++);
	IP_INC(ii, tx_datagrams);
	ip_finish(ii, il, mp, ip_hlen(ip_hdr(mp)), 0);
	yard_nexthop_set(mp, nexthop);
	ii->ii_tx_up = NULL; /* ip's own: dropped at high water, nothing held */
	ip_link_send(ii, il, mp);
	ii->ii_tx_up = up;
}

int
ip_output(struct ip_inst *ii, mblk_t *mp, unsigned flags)
{
	return ip_output_txb(ii, mp, flags, NULL, 0); /* ip's own: no L4 request */
}

/* ---- upper write side --------------------------------------------------------------------- */

/*
 * A datagram a transport built (M_DATA, header first), with its L4 request in the first
 * block's mbuf when it makes one (ip.h): for its own protocol, with the source set and the L4
 * header there; any other is refused as malformed (a sender that meant none clears the bits).
 */
static void
ip_output_raw(struct ip_inst *ii, mblk_t *mp, struct ip_txb *tb)
{
	uint64_t l4 = yard_mblk_mbuf(mp)->ol_flags & RTE_MBUF_F_TX_L4_MASK;
	struct rte_ipv4_hdr *ip;
	unsigned hlen;

	if (MBLKL(mp) < YARD_IPV4_HDR_MIN && !pullupmsg(mp, YARD_IPV4_HDR_MIN))
		goto bad;
	ip = ip_hdr(mp);
	hlen = ip_hlen(ip);
	if ((ip->version_ihl >> 4) != 4 || hlen < YARD_IPV4_HDR_MIN)
		goto bad;
	if (MBLKL(mp) < hlen && !pullupmsg(mp, (ssize_t)hlen))
		goto bad;
	ip = ip_hdr(mp);
	if (rte_be_to_cpu_16(ip->total_length) != msgdsize(mp) ||
	    rte_be_to_cpu_16(ip->total_length) < hlen)
		goto bad;
	if (unlikely(l4 != 0) &&
	    (l4 != ip_l4_for_proto(ip->next_proto_id) || ip->src_addr == 0 ||
	     rte_be_to_cpu_16(ip->total_length) < hlen + ip_l4_hdr_min(l4)))
		goto bad;
	(void)ip_output_txb(ii, mp, IP_OUT_FILL_SRC | IP_OUT_FILL_ID, tb, l4);
	return;
bad:
	IP_INC(ii, drop_bad_unitdata);
	freemsg(mp);
}

/*
 * IP_UNITDATA_REQ: M_PROTO header request, then the payload; ip builds the header. The usual
 * request (the transport left headroom, the datagram fits its link) is routed first and its
 * header written once, checksum included, from values in registers; ip_output_txb()'s work is
 * done here without reading the header back. Out of line: a burst's first request, and any
 * ip_output_unitdata_run() leaves alone; the others of an echo's burst take that short way.
 */
static __rte_noinline void
ip_output_unitdata(struct ip_inst *ii, struct ip_upper *up, mblk_t *mp, struct ip_txb *tb)
{
	struct ip_unitdata_req req;
	mblk_t *payload = mp->b_cont, *hp;
	struct ip_link *il;
	size_t plen;
	unsigned tot;
	uint32_t nh, src, hw[5];
	uint64_t sum, l4 = 0;
	uint16_t w8, ck;
	uint8_t proto, ttl;

	if (unlikely(MBLKL(mp) < sizeof(req)))
		goto bad;
	memcpy(&req, mp->b_rptr, sizeof(req));
	proto = req.iu_proto != 0 ? req.iu_proto : (uint8_t)up->iu_proto;
	plen = payload == NULL ? 0 :
	       likely(payload->b_cont == NULL) ? MBLKL(payload) : msgdsize(payload);
	if (unlikely(req.iu_prim != IP_UNITDATA_REQ || proto == 0 || req.iu_dst == 0 ||
		     plen + YARD_IPV4_HDR_MIN > YARD_IPV4_MAX_LEN ||
		     (payload != NULL && DB_TYPE(payload) != M_DATA)))
		goto bad;
	if (req.iu_flags & IP_UNITDATA_L4CK) {
		/* The transport's header must be there to complete (UDP or TCP only). */
		l4 = ip_l4_for_proto(proto);
		if (unlikely(l4 == 0 || plen < ip_l4_hdr_min(l4)))
			goto bad;
	}
	if (likely(payload != NULL && DB_REF(payload) == 1 &&
		   MBLKHEAD(payload) >= YARD_IPV4_HDR_MIN + YARD_LINK_HDR_MAX)) {
		/* The transport left headroom: the header goes there, the M_PROTO block goes, with
		 * the burst's others (one mempool put for all of them). */
		mp->b_cont = NULL;
		if (unlikely(tb->tb_nfree == IP_TXB_MAX)) {
			freemsg_burst(tb->tb_free, tb->tb_nfree);
			tb->tb_nfree = 0;
		}
		tb->tb_free[tb->tb_nfree++] = mp;
		hp = payload;
		hp->b_rptr -= YARD_IPV4_HDR_MIN;
	} else if (DB_REF(mp) == 1 &&
		   MBLKSIZE(mp) >= YARD_LINK_HEADROOM + YARD_IPV4_HDR_MIN) {
		/* Reuse the M_PROTO block as the header block. */
		hp = mp;
		DB_TYPE(hp) = M_DATA;
		hp->b_rptr = DB_BASE(hp) + YARD_LINK_HEADROOM;
		hp->b_wptr = hp->b_rptr + YARD_IPV4_HDR_MIN;
	} else {
		hp = yard_allocb_hr(YARD_IPV4_HDR_MIN, YARD_LINK_HEADROOM);
		if (hp == NULL) {
			IP_INC(ii, drop_tx_nomem);
			freemsg(mp);
			return;
		}
		hp->b_wptr += YARD_IPV4_HDR_MIN;
		hp->b_cont = payload;
		freeb(mp);
	}
	/* tb's route cache, asked directly: iu_dst is not 0 (refused above), tb_dst 0 is empty. */
	if (unlikely(req.iu_flags & IP_UNITDATA_MIF)) {
		/* The sender named the group's link by its address (never cached: another may
		 * name another); only a group's datagram may. */
		il = ip_is_mcast(req.iu_dst) ? ip_link_by_addr(ii, req.iu_src) : NULL;
		if (il == NULL) {
			IP_INC(ii, drop_bad_unitdata);
			freemsg(hp);
			return;
		}
		nh = req.iu_dst;
	} else if (likely(tb->tb_dst == req.iu_dst)) {
		tb->tb_cached++;
		nh = tb->tb_nh;
		il = tb->tb_cil;
	} else if (unlikely(ip_is_ours(ii, req.iu_dst))) {
		/* For this host: never routed, so never in tb's cache nor its template. */
		il = ip_link_by_addr(ii, req.iu_dst);
		nh = 0;
	} else {
		struct ip_rt *rt = ip_route_cached(ii, tb, req.iu_dst, &nh);

		if (unlikely(rt == NULL)) {
			IP_INC(ii, drop_no_route);
			freemsg(hp);
			return;
		}
		il = rt->rt_link;
	}
	tb->tb_dgrams++;
	src = req.iu_src != 0 ? req.iu_src : il->il_addr;
	tot = (unsigned)plen + YARD_IPV4_HDR_MIN;
	ttl = req.iu_ttl != 0 ? req.iu_ttl : tb->tb_ttl;
	if (unlikely(req.iu_flags & IP_UNITDATA_HOSTONLY) && ip_is_mcast(req.iu_dst))
		ttl = 0; /* what the header says of a datagram that never leaves */
	w8 = ip_w16(ttl, proto);
	/*
	 * The header as the five 32-bit words it is in memory, built in registers and stored
	 * whole. Summed as 32-bit words: a word is its two 16-bit halves with the upper one
	 * times 2^16, and 2^16 is 1 modulo 0xffff (RFC 1071 section 2(B) again).
	 */
	hw[0] = ip_w32(ip_w16(0x45, req.iu_tos), inet_be16((uint16_t)tot));
	hw[1] = ip_w32(inet_be16(ii->ii_ipid++),
		       (req.iu_flags & IP_UNITDATA_DF) ? RTE_BE16(RTE_IPV4_HDR_DF_FLAG) : 0);
	hw[3] = src;
	hw[4] = req.iu_dst;
	if (unlikely(nh == 0 || ttl == 0)) {
		/* Our own address (a route's next hop is never 0), or a group's datagram kept on
		 * the host (TTL 0, IP_UNITDATA_HOSTONLY): whole, whatever the MTU. */
		hw[2] = ip_w32(w8, 0);
		memcpy(ip_hdr(hp), hw, sizeof(hw));
		if (nh == 0)
			ip_loop_local(ii, il, hp, YARD_IPV4_HDR_MIN, tot, l4);
		else
			ip_loop_host_only(ii, il, hp, tot, l4,
					  (req.iu_flags & IP_UNITDATA_MLOOP) != 0);
		return;
	}
	if (unlikely(tot > il->il_mtu)) {
		hw[2] = ip_w32(w8, 0);
		memcpy(ip_hdr(hp), hw, sizeof(hw));
		/* A copy for our members unless it goes nowhere (DF: ip_output_big() drops it). */
		if (unlikely(req.iu_flags & IP_UNITDATA_MLOOP) && ip_is_mcast(req.iu_dst) &&
		    !(req.iu_flags & IP_UNITDATA_DF))
			ip_loop_mcast(ii, il, hp, tot, l4);
		/* each fragment gets its own checksum; the L4 sum is completed first */
		(void)ip_output_big(ii, il, hp, nh, tb, l4);
		return;
	}
	ck = 0;
	if (!(il->il_caps & YARD_LINK_CAP_TX_IPV4_CKSUM)) {
		sum = (uint64_t)hw[0] + hw[1] + w8 + src + req.iu_dst;
		ck = (uint16_t)~inet_sum_fold(sum); /* never 0 before ~: hw[0] holds the version */
	}
	hw[2] = ip_w32(w8, ck);
	static_assert(sizeof(hw) == YARD_IPV4_HDR_MIN, "the 20-byte header");
	memcpy(ip_hdr(hp), hw, sizeof(hw));
	l4 = ip_l4_finish(ii, il, hp, YARD_IPV4_HDR_MIN, tot, l4);
	if (unlikely(req.iu_flags & IP_UNITDATA_MLOOP) && ip_is_mcast(req.iu_dst))
		ip_loop_mcast(ii, il, hp, tot, l4);
	ip_finish_mbuf_as(ii, il, hp, YARD_IPV4_HDR_MIN, l4);
	yard_nexthop_set(hp, nh);
	ip_txb_add(ii, tb, il, hp);
	/*
	 * A request the short way may follow: the sender vouches for its payload and names the
	 * protocol. tb's route cache holds iu_dst now (routed above), so the template is for it.
	 * Its L4 request, if any, is the template's too (iu_flags is in tb_key2), when the port
	 * completes it (l4: what ip_l4_finish() left to the port): a request ip must sum itself
	 * goes the long way, whose pass over the data costs more than the short way saves.
	 */
	if ((req.iu_flags & ~(IP_UNITDATA_DF | IP_UNITDATA_L4CK)) == IP_UNITDATA_OWNED &&
	    req.iu_proto != 0 && (l4 != 0 || !(req.iu_flags & IP_UNITDATA_L4CK))) {
		static_assert(offsetof(struct ip_unitdata_req, iu_src) == sizeof(tb->tb_key),
			      "tb_key2 is the request's last 8 bytes");
		uint32_t t0 = ip_w32(ip_w16(0x45, req.iu_tos), 0);
		uint32_t t1 = hw[1] & ip_w32(0, 0xffff); /* DF as asked, the identification not */

		memcpy(&tb->tb_key2, &req.iu_src, sizeof(tb->tb_key2));
		tb->tb_key = ip_unitdata_key(req.iu_dst);
		tb->tb_hw01 = ip_w64(t0, t1);
		tb->tb_hw23 = ip_w64(ip_w32(w8, 0), src);
		tb->tb_psum = (uint64_t)t0 + t1 + ip_w32(w8, 0) + src + req.iu_dst;
		tb->tb_l4 = l4;
	}
	return;
bad:
	IP_INC(ii, drop_bad_unitdata);
	freemsg(mp);
}

/*
 * The usual IP_UNITDATA_REQ of a burst (what udp sends for an echo's reply), taken only when
 * no check of ip_output_unitdata() can fail on it and it needs no call: an M_PROTO to the
 * destination tb's route cache holds (so not 0, and routed: its link is tb_cil) with the last
 * 8 bytes of the request the long way made tb's template for (tb_key2: IP_UNITDATA_OWNED, so
 * the payload is one M_DATA block only it references with room for the IPv4 and Ethernet
 * headers, as its sender proved; a protocol named), a datagram that fits the link (so no
 * longer than YARD_IPV4_MAX_LEN either: il_mtu is 16 bits). Two compares stand for all of
 * that. key, key2: tb's; il: tb_cil. Its datagram's length with the header, or 0 when mp is
 * not that request. With IP_UNITDATA_L4CK in tb_key2 the sender also vouches for the L4
 * header at the payload's start, as for OWNED's promises (the long way checks it; here only
 * the port reads it).
 */
static __rte_always_inline unsigned
ip_unitdata_usual(const mblk_t *mp, uint64_t key, uint64_t key2, const struct ip_link *il)
{
	uint64_t k[2];
	unsigned tot;

	static_assert(sizeof(k) == sizeof(struct ip_unitdata_req), "two words: the request");
	if (unlikely(DB_TYPE(mp) != M_PROTO || MBLKL(mp) < sizeof(k)))
		return 0;
	memcpy(k, mp->b_rptr, sizeof(k));
	if (unlikely(k[0] != key || k[1] != key2))
		return 0;
	tot = (unsigned)MBLKL(mp->b_cont) + YARD_IPV4_HDR_MIN;
	return likely(tot <= il->il_mtu) ? tot : 0;
}

/*
 * The short way: a run of usual requests from mps[0] (at most n), each sent as the template's
 * header with the length, a new identification and the checksum. tb's vectors are made ready
 * once, for the run (the spent request blocks go with the burst's others, one mempool put for
 * all), and the run stops where either would fill, so the loop asks no room of them; the
 * template, the identification and the link's caps are read once, into locals, and so is the
 * template's L4 request (tb_l4: one the port completes). Only collects,
 * never sends (ip_uwput_run() relies on it). Returns the requests taken, 0 when mps[0] is not
 * one (untouched: ip_output_unitdata() takes it).
 */
static unsigned
ip_output_unitdata_run(struct ip_inst *ii, mblk_t **mps, unsigned n, struct ip_txb *tb)
{
	struct ip_link *il = tb->tb_cil; /* read only with a template (tb_key not 0) */
	const uint64_t key = tb->tb_key, key2 = tb->tb_key2;
	uint64_t psum, hw01, hw23, ofl;
	uint32_t dst, nh;
	unsigned tot, room, k = 0;
	mblk_t **fr, **v;
	uint16_t id;
	bool hwck;

	tot = ip_unitdata_usual(mps[0], key, key2, il);
	if (tot == 0)
		return 0;
	/* OWNED: one block, so the L4 header the template's request names is in the IPv4's. */
	ofl = ip_tx_offloads(il, tb->tb_l4);
	psum = tb->tb_psum;
	hw01 = tb->tb_hw01;
	hw23 = tb->tb_hw23;
	dst = tb->tb_dst;
	nh = tb->tb_nh;
	hwck = (il->il_caps & YARD_LINK_CAP_TX_IPV4_CKSUM) != 0;
	if (unlikely(tb->tb_nfree == IP_TXB_MAX)) {
		freemsg_burst(tb->tb_free, tb->tb_nfree);
		tb->tb_nfree = 0;
	}
	if (unlikely(tb->tb_il != il || tb->tb_n == IP_TXB_MAX))
		ip_txb_flush(ii, tb);
	tb->tb_il = il;
	room = RTE_MIN(n, RTE_MIN(IP_TXB_MAX - tb->tb_n, IP_TXB_MAX - tb->tb_nfree));
	fr = tb->tb_free + tb->tb_nfree;
	v = tb->tb_v + tb->tb_n;
	id = ii->ii_ipid;
	do {
		mblk_t *mp = mps[k], *payload = mp->b_cont;
		uint16_t tot_be = inet_be16((uint16_t)tot), id_be = inet_be16(id++), ck = 0;
		uint64_t hw[2];
		unsigned char *h;

		mp->b_cont = NULL;
		fr[k] = mp;
		payload->b_rptr -= YARD_IPV4_HDR_MIN;
		h = payload->b_rptr;
		/*
		 * The header as two 64-bit words and the destination: the template's words with
		 * the length, the identification and the checksum or'ed in. The sum adds the two
		 * new 16-bit words to the template's: wherever a word sits in the header, 2^16 is
		 * 1 modulo 0xffff (RFC 1071 section 2(B)), and the template's version keeps the
		 * sum from 0, so the checksum is the one ip_hdr_cksum_vals() would give.
		 */
		if (!hwck)
			ck = (uint16_t)~inet_sum_fold(psum + tot_be + id_be);
		hw[0] = hw01 | ip_w64(ip_w32(0, tot_be), ip_w32(id_be, 0));
		hw[1] = hw23 | ip_w64(ip_w32(0, ck), 0);
		ip_finish_mbuf_ofl(payload, YARD_IPV4_HDR_MIN, ofl);
		/* OWNED: one block only it references, room for the Ethernet header left (mblk.h). */
		payload->b_yflags |= YB_LINKROOM;
		static_assert(sizeof(hw) + sizeof(dst) == YARD_IPV4_HDR_MIN, "the 20-byte header");
		memcpy(h, hw, sizeof(hw));
		memcpy(h + sizeof(hw), &dst, sizeof(dst));
		yard_nexthop_set(payload, nh);
		v[k] = payload;
	} while (++k < room && (tot = ip_unitdata_usual(mps[k], key, key2, il)) != 0);
	ii->ii_ipid = id;
	tb->tb_n += k;
	tb->tb_nfree += k;
	tb->tb_nfast += k;
	if (hwck)
		IP_ADD_N(ii, tx_cksum_hw, k);
	if (tb->tb_l4 != 0)
		IP_ADD_N(ii, tx_l4_cksum_hw, k);
	return k;
}

/*
 * IP_ICMP_ERR_REQ (M_CTL): a transport asks for an ICMP error about a datagram ip delivered to
 * it (b_cont, b_rptr at its IPv4 header). icmp_error() applies RFC 1122 3.2.2 and the rate
 * limit; here only the request and the quoted header are checked, so icmp_error() never reads
 * a byte that is not there. Consumes mp.
 */
static void
ip_icmp_err_req(struct ip_inst *ii, mblk_t *mp)
{
	struct ip_icmp_err_req req;
	mblk_t *dp = mp->b_cont;
	const struct rte_ipv4_hdr *ip;
	size_t len;
	unsigned hlen;
	bool ok;

	if (MBLKL(mp) < sizeof(req) || dp == NULL || DB_TYPE(dp) != M_DATA)
		goto bad;
	memcpy(&req, mp->b_rptr, sizeof(req));
	switch (req.ie_type) {
	case YARD_ICMP_DEST_UNREACH:
		ok = req.ie_code <= YARD_ICMP_UNREACH_MAX;
		break;
	case YARD_ICMP_SOURCE_QUENCH:
		ok = req.ie_code == 0;
		break;
	case YARD_ICMP_TIME_EXCEEDED:
		ok = req.ie_code <= YARD_ICMP_TIMXCEED_REASS;
		break;
	case YARD_ICMP_PARAM_PROBLEM:
		ok = req.ie_code <= 2;
		break;
	default:
		ok = false;
		break;
	}
	len = msgdsize(dp);
	if (!ok || len < YARD_IPV4_HDR_MIN)
		goto bad;
	if (MBLKL(dp) < YARD_IPV4_HDR_MIN && !pullupmsg(dp, YARD_IPV4_HDR_MIN))
		goto bad;
	ip = ip_hdr(dp);
	hlen = ip_hlen(ip);
	if ((ip->version_ihl >> 4) != 4 || hlen < YARD_IPV4_HDR_MIN || hlen > len)
		goto bad;
	if (MBLKL(dp) < hlen && !pullupmsg(dp, (ssize_t)hlen))
		goto bad;
	ip = ip_hdr(dp);
	ICMP_INC(ii, err_requests);
	icmp_error(ii, dp, req.ie_type, req.ie_code, !ip_is_ours(ii, ip->dst_addr));
	freemsg(mp);
	return;
bad:
	IP_INC(ii, drop_bad_unitdata);
	freemsg(mp);
}

/* Held back until its link drains: queued as ip_uwput_hold() queues it. */
static inline bool
ip_held_type(const mblk_t *mp)
{
	return DB_TYPE(mp) == M_PROTO || DB_TYPE(mp) == M_DATA || DB_TYPE(mp) == M_CTL;
}

/* One message onto the held stream's queue: at the tail, or back at the head. */
static void
ip_hold_one(queue_t *q, struct ip_inst *ii, mblk_t *mp, bool head)
{
	if (likely(head ? putbq(q, mp) : putq(q, mp))) {
		IP_INC(ii, tx_held_msgs);
		return;
	}
	IP_INC(ii, drop_tx_nomem); /* only a band's allocation can fail */
	freemsg(mp);
}

/*
 * While its stream is held back (or something it sent earlier still waits) what a transport
 * sends queues on its write queue in order; M_FLUSH and M_IOCTL are answered at once, as a
 * driver does.
 */
static void
ip_uwput_hold(queue_t *q, struct ip_inst *ii, mblk_t **mps, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		if (ip_held_type(mps[i])) {
			ip_hold_one(q, ii, mps[i], false);
		} else {
			ip_uwput_other(q, mps[i]);
		}
	}
}

/*
 * The stream was held back part way through a burst (a datagram the long way, or a fragmented
 * one, filled its link's queue): the rest of the burst goes back at the head of the queue, in
 * order, before anything sent since. Its flushes and ioctls are answered now, in order; a
 * write-side flush among them discards the rest's data before it, as it would have.
 */
static __rte_noinline void
ip_uwput_hold_rest(queue_t *q, struct ip_inst *ii, mblk_t **mps, unsigned n)
{
	unsigned k = 0;

	for (unsigned i = 0; i < n; i++) {
		mblk_t *mp = mps[i];

		if (ip_held_type(mp)) {
			mps[k++] = mp;
			continue;
		}
		if (DB_TYPE(mp) == M_FLUSH && MBLKL(mp) >= 1 && (*mp->b_rptr & FLUSHW)) {
			while (k > 0)
				freemsg(mps[--k]);
		}
		ip_uwput_other(q, mp);
	}
	while (k > 0)
		ip_hold_one(q, ii, mps[--k], true);
}

/*
 * A transport's burst: the datagrams are routed with a one-entry cache and collected per link
 * (struct ip_txb), so a burst of replies to one peer reaches arp as one putnext_burst(). Any
 * other message first sends what was collected, so the order on each link is kept. The short
 * way (ip_output_unitdata_run) only collects, so only the long ways can find the link full
 * in the middle of a burst; they check, and what is left of the burst waits.
 */
static void
ip_uwput_run(queue_t *q, struct ip_upper *up, struct ip_inst *ii, mblk_t **mps, unsigned n)
{
	struct ip_upper *outer = ii->ii_tx_up; /* a loop-back driver may bring us back in */
	struct ip_txb tb;

	ii->ii_tx_up = up;
	tb.tb_il = NULL;
	tb.tb_n = 0;
	tb.tb_dst = 0;
	tb.tb_key = 0;
	tb.tb_cached = 0;
	tb.tb_dgrams = 0;
	tb.tb_nfree = 0;
	tb.tb_nfast = 0;
	tb.tb_key2 = 0; /* unread while tb_key is 0, but never indeterminate */
	tb.tb_l4 = 0;
	tb.tb_ttl = (uint8_t)ii->ii_param.ip_default_ttl;
	for (unsigned i = 0; i < n; i++) {
		mblk_t *mp = mps[i];

		if (likely(DB_TYPE(mp) == M_PROTO)) {
			unsigned k = ip_output_unitdata_run(ii, mps + i, n - i, &tb);

			if (k != 0) {
				i += k - 1;
				continue;
			}
			ip_output_unitdata(ii, up, mp, &tb);
		} else if (DB_TYPE(mp) == M_DATA) {
			ip_output_raw(ii, mp, &tb);
		} else {
			ip_txb_flush(ii, &tb);
			if (DB_TYPE(mp) == M_CTL && MBLKL(mp) >= sizeof(uint32_t) &&
			    *(const uint32_t *)mp->b_rptr == IP_ICMP_ERR_REQ)
				ip_icmp_err_req(ii, mp);
			else
				ip_uwput_other(q, mp);
			/* An ioctl in the burst may change the routes or the default TTL. */
			tb.tb_dst = 0;
			tb.tb_key = 0;
			tb.tb_ttl = (uint8_t)ii->ii_param.ip_default_ttl;
		}
		if (unlikely(up->iu_waiting != NULL) && i + 1 < n) {
			ip_uwput_hold_rest(q, ii, mps + i + 1, n - i - 1);
			break;
		}
	}
	if (tb.tb_n != 0)
		ip_txb_flush(ii, &tb);
	if (tb.tb_nfree != 0)
		freemsg_burst(tb.tb_free, tb.tb_nfree);
	IP_ADD_N(ii, tx_route_cached, tb.tb_cached + tb.tb_nfast);
	IP_ADD_N(ii, tx_datagrams, tb.tb_dgrams + tb.tb_nfast);
	ii->ii_tx_up = outer;
}

void
ip_uwput_burst(queue_t *q, mblk_t **mps, unsigned n)
{
	struct ip_upper *up = q->q_ptr;
	/* iu_inst goes NULL only when the control stream closes, never during this procedure. */
	struct ip_inst *ii = up != NULL ? up->iu_inst : NULL;

	if (unlikely(ii == NULL)) {
		/* Orphaned by the control stream's close: data goes, the rest as usual. */
		for (unsigned i = 0; i < n; i++) {
			if (DB_TYPE(mps[i]) == M_DATA || DB_TYPE(mps[i]) == M_PROTO)
				freemsg(mps[i]);
			else
				ip_uwput_other(q, mps[i]);
		}
		return;
	}
	if (unlikely(up->iu_waiting != NULL || q->q_first != NULL)) {
		ip_uwput_hold(q, ii, mps, n);
		return;
	}
	ip_uwput_run(q, up, ii, mps, n);
}

int
ip_uwsrv(queue_t *q)
{
	struct ip_upper *up = q->q_ptr;
	mblk_t *v[IP_TXB_MAX];
	unsigned n;

	if (up == NULL || up->iu_inst == NULL) {
		flushq(q, FLUSHALL); /* orphaned: nothing can send it any more */
		return 0;
	}
	while (up->iu_waiting == NULL && (n = getq_burst(q, v, RTE_DIM(v))) != 0)
		ip_uwput_run(q, up, up->iu_inst, v, n);
	return 0;
}

int
ip_uwput(queue_t *q, mblk_t *mp)
{
	ip_uwput_burst(q, &mp, 1);
	return 0;
}
