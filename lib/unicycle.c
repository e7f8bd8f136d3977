// SPDX-License-Identifier: MIT
/* The unicycle robot model (lib/unicycle.h). */
#include <math.h>

#include "lib/unicycle.h"

void spinal_unicycle_step(struct spinal_unicycle *u, double v, double omega, double dt_s)
{
	double w = omega;

	if (!isfinite(v) || !isfinite(w))
		v = w = 0;
	/* exact unicycle integration over one period (midpoint heading) */
	u->x += v * cos(u->theta + 0.5 * w * dt_s) * dt_s;
	u->y += v * sin(u->theta + 0.5 * w * dt_s) * dt_s;
	u->theta = remainder(u->theta + w * dt_s, 2 * M_PI);
	u->v = v;
	u->omega = w;
}
