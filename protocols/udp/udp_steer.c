/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Software steering of ephemeral ports between lcores.
 *
 * Principles of operation. Each lcore has its own udp instance and its own endpoints, and a
 * port's RSS (or the kernel, for net_tap) chooses the lcore a datagram reaches by a hash of
 * its addresses and ports, not by where the endpoint it is for lives. A server's endpoint is
 * bound on every lcore (the services are), so any lcore answers. A client's is not: it is
 * bound to an ephemeral port on the lcore of its application, and the peer's replies reach
 * whichever lcore their hash names (F-Stack #418's problem, for UDP). Unlike TCP's active open
 * (tcp_rss.c), the peer is not known when the port is chosen (an unconnected endpoint sends to
 * anyone), so no port can be chosen for the hash: instead, with N udp instances, instance k
 * (by lcore order) takes ephemeral ports p with p mod N = k, and an instance that receives a
 * datagram, or an ICMP error quoting one sent, for an ephemeral port it has no endpoint for
 * hands it, whole, to the instance of rank p mod N through that lcore's mailbox (counted
 * rx_steered; a full mailbox drops it, drop_steer_full). The owner delivers it, or answers
 * port unreachable itself. Only misses pay: the path of a datagram whose endpoint is here is
 * unchanged. A port the application chose is never moved, and its datagrams are steered only
 * if it lies in the ephemeral range on another lcore's share (as unknown ones would be).
 */
#include "udp_priv.h"

unsigned
udp_soft_rank(const struct udp_inst *ui, unsigned *n)
{
	unsigned rank = 0, cnt = 0;

	for (unsigned l = 0; l < RTE_MAX_LCORE; l++) {
		if (udp_insts[l] == NULL)
			continue;
		if (l < ui->ui_lcore)
			rank++;
		cnt++;
	}
	*n = cnt;
	return rank;
}

bool
udp_soft_forward(struct udp_inst *ui, unsigned port, mblk_t *mp)
{
	struct udp_inst *owner = NULL;
	unsigned n, me, rank;

	if (port < ui->ui_port_lo || port > ui->ui_port_hi)
		return false;
	me = udp_soft_rank(ui, &n);
	if (n < 2 || port % n == me)
		return false; /* this lcore's own share: no one else has it */
	rank = port % n;
	for (unsigned l = 0; l < RTE_MAX_LCORE; l++)
		if (udp_insts[l] != NULL && rank-- == 0) {
			owner = udp_insts[l];
			break;
		}
	if (owner == NULL || owner->ui_lower == NULL || owner->ui_lower_hup)
		return false;
	mp->b_yflags &= ~YB_SUMOK; /* the owner verifies and marks it again */
	if (yard_mbox_put(RD(owner->ui_lower), mp) == 0) {
		UDP_INC(ui, drop_steer_full);
		freemsg(mp);
		return true;
	}
	UDP_INC(ui, rx_steered);
	return true;
}
