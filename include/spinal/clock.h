/* SPDX-License-Identifier: MIT */
/* CLOCK_MONOTONIC in nanoseconds, the one time base of stats, telemetry and mailboxes. */
#ifndef SPINAL_CLOCK_H
#define SPINAL_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Any thread; RT-safe (vDSO clock_gettime, no syscall on a vDSO clocksource). */
static inline uint64_t spinal_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#endif /* SPINAL_CLOCK_H */
