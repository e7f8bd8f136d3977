/* SPDX-License-Identifier: MIT */
/*
 * Exact k-nearest-node query on a snapshot's uniform grid.
 *
 * The grid is searched ring by ring around the query's cell; the search stops
 * as soon as the k-th best distance is no larger than the distance to the
 * nearest unsearched cell.  With a map of uniform density the grid holds ~2
 * nodes per cell, so the work depends on k, not on the map size.  Worst case
 * (all nodes in a corner, query far away) is bounded by the grid size, which
 * the builder caps at 4 * nodes + 16 cells.  No allocation, no locks.
 */
#ifndef SPINAL_RTCORE_KNN_H
#define SPINAL_RTCORE_KNN_H

#include <stdint.h>

#include "graph.h"

#define SPINAL_KNN_MAX 16

struct spinal_knn_hit {
	uint32_t idx;   /* snapshot node index */
	float dist;     /* metres */
	float cos_b;    /* world-frame bearing from the query to the node: dx/dist */
	float sin_b;    /* dy/dist (1, 0 when dist == 0) */
};

/*
 * spinal_graph_knn - the min(k, nnodes) nodes nearest to (@x, @y), nearest
 * first (ties by index).  Any thread holding @g; RT-safe.
 * Returns the number of hits, or -EINVAL (k == 0, k > 16, non-finite pose).
 */
int spinal_graph_knn(const struct spinal_graph *g, float x, float y, unsigned int k,
		     struct spinal_knn_hit *out);

/* Reference: the same answer by scanning every node (tests, benchmark). */
int spinal_graph_knn_brute(const struct spinal_graph *g, float x, float y, unsigned int k,
			   struct spinal_knn_hit *out);

#endif /* SPINAL_RTCORE_KNN_H */
