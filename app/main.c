/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * yard: the binary. Reads the configuration, brings up EAL, STREAMS, the ports and every
 * lcore's stack, runs the lcore loops until SIGINT or SIGTERM, and takes it all down again,
 * checking that every message block came back.
 *
 *   yard [--config FILE] [--check-config FILE] [--help] [--version] [-- EAL arguments]
 *
 * Exit status: 0 clean stop (or a valid --check-config); 1 usage or configuration error
 * (nothing was touched); 2 start-up failed (EAL, a port, a stack); 3 the stop was not clean
 * (a stream could not close, or message blocks were still in use).
 *
 * Order of the start: the configuration is validated completely before EAL is initialised,
 * so a mistake costs nothing. EAL's arguments come from the configuration ([yard] lcores,
 * [eal]) with --no-huge and -m when no hugepages are available, then the command line's own
 * EAL arguments (which win where they repeat an option).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <libgen.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mempool.h>
#include <rte_pdump.h>

#include <pmd_glue/pmd.h>
#include <pmd_glue/port.h>

#include "app/control.h"
#include "app/memneed.h"
#include "app/yard.h"

RTE_LOG_REGISTER(yard_app_logtype, yard.app, INFO);

#define EXIT_CONFIG  1
#define EXIT_START   2
#define EXIT_UNCLEAN 3

#define EAL_MAX_ARGS 128

static volatile sig_atomic_t yard_signal;
static volatile sig_atomic_t yard_stopping;

static void
usage(FILE *out)
{
	fprintf(out,
		"usage: yard [--config FILE] [--check-config FILE] [--help] [--version] "
		"[-- EAL arguments]\n"
		"  --config FILE        run with FILE (default %s)\n"
		"  --check-config FILE  validate FILE, print a summary, exit 0 if valid, 1 if not\n"
		"  --help               this text\n"
		"  --version            yard's version\n"
		"  -- ARGS              extra EAL arguments, after those the configuration gives\n"
		"SIGINT or SIGTERM stops yard cleanly. docs/running.md tells more.\n",
		YARD_DEFAULT_CONFIG);
}

static void
on_signal(int sig)
{
	if (yard_stopping) {
		/* A second signal while shutting down: the operator means it. */
		static const char msg[] = "yard: second signal while stopping, exiting now\n";

		(void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
		_exit(EXIT_UNCLEAN);
	}
	yard_signal = sig;
	for (unsigned l = 0; l < RTE_MAX_LCORE; l++)
		yard_sched_stop(l);
}

static void
install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/*
 * What hugepages there are: the page sizes some hugetlbfs is mounted for, and how many pages of
 * those sizes are free. EAL uses every mounted size; pages of a size without a mount are not
 * usable.
 */
struct huge_state {
	bool mounted;
	size_t page_size;      /* the smallest mounted size, 0 if none */
	unsigned long free_pages;
	size_t free_bytes;     /* free pages of the mounted sizes, in bytes */
};

static size_t
huge_default_size(void)
{
	char line[256];
	unsigned long kb = 0, v;
	FILE *f = fopen("/proc/meminfo", "r");

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "Hugepagesize: %lu kB", &v) == 1)
			kb = v;
	fclose(f);
	return (size_t)kb << 10;
}

/* A mount's pagesize= option (2M, 1G, 1024M, ...), or the default size. */
static size_t
huge_mount_size(const char *opts, size_t deflt)
{
	const char *p = strstr(opts, "pagesize=");
	unsigned long v;
	char unit = '\0';

	if (p == NULL || sscanf(p + 9, "%lu%c", &v, &unit) < 1)
		return deflt;
	switch (unit) {
	case 'G': case 'g': return (size_t)v << 30;
	case 'M': case 'm': return (size_t)v << 20;
	case 'K': case 'k': return (size_t)v << 10;
	default: return (size_t)v;
	}
}

static void
hugepages_probe(struct huge_state *hs)
{
	size_t sizes[4], deflt = huge_default_size();
	unsigned nsizes = 0;
	char line[512], fstype[64], opts[256];
	FILE *f;

	memset(hs, 0, sizeof(*hs));
	f = fopen("/proc/mounts", "r");
	if (f != NULL) {
		while (fgets(line, sizeof(line), f) != NULL) {
			size_t sz;
			unsigned i;

			if (sscanf(line, "%*s %*s %63s %255s", fstype, opts) != 2 ||
			    strcmp(fstype, "hugetlbfs") != 0)
				continue;
			hs->mounted = true;
			sz = huge_mount_size(opts, deflt);
			for (i = 0; i < nsizes && sizes[i] != sz; i++)
				;
			if (i == nsizes && nsizes < RTE_DIM(sizes) && sz != 0)
				sizes[nsizes++] = sz;
		}
		fclose(f);
	}
	for (unsigned i = 0; i < nsizes; i++) {
		char path[128];
		unsigned long v;

		snprintf(path, sizeof(path), "/sys/kernel/mm/hugepages/hugepages-%zukB/free_hugepages",
			 sizes[i] >> 10);
		f = fopen(path, "r");
		if (f == NULL)
			continue;
		if (fscanf(f, "%lu", &v) == 1 && v != 0) {
			hs->free_pages += v;
			hs->free_bytes += v * sizes[i];
			if (hs->page_size == 0 || sizes[i] < hs->page_size)
				hs->page_size = sizes[i];
		}
		fclose(f);
	}
}

#define MB(b) ((unsigned long)(((b) + (1u << 20) - 1) >> 20))

/* What choose_memory() decided, for the error of a start that then ran out of memory. */
static char mem_plan[400];

/* The memory need as one parenthesis, for the log lines that decide or report on it. */
static void
need_text(const struct yard_mem_need *nd, char *buf, size_t len)
{
	snprintf(buf, len, "about %lu MB: message pools %lu, port RX pools %lu, ip instances "
		 "%lu, memcached %lu, other %lu", MB(nd->total), MB(nd->pools), MB(nd->ports),
		 MB(nd->ip), MB(nd->memcached), MB(nd->other));
}

/*
 * Whether to run on hugepages, and with --no-huge how much memory to give EAL. auto: hugepages
 * when the free ones hold what the configuration needs (a start on too few fails half-way, in
 * the first pool that does not fit), else --no-huge; on: hugepages whatever (a warning when
 * they look too few); off: --no-huge. With --no-huge, -m is [eal] memory, raised to the need
 * when that is more (a data mbuf takes a 4 KiB page of its own there). Returns -1 when
 * hugepages = on and there are none.
 */
static int
choose_memory(struct yard_config *cfg, bool *huge)
{
	struct huge_state hs;
	struct yard_mem_need nd, nd4k;
	char nt[200];

	hugepages_probe(&hs);
	yard_mem_need(cfg, hs.page_size != 0 ? hs.page_size : (2u << 20), &nd);
	need_text(&nd, nt, sizeof(nt));
	*huge = false;
	if (cfg->hugepages == YARD_HUGE_ON && (!hs.mounted || hs.free_pages == 0)) {
		fprintf(stderr, "yard: %s: [eal] hugepages = on, but none are usable "
			"(%lu free hugepages, hugetlbfs %s)\n", cfg->path, hs.free_pages,
			hs.mounted ? "mounted" : "not mounted");
		return -1;
	}
	if (cfg->hugepages == YARD_HUGE_ON ||
	    (cfg->hugepages == YARD_HUGE_AUTO && hs.mounted && hs.free_bytes >= nd.total)) {
		*huge = true;
		snprintf(mem_plan, sizeof(mem_plan), "hugepages (%lu MB free at start), this "
			 "configuration needs %s", MB(hs.free_bytes), nt);
		if (hs.free_bytes < nd.total) /* only with on */
			YARD_LOG(WARNING, "hugepages = on: %lu MB of hugepages free, this "
				 "configuration needs %s: it may fail to start", MB(hs.free_bytes), nt);
		else
			YARD_LOG(NOTICE, "using hugepages (%lu MB free in %lu pages; needs %s)",
				 MB(hs.free_bytes), hs.free_pages, nt);
		return 0;
	}
	yard_mem_need(cfg, 4096, &nd4k);
	if ((size_t)cfg->memory_mb << 20 < nd4k.total) {
		uint32_t was = cfg->memory_mb;

		cfg->memory_mb = (uint32_t)RTE_ALIGN_CEIL(MB(nd4k.total), 64);
		YARD_LOG(NOTICE, "[eal] memory = %u MB is less than this configuration needs "
			 "without hugepages (about %lu MB): giving EAL %u MB", was, MB(nd4k.total),
			 cfg->memory_mb);
	}
	{
		char nt4k[200];

		need_text(&nd4k, nt4k, sizeof(nt4k));
		snprintf(mem_plan, sizeof(mem_plan), "--no-huge -m %u, this configuration needs "
			 "%s", cfg->memory_mb, nt4k);
	}
	if (cfg->hugepages == YARD_HUGE_OFF)
		YARD_LOG(NOTICE, "hugepages = off: running with --no-huge -m %u", cfg->memory_mb);
	else if (!hs.mounted || hs.free_pages == 0)
		YARD_LOG(NOTICE, "no hugepages (%lu free hugepages, hugetlbfs %s): running with "
			 "--no-huge -m %u", hs.free_pages, hs.mounted ? "mounted" : "not mounted",
			 cfg->memory_mb);
	else
		YARD_LOG(NOTICE, "too few hugepages (%lu MB free; on them this configuration "
			 "needs %s): running with --no-huge -m %u", MB(hs.free_bytes), nt,
			 cfg->memory_mb);
	return 0;
}

/*
 * A secondary process (dpdk-dumpcap) maps the primary's hugepage memory at the primary's
 * addresses. EAL asks for them at 4 GiB, which in an AddressSanitizer build is inside ASan's
 * shadow, so EAL took what the kernel gave, among the shared libraries, and a secondary's own
 * libraries sometimes sat there ("Cannot get a virtual area at requested address"). An ASan
 * build asks for 32 TiB instead, above the shadow and clear of a plain process's mappings,
 * unless the user gave --base-virtaddr.
 */
#if defined(__SANITIZE_ADDRESS__)
#define ASAN_BASE_VIRTADDR "--base-virtaddr=0x200000000000"

static bool
asan_base_needed(const struct yard_config *cfg, char **args, int nargs)
{
	if (strstr(cfg->eal_args, "--base-virtaddr") != NULL)
		return false;
	for (int i = 0; i < nargs; i++)
		if (strncmp(args[i], "--base-virtaddr", 15) == 0)
			return false;
	return true;
}
#else
#define ASAN_BASE_VIRTADDR ""
#define asan_base_needed(cfg, args, nargs) false
#endif

static void
print_summary(FILE *out, const struct yard_config *cfg)
{
	char a[INET_ADDRSTRLEN];

	fprintf(out, "%s: valid: %u port%s, lcores", cfg->path, cfg->nports,
		cfg->nports == 1 ? "" : "s");
	for (unsigned i = 0; i < cfg->nlcores; i++)
		fprintf(out, "%s%u", i ? "," : " ", cfg->lcores[i]);
	fprintf(out, "\n");
	for (unsigned p = 0; p < cfg->nports; p++) {
		const struct yard_cfg_port *pc = &cfg->ports[p];
		struct in_addr in = { .s_addr = pc->addr };

		inet_ntop(AF_INET, &in, a, sizeof(a));
		fprintf(out, "  port%u: %s %s/%u mtu %u, %u queue%s on lcore%s", p, pc->dev, a,
			pc->prefix, pc->mtu, pc->rx_queues, pc->rx_queues == 1 ? "" : "s",
			pc->rx_queues == 1 ? "" : "s");
		for (unsigned q = 0; q < pc->rx_queues; q++)
			fprintf(out, "%s%u", q ? "," : " ", pc->queue_lcore[q]);
		if (pc->gateway != 0) {
			in.s_addr = pc->gateway;
			inet_ntop(AF_INET, &in, a, sizeof(a));
			fprintf(out, ", gateway %s", a);
		}
		fprintf(out, "\n");
	}
	for (unsigned i = 0; i < cfg->nclients; i++) {
		static const char *const types[] = {
			[YARD_CFG_CLIENT_SOURCE] = "source", [YARD_CFG_CLIENT_SINK] = "sink",
			[YARD_CFG_CLIENT_RR] = "rr", [YARD_CFG_CLIENT_UDP_RR] = "udp_rr",
			[YARD_CFG_CLIENT_UDP_SOURCE] = "udp_source", [YARD_CFG_CLIENT_CRR] = "crr",
		};
		const struct yard_cfg_client *cc = &cfg->clients[i];
		struct in_addr in = { .s_addr = cc->addr };

		inet_ntop(AF_INET, &in, a, sizeof(a));
		fprintf(out, "  client.%s: %s to %s:%u, ", cc->name, types[cc->type], a, cc->port);
		if (cc->bytes != 0)
			fprintf(out, "%" PRIu64 " bytes", cc->bytes);
		else
			fprintf(out, "%" PRIu64 " ms", cc->duration_ms);
		fprintf(out, " x %u conn%s", cc->conns, cc->conns == 1 ? "" : "s");
		if (cc->type != YARD_CFG_CLIENT_SOURCE && cc->type != YARD_CFG_CLIENT_SINK)
			fprintf(out, ", size %u", cc->size);
		if (cc->type == YARD_CFG_CLIENT_UDP_RR)
			fprintf(out, ", timeout %u ms, interval %u ms", cc->timeout_ms,
				cc->interval_ms);
		fprintf(out, ", on lcore %u\n", cc->lcore);
	}
	{
		struct yard_mem_need h, n;
		char t[200];

		yard_mem_need(cfg, 2u << 20, &h);
		yard_mem_need(cfg, 4096, &n);
		need_text(&h, t, sizeof(t));
		fprintf(out, "  memory: on 2 MB hugepages %s; with --no-huge about %lu MB\n", t,
			MB(n.total));
	}
}

/*
 * net_tap gives the kernel side of its tap the port's own MAC. With the kernel as yard's peer
 * on that link, both ends would then use one MAC, and arp rightly refuses an ARP whose sender
 * is its own address. So the kernel side gets a MAC of its own: yard's with the last octet's
 * low bit flipped (still locally administered unicast). The PMD's MAC does not change.
 */
static void
tap_peer_mac(const struct yard_port *port)
{
	struct rte_eth_dev_info info;
	struct rte_ether_addr peer = port->yp_mac;
	struct ifreq ifr;
	char ifname[IF_NAMESIZE];
	int fd;

	if (rte_eth_dev_info_get(port->yp_port_id, &info) != 0 || info.driver_name == NULL ||
	    strcmp(info.driver_name, "net_tap") != 0 || info.if_index == 0 ||
	    if_indextoname(info.if_index, ifname) == NULL)
		return;
	peer.addr_bytes[RTE_ETHER_ADDR_LEN - 1] ^= 0x01;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_hwaddr.sa_family = 1; /* ARPHRD_ETHER */
	memcpy(ifr.ifr_hwaddr.sa_data, peer.addr_bytes, RTE_ETHER_ADDR_LEN);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || ioctl(fd, SIOCSIFHWADDR, &ifr) != 0) {
		YARD_LOG(WARNING, "%s: cannot give the tap %s a MAC of its own (%s): the kernel "
			 "and yard share " RTE_ETHER_ADDR_PRT_FMT ", and ARP between them fails",
			 port->yp_name, ifname, strerror(errno),
			 RTE_ETHER_ADDR_BYTES(&port->yp_mac));
	} else {
		YARD_LOG(INFO, "%s: kernel side of the tap, %s, now has MAC " RTE_ETHER_ADDR_PRT_FMT
			 " (yard keeps " RTE_ETHER_ADDR_PRT_FMT ")", port->yp_name, ifname,
			 RTE_ETHER_ADDR_BYTES(&peer), RTE_ETHER_ADDR_BYTES(&port->yp_mac));
	}
	if (fd >= 0)
		close(fd);
}

/*
 * ip reassembles a datagram on one owner lcore, chosen by hash among all lcores with an ip
 * instance, and answers it from there, through that lcore's own links. An lcore serving no
 * queue of some port has no route back through it: say so once, at start.
 */
static void
warn_partial_lcores(const struct yard_config *cfg)
{
	for (unsigned i = 0; i < cfg->nlcores; i++) {
		for (unsigned p = 0; p < cfg->nports; p++) {
			const struct yard_cfg_port *pc = &cfg->ports[p];
			bool serves = false;

			for (unsigned q = 0; q < pc->rx_queues; q++)
				serves |= pc->queue_lcore[q] == cfg->lcores[i];
			if (!serves)
				YARD_LOG(WARNING, "lcore %u serves no queue of port%u: fragmented "
					 "datagrams from port%u that lcore %u is chosen to reassemble "
					 "cannot be answered", cfg->lcores[i], p, p, cfg->lcores[i]);
		}
	}
}

/* Open every configured port; its index in the port table is its [port<N>] number. */
static int
open_ports(const struct yard_config *cfg)
{
	for (unsigned p = 0; p < cfg->nports; p++) {
		const struct yard_cfg_port *pc = &cfg->ports[p];
		char name[16];
		struct yard_port_conf pcf;
		struct yard_port *port;
		int rc;

		snprintf(name, sizeof(name), "port%u", p);
		yard_port_conf_of(cfg, p, name, &pcf);
		rc = yard_port_open(&pcf, &port);
		if (rc != 0) {
			YARD_LOG(ERR, "%s: [%s] dev = %s: cannot open the port: %s", cfg->path, name,
				 pc->dev, strerror(-rc));
			return rc;
		}
		if (port->yp_index != p) {
			YARD_LOG(ERR, "[%s]: opened as port index %u, expected %u", name,
				 port->yp_index, p);
			return -EINVAL;
		}
		tap_peer_mac(port);
	}
	return 0;
}

/*
 * Close the ports and count what is still out of the pools: yard's message blocks and each
 * port's RX pool (found by name after the close, which frees a pool only once all its mbufs
 * are back). Returns the total in use and logs the line the tests look for.
 */
static unsigned
close_ports_and_count(void)
{
	char names[YARD_MAX_PORTS][RTE_MEMPOOL_NAMESIZE];
	char detail[512];
	unsigned total, msgs, n = yard_port_count();
	size_t used = 0;

	for (unsigned i = 0; i < n; i++) {
		const struct yard_port *p = yard_port_by_index(i);

		names[i][0] = '\0';
		if (p != NULL && p->yp_rxpool != NULL)
			snprintf(names[i], sizeof(names[i]), "%s", p->yp_rxpool->name);
	}
	if (yard_port_close_all() != 0)
		YARD_LOG(ERR, "a port could not be closed (a stream is still attached)");
	msgs = yard_msgs_in_use();
	total = msgs;
	used += (size_t)snprintf(detail + used, sizeof(detail) - used, "yard pools %u", msgs);
	for (unsigned i = 0; i < n; i++) {
		struct rte_mempool *mp;
		unsigned c = 0;

		if (names[i][0] == '\0')
			continue;
		mp = rte_mempool_lookup(names[i]);
		if (mp != NULL)
			c = rte_mempool_in_use_count(mp);
		total += c;
		if (used < sizeof(detail))
			used += (size_t)snprintf(detail + used, sizeof(detail) - used,
						 ", port%u rx pool %u%s", i, c,
						 mp == NULL ? " (freed)" : "");
	}
	if (total == 0)
		YARD_LOG(NOTICE, "mempools: 0 in use (%s)", detail);
	else
		YARD_LOG(ERR, "mempools: %u in use (%s): message blocks leaked", total, detail);
	return total;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	static struct yard_config cfg;
	char err[YARD_CFG_ERRLEN], argbuf[4096];
	char *eal_argv[EAL_MAX_ARGS];
	const char *config = NULL, *check = NULL;
	int opt, eal_argc, n, status = 0;
	bool pdump_on = false;
	bool huge;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			config = optarg;
			break;
		case 'k':
			check = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("yard %s\n", YARD_VERSION);
			return 0;
		default:
			fprintf(stderr, "yard: unknown option or missing argument: %s\n",
				argv[optind - 1]);
			usage(stderr);
			return EXIT_CONFIG;
		}
	}
	if (optind < argc && strcmp(argv[optind - 1], "--") != 0) {
		fprintf(stderr, "yard: unexpected argument '%s' (EAL arguments go after --)\n",
			argv[optind]);
		return EXIT_CONFIG;
	}

	if (check != NULL) {
		if (yard_config_load(check, &cfg, err, sizeof(err)) != 0) {
			fprintf(stderr, "yard: %s\n", err);
			return EXIT_CONFIG;
		}
		print_summary(stdout, &cfg);
		return 0;
	}
	if (yard_config_load(config != NULL ? config : YARD_DEFAULT_CONFIG, &cfg, err,
			     sizeof(err)) != 0) {
		fprintf(stderr, "yard: %s\n", err);
		if (config == NULL)
			fprintf(stderr, "yard: give a configuration with --config FILE\n");
		return EXIT_CONFIG;
	}

	if (choose_memory(&cfg, &huge) != 0)
		return EXIT_START;

	eal_argv[0] = argv[0];
	n = yard_config_eal_args(&cfg, huge, eal_argv + 1, EAL_MAX_ARGS - 2, argbuf,
				 sizeof(argbuf));
	if (n < 0 || 1 + n + (argc - optind) >= EAL_MAX_ARGS) {
		fprintf(stderr, "yard: too many EAL arguments\n");
		return EXIT_CONFIG;
	}
	eal_argc = 1 + n;
	for (int i = optind; i < argc; i++)
		eal_argv[eal_argc++] = argv[i];
	if (huge && asan_base_needed(&cfg, argv + optind, argc - optind) &&
	    eal_argc < EAL_MAX_ARGS - 1)
		eal_argv[eal_argc++] = (char *)ASAN_BASE_VIRTADDR;
	eal_argv[eal_argc] = NULL;

	{
		char line[1024];
		size_t used = 0;

		line[0] = '\0';
		for (int i = 1; i < eal_argc && used < sizeof(line); i++)
			used += (size_t)snprintf(line + used, sizeof(line) - used, "%s%s",
						 i > 1 ? " " : "", eal_argv[i]);
		YARD_LOG(INFO, "config %s; EAL arguments: %s", cfg.path, line);
	}

	install_signals();
	if (rte_eal_init(eal_argc, eal_argv) < 0) {
		/* EAL has said why on the lines above; rte_errno is not always set. */
		YARD_LOG(ERR, "EAL initialisation failed%s%s (EAL arguments: see above)",
			 rte_errno != 0 ? ": " : "", rte_errno != 0 ? rte_strerror(rte_errno) : "");
		return EXIT_START;
	}
	/*
	 * dpdk-dumpcap and dpdk-pdump capture a port from a secondary process, through callbacks
	 * this process installs in its RX and TX bursts when they ask (none cost anything until
	 * then). A secondary maps the primary's memory, so it needs hugepages.
	 */
	pdump_on = rte_pdump_init() == 0;
	if (!pdump_on)
		YARD_LOG(WARNING, "no capture by dpdk-dumpcap: rte_pdump_init: %s (yardctl snoop "
			 "still captures)", rte_strerror(rte_errno));
	else if (!rte_eal_has_hugepages())
		YARD_LOG(INFO, "dpdk-dumpcap cannot attach to a yard without hugepages (a secondary "
			 "process maps the primary's memory): yardctl snoop captures instead");
	if (yard_tel_register(&cfg) != 0) {
		status = EXIT_START;
		goto eal_down;
	}
	if (yard_ctl_register(&cfg) != 0) { /* yardctl's commands (control.c) */
		status = EXIT_START;
		goto eal_down;
	}
	{
		struct yard_streams_conf sc = {
			.pools = {
				.data_n = cfg.mbufs,
				.ctl_n = cfg.ctl_mbufs,
				.cache = cfg.mbuf_cache,
				.socket = SOCKET_ID_ANY,
			},
			.mbox_size = cfg.mbox_size,
			.budget = cfg.budget,
			.idle_sleep_us = cfg.idle_sleep_us,
			.idle_passes = cfg.idle_passes,
		};
		int rc = yard_streams_init(&sc);

		if (rc != 0) {
			YARD_LOG(ERR, "STREAMS initialisation failed: %s", strerror(-rc));
			if (rc == -ENOMEM)
				YARD_LOG(ERR, "out of memory: %s", mem_plan);
			status = EXIT_START;
			goto eal_down;
		}
	}
	if (yard_pmd_register() != 0) {
		YARD_LOG(ERR, "cannot register the \"%s\" driver", YARD_PMD_NAME);
		status = EXIT_START;
		goto streams_down;
	}
	{
		int rc = open_ports(&cfg);

		if (rc == 0)
			rc = yard_stacks_setup(&cfg);
		if (rc != 0) {
			if (rc == -ENOMEM)
				YARD_LOG(ERR, "out of memory: %s", mem_plan);
			status = EXIT_START;
			goto stacks_down;
		}
	}
	if (yard_ctl_setup(&cfg) != 0) { /* each lcore's control queue */
		status = EXIT_START;
		goto stacks_down;
	}
	warn_partial_lcores(&cfg);
	/* Before the "running" line, which tells scripts that telemetry now answers in full. */
	yard_tel_start();
	yard_ctl_start();
	{
		char rt[PATH_MAX];

		snprintf(rt, sizeof(rt), "%s", rte_eal_get_runtime_dir());
		YARD_LOG(NOTICE, "running on %u lcore%s, %u port%s; telemetry: dpdk-telemetry.py "
			 "-f %s; SIGINT or SIGTERM stops", cfg.nlcores, cfg.nlcores == 1 ? "" : "s",
			 cfg.nports, cfg.nports == 1 ? "" : "s", basename(rt));
	}
	/*
	 * A signal that came before this point has already set every lcore's stop flag, so the
	 * loops return at once; one that comes later sets it while they run.
	 */
	if (yard_signal == 0) {
		rte_eal_mp_remote_launch(yard_sched_loop, NULL, CALL_MAIN);
		rte_eal_mp_wait_lcore();
	}
	yard_stopping = 1;
	YARD_LOG(NOTICE, "stopping (%s)", yard_signal != 0 ? strsignal(yard_signal) : "no signal");

stacks_down:
	yard_tel_quiesce();
	yard_ctl_quiesce();
	yard_stacks_teardown();
	if (sth_count() != 0) {
		YARD_LOG(ERR, "%u stream(s) still open after teardown", sth_count());
		if (status == 0)
			status = EXIT_UNCLEAN;
	}
	if (close_ports_and_count() != 0 && status == 0)
		status = EXIT_UNCLEAN;
streams_down:
	if (sth_count() == 0)
		yard_streams_fini();
eal_down:
	if (pdump_on)
		(void)rte_pdump_uninit();
	rte_eal_cleanup();
	if (status == 0)
		YARD_LOG(NOTICE, "stopped cleanly");
	return status;
}
