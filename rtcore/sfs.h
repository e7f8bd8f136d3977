/* SPDX-License-Identifier: MIT */
/*
 * SFS: spatial features for the policy, from the robot state and the current
 * graph snapshot.  The layout is fixed and documented in docs/features.md;
 * a model whose input size differs from sfs_n_features() is refused at load.
 *
 *   [4*i + 0..3]  neighbour i of k (nearest first): cos, sin of its bearing
 *                 relative to the heading, distance / range (clamped to 1),
 *                 on-path flag (1 if on the shortest path from the nearest
 *                 node to the goal).  Missing neighbours: 0, 0, 1, 0.
 *   [4k + 0..2]   next waypoint (next hop of the nearest node, or the goal):
 *                 cos, sin of its relative bearing, distance / range
 *   [4k + 3..5]   goal: cos, sin of its relative bearing, distance / goal_range
 *   [4k + 6..7]   own v / v_scale, omega / omega_scale
 *
 * Everything except the last two entries depends only on the pose, the goal
 * and the snapshot; those are memoised in a one-entry cache keyed by the pose
 * quantised to (pos_res, ang_res), the goal and the snapshot generation.
 * With the cache enabled the pose-dependent features are computed at the
 * centre of the quantisation cell, so a hit and a miss give bit-identical
 * features (replay does not depend on cache history).
 */
#ifndef SPINAL_RTCORE_SFS_H
#define SPINAL_RTCORE_SFS_H

#include <stdint.h>

#include "rtcore/graph.h"

#define SFS_K_MAX 16
#define SFS_EXTRA 8
#define SFS_MAX_FEATURES (4 * SFS_K_MAX + SFS_EXTRA)

/* Offsets of the fixed tail, relative to 4 * k. */
#define SFS_WP_COS 0
#define SFS_WP_SIN 1
#define SFS_WP_DIST 2
#define SFS_GOAL_COS 3
#define SFS_GOAL_SIN 4
#define SFS_GOAL_DIST 5
#define SFS_OWN_V 6
#define SFS_OWN_OMEGA 7

struct sfs_cfg {
	unsigned int k;     /* neighbours, 1..SFS_K_MAX (default 8) */
	float range;        /* neighbour/waypoint distance normaliser, m (5) */
	float goal_range;   /* goal distance normaliser, m (20) */
	float v_scale;      /* own v normaliser, m/s (1) */
	float omega_scale;  /* own omega normaliser, rad/s (2) */
	int cache;          /* 1: quantise + memoise (default 0, see docs) */
	float pos_res;      /* cache position resolution, m (0.1) */
	float ang_res;      /* cache heading resolution, rad (5 degrees) */
};

/* Where the robot should go, resolved by SFS (used by the follower too). */
struct sfs_out {
	float f[SFS_MAX_FEATURES];
	unsigned int n;        /* features written = sfs_n_features() */
	uint32_t nearest;      /* snapshot index of the nearest node, NONE if none */
	uint32_t nearest_id;
	uint32_t wp;           /* waypoint node index, NONE: goal point itself */
	float wp_x, wp_y;      /* waypoint (world) */
	float goal_x, goal_y;  /* goal (world) */
	float goal_dist;       /* straight-line distance to the goal, m */
	float path_dist;       /* along-path distance estimate for slowing, m */
	int32_t goal_node;     /* goal node id, -1 for a point goal */
	int hit;               /* 1 if this call was a cache hit */
};

/* One-entry cache (RT-private). */
struct sfs_cache {
	int valid;
	int32_t qx, qy, qa;
	uint64_t gen;
	float gx, gy;
	struct sfs_out out;
};

struct sfs {
	struct sfs_cfg cfg;
	struct sfs_cache c;
	uint64_t hits, misses;
};

void sfs_defaults(struct sfs_cfg *c);

/* Validate @cfg and reset the cache.  Any thread, before use.  0 or -EINVAL. */
int sfs_init(struct sfs *s, const struct sfs_cfg *cfg);

/* Feature-vector length for @cfg: 4 k + 8. */
static inline unsigned int sfs_n_features(const struct sfs_cfg *cfg)
{
	return 4 * cfg->k + SFS_EXTRA;
}

/* Does a model with @n_inputs inputs fit @cfg?  0, or -EBADMSG with a
 * one-line operator message in @err.  Any thread. */
int sfs_check_model_inputs(const struct sfs_cfg *cfg, unsigned long n_inputs, char *err,
			   unsigned long errlen);

/*
 * sfs_compute - features for pose (x, y, theta), velocities (v, omega).
 * @g: snapshot or NULL (no graph: neighbours missing, waypoint = goal).
 * The goal is @g's goal node when it has one, else (pgx, pgy).
 * RT-safe (no allocation, syscall or lock); returns 0, or -EINVAL for a
 * non-finite pose (out->n = 0).
 */
int sfs_compute(struct sfs *s, const struct spinal_graph *g, float x, float y, float theta,
		float v, float omega, float pgx, float pgy, struct sfs_out *out);

#endif /* SPINAL_RTCORE_SFS_H */
