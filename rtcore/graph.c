// SPDX-License-Identifier: MIT
/*
 * Snapshot builder: editable model -> paged, immutable snapshot (graph.h).
 * A full build lays everything out from scratch; spinal_gbuild_next() copies
 * the previous snapshot's tables and only the pages the model's recorded
 * changes touched (node pages, adjacency pages, grid tiles), with the next
 * hops updated incrementally (graph_route.c).  Updater thread only; the RT
 * thread only reads the result.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "graph.h"
#include "graph_edit.h"
#include "graph_route.h"

struct spinal_graph *spinal_graph_cur;

#ifdef SPINAL_TSAN
char spinal_rcu_tsan_gp;
#endif

#define NONE SPINAL_NODE_NONE
#define PMASK (SPINAL_GPAGE_NODES - 1)
#define TS SPINAL_GTILE_SHIFT
#define TMASK ((1u << TS) - 1)

enum { K_PAGE, K_ADJ, K_TILE };

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

static uint64_t page_sum(const struct spinal_gpage *p)
{
	return mix_words(0xcbf29ce484222325ULL, p->n, sizeof(p->n));
}

static size_t adj_bytes(uint32_t cap)
{
	return sizeof(struct spinal_gadj) + (size_t)cap * sizeof(struct spinal_gedge);
}

static uint64_t adj_sum(const struct spinal_gadj *a)
{
	uint64_t h = mix_words(0x84222325cbf29ce4ULL, &a->nedges, sizeof(a->nedges));

	h = mix_words(h, a->start, sizeof(a->start));
	return mix_words(h, a->e, (size_t)a->nedges * sizeof(a->e[0]));
}

static size_t tile_bytes(uint32_t cap)
{
	return sizeof(struct spinal_gtile) + (size_t)cap * sizeof(struct spinal_gitem);
}

static uint64_t tile_sum(const struct spinal_gtile *t)
{
	uint64_t h = mix_words(0x2325cbf29ce48422ULL, &t->nitems, sizeof(t->nitems));

	h = mix_words(h, t->start, sizeof(t->start));
	return mix_words(h, t->it, (size_t)t->nitems * sizeof(t->it[0]));
}

static uint64_t hdr_sum(const struct spinal_graph *g)
{
	uint32_t w[8] = { g->nnodes, g->nslots, g->nedges, g->goal, g->goal_id, g->gw, g->gh, 0 };
	uint64_t h = mix_words(0xcbf29ce484222325ULL ^ g->generation, w, sizeof(w));

	return mix_words(h, &g->gx0, 4 * sizeof(float));
}

uint64_t spinal_graph_hash(const struct spinal_graph *g)
{
	uint64_t h = hdr_sum(g), s;
	uint32_t i;
	int bad = 0;

	for (i = 0; i < g->npages; i++) {
		s = page_sum(g->page[i]);
		bad |= s != g->page[i]->sum || g->page[i]->magic != SPINAL_GRAPH_MAGIC;
		h += s;
		s = adj_sum(g->adj[i]);
		bad |= s != g->adj[i]->sum || g->adj[i]->magic != SPINAL_GRAPH_MAGIC;
		h += s;
	}
	for (i = 0; i < g->ntiles; i++) {
		s = tile_sum(g->tile[i]);
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

struct geom {
	float gx0, gy0, cell, inv_cell;
	uint32_t gw, gh, tw, th;
};

/* ~2 nodes per cell, at most 4n + 16 cells, never degenerate. */
static void grid_size(struct geom *g, const struct spinal_gmodel *m)
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

static void cell_xy(const struct geom *g, float x, float y, uint32_t *cx, uint32_t *cy)
{
	float fx = (x - g->gx0) * g->inv_cell, fy = (y - g->gy0) * g->inv_cell;

	*cx = fx <= 0 ? 0 : fx >= (float)(g->gw - 1) ? g->gw - 1 : (uint32_t)fx;
	*cy = fy <= 0 ? 0 : fy >= (float)(g->gh - 1) ? g->gh - 1 : (uint32_t)fy;
}

static uint32_t cell_of(const struct geom *g, float x, float y)
{
	uint32_t cx, cy;

	cell_xy(g, x, y, &cx, &cy);
	return cy * g->gw + cx;
}

/* Tile of a position, and the cell's place inside it. */
static uint32_t tile_of(const struct geom *g, float x, float y, uint32_t *j)
{
	uint32_t cx, cy;

	cell_xy(g, x, y, &cx, &cy);
	*j = (cy & TMASK) << TS | (cx & TMASK);
	return (cy >> TS) * g->tw + (cx >> TS);
}

/* Outside the grid's box: lands in a border cell (kNN stays exact, slower). */
static int outside(const struct geom *g, float x, float y)
{
	float fx = (x - g->gx0) * g->inv_cell, fy = (y - g->gy0) * g->inv_cell;

	return !(fx >= 0 && fy >= 0 && fx < (float)g->gw && fy < (float)g->gh);
}

static void geom_of(struct geom *gm, const struct spinal_graph *g)
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
static int layout_by_cell(struct spinal_gmodel *m)
{
	struct geom gm;
	uint32_t *perm, *fill, i;
	size_t ncells;
	int rc;

	grid_size(&gm, m);
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
static struct spinal_gpage *page_alloc(void)
{
	return aligned_alloc(64, (sizeof(struct spinal_gpage) + 63) & ~(size_t)63);
}

static void node_fill(struct spinal_gnode *d, const struct spinal_gmodel *m,
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
	d->next = r->next[s];
	d->cost = r->dist[s];
	d->tin = r->tin[s];
	d->tout = r->tout[s];
}

static struct spinal_gpage *page_new(const struct spinal_gmodel *m, const struct groute *r,
				     uint32_t pi, uint64_t gen)
{
	struct spinal_gpage *p = page_alloc();
	uint32_t j;

	if (!p)
		return NULL;
	p->magic = SPINAL_GRAPH_MAGIC;
	p->gen = gen;
	p->pad = 0;
	for (j = 0; j < SPINAL_GPAGE_NODES; j++)
		node_fill(&p->n[j], m, r, pi * SPINAL_GPAGE_NODES + j);
	return p;
}

static struct spinal_gadj *adj_new(const struct spinal_gmodel *m, uint32_t pi, uint64_t gen)
{
	uint32_t j, k, ne = 0, base = pi * SPINAL_GPAGE_NODES;
	struct spinal_gadj *a;

	for (j = 0; j < SPINAL_GPAGE_NODES; j++)
		if (base + j < m->nslots && m->at[base + j] != NONE)
			ne += m->adj[base + j].nout;
	a = malloc(adj_bytes(ne));
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
static int tiles_new(const struct spinal_gmodel *m, const struct geom *gm, uint64_t gen,
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
		t = tile_of(gm, m->nodes[i].x, m->nodes[i].y, &j);
		cnt[(size_t)t * (SPINAL_GTILE_CELLS + 1) + j + 1]++;
	}
	for (t = 0; t < nt; t++) {
		uint32_t *c = &cnt[(size_t)t * (SPINAL_GTILE_CELLS + 1)], n;
		struct spinal_gtile *tl;

		for (j = 0; j < SPINAL_GTILE_CELLS; j++)
			c[j + 1] += c[j];
		n = c[SPINAL_GTILE_CELLS];
		tl = malloc(tile_bytes(n + 4));
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
		*bytes += tile_bytes(n + 4);
		tiles[t] = tl;
	}
	for (s = 0; s < m->nslots; s++) {
		uint32_t i = m->at[s];
		struct spinal_gtile *tl;

		if (i == NONE)
			continue;
		t = tile_of(gm, m->nodes[i].x, m->nodes[i].y, &j);
		tl = tiles[t];
		tl->it[cnt[(size_t)t * (SPINAL_GTILE_CELLS + 1) + j]++] =
			(struct spinal_gitem){ m->nodes[i].x, m->nodes[i].y, s };
	}
	for (t = 0; t < nt; t++)
		tiles[t]->sum = tile_sum(tiles[t]);
	free(cnt);
	return 0;
}

static void obj_free(void *p, size_t len, int poison)
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
		obj_free((void *)g->page[i], sizeof(*g->page[i]), poison);
		obj_free((void *)g->adj[i], adj_bytes(g->adj[i]->cap), poison);
	}
	for (i = 0; i < g->ntiles; i++)
		obj_free((void *)g->tile[i], tile_bytes(g->tile[i]->cap), poison);
	obj_free((void *)g->page, (size_t)g->npages * sizeof(*g->page), poison);
	obj_free((void *)g->adj, (size_t)g->npages * sizeof(*g->adj), poison);
	obj_free((void *)g->tile, (size_t)g->ntiles * sizeof(*g->tile), poison);
	if (poison)
		memset(g, SPINAL_GRAPH_POISON_BYTE, sizeof(*g));
	else
		g->magic = SPINAL_GRAPH_POISON;
	free(g);
}

static struct spinal_graph *hdr_new(const struct spinal_gmodel *m, const struct groute *r,
				    const struct geom *gm, uint64_t gen)
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
static struct spinal_graph *build_all(const struct spinal_gmodel *m, const struct groute *r,
				      uint64_t gen, uint64_t *sum_total)
{
	struct spinal_gpage **pages = NULL;
	struct spinal_gadj **adj = NULL;
	struct spinal_gtile **tiles = NULL;
	struct spinal_graph *g;
	struct geom gm;
	uint32_t i;
	uint64_t tot;

	grid_size(&gm, m);
	g = hdr_new(m, r, &gm, gen);
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
		pages[i] = page_new(m, r, i, gen);
		adj[i] = adj_new(m, i, gen);
		if (!pages[i] || !adj[i])
			goto fail;
		pages[i]->sum = page_sum(pages[i]);
		adj[i]->sum = adj_sum(adj[i]);
		g->bytes += sizeof(*pages[i]) + adj_bytes(adj[i]->cap);
	}
	if (tiles_new(m, &gm, gen, tiles, &g->bytes)) {
		memset(tiles, 0, (g->ntiles + 1) * sizeof(*tiles));
		goto fail;
	}
	tot = 0;
	for (i = 0; i < g->npages; i++)
		tot += pages[i]->sum + adj[i]->sum;
	for (i = 0; i < g->ntiles; i++)
		tot += tiles[i]->sum;
	*sum_total = tot;
	g->content_hash = hdr_sum(g) + tot;
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

	if ((!m->numbered && layout_by_cell(m)) || groute_init(&r)) {
		errno = ENOMEM;
		return NULL;
	}
	if (!groute_full(&r, m))
		g = build_all(m, &r, gen, &tot);
	groute_fini(&r);
	if (!g) {
		errno = ENOMEM;
		return NULL;
	}
	spinal_gm_clean(m);
	return g;
}

/* ---- incremental ---- */

struct wr {
	uint32_t kind, idx;
	const void *old;        /* the object it replaced (NULL: a new index) */
};

struct spinal_gbuild {
	struct groute r;
	struct spinal_graph *prev;
	uint64_t sum_total;     /* sum of prev's object checksums */
	uint32_t nout;          /* live nodes of prev outside its grid box */
	uint32_t design;        /* node count prev's grid was sized for */
	/* one round */
	uint64_t gen;
	struct spinal_gpage **pages;    /* the new snapshot's tables: prev's */
	struct spinal_gadj **adj;       /* until the first write (own_*) */
	struct spinal_gtile **tiles;
	int own_p, own_a, own_t, regrid;
	uint32_t npages, ntiles;
	size_t bytes;
	struct wr *wr;
	uint32_t nwr, wrcap;
	uint32_t *tails, *gone, *adjdirty;
	uint8_t *adjmark;
	uint32_t scap, pcap;
	struct spinal_gbuild_stats st;
};

struct spinal_gbuild *spinal_gbuild_create(void)
{
	struct spinal_gbuild *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	if (groute_init(&b->r)) {
		free(b);
		errno = ENOMEM;
		return NULL;
	}
	return b;
}

void spinal_gbuild_destroy(struct spinal_gbuild *b)
{
	if (!b)
		return;
	groute_fini(&b->r);
	free(b->wr);
	free(b->tails);
	free(b->gone);
	free(b->adjdirty);
	free(b->adjmark);
	free(b);
}

void spinal_gbuild_reset(struct spinal_gbuild *b)
{
	b->prev = NULL;
}

void spinal_gbuild_last(const struct spinal_gbuild *b, struct spinal_gbuild_stats *st)
{
	*st = b->st;
}

uint64_t spinal_gjunk_generation(const struct spinal_gjunk *j)
{
	return j->generation;
}

void spinal_gjunk_free(struct spinal_gjunk *j, int poison)
{
	uint32_t i;

	if (!j)
		return;
	if (j->whole) {
		spinal_graph_free(j->whole, poison);
	} else {
		for (i = 0; i < j->n; i++)
			obj_free(j->obj[i].p, j->obj[i].len, poison);
	}
	free(j);
}

static int wr_add(struct spinal_gbuild *b, uint32_t kind, uint32_t idx, const void *old)
{
	if (b->nwr == b->wrcap) {
		uint32_t nc = b->wrcap ? b->wrcap * 2 : 256;
		struct wr *p = realloc(b->wr, (size_t)nc * sizeof(*p));

		if (!p)
			return -ENOMEM;
		b->wr = p;
		b->wrcap = nc;
	}
	b->wr[b->nwr++] = (struct wr){ kind, idx, old };
	return 0;
}

/* A private copy of a table of @n pointers, @nnew long (zero-filled). */
static void *table_copy(const void *src, uint32_t n, uint32_t nnew)
{
	void **t = calloc((size_t)nnew + 1, sizeof(void *));

	if (t && n)
		memcpy(t, src, (size_t)(n < nnew ? n : nnew) * sizeof(void *));
	return t;
}

static int own_pages(struct spinal_gbuild *b)
{
	if (b->own_p)
		return 0;
	b->pages = table_copy(b->prev->page, b->prev->npages, b->npages);
	if (!b->pages) {
		b->pages = (struct spinal_gpage **)b->prev->page;
		return -ENOMEM;
	}
	b->own_p = 1;
	b->bytes += (size_t)b->npages * sizeof(void *);
	return 0;
}

static int own_adj(struct spinal_gbuild *b)
{
	if (b->own_a)
		return 0;
	b->adj = table_copy(b->prev->adj, b->prev->npages, b->npages);
	if (!b->adj) {
		b->adj = (struct spinal_gadj **)b->prev->adj;
		return -ENOMEM;
	}
	b->own_a = 1;
	b->bytes += (size_t)b->npages * sizeof(void *);
	return 0;
}

static int own_tiles(struct spinal_gbuild *b)
{
	if (b->own_t)
		return 0;
	b->tiles = table_copy(b->prev->tile, b->prev->ntiles, b->ntiles);
	if (!b->tiles) {
		b->tiles = (struct spinal_gtile **)b->prev->tile;
		return -ENOMEM;
	}
	b->own_t = 1;
	b->bytes += (size_t)b->ntiles * sizeof(void *);
	return 0;
}

static struct spinal_gpage *page_w(struct spinal_gbuild *b, uint32_t pi)
{
	struct spinal_gpage *p, *q;

	if (own_pages(b))
		return NULL;
	p = b->pages[pi];
	if (p->gen == b->gen)
		return p;
	q = page_alloc();
	if (!q)
		return NULL;
	memcpy(q, p, sizeof(*q));
	q->gen = b->gen;
	if (wr_add(b, K_PAGE, pi, p)) {
		free(q);
		return NULL;
	}
	b->pages[pi] = q;
	return q;
}

static struct spinal_gtile *tile_w(struct spinal_gbuild *b, uint32_t ti, uint32_t extra)
{
	struct spinal_gtile *t, *q;
	uint32_t cap;

	if (own_tiles(b))
		return NULL;
	t = b->tiles[ti];
	if (t->gen == b->gen && t->cap >= t->nitems + extra)
		return t;
	cap = t->nitems + extra + 8;
	q = malloc(tile_bytes(cap));
	if (!q)
		return NULL;
	memcpy(q, t, tile_bytes(t->nitems));
	q->cap = cap;
	q->gen = b->gen;
	if (t->gen == b->gen) {
		free(t); /* ours, never published; its wr entry keeps the original */
	} else if (wr_add(b, K_TILE, ti, t)) {
		free(q);
		return NULL;
	}
	b->tiles[ti] = q;
	return q;
}

static int tile_remove(struct spinal_gbuild *b, const struct geom *gm, float x, float y,
		       uint32_t idx)
{
	uint32_t j, k, ti = tile_of(gm, x, y, &j);
	struct spinal_gtile *t = tile_w(b, ti, 0);

	if (!t)
		return -ENOMEM;
	for (k = t->start[j]; k < t->start[j + 1] && t->it[k].idx != idx; k++)
		;
	if (k == t->start[j + 1])
		return -EINVAL; /* not where the previous snapshot says: rebuild */
	memmove(&t->it[k], &t->it[k + 1], (size_t)(t->nitems - k - 1) * sizeof(t->it[0]));
	for (k = j + 1; k <= SPINAL_GTILE_CELLS; k++)
		t->start[k]--;
	t->nitems--;
	return 0;
}

static int tile_add(struct spinal_gbuild *b, const struct geom *gm, float x, float y, uint32_t idx)
{
	uint32_t j, k, p, ti = tile_of(gm, x, y, &j);
	struct spinal_gtile *t = tile_w(b, ti, 1);

	if (!t)
		return -ENOMEM;
	p = t->start[j + 1];
	memmove(&t->it[p + 1], &t->it[p], (size_t)(t->nitems - p) * sizeof(t->it[0]));
	t->it[p] = (struct spinal_gitem){ x, y, idx };
	for (k = j + 1; k <= SPINAL_GTILE_CELLS; k++)
		t->start[k]++;
	t->nitems++;
	return 0;
}

static int scratch(struct spinal_gbuild *b, uint32_t nslots, uint32_t npages)
{
	void *p;

	if (nslots > b->scap) {
		uint32_t nc = nslots + nslots / 2 + 64;

		if (!(p = realloc(b->tails, (size_t)nc * sizeof(uint32_t))))
			return -ENOMEM;
		b->tails = p;
		if (!(p = realloc(b->gone, (size_t)nc * sizeof(uint32_t))))
			return -ENOMEM;
		b->gone = p;
		b->scap = nc;
	}
	if (npages > b->pcap) {
		uint32_t nc = npages + npages / 2 + 16;

		if (!(p = realloc(b->adjdirty, (size_t)nc * sizeof(uint32_t))))
			return -ENOMEM;
		b->adjdirty = p;
		if (!(p = realloc(b->adjmark, nc)))
			return -ENOMEM;
		b->adjmark = p;
		memset(b->adjmark + b->pcap, 0, nc - b->pcap);
		b->pcap = nc;
	}
	return 0;
}

/* Free what this round allocated (failure before publication). */
static void round_abort(struct spinal_gbuild *b, struct spinal_graph *g)
{
	const struct spinal_graph *p = b->prev;
	uint32_t i;

	if (b->own_p)
		for (i = 0; i < b->npages; i++)
			if (b->pages[i] && (i >= p->npages || b->pages[i] != p->page[i]))
				free(b->pages[i]);
	if (b->own_a)
		for (i = 0; i < b->npages; i++)
			if (b->adj[i] && (i >= p->npages || b->adj[i] != p->adj[i]))
				free(b->adj[i]);
	if (b->own_t)
		for (i = 0; i < b->ntiles; i++)
			if (b->tiles[i] && (b->regrid || b->tiles[i] != p->tile[i]))
				free(b->tiles[i]);
	if (b->own_p)
		free(b->pages);
	if (b->own_a)
		free(b->adj);
	if (b->own_t)
		free(b->tiles);
	free(g);
}

static void junk_add(struct spinal_gjunk *j, const void *p, size_t len)
{
	j->obj[j->n].p = (void *)p;
	j->obj[j->n++].len = len;
}

static size_t obj_len(uint32_t kind, const void *o)
{
	if (kind == K_PAGE)
		return sizeof(struct spinal_gpage);
	if (kind == K_ADJ)
		return adj_bytes(((const struct spinal_gadj *)o)->cap);
	return tile_bytes(((const struct spinal_gtile *)o)->cap);
}

static uint64_t obj_sum(uint32_t kind, const void *o)
{
	if (kind == K_PAGE)
		return ((const struct spinal_gpage *)o)->sum;
	if (kind == K_ADJ)
		return ((const struct spinal_gadj *)o)->sum;
	return ((const struct spinal_gtile *)o)->sum;
}

/* Checksums of what this round wrote; the junk of the previous snapshot. */
static struct spinal_gjunk *seal(struct spinal_gbuild *b, uint64_t *tot)
{
	const struct spinal_graph *p = b->prev;
	struct spinal_gjunk *junk;
	uint32_t i, nj = 4;

	for (i = 0; i < b->nwr; i++) {
		const struct wr *w = &b->wr[i];
		void *o = w->kind == K_PAGE ? (void *)b->pages[w->idx] :
			  w->kind == K_ADJ ? (void *)b->adj[w->idx] : (void *)b->tiles[w->idx];

		if (w->kind == K_PAGE) {
			b->pages[w->idx]->sum = page_sum(b->pages[w->idx]);
			b->st.pages++;
		} else if (w->kind == K_ADJ) {
			b->adj[w->idx]->sum = adj_sum(b->adj[w->idx]);
			b->st.adjs++;
		} else {
			b->tiles[w->idx]->sum = tile_sum(b->tiles[w->idx]);
			b->st.tiles++;
		}
		*tot += obj_sum(w->kind, o) - (w->old ? obj_sum(w->kind, w->old) : 0);
		b->bytes += obj_len(w->kind, o);
		nj += w->old != NULL;
	}
	if (b->regrid) {
		for (i = 0; i < p->ntiles; i++)
			*tot -= p->tile[i]->sum;
		for (i = 0; i < b->ntiles; i++)
			*tot += b->tiles[i]->sum;
		nj += p->ntiles;
		b->st.tiles = b->ntiles;
	}
	junk = malloc(sizeof(*junk) + (size_t)nj * sizeof(junk->obj[0]));
	if (!junk)
		return NULL;
	junk->whole = NULL;
	junk->generation = p->generation;
	junk->owner = p->owner;
	junk->n = 0;
	for (i = 0; i < b->nwr; i++)
		if (b->wr[i].old)
			junk_add(junk, b->wr[i].old, obj_len(b->wr[i].kind, b->wr[i].old));
	if (b->regrid)
		for (i = 0; i < p->ntiles; i++)
			junk_add(junk, p->tile[i], tile_bytes(p->tile[i]->cap));
	if (b->own_p)
		junk_add(junk, p->page, (size_t)p->npages * sizeof(void *));
	if (b->own_a)
		junk_add(junk, p->adj, (size_t)p->npages * sizeof(void *));
	if (b->own_t)
		junk_add(junk, p->tile, (size_t)p->ntiles * sizeof(void *));
	junk_add(junk, p, sizeof(*p));
	return junk;
}

/*
 * The incremental round.  0 and the new snapshot in *out, 1 when a full
 * build is the better (or only) way, -ENOMEM.
 */
static int next_incr(struct spinal_gbuild *b, struct spinal_gmodel *m, uint64_t gen,
		     struct spinal_graph **out, struct spinal_gjunk **junkp)
{
	const struct spinal_graph *p = b->prev;
	struct spinal_graph *g;
	struct spinal_gjunk *junk;
	struct geom gm;
	uint32_t i, ntails = 0, ngone = 0, nadj = 0, nout = b->nout, nchg, npages;
	const uint32_t *chg;
	int all, rc = -ENOMEM;
	uint64_t tot = b->sum_total;

	if (m->d.n > m->nslots / 4 + 1024)
		return 1; /* most pages change: copying them one by one is slower */
	npages = (m->nslots + PMASK) / SPINAL_GPAGE_NODES;
	if (npages < p->npages)
		return 1;
	if (scratch(b, m->nslots + 1, npages + 1))
		return -ENOMEM;
	geom_of(&gm, p);
	/* grid still right?  count nodes outside its box */
	for (i = 0; i < m->d.n; i++) {
		uint32_t s = m->d.list[i], mk = m->d.mark[s], di = m->at[s];
		const struct spinal_gnode *o = s < p->nslots ? spinal_graph_node(p, s) : NULL;

		if (!(mk & (SPINAL_GM_D_POS | SPINAL_GM_D_ADD | SPINAL_GM_D_DEL)))
			continue;
		if (o && o->live)
			nout -= outside(&gm, o->x, o->y);
		if (di != NONE)
			nout += outside(&gm, m->nodes[di].x, m->nodes[di].y);
	}
	b->regrid = 4ull * m->n + 16 < (uint64_t)gm.gw * gm.gh || m->n > 2 * b->design + 64 ||
		    nout > m->n / 16 + 16;
	if (b->regrid) {
		grid_size(&gm, m);
		nout = 0;
	}

	memset(&b->st, 0, sizeof(b->st));
	b->gen = gen;
	b->nwr = 0;
	b->bytes = 0;
	b->npages = npages;
	b->pages = (struct spinal_gpage **)p->page;
	b->adj = (struct spinal_gadj **)p->adj;
	b->tiles = (struct spinal_gtile **)p->tile;
	b->own_p = b->own_a = b->own_t = 0;
	g = hdr_new(m, &b->r, &gm, gen);
	if (!g)
		return -ENOMEM;
	b->ntiles = g->ntiles;
	b->bytes = sizeof(*g);
	if (npages > p->npages) { /* new slots: longer tables, fresh pages */
		if (own_pages(b) || own_adj(b))
			goto fail;
		for (i = p->npages; i < npages; i++) {
			b->pages[i] = page_new(m, &b->r, i, gen);
			b->adj[i] = adj_new(m, i, gen);
			if (!b->pages[i] || !b->adj[i] || wr_add(b, K_PAGE, i, NULL) ||
			    wr_add(b, K_ADJ, i, NULL))
				goto fail;
			b->adjmark[i] = 1; /* built from the model already */
		}
	}
	if (b->regrid) {
		b->tiles = calloc((size_t)g->ntiles + 1, sizeof(*b->tiles));
		if (!b->tiles) {
			b->tiles = (struct spinal_gtile **)p->tile;
			goto fail;
		}
		b->own_t = 1;
		b->bytes += (size_t)g->ntiles * sizeof(void *);
		if (tiles_new(m, &gm, gen, b->tiles, &b->bytes))
			goto fail;
	}

	/* grid cells, adjacency pages, route inputs */
	for (i = 0; i < m->d.n; i++) {
		uint32_t s = m->d.list[i], mk = m->d.mark[s], di = m->at[s];
		const struct spinal_gnode *o = s < p->nslots ? spinal_graph_node(p, s) : NULL;
		int was = o && o->live;

		if ((mk & (SPINAL_GM_D_POS | SPINAL_GM_D_ADD | SPINAL_GM_D_DEL)) && !b->regrid) {
			if (was && (rc = tile_remove(b, &gm, o->x, o->y, s)))
				goto fail;
			if (di != NONE &&
			    (rc = tile_add(b, &gm, m->nodes[di].x, m->nodes[di].y, s)))
				goto fail;
			rc = -ENOMEM;
		}
		if ((mk & SPINAL_GM_D_OUT) && di != NONE)
			b->tails[ntails++] = s;
		if ((mk & SPINAL_GM_D_DEL) && was)
			b->gone[ngone++] = s;
		if ((mk & (SPINAL_GM_D_OUT | SPINAL_GM_D_ADD | SPINAL_GM_D_DEL)) &&
		    !b->adjmark[s >> SPINAL_GPAGE_SHIFT]) {
			b->adjmark[s >> SPINAL_GPAGE_SHIFT] = 1;
			b->adjdirty[nadj++] = s >> SPINAL_GPAGE_SHIFT;
		}
	}
	for (i = 0; i < nadj; i++) {
		uint32_t pi = b->adjdirty[i];
		struct spinal_gadj *a;

		if (own_adj(b))
			goto fail;
		a = adj_new(m, pi, gen);
		if (!a || wr_add(b, K_ADJ, pi, b->adj[pi])) {
			free(a);
			goto fail;
		}
		b->adj[pi] = a;
	}
	for (i = 0; i < nadj; i++)
		b->adjmark[b->adjdirty[i]] = 0;
	for (i = p->npages; i < npages; i++)
		b->adjmark[i] = 0;
	nadj = 0;

	/* next hops */
	rc = m->d.goal ? groute_full(&b->r, m) :
			 groute_update(&b->r, m, b->tails, ntails, b->gone, ngone);
	if (rc) {
		rc = -ENOMEM;
		goto fail;
	}
	g->goal = b->r.goal;
	g->goal_id = b->r.goal == NONE ? NONE : m->goal_id;
	chg = groute_changed(&b->r, &nchg, &all);
	b->st.route_full = b->r.did_full_next;
	b->st.relabel_full = b->r.did_full_label;
	b->st.route_nodes = all ? m->n : nchg;

	/* node pages */
	if (all) {
		for (i = 0; i < npages; i++) {
			struct spinal_gpage *pg = page_w(b, i);
			uint32_t j;

			if (!pg)
				goto fail;
			for (j = 0; j < SPINAL_GPAGE_NODES; j++)
				node_fill(&pg->n[j], m, &b->r, i * SPINAL_GPAGE_NODES + j);
		}
	} else {
		for (i = 0; i < nchg + m->d.n; i++) {
			uint32_t s = i < nchg ? chg[i] : m->d.list[i - nchg];
			struct spinal_gpage *pg;

			if (s >= m->nslots)
				continue;
			if (i >= nchg && !(m->d.mark[s] & (SPINAL_GM_D_NODE | SPINAL_GM_D_VISIT |
							   SPINAL_GM_D_ADD | SPINAL_GM_D_DEL)))
				continue;
			pg = page_w(b, s >> SPINAL_GPAGE_SHIFT);
			if (!pg)
				goto fail;
			node_fill(&pg->n[s & PMASK], m, &b->r, s);
		}
	}

	b->st.pages = b->st.adjs = b->st.tiles = 0;
	junk = seal(b, &tot);
	if (!junk)
		goto fail;
	g->page = (const struct spinal_gpage *const *)b->pages;
	g->adj = (const struct spinal_gadj *const *)b->adj;
	g->tile = (const struct spinal_gtile *const *)b->tiles;
	g->content_hash = hdr_sum(g) + tot;
	g->bytes = b->bytes;
	b->sum_total = tot;
	b->nout = nout;
	if (b->regrid)
		b->design = m->n;
	*out = g;
	*junkp = junk;
	return 0;
fail:
	for (i = 0; i < nadj; i++)
		b->adjmark[b->adjdirty[i]] = 0;
	memset(b->adjmark, 0, b->pcap);
	round_abort(b, g);
	return rc == -EINVAL ? 1 : -ENOMEM;
}

struct spinal_graph *spinal_gbuild_next(struct spinal_gbuild *b, struct spinal_gmodel *m,
					uint64_t gen, struct spinal_gjunk **junk)
{
	struct spinal_graph *g = NULL;
	struct geom gm;
	uint32_t s;
	int rc = 1;

	*junk = NULL;
	if (b->prev && !m->d.full) {
		rc = next_incr(b, m, gen, &g, junk);
		if (rc == 0) {
			b->prev = g;
			spinal_gm_clean(m);
			return g;
		}
		/* the route state may be half updated: start over */
	}
	memset(&b->st, 0, sizeof(b->st));
	b->st.full = b->st.route_full = b->st.relabel_full = 1;
	if ((!m->numbered && layout_by_cell(m)) || groute_full(&b->r, m)) {
		errno = ENOMEM;
		return NULL;
	}
	g = build_all(m, &b->r, gen, &b->sum_total);
	if (!g) {
		errno = ENOMEM;
		return NULL;
	}
	b->st.route_nodes = m->n;
	b->st.pages = b->st.adjs = g->npages;
	b->st.tiles = g->ntiles;
	if (b->prev) {
		*junk = malloc(sizeof(**junk));
		if (!*junk) {
			spinal_graph_free(g, 0);
			errno = ENOMEM;
			return NULL;
		}
		(*junk)->whole = b->prev;
		(*junk)->generation = b->prev->generation;
		(*junk)->owner = b->prev->owner;
		(*junk)->n = 0;
	}
	geom_of(&gm, g);
	b->nout = 0;
	for (s = 0; s < m->n; s++)
		b->nout += outside(&gm, m->nodes[s].x, m->nodes[s].y);
	b->design = m->n;
	b->prev = g;
	spinal_gm_clean(m);
	return g;
}
