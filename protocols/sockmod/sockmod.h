/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * sockmod, the socket cooperating module: pushed above timod on a socket's stream by
 * yard_socket(), it keeps the socket state that TPI has no place for and makes the stream
 * head behave as a socket's should:
 *
 *  - SO_ERROR: a T_DISCON_IND for the connection (SEQ_number -1) going up sets the pending
 *    error to its reason (tcp gives an errno: ECONNREFUSED for a RST to our SYN, ECONNRESET,
 *    ETIMEDOUT), or ECONNREFUSED / ECONNRESET when the reason is not an errno; SOCK_GETERR
 *    reads and clears it. A T_DISCON_IND cancelling a queued connection indication (a
 *    listener's, SEQ_number >= 0) sets nothing.
 *  - EPIPE: when an established connection is reset, sockmod sends M_ERROR up with the write
 *    error EPIPE and the read side left alone (two-byte form, NOERROR), so the stream head
 *    refuses every later write with EPIPE while the data already queued, and the
 *    T_DISCON_IND behind it, can still be read (as Solaris sockfs does with strsetwerror).
 *  - SHUT_RD: SOCK_SHUTRD flushes the read side (M_FLUSH FLUSHR up) and from then on drops
 *    data coming up (drop_rcvshut), so reads see end of file.
 *  - State: connecting (T_CONN_REQ down), connected (T_CONN_CON up), can't send more
 *    (T_ORDREL_REQ or T_DISCON_REQ down, or a reset), can't receive more (T_ORDREL_IND up, a
 *    reset, SHUT_RD): SOCK_GETSTATE.
 *
 * Everything else passes through in both directions (in bursts on the read side); sockmod has
 * no service procedures, so flow control is decided between the stream head and the queues
 * below it. The ioctls are I_STR, answered at once from the write put procedure.
 *
 * This is the SunOS 5.0-5.5 arrangement, where libsocket pushed sockmod above timod; the
 * binding, connecting and option requests go through timod and XTI (protocols/xti), whose
 * T_ERROR_ACK codes the sockets library turns into errno values (docs/sockets.md).
 */
#ifndef YARD_PROTOCOLS_SOCKMOD_H
#define YARD_PROTOCOLS_SOCKMOD_H

#include <stdint.h>

#include <rte_common.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Module name to I_PUSH. */
#define SOCKMOD_MODNAME "sockmod"

/** @name sockmod ioctls (I_STR). */
/**@{*/
#define SOCKMOD ('s' << 8) /**< the command's high byte (timod's is 'T', the stream head's 'S') */
#define SOCK_GETERR   (SOCKMOD | 1) /**< out: int, the pending error; cleared */
#define SOCK_GETSTATE (SOCKMOD | 2) /**< out: struct sockmod_state */
#define SOCK_SHUTRD   (SOCKMOD | 3) /**< no data: flush the read side, drop data from now on */
/**@}*/

/** @name sockmod_state ss_state bits. */
/**@{*/
#define SS_ISCONNECTING  0x01 /**< T_CONN_REQ sent, no answer yet */
#define SS_ISCONNECTED   0x02 /**< T_CONN_CON came */
#define SS_CANTSENDMORE  0x04 /**< SHUT_WR, an abort or a reset */
#define SS_CANTRCVMORE   0x08 /**< the peer released, a reset, or SHUT_RD */
#define SS_RCVSHUT       0x10 /**< SHUT_RD: data is dropped */
#define SS_RESET         0x20 /**< the connection was reset (the write error EPIPE is set) */
/**@}*/

/** SOCK_GETSTATE answer. */
struct sockmod_state {
	uint32_t ss_state; /**< SS_* */
	int32_t ss_error;  /**< the pending error (not cleared) */
};

/** Counters of sockmod on one lcore: sockmods_<name> for every line of sockmod.def. */
struct sockmodstat {
#define SOCKMOD_STAT(name, help) uint64_t sockmods_##name;
#include <protocols/sockmod/sockmod.def>
#undef SOCKMOD_STAT
} __rte_cache_aligned;

/** SOCKMODS_<name> indexes, in .def order. */
enum sockmodstat_index {
#define SOCKMOD_STAT(name, help) SOCKMODS_##name,
#include <protocols/sockmod/sockmod.def>
#undef SOCKMOD_STAT
	SOCKMODS__COUNT
};

/** Name and help text of counter i, NULL past the end. */
const char *sockmodstat_name(unsigned i);
const char *sockmodstat_help(unsigned i);
/** Sum the counters of lcore (-1: every lcore) into *out. Readable from any lcore. */
void sockmodstat_sum(struct sockmodstat *out, int lcore);

#ifdef __cplusplus
}
#endif
#endif /* YARD_PROTOCOLS_SOCKMOD_H */
