/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The memcached service on yard's sockets (see mc_service.h).
 *
 * Principles of operation
 * -----------------------
 * Each serving lcore has an epoll instance holding its listening socket and its connections,
 * and a poll hook that calls yard_epoll_wait() with timeout 0 once per scheduler pass. The
 * hook is not re-entered: yard_accept() and the other set-up calls turn the scheduler (an
 * I_STR) and so run the poll hooks again; l_depth makes the nested call return at once.
 *
 * A connection has an input buffer (16 KiB, grown up to MC_IN_MAX for a long multiget line)
 * and an output buffer (mc_obuf). On an event it alternates: run the protocol on what is
 * buffered, send what was answered, read more, until the socket has nothing more (EAGAIN) or
 * MC_READS_PER_EVENT reads were done (level-triggered epoll brings it back next pass, so one
 * busy client cannot hold the lcore). A send that meets flow control keeps the rest and the
 * connection waits for EPOLLOUT; while more than MC_OUT_HIWAT bytes wait, the protocol stops
 * executing and the connection stops reading (interest EPOLLOUT only), so a client that
 * pipelines without reading is paced by its own backlog and TCP's window.
 *
 * A connection closes on quit (after its answers are sent), on a protocol error that ends
 * it (line too long), when the client closes (recv 0: what it sent before is still
 * executed and answered), on a reset or send error, or when a buffer cannot grow.
 *
 * The table's clock is unix time derived from the TSC (no system call), whole seconds, so the
 * hook sets it only when the scheduler's pass clock (sc_now) has reached the next second: an
 * idle pass costs a compare, not a division. The table's size for telemetry can only change
 * when a command runs, so it is copied after passes that had events.
 * Items and buffers come from the C heap, in the application, not in any STREAMS procedure.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_telemetry.h>

#include <protocols/socket/yard_socket.h>
#include <streams/sched.h>

#include "app/memcache/mc_proto.h"
#include "app/memcache/mc_service.h"

#define MC_EVENTS 64
#define MC_IN_INIT (16 * 1024)
#define MC_IN_MAX (MC_GET_LINE_MAX + 16 * 1024)
#define MC_OUT_HIWAT (256 * 1024)
#define MC_READS_PER_EVENT 8
#define MC_ACCEPTS_PER_PASS 32
#define MC_LISTENER UINT32_MAX   /* epoll data of the listening socket */

struct mc_conn {
	int c_fd;                    /* -1: free */
	uint32_t c_events;           /* interest registered with epoll */
	struct mc_session c_s;
	struct mc_obuf c_out;
	char *c_in;
	size_t c_inlen, c_incap;
	bool c_eof;                  /* the client closed its side */
	struct mc_conn *c_next_free;
};

struct mc_lcore {
	bool l_running;
	unsigned l_depth;
	int l_lfd, l_epfd;
	struct mc_store *l_store;
	struct mc_server_info l_info;
	struct mc_conn *l_conns;     /* YARD_MC_CONN_MAX */
	struct mc_conn *l_free;
	struct yard_sched *l_sched;
	uint64_t l_tsc0, l_hz;       /* timer cycles (as sc_now) at l_t0, and per second */
	uint64_t l_next_sec;         /* when the clock next moves, in timer cycles */
	int64_t l_t0;
	/* read by telemetry from another thread: static memory, plain loads */
	struct mc_stats l_stats;
	struct yard_mc_svc_stats l_svc;
	uint64_t l_items, l_bytes, l_limit;
	/* the hook's events: here rather than on its stack, so an idle call sets up no frame */
	struct epoll_event l_ev[MC_EVENTS];
} __rte_cache_aligned;

static struct mc_lcore mc_lcores[RTE_MAX_LCORE];

static struct mc_lcore *
mc_self(void)
{
	return &mc_lcores[yard_sched_self()->sc_lcore];
}

/* ---- connections -------------------------------------------------------------------------- */

static void
conn_close(struct mc_lcore *l, struct mc_conn *c)
{
	(void)yard_close(c->c_fd);  /* also leaves the epoll instance */
	mc_session_fini(&c->c_s);
	mc_obuf_free(&c->c_out);
	free(c->c_in);
	c->c_in = NULL;
	c->c_fd = -1;
	c->c_next_free = l->l_free;
	l->l_free = c;
	l->l_info.sv_curr_connections--;
	l->l_svc.closed++;
}

/* Register interest in events, if it changed. false if epoll refused. */
static bool
conn_want(struct mc_lcore *l, struct mc_conn *c, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.u32 = (uint32_t)(c - l->l_conns) };

	if (c->c_events == events)
		return true;
	if (yard_epoll_ctl(l->l_epfd, EPOLL_CTL_MOD, c->c_fd, &ev) < 0)
		return false;
	c->c_events = events;
	return true;
}

/* Send what is pending: 0 all sent, 1 some kept (flow control), -1 an error. */
static int
conn_flush(struct mc_lcore *l, struct mc_conn *c)
{
	while (mc_obuf_pending(&c->c_out) > 0) {
		ssize_t n = yard_send(c->c_fd, c->c_out.ob_data + c->c_out.ob_off,
				      mc_obuf_pending(&c->c_out), MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EAGAIN) {
				l->l_svc.send_waits++;
				return 1;
			}
			return -1;
		}
		l->l_svc.bytes_written += (uint64_t)n;
		mc_obuf_sent(&c->c_out, (size_t)n);
	}
	return 0;
}

/* Execute what is buffered; the unconsumed rest moves to the front. */
static void
conn_execute(struct mc_conn *c)
{
	size_t used = mc_proto_input(&c->c_s, c->c_in, c->c_inlen, &c->c_out, MC_OUT_HIWAT);

	if (used > 0) {
		memmove(c->c_in, c->c_in + used, c->c_inlen - used);
		c->c_inlen -= used;
	}
}

/* Room to read into; false if the buffer is full and cannot grow. */
static bool
conn_room(struct mc_conn *c)
{
	char *n;

	if (c->c_inlen < c->c_incap)
		return true;
	if (c->c_incap >= MC_IN_MAX)
		return false;
	n = realloc(c->c_in, c->c_incap * 2);
	if (n == NULL)
		return false;
	c->c_in = n;
	c->c_incap *= 2;
	return true;
}

/* Serve one connection's event; returns the work done (reads). */
static unsigned
conn_event(struct mc_lcore *l, struct mc_conn *c, uint32_t events)
{
	unsigned reads = 0;

	if (events & EPOLLERR) {
		l->l_svc.closed_error++;
		conn_close(l, c);
		return 1;
	}
	for (;;) {
		int fl;

		/*
		 * Execute and send until the protocol stops making progress (it waits for more
		 * input) or the output is held by flow control: the protocol also stops at
		 * MC_OUT_HIWAT, leaving whole commands buffered that no new input will announce.
		 * So a pass that only sent (the protocol had stopped at MC_OUT_HIWAT and took
		 * nothing) is progress too: the room it made lets the next commands run. Only a
		 * pass that neither took input nor had output to send means the protocol waits.
		 */
		for (;;) {
			size_t before = c->c_inlen, out;

			conn_execute(c);
			out = mc_obuf_pending(&c->c_out);
			fl = conn_flush(l, c);
			if (fl != 0 || c->c_inlen == 0 || (c->c_inlen == before && out == 0) ||
			    c->c_s.ms_close || c->c_out.ob_failed)
				break;
		}
		if (fl < 0) {
			l->l_svc.closed_error++;
			conn_close(l, c);
			return reads + 1;
		}
		if (c->c_out.ob_failed) {
			l->l_svc.closed_nomem++;
			conn_close(l, c);
			return reads + 1;
		}
		if (c->c_s.ms_close || c->c_eof) {
			if (fl == 1 && conn_want(l, c, EPOLLOUT))
				return reads;  /* close once the answers are out */
			if (c->c_s.ms_proto_error)
				l->l_svc.closed_protocol++;
			else if (c->c_s.ms_close)
				l->l_svc.closed_quit++;
			else
				l->l_svc.closed_by_peer++;
			conn_close(l, c);
			return reads + 1;
		}
		if (mc_obuf_pending(&c->c_out) > MC_OUT_HIWAT) {
			/* stop reading until the client takes its answers */
			l->l_svc.input_paused++;
			if (!conn_want(l, c, EPOLLOUT))
				goto fail;
			return reads;
		}
		if (reads >= MC_READS_PER_EVENT)
			break;
		if (!conn_room(c)) {
			l->l_svc.closed_nomem++;
			conn_close(l, c);
			return reads + 1;
		}

		ssize_t n = yard_recv(c->c_fd, c->c_in + c->c_inlen, c->c_incap - c->c_inlen, 0);

		if (n > 0) {
			c->c_inlen += (size_t)n;
			l->l_svc.bytes_read += (uint64_t)n;
			reads++;
			continue;
		}
		if (n == 0) {
			c->c_eof = true;
			continue;
		}
		if (errno == EAGAIN)
			break;
		l->l_svc.closed_error++;
		conn_close(l, c);
		return reads + 1;
	}
	if (!conn_want(l, c, mc_obuf_pending(&c->c_out) > 0 ? EPOLLIN | EPOLLOUT : EPOLLIN))
		goto fail;
	return reads;
fail:
	l->l_svc.closed_error++;
	conn_close(l, c);
	return reads + 1;
}

/* Take the queued connections. */
static unsigned
accept_all(struct mc_lcore *l)
{
	unsigned n = 0;

	while (n < MC_ACCEPTS_PER_PASS) {
		int one = 1;
		int fd = yard_accept(l->l_lfd, NULL, NULL);
		struct mc_conn *c = l->l_free;
		struct epoll_event ev;

		if (fd < 0) {
			if (errno != EAGAIN)
				l->l_svc.accept_errors++;
			break;
		}
		n++;
		l->l_svc.accepted++;
		l->l_info.sv_total_connections++;
		if (c == NULL) {
			l->l_svc.refused++;
			(void)yard_close(fd);
			continue;
		}
		c->c_in = malloc(MC_IN_INIT);
		if (c->c_in == NULL) {
			l->l_svc.closed_nomem++;
			(void)yard_close(fd);
			continue;
		}
		/* answers go out as soon as they are made, as memcached does */
		(void)yard_setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		ev = (struct epoll_event){ .events = EPOLLIN, .data.u32 = (uint32_t)(c - l->l_conns) };
		if (yard_epoll_ctl(l->l_epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
			l->l_svc.accept_errors++;
			free(c->c_in);
			c->c_in = NULL;
			(void)yard_close(fd);
			continue;
		}
		l->l_free = c->c_next_free;
		c->c_fd = fd;
		c->c_events = EPOLLIN;
		c->c_inlen = 0;
		c->c_incap = MC_IN_INIT;
		c->c_eof = false;
		memset(&c->c_out, 0, sizeof(c->c_out));
		mc_session_init(&c->c_s, l->l_store, &l->l_info);
		l->l_info.sv_curr_connections++;
	}
	return n;
}

/* Set the table's clock to the second that began at or before now. */
static void
mc_clock(struct mc_lcore *l, uint64_t now)
{
	uint64_t secs = (now - l->l_tsc0) / l->l_hz;

	mc_store_set_time(l->l_store, l->l_t0 + (int64_t)secs);
	l->l_next_sec = l->l_tsc0 + (secs + 1) * l->l_hz;
}

/* Handle the n events the wait put in l_ev. */
static __rte_noinline unsigned
mc_events(struct mc_lcore *l, int n)
{
	const struct epoll_event *ev = l->l_ev;
	unsigned work = 0;

	for (int i = 0; i < n; i++) {
		if (ev[i].data.u32 == MC_LISTENER)
			work += accept_all(l);
		else if (ev[i].data.u32 < YARD_MC_CONN_MAX &&
			 l->l_conns[ev[i].data.u32].c_fd >= 0)
			work += conn_event(l, &l->l_conns[ev[i].data.u32], ev[i].events);
	}
	l->l_items = mc_store_items(l->l_store);
	l->l_bytes = mc_store_bytes(l->l_store);
	return work;
}

static unsigned
mc_poll(void *arg)
{
	struct mc_lcore *l = arg;
	unsigned work = 0;
	int n;

	if (l->l_depth > 0 || !l->l_running)
		return 0;
	if (unlikely(l->l_sched->sc_now >= l->l_next_sec))
		mc_clock(l, l->l_sched->sc_now);
	l->l_depth++;
	n = yard_epoll_wait(l->l_epfd, l->l_ev, MC_EVENTS, 0);
	if (n > 0)
		work = mc_events(l, n);
	l->l_depth--;
	return work;
}

/* ---- start and stop ----------------------------------------------------------------------- */

int
yard_mc_start(const struct yard_mc_conf *conf)
{
	struct mc_lcore *l = mc_self();
	struct mc_store_conf sc = { .mem_limit = conf->memory, .max_item = conf->max_item,
				    .stats = &l->l_stats };
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(conf->port) };
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = MC_LISTENER };
	int one = 1, rc;

	if (l->l_running)
		return -EALREADY;
	memset(l, 0, sizeof(*l));
	l->l_lfd = l->l_epfd = -1;
	l->l_conns = calloc(YARD_MC_CONN_MAX, sizeof(l->l_conns[0]));
	l->l_store = mc_store_create(&sc);
	if (l->l_conns == NULL || l->l_store == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	for (int i = YARD_MC_CONN_MAX - 1; i >= 0; i--) {
		l->l_conns[i].c_fd = -1;
		l->l_conns[i].c_next_free = l->l_free;
		l->l_free = &l->l_conns[i];
	}
	l->l_lfd = yard_socket(AF_INET, SOCK_STREAM, 0);
	if (l->l_lfd < 0 ||
	    yard_setsockopt(l->l_lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    yard_bind(l->l_lfd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    yard_listen(l->l_lfd, 128) < 0) {
		rc = -errno;
		goto fail;
	}
	l->l_epfd = yard_epoll_create1(0);
	if (l->l_epfd < 0 || yard_epoll_ctl(l->l_epfd, EPOLL_CTL_ADD, l->l_lfd, &ev) < 0) {
		rc = -errno;
		goto fail;
	}
	l->l_info = (struct mc_server_info){
		.sv_started = (int64_t)time(NULL),
		.sv_pid = (uint32_t)getpid(),
		.sv_threads = conf->threads,
		.sv_max_connections = YARD_MC_CONN_MAX,
	};
	l->l_sched = yard_sched_self();
	l->l_t0 = l->l_info.sv_started;
	l->l_tsc0 = rte_get_timer_cycles();
	l->l_hz = rte_get_timer_hz();
	l->l_limit = conf->memory;
	mc_clock(l, l->l_tsc0);
	rc = yard_sched_add_poll(yard_sched_self(), mc_poll, l);
	if (rc < 0)
		goto fail;
	l->l_running = true;
	return 0;
fail:
	if (l->l_epfd >= 0)
		(void)yard_close(l->l_epfd);
	if (l->l_lfd >= 0)
		(void)yard_close(l->l_lfd);
	mc_store_destroy(l->l_store);
	free(l->l_conns);
	l->l_store = NULL;
	l->l_conns = NULL;
	return rc < 0 ? rc : -EIO;
}

void
yard_mc_stop(void)
{
	struct mc_lcore *l = mc_self();

	if (!l->l_running)
		return;
	(void)yard_sched_del_poll(yard_sched_self(), mc_poll, l);
	l->l_running = false;
	for (unsigned i = 0; i < YARD_MC_CONN_MAX; i++)
		if (l->l_conns[i].c_fd >= 0)
			conn_close(l, &l->l_conns[i]);
	(void)yard_close(l->l_lfd);
	(void)yard_close(l->l_epfd);
	mc_store_destroy(l->l_store);
	free(l->l_conns);
	l->l_store = NULL;
	l->l_conns = NULL;
	l->l_items = l->l_bytes = 0;
}

/* ---- telemetry ---------------------------------------------------------------------------- */

static const char *const mc_svc_names[] = {
#define MC_SVC_STAT(f, help) #f,
#include "app/memcache/mc_service.def"
#undef MC_SVC_STAT
};

int
yard_mc_tel_cmd(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct mc_stats sum = { 0 };
	uint64_t *st = (uint64_t *)&sum; /* the struct is MC_STATS_COUNT uint64_t in a row */
	uint64_t svc[RTE_DIM(mc_svc_names)] = { 0 };
	uint64_t items = 0, bytes = 0, limit = 0, curr = 0;
	unsigned lo = 0, hi = RTE_MAX_LCORE;

	(void)cmd;
	if (params != NULL && *params != '\0') {
		char *end;
		long lc = strtol(params, &end, 10);

		if (end == params || *end != '\0' || lc < 0 || lc >= RTE_MAX_LCORE)
			return -EINVAL;
		lo = (unsigned)lc;
		hi = lo + 1;
	}
	for (unsigned lc = lo; lc < hi; lc++) {
		const struct mc_lcore *l = &mc_lcores[lc];
		const uint64_t *a = (const uint64_t *)&l->l_stats;
		const uint64_t *b = (const uint64_t *)&l->l_svc;

		for (unsigned i = 0; i < MC_STATS_COUNT; i++)
			st[i] += a[i];
		for (unsigned i = 0; i < RTE_DIM(svc); i++)
			svc[i] += b[i];
		items += l->l_items;
		bytes += l->l_bytes;
		limit += l->l_limit;
		curr += l->l_info.sv_curr_connections;
	}
	rte_tel_data_start_dict(d);
	/* the figures the issue names first, then every counter by its own name */
	rte_tel_data_add_dict_u64(d, "connections", curr);
	rte_tel_data_add_dict_u64(d, "commands", sum.commands);
	rte_tel_data_add_dict_u64(d, "hits", sum.get_hits);
	rte_tel_data_add_dict_u64(d, "misses", sum.get_misses);
	rte_tel_data_add_dict_u64(d, "evictions", sum.evictions);
	rte_tel_data_add_dict_u64(d, "bytes", bytes);
	rte_tel_data_add_dict_u64(d, "items", items);
	rte_tel_data_add_dict_u64(d, "limit_maxbytes", limit);
	for (unsigned i = 0; i < RTE_DIM(svc); i++)
		rte_tel_data_add_dict_u64(d, mc_svc_names[i], svc[i]);
	for (unsigned i = 1; i < MC_STATS_COUNT; i++) {
		const char *name, *help;

		mc_stats_name(i, &name, &help);
		if (strcmp(name, "evictions") != 0)
			rte_tel_data_add_dict_u64(d, name, st[i]);
	}
	return 0;
}
