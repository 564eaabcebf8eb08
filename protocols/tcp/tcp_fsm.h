/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TCP state machine's predicates (RFC 9293 3.3.2) and sequence arithmetic (RFC 9293 3.4,
 * modulo 2^32). States are TCPS_* from protocols/tcp.h.
 */
#ifndef YARD_PROTOCOLS_TCP_FSM_H
#define YARD_PROTOCOLS_TCP_FSM_H

#include <stdint.h>

#include <protocols/tcp.h>

#define TCP_NSTATES 11

/* Synchronized states: a SYN has been received (RFC 9293 3.5.2 uses the term). */
#define TCPS_HAVERCVDSYN(s) ((s) >= TCPS_SYN_RECEIVED)
#define TCPS_HAVEESTABLISHED(s) ((s) >= TCPS_ESTABLISHED)
/* The peer's FIN has been received: no more data can arrive. */
#define TCPS_HAVERCVDFIN(s) ((s) == TCPS_CLOSE_WAIT || (s) == TCPS_CLOSING || \
			     (s) == TCPS_LAST_ACK || (s) == TCPS_TIME_WAIT)
/* We may still send data. */
#define TCPS_CANSEND(s) ((s) == TCPS_ESTABLISHED || (s) == TCPS_CLOSE_WAIT)

#define SEQ_LT(a, b)  ((int32_t)((a) - (b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((a) - (b)) <= 0)
#define SEQ_GT(a, b)  ((int32_t)((a) - (b)) > 0)
#define SEQ_GEQ(a, b) ((int32_t)((a) - (b)) >= 0)
#define SEQ_MIN(a, b) (SEQ_LT(a, b) ? (a) : (b))
#define SEQ_MAX(a, b) (SEQ_GT(a, b) ? (a) : (b))

extern const char *const tcp_state_names[TCP_NSTATES];

#endif
