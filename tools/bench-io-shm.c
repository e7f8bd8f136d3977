// SPDX-License-Identifier: MIT
/*
 * bench-io-shm: cost of the `--io shm` backend's read_state/write_cmd on the
 * RT thread, next to the in-process sim backend measured in the same run.
 * Three cases for the shm reader: a quiet driver (1 kHz, like spinal-sim),
 * and a driver thread hammering the state mailbox (worst case for torn
 * reads).  Prints numbers and ratios; asserts nothing.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <spinal/clock.h>
#include <spinal/io_shm.h>
#include <spinal/shm.h>

#include "lib/region_map.h"
#include "rtcore/io.h"

#define N 200000

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

struct result {
	double p50, p99, max;
};

static uint64_t lat[N];

/* Time N calls of read_state (write = 0) or write_cmd (write = 1). */
static struct result timeit(struct io_backend *io, int write)
{
	struct spinal_state st;
	struct spinal_cmd c = { 0.5f, 0.1f };
	struct result r;
	uint64_t t0, t1;
	int i;

	for (i = 0; i < N; i++) {
		t0 = spinal_mono_ns();
		if (write)
			io->write_cmd(io, t0, &c);
		else
			io->read_state(io, t0, &st);
		t1 = spinal_mono_ns();
		lat[i] = t1 - t0;
	}
	qsort(lat, N, sizeof(lat[0]), cmp_u64);
	r.p50 = (double)lat[N / 2];
	r.p99 = (double)lat[N * 99 / 100];
	r.max = (double)lat[N - 1];
	return r;
}

struct driver {
	struct spinal_io_state_box *stb;
	uint64_t period_ns; /* 0: hammer */
	atomic_int stop;
};

static void *driver_thread(void *arg)
{
	struct driver *d = arg;
	struct timespec nap = { 0, 0 };
	uint64_t k = 0;

	while (!atomic_load(&d->stop)) {
		struct spinal_io_state m = { .stamp_ns = spinal_mono_ns(), .seq = ++k, .x = 1, .y = 2,
					     .theta = 0.5f, .v = 0.3f, .omega = 0.1f };

		spinal_seqbox_write(&d->stb->box, &m, sizeof(m));
		if (d->period_ns) {
			nap.tv_nsec = (long)d->period_ns;
			nanosleep(&nap, NULL);
		}
	}
	return NULL;
}

static void row(const char *name, struct result r, struct result base)
{
	printf("  %-38s p50 %6.0f ns  p99 %6.0f ns  max %8.0f ns   p99 x%.2f of sim\n", name,
	       r.p50, r.p99, r.max, base.p99 > 0 ? r.p99 / base.p99 : 0);
}

int main(void)
{
	char inst[32], err[256] = "", path[96];
	struct io_backend *sim, *shm;
	struct spinal_region_hdr *h;
	struct driver d = { 0 };
	struct result rs, ws, r;
	pthread_t t;
	size_t len;

	snprintf(inst, sizeof(inst), "benchio%d", (int)getpid());
	sim = io_sim_create(0, 0, 0, 0.001);
	shm = io_shm_create(inst, err, sizeof(err));
	if (!sim || !shm) {
		fprintf(stderr, "bench-io-shm: %s\n", err);
		return 1;
	}
	h = spinal_region_map(inst, SPINAL_REGION_IO_STATE, 1, &len, err, sizeof(err));
	if (!h) {
		fprintf(stderr, "bench-io-shm: %s\n", err);
		return 1;
	}
	d.stb = spinal_region_section(h, SPINAL_SECT_IO_STATE, NULL, NULL);

	printf("bench-io-shm: %d calls each, CLOCK_MONOTONIC around every call (includes ~20 ns of clock reads)\n",
	       N);
	rs = timeit(sim, 0);
	ws = timeit(sim, 1);
	row("sim read_state (baseline)", rs, rs);
	row("sim write_cmd (baseline, integrates)", ws, ws);

	for (int mode = 0; mode < 2; mode++) {
		d.period_ns = mode == 0 ? 1000000 : 0;
		atomic_store(&d.stop, 0);
		pthread_create(&t, NULL, driver_thread, &d);
		usleep(20000);
		r = timeit(shm, 0);
		row(mode == 0 ? "shm read_state, driver at 1 kHz" : "shm read_state, driver hammering", r,
		    rs);
		atomic_store(&d.stop, 1);
		pthread_join(t, NULL);
	}
	r = timeit(shm, 1);
	row("shm write_cmd", r, ws);
	printf("  original budget for VI + overhead: 1 ms p99\n");

	munmap(h, len);
	shm->destroy(shm);
	sim->destroy(sim);
	snprintf(path, sizeof(path), "/spinal.%s.io", inst);
	shm_unlink(path);
	snprintf(path, sizeof(path), "/spinal.%s.iostate", inst);
	shm_unlink(path);
	return 0;
}
