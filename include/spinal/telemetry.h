/* SPDX-License-Identifier: MIT */
/*
 * Telemetry: one fixed-size, sequence-numbered record per tick, produced by
 * the RT thread into the TELEM region's ring and consumed by spinal-agent.
 * The same 256-byte layout is the entry of the agent's binary log, where
 * kind SPINAL_REC_GAP marks records that never reached the log.
 *
 * seq is the tick number (0-based).  Every tick consumes one seq whether the
 * record fits in the ring or is dropped, so a reader computes exactly what it
 * missed from gaps in seq: written + missing == produced.
 */
#ifndef SPINAL_TELEMETRY_H
#define SPINAL_TELEMETRY_H

#include <stdint.h>

#define SPINAL_REC_TICK 1u
#define SPINAL_REC_GAP 2u /* log only: records [seq, seq + gap_count) are missing */

/* flags */
#define SPINAL_TF_OVERRUN 0x1u     /* this tick's work ended after the next wake */
#define SPINAL_TF_SAFE_STOP 0x2u   /* safe-stop latch set: command forced to zero */
#define SPINAL_TF_GOAL_REACHED 0x4u
#define SPINAL_TF_STATE_STALE 0x8u
#define SPINAL_TF_FALLBACK 0x10u   /* classical follower in charge */
#define SPINAL_TF_ESTOP 0x20u

struct spinal_telem_rec {
	uint64_t seq;
	uint32_t kind;           /* SPINAL_REC_* */
	uint32_t flags;          /* SPINAL_TF_* */
	uint64_t gap_count;      /* SPINAL_REC_GAP only, else 0 */
	uint64_t t_planned_ns;   /* CLOCK_MONOTONIC planned wake */
	int64_t lateness_ns;     /* wake - planned */
	uint32_t stage_ns[8];    /* per-stage duration, indexed by enum spinal_stage */
	/* what the pipeline read */
	uint64_t state_seq;      /* I/O backend sequence of the state sample */
	uint64_t state_stamp_ns; /* when the state was sampled */
	float x, y, theta, v, omega;
	int32_t nearest_node;
	uint64_t graph_gen;
	uint64_t model_id;
	uint64_t params_id;
	int32_t goal_node;
	float goal_x, goal_y;
	/* what it decided */
	float pol_v, pol_omega, confidence; /* policy output before AAS */
	float cmd_v, cmd_omega;             /* command written */
	uint32_t aas_mask;                  /* bit per enum spinal_aas_reason */
	uint32_t reserved[21];
};

_Static_assert(sizeof(struct spinal_telem_rec) == 256, "telemetry record is 256 bytes");

#endif /* SPINAL_TELEMETRY_H */
