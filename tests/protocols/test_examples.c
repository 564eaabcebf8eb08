/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The echo server of docs/sockets.md, in XTI (docs/examples/echo_xti.c) and in sockets
 * (docs/examples/echo_sock.c), driven the same way through the TCP stack: both must echo,
 * release after the peer and serve several connections; and docs/sockets.md must show the
 * code as it is in the files.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <protocols/tcp_hdr.h>

#include "echo.h"
#include "sock_test.h"

TestSuite(examples, .init = yt_setup, .fini = yt_teardown);

struct example {
	int (*start)(uint16_t port);
	void (*poll)(void);
	void (*stop)(void);
};

/* A turn of the application's loop: the example's poll, then the stack. */
static void
turn(const struct example *ex)
{
	for (int i = 0; i < 3; i++) {
		ex->poll();
		yt_drain();
	}
}

static void
drive(const struct example *ex)
{
	struct tt_seg s;
	uint32_t iss[2];

	tt_open();
	cr_assert_eq(ex->start(7), 0);
	tt_lport = 7;
	for (int c = 0; c < 2; c++) {
		tt_fport = (uint16_t)(PEER_PORT + c);
		tt_send(TH_SYN, 1000, 0, 65535, NULL, 0, NULL, 0);
		cr_assert(tt_take(&s));
		cr_assert_eq(s.flags, TH_SYN | TH_ACK);
		iss[c] = s.seq;
		tt_send(TH_ACK, 1001, iss[c] + 1, 65535, NULL, 0, NULL, 0);
	}
	turn(ex);
	for (int c = 0; c < 2; c++) {
		tt_fport = (uint16_t)(PEER_PORT + c);
		tt_send(TH_ACK | TH_PSH, 1001, iss[c] + 1, 65535, NULL, 0, c ? "pong" : "ping", 4);
		turn(ex);
		cr_assert(st_take_flags(&s, TH_ACK | TH_PSH), "connection %d: the echo", c);
		cr_assert_eq(s.dlen, 4);
		cr_assert_eq(memcmp(s.data, c ? "pong" : "ping", 4), 0);
		tt_send(TH_ACK | TH_FIN, 1005, iss[c] + 5, 65535, NULL, 0, NULL, 0);
		turn(ex);
		cr_assert(st_take_flags(&s, TH_FIN), "connection %d: released in turn", c);
		tt_send(TH_ACK, 1006, s.seq + 1, 65535, NULL, 0, NULL, 0);
	}
	ex->stop();
	st_done();
}

YT_TEST(examples, the_xti_echo_echoes_and_releases)
{
	const struct example ex = { echo_xti_start, echo_xti_poll, echo_xti_stop };

	drive(&ex);
}

YT_TEST(examples, the_socket_echo_echoes_and_releases)
{
	const struct example ex = { echo_sock_start, echo_sock_poll, echo_sock_stop };

	drive(&ex);
}

/* The whole file, NUL terminated (malloc'ed). */
static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	cr_assert_not_null(f, "%s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	cr_assert_not_null(buf);
	cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void
shown_in_docs(const char *example)
{
	char *doc = slurp(YARD_SOURCE_ROOT "/docs/sockets.md"), *src, *b, *e;
	char path[512];

	snprintf(path, sizeof(path), "%s/docs/examples/%s", YARD_SOURCE_ROOT, example);
	src = slurp(path);
	b = strstr(src, "/* doc: begin */\n");
	e = strstr(src, "/* doc: end */");
	cr_assert(b != NULL && e != NULL && e > b, "%s: markers", example);
	b += strlen("/* doc: begin */\n");
	*e = '\0';
	cr_assert_not_null(strstr(doc, b), "docs/sockets.md shows %s as it is", example);
	free(src);
	free(doc);
}

YT_TEST(examples, docs_show_both_as_they_are)
{
	shown_in_docs("echo_xti.c");
	shown_in_docs("echo_sock.c");
}
