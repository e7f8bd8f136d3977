/* SPDX-License-Identifier: MIT */
/*
 * The live console's payloads (docs/console.md has the JSON schema): what the
 * browser page at / shows, built from a plain sample of the agent's state.
 *
 * The console knows neither the agent nor HTTP.  The agent fills a
 * struct console_sample (userspace/console_agent.c, the only place that
 * knows both); the console turns samples into JSON documents:
 *
 *   frame   pose, command, goal, path, counters, safety state (<= 30 Hz)
 *   hist    per-stage latency histograms with p50/p99/max and budgets
 *   map     nodes, edges by kind, the graph's identity
 *
 * Every counter in a frame is cumulative, so a client that misses frames
 * (backpressure drops the oldest) loses resolution, never a count.
 *
 * Values read from the core's shared memory are untrusted: non-finite
 * floats are written as null, indices are bounded.
 */
#ifndef SPINAL_USERSPACE_CONSOLE_H
#define SPINAL_USERSPACE_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

#include <spinal/hist.h>
#include <spinal/shm.h>
#include <spinal/stats.h>

#include "userspace/strbuf.h"

#define CONSOLE_SCHEMA 1

/* Seed budgets (p99) of the Python service spinal replaces, per stage. */
#define CONSOLE_BUDGET_SFS_NS 2000000ULL
#define CONSOLE_BUDGET_SPS_NS 5000000ULL
#define CONSOLE_BUDGET_AAS_NS 1000000ULL
#define CONSOLE_BUDGET_VI_NS 1000000ULL

/* Budget of @stage in ns (0: none, e.g. the wake lateness). */
uint64_t console_stage_budget_ns(unsigned int stage);

/* One look at the agent and the core, taken by the agent under its lock. */
struct console_sample {
	uint64_t mono_ns;               /* CLOCK_MONOTONIC when taken */
	uint64_t real_ns;               /* CLOCK_REALTIME when taken */
	char instance[SPINAL_NAME_MAX];
	/* the agent */
	int attached;                   /* mapped a core's regions */
	int core_dead, stalled, safe_stop_req; /* watchdog verdicts */
	uint64_t written, missing;      /* telemetry this agent logged / marked missing */
	int link;                       /* config link to the core is up */
	char link_why[320];             /* ... or why not */
	char graph_src[512];            /* what the agent sent as the map, "" none */
	char model_path[512];           /* ... and as the model, "" none */
	int estop_wanted;               /* the agent's last accepted e-stop */
	uint64_t cfg_accepted, cfg_rejected, cfg_failed;
	/* the core (valid when attached) */
	int32_t core_pid;
	uint32_t state;                 /* SPINAL_STATE_* */
	uint32_t period_ns;
	uint16_t abi_major, abi_minor;
	uint64_t start_realtime_ns;
	uint64_t heartbeat_age_ns;
	uint64_t ticks, overruns, missed_periods, consec_miss, consec_miss_max;
	uint64_t first_overrun_tick;    /* 0 none, else tick + 1 */
	uint64_t telem_produced, telem_dropped;
	uint32_t safe_stop;             /* SPINAL_SAFE_STOP_* latch */
	uint32_t goal_reached;
	uint64_t estop_core;            /* stats upd_reserved[SPINAL_STATS_ESTOP] */
	uint64_t aas[SPINAL_AAS_COUNT];
	float x, y, theta, cmd_v, cmd_omega, goal_x, goal_y;
	int32_t goal_node, nearest_node; /* -1: none (from the newest record) */
	uint64_t graph_generation, graph_nodes, graph_edges;
	uint64_t model_id, model_layers, model_neurons, params_id;
	uint64_t cfg_core_accepted, cfg_core_rejected;
	/* the newest record (live: peeked from the ring; replay: the record) */
	int have_rec, replay;
	uint64_t rec_seq;
	uint32_t rec_flags;             /* SPINAL_TF_* */
	int64_t rec_lateness_ns;
	int have_hist;                  /* stage[] filled */
	struct spinal_hist_snap stage[SPINAL_STAGE_COUNT];
};

struct console_map;

/*
 * console_map_create - the console's view of a graph blob (the one the agent
 * sent to the core; include/spinal/config.h): nodes, edges and, for the goal
 * the core reports, the core's own next-hop table (rtcore/graph.c, the same
 * builder the core runs).  Copies @blob.  Any thread.  Returns the map or
 * NULL + errno (EINVAL: the blob is not a valid graph; ENOMEM).
 */
struct console_map *console_map_create(const void *blob, size_t len, const char *src);
void console_map_destroy(struct console_map *m);

/* Checksum of the blob the map was made from (to tell maps apart). */
uint64_t console_map_id(const struct console_map *m);

/*
 * console_map_json - the map document into @out:
 *   {"schema","id","source","nodes":[{id,x,y,flags:[..]}],"edges":[{from,to,
 *   cost,kind}],"goal","bounds":{..}}
 * Edge kinds: "door", "dock", "room", "corridor" by the endpoints' flags (door
 * first), "one_way" when the reverse edge is absent.  Any thread.
 */
void console_map_json(const struct console_map *m, struct strbuf *out);

/*
 * console_map_path - the path the core follows from node @from_id (the
 * core's nearest node; SPINAL_NODE_NONE: the node nearest (@x, @y)) to the
 * goal node @goal_id along the next hops the core's own builder computes.
 * Up to @max ids into @ids.  Returns the number of ids (0: no goal, unknown
 * node, or the goal unreachable from there).  Caller serialises calls on
 * one map (the next-hop table is cached per goal).
 */
int console_map_path(struct console_map *m, uint32_t from_id, float x, float y,
		     uint32_t goal_id, uint32_t *ids, int max);

/*
 * console_frame_json - one frame ({"schema","seq",...}, docs/console.md) from
 * @s, with the path (@path, @npath ids; @goal_id) and the map's id (0 none).
 * Any thread.
 */
void console_frame_json(const struct console_sample *s, uint64_t seq, const uint32_t *path,
			int npath, uint32_t goal_id, uint64_t map_id, struct strbuf *out);

/*
 * console_hist_json - the histogram document of @s (have_hist set):
 *   {"schema","seq","stages":[{"stage","count","p50_ns","p99_ns","max_ns",
 *   "budget_ns","buckets":[[lo_ns,hi_ns,count],...]}]}  (non-empty buckets)
 * from @snap (SPINAL_STAGE_COUNT histograms).  Any thread.
 */
void console_hist_json(const struct spinal_hist_snap *snap, uint64_t seq, struct strbuf *out);

/* Names of the bits of a safe-stop latch, ", "-joined, into @buf. */
void console_safe_stop_names(uint32_t mask, char *buf, size_t len);

/* Append @s as a JSON string literal (escaped) to @out. */
void console_json_str(struct strbuf *out, const char *s);

#endif /* SPINAL_USERSPACE_CONSOLE_H */
