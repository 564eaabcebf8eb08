/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ip input: the lower read side. Bursts of IPv4 packets from the links (arp has removed the
 * Ethernet header) are validated, reassembled when fragmented, and delivered locally.
 *
 * Principles of operation
 * -----------------------
 * Validation follows RFC 791 section 3.1 and RFC 1122 section 3.2.1, in an order that never
 * reads a byte it has not proved present: length >= 20, version 4, IHL >= 5 and within the
 * packet, the header pulled up into the first block, total length >= IHL*4 and <= the bytes
 * received (Ethernet padding past it is trimmed with adjmsg), the header checksum (the port's
 * verdict when the link's caps say it verifies, RFC 1071 otherwise), TTL not 0, options well
 * formed (each is skipped, none is acted on), the source a possible host (RFC 1122 3.2.1.3:
 * not broadcast, multicast, loopback, class E, zero or our own), the destination ours or a
 * broadcast of the arriving link's subnet. Each failure is a `goto drop` with its own counter.
 * There is no forwarding: a packet for another host is dropped (drop_not_for_us).
 *
 * The usual datagram (one block whose first byte is 0x45) proves the first four steps at
 * once and is checked further with its header length a constant; only other ones take the
 * ladder (ip_input_hdr). What cannot change within a burst is read once per burst: whether the
 * link has an address, whether its port gives a checksum verdict; rx_packets is added once
 * per burst. The last source found good is not tested again for the next datagram from it
 * until a message leaves ip (struct ip_rxb).
 *
 * The usual datagram goes up marked YB_IPDGRAM (streams/mblk.h): its 20-byte header, one block
 * of exactly its total length, not a fragment, all proved here, so the transport does not
 * derive them again; every other M_DATA ip passes up (the ladder's, reassembly's) goes
 * without the bit, whatever it carried before.
 *
 * A burst is delivered as bursts: datagrams for the same upper stream that follow each other
 * are passed on with one putnext_burst(), compacted in place in the caller's vector, and
 * flow control is asked once per run (a full upper stream drops the run, counted).
 */
#include <protocols/inet_cksum.h>

#include "ip_priv.h"

/* Options are well formed (RFC 791 3.1): each is type, length >= 2 within the header. */
static bool
ip_options_ok(const uint8_t *p, unsigned len)
{
	unsigned i = 0;

	while (i < len) {
		uint8_t type = p[i];
		unsigned olen;

		if (type == YARD_IPOPT_EOL)
			return true; /* the rest is padding */
		if (type == YARD_IPOPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= len)
			return false;
		olen = p[i + 1];
		if (olen < YARD_IPOPT_MINLEN || i + olen > len)
			return false;
		i += olen;
	}
	return true;
}

/*
 * RFC 1122 3.2.1.3: addresses no host may send from. The classes are told by the first octet
 * on the wire (no byte swap): 127 is loopback, 224 and up multicast, class E and the limited
 * broadcast. Our own addresses include the arriving link's (ii_addrs holds every link with an
 * address, and only such a link gets here).
 */
static inline bool
ip_src_bad(const struct ip_inst *ii, const struct ip_link *il, uint32_t src)
{
	uint8_t net = *(const uint8_t *)&src;

	if (src == 0 || net >= 224 || net == 127)
		return true;
	if (src == il->il_sbcast)
		return true;
	return ip_is_ours(ii, src);
}

/*
 * ip_deliver_q() for what is not a transport's with an upper stream bound: ICMP and IGMP,
 * ip's own, and a protocol no one bound (protocol unreachable, RFC 1122 3.2.2.1: suppressed
 * for broadcasts, rate limited). Out of line, so that the usual datagram's way stays short.
 */
static __rte_noinline queue_t *
ip_deliver_other(struct ip_inst *ii, struct ip_link *il, mblk_t *mp, bool bcast)
{
	const struct rte_ipv4_hdr *ip = ip_hdr(mp);
	queue_t *rq;

	switch (ip->next_proto_id) {
	case IPPROTO_ICMP:
		IP_INC(ii, rx_delivered);
		icmp_input(ii, mp, bcast);
		return NULL;
	case IPPROTO_IGMP:
		IP_INC(ii, rx_delivered);
		igmp_input(ii, il, mp);
		return NULL;
	default:
		break;
	}
	rq = ii->ii_proto[ip->next_proto_id];
	if (rq != NULL)
		return rq; /* protocol 0 (HOPOPT), bound */
	IP_INC(ii, drop_proto_unreach);
	icmp_error(ii, mp, YARD_ICMP_DEST_UNREACH, YARD_ICMP_UNREACH_PROTOCOL, bcast);
	freemsg(mp);
	return NULL;
}

/*
 * Where a whole datagram goes: the upper read queue to putnext it to, or NULL if consumed.
 * il: the link it arrived on (NULL: reassembled); bcast: it was sent to a broadcast or
 * multicast address, not to one of ours.
 */
static inline queue_t *
ip_deliver_q(struct ip_inst *ii, struct ip_link *il, mblk_t *mp, bool bcast)
{
	const struct rte_ipv4_hdr *ip = ip_hdr(mp);
	queue_t *rq;

	/* ICMP (1) and IGMP (2) are ip's own even when bound: one compare keeps them apart. */
	if (unlikely(ip->next_proto_id <= IPPROTO_IGMP))
		return ip_deliver_other(ii, il, mp, bcast);
	rq = ii->ii_proto[ip->next_proto_id];
	if (likely(rq != NULL))
		return rq; /* counted delivered once the upper stream takes it */
	return ip_deliver_other(ii, il, mp, bcast);
}

void
ip_deliver(struct ip_inst *ii, mblk_t *mp, bool bcast)
{
	queue_t *rq;

	(void)bcast; /* recomputed from the destination: reassembly does not keep it */
	rq = ip_deliver_q(ii, NULL, mp, !ip_is_ours(ii, ip_hdr(mp)->dst_addr));
	if (rq == NULL)
		return;
	mp->b_yflags &= ~YB_IPDGRAM; /* a reassembled datagram: not what the bit says */
	if (!canputnext(rq)) {
		IP_INC(ii, drop_upper_flow);
		freemsg(mp);
		return;
	}
	IP_INC(ii, rx_delivered);
	putnext(rq, mp);
}

/*
 * RFC 1071: a received header is intact when its one's complement sum is -0 (0xffff once
 * folded). The unfolded 64-bit sum has the residue modulo 0xffff of the sum of the header's
 * 16-bit words: its end-around carry works modulo 2^64 - 1, a multiple of 0xffff, and each
 * word's place value 2^(16k) is 1 modulo 0xffff. So the header is intact when that sum is a
 * multiple of 0xffff: a multiply and a compare instead of four folds. The sum is never +0
 * (which would pass too): the version byte is not zero.
 */
static inline bool
ip_hdr_sum_ok(const struct rte_ipv4_hdr *ip, unsigned hlen)
{
	uint64_t acc = likely(hlen == YARD_IPV4_HDR_MIN) ?
		       inet_sum_partial(ip, YARD_IPV4_HDR_MIN, 0) : inet_sum_partial(ip, hlen, 0);

	return acc % 0xffff == 0;
}

/*
 * The header checks of a datagram that is not one block starting with 0x45: every step of
 * the ladder proves what the next one reads. Returns the header's length, the header pulled
 * up into the first block, or 0 when mp is to be dropped (counted here).
 */
static unsigned
ip_input_hdr(struct ip_inst *ii, mblk_t *mp, size_t len)
{
	const struct rte_ipv4_hdr *ip;
	unsigned hlen;

	if (len < YARD_IPV4_HDR_MIN) {
		IP_INC(ii, drop_too_short);
		return 0;
	}
	if (MBLKL(mp) < YARD_IPV4_HDR_MIN && !pullupmsg(mp, YARD_IPV4_HDR_MIN)) {
		IP_INC(ii, drop_rx_nomem);
		return 0;
	}
	ip = ip_hdr(mp);
	if ((ip->version_ihl >> 4) != 4) {
		IP_INC(ii, drop_bad_version);
		return 0;
	}
	hlen = ip_hlen(ip);
	if (hlen < YARD_IPV4_HDR_MIN || hlen > len) {
		IP_INC(ii, drop_bad_ihl);
		return 0;
	}
	if (MBLKL(mp) < hlen && !pullupmsg(mp, (ssize_t)hlen)) {
		IP_INC(ii, drop_rx_nomem);
		return 0;
	}
	return hlen;
}

/*
 * What ip_lrput_burst() keeps across the packets of a burst. A burst's datagrams nearly all
 * come from one peer, so the last source that passed ip_src_bad() is kept and the next
 * datagram from it skips the test; so is the last multicast group found joined with no source
 * filter (a feed's burst is to one group), and for a group that filters sources the last
 * (source, group) it let in (a feed has one source). The verdicts depend on the instance's
 * addresses, the link's broadcast address and its groups only; those change through ip's own
 * put procedures (ioctls) and a transport's joins, which cannot run while ip's loop does, but
 * could once a message has left ip (what runs above or below may send one), so the burst
 * forgets them whenever a message leaves (ip_rxb_forget).
 */
struct ip_rxb {
	bool rb_hw_cksum;        /* the link's port gives a checksum verdict (from il_caps) */
	uint64_t rb_src_ok;      /* a source that passed ip_src_bad(), or IP_RXB_NONE */
	uint32_t rb_mcast_ok;    /* a group the link has joined, or 0 (never a group) */
	uint64_t rb_mcast_pair;  /* (source << 32 | group) a filtering group takes, or 0 */
};

/* No address: wider than any, so no datagram's source (not even a bad one) matches it. */
#define IP_RXB_NONE (UINT64_C(1) << 32)

static inline void
ip_rxb_forget(struct ip_rxb *rb)
{
	rb->rb_src_ok = IP_RXB_NONE;
	rb->rb_mcast_ok = 0;
	rb->rb_mcast_pair = 0;
}

/*
 * The checks after the header's own, for a packet of len bytes whose hlen-byte header is in
 * its first block. Returns the upper queue to deliver it to (mp then stays the caller's), or
 * NULL when it was consumed: dropped, answered, or taken by reassembly (the caller then
 * forgets rb's verdicts: consuming may have sent a message up or down). Inlined twice (always:
 * the compiler would rather call it): with the usual header's constant length, where the
 * tests of hlen fold away, and for every other packet.
 */
static __rte_always_inline queue_t *
ip_input_rest(struct ip_inst *ii, struct ip_link *il, mblk_t *mp, size_t len, unsigned hlen,
	      struct ip_rxb *rb)
{
	struct rte_ipv4_hdr *ip = ip_hdr(mp);
	unsigned tot;
	bool bcast = false;

	tot = rte_be_to_cpu_16(ip->total_length);
	/*
	 * Exactly what arrived is the usual: one compare proves both bounds. Link-layer padding
	 * (tot < len) is trimmed here, with the compare that found it, rather than after the
	 * checksum's verdict: the checksum covers the header alone, and a datagram it condemns
	 * is dropped whole either way.
	 */
	if (unlikely(tot != len)) {
		if (tot < hlen || tot > len) {
			IP_INC(ii, drop_bad_len);
			goto drop;
		}
		(void)adjmsg(mp, -(ssize_t)(len - tot));
	}
	/* The port's verdict (RTE_MBUF_F_RX_IP_CKSUM_*) where it gives one, else RFC 1071. */
	if (rb->rb_hw_cksum) {
		uint64_t v = yard_mblk_mbuf(mp)->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;

		if (v == RTE_MBUF_F_RX_IP_CKSUM_GOOD) {
			IP_INC(ii, rx_cksum_hw);
			goto cksum_ok;
		}
		if (v == RTE_MBUF_F_RX_IP_CKSUM_BAD) {
			IP_INC(ii, drop_bad_cksum);
			goto drop;
		}
	}
	if (unlikely(!ip_hdr_sum_ok(ip, hlen))) {
		IP_INC(ii, drop_bad_cksum);
		goto drop;
	}
cksum_ok:
	if (unlikely(ip->time_to_live == 0)) {
		IP_INC(ii, drop_ttl_zero);
		goto drop;
	}
	if (unlikely(hlen > YARD_IPV4_HDR_MIN) &&
	    !ip_options_ok((const uint8_t *)(ip + 1), hlen - YARD_IPV4_HDR_MIN)) {
		IP_INC(ii, drop_bad_options);
		goto drop;
	}
	if (unlikely(ip->src_addr != rb->rb_src_ok)) {
		if (unlikely(ip_src_bad(ii, il, ip->src_addr))) {
			IP_INC(ii, drop_bad_src);
			goto drop;
		}
		rb->rb_src_ok = ip->src_addr;
	}
	if (likely(ip->dst_addr == il->il_addr)) {
		/* ours */
	} else if (ip_is_mcast(ip->dst_addr)) {
		/* A group the link joined; no ICMP error is ever sent about it (bcast). */
		uint64_t pair = (uint64_t)ip->src_addr << 32 | ip->dst_addr;

		if (ip->dst_addr != rb->rb_mcast_ok && pair != rb->rb_mcast_pair) {
			enum ip_mcast_verdict v = ip_mcast_accept(il, ip->dst_addr, ip->src_addr);

			if (v < IP_MCAST_ANY_SOURCE) {
				/*
				 * IGMP to a group is igmp's whatever the filter says (RFC
				 * 3376 filters data): a query about a group a sibling lcore
				 * joined, to tell it, or from a router the group's INCLUDE
				 * list does not name. Taken, and not kept for the burst.
				 */
				if (ip->next_proto_id != IPPROTO_IGMP) {
					if (v == IP_MCAST_NOT_JOINED)
						IP_INC(ii, drop_mcast_not_joined);
					else
						IP_INC(ii, drop_mcast_filtered);
					goto drop;
				}
			} else if (v == IP_MCAST_ANY_SOURCE) {
				/* The burst's next datagram to the group is taken unasked if
				 * any source's would be, else if it comes from the same source
				 * (a feed). */
				rb->rb_mcast_ok = ip->dst_addr;
			} else {
				rb->rb_mcast_pair = pair;
			}
		}
		IP_INC(ii, rx_mcast);
		bcast = true;
	} else if (ip_is_ours(ii, ip->dst_addr)) {
		/* ours, on another link */
	} else if (ip->dst_addr == UINT32_MAX || ip->dst_addr == il->il_sbcast) {
		IP_INC(ii, rx_bcast);
		bcast = true;
	} else {
		IP_INC(ii, drop_not_for_us);
		goto drop;
	}
	if (unlikely(ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK))) {
		ip_reass_input(ii, mp, true);
		return NULL;
	}
	return ip_deliver_q(ii, il, mp, bcast);
drop:
	freemsg(mp);
	return NULL;
}

/* ip_input_one() for a packet that is not one block starting with 0x45: the ladder first. */
static __rte_noinline queue_t *
ip_input_other(struct ip_inst *ii, struct ip_link *il, mblk_t *mp, struct ip_rxb *rb)
{
	/* len stays right: pullupmsg() moves bytes, never drops any */
	size_t len = msgdsize(mp);
	unsigned hlen = ip_input_hdr(ii, mp, len);

	queue_t *rq;

	if (hlen == 0) {
		freemsg(mp);
		return NULL;
	}
	rq = ip_input_rest(ii, il, mp, len, hlen, rb);
	if (rq != NULL)
		mp->b_yflags &= ~YB_IPDGRAM; /* proved less than the bit says (mblk.h) */
	return rq;
}

/* Validate one packet: what ip_input_rest() returns. */
static inline queue_t *
ip_input_one(struct ip_inst *ii, struct ip_link *il, mblk_t *mp, struct ip_rxb *rb)
{
	size_t len = MBLKL(mp);
	queue_t *rq;

	/*
	 * The usual datagram is one block starting with 0x45: its length proves the 20 bytes
	 * there, and that byte proves version 4 and no options. Anything else takes the ladder.
	 */
	if (unlikely(mp->b_cont != NULL || len < YARD_IPV4_HDR_MIN ||
		     ip_hdr(mp)->version_ihl != 0x45))
		return ip_input_other(ii, il, mp, rb);
	rq = ip_input_rest(ii, il, mp, len, YARD_IPV4_HDR_MIN, rb);
	/* What this way proved, handed to the transport so it need not prove it again. */
	if (likely(rq != NULL))
		mp->b_yflags |= YB_IPDGRAM;
	return rq;
}

static void
ip_deliver_run(struct ip_inst *ii, queue_t *rq, mblk_t **mps, unsigned k)
{
	if (unlikely(!canputnext(rq))) {
		IP_ADD_N(ii, drop_upper_flow, k);
		freemsg_burst(mps, k);
		return;
	}
	IP_ADD_N(ii, rx_delivered, k);
	putnext_burst(rq, mps, k);
}

/* Lower read side, anything but M_DATA: the mux stands where the lower stream head was. */
static void
ip_lrput_other(queue_t *q, struct ip_link *il, mblk_t *mp)
{
	if (DB_TYPE(mp) == M_FLUSH) {
		if (*mp->b_rptr & FLUSHR)
			flushq(q, FLUSHDATA);
		if (*mp->b_rptr & FLUSHW) {
			*mp->b_rptr &= (unsigned char)~FLUSHR;
			flushq(WR(q), FLUSHDATA);
			qreply(q, mp);
			return;
		}
		freemsg(mp);
		return;
	}
	/* DLPI indications, stray ioctl answers: nothing ip asked for. */
	if (il != NULL)
		IP_INC(il->il_inst, drop_bad_msg);
	freemsg(mp);
}

/* A burst on a link that has no address (IP_IFADD not done or undone): no datagram is ours. */
static __rte_noinline void
ip_lrput_noif(queue_t *q, struct ip_link *il, mblk_t **mps, unsigned n)
{
	struct ip_inst *ii = il->il_inst;

	for (unsigned i = 0; i < n; i++) {
		if (DB_TYPE(mps[i]) != M_DATA) {
			ip_lrput_other(q, il, mps[i]);
			continue;
		}
		IP_INC(ii, rx_packets);
		IP_INC(ii, drop_no_if);
		freemsg(mps[i]);
	}
}

void
ip_lrput_burst(queue_t *q, mblk_t **mps, unsigned n)
{
	struct ip_link *il = q->q_ptr;
	struct ip_inst *ii;
	queue_t *run_q = NULL;
	unsigned k = 0, nother = 0;
	struct ip_rxb rb;

	if (unlikely(il == NULL || il->il_inst == NULL)) {
		/* Racing an unlink: the link is gone. */
		for (unsigned i = 0; i < n; i++) {
			if (DB_TYPE(mps[i]) != M_DATA)
				ip_lrput_other(q, NULL, mps[i]);
			else
				freemsg(mps[i]);
		}
		return;
	}
	if (unlikely(!il->il_has_if)) {
		ip_lrput_noif(q, il, mps, n);
		return;
	}
	/* Nothing in the loop changes the link: its caps are read once per burst. */
	ii = il->il_inst;
	rb.rb_hw_cksum = (il->il_caps & YARD_LINK_CAP_RX_IPV4_CKSUM) != 0;
	ip_rxb_forget(&rb);
	for (unsigned i = 0; i < n; i++) {
		mblk_t *mp = mps[i];
		queue_t *rq;

		if (unlikely(DB_TYPE(mp) != M_DATA)) {
			if (k != 0) {
				ip_deliver_run(ii, run_q, mps, k);
				k = 0;
			}
			ip_rxb_forget(&rb);
			ip_lrput_other(q, il, mp);
			nother++;
			continue;
		}
		rq = ip_input_one(ii, il, mp, &rb);
		if (rq == NULL) {
			ip_rxb_forget(&rb);
			continue;
		}
		/* A new run: the one before goes up (none is before the first). */
		if (unlikely(rq != run_q)) {
			if (k != 0) {
				ip_deliver_run(ii, run_q, mps, k);
				ip_rxb_forget(&rb);
				k = 0;
			}
			run_q = rq;
		}
		mps[k++] = mp;
	}
	if (k != 0)
		ip_deliver_run(ii, run_q, mps, k);
	IP_ADD_N(ii, rx_packets, n - nother);
}

int
ip_lrput(queue_t *q, mblk_t *mp)
{
	ip_lrput_burst(q, &mp, 1);
	return 0;
}

mblk_t *
ip_own_head(mblk_t *mp)
{
	mblk_t *nmp;

	if (DB_REF(mp) == 1)
		return mp;
	nmp = copyb(mp);
	if (nmp == NULL)
		return NULL;
	nmp->b_cont = mp->b_cont;
	mp->b_cont = NULL;
	freeb(mp);
	return nmp;
}
