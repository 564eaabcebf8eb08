/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Neighbours and routes of a running yard, for yardctl neigh and routes (and any client of
 * DPDK telemetry):
 *
 *   /yard/neigh      "[LCORE][,START]"  every lcore's arp caches (ip neigh), paged as
 *                    /yard/conns is (control.c)
 *   /yard/routes     "[LCORE][,START]"  every lcore's ip routes (ip route), paged the same
 *   /yard/neigh_set  "add,PORT,ADDR,MAC" (a static entry), "del,PORT,ADDR" or "flush[,PORT]"
 *                    (the learned entries): ip neigh add, del and flush
 *   /yard/route_set  "add,DST/PREFIX,ROUTER[,PORT]" or "del,DST/PREFIX": ip route add and
 *                    del of a route through a router
 *
 * The tables belong to their lcores, so each request travels in control.c's request slot to
 * each lcore in turn, whose control queue runs ctl_net_do(): arp_neigh_snapshot() and
 * ip_route_snapshot() into the callback's buffer, or arp_neigh_change() and ip_route_change()
 * on its own instances. A change is checked here first against the configuration, as the
 * same key in a [portN] section would be (app/config.c), so that the refusal names the
 * reason; arp and ip check again. Changes last until yard stops: nothing is written back.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ether.h>

#include <protocols/arp.h>
#include <protocols/ip.h>

#include "app/control_priv.h"

void
ctl_net_do(struct ctl_req *r)
{
	switch (r->cr_op) {
	case CTL_NEIGH:
		r->cr_nrows = arp_neigh_snapshot(r->cr_rows, r->cr_max);
		break;
	case CTL_ROUTES:
		r->cr_nrows = ip_route_snapshot(r->cr_rows, r->cr_max);
		break;
	case CTL_NEIGH_SET:
		r->cr_nrows = arp_neigh_change(r->cr_nop, r->cr_port, &r->cr_ent);
		break;
	case CTL_ROUTE_SET:
		r->cr_nrows = ip_route_change(r->cr_radd, r->cr_rdst, r->cr_rprefix, r->cr_rgw,
					      r->cr_rifaddr);
		break;
	default:
		r->cr_nrows = -EINVAL;
		break;
	}
}

/*
 * Is a (a neighbour, a router: what names it) no host of port p's subnet, as the
 * configuration would say (yard_config_host())? -1 with d holding why, or 0.
 */
static int
ctl_host_bad(struct rte_tel_data *d, const struct yard_cfg_port *p, unsigned port, uint32_t a,
	     const char *what)
{
	char s[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &a, s, sizeof(s));
	switch (yard_config_host(p, a)) {
	case YARD_HOST_OUTSIDE:
		return ctl_fail(d, "%s%s is not in port %u's subnet", what, s, port), -1;
	case YARD_HOST_OWN:
		return ctl_fail(d, "%s%s is port %u's own address", what, s, port), -1;
	case YARD_HOST_NET_BCAST:
		return ctl_fail(d, "%s%s is the network or broadcast address of port %u's subnet",
				what, s, port), -1;
	default:
		return 0;
	}
}

static const char *const ctl_arp_states[] = {
	[ARP_STATE_INCOMPLETE] = "incomplete",
	[ARP_STATE_REACHABLE] = "reachable",
	[ARP_STATE_STALE] = "stale",
	[ARP_STATE_STATIC] = "static",
};

static void
ctl_neigh_row(struct rte_tel_data *d, const void *row)
{
	const struct yard_arp_neigh_row *r = row;
	const struct arp_entry *e = &r->nr_ent;
	const uint8_t *m = e->ae_mac.addr_bytes;
	char a[32];

	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "lcore", r->nr_lcore);
	rte_tel_data_add_dict_u64(d, "port", r->nr_port);
	rte_tel_data_add_dict_u64(d, "vlan", r->nr_vlan);
	rte_tel_data_add_dict_u64(d, "instance", r->nr_inst);
	inet_ntop(AF_INET, &e->ae_addr, a, sizeof(a));
	rte_tel_data_add_dict_string(d, "address", a);
	/* An entry still resolving has no MAC yet (zero): ip neigh shows none either. Lower
	 * case as ip neigh writes it (rte_ether_format_addr() writes upper case). */
	if (e->ae_state == ARP_STATE_INCOMPLETE)
		a[0] = '\0';
	else
		snprintf(a, sizeof(a), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3],
			 m[4], m[5]);
	rte_tel_data_add_dict_string(d, "mac", a);
	rte_tel_data_add_dict_string(d, "state", e->ae_state < RTE_DIM(ctl_arp_states) &&
				     ctl_arp_states[e->ae_state] != NULL ?
				     ctl_arp_states[e->ae_state] : "?");
	rte_tel_data_add_dict_u64(d, "age_ms", e->ae_age_ms);
	rte_tel_data_add_dict_u64(d, "held", e->ae_held);
	rte_tel_data_add_dict_u64(d, "tries", e->ae_tries);
}

/* The configured port whose address is addr (a link's), -1 if none. */
static int
ctl_port_of_addr(uint32_t addr)
{
	for (unsigned i = 0; i < ctl_cfg->nports; i++)
		if (ctl_cfg->ports[i].present && ctl_cfg->ports[i].addr == addr)
			return (int)i;
	return -1;
}

static void
ctl_route_row(struct rte_tel_data *d, const void *row)
{
	const struct yard_ip_route_row *r = row;
	char a[32], dst[40];
	int port = ctl_port_of_addr(r->rr_ifaddr);

	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "lcore", r->rr_lcore);
	inet_ntop(AF_INET, &r->rr_dst, a, sizeof(a));
	snprintf(dst, sizeof(dst), "%s/%u", a, r->rr_prefix);
	rte_tel_data_add_dict_string(d, "destination", dst);
	rte_tel_data_add_dict_u64(d, "prefix", r->rr_prefix);
	a[0] = '\0';
	if (r->rr_gw != 0)
		inet_ntop(AF_INET, &r->rr_gw, a, sizeof(a));
	rte_tel_data_add_dict_string(d, "gateway", a); /* empty: connected */
	inet_ntop(AF_INET, &r->rr_ifaddr, a, sizeof(a));
	rte_tel_data_add_dict_string(d, "link", a);
	rte_tel_data_add_dict_int(d, "port", port);
	rte_tel_data_add_dict_u64(d, "mtu", r->rr_mtu);
}


static const struct ctl_table ctl_neigh_table = {
	CTL_NEIGH, sizeof(struct yard_arp_neigh_row), ctl_neigh_row, "neigh" };
static const struct ctl_table ctl_routes_table = {
	CTL_ROUTES, sizeof(struct yard_ip_route_row), ctl_route_row, "route" };

int
tel_neigh(const char *cmd, const char *params, struct rte_tel_data *d)
{
	RTE_SET_USED(cmd);
	return ctl_table_page(&ctl_neigh_table, params, d);
}

int
tel_routes(const char *cmd, const char *params, struct rte_tel_data *d)
{
	RTE_SET_USED(cmd);
	return ctl_table_page(&ctl_routes_table, params, d);
}

/*
 * /yard/neigh_set's arguments into ctl_req (op, port, entry), checked against the
 * configuration as [portN] neighbours are (app/config.c): 0, or -1 with d holding why.
 */
static int
ctl_neigh_parse(struct rte_tel_data *d, const char *params)
{
	char buf[160], *f[5], *save = NULL;
	unsigned n = 0, need;
	const struct yard_cfg_port *p;
	char *end;
	unsigned long port;

	if (params == NULL || strlen(params) >= sizeof(buf))
		return ctl_fail(d, "usage: add,PORT,ADDR,MAC | del,PORT,ADDR | flush[,PORT]"), -1;
	snprintf(buf, sizeof(buf), "%s", params);
	for (char *t = strtok_r(buf, ",", &save); t != NULL && n < RTE_DIM(f);
	     t = strtok_r(NULL, ",", &save))
		f[n++] = t;
	if (n >= 1 && strcmp(f[0], "add") == 0) {
		ctl_req.cr_nop = ARP_NEIGH_ADD;
		need = 4;
	} else if (n >= 1 && strcmp(f[0], "del") == 0) {
		ctl_req.cr_nop = ARP_NEIGH_DEL;
		need = 3;
	} else if (n >= 1 && strcmp(f[0], "flush") == 0) {
		ctl_req.cr_nop = ARP_NEIGH_FLUSH;
		need = n == 1 ? 1 : 2;
	} else {
		need = 0;
	}
	if (need == 0 || n != need)
		return ctl_fail(d, "usage: add,PORT,ADDR,MAC | del,PORT,ADDR | flush[,PORT]"), -1;
	memset(&ctl_req.cr_ent, 0, sizeof(ctl_req.cr_ent));
	ctl_req.cr_port = -1;
	if (n == 1)
		return 0;
	port = strtoul(f[1], &end, 10);
	if (*end != '\0' || f[1][0] == '\0' || port >= ctl_cfg->nports ||
	    !ctl_cfg->ports[port].present)
		return ctl_fail(d, "port %s is not one of yard's ports (0..%u)", f[1],
				ctl_cfg->nports - 1), -1;
	ctl_req.cr_port = (int)port;
	if (n == 2)
		return 0;
	p = &ctl_cfg->ports[port];
	if (inet_pton(AF_INET, f[2], &ctl_req.cr_ent.ae_addr) != 1)
		return ctl_fail(d, "'%s' is not an IPv4 address", f[2]), -1;
	if (ctl_host_bad(d, p, (unsigned)port, ctl_req.cr_ent.ae_addr, "") != 0)
		return -1;
	if (n == 3)
		return 0;
	if (rte_ether_unformat_addr(f[3], &ctl_req.cr_ent.ae_mac) != 0)
		return ctl_fail(d, "'%s' is not a MAC address (e.g. 02:00:00:00:00:01)", f[3]), -1;
	if (!rte_is_valid_assigned_ether_addr(&ctl_req.cr_ent.ae_mac))
		return ctl_fail(d, "%s is not a unicast MAC address", f[3]), -1;
	return 0;
}

/* {"ok": 1, "instances": N}: the arp or ip instances that took the change. */
static void
ctl_set_done(struct rte_tel_data *d, int changed)
{
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_int(d, "ok", 1);
	rte_tel_data_add_dict_u64(d, "instances", (uint64_t)changed);
}

/*
 * A change (op) on every lcore in turn: parse fills ctl_req from params (or fails, d holding
 * why), then each lcore carries it out on its own instances, and answer tells the caller from
 * the changes summed and the first refusal (-errno and its lcore; the other lcores are still
 * asked, as what one refuses, a full table, another may take).
 */
static int
ctl_set(struct rte_tel_data *d, const char *params, enum ctl_op op,
	int (*parse)(struct rte_tel_data *d, const char *params),
	void (*answer)(struct rte_tel_data *d, int total, int err, unsigned err_lcore))
{
	const struct yard_config *cfg = ctl_cfg;
	int total = 0, err = 0;
	unsigned err_lcore = 0;

	if (cfg == NULL)
		return -EINVAL;
	if (!ctl_enter())
		return ctl_not_running(d);
	pthread_mutex_lock(&ctl_lock);
	if (parse(d, params) != 0)
		goto out;
	for (unsigned i = 0; i < cfg->nlcores; i++) {
		ctl_req.cr_op = op;
		ctl_req.cr_nrows = 0;
		if (ctl_exec(d, cfg->lcores[i]) != 0)
			goto out;
		if (ctl_req.cr_nrows < 0 && err == 0) {
			err = -ctl_req.cr_nrows;
			err_lcore = cfg->lcores[i];
		} else if (ctl_req.cr_nrows > 0) {
			total += ctl_req.cr_nrows;
		}
	}
	answer(d, total, err, err_lcore);
out:
	pthread_mutex_unlock(&ctl_lock);
	ctl_leave();
	return 0;
}

static void
ctl_neigh_answer(struct rte_tel_data *d, int total, int err, unsigned err_lcore)
{
	char addr[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &ctl_req.cr_ent.ae_addr, addr, sizeof(addr));
	if (err != 0)
		(void)ctl_fail(d, "lcore %u's arp cache of port %d refused it: %s%s", err_lcore,
			       ctl_req.cr_port, strerror(err), err == ENOSPC ?
			       " (the cache is full: [arp] max_entries)" : "");
	else if (total == 0 && ctl_req.cr_nop == ARP_NEIGH_DEL)
		(void)ctl_fail(d, "no neighbour %s on port %d", addr, ctl_req.cr_port);
	else if (total == 0)
		(void)ctl_fail(d, "no arp instance serves %s", ctl_req.cr_port < 0 ? "any port" :
			       "that port");
	else
		ctl_set_done(d, total);
}

/* /yard/neigh_set: ip neigh add (static), del and flush, on every lcore in turn. */
int
tel_neigh_set(const char *cmd, const char *params, struct rte_tel_data *d)
{
	RTE_SET_USED(cmd);
	return ctl_set(d, params, CTL_NEIGH_SET, ctl_neigh_parse, ctl_neigh_answer);
}

/* "a.b.c.d/prefix" (prefix 0..32, no host bits) into ctl_req's route: 0, or -1 with d. */
static int
ctl_route_dst(struct rte_tel_data *d, const char *s)
{
	char buf[32], *slash, *end;
	unsigned long prefix;
	const char *why;

	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (strlen(s) >= sizeof(buf) || slash == NULL)
		return ctl_fail(d, "'%s' is not a.b.c.d/prefix", s), -1;
	*slash = '\0';
	prefix = strtoul(slash + 1, &end, 10);
	if (inet_pton(AF_INET, buf, &ctl_req.cr_rdst) != 1 || slash[1] == '\0' || *end != '\0' ||
	    prefix > 32)
		return ctl_fail(d, "'%s' is not a.b.c.d/prefix (prefix 0..32)", s), -1;
	ctl_req.cr_rprefix = (uint8_t)prefix;
	if ((ctl_req.cr_rdst & ~yard_config_prefix_mask(ctl_req.cr_rprefix)) != 0)
		return ctl_fail(d, "%s has host bits set", s), -1;
	why = yard_config_route_dst_unfit(ctl_req.cr_rdst, ctl_req.cr_rprefix);
	if (why != NULL)
		return ctl_fail(d, "%s is no destination: %s %s", s, buf, why), -1;
	return 0;
}

/*
 * /yard/route_set's arguments into ctl_req, checked against the configuration as [portN]
 * routes are (app/config.c): the router a host of the port's subnet, the destination none of
 * the ports' subnets. 0, or -1 with d holding why.
 */
static int
ctl_route_parse(struct rte_tel_data *d, const char *params)
{
	static const char usage[] = "usage: add,DST/PREFIX,ROUTER[,PORT] | del,DST/PREFIX";
	char buf[160], *f[5], *save = NULL, *end;
	unsigned n = 0;
	const struct yard_cfg_port *p = NULL;
	unsigned long port;

	if (params == NULL || strlen(params) >= sizeof(buf))
		return ctl_fail(d, usage), -1;
	snprintf(buf, sizeof(buf), "%s", params);
	for (char *t = strtok_r(buf, ",", &save); t != NULL && n < RTE_DIM(f);
	     t = strtok_r(NULL, ",", &save))
		f[n++] = t;
	if (n == 2 && strcmp(f[0], "del") == 0)
		ctl_req.cr_radd = false;
	else if ((n == 3 || n == 4) && strcmp(f[0], "add") == 0)
		ctl_req.cr_radd = true;
	else
		return ctl_fail(d, usage), -1;
	if (ctl_route_dst(d, f[1]) != 0)
		return -1;
	ctl_req.cr_rgw = 0;
	ctl_req.cr_rifaddr = 0;
	if (!ctl_req.cr_radd)
		return 0;
	if (inet_pton(AF_INET, f[2], &ctl_req.cr_rgw) != 1)
		return ctl_fail(d, "'%s' is not an IPv4 address", f[2]), -1;
	if (n == 4) {
		port = strtoul(f[3], &end, 10);
		if (*end != '\0' || port >= ctl_cfg->nports || !ctl_cfg->ports[port].present)
			return ctl_fail(d, "port %s is not one of yard's ports (0..%u)", f[3],
					ctl_cfg->nports - 1), -1;
		p = &ctl_cfg->ports[port];
	} else {
		for (port = 0; port < ctl_cfg->nports && p == NULL; port++) {
			uint32_t m = yard_config_prefix_mask(ctl_cfg->ports[port].prefix);

			if ((ctl_req.cr_rgw & m) == (ctl_cfg->ports[port].addr & m))
				p = &ctl_cfg->ports[port--];
		}
		if (p == NULL)
			return ctl_fail(d, "the router %s is in no port's subnet", f[2]), -1;
	}
	if (ctl_host_bad(d, p, (unsigned)port, ctl_req.cr_rgw, "the router ") != 0)
		return -1;
	for (unsigned i = 0; i < ctl_cfg->nports; i++) {
		const struct yard_cfg_port *q = &ctl_cfg->ports[i];

		if (q->present && q->prefix == ctl_req.cr_rprefix &&
		    (q->addr & yard_config_prefix_mask(q->prefix)) == ctl_req.cr_rdst)
			return ctl_fail(d, "%s is port %u's subnet (connected)", f[1], i), -1;
	}
	ctl_req.cr_rifaddr = p->addr;
	ctl_req.cr_port = (int)port;
	return 0;
}

static void
ctl_route_answer(struct rte_tel_data *d, int total, int err, unsigned err_lcore)
{
	char dst[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &ctl_req.cr_rdst, dst, sizeof(dst));
	if (err == EEXIST)
		(void)ctl_fail(d, "lcore %u has a route to %s/%u already", err_lcore, dst,
			       ctl_req.cr_rprefix);
	else if (err == EPERM)
		(void)ctl_fail(d, "%s/%u is a connected route: it goes with its port", dst,
			       ctl_req.cr_rprefix);
	else if (err != 0)
		(void)ctl_fail(d, "lcore %u's ip refused it: %s%s", err_lcore, strerror(err),
			       err == ENOSPC ? " (its route table is full)" : "");
	else if (total == 0 && !ctl_req.cr_radd)
		(void)ctl_fail(d, "no route to %s/%u", dst, ctl_req.cr_rprefix);
	else if (total == 0)
		(void)ctl_fail(d, "no lcore serves port %d", ctl_req.cr_port);
	else
		ctl_set_done(d, total);
}

/* /yard/route_set: ip route add (through a router) and del, on every lcore in turn. */
int
tel_route_set(const char *cmd, const char *params, struct rte_tel_data *d)
{
	RTE_SET_USED(cmd);
	return ctl_set(d, params, CTL_ROUTE_SET, ctl_route_parse, ctl_route_answer);
}
