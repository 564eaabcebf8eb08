/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SYN cookies (RFC 4987 3.6): when a listener's SYN backlog is full, its SYN,ACK carries an
 * ISN that encodes what the connection needs, and nothing is stored; the ACK that returns it
 * (ACK = ISN + 1) rebuilds the connection.
 *
 * Principles of operation. The cookie, our ISN, is 32 bits:
 *
 *     31..27  t mod 32, t = the instance's clock in 64 s periods
 *     26..24  index of the peer's MSS in tcp_cookie_mss[] (the largest entry not above it)
 *     23..0   24 bits of SipHash-2-4, keyed with a per-instance random secret, of the 4-tuple,
 *             the peer's ISN (so a cookie answers one SYN only), t and the MSS index
 *
 * A cookie is good for the period it was made in and the next (64 to 128 s); an older one is
 * "stale". An ACK at a listener is taken for a cookie only while the instance has sent cookies
 * in the last two periods: otherwise it is the bare ACK of RFC 9293 3.10.7.2 (RST). A wrong
 * cookie is answered the same way (RST, <SEQ=SEG.ACK>) and counted.
 *
 * Options. The MSS survives in the cookie's 3 bits (rounded down to the table). Window
 * scaling and timestamps survive when the peer offered timestamps: our TSval in the SYN,ACK is
 * the clock with its low 4 bits replaced by the peer's window shift (0..14, 15 for none), and
 * the peer echoes it in TSecr of its ACK (RFC 7323 4.3). SACK-permitted rides the same way, in
 * the next bit. The TSval is moved back 32 ms if that would put it ahead of the clock, so later
 * TSvals never go backwards. Without timestamps the SYN,ACK offers neither window scale nor SACK
 * (neither could be remembered) and the connection runs unscaled, without SACK, as Linux's
 * cookies do. As the RFC warns, what the peer sends in its SYN (data) is not kept, and if the
 * final ACK is lost the peer's data segments stand in for it.
 */
#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_random.h>

#include "tcp_priv.h"

#define COOKIE_PERIOD_MS 64000u
#define COOKIE_T_SHIFT   27
#define COOKIE_MSS_SHIFT 24
#define COOKIE_HASH_MASK 0xffffffu
#define COOKIE_TS_BITS   0x1fu    /* low bits of our TSval carrying what the SYN offered: */
#define COOKIE_TS_WS     0xfu     /* the peer's shift, */
#define COOKIE_TS_NOWS   0xfu     /* or "the peer sent no window scale", */
#define COOKIE_TS_SACK   0x10u    /* and SACK-permitted, agreed */

/* MSS values a cookie can carry: common link MTUs less 40 (and 12 for timestamps). */
const uint16_t tcp_cookie_mss[8] = { 536, 1200, 1348, 1400, 1440, 1460, 4312, 8960 };

static void
tcp_cookie_keyed(struct tcp_inst *ti)
{
	if (ti->ti_cookie_keyed)
		return;
	for (unsigned i = 0; i < sizeof(ti->ti_cookie_key); i += 8) {
		uint64_t r = rte_rand();

		memcpy(&ti->ti_cookie_key[i], &r, 8);
	}
	ti->ti_cookie_keyed = true;
}

static uint32_t
tcp_cookie_hash(struct tcp_inst *ti, const struct tcp_key *k, uint32_t irs, uint32_t t,
		unsigned mssidx)
{
	struct {
		struct tcp_key k;
		uint32_t irs, t, mssidx;
	} in = { *k, irs, t, mssidx };

	return (uint32_t)tcp_siphash(ti->ti_cookie_key, (const uint8_t *)&in, sizeof(in)) &
	       COOKIE_HASH_MASK;
}

uint32_t
tcp_syncookie_make(struct tcp_inst *ti, const struct tcp_key *k, uint32_t irs, unsigned mss,
		   uint64_t now_ms)
{
	uint32_t t = (uint32_t)(now_ms / COOKIE_PERIOD_MS);
	unsigned idx = 0;

	tcp_cookie_keyed(ti);
	while (idx + 1 < RTE_DIM(tcp_cookie_mss) && tcp_cookie_mss[idx + 1] <= mss)
		idx++;
	return (t & 31u) << COOKIE_T_SHIFT | (uint32_t)idx << COOKIE_MSS_SHIFT |
	       tcp_cookie_hash(ti, k, irs, t, idx);
}

int
tcp_syncookie_check(struct tcp_inst *ti, const struct tcp_key *k, uint32_t irs,
		    uint32_t cookie, uint64_t now_ms, unsigned *mss)
{
	uint32_t now_t = (uint32_t)(now_ms / COOKIE_PERIOD_MS);
	uint32_t age = (now_t - (cookie >> COOKIE_T_SHIFT)) & 31u;
	unsigned idx = (cookie >> COOKIE_MSS_SHIFT) & 7u;

	if (!ti->ti_cookie_keyed || ti->ti_cookie_sent_ms == 0 ||
	    now_ms + 1 - ti->ti_cookie_sent_ms >= 2ull * COOKIE_PERIOD_MS)
		return -ENOENT; /* no cookies out: not one */
	if (age > 1 || age > now_t)
		return -ETIMEDOUT; /* stale (or from before the instance's clock began) */
	if ((cookie & COOKIE_HASH_MASK) != tcp_cookie_hash(ti, k, irs, now_t - age, idx))
		return -EINVAL;
	*mss = tcp_cookie_mss[idx];
	return 0;
}

bool
tcp_syncookie_send(struct tcp_inst *ti, struct tcpcb *lp, const struct tcp_key *k,
		   uint32_t irs, unsigned peer_mss, int peer_ws, bool peer_sack, bool peer_ts,
		   uint32_t peer_tsval)
{
	uint64_t now = tcp_now(ti);
	uint8_t opt[20];
	unsigned optlen = 0, mss;
	uint32_t iss;

	if (ti->ti_param.tp_flags & TCP_PF_NO_SYNCOOKIES)
		return false;
	mss = RTE_MIN(peer_mss != 0 ? peer_mss : 536u, ti->ti_param.tp_mss);
	iss = tcp_syncookie_make(ti, k, irs, mss, now);
	opt[optlen++] = TCPOPT_MAXSEG;
	opt[optlen++] = TCPOLEN_MAXSEG;
	opt[optlen++] = (uint8_t)(ti->ti_param.tp_mss >> 8);
	opt[optlen++] = (uint8_t)ti->ti_param.tp_mss;
	if (peer_ts && (lp->tp_flags & TF_REQ_TS)) {
		uint32_t ws = COOKIE_TS_NOWS, tsval, tsecr = rte_cpu_to_be_32(peer_tsval);

		if (peer_ws >= 0 && (lp->tp_flags & TF_REQ_WS)) {
			ws = (uint32_t)peer_ws;
			opt[optlen++] = TCPOPT_NOP;
			opt[optlen++] = TCPOPT_WINDOW;
			opt[optlen++] = TCPOLEN_WINDOW;
			opt[optlen++] = tcp_wscale_for(lp->t_rcvbuf);
		}
		if (peer_sack && (lp->tp_flags & TF_REQ_SACK)) {
			/* SACK-permitted in place of the NOPs before the timestamps (as Linux does) */
			ws |= COOKIE_TS_SACK;
			opt[optlen++] = TCPOPT_SACK_PERMITTED;
			opt[optlen++] = TCPOLEN_SACK_PERMITTED;
		} else {
			opt[optlen++] = TCPOPT_NOP;
			opt[optlen++] = TCPOPT_NOP;
		}
		tsval = ((uint32_t)now & ~COOKIE_TS_BITS) | ws;
		if (tsval > (uint32_t)now)
			tsval -= COOKIE_TS_BITS + 1;
		tsval = rte_cpu_to_be_32(tsval);
		opt[optlen++] = TCPOPT_TIMESTAMP;
		opt[optlen++] = TCPOLEN_TIMESTAMP;
		memcpy(&opt[optlen], &tsval, 4);
		memcpy(&opt[optlen + 4], &tsecr, 4);
		optlen += 8;
	}
	/* RFC 7323 2.2: the window of a SYN is never scaled */
	tcp_respond_opts(ti, k, iss, irs + 1, TH_SYN | TH_ACK,
			 (uint16_t)RTE_MIN(lp->t_rcvbuf, TCP_MAXWIN), opt, optlen);
	ti->ti_cookie_sent_ms = now + 1; /* 0 is "never" */
	TCP_INC(ti, syncookies_sent);
	return true;
}

int
tcp_syncookie_ws(bool ack_ts, uint32_t tsecr)
{
	uint32_t ws = tsecr & COOKIE_TS_WS;

	if (!ack_ts || ws == COOKIE_TS_NOWS || ws > YARD_TCP_MAX_WINSHIFT)
		return -1;
	return (int)ws;
}

bool
tcp_syncookie_sack(bool ack_ts, uint32_t tsecr)
{
	return ack_ts && (tsecr & COOKIE_TS_SACK) != 0;
}
