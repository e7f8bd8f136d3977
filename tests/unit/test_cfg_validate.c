// SPDX-License-Identifier: MIT
/* Unit tests: every rejection path of the config message and blob validators. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rtcore/cfg_validate.h"
#include "graph_testutil.h"

#define REJ(r) SPINAL_CFG_REJECT(SPINAL_CFG_REJ_##r)
#define STAGING 4096

static int v(const struct spinal_cfg_msg *m)
{
	return spinal_cfg_validate_msg(m, 10, STAGING, NULL);
}

static struct spinal_cfg_msg node_msg(uint32_t type, uint32_t id, uint32_t flags, float x, float y)
{
	struct spinal_cfg_node n = { id, flags, x, y };

	return tu_msg(type, 11, &n, sizeof(n));
}

static struct spinal_cfg_msg edge_msg(uint32_t type, uint32_t a, uint32_t b, float c)
{
	struct spinal_cfg_edge e = { a, b, c, 0 };

	return tu_msg(type, 11, &e, sizeof(e));
}

static void test_header(void **state)
{
	struct spinal_cfg_msg m = tu_msg(SPINAL_CFG_NOP, 11, NULL, 0);

	(void)state;
	assert_int_equal(v(&m), 0);
	m.magic = 0;
	assert_int_equal(v(&m), REJ(TYPE));
	m = tu_msg(SPINAL_CFG_TYPE_COUNT, 11, NULL, 0);
	assert_int_equal(v(&m), REJ(TYPE));
	m = tu_msg(0xffffffffu, 11, NULL, 0);
	assert_int_equal(v(&m), REJ(TYPE));
	m = tu_msg(SPINAL_CFG_NOP, 11, NULL, 0);
	m.len = SPINAL_CFG_PAYLOAD_MAX + 1;
	assert_int_equal(v(&m), REJ(LEN));
	m.len = 4;
	assert_int_equal(v(&m), REJ(LEN));
	m = tu_msg(SPINAL_CFG_NOP, 10, NULL, 0);
	assert_int_equal(v(&m), REJ(SEQ));
	m.seq = 0;
	assert_int_equal(v(&m), REJ(SEQ));
	m = tu_msg(SPINAL_CFG_NOP, 11, NULL, 0);
	m.reserved = 1;
	assert_int_equal(v(&m), REJ(RESERVED));
	m = tu_msg(SPINAL_CFG_NOP, 11, NULL, 0);
	m.flags = 1;
	assert_int_equal(v(&m), REJ(RESERVED));
	m = tu_msg(SPINAL_CFG_ESTOP_SET, 11, NULL, 0);
	assert_int_equal(v(&m), 0);
	m.len = 8;
	assert_int_equal(v(&m), REJ(LEN));
}

static void test_nodes(void **state)
{
	struct spinal_cfg_msg m;

	(void)state;
	m = node_msg(SPINAL_CFG_NODE_ADD, 1, SPINAL_NODE_F_DOOR, 1.5f, -2.0f);
	assert_int_equal(v(&m), 0);
	m.len = 12;
	assert_int_equal(v(&m), REJ(LEN));
	m = node_msg(SPINAL_CFG_NODE_ADD, SPINAL_NODE_ID_MAX + 1, 0, 0, 0);
	assert_int_equal(v(&m), REJ(ID));
	m = node_msg(SPINAL_CFG_NODE_MOVE, SPINAL_NODE_NONE, 0, 0, 0);
	assert_int_equal(v(&m), REJ(ID));
	m = node_msg(SPINAL_CFG_NODE_ADD, 1, 0, NAN, 0);
	assert_int_equal(v(&m), REJ(NOT_FINITE));
	m = node_msg(SPINAL_CFG_NODE_MOVE, 1, 0, 0, -INFINITY);
	assert_int_equal(v(&m), REJ(NOT_FINITE));
	m = node_msg(SPINAL_CFG_NODE_ADD, 1, 0, 2e6f, 0);
	assert_int_equal(v(&m), REJ(RANGE));
	m = node_msg(SPINAL_CFG_NODE_ADD, 1, 0x100, 0, 0);
	assert_int_equal(v(&m), REJ(RANGE));
}

static void test_refs(void **state)
{
	struct spinal_cfg_node_ref r = { 5, 0 };
	struct spinal_cfg_msg m;

	(void)state;
	m = tu_msg(SPINAL_CFG_NODE_REMOVE, 11, &r, sizeof(r));
	assert_int_equal(v(&m), 0);
	m.len = 4;
	assert_int_equal(v(&m), REJ(LEN));
	r.reserved = 1;
	m = tu_msg(SPINAL_CFG_SET_GOAL, 11, &r, sizeof(r));
	assert_int_equal(v(&m), REJ(RESERVED));
	r = (struct spinal_cfg_node_ref){ SPINAL_NODE_NONE, 0 };
	m = tu_msg(SPINAL_CFG_SET_GOAL, 11, &r, sizeof(r));
	assert_int_equal(v(&m), 0); /* clear the goal */
	m = tu_msg(SPINAL_CFG_NODE_REMOVE, 11, &r, sizeof(r));
	assert_int_equal(v(&m), REJ(ID));
}

static void test_edges(void **state)
{
	struct spinal_cfg_msg m;
	struct spinal_cfg_edge e = { 1, 2, 1.0f, 7 };

	(void)state;
	m = edge_msg(SPINAL_CFG_EDGE_ADD, 1, 2, 0);
	m.flags = SPINAL_EDGE_F_BIDIR;
	assert_int_equal(v(&m), 0);
	m.flags = 2;
	assert_int_equal(v(&m), REJ(RANGE));
	m = edge_msg(SPINAL_CFG_EDGE_ADD, 1, 2, NAN);
	assert_int_equal(v(&m), REJ(NOT_FINITE));
	m = edge_msg(SPINAL_CFG_EDGE_ADD, 1, 2, -1.0f);
	assert_int_equal(v(&m), REJ(RANGE));
	m = edge_msg(SPINAL_CFG_EDGE_ADD, 1, 2, 2e9f);
	assert_int_equal(v(&m), REJ(RANGE));
	m = edge_msg(SPINAL_CFG_EDGE_ADD, 3, 3, 1.0f);
	assert_int_equal(v(&m), REJ(EXISTS));
	m = edge_msg(SPINAL_CFG_EDGE_ADD, 3, SPINAL_NODE_ID_MAX + 5, 1.0f);
	assert_int_equal(v(&m), REJ(ID));
	m = edge_msg(SPINAL_CFG_EDGE_REMOVE, 1, 2, 1.0f);
	assert_int_equal(v(&m), REJ(RANGE));
	m = edge_msg(SPINAL_CFG_EDGE_REMOVE, 1, 2, NAN);
	assert_int_equal(v(&m), REJ(NOT_FINITE));
	m = edge_msg(SPINAL_CFG_EDGE_REMOVE, 1, 2, 0);
	assert_int_equal(v(&m), 0);
	m = tu_msg(SPINAL_CFG_EDGE_ADD, 11, &e, sizeof(e));
	assert_int_equal(v(&m), REJ(RESERVED));
	m.len = 20;
	assert_int_equal(v(&m), REJ(LEN));
}

static void test_prune_commit_params(void **state)
{
	struct spinal_cfg_prune p = { 100, 0 };
	struct spinal_cfg_commit c = { 0, 64, 0, 0 };
	struct spinal_cfg_params pa = { 1, 3, { 1.0f, 2.0f, 3.0f } };
	struct spinal_cfg_msg m;

	(void)state;
	m = tu_msg(SPINAL_CFG_PRUNE, 11, &p, sizeof(p));
	assert_int_equal(v(&m), 0);
	p.max_nodes = 0;
	m = tu_msg(SPINAL_CFG_PRUNE, 11, &p, sizeof(p));
	assert_int_equal(v(&m), REJ(RANGE));
	p.max_nodes = SPINAL_GRAPH_MAX_NODES + 1;
	m = tu_msg(SPINAL_CFG_PRUNE, 11, &p, sizeof(p));
	assert_int_equal(v(&m), REJ(RANGE));
	p = (struct spinal_cfg_prune){ 5, 1 };
	m = tu_msg(SPINAL_CFG_PRUNE, 11, &p, sizeof(p));
	assert_int_equal(v(&m), REJ(RESERVED));

	m = tu_msg(SPINAL_CFG_GRAPH_COMMIT, 11, &c, sizeof(c));
	assert_int_equal(v(&m), 0);
	c.off = 4;
	m = tu_msg(SPINAL_CFG_GRAPH_COMMIT, 11, &c, sizeof(c));
	assert_int_equal(v(&m), REJ(STAGING));
	c = (struct spinal_cfg_commit){ STAGING - 8, 64, 0, 0 };
	m = tu_msg(SPINAL_CFG_GRAPH_COMMIT, 11, &c, sizeof(c));
	assert_int_equal(v(&m), REJ(STAGING));
	c = (struct spinal_cfg_commit){ 8, UINT64_MAX - 4, 0, 0 }; /* wrap-around */
	m = tu_msg(SPINAL_CFG_GRAPH_COMMIT, 11, &c, sizeof(c));
	assert_int_equal(v(&m), REJ(STAGING));
	c = (struct spinal_cfg_commit){ UINT64_MAX & ~7ull, 64, 0, 0 };
	m = tu_msg(SPINAL_CFG_MODEL_COMMIT, 11, &c, sizeof(c));
	assert_int_equal(v(&m), REJ(STAGING));
	c = (struct spinal_cfg_commit){ 0, 16, 0, 0 }; /* smaller than a blob header */
	m = tu_msg(SPINAL_CFG_GRAPH_COMMIT, 11, &c, sizeof(c));
	assert_int_equal(v(&m), REJ(STAGING));
	m.len = 24;
	assert_int_equal(v(&m), REJ(LEN));

	m = tu_msg(SPINAL_CFG_PARAMS_SET, 11, &pa, 8 + 12);
	assert_int_equal(v(&m), 0);
	m.len = 8 + 8;
	assert_int_equal(v(&m), REJ(LEN));
	m.len = 4;
	assert_int_equal(v(&m), REJ(LEN));
	pa.value[1] = NAN;
	m = tu_msg(SPINAL_CFG_PARAMS_SET, 11, &pa, 8 + 12);
	assert_int_equal(v(&m), REJ(NOT_FINITE));
	pa.count = 1000;
	m = tu_msg(SPINAL_CFG_PARAMS_SET, 11, &pa, 8);
	assert_int_equal(v(&m), REJ(CAPACITY));
}

/* Issue 12 item 2: the sequence window.  No single seq (2^64-1 included) is
 * accepted far above the base, so none can wedge the ring. */
static void test_seq_window(void **state)
{
	struct spinal_cfg_msg m = tu_msg(SPINAL_CFG_NOP, 0, NULL, 0);
	struct spinal_cfg_why why;
	uint64_t base;

	(void)state;
	assert_true(spinal_cfg_seq_in_window(1, 0));
	assert_true(spinal_cfg_seq_in_window(SPINAL_CFG_SEQ_WINDOW, 0));
	assert_false(spinal_cfg_seq_in_window(SPINAL_CFG_SEQ_WINDOW + 1, 0));
	assert_false(spinal_cfg_seq_in_window(0, 0));
	assert_false(spinal_cfg_seq_in_window(UINT64_MAX, 0));
	assert_false(spinal_cfg_seq_in_window(UINT64_MAX, 5));
	assert_false(spinal_cfg_seq_in_window(5, 5));
	assert_false(spinal_cfg_seq_in_window(4, 5));
	/* near the top of the number space: no wrap-around */
	base = UINT64_MAX - 3;
	assert_true(spinal_cfg_seq_in_window(UINT64_MAX, base));
	assert_false(spinal_cfg_seq_in_window(2, base));
	for (base = 0; base < 3 * SPINAL_CFG_SEQ_WINDOW; base += 4093) {
		m.seq = base + 1;
		assert_int_equal(spinal_cfg_validate_msg(&m, base, STAGING, NULL), 0);
		m.seq = base + SPINAL_CFG_SEQ_WINDOW;
		assert_int_equal(spinal_cfg_validate_msg(&m, base, STAGING, NULL), 0);
		m.seq = base + SPINAL_CFG_SEQ_WINDOW + 1;
		assert_int_equal(spinal_cfg_validate_msg(&m, base, STAGING, NULL), REJ(SEQ));
		m.seq = UINT64_MAX;
		assert_int_equal(spinal_cfg_validate_msg(&m, base, STAGING, NULL), REJ(SEQ));
	}
	/* the verdict names the numbers */
	memset(&why, 0, sizeof(why));
	m.seq = UINT64_MAX;
	assert_int_equal(spinal_cfg_validate_msg(&m, 41, STAGING, &why), REJ(SEQ));
	assert_int_equal(why.detail, SPINAL_CFG_D_SEQ);
	assert_true(why.value == (double)UINT64_MAX);
	assert_true(why.limit == 41.0);
	assert_non_null(strstr(why.text, "outside (41, 65577]"));
	/* the seq is judged first: a bad slot with a bad seq is a seq rejection */
	memset(&m, 0, sizeof(m));
	assert_int_equal(spinal_cfg_validate_msg(&m, 0, STAGING, NULL), REJ(SEQ));
}

/* Every rejection says which number broke which rule. */
static void test_why(void **state)
{
	struct spinal_cfg_commit c = { 8, 1u << 20, 0, 0 };
	struct spinal_cfg_params pa = { 1, 3, { 1.0f, NAN, 3.0f } };
	struct spinal_cfg_msg m;
	struct spinal_cfg_why why;

	(void)state;
	memset(&why, 0, sizeof(why));
	m = tu_msg(SPINAL_CFG_MODEL_COMMIT, 11, &c, sizeof(c));
	assert_int_equal(spinal_cfg_validate_msg(&m, 10, STAGING, &why), REJ(STAGING));
	assert_int_equal(why.detail, SPINAL_CFG_D_STAGING);
	assert_true(why.value == 8.0 + (1u << 20) && why.limit == STAGING);
	memset(&why, 0, sizeof(why));
	m = tu_msg(SPINAL_CFG_PARAMS_SET, 11, &pa, 8 + 12);
	assert_int_equal(spinal_cfg_validate_msg(&m, 10, STAGING, &why), REJ(NOT_FINITE));
	assert_int_equal(why.detail, SPINAL_CFG_D_PARAM_NOT_FINITE);
	assert_int_equal(why.index, 1);
	memset(&why, 0, sizeof(why));
	m = tu_msg(SPINAL_CFG_ESTOP_SET, 11, &pa, 4);
	assert_int_equal(spinal_cfg_validate_msg(&m, 10, STAGING, &why), REJ(LEN));
	assert_int_equal(why.detail, SPINAL_CFG_D_LEN);
	assert_true(why.value == 4 && why.limit == 0);
	memset(&why, 0, sizeof(why));
	m = tu_msg(SPINAL_CFG_NOP, 11, NULL, 0);
	m.magic = 7;
	assert_int_equal(spinal_cfg_validate_msg(&m, 10, STAGING, &why), REJ(TYPE));
	assert_int_equal(why.detail, SPINAL_CFG_D_MAGIC);
	/* the first explanation wins */
	spinal_cfg_why_set(&why, SPINAL_CFG_D_SEQ, 0, 1, 2, "later");
	assert_int_equal(why.detail, SPINAL_CFG_D_MAGIC);
	spinal_cfg_why_set(NULL, SPINAL_CFG_D_SEQ, 0, 1, 2, "no-op");
}

static unsigned char *good_blob(size_t *len)
{
	struct spinal_gmodel *m = tu_random_model(9, 20, 2, 10.0f);
	unsigned char *b = tu_blob_from_model(m, len);

	spinal_gm_destroy(m);
	return b;
}

static int vb(unsigned char *b, size_t len, size_t off, const void *val, size_t sz)
{
	unsigned char *c = malloc(len);
	int rc;

	memcpy(c, b, len);
	memcpy(c + off, val, sz);
	rc = spinal_cfg_validate_graph_blob(c, len, 1000);
	free(c);
	return rc;
}

static void test_blob(void **state)
{
	size_t len;
	unsigned char *b = good_blob(&len);
	struct spinal_graph_blob_hdr h;
	uint32_t u32;
	uint64_t u64;
	float f;

	(void)state;
	memcpy(&h, b, sizeof(h));
	assert_int_equal(spinal_cfg_validate_graph_blob(b, len, 1000), 0);
	assert_int_equal(spinal_cfg_validate_graph_blob(b, 32, 1000), REJ(BLOB));
	assert_int_equal(spinal_cfg_validate_graph_blob(b, len - 8, 1000), REJ(BLOB)); /* total_len */
	assert_int_equal(spinal_cfg_validate_graph_blob(b, len, 10), REJ(CAPACITY));
	u32 = 0;
	assert_int_equal(vb(b, len, offsetof(struct spinal_graph_blob_hdr, magic), &u32, 4), REJ(BLOB));
	u32 = 0xffff;
	assert_int_equal(vb(b, len, offsetof(struct spinal_graph_blob_hdr, version), &u32, 2), REJ(BLOB));
	assert_int_equal(vb(b, len, offsetof(struct spinal_graph_blob_hdr, hdr_size), &u32, 2), REJ(BLOB));
	u32 = 1;
	assert_int_equal(vb(b, len, offsetof(struct spinal_graph_blob_hdr, reserved0), &u32, 4), REJ(RESERVED));
	u32 = 0xfffffff0u;
	assert_int_equal(vb(b, len, offsetof(struct spinal_graph_blob_hdr, nnodes), &u32, 4), REJ(CAPACITY));
	u32 = h.nnodes * SPINAL_GRAPH_MAX_DEGREE + 1;
	assert_int_equal(vb(b, len, offsetof(struct spinal_graph_blob_hdr, nedges), &u32, 4), REJ(CAPACITY));
	u32 = h.nedges + 1; /* one more edge than fits */
	assert_int_equal(vb(b, len, offsetof(struct spinal_graph_blob_hdr, nedges), &u32, 4), REJ(BLOB));
	u32 = SPINAL_NODE_ID_MAX + 1;
	assert_int_equal(vb(b, len, offsetof(struct spinal_graph_blob_hdr, goal_id), &u32, 4), REJ(ID));
	u64 = 12;
	assert_int_equal(vb(b, len, offsetof(struct spinal_graph_blob_hdr, nodes_off), &u64, 8), REJ(BLOB));
	u64 = UINT64_MAX & ~7ull;
	assert_int_equal(vb(b, len, offsetof(struct spinal_graph_blob_hdr, edges_off), &u64, 8), REJ(BLOB));
	u64 = h.nodes_off + 24; /* edges overlap the node array */
	assert_int_equal(vb(b, len, offsetof(struct spinal_graph_blob_hdr, edges_off), &u64, 8), REJ(BLOB));
	f = NAN;
	assert_int_equal(vb(b, len, h.nodes_off + 3 * 24 + 8, &f, 4), REJ(NOT_FINITE));
	f = 5e6f;
	assert_int_equal(vb(b, len, h.nodes_off + 3 * 24 + 12, &f, 4), REJ(RANGE));
	u32 = 1;
	assert_int_equal(vb(b, len, h.nodes_off + 3 * 24 + 20, &u32, 4), REJ(RESERVED));
	u32 = SPINAL_NODE_NONE;
	assert_int_equal(vb(b, len, h.nodes_off + 3 * 24, &u32, 4), REJ(ID));
	f = -2.0f;
	assert_int_equal(vb(b, len, h.edges_off + 16 + 8, &f, 4), REJ(RANGE));
	f = INFINITY;
	assert_int_equal(vb(b, len, h.edges_off + 16 + 8, &f, 4), REJ(NOT_FINITE));
	u32 = 9;
	assert_int_equal(vb(b, len, h.edges_off + 16 + 12, &u32, 4), REJ(RESERVED));
	free(b);
}

static void test_names(void **state)
{
	unsigned int i;

	(void)state;
	for (i = 0; i < SPINAL_CFG_REJ_COUNT; i++)
		assert_string_not_equal(spinal_cfg_reject_name(i), "?");
	assert_string_equal(spinal_cfg_reject_name(SPINAL_CFG_REJ_COUNT), "?");
	for (i = 0; i < SPINAL_CFG_TYPE_COUNT; i++)
		assert_string_not_equal(spinal_cfg_type_name(i), "?");
	for (i = 0; i < SPINAL_CFG_D_COUNT; i++)
		assert_string_not_equal(spinal_cfg_detail_name(i), "?");
	assert_string_equal(spinal_cfg_detail_name(SPINAL_CFG_D_COUNT), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_nodes),
		cmocka_unit_test(test_refs),
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_prune_commit_params),
		cmocka_unit_test(test_blob),
		cmocka_unit_test(test_seq_window),
		cmocka_unit_test(test_why),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests_name("cfg_validate", tests, NULL, NULL);
}
