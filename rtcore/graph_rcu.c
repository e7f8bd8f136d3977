// SPDX-License-Identifier: MIT
/* The map published through RCU (see graph_rcu.h). */
#include <errno.h>
#include <time.h>

#include "graph_rcu.h"
#include "rcu.h"

static void stats_put(struct graph_rcu *gr, const struct spinal_graph *g)
{
	struct spinal_stats *s = gr->stats;

	atomic_store_explicit(&s->graph_generation, g ? g->generation : 0, memory_order_relaxed);
	atomic_store_explicit(&s->graph_nodes, g ? g->nnodes : 0, memory_order_relaxed);
	atomic_store_explicit(&s->graph_edges, g ? g->nedges : 0, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->graph_publishes, 1, memory_order_relaxed);
	atomic_store_explicit(&s->upd_reserved[SPINAL_STATS_GRAPH_PENDING_FREE],
			      atomic_load_explicit(&gr->pending, memory_order_relaxed),
			      memory_order_relaxed);
}

static void freed(struct graph_rcu *gr, uint64_t gen)
{
	/* F1: pairs with F2 in spinal_updater_freed_generation() */
	if (gen > atomic_load_explicit(&gr->freed_gen, memory_order_relaxed))
		atomic_store_explicit(&gr->freed_gen, gen, memory_order_release);
	atomic_fetch_sub_explicit(&gr->pending, 1, memory_order_relaxed);
}

static void junk_cb(struct rcu_head *head)
{
	struct spinal_gjunk *j = caa_container_of(head, struct spinal_gjunk, rcu);
	struct graph_rcu *gr;
	uint64_t gen;

	spinal_rcu_reclaim_begin();
	SPINAL_TSAN_ACQUIRE(j); /* the call_rcu queue hand-off, invisible to TSan */
	gr = j->owner;
	gen = j->generation;
	spinal_gjunk_free(j, gr->poison);
	freed(gr, gen);
}

static void last_cb(struct rcu_head *head)
{
	struct spinal_graph *g = caa_container_of(head, struct spinal_graph, rcu);
	struct graph_rcu *gr;
	uint64_t gen;

	spinal_rcu_reclaim_begin();
	SPINAL_TSAN_ACQUIRE(g);
	gr = g->owner;
	gen = g->generation;
	spinal_graph_free(g, gr->poison);
	freed(gr, gen);
}

int graph_rcu_init(struct graph_rcu *gr, struct spinal_stats *stats, int poison,
		   uint32_t max_pending)
{
	gr->stats = stats;
	gr->poison = poison;
	gr->max_pending = max_pending;
	atomic_init(&gr->published_gen, 0);
	atomic_init(&gr->freed_gen, 0);
	atomic_init(&gr->pending, 0);
	gr->b = spinal_gbuild_create();
	return gr->b ? 0 : -ENOMEM;
}

int graph_rcu_publish_first(struct graph_rcu *gr, struct spinal_gmodel *m)
{
	struct spinal_gjunk *junk;
	struct spinal_graph *g = spinal_gbuild_next(gr->b, m, 1, &junk);

	if (!g)
		return -ENOMEM;
	g->owner = gr;
	SPINAL_TSAN_RELEASE(g);
	rcu_set_pointer(&spinal_graph_cur, g); /* nothing published before: no free */
	atomic_store_explicit(&gr->published_gen, 1, memory_order_release);
	stats_put(gr, g);
	return 0;
}

static void sleep_50us(void)
{
	struct timespec ts = { 0, 50000 };

	clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL);
}

int graph_rcu_publish(struct graph_rcu *gr, struct spinal_gmodel *m, const _Atomic int *stop)
{
	uint64_t gen = atomic_load_explicit(&gr->published_gen, memory_order_relaxed) + 1;
	struct spinal_gjunk *junk;
	struct spinal_graph *g, *old;

	/* bound memory: readers that stall grace periods slow us down, not the RT loop */
	while (atomic_load_explicit(&gr->pending, memory_order_relaxed) >= gr->max_pending &&
	       !atomic_load_explicit(stop, memory_order_relaxed))
		sleep_50us();
	g = spinal_gbuild_next(gr->b, m, gen, &junk);
	if (!g)
		return -ENOMEM; /* the model keeps its changes: retried after the next poll */
	g->owner = gr;
	SPINAL_TSAN_RELEASE(g);
	rcu_thread_online();
	old = rcu_xchg_pointer(&spinal_graph_cur, g);
	if (junk) {
		atomic_fetch_add_explicit(&gr->pending, 1, memory_order_relaxed);
		SPINAL_TSAN_RELEASE(junk);
		call_rcu(&junk->rcu, junk_cb);
	}
	rcu_thread_offline();
	(void)old; /* == the builder's previous snapshot: its junk is queued */
	/* P1: pairs with P2 in spinal_updater_generation() */
	atomic_store_explicit(&gr->published_gen, gen, memory_order_release);
	stats_put(gr, g);
	return 0;
}

void graph_rcu_unpublish(struct graph_rcu *gr)
{
	struct spinal_graph *old;

	rcu_thread_online();
	old = rcu_xchg_pointer(&spinal_graph_cur, NULL);
	if (old) {
		atomic_fetch_add_explicit(&gr->pending, 1, memory_order_relaxed);
		SPINAL_TSAN_RELEASE(old);
		call_rcu(&old->rcu, last_cb);
	}
	rcu_thread_offline();
	spinal_gbuild_reset(gr->b);
	stats_put(gr, NULL);
}

void graph_rcu_fini(struct graph_rcu *gr)
{
	struct spinal_graph *g = rcu_dereference(spinal_graph_cur);

	if (g && g->owner == gr) {
		rcu_set_pointer(&spinal_graph_cur, NULL);
		spinal_graph_free(g, 0); /* never seen by a reader: no thread started */
	}
	spinal_gbuild_destroy(gr->b);
	gr->b = NULL;
}
