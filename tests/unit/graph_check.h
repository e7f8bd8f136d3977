/* SPDX-License-Identifier: MIT */
/* Structural check of a published snapshot, for the torture and hostile
 * tests: everything a reader indexes with is in range, every live node is
 * in its grid cell exactly once, every page's checksum still holds.
 * Returns 0 or a static string naming the first broken invariant. */
#ifndef SPINAL_TESTS_GRAPH_CHECK_H
#define SPINAL_TESTS_GRAPH_CHECK_H

#include <math.h>

#include "rtcore/graph.h"

static inline const char *graph_check(const struct spinal_graph *g, int full)
{
	uint32_t i, e, t, j, live = 0, items = 0, nedges = 0;

	if (g->magic == SPINAL_GRAPH_POISON)
		return "poisoned snapshot";
	if (g->magic != SPINAL_GRAPH_MAGIC)
		return "bad magic";
	if (g->gw == 0 || g->gh == 0 || (uint64_t)g->gw * g->gh > 4ull * g->nnodes + 16)
		return "grid size";
	if (g->tw != (g->gw + 7) / 8 || g->th != (g->gh + 7) / 8 || g->ntiles != g->tw * g->th)
		return "tile table size";
	if (g->npages != (g->nslots + SPINAL_GPAGE_NODES - 1) / SPINAL_GPAGE_NODES)
		return "page table size";
	if (g->goal != SPINAL_NODE_NONE && !spinal_graph_valid(g, g->goal))
		return "goal index";
	if (!full)
		return NULL;
	for (i = 0; i < g->npages; i++)
		if (g->page[i]->magic != SPINAL_GRAPH_MAGIC || g->adj[i]->magic != SPINAL_GRAPH_MAGIC)
			return g->page[i]->magic == SPINAL_GRAPH_POISON ? "poisoned page" : "page magic";
	for (i = 0; i < g->nslots; i++) {
		const struct spinal_gnode *n = spinal_graph_node(g, i);
		const struct spinal_gedge *ed;
		uint32_t ne;

		ed = spinal_graph_edges(g, i, &ne);
		if (!n->live) {
			if (ne)
				return "edges of a free slot";
			continue;
		}
		live++;
		nedges += ne;
		if (n->next != SPINAL_NODE_NONE && !spinal_graph_valid(g, n->next))
			return "next hop index";
		if (!isfinite(n->x) || !isfinite(n->y))
			return "position not finite";
		for (e = 0; e < ne; e++)
			if (!spinal_graph_valid(g, ed[e].to) || !(ed[e].cost >= 0) ||
			    !isfinite(ed[e].cost))
				return "edge";
	}
	if (live != g->nnodes)
		return "live node count";
	if (nedges != g->nedges)
		return "edge count";
	for (t = 0; t < g->ntiles; t++) {
		const struct spinal_gtile *tl = g->tile[t];

		if (tl->magic != SPINAL_GRAPH_MAGIC)
			return tl->magic == SPINAL_GRAPH_POISON ? "poisoned tile" : "tile magic";
		if (tl->start[0] != 0 || tl->start[64] != tl->nitems || tl->nitems > tl->cap)
			return "tile ends";
		for (j = 0; j < 64; j++) {
			uint32_t cx = (t % g->tw) * 8 + (j & 7), cy = (t / g->tw) * 8 + (j >> 3);

			if (tl->start[j] > tl->start[j + 1])
				return "tile order";
			for (i = tl->start[j]; i < tl->start[j + 1]; i++) {
				const struct spinal_gitem *it = &tl->it[i];
				float fx = (it->x - g->gx0) * g->inv_cell, fy = (it->y - g->gy0) * g->inv_cell;
				uint32_t ex = fx <= 0 ? 0 : fx >= (float)(g->gw - 1) ? g->gw - 1 : (uint32_t)fx;
				uint32_t ey = fy <= 0 ? 0 : fy >= (float)(g->gh - 1) ? g->gh - 1 : (uint32_t)fy;

				if (cx >= g->gw || cy >= g->gh || ex != cx || ey != cy)
					return "node in the wrong cell";
				if (!spinal_graph_valid(g, it->idx) ||
				    spinal_graph_node(g, it->idx)->x != it->x ||
				    spinal_graph_node(g, it->idx)->y != it->y)
					return "cell item does not match its node";
				items++;
			}
		}
	}
	if (items != g->nnodes)
		return "grid item count";
	if (spinal_graph_hash(g) != g->content_hash)
		return "content hash changed under the reader";
	return NULL;
}

#endif /* SPINAL_TESTS_GRAPH_CHECK_H */
