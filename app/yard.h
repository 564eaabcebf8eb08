/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internal interfaces of the yard binary: the per-lcore stacks (stack.c), the telemetry
 * commands (telemetry.c) and the log type they share with main.c. Not installed.
 */
#ifndef YARD_APP_YARD_H
#define YARD_APP_YARD_H

#include <stdbool.h>

#include <rte_log.h>

#include <streams/stream.h>
#include <protocols/tcp.h>
#include <protocols/udp.h>

#include "app/config.h"

extern int yard_app_logtype;

#define YARD_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, yard_app_logtype, "yard: " fmt "\n", ##__VA_ARGS__)

/* ---- stack.c: what each lcore runs ---------------------------------------------------------- */

/** One link: a "pmd" stream attached to (port, queue), "arp" pushed, I_LINKed under ip. */
struct yard_link {
	struct stdata *yl_sd;
	unsigned yl_port;       /**< yard port index ([port<N>]) */
	unsigned yl_queue;
	int yl_muxid;           /**< > 0 once linked */
	uint32_t yl_caps;       /**< YARD_CAP_* from DL_INFO_ACK */
	uint16_t yl_mtu;        /**< from DL_INFO_ACK */
	struct rte_ether_addr yl_mac;
};

/** Everything one lcore owns: its ip instance's control stream and its links. */
struct yard_lcore_stack {
	unsigned ls_lcore;
	bool ls_used;               /**< the lcore is in [yard] lcores */
	struct stdata *ls_ip;       /**< ip control stream */
	struct yard_udp_plumbing ls_udp; /**< udp over ip, up_udp NULL if not plumbed */
	struct yard_tcp_plumbing ls_tcp; /**< tcp over ip, tp_tcp NULL if not plumbed */
	unsigned ls_nlinks;
	struct yard_link ls_links[YARD_MAX_PORTS];
	int ls_rc;                  /**< result of the last setup/teardown on the lcore */
	char ls_err[256];           /**< what failed, for the main lcore to log */
};

/**
 * Build every lcore's stack, one lcore after the other (each on its own lcore, through
 * rte_eal_remote_launch; the main lcore builds its own). 0, or -errno after logging what
 * failed (what was built stays, for yard_stacks_teardown()).
 */
int yard_stacks_setup(const struct yard_config *cfg);
/** Close every lcore's streams on that lcore, one lcore after the other. */
void yard_stacks_teardown(void);
/** The stack of an lcore, NULL if out of range. */
const struct yard_lcore_stack *yard_stack_of(unsigned lcore);

/* ---- telemetry.c -------------------------------------------------------------------------- */

/** Register the /yard/... telemetry commands. 0 or -errno. */
int yard_tel_register(const struct yard_config *cfg);
/** Let the commands that walk streams and ports answer (the stack is up). */
void yard_tel_start(void);
/** Stop them, and wait until none is running: streams and ports may then be freed. */
void yard_tel_quiesce(void);

#endif /* YARD_APP_YARD_H */
