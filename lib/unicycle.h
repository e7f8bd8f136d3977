/* SPDX-License-Identifier: MIT */
/*
 * The unicycle robot model shared by the in-process sim backend
 * (rtcore/io_sim.c) and the external driver tools/spinal-sim.c, so both
 * robots are the same robot.
 */
#ifndef SPINAL_LIB_UNICYCLE_H
#define SPINAL_LIB_UNICYCLE_H

struct spinal_unicycle {
	double x, y, theta; /* pose, m and rad (theta wrapped to [-pi, pi]) */
	double v, omega;    /* the velocities applied during the last step */
};

/*
 * spinal_unicycle_step - apply the command (@v m/s, @omega rad/s) for @dt_s
 * seconds: exact unicycle integration with the midpoint heading.  A
 * non-finite command is applied as zero (a driver never forwards NaN).
 * Any thread, RT-safe, deterministic (same inputs, same bits).
 */
void spinal_unicycle_step(struct spinal_unicycle *u, double v, double omega, double dt_s);

#endif
