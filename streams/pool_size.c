/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What a mempool will take from EAL's memory, computed before EAL is up: yard decides from it
 * whether the free hugepages are enough to run on (app/main.c), and says it when they are not.
 *
 * rte_mempool_calc_obj_size() gives an element's size with the mempool's header and trailer
 * (a pure computation; no EAL needed). A pool whose objects must be IOVA-contiguous (every
 * mbuf pool: a NIC reads them) does not let an object cross a page boundary, so what a page
 * holds is whole objects only: with --no-huge's 4 KiB pages a 2.4 KiB mbuf takes a page of
 * its own, with 2 MiB hugepages 862 of them share one. Add the pool's header with its per-lcore
 * caches (RTE_MAX_LCORE of them, about 1 MiB: every yard pool has a cache) and its ring.
 */
#include <rte_common.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "streams/mblk.h"

size_t
yard_mempool_mem_estimate(unsigned n, size_t elt_size, size_t page_size)
{
	struct rte_mempool_objsz sz;
	size_t obj, objs;
	ssize_t ring;

	obj = rte_mempool_calc_obj_size((uint32_t)elt_size, 0, &sz);
	if (page_size == 0 || obj == 0) {
		objs = (size_t)n * obj;
	} else if (obj <= page_size) {
		size_t per_page = page_size / obj;

		objs = ((size_t)n + per_page - 1) / per_page * page_size;
	} else {
		objs = (size_t)n * RTE_ALIGN_CEIL(obj, page_size);
	}
	ring = rte_ring_get_memsize(rte_align32pow2(n + 1));
	/* Each of the three memzones is rounded up, the objects' to whole pages. */
	return objs + (page_size != 0 ? page_size : RTE_CACHE_LINE_SIZE) +
	       sizeof(struct rte_mempool) + RTE_MAX_LCORE * sizeof(struct rte_mempool_cache) +
	       (ring > 0 ? (size_t)ring : 0) + 2 * RTE_CACHE_LINE_SIZE;
}

size_t
yard_pktmbuf_pool_mem_estimate(unsigned n, unsigned data_room, size_t page_size)
{
	return yard_mempool_mem_estimate(n, sizeof(struct rte_mbuf) + YARD_MBUF_PRIV_SIZE +
					 data_room, page_size);
}
