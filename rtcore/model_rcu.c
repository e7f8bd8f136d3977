// SPDX-License-Identifier: MIT
/* The SNN model published through RCU (see model_rcu.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rtcore/cfg_validate.h"
#include "rtcore/model_rcu.h"
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

int spinal_model_handler(struct spinal_updater *u, const struct spinal_cfg_msg *msg, void *ctx)
{
	struct spinal_model_ctx *mc = ctx;
	struct spinal_cfg_commit c;
	struct spinal_model *m, *old;
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
	m->plan = sps_plan_create(blob, (size_t)c.len, mc->numa_node, err, sizeof(err));
	if (!m->plan) {
		rc = errno == ENOMEM ? SPINAL_CFG_REJECT(SPINAL_CFG_REJ_NOMEM)
				     : SPINAL_CFG_REJECT(SPINAL_CFG_REJ_BLOB);
		fprintf(stderr, "spinal-core: model rejected: %s\n", err);
		free(m);
		return rc;
	}
	if (sfs_check_model_inputs(&mc->sfs, sps_plan_n_inputs(m->plan), err, sizeof(err))) {
		fprintf(stderr, "spinal-core: model rejected: %s\n", err);
		sps_plan_destroy(m->plan);
		free(m);
		return SPINAL_CFG_REJECT(SPINAL_CFG_REJ_BLOB);
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
	fprintf(stderr, "spinal-core: model %016llx loaded (generation %llu): %u inputs, %u layers, %u neurons\n",
		(unsigned long long)sps_plan_model_id(m->plan), (unsigned long long)m->generation,
		(unsigned int)sps_plan_n_inputs(m->plan), (unsigned int)sps_plan_layers(m->plan),
		(unsigned int)sps_plan_neurons(m->plan));
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
