/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * UDP echo (RFC 862), discard (RFC 863) and a sockperf server over XTI (udp_services.h). This
 * file uses nothing of udp but its name: it is an XTI application, and the example docs/xti.md
 * quotes.
 *
 * Principles of operation
 * -----------------------
 * A service is an endpoint bound to its port on every local address, driven by the events
 * XTI reports (yard_t_set_notify): T_DATA and T_UDERR run svc_pump(), which reads until
 * TNODATA (the events are edge triggered); T_GODATA runs it too, after a send met flow
 * control. Echo takes datagrams in bursts (yard_t_rcvudata_burst) and turns each around with
 * the zero-copy calls: the T_UNITDATA_IND block becomes the T_UNITDATA_REQ (rewritten in
 * place) and the data block received is the one sent, its UDP and IP headers rewritten in the
 * headroom it already has, so the payload is never copied and nothing is allocated. The
 * sockperf server does the same with the messages that ask for a pong, once it has cleared
 * their client flag (in place: a shared buffer is copied first); having changed the data, it
 * does not promise it unchanged (no YARD_T_ASRCVD), so its checksum is summed afresh.
 *
 * The callback runs inside the stream head's put procedure, and a send can make the provider
 * indicate an error up the same stream at once (T_UDERROR_IND), which calls the callback
 * again while the first run is still sending. svc_pump() is therefore not re-entered: a nested
 * call only asks the running one to go round once more (sv_again).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>

#include <rte_byteorder.h>
#include <rte_lcore.h>
#include <rte_telemetry.h>

#include <streams/stream.h>
#include <protocols/udp.h>
#include <protocols/udp_services.h>
#include <protocols/xti/xti.h>

/* Datagrams taken and sent per call: a receive burst's worth. */
#define SVC_BURST 32

struct udp_svc {
	bool sv_used;
	bool sv_in_pump;              /* svc_pump() is running (maybe further up the stack) */
	bool sv_again;                /* an event came while it ran: go round again */
	enum yard_udp_svc_kind sv_kind;
	uint16_t sv_port;
	int sv_fd;
	int sv_sndflags;              /* yard_t_sndudata_burst()'s flags for the replies */
	unsigned sv_npend;            /* replies not sent yet (flow control refused them) */
	uint64_t sv_pend_bytes;       /* their data bytes, all together */
	mblk_t *sv_pend[SVC_BURST];   /* their T_UNITDATA_REQs, in order */
	struct yard_udp_svc_stats *sv_st;
};

static struct udp_svc svc_tab[RTE_MAX_LCORE][YARD_UDP_SVC_MAX];
static struct yard_udp_svc_stats svc_pcpu[RTE_MAX_LCORE][YARD_UDP_SVC__COUNT];

static unsigned
svc_lcore(void)
{
	return yard_sched_self()->sc_lcore;
}

/* The data bytes of a datagram (its T_UNITDATA block's b_cont). */
static inline size_t
svc_dlen(const mblk_t *mp)
{
	const mblk_t *data = mp->b_cont;

	return data == NULL ? 0 : likely(data->b_cont == NULL) ? MBLKL(data) : msgdsize(data);
}

/* Drop the first m pending replies from the vector (sent or dropped). */
static void
svc_pend_shift(struct udp_svc *s, unsigned m)
{
	s->sv_npend -= m;
	if (s->sv_npend == 0)
		return; /* the usual case: the whole burst went */
	memmove(s->sv_pend, s->sv_pend + m, s->sv_npend * sizeof(s->sv_pend[0]));
}

/*
 * Send the pending replies, as bursts. True when all went (or were dropped), false when flow
 * control kept some: they wait for T_GODATA. Echo's data is sent as received (YARD_T_ASRCVD),
 * so udp reuses the checksum it verified on input, and the requests as yard_t_udata_reply()
 * made them (YARD_T_ASREPLY), so their headers are not checked a second time.
 */
static bool
svc_send(struct udp_svc *s)
{
	while (s->sv_npend != 0) {
		int rc = yard_t_sndudata_burst(s->sv_fd, s->sv_pend, s->sv_npend, s->sv_sndflags);

		if (rc > 0) {
			uint64_t left = 0;

			/*
			 * The bytes sent are those pending less those left: the replies
			 * refused are still ours to measure, the ones sent are not, and the
			 * usual case (all went) needs no pass at all.
			 */
			for (unsigned i = (unsigned)rc; i < s->sv_npend; i++)
				left += svc_dlen(s->sv_pend[i]);
			s->sv_st->tx_datagrams += (unsigned)rc;
			s->sv_st->tx_bytes += s->sv_pend_bytes - left;
			s->sv_pend_bytes = left;
			svc_pend_shift(s, (unsigned)rc);
			continue;
		}
		if (t_errno == TFLOW) {
			s->sv_st->tx_flow_waits++;
			return false;
		}
		/* The first cannot go at all (too long for the provider, ...): drop it. */
		s->sv_st->tx_drops++;
		s->sv_pend_bytes -= svc_dlen(s->sv_pend[0]);
		freemsg(s->sv_pend[0]);
		svc_pend_shift(s, 1);
	}
	return true;
}

/* sockperf's message header (udp_services.h): 14 bytes, big-endian; the flags' bits. */
#define SP_HDR_LEN 14
#define SP_F_CLIENT 0x1u
#define SP_F_PONG 0x2u
#define SP_F_WARMUP 0x4u

/*
 * Whether the datagram mp is a sockperf message to answer, made ready to go back: its client
 * flag cleared, in a data block only it refers to (copied first when shared). False when it is
 * to be dropped, counted here.
 */
static bool
svc_sockperf_pong(struct udp_svc *s, mblk_t *mp, size_t len)
{
	mblk_t *data = mp->b_cont;
	const uint8_t *h;
	uint32_t mlen;
	uint16_t flags;

	if (len < SP_HDR_LEN) {
		s->sv_st->rx_malformed++;
		return false;
	}
	if (MBLKL(data) < SP_HDR_LEN && !pullupmsg(data, SP_HDR_LEN)) {
		s->sv_st->tx_drops++; /* no block to pull the header into */
		return false;
	}
	h = data->b_rptr;
	flags = (uint16_t)(h[8] << 8 | h[9]);
	mlen = (uint32_t)h[10] << 24 | (uint32_t)h[11] << 16 | (uint32_t)h[12] << 8 | h[13];
	if (mlen != len) { /* sockperf sends one message per datagram, its length the whole */
		s->sv_st->rx_malformed++;
		return false;
	}
	if ((flags & (SP_F_CLIENT | SP_F_PONG | SP_F_WARMUP)) != (SP_F_CLIENT | SP_F_PONG)) {
		s->sv_st->rx_no_reply++; /* as sockperf's server: warm-up, no pong, a server's */
		return false;
	}
	if (DB_REF(data) != 1) {
		mblk_t *nb = copyb(data);

		if (nb == NULL) {
			s->sv_st->tx_drops++;
			return false;
		}
		nb->b_cont = data->b_cont;
		data->b_cont = NULL;
		freeb(data);
		mp->b_cont = data = nb;
	}
	data->b_rptr[9] &= (uint8_t)~SP_F_CLIENT; /* the flags' low byte */
	return true;
}

/*
 * Count a burst in and queue its replies (echo, sockperf) or free it (discard, and what cannot
 * be answered: no sockaddr_in to answer to, a sockperf message that asks for no pong). The burst was received in place, at the end of
 * the pending vector (empty: svc_drain() reads only once all was sent), so the replies are
 * already where they wait; only a drop closes the gap it leaves. The counters are added once
 * per burst.
 */
static void
svc_turn(struct udp_svc *s, unsigned n)
{
	mblk_t **v = s->sv_pend + s->sv_npend, *drop[SVC_BURST];
	unsigned ndrop = 0;
	uint64_t bytes = 0, dbytes = 0;

	if (s->sv_kind == YARD_UDP_SVC_DISCARD) {
		for (unsigned i = 0; i < n; i++)
			bytes += svc_dlen(v[i]);
		freemsg_burst(v, n);
		s->sv_st->rx_datagrams += n;
		s->sv_st->rx_bytes += bytes;
		return;
	}
	for (unsigned i = 0; i < n; i++) {
		mblk_t *mp = v[i];
		size_t len = svc_dlen(mp);

		bytes += len;
		if (s->sv_kind == YARD_UDP_SVC_SOCKPERF && !svc_sockperf_pong(s, mp, len)) {
			drop[ndrop++] = mp;
			dbytes += len;
			v[i] = NULL;
			continue;
		}
		/*
		 * yard_t_udata_reply() checks the indication whole and, when it succeeds, leaves
		 * a well-formed request in its place, so its address length is read from there
		 * rather than proved a second time by yard_t_udata_addr() (the same checks on the
		 * same bytes, with nothing in between): a block that is not a sockaddr_in is
		 * dropped after the turn instead of before, to the same effect.
		 */
		if (yard_t_udata_reply(mp) < 0 ||
		    ((const struct T_unitdata_req *)mp->b_rptr)->DEST_length !=
			    (t_scalar_t)sizeof(struct sockaddr_in)) {
			drop[ndrop++] = mp;
			dbytes += len;
			v[i] = NULL;
		}
	}
	if (ndrop != 0) {
		unsigned k = 0;

		for (unsigned i = 0; i < n; i++)
			if (v[i] != NULL)
				v[k++] = v[i];
		freemsg_burst(drop, ndrop);
	}
	s->sv_npend += n - ndrop;
	s->sv_pend_bytes += bytes - dbytes; /* what is not dropped waits to be sent */
	s->sv_st->rx_datagrams += n;
	s->sv_st->rx_bytes += bytes;
}

/*
 * Read bursts until TNODATA. Echo turns each T_UNITDATA_IND around in place into the
 * T_UNITDATA_REQ back to its sender (yard_t_udata_reply) with the same data block, so nothing
 * is allocated or copied per datagram.
 */
static void
svc_drain(struct udp_svc *s)
{
	if (!svc_send(s))
		return; /* still refused: wait for T_GODATA again */
	for (;;) {
		/* All sent (svc_send): the pending vector is empty and takes the burst. */
		int n = yard_t_rcvudata_burst(s->sv_fd, s->sv_pend, SVC_BURST);

		if (n < 0) {
			if (t_errno == TLOOK) {
				(void)t_rcvuderr(s->sv_fd, NULL);
				s->sv_st->uderrs++;
				continue;
			}
			return; /* TNODATA: all read */
		}
		svc_turn(s, (unsigned)n);
		if (!svc_send(s))
			return;
	}
}

static void
svc_pump(struct udp_svc *s)
{
	if (s->sv_in_pump) {
		s->sv_again = true;
		return;
	}
	s->sv_in_pump = true;
	do {
		s->sv_again = false;
		svc_drain(s);
	} while (s->sv_again && s->sv_used);
	s->sv_in_pump = false;
}

static void
svc_notify(int fd, int events, void *arg)
{
	struct udp_svc *s = arg;

	(void)fd;
	(void)events;
	svc_pump(s);
}

static int
svc_start(uint16_t port, enum yard_udp_svc_kind kind)
{
	unsigned lc = svc_lcore();
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = rte_cpu_to_be_16(port),
		.sin_addr.s_addr = 0,
	};
	struct t_bind req = { .addr = { .maxlen = sizeof(sin), .len = sizeof(sin), .buf = &sin } };
	struct udp_svc *s = NULL;
	int fd, rc;

	if (port == 0)
		return -EINVAL;
	for (unsigned i = 0; i < YARD_UDP_SVC_MAX; i++) {
		if (svc_tab[lc][i].sv_used && svc_tab[lc][i].sv_port == port)
			return -EADDRINUSE;
		if (!svc_tab[lc][i].sv_used && s == NULL)
			s = &svc_tab[lc][i];
	}
	if (s == NULL)
		return -ENOSPC;
	fd = t_open(UDP_DRVNAME, O_RDWR | O_NONBLOCK, NULL);
	if (fd < 0)
		return yard_t_errno(t_errno);
	if (t_bind(fd, &req, NULL) < 0) {
		rc = yard_t_errno(t_errno);
		(void)t_close(fd);
		return rc;
	}
	memset(s, 0, sizeof(*s));
	s->sv_used = true;
	s->sv_kind = kind;
	s->sv_port = port;
	s->sv_fd = fd;
	s->sv_st = &svc_pcpu[lc][kind];
	/* Echo sends the data as it came; sockperf changed a flag in it. */
	s->sv_sndflags = YARD_T_ASREPLY | (kind == YARD_UDP_SVC_ECHO ? YARD_T_ASRCVD : 0);
	if (yard_t_set_notify(fd, T_DATA | T_UDERR | T_GODATA, svc_notify, s) < 0) {
		rc = yard_t_errno(t_errno);
		(void)t_close(fd);
		s->sv_used = false;
		return rc;
	}
	svc_pump(s); /* whatever arrived between the bind and now */
	return 0;
}

int
yard_udp_echo_start(uint16_t port)
{
	return svc_start(port, YARD_UDP_SVC_ECHO);
}

int
yard_udp_discard_start(uint16_t port)
{
	return svc_start(port, YARD_UDP_SVC_DISCARD);
}

int
yard_udp_sockperf_start(uint16_t port)
{
	return svc_start(port, YARD_UDP_SVC_SOCKPERF);
}

static void
svc_stop(struct udp_svc *s)
{
	(void)yard_t_set_notify(s->sv_fd, 0, NULL, NULL);
	freemsg_burst(s->sv_pend, s->sv_npend);
	s->sv_npend = 0;
	s->sv_pend_bytes = 0;
	(void)t_close(s->sv_fd);
	s->sv_used = false;
}

int
yard_udp_service_stop(uint16_t port)
{
	unsigned lc = svc_lcore();

	for (unsigned i = 0; i < YARD_UDP_SVC_MAX; i++) {
		if (svc_tab[lc][i].sv_used && svc_tab[lc][i].sv_port == port) {
			svc_stop(&svc_tab[lc][i]);
			return 0;
		}
	}
	return -ENOENT;
}

void
yard_udp_services_stop_all(void)
{
	unsigned lc = svc_lcore();

	for (unsigned i = 0; i < YARD_UDP_SVC_MAX; i++)
		if (svc_tab[lc][i].sv_used)
			svc_stop(&svc_tab[lc][i]);
}

int
yard_udp_service_fd(uint16_t port)
{
	unsigned lc = svc_lcore();

	for (unsigned i = 0; i < YARD_UDP_SVC_MAX; i++)
		if (svc_tab[lc][i].sv_used && svc_tab[lc][i].sv_port == port)
			return svc_tab[lc][i].sv_fd;
	return -1;
}

/* Negotiate one membership option of len value bytes on the service's endpoint. */
static int
svc_mship(uint16_t port, t_uscalar_t name, const void *val, size_t len)
{
	struct {
		struct t_opthdr oh;
		uint8_t v[sizeof(struct t_ip_mreq_source)];
	} in = { .oh = { .len = (t_uscalar_t)(sizeof(in.oh) + len), .level = T_INET_IP,
			 .name = name } }, out;
	struct t_optmgmt req = { .opt = { .maxlen = in.oh.len, .len = in.oh.len, .buf = &in },
				 .flags = T_NEGOTIATE };
	struct t_optmgmt ret = { .opt = { .maxlen = sizeof(out), .buf = &out } };
	int fd = yard_udp_service_fd(port);

	memcpy(in.v, val, len);
	if (fd < 0)
		return -ENOENT;
	if (t_optmgmt(fd, &req, &ret) < 0)
		return yard_t_errno(t_errno);
	if (ret.opt.len < sizeof(out.oh) || out.oh.status != T_SUCCESS)
		return -EINVAL;
	return 0;
}

int
yard_udp_service_join(uint16_t port, uint32_t group)
{
	struct t_ip_mreq mr = { .imr_multiaddr = group, .imr_interface = 0 };

	return svc_mship(port, T_IP_ADD_MEMBERSHIP, &mr, sizeof(mr));
}

int
yard_udp_service_join_source(uint16_t port, uint32_t group, uint32_t source)
{
	struct t_ip_mreq_source mr = { .imr_multiaddr = group, .imr_sourceaddr = source };

	return svc_mship(port, T_IP_ADD_SOURCE_MEMBERSHIP, &mr, sizeof(mr));
}

/* ---- counters ----------------------------------------------------------------------------- */

void
yard_udp_svc_stats_sum(enum yard_udp_svc_kind kind, int lcore, struct yard_udp_svc_stats *out)
{
	memset(out, 0, sizeof(*out));
	if ((unsigned)kind >= YARD_UDP_SVC__COUNT)
		return;
	for (int lc = 0; lc < RTE_MAX_LCORE; lc++) {
		const volatile struct yard_udp_svc_stats *s = &svc_pcpu[lc][kind];

		if (lcore >= 0 && lc != lcore)
			continue;
		out->rx_datagrams += s->rx_datagrams;
		out->rx_bytes += s->rx_bytes;
		out->tx_datagrams += s->tx_datagrams;
		out->tx_bytes += s->tx_bytes;
		out->tx_flow_waits += s->tx_flow_waits;
		out->tx_drops += s->tx_drops;
		out->uderrs += s->uderrs;
		out->rx_malformed += s->rx_malformed;
		out->rx_no_reply += s->rx_no_reply;
	}
}

int
yard_udp_svc_tel_fill_kind(struct rte_tel_data *d, enum yard_udp_svc_kind kind, int lcore)
{
	struct yard_udp_svc_stats st;
	int rc;

	yard_udp_svc_stats_sum(kind, lcore, &st);
	rc = rte_tel_data_start_dict(d);
	if (rc == 0)
		rc = rte_tel_data_add_dict_u64(d, "rx_datagrams", st.rx_datagrams);
	if (rc == 0)
		rc = rte_tel_data_add_dict_u64(d, "rx_bytes", st.rx_bytes);
	if (rc == 0)
		rc = rte_tel_data_add_dict_u64(d, "tx_datagrams", st.tx_datagrams);
	if (rc == 0)
		rc = rte_tel_data_add_dict_u64(d, "tx_bytes", st.tx_bytes);
	if (rc == 0)
		rc = rte_tel_data_add_dict_u64(d, "tx_flow_waits", st.tx_flow_waits);
	if (rc == 0)
		rc = rte_tel_data_add_dict_u64(d, "tx_drops", st.tx_drops);
	if (rc == 0)
		rc = rte_tel_data_add_dict_u64(d, "uderrs", st.uderrs);
	if (rc == 0)
		rc = rte_tel_data_add_dict_u64(d, "rx_malformed", st.rx_malformed);
	if (rc == 0)
		rc = rte_tel_data_add_dict_u64(d, "rx_no_reply", st.rx_no_reply);
	return rc;
}

int
yard_udp_svc_tel_fill(struct rte_tel_data *d, int lcore)
{
	static const char *const names[YARD_UDP_SVC__COUNT] = { "echo", "discard", "sockperf" };
	int rc = rte_tel_data_start_dict(d);

	for (int k = 0; rc == 0 && k < YARD_UDP_SVC__COUNT; k++) {
		struct rte_tel_data *c = rte_tel_data_alloc();

		if (c == NULL)
			return -ENOMEM;
		rc = yard_udp_svc_tel_fill_kind(c, (enum yard_udp_svc_kind)k, lcore);
		if (rc == 0)
			rc = rte_tel_data_add_dict_container(d, names[k], c, 0);
		if (rc != 0)
			rte_tel_data_free(c);
	}
	return rc;
}

int
yard_udp_svc_tel_cmd(const char *cmd, const char *params, struct rte_tel_data *d)
{
	char *end;
	long lc;

	(void)cmd;
	if (params == NULL || *params == '\0')
		return yard_udp_svc_tel_fill(d, -1);
	lc = strtol(params, &end, 10);
	if (end == params || *end != '\0' || lc < 0 || lc >= RTE_MAX_LCORE)
		return -EINVAL;
	return yard_udp_svc_tel_fill(d, (int)lc);
}
