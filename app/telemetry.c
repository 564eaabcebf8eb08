/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * yard's telemetry commands, answered by DPDK's telemetry thread (dpdk-telemetry.py, or any
 * client of /var/run/dpdk/<file-prefix>/dpdk_telemetry.v2):
 *
 *   /yard/info      version, configuration file, state, lcores, ports
 *   /yard/lcores    each lcore's scheduler counters (",<lcore>" for one)
 *   /yard/ports     ethdev stats and the pmd driver's per-queue counters (",<port>" for one)
 *   /yard/arp       arp counters: all, per lcore, per port (",<lcore>[,<port>]" as arp_tel_cmd)
 *   /yard/ip        ip counters: all and per lcore (",<lcore>" for one)
 *   /yard/icmp      icmp counters: all and per lcore (",<lcore>" for one)
 *   /yard/sockets   sockets library, sockmod and socket echo counters (",<lcore>" for one)
 *   /yard/streams   every open stream: its name, lcore, flags, and the queues from the stream
 *                   head down (module name, bytes queued, messages put, q_flag)
 *   /yard/mempool   every mempool: size, in use, available; and yard's message blocks in use
 *
 * Counters are read as they are, without stopping the lcores: plain loads of per-lcore (or
 * per-queue) memory that only its lcore writes; a value may be a few increments old, never
 * torn (64-bit aligned loads).
 *
 * Streams and ports are created and freed by the main lcore at start and stop, while this
 * thread may be answering. The commands that walk them enter a gate (a reader count and a
 * state, sequentially consistent, so the two sides cannot miss each other): they answer only
 * in the RUNNING state, and yard_tel_quiesce() leaves RUNNING and waits for readers to leave
 * before anything is freed. The module counters (arp, ip, icmp) and the schedulers live in
 * static memory and are read in any state.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mempool.h>
#include <rte_pause.h>
#include <rte_telemetry.h>
#include <rte_version.h>

#include <pmd_glue/pmd.h>
#include <protocols/arp.h>
#include <protocols/ip.h>
#include <protocols/socket/yard_socket.h>
#include <protocols/tcp.h>
#include <protocols/tcp_clients.h>
#include <protocols/tcp_services.h>
#include <protocols/udp.h>
#include <protocols/udp_clients.h>
#include <protocols/udp_services.h>

#include "app/memcache/mc_service.h"
#include "app/yard.h"

enum tel_state { TEL_STARTING, TEL_RUNNING, TEL_STOPPING };

static int tel_state = TEL_STARTING;
static unsigned tel_readers;
static const struct yard_config *tel_cfg;

static const char *const tel_state_names[] = { "starting", "running", "stopping" };

static bool
tel_enter(void)
{
	__atomic_add_fetch(&tel_readers, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&tel_state, __ATOMIC_SEQ_CST) == TEL_RUNNING)
		return true;
	__atomic_sub_fetch(&tel_readers, 1, __ATOMIC_SEQ_CST);
	return false;
}

static void
tel_leave(void)
{
	__atomic_sub_fetch(&tel_readers, 1, __ATOMIC_SEQ_CST);
}

void
yard_tel_start(void)
{
	__atomic_store_n(&tel_state, TEL_RUNNING, __ATOMIC_SEQ_CST);
}

void
yard_tel_quiesce(void)
{
	__atomic_store_n(&tel_state, TEL_STOPPING, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&tel_readers, __ATOMIC_SEQ_CST) != 0)
		rte_pause();
}

/* A dict answering "not now": {"state": "..."}. */
static int
tel_not_running(struct rte_tel_data *d)
{
	int s = __atomic_load_n(&tel_state, __ATOMIC_SEQ_CST);

	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "state", tel_state_names[s]);
	return 0;
}

/* Parse params as one unsigned number; -1 if absent, -2 if malformed. */
static long
tel_param_index(const char *params)
{
	char *end;
	long v;

	if (params == NULL || params[0] == '\0')
		return -1;
	v = strtol(params, &end, 10);
	if (end == params || *end != '\0' || v < 0)
		return -2;
	return v;
}

/* Add a fresh sub-dict filled by fill(sub, arg...) under name; the dict owns it. */
static int
tel_add_sub(struct rte_tel_data *d, const char *name, struct rte_tel_data *sub)
{
	if (rte_tel_data_add_dict_container(d, name, sub, 0) != 0) {
		rte_tel_data_free(sub);
		return -ENOSPC;
	}
	return 0;
}

/* ---- /yard/info --------------------------------------------------------------------------- */

static int
tel_info(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const struct yard_config *cfg = tel_cfg;
	struct rte_tel_data *lc;

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "version", YARD_VERSION);
	rte_tel_data_add_dict_string(d, "dpdk", rte_version());
	rte_tel_data_add_dict_string(d, "state",
				     tel_state_names[__atomic_load_n(&tel_state, __ATOMIC_SEQ_CST)]);
	if (cfg == NULL)
		return 0;
	rte_tel_data_add_dict_string(d, "config", cfg->path);
	rte_tel_data_add_dict_u64(d, "main_lcore", rte_get_main_lcore());
	lc = rte_tel_data_alloc();
	if (lc != NULL) {
		rte_tel_data_start_array(lc, RTE_TEL_INT_VAL);
		for (unsigned i = 0; i < cfg->nlcores; i++)
			rte_tel_data_add_array_int(lc, cfg->lcores[i]);
		tel_add_sub(d, "lcores", lc);
	}
	rte_tel_data_add_dict_u64(d, "ports", cfg->nports);
	/* How EAL's memory came: what hugepages = auto decided, and the pools' layout from it. */
	rte_tel_data_add_dict_u64(d, "hugepages", rte_eal_has_hugepages() ? 1 : 0);
	rte_tel_data_add_dict_string(d, "iova", rte_eal_iova_mode() == RTE_IOVA_VA ? "va" : "pa");
	rte_tel_data_add_dict_u64(d, "pools_packed", yard_pools_packed() ? 1 : 0);
	return 0;
}

/* ---- /yard/lcores ------------------------------------------------------------------------- */

static void
tel_sched_dict(struct rte_tel_data *d, unsigned lcore)
{
	const struct yard_sched_stats *st = &yard_sched_of(lcore)->sc_stats;
	uint64_t busy = st->busy_cycles, idle = st->idle_cycles, slept = st->sleep_cycles;
	/* Slept time is neither busy nor idle polling; over all three, busy_pct is the share of
	 * wall time spent working, with or without idle sleep. */
	uint64_t all = busy + idle + slept;

	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "lcore", lcore);
	rte_tel_data_add_dict_u64(d, "loops", st->loops);
	rte_tel_data_add_dict_u64(d, "busy_cycles", busy);
	rte_tel_data_add_dict_u64(d, "idle_cycles", idle);
	rte_tel_data_add_dict_u64(d, "busy_pct", all != 0 ? busy * 100 / all : 0);
	rte_tel_data_add_dict_u64(d, "sleeps", st->sleeps);
	rte_tel_data_add_dict_u64(d, "sleep_cycles", slept);
	rte_tel_data_add_dict_u64(d, "sleep_pct", all != 0 ? slept * 100 / all : 0);
	rte_tel_data_add_dict_u64(d, "service_runs", st->service_runs);
	rte_tel_data_add_dict_u64(d, "poll_msgs", st->poll_msgs);
	rte_tel_data_add_dict_u64(d, "mbox_msgs", st->mbox_msgs);
	rte_tel_data_add_dict_u64(d, "mbox_full", st->mbox_full);
	rte_tel_data_add_dict_u64(d, "mbox_drops", st->mbox_drops);
	rte_tel_data_add_dict_u64(d, "deferred_puts", st->deferred_puts);
	rte_tel_data_add_dict_u64(d, "timers_run", st->timers_run);
	rte_tel_data_add_dict_u64(d, "budget_exhausted", st->budget_exhausted);
	rte_tel_data_add_dict_u64(d, "timer_hz", rte_get_timer_hz());
}

static int
tel_lcores(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const struct yard_config *cfg = tel_cfg;
	long want = tel_param_index(params);
	char name[32];

	RTE_SET_USED(cmd);
	if (want == -2 || (want >= 0 && !yard_config_has_lcore(cfg, (unsigned)want)))
		return -EINVAL;
	if (want >= 0) {
		tel_sched_dict(d, (unsigned)want);
		return 0;
	}
	rte_tel_data_start_dict(d);
	for (unsigned i = 0; i < cfg->nlcores; i++) {
		struct rte_tel_data *sub = rte_tel_data_alloc();

		if (sub == NULL)
			return -ENOMEM;
		tel_sched_dict(sub, cfg->lcores[i]);
		snprintf(name, sizeof(name), "lcore%u", cfg->lcores[i]);
		tel_add_sub(d, name, sub);
	}
	return 0;
}

/* ---- /yard/ports -------------------------------------------------------------------------- */

static void
tel_pmd_dict(struct rte_tel_data *d, const struct pmdstat *s)
{
	rte_tel_data_start_dict(d);
	for (unsigned i = 0; i < YARD_PMDS_MAX; i++)
		rte_tel_data_add_dict_u64(d, yard_pmd_stat_names[i],
					  yard_pmdstat_get(s, (enum yard_pmd_stat)i));
}

static void
tel_port_dict(struct rte_tel_data *d, const struct yard_port *p)
{
	struct rte_eth_stats es;
	struct rte_eth_link link;
	struct rte_eth_dev_info info;
	char mac[RTE_ETHER_ADDR_FMT_SIZE], name[16];

	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "name", p->yp_name);
	rte_tel_data_add_dict_string(d, "device", p->yp_devname);
	if (rte_eth_dev_info_get(p->yp_port_id, &info) == 0 && info.driver_name != NULL)
		rte_tel_data_add_dict_string(d, "driver", info.driver_name);
	rte_tel_data_add_dict_u64(d, "port_id", p->yp_port_id);
	rte_ether_format_addr(mac, sizeof(mac), &p->yp_mac);
	rte_tel_data_add_dict_string(d, "mac", mac);
	rte_tel_data_add_dict_u64(d, "mtu", p->yp_mtu);
	if (tel_cfg != NULL && p->yp_index < tel_cfg->nports)
		rte_tel_data_add_dict_u64(d, "vlan", tel_cfg->ports[p->yp_index].vlan);
	memset(&link, 0, sizeof(link));
	if (rte_eth_link_get_nowait(p->yp_port_id, &link) == 0) {
		rte_tel_data_add_dict_string(d, "link", link.link_status ? "up" : "down");
		rte_tel_data_add_dict_u64(d, "speed_mbps", link.link_speed);
	}
	rte_tel_data_add_dict_u64(d, "rx_queues", p->yp_nb_rxq);
	rte_tel_data_add_dict_u64(d, "tx_queues", p->yp_nb_txq);
	rte_tel_data_add_dict_u64(d, "rx_desc", p->yp_nb_rxd);
	rte_tel_data_add_dict_u64(d, "tx_desc", p->yp_nb_txd);
	rte_tel_data_add_dict_u64(d, "caps", p->yp_caps);
	rte_tel_data_add_dict_u64(d, "rx_offloads", p->yp_rx_offloads);
	rte_tel_data_add_dict_u64(d, "tx_offloads", p->yp_tx_offloads);
	rte_tel_data_add_dict_u64(d, "rss_hf", p->yp_rss_hf);
	if (rte_eth_stats_get(p->yp_port_id, &es) == 0) {
		rte_tel_data_add_dict_u64(d, "ipackets", es.ipackets);
		rte_tel_data_add_dict_u64(d, "opackets", es.opackets);
		rte_tel_data_add_dict_u64(d, "ibytes", es.ibytes);
		rte_tel_data_add_dict_u64(d, "obytes", es.obytes);
		rte_tel_data_add_dict_u64(d, "imissed", es.imissed);
		rte_tel_data_add_dict_u64(d, "ierrors", es.ierrors);
		rte_tel_data_add_dict_u64(d, "oerrors", es.oerrors);
		rte_tel_data_add_dict_u64(d, "rx_nombuf", es.rx_nombuf);
	}
	if (p->yp_rxpool != NULL)
		rte_tel_data_add_dict_u64(d, "rx_pool_in_use",
					  rte_mempool_in_use_count(p->yp_rxpool));
	for (unsigned q = 0; q < p->yp_nb_rxq && q < YARD_PORT_MAX_QUEUES; q++) {
		struct rte_tel_data *sub = rte_tel_data_alloc();

		if (sub == NULL)
			break;
		tel_pmd_dict(sub, &p->yp_qstat[q]);
		snprintf(name, sizeof(name), "q%u", q);
		tel_add_sub(d, name, sub);
	}
}

static int
tel_ports(const char *cmd, const char *params, struct rte_tel_data *d)
{
	long want = tel_param_index(params);
	char name[32];
	int rc = 0;

	RTE_SET_USED(cmd);
	if (want == -2)
		return -EINVAL;
	if (!tel_enter())
		return tel_not_running(d);
	if (want >= 0) {
		const struct yard_port *p = yard_port_by_index((unsigned)want);

		if (p == NULL)
			rc = -EINVAL;
		else
			tel_port_dict(d, p);
		tel_leave();
		return rc;
	}
	rte_tel_data_start_dict(d);
	for (unsigned i = 0; i < yard_port_count(); i++) {
		const struct yard_port *p = yard_port_by_index(i);
		struct rte_tel_data *sub;

		if (p == NULL)
			continue;
		sub = rte_tel_data_alloc();
		if (sub == NULL) {
			rc = -ENOMEM;
			break;
		}
		tel_port_dict(sub, p);
		snprintf(name, sizeof(name), "port%u", i);
		tel_add_sub(d, name, sub);
	}
	tel_leave();
	return rc;
}

/* ---- /yard/arp, /yard/ip, /yard/icmp ------------------------------------------------------ */

/*
 * With no parameter: {"all": sums, "lcore<N>": ..., ["port<N>": ...]}. With one, the
 * module's own command answers (it knows its parameters).
 */
static int
tel_arp(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const struct yard_config *cfg = tel_cfg;
	struct rte_tel_data *sub;
	char name[32];

	if (params != NULL && params[0] != '\0')
		return arp_tel_cmd(cmd, params, d);
	rte_tel_data_start_dict(d);
	sub = rte_tel_data_alloc();
	if (sub == NULL || arp_tel_fill(sub, -1, -1) != 0 || tel_add_sub(d, "all", sub) != 0)
		return -ENOMEM;
	for (unsigned i = 0; i < cfg->nlcores; i++) {
		sub = rte_tel_data_alloc();
		if (sub == NULL || arp_tel_fill(sub, cfg->lcores[i], -1) != 0)
			return -ENOMEM;
		snprintf(name, sizeof(name), "lcore%u", cfg->lcores[i]);
		tel_add_sub(d, name, sub);
	}
	for (unsigned p = 0; p < cfg->nports && cfg->nports > 1; p++) {
		sub = rte_tel_data_alloc();
		if (sub == NULL || arp_tel_fill(sub, -1, (int)p) != 0)
			return -ENOMEM;
		snprintf(name, sizeof(name), "port%u", p);
		tel_add_sub(d, name, sub);
	}
	return 0;
}

static int
tel_ip_common(const char *cmd, const char *params, struct rte_tel_data *d,
	      int (*fill)(struct rte_tel_data *, int),
	      int (*module_cmd)(const char *, const char *, struct rte_tel_data *))
{
	const struct yard_config *cfg = tel_cfg;
	struct rte_tel_data *sub;
	char name[32];

	if (params != NULL && params[0] != '\0')
		return module_cmd(cmd, params, d);
	rte_tel_data_start_dict(d);
	sub = rte_tel_data_alloc();
	if (sub == NULL || fill(sub, -1) != 0 || tel_add_sub(d, "all", sub) != 0)
		return -ENOMEM;
	for (unsigned i = 0; i < cfg->nlcores; i++) {
		sub = rte_tel_data_alloc();
		if (sub == NULL || fill(sub, cfg->lcores[i]) != 0)
			return -ENOMEM;
		snprintf(name, sizeof(name), "lcore%u", cfg->lcores[i]);
		tel_add_sub(d, name, sub);
	}
	return 0;
}

static int
tel_ip(const char *cmd, const char *params, struct rte_tel_data *d)
{
	return tel_ip_common(cmd, params, d, ip_tel_fill, ip_tel_cmd);
}

static int
tel_icmp(const char *cmd, const char *params, struct rte_tel_data *d)
{
	return tel_ip_common(cmd, params, d, icmp_tel_fill, icmp_tel_cmd);
}

/* ---- /yard/streams ------------------------------------------------------------------------ */

static const char *
tel_queue_name(const queue_t *q)
{
	const struct qinit *qi = q->q_qinfo;

	if (qi == NULL || qi->qi_minfo == NULL || qi->qi_minfo->mi_idname == NULL)
		return "?";
	return qi->qi_minfo->mi_idname;
}

/* An array container, or NULL. */
static struct rte_tel_data *
tel_array(enum rte_tel_value_type t)
{
	struct rte_tel_data *a = rte_tel_data_alloc();

	if (a != NULL)
		rte_tel_data_start_array(a, t);
	return a;
}

/*
 * One stream: like I_LIST, the queues from the stream head down (q_next of the write side),
 * each with its read partner's figures too.
 */
static void
tel_stream_dict(struct rte_tel_data *d, const struct stdata *sd)
{
	struct rte_tel_data *mods = tel_array(RTE_TEL_STRING_VAL);
	struct rte_tel_data *wcount = tel_array(RTE_TEL_U64_VAL);
	struct rte_tel_data *rcount = tel_array(RTE_TEL_U64_VAL);
	struct rte_tel_data *wflag = tel_array(RTE_TEL_U64_VAL);
	struct rte_tel_data *rflag = tel_array(RTE_TEL_U64_VAL);
	struct rte_tel_data *wput = tel_array(RTE_TEL_U64_VAL);
	struct rte_tel_data *rput = tel_array(RTE_TEL_U64_VAL);
	unsigned depth = 0;

	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "id", sd->sd_id);
	rte_tel_data_add_dict_string(d, "name", sd->sd_name);
	if (sd->sd_dev != NULL)
		rte_tel_data_add_dict_string(d, "driver", sd->sd_dev->d_name);
	if (sd->sd_sched != NULL)
		rte_tel_data_add_dict_u64(d, "lcore", sd->sd_sched->sc_lcore);
	rte_tel_data_add_dict_u64(d, "sd_flag", sd->sd_flag);
	rte_tel_data_add_dict_string(d, "linked", (sd->sd_flag & STPLEX) ? "yes" : "no");
	if ((sd->sd_flag & STPLEX) && sd->sd_mux != NULL)
		rte_tel_data_add_dict_string(d, "linked_under", sd->sd_mux->sd_name);
	rte_tel_data_add_dict_int(d, "pushcnt", sd->sd_pushcnt);
	for (const queue_t *q = sd->sd_wrq; q != NULL && depth < 2 * YARD_NSTRPUSH + 4;
	     q = q->q_next, depth++) {
		const queue_t *rq = RD((queue_t *)(uintptr_t)q);

		if (mods != NULL)
			rte_tel_data_add_array_string(mods, tel_queue_name(q));
		if (wcount != NULL)
			rte_tel_data_add_array_u64(wcount, q->q_count);
		if (rcount != NULL)
			rte_tel_data_add_array_u64(rcount, rq->q_count);
		if (wflag != NULL)
			rte_tel_data_add_array_u64(wflag, q->q_flag);
		if (rflag != NULL)
			rte_tel_data_add_array_u64(rflag, rq->q_flag);
		if (wput != NULL)
			rte_tel_data_add_array_u64(wput, q->q_nput);
		if (rput != NULL)
			rte_tel_data_add_array_u64(rput, rq->q_nput);
	}
	if (mods != NULL)
		tel_add_sub(d, "queues", mods);
	if (wcount != NULL)
		tel_add_sub(d, "w_count", wcount);
	if (rcount != NULL)
		tel_add_sub(d, "r_count", rcount);
	if (wflag != NULL)
		tel_add_sub(d, "w_flag", wflag);
	if (rflag != NULL)
		tel_add_sub(d, "r_flag", rflag);
	if (wput != NULL)
		tel_add_sub(d, "w_put", wput);
	if (rput != NULL)
		tel_add_sub(d, "r_put", rput);
}

static int
tel_streams(const char *cmd, const char *params, struct rte_tel_data *d)
{
	char name[32];
	int rc = 0;

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	if (!tel_enter())
		return tel_not_running(d);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "count", sth_count());
	for (struct stdata *sd = sth_first(); sd != NULL; sd = sth_next(sd)) {
		struct rte_tel_data *sub = rte_tel_data_alloc();

		if (sub == NULL) {
			rc = -ENOMEM;
			break;
		}
		tel_stream_dict(sub, sd);
		snprintf(name, sizeof(name), "stream%u", sd->sd_id);
		if (tel_add_sub(d, name, sub) != 0)
			break; /* the dict is full: the count says how many there are */
	}
	tel_leave();
	return rc;
}

/* ---- /yard/mempool ------------------------------------------------------------------------ */

struct tel_pool_walk {
	struct rte_tel_data *d;
	uint64_t in_use;
};

static void
tel_pool_one(struct rte_mempool *mp, void *arg)
{
	struct tel_pool_walk *w = arg;
	struct rte_tel_data *sub = rte_tel_data_alloc();
	unsigned used = rte_mempool_in_use_count(mp);
	char name[RTE_MEMPOOL_NAMESIZE];

	/* Telemetry keys take letters, digits, '_' and '/' only. */
	snprintf(name, sizeof(name), "%s", mp->name);
	for (char *c = name; *c != '\0'; c++)
		if (!isalnum((unsigned char)*c) && *c != '_' && *c != '/')
			*c = '_';
	w->in_use += used;
	if (sub == NULL)
		return;
	rte_tel_data_start_dict(sub);
	rte_tel_data_add_dict_u64(sub, "size", mp->size);
	rte_tel_data_add_dict_u64(sub, "in_use", used);
	rte_tel_data_add_dict_u64(sub, "avail", rte_mempool_avail_count(mp));
	rte_tel_data_add_dict_u64(sub, "cache_size", mp->cache_size);
	rte_tel_data_add_dict_u64(sub, "elt_size", mp->elt_size);
	tel_add_sub(w->d, name, sub);
}

static int
tel_mempool(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct tel_pool_walk w = { .d = NULL, .in_use = 0 };
	struct yard_msgstat ms;
	struct rte_tel_data *pools;

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	if (!tel_enter())
		return tel_not_running(d);
	pools = rte_tel_data_alloc();
	if (pools == NULL) {
		tel_leave();
		return -ENOMEM;
	}
	rte_tel_data_start_dict(pools);
	w.d = pools;
	rte_mempool_walk(tel_pool_one, &w);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "msgs_in_use", yard_msgs_in_use());
	rte_tel_data_add_dict_u64(d, "mbufs_in_use", w.in_use);
	/* The message layer's counters: copied_bytes is the proof of zero copy. */
	yard_msgstat_sum(&ms);
	rte_tel_data_add_dict_u64(d, "copied_bytes", ms.copied_bytes);
	rte_tel_data_add_dict_u64(d, "allocb_fail", ms.allocb_fail);
	rte_tel_data_add_dict_u64(d, "dupb_fail", ms.dupb_fail);
	rte_tel_data_add_dict_u64(d, "oversize_allocs", ms.oversize_allocs);
	rte_tel_data_add_dict_u64(d, "bufcalls_run", ms.bufcalls_run);
	tel_add_sub(d, "pools", pools);
	tel_leave();
	return 0;
}

/* ---- registration ------------------------------------------------------------------------- */

int
yard_tel_register(const struct yard_config *cfg)
{
	static const struct {
		const char *cmd;
		telemetry_cb fn;
		const char *help;
	} cmds[] = {
		{ "/yard/info", tel_info, "yard version, configuration, state. No parameters" },
		{ "/yard/lcores", tel_lcores,
		  "Per-lcore scheduler counters. Parameter: lcore id (optional)" },
		{ "/yard/ports", tel_ports,
		  "Ethdev stats and pmd per-queue counters. Parameter: port index (optional)" },
		{ "/yard/arp", tel_arp,
		  "arp counters: all, per lcore, per port. Parameters: lcore[,port] or ,port "
		  "or per_lcore" },
		{ "/yard/ip", tel_ip,
		  "ip counters: all and per lcore. Parameter: lcore or per_lcore" },
		{ "/yard/icmp", tel_icmp,
		  "icmp counters: all and per lcore. Parameter: lcore or per_lcore" },
		{ "/yard/udp", udp_tel_cmd,
		  "udp counters: all and per lcore. Parameter: lcore or per_lcore" },
		{ "/yard/udp_services", yard_udp_svc_tel_cmd,
		  "UDP echo/discard service counters. Parameter: lcore (optional)" },
		{ "/yard/tcp", tcp_tel_cmd,
		  "tcp counters: all and per lcore. Parameter: lcore or per_lcore" },
		{ "/yard/tcp_services", yard_tcp_svc_tel_cmd,
		  "TCP echo/discard/HTTP service counters. Parameter: lcore (optional)" },
		{ "/yard/tcp_clients", yard_tcp_client_tel_cmd,
		  "TCP client ([client.NAME]) counters. Parameter: client name (optional)" },
		{ "/yard/udp_clients", yard_udp_client_tel_cmd,
		  "UDP client ([client.NAME] udp_rr, udp_source) counters. Parameter: client name "
		  "(optional)" },
		{ "/yard/sockets", yard_sock_tel_cmd,
		  "Sockets library, sockmod and socket echo counters. Parameter: lcore (optional)" },
		{ "/yard/memcached", yard_mc_tel_cmd,
		  "memcached service counters, summed. Parameter: lcore (optional)" },
		{ "/yard/streams", tel_streams,
		  "Open streams and their queues from the head down. No parameters" },
		{ "/yard/mempool", tel_mempool,
		  "Mempools and message blocks in use. No parameters" },
	};

	tel_cfg = cfg;
	for (unsigned i = 0; i < RTE_DIM(cmds); i++) {
		int rc = rte_telemetry_register_cmd(cmds[i].cmd, cmds[i].fn, cmds[i].help);

		if (rc != 0) {
			YARD_LOG(ERR, "cannot register telemetry command %s: %s", cmds[i].cmd,
				 strerror(-rc));
			return rc;
		}
	}
	return 0;
}
