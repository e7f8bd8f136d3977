// SPDX-License-Identifier: MIT
/* Unit tests: snapshot build (CSR, grid, id index), next hops against a plain
 * Dijkstra, model edits, pruning, blobs. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "rtcore/cfg_validate.h"
#include "rtcore/graph.h"
#include "rtcore/graph_edit.h"
#include "graph_check.h"
#include "graph_testutil.h"

#define REJ(r) SPINAL_CFG_REJECT(SPINAL_CFG_REJ_##r)

static uint32_t idx_of(const struct spinal_graph *g, uint32_t id)
{
	uint32_t i = spinal_graph_find_id(g, id);

	assert_int_not_equal(i, SPINAL_NODE_NONE);
	return i;
}

/* Is there an edge a->b in the snapshot; its cost in *c. */
static int has_edge(const struct spinal_graph *g, uint32_t a, uint32_t b, float *c)
{
	uint32_t e, ne;
	const struct spinal_gedge *ed = spinal_graph_edges(g, a, &ne);

	for (e = 0; e < ne; e++)
		if (ed[e].to == b) {
			if (c)
				*c = ed[e].cost;
			return 1;
		}
	return 0;
}

static void test_csr_small(void **state)
{
	struct spinal_gmodel *m = spinal_gm_create(16);
	struct spinal_graph *g;
	float c;

	(void)state;
	assert_int_equal(spinal_gm_node_add(m, 1, SPINAL_NODE_F_ROOM, 0, 0, 3), 0);
	assert_int_equal(spinal_gm_node_add(m, 2, 0, 3, 4, 0), 0);
	assert_int_equal(spinal_gm_node_add(m, 3, 0, 10, 0, 0), 0);
	assert_int_equal(spinal_gm_edge_add(m, 1, 2, 0, 1), 0);     /* Euclidean: 5 */
	assert_int_equal(spinal_gm_edge_add(m, 2, 3, 2.5f, 0), 0);
	g = spinal_graph_build(m, 42);
	assert_non_null(g);
	assert_int_equal(g->magic, SPINAL_GRAPH_MAGIC);
	assert_int_equal(g->generation, 42);
	assert_int_equal(g->nnodes, 3);
	assert_int_equal(g->nedges, 3);
	assert_true(has_edge(g, idx_of(g, 1), idx_of(g, 2), &c));
	assert_float_equal(c, 5.0f, 1e-6);
	assert_true(has_edge(g, idx_of(g, 2), idx_of(g, 1), &c));
	assert_true(has_edge(g, idx_of(g, 2), idx_of(g, 3), &c));
	assert_float_equal(c, 2.5f, 1e-6);
	assert_false(has_edge(g, idx_of(g, 3), idx_of(g, 2), NULL));
	assert_int_equal(spinal_graph_node(g, idx_of(g, 1))->flags, SPINAL_NODE_F_ROOM);
	assert_int_equal(spinal_graph_node(g, idx_of(g, 1))->visits, 3);
	assert_int_equal(spinal_graph_find_id(g, 99), SPINAL_NODE_NONE);
	assert_int_equal(g->goal, SPINAL_NODE_NONE);
	assert_int_equal(spinal_graph_next_hop(g, 0), SPINAL_NODE_NONE);
	assert_int_equal(g->content_hash, spinal_graph_hash(g));
	spinal_graph_free(g, 1);

	/* goal 3: 1 -> 2 -> 3, cost 7.5 */
	assert_int_equal(spinal_gm_set_goal(m, 3), 0);
	g = spinal_graph_build(m, 43);
	assert_int_equal(g->goal, idx_of(g, 3));
	assert_int_equal(spinal_graph_next_hop(g, idx_of(g, 1)), idx_of(g, 2));
	assert_int_equal(spinal_graph_next_hop(g, idx_of(g, 2)), idx_of(g, 3));
	assert_int_equal(spinal_graph_next_hop(g, idx_of(g, 3)), idx_of(g, 3));
	assert_float_equal(spinal_graph_node(g, idx_of(g, 1))->cost, 7.5f, 1e-5);
	assert_true(spinal_graph_on_path(g, idx_of(g, 1), idx_of(g, 2)));
	assert_false(spinal_graph_on_path(g, idx_of(g, 2), idx_of(g, 1)));
	spinal_graph_free(g, 0);
	spinal_gm_destroy(m);
}

/* Grid invariants: every node sits in the cell the index says, once. */
static void check_grid(const struct spinal_graph *g)
{
	assert_null(graph_check(g, 1));
}

/* Plain O(n^2) Dijkstra over the snapshot's reversed edges, in double. */
static void ref_dijkstra(const struct spinal_graph *g, double *dist)
{
	uint32_t n = g->nslots, i, e, it, ne;
	const struct spinal_gedge *ed;
	unsigned char *done = calloc(n, 1);

	for (i = 0; i < n; i++)
		dist[i] = INFINITY;
	dist[g->goal] = 0;
	for (it = 0; it < n; it++) {
		uint32_t best = SPINAL_NODE_NONE;

		for (i = 0; i < n; i++)
			if (!done[i] && isfinite(dist[i]) && (best == SPINAL_NODE_NONE || dist[i] < dist[best]))
				best = i;
		if (best == SPINAL_NODE_NONE)
			break;
		done[best] = 1;
		for (i = 0; i < n; i++)
			for (ed = spinal_graph_edges(g, i, &ne), e = 0; e < ne; e++)
				if (ed[e].to == best && dist[best] + ed[e].cost < dist[i])
					dist[i] = dist[best] + ed[e].cost;
	}
	free(done);
}

static void test_next_hop_vs_dijkstra(void **state)
{
	uint64_t seed;

	(void)state;
	for (seed = 1; seed <= 40; seed++) {
		uint32_t n = 2 + (uint32_t)(seed * 7 % 150), i;
		struct spinal_gmodel *m = tu_random_model(seed, n, 1 + seed % 4, 100.0f);
		struct spinal_graph *g = spinal_graph_build(m, seed);
		double *ref = malloc(n * sizeof(*ref));

		assert_non_null(g);
		check_grid(g);
		ref_dijkstra(g, ref);
		for (i = 0; i < n; i++) {
			const struct spinal_gnode *v = spinal_graph_node(g, i);

			if (!isfinite(ref[i])) {
				assert_false(isfinite(v->cost));
				assert_int_equal(v->next, SPINAL_NODE_NONE);
				assert_int_equal(v->tout, 0);
				continue;
			}
			assert_true(fabs(v->cost - ref[i]) <= 1e-3 * (1 + ref[i]));
			if (i == g->goal) {
				assert_int_equal(v->next, i);
				continue;
			}
			/* the hop is a real edge on a shortest path */
			{
				float c = -1;

				assert_true(has_edge(g, i, v->next, &c));
				assert_true(fabs(c + ref[v->next] - ref[i]) <= 1e-3 * (1 + ref[i]));
			}
		}
		/* on_path agrees with walking the chain */
		for (i = 0; i < n; i++) {
			unsigned char *on = calloc(n, 1);
			uint32_t v = i, steps = 0, j;

			if (spinal_graph_node(g, i)->next == SPINAL_NODE_NONE) {
				free(on);
				continue;
			}
			while (v != g->goal && steps++ <= n) {
				on[v] = 1;
				v = spinal_graph_node(g, v)->next;
			}
			on[g->goal] = 1;
			assert_int_equal(v, g->goal);
			for (j = 0; j < n; j++)
				assert_int_equal(spinal_graph_on_path(g, i, j), on[j]);
			free(on);
		}
		free(ref);
		spinal_graph_free(g, 1);
		spinal_gm_destroy(m);
	}
}

static void test_edits(void **state)
{
	struct spinal_gmodel *m = spinal_gm_create(4);
	uint32_t i;

	(void)state;
	assert_int_equal(spinal_gm_node_add(m, 5, 0, 0, 0, 0), 0);
	assert_int_equal(spinal_gm_node_add(m, 5, 0, 1, 1, 0), REJ(EXISTS));
	assert_int_equal(spinal_gm_node_add(m, 6, 0, 1, 0, 0), 0);
	assert_int_equal(spinal_gm_node_add(m, 7, 0, 2, 0, 0), 0);
	assert_int_equal(spinal_gm_node_add(m, 8, 0, 3, 0, 0), 0);
	assert_int_equal(spinal_gm_node_add(m, 9, 0, 4, 0, 0), REJ(CAPACITY));
	assert_int_equal(spinal_gm_node_move(m, 9, 0, 4, 0), REJ(NO_NODE));
	assert_int_equal(spinal_gm_node_move(m, 8, SPINAL_NODE_F_DOOR, 30, 1), 0);
	assert_int_equal(spinal_gm_edge_add(m, 5, 9, 0, 0), REJ(NO_NODE));
	assert_int_equal(spinal_gm_edge_add(m, 5, 6, 0, 1), 0);
	assert_int_equal(spinal_gm_edge_add(m, 6, 5, 0, 0), REJ(EXISTS));
	assert_int_equal(spinal_gm_edge_add(m, 6, 7, 0, 1), 0);
	assert_int_equal(spinal_gm_edge_add(m, 7, 8, 0, 0), 0);
	assert_int_equal(m->ne, 5);
	assert_int_equal(spinal_gm_edge_remove(m, 8, 7, 0), REJ(NO_NODE));
	assert_int_equal(spinal_gm_edge_remove(m, 7, 8, 1), REJ(NO_NODE)); /* only one way */
	assert_int_equal(m->ne, 5);
	assert_int_equal(spinal_gm_edge_remove(m, 6, 7, 1), 0);
	assert_int_equal(m->ne, 3);
	assert_int_equal(spinal_gm_set_goal(m, 99), REJ(NO_NODE));
	assert_int_equal(spinal_gm_set_goal(m, 6), 0);
	assert_int_equal(spinal_gm_node_remove(m, 6), 0);
	assert_int_equal(m->goal_id, SPINAL_NODE_NONE); /* goal went with its node */
	assert_int_equal(m->ne, 1);                     /* 5<->6 gone, 7->8 stays */
	assert_int_equal(spinal_gm_node_remove(m, 6), REJ(NO_NODE));
	for (i = 0; i < m->n; i++)
		assert_int_equal(spinal_gm_find(m, m->nodes[i].id), i);
	assert_int_equal(m->nodes[spinal_gm_find(m, 7)].outdeg, 1);
	assert_int_equal(m->nodes[spinal_gm_find(m, 5)].outdeg, 0);
	spinal_gm_destroy(m);
}

static void test_degree_cap(void **state)
{
	struct spinal_gmodel *m = spinal_gm_create(64);
	uint32_t i;

	(void)state;
	for (i = 0; i <= SPINAL_GRAPH_MAX_DEGREE + 1; i++)
		assert_int_equal(spinal_gm_node_add(m, i, 0, (float)i, 0, 0), 0);
	for (i = 1; i <= SPINAL_GRAPH_MAX_DEGREE; i++)
		assert_int_equal(spinal_gm_edge_add(m, 0, i, 0, 0), 0);
	assert_int_equal(spinal_gm_edge_add(m, 0, SPINAL_GRAPH_MAX_DEGREE + 1, 0, 0), REJ(CAPACITY));
	spinal_gm_destroy(m);
}

/* Hash table survives many removals (backward-shift deletion). */
static void test_hash_churn(void **state)
{
	struct spinal_gmodel *m = spinal_gm_create(512);
	uint64_t s = 99;
	uint32_t round, i;

	(void)state;
	for (round = 0; round < 20000; round++) {
		uint32_t id = (uint32_t)(tu_rand(&s) % 1000);

		if (spinal_gm_find(m, id) == SPINAL_NODE_NONE)
			spinal_gm_node_add(m, id, 0, 0, 0, 0);
		else
			assert_int_equal(spinal_gm_node_remove(m, id), 0);
	}
	for (i = 0; i < m->n; i++)
		assert_int_equal(spinal_gm_find(m, m->nodes[i].id), i);
	for (i = 0; i < 1000; i++) {
		uint32_t k = spinal_gm_find(m, i);

		if (k != SPINAL_NODE_NONE)
			assert_int_equal(m->nodes[k].id, i);
	}
	spinal_gm_destroy(m);
}

static void test_prune(void **state)
{
	struct spinal_gmodel *m = tu_random_model(5, 200, 3, 50.0f);
	uint64_t s = 17;
	uint32_t i, *vis = calloc(2000, sizeof(*vis)), kept_min = UINT32_MAX, drop_max = 0;
	uint32_t goal = 7;

	(void)state;
	for (i = 0; i < m->n; i++) {
		m->nodes[i].visits = (uint32_t)(tu_rand(&s) % 50);
		vis[m->nodes[i].id] = m->nodes[i].visits + 1;
	}
	m->nodes[spinal_gm_find(m, goal)].visits = 0; /* the goal survives anyway */
	vis[goal] = 1;
	assert_int_equal(spinal_gm_prune(m, 0), REJ(RANGE));
	assert_int_equal(spinal_gm_prune(m, 500), 0);
	assert_int_equal(m->n, 200);
	assert_int_equal(spinal_gm_prune(m, 60), 0);
	assert_int_equal(m->n, 60);
	assert_int_not_equal(spinal_gm_find(m, goal), SPINAL_NODE_NONE);
	assert_int_equal(m->goal_id, goal);
	for (i = 0; i < m->n; i++) {
		assert_int_equal(spinal_gm_find(m, m->nodes[i].id), i);
		if (m->nodes[i].id != goal && m->nodes[i].visits < kept_min)
			kept_min = m->nodes[i].visits;
		vis[m->nodes[i].id] = 0;
	}
	for (i = 0; i < 2000; i++)
		if (vis[i] && vis[i] - 1 > drop_max)
			drop_max = vis[i] - 1;
	assert_true(kept_min >= drop_max); /* kept nodes are the most visited */
	{
		struct spinal_gm_edge *ed = malloc(((size_t)m->ne + 1) * sizeof(*ed));

		assert_int_equal(spinal_gm_edges(m, ed), m->ne);
		for (i = 0; i < m->ne; i++) {
			assert_int_not_equal(spinal_gm_find(m, ed[i].from), SPINAL_NODE_NONE);
			assert_int_not_equal(spinal_gm_find(m, ed[i].to), SPINAL_NODE_NONE);
		}
		free(ed);
	}
	{
		uint32_t deg = 0;

		for (i = 0; i < m->n; i++)
			deg += m->nodes[i].outdeg;
		assert_int_equal(deg, m->ne);
	}
	free(vis);
	spinal_gm_destroy(m);
}

static void test_blob_roundtrip(void **state)
{
	struct spinal_gmodel *m = tu_random_model(3, 100, 2, 30.0f), *m2 = NULL;
	struct spinal_graph_blob_hdr h;
	struct spinal_graph_blob_edge e;
	size_t len;
	unsigned char *b = tu_blob_from_model(m, &len);
	struct spinal_graph *g1, *g2;

	(void)state;
	assert_int_equal(spinal_gm_from_blob(b, len, 1000, &m2), 0);
	assert_int_equal(m2->n, m->n);
	assert_int_equal(m2->ne, m->ne);
	assert_int_equal(m2->goal_id, m->goal_id);
	g1 = spinal_graph_build(m, 1);
	g2 = spinal_graph_build(m2, 1);
	assert_int_equal(g1->content_hash, g2->content_hash);
	spinal_graph_free(g1, 0);
	spinal_graph_free(g2, 0);
	spinal_gm_destroy(m2);
	m2 = NULL;
	assert_int_equal(spinal_gm_from_blob(b, len, 50, &m2), REJ(CAPACITY));
	/* duplicate edge: copy edge 0 over edge 1 */
	memcpy(&h, b, sizeof(h));
	memcpy(&e, b + h.edges_off, sizeof(e));
	memcpy(b + h.edges_off + sizeof(e), &e, sizeof(e));
	assert_int_equal(spinal_gm_from_blob(b, len, 1000, &m2), REJ(EXISTS));
	/* dangling edge */
	e.to = 123456;
	memcpy(b + h.edges_off + sizeof(e), &e, sizeof(e));
	assert_int_equal(spinal_gm_from_blob(b, len, 1000, &m2), REJ(NO_NODE));
	/* unknown goal */
	memcpy(&e, b + h.edges_off, sizeof(e));
	memcpy(b + h.edges_off + sizeof(e), &e, sizeof(e));
	h.goal_id = 4;
	memcpy(b, &h, sizeof(h));
	assert_int_equal(spinal_gm_from_blob(b, len, 1000, &m2), REJ(EXISTS) /* dup still there */);
	assert_null(m2);
	free(b);
	spinal_gm_destroy(m);
}

static void test_degenerate_maps(void **state)
{
	struct spinal_gmodel *m = spinal_gm_create(1000);
	struct spinal_graph *g;
	uint32_t i;

	(void)state;
	g = spinal_graph_build(m, 1); /* empty */
	assert_non_null(g);
	assert_int_equal(g->nnodes, 0);
	spinal_graph_free(g, 1);
	for (i = 0; i < 500; i++) /* all on one point, then a line */
		spinal_gm_node_add(m, i, 0, 5.0f, 5.0f, 0);
	g = spinal_graph_build(m, 2);
	check_grid(g);
	spinal_graph_free(g, 1);
	for (i = 0; i < 500; i++)
		spinal_gm_node_move(m, i, 0, (float)i * 0.5f, -3.0f);
	g = spinal_graph_build(m, 3);
	check_grid(g);
	spinal_graph_free(g, 1);
	spinal_gm_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csr_small),
		cmocka_unit_test(test_next_hop_vs_dijkstra),
		cmocka_unit_test(test_edits),
		cmocka_unit_test(test_degree_cap),
		cmocka_unit_test(test_hash_churn),
		cmocka_unit_test(test_prune),
		cmocka_unit_test(test_blob_roundtrip),
		cmocka_unit_test(test_degenerate_maps),
	};

	return cmocka_run_group_tests_name("graph", tests, NULL, NULL);
}
