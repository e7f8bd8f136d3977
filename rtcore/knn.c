// SPDX-License-Identifier: MIT
/*
 * Exact k-nearest nodes: grid rings around the query cell, early exit once
 * the k-th distance is within the nearest unsearched cell's distance.  A
 * cell's nodes are stored inline in its 8 x 8 tile (x, y, index): one
 * indirection per cell, then a contiguous scan.
 * RT-safe: no allocation, no locks, work bounded by the grid size.
 */
#include <errno.h>
#include <math.h>

#include "knn.h"

struct best {
	float d2;
	uint32_t idx;
};

/* Insert into the sorted top-k list @b of length *n (max k). */
static inline void best_add(struct best *b, unsigned int *n, unsigned int k, float d2, uint32_t idx)
{
	unsigned int i;

	if (*n == k && (d2 > b[k - 1].d2 || (d2 == b[k - 1].d2 && idx > b[k - 1].idx)))
		return;
	i = *n < k ? (*n)++ : k - 1;
	while (i > 0 && (b[i - 1].d2 > d2 || (b[i - 1].d2 == d2 && b[i - 1].idx > idx))) {
		b[i] = b[i - 1];
		i--;
	}
	b[i].d2 = d2;
	b[i].idx = idx;
}

/* Items [i, end) of tile @t (contiguous: a run of cells in one tile row). */
static inline void scan_items(const struct spinal_gtile *t, uint32_t i, uint32_t end, float x,
			      float y, struct best *b, unsigned int *n, unsigned int k)
{
	for (; i < end; i++) {
		float dx = t->it[i].x - x, dy = t->it[i].y - y;

		best_add(b, n, k, dx * dx + dy * dy, t->it[i].idx);
	}
}

/* Cells x0..x1 of row cy: per tile one contiguous run of items. */
static inline void scan_row(const struct spinal_graph *g, int32_t x0, int32_t x1, int32_t cy,
			    float x, float y, struct best *b, unsigned int *n, unsigned int k)
{
	const uint32_t m = (1u << SPINAL_GTILE_SHIFT) - 1;
	const struct spinal_gtile *const *row =
		&g->tile[(uint32_t)(cy >> SPINAL_GTILE_SHIFT) * g->tw];
	uint32_t base = ((uint32_t)cy & m) << SPINAL_GTILE_SHIFT, cx = (uint32_t)x0;

	while (cx <= (uint32_t)x1) {
		const struct spinal_gtile *t = row[cx >> SPINAL_GTILE_SHIFT];
		uint32_t last = (cx | m) < (uint32_t)x1 ? (cx | m) : (uint32_t)x1;

		scan_items(t, t->start[base + (cx & m)], t->start[base + (last & m) + 1], x, y, b, n, k);
		cx = last + 1;
	}
}

/* Cell (cx, cy): its nodes are inline in its tile, one array to scan. */
static inline void scan_cell(const struct spinal_graph *g, int32_t cx, int32_t cy, float x, float y,
			     struct best *b, unsigned int *n, unsigned int k)
{
	const struct spinal_gtile *t =
		g->tile[(uint32_t)(cy >> SPINAL_GTILE_SHIFT) * g->tw + (uint32_t)(cx >> SPINAL_GTILE_SHIFT)];
	uint32_t m = (1u << SPINAL_GTILE_SHIFT) - 1;
	uint32_t j = ((uint32_t)cy & m) << SPINAL_GTILE_SHIFT | ((uint32_t)cx & m);
	uint32_t i, end = t->start[j + 1];

	for (i = t->start[j]; i < end; i++) {
		float dx = t->it[i].x - x, dy = t->it[i].y - y;

		best_add(b, n, k, dx * dx + dy * dy, t->it[i].idx);
	}
}

static int finish(const struct spinal_graph *g, float x, float y, const struct best *b,
		  unsigned int n, struct spinal_knn_hit *out)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		const struct spinal_gnode *nd = spinal_graph_node(g, b[i].idx);
		float dx = nd->x - x, dy = nd->y - y;
		float d = sqrtf(b[i].d2);

		out[i].idx = b[i].idx;
		out[i].dist = d;
		out[i].cos_b = d > 0 ? dx / d : 1.0f;
		out[i].sin_b = d > 0 ? dy / d : 0.0f;
	}
	return (int)n;
}

static inline int32_t clampi(float f, int32_t hi)
{
	return f <= 0 ? 0 : f >= (float)hi ? hi : (int32_t)f;
}

int spinal_graph_knn(const struct spinal_graph *g, float x, float y, unsigned int k,
		     struct spinal_knn_hit *out)
{
	struct best b[SPINAL_KNN_MAX];
	int32_t gw = (int32_t)g->gw, gh = (int32_t)g->gh, cx, cy, r, j;
	unsigned int n = 0;

	if (k == 0 || k > SPINAL_KNN_MAX || !isfinite(x) || !isfinite(y))
		return -EINVAL;
	if (g->nnodes == 0)
		return 0;
	if (k > g->nnodes)
		k = g->nnodes;
	cx = clampi((x - g->gx0) * g->inv_cell, gw - 1);
	cy = clampi((y - g->gy0) * g->inv_cell, gh - 1);
	for (r = 0;; r++) {
		int32_t x0 = cx - r, x1 = cx + r, y0 = cy - r, y1 = cy + r;
		int32_t ix0 = x0 < 0 ? 0 : x0, ix1 = x1 >= gw ? gw - 1 : x1;
		float bound = INFINITY;

		if (r == 0) {
			scan_cell(g, cx, cy, x, y, b, &n, k);
		} else {
			if (y0 >= 0)
				scan_row(g, ix0, ix1, y0, x, y, b, &n, k);
			if (y1 < gh)
				scan_row(g, ix0, ix1, y1, x, y, b, &n, k);
			for (j = (y0 + 1 < 0 ? 0 : y0 + 1); j <= y1 - 1 && j < gh; j++) {
				if (x0 >= 0)
					scan_cell(g, x0, j, x, y, b, &n, k);
				if (x1 < gw)
					scan_cell(g, x1, j, x, y, b, &n, k);
			}
		}
		/* distance to the nearest cell not searched yet (grid edges excluded) */
		if (x0 > 0)
			bound = fminf(bound, x - (g->gx0 + (float)x0 * g->cell));
		if (x1 < gw - 1)
			bound = fminf(bound, g->gx0 + (float)(x1 + 1) * g->cell - x);
		if (y0 > 0)
			bound = fminf(bound, y - (g->gy0 + (float)y0 * g->cell));
		if (y1 < gh - 1)
			bound = fminf(bound, g->gy0 + (float)(y1 + 1) * g->cell - y);
		if (bound == INFINITY)
			break; /* the whole grid has been searched */
		if (n == k && bound > 0) {
			bound *= 0.99999f; /* float rounding: err towards searching more */
			if (b[k - 1].d2 < bound * bound)
				break;
		}
	}
	return finish(g, x, y, b, n, out);
}

int spinal_graph_knn_brute(const struct spinal_graph *g, float x, float y, unsigned int k,
			   struct spinal_knn_hit *out)
{
	struct best b[SPINAL_KNN_MAX];
	unsigned int n = 0;
	uint32_t i;

	if (k == 0 || k > SPINAL_KNN_MAX || !isfinite(x) || !isfinite(y))
		return -EINVAL;
	if (k > g->nnodes)
		k = g->nnodes;
	for (i = 0; i < g->nslots; i++) {
		const struct spinal_gnode *nd = spinal_graph_node(g, i);
		float dx = nd->x - x, dy = nd->y - y;

		if (nd->live)
			best_add(b, &n, k, dx * dx + dy * dy, i);
	}
	return finish(g, x, y, b, n, out);
}
