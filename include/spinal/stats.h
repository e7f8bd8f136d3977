/* SPDX-License-Identifier: MIT */
/*
 * The stats block: section SPINAL_SECT_STATS of the STATS region, written by
 * spinal-core, read by everyone else.  Every field has exactly one writer
 * thread (named in the comment); readers load relaxed.  Counters are
 * monotonic for the life of a core process.
 */
#ifndef SPINAL_STATS_H
#define SPINAL_STATS_H

#include <stdatomic.h>
#include <stdint.h>

#include <spinal/hist.h>

/* Pipeline stages, in tick order.  Names as in ARCHITECTURE.md. */
enum spinal_stage {
	SPINAL_STAGE_WAKE = 0, /* lateness: wake time - planned wake */
	SPINAL_STAGE_SFS = 1,
	SPINAL_STAGE_SPS = 2,
	SPINAL_STAGE_AAS = 3,
	SPINAL_STAGE_VI = 4,
	SPINAL_STAGE_COUNT = 5,
	SPINAL_STAGE_SLOTS = 8, /* room for more without an ABI break */
};

/* Why the command was changed or zeroed (bit numbers; counters by reason). */
enum spinal_aas_reason {
	SPINAL_AAS_STALE_STATE = 0,
	SPINAL_AAS_GOAL_REACHED = 1,
	SPINAL_AAS_ESTOP = 2,
	SPINAL_AAS_NAN = 3,
	SPINAL_AAS_CLAMP_SPEED = 4,
	SPINAL_AAS_CLAMP_OMEGA = 5,
	SPINAL_AAS_CLAMP_ACCEL = 6,
	SPINAL_AAS_CLAMP_JERK = 7,
	SPINAL_AAS_FALLBACK = 8,   /* classical follower in charge */
	SPINAL_AAS_NO_POLICY = 9,  /* no model/graph: stop */
	SPINAL_AAS_OVERRUN_STOP = 10, /* K consecutive misses */
	/* faults the driver reports in the state's flags (io_shm.h SPINAL_IO_SF_*) */
	SPINAL_AAS_HW_ESTOP = 11,     /* hardware e-stop pressed */
	SPINAL_AAS_BUMPER = 12,       /* bumper / contact */
	SPINAL_AAS_MOTOR_FAULT = 13,  /* motor controller fault */
	SPINAL_AAS_LOC_LOST = 14,     /* localisation lost */
	SPINAL_AAS_COUNT = 15,
	SPINAL_AAS_SLOTS = 16,
};

/* Config messages rejected, by reason (written by the updater thread). */
#define SPINAL_CFG_REJECT_SLOTS 16

/* Safe-stop latch reasons (bit mask in spinal_stats.safe_stop). */
#define SPINAL_SAFE_STOP_OVERRUN 0x1u  /* K consecutive overruns */
#define SPINAL_SAFE_STOP_SHUTDOWN 0x2u /* core is stopping */
#define SPINAL_SAFE_STOP_ESTOP 0x4u
#define SPINAL_SAFE_STOP_RTTIME 0x8u /* RLIMIT_RTTIME soft limit: RT thread ran too long */

struct spinal_stats {
	/* --- RT thread --- */
	_Atomic uint64_t ticks;           /* ticks completed */
	_Atomic uint64_t overruns;        /* ticks whose work ended after the next wake */
	_Atomic uint64_t missed_periods;  /* periods skipped to catch up after overruns */
	_Atomic uint64_t consec_miss;     /* current run of consecutive overruns */
	_Atomic uint64_t consec_miss_max;
	_Atomic uint64_t telem_produced;  /* records attempted (= next seq) */
	_Atomic uint64_t telem_dropped;   /* ring full: record not written */
	_Atomic uint64_t telem_cons_invalid; /* consumer index impossible */
	_Atomic uint64_t heartbeat;       /* +1 per tick */
	_Atomic uint64_t heartbeat_ns;    /* CLOCK_MONOTONIC of the last beat */
	_Atomic uint64_t first_overrun_tick; /* 0 = none yet, else tick + 1 */
	_Atomic uint64_t first_overrun_ns;   /* how late that tick ended */
	_Atomic uint32_t safe_stop;       /* SPINAL_SAFE_STOP_* latch */
	_Atomic uint32_t goal_reached;
	_Atomic uint64_t cmd_seq;         /* commands written */
	_Atomic uint64_t aas[SPINAL_AAS_SLOTS]; /* interventions by reason */
	_Atomic uint64_t sfs_cache_hits;
	_Atomic uint64_t sfs_cache_misses;
	_Atomic uint64_t visit_drops;     /* visit reports lost (intra-core ring full) */
	/* last pose and command, float bits, for the inspector and /metrics */
	_Atomic uint32_t pose_x, pose_y, pose_theta, cmd_v, cmd_omega, goal_x, goal_y, pad0;
	_Atomic uint64_t rt_reserved[16];

	/* --- updater thread (own cache lines) --- */
	_Atomic uint64_t cfg_accepted __attribute__((aligned(64)));
	_Atomic uint64_t cfg_rejected;
	_Atomic uint64_t cfg_rejected_by[SPINAL_CFG_REJECT_SLOTS];
	_Atomic uint64_t graph_generation;
	_Atomic uint64_t graph_nodes;
	_Atomic uint64_t graph_edges;
	_Atomic uint64_t graph_publishes;
	_Atomic uint64_t model_id;
	_Atomic uint64_t model_layers;
	_Atomic uint64_t model_neurons;
	_Atomic uint64_t model_loaded_generation;
	_Atomic uint64_t params_id;
	_Atomic uint64_t upd_reserved[16];

	/* --- RT thread: per-stage latency --- */
	struct spinal_hist stage[SPINAL_STAGE_SLOTS];
};

static inline const char *spinal_stage_name(unsigned int s)
{
	static const char *const names[SPINAL_STAGE_COUNT] = {
		"wake", "sfs", "sps", "aas", "vi",
	};
	return s < SPINAL_STAGE_COUNT ? names[s] : "?";
}

static inline const char *spinal_aas_reason_name(unsigned int r)
{
	static const char *const names[SPINAL_AAS_COUNT] = {
		"stale_state", "goal_reached", "estop", "nan",
		"clamp_speed", "clamp_omega", "clamp_accel", "clamp_jerk",
		"fallback", "no_policy", "overrun_stop",
		"hw_estop", "bumper", "motor_fault", "localization_lost",
	};
	return r < SPINAL_AAS_COUNT ? names[r] : "?";
}

#endif /* SPINAL_STATS_H */
