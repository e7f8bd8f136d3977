// SPDX-License-Identifier: MIT
/* Pure pursuit: curvature 2 sin(alpha) / L toward a target point. */
#include <math.h>

#include "rtcore/follower.h"

void follower_defaults(struct follower_cfg *c)
{
	c->v_max = 0.8f;
	c->omega_max = 1.5f;
	c->slow_radius = 1.0f;
	c->lookahead = 0.6f;
	c->turn_in_place = 1.0f;
}

void follower_step(const struct follower_cfg *c, float x, float y, float theta,
		   float tx, float ty, float dist_to_goal, float *v, float *omega)
{
	float dx = tx - x, dy = ty - y;
	float alpha = remainderf(atan2f(dy, dx) - theta, 2.0f * (float)M_PI);
	float ld = fmaxf(hypotf(dx, dy), c->lookahead);
	float speed = c->v_max * fminf(1.0f, fmaxf(0.15f, dist_to_goal / c->slow_radius));
	float w;

	if (fabsf(alpha) > c->turn_in_place) {
		*v = 0.0f;
		*omega = copysignf(c->omega_max * 0.8f, alpha);
		return;
	}
	speed *= cosf(alpha);
	w = speed * 2.0f * sinf(alpha) / ld;
	*v = speed;
	*omega = fmaxf(-c->omega_max, fminf(c->omega_max, w));
}
