/* SPDX-License-Identifier: MIT */
/*
 * Next hops toward the goal, kept up to date across edits (updater thread
 * only; private to the snapshot builder, rtcore/graph.c).
 *
 * Definition (what a full computation and every incremental update give,
 * exactly, so an edited map answers as a fresh build of the same model):
 * cost and next are what the reverse Dijkstra always computed -- binary
 * heap, a node's in-edges relaxed in ascending index order, strict
 * improvement, next(v) = the node whose pop last improved v.  That is:
 *   cost(v)  the float shortest-path cost v -> goal, each path summed from
 *            the goal outward;
 *   next(v)  the out-neighbour w with cost(w) < cost(v) and
 *            cost(w) + c(v, w) == cost(v) (bit for bit) of smallest cost(w),
 *            when that w is unique.  When it is not (a "tie": two exactly
 *            equal routes, or none strictly closer, e.g. zero-length edges)
 *            the heap's pop order decides, which only a full run knows;
 *   tin/tout labels of the tree (parent = next) with tin(a) <= tin(b) and
 *            tout(b) <= tout(a) iff a is an ancestor-or-self of b.  Their
 *            values are not part of the definition, only that relation.
 *
 * An edit is applied the Ramalingam-Reps way: the subtrees hanging from
 * edges that got longer (or vanished) are invalidated, every node that may
 * improve is seeded and a Dijkstra restricted to the affected nodes settles
 * them; next hops are re-picked only where a cost or an edge changed.  While
 * the map has a tie anywhere (ntie > 0), next hops come from a full run
 * instead (an edit anywhere can reorder the heap).  Either way only the
 * subtrees that moved are relabelled, inside the label gap of their new
 * parent (a full relabel when a gap is used up), and only changed nodes are
 * reported.
 */
#ifndef SPINAL_RTCORE_GRAPH_ROUTE_H
#define SPINAL_RTCORE_GRAPH_ROUTE_H

#include <stdint.h>

#include "graph_edit.h"

struct groute {
	uint32_t cap;           /* slots allocated */
	uint32_t nslots;        /* slots in use (model's nslots at the last update) */
	uint32_t goal;          /* goal slot or SPINAL_NODE_NONE */
	float *dist;
	uint32_t *next;
	uint64_t *tin, *tout;
	uint32_t *child, *sib, *psib; /* tree children: first child, next/prev sibling */
	uint8_t *tie;           /* 1: a tie decides next (see above) */
	uint32_t ntie;          /* nodes with a tie */
	/* scratch */
	uint8_t *mk;
	float *odist;
	uint32_t *onext;
	uint32_t *touched, ntouched;    /* slots whose state changed this round */
	uint32_t nmarked;               /* work[0..nmarked) have mk != 0 */
	uint32_t *work, *stk, *memo;
	uint64_t *it;
	struct groute_heap { float d; uint32_t v; } *heap;
	uint32_t heap_cap;
	uint32_t epoch;
	/* what the last round did */
	int did_full_next, did_full_label, all_changed;
	uint32_t settled;
};

int groute_init(struct groute *r);
void groute_fini(struct groute *r);

/* Everything from scratch for @m (goal = m->goal_id).  0 or -ENOMEM. */
int groute_full(struct groute *r, const struct spinal_gmodel *m);

/*
 * groute_update - apply the edits recorded in @m: @tails are live slots whose
 * out-edges changed (set or cost), @gone slots whose node was removed (maybe
 * re-added since).  The goal must not have changed.  0 or -ENOMEM (state
 * unusable: call groute_full()).
 */
int groute_update(struct groute *r, const struct spinal_gmodel *m, const uint32_t *tails,
		  uint32_t ntails, const uint32_t *gone, uint32_t ngone);

/* Slots whose dist/next/tin/tout changed in the last call (a full call:
 * every slot).  Valid until the next call. */
const uint32_t *groute_changed(const struct groute *r, uint32_t *n, int *all);

#endif /* SPINAL_RTCORE_GRAPH_ROUTE_H */
