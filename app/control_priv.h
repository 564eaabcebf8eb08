/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What app/control.c (the request slot, push and pop, the stream and connection tables) and
 * app/control_net.c (neighbours and routes) share: the one request slot a telemetry callback
 * fills and an lcore's control queue carries out (control.c's header tells how), its gate,
 * and the paged tables. Not for anyone else.
 */
#ifndef YARD_APP_CONTROL_PRIV_H
#define YARD_APP_CONTROL_PRIV_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_telemetry.h>

#include <protocols/arp.h>
#include <streams/snoop.h>
#include <streams/streams_priv.h>

#include "app/config.h"

#define CTL_CONNS_MAX 512     /* rows of a table gathered over every lcore */

enum ctl_op {
	CTL_PUSH, CTL_POP, CTL_CONNS, CTL_UDP_EPS, CTL_GROUPS, CTL_NEIGH, CTL_ROUTES,
	CTL_NEIGH_SET, CTL_ROUTE_SET,
};

/* The request slot: filled under ctl_lock by a telemetry thread, carried out on an lcore. */
struct ctl_req {
	uint64_t cr_word;              /* gen << 3 | state, atomically */
	enum ctl_op cr_op;
	struct stdata *cr_sd;
	char cr_mod[FMNAMESZ + 1];
	char cr_args[YARD_MODARGS_MAX];
	void *cr_rows;                 /* the tables (CTL_CONNS ... CTL_ROUTES): cr_max rows */
	unsigned cr_max;
	int cr_nrows;                  /* the same: rows on the lcore (may exceed cr_max);
					* CTL_NEIGH_SET, CTL_ROUTE_SET: changed, or -errno */
	enum arp_neigh_op cr_nop;      /* CTL_NEIGH_SET: what, on which port, which entry */
	int cr_port;
	struct arp_entry cr_ent;
	bool cr_radd;                  /* CTL_ROUTE_SET: add (else delete) dst/prefix via gw, */
	uint8_t cr_rprefix;            /* through the link whose address is cr_rifaddr */
	uint32_t cr_rdst, cr_rgw, cr_rifaddr;
	int cr_rc;
	char cr_err[200];
};

/* A table /yard/conns and the others page: request, row size, row writer. */
struct ctl_table {
	enum ctl_op op;
	size_t rowsz;
	void (*row)(struct rte_tel_data *d, const void *row);
	const char *key; /* rows are key0, key1, ... */
};

extern pthread_mutex_t ctl_lock;
extern struct ctl_req ctl_req;
extern const struct yard_config *ctl_cfg;

/* The gate: true while yard runs (then ctl_leave() after), false while it starts or stops. */
bool ctl_enter(void);
void ctl_leave(void);
/* An answer {"ok": 0, "error": "..."}; returns 0, what a telemetry callback returns. */
int ctl_fail(struct rte_tel_data *d, const char *fmt, ...) __rte_format_printf(2, 3);
int ctl_not_running(struct rte_tel_data *d);
/* Carry out ctl_req on lcore (ctl_lock held): 0, or -1 with d holding why. */
int ctl_exec(struct rte_tel_data *d, unsigned lcore);
/* A page of table t's rows gathered from every lcore (or params' LCORE), from START. */
int ctl_table_page(const struct ctl_table *t, const char *params, struct rte_tel_data *d);

/* control_net.c: the neighbour and route requests on the lcore (r->cr_op is one of them). */
void ctl_net_do(struct ctl_req *r);
/* control_net.c: /yard/neigh, /yard/routes, /yard/neigh_set, /yard/route_set. */
int tel_neigh(const char *cmd, const char *params, struct rte_tel_data *d);
int tel_routes(const char *cmd, const char *params, struct rte_tel_data *d);
int tel_neigh_set(const char *cmd, const char *params, struct rte_tel_data *d);
int tel_route_set(const char *cmd, const char *params, struct rte_tel_data *d);

#endif /* YARD_APP_CONTROL_PRIV_H */
