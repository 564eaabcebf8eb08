/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * udp input: the lower read side. Datagrams from ip are validated (RFC 768, RFC 1122 4.1.3),
 * matched to an endpoint and sent up as T_UNITDATA_IND without copying their data; ICMP
 * errors about datagrams we sent become T_UDERROR_IND.
 *
 * Principles of operation
 * -----------------------
 * ip delivers each datagram whole (reassembled if it came in fragments), validated up to the
 * IPv4 header, with b_rptr at that header and its IHL*4 bytes in the first block; udp relies
 * on that and does not check the IPv4 header again. The usual datagram comes marked
 * YB_IPDGRAM (streams/mblk.h: a 20-byte header, one block of exactly the datagram), and udp
 * then takes those as given instead of deriving them (udp_input_one's `proved` way). udp
 * checks the rest, never reading a byte it has not proved present: the IP payload holds a UDP
 * header; the UDP length is at least 8 and at most the payload (a shorter one is honoured and
 * the excess trimmed, RFC 1122 4.1.3.4 leaves that to the host); the checksum, unless zero
 * (RFC 768: none was computed), is verified over the pseudo-header and every block of the
 * datagram (64-bit sums, protocols/inet_cksum.h; a payload under 32 bytes in one block, the
 * usual small datagram, in a few straight-line adds, udp_sum_short). Each failure is a
 * `goto drop` with its own counter.
 *
 * The endpoint is the one bound to the destination address and port, else the one bound to
 * the port with the wildcard address. With none, RFC 1122 4.1.3.1 asks for ICMP port
 * unreachable: udp gives the datagram back to ip inside an IP_ICMP_ERR_REQ M_CTL (ip quotes it,
 * applies the RFC 1122 3.2.2 suppression rules and its rate limit) unless it was sent to a
 * broadcast or multicast address.
 *
 * Zero copy: the T_UNITDATA_IND is a small new block (the primitive and the source address)
 * whose b_cont is the received message with b_rptr moved past the IP and UDP headers. The
 * burst's blocks come from the control pool in one yard_allocb_ctl_bulk() (struct udp_inds),
 * taken when the first datagram is delivered; what a burst did not use (drops) goes back with
 * one freemsg_burst(). When the pool cannot give a whole batch, each datagram falls back to
 * allocb() and, failing that, is dropped (drop_rx_nomem). The indication itself is the
 * template's primitive and an address built from values: the common layout, so it goes up
 * marked YB_TUDATA (streams/mblk.h), which lets the XTI library skip checking it. Over a
 * datagram ip marked (one block) it also goes up marked YB_MSGSIZE with the message's bytes in
 * its dblk, so the stream head queues it without walking its blocks.
 *
 * Bursts: the counters of the usual outcomes (rx_datagrams, rx_cksum_sw) are kept in the
 * burst's locals and added once at its end (struct udp_rxc); drops are counted where they
 * happen. The endpoint last found is kept for the burst's next datagram to the same address
 * and port, until a message leaves udp (struct udp_rxc). Datagrams for the same endpoint that
 * follow each other in a burst go up with one putnext_burst(), after one canputnext(): a full
 * stream head drops the run, counted drop_rcvbuf_full (UDP has no flow control of its own).
 *
 * T_IP_PKTINFO: an endpoint with it is found by a lookup for each of its datagrams (never kept
 * as the burst's endpoint), and its indications are built out of line with the option
 * (udp_input_pktinfo); the test of the option sits in the lookup, so the usual datagram, whose
 * endpoint the burst keeps, never makes it.
 */
#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "udp_priv.h"

/* The endpoint for (daddr, port): bound to daddr, else to the wildcard; NULL if none. */
static inline struct udp_ep *
udp_lookup(const struct udp_inst *ui, uint32_t daddr, uint16_t port)
{
	struct udp_ep *wild = NULL;

	for (struct udp_ep *ep = ui->ui_ports[port]; ep != NULL; ep = ep->ue_pnext) {
		if (ep->ue_laddr == daddr)
			return ep;
		if (ep->ue_laddr == 0)
			wild = ep;
	}
	return wild;
}

/* RFC 1122 4.1.3.1: no one listens: ask ip for a port unreachable about mp (consumed). */
static void
udp_port_unreach(struct udp_inst *ui, mblk_t *mp)
{
	struct ip_icmp_err_req *req;
	mblk_t *ctl;

	if (ui->ui_lower == NULL || ui->ui_lower_hup) {
		freemsg(mp);
		return;
	}
	ctl = allocb(sizeof(*req), BPRI_MED);
	if (ctl == NULL) {
		freemsg(mp);
		return; /* counted drop_no_port already; the ICMP is a courtesy */
	}
	DB_TYPE(ctl) = M_CTL;
	req = (struct ip_icmp_err_req *)ctl->b_wptr;
	req->ie_prim = IP_ICMP_ERR_REQ;
	req->ie_type = 3; /* destination unreachable (RFC 792) */
	req->ie_code = 3; /* port unreachable */
	req->ie_pad = 0;
	ctl->b_wptr += sizeof(*req);
	ctl->b_cont = mp;
	UDP_INC(ui, tx_port_unreach);
	putnext(ui->ui_lower, ctl);
}

/* A T_UNITDATA_IND as udp sends it up: the primitive, then the source address. */
struct udp_ind {
	struct T_unitdata_ind in_tui;
	struct sockaddr_in in_src;
};

static_assert(offsetof(struct udp_ind, in_src) == sizeof(struct T_unitdata_ind),
	      "the source address follows the primitive (SRC_offset)");

/* Every T_UNITDATA_IND udp sends, but for the source's port and address. */
static const struct udp_ind udp_ind_tmpl = {
	.in_tui = {
		.PRIM_type = T_UNITDATA_IND,
		.SRC_length = (t_scalar_t)sizeof(struct sockaddr_in),
		.SRC_offset = (t_scalar_t)sizeof(struct T_unitdata_ind),
		.OPT_length = 0,
		.OPT_offset = 0,
	},
	.in_src = { .sin_family = AF_INET },
};

/*
 * Indication blocks taken for a burst, handed out one per delivered datagram. Each comes
 * M_PROTO, UDP_IND_SIZE bytes long and marked YB_TUDATA (the common layout, which
 * udp_input_one() then writes: the XTI library may skip its check of it) and YB_MSGSIZE (whose
 * size udp_input_one() writes, or takes the mark off), so that only its bytes are left to
 * write.
 */
#define UDP_IND_BATCH 32
#define UDP_IND_SIZE sizeof(struct udp_ind)

struct udp_inds {
	unsigned n;           /* left in v */
	bool failed;          /* the pool could not give a batch: allocb() one by one */
	mblk_t *v[UDP_IND_BATCH];
};

/*
 * The pool could not be asked yet, or the batch is used up: take a batch for the `want`
 * datagrams left (at most UDP_IND_BATCH) and hand out one, else allocb() one by one.
 */
static __rte_noinline mblk_t *
udp_inds_refill(struct udp_inds *c, unsigned want)
{
	mblk_t *ind;

	if (!c->failed) {
		want = RTE_MIN(want, (unsigned)UDP_IND_BATCH);
		if (likely(yard_allocb_ctl_bulk_as(c->v, want, UDP_IND_SIZE, M_PROTO,
						   YB_TUDATA | YB_MSGSIZE) == 0)) {
			c->n = want - 1;
			return c->v[want - 1];
		}
		c->failed = true;
	}
	ind = allocb(UDP_IND_SIZE, BPRI_MED);
	if (ind != NULL) {
		/* As the batch's come: udp_input_one() writes only the indication's bytes. */
		DB_TYPE(ind) = M_PROTO;
		ind->b_wptr += UDP_IND_SIZE;
		ind->b_yflags = YB_TUDATA | YB_MSGSIZE;
	}
	return ind;
}

/* An indication block for a datagram to deliver, `want` of them still possibly wanted. */
static inline mblk_t *
udp_inds_get(struct udp_inds *c, unsigned want)
{
	if (likely(c->n != 0))
		return c->v[--c->n];
	return udp_inds_refill(c, want);
}

/*
 * A burst's view of the instance, the usual outcomes (counted here, added at its end), and
 * the last endpoint found. A burst's datagrams nearly always go to one endpoint (an echo
 * service, a client's replies), so the (destination, port) of the last one found is kept and
 * the port's chain is walked only when they differ. Bindings cannot change while udp's loop
 * runs on its own; they can once a message has left udp (a put procedure above or below may
 * unbind or close), so rc_ep is forgotten whenever one does (udp_rxc_forget).
 */
struct udp_rxc {
	bool rc_hw_trusted;         /* UDP_PF_RX_CKSUM_OFFLOAD */
	unsigned rc_cksum_sw;       /* rx_cksum_sw */
	uint64_t rc_key;            /* udp_rxc_key() of rc_ep's datagrams, or UDP_RXC_NONE */
	struct udp_ep *rc_ep;       /* valid while rc_key is not UDP_RXC_NONE */
};

/*
 * A datagram's (destination, port), both as on the wire, as one number: one compare. The
 * empty key is past any 48-bit one, so no datagram matches it.
 */
#define UDP_RXC_NONE (UINT64_C(1) << 48)

static inline uint64_t
udp_rxc_key(uint32_t dst, uint16_t port)
{
	return (uint64_t)port << 32 | dst;
}

static inline void
udp_rxc_forget(struct udp_rxc *rc)
{
	rc->rc_key = UDP_RXC_NONE;
}

/*
 * The datagram mp (b_rptr at its IPv4 header of hlen bytes, plen bytes of IP payload, a UDP
 * length of ulen) as the indication's data: trimmed to the UDP length, past the headers, an
 * emptied first block freed (proved: a single block, which is never emptied). Returns it.
 */
static __rte_always_inline mblk_t *
udp_data_of(struct udp_inst *ui, mblk_t *mp, unsigned hlen, size_t plen, size_t ulen,
	    const bool proved)
{
	if (unlikely(ulen < plen)) {
		UDP_INC(ui, rx_trimmed);
		(void)adjmsg(mp, -(ssize_t)(plen - ulen));
	}
	mp->b_rptr += hlen + UDP_HDR_LEN;
	if (!proved && unlikely(mp->b_cont != NULL) && MBLKL(mp) == 0) {
		mblk_t *next = mp->b_cont;

		mp->b_cont = NULL;
		freeb(mp);
		mp = next;
	}
	return mp;
}

/* A T_UNITDATA_IND with T_IP_PKTINFO: the usual one, then the option (OPT_offset). */
struct udp_ind_pi {
	struct udp_ind pi_ind;
	struct T_opthdr pi_oh;
	struct t_in_pktinfo pi_val;
};

static_assert(offsetof(struct udp_ind_pi, pi_oh) == sizeof(struct udp_ind) &&
	      _TPI_ALIGN_TOPT(sizeof(struct udp_ind)) == sizeof(struct udp_ind) &&
	      sizeof(struct udp_ind_pi) == sizeof(struct udp_ind) + sizeof(struct T_opthdr) +
	      sizeof(struct t_in_pktinfo), "the option right after the address, no padding");

/*
 * The local address a reply to a datagram for dst comes from (ipi_spec_dst): dst itself, or
 * for a broadcast or a group the address of the link it arrived on (ifindex), else of the
 * link whose subnet's broadcast it is, else the one udp would send to its source from.
 */
static uint32_t
udp_spec_dst(const struct udp_inst *ui, uint32_t dst, uint32_t src, uint32_t ifindex)
{
	uint32_t a;

	if (!udp_is_bcast(ui, dst))
		return dst; /* ip delivers no other unicast than to our addresses */
	a = udp_ifindex_addr(ui, ifindex);
	if (a != 0)
		return a;
	for (unsigned i = 0; i < ui->ui_naddrs; i++)
		if (ui->ui_addrs[i].la_bcast != 0 && ui->ui_addrs[i].la_bcast == dst)
			return ui->ui_addrs[i].la_addr;
	return udp_src_for(ui, src);
}

/*
 * udp_input_one()'s end for an endpoint with T_IP_PKTINFO, out of line so that the others pay
 * nothing for it: the indication is a block of its own (the burst's are UDP_IND_SIZE bytes),
 * the usual primitive and address and then the option, saying where the datagram mp came:
 * the arrival port's link (ifindex: port id + 1; a block not received by a port,
 * RTE_MBUF_PORT_INVALID, gives 0), the destination, and the address a reply comes from. The
 * datagram mp was proved as udp_input_one() proves it (its IPv4 and UDP headers in the first
 * block, the UDP length within the payload); what that found is read again from its headers
 * here rather than passed, and the indication is returned rather than stored through the
 * caller's pointer: either kept the usual way's values out of registers (measured). Not
 * marked YB_TUDATA (options: not the common layout) nor YB_MSGSIZE (the stream head counts
 * it). Returns the indication over mp's data, or NULL (mp dropped, counted).
 */
static __rte_noinline mblk_t *
udp_input_pktinfo(struct udp_inst *ui, mblk_t *mp)
{
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)mp->b_rptr;
	unsigned hlen = (ip->version_ihl & 0x0f) * 4u;
	const struct rte_udp_hdr *uh = (const struct rte_udp_hdr *)(mp->b_rptr + hlen);
	size_t ulen = rte_be_to_cpu_16(uh->dgram_len), plen = msgdsize(mp) - hlen;
	uint32_t src = ip->src_addr, dst = ip->dst_addr;
	uint16_t sport = uh->src_port, port = yard_mblk_mbuf(mp)->port;
	uint32_t ifindex = port == RTE_MBUF_PORT_INVALID ? 0 : (uint32_t)port + 1;
	mblk_t *ind = allocb(sizeof(struct udp_ind_pi), BPRI_MED);
	struct udp_ind_pi *ti;

	if (unlikely(ind == NULL)) {
		UDP_INC(ui, drop_rx_nomem);
		freemsg(mp);
		return NULL;
	}
	mp = udp_data_of(ui, mp, hlen, plen, ulen, false);
	DB_TYPE(ind) = M_PROTO;
	ti = (struct udp_ind_pi *)ind->b_wptr;
	memcpy(&ti->pi_ind.in_tui, &udp_ind_tmpl.in_tui, sizeof(ti->pi_ind.in_tui));
	ti->pi_ind.in_tui.OPT_length = (t_scalar_t)(sizeof(ti->pi_oh) + sizeof(ti->pi_val));
	ti->pi_ind.in_tui.OPT_offset = (t_scalar_t)offsetof(struct udp_ind_pi, pi_oh);
	ti->pi_ind.in_src = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = sport,
						  .sin_addr.s_addr = src };
	ti->pi_oh = (struct T_opthdr){ .len = sizeof(ti->pi_oh) + sizeof(ti->pi_val),
				       .level = T_INET_IP, .name = T_IP_PKTINFO,
				       .status = 0 };
	ti->pi_val = (struct t_in_pktinfo){ .ipi_ifindex = ifindex, .ipi_addr = dst,
					    .ipi_spec_dst = udp_spec_dst(ui, dst, src, ifindex) };
	ind->b_wptr += sizeof(*ti);
	ind->b_cont = mp;
	UDP_INC(ui, rx_pktinfo);
	return ind;
}

/*
 * A group's datagram to an endpoint whose memberships filter sources: whether its filter
 * leaves src out (counted). Where ip's filter for the group is the endpoint's own (the usual
 * case: one application joined the feed), ip judged the source already, and the burst keeps
 * the endpoint for the next datagram as for any other; else each source is judged here, and
 * the burst does not keep it.
 */
static __rte_noinline bool
udp_src_filtered(struct udp_inst *ui, struct udp_rxc *rc, const struct udp_ep *ep,
		 uint32_t dst, uint32_t src)
{
	if (!udp_is_group(dst) || udp_mship_exact(ep, dst))
		return false;
	udp_rxc_forget(rc);
	if (udp_mship_allows(ep, dst, src))
		return false;
	UDP_INC(ui, drop_src_filtered);
	return true;
}

/*
 * The unfolded sum of a short payload (len < 32) at p, the end of a UDP header in the same
 * block: a 64-byte echo frame carries 18 bytes, which the generic inet_sum_partial() takes in
 * five length-driven steps. Here the 16- and 8-byte parts are two tests, and the len % 8 bytes
 * left are read as the 8 bytes that end the payload, shifted so only they remain. Those 8
 * bytes start at most 8 bytes before p, inside the UDP header, so every byte read is in the
 * block. After the shift the tail's first byte (at a multiple of 8 from p) is where a load at
 * it would have put it, the bytes past the payload are zero, and the sum is the same as
 * inet_sum_partial()'s (an odd last byte counts as the high-order byte of a zero-padded word).
 */
static inline uint64_t
udp_sum_short(const uint8_t *p, size_t len)
{
	unsigned rem = (unsigned)len & 7u;
	uint64_t acc = 0, a, b, t;

	if (len & 16) {
		memcpy(&a, p, 8);
		memcpy(&b, p + 8, 8);
		acc = inet_sum_add(a, b);
		p += 16;
	}
	if (len & 8) {
		memcpy(&a, p, 8);
		acc = inet_sum_add(acc, a);
		p += 8;
	}
	memcpy(&t, p + rem - 8, 8);
	/* Two shifts, as one by 64 (rem 0: nothing left) is undefined. */
#if RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN
	t = t >> 1 >> (63 - 8 * rem);
#else
	t = t << 1 << (63 - 8 * rem);
#endif
	return inet_sum_add(acc, t);
}

/*
 * Validate one datagram (b_rptr at its IPv4 header). Returns the read queue of the endpoint
 * and *mpp turned into its T_UNITDATA_IND, or NULL when the datagram was consumed. left: the
 * datagrams of the burst from this one on (how many indication blocks may still be wanted).
 * proved: the datagram came marked YB_IPDGRAM (a constant: inlined once each way, and in the
 * marked one the header length is 20 and the message one block, so their tests fold away).
 */
static __rte_always_inline queue_t *
udp_input_one(struct udp_inst *ui, mblk_t **mpp, struct udp_inds *inds, struct udp_rxc *rc,
	      unsigned left, const bool proved)
{
	mblk_t *mp = *mpp, *ind;
	const struct rte_ipv4_hdr *ip;
	const struct rte_udp_hdr *uh;
	struct udp_ind *ti;
	struct udp_ep *ep;
	size_t plen, ulen, blen;
	unsigned hlen;
	uint32_t src, dst;
	uint64_t key;
	uint16_t sport;

	/*
	 * ip's contract, relied on here and not checked again: b_rptr at an IPv4 header it
	 * validated (IHL >= 5, total length within what arrived, padding trimmed), with all
	 * IHL*4 bytes in this first block. Only the UDP part is left to prove.
	 */
	ip = (const struct rte_ipv4_hdr *)mp->b_rptr;
	blen = MBLKL(mp);
	if (proved) {
		/* Marked (YB_IPDGRAM): a 20-byte header, and the block is the whole datagram. */
		mp->b_yflags &= ~YB_IPDGRAM; /* taken over: the bit was ip's word to udp only */
		hlen = UDP_IPV4_HDR_LEN;
		if (unlikely(blen < UDP_IPV4_HDR_LEN + UDP_HDR_LEN)) {
			UDP_INC(ui, drop_short);
			goto drop;
		}
		plen = blen - UDP_IPV4_HDR_LEN;
	} else {
		hlen = (ip->version_ihl & 0x0f) * 4u;
		if (likely(mp->b_cont == NULL && blen >= hlen + UDP_HDR_LEN)) {
			plen = blen - hlen; /* one block, the UDP header in it */
		} else {
			plen = msgdsize(mp);
			if (unlikely(plen < hlen + UDP_HDR_LEN)) {
				UDP_INC(ui, drop_short);
				goto drop;
			}
			plen -= hlen;
			if (blen < hlen + UDP_HDR_LEN) {
				if (!pullupmsg(mp, (ssize_t)(hlen + UDP_HDR_LEN))) {
					UDP_INC(ui, drop_rx_nomem);
					goto drop;
				}
				ip = (const struct rte_ipv4_hdr *)mp->b_rptr;
			}
		}
	}
	uh = (const struct rte_udp_hdr *)(mp->b_rptr + hlen);
	ulen = rte_be_to_cpu_16(uh->dgram_len);
	if (unlikely(ulen < UDP_HDR_LEN || ulen > plen)) {
		UDP_INC(ui, drop_bad_len);
		goto drop;
	}
	src = ip->src_addr;
	dst = ip->dst_addr;
	if (uh->dgram_cksum == 0) {
		UDP_INC(ui, rx_no_cksum); /* RFC 768: the sender computed none */
	} else {
		/* The port's verdict only when asked to trust it, and only for one whole buffer. */
		uint64_t l4 = unlikely(rc->rc_hw_trusted) && (proved || mp->b_cont == NULL) ?
			      yard_mblk_mbuf(mp)->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK : 0;

		if (unlikely(l4 == RTE_MBUF_F_RX_L4_CKSUM_GOOD)) {
			UDP_INC(ui, rx_cksum_hw);
		} else if (unlikely(l4 == RTE_MBUF_F_RX_L4_CKSUM_BAD)) {
			UDP_INC(ui, drop_bad_cksum);
			goto drop;
		} else if (likely(proved || mp->b_cont == NULL)) {
			/* Header and payload summed apart: the payload's sum is kept for a reply. */
			const uint8_t *data = (const uint8_t *)uh + UDP_HDR_LEN;
			size_t dlen = ulen - UDP_HDR_LEN;
			uint64_t pacc = likely(dlen < 32) ? udp_sum_short(data, dlen) :
					inet_sum_partial(data, dlen, 0);
			uint16_t psum = inet_sum_fold(pacc);
			uint64_t hw, ph;

			memcpy(&hw, uh, sizeof(hw));
			/* udp_phdr_sum(), its length the header's field as it is: no swap back. */
			ph = (uint64_t)src + dst + rte_cpu_to_be_16(IPPROTO_UDP) + uh->dgram_len;
			/*
			 * Right when the sum is -0: as in ip_hdr_sum_ok(), the unfolded sum is then
			 * a multiple of 0xffff, and never +0 (the pseudo-header's protocol is not).
			 */
			if (inet_sum_add(hw, ph + psum) % 0xffff != 0) {
				UDP_INC(ui, drop_bad_cksum);
				goto drop;
			}
			if (DB_REF(mp) == 1)
				udp_sum_mark(mp, dlen, psum);
			rc->rc_cksum_sw++;
		} else if (inet_sum_fold(inet_sum_msg(mp, hlen, ulen, udp_phdr_sum(src, dst, (uint16_t)ulen))) !=
			   0xffff) {
			UDP_INC(ui, drop_bad_cksum);
			goto drop;
		} else {
			UDP_INC(ui, rx_cksum_sw);
		}
	}
	/* The burst's last endpoint if the datagram goes where the last one went, else a lookup. */
	key = udp_rxc_key(dst, uh->dst_port);
	ep = rc->rc_ep;
	if (unlikely(key != rc->rc_key)) {
		ep = udp_lookup(ui, dst, rte_be_to_cpu_16(uh->dst_port));
		if (unlikely(ep == NULL)) {
			if (udp_is_bcast(ui, dst)) {
				UDP_INC(ui, drop_no_port_bcast);
				goto drop;
			}
			udp_rxc_forget(rc); /* ip runs */
			if (udp_soft_forward(ui, rte_be_to_cpu_16(uh->dst_port), mp))
				return NULL; /* another lcore's client: its owner delivers it */
			UDP_INC(ui, drop_no_port);
			udp_port_unreach(ui, mp);
			return NULL;
		}
		rc->rc_key = key;
		rc->rc_ep = ep;
		if (unlikely(ep->ue_nfiltered != 0) && udp_src_filtered(ui, rc, ep, dst, src))
			goto drop;
		if (unlikely(ep->ue_pktinfo)) {
			/* Not kept for the burst: its every datagram comes this way, the others'
			 * never (no test of the option where the burst's endpoint is reused). */
			udp_rxc_forget(rc);
			ind = udp_input_pktinfo(ui, mp);
			if (ind == NULL)
				return NULL;
			*mpp = ind;
			return ep->ue_rq;
		}
	}
	ind = udp_inds_get(inds, left);
	if (unlikely(ind == NULL)) {
		UDP_INC(ui, drop_rx_nomem);
		goto drop;
	}
	sport = uh->src_port;
	/* The data is the received message itself, past the headers. */
	mp = udp_data_of(ui, mp, hlen, plen, ulen, proved);
	if (proved) {
		/* One block of ulen - 8 bytes under the indication: YB_MSGSIZE's size (mblk.h). */
		ind->b_datap->db_cksum = (uint32_t)(UDP_IND_SIZE + ulen - UDP_HDR_LEN);
	} else {
		ind->b_yflags &= ~YB_MSGSIZE; /* the data may be blocks: putq counts them */
	}
	/*
	 * The primitive from the template, the address from values (not copied, then patched);
	 * type, length and YB_TUDATA came with the block (struct udp_inds).
	 */
	ti = (struct udp_ind *)ind->b_rptr;
	memcpy(&ti->in_tui, &udp_ind_tmpl.in_tui, sizeof(ti->in_tui));
	ti->in_src = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = sport,
					   .sin_addr.s_addr = src };
	ind->b_cont = mp;
	*mpp = ind;
	return ep->ue_rq;
drop:
	freemsg(mp);
	return NULL;
}

static void
udp_deliver_run(struct udp_inst *ui, queue_t *rq, mblk_t **mps, unsigned k)
{
	if (unlikely(!canputnext(rq))) {
		UDP_ADD_N(ui, drop_rcvbuf_full, k);
		((struct udp_ep *)rq->q_ptr)->ue_drops += k; /* whose reader falls behind */
		freemsg_burst(mps, k);
		return;
	}
	UDP_ADD_N(ui, rx_delivered, k);
	putnext_burst(rq, mps, k);
}

/* ---- ICMP errors about our datagrams ------------------------------------------------------- */

/* The errno an ICMP error stands for, 0 for one to ignore (RFC 1122 4.1.3.3, RFC 6633). */
static int
udp_icmp_errno(uint8_t type, uint8_t code)
{
	switch (type) {
	case 3: /* destination unreachable */
		switch (code) {
		case 0: case 6: case 9: case 11:
			return ENETUNREACH;
		case 2:
			return ENOPROTOOPT;
		case 3:
			return ECONNREFUSED;
		case 4:
			return EMSGSIZE;
		default:
			return EHOSTUNREACH;
		}
	case 11: /* time exceeded */
		return EHOSTUNREACH;
	case 12: /* parameter problem */
		return EPROTO;
	default: /* source quench (deprecated, RFC 6633) and anything else */
		return 0;
	}
}

static void
udp_icmp_input(struct udp_inst *ui, mblk_t *mp)
{
	struct ip_icmp_err_ind ind;
	const struct rte_ipv4_hdr *qip;
	const struct rte_udp_hdr *quh;
	struct T_uderror_ind *ue;
	struct sockaddr_in *sin;
	struct udp_ep *ep;
	mblk_t *q = mp->b_cont, *up;
	unsigned hlen;
	int err;

	UDP_INC(ui, icmp_rx);
	if (MBLKL(mp) < sizeof(ind) || q == NULL)
		goto drop;
	memcpy(&ind, mp->b_rptr, sizeof(ind));
	err = udp_icmp_errno(ind.ie_type, ind.ie_code);
	if (err == 0 || msgdsize(q) < UDP_IPV4_HDR_LEN + UDP_HDR_LEN)
		goto drop;
	if (MBLKL(q) < UDP_IPV4_HDR_LEN && !pullupmsg(q, UDP_IPV4_HDR_LEN))
		goto drop;
	qip = (const struct rte_ipv4_hdr *)q->b_rptr;
	hlen = (qip->version_ihl & 0x0f) * 4u;
	if ((qip->version_ihl >> 4) != 4 || hlen < UDP_IPV4_HDR_LEN ||
	    qip->next_proto_id != IPPROTO_UDP || msgdsize(q) < hlen + UDP_HDR_LEN)
		goto drop;
	if (MBLKL(q) < hlen + UDP_HDR_LEN && !pullupmsg(q, (ssize_t)(hlen + UDP_HDR_LEN)))
		goto drop;
	qip = (const struct rte_ipv4_hdr *)q->b_rptr;
	quh = (const struct rte_udp_hdr *)(q->b_rptr + hlen);
	/* The quoted datagram is one we sent: its source is the endpoint. */
	ep = udp_lookup(ui, qip->src_addr, rte_be_to_cpu_16(quh->src_port));
	if (ep == NULL && udp_soft_forward(ui, rte_be_to_cpu_16(quh->src_port), mp))
		return; /* about another lcore's client: its owner reports it */
	if (ep == NULL || !canputnext(ep->ue_rq))
		goto drop;
	up = allocb(sizeof(*ue) + sizeof(*sin), BPRI_MED);
	if (up == NULL)
		goto drop;
	DB_TYPE(up) = M_PROTO;
	ue = (struct T_uderror_ind *)up->b_wptr;
	ue->PRIM_type = T_UDERROR_IND;
	ue->DEST_length = (t_scalar_t)sizeof(*sin);
	ue->DEST_offset = (t_scalar_t)sizeof(*ue);
	ue->OPT_length = 0;
	ue->OPT_offset = 0;
	ue->ERROR_type = err;
	sin = (struct sockaddr_in *)(ue + 1);
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = quh->dst_port;
	sin->sin_addr.s_addr = qip->dst_addr;
	up->b_wptr += sizeof(*ue) + sizeof(*sin);
	freemsg(mp);
	UDP_INC(ui, icmp_delivered);
	putnext(ep->ue_rq, up);
	return;
drop:
	UDP_INC(ui, icmp_dropped);
	freemsg(mp);
}

/* ---- the lower read put procedures --------------------------------------------------------- */

/* Anything but M_DATA from ip: the mux stands where the lower stream head was. */
static void
udp_lrput_other(queue_t *q, struct udp_inst *ui, mblk_t *mp)
{
	switch (DB_TYPE(mp)) {
	case M_FLUSH:
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
	case M_CTL:
		if (ui != NULL && MBLKL(mp) >= sizeof(uint32_t) &&
		    *(const uint32_t *)mp->b_rptr == IP_ICMP_ERR_IND) {
			udp_icmp_input(ui, mp);
			return;
		}
		break;
	case M_HANGUP:
	case M_ERROR:
		/* ip's instance went away: the link carries nothing any more. */
		if (ui != NULL) {
			ui->ui_lower_hup = true;
			udp_wake_all(ui); /* what waited is dropped (drop_no_lower) */
		}
		freemsg(mp);
		return;
	default:
		break;
	}
	if (ui != NULL)
		UDP_INC(ui, drop_bad_lower);
	freemsg(mp);
}

void
udp_lrput_burst(queue_t *q, mblk_t **mps, unsigned n)
{
	struct udp_inst *ui = q->q_ptr;
	queue_t *run_q = NULL;
	struct udp_inds inds;
	struct udp_rxc rc = { .rc_key = UDP_RXC_NONE };
	mblk_t **out = mps; /* the run: mps up to out (a pointer: one register, no index) */
	unsigned nother = 0;

	if (unlikely(ui == NULL)) {
		/* Racing an unlink: the link is gone. */
		for (unsigned i = 0; i < n; i++)
			udp_lrput_other(q, NULL, mps[i]);
		return;
	}
	inds.n = 0;
	inds.failed = false;
	rc.rc_hw_trusted = (ui->ui_flags & UDP_PF_RX_CKSUM_OFFLOAD) != 0;
	for (unsigned i = 0; i < n; i++) {
		mblk_t *mp = mps[i];
		queue_t *rq;

		/* ip's mark says M_DATA too: the usual datagram needs no look at its type. */
		if (likely(mp->b_yflags & YB_IPDGRAM)) {
			rq = udp_input_one(ui, &mp, &inds, &rc, n - i, true);
		} else if (unlikely(DB_TYPE(mp) != M_DATA)) {
			if (out != mps) {
				udp_deliver_run(ui, run_q, mps, (unsigned)(out - mps));
				out = mps;
			}
			udp_rxc_forget(&rc);
			udp_lrput_other(q, ui, mp);
			nother++;
			continue;
		} else {
			rq = udp_input_one(ui, &mp, &inds, &rc, n - i, false);
		}
		if (rq == NULL)
			continue;
		/* A new run: the one before goes up (none is before the first). */
		if (unlikely(rq != run_q)) {
			if (out != mps) {
				udp_deliver_run(ui, run_q, mps, (unsigned)(out - mps));
				udp_rxc_forget(&rc);
				out = mps;
			}
			run_q = rq;
		}
		*out++ = mp;
	}
	if (out != mps)
		udp_deliver_run(ui, run_q, mps, (unsigned)(out - mps));
	if (inds.n != 0)
		freemsg_burst(inds.v, inds.n);
	UDP_ADD_N(ui, rx_datagrams, n - nother);
	UDP_ADD_N(ui, rx_cksum_sw, rc.rc_cksum_sw);
}

int
udp_lrput(queue_t *q, mblk_t *mp)
{
	udp_lrput_burst(q, &mp, 1);
	return 0;
}
