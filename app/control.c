/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Runtime control of a running yard, for yardctl (and any client of DPDK telemetry):
 *
 *   /yard/push     "STREAM,MODULE[,ARGS]"  I_PUSH MODULE on STREAM (a name or an id)
 *   /yard/pop      "STREAM,MODULE"         I_POP MODULE, which must be STREAM's top module
 *   /yard/modules  registered modules and drivers, and how many streams use each
 *   /yard/stats    per lcore: scheduler counters, RX/TX packets and bytes of the port queues
 *                  it serves, drops by reason, message blocks held on its queues
 *   /yard/streamq  without a parameter: every stream's id, name and lcore; with an id: that
 *                  stream from the head down, every queue pair with count, water marks,
 *                  flags and bands, and the multiplexor links above and below; a snoop,
 *                  trace or netem queue adds its module's counters (netem_rd_dropped, ...)
 *   /yard/conns    "[LCORE][,START]"  TCP connections and listeners (netstat), a page of
 *                  CTL_CONNS_PAGE rows from START of the table gathered from each lcore
 *   /yard/udp_eps  "[LCORE][,START]"  bound UDP endpoints (netstat -u), paged the same way
 *   /yard/groups   "[LCORE][,START]"  multicast groups joined on each link (netstat -g),
 *                  with the link's source filter: mode, nsources and the first 8 sources
 *
 * and control_net.c's /yard/neigh, /yard/routes, /yard/neigh_set and /yard/route_set, which use
 * the same request slot (control_priv.h).
 *
 * Principles of operation
 * -----------------------
 * Telemetry callbacks run on DPDK's telemetry threads, never on an lcore, but a stream and its
 * queues belong to the lcore that opened it, and only that lcore may change them. So push and
 * pop travel: the callback fills the single request slot (one request at a time: ctl_lock,
 * a mutex, taken on telemetry threads only), and sends an M_CTL message naming the slot's
 * generation through the owning lcore's mailbox (yard_mbox_put) to that lcore's control queue,
 * a bare queue pair created on the lcore at start. The control queue's put procedure runs on
 * the lcore between two messages of its loop, does the push or pop, and publishes the result
 * through the slot's state word (generation << 2 | state), which the callback polls.
 *
 * The state word makes a late answer harmless: the lcore moves (gen, PENDING) to (gen, RUNNING)
 * with a compare-and-swap before touching the stream, and the callback, after CTL_WAIT_S
 * without an answer, moves (gen, PENDING) to (gen, ABANDONED); exactly one of them wins. A
 * request the lcore has started is always waited for, so the slot is never reused under it.
 *
 * /yard/conns uses the same slot with a third kind of request: the lcore's control queue runs
 * yard_tcp_conns_snapshot() into a buffer the callback allocated, as the tcp instance's tables
 * belong to their lcore. The callback asks each lcore in turn, gathers at most CTL_CONNS_MAX
 * rows (flagging the answer truncated beyond), and answers one page of them: a telemetry
 * answer holds at most 16 KiB (DPDK's MAX_OUTPUT_LEN), about 40 rows, so yardctl asks page
 * after page. Pages are separate snapshots, like netstat's reads of /proc. /yard/udp_eps is
 * the same with yard_udp_eps_snapshot(), /yard/groups with ip_mcast_snapshot(), and
 * control_net.c's tables with theirs.
 *
 * Push and pop go through sth_push()/sth_pop() (streams_priv.h) rather than sth_ioctl():
 * the streams worth watching, a port's link streams, are linked under ip, where sth_ioctl()
 * refuses everything (STPLEX, as illumos does for ioctls from above). The module goes in just
 * below the multiplexor's lower queue, above the modules already there. Arguments reach the
 * module's open through yard_modargs_set() (streams/snoop.h); if the open did not take them,
 * the module takes none, and it is popped again with an error. Only modules pushed at run time
 * can be popped: the modules the stack was built with stay.
 *
 * The commands that walk streams enter a gate (a reader count and a state, as telemetry.c
 * does) and hold ctl_lock, so a walk never meets a queue pair a pop is freeing.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_pause.h>
#include <rte_telemetry.h>

#include <pmd_glue/pmd.h>
#include <pmd_glue/port.h>
#include <protocols/ip.h>
#include <protocols/netem.h>
#include <protocols/tcp.h>
#include <protocols/udp.h>
#include <streams/snoop.h>
#include <streams/streams_priv.h>

#include "app/control.h"
#include "app/control_priv.h"
#include "app/yard.h"

#define CTL_WAIT_S 3          /* seconds a request waits for its lcore to take it */
#define CTL_MAX_STREAMS 256   /* streams with modules pushed at run time */
#define CTL_CONNS_PAGE 24     /* rows in one answer (16 KiB of JSON at most) */

enum { CTL_IDLE, CTL_PENDING, CTL_RUNNING, CTL_DONE, CTL_ABANDONED };

pthread_mutex_t ctl_lock = PTHREAD_MUTEX_INITIALIZER;
struct ctl_req ctl_req;
static uint64_t ctl_gen;
static queue_t *ctl_queues[RTE_MAX_LCORE];
const struct yard_config *ctl_cfg;

static int ctl_running;
static unsigned ctl_readers;

/*
 * Modules pushed at run time, per stream (by pointer and id, as a closed stream's memory may
 * come back as another's): only these are popped; what the stack built stays. Touched by the
 * lcores' control queues only while the request slot is held, so one at a time.
 */
static struct { const struct stdata *sd; unsigned id; int n; } ctl_pushed[CTL_MAX_STREAMS];

#define WORD(gen, st) (((gen) << 3) | (uint64_t)(st))
#define WORD_STATE(w) ((unsigned)((w) & 7))

/* ---- the gate ---------------------------------------------------------------------------- */

bool
ctl_enter(void)
{
	__atomic_add_fetch(&ctl_readers, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&ctl_running, __ATOMIC_SEQ_CST))
		return true;
	__atomic_sub_fetch(&ctl_readers, 1, __ATOMIC_SEQ_CST);
	return false;
}

void
ctl_leave(void)
{
	__atomic_sub_fetch(&ctl_readers, 1, __ATOMIC_SEQ_CST);
}

/* An answer {"ok": 0, "error": "..."}: yardctl prints the error as it is. */
int
ctl_fail(struct rte_tel_data *d, const char *fmt, ...)
{
	char msg[RTE_TEL_MAX_STRING_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_int(d, "ok", 0);
	rte_tel_data_add_dict_string(d, "error", msg);
	return 0;
}

int
ctl_not_running(struct rte_tel_data *d)
{
	return ctl_fail(d, "yard is not running (starting or stopping)");
}

/* ---- the control queue (runs on the owning lcore) ---------------------------------------- */

/* The count of run-time pushes on sd, created on first use; NULL if the table is full. */
static int *
ctl_pushed_of(const struct stdata *sd, bool create)
{
	int *free_slot = NULL;

	for (unsigned i = 0; i < CTL_MAX_STREAMS; i++) {
		if (ctl_pushed[i].n > 0 && ctl_pushed[i].sd == sd && ctl_pushed[i].id == sd->sd_id)
			return &ctl_pushed[i].n;
		if (ctl_pushed[i].n <= 0 && free_slot == NULL) {
			free_slot = &ctl_pushed[i].n;
			if (create) {
				ctl_pushed[i].sd = sd;
				ctl_pushed[i].id = sd->sd_id;
			}
		}
	}
	return create ? free_slot : NULL;
}

static void
ctl_do(struct ctl_req *r)
{
	struct stdata *sd = r->cr_sd;
	struct sth_priv *sp = sth_priv(sd);
	int rc;

	r->cr_err[0] = '\0';
	r->cr_rc = 0;
	switch (r->cr_op) {
	case CTL_CONNS:
		r->cr_nrows = yard_tcp_conns_snapshot(r->cr_rows, r->cr_max);
		return;
	case CTL_UDP_EPS:
		r->cr_nrows = yard_udp_eps_snapshot(r->cr_rows, r->cr_max);
		return;
	case CTL_GROUPS:
		r->cr_nrows = ip_mcast_snapshot(r->cr_rows, r->cr_max);
		return;
	case CTL_NEIGH:
	case CTL_ROUTES:
	case CTL_NEIGH_SET:
	case CTL_ROUTE_SET:
		ctl_net_do(r);
		return;
	case CTL_PUSH:
	case CTL_POP:
		break;
	}
	if (r->cr_op == CTL_PUSH) {
		yard_modargs_set(r->cr_args);
		rc = sth_push(sd, r->cr_mod);
		if (rc == 0 && yard_modargs_pending()) {
			(void)sth_pop(sd, 0);
			rc = -E2BIG;
			snprintf(r->cr_err, sizeof(r->cr_err), "module %s takes no arguments",
				 r->cr_mod);
		} else if (rc != 0) {
			snprintf(r->cr_err, sizeof(r->cr_err), "module %s refused the push on %s: %s",
				 r->cr_mod, sd->sd_name, strerror(-rc));
		}
		yard_modargs_set(NULL);
		if (rc == 0) {
			int *n = ctl_pushed_of(sd, true);

			if (n != NULL)
				(*n)++;
		}
		r->cr_rc = rc;
		return;
	}
	if (sd->sd_pushcnt == 0 || strcmp(sp->sp_mods[sd->sd_pushcnt - 1], r->cr_mod) != 0) {
		r->cr_rc = -ENOENT;
		snprintf(r->cr_err, sizeof(r->cr_err), "%s is not the top module of %s (top: %s)",
			 r->cr_mod, sd->sd_name,
			 sd->sd_pushcnt > 0 ? sp->sp_mods[sd->sd_pushcnt - 1] : "none");
		return;
	}
	if (ctl_pushed_of(sd, false) == NULL) {
		r->cr_rc = -EPERM;
		snprintf(r->cr_err, sizeof(r->cr_err), "%s on %s is part of yard's stack, not "
			 "pushed with yardctl: not popped", r->cr_mod, sd->sd_name);
		return;
	}
	rc = sth_pop(sd, 0);
	if (rc == 0)
		(*ctl_pushed_of(sd, false))--;
	r->cr_rc = rc;
	if (rc != 0)
		snprintf(r->cr_err, sizeof(r->cr_err), "cannot pop %s from %s: %s", r->cr_mod,
			 sd->sd_name, strerror(-rc));
}

/* Put procedure of a control queue: one M_CTL carrying the generation of the request. */
static int
ctl_put(queue_t *q, mblk_t *mp)
{
	uint64_t gen, expect;

	if (DB_TYPE(mp) != M_CTL || MBLKL(mp) < sizeof(gen)) {
		freemsg(mp);
		return 0;
	}
	memcpy(&gen, mp->b_rptr, sizeof(gen));
	freemsg(mp);
	expect = WORD(gen, CTL_PENDING);
	if (!__atomic_compare_exchange_n(&ctl_req.cr_word, &expect, WORD(gen, CTL_RUNNING), false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return 0; /* abandoned by a caller that gave up waiting */
	ctl_do(&ctl_req);
	__atomic_store_n(&ctl_req.cr_word, WORD(gen, CTL_DONE), __ATOMIC_RELEASE);
	return 0;
}

static struct module_info ctl_minfo = {
	.mi_idnum = 1020, .mi_idname = "control", .mi_maxpsz = INFPSZ,
	.mi_hiwat = 1024, .mi_lowat = 256,
};
static struct qinit ctl_rinit = { .qi_putp = ctl_put, .qi_minfo = &ctl_minfo };
static struct qinit ctl_winit = { .qi_putp = ctl_put, .qi_minfo = &ctl_minfo };

static int
ctl_setup_lcore(void *arg)
{
	unsigned lcore = rte_lcore_id();
	queue_t *q;

	RTE_SET_USED(arg);
	q = allocq(&ctl_rinit, &ctl_winit);
	if (q == NULL)
		return -ENOMEM;
	ctl_queues[lcore] = q;
	return 0;
}

static int
ctl_teardown_lcore(void *arg)
{
	unsigned lcore = rte_lcore_id();
	queue_t *q = ctl_queues[lcore];

	RTE_SET_USED(arg);
	if (q != NULL) {
		(void)yard_sched_purge_queue(q->q_sched, q);
		freeq(q);
		ctl_queues[lcore] = NULL;
	}
	return 0;
}

static int
ctl_on_lcore(int (*fn)(void *), unsigned lcore)
{
	int rc;

	if (lcore == rte_lcore_id())
		return fn(NULL);
	rc = rte_eal_remote_launch(fn, NULL, lcore);
	if (rc != 0)
		return rc;
	return rte_eal_wait_lcore(lcore);
}

int
yard_ctl_setup(const struct yard_config *cfg)
{
	ctl_cfg = cfg;
	for (unsigned i = 0; i < cfg->nlcores; i++) {
		int rc = ctl_on_lcore(ctl_setup_lcore, cfg->lcores[i]);

		if (rc != 0) {
			YARD_LOG(ERR, "lcore %u: cannot create the control queue: %s",
				 cfg->lcores[i], strerror(-rc));
			return rc;
		}
	}
	return 0;
}

void
yard_ctl_start(void)
{
	__atomic_store_n(&ctl_running, 1, __ATOMIC_SEQ_CST);
}

void
yard_ctl_quiesce(void)
{
	__atomic_store_n(&ctl_running, 0, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&ctl_readers, __ATOMIC_SEQ_CST) != 0)
		rte_pause();
	if (ctl_cfg == NULL)
		return;
	for (unsigned i = 0; i < ctl_cfg->nlcores; i++)
		(void)ctl_on_lcore(ctl_teardown_lcore, ctl_cfg->lcores[i]);
}

/* ---- /yard/push, /yard/pop (telemetry threads) ------------------------------------------- */

/* A stream by name ("port0/q0"), by id ("3") or by its telemetry key ("stream3"). */
static struct stdata *
ctl_find_stream(const char *what)
{
	char *end;
	unsigned long id = ULONG_MAX;

	if (strncmp(what, "stream", 6) == 0 && what[6] != '\0')
		id = strtoul(what + 6, &end, 10);
	else if (what[0] >= '0' && what[0] <= '9')
		id = strtoul(what, &end, 10);
	else
		end = NULL;
	if (end != NULL && *end != '\0')
		id = ULONG_MAX;
	for (struct stdata *sd = sth_first(); sd != NULL; sd = sth_next(sd))
		if ((id != ULONG_MAX && sd->sd_id == id) || strcmp(sd->sd_name, what) == 0)
			return sd;
	return NULL;
}

static double
mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Send the filled slot to its lcore and wait until it has run: 0, or -1 with d holding the
 * failure. Called with ctl_lock held.
 */
int
ctl_exec(struct rte_tel_data *d, unsigned lcore)
{
	queue_t *q = lcore < RTE_MAX_LCORE ? ctl_queues[lcore] : NULL;
	uint64_t gen = ++ctl_gen, expect;
	double deadline;
	mblk_t *mp;

	if (q == NULL) {
		(void)ctl_fail(d, "lcore %u has no control queue", lcore);
		return -1;
	}
	mp = allocb(sizeof(gen), BPRI_HI);
	if (mp == NULL) {
		(void)ctl_fail(d, "no message block for the request");
		return -1;
	}
	DB_TYPE(mp) = M_CTL;
	memcpy(mp->b_wptr, &gen, sizeof(gen));
	mp->b_wptr += sizeof(gen);
	__atomic_store_n(&ctl_req.cr_word, WORD(gen, CTL_PENDING), __ATOMIC_RELEASE);
	if (yard_mbox_put(q, mp) == 0) {
		freemsg(mp);
		__atomic_store_n(&ctl_req.cr_word, WORD(gen, CTL_IDLE), __ATOMIC_RELEASE);
		(void)ctl_fail(d, "lcore %u's mailbox is full; try again", lcore);
		return -1;
	}
	deadline = mono_s() + CTL_WAIT_S;
	for (;;) {
		uint64_t w = __atomic_load_n(&ctl_req.cr_word, __ATOMIC_ACQUIRE);

		if (WORD_STATE(w) == CTL_DONE)
			break;
		if (WORD_STATE(w) == CTL_PENDING && mono_s() > deadline) {
			expect = WORD(gen, CTL_PENDING);
			if (__atomic_compare_exchange_n(&ctl_req.cr_word, &expect,
							WORD(gen, CTL_ABANDONED), false,
							__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
				(void)ctl_fail(d, "lcore %u did not take the request within %d s",
					 lcore, CTL_WAIT_S);
				return -1;
			}
			continue;
		}
		rte_delay_us_sleep(200);
	}
	return 0;
}

/* Run the filled push or pop slot on lcore and answer. Called with ctl_lock held. */
static int
ctl_run(struct rte_tel_data *d, unsigned lcore)
{
	if (ctl_exec(d, lcore) != 0)
		return 0;
	if (ctl_req.cr_rc != 0)
		return ctl_fail(d, "%s", ctl_req.cr_err);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_int(d, "ok", 1);
	rte_tel_data_add_dict_string(d, "stream", ctl_req.cr_sd->sd_name);
	rte_tel_data_add_dict_string(d, "module", ctl_req.cr_mod);
	rte_tel_data_add_dict_u64(d, "lcore", lcore);
	rte_tel_data_add_dict_int(d, "pushcnt", ctl_req.cr_sd->sd_pushcnt);
	if (ctl_req.cr_op == CTL_PUSH && strcmp(ctl_req.cr_mod, SNOOP_MODNAME) == 0 &&
	    yard_snoop_path(ctl_req.cr_sd) != NULL)
		rte_tel_data_add_dict_string(d, "file", yard_snoop_path(ctl_req.cr_sd));
	return 0;
}

static int
ctl_pushpop(const char *params, struct rte_tel_data *d, enum ctl_op op)
{
	char buf[512], *stream, *mod, *args = NULL, *c;
	struct stdata *sd;
	int rc;

	if (params == NULL || params[0] == '\0')
		return ctl_fail(d, "usage: STREAM,MODULE%s", op == CTL_PUSH ? "[,ARGS]" : "");
	snprintf(buf, sizeof(buf), "%s", params);
	stream = buf;
	c = strchr(stream, ',');
	if (c == NULL)
		return ctl_fail(d, "usage: STREAM,MODULE%s", op == CTL_PUSH ? "[,ARGS]" : "");
	*c = '\0';
	mod = c + 1;
	c = strchr(mod, ',');
	if (c != NULL) {
		*c = '\0';
		args = c + 1;
		if (op == CTL_POP)
			return ctl_fail(d, "pop takes no arguments");
	}
	if (args != NULL && strlen(args) >= YARD_MODARGS_MAX)
		return ctl_fail(d, "arguments longer than %d bytes", YARD_MODARGS_MAX - 1);
	if (!ctl_enter())
		return ctl_not_running(d);
	pthread_mutex_lock(&ctl_lock);
	sd = ctl_find_stream(stream);
	if (sd == NULL) {
		rc = ctl_fail(d, "unknown stream '%s' (yardctl streams lists them)", stream);
	} else if (op == CTL_PUSH && yard_mod_find(mod) == NULL) {
		rc = ctl_fail(d, "unknown module '%s' (yardctl modules lists them)", mod);
	} else {
		ctl_req.cr_op = op;
		ctl_req.cr_sd = sd;
		snprintf(ctl_req.cr_mod, sizeof(ctl_req.cr_mod), "%s", mod);
		snprintf(ctl_req.cr_args, sizeof(ctl_req.cr_args), "%s", args != NULL ? args : "");
		rc = ctl_run(d, sd->sd_sched->sc_lcore);
	}
	pthread_mutex_unlock(&ctl_lock);
	ctl_leave();
	return rc;
}

static int
tel_push(const char *cmd, const char *params, struct rte_tel_data *d)
{
	RTE_SET_USED(cmd);
	return ctl_pushpop(params, d, CTL_PUSH);
}

static int
tel_pop(const char *cmd, const char *params, struct rte_tel_data *d)
{
	RTE_SET_USED(cmd);
	return ctl_pushpop(params, d, CTL_POP);
}

/* ---- /yard/modules ----------------------------------------------------------------------- */

static unsigned
ctl_instances(const char *name)
{
	unsigned n = 0;

	for (struct stdata *sd = sth_first(); sd != NULL; sd = sth_next(sd)) {
		const struct sth_priv *sp = sth_priv(sd);

		for (int i = 0; i < sd->sd_pushcnt; i++)
			n += strcmp(sp->sp_mods[i], name) == 0;
		n += sd->sd_dev != NULL && strcmp(sd->sd_dev->d_name, name) == 0;
	}
	return n;
}

static void
ctl_str_dict(struct rte_tel_data *d, const char *name, const char *kind, struct streamtab *st,
	     uint32_t flags, bool walk)
{
	const struct module_info *mi = st->st_rdinit != NULL ? st->st_rdinit->qi_minfo : NULL;

	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "name", name);
	rte_tel_data_add_dict_string(d, "kind", kind);
	rte_tel_data_add_dict_u64(d, "flags", flags);
	if (mi != NULL) {
		rte_tel_data_add_dict_u64(d, "idnum", mi->mi_idnum);
		rte_tel_data_add_dict_int(d, "minpsz", (int)mi->mi_minpsz);
		rte_tel_data_add_dict_int(d, "maxpsz", (int)mi->mi_maxpsz);
		rte_tel_data_add_dict_u64(d, "hiwat", mi->mi_hiwat);
		rte_tel_data_add_dict_u64(d, "lowat", mi->mi_lowat);
	}
	rte_tel_data_add_dict_string(d, "mux", st->st_muxrinit != NULL ? "yes" : "no");
	rte_tel_data_add_dict_string(d, "service",
				     (st->st_rdinit != NULL && st->st_rdinit->qi_srvp != NULL) ||
				     (st->st_wrinit != NULL && st->st_wrinit->qi_srvp != NULL) ?
				     "yes" : "no");
	rte_tel_data_add_dict_string(d, "burst",
				     st->st_rdinit != NULL && st->st_rdinit->qi_putp_burst != NULL ?
				     "yes" : "no");
	if (walk)
		rte_tel_data_add_dict_u64(d, "instances", ctl_instances(name));
}

static int
tel_modules(const char *cmd, const char *params, struct rte_tel_data *d)
{
	bool walk = ctl_enter();
	char key[40];

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	if (walk)
		pthread_mutex_lock(&ctl_lock);
	rte_tel_data_start_dict(d);
	for (unsigned i = 0;; i++) {
		const struct fmodsw *f = yard_mod_at(i);
		struct rte_tel_data *sub;

		if (f == NULL)
			break;
		if (f->f_name[0] == '\0' || (sub = rte_tel_data_alloc()) == NULL)
			continue;
		ctl_str_dict(sub, f->f_name, "module", f->f_str, f->f_flag, walk);
		snprintf(key, sizeof(key), "module_%s", f->f_name);
		if (rte_tel_data_add_dict_container(d, key, sub, 0) != 0)
			rte_tel_data_free(sub);
	}
	for (unsigned i = 0;; i++) {
		const struct yard_devsw *dv = yard_drv_at(i);
		struct rte_tel_data *sub;

		if (dv == NULL)
			break;
		if (dv->d_name[0] == '\0' || (sub = rte_tel_data_alloc()) == NULL)
			continue;
		ctl_str_dict(sub, dv->d_name, "driver", dv->d_str, dv->d_flag, walk);
		snprintf(key, sizeof(key), "driver_%s", dv->d_name);
		if (rte_tel_data_add_dict_container(d, key, sub, 0) != 0)
			rte_tel_data_free(sub);
	}
	if (walk) {
		pthread_mutex_unlock(&ctl_lock);
		ctl_leave();
	}
	return 0;
}

/* ---- /yard/stats ------------------------------------------------------------------------- */

static uint64_t
ctl_queue_mblks(const queue_t *q)
{
	uint64_t n = q->q_mblkcnt;

	for (const qband_t *qb = q->q_bandp; qb != NULL; qb = qb->qb_next)
		n += qb->qb_mblkcnt;
	return n;
}

static void
ctl_lcore_stats(struct rte_tel_data *d, unsigned lcore, bool walk)
{
	const struct yard_sched_stats *st = &yard_sched_of(lcore)->sc_stats;
	const struct yard_lcore_stack *ls = yard_stack_of(lcore);
	struct rte_tel_data *drops = rte_tel_data_alloc();
	uint64_t drop[YARD_PMDS_MAX] = { 0 };
	uint64_t rxp = 0, rxb = 0, txp = 0, txb = 0, held = 0;

	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "lcore", lcore);
	rte_tel_data_add_dict_u64(d, "loops", st->loops);
	rte_tel_data_add_dict_u64(d, "busy_cycles", st->busy_cycles);
	rte_tel_data_add_dict_u64(d, "idle_cycles", st->idle_cycles);
	rte_tel_data_add_dict_u64(d, "sleeps", st->sleeps);
	rte_tel_data_add_dict_u64(d, "sleep_cycles", st->sleep_cycles);
	rte_tel_data_add_dict_u64(d, "service_runs", st->service_runs);
	rte_tel_data_add_dict_u64(d, "poll_msgs", st->poll_msgs);
	rte_tel_data_add_dict_u64(d, "mbox_msgs", st->mbox_msgs);
	rte_tel_data_add_dict_u64(d, "deferred_puts", st->deferred_puts);
	rte_tel_data_add_dict_u64(d, "timers_run", st->timers_run);
	for (unsigned k = 0; ls != NULL && walk && k < ls->ls_nlinks; k++) {
		const struct pmdstat *ps = yard_pmd_queue_stats(ls->ls_links[k].yl_port,
								 ls->ls_links[k].yl_queue);

		if (ps == NULL)
			continue;
		rxp += ps->pmds_rx_pkts;
		rxb += ps->pmds_rx_bytes;
		txp += ps->pmds_tx_pkts;
		txb += ps->pmds_tx_bytes;
		for (unsigned i = 0; i < YARD_PMDS_MAX; i++)
			drop[i] += yard_pmdstat_get(ps, (enum yard_pmd_stat)i);
	}
	if (walk)
		for (struct stdata *sd = sth_first(); sd != NULL; sd = sth_next(sd)) {
			if (sd->sd_sched == NULL || sd->sd_sched->sc_lcore != lcore)
				continue;
			for (const queue_t *q = sd->sd_wrq; q != NULL; q = q->q_next)
				held += ctl_queue_mblks(q) + ctl_queue_mblks(RD((queue_t *)q));
		}
	rte_tel_data_add_dict_u64(d, "rx_pkts", rxp);
	rte_tel_data_add_dict_u64(d, "rx_bytes", rxb);
	rte_tel_data_add_dict_u64(d, "tx_pkts", txp);
	rte_tel_data_add_dict_u64(d, "tx_bytes", txb);
	rte_tel_data_add_dict_u64(d, "queued_mblks", held);
	if (drops == NULL)
		return;
	rte_tel_data_start_dict(drops);
	rte_tel_data_add_dict_u64(drops, "sched_mbox_drops", st->mbox_drops);
	for (unsigned i = 0; i < YARD_PMDS_MAX; i++) {
		char key[64];

		if (strncmp(yard_pmd_stat_help[i], "drop:", 5) != 0)
			continue;
		snprintf(key, sizeof(key), "pmd_%s", yard_pmd_stat_names[i]);
		rte_tel_data_add_dict_u64(drops, key, drop[i]);
	}
	if (rte_tel_data_add_dict_container(d, "drops", drops, 0) != 0)
		rte_tel_data_free(drops);
}

static int
tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const struct yard_config *cfg = ctl_cfg;
	bool walk;
	char key[32];

	RTE_SET_USED(cmd);
	if (cfg == NULL)
		return -EINVAL;
	if (params != NULL && params[0] != '\0') {
		char *end;
		unsigned long l = strtoul(params, &end, 10);

		if (*end != '\0' || !yard_config_has_lcore(cfg, (unsigned)l))
			return ctl_fail(d, "lcore %s is not one of yard's lcores", params);
	}
	walk = ctl_enter();
	if (walk)
		pthread_mutex_lock(&ctl_lock);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_int(d, "ok", 1);
	rte_tel_data_add_dict_string(d, "state", walk ? "running" : "not running");
	rte_tel_data_add_dict_u64(d, "tsc_hz", rte_get_tsc_hz());
	rte_tel_data_add_dict_u64(d, "msgs_in_use", yard_msgs_in_use());
	for (unsigned i = 0; i < cfg->nlcores; i++) {
		struct rte_tel_data *sub;

		if (params != NULL && params[0] != '\0' &&
		    cfg->lcores[i] != (unsigned)strtoul(params, NULL, 10))
			continue;
		sub = rte_tel_data_alloc();
		if (sub == NULL)
			break;
		ctl_lcore_stats(sub, cfg->lcores[i], walk);
		snprintf(key, sizeof(key), "lcore%u", cfg->lcores[i]);
		if (rte_tel_data_add_dict_container(d, key, sub, 0) != 0)
			rte_tel_data_free(sub);
	}
	if (walk) {
		pthread_mutex_unlock(&ctl_lock);
		ctl_leave();
	}
	return 0;
}

/* ---- /yard/streamq ----------------------------------------------------------------------- */

/* "band:count/hiwat/lowat/flags" for each allocated band of q. */
static struct rte_tel_data *
ctl_bands(const queue_t *q)
{
	struct rte_tel_data *a = rte_tel_data_alloc();
	unsigned b = 1;

	if (a == NULL)
		return NULL;
	rte_tel_data_start_array(a, RTE_TEL_STRING_VAL);
	for (const qband_t *qb = q->q_bandp; qb != NULL; qb = qb->qb_next, b++) {
		char s[RTE_TEL_MAX_STRING_LEN];

		snprintf(s, sizeof(s), "%u:%zu/%zu/%zu/%" PRIu32, b, qb->qb_count, qb->qb_hiwat,
			 qb->qb_lowat, qb->qb_flag);
		rte_tel_data_add_array_string(a, s);
	}
	return a;
}

static void
ctl_side(struct rte_tel_data *d, const char *p, const queue_t *q)
{
	char key[32];
	struct rte_tel_data *bands;

#define SIDE(name, val) do { snprintf(key, sizeof(key), "%s_%s", p, name); \
	rte_tel_data_add_dict_u64(d, key, (uint64_t)(val)); } while (0)
	SIDE("count", q->q_count);
	SIDE("mblks", ctl_queue_mblks(q));
	SIDE("hiwat", q->q_hiwat);
	SIDE("lowat", q->q_lowat);
	SIDE("flag", q->q_flag);
	SIDE("nband", q->q_nband);
	SIDE("put", q->q_nput);
	SIDE("srv", q->q_nsrv);
	SIDE("service", q->q_qinfo != NULL && q->q_qinfo->qi_srvp != NULL);
#undef SIDE
	bands = ctl_bands(q);
	snprintf(key, sizeof(key), "%s_bands", p);
	if (bands != NULL && rte_tel_data_add_dict_container(d, key, bands, 0) != 0)
		rte_tel_data_free(bands);
}

static const char *
ctl_qname(const queue_t *q)
{
	const struct qinit *qi = q->q_qinfo;

	if (qi == NULL || qi->qi_minfo == NULL || qi->qi_minfo->mi_idname == NULL)
		return "?";
	return qi->qi_minfo->mi_idname;
}

/* netem counters shown per side in /yard/streamq: what a loss test needs to see. */
static const enum netemstat_index ctl_netem_shown[] = {
	NEMS_passed, NEMS_dropped, NEMS_duplicated, NEMS_corrupted, NEMS_reordered,
	NEMS_delayed, NEMS_rate_limited_drops, NEMS_limit_drops, NEMS_held_now,
};

/* The counters of the netem whose queue is q, as netem_<rd|wr>_<counter>, in q's dict. */
static void
ctl_netem_counters(struct rte_tel_data *qd, const queue_t *q)
{
	struct netem_stats ns;
	char key[64];

	if (yard_netem_stats(q, &ns) != 0)
		return;
	for (unsigned i = 0; i < RTE_DIM(ctl_netem_shown); i++) {
		unsigned k = ctl_netem_shown[i];
		const uint64_t *rd = (const uint64_t *)&ns.nst_rd, *wr = (const uint64_t *)&ns.nst_wr;

		snprintf(key, sizeof(key), "netem_rd_%s", netemstat_name(k));
		rte_tel_data_add_dict_u64(qd, key, rd[k]);
		snprintf(key, sizeof(key), "netem_wr_%s", netemstat_name(k));
		rte_tel_data_add_dict_u64(qd, key, wr[k]);
	}
}

/* The counters of a snoop or trace on sd (the topmost of its kind), in q's dict. */
static void
ctl_inspect_counters(struct rte_tel_data *qd, struct stdata *sd, const char *name)
{
	struct snoopstat ss;
	struct tracestat ts;

	if (strcmp(name, SNOOP_MODNAME) == 0 && yard_snoop_stats(sd, &ss) == 0) {
		rte_tel_data_add_dict_u64(qd, "snoop_captured", ss.snoops_captured);
		rte_tel_data_add_dict_u64(qd, "snoop_missed", ss.snoops_missed);
		rte_tel_data_add_dict_u64(qd, "snoop_written", ss.snoops_written);
		rte_tel_data_add_dict_u64(qd, "snoop_write_errors", ss.snoops_write_errors);
		rte_tel_data_add_dict_string(qd, "snoop_file", yard_snoop_path(sd));
	} else if (strcmp(name, TRACE_MODNAME) == 0 && yard_trace_stats(sd, &ts) == 0) {
		rte_tel_data_add_dict_u64(qd, "trace_logged", ts.traces_logged);
		rte_tel_data_add_dict_u64(qd, "trace_ratelimited", ts.traces_ratelimited);
		rte_tel_data_add_dict_u64(qd, "trace_missed", ts.traces_missed);
	}
}

static void
ctl_stream_detail(struct rte_tel_data *d, struct stdata *sd)
{
	struct rte_tel_data *below = rte_tel_data_alloc();
	unsigned n = 0;
	char key[32];

	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_int(d, "ok", 1);
	rte_tel_data_add_dict_u64(d, "id", sd->sd_id);
	rte_tel_data_add_dict_string(d, "name", sd->sd_name);
	rte_tel_data_add_dict_string(d, "driver", sd->sd_dev != NULL ? sd->sd_dev->d_name : "?");
	rte_tel_data_add_dict_u64(d, "lcore", sd->sd_sched != NULL ? sd->sd_sched->sc_lcore : 0);
	rte_tel_data_add_dict_u64(d, "sd_flag", sd->sd_flag);
	rte_tel_data_add_dict_int(d, "pushcnt", sd->sd_pushcnt);
	rte_tel_data_add_dict_string(d, "linked_under",
				     (sd->sd_flag & STPLEX) && sd->sd_mux != NULL ?
				     sd->sd_mux->sd_name : "");
	if (below != NULL) {
		rte_tel_data_start_array(below, RTE_TEL_STRING_VAL);
		for (struct stdata *o = sth_first(); o != NULL; o = sth_next(o))
			if ((o->sd_flag & STPLEX) && o->sd_mux == sd)
				rte_tel_data_add_array_string(below, o->sd_name);
		if (rte_tel_data_add_dict_container(d, "links_below", below, 0) != 0)
			rte_tel_data_free(below);
	}
	for (const queue_t *q = sd->sd_wrq; q != NULL && n < 2 * YARD_NSTRPUSH + 4;
	     q = q->q_next, n++) {
		struct rte_tel_data *qd = rte_tel_data_alloc();

		if (qd == NULL)
			break;
		rte_tel_data_start_dict(qd);
		rte_tel_data_add_dict_string(qd, "module", ctl_qname(q));
		ctl_inspect_counters(qd, sd, ctl_qname(q));
		ctl_netem_counters(qd, q);
		ctl_side(qd, "w", q);
		ctl_side(qd, "r", RD((queue_t *)(uintptr_t)q));
		snprintf(key, sizeof(key), "q%u", n);
		if (rte_tel_data_add_dict_container(d, key, qd, 0) != 0)
			rte_tel_data_free(qd);
	}
	rte_tel_data_add_dict_u64(d, "nqueues", n);
}

static int
tel_streamq(const char *cmd, const char *params, struct rte_tel_data *d)
{
	int rc = 0;

	RTE_SET_USED(cmd);
	if (!ctl_enter())
		return ctl_not_running(d);
	pthread_mutex_lock(&ctl_lock);
	if (params != NULL && params[0] != '\0') {
		struct stdata *sd = ctl_find_stream(params);

		if (sd == NULL)
			rc = ctl_fail(d, "unknown stream '%s'", params);
		else
			ctl_stream_detail(d, sd);
	} else {
		struct rte_tel_data *ids = rte_tel_data_alloc();

		rte_tel_data_start_dict(d);
		rte_tel_data_add_dict_int(d, "ok", 1);
		if (ids != NULL) {
			rte_tel_data_start_array(ids, RTE_TEL_U64_VAL);
			for (struct stdata *sd = sth_first(); sd != NULL; sd = sth_next(sd))
				rte_tel_data_add_array_u64(ids, sd->sd_id);
			if (rte_tel_data_add_dict_container(d, "ids", ids, 0) != 0)
				rte_tel_data_free(ids);
		}
	}
	pthread_mutex_unlock(&ctl_lock);
	ctl_leave();
	return rc;
}

/* ---- /yard/conns ------------------------------------------------------------------------- */

static const char *const ctl_tcp_states[] = {
	[TCPS_CLOSED] = "CLOSED", [TCPS_LISTEN] = "LISTEN", [TCPS_SYN_SENT] = "SYN_SENT",
	[TCPS_SYN_RECEIVED] = "SYN_RECEIVED", [TCPS_ESTABLISHED] = "ESTABLISHED",
	[TCPS_CLOSE_WAIT] = "CLOSE_WAIT", [TCPS_FIN_WAIT_1] = "FIN_WAIT_1",
	[TCPS_CLOSING] = "CLOSING", [TCPS_LAST_ACK] = "LAST_ACK",
	[TCPS_FIN_WAIT_2] = "FIN_WAIT_2", [TCPS_TIME_WAIT] = "TIME_WAIT",
};

static void
ctl_addr_str(char *buf, size_t len, uint32_t addr_be, uint16_t port_be)
{
	const uint8_t *a = (const uint8_t *)&addr_be;

	snprintf(buf, len, "%u.%u.%u.%u:%u", a[0], a[1], a[2], a[3], rte_be_to_cpu_16(port_be));
}

static void
ctl_conn_row(struct rte_tel_data *d, const void *row)
{
	const struct yard_tcp_conn_row *r = row;
	const struct tcp_conninfo *ci = &r->tr_info;
	char a[32];

	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "lcore", r->tr_lcore);
	ctl_addr_str(a, sizeof(a), r->tr_laddr, r->tr_lport);
	rte_tel_data_add_dict_string(d, "local", a);
	ctl_addr_str(a, sizeof(a), r->tr_faddr, r->tr_fport);
	rte_tel_data_add_dict_string(d, "remote", a);
	rte_tel_data_add_dict_u64(d, "lport", rte_be_to_cpu_16(r->tr_lport));
	rte_tel_data_add_dict_u64(d, "rport", rte_be_to_cpu_16(r->tr_fport));
	rte_tel_data_add_dict_string(d, "state", ci->tcpi_state < RTE_DIM(ctl_tcp_states) ?
				     ctl_tcp_states[ci->tcpi_state] : "?");
	rte_tel_data_add_dict_int(d, "listener", !!(r->tr_flags & TCP_ROW_LISTENER));
	rte_tel_data_add_dict_int(d, "endpoint", !!(r->tr_flags & TCP_ROW_ENDPOINT));
	rte_tel_data_add_dict_int(d, "orphan", !!(r->tr_flags & TCP_ROW_ORPHAN));
	rte_tel_data_add_dict_u64(d, "send_q", r->tr_sendq);
	rte_tel_data_add_dict_u64(d, "recv_q", r->tr_recvq);
	rte_tel_data_add_dict_u64(d, "srtt_ms", ci->tcpi_srtt_ms);
	rte_tel_data_add_dict_u64(d, "rto_ms", ci->tcpi_rto_ms);
	rte_tel_data_add_dict_u64(d, "cwnd", ci->tcpi_snd_cwnd);
	rte_tel_data_add_dict_u64(d, "ssthresh", ci->tcpi_snd_ssthresh);
	rte_tel_data_add_dict_u64(d, "retrans", r->tr_retrans);
	rte_tel_data_add_dict_u64(d, "backoff", ci->tcpi_rxtshift);
	rte_tel_data_add_dict_u64(d, "mss", ci->tcpi_mss);
	rte_tel_data_add_dict_u64(d, "snd_wnd", ci->tcpi_snd_wnd);
	rte_tel_data_add_dict_u64(d, "rcv_wnd", ci->tcpi_rcv_wnd);
}

static void
ctl_udp_row(struct rte_tel_data *d, const void *row)
{
	const struct yard_udp_ep_row *r = row;
	char a[32];

	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "lcore", r->ur_lcore);
	ctl_addr_str(a, sizeof(a), r->ur_laddr, r->ur_lport);
	rte_tel_data_add_dict_string(d, "local", a);
	rte_tel_data_add_dict_u64(d, "lport", rte_be_to_cpu_16(r->ur_lport));
	rte_tel_data_add_dict_u64(d, "send_q", r->ur_sendq);
	rte_tel_data_add_dict_u64(d, "recv_q", r->ur_recvq);
	rte_tel_data_add_dict_u64(d, "rcvbuf", r->ur_rcvbuf);
	rte_tel_data_add_dict_int(d, "blocked", !!(r->ur_flags & UDP_ROW_BLOCKED));
	rte_tel_data_add_dict_u64(d, "drops", r->ur_drops);
}

static void
ctl_group_row(struct rte_tel_data *d, const void *row)
{
	const struct yard_ip_group_row *r = row;
	struct rte_tel_data *srcs = rte_tel_data_alloc();
	char a[32];

	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "lcore", r->gr_lcore);
	inet_ntop(AF_INET, &r->gr_ifaddr, a, sizeof(a));
	rte_tel_data_add_dict_string(d, "link", a);
	inet_ntop(AF_INET, &r->gr_group, a, sizeof(a));
	rte_tel_data_add_dict_string(d, "group", a);
	rte_tel_data_add_dict_u64(d, "members", r->gr_refs);
	rte_tel_data_add_dict_u64(d, "igmp_version", r->gr_version);
	/* The link's source filter (RFC 3376 3.2): exclude {} is any source. */
	rte_tel_data_add_dict_string(d, "mode", r->gr_mode == IP_MFILTER_INCLUDE ? "include" :
				     "exclude");
	rte_tel_data_add_dict_u64(d, "nsources", r->gr_nsrc);
	if (srcs != NULL) {
		rte_tel_data_start_array(srcs, RTE_TEL_STRING_VAL);
		for (unsigned i = 0; i < r->gr_nsrc && i < YARD_GROUP_ROW_SRCS; i++) {
			inet_ntop(AF_INET, &r->gr_src[i], a, sizeof(a));
			rte_tel_data_add_array_string(srcs, a);
		}
		if (rte_tel_data_add_dict_container(d, "sources", srcs, 0) != 0)
			rte_tel_data_free(srcs);
	}
}


static const struct ctl_table ctl_conns_table = {
	CTL_CONNS, sizeof(struct yard_tcp_conn_row), ctl_conn_row, "conn" };
static const struct ctl_table ctl_udp_table = {
	CTL_UDP_EPS, sizeof(struct yard_udp_ep_row), ctl_udp_row, "ep" };
static const struct ctl_table ctl_groups_table = {
	CTL_GROUPS, sizeof(struct yard_ip_group_row), ctl_group_row, "group" };

/* Every lcore's rows (or one lcore's) into rows[]: how many, *truncated if more were left. */
static int
ctl_rows_gather(struct rte_tel_data *d, const struct ctl_table *t, uint8_t *rows, long lcore,
		bool *truncated)
{
	const struct yard_config *cfg = ctl_cfg;
	unsigned total = 0;

	*truncated = false;
	for (unsigned i = 0; i < cfg->nlcores; i++) {
		if (lcore >= 0 && cfg->lcores[i] != (unsigned)lcore)
			continue;
		ctl_req.cr_op = t->op;
		ctl_req.cr_rows = rows + total * t->rowsz;
		ctl_req.cr_max = CTL_CONNS_MAX - total;
		ctl_req.cr_nrows = 0;
		if (ctl_exec(d, cfg->lcores[i]) != 0)
			return -1;
		if (ctl_req.cr_nrows < 0 || (unsigned)ctl_req.cr_nrows > ctl_req.cr_max) {
			*truncated = true;
			total = CTL_CONNS_MAX;
		} else {
			total += (unsigned)ctl_req.cr_nrows;
		}
	}
	return (int)total;
}

/* /yard/conns and the other tables: "[LCORE][,START]", a page of rows from START. */
int
ctl_table_page(const struct ctl_table *t, const char *params, struct rte_tel_data *d)
{
	long lcore = -1;
	unsigned long start = 0;
	uint8_t *rows;
	bool truncated;
	int n;
	char *end;

	if (ctl_cfg == NULL)
		return -EINVAL;
	if (params != NULL && params[0] != '\0') {
		const char *comma = strchr(params, ',');

		if (params[0] != ',') {
			lcore = strtol(params, &end, 10);
			if ((*end != '\0' && *end != ',') || lcore < 0 ||
			    !yard_config_has_lcore(ctl_cfg, (unsigned)lcore))
				return ctl_fail(d, "lcore %.*s is not one of yard's lcores",
						(int)(comma != NULL ? comma - params :
						      (long)strlen(params)), params);
		}
		if (comma != NULL) {
			start = strtoul(comma + 1, &end, 10);
			if (comma[1] == '\0' || *end != '\0')
				return ctl_fail(d, "usage: [LCORE][,START]");
		}
	}
	rows = malloc(CTL_CONNS_MAX * t->rowsz);
	if (rows == NULL)
		return ctl_fail(d, "out of memory");
	if (!ctl_enter()) {
		free(rows);
		return ctl_not_running(d);
	}
	pthread_mutex_lock(&ctl_lock);
	n = ctl_rows_gather(d, t, rows, lcore, &truncated);
	pthread_mutex_unlock(&ctl_lock);
	ctl_leave();
	if (n < 0) {
		free(rows);
		return 0; /* d holds the failure */
	}
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_int(d, "ok", 1);
	rte_tel_data_add_dict_u64(d, "total", (uint64_t)n);
	rte_tel_data_add_dict_u64(d, "start", start);
	rte_tel_data_add_dict_int(d, "truncated", truncated);
	rte_tel_data_add_dict_u64(d, "max", CTL_CONNS_MAX);
	{
		unsigned count = 0;
		char key[24];

		for (unsigned long i = start; i < (unsigned long)n && count < CTL_CONNS_PAGE;
		     i++, count++) {
			struct rte_tel_data *sub = rte_tel_data_alloc();

			if (sub == NULL)
				break;
			t->row(sub, rows + i * t->rowsz);
			snprintf(key, sizeof(key), "%s%u", t->key, count);
			if (rte_tel_data_add_dict_container(d, key, sub, 0) != 0)
				rte_tel_data_free(sub);
		}
		rte_tel_data_add_dict_u64(d, "count", count);
	}
	free(rows);
	return 0;
}

static int
tel_conns(const char *cmd, const char *params, struct rte_tel_data *d)
{
	RTE_SET_USED(cmd);
	return ctl_table_page(&ctl_conns_table, params, d);
}

static int
tel_udp_eps(const char *cmd, const char *params, struct rte_tel_data *d)
{
	RTE_SET_USED(cmd);
	return ctl_table_page(&ctl_udp_table, params, d);
}

static int
tel_groups(const char *cmd, const char *params, struct rte_tel_data *d)
{
	RTE_SET_USED(cmd);
	return ctl_table_page(&ctl_groups_table, params, d);
}

/* ---- registration ------------------------------------------------------------------------ */

int
yard_ctl_register(const struct yard_config *cfg)
{
	static const struct {
		const char *cmd;
		telemetry_cb fn;
		const char *help;
	} cmds[] = {
		{ "/yard/push", tel_push, "I_PUSH a module. Parameters: STREAM,MODULE[,ARGS]" },
		{ "/yard/pop", tel_pop, "I_POP a module pushed at run time. Parameters: "
		  "STREAM,MODULE" },
		{ "/yard/modules", tel_modules, "Registered modules and drivers. No parameters" },
		{ "/yard/stats", tel_stats, "Per-lcore scheduler, RX/TX and drop counters. "
		  "Parameter: lcore (optional)" },
		{ "/yard/streamq", tel_streamq, "Stream ids; with an id or name: its queues, "
		  "water marks, flags and bands" },
		{ "/yard/conns", tel_conns, "TCP connections and listeners, a page of rows. "
		  "Parameters: [LCORE][,START]" },
		{ "/yard/udp_eps", tel_udp_eps, "Bound UDP endpoints, a page of rows. "
		  "Parameters: [LCORE][,START]" },
		{ "/yard/groups", tel_groups, "Multicast groups joined on each link, a page of "
		  "rows. Parameters: [LCORE][,START]" },
		{ "/yard/neigh", tel_neigh, "Neighbours: the arp caches of every lcore, a page of "
		  "rows. Parameters: [LCORE][,START]" },
		{ "/yard/routes", tel_routes, "Routes of every lcore's ip instance, a page of "
		  "rows. Parameters: [LCORE][,START]" },
		{ "/yard/neigh_set", tel_neigh_set, "Change neighbours on every lcore. "
		  "Parameters: add,PORT,ADDR,MAC (a static entry) | del,PORT,ADDR | "
		  "flush[,PORT] (learned ones)" },
		{ "/yard/route_set", tel_route_set, "Add or delete a route through a router, on "
		  "every lcore. Parameters: add,DST/PREFIX,ROUTER[,PORT] | del,DST/PREFIX" },
	};

	ctl_cfg = cfg;
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
