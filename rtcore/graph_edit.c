// SPDX-License-Identifier: MIT
/*
 * The editable graph model (updater thread only): nodes in a dense array with
 * an open-addressing id hash, directed edges by id in a flat array.  Edits are
 * all-or-nothing.  Cost: node edits O(1) (remove O(E)), edge edits O(E);
 * a publication rebuilds the snapshot in O((N + E) log N) anyway.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <spinal/config.h>

#include "cfg_validate.h"
#include "graph_edit.h"

#define REJ(r) SPINAL_CFG_REJECT(SPINAL_CFG_REJ_##r)

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
	m->goal_id = SPINAL_NODE_NONE;
	return m;
}

void spinal_gm_destroy(struct spinal_gmodel *m)
{
	if (!m)
		return;
	free(m->nodes);
	free(m->edges);
	free(m->ht);
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

	return v ? v - 1 : SPINAL_NODE_NONE;
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

int spinal_gm_node_add(struct spinal_gmodel *m, uint32_t id, uint32_t flags,
		       float x, float y, uint32_t visits)
{
	uint32_t s = slot_of(m, id);
	struct spinal_gm_node *n;

	if (m->ht[s])
		return REJ(EXISTS);
	if (m->n >= m->max_nodes)
		return REJ(CAPACITY);
	if (grow((void **)&m->nodes, &m->cap, m->n + 1, sizeof(*m->nodes)))
		return REJ(NOMEM);
	n = &m->nodes[m->n];
	n->id = id;
	n->flags = flags;
	n->x = x;
	n->y = y;
	n->visits = visits;
	n->outdeg = 0;
	m->ht[s] = ++m->n;
	return 0;
}

int spinal_gm_node_move(struct spinal_gmodel *m, uint32_t id, uint32_t flags, float x, float y)
{
	uint32_t i = spinal_gm_find(m, id);

	if (i == SPINAL_NODE_NONE)
		return REJ(NO_NODE);
	m->nodes[i].flags = flags;
	m->nodes[i].x = x;
	m->nodes[i].y = y;
	return 0;
}

/* Drop every edge for which @dead says so; keeps outdeg right. */
static void edges_filter(struct spinal_gmodel *m, const unsigned char *dead_by_idx)
{
	uint32_t r, w = 0;

	for (r = 0; r < m->ne; r++) {
		struct spinal_gm_edge e = m->edges[r];
		uint32_t fi = spinal_gm_find(m, e.from), ti = spinal_gm_find(m, e.to);

		if (dead_by_idx[fi] || dead_by_idx[ti]) {
			m->nodes[fi].outdeg--;
			continue;
		}
		m->edges[w++] = e;
	}
	m->ne = w;
}

/* Remove node index @i from the arrays (its edges must be gone already). */
static void node_unlink(struct spinal_gmodel *m, uint32_t i)
{
	uint32_t last = m->n - 1;

	ht_delete(m, slot_of(m, m->nodes[i].id));
	if (i != last) {
		m->nodes[i] = m->nodes[last];
		m->ht[slot_of(m, m->nodes[i].id)] = i + 1;
	}
	m->n--;
}

int spinal_gm_node_remove(struct spinal_gmodel *m, uint32_t id)
{
	uint32_t i = spinal_gm_find(m, id), r, w = 0;

	if (i == SPINAL_NODE_NONE)
		return REJ(NO_NODE);
	for (r = 0; r < m->ne; r++) {
		struct spinal_gm_edge e = m->edges[r];

		if (e.from == id || e.to == id) {
			if (e.to == id)
				m->nodes[spinal_gm_find(m, e.from)].outdeg--;
			continue;
		}
		m->edges[w++] = e;
	}
	m->ne = w;
	node_unlink(m, i);
	if (m->goal_id == id)
		m->goal_id = SPINAL_NODE_NONE;
	return 0;
}

static uint32_t edge_find(const struct spinal_gmodel *m, uint32_t from, uint32_t to)
{
	uint32_t r;

	for (r = 0; r < m->ne; r++)
		if (m->edges[r].from == from && m->edges[r].to == to)
			return r;
	return SPINAL_NODE_NONE;
}

int spinal_gm_edge_add(struct spinal_gmodel *m, uint32_t from, uint32_t to, float cost, int bidir)
{
	uint32_t fi = spinal_gm_find(m, from), ti = spinal_gm_find(m, to);
	uint32_t need = bidir ? 2 : 1;

	if (fi == SPINAL_NODE_NONE || ti == SPINAL_NODE_NONE)
		return REJ(NO_NODE);
	if (from == to || edge_find(m, from, to) != SPINAL_NODE_NONE ||
	    (bidir && edge_find(m, to, from) != SPINAL_NODE_NONE))
		return REJ(EXISTS);
	if (m->nodes[fi].outdeg >= SPINAL_GRAPH_MAX_DEGREE ||
	    (bidir && m->nodes[ti].outdeg >= SPINAL_GRAPH_MAX_DEGREE))
		return REJ(CAPACITY);
	if (grow((void **)&m->edges, &m->ecap, m->ne + need, sizeof(*m->edges)))
		return REJ(NOMEM);
	m->edges[m->ne++] = (struct spinal_gm_edge){ from, to, cost };
	m->nodes[fi].outdeg++;
	if (bidir) {
		m->edges[m->ne++] = (struct spinal_gm_edge){ to, from, cost };
		m->nodes[ti].outdeg++;
	}
	return 0;
}

static void edge_del(struct spinal_gmodel *m, uint32_t r)
{
	m->nodes[spinal_gm_find(m, m->edges[r].from)].outdeg--;
	m->edges[r] = m->edges[--m->ne];
}

int spinal_gm_edge_remove(struct spinal_gmodel *m, uint32_t from, uint32_t to, int bidir)
{
	uint32_t a, b = SPINAL_NODE_NONE;

	if (spinal_gm_find(m, from) == SPINAL_NODE_NONE || spinal_gm_find(m, to) == SPINAL_NODE_NONE)
		return REJ(NO_NODE);
	a = edge_find(m, from, to);
	if (bidir)
		b = edge_find(m, to, from);
	if (a == SPINAL_NODE_NONE || (bidir && b == SPINAL_NODE_NONE))
		return REJ(NO_NODE);
	edge_del(m, a);
	if (bidir)
		edge_del(m, edge_find(m, to, from)); /* index may have moved */
	return 0;
}

int spinal_gm_set_goal(struct spinal_gmodel *m, uint32_t id)
{
	if (id != SPINAL_NODE_NONE && spinal_gm_find(m, id) == SPINAL_NODE_NONE)
		return REJ(NO_NODE);
	m->goal_id = id;
	return 0;
}

int spinal_gm_visit(struct spinal_gmodel *m, uint32_t id)
{
	uint32_t i = spinal_gm_find(m, id);

	if (i == SPINAL_NODE_NONE)
		return 0;
	if (m->nodes[i].visits != UINT32_MAX)
		m->nodes[i].visits++;
	return 1;
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
	uint32_t *order, i;
	unsigned char *dead;
	uint32_t *dead_ids;
	uint32_t ndead;

	if (max == 0)
		return REJ(RANGE);
	if (m->n <= max)
		return 0;
	order = malloc((size_t)m->n * sizeof(*order));
	dead = calloc(m->n, 1);
	if (!order || !dead) {
		free(order);
		free(dead);
		return REJ(NOMEM);
	}
	for (i = 0; i < m->n; i++)
		order[i] = i;
	prune_cmp_m = m; /* updater thread only: qsort has no context argument */
	qsort(order, m->n, sizeof(*order), prune_cmp);
	for (i = max; i < m->n; i++)
		dead[order[i]] = 1;
	edges_filter(m, dead);
	/* reuse order[] for the ids to drop, then unlink them one by one */
	dead_ids = order;
	ndead = 0;
	for (i = 0; i < m->n; i++)
		if (dead[i])
			dead_ids[ndead++] = m->nodes[i].id;
	for (i = 0; i < ndead; i++)
		node_unlink(m, spinal_gm_find(m, dead_ids[i]));
	free(order);
	free(dead);
	return 0;
}

static int edge_cmp(const void *a, const void *b)
{
	const struct spinal_gm_edge *x = a, *y = b;

	if (x->from != y->from)
		return x->from < y->from ? -1 : 1;
	return x->to < y->to ? -1 : x->to > y->to;
}

/* Duplicate directed edges: sort a copy, compare neighbours.  O(E log E). */
static int edges_check_dups(const struct spinal_gmodel *m)
{
	struct spinal_gm_edge *c;
	uint32_t i;
	int rc = 0;

	if (m->ne < 2)
		return 0;
	c = malloc((size_t)m->ne * sizeof(*c));
	if (!c)
		return REJ(NOMEM);
	memcpy(c, m->edges, (size_t)m->ne * sizeof(*c));
	qsort(c, m->ne, sizeof(*c), edge_cmp);
	for (i = 1; i < m->ne && !rc; i++)
		if (c[i].from == c[i - 1].from && c[i].to == c[i - 1].to)
			rc = REJ(EXISTS);
	free(c);
	return rc;
}

int spinal_gm_from_blob(const void *blob, size_t len, uint32_t max_nodes,
			struct spinal_gmodel **out)
{
	const unsigned char *b = blob;
	struct spinal_graph_blob_hdr h;
	struct spinal_gmodel *m;
	uint32_t i;
	int rc;

	rc = spinal_cfg_validate_graph_blob(blob, len, max_nodes);
	if (rc)
		return rc;
	memcpy(&h, b, sizeof(h));
	m = spinal_gm_create(max_nodes);
	if (!m)
		return REJ(NOMEM);
	if (grow((void **)&m->nodes, &m->cap, h.nnodes, sizeof(*m->nodes)) ||
	    grow((void **)&m->edges, &m->ecap, h.nedges, sizeof(*m->edges))) {
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
	for (i = 0; i < h.nedges; i++) {
		struct spinal_graph_blob_edge e;
		uint32_t fi;

		memcpy(&e, b + h.edges_off + (uint64_t)i * sizeof(e), sizeof(e));
		fi = spinal_gm_find(m, e.from);
		if (fi == SPINAL_NODE_NONE || spinal_gm_find(m, e.to) == SPINAL_NODE_NONE) {
			rc = REJ(NO_NODE);
			goto fail;
		}
		if (m->nodes[fi].outdeg >= SPINAL_GRAPH_MAX_DEGREE) {
			rc = REJ(CAPACITY);
			goto fail;
		}
		m->edges[m->ne++] = (struct spinal_gm_edge){ e.from, e.to, e.cost };
		m->nodes[fi].outdeg++;
	}
	rc = edges_check_dups(m);
	if (rc)
		goto fail;
	if (h.goal_id != SPINAL_NODE_NONE) {
		rc = spinal_gm_set_goal(m, h.goal_id);
		if (rc)
			goto fail;
	}
	*out = m;
	return 0;
fail:
	spinal_gm_destroy(m);
	return rc;
}
