/* SPDX-License-Identifier: MIT */
/*
 * Graph snapshots: the immutable topological map the RT thread reads.
 *
 * A snapshot is one allocation, built by the updater thread from the
 * editable model (graph_edit.h), published through RCU and never written
 * again.  Node indices are snapshot-local: nodes are stored sorted by grid
 * cell, so a cell's nodes are contiguous.  Ids are the agent's.
 *
 *   pos[i], node[i]         position; id, flags, visits, next hop, cost to goal
 *   cell_start[c..c+1)      nodes of grid cell c = cy * gw + cx
 *   adj_start[i..i+1)       CSR out-edges of node i: adj_to[], adj_cost[]
 *   by_id[]                 node indices sorted by id (id lookup)
 *   next hop                shortest path toward the goal (reverse Dijkstra);
 *                           tin/tout of the shortest-path tree make "is v on
 *                           the path from u" an O(1) test
 */
#ifndef SPINAL_RTCORE_GRAPH_H
#define SPINAL_RTCORE_GRAPH_H

#include <stddef.h>
#include <stdint.h>

#include <spinal/config.h>

#include "rcu.h"

#define SPINAL_GRAPH_MAGIC 0x4850415247534e53ULL  /* "SNSGRAPH" */
#define SPINAL_GRAPH_POISON 0x6b6b6b6b6b6b6b6bULL /* freed snapshot */
#define SPINAL_GRAPH_POISON_BYTE 0x6b

struct spinal_gpos {
	float x, y;
};

struct spinal_gnode {
	uint32_t id;
	uint32_t flags;
	uint32_t visits;
	uint32_t next;     /* next node index toward the goal, SPINAL_NODE_NONE */
	float cost;        /* path cost to the goal, INFINITY if unreachable */
	uint32_t tin, tout; /* shortest-path tree interval (0,0 if unreachable) */
	uint32_t pad;
};

struct spinal_graph {
	uint64_t magic;         /* SPINAL_GRAPH_MAGIC; POISON once freed */
	uint64_t generation;    /* strictly increasing per publication */
	uint64_t content_hash;  /* FNV-1a over pos[] and node[] (torture check) */
	uint32_t nnodes, nedges;
	uint32_t goal;          /* node index of the goal or SPINAL_NODE_NONE */
	uint32_t goal_id;
	float gx0, gy0;         /* grid origin */
	float cell, inv_cell;   /* cell edge length (m) and its inverse */
	uint32_t gw, gh;        /* grid size in cells (>= 1 each) */
	const struct spinal_gpos *pos;
	const struct spinal_gnode *node;
	const uint32_t *cell_start;
	const uint32_t *adj_start;
	const uint32_t *adj_to;
	const float *adj_cost;
	const uint32_t *by_id;
	size_t bytes;           /* size of the whole allocation */
	void *owner;            /* updater that published it (free callback) */
	struct rcu_head rcu;    /* updater only */
};

/* The snapshot the RT thread sees; written only through spinal_graph_publish(). */
extern struct spinal_graph *spinal_graph_cur;

/*
 * spinal_graph_current - the current snapshot or NULL (no graph yet).
 * Registered RCU reader (spinal_rcu_register()), online; RT-safe, one load.
 * Valid until the caller's next spinal_rcu_quiescent()/offline().
 */
static inline const struct spinal_graph *spinal_graph_current(void)
{
	const struct spinal_graph *g = rcu_dereference(spinal_graph_cur);

	SPINAL_TSAN_ACQUIRE(g);
	return g;
}

/* Next node index toward the goal from node @i (the goal returns itself);
 * SPINAL_NODE_NONE if unreachable, no goal or @i out of range.  RT-safe, O(1). */
static inline uint32_t spinal_graph_next_hop(const struct spinal_graph *g, uint32_t i)
{
	return i < g->nnodes ? g->node[i].next : SPINAL_NODE_NONE;
}

/* Is node @v on the shortest path from node @u to the goal (u and goal
 * included)?  1 yes, 0 no.  RT-safe, O(1). */
static inline int spinal_graph_on_path(const struct spinal_graph *g, uint32_t u, uint32_t v)
{
	const struct spinal_gnode *a, *b;

	if (u >= g->nnodes || v >= g->nnodes)
		return 0;
	a = &g->node[u];
	b = &g->node[v];
	return a->tout != 0 && b->tout != 0 && b->tin <= a->tin && a->tout <= b->tout;
}

/* Index of the node with id @id or SPINAL_NODE_NONE.  RT-safe, O(log n). */
uint32_t spinal_graph_find_id(const struct spinal_graph *g, uint32_t id);

/* Sum of a snapshot's content as built (FNV-1a over pos[] and node[]).
 * Any thread holding the snapshot; O(n). */
uint64_t spinal_graph_hash(const struct spinal_graph *g);

struct spinal_gmodel;

/*
 * spinal_graph_build - build a snapshot of @m with generation @gen.
 * Updater thread (or tests); allocates, O((N + E) log N).
 * Returns the snapshot or NULL + errno (ENOMEM, EINVAL).
 */
struct spinal_graph *spinal_graph_build(const struct spinal_gmodel *m, uint64_t gen);

/* Free a snapshot that was never published (or after its grace period).
 * @poison: overwrite it first so a late reader sees POISON.  NULL is a no-op. */
void spinal_graph_free(struct spinal_graph *g, int poison);

#endif /* SPINAL_RTCORE_GRAPH_H */
