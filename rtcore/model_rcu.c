// SPDX-License-Identifier: MIT
/* The SNN model published through RCU (see model_rcu.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rtcore/cfg_validate.h"
#include "rtcore/model_rcu.h"
#include "rtcore/options.h"
#include "rtcore/sps.h"

struct spinal_model *spinal_model_cur;

static void model_free_rcu(struct rcu_head *head)
{
	struct spinal_model *m = caa_container_of(head, struct spinal_model, rcu);

	spinal_rcu_reclaim_begin();
	sps_plan_destroy(m->plan);
	free(m);
}

static void put(_Atomic uint64_t *c, uint64_t v)
{
	atomic_store_explicit(c, v, memory_order_relaxed);
}

void spinal_model_limits(const struct spinal_model_ctx *mc, struct sps_limits *lim)
{
	/* no period given: the shortest the core runs at (the strictest budget),
	 * never "no budget" */
	uint64_t period_us = mc->period_us ? mc->period_us : CORE_PERIOD_US_MIN;

	memset(lim, 0, sizeof(*lim));
	lim->period_us = (uint32_t)period_us;
	lim->max_macs = mc->max_macs ? mc->max_macs : sps_budget_macs(period_us);
	lim->max_arena_bytes = mc->max_arena_bytes ? mc->max_arena_bytes :
			       (uint64_t)SPS_MEM_DEFAULT_MB << 20;
	lim->n_inputs = sfs_n_features(&mc->sfs);
	lim->min_outputs = 2;
	lim->max_outputs = 3;
}

/* One line on stderr per second at most: a flood of bad models must not
 * flood the journal (every refusal is in the verdict table and counters). */
static void log_refusal(struct spinal_model_ctx *mc, const char *err)
{
	struct timespec ts;
	uint64_t now;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	if (mc->log_ns && now - mc->log_ns < 1000000000ull) {
		mc->log_suppressed++;
		return;
	}
	if (mc->log_suppressed)
		fprintf(stderr, "spinal-core: model rejected: %s (%llu more refusals not logged)\n",
			err, (unsigned long long)mc->log_suppressed);
	else
		fprintf(stderr, "spinal-core: model rejected: %s\n", err);
	mc->log_ns = now;
	mc->log_suppressed = 0;
}

/* The verdict for a refusal (include/spinal/config.h): reason and numbers. */
static int refusal_verdict(struct spinal_updater *u, const struct spinal_model_ctx *mc,
			   const struct sps_cost *c, const struct sps_limits *lim,
			   const char *err)
{
	struct spinal_cfg_why *why = spinal_updater_why(u);

	switch (c->refusal) {
	case SPS_REFUSE_WORK:
		spinal_cfg_why_set(why, SPINAL_CFG_D_MODEL_WORK, lim->period_us, (double)c->macs,
				   (double)lim->max_macs, "%s", err);
		return SPINAL_CFG_REJECT(SPINAL_CFG_REJ_CAPACITY);
	case SPS_REFUSE_MEMORY:
		spinal_cfg_why_set(why, SPINAL_CFG_D_MODEL_MEMORY, 0, (double)c->arena_bytes,
				   (double)lim->max_arena_bytes, "%s", err);
		return SPINAL_CFG_REJECT(SPINAL_CFG_REJ_CAPACITY);
	case SPS_REFUSE_INPUTS: {
		char e[SPINAL_CFG_VERDICT_TEXT];

		sfs_check_model_inputs(&mc->sfs, c->n_inputs, e, sizeof(e));
		spinal_cfg_why_set(why, SPINAL_CFG_D_MODEL_INPUTS, 0, c->n_inputs, lim->n_inputs,
				   "%s", e);
		return SPINAL_CFG_REJECT(SPINAL_CFG_REJ_BLOB);
	}
	case SPS_REFUSE_OUTPUTS:
		spinal_cfg_why_set(why, SPINAL_CFG_D_MODEL_OUTPUTS, lim->min_outputs, c->n_outputs,
				   lim->max_outputs, "%s", err);
		return SPINAL_CFG_REJECT(SPINAL_CFG_REJ_BLOB);
	case SPS_REFUSE_SHARED:
		spinal_cfg_why_set(why, SPINAL_CFG_D_MODEL_SHARED, 0, 0, 0, "%s", err);
		return SPINAL_CFG_REJECT(SPINAL_CFG_REJ_BLOB);
	case SPS_REFUSE_NOMEM:
		spinal_cfg_why_set(why, SPINAL_CFG_D_NOMEM, 0, (double)c->arena_bytes, 0, "%s", err);
		return SPINAL_CFG_REJECT(SPINAL_CFG_REJ_NOMEM);
	default:
		spinal_cfg_why_set(why, SPINAL_CFG_D_MODEL_INVALID, 0, 0, 0, "%s", err);
		return SPINAL_CFG_REJECT(SPINAL_CFG_REJ_BLOB);
	}
}

int spinal_model_handler(struct spinal_updater *u, const struct spinal_cfg_msg *msg, void *ctx)
{
	struct spinal_model_ctx *mc = ctx;
	struct spinal_cfg_commit c;
	struct spinal_model *m, *old;
	struct sps_limits lim;
	struct sps_cost cost;
	const void *blob;
	char err[256];
	int rc;

	memcpy(&c, msg->payload, sizeof(c));
	blob = spinal_updater_stage(u, &c, &rc);
	if (!blob)
		return rc;
	m = calloc(1, sizeof(*m));
	if (!m)
		return SPINAL_CFG_REJECT(SPINAL_CFG_REJ_NOMEM);
	spinal_model_limits(mc, &lim);
	m->plan = sps_plan_create_bounded(blob, (size_t)c.len, mc->numa_node, &lim, &cost, err,
					  sizeof(err));
	if (!m->plan) {
		rc = refusal_verdict(u, mc, &cost, &lim, err);
		log_refusal(mc, spinal_updater_why(u)->text);
		free(m);
		return rc;
	}
	m->generation = ++mc->loads;
	/* P1: publish; the RT thread adopts it at its next tick */
	SPINAL_TSAN_RELEASE(m);
	old = rcu_xchg_pointer(&spinal_model_cur, m);
	if (old)
		call_rcu(&old->rcu, model_free_rcu);
	if (mc->stats) {
		put(&mc->stats->model_id, sps_plan_model_id(m->plan));
		put(&mc->stats->model_layers, sps_plan_layers(m->plan));
		put(&mc->stats->model_neurons, sps_plan_neurons(m->plan));
		put(&mc->stats->model_loaded_generation, m->generation);
	}
	fprintf(stderr, "spinal-core: model %016llx loaded (generation %llu): %u inputs, %u outputs, %u layers, %u neurons, %llu multiply-adds per tick (budget %llu), %.1f MiB\n",
		(unsigned long long)sps_plan_model_id(m->plan), (unsigned long long)m->generation,
		(unsigned int)sps_plan_n_inputs(m->plan), (unsigned int)sps_plan_n_outputs(m->plan),
		(unsigned int)sps_plan_layers(m->plan), (unsigned int)sps_plan_neurons(m->plan),
		(unsigned long long)cost.macs, (unsigned long long)lim.max_macs,
		(double)cost.arena_bytes / 1048576.0);
	return 0;
}

void spinal_model_release(void)
{
	struct spinal_model *m = rcu_xchg_pointer(&spinal_model_cur, NULL);

	if (m) {
		sps_plan_destroy(m->plan);
		free(m);
	}
}
