/* SPDX-License-Identifier: MIT */
/*
 * The RT loop: timing, deadline accounting, telemetry and heartbeat around
 * the control pipeline (rtcore/pipeline.h), once per period.
 */
#ifndef SPINAL_LOOP_H
#define SPINAL_LOOP_H

#include <stdatomic.h>
#include <stdint.h>

#include <spinal/region.h>
#include <spinal/ring.h>
#include <spinal/stats.h>

#include "rtcore/io.h"
#include "rtcore/pipeline.h"

struct spinal_updater;
struct spinal_params;

struct spinal_wd;
struct core_trace;

struct spinal_loop {
	uint64_t period_ns;
	uint32_t max_consec_miss;  /* K consecutive overruns -> safe stop (0 = never) */
	struct spinal_stats *stats;
	struct spinal_ring telem;  /* producer side */
	struct io_backend *io;
	struct spinal_updater *upd; /* map/model updater (RCU publisher), may be NULL */
	struct pipeline pipe;      /* RT-private */
	const struct spinal_params *params; /* parameter set applied to pipe (RT-private) */
	atomic_int stop;           /* set by the main thread */
	atomic_int rt_fifo;        /* RT thread verified SCHED_FIFO */
	atomic_int rt_tid;
	uint64_t seq;              /* next telemetry seq = ticks attempted */
	struct spinal_wd *wd;      /* kernel watchdog (lib/wd.h), NULL when absent */
	struct core_trace *trace;  /* late-tick queue (rtcore/trace.h), NULL when off */
};

/*
 * loop_thread - pthread entry for the RT thread (arg: struct spinal_loop *).
 * Runs until ->stop, then writes a zero command and returns.  Never blocks,
 * allocates or makes a syscall other than clock_nanosleep (clocks are vDSO).
 */
void *loop_thread(void *arg);

#endif
