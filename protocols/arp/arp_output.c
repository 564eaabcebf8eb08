/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * arp write side: resolving the next hop of IPv4 packets from above, Ethernet framing, and
 * the ARP frames the module originates (requests, gratuitous announcements).
 *
 * Framing is zero copy when it can be: the Ethernet header goes into the headroom of the
 * packet's first block when that block is not shared (DB_REF 1) and has 14 bytes (18 with a
 * VLAN tag) in front of b_rptr (IP leaves YARD_LINK_HEADROOM; a received packet reused for a
 * reply still has the room its own Ethernet header took). Otherwise a new block carries the
 * header, and the TX offload request of the packet (ol_flags, l2/l3 lengths) moves to the new
 * first mbuf, where a PMD reads it.
 */
#include <errno.h>
#include <string.h>

#include "arp_priv.h"

static const struct rte_ether_addr arp_bcast_mac = {
	.addr_bytes = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
};

/* ol_flags bits describing the buffer itself; never ours to change. */
#define ARP_MBUF_KEEP (RTE_MBUF_F_INDIRECT | RTE_MBUF_F_EXTERNAL)

void
arp_hdr_write(const struct arp_priv *ap, unsigned char *p, const struct rte_ether_addr *dst,
	      uint16_t type_be)
{
	/* Built aside and copied: a datagram built in place may start at an odd address (a
	 * frame a scattered RX cut there), where struct rte_ether_hdr (2-aligned) may not go. */
	unsigned char h[RTE_ETHER_HDR_LEN + RTE_VLAN_HLEN];

	memcpy(h, dst, RTE_ETHER_ADDR_LEN);
	memcpy(h + RTE_ETHER_ADDR_LEN, &ap->ap_if.ai_mac, RTE_ETHER_ADDR_LEN);
	if (ap->ap_if.ai_vlan != 0) {
		/* 802.1Q: TPID, then priority 0, DEI 0 and the VLAN ID; the type follows. */
		const uint16_t tag[3] = { RTE_BE16(RTE_ETHER_TYPE_VLAN),
					  rte_cpu_to_be_16(ap->ap_if.ai_vlan), type_be };

		memcpy(h + 2 * RTE_ETHER_ADDR_LEN, tag, sizeof(tag));
		memcpy(p, h, RTE_ETHER_HDR_LEN + RTE_VLAN_HLEN);
	} else {
		memcpy(h + 2 * RTE_ETHER_ADDR_LEN, &type_be, sizeof(type_be));
		memcpy(p, h, RTE_ETHER_HDR_LEN);
	}
}

mblk_t *
arp_frame(struct arp_priv *ap, mblk_t *mp, const struct rte_ether_addr *dst)
{
	const unsigned hl = arp_hdr_len(ap);

	if (likely(DB_REF(mp) == 1 && MBLKHEAD(mp) >= hl)) {
		mp->b_rptr -= hl;
	} else {
		mblk_t *hp = allocb(hl, BPRI_HI);
		struct rte_mbuf *hm, *m;

		if (unlikely(hp == NULL)) {
			ARP_INC(ap, drop_tx_nomem);
			freemsg(mp);
			return NULL;
		}
		hm = yard_mblk_mbuf(hp);
		m = yard_mblk_mbuf(mp);
		hm->ol_flags = (hm->ol_flags & ARP_MBUF_KEEP) |
			       (m->ol_flags & RTE_MBUF_F_TX_OFFLOAD_MASK);
		hm->tx_offload = m->tx_offload;
		hp->b_wptr += hl;
		hp->b_cont = mp;
		mp = hp;
		ARP_INC(ap, tx_hdr_block);
	}
	arp_hdr_write(ap, mp->b_rptr, dst, RTE_BE16(RTE_ETHER_TYPE_IPV4));
	if (hl != RTE_ETHER_HDR_LEN)
		arp_offload_l2_len(yard_mblk_mbuf(mp), hl);
	if (unlikely(mp->b_cont != NULL && !(ap->ap_if.ai_caps & YARD_LINK_CAP_TX_MULTISEG)) &&
	    !pullupmsg(mp, -1)) {
		ARP_INC(ap, drop_tx_linearize);
		freemsg(mp);
		return NULL;
	}
	return mp;
}

int
arp_frame_send(queue_t *wq, struct arp_priv *ap, mblk_t *mp, const struct rte_ether_addr *dst)
{
	mp = arp_frame(ap, mp, dst);
	if (mp == NULL)
		return 0;
	ARP_INC(ap, tx_frames);
	putnext(wq, mp);
	return 1;
}

/* RFC 1112 section 6.4: IPv4 multicast maps to 01:00:5e + the low 23 bits of the group. */
static void
arp_mcast_mac(uint32_t addr, struct rte_ether_addr *mac)
{
	uint32_t h = rte_be_to_cpu_32(addr);

	mac->addr_bytes[0] = 0x01;
	mac->addr_bytes[1] = 0x00;
	mac->addr_bytes[2] = 0x5e;
	mac->addr_bytes[3] = (uint8_t)((h >> 16) & 0x7f);
	mac->addr_bytes[4] = (uint8_t)(h >> 8);
	mac->addr_bytes[5] = (uint8_t)h;
}

/* Remember nh -> mac (as the header to write) for the rest of the caller's burst; returns mac. */
static inline const struct rte_ether_addr *
arp_nhc_set(const struct arp_priv *ap, struct arp_nhc *nhc, uint32_t nh,
	    const struct rte_ether_addr *mac)
{
	if (nhc != NULL) {
		nhc->nc_nh = nh;
		nhc->nc_gen = ap->ap_gen;
		arp_hdr_write(ap, nhc->nc_hdr, mac, RTE_BE16(RTE_ETHER_TYPE_IPV4));
	}
	return mac;
}

/*
 * Probe a STALE entry that is in use, once its interval is up (the caller checked): first
 * ap_ucast_probes requests to its cached MAC (RFC 1122 2.3.2.1's unicast poll, Linux's
 * NUD_PROBE), which no other host on the segment has to look at; then up to ap_retries
 * broadcast ones, in case the neighbour is still there with another MAC; then none, and the
 * sweep removes it ap_timeout_ms after it went stale unless something confirmed it. Driven by
 * use, as the refresh always was, so an idle entry costs nothing and the packet path has no
 * timer to keep; the packet itself is sent whatever happens here. A request that found no
 * block counts as sent (drop_tx_nomem): the next is ap_retry_ms away, as for a lost one.
 */
static __rte_noinline void
arp_probe(struct arp_priv *ap, struct arp_ent *e, uint64_t now)
{
	const uint32_t ucast = ap->ap_param.ap_ucast_probes;

	if (e->ae_tries >= ucast + ap->ap_param.ap_retries) {
		e->ae_next_try = UINT64_MAX; /* nothing left to send: later uses skip the call */
		return;
	}
	e->ae_tries++;
	e->ae_next_try = now + ap->ap_retry_cyc;
	/* Last: the request may come back answered at once (a loop-back below) and confirm e. */
	arp_send_request(ap, e->ae_addr, e->ae_tries <= ucast ? &e->ae_mac : NULL);
}

mblk_t *
arp_resolve(queue_t *wq, struct arp_priv *ap, mblk_t *mp, struct arp_nhc *nhc)
{
	struct rte_ether_addr mac;
	struct arp_ent *e;
	uint32_t nh;
	uint64_t now;

	if (unlikely(!ap->ap_configured)) {
		ARP_INC(ap, drop_tx_unconfigured);
		freemsg(mp);
		return NULL;
	}
	nh = yard_nexthop_get(mp);
	if (unlikely(nh == 0)) {
		ARP_INC(ap, drop_no_nexthop);
		freemsg(mp);
		return NULL;
	}
	if (unlikely(nh == UINT32_MAX || (ap->ap_if.ai_prefix < 31 && nh == ap->ap_bcast)))
		return arp_frame(ap, mp, arp_nhc_set(ap, nhc, nh, &arp_bcast_mac));
	if (unlikely((rte_be_to_cpu_32(nh) & 0xf0000000u) == 0xe0000000u)) {
		arp_mcast_mac(nh, &mac);
		return arp_frame(ap, mp, arp_nhc_set(ap, nhc, nh, &mac));
	}
	now = rte_get_timer_cycles();
	e = arp_cache_lookup(ap, nh);
	if (likely(e != NULL)) {
		switch (arp_cache_state(ap, e, now)) {
		case ARP_STATE_REACHABLE:
		case ARP_STATE_STATIC:
			return arp_frame(ap, mp, arp_nhc_set(ap, nhc, nh, &e->ae_mac));
		case ARP_STATE_STALE:
			/* Use it, and ask whether it still holds (a reply confirms it). */
			if (now >= e->ae_next_try)
				arp_probe(ap, e, now);
			return arp_frame(ap, mp, arp_nhc_set(ap, nhc, nh, &e->ae_mac));
		default:
			arp_cache_hold(ap, e, mp);
			return NULL;
		}
	}
	e = arp_cache_add(ap, nh, ARP_STATE_INCOMPLETE);
	if (unlikely(e == NULL)) {
		ARP_INC(ap, drop_table_full);
		freemsg(mp);
		return NULL;
	}
	e->ae_confirmed = now;
	e->ae_tries = 1;
	e->ae_next_try = now + ap->ap_retry_cyc;
	arp_cache_hold(ap, e, mp);
	arp_send_request(ap, nh, NULL);
	arp_cache_arm(ap);
	return NULL;
}


int
arp_send_arp(struct arp_priv *ap, uint16_t op, const struct rte_ether_addr *eth_dst,
	     const struct rte_ether_addr *tha, uint32_t tip, uint32_t sip)
{
	mblk_t *mp = allocb(ARP_FRAME_MIN, BPRI_HI);
	const unsigned hl = arp_hdr_len(ap);
	struct rte_arp_hdr *ah;

	if (mp == NULL) {
		ARP_INC(ap, drop_tx_nomem);
		return -ENOBUFS;
	}
	memset(mp->b_wptr, 0, ARP_FRAME_MIN);
	arp_hdr_write(ap, mp->b_wptr, eth_dst, RTE_BE16(RTE_ETHER_TYPE_ARP));
	ah = (struct rte_arp_hdr *)(mp->b_wptr + hl);
	ah->arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
	ah->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	ah->arp_hlen = RTE_ETHER_ADDR_LEN;
	ah->arp_plen = sizeof(uint32_t);
	ah->arp_opcode = rte_cpu_to_be_16(op);
	rte_ether_addr_copy(&ap->ap_if.ai_mac, &ah->arp_data.arp_sha);
	ah->arp_data.arp_sip = sip;
	rte_ether_addr_copy(tha, &ah->arp_data.arp_tha);
	ah->arp_data.arp_tip = tip;
	/* Padded to the 60-byte Ethernet minimum: not every PMD pads short frames. */
	mp->b_wptr += ARP_FRAME_MIN;
	putnext(WR(ap->ap_rq), mp);
	return 0;
}

void
arp_send_request(struct arp_priv *ap, uint32_t addr, const struct rte_ether_addr *dst)
{
	static const struct rte_ether_addr zero;

	/* Unicast or not, the target hardware address is zero: it is what the request asks. */
	if (arp_send_arp(ap, RTE_ARP_OP_REQUEST, dst != NULL ? dst : &arp_bcast_mac, &zero, addr,
			 ap->ap_if.ai_addr) != 0)
		return;
	ARP_INC(ap, tx_requests);
	if (dst != NULL)
		ARP_INC(ap, tx_ucast_probes);
}

void
arp_send_gratuitous(struct arp_priv *ap)
{
	static const struct rte_ether_addr zero;

	/* RFC 5227 section 3: an ARP request with sender and target both our address. */
	if (arp_send_arp(ap, RTE_ARP_OP_REQUEST, &arp_bcast_mac, &zero, ap->ap_if.ai_addr,
			 ap->ap_if.ai_addr) == 0)
		ARP_INC(ap, tx_gratuitous);
}
