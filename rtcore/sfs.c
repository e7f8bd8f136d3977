// SPDX-License-Identifier: MIT
/* SFS: spatial features (see sfs.h and docs/features.md). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "rtcore/knn.h"
#include "rtcore/sfs.h"

void sfs_defaults(struct sfs_cfg *c)
{
	c->k = 8;
	c->range = 5.0f;
	c->goal_range = 20.0f;
	c->v_scale = 1.0f;
	c->omega_scale = 2.0f;
	c->cache = 0;
	c->pos_res = 0.1f;
	c->ang_res = (float)(5.0 * M_PI / 180.0);
}

static int pos_finite(float f)
{
	return isfinite(f) && f > 0.0f;
}

int sfs_init(struct sfs *s, const struct sfs_cfg *cfg)
{
	if (cfg->k < 1 || cfg->k > SFS_K_MAX || !pos_finite(cfg->range) ||
	    !pos_finite(cfg->goal_range) || !pos_finite(cfg->v_scale) ||
	    !pos_finite(cfg->omega_scale) || !pos_finite(cfg->pos_res) ||
	    !pos_finite(cfg->ang_res))
		return -EINVAL;
	memset(s, 0, sizeof(*s));
	s->cfg = *cfg;
	return 0;
}

int sfs_check_model_inputs(const struct sfs_cfg *cfg, unsigned long n_inputs, char *err,
			   unsigned long errlen)
{
	unsigned int n = sfs_n_features(cfg);

	if (n_inputs == n)
		return 0;
	if (err && errlen)
		snprintf(err, errlen,
			 "model expects %lu inputs but SFS produces %u (k=%u neighbours: 4*k+%d, docs/features.md); retrain the model for this layout or set the neighbour count to %lu",
			 n_inputs, n, cfg->k, SFS_EXTRA,
			 n_inputs >= SFS_EXTRA && (n_inputs - SFS_EXTRA) % 4 == 0 ?
				 (n_inputs - SFS_EXTRA) / 4 : 0ul);
	return -EBADMSG;
}

static inline float clamp01(float v)
{
	return v < 1.0f ? v : 1.0f;
}

/* Relative bearing of (dx, dy) seen from heading (ch, sh) = (cos th, sin th):
 * cos(b - th), sin(b - th) without atan2. */
static inline void rel_bearing(float dx, float dy, float d, float ch, float sh, float *c,
			       float *s)
{
	if (d > 1e-6f) {
		float cb = dx / d, sb = dy / d;

		*c = cb * ch + sb * sh;
		*s = sb * ch - cb * sh;
	} else {
		*c = 1.0f;
		*s = 0.0f;
	}
}

/* The pose-dependent part of the features. */
static void compute_spatial(const struct sfs_cfg *cfg, const struct spinal_graph *g, float x,
			    float y, float theta, float pgx, float pgy, struct sfs_out *o)
{
	struct spinal_knn_hit hit[SFS_K_MAX];
	const unsigned int k = cfg->k;
	const float inv_r = 1.0f / cfg->range;
	float ch = cosf(theta), sh = sinf(theta), dx, dy, d;
	float *t = &o->f[4 * k];
	uint32_t near = SPINAL_NODE_NONE, goal = SPINAL_NODE_NONE;
	const struct spinal_gnode *nn;
	int n = 0, i;

	o->goal_x = pgx;
	o->goal_y = pgy;
	o->goal_node = -1;
	if (g && g->nnodes) {
		n = spinal_graph_knn(g, x, y, k, hit);
		if (n < 0)
			n = 0;
		if (g->goal < g->nslots) {
			const struct spinal_gnode *gn = spinal_graph_node(g, g->goal);

			goal = g->goal;
			o->goal_x = gn->x;
			o->goal_y = gn->y;
			o->goal_node = (int32_t)gn->id;
		}
	}
	if (n > 0)
		near = hit[0].idx;
	/* the nearest node's record once; hit indices come from the snapshot */
	nn = n > 0 ? spinal_graph_node(g, near) : NULL;
	for (i = 0; i < (int)k; i++) {
		float *f = &o->f[4 * i];

		if (i >= n) {
			f[0] = 0.0f, f[1] = 0.0f, f[2] = 1.0f, f[3] = 0.0f;
			continue;
		}
		/* knn gives world-frame cos/sin; rotate into the robot frame */
		f[0] = hit[i].cos_b * ch + hit[i].sin_b * sh;
		f[1] = hit[i].sin_b * ch - hit[i].cos_b * sh;
		f[2] = clamp01(hit[i].dist * inv_r);
		f[3] = (float)spinal_graph_on_path_nodes(nn, spinal_graph_node(g, hit[i].idx));
	}

	/* waypoint: next hop of the nearest node toward the goal */
	o->nearest = near;
	o->nearest_id = near != SPINAL_NODE_NONE ? spinal_graph_node(g, near)->id : SPINAL_NODE_NONE;
	o->wp = SPINAL_NODE_NONE;
	o->wp_x = o->goal_x;
	o->wp_y = o->goal_y;
	o->path_dist = -1.0f;
	if (near != SPINAL_NODE_NONE && goal != SPINAL_NODE_NONE) {
		uint32_t nh = spinal_graph_next_hop(g, near);

		if (nh < g->nslots && nh != goal) {
			const struct spinal_gnode *w = spinal_graph_node(g, nh);

			o->wp = nh;
			o->wp_x = w->x;
			o->wp_y = w->y;
			o->path_dist = hypotf(o->wp_x - x, o->wp_y - y) + w->cost;
		}
	}
	dx = o->wp_x - x;
	dy = o->wp_y - y;
	d = hypotf(dx, dy);
	rel_bearing(dx, dy, d, ch, sh, &t[SFS_WP_COS], &t[SFS_WP_SIN]);
	t[SFS_WP_DIST] = clamp01(d * inv_r);

	dx = o->goal_x - x;
	dy = o->goal_y - y;
	d = hypotf(dx, dy);
	rel_bearing(dx, dy, d, ch, sh, &t[SFS_GOAL_COS], &t[SFS_GOAL_SIN]);
	t[SFS_GOAL_DIST] = clamp01(d / cfg->goal_range);
	if (o->path_dist < 0.0f)
		o->path_dist = d;
}

static inline int32_t quant(float v, float res)
{
	float q = floorf(v / res);

	/* poses are |x| <= 1e6 m; clamp so the conversion is defined */
	q = fmaxf(-2.0e9f, fminf(2.0e9f, q));
	return (int32_t)q;
}

int sfs_compute(struct sfs *s, const struct spinal_graph *g, float x, float y, float theta,
		float v, float omega, float pgx, float pgy, struct sfs_out *out)
{
	const struct sfs_cfg *cfg = &s->cfg;
	float *t;

	if (!isfinite(x) || !isfinite(y) || !isfinite(theta)) {
		out->n = 0;
		return -EINVAL;
	}
	if (cfg->cache) {
		struct sfs_cache *c = &s->c;
		float th = remainderf(theta, 2.0f * (float)M_PI);
		int32_t qx = quant(x, cfg->pos_res), qy = quant(y, cfg->pos_res);
		int32_t qa = quant(th, cfg->ang_res);
		uint64_t gen = g ? g->generation : 0;

		if (c->valid && c->qx == qx && c->qy == qy && c->qa == qa && c->gen == gen &&
		    c->gx == pgx && c->gy == pgy) {
			*out = c->out;
			out->hit = 1;
			s->hits++;
		} else {
			compute_spatial(cfg, g, ((float)qx + 0.5f) * cfg->pos_res,
					((float)qy + 0.5f) * cfg->pos_res,
					((float)qa + 0.5f) * cfg->ang_res, pgx, pgy, out);
			out->hit = 0;
			c->valid = 1;
			c->qx = qx, c->qy = qy, c->qa = qa, c->gen = gen;
			c->gx = pgx, c->gy = pgy;
			c->out = *out;
			s->misses++;
		}
		/* distance to the goal is always exact: AAS decides on it */
		out->goal_dist = hypotf(out->goal_x - x, out->goal_y - y);
	} else {
		compute_spatial(cfg, g, x, y, theta, pgx, pgy, out);
		out->hit = 0;
		out->goal_dist = hypotf(out->goal_x - x, out->goal_y - y);
	}
	t = &out->f[4 * cfg->k];
	t[SFS_OWN_V] = isfinite(v) ? v / cfg->v_scale : 0.0f;
	t[SFS_OWN_OMEGA] = isfinite(omega) ? omega / cfg->omega_scale : 0.0f;
	out->n = sfs_n_features(cfg);
	return 0;
}
