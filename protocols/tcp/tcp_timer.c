/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tcp timers. Each connection keeps five deadlines (retransmission, persist, keepalive,
 * 2MSL, delayed ACK) in instance milliseconds; one yard timer per instance, the tick, fires
 * the deadlines that have passed. Arming or cancelling a timer is a store: no timer
 * allocation per segment. The tick walks the instance's blocks, which is linear in
 * connections: good for thousands, and the place a timing wheel would go.
 *
 * The tick runs only while a deadline is armed, and fires at the earliest one (ti_tick_due),
 * never sooner than TCP_TICK_MS after it is set: so busy connections are served every 5 ms as
 * with a fixed tick, and an idle lcore (no connection, or only keepalives and TIME-WAIT far
 * ahead) is not woken every 5 ms, which would defeat [yard] idle_sleep_us. Arming a deadline
 * more than a tick before the tick's moves the tick (tcp_tick_need); any other arming is the
 * store alone, so the packet path pays one compare.
 *
 * The sixth, the probe timeout of the tail loss probe (and of a stalled recovery), is
 * tcp_tlp.c's; the eighth, RACK's reordering timer, tcp_rack.c's.
 *
 * RTO per RFC 6298: SRTT/RTTVAR from samples (timestamps, RFC 7323 4, or one timed segment
 * per window), RTO = SRTT + max(G, 4 RTTVAR) clamped to [rto_min, rto_max], doubled on each
 * expiry (5.5), the retry limit ending the connection with ETIMEDOUT (T_DISCON_IND).
 */
#include <errno.h>

#include "tcp_priv.h"

static void tcp_tick(void *arg);

/* The tick to fire in ms milliseconds (now: tcp_now()), replacing any armed. */
static void
tcp_tick_at(struct tcp_inst *ti, uint64_t now, uint64_t ms)
{
	if (ti->ti_tick != 0)
		(void)yard_untimeout(ti->ti_tick);
	ti->ti_tick = yard_timeout(tcp_tick, ti, ms * 1000);
	/* no timer left: the next arming tries again */
	ti->ti_tick_due = ti->ti_tick != 0 ? now + ms : 0;
}

void
tcp_tick_need(struct tcp_inst *ti, uint64_t due)
{
	uint64_t now;

	if (!ti->ti_ticking || (ti->ti_tick_due != 0 && ti->ti_tick_due <= due + TCP_TICK_MS))
		return;
	now = tcp_now(ti);
	tcp_tick_at(ti, now, RTE_MAX(due > now ? due - now : 0, (uint64_t)TCP_TICK_MS));
}

void
tcp_timer_start(struct tcp_inst *ti)
{
	ti->ti_ticking = true; /* the tick starts with the first deadline armed */
}

void
tcp_timer_stop(struct tcp_inst *ti)
{
	ti->ti_ticking = false;
	if (ti->ti_tick != 0)
		(void)yard_untimeout(ti->ti_tick);
	ti->ti_tick = 0;
	ti->ti_tick_due = 0;
}

void
tcp_timer_arm(struct tcpcb *tp, int which, uint32_t ms)
{
	struct tcp_inst *ti = tp->tp_inst;
	uint64_t due;

	if (ti == NULL)
		return;
	due = tcp_now(ti) + (ms > 0 ? ms : 1);
	tp->t_timer[which] = due;
	if (unlikely(ti->ti_tick_due == 0 || due + TCP_TICK_MS < ti->ti_tick_due))
		tcp_tick_need(ti, due);
}

void
tcp_timer_list(struct tcpcb *tp, unsigned list)
{
	struct tcp_inst *ti = tp->tp_inst;
	struct tcp_tlist *q;

	if (ti == NULL)
		return;
	if (tp->tp_list != TL_NONE) {
		q = &ti->ti_tl[tp->tp_list];
		/* a block the running tick is about to visit moves or goes: it visits the next */
		if (ti->ti_tick_next == tp)
			ti->ti_tick_next = tp->tp_lnext;
		if (tp->tp_lprev != NULL)
			tp->tp_lprev->tp_lnext = tp->tp_lnext;
		else
			q->q_head = tp->tp_lnext;
		if (tp->tp_lnext != NULL)
			tp->tp_lnext->tp_lprev = tp->tp_lprev;
		else
			q->q_tail = tp->tp_lprev;
		tp->tp_lnext = tp->tp_lprev = NULL;
	}
	tp->tp_list = (uint8_t)list;
	if (list == TL_NONE)
		return;
	q = &ti->ti_tl[list];
	tp->tp_lprev = q->q_tail;
	if (q->q_tail != NULL)
		q->q_tail->tp_lnext = tp;
	else
		q->q_head = tp;
	q->q_tail = tp;
}

void
tcp_timer_cancel_all(struct tcpcb *tp)
{
	for (int i = 0; i < TT_NTIMERS; i++)
		tp->t_timer[i] = 0;
}

/* RFC 6298 2.2-2.3 (the estimator scaled as in BSD: srtt << 3, rttvar << 2). */
void
tcp_rtt_update(struct tcpcb *tp, uint32_t rtt)
{
	struct tcp_inst *ti = tp->tp_inst;
	uint32_t rto;

	TCP_INC(ti, rtt_samples);
	if (rtt == 0)
		rtt = 1;
	tcp_hystart_rtt(tp, rtt);
	if (tp->t_srtt == 0) {
		tp->t_srtt = (int32_t)rtt << 3;
		tp->t_rttvar = (int32_t)rtt << 1;
	} else {
		int32_t delta = (int32_t)rtt - (tp->t_srtt >> 3);

		tp->t_srtt += delta;
		if (tp->t_srtt <= 0)
			tp->t_srtt = 1;
		if (delta < 0)
			delta = -delta;
		tp->t_rttvar += delta - (tp->t_rttvar >> 2);
		if (tp->t_rttvar <= 0)
			tp->t_rttvar = 1;
	}
	rto = (uint32_t)((tp->t_srtt >> 3) + RTE_MAX((int32_t)TCP_TICK_MS, tp->t_rttvar));
	rto = RTE_MAX(rto, ti->ti_param.tp_rto_min_ms);
	rto = RTE_MIN(rto, ti->ti_param.tp_rto_max_ms);
	tp->t_rto = rto;
	tp->t_rxtshift = 0;
}

/* RFC 6298 5.4-5.7: retransmit the earliest unacknowledged segment, back off. */
static bool
tcp_timer_rexmt(struct tcpcb *tp)
{
	struct tcp_inst *ti = tp->tp_inst;
	unsigned limit = tp->tp_state < TCPS_ESTABLISHED ? ti->ti_param.tp_syn_rexmt_max :
							   ti->ti_param.tp_rexmt_max;

	bool orphan_limit = false;

	/* no one waits for an orphan: it gives up sooner (Linux's tcp_orphan_retries) */
	if ((tp->tp_flags & TF_ORPHAN) && tp->tp_state >= TCPS_ESTABLISHED &&
	    ti->ti_param.tp_orphan_retries < limit) {
		limit = ti->ti_param.tp_orphan_retries;
		orphan_limit = true;
	}
	TCP_INC(ti, rexmt_timeouts);
	if (++tp->t_rxtshift > limit) {
		if (orphan_limit)
			TCP_INC(ti, orphan_drops);
		else
			TCP_INC(ti, rexmt_drops);
		/* a soft ICMP error says more than the timeout (RFC 5461 4.1) */
		return !tcp_drop(tp, tp->t_softerror != 0 ? tp->t_softerror : ETIMEDOUT);
	}
	/* Karn: no sample from a retransmitted segment. */
	tp->tp_flags &= ~TF_RTTING;
	if (tp->tp_state >= TCPS_ESTABLISHED) {
		tcp_pmtu_blackhole(tp); /* before the congestion control: cwnd in the new size */
		tcp_undo_begin(tp, TU_RTO); /* RFC 4015: the first new ACK may show it spurious */
		tp->t_cc->cc_timeout(tp);
	}
	/* what the loss detection before the timer could not repair, by where it stood */
	if (tp->tp_flags & TF_INRECOVERY) {
		TCP_INC(ti, rto_in_recovery);
		if (tp->t_sack.ts_recovery && tcp_rack_on(tp))
			tcp_rack_count_rto(tp);
	} else if (tp->t_rxtshift > 1) {
		TCP_INC(ti, rto_repeated);
	} else if (tp->t_rack.tr_rto_recovery) {
		TCP_INC(ti, rto_in_rto_recovery);
	} else if (tp->t_sack.ts_tlp_active) {
		TCP_INC(ti, rto_after_probe);
	}
	tp->tp_flags &= ~TF_INRECOVERY;
	tcp_sack_rto(tp); /* RFC 6675 5.1: the scoreboard stays, the recovery ends */
	tp->t_dupacks = 0;
	tp->snd_nxt = tp->snd_una;
	tp->snd_recover = tp->snd_max;
	/* A SYN resent: snd_nxt back at the ISS makes tcp_output send it again. */
	tcp_timer_arm(tp, TT_REXMT, tcp_rexmt_timeout(tp));
	if (tp->tp_flags & TF_SENTFIN && tp->snd_una + tp->sb_cc + 1 == tp->snd_max)
		tp->tp_flags &= ~TF_SENTFIN;
	(void)tcp_output(tp);
	return true;
}

/*
 * False if tp was freed: an orphan whose peer's window stayed shut for tp_orphan_retries probes
 * (t_rxtshift counts the probes: tcp_setpersist() steps it as it arms the timer for the next,
 * up to 16).
 */
static bool
tcp_timer_persist(struct tcpcb *tp)
{
	if ((tp->tp_flags & TF_ORPHAN) &&
	    tp->t_rxtshift > RTE_MIN(tp->tp_inst->ti_param.tp_orphan_retries, 15u)) {
		TCP_INC(tp->tp_inst, orphan_drops);
		return !tcp_drop(tp, ETIMEDOUT);
	}
	tcp_setpersist(tp);
	tp->tp_flags |= TF_FORCE;
	(void)tcp_output(tp);
	tp->tp_flags &= ~TF_FORCE;
	return true;
}

/* RFC 1122 4.2.3.6: probe an idle connection; drop it after tp_keepcnt unanswered probes. */
static bool
tcp_timer_keep(struct tcpcb *tp)
{
	struct tcp_inst *ti = tp->tp_inst;
	struct tcp_key k = tp->tp_key;

	if (!(tp->tp_flags & TF_KEEPALIVE) || tp->tp_state < TCPS_ESTABLISHED ||
	    tp->tp_state > TCPS_CLOSE_WAIT) {
		/* connection establishment took too long */
		if (tp->tp_state < TCPS_ESTABLISHED)
			return !tcp_drop(tp, ETIMEDOUT);
		return true;
	}
	if (tcp_now(ti) - tp->t_idle_since < ti->ti_param.tp_keepidle_ms) {
		tcp_timer_arm(tp, TT_KEEP, (uint32_t)(ti->ti_param.tp_keepidle_ms -
					   (tcp_now(ti) - tp->t_idle_since)));
		return true;
	}
	if (tp->t_keepsent >= ti->ti_param.tp_keepcnt) {
		TCP_INC(ti, keep_drops);
		return !tcp_drop(tp, ETIMEDOUT);
	}
	tp->t_keepsent++;
	TCP_INC(ti, tx_keepalives);
	/* SEG.SEQ = SND.NXT - 1, no data: the peer must answer with an ACK. */
	tcp_respond(ti, &k, tp->snd_una - 1, tp->rcv_nxt, TH_ACK);
	tcp_timer_arm(tp, TT_KEEP, ti->ti_param.tp_keepintvl_ms);
	return true;
}

/* Fire one timer; false if tp was freed. */
static bool
tcp_timer_fire(struct tcpcb *tp, int which)
{
	struct tcp_inst *ti = tp->tp_inst;
	bool tcp_alive = true;

	switch (which) {
	case TT_DELACK:
		if (tp->tp_flags & TF_DELACK) {
			TCP_INC(ti, tx_delacks);
			tcp_send_ack_now(tp);
		}
		break;
	case TT_REXMT:
		tcp_alive = tcp_timer_rexmt(tp);
		break;
	case TT_PERSIST:
		tcp_alive = tcp_timer_persist(tp);
		break;
	case TT_PTO:
		tcp_tlp_fire(tp);
		break;
	case TT_RACK:
		tcp_rack_timeout(tp);
		break;
	case TT_PMTU:
		tcp_pmtu_raise(tp);
		break;
	case TT_KEEP:
		tcp_alive = tcp_timer_keep(tp);
		break;
	case TT_2MSL:
		if (tp->tp_state == TCPS_TIME_WAIT)
			TCP_INC(ti, timewait_expired);
		/* TIME-WAIT over, or FIN-WAIT-2 of an orphan timed out */
		return !tcp_close_conn(tp);
	}
	return tcp_alive;
}

static void
tcp_tick(void *arg)
{
	struct tcp_inst *ti = arg;
	uint64_t now = tcp_now(ti), first = UINT64_MAX;
	struct tcpcb *tp;

	ti->ti_tick = 0;
	ti->ti_tick_due = 0;
	/*
	 * What a timer does may free or move other blocks than its own (a segment looped back
	 * in a test, a connection entering TIME-WAIT): the walk's next block is kept in the
	 * instance, where tcp_timer_list() moves it on.
	 */
	for (tp = ti->ti_tl[TL_LIVE].q_head; tp != NULL; tp = ti->ti_tick_next) {
		bool alive = true;

		ti->ti_tick_next = tp->tp_lnext;
		/*
		 * A probe armed short of the RTO (tcp_tlp_arm) goes first when a late tick finds
		 * both due: it is meant to go in the RTO's place, and restarts the RTO if it went.
		 */
		if (tp->t_timer[TT_PTO] != 0 && tp->t_timer[TT_PTO] <= now &&
		    tp->t_timer[TT_REXMT] != 0 && tp->t_timer[TT_PTO] <= tp->t_timer[TT_REXMT]) {
			tp->t_timer[TT_PTO] = 0;
			(void)tcp_timer_fire(tp, TT_PTO); /* a probe never frees tp */
		}
		for (int i = 0; i < TT_NTIMERS; i++) {
			if (tp->t_timer[i] == 0 || tp->t_timer[i] > now)
				continue;
			tp->t_timer[i] = 0;
			if (!tcp_timer_fire(tp, i)) {
				alive = false;
				break;
			}
		}
		for (int i = 0; alive && i < TT_NTIMERS; i++)
			if (tp->t_timer[i] != 0 && tp->t_timer[i] < first)
				first = tp->t_timer[i];
	}
	ti->ti_tick_next = NULL;
	/*
	 * TIME-WAIT: each queue is in the order of its deadlines (a block joins at the tail when
	 * it enters TIME-WAIT or restarts it, and all of a queue last as long; after a lower MSL
	 * is set, a new one waits behind older ones at most the old 2 MSL). Expiry leaves the
	 * queue (tcp_close_conn() moves the block off it, or frees it), so the head is new.
	 */
	for (unsigned q = TL_TW; q <= TL_TW_TICK; q++) {
		while ((tp = ti->ti_tl[q].q_head) != NULL && tp->t_timer[TT_2MSL] <= now) {
			tp->t_timer[TT_2MSL] = 0;
			(void)tcp_timer_fire(tp, TT_2MSL);
		}
		if (tp != NULL && tp->t_timer[TT_2MSL] < first)
			first = tp->t_timer[TT_2MSL];
	}
	/* what fired may have armed the tick already (tcp_timer_arm); else the earliest left */
	if (first != UINT64_MAX)
		tcp_tick_need(ti, first);
}
