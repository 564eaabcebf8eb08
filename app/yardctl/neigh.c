/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * yardctl neigh and routes: the arp caches and ip routes of every lcore, as ip neigh and
 * ip route show a kernel's, and ip neigh's add, del and flush on a running yard.
 *
 *   yardctl neigh [--lcore N] [--port N] [--json]     /yard/neigh, paged
 *   yardctl neigh add ADDR MAC [--port N]              /yard/neigh_set,add,PORT,ADDR,MAC
 *   yardctl neigh del ADDR [--port N]                  /yard/neigh_set,del,PORT,ADDR
 *   yardctl neigh flush [--port N]                     /yard/neigh_set,flush[,PORT]
 *   yardctl routes [--lcore N] [--json]                /yard/routes, paged
 *   yardctl routes add DST/PREFIX via ROUTER [--port N]
 *                                                      /yard/route_set,add,DST,ROUTER[,PORT]
 *   yardctl routes del DST/PREFIX                      /yard/route_set,del,DST
 *
 * A neighbour belongs to a port; without --port, add and del take the port whose subnet holds
 * ADDR, found in the connected routes (a generator that never answers ARP is what add is for:
 * its entry is static, never aged nor overwritten from the wire, like [portN] neighbours).
 * Without --port, routes add takes the port whose subnet holds the router (yard finds it).
 * "route" is "routes" too, as ip takes both.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "yardctl.h"

/* An IPv4 address in host order for sorting, 0 if it does not parse. */
static uint32_t
addr_key(const char *s)
{
	struct in_addr a;

	return inet_pton(AF_INET, s, &a) == 1 ? ntohl(a.s_addr) : 0;
}

static int
neigh_cmp(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	uint64_t kx[4] = { ju(x, "lcore"), ju(x, "port"), addr_key(js(x, "address")),
			   ju(x, "instance") };
	uint64_t ky[4] = { ju(y, "lcore"), ju(y, "port"), addr_key(js(y, "address")),
			   ju(y, "instance") };

	for (unsigned i = 0; i < 4; i++)
		if (kx[i] != ky[i])
			return kx[i] < ky[i] ? -1 : 1;
	return 0;
}

/* The port whose connected route holds addr (what ip neigh add would need dev for), or exit. */
static int
port_of(const char *addr)
{
	bool truncated;
	json_t *rows, *r;
	struct in_addr in;
	uint32_t a;
	size_t i;
	int port = -1;

	if (inet_pton(AF_INET, addr, &in) != 1)
		die(EXIT_REFUSED, "'%s' is not an IPv4 address", addr);
	a = ntohl(in.s_addr);
	rows = get_rows("/yard/routes", "route", -1, &truncated);

	json_array_foreach(rows, i, r) {
		uint64_t prefix = ju(r, "prefix");
		uint32_t mask = prefix == 0 ? 0 : ~0u << (32 - prefix);
		char dst[40];

		snprintf(dst, sizeof(dst), "%s", js(r, "destination"));
		dst[strcspn(dst, "/")] = '\0';
		if (js(r, "gateway")[0] == '\0' && prefix != 0 && (a & mask) == addr_key(dst) &&
		    json_integer_value(json_object_get(r, "port")) >= 0) {
			port = (int)json_integer_value(json_object_get(r, "port"));
			break;
		}
	}
	json_decref(rows);
	if (port < 0)
		die(EXIT_REFUSED, "%s is in no port's subnet (yardctl routes lists them)", addr);
	return port;
}

/* add, del, flush: one /yard/neigh_set request, answered with the instances it changed. */
static int
neigh_change(const char *op, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned nargs = strcmp(op, "add") == 0 ? 2 : strcmp(op, "del") == 0 ? 1 : 0;
	const char *usage = nargs == 2 ? "neigh add ADDR MAC [--port N]" :
			    nargs == 1 ? "neigh del ADDR [--port N]" : "neigh flush [--port N]";
	int opt, port = -1;
	char cmd[160];
	json_t *r;

	optind = 0; /* 0: glibc starts afresh, permuting (main() stopped at the command) */
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt == 'p')
			port = port_arg(optarg);
		else
			die(EXIT_USAGE, "%s", usage);
	}
	if ((unsigned)(argc - optind) != nargs)
		die(EXIT_USAGE, "%s", usage);
	for (int i = optind; i < argc; i++)
		if (strchr(argv[i], ',') != NULL || strlen(argv[i]) > 40)
			die(EXIT_USAGE, "'%s' is neither an address nor a MAC", argv[i]);
	if (!tel_has("/yard/neigh_set")) {
		close(tel_fd);
		die(EXIT_REFUSED, "this yard cannot change its neighbours (no /yard/neigh_set "
		    "command: an older yard?)");
	}
	if (nargs > 0 && port < 0)
		port = port_of(argv[optind]);
	if (nargs == 0 && port < 0)
		snprintf(cmd, sizeof(cmd), "/yard/neigh_set,flush");
	else if (nargs == 0)
		snprintf(cmd, sizeof(cmd), "/yard/neigh_set,flush,%d", port);
	else
		snprintf(cmd, sizeof(cmd), "/yard/neigh_set,%s,%d,%s%s%s", op, port, argv[optind],
			 nargs == 2 ? "," : "", nargs == 2 ? argv[optind + 1] : "");
	r = tel_get_ok(cmd);
	if (nargs == 0 && port < 0)
		printf("flushed the learned neighbours of every port (%" PRIu64
		       " arp instance%s)\n", ju(r, "instances"),
		       ju(r, "instances") == 1 ? "" : "s");
	else if (nargs == 0)
		printf("flushed the learned neighbours of port %d (%" PRIu64 " arp instance%s)\n",
		       port, ju(r, "instances"), ju(r, "instances") == 1 ? "" : "s");
	else
		printf("%s %s on port %d (%" PRIu64 " arp instance%s)\n",
		       nargs == 2 ? "added static neighbour" : "deleted neighbour", argv[optind],
		       port, ju(r, "instances"), ju(r, "instances") == 1 ? "" : "s");
	json_decref(r);
	return 0;
}

int
cmd_neigh(int argc, char **argv)
{
	struct table_req t = {
		.usage = "neigh [show] [--lcore N] [--port N] [--json] | neigh add ADDR MAC "
			 "[--port N] | neigh del ADDR [--port N] | neigh flush [--port N]",
		.cmd = "neigh", .key = "neigh", .what = "neighbour table", .has_port = true,
	};
	json_t *rows, *shown, *r;
	size_t i, n;
	json_t **v;

	if (argc >= 2 && (strcmp(argv[1], "add") == 0 || strcmp(argv[1], "del") == 0 ||
			  strcmp(argv[1], "flush") == 0))
		return neigh_change(argv[1], argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "show") == 0) {
		argc--;
		argv++;
	}
	rows = table_rows(&t, argc, argv);
	n = json_array_size(rows);
	v = calloc(n + 1, sizeof(*v));
	if (v == NULL)
		die(EXIT_USAGE, "out of memory");
	json_array_foreach(rows, i, r)
		v[i] = r;
	qsort(v, n, sizeof(*v), neigh_cmp);
	shown = json_array();
	for (i = 0; i < n; i++)
		if (t.port < 0 || ju(v[i], "port") == (uint64_t)t.port)
			json_array_append(shown, v[i]);
	free(v);
	json_decref(rows);
	if (t.json) {
		table_json(shown, t.truncated, "neighbours");
		return 0;
	}
	printf("%5s %-7s %-15s %-17s %-10s %9s %4s %5s\n", "Lcore", "Port", "Address", "MAC",
	       "State", "Age(s)", "Held", "Tries");
	json_array_foreach(shown, i, r) {
		char portname[16];

		/* A VLAN link as Linux names its device: port.vlan */
		if (ju(r, "vlan") != 0)
			snprintf(portname, sizeof(portname), "%" PRIu64 ".%" PRIu64, ju(r, "port"),
				 ju(r, "vlan"));
		else
			snprintf(portname, sizeof(portname), "%" PRIu64, ju(r, "port"));
		printf("%5" PRIu64 " %-7s %-15s %-17s %-10s %9.1f %4" PRIu64 " %5" PRIu64 "\n",
		       ju(r, "lcore"), portname, js(r, "address"),
		       js(r, "mac")[0] != '\0' ? js(r, "mac") : "-", js(r, "state"),
		       (double)ju(r, "age_ms") / 1000.0, ju(r, "held"), ju(r, "tries"));
	}
	if (t.truncated)
		printf("(truncated: yard shows at most %zu rows)\n", json_array_size(shown));
	json_decref(shown);
	return 0;
}

/* routes add DST/PREFIX via ROUTER [--port N], routes del DST/PREFIX: one /yard/route_set. */
static int
route_change(bool add, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	const char *usage = add ? "routes add DST/PREFIX via ROUTER [--port N]" :
			    "routes del DST/PREFIX";
	int opt, port = -1;
	char cmd[160];
	json_t *r;

	optind = 0; /* 0: glibc starts afresh, permuting (main() stopped at the command) */
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt == 'p' && add)
			port = port_arg(optarg);
		else
			die(EXIT_USAGE, "%s", usage);
	}
	if (argc - optind != (add ? 3 : 1) || (add && strcmp(argv[optind + 1], "via") != 0))
		die(EXIT_USAGE, "%s", usage);
	for (int i = optind; i < argc; i++)
		if (strchr(argv[i], ',') != NULL || strlen(argv[i]) > 40)
			die(EXIT_USAGE, "'%s' is neither a destination nor a router", argv[i]);
	if (!tel_has("/yard/route_set")) {
		close(tel_fd);
		die(EXIT_REFUSED, "this yard cannot change its routes (no /yard/route_set "
		    "command: an older yard?)");
	}
	if (!add)
		snprintf(cmd, sizeof(cmd), "/yard/route_set,del,%s", argv[optind]);
	else if (port < 0)
		snprintf(cmd, sizeof(cmd), "/yard/route_set,add,%s,%s", argv[optind],
			 argv[optind + 2]);
	else
		snprintf(cmd, sizeof(cmd), "/yard/route_set,add,%s,%s,%d", argv[optind],
			 argv[optind + 2], port);
	r = tel_get_ok(cmd);
	if (add)
		printf("added route %s via %s (%" PRIu64 " lcore%s)\n", argv[optind],
		       argv[optind + 2], ju(r, "instances"), ju(r, "instances") == 1 ? "" : "s");
	else
		printf("deleted route %s (%" PRIu64 " lcore%s)\n", argv[optind],
		       ju(r, "instances"), ju(r, "instances") == 1 ? "" : "s");
	json_decref(r);
	return 0;
}

int
cmd_routes(int argc, char **argv)
{
	struct table_req t = { .usage = "routes [show] [--lcore N] [--json] | routes add "
					"DST/PREFIX via ROUTER [--port N] | routes del DST/PREFIX",
			       .cmd = "routes", .key = "route", .what = "route table" };
	json_t *rows, *r;
	size_t i;

	if (argc >= 2 && (strcmp(argv[1], "add") == 0 || strcmp(argv[1], "del") == 0))
		return route_change(strcmp(argv[1], "add") == 0, argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "show") == 0) {
		argc--;
		argv++;
	}
	rows = table_rows(&t, argc, argv);

	if (t.json) {
		table_json(rows, t.truncated, "routes");
		return 0;
	}
	/* Each lcore's in lookup order (longest prefix first), as yard gives them. */
	printf("%5s %-18s %-15s %-15s %4s %5s\n", "Lcore", "Destination", "Gateway", "Link",
	       "Port", "MTU");
	json_array_foreach(rows, i, r) {
		json_int_t port = json_integer_value(json_object_get(r, "port"));
		char portname[24];

		if (port >= 0)
			snprintf(portname, sizeof(portname), "%lld", (long long)port);
		else
			snprintf(portname, sizeof(portname), "-");
		printf("%5" PRIu64 " %-18s %-15s %-15s %4s %5" PRIu64 "\n", ju(r, "lcore"),
		       ju(r, "prefix") == 0 ? "default" : js(r, "destination"),
		       js(r, "gateway")[0] != '\0' ? js(r, "gateway") : "-", js(r, "link"),
		       portname, ju(r, "mtu"));
	}
	if (t.truncated)
		printf("(truncated: yard shows at most %zu rows)\n", json_array_size(rows));
	json_decref(rows);
	return 0;
}
