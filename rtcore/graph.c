// SPDX-License-Identifier: MIT
/*
 * Snapshot builder: editable model -> one immutable allocation holding the
 * grid-sorted nodes, CSR adjacency, grid index, id index and the next-hop
 * table toward the goal (reverse Dijkstra + shortest-path-tree intervals).
 * Runs on the updater thread; the RT thread only reads the result.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "graph.h"
#include "graph_edit.h"

struct spinal_graph *spinal_graph_cur;

#ifdef SPINAL_TSAN
char spinal_rcu_tsan_gp;
#endif

#define ALIGN64(x) (((x) + 63) & ~(size_t)63)

uint32_t spinal_graph_find_id(const struct spinal_graph *g, uint32_t id)
{
	uint32_t lo = 0, hi = g->nnodes;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		uint32_t mid_id = g->node[g->by_id[mid]].id;

		if (mid_id == id)
			return g->by_id[mid];
		if (mid_id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return SPINAL_NODE_NONE;
}

static uint64_t hash_words(uint64_t h, const void *p, size_t bytes)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i + 8 <= bytes; i += 8) {
		uint64_t w;

		memcpy(&w, b + i, 8);
		h = (h ^ w) * 0x100000001b3ULL;
		h ^= h >> 29;
	}
	return h;
}

uint64_t spinal_graph_hash(const struct spinal_graph *g)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ g->generation;

	h = hash_words(h, g->pos, (size_t)g->nnodes * sizeof(*g->pos));
	h = hash_words(h, g->node, (size_t)g->nnodes * sizeof(*g->node));
	h = hash_words(h, g->adj_to, (size_t)(g->nedges & ~1u) * sizeof(*g->adj_to));
	return h;
}

void spinal_graph_free(struct spinal_graph *g, int poison)
{
	if (!g)
		return;
	if (poison)
		memset(g, SPINAL_GRAPH_POISON_BYTE, g->bytes);
	else
		g->magic = SPINAL_GRAPH_POISON;
	free(g);
}

/* Grid geometry: ~2 nodes per cell, at most 4n + 16 cells, never degenerate. */
static void grid_size(struct spinal_graph *g, const struct spinal_gmodel *m)
{
	float minx = 0, miny = 0, maxx = 1, maxy = 1, w, h, cell;
	uint32_t i, n = m->n, cap = 4 * n + 16;
	double cells;

	if (n) {
		minx = maxx = m->nodes[0].x;
		miny = maxy = m->nodes[0].y;
	}
	for (i = 1; i < n; i++) {
		minx = fminf(minx, m->nodes[i].x);
		maxx = fmaxf(maxx, m->nodes[i].x);
		miny = fminf(miny, m->nodes[i].y);
		maxy = fmaxf(maxy, m->nodes[i].y);
	}
	w = fmaxf(maxx - minx, 1e-3f);
	h = fmaxf(maxy - miny, 1e-3f);
	cells = n > 2 ? n / 2.0 : 1.0;
	cell = (float)sqrt((double)w * h / cells);
	if (cell < fmaxf(w, h) / (float)cap)
		cell = fmaxf(w, h) / (float)cells; /* (nearly) collinear map */
	cell = fmaxf(cell, 1e-3f);
	for (;;) {
		g->gw = (uint32_t)(w / cell) + 1;
		g->gh = (uint32_t)(h / cell) + 1;
		if ((uint64_t)g->gw * g->gh <= cap)
			break;
		cell *= 1.25f;
	}
	g->gx0 = minx;
	g->gy0 = miny;
	g->cell = cell;
	g->inv_cell = 1.0f / cell;
}

static uint32_t cell_of(const struct spinal_graph *g, float x, float y)
{
	float fx = (x - g->gx0) * g->inv_cell, fy = (y - g->gy0) * g->inv_cell;
	uint32_t cx = fx <= 0 ? 0 : fx >= (float)(g->gw - 1) ? g->gw - 1 : (uint32_t)fx;
	uint32_t cy = fy <= 0 ? 0 : fy >= (float)(g->gh - 1) ? g->gh - 1 : (uint32_t)fy;

	return cy * g->gw + cx;
}

struct heap_ent {
	float d;
	uint32_t v;
};

static void heap_push(struct heap_ent *h, uint32_t *n, struct heap_ent e)
{
	uint32_t i = (*n)++;

	while (i && h[(i - 1) / 2].d > e.d) {
		h[i] = h[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	h[i] = e;
}

static struct heap_ent heap_pop(struct heap_ent *h, uint32_t *n)
{
	struct heap_ent top = h[0], last = h[--(*n)];
	uint32_t i = 0, c;

	while ((c = 2 * i + 1) < *n) {
		if (c + 1 < *n && h[c + 1].d < h[c].d)
			c++;
		if (last.d <= h[c].d)
			break;
		h[i] = h[c];
		i = c;
	}
	h[i] = last;
	return top;
}

/*
 * Reverse Dijkstra from the goal: node[v].cost = shortest cost v -> goal,
 * node[v].next = first hop.  Then number the shortest-path tree (rooted at
 * the goal, parent = next) in DFS order: tin on entry, tout = last tin in the
 * subtree.  Returns 0 or -ENOMEM.
 */
static int next_hops(struct spinal_graph *g, struct spinal_gnode *node)
{
	uint32_t n = g->nnodes, ne = g->nedges, i, e, hn = 0, timer = 0, sp;
	uint32_t *rstart = NULL, *rfrom = NULL, *cstart = NULL, *child = NULL, *stk = NULL, *it = NULL;
	float *rcost = NULL;
	struct heap_ent *heap = NULL;
	int rc = -ENOMEM;

	for (i = 0; i < n; i++) {
		node[i].next = SPINAL_NODE_NONE;
		node[i].cost = INFINITY;
		node[i].tin = node[i].tout = 0;
	}
	if (g->goal == SPINAL_NODE_NONE)
		return 0;
	rstart = calloc((size_t)n + 1, sizeof(*rstart));
	rfrom = malloc((size_t)ne * sizeof(*rfrom) + 4);
	rcost = malloc((size_t)ne * sizeof(*rcost) + 4);
	heap = malloc(((size_t)ne + 1) * sizeof(*heap));
	cstart = calloc((size_t)n + 2, sizeof(*cstart));
	child = malloc((size_t)n * sizeof(*child) + 4);
	stk = malloc((size_t)n * sizeof(*stk) + 4);
	it = malloc((size_t)n * sizeof(*it) + 4);
	if (!rstart || !rfrom || !rcost || !heap || !cstart || !child || !stk || !it)
		goto out;
	for (e = 0; e < ne; e++)
		rstart[g->adj_to[e] + 1]++;
	for (i = 0; i < n; i++)
		rstart[i + 1] += rstart[i];
	for (i = 0; i < n; i++) {
		for (e = g->adj_start[i]; e < g->adj_start[i + 1]; e++) {
			uint32_t k = rstart[g->adj_to[e]]++;

			rfrom[k] = i;
			rcost[k] = g->adj_cost[e];
		}
	}
	for (i = n; i > 0; i--)
		rstart[i] = rstart[i - 1];
	rstart[0] = 0;

	node[g->goal].cost = 0;
	node[g->goal].next = g->goal;
	heap_push(heap, &hn, (struct heap_ent){ 0, g->goal });
	while (hn) {
		struct heap_ent t = heap_pop(heap, &hn);

		if (t.d > node[t.v].cost)
			continue; /* stale entry */
		for (e = rstart[t.v]; e < rstart[t.v + 1]; e++) {
			uint32_t v = rfrom[e];
			float nd = t.d + rcost[e];

			if (nd < node[v].cost) {
				node[v].cost = nd;
				node[v].next = t.v;
				heap_push(heap, &hn, (struct heap_ent){ nd, v });
			}
		}
	}

	/* children lists of the shortest-path tree, then an iterative DFS */
	for (i = 0; i < n; i++)
		if (i != g->goal && node[i].next != SPINAL_NODE_NONE)
			cstart[node[i].next + 2]++;
	for (i = 0; i < n; i++)
		cstart[i + 2] += cstart[i + 1];
	for (i = 0; i < n; i++)
		if (i != g->goal && node[i].next != SPINAL_NODE_NONE)
			child[cstart[node[i].next + 1]++] = i;
	sp = 0;
	stk[sp] = g->goal;
	it[sp++] = cstart[g->goal];
	node[g->goal].tin = ++timer;
	while (sp) {
		uint32_t u = stk[sp - 1];

		if (it[sp - 1] < cstart[u + 1]) {
			uint32_t c = child[it[sp - 1]++];

			node[c].tin = ++timer;
			stk[sp] = c;
			it[sp++] = cstart[c];
		} else {
			node[u].tout = timer;
			sp--;
		}
	}
	rc = 0;
out:
	free(rstart);
	free(rfrom);
	free(rcost);
	free(heap);
	free(cstart);
	free(child);
	free(stk);
	free(it);
	return rc;
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Offsets of the arrays inside one snapshot allocation. */
struct layout {
	size_t pos, node, cell, adj_start, adj_to, adj_cost, by_id, total;
};

static void layout(struct layout *l, uint32_t n, uint32_t ne, size_t ncells)
{
	l->pos = ALIGN64(sizeof(struct spinal_graph));
	l->node = l->pos + ALIGN64((size_t)n * sizeof(struct spinal_gpos));
	l->cell = l->node + ALIGN64((size_t)n * sizeof(struct spinal_gnode));
	l->adj_start = l->cell + ALIGN64((ncells + 1) * sizeof(uint32_t));
	l->adj_to = l->adj_start + ALIGN64(((size_t)n + 1) * sizeof(uint32_t));
	l->adj_cost = l->adj_to + ALIGN64((size_t)ne * sizeof(uint32_t));
	l->by_id = l->adj_cost + ALIGN64((size_t)ne * sizeof(float));
	l->total = l->by_id + ALIGN64((size_t)n * sizeof(uint32_t));
}

struct spinal_graph *spinal_graph_build(const struct spinal_gmodel *m, uint64_t gen)
{
	struct spinal_graph tmp = { 0 }, *g;
	uint32_t n = m->n, ne = m->ne, i, e, *perm, *fill;
	struct spinal_gpos *pos;
	struct spinal_gnode *node;
	uint32_t *cell_start, *adj_start, *adj_to, *by_id;
	float *adj_cost;
	uint64_t *keys;
	struct layout l;
	size_t ncells;
	char *base;

	grid_size(&tmp, m);
	ncells = (size_t)tmp.gw * tmp.gh;
	layout(&l, n, ne, ncells);
	base = aligned_alloc(64, l.total);
	perm = malloc(((size_t)n + 1) * sizeof(*perm));
	fill = calloc(ncells + 1, sizeof(*fill));
	keys = malloc(((size_t)n + 1) * sizeof(*keys));
	if (!base || !perm || !fill || !keys) {
		free(base);
		g = NULL;
		errno = ENOMEM;
		goto out;
	}
	g = (struct spinal_graph *)base;
	*g = tmp;
	g->magic = SPINAL_GRAPH_MAGIC;
	g->generation = gen;
	g->nnodes = n;
	g->nedges = ne;
	g->bytes = l.total;
	g->pos = pos = (struct spinal_gpos *)(base + l.pos);
	g->node = node = (struct spinal_gnode *)(base + l.node);
	g->cell_start = cell_start = (uint32_t *)(base + l.cell);
	g->adj_start = adj_start = (uint32_t *)(base + l.adj_start);
	g->adj_to = adj_to = (uint32_t *)(base + l.adj_to);
	g->adj_cost = adj_cost = (float *)(base + l.adj_cost);
	g->by_id = by_id = (uint32_t *)(base + l.by_id);
	memset(node, 0, (size_t)n * sizeof(*node));

	/* counting sort of the nodes by grid cell (stable) */
	memset(cell_start, 0, (ncells + 1) * sizeof(*cell_start));
	for (i = 0; i < n; i++)
		cell_start[cell_of(g, m->nodes[i].x, m->nodes[i].y) + 1]++;
	for (i = 0; i < ncells; i++)
		cell_start[i + 1] += cell_start[i];
	for (i = 0; i < n; i++) {
		const struct spinal_gm_node *s = &m->nodes[i];
		uint32_t c = cell_of(g, s->x, s->y), k = cell_start[c] + fill[c]++;

		perm[i] = k;
		pos[k] = (struct spinal_gpos){ s->x, s->y };
		node[k].id = s->id;
		node[k].flags = s->flags;
		node[k].visits = s->visits;
	}

	/* CSR adjacency in snapshot indices; cost 0 means Euclidean */
	memset(adj_start, 0, ((size_t)n + 1) * sizeof(*adj_start));
	for (e = 0; e < ne; e++)
		adj_start[perm[spinal_gm_find(m, m->edges[e].from)] + 1]++;
	for (i = 0; i < n; i++)
		adj_start[i + 1] += adj_start[i];
	/* fill each node's edges from its end backwards (pad = running end) */
	for (i = 0; i < n; i++)
		node[i].pad = adj_start[i + 1];
	for (e = 0; e < ne; e++) {
		const struct spinal_gm_edge *s = &m->edges[e];
		uint32_t f = perm[spinal_gm_find(m, s->from)], t = perm[spinal_gm_find(m, s->to)];
		uint32_t k = --node[f].pad;

		adj_to[k] = t;
		adj_cost[k] = s->cost > 0 ? s->cost :
			hypotf(pos[t].x - pos[f].x, pos[t].y - pos[f].y);
	}
	for (i = 0; i < n; i++)
		node[i].pad = 0;

	/* id index */
	for (i = 0; i < n; i++)
		keys[i] = (uint64_t)node[i].id << 32 | i;
	qsort(keys, n, sizeof(*keys), u64_cmp);
	for (i = 0; i < n; i++)
		by_id[i] = (uint32_t)keys[i];

	g->goal_id = m->goal_id;
	g->goal = m->goal_id == SPINAL_NODE_NONE ? SPINAL_NODE_NONE : spinal_graph_find_id(g, m->goal_id);
	if (next_hops(g, node)) {
		free(base);
		g = NULL;
		errno = ENOMEM;
		goto out;
	}
	g->content_hash = spinal_graph_hash(g);
out:
	free(perm);
	free(fill);
	free(keys);
	return g;
}
