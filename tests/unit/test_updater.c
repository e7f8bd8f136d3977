// SPDX-License-Identifier: MIT
/* Unit tests: the updater thread end to end over a config ring in plain
 * memory: edits, staged graph commit, rejections by reason, sequence numbers,
 * visits, e-stop, handler table, CPU affinity of updater and call_rcu worker. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "rtcore/graph.h"
#include "rtcore/knn.h"
#include "graph_testutil.h"
#include "updater_fixture.h"

static void send_node(struct fx *f, uint32_t type, uint32_t id, float x, float y)
{
	struct spinal_cfg_node n = { id, 0, x, y };

	fx_send(f, type, &n, sizeof(n), 0);
}

static void send_edge(struct fx *f, uint32_t type, uint32_t a, uint32_t b, float c, uint32_t fl)
{
	struct spinal_cfg_edge e = { a, b, c, 0 };

	fx_send(f, type, &e, sizeof(e), fl);
}

static void send_ref(struct fx *f, uint32_t type, uint32_t id)
{
	struct spinal_cfg_node_ref r = { id, 0 };

	fx_send(f, type, &r, sizeof(r), 0);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	fx_init(f);
	*state = f;
	spinal_rcu_register();
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	spinal_rcu_offline();
	fx_fini(f);
	spinal_rcu_unregister();
	free(f);
	return 0;
}

static void test_edits_and_next_hop(void **state)
{
	struct fx *f = *state;
	struct spinal_updater_cfg c = fx_cfg(f);
	const struct spinal_graph *g;
	uint32_t a, b;
	uint64_t gen;

	f->u = spinal_updater_start(&c);
	assert_non_null(f->u);
	spinal_rcu_quiescent();
	assert_null(spinal_graph_current());
	send_node(f, SPINAL_CFG_NODE_ADD, 10, 0, 0);
	send_node(f, SPINAL_CFG_NODE_ADD, 11, 1, 0);
	send_node(f, SPINAL_CFG_NODE_ADD, 12, 2, 0);
	send_edge(f, SPINAL_CFG_EDGE_ADD, 10, 11, 0, SPINAL_EDGE_F_BIDIR);
	send_edge(f, SPINAL_CFG_EDGE_ADD, 11, 12, 0, SPINAL_EDGE_F_BIDIR);
	send_ref(f, SPINAL_CFG_SET_GOAL, 12);
	assert_int_equal(fx_wait_counted(f, 6), 0);
	assert_int_equal(fx_stat(&f->stats->cfg_accepted), 6);
	assert_int_equal(fx_wait_shape(f, 3, 4), 0);
	assert_int_equal(fx_wait_settled(f), 0);
	gen = spinal_updater_generation(f->u);
	assert_true(gen >= 1);
	spinal_rcu_quiescent();
	g = spinal_graph_current();
	assert_non_null(g);
	assert_int_equal(g->generation, gen);
	assert_int_equal(g->nnodes, 3);
	assert_int_equal(g->nedges, 4);
	a = spinal_graph_find_id(g, 10);
	b = spinal_graph_find_id(g, 11);
	assert_int_equal(spinal_graph_next_hop(g, a), b);
	assert_int_equal(fx_stat(&f->stats->graph_nodes), 3);
	assert_int_equal(fx_stat(&f->stats->graph_edges), 4);
	assert_int_equal(fx_stat(&f->stats->graph_generation), gen);
	assert_int_equal(fx_stat(&f->stats->upd_reserved[SPINAL_STATS_CFG_LAST_SEQ]), f->seq);

	/* move, remove edge, remove node: each visible in a later generation */
	send_node(f, SPINAL_CFG_NODE_MOVE, 12, 5, 5);
	send_edge(f, SPINAL_CFG_EDGE_REMOVE, 11, 12, 0, SPINAL_EDGE_F_BIDIR);
	assert_int_equal(fx_wait_counted(f, 8), 0);
	assert_int_equal(fx_wait_shape(f, 3, 2), 0);
	spinal_rcu_quiescent();
	g = spinal_graph_current();
	assert_int_equal(g->nedges, 2);
	assert_float_equal(spinal_graph_node(g, spinal_graph_find_id(g, 12))->x, 5.0f, 0);
	assert_int_equal(spinal_graph_next_hop(g, spinal_graph_find_id(g, 10)), SPINAL_NODE_NONE);
	gen = g->generation;
	send_ref(f, SPINAL_CFG_NODE_REMOVE, 12);
	assert_int_equal(fx_wait_counted(f, 9), 0);
	assert_int_equal(fx_wait_shape(f, 2, 2), 0);
	spinal_rcu_quiescent();
	g = spinal_graph_current();
	assert_int_equal(g->nnodes, 2);
	assert_int_equal(g->goal, SPINAL_NODE_NONE);
	assert_int_equal(fx_stat(&f->stats->cfg_rejected), 0);
}

static void test_rejections_by_reason(void **state)
{
	struct fx *f = *state;
	struct spinal_updater_cfg c = fx_cfg(f);
	struct spinal_cfg_msg m;
	uint64_t want[SPINAL_CFG_REJ_COUNT] = { 0 };
	uint64_t sent = 0;
	unsigned int r;

	c.max_nodes = 2;
	f->u = spinal_updater_start(&c);
	assert_non_null(f->u);
#define EXPECT(reason) (want[SPINAL_CFG_REJ_##reason]++, sent++)
	send_node(f, SPINAL_CFG_NODE_ADD, 1, 0, 0), sent++;
	send_node(f, SPINAL_CFG_NODE_ADD, 2, 1, 0), sent++;
	send_node(f, SPINAL_CFG_NODE_ADD, 3, 2, 0), EXPECT(CAPACITY);
	send_node(f, SPINAL_CFG_NODE_ADD, 1, 2, 0), EXPECT(EXISTS);
	send_node(f, SPINAL_CFG_NODE_MOVE, 7, 2, 0), EXPECT(NO_NODE);
	send_node(f, SPINAL_CFG_NODE_MOVE, 1, NAN, 0), EXPECT(NOT_FINITE);
	send_node(f, SPINAL_CFG_NODE_MOVE, 1, 3e6f, 0), EXPECT(RANGE);
	send_node(f, SPINAL_CFG_NODE_MOVE, 0x80000000u, 0, 0), EXPECT(ID);
	send_edge(f, SPINAL_CFG_EDGE_ADD, 1, 9, 0, 0), EXPECT(NO_NODE);
	send_ref(f, SPINAL_CFG_SET_GOAL, 9), EXPECT(NO_NODE);
	fx_send(f, 77, NULL, 0, 0), EXPECT(TYPE);
	fx_send(f, SPINAL_CFG_NOP, NULL, 8, 0), EXPECT(LEN);
	fx_send(f, SPINAL_CFG_NOP, NULL, 0, 4), EXPECT(RESERVED);
	fx_send(f, SPINAL_CFG_MODEL_COMMIT, &(struct spinal_cfg_commit){ 0, 64, 0, 0 },
		sizeof(struct spinal_cfg_commit), 0), EXPECT(NO_HANDLER);
	fx_send(f, SPINAL_CFG_GRAPH_COMMIT, &(struct spinal_cfg_commit){ 0, 64, 0, 0 },
		sizeof(struct spinal_cfg_commit), 0), EXPECT(CHECKSUM);
	fx_send(f, SPINAL_CFG_GRAPH_COMMIT, &(struct spinal_cfg_commit){ FX_STAGING, 64, 0, 0 },
		sizeof(struct spinal_cfg_commit), 0), EXPECT(STAGING);
	/* blob with a good checksum but garbage inside */
	memset(f->staging, 0x5a, 128);
	fx_send(f, SPINAL_CFG_GRAPH_COMMIT,
		&(struct spinal_cfg_commit){ 0, 128, spinal_fnv1a64(f->staging, 128), 0 },
		sizeof(struct spinal_cfg_commit), 0), EXPECT(BLOB);
	/* replayed and stale sequence numbers */
	fx_send(f, SPINAL_CFG_NOP, NULL, 0, 0), sent++;
	m = tu_msg(SPINAL_CFG_NOP, f->seq, NULL, 0);
	fx_put_raw(f, &m), EXPECT(SEQ);
	m = tu_msg(SPINAL_CFG_NOP, 1, NULL, 0);
	fx_put_raw(f, &m), EXPECT(SEQ);
	fx_send(f, SPINAL_CFG_NOP, NULL, 0, 0), sent++; /* still accepted after them */
	assert_int_equal(fx_wait_counted(f, sent), 0);
	for (r = 0; r < SPINAL_CFG_REJ_COUNT; r++)
		if (fx_stat(&f->stats->cfg_rejected_by[r]) != want[r]) {
			print_error("reason %s: got %llu want %llu\n", spinal_cfg_reject_name(r),
				    (unsigned long long)fx_stat(&f->stats->cfg_rejected_by[r]),
				    (unsigned long long)want[r]);
			fail();
		}
	assert_int_equal(fx_stat(&f->stats->cfg_accepted), 4);
	assert_int_equal(fx_stat(&f->stats->cfg_accepted) + fx_stat(&f->stats->cfg_rejected), sent);

	/* an impossible producer index: counted once per episode, nothing read */
	atomic_store(&f->prod.pos, atomic_load(&f->cons.pos) + 1000);
	usleep(20000);
	spinal_rcu_quiescent();
	assert_int_equal(fx_stat(&f->stats->cfg_rejected_by[SPINAL_CFG_REJ_RING]), 1);
	atomic_store(&f->prod.pos, atomic_load(&f->cons.pos));
	f->p.local = atomic_load(&f->cons.pos);
	fx_send(f, SPINAL_CFG_NOP, NULL, 0, 0);
	assert_int_equal(fx_wait_counted(f, sent + 2), 0);
	assert_int_equal(fx_stat(&f->stats->cfg_accepted), 5);
#undef EXPECT
}

static void test_staged_commit_and_prune(void **state)
{
	struct fx *f = *state;
	struct spinal_updater_cfg c = fx_cfg(f);
	struct spinal_gmodel *m = tu_random_model(11, 500, 3, 80.0f);
	const struct spinal_graph *g;
	struct spinal_cfg_commit cm;
	struct spinal_cfg_prune pr = { 100, 0 };
	size_t len;
	void *blob = tu_blob_from_model(m, &len);
	uint64_t gen;

	f->u = spinal_updater_start(&c);
	memcpy(f->staging + 4096, blob, len);
	cm = (struct spinal_cfg_commit){ 4096, len, spinal_fnv1a64(blob, len), 1 };
	fx_send(f, SPINAL_CFG_GRAPH_COMMIT, &cm, sizeof(cm), 0);
	assert_int_equal(fx_wait_counted(f, 1), 0);
	assert_int_equal(fx_stat(&f->stats->cfg_accepted), 1);
	assert_int_equal(fx_wait_gen(f, 1), 0);
	spinal_rcu_quiescent();
	g = spinal_graph_current();
	assert_non_null(g);
	assert_int_equal(g->nnodes, 500);
	assert_int_equal(g->nedges, m->ne);
	assert_int_equal(g->goal_id, 7);
	gen = g->generation;
	/* a torn blob (changed after the checksum was computed) is rejected */
	f->staging[4096 + len - 3] ^= 0xff;
	fx_send(f, SPINAL_CFG_GRAPH_COMMIT, &cm, sizeof(cm), 0);
	fx_send(f, SPINAL_CFG_PRUNE, &pr, sizeof(pr), 0);
	assert_int_equal(fx_wait_counted(f, 3), 0);
	assert_int_equal(fx_stat(&f->stats->cfg_rejected_by[SPINAL_CFG_REJ_CHECKSUM]), 1);
	(void)gen;
	assert_int_equal(fx_wait_shape(f, 100, UINT32_MAX), 0);
	spinal_rcu_quiescent();
	g = spinal_graph_current();
	assert_int_equal(g->nnodes, 100);
	assert_int_not_equal(spinal_graph_find_id(g, 7), SPINAL_NODE_NONE); /* goal kept */
	free(blob);
	spinal_gm_destroy(m);
}

static void test_visits_and_estop(void **state)
{
	struct fx *f = *state;
	struct spinal_updater_cfg c = fx_cfg(f);
	const struct spinal_graph *g;
	uint64_t t0;
	int i;

	c.visit_publish_ms = 5;
	f->u = spinal_updater_start(&c);
	send_node(f, SPINAL_CFG_NODE_ADD, 3, 0, 0);
	assert_int_equal(fx_wait_gen(f, 1), 0);
	for (i = 0; i < 10; i++)
		assert_int_equal(spinal_updater_report_visit(f->u, 3), 0);
	assert_int_equal(spinal_updater_report_visit(f->u, 999), 0); /* unknown: ignored */
	t0 = fx_now_ms();
	for (;;) {
		spinal_rcu_quiescent();
		g = spinal_graph_current();
		if (spinal_graph_node(g, 0)->visits == 10 || fx_now_ms() - t0 > 5000)
			break;
		usleep(1000);
	}
	assert_int_equal(spinal_graph_node(g, 0)->visits, 10);
	assert_int_equal(fx_stat(&f->stats->upd_reserved[SPINAL_STATS_GRAPH_VISITS]), 10);

	assert_int_equal(spinal_updater_estop(f->u), 0);
	fx_send(f, SPINAL_CFG_ESTOP_SET, NULL, 0, 0);
	assert_int_equal(fx_wait_counted(f, 2), 0);
	assert_int_equal(spinal_updater_estop(f->u), 1);
	fx_send(f, SPINAL_CFG_ESTOP_CLEAR, NULL, 0, 0);
	assert_int_equal(fx_wait_counted(f, 3), 0);
	assert_int_equal(spinal_updater_estop(f->u), 0);
}

static int params_calls;

static int params_handler(struct spinal_updater *u, const struct spinal_cfg_msg *m, void *ctx)
{
	struct spinal_cfg_params p;

	(void)u;
	memcpy(&p, m->payload, m->len);
	params_calls++;
	*(float *)ctx = p.value[0];
	return p.value[0] < 0 ? SPINAL_CFG_REJECT(SPINAL_CFG_REJ_RANGE) : 0;
}

static void test_handler_table(void **state)
{
	struct fx *f = *state;
	struct spinal_updater_cfg c = fx_cfg(f);
	float got = 0;
	struct spinal_cfg_handler h[] = { { SPINAL_CFG_PARAMS_SET, params_handler, &got } };
	struct spinal_cfg_handler bad[] = { { SPINAL_CFG_TYPE_MAX + 1, params_handler, NULL } };
	struct spinal_cfg_params p = { 3, 1, { 2.5f } };

	c.handlers = bad;
	c.nhandlers = 1;
	assert_null(spinal_updater_start(&c));
	assert_int_equal(errno, EINVAL);
	c.handlers = h;
	f->u = spinal_updater_start(&c);
	assert_non_null(f->u);
	assert_null(spinal_updater_start(&c)); /* one per process */
	assert_int_equal(errno, EBUSY);
	fx_send(f, SPINAL_CFG_PARAMS_SET, &p, 12, 0);
	p.value[0] = -1;
	fx_send(f, SPINAL_CFG_PARAMS_SET, &p, 12, 0);
	assert_int_equal(fx_wait_counted(f, 2), 0);
	assert_int_equal(params_calls, 2);
	assert_float_equal(got, -1.0f, 0);
	assert_int_equal(fx_stat(&f->stats->cfg_accepted), 1);
	assert_int_equal(fx_stat(&f->stats->cfg_rejected_by[SPINAL_CFG_REJ_RANGE]), 1);
}

static void test_initial_blob(void **state)
{
	struct fx *f = *state;
	struct spinal_updater_cfg c = fx_cfg(f);
	struct spinal_gmodel *m = tu_random_model(4, 50, 2, 10.0f);
	size_t len;
	unsigned char *blob = tu_blob_from_model(m, &len);

	c.initial_blob = blob;
	c.initial_blob_len = len - 8;
	assert_null(spinal_updater_start(&c));
	assert_int_equal(errno, EBADMSG);
	c.initial_blob_len = len;
	f->u = spinal_updater_start(&c);
	assert_non_null(f->u);
	spinal_rcu_quiescent();
	assert_non_null(spinal_graph_current());
	assert_int_equal(spinal_graph_current()->nnodes, 50);
	assert_int_equal(spinal_updater_generation(f->u), 1);
	free(blob);
	spinal_gm_destroy(m);
}

/* Cpus_allowed_list of our thread named @comm, into @out. */
static int thread_cpus(const char *comm, char *out, size_t len)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int found = -1;

	while (d && (e = readdir(d))) {
		char path[300], buf[256];
		FILE *fp;

		snprintf(path, sizeof(path), "/proc/self/task/%s/comm", e->d_name);
		fp = fopen(path, "r");
		if (!fp)
			continue;
		if (fgets(buf, sizeof(buf), fp) && !strncmp(buf, comm, strlen(comm))) {
			fclose(fp);
			snprintf(path, sizeof(path), "/proc/self/task/%s/status", e->d_name);
			fp = fopen(path, "r");
			while (fp && fgets(buf, sizeof(buf), fp))
				if (!strncmp(buf, "Cpus_allowed_list:", 18)) {
					snprintf(out, len, "%s", buf + 18);
					found = 0;
				}
		}
		if (fp)
			fclose(fp);
	}
	if (d)
		closedir(d);
	return found;
}

static void test_affinity(void **state)
{
	struct fx *f = *state;
	struct spinal_updater_cfg c = fx_cfg(f);
	cpu_set_t set, mine;
	uint64_t t0;
	int rc, cpu;
	char list[256];

	CPU_ZERO(&mine);
	sched_getaffinity(0, sizeof(mine), &mine);
	if (CPU_COUNT(&mine) < 2) {
		skip();
		return;
	}
	for (cpu = 0; !CPU_ISSET(cpu, &mine); cpu++)
		;
	c.rt_cpu = cpu;
	f->u = spinal_updater_start(&c);
	assert_non_null(f->u);
	assert_int_equal(spinal_updater_shares_rt_cpu(f->u), 0);
	t0 = fx_now_ms();
	while ((rc = spinal_updater_call_rcu_affinity(f->u, &set, sizeof(set))) == -ENOENT &&
	       fx_now_ms() - t0 < 5000)
		usleep(1000);
	assert_int_equal(rc, 0);
	assert_false(CPU_ISSET(cpu, &set));
	assert_true(CPU_COUNT(&set) >= 1);
	assert_int_equal(thread_cpus("spinal-updater", list, sizeof(list)), 0);
	{
		char rtc[16];

		snprintf(rtc, sizeof(rtc), "%d", cpu);
		/* the list must not name the RT CPU as a single entry or range start */
		assert_true(strncmp(list + strspn(list, " \t"), rtc, strlen(rtc)) != 0 ||
			    isdigit((unsigned char)list[strspn(list, " \t") + strlen(rtc)]));
	}
	/* our own affinity is untouched */
	CPU_ZERO(&set);
	sched_getaffinity(0, sizeof(set), &set);
	assert_true(CPU_EQUAL(&set, &mine));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_edits_and_next_hop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rejections_by_reason, setup, teardown),
		cmocka_unit_test_setup_teardown(test_staged_commit_and_prune, setup, teardown),
		cmocka_unit_test_setup_teardown(test_visits_and_estop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_handler_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_initial_blob, setup, teardown),
		cmocka_unit_test_setup_teardown(test_affinity, setup, teardown),
	};

	return cmocka_run_group_tests_name("updater", tests, NULL, NULL);
}
