// SPDX-License-Identifier: MIT
/* The per-tick control pipeline: SFS -> SPS -> AAS (see pipeline.h). */
#include <math.h>
#include <string.h>

#include "rtcore/pipeline.h"

static inline float clampf(float v, float lim)
{
	return fmaxf(-lim, fminf(lim, v));
}

void pipeline_init(struct pipeline *p, const struct pipeline_cfg *cfg)
{
	memset(p, 0, sizeof(*p));
	p->cfg = *cfg;
}

uint32_t aas_filter(const struct aas_limits *lim, const struct spinal_cmd *prev,
		    float dt, struct spinal_cmd *cmd)
{
	uint32_t mask = 0;
	float v = cmd->v, w = cmd->omega, dv, dw;

	if (!isfinite(v) || !isfinite(w)) {
		cmd->v = cmd->omega = 0.0f;
		return 1u << SPINAL_AAS_NAN;
	}
	if (fabsf(v) > lim->v_max) {
		v = clampf(v, lim->v_max);
		mask |= 1u << SPINAL_AAS_CLAMP_SPEED;
	}
	if (fabsf(w) > lim->omega_max) {
		w = clampf(w, lim->omega_max);
		mask |= 1u << SPINAL_AAS_CLAMP_OMEGA;
	}
	dv = v - prev->v;
	if (fabsf(dv) > lim->accel_max * dt) {
		v = prev->v + clampf(dv, lim->accel_max * dt);
		mask |= 1u << SPINAL_AAS_CLAMP_ACCEL;
	}
	dw = w - prev->omega;
	if (fabsf(dw) > lim->alpha_max * dt) {
		w = prev->omega + clampf(dw, lim->alpha_max * dt);
		mask |= 1u << SPINAL_AAS_CLAMP_ACCEL;
	}
	cmd->v = v;
	cmd->omega = w;
	return mask;
}

/* SFS: spatial features.  Until the graph lands: goal bearing and distance. */
void pipeline_sfs(struct pipeline *p, struct tick *t)
{
	float dx = p->cfg.goal_x - t->st.x, dy = p->cfg.goal_y - t->st.y;

	t->goal_dist = hypotf(dx, dy);
	t->goal_bearing = remainderf(atan2f(dy, dx) - t->st.theta, 2.0f * (float)M_PI);
}

/* SPS: the policy.  Until the SNN lands: the classical pure-pursuit follower. */
void pipeline_sps(struct pipeline *p, struct tick *t)
{
	follower_step(&p->cfg.fol, t->st.x, t->st.y, t->st.theta, p->cfg.goal_x,
		      p->cfg.goal_y, t->goal_dist, &t->pol_v, &t->pol_w);
	t->conf = 1.0f;
}

/* AAS: arbitration and safety. */
void pipeline_aas(struct pipeline *p, struct tick *t)
{
	float dt = (float)p->cfg.period_ns * 1e-9f;

	t->cmd.v = t->pol_v;
	t->cmd.omega = t->pol_w;
	if (t->goal_dist <= p->cfg.goal_tol) {
		t->cmd.v = t->cmd.omega = 0.0f;
		t->aas_mask |= 1u << SPINAL_AAS_GOAL_REACHED;
		t->flags |= SPINAL_TF_GOAL_REACHED;
		p->goal_reached = 1;
	}
	if (p->safe_stop) {
		t->cmd.v = t->cmd.omega = 0.0f;
		t->aas_mask |= 1u << SPINAL_AAS_OVERRUN_STOP;
		t->flags |= SPINAL_TF_SAFE_STOP;
	}
	t->aas_mask |= aas_filter(&p->cfg.lim, &p->last_cmd, dt, &t->cmd);
	p->last_cmd = t->cmd;
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
	rec->nearest_node = -1;
	rec->graph_gen = 0;
	rec->model_id = 0;
	rec->params_id = 0;
	rec->goal_node = -1;
	rec->goal_x = p->cfg.goal_x;
	rec->goal_y = p->cfg.goal_y;
	rec->pol_v = t->pol_v;
	rec->pol_omega = t->pol_w;
	rec->confidence = t->conf;
	rec->cmd_v = t->cmd.v;
	rec->cmd_omega = t->cmd.omega;
	rec->aas_mask = t->aas_mask;
}
