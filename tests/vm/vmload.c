// SPDX-License-Identifier: MIT
/*
 * spinal-vmload - loads with a known cause for the PREEMPT_RT guest's
 * attribution windows (tests/vm/guest/checks.sh), and a reader of the
 * incident counters.
 *
 *   spinal-vmload spin CPU fifo|other PRIO BUSY_US PERIOD_US SECONDS
 *       a thread pinned to CPU: busy BUSY_US, sleep the rest of PERIOD_US
 *       (PERIOD_US = BUSY_US: never sleeps), as SCHED_FIFO PRIO or SCHED_OTHER
 *   spinal-vmload irq IRQ CPU PRIO
 *       route IRQ to CPU and run its threaded handler (irq/IRQ-*) at FIFO PRIO
 *   spinal-vmload flood DEV CPU SECONDS [IRQ IRQCPU PRIO]
 *       write to the tty DEV from CPU as fast as it takes it (its TX
 *       interrupts); with IRQ: once DEV is open (its handler exists), do
 *       what "irq IRQ IRQCPU PRIO" does
 *   spinal-vmload causes NAME
 *       one line "published=N irq=N softirq=N ..." from the incident counters
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <spinal/clock.h>
#include <spinal/region.h>

#include "lib/incident.h"
#include "lib/region_map.h"

static int pin(int cpu)
{
	cpu_set_t s;

	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	if (sched_setaffinity(0, sizeof(s), &s)) {
		perror("vmload: sched_setaffinity");
		return -1;
	}
	return 0;
}

static int cmd_spin(int cpu, const char *pol, int prio, long busy_us, long period_us, double secs)
{
	struct sched_param sp = { .sched_priority = prio };
	uint64_t end = spinal_mono_ns() + (uint64_t)(secs * 1e9), next = spinal_mono_ns();

	if (pin(cpu))
		return 1;
	if (strcmp(pol, "fifo") == 0 && sched_setscheduler(0, SCHED_FIFO, &sp)) {
		perror("vmload: SCHED_FIFO");
		return 1;
	}
	while (spinal_mono_ns() < end) {
		uint64_t stop = spinal_mono_ns() + (uint64_t)busy_us * 1000u;

		while (spinal_mono_ns() < stop)
			;
		if (period_us > busy_us) {
			struct timespec ts;

			next += (uint64_t)period_us * 1000u;
			ts.tv_sec = (time_t)(next / 1000000000u);
			ts.tv_nsec = (long)(next % 1000000000u);
			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		}
	}
	return 0;
}

static int cmd_irq(int irq, int cpu, int prio)
{
	struct sched_param sp = { .sched_priority = prio };
	char path[300], want[32], comm[64];
	struct dirent *d;
	DIR *dir;
	int n = 0, fd;

	snprintf(path, sizeof(path), "/proc/irq/%d/smp_affinity_list", irq);
	fd = open(path, O_WRONLY);
	if (fd < 0 || dprintf(fd, "%d\n", cpu) < 0) {
		fprintf(stderr, "vmload: %s: %s\n", path, strerror(errno));
		return 1;
	}
	close(fd);
	snprintf(want, sizeof(want), "irq/%d-", irq);
	dir = opendir("/proc");
	while (dir && (d = readdir(dir))) {
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%s/comm", d->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) && strncmp(comm, want, strlen(want)) == 0) {
			if (sched_setscheduler(atoi(d->d_name), SCHED_FIFO, &sp) == 0) {
				printf("irq %d -> CPU %d, %s", irq, cpu, comm);
				printf("  (pid %s) now SCHED_FIFO %d\n", d->d_name, prio);
				n++;
			}
		}
		fclose(f);
	}
	if (dir)
		closedir(dir);
	if (!n) {
		fprintf(stderr, "vmload: no threaded handler %s* found\n", want);
		return 1;
	}
	return 0;
}

static int cmd_irq(int irq, int cpu, int prio);

static int cmd_flood(const char *dev, int cpu, double secs, int irq, int irqcpu, int prio)
{
	uint64_t end = spinal_mono_ns() + (uint64_t)(secs * 1e9);
	static char buf[4096];
	int fd;

	if (pin(cpu))
		return 1;
	fd = open(dev, O_WRONLY | O_NOCTTY);
	if (fd < 0) {
		fprintf(stderr, "vmload: %s: %s\n", dev, strerror(errno));
		return 1;
	}
	if (irq >= 0 && cmd_irq(irq, irqcpu, prio))
		return 1;
	memset(buf, 'U', sizeof(buf));
	while (spinal_mono_ns() < end)
		if (write(fd, buf, sizeof(buf)) < 0 && errno != EINTR && errno != EAGAIN)
			break;
	close(fd);
	return 0;
}

static int cmd_causes(const char *name)
{
	char err[256];
	size_t len;
	uint64_t sz = 0;
	const struct spinal_region_hdr *h = spinal_region_map(name, SPINAL_REGION_STATS, 0, &len,
							      err, sizeof(err));
	const struct spinal_incident_ring *r;
	unsigned int c;

	if (!h) {
		fprintf(stderr, "vmload: %s\n", err);
		return 1;
	}
	r = spinal_region_section(h, SPINAL_SECT_INCIDENTS, &sz, NULL);
	if (!r || !spinal_incident_ring_check(r, (size_t)sz, NULL)) {
		fprintf(stderr, "vmload: no incident section\n");
		return 1;
	}
	printf("published=%llu skipped=%llu source=%s", (unsigned long long)atomic_load(&r->head),
	       (unsigned long long)atomic_load(&r->skipped),
	       spinal_incident_source_name(atomic_load(&r->source)));
	for (c = 0; c < SPINAL_CAUSE_COUNT; c++)
		printf(" %s=%llu", spinal_cause_name(c), (unsigned long long)atomic_load(&r->by_cause[c]));
	printf("\n");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 8 && strcmp(argv[1], "spin") == 0)
		return cmd_spin(atoi(argv[2]), argv[3], atoi(argv[4]), atol(argv[5]), atol(argv[6]),
				atof(argv[7]));
	if (argc == 5 && strcmp(argv[1], "irq") == 0)
		return cmd_irq(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]));
	if (argc == 5 && strcmp(argv[1], "flood") == 0)
		return cmd_flood(argv[2], atoi(argv[3]), atof(argv[4]), -1, 0, 0);
	if (argc == 8 && strcmp(argv[1], "flood") == 0)
		return cmd_flood(argv[2], atoi(argv[3]), atof(argv[4]), atoi(argv[5]), atoi(argv[6]),
				 atoi(argv[7]));
	if (argc == 3 && strcmp(argv[1], "causes") == 0)
		return cmd_causes(argv[2]);
	fprintf(stderr, "usage: see the comment at the top of tests/vm/vmload.c\n");
	return 2;
}
