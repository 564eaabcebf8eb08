/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The routing table of an ip instance: rte_lpm maps a destination to the index of a struct
 * ip_rt in ii_routes; the default route (prefix 0, which rte_lpm cannot hold) is kept aside in
 * ii_default and used when the lookup misses. Longest prefix wins, as RFC 1812 5.2.4.3 asks.
 * Only the owning lcore touches it; changes come from ioctls on the control stream.
 */
#include <errno.h>
#include <stdio.h>

#include <rte_errno.h>

#include "ip_priv.h"

static uint32_t ip_lpm_gen;

int
ip_route_init(struct ip_inst *ii)
{
	struct rte_lpm_config cfg = {
		.max_rules = IP_MAX_ROUTES,
		.number_tbl8s = IP_LPM_TBL8S,
	};
	char name[RTE_MEMZONE_NAMESIZE];

	/* rte_lpm names are global: make each instance's unique, even across reopen. */
	snprintf(name, sizeof(name), "yard_ip%u_%u", ii->ii_lcore,
		 __atomic_add_fetch(&ip_lpm_gen, 1, __ATOMIC_RELAXED));
	ii->ii_lpm = rte_lpm_create(name, (int)rte_socket_id(), &cfg);
	if (ii->ii_lpm == NULL)
		return -(rte_errno != 0 ? rte_errno : ENOMEM);
	ii->ii_default = -1;
	return 0;
}

size_t
ip_mem_estimate(void)
{
	/* rte_lpm's tbl24 is 2^24 entries whatever the routes: 64 MiB, most of an instance. */
	return sizeof(struct rte_lpm_tbl_entry) *
		       ((size_t)RTE_LPM_TBL24_NUM_ENTRIES +
			(size_t)IP_LPM_TBL8S * RTE_LPM_TBL8_GROUP_NUM_ENTRIES) +
	       IP_MAX_ROUTES * 2 * sizeof(uint32_t) + /* a rule: address, next hop (opaque type) */
	       sizeof(struct ip_inst);
}

void
ip_route_fini(struct ip_inst *ii)
{
	rte_lpm_free(ii->ii_lpm);
	ii->ii_lpm = NULL;
}

static uint32_t
ip_prefix_mask(uint8_t prefix)
{
	return prefix == 0 ? 0 : rte_cpu_to_be_32(~0u << (32 - prefix));
}

static int
ip_route_find(struct ip_inst *ii, uint32_t dst, uint8_t prefix)
{
	for (int i = 0; i < IP_MAX_ROUTES; i++) {
		const struct ip_rt *rt = &ii->ii_routes[i];

		if (rt->rt_used && rt->rt_dst == dst && rt->rt_prefix == prefix)
			return i;
	}
	return -1;
}

int
ip_route_add(struct ip_inst *ii, uint32_t dst, uint8_t prefix, uint32_t gw, struct ip_link *il)
{
	struct ip_rt *rt = NULL;
	int idx = -1, rc;

	if (prefix > 32 || il == NULL)
		return -EINVAL;
	dst &= ip_prefix_mask(prefix);
	if (ip_route_find(ii, dst, prefix) >= 0)
		return -EEXIST;
	if (gw != 0 && (ip_is_ours(ii, gw) || gw == UINT32_MAX))
		return -EINVAL;
	for (int i = 0; i < IP_MAX_ROUTES; i++) {
		if (!ii->ii_routes[i].rt_used) {
			idx = i;
			break;
		}
	}
	if (idx < 0)
		return -ENOSPC;
	if (prefix > 0) {
		rc = rte_lpm_add(ii->ii_lpm, rte_be_to_cpu_32(dst), prefix, (uint32_t)idx);
		if (rc != 0)
			return rc == -ENOSPC ? -ENOSPC : -EINVAL;
	} else {
		ii->ii_default = idx;
	}
	rt = &ii->ii_routes[idx];
	rt->rt_used = true;
	rt->rt_prefix = prefix;
	rt->rt_dst = dst;
	rt->rt_gw = gw;
	rt->rt_link = il;
	return 0;
}

static void
ip_route_remove(struct ip_inst *ii, int idx)
{
	struct ip_rt *rt = &ii->ii_routes[idx];

	if (rt->rt_prefix > 0)
		(void)rte_lpm_delete(ii->ii_lpm, rte_be_to_cpu_32(rt->rt_dst), rt->rt_prefix);
	else if (ii->ii_default == idx)
		ii->ii_default = -1;
	rt->rt_used = false;
	rt->rt_link = NULL;
}

int
ip_route_del(struct ip_inst *ii, uint32_t dst, uint8_t prefix)
{
	int idx;

	if (prefix > 32)
		return -EINVAL;
	idx = ip_route_find(ii, dst & ip_prefix_mask(prefix), prefix);
	if (idx < 0)
		return -ENOENT;
	ip_route_remove(ii, idx);
	return 0;
}

void
ip_route_del_link(struct ip_inst *ii, struct ip_link *il)
{
	for (int i = 0; i < IP_MAX_ROUTES; i++)
		if (ii->ii_routes[i].rt_used && ii->ii_routes[i].rt_link == il)
			ip_route_remove(ii, i);
}

struct ip_rt *
ip_route_lookup(struct ip_inst *ii, uint32_t dst, uint32_t *nexthop)
{
	struct ip_rt *rt;
	uint32_t idx;

	if (rte_lpm_lookup(ii->ii_lpm, rte_be_to_cpu_32(dst), &idx) == 0)
		rt = &ii->ii_routes[idx];
	else if (ii->ii_default >= 0)
		rt = &ii->ii_routes[ii->ii_default];
	else
		return NULL;
	if (unlikely(!rt->rt_used || rt->rt_link == NULL || !rt->rt_link->il_has_if))
		return NULL;
	*nexthop = rt->rt_gw != 0 ? rt->rt_gw : dst;
	return rt;
}
