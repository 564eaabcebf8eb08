/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IP and ICMP counters: the static per-lcore blocks, their names and help (ip.def, icmp.def),
 * sums, and the telemetry fillers the application registers. Counters live per lcore, not per
 * instance, so they outlive an instance and telemetry never reads freed memory; readers take
 * plain 64-bit loads while the owning lcore keeps counting.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_telemetry.h>

#include "ip_priv.h"

struct ip_pcpu ip_pcpu[RTE_MAX_LCORE];

static const char *const ips_names[IPS__COUNT] = {
#define IP_STAT(name, help) #name,
#include "ip.def"
#undef IP_STAT
};
static const char *const ips_helps[IPS__COUNT] = {
#define IP_STAT(name, help) help,
#include "ip.def"
#undef IP_STAT
};
static const char *const icmps_names[ICMPS__COUNT] = {
#define ICMP_STAT(name, help) #name,
#include "icmp.def"
#undef ICMP_STAT
};
static const char *const icmps_helps[ICMPS__COUNT] = {
#define ICMP_STAT(name, help) help,
#include "icmp.def"
#undef ICMP_STAT
};

static_assert(sizeof(struct ipstat) == IPS__COUNT * sizeof(uint64_t), "ipstat is a vector");
static_assert(sizeof(struct icmpstat) == ICMPS__COUNT * sizeof(uint64_t), "icmpstat is a vector");

const char *
ipstat_name(unsigned i)
{
	return i < IPS__COUNT ? ips_names[i] : NULL;
}

const char *
ipstat_help(unsigned i)
{
	return i < IPS__COUNT ? ips_helps[i] : NULL;
}

const char *
icmpstat_name(unsigned i)
{
	return i < ICMPS__COUNT ? icmps_names[i] : NULL;
}

const char *
icmpstat_help(unsigned i)
{
	return i < ICMPS__COUNT ? icmps_helps[i] : NULL;
}

struct ip_pcpu *
ip_pcpu_get(unsigned lcore)
{
	struct ip_pcpu *pc = &ip_pcpu[lcore];

	__atomic_store_n(&pc->used, 1, __ATOMIC_RELEASE);
	return pc;
}

static void
ip_sum_vec(uint64_t *out, const void *in, unsigned n)
{
	const volatile uint64_t *v = in;

	for (unsigned c = 0; c < n; c++)
		out[c] += v[c];
}

void
ipstat_sum(struct ipstat *ip, struct icmpstat *icmp, int lcore)
{
	if (ip != NULL)
		memset(ip, 0, sizeof(*ip));
	if (icmp != NULL)
		memset(icmp, 0, sizeof(*icmp));
	for (int lc = 0; lc < RTE_MAX_LCORE; lc++) {
		const struct ip_pcpu *pc = &ip_pcpu[lc];

		if ((lcore >= 0 && lc != lcore) || !__atomic_load_n(&pc->used, __ATOMIC_ACQUIRE))
			continue;
		if (ip != NULL)
			ip_sum_vec((uint64_t *)ip, &pc->ip, IPS__COUNT);
		if (icmp != NULL)
			ip_sum_vec((uint64_t *)icmp, &pc->icmp, ICMPS__COUNT);
	}
}

static int
ip_tel_dict(struct rte_tel_data *d, const uint64_t *v, const char *const *names, unsigned n)
{
	int rc = rte_tel_data_start_dict(d);

	for (unsigned c = 0; rc == 0 && c < n; c++)
		rc = rte_tel_data_add_dict_u64(d, names[c], v[c]);
	return rc;
}

int
ip_tel_fill(struct rte_tel_data *d, int lcore)
{
	struct ipstat st;

	ipstat_sum(&st, NULL, lcore);
	return ip_tel_dict(d, (const uint64_t *)&st, ips_names, IPS__COUNT);
}

int
icmp_tel_fill(struct rte_tel_data *d, int lcore)
{
	struct icmpstat st;

	ipstat_sum(NULL, &st, lcore);
	return ip_tel_dict(d, (const uint64_t *)&st, icmps_names, ICMPS__COUNT);
}

static int
ip_tel_per_lcore(struct rte_tel_data *d, int (*fill)(struct rte_tel_data *, int))
{
	int rc = rte_tel_data_start_dict(d);

	for (unsigned lc = 0; rc == 0 && lc < RTE_MAX_LCORE; lc++) {
		struct rte_tel_data *c;
		char key[32];

		if (!__atomic_load_n(&ip_pcpu[lc].used, __ATOMIC_ACQUIRE))
			continue;
		c = rte_tel_data_alloc();
		if (c == NULL)
			return -ENOMEM;
		rc = fill(c, (int)lc);
		if (rc == 0) {
			snprintf(key, sizeof(key), "lcore%u", lc);
			rc = rte_tel_data_add_dict_container(d, key, c, 0);
		}
		if (rc != 0)
			rte_tel_data_free(c);
	}
	return rc;
}

int
ip_tel_fill_per_lcore(struct rte_tel_data *d)
{
	return ip_tel_per_lcore(d, ip_tel_fill);
}

int
icmp_tel_fill_per_lcore(struct rte_tel_data *d)
{
	return ip_tel_per_lcore(d, icmp_tel_fill);
}

static int
ip_tel_params(const char *params, int (*fill)(struct rte_tel_data *, int),
	      int (*per)(struct rte_tel_data *), struct rte_tel_data *d)
{
	char *end;
	long lc;

	if (params == NULL || *params == '\0')
		return fill(d, -1);
	if (strcmp(params, "per_lcore") == 0)
		return per(d);
	lc = strtol(params, &end, 10);
	if (end == params || *end != '\0' || lc < 0 || lc >= RTE_MAX_LCORE)
		return -EINVAL;
	return fill(d, (int)lc);
}

int
ip_tel_cmd(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	return ip_tel_params(params, ip_tel_fill, ip_tel_fill_per_lcore, d);
}

int
icmp_tel_cmd(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	return ip_tel_params(params, icmp_tel_fill, icmp_tel_fill_per_lcore, d);
}
