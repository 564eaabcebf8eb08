/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ip's own loop-back: datagrams a transport sends that are for this host as well, or only.
 *
 * Principles of operation
 * -----------------------
 * Two kinds come back up instead of, or as well as, going down a link:
 *  - a datagram to one of our own addresses (Linux's lo, illumos' ip_wput_local): never sent,
 *    it goes up as if it had arrived on the link that has the address (ip_loop_local);
 *  - a copy of a datagram to a group the outgoing link joined, when its sender asked for it
 *    (IP_UNITDATA_MLOOP, ip.h): for the group's members here (ip_loop_mcast), or the datagram
 *    itself when it must not leave the host (TTL 0, IP_UNITDATA_HOSTONLY: ip_loop_host_only).
 * Either is whole when it comes back: its header and transport checksums are computed in
 * software (no port finishes them), and the offload requests of its mbuf are cleared.
 *
 * Neither goes up inside the call that sent it. A transport's put procedure that sends to
 * itself would otherwise be entered again from its own send, and two tcp connections of this
 * host would answer each other segment by segment on one ever deeper stack. The datagram
 * waits on its link's loop list (il_loop) and the link's lower read queue is enabled: its
 * service procedure (ip_lrsrv), run by the lcore's scheduler like any other, delivers the list
 * with ip_deliver(), as ip's input delivers a reassembled datagram. The list is ip's, not the
 * queue's (nothing is putq'd there): a lower read queue that held messages could turn QFULL
 * and stop the driver's receive, which has nothing to do with what this host sends itself. A
 * link holds at most IP_LOOP_MAX_BYTES waiting (the stream head's default high water); past
 * it a datagram is dropped (drop_loop_full), as a full receive queue drops.
 */
#include <protocols/inet_cksum.h>

#include "ip_priv.h"

/* Bytes a link's loop list holds at most (a sender outrunning its own reader is dropped). */
#define IP_LOOP_MAX_BYTES (256u * 1024u)

/* mp (a whole datagram, IPv4 header of hlen bytes at b_rptr, tot bytes) made whole and put
 * on il's loop list; consumed. */
static void
ip_loop_put(struct ip_inst *ii, struct ip_link *il, mblk_t *mp, unsigned hlen, unsigned tot,
	    uint64_t l4)
{
	struct rte_ipv4_hdr *ip = ip_hdr(mp);
	struct rte_mbuf *m = yard_mblk_mbuf(mp);

	if (unlikely(il->il_loop_bytes + tot > IP_LOOP_MAX_BYTES)) {
		IP_INC(ii, drop_loop_full);
		freemsg(mp);
		return;
	}
	ip->hdr_checksum = 0;
	ip->hdr_checksum = (uint16_t)~inet_ipv4_hdr_sum(ip, hlen);
	if (l4 != 0)
		inet_l4_cksum_complete(mp, hlen, tot, l4 == RTE_MBUF_F_TX_UDP_CKSUM);
	/* No request for a port is left on it, nor a hand-over mark meant for the link below,
	 * and no port received it (a reused buffer's would be stale: IP_PKTINFO's link index). */
	m->ol_flags &= IP_MBUF_KEEP;
	m->port = RTE_MBUF_PORT_INVALID;
	mp->b_yflags = 0;
	mp->b_next = NULL;
	if (il->il_loop == NULL)
		il->il_loop = mp;
	else
		il->il_loop_tail->b_next = mp;
	il->il_loop_tail = mp;
	il->il_loop_bytes += tot;
	qenable(RD(il->il_qbot));
}

void
ip_loop_local(struct ip_inst *ii, struct ip_link *il, mblk_t *mp, unsigned hlen,
	      unsigned tot, uint64_t l4)
{
	IP_INC(ii, tx_local);
	ip_loop_put(ii, il, mp, hlen, tot, l4);
}

void
ip_loop_mcast(struct ip_inst *ii, struct ip_link *il, const mblk_t *mp, unsigned tot,
	      uint64_t l4)
{
	const struct rte_ipv4_hdr *ip = ip_hdr(mp);
	mblk_t *cp;

	if (ip_mcast_accept(il, ip->dst_addr, ip->src_addr) < IP_MCAST_ANY_SOURCE)
		return; /* no member on this link, or its filter leaves us out */
	/* A copy, not a reference: the original's bytes are the port's until it has sent them
	 * (it may write the checksums the copy has in software). */
	cp = copymsg((mblk_t *)mp);
	if (cp == NULL) {
		IP_INC(ii, drop_mloop_nomem);
		return;
	}
	IP_INC(ii, tx_mcast_looped);
	ip_loop_put(ii, il, cp, ip_hlen(ip), tot, l4);
}

void
ip_loop_host_only(struct ip_inst *ii, struct ip_link *il, mblk_t *mp, unsigned tot,
		  uint64_t l4, bool loop)
{
	const struct rte_ipv4_hdr *ip = ip_hdr(mp);

	IP_INC(ii, tx_mcast_host_only);
	if (!loop || ip_mcast_accept(il, ip->dst_addr, ip->src_addr) < IP_MCAST_ANY_SOURCE) {
		freemsg(mp); /* nowhere to go: not sent, not looped */
		return;
	}
	IP_INC(ii, tx_mcast_looped);
	ip_loop_put(ii, il, mp, ip_hlen(ip), tot, l4); /* the datagram itself: no copy needed */
}

/* What waits on il's loop list, taken off it (b_next-linked, oldest first). */
static mblk_t *
ip_loop_take(struct ip_link *il)
{
	mblk_t *mp = il->il_loop;

	il->il_loop = NULL;
	il->il_loop_tail = NULL;
	il->il_loop_bytes = 0;
	return mp;
}

int
ip_lrsrv(queue_t *q)
{
	struct ip_link *il = q->q_ptr;
	mblk_t *mp;

	/* Unlinked since it was enabled: ip_loop_flush() took the list then. */
	if (il == NULL || il->il_inst == NULL)
		return 0;
	/*
	 * Only what waits now: what the deliveries send back to us (tcp's answer to its own
	 * segment, an echo's reply) starts a new list and enables the queue again, so that two
	 * ends of this host answering each other take turns with everything else the lcore
	 * runs (the scheduler's budget, its poll hooks, timers) instead of holding it here.
	 */
	mp = ip_loop_take(il);
	while (mp != NULL) {
		mblk_t *next = mp->b_next;

		mp->b_next = NULL;
		/* bcast is worked out again from the destination: a group's copy is one. */
		ip_deliver(il->il_inst, mp, false);
		mp = next;
	}
	return 0;
}

void
ip_loop_flush(struct ip_link *il)
{
	freemsgchain(ip_loop_take(il));
}
