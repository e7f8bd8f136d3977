// SPDX-License-Identifier: MIT
/*
 * Snapshot objects (node pages, adjacency pages, grid tiles), their
 * checksums, the grid geometry, and the full build: editable model -> paged,
 * immutable snapshot (graph.h).  The incremental builder is graph_incr.c.
 * Updater thread only; the RT thread only reads the result.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "graph.h"
#include "graph_edit.h"
#include "graph_impl.h"
#include "graph_route.h"

struct spinal_graph *spinal_graph_cur;

#ifdef SPINAL_TSAN
char spinal_rcu_tsan_gp;
#endif

#define NONE SPINAL_NODE_NONE
#define PMASK (SPINAL_GPAGE_NODES - 1)
#define TS SPINAL_GTILE_SHIFT
#define TMASK ((1u << TS) - 1)

/* ---- checksums ---- */

static uint64_t mix_words(uint64_t h, const void *p, size_t bytes)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i + 8 <= bytes; i += 8) {
		uint64_t w;

		memcpy(&w, b + i, 8);
		h = (h ^ w) * 0x100000001b3ULL;
		h ^= h >> 29;
	}
	if (i < bytes) {
		uint64_t w = 0;

		memcpy(&w, b + i, bytes - i);
		h = (h ^ w) * 0x100000001b3ULL;
		h ^= h >> 29;
	}
	return h;
}

uint64_t gsnap_page_sum(const struct spinal_gpage *p)
{
	return mix_words(0xcbf29ce484222325ULL, p->n, sizeof(p->n));
}

size_t gsnap_adj_bytes(uint32_t cap)
{
	return sizeof(struct spinal_gadj) + (size_t)cap * sizeof(struct spinal_gedge);
}

uint64_t gsnap_adj_sum(const struct spinal_gadj *a)
{
	uint64_t h = mix_words(0x84222325cbf29ce4ULL, &a->nedges, sizeof(a->nedges));

	h = mix_words(h, a->start, sizeof(a->start));
	return mix_words(h, a->e, (size_t)a->nedges * sizeof(a->e[0]));
}

size_t gsnap_tile_bytes(uint32_t cap)
{
	return sizeof(struct spinal_gtile) + (size_t)cap * sizeof(struct spinal_gitem);
}

uint64_t gsnap_tile_sum(const struct spinal_gtile *t)
{
	uint64_t h = mix_words(0x2325cbf29ce48422ULL, &t->nitems, sizeof(t->nitems));

	h = mix_words(h, t->start, sizeof(t->start));
	return mix_words(h, t->it, (size_t)t->nitems * sizeof(t->it[0]));
}

uint64_t gsnap_hdr_sum(const struct spinal_graph *g)
{
	uint32_t w[8] = { g->nnodes, g->nslots, g->nedges, g->goal, g->goal_id, g->gw, g->gh, 0 };
	uint64_t h = mix_words(0xcbf29ce484222325ULL ^ g->generation, w, sizeof(w));

	return mix_words(h, &g->gx0, 4 * sizeof(float));
}

uint64_t spinal_graph_hash(const struct spinal_graph *g)
{
	uint64_t h = gsnap_hdr_sum(g), s;
	uint32_t i;
	int bad = 0;

	for (i = 0; i < g->npages; i++) {
		s = gsnap_page_sum(g->page[i]);
		bad |= s != g->page[i]->sum || g->page[i]->magic != SPINAL_GRAPH_MAGIC;
		h += s;
		s = gsnap_adj_sum(g->adj[i]);
		bad |= s != g->adj[i]->sum || g->adj[i]->magic != SPINAL_GRAPH_MAGIC;
		h += s;
	}
	for (i = 0; i < g->ntiles; i++) {
		s = gsnap_tile_sum(g->tile[i]);
		bad |= s != g->tile[i]->sum || g->tile[i]->magic != SPINAL_GRAPH_MAGIC;
		h += s;
	}
	return bad ? ~g->content_hash : h;
}

uint32_t spinal_graph_find_id(const struct spinal_graph *g, uint32_t id)
{
	uint32_t i;

	for (i = 0; i < g->nslots; i++) {
		const struct spinal_gnode *n = spinal_graph_node(g, i);

		if (n->live && n->id == id)
			return i;
	}
	return NONE;
}

/* ---- grid geometry ---- */


/* ~2 nodes per cell, at most 4n + 16 cells, never degenerate. */
void gsnap_grid_size(struct gsnap_geom *g, const struct spinal_gmodel *m)
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
	g->tw = (g->gw + TMASK) >> TS;
	g->th = (g->gh + TMASK) >> TS;
}

static void cell_xy(const struct gsnap_geom *g, float x, float y, uint32_t *cx, uint32_t *cy)
{
	float fx = (x - g->gx0) * g->inv_cell, fy = (y - g->gy0) * g->inv_cell;

	*cx = fx <= 0 ? 0 : fx >= (float)(g->gw - 1) ? g->gw - 1 : (uint32_t)fx;
	*cy = fy <= 0 ? 0 : fy >= (float)(g->gh - 1) ? g->gh - 1 : (uint32_t)fy;
}

static uint32_t cell_of(const struct gsnap_geom *g, float x, float y)
{
	uint32_t cx, cy;

	cell_xy(g, x, y, &cx, &cy);
	return cy * g->gw + cx;
}

/* Tile of a position, and the cell's place inside it. */
uint32_t gsnap_tile_of(const struct gsnap_geom *g, float x, float y, uint32_t *j)
{
	uint32_t cx, cy;

	cell_xy(g, x, y, &cx, &cy);
	*j = (cy & TMASK) << TS | (cx & TMASK);
	return (cy >> TS) * g->tw + (cx >> TS);
}

/* Outside the grid's box: lands in a border cell (kNN stays exact, slower). */
int gsnap_outside(const struct gsnap_geom *g, float x, float y)
{
	float fx = (x - g->gx0) * g->inv_cell, fy = (y - g->gy0) * g->inv_cell;

	return !(fx >= 0 && fy >= 0 && fx < (float)g->gw && fy < (float)g->gh);
}

void gsnap_geom_of(struct gsnap_geom *gm, const struct spinal_graph *g)
{
	gm->gx0 = g->gx0;
	gm->gy0 = g->gy0;
	gm->cell = g->cell;
	gm->inv_cell = g->inv_cell;
	gm->gw = g->gw;
	gm->gh = g->gh;
	gm->tw = g->tw;
	gm->th = g->th;
}

/* A fresh map: slots in grid-cell order (stable), as the full rebuild always
 * numbered nodes, so a loaded map answers ties exactly as before. */
int gsnap_layout_by_cell(struct spinal_gmodel *m)
{
	struct gsnap_geom gm;
	uint32_t *perm, *fill, i;
	size_t ncells;
	int rc;

	gsnap_grid_size(&gm, m);
	ncells = (size_t)gm.gw * gm.gh;
	perm = malloc(((size_t)m->n + 1) * sizeof(*perm));
	fill = calloc(ncells + 1, sizeof(*fill));
	if (!perm || !fill) {
		free(perm);
		free(fill);
		return -ENOMEM;
	}
	for (i = 0; i < m->n; i++)
		fill[cell_of(&gm, m->nodes[i].x, m->nodes[i].y) + 1]++;
	for (i = 0; i < ncells; i++)
		fill[i + 1] += fill[i];
	for (i = 0; i < m->n; i++)
		perm[i] = fill[cell_of(&gm, m->nodes[i].x, m->nodes[i].y)]++;
	rc = spinal_gm_renumber(m, perm);
	free(perm);
	free(fill);
	return rc;
}

/* ---- objects ---- */

/* Node pages start on a cache line (aligned_alloc wants a multiple). */
struct spinal_gpage *gsnap_page_alloc(void)
{
	return aligned_alloc(64, (sizeof(struct spinal_gpage) + 63) & ~(size_t)63);
}

void gsnap_node_fill(struct spinal_gnode *d, const struct spinal_gmodel *m,
		      const struct groute *r, uint32_t s)
{
	uint32_t i = s < m->nslots ? m->at[s] : NONE;

	memset(d, 0, sizeof(*d));
	d->next = NONE;
	d->cost = INFINITY;
	if (i == NONE)
		return;
	d->x = m->nodes[i].x;
	d->y = m->nodes[i].y;
	d->id = m->nodes[i].id;
	d->flags = m->nodes[i].flags;
	d->visits = m->nodes[i].visits;
	d->live = 1;
	if (s >= r->cap)
		return; /* a slot the route has not seen yet (filled again after it has) */
	d->next = r->next[s];
	d->cost = r->dist[s];
	d->tin = r->tin[s];
	d->tout = r->tout[s];
}

struct spinal_gpage *gsnap_page_new(const struct spinal_gmodel *m, const struct groute *r,
				     uint32_t pi, uint64_t gen)
{
	struct spinal_gpage *p = gsnap_page_alloc();
	uint32_t j;

	if (!p)
		return NULL;
	p->magic = SPINAL_GRAPH_MAGIC;
	p->gen = gen;
	p->pad = 0;
	for (j = 0; j < SPINAL_GPAGE_NODES; j++)
		gsnap_node_fill(&p->n[j], m, r, pi * SPINAL_GPAGE_NODES + j);
	return p;
}

struct spinal_gadj *gsnap_adj_new(const struct spinal_gmodel *m, uint32_t pi, uint64_t gen)
{
	uint32_t j, k, ne = 0, base = pi * SPINAL_GPAGE_NODES;
	struct spinal_gadj *a;

	for (j = 0; j < SPINAL_GPAGE_NODES; j++)
		if (base + j < m->nslots && m->at[base + j] != NONE)
			ne += m->adj[base + j].nout;
	a = malloc(gsnap_adj_bytes(ne));
	if (!a)
		return NULL;
	a->magic = SPINAL_GRAPH_MAGIC;
	a->gen = gen;
	a->nedges = a->cap = ne;
	ne = 0;
	for (j = 0; j < SPINAL_GPAGE_NODES; j++) {
		uint32_t s = base + j;

		a->start[j] = ne;
		if (s >= m->nslots || m->at[s] == NONE)
			continue;
		for (k = 0; k < m->adj[s].nout; k++) {
			a->e[ne].to = m->adj[s].out[k].to;
			a->e[ne++].cost = spinal_gm_cost(m, s, &m->adj[s].out[k]);
		}
	}
	a->start[SPINAL_GPAGE_NODES] = ne;
	return a;
}

/* Every tile of grid @gm from the model (items by slot within a cell). */
int gsnap_tiles_new(const struct spinal_gmodel *m, const struct gsnap_geom *gm, uint64_t gen,
		     struct spinal_gtile **tiles, size_t *bytes)
{
	uint32_t nt = gm->tw * gm->th, t, s, j;
	uint32_t *cnt = calloc((size_t)nt * (SPINAL_GTILE_CELLS + 1), sizeof(*cnt));

	if (!cnt)
		return -ENOMEM;
	for (s = 0; s < m->nslots; s++) {
		uint32_t i = m->at[s];

		if (i == NONE)
			continue;
		t = gsnap_tile_of(gm, m->nodes[i].x, m->nodes[i].y, &j);
		cnt[(size_t)t * (SPINAL_GTILE_CELLS + 1) + j + 1]++;
	}
	for (t = 0; t < nt; t++) {
		uint32_t *c = &cnt[(size_t)t * (SPINAL_GTILE_CELLS + 1)], n;
		struct spinal_gtile *tl;

		for (j = 0; j < SPINAL_GTILE_CELLS; j++)
			c[j + 1] += c[j];
		n = c[SPINAL_GTILE_CELLS];
		tl = malloc(gsnap_tile_bytes(n + 4));
		if (!tl) {
			while (t--)
				free(tiles[t]);
			free(cnt);
			return -ENOMEM;
		}
		tl->magic = SPINAL_GRAPH_MAGIC;
		tl->gen = gen;
		tl->nitems = n;
		tl->cap = n + 4;
		memcpy(tl->start, c, sizeof(tl->start));
		*bytes += gsnap_tile_bytes(n + 4);
		tiles[t] = tl;
	}
	for (s = 0; s < m->nslots; s++) {
		uint32_t i = m->at[s];
		struct spinal_gtile *tl;

		if (i == NONE)
			continue;
		t = gsnap_tile_of(gm, m->nodes[i].x, m->nodes[i].y, &j);
		tl = tiles[t];
		tl->it[cnt[(size_t)t * (SPINAL_GTILE_CELLS + 1) + j]++] =
			(struct spinal_gitem){ m->nodes[i].x, m->nodes[i].y, s };
	}
	for (t = 0; t < nt; t++)
		tiles[t]->sum = gsnap_tile_sum(tiles[t]);
	free(cnt);
	return 0;
}

void gsnap_obj_free(void *p, size_t len, int poison)
{
	if (p && poison)
		memset(p, SPINAL_GRAPH_POISON_BYTE, len);
	free(p);
}

void spinal_graph_free(struct spinal_graph *g, int poison)
{
	uint32_t i;

	if (!g)
		return;
	for (i = 0; i < g->npages; i++) {
		gsnap_obj_free((void *)g->page[i], sizeof(*g->page[i]), poison);
		gsnap_obj_free((void *)g->adj[i], gsnap_adj_bytes(g->adj[i]->cap), poison);
	}
	for (i = 0; i < g->ntiles; i++)
		gsnap_obj_free((void *)g->tile[i], gsnap_tile_bytes(g->tile[i]->cap), poison);
	gsnap_obj_free((void *)g->page, (size_t)g->npages * sizeof(*g->page), poison);
	gsnap_obj_free((void *)g->adj, (size_t)g->npages * sizeof(*g->adj), poison);
	gsnap_obj_free((void *)g->tile, (size_t)g->ntiles * sizeof(*g->tile), poison);
	if (poison)
		memset(g, SPINAL_GRAPH_POISON_BYTE, sizeof(*g));
	else
		g->magic = SPINAL_GRAPH_POISON;
	free(g);
}

struct spinal_graph *gsnap_hdr_new(const struct spinal_gmodel *m, const struct groute *r,
				    const struct gsnap_geom *gm, uint64_t gen)
{
	struct spinal_graph *g = calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	g->magic = SPINAL_GRAPH_MAGIC;
	g->generation = gen;
	g->nnodes = m->n;
	g->nslots = m->nslots;
	g->nedges = m->ne;
	g->goal = r->goal;
	g->goal_id = r->goal == NONE ? NONE : m->goal_id;
	g->gx0 = gm->gx0;
	g->gy0 = gm->gy0;
	g->cell = gm->cell;
	g->inv_cell = gm->inv_cell;
	g->gw = gm->gw;
	g->gh = gm->gh;
	g->tw = gm->tw;
	g->th = gm->th;
	g->npages = (m->nslots + PMASK) / SPINAL_GPAGE_NODES;
	g->ntiles = gm->tw * gm->th;
	return g;
}

/* A snapshot of @m from scratch with the route in @r (already computed). */
struct spinal_graph *gsnap_build_all(const struct spinal_gmodel *m, const struct groute *r,
				      uint64_t gen, uint64_t *sum_total)
{
	struct spinal_gpage **pages = NULL;
	struct spinal_gadj **adj = NULL;
	struct spinal_gtile **tiles = NULL;
	struct spinal_graph *g;
	struct gsnap_geom gm;
	uint32_t i;
	uint64_t tot;

	gsnap_grid_size(&gm, m);
	g = gsnap_hdr_new(m, r, &gm, gen);
	if (!g)
		return NULL;
	pages = calloc(g->npages + 1, sizeof(*pages));
	adj = calloc(g->npages + 1, sizeof(*adj));
	tiles = calloc(g->ntiles + 1, sizeof(*tiles));
	g->page = (const struct spinal_gpage *const *)pages;
	g->adj = (const struct spinal_gadj *const *)adj;
	g->tile = (const struct spinal_gtile *const *)tiles;
	g->bytes = sizeof(*g) + (2 * (size_t)g->npages + g->ntiles) * sizeof(void *);
	if (!pages || !adj || !tiles)
		goto fail;
	for (i = 0; i < g->npages; i++) {
		pages[i] = gsnap_page_new(m, r, i, gen);
		adj[i] = gsnap_adj_new(m, i, gen);
		if (!pages[i] || !adj[i])
			goto fail;
		pages[i]->sum = gsnap_page_sum(pages[i]);
		adj[i]->sum = gsnap_adj_sum(adj[i]);
		g->bytes += sizeof(*pages[i]) + gsnap_adj_bytes(adj[i]->cap);
	}
	if (gsnap_tiles_new(m, &gm, gen, tiles, &g->bytes)) {
		memset(tiles, 0, (g->ntiles + 1) * sizeof(*tiles));
		goto fail;
	}
	tot = 0;
	for (i = 0; i < g->npages; i++)
		tot += pages[i]->sum + adj[i]->sum;
	for (i = 0; i < g->ntiles; i++)
		tot += tiles[i]->sum;
	*sum_total = tot;
	g->content_hash = gsnap_hdr_sum(g) + tot;
	return g;
fail:
	if (pages && adj)
		for (i = 0; i < g->npages; i++) {
			free(pages[i]);
			free(adj[i]);
		}
	free(pages);
	free(adj);
	free(tiles);
	free(g);
	return NULL;
}

struct spinal_graph *spinal_graph_build(struct spinal_gmodel *m, uint64_t gen)
{
	struct spinal_graph *g = NULL;
	struct groute r;
	uint64_t tot;

	if ((!m->numbered && gsnap_layout_by_cell(m)) || groute_init(&r)) {
		errno = ENOMEM;
		return NULL;
	}
	if (!groute_full(&r, m))
		g = gsnap_build_all(m, &r, gen, &tot);
	groute_fini(&r);
	if (!g) {
		errno = ENOMEM;
		return NULL;
	}
	spinal_gm_clean(m);
	return g;
}
