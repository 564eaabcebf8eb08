/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reassembly (RFC 791 section 3.2, RFC 815) with rte_ip_frag, and the choice of the lcore
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
 * Table. Each instance has its own rte_ip_frag table (ip_max_flows datagrams, entries expire
 * after ip_reass_timeout_ms). rte_ip_frag works on mbuf chains: a fragment is pulled up into
 * one block and synced to its mbuf (yard_mblk_to_mbuf()) on the way in, and the reassembled
 * mbuf chain is turned back into a message (yard_mbuf_to_mblk()) on the way out. Because each
 * fragment is then exactly one mbuf, ii_frag_pending (mbufs in the table) is kept exact: +1 per
 * fragment given to the table, minus the segments of each datagram it returns, minus every
 * mbuf it puts on the death row. The library frees what it rejects (overlaps, duplicates,
 * more than RTE_LIBRTE_IP_FRAG_MAX_FRAG fragments, no room) onto the death row; we count
 * those as frag_invalid, since the library does not tell the reasons apart. Before it gets
 * there, we drop (and count apart) what we can judge alone: empty and tiny fragments
 * (IP_FRAG_MIN_PAYLOAD, and offset 8 per RFC 1858), misaligned ones, oversized ones.
 *
 * Expiry. While fragments wait, a yard timer sweeps expired datagrams out every quarter of the
 * timeout (and input sweeps before it adds), so their mbufs are freed and counted
 * frag_timeout; when the first fragment of an expired datagram was received, a time exceeded
 * (code 1, RFC 792) goes back to the source, rate limited like every ICMP error. At close the
 * table is destroyed and rte_ip_frag_table_destroy() frees every fragment still in it.
 */
#include <errno.h>
#include <string.h>

#include <rte_jhash.h>

#include "ip_priv.h"

#define IP_OWNER_WORDS ((RTE_MAX_LCORE + 63) / 64)
#define IP_FRAG_BUCKET_ENTRIES 16
#define IP_OWNER_SEED 0x79617264u /* "yard" */

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
	/* Twice the buckets the flows need, for hash collisions (each key has two candidates). */
	uint32_t buckets = rte_align32pow2((flows + IP_FRAG_BUCKET_ENTRIES - 1) /
					   IP_FRAG_BUCKET_ENTRIES) * 2;

	ii->ii_frag_cyc = ip_ms_to_cyc(ii->ii_hz, ii->ii_param.ip_reass_timeout_ms);
	ii->ii_frag = rte_ip_frag_table_create(buckets, IP_FRAG_BUCKET_ENTRIES, flows,
					       ii->ii_frag_cyc, (int)rte_socket_id());
	ii->ii_frag_pending = 0;
	ii->ii_dr.cnt = 0;
	return ii->ii_frag == NULL ? -ENOMEM : 0;
}

void
ip_reass_fini(struct ip_inst *ii)
{
	if (ii->ii_frag_timer != 0) {
		(void)quntimeout(ii->ii_ctl_rq, ii->ii_frag_timer);
		ii->ii_frag_timer = 0;
	}
	rte_ip_frag_free_death_row(&ii->ii_dr, 0);
	if (ii->ii_frag != NULL)
		rte_ip_frag_table_destroy(ii->ii_frag); /* frees the fragments it holds */
	ii->ii_frag = NULL;
	ii->ii_frag_pending = 0;
}

/* Free what expired; a time exceeded goes back for each datagram whose first fragment came. */
static void
ip_reass_expire(struct ip_inst *ii, uint64_t now)
{
	struct rte_ip_frag_death_row *dr = &ii->ii_dr;

	while (ii->ii_frag_pending != 0) {
		uint32_t n;

		rte_ip_frag_table_del_expired_entries(ii->ii_frag, dr, now);
		n = dr->cnt;
		if (n == 0)
			break;
		IP_ADD_N(ii, frag_timeout, n);
		ii->ii_frag_pending -= RTE_MIN(n, ii->ii_frag_pending);
		for (uint32_t i = 0; i < n; i++) {
			struct rte_mbuf *m = dr->row[i];
			const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);

			if ((rte_be_to_cpu_16(ip->fragment_offset) & RTE_IPV4_HDR_OFFSET_MASK) == 0) {
				mblk_t *mp = yard_mbuf_to_mblk(m);

				icmp_error(ii, mp, YARD_ICMP_TIME_EXCEEDED, YARD_ICMP_TIMXCEED_REASS,
					   !ip_is_ours(ii, ip->dst_addr));
				freemsg(mp);
			} else {
				rte_pktmbuf_free(m);
			}
		}
		dr->cnt = 0;
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

static void
ip_reass_arm(struct ip_inst *ii)
{
	uint32_t ms;

	if (ii->ii_frag_timer != 0 || ii->ii_frag_pending == 0)
		return;
	ms = ii->ii_param.ip_reass_timeout_ms / 4;
	ii->ii_frag_timer = qtimeout(ii->ii_ctl_rq, ip_reass_timer, ii, (long)(ms != 0 ? ms : 1));
}

/* Fragments we reject before the table (each its own counter), or 0 if acceptable. */
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

void
ip_reass_input(struct ip_inst *ii, mblk_t *mp, bool arrived_here)
{
	struct rte_ipv4_hdr *ip = ip_hdr(mp);
	struct rte_mbuf *m, *r;
	uint64_t now;
	uint32_t dropped;

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
	if (unlikely(ii->ii_frag == NULL)) {
		IP_INC(ii, frag_nomem);
		freemsg(mp);
		return;
	}
	/* One mbuf per fragment: the table's accounting and rte_pktmbuf_adj() rely on it. */
	if (mp->b_cont != NULL && !pullupmsg(mp, -1)) {
		IP_INC(ii, frag_nomem);
		freemsg(mp);
		return;
	}
	ip = ip_hdr(mp);
	now = rte_get_timer_cycles();
	ip_reass_expire(ii, now);
	m = yard_mblk_to_mbuf(mp);
	m->l2_len = 0;
	m->l3_len = ip_hlen(ip);
	ii->ii_frag_pending++;
	r = rte_ipv4_frag_reassemble_packet(ii->ii_frag, &ii->ii_dr, m, now, ip);
	dropped = ii->ii_dr.cnt;
	if (dropped != 0) {
		IP_ADD_N(ii, frag_invalid, dropped);
		ii->ii_frag_pending -= RTE_MIN(dropped, ii->ii_frag_pending);
		rte_ip_frag_free_death_row(&ii->ii_dr, 0);
	}
	if (r != NULL) {
		ii->ii_frag_pending -= RTE_MIN((uint32_t)r->nb_segs, ii->ii_frag_pending);
		IP_INC(ii, frag_reassembled);
		mp = yard_mbuf_to_mblk(r);
		ip_deliver(ii, mp, false);
	}
	ip_reass_arm(ii);
}

int
ip_urput(queue_t *q, mblk_t *mp)
{
	struct ip_upper *up = q->q_ptr;

	/* Only sibling instances put here, with fragments this instance owns. */
	if (up == NULL || up->iu_inst == NULL || DB_TYPE(mp) != M_DATA) {
		freemsg(mp);
		return 0;
	}
	ip_reass_input(up->iu_inst, mp, false);
	return 0;
}
