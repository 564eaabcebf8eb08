/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ARP cache of one arp instance: a fixed table of entries hashed into chains, the packets
 * held while a neighbour resolves, request retries, ageing, and the sibling registry.
 *
 * Principles of operation
 * -----------------------
 * The table is sized at open (ap_max_entries) and never grows: a lookup is a hash and a short
 * chain walk, no allocation ever happens on the packet path. Index 0 is unused so a zero in a
 * chain or on the free list means "none".
 *
 * Entry life (RFC 826, with the reachable/stale split of RFC 4861 section 7.3 borrowed for
 * IPv4 as most stacks do):
 *   (none) --packet to an unknown next hop--> INCOMPLETE: request sent, packets held
 *   INCOMPLETE --reply or request from it--> REACHABLE: held packets sent
 *   INCOMPLETE --1 + ap_retries requests unanswered--> (none): held packets dropped, counted
 *   REACHABLE --ap_timeout_ms without confirmation--> STALE (lazily at lookup, or by the sweep)
 *   STALE --use--> probes (arp_output.c): the first use sends a request unicast to the
 *     cached MAC (RFC 1122 2.3.2.1), later uses another at most every ap_retry_ms,
 *     ap_ucast_probes unicast ones in all, then up to ap_retries broadcast ones (the
 *     neighbour may have a new MAC), then none; the entry carries traffic meanwhile, and
 *     only uses probe, so an idle stale entry sends nothing
 *   STALE --reply or request from it--> REACHABLE
 *   STALE --another ap_timeout_ms--> (none)
 *   STATIC entries (ARP_ADD) never change by themselves or from the wire.
 * Only the owning lcore touches the table, so nothing is locked.
 *
 * The sweep runs on a yard timer (qtimeout) every min(ap_retry_ms, ap_timeout_ms / 4) and
 * only while dynamic entries exist, so an idle instance costs nothing and a test can drain
 * its scheduler to idle. Lookups also age entries lazily, so correctness does not hang on the
 * sweep's granularity.
 *
 * Siblings. arp_siblings[port][i] holds the read queues of the instances serving the same
 * port on every lcore. A slot is claimed with a CAS at ARP_SETIF and cleared at close; senders
 * load it atomically. Learn messages go through yard_mbox_put(), which delivers directly when
 * the sibling is on the same lcore and through its lcore's mailbox otherwise.
 */
#include <errno.h>
#include <string.h>

#include <rte_malloc.h>

#include "arp_priv.h"

queue_t *arp_siblings[ARP_MAX_PORTS][ARP_MAX_SIBLINGS];

static inline uint32_t
arp_hash(const struct arp_priv *ap, uint32_t addr)
{
	uint32_t h = addr * 2654435761u;

	return (h ^ (h >> 16)) & ap->ap_bmask;
}

int
arp_cache_init(struct arp_priv *ap, uint32_t n)
{
	uint32_t nb = 1;

	while (nb < n)
		nb <<= 1;
	ap->ap_ents = rte_zmalloc("yard_arp_ents", sizeof(struct arp_ent) * (n + 1),
				  RTE_CACHE_LINE_SIZE);
	ap->ap_buckets = rte_zmalloc("yard_arp_buckets", sizeof(uint32_t) * nb,
				     RTE_CACHE_LINE_SIZE);
	if (ap->ap_ents == NULL || ap->ap_buckets == NULL) {
		rte_free(ap->ap_ents);
		rte_free(ap->ap_buckets);
		ap->ap_ents = NULL;
		ap->ap_buckets = NULL;
		return -ENOMEM;
	}
	ap->ap_nents = n;
	ap->ap_bmask = nb - 1;
	ap->ap_free = 0;
	for (uint32_t i = n; i >= 1; i--) {
		ap->ap_ents[i].ae_next = ap->ap_free;
		ap->ap_free = i;
	}
	ap->ap_count = 0;
	ap->ap_ndynamic = 0;
	ap->ap_held_total = 0;
	return 0;
}

void
arp_cache_fini(struct arp_priv *ap)
{
	if (ap->ap_ents != NULL) {
		for (uint32_t i = 1; i <= ap->ap_nents; i++) {
			struct arp_ent *e = &ap->ap_ents[i];

			if (e->ae_state != 0)
				freemsgchain(e->ae_held);
		}
	}
	rte_free(ap->ap_ents);
	rte_free(ap->ap_buckets);
	ap->ap_ents = NULL;
	ap->ap_buckets = NULL;
	ap->ap_nents = 0;
	ap->ap_count = 0;
	ap->ap_ndynamic = 0;
	ap->ap_held_total = 0;
	ap->ap_free = 0;
}

struct arp_ent *
arp_cache_lookup(struct arp_priv *ap, uint32_t addr)
{
	uint32_t i = ap->ap_buckets[arp_hash(ap, addr)];

	while (i != 0) {
		struct arp_ent *e = &ap->ap_ents[i];

		if (e->ae_addr == addr)
			return e;
		i = e->ae_next;
	}
	return NULL;
}

uint8_t
arp_cache_state_peek(const struct arp_priv *ap, const struct arp_ent *e, uint64_t now)
{
	if (e->ae_state == ARP_STATE_REACHABLE && now - e->ae_confirmed >= ap->ap_timeout_cyc)
		return ARP_STATE_STALE;
	return e->ae_state;
}

uint8_t
arp_cache_state(struct arp_priv *ap, struct arp_ent *e, uint64_t now)
{
	uint8_t st = arp_cache_state_peek(ap, e, now);

	if (st != e->ae_state) { /* REACHABLE whose time is up */
		e->ae_state = st;
		e->ae_tries = 0;
		e->ae_next_try = 0; /* no probe yet: the next use sends one */
		ARP_INC(ap, entries_stale);
	}
	return st;
}

void
arp_cache_del(struct arp_priv *ap, struct arp_ent *e, uint64_t *dropped)
{
	uint32_t idx = (uint32_t)(e - ap->ap_ents);
	uint32_t *pp = &ap->ap_buckets[arp_hash(ap, e->ae_addr)];
	mblk_t *mp = e->ae_held;

	while (*pp != 0 && *pp != idx)
		pp = &ap->ap_ents[*pp].ae_next;
	if (*pp == idx)
		*pp = e->ae_next;
	while (mp != NULL) {
		mblk_t *next = mp->b_next;

		mp->b_next = NULL;
		freemsg(mp);
		(*dropped)++;
		mp = next;
	}
	ap->ap_held_total -= e->ae_nheld;
	if (e->ae_state != ARP_STATE_STATIC)
		ap->ap_ndynamic--;
	ap->ap_count--;
	ap->ap_gen++;
	memset(e, 0, sizeof(*e));
	e->ae_next = ap->ap_free;
	ap->ap_free = idx;
}

/* Make room: evict the STALE entry confirmed longest ago. Cold: only when the table is full. */
static bool
arp_cache_evict(struct arp_priv *ap)
{
	uint64_t now = rte_get_timer_cycles();
	struct arp_ent *victim = NULL;

	for (uint32_t i = 1; i <= ap->ap_nents; i++) {
		struct arp_ent *e = &ap->ap_ents[i];

		if (e->ae_state == 0 || arp_cache_state(ap, e, now) != ARP_STATE_STALE)
			continue;
		if (victim == NULL || e->ae_confirmed < victim->ae_confirmed)
			victim = e;
	}
	if (victim == NULL)
		return false;
	uint64_t dropped = 0;

	arp_cache_del(ap, victim, &dropped);
	ARP_INC(ap, entries_evicted);
	return true;
}

struct arp_ent *
arp_cache_add(struct arp_priv *ap, uint32_t addr, uint8_t state)
{
	struct arp_ent *e;
	uint32_t idx, b;

	if (ap->ap_free == 0 && !arp_cache_evict(ap))
		return NULL;
	idx = ap->ap_free;
	e = &ap->ap_ents[idx];
	ap->ap_free = e->ae_next;
	memset(e, 0, sizeof(*e));
	e->ae_addr = addr;
	e->ae_state = state;
	b = arp_hash(ap, addr);
	e->ae_next = ap->ap_buckets[b];
	ap->ap_buckets[b] = idx;
	ap->ap_count++;
	ap->ap_gen++;
	if (state != ARP_STATE_STATIC)
		ap->ap_ndynamic++;
	return e;
}

void
arp_cache_flush(struct arp_priv *ap)
{
	uint64_t dropped = 0;

	for (uint32_t i = 1; i <= ap->ap_nents; i++) {
		struct arp_ent *e = &ap->ap_ents[i];

		if (e->ae_state != 0 && e->ae_state != ARP_STATE_STATIC)
			arp_cache_del(ap, e, &dropped);
	}
	ARP_ADD_N(ap, drop_resolve_failed, dropped);
}

/* Send what an entry that just resolved was holding, oldest first. */
static void
arp_cache_release(struct arp_priv *ap, struct arp_ent *e)
{
	mblk_t *mp = e->ae_held;
	struct rte_ether_addr mac = e->ae_mac;
	queue_t *wq = WR(ap->ap_rq);

	ap->ap_held_total -= e->ae_nheld;
	e->ae_held = NULL;
	e->ae_held_tail = NULL;
	e->ae_nheld = 0;
	/* Detached first: sending may re-enter the module (a loop-back below) and touch e. */
	while (mp != NULL) {
		mblk_t *next = mp->b_next;

		mp->b_next = NULL;
		if (arp_frame_send(wq, ap, mp, &mac))
			ARP_INC(ap, tx_held_sent);
		mp = next;
	}
}

struct arp_ent *
arp_cache_learn(struct arp_priv *ap, uint32_t addr, const struct rte_ether_addr *mac, bool create,
		bool *changed)
{
	struct arp_ent *e = arp_cache_lookup(ap, addr);
	uint64_t now = rte_get_timer_cycles();

	*changed = false;
	if (e != NULL) {
		if (e->ae_state == ARP_STATE_STATIC)
			return e;
		*changed = e->ae_state == ARP_STATE_INCOMPLETE ||
			   !rte_is_same_ether_addr(&e->ae_mac, mac);
		e->ae_mac = *mac;
		e->ae_state = ARP_STATE_REACHABLE;
		ap->ap_gen++;
		e->ae_confirmed = now;
		e->ae_tries = 0;
		ARP_INC(ap, entries_updated);
		if (e->ae_held != NULL)
			arp_cache_release(ap, e);
		return e;
	}
	if (!create)
		return NULL;
	e = arp_cache_add(ap, addr, ARP_STATE_REACHABLE);
	if (e == NULL)
		return NULL;
	e->ae_mac = *mac;
	e->ae_confirmed = now;
	*changed = true;
	ARP_INC(ap, entries_learned);
	arp_cache_arm(ap);
	return e;
}

void
arp_cache_hold(struct arp_priv *ap, struct arp_ent *e, mblk_t *mp)
{
	if (e->ae_nheld >= ap->ap_param.ap_max_hold) {
		ARP_INC(ap, drop_hold_overflow);
		freemsg(mp);
		return;
	}
	if (ap->ap_held_total >= ap->ap_param.ap_max_hold_total) {
		ARP_INC(ap, drop_hold_total);
		freemsg(mp);
		return;
	}
	mp->b_next = NULL;
	if (e->ae_held_tail != NULL)
		e->ae_held_tail->b_next = mp;
	else
		e->ae_held = mp;
	e->ae_held_tail = mp;
	e->ae_nheld++;
	ap->ap_held_total++;
	ARP_INC(ap, tx_held);
}

/* ---- the sweep ---------------------------------------------------------------------------- */

static uint32_t
arp_sweep_ms(const struct arp_priv *ap)
{
	uint32_t t = ap->ap_param.ap_timeout_ms / 4;

	if (t == 0)
		t = 1;
	return RTE_MIN(t, ap->ap_param.ap_retry_ms);
}

static void
arp_sweep(void *arg)
{
	struct arp_priv *ap = arg;
	uint64_t now = rte_get_timer_cycles();

	ap->ap_timer = 0;
	for (uint32_t i = 1; i <= ap->ap_nents; i++) {
		struct arp_ent *e = &ap->ap_ents[i];
		uint64_t dropped = 0;

		switch (e->ae_state) {
		case ARP_STATE_INCOMPLETE:
			if (now < e->ae_next_try)
				break;
			if (e->ae_tries >= 1 + ap->ap_param.ap_retries) {
				arp_cache_del(ap, e, &dropped);
				ARP_ADD_N(ap, drop_resolve_failed, dropped);
				ARP_INC(ap, entries_failed);
				break;
			}
			e->ae_tries++;
			e->ae_next_try = now + ap->ap_retry_cyc;
			arp_send_request(ap, e->ae_addr, NULL);
			break;
		case ARP_STATE_REACHABLE:
			(void)arp_cache_state(ap, e, now);
			break;
		case ARP_STATE_STALE:
			if (now - e->ae_confirmed >= 2 * ap->ap_timeout_cyc) {
				arp_cache_del(ap, e, &dropped);
				ARP_INC(ap, entries_expired);
			}
			break;
		default:
			break;
		}
	}
	arp_cache_arm(ap);
}

void
arp_cache_arm(struct arp_priv *ap)
{
	if (ap->ap_timer != 0 || ap->ap_ndynamic == 0)
		return;
	ap->ap_timer = qtimeout(ap->ap_rq, arp_sweep, ap, (long)arp_sweep_ms(ap));
}

void
arp_cache_disarm(struct arp_priv *ap)
{
	if (ap->ap_timer != 0) {
		(void)quntimeout(ap->ap_rq, ap->ap_timer);
		ap->ap_timer = 0;
	}
}

/* ---- siblings ----------------------------------------------------------------------------- */

int
arp_sib_join(struct arp_priv *ap, int port)
{
	if (ap->ap_sib_port == port)
		return 0;
	arp_sib_leave(ap);
	for (int i = 0; i < ARP_MAX_SIBLINGS; i++) {
		queue_t *expected = NULL;

		if (__atomic_compare_exchange_n(&arp_siblings[port][i], &expected, ap->ap_rq, false,
						__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
			ap->ap_sib_port = port;
			ap->ap_sib_idx = i;
			return 0;
		}
	}
	return -ENOSPC;
}

void
arp_sib_leave(struct arp_priv *ap)
{
	if (ap->ap_sib_port < 0)
		return;
	__atomic_store_n(&arp_siblings[ap->ap_sib_port][ap->ap_sib_idx], NULL, __ATOMIC_RELEASE);
	ap->ap_sib_port = -1;
	ap->ap_sib_idx = -1;
}

void
arp_sib_notify(struct arp_priv *ap, uint32_t addr, const struct rte_ether_addr *mac)
{
	int port = ap->ap_sib_port;

	if (port < 0)
		return;
	for (int i = 0; i < ARP_MAX_SIBLINGS; i++) {
		queue_t *sq = __atomic_load_n(&arp_siblings[port][i], __ATOMIC_ACQUIRE);
		struct arp_learn *al;
		mblk_t *mp;

		if (sq == NULL || sq == ap->ap_rq)
			continue;
		mp = allocb(sizeof(*al), BPRI_HI);
		if (mp == NULL) {
			ARP_INC(ap, sib_nomem);
			continue;
		}
		DB_TYPE(mp) = M_CTL;
		al = (struct arp_learn *)mp->b_wptr;
		al->al_magic = ARP_LEARN_MAGIC;
		al->al_addr = addr;
		al->al_mac = *mac;
		al->al_port = (uint16_t)port;
		mp->b_wptr += sizeof(*al);
		if (yard_mbox_put(sq, mp) == 0) {
			freemsg(mp);
			ARP_INC(ap, sib_mbox_full);
			continue;
		}
		ARP_INC(ap, sib_sent);
	}
}

void
arp_sib_input(struct arp_priv *ap, mblk_t *mp)
{
	const struct arp_learn *al = (const struct arp_learn *)mp->b_rptr;
	bool changed;

	ARP_INC(ap, sib_received);
	/* A message from a port we have left since (re-ARP_SETIF) is stale: ignore it. */
	if (ap->ap_configured && al->al_port == ap->ap_sib_port)
		(void)arp_cache_learn(ap, al->al_addr, &al->al_mac, true, &changed);
	freemsg(mp);
}
