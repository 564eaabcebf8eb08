/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * arp counters: the static per-instance slots, their names and help (from arp.def), sums, and
 * the telemetry fillers the application registers.
 *
 * The slots are static so a telemetry reader on another thread never dereferences freed
 * memory: an instance claims a slot at open (CAS on as_in_use), zeroes it, and releases it
 * at close. Readers take plain 64-bit loads; a value may be one increment old, never torn.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_telemetry.h>

#include "arp_priv.h"

struct arp_slot arp_slots[ARP_MAX_INSTANCES];

static const char *const arps_names[ARPS__COUNT] = {
#define ARP_STAT(name, help) #name,
#include "arp.def"
#undef ARP_STAT
};

static const char *const arps_helps[ARPS__COUNT] = {
#define ARP_STAT(name, help) help,
#include "arp.def"
#undef ARP_STAT
};

static_assert(sizeof(struct arpstat) == ARPS__COUNT * sizeof(uint64_t), "arpstat is a vector");

const char *
arpstat_name(unsigned i)
{
	return i < ARPS__COUNT ? arps_names[i] : NULL;
}

const char *
arpstat_help(unsigned i)
{
	return i < ARPS__COUNT ? arps_helps[i] : NULL;
}

struct arp_slot *
arp_slot_claim(int lcore)
{
	for (unsigned i = 0; i < ARP_MAX_INSTANCES; i++) {
		uint32_t expected = 0;
		struct arp_slot *s = &arp_slots[i];

		if (__atomic_compare_exchange_n(&s->as_in_use, &expected, 2, false,
						__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
			/* 2 = being set up: readers skip it until it is zeroed. */
			memset(&s->as_st, 0, sizeof(s->as_st));
			s->as_lcore = lcore;
			s->as_port = -1;
			__atomic_store_n(&s->as_in_use, 1, __ATOMIC_RELEASE);
			return s;
		}
	}
	return NULL;
}

void
arp_slot_release(struct arp_slot *s)
{
	__atomic_store_n(&s->as_in_use, 0, __ATOMIC_RELEASE);
}

unsigned
arpstat_sum(struct arpstat *out, int lcore, int port)
{
	uint64_t *o = (uint64_t *)out;
	unsigned matched = 0;

	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < ARP_MAX_INSTANCES; i++) {
		const struct arp_slot *s = &arp_slots[i];
		const volatile uint64_t *v = (const volatile uint64_t *)&s->as_st;

		if (__atomic_load_n(&s->as_in_use, __ATOMIC_ACQUIRE) != 1)
			continue;
		if ((lcore >= 0 && s->as_lcore != lcore) || (port >= 0 && s->as_port != port))
			continue;
		for (unsigned c = 0; c < ARPS__COUNT; c++)
			o[c] += v[c];
		matched++;
	}
	return matched;
}

static int
arp_tel_dict(struct rte_tel_data *d, const struct arpstat *st)
{
	const uint64_t *v = (const uint64_t *)st;
	int rc = rte_tel_data_start_dict(d);

	for (unsigned c = 0; rc == 0 && c < ARPS__COUNT; c++)
		rc = rte_tel_data_add_dict_u64(d, arps_names[c], v[c]);
	return rc;
}

int
arp_tel_fill(struct rte_tel_data *d, int lcore, int port)
{
	struct arpstat st;

	(void)arpstat_sum(&st, lcore, port);
	return arp_tel_dict(d, &st);
}

int
arp_tel_fill_per_lcore(struct rte_tel_data *d)
{
	int rc = rte_tel_data_start_dict(d);

	for (unsigned lc = 0; rc == 0 && lc < RTE_MAX_LCORE; lc++) {
		struct arpstat st;
		struct rte_tel_data *c;
		char key[32];

		if (arpstat_sum(&st, (int)lc, -1) == 0)
			continue;
		c = rte_tel_data_alloc();
		if (c == NULL)
			return -ENOMEM;
		rc = arp_tel_dict(c, &st);
		if (rc != 0) {
			rte_tel_data_free(c);
			break;
		}
		snprintf(key, sizeof(key), "lcore%u", lc);
		rc = rte_tel_data_add_dict_container(d, key, c, 0);
		if (rc != 0)
			rte_tel_data_free(c);
	}
	return rc;
}

int
arp_tel_cmd(const char *cmd, const char *params, struct rte_tel_data *d)
{
	int lcore = -1, port = -1;
	char *end;

	(void)cmd;
	if (params == NULL || *params == '\0')
		return arp_tel_fill(d, -1, -1);
	if (strcmp(params, "per_lcore") == 0)
		return arp_tel_fill_per_lcore(d);
	if (*params != ',') {
		lcore = (int)strtol(params, &end, 10);
		if (end == params || lcore < 0 || lcore >= RTE_MAX_LCORE)
			return -EINVAL;
		params = end;
	}
	if (*params == ',') {
		params++;
		port = (int)strtol(params, &end, 10);
		if (end == params || port < 0 || port >= ARP_MAX_PORTS)
			return -EINVAL;
		params = end;
	}
	if (*params != '\0')
		return -EINVAL;
	return arp_tel_fill(d, lcore, port);
}
