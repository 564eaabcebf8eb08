/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * arp read side: classify received frames by ethertype, pass IPv4 up without its Ethernet
 * header (as one burst), and process ARP (RFC 826 "Packet Reception", RFC 5227).
 *
 * A burst is classified in place: IPv4 frames are compacted to the front of the caller's
 * vector and passed on with one putnext_burst(); everything else is consumed on the way. A
 * non-M_DATA message in the middle of a burst first flushes what was collected, so the order
 * of messages is kept.
 */
#include <string.h>

#include "arp_priv.h"

/* ol_flags bits describing the buffer itself; never ours to change. */
#define ARP_MBUF_KEEP (RTE_MBUF_F_INDIRECT | RTE_MBUF_F_EXTERNAL)

/*
 * Answer a request for our address by turning it into the reply, in place when the block is
 * ours alone (it always is for a frame fresh from a PMD) and its link header has the length of
 * the one we send (hl bytes: a tag where the link has one), which is written over it.
 */
static void
arp_reply(queue_t *q, struct arp_priv *ap, mblk_t *mp, unsigned hl,
	  const struct rte_ether_addr *sha, uint32_t sip)
{
	struct rte_arp_hdr *ah;
	struct rte_mbuf *m;

	if (DB_REF(mp) != 1 || (size_t)(DB_LIM(mp) - mp->b_rptr) < ARP_FRAME_MIN ||
	    hl != arp_hdr_len(ap)) {
		struct rte_ether_addr to = *sha;

		freemsg(mp);
		if (arp_send_arp(ap, RTE_ARP_OP_REPLY, &to, &to, sip, ap->ap_if.ai_addr) == 0)
			ARP_INC(ap, tx_replies);
		return;
	}
	if (mp->b_cont != NULL) {
		freemsg(mp->b_cont);
		mp->b_cont = NULL;
	}
	arp_hdr_write(ap, mp->b_rptr, sha, RTE_BE16(RTE_ETHER_TYPE_ARP)); /* priority 0 */
	ah = (struct rte_arp_hdr *)(mp->b_rptr + hl);
	ah->arp_opcode = RTE_BE16(RTE_ARP_OP_REPLY);
	rte_ether_addr_copy(sha, &ah->arp_data.arp_tha);
	ah->arp_data.arp_tip = sip;
	rte_ether_addr_copy(&ap->ap_if.ai_mac, &ah->arp_data.arp_sha);
	ah->arp_data.arp_sip = ap->ap_if.ai_addr;
	memset(mp->b_rptr + hl + sizeof(*ah), 0, ARP_FRAME_MIN - hl - sizeof(*ah));
	mp->b_wptr = mp->b_rptr + ARP_FRAME_MIN;
	m = yard_mblk_mbuf(mp);
	m->ol_flags &= ARP_MBUF_KEEP; /* RX verdicts mean nothing on the way out */
	ARP_INC(ap, tx_replies);
	qreply(q, mp);
}

/* One ARP frame, its link header (hl bytes: Ethernet, or with a VLAN tag) still in front. */
/*
 * Another host claims our address. Defend it (RFC 5227 2.4 (b)): one announcement, so that
 * neighbours that took the other host's MAC take ours back, and no more than one per
 * DEFEND_INTERVAL, so that two hosts do not trade announcements forever; past that, keep the
 * configured address (2.4 (c): a server's address is not given up) and only count.
 */
static void
arp_defend(struct arp_priv *ap)
{
	uint64_t now = rte_get_timer_cycles();

	if (ap->ap_defended != 0 && now - ap->ap_defended < ARP_DEFEND_INTERVAL_S * ap->ap_hz)
		return;
	ap->ap_defended = now;
	ARP_INC(ap, tx_defended);
	arp_send_gratuitous(ap);
}

static __rte_noinline void
arp_rx_arp(queue_t *q, struct arp_priv *ap, mblk_t *mp, unsigned hl)
{
	struct rte_arp_hdr *ah;
	struct rte_ether_addr sha;
	uint32_t sip, tip;
	size_t len;
	uint16_t op;
	bool for_us, changed = false;
	struct arp_ent *e = NULL;

	ARP_INC(ap, rx_arp);
	len = (mp->b_cont == NULL ? MBLKL(mp) : msgdsize(mp)) - hl;
	if (len < 8) {
		ARP_INC(ap, drop_bad_len);
		goto drop;
	}
	if (MBLKL(mp) < hl + RTE_MIN(len, sizeof(*ah)) &&
	    !pullupmsg(mp, (ssize_t)(hl + RTE_MIN(len, sizeof(*ah))))) {
		ARP_INC(ap, drop_arp_nomem); /* counted in rx_arp already: not a frame-level drop */
		goto drop;
	}
	ah = (struct rte_arp_hdr *)(mp->b_rptr + hl);
	if (ah->arp_hardware != RTE_BE16(RTE_ARP_HRD_ETHER)) {
		ARP_INC(ap, drop_bad_hw);
		goto drop;
	}
	if (ah->arp_protocol != RTE_BE16(RTE_ETHER_TYPE_IPV4)) {
		ARP_INC(ap, drop_bad_proto);
		goto drop;
	}
	if (ah->arp_hlen != RTE_ETHER_ADDR_LEN || ah->arp_plen != sizeof(uint32_t) ||
	    len < sizeof(*ah)) {
		ARP_INC(ap, drop_bad_len);
		goto drop;
	}
	op = rte_be_to_cpu_16(ah->arp_opcode);
	if (op != RTE_ARP_OP_REQUEST && op != RTE_ARP_OP_REPLY) {
		ARP_INC(ap, drop_bad_op);
		goto drop;
	}
	sha = ah->arp_data.arp_sha;
	sip = ah->arp_data.arp_sip;
	tip = ah->arp_data.arp_tip;
	if (rte_is_zero_ether_addr(&sha) || rte_is_multicast_ether_addr(&sha) ||
	    rte_is_same_ether_addr(&sha, &ap->ap_if.ai_mac) ||
	    (sip != 0 && arp_addr_bad_src(ap, sip))) {
		ARP_INC(ap, drop_bad_sender);
		goto drop;
	}
	if (op == RTE_ARP_OP_REQUEST)
		ARP_INC(ap, rx_requests);
	else
		ARP_INC(ap, rx_replies);
	if (sip == ap->ap_if.ai_addr) {
		/* Someone else uses our address (RFC 5227 section 2.4): never learn it. */
		ARP_INC(ap, drop_dup_addr);
		arp_defend(ap);
		goto drop;
	}
	for_us = tip == ap->ap_if.ai_addr;
	/*
	 * RFC 826: merge the sender into an existing entry whoever the target is; add it only
	 * when we are the target. A probe (sender 0, RFC 5227) teaches nothing.
	 */
	if (sip != 0)
		e = arp_cache_learn(ap, sip, &sha, for_us, &changed);
	if (e != NULL && e->ae_state != ARP_STATE_STATIC)
		arp_sib_notify(ap, sip, &sha);
	if (!for_us) {
		if (e == NULL)
			ARP_INC(ap, drop_not_target);
		goto drop;
	}
	if (op == RTE_ARP_OP_REQUEST) {
		ARP_INC(ap, rx_requests_for_us);
		arp_reply(q, ap, mp, hl, &sha, sip);
		return;
	}
drop:
	freemsg(mp);
}

/* Count a frame whose VLAN ID vid (0: priority-tagged) is not the link's. */
static void
arp_vlan_other(struct arp_priv *ap, uint16_t vid)
{
	if (vid == 0)
		ARP_INC(ap, drop_untagged); /* priority-tagged: the untagged VLAN's */
	else
		ARP_INC(ap, drop_vlan);
}

/*
 * The 802.1Q part of a frame's header, for a VLAN link or a frame with a tag (in it, or
 * stripped by the port): whether the frame is the link's, and its ethertype (*type, network
 * order). Returns the header's length (14, or 18 with the tag in the frame), or 0 for a frame
 * to drop (counted). Apart from arp_rx_frame_slow(), which the burst's loop inlines: its
 * registers are the loop's.
 */
static __rte_noinline unsigned
arp_rx_vlan(struct arp_priv *ap, mblk_t *mp, uint16_t *type)
{
	const uint16_t vlan = ap->ap_if.ai_vlan;
	const struct rte_mbuf *m = yard_mblk_mbuf(mp);
	unsigned hl = RTE_ETHER_HDR_LEN;
	bool tagged = false; /* a tag with the link's ID (0: a priority tag) was seen */

	if (m->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED) {
		/* The port took the tag off: its ID must be the link's (0: priority-tagged). */
		if ((m->vlan_tci & RTE_VLAN_ID_MASK) != vlan) {
			arp_vlan_other(ap, m->vlan_tci & RTE_VLAN_ID_MASK);
			return 0;
		}
		tagged = true;
	}
	if (*type == RTE_BE16(RTE_ETHER_TYPE_VLAN) && !tagged) {
		uint16_t tci;

		if (unlikely(MBLKL(mp) < hl + RTE_VLAN_HLEN)) {
			if (msgdsize(mp) < hl + RTE_VLAN_HLEN) {
				ARP_INC(ap, drop_short);
				return 0;
			}
			if (!pullupmsg(mp, hl + RTE_VLAN_HLEN)) {
				ARP_INC(ap, drop_rx_nomem);
				return 0;
			}
		}
		/* 802.1Q: the TCI after the TPID, its low 12 bits the ID (0: a priority only). */
		memcpy(&tci, mp->b_rptr + RTE_ETHER_HDR_LEN, sizeof(tci));
		memcpy(type, mp->b_rptr + RTE_ETHER_HDR_LEN + sizeof(tci), sizeof(*type));
		if ((rte_be_to_cpu_16(tci) & RTE_VLAN_ID_MASK) != vlan) {
			arp_vlan_other(ap, rte_be_to_cpu_16(tci) & RTE_VLAN_ID_MASK);
			return 0;
		}
		tagged = true;
		hl += RTE_VLAN_HLEN;
	}
	if (*type == RTE_BE16(RTE_ETHER_TYPE_VLAN) || *type == RTE_BE16(RTE_ETHER_TYPE_QINQ)) {
		/* another tag: stacked (802.1ad), or one the port stripped */
		ARP_INC(ap, drop_vlan);
		return 0;
	}
	if (vlan != 0 && !tagged) {
		ARP_INC(ap, drop_untagged);
		return 0;
	}
	return hl;
}

/*
 * One frame, every case: returns true if it is IPv4 for the burst going up (header stripped).
 * rx_frames and rx_ipv4 are the caller's to count, once per burst.
 */
static bool
arp_rx_frame_slow(queue_t *q, struct arp_priv *ap, mblk_t *mp)
{
	struct rte_ether_hdr *eh;
	struct rte_mbuf *m;
	unsigned hl = RTE_ETHER_HDR_LEN;
	uint16_t type;

	if (unlikely(!ap->ap_configured)) {
		ARP_INC(ap, drop_unconfigured);
		goto drop;
	}
	if (unlikely(MBLKL(mp) < RTE_ETHER_HDR_LEN)) {
		if (msgdsize(mp) < RTE_ETHER_HDR_LEN) {
			ARP_INC(ap, drop_short);
			goto drop;
		}
		if (!pullupmsg(mp, RTE_ETHER_HDR_LEN)) {
			ARP_INC(ap, drop_rx_nomem);
			goto drop;
		}
	}
	eh = (struct rte_ether_hdr *)mp->b_rptr;
	/* The group bit first: one byte settles broadcast and multicast frames. */
	if (unlikely(!rte_is_multicast_ether_addr(&eh->dst_addr) &&
		     !rte_is_same_ether_addr(&eh->dst_addr, &ap->ap_if.ai_mac))) {
		ARP_INC(ap, drop_not_for_us);
		goto drop;
	}
	m = yard_mblk_mbuf(mp);
	type = eh->ether_type;
	if (unlikely(ap->ap_if.ai_vlan != 0 || (m->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED) ||
		     type == RTE_BE16(RTE_ETHER_TYPE_VLAN) ||
		     type == RTE_BE16(RTE_ETHER_TYPE_QINQ))) {
		hl = arp_rx_vlan(ap, mp, &type);
		if (hl == 0)
			goto drop;
	}
	switch (type) {
	case RTE_BE16(RTE_ETHER_TYPE_IPV4):
		mp->b_rptr += hl;
		return true;
	case RTE_BE16(RTE_ETHER_TYPE_ARP):
		arp_rx_arp(q, ap, mp, hl);
		return false;
	case RTE_BE16(RTE_ETHER_TYPE_IPV6):
		ARP_INC(ap, drop_ipv6);
		break;
	default:
		ARP_INC(ap, drop_other_type);
		break;
	}
drop:
	freemsg(mp);
	return false;
}

/* An Ethernet address as the first six bytes of a word, the other two zero. */
static inline uint64_t
arp_mac_word(const void *addr)
{
	uint64_t w = 0;

	memcpy(&w, addr, RTE_ETHER_ADDR_LEN);
	return w;
}

/*
 * Is the frame's destination (the first 6 of the 14 header bytes proved present) the word
 * mac? One load of 8 bytes, masked to the 6 of the address, and one compare: the per-byte
 * rte_is_same_ether_addr() is three loads and three compares of 16 bits.
 */
static inline bool
arp_dst_is(const struct rte_ether_hdr *eh, uint64_t mac)
{
	static const uint8_t ones[RTE_ETHER_ADDR_LEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint64_t w;

	memcpy(&w, eh, sizeof(w));
	return (w & arp_mac_word(ones)) == mac;
}

/*
 * arp_rx_frame_slow() with the frame nearly every received one is taken first: IPv4, for our
 * address or a group one, not VLAN-tagged, its Ethernet header in the first block. The same
 * checks in the order that settles that frame soonest (the group bit, one byte, first);
 * any other frame goes the long way, which checks (and counts) everything again. configured
 * and mac: ap_configured and arp_mac_word(ai_mac), read once a burst by the caller and again
 * after anything but a frame (only ARP_SETIF changes them, and the long way reads them again).
 */
static inline bool
arp_rx_frame(queue_t *q, struct arp_priv *ap, bool configured, uint64_t mac, mblk_t *mp)
{
	const struct rte_ether_hdr *eh = (const struct rte_ether_hdr *)mp->b_rptr;

	if (likely(configured && MBLKL(mp) >= RTE_ETHER_HDR_LEN &&
		   eh->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV4) &&
		   (rte_is_multicast_ether_addr(&eh->dst_addr) || arp_dst_is(eh, mac)) &&
		   !(yard_mblk_mbuf(mp)->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED))) {
		mp->b_rptr += RTE_ETHER_HDR_LEN;
		return true;
	}
	return arp_rx_frame_slow(q, ap, mp);
}

static void
arp_rput_other(queue_t *q, struct arp_priv *ap, mblk_t *mp)
{
	if (DB_TYPE(mp) == M_CTL && MBLKL(mp) >= sizeof(struct arp_learn) &&
	    ((const struct arp_learn *)mp->b_rptr)->al_magic == ARP_LEARN_MAGIC) {
		arp_sib_input(ap, mp);
		return;
	}
	/* M_FLUSH, M_IOCACK, DLPI M_PROTO/M_PCPROTO, ...: not ours; nothing is queued here. */
	putnext(q, mp);
}

/*
 * Count the nframes M_DATA frames looked at since the last pass and send the k IPv4 ones
 * collected at the front of mps up: two counter updates a burst instead of two a frame.
 * Counted before putnext_burst, as what runs above may close this stream.
 */
static inline void
arp_rput_pass(queue_t *q, struct arp_priv *ap, mblk_t **mps, unsigned k, unsigned nframes)
{
	ARP_ADD_N(ap, rx_frames, nframes);
	ARP_ADD_N(ap, rx_ipv4, k);
	if (k != 0)
		putnext_burst(q, mps, k);
}

/*
 * arp_rx_frame() for a VLAN link: IPv4 tagged with the link's ID (any priority), for our
 * address or a group one, its 18-byte header in the first block, the port having stripped no
 * tag. tag: the 4 bytes after the addresses as they must be, priority bits 0 (arp_tag_word()).
 */
static inline bool
arp_rx_frame_tagged(queue_t *q, struct arp_priv *ap, bool configured, uint64_t mac,
		    uint32_t tag, mblk_t *mp)
{
	static const uint8_t pcp_off[RTE_VLAN_HLEN] = { 0xff, 0xff, 0x0f, 0xff }; /* TPID, ID */
	const struct rte_ether_hdr *eh = (const struct rte_ether_hdr *)mp->b_rptr;

	if (likely(configured && MBLKL(mp) >= RTE_ETHER_HDR_LEN + RTE_VLAN_HLEN)) {
		uint32_t t, mask;
		uint16_t type;

		memcpy(&t, mp->b_rptr + 2 * RTE_ETHER_ADDR_LEN, sizeof(t));
		memcpy(&mask, pcp_off, sizeof(mask));
		memcpy(&type, mp->b_rptr + RTE_ETHER_HDR_LEN + 2, sizeof(type));
		if (likely((t & mask) == tag && type == RTE_BE16(RTE_ETHER_TYPE_IPV4) &&
			   (rte_is_multicast_ether_addr(&eh->dst_addr) || arp_dst_is(eh, mac)) &&
			   !(yard_mblk_mbuf(mp)->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED))) {
			mp->b_rptr += RTE_ETHER_HDR_LEN + RTE_VLAN_HLEN;
			return true;
		}
	}
	return arp_rx_frame_slow(q, ap, mp);
}

/* The 802.1Q tag of the link's VLAN as it is on the wire (TPID, priority 0, the ID), a word. */
static inline uint32_t
arp_tag_word(const struct arp_priv *ap)
{
	const uint8_t b[RTE_VLAN_HLEN] = { RTE_ETHER_TYPE_VLAN >> 8, RTE_ETHER_TYPE_VLAN & 0xff,
					   (uint8_t)(ap->ap_if.ai_vlan >> 8),
					   (uint8_t)ap->ap_if.ai_vlan };
	uint32_t w;

	memcpy(&w, b, sizeof(w));
	return w;
}

/*
 * The IPv4 frames are compacted to the front of mps (out); from is where the uncounted ones
 * start. An index for the frames read, a pointer for those kept: two pointers walked
 * together are packed into one vector register by the compiler, at four moves a frame.
 *
 * plain (a constant in each of the two copies, arp_rput_burst() and arp_rput_tagged()): the
 * link is on no VLAN (arp_rx_frame()), else on one (arp_rx_frame_tagged()). Returns the
 * messages consumed: what follows a message after which the link is of the other kind (an
 * ARP_SETIF that ran meanwhile) is left to the caller.
 */
static inline unsigned
arp_rput_run(queue_t *q, struct arp_priv *ap, mblk_t **mps, unsigned n, const bool plain)
{
	mblk_t **out = mps;
	size_t from = 0; /* size_t: one register walks the vector and counts */
	bool configured = ap->ap_configured;
	uint64_t mac = arp_mac_word(&ap->ap_if.ai_mac);
	uint32_t tag = plain ? 0 : arp_tag_word(ap);

	for (size_t i = 0; i < n; i++) {
		mblk_t *mp = mps[i];

		if (unlikely(DB_TYPE(mp) != M_DATA)) {
			/* Keep order: the frames before it go first. */
			arp_rput_pass(q, ap, mps, (unsigned)(out - mps), (unsigned)(i - from));
			out = mps;
			from = i + 1;
			arp_rput_other(q, ap, mp);
			if ((ap->ap_if.ai_vlan == 0) != plain)
				return (unsigned)(i + 1);
			configured = ap->ap_configured;
			mac = arp_mac_word(&ap->ap_if.ai_mac);
			tag = plain ? 0 : arp_tag_word(ap);
			continue;
		}
		if (plain ? arp_rx_frame(q, ap, configured, mac, mp) :
			    arp_rx_frame_tagged(q, ap, configured, mac, tag, mp))
			*out++ = mp;
	}
	arp_rput_pass(q, ap, mps, (unsigned)(out - mps), (unsigned)(n - from));
	return n;
}

/* A VLAN link's burst: arp_rput_run()'s tagged copy, apart from the plain one. */
static __rte_noinline void
arp_rput_tagged(queue_t *q, struct arp_priv *ap, mblk_t **mps, unsigned n)
{
	unsigned k = arp_rput_run(q, ap, mps, n, false);

	if (unlikely(k < n))
		arp_rput_burst(q, mps + k, n - k);
}

void
arp_rput_burst(queue_t *q, mblk_t **mps, unsigned n)
{
	struct arp_priv *ap = q->q_ptr;
	unsigned k;

	if (unlikely(ap->ap_if.ai_vlan != 0)) {
		arp_rput_tagged(q, ap, mps, n);
		return;
	}
	k = arp_rput_run(q, ap, mps, n, true);
	if (unlikely(k < n))
		arp_rput_burst(q, mps + k, n - k);
}

int
arp_rput(queue_t *q, mblk_t *mp)
{
	arp_rput_burst(q, &mp, 1);
	return 0;
}
