/* SPDX-License-Identifier: MIT */
/* The RT control loop: state -> SFS -> SPS -> AAS -> VI, once per period. */
#ifndef SPINAL_LOOP_H
#define SPINAL_LOOP_H

#include <stdatomic.h>
#include <stdint.h>

#include <spinal/region.h>
#include <spinal/ring.h>
#include <spinal/stats.h>

#include "rtcore/follower.h"
#include "rtcore/io.h"

struct aas_limits {
	float v_max;     /* |v| <= v_max, m/s */
	float omega_max; /* |omega| <= omega_max, rad/s */
	float accel_max; /* |dv/dt|, m/s^2 */
	float alpha_max; /* |domega/dt|, rad/s^2 */
};

struct loop_cfg {
	uint64_t period_ns;
	uint32_t max_consec_miss; /* K consecutive overruns -> safe stop (0 = never) */
	float goal_x, goal_y;     /* goal point when there is no graph */
	float goal_tol;           /* goal reached within this distance, m */
	struct aas_limits lim;    /* hard limits from the command line */
	struct follower_cfg fol;
};

struct spinal_loop {
	struct loop_cfg cfg;
	struct spinal_region_hdr *stats_hdr;
	struct spinal_stats *stats;
	struct spinal_ring telem;  /* producer side */
	struct io_backend *io;
	atomic_int stop;           /* set by the main thread */
	atomic_int rt_fifo;        /* RT thread verified SCHED_FIFO */
	atomic_int rt_tid;
	int rt_cpu_seen;
	/* RT-private pipeline state */
	struct spinal_cmd last_cmd;
	uint64_t seq;
};

/*
 * loop_thread - pthread entry for the RT thread (arg: struct spinal_loop *).
 * Runs until ->stop, then writes a zero command and returns.  Never blocks,
 * allocates or makes a syscall other than clock_nanosleep and the vDSO clock.
 */
void *loop_thread(void *arg);

/* AAS on one command: NaN guard, clamps.  Pure, RT-safe.  Returns aas mask bits. */
uint32_t aas_filter(const struct aas_limits *lim, const struct spinal_cmd *prev,
		    float dt, struct spinal_cmd *cmd);

#endif
