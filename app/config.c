/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reading and validating yard's INI configuration (see config.h for the file's shape).
 *
 * Principles of operation
 * -----------------------
 * One table per section lists its keys: name, kind of value, where the value goes, range,
 * default (as text) and whether the key must be given. Defaults are applied by parsing the
 * default text with the same parser as the file, so the documented default and the applied
 * one cannot drift; yard_config_key_at() hands the table to the test that keeps
 * docs/config.md complete.
 *
 * Loading runs in four steps, each stopping at the first mistake with one message:
 *   1. a syntax pass of our own over the file, because rte_cfgfile skips a line with no '='
 *      silently and gives no line numbers: every line must be blank, a comment, [section] or
 *      key = value, and a key must sit inside a section;
 *   2. rte_cfgfile_load_with_params() reads the file (comment character '#', empty values
 *      allowed so `args =` works; keys that must not be empty are refused here);
 *   3. each section, by index (so a section given twice is seen), each entry against its
 *      table: unknown sections and keys, keys given twice, values out of range;
 *   4. cross-checks between keys and sections: ports numbered without gaps, queues and lcores,
 *      gateways, overlapping subnets, duplicate devices and service ports.
 */
#include <arpa/inet.h>
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cfgfile.h>
#include <rte_common.h>
#include <rte_ethdev.h>
#include <rte_log.h>
#include <rte_pci.h>

#include "app/config.h"

/* ---- the key tables ----------------------------------------------------------------------- */

enum cfg_kind {
	CK_U32,       /* decimal in [min, max] */
	CK_U16,       /* decimal in [min, max], a uint16_t field */
	CK_POW2,      /* decimal power of 2 in [min, max] */
	CK_BOOL,      /* yes/no, true/false, on/off, 1/0 */
	CK_LOGLEVEL,  /* emergency..debug or 1..8 */
	CK_HUGE,      /* auto/on/off */
	CK_TEXT,      /* any text, may be empty ([eal] args) */
	CK_LCORES,    /* [yard] lcores: "0-1", "0,2,4-5" */
	CK_DEV,       /* a vdev string or a PCI address with devargs */
	CK_ADDRPFX,   /* a.b.c.d/prefix */
	CK_GATEWAY,   /* a.b.c.d, or empty for none */
	CK_QLCORES,   /* queue_lcores: lcore of queue 0, of queue 1, ... */
	CK_NEIGH,     /* "a.b.c.d MAC, ..." or empty */
	CK_ROUTES,    /* "a.b.c.d/p via g.h.i.j, ..." or empty */
	CK_TCPCC,     /* a TCP congestion control name ([tcp] congestion) */
	CK_SIZE,      /* bytes with an optional K/M/G suffix, in [min, max] KiB, a uint64_t */
	CK_PORTRANGE, /* LO-HI, min <= LO <= HI <= max: two uint16_t fields, LO first */
	CK_GROUPS,    /* "G, S@G, ..." multicast groups, for sources S, or empty (udp_join) */
};

struct cfg_key {
	const char *name;
	enum cfg_kind kind;
	size_t off;           /* in struct yard_config, or struct yard_cfg_port for port keys */
	uint32_t min, max;
	const char *def;      /* default, parsed like a value; NULL if derived or required */
	const char *def_doc;  /* default as documented, when def is NULL */
	const char *range;    /* range as documented */
	bool required;
};

#define CFG(f) offsetof(struct yard_config, f)
#define PRT(f) offsetof(struct yard_cfg_port, f)

static const struct cfg_key yard_keys[] = {
	{ "lcores", CK_LCORES, 0, 0, YARD_CFG_MAX_LCORES - 1, "0", NULL,
	  "lcore ids 0..127: a list of ids and ranges, e.g. 0-1 or 0,2,4-5", false },
	{ "mbufs", CK_U32, CFG(mbufs), 1023, 1048575, "16383", NULL, "1023..1048575", false },
	{ "mbuf_cache", CK_U32, CFG(mbuf_cache), 0, 512, "256", NULL, "0..512", false },
	{ "ctl_mbufs", CK_U32, CFG(ctl_mbufs), 255, 262143, "4095", NULL, "255..262143", false },
	{ "mbox_size", CK_POW2, CFG(mbox_size), 64, 65536, "4096", NULL,
	  "a power of 2, 64..65536", false },
	{ "budget", CK_U32, CFG(budget), 1, 4096, "64", NULL, "1..4096", false },
	/* At most 100 ms: a frame waits at most one sleep, below TCP's 200 ms minimum RTO. */
	{ "idle_sleep_us", CK_U32, CFG(idle_sleep_us), 0, 100000, "0", NULL,
	  "0..100000 (microseconds; 0 = never sleep)", false },
	{ "idle_passes", CK_U32, CFG(idle_passes), 1, 1000000, "64", NULL, "1..1000000", false },
	{ "log_level", CK_LOGLEVEL, CFG(log_level), 1, 8, "info", NULL,
	  "emergency, alert, critical, error, warning, notice, info, debug (or 1..8)", false },
};

static const struct cfg_key eal_keys[] = {
	{ "args", CK_TEXT, CFG(eal_args), 0, 0, "", NULL,
	  "EAL options separated by spaces; not -l, -c, --lcores, --no-huge, -m", false },
	{ "hugepages", CK_HUGE, CFG(hugepages), 0, 0, "auto", NULL, "auto, on, off", false },
	{ "memory", CK_U32, CFG(memory_mb), 64, 1048576, "512", NULL,
	  "64..1048576 (MB, used with --no-huge)", false },
};

static const struct cfg_key port_keys[] = {
	{ "dev", CK_DEV, PRT(dev), 0, 0, NULL, "none (required)",
	  "a vdev string (net_tap0,iface=yard0) or a PCI address (0000:01:00.0[,devargs])", true },
	{ "address", CK_ADDRPFX, PRT(addr), 1, 32, NULL, "none (required)",
	  "a.b.c.d/prefix, prefix 1..32, a unicast address", true },
	{ "gateway", CK_GATEWAY, PRT(gateway), 0, 0, "", NULL,
	  "a.b.c.d in the port's subnet, or empty for none; one port at most", false },
	{ "mtu", CK_U16, PRT(mtu), 68, 9000, "1500", NULL, "68..9000", false },
	{ "vlan", CK_U16, PRT(vlan), 0, 4094, "0", NULL, "0 (untagged) or 1..4094", false },
	{ "rx_queues", CK_U16, PRT(rx_queues), 1, YARD_PORT_MAX_QUEUES, "1", NULL, "1..16",
	  false },
	{ "tx_queues", CK_U16, PRT(tx_queues), 1, YARD_PORT_MAX_QUEUES, NULL, "rx_queues",
	  "1..16, equal to rx_queues", false },
	{ "rx_desc", CK_U16, PRT(rx_desc), 32, 16384, "1024", NULL,
	  "32..16384 (the PMD may adjust it)", false },
	{ "tx_desc", CK_U16, PRT(tx_desc), 32, 16384, "1024", NULL,
	  "32..16384 (the PMD may adjust it)", false },
	{ "rx_mbufs", CK_U32, PRT(rx_mbufs), 0, 1048575, "0", NULL,
	  "0 (sized from the rings) or 511..1048575", false },
	{ "queue_lcores", CK_QLCORES, 0, 0, YARD_CFG_MAX_LCORES - 1, NULL,
	  "queue i on the i-th lcore of [yard] lcores",
	  "one lcore of [yard] lcores per queue, each at most once per port", false },
	{ "promiscuous", CK_BOOL, PRT(promiscuous), 0, 1, "no", NULL, "yes, no", false },
	{ "neighbours", CK_NEIGH, 0, 0, 0, "", NULL,
	  "\"a.b.c.d MAC\" pairs separated by commas, in the port's subnet, at most 16", false },
	{ "routes", CK_ROUTES, 0, 0, 0, "", NULL,
	  "\"a.b.c.d/prefix via g.h.i.j\" separated by commas, the router in the port's subnet, "
	  "at most 16", false },
};

static const struct cfg_key arp_keys[] = {
	{ "timeout_ms", CK_U32, CFG(arp_timeout_ms), 1, 86400000, "60000", NULL,
	  "1..86400000", false },
	{ "max_entries", CK_U32, CFG(arp_max_entries), 1, 65536, "1024", NULL, "1..65536",
	  false },
	{ "hold_max", CK_U32, CFG(arp_hold_max), 1, 256, "4", NULL, "1..256", false },
	{ "hold_total", CK_U32, CFG(arp_hold_total), 1, 65536, "256", NULL, "1..65536", false },
	{ "retries", CK_U32, CFG(arp_retries), 1, 100, "3", NULL, "1..100", false },
	{ "retry_ms", CK_U32, CFG(arp_retry_ms), 1, 60000, "1000", NULL, "1..60000", false },
	{ "ucast_probes", CK_U32, CFG(arp_ucast_probes), 0, 100, "3", NULL,
	  "0 (broadcast only) or 1..100", false },
};

static const struct cfg_key ip_keys[] = {
	{ "frag_timeout_ms", CK_U32, CFG(ip_frag_timeout_ms), 1, 60000, "2000", NULL,
	  "1..60000", false },
	{ "frag_max_flows", CK_U32, CFG(ip_frag_max_flows), 1, 65536, "1024", NULL, "1..65536",
	  false },
	{ "frag_max_frags", CK_U32, CFG(ip_frag_max_frags), 1, 1024, "64", NULL, "1..1024",
	  false },
	{ "frag_mem_kb", CK_U32, CFG(ip_frag_mem_kb), 64, 1048576, "4096", NULL,
	  "64..1048576 (KiB)", false },
	{ "icmp_rate", CK_U32, CFG(ip_icmp_rate), 1, 100000, "100", NULL, "1..100000", false },
	{ "icmp_burst", CK_U32, CFG(ip_icmp_burst), 1, 100000, "10", NULL, "1..100000", false },
	{ "ttl", CK_U32, CFG(ip_ttl), 1, 255, "64", NULL, "1..255", false },
};

static const struct cfg_key services_keys[] = {
	{ "udp_echo", CK_U16, CFG(svc_udp_echo), 0, 65535, "0", NULL, "0 (off) or 1..65535",
	  false },
	{ "udp_discard", CK_U16, CFG(svc_udp_discard), 0, 65535, "0", NULL,
	  "0 (off) or 1..65535", false },
	{ "udp_sockperf", CK_U16, CFG(svc_udp_sockperf), 0, 65535, "0", NULL,
	  "0 (off) or 1..65535", false },
	{ "tcp_echo", CK_U16, CFG(svc_tcp_echo), 0, 65535, "0", NULL, "0 (off) or 1..65535",
	  false },
	{ "tcp_discard", CK_U16, CFG(svc_tcp_discard), 0, 65535, "0", NULL,
	  "0 (off) or 1..65535", false },
	{ "http", CK_U16, CFG(svc_http), 0, 65535, "0", NULL, "0 (off) or 1..65535", false },
	{ "sock_echo", CK_U16, CFG(svc_sock_echo), 0, 65535, "0", NULL, "0 (off) or 1..65535",
	  false },
	{ "memcached", CK_U16, CFG(svc_memcached), 0, 65535, "0", NULL, "0 (off) or 1..65535",
	  false },
	{ "udp_join", CK_GROUPS, 0, 0, 0, "", NULL,
	  "up to 14 items, comma separated: a multicast group (224.0.0.2..239.255.255.255), or "
	  "source@group (up to 10 sources a group); or empty",
	  false },
};

static const struct cfg_key memcached_keys[] = {
	{ "memory", CK_SIZE, CFG(mc_memory), 1024, 64u << 20, "64M", NULL,
	  "1M..64G: bytes, or a number with K, M or G (powers of 1024)", false },
	{ "max_item", CK_SIZE, CFG(mc_max_item), 1, 128u << 10, "1M", NULL,
	  "1K..128M, at most memory divided by the lcores", false },
};

static const struct cfg_key tcp_keys[] = {
	{ "congestion", CK_TCPCC, CFG(tcp_cc), 0, 0, "newreno", NULL, "newreno, cubic", false },
	{ "msl_ms", CK_U32, CFG(tcp_msl_ms), 10, 600000, "30000", NULL, "10..600000", false },
	{ "max_timewait", CK_U32, CFG(tcp_max_timewait), 1, 65536, "32768", NULL, "1..65536",
	  false },
	{ "max_orphans", CK_U32, CFG(tcp_max_orphans), 1, 65536, "8192", NULL, "1..65536", false },
	{ "orphan_retries", CK_U32, CFG(tcp_orphan_retries), 1, 255, "8", NULL, "1..255", false },
	{ "blackhole_mss", CK_U32, CFG(tcp_blackhole_mss), 0, 8960, "1200", NULL,
	  "0 (off) or 256..8960", false },
	{ "tw_reuse", CK_BOOL, CFG(tcp_tw_reuse), 0, 1, "yes", NULL, "yes, no", false },
	{ "ephemeral_ports", CK_PORTRANGE, CFG(tcp_port_lo), 1024, 65535, "49152-65535", NULL,
	  "LO-HI, 1024 <= LO <= HI <= 65535", false },
};

static_assert(offsetof(struct yard_config, tcp_port_hi) ==
	      offsetof(struct yard_config, tcp_port_lo) + sizeof(uint16_t),
	      "CK_PORTRANGE writes LO and HI side by side");

/* Most keys in one section (the seen[] of read_section()). */
#define CFG_MAX_KEYS 32
static_assert(RTE_DIM(yard_keys) <= CFG_MAX_KEYS && RTE_DIM(eal_keys) <= CFG_MAX_KEYS &&
	      RTE_DIM(port_keys) <= CFG_MAX_KEYS && RTE_DIM(arp_keys) <= CFG_MAX_KEYS &&
	      RTE_DIM(ip_keys) <= CFG_MAX_KEYS && RTE_DIM(services_keys) <= CFG_MAX_KEYS &&
	      RTE_DIM(tcp_keys) <= CFG_MAX_KEYS &&
	      RTE_DIM(memcached_keys) <= CFG_MAX_KEYS,
	      "a section has more keys than read_section() tracks");

struct cfg_section {
	const char *name;
	bool is_port;             /* port<N>: keys go to a struct yard_cfg_port */
	const struct cfg_key *keys;
	unsigned nkeys;
};

static const struct cfg_section cfg_sections[] = {
	{ "yard", false, yard_keys, RTE_DIM(yard_keys) },
	{ "eal", false, eal_keys, RTE_DIM(eal_keys) },
	{ "portN", true, port_keys, RTE_DIM(port_keys) },
	{ "arp", false, arp_keys, RTE_DIM(arp_keys) },
	{ "ip", false, ip_keys, RTE_DIM(ip_keys) },
	{ "services", false, services_keys, RTE_DIM(services_keys) },
	{ "tcp", false, tcp_keys, RTE_DIM(tcp_keys) },
	{ "memcached", false, memcached_keys, RTE_DIM(memcached_keys) },
};

static int client_key_at(unsigned i, const char **section, const char **key, const char **def,
			 const char **range);

int
yard_config_key_at(unsigned i, const char **section, const char **key, const char **def,
		   const char **range)
{
	for (unsigned s = 0; s < RTE_DIM(cfg_sections); s++) {
		const struct cfg_section *sec = &cfg_sections[s];

		if (i < sec->nkeys) {
			const struct cfg_key *k = &sec->keys[i];

			*section = sec->name;
			*key = k->name;
			*def = k->def != NULL ? k->def : k->def_doc;
			*range = k->range;
			return 0;
		}
		i -= sec->nkeys;
	}
	return client_key_at(i, section, key, def, range);
}

/* ---- errors ------------------------------------------------------------------------------- */

/* What a [port<N>] section gave, for the defaults derived once every section is read. */
struct cfg_port_state {
	bool tx_queues_given;
	bool qlcores_given;
	unsigned nqlcores;
	uint16_t qlcores[YARD_CFG_MAX_LCORES];
};

/* Where a message is being composed: "path: [section] key: what". */
struct cfg_ctx {
	const char *path;
	const char *section;  /* NULL: the message is about the file */
	const char *key;      /* NULL: about the section */
	char *err;
	size_t errlen;
	struct yard_cfg_port *port;  /* the port<N> being read, NULL in other sections */
	struct cfg_port_state *ps;   /* and what it gave */
};

static int __rte_format_printf(2, 3)
cfg_fail(struct cfg_ctx *c, const char *fmt, ...)
{
	char what[YARD_CFG_ERRLEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (c->err == NULL || c->errlen == 0)
		return -1;
	if (c->section == NULL)
		snprintf(c->err, c->errlen, "%s: %s", c->path, what);
	else if (c->key == NULL)
		snprintf(c->err, c->errlen, "%s: [%s]: %s", c->path, c->section, what);
	else
		snprintf(c->err, c->errlen, "%s: [%s] %s: %s", c->path, c->section, c->key, what);
	return -1;
}

/* ---- value parsers (0, or -1 with the message in c) --------------------------------------- */

/* Strict unsigned decimal: digits only, no sign, no leading zero but "0", no overflow. */
static int
parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (*s == '\0' || (s[0] == '0' && s[1] != '\0'))
		return -1;
	for (; *s != '\0'; s++) {
		if (!isdigit((unsigned char)*s) || v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return 0;
}

static int
parse_uint_range(struct cfg_ctx *c, const struct cfg_key *k, const char *val, uint32_t *out)
{
	uint64_t v;

	if (parse_u64(val, &v) != 0)
		return cfg_fail(c, "'%s' is not a number (decimal digits only)", val);
	if (v < k->min || v > k->max)
		return cfg_fail(c, "%s is out of range %u..%u", val, k->min, k->max);
	if (k->kind == CK_POW2 && !rte_is_power_of_2((uint32_t)v))
		return cfg_fail(c, "%s is not a power of 2 (range %u..%u)", val, k->min, k->max);
	*out = (uint32_t)v;
	return 0;
}

/* Bytes: decimal, optionally followed by K, M or G (1024, 1024^2, 1024^3); range in KiB. */
static int
parse_size(struct cfg_ctx *c, const struct cfg_key *k, const char *val, uint64_t *out)
{
	char num[24];
	size_t n = strlen(val);
	unsigned shift = 0;
	uint64_t v;

	switch (n > 0 ? toupper((unsigned char)val[n - 1]) : 0) {
	case 'K': shift = 10; n--; break;
	case 'M': shift = 20; n--; break;
	case 'G': shift = 30; n--; break;
	}
	if (n == 0 || n >= sizeof(num))
		return cfg_fail(c, "'%s' is not a size (%s)", val, k->range);
	memcpy(num, val, n);
	num[n] = '\0';
	if (parse_u64(num, &v) != 0 || v > (UINT64_MAX >> shift))
		return cfg_fail(c, "'%s' is not a size (%s)", val, k->range);
	v <<= shift;
	if (v < (uint64_t)k->min << 10 || v > (uint64_t)k->max << 10)
		return cfg_fail(c, "%s is out of range %s", val, k->range);
	*out = v;
	return 0;
}

static int
parse_bool(const char *val, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (unsigned i = 0; i < RTE_DIM(yes); i++) {
		if (strcasecmp(val, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(val, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

static const char *const log_level_names[] = {
	NULL, "emergency", "alert", "critical", "error", "warning", "notice", "info", "debug",
};

const char *
yard_config_log_level_name(uint32_t level)
{
	return level >= 1 && level < RTE_DIM(log_level_names) ? log_level_names[level] : "?";
}

static int
parse_log_level(const char *val, uint32_t *out)
{
	static const struct { const char *name; uint32_t level; } alias[] = {
		{ "emerg", RTE_LOG_EMERG }, { "crit", RTE_LOG_CRIT }, { "err", RTE_LOG_ERR },
		{ "warn", RTE_LOG_WARNING },
	};
	uint64_t v;

	for (uint32_t l = 1; l < RTE_DIM(log_level_names); l++) {
		if (strcasecmp(val, log_level_names[l]) == 0) {
			*out = l;
			return 0;
		}
	}
	for (unsigned i = 0; i < RTE_DIM(alias); i++) {
		if (strcasecmp(val, alias[i].name) == 0) {
			*out = alias[i].level;
			return 0;
		}
	}
	if (parse_u64(val, &v) == 0 && v >= 1 && v <= RTE_LOG_DEBUG) {
		*out = (uint32_t)v;
		return 0;
	}
	return -1;
}

/* Network order. inet_pton is strict: four decimal parts, each 0..255. */
static int
parse_ipv4(const char *s, uint32_t *out)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -1;
	*out = a.s_addr;
	return 0;
}

static const char *
ipv4_str(uint32_t addr, char *buf, size_t len)
{
	struct in_addr a = { .s_addr = addr };

	if (inet_ntop(AF_INET, &a, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "?");
	return buf;
}

uint32_t
yard_config_prefix_mask(unsigned prefix)
{
	return prefix == 0 ? 0 : htonl(~0u << (32 - prefix));
}

static uint32_t
prefix_mask(unsigned prefix)
{
	return yard_config_prefix_mask(prefix);
}

/* A host address yard may own or talk to: not 0/8, loopback, multicast, class E, broadcast. */
static const char *
ipv4_unusable(uint32_t addr)
{
	uint32_t h = ntohl(addr);

	if ((h >> 24) == 0)
		return "is in 0.0.0.0/8 (\"this network\")";
	if ((h >> 24) == 127)
		return "is a loopback address";
	if ((h >> 28) == 0xe)
		return "is a multicast address";
	if (h == UINT32_MAX)
		return "is the broadcast address";
	if ((h >> 28) == 0xf)
		return "is a reserved (class E) address";
	return NULL;
}

static bool
ipv4_is_group(uint32_t addr)
{
	return (ntohl(addr) >> 28) == 0xe;
}

const char *
yard_config_route_dst_unfit(uint32_t dst, unsigned prefix)
{
	/* A shorter prefix may hold them, as 0.0.0.0/1 does: it is taken. */
	const char *why = ipv4_unusable(dst);

	if (why != NULL && prefix >= 8)
		return why;
	if (prefix >= 3 && (ntohl(dst) >> 29) == 7)
		return why != NULL ? why : "is multicast or reserved";
	return NULL;
}

enum yard_cfg_host
yard_config_host(const struct yard_cfg_port *p, uint32_t addr)
{
	uint32_t mask = prefix_mask(p->prefix), host = addr & ~mask;

	if ((addr & mask) != (p->addr & mask))
		return YARD_HOST_OUTSIDE;
	if (addr == p->addr)
		return YARD_HOST_OWN;
	if (p->prefix <= 30 && (host == 0 || host == ~mask))
		return YARD_HOST_NET_BCAST;
	return YARD_HOST_OK;
}

static int
parse_addrpfx(struct cfg_ctx *c, const char *val, struct yard_cfg_port *p)
{
	char buf[64];
	const char *slash = strchr(val, '/');
	const char *why;
	uint64_t prefix;
	uint32_t addr, mask, h;
	size_t n;

	n = slash != NULL ? (size_t)(slash - val) : strlen(val);
	if (n >= sizeof(buf))
		return cfg_fail(c, "'%s' is not an IPv4 address/prefix", val);
	memcpy(buf, val, n);
	buf[n] = '\0';
	if (parse_ipv4(buf, &addr) != 0)
		return cfg_fail(c, "'%s' is not an IPv4 address/prefix", val);
	if (slash == NULL)
		return cfg_fail(c, "'%s' has no /prefix (write e.g. %s/24)", val, val);
	if (parse_u64(slash + 1, &prefix) != 0)
		return cfg_fail(c, "'%s': prefix '%s' is not a number", val, slash + 1);
	if (prefix < 1 || prefix > 32)
		return cfg_fail(c, "'%s': prefix %s is out of range 1..32", val, slash + 1);
	why = ipv4_unusable(addr);
	if (why != NULL)
		return cfg_fail(c, "'%s': %s %s", val, buf, why);
	mask = prefix_mask((unsigned)prefix);
	h = addr & ~mask;
	if (prefix <= 30 && h == 0)
		return cfg_fail(c, "'%s' is the network address of its subnet", val);
	if (prefix <= 30 && h == ~mask)
		return cfg_fail(c, "'%s' is the broadcast address of its subnet", val);
	p->addr = addr;
	p->prefix = (uint8_t)prefix;
	return 0;
}

/*
 * A list of lcore ids and ranges ("0-1", "0,2,4-5"), in the order written. Duplicates are left
 * for the caller, which knows whether they are an error and what to call them.
 */
static int
parse_lcore_list(struct cfg_ctx *c, const char *val, uint16_t *ids, unsigned max, unsigned *np)
{
	char buf[YARD_CFG_DEVLEN];
	char *save = NULL, *tok;
	unsigned n = 0;

	snprintf(buf, sizeof(buf), "%s", val);
	if (val[0] == '\0')
		return cfg_fail(c, "empty list: give lcore ids, e.g. 0 or 0-1");
	for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		char *dash, *end;
		uint64_t lo, hi;

		while (isspace((unsigned char)*tok))
			tok++;
		end = tok + strlen(tok);
		while (end > tok && isspace((unsigned char)end[-1]))
			*--end = '\0';
		dash = strchr(tok, '-');
		if (dash != NULL)
			*dash = '\0';
		if (parse_u64(tok, &lo) != 0 || (dash != NULL && parse_u64(dash + 1, &hi) != 0))
			return cfg_fail(c, "'%s' is not a list of lcore ids and ranges (e.g. 0-1 or "
					"0,2,4-5)", val);
		if (dash == NULL)
			hi = lo;
		if (lo > hi)
			return cfg_fail(c, "'%s': range %" PRIu64 "-%" PRIu64 " goes backwards", val,
					lo, hi);
		if (hi >= YARD_CFG_MAX_LCORES)
			return cfg_fail(c, "'%s': lcore %" PRIu64 " is out of range 0..%u", val, hi,
					YARD_CFG_MAX_LCORES - 1);
		for (uint64_t l = lo; l <= hi; l++) {
			if (n == max)
				return cfg_fail(c, "'%s': more than %u lcores", val, max);
			ids[n++] = (uint16_t)l;
		}
	}
	if (n == 0)
		return cfg_fail(c, "empty list: give lcore ids, e.g. 0 or 0-1");
	*np = n;
	return 0;
}

static int
cmp_u16(const void *a, const void *b)
{
	return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

static int
parse_lcores(struct cfg_ctx *c, const char *val, struct yard_config *cfg)
{
	uint16_t ids[YARD_CFG_MAX_LCORES];
	unsigned n;

	if (parse_lcore_list(c, val, ids, RTE_DIM(ids), &n) != 0)
		return -1;
	qsort(ids, n, sizeof(ids[0]), cmp_u16);
	for (unsigned i = 1; i < n; i++)
		if (ids[i] == ids[i - 1])
			return cfg_fail(c, "'%s' names lcore %u twice", val, ids[i]);
	memcpy(cfg->lcores, ids, n * sizeof(ids[0]));
	cfg->nlcores = n;
	return 0;
}

/* A vdev string or a PCI address (normalised to DDDD:BB:DD.F), devargs after a ','. */
static int
parse_dev(struct cfg_ctx *c, const char *val, struct yard_cfg_port *p)
{
	char name[YARD_CFG_DEVLEN];
	const char *args = strchr(val, ',');
	size_t n = args != NULL ? (size_t)(args - val) : strlen(val);
	struct rte_pci_addr pci;

	if (n == 0)
		return cfg_fail(c, "'%s' has no device name before its arguments", val);
	if (strlen(val) >= sizeof(p->dev) || n >= RTE_ETH_NAME_MAX_LEN)
		return cfg_fail(c, "'%.40s...' is too long", val);
	memcpy(name, val, n);
	name[n] = '\0';
	for (const char *s = val; *s != '\0'; s++)
		if (isspace((unsigned char)*s))
			return cfg_fail(c, "'%s' contains white space", val);
	if (rte_pci_addr_parse(name, &pci) == 0) {
		char full[PCI_PRI_STR_SIZE];

		rte_pci_device_name(&pci, full, sizeof(full));
		if (strlen(full) + strlen(val) - n >= sizeof(p->dev))
			return cfg_fail(c, "'%.40s...' is too long", val);
		snprintf(p->dev, sizeof(p->dev), "%s%s", full, args != NULL ? args : "");
		p->is_pci = true;
		return 0;
	}
	if (!isalpha((unsigned char)name[0]))
		return cfg_fail(c, "'%s' is neither a PCI address (0000:01:00.0) nor a vdev string "
				"(net_tap0,iface=yard0)", val);
	for (const char *s = name; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return cfg_fail(c, "'%s' is neither a PCI address (0000:01:00.0) nor a vdev "
					"string (net_tap0,iface=yard0)", val);
	snprintf(p->dev, sizeof(p->dev), "%s", val);
	p->is_pci = false;
	return 0;
}

static int
parse_neighbours(struct cfg_ctx *c, const char *val, struct yard_cfg_port *p)
{
	char buf[YARD_CFG_DEVLEN];
	char *save = NULL, *item;

	p->nneighbours = 0;
	snprintf(buf, sizeof(buf), "%s", val);
	for (item = strtok_r(buf, ",", &save); item != NULL; item = strtok_r(NULL, ",", &save)) {
		char addr_s[64], mac_s[64], extra[2];
		struct yard_cfg_neighbour *nb;

		if (sscanf(item, " %63s %63s %1s", addr_s, mac_s, extra) != 2)
			return cfg_fail(c, "'%s' is not \"a.b.c.d MAC\" (e.g. 198.18.0.1 "
					"02:00:00:00:00:01)", item);
		if (p->nneighbours == YARD_CFG_MAX_NEIGHBOURS)
			return cfg_fail(c, "more than %u neighbours", YARD_CFG_MAX_NEIGHBOURS);
		nb = &p->neighbours[p->nneighbours];
		if (parse_ipv4(addr_s, &nb->addr) != 0)
			return cfg_fail(c, "'%s' is not an IPv4 address", addr_s);
		if (ipv4_unusable(nb->addr) != NULL)
			return cfg_fail(c, "%s %s", addr_s, ipv4_unusable(nb->addr));
		if (rte_ether_unformat_addr(mac_s, &nb->mac) != 0)
			return cfg_fail(c, "'%s' is not a MAC address (e.g. 02:00:00:00:00:01)",
					mac_s);
		if (!rte_is_valid_assigned_ether_addr(&nb->mac))
			return cfg_fail(c, "%s is not a unicast MAC address", mac_s);
		p->nneighbours++;
	}
	return 0;
}

/*
 * "a.b.c.d/prefix via g.h.i.j, ...": each a network no configured subnet is, reached through
 * a router; where the router is (the port's subnet) is checked with the port (check_port).
 */
static int
parse_routes(struct cfg_ctx *c, const char *val, struct yard_cfg_port *p)
{
	char buf[YARD_CFG_DEVLEN];
	char *save = NULL, *item;

	p->nroutes = 0;
	snprintf(buf, sizeof(buf), "%s", val);
	for (item = strtok_r(buf, ",", &save); item != NULL; item = strtok_r(NULL, ",", &save)) {
		char dst_s[64], via[8], gw_s[64], extra[2], net[INET_ADDRSTRLEN], *slash;
		struct yard_cfg_route *rt;
		uint64_t prefix;
		const char *why;

		if (sscanf(item, " %63s %7s %63s %1s", dst_s, via, gw_s, extra) != 3 ||
		    strcmp(via, "via") != 0)
			return cfg_fail(c, "'%s' is not \"a.b.c.d/prefix via g.h.i.j\" (e.g. "
					"10.0.0.0/8 via 198.18.0.254)", item);
		if (p->nroutes == YARD_CFG_MAX_ROUTES)
			return cfg_fail(c, "more than %u routes", YARD_CFG_MAX_ROUTES);
		rt = &p->routes[p->nroutes];
		slash = strchr(dst_s, '/');
		if (slash == NULL)
			return cfg_fail(c, "'%s' has no /prefix (a host is %s/32)", dst_s, dst_s);
		*slash = '\0';
		if (parse_ipv4(dst_s, &rt->dst) != 0)
			return cfg_fail(c, "'%s' is not an IPv4 address", dst_s);
		if (parse_u64(slash + 1, &prefix) != 0 || prefix < 1 || prefix > 32)
			return cfg_fail(c, "%s/%s: the prefix is not in 1..32 (the default route "
					"is the port's gateway)", dst_s, slash + 1);
		rt->prefix = (uint8_t)prefix;
		if ((rt->dst & ~prefix_mask(rt->prefix)) != 0)
			return cfg_fail(c, "%s/%u has host bits set (the network is %s/%u)", dst_s,
					rt->prefix, ipv4_str(rt->dst & prefix_mask(rt->prefix),
							     net, sizeof(net)), rt->prefix);
		why = yard_config_route_dst_unfit(rt->dst, rt->prefix);
		if (why != NULL)
			return cfg_fail(c, "%s/%u is no destination: %s %s", dst_s, rt->prefix,
					dst_s, why);
		if (parse_ipv4(gw_s, &rt->gw) != 0)
			return cfg_fail(c, "'%s' is not an IPv4 address", gw_s);
		why = ipv4_unusable(rt->gw);
		if (why != NULL)
			return cfg_fail(c, "the router %s %s", gw_s, why);
		p->nroutes++;
	}
	return 0;
}

/* The index of group in cfg->udp_groups, -1 if it is not there. */
static int
group_index(const struct yard_config *cfg, uint32_t group)
{
	for (unsigned i = 0; i < cfg->nudp_groups; i++)
		if (cfg->udp_groups[i] == group)
			return (int)i;
	return -1;
}

/*
 * [services] udp_join: items G (a multicast group, for any source) or S@G (G for source S
 * only: SSM, RFC 4607, in VLC's and ffmpeg's spelling). The S@G items of one G make one
 * membership of up to 10 sources, as udp's filter holds. Refused: 224.0.0.1, an item twice,
 * and a group given both ways, since a service's membership of a group is any-source or
 * source-specific and udp refuses the second (any source takes S's datagrams already).
 */
static int
parse_groups(struct cfg_ctx *c, const char *val, struct yard_config *cfg)
{
	/* A value's most: 14 groups of 15 characters fit; S@G items are longer, and fewer fit. */
	char buf[YARD_CFG_DEVLEN];
	char *save = NULL, *item;
	unsigned nitems = 0;

	cfg->nudp_groups = 0;
	snprintf(buf, sizeof(buf), "%s", val);
	for (item = strtok_r(buf, ",", &save); item != NULL; item = strtok_r(NULL, ",", &save)) {
		char tok[64], pfx[72] = "", sa[INET_ADDRSTRLEN], extra[2];
		const char *grp_s = tok;
		char *at;
		uint32_t g, s = 0;
		int gi;

		if (sscanf(item, " %63s %1s", tok, extra) != 1)
			return cfg_fail(c, "'%s' is not one multicast group nor source@group (e.g. "
					"239.1.2.3 or 198.18.0.1@232.1.2.3)", item);
		at = strchr(tok, '@');
		if (at != NULL) {
			/* Messages about an S@G item name it whole. */
			snprintf(pfx, sizeof(pfx), "'%s': ", tok);
			*at = '\0';
			grp_s = at + 1;
			if (parse_ipv4(tok, &s) != 0)
				return cfg_fail(c, "%s'%s' is not an IPv4 address", pfx, tok);
			if (ipv4_unusable(s) != NULL)
				return cfg_fail(c, "%sthe source %s is not a unicast address: "
						"it %s", pfx, tok, ipv4_unusable(s));
		}
		if (parse_ipv4(grp_s, &g) != 0)
			return cfg_fail(c, "%s'%s' is not an IPv4 address", pfx, grp_s);
		if (!ipv4_is_group(g))
			return cfg_fail(c, "%s%s is not a multicast group (224.0.0.0/4)", pfx,
					grp_s);
		if (ntohl(g) == 0xe0000001u)
			return cfg_fail(c, "%s%s is the all-hosts group: every host is in it "
					"already", pfx, grp_s);
		gi = group_index(cfg, g);
		if (gi >= 0 && (s == 0) != (cfg->udp_group_nsrc[gi] == 0)) {
			ipv4_str(s != 0 ? s : cfg->udp_group_src[gi][0], sa, sizeof(sa));
			return cfg_fail(c, "%s is given for any source and as %s@%s: a group "
					"is joined one way or the other (any source takes %s's "
					"datagrams already)", grp_s, sa, grp_s, sa);
		}
		if (gi >= 0 && s == 0)
			return cfg_fail(c, "%s is given twice", grp_s);
		for (unsigned i = 0; gi >= 0 && i < cfg->udp_group_nsrc[gi]; i++)
			if (cfg->udp_group_src[gi][i] == s)
				return cfg_fail(c, "%s@%s is given twice", tok, grp_s);
		if (gi >= 0 && cfg->udp_group_nsrc[gi] == YARD_CFG_MAX_GROUP_SRCS)
			return cfg_fail(c, "more than %u sources for %s: one membership filters at "
					"most %u", YARD_CFG_MAX_GROUP_SRCS, grp_s,
					YARD_CFG_MAX_GROUP_SRCS);
		if (++nitems > YARD_CFG_MAX_GROUPS)
			return cfg_fail(c, "more than %u items (groups and source@group)",
					YARD_CFG_MAX_GROUPS);
		if (gi < 0) {
			gi = (int)cfg->nudp_groups++;
			cfg->udp_groups[gi] = g;
			cfg->udp_group_nsrc[gi] = 0;
		}
		if (s != 0)
			cfg->udp_group_src[gi][cfg->udp_group_nsrc[gi]++] = s;
	}
	return 0;
}

/* Forbid the EAL options yard derives from other keys. */
static int
check_eal_args(struct cfg_ctx *c, const char *val)
{
	static const struct { const char *opt; const char *why; } taken[] = {
		{ "-l", "lcores come from [yard] lcores" },
		{ "-c", "lcores come from [yard] lcores" },
		{ "--lcores", "lcores come from [yard] lcores" },
		{ "--no-huge", "use [eal] hugepages = off" },
		{ "-m", "use [eal] memory" },
	};
	char buf[YARD_CFG_DEVLEN];
	char *save = NULL, *tok;

	snprintf(buf, sizeof(buf), "%s", val);
	for (tok = strtok_r(buf, " \t", &save); tok != NULL; tok = strtok_r(NULL, " \t", &save)) {
		for (unsigned i = 0; i < RTE_DIM(taken); i++) {
			size_t n = strlen(taken[i].opt);

			/* "-l 0", "-l0", "--lcores=0" */
			if (strncmp(tok, taken[i].opt, n) == 0 &&
			    (tok[n] == '\0' || tok[n] == '=' || (taken[i].opt[1] != '-' &&
								  isdigit((unsigned char)tok[n]))))
				return cfg_fail(c, "'%s' is not allowed here: %s", taken[i].opt,
						taken[i].why);
		}
	}
	return 0;
}

/* "LO-HI" into lohi[0] and lohi[1], k->min <= LO <= HI <= k->max. */
static int
parse_port_range(struct cfg_ctx *c, const struct cfg_key *k, const char *val, uint16_t *lohi)
{
	unsigned long lo, hi;
	char *end;

	errno = 0;
	lo = strtoul(val, &end, 10);
	if (end == val || *end != '-' || !isdigit((unsigned char)end[1]) || errno != 0)
		return cfg_fail(c, "'%s' is not a port range (%s)", val, k->range);
	hi = strtoul(end + 1, &end, 10);
	if (*end != '\0' || errno != 0)
		return cfg_fail(c, "'%s' is not a port range (%s)", val, k->range);
	if (lo < k->min || hi > k->max || lo > hi)
		return cfg_fail(c, "%s is out of range %s", val, k->range);
	lohi[0] = (uint16_t)lo;
	lohi[1] = (uint16_t)hi;
	return 0;
}

/* Parse one value into its place; base is the config or the port. */
static int
parse_value(struct cfg_ctx *c, struct yard_config *cfg, const struct cfg_key *k,
	    const char *val)
{
	void *base = c->port != NULL ? (void *)c->port : (void *)cfg;
	void *field = (char *)base + k->off;
	uint32_t v;
	bool b;

	if (val[0] == '\0' && k->kind != CK_TEXT && k->kind != CK_GATEWAY && k->kind != CK_NEIGH &&
	    k->kind != CK_ROUTES && k->kind != CK_GROUPS)
		return cfg_fail(c, "empty value (range: %s)", k->range);
	switch (k->kind) {
	case CK_U32:
	case CK_POW2:
		if (parse_uint_range(c, k, val, &v) != 0)
			return -1;
		if (k->off == PRT(rx_mbufs) && c->port != NULL && v != 0 && v < 511)
			return cfg_fail(c, "%s is out of range: 0 (sized from the rings) or "
					"511..1048575", val);
		*(uint32_t *)field = v;
		return 0;
	case CK_U16:
		if (parse_uint_range(c, k, val, &v) != 0)
			return -1;
		*(uint16_t *)field = (uint16_t)v;
		return 0;
	case CK_BOOL:
		if (parse_bool(val, &b) != 0)
			return cfg_fail(c, "'%s' is not yes or no (nor true/false, on/off, 1/0)",
					val);
		*(bool *)field = b;
		return 0;
	case CK_LOGLEVEL:
		if (parse_log_level(val, &v) != 0)
			return cfg_fail(c, "'%s' is not a log level (%s)", val, k->range);
		*(uint32_t *)field = v;
		return 0;
	case CK_HUGE:
		if (strcasecmp(val, "auto") == 0)
			cfg->hugepages = YARD_HUGE_AUTO;
		else if (strcasecmp(val, "on") == 0 || strcasecmp(val, "yes") == 0)
			cfg->hugepages = YARD_HUGE_ON;
		else if (strcasecmp(val, "off") == 0 || strcasecmp(val, "no") == 0)
			cfg->hugepages = YARD_HUGE_OFF;
		else
			return cfg_fail(c, "'%s' is not auto, on or off", val);
		return 0;
	case CK_TEXT:
		if (check_eal_args(c, val) != 0)
			return -1;
		snprintf(cfg->eal_args, sizeof(cfg->eal_args), "%s", val);
		return 0;
	case CK_LCORES:
		return parse_lcores(c, val, cfg);
	case CK_DEV:
		return parse_dev(c, val, c->port);
	case CK_ADDRPFX:
		return parse_addrpfx(c, val, c->port);
	case CK_GATEWAY:
		if (val[0] == '\0') {
			c->port->gateway = 0;
			return 0;
		}
		if (parse_ipv4(val, &v) != 0)
			return cfg_fail(c, "'%s' is not an IPv4 address", val);
		if (ipv4_unusable(v) != NULL)
			return cfg_fail(c, "%s %s", val, ipv4_unusable(v));
		c->port->gateway = v;
		return 0;
	case CK_QLCORES:
		if (parse_lcore_list(c, val, c->ps->qlcores, RTE_DIM(c->ps->qlcores),
				     &c->ps->nqlcores) != 0)
			return -1;
		c->ps->qlcores_given = true;
		return 0;
	case CK_NEIGH:
		return parse_neighbours(c, val, c->port);
	case CK_ROUTES:
		return parse_routes(c, val, c->port);
	case CK_GROUPS:
		return parse_groups(c, val, cfg);
	case CK_TCPCC:
		if (strcmp(val, "newreno") != 0 && strcmp(val, "cubic") != 0)
			return cfg_fail(c, "'%s' is not a congestion control (%s)", val, k->range);
		snprintf(cfg->tcp_cc, sizeof(cfg->tcp_cc), "%s", val);
		return 0;
	case CK_SIZE:
		return parse_size(c, k, val, (uint64_t *)field);
	case CK_PORTRANGE:
		return parse_port_range(c, k, val, (uint16_t *)field);
	}
	return cfg_fail(c, "internal error: unknown kind of key");
}

/* Apply the defaults of a table (keys with a parseable default). */
static void
apply_defaults(struct yard_config *cfg, struct yard_cfg_port *port, const struct cfg_key *keys,
	       unsigned nkeys)
{
	struct cfg_ctx c = { .path = "defaults", .port = port };

	for (unsigned i = 0; i < nkeys; i++)
		if (keys[i].def != NULL)
			(void)parse_value(&c, cfg, &keys[i], keys[i].def);
}

void
yard_config_defaults(struct yard_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	for (unsigned s = 0; s < RTE_DIM(cfg_sections); s++)
		if (!cfg_sections[s].is_port)
			apply_defaults(cfg, NULL, cfg_sections[s].keys, cfg_sections[s].nkeys);
}

bool
yard_config_has_lcore(const struct yard_config *cfg, unsigned lcore)
{
	for (unsigned i = 0; i < cfg->nlcores; i++)
		if (cfg->lcores[i] == lcore)
			return true;
	return false;
}

/* ---- step 1: syntax ----------------------------------------------------------------------- */

static int
check_syntax(struct cfg_ctx *c)
{
	char line[1024];
	unsigned lineno = 0;
	bool in_section = false;
	int rc = 0;
	FILE *f = fopen(c->path, "r");

	if (f == NULL)
		return cfg_fail(c, "cannot read: %s", strerror(errno));
	while (rc == 0 && fgets(line, sizeof(line), f) != NULL) {
		size_t len = strlen(line);
		char *s = line, *e, *hash, *eq;

		lineno++;
		if (len == sizeof(line) - 1 && line[len - 1] != '\n') {
			rc = cfg_fail(c, "line %u: longer than %zu characters", lineno,
				      sizeof(line) - 2);
			break;
		}
		/* rte_cfgfile's comment rule: from the first '#' not preceded by '\'. */
		for (hash = strchr(line, '#'); hash != NULL; hash = strchr(hash + 1, '#')) {
			if (hash == line || hash[-1] != '\\') {
				*hash = '\0';
				break;
			}
		}
		while (isspace((unsigned char)*s))
			s++;
		e = s + strlen(s);
		while (e > s && isspace((unsigned char)e[-1]))
			*--e = '\0';
		if (*s == '\0')
			continue;
		if (*s == '[') {
			if (e[-1] != ']' || e - s < 3)
				rc = cfg_fail(c, "line %u: '%s' is not a [section] header", lineno,
					      s);
			else if ((size_t)(e - s - 2) >= CFG_NAME_LEN)
				rc = cfg_fail(c, "line %u: section name longer than %u characters",
					      lineno, CFG_NAME_LEN - 1);
			in_section = true;
			continue;
		}
		eq = strchr(s, '=');
		if (eq == NULL) {
			rc = cfg_fail(c, "line %u: '%s' is neither [section] nor key = value%s",
				      lineno, s, *s == ';' ? " (comments start with '#')" : "");
		} else if (eq == s) {
			rc = cfg_fail(c, "line %u: '%s' has no key before '='", lineno, s);
		} else if (!in_section) {
			rc = cfg_fail(c, "line %u: '%s' comes before any [section]", lineno, s);
		} else {
			char *kend = eq;
			char *v = eq + 1;

			while (kend > s && isspace((unsigned char)kend[-1]))
				kend--;
			while (isspace((unsigned char)*v))
				v++;
			if ((size_t)(kend - s) >= CFG_NAME_LEN)
				rc = cfg_fail(c, "line %u: key longer than %u characters", lineno,
					      CFG_NAME_LEN - 1);
			else if (strlen(v) >= CFG_VALUE_LEN)
				rc = cfg_fail(c, "line %u: value longer than %u characters", lineno,
					      CFG_VALUE_LEN - 1);
		}
	}
	if (rc == 0 && ferror(f))
		rc = cfg_fail(c, "cannot read: %s", strerror(errno));
	fclose(f);
	return rc;
}

/* ---- step 3: sections and keys ------------------------------------------------------------ */

/* "port<N>": N in 0..YARD_MAX_PORTS-1, no leading zeros. -1 if the name is not port<N>. */
static int
port_number(const char *name, bool *in_range)
{
	uint64_t n;

	*in_range = false;
	if (strncmp(name, "port", 4) != 0 || parse_u64(name + 4, &n) != 0)
		return -1;
	*in_range = n < YARD_MAX_PORTS;
	return n < YARD_MAX_PORTS ? (int)n : (int)YARD_MAX_PORTS;
}

static void
key_list(const struct cfg_section *sec, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < sec->nkeys && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i != 0 ? ", " : "",
					 sec->keys[i].name);
}

static int
read_section(struct cfg_ctx *c, struct yard_config *cfg, const struct cfg_section *sec,
	     const struct rte_cfgfile_entry *ents, int nents)
{
	bool seen[CFG_MAX_KEYS] = { false };

	for (int i = 0; i < nents; i++) {
		const struct cfg_key *k = NULL;
		unsigned ki = 0;

		c->key = ents[i].name;
		for (ki = 0; ki < sec->nkeys; ki++) {
			if (strcmp(sec->keys[ki].name, ents[i].name) == 0) {
				k = &sec->keys[ki];
				break;
			}
		}
		if (k == NULL) {
			char keys[256];

			key_list(sec, keys, sizeof(keys));
			return cfg_fail(c, "unknown key (keys of [%s]: %s)", sec->name, keys);
		}
		if (seen[ki])
			return cfg_fail(c, "given twice");
		seen[ki] = true;
		if (k->off == PRT(tx_queues) && c->port != NULL)
			c->ps->tx_queues_given = true;
		if (parse_value(c, cfg, k, ents[i].value) != 0)
			return -1;
	}
	c->key = NULL;
	for (unsigned ki = 0; ki < sec->nkeys; ki++) {
		if (sec->keys[ki].required && !seen[ki]) {
			c->key = sec->keys[ki].name;
			return cfg_fail(c, "missing (required: %s)", sec->keys[ki].range);
		}
	}
	return 0;
}

/*
 * A gateway, neighbour or router (what: "" or "the router ") at addr must be a host of the
 * port's subnet (yard_config_host()): 0, or -1 with the reason said.
 */
static int
port_host_fail(struct cfg_ctx *c, const struct yard_cfg_port *p, uint32_t addr,
	       const char *what)
{
	char a[INET_ADDRSTRLEN], n[INET_ADDRSTRLEN];

	ipv4_str(addr, a, sizeof(a));
	ipv4_str(p->addr & prefix_mask(p->prefix), n, sizeof(n));
	switch (yard_config_host(p, addr)) {
	case YARD_HOST_OUTSIDE:
		return cfg_fail(c, "%s%s is not in the port's subnet %s/%u", what, a, n,
				p->prefix);
	case YARD_HOST_OWN:
		return cfg_fail(c, "%s%s is the port's own address", what, a);
	case YARD_HOST_NET_BCAST:
		return cfg_fail(c, "%s%s is the network or broadcast address of %s/%u", what, a,
				n, p->prefix);
	default:
		return 0;
	}
}

/* Derived defaults and checks within one port, once every section is read. */
static int
finish_port(struct cfg_ctx *c, struct yard_config *cfg)
{
	struct yard_cfg_port *p = c->port;
	const struct cfg_port_state *ps = c->ps;
	char a[INET_ADDRSTRLEN];

	if (!ps->tx_queues_given)
		p->tx_queues = p->rx_queues;
	if (p->tx_queues != p->rx_queues) {
		c->key = "tx_queues";
		return cfg_fail(c, "%u differs from rx_queues %u: each stream serves one RX/TX "
				"queue pair, so the counts must be equal", p->tx_queues,
				p->rx_queues);
	}
	if (ps->qlcores_given) {
		c->key = "queue_lcores";
		if (ps->nqlcores < p->rx_queues)
			return cfg_fail(c, "queue %u has no lcore (%u rx_queues, %u lcore%s listed)",
					ps->nqlcores, p->rx_queues, ps->nqlcores,
					ps->nqlcores == 1 ? "" : "s");
		if (ps->nqlcores > p->rx_queues)
			return cfg_fail(c, "%u lcores listed for %u rx_queues (one lcore per queue)",
					ps->nqlcores, p->rx_queues);
		for (unsigned q = 0; q < p->rx_queues; q++)
			p->queue_lcore[q] = ps->qlcores[q];
	} else {
		if (p->rx_queues > cfg->nlcores) {
			c->key = "rx_queues";
			return cfg_fail(c, "%u queues but [yard] lcores has %u lcore%s, and an lcore "
					"serves at most one queue of a port: add lcores or set "
					"queue_lcores", p->rx_queues, cfg->nlcores,
					cfg->nlcores == 1 ? "" : "s");
		}
		for (unsigned q = 0; q < p->rx_queues; q++)
			p->queue_lcore[q] = cfg->lcores[q];
	}
	c->key = "queue_lcores";
	for (unsigned q = 0; q < p->rx_queues; q++) {
		if (!yard_config_has_lcore(cfg, p->queue_lcore[q]))
			return cfg_fail(c, "lcore %u (queue %u) is not in [yard] lcores",
					p->queue_lcore[q], q);
		for (unsigned r = 0; r < q; r++)
			if (p->queue_lcore[r] == p->queue_lcore[q])
				return cfg_fail(c, "lcore %u serves queue %u and queue %u; an lcore "
						"serves at most one queue of a port (its ip "
						"instance has one link per port)",
						p->queue_lcore[q], r, q);
	}
	c->key = "gateway";
	if (p->gateway != 0 && port_host_fail(c, p, p->gateway, "") != 0)
		return -1;
	c->key = "neighbours";
	for (unsigned i = 0; i < p->nneighbours; i++) {
		uint32_t na = p->neighbours[i].addr;

		if (port_host_fail(c, p, na, "") != 0)
			return -1;
		for (unsigned j = 0; j < i; j++)
			if (p->neighbours[j].addr == na)
				return cfg_fail(c, "%s is listed twice",
						ipv4_str(na, a, sizeof(a)));
	}
	c->key = "routes";
	for (unsigned i = 0; i < p->nroutes; i++) {
		const struct yard_cfg_route *rt = &p->routes[i];

		if (port_host_fail(c, p, rt->gw, "the router ") != 0)
			return -1;
		ipv4_str(rt->dst, a, sizeof(a));
		if (rt->dst == (p->addr & prefix_mask(p->prefix)) && rt->prefix == p->prefix)
			return cfg_fail(c, "%s/%u is the port's own subnet (connected)", a,
					rt->prefix);
		for (unsigned j = 0; j < i; j++)
			if (p->routes[j].dst == rt->dst && p->routes[j].prefix == rt->prefix)
				return cfg_fail(c, "%s/%u is listed twice", a, rt->prefix);
	}
	c->key = NULL;
	return 0;
}

/* Does one of pj's routes name what [port<i>] (pi) has: its subnet, or a route of its own? */
static int
routes_clash(struct cfg_ctx *c, const struct yard_cfg_port *pj, const struct yard_cfg_port *pi,
	     unsigned i)
{
	char a[INET_ADDRSTRLEN];

	c->key = "routes";
	for (unsigned r = 0; r < pj->nroutes; r++) {
		const struct yard_cfg_route *rt = &pj->routes[r];

		ipv4_str(rt->dst, a, sizeof(a));
		if (rt->prefix == pi->prefix && rt->dst == (pi->addr & prefix_mask(pi->prefix)))
			return cfg_fail(c, "%s/%u is [port%u]'s subnet (connected)", a, rt->prefix,
					i);
		for (unsigned k = 0; k < pi->nroutes; k++)
			if (pi->routes[k].dst == rt->dst && pi->routes[k].prefix == rt->prefix)
				return cfg_fail(c, "%s/%u is a route of [port%u] too", a,
						rt->prefix, i);
	}
	return 0;
}

/* ---- step 4: across sections -------------------------------------------------------------- */

static size_t
devname_len(const char *dev)
{
	return strcspn(dev, ",");
}

static int
check_ports(struct cfg_ctx *c, struct yard_config *cfg)
{
	char sec[2][16];
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
	unsigned last = 0;
	bool any = false;

	for (unsigned i = 0; i < YARD_MAX_PORTS; i++) {
		if (cfg->ports[i].present) {
			last = i;
			any = true;
		}
	}
	c->key = NULL;
	if (!any) {
		c->section = NULL;
		return cfg_fail(c, "no [port0] section: yard needs at least one port");
	}
	for (unsigned i = 0; i < last; i++) {
		if (!cfg->ports[i].present) {
			snprintf(sec[0], sizeof(sec[0]), "port%u", last);
			c->section = sec[0];
			return cfg_fail(c, "ports are numbered from 0 without gaps, and [port%u] is "
					"missing", i);
		}
	}
	cfg->nports = last + 1;

	for (unsigned j = 0; j < cfg->nports; j++) {
		const struct yard_cfg_port *pj = &cfg->ports[j];

		snprintf(sec[1], sizeof(sec[1]), "port%u", j);
		c->section = sec[1];
		for (unsigned i = 0; i < j; i++) {
			const struct yard_cfg_port *pi = &cfg->ports[i];
			uint32_t m = prefix_mask(RTE_MIN(pi->prefix, pj->prefix));
			size_t li = devname_len(pi->dev), lj = devname_len(pj->dev);

			if (li == lj && strncmp(pi->dev, pj->dev, li) == 0) {
				c->key = "dev";
				return cfg_fail(c, "device %.*s is [port%u]'s too", (int)lj, pj->dev,
						i);
			}
			if ((pi->addr & m) == (pj->addr & m)) {
				c->key = "address";
				return cfg_fail(c, "subnet %s/%u overlaps [port%u]'s %s/%u",
						ipv4_str(pj->addr & prefix_mask(pj->prefix), a,
							 sizeof(a)), pj->prefix, i,
						ipv4_str(pi->addr & prefix_mask(pi->prefix), b,
							 sizeof(b)), pi->prefix);
			}
			if (pi->gateway != 0 && pj->gateway != 0) {
				c->key = "gateway";
				return cfg_fail(c, "[port%u] has a gateway already; yard has one "
						"default route", i);
			}

		}
	}
	for (unsigned j = 0; j < cfg->nports; j++) {
		snprintf(sec[1], sizeof(sec[1]), "port%u", j);
		c->section = sec[1];
		for (unsigned i = 0; i < cfg->nports; i++)
			if (i != j && routes_clash(c, &cfg->ports[j], &cfg->ports[i], i) != 0)
				return -1;
	}
	c->key = NULL;

	/* Every enabled lcore must have work: an idle ip instance would be given fragments. */
	c->section = "yard";
	c->key = "lcores";
	for (unsigned l = 0; l < cfg->nlcores; l++) {
		bool serves = false;

		for (unsigned p = 0; p < cfg->nports && !serves; p++)
			for (unsigned q = 0; q < cfg->ports[p].rx_queues && !serves; q++)
				serves = cfg->ports[p].queue_lcore[q] == cfg->lcores[l];
		if (!serves)
			return cfg_fail(c, "lcore %u serves no queue: name it in a port's "
					"queue_lcores or remove it", cfg->lcores[l]);
	}
	c->key = NULL;
	return 0;
}

static int
check_services(struct cfg_ctx *c, const struct yard_config *cfg)
{
	const struct { const char *name; uint16_t port; bool tcp; } s[] = {
		{ "udp_echo", cfg->svc_udp_echo, false },
		{ "udp_discard", cfg->svc_udp_discard, false },
		{ "udp_sockperf", cfg->svc_udp_sockperf, false },
		{ "tcp_echo", cfg->svc_tcp_echo, true },
		{ "tcp_discard", cfg->svc_tcp_discard, true },
		{ "http", cfg->svc_http, true },
		{ "sock_echo", cfg->svc_sock_echo, true },
		{ "sock_echo", cfg->svc_sock_echo, false },
		{ "memcached", cfg->svc_memcached, true },
	};

	c->section = "memcached";
	if (cfg->svc_memcached != 0 && cfg->mc_max_item > cfg->mc_memory / cfg->nlcores) {
		c->key = "max_item";
		return cfg_fail(c, "%" PRIu64 " bytes is more than the memory of one lcore's "
				"table (%" PRIu64 " / %u lcores)", cfg->mc_max_item, cfg->mc_memory,
				cfg->nlcores);
	}
	c->section = "services";
	for (unsigned j = 0; j < RTE_DIM(s); j++) {
		for (unsigned i = 0; i < j; i++) {
			if (s[j].port != 0 && s[i].port == s[j].port && s[i].tcp == s[j].tcp) {
				c->key = s[j].name;
				return cfg_fail(c, "%s port %u is %s's already",
						s[j].tcp ? "TCP" : "UDP", s[j].port, s[i].name);
			}
		}
	}
	if (cfg->nudp_groups != 0 && cfg->svc_udp_echo == 0 && cfg->svc_udp_discard == 0 &&
	    cfg->svc_udp_sockperf == 0) {
		c->key = "udp_join";
		return cfg_fail(c, "joins groups for the UDP services, and none is on (udp_echo, "
				"udp_discard or udp_sockperf)");
	}
	c->key = NULL;
	return 0;
}

/* [tcp] keys whose range is not one interval. */
static int
check_tcp(struct cfg_ctx *c, const struct yard_config *cfg)
{
	c->section = "tcp";
	if (cfg->tcp_blackhole_mss != 0 && cfg->tcp_blackhole_mss < 256) {
		c->key = "blackhole_mss";
		return cfg_fail(c, "%" PRIu32 " is out of range 0 (off) or 256..8960",
				cfg->tcp_blackhole_mss);
	}
	c->key = NULL;
	return 0;
}

/* ---- [client.NAME] ------------------------------------------------------------------------ */

/*
 * [client.NAME]: parsed by read_client() (the values are not of the generic kinds); the table
 * gives the names, defaults and ranges to the messages and to yard_config_key_at().
 */
enum {
	CLK_TYPE, CLK_CONNECT, CLK_BYTES, CLK_DURATION, CLK_CONNS, CLK_SIZE, CLK_DELAY, CLK_TIMEOUT,
	CLK_INTERVAL
};

static const struct cfg_key client_keys[] = {
	[CLK_TYPE] = { "type", CK_TEXT, 0, 0, 0, NULL, "none (required)",
	  "source, sink, rr, crr (TCP), udp_rr or udp_source (UDP)", true },
	[CLK_CONNECT] = { "connect", CK_TEXT, 0, 0, 0, NULL, "none (required)",
	  "a.b.c.d:port, a unicast address reachable through a port, port 1..65535", true },
	[CLK_BYTES] = { "bytes", CK_TEXT, 0, 0, 0, NULL, "none (bytes or duration is required)",
	  "1..2^50, decimal with an optional K, M, G or T suffix (powers of 1024)", false },
	[CLK_DURATION] = { "duration", CK_TEXT, 0, 0, 0, NULL,
	  "none (bytes or duration is required)",
	  "1ms..24h: decimal with ms, s, m or h (e.g. 10s)", false },
	[CLK_CONNS] = { "conns", CK_U32, 0, 1, 256, "1", NULL, "1..256", false },
	[CLK_SIZE] = { "size", CK_U32, 0, 1, 65536, "64", NULL,
	  "rr and crr 1..65536, udp_rr 8..65507, udp_source 1..65507 (not for source or sink)",
	  false },
	[CLK_DELAY] = { "delay", CK_TEXT, 0, 0, 0, "0", NULL,
	  "0 or 1ms..24h: decimal with ms, s, m or h", false },
	[CLK_TIMEOUT] = { "timeout", CK_TEXT, 0, 0, 0, "1s", NULL,
	  "1ms..24h: decimal with ms, s, m or h (udp_rr only)", false },
	[CLK_INTERVAL] = { "interval", CK_TEXT, 0, 0, 0, "0", NULL,
	  "0 or 1ms..24h: decimal with ms, s, m or h (udp_rr only)", false },
};

/* The i-th key of [client.NAME] for yard_config_key_at(), -1 past the end. */
static int
client_key_at(unsigned i, const char **section, const char **key, const char **def,
	      const char **range)
{
	const struct cfg_key *k;

	if (i >= RTE_DIM(client_keys))
		return -1;
	k = &client_keys[i];
	*section = "client.NAME";
	*key = k->name;
	*def = k->def != NULL ? k->def : k->def_doc;
	*range = k->range;
	return 0;
}

/* A size: decimal with an optional K, M, G or T suffix (powers of 1024), 1..2^50. */
static int
client_parse_bytes(const char *val, uint64_t *out)
{
	static const char suffix[] = "KMGT";
	char num[32];
	size_t n = strlen(val);
	unsigned shift = 0;
	const char *p;
	uint64_t v;

	if (n == 0 || n >= sizeof(num))
		return -1;
	p = strchr(suffix, toupper((unsigned char)val[n - 1]));
	if (p != NULL && *p != '\0') {
		shift = 10 * (unsigned)(p - suffix + 1);
		n--;
	}
	memcpy(num, val, n);
	num[n] = '\0';
	if (parse_u64(num, &v) != 0 || v == 0 || v > (UINT64_C(1) << 50) >> shift)
		return -1;
	*out = v << shift;
	return 0;
}

/* A duration in ms: decimal with ms, s, m or h, at most 24 h; "0" alone when zero_ok. */
static int
parse_duration(const char *val, bool zero_ok, uint64_t *out)
{
	static const struct { const char *unit; uint64_t ms; } units[] = {
		{ "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 },
	};
	char num[32];
	size_t n = strlen(val), d = 0;
	uint64_t v;

	if (zero_ok && strcmp(val, "0") == 0) {
		*out = 0;
		return 0;
	}
	while (d < n && isdigit((unsigned char)val[d]))
		d++;
	if (d == 0 || d >= sizeof(num))
		return -1;
	memcpy(num, val, d);
	num[d] = '\0';
	if (parse_u64(num, &v) != 0 || v > 86400000)
		return -1;
	for (unsigned i = 0; i < RTE_DIM(units); i++) {
		if (strcmp(val + d, units[i].unit) == 0) {
			v *= units[i].ms;
			if (v == 0 || v > 86400000)
				return -1;
			*out = v;
			return 0;
		}
	}
	return -1;
}

/* a.b.c.d:port */
static int
parse_hostport(struct cfg_ctx *c, const char *val, uint32_t *addr, uint16_t *port)
{
	const char *colon = strrchr(val, ':');
	char a[INET_ADDRSTRLEN];
	uint64_t p;

	if (colon == NULL || (size_t)(colon - val) >= sizeof(a))
		return cfg_fail(c, "'%s' is not a.b.c.d:port", val);
	memcpy(a, val, (size_t)(colon - val));
	a[colon - val] = '\0';
	if (parse_ipv4(a, addr) != 0)
		return cfg_fail(c, "'%s': '%s' is not an IPv4 address", val, a);
	/* A group is a udp_source client's to publish to (client_check_kind()). */
	if (ipv4_unusable(*addr) != NULL && !ipv4_is_group(*addr))
		return cfg_fail(c, "'%s': %s %s", val, a, ipv4_unusable(*addr));
	if (parse_u64(colon + 1, &p) != 0 || p < 1 || p > 65535)
		return cfg_fail(c, "'%s': port '%s' is not a number in 1..65535", val, colon + 1);
	*port = (uint16_t)p;
	return 0;
}

/*
 * The keys that belong to some types only, and the sizes each type takes: a UDP datagram
 * carries at most 65,507 bytes (udp's TSDU: 65,535 less the IP and UDP headers; beyond the
 * MTU it goes as fragments), and a udp_rr request at least its 8-byte header.
 */
static int
client_check_kind(struct cfg_ctx *c, struct yard_cfg_client *cl, const bool *seen)
{
	bool udp = cl->type == YARD_CFG_CLIENT_UDP_RR || cl->type == YARD_CFG_CLIENT_UDP_SOURCE;
	uint32_t min = cl->type == YARD_CFG_CLIENT_UDP_RR ? 8 : 1;

	if (ipv4_is_group(cl->addr) && cl->type != YARD_CFG_CLIENT_UDP_SOURCE) {
		c->key = "connect";
		return cfg_fail(c, "a multicast group is for udp_source clients only (they publish "
				"to it)");
	}
	if (seen[CLK_SIZE] && !udp && cl->type != YARD_CFG_CLIENT_RR &&
	    cl->type != YARD_CFG_CLIENT_CRR) {
		c->key = "size";
		return cfg_fail(c, "is for rr, crr, udp_rr and udp_source clients only");
	}
	if (!udp && (cl->size < 1 || cl->size > 65536)) {
		c->key = "size";
		return cfg_fail(c, "%u is out of range 1..65536", cl->size);
	}
	if (udp && (cl->size < min || cl->size > 65507)) {
		c->key = "size";
		return cfg_fail(c, "%u is out of range %u..65507 for %s (a UDP datagram's data)",
				cl->size, min, cl->type == YARD_CFG_CLIENT_UDP_RR ?
				"udp_rr" : "udp_source");
	}
	for (unsigned ki = CLK_TIMEOUT; ki <= CLK_INTERVAL; ki++) {
		if (seen[ki] && cl->type != YARD_CFG_CLIENT_UDP_RR) {
			c->key = client_keys[ki].name;
			return cfg_fail(c, "is for udp_rr clients only");
		}
	}
	return 0;
}

/* One [client.NAME] section into the next cfg->clients[] (checked against ports later). */
static int
read_client(struct cfg_ctx *c, struct yard_config *cfg, struct rte_cfgfile *f, int si,
	    int nents, const char *section)
{
	const char *name = section + 7;
	struct rte_cfgfile_entry ents[CFG_MAX_KEYS];
	char secname[CFG_NAME_LEN];
	bool seen[RTE_DIM(client_keys)] = { false };
	struct yard_cfg_client *cl;

	c->section = section;
	c->key = NULL;
	c->port = NULL;
	if (name[0] == '\0' || strlen(name) >= YARD_CFG_CLIENT_NAMELEN)
		return cfg_fail(c, "a client's name is 1..%u characters",
				YARD_CFG_CLIENT_NAMELEN - 1);
	for (const char *p = name; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-')
			return cfg_fail(c, "a client's name is letters, digits, '_' and '-'");
	for (unsigned i = 0; i < cfg->nclients; i++)
		if (strcmp(cfg->clients[i].name, name) == 0)
			return cfg_fail(c, "section given twice");
	if (cfg->nclients == YARD_CFG_MAX_CLIENTS)
		return cfg_fail(c, "more than %u clients", YARD_CFG_MAX_CLIENTS);
	if (nents > (int)RTE_DIM(ents))
		return cfg_fail(c, "more than %zu keys", RTE_DIM(ents));
	if (rte_cfgfile_section_entries_by_index(f, si, secname, ents, nents) != nents)
		return cfg_fail(c, "rte_cfgfile cannot list its keys");
	cl = &cfg->clients[cfg->nclients];
	memset(cl, 0, sizeof(*cl));
	snprintf(cl->name, sizeof(cl->name), "%s", name);
	cl->conns = 1;
	cl->size = 64;
	cl->timeout_ms = 1000;
	for (int i = 0; i < nents; i++) {
		const char *val = ents[i].value;
		unsigned ki;
		uint32_t v;

		c->key = ents[i].name;
		for (ki = 0; ki < RTE_DIM(client_keys); ki++)
			if (strcmp(client_keys[ki].name, ents[i].name) == 0)
				break;
		if (ki == RTE_DIM(client_keys))
			return cfg_fail(c, "unknown key (keys of [client.NAME]: type, connect, "
					"bytes, duration, conns, size, delay, timeout, interval)");
		if (seen[ki])
			return cfg_fail(c, "given twice");
		seen[ki] = true;
		if (val[0] == '\0')
			return cfg_fail(c, "empty value (range: %s)", client_keys[ki].range);
		switch (ki) {
		case CLK_TYPE:
			if (strcmp(val, "source") == 0)
				cl->type = YARD_CFG_CLIENT_SOURCE;
			else if (strcmp(val, "sink") == 0)
				cl->type = YARD_CFG_CLIENT_SINK;
			else if (strcmp(val, "rr") == 0)
				cl->type = YARD_CFG_CLIENT_RR;
			else if (strcmp(val, "crr") == 0)
				cl->type = YARD_CFG_CLIENT_CRR;
			else if (strcmp(val, "udp_rr") == 0)
				cl->type = YARD_CFG_CLIENT_UDP_RR;
			else if (strcmp(val, "udp_source") == 0)
				cl->type = YARD_CFG_CLIENT_UDP_SOURCE;
			else
				return cfg_fail(c, "'%s' is not source, sink, rr, crr, udp_rr or "
						"udp_source", val);
			break;
		case CLK_CONNECT:
			if (parse_hostport(c, val, &cl->addr, &cl->port) != 0)
				return -1;
			break;
		case CLK_BYTES:
			if (client_parse_bytes(val, &cl->bytes) != 0)
				return cfg_fail(c, "'%s' is not a size (%s)", val,
						client_keys[ki].range);
			break;
		case CLK_DURATION:
			if (parse_duration(val, false, &cl->duration_ms) != 0)
				return cfg_fail(c, "'%s' is not a duration (%s)", val,
						client_keys[ki].range);
			break;
		case CLK_CONNS:
			if (parse_uint_range(c, &client_keys[ki], val, &v) != 0)
				return -1;
			cl->conns = v;
			break;
		case CLK_SIZE: {
			uint64_t sz;

			/* its range is the type's: client_check_kind(), once the type is known */
			if (parse_u64(val, &sz) != 0)
				return cfg_fail(c, "'%s' is not a number (decimal digits only)",
						val);
			cl->size = (uint32_t)RTE_MIN(sz, (uint64_t)UINT32_MAX);
			break;
		}
		case CLK_DELAY:
		case CLK_TIMEOUT:
		case CLK_INTERVAL: {
			uint64_t ms;

			if (parse_duration(val, ki != CLK_TIMEOUT, &ms) != 0)
				return cfg_fail(c, "'%s' is not %s (%s)", val,
						ki == CLK_DELAY ? "a delay" : ki == CLK_TIMEOUT ?
						"a timeout" : "an interval", client_keys[ki].range);
			*(ki == CLK_DELAY ? &cl->delay_ms : ki == CLK_TIMEOUT ?
			  &cl->timeout_ms : &cl->interval_ms) = (uint32_t)ms;
			break;
		}
		}
	}
	c->key = NULL;
	for (unsigned ki = CLK_TYPE; ki <= CLK_CONNECT; ki++) {
		if (!seen[ki]) {
			c->key = client_keys[ki].name;
			return cfg_fail(c, "missing (required: %s)", client_keys[ki].range);
		}
	}
	if (seen[CLK_BYTES] == seen[CLK_DURATION])
		return cfg_fail(c, "give bytes or duration (%s)",
				seen[CLK_BYTES] ? "not both" : "one");
	if (client_check_kind(c, cl, seen) != 0)
		return -1;
	cfg->nclients++;
	return 0;
}

/*
 * Each client's server must be reached through a port (its subnet, or its gateway), and the
 * client runs on the lcore serving that port's queue 0. On a port with more queues the
 * replies reaching another lcore come back by RSS or software steering (tcp: docs/tcp.md;
 * udp's ephemeral ports: docs/xti.md).
 */
static int
check_clients(struct cfg_ctx *c, struct yard_config *cfg)
{
	for (unsigned i = 0; i < cfg->nclients; i++) {
		struct yard_cfg_client *cl = &cfg->clients[i];
		char sec[8 + YARD_CFG_CLIENT_NAMELEN], a[INET_ADDRSTRLEN];
		int via = -1;

		snprintf(sec, sizeof(sec), "client.%s", cl->name);
		c->section = sec;
		c->key = "connect";
		if (ipv4_is_group(cl->addr)) {
			/* Published where the default route goes (else the first port), on a
			 * route for every group: 224.0.0.0/4 on that port. */
			for (unsigned p = 0; p < cfg->nports && via < 0; p++)
				if (cfg->ports[p].gateway != 0)
					via = (int)p;
			if (via < 0)
				via = 0;
			cfg->ports[via].mcast_route = true;
			cl->lcore = cfg->ports[via].queue_lcore[0];
			continue;
		}
		for (unsigned p = 0; p < cfg->nports; p++) {
			const struct yard_cfg_port *pc = &cfg->ports[p];
			uint32_t m = prefix_mask(pc->prefix);

			/* yard's own address: its services, through ip's loop-back (no frame
			 * leaves), on the lcore serving that port's queue 0. */
			if (cl->addr == pc->addr) {
				via = (int)p;
				break;
			}
			if ((cl->addr & m) == (pc->addr & m))
				via = (int)p;
		}
		for (unsigned p = 0; p < cfg->nports && via < 0; p++)
			if (cfg->ports[p].gateway != 0)
				via = (int)p;
		if (via < 0)
			return cfg_fail(c, "%s is in no port's subnet and no port has a gateway",
					ipv4_str(cl->addr, a, sizeof(a)));
		/* With more queues, the replies come back to this lcore by RSS or, where the PMD
		 * does not tell its RSS, by tcp's software steering (protocols/tcp/tcp_rss.c);
		 * UDP replies by udp's (protocols/udp/udp_steer.c). */
		cl->lcore = cfg->ports[via].queue_lcore[0];
	}
	c->key = NULL;
	return 0;
}

int
yard_config_load(const char *path, struct yard_config *cfg, char *err, size_t errlen)
{
	struct rte_cfgfile_parameters params = { .comment_character = '#' };
	struct cfg_ctx c = { .path = path, .err = err, .errlen = errlen };
	struct rte_cfgfile *f;
	struct rte_cfgfile_entry *ents = NULL;
	struct cfg_port_state *ps;
	bool seen[RTE_DIM(cfg_sections)] = { false };
	char name[CFG_NAME_LEN];
	char psec[16];
	int nsec, rc = -1;

	if (err != NULL && errlen != 0)
		err[0] = '\0';
	yard_config_defaults(cfg);
	if (path == NULL || path[0] == '\0') {
		c.path = "(none)";
		return cfg_fail(&c, "no configuration file given");
	}
	snprintf(cfg->path, sizeof(cfg->path), "%s", path);

	if (check_syntax(&c) != 0)
		return -1;
	ps = calloc(YARD_MAX_PORTS, sizeof(*ps));
	if (ps == NULL)
		return cfg_fail(&c, "out of memory");
	f = rte_cfgfile_load_with_params(path, CFG_FLAG_EMPTY_VALUES, &params);
	if (f == NULL) {
		free(ps);
		return cfg_fail(&c, "rte_cfgfile cannot read it (see the line it logged)");
	}
	nsec = rte_cfgfile_num_sections(f, NULL, 0);

	for (int si = 0; si < nsec; si++) {
		const struct cfg_section *sec = NULL;
		int nents, got, pn = -1;
		bool in_range;

		nents = rte_cfgfile_section_num_entries_by_index(f, name, si);
		if (nents < 0) {
			c.section = NULL;
			cfg_fail(&c, "rte_cfgfile cannot list section %d", si);
			goto out;
		}
		c.section = name;
		c.key = NULL;
		c.port = NULL;
		for (unsigned s = 0; s < RTE_DIM(cfg_sections); s++) {
			if (!cfg_sections[s].is_port && strcmp(cfg_sections[s].name, name) == 0) {
				sec = &cfg_sections[s];
				if (seen[s]) {
					cfg_fail(&c, "section given twice");
					goto out;
				}
				seen[s] = true;
			}
		}
		if (sec == NULL && strncmp(name, "client.", 7) == 0) {
			if (read_client(&c, cfg, f, si, nents, name) != 0)
				goto out;
			continue;
		}
		if (sec == NULL) {
			pn = port_number(name, &in_range);
			if (pn >= 0 && !in_range) {
				cfg_fail(&c, "port numbers go from 0 to %u", YARD_MAX_PORTS - 1);
				goto out;
			}
			if (pn < 0) {
				cfg_fail(&c, "unknown section (sections: [yard], [eal], [port<N>], "
					 "[arp], [ip], [services], [client.NAME])");
				goto out;
			}
			if (cfg->ports[pn].present) {
				cfg_fail(&c, "section given twice");
				goto out;
			}
			sec = &cfg_sections[2];
			c.port = &cfg->ports[pn];
			c.ps = &ps[pn];
			c.port->present = true;
			apply_defaults(cfg, c.port, port_keys, RTE_DIM(port_keys));
		}
		free(ents);
		ents = calloc(nents > 0 ? (size_t)nents : 1, sizeof(*ents));
		if (ents == NULL) {
			cfg_fail(&c, "out of memory");
			goto out;
		}
		got = rte_cfgfile_section_entries_by_index(f, si, name, ents, nents);
		if (got != nents) {
			cfg_fail(&c, "rte_cfgfile cannot list its keys");
			goto out;
		}
		if (read_section(&c, cfg, sec, ents, nents) != 0)
			goto out;
	}
	/* Ports last: their derived defaults depend on [yard] lcores, wherever it is. */
	for (unsigned p = 0; p < YARD_MAX_PORTS; p++) {
		if (!cfg->ports[p].present)
			continue;
		snprintf(psec, sizeof(psec), "port%u", p);
		c.section = psec;
		c.key = NULL;
		c.port = &cfg->ports[p];
		c.ps = &ps[p];
		if (finish_port(&c, cfg) != 0)
			goto out;
	}
	c.port = NULL;
	c.ps = NULL;
	if (check_ports(&c, cfg) != 0 || check_services(&c, cfg) != 0 ||
	    check_tcp(&c, cfg) != 0 || check_clients(&c, cfg) != 0)
		goto out;
	rc = 0;
out:
	free(ents);
	free(ps);
	rte_cfgfile_close(f);
	return rc;
}

/* ---- EAL arguments ------------------------------------------------------------------------ */

/* Append a copy of s to buf and its pointer to argv. */
static int
push_arg(char **argv, int *n, int max, char *buf, size_t buflen, size_t *used, const char *s)
{
	size_t len = strlen(s) + 1;

	if (*n >= max || *used + len > buflen)
		return -1;
	memcpy(buf + *used, s, len);
	argv[(*n)++] = buf + *used;
	*used += len;
	return 0;
}

int
yard_config_eal_args(const struct yard_config *cfg, bool use_hugepages, char **argv, int max,
		     char *buf, size_t buflen)
{
	char tmp[YARD_CFG_DEVLEN * 2];
	char *save = NULL, *tok;
	size_t used = 0, tl = 0;
	int n = 0;
	bool pci = false;

#define PUSH(s) do { if (push_arg(argv, &n, max, buf, buflen, &used, (s)) != 0) return -1; } \
	while (0)

	/* -l in ascending order; EAL makes the first the main lcore. */
	tmp[0] = '\0';
	for (unsigned i = 0; i < cfg->nlcores && tl < sizeof(tmp); i++)
		tl += (size_t)snprintf(tmp + tl, sizeof(tmp) - tl, "%s%u", i ? "," : "",
				       cfg->lcores[i]);
	PUSH("-l");
	PUSH(tmp);
	if (!use_hugepages) {
		PUSH("--no-huge");
		PUSH("-m");
		snprintf(tmp, sizeof(tmp), "%u", cfg->memory_mb);
		PUSH(tmp);
	}
	for (unsigned p = 0; p < cfg->nports; p++) {
		if (cfg->ports[p].is_pci) {
			PUSH("-a");
			PUSH(cfg->ports[p].dev);
			pci = true;
		}
	}
	if (!pci)
		PUSH("--no-pci");
	/* The global level, and yard's own types (registered at INFO) to the same level. */
	snprintf(tmp, sizeof(tmp), "--log-level=%u", cfg->log_level);
	PUSH(tmp);
	snprintf(tmp, sizeof(tmp), "--log-level=yard.*:%u", cfg->log_level);
	PUSH(tmp);
	snprintf(tmp, sizeof(tmp), "%s", cfg->eal_args);
	for (tok = strtok_r(tmp, " \t", &save); tok != NULL; tok = strtok_r(NULL, " \t", &save))
		PUSH(tok);
#undef PUSH
	return n;
}
