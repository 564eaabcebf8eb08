/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * UDP counters: the static per-lcore blocks, their names and help (udp.def), sums, and the
 * telemetry fillers the application registers. Counters live per lcore, not per instance, so
 * they outlive an instance and telemetry never reads freed memory; readers take plain 64-bit
 * loads while the owning lcore keeps counting.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_telemetry.h>

#include "udp_priv.h"

struct udp_pcpu udp_pcpu[RTE_MAX_LCORE];

static const char *const udps_names[UDPS__COUNT] = {
#define UDP_STAT(name, help) #name,
#include "udp.def"
#undef UDP_STAT
};
static const char *const udps_helps[UDPS__COUNT] = {
#define UDP_STAT(name, help) help,
#include "udp.def"
#undef UDP_STAT
};

static_assert(sizeof(struct udpstat) == UDPS__COUNT * sizeof(uint64_t), "udpstat is a vector");

/*
 * Rows for yardctl conns. Runs on the instance's lcore (app/control.c's control queue brings
 * the request there), so the port table is walked without a lock: every port's list, a
 * control operation's 65,536 loads.
 */
uint32_t
yard_udp_ifindex_addr(uint32_t ifindex)
{
	const struct udp_inst *ui = udp_insts[yard_sched_self()->sc_lcore];

	return ui != NULL ? udp_ifindex_addr(ui, ifindex) : 0;
}

int
yard_udp_eps_snapshot(struct yard_udp_ep_row *rows, unsigned max)
{
	unsigned lcore = yard_sched_self()->sc_lcore, n = 0;
	const struct udp_inst *ui = udp_insts[lcore];

	if (ui == NULL)
		return 0;
	for (unsigned port = 0; port < UDP_NPORTS; port++)
		for (const struct udp_ep *ep = ui->ui_ports[port]; ep != NULL; ep = ep->ue_pnext) {
			const queue_t *above = ep->ue_rq->q_next;
			struct yard_udp_ep_row *r;

			if (n++ >= max)
				continue;
			r = &rows[n - 1];
			memset(r, 0, sizeof(*r));
			r->ur_lcore = lcore;
			r->ur_laddr = ep->ue_laddr;
			r->ur_lport = rte_cpu_to_be_16(ep->ue_lport);
			r->ur_flags = ep->ue_blocked ? UDP_ROW_BLOCKED : 0;
			r->ur_sendq = (uint32_t)WR(ep->ue_rq)->q_count;
			r->ur_drops = ep->ue_drops;
			/* the data waits where the stream head (or a module above) queued it */
			if (above != NULL && above->q_nfsrv != NULL) {
				r->ur_recvq = (uint32_t)above->q_nfsrv->q_count;
				r->ur_rcvbuf = (uint32_t)above->q_nfsrv->q_hiwat;
			}
		}
	return (int)RTE_MIN(n, (unsigned)INT_MAX);
}

const char *
udpstat_name(unsigned i)
{
	return i < UDPS__COUNT ? udps_names[i] : NULL;
}

const char *
udpstat_help(unsigned i)
{
	return i < UDPS__COUNT ? udps_helps[i] : NULL;
}

struct udp_pcpu *
udp_pcpu_get(unsigned lcore)
{
	struct udp_pcpu *pc = &udp_pcpu[lcore];

	__atomic_store_n(&pc->used, 1, __ATOMIC_RELEASE);
	return pc;
}

void
udpstat_sum(struct udpstat *out, int lcore)
{
	uint64_t *o = (uint64_t *)out;

	memset(out, 0, sizeof(*out));
	for (int lc = 0; lc < RTE_MAX_LCORE; lc++) {
		const volatile uint64_t *v = (const volatile uint64_t *)&udp_pcpu[lc].st;

		if ((lcore >= 0 && lc != lcore) ||
		    !__atomic_load_n(&udp_pcpu[lc].used, __ATOMIC_ACQUIRE))
			continue;
		for (unsigned c = 0; c < UDPS__COUNT; c++)
			o[c] += v[c];
	}
}

int
udp_tel_fill(struct rte_tel_data *d, int lcore)
{
	struct udpstat st;
	const uint64_t *v = (const uint64_t *)&st;
	int rc;

	udpstat_sum(&st, lcore);
	rc = rte_tel_data_start_dict(d);
	for (unsigned c = 0; rc == 0 && c < UDPS__COUNT; c++)
		rc = rte_tel_data_add_dict_u64(d, udps_names[c], v[c]);
	return rc;
}

int
udp_tel_fill_per_lcore(struct rte_tel_data *d)
{
	int rc = rte_tel_data_start_dict(d);

	for (unsigned lc = 0; rc == 0 && lc < RTE_MAX_LCORE; lc++) {
		struct rte_tel_data *c;
		char key[32];

		if (!__atomic_load_n(&udp_pcpu[lc].used, __ATOMIC_ACQUIRE))
			continue;
		c = rte_tel_data_alloc();
		if (c == NULL)
			return -ENOMEM;
		rc = udp_tel_fill(c, (int)lc);
		if (rc == 0) {
			snprintf(key, sizeof(key), "lcore%u", lc);
			rc = rte_tel_data_add_dict_container(d, key, c, 0);
		}
		if (rc != 0)
			rte_tel_data_free(c);
	}
	return rc;
}

int
udp_tel_cmd(const char *cmd, const char *params, struct rte_tel_data *d)
{
	char *end;
	long lc;

	(void)cmd;
	if (params == NULL || *params == '\0')
		return udp_tel_fill(d, -1);
	if (strcmp(params, "per_lcore") == 0)
		return udp_tel_fill_per_lcore(d);
	lc = strtol(params, &end, 10);
	if (end == params || *end != '\0' || lc < 0 || lc >= RTE_MAX_LCORE)
		return -EINVAL;
	return udp_tel_fill(d, (int)lc);
}
