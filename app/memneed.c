/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The memory a configuration needs (app/memneed.h): the pools, computed the way rte_mempool
 * lays them out (streams/pool_size.c); each lcore's ip instance; the memcached service's
 * memory at its most (items are allocated as they come); and an allowance for the rest (EAL's
 * memzones, the timer and mailbox rings, the TCP hash tables and connections, a snoop's
 * capture pool), measured on the shipped configurations and given with room.
 */
#include <rte_common.h>

#include "app/memneed.h"
#include "protocols/ip.h"
#include "streams/mblk.h"

/* Measured: about 15 MB besides the pools on one lcore, 8 MB more for each further lcore. */
#define NEED_OTHER_FIXED     (16u << 20)
#define NEED_OTHER_PER_LCORE (12u << 20)

void
yard_port_conf_of(const struct yard_config *cfg, unsigned p, const char *name,
		  struct yard_port_conf *pcf)
{
	const struct yard_cfg_port *pc = &cfg->ports[p];

	*pcf = (struct yard_port_conf){
		.name = name,
		.device = pc->dev,
		.nb_rxq = pc->rx_queues,
		.nb_txq = pc->tx_queues,
		.nb_rxd = pc->rx_desc,
		.nb_txd = pc->tx_desc,
		.mtu = pc->mtu,
		.pool_size = pc->rx_mbufs,
		.pool_cache = cfg->mbuf_cache,
		.promiscuous = pc->promiscuous,
		/* groups joined ([services] udp_join): the NIC must not filter their MACs */
		.allmulticast = cfg->nudp_groups != 0,
	};
}

void
yard_mem_need(const struct yard_config *cfg, size_t page_size, struct yard_mem_need *need)
{
	const struct yard_pool_conf pc = {
		.data_n = cfg->mbufs,
		.ctl_n = cfg->ctl_mbufs,
	};

	need->pools = yard_pools_mem_estimate(&pc, page_size);
	need->ports = 0;
	for (unsigned p = 0; p < cfg->nports; p++) {
		struct yard_port_conf conf;

		yard_port_conf_of(cfg, p, NULL, &conf);
		need->ports += yard_port_mem_estimate(&conf, page_size);
	}
	need->memcached = cfg->svc_memcached != 0 ? (size_t)cfg->mc_memory : 0;
	need->ip = (size_t)cfg->nlcores * ip_mem_estimate();
	need->other = NEED_OTHER_FIXED + (size_t)cfg->nlcores * NEED_OTHER_PER_LCORE;
	need->total = need->pools + need->ports + need->ip + need->memcached + need->other;
}
