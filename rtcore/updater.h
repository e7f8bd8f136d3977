/* SPDX-License-Identifier: MIT */
/*
 * The updater thread: config ring -> copy -> validate -> edit -> build ->
 * publish (RCU) -> call_rcu free.  See docs/graph.md.  For every slot it
 * handles it publishes a verdict (seq, verdict, reason, numbers, text) in
 * the verdict table, then releases the slot (docs/abi-config.md).
 *
 * Threads:
 *   main thread   spinal_updater_start()/stop()
 *   updater       drains the config ring, runs message handlers, publishes
 *                 snapshots; SCHED_OTHER, affinity excludes cfg.rt_cpu, and so
 *                 does its call_rcu worker (created by the updater thread,
 *                 inheriting its mask, installed with set_thread_call_rcu_data)
 *   RT thread     spinal_graph_current() (graph.h), spinal_graph_knn() (knn.h),
 *                 spinal_updater_report_visit(), spinal_updater_estop()
 *
 * RT thread protocol (liburcu QSBR, rtcore/rcu.h):
 *   spinal_rcu_register();                       once, before the loop
 *   for (;;) {
 *           clock_nanosleep(...);
 *           g = spinal_graph_current();          NULL: no graph, stop safely
 *           ... spinal_graph_knn(g, ...), spinal_graph_next_hop(g, i) ...
 *           spinal_updater_report_visit(u, spinal_graph_node(g, nearest)->id);
 *           spinal_rcu_quiescent();              g must not be used after this
 *   }
 *   spinal_rcu_unregister();
 * Stop the RT thread before spinal_updater_stop(): stop unpublishes the graph.
 */
#ifndef SPINAL_RTCORE_UPDATER_H
#define SPINAL_RTCORE_UPDATER_H

#include <stddef.h>
#include <stdint.h>

#include <spinal/config.h>
#include <spinal/ring.h>
#include <spinal/stats.h>

#include "cfg_validate.h"

struct spinal_updater;

/*
 * A message handler: runs on the updater thread, RCU-online (it may
 * rcu_xchg_pointer() and call_rcu() its own objects; it must not block for
 * long).  @m has passed spinal_cfg_validate_msg() and is a private copy.
 * Returns 0 (accepted) or SPINAL_CFG_REJECT(reason) (cfg_validate.h).
 */
typedef int (*spinal_cfg_handler_fn)(struct spinal_updater *u, const struct spinal_cfg_msg *m,
				     void *ctx);

struct spinal_cfg_handler {
	uint32_t type;          /* enum spinal_cfg_type */
	spinal_cfg_handler_fn fn;
	void *ctx;
};

struct spinal_updater_cfg {
	struct spinal_ring *cfg_ring; /* consumer side, attached, slot size 256; NULL: none.
				       * Owned by the updater thread until stop. */
	const void *staging;          /* staging area (shared, untrusted), may be NULL */
	size_t staging_len;
	struct spinal_stats *stats;   /* may be NULL (tests): counted privately */
	struct spinal_cfg_verdicts *verdicts; /* the verdict table (STATS region section
				       * SPINAL_SECT_CFG_VERDICT); NULL: kept privately.
				       * Initialised by spinal_updater_start(). */
	int rt_cpu;                   /* CPU to keep off, -1: none */
	uint32_t max_nodes;           /* graph size cap; 0: 65536 */
	const void *initial_blob;     /* optional graph blob (private memory) to */
	size_t initial_blob_len;      /*   publish before start returns */
	uint32_t visit_slots;         /* visit ring slots, power of two; 0: 1024 */
	uint32_t poll_us;             /* idle poll period; 0: 500 */
	uint32_t visit_publish_ms;    /* republish for visits alone at most this often; 0: 1000 */
	uint32_t max_pending;         /* old snapshots awaiting a grace period before the
				       * updater waits; 0: 64 */
	int poison;                   /* overwrite freed snapshots (torture, debugging) */
	const struct spinal_cfg_handler *handlers; /* extra/override handlers */
	unsigned int nhandlers;
};

/*
 * spinal_updater_start - validate @cfg, publish the initial graph if any,
 * start the updater thread.  Main thread, not RT.  Only one updater per
 * process (it owns spinal_graph_cur).  Returns the handle or NULL + errno:
 * EINVAL (cfg: ring slot size, handler type, visit_slots), EBADMSG (initial
 * blob rejected), EBUSY (an updater already runs), ENOMEM, or pthread errors.
 */
struct spinal_updater *spinal_updater_start(const struct spinal_updater_cfg *cfg);

/* Stop and join the thread, unpublish the graph, wait for every pending free.
 * Main thread, after the RT thread stopped reading; the caller must not be an
 * online RCU reader (unregistered or spinal_rcu_offline()), or the final
 * grace period never ends.  NULL is a no-op. */
void spinal_updater_stop(struct spinal_updater *u);

/*
 * spinal_updater_report_visit - tell the updater the robot is at node @id.
 * RT thread (single producer); RT-safe: one ring slot, no wait.  Returns 0,
 * or -ENOBUFS when the visit ring is full (counted in stats->visit_drops).
 */
int spinal_updater_report_visit(struct spinal_updater *u, uint32_t id);

/* 1 while a config e-stop is set, else 0.  Any thread; RT-safe (one load). */
int spinal_updater_estop(const struct spinal_updater *u);

/* Last published generation (0: none).  Any thread; RT-safe. */
uint64_t spinal_updater_generation(const struct spinal_updater *u);

/* Highest generation whose grace period has ended and that was freed.  Any
 * thread.  A reader that sees F here and then calls spinal_graph_current()
 * gets a generation > F (the torture test checks this). */
uint64_t spinal_updater_freed_generation(const struct spinal_updater *u);

/* 1 if the updater could not leave the RT CPU (no other CPU allowed). */
int spinal_updater_shares_rt_cpu(const struct spinal_updater *u);

/* The call_rcu worker thread, for checks (affinity).  Valid while running. */
int spinal_updater_call_rcu_affinity(const struct spinal_updater *u, void *cpuset, size_t len);

/*
 * spinal_updater_why - where a handler says which number broke which rule
 * for the message it is handling (spinal_cfg_why_set(); the verdict carries
 * it, include/spinal/config.h).  Updater thread (handlers) only; zeroed
 * before each message.
 */
struct spinal_cfg_why *spinal_updater_why(struct spinal_updater *u);

/* Format an empty verdict table (geometry fields set).  Any thread, before
 * the table is shared; spinal_updater_start() calls it. */
void spinal_cfg_verdicts_init(struct spinal_cfg_verdicts *vt);

/*
 * spinal_updater_stage - copy a staged blob named by a *_COMMIT message out of
 * shared memory and verify its checksum.  Updater thread (handlers) only.
 * Returns a private, 8-aligned copy valid until the next call, or NULL with
 * *rc = SPINAL_CFG_REJECT(STAGING / CHECKSUM / NOMEM).
 */
const void *spinal_updater_stage(struct spinal_updater *u, const struct spinal_cfg_commit *c,
				 int *rc);

#endif /* SPINAL_RTCORE_UPDATER_H */
