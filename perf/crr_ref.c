/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The kernel's side of perf/tcp_bench.py's connections-per-second benchmark: what yard's crr
 * client and TCP echo service do, written on Linux sockets, so the kernel over lo can be
 * measured doing the same work in the same invocation.
 *
 *   yard-crr-ref server ADDR PORT
 *       an echo server: accepts, sends back what it reads, and closes when the peer has
 *       released (read returns 0), as yard's tcp_echo does;
 *   yard-crr-ref client ADDR PORT SIZE SECS CONNS
 *       CONNS connections at once, each one connection after another for SECS seconds: connect,
 *       a request of SIZE bytes, the response of SIZE bytes (compared with the request),
 *       shutdown(SHUT_WR) first (the client holds TIME-WAIT, as yard's crr client does), the
 *       server's end, close. Prints one line:
 *       "connections=N transactions=N mismatches=N port_waits=N secs=S cps=X".
 *
 * One thread each, non-blocking sockets under epoll (level triggered), so each program is one
 * CPU's work as each yard is one lcore's. A connect that finds no free port (EADDRNOTAVAIL:
 * every ephemeral 4-tuple in TIME-WAIT) is tried again a millisecond later and counted, as the
 * crr client's port_waits.
 */
#define _GNU_SOURCE /* accept4 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAXSIZE 65536
#define MAXCONNS 1024

static char pattern[MAXSIZE];
static char buf[MAXSIZE];

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
die(const char *what)
{
	perror(what);
	exit(1);
}

static struct sockaddr_in
addr_of(const char *a, const char *p)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(p)) };

	if (inet_pton(AF_INET, a, &sin.sin_addr) != 1) {
		fprintf(stderr, "crr-ref: '%s' is not an IPv4 address\n", a);
		exit(2);
	}
	return sin;
}

static __attribute__((noreturn)) void
server(struct sockaddr_in sin)
{
	int one = 1, ep = epoll_create1(0);
	int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = ls }, evs[64];

	if (ls < 0 || ep < 0)
		die("socket");
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(ls, (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(ls, 4096) < 0)
		die("bind/listen");
	epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		int n = epoll_wait(ep, evs, 64, -1);

		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd == ls) {
				int c;

				/*
				 * Blocking: a read comes only when epoll says there is data, and a
				 * write of a large response waits for the socket to take it all.
				 */
				while ((c = accept4(ls, NULL, NULL, 0)) >= 0) {
					setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
					ev = (struct epoll_event){ .events = EPOLLIN, .data.fd = c };
					epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
				}
				continue;
			}
			ssize_t r = read(fd, buf, sizeof(buf));

			if (r > 0) {
				if (write(fd, buf, (size_t)r) != r)
					close(fd);
			} else {
				close(fd); /* the peer released (or failed): done, as tcp_echo */
			}
		}
	}
}

struct conn {
	int fd;
	int state;      /* 0 connecting or sending, 1 awaiting the response, 2 released */
	size_t sent;    /* request bytes written */
	size_t got;
	bool bad;
	double wait_until; /* > 0: no port was free; connect again then */
};

static struct {
	unsigned long conns, txns, mismatches, port_waits, failures;
} st;

static int ep;
static struct sockaddr_in to;
static size_t size;

/* Start the next connection in slot c (its fd -1). */
static void
conn_start(struct conn *c)
{
	int one = 1;
	struct epoll_event ev;

	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (c->fd < 0)
		die("socket");
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(c->fd, (struct sockaddr *)&to, sizeof(to)) < 0 && errno != EINPROGRESS) {
		if (errno != EADDRNOTAVAIL)
			die("connect");
		close(c->fd);
		c->fd = -1;
		st.port_waits++;
		c->wait_until = now_s() + 0.001;
		return;
	}
	c->state = 0;
	c->sent = 0;
	c->got = 0;
	c->bad = false;
	c->wait_until = 0;
	ev = (struct epoll_event){ .events = EPOLLOUT, .data.ptr = c };
	epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
}

/* Events on c. true when its connection is over (closed). */
static bool
conn_event(struct conn *c)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
	int err = 0;
	socklen_t len = sizeof(err);
	ssize_t r;

	switch (c->state) {
	case 0:
		if (c->sent == 0)
			getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
		r = err != 0 ? -1 : write(c->fd, pattern + c->sent, size - c->sent);
		if (r < 0 && err == 0 && errno == EAGAIN)
			return false;
		if (r < 0) {
			st.failures++;
			close(c->fd);
			return true;
		}
		c->sent += (size_t)r;
		if (c->sent < size)
			return false; /* the rest when the socket takes it (EPOLLOUT) */
		c->state = 1;
		epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
		return false;
	case 1:
		r = read(c->fd, buf, size - c->got);
		if (r <= 0) {
			if (r < 0 && errno == EAGAIN)
				return false;
			st.failures++;
			close(c->fd);
			return true;
		}
		if (memcmp(buf, pattern + c->got, (size_t)r) != 0)
			c->bad = true;
		c->got += (size_t)r;
		if (c->got == size) {
			st.txns++;
			st.mismatches += c->bad;
			shutdown(c->fd, SHUT_WR);
			c->state = 2;
		}
		return false;
	default:
		r = read(c->fd, buf, sizeof(buf));
		if (r < 0 && errno == EAGAIN)
			return false;
		if (r == 0)
			st.conns++;
		else
			st.failures++;
		close(c->fd);
		return true;
	}
}

static int
client(int argc, char **argv)
{
	double secs = atof(argv[5]), t0, t, end;
	unsigned nconns = (unsigned)atoi(argv[6]);
	static struct conn cs[MAXCONNS];
	struct epoll_event evs[64];
	bool stopping = false;
	unsigned open = 0;

	(void)argc;
	size = (size_t)atol(argv[4]);
	if (size == 0 || size > MAXSIZE || nconns == 0 || nconns > MAXCONNS || secs <= 0) {
		fprintf(stderr, "crr-ref: SIZE 1..%d, CONNS 1..%d, SECS > 0\n", MAXSIZE, MAXCONNS);
		return 2;
	}
	for (size_t i = 0; i < sizeof(pattern); i++)
		pattern[i] = (char)('a' + i % 26);
	ep = epoll_create1(0);
	t0 = now_s();
	end = t0 + secs;
	for (unsigned i = 0; i < nconns; i++) {
		conn_start(&cs[i]);
		open++;
	}
	while (open > 0) {
		int n = epoll_wait(ep, evs, 64, 1);

		t = now_s();
		stopping |= t >= end;
		for (int i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;

			if (!conn_event(c))
				continue;
			c->fd = -1;
			if (stopping)
				open--;
			else
				conn_start(c);
		}
		for (unsigned i = 0; i < nconns; i++) {
			struct conn *c = &cs[i];

			if (c->fd >= 0 || c->wait_until == 0)
				continue;
			if (stopping) {
				c->wait_until = 0;
				open--;
			} else if (t >= c->wait_until) {
				conn_start(c);
			}
		}
	}
	t = now_s() - t0;
	printf("connections=%lu transactions=%lu mismatches=%lu port_waits=%lu failures=%lu "
	       "secs=%.3f cps=%.0f\n", st.conns, st.txns, st.mismatches, st.port_waits,
	       st.failures, t, (double)st.conns / t);
	return st.failures != 0 || st.mismatches != 0;
}

int
main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "server") == 0)
		server(addr_of(argv[2], argv[3]));
	if (argc == 7 && strcmp(argv[1], "client") == 0) {
		to = addr_of(argv[2], argv[3]);
		return client(argc, argv);
	}
	fprintf(stderr, "usage: yard-crr-ref server ADDR PORT\n"
			"       yard-crr-ref client ADDR PORT SIZE SECS CONNS\n");
	return 2;
}
