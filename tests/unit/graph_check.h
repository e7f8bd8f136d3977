/* SPDX-License-Identifier: MIT */
/* Structural check of a published snapshot, for the torture and hostile
 * tests: everything a reader indexes with is in range.  Returns 0 or a
 * static string naming the first broken invariant. */
#ifndef SPINAL_TESTS_GRAPH_CHECK_H
#define SPINAL_TESTS_GRAPH_CHECK_H

#include <math.h>

#include "rtcore/graph.h"

static inline const char *graph_check(const struct spinal_graph *g, int full)
{
	uint32_t i, e, ncells;

	if (g->magic == SPINAL_GRAPH_POISON)
		return "poisoned snapshot";
	if (g->magic != SPINAL_GRAPH_MAGIC)
		return "bad magic";
	if (g->gw == 0 || g->gh == 0 || (uint64_t)g->gw * g->gh > 4ull * g->nnodes + 16)
		return "grid size";
	ncells = g->gw * g->gh;
	if (g->cell_start[0] != 0 || g->cell_start[ncells] != g->nnodes)
		return "cell_start ends";
	if (g->adj_start[0] != 0 || g->adj_start[g->nnodes] != g->nedges)
		return "adj_start ends";
	if (g->goal != SPINAL_NODE_NONE && g->goal >= g->nnodes)
		return "goal index";
	if (!full)
		return NULL;
	for (i = 0; i < ncells; i++)
		if (g->cell_start[i] > g->cell_start[i + 1])
			return "cell_start order";
	for (i = 0; i < g->nnodes; i++) {
		if (g->adj_start[i] > g->adj_start[i + 1])
			return "adj_start order";
		if (g->node[i].next != SPINAL_NODE_NONE && g->node[i].next >= g->nnodes)
			return "next hop index";
		if (!isfinite(g->pos[i].x) || !isfinite(g->pos[i].y))
			return "position not finite";
		if (g->by_id[i] >= g->nnodes)
			return "by_id index";
	}
	for (e = 0; e < g->nedges; e++)
		if (g->adj_to[e] >= g->nnodes || !(g->adj_cost[e] >= 0) || !isfinite(g->adj_cost[e]))
			return "edge";
	if (spinal_graph_hash(g) != g->content_hash)
		return "content hash changed under the reader";
	return NULL;
}

#endif /* SPINAL_TESTS_GRAPH_CHECK_H */
