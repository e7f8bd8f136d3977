// SPDX-License-Identifier: MIT
/*
 * Hostile config ring: a test producer writes random and adversarial messages
 * (random bytes, wrong lengths, NaN/Inf, huge counts, ids and offsets past the
 * end, reserved bits) while a mutator thread rewrites slots and the staging
 * area underneath the updater.  Every message consumed must be counted as
 * accepted or rejected, nothing may crash, every published snapshot must be
 * structurally valid, and a 1 kHz reader loop keeps running.
 */
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "rtcore/graph.h"
#include "rtcore/knn.h"
#include "graph_check.h"
#include "graph_testutil.h"
#include "updater_fixture.h"

static struct fx fx;
static _Atomic int stop_threads;
static _Atomic uint64_t bad_snapshots, reader_ticks, reader_max_late_us;

/* A 1 kHz "RT" loop: absolute sleeps, graph read, kNN, quiescent state. */
static void *reader_main(void *arg)
{
	struct timespec next;
	struct spinal_knn_hit hit[8];
	uint64_t ticks = 0, max_late = 0;

	(void)arg;
	spinal_rcu_register();
	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!atomic_load(&stop_threads)) {
		const struct spinal_graph *g;
		struct timespec now;
		int64_t late;

		next.tv_nsec += 1000000;
		if (next.tv_nsec >= 1000000000) {
			next.tv_nsec -= 1000000000;
			next.tv_sec++;
		}
		spinal_rcu_offline();
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
		spinal_rcu_online();
		clock_gettime(CLOCK_MONOTONIC, &now);
		late = (now.tv_sec - next.tv_sec) * 1000000 + (now.tv_nsec - next.tv_nsec) / 1000;
		if (late > 0 && (uint64_t)late > max_late)
			max_late = (uint64_t)late;
		g = spinal_graph_current();
		if (g) {
			if (graph_check(g, 1))
				atomic_fetch_add(&bad_snapshots, 1);
			if (spinal_graph_knn(g, 10.0f, 10.0f, 8, hit) < 0)
				atomic_fetch_add(&bad_snapshots, 1);
		}
		spinal_rcu_quiescent();
		ticks++;
	}
	atomic_store(&reader_ticks, ticks);
	atomic_store(&reader_max_late_us, max_late);
	spinal_rcu_unregister();
	return NULL;
}

/* Rewrites random bytes of the slots and the staging area, forever. */
static void *mutator_main(void *arg)
{
	uint64_t s = 777;

	(void)arg;
	while (!atomic_load(&stop_threads)) {
		size_t off = tu_rand(&s) % (FX_SLOTS * SPINAL_CFG_SLOT_SIZE);

		fx.slots[off] = (unsigned char)tu_rand(&s);
		fx.staging[tu_rand(&s) % 8192] = (unsigned char)tu_rand(&s);
	}
	return NULL;
}

static const float evil_f[] = { NAN, -NAN, INFINITY, -INFINITY, 1e30f, -1e30f, 2e6f,
				-0.0f, 1e-45f, 3.4e38f };
static const uint32_t evil_u[] = { 0, 1, 0x7fffffff, 0x7ffffffe, 0x80000000u, 0xffffffffu,
				   0xfffffffeu, 4096, 4097, 224, 225, 256 };

/* One adversarial message: start from a plausible one, then break something. */
static void make_evil(uint64_t *s, struct spinal_cfg_msg *m, uint64_t seq)
{
	uint32_t kind = (uint32_t)(tu_rand(s) % 8), i;

	memset(m, 0, sizeof(*m));
	m->magic = SPINAL_CFG_MAGIC;
	m->type = (uint32_t)(tu_rand(s) % (SPINAL_CFG_TYPE_COUNT + 2));
	m->seq = seq;
	m->len = (uint32_t)(tu_rand(s) % 40);
	for (i = 0; i < sizeof(m->payload); i += 4) {
		uint32_t w = (tu_rand(s) & 1) ? evil_u[tu_rand(s) % 12] : (uint32_t)(tu_rand(s) % 64);

		memcpy(m->payload + i, &w, 4);
	}
	switch (kind) {
	case 0: /* pure noise */
		for (i = 0; i < sizeof(*m); i++)
			((unsigned char *)m)[i] = (unsigned char)tu_rand(s);
		break;
	case 1: /* evil floats where coordinates and costs live */
		memcpy(m->payload + 8, &evil_f[tu_rand(s) % 10], 4);
		memcpy(m->payload + 12, &evil_f[tu_rand(s) % 10], 4);
		break;
	case 2:
		m->len = evil_u[tu_rand(s) % 12];
		break;
	case 3:
		m->seq = tu_rand(s) % 4 ? seq - 1 - tu_rand(s) % 4 : 0;
		break;
	case 4:
		m->flags = evil_u[tu_rand(s) % 12];
		m->reserved = tu_rand(s) & 1;
		break;
	case 5: { /* commit pointing anywhere */
		struct spinal_cfg_commit c = { tu_rand(s) % 3 ? evil_u[tu_rand(s) % 12] * 8ull : tu_rand(s),
					       tu_rand(s) % 3 ? evil_u[tu_rand(s) % 12] : tu_rand(s),
					       tu_rand(s), 0 };

		m->type = tu_rand(s) & 1 ? SPINAL_CFG_GRAPH_COMMIT : SPINAL_CFG_MODEL_COMMIT;
		m->len = sizeof(c);
		memcpy(m->payload, &c, sizeof(c));
		break;
	}
	default: /* right length for the type, values from the evil tables */
		m->len = m->type == SPINAL_CFG_PRUNE || m->type == SPINAL_CFG_NODE_REMOVE ||
			 m->type == SPINAL_CFG_SET_GOAL ? 8 : 16;
		if (m->type == SPINAL_CFG_PRUNE)
			memset(m->payload + 4, 0, 4); /* so some prunes pass */
		break;
	}
}

static void run_phase(uint64_t seed, uint64_t nmsg, int mutate, uint64_t *sent)
{
	pthread_t mut;
	uint64_t s = seed, i;

	if (mutate)
		pthread_create(&mut, NULL, mutator_main, NULL);
	for (i = 0; i < nmsg; i++) {
		struct spinal_cfg_msg m;

		if (i % 5 == 0) { /* a valid edit now and then, so the graph changes */
			struct spinal_cfg_node n = { (uint32_t)(tu_rand(&s) % 300), 0,
						     tu_randf(&s, 0, 50), tu_randf(&s, 0, 50) };

			fx_send(&fx, tu_rand(&s) & 1 ? SPINAL_CFG_NODE_ADD : SPINAL_CFG_NODE_MOVE,
				&n, sizeof(n), 0);
		} else if (i % 97 == 0) { /* a good blob, maybe torn by the mutator */
			struct spinal_gmodel *gm = tu_random_model(i, 50, 2, 40.0f);
			size_t len;
			void *b = tu_blob_from_model(gm, &len);
			struct spinal_cfg_commit c = { 0, len, spinal_fnv1a64(b, len), 0 };

			memcpy(fx.staging, b, len);
			fx_send(&fx, SPINAL_CFG_GRAPH_COMMIT, &c, sizeof(c), 0);
			free(b);
			spinal_gm_destroy(gm);
		} else {
			make_evil(&s, &m, ++fx.seq);
			fx_put_raw(&fx, &m);
		}
		(*sent)++;
	}
	if (mutate) {
		atomic_store(&stop_threads, 2); /* stops the mutator only */
		pthread_join(mut, NULL);
		atomic_store(&stop_threads, 0);
	}
}

static void test_hostile_ring(void **state)
{
	struct spinal_updater_cfg c;
	pthread_t rd;
	uint64_t sent = 0, acc, rej, byr = 0;
	unsigned int r;

	(void)state;
	fx_init(&fx);
	c = fx_cfg(&fx);
	c.max_nodes = 256;
	c.poison = 1;
	spinal_rcu_register();
	fx.u = spinal_updater_start(&c);
	assert_non_null(fx.u);
	pthread_create(&rd, NULL, reader_main, NULL);

	run_phase(1, 20000, 0, &sent);
	assert_int_equal(fx_wait_counted(&fx, sent), 0);
	acc = fx_stat(&fx.stats->cfg_accepted);
	rej = fx_stat(&fx.stats->cfg_rejected);
	assert_int_equal(acc + rej, sent);
	assert_true(rej > sent / 2);
	assert_true(acc > 0);

	run_phase(2, 20000, 1, &sent);
	assert_int_equal(fx_wait_counted(&fx, sent), 0);
	acc = fx_stat(&fx.stats->cfg_accepted);
	rej = fx_stat(&fx.stats->cfg_rejected);
	assert_int_equal(acc + rej, sent);
	for (r = 0; r < SPINAL_CFG_REJ_COUNT; r++)
		byr += fx_stat(&fx.stats->cfg_rejected_by[r]);
	assert_int_equal(byr, rej);

	atomic_store(&stop_threads, 1);
	pthread_join(rd, NULL);
	atomic_store(&stop_threads, 0);
	print_message("hostile: %llu messages, %llu accepted, %llu rejected; reader %llu ticks, "
		      "max lateness %llu us; by reason:",
		      (unsigned long long)sent, (unsigned long long)acc, (unsigned long long)rej,
		      (unsigned long long)atomic_load(&reader_ticks),
		      (unsigned long long)atomic_load(&reader_max_late_us));
	for (r = 0; r < SPINAL_CFG_REJ_COUNT; r++)
		print_message(" %s=%llu", spinal_cfg_reject_name(r),
			      (unsigned long long)fx_stat(&fx.stats->cfg_rejected_by[r]));
	print_message("\n");
	assert_int_equal(atomic_load(&bad_snapshots), 0);
	assert_true(atomic_load(&reader_ticks) > 100);
	spinal_rcu_offline();
	fx_fini(&fx);
	spinal_rcu_unregister();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostile_ring),
	};

	return cmocka_run_group_tests_name("cfg_hostile", tests, NULL, NULL);
}
