// SPDX-License-Identifier: MIT
/*
 * userspace/cfglink.c: the core's verdict (accepted / rejected with reason /
 * pending / lost), sequence numbers after a restart (above the window base
 * and above messages left queued in the window), blob staging, replay,
 * nearest node.  A fake core thread drains the ring like rtcore/updater.c:
 * copy, handle, count, publish a verdict (ABI 1.1 fake) or not (ABI 1.0),
 * then release; the 1.1 fake can lie to exercise LOST.  The real updater
 * against cfglink: tests/unit/test_agent_verdict.c.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <spinal/config.h>
#include <spinal/region.h>
#include <spinal/seqlock.h>

#include "userspace/attach.h"
#include "userspace/cfglink.h"

#define NSLOTS 8u
#define STAGING 4096u

/* A STATS "region" in plain memory with a verdict table (ABI 1.1 core). */
struct fake_stats {
	struct spinal_region_hdr h;
	struct spinal_cfg_verdicts vt;
};

enum { LIE_NONE, LIE_DIGEST, LIE_SKIP, LIE_SPAM, LIE_ACCEPT_OTHER };

struct fx {
	struct fake_stats *fs;   /* NULL: an ABI 1.0 core (no table) */
	_Atomic int lie;         /* how the table misbehaves (LIE_*) */
	struct spinal_ring_idx prod, cons;
	unsigned char slots[NSLOTS * SPINAL_CFG_SLOT_SIZE];
	unsigned char staging[STAGING];
	struct spinal_stats stats;
	struct attach at;
	struct cfglink l;
	pthread_t core;
	_Atomic int stop, run;   /* run 0: the fake core does not drain */
	uint64_t last_seq;
	uint32_t types_seen[SPINAL_CFG_TYPE_COUNT];
	uint64_t blob_sum;
};

static void put_verdict(struct fx *f, struct spinal_cfg_verdict *v)
{
	struct spinal_cfg_verdicts *vt = &f->fs->vt;
	uint64_t h = atomic_load(&vt->handled) + 1;
	struct spinal_cfg_verdict_slot *sl = &vt->slot[(h - 1) % SPINAL_CFG_VERDICT_SLOTS];

	v->handled = h;
	spinal_seqlock_write(&sl->gen, sl->w, SPINAL_CFG_VERDICT_WORDS, v, sizeof(*v));
	atomic_store(&vt->handled, h);
}

/* The verdict table as rtcore/updater.c fills it, or lying (f->lie). */
static void publish(struct fx *f, const struct spinal_cfg_msg *m, int rej)
{
	struct spinal_cfg_verdict v = { 0 };
	int lie = atomic_load(&f->lie), i;

	v.seq = m->seq;
	v.type = m->type;
	v.digest = spinal_cfg_digest(m);
	v.verdict = rej >= 0 ? SPINAL_CFG_V_REJECTED : SPINAL_CFG_V_ACCEPTED;
	v.reason = rej >= 0 ? (uint16_t)rej : 0;
	snprintf(v.text, sizeof(v.text), "fake core: %s", rej >= 0 ? "no" : "yes");
	if (rej < 0)
		atomic_store(&f->fs->vt.last_accepted, m->seq);
	if (rej != SPINAL_CFG_REJ_SEQ)
		atomic_store(&f->fs->vt.seq_base, m->seq);
	switch (lie) {
	case LIE_DIGEST: /* someone else's message under our seq, accepted */
		v.digest ^= 1;
		v.verdict = SPINAL_CFG_V_ACCEPTED;
		break;
	case LIE_SKIP: /* no verdict at all */
		return;
	case LIE_ACCEPT_OTHER: /* an accepted verdict for a neighbouring seq */
		v.seq++;
		v.verdict = SPINAL_CFG_V_ACCEPTED;
		break;
	}
	put_verdict(f, &v);
	if (lie == LIE_SPAM) /* overwritten before the agent could read it */
		for (i = 0; i < (int)SPINAL_CFG_VERDICT_SLOTS; i++) {
			v.seq = 1000000 + (uint64_t)i;
			v.verdict = SPINAL_CFG_V_ACCEPTED;
			put_verdict(f, &v);
		}
}

static void *fake_core(void *arg)
{
	struct fx *f = arg;
	struct spinal_ring r = { 0 };

	if (spinal_ring_attach(&r, &f->prod, &f->cons, f->slots, NSLOTS, SPINAL_CFG_SLOT_SIZE,
			       sizeof(f->slots), 0))
		return NULL;
	while (!atomic_load(&f->stop)) {
		struct spinal_cfg_msg m;
		int rej = -1;

		if (!atomic_load(&f->run) || spinal_ring_cons_avail(&r) <= 0) {
			usleep(200);
			continue;
		}
		memcpy(&m, spinal_ring_cons_peek(&r, 0), sizeof(m));
		if (m.seq <= f->last_seq)
			rej = SPINAL_CFG_REJ_SEQ;
		else if (m.type == SPINAL_CFG_PARAMS_SET)
			rej = SPINAL_CFG_REJ_NO_HANDLER;
		else if (m.type == SPINAL_CFG_SET_GOAL && ((uint32_t *)m.payload)[0] > 10)
			rej = SPINAL_CFG_REJ_NO_NODE;
		if (m.type == SPINAL_CFG_GRAPH_COMMIT && rej < 0) {
			struct spinal_cfg_commit c;

			memcpy(&c, m.payload, sizeof(c));
			if (spinal_fnv1a64(f->staging + c.off, c.len) != c.checksum)
				rej = SPINAL_CFG_REJ_CHECKSUM;
			f->blob_sum = c.checksum;
		}
		if (m.type < SPINAL_CFG_TYPE_COUNT)
			f->types_seen[m.type]++;
		if (rej >= 0) {
			atomic_fetch_add(&f->stats.cfg_rejected_by[rej], 1);
		} else {
			f->last_seq = m.seq;
			atomic_store(&f->stats.upd_reserved[SPINAL_STATS_CFG_LAST_SEQ], m.seq);
			atomic_fetch_add(&f->stats.cfg_accepted, 1);
		}
		if (f->fs)
			publish(f, &m, rej);
		spinal_ring_cons_release(&r, 1); /* after handling, as the core does */
	}
	return NULL;
}

static struct fx *fx_new(uint64_t last_seq, int run)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	spinal_ring_init_shared(&f->prod, &f->cons, NSLOTS, SPINAL_CFG_SLOT_SIZE, 0);
	f->last_seq = last_seq;
	atomic_store(&f->stats.upd_reserved[SPINAL_STATS_CFG_LAST_SEQ], last_seq);
	f->at.cfg_hdr = (void *)f;  /* only tested for NULL */
	f->at.cfg_prod = &f->prod;
	f->at.cfg_cons = &f->cons;
	f->at.cfg_slots = f->slots;
	f->at.cfg_slots_bytes = sizeof(f->slots);
	f->at.cfg_nslots = NSLOTS;
	f->at.staging = f->staging;
	f->at.staging_len = STAGING;
	f->at.stats = &f->stats;
	f->at.id.period_ns = 1000000;
	atomic_store(&f->run, run);
	cfglink_init(&f->l);
	assert_int_equal(pthread_create(&f->core, NULL, fake_core, f), 0);
	return f;
}

/* An ABI 1.1 core: the same fake, with a verdict table in a STATS header. */
static struct fx *fx_new_table(uint64_t last_seq, int run)
{
	struct fake_stats *fs = aligned_alloc(64, sizeof(*fs));
	struct fx *f;

	assert_non_null(fs);
	memset(fs, 0, sizeof(*fs));
	fs->h.nsections = 1;
	fs->h.sect[0] = (struct spinal_section){ SPINAL_SECT_CFG_VERDICT,
						 sizeof(struct spinal_cfg_verdict_slot),
						 offsetof(struct fake_stats, vt),
						 sizeof(struct spinal_cfg_verdicts) };
	atomic_store(&fs->h.state, SPINAL_STATE_RUNNING);
	fs->vt.nslots = SPINAL_CFG_VERDICT_SLOTS;
	fs->vt.slot_size = sizeof(struct spinal_cfg_verdict_slot);
	atomic_store(&fs->vt.seq_base, last_seq);
	f = fx_new(last_seq, 0);
	f->fs = fs;
	f->at.stats_hdr = &fs->h;
	atomic_store(&f->run, run);
	return f;
}

static void fx_free(struct fx *f)
{
	atomic_store(&f->stop, 1);
	pthread_join(f->core, NULL);
	cfglink_fini(&f->l);
	free(f->fs);
	free(f);
}

static void test_verdicts(void **state)
{
	struct fx *f = fx_new(0, 1);
	struct cfg_result r;
	float pv[SPINAL_PARAM_COUNT];

	(void)state;
	/* not attached: not sent */
	assert_int_equal(cfglink_goal(&f->l, 3, 100, &r), CFG_FAILED);
	assert_int_equal(r.err, -ENOTCONN);
	assert_int_equal(cfglink_attach(&f->l, &f->at), 0);
	assert_int_equal(cfglink_goal(&f->l, 3, 1000, &r), CFG_ACCEPTED);
	assert_int_equal(r.seq, 1);
	assert_int_equal(cfglink_goal(&f->l, 99, 1000, &r), CFG_REJECTED);
	assert_int_equal(r.reason, SPINAL_CFG_REJ_NO_NODE);
	for (unsigned int i = 0; i < SPINAL_PARAM_COUNT; i++)
		pv[i] = SPINAL_PARAM_UNSET;
	pv[SPINAL_PARAM_MAX_SPEED] = 0.5f;
	assert_int_equal(cfglink_params(&f->l, pv, 1000, &r), CFG_REJECTED);
	assert_int_equal(r.reason, SPINAL_CFG_REJ_NO_HANDLER);
	assert_int_equal(cfglink_estop(&f->l, 1, 1000, &r), CFG_ACCEPTED);
	assert_int_equal(r.seq, 4);
	assert_int_equal(atomic_load(&f->l.n_accepted), 2);
	assert_int_equal(atomic_load(&f->l.n_rejected), 2);
	/* more messages than slots: each waits for its verdict, none is lost */
	for (int i = 0; i < 3 * (int)NSLOTS; i++)
		assert_int_equal(cfglink_goal(&f->l, (uint32_t)(i % 10), 1000, &r), CFG_ACCEPTED);
	cfglink_detach(&f->l);
	assert_int_equal(cfglink_estop(&f->l, 0, 100, &r), CFG_FAILED);
	fx_free(f);
}

static void test_pending_and_ring_full(void **state)
{
	struct fx *f = fx_new(0, 0); /* the core does not drain */
	struct cfg_result r;
	int i;

	(void)state;
	assert_int_equal(cfglink_attach(&f->l, &f->at), 0);
	assert_int_equal(cfglink_estop(&f->l, 1, 20, &r), CFG_PENDING);
	assert_true(r.seq > 0);
	for (i = 1; i < (int)NSLOTS; i++)
		assert_int_equal(cfglink_goal(&f->l, 1, 5, &r), CFG_PENDING);
	assert_int_equal(cfglink_goal(&f->l, 1, 20, &r), CFG_FAILED);
	assert_int_equal(r.err, -EAGAIN);
	/* the core wakes up: everything queued is handled in order */
	atomic_store(&f->run, 1);
	assert_int_equal(cfglink_estop(&f->l, 0, 1000, &r), CFG_ACCEPTED);
	assert_int_equal(f->types_seen[SPINAL_CFG_SET_GOAL], NSLOTS - 1);
	assert_int_equal(atomic_load(&f->stats.cfg_rejected_by[SPINAL_CFG_REJ_SEQ]), 0);
	fx_free(f);
}

/* A restarted agent: above the core's last accepted seq, and above messages
 * a dead agent left queued. */
static void test_restart_seq(void **state)
{
	struct fx *f = fx_new(41, 0);
	struct cfg_result r;

	(void)state;
	assert_int_equal(cfglink_attach(&f->l, &f->at), 0);
	assert_int_equal(cfglink_goal(&f->l, 1, 5, &r), CFG_PENDING);
	assert_int_equal(r.seq, 42);
	assert_int_equal(cfglink_goal(&f->l, 2, 5, &r), CFG_PENDING);
	assert_int_equal(r.seq, 43);
	/* the agent dies with both queued; a new one attaches */
	cfglink_fini(&f->l);
	cfglink_init(&f->l);
	assert_int_equal(cfglink_attach(&f->l, &f->at), 0);
	atomic_store(&f->run, 1);
	assert_int_equal(cfglink_goal(&f->l, 3, 1000, &r), CFG_ACCEPTED);
	assert_int_equal(r.seq, 44);
	assert_int_equal(atomic_load(&f->stats.cfg_rejected_by[SPINAL_CFG_REJ_SEQ]), 0);
	assert_int_equal(atomic_load(&f->stats.cfg_accepted), 3);
	fx_free(f);
}

static void *mk_graph(size_t *len)
{
	struct spinal_graph_blob_hdr h = { 0 };
	struct spinal_graph_blob_node n[3] = {
		{ 0, 1, 0.0f, 0.0f, 0, 0 }, { 7, 1, 5.0f, 0.0f, 0, 0 }, { 9, 1, 5.0f, 5.0f, 0, 0 },
	};
	unsigned char *b;

	h.magic = SPINAL_GRAPH_BLOB_MAGIC;
	h.version = SPINAL_GRAPH_BLOB_VERSION;
	h.hdr_size = sizeof(h);
	h.nnodes = 3;
	h.goal_id = SPINAL_NODE_NONE;
	h.nodes_off = sizeof(h);
	h.edges_off = sizeof(h) + sizeof(n);
	h.total_len = h.edges_off;
	*len = h.total_len;
	b = malloc(*len);
	memcpy(b, &h, sizeof(h));
	memcpy(b + sizeof(h), n, sizeof(n));
	return b;
}

static void test_graph_replay_nearest(void **state)
{
	struct fx *f = fx_new(0, 1);
	struct cfg_result r;
	char sum[512];
	uint32_t id;
	double d;
	size_t len;
	void *g = mk_graph(&len);

	(void)state;
	assert_int_equal(cfglink_nearest(&f->l, 1, 1, &id, &d), -ENOENT);
	/* start-up: recorded, sent after attach */
	cfglink_set_graph(&f->l, g, len, "test.json");
	cfglink_set_goal(&f->l, 7);
	assert_int_equal(cfglink_nearest(&f->l, 4.4, 0.5, &id, &d), 0);
	assert_int_equal(id, 7);
	assert_int_equal(cfglink_attach(&f->l, &f->at), 0);
	assert_int_equal(cfglink_replay(&f->l, CFGL_ALL, 1000, sum, sizeof(sum)), 0);
	assert_non_null(strstr(sum, "graph test.json (3 nodes): accepted (seq 1)"));
	assert_non_null(strstr(sum, "goal node 7: accepted (seq 2)"));
	assert_int_equal(f->types_seen[SPINAL_CFG_GRAPH_COMMIT], 1);
	assert_int_equal(atomic_load(&f->stats.cfg_rejected_by[SPINAL_CFG_REJ_CHECKSUM]), 0);
	/* a blob larger than the staging area is refused before sending */
	{
		void *big = calloc(1, STAGING + 8);

		assert_int_equal(cfglink_graph(&f->l, big, STAGING + 8, "big", 100, &r), CFG_FAILED);
		assert_int_equal(r.err, -E2BIG);
		free(big);
	}
	/* an e-stop is replayed after a re-attach, a failed one is reported */
	assert_int_equal(cfglink_estop(&f->l, 1, 1000, &r), CFG_ACCEPTED);
	assert_int_equal(cfglink_replay(&f->l, CFGL_ESTOP, 1000, sum, sizeof(sum)), 0);
	assert_non_null(strstr(sum, "e-stop: accepted"));
	fx_free(f);
}

/* ABI 1.0 core: the old test "last accepted >= seq" said accepted after a
 * wedge (last = 2^64-1) while the core had rejected; now only the exact
 * seq counts, and a rejection is reported as one. */
static void test_legacy_core_exact(void **state)
{
	struct fx *f = fx_new(0, 1);
	struct cfg_result r;

	(void)state;
	assert_int_equal(cfglink_attach(&f->l, &f->at), 0);
	assert_int_equal(cfglink_estop(&f->l, 1, 1000, &r), CFG_ACCEPTED);
	/* wedged: the (old) core accepted seq 2^64-1 from someone else */
	f->last_seq = UINT64_MAX;
	atomic_store(&f->stats.upd_reserved[SPINAL_STATS_CFG_LAST_SEQ], UINT64_MAX);
	assert_int_equal(cfglink_estop(&f->l, 0, 1000, &r), CFG_REJECTED);
	assert_int_equal(r.reason, SPINAL_CFG_REJ_SEQ);
	fx_free(f);
}

/* ABI 1.1 core: the verdict is read for the exact seq and digest; a table
 * that does not have it gives LOST, never ACCEPTED. */
static void test_table_verdicts(void **state)
{
	struct fx *f = fx_new_table(0, 1);
	struct cfg_result r;
	char d[400];

	(void)state;
	assert_int_equal(cfglink_attach(&f->l, &f->at), 0);
	assert_int_equal(cfglink_goal(&f->l, 3, 1000, &r), CFG_ACCEPTED);
	assert_string_equal(r.text, "fake core: yes");
	assert_int_equal(cfglink_goal(&f->l, 99, 1000, &r), CFG_REJECTED);
	assert_int_equal(r.reason, SPINAL_CFG_REJ_NO_NODE);
	assert_string_equal(r.text, "fake core: no");
	atomic_store(&f->lie, LIE_DIGEST);
	assert_int_equal(cfglink_estop(&f->l, 1, 1000, &r), CFG_LOST);
	assert_non_null(strstr(r.text, "different message"));
	atomic_store(&f->lie, LIE_SKIP);
	assert_int_equal(cfglink_estop(&f->l, 1, 1000, &r), CFG_LOST);
	atomic_store(&f->lie, LIE_SPAM);
	assert_int_equal(cfglink_estop(&f->l, 1, 1000, &r), CFG_LOST);
	assert_non_null(strstr(cfg_result_describe(&r, d, sizeof(d)), "LOST (seq "));
	assert_non_null(strstr(r.text, "no longer in the 64-entry table"));
	atomic_store(&f->lie, LIE_ACCEPT_OTHER);
	assert_int_equal(cfglink_estop(&f->l, 1, 1000, &r), CFG_LOST);
	atomic_store(&f->lie, LIE_NONE);
	assert_int_equal(cfglink_estop(&f->l, 1, 1000, &r), CFG_ACCEPTED);
	assert_int_equal(atomic_load(&f->l.n_lost), 4);
	fx_free(f);
}

/* The core stops while a message waits: LOST at once, not PENDING later. */
static void test_core_stopping_is_lost(void **state)
{
	struct fx *f = fx_new_table(0, 0);
	struct cfg_result r;

	(void)state;
	assert_int_equal(cfglink_attach(&f->l, &f->at), 0);
	atomic_store(&f->fs->h.state, SPINAL_STATE_STOPPING);
	assert_int_equal(cfglink_estop(&f->l, 1, 5000, &r), CFG_LOST);
	assert_non_null(strstr(r.text, "stopping"));
	fx_free(f);
}

/* Restarted agent on an ABI 1.1 core: continues after the window base and
 * after queued slots in the window, not above refused ones. */
static void test_restart_seq_window(void **state)
{
	struct fx *f = fx_new_table(41, 0);
	struct cfg_result r;

	(void)state;
	assert_int_equal(cfglink_attach(&f->l, &f->at), 0);
	assert_int_equal(cfglink_goal(&f->l, 1, 5, &r), CFG_PENDING);
	assert_int_equal(r.seq, 42);
	/* a hostile slot far above: queued, will be refused */
	{
		struct spinal_cfg_msg m = { .magic = SPINAL_CFG_MAGIC, .seq = UINT64_MAX - 1 };
		void *slot = spinal_ring_prod_reserve(&f->l.ring);

		assert_non_null(slot);
		memcpy(slot, &m, sizeof(m));
		spinal_ring_prod_commit(&f->l.ring);
	}
	cfglink_fini(&f->l);
	cfglink_init(&f->l);
	assert_int_equal(cfglink_attach(&f->l, &f->at), 0);
	assert_int_equal(cfglink_goal(&f->l, 3, 5, &r), CFG_PENDING);
	assert_int_equal(r.seq, 43); /* not 2^64 - 1 + 1 */
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_legacy_core_exact),
		cmocka_unit_test(test_table_verdicts),
		cmocka_unit_test(test_core_stopping_is_lost),
		cmocka_unit_test(test_restart_seq_window),
		cmocka_unit_test(test_verdicts),
		cmocka_unit_test(test_pending_and_ring_full),
		cmocka_unit_test(test_restart_seq),
		cmocka_unit_test(test_graph_replay_nearest),
	};

	return cmocka_run_group_tests_name("agent_cfglink", tests, NULL, NULL);
}
