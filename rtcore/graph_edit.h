/* SPDX-License-Identifier: MIT */
/*
 * The editable graph model: the updater's private, mutable copy of the map
 * from which snapshots are built.  Single thread (the updater, or a test).
 *
 * Every edit validates against the model first and changes nothing when it
 * fails, returning SPINAL_CFG_REJECT(reason) (see cfg_validate.h); 0 when
 * applied.  Field shapes (finite, ranges) are checked by cfg_validate.c
 * before the edit is attempted; the model checks existence and capacity.
 *
 * Nodes live in a dense array (nodes[0..n), order changes on removal) and
 * each one also has a *slot*: its index in the snapshots (graph.h), stable
 * for as long as the node lives.  Edges are kept per slot (out-list, at most
 * SPINAL_GRAPH_MAX_DEGREE, and in-list), so every edit costs O(degree).
 * The model records what each edit changed (struct spinal_gm_dirty) so the
 * snapshot builder copies only what changed; spinal_gm_clean() forgets it
 * once a snapshot has been built.
 */
#ifndef SPINAL_RTCORE_GRAPH_EDIT_H
#define SPINAL_RTCORE_GRAPH_EDIT_H

#include <stddef.h>
#include <stdint.h>

struct spinal_gm_node {
	uint32_t id;
	uint32_t flags;
	float x, y;
	uint32_t visits;
	uint32_t outdeg;
	uint32_t slot;      /* snapshot index, stable while the node lives */
};

/* An edge as the agent names it (ids). */
struct spinal_gm_edge {
	uint32_t from, to;  /* ids */
	float cost;         /* 0 = Euclidean */
};

struct spinal_gm_out {
	uint32_t to;        /* slot */
	float cost;         /* as given: 0 = Euclidean */
};

struct spinal_gm_adj {      /* per slot */
	struct spinal_gm_out *out;
	uint32_t *in;       /* slots with an edge to this one */
	uint32_t nout, cout, nin, cin;
};

/* Per-slot change bits since the last snapshot. */
#define SPINAL_GM_D_NODE  0x01u  /* id/flags/position written (node page) */
#define SPINAL_GM_D_POS   0x02u  /* position changed (grid cell, Euclidean costs) */
#define SPINAL_GM_D_VISIT 0x04u  /* visit count changed */
#define SPINAL_GM_D_OUT   0x08u  /* out-edges changed (set or cost) */
#define SPINAL_GM_D_ADD   0x10u  /* slot became live */
#define SPINAL_GM_D_DEL   0x20u  /* slot's node removed */

struct spinal_gm_dirty {
	int full;           /* build from scratch (new model, or renumbered) */
	int goal;           /* goal changed */
	uint8_t *mark;      /* per slot, SPINAL_GM_D_* */
	uint32_t *list;     /* slots with mark != 0, each once */
	uint32_t n, cap;
};

struct spinal_gmodel {
	struct spinal_gm_node *nodes;   /* dense */
	uint32_t n, cap;
	uint32_t *ht;       /* id hash: dense index + 1, 0 = empty */
	uint32_t hmask;
	uint32_t ne;        /* directed edges */
	uint32_t goal_id;   /* SPINAL_NODE_NONE: no goal */
	uint32_t max_nodes;

	uint32_t *at;       /* slot -> dense index, SPINAL_NODE_NONE = free slot */
	struct spinal_gm_adj *adj;      /* per slot */
	uint32_t nslots;    /* slots in use are < nslots */
	uint32_t slot_cap;
	uint32_t *free_slots, nfree;    /* slots of removed nodes, reused first */
	int numbered;       /* slots fixed by a snapshot already built */
	void *arena;        /* bulk edge storage of a blob load */
	size_t arena_len;
	struct spinal_gm_dirty d;
};

/* New empty model holding at most @max_nodes nodes.  NULL + errno. */
struct spinal_gmodel *spinal_gm_create(uint32_t max_nodes);
void spinal_gm_destroy(struct spinal_gmodel *m);

/* Dense index of @id or SPINAL_NODE_NONE. */
uint32_t spinal_gm_find(const struct spinal_gmodel *m, uint32_t id);

/* Slot of @id or SPINAL_NODE_NONE. */
static inline uint32_t spinal_gm_slot(const struct spinal_gmodel *m, uint32_t id)
{
	uint32_t i = spinal_gm_find(m, id);

	return i == 0xffffffffu ? i : m->nodes[i].slot;
}

int spinal_gm_node_add(struct spinal_gmodel *m, uint32_t id, uint32_t flags,
		       float x, float y, uint32_t visits);
int spinal_gm_node_move(struct spinal_gmodel *m, uint32_t id, uint32_t flags, float x, float y);
int spinal_gm_node_remove(struct spinal_gmodel *m, uint32_t id);
/* @bidir: add/remove both directions, atomically (both or neither). */
int spinal_gm_edge_add(struct spinal_gmodel *m, uint32_t from, uint32_t to, float cost, int bidir);
int spinal_gm_edge_remove(struct spinal_gmodel *m, uint32_t from, uint32_t to, int bidir);
int spinal_gm_set_goal(struct spinal_gmodel *m, uint32_t id);
/* Keep the @max most visited nodes (ties: lower id first; the goal always). */
int spinal_gm_prune(struct spinal_gmodel *m, uint32_t max);
/* Count one visit of node @id (saturating); unknown ids are ignored.  1 if counted. */
int spinal_gm_visit(struct spinal_gmodel *m, uint32_t id);

/* Every directed edge, by ids, into @out (room for m->ne).  Returns m->ne.
 * Order: by dense node index, then insertion order of that node's edges. */
uint32_t spinal_gm_edges(const struct spinal_gmodel *m, struct spinal_gm_edge *out);

/* Effective cost of out-edge @e of slot @f (Euclidean when e->cost == 0).
 * The one formula used by every builder. */
float spinal_gm_cost(const struct spinal_gmodel *m, uint32_t f, const struct spinal_gm_out *e);

/*
 * spinal_gm_renumber - give the nodes new slots: @slot_of[i] for dense index
 * i, a permutation of 0..n-1.  Only before the first snapshot (numbered == 0);
 * the builder uses it to lay a fresh map out by grid cell.  0 or -ENOMEM.
 */
int spinal_gm_renumber(struct spinal_gmodel *m, const uint32_t *slot_of);

/* Forget the recorded changes (a snapshot of the model now exists). */
void spinal_gm_clean(struct spinal_gmodel *m);

/*
 * spinal_gm_from_blob - build a new model from a graph blob that is already
 * in private memory.  Validates everything (cfg_validate.c structure, then
 * duplicates, dangling edges, degree, capacity).  Returns 0 and *out, or
 * SPINAL_CFG_REJECT(reason) with *out untouched.
 */
int spinal_gm_from_blob(const void *blob, size_t len, uint32_t max_nodes,
			struct spinal_gmodel **out);

#endif /* SPINAL_RTCORE_GRAPH_EDIT_H */
