/* SPDX-License-Identifier: BSD-3-Clause */
/* The small TCP echo server of docs/sockets.md, with the sockets API (see echo.h). */
#include <errno.h>

#include <protocols/socket/yard_socket.h>

#include "echo.h"

static int ep = -1, lfd = -1;

/* doc: begin */
int
echo_sock_start(uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct epoll_event ev = { .events = EPOLLIN };

	lfd = yard_socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || yard_bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    yard_listen(lfd, 16) < 0)
		return -1; /* errno: EADDRINUSE, ... */
	ep = yard_epoll_create1(0);
	ev.data.fd = lfd;
	return yard_epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
}

/* One turn: serve the sockets that are ready, and only those. */
void
echo_sock_poll(void)
{
	struct epoll_event evs[16];
	int n = yard_epoll_wait(ep, evs, 16, 0);

	for (int i = 0; i < n; i++) {
		int fd = evs[i].data.fd, c;
		char buf[2048];
		ssize_t r;

		if (fd == lfd) {
			while ((c = yard_accept(lfd, NULL, NULL)) >= 0) {
				struct epoll_event ev = { .events = EPOLLIN, .data.fd = c };

				yard_epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
			}
			continue;
		}
		while ((r = yard_recv(fd, buf, sizeof(buf), 0)) > 0)
			yard_send(fd, buf, r, 0); /* EAGAIN would lose data: see sock_echo.c */
		if (r == 0 || errno != EAGAIN)
			yard_close(fd); /* the peer is done (0), or reset (ECONNRESET) */
	}
}
/* doc: end */

/* Close every socket of the lcore: the example is alone there (in its test). */
void
echo_sock_stop(void)
{
	for (int fd = 0; fd < YARD_EPOLL_FD_BASE; fd++)
		if (fd != lfd && yard_sock_stream(fd) != NULL)
			yard_close(fd);
	if (lfd >= 0)
		yard_close(lfd);
	if (ep >= 0)
		yard_close(ep);
	lfd = ep = -1;
}
