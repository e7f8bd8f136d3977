// SPDX-License-Identifier: MIT
/*
 * The agent's verdict logic (userspace/cfglink.c) against the real updater
 * thread (rtcore/updater.c) and its real verdict table, in one process over
 * a config ring in plain memory (issue 12 item 2):
 *   - a slot with seq 2^64-1 no longer wedges the ring, and an e-stop sent
 *     after it is accepted and really set;
 *   - when the core does refuse the agent's e-stop (a forged slot took its
 *     seq), the agent says REJECTED with reason seq and the numbers, never
 *     "accepted", and the next e-stop goes through;
 *   - a flood of forged slots interleaved with e-stops: every verdict the
 *     agent reports matches what the core did;
 *   - a restarted agent continues after queued slots the core will take;
 *   - a restarted core: the agent re-attaches and starts at seq 1.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <spinal/config.h>
#include <spinal/region.h>
#include <spinal/seqlock.h>

#include "rtcore/updater.h"
#include "userspace/attach.h"
#include "userspace/cfglink.h"

#define NSLOTS 64u
#define STAGING 4096u

/* A STATS "region" in plain memory: header + the verdict table section. */
struct fake_stats {
	struct spinal_region_hdr h;
	struct spinal_cfg_verdicts vt;
};

struct vfx {
	struct spinal_ring_idx prod, cons;
	unsigned char *slots, *staging;
	struct spinal_stats *stats;
	struct fake_stats *fs;
	struct spinal_ring c;
	struct spinal_updater *u;
	struct attach at;
	struct cfglink l;
};

/* Start the core's updater on @f's ring, with its verdict table @vt. */
static void vfx_updater(struct vfx *f, struct spinal_cfg_verdicts *vt)
{
	struct spinal_updater_cfg c = { 0 };

	c.cfg_ring = &f->c;
	c.staging = f->staging;
	c.staging_len = STAGING;
	c.stats = f->stats;
	c.verdicts = vt;
	c.rt_cpu = -1;
	c.poll_us = 100;
	f->u = spinal_updater_start(&c);
	assert_non_null(f->u);
}

static void vfx_core(struct vfx *f)
{

	memset(f->stats, 0, sizeof(*f->stats));
	memset(f->fs, 0, sizeof(*f->fs));
	f->fs->h.nsections = 1;
	f->fs->h.sect[0] = (struct spinal_section){ SPINAL_SECT_CFG_VERDICT,
						    sizeof(struct spinal_cfg_verdict_slot),
						    offsetof(struct fake_stats, vt),
						    sizeof(struct spinal_cfg_verdicts) };
	atomic_store(&f->fs->h.state, SPINAL_STATE_RUNNING);
	spinal_ring_init_shared(&f->prod, &f->cons, NSLOTS, SPINAL_CFG_SLOT_SIZE, 0xffffffe0u);
	assert_int_equal(spinal_ring_attach(&f->c, &f->prod, &f->cons, f->slots, NSLOTS,
					    SPINAL_CFG_SLOT_SIZE, NSLOTS * SPINAL_CFG_SLOT_SIZE, 0), 0);
	vfx_updater(f, &f->fs->vt);
	memset(&f->at, 0, sizeof(f->at));
	f->at.stats_hdr = &f->fs->h;
	f->at.stats = f->stats;
	f->at.cfg_hdr = (void *)f; /* only tested for NULL */
	f->at.cfg_prod = &f->prod;
	f->at.cfg_cons = &f->cons;
	f->at.cfg_slots = f->slots;
	f->at.cfg_slots_bytes = NSLOTS * SPINAL_CFG_SLOT_SIZE;
	f->at.cfg_nslots = NSLOTS;
	f->at.staging = f->staging;
	f->at.staging_len = STAGING;
	f->at.id.period_ns = 1000000;
}

static struct vfx *vfx_new(void)
{
	struct vfx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->slots = aligned_alloc(64, NSLOTS * SPINAL_CFG_SLOT_SIZE);
	f->staging = aligned_alloc(64, STAGING);
	f->stats = aligned_alloc(64, sizeof(*f->stats));
	f->fs = aligned_alloc(64, sizeof(*f->fs));
	assert_true(f->slots && f->staging && f->stats && f->fs);
	memset(f->slots, 0, NSLOTS * SPINAL_CFG_SLOT_SIZE);
	vfx_core(f);
	cfglink_init(&f->l);
	assert_int_equal(cfglink_attach(&f->l, &f->at), 0);
	return f;
}

static void vfx_free(struct vfx *f)
{
	cfglink_fini(&f->l);
	spinal_updater_stop(f->u);
	free(f->slots);
	free(f->staging);
	free(f->stats);
	free(f->fs);
	free(f);
}

/* A forged slot written through the agent's own producer (a compromised
 * writer on the same ring), not waited for. */
static void forge(struct vfx *f, uint32_t type, uint64_t seq)
{
	struct spinal_cfg_msg m;
	void *slot;

	memset(&m, 0, sizeof(m));
	m.magic = SPINAL_CFG_MAGIC;
	m.type = type;
	m.seq = seq;
	pthread_mutex_lock(&f->l.lock);
	while (!(slot = spinal_ring_prod_reserve(&f->l.ring)))
		usleep(100);
	memcpy(slot, &m, sizeof(m));
	spinal_ring_prod_commit(&f->l.ring);
	pthread_mutex_unlock(&f->l.lock);
}

static void drained(struct vfx *f)
{
	for (int i = 0; i < 5000 && spinal_ring_fill(&f->prod, &f->cons); i++)
		usleep(200);
	assert_int_equal(spinal_ring_fill(&f->prod, &f->cons), 0);
}

/* The verdict the core published last. */
static struct spinal_cfg_verdict last_verdict(struct vfx *f)
{
	struct spinal_cfg_verdict v;
	uint64_t h = atomic_load(&f->fs->vt.handled);
	const struct spinal_cfg_verdict_slot *sl =
		&f->fs->vt.slot[(h - 1) % SPINAL_CFG_VERDICT_SLOTS];

	assert_true(h > 0);
	assert_int_equal(spinal_seqlock_read(&sl->gen, sl->w, SPINAL_CFG_VERDICT_WORDS, &v,
					     sizeof(v), 100, NULL, NULL), 0);
	return v;
}

static void test_estop_after_wedge_is_truthful(void **state)
{
	struct vfx *f = vfx_new();
	struct spinal_cfg_verdict v;
	struct cfg_result r;
	char d[400];

	(void)state;
	assert_int_equal(cfglink_goal(&f->l, SPINAL_NODE_NONE, 1000, &r), CFG_ACCEPTED);
	assert_int_equal(r.seq, 1);
	/* the wedge attempt: refused, and it moves nothing */
	forge(f, SPINAL_CFG_NOP, UINT64_MAX);
	drained(f);
	v = last_verdict(f);
	assert_true(v.seq == UINT64_MAX);
	assert_int_equal(v.verdict, SPINAL_CFG_V_REJECTED);
	assert_int_equal(v.reason, SPINAL_CFG_REJ_SEQ);
	assert_int_equal(v.detail, SPINAL_CFG_D_SEQ);
	assert_true(v.limit == 1.0);
	assert_int_equal(atomic_load(&f->fs->vt.seq_base), 1);
	/* the e-stop after it: accepted, and really set */
	assert_int_equal(cfglink_estop(&f->l, 1, 1000, &r), CFG_ACCEPTED);
	assert_int_equal(r.seq, 2);
	assert_int_equal(spinal_updater_estop(f->u), 1);
	assert_int_equal(atomic_load(&f->stats->upd_reserved[SPINAL_STATS_ESTOP]), 1);

	/* a forged slot takes the agent's next seq: the core refuses the
	 * agent's e-stop clear, and the agent says so with the numbers */
	forge(f, SPINAL_CFG_NOP, 3);
	drained(f);
	f->l.ring.local = atomic_load(&f->prod.pos); /* (forge() went through l.ring) */
	assert_int_equal(cfglink_estop(&f->l, 0, 1000, &r), CFG_REJECTED);
	assert_int_equal(r.seq, 3);
	assert_int_equal(r.reason, SPINAL_CFG_REJ_SEQ);
	assert_int_equal(r.detail, SPINAL_CFG_D_SEQ);
	assert_true(r.value == 3.0 && r.limit == 3.0);
	assert_non_null(strstr(cfg_result_describe(&r, d, sizeof(d)), "REJECTED by the core (seq 3, reason seq): seq 3 is outside (3, "));
	assert_int_equal(spinal_updater_estop(f->u), 1); /* still set: the truth */
	/* the agent resynchronised: the next one goes through */
	assert_int_equal(cfglink_estop(&f->l, 0, 1000, &r), CFG_ACCEPTED);
	assert_int_equal(r.seq, 4);
	assert_int_equal(spinal_updater_estop(f->u), 0);
	vfx_free(f);
}

/* Rejections carry the core's numbers and text up to the agent. */
static void test_reasons_reach_the_agent(void **state)
{
	struct vfx *f = vfx_new();
	struct cfg_result r;
	float pv[SPINAL_PARAM_COUNT];

	(void)state;
	/* no params handler installed in this core */
	for (unsigned int i = 0; i < SPINAL_PARAM_COUNT; i++)
		pv[i] = SPINAL_PARAM_UNSET;
	assert_int_equal(cfglink_params(&f->l, pv, 1000, &r), CFG_REJECTED);
	assert_int_equal(r.reason, SPINAL_CFG_REJ_NO_HANDLER);
	assert_non_null(strstr(r.text, "no handler for params_set"));
	assert_int_equal(cfglink_goal(&f->l, 12345, 1000, &r), CFG_REJECTED);
	assert_int_equal(r.reason, SPINAL_CFG_REJ_NO_NODE);
	assert_int_equal(r.detail, SPINAL_CFG_D_GRAPH);
	assert_non_null(strstr(r.text, "set_goal node 12345: no_node"));
	assert_int_equal(cfglink_send(&f->l, SPINAL_CFG_NOP, 0, "x", 1, 1000, &r), CFG_REJECTED);
	assert_int_equal(r.reason, SPINAL_CFG_REJ_LEN);
	assert_true(r.value == 1.0 && r.limit == 0.0);
	vfx_free(f);
}

/* A hostile writer floods forged slots between the agent's e-stops: every
 * verdict the agent reports is what the core did. */
static void test_flood_verdicts_stay_exact(void **state)
{
	struct vfx *f = vfx_new();
	uint64_t x = 99, acc = 0, rej = 0, lost = 0, other = 0;
	struct cfg_result r;
	int i, k, want = 0;

	(void)state;
	for (i = 0; i < 400; i++) {
		int before = spinal_updater_estop(f->u), v;

		int take = i % 4 == 0; /* a quarter of the rounds also forge in-window slots */

		for (k = 0; k < 40; k++) {
			uint64_t base = atomic_load(&f->fs->vt.seq_base);

			x = x * 6364136223846793005ull + 1442695040888963407ull;
			/* cases 2 and 3 are in the window; the others never are */
			switch (take ? (int)((x >> 33) % 6) : "0145"[(x >> 33) % 4] - '0') {
			case 0: forge(f, SPINAL_CFG_NOP, UINT64_MAX); break;
			case 1: forge(f, SPINAL_CFG_NOP, x); break;
			case 2: forge(f, SPINAL_CFG_NOP, base + 1 + (x >> 50)); break; /* in window */
			case 3: forge(f, (uint32_t)(x >> 40), base + 2); break;
			case 4: forge(f, SPINAL_CFG_NOP, 0); break;
			default: forge(f, SPINAL_CFG_NOP, base); break;
			}
		}
		drained(f);
		f->l.ring.local = atomic_load(&f->prod.pos);
		want = !want;
		v = cfglink_estop(&f->l, want, 1000, &r);
		switch (v) {
		case CFG_ACCEPTED:
			acc++;
			assert_int_equal(spinal_updater_estop(f->u), want);
			break;
		case CFG_REJECTED:
			rej++;
			assert_int_equal(spinal_updater_estop(f->u), before);
			break;
		case CFG_LOST:
			lost++;
			break;
		default:
			other++;
			break;
		}
	}
	print_message("flood: %llu accepted, %llu rejected (seq taken), %llu lost, %llu other; core handled %llu slots\n",
		      (unsigned long long)acc, (unsigned long long)rej, (unsigned long long)lost,
		      (unsigned long long)other, (unsigned long long)atomic_load(&f->fs->vt.handled));
	assert_int_equal(other, 0);
	assert_true(acc > 100 && rej > 10);
	assert_int_equal(atomic_load(&f->stats->cfg_accepted) + atomic_load(&f->stats->cfg_rejected),
			 atomic_load(&f->fs->vt.handled));
	vfx_free(f);
}

/* A restarted agent continues after queued slots the core will take as in
 * its window, and above none it will refuse. */
static void test_restarted_agent(void **state)
{
	struct vfx *f = vfx_new();
	struct cfg_result r;

	(void)state;
	assert_int_equal(cfglink_estop(&f->l, 0, 1000, &r), CFG_ACCEPTED);
	assert_int_equal(r.seq, 1);
	/* a dead agent left queued slots while the core was busy (its updater
	 * stopped here), then a new agent attaches */
	spinal_updater_stop(f->u);
	forge(f, SPINAL_CFG_NOP, 2);
	forge(f, SPINAL_CFG_NOP, UINT64_MAX);                   /* will be refused */
	forge(f, SPINAL_CFG_NOP, 7);
	forge(f, SPINAL_CFG_NOP, 7 + SPINAL_CFG_SEQ_WINDOW + 1); /* refused too */
	cfglink_fini(&f->l);
	cfglink_init(&f->l);
	assert_int_equal(cfglink_attach(&f->l, &f->at), 0);
	/* the core drains again (same ring and table) */
	vfx_updater(f, &f->fs->vt);
	assert_int_equal(cfglink_estop(&f->l, 1, 1000, &r), CFG_ACCEPTED);
	assert_int_equal(r.seq, 8);
	assert_int_equal(spinal_updater_estop(f->u), 1);
	vfx_free(f);
}

/* A restarted core (new table, base 0): the agent re-attaches and starts
 * at 1; a message the dead core never handled is LOST, not "accepted". */
static void test_restarted_core(void **state)
{
	struct vfx *f = vfx_new();
	struct cfg_result r;

	(void)state;
	for (int i = 0; i < 5; i++)
		assert_int_equal(cfglink_estop(&f->l, i & 1, 1000, &r), CFG_ACCEPTED);
	assert_int_equal(r.seq, 5);
	spinal_updater_stop(f->u);
	atomic_store(&f->fs->h.state, SPINAL_STATE_STOPPED);
	assert_int_equal(cfglink_estop(&f->l, 1, 2000, &r), CFG_LOST);
	assert_non_null(strstr(r.text, "stopped"));
	cfglink_detach(&f->l);
	vfx_core(f); /* new core: new regions */
	assert_int_equal(cfglink_attach(&f->l, &f->at), 0);
	assert_int_equal(cfglink_estop(&f->l, 1, 1000, &r), CFG_ACCEPTED);
	assert_int_equal(r.seq, 1);
	assert_int_equal(spinal_updater_estop(f->u), 1);
	vfx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_estop_after_wedge_is_truthful),
		cmocka_unit_test(test_reasons_reach_the_agent),
		cmocka_unit_test(test_flood_verdicts_stay_exact),
		cmocka_unit_test(test_restarted_agent),
		cmocka_unit_test(test_restarted_core),
	};

	return cmocka_run_group_tests_name("agent_verdict", tests, NULL, NULL);
}
