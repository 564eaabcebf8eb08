/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The configuration parser (app/config.c): one test per kind of mistake, each checking that
 * the message names the file, the section and the key and says what is wrong; the defaults;
 * the EAL arguments a configuration makes; and that every file in config/ is valid and every
 * key is documented in docs/config.md. No EAL: the parser must work before rte_eal_init().
 */
#include <errno.h>
#include <glob.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <criterion/criterion.h>

#include "app/config.h"

/* A minimal valid file; tests add to it or replace parts. */
#define PORT0 "[port0]\ndev = net_tap0,iface=yard0\naddress = 198.18.0.2/24\n"

static char cfg_path[64];
static struct yard_config cfg;
static char err[YARD_CFG_ERRLEN];

TestSuite(config);

/*
 * Write text to a fresh file, load it and remove the file (its name stays in cfg_path for
 * the messages); returns yard_config_load()'s result.
 */
static int
load(const char *text)
{
	int fd, rc;
	FILE *f;

	snprintf(cfg_path, sizeof(cfg_path), "/tmp/yard-test-cfg-XXXXXX.ini");
	fd = mkstemps(cfg_path, 4);
	cr_assert_geq(fd, 0, "mkstemps: %s", strerror(errno));
	f = fdopen(fd, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
	rc = yard_config_load(cfg_path, &cfg, err, sizeof(err));
	unlink(cfg_path);
	return rc;
}

/*
 * The file must be refused with a message that begins with the file's name, names the
 * section ("[port0]") and the key when given (NULL: the message is about the section or the
 * file) and contains what.
 */
static void
expect_error(const char *text, const char *section, const char *key, const char *what)
{
	char want[128];

	cr_assert_eq(load(text), -1, "accepted:\n%s", text);
	cr_assert_eq(strncmp(err, cfg_path, strlen(cfg_path)), 0,
		     "message does not start with the file name: %s", err);
	if (section != NULL) {
		snprintf(want, sizeof(want), "[%s]", section);
		cr_expect_not_null(strstr(err, want), "message does not name %s: %s", want, err);
	}
	if (key != NULL) {
		snprintf(want, sizeof(want), "] %s: ", key);
		cr_expect_not_null(strstr(err, want), "message does not name key %s: %s", key, err);
	}
	cr_expect_not_null(strstr(err, what), "message does not say '%s': %s", what, err);
}

/* ---- mistakes ----------------------------------------------------------------------------- */

Test(config, refuses_a_missing_file)
{
	cr_assert_eq(yard_config_load("/nonexistent/yard.ini", &cfg, err, sizeof(err)), -1);
	cr_expect_str_eq(err, "/nonexistent/yard.ini: cannot read: No such file or directory");
}

Test(config, refuses_an_unknown_section)
{
	expect_error(PORT0 "[routes]\nx = 1\n", "routes", NULL, "unknown section");
}

Test(config, refuses_an_unknown_key)
{
	expect_error("[yard]\nlcore = 0\n" PORT0, "yard", "lcore", "unknown key");
}

Test(config, refuses_a_bad_address_with_the_documented_message)
{
	char want[256];

	cr_assert_eq(load("[port0]\ndev = net_tap0\naddress = 198.18.0.300/24\n"), -1);
	snprintf(want, sizeof(want),
		 "%s: [port0] address: '198.18.0.300/24' is not an IPv4 address/prefix", cfg_path);
	cr_expect_str_eq(err, want);
}

Test(config, refuses_a_prefix_out_of_range)
{
	expect_error("[port0]\ndev = net_tap0\naddress = 198.18.0.2/33\n", "port0", "address",
		     "prefix 33 is out of range 1..32");
}

Test(config, refuses_an_address_without_prefix)
{
	expect_error("[port0]\ndev = net_tap0\naddress = 198.18.0.2\n", "port0", "address",
		     "has no /prefix");
}

Test(config, refuses_an_address_that_is_not_unicast)
{
	expect_error("[port0]\ndev = net_tap0\naddress = 224.0.0.5/24\n", "port0", "address",
		     "multicast");
}

Test(config, refuses_the_network_address_of_the_subnet)
{
	expect_error("[port0]\ndev = net_tap0\naddress = 198.18.0.0/24\n", "port0", "address",
		     "network address");
}

Test(config, refuses_a_value_that_is_not_a_number)
{
	expect_error(PORT0 "mtu = 15OO\n", "port0", "mtu", "'15OO' is not a number");
}

Test(config, refuses_a_negative_number)
{
	expect_error("[yard]\nbudget = -1\n" PORT0, "yard", "budget", "is not a number");
}

Test(config, refuses_a_number_out_of_range)
{
	expect_error(PORT0 "mtu = 10000\n", "port0", "mtu", "10000 is out of range 68..9000");
}

Test(config, takes_a_vlan_id_and_refuses_the_reserved_one)
{
	cr_assert_eq(load(PORT0 "vlan = 4094\n"), 0, "%s", err);
	cr_expect_eq(cfg.ports[0].vlan, 4094);
	expect_error(PORT0 "vlan = 4095\n", "port0", "vlan", "4095 is out of range 0..4094");
}

Test(config, refuses_a_mailbox_size_that_is_not_a_power_of_2)
{
	expect_error("[yard]\nmbox_size = 1000\n" PORT0, "yard", "mbox_size", "not a power of 2");
}

Test(config, refuses_an_idle_sleep_past_100_ms)
{
	expect_error("[yard]\nidle_sleep_us = 100001\n" PORT0, "yard", "idle_sleep_us",
		     "100001 is out of range 0..100000");
	expect_error("[yard]\nidle_sleep_us = 10us\n" PORT0, "yard", "idle_sleep_us",
		     "'10us' is not a number");
}

Test(config, refuses_zero_idle_passes)
{
	expect_error("[yard]\nidle_passes = 0\n" PORT0, "yard", "idle_passes",
		     "0 is out of range 1..1000000");
	expect_error("[yard]\nidle_passes = 1000001\n" PORT0, "yard", "idle_passes",
		     "1000001 is out of range 1..1000000");
}

Test(config, reads_an_idle_sleep)
{
	cr_assert_eq(load("[yard]\nidle_sleep_us = 100000\nidle_passes = 1\n" PORT0), 0, "%s", err);
	cr_expect_eq(cfg.idle_sleep_us, 100000);
	cr_expect_eq(cfg.idle_passes, 1);
}

Test(config, refuses_an_empty_value)
{
	expect_error(PORT0 "rx_queues =\n", "port0", "rx_queues", "empty value");
}

Test(config, refuses_a_bad_boolean)
{
	expect_error(PORT0 "promiscuous = maybe\n", "port0", "promiscuous", "is not yes or no");
}

Test(config, refuses_a_bad_log_level)
{
	expect_error("[yard]\nlog_level = loud\n" PORT0, "yard", "log_level",
		     "is not a log level");
}

Test(config, refuses_a_bad_hugepages_setting)
{
	expect_error("[eal]\nhugepages = sometimes\n" PORT0, "eal", "hugepages",
		     "is not auto, on or off");
}

Test(config, refuses_an_unknown_congestion_control)
{
	expect_error("[tcp]\ncongestion = vegas\n" PORT0, "tcp", "congestion",
		     "'vegas' is not a congestion control (newreno, cubic)");
}

Test(config, takes_the_tcp_congestion_control)
{
	cr_assert_eq(load(PORT0), 0, "%s", err);
	cr_expect_str_eq(cfg.tcp_cc, "newreno");
	cr_assert_eq(load("[tcp]\ncongestion = cubic\n" PORT0), 0, "%s", err);
	cr_expect_str_eq(cfg.tcp_cc, "cubic");
}

Test(config, takes_the_tcp_msl_within_its_range)
{
	cr_assert_eq(load(PORT0), 0, "%s", err);
	cr_expect_eq(cfg.tcp_msl_ms, 30000);
	cr_assert_eq(load("[tcp]\nmsl_ms = 500\n" PORT0), 0, "%s", err);
	cr_expect_eq(cfg.tcp_msl_ms, 500);
	expect_error("[tcp]\nmsl_ms = 5\n" PORT0, "tcp", "msl_ms", "5 is out of range 10..600000");
}

Test(config, takes_the_arp_unicast_probes_zero_included)
{
	cr_assert_eq(load("[arp]\nucast_probes = 0\n" PORT0), 0, "%s", err);
	cr_expect_eq(cfg.arp_ucast_probes, 0, "0: stale entries probed by broadcast only");
	cr_assert_eq(load("[arp]\nucast_probes = 100\n" PORT0), 0, "%s", err);
	cr_expect_eq(cfg.arp_ucast_probes, 100);
	expect_error("[arp]\nucast_probes = 101\n" PORT0, "arp", "ucast_probes",
		     "101 is out of range 0..100");
}

Test(config, takes_the_tcp_time_wait_limit_within_its_range)
{
	cr_assert_eq(load(PORT0), 0, "%s", err);
	cr_expect_eq(cfg.tcp_max_timewait, 32768);
	cr_assert_eq(load("[tcp]\nmax_timewait = 1000\n" PORT0), 0, "%s", err);
	cr_expect_eq(cfg.tcp_max_timewait, 1000);
	expect_error("[tcp]\nmax_timewait = 70000\n" PORT0, "tcp", "max_timewait",
		     "70000 is out of range 1..65536");
}

Test(config, takes_the_tcp_orphan_limits_within_their_ranges)
{
	cr_assert_eq(load(PORT0), 0, "%s", err);
	cr_expect_eq(cfg.tcp_max_orphans, 8192);
	cr_expect_eq(cfg.tcp_orphan_retries, 8);
	cr_assert_eq(load("[tcp]\nmax_orphans = 100\norphan_retries = 3\n" PORT0), 0, "%s", err);
	cr_expect_eq(cfg.tcp_max_orphans, 100);
	cr_expect_eq(cfg.tcp_orphan_retries, 3);
	expect_error("[tcp]\nmax_orphans = 0\n" PORT0, "tcp", "max_orphans",
		     "0 is out of range 1..65536");
	expect_error("[tcp]\norphan_retries = 256\n" PORT0, "tcp", "orphan_retries",
		     "256 is out of range 1..255");
}

Test(config, takes_tw_reuse_as_yes_or_no)
{
	cr_assert_eq(load(PORT0), 0, "%s", err);
	cr_expect(cfg.tcp_tw_reuse, "on by default, as tcp's own default");
	cr_assert_eq(load("[tcp]\ntw_reuse = no\n" PORT0), 0, "%s", err);
	cr_expect_not(cfg.tcp_tw_reuse);
	expect_error("[tcp]\ntw_reuse = sometimes\n" PORT0, "tcp", "tw_reuse", "is not yes or no");
}

Test(config, takes_the_ephemeral_port_range)
{
	cr_assert_eq(load(PORT0), 0, "%s", err);
	cr_expect_eq(cfg.tcp_port_lo, 49152);
	cr_expect_eq(cfg.tcp_port_hi, 65535);
	cr_assert_eq(load("[tcp]\nephemeral_ports = 32768-60999\n" PORT0), 0, "%s", err);
	cr_expect_eq(cfg.tcp_port_lo, 32768);
	cr_expect_eq(cfg.tcp_port_hi, 60999);
	cr_assert_eq(load("[tcp]\nephemeral_ports = 50000-50000\n" PORT0), 0, "%s", err);
	expect_error("[tcp]\nephemeral_ports = 1000-2000\n" PORT0, "tcp", "ephemeral_ports",
		     "1000-2000 is out of range LO-HI, 1024 <= LO <= HI <= 65535");
	expect_error("[tcp]\nephemeral_ports = 60000-50000\n" PORT0, "tcp", "ephemeral_ports",
		     "is out of range");
	expect_error("[tcp]\nephemeral_ports = 50000-70000\n" PORT0, "tcp", "ephemeral_ports",
		     "is out of range");
	expect_error("[tcp]\nephemeral_ports = 50000\n" PORT0, "tcp", "ephemeral_ports",
		     "is not a port range");
	expect_error("[tcp]\nephemeral_ports = 5-x\n" PORT0, "tcp", "ephemeral_ports",
		     "is not a port range");
	expect_error("[tcp]\nephemeral_ports = 50000-60000x\n" PORT0, "tcp", "ephemeral_ports",
		     "is not a port range");
}

Test(config, takes_the_blackhole_mss_or_0_for_none)
{
	cr_assert_eq(load(PORT0), 0, "%s", err);
	cr_expect_eq(cfg.tcp_blackhole_mss, 1200);
	cr_assert_eq(load("[tcp]\nblackhole_mss = 0\n" PORT0), 0, "%s", err);
	cr_expect_eq(cfg.tcp_blackhole_mss, 0);
	cr_assert_eq(load("[tcp]\nblackhole_mss = 1380\n" PORT0), 0, "%s", err);
	cr_expect_eq(cfg.tcp_blackhole_mss, 1380);
	expect_error("[tcp]\nblackhole_mss = 100\n" PORT0, "tcp", "blackhole_mss",
		     "100 is out of range 0 (off) or 256..8960");
	expect_error("[tcp]\nblackhole_mss = 9000\n" PORT0, "tcp", "blackhole_mss",
		     "9000 is out of range 0..8960");
}

Test(config, refuses_eal_arguments_that_other_keys_give)
{
	expect_error("[eal]\nargs = --file-prefix x -l 0-3\n" PORT0, "eal", "args",
		     "'-l' is not allowed here");
	expect_error("[eal]\nargs = --no-huge\n" PORT0, "eal", "args", "hugepages = off");
}

Test(config, refuses_a_malformed_lcore_list)
{
	expect_error("[yard]\nlcores = 0-\n" PORT0, "yard", "lcores",
		     "is not a list of lcore ids");
	expect_error("[yard]\nlcores = 3-1\n" PORT0, "yard", "lcores", "goes backwards");
	expect_error("[yard]\nlcores = 0,200\n" PORT0, "yard", "lcores", "out of range 0..127");
	expect_error("[yard]\nlcores = 0,0\n" PORT0, "yard", "lcores", "names lcore 0 twice");
}

Test(config, refuses_a_queue_lcore_that_is_not_enabled)
{
	expect_error("[yard]\nlcores = 0\n" PORT0 "queue_lcores = 1\n", "port0", "queue_lcores",
		     "lcore 1 (queue 0) is not in [yard] lcores");
}

Test(config, refuses_a_queue_without_lcore)
{
	expect_error("[yard]\nlcores = 0-1\n" PORT0 "rx_queues = 2\nqueue_lcores = 0\n", "port0",
		     "queue_lcores", "queue 1 has no lcore");
}

Test(config, refuses_more_queue_lcores_than_queues)
{
	expect_error("[yard]\nlcores = 0-1\n" PORT0 "queue_lcores = 0,1\n", "port0",
		     "queue_lcores", "2 lcores listed for 1 rx_queues");
}

Test(config, refuses_more_queues_than_lcores_by_default)
{
	expect_error("[yard]\nlcores = 0\n" PORT0 "rx_queues = 2\n", "port0", "rx_queues",
		     "2 queues but [yard] lcores has 1 lcore");
}

Test(config, refuses_one_lcore_on_two_queues_of_a_port)
{
	expect_error("[yard]\nlcores = 0\n" PORT0 "rx_queues = 2\nqueue_lcores = 0,0\n", "port0",
		     "queue_lcores", "lcore 0 serves queue 0 and queue 1");
}

Test(config, refuses_an_lcore_that_serves_no_queue)
{
	expect_error("[yard]\nlcores = 0-1\n" PORT0, "yard", "lcores",
		     "lcore 1 serves no queue");
}

Test(config, refuses_tx_queues_unlike_rx_queues)
{
	expect_error("[yard]\nlcores = 0-1\n" PORT0 "rx_queues = 2\ntx_queues = 1\n", "port0",
		     "tx_queues", "differs from rx_queues 2");
}

Test(config, refuses_a_port_without_dev)
{
	expect_error("[port0]\naddress = 198.18.0.2/24\n", "port0", "dev", "missing");
}

Test(config, refuses_a_port_without_address)
{
	expect_error("[port0]\ndev = net_tap0\n", "port0", "address", "missing");
}

Test(config, refuses_a_malformed_device)
{
	expect_error("[port0]\ndev = 0zz,iface=x\naddress = 198.18.0.2/24\n", "port0", "dev",
		     "neither a PCI address");
	expect_error("[port0]\ndev = ,iface=x\naddress = 198.18.0.2/24\n", "port0", "dev",
		     "no device name");
}

Test(config, refuses_a_key_given_twice)
{
	expect_error(PORT0 "mtu = 1500\nmtu = 9000\n", "port0", "mtu", "given twice");
}

Test(config, refuses_a_section_given_twice)
{
	expect_error("[yard]\nlcores = 0\n" PORT0 "[yard]\nbudget = 32\n", "yard", NULL,
		     "section given twice");
	expect_error(PORT0 PORT0, "port0", NULL, "section given twice");
}

Test(config, refuses_a_line_that_is_not_key_equals_value)
{
	expect_error(PORT0 "mtu 1500\n", NULL, NULL,
		     "'mtu 1500' is neither [section] nor key = value");
	cr_expect_not_null(strstr(err, ": line 4: "), "no line number: %s", err);
}

Test(config, refuses_a_key_outside_any_section)
{
	expect_error("lcores = 0\n" PORT0, NULL, NULL, "comes before any [section]");
}

Test(config, refuses_a_broken_section_header)
{
	expect_error("[port0\ndev = net_tap0\n", NULL, NULL, "is not a [section] header");
}

Test(config, refuses_a_file_without_ports)
{
	expect_error("[yard]\nlcores = 0\n", NULL, NULL, "no [port0] section");
}

Test(config, refuses_a_gap_in_port_numbers)
{
	expect_error("[port1]\ndev = net_tap1\naddress = 198.18.1.2/24\n", "port1", NULL,
		     "[port0] is missing");
}

Test(config, refuses_a_port_number_out_of_range)
{
	expect_error(PORT0 "[port16]\ndev = net_tap1\naddress = 198.18.1.2/24\n", "port16", NULL,
		     "port numbers go from 0 to 15");
}

Test(config, refuses_a_gateway_outside_the_subnet)
{
	expect_error(PORT0 "gateway = 10.0.0.1\n", "port0", "gateway",
		     "10.0.0.1 is not in the port's subnet 198.18.0.0/24");
}

Test(config, refuses_a_gateway_that_is_our_address)
{
	expect_error(PORT0 "gateway = 198.18.0.2\n", "port0", "gateway", "the port's own address");
}

Test(config, refuses_two_gateways)
{
	expect_error("[yard]\nlcores = 0\n" PORT0 "gateway = 198.18.0.1\n"
		     "[port1]\ndev = net_tap1\naddress = 198.18.1.2/24\ngateway = 198.18.1.1\n",
		     "port1", "gateway", "[port0] has a gateway already");
}

Test(config, refuses_overlapping_subnets)
{
	expect_error(PORT0 "[port1]\ndev = net_tap1\naddress = 198.18.0.3/16\n", "port1", "address",
		     "overlaps [port0]'s 198.18.0.0/24");
}

Test(config, refuses_one_device_for_two_ports)
{
	expect_error(PORT0 "[port1]\ndev = net_tap0,iface=other\naddress = 198.18.1.2/24\n",
		     "port1", "dev", "device net_tap0 is [port0]'s too");
}

Test(config, refuses_a_bad_neighbour)
{
	expect_error(PORT0 "neighbours = 198.18.0.1 02:00:00:00:00\n", "port0", "neighbours",
		     "is not a MAC address");
	expect_error(PORT0 "neighbours = 198.18.0.1 01:00:5e:00:00:01\n", "port0", "neighbours",
		     "not a unicast MAC");
	expect_error(PORT0 "neighbours = 10.1.1.1 02:00:00:00:00:01\n", "port0", "neighbours",
		     "not in the port's subnet");
	expect_error(PORT0 "neighbours = 198.18.0.2 02:00:00:00:00:01\n", "port0", "neighbours",
		     "198.18.0.2 is the port's own address");
	expect_error(PORT0 "neighbours = 198.18.0.255 02:00:00:00:00:01\n", "port0",
		     "neighbours", "198.18.0.255 is the network or broadcast address of "
		     "198.18.0.0/24");
	expect_error(PORT0 "neighbours = 198.18.0.0 02:00:00:00:00:01\n", "port0", "neighbours",
		     "the network or broadcast address");
	expect_error(PORT0 "neighbours = 198.18.0.1 02:00:00:00:00:01, 198.18.0.1 "
		     "02:00:00:00:00:02\n", "port0", "neighbours", "198.18.0.1 is listed twice");
}

Test(config, reads_static_routes)
{
	cr_assert_eq(load(PORT0 "routes = 10.0.0.0/8 via 198.18.0.254, 172.16.4.0/22 via "
			  "198.18.0.253,0.0.0.0/1 via 198.18.0.1\n"), 0, "%s", err);
	cr_assert_eq(cfg.ports[0].nroutes, 3);
	cr_expect_eq(cfg.ports[0].routes[0].dst, inet_addr("10.0.0.0"));
	cr_expect_eq(cfg.ports[0].routes[0].prefix, 8);
	cr_expect_eq(cfg.ports[0].routes[0].gw, inet_addr("198.18.0.254"));
	cr_expect_eq(cfg.ports[0].routes[1].dst, inet_addr("172.16.4.0"));
	cr_expect_eq(cfg.ports[0].routes[1].prefix, 22);
	cr_expect_eq(cfg.ports[0].routes[2].prefix, 1, "0.0.0.0/1 holds 0/8 and is taken");
	cr_assert_eq(load(PORT0 "routes =\n"), 0, "%s", err);
	cr_expect_eq(cfg.ports[0].nroutes, 0, "empty: none");
}

Test(config, refuses_a_bad_route)
{
	static const struct { const char *val, *why; } bad[] = {
		{ "10.0.0.0/8 198.18.0.1", "is not \"a.b.c.d/prefix via g.h.i.j\"" },
		{ "10.0.0.0/8 by 198.18.0.1", "is not \"a.b.c.d/prefix via g.h.i.j\"" },
		{ "10.0.0.0 via 198.18.0.1", "'10.0.0.0' has no /prefix" },
		{ "10.0.0/8 via 198.18.0.1", "'10.0.0' is not an IPv4 address" },
		{ "10.0.0.0/0 via 198.18.0.1", "the prefix is not in 1..32 (the default route is "
		  "the port's gateway)" },
		{ "10.0.0.0/33 via 198.18.0.1", "the prefix is not in 1..32" },
		{ "10.1.0.0/8 via 198.18.0.1", "10.1.0.0/8 has host bits set (the network is "
		  "10.0.0.0/8)" },
		{ "127.0.0.0/8 via 198.18.0.1", "127.0.0.0/8 is no destination: 127.0.0.0 is a "
		  "loopback address" },
		{ "224.0.0.0/4 via 198.18.0.1", "is no destination: 224.0.0.0 is a multicast" },
		{ "224.0.0.0/3 via 198.18.0.1", "224.0.0.0/3 is no destination" },
		{ "10.0.0.0/8 via x", "'x' is not an IPv4 address" },
		{ "10.0.0.0/8 via 10.1.1.1", "the router 10.1.1.1 is not in the port's subnet "
		  "198.18.0.0/24" },
		{ "10.0.0.0/8 via 198.18.0.2", "the router 198.18.0.2 is the port's own address" },
		{ "10.0.0.0/8 via 198.18.0.255", "the router 198.18.0.255 is the network or "
		  "broadcast address of 198.18.0.0/24" },
		{ "198.18.0.0/24 via 198.18.0.1", "198.18.0.0/24 is the port's own subnet" },
		{ "10.0.0.0/8 via 198.18.0.1, 10.0.0.0/8 via 198.18.0.3",
		  "10.0.0.0/8 is listed twice" },
	};
	char text[512];

	for (unsigned i = 0; i < RTE_DIM(bad); i++) {
		snprintf(text, sizeof(text), PORT0 "routes = %s\n", bad[i].val);
		expect_error(text, "port0", "routes", bad[i].why);
	}
}

Test(config, refuses_a_route_another_port_has)
{
	static const char two[] = PORT0 "[port1]\ndev = net_tap1,iface=other\naddress = "
				  "198.18.1.2/24\n";
	char text[512];

	snprintf(text, sizeof(text), "%sroutes = 198.18.0.0/24 via 198.18.1.1\n", two);
	expect_error(text, "port1", "routes", "198.18.0.0/24 is [port0]'s subnet (connected)");
	expect_error(PORT0 "routes = 10.0.0.0/8 via 198.18.0.1\n[port1]\ndev = net_tap1,iface=o\n"
		     "address = 198.18.1.2/24\nroutes = 10.0.0.0/8 via 198.18.1.1\n", "port0",
		     "routes", "10.0.0.0/8 is a route of [port1] too");
	expect_error(PORT0 "routes = 198.18.1.0/24 via 198.18.0.1\n[port1]\ndev = net_tap1,"
		     "iface=o\naddress = 198.18.1.2/24\n", "port0", "routes",
		     "198.18.1.0/24 is [port1]'s subnet (connected)");
}

Test(config, reads_multicast_groups_for_the_udp_services)
{
	cr_assert_eq(load(PORT0 "[services]\nudp_echo = 7\nudp_join = 239.1.2.3, 224.0.0.251\n"),
		     0, "%s", err);
	cr_assert_eq(cfg.nudp_groups, 2);
	cr_expect_eq(cfg.udp_groups[0], inet_addr("239.1.2.3"));
	cr_expect_eq(cfg.udp_groups[1], inet_addr("224.0.0.251"));
	cr_assert_eq(load(PORT0 "[services]\nudp_echo = 7\nudp_join =\n"), 0, "%s", err);
	cr_expect_eq(cfg.nudp_groups, 0, "empty: none");
	/* Fourteen of the longest spelling: a value of 236 characters. */
	cr_assert_eq(load(PORT0 "[services]\nudp_echo = 7\nudp_join = 239.255.255.242, "
			  "239.255.255.243, 239.255.255.244, 239.255.255.245, 239.255.255.246, "
			  "239.255.255.247, 239.255.255.248, 239.255.255.249, 239.255.255.250, "
			  "239.255.255.251, 239.255.255.252, 239.255.255.253, 239.255.255.254, "
			  "239.255.255.255\n"), 0, "%s", err);
	cr_assert_eq(cfg.nudp_groups, 14);
	cr_expect_eq(cfg.udp_groups[13], inet_addr("239.255.255.255"));
	for (unsigned g = 0; g < 14; g++)
		cr_expect_eq(cfg.udp_group_nsrc[g], 0, "group %u: any source", g);
}

Test(config, reads_a_group_for_one_source)
{
	cr_assert_eq(load(PORT0 "[services]\nudp_echo = 7\nudp_join = 198.18.0.1@232.1.2.3\n"), 0,
		     "%s", err);
	cr_assert_eq(cfg.nudp_groups, 1);
	cr_expect_eq(cfg.udp_groups[0], inet_addr("232.1.2.3"));
	cr_assert_eq(cfg.udp_group_nsrc[0], 1);
	cr_expect_eq(cfg.udp_group_src[0][0], inet_addr("198.18.0.1"));
}

Test(config, makes_one_membership_of_the_sources_of_a_group)
{
	cr_assert_eq(load(PORT0 "[services]\nudp_echo = 7\nudp_join = 198.18.0.1@232.1.2.3, "
			  "239.1.1.1, 10.9.9.9@232.1.2.3\n"), 0, "%s", err);
	cr_assert_eq(cfg.nudp_groups, 2, "232.1.2.3 once, with both sources");
	cr_expect_eq(cfg.udp_groups[0], inet_addr("232.1.2.3"));
	cr_assert_eq(cfg.udp_group_nsrc[0], 2);
	cr_expect_eq(cfg.udp_group_src[0][0], inet_addr("198.18.0.1"));
	cr_expect_eq(cfg.udp_group_src[0][1], inet_addr("10.9.9.9"));
	cr_expect_eq(cfg.udp_groups[1], inet_addr("239.1.1.1"));
	cr_expect_eq(cfg.udp_group_nsrc[1], 0, "239.1.1.1: any source");
	/* Ten sources, as many as one membership filters. */
	cr_assert_eq(load(PORT0 "[services]\nudp_echo = 7\nudp_join = 10.0.0.1@232.1.1.1, "
			  "10.0.0.2@232.1.1.1, 10.0.0.3@232.1.1.1, 10.0.0.4@232.1.1.1, "
			  "10.0.0.5@232.1.1.1, 10.0.0.6@232.1.1.1, 10.0.0.7@232.1.1.1, "
			  "10.0.0.8@232.1.1.1, 10.0.0.9@232.1.1.1, 10.0.0.10@232.1.1.1\n"), 0,
		     "%s", err);
	cr_assert_eq(cfg.nudp_groups, 1);
	cr_assert_eq(cfg.udp_group_nsrc[0], 10);
	cr_expect_eq(cfg.udp_group_src[0][9], inet_addr("10.0.0.10"));
}

Test(config, refuses_bad_multicast_groups)
{
	expect_error(PORT0 "[services]\nudp_echo = 7\nudp_join = 198.18.0.7\n", "services",
		     "udp_join", "198.18.0.7 is not a multicast group (224.0.0.0/4)");
	expect_error(PORT0 "[services]\nudp_echo = 7\nudp_join = 224.0.0.1\n", "services",
		     "udp_join", "all-hosts group");
	expect_error(PORT0 "[services]\nudp_echo = 7\nudp_join = 239.1.1.1, 239.1.1.1\n",
		     "services", "udp_join", "239.1.1.1 is given twice");
	expect_error(PORT0 "[services]\nudp_echo = 7\nudp_join = 239.1.1.1 239.1.1.2\n",
		     "services", "udp_join", "is not one multicast group");
	expect_error(PORT0 "[services]\nudp_echo = 7\nudp_join = 239.1.1\n", "services",
		     "udp_join", "'239.1.1' is not an IPv4 address");
	expect_error(PORT0 "[services]\nudp_echo = 7\nudp_join = 239.0.0.1, 239.0.0.2, "
		     "239.0.0.3, 239.0.0.4, 239.0.0.5, 239.0.0.6, 239.0.0.7, 239.0.0.8, 239.0.0.9, "
		     "239.0.0.10, 239.0.0.11, 239.0.0.12, 239.0.0.13, 239.0.0.14, 239.0.0.15\n",
		     "services", "udp_join", "more than 14 items (groups and source@group)");
	expect_error(PORT0 "[services]\ntcp_echo = 7\nudp_join = 239.1.1.1\n", "services",
		     "udp_join", "none is on (udp_echo, udp_discard or udp_sockperf)");
}

Test(config, refuses_bad_sources_of_a_group)
{
	expect_error(PORT0 "[services]\nudp_echo = 7\nudp_join = 239.9.9.9@232.1.1.1\n",
		     "services", "udp_join", "'239.9.9.9@232.1.1.1': the source 239.9.9.9 is not a "
		     "unicast address: it is a multicast address");
	expect_error(PORT0 "[services]\nudp_echo = 7\nudp_join = 255.255.255.255@232.1.1.1\n",
		     "services", "udp_join", "it is the broadcast address");
	expect_error(PORT0 "[services]\nudp_echo = 7\nudp_join = 0.0.0.0@232.1.1.1\n",
		     "services", "udp_join", "the source 0.0.0.0 is not a unicast address");
	expect_error(PORT0 "[services]\nudp_echo = 7\nudp_join = 198.18.0@232.1.1.1\n",
		     "services", "udp_join", "'198.18.0@232.1.1.1': '198.18.0' is not an IPv4 "
		     "address");
	expect_error(PORT0 "[services]\nudp_echo = 7\nudp_join = @232.1.1.1\n", "services",
		     "udp_join", "'@232.1.1.1': '' is not an IPv4 address");
	expect_error(PORT0 "[services]\nudp_echo = 7\nudp_join = 198.18.0.1@198.18.0.7\n",
		     "services", "udp_join", "'198.18.0.1@198.18.0.7': 198.18.0.7 is not a "
		     "multicast group (224.0.0.0/4)");
	expect_error(PORT0 "[services]\nudp_echo = 7\nudp_join = 198.18.0.1@224.0.0.1\n",
		     "services", "udp_join", "'198.18.0.1@224.0.0.1': 224.0.0.1 is the all-hosts "
		     "group");
	expect_error(PORT0 "[services]\nudp_echo = 7\nudp_join = 198.18.0.1@232.1.1.1, "
		     "198.18.0.2@232.1.1.1, 198.18.0.1@232.1.1.1\n", "services", "udp_join",
		     "198.18.0.1@232.1.1.1 is given twice");
	expect_error(PORT0 "[services]\nudp_echo = 7\nudp_join = 198.18.0.1 @232.1.1.1\n",
		     "services", "udp_join", "is not one multicast group nor source@group");
}

Test(config, refuses_a_group_both_for_any_source_and_for_sources)
{
	expect_error(PORT0 "[services]\nudp_echo = 7\nudp_join = 232.1.1.1, "
		     "198.18.0.1@232.1.1.1\n", "services", "udp_join", "232.1.1.1 is given for "
		     "any source and as 198.18.0.1@232.1.1.1: a group is joined one way or the "
		     "other");
	expect_error(PORT0 "[services]\nudp_echo = 7\nudp_join = 198.18.0.1@232.1.1.1, "
		     "198.18.0.2@232.1.1.1, 232.1.1.1\n", "services", "udp_join",
		     "232.1.1.1 is given for any source and as 198.18.0.1@232.1.1.1");
}

Test(config, refuses_more_sources_than_a_membership_filters)
{
	expect_error(PORT0 "[services]\nudp_echo = 7\nudp_join = 10.0.0.1@232.1.1.1, "
		     "10.0.0.2@232.1.1.1, 10.0.0.3@232.1.1.1, 10.0.0.4@232.1.1.1, "
		     "10.0.0.5@232.1.1.1, 10.0.0.6@232.1.1.1, 10.0.0.7@232.1.1.1, "
		     "10.0.0.8@232.1.1.1, 10.0.0.9@232.1.1.1, 10.0.0.10@232.1.1.1, "
		     "10.0.0.11@232.1.1.1\n", "services", "udp_join",
		     "more than 10 sources for 232.1.1.1: one membership filters at most 10");
	/* Fifteen items, groups and sources mixed: the limit counts items. */
	expect_error(PORT0 "[services]\nudp_echo = 7\nudp_join = 10.0.0.1@232.0.0.1, "
		     "10.0.0.2@232.0.0.1, 10.0.0.3@232.0.0.2, 239.0.0.4, 239.0.0.5, 239.0.0.6, "
		     "239.0.0.7, 239.0.0.8, 239.0.0.9, 239.0.0.10, 239.0.0.11, 239.0.0.12, "
		     "239.0.0.13, 239.0.0.14, 239.0.0.15\n", "services", "udp_join",
		     "more than 14 items");
}

Test(config, refuses_two_services_on_one_port)
{
	expect_error(PORT0 "[services]\nudp_echo = 7\nudp_discard = 7\n", "services", "udp_discard",
		     "UDP port 7 is udp_echo's already");
}

Test(config, refuses_the_socket_echo_on_a_tcp_or_udp_services_port)
{
	expect_error(PORT0 "[services]\ntcp_echo = 7\nsock_echo = 7\n", "services", "sock_echo",
		     "TCP port 7 is tcp_echo's already");
	expect_error(PORT0 "[services]\nudp_echo = 7007\nsock_echo = 7007\n", "services",
		     "sock_echo", "UDP port 7007 is udp_echo's already");
	cr_assert_eq(load(PORT0 "[services]\ntcp_echo = 7\nsock_echo = 7007\n"), 0, "%s", err);
	cr_expect_eq(cfg.svc_sock_echo, 7007);
}

Test(config, refuses_a_service_port_out_of_range)
{
	expect_error(PORT0 "[services]\nhttp = 65536\n", "services", "http",
		     "65536 is out of range 0..65535");
}

Test(config, refuses_bad_memcached_sizes)
{
	expect_error(PORT0 "[services]\nhttp = 11211\nmemcached = 11211\n", "services",
		     "memcached", "TCP port 11211 is http's already");
	expect_error(PORT0 "[memcached]\nmemory = 64X\n", "memcached", "memory", "not a size");
	expect_error(PORT0 "[memcached]\nmemory = M\n", "memcached", "memory", "not a size");
	expect_error(PORT0 "[memcached]\nmemory = -1M\n", "memcached", "memory", "not a size");
	expect_error(PORT0 "[memcached]\nmemory = 1023K\n", "memcached", "memory",
		     "1023K is out of range 1M..64G");
	expect_error(PORT0 "[memcached]\nmemory = 65G\n", "memcached", "memory", "out of range");
	expect_error(PORT0 "[memcached]\nmemory = 99999999999999999999G\n", "memcached",
		     "memory", "not a size");
	expect_error(PORT0 "[memcached]\nmax_item = 1023\n", "memcached", "max_item",
		     "out of range");
	expect_error(PORT0 "[services]\nmemcached = 11211\n[memcached]\nmemory = 2M\n"
		     "max_item = 4M\n", "memcached", "max_item",
		     "more than the memory of one lcore's table");
}

Test(config, reads_memcached_sizes)
{
	cr_assert_eq(load(PORT0 "[services]\nmemcached = 11211\n[memcached]\nmemory = 3g\n"
			  "max_item = 512K\n"), 0, "%s", err);
	cr_expect_eq(cfg.svc_memcached, 11211);
	cr_expect_eq(cfg.mc_memory, 3ull << 30);
	cr_expect_eq(cfg.mc_max_item, 512u << 10);
	cr_assert_eq(load(PORT0 "[memcached]\nmemory = 2097152\n"), 0, "%s", err);
	cr_expect_eq(cfg.mc_memory, 2u << 20);
	cr_expect_eq(cfg.mc_max_item, 1u << 20, "max_item defaults to 1M");
	cr_expect_eq(cfg.svc_memcached, 0, "the service is off by default");
}

/* ---- what valid files give ---------------------------------------------------------------- */

/* ---- [client.NAME] ------------------------------------------------------------------------ */

#define CLIENT "[client.up]\ntype = source\nconnect = 198.18.0.1:5001\n"

/* A client of yard's own services (ip's loop-back): on the lcore of that port's queue 0. */
Test(config, a_client_may_talk_to_yards_own_address)
{
	cr_assert_eq(load("[yard]\nlcores = 1,2\n[port0]\ndev = net_tap0\n"
			  "address = 198.18.0.2/24\nqueue_lcores = 1\n"
			  "[port1]\ndev = net_tap1\naddress = 198.18.9.2/24\nqueue_lcores = 2\n"
			  "[client.self]\ntype = udp_rr\nconnect = 198.18.9.2:7\nduration = 1s\n"),
		     0, "%s", err);
	cr_assert_eq(cfg.nclients, 1);
	cr_expect_eq(cfg.clients[0].addr, inet_addr("198.18.9.2"));
	cr_expect_eq(cfg.clients[0].lcore, 2, "the lcore of the port whose address it is");
}

Test(config, reads_clients_with_sizes_durations_and_the_lcore_that_runs_them)
{
	cr_assert_eq(load("[yard]\nlcores = 2\n" PORT0 "queue_lcores = 2\n" CLIENT "bytes = 1G\n"
			  "[client.ping-1]\ntype = rr\nconnect = 198.18.0.1:7\nduration = 10s\n"
			  "conns = 4\nsize = 128\ndelay = 500ms\n"
			  "[client.down]\ntype = sink\nconnect = 198.18.0.1:9\nbytes = 64K\n"
			  "[client.cps]\ntype = crr\nconnect = 198.18.0.1:7\nduration = 5s\n"
			  "conns = 8\nsize = 100\n"), 0,
		     "%s", err);
	cr_assert_eq(cfg.nclients, 4);
	cr_expect_str_eq(cfg.clients[0].name, "up");
	cr_expect_eq(cfg.clients[0].type, YARD_CFG_CLIENT_SOURCE);
	cr_expect_eq(cfg.clients[0].addr, inet_addr("198.18.0.1"));
	cr_expect_eq(cfg.clients[0].port, 5001);
	cr_expect_eq(cfg.clients[0].bytes, UINT64_C(1) << 30);
	cr_expect_eq(cfg.clients[0].duration_ms, 0);
	cr_expect_eq(cfg.clients[0].conns, 1, "conns defaults to 1");
	cr_expect_eq(cfg.clients[0].lcore, 2, "the lcore serving port0's queue");
	cr_expect_str_eq(cfg.clients[1].name, "ping-1");
	cr_expect_eq(cfg.clients[1].type, YARD_CFG_CLIENT_RR);
	cr_expect_eq(cfg.clients[1].duration_ms, 10000);
	cr_expect_eq(cfg.clients[1].bytes, 0);
	cr_expect_eq(cfg.clients[1].conns, 4);
	cr_expect_eq(cfg.clients[1].size, 128);
	cr_expect_eq(cfg.clients[1].delay_ms, 500);
	cr_expect_eq(cfg.clients[2].type, YARD_CFG_CLIENT_SINK);
	cr_expect_eq(cfg.clients[2].bytes, 65536);
	cr_expect_eq(cfg.clients[3].type, YARD_CFG_CLIENT_CRR);
	cr_expect_eq(cfg.clients[3].conns, 8);
	cr_expect_eq(cfg.clients[3].size, 100);
}

Test(config, refuses_a_client_without_type_or_server)
{
	expect_error(PORT0 "[client.a]\nconnect = 198.18.0.1:1\nbytes = 1\n", "client.a", "type",
		     "missing");
	expect_error(PORT0 "[client.a]\ntype = rr\nbytes = 1\n", "client.a", "connect",
		     "missing");
}

Test(config, refuses_a_bad_client_type_and_server)
{
	expect_error(PORT0 "[client.a]\ntype = chargen\nconnect = 198.18.0.1:1\nbytes = 1\n",
		     "client.a", "type", "is not source, sink, rr, crr, udp_rr or udp_source");
	expect_error(PORT0 "[client.a]\ntype = rr\nconnect = 198.18.0.1\nbytes = 1\n",
		     "client.a", "connect", "is not a.b.c.d:port");
	expect_error(PORT0 "[client.a]\ntype = rr\nconnect = 198.18.0.1:0\nbytes = 1\n",
		     "client.a", "connect", "is not a number in 1..65535");
	expect_error(PORT0 "[client.a]\ntype = rr\nconnect = 224.0.0.1:7\nbytes = 1\n",
		     "client.a", "connect", "a multicast group is for udp_source clients only");
	expect_error(PORT0 "[client.a]\ntype = rr\nconnect = 127.0.0.1:7\nbytes = 1\n",
		     "client.a", "connect", "is a loopback address");
	expect_error(PORT0 "[client.a]\ntype = rr\nconnect = 10.0.0.1:7\nbytes = 1\n",
		     "client.a", "connect", "is in no port's subnet and no port has a gateway");
}

Test(config, refuses_a_client_amount_that_is_missing_doubled_or_malformed)
{
	expect_error(PORT0 CLIENT, "client.up", NULL, "give bytes or duration (one)");
	expect_error(PORT0 CLIENT "bytes = 1M\nduration = 1s\n", "client.up", NULL,
		     "give bytes or duration (not both)");
	expect_error(PORT0 CLIENT "bytes = 1X\n", "client.up", "bytes", "is not a size");
	expect_error(PORT0 CLIENT "bytes = 0\n", "client.up", "bytes", "is not a size");
	expect_error(PORT0 CLIENT "bytes = 1025T\n", "client.up", "bytes", "is not a size");
	expect_error(PORT0 CLIENT "duration = 10\n", "client.up", "duration",
		     "is not a duration");
	expect_error(PORT0 CLIENT "duration = 25h\n", "client.up", "duration",
		     "is not a duration");
	expect_error(PORT0 CLIENT "bytes = 1\ndelay = soon\n", "client.up", "delay",
		     "is not a delay");
	expect_error(PORT0 CLIENT "bytes = 1\nconns = 257\n", "client.up", "conns",
		     "out of range 1..256");
	expect_error(PORT0 CLIENT "bytes = 1\nsize = 64\n", "client.up", "size",
		     "is for rr, crr, udp_rr and udp_source clients only");
	expect_error(PORT0 CLIENT "bytes = 1\nport = 7\n", "client.up", "port", "unknown key");
	expect_error(PORT0 CLIENT "bytes = 1\nbytes = 2\n", "client.up", "bytes", "given twice");
}

#define UDP_RR "[client.u]\ntype = udp_rr\nconnect = 198.18.0.1:7\nbytes = 1M\n"
#define UDP_SRC "[client.u]\ntype = udp_source\nconnect = 198.18.0.1:9\nduration = 2s\n"

Test(config, reads_udp_clients_with_their_timeout_interval_and_datagram_size)
{
	cr_assert_eq(load("[yard]\nlcores = 0-1\n" PORT0 "rx_queues = 2\nqueue_lcores = 1,0\n"
			  UDP_RR "conns = 16\nsize = 8\ntimeout = 250ms\ninterval = 10ms\n"
			  "[client.s]\ntype = udp_source\nconnect = 198.18.0.1:9\nbytes = 64M\n"
			  "size = 65507\n[client.d]\ntype = udp_rr\nconnect = 198.18.0.1:7\n"
			  "duration = 1s\n"), 0, "%s", err);
	cr_assert_eq(cfg.nclients, 3);
	cr_expect_eq(cfg.clients[0].type, YARD_CFG_CLIENT_UDP_RR);
	cr_expect_eq(cfg.clients[0].conns, 16);
	cr_expect_eq(cfg.clients[0].size, 8, "the smallest udp_rr request: its header");
	cr_expect_eq(cfg.clients[0].timeout_ms, 250);
	cr_expect_eq(cfg.clients[0].interval_ms, 10);
	cr_expect_eq(cfg.clients[0].lcore, 1, "queue 0's lcore; udp steers the replies");
	cr_expect_eq(cfg.clients[1].type, YARD_CFG_CLIENT_UDP_SOURCE);
	cr_expect_eq(cfg.clients[1].size, 65507, "UDP's largest datagram (fragments)");
	cr_expect_eq(cfg.clients[1].bytes, UINT64_C(64) << 20);
	cr_expect_eq(cfg.clients[2].size, 64, "size defaults to 64");
	cr_expect_eq(cfg.clients[2].timeout_ms, 1000, "timeout defaults to 1 s");
	cr_expect_eq(cfg.clients[2].interval_ms, 0);
}

Test(config, a_udp_source_client_publishes_to_a_group_through_the_gateway_port)
{
	cr_assert_eq(load("[yard]\nlcores = 0-1\n" PORT0 "queue_lcores = 0\n"
			  "[port1]\ndev = net_tap1\naddress = 198.18.1.2/24\ngateway = 198.18.1.1\n"
			  "queue_lcores = 1\n[client.feed]\ntype = udp_source\n"
			  "connect = 239.7.7.7:5000\nduration = 1s\n"), 0, "%s", err);
	cr_expect_eq(cfg.clients[0].addr, inet_addr("239.7.7.7"));
	cr_expect_eq(cfg.clients[0].lcore, 1, "the gateway port's queue 0");
	cr_expect(cfg.ports[1].mcast_route, "224.0.0.0/4 routed through port1");
	cr_expect(!cfg.ports[0].mcast_route);
	cr_assert_eq(load(PORT0 "[client.feed]\ntype = udp_source\nconnect = 224.0.1.1:5000\n"
			  "duration = 1s\n"), 0, "%s", err);
	cr_expect(cfg.ports[0].mcast_route, "no gateway: the first port");
}

Test(config, refuses_a_group_for_any_client_but_udp_source)
{
	expect_error(PORT0 "[client.u]\ntype = udp_rr\nconnect = 239.7.7.7:7\nbytes = 1M\n",
		     "client.u", "connect", "a multicast group is for udp_source clients only");
	expect_error(PORT0 "[client.t]\ntype = source\nconnect = 239.7.7.7:7\nbytes = 1M\n",
		     "client.t", "connect", "a multicast group is for udp_source clients only");
	expect_error(PORT0 "[client.u]\ntype = udp_source\nconnect = 255.255.255.255:7\n"
		     "bytes = 1M\n", "client.u", "connect", "is the broadcast address");
}

Test(config, refuses_a_udp_client_size_or_key_its_type_does_not_take)
{
	expect_error(PORT0 UDP_SRC "size = 65508\n", "client.u", "size",
		     "65508 is out of range 1..65507 for udp_source");
	expect_error(PORT0 UDP_RR "size = 7\n", "client.u", "size",
		     "7 is out of range 8..65507 for udp_rr");
	expect_error(PORT0 UDP_RR "size = 65536\n", "client.u", "size",
		     "65536 is out of range 8..65507 for udp_rr");
	expect_error(PORT0 UDP_RR "size = 70000\n", "client.u", "size",
		     "70000 is out of range 8..65507 for udp_rr");
	expect_error(PORT0 "[client.r]\nsize = 65537\ntype = rr\nconnect = 198.18.0.1:7\n"
		     "bytes = 1\n", "client.r", "size", "65537 is out of range 1..65536");
	expect_error(PORT0 UDP_RR "size = big\n", "client.u", "size", "is not a number");
	expect_error(PORT0 UDP_SRC "timeout = 1s\n", "client.u", "timeout",
		     "is for udp_rr clients only");
	expect_error(PORT0 UDP_SRC "interval = 1s\n", "client.u", "interval",
		     "is for udp_rr clients only");
	expect_error(PORT0 CLIENT "bytes = 1\ntimeout = 1s\n", "client.up", "timeout",
		     "is for udp_rr clients only");
	expect_error(PORT0 UDP_RR "timeout = 0\n", "client.u", "timeout", "is not a timeout");
	expect_error(PORT0 UDP_RR "timeout = 2\n", "client.u", "timeout", "is not a timeout");
	expect_error(PORT0 UDP_RR "interval = often\n", "client.u", "interval",
		     "is not an interval");
	expect_error(PORT0 UDP_RR "retries = 3\n", "client.u", "retries",
		     "unknown key (keys of [client.NAME]: type, connect, bytes, duration, conns, "
		     "size, delay, timeout, interval)");
}

Test(config, refuses_a_bad_client_name_and_runs_a_client_on_its_port_s_first_queue)
{
	expect_error(PORT0 "[client.]\ntype = rr\nconnect = 198.18.0.1:7\nbytes = 1\n",
		     "client.", NULL, "1..31 characters");
	expect_error(PORT0 "[client.a/b]\ntype = rr\nconnect = 198.18.0.1:7\nbytes = 1\n",
		     "client.a/b", NULL, "letters, digits");
	expect_error(PORT0 CLIENT "bytes = 1\n" CLIENT "bytes = 1\n", "client.up", NULL,
		     "section given twice");
	/* two queues: replies come back by RSS or tcp's software steering; queue 0's lcore */
	cr_assert_eq(load("[yard]\nlcores = 0-1\n" PORT0 "rx_queues = 2\nqueue_lcores = 1,0\n"
			  CLIENT "bytes = 1\n"), 0, "%s", err);
	cr_assert_eq(cfg.nclients, 1);
	cr_assert_eq(cfg.clients[0].lcore, 1);
}

Test(config, applies_every_default)
{
	cr_assert_eq(load(PORT0), 0, "%s", err);
	cr_expect_eq(cfg.nlcores, 1);
	cr_expect_eq(cfg.lcores[0], 0);
	cr_expect_eq(cfg.mbufs, 16383);
	cr_expect_eq(cfg.mbuf_cache, 256);
	cr_expect_eq(cfg.ctl_mbufs, 4095);
	cr_expect_eq(cfg.mbox_size, 4096);
	cr_expect_eq(cfg.budget, 64);
	cr_expect_eq(cfg.idle_sleep_us, 0, "lcores poll for ever unless told");
	cr_expect_eq(cfg.idle_passes, 64);
	cr_expect_eq(cfg.log_level, 7);
	cr_expect_eq(cfg.hugepages, YARD_HUGE_AUTO);
	cr_expect_eq(cfg.memory_mb, 512);
	cr_expect_eq(cfg.nports, 1);
	cr_expect_eq(cfg.ports[0].mtu, 1500);
	cr_expect_eq(cfg.ports[0].vlan, 0, "untagged unless told");
	cr_expect_eq(cfg.ports[0].rx_queues, 1);
	cr_expect_eq(cfg.ports[0].tx_queues, 1);
	cr_expect_eq(cfg.ports[0].rx_desc, 1024);
	cr_expect_eq(cfg.ports[0].tx_desc, 1024);
	cr_expect_eq(cfg.ports[0].rx_mbufs, 0);
	cr_expect_eq(cfg.ports[0].queue_lcore[0], 0);
	cr_expect_eq(cfg.ports[0].gateway, 0);
	cr_expect(!cfg.ports[0].promiscuous);
	cr_expect(!cfg.ports[0].is_pci);
	cr_expect_eq(cfg.arp_timeout_ms, 60000);
	cr_expect_eq(cfg.arp_max_entries, 1024);
	cr_expect_eq(cfg.arp_hold_max, 4);
	cr_expect_eq(cfg.arp_hold_total, 256);
	cr_expect_eq(cfg.arp_retries, 3);
	cr_expect_eq(cfg.arp_retry_ms, 1000);
	cr_expect_eq(cfg.arp_ucast_probes, 3);
	cr_expect_eq(cfg.ip_frag_timeout_ms, 2000);
	cr_expect_eq(cfg.ip_frag_max_flows, 1024);
	cr_expect_eq(cfg.ip_frag_max_frags, 64);
	cr_expect_eq(cfg.ip_frag_mem_kb, 4096);
	cr_expect_eq(cfg.ip_icmp_rate, 100);
	cr_expect_eq(cfg.ip_icmp_burst, 10);
	cr_expect_eq(cfg.ip_ttl, 64);
	cr_expect_eq(cfg.svc_udp_echo + cfg.svc_udp_discard + cfg.svc_tcp_echo +
		     cfg.svc_tcp_discard + cfg.svc_http + cfg.svc_sock_echo, 0,
		     "services are off by default");
}

Test(config, reads_sections_in_any_order_and_skips_comments)
{
	cr_assert_eq(load("# ports first\n" PORT0 "rx_queues = 2   # two\n"
			  "[yard]\nlcores = 0,1\n"), 0, "%s", err);
	cr_expect_eq(cfg.ports[0].rx_queues, 2);
	cr_expect_eq(cfg.ports[0].queue_lcore[0], 0, "default: queue i on the i-th lcore");
	cr_expect_eq(cfg.ports[0].queue_lcore[1], 1);
}

Test(config, sorts_lcores_and_maps_queues_as_listed)
{
	cr_assert_eq(load("[yard]\nlcores = 3,0-1\n" PORT0 "rx_queues = 3\nqueue_lcores = 3,1,0\n"),
		     0, "%s", err);
	cr_expect_eq(cfg.nlcores, 3);
	cr_expect_eq(cfg.lcores[0], 0);
	cr_expect_eq(cfg.lcores[1], 1);
	cr_expect_eq(cfg.lcores[2], 3);
	cr_expect_eq(cfg.ports[0].queue_lcore[0], 3);
	cr_expect_eq(cfg.ports[0].queue_lcore[1], 1);
	cr_expect_eq(cfg.ports[0].queue_lcore[2], 0);
}

Test(config, reads_addresses_gateway_and_neighbours_in_network_order)
{
	cr_assert_eq(load(PORT0 "gateway = 198.18.0.1\n"
			  "neighbours = 198.18.0.1 02:00:00:00:00:01, "
			  "198.18.0.3 02:00:00:00:00:03\n"),
		     0, "%s", err);
	cr_expect_eq(cfg.ports[0].addr, inet_addr("198.18.0.2"));
	cr_expect_eq(cfg.ports[0].prefix, 24);
	cr_expect_eq(cfg.ports[0].gateway, inet_addr("198.18.0.1"));
	cr_assert_eq(cfg.ports[0].nneighbours, 2);
	cr_expect_eq(cfg.ports[0].neighbours[1].addr, inet_addr("198.18.0.3"));
	cr_expect_eq(cfg.ports[0].neighbours[1].mac.addr_bytes[5], 3);
}

Test(config, normalises_a_pci_address)
{
	cr_assert_eq(load("[port0]\ndev = 01:00.0,rxq_cqe_comp_en=0\naddress = 198.18.0.2/24\n"), 0,
		     "%s", err);
	cr_expect(cfg.ports[0].is_pci);
	cr_expect_str_eq(cfg.ports[0].dev, "0000:01:00.0,rxq_cqe_comp_en=0");
}

/* The EAL arguments as one string. */
static void
eal_line(bool huge, char *line, size_t len)
{
	char *argv[64], buf[2048];
	int n = yard_config_eal_args(&cfg, huge, argv, 64, buf, sizeof(buf));
	size_t used = 0;

	cr_assert_gt(n, 0);
	line[0] = '\0';
	for (int i = 0; i < n; i++)
		used += (size_t)snprintf(line + used, len - used, "%s%s", i ? " " : "", argv[i]);
}

Test(config, makes_eal_arguments_without_hugepages)
{
	char line[1024];

	cr_assert_eq(load("[yard]\nlcores = 0-1\nlog_level = debug\n[eal]\nargs = --file-prefix t "
			  " --no-telemetry\nmemory = 256\n" PORT0 "rx_queues = 2\n"), 0, "%s", err);
	eal_line(false, line, sizeof(line));
	cr_expect_str_eq(line, "-l 0,1 --no-huge -m 256 --no-pci --log-level=8 "
			 "--log-level=yard.*:8 --file-prefix t --no-telemetry");
}

Test(config, makes_eal_arguments_with_hugepages_and_a_pci_port)
{
	char line[1024];

	cr_assert_eq(load("[port0]\ndev = 0000:03:00.1\naddress = 198.18.0.2/24\n"), 0, "%s", err);
	eal_line(true, line, sizeof(line));
	cr_expect_str_eq(line, "-l 0 -a 0000:03:00.1 --log-level=7 --log-level=yard.*:7");
}

Test(config, validates_every_shipped_configuration)
{
	glob_t g;
	unsigned n = 0;

	cr_assert_eq(glob(YARD_SOURCE_DIR "/config/*.ini", 0, NULL, &g), 0, "no config/*.ini");
	for (size_t i = 0; i < g.gl_pathc; i++, n++)
		cr_expect_eq(yard_config_load(g.gl_pathv[i], &cfg, err, sizeof(err)), 0, "%s", err);
	globfree(&g);
	cr_expect_geq(n, 4, "config/ has default, two-queues, af_packet and pcap-bench");
}

Test(config, reads_the_default_configuration_the_readme_runs)
{
	cr_assert_eq(yard_config_load(YARD_SOURCE_DIR "/config/default.ini", &cfg, err,
				      sizeof(err)), 0, "%s", err);
	cr_expect_str_eq(cfg.ports[0].dev, "net_tap0,iface=yard0");
	cr_expect_eq(cfg.ports[0].addr, inet_addr("198.18.0.2"));
	cr_expect_eq(cfg.ports[0].prefix, 24);
	cr_expect_eq(cfg.nlcores, 1);
	cr_expect_eq(cfg.lcores[0], 0);
	cr_expect_eq(cfg.ports[0].rx_queues, 1);
	cr_expect_eq(cfg.ports[0].queue_lcore[0], 0);
	cr_expect_eq(cfg.svc_udp_echo, 7);
	cr_expect_eq(cfg.svc_udp_discard, 9);
	cr_expect_eq(cfg.svc_http, 80);
}

Test(config, reads_two_queues_on_two_lcores)
{
	cr_assert_eq(yard_config_load(YARD_SOURCE_DIR "/config/two-queues.ini", &cfg, err,
				      sizeof(err)), 0, "%s", err);
	cr_expect_eq(cfg.nlcores, 2);
	cr_expect_eq(cfg.ports[0].rx_queues, 2);
	cr_expect_eq(cfg.ports[0].queue_lcore[0], 0);
	cr_expect_eq(cfg.ports[0].queue_lcore[1], 1);
}

/*
 * Whether a docs/config.md default cell (from its first character to " |") says def: the same
 * text with or without backticks, and "empty" (or "empty (none)") for an empty default.
 */
static bool
doc_default_is(const char *cell, const char *def)
{
	const char *bar = strstr(cell, " |");
	char text[96];
	size_t len, j = 0;

	if (bar == NULL)
		return false;
	len = (size_t)(bar - cell);
	for (size_t i = 0; i < len && j < sizeof(text) - 1; i++)
		if (cell[i] != '`')
			text[j++] = cell[i];
	text[j] = '\0';
	if (*def == '\0')
		return strcmp(text, "empty") == 0 || strcmp(text, "empty (none)") == 0;
	return strcmp(text, def) == 0;
}

Test(config, has_every_key_documented_in_docs_config_md)
{
	const char *section, *key, *def, *range;
	char *doc = NULL, want[96];
	size_t len = 0;
	FILE *f = fopen(YARD_SOURCE_DIR "/docs/config.md", "r");
	unsigned n = 0;

	cr_assert_not_null(f, "docs/config.md: %s", strerror(errno));
	cr_assert_gt(getdelim(&doc, &len, '\0', f), 0);
	fclose(f);
	for (unsigned i = 0; yard_config_key_at(i, &section, &key, &def, &range) == 0; i++, n++) {
		const char *sec, *end, *row;

		snprintf(want, sizeof(want), "## [%s]", section);
		sec = strstr(doc, want);
		cr_expect_not_null(sec, "docs/config.md has no heading %s", want);
		cr_expect(def != NULL && range != NULL, "[%s] %s has no default or range", section,
			  key);
		if (sec == NULL || def == NULL)
			continue;
		/* The row must be in its own section ([eal] and [memcached] both have "memory"). */
		end = strstr(sec + 1, "\n## ");
		snprintf(want, sizeof(want), "\n| `%s` | ", key);
		row = strstr(sec, want);
		cr_expect(row != NULL && (end == NULL || row < end),
			  "docs/config.md does not document [%s] %s in its section", section, key);
		if (row == NULL || (end != NULL && row > end))
			continue;
		cr_expect(doc_default_is(row + strlen(want), def),
			  "docs/config.md: [%s] %s: the default is not '%s'", section, key, def);
	}
	free(doc);
	cr_expect_gt(n, 30);
}
