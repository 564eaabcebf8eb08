/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP source, sink, request/response and connect-request/response-release clients over XTI
 * (tcp_clients.h). Like
 * tcp_services.c this is an XTI application that uses nothing of tcp but its name.
 *
 * Principles of operation
 * -----------------------
 * yard_tcp_client_start() opens and binds (the provider picks the port) one endpoint per
 * connection in setup context, where XTI's acknowledged calls may turn the scheduler, and asks
 * for the connections (t_connect, which tcp acknowledges from its put procedure) at once or,
 * with a delay, from the lcore's poll hook (tcl_poll) once the delay is over.
 *
 * A connection (struct tcl_conn) is driven by its events: T_CONNECT, T_DATA, T_ORDREL,
 * T_DISCONNECT and T_GODATA all run conn_pump(), which is not re-entered (a nested event asks
 * the running pump to go round again, as in tcp_services.c). One pass completes the
 * connection if it is not yet (t_rcvconnect), reads until TNODATA or TLOOK (the events are
 * edge triggered; T_ORDREL is taken with t_rcvrel, T_DISCONNECT with t_rcvdis, which ends
 * the connection), then sends what the kind calls for until flow control refuses (TFLOW or a
 * short t_snd: T_GODATA comes back here) and, when there is nothing more to send, releases
 * (t_sndrel). A connection is over when both releases are done, or at a disconnection.
 *
 * Time: the lcore keeps the earliest instant one of its clients waits for (a start or a
 * deadline; l_next_due), lowered as clients are started and connected, recomputed by each
 * walk. The poll hook compares the scheduler's pass clock (sc_now) with it and walks the
 * clients only when one is due or a connection waits to be closed, so an idle pass costs a
 * compare whatever the clients configured. At the deadline it marks the client stopping and
 * pumps every connection, so a source or rr connection finishes the request in flight and
 * releases, and a sink disconnects.
 *
 * An endpoint is never closed inside its own callback (xti.h): conn_end() puts it on the
 * lcore's close list and tcl_poll() closes it when no client callback is running further up
 * the stack (l_depth). The client is done when its last connection is closed. A crr
 * connection that ended cleanly (both releases, its transaction done) is followed there, in
 * the same place, by the next: a new endpoint opened, bound and connected (conn_again()).
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
#include <protocols/tcp.h>
#include <protocols/tcp_clients.h>
#include <protocols/tel_named.h>
#include <protocols/xti/xti.h>

RTE_LOG_REGISTER(tcl_logtype, yard.tcp_clients, INFO);
#define TCL_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, tcl_logtype, "tcp_clients: " fmt "\n", ##__VA_ARGS__)

/* Bytes per t_snd() of a source: sth_write cuts it to the provider's packet size. */
#define TCL_CHUNK 16384
/* A connect that found no 4-tuple free (TADDRBUSY) tries again this much later. */
#define TCL_PORT_WAIT_MS 1

struct tcl_client;

struct tcl_conn {
	struct tcl_client *k_cl;
	struct tcl_conn *k_close_next;
	int k_fd;                     /* -1 once closed (or never opened) */
	bool k_in_pump, k_again;
	bool k_connecting;            /* t_connect done */
	bool k_connected;             /* t_rcvconnect done */
	bool k_ending;                /* on the close list */
	bool k_peer_rel, k_rel_sent;
	uint64_t k_sent;              /* source: pattern bytes sent */
	uint64_t k_rcvd;              /* data bytes received */
	uint32_t k_req_off;           /* rr: bytes of the current request sent */
	uint32_t k_resp_got;          /* rr: bytes of its response received */
	bool k_resp_bad;              /* rr: the response so far differs from the request */
	bool k_clean;                 /* ended by both releases */
	bool k_port_wait;             /* t_connect met TADDRBUSY: tried again at cl_wait_due */
	uint64_t k_txns;              /* rr, crr: transactions completed (crr: by all its conns) */
	uint64_t k_txns0;             /* crr: k_txns when this connection opened */
};

struct tcl_client {
	bool cl_used;
	bool cl_started;              /* t_connect asked on every connection */
	bool cl_stopping;             /* the deadline passed */
	bool cl_done;
	unsigned cl_lcore;
	struct yard_tcp_client_conf cl_conf;
	uint64_t cl_start_tsc;        /* when to connect */
	uint64_t cl_t0;               /* first t_connect */
	uint64_t cl_deadline;         /* duration: when to stop, 0 if none */
	unsigned cl_nended;
	unsigned cl_nwait;            /* connections with k_port_wait */
	uint64_t cl_wait_due;         /* when they try again */
	struct tcl_conn *cl_conns;    /* cl_conf.conns of them */
	struct yard_tcp_client_stats *cl_st;
};

struct tcl_lcore {
	struct tcl_conn *l_close;
	struct yard_sched *l_sched;   /* whose pass clock the hook reads */
	uint64_t l_next_due;          /* the earliest start or deadline of its clients */
	unsigned l_depth;             /* client callbacks running on the stack */
	unsigned l_nclients;
	bool l_hooked;
	bool l_in_poll;
};

static struct tcl_lcore tcl_lc[RTE_MAX_LCORE];
static struct tcl_client tcl_clients[YARD_TCP_CLIENT_MAX];
/* Every lcore takes its clients' slots from tcl_clients[], claimed first (client_slot.h). */
static uint32_t tcl_claims[YARD_TCP_CLIENT_MAX];
static struct yard_tcp_client_stats tcl_stats[YARD_TCP_CLIENT_MAX];

static const char tcl_alpha[] = "abcdefghijklmnopqrstuvwxyz";
/* The pattern from any offset mod 26, for up to YARD_TCP_CLIENT_SIZE_MAX bytes. */
static char tcl_pattern[YARD_TCP_CLIENT_SIZE_MAX + 26];

static struct tcl_lcore *
tcl_self(void)
{
	return &tcl_lc[yard_sched_self()->sc_lcore];
}

const char *
yard_tcp_client_kind_name(enum yard_tcp_client_kind kind)
{
	switch (kind) {
	case YARD_TCP_CLIENT_SOURCE:
		return "source";
	case YARD_TCP_CLIENT_SINK:
		return "sink";
	case YARD_TCP_CLIENT_RR:
		return "rr";
	case YARD_TCP_CLIENT_CRR:
		return "crr";
	}
	return "?";
}

/* ---- slots -------------------------------------------------------------------------------- */

static struct tcl_client *
tcl_claim(void)
{
	int i = yard_client_slot_claim(tcl_claims, YARD_TCP_CLIENT_MAX);

	return i < 0 ? NULL : &tcl_clients[i];
}

static void
tcl_set_used(struct tcl_client *cl, bool used)
{
	yard_client_slot_set_used(&cl->cl_used, &tcl_claims[cl - tcl_clients], used);
}

static bool
tcl_used(const struct tcl_client *cl)
{
	return yard_client_slot_used(&cl->cl_used);
}

/* ---- ending connections and clients ------------------------------------------------------- */

static void
conn_end(struct tcl_conn *k)
{
	struct tcl_lcore *l = tcl_self();

	if (k->k_ending)
		return;
	k->k_ending = true;
	if (k->k_port_wait) {
		k->k_port_wait = false;
		k->k_cl->cl_nwait--;
	}
	(void)yard_t_set_notify(k->k_fd, 0, NULL, NULL);
	k->k_close_next = l->l_close;
	l->l_close = k;
}

static void
client_finish(struct tcl_client *cl)
{
	struct yard_tcp_client_stats *st = cl->cl_st;
	uint64_t now = rte_get_timer_cycles();
	double s;

	cl->cl_done = true;
	st->elapsed_us = cl->cl_t0 != 0 ? (now - cl->cl_t0) * 1000000 / rte_get_timer_hz() : 0;
	st->done = 1;
	s = (double)st->elapsed_us / 1e6;
	TCL_LOG(INFO, "%s (%s): done in %.3f s: %" PRIu64 " connected, %" PRIu64
		" failed to connect, %" PRIu64 " disconnected; %" PRIu64 " bytes sent, %" PRIu64
		" received (%.3f Gbit/s); %" PRIu64 " transactions", cl->cl_conf.name,
		yard_tcp_client_kind_name(cl->cl_conf.kind), s, st->connected,
		st->connect_failures + st->open_failures, st->discons, st->tx_bytes, st->rx_bytes,
		s > 0 ? (double)(st->tx_bytes + st->rx_bytes) * 8 / s / 1e9 : 0.0,
		st->transactions);
	if (cl->cl_conf.kind == YARD_TCP_CLIENT_CRR && s > 0)
		TCL_LOG(INFO, "%s (crr): %.0f connections/s", cl->cl_conf.name,
			(double)st->released / s);
}

static bool conn_again(struct tcl_conn *k);

static void
conn_free(struct tcl_conn *k)
{
	struct tcl_client *cl = k->k_cl;

	if (k->k_fd >= 0) {
		(void)t_close(k->k_fd);
		k->k_fd = -1;
		cl->cl_st->active--;
	}
	if (conn_again(k))
		return; /* crr: the next connection of this one's run */
	cl->cl_nended++;
	if (cl->cl_nended == cl->cl_conf.conns && !cl->cl_done)
		client_finish(cl);
}

/* ---- a connection's work ------------------------------------------------------------------ */

/* The next event is not data. false when the connection ended (a disconnection). */
static bool
conn_look(struct tcl_conn *k)
{
	struct yard_tcp_client_stats *st = k->k_cl->cl_st;
	int ev = t_look(k->k_fd);

	if (ev == T_ORDREL && t_rcvrel(k->k_fd) == 0) {
		k->k_peer_rel = true;
		return true;
	}
	if (ev == T_DISCONNECT) {
		struct t_discon dis = { .reason = 0 };

		if (t_rcvdis(k->k_fd, &dis) == 0 && !k->k_connected && dis.reason == ECONNREFUSED)
			st->refused++; /* RST,ACK to our SYN (RFC 9293 3.10.7.3) */
	}
	if (k->k_connected)
		st->discons++;
	else
		st->connect_failures++;
	conn_end(k);
	return false;
}

/* T_OUTCON: take the confirmation. false while there is none (or the connection ended). */
static bool
conn_complete(struct tcl_conn *k)
{
	struct yard_tcp_client_stats *st = k->k_cl->cl_st;

	if (t_rcvconnect(k->k_fd, NULL) < 0) {
		if (t_errno == TNODATA)
			return false;
		if (t_errno == TLOOK) {
			(void)conn_look(k); /* a refusal: T_DISCONNECT */
			return false;
		}
		st->connect_failures++;
		conn_end(k);
		return false;
	}
	k->k_connected = true;
	st->connected++;
	return true;
}

/* rr: account the response bytes of mp (compared with the request: the pattern from 0). */
static void
rr_take(struct tcl_conn *k, const mblk_t *mp)
{
	struct tcl_client *cl = k->k_cl;
	uint32_t size = cl->cl_conf.size;

	for (; mp != NULL; mp = mp->b_cont) {
		const uint8_t *p = mp->b_rptr;
		size_t len = MBLKL(mp);

		while (len > 0) {
			size_t n = RTE_MIN(len, (size_t)(size - k->k_resp_got));

			if (memcmp(p, tcl_pattern + k->k_resp_got % 26, n) != 0)
				k->k_resp_bad = true;
			k->k_resp_got += (uint32_t)n;
			p += n;
			len -= n;
			if (k->k_resp_got == size) {
				/* a response can only complete the request that is all out */
				k->k_txns++;
				cl->cl_st->transactions++;
				if (k->k_resp_bad)
					cl->cl_st->rr_mismatch++;
				k->k_resp_got = 0;
				k->k_resp_bad = false;
				k->k_req_off = 0;
			}
		}
	}
}

/* Read until TNODATA or TLOOK. false when the connection ended. */
static bool
conn_read(struct tcl_conn *k)
{
	struct tcl_client *cl = k->k_cl;
	struct yard_tcp_client_stats *st = cl->cl_st;

	while (!k->k_peer_rel) {
		mblk_t *mp;
		int fl, n = yard_t_rcv_mblk(k->k_fd, &mp, &fl);

		if (n < 0) {
			if (t_errno == TNODATA)
				return true;
			if (t_errno == TLOOK) {
				if (!conn_look(k))
					return false;
				continue;
			}
			st->discons++;
			conn_end(k);
			return false;
		}
		st->rx_bytes += (uint64_t)n;
		k->k_rcvd += (uint64_t)n;
		if (cl->cl_conf.kind == YARD_TCP_CLIENT_RR || cl->cl_conf.kind == YARD_TCP_CLIENT_CRR)
			rr_take(k, mp);
		freemsg(mp);
	}
	return true;
}

/* Send len bytes of the pattern from offset off. The bytes taken, or -1 (ended or TFLOW). */
static int
conn_send(struct tcl_conn *k, uint64_t off, size_t len)
{
	struct yard_tcp_client_stats *st = k->k_cl->cl_st;
	int n = t_snd(k->k_fd, tcl_pattern + off % 26, (unsigned)len, 0);

	if (n < 0) {
		if (t_errno == TFLOW) {
			st->flow_waits++;
			return -1;
		}
		if (t_errno == TLOOK) {
			if (conn_look(k))
				k->k_again = true; /* the peer released: go round again */
			return -1;
		}
		st->discons++;
		conn_end(k);
		return -1;
	}
	st->tx_bytes += (uint64_t)n;
	if ((size_t)n < len)
		st->flow_waits++; /* the rest met flow control: T_GODATA resumes */
	return n;
}

/* Send what the kind calls for. true when there is nothing more to send at all. */
static bool
conn_produce(struct tcl_conn *k)
{
	struct tcl_client *cl = k->k_cl;
	const struct yard_tcp_client_conf *cf = &cl->cl_conf;

	switch (cf->kind) {
	case YARD_TCP_CLIENT_SOURCE:
		for (;;) {
			uint64_t left = cf->bytes > 0 ? cf->bytes - k->k_sent : UINT64_MAX;
			size_t len = (size_t)RTE_MIN(left, (uint64_t)TCL_CHUNK);
			int n;

			if (cl->cl_stopping || left == 0)
				return true;
			n = conn_send(k, k->k_sent, len);
			if (n < 0)
				return false;
			k->k_sent += (uint64_t)n;
			if ((size_t)n < len)
				return false;
		}
	case YARD_TCP_CLIENT_RR:
	case YARD_TCP_CLIENT_CRR:
		if (k->k_peer_rel)
			return true; /* no more answers can come */
		if (k->k_req_off == 0) {
			/* between transactions: stop here or start the next */
			if (cl->cl_stopping ||
			    (cf->bytes > 0 && k->k_txns * cf->size >= cf->bytes))
				return true;
			if (cf->kind == YARD_TCP_CLIENT_CRR && k->k_txns != k->k_txns0)
				return true; /* one transaction a connection */
		}
		while (k->k_req_off < cf->size) {
			int n = conn_send(k, k->k_req_off, cf->size - k->k_req_off);

			if (n < 0)
				return false;
			k->k_req_off += (uint32_t)n;
			if (k->k_req_off < cf->size)
				return false;
		}
		return false; /* the response brings us back */
	case YARD_TCP_CLIENT_SINK:
		return k->k_peer_rel || (cf->bytes > 0 && k->k_rcvd >= cf->bytes);
	}
	return true;
}

static void
conn_run(struct tcl_conn *k)
{
	struct tcl_client *cl = k->k_cl;

	if (k->k_port_wait) {
		if (cl->cl_stopping)
			conn_end(k); /* the deadline came first: nothing was asked, nothing failed */
		return;
	}
	if (!k->k_connected && !conn_complete(k)) {
		if (cl->cl_stopping && !k->k_ending) {
			/* the deadline came before the connection: give it up */
			(void)t_snddis(k->k_fd, NULL);
			cl->cl_st->connect_failures++;
			conn_end(k);
		}
		return;
	}
	if (!conn_read(k))
		return;
	if (cl->cl_conf.kind == YARD_TCP_CLIENT_SINK && cl->cl_stopping && !k->k_rel_sent) {
		/* the deadline: a reader cannot end the peer's stream, so it disconnects */
		(void)t_snddis(k->k_fd, NULL);
		cl->cl_st->aborted++;
		conn_end(k);
		return;
	}
	if (!k->k_rel_sent) {
		if (!conn_produce(k) || k->k_ending)
			return;
		if (t_sndrel(k->k_fd) < 0) {
			if (t_errno == TFLOW) {
				cl->cl_st->flow_waits++;
				return; /* T_GODATA brings us back */
			}
			cl->cl_st->discons++;
			conn_end(k);
			return;
		}
		k->k_rel_sent = true;
	}
	if (k->k_peer_rel) {
		cl->cl_st->released++;
		k->k_clean = true;
		conn_end(k);
	}
}

static void
conn_pump(struct tcl_conn *k)
{
	struct tcl_lcore *l = tcl_self();

	if (k->k_in_pump) {
		k->k_again = true;
		return;
	}
	k->k_in_pump = true;
	l->l_depth++;
	do {
		k->k_again = false;
		conn_run(k);
	} while (k->k_again && !k->k_ending);
	l->l_depth--;
	k->k_in_pump = false;
}

static void
conn_notify(int fd, int events, void *arg)
{
	(void)fd;
	(void)events;
	conn_pump(arg);
}

/* ---- starting ----------------------------------------------------------------------------- */

/* rr: one request outstanding, so Nagle would only hold a request's last segment back. */
static int
conn_nodelay(int fd)
{
	struct {
		struct t_opthdr h;
		t_uscalar_t v;
	} opt = { { sizeof(opt), T_INET_TCP, T_TCP_NODELAY, 0 }, T_YES };
	struct t_optmgmt req = { .opt = { sizeof(opt), sizeof(opt), &opt },
				 .flags = T_NEGOTIATE };
	struct t_optmgmt ret = { .opt = { sizeof(opt), 0, &opt } };

	return t_optmgmt(fd, &req, &ret);
}

/* Open and bind the connection's endpoint. -errno. */
static int
conn_open(struct tcl_conn *k)
{
	int fd = t_open(TCP_DRVNAME, O_RDWR | O_NONBLOCK, NULL);

	if (fd < 0)
		return yard_t_errno(t_errno);
	if ((k->k_cl->cl_conf.kind != YARD_TCP_CLIENT_SOURCE &&
	     k->k_cl->cl_conf.kind != YARD_TCP_CLIENT_SINK && conn_nodelay(fd) < 0) ||
	    t_bind(fd, NULL, NULL) < 0 ||
	    yard_t_set_notify(fd, T_CONNECT | T_DATA | T_ORDREL | T_DISCONNECT | T_GODATA |
			      YARD_T_ERROR, conn_notify, k) < 0) {
		int rc = yard_t_errno(t_errno);

		(void)t_close(fd);
		return rc;
	}
	k->k_fd = fd;
	k->k_cl->cl_st->active++;
	return 0;
}

/* Lower the lcore's next due instant to the one cl waits for, if it waits for one. */
static void
tcl_due(struct tcl_lcore *l, const struct tcl_client *cl)
{
	uint64_t t;

	if (!cl->cl_used || cl->cl_done)
		return;
	if (!cl->cl_started) {
		t = cl->cl_start_tsc;
	} else {
		t = cl->cl_deadline != 0 && !cl->cl_stopping ? cl->cl_deadline : UINT64_MAX;
		if (cl->cl_nwait > 0 && cl->cl_wait_due < t)
			t = cl->cl_wait_due;
	}
	if (t < l->l_next_due)
		l->l_next_due = t;
}

/* Ask for k's connection (its endpoint open and bound); one that cannot be asked ends. */
static void
conn_connect(struct tcl_conn *k)
{
	struct tcl_client *cl = k->k_cl;
	struct sockaddr_in to = {
		.sin_family = AF_INET,
		.sin_port = rte_cpu_to_be_16(cl->cl_conf.port),
		.sin_addr = { cl->cl_conf.addr },
	};
	struct t_call call = { .addr = { sizeof(to), sizeof(to), &to } };

	cl->cl_st->connects++;
	if (t_connect(k->k_fd, &call, NULL) < 0 && t_errno != TNODATA) {
		cl->cl_st->connects--;
		if (t_errno == TADDRBUSY) {
			/*
			 * Every 4-tuple to the server is held in TIME-WAIT (docs/tcp.md, "Active
			 * opens and TIME-WAIT"): they come free as TIME-WAIT ends, so wait.
			 */
			cl->cl_st->port_waits++;
			if (!k->k_port_wait) {
				k->k_port_wait = true;
				cl->cl_nwait++;
			}
			cl->cl_wait_due = rte_get_timer_cycles() +
					  TCL_PORT_WAIT_MS * rte_get_timer_hz() / 1000;
			tcl_due(tcl_self(), cl);
			return;
		}
		cl->cl_st->open_failures++;
		conn_end(k);
		return;
	}
	k->k_connecting = true;
	conn_pump(k); /* a refusal may be there already */
}

/*
 * crr, from conn_free() (the poll hook, k's endpoint just closed): if k's connection ended
 * cleanly and its run is not over, open the next one in its place. true if k goes on (the
 * new connection may itself end at once, and is then on the close list).
 */
static bool
conn_again(struct tcl_conn *k)
{
	struct tcl_client *cl = k->k_cl;
	const struct yard_tcp_client_conf *cf = &cl->cl_conf;
	struct tcl_lcore *l = tcl_self();
	int rc;

	if (cf->kind != YARD_TCP_CLIENT_CRR || !k->k_clean || cl->cl_stopping || cl->cl_done ||
	    (cf->bytes > 0 && k->k_txns * cf->size >= cf->bytes))
		return false;
	*k = (struct tcl_conn){ .k_cl = cl, .k_fd = -1, .k_txns = k->k_txns,
				.k_txns0 = k->k_txns };
	rc = conn_open(k);
	if (rc < 0) {
		cl->cl_st->open_failures++;
		TCL_LOG(WARNING, "%s: cannot open the next connection: %s", cf->name,
			strerror(-rc));
		return false;
	}
	l->l_depth++;
	conn_connect(k);
	l->l_depth--;
	return true;
}

/* Ask for every connection (the start time has come). */
static void
client_connect(struct tcl_client *cl)
{
	struct tcl_lcore *l = tcl_self();

	cl->cl_started = true;
	cl->cl_t0 = rte_get_timer_cycles();
	if (cl->cl_conf.duration_ms > 0)
		cl->cl_deadline = cl->cl_t0 + cl->cl_conf.duration_ms * rte_get_timer_hz() / 1000;
	tcl_due(l, cl);
	l->l_depth++;
	for (unsigned i = 0; i < cl->cl_conf.conns; i++) {
		struct tcl_conn *k = &cl->cl_conns[i];

		if (k->k_fd >= 0 && !k->k_ending)
			conn_connect(k);
	}
	l->l_depth--;
}

/* Ask again for the connections that met TADDRBUSY. */
static void
client_retry(struct tcl_client *cl)
{
	struct tcl_lcore *l = tcl_self();

	l->l_depth++;
	for (unsigned i = 0; i < cl->cl_conf.conns && cl->cl_nwait > 0; i++) {
		struct tcl_conn *k = &cl->cl_conns[i];

		if (!k->k_port_wait || k->k_ending)
			continue;
		k->k_port_wait = false;
		cl->cl_nwait--;
		conn_connect(k);
	}
	l->l_depth--;
}

/* Close what ended; start and stop clients on time. The walk behind tcl_poll()'s check. */
static __rte_noinline unsigned
tcl_walk(struct tcl_lcore *l)
{
	unsigned lc = (unsigned)(l - tcl_lc);
	unsigned n = 0;
	uint64_t now = 0;

	l->l_in_poll = true;
	l->l_next_due = UINT64_MAX; /* lowered again by every client that still waits */
	for (unsigned i = 0; i < YARD_TCP_CLIENT_MAX; i++) {
		struct tcl_client *cl = &tcl_clients[i];

		if (!tcl_used(cl) || cl->cl_lcore != lc || cl->cl_done)
			continue;
		if (!cl->cl_started) {
			if (now == 0)
				now = rte_get_timer_cycles();
			if (now >= cl->cl_start_tsc) {
				client_connect(cl);
				n++;
			}
		} else if (cl->cl_deadline != 0 && !cl->cl_stopping) {
			if (now == 0)
				now = rte_get_timer_cycles();
			if (now >= cl->cl_deadline) {
				cl->cl_stopping = true;
				for (unsigned c = 0; c < cl->cl_conf.conns; c++)
					if (cl->cl_conns[c].k_fd >= 0 && !cl->cl_conns[c].k_ending)
						conn_pump(&cl->cl_conns[c]);
				n++;
			}
		}
		if (cl->cl_started && cl->cl_nwait > 0) {
			if (now == 0)
				now = rte_get_timer_cycles();
			if (now >= cl->cl_wait_due) {
				client_retry(cl);
				n++;
			}
		}
		tcl_due(l, cl);
	}
	while (l->l_close != NULL) {
		struct tcl_conn *k = l->l_close;

		l->l_close = k->k_close_next;
		conn_free(k);
		n++;
	}
	l->l_in_poll = false;
	return n;
}

/* The poll hook: a walk only when something is due, so an idle pass saves no registers. */
static unsigned
tcl_poll(void *arg)
{
	struct tcl_lcore *l = arg;

	if (l->l_depth > 0 || l->l_in_poll)
		return 0;
	if (l->l_close == NULL && l->l_sched->sc_now < l->l_next_due)
		return 0; /* nothing to close, and no start or deadline has come */
	return tcl_walk(l);
}

static int
conf_check(const struct yard_tcp_client_conf *cf)
{
	if (cf->name[0] == '\0' || memchr(cf->name, '\0', sizeof(cf->name)) == NULL)
		return -EINVAL;
	if (cf->kind != YARD_TCP_CLIENT_SOURCE && cf->kind != YARD_TCP_CLIENT_SINK &&
	    cf->kind != YARD_TCP_CLIENT_RR && cf->kind != YARD_TCP_CLIENT_CRR)
		return -EINVAL;
	if (cf->addr == 0 || cf->port == 0 || cf->conns == 0 ||
	    cf->conns > YARD_TCP_CLIENT_CONNS_MAX)
		return -EINVAL;
	if ((cf->bytes == 0) == (cf->duration_ms == 0))
		return -EINVAL; /* exactly one of them */
	if ((cf->kind == YARD_TCP_CLIENT_RR || cf->kind == YARD_TCP_CLIENT_CRR) &&
	    (cf->size == 0 || cf->size > YARD_TCP_CLIENT_SIZE_MAX))
		return -EINVAL;
	return 0;
}

int
yard_tcp_client_start(const struct yard_tcp_client_conf *conf)
{
	struct tcl_lcore *l = tcl_self();
	struct tcl_client *cl = NULL;
	unsigned lc = yard_sched_self()->sc_lcore;
	int rc;

	rc = conf_check(conf);
	if (rc < 0)
		return rc;
	for (unsigned i = 0; i < YARD_TCP_CLIENT_MAX; i++)
		if (tcl_used(&tcl_clients[i]) &&
		    strcmp(tcl_clients[i].cl_conf.name, conf->name) == 0)
			return -EEXIST;
	if (tcl_pattern[0] == 0)
		for (size_t i = 0; i < sizeof(tcl_pattern); i++)
			tcl_pattern[i] = tcl_alpha[i % 26];
	if (!l->l_hooked) {
		rc = yard_sched_add_poll(yard_sched_self(), tcl_poll, l);
		if (rc < 0)
			return rc;
		l->l_hooked = true;
		l->l_sched = yard_sched_self();
	}
	cl = tcl_claim();
	if (cl == NULL)
		return -ENOSPC;
	memset(cl, 0, sizeof(*cl));
	cl->cl_conns = calloc(conf->conns, sizeof(*cl->cl_conns));
	if (cl->cl_conns == NULL) {
		tcl_set_used(cl, false);
		return -ENOMEM;
	}
	cl->cl_conf = *conf;
	cl->cl_lcore = lc;
	cl->cl_st = &tcl_stats[cl - tcl_clients];
	memset(cl->cl_st, 0, sizeof(*cl->cl_st));
	for (unsigned i = 0; i < conf->conns; i++) {
		cl->cl_conns[i].k_cl = cl;
		cl->cl_conns[i].k_fd = -1;
	}
	for (unsigned i = 0; i < conf->conns; i++) {
		rc = conn_open(&cl->cl_conns[i]);
		if (rc < 0) {
			for (unsigned j = 0; j < i; j++)
				(void)t_close(cl->cl_conns[j].k_fd);
			free(cl->cl_conns);
			cl->cl_conns = NULL;
			tcl_set_used(cl, false);
			return rc;
		}
	}
	tcl_set_used(cl, true);
	l->l_nclients++;
	cl->cl_start_tsc = rte_get_timer_cycles() + (uint64_t)conf->delay_ms *
			   rte_get_timer_hz() / 1000;
	tcl_due(l, cl);
	if (conf->delay_ms == 0)
		client_connect(cl);
	return 0;
}

static void
client_stop(struct tcl_lcore *l, struct tcl_client *cl)
{
	cl->cl_stopping = true; /* a crr run opens no next connection */
	for (unsigned i = 0; i < cl->cl_conf.conns; i++) {
		struct tcl_conn *k = &cl->cl_conns[i];

		if (k->k_fd >= 0 && !k->k_ending)
			conn_end(k);
	}
	(void)tcl_poll(l);
	free(cl->cl_conns);
	cl->cl_conns = NULL;
	l->l_nclients--;
	tcl_set_used(cl, false);
}

void
yard_tcp_clients_stop_all(void)
{
	struct tcl_lcore *l = tcl_self();
	unsigned lc = yard_sched_self()->sc_lcore;

	for (unsigned i = 0; i < YARD_TCP_CLIENT_MAX; i++)
		if (tcl_used(&tcl_clients[i]) && tcl_clients[i].cl_lcore == lc)
			client_stop(l, &tcl_clients[i]);
	if (l->l_hooked) {
		(void)yard_sched_del_poll(yard_sched_self(), tcl_poll, l);
		l->l_hooked = false;
	}
}

/* ---- counters ----------------------------------------------------------------------------- */

#define TCL_FIELDS(X) X(connects) X(connected) X(connect_failures) X(refused) X(discons) \
	X(released) X(aborted) X(open_failures) X(tx_bytes) X(rx_bytes) X(transactions) \
	X(rr_mismatch) X(flow_waits) X(port_waits) X(active) X(elapsed_us) X(done)

static void
tcl_read(const struct tcl_client *cl, struct yard_tcp_client_stats *out)
{
	const volatile struct yard_tcp_client_stats *s = cl->cl_st;

#define TCL_COPY(f) out->f = s->f;
	TCL_FIELDS(TCL_COPY)
#undef TCL_COPY
	/* while it runs, the time so far */
	if (out->done == 0 && cl->cl_t0 != 0)
		out->elapsed_us = (rte_get_timer_cycles() - cl->cl_t0) * 1000000 /
				  rte_get_timer_hz();
}

int
yard_tcp_client_stats(const char *name, struct yard_tcp_client_stats *out)
{
	for (unsigned i = 0; i < YARD_TCP_CLIENT_MAX; i++) {
		const struct tcl_client *cl = &tcl_clients[i];

		if (tcl_used(cl) && strcmp(cl->cl_conf.name, name) == 0) {
			tcl_read(cl, out);
			return 0;
		}
	}
	return -ENOENT;
}

static int
tcl_tel_fill_one(struct rte_tel_data *d, const struct tcl_client *cl)
{
	struct yard_tcp_client_stats st;
	char to[32];
	int rc;

	tcl_read(cl, &st);
	{
		const uint8_t *a = (const uint8_t *)&cl->cl_conf.addr;

		snprintf(to, sizeof(to), "%u.%u.%u.%u:%u", a[0], a[1], a[2], a[3],
			 cl->cl_conf.port);
	}
	rc = rte_tel_data_start_dict(d);
	if (rc == 0)
		rc = rte_tel_data_add_dict_string(d, "type",
						  yard_tcp_client_kind_name(cl->cl_conf.kind));
	if (rc == 0)
		rc = rte_tel_data_add_dict_string(d, "connect", to);
	if (rc == 0)
		rc = rte_tel_data_add_dict_u64(d, "lcore", cl->cl_lcore);
	if (rc == 0)
		rc = rte_tel_data_add_dict_u64(d, "conns", cl->cl_conf.conns);
#define TCL_TEL(f) if (rc == 0) rc = rte_tel_data_add_dict_u64(d, #f, st.f);
	TCL_FIELDS(TCL_TEL)
#undef TCL_TEL
	return rc;
}

static const char *
tcl_name(unsigned i)
{
	return tcl_used(&tcl_clients[i]) ? tcl_clients[i].cl_conf.name : NULL;
}

static int
tcl_tel_one(struct rte_tel_data *d, unsigned i)
{
	return tcl_tel_fill_one(d, &tcl_clients[i]);
}

int
yard_tcp_client_tel_fill(struct rte_tel_data *d)
{
	return yard_tel_named_fill(d, YARD_TCP_CLIENT_MAX, tcl_name, tcl_tel_one);
}

int
yard_tcp_client_tel_cmd(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	return yard_tel_named_cmd(d, params, YARD_TCP_CLIENT_MAX, tcl_name, tcl_tel_one);
}
