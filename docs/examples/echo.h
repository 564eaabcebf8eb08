/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The small TCP echo server of docs/sockets.md, written twice: with XTI (echo_xti.c) and with
 * the sockets API (echo_sock.c). Each starts on a port of the calling lcore and then serves
 * from a function the application calls every turn of its loop (a poll hook). They are
 * compiled and driven through the same test (tests/protocols/test_examples.c), which also
 * checks that docs/sockets.md shows them as they are.
 */
#ifndef YARD_DOCS_EXAMPLES_ECHO_H
#define YARD_DOCS_EXAMPLES_ECHO_H

#include <stdint.h>

int echo_xti_start(uint16_t port);
void echo_xti_poll(void);
void echo_xti_stop(void);

int echo_sock_start(uint16_t port);
void echo_sock_poll(void);
void echo_sock_stop(void);

#endif
