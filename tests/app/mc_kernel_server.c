/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The memcached text protocol (app/memcache/) served over kernel sockets with poll(2): a test
 * tool, not part of yard. It lets tests/app/mc_memcapable.sh run Debian's memcapable against
 * the protocol code alone, on 127.0.0.1, without root, EAL or yard's TCP, so a conformance
 * failure points at mc_proto.c/mc_store.c and not at the transport.
 *
 * Usage: mc_kernel_server PORT [MEMORY_BYTES]; prints "ready" once listening, stops on
 * SIGTERM/SIGINT.
 */
#define _GNU_SOURCE  /* accept4 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "app/memcache/mc_proto.h"

#define MAXC 64
#define INBUF (MC_GET_LINE_MAX + 4096)

struct kconn {
	int fd;
	struct mc_session s;
	struct mc_obuf out;
	char *in;
	size_t inlen;
};

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void
kconn_close(struct kconn *c)
{
	mc_session_fini(&c->s);
	mc_obuf_free(&c->out);
	free(c->in);
	close(c->fd);
	c->fd = -1;
}

/* Read what is there, run it, write what can be written; false when the connection ends. */
static bool
kconn_io(struct kconn *c, short revents)
{
	if (revents & (POLLIN | POLLHUP | POLLERR)) {
		ssize_t n = read(c->fd, c->in + c->inlen, INBUF - c->inlen);

		if (n <= 0)
			return n < 0 && errno == EAGAIN;
		c->inlen += (size_t)n;
	}
	for (;;) {
		size_t used = mc_proto_input(&c->s, c->in, c->inlen, &c->out, 256 * 1024);

		memmove(c->in, c->in + used, c->inlen - used);
		c->inlen -= used;
		while (mc_obuf_pending(&c->out) > 0) {
			ssize_t w = write(c->fd, c->out.ob_data + c->out.ob_off,
					  mc_obuf_pending(&c->out));

			if (w < 0 && errno == EAGAIN)
				return true;
			if (w <= 0)
				return false;
			mc_obuf_sent(&c->out, (size_t)w);
		}
		if (c->s.ms_close)
			return false;
		if (used == 0)
			return true;
	}
}

int
main(int argc, char **argv)
{
	static struct kconn conns[MAXC];
	struct mc_store_conf conf = { .mem_limit = 64u << 20, .max_item = 1u << 20 };
	struct mc_server_info info = { .sv_threads = 1, .sv_max_connections = MAXC };
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct mc_store *st;
	int one = 1, lfd;

	if (argc < 2) {
		fprintf(stderr, "usage: %s PORT [MEMORY_BYTES]\n", argv[0]);
		return 2;
	}
	if (argc > 2)
		conf.mem_limit = strtoull(argv[2], NULL, 10);
	sa.sin_port = htons((uint16_t)atoi(argv[1]));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGPIPE, SIG_IGN);
	st = mc_store_create(&conf);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (st == NULL || lfd < 0 ||
	    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 64) < 0) {
		perror("mc_kernel_server");
		return 1;
	}
	info.sv_pid = (uint32_t)getpid();
	info.sv_started = time(NULL);
	for (int i = 0; i < MAXC; i++)
		conns[i].fd = -1;
	printf("ready\n");
	fflush(stdout);
	while (!stop) {
		struct pollfd pf[MAXC + 1];
		int map[MAXC + 1], n = 0;

		pf[n] = (struct pollfd){ .fd = lfd, .events = POLLIN };
		map[n++] = -1;
		for (int i = 0; i < MAXC; i++) {
			if (conns[i].fd < 0)
				continue;
			pf[n] = (struct pollfd){ .fd = conns[i].fd, .events = POLLIN };
			if (mc_obuf_pending(&conns[i].out) > 0)
				pf[n].events |= POLLOUT;
			map[n++] = i;
		}
		if (poll(pf, (nfds_t)n, 200) <= 0)
			continue;
		mc_store_set_time(st, time(NULL));
		for (int k = 1; k < n; k++) {
			struct kconn *c = &conns[map[k]];

			if (pf[k].revents != 0 && !kconn_io(c, pf[k].revents)) {
				kconn_close(c);
				info.sv_curr_connections--;
			}
		}
		if (pf[0].revents & POLLIN) {
			int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
			int i = 0;

			while (i < MAXC && conns[i].fd >= 0)
				i++;
			if (fd >= 0 && i == MAXC) {
				close(fd);
			} else if (fd >= 0) {
				setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
				conns[i].fd = fd;
				conns[i].in = malloc(INBUF);
				conns[i].inlen = 0;
				memset(&conns[i].out, 0, sizeof(conns[i].out));
				mc_session_init(&conns[i].s, st, &info);
				info.sv_curr_connections++;
				info.sv_total_connections++;
			}
		}
	}
	for (int i = 0; i < MAXC; i++)
		if (conns[i].fd >= 0)
			kconn_close(&conns[i]);
	mc_store_destroy(st);
	close(lfd);
	return 0;
}
