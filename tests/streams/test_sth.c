/* SPDX-License-Identifier: BSD-3-Clause */
/* The stream head (streams/sth.c, streams/sth_ioctl.c) with test drivers of its own. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>

#include <streams/loop.h>
#include <streams/streams_priv.h>

#include "yard_test.h"

/* ---- "techo": echoes data, answers ioctls, follows the canonical M_FLUSH rules ------------ */

#define TE_IOC     ('E' << 8)
#define TE_ECHO    (TE_IOC | 1) /* ack with the data reversed, rval = its length */
#define TE_NAK     (TE_IOC | 2) /* NAK with EPERM */
#define TE_SWALLOW (TE_IOC | 3) /* keep it, unanswered, in te.swallowed */
#define TE_NESTED  (TE_IOC | 4) /* try another I_STR from inside this one; ack */
#define TE_ACKERR  (TE_IOC | 5) /* M_IOCACK carrying ioc_error EIO */

static struct {
	unsigned flushes;            /* M_FLUSH come down */
	unsigned char last_flush;    /* its flag byte */
	unsigned short last_bflag;   /* its b_flag */
	bool bounce;                 /* turn M_FLUSH back up unchanged (not canonical) */
	bool sink;                   /* free data instead of echoing it */
	unsigned naks_down;          /* M_IOCNAK come down */
	mblk_t *swallowed;
	queue_t *swallowq;
	int nested_rc;
	int open_sflag;
	unsigned data_in;
	size_t sizes[16];            /* msgdsize of the M_DATA come down */
	size_t last_head;            /* headroom of the last M_DATA */
} te;

static int
te_open(queue_t *q, dev_t *devp, int oflag, int sflag, cred_t *crp)
{
	te.open_sflag = sflag;
	if (sflag == CLONEOPEN)
		*devp = 42;
	return 0;
}

static int
te_close(queue_t *q, int flag, cred_t *crp)
{
	return 0;
}

static int
te_bad_open(queue_t *q, dev_t *devp, int oflag, int sflag, cred_t *crp)
{
	return ENODEV;
}

static int
te_rput(queue_t *q, mblk_t *mp)
{
	putnext(q, mp);
	return 0;
}

static void
te_ioctl(queue_t *q, mblk_t *mp)
{
	struct iocblk *ioc = (struct iocblk *)mp->b_rptr;

	switch (ioc->ioc_cmd) {
	case TE_ECHO: {
		mblk_t *dp = mp->b_cont;
		size_t n = dp != NULL ? MBLKL(dp) : 0;

		for (size_t i = 0; i < n / 2; i++) {
			unsigned char c = dp->b_rptr[i];

			dp->b_rptr[i] = dp->b_rptr[n - 1 - i];
			dp->b_rptr[n - 1 - i] = c;
		}
		miocack(q, mp, (int)n, (int)n);
		break;
	}
	case TE_NAK:
		miocnak(q, mp, 0, EPERM);
		break;
	case TE_SWALLOW:
		te.swallowed = mp;
		te.swallowq = q;
		break;
	case TE_NESTED: {
		struct strioctl ic = { .ic_cmd = TE_ECHO, .ic_timout = 1 };

		te.nested_rc = sth_ioctl(q->q_stream, I_STR, (intptr_t)&ic);
		miocack(q, mp, 0, 0);
		break;
	}
	case TE_ACKERR:
		DB_TYPE(mp) = M_IOCACK;
		ioc->ioc_error = EIO;
		qreply(q, mp);
		break;
	default:
		miocnak(q, mp, 0, EINVAL);
		break;
	}
}

/* Canonical driver M_FLUSH handling (reference §4.6). */
static void
te_flush(queue_t *q, mblk_t *mp)
{
	te.flushes++;
	te.last_flush = *mp->b_rptr;
	te.last_bflag = mp->b_flag;
	if (te.bounce) {
		qreply(q, mp);
		return;
	}
	if (*mp->b_rptr & FLUSHW) {
		flushq(q, FLUSHDATA);
		*mp->b_rptr &= ~FLUSHW;
	}
	if (*mp->b_rptr & FLUSHR) {
		flushq(RD(q), FLUSHDATA);
		qreply(q, mp);
	} else {
		freemsg(mp);
	}
}

static int
te_wput(queue_t *q, mblk_t *mp)
{
	switch (DB_TYPE(mp)) {
	case M_DATA:
		if (te.data_in < RTE_DIM(te.sizes))
			te.sizes[te.data_in] = msgdsize(mp);
		te.last_head = MBLKHEAD(mp);
		/* fall through */
	case M_PROTO:
	case M_PCPROTO:
		te.data_in++;
		if (te.sink)
			freemsg(mp);
		else
			qreply(q, mp);
		break;
	case M_FLUSH:
		te_flush(q, mp);
		break;
	case M_IOCTL:
		te_ioctl(q, mp);
		break;
	case M_IOCNAK:
		te.naks_down++;
		freemsg(mp);
		break;
	default:
		freemsg(mp);
		break;
	}
	return 0;
}

static struct module_info te_minfo = {
	.mi_idname = "techo", .mi_maxpsz = INFPSZ, .mi_hiwat = 4096, .mi_lowat = 1024,
};
static struct qinit te_rinit = {
	.qi_putp = te_rput, .qi_qopen = te_open, .qi_qclose = te_close, .qi_minfo = &te_minfo,
};
static struct qinit te_winit = { .qi_putp = te_wput, .qi_minfo = &te_minfo };
static struct streamtab te_info = { .st_rdinit = &te_rinit, .st_wrinit = &te_winit };

static struct qinit tbad_rinit = {
	.qi_putp = te_rput, .qi_qopen = te_bad_open, .qi_minfo = &te_minfo,
};
static struct streamtab tbad_info = { .st_rdinit = &tbad_rinit, .st_wrinit = &te_winit };

/* ---- "tq": queues what comes down; its service procedure sinks it unless held ------------- */

static struct {
	bool held;
	unsigned consumed;
	unsigned flushes;
} tq;

static int
tq_wput(queue_t *q, mblk_t *mp)
{
	switch (DB_TYPE(mp)) {
	case M_FLUSH:
		tq.flushes++;
		te.last_flush = *mp->b_rptr;
		if (*mp->b_rptr & FLUSHW) {
			flushq(q, FLUSHDATA);
			*mp->b_rptr &= ~FLUSHW;
		}
		if (*mp->b_rptr & FLUSHR) {
			flushq(RD(q), FLUSHDATA);
			qreply(q, mp);
		} else {
			freemsg(mp);
		}
		break;
	case M_IOCTL:
		miocnak(q, mp, 0, EINVAL);
		break;
	case M_PCPROTO:
		/* Never queued: a held service procedure must not putbq high priority (§4.1). */
		tq.consumed++;
		freemsg(mp);
		break;
	default:
		(void)putq(q, mp);
		break;
	}
	return 0;
}

static int
tq_wsrv(queue_t *q)
{
	mblk_t *mp;

	while ((mp = getq(q)) != NULL) {
		if (tq.held) {
			(void)putbq(q, mp);
			break;
		}
		tq.consumed++;
		freemsg(mp);
	}
	return 0;
}

static struct module_info tq_minfo = {
	.mi_idname = "tq", .mi_maxpsz = INFPSZ, .mi_hiwat = 1000, .mi_lowat = 200,
};
static struct qinit tq_rinit = { .qi_putp = te_rput, .qi_minfo = &tq_minfo };
static struct qinit tq_winit = { .qi_putp = tq_wput, .qi_srvp = tq_wsrv, .qi_minfo = &tq_minfo };
static struct streamtab tq_info = { .st_rdinit = &tq_rinit, .st_wrinit = &tq_winit };

/* ---- "tm1".."tm9", "tmx": pass-through modules that log opens (+id) and closes (-id) ------ */

static struct {
	int opens, closes, last_sflag;
	int log[32];
	int nlog;
} tm;

static int
tm_open(queue_t *q, dev_t *devp, int oflag, int sflag, cred_t *crp)
{
	int id = ++tm.opens;

	tm.last_sflag = sflag;
	q->q_ptr = WR(q)->q_ptr = (void *)(uintptr_t)id;
	tm.log[tm.nlog++] = id;
	return 0;
}

static int
tm_close(queue_t *q, int flag, cred_t *crp)
{
	tm.closes++;
	tm.log[tm.nlog++] = -(int)(uintptr_t)q->q_ptr;
	return 0;
}

static int
tm_fail_open(queue_t *q, dev_t *devp, int oflag, int sflag, cred_t *crp)
{
	return EPERM;
}

static int
tm_put(queue_t *q, mblk_t *mp)
{
	putnext(q, mp);
	return 0;
}

static struct module_info tm_minfo = {
	.mi_idname = "tm", .mi_maxpsz = INFPSZ, .mi_hiwat = 4096, .mi_lowat = 1024,
};
static struct qinit tm_rinit = {
	.qi_putp = tm_put, .qi_qopen = tm_open, .qi_qclose = tm_close, .qi_minfo = &tm_minfo,
};
static struct qinit tm_winit = { .qi_putp = tm_put, .qi_minfo = &tm_minfo };
static struct streamtab tm_info = { .st_rdinit = &tm_rinit, .st_wrinit = &tm_winit };
static struct qinit tmfail_rinit = {
	.qi_putp = tm_put, .qi_qopen = tm_fail_open, .qi_qclose = tm_close, .qi_minfo = &tm_minfo,
};
static struct streamtab tmfail_info = { .st_rdinit = &tmfail_rinit, .st_wrinit = &tm_winit };

/* ---- the notifier ------------------------------------------------------------------------- */

static struct {
	unsigned calls;
	unsigned all;     /* union of every call's events */
	unsigned last;
	unsigned outputs; /* calls with S_OUTPUT */
} nt;

static void
notify(struct stdata *sd, unsigned events, void *arg)
{
	nt.calls++;
	nt.all |= events;
	nt.last = events;
	if (events & S_OUTPUT)
		nt.outputs++;
}

/* ---- helpers ------------------------------------------------------------------------------ */

static void
sth_setup(void)
{
	char name[FMNAMESZ + 1];

	yt_setup();
	cr_assert_eq(yard_drv_register("techo", &te_info, D_MP), 0);
	cr_assert_eq(yard_drv_register("tclone", &te_info, D_MP | D_CLONE), 0);
	cr_assert_eq(yard_drv_register("tbad", &tbad_info, D_MP), 0);
	cr_assert_eq(yard_drv_register("tq", &tq_info, D_MP), 0);
	for (int i = 1; i <= YARD_NSTRPUSH; i++) {
		snprintf(name, sizeof(name), "tm%d", i);
		cr_assert_eq(yard_mod_register(name, &tm_info, D_MP), 0);
	}
	cr_assert_eq(yard_mod_register("tmx", &tm_info, D_MP), 0);
	cr_assert_eq(yard_mod_register("tmfail", &tmfail_info, D_MP), 0);
}

TestSuite(sth, .init = sth_setup, .fini = yt_teardown);

static struct stdata *
open_s(const char *drv)
{
	struct stdata *sd = NULL;

	cr_assert_eq(sth_open(drv, 0, &sd), 0, "sth_open(%s)", drv);
	cr_assert_not_null(sd);
	return sd;
}

static queue_t *
drv_wq(struct stdata *sd)
{
	return sth_endq(sd);
}

/* Send mp up the stream as if the driver had. */
static void
up(struct stdata *sd, mblk_t *mp)
{
	putnext(RD(drv_wq(sd)), mp);
}

static mblk_t *
ctlmsg(unsigned char type, int nbytes, unsigned char b0, unsigned char b1)
{
	mblk_t *mp = yt_msg(type, (size_t)nbytes, 0);

	if (nbytes > 0)
		mp->b_rptr[0] = b0;
	if (nbytes > 1)
		mp->b_rptr[1] = b1;
	return mp;
}

static int
put_str(struct stdata *sd, const char *ctl, const char *data, int band, int flags)
{
	struct strbuf c = { .len = ctl ? (int)strlen(ctl) : -1, .buf = (char *)ctl };
	struct strbuf d = { .len = data ? (int)strlen(data) : -1, .buf = (char *)data };

	return sth_putpmsg(sd, ctl ? &c : NULL, data ? &d : NULL, band, flags);
}

static int
put_data(struct stdata *sd, const char *data)
{
	return put_str(sd, NULL, data, 0, MSG_BAND);
}

struct got {
	char ctl[64], data[256];
	int clen, dlen, band, flags, rc;
};

static struct got
get_p(struct stdata *sd, int flags, int band)
{
	struct got g = { .flags = flags, .band = band };
	struct strbuf c = { .maxlen = sizeof(g.ctl) - 1, .buf = g.ctl };
	struct strbuf d = { .maxlen = sizeof(g.data) - 1, .buf = g.data };

	g.rc = sth_getpmsg(sd, &c, &d, &g.band, &g.flags);
	g.clen = c.len;
	g.dlen = d.len;
	if (c.len > 0)
		g.ctl[c.len] = '\0';
	if (d.len > 0)
		g.data[d.len] = '\0';
	return g;
}

static int
istr(struct stdata *sd, int cmd, char *buf, int *len, int timout)
{
	struct strioctl ic = { .ic_cmd = cmd, .ic_timout = timout, .ic_len = len ? *len : 0,
			       .ic_dp = buf };
	int rc = sth_ioctl(sd, I_STR, (intptr_t)&ic);

	if (len != NULL)
		*len = ic.ic_len;
	return rc;
}

static int
nread(struct stdata *sd)
{
	int n;

	return sth_ioctl(sd, I_NREAD, (intptr_t)&n);
}

static mblk_t *
setopts(unsigned flags)
{
	mblk_t *mp = yt_msg(M_SETOPTS, sizeof(struct stroptions), 0);
	struct stroptions *so = (struct stroptions *)mp->b_rptr;

	so->so_flags = flags;
	return mp;
}

/* ---- open and close ----------------------------------------------------------------------- */

YT_TEST(sth, opens_and_closes_a_stream_without_leaking)
{
	unsigned n0 = sth_count();
	struct stdata *sd = open_s("techo");
	queue_t *dwq = sd->sd_wrq->q_next;
	bool listed = false;

	cr_assert_eq(sth_count(), n0 + 1);
	cr_assert_str_eq(sd->sd_dev->d_name, "techo");
	cr_assert_eq(dwq->q_qinfo, &te_winit);
	cr_assert(dwq->q_flag & QISDRV);
	cr_assert(RD(dwq)->q_flag & QISDRV);
	cr_assert_eq(RD(dwq)->q_next, STH_RQ(sd), "the driver's read side leads to the head");
	cr_assert_null(dwq->q_next);
	cr_assert_eq(STH_RQ(sd)->q_hiwat, STRHIGH);
	cr_assert_eq(STH_RQ(sd)->q_lowat, STRLOW);
	cr_assert_eq(sd->sd_wrq->q_stream, sd);
	cr_assert_eq(dwq->q_stream, sd);
	cr_assert_eq(dwq->q_sched, yard_sched_self());
	cr_assert_eq(te.open_sflag, 0, "not a clone driver");
	for (struct stdata *s = sth_first(); s != NULL; s = sth_next(s))
		listed |= s == sd;
	cr_assert(listed);
	sth_set_name(sd, "echo-under-test");
	cr_assert_str_eq(sd->sd_name, "echo-under-test");
	cr_assert_eq(put_data(sd, "left behind"), 0, "a message queued at close is freed");
	cr_assert_eq(sth_close(sd), 0);
	cr_assert_eq(sth_count(), n0);
	cr_assert_eq(sth_close(NULL), -EINVAL);
}

YT_TEST(sth, refuses_an_unknown_driver_and_undoes_a_failed_open)
{
	unsigned n0 = sth_count();
	struct stdata *sd = (struct stdata *)&sd;

	cr_assert_eq(sth_open("nosuch", 0, &sd), -ENXIO);
	cr_assert_null(sd);
	cr_assert_eq(sth_open("tbad", 0, &sd), -ENODEV, "the driver's open error");
	cr_assert_null(sd);
	cr_assert_eq(sth_count(), n0);
}

YT_TEST(sth, gives_a_clone_driver_cloneopen_and_keeps_its_minor)
{
	struct stdata *sd = open_s("tclone");

	cr_assert_eq(te.open_sflag, CLONEOPEN);
	cr_assert_eq(sd->sd_dev_t, 42);
	cr_assert_eq(sth_close(sd), 0);
}

/* ---- push and pop ------------------------------------------------------------------------- */

YT_TEST(sth, pushes_and_pops_modules_in_order)
{
	struct stdata *sd = open_s("techo");
	struct str_mlist names[8];
	struct str_list sl = { .sl_nmods = 8, .sl_modlist = names };
	char look[FMNAMESZ + 1];
	struct got g;

	cr_assert_eq(sth_ioctl(sd, I_PUSH, (intptr_t)"tm1"), 0);
	cr_assert_eq(sth_ioctl(sd, I_PUSH, (intptr_t)"tm2"), 0);
	cr_assert_eq(sth_ioctl(sd, I_PUSH, (intptr_t)"tm3"), 0);
	cr_assert_eq(tm.opens, 3);
	cr_assert_eq(tm.last_sflag, MODOPEN);
	cr_assert_eq(sd->sd_pushcnt, 3);

	cr_assert_eq(sth_ioctl(sd, I_LIST, (intptr_t)&sl), 0);
	cr_assert_eq(sl.sl_nmods, 4);
	cr_assert_str_eq(names[0].l_name, "tm3");
	cr_assert_str_eq(names[1].l_name, "tm2");
	cr_assert_str_eq(names[2].l_name, "tm1");
	cr_assert_str_eq(names[3].l_name, "techo");
	sl.sl_nmods = 2;
	cr_assert_eq(sth_ioctl(sd, I_LIST, (intptr_t)&sl), 0);
	cr_assert_eq(sl.sl_nmods, 2, "only as many as asked for");
	sl.sl_nmods = 0;
	cr_assert_eq(sth_ioctl(sd, I_LIST, (intptr_t)&sl), -EINVAL);
	cr_assert_eq(sth_ioctl(sd, I_LOOK, (intptr_t)look), 0);
	cr_assert_str_eq(look, "tm3");
	cr_assert_eq(sth_ioctl(sd, I_FIND, (intptr_t)"tm2"), 1);
	cr_assert_eq(sth_ioctl(sd, I_FIND, (intptr_t)"tmx"), 0);
	cr_assert_eq(sth_ioctl(sd, I_FIND, (intptr_t)"nosuch"), -EINVAL);

	/* The modules are really in the path: data goes down and comes back through them. */
	cr_assert_eq(put_data(sd, "through"), 0);
	g = get_p(sd, MSG_ANY, 0);
	cr_assert_eq(g.rc, 0);
	cr_assert_str_eq(g.data, "through");

	cr_assert_eq(sth_ioctl(sd, I_POP, 0), 0);
	cr_assert_eq(tm.nlog, 4);
	cr_assert_eq(tm.log[3], -3, "the top module closes first");
	cr_assert_eq(sth_ioctl(sd, I_LOOK, (intptr_t)look), 0);
	cr_assert_str_eq(look, "tm2");
	cr_assert_eq(sth_ioctl(sd, I_POP, 0), 0);
	cr_assert_eq(sth_ioctl(sd, I_POP, 0), 0);
	cr_assert_eq(tm.log[4], -2);
	cr_assert_eq(tm.log[5], -1);
	cr_assert_eq(sth_ioctl(sd, I_POP, 0), -EINVAL, "nothing left to pop");
	cr_assert_eq(sth_ioctl(sd, I_LOOK, (intptr_t)look), -EINVAL);
	cr_assert_eq(sd->sd_wrq->q_next, drv_wq(sd));
	cr_assert_eq(RD(drv_wq(sd))->q_next, STH_RQ(sd));
	cr_assert_eq(sth_close(sd), 0);
	cr_assert_eq(tm.closes, 3);
}

YT_TEST(sth, refuses_a_push_past_nstrpush_and_an_unknown_module)
{
	struct stdata *sd = open_s("techo");
	char name[FMNAMESZ + 1];

	for (int i = 1; i <= YARD_NSTRPUSH; i++) {
		snprintf(name, sizeof(name), "tm%d", i);
		cr_assert_eq(sth_ioctl(sd, I_PUSH, (intptr_t)name), 0, "push %s", name);
	}
	cr_assert_eq(sth_ioctl(sd, I_PUSH, (intptr_t)"tmx"), -EINVAL);
	cr_assert_eq(sd->sd_pushcnt, YARD_NSTRPUSH);
	cr_assert_eq(tm.opens, YARD_NSTRPUSH);
	cr_assert_eq(sth_ioctl(sd, I_LIST, 0), YARD_NSTRPUSH + 1);
	cr_assert_eq(sth_ioctl(sd, I_PUSH, (intptr_t)"nosuch"), -EINVAL);
	cr_assert_eq(sth_ioctl(sd, I_PUSH, 0), -EINVAL);
	cr_assert_eq(sth_close(sd), 0);
	cr_assert_eq(tm.closes, YARD_NSTRPUSH, "close pops everything");
	for (int i = 0; i < YARD_NSTRPUSH; i++)
		cr_assert_eq(tm.log[YARD_NSTRPUSH + i], -(YARD_NSTRPUSH - i));
}

YT_TEST(sth, unwinds_a_push_whose_open_fails)
{
	struct stdata *sd = open_s("techo");
	struct got g;

	cr_assert_eq(sth_ioctl(sd, I_PUSH, (intptr_t)"tm1"), 0);
	cr_assert_eq(sth_ioctl(sd, I_PUSH, (intptr_t)"tmfail"), -EPERM);
	cr_assert_eq(sd->sd_pushcnt, 1);
	cr_assert_eq(tm.closes, 0, "a failed open is not closed");
	cr_assert_eq(sth_ioctl(sd, I_FIND, (intptr_t)"tmfail"), 0);
	cr_assert_eq(put_data(sd, "still works"), 0);
	g = get_p(sd, MSG_ANY, 0);
	cr_assert_str_eq(g.data, "still works");
	cr_assert_eq(sth_close(sd), 0);
}

YT_TEST(sth, keeps_modules_below_the_anchor)
{
	struct stdata *sd = open_s("techo");

	cr_assert_eq(sth_ioctl(sd, I_ANCHOR, 0), -EINVAL, "nothing to anchor at");
	cr_assert_eq(sth_ioctl(sd, I_PUSH, (intptr_t)"tm1"), 0);
	cr_assert_eq(sth_ioctl(sd, I_PUSH, (intptr_t)"tm2"), 0);
	cr_assert_eq(sth_ioctl(sd, I_ANCHOR, 0), 0);
	cr_assert_eq(sth_ioctl(sd, I_PUSH, (intptr_t)"tm3"), 0);
	cr_assert_eq(sth_ioctl(sd, I_POP, 0), 0);
	cr_assert_eq(sth_ioctl(sd, I_POP, 0), -EINVAL, "tm2 is at the anchor");
	cr_assert_eq(sd->sd_pushcnt, 2);
	cr_assert_eq(sth_close(sd), 0, "close pops past the anchor");
	cr_assert_eq(tm.closes, 3);
}

/* ---- putmsg and getmsg -------------------------------------------------------------------- */

YT_TEST(sth, carries_control_and_data_parts_through_putmsg_and_getmsg)
{
	struct stdata *sd = open_s("techo");
	char cbuf[16], dbuf[16];
	struct strbuf c = { .maxlen = sizeof(cbuf), .len = 5, .buf = "hello" };
	struct strbuf d = { .maxlen = sizeof(dbuf), .len = 5, .buf = "world" };
	int flags;

	cr_assert_eq(sth_putmsg(sd, &c, &d, 0), 0);
	c.buf = cbuf;
	d.buf = dbuf;
	flags = 0;
	cr_assert_eq(sth_getmsg(sd, &c, &d, &flags), 0);
	cr_assert_eq(c.len, 5);
	cr_assert_eq(d.len, 5);
	cr_assert_eq(memcmp(cbuf, "hello", 5), 0);
	cr_assert_eq(memcmp(dbuf, "world", 5), 0);
	cr_assert_eq(flags, 0);

	/* High priority: M_PCPROTO, reported as RS_HIPRI. Data only: ctl len -1. */
	c.buf = "pc";
	c.len = 2;
	cr_assert_eq(sth_putmsg(sd, &c, NULL, RS_HIPRI), 0);
	c.buf = cbuf;
	cr_assert_eq(sth_getmsg(sd, &c, &d, &flags), 0);
	cr_assert_eq(flags, RS_HIPRI);
	cr_assert_eq(c.len, 2);
	cr_assert_eq(d.len, -1, "no data part");
	d.buf = "only data";
	d.len = 9;
	cr_assert_eq(sth_putmsg(sd, NULL, &d, 0), 0);
	d.buf = dbuf;
	flags = RS_HIPRI;
	cr_assert_eq(sth_getmsg(sd, &c, &d, &flags), -EAGAIN, "RS_HIPRI: only high priority");
	flags = 0;
	cr_assert_eq(sth_getmsg(sd, &c, &d, &flags), 0);
	cr_assert_eq(c.len, -1, "no control part");
	cr_assert_eq(d.len, 9);
	cr_assert_eq(sth_getmsg(sd, &c, &d, &flags), -EAGAIN);
	cr_assert_eq(te.data_in, 3);
	cr_assert_eq(sth_close(sd), 0);
}

YT_TEST(sth, refuses_bad_putmsg_and_getmsg_arguments)
{
	struct stdata *sd = open_s("techo");
	struct strbuf c = { .len = 2, .buf = "ab" };
	struct strbuf none = { .len = -1 };
	int flags = 0, band = 0;

	cr_assert_eq(put_str(sd, NULL, "x", 0, MSG_HIPRI), -EINVAL, "MSG_HIPRI needs control");
	cr_assert_eq(put_str(sd, "c", "x", 1, MSG_HIPRI), -EINVAL, "MSG_HIPRI has no band");
	cr_assert_eq(put_str(sd, "c", "x", 256, MSG_BAND), -EINVAL);
	cr_assert_eq(put_str(sd, "c", "x", -1, MSG_BAND), -EINVAL);
	cr_assert_eq(put_str(sd, "c", "x", 0, MSG_ANY), -EINVAL);
	cr_assert_eq(sth_putmsg(sd, &c, NULL, 7), -EINVAL);
	cr_assert_eq(sth_putmsg(sd, NULL, &none, 0), 0, "nothing to send is not an error");
	cr_assert_eq(sth_getmsg(sd, NULL, NULL, &flags), -EAGAIN, "and nothing was sent");
	cr_assert_eq(te.data_in, 0);
	flags = 5;
	cr_assert_eq(sth_getmsg(sd, NULL, NULL, &flags), -EINVAL);
	flags = MSG_HIPRI;
	band = 1;
	cr_assert_eq(sth_getpmsg(sd, NULL, NULL, &band, &flags), -EINVAL);
	flags = MSG_BAND;
	band = 256;
	cr_assert_eq(sth_getpmsg(sd, NULL, NULL, &band, &flags), -EINVAL);
	cr_assert_eq(sth_close(sd), 0);
}

YT_TEST(sth, orders_bands_at_the_head_and_filters_getpmsg_by_band_and_priority)
{
	struct stdata *sd = open_s("techo");
	struct got g;

	cr_assert_eq(put_str(sd, NULL, "A", 0, MSG_BAND), 0);
	cr_assert_eq(put_str(sd, NULL, "B", 2, MSG_BAND), 0);
	cr_assert_eq(put_str(sd, NULL, "C", 1, MSG_BAND), 0);
	cr_assert_eq(put_str(sd, "D", NULL, 0, MSG_HIPRI), 0);
	cr_assert_eq(nread(sd), 4);

	g = get_p(sd, MSG_ANY, 0);
	cr_assert_eq(g.rc, 0);
	cr_assert_str_eq(g.ctl, "D", "high priority first");
	cr_assert_eq(g.flags, MSG_HIPRI);
	cr_assert_eq(g.band, 0);

	g = get_p(sd, MSG_HIPRI, 0);
	cr_assert_eq(g.rc, -EAGAIN, "no high-priority message left");
	g = get_p(sd, MSG_BAND, 3);
	cr_assert_eq(g.rc, -EAGAIN, "nothing in band 3 or above");
	g = get_p(sd, MSG_BAND, 2);
	cr_assert_eq(g.rc, 0);
	cr_assert_str_eq(g.data, "B");
	cr_assert_eq(g.flags, MSG_BAND);
	cr_assert_eq(g.band, 2);
	g = get_p(sd, MSG_BAND, 2);
	cr_assert_eq(g.rc, -EAGAIN, "band 1 is next");
	g = get_p(sd, MSG_BAND, 1);
	cr_assert_eq(g.rc, 0);
	cr_assert_str_eq(g.data, "C");
	cr_assert_eq(g.band, 1);
	g = get_p(sd, MSG_ANY, 0);
	cr_assert_eq(g.rc, 0);
	cr_assert_str_eq(g.data, "A");
	cr_assert_eq(g.flags, MSG_BAND);
	cr_assert_eq(g.band, 0);
	cr_assert_eq(sth_close(sd), 0);
}

YT_TEST(sth, returns_morectl_and_moredata_and_keeps_the_rest)
{
	struct stdata *sd = open_s("techo");
	char cbuf[32], dbuf[32];
	struct strbuf c = { .maxlen = 4, .buf = cbuf };
	struct strbuf d = { .maxlen = 5, .buf = dbuf };
	int flags = 0;

	cr_assert_eq(put_str(sd, "0123456789", "abcdefghijklmnopqrst", 3, MSG_BAND), 0);
	cr_assert_eq(sth_getmsg(sd, &c, &d, &flags), MORECTL | MOREDATA);
	cr_assert_eq(c.len, 4);
	cr_assert_eq(memcmp(cbuf, "0123", 4), 0);
	cr_assert_eq(d.len, 5);
	cr_assert_eq(memcmp(dbuf, "abcde", 5), 0);
	cr_assert_eq(STH_RQ(sd)->q_first->b_band, 3, "the rest keeps its band");

	/* Control not wanted (maxlen -1): it stays; the data comes. */
	c.maxlen = -1;
	d.maxlen = 5;
	cr_assert_eq(sth_getmsg(sd, &c, &d, &flags), MORECTL | MOREDATA);
	cr_assert_eq(d.len, 5);
	cr_assert_eq(memcmp(dbuf, "fghij", 5), 0);

	c.maxlen = sizeof(cbuf);
	d.maxlen = 0;
	cr_assert_eq(sth_getmsg(sd, &c, &d, &flags), MOREDATA);
	cr_assert_eq(c.len, 6);
	cr_assert_eq(memcmp(cbuf, "456789", 6), 0);
	cr_assert_eq(d.len, 0);

	d.maxlen = sizeof(dbuf);
	cr_assert_eq(sth_getmsg(sd, &c, &d, &flags), 0);
	cr_assert_eq(c.len, -1, "the control part is gone");
	cr_assert_eq(d.len, 10);
	cr_assert_eq(memcmp(dbuf, "klmnopqrst", 10), 0);
	cr_assert_eq(nread(sd), 0);
	cr_assert_eq(sth_close(sd), 0);
}

YT_TEST(sth, takes_only_high_priority_messages_with_rs_hipri)
{
	struct stdata *sd = open_s("techo");
	char cbuf[8], dbuf[8];
	struct strbuf c = { .maxlen = sizeof(cbuf), .buf = cbuf };
	struct strbuf d = { .maxlen = sizeof(dbuf), .buf = dbuf };
	int flags = RS_HIPRI;

	cr_assert_eq(put_str(sd, "n", "normal", 0, MSG_BAND), 0);
	cr_assert_eq(sth_getmsg(sd, &c, &d, &flags), -EAGAIN);
	cr_assert_eq(put_str(sd, "p", NULL, 0, MSG_HIPRI), 0);
	flags = RS_HIPRI;
	cr_assert_eq(sth_getmsg(sd, &c, &d, &flags), 0);
	cr_assert_eq(flags, RS_HIPRI);
	cr_assert_eq(cbuf[0], 'p');
	flags = RS_HIPRI;
	cr_assert_eq(sth_getmsg(sd, &c, &d, &flags), -EAGAIN, "the normal one is still there");
	cr_assert_eq(nread(sd), 1);
	cr_assert_eq(sth_close(sd), 0);
}

/* ---- I_STR -------------------------------------------------------------------------------- */

YT_TEST(sth, runs_an_i_str_round_trip_with_data_back)
{
	struct stdata *sd = open_s("techo");
	char buf[8] = "abcde";
	int len = 5;

	cr_assert_eq(istr(sd, TE_ECHO, buf, &len, 1), 5, "ioc_rval is returned");
	cr_assert_eq(len, 5);
	cr_assert_eq(memcmp(buf, "edcba", 5), 0);
	len = 0;
	cr_assert_eq(istr(sd, TE_ECHO, NULL, &len, 0), 0);
	cr_assert_eq(len, 0);
	cr_assert_eq(sd->sd_flag & IOCWAIT, 0u);
	cr_assert_eq(sth_close(sd), 0);
}

YT_TEST(sth, returns_the_error_of_an_i_str_nak)
{
	struct stdata *sd = open_s("techo");

	cr_assert_eq(istr(sd, TE_NAK, NULL, NULL, 1), -EPERM);
	cr_assert_eq(istr(sd, TE_IOC | 99, NULL, NULL, 1), -EINVAL, "unknown to the driver");
	cr_assert_eq(istr(sd, TE_ACKERR, NULL, NULL, 1), -EIO, "an ACK may carry an error");
	cr_assert_eq(istr(sd, I_PUSH, NULL, NULL, 1), -EINVAL, "no stream-head commands");
	cr_assert_eq(istr(sd, TE_ECHO, NULL, NULL, -2), -EINVAL, "bad timeout");
	cr_assert_eq(sth_close(sd), 0);
}

YT_TEST(sth, times_out_an_unanswered_i_str_and_drops_the_late_answer)
{
	struct stdata *sd = open_s("techo");
	uint64_t t0 = rte_get_timer_cycles(), hz = rte_get_timer_hz();
	char buf[4] = "xy";
	int len = 2;

	cr_assert_eq(istr(sd, TE_SWALLOW, NULL, NULL, 1), -ETIME);
	cr_assert_geq(rte_get_timer_cycles() - t0, hz * 9 / 10, "waited about a second");
	cr_assert_not_null(te.swallowed);
	cr_assert_eq(sd->sd_flag & IOCWAIT, 0u);
	cr_assert_eq(yard_sth_stats(sd)->sths_ioc_timeouts, 1);

	/* The driver answers at last: the stream head drops it as stale. */
	miocack(te.swallowq, te.swallowed, 0, 0);
	cr_assert_eq(yard_sth_stats(sd)->sths_stale_ioc, 1);
	cr_assert_eq(nread(sd), 0, "nothing reached the read queue");

	cr_assert_eq(istr(sd, TE_ECHO, buf, &len, 1), 2, "the next I_STR works");
	cr_assert_eq(sth_close(sd), 0);
}

YT_TEST(sth, refuses_a_second_i_str_while_one_is_in_flight)
{
	struct stdata *sd = open_s("techo");

	te.nested_rc = 12345;
	cr_assert_eq(istr(sd, TE_NESTED, NULL, NULL, 1), 0);
	cr_assert_eq(te.nested_rc, -EBUSY);
	cr_assert_eq(sth_close(sd), 0);
}

YT_TEST(sth, drops_an_ack_nobody_waits_for)
{
	struct stdata *sd = open_s("techo");
	mblk_t *mp = mkiocb(TE_ECHO);

	cr_assert_not_null(mp);
	DB_TYPE(mp) = M_IOCACK;
	up(sd, mp);
	cr_assert_eq(yard_sth_stats(sd)->sths_stale_ioc, 1);
	cr_assert_eq(nread(sd), 0);
	cr_assert_eq(sth_close(sd), 0);
}

YT_TEST(sth, naks_an_m_ioctl_that_arrives_from_below)
{
	struct stdata *sd = open_s("techo");

	up(sd, mkiocb(1234));
	cr_assert_eq(te.naks_down, 1);
	cr_assert_eq(yard_sth_stats(sd)->sths_ioctl_nak, 1);
	up(sd, ctlmsg(M_CTL, 4, 0, 0));
	up(sd, ctlmsg(M_DELAY, 1, 0, 0));
	cr_assert_eq(yard_sth_stats(sd)->sths_ignored, 2, "M_CTL and M_DELAY mean nothing here");
	cr_assert_eq(nread(sd), 0);
	cr_assert_eq(sth_close(sd), 0);
}

/* ---- flushing ----------------------------------------------------------------------------- */

YT_TEST(sth, flushes_both_sides_with_i_flush_and_loops_the_message_once)
{
	struct stdata *sd = open_s("tq");
	queue_t *dwq = drv_wq(sd);

	tq.held = true;
	for (int i = 0; i < 3; i++)
		cr_assert_eq(put_data(sd, "down"), 0);
	yt_drain();
	cr_assert_eq(qsize(dwq), 3, "held in the driver's write queue");
	up(sd, yt_msg(M_DATA, 10, 'u'));
	up(sd, yt_msg(M_DATA, 10, 'u'));
	cr_assert_eq(nread(sd), 2);

	cr_assert_eq(sth_ioctl(sd, I_FLUSH, FLUSHRW), 0);
	yt_drain();
	cr_assert_eq(nread(sd), 0, "read side flushed");
	cr_assert_eq(qsize(dwq), 0, "write side flushed");
	cr_assert_eq(tq.flushes, 1, "the driver saw one M_FLUSH");
	cr_assert_eq(te.last_flush, FLUSHRW);
	cr_assert_eq(yard_sth_stats(sd)->sths_flush_loop, 0, "it came back FLUSHR only");
	cr_assert_eq(tq.consumed, 0);

	cr_assert_eq(sth_ioctl(sd, I_FLUSH, 0), -EINVAL);
	cr_assert_eq(sth_ioctl(sd, I_FLUSH, 8), -EINVAL);
	cr_assert_eq(sth_close(sd), 0);
}

YT_TEST(sth, flushes_one_band_with_i_flushband)
{
	struct stdata *sd = open_s("techo");
	struct bandinfo bi = { .bi_pri = 2, .bi_flag = FLUSHR };
	struct got g;

	cr_assert_eq(put_str(sd, NULL, "b2", 2, MSG_BAND), 0);
	cr_assert_eq(put_str(sd, NULL, "b1", 1, MSG_BAND), 0);
	cr_assert_eq(put_str(sd, NULL, "b0", 0, MSG_BAND), 0);
	cr_assert_eq(sth_ioctl(sd, I_FLUSHBAND, (intptr_t)&bi), 0);
	cr_assert_eq(te.flushes, 1);
	cr_assert_eq(te.last_flush, FLUSHR | FLUSHBAND);
	cr_assert_eq(nread(sd), 2);
	g = get_p(sd, MSG_ANY, 0);
	cr_assert_str_eq(g.data, "b1");
	bi.bi_flag = 0;
	cr_assert_eq(sth_ioctl(sd, I_FLUSHBAND, (intptr_t)&bi), -EINVAL);
	cr_assert_eq(sth_ioctl(sd, I_FLUSHBAND, 0), -EINVAL);
	cr_assert_eq(sth_close(sd), 0);
}

YT_TEST(sth, turns_a_flushw_from_below_around_once_with_msgnoloop)
{
	struct stdata *sd = open_s("techo");

	up(sd, yt_msg(M_DATA, 8, 'r'));
	up(sd, ctlmsg(M_FLUSH, 1, FLUSHRW, 0));
	cr_assert_eq(nread(sd), 0, "FLUSHR flushed the read queue");
	cr_assert_eq(te.flushes, 1);
	cr_assert_eq(te.last_flush, FLUSHW, "FLUSHR cleared on the way down");
	cr_assert(te.last_bflag & MSGNOLOOP);
	cr_assert_eq(yard_sth_stats(sd)->sths_flush_loop, 1);

	/* A driver that sends it straight back up does not start a ping-pong. */
	te.bounce = true;
	up(sd, ctlmsg(M_FLUSH, 1, FLUSHW, 0));
	yt_drain();
	cr_assert_eq(te.flushes, 2, "down once, back up, freed at the head");
	cr_assert_eq(yard_sth_stats(sd)->sths_flush_loop, 2);
	cr_assert_eq(sth_close(sd), 0);
}

YT_TEST(sth, keeps_m_pcproto_on_flushr_with_rflushpcprot)
{
	struct stdata *sd = open_s("techo");
	mblk_t *so = setopts(SO_READOPT);
	int opt;

	((struct stroptions *)so->b_rptr)->so_readopt = RFLUSHPCPROT;
	up(sd, so);
	cr_assert_eq(sth_ioctl(sd, I_GRDOPT, (intptr_t)&opt), 0);
	cr_assert(opt & RFLUSHPCPROT);
	up(sd, yt_msg(M_PCPROTO, 4, 'p'));
	up(sd, yt_msg(M_DATA, 4, 'd'));
	up(sd, ctlmsg(M_FLUSH, 1, FLUSHR, 0));
	cr_assert_eq(nread(sd), 1);
	cr_assert_eq(DB_TYPE(STH_RQ(sd)->q_first), M_PCPROTO);
	cr_assert_eq(sth_close(sd), 0);
}

/* ---- M_ERROR, M_HANGUP, M_SETOPTS --------------------------------------------------------- */

YT_TEST(sth, takes_a_one_byte_m_error_for_both_sides_and_flushes_only_once)
{
	struct stdata *sd = open_s("techo");
	char buf[8];
	int flags = 0;

	sth_set_notify(sd, S_ERROR, notify, NULL);
	up(sd, ctlmsg(M_ERROR, 1, EIO, 0));
	cr_assert_eq(nt.calls, 1);
	cr_assert_eq(nt.last, S_ERROR);
	cr_assert_eq(te.flushes, 1, "the first error flushes the stream");
	cr_assert_eq(te.last_flush, FLUSHRW);
	cr_assert(sd->sd_flag & STRDERR);
	cr_assert(sd->sd_flag & STWRERR);
	cr_assert_eq(put_data(sd, "x"), -EIO);
	cr_assert_eq(sth_write(sd, "x", 1), -EIO);
	cr_assert_eq(sth_getmsg(sd, NULL, NULL, &flags), -EIO);
	cr_assert_eq(sth_read(sd, buf, sizeof(buf)), -EIO);
	cr_assert_eq(istr(sd, TE_ECHO, NULL, NULL, 1), -EIO);
	cr_assert_eq(sth_ioctl(sd, I_PUSH, (intptr_t)"tm1"), -EIO);
	cr_assert(sth_poll(sd) & S_ERROR);

	up(sd, ctlmsg(M_ERROR, 1, EPROTO, 0));
	cr_assert_eq(te.flushes, 1, "a second error does not flush again");
	cr_assert_eq(nt.calls, 2);
	cr_assert_eq(put_data(sd, "x"), -EPROTO);
	up(sd, ctlmsg(M_ERROR, 1, 0, 0));
	cr_assert_eq(put_data(sd, "x"), -EPROTO, "a one-byte 0 changes nothing");
	cr_assert_eq(yard_sth_stats(sd)->sths_errors, 3);
	cr_assert_eq(sth_close(sd), 0);
}

YT_TEST(sth, takes_a_two_byte_m_error_per_side)
{
	struct stdata *sd = open_s("techo");
	struct got g;

	up(sd, ctlmsg(M_ERROR, 2, EIO, NOERROR));
	cr_assert_eq(te.flushes, 1);
	cr_assert_eq(te.last_flush, FLUSHR, "only the side in error is flushed");
	cr_assert_eq(put_data(sd, "kept"), 0, "writes still work");
	cr_assert_eq(get_p(sd, MSG_ANY, 0).rc, -EIO);

	up(sd, ctlmsg(M_ERROR, 2, NOERROR, EPIPE));
	cr_assert_eq(te.flushes, 2, "a new side in error flushes it");
	cr_assert_eq(te.last_flush, FLUSHW);
	cr_assert_eq(put_data(sd, "x"), -EPIPE);
	cr_assert_eq(sd->sd_rerror, EIO, "NOERROR left the read side alone");

	up(sd, ctlmsg(M_ERROR, 2, 0, 0));
	cr_assert_eq(sd->sd_flag & (STRDERR | STWRERR), 0u, "0 clears");
	cr_assert_eq(te.flushes, 2);
	g = get_p(sd, MSG_ANY, 0);
	cr_assert_eq(g.rc, 0);
	cr_assert_str_eq(g.data, "kept", "a write error does not flush the read side");
	cr_assert_eq(put_data(sd, "y"), 0);

	up(sd, ctlmsg(M_ERROR, 2, EIO, NOERROR));
	cr_assert_eq(te.flushes, 3, "after clearing, an error is a first error again");
	cr_assert_eq(sth_close(sd), 0);
}

YT_TEST(sth, reports_a_nonpersistent_read_error_once)
{
	struct stdata *sd = open_s("techo");
	int opt;

	cr_assert_eq(sth_ioctl(sd, I_SERROPT, RERRNONPERSIST | WERRNORM), 0);
	cr_assert_eq(sth_ioctl(sd, I_GERROPT, (intptr_t)&opt), 0);
	cr_assert_eq(opt, RERRNONPERSIST | WERRNORM);
	cr_assert_eq(sth_ioctl(sd, I_SERROPT, 0x100), -EINVAL);
	up(sd, ctlmsg(M_ERROR, 1, ECONNRESET, 0));
	cr_assert_eq(get_p(sd, MSG_ANY, 0).rc, -ECONNRESET);
	cr_assert_eq(get_p(sd, MSG_ANY, 0).rc, -EAGAIN, "reported once");
	cr_assert_eq(put_data(sd, "x"), -ECONNRESET);
	cr_assert_eq(put_data(sd, "x"), -ECONNRESET, "the write error persists");
	cr_assert_eq(sth_close(sd), 0);
}

YT_TEST(sth, fails_writes_after_m_hangup_and_reads_zero_once_drained)
{
	struct stdata *sd = open_s("techo");
	char buf[8];
	struct got g;

	sth_set_notify(sd, S_HANGUP, notify, NULL);
	cr_assert_eq(put_data(sd, "abc"), 0);
	up(sd, ctlmsg(M_HANGUP, 0, 0, 0));
	cr_assert_eq(nt.last, S_HANGUP);
	cr_assert(sd->sd_flag & STRHUP);
	cr_assert_eq(sd->sd_werror, ENXIO);
	cr_assert_eq(put_data(sd, "x"), -ENXIO);
	cr_assert_eq(sth_write(sd, "x", 1), -ENXIO);
	cr_assert_eq(sth_ioctl(sd, I_PUSH, (intptr_t)"tm1"), -ENXIO);
	cr_assert_eq(istr(sd, TE_ECHO, NULL, NULL, 1), -ENXIO);
	cr_assert(sth_poll(sd) & S_HANGUP);
	cr_assert_eq(sth_read(sd, buf, sizeof(buf)), 3, "what was queued can still be read");
	cr_assert_eq(memcmp(buf, "abc", 3), 0);
	cr_assert_eq(sth_read(sd, buf, sizeof(buf)), 0, "then end of file");
	g = get_p(sd, MSG_ANY, 0);
	cr_assert_eq(g.rc, 0);
	cr_assert_eq(g.clen, 0);
	cr_assert_eq(g.dlen, 0);

	up(sd, ctlmsg(M_UNHANGUP, 0, 0, 0));
	cr_assert_eq(sd->sd_flag & STRHUP, 0u);
	cr_assert_eq(put_data(sd, "back"), 0);
	cr_assert_eq(sth_read(sd, buf, sizeof(buf)), 4);
	cr_assert_eq(sth_close(sd), 0);
}

YT_TEST(sth, applies_m_setopts_to_the_head_read_queue)
{
	struct stdata *sd = open_s("techo");
	queue_t *rq = STH_RQ(sd);
	struct stroptions *so;
	mblk_t *mp;
	int opt;

	mp = setopts(SO_HIWAT | SO_LOWAT | SO_MAXPSZ | SO_MINPSZ | SO_WROFF | SO_READOPT);
	so = (struct stroptions *)mp->b_rptr;
	so->so_hiwat = 300;
	so->so_lowat = 100;
	so->so_maxpsz = 777;
	so->so_minpsz = 3;
	so->so_wroff = 32;
	so->so_readopt = RMSGD | RPROTDIS;
	up(sd, mp);
	cr_assert_eq(rq->q_hiwat, 300);
	cr_assert_eq(rq->q_lowat, 100);
	cr_assert_eq(rq->q_maxpsz, 777);
	cr_assert_eq(rq->q_minpsz, 3);
	cr_assert_eq(sd->sd_wroff, 32);
	cr_assert_eq(sth_ioctl(sd, I_GRDOPT, (intptr_t)&opt), 0);
	cr_assert_eq(opt, RMSGD | RPROTDIS);

	mp = setopts(SO_BAND | SO_HIWAT | SO_LOWAT);
	so = (struct stroptions *)mp->b_rptr;
	so->so_band = 3;
	so->so_hiwat = 7;
	so->so_lowat = 2;
	up(sd, mp);
	cr_assert_not_null(yard_qband(rq, 3));
	cr_assert_eq(yard_qband(rq, 3)->qb_hiwat, 7);
	cr_assert_eq(yard_qband(rq, 3)->qb_lowat, 2);
	cr_assert_eq(rq->q_hiwat, 300, "band 0 untouched");

	/* The write offset is headroom in the first data block. */
	cr_assert_eq(sth_write(sd, "payload", 7), 7);
	cr_assert_geq(te.last_head, 32);

	up(sd, yt_msg(M_SETOPTS, 3, 0));
	cr_assert_eq(yard_sth_stats(sd)->sths_badopts, 1, "too short: dropped");
	cr_assert_eq(sth_close(sd), 0);
}

YT_TEST(sth, lets_a_full_read_queue_go_when_m_setopts_raises_high_water)
{
	struct stdata *sd = open_s("techo");
	queue_t *rq = STH_RQ(sd);
	struct stroptions *so;
	mblk_t *mp;

	while (!(rq->q_flag & QFULL))
		up(sd, yt_msg(M_DATA, 1000, 'f'));
	cr_assert_eq(canputnext(RD(drv_wq(sd))), 0, "the driver is refused");
	mp = setopts(SO_HIWAT);
	so = (struct stroptions *)mp->b_rptr;
	so->so_hiwat = 100000;
	up(sd, mp);
	cr_assert_eq(rq->q_flag & QFULL, 0u);
	cr_assert_eq(canputnext(RD(drv_wq(sd))), 1);
	cr_assert_eq(sth_close(sd), 0);
}

/* ---- flow control and events -------------------------------------------------------------- */

YT_TEST(sth, refuses_writes_when_flow_controlled_and_says_s_output_when_it_clears)
{
	struct stdata *sd = open_s("tq");
	queue_t *dwq = drv_wq(sd);
	char buf[100];
	int n = 0, rc;

	memset(buf, 'w', sizeof(buf));
	tq.held = true;
	sth_set_notify(sd, S_OUTPUT | S_WRBAND, notify, NULL);
	while ((rc = sth_write(sd, buf, sizeof(buf))) == (ssize_t)sizeof(buf))
		cr_assert_lt(++n, 1000);
	cr_assert_eq(rc, -EAGAIN);
	cr_assert_eq(n, 10, "hiwat 1000 of 100-byte messages");
	cr_assert(dwq->q_flag & QFULL);
	cr_assert(dwq->q_flag & QWANTW, "the refusal is recorded below");
	cr_assert_eq(put_data(sd, "x"), -EAGAIN);
	cr_assert_eq(put_str(sd, "hi", NULL, 0, MSG_HIPRI), 0, "high priority is not held back");
	n++;
	cr_assert_eq(sth_poll(sd) & S_OUTPUT, 0u);
	cr_assert_eq(sth_ioctl(sd, I_CANPUT, 0), 0);
	yt_drain();
	cr_assert_eq(nt.outputs, 0, "still held");

	tq.held = false;
	qenable(dwq);
	yt_drain();
	cr_assert_eq(tq.consumed, (unsigned)n);
	cr_assert_eq(nt.outputs, 1, "back-enabled once");
	cr_assert(nt.last & S_OUTPUT);
	cr_assert(sth_poll(sd) & S_OUTPUT);
	cr_assert_eq(sth_ioctl(sd, I_CANPUT, 0), 1);
	cr_assert_eq(sth_write(sd, buf, sizeof(buf)), (ssize_t)sizeof(buf));
	cr_assert_eq(sth_close(sd), 0);
}

YT_TEST(sth, does_not_post_s_output_when_the_queue_filled_again)
{
	struct stdata *sd = open_s("tq");
	queue_t *dwq = drv_wq(sd);
	char buf[100] = { 0 };

	tq.held = true;
	sth_set_notify(sd, S_OUTPUT, notify, NULL);
	while (sth_write(sd, buf, sizeof(buf)) > 0)
		;
	/* Back-enabled, but the queue below is full again by the time sth_wsrv runs. */
	dwq->q_flag &= ~QWANTW;
	sd->sd_wrq->q_flag |= QBACK;
	qenable(sd->sd_wrq);
	yt_drain();
	cr_assert_eq(nt.outputs, 0);
	cr_assert(dwq->q_flag & QWANTW, "asked to be back-enabled again");
	tq.held = false;
	qenable(dwq);
	yt_drain();
	cr_assert_eq(nt.outputs, 1);
	cr_assert_eq(sth_close(sd), 0);
}

YT_TEST(sth, posts_s_input_for_data_and_s_hipri_for_m_pcproto)
{
	struct stdata *sd = open_s("techo");
	struct got g;

	sth_set_notify(sd, S_INPUT | S_RDNORM | S_RDBAND | S_HIPRI, notify, NULL);
	cr_assert_eq(put_data(sd, "one"), 0);
	cr_assert_eq(nt.calls, 1);
	cr_assert_eq(nt.last, S_INPUT | S_RDNORM);
	cr_assert_eq(put_data(sd, "two"), 0);
	cr_assert_eq(nt.calls, 1, "told once, when the queue stopped being empty");
	cr_assert_eq(put_str(sd, "pc", NULL, 0, MSG_HIPRI), 0);
	cr_assert_eq(nt.calls, 2);
	cr_assert_eq(nt.last, S_HIPRI);
	cr_assert_eq(sth_poll(sd) & (S_HIPRI | S_INPUT), S_HIPRI);
	for (int i = 0; i < 3; i++)
		cr_assert_eq(get_p(sd, MSG_ANY, 0).rc, 0);
	cr_assert_eq(put_str(sd, NULL, "banded", 4, MSG_BAND), 0);
	cr_assert_eq(nt.last, S_INPUT | S_RDBAND);
	cr_assert_eq(sth_poll(sd) & (S_INPUT | S_RDBAND | S_RDNORM), S_INPUT | S_RDBAND);
	g = get_p(sd, MSG_ANY, 0);
	cr_assert_eq(g.band, 4);

	/* Only the events asked for are delivered. */
	sth_set_notify(sd, S_HIPRI, notify, NULL);
	cr_assert_eq(put_data(sd, "quiet"), 0);
	cr_assert_eq(nt.calls, 3);
	cr_assert_eq(sth_close(sd), 0);
}

YT_TEST(sth, posts_s_msg_for_m_sig_in_order_with_the_data)
{
	struct stdata *sd = open_s("techo");

	sth_set_notify(sd, S_MSG, notify, NULL);
	up(sd, ctlmsg(M_SIG, 1, 1, 0));
	cr_assert_eq(nt.calls, 1, "at once on an empty queue");
	cr_assert_eq(put_data(sd, "before"), 0);
	up(sd, ctlmsg(M_SIG, 1, 1, 0));
	cr_assert_eq(nt.calls, 1, "queued behind the data");
	cr_assert_eq(get_p(sd, MSG_ANY, 0).rc, 0);
	cr_assert_eq(get_p(sd, MSG_ANY, 0).rc, -EAGAIN);
	cr_assert_eq(nt.calls, 2, "posted when the reader reached it");
	cr_assert(sth_poll(sd) & S_MSG);
	cr_assert_eq(sth_poll(sd) & S_MSG, 0u, "taken by the first poll");
	up(sd, ctlmsg(M_PCSIG, 1, 1, 0));
	cr_assert_eq(nt.calls, 3);
	cr_assert_eq(yard_sth_stats(sd)->sths_sigs, 3);
	cr_assert_eq(sth_close(sd), 0);
}

/* ---- read and write ----------------------------------------------------------------------- */

YT_TEST(sth, reads_a_byte_stream_across_messages_in_rnorm)
{
	struct stdata *sd = open_s("techo");
	char buf[16] = { 0 };

	cr_assert_eq(put_data(sd, "abc"), 0);
	cr_assert_eq(put_data(sd, "def"), 0);
	cr_assert_eq(sth_read(sd, buf, 4), 4);
	cr_assert_eq(memcmp(buf, "abcd", 4), 0);
	cr_assert_eq(sth_read(sd, buf, sizeof(buf)), 2);
	cr_assert_eq(memcmp(buf, "ef", 2), 0);
	cr_assert_eq(sth_read(sd, buf, sizeof(buf)), -EAGAIN);
	cr_assert_eq(sth_read(sd, buf, 0), 0);
	cr_assert_eq(sth_close(sd), 0);
}

YT_TEST(sth, reads_one_message_and_discards_the_rest_in_rmsgd)
{
	struct stdata *sd = open_s("techo");
	char buf[16];

	cr_assert_eq(sth_ioctl(sd, I_SRDOPT, RMSGD), 0);
	cr_assert_eq(put_data(sd, "abcdef"), 0);
	cr_assert_eq(put_data(sd, "gh"), 0);
	cr_assert_eq(sth_read(sd, buf, 4), 4);
	cr_assert_eq(memcmp(buf, "abcd", 4), 0);
	cr_assert_eq(sth_read(sd, buf, sizeof(buf)), 2, "one message per read");
	cr_assert_eq(memcmp(buf, "gh", 2), 0);
	cr_assert_eq(yard_sth_stats(sd)->sths_rd_discard, 1);
	cr_assert_eq(sth_close(sd), 0);
}

YT_TEST(sth, reads_one_message_and_keeps_the_rest_in_rmsgn)
{
	struct stdata *sd = open_s("techo");
	char buf[16];

	cr_assert_eq(sth_ioctl(sd, I_SRDOPT, RMSGN), 0);
	cr_assert_eq(put_data(sd, "abcdef"), 0);
	cr_assert_eq(put_data(sd, "gh"), 0);
	cr_assert_eq(sth_read(sd, buf, 4), 4);
	cr_assert_eq(sth_read(sd, buf, sizeof(buf)), 2);
	cr_assert_eq(memcmp(buf, "ef", 2), 0, "the rest of the first message");
	cr_assert_eq(sth_read(sd, buf, sizeof(buf)), 2);
	cr_assert_eq(memcmp(buf, "gh", 2), 0);
	cr_assert_eq(sth_close(sd), 0);
}

YT_TEST(sth, handles_control_messages_in_read_per_the_protocol_option)
{
	struct stdata *sd = open_s("techo");
	char buf[16];

	cr_assert_eq(put_str(sd, "CC", "dd", 0, MSG_BAND), 0);
	cr_assert_eq(sth_read(sd, buf, sizeof(buf)), -EBADMSG, "RPROTNORM");
	cr_assert_eq(nread(sd), 1, "the message stays for getmsg");

	cr_assert_eq(sth_ioctl(sd, I_SRDOPT, RNORM | RPROTDAT), 0);
	cr_assert_eq(sth_read(sd, buf, sizeof(buf)), 4);
	cr_assert_eq(memcmp(buf, "CCdd", 4), 0, "control read as data");

	cr_assert_eq(sth_ioctl(sd, I_SRDOPT, RNORM | RPROTDIS), 0);
	cr_assert_eq(put_str(sd, "CC", "dd", 0, MSG_BAND), 0);
	cr_assert_eq(put_str(sd, "only", NULL, 0, MSG_BAND), 0);
	cr_assert_eq(put_data(sd, "xy"), 0);
	cr_assert_eq(sth_read(sd, buf, sizeof(buf)), 4, "control parts discarded");
	cr_assert_eq(memcmp(buf, "ddxy", 4), 0);
	cr_assert_eq(yard_sth_stats(sd)->sths_rd_discard, 2);

	cr_assert_eq(sth_ioctl(sd, I_SRDOPT, RMODEMASK), -EINVAL);
	cr_assert_eq(sth_ioctl(sd, I_SRDOPT, RPROTDAT | RPROTDIS), -EINVAL);
	cr_assert_eq(sth_close(sd), 0);
}

YT_TEST(sth, reads_zero_for_a_zero_length_message)
{
	struct stdata *sd = open_s("techo");
	char buf[16];

	cr_assert_eq(put_data(sd, "abc"), 0);
	cr_assert_eq(sth_write(sd, "", 0), 0, "a zero-length write sends an empty message");
	cr_assert_eq(put_data(sd, "def"), 0);
	cr_assert_eq(sth_read(sd, buf, sizeof(buf)), 3, "stops before the empty message");
	cr_assert_eq(sth_read(sd, buf, sizeof(buf)), 0);
	cr_assert_eq(sth_read(sd, buf, sizeof(buf)), 3);
	cr_assert_eq(memcmp(buf, "def", 3), 0);
	cr_assert_eq(sth_close(sd), 0);
}

YT_TEST(sth, splits_a_write_at_the_max_packet_size_below)
{
	struct stdata *sd = open_s("techo");
	char out[250], in[300];

	for (size_t i = 0; i < sizeof(out); i++)
		out[i] = (char)i;
	cr_assert_eq(strqset(drv_wq(sd), QMAXPSZ, 0, 100), 0);
	cr_assert_eq(sth_write(sd, out, sizeof(out)), (ssize_t)sizeof(out));
	cr_assert_eq(te.data_in, 3);
	cr_assert_eq(te.sizes[0], 100);
	cr_assert_eq(te.sizes[1], 100);
	cr_assert_eq(te.sizes[2], 50);
	cr_assert_eq(sth_read(sd, in, sizeof(in)), (ssize_t)sizeof(out));
	cr_assert_eq(memcmp(in, out, sizeof(out)), 0);

	{
		struct strbuf d = { .len = 150, .buf = out };

		cr_assert_eq(sth_putmsg(sd, NULL, &d, 0), -ERANGE, "putmsg is not split");
	}
	cr_assert_eq(strqset(drv_wq(sd), QMINPSZ, 0, 10), 0);
	cr_assert_eq(sth_write(sd, out, 5), -ERANGE, "below the min packet size");
	cr_assert_eq(sth_write(sd, out, 150), -ERANGE, "cannot be split with a min size");
	cr_assert_eq(sth_write(sd, out, 50), 50);
	cr_assert_eq(sth_close(sd), 0);
}

YT_TEST(sth, writes_a_large_message_as_one_message_of_several_blocks)
{
	struct stdata *sd = open_s("techo");
	static char out[20000];
	mblk_t *mp;

	memset(out, 'L', sizeof(out));
	cr_assert_eq(sth_write(sd, out, sizeof(out)), (ssize_t)sizeof(out));
	cr_assert_eq(te.data_in, 1);
	cr_assert_eq(sth_getmsg_mblk(sd, &mp), 0);
	cr_assert_eq(msgdsize(mp), sizeof(out));
	cr_assert_not_null(mp->b_cont, "more than one pool buffer");
	freemsg(mp);
	cr_assert_eq(sth_close(sd), 0);
}

/* ---- read-queue queries ------------------------------------------------------------------- */

YT_TEST(sth, answers_i_nread_i_peek_i_ckband_i_getband_and_i_atmark)
{
	struct stdata *sd = open_s("techo");
	char cbuf[8], dbuf[8];
	struct strpeek pk = {
		.ctlbuf = { .maxlen = sizeof(cbuf), .buf = cbuf },
		.databuf = { .maxlen = sizeof(dbuf), .buf = dbuf },
	};
	mblk_t *mp;
	int n = -1, band = -1;

	cr_assert_eq(sth_ioctl(sd, I_NREAD, (intptr_t)&n), 0);
	cr_assert_eq(n, 0);
	cr_assert_eq(sth_ioctl(sd, I_GETBAND, (intptr_t)&band), -ENODATA);
	cr_assert_eq(sth_ioctl(sd, I_PEEK, (intptr_t)&pk), 0);
	cr_assert_eq(sth_ioctl(sd, I_ATMARK, ANYMARK), 0);

	cr_assert_eq(put_str(sd, "hi", "hello", 2, MSG_BAND), 0);
	cr_assert_eq(put_data(sd, "xyz"), 0);
	cr_assert_eq(sth_ioctl(sd, I_NREAD, (intptr_t)&n), 2, "two messages");
	cr_assert_eq(n, 5, "data bytes of the first");
	cr_assert_eq(sth_ioctl(sd, I_PEEK, (intptr_t)&pk), 1);
	cr_assert_eq(pk.ctlbuf.len, 2);
	cr_assert_eq(memcmp(cbuf, "hi", 2), 0);
	cr_assert_eq(pk.databuf.len, 5);
	cr_assert_eq(memcmp(dbuf, "hello", 5), 0);
	cr_assert_eq(pk.flags, 0);
	pk.flags = RS_HIPRI;
	cr_assert_eq(sth_ioctl(sd, I_PEEK, (intptr_t)&pk), 0, "not high priority");
	cr_assert_eq(nread(sd), 2, "peeking takes nothing");
	cr_assert_eq(sth_ioctl(sd, I_CKBAND, 2), 1);
	cr_assert_eq(sth_ioctl(sd, I_CKBAND, 0), 1);
	cr_assert_eq(sth_ioctl(sd, I_CKBAND, 1), 0);
	cr_assert_eq(sth_ioctl(sd, I_CKBAND, 256), -EINVAL);
	cr_assert_eq(sth_ioctl(sd, I_GETBAND, (intptr_t)&band), 0);
	cr_assert_eq(band, 2);
	cr_assert_eq(sth_ioctl(sd, I_CANPUT, 0), 1);
	cr_assert_eq(sth_ioctl(sd, I_CANPUT, 5), 1);
	cr_assert_eq(sth_ioctl(sd, I_CANPUT, ANYBAND), 1);
	cr_assert_eq(sth_ioctl(sd, I_CANPUT, 300), -EINVAL);

	cr_assert_eq(get_p(sd, MSG_ANY, 0).rc, 0);
	cr_assert_eq(get_p(sd, MSG_ANY, 0).rc, 0);
	mp = yt_msg(M_DATA, 1, 'm');
	mp->b_flag |= MSGMARK;
	up(sd, mp);
	cr_assert_eq(sth_ioctl(sd, I_ATMARK, ANYMARK), 1);
	cr_assert_eq(sth_ioctl(sd, I_ATMARK, LASTMARK), 1);
	mp = yt_msg(M_DATA, 1, 'm');
	mp->b_flag |= MSGMARK;
	up(sd, mp);
	cr_assert_eq(sth_ioctl(sd, I_ATMARK, ANYMARK), 1);
	cr_assert_eq(sth_ioctl(sd, I_ATMARK, LASTMARK), 0, "another mark follows");
	cr_assert_eq(sth_ioctl(sd, I_ATMARK, 0), -EINVAL);
	cr_assert_eq(sth_close(sd), 0);
}

YT_TEST(sth, keeps_and_validates_the_stream_options)
{
	struct stdata *sd = open_s("techo");
	int v;

	cr_assert_eq(sth_ioctl(sd, I_GRDOPT, (intptr_t)&v), 0);
	cr_assert_eq(v, RNORM | RPROTNORM);
	cr_assert_eq(sth_ioctl(sd, I_SRDOPT, RMSGN), 0);
	cr_assert_eq(sth_ioctl(sd, I_GRDOPT, (intptr_t)&v), 0);
	cr_assert_eq(v, RMSGN | RPROTNORM, "a mode alone keeps the protocol option");
	cr_assert_eq(sth_ioctl(sd, I_GRDOPT, 0), -EINVAL);
	cr_assert_eq(sth_ioctl(sd, I_SWROPT, SNDZERO), 0);
	cr_assert_eq(sth_ioctl(sd, I_GWROPT, (intptr_t)&v), 0);
	cr_assert_eq(v, SNDZERO);
	cr_assert_eq(sth_ioctl(sd, I_SWROPT, 0x10), -EINVAL);
	cr_assert_eq(sth_ioctl(sd, I_GETSIG, (intptr_t)&v), -EINVAL, "no events registered");
	cr_assert_eq(sth_ioctl(sd, I_SETSIG, S_INPUT | S_HIPRI), 0);
	cr_assert_eq(sth_ioctl(sd, I_GETSIG, (intptr_t)&v), 0);
	cr_assert_eq(v, S_INPUT | S_HIPRI);
	cr_assert_eq(sth_ioctl(sd, I_SETSIG, 0x4000), -EINVAL);
	cr_assert_eq(sth_ioctl(sd, I_SETCLTIME, 0), -EINVAL);
	cr_assert_eq(sth_ioctl(sd, I_SETCLTIME, 500), 0);
	cr_assert_eq(sth_ioctl(sd, I_GETCLTIME, (intptr_t)&v), 0);
	cr_assert_eq(v, 500);
	cr_assert_eq(sth_ioctl(sd, STR | 0177, 0), -EINVAL, "unknown command");
	cr_assert_eq(sth_ioctl(NULL, I_NREAD, 0), -EINVAL);
	cr_assert_eq(sth_close(sd), 0);
}

/* ---- zero copy ---------------------------------------------------------------------------- */

YT_TEST(sth, passes_whole_messages_with_the_zero_copy_calls)
{
	struct stdata *sd = open_s("techo");
	mblk_t *mp = yt_msg(M_PROTO, 10, 'z'), *got = NULL, *bad;

	mp->b_cont = yt_msg(M_DATA, 20, 'd');
	mp->b_band = 6;
	cr_assert_eq(sth_putmsg_mblk(sd, mp), 0);
	cr_assert_eq(sth_getmsg_mblk(sd, &got), 0);
	cr_assert_eq(got, mp, "the very same message came back");
	cr_assert_eq(DB_TYPE(got), M_PROTO);
	cr_assert_eq(got->b_band, 6);
	cr_assert_eq(msgdsize(got), 20);
	freemsg(got);
	cr_assert_eq(sth_getmsg_mblk(sd, &got), -EAGAIN);
	cr_assert_null(got);

	bad = yt_msg(M_IOCTL, sizeof(struct iocblk), 0);
	cr_assert_eq(sth_putmsg_mblk(sd, bad), -EINVAL, "the I_STR machinery is for ioctls");
	freemsg(bad);
	cr_assert_eq(sth_putmsg_mblk(sd, NULL), -EINVAL);
	cr_assert_eq(sth_close(sd), 0);
}

/* ---- with the built-in loop driver and passthru module ------------------------------------ */

static void
read_in_notifier(struct stdata *sd, unsigned events, void *arg)
{
	char *buf = arg;

	nt.calls++;
	if (events & S_INPUT) {
		ssize_t n = sth_read(sd, buf, 15);

		buf[n > 0 ? n : 0] = '\0';
	}
}

YT_TEST(sth, runs_over_loop_and_passthru_and_lets_the_notifier_read)
{
	struct stdata *sd = open_s("loop");
	char buf[16] = { 0 };
	int minor = -1, len = sizeof(minor);

	cr_assert_eq(sth_ioctl(sd, I_PUSH, (intptr_t)"passthru"), 0);
	cr_assert_eq(istr(sd, LOOP_GETMINOR, (char *)&minor, &len, 1), 0);
	cr_assert_eq(len, (int)sizeof(minor));
	cr_assert_eq(minor, yard_loop_minor(sd));

	sth_set_notify(sd, S_INPUT, read_in_notifier, buf);
	cr_assert_eq(sth_write(sd, "looped", 6), 6);
	yt_drain(); /* loop turns messages around in its service procedure */
	cr_assert_eq(nt.calls, 1);
	cr_assert_str_eq(buf, "looped", "the notifier read it from inside sth_rput");
	cr_assert_eq(nread(sd), 0);
	cr_assert_eq(sth_close(sd), 0);
}

YT_TEST(sth, mioc_in_pulls_up_and_mioc_out_reuses_or_replaces_the_data_block)
{
	mblk_t *mp = mkiocb(1234);
	struct iocblk *ioc;
	unsigned char *p;

	cr_assert_not_null(mp);
	ioc = (struct iocblk *)mp->b_rptr;
	/* 8 bytes split over two blocks: pulled up into one. */
	linkb(mp, yt_msg(M_DATA, 3, 0xa1));
	linkb(mp->b_cont, yt_msg(M_DATA, 5, 0xa2));
	ioc->ioc_count = 8;
	p = yard_mioc_in(mp, 8);
	cr_assert_not_null(p);
	cr_assert_eq(p[2], 0xa1);
	cr_assert_eq(p[3], 0xa2);
	cr_assert_null(yard_mioc_in(mp, 9), "more than the ioctl carries");
	ioc->ioc_count = TRANSPARENT;
	cr_assert_null(yard_mioc_in(mp, 1), "transparent ioctls carry no I_STR data");
	/* An answer that fits reuses the block and keeps its first bytes. */
	p = yard_mioc_out(mp, 4);
	cr_assert_eq(p, mp->b_cont->b_rptr);
	cr_assert_eq(MBLKL(mp->b_cont), 4);
	cr_assert_eq(p[0], 0xa1);
	/* A shared block is replaced, its bytes copied. */
	{
		mblk_t *dup = dupb(mp->b_cont);

		cr_assert_not_null(dup);
		p = yard_mioc_out(mp, 4);
		cr_assert_neq(p, dup->b_rptr, "a new block, not the shared one");
		cr_assert_eq(p[0], 0xa1);
		freeb(dup);
	}
	freemsg(mp);
}

/* ---- bursts ------------------------------------------------------------------------------- */

YT_TEST(sth, queues_a_burst_from_below_and_posts_once_per_run)
{
	struct stdata *sd = open_s("techo");
	mblk_t *v[6], *mp;
	const char expect[] = "cfabdg"; /* high priority first, then band 1, then band 0 in order */

	sth_set_notify(sd, S_INPUT | S_RDNORM | S_RDBAND | S_HIPRI | S_MSG, notify, NULL);
	v[0] = yt_msg(M_PROTO, 1, 'a');
	v[1] = yt_msg(M_DATA, 1, 'b');
	v[2] = yt_msg(M_PCPROTO, 1, 'c');
	v[3] = yt_msg(M_DATA, 1, 'd');
	v[4] = yt_msg(M_DATA, 1, 'f');
	v[4]->b_band = 1;
	v[5] = yt_msg(M_DATA, 1, 'g');
	putnext_burst(RD(drv_wq(sd)), v, 6);
	cr_assert_eq(nt.calls, 2, "one S_INPUT for the first run, one S_HIPRI");
	cr_assert(nt.all & S_INPUT);
	cr_assert(nt.all & S_HIPRI);
	for (unsigned i = 0; i < 6; i++) {
		cr_assert_eq(sth_getmsg_mblk(sd, &mp), 0);
		cr_assert_eq(*mp->b_rptr, (unsigned char)expect[i], "message %u", i);
		freemsg(mp);
	}
	cr_assert_eq(sth_getmsg_mblk(sd, &mp), -EAGAIN);
	/* A burst onto a queue that already holds data posts nothing (edge triggered). */
	up(sd, yt_msg(M_DATA, 1, 'x'));
	cr_assert_eq(nt.calls, 3);
	v[0] = yt_msg(M_DATA, 1, 'y');
	v[1] = yt_msg(M_PROTO, 1, 'z');
	putnext_burst(RD(drv_wq(sd)), v, 2);
	cr_assert_eq(nt.calls, 3);
	cr_assert_eq(sth_close(sd), 0);
}

/* STH_CHECKED: the caller vouches for the messages; the marks still go unless STH_KEEPSUM. */
YT_TEST(sth, a_checked_burst_goes_whole_and_still_clears_the_marks_unless_kept)
{
	struct stdata *sd = open_s("tq");
	queue_t *dwq = drv_wq(sd);
	mblk_t *v[2];

	tq.held = true;
	v[0] = yt_msg(M_PROTO, 4, 1);
	v[1] = yt_msg(M_DATA, 4, 2);
	v[0]->b_yflags |= YB_SUMOK;
	v[1]->b_yflags |= YB_SUMOK;
	cr_assert_eq(sth_putmsg_mblk_burst(sd, v, 2, STH_CHECKED), 2);
	cr_assert_eq(dwq->q_first->b_yflags & YB_SUMOK, 0, "checked is not kept");
	cr_assert_eq(dwq->q_last->b_yflags & YB_SUMOK, 0);
	v[0] = yt_msg(M_PROTO, 4, 3);
	v[1] = yt_msg(M_DATA, 4, 4);
	v[1]->b_yflags |= YB_SUMOK;
	cr_assert_eq(sth_putmsg_mblk_burst(sd, v, 2, STH_CHECKED | STH_KEEPSUM), 2);
	cr_assert_neq(dwq->q_last->b_yflags & YB_SUMOK, 0, "kept when promised");
	cr_assert_eq(dwq->q_count, 16);
	tq.held = false;
	qenable(dwq);
	yt_drain();
	cr_assert_eq(tq.consumed, 4);
	cr_assert_eq(sth_close(sd), 0);
}

/*
 * YB_TUDATA (a checked T_UNITDATA header): kept on the way down only where the caller vouches
 * for it (STH_CHECKED), and gone from every message the head hands out or puts back.
 */
YT_TEST(sth, keeps_a_tudata_mark_only_where_the_caller_vouches_for_it)
{
	struct stdata *sd = open_s("tq");
	queue_t *dwq = drv_wq(sd);
	char cbuf[4], dbuf[32];
	struct strbuf c = { .maxlen = sizeof(cbuf), .buf = cbuf };
	struct strbuf d = { .maxlen = sizeof(dbuf), .buf = dbuf };
	int flags = 0;
	mblk_t *v[1], *mp;

	tq.held = true;
	v[0] = yt_msg(M_PROTO, 4, 1);
	v[0]->b_yflags |= YB_TUDATA;
	cr_assert_eq(sth_putmsg_mblk_burst(sd, v, 1, STH_CHECKED | STH_KEEPSUM), 1);
	cr_assert_neq(dwq->q_last->b_yflags & YB_TUDATA, 0, "the caller's word");
	v[0] = yt_msg(M_PROTO, 4, 2);
	v[0]->b_yflags |= YB_TUDATA;
	cr_assert_eq(sth_putmsg_mblk_burst(sd, v, 1, STH_KEEPSUM), 1);
	cr_assert_eq(dwq->q_last->b_yflags & YB_TUDATA, 0, "nobody checked it");
	mp = yt_msg(M_PROTO, 4, 3);
	mp->b_yflags |= YB_TUDATA;
	cr_assert_eq(sth_putmsg_mblk(sd, mp), 0);
	cr_assert_eq(dwq->q_last->b_yflags & YB_TUDATA, 0, "nor a single zero-copy send");
	tq.held = false;
	qenable(dwq);
	yt_drain();
	cr_assert_eq(tq.consumed, 3);
	cr_assert_eq(sth_close(sd), 0);

	sd = open_s("techo");
	mp = yt_msg(M_PROTO, 10, 'z');
	mp->b_cont = yt_msg(M_DATA, 4, 'd');
	mp->b_datap->db_cksum = 14;
	mp->b_yflags |= YB_TUDATA | YB_MSGSIZE;
	put(STH_RQ(sd), mp);
	cr_assert_eq(sth_getmsg_mblk(sd, &mp), 0);
	cr_assert_eq(mp->b_yflags & (YB_TUDATA | YB_MSGSIZE), 0, "handed out unmarked");
	freemsg(mp);
	mp = yt_msg(M_PROTO, 10, 'z');
	mp->b_cont = yt_msg(M_DATA, 20, 'd');
	mp->b_datap->db_cksum = 30;
	mp->b_yflags |= YB_TUDATA | YB_MSGSIZE;
	put(STH_RQ(sd), mp);
	cr_assert_eq(sth_getmsg(sd, &c, &d, &flags), MORECTL);
	cr_assert_eq(STH_RQ(sd)->q_first->b_yflags & (YB_TUDATA | YB_MSGSIZE), 0,
		     "the rest is put back unmarked: its size is no longer the one said");
	c.maxlen = sizeof(cbuf);
	cr_assert_eq(sth_getmsg(sd, &c, &d, &flags), MORECTL);
	c.maxlen = sizeof(cbuf);
	cr_assert_eq(sth_getmsg(sd, &c, &d, &flags), 0);
	cr_assert_eq(nread(sd), 0);
	cr_assert_eq(sth_close(sd), 0);
}

YT_TEST(sth, sends_the_prefix_of_a_burst_with_one_flow_check)
{
	struct stdata *sd = open_s("tq");
	queue_t *dwq = drv_wq(sd);
	mblk_t *v[4];
	int rc, sent = 0;

	cr_assert_eq(sth_putmsg_mblk_burst(sd, v, 0, 0), 0);
	cr_assert_eq(sth_putmsg_mblk_burst(sd, NULL, 1, 0), -EINVAL);
	v[0] = yt_msg(M_PCPROTO, 4, 0);
	cr_assert_eq(sth_putmsg_mblk_burst(sd, v, 1, 0), -EINVAL, "normal messages only");
	freemsg(v[0]);
	v[0] = yt_msg(M_PROTO, 4, 1);
	v[1] = yt_msg(M_DATA, 4, 2);
	v[1]->b_yflags |= YB_SUMOK;
	v[2] = yt_msg(M_DATA, 4, 3);
	v[2]->b_band = 2;                /* banded: not in a burst */
	v[3] = yt_msg(M_DATA, 4, 4);
	tq.held = true;
	cr_assert_eq(sth_putmsg_mblk_burst(sd, v, 4, 0), 2);
	cr_assert_eq(dwq->q_count, 8);
	cr_assert_eq(dwq->q_first->b_next->b_yflags & YB_SUMOK, 0,
		     "the sender may have changed the bytes: the mark goes");
	cr_assert_eq(sth_putmsg_mblk_burst(sd, v + 2, 2, 0), -EINVAL);
	freemsg(v[2]);
	v[3]->b_yflags |= YB_SUMOK;
	cr_assert_eq(sth_putmsg_mblk_burst(sd, v + 3, 1, STH_KEEPSUM), 1);
	cr_assert_neq(dwq->q_last->b_yflags & YB_SUMOK, 0, "kept when promised");
	/* Fill to high water (1000 bytes), then a burst is refused whole. */
	for (;;) {
		for (unsigned i = 0; i < 4; i++)
			v[i] = yt_msg(M_DATA, 100, 5);
		rc = sth_putmsg_mblk_burst(sd, v, 4, 0);
		if (rc < 0)
			break;
		cr_assert_eq(rc, 4);
		cr_assert_lt(++sent, 100);
	}
	cr_assert_eq(rc, -EAGAIN);
	cr_assert(dwq->q_flag & QWANTW, "the refusal is recorded below");
	freemsg_burst(v, 4);
	tq.held = false;
	qenable(dwq);
	yt_drain();
	cr_assert_eq(tq.consumed, 3 + 4 * (unsigned)sent);
	cr_assert_eq(sth_close(sd), 0);
}
