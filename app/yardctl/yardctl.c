/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * yardctl: watch and steer a running yard through DPDK telemetry.
 *
 *   yardctl [--file-prefix P | --socket PATH] COMMAND [ARGS]
 *
 * It speaks the telemetry protocol that dpdk-telemetry.py speaks: connect to the SOCK_SEQPACKET
 * socket /var/run/dpdk/<prefix>/dpdk_telemetry.v2, read the JSON greeting, then for each
 * request send the command string and read one JSON reply. JSON is parsed with jansson.
 * docs/yardctl.md describes every command with an example of its output.
 *
 * Exit status: 0 done; 1 yard refused or lacks what was asked (unknown stream, module, lcore,
 * a refused push, no connection table); 2 usage error or yard not reachable.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "yardctl.h"

#define MAX_LCORES 128
#define MAX_DROPS 64

int tel_fd = -1;
static size_t tel_maxlen = 16384;
static char tel_path[512];
static volatile sig_atomic_t stop_watch;

void
die(int status, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "yardctl: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(status);
}

static void
usage(FILE *out)
{
	fprintf(out,
		"usage: yardctl [--file-prefix PREFIX | --socket PATH] COMMAND [ARGS]\n"
		"commands:\n"
		"  stats [--lcore N] [--watch SECS] [--json]  per-lcore rates and counters\n"
		"  streams [--lcore N] [--dot]                 every stream, queue by queue\n"
		"  ports                                       ports: link, packets, errors\n"
		"  arp                                         arp counters\n"
		"  conns [--lcore N] [--tcp] [--udp] [--json]  TCP connections, UDP endpoints\n"
		"  groups [--lcore N] [--json]                 multicast groups joined, by link\n"
		"  neigh [--lcore N] [--port N] [--json]       neighbours: the lcores' arp caches\n"
		"  neigh add ADDR MAC [--port N]               a static neighbour, on every lcore\n"
		"  neigh del ADDR [--port N]                   delete a neighbour, on every lcore\n"
		"  neigh flush [--port N]                      delete the learned neighbours\n"
		"  routes [--lcore N] [--json]                 every lcore's ip routes\n"
		"  routes add DST/PREFIX via ROUTER [--port N] a route, on every lcore\n"
		"  routes del DST/PREFIX                       delete a route, on every lcore\n"
		"  modules                                     registered modules and drivers\n"
		"  push STREAM MODULE [ARGS]                   I_PUSH MODULE on a live stream\n"
		"  pop STREAM MODULE                           I_POP it again\n"
		"--file-prefix defaults to \"yard\" (config/default.ini's); the socket is\n"
		"/var/run/dpdk/PREFIX/dpdk_telemetry.v2. docs/yardctl.md tells more.\n");
}

/* ---- the telemetry socket --------------------------------------------------------------- */

static void
tel_connect(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char *buf;
	json_t *hello;
	ssize_t n;

	if (strlen(tel_path) >= sizeof(sun.sun_path))
		die(EXIT_USAGE, "socket path too long: %s", tel_path);
	strcpy(sun.sun_path, tel_path);
	tel_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (tel_fd < 0)
		die(EXIT_USAGE, "socket: %s", strerror(errno));
	if (connect(tel_fd, (struct sockaddr *)&sun, sizeof(sun)) != 0)
		die(EXIT_USAGE, "yard is not running: cannot connect to %s: %s", tel_path,
		    strerror(errno));
	buf = malloc(65536);
	if (buf == NULL)
		die(EXIT_USAGE, "out of memory");
	n = recv(tel_fd, buf, 65535, 0);
	if (n <= 0)
		die(EXIT_USAGE, "%s: no greeting from yard (%s)", tel_path,
		    n == 0 ? "connection closed" : strerror(errno));
	buf[n] = '\0';
	hello = json_loads(buf, 0, NULL);
	if (hello == NULL)
		die(EXIT_USAGE, "%s: the greeting is not JSON", tel_path);
	if (json_integer_value(json_object_get(hello, "max_output_len")) > 0)
		tel_maxlen = (size_t)json_integer_value(json_object_get(hello, "max_output_len"));
	json_decref(hello);
	free(buf);
}

/* Send cmd, return the value under the command's key (a new reference; NULL if null). */
static json_t *
tel_get(const char *cmd)
{
	char key[128], *buf;
	json_t *reply, *v;
	ssize_t n;

	if (tel_fd < 0)
		tel_connect();
	if (send(tel_fd, cmd, strlen(cmd), 0) < 0)
		die(EXIT_USAGE, "%s: send: %s", tel_path, strerror(errno));
	buf = malloc(tel_maxlen + 1);
	if (buf == NULL)
		die(EXIT_USAGE, "out of memory");
	n = recv(tel_fd, buf, tel_maxlen, 0);
	if (n <= 0)
		die(EXIT_USAGE, "%s: yard closed the connection (did it stop?)", tel_path);
	buf[n] = '\0';
	reply = json_loads(buf, 0, NULL);
	free(buf);
	if (reply == NULL)
		die(EXIT_USAGE, "%s: answer to %s is not JSON", tel_path, cmd);
	snprintf(key, sizeof(key), "%s", cmd);
	key[strcspn(key, ",")] = '\0';
	v = json_object_get(reply, key);
	if (v != NULL && !json_is_null(v))
		json_incref(v);
	else
		v = NULL;
	json_decref(reply);
	return v;
}

/* Is cmd registered? ("/" lists every command.) */
bool
tel_has(const char *cmd)
{
	json_t *all = tel_get("/");
	size_t i;
	json_t *c;
	bool found = false;

	json_array_foreach(all, i, c)
		if (json_is_string(c) && strcmp(json_string_value(c), cmd) == 0)
			found = true;
	json_decref(all);
	return found;
}

uint64_t
ju(const json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_integer(v) ? (uint64_t)json_integer_value(v) : 0;
}

const char *
js(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s != NULL ? s : "";
}

/* tel_get that exits with yard's message on {"ok": 0, "error": ...}, or on no answer. */
json_t *
tel_get_ok(const char *cmd)
{
	json_t *v = tel_get(cmd);

	if (v == NULL)
		die(EXIT_REFUSED, "yard gave no answer to %s (an older yard without it?)", cmd);
	if (json_object_get(v, "ok") != NULL && json_integer_value(json_object_get(v, "ok")) == 0) {
		char msg[512];

		snprintf(msg, sizeof(msg), "%s", js(v, "error"));
		json_decref(v);
		die(EXIT_REFUSED, "%s", msg);
	}
	return v;
}

/* ---- stats ------------------------------------------------------------------------------ */

struct drop {
	char name[64];
	uint64_t v;
};

struct lsample {
	unsigned lcore;
	uint64_t loops, busy, idle, slept, srv, msgs, rxp, rxb, txp, txb, held, drops;
	unsigned ndrop;
	struct drop drop[MAX_DROPS];
};

struct sample {
	double t;
	uint64_t hz, msgs_in_use;
	unsigned n;
	struct lsample l[MAX_LCORES];
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
add_drop(struct lsample *ls, const char *name, uint64_t v)
{
	for (unsigned i = 0; i < ls->ndrop; i++)
		if (strcmp(ls->drop[i].name, name) == 0) {
			ls->drop[i].v += v;
			ls->drops += v;
			return;
		}
	if (ls->ndrop < MAX_DROPS) {
		/* counter names are short; a longer one is cut, as the precision says */
		snprintf(ls->drop[ls->ndrop].name, sizeof(ls->drop[0].name), "%.*s",
			 (int)sizeof(ls->drop[0].name) - 1, name);
		ls->drop[ls->ndrop++].v = v;
	}
	ls->drops += v;
}

/* The module counters (/yard/ip, arp, icmp) per lcore: every key starting with "drop". */
static void
add_module_drops(struct sample *s, const char *module)
{
	char cmd[64], key[64], name[80];
	json_t *all, *v;
	const char *k;

	snprintf(cmd, sizeof(cmd), "/yard/%s", module);
	all = tel_get(cmd);
	if (all == NULL)
		return;
	for (unsigned i = 0; i < s->n; i++) {
		json_t *lc;

		snprintf(key, sizeof(key), "lcore%u", s->l[i].lcore);
		lc = json_object_get(all, key);
		json_object_foreach(lc, k, v) {
			if (strncmp(k, "drop", 4) != 0 || !json_is_integer(v))
				continue;
			snprintf(name, sizeof(name), "%s_%s", module, k);
			add_drop(&s->l[i], name, (uint64_t)json_integer_value(v));
		}
	}
	json_decref(all);
}

static void
take_sample(struct sample *s, int lcore)
{
	char cmd[64];
	json_t *st, *v;
	const char *k;

	memset(s, 0, sizeof(*s));
	if (lcore >= 0)
		snprintf(cmd, sizeof(cmd), "/yard/stats,%d", lcore);
	else
		snprintf(cmd, sizeof(cmd), "/yard/stats");
	st = tel_get_ok(cmd);
	s->t = now_s();
	s->hz = ju(st, "tsc_hz");
	s->msgs_in_use = ju(st, "msgs_in_use");
	json_object_foreach(st, k, v) {
		struct lsample *ls;
		json_t *dv;
		const char *dk;

		if (strncmp(k, "lcore", 5) != 0 || !json_is_object(v) || s->n >= MAX_LCORES)
			continue;
		ls = &s->l[s->n++];
		ls->lcore = (unsigned)ju(v, "lcore");
		ls->loops = ju(v, "loops");
		ls->busy = ju(v, "busy_cycles");
		ls->idle = ju(v, "idle_cycles");
		ls->slept = ju(v, "sleep_cycles");
		ls->srv = ju(v, "service_runs");
		ls->msgs = ju(v, "poll_msgs") + ju(v, "mbox_msgs") + ju(v, "deferred_puts");
		ls->rxp = ju(v, "rx_pkts");
		ls->rxb = ju(v, "rx_bytes");
		ls->txp = ju(v, "tx_pkts");
		ls->txb = ju(v, "tx_bytes");
		ls->held = ju(v, "queued_mblks");
		json_object_foreach(json_object_get(v, "drops"), dk, dv)
			add_drop(ls, dk, (uint64_t)json_integer_value(dv));
	}
	json_decref(st);
	add_module_drops(s, "arp");
	add_module_drops(s, "ip");
	add_module_drops(s, "icmp");
}

/* 12.3M style: three significant digits and a unit, always 6 characters wide. */
static const char *
human(double v, char *buf)
{
	static const char units[] = " kMGT";
	unsigned u = 0;

	while (v >= 999.5 && u < 4) {
		v /= 1000;
		u++;
	}
	if (u == 0)
		snprintf(buf, 16, "%6.0f", v);
	else
		snprintf(buf, 16, "%5.*f%c", v < 9.995 ? 2 : v < 99.95 ? 1 : 0, v, units[u]);
	return buf;
}

#define STATS_HDR "%-7s %8s %5s %5s %7s %7s %7s %7s %7s %7s %7s %7s %7s\n"
#define STATS_ROW "%-7s %8s %4.0f%% %4.0f%% %7s %7s %7s %7s %7s %7s %7s %7s %7s\n"

static void
print_row(const char *name, const struct lsample *a, const struct lsample *b, double dt,
	  uint64_t hz)
{
	char h[11][16];
	double busy = (double)(b->busy - a->busy), idle = (double)(b->idle - a->idle);
	/* Slept cycles are neither busy nor idle: BUSY and SLEEP are shares of all three. */
	double slept = (double)(b->slept - a->slept), all = busy + idle + slept;
	double pkts = (double)(b->rxp - a->rxp + b->txp - a->txp);

	printf(STATS_ROW, name, human((double)(b->loops - a->loops) / dt, h[0]),
	       all > 0 ? 100.0 * busy / all : 0.0, all > 0 ? 100.0 * slept / all : 0.0,
	       human((double)(b->rxp - a->rxp) / dt, h[1]),
	       human(8.0 * (double)(b->rxb - a->rxb) / dt, h[2]),
	       human((double)(b->txp - a->txp) / dt, h[3]),
	       human(8.0 * (double)(b->txb - a->txb) / dt, h[4]),
	       human((double)(b->drops - a->drops) / dt, h[5]),
	       human((double)b->held, h[6]),
	       human((double)(b->msgs - a->msgs) / dt, h[7]),
	       human((double)(b->srv - a->srv) / dt, h[8]),
	       pkts > 0 ? human(busy / pkts, h[9]) : "     -");
	(void)hz;
}

static void
sum_into(struct lsample *t, const struct lsample *l)
{
	t->loops += l->loops;
	t->busy += l->busy;
	t->idle += l->idle;
	t->slept += l->slept;
	t->srv += l->srv;
	t->msgs += l->msgs;
	t->rxp += l->rxp;
	t->rxb += l->rxb;
	t->txp += l->txp;
	t->txb += l->txb;
	t->held += l->held;
	for (unsigned i = 0; i < l->ndrop; i++)
		add_drop(t, l->drop[i].name, l->drop[i].v);
}

static void
print_table(const struct sample *a, const struct sample *b)
{
	double dt = b->t - a->t > 0 ? b->t - a->t : 1;
	struct lsample ta = { 0 }, tb = { 0 };
	char name[16];
	bool any = false;

	printf(STATS_HDR, "LCORE", "LOOPS/s", "BUSY", "SLEEP", "RX-PPS", "RX-BPS", "TX-PPS", "TX-BPS",
	       "DROP/s", "MBUFS", "MSGS/s", "SRV/s", "CYC/PKT");
	for (unsigned i = 0; i < b->n; i++) {
		const struct lsample *la = &a->l[i];

		for (unsigned j = 0; j < a->n; j++)
			if (a->l[j].lcore == b->l[i].lcore)
				la = &a->l[j];
		snprintf(name, sizeof(name), "%u", b->l[i].lcore);
		print_row(name, la, &b->l[i], dt, b->hz);
		sum_into(&ta, la);
		sum_into(&tb, &b->l[i]);
	}
	tb.held = b->msgs_in_use; /* the totals row: every message block out of yard's pools */
	print_row("total", &ta, &tb, dt, b->hz);
	for (unsigned i = 0; i < tb.ndrop; i++) {
		uint64_t before = 0;

		for (unsigned j = 0; j < ta.ndrop; j++)
			if (strcmp(ta.drop[j].name, tb.drop[i].name) == 0)
				before = ta.drop[j].v;
		if (tb.drop[i].v == 0)
			continue;
		printf("%s%s %" PRIu64 " (+%" PRIu64 ")", any ? ", " : "drops: ", tb.drop[i].name,
		       tb.drop[i].v, tb.drop[i].v - before);
		any = true;
	}
	printf(any ? "\n" : "drops: none\n");
}

static void
print_json(const struct sample *s)
{
	json_t *root = json_object(), *lcores = json_object();
	struct lsample t = { 0 };

	for (unsigned i = 0; i <= s->n; i++) {
		const struct lsample *l = i < s->n ? &s->l[i] : &t;
		json_t *o = json_object(), *d = json_object();
		char key[32];

		if (i < s->n)
			sum_into(&t, l);
		json_object_set_new(o, "loops", json_integer((json_int_t)l->loops));
		json_object_set_new(o, "busy_cycles", json_integer((json_int_t)l->busy));
		json_object_set_new(o, "idle_cycles", json_integer((json_int_t)l->idle));
		json_object_set_new(o, "sleep_cycles", json_integer((json_int_t)l->slept));
		json_object_set_new(o, "service_runs", json_integer((json_int_t)l->srv));
		json_object_set_new(o, "msgs", json_integer((json_int_t)l->msgs));
		json_object_set_new(o, "rx_pkts", json_integer((json_int_t)l->rxp));
		json_object_set_new(o, "rx_bytes", json_integer((json_int_t)l->rxb));
		json_object_set_new(o, "tx_pkts", json_integer((json_int_t)l->txp));
		json_object_set_new(o, "tx_bytes", json_integer((json_int_t)l->txb));
		json_object_set_new(o, "queued_mblks", json_integer((json_int_t)l->held));
		json_object_set_new(o, "drops_total", json_integer((json_int_t)l->drops));
		for (unsigned k = 0; k < l->ndrop; k++)
			json_object_set_new(d, l->drop[k].name, json_integer((json_int_t)l->drop[k].v));
		json_object_set_new(o, "drops", d);
		if (i < s->n) {
			snprintf(key, sizeof(key), "lcore%u", l->lcore);
			json_object_set_new(lcores, key, o);
		} else {
			json_object_set_new(root, "total", o);
		}
	}
	json_object_set_new(root, "lcores", lcores);
	json_object_set_new(root, "tsc_hz", json_integer((json_int_t)s->hz));
	json_object_set_new(root, "msgs_in_use", json_integer((json_int_t)s->msgs_in_use));
	json_dumpf(root, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
	printf("\n");
	json_decref(root);
}

static void
on_int(int sig)
{
	(void)sig;
	stop_watch = 1;
}

/* --lcore's value: an lcore number, or exit with a usage error. */
int
lcore_arg(const char *arg)
{
	char *end;
	long v = strtol(arg, &end, 10);

	if (*end != '\0' || end == arg || v < 0 || v >= INT32_MAX)
		die(EXIT_USAGE, "--lcore: '%s' is not an lcore number", arg);
	return (int)v;
}

/* Print o as indented JSON and let it go. */
void
dump_json(json_t *o)
{
	char *text = json_dumps(o, JSON_INDENT(2));

	printf("%s\n", text);
	free(text);
	json_decref(o);
}

static int
cmd_stats(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "lcore", required_argument, NULL, 'l' },
		{ "watch", required_argument, NULL, 'w' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	static struct sample a, b;
	int opt, lcore = -1;
	double watch = 0;
	bool json = false;
	char *end;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'l':
			lcore = lcore_arg(optarg);
			break;
		case 'w':
			watch = strtod(optarg, &end);
			if (*end != '\0' || watch < 0.1)
				die(EXIT_USAGE, "--watch: '%s' is not a number of seconds >= 0.1",
				    optarg);
			break;
		case 'j':
			json = true;
			break;
		default:
			die(EXIT_USAGE, "stats [--lcore N] [--watch SECS] [--json]");
		}
	}
	take_sample(&a, lcore);
	if (json && watch == 0) {
		print_json(&a);
		return 0;
	}
	if (watch == 0) {
		usleep(1000000);
		take_sample(&b, lcore);
		print_table(&a, &b);
		return 0;
	}
	signal(SIGINT, on_int);
	signal(SIGTERM, on_int);
	for (unsigned n = 1; !stop_watch; n++) {
		struct timespec ts = { .tv_sec = (time_t)watch,
				       .tv_nsec = (long)((watch - (double)(time_t)watch) * 1e9) };
		char when[32];
		time_t t = time(NULL);

		nanosleep(&ts, NULL);
		if (stop_watch)
			break;
		take_sample(&b, lcore);
		if (json) {
			print_json(&b);
		} else {
			strftime(when, sizeof(when), "%H:%M:%S", localtime(&t));
			printf("\033[H\033[2J");
			printf("yard %s  every %.1fs  sample %u  %s  (Ctrl-C quits)\n", tel_path,
			       watch, n, when);
			print_table(&a, &b);
		}
		fflush(stdout);
		a = b;
	}
	return 0;
}

/* ---- streams ---------------------------------------------------------------------------- */

static const struct { uint64_t bit; const char *name; } qflags[] = {
	{ 0x00000008, "QFULL" }, { 0x00000001, "QENAB" }, { 0x00000004, "QWANTW" },
	{ 0x00000002, "QWANTR" }, { 0x00000040, "QNOENB" }, { 0x00000100, "QBACK" },
	{ 0x02000000, "QMUX" },
};

static const char *
flag_str(uint64_t f, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < sizeof(qflags) / sizeof(qflags[0]); i++)
		if (f & qflags[i].bit)
			used += (size_t)snprintf(buf + used, len - used, "%s%s",
						 used ? "|" : "", qflags[i].name);
	if (used == 0)
		snprintf(buf, len, "-");
	return buf;
}

static const char *
bands_str(const json_t *a, char *buf, size_t len)
{
	size_t i, used = 0;
	json_t *b;

	buf[0] = '\0';
	json_array_foreach(a, i, b)
		if (used < len)
			used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? " " : "",
						 json_string_value(b));
	if (used == 0)
		snprintf(buf, len, "-");
	return buf;
}

static json_t *
get_streams(int lcore)
{
	json_t *ids = tel_get_ok("/yard/streamq"), *out = json_array(), *id;
	size_t i, k;

	json_array_foreach(json_object_get(ids, "ids"), i, id) {
		char cmd[64];
		json_t *s;

		snprintf(cmd, sizeof(cmd), "/yard/streamq,%" JSON_INTEGER_FORMAT,
			 json_integer_value(id));
		s = tel_get(cmd);
		if (s == NULL || ju(s, "ok") == 0) { /* closed meanwhile */
			json_decref(s);
			continue;
		}
		if (lcore >= 0 && ju(s, "lcore") != (uint64_t)lcore) {
			json_decref(s);
			continue;
		}
		/* In id order: the oldest (the stack's own) first. */
		for (k = 0; k < json_array_size(out); k++)
			if (ju(json_array_get(out, k), "id") > ju(s, "id"))
				break;
		json_array_insert_new(out, k, s);
	}
	json_decref(ids);
	return out;
}

static void
print_streams(json_t *all)
{
	size_t i;
	json_t *s;

	json_array_foreach(all, i, s) {
		unsigned nq = (unsigned)ju(s, "nqueues");
		size_t k;
		json_t *b;

		printf("stream %" PRIu64 " %s  lcore %" PRIu64 "  driver %s  modules %" PRIu64,
		       ju(s, "id"), js(s, "name"), ju(s, "lcore"), js(s, "driver"),
		       ju(s, "pushcnt"));
		if (js(s, "linked_under")[0] != '\0')
			printf("  linked under %s", js(s, "linked_under"));
		json_array_foreach(json_object_get(s, "links_below"), k, b)
			printf("%s%s", k == 0 ? "  links below: " : ", ", json_string_value(b));
		printf("\n  %-10s %-4s %7s %6s %7s %7s %-18s %9s %s\n", "QUEUE", "SIDE", "COUNT",
		       "MBLKS", "HIWAT", "LOWAT", "FLAGS", "PUTS", "BANDS");
		for (unsigned q = 0; q < nq; q++) {
			char key[16], fl[96], bd[256];
			json_t *qd;

			snprintf(key, sizeof(key), "q%u", q);
			qd = json_object_get(s, key);
			for (int side = 0; side < 2; side++) {
				const char *p = side == 0 ? "w" : "r";
				char k2[32];

#define F(n) (snprintf(k2, sizeof(k2), "%s_%s", p, n), ju(qd, k2))
				printf("  %-10s %-4s %7" PRIu64 " %6" PRIu64 " %7" PRIu64 " %7" PRIu64
				       " %-18s %9" PRIu64 " %s\n", side == 0 ? js(qd, "module") : "",
				       side == 0 ? "wr" : "rd", F("count"), F("mblks"), F("hiwat"),
				       F("lowat"), flag_str(F("flag"), fl, sizeof(fl)), F("put"),
				       (snprintf(k2, sizeof(k2), "%s_bands", p),
					bands_str(json_object_get(qd, k2), bd, sizeof(bd))));
#undef F
			}
		}
		for (unsigned q = 0; q < nq; q++) {
			char key[16];
			json_t *qd;

			snprintf(key, sizeof(key), "q%u", q);
			qd = json_object_get(s, key);
			if (json_object_get(qd, "snoop_captured") != NULL)
				printf("  snoop: %" PRIu64 " captured, %" PRIu64 " missed, %" PRIu64
				       " written, %" PRIu64 " write errors, file %s\n",
				       ju(qd, "snoop_captured"), ju(qd, "snoop_missed"),
				       ju(qd, "snoop_written"), ju(qd, "snoop_write_errors"),
				       js(qd, "snoop_file"));
			if (json_object_get(qd, "trace_logged") != NULL)
				printf("  trace: %" PRIu64 " logged, %" PRIu64 " over the rate limit, %"
				       PRIu64 " missed\n", ju(qd, "trace_logged"),
				       ju(qd, "trace_ratelimited"), ju(qd, "trace_missed"));
		}
		printf("\n");
	}
}

/* Graphviz: one cluster per stream, its queues top to bottom; I_LINK edges between them. */
static void
print_dot(json_t *all)
{
	size_t i;
	json_t *s;

	printf("digraph yard {\n  rankdir=TB;\n  node [shape=box, fontname=\"monospace\"];\n");
	json_array_foreach(all, i, s) {
		unsigned nq = (unsigned)ju(s, "nqueues");
		uint64_t id = ju(s, "id");

		printf("  subgraph cluster_%" PRIu64 " {\n    label=\"%s (lcore %" PRIu64 ")\";\n",
		       id, js(s, "name"), ju(s, "lcore"));
		for (unsigned q = 0; q < nq; q++) {
			char key[16], fl[96];
			json_t *qd;

			snprintf(key, sizeof(key), "q%u", q);
			qd = json_object_get(s, key);
			printf("    s%" PRIu64 "q%u [label=\"%s\\nwr %" PRIu64 "/%" PRIu64 " %s\\nrd %"
			       PRIu64 "/%" PRIu64 " %s\"];\n", id, q, js(qd, "module"),
			       ju(qd, "w_count"), ju(qd, "w_hiwat"),
			       flag_str(ju(qd, "w_flag"), fl, sizeof(fl)), ju(qd, "r_count"),
			       ju(qd, "r_hiwat"), flag_str(ju(qd, "r_flag"), fl + 48, 48));
			if (q > 0)
				printf("    s%" PRIu64 "q%u -> s%" PRIu64 "q%u [dir=both];\n", id,
				       q - 1, id, q);
		}
		printf("  }\n");
	}
	/* A linked stream's top queue is the multiplexor's lower side: join it to the mux's driver. */
	json_array_foreach(all, i, s) {
		size_t j;
		json_t *u;

		if (js(s, "linked_under")[0] == '\0')
			continue;
		json_array_foreach(all, j, u)
			if (strcmp(js(u, "name"), js(s, "linked_under")) == 0)
				printf("  s%" PRIu64 "q%" PRIu64 " -> s%" PRIu64
				       "q0 [label=\"I_LINK\", style=dashed, dir=both];\n",
				       ju(u, "id"), ju(u, "nqueues") - 1, ju(s, "id"));
	}
	printf("}\n");
}

static int
cmd_streams(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "lcore", required_argument, NULL, 'l' },
		{ "dot", no_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	int opt, lcore = -1;
	bool dot = false;
	json_t *all;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt == 'l') {
			lcore = lcore_arg(optarg);
		} else if (opt == 'd') {
			dot = true;
		} else {
			die(EXIT_USAGE, "streams [--lcore N] [--dot]");
		}
	}
	if (lcore >= 0) {
		char cmd[32];
		json_t *st;

		snprintf(cmd, sizeof(cmd), "/yard/stats,%d", lcore);
		st = tel_get_ok(cmd); /* refuses an lcore yard does not run on */
		json_decref(st);
	}
	all = get_streams(lcore);
	if (dot)
		print_dot(all);
	else
		print_streams(all);
	json_decref(all);
	return 0;
}

/* ---- ports, arp, conns, modules --------------------------------------------------------- */

static int
cmd_ports(void)
{
	json_t *ports = tel_get_ok("/yard/ports"), *p;
	const char *k;

	if (json_object_get(ports, "state") != NULL && json_object_size(ports) == 1)
		die(EXIT_REFUSED, "yard is %s: no ports to show", js(ports, "state"));
	printf("%-6s %-14s %-17s %-5s %6s %4s %10s %12s %10s %12s %8s %8s %8s\n", "PORT",
	       "DRIVER", "MAC", "LINK", "MTU", "VLAN", "RX-PKTS", "RX-BYTES", "TX-PKTS", "TX-BYTES",
	       "IMISSED", "IERRORS", "OERRORS");
	json_object_foreach(ports, k, p) {
		char vlan[8] = "-"; /* untagged */

		if (ju(p, "vlan") != 0)
			snprintf(vlan, sizeof(vlan), "%" PRIu64, ju(p, "vlan"));
		printf("%-6s %-14s %-17s %-5s %6" PRIu64 " %4s %10" PRIu64 " %12" PRIu64
		       " %10" PRIu64 " %12" PRIu64 " %8" PRIu64 " %8" PRIu64 " %8" PRIu64 "\n",
		       js(p, "name"),
		       js(p, "driver"), js(p, "mac"), js(p, "link"), ju(p, "mtu"), vlan,
		       ju(p, "ipackets"), ju(p, "ibytes"), ju(p, "opackets"), ju(p, "obytes"),
		       ju(p, "imissed"), ju(p, "ierrors"), ju(p, "oerrors"));
	}
	json_decref(ports);
	return 0;
}

/* A counters dict {"all": {...}, "lcore0": {...}, ...} as a table, one row per counter. */
static void
print_counters(json_t *d)
{
	json_t *all = json_object_get(d, "all"), *v;
	const char *k, *col;
	json_t *cv;

	printf("%-28s %12s", "COUNTER", "ALL");
	json_object_foreach(d, col, cv)
		if (strcmp(col, "all") != 0)
			printf(" %12s", col);
	printf("\n");
	json_object_foreach(all, k, v) {
		printf("%-28s %12" JSON_INTEGER_FORMAT, k, json_integer_value(v));
		json_object_foreach(d, col, cv)
			if (strcmp(col, "all") != 0)
				printf(" %12" PRIu64, ju(cv, k));
		printf("\n");
	}
}

static int
cmd_arp(void)
{
	json_t *d = tel_get_ok("/yard/arp");

	print_counters(d);
	json_decref(d);
	return 0;
}

/*
 * Every row of a paged table, /yard/conns (rows "conn0".."connN"), /yard/udp_eps ("ep0"..)
 * and the others, for lcore (all if < 0), page after page, as a JSON array.
 */
json_t *
get_rows(const char *what, const char *key_prefix, int lcore, bool *truncated)
{
	json_t *rows = json_array();
	uint64_t start = 0, total;

	*truncated = false;
	do {
		char cmd[64], key[24];
		json_t *page;
		uint64_t count;

		if (lcore >= 0)
			snprintf(cmd, sizeof(cmd), "%s,%d,%" PRIu64, what, lcore, start);
		else
			snprintf(cmd, sizeof(cmd), "%s,,%" PRIu64, what, start);
		page = tel_get_ok(cmd);
		total = ju(page, "total");
		count = ju(page, "count");
		*truncated = *truncated || ju(page, "truncated") != 0;
		for (uint64_t i = 0; i < count; i++) {
			snprintf(key, sizeof(key), "%s%" PRIu64, key_prefix, i);
			if (json_object_get(page, key) != NULL)
				json_array_append(rows, json_object_get(page, key));
		}
		json_decref(page);
		if (count == 0)
			break;
		start += count;
	} while (start < total);
	return rows;
}

/* The UDP rows of conns: bound endpoints, as netstat -u (ss's UNCONN) shows them. */
static void
print_udp_rows(json_t *rows)
{
	json_t *r;
	size_t i;

	json_array_foreach(rows, i, r)
		printf("%-5s %5" PRIu64 " %-21s %-21s %-12s %7" PRIu64 " %7" PRIu64
		       " %7s %6s %8s %9s %5s\n", "udp", ju(r, "lcore"), js(r, "local"), "0.0.0.0:*",
		       "UNCONN", ju(r, "send_q"), ju(r, "recv_q"), "-", "-", "-", "-", "-");
}

static int
cmd_conns(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "lcore", required_argument, NULL, 'l' },
		{ "json", no_argument, NULL, 'j' },
		{ "tcp", no_argument, NULL, 't' },
		{ "udp", no_argument, NULL, 'u' },
		{ NULL, 0, NULL, 0 },
	};
	const char *usage = "conns [--lcore N] [--tcp] [--udp] [--json]";
	int opt, lcore = -1;
	bool json = false, tcp = false, udp = false, truncated = false, utrunc = false;
	json_t *rows = NULL, *urows = NULL, *r;
	size_t i;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt == 'l') {
			lcore = lcore_arg(optarg);
		} else if (opt == 'j') {
			json = true;
		} else if (opt == 't') {
			tcp = true;
		} else if (opt == 'u') {
			udp = true;
		} else {
			die(EXIT_USAGE, "%s", usage);
		}
	}
	if (optind < argc)
		die(EXIT_USAGE, "%s", usage);
	if (!tcp && !udp)
		tcp = udp = true; /* netstat -tu */
	if (tcp && !tel_has("/yard/conns")) {
		close(tel_fd);
		die(EXIT_REFUSED, "this yard has no TCP connection table to show (no /yard/conns "
		    "command: an older yard?)");
	}
	if (udp && !tel_has("/yard/udp_eps")) {
		if (!tcp) {
			close(tel_fd);
			die(EXIT_REFUSED, "this yard has no UDP endpoint table to show (no "
			    "/yard/udp_eps command: an older yard?)");
		}
		udp = false; /* an older yard: its TCP rows alone */
	}
	if (tcp)
		rows = get_rows("/yard/conns", "conn", lcore, &truncated);
	if (udp)
		urows = get_rows("/yard/udp_eps", "ep", lcore, &utrunc);
	if (json) {
		json_t *o = json_object();

		if (rows != NULL) {
			json_object_set_new(o, "count",
					    json_integer((json_int_t)json_array_size(rows)));
			json_object_set_new(o, "truncated", json_boolean(truncated));
			json_object_set(o, "conns", rows);
		}
		if (urows != NULL) {
			json_object_set_new(o, "udp_count",
					    json_integer((json_int_t)json_array_size(urows)));
			json_object_set_new(o, "udp_truncated", json_boolean(utrunc));
			json_object_set(o, "udp", urows);
		}
		dump_json(o);
		json_decref(rows);
		json_decref(urows);
		return 0;
	}
	printf("%-5s %5s %-21s %-21s %-12s %7s %7s %7s %6s %8s %9s %5s\n", "Proto", "Lcore",
	       "Local", "Remote", "State", "Send-Q", "Recv-Q", "RTT(ms)", "RTO", "cwnd",
	       "ssthresh", "Retr");
	json_array_foreach(rows, i, r) {
		bool lsn = ju(r, "listener") != 0;
		char remote[32], rtt[16], rto[16], cwnd[16], ssth[16];

		if (lsn) {
			snprintf(remote, sizeof(remote), "0.0.0.0:*");
			snprintf(rtt, sizeof(rtt), "-");
			snprintf(rto, sizeof(rto), "-");
			snprintf(cwnd, sizeof(cwnd), "-");
			snprintf(ssth, sizeof(ssth), "-");
		} else {
			snprintf(remote, sizeof(remote), "%s", js(r, "remote"));
			snprintf(rtt, sizeof(rtt), "%" PRIu64, ju(r, "srtt_ms"));
			snprintf(rto, sizeof(rto), "%" PRIu64, ju(r, "rto_ms"));
			snprintf(cwnd, sizeof(cwnd), "%" PRIu64, ju(r, "cwnd"));
			if (ju(r, "ssthresh") >= (1u << 30))
				snprintf(ssth, sizeof(ssth), "inf");
			else
				snprintf(ssth, sizeof(ssth), "%" PRIu64, ju(r, "ssthresh"));
		}
		printf("%-5s %5" PRIu64 " %-21s %-21s %-12s %7" PRIu64 " %7" PRIu64
		       " %7s %6s %8s %9s %5" PRIu64 "\n", "tcp", ju(r, "lcore"), js(r, "local"),
		       remote, js(r, "state"), ju(r, "send_q"), ju(r, "recv_q"), rtt, rto, cwnd,
		       ssth, ju(r, "retrans"));
	}
	if (urows != NULL)
		print_udp_rows(urows);
	if (truncated || utrunc)
		printf("(truncated: yard shows at most %" PRIu64 " rows)\n",
		       (uint64_t)(truncated ? json_array_size(rows) : json_array_size(urows)));
	json_decref(rows);
	json_decref(urows);
	return 0;
}

/* --port's value: a port index, or exit with a usage error. */
int
port_arg(const char *arg)
{
	char *end;
	long v = strtol(arg, &end, 10);

	if (*end != '\0' || end == arg || v < 0 || v > 65535)
		die(EXIT_USAGE, "--port: '%s' is not a port number", arg);
	return (int)v;
}

json_t *
table_rows(struct table_req *t, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "lcore", required_argument, NULL, 'l' },
		{ "json", no_argument, NULL, 'j' },
		{ "port", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	int opt, lcore = -1;
	char cmd[64];

	t->port = -1;
	t->json = false;
	optind = 0; /* 0: glibc starts afresh, permuting (main() stopped at the command) */
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt == 'l')
			lcore = lcore_arg(optarg);
		else if (opt == 'j')
			t->json = true;
		else if (opt == 'p' && t->has_port)
			t->port = port_arg(optarg);
		else
			die(EXIT_USAGE, "%s", t->usage);
	}
	if (optind < argc)
		die(EXIT_USAGE, "%s", t->usage);
	snprintf(cmd, sizeof(cmd), "/yard/%s", t->cmd);
	if (!tel_has(cmd)) {
		close(tel_fd);
		die(EXIT_REFUSED, "this yard has no %s to show (no %s command: an older yard?)",
		    t->what, cmd);
	}
	return get_rows(cmd, t->key, lcore, &t->truncated);
}

void
table_json(json_t *rows, bool truncated, const char *name)
{
	json_t *o = json_object();

	json_object_set_new(o, "count", json_integer((json_int_t)json_array_size(rows)));
	json_object_set_new(o, "truncated", json_boolean(truncated));
	json_object_set_new(o, name, rows);
	dump_json(o);
}

/*
 * A groups row's source filter as "exclude {}" (any source) or "include {S1, S2}", and
 * "+N more" past the sources the row lists; empty from a yard that gives no filter.
 */
static void
group_filter(const json_t *r, char *buf, size_t len)
{
	json_t *srcs = json_object_get(r, "sources"), *s;
	size_t n = 0, i;

	buf[0] = '\0';
	if (js(r, "mode")[0] == '\0')
		return;
	n += (size_t)snprintf(buf + n, len - n, "%s {", js(r, "mode"));
	json_array_foreach(srcs, i, s)
		if (n < len)
			n += (size_t)snprintf(buf + n, len - n, "%s%s", i != 0 ? ", " : "",
					      json_string_value(s) != NULL ?
					      json_string_value(s) : "?");
	if (n < len)
		n += (size_t)snprintf(buf + n, len - n, "}");
	if (n < len && ju(r, "nsources") > json_array_size(srcs))
		snprintf(buf + n, len - n, " +%" PRIu64 " more",
			 ju(r, "nsources") - (uint64_t)json_array_size(srcs));
}

/* The multicast groups each lcore's links joined (netstat -g), with their source filters. */
static int
cmd_groups(int argc, char **argv)
{
	struct table_req t = { .usage = "groups [--lcore N] [--json]", .cmd = "groups",
			       .key = "group", .what = "multicast group table" };
	json_t *rows = table_rows(&t, argc, argv), *r;
	size_t i;

	if (t.json) {
		table_json(rows, t.truncated, "groups");
		return 0;
	}
	printf("%5s %-15s %-15s %7s %4s %s\n", "Lcore", "Link", "Group", "Members", "IGMP",
	       "Filter");
	json_array_foreach(rows, i, r) {
		char members[16], filter[8 * 18 + 64];

		/* 0: left, the leave's reports still going out */
		if (ju(r, "members") == 0)
			snprintf(members, sizeof(members), "leaving");
		else
			snprintf(members, sizeof(members), "%" PRIu64, ju(r, "members"));
		group_filter(r, filter, sizeof(filter));
		printf("%5" PRIu64 " %-15s %-15s %7s   v%" PRIu64 " %s\n", ju(r, "lcore"),
		       js(r, "link"), js(r, "group"), members, ju(r, "igmp_version"), filter);
	}
	if (t.truncated)
		printf("(truncated: yard shows at most %zu rows)\n", json_array_size(rows));
	json_decref(rows);
	return 0;
}

static int
cmd_modules(void)
{
	json_t *d = tel_get_ok("/yard/modules"), *m;
	const char *k;

	printf("%-9s %-7s %6s %8s %8s %-4s %-5s %-4s %9s\n", "NAME", "KIND", "IDNUM", "HIWAT",
	       "LOWAT", "SRV", "BURST", "MUX", "INSTANCES");
	json_object_foreach(d, k, m) {
		char inst[24];

		if (json_object_get(m, "instances") != NULL)
			snprintf(inst, sizeof(inst), "%" PRIu64, ju(m, "instances"));
		else
			snprintf(inst, sizeof(inst), "-");
		printf("%-9s %-7s %6" PRIu64 " %8" PRIu64 " %8" PRIu64 " %-4s %-5s %-4s %9s\n",
		       js(m, "name"), js(m, "kind"), ju(m, "idnum"), ju(m, "hiwat"),
		       ju(m, "lowat"), js(m, "service"), js(m, "burst"), js(m, "mux"), inst);
	}
	json_decref(d);
	return 0;
}

static int
cmd_pushpop(bool push, int argc, char **argv)
{
	char cmd[600];
	json_t *r;

	if (argc < 3 || argc > (push ? 4 : 3))
		die(EXIT_USAGE, push ? "push STREAM MODULE [ARGS]" : "pop STREAM MODULE");
	if (strchr(argv[1], ',') != NULL || strchr(argv[2], ',') != NULL)
		die(EXIT_USAGE, "a stream or module name has no ','");
	snprintf(cmd, sizeof(cmd), "/yard/%s,%s,%s%s%s", push ? "push" : "pop", argv[1], argv[2],
		 argc == 4 ? "," : "", argc == 4 ? argv[3] : "");
	if (strlen(cmd) >= sizeof(cmd) - 1)
		die(EXIT_USAGE, "arguments too long");
	r = tel_get_ok(cmd);
	printf("%s %s %s %s (lcore %" PRIu64 ", %" PRIu64 " module%s pushed)%s%s\n",
	       push ? "pushed" : "popped", js(r, "module"), push ? "on" : "from",
	       js(r, "stream"), ju(r, "lcore"), ju(r, "pushcnt"), ju(r, "pushcnt") == 1 ? "" : "s",
	       js(r, "file")[0] != '\0' ? "; capturing to " : "", js(r, "file"));
	json_decref(r);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "file-prefix", required_argument, NULL, 'f' },
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *prefix = "yard", *sock = NULL, *cmd;
	int opt;

	while ((opt = getopt_long(argc, argv, "+hf:s:", opts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			prefix = optarg;
			break;
		case 's':
			sock = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (sock != NULL)
		snprintf(tel_path, sizeof(tel_path), "%s", sock);
	else
		snprintf(tel_path, sizeof(tel_path), "/var/run/dpdk/%s/dpdk_telemetry.v2", prefix);
	cmd = argv[optind];
	argc -= optind;
	argv += optind;
	if (strcmp(cmd, "stats") == 0)
		return cmd_stats(argc, argv);
	if (strcmp(cmd, "streams") == 0)
		return cmd_streams(argc, argv);
	if (argc == 1 && strcmp(cmd, "ports") == 0)
		return cmd_ports();
	if (argc == 1 && strcmp(cmd, "arp") == 0)
		return cmd_arp();
	if (strcmp(cmd, "conns") == 0)
		return cmd_conns(argc, argv);
	if (strcmp(cmd, "groups") == 0)
		return cmd_groups(argc, argv);
	if (strcmp(cmd, "neigh") == 0)
		return cmd_neigh(argc, argv);
	if (strcmp(cmd, "routes") == 0 || strcmp(cmd, "route") == 0)
		return cmd_routes(argc, argv);
	if (argc == 1 && strcmp(cmd, "modules") == 0)
		return cmd_modules();
	if (strcmp(cmd, "push") == 0)
		return cmd_pushpop(true, argc, argv);
	if (strcmp(cmd, "pop") == 0)
		return cmd_pushpop(false, argc, argv);
	fprintf(stderr, "yardctl: unknown command or arguments: %s\n", cmd);
	usage(stderr);
	return EXIT_USAGE;
}
