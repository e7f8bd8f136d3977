/* SPDX-License-Identifier: MIT */
/*
 * I/O backends: where the RT thread reads the robot state and writes the
 * velocity command.  Both calls are RT-safe (no allocation, lock or syscall)
 * and return 0 or a negative errno.
 */
#ifndef SPINAL_IO_H
#define SPINAL_IO_H

#include <stddef.h>
#include <stdint.h>

struct spinal_state {
	uint64_t seq;      /* backend sequence number of this sample */
	uint64_t stamp_ns; /* CLOCK_MONOTONIC when it was sampled */
	float x, y, theta; /* pose, m and rad */
	float v, omega;    /* measured velocities, m/s and rad/s */
	uint32_t faults;   /* SPINAL_IO_SF_* reported by the driver (AAS stops on any) */
	uint64_t read_ns;  /* CLOCK_MONOTONIC of the read (the now_ns passed in):
			    * AAS judges staleness as read_ns - stamp_ns */
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

/*
 * io_shm_create - the shared-memory backend (rtcore/io_shm.c): latest-value
 * state and command mailboxes in region "/spinal.<instance>.io" for an
 * external driver (tools/spinal-sim is one).  A state whose seqlock read
 * stays torn after a bounded number of retries is replaced by the last good
 * sample (its old stamp makes AAS stop once it is older than the stale age).
 * Main thread; NULL + errno, with a one-line reason in @err.
 */
struct io_backend *io_shm_create(const char *instance, char *err, size_t errlen);

/* The IO region header of an io_shm backend (to publish it).  Main thread. */
struct spinal_region_hdr *io_shm_region(struct io_backend *io);

#endif
