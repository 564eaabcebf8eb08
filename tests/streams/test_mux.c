/* SPDX-License-Identifier: BSD-3-Clause */
/* Multiplexor links (streams/mux.c) with a test multiplexing driver over "loop" streams. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <streams/loop.h>
#include <streams/streams_priv.h>

#include "yard_test.h"

/*
 * "tmux": a multiplexing driver. Its upper write side takes I_LINK/I_PLINK/I_UNLINK/I_PUNLINK
 * and routes M_DATA down lower stream #k, k being the first byte of the data (links are
 * numbered in the order they were made). Its lower read side sends everything up the
 * controlling stream (RD(l_qtop)), or the last opened upper stream for a persistent link.
 */
#define TX_NLINK 8

struct tlink {
	bool used;
	int muxid;
	queue_t *qtop, *qbot;
};

static struct {
	struct tlink l[TX_NLINK];
	unsigned links, plinks, unlinks, punlinks;
	int nak_link;          /* NAK I_LINK with this error */
	queue_t *last_upper;   /* read queue of the last upper stream opened */
	unsigned dropped;      /* data with nowhere to go */
	unsigned up_unrouted;  /* from below before the link was known */
	size_t lblk_len;       /* ioc_count of the last link ioctl */
} tx;

static struct tlink *
tx_find(int muxid)
{
	for (int i = 0; i < TX_NLINK; i++)
		if (tx.l[i].used && tx.l[i].muxid == muxid)
			return &tx.l[i];
	return NULL;
}

static void
tx_ioctl(queue_t *q, mblk_t *mp)
{
	struct iocblk *ioc = (struct iocblk *)mp->b_rptr;
	struct linkblk *lb = mp->b_cont != NULL ? (struct linkblk *)mp->b_cont->b_rptr : NULL;
	struct tlink *l;

	switch (ioc->ioc_cmd) {
	case I_LINK:
	case I_PLINK:
		tx.lblk_len = ioc->ioc_count;
		if (tx.nak_link != 0) {
			miocnak(q, mp, 0, tx.nak_link);
			return;
		}
		for (l = tx.l; l < tx.l + TX_NLINK && l->used; l++)
			;
		cr_assert_lt(l - tx.l, TX_NLINK);
		l->used = true;
		l->muxid = lb->l_index;
		l->qtop = lb->l_qtop;
		l->qbot = lb->l_qbot;
		lb->l_qbot->q_ptr = RD(lb->l_qbot)->q_ptr = l;
		if (ioc->ioc_cmd == I_LINK)
			tx.links++;
		else
			tx.plinks++;
		miocack(q, mp, 0, 0);
		return;
	case I_UNLINK:
	case I_PUNLINK:
		l = tx_find(lb->l_index);
		if (l == NULL) {
			miocnak(q, mp, 0, ENXIO);
			return;
		}
		memset(l, 0, sizeof(*l));
		if (ioc->ioc_cmd == I_UNLINK)
			tx.unlinks++;
		else
			tx.punlinks++;
		miocack(q, mp, 0, 0);
		return;
	default:
		miocnak(q, mp, 0, EINVAL);
		return;
	}
}

static int
tx_uwput(queue_t *q, mblk_t *mp)
{
	switch (DB_TYPE(mp)) {
	case M_IOCTL:
		tx_ioctl(q, mp);
		break;
	case M_DATA: {
		unsigned k = MBLKL(mp) > 0 ? mp->b_rptr[0] : TX_NLINK;

		if (k >= TX_NLINK || !tx.l[k].used) {
			tx.dropped++;
			freemsg(mp);
			break;
		}
		putnext(tx.l[k].qbot, mp);
		break;
	}
	case M_FLUSH:
		if (*mp->b_rptr & FLUSHW)
			flushq(q, FLUSHDATA);
		if (*mp->b_rptr & FLUSHR) {
			flushq(RD(q), FLUSHDATA);
			*mp->b_rptr &= ~FLUSHW;
			qreply(q, mp);
		} else {
			freemsg(mp);
		}
		break;
	default:
		freemsg(mp);
		break;
	}
	return 0;
}

static int
tx_urput(queue_t *q, mblk_t *mp)
{
	putnext(q, mp);
	return 0;
}

static int
tx_open(queue_t *q, dev_t *devp, int oflag, int sflag, cred_t *crp)
{
	tx.last_upper = q;
	return 0;
}

static int
tx_close(queue_t *q, int flag, cred_t *crp)
{
	if (tx.last_upper == q)
		tx.last_upper = NULL;
	return 0;
}

/* Lower read side: what the lower stream sends up goes up the controlling stream. */
static int
tx_lrput(queue_t *q, mblk_t *mp)
{
	struct tlink *l = q->q_ptr;
	queue_t *urq;

	if (DB_TYPE(mp) == M_FLUSH || l == NULL) {
		tx.up_unrouted += l == NULL;
		freemsg(mp);
		return 0;
	}
	urq = l->qtop != NULL ? RD(l->qtop) : tx.last_upper;
	if (urq == NULL) {
		tx.dropped++;
		freemsg(mp);
		return 0;
	}
	putnext(urq, mp);
	return 0;
}

static int
tx_lwput(queue_t *q, mblk_t *mp)
{
	putnext(q, mp);
	return 0;
}

static struct module_info tx_minfo = {
	.mi_idname = "tmux", .mi_maxpsz = INFPSZ, .mi_hiwat = 8192, .mi_lowat = 2048,
};
static struct qinit tx_urinit = {
	.qi_putp = tx_urput, .qi_qopen = tx_open, .qi_qclose = tx_close, .qi_minfo = &tx_minfo,
};
static struct qinit tx_uwinit = { .qi_putp = tx_uwput, .qi_minfo = &tx_minfo };
static struct qinit tx_lrinit = { .qi_putp = tx_lrput, .qi_minfo = &tx_minfo };
static struct qinit tx_lwinit = { .qi_putp = tx_lwput, .qi_minfo = &tx_minfo };
static struct streamtab tx_info = {
	.st_rdinit = &tx_urinit, .st_wrinit = &tx_uwinit,
	.st_muxrinit = &tx_lrinit, .st_muxwinit = &tx_lwinit,
};

static void
mux_setup(void)
{
	yt_setup();
	cr_assert_eq(yard_drv_register("tmux", &tx_info, D_MP), 0);
	cr_assert_eq(yard_drv_register("tmux2", &tx_info, D_MP), 0);
}

TestSuite(mux, .init = mux_setup, .fini = yt_teardown);

/* ---- helpers ------------------------------------------------------------------------------ */

static struct stdata *
open_s(const char *drv)
{
	struct stdata *sd = NULL;

	cr_assert_eq(sth_open(drv, 0, &sd), 0, "sth_open(%s)", drv);
	return sd;
}

static int
send_to(struct stdata *sd, unsigned char k, const char *text)
{
	char buf[64];
	struct strbuf d = { .len = (int)strlen(text) + 1, .buf = buf };

	buf[0] = (char)k;
	memcpy(buf + 1, text, strlen(text));
	return sth_putmsg(sd, NULL, &d, 0);
}

/* The next message's data as a string (after the routing byte), or NULL if none. */
static const char *
recv_from(struct stdata *sd, unsigned char *kp)
{
	static char buf[64];
	struct strbuf d = { .maxlen = sizeof(buf) - 1, .buf = buf };
	int flags = 0;

	yt_drain();
	if (sth_getmsg(sd, NULL, &d, &flags) != 0 || d.len < 1)
		return NULL;
	buf[d.len] = '\0';
	if (kp != NULL)
		*kp = (unsigned char)buf[0];
	return buf + 1;
}

/* A loop stream still works on its own: what goes down comes back. */
static void
assert_echoes(struct stdata *sd, const char *text)
{
	const char *got;
	unsigned char k;

	cr_assert_eq(send_to(sd, 7, text), 0);
	got = recv_from(sd, &k);
	cr_assert_not_null(got, "no echo of %s", text);
	cr_assert_eq(k, 7);
	cr_assert_str_eq(got, text);
}

static int
link_(struct stdata *upper, struct stdata *lower, int cmd)
{
	return sth_ioctl(upper, cmd, (intptr_t)lower);
}

/* ---- linking ------------------------------------------------------------------------------ */

YT_TEST(mux, links_two_lower_streams_and_routes_through_each)
{
	struct stdata *u = open_s("tmux"), *l1 = open_s("loop"), *l2 = open_s("loop");
	int m1 = yard_loop_minor(l1), m2 = yard_loop_minor(l2);
	int id1, id2, flags = 0;
	unsigned char k;
	const char *got;

	assert_echoes(l1, "alone");
	id1 = link_(u, l1, I_LINK);
	id2 = link_(u, l2, I_LINK);
	cr_assert_gt(id1, 0);
	cr_assert_gt(id2, 0);
	cr_assert_neq(id1, id2, "muxids are distinct");
	cr_assert_eq(tx.links, 2);
	cr_assert_eq(tx.lblk_len, sizeof(struct linkblk));
	cr_assert_eq(yard_mux_nlinks(), 2);
	cr_assert_eq(tx.l[0].muxid, id1, "the driver was told the muxid");
	cr_assert_eq(tx.l[0].qbot, l1->sd_wrq, "l_qbot is the lower stream's head write queue");
	cr_assert_eq(tx.l[0].qtop, sth_endq(u), "l_qtop is the mux's upper write queue");
	cr_assert(l1->sd_flag & STPLEX);
	cr_assert_eq(l1->sd_mux, u);
	cr_assert(u->sd_flag & STRHASLINKS);
	cr_assert_eq(STH_RQ(l1)->q_qinfo, &tx_lrinit, "the lower head became the mux's lower side");
	cr_assert_eq(l1->sd_wrq->q_qinfo, &tx_lwinit);
	cr_assert(STH_RQ(l1)->q_flag & QMUX);
	cr_assert(l1->sd_wrq->q_flag & QMUX);

	cr_assert_eq(send_to(u, 0, "to one"), 0);
	cr_assert_eq(send_to(u, 1, "to two"), 0);
	got = recv_from(u, &k);
	cr_assert_not_null(got);
	cr_assert_eq(k, 0);
	cr_assert_str_eq(got, "to one");
	got = recv_from(u, &k);
	cr_assert_not_null(got);
	cr_assert_eq(k, 1);
	cr_assert_str_eq(got, "to two");
	cr_assert_eq(yard_loop_stats(m1)->loops_in, 2, "the echo test, then one via the mux");
	cr_assert_eq(yard_loop_stats(m2)->loops_in, 1);

	/* A linked stream belongs to the multiplexor. */
	cr_assert_eq(send_to(l1, 0, "x"), -EINVAL);
	cr_assert_eq(sth_getmsg(l1, NULL, NULL, &flags), -EINVAL);
	cr_assert_eq(sth_write(l1, "x", 1), -EINVAL);
	cr_assert_eq(sth_ioctl(l1, I_PUSH, (intptr_t)"passthru"), -EINVAL);
	cr_assert_eq(sth_close(l1), -EBUSY);

	/* Closing the controlling stream undoes its links. */
	cr_assert_eq(sth_close(u), 0);
	cr_assert_eq(tx.unlinks, 2);
	cr_assert_eq(yard_mux_nlinks(), 0);
	cr_assert_eq(l1->sd_flag & STPLEX, 0u);
	cr_assert_eq(l2->sd_flag & STPLEX, 0u);
	cr_assert_null(l1->sd_mux);
	assert_echoes(l1, "free again");
	assert_echoes(l2, "free too");
	cr_assert_eq(sth_close(l1), 0);
	cr_assert_eq(sth_close(l2), 0);
}

YT_TEST(mux, refuses_links_that_make_no_sense)
{
	struct stdata *u = open_s("tmux"), *l1 = open_s("loop"), *l2 = open_s("loop");
	struct stdata *u2 = open_s("tmux");

	cr_assert_eq(link_(u, u, I_LINK), -EINVAL, "a stream under itself");
	cr_assert_eq(link_(u, NULL, I_LINK), -EINVAL);
	cr_assert_eq(link_(l2, l1, I_LINK), -EINVAL, "loop is not a multiplexor");
	cr_assert_gt(link_(u, l1, I_LINK), 0);
	cr_assert_eq(link_(u, l1, I_LINK), -EINVAL, "already linked");
	cr_assert_eq(link_(u2, l1, I_LINK), -EINVAL, "already linked elsewhere");
	cr_assert_eq(link_(u, u2, I_LINK), -EINVAL, "tmux under tmux is a cycle");
	cr_assert_eq(tx.links, 1, "the driver heard only of the good one");
	cr_assert_eq(yard_mux_nlinks(), 1);
	cr_assert_eq(u2->sd_flag & STPLEX, 0u);
	cr_assert_eq(sth_ioctl(u, I_UNLINK, 999), -EINVAL, "no such muxid");
	cr_assert_eq(sth_ioctl(u, I_UNLINK, 0), -EINVAL);
	cr_assert_eq(sth_close(u), 0);
	cr_assert_eq(sth_close(u2), 0);
	cr_assert_eq(sth_close(l1), 0);
	cr_assert_eq(sth_close(l2), 0);
}

YT_TEST(mux, refuses_a_cycle_through_two_multiplexing_drivers)
{
	struct stdata *a = open_s("tmux"), *b = open_s("tmux2");
	struct stdata *c = open_s("tmux2"), *d = open_s("tmux");

	cr_assert_gt(link_(a, b, I_LINK), 0, "tmux2 under tmux");
	cr_assert_eq(link_(c, d, I_LINK), -EINVAL, "tmux under tmux2 would close a cycle");
	cr_assert_eq(d->sd_flag & STPLEX, 0u);
	cr_assert_eq(sth_close(a), 0);
	cr_assert_gt(link_(c, d, I_LINK), 0, "with the first link gone it is fine");
	cr_assert_eq(sth_close(c), 0);
	cr_assert_eq(sth_close(b), 0);
	cr_assert_eq(sth_close(d), 0);
	cr_assert_eq(yard_mux_nlinks(), 0);
}

YT_TEST(mux, undoes_a_link_the_driver_naks)
{
	struct stdata *u = open_s("tmux"), *l1 = open_s("loop");

	tx.nak_link = ENOSR;
	cr_assert_eq(link_(u, l1, I_LINK), -ENOSR);
	cr_assert_eq(l1->sd_flag & STPLEX, 0u);
	cr_assert_eq(STH_RQ(l1)->q_qinfo, &sth_rinit, "the stream head is back");
	cr_assert_eq(l1->sd_wrq->q_qinfo, &sth_winit);
	cr_assert_eq(STH_RQ(l1)->q_flag & QMUX, 0u);
	cr_assert_eq(u->sd_flag & STRHASLINKS, 0u);
	cr_assert_eq(yard_mux_nlinks(), 0);
	assert_echoes(l1, "unharmed");
	cr_assert_eq(sth_close(u), 0);
	cr_assert_eq(sth_close(l1), 0);
}

YT_TEST(mux, unlinks_one_stream_which_works_alone_again)
{
	struct stdata *u = open_s("tmux"), *l1 = open_s("loop"), *l2 = open_s("loop");
	int id1 = link_(u, l1, I_LINK), id2 = link_(u, l2, I_LINK);
	unsigned char k;
	const char *got;

	cr_assert_gt(id1, 0);
	cr_assert_gt(id2, 0);
	cr_assert_eq(sth_ioctl(u, I_UNLINK, id1), 0);
	cr_assert_eq(tx.unlinks, 1);
	cr_assert_eq(yard_mux_nlinks(), 1);
	cr_assert_eq(l1->sd_flag & STPLEX, 0u);
	cr_assert_eq(STH_RQ(l1)->q_qinfo, &sth_rinit);
	cr_assert_eq(STH_RQ(l1)->q_ptr, l1);
	assert_echoes(l1, "mine again");
	cr_assert(u->sd_flag & STRHASLINKS, "l2 is still linked");

	cr_assert_eq(send_to(u, 1, "still routed"), 0);
	got = recv_from(u, &k);
	cr_assert_not_null(got);
	cr_assert_eq(k, 1);
	cr_assert_str_eq(got, "still routed");
	cr_assert_eq(send_to(u, 0, "nowhere"), 0);
	yt_drain();
	cr_assert_eq(tx.dropped, 1, "link 0 is gone");

	cr_assert_eq(sth_ioctl(u, I_UNLINK, id1), -EINVAL, "already unlinked");
	cr_assert_eq(sth_ioctl(u, I_UNLINK, MUXID_ALL), 0);
	cr_assert_eq(tx.unlinks, 2);
	cr_assert_eq(u->sd_flag & STRHASLINKS, 0u);
	cr_assert_eq(sth_ioctl(u, I_UNLINK, MUXID_ALL), 0, "nothing left is fine");
	assert_echoes(l2, "mine too");
	cr_assert_eq(sth_close(l1), 0);
	cr_assert_eq(sth_close(l2), 0);
	cr_assert_eq(sth_close(u), 0);
	cr_assert_eq(tx.unlinks, 2, "nothing more to undo at close");
}

YT_TEST(mux, keeps_a_persistent_link_until_i_punlink)
{
	struct stdata *u = open_s("tmux"), *l1 = open_s("loop"), *u2;
	int id = link_(u, l1, I_PLINK);

	cr_assert_gt(id, 0);
	cr_assert_eq(tx.plinks, 1);
	cr_assert_null(tx.l[0].qtop, "no controlling stream");
	cr_assert_eq(u->sd_flag & STRHASLINKS, 0u, "the link is not the stream's");
	cr_assert_eq(sth_ioctl(u, I_UNLINK, id), -EINVAL, "I_UNLINK does not undo I_PLINK");

	cr_assert_eq(sth_close(u), 0);
	cr_assert_eq(tx.unlinks + tx.punlinks, 0, "it outlives the stream that made it");
	cr_assert_eq(yard_mux_nlinks(), 1);
	cr_assert(l1->sd_flag & STPLEX);
	cr_assert_eq(sth_close(l1), -EBUSY);

	/* Any stream of the same driver can take it down; routing still works meanwhile. */
	u2 = open_s("tmux");
	{
		unsigned char k;
		const char *got;

		cr_assert_eq(send_to(u2, 0, "via plink"), 0);
		got = recv_from(u2, &k);
		cr_assert_not_null(got);
		cr_assert_str_eq(got, "via plink");
	}
	cr_assert_eq(sth_ioctl(u2, I_PUNLINK, id), 0);
	cr_assert_eq(tx.punlinks, 1);
	cr_assert_eq(yard_mux_nlinks(), 0);
	cr_assert_eq(l1->sd_flag & STPLEX, 0u);
	assert_echoes(l1, "released");
	cr_assert_eq(sth_ioctl(u2, I_PUNLINK, id), -EINVAL);
	cr_assert_eq(sth_close(l1), 0);
	cr_assert_eq(sth_close(u2), 0);
}

YT_TEST(mux, takes_down_every_persistent_link_with_muxid_all)
{
	struct stdata *u = open_s("tmux"), *l1 = open_s("loop"), *l2 = open_s("loop");

	cr_assert_gt(link_(u, l1, I_PLINK), 0);
	cr_assert_gt(link_(u, l2, I_PLINK), 0);
	cr_assert_eq(sth_ioctl(u, I_PUNLINK, MUXID_ALL), 0);
	cr_assert_eq(tx.punlinks, 2);
	cr_assert_eq(yard_mux_nlinks(), 0);
	cr_assert_eq(sth_close(l1), 0);
	cr_assert_eq(sth_close(l2), 0);
	cr_assert_eq(sth_close(u), 0);
}

YT_TEST(mux, refuses_a_lower_stream_that_is_hung_up)
{
	struct stdata *u = open_s("tmux"), *l1 = open_s("loop");
	mblk_t *mp = yt_msg(M_HANGUP, 0, 0);

	cr_assert_eq(yard_loop_inject(yard_loop_minor(l1), mp), 0);
	yt_drain();
	cr_assert(l1->sd_flag & STRHUP);
	cr_assert_eq(link_(u, l1, I_LINK), -ENXIO);
	cr_assert_eq(yard_mux_nlinks(), 0);
	cr_assert_eq(sth_close(u), 0);
	cr_assert_eq(sth_close(l1), 0);
}
