/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The DLPI subset yard's "pmd" driver speaks: primitives, states, errors and the Ethernet DLSAP
 * address, with the values and layouts of Solaris/illumos <sys/dlpi.h> (DLPI version 2), plus
 * one yard extension to DL_INFO_ACK. Wire structs only: no functions.
 *
 * A primitive is the first block of an M_PROTO or M_PCPROTO message; every struct begins with
 * its 32-bit dl_primitive. Requests go down the write side, acknowledgements come up the read
 * side:
 *
 *   DL_INFO_REQ (M_PCPROTO)        -> DL_INFO_ACK (M_PCPROTO), with yard_dl_info_ext after it
 *   DL_ATTACH_REQ (M_PROTO)        -> DL_OK_ACK | DL_ERROR_ACK (M_PCPROTO)
 *   DL_DETACH_REQ (M_PROTO)        -> DL_OK_ACK | DL_ERROR_ACK
 *   DL_BIND_REQ (M_PROTO)          -> DL_BIND_ACK | DL_ERROR_ACK
 *   DL_UNBIND_REQ (M_PROTO)        -> DL_OK_ACK | DL_ERROR_ACK
 *   DL_UNITDATA_REQ (M_PROTO) + M_DATA payload in b_cont: sent with an Ethernet header the
 *                                     driver prepends; on error DL_UDERROR_IND (M_PROTO) comes up
 *
 * Physical point of attachment (style 2 provider): dl_ppa = YARD_DL_PPA(port index, queue),
 * where the port index is yard's (yard_port_by_index()) and queue is the RX/TX queue pair the
 * stream serves.
 *
 * The Ethernet DLSAP address (dl_addr_length 8, dl_sap_length -2) is the 6-byte MAC followed
 * by the 16-bit SAP (ethertype) in host byte order, as illumos GLD lays it out.
 *
 * Where yard differs from DLPI, on purpose: binding is optional. An attached stream receives
 * every frame of its queue as M_DATA (the Ethernet header included) and may send raw M_DATA
 * frames, bound or not, and DL_UNITDATA_REQ is accepted in DL_UNBOUND as well as DL_IDLE. The
 * bound SAP is only reported back (DL_BIND_ACK, the DLSAP address in DL_INFO_ACK): it filters
 * nothing, since the modules above (arp, ip) demultiplex by ethertype themselves.
 */
#ifndef YARD_PMD_GLUE_DLPI_H
#define YARD_PMD_GLUE_DLPI_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef uint32_t t_uscalar_t; /**< as on Solaris (LP64): 32 bits */
typedef int32_t t_scalar_t;

/** @name Primitives (Solaris values) */
/**@{*/
#define DL_INFO_REQ        0x00
#define DL_BIND_REQ        0x01
#define DL_UNBIND_REQ      0x02
#define DL_INFO_ACK        0x03
#define DL_BIND_ACK        0x04
#define DL_ERROR_ACK       0x05
#define DL_OK_ACK          0x06
#define DL_UNITDATA_REQ    0x07
#define DL_UNITDATA_IND    0x08
#define DL_UDERROR_IND     0x09
#define DL_ATTACH_REQ      0x0b
#define DL_DETACH_REQ      0x0c
#define DL_SUBS_UNBIND_REQ 0x15
#define DL_SUBS_BIND_REQ   0x1b
#define DL_ENABMULTI_REQ   0x1d
#define DL_DISABMULTI_REQ  0x1e
#define DL_PROMISCON_REQ   0x1f
#define DL_PROMISCOFF_REQ  0x20
#define DL_PHYS_ADDR_REQ   0x31
#define DL_SET_PHYS_ADDR_REQ 0x33
/**@}*/

/** @name States (dl_current_state) */
/**@{*/
#define DL_UNBOUND        0x00
#define DL_BIND_PENDING   0x01
#define DL_UNBIND_PENDING 0x02
#define DL_IDLE           0x03
#define DL_UNATTACHED     0x04
#define DL_ATTACH_PENDING 0x05
#define DL_DETACH_PENDING 0x06
/**@}*/

/** @name DLPI error codes (dl_errno) */
/**@{*/
#define DL_BADSAP        0x00
#define DL_BADADDR       0x01
#define DL_ACCESS        0x02
#define DL_OUTSTATE      0x03
#define DL_SYSERR        0x04 /**< see dl_unix_errno */
#define DL_BADCORR       0x05
#define DL_BADDATA       0x06 /**< user data exceeded the provider's limit */
#define DL_UNSUPPORTED   0x07
#define DL_BADPPA        0x08
#define DL_BADPRIM       0x09
#define DL_BADQOSPARAM   0x0a
#define DL_BADQOSTYPE    0x0b
#define DL_BADTOKEN      0x0c
#define DL_BOUND         0x0d
#define DL_INITFAILED    0x0e
#define DL_NOADDR        0x0f
#define DL_NOTINIT       0x10
#define DL_UNDELIVERABLE 0x11
#define DL_NOTSUPPORTED  0x12
#define DL_TOOMANY       0x13
#define DL_NOTENAB       0x14
#define DL_BUSY          0x15 /**< another stream is attached to the PPA */
/**@}*/

/** @name Other constants */
/**@{*/
#define DL_ETHER     0x4    /**< dl_mac_type: Ethernet */
#define DL_CODLS     0x01   /**< dl_service_mode: connection-oriented */
#define DL_CLDLS     0x02   /**< connectionless */
#define DL_ACLDLS    0x04
#define DL_STYLE1    0x0500 /**< dl_provider_style: PPA implicit in the open */
#define DL_STYLE2    0x0501 /**< PPA given with DL_ATTACH_REQ */
#define DL_VERSION_2 0x02
/**@}*/

/** yard: the PPA of (port index, queue). */
#define YARD_DL_PPA(port_index, queue) (((t_uscalar_t)(port_index) << 8) | ((queue) & 0xffu))
#define YARD_DL_PPA_PORT(ppa)  ((ppa) >> 8)
#define YARD_DL_PPA_QUEUE(ppa) ((ppa) & 0xffu)

/** Ethernet DLSAP address: MAC then SAP (ethertype, host byte order). */
struct yard_dl_ether_addr {
	uint8_t dl_phys[6];
	uint16_t dl_sap;
} __attribute__((packed));
static_assert(sizeof(struct yard_dl_ether_addr) == 8, "DLSAP address is 8 bytes");
#define YARD_DL_ETHER_ADDRL  8  /**< dl_addr_length of yard's DLSAP addresses */
#define YARD_DL_ETHER_SAPL   (-2) /**< dl_sap_length: SAP follows the MAC, 2 bytes */
#define YARD_DL_ETHER_PHYSL  6

/** DL_INFO_REQ */
typedef struct {
	t_uscalar_t dl_primitive;
} dl_info_req_t;
static_assert(sizeof(dl_info_req_t) == 4, "dl_info_req_t");

/** DL_INFO_ACK: the standard 19 words; yard appends yard_dl_info_ext (see below). */
typedef struct {
	t_uscalar_t dl_primitive;          /**< DL_INFO_ACK */
	t_uscalar_t dl_max_sdu;            /**< largest frame payload: the MTU */
	t_uscalar_t dl_min_sdu;            /**< 1 */
	t_uscalar_t dl_addr_length;        /**< YARD_DL_ETHER_ADDRL */
	t_uscalar_t dl_mac_type;           /**< DL_ETHER */
	t_uscalar_t dl_reserved;
	t_uscalar_t dl_current_state;      /**< DL_UNATTACHED, DL_UNBOUND or DL_IDLE */
	t_scalar_t dl_sap_length;          /**< YARD_DL_ETHER_SAPL */
	t_uscalar_t dl_service_mode;       /**< DL_CLDLS */
	t_uscalar_t dl_qos_length;
	t_uscalar_t dl_qos_offset;
	t_uscalar_t dl_qos_range_length;
	t_uscalar_t dl_qos_range_offset;
	t_uscalar_t dl_provider_style;     /**< DL_STYLE2 */
	t_uscalar_t dl_addr_offset;        /**< our DLSAP address (0 if unattached) */
	t_uscalar_t dl_version;            /**< DL_VERSION_2 */
	t_uscalar_t dl_brdcst_addr_length; /**< 6 */
	t_uscalar_t dl_brdcst_addr_offset;
	t_uscalar_t dl_growth;
} dl_info_ack_t;
static_assert(sizeof(dl_info_ack_t) == 76, "dl_info_ack_t");

/**
 * @name Capability bits of the port queue a stream is attached to (yx_caps).
 * The low six bits have the values of protocols/link.h's YARD_LINK_CAP_*, so an application
 * can hand yx_caps & 0x3f to ARP_SETIF / IP_IFADD as it is.
 */
/**@{*/
#define YARD_CAP_RX_IPV4_CKSUM 0x0001 /**< RX IPv4 header checksum verified (ol_flags) */
#define YARD_CAP_RX_L4_CKSUM   0x0002 /**< RX UDP and TCP checksums verified (ol_flags) */
#define YARD_CAP_TX_IPV4_CKSUM 0x0004 /**< TX: set RTE_MBUF_F_TX_IP_CKSUM, l2_len, l3_len */
#define YARD_CAP_TX_UDP_CKSUM  0x0008 /**< TX: RTE_MBUF_F_TX_UDP_CKSUM with pseudo-header sum */
#define YARD_CAP_TX_TCP_CKSUM  0x0010 /**< TX: RTE_MBUF_F_TX_TCP_CKSUM with pseudo-header sum */
#define YARD_CAP_MULTISEG      0x0020 /**< TX takes multi-block (mbuf chain) frames */
#define YARD_CAP_RSS           0x0040 /**< RX spread over the port's queues by RSS */
/**@}*/

/**
 * yard extension, placed right after dl_info_ack_t in DL_INFO_ACK (offset 76). Present when the
 * block is at least sizeof(yard_dl_info_ack_t) long and yx_magic is YARD_DL_INFO_MAGIC. All
 * fields are zero (but yx_magic, yx_version) when the stream is not attached.
 */
struct yard_dl_info_ext {
	t_uscalar_t yx_magic;      /**< YARD_DL_INFO_MAGIC */
	t_uscalar_t yx_version;    /**< YARD_DL_INFO_VERSION */
	uint8_t yx_mac[6];         /**< the port's MAC address */
	uint16_t yx_pad;
	t_uscalar_t yx_mtu;        /**< the port's MTU (IP bytes per frame) */
	t_uscalar_t yx_port;       /**< yard port index */
	t_uscalar_t yx_queue;      /**< RX/TX queue */
	t_uscalar_t yx_caps;       /**< YARD_CAP_* */
	t_uscalar_t yx_nqueues;    /**< queues of the port (RSS spreads over this many) */
};
static_assert(sizeof(struct yard_dl_info_ext) == 36, "yard_dl_info_ext");
#define YARD_DL_INFO_MAGIC   0x79617264u /* "yard" */
#define YARD_DL_INFO_VERSION 1

/** DL_INFO_ACK as yard sends it; the DLSAP and broadcast addresses follow. */
typedef struct {
	dl_info_ack_t dl;
	struct yard_dl_info_ext yx;
} yard_dl_info_ack_t;
static_assert(sizeof(yard_dl_info_ack_t) == 112, "yard_dl_info_ack_t");
static_assert(offsetof(yard_dl_info_ack_t, yx) == 76, "extension follows the standard fields");

/** DL_ATTACH_REQ */
typedef struct {
	t_uscalar_t dl_primitive;
	t_uscalar_t dl_ppa;        /**< YARD_DL_PPA(port index, queue) */
} dl_attach_req_t;
static_assert(sizeof(dl_attach_req_t) == 8, "dl_attach_req_t");

/** DL_DETACH_REQ */
typedef struct {
	t_uscalar_t dl_primitive;
} dl_detach_req_t;
static_assert(sizeof(dl_detach_req_t) == 4, "dl_detach_req_t");

/** DL_BIND_REQ */
typedef struct {
	t_uscalar_t dl_primitive;
	t_uscalar_t dl_sap;        /**< ethertype */
	t_uscalar_t dl_max_conind; /**< 0 */
	uint16_t dl_service_mode;  /**< DL_CLDLS */
	uint16_t dl_conn_mgmt;     /**< 0 */
	t_uscalar_t dl_xidtest_flg;
} dl_bind_req_t;
static_assert(sizeof(dl_bind_req_t) == 20, "dl_bind_req_t");

/** DL_BIND_ACK; the bound DLSAP address follows at dl_addr_offset. */
typedef struct {
	t_uscalar_t dl_primitive;
	t_uscalar_t dl_sap;
	t_uscalar_t dl_addr_length;
	t_uscalar_t dl_addr_offset;
	t_uscalar_t dl_max_conind;
	t_uscalar_t dl_xidtest_flg;
} dl_bind_ack_t;
static_assert(sizeof(dl_bind_ack_t) == 24, "dl_bind_ack_t");

/** DL_UNBIND_REQ */
typedef struct {
	t_uscalar_t dl_primitive;
} dl_unbind_req_t;
static_assert(sizeof(dl_unbind_req_t) == 4, "dl_unbind_req_t");

/** DL_OK_ACK */
typedef struct {
	t_uscalar_t dl_primitive;
	t_uscalar_t dl_correct_primitive;
} dl_ok_ack_t;
static_assert(sizeof(dl_ok_ack_t) == 8, "dl_ok_ack_t");

/** DL_ERROR_ACK */
typedef struct {
	t_uscalar_t dl_primitive;
	t_uscalar_t dl_error_primitive; /**< the primitive in error */
	t_uscalar_t dl_errno;           /**< DL_* error */
	t_uscalar_t dl_unix_errno;      /**< errno when dl_errno is DL_SYSERR, else 0 */
} dl_error_ack_t;
static_assert(sizeof(dl_error_ack_t) == 16, "dl_error_ack_t");

/** Priority range of DL_UNITDATA_REQ (ignored by yard). */
typedef struct {
	t_scalar_t dl_min;
	t_scalar_t dl_max;
} dl_priority_t;

/**
 * DL_UNITDATA_REQ: the destination DLSAP address (struct yard_dl_ether_addr) at
 * dl_dest_addr_offset; the payload (everything after the Ethernet header) in b_cont.
 */
typedef struct {
	t_uscalar_t dl_primitive;
	t_uscalar_t dl_dest_addr_length; /**< YARD_DL_ETHER_ADDRL */
	t_uscalar_t dl_dest_addr_offset;
	dl_priority_t dl_priority;
} dl_unitdata_req_t;
static_assert(sizeof(dl_unitdata_req_t) == 20, "dl_unitdata_req_t");

/** DL_UDERROR_IND: a DL_UNITDATA_REQ that could not be sent. */
typedef struct {
	t_uscalar_t dl_primitive;
	t_uscalar_t dl_dest_addr_length;
	t_uscalar_t dl_dest_addr_offset;
	t_uscalar_t dl_unix_errno;
	t_uscalar_t dl_errno;            /**< DL_BADDATA (too long), DL_BADADDR, DL_OUTSTATE... */
} dl_uderror_ind_t;
static_assert(sizeof(dl_uderror_ind_t) == 20, "dl_uderror_ind_t");

/** Every primitive, for reading dl_primitive before knowing which. */
union DL_primitives {
	t_uscalar_t dl_primitive;
	dl_info_req_t info_req;
	dl_info_ack_t info_ack;
	dl_attach_req_t attach_req;
	dl_detach_req_t detach_req;
	dl_bind_req_t bind_req;
	dl_bind_ack_t bind_ack;
	dl_unbind_req_t unbind_req;
	dl_ok_ack_t ok_ack;
	dl_error_ack_t error_ack;
	dl_unitdata_req_t unitdata_req;
	dl_uderror_ind_t uderror_ind;
};

#define DL_INFO_REQ_SIZE     sizeof(dl_info_req_t)
#define DL_INFO_ACK_SIZE     sizeof(dl_info_ack_t)
#define DL_ATTACH_REQ_SIZE   sizeof(dl_attach_req_t)
#define DL_DETACH_REQ_SIZE   sizeof(dl_detach_req_t)
#define DL_BIND_REQ_SIZE     sizeof(dl_bind_req_t)
#define DL_BIND_ACK_SIZE     sizeof(dl_bind_ack_t)
#define DL_UNBIND_REQ_SIZE   sizeof(dl_unbind_req_t)
#define DL_OK_ACK_SIZE       sizeof(dl_ok_ack_t)
#define DL_ERROR_ACK_SIZE    sizeof(dl_error_ack_t)
#define DL_UNITDATA_REQ_SIZE sizeof(dl_unitdata_req_t)
#define DL_UDERROR_IND_SIZE  sizeof(dl_uderror_ind_t)

#ifdef __cplusplus
}
#endif
#endif /* YARD_PMD_GLUE_DLPI_H */
