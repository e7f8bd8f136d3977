/* SPDX-License-Identifier: MIT */
/*
 * Graph snapshots: the immutable topological map the RT thread reads.
 *
 * A snapshot is a small header and three page tables; the pages are shared
 * with the snapshots before and after it (a persistent structure).  The
 * updater builds the next snapshot by copying the tables and only the pages
 * an edit touched (copy on write), publishes it through RCU and retires the
 * pages it replaced; nothing reachable from a published snapshot is ever
 * written again.  See docs/graph.md.
 *
 *   page[i >> 6]->n[i & 63]    node i: position, id, flags, visits, next hop,
 *                              cost to the goal, shortest-path-tree labels
 *   adj[i >> 6]                CSR out-edges of the 64 nodes of a page
 *   tile[t]                    8 x 8 grid cells: per cell the (x, y, index)
 *                              of its nodes, inline, so kNN reads one array
 *
 * Node indices ("slots") are stable while a node lives; a removed node leaves
 * a free slot (live == 0) that a later add may reuse.  A freshly loaded map
 * is laid out by grid cell, as a full rebuild always did.  Ids are the
 * agent's.  The next hop comes from a reverse Dijkstra toward the goal,
 * updated incrementally; the tree labels (tin, tout) make "is v on the path
 * from u" an O(1) test.
 */
#ifndef SPINAL_RTCORE_GRAPH_H
#define SPINAL_RTCORE_GRAPH_H

#include <stddef.h>
#include <stdint.h>

#include <spinal/config.h>

#include "rcu.h"

#define SPINAL_GRAPH_MAGIC 0x4850415247534e53ULL  /* "SNSGRAPH" */
#define SPINAL_GRAPH_POISON 0x6b6b6b6b6b6b6b6bULL /* freed snapshot or page */
#define SPINAL_GRAPH_POISON_BYTE 0x6b

#define SPINAL_GPAGE_SHIFT 6
#define SPINAL_GPAGE_NODES (1u << SPINAL_GPAGE_SHIFT)
#define SPINAL_GTILE_SHIFT 3                      /* tiles of 8 x 8 cells */
#define SPINAL_GTILE_CELLS (1u << (2 * SPINAL_GTILE_SHIFT))

struct spinal_gnode {
	float x, y;
	uint32_t id;
	uint32_t flags;
	uint32_t visits;
	uint32_t next;      /* next node index toward the goal, SPINAL_NODE_NONE */
	float cost;         /* path cost to the goal, INFINITY if unreachable */
	uint32_t live;      /* 1: a node, 0: a free slot */
	uint64_t tin, tout; /* shortest-path tree labels (0, 0 if unreachable) */
};

struct spinal_gpage {
	uint64_t magic;     /* SPINAL_GRAPH_MAGIC; POISON once freed */
	uint64_t gen;       /* generation that wrote it (updater only) */
	uint64_t sum;       /* checksum of n[] */
	uint64_t pad;
	struct spinal_gnode n[SPINAL_GPAGE_NODES];
};

struct spinal_gedge {
	uint32_t to;        /* node index */
	float cost;         /* effective (Euclidean resolved), metres */
};

struct spinal_gadj {
	uint64_t magic, gen, sum;
	uint32_t nedges, cap;
	uint32_t start[SPINAL_GPAGE_NODES + 1];    /* node j's edges: e[start[j]..start[j+1]) */
	struct spinal_gedge e[];
};

struct spinal_gitem {
	float x, y;
	uint32_t idx;
};

struct spinal_gtile {
	uint64_t magic, gen, sum;
	uint32_t nitems, cap;
	uint32_t start[SPINAL_GTILE_CELLS + 1];    /* cell j's nodes: it[start[j]..start[j+1]) */
	struct spinal_gitem it[];
};

struct spinal_graph {
	uint64_t magic;         /* SPINAL_GRAPH_MAGIC; POISON once freed */
	uint64_t generation;    /* strictly increasing per publication */
	uint64_t content_hash;  /* header + every page's checksum (torture check) */
	uint32_t nnodes;        /* live nodes */
	uint32_t nslots;        /* node indices are < nslots */
	uint32_t nedges;
	uint32_t goal;          /* node index of the goal or SPINAL_NODE_NONE */
	uint32_t goal_id;
	float gx0, gy0;         /* grid origin */
	float cell, inv_cell;   /* cell edge length (m) and its inverse */
	uint32_t gw, gh;        /* grid size in cells (>= 1 each) */
	uint32_t tw, th;        /* grid size in tiles */
	uint32_t npages;        /* page/adj table length: ceil(nslots / 64) */
	uint32_t ntiles;        /* tw * th */
	const struct spinal_gpage *const *page;
	const struct spinal_gadj *const *adj;
	const struct spinal_gtile *const *tile;
	size_t bytes;           /* memory this snapshot allocated itself */
	void *owner;            /* updater that published it (free callback) */
	struct rcu_head rcu;    /* updater only */
};

/* The snapshot the RT thread sees; written only through the updater. */
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

/* Node @i (i < g->nslots; a free slot reads live == 0).  RT-safe, two loads. */
static inline const struct spinal_gnode *spinal_graph_node(const struct spinal_graph *g, uint32_t i)
{
	return &g->page[i >> SPINAL_GPAGE_SHIFT]->n[i & (SPINAL_GPAGE_NODES - 1)];
}

/* Is @i the index of a live node?  RT-safe. */
static inline int spinal_graph_valid(const struct spinal_graph *g, uint32_t i)
{
	return i < g->nslots && spinal_graph_node(g, i)->live;
}

/* Next node index toward the goal from node @i (the goal returns itself);
 * SPINAL_NODE_NONE if unreachable, no goal or @i out of range.  RT-safe, O(1). */
static inline uint32_t spinal_graph_next_hop(const struct spinal_graph *g, uint32_t i)
{
	return i < g->nslots ? spinal_graph_node(g, i)->next : SPINAL_NODE_NONE;
}

/* Is node @b on the shortest path from node @a to the goal (both given by
 * their node records)?  1 yes, 0 no.  RT-safe, O(1). */
static inline int spinal_graph_on_path_nodes(const struct spinal_gnode *a, const struct spinal_gnode *b)
{
	return a->tout != 0 && b->tout != 0 && b->tin <= a->tin && a->tout <= b->tout;
}

/* Is node @v on the shortest path from node @u to the goal (u and goal
 * included)?  1 yes, 0 no.  RT-safe, O(1). */
static inline int spinal_graph_on_path(const struct spinal_graph *g, uint32_t u, uint32_t v)
{
	if (u >= g->nslots || v >= g->nslots)
		return 0;
	return spinal_graph_on_path_nodes(spinal_graph_node(g, u), spinal_graph_node(g, v));
}

/* Out-edges of node @i: *n edges from the returned array.  Any holder. */
static inline const struct spinal_gedge *spinal_graph_edges(const struct spinal_graph *g,
							     uint32_t i, uint32_t *n)
{
	const struct spinal_gadj *a = g->adj[i >> SPINAL_GPAGE_SHIFT];
	uint32_t j = i & (SPINAL_GPAGE_NODES - 1);

	*n = a->start[j + 1] - a->start[j];
	return &a->e[a->start[j]];
}

/* Index of the node with id @id or SPINAL_NODE_NONE.  Not RT: O(nslots)
 * (tests and tools; the updater looks ids up in its model). */
uint32_t spinal_graph_find_id(const struct spinal_graph *g, uint32_t id);

/* Recompute the content hash from the pages (and check each page's own
 * checksum: a mismatch returns ~content_hash).  Any holder; O(n). */
uint64_t spinal_graph_hash(const struct spinal_graph *g);

struct spinal_gmodel;

/*
 * spinal_graph_build - build a snapshot of @m from scratch with generation
 * @gen.  A model never built before is first laid out by grid cell
 * (spinal_gm_renumber()); afterwards its slots are kept.  Clears the model's
 * recorded changes.  Updater thread (or tests, tools); allocates,
 * O((N + E) log N).  Returns the snapshot or NULL + errno (ENOMEM).
 */
struct spinal_graph *spinal_graph_build(struct spinal_gmodel *m, uint64_t gen);

/* Free a snapshot and every page it references: one that was never
 * published, or the last one after its grace period.  @poison: overwrite
 * first so a late reader sees POISON.  NULL is a no-op. */
void spinal_graph_free(struct spinal_graph *g, int poison);

/* ---- incremental publication (the updater: rtcore/graph_rcu.c) ---- */

struct spinal_gbuild;       /* builder state: route, scratch, last snapshot */

/* What a superseded snapshot alone used: freed after a grace period. */
struct spinal_gjunk {
	struct rcu_head rcu;    /* updater only (call_rcu) */
	uint64_t generation;    /* of the superseded snapshot */
	void *owner;            /* its updater */
	struct spinal_graph *whole; /* a full rebuild: all of it; else: */
	uint32_t n;             /* obj[0..n): its header, tables, replaced pages */
	struct { void *p; size_t len; } obj[];
};

/* Builder for one updater.  NULL + errno. */
struct spinal_gbuild *spinal_gbuild_create(void);
/* Free the builder (not the snapshots it built).  NULL is a no-op. */
void spinal_gbuild_destroy(struct spinal_gbuild *b);

/*
 * spinal_gbuild_next - the next snapshot of @m (generation @gen): from the
 * previous one the builder returned, copying only what the model's recorded
 * changes touched, or from scratch when that is cheaper or needed.  On
 * success *junk lists what the previous snapshot used and the new one does
 * not (free it with spinal_gjunk_free() after a grace period; NULL when
 * there was no previous snapshot) and the model's changes are cleared.
 * Updater thread.  Returns NULL + errno (ENOMEM) and changes nothing.
 */
struct spinal_graph *spinal_gbuild_next(struct spinal_gbuild *b, struct spinal_gmodel *m,
					uint64_t gen, struct spinal_gjunk **junk);

/* Forget the previous snapshot (it was unpublished and freed whole). */
void spinal_gbuild_reset(struct spinal_gbuild *b);

/* Statistics of the last spinal_gbuild_next(): 1 if it rebuilt everything. */
struct spinal_gbuild_stats {
	int full;               /* built from scratch */
	int route_full;         /* next hops recomputed for every node */
	int relabel_full;       /* tree labels renumbered for every node */
	uint32_t pages, adjs, tiles;  /* pages written */
	uint32_t route_nodes;   /* nodes whose distance was recomputed */
};
void spinal_gbuild_last(const struct spinal_gbuild *b, struct spinal_gbuild_stats *st);

/* Generation of the snapshot @j supersedes, and its free: after a grace
 * period.  @poison as for spinal_graph_free().  NULL is a no-op. */
uint64_t spinal_gjunk_generation(const struct spinal_gjunk *j);
void spinal_gjunk_free(struct spinal_gjunk *j, int poison);

#endif /* SPINAL_RTCORE_GRAPH_H */
