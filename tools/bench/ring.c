// SPDX-License-Identifier: MIT
/*
 * spinal-bench-ring: spinal's SPSC ring (include/spinal/ring.h) vs Concurrency
 * Kit's ck_ring (SPSC, typed 64-byte entries) vs a pipe, between two processes
 * sharing an anonymous mapping:
 *   throughput  N 64-byte messages one way (consumer checks the sequence)
 *   round trip  ping-pong over two rings, per-trip latency histogram
 * Ring sides busy-poll (as the agent drains the telemetry ring in a burst);
 * the pipe sides block in read(), which is how a pipe is used.
 */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wundef"
#pragma GCC diagnostic ignored "-Wpointer-arith"
#include <ck_ring.h>
#pragma GCC diagnostic pop

#include <spinal/hist.h>
#include <spinal/ring.h>

#define MSG 64
#define NSLOTS 1024

struct msg {
	uint64_t seq;
	unsigned char pad[MSG - 8];
};

CK_RING_PROTOTYPE(msg, msg)

struct sring {
	struct spinal_ring_idx prod, cons;
	unsigned char slots[NSLOTS * MSG] __attribute__((aligned(64)));
};

struct shared {
	_Atomic int ready;
	_Atomic int go;
	_Atomic uint64_t t0, t1;
	uint64_t errors;
	struct sring s[2];
	struct ck_ring ck[2] __attribute__((aligned(64)));
	struct msg ckbuf[2][NSLOTS] __attribute__((aligned(64)));
};

enum impl { IMPL_SPINAL, IMPL_CK, IMPL_PIPE, IMPL_COUNT };
static const char *const impl_name[] = { "spinal_ring", "ck_ring", "pipe" };

struct side {
	enum impl impl;
	struct shared *sh;
	struct spinal_ring tx, rx; /* spinal: private handles */
	int dir_tx, dir_rx;        /* ring index used to send / receive */
	int pfd_tx, pfd_rx;        /* pipe */
	unsigned char pbuf[4096];
	size_t pbuf_len, pbuf_off;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline void relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

static void side_init(struct side *s, enum impl impl, struct shared *sh, int tx, int rx, int pipes[2][2])
{
	memset(s, 0, sizeof(*s));
	s->impl = impl;
	s->sh = sh;
	s->dir_tx = tx;
	s->dir_rx = rx;
	if (impl == IMPL_SPINAL) {
		struct sring *t = &sh->s[tx], *r = &sh->s[rx];

		spinal_ring_attach(&s->tx, &t->prod, &t->cons, t->slots, NSLOTS, MSG, sizeof(t->slots), 1);
		spinal_ring_attach(&s->rx, &r->prod, &r->cons, r->slots, NSLOTS, MSG, sizeof(r->slots), 0);
	} else if (impl == IMPL_PIPE) {
		s->pfd_tx = pipes[tx][1];
		s->pfd_rx = pipes[rx][0];
	}
}

static void send_msg(struct side *s, const struct msg *m)
{
	void *slot;

	switch (s->impl) {
	case IMPL_SPINAL:
		while (!(slot = spinal_ring_prod_reserve(&s->tx)))
			relax();
		memcpy(slot, m, MSG);
		spinal_ring_prod_commit(&s->tx);
		break;
	case IMPL_CK:
		while (!ck_ring_enqueue_spsc_msg(&s->sh->ck[s->dir_tx], s->sh->ckbuf[s->dir_tx], (struct msg *)m))
			relax();
		break;
	default:
		if (write(s->pfd_tx, m, MSG) != MSG) {
			perror("spinal-bench-ring: pipe write");
			exit(2);
		}
	}
}

static void recv_msg(struct side *s, struct msg *m)
{
	switch (s->impl) {
	case IMPL_SPINAL:
		while (spinal_ring_cons_avail(&s->rx) <= 0)
			relax();
		memcpy(m, spinal_ring_cons_peek(&s->rx, 0), MSG);
		spinal_ring_cons_release(&s->rx, 1);
		break;
	case IMPL_CK:
		while (!ck_ring_dequeue_spsc_msg(&s->sh->ck[s->dir_rx], s->sh->ckbuf[s->dir_rx], m))
			relax();
		break;
	default:
		while (s->pbuf_len - s->pbuf_off < MSG) {
			ssize_t k;

			memmove(s->pbuf, s->pbuf + s->pbuf_off, s->pbuf_len - s->pbuf_off);
			s->pbuf_len -= s->pbuf_off;
			s->pbuf_off = 0;
			k = read(s->pfd_rx, s->pbuf + s->pbuf_len, sizeof(s->pbuf) - s->pbuf_len);
			if (k <= 0) {
				perror("spinal-bench-ring: pipe read");
				exit(2);
			}
			s->pbuf_len += (size_t)k;
		}
		memcpy(m, s->pbuf + s->pbuf_off, MSG);
		s->pbuf_off += MSG;
	}
}

static void pin(int cpu)
{
	cpu_set_t cs;

	if (cpu < 0)
		return;
	CPU_ZERO(&cs);
	CPU_SET(cpu, &cs);
	sched_setaffinity(0, sizeof(cs), &cs);
}

static void reset(struct shared *sh, int pipes[2][2])
{
	int i;

	memset(sh, 0, sizeof(*sh));
	for (i = 0; i < 2; i++) {
		spinal_ring_init_shared(&sh->s[i].prod, &sh->s[i].cons, NSLOTS, MSG, 0);
		ck_ring_init(&sh->ck[i], NSLOTS);
		if (pipe(pipes[i])) {
			perror("spinal-bench-ring: pipe");
			exit(2);
		}
	}
}

static void close_pipes(int pipes[2][2])
{
	int i;

	for (i = 0; i < 2; i++) {
		close(pipes[i][0]);
		close(pipes[i][1]);
	}
}

struct result {
	double msgs_per_s;
	uint64_t rtt_p50, rtt_p99, rtt_p999, rtt_max;
	double rtt_mean;
	uint64_t errors;
};

/* Throughput: child consumes, parent produces. */
static int run_tput(enum impl impl, struct shared *sh, uint64_t n, int cpu_a, int cpu_b, struct result *res)
{
	int pipes[2][2], st;
	struct side s;
	struct msg m;
	uint64_t i;
	pid_t pid;

	reset(sh, pipes);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		pin(cpu_b);
		side_init(&s, impl, sh, 1, 0, pipes);
		atomic_store(&sh->ready, 1);
		for (i = 0; i < n; i++) {
			recv_msg(&s, &m);
			if (m.seq != i)
				sh->errors++;
		}
		atomic_store(&sh->t1, now_ns());
		_exit(0);
	}
	pin(cpu_a);
	side_init(&s, impl, sh, 0, 1, pipes);
	while (!atomic_load(&sh->ready))
		relax();
	memset(&m, 0xa5, sizeof(m));
	atomic_store(&sh->t0, now_ns());
	for (i = 0; i < n; i++) {
		m.seq = i;
		send_msg(&s, &m);
	}
	waitpid(pid, &st, 0);
	close_pipes(pipes);
	res->msgs_per_s = (double)n * 1e9 / (double)(atomic_load(&sh->t1) - atomic_load(&sh->t0));
	res->errors = sh->errors;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -EIO;
}

/* Round trip: parent pings on ring 0, child pongs on ring 1. */
static int run_rtt(enum impl impl, struct shared *sh, uint64_t n, int cpu_a, int cpu_b, struct result *res)
{
	static struct spinal_hist h;
	struct spinal_hist_snap snap;
	int pipes[2][2], st;
	struct side s;
	struct msg m;
	uint64_t i, sum = 0, warm = n / 10;
	pid_t pid;

	reset(sh, pipes);
	memset(&h, 0, sizeof(h));
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		pin(cpu_b);
		side_init(&s, impl, sh, 1, 0, pipes);
		atomic_store(&sh->ready, 1);
		for (i = 0; i < n + warm; i++) {
			recv_msg(&s, &m);
			send_msg(&s, &m);
		}
		_exit(0);
	}
	pin(cpu_a);
	side_init(&s, impl, sh, 0, 1, pipes);
	while (!atomic_load(&sh->ready))
		relax();
	memset(&m, 0x5a, sizeof(m));
	for (i = 0; i < n + warm; i++) {
		uint64_t t0 = now_ns(), dt;

		m.seq = i;
		send_msg(&s, &m);
		recv_msg(&s, &m);
		dt = now_ns() - t0;
		if (m.seq != i)
			sh->errors++;
		if (i >= warm) {
			spinal_hist_add(&h, dt);
			sum += dt;
		}
	}
	waitpid(pid, &st, 0);
	close_pipes(pipes);
	spinal_hist_snapshot(&h, &snap);
	res->rtt_p50 = spinal_hist_quantile(&snap, 0.5);
	res->rtt_p99 = spinal_hist_quantile(&snap, 0.99);
	res->rtt_p999 = spinal_hist_quantile(&snap, 0.999);
	res->rtt_max = snap.max_ns;
	res->rtt_mean = (double)sum / (double)n;
	res->errors += sh->errors;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -EIO;
}

static const char usage_text[] =
"Usage: spinal-bench-ring [--msgs N] [--trips N] [--cpus A,B] [--smoke] [--json]\n"
"\n"
"Compares spinal's shared-memory SPSC ring with Concurrency Kit's ck_ring and a\n"
"pipe between two processes: one-way throughput of 64-byte messages and\n"
"round-trip latency (ping-pong).  Ring sides busy-poll; pipe sides block.\n"
"\n"
"  --msgs N     messages for the throughput run (default 2000000)\n"
"  --trips N    round trips (default 200000)\n"
"  --cpus A,B   pin the two processes (default: the two highest online CPUs)\n"
"  --smoke      tiny run that only checks everything works\n"
"  --json       one JSON object on stdout instead of the table\n"
"\n"
"Exit status: 0, 1 if a consumer saw a wrong sequence number, 2 on error.\n";

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "msgs", required_argument, NULL, 'm' }, { "trips", required_argument, NULL, 't' },
		{ "cpus", required_argument, NULL, 'c' }, { "smoke", no_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },       { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t msgs = 2000000, trips = 200000, errors = 0;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int cpu_a = ncpu > 1 ? (int)ncpu - 2 : -1, cpu_b = ncpu > 1 ? (int)ncpu - 1 : -1;
	struct result res[IMPL_COUNT];
	struct shared *sh;
	int ch, json = 0, i;

	while ((ch = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (ch) {
		case 'm': msgs = strtoull(optarg, NULL, 10); break;
		case 't': trips = strtoull(optarg, NULL, 10); break;
		case 'c':
			if (sscanf(optarg, "%d,%d", &cpu_a, &cpu_b) != 2) {
				fprintf(stderr, "spinal-bench-ring: --cpus '%s': expected A,B\n", optarg);
				return 2;
			}
			break;
		case 's': msgs = 20000; trips = 2000; break;
		case 'j': json = 1; break;
		case 'h': fputs(usage_text, stdout); return 0;
		default: fputs(usage_text, stderr); return 2;
		}
	}
	if (!msgs || !trips) {
		fprintf(stderr, "spinal-bench-ring: --msgs and --trips must be > 0\n");
		return 2;
	}
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		perror("spinal-bench-ring: mmap");
		return 2;
	}
	for (i = 0; i < IMPL_COUNT; i++) {
		memset(&res[i], 0, sizeof(res[i]));
		if (run_tput(i, sh, msgs, cpu_a, cpu_b, &res[i]) || run_rtt(i, sh, trips, cpu_a, cpu_b, &res[i])) {
			fprintf(stderr, "spinal-bench-ring: %s run failed\n", impl_name[i]);
			return 2;
		}
		errors += res[i].errors;
	}
	if (json) {
		printf("{\"bench\": \"ring\", \"msg_bytes\": %d, \"slots\": %d, \"msgs\": %llu, \"trips\": %llu, "
		       "\"cpus\": [%d, %d], \"results\": [", MSG, NSLOTS, (unsigned long long)msgs,
		       (unsigned long long)trips, cpu_a, cpu_b);
		for (i = 0; i < IMPL_COUNT; i++)
			printf("%s{\"impl\": \"%s\", \"msgs_per_s\": %.0f, \"rtt_mean_ns\": %.0f, \"rtt_p50_ns\": %llu, "
			       "\"rtt_p99_ns\": %llu, \"rtt_p999_ns\": %llu, \"rtt_max_ns\": %llu, \"seq_errors\": %llu}",
			       i ? ", " : "", impl_name[i], res[i].msgs_per_s, res[i].rtt_mean,
			       (unsigned long long)res[i].rtt_p50, (unsigned long long)res[i].rtt_p99,
			       (unsigned long long)res[i].rtt_p999, (unsigned long long)res[i].rtt_max,
			       (unsigned long long)res[i].errors);
		printf("]}\n");
	} else {
		printf("%-12s %14s %10s %10s %10s %10s\n", "impl", "msgs/s", "rtt p50", "rtt p99", "rtt max", "vs spinal");
		for (i = 0; i < IMPL_COUNT; i++)
			printf("%-12s %14.0f %8.2fus %8.2fus %8.2fus %9.2fx\n", impl_name[i], res[i].msgs_per_s,
			       res[i].rtt_p50 / 1e3, res[i].rtt_p99 / 1e3, res[i].rtt_max / 1e3,
			       res[0].msgs_per_s / res[i].msgs_per_s);
	}
	munmap(sh, sizeof(*sh));
	return errors ? 1 : 0;
}
