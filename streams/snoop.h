/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The inspection modules "snoop" (pcapng capture) and "trace" (a log of message types and
 * timings, like SVR4 strace), and the way arguments reach a module pushed at run time.
 *
 * Both are pass-through modules: they have no service procedure and never queue, hold back or
 * drop a message, so flow control looks straight through them (q_nfsrv) and pushing or popping
 * one between two messages on the owning lcore loses nothing. What they record goes first into
 * a fixed buffer in the put procedure (no syscall, no lock, no allocation other than the capture
 * pool's mbufs), and is written out by a flush hook on the owning lcore's scheduler, once per
 * loop pass that has something to write. When the buffer or the capture pool is full the
 * record is missed and counted; the message itself always goes on.
 *
 * Arguments. I_PUSH names only the module; SVR4 modules were configured afterwards with I_STR.
 * yard pushes these modules on streams linked under a multiplexor too (a port's stream under
 * ip), where an I_STR cannot reach the stream head, so the pusher leaves the arguments with
 * yard_modargs_set() on the owning lcore just before the push, and the module's open takes them
 * with yard_modargs_take(). Arguments nobody took mean the module takes none: the pusher pops
 * it again and says so.
 *
 * snoop ARGS: [FILE][,snaplen=N][,linktype=N]   (default /tmp/yard-snoop-<stream>.pcapng)
 * trace ARGS: [FILE][,rate=N]                   (default: the DPDK log, TRACE_RATE_DEFAULT/s)
 * docs/yardctl.md describes both.
 */
#ifndef YARD_STREAMS_SNOOP_H
#define YARD_STREAMS_SNOOP_H

#include <stdint.h>

#include <streams/sth.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SNOOP_MODNAME "snoop"
#define TRACE_MODNAME "trace"

/** Longest argument string a module can be given. */
#define YARD_MODARGS_MAX 256

/** Leave args for the next module open on the calling lcore (NULL or "" clears them). */
void yard_modargs_set(const char *args);
/** Take the calling lcore's pending arguments (NULL if none); they are cleared. */
const char *yard_modargs_take(void);
/** Are arguments still pending on the calling lcore (no open took them)? */
int yard_modargs_pending(void);

/** snoop counters of one instance; plain increments on the stream's lcore. */
struct snoopstat {
	uint64_t snoops_up;          /**< M_DATA messages seen going up (read side) */
	uint64_t snoops_down;        /**< M_DATA messages seen going down (write side) */
	uint64_t snoops_other;       /**< other messages passed on without capture */
	uint64_t snoops_captured;    /**< copies made for the file */
	uint64_t snoops_missed;      /**< not captured: capture pool empty or buffer full */
	uint64_t snoops_written;     /**< packets written to the file */
	uint64_t snoops_write_errors;/**< packets lost to a failed write */
	uint64_t snoops_bytes;       /**< bytes of captured packets (before snaplen) */
};

/** trace counters of one instance. */
struct tracestat {
	uint64_t traces_msgs;        /**< messages seen, both directions */
	uint64_t traces_logged;      /**< records written */
	uint64_t traces_ratelimited; /**< records not made: over the rate limit */
	uint64_t traces_missed;      /**< records lost: buffer full */
	uint64_t traces_write_errors;/**< records lost to a failed write */
};

/** Default capture file: "/tmp/yard-snoop-<stream name or id>.pcapng". */
#define SNOOP_DEFAULT_DIR "/tmp"
/** Default snap length (bytes of each packet kept). */
#define SNOOP_SNAPLEN 9216
/** Default trace rate limit, records per second. */
#define TRACE_RATE_DEFAULT 1000

/**
 * Counters of the snoop instance on sd (the topmost one if several); 0 and *out, or -ENOENT.
 * Owning lcore only.
 */
int yard_snoop_stats(struct stdata *sd, struct snoopstat *out);
/** The file the snoop instance on sd writes to (NULL if none). Owning lcore only. */
const char *yard_snoop_path(struct stdata *sd);
/** Counters of the trace instance on sd; 0 and *out, or -ENOENT. Owning lcore only. */
int yard_trace_stats(struct stdata *sd, struct tracestat *out);

#ifdef __cplusplus
}
#endif
#endif /* YARD_STREAMS_SNOOP_H */
