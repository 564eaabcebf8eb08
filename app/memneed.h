/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * How much EAL memory a configuration needs, worked out before EAL starts: with too few free
 * hugepages yard would start and then fail half-way (its pools created from memory that is not
 * there), so it decides from this whether to use them, and says the figures when it cannot.
 */
#ifndef YARD_APP_MEMNEED_H
#define YARD_APP_MEMNEED_H

#include <stddef.h>

#include "app/config.h"
#include "pmd_glue/port.h"

/** What a configuration will take from EAL, in bytes. */
struct yard_mem_need {
	size_t pools;     /**< yard's message pools ([yard] mbufs, ctl_mbufs) */
	size_t ports;     /**< the ports' RX pools (rings, rx_mbufs, MTU) */
	size_t ip;        /**< each lcore's ip instance (its routes, links, protocol table) */
	size_t memcached; /**< the memcached service's tables, when it runs */
	size_t other;     /**< an allowance: EAL's own, timers, mailboxes, TCP tables */
	size_t total;
};

/**
 * Fill need for cfg with its memory on pages of page_size bytes: 4096 with --no-huge, where a
 * data mbuf takes a page of its own, or the hugepage size.
 */
void yard_mem_need(const struct yard_config *cfg, size_t page_size, struct yard_mem_need *need);

/**
 * The port configuration of cfg's [port<p>] (name NULL: the device's): what open_ports()
 * opens and what the estimate counts, from one translation.
 */
void yard_port_conf_of(const struct yard_config *cfg, unsigned p, const char *name,
		       struct yard_port_conf *pcf);

#endif /* YARD_APP_MEMNEED_H */
