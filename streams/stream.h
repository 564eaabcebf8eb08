/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * yard STREAMS: the entry header. Messages (mblk.h), queues and flow control (queue.h), the
 * per-lcore scheduler (sched.h), the registry (modsw.h) and the stream head (sth.h).
 */
#ifndef YARD_STREAMS_STREAM_H
#define YARD_STREAMS_STREAM_H

#include <streams/mblk.h>
#include <streams/queue.h>
#include <streams/sched.h>
#include <streams/modsw.h>
#include <streams/stropts.h>
#include <streams/sth.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Everything yard_streams_init() needs; zeroes mean defaults. */
struct yard_streams_conf {
	struct yard_pool_conf pools;
	unsigned mbox_size;      /**< per-lcore mailbox entries (power of 2) */
	unsigned budget;         /**< service runs per loop pass */
	unsigned idle_sleep_us;  /**< longest idle sleep of each lcore's loop, 0 = never sleep */
	unsigned idle_passes;    /**< empty passes in a row before the first sleep, 0 = default */
};

/**
 * Initialise STREAMS after rte_eal_init(): pools, timers, one scheduler per enabled lcore,
 * built-in modules. 0 or -errno.
 */
int yard_streams_init(const struct yard_streams_conf *conf);
/** Undo yard_streams_init(); every stream must be closed. */
void yard_streams_fini(void);

#ifdef __cplusplus
}
#endif
#endif /* YARD_STREAMS_STREAM_H */
