// SPDX-License-Identifier: MIT
/*
 * graph-torture - rcutorture-style stress of graph snapshots.
 *
 *   graph-torture [SECONDS [READERS [NODES]]]      (defaults 3 2 64)
 *
 * The real updater publishes as fast as the agent side can feed it NODE_MOVE
 * messages through an in-memory config ring; freed snapshots are poisoned
 * before free.  Readers, pinned round-robin to the CPUs, loop: read the freed
 * generation F, take the current snapshot, and assert that it is not
 * poisoned, that its content hash still matches (nothing changed or freed
 * under them), that its generation is > F (never older than one grace
 * period) and never goes backwards; then report a quiescent state (every
 * 64th pass they go offline and online instead).  Exit status 0 on success,
 * 1 on any violation or if the run exercised too little (no grace period).
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rtcore/graph.h"
#include "rtcore/updater.h"
#include "tests/unit/graph_check.h"
#include "tests/unit/graph_testutil.h"
#include "tests/unit/updater_fixture.h"

static _Atomic int stop;
static _Atomic uint64_t violations;
static struct fx fx;
static uint32_t nnodes = 64;

struct reader {
	pthread_t thr;
	int cpu;
	uint64_t reads, offline_passes, max_gen;
};

static void violation(const char *what, uint64_t a, uint64_t b)
{
	if (atomic_fetch_add(&violations, 1) < 10)
		fprintf(stderr, "graph-torture: VIOLATION: %s (%llu, %llu)\n", what,
			(unsigned long long)a, (unsigned long long)b);
}

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(r->cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	spinal_rcu_register();
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		uint64_t freed = spinal_updater_freed_generation(fx.u);
		const struct spinal_graph *g = spinal_graph_current();
		const char *bad;
		int pass;

		if (!g) {
			violation("no snapshot while the updater runs", 0, 0);
			break;
		}
		/* look at it several times: a premature free shows up as poison */
		for (pass = 0; pass < 3; pass++) {
			bad = graph_check(g, 1);
			if (bad) {
				violation(bad, g->generation, freed);
				break;
			}
		}
		if (g->generation <= freed)
			violation("generation older than a grace period", g->generation, freed);
		if (g->generation < r->max_gen)
			violation("generation went backwards", g->generation, r->max_gen);
		r->max_gen = g->generation;
		r->reads++;
		if ((r->reads & 63) == 0) {
			spinal_rcu_offline();
			sched_yield();
			spinal_rcu_online();
			r->offline_passes++;
		} else {
			spinal_rcu_quiescent();
		}
	}
	spinal_rcu_unregister();
	return NULL;
}

/* The agent: move nodes around as fast as the ring takes it. */
static void *writer_main(void *arg)
{
	uint64_t s = 1, *sent = arg;

	spinal_rcu_register(); /* fx_put_raw reports quiescence while waiting */
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		struct spinal_cfg_node n = { (uint32_t)(tu_rand(&s) % nnodes), 0,
					     tu_randf(&s, 0, 100), tu_randf(&s, 0, 100) };

		fx_send(&fx, SPINAL_CFG_NODE_MOVE, &n, sizeof(n), 0);
		(*sent)++;
	}
	spinal_rcu_unregister();
	return NULL;
}

int main(int argc, char **argv)
{
	int secs = argc > 1 ? atoi(argv[1]) : 3, nr = argc > 2 ? atoi(argv[2]) : 2, i;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	struct spinal_updater_cfg c;
	struct spinal_gmodel *m;
	struct reader *rd;
	pthread_t wr;
	uint64_t sent = 0, reads = 0, offl = 0, gens, freed;
	void *blob;
	size_t len;

	if (argc > 3)
		nnodes = (uint32_t)atoi(argv[3]);
	if (secs <= 0 || nr <= 0 || nnodes < 2 || argc > 4) {
		fprintf(stderr, "usage: graph-torture [SECONDS [READERS [NODES]]]\n");
		return 2;
	}
	fx_init(&fx);
	m = spinal_gm_create(nnodes);
	for (i = 0; i < (int)nnodes; i++)
		spinal_gm_node_add(m, (uint32_t)i, 0, (float)(i % 10) * 10, (float)(i / 10) * 10, 0);
	for (i = 1; i < (int)nnodes; i++)
		spinal_gm_edge_add(m, (uint32_t)i - 1, (uint32_t)i, 0, 1);
	spinal_gm_set_goal(m, 0);
	blob = tu_blob_from_model(m, &len);
	c = fx_cfg(&fx);
	c.poison = 1;
	c.poll_us = 20;
	c.initial_blob = blob;
	c.initial_blob_len = len;
	c.max_nodes = nnodes;
	rd = calloc((size_t)nr, sizeof(*rd));
	spinal_rcu_register();
	fx.u = spinal_updater_start(&c);
	if (!fx.u) {
		perror("graph-torture: spinal_updater_start");
		return 1;
	}
	spinal_rcu_offline();
	for (i = 0; i < nr; i++) {
		rd[i].cpu = (int)(i % ncpu);
		pthread_create(&rd[i].thr, NULL, reader_main, &rd[i]);
	}
	pthread_create(&wr, NULL, writer_main, &sent);
	sleep((unsigned int)secs);
	atomic_store(&stop, 1);
	pthread_join(wr, NULL);
	for (i = 0; i < nr; i++) {
		pthread_join(rd[i].thr, NULL);
		reads += rd[i].reads;
		offl += rd[i].offline_passes;
	}
	gens = spinal_updater_generation(fx.u);
	freed = spinal_updater_freed_generation(fx.u);
	printf("graph-torture: %ds, %d readers, %u nodes: %llu publications (%.0f/s), "
	       "%llu reads (%llu via offline), %llu messages, freed up to gen %llu, "
	       "rejected %llu, violations %llu\n",
	       secs, nr, nnodes, (unsigned long long)gens, (double)gens / secs,
	       (unsigned long long)reads, (unsigned long long)offl, (unsigned long long)sent,
	       (unsigned long long)freed,
	       (unsigned long long)fx_stat(&fx.stats->cfg_rejected),
	       (unsigned long long)atomic_load(&violations));
	fx_fini(&fx); /* offline: stop waits for grace periods */
	spinal_rcu_unregister();
	free(blob);
	free(rd);
	spinal_gm_destroy(m);
	if (atomic_load(&violations))
		return 1;
	if (gens < 100 || freed == 0 || reads < 1000) {
		fprintf(stderr, "graph-torture: FAIL: too little exercised (publications %llu, freed %llu, reads %llu)\n",
			(unsigned long long)gens, (unsigned long long)freed, (unsigned long long)reads);
		return 1;
	}
	printf("graph-torture: PASS\n");
	return 0;
}
