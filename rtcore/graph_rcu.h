/* SPDX-License-Identifier: MIT */
/*
 * The map published through RCU: build the next snapshot of the model
 * (incrementally, rtcore/graph.c), rcu_xchg_pointer it into
 * spinal_graph_cur, and hand what only the old snapshot used to call_rcu.
 *
 *   updater thread  graph_rcu_publish() after a batch of edits or visits;
 *                   RCU-offline on entry and exit
 *   main thread     graph_rcu_init() / publish_first() before the updater
 *                   thread starts; graph_rcu_fini() after it stopped
 *   call_rcu worker frees junk (poisoned first when asked) and advances
 *                   freed_gen
 *   RT thread       spinal_graph_current() (graph.h) only
 */
#ifndef SPINAL_RTCORE_GRAPH_RCU_H
#define SPINAL_RTCORE_GRAPH_RCU_H

#include <stdatomic.h>
#include <stdint.h>

#include <spinal/stats.h>

#include "graph.h"
#include "graph_edit.h"

struct graph_rcu {
	struct spinal_gbuild *b;
	struct spinal_stats *stats;
	int poison;                  /* overwrite freed pages and snapshots */
	uint32_t max_pending;        /* junk awaiting a grace period before publish waits */
	_Atomic uint64_t published_gen;
	_Atomic uint64_t freed_gen;
	_Atomic uint64_t pending;    /* junk queued for call_rcu */
};

/* 0 or -ENOMEM.  Main thread. */
int graph_rcu_init(struct graph_rcu *gr, struct spinal_stats *stats, int poison,
		   uint32_t max_pending);

/* Publish the first snapshot of @m (generation 1) before any reader or the
 * updater thread runs: no grace period needed.  0 or -ENOMEM. */
int graph_rcu_publish_first(struct graph_rcu *gr, struct spinal_gmodel *m);

/*
 * graph_rcu_publish - next snapshot of @m, published; the old one's junk
 * goes to call_rcu.  Waits (50 us sleeps) while max_pending junk objects
 * still wait for a grace period, unless *@stop.  Updater thread, RCU-offline.
 * 0 or -ENOMEM (nothing published, the model keeps its changes).
 */
int graph_rcu_publish(struct graph_rcu *gr, struct spinal_gmodel *m, const _Atomic int *stop);

/* Unpublish: spinal_graph_cur = NULL, the last snapshot freed whole after a
 * grace period.  Updater thread, RCU-offline.  Follow with rcu_barrier(). */
void graph_rcu_unpublish(struct graph_rcu *gr);

/* Free a first snapshot no reader ever saw (start failed), and the builder.
 * Main thread, no updater thread running. */
void graph_rcu_fini(struct graph_rcu *gr);

#endif /* SPINAL_RTCORE_GRAPH_RCU_H */
