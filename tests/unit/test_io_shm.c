// SPDX-License-Identifier: MIT
/*
 * Unit tests for the shm I/O mailboxes (include/spinal/io_shm.h) and the
 * `--io shm` backend (rtcore/io_shm.c): seqlock consistency under a writer
 * hammering from another thread, bounded torn-read retries then stale, a
 * writer that died mid-write, copy-then-validate (NaN/Inf, range, time), the
 * last good sample's stamp ageing into an AAS stale stop, the command side
 * and the permission split of the two regions.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <spinal/io_shm.h>
#include <spinal/shm.h>
#include <spinal/stats.h>

#include "lib/region_map.h"
#include "rtcore/aas.h"
#include "rtcore/io.h"

#define MS 1000000ull

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- the raw seqlock ---------------------------------------------------- */

static void test_box_empty_then_roundtrip(void **unused)
{
	struct spinal_seqbox b;
	uint64_t in[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, out[8] = { 0 }, seq = 0, retries = 0;

	(void)unused;
	memset(&b, 0, sizeof(b));
	assert_int_equal(spinal_seqbox_read(&b, out, sizeof(out), 4, &seq, &retries), -ENODATA);
	spinal_seqbox_write(&b, in, sizeof(in));
	assert_int_equal(spinal_seqbox_read(&b, out, sizeof(out), 4, &seq, &retries), 0);
	assert_memory_equal(in, out, sizeof(in));
	assert_int_equal(seq, 2);
	assert_int_equal(retries, 0);
	in[0] = 42;
	spinal_seqbox_write(&b, in, sizeof(in));
	assert_int_equal(spinal_seqbox_read(&b, out, sizeof(out), 4, &seq, NULL), 0);
	assert_int_equal(out[0], 42);
	assert_int_equal(seq, 4);
}

/* A sequence that stays odd (writer stalled mid-write): exactly @tries attempts. */
static void test_box_torn_bounded(void **unused)
{
	struct spinal_seqbox b;
	uint64_t in[8] = { 9 }, out[8] = { 7, 7 }, retries = 0;

	(void)unused;
	memset(&b, 0, sizeof(b));
	spinal_seqbox_write(&b, in, sizeof(in));
	atomic_store(&b.seq, 3); /* writer stopped between W1 and W2 */
	assert_int_equal(spinal_seqbox_read(&b, out, sizeof(out), 4, NULL, &retries), -EAGAIN);
	assert_int_equal(retries, 4);
	assert_int_equal(out[0], 7); /* untouched on failure */
	/* a restarted writer resumes from the odd value and leaves it even */
	in[0] = 11;
	spinal_seqbox_write(&b, in, sizeof(in));
	assert_int_equal(atomic_load(&b.seq) & 1, 0);
	assert_true(atomic_load(&b.seq) > 3);
	assert_int_equal(spinal_seqbox_read(&b, out, sizeof(out), 4, NULL, NULL), 0);
	assert_int_equal(out[0], 11);
}

/*
 * Writer hammers: every word of generation k is k * 8 + i.  Readers check
 * that each successful read is one generation, never older than the last.
 */
struct hammer {
	struct spinal_seqbox box;
	atomic_int stop;
	atomic_ullong written;
};

struct reader_res {
	struct hammer *h;
	atomic_ullong ok; /* read by the test thread while the reader runs */
	uint64_t torn, inconsistent, backwards;
};

static void *hammer_writer(void *arg)
{
	struct hammer *h = arg;
	uint64_t w[8], k;
	unsigned int i;

	for (k = 1; !atomic_load_explicit(&h->stop, memory_order_relaxed); k++) {
		for (i = 0; i < 8; i++)
			w[i] = k * 8 + i;
		spinal_seqbox_write(&h->box, w, sizeof(w));
		atomic_store_explicit(&h->written, k, memory_order_relaxed);
		if (k % 64 == 0)
			sched_yield(); /* let readers in now and then, as a real driver does */
	}
	return NULL;
}

static void *hammer_reader(void *arg)
{
	struct reader_res *r = arg;
	uint64_t w[8], last = 0, seq;
	unsigned int i;
	int rc;

	while (!atomic_load_explicit(&r->h->stop, memory_order_relaxed)) {
		rc = spinal_seqbox_read(&r->h->box, w, sizeof(w), 4, &seq, NULL);
		if (rc == -ENODATA)
			continue;
		if (rc) {
			r->torn++;
			continue;
		}
		atomic_store_explicit(&r->ok, atomic_load_explicit(&r->ok, memory_order_relaxed) + 1,
				      memory_order_relaxed);
		for (i = 1; i < 8; i++)
			if (w[i] != w[0] + i)
				break;
		if (i < 8 || w[0] % 8)
			r->inconsistent++;
		if (w[0] < last)
			r->backwards++;
		last = w[0];
	}
	return NULL;
}

static void test_box_hammer(void **unused)
{
	static struct hammer h; /* static: shared with the threads, zeroed */
	struct reader_res res[2] = { { .h = &h }, { .h = &h } };
	pthread_t wt, rt[2];
	struct timespec nap = { 0, 10 * 1000 * 1000 };
	int i, waited;

	(void)unused;
	assert_int_equal(pthread_create(&wt, NULL, hammer_writer, &h), 0);
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&rt[i], NULL, hammer_reader, &res[i]), 0);
	/* hammer for at least 300 ms, then until every reader has enough
	 * consistent reads (count-based: sanitizer builds are ~10x slower);
	 * 20 s is only a hang guard */
	for (waited = 0; waited < 2000; waited++) {
		if (waited >= 30 && atomic_load(&res[0].ok) >= 2000 && atomic_load(&res[1].ok) >= 2000 &&
		    atomic_load(&h.written) >= 2000)
			break;
		nanosleep(&nap, NULL);
	}
	atomic_store(&h.stop, 1);
	pthread_join(wt, NULL);
	for (i = 0; i < 2; i++)
		pthread_join(rt[i], NULL);
	for (i = 0; i < 2; i++) {
		printf("  reader %d: %llu consistent reads, %llu gave up after 4 tries, %llu writes\n",
		       i, (unsigned long long)atomic_load(&res[i].ok), (unsigned long long)res[i].torn,
		       (unsigned long long)atomic_load(&h.written));
		assert_true(atomic_load(&res[i].ok) >= 2000);
		assert_int_equal(res[i].inconsistent, 0);
		assert_int_equal(res[i].backwards, 0);
	}
}

/* ---- the backend -------------------------------------------------------- */

struct fixture {
	char inst[32];
	struct io_backend *io;
	struct spinal_region_hdr *st_r;     /* the driver's view: state, writable */
	const struct spinal_region_hdr *cmd_r;
	size_t st_len, cmd_len;
	struct spinal_io_state_box *stb;
	const struct spinal_io_cmd_box *cmd;
};

static int setup(void **state)
{
	static struct fixture f;
	char err[256] = "";

	memset(&f, 0, sizeof(f));
	snprintf(f.inst, sizeof(f.inst), "tioshm%d", (int)getpid());
	f.io = io_shm_create(f.inst, err, sizeof(err));
	if (!f.io) {
		fprintf(stderr, "io_shm_create: %s\n", err);
		return -1;
	}
	f.st_r = spinal_region_map(f.inst, SPINAL_REGION_IO_STATE, 1, &f.st_len, err, sizeof(err));
	f.cmd_r = spinal_region_map(f.inst, SPINAL_REGION_IO, 0, &f.cmd_len, err, sizeof(err));
	if (!f.st_r || !f.cmd_r) {
		fprintf(stderr, "map: %s\n", err);
		return -1;
	}
	f.stb = spinal_region_section(f.st_r, SPINAL_SECT_IO_STATE, NULL, NULL);
	f.cmd = spinal_region_section(f.cmd_r, SPINAL_SECT_IO_CMD, NULL, NULL);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char path[96];

	if (f->io)
		f->io->destroy(f->io);
	if (f->st_r)
		munmap(f->st_r, f->st_len);
	if (f->cmd_r)
		munmap((void *)f->cmd_r, f->cmd_len);
	snprintf(path, sizeof(path), "/spinal.%s.io", f->inst);
	shm_unlink(path);
	snprintf(path, sizeof(path), "/spinal.%s.iostate", f->inst);
	shm_unlink(path);
	return 0;
}

static void publish(struct fixture *f, uint64_t stamp, uint64_t seq, float x, float v)
{
	struct spinal_io_state m = { .stamp_ns = stamp, .seq = seq, .x = x, .y = -x,
				     .theta = 0.5f, .v = v, .omega = 0.1f };

	spinal_seqbox_write(&f->stb->box, &m, sizeof(m));
}

static uint64_t ctr(const _Atomic uint64_t *c)
{
	return atomic_load(c);
}

/* Is a stale stop what AAS makes of @st?  (the pipeline's state_ok rule) */
static int aas_stops_stale(const struct spinal_state *st)
{
	struct aas a;
	struct aas_cfg c;
	struct spinal_cmd cmd;
	uint32_t fl = 0, mask;
	struct aas_in in = { .now_ns = st->read_ns, .state_stamp_ns = st->stamp_ns,
			     .state_ok = st->stamp_ns != 0 || st->read_ns == 0,
			     .goal_dist = 5.0f, .goal_x = 5, .have_policy = 1, .pol_v = 0.5f,
			     .conf = 1.0f };

	aas_cfg_defaults(&c);
	c.hard = (struct aas_limits){ .v_max = 1, .omega_max = 1, .accel_max = 1000,
				      .alpha_max = 1000 };
	c.dt = 0.001f;
	c.stale_ns = 50 * MS;
	assert_int_equal(aas_init(&a, &c), 0);
	mask = aas_step(&a, &in, &cmd, &fl);
	return (mask & (1u << SPINAL_AAS_STALE_STATE)) && cmd.v == 0 && cmd.omega == 0;
}

static void test_regions_split(void **state)
{
	struct fixture *f = *state;
	struct stat s1, s2;
	char p[128];

	snprintf(p, sizeof(p), "/dev/shm/spinal.%s.io", f->inst);
	assert_int_equal(stat(p, &s1), 0);
	snprintf(p, sizeof(p), "/dev/shm/spinal.%s.iostate", f->inst);
	assert_int_equal(stat(p, &s2), 0);
	assert_int_equal(s1.st_mode & 0777, 0640); /* commands: the core only */
	assert_int_equal(s2.st_mode & 0777, 0660); /* state: the driver's group */
	assert_non_null(f->stb);
	assert_non_null(f->cmd);
	assert_ptr_equal(io_shm_region(f->io), io_shm_region(f->io));
	assert_int_equal(io_shm_region(f->io)->kind, SPINAL_REGION_IO);
}

static void test_state_flow(void **state)
{
	struct fixture *f = *state;
	struct spinal_state st;
	uint64_t now = mono_ns(), fresh0 = ctr(&f->cmd->state_fresh);

	/* nothing published: no sample, AAS stops */
	memset(&st, 0xa5, sizeof(st));
	assert_int_equal(f->io->read_state(f->io, now, &st), -ENODATA);
	assert_int_equal(st.stamp_ns, 0);
	assert_int_equal(st.read_ns, now);
	assert_true(aas_stops_stale(&st));

	publish(f, now - 2 * MS, 7, 1.25f, 0.5f);
	assert_int_equal(f->io->read_state(f->io, now, &st), 0);
	assert_int_equal(st.seq, 7);
	assert_int_equal(st.stamp_ns, now - 2 * MS);
	assert_int_equal(st.read_ns, now);
	assert_true(st.x == 1.25f && st.y == -1.25f && st.theta == 0.5f && st.v == 0.5f &&
		    st.omega == 0.1f);
	assert_false(aas_stops_stale(&st));
	assert_int_equal(ctr(&f->cmd->state_fresh), fresh0 + 1);
	assert_int_equal(ctr(&f->cmd->state_last_seq), 7);

	/* the driver stops publishing: same sample, age grows to a stale stop */
	assert_int_equal(f->io->read_state(f->io, now + 100 * MS, &st), 0);
	assert_int_equal(st.stamp_ns, now - 2 * MS);
	assert_true(ctr(&f->cmd->state_repeat) >= 1);
	assert_true(aas_stops_stale(&st));
}

static void test_reject_bad_samples(void **state)
{
	struct fixture *f = *state;
	struct spinal_state st;
	uint64_t now = mono_ns() + 1000 * MS, rej0 = ctr(&f->cmd->state_rejected);
	const float bad[] = { NAN, INFINITY, -INFINITY, 2e6f };
	unsigned int i;

	publish(f, now - MS, 100, 3.0f, 0.25f);
	assert_int_equal(f->io->read_state(f->io, now, &st), 0);
	for (i = 0; i < 4; i++) {
		/* a fresh stamp but a poisoned pose: the old good sample stays */
		publish(f, now, 101 + i, bad[i], 0.25f);
		assert_int_equal(f->io->read_state(f->io, now, &st), -EINVAL);
		assert_true(st.x == 3.0f);
		assert_int_equal(st.stamp_ns, now - MS);
	}
	publish(f, now, 110, 3.5f, NAN); /* NaN velocity */
	assert_int_equal(f->io->read_state(f->io, now, &st), -EINVAL);
	publish(f, now + 10 * MS, 111, 3.5f, 0.25f); /* from the future */
	assert_int_equal(f->io->read_state(f->io, now, &st), -EINVAL);
	publish(f, now - 5 * MS, 112, 3.5f, 0.25f); /* older than the last good one */
	assert_int_equal(f->io->read_state(f->io, now, &st), -EINVAL);
	publish(f, 0, 113, 3.5f, 0.25f); /* no stamp */
	assert_int_equal(f->io->read_state(f->io, now, &st), -EINVAL);
	assert_int_equal(ctr(&f->cmd->state_rejected), rej0 + 8);
	assert_true(st.x == 3.0f);
	/* a stamp a little ahead (< 1 ms) is clamped to the read time */
	publish(f, now + MS / 2, 114, 4.0f, 0.25f);
	assert_int_equal(f->io->read_state(f->io, now, &st), 0);
	assert_int_equal(st.stamp_ns, now);
	assert_true(st.x == 4.0f);
}

static void test_torn_then_stale(void **state)
{
	struct fixture *f = *state;
	struct spinal_state st;
	uint64_t now = mono_ns() + 2000 * MS, torn0 = ctr(&f->cmd->state_torn);
	uint64_t retr0 = ctr(&f->cmd->state_retries), seq;

	publish(f, now, 200, 5.0f, 0.25f);
	assert_int_equal(f->io->read_state(f->io, now, &st), 0);
	/* the driver stalls mid-write (odd sequence, new payload half written) */
	seq = atomic_load(&f->stb->box.seq);
	atomic_store(&f->stb->box.seq, seq + 1);
	atomic_store(&f->stb->box.w[2], 0x7fc00000ull); /* garbage in x */
	assert_int_equal(f->io->read_state(f->io, now + 10 * MS, &st), -EAGAIN);
	assert_int_equal(ctr(&f->cmd->state_torn), torn0 + 1);
	assert_int_equal(ctr(&f->cmd->state_retries), retr0 + 4);
	assert_true(st.x == 5.0f);                /* last good sample ... */
	assert_int_equal(st.stamp_ns, now);       /* ... with its own stamp */
	assert_false(aas_stops_stale(&st));       /* 10 ms old: still fine */
	assert_int_equal(f->io->read_state(f->io, now + 60 * MS, &st), -EAGAIN);
	assert_true(aas_stops_stale(&st));        /* 60 ms > 50 ms: stop */
	/* the driver recovers */
	publish(f, now + 61 * MS, 201, 5.5f, 0.25f);
	assert_int_equal(f->io->read_state(f->io, now + 61 * MS, &st), 0);
	assert_true(st.x == 5.5f);
	assert_false(aas_stops_stale(&st));
}

/* Reader = the backend itself while a writer thread publishes: every sample
 * it accepts is one generation (g = k % 4096: x = g, y = -g, v = g / 1024). */
struct st_hammer {
	struct fixture *f;
	uint64_t base; /* stamps after every earlier test's */
	atomic_int stop;
};

static void *state_writer(void *arg)
{
	struct st_hammer *h = arg;
	uint64_t k;

	for (k = 1; !atomic_load_explicit(&h->stop, memory_order_relaxed); k++) {
		float g = (float)(k % 4096); /* within the validated ranges */
		struct spinal_io_state m = { .stamp_ns = h->base + k, .seq = k, .x = g, .y = -g,
					     .v = g / 1024.0f, .omega = g / 2048.0f };

		spinal_seqbox_write(&h->f->stb->box, &m, sizeof(m));
	}
	return NULL;
}

static void test_backend_hammer(void **state)
{
	static struct st_hammer h;
	struct fixture *f = *state;
	struct spinal_state st;
	uint64_t i, ok = 0, bad = 0, t_end, lastseq = 0;
	pthread_t wt;
	int rc;

	h.f = f;
	h.base = mono_ns() + 10000 * MS;
	atomic_store(&h.stop, 0);
	assert_int_equal(pthread_create(&wt, NULL, state_writer, &h), 0);
	/* until 5000 new samples (2 s at most: on a loaded 2-CPU box the two
	 * threads may share one CPU and meet only at time-slice boundaries) */
	t_end = mono_ns() + 2000 * MS;
	for (i = 0; ok < 5000 && mono_ns() < t_end; i++) {
		if (i % 4096 == 4095)
			sched_yield();
		rc = f->io->read_state(f->io, h.base + 1000000 * MS, &st);
		if (rc == -ENODATA)
			continue;
		/* (the previous test's last good sample until the writer's first) */
		if (rc == 0 && st.seq != lastseq && st.stamp_ns > h.base) {
			ok++;
			lastseq = st.seq;
			float g = (float)(st.seq % 4096);

			if (st.x != g || st.y != -g || st.v != g / 1024.0f || st.omega != g / 2048.0f ||
			    st.stamp_ns != h.base + st.seq)
				bad++;
		}
	}
	atomic_store(&h.stop, 1);
	pthread_join(wt, NULL);
	printf("  backend: %llu reads, %llu new samples accepted, %llu torn, %llu rejected, %llu fresh %llu repeat\n",
	       (unsigned long long)i, (unsigned long long)ok,
	       (unsigned long long)ctr(&f->cmd->state_torn),
	       (unsigned long long)ctr(&f->cmd->state_rejected), (unsigned long long)ctr(&f->cmd->state_fresh), (unsigned long long)ctr(&f->cmd->state_repeat));
	assert_true(ok > 20);
	assert_int_equal(bad, 0);
}

static void test_cmd_side(void **state)
{
	struct fixture *f = *state;
	struct spinal_io_cmd m = { 0 };
	struct spinal_cmd c = { 0.4f, -0.3f };
	uint64_t now = mono_ns(), seq0 = 0;

	assert_int_equal(f->io->write_cmd(f->io, now, &c), 0);
	assert_int_equal(spinal_seqbox_read(&f->cmd->box, &m, sizeof(m), 4, NULL, NULL), 0);
	assert_true(m.v == 0.4f && m.omega == -0.3f);
	assert_int_equal(m.stamp_ns, now);
	assert_int_equal(m.flags, 0);
	seq0 = m.seq;
	c.v = NAN;
	assert_int_equal(f->io->write_cmd(f->io, now + MS, &c), 0);
	assert_int_equal(spinal_seqbox_read(&f->cmd->box, &m, sizeof(m), 4, NULL, NULL), 0);
	assert_true(m.v == 0.0f && m.omega == 0.0f); /* never forward NaN */
	assert_int_equal(m.seq, seq0 + 1);
	/* destroy leaves a final zero command marked STOPPED for the driver */
	f->io->destroy(f->io);
	f->io = NULL;
	assert_int_equal(spinal_seqbox_read(&f->cmd->box, &m, sizeof(m), 4, NULL, NULL), 0);
	assert_true(m.v == 0.0f && m.omega == 0.0f);
	assert_true(m.flags & SPINAL_IO_CF_STOPPED);
}

int main(void)
{
	const struct CMUnitTest box[] = {
		cmocka_unit_test(test_box_empty_then_roundtrip),
		cmocka_unit_test(test_box_torn_bounded),
		cmocka_unit_test(test_box_hammer),
	};
	const struct CMUnitTest backend[] = {
		cmocka_unit_test(test_regions_split),
		cmocka_unit_test(test_state_flow),
		cmocka_unit_test(test_reject_bad_samples),
		cmocka_unit_test(test_torn_then_stale),
		cmocka_unit_test(test_backend_hammer),
		cmocka_unit_test(test_cmd_side),
	};
	int rc;

	rc = cmocka_run_group_tests_name("io_shm seqlock", box, NULL, NULL);
	rc |= cmocka_run_group_tests_name("io_shm backend", backend, setup, teardown);
	return rc;
}
