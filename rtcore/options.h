/* SPDX-License-Identifier: MIT */
/* spinal-core's command line: options, defaults, --help. */
#ifndef SPINAL_OPTIONS_H
#define SPINAL_OPTIONS_H

#include <stdint.h>

#include "rtcore/aas.h"
#include "rtcore/handoff.h"
#include "rtcore/privsep.h"

/* The shortest loop period spinal-core runs at (--period-us). */
#define CORE_PERIOD_US_MIN 50

struct core_opts {
	const char *name;
	const char *io;
	long period_us;
	int cpu;
	int priority;
	double duration;
	int want_rt;
	int quiet;
	uint32_t telem_slots;
	uint32_t cfg_slots;
	uint32_t staging_mb;
	uint32_t max_consec_miss;
	long wd_timeout_ms;
	/* privilege separation (rtcore/privsep.h, seccomp.h, handoff.h) */
	struct handoff_cfg sock;        /* .path NULL: shm_open regions, no socket */
	struct privsep_cfg ps;
	int seccomp;                    /* enum core_seccomp_mode, -1: by --socket */
	int seccomp_test;
	double start_x, start_y, start_theta;
	double goal_x, goal_y, goal_tol;
	struct aas_limits lim;
	long stale_ms;     /* state older than this: stop */
	int fallback_only; /* drive with the classical follower when no model is loaded */
	/* late-tick attribution (rtcore/trace.h) */
	int trace_mode;    /* enum trace_mode */
	long trace_late_us; /* late-wake threshold, 0 = overruns only */
	long trace_buf_kb;
	long trace_max_per_s;
	const char *tracefs; /* NULL: /sys/kernel/tracing or the debugfs path */
	uint64_t sps_max_macs; /* model work per tick, 0: sps_budget_macs(period) */
	uint32_t sps_max_mb;   /* model plan memory, MiB (default SPS_MEM_DEFAULT_MB) */
};

/* Fill @o with the built-in defaults.  Main thread. */
void core_opts_defaults(struct core_opts *o);

/*
 * core_pipeline_cfg - the pipeline configuration these options give (period,
 * goal, limits, stale age, model requirement, follower).  spinal-core and
 * spinal-replay --core-defaults share it, so a replay runs what the core ran.
 */
struct pipeline_cfg;
void core_pipeline_cfg(const struct core_opts *o, struct pipeline_cfg *pc);

/*
 * core_opts_parse - parse argv into @o (defaults first).  Main thread.
 * Prints --help and exits 0 for -h; returns 0, or -1 after printing a
 * one-line error and "Try 'spinal-core --help'." on stderr.
 */
int core_opts_parse(int argc, char **argv, struct core_opts *o);

#endif
