/* SPDX-License-Identifier: BSD-3-Clause */
/* The small TCP echo server of docs/sockets.md, with XTI (see echo.h). */
#include <netinet/in.h>

#include <protocols/xti/xti.h>

#include "echo.h"

#define MAXCONN 64

static int lfd = -1, conns[MAXCONN], nconns;

/* doc: begin */
int
echo_xti_start(uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct t_bind req = { .addr = { sizeof(sin), sizeof(sin), &sin }, .qlen = 16 };

	lfd = t_open("tcp", O_RDWR | O_NONBLOCK, NULL);
	if (lfd < 0 || t_bind(lfd, &req, NULL) < 0)
		return -1; /* t_errno: TADDRBUSY, ... */
	return 0;
}

/* One turn: take the connections that wait, echo what came, end what ended. */
void
echo_xti_poll(void)
{
	struct sockaddr_in peer;
	struct t_call call = { .addr = { sizeof(peer), 0, &peer } };

	for (;;) {
		int fd;

		if (t_listen(lfd, &call) < 0) {
			if (t_errno == TLOOK && t_rcvdis(lfd, NULL) == 0)
				continue; /* the peer gave up while it waited */
			break;    /* TNODATA */
		}
		fd = nconns < MAXCONN ? t_open("tcp", O_RDWR | O_NONBLOCK, NULL) : -1;
		if (fd < 0 || t_accept(lfd, fd, &call) < 0) {
			if (fd >= 0)
				t_close(fd);
			t_snddis(lfd, &call); /* refuse it */
			continue;
		}
		conns[nconns++] = fd;
	}
	/* XTI has no readiness set: look at every connection (or use yard_t_set_notify). */
	for (int i = 0; i < nconns; i++) {
		int fd = conns[i], n, flags;
		char buf[2048];

		while ((n = t_rcv(fd, buf, sizeof(buf), &flags)) > 0)
			t_snd(fd, buf, n, 0); /* TFLOW would lose data: see tcp_services.c */
		if (n < 0 && t_errno == TLOOK) {
			if (t_look(fd) == T_ORDREL) {
				t_rcvrel(fd); /* the peer is done: so are we */
				t_sndrel(fd);
			} else {
				t_rcvdis(fd, NULL); /* reset */
			}
			t_close(fd);
			conns[i--] = conns[--nconns];
		}
	}
}
/* doc: end */

void
echo_xti_stop(void)
{
	while (nconns > 0)
		t_close(conns[--nconns]);
	if (lfd >= 0)
		t_close(lfd);
	lfd = -1;
}
