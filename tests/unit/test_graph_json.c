// SPDX-License-Identifier: MIT
/* Unit tests: JSON graph loader (errors with file:line and field), the
 * agent-side sender, and the default map end to end through the updater:
 * the next-hop table leads from every node to the goal. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "rtcore/graph.h"
#include "rtcore/graph_edit.h"
#include "userspace/cfgsend.h"
#include "userspace/graph_json.h"
#include "updater_fixture.h"

#ifndef FLOOR_JSON
#define FLOOR_JSON "data/maps/floor.json"
#endif

static char err[512];

static int parse(const char *text, void **blob, size_t *len)
{
	err[0] = 0;
	return spinal_graph_json_parse(text, strlen(text), "t.json", blob, len, err, sizeof(err));
}

static void expect_err(const char *text, const char *want)
{
	void *blob = NULL;
	size_t len;

	assert_int_equal(parse(text, &blob, &len), -1);
	assert_null(blob);
	if (!strstr(err, want)) {
		print_error("got \"%s\", want \"%s\"\n", err, want);
		fail();
	}
}

static void test_good_small(void **state)
{
	const char *t = "{\"version\": 1, \"goal\": 5,\n"
			"\"nodes\": [{\"id\": 5, \"x\": 0, \"y\": 0, \"flags\": [\"door\", \"dock\"]},\n"
			"  {\"id\": 9, \"x\": 3.5, \"y\": -1e3, \"visits\": 4}],\n"
			"\"edges\": [{\"from\": 5, \"to\": 9, \"cost\": 2.5},\n"
			"  {\"from\": 9, \"to\": 5, \"bidirectional\": false}]}";
	void *blob;
	size_t len;
	struct spinal_gmodel *m;
	struct spinal_graph_blob_hdr h;

	(void)state;
	assert_int_equal(parse(t, &blob, &len), -1); /* 9->5 twice: duplicate */
	assert_non_null(strstr(err, "t.json:5: edges[1]: duplicate edge 9 -> 5"));
	t = "{\"version\": 1, \"goal\": 5,\n"
	    "\"nodes\": [{\"id\": 5, \"x\": 0, \"y\": 0, \"flags\": [\"door\", \"dock\"]},\n"
	    "  {\"id\": 9, \"x\": 3.5, \"y\": -1e3, \"visits\": 4}],\n"
	    "\"edges\": [{\"from\": 5, \"to\": 9, \"cost\": 2.5, \"bidirectional\": false}]}";
	assert_int_equal(parse(t, &blob, &len), 0);
	memcpy(&h, blob, sizeof(h));
	assert_int_equal(h.nnodes, 2);
	assert_int_equal(h.nedges, 1);
	assert_int_equal(h.goal_id, 5);
	assert_int_equal(spinal_gm_from_blob(blob, len, 10, &m), 0);
	assert_int_equal(m->nodes[spinal_gm_find(m, 5)].flags, SPINAL_NODE_F_DOOR | SPINAL_NODE_F_DOCK);
	assert_int_equal(m->nodes[spinal_gm_find(m, 9)].visits, 4);
	spinal_gm_destroy(m);
	free(blob);
}

static void test_errors(void **state)
{
	(void)state;
	expect_err("{\"version\": 1,\n \"nodes\": [\n  {\"id\": 1, \"x\": 0, \"y\": 0},\n  {\"id\": 2 \"x\": 1}]}",
		   "t.json:4: JSON syntax error");
	expect_err("[]", "top level must be an object");
	expect_err("{\"version\": 2, \"nodes\": []}", "version: must be 1");
	expect_err("{\"version\": 1}", "nodes: missing");
	expect_err("{\"version\": 1, \"nodez\": []}", "nodez: unknown key");
	expect_err("{\"version\": 1, \"nodes\": [\n{\"id\": 1, \"x\": 0, \"y\": 0},\n{\"id\": 2,\n \"x\": 1e7, \"y\": 0}]}",
		   "t.json:4: nodes[1].x: must be a finite number");
	expect_err("{\"version\": 1, \"nodes\": [\n{\"id\": 1, \"x\": 0, \"y\": \"a\"}]}",
		   "t.json:2: nodes[0].y: must be a number");
	expect_err("{\"version\": 1, \"nodes\": [{\"id\": -1, \"x\": 0, \"y\": 0}]}",
		   "nodes[0].id: node id out of range");
	expect_err("{\"version\": 1, \"nodes\": [{\"id\": 1, \"x\": 0}]}", "nodes[0].y: missing");
	expect_err("{\"version\": 1, \"nodes\": [{\"id\": 1, \"x\": 0, \"y\": 0, \"colour\": 1}]}",
		   "nodes[0].colour: unknown key");
	expect_err("{\"version\": 1, \"nodes\": [{\"id\": 1, \"x\": 0, \"y\": 0, \"flags\": [\"lift\"]}]}",
		   "unknown flag \"lift\"");
	expect_err("{\"version\": 1, \"nodes\": [{\"id\": 1, \"x\": 0, \"y\": 0},\n{\"id\": 1, \"x\": 1, \"y\": 0}]}",
		   "t.json:2: nodes[1].id: duplicate id 1");
	expect_err("{\"version\": 1, \"nodes\": [{\"id\": 1, \"x\": 0, \"y\": 0}],\n\"edges\": [\n{\"from\": 1,\n \"to\": 3}]}",
		   "t.json:4: edges[0].to: no node with id 3");
	expect_err("{\"version\": 1, \"nodes\": [{\"id\": 1, \"x\": 0, \"y\": 0}], \"edges\": [{\"from\": 1, \"to\": 1}]}",
		   "self loop");
	expect_err("{\"version\": 1, \"nodes\": [{\"id\": 1, \"x\": 0, \"y\": 0}, {\"id\": 2, \"x\": 0, \"y\": 0}], \"edges\": [{\"from\": 1, \"to\": 2, \"cost\": -1}]}",
		   "edges[0].cost: must be a finite number");
	expect_err("{\"version\": 1, \"nodes\": [{\"id\": 1, \"x\": 0, \"y\": 0}, {\"id\": 2, \"x\": 0, \"y\": 0}], \"edges\": [{\"from\": 1, \"to\": 2, \"bidirectional\": 1}]}",
		   "edges[0].bidirectional: must be true or false");
	expect_err("{\"version\": 1, \"goal\": 7, \"nodes\": [{\"id\": 1, \"x\": 0, \"y\": 0}]}",
		   "goal: must be the id of a node");
}

static void test_load_missing_file(void **state)
{
	void *blob;
	size_t len;

	(void)state;
	assert_int_equal(spinal_graph_json_load("/nonexistent/x.json", &blob, &len, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot open graph file"));
}

/* The shipped map, sent by the agent-side sender through the updater. */
static void test_floor_end_to_end(void **state)
{
	struct fx f;
	struct spinal_updater_cfg c;
	struct spinal_cfgsend *s;
	const struct spinal_graph *g;
	void *blob;
	size_t len;
	uint32_t i;

	(void)state;
	if (spinal_graph_json_load(FLOOR_JSON, &blob, &len, err, sizeof(err))) {
		print_error("%s\n", err);
		fail();
	}
	fx_init(&f);
	c = fx_cfg(&f);
	spinal_rcu_register();
	f.u = spinal_updater_start(&c);
	assert_non_null(f.u);
	s = spinal_cfgsend_create(&f.p, f.staging, FX_STAGING, 0);
	assert_non_null(s);
	assert_int_equal(spinal_cfgsend_blob(s, SPINAL_CFG_GRAPH_COMMIT, blob, FX_STAGING + 1, 0), -E2BIG);
	assert_int_equal(spinal_cfgsend_blob(s, SPINAL_CFG_GRAPH_COMMIT, blob, len, 1), 1);
	assert_int_equal(fx_wait_counted(&f, 1), 0);
	assert_int_equal(fx_stat(&f.stats->cfg_accepted), 1);
	assert_true(spinal_cfgsend_idle(s));
	assert_int_equal(fx_wait_gen(&f, 1), 0);
	spinal_rcu_quiescent();
	g = spinal_graph_current();
	assert_true(g->nnodes >= 200 && g->nnodes <= 1000);
	assert_int_not_equal(g->goal, SPINAL_NODE_NONE);
	assert_true(spinal_graph_node(g, g->goal)->flags & SPINAL_NODE_F_DOCK);
	/* every node reaches the goal by following next hops */
	for (i = 0; i < g->nnodes; i++) {
		uint32_t v = i, steps = 0;

		while (v != g->goal && steps++ < g->nnodes)
			v = spinal_graph_next_hop(g, v);
		assert_int_equal(v, g->goal);
	}
	/* new goal from the agent */
	assert_true(spinal_cfgsend_goal(s, 0) > 0);
	assert_int_equal(fx_wait_counted(&f, 2), 0);
	assert_int_equal(fx_wait_gen(&f, 2), 0);
	spinal_rcu_quiescent();
	g = spinal_graph_current();
	assert_int_equal(g->goal_id, 0);
	spinal_cfgsend_destroy(s);
	spinal_rcu_offline();
	fx_fini(&f);
	spinal_rcu_unregister();
	free(blob);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_small),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_load_missing_file),
		cmocka_unit_test(test_floor_end_to_end),
	};

	return cmocka_run_group_tests_name("graph_json", tests, NULL, NULL);
}
