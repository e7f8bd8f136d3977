// SPDX-License-Identifier: MIT
/*
 * The console's source (console_stream.h) over the running agent: the one
 * file that knows both struct agent and struct console_sample.  Reads the
 * attached core's stats under ag->lock (the main loop swaps the mappings
 * under it) and the config link's state with a try-lock, so a control
 * request waiting for the core's verdict (cfglink holds its lock for up to
 * AGENT_CFG_TIMEOUT_MS) never stalls a frame: the last values are kept.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <spinal/config.h>
#include <spinal/seqlock.h>
#include <spinal/telemetry.h>

#include "userspace/console_agent.h"

static uint64_t ld(const _Atomic uint64_t *p)
{
	return atomic_load_explicit(p, memory_order_relaxed);
}

static float ldf(const _Atomic uint32_t *p)
{
	uint32_t u = atomic_load_explicit(p, memory_order_relaxed);
	float f;

	memcpy(&f, &u, sizeof(f));
	return f;
}

/*
 * The newest telemetry record, peeked read-only behind the producer (the
 * drain's own consumer position is never touched).  The slot at prod - 1 is
 * committed and cannot be rewritten before the producer laps it by a whole
 * ring; the position read again after the copy proves it did not.  Returns
 * 1 with @rec filled, 0 when there is none (yet) or it moved under us.
 */
static int newest_record(const struct attach *at, struct spinal_telem_rec *rec)
{
	uint32_t p0, p1, mask = at->nslots - 1;

	if (!at->prod || !at->slots || !at->nslots || (at->nslots & mask) ||
	    at->slot_size < sizeof(*rec))
		return 0;
	/* A1: pairs with R1 in spinal_ring_prod_commit(): the slot is written */
	p0 = atomic_load_explicit(&at->prod->pos, memory_order_acquire);
	if (!p0)
		return 0;
	memcpy(rec, (const unsigned char *)at->slots + (size_t)((p0 - 1) & mask) * at->slot_size,
	       sizeof(*rec));
	/* R2: the copy before the re-read (a no-op under TSan, which models no fences) */
	spinal_seqlock_fence(memory_order_acquire);
	p1 = atomic_load_explicit(&at->prod->pos, memory_order_relaxed);
	return p1 - p0 < at->nslots - 1 && rec->kind == SPINAL_REC_TICK;
}

static void sample_core(struct agent *ag, struct console_sample *s, int want_hist)
{
	const struct spinal_stats *st = ag->at.stats;
	const struct spinal_region_hdr *h = ag->at.stats_hdr;
	struct spinal_telem_rec rec;
	unsigned int i;

	s->core_pid = h->creator_pid;
	s->period_ns = h->period_ns;
	s->abi_major = h->abi_major;
	s->abi_minor = h->abi_minor;
	s->start_realtime_ns = h->start_realtime_ns;
	s->state = attach_state(&ag->at);
	s->heartbeat_age_ns = wd_heartbeat_age(st, s->mono_ns);
	s->ticks = ld(&st->ticks);
	s->overruns = ld(&st->overruns);
	s->missed_periods = ld(&st->missed_periods);
	s->consec_miss = ld(&st->consec_miss);
	s->consec_miss_max = ld(&st->consec_miss_max);
	s->first_overrun_tick = ld(&st->first_overrun_tick);
	s->telem_produced = ld(&st->telem_produced);
	s->telem_dropped = ld(&st->telem_dropped);
	s->safe_stop = atomic_load_explicit(&st->safe_stop, memory_order_relaxed);
	s->goal_reached = atomic_load_explicit(&st->goal_reached, memory_order_relaxed);
	s->estop_core = ld(&st->upd_reserved[SPINAL_STATS_ESTOP]);
	for (i = 0; i < SPINAL_AAS_COUNT; i++)
		s->aas[i] = ld(&st->aas[i]);
	s->x = ldf(&st->pose_x);
	s->y = ldf(&st->pose_y);
	s->theta = ldf(&st->pose_theta);
	s->cmd_v = ldf(&st->cmd_v);
	s->cmd_omega = ldf(&st->cmd_omega);
	s->goal_x = ldf(&st->goal_x);
	s->goal_y = ldf(&st->goal_y);
	s->goal_node = -1;
	s->nearest_node = -1;
	if (newest_record(&ag->at, &rec)) {
		/* what the pipeline saw and decided in its last logged tick */
		s->have_rec = 1;
		s->rec_seq = rec.seq;
		s->rec_flags = rec.flags;
		s->rec_lateness_ns = rec.lateness_ns;
		s->x = rec.x;
		s->y = rec.y;
		s->theta = rec.theta;
		s->cmd_v = rec.cmd_v;
		s->cmd_omega = rec.cmd_omega;
		s->goal_x = rec.goal_x;
		s->goal_y = rec.goal_y;
		s->goal_node = rec.goal_node;
		s->nearest_node = rec.nearest_node;
	}
	s->graph_generation = ld(&st->graph_generation);
	s->graph_nodes = ld(&st->graph_nodes);
	s->graph_edges = ld(&st->graph_edges);
	s->model_id = ld(&st->model_id);
	s->model_layers = ld(&st->model_layers);
	s->model_neurons = ld(&st->model_neurons);
	s->params_id = ld(&st->params_id);
	s->cfg_core_accepted = ld(&st->cfg_accepted);
	s->cfg_core_rejected = ld(&st->cfg_rejected);
	if (want_hist) {
		for (i = 0; i < SPINAL_STAGE_COUNT; i++)
			spinal_hist_snapshot(&st->stage[i], &s->stage[i]);
		s->have_hist = 1;
	}
}

static int sample(void *arg, struct console_sample *s, int want_hist)
{
	struct console_agent *ca = arg;
	struct agent *ag = ca->ag;
	struct cfglink *l = &ag->cfg;
	struct timespec rt;

	memset(s, 0, offsetof(struct console_sample, stage));
	s->mono_ns = agent_now_ns();
	clock_gettime(CLOCK_REALTIME, &rt);
	s->real_ns = (uint64_t)rt.tv_sec * 1000000000ULL + (uint64_t)rt.tv_nsec;
	snprintf(s->instance, sizeof(s->instance), "%s", ag->opt.name);
	pthread_mutex_lock(&ag->lock);
	s->attached = ag->view.attached;
	s->core_dead = ag->view.core_dead;
	s->stalled = ag->view.stalled;
	s->safe_stop_req = ag->view.safe_stop_req;
	s->written = ag->view.written;
	s->missing = ag->view.missing;
	if (s->attached && ag->at.stats)
		sample_core(ag, s, want_hist);
	else
		s->attached = 0;
	pthread_mutex_unlock(&ag->lock);
	/* the config link: its lock may be held for a whole send-and-wait */
	pthread_mutex_lock(&ca->lock);
	if (pthread_mutex_trylock(&l->lock) == 0) {
		ca->link = l->tx != NULL;
		snprintf(ca->link_why, sizeof(ca->link_why), "%s", l->why);
		snprintf(ca->graph_src, sizeof(ca->graph_src), "%s", l->graph ? l->graph_src : "");
		snprintf(ca->model_path, sizeof(ca->model_path), "%s",
			 l->have_model ? l->model_path : "");
		ca->estop = l->estop;
		pthread_mutex_unlock(&l->lock);
	}
	s->link = ca->link;
	snprintf(s->link_why, sizeof(s->link_why), "%s", ca->link_why);
	snprintf(s->graph_src, sizeof(s->graph_src), "%s", ca->graph_src);
	snprintf(s->model_path, sizeof(s->model_path), "%s", ca->model_path);
	s->estop_wanted = ca->estop;
	pthread_mutex_unlock(&ca->lock);
	s->cfg_accepted = atomic_load_explicit(&l->n_accepted, memory_order_relaxed);
	s->cfg_rejected = atomic_load_explicit(&l->n_rejected, memory_order_relaxed);
	s->cfg_failed = atomic_load_explicit(&l->n_failed, memory_order_relaxed);
	return 0;
}

static void *graph(void *arg, uint64_t known_id, size_t *len, char *src, size_t srclen)
{
	struct console_agent *ca = arg;
	struct cfglink *l = &ca->ag->cfg;
	void *copy = NULL;

	if (pthread_mutex_trylock(&l->lock))
		return NULL; /* busy sending: look again next time */
	if (l->graph && spinal_fnv1a64(l->graph, l->graph_len) != known_id) {
		copy = malloc(l->graph_len);
		if (copy) {
			memcpy(copy, l->graph, l->graph_len);
			*len = l->graph_len;
			snprintf(src, srclen, "%s", l->graph_src);
		}
	}
	pthread_mutex_unlock(&l->lock);
	return copy;
}

int console_agent_init(struct console_agent *ca, struct agent *ag)
{
	memset(ca, 0, sizeof(*ca));
	ca->ag = ag;
	pthread_mutex_init(&ca->lock, NULL);
	ca->src.sample = sample;
	ca->src.graph = graph;
	ca->src.arg = ca;
	return 0;
}

void console_agent_fini(struct console_agent *ca)
{
	pthread_mutex_destroy(&ca->lock);
}
