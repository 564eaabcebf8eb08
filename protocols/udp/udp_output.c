/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * udp output: T_UNITDATA_REQ to ip, T_UDERROR_IND for what cannot be sent, and the upper
 * write service procedure that drains requests that waited for ip.
 *
 * Principles of operation
 * -----------------------
 * A T_UNITDATA_REQ becomes, without copying its data and usually without allocating:
 *
 *   M_PROTO  struct ip_unitdata_req   <- the T_UNITDATA_REQ's own block, rewritten
 *     M_DATA [headroom][UDP header][payload ...]   <- the first data block, header in place
 *
 * The UDP header goes into the first data block's headroom when the block is not shared
 * (DB_REF 1) and has room for it and for the IPv4 and Ethernet headers ip and arp will
 * prepend (UDP_INPLACE_ROOM; the stream head leaves UDP_WROFF, and a received buffer echoed
 * back has its old headers' room); otherwise a small block with that headroom is linked in
 * front. ip then finds the same room for the IPv4 header and frees the request block.
 *
 * The checksum (RFC 768) covers a pseudo-header with the source address, so udp chooses the
 * source itself (the endpoint's bound address, else udp_src_for()) and tells ip in iu_src.
 * That choice and the broadcast test are remembered for the last destination (ui_dc,
 * udp_dst_get()): a burst of replies goes to one peer, and the address list is walked again
 * only for another destination or after UDP_ADDR_ADD/UDP_ADDR_DEL.
 * It is computed in software over every block: ip only offloads the IPv4 header checksum, and
 * has no way yet to tell a transport whether the outgoing port computes L4 checksums. Except
 * for data udp received itself and that comes back unchanged (an echo: the stream head keeps
 * the data block's YB_SUMOK mark only when the sender promises that, YARD_T_ASRCVD): its sum
 * was computed when the checksum was verified on input, so only the pseudo-header and the
 * eight header bytes are added (tx_cksum_reused).
 *
 * Bursts (udp_wput_burst): the T_UNITDATA_REQs of a burst become IP_UNITDATA_REQs in the
 * caller's vector (udp_output_burst(), with the counters of the usual outcomes added once per
 * burst) and go to ip with one putnext_burst(), after one canputnext(). The endpoint is read
 * and checked once per burst; the usual request (an echo's reply: the cached destination, no
 * options, one data block with headroom) is recognised with one chain of tests and built
 * inline without a call (udp_build_fast()); any other goes the long way (udp_build_one(),
 * also udp_output()'s), which makes every check and reports the first that fails. What the
 * short way writes and sums that depends only on the cached destination (the pseudo-header's
 * addresses, the IP_UNITDATA_REQ's words) is worked out once per burst (udp_txt_dst()). A
 * request the XTI library marked YB_TUDATA (streams/mblk.h) skips the layout compares, not
 * what is the endpoint's to judge (destination, port, data block). The short way has proved
 * what IP_UNITDATA_OWNED promises ip (the data one M_DATA block of a pool buffer, only its
 * own, with room for every header), so its requests carry it and ip does not check again.
 *
 * Errors the sender must hear of are T_UDERROR_IND (ERROR_type an errno): not bound (EPROTO),
 * a malformed or zero destination (EINVAL, EAFNOSUPPORT, EADDRNOTAVAIL), a bad option (EINVAL),
 * too much data (EMSGSIZE), a broadcast without T_IP_BROADCAST (EACCES), no local address
 * (EADDRNOTAVAIL), a T_IP_PKTINFO source not ours (EINVAL) or link index none has (ENODEV).
 * Losses below udp are counted, not indicated.
 */
#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "udp_priv.h"

static_assert(sizeof(struct T_unitdata_req) >= sizeof(struct ip_unitdata_req),
	      "a T_UNITDATA_REQ's block can hold the IP_UNITDATA_REQ it becomes");

void
udp_uderr(struct udp_ep *ep, mblk_t *mp, int err)
{
	struct udp_inst *ui = ep->ue_inst;
	const struct T_unitdata_req *req = (const struct T_unitdata_req *)mp->b_rptr;
	uint8_t dest[sizeof(struct sockaddr_in)];
	size_t dlen = 0;
	struct T_uderror_ind *ue;
	mblk_t *np;

	/* Quote the destination as given when it is where it claims to be and not oversized. */
	if (MBLKL(mp) >= sizeof(*req) && req->DEST_length > 0 &&
	    (size_t)req->DEST_length <= sizeof(dest) && req->DEST_offset >= 0 &&
	    (size_t)req->DEST_offset + (size_t)req->DEST_length <= MBLKL(mp)) {
		dlen = (size_t)req->DEST_length;
		memcpy(dest, mp->b_rptr + req->DEST_offset, dlen);
	}
	mp->b_yflags &= ~YB_TUDATA; /* udp_tpi_reuse() may make it the T_UDERROR_IND */
	np = udp_tpi_reuse(ui, mp, sizeof(*ue) + dlen, M_PROTO);
	if (np == NULL) {
		UDP_INC(ui, drop_tx_nomem);
		return;
	}
	ue = (struct T_uderror_ind *)np->b_rptr;
	ue->PRIM_type = T_UDERROR_IND;
	ue->DEST_length = (t_scalar_t)dlen;
	ue->DEST_offset = dlen != 0 ? (t_scalar_t)sizeof(*ue) : 0;
	ue->OPT_length = 0;
	ue->OPT_offset = 0;
	ue->ERROR_type = err;
	if (dlen != 0)
		memcpy(ue + 1, dest, dlen);
	putnext(ep->ue_rq, np);
}

/* The usual outcomes of udp_build(), counted in registers and added once per burst. */
struct udp_txc {
	unsigned tc_inplace;        /* tx_hdr_inplace */
	unsigned tc_reused;         /* tx_cksum_reused */
};

/* Add a burst's counts: tc's, and dgrams IP_UNITDATA_REQs built (tx_datagrams). */
static inline void
udp_txc_flush(struct udp_inst *ui, const struct udp_txc *tc, unsigned dgrams)
{
	UDP_ADD_N(ui, tx_datagrams, dgrams);
	UDP_ADD_N(ui, tx_hdr_inplace, tc->tc_inplace);
	UDP_ADD_N(ui, tx_cksum_reused, tc->tc_reused);
}

/*
 * What every datagram of a burst takes from its endpoint, read once: the datagram loop stores
 * into message blocks, after which the compiler would have to load the endpoint's fields again
 * (a uint16_t store may alias ue_lport).
 */
struct udp_txt {
	uint32_t tt_iu_opts;        /* the IP_UNITDATA_REQ's last word: proto, tos, ttl, flags */
	uint32_t tt_iu_fast;        /* the same with IP_UNITDATA_OWNED, for the short way's */
	uint32_t tt_laddr;          /* ue_laddr */
	uint16_t tt_lport_be;       /* ue_lport, network order */
	bool tt_cksum;              /* ue_cksum */
	bool tt_bcast;              /* ue_broadcast */
	uint32_t tt_sport;          /* the UDP header's first word with the source port only */
	/* ui_dc's verdicts for the short way (udp_txt_dst(), again after each long way) */
	uint64_t tt_dkey;           /* a sockaddr_in's first 8 bytes to dc_dst, port masked */
	uint32_t tt_src;            /* the source for dc_dst */
	/*
	 * What the short way writes and sums for dc_dst, the same for every datagram to it:
	 * the pseudo-header's sum without the length, and the IP_UNITDATA_REQ's two words.
	 */
	uint64_t tt_asum;
	uint64_t tt_iu[2];
};

/* The UDP header's first four bytes (source and destination port) as a word in memory order. */
static inline uint32_t
udp_ports(uint16_t sport_be, uint16_t dport_be)
{
	const uint16_t p[2] = { sport_be, dport_be };
	uint32_t w;

	static_assert(offsetof(struct rte_udp_hdr, dst_port) == 2, "source, then destination");
	memcpy(&w, p, sizeof(w));
	return w;
}

/* The pseudo-header's sum (RFC 768) without its length: addresses and protocol. */
static inline uint64_t
udp_asum(uint32_t src, uint32_t dst)
{
	return (uint64_t)src + dst + RTE_BE16(IPPROTO_UDP);
}

/*
 * An IP_UNITDATA_REQ as the two 64-bit words it is in memory: written with two stores, since
 * it is built once per datagram and ip reads it at once (field-by-field stores would be
 * instructions and store-forwarding hazards for nothing).
 */
static inline void
udp_iu_words(uint64_t w[2], uint32_t dst, uint32_t src, uint32_t opts)
{
	static_assert(sizeof(struct ip_unitdata_req) == 16 &&
		      offsetof(struct ip_unitdata_req, iu_dst) == 4 &&
		      offsetof(struct ip_unitdata_req, iu_src) == 8, "iu is four words");
#if RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN
	w[0] = (uint64_t)dst << 32 | IP_UNITDATA_REQ;
	w[1] = (uint64_t)opts << 32 | src;
#else
	w[0] = (uint64_t)IP_UNITDATA_REQ << 32 | dst;
	w[1] = (uint64_t)src << 32 | opts;
#endif
}

/* The first 8 bytes of a sockaddr_in (family, port, address) as one word. */
static inline uint64_t
udp_sin_word(uint16_t family, uint16_t port, uint32_t addr)
{
	struct sockaddr_in sin = { .sin_family = family, .sin_port = port };
	uint64_t w;

	static_assert(offsetof(struct sockaddr_in, sin_port) == 2 &&
		      offsetof(struct sockaddr_in, sin_addr) == 4, "family, port, address");
	sin.sin_addr.s_addr = addr;
	memcpy(&w, &sin, sizeof(w));
	return w;
}

/* The port's bits of udp_sin_word(), and the rest. */
#define UDP_SIN_PORT_BITS udp_sin_word(0, 0xffff, 0)
#define UDP_SIN_KEY_BITS udp_sin_word(0xffff, 0, 0xffffffff)

/* The last four bytes of an IP_UNITDATA_REQ (proto, tos, ttl, flags) as one word. */
static inline uint32_t
udp_iu_opts_flags(uint8_t tos, uint8_t ttl, uint8_t flags)
{
	const uint8_t b[4] = { IPPROTO_UDP, tos, ttl, flags };
	uint32_t w;

	static_assert(offsetof(struct ip_unitdata_req, iu_proto) == 12 &&
		      offsetof(struct ip_unitdata_req, iu_flags) == 15, "iu's last word");
	memcpy(&w, b, sizeof(w));
	return w;
}

static inline uint32_t
udp_iu_opts(uint8_t tos, uint8_t ttl)
{
	return udp_iu_opts_flags(tos, ttl, 0);
}

/* iu_flags f alone, as udp_iu_opts_flags() places it: or'ed into a request's last word. */
static inline uint32_t
udp_iu_flagbits(uint8_t f)
{
	return udp_iu_opts_flags(0, 0, f) ^ udp_iu_opts_flags(0, 0, 0);
}

/* The same in udp_iu_words()'s second word. */
static inline uint64_t
udp_iu_flags_word(uint8_t f)
{
	uint64_t w[2];

	udp_iu_words(w, 0, 0, udp_iu_flagbits(f));
	return w[1];
}

/*
 * What the short way may send to ui_dc's destination: tt_dkey the family and destination it
 * takes (no port bits: a masked sockaddr never equals it when it may not, an empty cache or a
 * refused broadcast or no source), tt_src the source. Worked out again after every long way,
 * which may have filled ui_dc for another destination.
 */
static inline void
udp_txt_dst(struct udp_txt *tt, const struct udp_inst *ui)
{
	const struct udp_dcache *dc = &ui->ui_dc;

	tt->tt_src = tt->tt_laddr != 0 ? tt->tt_laddr : dc->dc_src;
	if (dc->dc_dst == 0 || tt->tt_src == 0 || (dc->dc_bcast && !tt->tt_bcast) ||
	    dc->dc_mcast) {
		tt->tt_dkey = UDP_SIN_PORT_BITS;
		tt->tt_asum = 0; /* unread: no request matches tt_dkey */
		tt->tt_iu[0] = tt->tt_iu[1] = 0;
		return;
	}
	tt->tt_dkey = udp_sin_word(AF_INET, 0, dc->dc_dst);
	tt->tt_asum = udp_asum(tt->tt_src, dc->dc_dst);
	udp_iu_words(tt->tt_iu, dc->dc_dst, tt->tt_src, tt->tt_iu_fast);
}

static inline void
udp_txt_init(struct udp_txt *tt, const struct udp_ep *ep)
{
	tt->tt_iu_opts = udp_iu_opts(ep->ue_tos, ep->ue_ttl);
	tt->tt_iu_fast = udp_iu_opts_flags(ep->ue_tos, ep->ue_ttl, IP_UNITDATA_OWNED);
	tt->tt_laddr = ep->ue_laddr;
	tt->tt_lport_be = rte_cpu_to_be_16(ep->ue_lport);
	tt->tt_sport = udp_ports(tt->tt_lport_be, 0);
	tt->tt_cksum = ep->ue_cksum;
	tt->tt_bcast = ep->ue_broadcast;
}

/* The UDP header (ports: udp_ports(); len, ck in network order) with one store. */
static inline void
udp_hdr_write(struct rte_udp_hdr *uh, uint32_t ports, uint16_t len, uint16_t ck)
{
	static_assert(sizeof(*uh) == 8, "the UDP header is four 16-bit words");
#if RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN
	uint64_t w = (uint64_t)ck << 48 | (uint64_t)len << 32 | ports;
#else
	uint64_t w = (uint64_t)ports << 32 | (uint32_t)len << 16 | ck;
#endif

	memcpy(uh, &w, sizeof(w));
}

/*
 * The UDP header of a datagram whose header block is hb (its b_rptr at the header) and
 * checksum, and the mark of a received buffer it no longer carries (YB_SUMOK). ports:
 * udp_ports(); asum: udp_asum() of its addresses; psum: the data's sum if udp_sum_marked()
 * knew it, else -1. Returns the iu_flags the request must add: IP_UNITDATA_L4CK when ip is to
 * complete the checksum, else 0.
 */
static __rte_always_inline uint8_t
udp_hdr_fill(struct udp_inst *ui, const struct udp_txt *tt, struct udp_txc *tc, mblk_t *hb,
	     mblk_t *data, uint32_t ports, uint64_t asum, unsigned ulen, int psum)
{
	struct rte_udp_hdr *uh = (struct rte_udp_hdr *)hb->b_rptr;
	uint16_t ulen_be = inet_be16((uint16_t)ulen), ck;

	if (data != NULL)
		data->b_yflags &= ~YB_SUMOK; /* it no longer describes the block */
	if (likely(psum >= 0)) {
		/*
		 * The data is as udp received and verified it: its sum is known, only the
		 * pseudo-header and the new header are added (RFC 1071 section 2: the sum is
		 * commutative and associative, so the parts may be summed apart). The header's
		 * words are summed from the values about to be stored, not read back; the ports'
		 * word as one 32-bit value (2^16 is 1 modulo 0xffff: section 2(B)).
		 */
		ck = (uint16_t)~inet_sum_fold(asum + ports + 2u * ulen_be +
					       (uint32_t)psum); /* ulen: pseudo-header, header */
		/* RFC 768: zero means "none" */
		udp_hdr_write(uh, ports, ulen_be, ck == 0 ? 0xffff : ck);
		tc->tc_reused++;
		return 0;
	}
	if (likely(tt->tt_cksum)) {
		/*
		 * A pass over the data is left to ip (ip.h, "Transport checksums"): the port does
		 * it when it can, else ip sums the datagram as udp would have. The field holds the
		 * pseudo-header's sum (the length counted once: the header's word is summed with
		 * the data), as a NIC's offload expects it.
		 */
		udp_hdr_write(uh, ports, ulen_be, inet_sum_fold(asum + ulen_be));
		UDP_INC(ui, tx_cksum_ip);
		return IP_UNITDATA_L4CK;
	}
	udp_hdr_write(uh, ports, ulen_be, 0);
	UDP_INC(ui, tx_no_cksum);
	return 0;
}

/*
 * mp, a request block only udp refers to, rewritten as the IP_UNITDATA_REQ in front of hb:
 * where the T_UNITDATA_REQ was (it is larger). It is an M_PROTO of band 0 on the burst path
 * already (udp_is_unitdata(), and the stream head sends band 0); udp_wput also takes
 * M_PCPROTO, so the type is set anyway. It is no T_UNITDATA_REQ any more: YB_TUDATA goes.
 */
static __rte_always_inline mblk_t *
udp_iu_fill(mblk_t *mp, mblk_t *hb, const uint64_t iu[2])
{
	mp->b_wptr = mp->b_rptr + sizeof(struct ip_unitdata_req);
	DB_TYPE(mp) = M_PROTO;
	mp->b_band = 0;
	mp->b_yflags &= ~YB_TUDATA;
	memcpy(mp->b_rptr, iu, sizeof(struct ip_unitdata_req));
	mp->b_cont = hb;
	return mp;
}

/*
 * T_IP_PKTINFO with a datagram (pi: either field non-zero): its source *src and, for a group,
 * its link (*iu_opts gets IP_UNITDATA_MIF). ipi_ifindex names a link by the index udp was
 * given with its address (UDP_ADDR_ADD): a wildcard endpoint sends from that address, and a
 * group's datagram goes out that link, from its address. ip routes any other destination by
 * its routes as usual (it has no per-datagram link for them), so there the index only chooses
 * the source. A non-zero ipi_spec_dst is the source, one of the instance's addresses (Linux
 * lets it differ from a bound address as well); out a named group link only that link's.
 * 0, or the errno of the refusal: ENODEV no link has the index (Linux's for an unknown
 * ifindex), EINVAL a source that is not ours or not the named link's (Linux's EINVAL).
 */
static __rte_noinline int
udp_pktinfo_src(const struct udp_ep *ep, const struct udp_txt *tt, const struct udp_dcache *dc,
		const struct t_in_pktinfo *pi, uint32_t *src, uint32_t *iu_opts)
{
	const struct udp_inst *ui = ep->ue_inst;
	uint32_t mif = udp_iu_flagbits(IP_UNITDATA_MIF);

	if (pi->ipi_ifindex != 0) {
		uint32_t la = udp_ifindex_addr(ui, pi->ipi_ifindex);

		if (la == 0)
			return ENODEV;
		if (dc->dc_mcast) {
			if (tt->tt_laddr != 0 && tt->tt_laddr != la)
				return EINVAL; /* ip_output: a group's link is named by the source */
			*iu_opts |= mif;
		}
		if (tt->tt_laddr == 0)
			*src = la;
	}
	if (pi->ipi_spec_dst != 0) {
		if (!udp_is_local(ui, pi->ipi_spec_dst) ||
		    ((*iu_opts & mif) != 0 && pi->ipi_spec_dst != *src))
			return EINVAL;
		*src = pi->ipi_spec_dst;
	}
	return 0;
}

/*
 * A T_UNITDATA_REQ (mp: its primitive read by the caller, at least four bytes) turned into
 * the IP_UNITDATA_REQ for ip; NULL when mp was consumed (T_UDERROR_IND, or dropped and counted).
 * Every check, in the order the errors are reported: the path of udp_output() and of any
 * request udp_build_fast() leaves alone.
 */
static inline mblk_t *
udp_build(struct udp_ep *ep, const struct udp_txt *tt, mblk_t *mp, struct udp_txc *tc)
{
	struct udp_inst *ui = ep->ue_inst;
	const struct udp_dcache *dc;
	struct T_unitdata_req req;
	struct t_in_pktinfo pi = { 0 };
	struct sockaddr_in sin;
	mblk_t *data, *hb;
	uint64_t iu[2];
	uint32_t src, iu_opts = tt->tt_iu_opts;
	size_t plen, mlen = MBLKL(mp);
	uint8_t l4ck, tos, ttl;
	int psum;

	if (unlikely(mlen < sizeof(req))) {
		UDP_INC(ui, uderr_bad_addr);
		udp_uderr(ep, mp, EINVAL);
		return NULL;
	}
	memcpy(&req, mp->b_rptr, sizeof(req));
	if (unlikely(ep->ue_state != TS_IDLE)) {
		UDP_INC(ui, uderr_state);
		udp_uderr(ep, mp, EPROTO);
		return NULL;
	}
	/* A negative DEST_offset is a huge unsigned one; mlen - sizeof(sin) cannot wrap. */
	static_assert(sizeof(req) > sizeof(sin), "mlen >= sizeof(req) covers the subtraction");
	if (unlikely(req.DEST_length != (t_scalar_t)sizeof(sin) ||
		     (size_t)(uint32_t)req.DEST_offset > mlen - sizeof(sin))) {
		UDP_INC(ui, uderr_bad_addr);
		udp_uderr(ep, mp, EINVAL);
		return NULL;
	}
	memcpy(&sin, mp->b_rptr + req.DEST_offset, sizeof(sin));
	if (unlikely(sin.sin_family != AF_INET)) {
		UDP_INC(ui, uderr_bad_addr);
		udp_uderr(ep, mp, EAFNOSUPPORT);
		return NULL;
	}
	if (unlikely(sin.sin_port == 0 || sin.sin_addr.s_addr == 0)) {
		UDP_INC(ui, uderr_bad_addr);
		udp_uderr(ep, mp, EADDRNOTAVAIL);
		return NULL;
	}
	/* The request's own TOS and TTL, if it has them (a TTL is never 0: 0 is none given). */
	tos = ep->ue_tos;
	ttl = 0;
	if (unlikely(req.OPT_length != 0)) {
		if (req.OPT_length < 0 || req.OPT_offset < 0 ||
		    (size_t)req.OPT_offset + (size_t)req.OPT_length > mlen ||
		    udp_opt_unitdata(mp->b_rptr + req.OPT_offset, (size_t)req.OPT_length, &tos,
				     &ttl, &pi) != 0) {
			UDP_INC(ui, uderr_bad_opt);
			udp_uderr(ep, mp, EINVAL);
			return NULL;
		}
	}
	data = mp->b_cont;
	if (likely(data != NULL && data->b_cont == NULL)) {
		plen = MBLKL(data);
		psum = tt->tt_cksum ? udp_sum_marked(data, plen) : -1;
	} else {
		plen = data == NULL ? 0 : msgdsize(data);
		psum = -1; /* udp_sum_mark() marks single blocks only */
	}
	if (unlikely(data != NULL && DB_TYPE(data) != M_DATA)) {
		UDP_INC(ui, drop_bad_wmsg);
		udp_uderr(ep, mp, EINVAL);
		return NULL;
	}
	if (unlikely(plen > UDP_TSDU_MAX)) {
		UDP_INC(ui, uderr_too_big);
		udp_uderr(ep, mp, EMSGSIZE);
		return NULL;
	}
	/* sin_addr is not 0 (refused above), as udp_dst_get() requires. */
	dc = udp_dst_get(ui, sin.sin_addr.s_addr);
	if (unlikely(dc->dc_bcast && !tt->tt_bcast)) {
		UDP_INC(ui, uderr_bcast);
		udp_uderr(ep, mp, EACCES);
		return NULL;
	}
	/* A group's datagrams go with the multicast TTL (RFC 1112 6.1: 1 unless asked). */
	if (unlikely(req.OPT_length != 0 || dc->dc_mcast)) {
		if (ttl == 0)
			ttl = dc->dc_mcast ? ep->ue_mttl : ep->ue_ttl;
		iu_opts = udp_iu_opts(tos, ttl);
	}
	src = tt->tt_laddr != 0 ? tt->tt_laddr : dc->dc_src;
	if (unlikely(dc->dc_mcast && ep->ue_mif != 0)) {
		/* T_IP_MULTICAST_IF: out that link, from its address; a bound endpoint's own
		 * address names its link (the option may name no other: udp_opt.c). */
		if (tt->tt_laddr == 0)
			src = ep->ue_mif;
		iu_opts |= udp_iu_flagbits(IP_UNITDATA_MIF);
		UDP_INC(ui, tx_mcast_if);
	}
	if (unlikely(dc->dc_mcast && ep->ue_mloop))
		iu_opts |= udp_iu_flagbits(IP_UNITDATA_MLOOP); /* ip loops it if the link joined */
	if (unlikely(dc->dc_mcast && ttl == 0))
		iu_opts |= udp_iu_flagbits(IP_UNITDATA_HOSTONLY); /* T_IP_MULTICAST_TTL 0 */
	if (unlikely(src == 0)) {
		UDP_INC(ui, uderr_no_src);
		udp_uderr(ep, mp, EADDRNOTAVAIL);
		return NULL;
	}
	if (unlikely((pi.ipi_ifindex | pi.ipi_spec_dst) != 0)) {
		int err = udp_pktinfo_src(ep, tt, dc, &pi, &src, &iu_opts);

		if (err != 0) {
			UDP_INC(ui, uderr_pktinfo);
			udp_uderr(ep, mp, err);
			return NULL;
		}
		UDP_INC(ui, tx_pktinfo);
	}
	if (unlikely(ui->ui_lower == NULL || ui->ui_lower_hup)) {
		UDP_INC(ui, drop_no_lower);
		freemsg(mp);
		return NULL;
	}

	/* The UDP header: in the data's headroom, or in a block of its own. */
	if (likely(data != NULL && DB_REF(data) == 1 && MBLKHEAD(data) >= UDP_INPLACE_ROOM)) {
		hb = data;
		hb->b_rptr -= UDP_HDR_LEN;
		tc->tc_inplace++;
	} else {
		hb = yard_allocb_hr(UDP_HDR_LEN, UDP_IPV4_HDR_LEN + YARD_LINK_HEADROOM);
		if (unlikely(hb == NULL)) {
			UDP_INC(ui, drop_tx_nomem);
			freemsg(mp);
			return NULL;
		}
		hb->b_wptr += UDP_HDR_LEN;
		hb->b_cont = data;
		UDP_INC(ui, tx_hdr_block);
	}
	l4ck = udp_hdr_fill(ui, tt, tc, hb, data, udp_ports(tt->tt_lport_be, sin.sin_port),
			    udp_asum(src, sin.sin_addr.s_addr), (unsigned)plen + UDP_HDR_LEN, psum);
	/* The request block becomes ip's, when it is ours alone; else a new one. */
	mp->b_cont = NULL;
	if (unlikely(DB_REF(mp) != 1)) {
		mblk_t *np = allocb(sizeof(struct ip_unitdata_req), BPRI_MED);

		freeb(mp);
		if (unlikely(np == NULL)) {
			UDP_INC(ui, drop_tx_nomem);
			freemsg(hb);
			return NULL;
		}
		mp = np;
	}
	udp_iu_words(iu, sin.sin_addr.s_addr, src, iu_opts | udp_iu_flagbits(l4ck));
	return udp_iu_fill(mp, hb, iu);
}

/* udp_build() out of line: udp_output(), and the requests udp_build_fast() leaves alone. */
static __rte_noinline mblk_t *
udp_build_one(struct udp_ep *ep, mblk_t *mp, struct udp_txc *tc)
{
	struct udp_txt tt;

	udp_txt_init(&tt, ep);
	return udp_build(ep, &tt, mp, tc);
}

/*
 * Whether bp's buffer is a pool mbuf's (not esballoc'd) that only bp refers to, with room
 * bytes in front of b_rptr: DB_REF() == 1 and MBLKHEAD() >= room with the DBLK_ESB test once.
 */
static inline bool
udp_blk_own(const mblk_t *bp, size_t room)
{
	const dblk_t *db = bp->b_datap;
	const struct rte_mbuf *owner = yard_dblk_mbuf(db); /* read only if not ESB */

	return !(db->db_flags & DBLK_ESB) && rte_mbuf_refcnt_read(owner) == 1 &&
	       (room == 0 ||
		bp->b_rptr - (const unsigned char *)owner->buf_addr >= (ptrdiff_t)room);
}

/*
 * The usual request of a burst, taken only when no check of udp_build() can fail on it and
 * nothing needs a call: in the layout XTI writes (the address right after the request, no
 * options), its destination well formed and the one ui_dc holds (not a refused
 * broadcast, a source known), no options, one M_DATA block only it references with the
 * headroom for every header, and a request block only it references. NULL when mp is not
 * that (untouched: udp_build_one() takes it and reports what is wrong, if it is a
 * T_UNITDATA_REQ at all: udp_is_unitdata(), asked only then). The caller has made
 * udp_build()'s endpoint checks for the burst: bound (TS_IDLE), lower side there.
 * Always inline: a call would spill and restore most registers per datagram; and with no
 * call but the software checksum's, the compiler keeps this path's values in registers.
 */
static __rte_always_inline mblk_t *
udp_build_fast(struct udp_inst *ui, const struct udp_txt *tt, mblk_t *mp, struct udp_txc *tc)
{
	/* The layout XTI writes: the address right after the request, no options. */
	static const struct T_unitdata_req usual = {
		.PRIM_type = T_UNITDATA_REQ,
		.DEST_length = sizeof(struct sockaddr_in),
		.DEST_offset = sizeof(struct T_unitdata_req),
		.OPT_length = 0,
	};
	uint64_t u[2], w[2], sw, iu[2];
	mblk_t *data = mp->b_cont;
	size_t plen;
	uint32_t pw;
	uint8_t l4ck;
	int psum;

	static_assert(offsetof(struct T_unitdata_req, OPT_length) == 12, "four fields, 16 bytes");
	if (mp->b_yflags & YB_TUDATA) {
		/*
		 * The layout was proved (YB_TUDATA, streams/mblk.h: an M_PROTO block, the usual
		 * fields, the address inside it); the mark is also worn by indications, so the
		 * primitive is still asked.
		 */
		if (unlikely(((const struct T_unitdata_req *)mp->b_rptr)->PRIM_type !=
			     T_UNITDATA_REQ))
			return NULL;
	} else {
		if (unlikely(DB_TYPE(mp) != M_PROTO ||
			     MBLKL(mp) < sizeof(struct T_unitdata_req) + sizeof(struct sockaddr_in)))
			return NULL;
		/* PRIM_type, DEST_length, DEST_offset, OPT_length: two compares. */
		memcpy(u, &usual, sizeof(u));
		memcpy(w, mp->b_rptr, sizeof(w));
		if (unlikely(w[0] != u[0] || w[1] != u[1]))
			return NULL;
	}
	/*
	 * What is the endpoint's to judge, even in a proved layout: AF_INET and ui_dc's
	 * destination (see udp_txt_dst()) in one compare, a port not 0.
	 */
	memcpy(&sw, mp->b_rptr + sizeof(struct T_unitdata_req), sizeof(sw));
	if (unlikely((sw & UDP_SIN_KEY_BITS) != tt->tt_dkey || (sw & UDP_SIN_PORT_BITS) == 0))
		return NULL;
	if (unlikely(data == NULL || data->b_cont != NULL || DB_TYPE(data) != M_DATA ||
		     !udp_blk_own(data, UDP_INPLACE_ROOM) || !udp_blk_own(mp, 0)))
		return NULL;
	/*
	 * No length check: a pool mbuf's buffer is at most UINT16_MAX bytes (buf_len), and
	 * udp_blk_own() found UDP_INPLACE_ROOM of it in front of the data, so the data is
	 * shorter than UDP_TSDU_MAX. (The long way checks, for esballoc'd and chained data.)
	 */
	static_assert(UINT16_MAX - UDP_INPLACE_ROOM <= UDP_TSDU_MAX,
		      "a pool buffer with the headroom never holds more than a TSDU");
	static_assert(sizeof(((struct rte_mbuf *)NULL)->buf_len) == sizeof(uint16_t),
		      "buf_len bounds a pool buffer");
	plen = MBLKL(data);
	/* udp_sum_marked(), of which this block already passed the b_cont and length tests */
	psum = -1;
	if (tt->tt_cksum && (data->b_yflags & YB_SUMOK) &&
	    (data->b_datap->db_cksum >> 16) == plen)
		psum = (int)(data->b_datap->db_cksum & 0xffff);
	/*
	 * A sockaddr_in's first four bytes (family, port) hold the port where the UDP header's
	 * hold the destination port: masked, they are its word with the source port put in.
	 */
	static_assert(offsetof(struct sockaddr_in, sin_port) ==
		      offsetof(struct rte_udp_hdr, dst_port), "the port at the same offset");
	memcpy(&pw, &sw, sizeof(pw));
	data->b_rptr -= UDP_HDR_LEN;
	tc->tc_inplace++;
	l4ck = udp_hdr_fill(ui, tt, tc, data, data, (pw & udp_ports(0, 0xffff)) | tt->tt_sport,
			    tt->tt_asum, (unsigned)plen + UDP_HDR_LEN, psum);
	/* IP_UNITDATA_OWNED (tt_iu): data is one M_DATA block of a pool buffer, only ours,
	 * with room for UDP, IPv4 and a link header (tagged: 18 bytes) before the UDP header went
	 * in (udp_blk_own()). */
	iu[0] = tt->tt_iu[0];
	/* udp_iu_flags_word() of a constant is one: not worked out per datagram */
	iu[1] = tt->tt_iu[1] | (l4ck != 0 ? udp_iu_flags_word(IP_UNITDATA_L4CK) : 0);
	return udp_iu_fill(mp, data, iu);
}

unsigned
udp_output_burst(struct udp_ep *ep, mblk_t **in, unsigned n, mblk_t **out, unsigned *nout)
{
	struct udp_inst *ui = ep->ue_inst;
	struct udp_txc tc = { 0, 0 };
	struct udp_txt tt;
	unsigned i, k = 0;

	if (unlikely(ep->ue_state != TS_IDLE)) {
		/* Each request answered as udp_output() would (T_UDERROR_IND, EPROTO). */
		for (i = 0; i < n && udp_is_unitdata(in[i]); i++) {
			mblk_t *mp = udp_build_one(ep, in[i], &tc);

			if (mp != NULL)
				out[k++] = mp;
		}
	} else {
		udp_txt_init(&tt, ep);
		udp_txt_dst(&tt, ui);
		for (i = 0; i < n; i++) {
			mblk_t *mp = udp_build_fast(ui, &tt, in[i], &tc);

			if (unlikely(mp == NULL)) {
				if (!udp_is_unitdata(in[i]))
					break; /* the run ends: udp_wput_burst() takes it */
				mp = udp_build_one(ep, in[i], &tc);
				udp_txt_dst(&tt, ui); /* ui_dc may hold another destination now */
			}
			if (mp != NULL)
				out[k++] = mp;
		}
	}
	udp_txc_flush(ui, &tc, k);
	*nout = k;
	return i;
}

void
udp_output(struct udp_ep *ep, mblk_t *mp)
{
	struct udp_txc tc = { 0, 0 };

	/* udp_wput sends only T_UNITDATA_REQs here; udp_wsrv only what udp_wput queued. */
	mp = udp_build_one(ep, mp, &tc);
	udp_txc_flush(ep->ue_inst, &tc, mp != NULL);
	if (mp != NULL)
		putnext(ep->ue_inst->ui_lower, mp);
}


int
udp_wsrv(queue_t *q)
{
	struct udp_ep *ep = q->q_ptr;
	struct udp_inst *ui = ep->ue_inst;
	mblk_t *mp;

	while ((mp = getq(q)) != NULL) {
		queue_t *lq = ui->ui_lower;

		if (lq != NULL && !ui->ui_lower_hup && !canputnext(lq)) {
			(void)putbq(q, mp);
			udp_block(ep);
			break;
		}
		udp_output(ep, mp);
	}
	return 0;
}
