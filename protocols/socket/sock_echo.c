/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Echo over the sockets API (sock_echo.h): the sockets example of docs/sockets.md.
 *
 * Everything runs from one poll hook per lcore (se_poll), which asks the lcore's epoll
 * instance what is ready (timeout 0: it never turns the scheduler itself, it is part of its
 * turn) and serves it. Closing from there is allowed, where an XTI callback may not close its
 * own endpoint: the readiness API decouples the stream head's events from the application.
 * Per-connection state is one held message (a send flow control refused) and a flag, indexed
 * by the descriptor.
 */
#include <errno.h>
#include <string.h>

#include <rte_lcore.h>

#include <protocols/xti/xti.h>
#include <streams/stream.h>

#include "sock_echo.h"
#include "yard_socket.h"

/* Events one turn of the hook takes. */
#define SE_BURST 32

struct se_lcore {
	bool l_running;
	int l_ep, l_lfd, l_ufd;
	unsigned l_nconns;
	struct yard_sock_echo_stats *l_st;
};

static struct se_lcore se_lc[RTE_MAX_LCORE];
static struct yard_sock_echo_stats se_stats[RTE_MAX_LCORE];
/* Per connection, by descriptor (descriptors are global, each used by one lcore). */
static mblk_t *se_held[YARD_T_MAX_FDS];
static bool se_mine[YARD_T_MAX_FDS]; /* a connection of this service (other services share the
					lcore and the descriptor space) */

static struct se_lcore *
se_self(void)
{
	unsigned lc = rte_lcore_id();

	return &se_lc[lc < RTE_MAX_LCORE ? lc : 0];
}

static void
se_interest(struct se_lcore *l, int fd, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.fd = fd };

	(void)yard_epoll_ctl(l->l_ep, EPOLL_CTL_MOD, fd, &ev);
}

static void
se_close(struct se_lcore *l, int fd, bool error)
{
	freemsg(se_held[fd]);
	se_held[fd] = NULL;
	se_mine[fd] = false;
	(void)yard_close(fd); /* leaves the epoll instance too */
	l->l_nconns--;
	l->l_st->closed++;
	if (error)
		l->l_st->resets++;
}

/* Send mp back; false when flow control kept it (held, reading stops until EPOLLOUT). */
static bool
se_send(struct se_lcore *l, int fd, mblk_t *mp)
{
	size_t len = msgdsize(mp);

	if (yard_sendto_mblk(fd, mp, 0, NULL, 0) >= 0) {
		l->l_st->tx_bytes += len;
		return true;
	}
	if (errno == EAGAIN) {
		se_held[fd] = mp;
		l->l_st->flow_waits++;
		se_interest(l, fd, EPOLLOUT);
		return false;
	}
	freemsg(mp); /* EPIPE: the peer reset; the read side will tell */
	return true;
}

static void
se_conn(struct se_lcore *l, int fd, uint32_t events)
{
	mblk_t *mp;
	ssize_t n;

	if (se_held[fd] != NULL) {
		if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
			return;
		mp = se_held[fd];
		se_held[fd] = NULL;
		if (!se_send(l, fd, mp))
			return;
		se_interest(l, fd, EPOLLIN | EPOLLRDHUP);
	}
	for (;;) {
		n = yard_recvfrom_mblk(fd, &mp, 0, NULL, NULL);
		if (n > 0) {
			l->l_st->rx_bytes += (uint64_t)n;
			if (!se_send(l, fd, mp))
				return;
			continue;
		}
		if (n == 0) {
			freemsg(mp);
			se_close(l, fd, false); /* the peer released: so do we, after our data */
			return;
		}
		if (errno != EAGAIN)
			se_close(l, fd, true);
		return;
	}
}

static void
se_accept(struct se_lcore *l)
{
	int fd;

	while ((fd = yard_accept(l->l_lfd, NULL, NULL)) >= 0) {
		struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP, .data.fd = fd };

		if (l->l_nconns >= YARD_SOCK_ECHO_CONN_MAX ||
		    yard_epoll_ctl(l->l_ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
			l->l_st->refused++;
			(void)yard_close(fd);
			continue;
		}
		se_mine[fd] = true;
		l->l_nconns++;
		l->l_st->accepted++;
	}
}

static void
se_datagrams(struct se_lcore *l)
{
	struct sockaddr_in from;
	socklen_t fl;
	mblk_t *mp;
	ssize_t n;

	for (;;) {
		fl = sizeof(from);
		n = yard_recvfrom_mblk(l->l_ufd, &mp, 0, (struct sockaddr *)&from, &fl);
		if (n < 0)
			return; /* EAGAIN, or an error indication taken */
		l->l_st->rx_bytes += (uint64_t)n;
		if (yard_sendto_mblk(l->l_ufd, mp, 0, (struct sockaddr *)&from, fl) < 0) {
			freemsg(mp);
			l->l_st->dgram_drops++;
			continue;
		}
		l->l_st->datagrams++;
		l->l_st->tx_bytes += (uint64_t)n;
	}
}

static unsigned
se_poll(void *arg)
{
	struct se_lcore *l = arg;
	struct epoll_event evs[SE_BURST];
	int n = yard_epoll_wait(l->l_ep, evs, SE_BURST, 0);

	for (int i = 0; i < n; i++) {
		int fd = evs[i].data.fd;

		if (fd == l->l_lfd)
			se_accept(l);
		else if (fd == l->l_ufd)
			se_datagrams(l);
		else
			se_conn(l, fd, evs[i].events);
	}
	return n > 0 ? (unsigned)n : 0;
}

static int
se_socket(int type, uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = yard_socket(AF_INET, type, 0), one = 1;

	if (fd < 0)
		return -errno;
	(void)yard_setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (yard_bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    (type == SOCK_STREAM && yard_listen(fd, 128) < 0)) {
		int err = errno;

		(void)yard_close(fd);
		return -err;
	}
	return fd;
}

int
yard_sock_echo_start(uint16_t port)
{
	struct se_lcore *l = se_self();
	struct epoll_event ev = { .events = EPOLLIN };
	int rc;

	if (l->l_running)
		return -EALREADY;
	l->l_st = &se_stats[rte_lcore_id() < RTE_MAX_LCORE ? rte_lcore_id() : 0];
	l->l_lfd = l->l_ufd = -1;
	l->l_nconns = 0;
	l->l_ep = yard_epoll_create1(0);
	if (l->l_ep < 0)
		return -errno;
	rc = se_socket(SOCK_STREAM, port);
	if (rc < 0)
		goto fail;
	l->l_lfd = rc;
	rc = se_socket(SOCK_DGRAM, port);
	if (rc < 0)
		goto fail;
	l->l_ufd = rc;
	ev.data.fd = l->l_lfd;
	if (yard_epoll_ctl(l->l_ep, EPOLL_CTL_ADD, l->l_lfd, &ev) < 0)
		goto fail_errno;
	ev.data.fd = l->l_ufd;
	if (yard_epoll_ctl(l->l_ep, EPOLL_CTL_ADD, l->l_ufd, &ev) < 0)
		goto fail_errno;
	rc = yard_sched_add_poll(yard_sched_self(), se_poll, l);
	if (rc < 0)
		goto fail;
	l->l_running = true;
	return 0;
fail_errno:
	rc = -errno;
fail:
	if (l->l_lfd >= 0)
		(void)yard_close(l->l_lfd);
	if (l->l_ufd >= 0)
		(void)yard_close(l->l_ufd);
	(void)yard_close(l->l_ep);
	return rc;
}

void
yard_sock_echo_stop_all(void)
{
	struct se_lcore *l = se_self();

	if (!l->l_running)
		return;
	(void)yard_sched_del_poll(yard_sched_self(), se_poll, l);
	for (int fd = 0; fd < YARD_T_MAX_FDS && l->l_nconns > 0; fd++) {
		struct stdata *sd = yard_sock_stream(fd);

		if (se_mine[fd] && sd != NULL && sd->sd_sched == yard_sched_self())
			se_close(l, fd, false);
	}
	(void)yard_close(l->l_lfd);
	(void)yard_close(l->l_ufd);
	(void)yard_close(l->l_ep);
	l->l_running = false;
}

void
yard_sock_echo_stats(struct yard_sock_echo_stats *out, int lcore)
{
	memset(out, 0, sizeof(*out));
	for (int lc = 0; lc < RTE_MAX_LCORE; lc++) {
		const volatile struct yard_sock_echo_stats *s = &se_stats[lc];

		if (lcore >= 0 && lc != lcore)
			continue;
		out->accepted += s->accepted;
		out->refused += s->refused;
		out->closed += s->closed;
		out->resets += s->resets;
		out->rx_bytes += s->rx_bytes;
		out->tx_bytes += s->tx_bytes;
		out->flow_waits += s->flow_waits;
		out->datagrams += s->datagrams;
		out->dgram_drops += s->dgram_drops;
	}
}

unsigned
yard_sock_echo_conns(void)
{
	return se_self()->l_nconns;
}
