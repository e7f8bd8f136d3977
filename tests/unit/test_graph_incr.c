// SPDX-License-Identifier: MIT
/*
 * Unit tests: incremental snapshot publication.  Every snapshot the builder
 * derives from the previous one after a random batch of edits must answer
 * exactly as a full rebuild of the same model: nodes, edges, costs (bit for
 * bit), next hops, the on-path relation over all pairs, kNN results; the
 * superseded snapshot's junk is freed poisoned at once, so a page still
 * shared with the new snapshot would show up as poison or a bad checksum.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "rtcore/graph.h"
#include "rtcore/graph_edit.h"
#include "rtcore/knn.h"
#include "graph_check.h"
#include "graph_testutil.h"

static int same_bits(float a, float b)
{
	return memcmp(&a, &b, sizeof(a)) == 0;
}

/* @a (incremental) answers as @b (full rebuild of the same model). */
static void assert_same(const struct spinal_graph *a, const struct spinal_graph *b, uint64_t seed)
{
	uint32_t i, j, q;
	uint64_t s = seed ^ 0xabcdefULL;
	const char *bad = graph_check(a, 1);

	if (bad)
		fail_msg("incremental snapshot broken: %s (seed %llu)", bad, (unsigned long long)seed);
	assert_int_equal(a->nnodes, b->nnodes);
	assert_int_equal(a->nslots, b->nslots);
	assert_int_equal(a->nedges, b->nedges);
	assert_int_equal(a->goal, b->goal);
	assert_int_equal(a->goal_id, b->goal_id);
	for (i = 0; i < a->nslots; i++) {
		const struct spinal_gnode *x = spinal_graph_node(a, i), *y = spinal_graph_node(b, i);
		const struct spinal_gedge *ea, *eb;
		uint32_t na, nb;

		assert_int_equal(x->live, y->live);
		if (!x->live)
			continue;
		assert_int_equal(x->id, y->id);
		assert_int_equal(x->flags, y->flags);
		assert_int_equal(x->visits, y->visits);
		assert_true(same_bits(x->x, y->x) && same_bits(x->y, y->y));
		if (x->next != y->next || !same_bits(x->cost, y->cost))
			fail_msg("node %u (id %u): next %u cost %.9g, full rebuild: next %u cost %.9g (seed %llu)",
				 i, x->id, x->next, (double)x->cost, y->next, (double)y->cost,
				 (unsigned long long)seed);
		assert_int_equal(x->tout == 0, y->tout == 0);
		ea = spinal_graph_edges(a, i, &na);
		eb = spinal_graph_edges(b, i, &nb);
		assert_int_equal(na, nb);
		for (j = 0; j < na; j++) {
			assert_int_equal(ea[j].to, eb[j].to);
			assert_true(same_bits(ea[j].cost, eb[j].cost));
		}
	}
	/* the on-path relation, every pair (the labels differ, the relation not) */
	for (i = 0; i < a->nslots; i++)
		for (j = 0; j < a->nslots; j++)
			if (spinal_graph_on_path(a, i, j) != spinal_graph_on_path(b, i, j))
				fail_msg("on_path(%u, %u): incremental %d, full %d (seed %llu)", i, j,
					 spinal_graph_on_path(a, i, j), spinal_graph_on_path(b, i, j),
					 (unsigned long long)seed);
	for (q = 0; q < 50; q++) {
		struct spinal_knn_hit ha[SPINAL_KNN_MAX], hb[SPINAL_KNN_MAX];
		float x = tu_randf(&s, -20, 120), y = tu_randf(&s, -20, 120);
		unsigned int k = 1 + (unsigned int)(tu_rand(&s) % SPINAL_KNN_MAX);
		int n = spinal_graph_knn(a, x, y, k, ha);

		assert_int_equal(n, spinal_graph_knn(b, x, y, k, hb));
		for (i = 0; i < (uint32_t)n; i++) {
			assert_int_equal(ha[i].idx, hb[i].idx);
			assert_true(same_bits(ha[i].dist, hb[i].dist));
			assert_true(same_bits(ha[i].cos_b, hb[i].cos_b));
		}
	}
}

static int lattice_mode; /* integer positions and costs: equal-cost paths everywhere */

static float rnd(uint64_t *s, float lo, float hi)
{
	float v = tu_randf(s, lo, hi);

	return lattice_mode ? floorf(v) : v;
}

/* One random edit; ids are 10*i+7 for i < idmax. */
static void random_edit(struct spinal_gmodel *m, uint64_t *s, uint32_t idmax, float side)
{
	uint32_t a = 10 * (uint32_t)(tu_rand(s) % idmax) + 7, b = 10 * (uint32_t)(tu_rand(s) % idmax) + 7;
	uint32_t op = (uint32_t)(tu_rand(s) % 100);
	float c = (tu_rand(s) & 1) ? (lattice_mode ? (float)(1 + tu_rand(s) % 3) :
				      tu_randf(s, 0.1f, 30.0f)) : 0.0f;

	if (op < 25) {          /* move: a little, or anywhere (maybe off the map) */
		uint32_t i = spinal_gm_find(m, a);

		if (i == SPINAL_NODE_NONE)
			return;
		if (op < 15)
			spinal_gm_node_move(m, a, m->nodes[i].flags, m->nodes[i].x + rnd(s, -3, 3),
					    m->nodes[i].y + rnd(s, -3, 3));
		else
			spinal_gm_node_move(m, a, 1, rnd(s, -side / 2, side * 1.5f),
					    rnd(s, -side / 2, side * 1.5f));
	} else if (op < 45) {
		spinal_gm_edge_add(m, a, b, c, (int)(tu_rand(s) & 1));
	} else if (op < 62) {
		spinal_gm_edge_remove(m, a, b, 0);
		if (op < 50) { /* remove one of a's edges for sure */
			uint32_t sl = spinal_gm_slot(m, a);

			if (sl != SPINAL_NODE_NONE && m->adj[sl].nout)
				spinal_gm_edge_remove(m, a, m->nodes[m->at[m->adj[sl].out[0].to]].id, 0);
		}
	} else if (op < 72) {
		if (spinal_gm_node_add(m, a, 0, rnd(s, 0, side), rnd(s, 0, side), 0) == 0 &&
		    m->n > 1) {
			uint32_t o = m->nodes[tu_rand(s) % m->n].id;

			spinal_gm_edge_add(m, a, o, 0, 1);
		}
	} else if (op < 80) {
		if (a != m->goal_id || (tu_rand(s) % 8) == 0)
			spinal_gm_node_remove(m, a);
	} else if (op < 92) {
		spinal_gm_visit(m, a);
	} else if (op < 96) {
		if (spinal_gm_find(m, a) != SPINAL_NODE_NONE)
			spinal_gm_set_goal(m, a);
	} else if (op < 97) {
		spinal_gm_prune(m, m->n > 8 ? m->n - m->n / 8 : m->n);
	} else {
		spinal_gm_node_move(m, a, 2, 0, 0); /* flags, maybe a new position */
	}
}

struct path_counts {
	unsigned incr, full, route_full, relabel_full;
};

/* Integer lattice, unit Euclidean edges, goal in a corner: ties everywhere. */
static struct spinal_gmodel *lattice_model(uint32_t side)
{
	struct spinal_gmodel *m = spinal_gm_create(side * side * 2 + 16);
	uint32_t i, n = side * side;

	for (i = 0; i < n; i++)
		spinal_gm_node_add(m, 10 * i + 7, 0, (float)(i % side), (float)(i / side), 0);
	for (i = 0; i < n; i++) {
		if (i % side + 1 < side)
			spinal_gm_edge_add(m, 10 * i + 7, 10 * (i + 1) + 7, 0, 1);
		if (i + side < n)
			spinal_gm_edge_add(m, 10 * i + 7, 10 * (i + side) + 7, 0, 1);
	}
	spinal_gm_set_goal(m, 7);
	return m;
}

static void run_sequence(uint64_t seed, uint32_t n, uint32_t deg, uint32_t rounds,
			 struct path_counts *pc)
{
	uint32_t side = 4 + (uint32_t)(seed % 7);
	struct spinal_gmodel *m = lattice_mode ? lattice_model(side) :
						 tu_random_model(seed, n, deg, 100.0f);
	struct spinal_gbuild *b = spinal_gbuild_create();
	struct spinal_gjunk *junk;
	struct spinal_graph *g, *f;
	uint64_t s = seed * 7919, gen = 1;
	uint32_t r, e;

	if (lattice_mode)
		n = side * side;
	assert_non_null(b);
	g = spinal_gbuild_next(b, m, gen, &junk);
	assert_non_null(g);
	assert_null(junk);
	for (r = 0; r < rounds; r++) {
		struct spinal_gbuild_stats st;
		uint32_t nedit = 1 + (uint32_t)(tu_rand(&s) % 4);
		struct spinal_graph *g2;

		for (e = 0; e < nedit; e++)
			random_edit(m, &s, n + n / 4, lattice_mode ? (float)side : 100.0f);
		g2 = spinal_gbuild_next(b, m, ++gen, &junk);
		assert_non_null(g2);
		assert_non_null(junk);
		assert_int_equal(spinal_gjunk_generation(junk), g->generation);
		spinal_gjunk_free(junk, 1); /* poisons only what g alone used */
		g = g2;
		spinal_gbuild_last(b, &st);
		pc->full += st.full;
		pc->incr += !st.full;
		pc->route_full += !st.full && st.route_full;
		pc->relabel_full += !st.full && st.relabel_full;
		f = spinal_graph_build(m, gen);
		assert_non_null(f);
		assert_same(g, f, seed * 1000 + r);
		spinal_graph_free(f, 1);
	}
	spinal_graph_free(g, 1);
	spinal_gbuild_destroy(b);
	spinal_gm_destroy(m);
}

static void test_random_sequences(void **state)
{
	struct path_counts pc = { 0 };
	uint64_t seed;

	(void)state;
	for (seed = 1; seed <= 30; seed++)
		run_sequence(seed, 8 + (uint32_t)(seed * 13 % 120), 1 + (uint32_t)(seed % 4), 60, &pc);
	print_message("random maps: incremental %u, full %u, route fallback %u, relabel fallback %u\n",
		      pc.incr, pc.full, pc.route_full, pc.relabel_full);
	assert_true(pc.incr > 1000); /* the incremental path is what was tested */
}

/* The same on integer lattices: exact ties decide next hops (by index). */
static void test_lattice_sequences(void **state)
{
	struct path_counts pc = { 0 };
	uint64_t seed;

	(void)state;
	lattice_mode = 1;
	for (seed = 1; seed <= 40; seed++)
		run_sequence(seed, 0, 0, 60, &pc);
	lattice_mode = 0;
	print_message("lattices: incremental %u, full %u, route fallback %u, relabel fallback %u\n",
		      pc.incr, pc.full, pc.route_full, pc.relabel_full);
	assert_true(pc.incr > 1500);
}

/* Coincident nodes joined by zero-length edges: next hops need the plateau
 * rule, which falls back to a full next-hop pass; still equal. */
static void test_plateaus(void **state)
{
	struct spinal_gmodel *m = spinal_gm_create(64);
	struct spinal_gbuild *b = spinal_gbuild_create();
	struct spinal_gjunk *junk;
	struct spinal_graph *g, *f;
	struct spinal_gbuild_stats st;
	uint32_t i;

	(void)state;
	for (i = 0; i < 12; i++) /* pairs of nodes on the same spot */
		spinal_gm_node_add(m, i, 0, (float)(i / 2), 0, 0);
	for (i = 0; i + 1 < 12; i++)
		spinal_gm_edge_add(m, i, i + 1, 0, 1);
	spinal_gm_set_goal(m, 0);
	g = spinal_gbuild_next(b, m, 1, &junk);
	f = spinal_graph_build(m, 1);
	assert_same(g, f, 1);
	spinal_graph_free(f, 1);
	/* node 1 sits on the goal: zero cost, no strict hop */
	assert_int_equal(spinal_graph_next_hop(g, spinal_graph_find_id(g, 1)), spinal_graph_find_id(g, 0));
	assert_int_equal(spinal_graph_next_hop(g, spinal_graph_find_id(g, 3)), spinal_graph_find_id(g, 2));
	spinal_gm_edge_add(m, 11, 0, 0.5f, 0);
	spinal_gm_node_move(m, 5, 0, 2.0f, 0.0f);
	g = spinal_gbuild_next(b, m, 2, &junk);
	spinal_gjunk_free(junk, 1);
	spinal_gbuild_last(b, &st);
	assert_false(st.full);
	assert_true(st.route_full);
	f = spinal_graph_build(m, 2);
	assert_same(g, f, 2);
	spinal_graph_free(f, 1);
	spinal_graph_free(g, 1);
	spinal_gbuild_destroy(b);
	spinal_gm_destroy(m);
}

/* A robot exploring: each new node hangs off the last one.  Nested label
 * gaps run out; the builder relabels in full and stays exact. */
static void test_label_gaps(void **state)
{
	struct spinal_gmodel *m = spinal_gm_create(512);
	struct spinal_gbuild *b = spinal_gbuild_create();
	struct spinal_gjunk *junk;
	struct spinal_graph *g, *f;
	unsigned relabels = 0, incr = 0;
	uint32_t i;

	(void)state;
	spinal_gm_node_add(m, 0, 0, 0, 0, 0);
	spinal_gm_set_goal(m, 0);
	g = spinal_gbuild_next(b, m, 1, &junk);
	for (i = 1; i < 300; i++) {
		struct spinal_gbuild_stats st;

		spinal_gm_node_add(m, i, 0, (float)i * 0.7f, (float)(i % 7), 0);
		spinal_gm_edge_add(m, i, i - 1, 0, 1);
		g = spinal_gbuild_next(b, m, i + 1, &junk);
		assert_non_null(g);
		spinal_gjunk_free(junk, 1);
		spinal_gbuild_last(b, &st);
		incr += !st.full;
		relabels += !st.full && st.relabel_full;
		if (i % 37 == 0 || i == 299) {
			f = spinal_graph_build(m, i + 1);
			assert_same(g, f, i);
			spinal_graph_free(f, 1);
		}
	}
	print_message("chain of 300: %u incremental publications, %u full relabels\n", incr, relabels);
	assert_true(incr > 250);
	assert_true(relabels >= 1 && relabels < 30);
	assert_true(spinal_graph_on_path(g, spinal_graph_find_id(g, 299), spinal_graph_find_id(g, 0)));
	spinal_graph_free(g, 1);
	spinal_gbuild_destroy(b);
	spinal_gm_destroy(m);
}

/* A single move on a lattice copies a handful of pages, not the map. */
static void test_copies_little(void **state)
{
	uint32_t side = 100, n = side * side, i;
	struct spinal_gmodel *m = spinal_gm_create(n);
	struct spinal_gbuild *b = spinal_gbuild_create();
	struct spinal_gjunk *junk;
	struct spinal_graph *g, *f;
	struct spinal_gbuild_stats st;

	(void)state;
	for (i = 0; i < n; i++)
		spinal_gm_node_add(m, i, 0, (float)(i % side), (float)(i / side), 0);
	for (i = 0; i < n; i++) {
		if (i % side + 1 < side)
			spinal_gm_edge_add(m, i, i + 1, 0, 1);
		if (i + side < n)
			spinal_gm_edge_add(m, i, i + side, 0, 1);
	}
	spinal_gm_set_goal(m, 0);
	g = spinal_gbuild_next(b, m, 1, &junk);
	/* a corner node far from the goal: few nodes route through it */
	spinal_gm_node_move(m, n - 1, 0, (float)side - 0.8f, (float)side - 0.9f);
	g = spinal_gbuild_next(b, m, 2, &junk);
	spinal_gjunk_free(junk, 1);
	spinal_gbuild_last(b, &st);
	print_message("move: %u node pages, %u adjacency pages, %u tiles, %u route nodes of %u pages\n",
		      st.pages, st.adjs, st.tiles, st.route_nodes, g->npages);
	assert_false(st.full);
	assert_true(st.pages <= 4 && st.adjs <= 4 && st.tiles <= 2);
	/* a visit: one node page */
	spinal_gm_visit(m, 5000);
	g = spinal_gbuild_next(b, m, 3, &junk);
	spinal_gjunk_free(junk, 1);
	spinal_gbuild_last(b, &st);
	assert_int_equal(st.pages, 1);
	assert_int_equal(st.adjs + st.tiles, 0);
	f = spinal_graph_build(m, 3);
	assert_int_equal(spinal_graph_node(g, spinal_graph_find_id(g, 5000))->visits, 1);
	assert_same(g, f, 3);
	spinal_graph_free(f, 1);
	spinal_graph_free(g, 1);
	spinal_gbuild_destroy(b);
	spinal_gm_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_sequences),
		cmocka_unit_test(test_lattice_sequences),
		cmocka_unit_test(test_plateaus),
		cmocka_unit_test(test_label_gaps),
		cmocka_unit_test(test_copies_little),
	};

	return cmocka_run_group_tests_name("graph_incr", tests, NULL, NULL);
}
