// SPDX-License-Identifier: MIT
/*
 * The editable graph model (updater thread only): nodes in a dense array with
 * an open-addressing id hash, a stable slot per node (its snapshot index),
 * edges in per-slot out/in lists.  Edits are all-or-nothing, O(degree), and
 * record what they changed for the incremental snapshot builder (graph.c).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <spinal/config.h>

#include "cfg_validate.h"
#include "graph_edit.h"

#define REJ(r) SPINAL_CFG_REJECT(SPINAL_CFG_REJ_##r)
#define NONE SPINAL_NODE_NONE

static uint32_t hash_id(uint32_t id)
{
	id ^= id >> 16;
	id *= 0x7feb352du;
	id ^= id >> 15;
	id *= 0x846ca68bu;
	id ^= id >> 16;
	return id;
}

/* Hash sized for max_nodes at <= 50% load: lookups never degrade. */
struct spinal_gmodel *spinal_gm_create(uint32_t max_nodes)
{
	struct spinal_gmodel *m;
	uint32_t hs = 16;

	if (max_nodes == 0 || max_nodes > SPINAL_GRAPH_MAX_NODES) {
		errno = EINVAL;
		return NULL;
	}
	while (hs < 2 * max_nodes)
		hs <<= 1;
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->ht = calloc(hs, sizeof(*m->ht));
	if (!m->ht) {
		free(m);
		return NULL;
	}
	m->hmask = hs - 1;
	m->max_nodes = max_nodes;
	m->goal_id = NONE;
	m->d.full = 1;
	return m;
}

static int in_arena(const struct spinal_gmodel *m, const void *p)
{
	const char *a = m->arena;

	return a && (const char *)p >= a && (const char *)p < a + m->arena_len;
}

static void adj_release(struct spinal_gmodel *m, struct spinal_gm_adj *a)
{
	if (!in_arena(m, a->out))
		free(a->out);
	if (!in_arena(m, a->in))
		free(a->in);
	memset(a, 0, sizeof(*a));
}

void spinal_gm_destroy(struct spinal_gmodel *m)
{
	uint32_t s;

	if (!m)
		return;
	for (s = 0; s < m->nslots; s++)
		adj_release(m, &m->adj[s]);
	free(m->arena);
	free(m->nodes);
	free(m->ht);
	free(m->at);
	free(m->adj);
	free(m->free_slots);
	free(m->d.mark);
	free(m->d.list);
	free(m);
}

static uint32_t slot_of(const struct spinal_gmodel *m, uint32_t id)
{
	uint32_t s = hash_id(id) & m->hmask;

	while (m->ht[s] && m->nodes[m->ht[s] - 1].id != id)
		s = (s + 1) & m->hmask;
	return s;
}

uint32_t spinal_gm_find(const struct spinal_gmodel *m, uint32_t id)
{
	uint32_t v = m->ht[slot_of(m, id)];

	return v ? v - 1 : NONE;
}

/* Backward-shift deletion keeps probe chains intact without tombstones. */
static void ht_delete(struct spinal_gmodel *m, uint32_t s)
{
	uint32_t j = s, home;

	for (;;) {
		m->ht[s] = 0;
		for (;;) {
			j = (j + 1) & m->hmask;
			if (!m->ht[j])
				return;
			home = hash_id(m->nodes[m->ht[j] - 1].id) & m->hmask;
			/* can entry j move to s?  only if home is not in (s, j] */
			if (s <= j ? (home <= s || home > j) : (home <= s && home > j))
				break;
		}
		m->ht[s] = m->ht[j];
		s = j;
	}
}

static int grow(void **p, uint32_t *cap, uint32_t need, size_t elem)
{
	uint32_t nc;
	void *q;

	if (need <= *cap)
		return 0;
	nc = *cap ? *cap : 64;
	while (nc < need)
		nc = nc > UINT32_MAX / 2 ? need : nc * 2;
	q = realloc(*p, (size_t)nc * elem);
	if (!q)
		return -ENOMEM;
	*p = q;
	*cap = nc;
	return 0;
}

/* realloc *@pp (a pointer variable of any type) to @bytes.  0 or -ENOMEM. */
static int resize(void *pp, size_t bytes)
{
	void *q, *old;

	memcpy(&old, pp, sizeof(old));
	q = realloc(old, bytes);
	if (!q)
		return -ENOMEM;
	memcpy(pp, &q, sizeof(q));
	return 0;
}

/* Per-slot arrays for at least @need slots. */
static int slots_reserve(struct spinal_gmodel *m, uint32_t need)
{
	uint32_t nc = m->slot_cap ? m->slot_cap : 64, old = m->slot_cap;

	if (need <= m->slot_cap)
		return 0;
	while (nc < need)
		nc *= 2;
	if (nc > m->max_nodes && need <= m->max_nodes)
		nc = m->max_nodes;
	if (resize(&m->at, (size_t)nc * sizeof(*m->at)) ||
	    resize(&m->adj, (size_t)nc * sizeof(*m->adj)) || resize(&m->d.mark, nc) ||
	    resize(&m->free_slots, (size_t)nc * sizeof(*m->free_slots)) ||
	    resize(&m->d.list, (size_t)nc * sizeof(*m->d.list)))
		return -ENOMEM;
	memset(m->at + old, 0xff, (size_t)(nc - old) * sizeof(*m->at));
	memset(m->adj + old, 0, (size_t)(nc - old) * sizeof(*m->adj));
	memset(m->d.mark + old, 0, nc - old);
	m->slot_cap = m->d.cap = nc;
	return 0;
}

static void mark(struct spinal_gmodel *m, uint32_t slot, uint32_t bits)
{
	if (!m->d.mark[slot])
		m->d.list[m->d.n++] = slot;
	m->d.mark[slot] |= (uint8_t)bits;
}

int spinal_gm_node_add(struct spinal_gmodel *m, uint32_t id, uint32_t flags,
		       float x, float y, uint32_t visits)
{
	uint32_t s = slot_of(m, id), slot;
	struct spinal_gm_node *n;

	if (m->ht[s])
		return REJ(EXISTS);
	if (m->n >= m->max_nodes)
		return REJ(CAPACITY);
	if (grow((void **)&m->nodes, &m->cap, m->n + 1, sizeof(*m->nodes)) ||
	    slots_reserve(m, m->nslots + 1))
		return REJ(NOMEM);
	slot = m->nfree ? m->free_slots[--m->nfree] : m->nslots++;
	n = &m->nodes[m->n];
	n->id = id;
	n->flags = flags;
	n->x = x;
	n->y = y;
	n->visits = visits;
	n->outdeg = 0;
	n->slot = slot;
	m->at[slot] = m->n;
	memset(&m->adj[slot], 0, sizeof(m->adj[slot]));
	m->ht[s] = ++m->n;
	mark(m, slot, SPINAL_GM_D_ADD | SPINAL_GM_D_NODE | SPINAL_GM_D_POS | SPINAL_GM_D_VISIT);
	return 0;
}

int spinal_gm_node_move(struct spinal_gmodel *m, uint32_t id, uint32_t flags, float x, float y)
{
	uint32_t i = spinal_gm_find(m, id), slot, k;
	struct spinal_gm_node *n;

	if (i == NONE)
		return REJ(NO_NODE);
	n = &m->nodes[i];
	slot = n->slot;
	mark(m, slot, SPINAL_GM_D_NODE);
	n->flags = flags;
	if (n->x != x || n->y != y || signbit(n->x) != signbit(x) || signbit(n->y) != signbit(y)) {
		const struct spinal_gm_adj *a = &m->adj[slot];

		n->x = x;
		n->y = y;
		/* Euclidean costs of every incident edge change */
		mark(m, slot, SPINAL_GM_D_POS | SPINAL_GM_D_OUT);
		for (k = 0; k < a->nin; k++)
			mark(m, a->in[k], SPINAL_GM_D_OUT);
	}
	return 0;
}

/* Room for one more element in a list of @n (capacity *cap, elements of
 * @elem bytes) that may live in the model's arena.  0 or -ENOMEM. */
static int list_room(struct spinal_gmodel *m, void **list, uint32_t n, uint32_t *cap, size_t elem)
{
	uint32_t nc;
	void *p;

	if (n < *cap)
		return 0;
	nc = *cap ? *cap * 2 : 4;
	p = malloc((size_t)nc * elem);
	if (!p)
		return -ENOMEM;
	if (n)
		memcpy(p, *list, (size_t)n * elem);
	if (!in_arena(m, *list))
		free(*list);
	*list = p;
	*cap = nc;
	return 0;
}

static int list_push_out(struct spinal_gmodel *m, struct spinal_gm_adj *a, struct spinal_gm_out e)
{
	if (list_room(m, (void **)&a->out, a->nout, &a->cout, sizeof(*a->out)))
		return -ENOMEM;
	a->out[a->nout++] = e;
	return 0;
}

static int list_push_in(struct spinal_gmodel *m, struct spinal_gm_adj *a, uint32_t from)
{
	if (list_room(m, (void **)&a->in, a->nin, &a->cin, sizeof(*a->in)))
		return -ENOMEM;
	a->in[a->nin++] = from;
	return 0;
}

/* Room for one more out-edge in @a and one more in-edge in @b, or -ENOMEM. */
static int lists_reserve(struct spinal_gmodel *m, struct spinal_gm_adj *a, struct spinal_gm_adj *b)
{
	if (list_room(m, (void **)&a->out, a->nout, &a->cout, sizeof(*a->out)) ||
	    list_room(m, (void **)&b->in, b->nin, &b->cin, sizeof(*b->in)))
		return -ENOMEM;
	return 0;
}

static uint32_t out_find(const struct spinal_gm_adj *a, uint32_t to)
{
	uint32_t k;

	for (k = 0; k < a->nout; k++)
		if (a->out[k].to == to)
			return k;
	return NONE;
}

static void in_drop(struct spinal_gm_adj *a, uint32_t from)
{
	uint32_t k;

	for (k = 0; k < a->nin; k++)
		if (a->in[k] == from) {
			a->in[k] = a->in[--a->nin];
			return;
		}
}

int spinal_gm_node_remove(struct spinal_gmodel *m, uint32_t id)
{
	uint32_t i = spinal_gm_find(m, id), slot, k, last;
	struct spinal_gm_adj *a;

	if (i == NONE)
		return REJ(NO_NODE);
	slot = m->nodes[i].slot;
	a = &m->adj[slot];
	for (k = 0; k < a->nout; k++)
		in_drop(&m->adj[a->out[k].to], slot);
	for (k = 0; k < a->nin; k++) {
		uint32_t u = a->in[k];
		struct spinal_gm_adj *ua = &m->adj[u];
		uint32_t j = out_find(ua, slot);

		ua->out[j] = ua->out[--ua->nout];
		m->nodes[m->at[u]].outdeg--;
		mark(m, u, SPINAL_GM_D_OUT);
	}
	m->ne -= a->nout + a->nin;
	adj_release(m, a);
	mark(m, slot, SPINAL_GM_D_DEL | SPINAL_GM_D_NODE);
	m->at[slot] = NONE;
	m->free_slots[m->nfree++] = slot;

	ht_delete(m, slot_of(m, id));
	last = m->n - 1;
	if (i != last) {
		m->nodes[i] = m->nodes[last];
		m->ht[slot_of(m, m->nodes[i].id)] = i + 1;
		m->at[m->nodes[i].slot] = i;
	}
	m->n--;
	if (m->goal_id == id) {
		m->goal_id = NONE;
		m->d.goal = 1;
	}
	return 0;
}

static int edge_add1(struct spinal_gmodel *m, uint32_t fi, uint32_t ti, float cost)
{
	uint32_t f = m->nodes[fi].slot, t = m->nodes[ti].slot;

	/* cannot fail: room reserved by the caller */
	(void)list_push_out(m, &m->adj[f], (struct spinal_gm_out){ t, cost });
	(void)list_push_in(m, &m->adj[t], f);
	m->nodes[fi].outdeg++;
	m->ne++;
	mark(m, f, SPINAL_GM_D_OUT);
	return 0;
}

int spinal_gm_edge_add(struct spinal_gmodel *m, uint32_t from, uint32_t to, float cost, int bidir)
{
	uint32_t fi = spinal_gm_find(m, from), ti = spinal_gm_find(m, to), f, t;

	if (fi == NONE || ti == NONE)
		return REJ(NO_NODE);
	f = m->nodes[fi].slot;
	t = m->nodes[ti].slot;
	if (from == to || out_find(&m->adj[f], t) != NONE ||
	    (bidir && out_find(&m->adj[t], f) != NONE))
		return REJ(EXISTS);
	if (m->nodes[fi].outdeg >= SPINAL_GRAPH_MAX_DEGREE ||
	    (bidir && m->nodes[ti].outdeg >= SPINAL_GRAPH_MAX_DEGREE))
		return REJ(CAPACITY);
	if (lists_reserve(m, &m->adj[f], &m->adj[t]) ||
	    (bidir && lists_reserve(m, &m->adj[t], &m->adj[f])))
		return REJ(NOMEM);
	edge_add1(m, fi, ti, cost);
	if (bidir)
		edge_add1(m, ti, fi, cost);
	return 0;
}

static void edge_del1(struct spinal_gmodel *m, uint32_t f, uint32_t t)
{
	struct spinal_gm_adj *a = &m->adj[f];
	uint32_t k = out_find(a, t);

	a->out[k] = a->out[--a->nout];
	in_drop(&m->adj[t], f);
	m->nodes[m->at[f]].outdeg--;
	m->ne--;
	mark(m, f, SPINAL_GM_D_OUT);
}

int spinal_gm_edge_remove(struct spinal_gmodel *m, uint32_t from, uint32_t to, int bidir)
{
	uint32_t f = spinal_gm_slot(m, from), t = spinal_gm_slot(m, to);

	if (f == NONE || t == NONE)
		return REJ(NO_NODE);
	if (out_find(&m->adj[f], t) == NONE || (bidir && out_find(&m->adj[t], f) == NONE))
		return REJ(NO_NODE);
	edge_del1(m, f, t);
	if (bidir)
		edge_del1(m, t, f);
	return 0;
}

int spinal_gm_set_goal(struct spinal_gmodel *m, uint32_t id)
{
	if (id != NONE && spinal_gm_find(m, id) == NONE)
		return REJ(NO_NODE);
	if (m->goal_id != id)
		m->d.goal = 1;
	m->goal_id = id;
	return 0;
}

int spinal_gm_visit(struct spinal_gmodel *m, uint32_t id)
{
	uint32_t i = spinal_gm_find(m, id);

	if (i == NONE)
		return 0;
	if (m->nodes[i].visits != UINT32_MAX) {
		m->nodes[i].visits++;
		mark(m, m->nodes[i].slot, SPINAL_GM_D_VISIT);
	}
	return 1;
}

uint32_t spinal_gm_edges(const struct spinal_gmodel *m, struct spinal_gm_edge *out)
{
	uint32_t i, k, n = 0;

	for (i = 0; i < m->n; i++) {
		const struct spinal_gm_adj *a = &m->adj[m->nodes[i].slot];

		for (k = 0; k < a->nout; k++)
			out[n++] = (struct spinal_gm_edge){ m->nodes[i].id,
							    m->nodes[m->at[a->out[k].to]].id,
							    a->out[k].cost };
	}
	return n;
}

float spinal_gm_cost(const struct spinal_gmodel *m, uint32_t f, const struct spinal_gm_out *e)
{
	const struct spinal_gm_node *a, *b;

	if (e->cost > 0)
		return e->cost;
	a = &m->nodes[m->at[f]];
	b = &m->nodes[m->at[e->to]];
	return hypotf(b->x - a->x, b->y - a->y);
}

int spinal_gm_renumber(struct spinal_gmodel *m, const uint32_t *slot_of_dense)
{
	struct spinal_gm_adj *nadj;
	uint32_t *old2new, i, k, s;

	if (m->numbered)
		return -EINVAL;
	old2new = malloc(((size_t)m->nslots + 1) * sizeof(*old2new));
	nadj = calloc((size_t)m->slot_cap + 1, sizeof(*nadj));
	if (!old2new || !nadj) {
		free(old2new);
		free(nadj);
		return -ENOMEM;
	}
	for (i = 0; i < m->n; i++)
		old2new[m->nodes[i].slot] = slot_of_dense[i];
	for (i = 0; i < m->n; i++) {
		s = slot_of_dense[i];
		nadj[s] = m->adj[m->nodes[i].slot];
		for (k = 0; k < nadj[s].nout; k++)
			nadj[s].out[k].to = old2new[nadj[s].out[k].to];
		for (k = 0; k < nadj[s].nin; k++)
			nadj[s].in[k] = old2new[nadj[s].in[k]];
	}
	free(m->adj);
	m->adj = nadj;
	if (m->slot_cap) /* an empty model may have no slot arrays yet */
		memset(m->at, 0xff, (size_t)m->slot_cap * sizeof(*m->at));
	for (i = 0; i < m->n; i++) {
		m->nodes[i].slot = slot_of_dense[i];
		m->at[slot_of_dense[i]] = i;
	}
	m->nslots = m->n;
	m->nfree = 0;
	/* every slot is new: a full build follows */
	for (i = 0; i < m->d.n; i++)
		m->d.mark[m->d.list[i]] = 0;
	m->d.n = 0;
	m->d.full = 1;
	free(old2new);
	return 0;
}

void spinal_gm_clean(struct spinal_gmodel *m)
{
	uint32_t i;

	for (i = 0; i < m->d.n; i++)
		m->d.mark[m->d.list[i]] = 0;
	m->d.n = 0;
	m->d.full = 0;
	m->d.goal = 0;
	m->numbered = 1;
}

static const struct spinal_gmodel *prune_cmp_m;

static int prune_cmp(const void *a, const void *b)
{
	const struct spinal_gm_node *x = &prune_cmp_m->nodes[*(const uint32_t *)a];
	const struct spinal_gm_node *y = &prune_cmp_m->nodes[*(const uint32_t *)b];
	int xg = x->id == prune_cmp_m->goal_id, yg = y->id == prune_cmp_m->goal_id;

	if (xg != yg)
		return yg - xg; /* goal first */
	if (x->visits != y->visits)
		return x->visits < y->visits ? 1 : -1;
	return x->id < y->id ? -1 : x->id > y->id;
}

int spinal_gm_prune(struct spinal_gmodel *m, uint32_t max)
{
	uint32_t *order, i, ndead;

	if (max == 0)
		return REJ(RANGE);
	if (m->n <= max)
		return 0;
	order = malloc((size_t)m->n * sizeof(*order));
	if (!order)
		return REJ(NOMEM);
	for (i = 0; i < m->n; i++)
		order[i] = i;
	prune_cmp_m = m; /* updater thread only: qsort has no context argument */
	qsort(order, m->n, sizeof(*order), prune_cmp);
	/* reuse order[] for the ids to drop, then remove them one by one */
	ndead = m->n - max;
	for (i = 0; i < ndead; i++)
		order[i] = m->nodes[order[max + i]].id;
	for (i = 0; i < ndead; i++)
		spinal_gm_node_remove(m, order[i]);
	free(order);
	return 0;
}

/* Edge @i of a validated blob (private copy) and its endpoints' dense indices. */
static void blob_edge(const struct spinal_gmodel *m, const unsigned char *b,
		      const struct spinal_graph_blob_hdr *h, uint32_t i,
		      struct spinal_graph_blob_edge *e, uint32_t *fi, uint32_t *ti)
{
	memcpy(e, b + h->edges_off + (uint64_t)i * sizeof(*e), sizeof(*e));
	*fi = spinal_gm_find(m, e->from);
	*ti = spinal_gm_find(m, e->to);
}

int spinal_gm_from_blob(const void *blob, size_t len, uint32_t max_nodes,
			struct spinal_gmodel **out)
{
	const unsigned char *b = blob;
	struct spinal_graph_blob_hdr h;
	struct spinal_gmodel *m;
	uint32_t i, *indeg = NULL;
	size_t nout = 0, nin = 0;
	char *arena;
	int rc;

	rc = spinal_cfg_validate_graph_blob(blob, len, max_nodes);
	if (rc)
		return rc;
	memcpy(&h, b, sizeof(h));
	m = spinal_gm_create(max_nodes);
	if (!m)
		return REJ(NOMEM);
	if (grow((void **)&m->nodes, &m->cap, h.nnodes, sizeof(*m->nodes)) ||
	    slots_reserve(m, h.nnodes ? h.nnodes : 1)) {
		rc = REJ(NOMEM);
		goto fail;
	}
	for (i = 0; i < h.nnodes; i++) {
		struct spinal_graph_blob_node n;

		memcpy(&n, b + h.nodes_off + (uint64_t)i * sizeof(n), sizeof(n));
		rc = spinal_gm_node_add(m, n.id, n.flags, n.x, n.y, n.visits);
		if (rc)
			goto fail;
	}
	/* size every list exactly, in one allocation */
	indeg = calloc((size_t)h.nnodes + 1, sizeof(*indeg));
	if (!indeg) {
		rc = REJ(NOMEM);
		goto fail;
	}
	for (i = 0; i < h.nedges; i++) {
		struct spinal_graph_blob_edge e;
		uint32_t fi, ti;

		blob_edge(m, b, &h, i, &e, &fi, &ti);
		if (fi == NONE || ti == NONE) {
			rc = REJ(NO_NODE);
			goto fail;
		}
		if (++m->adj[fi].cout > SPINAL_GRAPH_MAX_DEGREE) {
			rc = REJ(CAPACITY);
			goto fail;
		}
		indeg[ti]++;
	}
	for (i = 0; i < h.nnodes; i++) {
		nout += m->adj[i].cout;
		nin += indeg[i];
	}
	m->arena_len = nout * sizeof(struct spinal_gm_out) + nin * sizeof(uint32_t) + 8;
	m->arena = arena = malloc(m->arena_len);
	if (!arena) {
		rc = REJ(NOMEM);
		goto fail;
	}
	for (i = 0; i < h.nnodes; i++) { /* slot == dense index here */
		m->adj[i].out = (struct spinal_gm_out *)arena;
		arena += (size_t)m->adj[i].cout * sizeof(struct spinal_gm_out);
	}
	for (i = 0; i < h.nnodes; i++) {
		m->adj[i].in = (uint32_t *)arena;
		m->adj[i].cin = indeg[i];
		arena += (size_t)indeg[i] * sizeof(uint32_t);
	}
	for (i = 0; i < h.nedges; i++) {
		struct spinal_graph_blob_edge e;
		uint32_t fi, ti;

		blob_edge(m, b, &h, i, &e, &fi, &ti);
		if (out_find(&m->adj[fi], ti) != NONE) {
			rc = REJ(EXISTS);
			goto fail;
		}
		edge_add1(m, fi, ti, e.cost);
	}
	if (h.goal_id != NONE) {
		rc = spinal_gm_set_goal(m, h.goal_id);
		if (rc)
			goto fail;
	}
	free(indeg);
	*out = m;
	return 0;
fail:
	free(indeg);
	spinal_gm_destroy(m);
	return rc;
}
