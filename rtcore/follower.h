/* SPDX-License-Identifier: MIT */
/* Classical pure-pursuit path follower: the fallback policy. */
#ifndef SPINAL_FOLLOWER_H
#define SPINAL_FOLLOWER_H

struct follower_cfg {
	float v_max;       /* cruise speed, m/s */
	float omega_max;   /* rad/s */
	float slow_radius; /* start slowing this far from the final goal, m */
	float lookahead;   /* pure-pursuit lookahead, m */
	float turn_in_place; /* |bearing| above this (rad): rotate before driving */
};

/*
 * follower_step - command toward target (tx, ty) from pose (x, y, theta);
 * @dist_to_goal is the remaining path length (for slowing down).
 * RT-safe, pure.  Writes *v, *omega.
 */
void follower_step(const struct follower_cfg *c, float x, float y, float theta,
		   float tx, float ty, float dist_to_goal, float *v, float *omega);

void follower_defaults(struct follower_cfg *c);

#endif
