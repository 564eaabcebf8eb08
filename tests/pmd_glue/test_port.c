/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Port bring-up (pmd_glue/port.c) on software PMDs: net_null probed from a vdev string through
 * rte_dev_probe(), and net_ring ports made from rings.
 */
#include <errno.h>
#include <inttypes.h>

#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_ring.h>

#include <pmd_glue/port.h>

#include "yard_test.h"

TestSuite(port, .init = yt_setup, .fini = yt_teardown);

#define CKSUM_CAPS (YARD_CAP_RX_IPV4_CKSUM | YARD_CAP_RX_L4_CKSUM | YARD_CAP_TX_IPV4_CKSUM | \
		    YARD_CAP_TX_UDP_CKSUM | YARD_CAP_TX_TCP_CKSUM)

static bool
dev_exists(const char *name)
{
	uint16_t pid;

	return rte_eth_dev_get_port_by_name(name, &pid) == 0;
}

static struct yard_port *
open_null(const char *device, uint16_t nb_rxq)
{
	struct yard_port_conf conf = { .device = device, .nb_rxq = nb_rxq, .pool_size = 511 };
	struct yard_port *p = NULL;
	int rc = yard_port_open(&conf, &p);

	cr_assert_eq(rc, 0, "yard_port_open(%s): %d", device, rc);
	cr_assert_not_null(p);
	return p;
}

YT_TEST(port, probes_a_vdev_and_removes_it_at_close)
{
	struct yard_port *p;

	cr_assert(!dev_exists("net_null0"));
	p = open_null("net_null0", 1);
	cr_assert(dev_exists("net_null0"));
	cr_expect(p->yp_probed);
	cr_expect(p->yp_is_vdev);
	cr_expect(p->yp_started);
	cr_expect_str_eq(p->yp_name, "net_null0");
	cr_expect_str_eq(p->yp_devname, "net_null0");
	cr_expect_eq(p->yp_mtu, RTE_ETHER_MTU);
	cr_expect_eq(yard_port_by_index(p->yp_index), p);
	cr_expect_eq(yard_port_by_name("net_null0"), p);
	cr_expect_eq(yard_port_count(), 1);
	cr_expect_not_null(p->yp_rxpool);

	cr_assert_eq(yard_port_close(p), 0);
	cr_expect(!dev_exists("net_null0"), "the vdev is still there after close");
	cr_expect_null(yard_port_by_index(0));
	cr_expect_eq(yard_port_count(), 0);
}

YT_TEST(port, grants_only_the_offloads_dev_info_reports)
{
	struct yard_port *p = open_null("net_null0", 1);
	struct rte_eth_dev_info info;
	struct rte_eth_conf ec;
	uint32_t want = 0;

	cr_assert_eq(rte_eth_dev_info_get(p->yp_port_id, &info), 0);
	cr_expect_eq(p->yp_rx_offloads & ~info.rx_offload_capa, 0);
	cr_expect_eq(p->yp_tx_offloads & ~info.tx_offload_capa, 0);
	/* What the port was configured with is what yard says it negotiated. */
	cr_assert_eq(rte_eth_dev_conf_get(p->yp_port_id, &ec), 0);
	cr_expect_eq(ec.rxmode.offloads, p->yp_rx_offloads);
	cr_expect_eq(ec.txmode.offloads, p->yp_tx_offloads);

	if (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_IPV4_CKSUM)
		want |= YARD_CAP_RX_IPV4_CKSUM;
	if ((info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_UDP_CKSUM) &&
	    (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_TCP_CKSUM))
		want |= YARD_CAP_RX_L4_CKSUM;
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM)
		want |= YARD_CAP_TX_IPV4_CKSUM;
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_UDP_CKSUM)
		want |= YARD_CAP_TX_UDP_CKSUM;
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_TCP_CKSUM)
		want |= YARD_CAP_TX_TCP_CKSUM;
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS)
		want |= YARD_CAP_MULTISEG;
	cr_expect_eq(yard_port_caps(p), want, "caps 0x%x, dev_info says 0x%x", yard_port_caps(p),
		     want);
	/* net_null verifies and computes no checksum: software it is. */
	cr_expect_eq(yard_port_caps(p) & CKSUM_CAPS, 0);
	cr_expect_eq(yard_port_caps(p) & YARD_CAP_RSS, 0, "RSS with one RX queue");
	cr_assert_eq(yard_port_close(p), 0);
}

YT_TEST(port, uses_rss_only_with_more_than_one_rx_queue)
{
	struct yard_port *p = open_null("net_null0", 1);
	struct rte_eth_dev_info info;
	struct rte_eth_conf ec;
	uint64_t hf;

	cr_assert_eq(rte_eth_dev_conf_get(p->yp_port_id, &ec), 0);
	cr_expect_eq(ec.rxmode.mq_mode, RTE_ETH_MQ_RX_NONE);
	cr_expect_eq(p->yp_rss_hf, 0);
	cr_assert_eq(yard_port_close(p), 0);

	/* Probed again after its removal: the same vdev name is free to use. */
	p = open_null("net_null0", 2);
	cr_assert_eq(rte_eth_dev_info_get(p->yp_port_id, &info), 0);
	hf = (RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP | RTE_ETH_RSS_TCP) & info.flow_type_rss_offloads;
	cr_expect_eq(p->yp_rss_hf, hf, "rss_hf 0x%" PRIx64 " expected 0x%" PRIx64, p->yp_rss_hf, hf);
	cr_expect_eq(p->yp_nb_rxq, 2);
	cr_expect_eq(p->yp_nb_txq, 2, "TX queues default to the RX queue count");
	cr_assert_eq(rte_eth_dev_conf_get(p->yp_port_id, &ec), 0);
	if (hf != 0) {
		cr_expect(yard_port_caps(p) & YARD_CAP_RSS);
		cr_expect_eq(ec.rxmode.mq_mode, RTE_ETH_MQ_RX_RSS);
		cr_expect_eq(ec.rx_adv_conf.rss_conf.rss_hf, hf);
	} else {
		cr_expect_eq(yard_port_caps(p) & YARD_CAP_RSS, 0);
		cr_expect_eq(ec.rxmode.mq_mode, RTE_ETH_MQ_RX_NONE);
	}
	cr_assert_eq(yard_port_close(p), 0);
}

YT_TEST(port, fails_cleanly_on_an_unknown_device)
{
	struct yard_port_conf conf = { .device = "net_nosuchpmd0,foo=1" };
	struct yard_port *p = NULL;

	cr_expect_lt(yard_port_open(&conf, &p), 0);
	cr_expect_null(p);
	cr_expect_eq(yard_port_count(), 0);
	cr_expect(!dev_exists("net_nosuchpmd0"));
}

YT_TEST(port, refuses_an_invalid_configuration)
{
	struct yard_port *p = NULL;
	struct yard_port_conf none = { .device = NULL };
	struct yard_port_conf empty = { .device = ",iface=x" };
	struct yard_port_conf queues = { .device = "net_null0", .nb_rxq = YARD_PORT_MAX_QUEUES + 1 };
	struct yard_port_conf mtu = { .device = "net_null0", .mtu = 20 };

	cr_expect_eq(yard_port_open(&none, &p), -EINVAL);
	cr_expect_eq(yard_port_open(&empty, &p), -EINVAL);
	cr_expect_eq(yard_port_open(&queues, &p), -EINVAL);
	cr_expect_eq(yard_port_open(&mtu, &p), -EINVAL);
	cr_expect_eq(yard_port_open(NULL, &p), -EINVAL);
	cr_expect_null(p);
	cr_expect_eq(yard_port_count(), 0);
	cr_expect(!dev_exists("net_null0"), "a refused configuration probed the device");
}

YT_TEST(port, refuses_an_mtu_the_pmd_cannot_set_and_stays_usable)
{
	struct rte_ring *rx = rte_ring_create("mtu_rx", 64, SOCKET_ID_ANY, 0);
	struct rte_ring *tx = rte_ring_create("mtu_tx", 64, SOCKET_ID_ANY, 0);
	/* rte_eth_from_rings("m") makes the vdev and ethdev net_ring_m. */
	struct yard_port_conf jumbo = { .device = "net_ring_m", .mtu = 9000, .pool_size = 511 };
	struct yard_port_conf plain = { .device = "net_ring_m", .pool_size = 511 };
	struct yard_port *p = NULL;

	cr_assert_not_null(rx);
	cr_assert_not_null(tx);
	cr_assert_geq(rte_eth_from_rings("m", &rx, 1, &tx, 1, rte_socket_id()), 0);
	cr_assert(dev_exists("net_ring_m"));
	/* net_ring has no mtu_set: asking for 9000 must fail, not be ignored. */
	cr_expect_eq(yard_port_open(&jumbo, &p), -ENOTSUP);
	cr_expect_null(p);
	cr_expect_eq(yard_port_count(), 0);
	cr_expect(dev_exists("net_ring_m"), "a device yard did not probe was removed on failure");

	cr_assert_eq(yard_port_open(&plain, &p), 0);
	cr_expect(!p->yp_probed);
	cr_expect(p->yp_is_vdev);
	cr_expect_eq(p->yp_mtu, RTE_ETHER_MTU);
	cr_expect_eq(yard_port_caps(p), YARD_CAP_MULTISEG, "net_ring offers chains, nothing else");
	cr_assert_eq(yard_port_close(p), 0);
	cr_expect(!dev_exists("net_ring_m"));
	rte_ring_free(rx);
	rte_ring_free(tx);
}

YT_TEST(port, refuses_a_device_already_open)
{
	struct yard_port *p = open_null("net_null0", 1);
	struct yard_port_conf again = { .device = "net_null0", .name = "other", .pool_size = 511 };
	struct yard_port_conf dup = { .device = "net_null1", .name = "net_null0", .pool_size = 511 };
	struct yard_port *q = NULL;

	cr_expect_eq(yard_port_open(&again, &q), -EBUSY);
	cr_expect_eq(yard_port_open(&dup, &q), -EBUSY, "two ports of one name");
	cr_expect_null(q);
	cr_expect_eq(yard_port_count(), 1);
	cr_assert_eq(yard_port_close(p), 0);
}

YT_TEST(port, keeps_indexes_stable_and_reuses_the_lowest_free_slot)
{
	struct yard_port *a = open_null("net_null0", 1);
	struct yard_port *b = open_null("net_null1", 1);
	struct yard_port *c = open_null("net_null2", 1);
	struct yard_port *d;

	cr_expect_eq(a->yp_index, 0);
	cr_expect_eq(b->yp_index, 1);
	cr_expect_eq(c->yp_index, 2);
	cr_assert_eq(yard_port_close(b), 0);
	cr_expect_null(yard_port_by_index(1));
	cr_expect_eq(yard_port_by_index(2), c, "closing a port moved another");
	cr_expect_eq(yard_port_count(), 3);
	d = open_null("net_null3", 1);
	cr_expect_eq(d->yp_index, 1);
	cr_expect_eq(yard_port_by_name("net_null3"), d);
	cr_expect_null(yard_port_by_index(YARD_MAX_PORTS));
	cr_expect_eq(yard_port_close_all(), 0);
	cr_expect_eq(yard_port_count(), 0);
	cr_expect(!dev_exists("net_null2"));
}

YT_TEST(port, declines_multiseg_when_asked_for_single_segments)
{
	struct rte_ring *rx = rte_ring_create("ss_rx", 64, SOCKET_ID_ANY, 0);
	struct rte_ring *tx = rte_ring_create("ss_tx", 64, SOCKET_ID_ANY, 0);
	struct yard_port_conf conf = { .device = "net_ring_s", .pool_size = 511,
				       .tx_single_seg = true };
	struct rte_eth_conf ec;
	struct yard_port *p = NULL;

	cr_assert_geq(rte_eth_from_rings("s", &rx, 1, &tx, 1, rte_socket_id()), 0);
	cr_assert_eq(yard_port_open(&conf, &p), 0);
	cr_expect_eq(yard_port_caps(p) & YARD_CAP_MULTISEG, 0);
	cr_expect_eq(p->yp_tx_max_segs, 1);
	cr_assert_eq(rte_eth_dev_conf_get(p->yp_port_id, &ec), 0);
	cr_expect_eq(ec.txmode.offloads & RTE_ETH_TX_OFFLOAD_MULTI_SEGS, 0);
	cr_assert_eq(yard_port_close(p), 0);
	rte_ring_free(rx);
	rte_ring_free(tx);
}

YT_TEST(port, names_a_port_as_configured)
{
	struct yard_port_conf conf = { .device = "net_null0", .name = "uplink", .pool_size = 511 };
	struct yard_port *p = NULL;

	cr_assert_eq(yard_port_open(&conf, &p), 0);
	cr_expect_str_eq(p->yp_name, "uplink");
	cr_expect_eq(yard_port_by_name("uplink"), p);
	cr_expect_eq(yard_port_by_name("net_null0"), p);
	cr_expect_null(yard_port_by_name("net_null1"));
	cr_assert_eq(yard_port_close(p), 0);
}
