/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * timod, the Transport Interface cooperating module (reference §7.3): pushed on a transport
 * stream by t_open(), it turns the TI_* ioctls below into TPI request/acknowledgement
 * exchanges with the provider, so that a library can bind, unbind, manage options or ask for
 * information with one I_STR, and passes every other message through unchanged.
 *
 * The I_STR carries the TPI request in its data (ic_dp, ic_len) and returns the provider's
 * acknowledgement there. yard's stream head copies back at most ic_len bytes, so ic_len must
 * be the size of the whole buffer (request at the front, room for the largest answer after
 * it): the provider ignores bytes past what its primitive's fields name.
 *
 * Results, as illumos timod gives them (libnsl decodes them the same way):
 *  - the acknowledgement expected: sth_ioctl() returns 0, ic_len is its length;
 *  - T_ERROR_ACK with TLI_error TSYSERR: sth_ioctl() fails with -UNIX_error;
 *  - any other T_ERROR_ACK: sth_ioctl() returns TLI_error | UNIX_error << 8 (> 0), ic_len 0;
 *  - a malformed request or an unexpected primitive: -EINVAL (-EPROTO for a request whose
 *    PRIM_type does not match the ioctl).
 *
 * Where yard differs from illumos: TI_SETMYNAME/TI_SETPEERNAME are not implemented (NAK
 * EINVAL); TI_GETMYNAME/TI_GETPEERNAME return the raw address bytes in the I_STR data rather
 * than through a transparent struct netbuf; there is no acceptor-id table (connection-oriented
 * transports come with TCP). T_CAPABILITY_REQ is emulated with T_INFO_REQ when the provider
 * answers it with T_ERROR_ACK TNOTSUPPORT, as illumos does.
 */
#ifndef YARD_PROTOCOLS_TIMOD_H
#define YARD_PROTOCOLS_TIMOD_H

#include <stdint.h>

#include <rte_common.h>

#include <protocols/tihdr.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Module name to I_PUSH. */
#define TIMOD_MODNAME "timod"

/** @name timod ioctls (illumos values). */
/**@{*/
#define TIMOD ('T' << 8)
#define TI_GETINFO     (TIMOD | 140) /**< T_INFO_REQ -> T_INFO_ACK */
#define TI_OPTMGMT     (TIMOD | 141) /**< T_OPTMGMT_REQ -> T_OPTMGMT_ACK */
#define TI_BIND        (TIMOD | 142) /**< T_BIND_REQ / O_T_BIND_REQ -> T_BIND_ACK */
#define TI_UNBIND      (TIMOD | 143) /**< T_UNBIND_REQ -> T_OK_ACK (ic_len 0 on success) */
#define TI_GETMYNAME   (TIMOD | 144) /**< no data in; the local address bytes out */
#define TI_GETPEERNAME (TIMOD | 145) /**< no data in; the remote address bytes out, ENOTCONN */
#define TI_SETMYNAME   (TIMOD | 146) /**< not implemented */
#define TI_SETPEERNAME (TIMOD | 147) /**< not implemented */
#define TI_SYNC        (TIMOD | 148) /**< struct ti_sync_req -> struct ti_sync_ack */
#define TI_GETADDRS    (TIMOD | 149) /**< T_ADDR_REQ (or no data) -> T_ADDR_ACK */
#define TI_CAPABILITY  (TIMOD | 150) /**< T_CAPABILITY_REQ -> T_CAPABILITY_ACK */
/**@}*/

/** @name ti_sync_req tsr_flags. */
/**@{*/
#define TSRF_INFO_REQ          0x1 /**< fill in the T_info_ack part */
#define TSRF_IS_EXP_IN_RCVBUF  0x2 /**< report expedited data queued at the stream head */
#define TSRF_QLEN_REQ          0x4 /**< report the connection-indication queue length */
/**@}*/

/** @name ti_sync_ack tsa_flags. */
/**@{*/
#define TSAF_EXP_QUEUED 0x1 /**< expedited data is queued */
/**@}*/

/** TI_SYNC request. */
struct ti_sync_req {
	uint32_t tsr_flags;
};

/** TI_SYNC answer: the T_INFO_ACK fields, then what the library needs to rebuild its state. */
struct ti_sync_ack {
	t_scalar_t PRIM_type;     /**< T_INFO_ACK */
	t_scalar_t TSDU_size;
	t_scalar_t ETSDU_size;
	t_scalar_t CDATA_size;
	t_scalar_t DDATA_size;
	t_scalar_t ADDR_size;
	t_scalar_t OPT_size;
	t_scalar_t TIDU_size;
	t_scalar_t SERV_type;
	t_scalar_t CURRENT_state;
	t_scalar_t PROVIDER_flag;
	uint32_t tsa_qlen;        /**< connection indications queued (0 for connectionless) */
	uint32_t tsa_flags;       /**< TSAF_* */
};

/** Counters of timod over every stream of an lcore (plain increments). */
struct timodstat {
	uint64_t timods_ioctls;       /**< TI_* ioctls turned into requests */
	uint64_t timods_acks;         /**< answered with the expected acknowledgement */
	uint64_t timods_error_acks;   /**< answered with T_ERROR_ACK */
	uint64_t timods_cap_emulated; /**< TI_CAPABILITY answered from T_INFO_ACK */
	uint64_t timods_bad_ioctl;    /**< NAKed: malformed, wrong primitive, unsupported */
	uint64_t timods_stale;        /**< a held ioctl replaced by a newer one (its caller timed out) */
	uint64_t timods_nomem;        /**< NAKed ENOSR: no block for the answer */
} __rte_cache_aligned;

/** Sum of timod's counters over lcores (-1: every lcore) into *out. */
void timodstat_sum(struct timodstat *out, int lcore);

#ifdef __cplusplus
}
#endif
#endif /* YARD_PROTOCOLS_TIMOD_H */
