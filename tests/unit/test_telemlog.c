// SPDX-License-Identifier: MIT
/* Unit tests: agent telemetry log writer, drain accounting, log reader. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "userspace/drain.h"
#include "userspace/logread.h"
#include "userspace/telemlog.h"

#define NSLOTS 64u

/* A fake core: ring + agent info in private memory, same headers as the real one. */
struct fake {
	struct spinal_ring_idx prod, cons;
	struct spinal_telem_rec slots[NSLOTS];
	struct spinal_agent_info ai;
	struct spinal_ring pr;
	struct attach at;
	uint64_t seq, produced, dropped;
	char dir[64];
};

static struct fake *fake_new(uint32_t start)
{
	/* shared, so a forked "agent" can be SIGKILLed mid-batch */
	struct fake *f = mmap(NULL, sizeof(*f), PROT_READ | PROT_WRITE,
			      MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	assert_true(f != MAP_FAILED);
	spinal_ring_init_shared(&f->prod, &f->cons, NSLOTS, sizeof(struct spinal_telem_rec), start);
	assert_int_equal(spinal_ring_attach(&f->pr, &f->prod, &f->cons, f->slots, NSLOTS,
					    sizeof(struct spinal_telem_rec), sizeof(f->slots), 1), 0);
	f->at.prod = &f->prod;
	f->at.cons = &f->cons;
	f->at.slots = f->slots;
	f->at.nslots = NSLOTS;
	f->at.slot_size = sizeof(struct spinal_telem_rec);
	f->at.slots_bytes = sizeof(f->slots);
	f->at.ai = &f->ai;
	f->at.id.pid = 4242;
	f->at.id.start_realtime_ns = 1700000000123456789ULL;
	f->at.id.period_ns = 1000000;
	f->at.id.abi_major = 1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/spinal-tlog-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	return f;
}

static void rm_dir(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	char p[512];

	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		unlink(p);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

static void fake_free(struct fake *f)
{
	rm_dir(f->dir);
	munmap(f, sizeof(*f));
}

/* One tick: a record if the ring has room, else a counted drop, like the core. */
static void tick(struct fake *f)
{
	struct spinal_telem_rec *r = spinal_ring_prod_reserve(&f->pr);

	if (r) {
		memset(r, 0, sizeof(*r));
		r->seq = f->seq;
		r->kind = SPINAL_REC_TICK;
		r->lateness_ns = (int64_t)f->seq;
		r->x = (float)f->seq;
		spinal_ring_prod_commit(&f->pr);
	} else {
		f->dropped++;
	}
	f->seq++;
	f->produced++;
}

static struct tlog *open_log(struct fake *f, uint32_t batch, uint64_t rotate, uint32_t keep,
			     uint64_t *resume)
{
	struct tlog_opts o = {
		.dir = f->dir, .instance = "ut", .rotate_bytes = rotate, .keep_files = keep,
		.batch_max = batch + 2, .fsync_mode = TLOG_FSYNC_NONE,
	};
	struct tlog *l = tlog_open(&o, &f->at.id, resume);

	assert_non_null(l);
	return l;
}

static void stat_dir(struct fake *f, struct logstat *st)
{
	char *paths[1] = { f->dir };

	assert_int_equal(logread_stat(paths, 1, st, stderr), 0);
}

static void drain_all(struct drain *d)
{
	while (drain_step(d, 0) > 0)
		;
}

/* Every record accounted, gaps exactly the drops, one write per batch. */
static void test_accounting_with_drops(void **state)
{
	struct fake *f = fake_new(UINT32_MAX - 20); /* positions wrap during the test */
	struct tlog_counters c;
	struct logstat st;
	struct drain d;
	uint64_t resume;
	struct tlog *l = open_log(f, 16, 0, 0, &resume);
	int i;

	(void)state;
	assert_int_equal(resume, 0);
	assert_int_equal(drain_init(&d, &f->at, l, resume, 16, 1000000000ULL), 0);
	for (i = 0; i < 100; i++)
		tick(f); /* 64 fit, 36 dropped */
	drain_all(&d);
	for (i = 0; i < 50; i++)
		tick(f);
	drain_all(&d);
	assert_int_equal(drain_tail(&d, f->produced), 0);
	assert_int_equal(d.written + d.missing, f->produced);
	assert_int_equal(d.missing, f->dropped);
	assert_int_equal(atomic_load(&f->ai.next_seq), f->produced);
	tlog_get_counters(l, &c);
	assert_int_equal(c.records, f->produced - f->dropped);
	/* batches of 16 entries: far fewer writes than records */
	assert_true(c.writes <= c.records / 16 + 3);
	assert_int_equal(tlog_close(l), 0);
	stat_dir(f, &st);
	assert_int_equal(st.records + st.missing, f->produced);
	assert_int_equal(st.missing, f->dropped);
	assert_int_equal(st.gap_markers, 1);
	assert_int_equal(st.overlaps, 0);
	assert_int_equal(st.holes, 0);
	assert_int_equal(st.end_seq, f->produced);
	fake_free(f);
}

/* Slots are released only after the batch is written. */
static void test_release_after_write(void **state)
{
	struct fake *f = fake_new(0);
	struct drain d;
	uint64_t resume;
	struct tlog *l = open_log(f, 32, 0, 0, &resume);
	int i;

	(void)state;
	assert_int_equal(drain_init(&d, &f->at, l, resume, 32, 1000000000ULL), 0);
	for (i = 0; i < 10; i++)
		tick(f);
	assert_int_equal(drain_step(&d, 0), 10);
	assert_int_equal(atomic_load(&f->cons.pos), 0);   /* still held */
	assert_int_equal(atomic_load(&f->ai.next_seq), 0);
	assert_int_equal(drain_flush(&d), 0);
	assert_int_equal(atomic_load(&f->cons.pos), 10);
	assert_int_equal(atomic_load(&f->ai.next_seq), 10);
	tlog_close(l);
	fake_free(f);
}

/* An agent SIGKILLed before its flush loses nothing: the records are still in the ring. */
static void test_kill_before_flush(void **state)
{
	struct fake *f = fake_new(0);
	struct logstat st;
	struct drain d2;
	uint64_t resume;
	struct tlog *l2;
	int i, ws;
	pid_t pid;

	(void)state;
	for (i = 0; i < 21; i++)
		tick(f);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct drain d;
		struct tlog *l = open_log(f, 8, 0, 0, &resume);

		drain_init(&d, &f->at, l, resume, 8, 1000000000ULL);
		drain_all(&d); /* 16 written in two batches, 5 buffered */
		raise(SIGKILL);
	}
	assert_int_equal(waitpid(pid, &ws, 0), pid);
	assert_true(WIFSIGNALED(ws));
	assert_int_equal(atomic_load(&f->ai.next_seq), 16);
	assert_int_equal(atomic_load(&f->cons.pos), 16);
	l2 = open_log(f, 8, 0, 0, &resume);
	assert_int_equal(resume, 16);
	assert_int_equal(drain_init(&d2, &f->at, l2, resume, 8, 1000000000ULL), 0);
	for (i = 0; i < 3; i++)
		tick(f);
	drain_all(&d2);
	assert_int_equal(drain_tail(&d2, f->produced), 0);
	assert_int_equal(d2.missing, 0);
	assert_int_equal(d2.written, 8);
	tlog_close(l2);
	stat_dir(f, &st);
	assert_int_equal(st.records, 24);
	assert_int_equal(st.missing, 0);
	assert_int_equal(st.overlaps, 0);
	assert_int_equal(st.holes, 0);
	fake_free(f);
}

/*
 * Killed after write() but before next_seq was published: the restarted
 * agent finds the last seq in the log and skips what it already has.
 */
static void test_no_duplicates_after_unpublished_write(void **state)
{
	struct fake *f = fake_new(0);
	struct logstat st;
	struct drain d, d2;
	uint64_t resume;
	struct tlog *l = open_log(f, 4, 0, 0, &resume), *l2;
	int i;

	(void)state;
	assert_int_equal(drain_init(&d, &f->at, l, resume, 4, 1000000000ULL), 0);
	for (i = 0; i < 6; i++)
		tick(f);
	drain_all(&d);
	assert_int_equal(d.next_seq, 4);
	/* write the next 2 by hand, without releasing or publishing */
	assert_int_equal(tlog_flush(l), 0);
	assert_int_equal(atomic_load(&f->ai.next_seq), 4);
	l2 = open_log(f, 4, 0, 0, &resume);
	assert_int_equal(resume, 6);
	assert_int_equal(drain_init(&d2, &f->at, l2, resume, 4, 1000000000ULL), 0);
	drain_all(&d2);
	assert_int_equal(drain_tail(&d2, f->produced), 0);
	assert_int_equal(d2.dups, 2);
	tlog_close(l2);
	tlog_close(l); /* nothing pending: the "dead" agent's handle, freed */
	stat_dir(f, &st);
	assert_int_equal(st.records, 6);
	assert_int_equal(st.overlaps, 0);
	fake_free(f);
}

/* A torn last entry (crash mid-write) is cut off on resume. */
static void test_torn_tail(void **state)
{
	struct fake *f = fake_new(0);
	struct drain d;
	struct logstat st;
	uint64_t resume;
	struct tlog *l = open_log(f, 4, 0, 0, &resume);
	char path[1100];
	FILE *fp;
	int i;

	(void)state;
	assert_int_equal(drain_init(&d, &f->at, l, resume, 4, 1000000000ULL), 0);
	for (i = 0; i < 4; i++)
		tick(f);
	drain_all(&d);
	snprintf(path, sizeof(path), "%s", tlog_path(l));
	tlog_close(l);
	fp = fopen(path, "ab");
	assert_non_null(fp);
	fwrite("garbage", 1, 7, fp);
	fclose(fp);
	l = open_log(f, 4, 0, 0, &resume);
	assert_int_equal(resume, 4);
	tlog_close(l);
	stat_dir(f, &st);
	assert_int_equal(st.torn_bytes, 0);
	assert_int_equal(st.records, 4);
	fake_free(f);
}

/* Rotation by size continues seq across files; retention keeps N files. */
static void test_rotation_retention(void **state)
{
	struct fake *f = fake_new(0);
	struct tlog_counters c;
	struct logstat st;
	struct drain d;
	uint64_t resume;
	struct tlog *l = open_log(f, 8, 256 + 8 * 256, 3, &resume);
	int i, j;

	(void)state;
	assert_int_equal(drain_init(&d, &f->at, l, resume, 8, 1000000000ULL), 0);
	for (j = 0; j < 10; j++) {
		for (i = 0; i < 8; i++)
			tick(f);
		drain_all(&d);
	}
	assert_int_equal(drain_tail(&d, f->produced), 0);
	tlog_get_counters(l, &c);
	assert_int_equal(c.rotations, 9);
	tlog_close(l);
	stat_dir(f, &st);
	assert_int_equal(st.files, 3);
	assert_int_equal(st.records, 24);
	assert_int_equal(st.first_seq, 56);
	assert_int_equal(st.end_seq, 80);
	assert_int_equal(st.holes, 0);
	fake_free(f);
}

/* export: header + one line per entry, gaps included. */
static void test_export_csv(void **state)
{
	struct fake *f = fake_new(0);
	struct drain d;
	uint64_t resume;
	struct tlog *l = open_log(f, 8, 0, 0, &resume);
	char *paths[1], *buf = NULL, *p;
	size_t len = 0;
	FILE *out;
	int i, lines = 0;

	(void)state;
	assert_int_equal(drain_init(&d, &f->at, l, resume, 8, 1000000000ULL), 0);
	for (i = 0; i < 3; i++)
		tick(f);
	drain_all(&d);
	assert_int_equal(drain_tail(&d, f->produced + 2), 0); /* 2 missing at the end */
	tlog_close(l);
	out = open_memstream(&buf, &len);
	paths[0] = f->dir;
	assert_int_equal(logread_export_csv(paths, 1, out, stderr), 0);
	fclose(out);
	for (p = buf; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, 1 + 3 + 1);
	assert_non_null(strstr(buf, "core_pid,seq,kind,gap_count"));
	assert_non_null(strstr(buf, "4242,3,gap,2,"));
	free(buf);
	fake_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accounting_with_drops),
		cmocka_unit_test(test_release_after_write),
		cmocka_unit_test(test_kill_before_flush),
		cmocka_unit_test(test_no_duplicates_after_unpublished_write),
		cmocka_unit_test(test_torn_tail),
		cmocka_unit_test(test_rotation_retention),
		cmocka_unit_test(test_export_csv),
	};

	return cmocka_run_group_tests_name("telemlog", tests, NULL, NULL);
}
