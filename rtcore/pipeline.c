// SPDX-License-Identifier: MIT
/* The per-tick control pipeline: SFS -> SPS -> AAS (see pipeline.h). */
#include <errno.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include <spinal/io_shm.h>

#include "rtcore/pipeline.h"
#include "rtcore/sps.h"
#include "rtcore/updater.h"

int pipeline_init(struct pipeline *p, const struct pipeline_cfg *cfg)
{
	struct aas_cfg ac;
	int rc;

	memset(p, 0, sizeof(*p));
	p->cfg = *cfg;
	if (!p->cfg.sfs.k)
		sfs_defaults(&p->cfg.sfs);
	aas_cfg_defaults(&ac);
	if (p->cfg.stale_ns)
		ac.stale_ns = p->cfg.stale_ns;
	p->cfg.stale_ns = ac.stale_ns;
	if (p->cfg.conf_low != 0.0f || p->cfg.conf_high != 0.0f) {
		ac.conf_low = p->cfg.conf_low;
		ac.conf_high = p->cfg.conf_high;
	}
	if (p->cfg.low_ticks)
		ac.low_ticks = p->cfg.low_ticks;
	if (p->cfg.high_ticks)
		ac.high_ticks = p->cfg.high_ticks;
	ac.hard = cfg->lim;
	ac.dt = (float)cfg->period_ns * 1e-9f;
	ac.goal_tol = cfg->goal_tol;
	rc = sfs_init(&p->sfs, &p->cfg.sfs);
	if (!rc)
		rc = aas_init(&p->aas, &ac);
	p->aas_core = p->aas.cfg;
	p->last_gx = p->last_gy = NAN;
	p->last_visit = SPINAL_NODE_NONE;
	return rc;
}

int pipeline_set_model(struct pipeline *p, struct sps_plan *plan, char *err, unsigned long errlen)
{
	if (plan) {
		size_t nout = sps_plan_n_outputs(plan);
		int rc = sfs_check_model_inputs(&p->cfg.sfs, sps_plan_n_inputs(plan), err, errlen);

		if (rc)
			return rc;
		if (nout < 2 || nout > 3) {
			if (err && errlen)
				snprintf(err, errlen,
					 "model has %zu outputs, the control pipeline reads 2..3 (v, omega[, confidence])",
					 nout);
			return -EBADMSG;
		}
		sps_plan_reset(plan);
	}
	p->plan = plan;
	p->model_id = plan ? sps_plan_model_id(plan) : 0;
	return 0;
}

static inline void put_relaxed(_Atomic uint64_t *c, uint64_t v)
{
	atomic_store_explicit(c, v, memory_order_relaxed);
}

/* SFS: spatial features toward the graph goal (or the configured point). */
void pipeline_sfs(struct pipeline *p, struct tick *t)
{
	const struct spinal_graph *g = p->cfg.graph_rcu ? spinal_graph_current() : p->graph;
	struct sfs_out *o = &t->sf;

	p->g = g;
	if (sfs_compute(&p->sfs, g, t->st.x, t->st.y, t->st.theta, t->st.v, t->st.omega,
			p->cfg.goal_x, p->cfg.goal_y, o)) {
		/* non-finite state: AAS sees NaN distance and stops on the policy */
		t->goal_dist = NAN;
		t->goal_bearing = NAN;
		return;
	}
	t->goal_dist = o->goal_dist;
	t->goal_bearing = atan2f(o->f[4 * p->cfg.sfs.k + SFS_GOAL_SIN],
				 o->f[4 * p->cfg.sfs.k + SFS_GOAL_COS]);
	if (p->cfg.stats && p->cfg.sfs.cache) {
		put_relaxed(&p->cfg.stats->sfs_cache_hits, p->sfs.hits);
		put_relaxed(&p->cfg.stats->sfs_cache_misses, p->sfs.misses);
	}
	if (p->cfg.upd && o->nearest_id != SPINAL_NODE_NONE && o->nearest_id != p->last_visit) {
		/* -ENOBUFS is counted by the updater (visit_drops) */
		(void)spinal_updater_report_visit(p->cfg.upd, o->nearest_id);
		p->last_visit = o->nearest_id;
	}
}

/* SPS: the SNN policy, plus the follower toward the waypoint as fallback.
 * Not while a safe stop is latched: the command is zero until the core
 * stops, and a model that overran the period must not keep doing so. */
void pipeline_sps(struct pipeline *p, struct tick *t)
{
	const struct sfs_out *o = &t->sf;
	float out[3] = { 0.0f, 0.0f, 0.0f };
	int rc;

	t->have_policy = 0;
	t->pol_v = t->pol_w = 0.0f;
	t->conf = 0.0f;
	if (!o->n) { /* no features: neither policy may drive */
		t->fb_v = t->fb_w = NAN;
		if (p->plan) {
			t->have_policy = 1;
			t->pol_v = t->pol_w = NAN;
		}
		return;
	}
	follower_step(&p->cfg.fol, t->st.x, t->st.y, t->st.theta, o->wp_x, o->wp_y,
		      o->path_dist, &t->fb_v, &t->fb_w);
	if (!p->plan || p->safe_stop)
		return;
	/* a new goal starts a new episode for the network */
	if (o->goal_x != p->last_gx || o->goal_y != p->last_gy) {
		sps_plan_reset(p->plan);
		p->last_gx = o->goal_x;
		p->last_gy = o->goal_y;
	}
	t->have_policy = 1;
	rc = sps_plan_step(p->plan, o->f, o->n, out, 3);
	if (rc || sps_plan_n_outputs(p->plan) < 2) { /* (set_model refuses < 2) */
		t->pol_v = t->pol_w = NAN;
		return;
	}
	t->pol_v = out[0];
	t->pol_w = out[1];
	t->conf = sps_plan_n_outputs(p->plan) >= 3 ? fmaxf(0.0f, fminf(1.0f, out[2])) : 1.0f;
}

/* AAS: arbitration and safety. */
void pipeline_aas(struct pipeline *p, struct tick *t)
{
	struct aas_in in = {
		.now_ns = t->st.read_ns,
		.state_stamp_ns = t->st.stamp_ns,
		.state_ok = t->st.stamp_ns != 0 || t->st.read_ns == 0,
		.goal_dist = t->goal_dist,
		.goal_x = t->sf.goal_x,
		.goal_y = t->sf.goal_y,
		.estop = p->estop || (p->cfg.upd && spinal_updater_estop(p->cfg.upd)),
		.safe_stop = p->safe_stop,
		.faults = t->st.faults,
		.have_policy = t->have_policy,
		.pol_v = t->pol_v,
		.pol_omega = t->pol_w,
		.conf = t->conf,
		.have_fallback = t->sf.n != 0,
		.fb_v = t->fb_v,
		.fb_omega = t->fb_w,
	};

	if (!t->have_policy && !p->cfg.require_model) {
		/* no model yet: the follower drives, flagged as fallback */
		in.have_policy = 1;
		in.pol_v = t->fb_v;
		in.pol_omega = t->fb_w;
		in.conf = 1.0f;
		t->aas_mask |= 1u << SPINAL_AAS_FALLBACK;
		t->flags |= SPINAL_TF_FALLBACK;
	}
	t->aas_mask |= aas_step(&p->aas, &in, &t->cmd, &t->flags);
	if (t->aas_mask & (1u << SPINAL_AAS_GOAL_REACHED))
		p->goal_reached = 1;
	p->last_cmd = t->cmd;
}

static inline uint32_t fbits(float f)
{
	uint32_t u;

	memcpy(&u, &f, sizeof(u));
	return u;
}

void pipeline_record(const struct pipeline *p, const struct tick *t,
		     struct spinal_telem_rec *rec)
{
	rec->flags = t->flags;
	rec->state_seq = t->st.seq;
	rec->state_stamp_ns = t->st.stamp_ns;
	rec->x = t->st.x;
	rec->y = t->st.y;
	rec->theta = t->st.theta;
	rec->v = t->st.v;
	rec->omega = t->st.omega;
	rec->nearest_node = t->sf.nearest_id == SPINAL_NODE_NONE ? -1 : (int32_t)t->sf.nearest_id;
	rec->graph_gen = p->g ? p->g->generation : 0;
	rec->model_id = p->model_id;
	rec->params_id = p->params_id;
	rec->goal_node = t->sf.goal_node;
	rec->goal_x = t->sf.goal_x;
	rec->goal_y = t->sf.goal_y;
	rec->pol_v = t->pol_v;
	rec->pol_omega = t->pol_w;
	rec->confidence = t->conf;
	rec->cmd_v = t->cmd.v;
	rec->cmd_omega = t->cmd.omega;
	rec->aas_mask = t->aas_mask;
	memset(rec->reserved, 0, sizeof(rec->reserved));
	rec->reserved[PIPE_REC_WP_NODE] =
		t->sf.wp != SPINAL_NODE_NONE && p->g ? spinal_graph_node(p->g, t->sf.wp)->id : SPINAL_NODE_NONE;
	rec->reserved[PIPE_REC_GRAPH_HASH] = p->g ? (uint32_t)p->g->content_hash : 0;
	rec->reserved[PIPE_REC_INPUTS] = (p->estop ? 1u : 0u) | (t->sf.hit ? 2u : 0u) |
					 (t->have_policy ? 4u : 0u) |
					 (t->st.faults & SPINAL_IO_SF_FAULTS) << PIPE_REC_FAULT_SHIFT;
	rec->reserved[PIPE_REC_FB_V] = fbits(t->fb_v);
	rec->reserved[PIPE_REC_FB_OMEGA] = fbits(t->fb_w);
}
