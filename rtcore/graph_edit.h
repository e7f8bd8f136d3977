/* SPDX-License-Identifier: MIT */
/*
 * The editable graph model: the updater's private, mutable copy of the map
 * from which snapshots are built.  Single thread (the updater, or a test).
 *
 * Every edit validates against the model first and changes nothing when it
 * fails, returning SPINAL_CFG_REJECT(reason) (see cfg_validate.h); 0 when
 * applied.  Field shapes (finite, ranges) are checked by cfg_validate.c
 * before the edit is attempted; the model checks existence and capacity.
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
};

struct spinal_gm_edge {
	uint32_t from, to;  /* ids */
	float cost;         /* 0 = Euclidean */
};

struct spinal_gmodel {
	struct spinal_gm_node *nodes;
	uint32_t n, cap;
	uint32_t *ht;       /* id hash: node index + 1, 0 = empty */
	uint32_t hmask;
	struct spinal_gm_edge *edges;
	uint32_t ne, ecap;
	uint32_t goal_id;   /* SPINAL_NODE_NONE: no goal */
	uint32_t max_nodes;
};

/* New empty model holding at most @max_nodes nodes.  NULL + errno. */
struct spinal_gmodel *spinal_gm_create(uint32_t max_nodes);
void spinal_gm_destroy(struct spinal_gmodel *m);

/* Index of @id or SPINAL_NODE_NONE. */
uint32_t spinal_gm_find(const struct spinal_gmodel *m, uint32_t id);

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

/*
 * spinal_gm_from_blob - build a new model from a graph blob that is already
 * in private memory.  Validates everything (cfg_validate.c structure, then
 * duplicates, dangling edges, degree, capacity).  Returns 0 and *out, or
 * SPINAL_CFG_REJECT(reason) with *out untouched.
 */
int spinal_gm_from_blob(const void *blob, size_t len, uint32_t max_nodes,
			struct spinal_gmodel **out);

#endif /* SPINAL_RTCORE_GRAPH_EDIT_H */
