/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Slots of a clients' table every lcore takes from (the TCP and UDP clients'). A start claims
 * its slot with a compare-and-swap before it builds the client: "in use" says only that the
 * client is ready, and a start on another lcore meanwhile would otherwise find the slot free
 * and take it too. "In use" is published with release and read with acquire, since other
 * lcores' walks and telemetry read it before anything else of the slot.
 */
#ifndef YARD_PROTOCOLS_CLIENT_SLOT_H
#define YARD_PROTOCOLS_CLIENT_SLOT_H

#include <stdbool.h>
#include <stdint.h>

/** Claim a free one of claims[0..n): its index, or -1 when every one is taken. */
static inline int
yard_client_slot_claim(uint32_t *claims, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		uint32_t free_slot = 0;

		if (__atomic_load_n(&claims[i], __ATOMIC_RELAXED) == 0 &&
		    __atomic_compare_exchange_n(&claims[i], &free_slot, 1, false,
						__ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return (int)i;
	}
	return -1;
}

/** The slot's client ready (used), or gone: then its claim is let go too. */
static inline void
yard_client_slot_set_used(bool *used, uint32_t *claim, bool on)
{
	__atomic_store_n(used, on, __ATOMIC_RELEASE);
	if (!on)
		__atomic_store_n(claim, 0, __ATOMIC_RELEASE);
}

/** Whether the slot holds a ready client (what may be read of it then). */
static inline bool
yard_client_slot_used(const bool *used)
{
	return __atomic_load_n(used, __ATOMIC_ACQUIRE);
}

#endif /* YARD_PROTOCOLS_CLIENT_SLOT_H */
