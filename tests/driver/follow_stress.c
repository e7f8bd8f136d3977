// SPDX-License-Identifier: MIT
/*
 * libspinal-driver's one concurrency promise, under load: spinal_driver_
 * command() and spinal_driver_publish() run on two threads at once while
 * spinal_driver_follow() replaces the attachment after core restarts
 * (tests/driver/run.sh restarts the core under it).  A publish or command
 * that used an unmapped attachment would fault; under ThreadSanitizer a
 * missing ordering would be reported.
 *
 *   follow_stress NAME SECONDS MIN_REATTACHES
 *
 * Exit 0 when both threads ran throughout, nothing was refused, and at least
 * MIN_REATTACHES restarts were followed; prints the counts.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <spinal/driver.h>

static struct spinal_driver *d;
static atomic_int stop;
static atomic_ulong publishes, commands, publish_errors;

static void *publisher(void *arg)
{
	struct spinal_driver_state s = { .size = sizeof(s) };

	(void)arg;
	while (!atomic_load(&stop)) {
		s.x += 1e-6;
		if (spinal_driver_publish(d, &s))
			atomic_fetch_add(&publish_errors, 1);
		atomic_fetch_add(&publishes, 1);
	}
	return NULL;
}

static void *commander(void *arg)
{
	struct spinal_driver_cmd c = { .size = sizeof(c) };

	(void)arg;
	while (!atomic_load(&stop)) {
		c.size = sizeof(c);
		if (spinal_driver_command(d, &c) < 0)
			abort();
		atomic_fetch_add(&commands, 1);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct spinal_driver_config cfg;
	struct spinal_driver_counters k = { .size = sizeof(k) };
	struct timespec t0, t, nap = { 0, 1000000 };
	pthread_t a, b;
	char err[256];
	double secs;
	long min_re;

	if (argc != 4) {
		fprintf(stderr, "usage: follow_stress NAME SECONDS MIN_REATTACHES\n");
		return 2;
	}
	secs = atof(argv[2]);
	min_re = atol(argv[3]);
	spinal_driver_config_init(&cfg);
	cfg.instance = argv[1];
	cfg.wait_ms = 10000;
	d = spinal_driver_open(&cfg, err, sizeof(err));
	if (!d) {
		fprintf(stderr, "follow_stress: %s\n", err);
		return 1;
	}
	pthread_create(&a, NULL, publisher, NULL);
	pthread_create(&b, NULL, commander, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		spinal_driver_follow(d, err, sizeof(err)); /* errors: old run dead, new one not up */
		nanosleep(&nap, NULL);
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((double)(t.tv_sec - t0.tv_sec) + (t.tv_nsec - t0.tv_nsec) * 1e-9 < secs);
	atomic_store(&stop, 1);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	spinal_driver_counters(d, &k);
	printf("follow_stress: %llu re-attaches, %lu publishes (%lu refused), %lu commands, verdicts go=%llu stale=%llu no_cmd=%llu stopped=%llu\n",
	       (unsigned long long)k.reattaches, atomic_load(&publishes),
	       atomic_load(&publish_errors), atomic_load(&commands),
	       (unsigned long long)k.stops[SPINAL_DRIVER_GO],
	       (unsigned long long)k.stops[SPINAL_DRIVER_STOP_STALE],
	       (unsigned long long)k.stops[SPINAL_DRIVER_STOP_NO_CMD],
	       (unsigned long long)k.stops[SPINAL_DRIVER_STOP_CORE_STOPPED]);
	spinal_driver_close(d);
	return (long)k.reattaches >= min_re && atomic_load(&publish_errors) == 0 ? 0 : 1;
}
