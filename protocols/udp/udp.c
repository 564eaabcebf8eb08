/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The udp multiplexor: open and close (instances and endpoints), I_LINK/I_UNLINK of the ip
 * stream, the UDP_* ioctls, the TPI requests other than datagrams (T_INFO_REQ, T_BIND_REQ,
 * O_T_BIND_REQ, T_UNBIND_REQ, T_ADDR_REQ, T_CAPABILITY_REQ; T_OPTMGMT_REQ is in udp_opt.c),
 * the port table, the plumbing helper and the streamtab. Input is in udp_input.c, output in
 * udp_output.c. <protocols/udp.h> tells what it does.
 *
 * Principles of operation
 * -----------------------
 * One instance per lcore, created by the first open of "udp" on the lcore and freed by the
 * last close (ui_refs counts the open streams). Every stream is an endpoint in TPI state
 * TS_UNBND when it opens; the one that I_LINKs the ip stream becomes the control stream
 * (ue_control) and refuses binds from then on. Only I_LINK is accepted: the link then belongs
 * to that stream and is undone before it closes (munlinkall), so the instance never outlives
 * its link; a persistent link (I_PLINK) could, and is refused.
 *
 * The TPI state machine is the provider's (reference §7.2) reduced to what a connectionless
 * provider that answers at once needs: TS_UNBND --T_BIND_REQ/T_BIND_ACK--> TS_IDLE
 * --T_UNBIND_REQ/T_OK_ACK--> TS_UNBND. Every request out of its state is refused with
 * T_ERROR_ACK TOUTSTATE and leaves the state as it was (TE_ERROR_ACK restores it); the
 * transient TS_WACK_* states are never seen, since the acknowledgement is sent before the put
 * procedure returns. Acknowledgements are built in the request's own block when it is not
 * shared and is large enough, as illumos' mi_tpi helpers do.
 *
 * Port table. ui_ports[port] heads a list of the endpoints bound to the port (usually one;
 * several when each is bound to a different local address). A bind conflicts when the port
 * is taken by the same address or either side is the wildcard. Ephemeral ports are searched
 * from ui_port_next around the range [ui_port_lo, ui_port_hi], so successive binds get
 * distinct ports and the search is O(1) until the range is nearly full.
 */
#include <errno.h>
#include <string.h>
#include <sys/sysmacros.h>

#include <rte_malloc.h>

#include "udp_priv.h"

struct udp_inst *udp_insts[RTE_MAX_LCORE];
static uint32_t udp_minor;

/* ---- addresses ---------------------------------------------------------------------------- */

bool
udp_is_local(const struct udp_inst *ui, uint32_t addr)
{
	for (unsigned i = 0; i < ui->ui_naddrs; i++)
		if (ui->ui_addrs[i].la_addr == addr)
			return true;
	return false;
}

uint32_t
udp_ifindex_addr(const struct udp_inst *ui, uint32_t ifindex)
{
	for (unsigned i = 0; ifindex != 0 && i < ui->ui_naddrs; i++)
		if (ui->ui_addrs[i].la_ifindex == ifindex)
			return ui->ui_addrs[i].la_addr;
	return 0;
}

bool
udp_is_bcast(const struct udp_inst *ui, uint32_t addr)
{
	if (addr == UINT32_MAX || udp_is_group(addr))
		return true;
	for (unsigned i = 0; i < ui->ui_naddrs; i++)
		if (ui->ui_addrs[i].la_bcast != 0 && ui->ui_addrs[i].la_bcast == addr)
			return true;
	return false;
}

/*
 * Source address selection for a wildcard endpoint: the local address on the destination's
 * subnet, else the first one (the interface the default route uses, in yard's one-link-per-
 * lcore configurations). ip would pick the same: the connected route wins, else the default.
 */
uint32_t
udp_src_for(const struct udp_inst *ui, uint32_t dst)
{
	for (unsigned i = 0; i < ui->ui_naddrs; i++) {
		const struct udp_laddr *la = &ui->ui_addrs[i];

		if ((dst & la->la_mask) == (la->la_addr & la->la_mask))
			return la->la_addr;
	}
	return ui->ui_naddrs > 0 ? ui->ui_addrs[0].la_addr : 0;
}

void
udp_dcache_fill(struct udp_inst *ui, uint32_t dst)
{
	ui->ui_dc.dc_dst = dst;
	ui->ui_dc.dc_src = udp_src_for(ui, dst);
	/* A group is sent to without T_IP_BROADCAST, as a socket needs no SO_BROADCAST for it. */
	ui->ui_dc.dc_mcast = udp_is_group(dst);
	ui->ui_dc.dc_bcast = !ui->ui_dc.dc_mcast && udp_is_bcast(ui, dst);
}

/* ---- the port table ----------------------------------------------------------------------- */

static bool
udp_port_conflict(const struct udp_inst *ui, uint32_t laddr, uint16_t port)
{
	for (const struct udp_ep *ep = ui->ui_ports[port]; ep != NULL; ep = ep->ue_pnext)
		if (ep->ue_laddr == 0 || laddr == 0 || ep->ue_laddr == laddr)
			return true;
	return false;
}

/*
 * An ephemeral port free for laddr, 0 if the range is full. With several lcores only this
 * instance's share of the range (udp_steer.c), so that replies reaching another lcore can be
 * handed back here.
 */
static uint16_t
udp_port_ephemeral(struct udp_inst *ui, uint32_t laddr)
{
	unsigned lo = ui->ui_port_lo, hi = ui->ui_port_hi, n = hi - lo + 1;
	unsigned p = ui->ui_port_next, ninst, me = udp_soft_rank(ui, &ninst);

	if (p < lo || p > hi)
		p = lo;
	for (unsigned i = 0; i < n; i++) {
		if ((ninst < 2 || p % ninst == me) && !udp_port_conflict(ui, laddr, (uint16_t)p)) {
			ui->ui_port_next = (uint16_t)(p == hi ? lo : p + 1);
			return (uint16_t)p;
		}
		p = p == hi ? lo : p + 1;
	}
	return 0;
}

static void
udp_port_insert(struct udp_inst *ui, struct udp_ep *ep)
{
	ep->ue_pnext = ui->ui_ports[ep->ue_lport];
	ui->ui_ports[ep->ue_lport] = ep;
}

static void
udp_port_remove(struct udp_inst *ui, struct udp_ep *ep)
{
	for (struct udp_ep **pp = &ui->ui_ports[ep->ue_lport]; *pp != NULL; pp = &(*pp)->ue_pnext) {
		if (*pp == ep) {
			*pp = ep->ue_pnext;
			break;
		}
	}
	ep->ue_pnext = NULL;
	ep->ue_lport = 0;
	ep->ue_laddr = 0;
}

/* ---- flow control with the lower side ----------------------------------------------------- */

void
udp_block(struct udp_ep *ep)
{
	struct udp_inst *ui = ep->ue_inst;

	if (ep->ue_blocked)
		return;
	ep->ue_blocked = true;
	ep->ue_bnext = ui->ui_blocked;
	ui->ui_blocked = ep;
}

static void
udp_unblock(struct udp_ep *ep)
{
	struct udp_inst *ui = ep->ue_inst;

	if (!ep->ue_blocked)
		return;
	for (struct udp_ep **pp = &ui->ui_blocked; *pp != NULL; pp = &(*pp)->ue_bnext) {
		if (*pp == ep) {
			*pp = ep->ue_bnext;
			break;
		}
	}
	ep->ue_blocked = false;
	ep->ue_bnext = NULL;
}

void
udp_wake_all(struct udp_inst *ui)
{
	struct udp_ep *ep = ui->ui_blocked;

	ui->ui_blocked = NULL;
	while (ep != NULL) {
		struct udp_ep *next = ep->ue_bnext;

		ep->ue_blocked = false;
		ep->ue_bnext = NULL;
		qenable(WR(ep->ue_rq));
		ep = next;
	}
}

int
udp_lwsrv(queue_t *q)
{
	struct udp_inst *ui = q->q_ptr;
	mblk_t *mp;

	/* Nothing is queued here in normal operation (udp_lwput is not on the data path). */
	while ((mp = getq(q)) != NULL) {
		if (!canputnext(q)) {
			(void)putbq(q, mp);
			return 0;
		}
		putnext(q, mp);
	}
	if (ui != NULL)
		udp_wake_all(ui);
	return 0;
}

/* Lower write put: only reached if someone put()s to l_qbot itself; keep the order. */
static int
udp_lwput(queue_t *q, mblk_t *mp)
{
	if (q->q_first != NULL || !canputnext(q))
		(void)putq(q, mp);
	else
		putnext(q, mp);
	return 0;
}

/* ---- TPI acknowledgements ----------------------------------------------------------------- */

mblk_t *
udp_tpi_reuse(struct udp_inst *ui, mblk_t *mp, size_t size, unsigned char type)
{
	mblk_t *np;

	if (DB_REF(mp) == 1 && MBLKSIZE(mp) >= size) {
		freemsg(mp->b_cont);
		mp->b_cont = NULL;
		np = mp;
	} else {
		freemsg(mp);
		np = allocb(size, BPRI_HI);
		if (np == NULL) {
			UDP_INC(ui, tpi_nomem);
			return NULL;
		}
	}
	np->b_rptr = DB_BASE(np);
	np->b_wptr = np->b_rptr + size;
	memset(np->b_rptr, 0, size);
	DB_TYPE(np) = type;
	np->b_band = 0;
	return np;
}

void
udp_error_ack(queue_t *wq, mblk_t *mp, t_scalar_t prim, t_scalar_t tli, t_scalar_t unx)
{
	struct udp_ep *ep = wq->q_ptr;
	struct T_error_ack *ea;

	UDP_INC(ep->ue_inst, tpi_error_acks);
	mp = udp_tpi_reuse(ep->ue_inst, mp, sizeof(*ea), M_PCPROTO);
	if (mp == NULL)
		return;
	ea = (struct T_error_ack *)mp->b_rptr;
	ea->PRIM_type = T_ERROR_ACK;
	ea->ERROR_prim = prim;
	ea->TLI_error = tli;
	ea->UNIX_error = tli == TSYSERR ? unx : 0;
	qreply(wq, mp);
}

static void
udp_ok_ack(queue_t *wq, mblk_t *mp, t_scalar_t prim)
{
	struct udp_ep *ep = wq->q_ptr;
	struct T_ok_ack *ok;

	mp = udp_tpi_reuse(ep->ue_inst, mp, sizeof(*ok), M_PCPROTO);
	if (mp == NULL)
		return;
	ok = (struct T_ok_ack *)mp->b_rptr;
	ok->PRIM_type = T_OK_ACK;
	ok->CORRECT_prim = prim;
	qreply(wq, mp);
}

static void
udp_info_fill(const struct udp_ep *ep, struct T_info_ack *ia)
{
	ia->PRIM_type = T_INFO_ACK;
	ia->TSDU_size = UDP_TSDU_MAX;
	ia->ETSDU_size = T_INVALID;
	ia->CDATA_size = T_INVALID;
	ia->DDATA_size = T_INVALID;
	ia->ADDR_size = (t_scalar_t)sizeof(struct sockaddr_in);
	ia->OPT_size = 512;
	ia->TIDU_size = UDP_TSDU_MAX;
	ia->SERV_type = T_CLTS;
	ia->CURRENT_state = ep->ue_state;
	ia->PROVIDER_flag = SENDZERO | XPG4_1;
}

static void
udp_info_req(queue_t *wq, struct udp_ep *ep, mblk_t *mp)
{
	mp = udp_tpi_reuse(ep->ue_inst, mp, sizeof(struct T_info_ack), M_PCPROTO);
	if (mp == NULL)
		return;
	udp_info_fill(ep, (struct T_info_ack *)mp->b_rptr);
	qreply(wq, mp);
}

static void
udp_capability_req(queue_t *wq, struct udp_ep *ep, mblk_t *mp)
{
	t_uscalar_t bits = 0;
	struct T_capability_ack *ca;

	if (MBLKL(mp) >= sizeof(struct T_capability_req))
		bits = ((const struct T_capability_req *)mp->b_rptr)->CAP_bits1;
	mp = udp_tpi_reuse(ep->ue_inst, mp, sizeof(*ca), M_PCPROTO);
	if (mp == NULL)
		return;
	ca = (struct T_capability_ack *)mp->b_rptr;
	ca->PRIM_type = T_CAPABILITY_ACK;
	ca->CAP_bits1 = bits & TC1_INFO; /* no acceptor ids: connectionless */
	if (bits & TC1_INFO)
		udp_info_fill(ep, &ca->INFO_ack);
	qreply(wq, mp);
}

static void
udp_addr_req(queue_t *wq, struct udp_ep *ep, mblk_t *mp)
{
	struct T_addr_ack *aa;
	size_t size = sizeof(*aa) + (ep->ue_state == TS_IDLE ? sizeof(struct sockaddr_in) : 0);

	mp = udp_tpi_reuse(ep->ue_inst, mp, size, M_PCPROTO);
	if (mp == NULL)
		return;
	aa = (struct T_addr_ack *)mp->b_rptr;
	aa->PRIM_type = T_ADDR_ACK;
	if (ep->ue_state == TS_IDLE) {
		struct sockaddr_in sin = {
			.sin_family = AF_INET,
			.sin_port = rte_cpu_to_be_16(ep->ue_lport),
			.sin_addr.s_addr = ep->ue_laddr,
		};

		aa->LOCADDR_length = (t_scalar_t)sizeof(sin);
		aa->LOCADDR_offset = (t_scalar_t)sizeof(*aa);
		memcpy(aa + 1, &sin, sizeof(sin));
	}
	qreply(wq, mp);
}

/* T_BIND_REQ (XTI: TADDRBUSY) and O_T_BIND_REQ (TLI: another port when the one asked is taken). */
static void
udp_bind_req(queue_t *wq, struct udp_ep *ep, mblk_t *mp, t_scalar_t prim)
{
	struct udp_inst *ui = ep->ue_inst;
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct T_bind_req br;
	struct T_bind_ack *ba;
	uint16_t port;

	if (MBLKL(mp) < sizeof(br)) {
		udp_error_ack(wq, mp, prim, TSYSERR, EINVAL);
		return;
	}
	memcpy(&br, mp->b_rptr, sizeof(br));
	if (ep->ue_state != TS_UNBND || ep->ue_control) {
		udp_error_ack(wq, mp, prim, TOUTSTATE, 0);
		return;
	}
	if (br.ADDR_length != 0) {
		if (br.ADDR_length != (t_scalar_t)sizeof(sin) || br.ADDR_offset < 0 ||
		    (size_t)br.ADDR_offset + sizeof(sin) > MBLKL(mp)) {
			udp_error_ack(wq, mp, prim, TBADADDR, 0);
			return;
		}
		memcpy(&sin, mp->b_rptr + br.ADDR_offset, sizeof(sin));
		if (sin.sin_family != AF_INET ||
		    (sin.sin_addr.s_addr != 0 && !udp_is_local(ui, sin.sin_addr.s_addr))) {
			udp_error_ack(wq, mp, prim, TBADADDR, 0);
			return;
		}
	}
	port = rte_be_to_cpu_16(sin.sin_port);
	if (port != 0 && udp_port_conflict(ui, sin.sin_addr.s_addr, port)) {
		if (prim == T_BIND_REQ) {
			udp_error_ack(wq, mp, prim, TADDRBUSY, 0);
			return;
		}
		port = 0; /* O_T_BIND_REQ: the provider chooses */
	}
	if (port == 0)
		port = udp_port_ephemeral(ui, sin.sin_addr.s_addr);
	if (port == 0) {
		udp_error_ack(wq, mp, prim, TNOADDR, 0);
		return;
	}
	ep->ue_laddr = sin.sin_addr.s_addr;
	ep->ue_lport = port;
	udp_port_insert(ui, ep);
	ep->ue_state = TS_IDLE;
	UDP_INC(ui, tpi_binds);

	mp = udp_tpi_reuse(ui, mp, sizeof(*ba) + sizeof(sin), M_PCPROTO);
	if (mp == NULL)
		return; /* bound all the same; the requester learns the address with T_ADDR_REQ */
	ba = (struct T_bind_ack *)mp->b_rptr;
	ba->PRIM_type = T_BIND_ACK;
	ba->ADDR_length = (t_scalar_t)sizeof(sin);
	ba->ADDR_offset = (t_scalar_t)sizeof(*ba);
	ba->CONIND_number = 0;
	sin.sin_port = rte_cpu_to_be_16(port);
	memset(sin.sin_zero, 0, sizeof(sin.sin_zero));
	memcpy(ba + 1, &sin, sizeof(sin));
	qreply(wq, mp);
}

static void
udp_unbind_req(queue_t *wq, struct udp_ep *ep, mblk_t *mp)
{
	struct udp_inst *ui = ep->ue_inst;

	if (ep->ue_state != TS_IDLE) {
		udp_error_ack(wq, mp, T_UNBIND_REQ, TOUTSTATE, 0);
		return;
	}
	udp_port_remove(ui, ep);
	ep->ue_state = TS_UNBND;
	UDP_INC(ui, tpi_unbinds);
	/* TPI: the provider flushes both directions before acknowledging. */
	flushq(wq, FLUSHDATA);
	udp_unblock(ep);
	(void)putnextctl1(ep->ue_rq, M_FLUSH, FLUSHR);
	udp_ok_ack(wq, mp, T_UNBIND_REQ);
}

static void
udp_tpi(queue_t *wq, struct udp_ep *ep, mblk_t *mp, t_scalar_t prim)
{
	switch (prim) {
	case T_INFO_REQ:
		udp_info_req(wq, ep, mp);
		break;
	case T_BIND_REQ:
	case O_T_BIND_REQ:
		udp_bind_req(wq, ep, mp, prim);
		break;
	case T_UNBIND_REQ:
		udp_unbind_req(wq, ep, mp);
		break;
	case T_OPTMGMT_REQ:
		udp_optmgmt(wq, ep, mp);
		break;
	case T_ADDR_REQ:
		udp_addr_req(wq, ep, mp);
		break;
	case T_CAPABILITY_REQ:
		udp_capability_req(wq, ep, mp);
		break;
	default:
		/* Connection-oriented primitives, the old option format, and unknown ones. */
		udp_error_ack(wq, mp, prim, TNOTSUPPORT, 0);
		break;
	}
}

/* ---- ioctls ------------------------------------------------------------------------------- */

static int
udp_link(struct udp_ep *ep, const struct linkblk *lb)
{
	struct udp_inst *ui = ep->ue_inst;

	if (lb->l_qbot == NULL || lb->l_index <= 0)
		return EINVAL;
	if (ui->ui_lower != NULL)
		return EBUSY; /* one ip stream per instance */
	if (ep->ue_state != TS_UNBND)
		return EINVAL; /* an endpoint in use cannot become the control stream */
	ui->ui_lower = lb->l_qbot;
	ui->ui_muxid = lb->l_index;
	ui->ui_lower_hup = false;
	lb->l_qbot->q_ptr = ui;
	RD(lb->l_qbot)->q_ptr = ui;
	ep->ue_control = true;
	return 0;
}

static void
udp_unlink(struct udp_ep *ep, const struct linkblk *lb)
{
	struct udp_inst *ui = ep->ue_inst;
	queue_t *wq = ui->ui_lower;

	if (wq == NULL || lb->l_index != ui->ui_muxid)
		return; /* not ours: acknowledged all the same, so the framework can go on */
	flushq(wq, FLUSHALL);
	wq->q_ptr = NULL;
	RD(wq)->q_ptr = NULL;
	ui->ui_lower = NULL;
	ui->ui_muxid = 0;
	ui->ui_lower_hup = false;
	ep->ue_control = false;
	/* Whatever waited for the lower side is dropped (drop_no_lower), not stranded. */
	udp_wake_all(ui);
}

static int
udp_setparam(struct udp_inst *ui, struct udp_param *p)
{
	unsigned lo = p->up_port_lo != 0 ? p->up_port_lo : ui->ui_port_lo;
	unsigned hi = p->up_port_hi != 0 ? p->up_port_hi : ui->ui_port_hi;

	if (lo < 1024 || lo > hi)
		return EINVAL;
	if (p->up_flags & ~(UDP_PF_CLEAR | UDP_PF_RX_CKSUM_OFFLOAD))
		return EINVAL;
	ui->ui_port_lo = (uint16_t)lo;
	ui->ui_port_hi = (uint16_t)hi;
	if (p->up_flags & UDP_PF_CLEAR)
		ui->ui_flags = 0;
	ui->ui_flags |= p->up_flags & ~UDP_PF_CLEAR;
	p->up_port_lo = ui->ui_port_lo;
	p->up_port_hi = ui->ui_port_hi;
	p->up_flags = ui->ui_flags;
	return 0;
}

static int
udp_addr_add(struct udp_inst *ui, const struct udp_addrreq *ar)
{
	uint32_t h = rte_be_to_cpu_32(ar->ua_addr);
	struct udp_laddr *la;
	uint32_t mask;

	if (h == 0 || h == UINT32_MAX || (h & 0xf0000000u) >= 0xe0000000u ||
	    (h & 0xff000000u) == 0x7f000000u || ar->ua_prefix < 1 || ar->ua_prefix > 32)
		return EINVAL;
	if (udp_is_local(ui, ar->ua_addr))
		return EEXIST;
	if (ui->ui_naddrs == UDP_MAX_ADDRS)
		return ENOSPC;
	mask = rte_cpu_to_be_32(ar->ua_prefix == 32 ? UINT32_MAX : ~(UINT32_MAX >> ar->ua_prefix));
	la = &ui->ui_addrs[ui->ui_naddrs++];
	la->la_addr = ar->ua_addr;
	la->la_mask = mask;
	la->la_prefix = ar->ua_prefix;
	la->la_ifindex = ar->ua_ifindex;
	la->la_bcast = ar->ua_prefix < 31 ? (ar->ua_addr & mask) | ~mask : 0;
	ui->ui_dc.dc_dst = 0; /* its verdicts may have changed */
	return 0;
}

static int
udp_addr_del(struct udp_inst *ui, const struct udp_addrreq *ar)
{
	for (unsigned i = 0; i < ui->ui_naddrs; i++) {
		if (ui->ui_addrs[i].la_addr == ar->ua_addr) {
			memmove(&ui->ui_addrs[i], &ui->ui_addrs[i + 1],
				(ui->ui_naddrs - i - 1) * sizeof(ui->ui_addrs[0]));
			ui->ui_naddrs--;
			ui->ui_dc.dc_dst = 0; /* its verdicts may have changed */
			return 0;
		}
	}
	return ENOENT;
}

static void
udp_ioctl(queue_t *wq, struct udp_ep *ep, mblk_t *mp)
{
	struct iocblk *ioc = (struct iocblk *)mp->b_rptr;
	struct udp_inst *ui = ep->ue_inst;
	int err = 0, count = 0;
	void *in, *out;

	switch (ioc->ioc_cmd) {
	case I_LINK:
		in = yard_mioc_in(mp, sizeof(struct linkblk));
		err = in == NULL ? EINVAL : udp_link(ep, in);
		break;
	case I_UNLINK:
		in = yard_mioc_in(mp, sizeof(struct linkblk));
		if (in == NULL)
			err = EINVAL;
		else
			udp_unlink(ep, in);
		break;
	case I_PLINK:
		err = EINVAL; /* the instance must not outlive its link: see the header */
		break;
	case I_PUNLINK:
		break; /* never linked persistently: nothing to undo */
	case UDP_SETPARAM: {
		struct udp_param p;

		in = yard_mioc_in(mp, sizeof(p));
		if (in == NULL) {
			err = EINVAL;
			break;
		}
		memcpy(&p, in, sizeof(p));
		err = udp_setparam(ui, &p);
		if (err != 0)
			break;
		out = yard_mioc_out(mp, sizeof(p));
		if (out == NULL) {
			err = ENOSR;
			break;
		}
		memcpy(out, &p, sizeof(p));
		count = sizeof(p);
		break;
	}
	case UDP_ADDR_ADD:
		in = yard_mioc_in(mp, sizeof(struct udp_addrreq));
		err = in == NULL ? EINVAL : udp_addr_add(ui, in);
		break;
	case UDP_ADDR_DEL:
		in = yard_mioc_in(mp, sizeof(struct udp_addrreq));
		err = in == NULL ? EINVAL : udp_addr_del(ui, in);
		break;
	case UDP_GETSTATS:
		out = yard_mioc_out(mp, sizeof(struct udpstat));
		if (out == NULL) {
			err = ENOSR;
			break;
		}
		memcpy(out, ui->ui_st, sizeof(struct udpstat));
		count = sizeof(struct udpstat);
		break;
	default:
		err = EINVAL;
		break;
	}
	if (err != 0)
		miocnak(wq, mp, 0, err);
	else
		miocack(wq, mp, count, 0);
}

/* ---- upper write side --------------------------------------------------------------------- */

static void
udp_wput_unitdata(queue_t *wq, struct udp_ep *ep, mblk_t *mp)
{
	struct udp_inst *ui = ep->ue_inst;
	queue_t *lq = ui->ui_lower;

	if (likely(lq == NULL || ui->ui_lower_hup || (wq->q_first == NULL && canputnext(lq)))) {
		udp_output(ep, mp);
		return;
	}
	/* ip is flow controlled, or earlier requests wait: keep the order, fill our queue. */
	if (unlikely(!putq(wq, mp))) {
		UDP_INC(ui, drop_tx_nomem);
		freemsg(mp);
		return;
	}
	UDP_INC(ui, tx_queued);
	if (!canputnext(lq))
		udp_block(ep);
}

static int udp_wput(queue_t *wq, mblk_t *mp);

/*
 * Datagrams come down in bursts from the stream head. While ip takes them (nothing queued
 * here, canputnext once per run) each T_UNITDATA_REQ becomes its IP_UNITDATA_REQ in place in
 * the caller's vector and the run goes down with one putnext_burst(). Anything else, or ip
 * flow controlled, goes through udp_wput() in order, after the run before it.
 */
void
udp_wput_burst(queue_t *wq, mblk_t **mps, unsigned n)
{
	struct udp_ep *ep = wq->q_ptr;
	struct udp_inst *ui = ep->ue_inst;
	unsigned i = 0;

	while (i < n) {
		queue_t *lq = ui->ui_lower;
		unsigned k = 0;

		if (lq == NULL || ui->ui_lower_hup || wq->q_first != NULL || !canputnext(lq) ||
		    !udp_is_unitdata(mps[i])) {
			(void)udp_wput(wq, mps[i++]);
			continue;
		}
		i += udp_output_burst(ep, mps + i, n - i, mps, &k);
		if (k != 0)
			putnext_burst(lq, mps, k);
		/* mps[0..k) are ip's now; the loop goes on from mps[i], i >= k. */
	}
}

static int
udp_wput(queue_t *wq, mblk_t *mp)
{
	struct udp_ep *ep = wq->q_ptr;

	switch (DB_TYPE(mp)) {
	case M_PROTO:
	case M_PCPROTO: {
		t_scalar_t prim;

		if (unlikely(MBLKL(mp) < sizeof(t_scalar_t))) {
			UDP_INC(ep->ue_inst, drop_bad_wmsg);
			freemsg(mp);
			return 0;
		}
		prim = ((const union T_primitives *)mp->b_rptr)->type;
		if (likely(prim == T_UNITDATA_REQ))
			udp_wput_unitdata(wq, ep, mp);
		else
			udp_tpi(wq, ep, mp, prim);
		return 0;
	}
	case M_IOCTL:
		if (MBLKL(mp) < sizeof(struct iocblk)) {
			UDP_INC(ep->ue_inst, drop_bad_wmsg);
			freemsg(mp);
			return 0;
		}
		udp_ioctl(wq, ep, mp);
		return 0;
	case M_FLUSH:
		/* The canonical driver answer: flush, then turn FLUSHR back up. */
		if (*mp->b_rptr & FLUSHW) {
			flushq(wq, FLUSHDATA);
			udp_unblock(ep);
		}
		if (*mp->b_rptr & FLUSHR) {
			flushq(RD(wq), FLUSHDATA);
			*mp->b_rptr &= (unsigned char)~FLUSHW;
			qreply(wq, mp);
			return 0;
		}
		freemsg(mp);
		return 0;
	default:
		/* M_DATA (a connectionless provider has no connection to send it on), M_CTL, ... */
		UDP_INC(ep->ue_inst, drop_bad_wmsg);
		freemsg(mp);
		return 0;
	}
}

/* The upper read side: only reached if someone put()s to it; pass it on. */
static int
udp_rput(queue_t *q, mblk_t *mp)
{
	putnext(q, mp);
	return 0;
}

/* ---- open and close ----------------------------------------------------------------------- */

static struct udp_inst *
udp_inst_create(unsigned lcore)
{
	struct udp_inst *ui = rte_zmalloc_socket("yard_udp", sizeof(*ui), RTE_CACHE_LINE_SIZE,
						 (int)rte_lcore_to_socket_id(lcore));

	if (ui == NULL)
		return NULL;
	ui->ui_lcore = lcore;
	ui->ui_st = &udp_pcpu_get(lcore)->st;
	ui->ui_port_lo = UDP_PORT_EPH_LO;
	ui->ui_port_hi = UDP_PORT_EPH_HI;
	ui->ui_port_next = UDP_PORT_EPH_LO;
	udp_insts[lcore] = ui;
	return ui;
}

static int
udp_open(queue_t *q, dev_t *devp, int oflag, int sflag, cred_t *crp)
{
	struct udp_inst *ui;
	struct udp_ep *ep;
	struct stroptions *so;
	unsigned lcore;
	mblk_t *mp;

	if (q->q_ptr != NULL)
		return 0;
	if (sflag == MODOPEN)
		return EINVAL;
	lcore = q->q_sched != NULL ? q->q_sched->sc_lcore : yard_sched_self()->sc_lcore;
	mp = allocb(sizeof(*so), BPRI_MED);
	if (mp == NULL)
		return ENOSR;
	ep = rte_zmalloc("yard_udp_ep", sizeof(*ep), RTE_CACHE_LINE_SIZE);
	if (ep == NULL) {
		freemsg(mp);
		return ENOMEM;
	}
	ui = udp_insts[lcore];
	if (ui == NULL && (ui = udp_inst_create(lcore)) == NULL) {
		rte_free(ep);
		freemsg(mp);
		return ENOMEM;
	}
	ui->ui_refs++;
	ep->ue_rq = q;
	ep->ue_inst = ui;
	ep->ue_state = TS_UNBND;
	q->q_ptr = WR(q)->q_ptr = ep;
	if (devp != NULL)
		*devp = makedev(major(*devp), __atomic_add_fetch(&udp_minor, 1, __ATOMIC_RELAXED));
	udp_opt_init(ep);
	qprocson(q);

	/*
	 * Writes leave room for the UDP, IP and Ethernet headers (so they go in place), and the
	 * read side holds XTI_RCVBUF bytes.
	 */
	DB_TYPE(mp) = M_SETOPTS;
	so = (struct stroptions *)mp->b_wptr;
	memset(so, 0, sizeof(*so));
	so->so_flags = SO_WROFF | SO_HIWAT;
	so->so_wroff = UDP_WROFF;
	so->so_hiwat = ep->ue_rcvbuf;
	mp->b_wptr += sizeof(*so);
	putnext(q, mp);
	return 0;
}

static int
udp_close(queue_t *q, int flag, cred_t *crp)
{
	struct udp_ep *ep = q->q_ptr;
	struct udp_inst *ui;

	qprocsoff(q);
	if (ep == NULL)
		return 0;
	ui = ep->ue_inst;
	if (ep->ue_state == TS_IDLE)
		udp_port_remove(ui, ep);
	udp_mship_drop_all(ep);
	udp_unblock(ep);
	if (ep->ue_control && ui->ui_lower != NULL) {
		/* Normally unlinked before the close (munlinkall); be safe if not. */
		struct linkblk lb = { .l_qbot = ui->ui_lower, .l_index = ui->ui_muxid };

		udp_unlink(ep, &lb);
	}
	q->q_ptr = WR(q)->q_ptr = NULL;
	rte_free(ep);
	if (--ui->ui_refs == 0) {
		udp_insts[ui->ui_lcore] = NULL;
		rte_free(ui);
	}
	return 0;
}

/* ---- plumbing ----------------------------------------------------------------------------- */

static int
udp_istr(struct stdata *sd, int cmd, void *data, int len)
{
	struct strioctl ic = { .ic_cmd = cmd, .ic_timout = 5, .ic_len = len, .ic_dp = data };

	return sth_ioctl(sd, I_STR, (intptr_t)&ic);
}

int
yard_udp_plumb(struct yard_udp_plumbing *p, const struct udp_addrreq *addrs, unsigned n)
{
	int proto = IPPROTO_UDP, rc;

	if (p == NULL || (n > 0 && addrs == NULL))
		return -EINVAL;
	memset(p, 0, sizeof(*p));
	rc = sth_open(UDP_DRVNAME, 0, &p->up_udp);
	if (rc < 0)
		return rc;
	rc = sth_open(IP_DRVNAME, 0, &p->up_ip);
	if (rc < 0)
		goto fail;
	rc = udp_istr(p->up_ip, IP_PROTO_BIND, &proto, sizeof(proto));
	if (rc < 0)
		goto fail;
	rc = sth_ioctl(p->up_udp, I_LINK, (intptr_t)p->up_ip);
	if (rc < 0)
		goto fail;
	p->up_muxid = rc;
	for (unsigned i = 0; i < n; i++) {
		struct udp_addrreq ar = addrs[i];

		rc = udp_istr(p->up_udp, UDP_ADDR_ADD, &ar, sizeof(ar));
		if (rc < 0)
			goto fail;
	}
	sth_set_name(p->up_udp, "udp-ctl");
	sth_set_name(p->up_ip, "ip-udp");
	return 0;
fail:
	yard_udp_unplumb(p);
	return rc;
}

void
yard_udp_unplumb(struct yard_udp_plumbing *p)
{
	if (p == NULL)
		return;
	if (p->up_udp != NULL)
		(void)sth_close(p->up_udp); /* unlinks the ip stream first */
	if (p->up_ip != NULL)
		(void)sth_close(p->up_ip);
	memset(p, 0, sizeof(*p));
}

/* ---- streamtab ---------------------------------------------------------------------------- */

static struct module_info udp_minfo = {
	.mi_idnum = 0x5544,
	.mi_idname = UDP_DRVNAME,
	.mi_minpsz = 0,
	.mi_maxpsz = INFPSZ,
	.mi_hiwat = UDP_SNDBUF_DEFAULT,
	.mi_lowat = UDP_SNDBUF_DEFAULT / 4,
};

/* The lower write queue holds nothing; it exists to be back-enabled by ip's side. */
static struct module_info udp_lminfo = {
	.mi_idnum = 0x5544,
	.mi_idname = UDP_DRVNAME,
	.mi_minpsz = 0,
	.mi_maxpsz = INFPSZ,
	.mi_hiwat = 64 * 1024,
	.mi_lowat = 16 * 1024,
};

static struct qinit udp_urinit = {
	.qi_putp = udp_rput,
	.qi_qopen = udp_open,
	.qi_qclose = udp_close,
	.qi_minfo = &udp_minfo,
};

static struct qinit udp_uwinit = {
	.qi_putp = udp_wput,
	.qi_putp_burst = udp_wput_burst,
	.qi_srvp = udp_wsrv,
	.qi_minfo = &udp_minfo,
};

static struct qinit udp_lrinit = {
	.qi_putp = udp_lrput,
	.qi_minfo = &udp_lminfo,
	.qi_putp_burst = udp_lrput_burst,
};

static struct qinit udp_lwinit = {
	.qi_putp = udp_lwput,
	.qi_srvp = udp_lwsrv,
	.qi_minfo = &udp_lminfo,
};

static struct streamtab udp_streamtab = {
	.st_rdinit = &udp_urinit,
	.st_wrinit = &udp_uwinit,
	.st_muxrinit = &udp_lrinit,
	.st_muxwinit = &udp_lwinit,
};

YARD_DRIVER(UDP_DRVNAME, udp_streamtab, D_MP | D_CLONE)
