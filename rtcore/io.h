/* SPDX-License-Identifier: MIT */
/*
 * I/O backends: where the RT thread reads the robot state and writes the
 * velocity command.  Both calls are RT-safe (no allocation, lock or syscall)
 * and return 0 or a negative errno.
 */
#ifndef SPINAL_IO_H
#define SPINAL_IO_H

#include <stdint.h>

struct spinal_state {
	uint64_t seq;      /* backend sequence number of this sample */
	uint64_t stamp_ns; /* CLOCK_MONOTONIC when it was sampled */
	float x, y, theta; /* pose, m and rad */
	float v, omega;    /* measured velocities, m/s and rad/s */
};

struct spinal_cmd {
	float v, omega;
};

struct io_backend {
	const char *name;
	int (*read_state)(struct io_backend *io, uint64_t now_ns, struct spinal_state *st);
	int (*write_cmd)(struct io_backend *io, uint64_t now_ns, const struct spinal_cmd *cmd);
	void (*destroy)(struct io_backend *io);
};

/*
 * io_sim_create - the in-process deterministic unicycle robot.  Each
 * write_cmd advances the world by exactly @dt_s (simulated time, independent
 * of wake-up jitter), so a run is reproducible.  Main thread; NULL + errno.
 */
struct io_backend *io_sim_create(double x, double y, double theta, double dt_s);

#endif
