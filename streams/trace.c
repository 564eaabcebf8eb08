/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * "trace": a pass-through module that logs the messages passing its place in the stream, both
 * directions: type, band, size, blocks, the time since the push and since the previous message
 * (what SVR4's strace showed for STREAMS log messages, applied to every message).
 *
 * Principles of operation
 * -----------------------
 * The put procedures only record: a few stores into a fixed ring of records (tr_rec), under a
 * token-bucket rate limit of `rate` records per second (default TRACE_RATE_DEFAULT) so a busy
 * stream cannot flood the log. A flush hook on the owning lcore's scheduler turns the records
 * into lines once per loop pass that has any, written to a file (ARGS names it) or to the DPDK
 * log (logtype yard.trace, level INFO) when none is given. Records over the limit and records
 * that find the ring full are counted, never waited for; the message always goes on at once.
 *
 * ARGS: [FILE][,rate=N]   e.g. "/tmp/t.log,rate=100"; N = 0 means no limit.
 *
 * Line format:
 *   trace <stream>: <seconds since push> +<seconds since previous> <up|down> <type> band <b>
 *   len <bytes> blocks <n>
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>

#include <streams/snoop.h>
#include <streams/stream.h>

#include "streams_priv.h"

#define TRACE_IDNUM 1011
#define TRACE_RING 1024 /* records waiting for the flush hook (a power of 2) */

RTE_LOG_REGISTER(yard_trace_logtype, yard.trace, INFO);

struct trace_rec {
	uint64_t tr_tsc;
	uint32_t tr_len;
	uint8_t tr_type;
	uint8_t tr_up;
	uint8_t tr_band;
	uint8_t tr_blocks;
};

struct trace_priv {
	struct tracestat tp_st;
	unsigned tp_head, tp_tail;      /* ring indices, free-running */
	uint64_t tp_tokens_at;          /* TSC when the bucket was last refilled */
	uint64_t tp_tokens;             /* records allowed now */
	uint64_t tp_rate;               /* records per second, 0: no limit */
	uint64_t tp_start;              /* TSC at push */
	uint64_t tp_prev;               /* TSC of the previous record written */
	uint64_t tp_hz;
	FILE *tp_file;                  /* NULL: the DPDK log */
	struct yard_sched *tp_sched;
	char tp_stream[32];
	char tp_path[256];
	struct trace_rec tp_rec[TRACE_RING];
};

static struct module_info trace_minfo = {
	.mi_idnum = TRACE_IDNUM,
	.mi_idname = TRACE_MODNAME,
	.mi_minpsz = 0,
	.mi_maxpsz = INFPSZ,
	.mi_hiwat = 65536,
	.mi_lowat = 16384,
};

static const char *
trace_type_name(unsigned t)
{
	switch (t) {
	case M_DATA: return "M_DATA";
	case M_PROTO: return "M_PROTO";
	case M_BREAK: return "M_BREAK";
	case M_SIG: return "M_SIG";
	case M_DELAY: return "M_DELAY";
	case M_CTL: return "M_CTL";
	case M_IOCTL: return "M_IOCTL";
	case M_SETOPTS: return "M_SETOPTS";
	case M_IOCACK: return "M_IOCACK";
	case M_IOCNAK: return "M_IOCNAK";
	case M_PCPROTO: return "M_PCPROTO";
	case M_PCSIG: return "M_PCSIG";
	case M_READ: return "M_READ";
	case M_FLUSH: return "M_FLUSH";
	case M_STOP: return "M_STOP";
	case M_START: return "M_START";
	case M_HANGUP: return "M_HANGUP";
	case M_ERROR: return "M_ERROR";
	case M_COPYIN: return "M_COPYIN";
	case M_COPYOUT: return "M_COPYOUT";
	case M_IOCDATA: return "M_IOCDATA";
	default: return "M_?";
	}
}

/* Is one more record allowed now? A token bucket holding at most one second's worth. */
static inline bool
trace_allow(struct trace_priv *tp, uint64_t now)
{
	if (tp->tp_rate == 0)
		return true;
	if (tp->tp_tokens == 0) {
		uint64_t add = (now - tp->tp_tokens_at) * tp->tp_rate / tp->tp_hz;

		if (add == 0)
			return false;
		tp->tp_tokens = RTE_MIN(add, tp->tp_rate);
		tp->tp_tokens_at = now;
	}
	tp->tp_tokens--;
	return true;
}

static inline void
trace_one(queue_t *q, const mblk_t *mp, uint64_t now)
{
	struct trace_priv *tp = q->q_ptr;
	struct trace_rec *r;
	size_t blocks = 0;

	tp->tp_st.traces_msgs++;
	if (!trace_allow(tp, now)) {
		tp->tp_st.traces_ratelimited++;
		return;
	}
	if (tp->tp_head - tp->tp_tail >= TRACE_RING) {
		tp->tp_st.traces_missed++;
		return;
	}
	r = &tp->tp_rec[tp->tp_head++ & (TRACE_RING - 1)];
	r->tr_tsc = now;
	r->tr_len = (uint32_t)mp_cont_len(mp, &blocks);
	r->tr_type = DB_TYPE(mp);
	r->tr_up = (q->q_flag & QREADR) != 0;
	r->tr_band = mp->b_band;
	r->tr_blocks = (uint8_t)RTE_MIN(blocks, (size_t)255);
}

static int
trace_put(queue_t *q, mblk_t *mp)
{
	trace_one(q, mp, rte_get_tsc_cycles());
	putnext(q, mp);
	return 0;
}

static void
trace_put_burst(queue_t *q, mblk_t **mps, unsigned n)
{
	uint64_t now = rte_get_tsc_cycles();

	for (unsigned i = 0; i < n; i++)
		trace_one(q, mps[i], now);
	putnext_burst(q, mps, n);
}

/* Write the pending records as lines. Flush hook and close only. */
static unsigned
trace_write(struct trace_priv *tp)
{
	unsigned n = 0;

	while (tp->tp_tail != tp->tp_head) {
		const struct trace_rec *r = &tp->tp_rec[tp->tp_tail++ & (TRACE_RING - 1)];
		double since = (double)(r->tr_tsc - tp->tp_start) / (double)tp->tp_hz;
		double delta = tp->tp_prev != 0 ?
			(double)(r->tr_tsc - tp->tp_prev) / (double)tp->tp_hz : 0.0;
		char line[192];
		int ok;

		tp->tp_prev = r->tr_tsc;
		snprintf(line, sizeof(line),
			 "trace %s: %.6f +%.6f %-4s %-9s band %u len %" PRIu32 " blocks %u\n",
			 tp->tp_stream, since, delta, r->tr_up ? "up" : "down",
			 trace_type_name(r->tr_type), r->tr_band, r->tr_len, r->tr_blocks);
		if (tp->tp_file != NULL)
			ok = fputs(line, tp->tp_file) >= 0;
		else
			ok = rte_log(RTE_LOG_INFO, yard_trace_logtype, "%s", line) >= 0;
		if (ok)
			tp->tp_st.traces_logged++;
		else
			tp->tp_st.traces_write_errors++;
		n++;
	}
	if (n != 0 && tp->tp_file != NULL && fflush(tp->tp_file) != 0)
		tp->tp_st.traces_write_errors++;
	return n;
}

static unsigned
trace_flush_hook(void *arg)
{
	return trace_write(arg);
}

/* ARGS: [FILE][,rate=N]. 0 or EINVAL. */
static int
trace_parse_args(struct trace_priv *tp, const char *args)
{
	char buf[YARD_MODARGS_MAX], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", args);
	for (char *tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		if (strncmp(tok, "rate=", 5) == 0) {
			char *end;
			unsigned long long v = strtoull(tok + 5, &end, 10);

			if (*end != '\0' || end == tok + 5 || v > 100000000ull)
				return EINVAL;
			tp->tp_rate = v;
		} else if (tok[0] != '\0') {
			snprintf(tp->tp_path, sizeof(tp->tp_path), "%s", tok);
		}
	}
	return 0;
}

static int
trace_open(queue_t *q, dev_t *devp, int oflag, int sflag, cred_t *crp)
{
	const char *args = yard_modargs_take();
	struct trace_priv *tp;
	const struct stdata *sd = q->q_stream;
	int rc;

	if (sflag != MODOPEN)
		return EINVAL;
	if (q->q_ptr != NULL)
		return 0;
	tp = rte_zmalloc("trace", sizeof(*tp), RTE_CACHE_LINE_SIZE);
	if (tp == NULL)
		return ENOMEM;
	tp->tp_rate = TRACE_RATE_DEFAULT;
	if (args != NULL && (rc = trace_parse_args(tp, args)) != 0) {
		rte_free(tp);
		return rc;
	}
	if (tp->tp_path[0] != '\0') {
		tp->tp_file = fopen(tp->tp_path, "ae");
		if (tp->tp_file == NULL) {
			rc = errno;
			rte_free(tp);
			return rc;
		}
	}
	if (sd->sd_name[0] != '\0')
		snprintf(tp->tp_stream, sizeof(tp->tp_stream), "%s", sd->sd_name);
	else
		snprintf(tp->tp_stream, sizeof(tp->tp_stream), "stream%u", sd->sd_id);
	tp->tp_hz = rte_get_tsc_hz();
	tp->tp_start = tp->tp_tokens_at = rte_get_tsc_cycles();
	tp->tp_tokens = tp->tp_rate;
	tp->tp_sched = q->q_sched;
	rc = yard_sched_add_flush(tp->tp_sched, trace_flush_hook, tp);
	if (rc != 0) {
		if (tp->tp_file != NULL)
			fclose(tp->tp_file);
		rte_free(tp);
		return -rc;
	}
	q->q_ptr = WR(q)->q_ptr = tp;
	qprocson(q);
	return 0;
}

static int
trace_close(queue_t *q, int flag, cred_t *crp)
{
	struct trace_priv *tp = q->q_ptr;

	qprocsoff(q);
	if (tp == NULL)
		return 0;
	(void)yard_sched_del_flush(tp->tp_sched, trace_flush_hook, tp);
	trace_write(tp);
	if (tp->tp_file != NULL)
		fclose(tp->tp_file);
	q->q_ptr = WR(q)->q_ptr = NULL;
	rte_free(tp);
	return 0;
}

static struct qinit trace_rinit = {
	.qi_putp = trace_put,
	.qi_qopen = trace_open,
	.qi_qclose = trace_close,
	.qi_minfo = &trace_minfo,
	.qi_putp_burst = trace_put_burst,
};

static struct qinit trace_winit = {
	.qi_putp = trace_put,
	.qi_minfo = &trace_minfo,
	.qi_putp_burst = trace_put_burst,
};

static struct streamtab trace_info = {
	.st_rdinit = &trace_rinit,
	.st_wrinit = &trace_winit,
};

YARD_MODULE(TRACE_MODNAME, trace_info, D_MP)

int
yard_trace_stats(struct stdata *sd, struct tracestat *out)
{
	for (queue_t *q = sd->sd_wrq->q_next; q != NULL; q = q->q_next) {
		if (q->q_qinfo == &trace_winit) {
			*out = ((struct trace_priv *)q->q_ptr)->tp_st;
			return 0;
		}
	}
	return -ENOENT;
}
