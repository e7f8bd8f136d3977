// SPDX-License-Identifier: MIT
/* Unit tests: grid kNN equals brute force on random maps (many seeds, shapes,
 * queries inside and far outside the map). */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "rtcore/graph.h"
#include "rtcore/graph_edit.h"
#include "rtcore/knn.h"
#include "graph_testutil.h"

enum shape { UNIFORM, CLUSTERS, LINE, DUPLICATES, SHAPES };

static struct spinal_gmodel *make_map(uint64_t seed, uint32_t n, enum shape sh)
{
	struct spinal_gmodel *m = spinal_gm_create(n + 1);
	uint64_t s = seed;
	uint32_t i;

	for (i = 0; i < n; i++) {
		float x, y;

		switch (sh) {
		case CLUSTERS: {
			float cx = (float)(i % 3) * 400.0f, cy = (float)(i % 3) * -250.0f;

			x = cx + tu_randf(&s, -2, 2);
			y = cy + tu_randf(&s, -2, 2);
			break;
		}
		case LINE:
			x = tu_randf(&s, -1000, 1000);
			y = 3.0f;
			break;
		case DUPLICATES:
			x = (float)(tu_rand(&s) % 5);
			y = (float)(tu_rand(&s) % 5);
			break;
		default:
			x = tu_randf(&s, -50, 150);
			y = tu_randf(&s, 20, 80);
		}
		spinal_gm_node_add(m, i, 0, x, y, 0);
	}
	return m;
}

static void check_same(const struct spinal_graph *g, float x, float y, unsigned int k)
{
	struct spinal_knn_hit a[SPINAL_KNN_MAX], b[SPINAL_KNN_MAX];
	int na = spinal_graph_knn(g, x, y, k, a), nb = spinal_graph_knn_brute(g, x, y, k, b), i;

	assert_int_equal(na, nb);
	assert_int_equal(na, (int)(k < g->nnodes ? k : g->nnodes));
	for (i = 0; i < na; i++) {
		assert_int_equal(a[i].idx, b[i].idx);
		assert_true(a[i].dist == b[i].dist);
		if (i)
			assert_true(a[i - 1].dist <= a[i].dist);
		assert_true(fabsf(a[i].cos_b * a[i].cos_b + a[i].sin_b * a[i].sin_b - 1.0f) < 1e-4f);
	}
}

static void test_knn_vs_brute(void **state)
{
	uint64_t seed;

	(void)state;
	for (seed = 1; seed <= 60; seed++) {
		enum shape sh = (enum shape)(seed % SHAPES);
		uint32_t n = 1 + (uint32_t)(tu_rand(&(uint64_t){ seed }) % 3000);
		struct spinal_gmodel *m = make_map(seed, n, sh);
		struct spinal_graph *g = spinal_graph_build(m, 1);
		uint64_t s = seed * 31;
		int q;

		assert_non_null(g);
		for (q = 0; q < 300; q++) {
			unsigned int k = 1 + (unsigned int)(tu_rand(&s) % SPINAL_KNN_MAX);
			float x, y;

			if (q % 10 == 9) { /* far outside */
				x = tu_randf(&s, -1e5f, 1e5f);
				y = tu_randf(&s, -1e5f, 1e5f);
			} else if (q % 10 == 8 && g->nnodes) { /* exactly on a node */
				x = spinal_graph_node(g, q % g->nnodes)->x;
				y = spinal_graph_node(g, q % g->nnodes)->y;
			} else {
				x = tu_randf(&s, -100, 1200);
				y = tu_randf(&s, -600, 150);
			}
			check_same(g, x, y, k);
		}
		spinal_graph_free(g, 1);
		spinal_gm_destroy(m);
	}
}

static void test_knn_bad_args(void **state)
{
	struct spinal_gmodel *m = make_map(1, 10, UNIFORM);
	struct spinal_graph *g = spinal_graph_build(m, 1);
	struct spinal_knn_hit h[SPINAL_KNN_MAX];

	(void)state;
	assert_int_equal(spinal_graph_knn(g, 0, 0, 0, h), -EINVAL);
	assert_int_equal(spinal_graph_knn(g, 0, 0, SPINAL_KNN_MAX + 1, h), -EINVAL);
	assert_int_equal(spinal_graph_knn(g, NAN, 0, 4, h), -EINVAL);
	assert_int_equal(spinal_graph_knn(g, 0, INFINITY, 4, h), -EINVAL);
	assert_int_equal(spinal_graph_knn(g, 1e30f, -1e30f, 4, h), 4);
	assert_int_equal(spinal_graph_knn(g, 0, 0, 16, h), 10);
	spinal_graph_free(g, 0);
	spinal_gm_destroy(m);
	m = spinal_gm_create(4);
	g = spinal_graph_build(m, 1);
	assert_int_equal(spinal_graph_knn(g, 0, 0, 4, h), 0);
	spinal_graph_free(g, 0);
	spinal_gm_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_knn_vs_brute),
		cmocka_unit_test(test_knn_bad_args),
	};

	return cmocka_run_group_tests_name("knn", tests, NULL, NULL);
}
