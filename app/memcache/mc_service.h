/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The memcached-compatible key-value service on yard's sockets API (issue 7): a listening
 * TCP socket on every lcore that runs it, one item table per lcore (mc_store.h), the text
 * protocol (mc_proto.h) per connection, driven by yard_epoll_wait() from a poll hook.
 *
 * Call yard_mc_start() on each serving lcore once tcp is plumbed there (before its loop
 * starts), yard_mc_stop() on the same lcore after its loop has returned. Counters are per
 * lcore in static memory, readable from any thread (yard_mc_tel_cmd()).
 */
#ifndef YARD_APP_MC_SERVICE_H
#define YARD_APP_MC_SERVICE_H

#include <stdint.h>

#include "app/memcache/mc_store.h"

struct rte_tel_data;

/** Connections one lcore serves at once; more are accepted and closed (refused). */
#define YARD_MC_CONN_MAX 1024

/** What yard_mc_start() needs. */
struct yard_mc_conf {
	uint16_t port;        /**< TCP port, every local address */
	uint64_t memory;      /**< this lcore's table limit in bytes */
	uint32_t max_item;    /**< largest item in bytes */
	uint32_t threads;     /**< lcores running the service ("stats" threads) */
};

/** Connection counters of one lcore (mc_service.def). */
struct yard_mc_svc_stats {
#define MC_SVC_STAT(f, help) uint64_t f;
#include "app/memcache/mc_service.def"
#undef MC_SVC_STAT
};

/** Start the service on the calling lcore. 0, or -errno (EALREADY if running here). */
int yard_mc_start(const struct yard_mc_conf *conf);
/** Stop it on the calling lcore: close every connection and the listener, free the table. */
void yard_mc_stop(void);

/**
 * Telemetry /yard/memcached: the service's counters summed over the lcores, or one lcore's
 * (params: an lcore id).
 */
int yard_mc_tel_cmd(const char *cmd, const char *params, struct rte_tel_data *d);

#endif
