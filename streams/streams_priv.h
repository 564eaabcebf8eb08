/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internal declarations shared between the .c files of streams/. Not installed, not a contract
 * with applications: each section belongs to the files named in its heading.
 */
#ifndef YARD_STREAMS_PRIV_H
#define YARD_STREAMS_PRIV_H

#include <streams/stream.h>

/* ---- sched.c, put.c, timer.c, init.c ------------------------------------------------------ */

/** Deliver the deferred puts that were waiting when the call began (owning lcore). */
unsigned yard_sched_run_deferred(struct yard_sched *sc);
/** Create the timeout entry pool (n entries). 0 or -errno. */
int yard_timer_init(unsigned n);
/** Cancel every pending yard timeout and free the pool. */
void yard_timer_fini(void);
/** Timeout entries in the pool (yard_streams_init creates this many). */
#define YARD_TIMEOUTS_DEFAULT 8191

/* ---- queue.c, flow.c ---------------------------------------------------------------------- */

/**
 * The qband of band pri (1..255), allocating it and every missing band below it (each
 * inheriting q_hiwat/q_lowat). NULL for pri 0 or if the allocation failed.
 */
qband_t *yard_qband_alloc(queue_t *q, unsigned char pri);

/* ---- loop.c, passthru.c ------------------------------------------------------------------- */

/** The loop-back driver (loop.h), registered as "loop" by yard_streams_register_builtins(). */
extern struct streamtab loopinfo;
/** The example module, registered as "passthru" (docs/writing-a-module.md). */
extern struct streamtab passthru_info;

/** passthru counters for one direction; plain increments on the stream's lcore. */
struct passthrustat {
	uint64_t passthrus_passed;   /**< messages passed on with putnext (alone or in a burst) */
	uint64_t passthrus_queued;   /**< messages queued because the next queue was full */
	uint64_t passthrus_bursts;   /**< bursts passed on whole with putnext_burst */
	uint64_t passthrus_flushes;  /**< M_FLUSH messages handled */
	uint64_t passthrus_dropped;  /**< freed: putq could not allocate the message's band */
};

/** passthru's q_ptr (both queues of the pair point at it). */
struct passthru_priv {
	struct passthrustat pt_rd; /**< read side: upstream */
	struct passthrustat pt_wr; /**< write side: downstream */
};

/* ---- modsw.c, sth.c, sth_ioctl.c, mux.c, strsun.c ----------------------------------------- */

/** Stream-head counters, one set per stream: every message the head drops has a reason here. */
struct sthstat {
	uint64_t sths_stale_ioc;    /**< M_IOCACK/M_IOCNAK matching no waiting I_STR: freed */
	uint64_t sths_ioctl_nak;    /**< M_IOCTL that arrived upstream: NAKed back down */
	uint64_t sths_ignored;      /**< M_BREAK, M_CTL, M_DELAY, M_START/STOP(I), M_IOCDATA: freed */
	uint64_t sths_copyreq;      /**< M_COPYIN/M_COPYOUT (no transparent ioctls): freed */
	uint64_t sths_unknown;      /**< types the stream head does not know: freed */
	uint64_t sths_putq_fail;    /**< putq could not allocate the message's band: freed */
	uint64_t sths_badopts;      /**< M_SETOPTS shorter than struct stroptions: freed */
	uint64_t sths_flush_loop;   /**< M_FLUSH with FLUSHW turned back down (MSGNOLOOP set) */
	uint64_t sths_rd_discard;   /**< messages (or remainders) discarded by RMSGD or RPROTDIS */
	uint64_t sths_errors;       /**< M_ERROR received */
	uint64_t sths_hangups;      /**< M_HANGUP received */
	uint64_t sths_sigs;         /**< M_SIG/M_PCSIG posted as S_MSG */
	uint64_t sths_ioc_timeouts; /**< I_STR that timed out (-ETIME) */
};

/**
 * A stream as the stream head allocates it: the public stdata first, so a struct stdata * is
 * a struct sth_priv *, then what only sth*.c and mux.c see.
 */
struct sth_priv {
	struct stdata sp_sd;
	int sp_oflag;                 /**< oflag of sth_open, passed to every open and close */
	int sp_closetime;             /**< I_SETCLTIME, milliseconds (kept; close never waits) */
	unsigned sp_nextqid;          /**< next q_id in this stream */
	/** Names pushed, [0] nearest the driver; I_LOOK/I_LIST/I_FIND report these. */
	char sp_mods[YARD_NSTRPUSH][FMNAMESZ + 1];
	struct sthstat sp_stats;
};

static inline struct sth_priv *
sth_priv(struct stdata *sd)
{
	return (struct sth_priv *)sd;
}

/** The stream head's qinits: the lower queues of an unlinked stream go back to these. */
extern struct qinit sth_rinit;
extern struct qinit sth_winit;

/** Post S_* events: accumulate them for sth_poll() and call the notifier with the wanted ones. */
void sth_post(struct stdata *sd, unsigned events);
/** Give a queue pair of sd its stream, scheduler and ids. */
void sth_adopt_pair(struct stdata *sd, queue_t *rq);
/** The write queue at the bottom of the stream (the driver's). */
queue_t *sth_endq(struct stdata *sd);
/** Recompute q_nfsrv on both sides of sd after its q_next chain changed. */
void sth_renfsrv(struct stdata *sd);
/** I_PUSH/I_POP bodies (autopush and close use them). 0 or -errno. */
int sth_push(struct stdata *sd, const char *name);
int sth_pop(struct stdata *sd, int closing);
/** I_PEEK body: 1 and the parts copied if a message is there, 0 if not, or -errno. */
int sth_peek(struct stdata *sd, struct strpeek *pk);
/** Stream-head counters of sd (tests and inspection). */
const struct sthstat *yard_sth_stats(struct stdata *sd);

/** sth_doioctl flags. */
#define STH_IOC_NOERR 0x1 /**< send even on a stream in error or hung up (unlink at close) */
/**
 * The I_STR machinery: send an M_IOCTL for cmd with *lenp bytes of buf, run the owning
 * lcore's scheduler until the answer or timout seconds (0: 15 s; INFTIM: forever), then copy
 * up to the original *lenp bytes of the answer back into buf and set *lenp. Returns 0 with
 * *rvalp = ioc_rval on M_IOCACK, -ioc_error on M_IOCNAK, -ETIME, -EBUSY (another I_STR in
 * flight), or the stream's error.
 */
int sth_doioctl(struct stdata *sd, int cmd, void *buf, int *lenp, int timout, unsigned flags,
		int *rvalp);

/** A fresh M_IOCTL id, unique across all streams and lcores (never 0). */
unsigned yard_iocid_alloc(void);

/** mux.c: I_LINK/I_PLINK lower under upper; returns the muxid or -errno. */
int yard_mlink(struct stdata *upper, struct stdata *lower, int cmd);
/** mux.c: I_UNLINK/I_PUNLINK muxid (or MUXID_ALL) through upper; 0 or -errno. */
int yard_munlink(struct stdata *upper, int muxid, int cmd);
/** mux.c: undo every non-persistent link of upper (close); never fails. */
void yard_munlinkall(struct stdata *upper);
/** mux.c: links in force (tests). */
unsigned yard_mux_nlinks(void);

#endif /* YARD_STREAMS_PRIV_H */
