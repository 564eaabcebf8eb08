/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * One STREAMS scheduler per lcore.
 *
 * Principles of operation
 * -----------------------
 * Each lcore owns a struct yard_sched. Every queue records its lcore's scheduler in q_sched,
 * and only that lcore touches the queue. The lcore loop (yard_sched_run_once()) does, in order:
 *   1. poll: the registered poll hooks (PMD RX bursts, applications) run and report work done;
 *   2. deferred puts: messages putnext deferred because the stack was deep (in order);
 *   3. mailbox: messages other lcores sent to queues this lcore owns (rte_ring, MPSC; each
 *      entry is a (queue, message) pair enqueued together, so each sender's order is kept);
 *   4. service: enabled queues' service procedures, FIFO, at most `budget` runs per pass, so
 *      one busy queue cannot starve polling; a queue enabled again while it runs goes to the
 *      tail of the run list (illumos runservice runs it "once more");
 *   5. timers (rte_timer_manage, only once sc_timer_due has come) and bufcalls (only while
 *      some are pending);
 *   6. flush hooks (PMD TX flush).
 * A pass that did any work counts its cycles as busy, otherwise idle. The pass reads the clock
 * once as it begins and leaves it in sc_now, so hooks that only wait for an instant (a
 * client's start, memcached's next second) compare with it instead of reading it again.
 *
 * Idle sleep (off by default: a dataplane on a bound NIC polls). With sc_sleep_us set, the
 * loop (yard_sched_loop_once()) calls yard_sched_idle() after each pass that did no work; once
 * sc_idle_passes empty passes have gone by with no message in (RX or mailbox) and nothing is
 * waiting (run list, deferred puts, mailbox, bufcalls), it sleeps, first sc_sleep_us / 16 (at least 1 us), then
 * twice as long each empty pass up to sc_sleep_us: an lcore that has just been busy comes
 * back soon, one idle for long costs one wake-up per sc_sleep_us. A sleep never outlasts the
 * lcore's next rte_timer (it ends when the timer is due, or is skipped if one is due now), so
 * timers are not late for it. The price is latency: a frame or a mailbox message that comes
 * while the lcore sleeps waits for the sleep to end.
 * Slept time is counted apart (sleeps, sleep_cycles), neither busy nor idle.
 *
 * Only the owning lcore calls these functions for its scheduler, except yard_mbox_put*(),
 * which any lcore may call, and yard_sched_stop(); yard_timeout() from a thread that is not an
 * EAL lcore lowers the main lcore's sc_timer_due.
 */
#ifndef YARD_STREAMS_SCHED_H
#define YARD_STREAMS_SCHED_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_lcore.h>
#include <rte_ring.h>

#include <streams/queue.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Per-lcore scheduler counters, plain increments, read without stopping the lcore. */
struct yard_sched_stats {
	uint64_t loops;           /**< passes of the loop */
	uint64_t busy_cycles;     /**< TSC cycles of passes that did work */
	uint64_t idle_cycles;     /**< TSC cycles of passes that did nothing */
	uint64_t service_runs;    /**< service procedure calls */
	uint64_t poll_msgs;       /**< messages brought in by poll hooks */
	uint64_t mbox_msgs;       /**< messages taken from this lcore's mailbox (drain or purge) */
	uint64_t mbox_full;       /**< sends from this lcore refused because a mailbox was full */
	uint64_t deferred_puts;   /**< putnext calls deferred (depth or ordering) */
	uint64_t timers_run;      /**< yard timeouts fired */
	uint64_t budget_exhausted;/**< passes that left enabled queues for the next pass */
	uint64_t mbox_drops;      /**< putnext across lcores freed: the target mailbox was full */
	uint64_t sleeps;          /**< idle sleeps taken (sc_sleep_us) */
	uint64_t sleep_cycles;    /**< TSC cycles spent in them, counted neither busy nor idle */
} __rte_cache_aligned;

/** A hook run every pass. Returns the number of messages (or units of work) it handled. */
typedef unsigned (*yard_poll_fn)(void *arg);

#define YARD_SCHED_MAX_HOOKS 32
#define YARD_MBOX_SIZE_DEFAULT 4096
#define YARD_SCHED_BUDGET_DEFAULT 64
/**
 * Longest a pass goes without rte_timer_manage(), though sc_timer_due says no timer is due:
 * it bounds how late a timer armed from another thread can fire (sched.c, "Timers").
 */
#define YARD_SCHED_TIMER_CHECK_US 100
/** Longest idle sleep: below TCP's 200 ms minimum RTO, so a peer never retransmits for it. */
#define YARD_SCHED_SLEEP_MAX_US 100000
/** Empty passes, with no message in, before the first idle sleep. */
#define YARD_SCHED_IDLE_PASSES_DEFAULT 64
#define YARD_SCHED_IDLE_PASSES_MAX 1000000

/** How an idle lcore sleeps (rte_delay_us_sleep(); tests put a recorder here). */
typedef void (*yard_sleep_fn)(unsigned usec);

struct yard_hook {
	yard_poll_fn fn;
	void *arg;
};

struct yard_sched {
	/* hot, touched every pass */
	queue_t *sc_runhead;        /**< enabled queues, linked by q_link */
	queue_t *sc_runtail;
	mblk_t *sc_deferhead;       /**< deferred puts, linked by b_next, target queue in b_prev */
	mblk_t *sc_defertail;
	unsigned sc_put_depth;      /**< nested put procedures now */
	unsigned sc_budget;         /**< service runs per pass */
	unsigned sc_sleep_us;       /**< longest idle sleep; 0: poll for ever (the default) */
	unsigned sc_npoll, sc_nflush;
	unsigned sc_hook_dels;      /**< hooks deleted so far (hooks_run() notices a deletion) */
	uint64_t sc_now;            /**< rte_get_timer_cycles() as the current pass began */
	uint64_t sc_timer_due;      /**< run rte_timer_manage() once sc_now reaches this */
	struct yard_hook sc_poll[YARD_SCHED_MAX_HOOKS];
	struct yard_hook sc_flush[YARD_SCHED_MAX_HOOKS];
	struct rte_ring *sc_mbox;   /**< (queue, mblk) pairs from other lcores */
	unsigned sc_lcore;
	volatile bool sc_stop;      /**< set by yard_sched_stop() */
	bool sc_inited;
	void *sc_bufcalls;          /**< pending bufcalls (bufcall.c) */
	uint64_t sc_timer_hz;       /**< rte_get_timer_hz() */
	/* idle sleep, touched only after a pass that did nothing (yard_sched_idle()) */
	unsigned sc_idle_passes;    /**< empty passes with no message in before the first sleep */
	unsigned sc_idle_run;       /**< empty passes since the last message in (saturates) */
	unsigned sc_sleep_next;     /**< the next sleep, doubling up to sc_sleep_us */
	uint64_t sc_idle_msgs;      /**< poll_msgs + mbox_msgs when the run of empty passes began */
	yard_sleep_fn sc_sleep_fn;  /**< rte_delay_us_sleep unless a test replaced it */
	struct yard_sched_stats sc_stats;
} __rte_cache_aligned;

/** Deferred-put target is kept in the message's b_prev while on the defer list. */

/**
 * Initialise the scheduler of lcore `lcore` (mailbox of `mbox_size` entries, a power of 2).
 * Call once per lcore from the main lcore before launching. 0 or -errno.
 */
int yard_sched_init(unsigned lcore, unsigned mbox_size);
/** Free every scheduler's resources (after the lcores have stopped). */
void yard_sched_fini_all(void);
/** The scheduler of an lcore. */
struct yard_sched *yard_sched_of(unsigned lcore);

/*
 * rte_lcore_id() reads a thread-local of librte_eal, which -fPIC code reaches with a call to
 * __tls_get_addr() (the general dynamic model). The linker turns that into a load in the
 * program, but the compiler has seen a call and saves registers for it: every poll hook that
 * asks pays for a call it never makes. EAL is linked with the program, never dlopen()ed, so
 * the initial-exec model is valid; saying so makes the read a load for the compiler too.
 */
extern __thread unsigned int per_lcore__lcore_id __attribute__((tls_model("initial-exec")));

/** The calling lcore's scheduler (non-EAL threads get the main lcore's). */
static inline struct yard_sched *
yard_sched_self(void)
{
	extern struct yard_sched yard_scheds[RTE_MAX_LCORE];
	unsigned id = rte_lcore_id();

	if (unlikely(id >= RTE_MAX_LCORE))
		id = rte_get_main_lcore();
	return &yard_scheds[id];
}

/** Register a poll hook (RX) or a flush hook (TX) on a scheduler. 0 or -ENOSPC. */
int yard_sched_add_poll(struct yard_sched *sc, yard_poll_fn fn, void *arg);
int yard_sched_add_flush(struct yard_sched *sc, yard_poll_fn fn, void *arg);
/** Remove a hook registered with the same fn and arg. 0 or -ENOENT. */
int yard_sched_del_poll(struct yard_sched *sc, yard_poll_fn fn, void *arg);
int yard_sched_del_flush(struct yard_sched *sc, yard_poll_fn fn, void *arg);

/** Put q on its lcore's run list (called by qenable). */
void yard_sched_enqueue(struct yard_sched *sc, queue_t *q);
/** Take q off the run list if it is there (qprocsoff, close). */
void yard_sched_remove(struct yard_sched *sc, queue_t *q);
/** Defer mp for q (putnext's depth guard). */
void yard_sched_defer(struct yard_sched *sc, queue_t *q, mblk_t *mp);
/** Drop every deferred message and mailbox entry addressed to q (close). Returns count freed. */
unsigned yard_sched_purge_queue(struct yard_sched *sc, queue_t *q);

/** Run enabled service procedures, at most budget of them (0: until the list is empty). */
unsigned yard_sched_run_service(struct yard_sched *sc, unsigned budget);
/** One pass of the loop. Returns the work done (messages and runs). */
unsigned yard_sched_run_once(struct yard_sched *sc);
/**
 * Set sc's idle sleep: after idle_passes (1..YARD_SCHED_IDLE_PASSES_MAX) empty passes with no
 * message in between, sleep up to sleep_us (0..YARD_SCHED_SLEEP_MAX_US; 0 = never sleep). Call before the
 * lcore's loop is launched. 0 or -EINVAL.
 */
int yard_sched_set_idle_sleep(struct yard_sched *sc, unsigned sleep_us, unsigned idle_passes);
/**
 * After a pass that did no work: count it and, if it is the idle_passes-th empty pass since a
 * message last came in (RX or mailbox) or later and nothing waits for the next pass, sleep
 * (sc_sleep_fn) for the back-off's step or until this lcore's next timer is due, whichever
 * is sooner; not at all if a timer is due now. Returns the microseconds asked of the sleep,
 * 0 if it did not sleep. Owning lcore only.
 */
unsigned yard_sched_idle(struct yard_sched *sc);
/** One turn of yard_sched_loop(): a pass, then yard_sched_idle() if it did nothing and idle
 * sleep is on. Returns the pass's work. */
unsigned yard_sched_loop_once(struct yard_sched *sc);
/** Run the calling lcore's loop until yard_sched_stop(); usable with rte_eal_remote_launch.
 * With idle sleep on it sets the thread's timer slack (see sched.c) for the loop's duration. */
int yard_sched_loop(void *arg);
/** Ask an lcore's loop to return. */
void yard_sched_stop(unsigned lcore);
/** Run passes (no hooks required) until nothing is left to do or max passes; returns passes. */
unsigned yard_sched_drain(struct yard_sched *sc, unsigned max_passes);

/* ---- mailbox ------------------------------------------------------------------------------ */

/**
 * Send mp to queue q, which another lcore may own: put(q, mp) runs on q's lcore. If the
 * caller owns q, put() runs now. 1 if sent, 0 if the mailbox is full (mp is still the caller's;
 * the sender's mbox_full counter is bumped).
 */
int yard_mbox_put(queue_t *q, mblk_t *mp);
/** Send n messages to q in order; returns how many were sent (a prefix of mps). */
unsigned yard_mbox_put_burst(queue_t *q, mblk_t **mps, unsigned n);
/** Drain up to max entries of sc's mailbox (owning lcore only). Returns messages delivered. */
unsigned yard_mbox_drain(struct yard_sched *sc, unsigned max);

/* ---- timers ------------------------------------------------------------------------------- */

typedef uintptr_t timeout_id_t;
/** Call fn(arg) once after usec microseconds on the calling lcore. 0 if no timer could be had. */
timeout_id_t yard_timeout(void (*fn)(void *), void *arg, uint64_t usec);
/** Cancel a pending timeout; returns 0 if it was pending, -1 if it had fired or was unknown. */
int yard_untimeout(timeout_id_t id);
/** SVR4 qtimeout: ticks are milliseconds (hz = 1000). */
timeout_id_t qtimeout(queue_t *q, void (*fn)(void *), void *arg, long ticks);
int quntimeout(queue_t *q, timeout_id_t id);
/** Timers outstanding on all lcores (tests check it returns to baseline). */
unsigned yard_timeouts_pending(void);

/** Sum every initialised lcore's counters into *out. */
void yard_sched_stats_sum(struct yard_sched_stats *out);

#ifdef __cplusplus
}
#endif
#endif /* YARD_STREAMS_SCHED_H */
