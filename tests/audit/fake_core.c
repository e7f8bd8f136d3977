// SPDX-License-Identifier: MIT
/*
 * Test fixture for spinal-audit: a minimal "core" that publishes a STATS
 * region (same ABI as spinal-core) and runs a cyclictest-style RT thread named
 * "spinal-rt".  --bad makes the loop do what the RT contract forbids: malloc
 * a fresh 256 KiB buffer (mmap + page faults: it also forgets MCL_FUTURE) and
 * write to stderr every tick.
 * It stands in for a deliberately bad build of spinal-core until spinal-core
 * grows a test hook for that (see docs/audit.md).
 *
 * Usage: fake_core NAME SECONDS [--bad] [--period-us N]
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <spinal/region.h>
#include <spinal/shm.h>
#include <spinal/stats.h>

static struct spinal_region_hdr *hdr;
static struct spinal_stats *st;
static int bad;
static uint32_t period_ns = 1000000;
static volatile sig_atomic_t stop;

static uint64_t ts_ns(const struct timespec *t)
{
	return (uint64_t)t->tv_sec * 1000000000ull + (uint64_t)t->tv_nsec;
}

static void *rt_main(void *arg)
{
	struct timespec next, now;

	(void)arg;
	pthread_setname_np(pthread_self(), "spinal-rt");
	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!stop) {
		uint64_t late;

		next.tv_nsec += period_ns;
		while (next.tv_nsec >= 1000000000) {
			next.tv_nsec -= 1000000000;
			next.tv_sec++;
		}
		if (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL))
			continue;
		clock_gettime(CLOCK_MONOTONIC, &now);
		late = ts_ns(&now) > ts_ns(&next) ? ts_ns(&now) - ts_ns(&next) : 0;
		spinal_hist_add(&st->stage[SPINAL_STAGE_WAKE], late);
		if (bad) {
			/* forbidden: allocation that faults, and a syscall */
			char *p = malloc(256 * 1024);

			if (p) {
				memset(p, 1, 256 * 1024);
				free(p);
			}
			fprintf(stderr, "fake_core: bad tick\n");
		}
		atomic_store_explicit(&st->ticks, atomic_load_explicit(&st->ticks, memory_order_relaxed) + 1,
				      memory_order_relaxed);
	}
	return NULL;
}

static void on_sig(int s)
{
	(void)s;
	stop = 1;
}

int main(int argc, char **argv)
{
	size_t size = sizeof(struct spinal_region_hdr) + sizeof(struct spinal_stats);
	struct sched_param sp = { .sched_priority = 80 };
	char path[96];
	pthread_attr_t a;
	pthread_t t;
	double secs;
	int fd, i;

	if (argc < 3) {
		fprintf(stderr, "usage: fake_core NAME SECONDS [--bad] [--period-us N]\n");
		return 2;
	}
	secs = atof(argv[2]);
	for (i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "--bad"))
			bad = 1;
		else if (!strcmp(argv[i], "--period-us") && i + 1 < argc)
			period_ns = (uint32_t)atoi(argv[++i]) * 1000u;
	}
	if (spinal_region_path(path, sizeof(path), argv[1], SPINAL_REGION_STATS)) {
		fprintf(stderr, "fake_core: bad name\n");
		return 2;
	}
	shm_unlink(path);
	fd = shm_open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fd < 0 || ftruncate(fd, (off_t)size)) {
		perror("fake_core: shm");
		return 1;
	}
	hdr = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (hdr == MAP_FAILED) {
		perror("fake_core: mmap");
		return 1;
	}
	hdr->magic = SPINAL_REGION_MAGIC;
	hdr->abi_major = SPINAL_ABI_MAJOR;
	hdr->abi_minor = SPINAL_ABI_MINOR;
	hdr->kind = SPINAL_REGION_STATS;
	hdr->size = size;
	hdr->hdr_size = sizeof(*hdr);
	hdr->nsections = 1;
	hdr->creator_pid = getpid();
	hdr->period_ns = period_ns;
	hdr->rt_cpu = (int32_t)sysconf(_SC_NPROCESSORS_ONLN) - 1;
	snprintf(hdr->name, sizeof(hdr->name), "%s", argv[1]);
	hdr->sect[0].id = SPINAL_SECT_STATS;
	hdr->sect[0].off = sizeof(*hdr);
	hdr->sect[0].size = sizeof(struct spinal_stats);
	st = (struct spinal_stats *)(hdr + 1);
	if (bad) {
		/* the classic bug: no MCL_FUTURE, and every malloc in the loop is a
		 * fresh mmap (fixed threshold) whose pages fault in on first touch */
		mlockall(MCL_CURRENT);
		mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	} else {
		mlockall(MCL_CURRENT | MCL_FUTURE);
	}

	signal(SIGINT, on_sig);
	signal(SIGTERM, on_sig);
	pthread_attr_init(&a);
	pthread_attr_setinheritsched(&a, PTHREAD_EXPLICIT_SCHED);
	pthread_attr_setschedpolicy(&a, SCHED_FIFO);
	pthread_attr_setschedparam(&a, &sp);
	if (pthread_create(&t, &a, rt_main, NULL)) {
		/* without privileges: run as an ordinary thread */
		if (pthread_create(&t, NULL, rt_main, NULL)) {
			perror("fake_core: pthread_create");
			return 1;
		}
	}
	{
		cpu_set_t cs;

		CPU_ZERO(&cs);
		CPU_SET(hdr->rt_cpu, &cs);
		pthread_setaffinity_np(t, sizeof(cs), &cs);
	}
	atomic_store_explicit(&hdr->state, SPINAL_STATE_RUNNING, memory_order_release);
	{
		struct timespec d = { (time_t)secs, (long)((secs - (double)(time_t)secs) * 1e9) };

		while (!stop && nanosleep(&d, &d) && errno == EINTR)
			;
	}
	stop = 1;
	pthread_join(t, NULL);
	atomic_store_explicit(&hdr->state, SPINAL_STATE_STOPPED, memory_order_release);
	shm_unlink(path);
	return 0;
}
