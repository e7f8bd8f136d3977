// SPDX-License-Identifier: MIT
/*
 * The incremental snapshot builder (graph.h, spinal_gbuild_*): the next
 * snapshot shares the previous one's pages and copies only those the
 * model's recorded changes touch -- node pages (fields, next hops), adjacency
 * pages, grid tiles -- with the next hops updated by graph_route.c.  What
 * the previous snapshot alone used becomes its junk, freed by the caller
 * after a grace period.  Updater thread only.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "graph.h"
#include "graph_edit.h"
#include "graph_impl.h"
#include "graph_route.h"

#define NONE SPINAL_NODE_NONE
#define PMASK (SPINAL_GPAGE_NODES - 1)

enum { K_PAGE, K_ADJ, K_TILE };

struct wr {
	uint32_t kind, idx;
	const void *old;        /* the object it replaced (NULL: a new index) */
};

struct spinal_gbuild {
	struct groute r;
	struct spinal_graph *prev;
	uint64_t sum_total;     /* sum of prev's object checksums */
	uint32_t nout;          /* live nodes of prev gsnap_outside its grid box */
	uint32_t design;        /* node count prev's grid was sized for */
	int broken;             /* route state unusable (a round failed): build from scratch */
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
			gsnap_obj_free(j->obj[i].p, j->obj[i].len, poison);
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

/* Make *@tab (a table of @n pointers, still the previous snapshot's @src)
 * this round's own copy, @nnew long.  0 or -ENOMEM. */
static int own_table(struct spinal_gbuild *b, void *tab, const void *src, uint32_t n,
		     uint32_t nnew, int *own)
{
	void **t;

	if (*own)
		return 0;
	t = table_copy(src, n, nnew);
	if (!t)
		return -ENOMEM;
	memcpy(tab, &t, sizeof(t));
	*own = 1;
	b->bytes += (size_t)nnew * sizeof(void *);
	return 0;
}

static int own_pages(struct spinal_gbuild *b)
{
	return own_table(b, &b->pages, b->prev->page, b->prev->npages, b->npages, &b->own_p);
}

static int own_adj(struct spinal_gbuild *b)
{
	return own_table(b, &b->adj, b->prev->adj, b->prev->npages, b->npages, &b->own_a);
}

static int own_tiles(struct spinal_gbuild *b)
{
	return own_table(b, &b->tiles, b->prev->tile, b->prev->ntiles, b->ntiles, &b->own_t);
}

static struct spinal_gpage *page_w(struct spinal_gbuild *b, uint32_t pi)
{
	struct spinal_gpage *p, *q;

	if (own_pages(b))
		return NULL;
	p = b->pages[pi];
	if (p->gen == b->gen)
		return p;
	q = gsnap_page_alloc();
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
	q = malloc(gsnap_tile_bytes(cap));
	if (!q)
		return NULL;
	memcpy(q, t, gsnap_tile_bytes(t->nitems));
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

static int tile_remove(struct spinal_gbuild *b, const struct gsnap_geom *gm, float x, float y,
		       uint32_t idx)
{
	uint32_t j, k, ti = gsnap_tile_of(gm, x, y, &j);
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

static int tile_add(struct spinal_gbuild *b, const struct gsnap_geom *gm, float x, float y, uint32_t idx)
{
	uint32_t j, k, p, ti = gsnap_tile_of(gm, x, y, &j);
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
		return gsnap_adj_bytes(((const struct spinal_gadj *)o)->cap);
	return gsnap_tile_bytes(((const struct spinal_gtile *)o)->cap);
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
			b->pages[w->idx]->sum = gsnap_page_sum(b->pages[w->idx]);
			b->st.pages++;
		} else if (w->kind == K_ADJ) {
			b->adj[w->idx]->sum = gsnap_adj_sum(b->adj[w->idx]);
			b->st.adjs++;
		} else {
			b->tiles[w->idx]->sum = gsnap_tile_sum(b->tiles[w->idx]);
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
			junk_add(junk, p->tile[i], gsnap_tile_bytes(p->tile[i]->cap));
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
	struct gsnap_geom gm;
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
	gsnap_geom_of(&gm, p);
	/* grid still right?  count nodes gsnap_outside its box */
	for (i = 0; i < m->d.n; i++) {
		uint32_t s = m->d.list[i], mk = m->d.mark[s], di = m->at[s];
		const struct spinal_gnode *o = s < p->nslots ? spinal_graph_node(p, s) : NULL;

		if (!(mk & (SPINAL_GM_D_POS | SPINAL_GM_D_ADD | SPINAL_GM_D_DEL)))
			continue;
		if (o && o->live)
			nout -= gsnap_outside(&gm, o->x, o->y);
		if (di != NONE)
			nout += gsnap_outside(&gm, m->nodes[di].x, m->nodes[di].y);
	}
	b->regrid = 4ull * m->n + 16 < (uint64_t)gm.gw * gm.gh || m->n > 2 * b->design + 64 ||
		    nout > m->n / 16 + 16;
	if (b->regrid) {
		gsnap_grid_size(&gm, m);
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
	g = gsnap_hdr_new(m, &b->r, &gm, gen);
	if (!g)
		return -ENOMEM;
	b->ntiles = g->ntiles;
	b->bytes = sizeof(*g);
	if (npages > p->npages) { /* new slots: longer tables, fresh pages */
		if (own_pages(b) || own_adj(b))
			goto fail;
		for (i = p->npages; i < npages; i++) {
			b->pages[i] = gsnap_page_new(m, &b->r, i, gen);
			b->adj[i] = gsnap_adj_new(m, i, gen);
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
		if (gsnap_tiles_new(m, &gm, gen, b->tiles, &b->bytes))
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
		a = gsnap_adj_new(m, pi, gen);
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
				gsnap_node_fill(&pg->n[j], m, &b->r, i * SPINAL_GPAGE_NODES + j);
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
			gsnap_node_fill(&pg->n[s & PMASK], m, &b->r, s);
		}
	}

	b->st.pages = b->st.adjs = b->st.tiles = 0;
	junk = seal(b, &tot);
	if (!junk)
		goto fail;
	g->page = (const struct spinal_gpage *const *)b->pages;
	g->adj = (const struct spinal_gadj *const *)b->adj;
	g->tile = (const struct spinal_gtile *const *)b->tiles;
	g->content_hash = gsnap_hdr_sum(g) + tot;
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
	struct gsnap_geom gm;
	uint32_t s;
	int rc = 1;

	*junk = NULL;
	if (b->prev && !m->d.full && !b->broken) {
		rc = next_incr(b, m, gen, &g, junk);
		if (rc == 0) {
			b->prev = g;
			spinal_gm_clean(m);
			return g;
		}
	}
	/* from scratch; the route state is unusable until that succeeds */
	b->broken = 1;
	memset(&b->st, 0, sizeof(b->st));
	b->st.full = b->st.route_full = b->st.relabel_full = 1;
	if ((!m->numbered && gsnap_layout_by_cell(m)) || groute_full(&b->r, m)) {
		errno = ENOMEM;
		return NULL;
	}
	g = gsnap_build_all(m, &b->r, gen, &b->sum_total);
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
	gsnap_geom_of(&gm, g);
	b->nout = 0;
	for (s = 0; s < m->n; s++)
		b->nout += gsnap_outside(&gm, m->nodes[s].x, m->nodes[s].y);
	b->design = m->n;
	b->prev = g;
	b->broken = 0;
	spinal_gm_clean(m);
	return g;
}
