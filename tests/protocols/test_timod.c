/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * timod: TI_* ioctls turned into TPI exchanges, over a small fake transport provider written
 * here (so every answer, error and silence can be produced) and over udp.
 */
#include <errno.h>
#include <string.h>

#include <protocols/timod/timod.h>

#include "udp_test.h"

TestSuite(timod, .init = yt_setup, .fini = yt_teardown);

/*
 * "tfake": answers T_INFO_REQ (state TS_IDLE), T_BIND_REQ (echoes the address; an address
 * starting 0xEE is TADDRBUSY, 0xEF TSYSERR/EPERM, 0xDD no answer at all), T_UNBIND_REQ,
 * T_ADDR_REQ ("LOCAL" and "PEER"), T_OPTMGMT_REQ (echoes the options), and
 * T_CAPABILITY_REQ with T_ERROR_ACK TNOTSUPPORT; turns T_UNITDATA_REQ around as
 * T_UNITDATA_IND.
 */
static unsigned tfake_cap_reqs;

static void
tfake_reply(queue_t *q, mblk_t *mp, const void *ack, size_t len, const void *tail, size_t tlen)
{
	mblk_t *np = allocb(len + tlen, BPRI_MED);

	freemsg(mp);
	cr_assert_not_null(np);
	DB_TYPE(np) = M_PCPROTO;
	memcpy(np->b_wptr, ack, len);
	np->b_wptr += len;
	if (tlen > 0) {
		memcpy(np->b_wptr, tail, tlen);
		np->b_wptr += tlen;
	}
	qreply(q, np);
}

static void
tfake_error(queue_t *q, mblk_t *mp, t_scalar_t prim, t_scalar_t tli, t_scalar_t unx)
{
	struct T_error_ack ea = { .PRIM_type = T_ERROR_ACK, .ERROR_prim = prim, .TLI_error = tli,
				  .UNIX_error = unx };

	tfake_reply(q, mp, &ea, sizeof(ea), NULL, 0);
}

static int
tfake_wput(queue_t *q, mblk_t *mp)
{
	union T_primitives *p = (union T_primitives *)mp->b_rptr;

	if (DB_TYPE(mp) == M_FLUSH) {
		if (*mp->b_rptr & FLUSHR) {
			*mp->b_rptr &= (unsigned char)~FLUSHW;
			qreply(q, mp);
		} else {
			freemsg(mp);
		}
		return 0;
	}
	if (DB_TYPE(mp) != M_PROTO && DB_TYPE(mp) != M_PCPROTO) {
		freemsg(mp);
		return 0;
	}
	switch (p->type) {
	case T_INFO_REQ: {
		struct T_info_ack ia = { .PRIM_type = T_INFO_ACK, .TSDU_size = 1000,
					 .ETSDU_size = T_INVALID, .CDATA_size = T_INVALID,
					 .DDATA_size = T_INVALID, .ADDR_size = 16, .OPT_size = 64,
					 .TIDU_size = 1000, .SERV_type = T_CLTS,
					 .CURRENT_state = TS_IDLE, .PROVIDER_flag = XPG4_1 };

		tfake_reply(q, mp, &ia, sizeof(ia), NULL, 0);
		break;
	}
	case T_BIND_REQ: {
		struct T_bind_ack ba = { .PRIM_type = T_BIND_ACK, .ADDR_offset = sizeof(ba) };
		uint8_t addr[16];
		t_scalar_t alen = p->bind_req.ADDR_length;

		memcpy(addr, mp->b_rptr + p->bind_req.ADDR_offset, (size_t)alen);
		if (addr[0] == 0xDD) {
			freemsg(mp); /* silence */
			break;
		}
		if (addr[0] == 0xEE) {
			tfake_error(q, mp, T_BIND_REQ, TADDRBUSY, 0);
			break;
		}
		if (addr[0] == 0xEF) {
			tfake_error(q, mp, T_BIND_REQ, TSYSERR, EPERM);
			break;
		}
		ba.ADDR_length = alen;
		tfake_reply(q, mp, &ba, sizeof(ba), addr, (size_t)alen);
		break;
	}
	case T_UNBIND_REQ: {
		struct T_ok_ack ok = { .PRIM_type = T_OK_ACK, .CORRECT_prim = T_UNBIND_REQ };

		tfake_reply(q, mp, &ok, sizeof(ok), NULL, 0);
		break;
	}
	case T_ADDR_REQ: {
		struct {
			struct T_addr_ack aa;
			char loc[8];
			char rem[8];
		} a = { .aa = { .PRIM_type = T_ADDR_ACK, .LOCADDR_length = 5,
				.LOCADDR_offset = sizeof(struct T_addr_ack), .REMADDR_length = 4,
				.REMADDR_offset = sizeof(struct T_addr_ack) + 8 },
			.loc = "LOCAL", .rem = "PEER" };

		tfake_reply(q, mp, &a, sizeof(a), NULL, 0);
		break;
	}
	case T_OPTMGMT_REQ: {
		struct T_optmgmt_ack oa = { .PRIM_type = T_OPTMGMT_ACK,
					    .OPT_length = p->optmgmt_req.OPT_length,
					    .OPT_offset = sizeof(oa), .MGMT_flags = T_SUCCESS };
		uint8_t opt[256];

		memcpy(opt, mp->b_rptr + p->optmgmt_req.OPT_offset, (size_t)oa.OPT_length);
		tfake_reply(q, mp, &oa, sizeof(oa), opt, (size_t)oa.OPT_length);
		break;
	}
	case T_CAPABILITY_REQ:
		tfake_cap_reqs++;
		tfake_error(q, mp, T_CAPABILITY_REQ, TNOTSUPPORT, 0);
		break;
	case T_UNITDATA_REQ:
		p->type = T_UNITDATA_IND; /* the same layout */
		qreply(q, mp);
		break;
	default:
		tfake_error(q, mp, p->type, TNOTSUPPORT, 0);
		break;
	}
	return 0;
}

static int
tfake_rput(queue_t *q, mblk_t *mp)
{
	putnext(q, mp);
	return 0;
}

static int
tfake_open(queue_t *q, dev_t *devp, int oflag, int sflag, cred_t *crp)
{
	qprocson(q);
	return 0;
}

static int
tfake_close(queue_t *q, int flag, cred_t *crp)
{
	qprocsoff(q);
	return 0;
}

static struct module_info tfake_minfo = {
	.mi_idname = "tfake", .mi_maxpsz = INFPSZ, .mi_hiwat = 65536, .mi_lowat = 1024,
};
static struct qinit tfake_rinit = {
	.qi_putp = tfake_rput, .qi_qopen = tfake_open, .qi_qclose = tfake_close,
	.qi_minfo = &tfake_minfo,
};
static struct qinit tfake_winit = { .qi_putp = tfake_wput, .qi_minfo = &tfake_minfo };
static struct streamtab tfake_info = { .st_rdinit = &tfake_rinit, .st_wrinit = &tfake_winit };

YARD_DRIVER("tfake", tfake_info, D_MP | D_CLONE)

/* ---- helpers ------------------------------------------------------------------------------ */

static struct stdata *
open_timod(const char *drv)
{
	struct stdata *sd;

	cr_assert_eq(sth_open(drv, 0, &sd), 0, "open %s", drv);
	cr_assert_eq(sth_ioctl(sd, I_PUSH, (intptr_t)TIMOD_MODNAME), 0, "push timod");
	return sd;
}

/* I_STR cmd with len bytes of buf in and room for max back; *outlen the answer's length. */
static int
ti(struct stdata *sd, int cmd, void *buf, int max, int *outlen, int timout)
{
	struct strioctl ic = { .ic_cmd = cmd, .ic_timout = timout, .ic_len = max, .ic_dp = buf };
	int rc = sth_ioctl(sd, I_STR, (intptr_t)&ic);

	if (outlen != NULL)
		*outlen = ic.ic_len;
	return rc;
}

/* ---- tests -------------------------------------------------------------------------------- */

YT_TEST(timod, asks_the_stream_head_to_keep_acks_through_flushes)
{
	struct stdata *sd;

	cr_assert_eq(sth_open("tfake", 0, &sd), 0);
	cr_assert_eq(sd->sd_rdopt & RFLUSHPCPROT, 0);
	cr_assert_eq(sth_ioctl(sd, I_PUSH, (intptr_t)TIMOD_MODNAME), 0);
	cr_assert_neq(sd->sd_rdopt & RFLUSHPCPROT, 0, "M_SETOPTS RFLUSHPCPROT at open");
	cr_assert_eq(sth_close(sd), 0);
}

YT_TEST(timod, turns_ti_getinfo_into_an_info_exchange)
{
	struct stdata *sd = open_timod("tfake");
	union {
		struct T_info_req req;
		struct T_info_ack ack;
	} u = { .req = { .PRIM_type = T_INFO_REQ } };
	int len = 0;
	struct timodstat st;

	cr_assert_eq(ti(sd, TI_GETINFO, &u, sizeof(u), &len, 0), 0);
	cr_assert_eq(len, (int)sizeof(u.ack));
	cr_assert_eq(u.ack.PRIM_type, T_INFO_ACK);
	cr_assert_eq(u.ack.TSDU_size, 1000);
	cr_assert_eq(u.ack.CURRENT_state, TS_IDLE);
	timodstat_sum(&st, -1);
	cr_assert_eq(st.timods_ioctls, 1);
	cr_assert_eq(st.timods_acks, 1);
	cr_assert_eq(sth_close(sd), 0);
}

YT_TEST(timod, returns_the_bind_ack_in_the_ioctl)
{
	struct stdata *sd = open_timod("tfake");
	union {
		struct T_bind_req req;
		struct T_bind_ack ack;
		uint8_t raw[64];
	} u;
	int len = 0;

	memset(&u, 0, sizeof(u));
	u.req.PRIM_type = T_BIND_REQ;
	u.req.ADDR_length = 6;
	u.req.ADDR_offset = sizeof(u.req);
	memcpy(u.raw + sizeof(u.req), "abcdef", 6);
	cr_assert_eq(ti(sd, TI_BIND, &u, sizeof(u), &len, 0), 0);
	cr_assert_eq(len, (int)sizeof(u.ack) + 6);
	cr_assert_eq(u.ack.PRIM_type, T_BIND_ACK);
	cr_assert_eq(u.ack.ADDR_length, 6);
	cr_assert_arr_eq(u.raw + u.ack.ADDR_offset, "abcdef", 6);
	cr_assert_eq(sth_close(sd), 0);
}

YT_TEST(timod, reports_an_error_ack_as_tli_and_unix_errors)
{
	struct stdata *sd = open_timod("tfake");
	union {
		struct T_bind_req req;
		uint8_t raw[64];
	} u;
	int len = -1;
	struct timodstat st;

	memset(&u, 0, sizeof(u));
	u.req.PRIM_type = T_BIND_REQ;
	u.req.ADDR_length = 4;
	u.req.ADDR_offset = sizeof(u.req);
	u.raw[sizeof(u.req)] = 0xEE;
	cr_assert_eq(ti(sd, TI_BIND, &u, sizeof(u), &len, 0), TADDRBUSY, "TLI error as the value");
	cr_assert_eq(len, 0);
	u.raw[sizeof(u.req)] = 0xEF;
	cr_assert_eq(ti(sd, TI_BIND, &u, sizeof(u), &len, 0), -EPERM, "TSYSERR as the errno");
	timodstat_sum(&st, -1);
	cr_assert_eq(st.timods_error_acks, 2);
	cr_assert_eq(sth_close(sd), 0);
}

YT_TEST(timod, refuses_a_request_that_does_not_match_the_ioctl)
{
	struct stdata *sd = open_timod("tfake");
	union {
		struct T_info_req ir;
		uint8_t raw[64];
	} u = { .ir = { .PRIM_type = T_INFO_REQ } };
	uint8_t shortreq[2] = { 0 };
	struct timodstat st;

	cr_assert_eq(ti(sd, TI_BIND, &u, sizeof(struct T_bind_req), NULL, 0), -EPROTO);
	cr_assert_eq(ti(sd, TI_BIND, shortreq, sizeof(shortreq), NULL, 0), -EINVAL);
	cr_assert_eq(ti(sd, TI_SETMYNAME, &u, sizeof(u.ir), NULL, 0), -EINVAL);
	cr_assert_eq(ti(sd, TI_OPTMGMT, &u, sizeof(struct T_optmgmt_req), NULL, 0), -EPROTO);
	timodstat_sum(&st, -1);
	cr_assert_eq(st.timods_bad_ioctl, 4);
	cr_assert_eq(st.timods_ioctls, 0, "nothing reached the provider");
	cr_assert_eq(sth_close(sd), 0);
}

YT_TEST(timod, emulates_capability_with_info_when_the_provider_lacks_it)
{
	struct stdata *sd = open_timod("tfake");
	union {
		struct T_capability_req req;
		struct T_capability_ack ack;
	} u;
	int len = 0;
	struct timodstat st;

	for (int i = 0; i < 2; i++) {
		memset(&u, 0, sizeof(u));
		u.req.PRIM_type = T_CAPABILITY_REQ;
		u.req.CAP_bits1 = TC1_INFO | TC1_ACCEPTOR_ID;
		cr_assert_eq(ti(sd, TI_CAPABILITY, &u, sizeof(u), &len, 0), 0);
		cr_assert_eq(len, (int)sizeof(u.ack));
		cr_assert_eq(u.ack.PRIM_type, T_CAPABILITY_ACK);
		cr_assert_eq(u.ack.CAP_bits1, TC1_INFO, "only what the emulation can answer");
		cr_assert_eq(u.ack.INFO_ack.TSDU_size, 1000);
	}
	cr_assert_eq(tfake_cap_reqs, 1, "asked once, then remembered");
	timodstat_sum(&st, -1);
	cr_assert_eq(st.timods_cap_emulated, 2);
	cr_assert_eq(sth_close(sd), 0);
}

YT_TEST(timod, answers_capability_from_a_provider_that_has_it)
{
	struct stdata *sd = open_timod(UDP_DRVNAME);
	union {
		struct T_capability_req req;
		struct T_capability_ack ack;
	} u = { .req = { .PRIM_type = T_CAPABILITY_REQ, .CAP_bits1 = TC1_INFO } };
	int len = 0;
	struct timodstat st;

	cr_assert_eq(ti(sd, TI_CAPABILITY, &u, sizeof(u), &len, 0), 0);
	cr_assert_eq(u.ack.PRIM_type, T_CAPABILITY_ACK);
	cr_assert_eq(u.ack.INFO_ack.TSDU_size, UDP_TSDU_MAX);
	timodstat_sum(&st, -1);
	cr_assert_eq(st.timods_cap_emulated, 0);
	cr_assert_eq(sth_close(sd), 0);
}

YT_TEST(timod, gives_my_name_and_peer_name)
{
	struct stdata *sd = open_timod("tfake"), *us;
	char buf[32];
	int len = 0;

	memset(buf, 0, sizeof(buf));
	cr_assert_eq(ti(sd, TI_GETMYNAME, buf, sizeof(buf), &len, 0), 0);
	cr_assert_eq(len, 5);
	cr_assert_arr_eq(buf, "LOCAL", 5);
	cr_assert_eq(ti(sd, TI_GETPEERNAME, buf, sizeof(buf), &len, 0), 0);
	cr_assert_eq(len, 4);
	cr_assert_arr_eq(buf, "PEER", 4);
	cr_assert_eq(sth_close(sd), 0);

	/* udp has no peer. */
	us = open_timod(UDP_DRVNAME);
	cr_assert_eq(ti(us, TI_GETPEERNAME, buf, sizeof(buf), &len, 0), -ENOTCONN);
	cr_assert_eq(ti(us, TI_GETMYNAME, buf, sizeof(buf), &len, 0), 0);
	cr_assert_eq(len, 0, "unbound: no name yet");
	cr_assert_eq(sth_close(us), 0);
}

YT_TEST(timod, returns_addresses_unbinds_and_syncs_over_udp)
{
	struct stdata *sd = open_timod(UDP_DRVNAME);
	union {
		struct T_bind_req req;
		struct T_addr_ack aa;
		struct ti_sync_req sr;
		struct ti_sync_ack sa;
		struct T_unbind_req ur;
		uint8_t raw[128];
	} u;
	struct sockaddr_in sin = ut_sin(0, 7777);
	int len = 0;

	memset(&u, 0, sizeof(u));
	u.req.PRIM_type = T_BIND_REQ;
	u.req.ADDR_length = sizeof(sin);
	u.req.ADDR_offset = sizeof(u.req);
	memcpy(u.raw + sizeof(u.req), &sin, sizeof(sin));
	cr_assert_eq(ti(sd, TI_BIND, &u, sizeof(u), &len, 0), 0);

	memset(&u, 0, sizeof(u));
	((struct T_addr_req *)&u)->PRIM_type = T_ADDR_REQ;
	cr_assert_eq(ti(sd, TI_GETADDRS, &u, sizeof(u), &len, 0), 0);
	cr_assert_eq(u.aa.PRIM_type, T_ADDR_ACK);
	cr_assert_eq(u.aa.LOCADDR_length, (t_scalar_t)sizeof(sin));
	cr_assert_arr_eq(u.raw + u.aa.LOCADDR_offset, &sin, sizeof(sin));

	memset(&u, 0, sizeof(u));
	u.sr.tsr_flags = TSRF_INFO_REQ;
	cr_assert_eq(ti(sd, TI_SYNC, &u, sizeof(u), &len, 0), 0);
	cr_assert_eq(len, (int)sizeof(struct ti_sync_ack));
	cr_assert_eq(u.sa.PRIM_type, T_INFO_ACK);
	cr_assert_eq(u.sa.CURRENT_state, TS_IDLE);
	cr_assert_eq(u.sa.tsa_qlen, 0);

	memset(&u, 0, sizeof(u));
	u.ur.PRIM_type = T_UNBIND_REQ;
	cr_assert_eq(ti(sd, TI_UNBIND, &u, sizeof(u), &len, 0), 0);
	cr_assert_eq(len, 0, "T_OK_ACK carries nothing back");
	cr_assert_eq(ti(sd, TI_UNBIND, &u, sizeof(u), &len, 0), TOUTSTATE);
	cr_assert_eq(sth_close(sd), 0);
}

YT_TEST(timod, passes_everything_else_through)
{
	struct stdata *sd = open_timod("tfake");
	struct T_unitdata_req req = { .PRIM_type = T_UNITDATA_REQ };
	struct T_unitdata_ind ind;
	char data[16];
	int dlen = 0;

	cr_assert_eq(sth_putmsg(sd, &(struct strbuf){ .len = sizeof(req), .buf = (char *)&req },
				&(struct strbuf){ .len = 5, .buf = "hello" }, 0), 0);
	yt_drain();
	cr_assert_eq(ut_get(sd, &ind, sizeof(ind), data, sizeof(data), &dlen), (int)sizeof(ind));
	cr_assert_eq(ind.PRIM_type, T_UNITDATA_IND);
	cr_assert_eq(dlen, 5);
	cr_assert_arr_eq(data, "hello", 5);
	/* An ioctl that is not timod's goes down: the fake ignores it, the caller times out. */
	cr_assert_eq(ti(sd, LOOP_GETMINOR, data, sizeof(int), NULL, 1), -ETIME);
	cr_assert_eq(sth_close(sd), 0);
}

YT_TEST(timod, replaces_an_ioctl_whose_caller_gave_up)
{
	struct stdata *sd = open_timod("tfake");
	union {
		struct T_bind_req req;
		struct T_info_ack ack;
		uint8_t raw[64];
	} u;
	struct timodstat st;
	int len = 0;

	memset(&u, 0, sizeof(u));
	u.req.PRIM_type = T_BIND_REQ;
	u.req.ADDR_length = 4;
	u.req.ADDR_offset = sizeof(u.req);
	u.raw[sizeof(u.req)] = 0xDD; /* the fake never answers */
	cr_assert_eq(ti(sd, TI_BIND, &u, sizeof(u), &len, 1), -ETIME);
	memset(&u, 0, sizeof(u));
	u.req.PRIM_type = T_INFO_REQ;
	cr_assert_eq(ti(sd, TI_GETINFO, &u, sizeof(u), &len, 0), 0, "the next ioctl works");
	cr_assert_eq(u.ack.PRIM_type, T_INFO_ACK);
	timodstat_sum(&st, -1);
	cr_assert_eq(st.timods_stale, 1);
	cr_assert_eq(sth_close(sd), 0);
}

YT_TEST(timod, frees_a_held_ioctl_at_close)
{
	struct stdata *sd = open_timod("tfake");
	union {
		struct T_bind_req req;
		uint8_t raw[64];
	} u;

	memset(&u, 0, sizeof(u));
	u.req.PRIM_type = T_BIND_REQ;
	u.req.ADDR_length = 4;
	u.req.ADDR_offset = sizeof(u.req);
	u.raw[sizeof(u.req)] = 0xDD;
	cr_assert_eq(ti(sd, TI_BIND, &u, sizeof(u), NULL, 1), -ETIME);
	cr_assert_eq(sth_close(sd), 0); /* the leak check at the end sees the held M_IOCTL freed */
}
