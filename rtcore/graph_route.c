// SPDX-License-Identifier: MIT
/*
 * Next hops toward the goal: full reverse Dijkstra and its incremental
 * update (see graph_route.h for the definition both compute).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <spinal/config.h>

#include "graph_route.h"

#define NONE SPINAL_NODE_NONE
#define LABEL_SPAN (1ull << 62)

enum {
	MK_TOUCH = 1,   /* odist/onext saved, in touched[] */
	MK_INV = 2,     /* invalidated: in a subtree whose path got longer */
	MK_CHK = 4,     /* next hop re-picked this round */
	MK_M = 8,       /* next hop changed */
	MK_CLEAN = 16,  /* no ancestor with a changed next hop */
	MK_DIRTY = 32,  /* some ancestor has one */
};

static int grow_arr(void **p, size_t elem, uint32_t cap)
{
	void *q = realloc(*p, (size_t)cap * elem + elem);

	if (!q)
		return -1;
	*p = q;
	return 0;
}

static int reserve(struct groute *r, uint32_t need)
{
	uint32_t nc = r->cap ? r->cap : 64, s;

	if (need <= r->cap)
		return 0;
	while (nc < need)
		nc *= 2;
	if (grow_arr((void **)&r->dist, sizeof(float), nc) ||
	    grow_arr((void **)&r->next, sizeof(uint32_t), nc) ||
	    grow_arr((void **)&r->tin, sizeof(uint64_t), nc) ||
	    grow_arr((void **)&r->tout, sizeof(uint64_t), nc) ||
	    grow_arr((void **)&r->child, sizeof(uint32_t), nc) ||
	    grow_arr((void **)&r->sib, sizeof(uint32_t), nc) ||
	    grow_arr((void **)&r->psib, sizeof(uint32_t), nc) ||
	    grow_arr((void **)&r->tie, 1, nc) ||
	    grow_arr((void **)&r->mk, 1, nc) ||
	    grow_arr((void **)&r->odist, sizeof(float), nc) ||
	    grow_arr((void **)&r->onext, sizeof(uint32_t), nc) ||
	    grow_arr((void **)&r->touched, sizeof(uint32_t), nc) ||
	    grow_arr((void **)&r->work, sizeof(uint32_t), nc) ||
	    grow_arr((void **)&r->stk, sizeof(uint32_t), nc) ||
	    grow_arr((void **)&r->memo, sizeof(uint32_t), nc) ||
	    grow_arr((void **)&r->it, sizeof(uint64_t), nc))
		return -ENOMEM;
	for (s = r->cap; s < nc; s++) {
		r->dist[s] = INFINITY;
		r->next[s] = NONE;
		r->tin[s] = r->tout[s] = 0;
		r->child[s] = r->sib[s] = r->psib[s] = NONE;
		r->tie[s] = 0;
		r->mk[s] = 0;
	}
	r->cap = nc;
	return 0;
}

int groute_init(struct groute *r)
{
	memset(r, 0, sizeof(*r));
	r->goal = NONE;
	return reserve(r, 64);
}

void groute_fini(struct groute *r)
{
	free(r->dist);
	free(r->next);
	free(r->tin);
	free(r->tout);
	free(r->child);
	free(r->sib);
	free(r->psib);
	free(r->tie);
	free(r->mk);
	free(r->odist);
	free(r->onext);
	free(r->touched);
	free(r->work);
	free(r->stk);
	free(r->memo);
	free(r->it);
	free(r->heap);
	memset(r, 0, sizeof(*r));
}

/* ---- heap of (distance, slot) ---- */

static int heap_push(struct groute *r, uint32_t *n, float d, uint32_t v)
{
	struct groute_heap *h;
	uint32_t i;

	if (*n == r->heap_cap) {
		uint32_t nc = r->heap_cap ? r->heap_cap * 2 : 1024;

		h = realloc(r->heap, (size_t)nc * sizeof(*h));
		if (!h)
			return -ENOMEM;
		r->heap = h;
		r->heap_cap = nc;
	}
	h = r->heap;
	i = (*n)++;
	while (i && h[(i - 1) / 2].d > d) {
		h[i] = h[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	h[i].d = d;
	h[i].v = v;
	return 0;
}

static struct groute_heap heap_pop(struct groute *r, uint32_t *n)
{
	struct groute_heap *h = r->heap, top = h[0], last = h[--(*n)];
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

/* ---- tree children lists ---- */

static void link(struct groute *r, uint32_t v, uint32_t p)
{
	r->sib[v] = r->child[p];
	r->psib[v] = NONE;
	if (r->child[p] != NONE)
		r->psib[r->child[p]] = v;
	r->child[p] = v;
}

static void cut(struct groute *r, uint32_t v, uint32_t p)
{
	if (r->psib[v] != NONE)
		r->sib[r->psib[v]] = r->sib[v];
	else if (r->child[p] == v)
		r->child[p] = r->sib[v];
	if (r->sib[v] != NONE)
		r->psib[r->sib[v]] = r->psib[v];
	r->sib[v] = r->psib[v] = NONE;
}

/* ---- the next-hop rule ---- */

static float cost_to(const struct spinal_gmodel *m, uint32_t u, uint32_t v, int *found)
{
	const struct spinal_gm_adj *a = &m->adj[u];
	uint32_t k;

	for (k = 0; k < a->nout; k++)
		if (a->out[k].to == v) {
			*found = 1;
			return spinal_gm_cost(m, u, &a->out[k]);
		}
	*found = 0;
	return INFINITY;
}

/*
 * next(v) by the local rule: the achieving out-neighbour w (cost(w) < cost(v),
 * cost(w) + c == cost(v)) with the smallest cost(w).  *tie = 1 when that is
 * not unique, or v has a cost but no such w: there the heap order of the
 * full Dijkstra decides, and only a full run can say what it is.
 */
static uint32_t pick(const struct groute *r, const struct spinal_gmodel *m, uint32_t v, int *tie)
{
	const struct spinal_gm_adj *a = &m->adj[v];
	float d = r->dist[v], bd = 0;
	uint32_t best = NONE, k, nbest = 0;

	*tie = 0;
	if (v == r->goal)
		return v;
	if (!(d < INFINITY))
		return NONE;
	for (k = 0; k < a->nout; k++) {
		uint32_t w = a->out[k].to;
		float dw = r->dist[w], nd;

		if (!(dw < d))
			continue;
		nd = dw + spinal_gm_cost(m, v, &a->out[k]);
		if (nd != d)
			continue;
		if (best == NONE || dw < bd) {
			best = w;
			bd = dw;
			nbest = 1;
		} else if (dw == bd) {
			nbest++;
		}
	}
	*tie = nbest != 1;
	return best;
}

static void set_tie(struct groute *r, uint32_t v, int tie)
{
	if (tie != r->tie[v]) {
		r->ntie += tie ? 1 : (uint32_t)-1;
		r->tie[v] = (uint8_t)tie;
	}
}

/* ---- labels ---- */

static void touch(struct groute *r, uint32_t v);

/* DFS over the children lists from @v: tin/tout every @step from @ctr on.
 * @mark: touch() every node labelled (an incremental round). */
static void label_dfs(struct groute *r, uint32_t v, uint64_t ctr, uint64_t step, int mark)
{
	uint32_t sp = 0;

	if (mark)
		touch(r, v);
	r->tin[v] = ctr;
	ctr += step;
	r->stk[sp] = v;
	r->memo[sp++] = r->child[v];
	while (sp) {
		uint32_t c = r->memo[sp - 1];

		if (c != NONE) {
			r->memo[sp - 1] = r->sib[c];
			if (mark)
				touch(r, c);
			r->tin[c] = ctr;
			ctr += step;
			r->stk[sp] = c;
			r->memo[sp++] = r->child[c];
		} else {
			r->tout[r->stk[sp - 1]] = ctr;
			ctr += step;
			sp--;
		}
	}
}

/* Every label, spread evenly over (0, LABEL_SPAN]; unreachable: 0, 0. */
static void label_all(struct groute *r)
{
	uint32_t s, reach = 0;
	uint64_t step;

	for (s = 0; s < r->nslots; s++) {
		r->tin[s] = r->tout[s] = 0;
		reach += r->next[s] != NONE;
	}
	r->did_full_label = 1;
	r->all_changed = 1;
	if (r->goal == NONE)
		return;
	step = LABEL_SPAN / (2ull * reach + 1);
	label_dfs(r, r->goal, step, step, 0);
}

static uint32_t subtree_size(struct groute *r, uint32_t v)
{
	uint32_t sp = 0, n = 0;

	r->stk[sp++] = v;
	while (sp) {
		uint32_t u = r->stk[--sp], c;

		n++;
		for (c = r->child[u]; c != NONE; c = r->sib[c])
			r->stk[sp++] = c;
	}
	return n;
}

/* Labels for the subtree of @v strictly inside (lo, hi).  -1: no room. */
static int label_sub(struct groute *r, uint32_t v, uint64_t lo, uint64_t hi)
{
	uint64_t step;

	if (hi <= lo)
		return -1;
	step = (hi - lo) / (2ull * subtree_size(r, v) + 1);
	if (step == 0)
		return -1;
	label_dfs(r, v, lo + step, step, 1);
	return 0;
}

/*
 * The reverse Dijkstra that defines cost and next: binary heap, in-edges of a
 * node relaxed in ascending index order, strict improvement, next = the node
 * whose pop improved v last (as the full rebuild always computed it).
 * Writes dist/next of every slot; with @diff, touch()es the slots whose
 * value changes.  0 or -ENOMEM.
 */
static int dijkstra_all(struct groute *r, const struct spinal_gmodel *m, int diff);

/* Children lists from next[], every label, every tie flag. */
static void tree_all(struct groute *r, const struct spinal_gmodel *m)
{
	uint32_t s;
	int tie;

	r->ntie = 0;
	for (s = 0; s < r->nslots; s++) {
		r->child[s] = r->sib[s] = r->psib[s] = NONE;
		r->tie[s] = 0;
	}
	for (s = 0; s < r->nslots; s++) {
		if (m->at[s] == NONE)
			continue;
		(void)pick(r, m, s, &tie);
		set_tie(r, s, tie);
		if (r->next[s] != NONE && s != r->goal)
			link(r, s, r->next[s]);
	}
	label_all(r);
	r->did_full_next = 1;
	r->all_changed = 1;
}

int groute_full(struct groute *r, const struct spinal_gmodel *m)
{
	uint32_t s;

	if (reserve(r, m->nslots))
		return -ENOMEM;
	r->nslots = m->nslots;
	r->goal = m->goal_id == NONE ? NONE : spinal_gm_slot(m, m->goal_id);
	r->did_full_next = r->did_full_label = r->all_changed = 0;
	r->ntouched = 0;
	for (s = 0; s < r->cap; s++) { /* slots past n may hold an old model's state */
		r->tin[s] = r->tout[s] = 0;
		r->child[s] = r->sib[s] = r->psib[s] = NONE;
		r->tie[s] = 0;
		if (s >= m->nslots) {
			r->dist[s] = INFINITY;
			r->next[s] = NONE;
		}
	}
	if (dijkstra_all(r, m, 0))
		return -ENOMEM;
	tree_all(r, m);
	return 0;
}

/* ---- incremental ---- */

static void touch(struct groute *r, uint32_t v)
{
	if (r->mk[v] & MK_TOUCH)
		return;
	if (!r->mk[v])
		r->work[r->nmarked++] = v;
	r->mk[v] |= MK_TOUCH;
	r->odist[v] = r->dist[v];
	r->onext[v] = r->next[v];
	r->touched[r->ntouched++] = v;
}

static void mark_bit(struct groute *r, uint32_t v, uint8_t bit)
{
	if (!r->mk[v])
		r->work[r->nmarked++] = v;
	r->mk[v] |= bit;
}

static void invalidate(struct groute *r, uint32_t v)
{
	uint32_t sp = 0;

	if (r->mk[v] & MK_INV)
		return;
	r->stk[sp++] = v;
	while (sp) {
		uint32_t u = r->stk[--sp], c;

		if (r->mk[u] & MK_INV)
			continue;
		touch(r, u);
		mark_bit(r, u, MK_INV);
		r->dist[u] = INFINITY;
		for (c = r->child[u]; c != NONE; c = r->sib[c])
			r->stk[sp++] = c;
	}
}

static int dijkstra_all(struct groute *r, const struct spinal_gmodel *m, int diff)
{
	uint32_t n = m->nslots, s, k, hn = 0;
	uint32_t *rstart = NULL, *rfrom = NULL;
	float *rcost = NULL, *dist;
	uint32_t *next;
	int rc = -ENOMEM;

	/* with @diff into new arrays first, to compare */
	if (diff) {
		dist = malloc(((size_t)n + 1) * sizeof(*dist));
		next = malloc(((size_t)n + 1) * sizeof(*next));
		if (!dist || !next)
			goto out;
	} else {
		dist = r->dist;
		next = r->next;
	}
	for (s = 0; s < n; s++) {
		dist[s] = INFINITY;
		next[s] = NONE;
	}
	if (r->goal != NONE) {
		/* reverse CSR with effective costs: in-edges by ascending source */
		rstart = calloc((size_t)n + 2, sizeof(*rstart));
		rfrom = malloc((size_t)m->ne * sizeof(*rfrom) + 4);
		rcost = malloc((size_t)m->ne * sizeof(*rcost) + 4);
		if (!rstart || !rfrom || !rcost)
			goto out;
		for (s = 0; s < n; s++)
			if (m->at[s] != NONE)
				for (k = 0; k < m->adj[s].nout; k++)
					rstart[m->adj[s].out[k].to + 2]++;
		for (s = 0; s < n; s++)
			rstart[s + 2] += rstart[s + 1];
		for (s = 0; s < n; s++) {
			const struct spinal_gm_adj *a = &m->adj[s];

			if (m->at[s] == NONE)
				continue;
			for (k = 0; k < a->nout; k++) {
				uint32_t j = rstart[a->out[k].to + 1]++;

				rfrom[j] = s;
				rcost[j] = spinal_gm_cost(m, s, &a->out[k]);
			}
		}
		dist[r->goal] = 0;
		next[r->goal] = r->goal;
		if (heap_push(r, &hn, 0, r->goal))
			goto out;
		while (hn) {
			struct groute_heap t = heap_pop(r, &hn);

			if (t.d > dist[t.v])
				continue; /* stale entry */
			for (k = rstart[t.v]; k < rstart[t.v + 1]; k++) {
				uint32_t v = rfrom[k];
				float nd = t.d + rcost[k];

				if (nd < dist[v]) {
					dist[v] = nd;
					next[v] = t.v;
					if (heap_push(r, &hn, nd, v))
						goto out;
				}
			}
		}
	}
	if (diff)
		for (s = 0; s < n; s++)
			if (memcmp(&dist[s], &r->dist[s], sizeof(float)) || next[s] != r->next[s]) {
				touch(r, s);
				r->dist[s] = dist[s];
				r->next[s] = next[s];
			}
	rc = 0;
out:
	if (diff) {
		free(dist);
		free(next);
	}
	free(rstart);
	free(rfrom);
	free(rcost);
	return rc;
}

/* Best offer to @v from its out-neighbours; seeds the heap if it improves. */
static int seed(struct groute *r, const struct spinal_gmodel *m, uint32_t v, uint32_t *hn)
{
	const struct spinal_gm_adj *a = &m->adj[v];
	float best = r->dist[v];
	uint32_t k;

	if (v == r->goal)
		return 0;
	for (k = 0; k < a->nout; k++) {
		float dw = r->dist[a->out[k].to], nd;

		if (!(dw < INFINITY))
			continue;
		nd = dw + spinal_gm_cost(m, v, &a->out[k]);
		if (nd < best)
			best = nd;
	}
	if (best < r->dist[v]) {
		touch(r, v);
		r->dist[v] = best;
		return heap_push(r, hn, best, v);
	}
	return 0;
}

/* Is there a node with a changed next hop strictly above @v?  Memoised. */
static int has_moved_ancestor(struct groute *r, uint32_t v, int *err)
{
	uint32_t p = r->next[v], np = 0, steps = 0, i;
	int dirty;

	for (;;) {
		if (p == r->goal || p == NONE) {
			dirty = 0;
			break;
		}
		if (r->mk[p] & (MK_M | MK_DIRTY)) {
			dirty = 1;
			break;
		}
		if (r->mk[p] & MK_CLEAN) {
			dirty = 0;
			break;
		}
		r->memo[np++] = p;
		p = r->next[p];
		if (++steps > r->nslots) {
			*err = 1; /* a cycle: cannot happen, rebuild */
			return 1;
		}
	}
	for (i = 0; i < np; i++)
		mark_bit(r, r->memo[i], dirty ? MK_DIRTY : MK_CLEAN);
	return dirty;
}

static void round_end(struct groute *r)
{
	uint32_t i;

	for (i = 0; i < r->nmarked; i++)
		r->mk[r->work[i]] = 0;
	r->nmarked = 0;
}

int groute_update(struct groute *r, const struct spinal_gmodel *m, const uint32_t *tails,
		  uint32_t ntails, const uint32_t *gone, uint32_t ngone)
{
	uint32_t i, k, hn = 0, nm = 0, n0, *mv;
	int err = 0, pl0;

	if (reserve(r, m->nslots))
		return -ENOMEM;
	r->nslots = m->nslots > r->nslots ? m->nslots : r->nslots;
	r->did_full_next = r->did_full_label = r->all_changed = 0;
	r->ntouched = 0;
	r->settled = 0;
	r->nmarked = 0;

	/* 1. removed nodes: their subtrees lose their path */
	for (i = 0; i < ngone; i++) {
		uint32_t g = gone[i], c;

		touch(r, g);
		for (c = r->child[g]; c != NONE; c = r->sib[c])
			invalidate(r, c);
		r->dist[g] = INFINITY;
		r->next[g] = NONE;
		set_tie(r, g, 0);
	}
	/* 2. tree edges that got longer or vanished */
	for (i = 0; i < ntails; i++) {
		uint32_t t = tails[i], p = r->next[t];
		float c, nd;
		int found;

		if (m->at[t] == NONE || p == NONE || t == r->goal || (r->mk[t] & MK_INV))
			continue;
		c = cost_to(m, t, p, &found);
		nd = r->dist[p] + c;
		if (!found || nd > r->dist[t])
			invalidate(r, t);
	}
	/* 3. seeds: invalidated nodes and tails that may improve */
	n0 = r->ntouched;
	for (i = 0; i < n0; i++) {
		uint32_t v = r->touched[i];

		if ((r->mk[v] & MK_INV) && m->at[v] != NONE && seed(r, m, v, &hn))
			goto nomem;
	}
	for (i = 0; i < ntails; i++)
		if (m->at[tails[i]] != NONE && !(r->mk[tails[i]] & MK_INV) &&
		    seed(r, m, tails[i], &hn))
			goto nomem;
	/* 4. Dijkstra over the affected nodes */
	while (hn) {
		struct groute_heap t = heap_pop(r, &hn);
		const struct spinal_gm_adj *a = &m->adj[t.v];

		if (t.d > r->dist[t.v])
			continue;
		r->settled++;
		for (k = 0; k < a->nin; k++) {
			uint32_t u = a->in[k];
			float c, nd;
			int found;

			c = cost_to(m, u, t.v, &found);
			nd = t.d + c;
			if (found && nd < r->dist[u]) {
				touch(r, u);
				r->dist[u] = nd;
				if (heap_push(r, &hn, nd, u))
					goto nomem;
			}
		}
	}
	/* 5. re-pick next hops where a cost or an edge changed */
	n0 = r->ntouched;
	for (i = 0; i < ntails + n0; i++) {
		uint32_t v = i < ntails ? tails[i] : r->touched[i - ntails];
		int changed_d = i >= ntails &&
				memcmp(&r->dist[v], &r->odist[v], sizeof(float)) != 0;
		int pl;
		uint32_t nn;

		if (changed_d) { /* in-neighbours' candidates changed */
			const struct spinal_gm_adj *a = &m->adj[v];

			for (k = 0; k < (m->at[v] == NONE ? 0 : a->nin); k++) {
				uint32_t u = a->in[k];

				if (r->mk[u] & MK_CHK)
					continue;
				mark_bit(r, u, MK_CHK);
				nn = pick(r, m, u, &pl);
				set_tie(r, u, pl);
				if (nn != r->next[u]) {
					touch(r, u);
					r->next[u] = nn;
				}
			}
		}
		if (r->mk[v] & MK_CHK)
			continue;
		mark_bit(r, v, MK_CHK);
		nn = m->at[v] == NONE ? NONE : pick(r, m, v, &pl);
		if (m->at[v] == NONE)
			pl = 0;
		set_tie(r, v, pl);
		if (nn != r->next[v]) {
			touch(r, v);
			r->next[v] = nn;
		}
	}
	if (r->ntie) {
		/* exact ties somewhere: the heap order of a full run decides them
		 * (anywhere in the map, whatever this edit touched); the tree and
		 * the labels still change only where next hops did */
		if (dijkstra_all(r, m, 1))
			goto nomem;
		r->did_full_next = 1;
		for (i = 0; i < r->ntouched; i++) { /* tie flags of what changed */
			uint32_t v = r->touched[i];
			const struct spinal_gm_adj *a = &m->adj[v];

			if (m->at[v] == NONE)
				continue;
			(void)pick(r, m, v, &pl0);
			set_tie(r, v, pl0);
			for (k = 0; k < a->nin; k++) {
				(void)pick(r, m, a->in[k], &pl0);
				set_tie(r, a->in[k], pl0);
			}
		}
	}
	/* 6. the tree: cut every moved node, link the non-roots */
	mv = (uint32_t *)r->it; /* scratch: the moved nodes */
	for (i = 0; i < r->ntouched; i++) {
		uint32_t v = r->touched[i];

		if (r->next[v] == r->onext[v])
			continue;
		mark_bit(r, v, MK_M);
		mv[nm++] = v;
		if (r->onext[v] != NONE && v != r->goal)
			cut(r, v, r->onext[v]);
	}
	k = 0;
	for (i = 0; i < nm; i++) {
		uint32_t v = mv[i];

		if (r->next[v] == NONE) {
			r->tin[v] = r->tout[v] = 0;
			continue;
		}
		if (has_moved_ancestor(r, v, &err))
			link(r, v, r->next[v]);
		else
			mv[k++] = v; /* a root: labelled below */
		if (err)
			goto rebuild;
	}
	/* 7. each root's subtree gets fresh labels in its parent's first gap */
	for (i = 0; i < k; i++) {
		uint32_t v = mv[i], p = r->next[v], c = r->child[p];
		uint64_t hi = c != NONE ? r->tin[c] : r->tout[p];

		if (label_sub(r, v, r->tin[p], hi)) {
			for (; i < k; i++)
				link(r, mv[i], r->next[mv[i]]);
			round_end(r);
			label_all(r);
			return 0;
		}
		link(r, v, p);
	}
	round_end(r);
	return 0;
rebuild:
	round_end(r);
	return groute_full(r, m);
nomem:
	round_end(r);
	return -ENOMEM;
}

const uint32_t *groute_changed(const struct groute *r, uint32_t *n, int *all)
{
	*all = r->all_changed;
	*n = r->ntouched;
	return r->touched;
}
