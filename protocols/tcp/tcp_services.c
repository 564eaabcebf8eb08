/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP echo, discard and the HTTP responder over XTI (tcp_services.h). Like udp_services.c,
 * this file uses nothing of tcp but its name: it is an XTI application.
 *
 * Principles of operation
 * -----------------------
 * A service is a listener (qlen YARD_TCP_SVC_BACKLOG) driven by T_LISTEN: svc_accept_all()
 * takes every indication (t_listen) and accepts each on an endpoint it opens for it
 * (t_open + t_accept; tcp needs no address on the acceptor). A connection (struct tsc_conn)
 * is driven by its own events: T_DATA, T_ORDREL, T_DISCONNECT and T_GODATA all run
 * conn_pump(), which reads until TNODATA or TLOOK (the events are edge triggered) and is not
 * re-entered (a nested event asks the running pump to go round again, as in udp_services).
 *
 * Flow control: a send refused with TFLOW keeps what was refused (echo: the message; HTTP:
 * the rest of the answer) and the pump stops reading, so the stream head fills and tcp closes
 * the window; T_GODATA resumes. HTTP parses the next request only when the previous answer is
 * all sent, which answers pipelined requests in order with no queue of answers.
 *
 * Ending: after the peer's orderly release (t_rcvrel) the service sends its own (t_sndrel)
 * once its output is out, and the connection is over (T_IDLE); after a disconnection
 * (t_rcvdis) at once. An HTTP answer that closes sends t_sndrel and waits for the peer's. An
 * endpoint is never closed inside its own callback (xti.h): conn_end() puts it on the lcore's
 * close list and tsc_poll(), a poll hook, closes it at the top of the loop when no service
 * callback is running further up the stack (tsc_depth).
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <netinet/in.h>

#include <rte_byteorder.h>
#include <rte_lcore.h>
#include <rte_telemetry.h>

#include <streams/stream.h>
#include <protocols/tcp.h>
#include <protocols/tcp_services.h>
#include <protocols/xti/xti.h>

#define HTTP_REQ_MAX 8192       /* a request's header block */
#define HTTP_OUT_MAX 8192       /* answers built at once (headers and small bodies) */
#define HTTP_CHUNK   16384      /* body bytes per send of a large body */
#define HTTP_N_MAX   (UINT64_C(1) << 40)
/*
 * How long a connection waits for the peer's release once it has released (nginx's
 * lingering_timeout): then the endpoint is closed and tcp finishes the connection as an
 * orphan, within [tcp] max_orphans and orphan_retries. Without it a peer that never answers
 * our FIN kept a connection slot and its unacknowledged answer for the whole retransmission
 * timeout (minutes), and YARD_TCP_SVC_CONN_MAX of those could hold a small pool's blocks.
 */
#define TSC_LINGER_MS 5000

struct tsc_svc;

struct tsc_conn {
	struct tsc_conn *c_next;      /* the lcore's list of connections */
	struct tsc_conn *c_close_next;/* the close list */
	struct tsc_svc *c_svc;
	int c_fd;
	bool c_in_pump, c_again;
	bool c_ending;                /* on the close list */
	bool c_peer_rel;              /* the peer released (t_rcvrel done) */
	bool c_rel_sent;              /* we released (t_sndrel done) */
	uint64_t c_linger_due;        /* released, waiting for the peer: closed then (TSC), or 0 */
	bool c_close_after;           /* HTTP: release once the answer is out */
	bool c_http10;                /* HTTP: the request was HTTP/1.0 */
	mblk_t *c_pend;               /* echo: a message flow control refused */
	/* HTTP */
	size_t c_reqlen;
	size_t c_outlen, c_outoff;    /* c_out[c_outoff, c_outlen) waits to go */
	uint64_t c_body_left;         /* pattern body bytes still to send after c_out */
	uint64_t c_body_off;
	/* HTTP's buffers, HTTP_REQ_MAX then HTTP_OUT_MAX bytes (conn_new()); NULL otherwise */
	char *c_req;
	char *c_out;
};

struct tsc_svc {
	bool sv_used;
	enum yard_tcp_svc_kind sv_kind;
	uint16_t sv_port;
	int sv_fd;
	char *sv_body;                /* HTTP: the body of "/" */
	size_t sv_bodylen;
	struct yard_tcp_svc_stats *sv_st;
};

struct tsc_lcore {
	struct tsc_svc l_svc[YARD_TCP_SVC_MAX];
	struct tsc_conn *l_conns;
	struct tsc_conn *l_close;
	unsigned l_nconns;
	unsigned l_depth;             /* service callbacks running on the stack */
	bool l_hooked;
	struct yard_sched *l_sched;   /* whose pass clock the hook reads */
	unsigned l_nlinger;           /* connections with c_linger_due */
	uint64_t l_linger_due;        /* no c_linger_due is earlier (TSC) */
};

static struct tsc_lcore tsc_lc[RTE_MAX_LCORE];
static struct yard_tcp_svc_stats tsc_pcpu[RTE_MAX_LCORE][YARD_TCP_SVC__COUNT];

static const char tsc_alpha[] = "abcdefghijklmnopqrstuvwxyz";
static char tsc_pattern[HTTP_CHUNK + 26];

static struct tsc_lcore *
tsc_self(void)
{
	return &tsc_lc[yard_sched_self()->sc_lcore];
}

/* ---- ending connections ------------------------------------------------------------------- */

/* c no longer waits for the peer's release (it came, or c ends). */
static void
conn_unlinger(struct tsc_lcore *l, struct tsc_conn *c)
{
	if (c->c_linger_due != 0) {
		c->c_linger_due = 0;
		l->l_nlinger--;
	}
}

static void
conn_end(struct tsc_conn *c)
{
	struct tsc_lcore *l = tsc_self();

	if (c->c_ending)
		return;
	c->c_ending = true;
	conn_unlinger(l, c);
	(void)yard_t_set_notify(c->c_fd, 0, NULL, NULL);
	c->c_close_next = l->l_close;
	l->l_close = c;
}

/*
 * A connection's state for service s, zeroed but for HTTP's buffers: those are 16 KiB that
 * only HTTP uses and that are read only as far as written, so they are neither allocated for
 * the other services nor cleared (a calloc of them was most of what an echo connection cost).
 */
static struct tsc_conn *
conn_new(const struct tsc_svc *s)
{
	struct tsc_conn *c = calloc(1, sizeof(*c));

	if (c != NULL && s->sv_kind == YARD_TCP_SVC_HTTP) {
		c->c_req = malloc(HTTP_REQ_MAX + HTTP_OUT_MAX);
		if (c->c_req == NULL) {
			free(c);
			return NULL;
		}
		c->c_out = c->c_req + HTTP_REQ_MAX;
	}
	return c;
}

static void
conn_del(struct tsc_conn *c)
{
	if (c != NULL)
		free(c->c_req);
	free(c);
}

static void
conn_free(struct tsc_lcore *l, struct tsc_conn *c)
{
	struct tsc_conn **pp;

	for (pp = &l->l_conns; *pp != NULL; pp = &(*pp)->c_next) {
		if (*pp == c) {
			*pp = c->c_next;
			break;
		}
	}
	freemsg(c->c_pend);
	(void)t_close(c->c_fd);
	c->c_svc->sv_st->closed++;
	l->l_nconns--;
	conn_del(c);
}

/* Close what ended (behind tsc_poll()'s check). */
static __rte_noinline unsigned
tsc_close_all(struct tsc_lcore *l)
{
	unsigned n = 0;

	while (l->l_close != NULL) {
		struct tsc_conn *c = l->l_close;

		l->l_close = c->c_close_next;
		conn_free(l, c);
		n++;
	}
	return n;
}

/* End the connections whose wait for the peer's release is over; find the next deadline. */
static __rte_noinline void
tsc_linger_walk(struct tsc_lcore *l, uint64_t now)
{
	uint64_t next = UINT64_MAX;

	for (struct tsc_conn *c = l->l_conns; c != NULL; c = c->c_next) {
		if (c->c_linger_due == 0)
			continue;
		if (c->c_linger_due <= now) {
			c->c_svc->sv_st->lingered++;
			conn_end(c); /* tcp finishes it as an orphan */
		} else if (c->c_linger_due < next) {
			next = c->c_linger_due;
		}
	}
	l->l_linger_due = next;
}

/* The poll hook: most passes have nothing to close and no wait over: three loads. */
static unsigned
tsc_poll(void *arg)
{
	struct tsc_lcore *l = arg;

	if (l->l_depth > 0)
		return 0;
	if (l->l_nlinger > 0 && l->l_sched->sc_now >= l->l_linger_due)
		tsc_linger_walk(l, l->l_sched->sc_now);
	if (l->l_close == NULL)
		return 0;
	return tsc_close_all(l);
}

/* ---- echo and discard --------------------------------------------------------------------- */

/* Send mp back; false if flow control kept it (c_pend). */
static bool
echo_send(struct tsc_conn *c, mblk_t *mp)
{
	struct yard_tcp_svc_stats *st = c->c_svc->sv_st;
	int n = yard_t_snd_mblk(c->c_fd, mp, 0);

	if (n >= 0) {
		st->tx_bytes += (uint64_t)n;
		return true;
	}
	if (t_errno == TFLOW) {
		c->c_pend = mp;
		st->tx_flow_waits++;
		return false;
	}
	st->tx_drops++;
	freemsg(mp);
	return true;
}

/* ---- HTTP --------------------------------------------------------------------------------- */

static void
http_answer(struct tsc_conn *c, int status, bool head, const char *body, uint64_t blen,
	    bool pattern)
{
	struct yard_tcp_svc_stats *st = c->c_svc->sv_st;
	const char *reason = status == 200 ? "OK" : status == 404 ? "Not Found" :
			     status == 405 ? "Method Not Allowed" : "Bad Request";
	size_t room = HTTP_OUT_MAX - c->c_outlen;
	int n;

	n = snprintf(c->c_out + c->c_outlen, room,
		     "HTTP/1.1 %d %s\r\nServer: yard\r\nContent-Type: text/plain\r\n"
		     "Content-Length: %" PRIu64 "\r\n%s%s\r\n",
		     status, reason, blen, status == 405 ? "Allow: GET, HEAD\r\n" : "",
		     c->c_close_after ? "Connection: close\r\n" :
		     c->c_http10 ? "Connection: keep-alive\r\n" : "");
	if (n < 0 || (size_t)n >= room)
		n = 0; /* cannot happen: the caller left room for headers */
	c->c_outlen += (size_t)n;
	st->http_requests++;
	if (status == 200)
		st->http_2xx++;
	else
		st->http_4xx++;
	if (head || blen == 0)
		return;
	if (!pattern) {
		size_t k = RTE_MIN((size_t)blen, HTTP_OUT_MAX - c->c_outlen);

		memcpy(c->c_out + c->c_outlen, body, k);
		c->c_outlen += k;
		/* the static body is short (it fits with its headers, see yard_http_start) */
		return;
	}
	/* the first bytes of the pattern go with the headers; the rest is streamed */
	{
		size_t k = (size_t)RTE_MIN(blen, (uint64_t)(HTTP_OUT_MAX - c->c_outlen));

		memcpy(c->c_out + c->c_outlen, tsc_pattern, k);
		c->c_outlen += k;
		c->c_body_left = blen - k;
		c->c_body_off = k;
	}
}

/* The value of header name in [p, end) (case-insensitive), NULL if absent; *vlen its length. */
static const char *
http_header(const char *p, const char *end, const char *name, size_t *vlen)
{
	size_t nl = strlen(name);

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));

		if (eol == NULL)
			eol = end;
		if ((size_t)(eol - p) > nl && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			const char *v = p + nl + 1, *ve = eol;

			while (v < ve && (*v == ' ' || *v == '\t'))
				v++;
			while (ve > v && (ve[-1] == '\r' || ve[-1] == ' ' || ve[-1] == '\t'))
				ve--;
			*vlen = (size_t)(ve - v);
			return v;
		}
		p = eol + 1;
	}
	return NULL;
}

static bool
http_has_token(const char *v, size_t vlen, const char *tok)
{
	size_t tl = strlen(tok);

	for (size_t i = 0; v != NULL && i + tl <= vlen; i++)
		if (strncasecmp(v + i, tok, tl) == 0)
			return true;
	return false;
}

/*
 * Answer the request of hlen bytes (header block, blank line included) at c_req. Returns
 * false for a malformed one (answered 400, the connection to close).
 */
static bool
http_request(struct tsc_conn *c, size_t hlen)
{
	struct tsc_svc *s = c->c_svc;
	const char *req = c->c_req, *end = req + hlen;
	const char *sp1, *sp2, *eol, *v;
	bool head = false, get = false, http10;
	size_t vlen, mlen, tlen;

	eol = memchr(req, '\n', hlen);
	sp1 = memchr(req, ' ', (size_t)(eol - req));
	sp2 = sp1 != NULL ? memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1)) : NULL;
	if (sp1 == NULL || sp2 == NULL || sp1 == req || sp2 == sp1 + 1 || sp1[1] != '/')
		goto bad;
	mlen = (size_t)(sp1 - req);
	tlen = (size_t)(sp2 - sp1 - 1);
	if (strncmp(sp2 + 1, "HTTP/1.1", 8) == 0)
		http10 = false;
	else if (strncmp(sp2 + 1, "HTTP/1.0", 8) == 0)
		http10 = true;
	else
		goto bad;
	if (sp2 + 9 != eol && !(sp2 + 10 == eol && sp2[9] == '\r'))
		goto bad;
	if (http_header(eol + 1, end, "Transfer-Encoding", &vlen) != NULL)
		goto bad;
	v = http_header(eol + 1, end, "Content-Length", &vlen);
	if (v != NULL && !(vlen == 1 && v[0] == '0'))
		goto bad; /* requests with a body are not served */
	v = http_header(eol + 1, end, "Connection", &vlen);
	/* HTTP/1.0 keeps the connection only when asked, and the answer must say it did. */
	c->c_http10 = http10;
	if (http10)
		c->c_close_after = !http_has_token(v, vlen, "keep-alive");
	else
		c->c_close_after = http_has_token(v, vlen, "close");
	if (mlen == 3 && memcmp(req, "GET", 3) == 0)
		get = true;
	else if (mlen == 4 && memcmp(req, "HEAD", 4) == 0)
		head = true;
	if (!get && !head) {
		http_answer(c, 405, false, NULL, 0, false);
		return true;
	}
	if (tlen == 1) {
		http_answer(c, 200, head, s->sv_body, s->sv_bodylen, false);
		return true;
	}
	{
		uint64_t n = 0;
		size_t i;

		for (i = 1; i < tlen && isdigit((unsigned char)sp1[1 + i]) && n <= HTTP_N_MAX; i++)
			n = n * 10 + (uint64_t)(sp1[1 + i] - '0');
		if (i != tlen || n > HTTP_N_MAX) {
			http_answer(c, 404, head, NULL, 0, false);
			return true;
		}
		http_answer(c, 200, head, NULL, n, true);
	}
	return true;
bad:
	c->c_close_after = true;
	s->sv_st->http_bad++;
	http_answer(c, 400, false, NULL, 0, false);
	return false;
}

/* Send what waits. true when all is out, false on flow control (or failure: ending). */
static bool
http_flush(struct tsc_conn *c)
{
	struct yard_tcp_svc_stats *st = c->c_svc->sv_st;

	for (;;) {
		const char *p;
		size_t len;
		int n;

		if (c->c_outoff < c->c_outlen) {
			p = c->c_out + c->c_outoff;
			len = c->c_outlen - c->c_outoff;
		} else if (c->c_body_left > 0) {
			p = tsc_pattern + c->c_body_off % 26;
			len = (size_t)RTE_MIN(c->c_body_left, (uint64_t)HTTP_CHUNK);
		} else {
			c->c_outoff = c->c_outlen = 0;
			return true;
		}
		n = t_snd(c->c_fd, (void *)(uintptr_t)p, (unsigned)len, 0);
		if (n < 0) {
			if (t_errno == TFLOW) {
				st->tx_flow_waits++;
				return false;
			}
			st->tx_drops++;
			conn_end(c);
			return false;
		}
		st->tx_bytes += (uint64_t)n;
		if (c->c_outoff < c->c_outlen) {
			c->c_outoff += (size_t)n;
		} else {
			c->c_body_left -= (uint64_t)n;
			c->c_body_off += (uint64_t)n;
		}
		if ((size_t)n < len) {
			st->tx_flow_waits++;
			return false; /* the rest met flow control: T_GODATA resumes */
		}
	}
}

/* Answer every whole request buffered (while no answer is pending). */
static void
http_serve(struct tsc_conn *c)
{
	/* room for the headers and the static body of "/" (short: see svc_start) */
	while (c->c_reqlen > 0 && !c->c_close_after && c->c_body_left == 0 &&
	       HTTP_OUT_MAX - c->c_outlen >= 512 + c->c_svc->sv_bodylen) {
		char *e = NULL;
		size_t hlen;

		for (size_t i = 0; i + 3 < c->c_reqlen; i++) {
			if (memcmp(c->c_req + i, "\r\n\r\n", 4) == 0) {
				e = c->c_req + i + 4;
				break;
			}
		}
		if (e == NULL) {
			if (c->c_reqlen == HTTP_REQ_MAX) {
				c->c_svc->sv_st->http_bad++;
				c->c_close_after = true;
				http_answer(c, 400, false, NULL, 0, false);
				c->c_reqlen = 0;
			}
			return;
		}
		hlen = (size_t)(e - c->c_req);
		(void)http_request(c, hlen);
		memmove(c->c_req, e, c->c_reqlen - hlen);
		c->c_reqlen -= hlen;
	}
}

/* ---- a connection's events ---------------------------------------------------------------- */

/* The next event is not data: orderly release or disconnection. false when the conn ends. */
static bool
conn_look(struct tsc_conn *c)
{
	int ev = t_look(c->c_fd);

	if (ev == T_ORDREL && t_rcvrel(c->c_fd) == 0) {
		c->c_peer_rel = true;
		conn_unlinger(tsc_self(), c);
		return true;
	}
	if (ev == T_DISCONNECT)
		(void)t_rcvdis(c->c_fd, NULL);
	c->c_svc->sv_st->resets++;
	conn_end(c);
	return false;
}

/* Our side is done: release once, and end if the peer has released too. */
static void
conn_release(struct tsc_conn *c)
{
	if (!c->c_rel_sent) {
		if (t_sndrel(c->c_fd) < 0) {
			if (t_errno == TFLOW)
				return; /* T_GODATA brings us back */
			conn_end(c);
			return;
		}
		c->c_rel_sent = true;
		if (!c->c_peer_rel) {
			struct tsc_lcore *l = tsc_self();

			c->c_linger_due = rte_get_timer_cycles() +
					  TSC_LINGER_MS * rte_get_timer_hz() / 1000;
			if (l->l_nlinger++ == 0 || c->c_linger_due < l->l_linger_due)
				l->l_linger_due = c->c_linger_due;
		}
	}
	if (c->c_peer_rel)
		conn_end(c);
}

static void
conn_drain_echo(struct tsc_conn *c)
{
	struct yard_tcp_svc_stats *st = c->c_svc->sv_st;
	bool echo = c->c_svc->sv_kind == YARD_TCP_SVC_ECHO;

	if (c->c_pend != NULL) {
		mblk_t *mp = c->c_pend;

		c->c_pend = NULL;
		if (!echo_send(c, mp))
			return;
	}
	while (!c->c_peer_rel) {
		mblk_t *mp;
		int fl, n = yard_t_rcv_mblk(c->c_fd, &mp, &fl);

		if (n < 0) {
			if (t_errno == TLOOK && conn_look(c))
				continue;
			if (t_errno == TNODATA)
				return;
			if (t_errno != TLOOK) {
				st->resets++;
				conn_end(c);
			}
			return;
		}
		st->rx_bytes += (uint64_t)n;
		if (mp == NULL)
			continue;
		if (!echo) {
			freemsg(mp);
			continue;
		}
		if (!echo_send(c, mp))
			return; /* flow control: stop reading until T_GODATA */
	}
	conn_release(c);
}

static void
conn_drain_http(struct tsc_conn *c)
{
	struct yard_tcp_svc_stats *st = c->c_svc->sv_st;

	for (;;) {
		int fl, n;

		if (!http_flush(c))
			return;
		http_serve(c);
		if (c->c_outlen > 0 || c->c_body_left > 0)
			continue; /* send what the requests produced */
		if (c->c_close_after || c->c_peer_rel) {
			conn_release(c);
			if (c->c_ending || c->c_peer_rel)
				return;
		}
		if (c->c_reqlen == HTTP_REQ_MAX)
			return; /* cannot happen: http_serve answered 400 */
		n = t_rcv(c->c_fd, c->c_req + c->c_reqlen, (unsigned)(HTTP_REQ_MAX - c->c_reqlen),
			  &fl);
		if (n < 0) {
			if (t_errno == TLOOK && conn_look(c))
				continue;
			if (t_errno != TNODATA && t_errno != TLOOK) {
				st->resets++;
				conn_end(c);
			}
			return;
		}
		st->rx_bytes += (uint64_t)n;
		if (c->c_close_after) {
			c->c_reqlen = 0; /* closing: what follows is ignored */
			continue;
		}
		c->c_reqlen += (size_t)n;
	}
}

static void
conn_pump(struct tsc_conn *c)
{
	struct tsc_lcore *l = tsc_self();

	if (c->c_in_pump) {
		c->c_again = true;
		return;
	}
	c->c_in_pump = true;
	l->l_depth++;
	do {
		c->c_again = false;
		if (c->c_svc->sv_kind == YARD_TCP_SVC_HTTP)
			conn_drain_http(c);
		else
			conn_drain_echo(c);
	} while (c->c_again && !c->c_ending);
	l->l_depth--;
	c->c_in_pump = false;
}

static void
conn_notify(int fd, int events, void *arg)
{
	(void)fd;
	(void)events;
	conn_pump(arg);
}

/* ---- listeners ---------------------------------------------------------------------------- */

static void
svc_accept_one(struct tsc_svc *s, struct t_call *call)
{
	struct tsc_lcore *l = tsc_self();
	struct tsc_conn *c = NULL;
	int fd = -1;

	if (l->l_nconns < YARD_TCP_SVC_CONN_MAX)
		c = conn_new(s);
	if (c != NULL)
		fd = t_open(TCP_DRVNAME, O_RDWR | O_NONBLOCK, NULL);
	while (fd >= 0 && t_accept(s->sv_fd, fd, call) < 0) {
		struct t_discon dis = { .sequence = -1 };
		int terr = t_errno;

		/*
		 * TLOOK: a disconnection is first on the listener, but not necessarily this
		 * indication's: that of one whose T_CONN_RES met TBADSEQ may sit behind this one's
		 * T_CONN_IND. Take it; only if it names this indication is this one gone, else
		 * accept this one again (giving it up would leave its connection neither
		 * accepted nor refused, for ever).
		 */
		if (terr == TLOOK && t_rcvdis(s->sv_fd, &dis) == 0) {
			s->sv_st->cancelled++;
			if (dis.sequence != call->sequence)
				continue;
		} else if (terr != TBADSEQ) {
			/* Refused here: tell the provider, or the connection waits for ever. */
			(void)t_snddis(s->sv_fd, call);
			s->sv_st->refused++;
		}
		/* TBADSEQ: the peer reset it after t_listen; its T_DISCONNECT comes on the
		 * listener for t_listen (svc_accept_all) or the loop above to take. */
		(void)t_close(fd);
		conn_del(c);
		return;
	}
	if (fd < 0) {
		conn_del(c);
		s->sv_st->refused++;
		(void)t_snddis(s->sv_fd, call);
		return;
	}
	c->c_svc = s;
	c->c_fd = fd;
	c->c_next = l->l_conns;
	l->l_conns = c;
	l->l_nconns++;
	s->sv_st->accepted++;
	(void)yard_t_set_notify(fd, T_DATA | T_ORDREL | T_DISCONNECT | T_GODATA | YARD_T_ERROR,
				conn_notify, c);
	conn_pump(c); /* what arrived with the connection */
}

static void
svc_accept_all(struct tsc_svc *s)
{
	struct tsc_lcore *l = tsc_self();

	l->l_depth++;
	while (s->sv_used) {
		struct sockaddr_in sin;
		struct t_call call = { .addr = { .maxlen = sizeof(sin), .buf = &sin } };

		if (t_listen(s->sv_fd, &call) < 0) {
			if (t_errno == TLOOK && t_rcvdis(s->sv_fd, NULL) == 0) {
				s->sv_st->cancelled++; /* the peer reset it while it waited */
				continue;
			}
			break; /* TNODATA */
		}
		svc_accept_one(s, &call);
	}
	l->l_depth--;
}

static void
svc_notify(int fd, int events, void *arg)
{
	(void)fd;
	(void)events;
	svc_accept_all(arg);
}

static int
svc_start(uint16_t port, enum yard_tcp_svc_kind kind, const char *body)
{
	struct tsc_lcore *l = tsc_self();
	unsigned lc = yard_sched_self()->sc_lcore;
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = rte_cpu_to_be_16(port),
	};
	struct t_bind req = { .addr = { .maxlen = sizeof(sin), .len = sizeof(sin), .buf = &sin },
			      .qlen = YARD_TCP_SVC_BACKLOG };
	struct tsc_svc *s = NULL;
	int fd, rc;

	if (port == 0)
		return -EINVAL;
	if (body != NULL && strlen(body) > HTTP_OUT_MAX - 512)
		return -EINVAL; /* "/" is answered from the connection's output buffer */
	for (unsigned i = 0; i < YARD_TCP_SVC_MAX; i++) {
		if (l->l_svc[i].sv_used && l->l_svc[i].sv_port == port)
			return -EADDRINUSE;
		if (!l->l_svc[i].sv_used && s == NULL)
			s = &l->l_svc[i];
	}
	if (s == NULL)
		return -ENOSPC;
	if (tsc_pattern[0] == 0)
		for (size_t i = 0; i < sizeof(tsc_pattern); i++)
			tsc_pattern[i] = tsc_alpha[i % 26];
	if (!l->l_hooked) {
		rc = yard_sched_add_poll(yard_sched_self(), tsc_poll, l);
		if (rc < 0)
			return rc;
		l->l_hooked = true;
		l->l_sched = yard_sched_self();
	}
	memset(s, 0, sizeof(*s));
	if (kind == YARD_TCP_SVC_HTTP) {
		s->sv_body = strdup(body != NULL ? body : "");
		if (s->sv_body == NULL)
			return -ENOMEM;
		s->sv_bodylen = strlen(s->sv_body);
	}
	fd = t_open(TCP_DRVNAME, O_RDWR | O_NONBLOCK, NULL);
	if (fd < 0) {
		rc = yard_t_errno(t_errno);
		goto fail;
	}
	if (t_bind(fd, &req, NULL) < 0) {
		rc = yard_t_errno(t_errno);
		(void)t_close(fd);
		goto fail;
	}
	s->sv_used = true;
	s->sv_kind = kind;
	s->sv_port = port;
	s->sv_fd = fd;
	s->sv_st = &tsc_pcpu[lc][kind];
	if (yard_t_set_notify(fd, T_LISTEN, svc_notify, s) < 0) {
		rc = yard_t_errno(t_errno);
		(void)t_close(fd);
		s->sv_used = false;
		goto fail;
	}
	svc_accept_all(s);
	return 0;
fail:
	free(s->sv_body);
	s->sv_body = NULL;
	return rc;
}

int
yard_tcp_echo_start(uint16_t port)
{
	return svc_start(port, YARD_TCP_SVC_ECHO, NULL);
}

int
yard_tcp_discard_start(uint16_t port)
{
	return svc_start(port, YARD_TCP_SVC_DISCARD, NULL);
}

int
yard_http_start(uint16_t port, const char *body)
{
	return svc_start(port, YARD_TCP_SVC_HTTP, body);
}

static void
svc_stop(struct tsc_lcore *l, struct tsc_svc *s)
{
	struct tsc_conn *c, *next;

	for (c = l->l_conns; c != NULL; c = next) {
		next = c->c_next;
		if (c->c_svc == s && !c->c_ending)
			conn_end(c);
	}
	(void)tsc_poll(l);
	(void)yard_t_set_notify(s->sv_fd, 0, NULL, NULL);
	(void)t_close(s->sv_fd);
	free(s->sv_body);
	s->sv_body = NULL;
	s->sv_used = false;
}

int
yard_tcp_service_stop(uint16_t port)
{
	struct tsc_lcore *l = tsc_self();

	for (unsigned i = 0; i < YARD_TCP_SVC_MAX; i++) {
		if (l->l_svc[i].sv_used && l->l_svc[i].sv_port == port) {
			svc_stop(l, &l->l_svc[i]);
			return 0;
		}
	}
	return -ENOENT;
}

void
yard_tcp_services_stop_all(void)
{
	struct tsc_lcore *l = tsc_self();

	for (unsigned i = 0; i < YARD_TCP_SVC_MAX; i++)
		if (l->l_svc[i].sv_used)
			svc_stop(l, &l->l_svc[i]);
	(void)tsc_poll(l);
	if (l->l_hooked) {
		(void)yard_sched_del_poll(yard_sched_self(), tsc_poll, l);
		l->l_hooked = false;
	}
}

int
yard_tcp_service_fd(uint16_t port)
{
	struct tsc_lcore *l = tsc_self();

	for (unsigned i = 0; i < YARD_TCP_SVC_MAX; i++)
		if (l->l_svc[i].sv_used && l->l_svc[i].sv_port == port)
			return l->l_svc[i].sv_fd;
	return -1;
}

unsigned
yard_tcp_service_conns(void)
{
	return tsc_self()->l_nconns;
}

/* ---- counters ----------------------------------------------------------------------------- */

#define TSC_FIELDS(X) X(accepted) X(refused) X(cancelled) X(closed) X(resets) X(rx_bytes) X(tx_bytes) \
	X(tx_flow_waits) X(tx_drops) X(lingered) X(http_requests) X(http_2xx) X(http_4xx) \
	X(http_bad)

void
yard_tcp_svc_stats_sum(enum yard_tcp_svc_kind kind, int lcore, struct yard_tcp_svc_stats *out)
{
	memset(out, 0, sizeof(*out));
	if ((unsigned)kind >= YARD_TCP_SVC__COUNT)
		return;
	for (int lc = 0; lc < RTE_MAX_LCORE; lc++) {
		const volatile struct yard_tcp_svc_stats *s = &tsc_pcpu[lc][kind];

		if (lcore >= 0 && lc != lcore)
			continue;
#define TSC_SUM(f) out->f += s->f;
		TSC_FIELDS(TSC_SUM)
#undef TSC_SUM
	}
}

static int
tsc_tel_fill_kind(struct rte_tel_data *d, enum yard_tcp_svc_kind kind, int lcore)
{
	struct yard_tcp_svc_stats st;
	int rc;

	yard_tcp_svc_stats_sum(kind, lcore, &st);
	rc = rte_tel_data_start_dict(d);
#define TSC_TEL(f) if (rc == 0) rc = rte_tel_data_add_dict_u64(d, #f, st.f);
	TSC_FIELDS(TSC_TEL)
#undef TSC_TEL
	return rc;
}

int
yard_tcp_svc_tel_fill(struct rte_tel_data *d, int lcore)
{
	static const char *const names[YARD_TCP_SVC__COUNT] = { "echo", "discard", "http" };
	int rc = rte_tel_data_start_dict(d);

	for (int k = 0; rc == 0 && k < YARD_TCP_SVC__COUNT; k++) {
		struct rte_tel_data *c = rte_tel_data_alloc();

		if (c == NULL)
			return -ENOMEM;
		rc = tsc_tel_fill_kind(c, (enum yard_tcp_svc_kind)k, lcore);
		if (rc == 0)
			rc = rte_tel_data_add_dict_container(d, names[k], c, 0);
		if (rc != 0)
			rte_tel_data_free(c);
	}
	return rc;
}

int
yard_tcp_svc_tel_cmd(const char *cmd, const char *params, struct rte_tel_data *d)
{
	char *end;
	long lc;

	(void)cmd;
	if (params == NULL || *params == '\0')
		return yard_tcp_svc_tel_fill(d, -1);
	lc = strtol(params, &end, 10);
	if (end == params || *end != '\0' || lc < 0 || lc >= RTE_MAX_LCORE)
		return -EINVAL;
	return yard_tcp_svc_tel_fill(d, (int)lc);
}
