/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * "snoop": a pass-through module that writes a pcapng file (DPDK's rte_pcapng, readable by
 * tshark and wireshark) of the M_DATA passing its place in the stream, both directions.
 * Also home of the module-arguments hand-over (yard_modargs_*, snoop.h).
 *
 * Principles of operation
 * -----------------------
 * The point of a capture is a copy: the message goes on at once, untouched, and a copy made
 * with rte_pcapng_copy() from a pool the open procedure created for this instance waits in a
 * fixed array (sn_pend) until the flush hook, registered on the owning lcore's scheduler at
 * open, writes the array with one writev per loop pass that has something to write. The put procedures thus make no syscall; a capture pool that is
 * empty, or a full array, costs the copy, never the message: it is counted (snoops_missed).
 *
 * rte_pcapng_copy() reads an rte_mbuf, whose length fields STREAMS does not keep up to date
 * (b_rptr/b_wptr are authoritative, mblk.h). Before copying we write each block's offsets
 * into its mbuf and chain the segments, and unchain them right after: the fields are otherwise
 * unused inside STREAMS, so this touches nothing anyone reads.
 *
 * The copy keeps at most the snap length (SNOOP_SNAPLEN) and must fit one mbuf of the capture
 * pool, so that each is one whole block; the pool's data room is sized for that with
 * rte_pcapng_mbuf_size(). The copy's timestamp is set from the TSC at the copy, converted
 * with the wall clock and TSC read at open.
 *
 * Interfaces: rte_pcapng_fdopen() writes one interface block per ethdev port, all Ethernet,
 * and rte_pcapng_copy() addresses each packet to its port. But what passes a module is
 * Ethernet only below "arp"; above it, it is bare IP. So we add an interface block of our own,
 * named after the stream, with the link type of our place (Ethernet, or raw IP above arp;
 * ARGS linktype=N overrides), and re-address every packet to it. A stream named
 * "port<N>/q<M>" records queue M in each packet's queue option.
 *
 * Open (I_PUSH) and close (I_POP) run on the owning lcore between two messages: what passed
 * before the push is not in the file, what passes after the pop is not either, and nothing is
 * lost. Close writes what is pending, an interface statistics block, and closes the file.
 */
/* rte_pcapng is experimental in DPDK 22.11. */
#define ALLOW_EXPERIMENTAL_API

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_pcapng.h>

#include <streams/snoop.h>
#include <streams/stream.h>

#include "streams_priv.h"

#define SNOOP_IDNUM 1010
#define SNOOP_PEND 256        /* copies waiting for the flush hook */
#define SNOOP_POOL_N 1023     /* capture mbufs per instance */
#define SNOOP_PCAPNG_EPB 6    /* pcapng enhanced packet block type */
#define SNOOP_LINKTYPE_ETHERNET 1
#define SNOOP_LINKTYPE_RAW 101 /* bare IPv4/IPv6 datagrams */

/* ---- module arguments ------------------------------------------------------------------------ */

static char yard_modargs[RTE_MAX_LCORE][YARD_MODARGS_MAX];

static unsigned
modargs_lcore(void)
{
	unsigned id = rte_lcore_id();

	return id < RTE_MAX_LCORE ? id : rte_get_main_lcore();
}

void
yard_modargs_set(const char *args)
{
	char *dst = yard_modargs[modargs_lcore()];

	if (args == NULL)
		dst[0] = '\0';
	else
		snprintf(dst, YARD_MODARGS_MAX, "%s", args);
}

const char *
yard_modargs_take(void)
{
	static char taken[RTE_MAX_LCORE][YARD_MODARGS_MAX];
	unsigned l = modargs_lcore();

	if (yard_modargs[l][0] == '\0')
		return NULL;
	memcpy(taken[l], yard_modargs[l], YARD_MODARGS_MAX);
	yard_modargs[l][0] = '\0';
	return taken[l];
}

int
yard_modargs_pending(void)
{
	return yard_modargs[modargs_lcore()][0] != '\0';
}

/* ---- the instance ---------------------------------------------------------------------------- */

struct snoop_priv {
	struct snoopstat sn_st;
	unsigned sn_npend;
	struct rte_mbuf *sn_pend[SNOOP_PEND];
	struct rte_mempool *sn_pool;
	rte_pcapng_t *sn_pcap;
	struct yard_sched *sn_sched;
	uint16_t sn_port;              /* ethdev port the packets are recorded on */
	uint32_t sn_queue;
	uint32_t sn_snaplen;
	uint32_t sn_ifindex;           /* our interface block's index in the file */
	uint16_t sn_linktype;          /* 0 until set by ARGS or found at open */
	uint64_t sn_start_ns;          /* wall clock at open ... */
	uint64_t sn_tsc0;              /* ... and the TSC then */
	uint64_t sn_hz;
	int sn_fd;                     /* the file (rte_pcapng_close closes it) */
	char sn_path[PATH_MAX];
};

static struct module_info snoop_minfo = {
	.mi_idnum = SNOOP_IDNUM,
	.mi_idname = SNOOP_MODNAME,
	.mi_minpsz = 0,
	.mi_maxpsz = INFPSZ,
	.mi_hiwat = 65536,
	.mi_lowat = 16384,
};

static uint64_t
wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * Write what is pending: the copies are whole pcapng packet blocks already, so one writev.
 * (Not rte_pcapng_write_packets(): in DPDK 22.11 it re-addresses each block to its ethdev
 * port's interface, and ours is another.) Runs in the flush hook and at close, never in a put
 * procedure.
 */
static unsigned
snoop_write(struct snoop_priv *sp)
{
	struct iovec iov[SNOOP_PEND];
	unsigned n = sp->sn_npend;
	ssize_t want = 0;

	if (n == 0)
		return 0;
	for (unsigned i = 0; i < n; i++) {
		iov[i].iov_base = rte_pktmbuf_mtod(sp->sn_pend[i], void *);
		iov[i].iov_len = rte_pktmbuf_data_len(sp->sn_pend[i]);
		want += (ssize_t)iov[i].iov_len;
	}
	if (writev(sp->sn_fd, iov, (int)n) != want)
		sp->sn_st.snoops_write_errors += n;
	else
		sp->sn_st.snoops_written += n;
	rte_pktmbuf_free_bulk(sp->sn_pend, n);
	sp->sn_npend = 0;
	return n;
}

/* Nanoseconds of the wall clock at TSC tsc. */
static inline uint64_t
snoop_ns(const struct snoop_priv *sp, uint64_t tsc)
{
	uint64_t d = tsc - sp->sn_tsc0;

	return sp->sn_start_ns + d / sp->sn_hz * 1000000000ull +
	       (d % sp->sn_hz) * 1000000000ull / sp->sn_hz;
}

static unsigned
snoop_flush_hook(void *arg)
{
	return snoop_write(arg);
}

/* Copy one message into the capture buffer; the message itself is not changed. */
static void
snoop_copy(struct snoop_priv *sp, mblk_t *mp, enum rte_pcapng_direction dir)
{
	struct rte_mbuf *head = yard_mblk_mbuf(mp), *last = head, *c;
	uint32_t *epb;
	uint64_t tsc, now_ns;
	uint32_t pkt_len = 0;
	uint16_t nseg = 0;

	if (unlikely(sp->sn_npend >= SNOOP_PEND)) {
		sp->sn_st.snoops_missed++;
		return;
	}
	for (mblk_t *bp = mp; bp != NULL; bp = bp->b_cont) {
		struct rte_mbuf *m = yard_mblk_mbuf(bp);

		m->data_off = (uint16_t)(bp->b_rptr - (unsigned char *)m->buf_addr);
		m->data_len = (uint16_t)MBLKL(bp);
		pkt_len += m->data_len;
		if (m != head)
			last->next = m;
		last = m;
		nseg++;
	}
	last->next = NULL;
	head->pkt_len = pkt_len;
	head->nb_segs = nseg;
	sp->sn_st.snoops_bytes += pkt_len;
	tsc = rte_get_tsc_cycles();
	now_ns = snoop_ns(sp, tsc);
	c = rte_pcapng_copy(sp->sn_port, sp->sn_queue, head, sp->sn_pool, sp->sn_snaplen, tsc,
			    dir);
	/* Unchain again: each block's mbuf is freed alone (freeb) and must not point on. */
	for (mblk_t *bp = mp; bp != NULL; bp = bp->b_cont) {
		struct rte_mbuf *m = yard_mblk_mbuf(bp);

		m->next = NULL;
		m->nb_segs = 1;
	}
	if (unlikely(c == NULL)) {
		sp->sn_st.snoops_missed++;
		return;
	}
	epb = rte_pktmbuf_mtod(c, uint32_t *);
	if (unlikely(c->nb_segs != 1 || epb[0] != SNOOP_PCAPNG_EPB)) {
		/* a packet block is written whole, from one segment */
		rte_pktmbuf_free(c);
		sp->sn_st.snoops_missed++;
		return;
	}
	epb[2] = sp->sn_ifindex; /* interface_id: our own interface block */
	epb[3] = (uint32_t)(now_ns >> 32);
	epb[4] = (uint32_t)now_ns;
	sp->sn_pend[sp->sn_npend++] = c;
	sp->sn_st.snoops_captured++;
}

static inline void
snoop_one(queue_t *q, mblk_t *mp)
{
	struct snoop_priv *sp = q->q_ptr;

	if (likely(DB_TYPE(mp) == M_DATA)) {
		bool up = (q->q_flag & QREADR) != 0;

		if (up)
			sp->sn_st.snoops_up++;
		else
			sp->sn_st.snoops_down++;
		snoop_copy(sp, mp, up ? RTE_PCAPNG_DIRECTION_IN : RTE_PCAPNG_DIRECTION_OUT);
	} else {
		sp->sn_st.snoops_other++;
	}
}

/* Every message goes straight on: snoop has no queue of its own (see the top of the file). */
static int
snoop_put(queue_t *q, mblk_t *mp)
{
	snoop_one(q, mp);
	putnext(q, mp);
	return 0;
}

static void
snoop_put_burst(queue_t *q, mblk_t **mps, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		snoop_one(q, mps[i]);
	putnext_burst(q, mps, n);
}

/* The stream's name, reduced to characters safe in a file name. */
static void
snoop_stream_tag(const struct stdata *sd, char *buf, size_t len)
{
	if (sd->sd_name[0] == '\0') {
		snprintf(buf, len, "%u", sd->sd_id);
		return;
	}
	snprintf(buf, len, "%s", sd->sd_name);
	for (char *c = buf; *c != '\0'; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '-' || *c == '_' || *c == '.'))
			*c = '_';
}

/* ARGS: [FILE][,snaplen=N]. 0 or -EINVAL. */
static int
snoop_parse_args(struct snoop_priv *sp, const char *args)
{
	char buf[YARD_MODARGS_MAX], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", args);
	for (char *tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		if (strncmp(tok, "snaplen=", 8) == 0) {
			char *end;
			unsigned long v = strtoul(tok + 8, &end, 10);

			if (*end != '\0' || v < 64 || v > SNOOP_SNAPLEN)
				return -EINVAL;
			sp->sn_snaplen = (uint32_t)v;
		} else if (strncmp(tok, "linktype=", 9) == 0) {
			char *end;
			unsigned long v = strtoul(tok + 9, &end, 10);

			if (*end != '\0' || end == tok + 9 || v > UINT16_MAX)
				return -EINVAL;
			sp->sn_linktype = (uint16_t)v;
		} else if (tok[0] != '\0') {
			snprintf(sp->sn_path, sizeof(sp->sn_path), "%s", tok);
		}
	}
	return 0;
}

/* The stream's port queue, for the packets' queue option: "port<N>/q<M>" streams only. */
static void
snoop_where(struct snoop_priv *sp, const struct stdata *sd)
{
	unsigned port, queue;

	sp->sn_port = 0;
	sp->sn_queue = 0;
	if (sscanf(sd->sd_name, "port%u/q%u", &port, &queue) == 2 && port < RTE_MAX_ETHPORTS &&
	    rte_eth_dev_is_valid_port((uint16_t)port)) {
		sp->sn_port = (uint16_t)port;
		sp->sn_queue = queue;
	}
}

/*
 * What the messages at our place are: Ethernet frames below "arp" (which frames and unframes
 * Ethernet), bare IPv4 datagrams above it. Looked up once, at open.
 */
static uint16_t
snoop_linktype(queue_t *rq)
{
	for (queue_t *q = WR(rq)->q_next; q != NULL; q = q->q_next) {
		const struct qinit *qi = q->q_qinfo;

		if (qi != NULL && qi->qi_minfo != NULL && qi->qi_minfo->mi_idname != NULL &&
		    strcmp(qi->qi_minfo->mi_idname, "arp") == 0)
			return SNOOP_LINKTYPE_RAW;
	}
	return SNOOP_LINKTYPE_ETHERNET;
}

/*
 * Our own interface description block, after those rte_pcapng_fdopen() wrote for the ethdev
 * ports (which all say Ethernet): it carries the link type of our place in the stream and the
 * stream's name, and every packet we write is re-addressed to it. 0 or -errno.
 */
static int
snoop_add_interface(int fd, uint16_t linktype, uint32_t snaplen, const char *name)
{
	uint8_t b[128];
	uint32_t len, v;
	uint16_t nlen = (uint16_t)RTE_MIN(strlen(name), (size_t)64), code = 2;
	size_t off = 8;

	memcpy(b + off, &linktype, 2);
	memset(b + off + 2, 0, 2);
	memcpy(b + off + 4, &snaplen, 4);
	off += 8;
	memcpy(b + off, &code, 2);              /* if_name */
	memcpy(b + off + 2, &nlen, 2);
	memcpy(b + off + 4, name, nlen);
	off += 4 + RTE_ALIGN(nlen, 4);
	memset(b + off - (RTE_ALIGN(nlen, 4) - nlen), 0, RTE_ALIGN(nlen, 4) - nlen);
	code = 9;                               /* if_tsresol: nanoseconds */
	nlen = 1;
	memcpy(b + off, &code, 2);
	memcpy(b + off + 2, &nlen, 2);
	memset(b + off + 4, 0, 4);
	b[off + 4] = 9;
	off += 8;
	memset(b + off, 0, 4);                  /* opt_endofopt */
	off += 4;
	len = (uint32_t)off + 4;
	v = 1;                                  /* block type: IDB */
	memcpy(b, &v, 4);
	memcpy(b + 4, &len, 4);
	memcpy(b + off, &len, 4);
	return write(fd, b, len) == (ssize_t)len ? 0 : -errno;
}

static void snoop_free(struct snoop_priv *sp);

static int
snoop_open(queue_t *q, dev_t *devp, int oflag, int sflag, cred_t *crp)
{
	static unsigned snoop_seq;
	const char *args = yard_modargs_take();
	struct snoop_priv *sp;
	char tag[40], name[RTE_MEMPOOL_NAMESIZE];
	int fd, rc;

	if (sflag != MODOPEN)
		return EINVAL;
	if (q->q_ptr != NULL)
		return 0;
	sp = rte_zmalloc("snoop", sizeof(*sp), RTE_CACHE_LINE_SIZE);
	if (sp == NULL)
		return ENOMEM;
	sp->sn_snaplen = SNOOP_SNAPLEN;
	snoop_stream_tag(q->q_stream, tag, sizeof(tag));
	snprintf(sp->sn_path, sizeof(sp->sn_path), "%s/yard-snoop-%s.pcapng", SNOOP_DEFAULT_DIR,
		 tag);
	if (args != NULL && snoop_parse_args(sp, args) != 0) {
		rte_free(sp);
		return EINVAL;
	}
	snoop_where(sp, q->q_stream);

	snprintf(name, sizeof(name), "snoop%u",
		 __atomic_fetch_add(&snoop_seq, 1, __ATOMIC_RELAXED));
	sp->sn_pool = rte_pktmbuf_pool_create(name, SNOOP_POOL_N, 0, 0,
					      (uint16_t)rte_pcapng_mbuf_size(sp->sn_snaplen),
					      (int)rte_socket_id());
	if (sp->sn_pool == NULL) {
		rc = rte_errno != 0 ? rte_errno : ENOMEM;
		rte_free(sp);
		return rc;
	}
	fd = open(sp->sn_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		rc = errno;
		snoop_free(sp);
		return rc;
	}
	sp->sn_fd = fd;
	sp->sn_hz = rte_get_tsc_hz();
	sp->sn_tsc0 = rte_get_tsc_cycles();
	sp->sn_start_ns = wall_ns();
	sp->sn_pcap = rte_pcapng_fdopen(fd, NULL, NULL, "yard snoop", sp->sn_path);
	if (sp->sn_pcap == NULL) {
		rc = rte_errno != 0 ? rte_errno : EIO;
		close(fd);
		snoop_free(sp);
		return rc;
	}
	if (sp->sn_linktype == 0)
		sp->sn_linktype = snoop_linktype(q);
	sp->sn_ifindex = rte_eth_dev_count_avail();
	rc = snoop_add_interface(fd, sp->sn_linktype, sp->sn_snaplen, tag);
	if (rc != 0) {
		snoop_free(sp);
		return -rc;
	}
	sp->sn_sched = q->q_sched;
	rc = yard_sched_add_flush(sp->sn_sched, snoop_flush_hook, sp);
	if (rc != 0) {
		snoop_free(sp);
		return -rc;
	}
	q->q_ptr = WR(q)->q_ptr = sp;
	qprocson(q);
	return 0;
}

/* Close the file (rte_pcapng_close closes the fd) and free the pool and the instance. */
static void
snoop_free(struct snoop_priv *sp)
{
	if (sp->sn_pcap != NULL)
		rte_pcapng_close(sp->sn_pcap);
	rte_mempool_free(sp->sn_pool);
	rte_free(sp);
}

/* An interface statistics block for our interface: packets captured and missed. */
static void
snoop_write_isb(struct snoop_priv *sp)
{
	uint64_t ns = wall_ns();
	uint32_t b[16];
	unsigned n = 0;

	b[n++] = 5;                    /* block type: ISB */
	b[n++] = 0;                    /* length, below */
	b[n++] = sp->sn_ifindex;
	b[n++] = (uint32_t)(ns >> 32);
	b[n++] = (uint32_t)ns;
	b[n++] = 4 | (8u << 16);       /* isb_ifrecv */
	memcpy(&b[n], &sp->sn_st.snoops_captured, 8);
	n += 2;
	b[n++] = 5 | (8u << 16);       /* isb_ifdrop */
	memcpy(&b[n], &sp->sn_st.snoops_missed, 8);
	n += 2;
	b[n++] = 0;                    /* opt_endofopt */
	b[n] = (n + 1) * 4;
	b[1] = b[n];
	n++;
	if (write(sp->sn_fd, b, n * 4) != (ssize_t)(n * 4))
		sp->sn_st.snoops_write_errors++;
}

static int
snoop_close(queue_t *q, int flag, cred_t *crp)
{
	struct snoop_priv *sp = q->q_ptr;

	qprocsoff(q);
	if (sp == NULL)
		return 0;
	(void)yard_sched_del_flush(sp->sn_sched, snoop_flush_hook, sp);
	snoop_write(sp);
	snoop_write_isb(sp);
	q->q_ptr = WR(q)->q_ptr = NULL;
	snoop_free(sp);
	return 0;
}

static struct qinit snoop_rinit = {
	.qi_putp = snoop_put,
	.qi_qopen = snoop_open,
	.qi_qclose = snoop_close,
	.qi_minfo = &snoop_minfo,
	.qi_putp_burst = snoop_put_burst,
};

static struct qinit snoop_winit = {
	.qi_putp = snoop_put,
	.qi_minfo = &snoop_minfo,
	.qi_putp_burst = snoop_put_burst,
};

static struct streamtab snoop_info = {
	.st_rdinit = &snoop_rinit,
	.st_wrinit = &snoop_winit,
};

YARD_MODULE(SNOOP_MODNAME, snoop_info, D_MP)

/* The topmost snoop pair of sd, NULL if none. */
static struct snoop_priv *
snoop_find(struct stdata *sd)
{
	for (queue_t *q = sd->sd_wrq->q_next; q != NULL; q = q->q_next)
		if (q->q_qinfo == &snoop_winit)
			return q->q_ptr;
	return NULL;
}

int
yard_snoop_stats(struct stdata *sd, struct snoopstat *out)
{
	struct snoop_priv *sp = snoop_find(sd);

	if (sp == NULL)
		return -ENOENT;
	*out = sp->sn_st;
	return 0;
}

const char *
yard_snoop_path(struct stdata *sd)
{
	struct snoop_priv *sp = snoop_find(sd);

	return sp != NULL ? sp->sn_path : NULL;
}
