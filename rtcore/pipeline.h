/* SPDX-License-Identifier: MIT */
/*
 * The control pipeline of one tick, independent of timing and I/O, so the RT
 * loop, offline replay and closed-loop simulation run the same code:
 *
 *   pipeline_sfs()  spatial features from the state (+ map)
 *   pipeline_sps()  the policy: (v, omega, confidence)
 *   pipeline_aas()  arbitration and safety -> the command to write
 *
 * All three are RT-safe: no allocation, lock or syscall.
 */
#ifndef SPINAL_PIPELINE_H
#define SPINAL_PIPELINE_H

#include <stdint.h>

#include <spinal/stats.h>
#include <spinal/telemetry.h>

#include "rtcore/follower.h"
#include "rtcore/io.h"

struct aas_limits {
	float v_max;     /* |v| <= v_max, m/s */
	float omega_max; /* |omega| <= omega_max, rad/s */
	float accel_max; /* |dv/dt|, m/s^2 */
	float alpha_max; /* |domega/dt|, rad/s^2 */
};

struct pipeline_cfg {
	uint64_t period_ns;
	float goal_x, goal_y;  /* goal point when there is no graph */
	float goal_tol;        /* goal reached within this distance, m */
	struct aas_limits lim; /* hard limits from the command line */
	struct follower_cfg fol;
};

/* Pipeline state carried from tick to tick (RT-private). */
struct pipeline {
	struct pipeline_cfg cfg;
	struct spinal_cmd last_cmd;
	uint32_t safe_stop;    /* latched stop reasons (SPINAL_SAFE_STOP_*) */
	int goal_reached;
};

/* One tick's working set. */
struct tick {
	struct spinal_state st;
	float goal_dist, goal_bearing;
	float pol_v, pol_w, conf;
	struct spinal_cmd cmd;
	uint32_t aas_mask; /* bit per enum spinal_aas_reason */
	uint32_t flags;    /* SPINAL_TF_* */
};

/* Initialise @p from @cfg.  Any thread, before the loop. */
void pipeline_init(struct pipeline *p, const struct pipeline_cfg *cfg);

void pipeline_sfs(struct pipeline *p, struct tick *t);
void pipeline_sps(struct pipeline *p, struct tick *t);
void pipeline_aas(struct pipeline *p, struct tick *t);

/* Fill the pipeline part of a telemetry record (state, ids, outputs).  RT-safe. */
void pipeline_record(const struct pipeline *p, const struct tick *t,
		     struct spinal_telem_rec *rec);

/* AAS on one command: NaN guard, clamps.  Pure, RT-safe.  Returns aas mask bits. */
uint32_t aas_filter(const struct aas_limits *lim, const struct spinal_cmd *prev,
		    float dt, struct spinal_cmd *cmd);

#endif
