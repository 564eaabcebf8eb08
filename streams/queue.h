/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Queues, modules and flow control: the SVR4 queue_t, qband, qinit, module_info and streamtab,
 * and the DDI/DKI queue functions with illumos semantics.
 *
 * Where yard differs from illumos, on purpose:
 *  - A stream and all its queues belong to one lcore (q_sched). There is no QLOCK, no syncq,
 *    no perimeter: a queue is only touched by its lcore, so it is exclusive by construction.
 *    Other lcores reach a queue only through its lcore's mailbox (yard_mbox_put()).
 *  - putnext() runs the next put procedure directly. When the put depth on this lcore passes
 *    YARD_PUT_DEPTH_MAX, or when the target already has deferred messages, the message is
 *    deferred to the lcore scheduler (illumos' asynchronous putnext, qfill_syncq), so deep
 *    stacks of modules cannot overflow the lcore stack and order is kept.
 *  - Put procedures may also take a burst: qi_putp_burst receives a vector of messages. A
 *    module without one is given the burst one message at a time. See putnext_burst().
 */
#ifndef YARD_STREAMS_QUEUE_H
#define YARD_STREAMS_QUEUE_H

#include <stdint.h>
#include <sys/types.h>

#include <streams/mblk.h>

#ifdef __cplusplus
extern "C" {
#endif

struct stdata;
struct yard_sched;
typedef struct cred cred_t; /**< opaque; yard passes NULL */

#define FMNAMESZ 8   /**< longest module name */
#define NBAND    256
#define INFPSZ   (-1) /**< infinite packet size */
#define STRHIGH  5120 /**< default stream-head high water */
#define STRLOW   1024 /**< default stream-head low water */

/** Open flags (sflag). */
#define MODOPEN   0x1
#define CLONEOPEN 0x2

/** Module statistics (kept for SVR4 shape; yard counts in its own counters). */
struct module_stat {
	long ms_pcnt, ms_scnt, ms_ocnt, ms_ccnt, ms_acnt;
	void *ms_xptr;
	short ms_xsize;
	uint32_t ms_flags;
};

struct module_info {
	unsigned short mi_idnum;   /**< module id */
	const char *mi_idname;     /**< module name */
	ssize_t mi_minpsz;         /**< min packet size */
	ssize_t mi_maxpsz;         /**< max packet size (INFPSZ: none) */
	size_t mi_hiwat;           /**< high water */
	size_t mi_lowat;           /**< low water */
};

struct queue;
typedef struct queue queue_t;

struct qinit {
	int (*qi_putp)(queue_t *q, mblk_t *mp);
	int (*qi_srvp)(queue_t *q);
	int (*qi_qopen)(queue_t *q, dev_t *devp, int oflag, int sflag, cred_t *crp);
	int (*qi_qclose)(queue_t *q, int flag, cred_t *crp);
	int (*qi_qadmin)(void);
	struct module_info *qi_minfo;
	struct module_stat *qi_mstat;
	/**
	 * yard: burst put. NULL if the module takes one message at a time. Receives n >= 1
	 * messages (each with b_next == NULL) and owns them all on return.
	 */
	void (*qi_putp_burst)(queue_t *q, mblk_t **mps, unsigned n);
};

struct streamtab {
	struct qinit *st_rdinit;
	struct qinit *st_wrinit;
	struct qinit *st_muxrinit;  /**< multiplexor lower read side, NULL if not a mux */
	struct qinit *st_muxwinit;  /**< multiplexor lower write side */
};

/** A priority band of a queue (bands 1..255; band 0 is the queue itself). */
typedef struct qband {
	struct qband *qb_next;
	size_t qb_count;
	mblk_t *qb_first;
	mblk_t *qb_last;
	size_t qb_hiwat;
	size_t qb_lowat;
	uint32_t qb_flag;
	size_t qb_mblkcnt;
} qband_t;

#define QB_FULL  0x01
#define QB_WANTW 0x02
#define QB_BACK  0x04

/** q_flag bits (illumos values). */
#define QENAB      0x00000001 /**< on the run list */
#define QWANTR     0x00000002 /**< a reader found the queue empty */
#define QWANTW     0x00000004 /**< a writer was refused */
#define QFULL      0x00000008 /**< at high water */
#define QREADR     0x00000010 /**< read queue of the pair */
#define QUSE       0x00000020 /**< allocated */
#define QNOENB     0x00000040 /**< putq does not enable */
#define QBACK      0x00000100 /**< was back-enabled */
#define QINSERVICE 0x00010000 /**< service procedure running */
#define QWCLOSE    0x00020000 /**< will not be enabled again */
#define QEND       0x00040000 /**< last queue of the stream */
#define QISDRV     0x00200000 /**< belongs to a driver */
#define QPROCSON   0x01000000 /**< yard: procedures on (qprocson) */
#define QMUX       0x02000000 /**< yard: lower side of a multiplexor link */

struct queue {
	struct qinit *q_qinfo;     /**< procedures and module info */
	mblk_t *q_first;           /**< first message */
	mblk_t *q_last;            /**< last message */
	queue_t *q_next;           /**< next queue in the stream */
	queue_t *q_link;           /**< next queue on the lcore run list */
	void *q_ptr;               /**< module private */
	size_t q_count;            /**< band-0 bytes */
	uint32_t q_flag;           /**< Q* flags */
	ssize_t q_minpsz;
	ssize_t q_maxpsz;
	size_t q_hiwat;
	size_t q_lowat;
	qband_t *q_bandp;          /**< bands 1..q_nband */
	unsigned char q_nband;
	/* private */
	size_t q_mblkcnt;          /**< band-0 message blocks */
	queue_t *q_nfsrv;          /**< nearest forward queue with a service procedure (or last) */
	struct stdata *q_stream;   /**< the stream head */
	struct yard_sched *q_sched;/**< owning lcore's scheduler */
	uint32_t q_ndefer;         /**< messages deferred to this queue by putnext */
	uint32_t q_id;             /**< yard: stream-unique queue id (for inspection) */
	uint64_t q_nput;           /**< yard: messages put (counted per put/burst) */
	uint64_t q_nsrv;           /**< yard: service runs */
};

/** A queue pair, allocated together (illumos queinfo_t). */
typedef struct queinfo {
	queue_t qu_rqueue;
	queue_t qu_wqueue;
} queinfo_t;

#define RD(q)     (((q)->q_flag & QREADR) ? (q) : (q) - 1)
#define WR(q)     (((q)->q_flag & QREADR) ? (q) + 1 : (q))
#define OTHERQ(q) (((q)->q_flag & QREADR) ? (q) + 1 : (q) - 1)
#define SAMESTR(q) ((q)->q_next != NULL && (((q)->q_flag ^ (q)->q_next->q_flag) & QREADR) == 0)
#define canenable(q) (!((q)->q_flag & QNOENB))

/** strqget/strqset fields. */
typedef enum qfields {
	QHIWAT = 0,
	QLOWAT = 1,
	QMAXPSZ = 2,
	QMINPSZ = 3,
	QCOUNT = 4,
	QFIRST = 5,
	QLAST = 6,
	QFLAG = 7,
	QSTRUIOT = 8,
	QBAD = 9
} qfields_t;

/* ---- queue pairs -------------------------------------------------------------------------- */

/** Allocate a queue pair with QUSE|QWANTR set, procedures from the streamtab sides given. */
queue_t *allocq(struct qinit *rinit, struct qinit *winit);
/** Free a queue pair (flushes what is left, frees bands). q is the read queue. */
void freeq(queue_t *q);
/** Set a pair's procedures and water marks from qinits (illumos setq). */
void setq(queue_t *rq, struct qinit *rinit, struct qinit *winit);
/**
 * Recompute q_nfsrv along one side of a stream. `first` is the first queue of that side in the
 * direction messages flow (the stream head's write queue for the write side, the driver's read
 * queue for the read side); every queue reached through q_next is updated. A queue with a
 * service procedure is its own q_nfsrv; one without takes q_next's; the last queue is its own.
 * Call after every change of q_next (push, pop, link, unlink).
 */
void yard_set_nfsrv(queue_t *first);

/* ---- enqueue and dequeue (queue.c) -------------------------------------------------------- */

int putq(queue_t *q, mblk_t *mp);
int putbq(queue_t *q, mblk_t *mp);
int insq(queue_t *q, mblk_t *emp, mblk_t *mp);
void rmvq(queue_t *q, mblk_t *mp);
mblk_t *getq(queue_t *q);
/** Dequeue up to n messages in order; one back-enable check for the burst. Returns count. */
unsigned getq_burst(queue_t *q, mblk_t **mps, unsigned n);
/**
 * @internal getq_burst_take()'s bookkeeping, out of line: the n band-0 messages in mps were
 * just unlinked from the head of q and rest (NULL: nothing) is what now comes first. Sets
 * q_first, the counts, QFULL and QWANTR as n getq() calls would, and back-enables.
 */
void __getq_burst_done(queue_t *q, mblk_t **mps, unsigned n, mblk_t *rest);
/**
 * getq_burst() of the leading band-0 messages that take() accepts, at most n: the reader's
 * test and the dequeue in one pass over the queue instead of a walk to count and a getq_burst
 * to take. take(mp) is asked only of a message that is dequeued if it says yes (so it may
 * clear a mark on it) and the first refusal ends the run, which stays queued. Inline always,
 * so that a take() the caller defines static inline is inlined into the loop.
 * @return how many were taken into mps.
 */
static __rte_always_inline unsigned
getq_burst_take(queue_t *q, mblk_t **mps, unsigned n, bool (*take)(mblk_t *mp))
{
	mblk_t *mp = q->q_first;
	unsigned i = 0;

	while (i < n && mp != NULL && mp->b_band == 0 && take(mp)) {
		mblk_t *next = mp->b_next;

		mp->b_next = mp->b_prev = NULL;
		mps[i++] = mp;
		mp = next;
	}
	if (i != 0)
		__getq_burst_done(q, mps, i, mp);
	return i;
}
/** putq of n normal messages; returns how many were queued (all, unless a band alloc fails). */
unsigned putq_burst(queue_t *q, mblk_t **mps, unsigned n);
/**
 * putq of the leading run of band-0 M_DATA and M_PROTO messages of mps (at most n): what a
 * stream head queues as it comes, sorted out and queued in one pass. Returns the run's length
 * (0 when mps[0] is anything else: the caller handles it).
 */
unsigned putq_burst_data(queue_t *q, mblk_t **mps, unsigned n);
void flushq(queue_t *q, int flag);
void flushband(queue_t *q, unsigned char pri, int flag);
/** flushq keeping M_PCPROTO when pcproto_flag is set (stream head RFLUSHPCPROT). */
void flushq_common(queue_t *q, int flag, int pcproto_flag);
int qsize(queue_t *q);
int strqget(queue_t *q, qfields_t what, unsigned char pri, intptr_t *valp);
int strqset(queue_t *q, qfields_t what, unsigned char pri, intptr_t val);
/** The qband of band pri (1..q_nband), NULL if not allocated. */
qband_t *yard_qband(queue_t *q, unsigned char pri);

#define FLUSHALL  1
#define FLUSHDATA 0

/* ---- flow control and enabling (flow.c) --------------------------------------------------- */

int canput(queue_t *q);
int bcanput(queue_t *q, unsigned char pri);
int canputnext(queue_t *q);
int bcanputnext(queue_t *q, unsigned char pri);
void qenable(queue_t *q);
void noenable(queue_t *q);
void enableok(queue_t *q);
/** Back-enable after band pri of q drained below low water (illumos qbackenable). */
void qbackenable(queue_t *q, unsigned char pri);
/** Schedule the nearest queue behind q that has a service procedure (illumos backenable). */
void backenable(queue_t *q, unsigned char pri);
/** The queue behind q in its stream (illumos backq), NULL at the end. */
queue_t *backq(queue_t *q);
void qprocson(queue_t *q);
void qprocsoff(queue_t *q);

/* ---- putting (put.c) ---------------------------------------------------------------------- */

#define YARD_PUT_DEPTH_MAX 32 /**< nested put procedures before putnext defers */

/** Call q's put procedure (deferring if deep or if q has deferred messages). */
void put(queue_t *q, mblk_t *mp);
void putnext(queue_t *q, mblk_t *mp);
/** Pass n messages to q->q_next: one call to its burst put procedure, or n calls. */
void putnext_burst(queue_t *q, mblk_t **mps, unsigned n);
/** put() of a burst into q itself. */
void put_burst(queue_t *q, mblk_t **mps, unsigned n);
void qreply(queue_t *q, mblk_t *mp);
int putctl(queue_t *q, int type);
int putctl1(queue_t *q, int type, int param);
int putnextctl(queue_t *q, int type);
int putnextctl1(queue_t *q, int type, int param);

#ifdef __cplusplus
}
#endif
#endif /* YARD_STREAMS_QUEUE_H */
