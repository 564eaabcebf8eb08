/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Assembling and dismantling the per-lcore stacks.
 *
 * Principles of operation
 * -----------------------
 * A queue belongs to the lcore that opened its stream, so each lcore builds its own stack, on
 * itself: the main lcore launches a setup function on one worker at a time
 * (rte_eal_remote_launch, then wait) and runs it itself for its own lcore. On each lcore:
 *
 *   sth_open("ip")                      the lcore's ip instance (first open = control stream)
 *   IP_SETPARAM                         [ip]
 *   for each (port, queue) it serves:
 *     sth_open("pmd")                   a new minor
 *     DL_ATTACH_REQ ppa(port, queue)    -> DL_OK_ACK; the RX poll and TX flush hooks are now
 *                                          on this lcore's scheduler
 *     DL_INFO_REQ                       -> DL_INFO_ACK: MAC, MTU, negotiated offloads (asked,
 *                                          not guessed)
 *     I_PUSH "arp", ARP_SETPARAM [arp], ARP_SETIF (sends the gratuitous ARP), ARP_ADD for
 *     each static neighbour
 *     I_LINK under ip                   -> muxid
 *     IP_IFADD (connected route), IP_ROUTE_ADD 0/0 via the gateway if the port has one, and
 *     IP_ROUTE_ADD for each of its static routes
 *   yard_udp_plumb, yard_tcp_plumb      "udp" and "tcp", each over an "ip" upper stream bound
 *                                          to its protocol, with the lcore's addresses;
 *                                          TCP_SETPARAM [tcp]; then
 *                                          the [services] endpoints: UDP echo and discard, TCP
 *                                          echo, discard and HTTP (XTI applications),
 *                                          memcached (app/memcache/, on the sockets API)
 *   then, once every lcore is set up, on each lcore in turn: the [client.NAME] TCP and UDP
 *   clients it runs (stack_clients_lcore: udp's ephemeral ports depend on how many udp
 *   instances there are)
 *
 * One lcore at a time, because arp siblings (one per lcore serving a port) and ip instances
 * (the fragment owner set) must be created and destroyed while the others are quiet. The
 * lcore loops are not running yet, so nothing but these calls touches the queues.
 *
 * Teardown mirrors it, after the loops have returned: on each lcore in turn, stop the services
 * and unplumb udp, close the ip
 * control stream (which unlinks the links), then the link streams (which pops arp and
 * detaches the pmd minor, releasing the port queue). Closing purges whatever the lcore's
 * mailbox and deferred list still held for the closed queues, so every message block comes
 * back to its pool.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>

#include <pmd_glue/dlpi.h>
#include <pmd_glue/pmd.h>
#include <pmd_glue/port.h>
#include <protocols/arp.h>
#include <protocols/ip.h>
#include <protocols/socket/sock_echo.h>
#include <protocols/socket/yard_socket.h>
#include <protocols/tcp.h>
#include <protocols/tcp_clients.h>
#include <protocols/tcp_services.h>
#include <protocols/udp.h>
#include <protocols/udp_clients.h>
#include <protocols/udp_services.h>

#include "app/memcache/mc_service.h"
#include "app/yard.h"

/* How long setup waits for a DLPI acknowledgement or an ioctl (seconds). */
#define STACK_TIMEOUT_S 5

static struct yard_lcore_stack yard_stacks[RTE_MAX_LCORE];
static const struct yard_config *stack_cfg;

const struct yard_lcore_stack *
yard_stack_of(unsigned lcore)
{
	return lcore < RTE_MAX_LCORE ? &yard_stacks[lcore] : NULL;
}

static int __rte_format_printf(3, 4)
stack_fail(struct yard_lcore_stack *ls, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ls->ls_err, sizeof(ls->ls_err), fmt, ap);
	va_end(ap);
	ls->ls_rc = rc < 0 ? rc : -EIO;
	return ls->ls_rc;
}

static int
stack_istr(struct stdata *sd, int cmd, void *data, int len)
{
	struct strioctl ic = {
		.ic_cmd = cmd, .ic_timout = STACK_TIMEOUT_S, .ic_len = len, .ic_dp = data,
	};

	return sth_ioctl(sd, I_STR, (intptr_t)&ic);
}

/*
 * Send a DLPI request down sd and wait (running this lcore's scheduler) for the control
 * message that answers it; frames received meanwhile are freed (an attached stream hears its
 * queue's traffic). The answer's first block is copied to ack (up to acklen bytes); returns
 * its length, or -errno.
 */
static int
stack_dlpi(struct stdata *sd, unsigned char type, const void *req, size_t len, void *ack,
	   size_t acklen)
{
	struct yard_sched *sc = yard_sched_self();
	uint64_t deadline = rte_get_timer_cycles() + STACK_TIMEOUT_S * rte_get_timer_hz();
	mblk_t *mp = allocb(len, BPRI_HI);
	int rc;

	if (mp == NULL)
		return -ENOMEM;
	DB_TYPE(mp) = type;
	memcpy(mp->b_wptr, req, len);
	mp->b_wptr += len;
	rc = sth_putmsg_mblk(sd, mp);
	if (rc != 0) {
		freemsg(mp);
		return rc;
	}
	for (;;) {
		rc = sth_getmsg_mblk(sd, &mp);
		if (rc == -EAGAIN) {
			if (rte_get_timer_cycles() > deadline)
				return -ETIMEDOUT;
			/* A pass, no idle sleep: the pmd minor answers at once, at set-up. */
			(void)yard_sched_run_once(sc);
			continue;
		}
		if (rc != 0)
			return rc;
		if (mp == NULL)
			return -EPIPE; /* hung up */
		if (DB_TYPE(mp) == M_PROTO || DB_TYPE(mp) == M_PCPROTO) {
			size_t n = RTE_MIN((size_t)MBLKL(mp), acklen);

			memcpy(ack, mp->b_rptr, n);
			rc = (int)MBLKL(mp);
			freemsg(mp);
			return rc;
		}
		freemsg(mp); /* a frame, not our answer */
	}
}

static const char *
dl_err_name(t_uscalar_t e)
{
	switch (e) {
	case DL_BADPPA: return "DL_BADPPA (no such port queue)";
	case DL_BUSY: return "DL_BUSY (another stream serves the queue)";
	case DL_OUTSTATE: return "DL_OUTSTATE";
	case DL_SYSERR: return "DL_SYSERR";
	case DL_BADPRIM: return "DL_BADPRIM";
	default: return "DLPI error";
	}
}

/* Open "pmd", attach it to (port, queue) and learn what the port negotiated. */
static int
link_open(struct yard_lcore_stack *ls, struct yard_link *l)
{
	dl_attach_req_t att = {
		.dl_primitive = DL_ATTACH_REQ, .dl_ppa = YARD_DL_PPA(l->yl_port, l->yl_queue),
	};
	dl_info_req_t inf = { .dl_primitive = DL_INFO_REQ };
	union {
		union DL_primitives p;
		yard_dl_info_ack_t info;
		uint8_t raw[256];
	} ack;
	char name[32];
	int rc;

	rc = sth_open(YARD_PMD_NAME, 0, &l->yl_sd);
	if (rc != 0)
		return stack_fail(ls, rc, "port%u queue %u: cannot open \"%s\": %s", l->yl_port,
				  l->yl_queue, YARD_PMD_NAME, strerror(-rc));
	snprintf(name, sizeof(name), "port%u/q%u", l->yl_port, l->yl_queue);
	sth_set_name(l->yl_sd, name);

	memset(&ack, 0, sizeof(ack));
	rc = stack_dlpi(l->yl_sd, M_PROTO, &att, sizeof(att), &ack, sizeof(ack));
	if (rc < 0)
		return stack_fail(ls, rc, "%s: DL_ATTACH_REQ: %s", name, strerror(-rc));
	if (ack.p.dl_primitive == DL_ERROR_ACK)
		return stack_fail(ls, -EIO, "%s: DL_ATTACH_REQ refused: %s (errno %u)", name,
				  dl_err_name(ack.p.error_ack.dl_errno),
				  ack.p.error_ack.dl_unix_errno);
	if (ack.p.dl_primitive != DL_OK_ACK)
		return stack_fail(ls, -EPROTO, "%s: DL_ATTACH_REQ answered by primitive %u", name,
				  ack.p.dl_primitive);

	memset(&ack, 0, sizeof(ack));
	rc = stack_dlpi(l->yl_sd, M_PCPROTO, &inf, sizeof(inf), &ack, sizeof(ack));
	if (rc < 0)
		return stack_fail(ls, rc, "%s: DL_INFO_REQ: %s", name, strerror(-rc));
	if (ack.p.dl_primitive != DL_INFO_ACK || (size_t)rc < sizeof(yard_dl_info_ack_t) ||
	    ack.info.yx.yx_magic != YARD_DL_INFO_MAGIC)
		return stack_fail(ls, -EPROTO, "%s: DL_INFO_ACK without yard's extension", name);
	l->yl_caps = ack.info.yx.yx_caps;
	l->yl_mtu = (uint16_t)ack.info.yx.yx_mtu;
	memcpy(l->yl_mac.addr_bytes, ack.info.yx.yx_mac, RTE_ETHER_ADDR_LEN);
	/* Frames heard while attaching are nobody's: start the module stack clean. */
	(void)sth_ioctl(l->yl_sd, I_FLUSH, FLUSHR);
	return 0;
}

/* Push arp and configure it; link under ip; give ip the address and routes. */
static int
link_plumb(struct yard_lcore_stack *ls, struct yard_link *l, const struct yard_cfg_port *pc)
{
	const struct yard_config *cfg = stack_cfg;
	struct arp_param ap = {
		.ap_timeout_ms = cfg->arp_timeout_ms,
		.ap_max_entries = cfg->arp_max_entries,
		.ap_max_hold = cfg->arp_hold_max,
		.ap_max_hold_total = cfg->arp_hold_total,
		.ap_retries = cfg->arp_retries,
		.ap_retry_ms = cfg->arp_retry_ms,
		/* 0 would keep arp's default: none has a value of its own */
		.ap_ucast_probes = cfg->arp_ucast_probes != 0 ? cfg->arp_ucast_probes :
								ARP_UCAST_PROBES_NONE,
	};
	/* The low six YARD_CAP_* bits are protocols/link.h's YARD_LINK_CAP_* (pmd_glue/dlpi.h). */
	uint32_t caps = l->yl_caps & 0x3fu;
	struct arp_ifreq ai = {
		.ai_mac = l->yl_mac,
		.ai_port = (uint16_t)l->yl_port,
		.ai_addr = pc->addr,
		.ai_prefix = pc->prefix,
		.ai_mtu = l->yl_mtu,
		.ai_caps = caps,
		.ai_vlan = pc->vlan,
	};
	struct ip_ifreq ii;
	const char *name = l->yl_sd->sd_name;
	int rc;

	rc = sth_ioctl(l->yl_sd, I_PUSH, (intptr_t)ARP_MODNAME);
	if (rc < 0)
		return stack_fail(ls, rc, "%s: I_PUSH arp: %s", name, strerror(-rc));
	rc = stack_istr(l->yl_sd, ARP_SETPARAM, &ap, sizeof(ap));
	if (rc < 0)
		return stack_fail(ls, rc, "%s: ARP_SETPARAM ([arp]): %s", name, strerror(-rc));
	rc = stack_istr(l->yl_sd, ARP_SETIF, &ai, sizeof(ai));
	if (rc < 0)
		return stack_fail(ls, rc, "%s: ARP_SETIF: %s", name, strerror(-rc));
	for (unsigned i = 0; i < pc->nneighbours; i++) {
		struct arp_entry ae = {
			.ae_addr = pc->neighbours[i].addr,
			.ae_mac = pc->neighbours[i].mac,
		};

		rc = stack_istr(l->yl_sd, ARP_ADD, &ae, sizeof(ae));
		if (rc < 0)
			return stack_fail(ls, rc, "%s: ARP_ADD (neighbours): %s", name,
					  strerror(-rc));
	}

	rc = sth_ioctl(ls->ls_ip, I_LINK, (intptr_t)l->yl_sd);
	if (rc <= 0)
		return stack_fail(ls, rc, "%s: I_LINK under ip: %s", name,
				  strerror(rc < 0 ? -rc : EPROTO));
	l->yl_muxid = rc;

	ii = (struct ip_ifreq){
		.ii_muxid = l->yl_muxid,
		.ii_addr = pc->addr,
		.ii_prefix = pc->prefix,
		.ii_mtu = l->yl_mtu,
		.ii_caps = caps,
	};
	rc = stack_istr(ls->ls_ip, IP_IFADD, &ii, sizeof(ii));
	if (rc < 0)
		return stack_fail(ls, rc, "%s: IP_IFADD: %s", name, strerror(-rc));
	if (pc->gateway != 0) {
		struct ip_route r = {
			.ir_dst = 0, .ir_prefix = 0, .ir_gateway = pc->gateway,
			.ir_muxid = l->yl_muxid,
		};

		rc = stack_istr(ls->ls_ip, IP_ROUTE_ADD, &r, sizeof(r));
		if (rc < 0)
			return stack_fail(ls, rc, "%s: IP_ROUTE_ADD default via the gateway: %s",
					  name, strerror(-rc));
	}
	for (unsigned i = 0; i < pc->nroutes; i++) {
		struct ip_route r = {
			.ir_dst = pc->routes[i].dst, .ir_prefix = pc->routes[i].prefix,
			.ir_gateway = pc->routes[i].gw, .ir_muxid = l->yl_muxid,
		};
		char a[INET_ADDRSTRLEN];

		rc = stack_istr(ls->ls_ip, IP_ROUTE_ADD, &r, sizeof(r));
		if (rc < 0)
			return stack_fail(ls, rc, "%s: IP_ROUTE_ADD %s/%u (routes): %s", name,
					  inet_ntop(AF_INET, &r.ir_dst, a, sizeof(a)), r.ir_prefix,
					  strerror(-rc));
	}
	if (pc->mcast_route) {
		/* A udp_source client publishes to a group through this port. */
		struct ip_route r = {
			.ir_dst = htonl(0xe0000000u), .ir_prefix = 4, .ir_muxid = l->yl_muxid,
		};

		rc = stack_istr(ls->ls_ip, IP_ROUTE_ADD, &r, sizeof(r));
		if (rc < 0)
			return stack_fail(ls, rc, "%s: IP_ROUTE_ADD 224.0.0.0/4: %s", name,
					  strerror(-rc));
	}
	return 0;
}

/* What GET / answers on the HTTP service. */
static const char http_body[] =
	"<!doctype html>\n<title>yard</title>\n"
	"<p>yard: a DPDK poll-mode dataplane built on SVR4 STREAMS queues.</p>\n"
	"<p>GET /N answers N bytes.</p>\n";

/* Start one service; -errno after recording what failed. */
static int
service_start(struct yard_lcore_stack *ls, const char *name, uint16_t port,
	      int (*start)(uint16_t))
{
	int rc;

	if (port == 0)
		return 0;
	rc = start(port);
	if (rc < 0)
		return stack_fail(ls, rc, "%s on port %u: %s", name, port, strerror(-rc));
	return 0;
}

/*
 * [services] udp_join: every UDP service of this lcore joins every group, for any source or,
 * source by source, for the sources the group's S@G items name (one membership of them all).
 */
static int
udp_services_join(struct yard_lcore_stack *ls, const struct yard_config *cfg)
{
	const uint16_t ports[] = { cfg->svc_udp_echo, cfg->svc_udp_discard,
				   cfg->svc_udp_sockperf };

	for (unsigned g = 0; g < cfg->nudp_groups; g++) {
		uint32_t group = cfg->udp_groups[g];
		unsigned nsrc = cfg->udp_group_nsrc[g];
		/* one any-source join, or one per source (the first makes the membership) */
		unsigned njoins = nsrc != 0 ? nsrc : 1;

		for (unsigned i = 0; i < RTE_DIM(ports); i++) {
			for (unsigned j = 0; ports[i] != 0 && j < njoins; j++) {
				uint32_t src = nsrc != 0 ? cfg->udp_group_src[g][j] : 0;
				char a[INET_ADDRSTRLEN], sa[INET_ADDRSTRLEN];
				int rc;

				rc = src != 0 ? yard_udp_service_join_source(ports[i], group, src) :
				     yard_udp_service_join(ports[i], group);
				if (rc == 0)
					continue;
				inet_ntop(AF_INET, &group, a, sizeof(a));
				inet_ntop(AF_INET, &src, sa, sizeof(sa));
				return stack_fail(ls, rc, "UDP port %u cannot join %s%s%s: %s",
						  ports[i], src != 0 ? sa : "", src != 0 ? "@" : "",
						  a, strerror(-rc));
			}
		}
	}
	return 0;
}

static int
http_start_default(uint16_t port)
{
	return yard_http_start(port, http_body);
}

/* A [client.NAME] UDP client (udp_rr, udp_source), on the lcore client_start() runs on. */
static int
udp_client_start(struct yard_lcore_stack *ls, const struct yard_cfg_client *cc)
{
	struct yard_udp_client_conf conf = {
		.kind = cc->type == YARD_CFG_CLIENT_UDP_RR ? YARD_UDP_CLIENT_RR :
			YARD_UDP_CLIENT_SOURCE,
		.addr = cc->addr, .port = cc->port, .bytes = cc->bytes,
		.duration_ms = cc->duration_ms, .conns = cc->conns, .size = cc->size,
		.delay_ms = cc->delay_ms, .timeout_ms = cc->timeout_ms,
		.interval_ms = cc->interval_ms,
	};
	int rc;

	snprintf(conf.name, sizeof(conf.name), "%s", cc->name);
	rc = yard_udp_client_start(&conf);
	if (rc < 0)
		return stack_fail(ls, rc, "client.%s: %s", cc->name, strerror(-rc));
	return 0;
}

/* A [client.NAME] TCP client (source, sink, rr, crr), on the lcore client_start() runs on. */
static int
tcp_client_start(struct yard_lcore_stack *ls, const struct yard_cfg_client *cc)
{
	static const enum yard_tcp_client_kind kinds[] = {
		[YARD_CFG_CLIENT_SOURCE] = YARD_TCP_CLIENT_SOURCE,
		[YARD_CFG_CLIENT_SINK] = YARD_TCP_CLIENT_SINK,
		[YARD_CFG_CLIENT_RR] = YARD_TCP_CLIENT_RR,
		[YARD_CFG_CLIENT_CRR] = YARD_TCP_CLIENT_CRR,
	};
	struct yard_tcp_client_conf conf = {
		.kind = kinds[cc->type], .addr = cc->addr, .port = cc->port, .bytes = cc->bytes,
		.duration_ms = cc->duration_ms, .conns = cc->conns, .size = cc->size,
		.delay_ms = cc->delay_ms,
	};
	int rc;

	snprintf(conf.name, sizeof(conf.name), "%s", cc->name);
	rc = yard_tcp_client_start(&conf);
	if (rc < 0)
		return stack_fail(ls, rc, "client.%s: %s", cc->name, strerror(-rc));
	return 0;
}

/* A [client.NAME], on the lcore serving the port that reaches its server. */
static int
client_start(struct yard_lcore_stack *ls, const struct yard_cfg_client *cc)
{
	if (cc->type == YARD_CFG_CLIENT_UDP_RR || cc->type == YARD_CFG_CLIENT_UDP_SOURCE)
		return udp_client_start(ls, cc);
	return tcp_client_start(ls, cc);
}

/*
 * The RSS of each port this lcore serves, for tcp's choice of ephemeral ports (TCP_RSS_SET,
 * protocols/tcp/tcp_rss.c): the key, and which RETA entries name a queue of this lcore. A
 * port without RSS, or whose PMD does not tell its key or RETA, is left out: active opens
 * from its address take any port (right with one queue; see docs/tcp.md otherwise).
 */
static void
tcp_rss_setup(struct yard_lcore_stack *ls, const struct yard_config *cfg)
{
	for (unsigned i = 0; i < ls->ls_nlinks; i++) {
		unsigned p = ls->ls_links[i].yl_port;
		const struct yard_cfg_port *pc = &cfg->ports[p];
		const struct yard_port *port = yard_port_by_index(p);
		struct rte_eth_rss_reta_entry64 reta[TCP_RSS_RETA_MAX / RTE_ETH_RETA_GROUP_SIZE];
		struct tcp_rss_conf tc = { .trc_addr = pc->addr };
		struct rte_eth_dev_info info;
		struct rte_eth_rss_conf rss;
		bool seen = false;
		int rc;

		for (unsigned j = 0; j < i; j++)
			seen |= ls->ls_links[j].yl_port == p;
		if (seen || port == NULL || port->yp_rss_hf == 0)
			continue;
		rss = (struct rte_eth_rss_conf){ .rss_key = tc.trc_key,
						 .rss_key_len = TCP_RSS_KEY_MAX };
		memset(reta, 0, sizeof(reta));
		for (unsigned g = 0; g < RTE_DIM(reta); g++)
			reta[g].mask = UINT64_MAX;
		if (rte_eth_dev_info_get(port->yp_port_id, &info) != 0 || info.reta_size == 0 ||
		    info.reta_size > TCP_RSS_RETA_MAX ||
		    rte_eth_dev_rss_hash_conf_get(port->yp_port_id, &rss) != 0 ||
		    rss.rss_key_len < 16 || rss.rss_key_len > TCP_RSS_KEY_MAX ||
		    rte_eth_dev_rss_reta_query(port->yp_port_id, reta, info.reta_size) != 0) {
			YARD_LOG(WARNING, "lcore %u: port%u: its PMD does not tell its RSS key and "
				 "RETA: active TCP opens may get replies on another lcore",
				 ls->ls_lcore, p);
			continue;
		}
		for (unsigned e = 0; e < info.reta_size; e++) {
			uint16_t q = reta[e / RTE_ETH_RETA_GROUP_SIZE].reta[e % RTE_ETH_RETA_GROUP_SIZE];

			if (q < pc->rx_queues && pc->queue_lcore[q] == ls->ls_lcore)
				tc.trc_mine[e / 8] |= (uint8_t)(1u << (e % 8));
		}
		tc.trc_reta_size = info.reta_size;
		tc.trc_key_len = rss.rss_key_len;
		tc.trc_flags = (rss.rss_hf & RTE_ETH_RSS_NONFRAG_IPV4_TCP) ? TCP_RSS_L4 : 0;
		rc = stack_istr(ls->ls_tcp.tp_tcp, TCP_RSS_SET, &tc, sizeof(tc));
		if (rc < 0)
			YARD_LOG(WARNING, "lcore %u: port%u: TCP_RSS_SET: %s", ls->ls_lcore, p,
				 strerror(-rc));
	}
}

/* The memcached service: this lcore's share of [memcached] memory (app/memcache/). */
static int
memcached_start(uint16_t port)
{
	const struct yard_config *cfg = stack_cfg;
	struct yard_mc_conf mc = {
		.port = port,
		.memory = cfg->mc_memory / cfg->nlcores,
		.max_item = (uint32_t)cfg->mc_max_item,
		.threads = cfg->nlcores,
	};

	return yard_mc_start(&mc);
}

/*
 * udp and tcp over this lcore's ip instance, knowing the addresses of the ports the lcore
 * serves, then the services of [services], each an XTI endpoint on this lcore.
 */
static int
transports_setup(struct yard_lcore_stack *ls, const struct yard_config *cfg)
{
	struct udp_addrreq addrs[YARD_MAX_PORTS] = { 0 }; /* gcc -O3 cannot tell that n bounds the reads */
	struct tcp_addrreq taddrs[YARD_MAX_PORTS];
	unsigned n = 0;
	int rc;

	for (unsigned i = 0; i < ls->ls_nlinks; i++) {
		const struct yard_cfg_port *pc = &cfg->ports[ls->ls_links[i].yl_port];
		const struct yard_port *port = yard_port_by_index(ls->ls_links[i].yl_port);
		bool seen = false;

		for (unsigned k = 0; k < n; k++)
			seen |= addrs[k].ua_addr == pc->addr;
		/* The link's index is its DPDK port id + 1 (T_IP_PKTINFO, protocols/tihdr.h). */
		if (!seen)
			addrs[n++] = (struct udp_addrreq){
				.ua_addr = pc->addr, .ua_prefix = pc->prefix,
				.ua_ifindex = port != NULL ? (uint16_t)(port->yp_port_id + 1) : 0 };
	}
	rc = yard_udp_plumb(&ls->ls_udp, addrs, n);
	if (rc != 0) {
		ls->ls_udp.up_udp = NULL;
		return stack_fail(ls, rc, "cannot plumb udp: %s", strerror(-rc));
	}
	for (unsigned k = 0; k < n; k++)
		taddrs[k] = (struct tcp_addrreq){ .ta_addr = addrs[k].ua_addr,
						  .ta_prefix = addrs[k].ua_prefix };
	rc = yard_tcp_plumb(&ls->ls_tcp, taddrs, n);
	if (rc != 0) {
		ls->ls_tcp.tp_tcp = NULL;
		return stack_fail(ls, rc, "cannot plumb tcp: %s", strerror(-rc));
	}
	{
		struct tcp_param tp = { 0 }; /* 0 and "" keep a field: only [tcp]'s keys */

		snprintf(tp.tp_cc, sizeof(tp.tp_cc), "%s", cfg->tcp_cc);
		tp.tp_msl_ms = cfg->tcp_msl_ms;
		tp.tp_max_timewait = cfg->tcp_max_timewait;
		tp.tp_max_orphans = cfg->tcp_max_orphans;
		tp.tp_orphan_retries = cfg->tcp_orphan_retries;
		tp.tp_blackhole_mss = cfg->tcp_blackhole_mss; /* 0 keeps it, and: */
		if (cfg->tcp_blackhole_mss == 0)
			tp.tp_flags |= TCP_PF_NO_BLACKHOLE;
		if (!cfg->tcp_tw_reuse)
			tp.tp_flags |= TCP_PF_NO_TW_REUSE;
		tp.tp_port_lo = cfg->tcp_port_lo;
		tp.tp_port_hi = cfg->tcp_port_hi;
		rc = stack_istr(ls->ls_tcp.tp_tcp, TCP_SETPARAM, &tp, sizeof(tp));
		if (rc < 0)
			return stack_fail(ls, rc, "TCP_SETPARAM ([tcp]): %s", strerror(-rc));
	}
	tcp_rss_setup(ls, cfg);
	rc = service_start(ls, "udp echo", cfg->svc_udp_echo, yard_udp_echo_start);
	if (rc == 0)
		rc = service_start(ls, "udp discard", cfg->svc_udp_discard, yard_udp_discard_start);
	if (rc == 0)
		rc = service_start(ls, "udp sockperf", cfg->svc_udp_sockperf,
				   yard_udp_sockperf_start);
	if (rc == 0)
		rc = service_start(ls, "tcp echo", cfg->svc_tcp_echo, yard_tcp_echo_start);
	if (rc == 0)
		rc = service_start(ls, "tcp discard", cfg->svc_tcp_discard, yard_tcp_discard_start);
	if (rc == 0)
		rc = service_start(ls, "http", cfg->svc_http, http_start_default);
	if (rc == 0)
		rc = service_start(ls, "sock echo", cfg->svc_sock_echo, yard_sock_echo_start);
	if (rc == 0)
		rc = service_start(ls, "memcached", cfg->svc_memcached, memcached_start);
	if (rc == 0)
		rc = udp_services_join(ls, cfg);
	return rc;
}

/* Runs on the lcore being set up. */
static int
stack_setup_lcore(void *arg)
{
	struct yard_lcore_stack *ls = arg;
	const struct yard_config *cfg = stack_cfg;
	struct ip_param ipp = {
		.ip_reass_timeout_ms = cfg->ip_frag_timeout_ms,
		.ip_max_flows = cfg->ip_frag_max_flows,
		.ip_max_frags = cfg->ip_frag_max_frags,
		.ip_reass_mem = cfg->ip_frag_mem_kb * 1024u,
		.ip_icmp_rate = cfg->ip_icmp_rate,
		.ip_icmp_burst = cfg->ip_icmp_burst,
		.ip_default_ttl = cfg->ip_ttl,
	};
	char name[32];
	int rc;

	ls->ls_rc = 0;
	ls->ls_err[0] = '\0';
	rc = sth_open(IP_DRVNAME, 0, &ls->ls_ip);
	if (rc != 0) {
		ls->ls_ip = NULL;
		return stack_fail(ls, rc, "cannot open \"%s\": %s", IP_DRVNAME, strerror(-rc));
	}
	snprintf(name, sizeof(name), "ip/lcore%u", ls->ls_lcore);
	sth_set_name(ls->ls_ip, name);
	rc = stack_istr(ls->ls_ip, IP_SETPARAM, &ipp, sizeof(ipp));
	if (rc < 0)
		return stack_fail(ls, rc, "IP_SETPARAM ([ip]): %s", strerror(-rc));

	for (unsigned p = 0; p < cfg->nports; p++) {
		const struct yard_cfg_port *pc = &cfg->ports[p];

		for (unsigned q = 0; q < pc->rx_queues; q++) {
			struct yard_link *l;

			if (pc->queue_lcore[q] != ls->ls_lcore)
				continue;
			l = &ls->ls_links[ls->ls_nlinks++];
			memset(l, 0, sizeof(*l));
			l->yl_port = p;
			l->yl_queue = q;
			rc = link_open(ls, l);
			if (rc == 0)
				rc = link_plumb(ls, l, pc);
			if (rc != 0)
				return rc;
		}
	}
	return transports_setup(ls, cfg);
}

/*
 * Runs on each lcore once every lcore's stack is up: the [client.NAME] clients it serves.
 * Not before: with several udp instances, instance k of N hands out the ephemeral ports p
 * with p mod N = k, and a port bound while fewer instances exist (lcore 0's, before lcore
 * 1's udp is plumbed) would lie in another instance's share, whose udp would then answer
 * the replies reaching it with port unreachable instead of handing them over (udp_steer.c).
 */
static int
stack_clients_lcore(void *arg)
{
	struct yard_lcore_stack *ls = arg;
	const struct yard_config *cfg = stack_cfg;
	int rc = 0;

	ls->ls_rc = 0;
	ls->ls_err[0] = '\0';
	for (unsigned i = 0; rc == 0 && i < cfg->nclients; i++)
		if (cfg->clients[i].lcore == ls->ls_lcore)
			rc = client_start(ls, &cfg->clients[i]);
	return rc;
}

/* Runs on the lcore being torn down. */
static int
stack_teardown_lcore(void *arg)
{
	struct yard_lcore_stack *ls = arg;
	int rc;

	ls->ls_rc = 0;
	yard_tcp_clients_stop_all();
	yard_udp_clients_stop_all();
	yard_mc_stop();
	yard_sock_echo_stop_all();
	yard_sock_reap_all(); /* closed sockets still draining go before tcp */
	yard_tcp_services_stop_all();
	yard_udp_services_stop_all();
	if (ls->ls_tcp.tp_tcp != NULL) {
		yard_tcp_unplumb(&ls->ls_tcp);
		ls->ls_tcp.tp_tcp = NULL;
	}
	if (ls->ls_udp.up_udp != NULL) {
		yard_udp_unplumb(&ls->ls_udp);
		ls->ls_udp.up_udp = NULL;
	}
	if (ls->ls_ip != NULL) {
		rc = sth_close(ls->ls_ip);
		if (rc != 0)
			stack_fail(ls, rc, "closing ip: %s", strerror(-rc));
		ls->ls_ip = NULL;
	}
	for (unsigned i = 0; i < ls->ls_nlinks; i++) {
		struct yard_link *l = &ls->ls_links[i];

		if (l->yl_sd == NULL)
			continue;
		rc = sth_close(l->yl_sd);
		if (rc != 0)
			stack_fail(ls, rc, "closing port%u/q%u: %s", l->yl_port, l->yl_queue,
				   strerror(-rc));
		l->yl_sd = NULL;
		l->yl_muxid = 0;
	}
	ls->ls_nlinks = 0;
	return ls->ls_rc;
}

/* Run fn(ls) on ls's lcore and wait for it. */
static int
stack_on_lcore(int (*fn)(void *), struct yard_lcore_stack *ls)
{
	int rc;

	if (ls->ls_lcore == rte_lcore_id())
		return fn(ls);
	rc = rte_eal_remote_launch(fn, ls, ls->ls_lcore);
	if (rc != 0)
		return stack_fail(ls, rc, "cannot launch on lcore %u: %s", ls->ls_lcore,
				  strerror(-rc));
	return rte_eal_wait_lcore(ls->ls_lcore);
}

int
yard_stacks_setup(const struct yard_config *cfg)
{
	stack_cfg = cfg;
	for (unsigned i = 0; i < cfg->nlcores; i++) {
		struct yard_lcore_stack *ls = &yard_stacks[cfg->lcores[i]];
		int rc;

		ls->ls_lcore = cfg->lcores[i];
		ls->ls_used = true;
		rc = stack_on_lcore(stack_setup_lcore, ls);
		if (rc != 0) {
			YARD_LOG(ERR, "lcore %u: %s", ls->ls_lcore,
				 ls->ls_err[0] != '\0' ? ls->ls_err : strerror(-rc));
			return rc;
		}
		for (unsigned k = 0; k < ls->ls_nlinks; k++) {
			const struct yard_link *l = &ls->ls_links[k];

			YARD_LOG(INFO, "lcore %u: port%u queue %u: muxid %d, MAC "
				 RTE_ETHER_ADDR_PRT_FMT ", MTU %u, offloads 0x%x", ls->ls_lcore,
				 l->yl_port, l->yl_queue, l->yl_muxid,
				 RTE_ETHER_ADDR_BYTES(&l->yl_mac), l->yl_mtu, l->yl_caps);
		}
	}
	for (unsigned i = 0; i < cfg->nlcores; i++) {
		struct yard_lcore_stack *ls = &yard_stacks[cfg->lcores[i]];
		int rc = stack_on_lcore(stack_clients_lcore, ls);

		if (rc != 0) {
			YARD_LOG(ERR, "lcore %u: %s", ls->ls_lcore,
				 ls->ls_err[0] != '\0' ? ls->ls_err : strerror(-rc));
			return rc;
		}
	}
	return 0;
}

void
yard_stacks_teardown(void)
{
	for (unsigned l = 0; l < RTE_MAX_LCORE; l++) {
		struct yard_lcore_stack *ls = &yard_stacks[l];

		if (!ls->ls_used)
			continue;
		if (stack_on_lcore(stack_teardown_lcore, ls) != 0)
			YARD_LOG(ERR, "lcore %u: teardown: %s", l, ls->ls_err);
		ls->ls_used = false;
	}
}
