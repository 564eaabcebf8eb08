/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RSS-aware ephemeral ports for active opens.
 *
 * Principles of operation. Each lcore has its own tcp instance and reads its own RX queue of
 * each port; the port's RSS picks the queue of a received segment: the Toeplitz hash of its
 * (source address, destination address, source port, destination port) under the port's key
 * (pmd_glue/port.c leaves the PMD's default key), modulo the size of the redirection table
 * (RETA), indexes the RETA, whose entry is the queue. A passive open is owned by whichever
 * lcore the SYN reached, so it is always right. An active open is owned by the lcore that
 * made it, so the peer's replies (source = the peer, destination = us) must hash to one of
 * that lcore's queues: when the endpoint's port was ours to choose (TF_EPHEMERAL), the port
 * is changed at T_CONN_REQ to a free ephemeral one for which they do (tcp_connport.c, which
 * asks tcp_steer_ok() here). About one port in (number of lcores) fits, so the search is
 * short; if none is free the port stays and the miss is counted (rss_no_port).
 *
 * app/stack.c reads each port's key and RETA (rte_eth_dev_rss_hash_conf_get, _reta_query)
 * and hands them to the instance with TCP_RSS_SET, marking the RETA entries that name a
 * queue this lcore serves. An address with no RSS configuration (one queue, or a PMD without
 * RSS) puts no constraint on the port. If the port hashes only the addresses (no
 * RTE_ETH_RSS_NONFRAG_IPV4_TCP), no port can help: the peer's address decides.
 *
 * Software steering, for addresses whose PMD does not tell its RSS (net_tap, whose queue is
 * the kernel's choice; net_pcap; ...) when there is more than one tcp instance: an active
 * open takes an ephemeral port p with p mod N = its instance's rank (N instances ranked by
 * lcore), and an instance that receives a segment for an ephemeral port it has neither a
 * connection nor a listener for hands the segment, whole, to the instance of rank p mod N
 * through that lcore's mailbox (counted rx_steered; a full mailbox drops and counts
 * drop_steer_full). Only misses pay for it: the hit path is unchanged, and passive opens and
 * listeners are never steered (they belong to the lcore the SYN reached).
 */
#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_thash.h>

#include "tcp_priv.h"

static const struct tcp_rss_conf *
tcp_rss_of(struct tcp_inst *ti, uint32_t laddr)
{
	for (unsigned i = 0; i < ti->ti_nrss; i++)
		if (ti->ti_rss[i].trc_addr == laddr)
			return &ti->ti_rss[i];
	return NULL;
}

int
tcp_rss_set(struct tcp_inst *ti, const struct tcp_rss_conf *c)
{
	unsigned i;

	for (i = 0; i < ti->ti_nrss; i++)
		if (ti->ti_rss[i].trc_addr == c->trc_addr)
			break;
	if (c->trc_reta_size == 0) {
		if (i == ti->ti_nrss)
			return -ENOENT;
		ti->ti_rss[i] = ti->ti_rss[--ti->ti_nrss];
		return 0;
	}
	if (c->trc_reta_size > TCP_RSS_RETA_MAX || c->trc_key_len < 16 ||
	    c->trc_key_len > TCP_RSS_KEY_MAX || !tcp_is_local(ti, c->trc_addr))
		return -EINVAL;
	if (i == RTE_DIM(ti->ti_rss))
		return -ENOSPC;
	ti->ti_rss[i] = *c;
	/* rte_softrss reads the key a word past the tuple: zero what was not given */
	memset(ti->ti_rss[i].trc_key + c->trc_key_len, 0, TCP_RSS_KEY_MAX - c->trc_key_len);
	if (i == ti->ti_nrss)
		ti->ti_nrss++;
	return 0;
}

/* The Toeplitz hash the NIC computes for a segment saddr:sport -> daddr:dport (network order). */
uint32_t
tcp_rss_hash(const struct tcp_rss_conf *c, uint32_t saddr, uint32_t daddr, uint16_t sport,
	     uint16_t dport)
{
	struct rte_ipv4_tuple t = {
		.src_addr = rte_be_to_cpu_32(saddr),
		.dst_addr = rte_be_to_cpu_32(daddr),
	};

	t.sport = rte_be_to_cpu_16(sport);
	t.dport = rte_be_to_cpu_16(dport);
	return rte_softrss((uint32_t *)&t, (c->trc_flags & TCP_RSS_L4) ? RTE_THASH_V4_L4_LEN :
									 RTE_THASH_V4_L3_LEN,
			   c->trc_key);
}

/* Do the peer's segments to laddr:lport from faddr:fport reach this lcore? */
bool
tcp_rss_port_ok(struct tcp_inst *ti, uint32_t laddr, uint16_t lport, uint32_t faddr,
		uint16_t fport)
{
	const struct tcp_rss_conf *c = tcp_rss_of(ti, laddr);
	uint32_t e;

	if (c == NULL)
		return true;
	e = tcp_rss_hash(c, faddr, laddr, fport, lport) % c->trc_reta_size;
	return (c->trc_mine[e / 8] >> (e % 8)) & 1;
}

/*
 * This instance's rank among the tcp instances (by lcore); *n their number. Counted over
 * every lcore slot once, then again only when an instance has come or gone since: every
 * active open asks (tcp_steer_init()).
 */
static unsigned
tcp_soft_rank(struct tcp_inst *ti, unsigned *n)
{
	uint32_t gen = __atomic_load_n(&tcp_insts_gen, __ATOMIC_ACQUIRE) + 1;
	unsigned rank = 0, cnt = 0;

	if (ti->ti_rank_gen == gen) {
		*n = ti->ti_ninsts;
		return ti->ti_rank;
	}
	for (unsigned l = 0; l < RTE_MAX_LCORE; l++) {
		if (tcp_insts[l] == NULL)
			continue;
		if (l < ti->ti_lcore)
			rank++;
		cnt++;
	}
	ti->ti_rank = rank;
	ti->ti_ninsts = cnt;
	ti->ti_rank_gen = gen;
	*n = cnt;
	return rank;
}

static struct tcp_inst *
tcp_soft_owner(unsigned rank)
{
	for (unsigned l = 0; l < RTE_MAX_LCORE; l++)
		if (tcp_insts[l] != NULL && rank-- == 0)
			return tcp_insts[l];
	return NULL;
}

bool
tcp_soft_forward(struct tcp_inst *ti, const struct tcp_key *k, mblk_t *mp)
{
	uint16_t lport = rte_be_to_cpu_16(k->k_lport);
	struct tcp_inst *owner;
	unsigned n, me;

	if (lport < ti->ti_param.tp_port_lo || lport > ti->ti_param.tp_port_hi ||
	    tcp_rss_of(ti, k->k_laddr) != NULL)
		return false;
	me = tcp_soft_rank(ti, &n);
	if (n < 2 || lport % n == me)
		return false;
	owner = tcp_soft_owner(lport % n);
	if (owner == NULL || owner->ti_lwq == NULL)
		return false;
	if (yard_mbox_put(RD(owner->ti_lwq), mp) == 0) {
		TCP_INC(ti, drop_steer_full);
		freemsg(mp);
		return true;
	}
	TCP_INC(ti, rx_steered);
	return true;
}

/*
 * One more relay within this second's tp_icmp_relay_limit? Forged errors quoting a listener's
 * port cost nothing to send, and each would become a message in every other lcore's mailbox,
 * which also carries their fragments and steered segments: past the budget they are dropped.
 */
static bool
tcp_icmp_relay_budget(struct tcp_inst *ti)
{
	uint32_t limit = ti->ti_param.tp_icmp_relay_limit;
	uint64_t now = tcp_now(ti) + 1; /* 0 is "no second under way" */

	if (limit == UINT32_MAX)
		return true;
	if (ti->ti_relay_start_ms == 0 || now - ti->ti_relay_start_ms >= 1000) {
		ti->ti_relay_start_ms = now;
		ti->ti_relay_left = limit;
	}
	if (ti->ti_relay_left == 0)
		return false;
	ti->ti_relay_left--;
	return true;
}

/*
 * An ICMP error whose quote names no connection here, though one of another lcore may be its
 * subject: a router queues its message by its own address and ours, not the quoted ports, so
 * the RSS of the port (or the kernel, for net_tap) may give it to any lcore. Whose it is cannot
 * always be told: a passive open belongs to the lcore its SYN reached, which only an RSS
 * address's hash can name; so the error is copied to every other instance, where tcp_icmp.c
 * acts on it only if the quote names a connection with that segment in flight. It is done for
 * a quote of one of our listeners' ports on an address without RSS (a passive open elsewhere),
 * and on an RSS address for any quote whose replies hash to another lcore's RETA entry.
 * (Ephemeral ports without RSS go to their one owner, tcp_soft_forward().) ICMP errors are
 * rare and a copy costs its owner one mailbox message: cheaper than a table of who owns what.
 */
bool
tcp_icmp_relay(struct tcp_inst *ti, const struct tcp_key *k, bool listener, mblk_t *mp)
{
	const struct tcp_rss_conf *c = tcp_rss_of(ti, k->k_laddr);
	unsigned n;

	(void)tcp_soft_rank(ti, &n);
	if (n < 2)
		return false;
	if (c != NULL ? tcp_rss_port_ok(ti, k->k_laddr, k->k_lport, k->k_faddr, k->k_fport)
		      : !listener)
		return false; /* it would be here */
	if (!tcp_icmp_relay_budget(ti)) {
		TCP_INC(ti, icmp_relay_limited);
		freemsg(mp);
		return true;
	}
	for (unsigned l = 0; l < RTE_MAX_LCORE; l++) {
		struct tcp_inst *o = tcp_insts[l];
		mblk_t *cp;

		if (o == NULL || o == ti || o->ti_lwq == NULL)
			continue;
		cp = copymsg(mp); /* its own blocks: the other lcore frees them, and may pull up */
		if (cp == NULL) {
			TCP_INC(ti, drop_relay_nomem);
			continue;
		}
		*(uint32_t *)cp->b_rptr = TCP_ICMP_RELAY;
		if (yard_mbox_put(RD(o->ti_lwq), cp) == 0) {
			TCP_INC(ti, drop_steer_full);
			freemsg(cp);
			continue;
		}
		TCP_INC(ti, icmp_relayed);
	}
	freemsg(mp);
	return true;
}

void
tcp_steer_init(struct tcp_inst *ti, uint32_t laddr, struct tcp_steer *st)
{
	st->st_rss = tcp_rss_of(ti, laddr);
	st->st_me = st->st_rss == NULL ? tcp_soft_rank(ti, &st->st_n) : 0;
	if (st->st_rss != NULL)
		st->st_n = 0;
}

bool
tcp_steer_ok(struct tcp_inst *ti, const struct tcp_steer *st, const struct tcp_key *k,
	     uint16_t lport)
{
	if (st->st_rss != NULL)
		return tcp_rss_port_ok(ti, k->k_laddr, lport, k->k_faddr, k->k_fport);
	return st->st_n < 2 || rte_be_to_cpu_16(lport) % st->st_n == st->st_me;
}

bool
tcp_steer_by_port(const struct tcp_steer *st)
{
	return st->st_rss != NULL ? (st->st_rss->trc_flags & TCP_RSS_L4) != 0 : st->st_n >= 2;
}
