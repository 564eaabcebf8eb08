/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Stream-head ioctls, flags and structures (SVR4 <stropts.h>, <sys/stream.h> ioctl parts), with
 * illumos values. Used by applications through the sth_* calls and by modules handling M_IOCTL.
 */
#ifndef YARD_STREAMS_STROPTS_H
#define YARD_STREAMS_STROPTS_H

#include <stdint.h>

#include <streams/queue.h>

#ifdef __cplusplus
extern "C" {
#endif

#define STR (('S') << 8)
#define I_NREAD     (STR | 01)
#define I_PUSH      (STR | 02)
#define I_POP       (STR | 03)
#define I_LOOK      (STR | 04)
#define I_FLUSH     (STR | 05)
#define I_SRDOPT    (STR | 06)
#define I_GRDOPT    (STR | 07)
#define I_STR       (STR | 010)
#define I_SETSIG    (STR | 011)
#define I_GETSIG    (STR | 012)
#define I_FIND      (STR | 013)
#define I_LINK      (STR | 014)
#define I_UNLINK    (STR | 015)
#define I_PEEK      (STR | 017)
#define I_SWROPT    (STR | 023)
#define I_GWROPT    (STR | 024)
#define I_LIST      (STR | 025)
#define I_PLINK     (STR | 026)
#define I_PUNLINK   (STR | 027)
#define I_ANCHOR    (STR | 030)
#define I_FLUSHBAND (STR | 034)
#define I_CKBAND    (STR | 035)
#define I_GETBAND   (STR | 036)
#define I_ATMARK    (STR | 037)
#define I_SETCLTIME (STR | 040)
#define I_GETCLTIME (STR | 041)
#define I_CANPUT    (STR | 042)
#define I_SERROPT   (STR | 043)
#define I_GERROPT   (STR | 044)

/** Flush flags (M_FLUSH's first byte, I_FLUSH's argument). */
#define FLUSHR    0x01
#define FLUSHW    0x02
#define FLUSHRW   0x03
#define FLUSHBAND 0x04

/** Read options (I_SRDOPT). */
#define RNORM        0x0000
#define RMSGD        0x0001
#define RMSGN        0x0002
#define RMODEMASK    0x0003
#define RPROTDAT     0x0004
#define RPROTDIS     0x0008
#define RPROTNORM    0x0010
#define RPROTMASK    0x001c
#define RFLUSHMASK   0x0020
#define RFLUSHPCPROT 0x0020

/** Write options (I_SWROPT). */
#define SNDZERO 0x001
#define SNDPIPE 0x002

/** Error options (I_SERROPT). */
#define RERRNORM       0x001
#define RERRNONPERSIST 0x002
#define WERRNORM       0x004
#define WERRNONPERSIST 0x008

/** Events (I_SETSIG, and the poll-mode notifier of the stream head). */
#define S_INPUT   0x0001
#define S_HIPRI   0x0002
#define S_OUTPUT  0x0004
#define S_MSG     0x0008
#define S_ERROR   0x0010
#define S_HANGUP  0x0020
#define S_RDNORM  0x0040
#define S_WRNORM  S_OUTPUT
#define S_RDBAND  0x0080
#define S_WRBAND  0x0100
#define S_BANDURG 0x0200

/** putpmsg/getpmsg flags. */
#define RS_HIPRI  0x01
#define MSG_HIPRI 0x01
#define MSG_ANY   0x02
#define MSG_BAND  0x04
/** getmsg return bits. */
#define MORECTL   1
#define MOREDATA  2

#define ANYMARK  0x01
#define LASTMARK 0x02
#define ANYBAND  (-1)

#define MUXID_ALL (-1)
#define NOERROR   ((unsigned char)0xff) /**< M_ERROR: no error on this side */
#define INFTIM    (-1)
#define TRANSPARENT ((unsigned)-1)

/** Data or control part of putmsg/getmsg. */
struct strbuf {
	int maxlen; /**< buffer size (getmsg) */
	int len;    /**< bytes of data; -1 for "no part" */
	char *buf;
};

/** I_STR argument. */
struct strioctl {
	int ic_cmd;     /**< command for the module/driver */
	int ic_timout;  /**< seconds; 0 default (15 s), INFTIM forever */
	int ic_len;     /**< bytes in / out */
	char *ic_dp;    /**< data */
};

struct str_mlist {
	char l_name[FMNAMESZ + 1];
};

/** I_LIST argument. */
struct str_list {
	int sl_nmods;
	struct str_mlist *sl_modlist;
};

/** I_PEEK argument. */
struct strpeek {
	struct strbuf ctlbuf;
	struct strbuf databuf;
	int flags;
};

/** I_FLUSHBAND argument. */
struct bandinfo {
	unsigned char bi_pri;
	int bi_flag;
};

/** M_IOCTL / M_IOCACK / M_IOCNAK header (first block; data in b_cont). */
struct iocblk {
	int ioc_cmd;
	cred_t *ioc_cr;
	unsigned ioc_id;
	unsigned ioc_flag;
	size_t ioc_count;    /**< bytes in b_cont, or TRANSPARENT */
	int ioc_rval;        /**< return value for the caller */
	int ioc_error;       /**< errno for M_IOCNAK */
};

/** Carried by the I_LINK/I_UNLINK M_IOCTL to a multiplexing driver. */
struct linkblk {
	queue_t *l_qtop;     /**< upper write queue (NULL for persistent links) */
	queue_t *l_qbot;     /**< lower write queue (the mux's lower side) */
	int l_index;         /**< link id (muxid) */
};

/** M_SETOPTS body. */
struct stroptions {
	unsigned so_flags;
	short so_readopt;
	unsigned short so_wroff;
	ssize_t so_minpsz;
	ssize_t so_maxpsz;
	size_t so_hiwat;
	size_t so_lowat;
	unsigned char so_band;
	unsigned short so_erropt;
	ssize_t so_maxblk;
	unsigned short so_copyopt;
	unsigned short so_tail;
};

#define SO_ALL      0x003f
#define SO_READOPT  0x0001
#define SO_WROFF    0x0002
#define SO_MINPSZ   0x0004
#define SO_MAXPSZ   0x0008
#define SO_HIWAT    0x0010
#define SO_LOWAT    0x0020
#define SO_MREADON  0x0040
#define SO_MREADOFF 0x0080
#define SO_NDELON   0x0100
#define SO_NDELOFF  0x0200
#define SO_ISTTY    0x0400
#define SO_ISNTTY   0x0800
#define SO_TOSTOP   0x1000
#define SO_TONSTOP  0x2000
#define SO_BAND     0x4000
#define SO_DELIM    0x8000
#define SO_NODELIM  0x010000
#define SO_STRHOLD  0x020000
#define SO_ERROPT   0x040000
#define SO_COPYOPT  0x080000
#define SO_MAXBLK   0x100000
#define SO_TAIL     0x200000

/* ---- helpers for modules answering M_IOCTL (strsun.h) ------------------------------------- */

/** Turn an M_IOCTL into M_IOCACK with count bytes in b_cont and rval, and qreply it. */
void miocack(queue_t *q, mblk_t *mp, int count, int rval);
/** Turn an M_IOCTL into M_IOCNAK with error, and qreply it. */
void miocnak(queue_t *q, mblk_t *mp, int count, int error);
/** Build an M_IOCTL for cmd (no data), NULL if no memory. */
mblk_t *mkiocb(unsigned cmd);
/**
 * The data of an I_STR M_IOCTL, pulled up so that size bytes are contiguous at the returned
 * address; NULL if the ioctl is transparent or carries fewer than size bytes.
 */
void *yard_mioc_in(mblk_t *mp, size_t size);
/**
 * Room for size bytes of answer in an M_IOCTL's b_cont, reusing the caller's block when it is
 * unshared and large enough (its first bytes kept), else a new one; b_wptr is set past them.
 * NULL if no block could be had.
 */
void *yard_mioc_out(mblk_t *mp, size_t size);
/** Send M_ERROR upstream from q (read side) with the error for both sides. */
void merror(queue_t *wq, mblk_t *mp, int error);

#ifdef __cplusplus
}
#endif
#endif /* YARD_STREAMS_STROPTS_H */
