// SPDX-License-Identifier: MIT
/* Unit tests for SFS (rtcore/sfs.c) on hand-built maps. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <string.h>
#include <cmocka.h>

#include "rtcore/graph.h"
#include "rtcore/graph_edit.h"
#include "rtcore/sfs.h"

#define EPS 1e-5

/* Four nodes, one per quadrant, at distance sqrt(2) .. 4 sqrt(2) from 0. */
static struct spinal_graph *quadrants(uint64_t gen)
{
	struct spinal_gmodel *m = spinal_gm_create(64);
	struct spinal_graph *g;

	assert_non_null(m);
	assert_int_equal(spinal_gm_node_add(m, 1, 1, 1, 1, 0), 0);    /* NE, d = 1.41 */
	assert_int_equal(spinal_gm_node_add(m, 2, 1, -2, 2, 0), 0);   /* NW, d = 2.83 */
	assert_int_equal(spinal_gm_node_add(m, 3, 1, -3, -3, 0), 0);  /* SW, d = 4.24 */
	assert_int_equal(spinal_gm_node_add(m, 4, 1, 4, -4, 0), 0);   /* SE, d = 5.66 */
	assert_int_equal(spinal_gm_edge_add(m, 1, 2, 0, 1), 0);
	assert_int_equal(spinal_gm_edge_add(m, 2, 3, 0, 1), 0);
	assert_int_equal(spinal_gm_edge_add(m, 1, 4, 0, 1), 0);       /* side branch */
	assert_int_equal(spinal_gm_set_goal(m, 3), 0);
	g = spinal_graph_build(m, gen);
	assert_non_null(g);
	spinal_gm_destroy(m);
	return g;
}

static void init(struct sfs *s, unsigned int k, int cache)
{
	struct sfs_cfg c;

	sfs_defaults(&c);
	c.k = k;
	c.cache = cache;
	c.range = 10.0f;
	assert_int_equal(sfs_init(s, &c), 0);
}

static void test_bearings_every_quadrant(void **st)
{
	struct spinal_graph *g = quadrants(1);
	const float r2 = (float)M_SQRT1_2;
	struct sfs s;
	struct sfs_out o;

	(void)st;
	init(&s, 8, 0);
	/* heading 0: bearings 45, 135, -135, -45 degrees, nearest first */
	assert_int_equal(sfs_compute(&s, g, 0, 0, 0, 0.5f, 0.25f, 0, 0, &o), 0);
	assert_int_equal(o.n, 40);
	assert_float_equal(o.f[0], r2, EPS);
	assert_float_equal(o.f[1], r2, EPS);
	assert_float_equal(o.f[2], sqrtf(2) / 10, EPS);
	assert_float_equal(o.f[4], -r2, EPS);
	assert_float_equal(o.f[5], r2, EPS);
	assert_float_equal(o.f[8], -r2, EPS);
	assert_float_equal(o.f[9], -r2, EPS);
	assert_float_equal(o.f[12], r2, EPS);
	assert_float_equal(o.f[13], -r2, EPS);
	assert_float_equal(o.f[14], sqrtf(32) / 10, EPS);
	/* heading +90 degrees: the NE node is now 45 degrees to the right */
	assert_int_equal(sfs_compute(&s, g, 0, 0, (float)M_PI_2, 0, 0, 0, 0, &o), 0);
	assert_float_equal(o.f[0], r2, EPS);
	assert_float_equal(o.f[1], -r2, EPS);
	/* heading 180: NE node behind-right: cos -r2, sin -r2 */
	assert_int_equal(sfs_compute(&s, g, 0, 0, (float)M_PI, 0, 0, 0, 0, &o), 0);
	assert_float_equal(o.f[0], -r2, EPS);
	assert_float_equal(o.f[1], -r2, EPS);
	/* own velocity normalised (v_scale 1, omega_scale 2) */
	assert_int_equal(sfs_compute(&s, g, 0, 0, 0, 0.5f, 0.25f, 0, 0, &o), 0);
	assert_float_equal(o.f[32 + SFS_OWN_V], 0.5, EPS);
	assert_float_equal(o.f[32 + SFS_OWN_OMEGA], 0.125, EPS);
	spinal_graph_free(g, 0);
}

static void test_on_path_waypoint_goal(void **st)
{
	struct spinal_graph *g = quadrants(1);
	struct sfs s;
	struct sfs_out o;

	(void)st;
	init(&s, 4, 0);
	/* nearest = node 1, path 1 -> 2 -> 3 (goal); node 4 is a side branch */
	assert_int_equal(sfs_compute(&s, g, 0, 0, 0, 0, 0, 99, 99, &o), 0);
	assert_int_equal(o.nearest_id, 1);
	assert_float_equal(o.f[3], 1, 0);   /* node 1 */
	assert_float_equal(o.f[7], 1, 0);   /* node 2 */
	assert_float_equal(o.f[11], 1, 0);  /* node 3, the goal */
	assert_float_equal(o.f[15], 0, 0);  /* node 4 */
	assert_float_equal(o.wp_x, -2, EPS); /* waypoint: next hop of 1 = node 2 */
	assert_float_equal(o.wp_y, 2, EPS);
	/* the graph's goal overrides the point goal */
	assert_float_equal(o.goal_x, -3, EPS);
	assert_int_equal(o.goal_node, 3);
	assert_float_equal(o.goal_dist, sqrtf(18), 1e-4);
	assert_float_equal(o.f[16 + SFS_GOAL_COS], -M_SQRT1_2, EPS);
	assert_float_equal(o.f[16 + SFS_GOAL_SIN], -M_SQRT1_2, EPS);
	assert_float_equal(o.f[16 + SFS_GOAL_DIST], sqrtf(18) / 20, EPS);
	spinal_graph_free(g, 0);
}

static void test_fewer_than_k_and_empty(void **st)
{
	struct spinal_graph *g = quadrants(1);
	struct sfs s;
	struct sfs_out o;
	unsigned int i;

	(void)st;
	init(&s, 8, 0);
	assert_int_equal(sfs_compute(&s, g, 0, 0, 0, 0, 0, 0, 0, &o), 0);
	for (i = 4; i < 8; i++) {
		assert_float_equal(o.f[4 * i + 0], 0, 0);
		assert_float_equal(o.f[4 * i + 1], 0, 0);
		assert_float_equal(o.f[4 * i + 2], 1, 0);
		assert_float_equal(o.f[4 * i + 3], 0, 0);
	}
	spinal_graph_free(g, 0);
	/* no graph at all: every neighbour missing, waypoint = point goal */
	assert_int_equal(sfs_compute(&s, NULL, 1, 1, 0, 0, 0, 1, 4, &o), 0);
	assert_int_equal(o.nearest, SPINAL_NODE_NONE);
	for (i = 0; i < 8; i++)
		assert_float_equal(o.f[4 * i + 2], 1, 0);
	assert_float_equal(o.f[32 + SFS_WP_COS], 0, EPS);
	assert_float_equal(o.f[32 + SFS_WP_SIN], 1, EPS);
	assert_float_equal(o.goal_dist, 3, EPS);
	/* far away: distances clamp to 1 */
	assert_int_equal(sfs_compute(&s, NULL, 0, 0, 0, 0, 0, 1000, 0, &o), 0);
	assert_float_equal(o.f[32 + SFS_GOAL_DIST], 1, 0);
	/* a non-finite pose is refused */
	assert_int_equal(sfs_compute(&s, NULL, NAN, 0, 0, 0, 0, 0, 0, &o), -EINVAL);
	assert_int_equal(o.n, 0);
}

static void test_cache_hits_and_invalidation(void **st)
{
	struct spinal_graph *g1 = quadrants(1), *g2 = quadrants(2);
	struct sfs s, ref;
	struct sfs_out o, o2;

	(void)st;
	init(&s, 8, 1);
	assert_int_equal(sfs_compute(&s, g1, 0.02f, 0.03f, 0.01f, 0, 0, 0, 0, &o), 0);
	assert_int_equal(o.hit, 0);
	/* same 10 cm / 5 degree cell: hit, identical spatial features */
	assert_int_equal(sfs_compute(&s, g1, 0.07f, 0.08f, 0.02f, 0.3f, 0, 0, 0, &o2), 0);
	assert_int_equal(o2.hit, 1);
	assert_memory_equal(o.f, o2.f, 32 * sizeof(float));
	assert_float_equal(o2.f[32 + SFS_OWN_V], 0.3, EPS); /* velocity always fresh */
	/* a hit equals a fresh miss at the same pose (history-independent) */
	init(&ref, 8, 1);
	assert_int_equal(sfs_compute(&ref, g1, 0.07f, 0.08f, 0.02f, 0.3f, 0, 0, 0, &o), 0);
	assert_int_equal(o.hit, 0);
	assert_memory_equal(o.f, o2.f, 40 * sizeof(float));
	/* new snapshot generation: miss */
	assert_int_equal(sfs_compute(&s, g2, 0.07f, 0.08f, 0.02f, 0, 0, 0, 0, &o2), 0);
	assert_int_equal(o2.hit, 0);
	/* new goal point: miss; next cell: miss; turning 5 degrees: miss */
	assert_int_equal(sfs_compute(&s, g2, 0.07f, 0.08f, 0.02f, 0, 0, 1, 0, &o2), 0);
	assert_int_equal(o2.hit, 0);
	assert_int_equal(sfs_compute(&s, g2, 0.12f, 0.08f, 0.02f, 0, 0, 1, 0, &o2), 0);
	assert_int_equal(o2.hit, 0);
	assert_int_equal(sfs_compute(&s, g2, 0.12f, 0.08f, 0.12f, 0, 0, 1, 0, &o2), 0);
	assert_int_equal(o2.hit, 0);
	assert_int_equal(s.hits, 1);
	assert_int_equal(s.misses, 5);
	spinal_graph_free(g1, 0);
	spinal_graph_free(g2, 0);
}

static void test_model_size_check(void **st)
{
	struct sfs_cfg c;
	char err[256];

	(void)st;
	sfs_defaults(&c);
	assert_int_equal(sfs_check_model_inputs(&c, 40, err, sizeof(err)), 0);
	assert_int_equal(sfs_check_model_inputs(&c, 24, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "expects 24 inputs but SFS produces 40"));
	c.k = 0;
	assert_int_equal(sfs_init(&(struct sfs){ 0 }, &c), -EINVAL);
	c.k = 17;
	assert_int_equal(sfs_init(&(struct sfs){ 0 }, &c), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bearings_every_quadrant),
		cmocka_unit_test(test_on_path_waypoint_goal),
		cmocka_unit_test(test_fewer_than_k_and_empty),
		cmocka_unit_test(test_cache_hits_and_invalidation),
		cmocka_unit_test(test_model_size_check),
	};
	return cmocka_run_group_tests_name("sfs", tests, NULL, NULL);
}
