/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The stream head: what stands in for open/close/putmsg/getmsg/ioctl/poll in yard.
 *
 * Applications run in poll mode on the lcore that owns their stream, so every call is
 * non-blocking: getmsg on an empty stream returns -EAGAIN, a write that flow control refuses
 * returns -EAGAIN. An application learns of events (input, high-priority input, output
 * possible again, error, hangup) from a notifier the stream head calls (sth_set_notify()),
 * not by spinning. The only calls that wait are I_STR (and the ioctls built on it: I_LINK,
 * I_UNLINK, I_PUSH when the module answers asynchronously), which run the owning lcore's
 * scheduler until the answer or the timeout, as illumos' stream_runservice() does.
 *
 * All calls return 0 (or a non-negative result) on success and -errno on failure.
 */
#ifndef YARD_STREAMS_STH_H
#define YARD_STREAMS_STH_H

#include <stdint.h>

#include <streams/stropts.h>

#ifdef __cplusplus
extern "C" {
#endif

/** sd_flag bits. */
#define IOCWAIT  0x00000001 /**< an I_STR is waiting for its answer */
#define STRHUP   0x00000004 /**< hung up */
#define STPLEX   0x00000010 /**< linked under a multiplexor */
#define STRDERR  0x00000040 /**< read error (M_ERROR) */
#define STWRERR  0x00000080 /**< write error */
#define STRCLOSE 0x00000100
#define STRPLUMB 0x00004000 /**< push/pop/link in progress */
#define STRHASLINKS 0x00010000

/** Poll-mode event notifier: called on the owning lcore with the S_* events now true. */
typedef void (*sth_notify_fn)(struct stdata *sd, unsigned events, void *arg);

struct yard_linkinfo;

/** A stream (SVR4 stdata). */
struct stdata {
	queue_t *sd_wrq;              /**< the stream head's write queue */
	uint32_t sd_flag;
	int sd_rerror;                /**< read error, 0 if none */
	int sd_werror;                /**< write error, 0 if none */
	unsigned sd_iocid;            /**< id of the I_STR in flight */
	mblk_t *sd_iocblk;            /**< its answer */
	int sd_pushcnt;               /**< modules pushed */
	int sd_anchor;                /**< I_ANCHOR position, 0 if none */
	int sd_rdopt;                 /**< RNORM... | RPROT... */
	int sd_wropt;                 /**< SNDZERO... */
	int sd_erropt;
	unsigned sd_sigflags;         /**< events the notifier wants */
	sth_notify_fn sd_notify;
	void *sd_notify_arg;
	unsigned sd_events;           /**< events posted and not yet taken by sth_poll() */
	ssize_t sd_maxblk;
	unsigned sd_wroff;            /**< headroom for writes (M_SETOPTS SO_WROFF) */
	struct yard_sched *sd_sched;  /**< owning lcore */
	const struct yard_devsw *sd_dev;
	dev_t sd_dev_t;               /**< minor from the driver's open */
	struct yard_linkinfo *sd_links; /**< links below this (mux) stream */
	struct stdata *sd_mux;        /**< the mux stream this is linked under, if STPLEX */
	unsigned sd_id;               /**< stream id (inspection) */
	char sd_name[32];             /**< optional name (inspection) */
	struct stdata *sd_next;       /**< list of all streams */
	void *sd_app;                 /**< free for the application (XTI, sockets) */
};

/**
 * Open a stream on driver drv, owned by the calling lcore, and autopush its modules.
 * oflag is passed to the driver's open. 0 and *sdp, or -ENXIO (unknown driver), -errno from
 * the driver's open, -ENOMEM.
 */
int sth_open(const char *drv, int oflag, struct stdata **sdp);
/** Close: pop every module, unlink every link, close the driver, free everything. */
int sth_close(struct stdata *sd);

/**
 * ioctl. arg by cmd: I_PUSH/I_FIND: const char *; I_LOOK: char[FMNAMESZ+1]; I_LIST:
 * struct str_list * (or NULL: returns the count); I_STR: struct strioctl *; I_FLUSH: FLUSH*;
 * I_FLUSHBAND: struct bandinfo *; I_LINK/I_PLINK: struct stdata * (the lower stream);
 * I_UNLINK/I_PUNLINK: muxid or MUXID_ALL; I_NREAD: int *; I_SRDOPT/I_SWROPT/I_SERROPT/
 * I_SETSIG: int; I_GRDOPT/I_GWROPT/I_GERROPT/I_GETSIG: int *; I_PEEK: struct strpeek *;
 * I_CKBAND/I_CANPUT: band; I_GETBAND: int *; I_ATMARK: ANYMARK/LASTMARK; I_ANCHOR: none.
 * Returns >= 0 (the ioctl's value) or -errno.
 */
int sth_ioctl(struct stdata *sd, int cmd, intptr_t arg);

/** putmsg: ctl (M_PROTO, or M_PCPROTO with RS_HIPRI) and/or data. */
int sth_putmsg(struct stdata *sd, const struct strbuf *ctl, const struct strbuf *data, int flags);
/** putpmsg: with band and MSG_HIPRI/MSG_BAND. */
int sth_putpmsg(struct stdata *sd, const struct strbuf *ctl, const struct strbuf *data,
		int band, int flags);
/**
 * getmsg: *flagsp is 0 (any) or RS_HIPRI (only high priority); on return RS_HIPRI if the
 * message was. Returns 0, or MORECTL|MOREDATA when parts did not fit, or -EAGAIN.
 */
int sth_getmsg(struct stdata *sd, struct strbuf *ctl, struct strbuf *data, int *flagsp);
/** getpmsg: *flagsp MSG_ANY/MSG_BAND/MSG_HIPRI with *bandp. */
int sth_getpmsg(struct stdata *sd, struct strbuf *ctl, struct strbuf *data, int *bandp,
		int *flagsp);
/** write: M_DATA of len bytes (split to the max packet size). Bytes written or -errno. */
ssize_t sth_write(struct stdata *sd, const void *buf, size_t len);
/** read: per the read mode. Bytes read, 0 at hangup with nothing queued, or -errno. */
ssize_t sth_read(struct stdata *sd, void *buf, size_t len);

/**
 * Zero copy: send a whole message (its own type and band) down. 0, -EAGAIN (flow), -errno.
 * Its blocks lose their YB_SUMOK and YB_TUDATA marks: the sender may have edited them.
 */
int sth_putmsg_mblk(struct stdata *sd, mblk_t *mp);
/**
 * Zero copy: take the next message (any type), or -EAGAIN. It comes without a YB_TUDATA mark
 * (the caller may edit it).
 */
int sth_getmsg_mblk(struct stdata *sd, mblk_t **mpp);
/**
 * Zero copy, a burst: send the longest prefix of mps[0..n) that are normal band-0 M_PROTO or
 * M_DATA messages, with one flow-control check and one putnext_burst(). A burst may pass high
 * water by up to n-1 messages, as a single sth_putmsg_mblk() of a large message may. Unless
 * flags has STH_KEEPSUM, the YB_SUMOK mark of every data block is cleared first (the sender
 * may have changed the bytes); unless it has STH_CHECKED, so is each message's YB_TUDATA.
 * @return the messages sent (> 0; the rest are still the caller's, a later call tells why
 *         mps[ret] was refused), or -EAGAIN (flow), -EINVAL (mps[0] is not such a message), a
 *         write error; 0 for n == 0.
 */
int sth_putmsg_mblk_burst(struct stdata *sd, mblk_t **mps, unsigned n, int flags);
/** sth_putmsg_mblk_burst(): the data blocks' YB_SUMOK marks still hold. */
#define STH_KEEPSUM 0x1
/**
 * sth_putmsg_mblk_burst(): the caller has checked that every one of mps[0..n) is a normal
 * band-0 M_PROTO or M_DATA message (XTI does, for its TBADDATA), so the head does not again,
 * and a YB_TUDATA mark on one is the caller's word (set after its own full check): kept.
 */
#define STH_CHECKED 0x2

/** Set the event notifier and the events it wants (S_*). */
void sth_set_notify(struct stdata *sd, unsigned events, sth_notify_fn fn, void *arg);
/** Events true now (S_INPUT|S_HIPRI|S_RDBAND if readable, S_OUTPUT if writable, ...). */
unsigned sth_poll(struct stdata *sd);

/** Name a stream (for inspection). */
void sth_set_name(struct stdata *sd, const char *name);
/** Iterate over open streams (inspection). */
struct stdata *sth_first(void);
struct stdata *sth_next(struct stdata *sd);
/** Number of open streams. */
unsigned sth_count(void);

/** The read queue of a stream head / the queue under it. */
#define STH_RQ(sd) RD((sd)->sd_wrq)

#ifdef __cplusplus
}
#endif
#endif /* YARD_STREAMS_STH_H */
