/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * UDP request/response and source clients over XTI (udp_clients.h). Like udp_services.c this
 * is an XTI application that uses nothing of udp but its name.
 *
 * Principles of operation
 * -----------------------
 * yard_udp_client_start() opens and binds (port 0: udp picks an ephemeral port, of this
 * lcore's share when udp runs on several) one endpoint per `conns` in set-up context, where
 * t_bind may turn the scheduler. The sends start at once or, with a delay, from the lcore's
 * poll hook (ucl_poll) once the delay is over.
 *
 * An endpoint (struct ucl_ep) runs from its events, T_DATA, T_UDERR, T_GODATA and
 * YARD_T_ERROR, and from the poll hook; both run ep_pump(), which is not re-entered (a nested
 * event asks the running pump to go round again, as in udp_services.c). One pass reads until
 * TNODATA (the events are edge triggered), taking error indications with t_rcvuderr, then
 * sends what the kind calls for:
 *
 * - udp_rr: the next request when none is in flight (and the interval since the last round
 *   has passed). A reply is checked against what was sent (the endpoint's index and the
 *   sequence number in its first 8 bytes, the pattern after them, the length, the source).
 * - udp_source: up to UCL_BURST datagrams, then the poll hook's next pass sends more, so a
 *   link that never pushes back cannot keep the lcore in one callback for ever.
 *
 * A send refused with TFLOW marks the endpoint blocked until T_GODATA: the poll hook passes it
 * by, so nothing spins and nothing is dropped for flow control. The datagram was not taken;
 * it is built again (the same bytes) when the endpoint resumes. A send that finds no message
 * block (ENOSR) is tried again on the hook's next pass (tx_nomem), the same way.
 *
 * Done is not closed: datagrams t_sndudata took may still wait in the endpoint's own write
 * queues (udp keeps them while ip holds it back), and t_close would free them. An endpoint
 * done sending drains first (e_draining: ep_queued() walks its stream's write queues each
 * pass of the hook) and is closed when they are empty; only yard's stop closes at once, and
 * counts what it freed (tx_discarded).
 *
 * Time: each udp_rr client keeps the earliest instant one of its endpoints waits for (a
 * request's timeout or the end of an interval), so the hook walks the endpoints only when one
 * is due; and the lcore keeps the earliest instant one of its clients waits for (l_next_due: a
 * start, a deadline, a udp_rr client's next due; 0 while a client needs every pass: a running
 * udp_source, an endpoint draining). The hook compares the scheduler's pass clock (sc_now)
 * with it and walks the clients only when one is due or an endpoint waits to be closed, so an
 * idle pass costs a compare. Whatever lowers a client's instant lowers the lcore's; each walk
 * recomputes it.
 * At a duration's deadline the client is marked stopping: a udp_source endpoint ends at
 * once, a udp_rr endpoint at the end of the round in flight.
 *
 * An endpoint is never closed inside its own callback (xti.h): ep_end() puts it on the
 * lcore's close list and ucl_poll() closes it when no client callback runs further up the
 * stack (l_depth); t_close frees whatever its stream head still holds. The client is done
 * when its last endpoint is closed.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_telemetry.h>

#include <streams/stream.h>
#include <protocols/client_slot.h>
#include <protocols/tel_named.h>
#include <protocols/udp.h>
#include <protocols/udp_clients.h>
#include <protocols/xti/xti.h>

RTE_LOG_REGISTER(ucl_logtype, yard.udp_clients, INFO);
#define UCL_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, ucl_logtype, "udp_clients: " fmt "\n", ##__VA_ARGS__)

/* Datagrams a udp_source endpoint sends per pass of the loop. */
#define UCL_BURST 32
/* The udp_rr header: the endpoint's index, then the sequence number (network order). */
#define UCL_HDR 8

struct ucl_client;

struct ucl_ep {
	struct ucl_client *e_cl;
	struct ucl_ep *e_close_next;
	int e_fd;                     /* -1 once closed */
	uint32_t e_id;                /* index in the client */
	bool e_in_pump, e_again;
	bool e_ending;                /* on the close list */
	bool e_draining;              /* done sending: closed once its stream holds nothing */
	bool e_blocked;               /* a send met TFLOW: wait for T_GODATA */
	bool e_nomem;                 /* the last send found no block: try again next pass */
	bool e_waiting;               /* udp_rr: a request is in flight */
	uint32_t e_seq;               /* udp_rr: the last request's sequence number */
	uint64_t e_sent_tsc;          /* udp_rr: when it went */
	uint64_t e_due;               /* udp_rr: its timeout, or the end of the interval; 0 */
	uint64_t e_rounds;            /* udp_rr: rounds ended (reply, bad reply, loss, error) */
	uint64_t e_bytes;             /* udp_source: data bytes sent */
};

struct ucl_client {
	bool cl_used;
	bool cl_started;              /* the first sends were asked for */
	bool cl_stopping;             /* the deadline passed, or yard stops */
	bool cl_done;
	unsigned cl_lcore;
	struct yard_udp_client_conf cl_conf;
	struct sockaddr_in cl_to;
	uint64_t cl_start_tsc;        /* when to start */
	uint64_t cl_t0;               /* when it started */
	uint64_t cl_deadline;         /* duration: when to stop, 0 if none */
	uint64_t cl_timeout;          /* udp_rr: timeout and interval in TSC cycles */
	uint64_t cl_interval;
	uint64_t cl_next_due;         /* udp_rr: the earliest e_due of its endpoints */
	uint64_t cl_wake_at;          /* udp_rr: when cl_wake fires, 0 if not armed */
	timeout_id_t cl_wake;
	double cl_ns_per_cycle;
	unsigned cl_nended;
	unsigned cl_ndraining;        /* endpoints waiting for their stream to drain */
	uint8_t *cl_buf;              /* one datagram: the pattern (udp_rr: the header first) */
	struct ucl_ep *cl_eps;        /* cl_conf.conns of them */
	struct yard_udp_client_stats *cl_st;
};

struct ucl_lcore {
	struct ucl_ep *l_close;
	struct yard_sched *l_sched;   /* whose pass clock the hook reads */
	uint64_t l_next_due;          /* the earliest instant a client waits for; 0: every pass */
	unsigned l_depth;             /* client callbacks running on the stack */
	bool l_hooked;
	bool l_in_poll;
};

static struct ucl_lcore ucl_lc[RTE_MAX_LCORE];
static struct ucl_client ucl_clients[YARD_UDP_CLIENT_MAX];
/* Every lcore takes its clients' slots from ucl_clients[], claimed first (client_slot.h). */
static uint32_t ucl_claims[YARD_UDP_CLIENT_MAX];
static struct yard_udp_client_stats ucl_stats[YARD_UDP_CLIENT_MAX];

static struct ucl_lcore *
ucl_self(void)
{
	return &ucl_lc[yard_sched_self()->sc_lcore];
}

const char *
yard_udp_client_kind_name(enum yard_udp_client_kind kind)
{
	switch (kind) {
	case YARD_UDP_CLIENT_RR:
		return "udp_rr";
	case YARD_UDP_CLIENT_SOURCE:
		return "udp_source";
	}
	return "?";
}

/* ---- slots -------------------------------------------------------------------------------- */

static struct ucl_client *
ucl_claim(void)
{
	int i = yard_client_slot_claim(ucl_claims, YARD_UDP_CLIENT_MAX);

	return i < 0 ? NULL : &ucl_clients[i];
}

static void
ucl_set_used(struct ucl_client *cl, bool used)
{
	yard_client_slot_set_used(&cl->cl_used, &ucl_claims[cl - ucl_clients], used);
}

static bool
ucl_used(const struct ucl_client *cl)
{
	return yard_client_slot_used(&cl->cl_used);
}

/* ---- ending endpoints and clients --------------------------------------------------------- */

static void
ep_end(struct ucl_ep *e)
{
	struct ucl_lcore *l = ucl_self();

	if (e->e_ending)
		return;
	e->e_ending = true;
	if (e->e_draining) {
		e->e_draining = false;
		e->e_cl->cl_ndraining--;
	}
	(void)yard_t_set_notify(e->e_fd, 0, NULL, NULL);
	e->e_close_next = l->l_close;
	l->l_close = e;
}

/*
 * Datagrams still queued below the endpoint's stream head (timod's and udp's write queues,
 * where flow control keeps them): closing the endpoint would discard them. What ip took is
 * ip's and goes out whatever becomes of the endpoint.
 */
static unsigned
ep_queued(const struct ucl_ep *e)
{
	struct stdata *sd = yard_t_stream(e->e_fd);
	unsigned n = 0;

	for (queue_t *q = sd != NULL ? sd->sd_wrq : NULL; q != NULL; q = q->q_next)
		for (const mblk_t *mp = q->q_first; mp != NULL; mp = mp->b_next)
			n++;
	return n;
}

/* Done sending: the endpoint is closed once what it sent has left its stream (ucl_poll). */
static void
ep_done(struct ucl_ep *e)
{
	if (e->e_ending || e->e_draining)
		return;
	if (ep_queued(e) == 0) {
		ep_end(e);
		return;
	}
	e->e_draining = true;
	e->e_cl->cl_ndraining++;
	ucl_lc[e->e_cl->cl_lcore].l_next_due = 0; /* the hook looks at it every pass */
}

static void
client_finish(struct ucl_client *cl)
{
	struct yard_udp_client_stats *st = cl->cl_st;
	uint64_t now = rte_get_timer_cycles();
	double s;

	cl->cl_done = true;
	st->elapsed_us = cl->cl_t0 != 0 ? (now - cl->cl_t0) * 1000000 / rte_get_timer_hz() : 0;
	st->done = 1;
	s = (double)st->elapsed_us / 1e6;
	UCL_LOG(INFO, "%s (%s): done in %.3f s: %" PRIu64 " sent (%" PRIu64 " bytes, %.3f Gbit/s), "
		"%" PRIu64 " received, %" PRIu64 " lost, %" PRIu64 " bad, %" PRIu64 " late, %"
		PRIu64 " errors, %" PRIu64 " tflow, %" PRIu64 " discarded at stop; rtt min/avg/max %"
		PRIu64 "/%" PRIu64 "/%" PRIu64 " us", cl->cl_conf.name,
		yard_udp_client_kind_name(cl->cl_conf.kind), s, st->sent, st->tx_bytes,
		s > 0 ? (double)st->tx_bytes * 8 / s / 1e9 : 0.0, st->received, st->lost, st->bad,
		st->late, st->errors, st->tflow, st->tx_discarded, st->rtt_min_us,
		st->received != 0 ? st->rtt_sum_ns / 1000 / st->received : 0, st->rtt_max_us);
}

static void
ep_free(struct ucl_ep *e)
{
	struct ucl_client *cl = e->e_cl;

	if (e->e_fd >= 0) {
		(void)t_close(e->e_fd);
		e->e_fd = -1;
		cl->cl_st->active--;
	}
	cl->cl_nended++;
	if (cl->cl_nended == cl->cl_conf.conns && !cl->cl_done)
		client_finish(cl);
}

/* ---- udp_rr: rounds ----------------------------------------------------------------------- */

/* The wake-up timer fired: the pass it runs in runs the poll hook, which looks at the due. */
static void
rr_wake(void *arg)
{
	struct ucl_client *cl = arg;

	cl->cl_wake_at = 0;
}

/*
 * The next instant the poll hook must look at this client. A timer is armed for it (when
 * none is, or the armed one comes later): an lcore with idle sleep on sleeps at most until
 * its next timer, so a timeout or an interval is not stretched by a sleep (docs/config.md,
 * idle_sleep_us). The timer is rarely re-armed: each send pushes its own due later, so the
 * armed one fires at the earliest due it was armed for and the hook arms the next.
 */
static void
rr_due(struct ucl_client *cl, uint64_t due)
{
	uint64_t now, hz;

	if (due < cl->cl_next_due)
		cl->cl_next_due = due;
	if (due < ucl_lc[cl->cl_lcore].l_next_due)
		ucl_lc[cl->cl_lcore].l_next_due = due;
	if (due == UINT64_MAX || (cl->cl_wake_at != 0 && cl->cl_wake_at <= due))
		return;
	if (cl->cl_wake_at != 0)
		(void)yard_untimeout(cl->cl_wake);
	now = rte_get_timer_cycles();
	hz = rte_get_timer_hz();
	cl->cl_wake = yard_timeout(rr_wake, cl, due > now ? (due - now) * 1000000 / hz + 1 : 1);
	cl->cl_wake_at = cl->cl_wake != 0 ? due : 0; /* none to be had: the hook still looks */
}

/* The round in flight is over (whatever ended it); the next may go after the interval. */
static void
rr_round_end(struct ucl_ep *e, uint64_t now)
{
	struct ucl_client *cl = e->e_cl;

	e->e_waiting = false;
	e->e_rounds++;
	e->e_due = 0;
	if (cl->cl_interval != 0) {
		e->e_due = now + cl->cl_interval;
		rr_due(cl, e->e_due);
	}
}

/* Whether the data of mp from offset off on equals want (len bytes, the rest of it). */
static bool
rr_data_equal(const mblk_t *mp, size_t off, const uint8_t *want, size_t len)
{
	for (; mp != NULL && len > 0; mp = mp->b_cont) {
		size_t n = MBLKL(mp);

		if (off >= n) {
			off -= n;
			continue;
		}
		n = RTE_MIN(n - off, len);
		if (memcmp(mp->b_rptr + off, want, n) != 0)
			return false;
		want += n;
		len -= n;
		off = 0;
	}
	return len == 0;
}

/* The first UCL_HDR bytes of mp (at least that many: its length was checked). */
static void
rr_header(const mblk_t *mp, uint32_t *id, uint32_t *seq)
{
	uint8_t h[UCL_HDR];
	size_t got = 0;

	for (; mp != NULL && got < UCL_HDR; mp = mp->b_cont) {
		size_t n = RTE_MIN((size_t)MBLKL(mp), UCL_HDR - got);

		memcpy(h + got, mp->b_rptr, n);
		got += n;
	}
	*id = rte_be_to_cpu_32(*(const unaligned_uint32_t *)h);
	*seq = rte_be_to_cpu_32(*(const unaligned_uint32_t *)(h + 4));
}

/* A reply: received, bad or late (udp_clients.h says which is which). */
static void
rr_take(struct ucl_ep *e, const struct sockaddr_in *from, size_t alen, const mblk_t *mp)
{
	struct ucl_client *cl = e->e_cl;
	struct yard_udp_client_stats *st = cl->cl_st;
	uint32_t size = cl->cl_conf.size, id, seq;
	size_t len = mp != NULL ? msgdsize(mp) : 0;
	bool intact;
	uint64_t now, cyc, us;

	if (alen != sizeof(*from) || from->sin_addr.s_addr != cl->cl_to.sin_addr.s_addr ||
	    from->sin_port != cl->cl_to.sin_port || len < UCL_HDR) {
		st->bad++; /* not an answer of the server's to any request */
		return;
	}
	rr_header(mp, &id, &seq);
	intact = len == size && rr_data_equal(mp, UCL_HDR, cl->cl_buf + UCL_HDR, size - UCL_HDR);
	if (id != e->e_id || (int32_t)(seq - e->e_seq) > 0 || (!intact && seq != e->e_seq) ||
	    (!intact && !e->e_waiting)) {
		st->bad++; /* no request of ours looks like it: the round goes on */
		return;
	}
	if (seq != e->e_seq || !e->e_waiting) {
		st->late++; /* an earlier request's (counted lost), or a duplicate */
		return;
	}
	now = rte_get_timer_cycles();
	if (!intact) {
		st->bad++; /* the answer to the request in flight, damaged: the round is over */
		rr_round_end(e, now);
		return;
	}
	cyc = now - e->e_sent_tsc;
	us = (uint64_t)((double)cyc * cl->cl_ns_per_cycle / 1000);
	st->received++;
	st->rx_bytes += len;
	st->rtt_sum_ns += (uint64_t)((double)cyc * cl->cl_ns_per_cycle);
	if (st->received == 1 || us < st->rtt_min_us)
		st->rtt_min_us = us;
	if (us > st->rtt_max_us)
		st->rtt_max_us = us;
	rr_round_end(e, now);
}

/* ---- an endpoint's work ------------------------------------------------------------------- */

/* Take the error indication first in line. false if there was none to take. */
static bool
ep_uderr(struct ucl_ep *e)
{
	if (t_rcvuderr(e->e_fd, NULL) < 0)
		return false;
	e->e_cl->cl_st->errors++;
	if (e->e_waiting)
		rr_round_end(e, rte_get_timer_cycles()); /* its answer will not come */
	return true;
}

/* Read until TNODATA. false when the endpoint ended (its stream failed). */
static bool
ep_read(struct ucl_ep *e)
{
	struct ucl_client *cl = e->e_cl;

	for (;;) {
		struct sockaddr_in from;
		struct netbuf addr = { .maxlen = sizeof(from), .buf = &from };
		mblk_t *mp = NULL;

		if (yard_t_rcvudata_mblk(e->e_fd, &addr, &mp) < 0) {
			if (t_errno == TNODATA)
				return true;
			if (t_errno == TLOOK && ep_uderr(e))
				continue;
			if (t_errno == TBUFOVFLW) {
				/* not from a sockaddr_in: the call discarded it */
				if (cl->cl_conf.kind == YARD_UDP_CLIENT_RR)
					cl->cl_st->bad++;
				else
					cl->cl_st->rx_other++;
				continue;
			}
			cl->cl_st->errors++; /* the stream failed or hung up */
			ep_end(e);
			return false;
		}
		if (cl->cl_conf.kind == YARD_UDP_CLIENT_RR)
			rr_take(e, &from, addr.len, mp);
		else
			cl->cl_st->rx_other++;
		if (mp != NULL)
			freemsg(mp);
	}
}

/*
 * Send len bytes of cl_buf. true when it went; false when it met TFLOW (e_blocked), found no
 * message block (e_nomem: the pool is short for now, the datagram is tried again) or the
 * endpoint ended.
 */
static bool
ep_send(struct ucl_ep *e, size_t len)
{
	struct ucl_client *cl = e->e_cl;
	struct t_unitdata ud = {
		.addr = { sizeof(cl->cl_to), sizeof(cl->cl_to), &cl->cl_to },
		.udata = { (unsigned)len, (unsigned)len, cl->cl_buf },
	};

	e->e_nomem = false;
	if (t_sndudata(e->e_fd, &ud) < 0) {
		if (t_errno == TFLOW) {
			cl->cl_st->tflow++;
			e->e_blocked = true; /* T_GODATA clears it */
			return false;
		}
		if (t_errno == TSYSERR && (errno == ENOSR || errno == ENOMEM)) {
			cl->cl_st->tx_nomem++;
			e->e_nomem = true;
			return false;
		}
		cl->cl_st->send_failures++;
		ep_end(e);
		return false;
	}
	cl->cl_st->sent++;
	cl->cl_st->tx_bytes += len;
	return true;
}

static void
rr_produce(struct ucl_ep *e)
{
	struct ucl_client *cl = e->e_cl;
	const struct yard_udp_client_conf *cf = &cl->cl_conf;
	uint32_t v;
	uint64_t now;

	if (e->e_waiting)
		return; /* the reply, an error or the timeout brings us back */
	if (cl->cl_stopping || (cf->bytes > 0 && e->e_rounds * cf->size >= cf->bytes)) {
		ep_done(e);
		return;
	}
	if (e->e_blocked)
		return;
	now = rte_get_timer_cycles();
	if (e->e_due != 0 && now < e->e_due)
		return; /* the interval: the poll hook comes back at e_due */
	v = rte_cpu_to_be_32(e->e_id);
	memcpy(cl->cl_buf, &v, 4);
	v = rte_cpu_to_be_32(e->e_seq + 1);
	memcpy(cl->cl_buf + 4, &v, 4);
	if (!ep_send(e, cf->size)) {
		if (e->e_nomem) {
			e->e_due = now + 1; /* the next pass of the poll hook tries again */
			rr_due(cl, e->e_due);
		}
		return;
	}
	e->e_seq++;
	e->e_waiting = true;
	e->e_sent_tsc = now;
	e->e_due = now + cl->cl_timeout;
	rr_due(cl, e->e_due);
}

static void
source_produce(struct ucl_ep *e)
{
	struct ucl_client *cl = e->e_cl;
	const struct yard_udp_client_conf *cf = &cl->cl_conf;

	for (unsigned i = 0; i < UCL_BURST; i++) {
		uint64_t left = cf->bytes > 0 ? cf->bytes - e->e_bytes : UINT64_MAX;
		size_t len = (size_t)RTE_MIN(left, (uint64_t)cf->size);

		if (cl->cl_stopping || left == 0) {
			ep_done(e);
			return;
		}
		if (e->e_blocked || !ep_send(e, len))
			return;
		e->e_bytes += len;
	}
}

static void
ep_run(struct ucl_ep *e)
{
	if (!ep_read(e) || e->e_ending || e->e_draining)
		return;
	if (!e->e_cl->cl_started)
		return; /* data before the start (a stray datagram): read, nothing sent */
	if (e->e_cl->cl_conf.kind == YARD_UDP_CLIENT_RR)
		rr_produce(e);
	else
		source_produce(e);
}

static void
ep_pump(struct ucl_ep *e)
{
	struct ucl_lcore *l = ucl_self();

	if (e->e_ending)
		return;
	if (e->e_in_pump) {
		e->e_again = true;
		return;
	}
	e->e_in_pump = true;
	l->l_depth++;
	do {
		e->e_again = false;
		ep_run(e);
	} while (e->e_again && !e->e_ending);
	l->l_depth--;
	e->e_in_pump = false;
}

static void
ep_notify(int fd, int events, void *arg)
{
	struct ucl_ep *e = arg;

	(void)fd;
	if (events & T_GODATA)
		e->e_blocked = false;
	ep_pump(e);
}

/* ---- the poll hook ------------------------------------------------------------------------ */

/* Pump every endpoint still running. */
static unsigned
client_pump_all(struct ucl_client *cl)
{
	unsigned n = 0;

	for (unsigned i = 0; i < cl->cl_conf.conns; i++) {
		struct ucl_ep *e = &cl->cl_eps[i];

		if (e->e_fd >= 0 && !e->e_ending) {
			ep_pump(e);
			n++;
		}
	}
	return n;
}

static void
client_begin(struct ucl_client *cl, uint64_t now)
{
	cl->cl_started = true;
	cl->cl_t0 = now;
	ucl_lc[cl->cl_lcore].l_next_due = 0; /* the next walk sees what it waits for now */
	if (cl->cl_conf.duration_ms > 0)
		cl->cl_deadline = now + cl->cl_conf.duration_ms * rte_get_timer_hz() / 1000;
	(void)client_pump_all(cl);
}

/* udp_rr: count the requests whose time is up, and send after the intervals that are over. */
static unsigned
rr_timeouts(struct ucl_client *cl, uint64_t now)
{
	uint64_t next = UINT64_MAX;
	unsigned n = 0;

	cl->cl_next_due = UINT64_MAX; /* what the pumps below ask for lowers it again */
	for (unsigned i = 0; i < cl->cl_conf.conns; i++) {
		struct ucl_ep *e = &cl->cl_eps[i];

		if (e->e_fd < 0 || e->e_ending || e->e_due == 0)
			continue;
		if (now >= e->e_due) {
			if (e->e_waiting) {
				cl->cl_st->lost++;
				rr_round_end(e, now);
			} else {
				e->e_due = 0;
			}
			ep_pump(e);
			n++;
		}
		if (e->e_fd >= 0 && !e->e_ending && e->e_due != 0 && e->e_due < next)
			next = e->e_due;
	}
	rr_due(cl, next);
	return n;
}

/* Close the endpoints whose streams have drained. */
static unsigned
client_drained(struct ucl_client *cl)
{
	unsigned n = 0;

	for (unsigned i = 0; i < cl->cl_conf.conns && cl->cl_ndraining > 0; i++) {
		struct ucl_ep *e = &cl->cl_eps[i];

		if (e->e_draining && ep_queued(e) == 0) {
			ep_end(e);
			n++;
		}
	}
	return n;
}

static unsigned
client_poll(struct ucl_client *cl, uint64_t now)
{
	unsigned n = cl->cl_ndraining > 0 ? client_drained(cl) : 0;

	if (!cl->cl_started) {
		if (now < cl->cl_start_tsc)
			return 0;
		client_begin(cl, now);
		return 1;
	}
	if (cl->cl_deadline != 0 && !cl->cl_stopping && now >= cl->cl_deadline) {
		cl->cl_stopping = true;
		return client_pump_all(cl); /* rr endpoints end after the round in flight */
	}
	if (cl->cl_conf.kind == YARD_UDP_CLIENT_RR) {
		if (now >= cl->cl_next_due)
			n += rr_timeouts(cl, now);
		return n;
	}
	for (unsigned i = 0; i < cl->cl_conf.conns; i++) {
		struct ucl_ep *e = &cl->cl_eps[i];

		if (e->e_fd >= 0 && !e->e_ending && !e->e_draining && !e->e_blocked) {
			ep_pump(e); /* the next burst */
			n++;
		}
	}
	return n;
}

/* The instant cl next needs the hook: 0 every pass, UINT64_MAX never (see "Time" above). */
static uint64_t
client_due(const struct ucl_client *cl)
{
	uint64_t t;

	if (!cl->cl_started)
		return cl->cl_start_tsc;
	if (cl->cl_ndraining > 0 || cl->cl_conf.kind != YARD_UDP_CLIENT_RR)
		return 0;
	t = cl->cl_next_due;
	if (cl->cl_deadline != 0 && !cl->cl_stopping && cl->cl_deadline < t)
		t = cl->cl_deadline;
	return t;
}

/* Close what ended; start, run and stop the lcore's clients on time (behind ucl_poll()). */
static __rte_noinline unsigned
ucl_walk(struct ucl_lcore *l)
{
	unsigned lc = (unsigned)(l - ucl_lc);
	unsigned n = 0;
	uint64_t now = 0;

	l->l_in_poll = true;
	l->l_next_due = UINT64_MAX; /* lowered again by every client that still waits */
	for (unsigned i = 0; i < YARD_UDP_CLIENT_MAX; i++) {
		struct ucl_client *cl = &ucl_clients[i];
		uint64_t due;

		if (!ucl_used(cl) || cl->cl_lcore != lc || cl->cl_done)
			continue;
		if (now == 0)
			now = rte_get_timer_cycles();
		n += client_poll(cl, now);
		due = cl->cl_done ? UINT64_MAX : client_due(cl);
		if (due < l->l_next_due)
			l->l_next_due = due;
	}
	while (l->l_close != NULL) {
		struct ucl_ep *e = l->l_close;

		l->l_close = e->e_close_next;
		ep_free(e);
		n++;
	}
	l->l_in_poll = false;
	return n;
}

/* The poll hook: a walk only when something is due, so an idle pass saves no registers. */
static unsigned
ucl_poll(void *arg)
{
	struct ucl_lcore *l = arg;

	if (l->l_depth > 0 || l->l_in_poll)
		return 0;
	if (l->l_close == NULL && l->l_sched->sc_now < l->l_next_due)
		return 0; /* nothing to close, and nothing any client waits for has come */
	return ucl_walk(l);
}

/* ---- starting and stopping ---------------------------------------------------------------- */

static int
conf_check(const struct yard_udp_client_conf *cf)
{
	uint32_t min = cf->kind == YARD_UDP_CLIENT_RR ? YARD_UDP_CLIENT_RR_SIZE_MIN : 1;

	if (cf->name[0] == '\0' || memchr(cf->name, '\0', sizeof(cf->name)) == NULL)
		return -EINVAL;
	if (cf->kind != YARD_UDP_CLIENT_RR && cf->kind != YARD_UDP_CLIENT_SOURCE)
		return -EINVAL;
	if (cf->addr == 0 || cf->port == 0 || cf->conns == 0 ||
	    cf->conns > YARD_UDP_CLIENT_CONNS_MAX)
		return -EINVAL;
	if ((cf->bytes == 0) == (cf->duration_ms == 0))
		return -EINVAL; /* exactly one of them */
	if (cf->size < min || cf->size > YARD_UDP_CLIENT_SIZE_MAX)
		return -EINVAL;
	return 0;
}

/* Open and bind an endpoint to an ephemeral port. -errno. */
static int
ep_open(struct ucl_ep *e)
{
	int fd = t_open(UDP_DRVNAME, O_RDWR | O_NONBLOCK, NULL);

	if (fd < 0)
		return yard_t_errno(t_errno);
	if (t_bind(fd, NULL, NULL) < 0 ||
	    yard_t_set_notify(fd, T_DATA | T_UDERR | T_GODATA | YARD_T_ERROR, ep_notify, e) < 0) {
		int rc = yard_t_errno(t_errno);

		(void)t_close(fd);
		return rc;
	}
	e->e_fd = fd;
	e->e_cl->cl_st->active++;
	return 0;
}

static void
client_free(struct ucl_client *cl)
{
	if (cl->cl_wake_at != 0)
		(void)yard_untimeout(cl->cl_wake);
	cl->cl_wake_at = 0;
	free(cl->cl_eps);
	free(cl->cl_buf);
	cl->cl_eps = NULL;
	cl->cl_buf = NULL;
}

/* The client's buffers and endpoints (cl_conf set). -errno, with nothing left behind. */
static int
client_open(struct ucl_client *cl)
{
	const struct yard_udp_client_conf *cf = &cl->cl_conf;
	uint64_t hz = rte_get_timer_hz();

	cl->cl_eps = calloc(cf->conns, sizeof(*cl->cl_eps));
	cl->cl_buf = malloc(cf->size);
	if (cl->cl_eps == NULL || cl->cl_buf == NULL) {
		client_free(cl);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < cf->size; i++)
		cl->cl_buf[i] = (uint8_t)('a' + i % 26);
	cl->cl_to = (struct sockaddr_in){
		.sin_family = AF_INET,
		.sin_port = rte_cpu_to_be_16(cf->port),
		.sin_addr = { cf->addr },
	};
	cl->cl_timeout = (uint64_t)(cf->timeout_ms != 0 ? cf->timeout_ms :
				    YARD_UDP_CLIENT_TIMEOUT_MS) * hz / 1000;
	cl->cl_interval = (uint64_t)cf->interval_ms * hz / 1000;
	cl->cl_next_due = UINT64_MAX;
	cl->cl_ns_per_cycle = 1e9 / (double)hz;
	for (unsigned i = 0; i < cf->conns; i++) {
		cl->cl_eps[i].e_cl = cl;
		cl->cl_eps[i].e_fd = -1;
		cl->cl_eps[i].e_id = i;
	}
	for (unsigned i = 0; i < cf->conns; i++) {
		int rc = ep_open(&cl->cl_eps[i]);

		if (rc < 0) {
			for (unsigned j = 0; j < i; j++)
				(void)t_close(cl->cl_eps[j].e_fd);
			client_free(cl);
			return rc;
		}
	}
	return 0;
}

int
yard_udp_client_start(const struct yard_udp_client_conf *conf)
{
	struct ucl_lcore *l = ucl_self();
	struct ucl_client *cl = NULL;
	int rc;

	rc = conf_check(conf);
	if (rc < 0)
		return rc;
	for (unsigned i = 0; i < YARD_UDP_CLIENT_MAX; i++)
		if (ucl_used(&ucl_clients[i]) &&
		    strcmp(ucl_clients[i].cl_conf.name, conf->name) == 0)
			return -EEXIST;
	if (!l->l_hooked) {
		rc = yard_sched_add_poll(yard_sched_self(), ucl_poll, l);
		if (rc < 0)
			return rc;
		l->l_hooked = true;
		l->l_sched = yard_sched_self();
	}
	cl = ucl_claim();
	if (cl == NULL)
		return -ENOSPC;
	memset(cl, 0, sizeof(*cl));
	cl->cl_conf = *conf;
	cl->cl_lcore = yard_sched_self()->sc_lcore;
	cl->cl_st = &ucl_stats[cl - ucl_clients];
	memset(cl->cl_st, 0, sizeof(*cl->cl_st));
	rc = client_open(cl);
	if (rc < 0) {
		ucl_set_used(cl, false);
		return rc;
	}
	ucl_set_used(cl, true);
	cl->cl_start_tsc = rte_get_timer_cycles() + (uint64_t)conf->delay_ms *
			   rte_get_timer_hz() / 1000;
	if (cl->cl_start_tsc < l->l_next_due)
		l->l_next_due = cl->cl_start_tsc;
	if (conf->delay_ms == 0) {
		l->l_depth++;
		client_begin(cl, rte_get_timer_cycles());
		l->l_depth--;
	}
	return 0;
}

static void
client_stop(struct ucl_lcore *l, struct ucl_client *cl)
{
	/* Started and stopping: the hook below only closes what ends here. */
	cl->cl_started = true;
	cl->cl_stopping = true;
	for (unsigned i = 0; i < cl->cl_conf.conns; i++) {
		struct ucl_ep *e = &cl->cl_eps[i];

		if (e->e_fd >= 0 && !e->e_ending) {
			/* what flow control still holds back is freed by the close */
			cl->cl_st->tx_discarded += ep_queued(e);
			ep_end(e);
		}
	}
	(void)ucl_poll(l);
	client_free(cl);
	ucl_set_used(cl, false);
}

void
yard_udp_clients_stop_all(void)
{
	struct ucl_lcore *l = ucl_self();
	unsigned lc = yard_sched_self()->sc_lcore;

	for (unsigned i = 0; i < YARD_UDP_CLIENT_MAX; i++)
		if (ucl_used(&ucl_clients[i]) && ucl_clients[i].cl_lcore == lc)
			client_stop(l, &ucl_clients[i]);
	if (l->l_hooked) {
		(void)yard_sched_del_poll(yard_sched_self(), ucl_poll, l);
		l->l_hooked = false;
	}
}

/* ---- counters ----------------------------------------------------------------------------- */

static void
ucl_read(const struct ucl_client *cl, struct yard_udp_client_stats *out)
{
	const volatile struct yard_udp_client_stats *s = cl->cl_st;

#define UDP_CLIENT_STAT(f, help) out->f = s->f;
#include <protocols/udp/udp_clients.def>
#undef UDP_CLIENT_STAT
	/* while it runs, the time so far */
	if (out->done == 0 && cl->cl_t0 != 0)
		out->elapsed_us = (rte_get_timer_cycles() - cl->cl_t0) * 1000000 /
				  rte_get_timer_hz();
}

static const struct ucl_client *
ucl_find(const char *name)
{
	for (unsigned i = 0; i < YARD_UDP_CLIENT_MAX; i++) {
		const struct ucl_client *cl = &ucl_clients[i];

		if (ucl_used(cl) && strcmp(cl->cl_conf.name, name) == 0)
			return cl;
	}
	return NULL;
}

int
yard_udp_client_stats(const char *name, struct yard_udp_client_stats *out)
{
	const struct ucl_client *cl = ucl_find(name);

	if (cl == NULL)
		return -ENOENT;
	ucl_read(cl, out);
	return 0;
}

static int
ucl_tel_fill_one(struct rte_tel_data *d, const struct ucl_client *cl)
{
	const uint8_t *a = (const uint8_t *)&cl->cl_conf.addr;
	struct yard_udp_client_stats st;
	char to[32];
	int rc;

	ucl_read(cl, &st);
	snprintf(to, sizeof(to), "%u.%u.%u.%u:%u", a[0], a[1], a[2], a[3], cl->cl_conf.port);
	rc = rte_tel_data_start_dict(d);
	if (rc == 0)
		rc = rte_tel_data_add_dict_string(d, "type",
						  yard_udp_client_kind_name(cl->cl_conf.kind));
	if (rc == 0)
		rc = rte_tel_data_add_dict_string(d, "connect", to);
	if (rc == 0)
		rc = rte_tel_data_add_dict_u64(d, "lcore", cl->cl_lcore);
	if (rc == 0)
		rc = rte_tel_data_add_dict_u64(d, "conns", cl->cl_conf.conns);
	if (rc == 0)
		rc = rte_tel_data_add_dict_u64(d, "size", cl->cl_conf.size);
#define UDP_CLIENT_STAT(f, help) if (rc == 0) rc = rte_tel_data_add_dict_u64(d, #f, st.f);
#include <protocols/udp/udp_clients.def>
#undef UDP_CLIENT_STAT
	if (rc == 0)
		rc = rte_tel_data_add_dict_u64(d, "rtt_avg_us", st.received != 0 ?
					       st.rtt_sum_ns / 1000 / st.received : 0);
	return rc;
}

static const char *
ucl_name(unsigned i)
{
	return ucl_used(&ucl_clients[i]) ? ucl_clients[i].cl_conf.name : NULL;
}

static int
ucl_tel_one(struct rte_tel_data *d, unsigned i)
{
	return ucl_tel_fill_one(d, &ucl_clients[i]);
}

int
yard_udp_client_tel_fill(struct rte_tel_data *d)
{
	return yard_tel_named_fill(d, YARD_UDP_CLIENT_MAX, ucl_name, ucl_tel_one);
}

int
yard_udp_client_tel_cmd(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	return yard_tel_named_cmd(d, params, YARD_UDP_CLIENT_MAX, ucl_name, ucl_tel_one);
}
