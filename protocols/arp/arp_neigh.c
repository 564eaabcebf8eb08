/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The neighbour tables of a running yard, read and changed from its control path (yardctl
 * neigh, through the lcore's mailbox): ip neigh's show, add, del and flush. The link streams
 * the arp instances sit on are linked under ip, so their stream heads take no ioctl; these
 * calls reach the instances of the calling lcore through their counter slots instead and do
 * what ARP_GET, ARP_ADD, ARP_DEL and ARP_FLUSH do. Only the owning lcore touches an instance,
 * so the caller must be that lcore; no lock is needed.
 */
#include <errno.h>

#include <streams/sched.h>

#include "arp_priv.h"

/* The calling lcore's instance in slot i, configured; NULL otherwise. */
static struct arp_priv *
arp_neigh_inst(unsigned i, unsigned lcore)
{
	struct arp_slot *s = &arp_slots[i];
	struct arp_priv *ap;

	if (__atomic_load_n(&s->as_in_use, __ATOMIC_ACQUIRE) != 1 ||
	    s->as_lcore != (int)lcore)
		return NULL;
	ap = s->as_ap;
	return ap != NULL && ap->ap_configured ? ap : NULL;
}

int
arp_neigh_snapshot(struct yard_arp_neigh_row *rows, unsigned max)
{
	unsigned lcore = yard_sched_self()->sc_lcore, n = 0;
	uint64_t now = rte_get_timer_cycles();

	for (unsigned i = 0; i < ARP_MAX_INSTANCES; i++) {
		struct arp_priv *ap = arp_neigh_inst(i, lcore);

		if (ap == NULL)
			continue;
		for (uint32_t j = 1; j <= ap->ap_nents; j++) {
			const struct arp_ent *e = &ap->ap_ents[j];
			struct yard_arp_neigh_row *r;

			if (e->ae_state == 0 || n++ >= max)
				continue;
			r = &rows[n - 1];
			*r = (struct yard_arp_neigh_row){
				.nr_lcore = lcore,
				.nr_port = ap->ap_if.ai_port,
				.nr_vlan = ap->ap_if.ai_vlan,
				.nr_inst = i,
			};
			arp_entry_out(ap, e, arp_cache_state_peek(ap, e, now), now, &r->nr_ent);
		}
	}
	return (int)n;
}

/*
 * Would ARP_ADD of e make sense on ap: a host of its subnet, not its own address (nor, on a
 * subnet up to /30, the network or broadcast address; /31 and /32 have neither, RFC 3021)?
 */
static bool
arp_neigh_fits(const struct arp_priv *ap, const struct arp_entry *e)
{
	uint32_t host = e->ae_addr & ~ap->ap_mask;

	return (e->ae_addr & ap->ap_mask) == (ap->ap_if.ai_addr & ap->ap_mask) &&
	       e->ae_addr != ap->ap_if.ai_addr &&
	       (ap->ap_if.ai_prefix > 30 || (host != 0 && host != ~ap->ap_mask));
}

int
arp_neigh_change(enum arp_neigh_op op, int port, const struct arp_entry *e)
{
	unsigned lcore = yard_sched_self()->sc_lcore;
	int changed = 0;

	if (port < 0 && op != ARP_NEIGH_FLUSH)
		return -EINVAL;
	for (unsigned i = 0; i < ARP_MAX_INSTANCES; i++) {
		struct arp_priv *ap = arp_neigh_inst(i, lcore);
		struct arp_ent *ent;
		uint64_t dropped = 0;
		int rc;

		if (ap == NULL || (port >= 0 && ap->ap_if.ai_port != (uint16_t)port))
			continue;
		switch (op) {
		case ARP_NEIGH_ADD:
			if (!arp_neigh_fits(ap, e))
				return -EINVAL;
			rc = arp_add_static(ap, e);
			if (rc != 0)
				return -rc;
			changed++;
			break;
		case ARP_NEIGH_DEL:
			ent = arp_cache_lookup(ap, e->ae_addr);
			if (ent == NULL)
				break;
			arp_cache_del(ap, ent, &dropped);
			ARP_ADD_N(ap, drop_resolve_failed, dropped);
			changed++;
			break;
		case ARP_NEIGH_FLUSH:
			arp_cache_flush(ap);
			changed++;
			break;
		}
	}
	return changed;
}
