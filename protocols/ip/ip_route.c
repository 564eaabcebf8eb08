/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The routing table of an ip instance: the used entries of ii_routes, in ii_rorder longest
 * prefix first, each with its destination and mask in network order; a lookup takes the first
 * that matches, so the longest prefix wins as RFC 1812 5.2.4.3 asks, and the default route
 * (prefix 0, mask 0) is the last resort. Only the owning lcore touches it; changes come from
 * ioctls on the control stream.
 *
 * Why not rte_lpm: a host's routes are a handful -- a connected route per link and at most a
 * default (what yard's configuration can say) -- and rte_lpm's tbl24 is 2^24 entries, 64 MB per
 * instance, one instance per lcore, zeroed at open whatever the routes. A walk of a few masked
 * compares costs less than a lookup in it; ip output looks up once per destination in a burst.
 * The table holds IP_MAX_ROUTES; a lookup is linear in the routes, which only an instance
 * given many by ioctl would notice.
 */
#include <errno.h>
#include <string.h>

#include "ip_priv.h"

int
ip_route_init(struct ip_inst *ii)
{
	memset(ii->ii_routes, 0, sizeof(ii->ii_routes));
	ii->ii_nroutes = 0;
	return 0;
}

size_t
ip_mem_estimate(void)
{
	return sizeof(struct ip_inst);
}

void
ip_route_fini(struct ip_inst *ii)
{
	ii->ii_nroutes = 0;
}

static uint32_t
ip_prefix_mask(uint8_t prefix)
{
	return prefix == 0 ? 0 : rte_cpu_to_be_32(~0u << (32 - prefix));
}

/* The position in ii_rorder of the route (dst, prefix), -1 if none. */
static int
ip_route_find(struct ip_inst *ii, uint32_t dst, uint8_t prefix)
{
	for (unsigned i = 0; i < ii->ii_nroutes; i++) {
		const struct ip_rt *rt = &ii->ii_routes[ii->ii_rorder[i]];

		if (rt->rt_dst == dst && rt->rt_prefix == prefix)
			return (int)i;
	}
	return -1;
}

int
ip_route_add(struct ip_inst *ii, uint32_t dst, uint8_t prefix, uint32_t gw, struct ip_link *il)
{
	struct ip_rt *rt;
	unsigned idx, pos;

	if (prefix > 32 || il == NULL)
		return -EINVAL;
	dst &= ip_prefix_mask(prefix);
	if (ip_route_find(ii, dst, prefix) >= 0)
		return -EEXIST;
	if (gw != 0 && (ip_is_ours(ii, gw) || gw == UINT32_MAX))
		return -EINVAL;
	if (ii->ii_nroutes == IP_MAX_ROUTES)
		return -ENOSPC;
	for (idx = 0; ii->ii_routes[idx].rt_used; idx++)
		;
	rt = &ii->ii_routes[idx];
	rt->rt_used = true;
	rt->rt_prefix = prefix;
	rt->rt_dst = dst;
	rt->rt_mask = ip_prefix_mask(prefix);
	rt->rt_gw = gw;
	rt->rt_link = il;
	/* After every route at least as long: longest first, and in the order added among equals. */
	for (pos = 0; pos < ii->ii_nroutes &&
		      ii->ii_routes[ii->ii_rorder[pos]].rt_prefix >= prefix; pos++)
		;
	memmove(&ii->ii_rorder[pos + 1], &ii->ii_rorder[pos],
		(ii->ii_nroutes - pos) * sizeof(ii->ii_rorder[0]));
	ii->ii_rorder[pos] = (uint16_t)idx;
	ii->ii_nroutes++;
	return 0;
}

static void
ip_route_remove(struct ip_inst *ii, unsigned pos)
{
	struct ip_rt *rt = &ii->ii_routes[ii->ii_rorder[pos]];

	rt->rt_used = false;
	rt->rt_link = NULL;
	ii->ii_nroutes--;
	memmove(&ii->ii_rorder[pos], &ii->ii_rorder[pos + 1],
		(ii->ii_nroutes - pos) * sizeof(ii->ii_rorder[0]));
}

int
ip_route_del(struct ip_inst *ii, uint32_t dst, uint8_t prefix)
{
	int pos;

	if (prefix > 32)
		return -EINVAL;
	pos = ip_route_find(ii, dst & ip_prefix_mask(prefix), prefix);
	if (pos < 0)
		return -ENOENT;
	ip_route_remove(ii, (unsigned)pos);
	return 0;
}

void
ip_route_del_link(struct ip_inst *ii, struct ip_link *il)
{
	for (unsigned i = ii->ii_nroutes; i-- > 0;)
		if (ii->ii_routes[ii->ii_rorder[i]].rt_link == il)
			ip_route_remove(ii, i);
}

struct ip_rt *
ip_route_lookup(struct ip_inst *ii, uint32_t dst, uint32_t *nexthop)
{
	for (unsigned i = 0; i < ii->ii_nroutes; i++) {
		struct ip_rt *rt = &ii->ii_routes[ii->ii_rorder[i]];

		if (((dst ^ rt->rt_dst) & rt->rt_mask) != 0)
			continue;
		/* The longest match decides, even when its link has no interface (as before). */
		if (unlikely(rt->rt_link == NULL || !rt->rt_link->il_has_if))
			return NULL;
		/* A group is sent to on the link itself, never through a router (RFC 1112 6.4). */
		*nexthop = rt->rt_gw != 0 && !ip_is_mcast(dst) ? rt->rt_gw : dst;
		return rt;
	}
	return NULL;
}

int
ip_route_snapshot(struct yard_ip_route_row *rows, unsigned max)
{
	unsigned lcore = yard_sched_self()->sc_lcore, n;
	struct ip_inst *ii = ip_insts[lcore];

	if (ii == NULL)
		return 0;
	for (n = 0; n < ii->ii_nroutes && n < max; n++) {
		const struct ip_rt *rt = &ii->ii_routes[ii->ii_rorder[n]];

		rows[n] = (struct yard_ip_route_row){
			.rr_lcore = lcore,
			.rr_dst = rt->rt_dst,
			.rr_gw = rt->rt_gw,
			.rr_ifaddr = rt->rt_link->il_addr,
			.rr_mtu = rt->rt_link->il_mtu,
			.rr_prefix = rt->rt_prefix,
		};
	}
	return (int)ii->ii_nroutes;
}

int
ip_route_change(bool add, uint32_t dst, uint8_t prefix, uint32_t gw, uint32_t ifaddr)
{
	struct ip_inst *ii = ip_insts[yard_sched_self()->sc_lcore];
	struct ip_link *il;
	int pos, rc;

	if (ii == NULL)
		return 0;
	if (prefix > 32)
		return -EINVAL;
	if (!add) {
		pos = ip_route_find(ii, dst & ip_prefix_mask(prefix), prefix);
		if (pos < 0)
			return 0;
		if (ii->ii_routes[ii->ii_rorder[pos]].rt_gw == 0)
			return -EPERM;
		ip_route_remove(ii, (unsigned)pos);
		return 1;
	}
	il = ip_link_by_addr(ii, ifaddr);
	if (il == NULL)
		return 0;
	if (gw == 0 || (gw & il->il_mask) != (il->il_addr & il->il_mask) || gw == il->il_addr ||
	    (dst & ~ip_prefix_mask(prefix)) != 0)
		return -EINVAL;
	rc = ip_route_add(ii, dst, prefix, gw, il);
	return rc < 0 ? rc : 1;
}
