/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * yard-streams-bench: what one STREAMS hop costs, against what DPDK's own primitives cost.
 *
 * Principles of operation
 * -----------------------
 * A chain of N pass-through queues is built by hand, the way a stream's write side is, with
 * allocq(), q_next links and yard_set_nfsrv(); no stream head and no driver are involved:
 *
 *     src --putnext--> pass 1 --> pass 2 --> ... --> pass N --> sink
 *
 * The source is the benchmark loop itself (it calls putnext() on a queue whose q_next is the
 * first pass-through queue). The sink's put procedure does not free: it pushes the message back
 * on a free stack from which the source takes the next one. A pool of messages is allocated once
 * before any timing, so what is timed is the hop, not allocb/freemsg. Four kinds of hop, all in
 * the same run:
 *
 *   direct, single   put = putnext(q, mp)                        (no service procedure)
 *   direct, burst    qi_putp_burst = putnext_burst(q, mps, n)    (source sends bursts)
 *   queued, single   put = putq; service = getq / canputnext / putnext, one at a time
 *   queued, burst    qi_putp_burst = putq_burst; service = getq_burst / putnext_burst
 *
 * and, for information, the same chain made of the shipped example module "passthru"
 * (streams/passthru.c, opened as I_PUSH would), single and burst: what a module that does
 * everything right (high-priority check, its own queue, bcanputnext, counters) costs per hop.
 *
 * In the queued modes the source puts a window of --burst messages (one at a time, or as one
 * burst), then runs the lcore's service procedures until the run list is empty, as the
 * scheduler loop would after an RX burst. So every queued hop costs a putq, a getq, a
 * canputnext and a putnext per message plus a qenable and a service call per window.
 *
 * Two references run in the same process: (r1) a bare rte_pktmbuf_alloc / rte_pktmbuf_free
 * loop on yard's data pool (and its _bulk form), (r2) an rte_ring enqueue / dequeue of the
 * benchmark's message pointers (single and burst, single producer/consumer).
 *
 * ns per hop is (timed cycles / messages / N), so the fixed cost of the source loop and the
 * sink is spread over the N hops (at N = 1 it is all charged to the one hop). The marginal cost
 * of one more hop, the slope between the smallest and the largest N, is printed as well.
 * Each figure is the median of --runs timed runs after one untimed warm-up run.
 *
 * "The core adds no allocation per message" is checked, not assumed: during every timed run
 * yard's data and control pools are emptied (every free element is taken out and held by the
 * benchmark), so any allocation by the core would fail and show as an allocb failure or a lost
 * message. After each set of runs the benchmark asserts that the allocb failure counter and
 * yard_msgs_in_use() did not move, that every message came back to the sink, and that the
 * messages on the free stack are exactly the ones allocated at the start.
 *
 * Output: a human-readable table, and one line per result starting with RESULT (key=value) for
 * scripts; TARGET lines say whether the aims (direct hop < 5 ns, queued hop < 20 ns,
 * judged at the largest N) are met. Exit status 0 unless a correctness check failed.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include <streams/stream.h>

#define BENCH_HOPS_MAX   64
#define BENCH_HOPS_LIST  8
#define BENCH_BURST_MAX  256
#define BENCH_RUNS_MAX   101
#define BENCH_MSG_LEN    64     /* payload bytes per message (never touched per hop) */
#define BENCH_POOL_MSGS  1024   /* messages allocated once and recycled */
#define BENCH_HIWAT      (1u << 20)
#define BENCH_LOWAT      (1u << 18)

#define DIRECT_TARGET_NS 5.0
#define QUEUED_TARGET_NS 20.0

/* ---- options ------------------------------------------------------------------------------ */

static struct {
	unsigned hops[BENCH_HOPS_LIST];
	unsigned nhops;
	uint64_t msgs;
	unsigned runs;
	unsigned burst;
	bool exhaust;
} opt = {
	.hops = { 1, 4, 16 },
	.nhops = 3,
	.msgs = 1000000,
	.runs = 5,
	.burst = 32,
	.exhaust = true,
};

/* ---- the recycling pool and the sink ------------------------------------------------------ */

static struct {
	mblk_t *orig[BENCH_POOL_MSGS];  /* as allocated, sorted, for the identity check */
	mblk_t *free[BENCH_POOL_MSGS];  /* LIFO free stack: the source pops, the sink pushes */
	unsigned nfree;
	uint64_t sunk;                  /* messages that reached the sink */
	uint64_t errors;                /* putq/putq_burst refusals, sink overflows */
} pool;

static int
sink_put(queue_t *q, mblk_t *mp)
{
	if (unlikely(pool.nfree >= BENCH_POOL_MSGS)) {
		pool.errors++;
		return 0;
	}
	pool.free[pool.nfree++] = mp;
	pool.sunk++;
	return 0;
}

static void
sink_put_burst(queue_t *q, mblk_t **mps, unsigned n)
{
	if (unlikely(pool.nfree + n > BENCH_POOL_MSGS)) {
		pool.errors += n;
		return;
	}
	memcpy(&pool.free[pool.nfree], mps, n * sizeof(*mps));
	pool.nfree += n;
	pool.sunk += n;
}

/* ---- the pass-through queues -------------------------------------------------------------- */

static int
direct_put(queue_t *q, mblk_t *mp)
{
	putnext(q, mp);
	return 0;
}

static void
direct_put_burst(queue_t *q, mblk_t **mps, unsigned n)
{
	putnext_burst(q, mps, n);
}

static int
queued_put(queue_t *q, mblk_t *mp)
{
	if (unlikely(!putq(q, mp)))
		pool.errors++;
	return 0;
}

static void
queued_put_burst(queue_t *q, mblk_t **mps, unsigned n)
{
	unsigned k = putq_burst(q, mps, n);

	if (unlikely(k != n))
		pool.errors += n - k;
}

/* The canonical service procedure: forward while the next queue can take it. */
static int
queued_srv(queue_t *q)
{
	mblk_t *mp;

	while ((mp = getq(q)) != NULL) {
		if (!canputnext(q)) {
			putbq(q, mp);
			break;
		}
		putnext(q, mp);
	}
	return 0;
}

static int
queued_srv_burst(queue_t *q)
{
	mblk_t *v[BENCH_BURST_MAX];
	unsigned n;

	while (canputnext(q) && (n = getq_burst(q, v, opt.burst)) != 0)
		putnext_burst(q, v, n);
	return 0;
}

/* The source queue is never put to: messages start at its q_next. */
static int
source_put(queue_t *q, mblk_t *mp)
{
	pool.errors++;
	return 0;
}

static struct module_info bench_minfo = {
	.mi_idnum = 9001,
	.mi_idname = "bench",
	.mi_minpsz = 0,
	.mi_maxpsz = INFPSZ,
	.mi_hiwat = BENCH_HIWAT,
	.mi_lowat = BENCH_LOWAT,
};

static struct qinit source_qinit = { .qi_putp = source_put, .qi_minfo = &bench_minfo };
static struct qinit sink_qinit = { .qi_putp = sink_put, .qi_minfo = &bench_minfo };
static struct qinit sink_burst_qinit = {
	.qi_putp = sink_put, .qi_putp_burst = sink_put_burst, .qi_minfo = &bench_minfo,
};
static struct qinit direct_qinit = { .qi_putp = direct_put, .qi_minfo = &bench_minfo };
static struct qinit direct_burst_qinit = {
	.qi_putp = direct_put, .qi_putp_burst = direct_put_burst, .qi_minfo = &bench_minfo,
};
static struct qinit queued_qinit = {
	.qi_putp = queued_put, .qi_srvp = queued_srv, .qi_minfo = &bench_minfo,
};
static struct qinit queued_burst_qinit = {
	.qi_putp = queued_put, .qi_putp_burst = queued_put_burst, .qi_srvp = queued_srv_burst,
	.qi_minfo = &bench_minfo,
};

struct mode {
	const char *name;
	bool queued;
	bool burst;
	struct qinit *pass;      /* the pass-through queues' procedures, or NULL: module */
	const char *module;      /* ... a registered module pushed by hand instead */
	struct qinit *sink;
	double target_ns;        /* the aim per hop; 0: none (informational) */
};

static const struct mode modes[] = {
	{ "direct", false, false, &direct_qinit, NULL, &sink_qinit, DIRECT_TARGET_NS },
	{ "direct", false, true, &direct_burst_qinit, NULL, &sink_burst_qinit, DIRECT_TARGET_NS },
	{ "queued", true, false, &queued_qinit, NULL, &sink_qinit, QUEUED_TARGET_NS },
	{ "queued", true, true, &queued_burst_qinit, NULL, &sink_burst_qinit, QUEUED_TARGET_NS },
	/*
	 * The shipped example module, as a stream would have it: its put procedure checks for
	 * high priority, its own queue and bcanputnext() before every putnext() (queue.c's
	 * canonical module), and counts. Not one of the aims: what a real module adds.
	 */
	{ "passthru", false, false, NULL, "passthru", &sink_qinit, 0 },
	{ "passthru", false, true, NULL, "passthru", &sink_burst_qinit, 0 },
};
#define NMODES (sizeof(modes) / sizeof(modes[0]))

/* ---- building the chain ------------------------------------------------------------------- */

struct chain {
	queue_t *rq[BENCH_HOPS_MAX + 2]; /* read queues of the pairs: source, passes, sink */
	bool opened[BENCH_HOPS_MAX + 2]; /* a module's open routine ran: close it */
	unsigned npairs;
	queue_t *top;                    /* the source's write queue */
};

static void
chain_free(struct chain *c)
{
	for (unsigned i = 0; i < c->npairs; i++) {
		queue_t *rq = c->rq[i];

		if (c->opened[i])
			(void)rq->q_qinfo->qi_qclose(rq, 0, NULL); /* qprocsoff()s the pair */
		else
			qprocsoff(rq);
	}
	for (unsigned i = 0; i < c->npairs; i++) {
		WR(c->rq[i])->q_next = NULL;
		freeq(c->rq[i]);
	}
	c->npairs = 0;
}

static int
chain_build(struct chain *c, const struct mode *m, unsigned hops, struct yard_sched *sc)
{
	const struct streamtab *str = NULL;
	int rc = 0;

	memset(c, 0, sizeof(*c));
	if (m->module != NULL) {
		const struct fmodsw *f = yard_mod_find(m->module);

		if (f == NULL)
			return -ENOENT;
		str = f->f_str;
	}
	for (unsigned i = 0; i < hops + 2; i++) {
		bool pass = i > 0 && i <= hops;
		queue_t *rq;

		if (pass && str != NULL) {
			rq = allocq(str->st_rdinit, str->st_wrinit);
		} else {
			struct qinit *qi = i == 0 ? &source_qinit : pass ? m->pass : m->sink;

			rq = allocq(qi, qi);
		}
		if (rq == NULL) {
			chain_free(c);
			return -ENOMEM;
		}
		c->rq[c->npairs++] = rq;
		/* allocq gives the pair to the calling lcore, as a stream's queues are. */
		if (rq->q_sched != sc || WR(rq)->q_sched != sc) {
			chain_free(c);
			return -EINVAL;
		}
	}
	for (unsigned i = 0; i + 1 < c->npairs; i++)
		WR(c->rq[i])->q_next = WR(c->rq[i + 1]);
	c->top = WR(c->rq[0]);
	yard_set_nfsrv(c->top);
	for (unsigned i = 0; i < c->npairs; i++) {
		queue_t *rq = c->rq[i];

		/* As I_PUSH does: linked first, then the module's open (which qprocson()s). */
		if (str != NULL && i > 0 && i <= hops && rq->q_qinfo->qi_qopen != NULL) {
			dev_t dev = 0;

			rc = rq->q_qinfo->qi_qopen(rq, &dev, 0, MODOPEN, NULL);
			if (rc != 0)
				break;
			c->opened[i] = true;
		}
		qprocson(rq);
	}
	if (rc != 0) {
		chain_free(c);
		return -(rc < 0 ? -rc : rc);
	}
	return 0;
}

/* ---- driving messages through ------------------------------------------------------------- */

static inline unsigned
min_u(uint64_t a, uint64_t b)
{
	return (unsigned)(a < b ? a : b);
}

/*
 * Send msgs messages into the chain. Direct modes come back to the free stack before putnext
 * returns; queued modes come back when the service procedures run, once per window.
 * Returns the TSC cycles spent.
 */
static uint64_t
drive(const struct mode *m, queue_t *top, uint64_t msgs, struct yard_sched *sc)
{
	const unsigned window = opt.burst;
	mblk_t *v[BENCH_BURST_MAX];
	uint64_t sent = 0;
	uint64_t t0, t1;

	t0 = rte_rdtsc();
	while (sent < msgs) {
		unsigned n = min_u(window, msgs - sent);

		if (unlikely(n > pool.nfree)) {
			/* Messages held somewhere (putnext deferred them): let the lcore run. */
			yard_sched_drain(sc, 1000);
			n = min_u(n, pool.nfree);
			if (n == 0)
				break;
		}
		if (m->burst) {
			pool.nfree -= n;
			memcpy(v, &pool.free[pool.nfree], n * sizeof(v[0]));
			putnext_burst(top, v, n);
		} else {
			for (unsigned i = 0; i < n; i++)
				putnext(top, pool.free[--pool.nfree]);
		}
		sent += n;
		if (m->queued)
			yard_sched_run_service(sc, 0);
	}
	/* Chains deeper than YARD_PUT_DEPTH_MAX leave deferred puts: they are part of the cost. */
	if (unlikely(sc->sc_deferhead != NULL || sc->sc_runhead != NULL))
		yard_sched_drain(sc, 100000);
	t1 = rte_rdtsc();
	return t1 - t0;
}

/* ---- pools: emptied while timing, so that any allocation by the core would show --------- */

struct hoard {
	struct rte_mempool *mp;
	void **objs;
	unsigned n;
};

/* Take every free element of mp; false if that could not be done (the check would be void). */
static bool
hoard_take(struct hoard *h, struct rte_mempool *mp)
{
	h->mp = mp;
	h->n = 0;
	h->objs = NULL;
	if (!opt.exhaust)
		return true;
	if (mp == NULL)
		return false;
	h->objs = malloc(mp->size * sizeof(void *));
	if (h->objs == NULL)
		return false;
	while (h->n < mp->size && rte_mempool_get(mp, &h->objs[h->n]) == 0)
		h->n++;
	return rte_mempool_avail_count(mp) == 0;
}

static void
hoard_give(struct hoard *h)
{
	if (h->n > 0)
		rte_mempool_put_bulk(h->mp, h->objs, h->n);
	free(h->objs);
	h->objs = NULL;
	h->n = 0;
}

/* ---- statistics --------------------------------------------------------------------------- */

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
median(double *v, unsigned n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int
cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;

	return (x > y) - (x < y);
}

static double tsc_hz;

static double
cycles_to_ns(uint64_t cycles, uint64_t msgs)
{
	return (double)cycles * 1e9 / tsc_hz / (double)msgs;
}

/* ---- references --------------------------------------------------------------------------- */

struct ref {
	const char *name;
	unsigned burst;
	double ns;
	double ns_min;
};

static uint64_t
ref_mbuf_run(struct rte_mempool *mp, unsigned burst, uint64_t msgs)
{
	struct rte_mbuf *v[BENCH_BURST_MAX];
	uint64_t done = 0, t0;

	t0 = rte_rdtsc();
	if (burst == 1) {
		for (; done < msgs; done++) {
			struct rte_mbuf *m = rte_pktmbuf_alloc(mp);

			if (unlikely(m == NULL))
				break;
			rte_pktmbuf_free(m);
		}
	} else {
		while (done < msgs) {
			unsigned n = min_u(burst, msgs - done);

			if (unlikely(rte_pktmbuf_alloc_bulk(mp, v, n) != 0))
				break;
			rte_pktmbuf_free_bulk(v, n);
			done += n;
		}
	}
	return done == msgs ? rte_rdtsc() - t0 : 0;
}

static uint64_t
ref_ring_run(struct rte_ring *r, unsigned burst, uint64_t msgs)
{
	void *v[BENCH_BURST_MAX];
	uint64_t done = 0, t0;

	for (unsigned i = 0; i < burst; i++)
		v[i] = pool.free[i];
	t0 = rte_rdtsc();
	if (burst == 1) {
		for (; done < msgs; done++) {
			void *p = pool.free[done & (BENCH_POOL_MSGS - 1)];

			if (unlikely(rte_ring_sp_enqueue(r, p) != 0 || rte_ring_sc_dequeue(r, &p) != 0))
				break;
		}
	} else {
		while (done < msgs) {
			unsigned n = min_u(burst, msgs - done);

			if (unlikely(rte_ring_sp_enqueue_burst(r, v, n, NULL) != n ||
				     rte_ring_sc_dequeue_burst(r, v, n, NULL) != n))
				break;
			done += n;
		}
	}
	return done == msgs ? rte_rdtsc() - t0 : 0;
}

static int
run_refs(struct ref *refs, unsigned *nrefs)
{
	double samples[BENCH_RUNS_MAX];
	struct rte_ring *r;
	unsigned bursts[2] = { 1, opt.burst };

	r = rte_ring_create("bench_ring", 1024, (int)rte_socket_id(),
			    RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (r == NULL) {
		fprintf(stderr, "bench: rte_ring_create: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	*nrefs = 0;
	for (unsigned kind = 0; kind < 2; kind++) {
		for (unsigned b = 0; b < 2; b++) {
			unsigned burst = bursts[b];
			struct ref *ref = &refs[(*nrefs)++];

			ref->name = kind == 0 ? "ref_mbuf" : "ref_ring";
			ref->burst = burst;
			for (unsigned run = 0; run <= opt.runs; run++) {
				uint64_t n = run == 0 ? opt.msgs / 10 + 1 : opt.msgs;
				uint64_t cyc = kind == 0 ? ref_mbuf_run(yard_pool_data(), burst, n)
							 : ref_ring_run(r, burst, n);

				if (cyc == 0) {
					fprintf(stderr, "bench: %s burst=%u failed\n", ref->name, burst);
					rte_ring_free(r);
					return -1;
				}
				if (run > 0)
					samples[run - 1] = cycles_to_ns(cyc, n);
			}
			ref->ns = median(samples, opt.runs);
			ref->ns_min = samples[0];
		}
	}
	rte_ring_free(r);
	return 0;
}

static double
ref_ns(const struct ref *refs, unsigned nrefs, const char *name, unsigned burst)
{
	for (unsigned i = 0; i < nrefs; i++)
		if (strcmp(refs[i].name, name) == 0 && refs[i].burst == burst)
			return refs[i].ns;
	return 0;
}

/* ---- one mode at one chain length --------------------------------------------------------- */

struct result {
	const struct mode *m;
	unsigned burst;
	unsigned hops;
	double ns_msg;     /* median ns per message through the whole chain */
	double ns_hop;
	double ns_hop_min; /* the fastest run: less sensitive to a busy machine */
	uint64_t deferred; /* putnext deferrals during the timed runs (should be 0) */
};

static int
run_mode(const struct mode *m, unsigned hops, struct yard_sched *sc, struct result *res)
{
	double samples[BENCH_RUNS_MAX];
	struct yard_msgstat ms0, ms1;
	struct yard_sched_stats ss0, ss1;
	struct hoard hd = { 0 }, hc = { 0 };
	struct chain c;
	unsigned inuse0, inuse1;
	int bad = 0, rc;

	rc = chain_build(&c, m, hops, sc);
	if (rc != 0) {
		fprintf(stderr, "bench: building a chain of %u %s queues: %s\n", hops, m->name,
			strerror(-rc));
		return -1;
	}
	pool.errors = 0;

	if (!hoard_take(&hd, yard_pool_data()) || !hoard_take(&hc, yard_pool_ctl())) {
		fprintf(stderr, "bench: could not empty yard's pools for the allocation check\n");
		bad = 1;
	}
	yard_msgstat_sum(&ms0);
	yard_sched_stats_sum(&ss0);
	inuse0 = yard_msgs_in_use();

	for (unsigned run = 0; run <= opt.runs; run++) {
		uint64_t n = run == 0 ? opt.msgs / 10 + 1 : opt.msgs;
		uint64_t cyc;

		pool.sunk = 0;
		cyc = drive(m, c.top, n, sc);
		if (pool.sunk != n || pool.nfree != BENCH_POOL_MSGS) {
			yard_sched_drain(sc, 100000);
			fprintf(stderr, "bench: %s burst=%u hops=%u: %" PRIu64 " of %" PRIu64
				" messages reached the sink, %u of %u came back\n", m->name,
				m->burst ? opt.burst : 1, hops, pool.sunk, n, pool.nfree,
				BENCH_POOL_MSGS);
			bad = 1;
			break;
		}
		if (run > 0)
			samples[run - 1] = cycles_to_ns(cyc, n);
	}

	inuse1 = yard_msgs_in_use();
	yard_sched_stats_sum(&ss1);
	yard_msgstat_sum(&ms1);
	hoard_give(&hc);
	hoard_give(&hd);

	if (ms1.allocb_fail != ms0.allocb_fail || ms1.dupb_fail != ms0.dupb_fail) {
		fprintf(stderr, "bench: %s hops=%u: the core tried to allocate during the timed runs "
			"(%" PRIu64 " allocb, %" PRIu64 " dupb failures with the pools empty)\n",
			m->name, hops, ms1.allocb_fail - ms0.allocb_fail,
			ms1.dupb_fail - ms0.dupb_fail);
		bad = 1;
	}
	if (inuse1 != inuse0) {
		fprintf(stderr, "bench: %s hops=%u: messages in use went from %u to %u\n", m->name,
			hops, inuse0, inuse1);
		bad = 1;
	}
	if (pool.errors != 0) {
		fprintf(stderr, "bench: %s hops=%u: %" PRIu64 " messages refused or misrouted\n",
			m->name, hops, pool.errors);
		bad = 1;
	}
	if (!bad) {
		mblk_t *now[BENCH_POOL_MSGS];

		memcpy(now, pool.free, sizeof(now));
		qsort(now, BENCH_POOL_MSGS, sizeof(now[0]), cmp_ptr);
		if (memcmp(now, pool.orig, sizeof(now)) != 0) {
			fprintf(stderr, "bench: %s hops=%u: the messages that came back are not the "
				"ones sent\n", m->name, hops);
			bad = 1;
		}
	}
	chain_free(&c);
	if (bad)
		return -1;

	res->m = m;
	res->burst = m->burst ? opt.burst : 1;
	res->hops = hops;
	res->ns_msg = median(samples, opt.runs);
	res->ns_hop = res->ns_msg / hops;
	res->ns_hop_min = samples[0] / hops; /* median() sorted them */
	res->deferred = ss1.deferred_puts - ss0.deferred_puts;
	return 0;
}

/* ---- EAL ---------------------------------------------------------------------------------- */

static bool
hugepages_usable(void)
{
	char line[256];
	long total = 0;
	bool mounted = false;
	FILE *f = fopen("/proc/meminfo", "r");

	if (f != NULL) {
		while (fgets(line, sizeof(line), f) != NULL)
			if (sscanf(line, "HugePages_Total: %ld", &total) == 1)
				break;
		fclose(f);
	}
	f = fopen("/proc/mounts", "r");
	if (f != NULL) {
		while (fgets(line, sizeof(line), f) != NULL)
			if (strstr(line, " hugetlbfs ") != NULL)
				mounted = true;
		fclose(f);
	}
	return total > 0 && mounted;
}

/* The 1-minute load average, or -1. */
static double
loadavg(void)
{
	double l = -1;
	FILE *f = fopen("/proc/loadavg", "r");

	if (f != NULL) {
		if (fscanf(f, "%lf", &l) != 1)
			l = -1;
		fclose(f);
	}
	return l;
}

static void
usage(const char *prog)
{
	printf("usage: %s [--hops 1,4,16] [--msgs N] [--runs N] [--burst N] [--no-exhaust]"
	       " [-- EAL args]\n"
	       "  --hops LIST   chain lengths, comma-separated (1..%d, at most %d of them)\n"
	       "  --msgs N      messages per timed run (default 1000000)\n"
	       "  --runs N      timed runs per figure; the median is reported (default 5)\n"
	       "  --burst N     burst size, and the window of the queued modes (default 32)\n"
	       "  --no-exhaust  leave yard's pools full while timing (by default they are\n"
	       "                emptied so that any allocation by the core would show)\n"
	       "EAL defaults: -l 0 --no-shconf --no-pci --no-telemetry, and --no-huge -m 512\n"
	       "unless hugepages are mounted; EAL args after -- are appended.\n",
	       prog, BENCH_HOPS_MAX, BENCH_HOPS_LIST);
}

static int
parse_args(int argc, char **argv, int *eal_first)
{
	static const struct option lopts[] = {
		{ "hops", required_argument, NULL, 'h' },
		{ "msgs", required_argument, NULL, 'm' },
		{ "runs", required_argument, NULL, 'r' },
		{ "burst", required_argument, NULL, 'b' },
		{ "no-exhaust", no_argument, NULL, 'x' },
		{ "help", no_argument, NULL, '?' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		char *end;
		unsigned long v;

		switch (c) {
		case 'h': {
			char *s = optarg, *tok;

			opt.nhops = 0;
			while ((tok = strsep(&s, ",")) != NULL) {
				v = strtoul(tok, &end, 10);
				if (*tok == '\0' || *end != '\0' || v < 1 || v > BENCH_HOPS_MAX ||
				    opt.nhops == BENCH_HOPS_LIST) {
					fprintf(stderr, "bench: bad --hops %s\n", optarg);
					return -1;
				}
				opt.hops[opt.nhops++] = (unsigned)v;
			}
			break;
		}
		case 'm':
			opt.msgs = strtoull(optarg, &end, 10);
			if (*end != '\0' || opt.msgs < 1000) {
				fprintf(stderr, "bench: --msgs must be >= 1000\n");
				return -1;
			}
			break;
		case 'r':
			v = strtoul(optarg, &end, 10);
			if (*end != '\0' || v < 1 || v > BENCH_RUNS_MAX) {
				fprintf(stderr, "bench: --runs must be 1..%d\n", BENCH_RUNS_MAX);
				return -1;
			}
			opt.runs = (unsigned)v;
			break;
		case 'b':
			v = strtoul(optarg, &end, 10);
			if (*end != '\0' || v < 1 || v > BENCH_BURST_MAX) {
				fprintf(stderr, "bench: --burst must be 1..%d\n", BENCH_BURST_MAX);
				return -1;
			}
			opt.burst = (unsigned)v;
			break;
		case 'x':
			opt.exhaust = false;
			break;
		default:
			usage(argv[0]);
			return 1;
		}
	}
	*eal_first = optind;
	return 0;
}

/* ---- main --------------------------------------------------------------------------------- */

int
main(int argc, char **argv)
{
	char *eal_argv[64];
	int eal_argc = 0, eal_first, rc;
	bool huge = hugepages_usable();
	struct ref refs[4];
	unsigned nrefs = 0, nres = 0;
	struct result res[NMODES * BENCH_HOPS_LIST];
	struct yard_sched *sc;
	double load;
	unsigned ncpu;
	int failed = 0;

	rc = parse_args(argc, argv, &eal_first);
	if (rc != 0)
		return rc < 0 ? 2 : 0;

	eal_argv[eal_argc++] = argv[0];
	eal_argv[eal_argc++] = "-l";
	eal_argv[eal_argc++] = "0";
	eal_argv[eal_argc++] = "--no-shconf";
	eal_argv[eal_argc++] = "--no-pci";
	eal_argv[eal_argc++] = "--no-telemetry";
	eal_argv[eal_argc++] = "--log-level=*:error";
	if (!huge) {
		eal_argv[eal_argc++] = "--no-huge";
		eal_argv[eal_argc++] = "-m";
		eal_argv[eal_argc++] = "512";
	}
	for (int i = eal_first; i < argc && eal_argc < 63; i++)
		eal_argv[eal_argc++] = argv[i];
	eal_argv[eal_argc] = NULL;
	printf("bench: %s\n", huge ? "hugepages mounted: EAL uses them"
				   : "no hugepages mounted: EAL runs with --no-huge");
	fflush(stdout);

	if (rte_eal_init(eal_argc, eal_argv) < 0) {
		fprintf(stderr, "bench: rte_eal_init: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	rc = yard_streams_init(NULL);
	if (rc != 0) {
		fprintf(stderr, "bench: yard_streams_init: %s\n", strerror(-rc));
		rte_eal_cleanup();
		return 1;
	}
	sc = yard_sched_self();
	tsc_hz = (double)rte_get_tsc_hz();

	/* The messages: allocated once, recycled by the sink for every run. */
	for (unsigned i = 0; i < BENCH_POOL_MSGS; i++) {
		mblk_t *mp = allocb(BENCH_MSG_LEN, BPRI_MED);

		if (mp == NULL) {
			fprintf(stderr, "bench: allocb failed after %u messages\n", i);
			return 1;
		}
		memset(mp->b_wptr, 0x5a, BENCH_MSG_LEN);
		mp->b_wptr += BENCH_MSG_LEN;
		pool.free[i] = mp;
	}
	pool.nfree = BENCH_POOL_MSGS;
	memcpy(pool.orig, pool.free, sizeof(pool.orig));
	qsort(pool.orig, BENCH_POOL_MSGS, sizeof(pool.orig[0]), cmp_ptr);

	printf("bench: TSC %.3f GHz, lcore %u, %" PRIu64 " messages per run, median of %u runs, "
	       "burst/window %u, %d-byte messages, pools %s while timing\n",
	       tsc_hz / 1e9, rte_lcore_id(), opt.msgs, opt.runs, opt.burst, BENCH_MSG_LEN,
	       opt.exhaust ? "emptied" : "left full");
	fflush(stdout);

	/* Busier than "this benchmark plus half a CPU of something else": say so. */
	ncpu = (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
	load = loadavg();
	if (load > ncpu - 0.5)
		printf("bench: warning: load average %.2f on %u CPUs before the run: other processes "
		       "compete for this core, figures will be noisy (the min column is the "
		       "fastest run)\n", load, ncpu);
	fflush(stdout);

	if (run_refs(refs, &nrefs) != 0)
		return 1;

	for (unsigned mi = 0; mi < NMODES; mi++) {
		for (unsigned hi = 0; hi < opt.nhops; hi++) {
			if (run_mode(&modes[mi], opt.hops[hi], sc, &res[nres]) != 0) {
				failed = 1;
				continue;
			}
			nres++;
		}
	}

	/* Machine-readable lines. */
	for (unsigned i = 0; i < nrefs; i++)
		printf("RESULT mode=%s burst=%u ns_per_msg=%.2f ns_per_msg_min=%.2f mpps=%.2f\n",
		       refs[i].name, refs[i].burst, refs[i].ns, refs[i].ns_min, 1e3 / refs[i].ns);
	for (unsigned i = 0; i < nres; i++) {
		const struct result *r = &res[i];
		double rm = ref_ns(refs, nrefs, "ref_mbuf", r->burst);
		double rr = ref_ns(refs, nrefs, "ref_ring", r->burst);

		printf("RESULT mode=%s burst=%u hops=%u ns_per_msg=%.2f ns_per_hop=%.2f "
		       "ns_per_hop_min=%.2f mpps=%.2f hop_vs_mbuf=%.2f hop_vs_ring=%.2f "
		       "deferred=%" PRIu64 " allocs=0\n",
		       r->m->name, r->burst, r->hops, r->ns_msg, r->ns_hop, r->ns_hop_min,
		       1e3 / r->ns_msg, r->ns_hop / rm, r->ns_hop / rr, r->deferred);
	}

	/* Human-readable table. */
	printf("\n%-8s %5s %4s %9s %9s %9s %9s %9s %9s\n", "mode", "burst", "hops", "ns/msg",
	       "ns/hop", "min", "Mmsg/s", "hop/mbuf", "hop/ring");
	for (unsigned i = 0; i < nres; i++) {
		const struct result *r = &res[i];

		printf("%-8s %5u %4u %9.2f %9.2f %9.2f %9.2f %9.2f %9.2f\n", r->m->name,
		       r->burst, r->hops, r->ns_msg, r->ns_hop, r->ns_hop_min, 1e3 / r->ns_msg,
		       r->ns_hop / ref_ns(refs, nrefs, "ref_mbuf", r->burst),
		       r->ns_hop / ref_ns(refs, nrefs, "ref_ring", r->burst));
	}
	for (unsigned i = 0; i < nrefs; i++)
		printf("%-8s %5u %4s %9.2f %9s %9.2f %9.2f   (reference: %s per message)\n",
		       refs[i].name, refs[i].burst, "-", refs[i].ns, "-", refs[i].ns_min,
		       1e3 / refs[i].ns,
		       strcmp(refs[i].name, "ref_mbuf") == 0 ? "rte_pktmbuf_alloc+free"
							     : "rte_ring enqueue+dequeue");

	/* Marginal cost of one more hop, and the aims, judged at the longest chain. */
	printf("\n");
	for (unsigned mi = 0; mi < NMODES; mi++) {
		const struct result *lo = NULL, *hi = NULL;

		for (unsigned i = 0; i < nres; i++) {
			if (res[i].m != &modes[mi])
				continue;
			if (lo == NULL || res[i].hops < lo->hops)
				lo = &res[i];
			if (hi == NULL || res[i].hops > hi->hops)
				hi = &res[i];
		}
		if (hi == NULL)
			continue;
		if (lo != hi) {
			double slope = (hi->ns_msg - lo->ns_msg) / (double)(hi->hops - lo->hops);

			printf("RESULT mode=%s burst=%u marginal_ns_per_hop=%.2f hops=%u..%u\n",
			       hi->m->name, hi->burst, slope, lo->hops, hi->hops);
		}
		if (hi->m->target_ns > 0)
			printf("TARGET mode=%s burst=%u hops=%u ns_per_hop=%.2f target_lt=%.0f %s\n",
			       hi->m->name, hi->burst, hi->hops, hi->ns_hop, hi->m->target_ns,
			       hi->ns_hop < hi->m->target_ns ? "met" : "NOT-met");
	}
	load = loadavg();
	if (load > ncpu + 0.5)
		printf("bench: warning: load average %.2f on %u CPUs after the run: figures are "
		       "noisy\n", load, ncpu);
	if (!failed) {
		uint64_t deferred = 0;

		for (unsigned i = 0; i < nres; i++)
			deferred += res[i].deferred;
		printf("ALLOC none: %s; messages in use unchanged; every message sent came back, "
		       "and they are the %u allocated before timing (putnext deferrals: %" PRIu64
		       ")\n",
		       opt.exhaust ? "yard's pools were empty during every timed run and no "
				     "allocation failed"
				   : "pools left full (--no-exhaust)",
		       BENCH_POOL_MSGS, deferred);
	} else {
		printf("ALLOC check FAILED (see the messages above)\n");
	}

	if (failed)
		return 1; /* messages may be anywhere: leave the process to clean up */
	for (unsigned i = 0; i < BENCH_POOL_MSGS; i++)
		freemsg(pool.orig[i]);
	yard_streams_fini();
	rte_eal_cleanup();
	return 0;
}
