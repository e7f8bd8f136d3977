// SPDX-License-Identifier: MIT
/*
 * spinal-bench-graph - graph snapshot benchmarks (numbers, not assertions).
 *
 *   spinal-bench-graph [--quick] [--rounds N] [--sizes LIST]
 *
 * 1. Publish latency of single edits (node move, edge change, visit count)
 *    on 100k and 1M-node lattice maps: the incremental builder alone
 *    (p50/p99/max, pages copied) and edit -> visible through the real
 *    updater and config ring; the whole-map build for reference.
 * 2. RT-side read (snapshot + 8-NN + next hop + on-path) p50/p99 on a
 *    100k-node map: RCU idle, RCU with the updater publishing single-node
 *    moves at 1 kHz, a pthread rwlock idle and with a 1 kHz writer (the same
 *    incremental builder, swapped under the write lock).  Interleaved rounds
 *    (each round runs all four), per-round ratios, median ratio with a
 *    bootstrap 95 % interval.
 * 3. kNN (k = 8) p50/p99 on 1k..1M-node maps of uniform density, grid vs.
 *    brute-force scan on the same snapshot.
 * 4. The offline decision: per-tick cost of quiescent() vs offline()+online()
 *    and the grace-period latency either way with a 1 kHz reader.
 * --quick shrinks every run (CI smoke test).
 */
#include <errno.h>
#include <math.h>
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

static int quick, rounds = 12;

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

static int dblcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

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

static double median(double *v, size_t n)
{
	double *c = malloc(n * sizeof(*c)), m;

	memcpy(c, v, n * sizeof(*c));
	qsort(c, n, sizeof(*c), dblcmp);
	m = n % 2 ? c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2;
	free(c);
	return m;
}

/*
 * Paired rounds a[i], b[i] through tools/bench/pairstat.py (the one
 * statistic of every side-by-side benchmark: spreads, median ratio b/a,
 * bootstrap 95 % interval); SPINAL_PAIRSTAT overrides its path.
 */
static void pairstat(const char *name, const char *an, const double *a, const char *bn,
		     const double *b, int n, const char *goal)
{
	const char *ps = getenv("SPINAL_PAIRSTAT") ? getenv("SPINAL_PAIRSTAT") :
						     "tools/bench/pairstat.py";
	char cmd[512];
	FILE *f;
	int i;

	if (access(ps, R_OK)) {
		printf("  %s: %s not found (run from the source tree or set SPINAL_PAIRSTAT)\n", name, ps);
		return;
	}
	snprintf(cmd, sizeof(cmd), "python3 %s --name '%s' --unit ns --a '%s' --b '%s' | sed 's/^/  /'",
		 ps, name, an, bn);
	fflush(stdout);
	f = popen(cmd, "w");
	if (!f)
		return;
	for (i = 0; i < n; i++)
		fprintf(f, "A %.1f\nB %.1f\n", a[i], b[i]);
	pclose(f);
	if (goal && *goal)
		printf("    %s\n", goal);
}

static void pin(int cpu)
{
	cpu_set_t s;
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	CPU_ZERO(&s);
	CPU_SET(cpu % n, &s);
	pthread_setaffinity_np(pthread_self(), sizeof(s), &s);
}

/* Lattice map: n nodes ~1 m apart (jittered), 4-neighbour bidirectional
 * Euclidean edges, goal 0 in a corner. */
static struct spinal_gmodel *lattice(uint32_t n, uint32_t *sidep)
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
	if (sidep)
		*sidep = side;
	return m;
}

static void next_tick(struct timespec *t, long ns)
{
	t->tv_nsec += ns;
	while (t->tv_nsec >= 1000000000) {
		t->tv_nsec -= 1000000000;
		t->tv_sec++;
	}
}

/* A writer that fell behind skips ticks instead of catching up in a burst. */
static void no_burst(struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec > t->tv_sec + 1 ||
	    (int64_t)(now.tv_sec - t->tv_sec) * 1000000000 + (now.tv_nsec - t->tv_nsec) > 1000000)
		*t = now;
}

/* ---------------- 1. publish latency ---------------- */

enum edit { E_MOVE, E_MOVE_FAR, E_EDGE, E_VISIT, E_NKINDS };
static const char *const edit_name[E_NKINDS] = {
	"node move (<= 0.5 m)", "node move (anywhere)", "edge remove/add", "visit count"
};

/* One edit of @kind on the lattice model (ids 0..n-1).  Edge edits toggle
 * the east edge of a random node: removed on odd calls, restored on even. */
static void edit(struct spinal_gmodel *m, enum edit kind, uint32_t side, uint64_t *s,
		 uint32_t *toggled)
{
	uint32_t n = m->n, id = (uint32_t)(tu_rand(s) % n), i = spinal_gm_find(m, id);

	switch (kind) {
	case E_MOVE:
		spinal_gm_node_move(m, id, 0, m->nodes[i].x + tu_randf(s, -0.5f, 0.5f),
				    m->nodes[i].y + tu_randf(s, -0.5f, 0.5f));
		break;
	case E_MOVE_FAR:
		spinal_gm_node_move(m, id, 0, tu_randf(s, 0, (float)side), tu_randf(s, 0, (float)side));
		break;
	case E_EDGE:
		if (*toggled != SPINAL_NODE_NONE) {
			spinal_gm_edge_add(m, *toggled, *toggled + 1, 0, 1);
			*toggled = SPINAL_NODE_NONE;
		} else {
			if (id % side + 1 >= side)
				id--;
			if (!spinal_gm_edge_remove(m, id, id + 1, 1))
				*toggled = id;
		}
		break;
	default:
		spinal_gm_visit(m, id);
		break;
	}
}

static void bench_builder(uint32_t n)
{
	uint32_t side, reps = quick ? 20 : 200, k, r;
	struct spinal_gmodel *m = lattice(n, &side);
	struct spinal_gbuild *b = spinal_gbuild_create();
	struct spinal_gjunk *junk;
	struct spinal_graph *g;
	uint64_t *v = malloc(reps * sizeof(*v)), t0, s = 77, gen = 1, full[5];
	uint32_t toggled = SPINAL_NODE_NONE;
	struct pct pf;

	for (r = 0; r < (quick ? 2u : 5u); r++) { /* whole-map build, for reference */
		struct spinal_graph *f;

		t0 = now_ns();
		f = spinal_graph_build(m, 1);
		full[r] = now_ns() - t0;
		spinal_graph_free(f, 0);
	}
	pf = pct(full, quick ? 2 : 5);
	g = spinal_gbuild_next(b, m, gen, &junk);
	printf("  %u nodes (%u directed edges), whole-map build p50 %.1f ms (n=%llu)\n", n, m->ne,
	       pf.p50 / 1e6, (unsigned long long)pf.n);
	printf("  %-22s %9s %9s %9s %7s %7s %6s %9s %5s\n", "edit", "p50", "p99", "max", "pages",
	       "adj", "tiles", "route", "full");
	for (k = 0; k < E_NKINDS; k++) {
		double pages = 0, adjs = 0, tiles = 0, route = 0;
		unsigned fulls = 0;
		struct pct p;

		for (r = 0; r < reps; r++) {
			struct spinal_gbuild_stats st;

			edit(m, (enum edit)k, side, &s, &toggled);
			t0 = now_ns();
			g = spinal_gbuild_next(b, m, ++gen, &junk);
			v[r] = now_ns() - t0;
			spinal_gjunk_free(junk, 0);
			spinal_gbuild_last(b, &st);
			pages += st.pages;
			adjs += st.adjs;
			tiles += st.tiles;
			route += st.route_nodes;
			fulls += st.full || st.relabel_full || st.route_full;
		}
		p = pct(v, reps);
		printf("  %-22s %6.3f ms %6.3f ms %6.3f ms %7.1f %7.1f %6.1f %9.1f %5u\n", edit_name[k],
		       p.p50 / 1e6, p.p99 / 1e6, p.max / 1e6, pages / reps, adjs / reps, tiles / reps,
		       route / reps, fulls);
	}
	spinal_graph_free(g, 0);
	spinal_gbuild_destroy(b);
	spinal_gm_destroy(m);
	free(v);
}

static struct fx fx;

/* The real updater over the fixture's ring, publishing @blob first; the
 * caller is registered and online afterwards. */
static void updater_up(void *blob, size_t len, uint32_t n, uint32_t poll_us)
{
	struct spinal_updater_cfg c;

	fx_init(&fx);
	c = fx_cfg(&fx);
	c.initial_blob = blob;
	c.initial_blob_len = len;
	c.max_nodes = n;
	c.rt_cpu = 0;
	if (poll_us)
		c.poll_us = poll_us;
	spinal_rcu_register();
	fx.u = spinal_updater_start(&c);
	if (!fx.u) {
		perror("spinal-bench-graph: spinal_updater_start");
		exit(1);
	}
}

/* Edit -> visible through the updater: ring write to a reader seeing it. */
static void bench_e2e(uint32_t n, uint32_t poll_us)
{
	uint32_t side, reps = quick ? 10 : 100, i;
	struct spinal_gmodel *m = lattice(n, &side);
	uint64_t *v = malloc(reps * sizeof(*v)), s = 3, t0;
	size_t len;
	void *blob = tu_blob_from_model(m, &len);
	struct pct p;

	updater_up(blob, len, n, poll_us);
	for (i = 0; i < reps; i++) {
		uint32_t id = (uint32_t)(tu_rand(&s) % n);
		const struct spinal_gnode *nd;
		struct spinal_cfg_node msg;
		uint64_t gen;

		spinal_rcu_quiescent();
		gen = spinal_graph_current()->generation;
		nd = spinal_graph_node(spinal_graph_current(),
				       spinal_graph_find_id(spinal_graph_current(), id));
		msg = (struct spinal_cfg_node){ id, 0, nd->x + tu_randf(&s, -0.5f, 0.5f),
						nd->y + tu_randf(&s, -0.5f, 0.5f) };
		spinal_rcu_quiescent();
		usleep((useconds_t)(tu_rand(&s) % 1000)); /* not in phase with the poll */
		t0 = now_ns();
		fx_send(&fx, SPINAL_CFG_NODE_MOVE, &msg, sizeof(msg), 0);
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
	printf("  %u nodes, updater poll %u us: node move, ring write -> visible: p50 %.3f ms  p99 %.3f ms  max %.3f ms (n=%u)\n",
	       n, poll_us, p.p50 / 1e6, p.p99 / 1e6, p.max / 1e6, reps);
	free(v);
	free(blob);
	spinal_gm_destroy(m);
}

static void bench_publish(void)
{
	printf("1. publish latency of single edits, lattice maps (jittered, Euclidean edges, goal in a corner)\n"
	       "   builder alone (spinal_gbuild_next): pages = node pages copied, adj = adjacency pages,\n"
	       "   tiles = grid tiles, route = nodes whose next hop/cost/labels changed, full = fallbacks\n");
	bench_builder(quick ? 10000 : 100000);
	if (!quick)
		bench_builder(1000000);
	bench_e2e(quick ? 10000 : 100000, 500);
	bench_e2e(quick ? 10000 : 100000, 100);
	if (!quick)
		bench_e2e(1000000, 500);
	printf("\n");
}

/* ---------------- 2. read latency: RCU vs rwlock ---------------- */

static _Atomic int feed_on, feed_stop;
static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static struct spinal_graph *rw_graph;
static _Atomic uint64_t feed_count;
static _Atomic int rw_ready;
static uint32_t rd_n;

/* 1 kHz single-node moves through the config ring (RCU case). */
static void *feed_rcu(void *arg)
{
	struct timespec t;
	uint64_t s = 5;

	(void)arg;
	pin(1);
	spinal_rcu_register();
	clock_gettime(CLOCK_MONOTONIC, &t);
	while (!atomic_load(&feed_stop)) {
		next_tick(&t, 1000000);
		spinal_rcu_offline();
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL);
		spinal_rcu_online();
		no_burst(&t);
		if (atomic_load(&feed_on) == 1) {
			uint32_t id = (uint32_t)(tu_rand(&s) % rd_n), side = (uint32_t)sqrt(rd_n);
			struct spinal_cfg_node nd = { id, 0, (float)(id % side) + tu_randf(&s, -0.4f, 0.4f),
						      (float)(id / side) + tu_randf(&s, -0.4f, 0.4f) };

			fx_send(&fx, SPINAL_CFG_NODE_MOVE, &nd, sizeof(nd), 0);
			atomic_fetch_add(&feed_count, 1);
		}
	}
	spinal_rcu_unregister();
	return NULL;
}

/* 1 kHz single-node moves, built outside the lock, swapped under it. */
static void *feed_rw(void *arg)
{
	struct spinal_gmodel *m = arg;
	struct spinal_gbuild *b = spinal_gbuild_create();
	struct spinal_gjunk *junk;
	struct timespec t;
	uint64_t s = 5, gen = 1;
	uint32_t side = (uint32_t)sqrt(rd_n);

	pin(1);
	pthread_rwlock_wrlock(&rw);
	rw_graph = spinal_gbuild_next(b, m, gen, &junk);
	pthread_rwlock_unlock(&rw);
	atomic_store(&rw_ready, 1);
	clock_gettime(CLOCK_MONOTONIC, &t);
	while (!atomic_load(&feed_stop)) {
		struct spinal_graph *g;
		uint32_t id = (uint32_t)(tu_rand(&s) % rd_n);

		next_tick(&t, 1000000);
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL);
		no_burst(&t);
		if (atomic_load(&feed_on) != 2)
			continue;
		spinal_gm_node_move(m, id, 0, (float)(id % side) + tu_randf(&s, -0.4f, 0.4f),
				    (float)(id / side) + tu_randf(&s, -0.4f, 0.4f));
		g = spinal_gbuild_next(b, m, ++gen, &junk);
		pthread_rwlock_wrlock(&rw);
		rw_graph = g;
		pthread_rwlock_unlock(&rw);
		spinal_gjunk_free(junk, 0); /* no reader holds it: they hold the lock */
		atomic_fetch_add(&feed_count, 1);
	}
	pthread_rwlock_wrlock(&rw);
	spinal_graph_free(rw_graph, 0);
	rw_graph = NULL;
	pthread_rwlock_unlock(&rw);
	spinal_gbuild_destroy(b);
	return NULL;
}

/* What SFS does with the map in a tick. */
static inline uint32_t read_once(const struct spinal_graph *g, float x, float y)
{
	struct spinal_knn_hit h[8];
	int n = spinal_graph_knn(g, x, y, 8, h), i;
	uint32_t acc = 0;

	if (n <= 0)
		return 0;
	for (i = 0; i < n; i++)
		acc += (uint32_t)spinal_graph_on_path(g, h[0].idx, h[i].idx);
	return acc + spinal_graph_next_hop(g, h[0].idx);
}

static struct pct read_run(int use_rw, double secs, uint64_t *buf, size_t cap)
{
	uint64_t s = 9, end = now_ns() + (uint64_t)(secs * 1e9);
	float side = (float)sqrt(rd_n);
	size_t n = 0;
	volatile uint32_t sink = 0;

	while (n < cap && now_ns() < end) {
		float x = tu_randf(&s, 0, side), y = tu_randf(&s, 0, side);
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

static void bench_read(void)
{
	uint32_t n = quick ? 10000 : 100000;
	int nr = quick ? 10 : rounds, r, v;
	double secs = quick ? 0.1 : 0.5;
	size_t cap = 4u << 20;
	uint64_t *buf = malloc(cap * sizeof(*buf)), f0, g0, pubs = 0, swaps = 0;
	struct spinal_gmodel *m = lattice(n, NULL), *mrw = lattice(n, NULL);
	pthread_t th_rcu, th_rw;
	size_t len;
	void *blob = tu_blob_from_model(m, &len);
	double *p99[4], *p50[4];
	static const char *const name[4] = { "RCU, no updater", "RCU, updater publishing 1 kHz",
					     "rwlock, no writer", "rwlock, writer 1 kHz" };

	printf("2. RT-side read: snapshot + 8-NN + on-path x8 + next hop, %u-node map; %d interleaved\n"
	       "   rounds of 4 x %.1f s (reader pinned to CPU 0, writers kept off it)\n", n, nr, secs);
	for (v = 0; v < 4; v++) {
		p99[v] = malloc((size_t)nr * sizeof(double));
		p50[v] = malloc((size_t)nr * sizeof(double));
	}
	rd_n = n;
	pin(0);
	updater_up(blob, len, n, 0);
	spinal_rcu_offline();
	atomic_store(&feed_on, 0);
	pthread_create(&th_rcu, NULL, feed_rcu, NULL);
	pthread_create(&th_rw, NULL, feed_rw, mrw);
	while (!atomic_load(&rw_ready))
		usleep(1000);
	spinal_rcu_online();
	for (r = 0; r < nr; r++) {
		for (v = 0; v < 4; v++) {
			struct pct p;

			atomic_store(&feed_on, v == 1 ? 1 : v == 3 ? 2 : 0);
			f0 = atomic_load(&feed_count);
			g0 = spinal_updater_generation(fx.u);
			usleep(20000); /* let the writer reach its rate */
			p = read_run(v >= 2, secs, buf, cap);
			p99[v][r] = (double)p.p99;
			p50[v][r] = (double)p.p50;
			if (v == 1)
				pubs += spinal_updater_generation(fx.u) - g0;
			if (v == 3)
				swaps += atomic_load(&feed_count) - f0;
		}
	}
	atomic_store(&feed_on, 0);
	atomic_store(&feed_stop, 1);
	spinal_rcu_offline();
	pthread_join(th_rcu, NULL);
	pthread_join(th_rw, NULL);
	fx_fini(&fx);
	spinal_rcu_unregister();
	printf("  (RCU: %llu snapshots published in the publishing phases, %.0f/s; rwlock: %llu swaps, %.0f/s)\n",
	       (unsigned long long)pubs, pubs / (nr * secs), (unsigned long long)swaps,
	       swaps / (nr * secs));
	for (v = 0; v < 4; v++) {
		double lo = p99[v][0], hi = p99[v][0];

		for (r = 1; r < nr; r++) {
			lo = fmin(lo, p99[v][r]);
			hi = fmax(hi, p99[v][r]);
		}
		printf("  %-34s p50 %6.0f ns  p99 median %6.0f ns  (rounds: %.0f..%.0f ns)\n", name[v],
		       median(p50[v], (size_t)nr), median(p99[v], (size_t)nr), lo, hi);
	}
	pairstat("read p99, RCU: publishing 1 kHz / idle", "idle", p99[0], "publishing", p99[1], nr,
		 "goal: <= 1.1");
	pairstat("read p99, rwlock: writing 1 kHz / idle", "idle", p99[2], "writing", p99[3], nr, NULL);
	pairstat("read p99 under 1 kHz writes: RCU / rwlock", "rwlock", p99[3], "RCU", p99[1], nr,
		 "goal: <= 1.0 (RCU not worse than the rwlock)");
	pairstat("read p99 idle: RCU / rwlock", "rwlock", p99[2], "RCU", p99[0], nr, NULL);
	printf("  raw p99 rounds (ns), RCU idle / RCU 1 kHz / rwlock idle / rwlock 1 kHz:\n");
	for (r = 0; r < nr; r++)
		printf("    round %2d: %6.0f %6.0f %6.0f %6.0f\n", r, p99[0][r], p99[1][r], p99[2][r],
		       p99[3][r]);
	printf("\n");
	for (v = 0; v < 4; v++) {
		free(p99[v]);
		free(p50[v]);
	}
	spinal_gm_destroy(m);
	spinal_gm_destroy(mrw);
	free(blob);
	free(buf);
	atomic_store(&feed_stop, 0);
}

/* ---------------- 3. kNN: grid vs brute force ---------------- */

static void bench_knn(void)
{
	static const uint32_t sizes[] = { 1000, 10000, 100000, 1000000 };
	double p99_first = 0, p99_last = 0, w99_first = 0, w99_last = 0;
	size_t si;

	printf("3. kNN (k = 8) per query, uniform density (1 node/m^2): random queries anywhere in the\n"
	       "   map (cold caches on big maps), along a path (1 m/s at 1 kHz, as SFS queries), brute force\n");
	printf("  %8s %10s %10s %10s %10s %10s %12s %12s %10s\n", "nodes", "grid p50", "grid p99",
	       "grid max", "path p50", "path p99", "brute p50", "brute p99", "build ms");
	for (si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
		uint32_t n = sizes[si], i;
		float side;
		struct spinal_gmodel *m;
		struct spinal_graph *g;
		uint64_t s = n, t0, tb, *gv, *bv, *wv;
		float wx, wy, hd = 0;
		size_t nq = quick ? 2000 : 50000, nb = n >= 1000000 ? (quick ? 10 : 100) :
				n >= 100000 ? (quick ? 20 : 500) : 2000;
		struct spinal_knn_hit h[8];
		struct pct pg, pb, pw;

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
		wv = malloc(nq * sizeof(*wv));
		wx = side / 2;
		wy = side / 2;
		for (i = 0; i < nq; i++) { /* 1 mm per query, turning slowly, bouncing off the edges */
			hd += tu_randf(&s, -0.01f, 0.01f);
			wx += 0.001f * cosf(hd);
			wy += 0.001f * sinf(hd);
			if (wx < 0 || wx > side || wy < 0 || wy > side)
				hd += 3.14159f;
			t0 = now_ns();
			spinal_graph_knn(g, wx, wy, 8, h);
			wv[i] = now_ns() - t0;
		}
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
		pw = pct(wv, nq);
		if (si == 0) {
			p99_first = (double)pg.p99;
			w99_first = (double)pw.p99;
		}
		p99_last = (double)pg.p99;
		w99_last = (double)pw.p99;
		printf("  %8u %7llu ns %7llu ns %7llu ns %7llu ns %7llu ns %9llu ns %9llu ns %10.1f\n", n,
		       (unsigned long long)pg.p50, (unsigned long long)pg.p99,
		       (unsigned long long)pg.max, (unsigned long long)pw.p50,
		       (unsigned long long)pw.p99, (unsigned long long)pb.p50,
		       (unsigned long long)pb.p99, tb / 1e6);
		free(gv);
		free(wv);
		free(bv);
		spinal_graph_free(g, 0);
		spinal_gm_destroy(m);
	}
	printf("  p99 largest / smallest map: random queries %.2f, along a path %.2f\n\n",
	       p99_last / p99_first, w99_last / w99_first);
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
	struct spinal_gmodel *m = lattice(1000, NULL);
	size_t len;
	void *blob = tu_blob_from_model(m, &len);
	pthread_t th;
	int mode, reps = quick ? 20 : 200, i;
	uint64_t s = 1, *gp = malloc((size_t)reps * sizeof(*gp));

	printf("4. RT thread offline around its sleep?  1 kHz reader; grace periods from another thread\n");
	updater_up(blob, len, 1000, 0);
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

static const char usage[] =
"Usage: spinal-bench-graph [--quick] [--rounds N] [--only LIST]\n"
"Graph snapshot benchmarks; prints numbers, asserts nothing (docs/graph.md).\n"
"\n"
"  1 publish  single-edit publish latency on 100k and 1M-node maps: the\n"
"             incremental builder alone, and edit -> visible via the updater\n"
"  2 read     RT-side read p50/p99: RCU idle / RCU with 1 kHz publication /\n"
"             rwlock idle / rwlock with a 1 kHz writer, interleaved rounds,\n"
"             median ratios with bootstrap 95 % intervals\n"
"  3 knn      kNN grid vs brute force, 1k..1M nodes\n"
"  4 offline  RT thread offline around its sleep vs quiescent()\n"
"\n"
"  --quick      small maps, short runs (CI smoke test)\n"
"  --rounds N   interleaved rounds in 2 (default 12, at least 10)\n"
"  --only LIST  comma-separated subset of publish,read,knn,offline\n";

int main(int argc, char **argv)
{
	const char *only = NULL;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quick")) {
			quick = 1;
		} else if (!strcmp(argv[i], "--rounds") && i + 1 < argc) {
			rounds = atoi(argv[++i]);
			if (rounds < 10) {
				fprintf(stderr, "spinal-bench-graph: --rounds %d: at least 10 (a median ratio needs them)\n",
					rounds);
				return 2;
			}
		} else if (!strcmp(argv[i], "--only") && i + 1 < argc) {
			only = argv[++i];
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(usage, stdout);
			return 0;
		} else {
			fprintf(stderr, "spinal-bench-graph: unknown argument '%s'\n%s", argv[i], usage);
			return 2;
		}
	}
	printf("spinal-bench-graph (%ld CPUs; reader pinned to CPU 0, updater kept off it)\n\n",
	       sysconf(_SC_NPROCESSORS_ONLN));
	if (!only || strstr(only, "publish"))
		bench_publish();
	if (!only || strstr(only, "read"))
		bench_read();
	if (!only || strstr(only, "knn"))
		bench_knn();
	if (!only || strstr(only, "offline"))
		bench_offline();
	return 0;
}
