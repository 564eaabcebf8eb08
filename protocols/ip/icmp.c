/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ICMP (RFC 792, RFC 1122 section 3.2.2) inside the ip multiplexor: input validation, echo
 * replies, and rate-limited error messages.
 *
 * Echo replies are made from the request itself (RFC 1122 3.2.2.6 "the data received in the
 * echo request MUST be entirely included in the echo reply"): the header block is reused
 * when it is not shared (copied alone when it is), options are dropped by moving the fixed
 * header forward, the type and the checksum change (incremental update, RFC 1624 eqn. 3), the
 * addresses swap, and the message, however many blocks a reassembly left it in, goes back
 * through ip_output(), which fragments it to the link MTU when it must.
 *
 * Errors follow RFC 1122 3.2.2: never about an ICMP error, a datagram sent to a broadcast or
 * multicast address, a fragment other than the first, or a source that names no single host.
 * They are paced by a token bucket (RFC 1812 4.3.2.8): ip_icmp_rate tokens a second, at most
 * ip_icmp_burst in hand; a message without a token is counted err_ratelimited.
 */
#include <string.h>

#include <protocols/inet_cksum.h>

#include "ip_priv.h"

void
icmp_ratelimit_init(struct ip_inst *ii)
{
	ii->ii_tb_cost = ii->ii_hz / ii->ii_param.ip_icmp_rate;
	if (ii->ii_tb_cost == 0)
		ii->ii_tb_cost = 1;
	ii->ii_tb_credit = ii->ii_tb_cost * ii->ii_param.ip_icmp_burst;
	ii->ii_tb_last = rte_get_timer_cycles();
}

static bool
icmp_ratelimit_ok(struct ip_inst *ii)
{
	uint64_t now = rte_get_timer_cycles();
	uint64_t max = ii->ii_tb_cost * ii->ii_param.ip_icmp_burst;

	ii->ii_tb_credit += now - ii->ii_tb_last;
	ii->ii_tb_last = now;
	if (ii->ii_tb_credit > max)
		ii->ii_tb_credit = max;
	if (ii->ii_tb_credit < ii->ii_tb_cost)
		return false;
	ii->ii_tb_credit -= ii->ii_tb_cost;
	return true;
}

/* Types that are queries or replies, about which errors may be sent (RFC 1122 3.2.2). */
static bool
icmp_type_is_query(uint8_t type)
{
	switch (type) {
	case YARD_ICMP_ECHO_REPLY:
	case YARD_ICMP_ECHO_REQUEST:
	case YARD_ICMP_ROUTER_ADVERT:
	case YARD_ICMP_ROUTER_SOLICIT:
	case YARD_ICMP_TIMESTAMP:
	case YARD_ICMP_TIMESTAMP_REPLY:
		return true;
	default:
		return false;
	}
}

void
icmp_error(struct ip_inst *ii, const mblk_t *orig, uint8_t type, uint8_t code, bool bcast)
{
	const struct rte_ipv4_hdr *oip = ip_hdr(orig);
	unsigned ohlen = ip_hlen(oip);
	uint32_t src = rte_be_to_cpu_32(oip->src_addr);
	size_t quote, olen;
	struct rte_ipv4_hdr *ip;
	struct rte_icmp_hdr *ic;
	mblk_t *mp;

	if (bcast || (rte_be_to_cpu_32(oip->dst_addr) & 0xf0000000u) == 0xe0000000u ||
	    (rte_be_to_cpu_16(oip->fragment_offset) & RTE_IPV4_HDR_OFFSET_MASK) != 0 ||
	    src == 0 || src == UINT32_MAX || (src & 0xf0000000u) >= 0xe0000000u ||
	    (src & 0xff000000u) == 0x7f000000u) {
		ICMP_INC(ii, err_suppressed);
		return;
	}
	if (oip->next_proto_id == IPPROTO_ICMP) {
		uint8_t otype;

		if (ip_msg_copy(orig, ohlen, 1, &otype) != 1 || !icmp_type_is_query(otype)) {
			ICMP_INC(ii, err_suppressed);
			return;
		}
	}
	if (!icmp_ratelimit_ok(ii)) {
		ICMP_INC(ii, err_ratelimited);
		return;
	}
	olen = msgdsize(orig);
	quote = RTE_MIN(olen, (size_t)ohlen + YARD_ICMP_ERR_QUOTE);
	mp = yard_allocb_hr(YARD_IPV4_HDR_MIN + YARD_ICMP_HDR_LEN + quote, YARD_LINK_HEADROOM);
	if (mp == NULL) {
		ICMP_INC(ii, drop_nomem);
		return;
	}
	ip = (struct rte_ipv4_hdr *)mp->b_wptr;
	ic = (struct rte_icmp_hdr *)(ip + 1);
	memset(ip, 0, YARD_IPV4_HDR_MIN + YARD_ICMP_HDR_LEN);
	ip->version_ihl = 0x45;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(YARD_IPV4_HDR_MIN + YARD_ICMP_HDR_LEN + quote));
	ip->time_to_live = (uint8_t)ii->ii_param.ip_default_ttl;
	ip->next_proto_id = IPPROTO_ICMP;
	/* From the address the offending datagram was sent to when it is ours. */
	ip->src_addr = ip_is_ours(ii, oip->dst_addr) ? oip->dst_addr : 0;
	ip->dst_addr = oip->src_addr;
	ic->icmp_type = type;
	ic->icmp_code = code;
	(void)ip_msg_copy(orig, 0, quote, ic + 1);
	ic->icmp_cksum = (uint16_t)~inet_sum(ic, YARD_ICMP_HDR_LEN + quote);
	mp->b_wptr += YARD_IPV4_HDR_MIN + YARD_ICMP_HDR_LEN + quote;
	ICMP_INC(ii, tx_errors);
	if (type == YARD_ICMP_DEST_UNREACH && code == YARD_ICMP_UNREACH_PROTOCOL)
		ICMP_INC(ii, tx_proto_unreach);
	else if (type == YARD_ICMP_DEST_UNREACH && code == YARD_ICMP_UNREACH_PORT)
		ICMP_INC(ii, tx_port_unreach);
	else if (type == YARD_ICMP_TIME_EXCEEDED)
		ICMP_INC(ii, tx_time_exceeded);
	(void)ip_output(ii, mp, IP_OUT_FILL_SRC | IP_OUT_NEW_ID);
}

/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), for one 16-bit word changing from m to m'. */
static uint16_t
icmp_cksum_adjust(uint16_t hc, uint16_t m, uint16_t m2)
{
	uint32_t sum = (uint16_t)~hc + (uint32_t)(uint16_t)~m + m2;

	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void
icmp_echo_reply(struct ip_inst *ii, mblk_t *mp, unsigned hlen)
{
	struct rte_ipv4_hdr *ip;
	struct rte_icmp_hdr *ic;
	mblk_t *own;
	uint32_t addr;
	uint16_t word, tot;

	/* Someone else may see this buffer: change a private copy of the header block. */
	own = ip_own_head(mp);
	if (own == NULL) {
		ICMP_INC(ii, drop_nomem);
		freemsg(mp);
		return;
	}
	mp = own;
	ip = ip_hdr(mp);
	tot = rte_be_to_cpu_16(ip->total_length);
	if (hlen > YARD_IPV4_HDR_MIN) {
		/* Options are not echoed: slide the fixed header over them. */
		unsigned optlen = hlen - YARD_IPV4_HDR_MIN;

		memmove(mp->b_rptr + optlen, mp->b_rptr, YARD_IPV4_HDR_MIN);
		mp->b_rptr += optlen;
		ip = ip_hdr(mp);
		ip->version_ihl = 0x45;
		tot = (uint16_t)(tot - optlen);
		ip->total_length = rte_cpu_to_be_16(tot);
	}
	ic = (struct rte_icmp_hdr *)(ip + 1);
	word = (uint16_t)(ic->icmp_type << 8 | ic->icmp_code);
	ic->icmp_cksum = rte_cpu_to_be_16(icmp_cksum_adjust(rte_be_to_cpu_16(ic->icmp_cksum), word,
							    (uint16_t)(YARD_ICMP_ECHO_REPLY << 8 |
								       ic->icmp_code)));
	ic->icmp_type = YARD_ICMP_ECHO_REPLY;
	addr = ip->dst_addr;
	ip->dst_addr = ip->src_addr;
	ip->src_addr = addr;
	ip->time_to_live = (uint8_t)ii->ii_param.ip_default_ttl;
	ip->fragment_offset = 0;
	ICMP_INC(ii, tx_echo_replies);
	(void)ip_output(ii, mp, IP_OUT_NEW_ID);
}

/*
 * An ICMP error about a datagram we sent (RFC 1122 3.2.2.1-5: unreachable, source quench,
 * time exceeded, parameter problem MUST be passed to the transport): hand it to the stream
 * bound to the quoted protocol as IP_ICMP_ERR_IND. The ICMP stream, if one is bound, gets a
 * copy first. Returns mp when no transport took it (the caller goes on with it), else NULL.
 */
static mblk_t *
icmp_err_to_transport(struct ip_inst *ii, mblk_t *mp, unsigned hlen, size_t ilen)
{
	const struct rte_ipv4_hdr *ip = ip_hdr(mp), *qip;
	const struct rte_icmp_hdr *ic;
	struct ip_icmp_err_ind *ind;
	size_t qoff = hlen + YARD_ICMP_HDR_LEN;
	unsigned qhlen;
	queue_t *rq, *icmp_rq;
	mblk_t *ctl;
	uint32_t from = ip->src_addr;

	if (MBLKL(mp) < qoff + YARD_IPV4_HDR_MIN &&
	    !pullupmsg(mp, (ssize_t)(qoff + YARD_IPV4_HDR_MIN))) {
		ICMP_INC(ii, drop_nomem);
		return mp;
	}
	qip = (const struct rte_ipv4_hdr *)(mp->b_rptr + qoff);
	qhlen = ip_hlen(qip);
	rq = ii->ii_proto[qip->next_proto_id];
	if (rq == NULL || qip->next_proto_id == IPPROTO_ICMP)
		return mp; /* no transport to tell: the ICMP stream may want it */
	/* The header and 8 bytes of what we sent, from us. */
	if ((qip->version_ihl >> 4) != 4 || qhlen < YARD_IPV4_HDR_MIN ||
	    ilen < YARD_ICMP_HDR_LEN + qhlen + YARD_ICMP_ERR_QUOTE || !ip_is_ours(ii, qip->src_addr)) {
		ICMP_INC(ii, err_bad_quote);
		return mp;
	}
	if (!canputnext(rq)) {
		ICMP_INC(ii, err_upper_flow);
		return mp;
	}
	if (MBLKL(mp) < qoff + qhlen + YARD_ICMP_ERR_QUOTE &&
	    !pullupmsg(mp, (ssize_t)(qoff + qhlen + YARD_ICMP_ERR_QUOTE))) {
		ICMP_INC(ii, drop_nomem);
		return mp;
	}
	ctl = allocb(sizeof(*ind), BPRI_HI);
	if (ctl == NULL) {
		ICMP_INC(ii, drop_nomem);
		return mp;
	}
	icmp_rq = ii->ii_proto[IPPROTO_ICMP];
	if (icmp_rq != NULL && canputnext(icmp_rq)) {
		mblk_t *dp = dupmsg(mp);

		if (dp != NULL)
			putnext(icmp_rq, dp);
	}
	ic = (const struct rte_icmp_hdr *)(mp->b_rptr + hlen);
	DB_TYPE(ctl) = M_CTL;
	ind = (struct ip_icmp_err_ind *)ctl->b_wptr;
	ind->ie_prim = IP_ICMP_ERR_IND;
	ind->ie_type = ic->icmp_type;
	ind->ie_code = ic->icmp_code;
	/* RFC 1191 4: the next-hop MTU in the low 16 bits of the "unused" word */
	ind->ie_mtu = ic->icmp_type == 3 && ic->icmp_code == 4 ?
		      rte_be_to_cpu_16(ic->icmp_seq_nb) : 0;
	ind->ie_from = from;
	ctl->b_wptr += sizeof(*ind);
	/* The quote is the datagram's payload past the ICMP header; trailing bytes stay. */
	mp->b_rptr += qoff;
	ctl->b_cont = mp;
	ICMP_INC(ii, err_to_transport);
	putnext(rq, ctl);
	return NULL;
}

void
icmp_input(struct ip_inst *ii, mblk_t *mp, bool bcast)
{
	const struct rte_ipv4_hdr *ip = ip_hdr(mp);
	unsigned hlen = ip_hlen(ip);
	size_t ilen = rte_be_to_cpu_16(ip->total_length) - hlen;
	const struct rte_icmp_hdr *ic;
	queue_t *rq;

	ICMP_INC(ii, rx_msgs);
	if (ilen < YARD_ICMP_HDR_LEN) {
		ICMP_INC(ii, drop_too_short);
		goto drop;
	}
	if (MBLKL(mp) < hlen + YARD_ICMP_HDR_LEN &&
	    !pullupmsg(mp, (ssize_t)(hlen + YARD_ICMP_HDR_LEN))) {
		ICMP_INC(ii, drop_nomem);
		goto drop;
	}
	if (inet_sum_fold(inet_sum_msg(mp, hlen, ilen, 0)) != 0xffff) {
		ICMP_INC(ii, drop_bad_cksum);
		goto drop;
	}
	ic = (const struct rte_icmp_hdr *)(mp->b_rptr + hlen);
	switch (ic->icmp_type) {
	case YARD_ICMP_ECHO_REQUEST:
		if (ic->icmp_code != 0)
			goto bad_code;
		ICMP_INC(ii, rx_echo_requests);
		if (bcast) {
			ICMP_INC(ii, drop_bcast_echo);
			goto drop;
		}
		icmp_echo_reply(ii, mp, hlen);
		return;
	case YARD_ICMP_ECHO_REPLY:
		if (ic->icmp_code != 0)
			goto bad_code;
		ICMP_INC(ii, rx_echo_replies);
		goto up;
	case YARD_ICMP_DEST_UNREACH:
		if (ic->icmp_code > YARD_ICMP_UNREACH_MAX)
			goto bad_code;
		goto error;
	case YARD_ICMP_SOURCE_QUENCH:
		if (ic->icmp_code != 0)
			goto bad_code;
		goto error;
	case YARD_ICMP_REDIRECT:
		if (ic->icmp_code > 3)
			goto bad_code;
		goto error;
	case YARD_ICMP_TIME_EXCEEDED:
		if (ic->icmp_code > YARD_ICMP_TIMXCEED_REASS)
			goto bad_code;
		goto error;
	case YARD_ICMP_PARAM_PROBLEM:
		if (ic->icmp_code > 2)
			goto bad_code;
		goto error;
	case YARD_ICMP_ROUTER_ADVERT:
		if (ic->icmp_code != 0 && ic->icmp_code != 16)
			goto bad_code;
		ICMP_INC(ii, rx_other);
		goto up;
	case YARD_ICMP_ROUTER_SOLICIT:
	case YARD_ICMP_TIMESTAMP:
	case YARD_ICMP_TIMESTAMP_REPLY:
		if (ic->icmp_code != 0)
			goto bad_code;
		ICMP_INC(ii, rx_other);
		goto up;
	default:
		ICMP_INC(ii, drop_bad_type);
		goto drop;
	}
error:
	/* An error quotes at least the offending IPv4 header. */
	if (ilen < YARD_ICMP_HDR_LEN + YARD_IPV4_HDR_MIN) {
		ICMP_INC(ii, drop_too_short);
		goto drop;
	}
	ICMP_INC(ii, rx_errors);
	if (ic->icmp_type != YARD_ICMP_REDIRECT) {
		mp = icmp_err_to_transport(ii, mp, hlen, ilen);
		if (mp == NULL)
			return;
	}
up:
	rq = ii->ii_proto[IPPROTO_ICMP];
	if (rq != NULL && canputnext(rq)) {
		putnext(rq, mp);
		return;
	}
	goto drop;
bad_code:
	ICMP_INC(ii, drop_bad_code);
drop:
	freemsg(mp);
}
