/* SPDX-License-Identifier: MIT */
/*
 * The SNN model as an RCU-published object, swapped between two ticks.
 *
 *   updater thread  spinal_model_handler() on SPINAL_CFG_MODEL_COMMIT: copy the
 *                   staged blob, validate, check inputs (the SFS layout),
 *                   outputs (2 or 3) and the work and memory budgets before
 *                   anything is allocated, compile (NUMA node of the RT CPU),
 *                   rcu_xchg_pointer, call_rcu the old one.  A refusal names
 *                   its numbers in the verdict (config.h) and, rate-limited,
 *                   on stderr.
 *   RT thread       spinal_model_current() once per tick (before its quiescent
 *                   state); a plan it has not seen yet is reset and adopted by
 *                   the pipeline, so membrane state never leaks across models.
 * The RT thread is the only one that steps a plan; the updater only builds
 * and frees plans nobody can reach any more.
 */
#ifndef SPINAL_MODEL_RCU_H
#define SPINAL_MODEL_RCU_H

#include <stdint.h>

#include <spinal/config.h>
#include <spinal/stats.h>

#include "rtcore/rcu.h"
#include "rtcore/sfs.h"
#include "rtcore/updater.h"

struct sps_plan;

struct spinal_model {
	struct rcu_head rcu;
	struct sps_plan *plan;
	uint64_t generation; /* 1 for the first model loaded by this core */
};

extern struct spinal_model *spinal_model_cur;

/* RCU reader (RT thread): the current model or NULL.  RT-safe. */
static inline struct spinal_model *spinal_model_current(void)
{
	struct spinal_model *m = rcu_dereference(spinal_model_cur);

	SPINAL_TSAN_ACQUIRE(m);
	return m;
}

struct spinal_model_ctx {
	int numa_node;              /* for the plan's buffers, -1: any */
	struct sfs_cfg sfs;         /* feature layout the model must match */
	struct spinal_stats *stats; /* model.* counters */
	uint64_t period_us;         /* loop period: the work budget derives from it
				     * (0: CORE_PERIOD_US_MIN, the strictest) */
	uint64_t max_macs;          /* per-tick work budget, 0: sps_budget_macs(period_us) */
	uint64_t max_arena_bytes;   /* plan memory budget, 0: SPS_MEM_DEFAULT_MB */
	/* updater thread only */
	uint64_t loads;
	uint64_t log_ns, log_suppressed; /* refusal lines: at most one per second */
};

/*
 * spinal_model_limits - what the handler accepts: SFS's input count, 2 or 3
 * outputs (the readout, docs/model.md), the work and memory budgets.  Any
 * thread, pure.
 */
struct sps_limits;
void spinal_model_limits(const struct spinal_model_ctx *mc, struct sps_limits *lim);

/* Handler for SPINAL_CFG_MODEL_COMMIT (install with spinal_updater_cfg.handlers). */
int spinal_model_handler(struct spinal_updater *u, const struct spinal_cfg_msg *m, void *ctx);

/*
 * spinal_model_release - unpublish and free the current model.  Main thread,
 * after the RT thread and the updater have stopped (no reader remains).
 */
void spinal_model_release(void);

#endif
