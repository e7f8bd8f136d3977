/* SPDX-License-Identifier: MIT */
/* A config ring + staging area in plain memory, as the core would map them,
 * with the agent's producer side, for updater tests without a running core. */
#ifndef SPINAL_TESTS_UPDATER_FIXTURE_H
#define SPINAL_TESTS_UPDATER_FIXTURE_H

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <spinal/config.h>
#include <spinal/ring.h>
#include <spinal/stats.h>

#include "rtcore/graph.h"
#include "rtcore/rcu.h"
#include "rtcore/updater.h"

#define FX_SLOTS 64
#define FX_STAGING (1u << 20)

struct fx {
	struct spinal_ring_idx prod, cons;
	unsigned char *slots;
	unsigned char *staging;
	struct spinal_ring p, c;
	struct spinal_stats *stats;
	struct spinal_updater *u;
	uint64_t seq;
};

static inline uint64_t fx_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static inline void fx_init(struct fx *f)
{
	memset(f, 0, sizeof(*f));
	f->slots = aligned_alloc(64, FX_SLOTS * SPINAL_CFG_SLOT_SIZE);
	f->staging = aligned_alloc(64, FX_STAGING);
	f->stats = aligned_alloc(64, sizeof(*f->stats));
	memset(f->slots, 0, FX_SLOTS * SPINAL_CFG_SLOT_SIZE);
	memset(f->staging, 0, FX_STAGING);
	memset(f->stats, 0, sizeof(*f->stats));
	spinal_ring_init_shared(&f->prod, &f->cons, FX_SLOTS, SPINAL_CFG_SLOT_SIZE, 0xfffffff0u);
	spinal_ring_attach(&f->p, &f->prod, &f->cons, f->slots, FX_SLOTS, SPINAL_CFG_SLOT_SIZE,
			   FX_SLOTS * SPINAL_CFG_SLOT_SIZE, 1);
	spinal_ring_attach(&f->c, &f->prod, &f->cons, f->slots, FX_SLOTS, SPINAL_CFG_SLOT_SIZE,
			   FX_SLOTS * SPINAL_CFG_SLOT_SIZE, 0);
}

static inline struct spinal_updater_cfg fx_cfg(struct fx *f)
{
	struct spinal_updater_cfg c = { 0 };

	c.cfg_ring = &f->c;
	c.staging = f->staging;
	c.staging_len = FX_STAGING;
	c.stats = f->stats;
	c.rt_cpu = -1;
	c.max_nodes = 4096;
	c.poll_us = 200;
	return c;
}

static inline void fx_fini(struct fx *f)
{
	spinal_updater_stop(f->u);
	free(f->slots);
	free(f->staging);
	free(f->stats);
}

/* Producer: put one message (raw 256 bytes); waits while the ring is full.
 * The caller is a registered RCU reader: stay quiescent while waiting. */
static inline void fx_put_raw(struct fx *f, const void *slot)
{
	void *s;

	while (!(s = spinal_ring_prod_reserve(&f->p))) {
		spinal_rcu_quiescent();
		usleep(100);
	}
	memcpy(s, slot, SPINAL_CFG_SLOT_SIZE);
	spinal_ring_prod_commit(&f->p);
}

static inline void fx_send(struct fx *f, uint32_t type, const void *p, uint32_t len, uint32_t flags)
{
	struct spinal_cfg_msg m;

	memset(&m, 0, sizeof(m));
	m.magic = SPINAL_CFG_MAGIC;
	m.type = type;
	m.seq = ++f->seq;
	m.len = len;
	m.flags = flags;
	if (p && len)
		memcpy(m.payload, p, len);
	fx_put_raw(f, &m);
}

static inline uint64_t fx_stat(_Atomic uint64_t *v)
{
	return atomic_load_explicit(v, memory_order_relaxed);
}

/* Wait until the ring is drained and accepted + rejected == @total (5 s max). */
static inline int fx_wait_counted(struct fx *f, uint64_t total)
{
	uint64_t t0 = fx_now_ms();

	while (fx_now_ms() - t0 < 5000) {
		if (fx_stat(&f->stats->cfg_accepted) + fx_stat(&f->stats->cfg_rejected) >= total &&
		    spinal_ring_fill(&f->prod, &f->cons) == 0)
			return 0;
		spinal_rcu_quiescent();
		usleep(200);
	}
	return -1;
}

/* Wait until the published generation is at least @gen (5 s max). */
static inline int fx_wait_gen(struct fx *f, uint64_t gen)
{
	uint64_t t0 = fx_now_ms();

	while (fx_now_ms() - t0 < 5000) {
		if (spinal_updater_generation(f->u) >= gen)
			return 0;
		spinal_rcu_quiescent();
		usleep(200);
	}
	return -1;
}

/* Wait until the current snapshot has @n nodes and @e edges (UINT32_MAX: any). */
static inline int fx_wait_shape(struct fx *f, uint32_t n, uint32_t e)
{
	uint64_t t0 = fx_now_ms();

	(void)f;
	while (fx_now_ms() - t0 < 5000) {
		const struct spinal_graph *g;

		spinal_rcu_quiescent();
		g = spinal_graph_current();
		if (g && g->nnodes == n && (e == UINT32_MAX || g->nedges == e))
			return 0;
		usleep(200);
	}
	return -1;
}

/*
 * Wait until the current snapshot, the updater's published generation and
 * the stats agree (5 s max).  swap_in() publishes the pointer, then the
 * generation, then the stats: a reader in between sees them differ (rare on
 * a fast host, common under qemu-user emulation).
 */
static inline int fx_wait_settled(struct fx *f)
{
	uint64_t t0 = fx_now_ms();

	while (fx_now_ms() - t0 < 5000) {
		const struct spinal_graph *g;

		spinal_rcu_quiescent();
		g = spinal_graph_current();
		if (g && spinal_updater_generation(f->u) == g->generation &&
		    fx_stat(&f->stats->graph_generation) == g->generation &&
		    fx_stat(&f->stats->graph_nodes) == g->nnodes &&
		    fx_stat(&f->stats->graph_edges) == g->nedges)
			return 0;
		usleep(200);
	}
	return -1;
}

#endif /* SPINAL_TESTS_UPDATER_FIXTURE_H */
