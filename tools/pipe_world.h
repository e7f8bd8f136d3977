/* SPDX-License-Identifier: MIT */
/*
 * Shared by the offline pipeline tools (spinal-closedloop, spinal-replay) and
 * the pipeline tests: the default floor map, model loading, one simulated
 * tick.  Not RT code: these tools run in simulated time.
 */
#ifndef SPINAL_TOOLS_PIPE_WORLD_H
#define SPINAL_TOOLS_PIPE_WORLD_H

#include <stddef.h>
#include <stdint.h>

#include "rtcore/graph_edit.h"
#include "rtcore/pipeline.h"

/*
 * pw_map_load - the map: "builtin" (the floor of docs/pipeline.md: three
 * corridors joined by three cross corridors, a node every metre) or a file
 * with one statement per line: "node ID X Y [FLAGS]", "edge A B [COST]"
 * (bidirectional), '#' comments.  Returns a model or NULL with a reason.
 */
struct spinal_gmodel *pw_map_load(const char *spec, char *err, size_t errlen);

/* Snapshot of @m with goal node @goal_id (SPINAL_NODE_NONE: none). */
struct spinal_graph *pw_snapshot(struct spinal_gmodel *m, uint32_t goal_id, uint64_t gen);

/* NIR file -> plan for loop period @dt (via the agent's importer).  NULL +
 * a reason in @err. */
struct sps_plan *pw_model_load(const char *path, double dt, char *err, size_t errlen);

/* Default pipeline configuration for offline runs at @period_ns. */
void pw_pipeline_cfg(struct pipeline_cfg *pc, uint64_t period_ns);

#endif
