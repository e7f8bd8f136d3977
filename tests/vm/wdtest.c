// SPDX-License-Identifier: MIT
/*
 * spinal-wdtest - exercise /dev/spinal_wd through lib/wd.h (VM test helper).
 *
 *   spinal-wdtest probe                       exit 0 available, 3 not available
 *   spinal-wdtest own PERIOD_US TIMEOUT_MS [BUDGET]
 *                                             arm, beat every period until
 *                                             SIGTERM/SIGINT (clean: disarm)
 *   spinal-wdtest watch WAIT_MS               wait for one trip, print it;
 *                                             exit 0 trip, 1 none in time
 *   spinal-wdtest status                      print the status page
 *   spinal-wdtest arm2                        try to arm while another owns it;
 *                                             exit 0 when refused with EBUSY
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/wd.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void print_status(const char *tag, const struct spinal_wd_status *s)
{
	printf("%s state=%s tripped=%u reason=%s owner=%d arms=%llu trips=%llu "
	       "misses=%llu checks=%llu max_gap_ns=%llu last_trip_ns=%llu "
	       "last_trip_gap_ns=%llu timeout_ns=%llu check_ns=%llu\n",
	       tag, spinal_wd_state_name(s->state), s->tripped,
	       spinal_wd_reason_name(s->last_reason), s->owner_pid,
	       (unsigned long long)s->arms, (unsigned long long)s->trips,
	       (unsigned long long)s->misses, (unsigned long long)s->checks,
	       (unsigned long long)s->max_gap_ns, (unsigned long long)s->last_trip_ns,
	       (unsigned long long)s->last_trip_gap_ns,
	       (unsigned long long)s->timeout_ns, (unsigned long long)s->check_ns);
	fflush(stdout);
}

static struct spinal_wd *open_or_die(enum spinal_wd_role role)
{
	struct spinal_wd *wd = spinal_wd_open(NULL, role);

	if (!wd) {
		fprintf(stderr, "spinal-wdtest: cannot open %s: %s; load spinal_wd.ko\n",
			SPINAL_WD_DEV, strerror(errno));
		exit(3);
	}
	return wd;
}

static int cmd_own(int argc, char **argv)
{
	uint64_t period, timeout, next;
	struct spinal_wd *wd;
	struct timespec ts;
	int r;

	if (argc < 4)
		return 2;
	period = strtoull(argv[2], NULL, 0) * 1000ull;
	timeout = strtoull(argv[3], NULL, 0) * 1000000ull;
	wd = open_or_die(SPINAL_WD_OWNER);
	r = spinal_wd_arm(wd, period, timeout,
			  argc > 4 ? (uint32_t)strtoul(argv[4], NULL, 0) : 0);
	if (r) {
		fprintf(stderr, "spinal-wdtest: arm failed: %s\n", strerror(-r));
		spinal_wd_close(wd);
		return 1;
	}
	printf("armed period_ns=%llu timeout_ns=%llu\n", (unsigned long long)period,
	       (unsigned long long)timeout);
	fflush(stdout);
	next = now_ns();
	while (!stop) {
		spinal_wd_beat(wd, now_ns());
		next += period;
		ts.tv_sec = (time_t)(next / 1000000000ull);
		ts.tv_nsec = (long)(next % 1000000000ull);
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
	}
	spinal_wd_close(wd);
	printf("disarmed\n");
	return 0;
}

static int cmd_watch(int argc, char **argv)
{
	struct spinal_wd_status ev;
	struct spinal_wd *wd;
	uint64_t t0;
	int r;

	if (argc < 3)
		return 2;
	wd = open_or_die(SPINAL_WD_SUPERVISOR);
	printf("watching\n");
	fflush(stdout);
	t0 = now_ns();
	r = spinal_wd_wait(wd, atoi(argv[2]), &ev);
	if (r == 1) {
		/* wake latency: from the kernel's trip time to this process */
		printf("woken_after_ns=%llu wake_latency_ns=%llu\n",
		       (unsigned long long)(now_ns() - t0),
		       (unsigned long long)(now_ns() - ev.last_trip_ns));
		print_status("trip", &ev);
	} else {
		printf("no trip (%d)\n", r);
	}
	spinal_wd_close(wd);
	return r == 1 ? 0 : 1;
}

int main(int argc, char **argv)
{
	struct spinal_wd_status s;
	struct spinal_wd *wd;
	int r;

	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	if (argc < 2)
		goto usage;
	if (!strcmp(argv[1], "probe")) {
		wd = spinal_wd_open(NULL, SPINAL_WD_SUPERVISOR);
		printf("%s\n", spinal_wd_available(wd) ? "available" : "not available");
		spinal_wd_close(wd);
		return wd ? 0 : 3;
	}
	if (!strcmp(argv[1], "own"))
		return cmd_own(argc, argv);
	if (!strcmp(argv[1], "watch"))
		return cmd_watch(argc, argv);
	if (!strcmp(argv[1], "status")) {
		wd = open_or_die(SPINAL_WD_SUPERVISOR);
		r = spinal_wd_status(wd, &s);
		if (!r)
			print_status("status", &s);
		spinal_wd_close(wd);
		return r ? 1 : 0;
	}
	if (!strcmp(argv[1], "arm2")) {
		wd = open_or_die(SPINAL_WD_OWNER);
		r = spinal_wd_arm(wd, 1000000, 100000000, 0);
		printf("second arm: %s\n", r ? strerror(-r) : "accepted");
		spinal_wd_close(wd);
		return r == -EBUSY ? 0 : 1;
	}
usage:
	fprintf(stderr, "usage: spinal-wdtest probe|own PERIOD_US TIMEOUT_MS [BUDGET]|"
		"watch WAIT_MS|status|arm2\n");
	return 2;
}
