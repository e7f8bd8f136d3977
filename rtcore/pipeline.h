/* SPDX-License-Identifier: MIT */
/*
 * The control pipeline of one tick, independent of timing and I/O, so the RT
 * loop, offline replay (tools/spinal-replay) and the closed-loop simulator
 * (tools/spinal-closedloop) run exactly the same code:
 *
 *   pipeline_sfs()  spatial features from the state and the graph snapshot
 *   pipeline_sps()  the SNN policy (v, omega, confidence) and, always, the
 *                   classical follower toward the next waypoint (fallback)
 *   pipeline_aas()  arbitration and safety -> the command to write
 *
 * All three are RT-safe: no allocation, lock or syscall.  The graph comes
 * from spinal_graph_current() when cfg.graph_rcu is set (the calling thread
 * must be a registered, online RCU reader and report its quiescent state
 * after pipeline_record()), else from pipeline.graph (offline tools).
 * See docs/pipeline.md.
 */
#ifndef SPINAL_PIPELINE_H
#define SPINAL_PIPELINE_H

#include <stdint.h>

#include <spinal/stats.h>
#include <spinal/telemetry.h>

#include "rtcore/aas.h"
#include "rtcore/follower.h"
#include "rtcore/graph.h"
#include "rtcore/io.h"
#include "rtcore/sfs.h"

struct sps_plan;
struct spinal_updater;

struct pipeline_cfg {
	uint64_t period_ns;
	float goal_x, goal_y;  /* goal point when the graph has no goal node */
	float goal_tol;        /* goal reached within this distance, m */
	struct aas_limits lim; /* hard limits from the command line */
	struct follower_cfg fol;
	/* fields below: 0 = default (pipeline_init fills them) */
	uint64_t stale_ns;     /* state older than this: stop (default 50 ms) */
	struct sfs_cfg sfs;    /* k == 0: sfs_defaults() */
	float conf_low, conf_high;   /* hand-over hysteresis (0, 0: defaults) */
	uint32_t low_ticks, high_ticks;
	int require_model;     /* 1: no model = stop (NO_POLICY); 0: follower drives */
	int graph_rcu;         /* 1: read spinal_graph_current() */
	struct spinal_stats *stats;  /* sfs cache counters; NULL: none */
	struct spinal_updater *upd;  /* e-stop and visit reports; NULL: none */
};

/* Pipeline state carried from tick to tick (RT-private). */
struct pipeline {
	struct pipeline_cfg cfg;
	struct sfs sfs;
	struct aas aas;
	struct aas_cfg aas_core;          /* AAS as configured by the core: params narrow from it */
	struct sps_plan *plan;            /* the model, NULL: none */
	uint64_t model_id;
	uint64_t params_id;
	const struct spinal_graph *graph; /* offline tools: fixed snapshot */
	const struct spinal_graph *g;     /* this tick's snapshot */
	float last_gx, last_gy;           /* goal the SNN state belongs to */
	uint32_t last_visit;              /* last node id reported to the updater */
	int estop;                        /* e-stop input (offline tools/replay) */
	struct spinal_cmd last_cmd;
	uint32_t safe_stop;    /* latched stop reasons (SPINAL_SAFE_STOP_*), set by the loop */
	int goal_reached;
};

/* One tick's working set. */
struct tick {
	struct spinal_state st;
	float goal_dist, goal_bearing;
	float pol_v, pol_w, conf;
	float fb_v, fb_w;      /* follower's command */
	int have_policy;
	struct sfs_out sf;
	struct spinal_cmd cmd;
	uint32_t aas_mask; /* bit per enum spinal_aas_reason */
	uint32_t flags;    /* SPINAL_TF_* */
};

/* Initialise @p from @cfg (defaults for zero fields).  Any thread, before the
 * loop.  Returns 0 or -EINVAL (a field out of range). */
int pipeline_init(struct pipeline *p, const struct pipeline_cfg *cfg);

/*
 * pipeline_set_model - install @plan (owned by the caller, NULL: none) after
 * checking its input size against the SFS layout and its output count (2
 * or 3: v, omega[, confidence]); resets its state.  Not RT: call before the
 * loop or from the thread that runs it.  Returns 0 or -EBADMSG with a
 * one-line operator message in @err.
 */
int pipeline_set_model(struct pipeline *p, struct sps_plan *plan, char *err, unsigned long errlen);

void pipeline_sfs(struct pipeline *p, struct tick *t);
void pipeline_sps(struct pipeline *p, struct tick *t);
void pipeline_aas(struct pipeline *p, struct tick *t);

/* Fill the pipeline part of a telemetry record (state, ids, outputs).  RT-safe. */
void pipeline_record(const struct pipeline *p, const struct tick *t,
		     struct spinal_telem_rec *rec);

/* Run the three stages on @t (offline tools).  RT-safe. */
static inline void pipeline_tick(struct pipeline *p, struct tick *t)
{
	pipeline_sfs(p, t);
	pipeline_sps(p, t);
	pipeline_aas(p, t);
}

/* Uses of spinal_telem_rec.reserved[] by the pipeline (docs/pipeline.md). */
#define PIPE_REC_WP_NODE 0      /* waypoint node id or SPINAL_NODE_NONE */
#define PIPE_REC_GRAPH_HASH 1   /* low 32 bits of the snapshot content hash */
#define PIPE_REC_INPUTS 2       /* bit 0 e-stop input, bit 1 cache hit, bit 2 have policy,
				 * bits 3-6 the driver's fault bits (SPINAL_IO_SF_*) */
#define PIPE_REC_FAULT_SHIFT 3
#define PIPE_REC_FB_V 3         /* follower command (float bits) */
#define PIPE_REC_FB_OMEGA 4

#endif
