/* SPDX-License-Identifier: MIT */
/*
 * A complete robot driver for spinal-core --io shm (docs/driver.md): a
 * simulated differential-drive base.  On a real robot, send (c.v, c.omega)
 * to the motor controller and fill s from its encoders and fault inputs.
 *
 *   cc minimal_driver.c $(pkg-config --cflags --libs spinal-driver) -lm
 *   ./a.out NAME SECONDS [BUMPER_AT_S]
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <spinal/driver.h>

int main(int argc, char **argv)
{
	struct spinal_driver_config cfg;
	struct spinal_driver *d;
	struct timespec next;
	char err[256];
	double x = 0, y = 0, th = 0, t, dt;
	double seconds = argc > 2 ? atof(argv[2]) : 10, bumper_at = argc > 3 ? atof(argv[3]) : -1;

	spinal_driver_config_init(&cfg);
	cfg.instance = argc > 1 ? argv[1] : "spinal";
	cfg.wait_ms = 5000; /* the core may still be starting */
	d = spinal_driver_open(&cfg, err, sizeof(err));
	if (!d) {
		fprintf(stderr, "minimal_driver: %s\n", err);
		return 1;
	}
	dt = spinal_driver_core_period_ns(d) * 1e-9; /* run at the core's rate */
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (t = 0; t < seconds; t += dt) {
		struct spinal_driver_cmd c = { .size = sizeof(c) };
		struct spinal_driver_state s = { .size = sizeof(s) };

		spinal_driver_command(d, &c); /* v = omega = 0 unless safe to apply */
		x += c.v * cos(th) * dt;      /* the robot moves */
		y += c.v * sin(th) * dt;
		th += c.omega * dt;
		s.x = x, s.y = y, s.theta = th, s.v = c.v, s.omega = c.omega;
		if (bumper_at >= 0 && t >= bumper_at)
			s.faults = SPINAL_DRIVER_FAULT_BUMPER; /* the core stops the robot */
		spinal_driver_publish(d, &s);                  /* stamped now */
		spinal_driver_follow(d, err, sizeof(err));     /* core restarted? re-attach */
		next.tv_nsec += (long)(dt * 1e9);
		if (next.tv_nsec >= 1000000000L) {
			next.tv_sec++;
			next.tv_nsec -= 1000000000L;
		}
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
	}
	printf("minimal_driver: pose %.3f %.3f %.3f\n", x, y, th);
	spinal_driver_close(d);
	return 0;
}
