/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The Transport Provider Interface (TPI, `_SUN_TPI_VERSION` 2): the primitives a transport
 * provider (udp, later tcp) and its user (timod and the XTI library, or a module) exchange
 * as M_PROTO/M_PCPROTO messages, with the illumos `<sys/tihdr.h>` numbers and layouts, the
 * provider states, and the error and option-management values shared with XTI
 * (`<sys/tpicommon.h>`).
 *
 * Every primitive starts with `t_scalar_t PRIM_type`. Addresses and options travel in the same
 * block as the primitive, as (length, offset) pairs counted from the start of the primitive;
 * data follows in linked M_DATA blocks. Requests that answer with an acknowledgement
 * (T_INFO_REQ, T_ADDR_REQ, T_CAPABILITY_REQ) and every acknowledgement are M_PCPROTO; the rest
 * are M_PROTO.
 *
 * Options (T_OPTMGMT_REQ, T_UNITDATA_REQ/IND) use the XTI format: a sequence of
 * struct T_opthdr, each followed by its value and padded to _TPI_ALIGN_TOPT.
 *
 * Where yard differs from illumos: nothing on the wire of these messages; the provider state
 * machine is the TPI one (reference §7.2), kept by each provider for itself.
 */
#ifndef YARD_PROTOCOLS_TIHDR_H
#define YARD_PROTOCOLS_TIHDR_H

#include <assert.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** TPI scalars: 32 bits on every ABI, as in illumos. */
typedef int32_t t_scalar_t;
typedef uint32_t t_uscalar_t;

/** @name Primitive types (PRIM_type), illumos values. */
/**@{*/
#define T_CONN_REQ         0  /**< connection request */
#define O_T_CONN_RES       1  /**< connection response (old, TLI) */
#define T_DISCON_REQ       2  /**< disconnect request */
#define T_DATA_REQ         3  /**< data request */
#define T_EXDATA_REQ       4  /**< expedited data request */
#define T_INFO_REQ         5  /**< information request (M_PCPROTO) */
#define O_T_BIND_REQ       6  /**< bind request, TLI semantics: may bind another address */
#define T_UNBIND_REQ       7  /**< unbind request */
#define T_UNITDATA_REQ     8  /**< datagram request */
#define T_SVR4_OPTMGMT_REQ 9  /**< option management, old (TLI) option format */
#define O_T_OPTMGMT_REQ    T_SVR4_OPTMGMT_REQ
#define T_ORDREL_REQ       10 /**< orderly release request */
#define T_CONN_IND         11 /**< connection indication */
#define T_CONN_CON         12 /**< connection confirmation */
#define T_DISCON_IND       13 /**< disconnect indication */
#define T_DATA_IND         14 /**< data indication */
#define T_EXDATA_IND       15 /**< expedited data indication */
#define T_INFO_ACK         16 /**< information acknowledgement */
#define T_BIND_ACK         17 /**< bind acknowledgement */
#define T_ERROR_ACK        18 /**< error acknowledgement */
#define T_OK_ACK           19 /**< success acknowledgement */
#define T_UNITDATA_IND     20 /**< datagram indication */
#define T_UDERROR_IND      21 /**< datagram error indication */
#define T_OPTMGMT_ACK      22 /**< option management acknowledgement */
#define T_ORDREL_IND       23 /**< orderly release indication */
#define T_ADDR_REQ         24 /**< address request (M_PCPROTO) */
#define T_ADDR_ACK         25 /**< address acknowledgement */
#define T_BIND_REQ         26 /**< bind request, XTI semantics: TADDRBUSY, never another */
#define T_OPTMGMT_REQ      27 /**< option management, XTI option format (struct T_opthdr) */
#define T_CONN_RES         28 /**< connection response */
#define T_CAPABILITY_REQ   30 /**< capability request (M_PCPROTO) */
#define T_CAPABILITY_ACK   31 /**< capability acknowledgement */
/**@}*/

/** @name Provider states (CURRENT_state), illumos values (reference §7.2). */
/**@{*/
#define TS_UNBND        0  /**< unbound */
#define TS_WACK_BREQ    1  /**< waiting for the ack of T_BIND_REQ */
#define TS_WACK_UREQ    2  /**< waiting for the ack of T_UNBIND_REQ */
#define TS_IDLE         3  /**< bound, idle (connectionless: ready for datagrams) */
#define TS_WACK_OPTREQ  4  /**< waiting for the ack of T_OPTMGMT_REQ */
#define TS_WACK_CREQ    5
#define TS_WCON_CREQ    6
#define TS_WRES_CIND    7
#define TS_WACK_CRES    8
#define TS_DATA_XFER    9
#define TS_WIND_ORDREL  10
#define TS_WREQ_ORDREL  11
#define TS_WACK_DREQ6   12
#define TS_WACK_DREQ7   13
#define TS_WACK_DREQ9   14
#define TS_WACK_DREQ10  15
#define TS_WACK_DREQ11  16
#define TS_NOSTATES     17
/**@}*/

/** @name TLI_error values of T_ERROR_ACK, identical to XTI's t_errno (reference §7.1). */
/**@{*/
#define TBADADDR      1  /**< incorrect address format */
#define TBADOPT       2  /**< incorrect option format */
#define TACCES        3  /**< no permission */
#define TBADF         4  /**< bad endpoint */
#define TNOADDR       5  /**< could not allocate an address */
#define TOUTSTATE     6  /**< out of state */
#define TBADSEQ       7  /**< bad call sequence number */
#define TSYSERR       8  /**< system error (UNIX_error / errno says which) */
#define TLOOK         9  /**< an event requires attention */
#define TBADDATA      10 /**< illegal amount of data */
#define TBUFOVFLW     11 /**< buffer not large enough */
#define TFLOW         12 /**< flow control */
#define TNODATA       13 /**< no data */
#define TNODIS        14 /**< no disconnect indication */
#define TNOUDERR      15 /**< no unitdata error indication */
#define TBADFLAG      16 /**< bad flags */
#define TNOREL        17 /**< no orderly release indication */
#define TNOTSUPPORT   18 /**< primitive or function not supported */
#define TSTATECHNG    19 /**< state is changing */
#define TNOSTRUCTYPE  20 /**< unsupported structure type */
#define TBADNAME      21 /**< invalid transport provider name */
#define TBADQLEN      22 /**< qlen is zero */
#define TADDRBUSY     23 /**< address in use */
#define TINDOUT       24 /**< outstanding connection indications */
#define TPROVMISMATCH 25 /**< transport provider mismatch */
#define TRESQLEN      26 /**< resfd given to t_accept has qlen > 0 */
#define TRESADDR      27 /**< resfd bound to another address than fd */
#define TQFULL        28 /**< incoming connection queue full */
#define TPROTO        29 /**< protocol error */
/**@}*/

/** @name SERV_type. */
/**@{*/
#define T_COTS     1 /**< connection oriented */
#define T_COTS_ORD 2 /**< connection oriented with orderly release */
#define T_CLTS     3 /**< connectionless */
/**@}*/

/** @name Size values of T_info_ack (and XTI's struct t_info). */
/**@{*/
#define T_INFINITE (-1) /**< no limit */
#define T_INVALID  (-2) /**< not supported */
/**@}*/

/** @name PROVIDER_flag bits. */
/**@{*/
#define SENDZERO  0x001 /**< zero-length TSDUs may be sent */
#define EXPINLINE 0x002 /**< expedited data travels in band 0 */
#define XPG4_1    0x004 /**< XTI semantics: T_BIND_REQ, T_OPTMGMT_REQ, T_ADDR_REQ */
/**@}*/

/** @name CAP_bits1 of T_CAPABILITY_REQ/ACK. */
/**@{*/
#define TC1_INFO        (1u << 0)  /**< INFO_ack is filled in */
#define TC1_ACCEPTOR_ID (1u << 1)  /**< ACCEPTOR_id is filled in */
#define TC1_CAP_BITS2   (1u << 31) /**< reserved */
/**@}*/

/** @name MGMT_flags of T_OPTMGMT_REQ/ACK, and T_opthdr status (values shared with XTI). */
/**@{*/
#define T_NEGOTIATE   0x004 /**< set the options */
#define T_CHECK       0x008 /**< check whether the values would be accepted */
#define T_DEFAULT     0x010 /**< return the default values */
#define T_SUCCESS     0x020 /**< status: done as asked */
#define T_FAILURE     0x040 /**< status: refused */
#define T_CURRENT     0x080 /**< return the values in force */
#define T_PARTSUCCESS 0x100 /**< status: done with a value the provider chose */
#define T_READONLY    0x200 /**< status: the option cannot be changed */
#define T_NOTSUPPORT  0x400 /**< status: the option is unknown */
/**@}*/

/** Option name meaning "every option of this level". */
#define T_ALLOPT 0
/** Boolean option values. */
#define T_YES 1
#define T_NO  0
/** An absolute requirement: no value is specified (XTI `T_UNSPEC`). */
#define T_UNSPEC (~0u - 2u)

/**
 * @name Option levels and names of XTI_GENERIC, IP and UDP (XTI values; the T_ prefixed INET
 * names of XNS 5.2, which do not collide with the sockets API's IP_TOS and friends). The TCP
 * level (T_INET_TCP and its options) belongs to protocols/tcp.h.
 */
/**@{*/
#define XTI_GENERIC    0xffff /**< level: options of every transport */
#define XTI_DEBUG      0x0001
#define XTI_LINGER     0x0080
#define XTI_SNDBUF     0x1001 /**< t_uscalar_t: send buffer (bytes) */
#define XTI_RCVBUF     0x1002 /**< t_uscalar_t: receive buffer (bytes) */
#define XTI_SNDLOWAT   0x1003
#define XTI_RCVLOWAT   0x1004
#define T_INET_IP      0      /**< level: IP (the protocol number) */
#define T_INET_UDP     17     /**< level: UDP */
#define T_IP_OPTIONS   1      /**< IP options of each datagram */
#define T_IP_TOS       2      /**< unsigned char: type of service */
#define T_IP_TTL       3      /**< unsigned char: time to live */
#define T_IP_REUSEADDR 4      /**< t_uscalar_t T_YES/T_NO */
#define T_IP_DONTROUTE 5      /**< t_uscalar_t T_YES/T_NO */
#define T_IP_BROADCAST 6      /**< t_uscalar_t T_YES/T_NO: may send to broadcast addresses */
#define T_UDP_CHECKSUM 0x0600 /**< t_uscalar_t T_YES/T_NO: compute checksums on output */
/**
 * uint32_t (struct in_addr), t_uscalar_t sized: the address of the link a multicast group's
 * datagrams go out (0, the default: the group's route)
 */
#define T_IP_MULTICAST_IF    0x10
/** unsigned char 1..255: TTL of datagrams sent to a multicast group (default 1: this link) */
#define T_IP_MULTICAST_TTL   0x11
/** unsigned char 0/1: loop a group's datagrams back to this host's members (yard: 0 only) */
#define T_IP_MULTICAST_LOOP  0x12
/** struct t_ip_mreq: join a multicast group (T_NEGOTIATE only; the values of Solaris' IP level) */
#define T_IP_ADD_MEMBERSHIP  0x13
/** struct t_ip_mreq: leave a group joined with T_IP_ADD_MEMBERSHIP (T_NEGOTIATE only) */
#define T_IP_DROP_MEMBERSHIP 0x14
/** struct t_ip_mreq_source: leave out a source of a group joined any-source (EXCLUDE mode) */
#define T_IP_BLOCK_SOURCE    0x15
/** struct t_ip_mreq_source: take a source T_IP_BLOCK_SOURCE left out again */
#define T_IP_UNBLOCK_SOURCE  0x16
/** struct t_ip_mreq_source: join a group for one source (INCLUDE mode: SSM, RFC 4607) */
#define T_IP_ADD_SOURCE_MEMBERSHIP  0x17
/** struct t_ip_mreq_source: drop the source; the last one dropped leaves the group */
#define T_IP_DROP_SOURCE_MEMBERSHIP 0x18
/**
 * yard's, after Solaris' IP_PKTINFO (the value is not Solaris'). As an endpoint's option:
 * t_uscalar_t T_YES/T_NO (default T_NO), whether each T_UNITDATA_IND carries a T_IP_PKTINFO
 * option (struct t_in_pktinfo) saying where the datagram came. In a T_UNITDATA_REQ's options:
 * struct t_in_pktinfo, the source and link of that one datagram.
 */
#define T_IP_PKTINFO 0x19
/**@}*/

/**
 * The value of T_IP_PKTINFO with a datagram (Linux's struct in_pktinfo's fields, all 32-bit).
 * A link's index is yard's, as it has no kernel interfaces: its DPDK port id + 1 (one link a
 * port; 0 names none), the ifindex udp was given with the link's address (UDP_ADDR_ADD).
 * Received: ipi_ifindex the port the datagram arrived on (0 if unknown), ipi_addr the header's
 * destination, ipi_spec_dst the local address a reply comes from (the destination, or for a
 * broadcast or multicast one the arrival link's address). Sent: a non-zero ipi_spec_dst is the
 * datagram's source (one of ours), a non-zero ipi_ifindex its link.
 */
struct t_in_pktinfo {
	uint32_t ipi_ifindex;  /**< the link: port id + 1; 0: none */
	uint32_t ipi_spec_dst; /**< local address, network order */
	uint32_t ipi_addr;     /**< the header's destination, network order (received only) */
};

/** The value of T_IP_ADD_MEMBERSHIP and T_IP_DROP_MEMBERSHIP (struct ip_mreq's layout). */
struct t_ip_mreq {
	uint32_t imr_multiaddr; /**< the group, network order */
	uint32_t imr_interface; /**< the link's address, network order; 0: the group's route */
};

/** The value of the four source options (struct ip_mreq_source's layout, Solaris' order). */
struct t_ip_mreq_source {
	uint32_t imr_multiaddr;  /**< the group, network order */
	uint32_t imr_sourceaddr; /**< the source, network order */
	uint32_t imr_interface;  /**< the link's address, network order; 0: the group's route */
};

/** One option in an XTI-format option buffer; the value follows, then padding. */
struct T_opthdr {
	t_uscalar_t len;    /**< header + value, without the padding */
	t_uscalar_t level;  /**< protocol level (XTI_GENERIC, T_INET_IP, ...) */
	t_uscalar_t name;   /**< option name */
	t_uscalar_t status; /**< T_SUCCESS ... in acknowledgements, 0 in requests */
};

/** Round an option length up to where the next header starts. */
#define _TPI_ALIGN_TOPT(x) (((uintptr_t)(x) + sizeof(t_uscalar_t) - 1) & \
			    ~(uintptr_t)(sizeof(t_uscalar_t) - 1))

/* ---- user -> provider ---------------------------------------------------------------------- */

struct T_conn_req {
	t_scalar_t PRIM_type;   /**< T_CONN_REQ */
	t_scalar_t DEST_length;
	t_scalar_t DEST_offset;
	t_scalar_t OPT_length;
	t_scalar_t OPT_offset;
};

struct T_conn_res {
	t_scalar_t PRIM_type;   /**< T_CONN_RES */
	t_uscalar_t ACCEPTOR_id;
	t_scalar_t OPT_length;
	t_scalar_t OPT_offset;
	t_scalar_t SEQ_number;
};

struct T_discon_req {
	t_scalar_t PRIM_type;   /**< T_DISCON_REQ */
	t_scalar_t SEQ_number;
};

struct T_data_req {
	t_scalar_t PRIM_type;   /**< T_DATA_REQ */
	t_scalar_t MORE_flag;
};

struct T_exdata_req {
	t_scalar_t PRIM_type;   /**< T_EXDATA_REQ */
	t_scalar_t MORE_flag;
};

struct T_info_req {
	t_scalar_t PRIM_type;   /**< T_INFO_REQ */
};

/** T_BIND_REQ and O_T_BIND_REQ. */
struct T_bind_req {
	t_scalar_t PRIM_type;
	t_scalar_t ADDR_length;
	t_scalar_t ADDR_offset;
	t_uscalar_t CONIND_number; /**< connection indications (connection oriented only) */
};

struct T_unbind_req {
	t_scalar_t PRIM_type;   /**< T_UNBIND_REQ */
};

struct T_unitdata_req {
	t_scalar_t PRIM_type;   /**< T_UNITDATA_REQ */
	t_scalar_t DEST_length;
	t_scalar_t DEST_offset;
	t_scalar_t OPT_length;
	t_scalar_t OPT_offset;
};

/** T_OPTMGMT_REQ and T_SVR4_OPTMGMT_REQ. */
struct T_optmgmt_req {
	t_scalar_t PRIM_type;
	t_scalar_t OPT_length;
	t_scalar_t OPT_offset;
	t_scalar_t MGMT_flags;
};

struct T_ordrel_req {
	t_scalar_t PRIM_type;   /**< T_ORDREL_REQ */
};

struct T_addr_req {
	t_scalar_t PRIM_type;   /**< T_ADDR_REQ */
};

struct T_capability_req {
	t_scalar_t PRIM_type;   /**< T_CAPABILITY_REQ */
	t_uscalar_t CAP_bits1;  /**< TC1_* wanted */
};

/* ---- provider -> user ---------------------------------------------------------------------- */

struct T_conn_ind {
	t_scalar_t PRIM_type;   /**< T_CONN_IND */
	t_scalar_t SRC_length;
	t_scalar_t SRC_offset;
	t_scalar_t OPT_length;
	t_scalar_t OPT_offset;
	t_scalar_t SEQ_number;
};

struct T_conn_con {
	t_scalar_t PRIM_type;   /**< T_CONN_CON */
	t_scalar_t RES_length;
	t_scalar_t RES_offset;
	t_scalar_t OPT_length;
	t_scalar_t OPT_offset;
};

struct T_discon_ind {
	t_scalar_t PRIM_type;   /**< T_DISCON_IND */
	t_scalar_t DISCON_reason;
	t_scalar_t SEQ_number;
};

struct T_data_ind {
	t_scalar_t PRIM_type;   /**< T_DATA_IND */
	t_scalar_t MORE_flag;
};

struct T_exdata_ind {
	t_scalar_t PRIM_type;   /**< T_EXDATA_IND */
	t_scalar_t MORE_flag;
};

struct T_info_ack {
	t_scalar_t PRIM_type;     /**< T_INFO_ACK */
	t_scalar_t TSDU_size;     /**< largest datagram (TSDU) */
	t_scalar_t ETSDU_size;    /**< largest expedited TSDU */
	t_scalar_t CDATA_size;    /**< data with a connect */
	t_scalar_t DDATA_size;    /**< data with a disconnect */
	t_scalar_t ADDR_size;     /**< largest address */
	t_scalar_t OPT_size;      /**< largest option buffer */
	t_scalar_t TIDU_size;     /**< largest piece passed at once */
	t_scalar_t SERV_type;     /**< T_COTS, T_COTS_ORD, T_CLTS */
	t_scalar_t CURRENT_state; /**< TS_* */
	t_scalar_t PROVIDER_flag; /**< SENDZERO, EXPINLINE, XPG4_1 */
};

struct T_bind_ack {
	t_scalar_t PRIM_type;     /**< T_BIND_ACK */
	t_scalar_t ADDR_length;
	t_scalar_t ADDR_offset;
	t_uscalar_t CONIND_number;
};

struct T_error_ack {
	t_scalar_t PRIM_type;     /**< T_ERROR_ACK */
	t_scalar_t ERROR_prim;    /**< the primitive in error */
	t_scalar_t TLI_error;     /**< TBADADDR ... */
	t_scalar_t UNIX_error;    /**< errno when TLI_error is TSYSERR */
};

struct T_ok_ack {
	t_scalar_t PRIM_type;     /**< T_OK_ACK */
	t_scalar_t CORRECT_prim;  /**< the primitive acknowledged */
};

struct T_unitdata_ind {
	t_scalar_t PRIM_type;     /**< T_UNITDATA_IND */
	t_scalar_t SRC_length;
	t_scalar_t SRC_offset;
	t_scalar_t OPT_length;
	t_scalar_t OPT_offset;
};

struct T_uderror_ind {
	t_scalar_t PRIM_type;     /**< T_UDERROR_IND */
	t_scalar_t DEST_length;
	t_scalar_t DEST_offset;
	t_scalar_t OPT_length;
	t_scalar_t OPT_offset;
	t_scalar_t ERROR_type;    /**< provider specific; yard's providers put an errno here */
};

struct T_optmgmt_ack {
	t_scalar_t PRIM_type;     /**< T_OPTMGMT_ACK */
	t_scalar_t OPT_length;
	t_scalar_t OPT_offset;
	t_scalar_t MGMT_flags;    /**< the worst status of the options */
};

struct T_ordrel_ind {
	t_scalar_t PRIM_type;     /**< T_ORDREL_IND */
};

struct T_addr_ack {
	t_scalar_t PRIM_type;     /**< T_ADDR_ACK */
	t_scalar_t LOCADDR_length;
	t_scalar_t LOCADDR_offset;
	t_scalar_t REMADDR_length;
	t_scalar_t REMADDR_offset;
};

struct T_capability_ack {
	t_scalar_t PRIM_type;     /**< T_CAPABILITY_ACK */
	t_uscalar_t CAP_bits1;    /**< TC1_* answered */
	struct T_info_ack INFO_ack;
	t_uscalar_t ACCEPTOR_id;
};

/** Any primitive, for dispatch on `type`. */
union T_primitives {
	t_scalar_t type;
	struct T_addr_ack taddr_ack;
	struct T_addr_req taddr_req;
	struct T_bind_ack bind_ack;
	struct T_bind_req bind_req;
	struct T_capability_ack capability_ack;
	struct T_capability_req capability_req;
	struct T_conn_con conn_con;
	struct T_conn_ind conn_ind;
	struct T_conn_req conn_req;
	struct T_conn_res conn_res;
	struct T_data_ind data_ind;
	struct T_data_req data_req;
	struct T_discon_ind discon_ind;
	struct T_discon_req discon_req;
	struct T_error_ack error_ack;
	struct T_exdata_ind exdata_ind;
	struct T_exdata_req exdata_req;
	struct T_info_ack info_ack;
	struct T_info_req info_req;
	struct T_ok_ack ok_ack;
	struct T_optmgmt_ack optmgmt_ack;
	struct T_optmgmt_req optmgmt_req;
	struct T_ordrel_ind ordrel_ind;
	struct T_ordrel_req ordrel_req;
	struct T_uderror_ind uderror_ind;
	struct T_unbind_req unbind_req;
	struct T_unitdata_ind unitdata_ind;
	struct T_unitdata_req unitdata_req;
};

static_assert(sizeof(struct T_info_ack) == 44, "T_info_ack layout");
static_assert(sizeof(struct T_capability_ack) == 56, "T_capability_ack layout");
static_assert(sizeof(struct T_unitdata_ind) == sizeof(struct T_unitdata_req),
	      "an indication can be turned into a request in place");
static_assert(sizeof(struct T_opthdr) == 16, "T_opthdr layout");

#ifdef __cplusplus
}
#endif
#endif /* YARD_PROTOCOLS_TIHDR_H */
