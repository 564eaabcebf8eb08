/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The loop-back driver "loop": the bottom of a stream with no hardware, for tests, examples and
 * protocol unit tests.
 *
 * Every open is a clone open (a new minor). By default a minor echoes: what comes down its
 * write side goes back up its read side (M_DATA, M_PROTO, M_PCPROTO, M_CTL, with their band).
 * The write side queues through its service procedure, so flow control is real: while a minor
 * is held (LOOP_HOLD) nothing is turned around, its write queue fills, QFULL holds writers back
 * and LOOP_RELEASE back-enables them. LOOP_SET cross-connects two minors (what one writes, the
 * other reads), as the SVR4 loop-back driver did. LOOP_CAPTURE keeps what comes down on a
 * capture list for the test to take instead of turning it around; yard_loop_inject() sends a
 * message up a minor as if it had arrived from a wire.
 *
 * M_FLUSH follows the canonical driver rules: FLUSHW flushes the write queue, then if FLUSHR is
 * set the flag FLUSHW is cleared and the message is turned back up (qreply), else it is freed.
 * M_IOCTL commands it does not know are answered M_IOCNAK EINVAL.
 */
#ifndef YARD_STREAMS_LOOP_H
#define YARD_STREAMS_LOOP_H

#include <stdbool.h>

#include <streams/sth.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LOOP_IOC      ('L' << 8)
#define LOOP_SET      (LOOP_IOC | 1)  /**< arg: int minor of the peer; -1 back to echo */
#define LOOP_HOLD     (LOOP_IOC | 2)  /**< stop turning messages around */
#define LOOP_RELEASE  (LOOP_IOC | 3)  /**< resume (and back-enable) */
#define LOOP_CAPTURE  (LOOP_IOC | 4)  /**< arg: int 1 capture, 0 echo */
#define LOOP_GETMINOR (LOOP_IOC | 5)  /**< answers with the int minor in the ioctl data */
#define LOOP_NOANSWER (LOOP_IOC | 6)  /**< swallow this ioctl without answering (timeout tests) */

/** Per-minor counters. */
struct loopstat {
	uint64_t loops_in;       /**< messages come down */
	uint64_t loops_out;      /**< messages sent up */
	uint64_t loops_captured; /**< kept on the capture list */
	uint64_t loops_flushed;  /**< freed by M_FLUSH */
	uint64_t loops_nopeer;   /**< dropped: cross-connected peer closed */
	uint64_t loops_dropped;  /**< freed: a type the driver does not turn around, or no memory */
	uint64_t loops_bursts;   /**< bursts taken by the write side's burst put procedure */
};

/** Minor of a stream opened on "loop"; -1 if sd is not a loop stream. */
int yard_loop_minor(struct stdata *sd);
/** Send mp up minor's read side as if received (owning lcore only). 0 or -ENXIO. */
int yard_loop_inject(int minor, mblk_t *mp);
/**
 * Send mps[0..n) up from minor's read side with one putnext_burst(), as a driver passes up an
 * RX burst (owning lcore only). 0 (the messages are gone), or -ENXIO (still the caller's).
 */
int yard_loop_inject_burst(int minor, mblk_t **mps, unsigned n);
/**
 * LOOP_HOLD (hold true) or LOOP_RELEASE (false) without an ioctl, for a minor whose stream is
 * linked under a multiplexor (its stream head takes no ioctl then). Owning lcore only. 0 or
 * -ENXIO.
 */
int yard_loop_hold(int minor, bool hold);
/** Take the oldest captured message of a minor, NULL if none. */
mblk_t *yard_loop_take(int minor);
/** Counters of a minor, NULL if unknown. */
const struct loopstat *yard_loop_stats(int minor);

#ifdef __cplusplus
}
#endif
#endif /* YARD_STREAMS_LOOP_H */
