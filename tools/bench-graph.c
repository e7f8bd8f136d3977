// SPDX-License-Identifier: MIT
/*
 * spinal-bench-graph - graph snapshot benchmarks (numbers, not assertions).
 *
 *   spinal-bench-graph [--quick]
 *
 * 1. RT-side read latency (snapshot + 8-NN + next hop) p50/p99/max on a
 *    10k-node map: RCU with no updater activity vs. the updater publishing at
 *    1 kHz; the same for a pthread rwlock-protected graph; ratios.
 * 2. kNN (k = 8) p50/p99 on 1k/10k/100k/1M-node maps of uniform density, grid
 *    vs. brute-force scan on the same snapshot.
 * 3. Publish latency for a single-node edit on a 100k-node map (message
 *    written to the ring -> new generation visible to a reader).
 * 4. The offline decision: per-tick cost of quiescent() vs offline()+online()
 *    and the grace-period latency either way with a 1 kHz reader.
 * --quick shrinks every run (CI smoke test).
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rtcore/graph.h"
#include "rtcore/graph_edit.h"
#include "rtcore/knn.h"
#include "rtcore/updater.h"
#include "tests/unit/graph_testutil.h"
#include "tests/unit/updater_fixture.h"

static int quick;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int u64cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

struct pct {
	uint64_t p50, p99, max, n;
};

static struct pct pct(uint64_t *v, size_t n)
{
	struct pct p = { 0, 0, 0, n };

	if (!n)
		return p;
	qsort(v, n, sizeof(*v), u64cmp);
	p.p50 = v[n / 2];
	p.p99 = v[(size_t)((double)n * 0.99)];
	p.max = v[n - 1];
	return p;
}

static void pin(int cpu)
{
	cpu_set_t s;
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	CPU_ZERO(&s);
	CPU_SET(cpu % n, &s);
	pthread_setaffinity_np(pthread_self(), sizeof(s), &s);
}

/* Lattice map: n nodes ~1 m apart, 4-neighbour bidirectional edges, goal 0. */
static struct spinal_gmodel *lattice(uint32_t n)
{
	uint32_t side = 1, i;
	struct spinal_gmodel *m;
	uint64_t s = n;

	while (side * side < n)
		side++;
	m = spinal_gm_create(n);
	for (i = 0; i < n; i++)
		spinal_gm_node_add(m, i, 0, (float)(i % side) + tu_randf(&s, -0.3f, 0.3f),
				   (float)(i / side) + tu_randf(&s, -0.3f, 0.3f), 0);
	for (i = 0; i < n; i++) {
		if (i % side + 1 < side && i + 1 < n)
			spinal_gm_edge_add(m, i, i + 1, 0, 1);
		if (i + side < n)
			spinal_gm_edge_add(m, i, i + side, 0, 1);
	}
	spinal_gm_set_goal(m, 0);
	return m;
}

/* ---------------- 1. read latency: RCU vs rwlock ---------------- */

static struct fx fx;
static _Atomic int stop_feed;
static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static struct spinal_graph *rw_graph;
static struct spinal_gmodel *rw_model;
static _Atomic uint64_t feed_count;

static void next_tick(struct timespec *t, long ns)
{
	t->tv_nsec += ns;
	while (t->tv_nsec >= 1000000000) {
		t->tv_nsec -= 1000000000;
		t->tv_sec++;
	}
}

/* 1 kHz single-node edits through the config ring (RCU case). */
static void *feed_rcu(void *arg)
{
	struct timespec t;
	uint64_t s = 5;
	uint32_t n = *(uint32_t *)arg;

	pin(1);
	spinal_rcu_register();
	clock_gettime(CLOCK_MONOTONIC, &t);
	while (!atomic_load(&stop_feed)) {
		struct spinal_cfg_node nd = { (uint32_t)(tu_rand(&s) % n), 0, tu_randf(&s, 0, 50),
					      tu_randf(&s, 0, 50) };

		next_tick(&t, 1000000);
		spinal_rcu_offline();
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL);
		spinal_rcu_online();
		fx_send(&fx, SPINAL_CFG_NODE_MOVE, &nd, sizeof(nd), 0);
		atomic_fetch_add(&feed_count, 1);
	}
	spinal_rcu_unregister();
	return NULL;
}

/* 1 kHz single-node edits, rebuilt outside the lock, swapped under it. */
static void *feed_rw(void *arg)
{
	struct timespec t;
	uint64_t s = 5, gen = 1;
	uint32_t n = *(uint32_t *)arg;

	pin(1);
	clock_gettime(CLOCK_MONOTONIC, &t);
	while (!atomic_load(&stop_feed)) {
		struct spinal_graph *g, *old;
		uint32_t id = (uint32_t)(tu_rand(&s) % n);

		next_tick(&t, 1000000);
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL);
		spinal_gm_node_move(rw_model, id, 0, tu_randf(&s, 0, 50), tu_randf(&s, 0, 50));
		g = spinal_graph_build(rw_model, ++gen);
		pthread_rwlock_wrlock(&rw);
		old = rw_graph;
		rw_graph = g;
		pthread_rwlock_unlock(&rw);
		spinal_graph_free(old, 0);
		atomic_fetch_add(&feed_count, 1);
	}
	return NULL;
}

static inline uint32_t read_once(const struct spinal_graph *g, float x, float y)
{
	struct spinal_knn_hit h[8];
	int n = spinal_graph_knn(g, x, y, 8, h);

	return n > 0 ? spinal_graph_next_hop(g, h[0].idx) : 0;
}

static struct pct read_bench(int use_rw, double secs, uint64_t *buf, size_t cap)
{
	uint64_t s = 9, end = now_ns() + (uint64_t)(secs * 1e9);
	size_t n = 0;
	volatile uint32_t sink = 0;

	pin(0);
	while (n < cap && now_ns() < end) {
		float x = tu_randf(&s, 0, 100), y = tu_randf(&s, 0, 100);
		uint64_t t0 = now_ns();

		if (use_rw) {
			pthread_rwlock_rdlock(&rw);
			sink += read_once(rw_graph, x, y);
			pthread_rwlock_unlock(&rw);
		} else {
			sink += read_once(spinal_graph_current(), x, y);
			spinal_rcu_quiescent();
		}
		buf[n++] = now_ns() - t0;
	}
	(void)sink;
	return pct(buf, n);
}

static void print_pct(const char *what, struct pct p)
{
	printf("  %-34s p50 %7llu ns  p99 %7llu ns  max %9llu ns  (n=%llu)\n", what,
	       (unsigned long long)p.p50, (unsigned long long)p.p99, (unsigned long long)p.max,
	       (unsigned long long)p.n);
}

static void bench_read(void)
{
	uint32_t n = 1000; /* small enough that a rebuild fits in 1 ms: really 1 kHz */
	double secs = quick ? 0.3 : 3.0;
	size_t cap = 20u << 20;
	uint64_t *buf = malloc(cap * sizeof(*buf));
	struct spinal_gmodel *m = lattice(n);
	struct spinal_updater_cfg c;
	struct pct r0, r1, w0, w1;
	pthread_t th;
	size_t len;
	void *blob = tu_blob_from_model(m, &len);
	uint64_t f0, g0;

	printf("1. RT-side read latency: snapshot + 8-NN + next hop, %u-node map, %.1f s each\n", n, secs);
	fx_init(&fx);
	c = fx_cfg(&fx);
	c.initial_blob = blob;
	c.initial_blob_len = len;
	c.max_nodes = n;
	c.rt_cpu = 0;
	spinal_rcu_register();
	fx.u = spinal_updater_start(&c);
	r0 = read_bench(0, secs, buf, cap);
	atomic_store(&stop_feed, 0);
	f0 = atomic_load(&feed_count);
	g0 = spinal_updater_generation(fx.u);
	pthread_create(&th, NULL, feed_rcu, &n);
	r1 = read_bench(0, secs, buf, cap);
	atomic_store(&stop_feed, 1);
	spinal_rcu_offline();
	pthread_join(th, NULL);
	printf("  (RCU: %llu edits sent, %llu snapshots published during the run)\n",
	       (unsigned long long)(atomic_load(&feed_count) - f0),
	       (unsigned long long)(spinal_updater_generation(fx.u) - g0));
	fx_fini(&fx);
	spinal_rcu_unregister();

	rw_model = lattice(n);
	rw_graph = spinal_graph_build(rw_model, 1);
	w0 = read_bench(1, secs, buf, cap);
	atomic_store(&stop_feed, 0);
	f0 = atomic_load(&feed_count);
	pthread_create(&th, NULL, feed_rw, &n);
	w1 = read_bench(1, secs, buf, cap);
	atomic_store(&stop_feed, 1);
	pthread_join(th, NULL);
	printf("  (rwlock: %llu swaps during the run)\n",
	       (unsigned long long)(atomic_load(&feed_count) - f0));
	print_pct("RCU, no updater", r0);
	print_pct("RCU, updater publishing 1 kHz", r1);
	print_pct("rwlock, no writer", w0);
	print_pct("rwlock, writer 1 kHz", w1);
	printf("  ratio RCU 1kHz/idle: p99 %.2f max %.2f | rwlock 1kHz/idle: p99 %.2f max %.2f\n",
	       (double)r1.p99 / r0.p99, (double)r1.max / r0.max, (double)w1.p99 / w0.p99,
	       (double)w1.max / w0.max);
	printf("  ratio rwlock/RCU under 1 kHz writes: p50 %.2f p99 %.2f max %.2f\n\n",
	       (double)w1.p50 / r1.p50, (double)w1.p99 / r1.p99, (double)w1.max / r1.max);
	spinal_graph_free(rw_graph, 0);
	spinal_gm_destroy(rw_model);
	spinal_gm_destroy(m);
	free(blob);
	free(buf);
}

/* ---------------- 2. kNN: grid vs brute force ---------------- */

static void bench_knn(void)
{
	static const uint32_t sizes[] = { 1000, 10000, 100000, 1000000 };
	size_t si;

	printf("2. kNN (k = 8) per query, uniform density (1 node/m^2), random queries in the map\n");
	printf("  %8s %10s %10s %10s %12s %12s %9s %10s\n", "nodes", "grid p50", "grid p99",
	       "grid max", "brute p50", "brute p99", "p99 ratio", "build ms");
	for (si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
		uint32_t n = sizes[si], i;
		float side;
		struct spinal_gmodel *m;
		struct spinal_graph *g;
		uint64_t s = n, t0, tb, *gv, *bv;
		size_t nq = quick ? 200 : 5000, nb = n >= 1000000 ? (quick ? 10 : 100) :
				n >= 100000 ? (quick ? 20 : 500) : nq;
		struct spinal_knn_hit h[8];
		struct pct pg, pb;

		if (quick && n > 100000)
			break;
		side = 1;
		while (side * side < (float)n)
			side += 1;
		m = spinal_gm_create(n);
		for (i = 0; i < n; i++)
			spinal_gm_node_add(m, i, 0, tu_randf(&s, 0, side), tu_randf(&s, 0, side), 0);
		t0 = now_ns();
		g = spinal_graph_build(m, 1);
		tb = now_ns() - t0;
		gv = malloc(nq * sizeof(*gv));
		bv = malloc(nb * sizeof(*bv));
		for (i = 0; i < nq; i++) {
			float x = tu_randf(&s, 0, side), y = tu_randf(&s, 0, side);

			t0 = now_ns();
			spinal_graph_knn(g, x, y, 8, h);
			gv[i] = now_ns() - t0;
		}
		for (i = 0; i < nb; i++) {
			float x = tu_randf(&s, 0, side), y = tu_randf(&s, 0, side);

			t0 = now_ns();
			spinal_graph_knn_brute(g, x, y, 8, h);
			bv[i] = now_ns() - t0;
		}
		pg = pct(gv, nq);
		pb = pct(bv, nb);
		printf("  %8u %8llu ns %8llu ns %8llu ns %10llu ns %10llu ns %8.0fx %10.1f\n", n,
		       (unsigned long long)pg.p50, (unsigned long long)pg.p99,
		       (unsigned long long)pg.max, (unsigned long long)pb.p50,
		       (unsigned long long)pb.p99, (double)pb.p99 / pg.p99, tb / 1e6);
		free(gv);
		free(bv);
		spinal_graph_free(g, 0);
		spinal_gm_destroy(m);
	}
	printf("\n");
}

/* ---------------- 3. publish latency ---------------- */

static void bench_publish(void)
{
	uint32_t n = quick ? 10000 : 100000, i, reps = quick ? 5 : 30;
	struct spinal_gmodel *m = lattice(n);
	struct spinal_updater_cfg c;
	struct spinal_graph *g;
	uint64_t *v = malloc(reps * sizeof(*v)), *b = malloc(reps * sizeof(*b)), s = 3, t0;
	size_t len;
	void *blob = tu_blob_from_model(m, &len);
	struct pct p, pb;

	printf("3. publish latency, single NODE_MOVE on a %u-node lattice map (goal set: full rebuild\n"
	       "   incl. grid, CSR and reverse Dijkstra), ring write -> new generation seen by a reader\n", n);
	for (i = 0; i < reps; i++) {
		t0 = now_ns();
		g = spinal_graph_build(m, 1);
		b[i] = now_ns() - t0;
		spinal_graph_free(g, 0);
	}
	fx_init(&fx);
	c = fx_cfg(&fx);
	c.initial_blob = blob;
	c.initial_blob_len = len;
	c.max_nodes = n;
	c.rt_cpu = 0;
	spinal_rcu_register();
	fx.u = spinal_updater_start(&c);
	for (i = 0; i < reps; i++) {
		struct spinal_cfg_node nd = { (uint32_t)(tu_rand(&s) % n), 0, tu_randf(&s, 0, 300),
					      tu_randf(&s, 0, 300) };
		uint64_t gen = spinal_graph_current()->generation;

		t0 = now_ns();
		fx_send(&fx, SPINAL_CFG_NODE_MOVE, &nd, sizeof(nd), 0);
		for (;;) {
			const struct spinal_graph *cur = spinal_graph_current();

			if (cur->generation > gen)
				break;
			spinal_rcu_quiescent();
		}
		v[i] = now_ns() - t0;
		spinal_rcu_quiescent();
	}
	spinal_rcu_offline();
	fx_fini(&fx);
	spinal_rcu_unregister();
	p = pct(v, reps);
	pb = pct(b, reps);
	printf("  edit -> visible: p50 %.2f ms  max %.2f ms  (n=%u; updater poll period %u us)\n",
	       p.p50 / 1e6, p.max / 1e6, reps, 200u);
	printf("  of which snapshot build alone: p50 %.2f ms  max %.2f ms\n\n", pb.p50 / 1e6,
	       pb.max / 1e6);
	free(v);
	free(b);
	free(blob);
	spinal_gm_destroy(m);
}

/* ---------------- 4. offline around the sleep? ---------------- */

static _Atomic int reader_offline_mode, stop_reader;
static _Atomic uint64_t tick_cost_sum, tick_cost_n, tick_cost_max;

static void *reader_1khz(void *arg)
{
	struct timespec t;

	(void)arg;
	pin(0);
	spinal_rcu_register();
	clock_gettime(CLOCK_MONOTONIC, &t);
	while (!atomic_load(&stop_reader)) {
		uint64_t t0, d;
		int off = atomic_load(&reader_offline_mode);

		next_tick(&t, 1000000);
		t0 = now_ns();
		if (off)
			spinal_rcu_offline();
		else
			spinal_rcu_quiescent();
		d = now_ns() - t0;
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL);
		t0 = now_ns();
		if (off)
			spinal_rcu_online();
		(void)spinal_graph_current();
		d += now_ns() - t0;
		atomic_fetch_add(&tick_cost_sum, d);
		atomic_fetch_add(&tick_cost_n, 1);
		if (d > atomic_load(&tick_cost_max))
			atomic_store(&tick_cost_max, d);
	}
	spinal_rcu_unregister();
	return NULL;
}

static void bench_offline(void)
{
	struct spinal_gmodel *m = lattice(1000);
	struct spinal_updater_cfg c;
	size_t len;
	void *blob = tu_blob_from_model(m, &len);
	pthread_t th;
	int mode, reps = quick ? 20 : 200, i;
	uint64_t s = 1, *gp = malloc((size_t)reps * sizeof(*gp));

	printf("4. RT thread offline around its sleep?  1 kHz reader; grace periods from another thread\n");
	fx_init(&fx);
	c = fx_cfg(&fx);
	c.initial_blob = blob;
	c.initial_blob_len = len;
	c.max_nodes = 1000;
	c.rt_cpu = 0;
	spinal_rcu_register();
	fx.u = spinal_updater_start(&c);
	spinal_rcu_offline();
	pthread_create(&th, NULL, reader_1khz, NULL);
	for (mode = 0; mode < 2; mode++) {
		struct pct p;

		atomic_store(&reader_offline_mode, mode);
		usleep(20000);
		atomic_store(&tick_cost_sum, 0);
		atomic_store(&tick_cost_n, 0);
		atomic_store(&tick_cost_max, 0);
		for (i = 0; i < reps; i++) {
			uint64_t t0 = now_ns();

			synchronize_rcu(); /* what call_rcu's worker waits for */
			gp[i] = now_ns() - t0;
			usleep(3000 + (useconds_t)(tu_rand(&s) % 1000));
		}
		p = pct(gp, (size_t)reps);
		printf("  %-22s per-tick RCU cost avg %4llu ns max %6llu ns | synchronize_rcu() p50 %.3f ms max %.3f ms\n",
		       mode ? "offline during sleep:" : "online, quiescent():",
		       (unsigned long long)(atomic_load(&tick_cost_sum) / (atomic_load(&tick_cost_n) ?: 1)),
		       (unsigned long long)atomic_load(&tick_cost_max), p.p50 / 1e6, p.max / 1e6);
	}
	atomic_store(&stop_reader, 1);
	pthread_join(th, NULL);
	fx_fini(&fx);
	spinal_rcu_unregister();
	free(gp);
	free(blob);
	spinal_gm_destroy(m);
	printf("\n");
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--quick")) {
		quick = 1;
	} else if (argc > 1) {
		fprintf(stderr, "usage: spinal-bench-graph [--quick]\n"
				"Graph snapshot benchmarks: RCU vs rwlock read latency, kNN grid vs brute\n"
				"force, publish latency, RT offline decision.  Prints numbers; asserts nothing.\n");
		return argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) ? 0 : 2;
	}
	printf("spinal-bench-graph (%ld CPUs; reader pinned to CPU 0, updater kept off it)\n\n",
	       sysconf(_SC_NPROCESSORS_ONLN));
	bench_read();
	bench_knn();
	bench_publish();
	bench_offline();
	return 0;
}
