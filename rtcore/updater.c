// SPDX-License-Identifier: MIT
/*
 * The updater thread.  Drains the config ring (copy each 256-byte slot out of
 * shared memory, then validate the copy: single fetch), dispatches through a
 * handler table, and publishes the map once per batch (graph_rcu.c: the next
 * snapshot copies only what the batch changed; what the old one alone used
 * is freed by call_rcu on a worker that, like this thread, stays off the RT
 * CPU).  Visit reports arrive from the RT thread over a process-local SPSC
 * ring and are folded into the model.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <spinal/seqlock.h>

#include "cfg_validate.h"
#include "graph.h"
#include "graph_edit.h"
#include "graph_rcu.h"
#include "rcu.h"
#include "updater.h"

#define REJ(r) SPINAL_CFG_REJECT(SPINAL_CFG_REJ_##r)
#define DRAIN_BATCH 256

struct spinal_updater {
	struct spinal_updater_cfg cfg;
	struct spinal_stats *stats;
	struct spinal_stats own_stats;      /* when cfg.stats is NULL */
	struct spinal_cfg_verdicts *verdicts;
	struct spinal_cfg_verdicts *own_verdicts; /* when cfg.verdicts is NULL */
	pthread_t thr;
	_Atomic int stop;
	_Atomic uint32_t estop;
	struct graph_rcu gr;                 /* the published map */
	int shares_rt_cpu;
	struct call_rcu_data *_Atomic crdp; /* set by the updater thread */
	struct spinal_cfg_handler handlers[SPINAL_CFG_TYPE_MAX + 1];

	/* updater thread only */
	struct spinal_gmodel *model;
	uint64_t seq_base;                  /* the sequence window base (config.h) */
	uint64_t handled;                   /* verdicts published */
	struct spinal_cfg_why why;          /* the numbers behind this message's verdict */
	int ring_bad;
	int dirty, visits_dirty;
	struct timespec last_pub;
	unsigned char *stage_buf;
	size_t stage_cap;

	/* visit ring: RT thread produces, updater consumes */
	struct spinal_ring_idx vprod, vcons;
	struct spinal_ring vring_rt, vring_upd;
	uint64_t *vslots;
};

static _Atomic int updater_running;

void spinal_cfg_verdicts_init(struct spinal_cfg_verdicts *vt)
{
	memset(vt, 0, sizeof(*vt));
	vt->nslots = SPINAL_CFG_VERDICT_SLOTS;
	vt->slot_size = sizeof(struct spinal_cfg_verdict_slot);
	vt->seq_window = SPINAL_CFG_SEQ_WINDOW;
}

static void count_reject(struct spinal_updater *u, unsigned int reason)
{
	atomic_fetch_add_explicit(&u->stats->cfg_rejected, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&u->stats->cfg_rejected_by[reason % SPINAL_CFG_REJ_COUNT], 1,
				  memory_order_relaxed);
}

/* ---- built-in handlers: graph edits, e-stop, nop ---- */

static int h_nop(struct spinal_updater *u, const struct spinal_cfg_msg *m, void *ctx)
{
	(void)u, (void)m, (void)ctx;
	return 0;
}

static int h_node(struct spinal_updater *u, const struct spinal_cfg_msg *m, void *ctx)
{
	struct spinal_cfg_node n;
	struct spinal_cfg_node_ref r;
	int rc;

	(void)ctx;
	memcpy(&n, m->payload, sizeof(n));
	memcpy(&r, m->payload, sizeof(r));
	switch (m->type) {
	case SPINAL_CFG_NODE_ADD:
		rc = spinal_gm_node_add(u->model, n.id, n.flags, n.x, n.y, 0);
		break;
	case SPINAL_CFG_NODE_MOVE:
		rc = spinal_gm_node_move(u->model, n.id, n.flags, n.x, n.y);
		break;
	case SPINAL_CFG_NODE_REMOVE:
		rc = spinal_gm_node_remove(u->model, r.id);
		break;
	case SPINAL_CFG_SET_GOAL:
		rc = spinal_gm_set_goal(u->model, r.id);
		break;
	default:
		return REJ(TYPE);
	}
	u->dirty |= rc == 0;
	return rc;
}

static int h_edge(struct spinal_updater *u, const struct spinal_cfg_msg *m, void *ctx)
{
	struct spinal_cfg_edge e;
	int bidir = !!(m->flags & SPINAL_EDGE_F_BIDIR), rc;

	(void)ctx;
	memcpy(&e, m->payload, sizeof(e));
	if (m->type == SPINAL_CFG_EDGE_ADD)
		rc = spinal_gm_edge_add(u->model, e.from, e.to, e.cost, bidir);
	else
		rc = spinal_gm_edge_remove(u->model, e.from, e.to, bidir);
	u->dirty |= rc == 0;
	return rc;
}

static int h_prune(struct spinal_updater *u, const struct spinal_cfg_msg *m, void *ctx)
{
	struct spinal_cfg_prune p;
	int rc;

	(void)ctx;
	memcpy(&p, m->payload, sizeof(p));
	rc = spinal_gm_prune(u->model, p.max_nodes);
	u->dirty |= rc == 0;
	return rc;
}

static int h_graph_commit(struct spinal_updater *u, const struct spinal_cfg_msg *m, void *ctx)
{
	struct spinal_cfg_commit c;
	struct spinal_gmodel *nm;
	const void *blob;
	int rc;

	(void)ctx;
	memcpy(&c, m->payload, sizeof(c));
	blob = spinal_updater_stage(u, &c, &rc);
	if (!blob)
		return rc;
	rc = spinal_gm_from_blob(blob, c.len, u->model->max_nodes, &nm);
	if (rc)
		return rc;
	spinal_gm_destroy(u->model);
	u->model = nm;
	u->dirty = 1;
	return 0;
}

static int h_estop(struct spinal_updater *u, const struct spinal_cfg_msg *m, void *ctx)
{
	uint32_t on = m->type == SPINAL_CFG_ESTOP_SET;

	(void)ctx;
	/* E1: pairs with E2 in spinal_updater_estop() */
	atomic_store_explicit(&u->estop, on, memory_order_release);
	atomic_store_explicit(&u->stats->upd_reserved[SPINAL_STATS_ESTOP], on, memory_order_relaxed);
	return 0;
}

static const struct spinal_cfg_handler builtin[] = {
	{ SPINAL_CFG_NOP, h_nop, NULL },
	{ SPINAL_CFG_NODE_ADD, h_node, NULL },
	{ SPINAL_CFG_NODE_MOVE, h_node, NULL },
	{ SPINAL_CFG_NODE_REMOVE, h_node, NULL },
	{ SPINAL_CFG_SET_GOAL, h_node, NULL },
	{ SPINAL_CFG_EDGE_ADD, h_edge, NULL },
	{ SPINAL_CFG_EDGE_REMOVE, h_edge, NULL },
	{ SPINAL_CFG_PRUNE, h_prune, NULL },
	{ SPINAL_CFG_GRAPH_COMMIT, h_graph_commit, NULL },
	{ SPINAL_CFG_ESTOP_SET, h_estop, NULL },
	{ SPINAL_CFG_ESTOP_CLEAR, h_estop, NULL },
	/* PARAMS_SET, MODEL_COMMIT: installed by the SNN engine via cfg.handlers */
};

const void *spinal_updater_stage(struct spinal_updater *u, const struct spinal_cfg_commit *c,
				 int *rc)
{
	if (!u->cfg.staging || c->off > u->cfg.staging_len || c->len > u->cfg.staging_len - c->off) {
		spinal_cfg_why_set(&u->why, SPINAL_CFG_D_STAGING, 0, (double)c->off + (double)c->len,
				   (double)u->cfg.staging_len,
				   "blob at %llu + %llu bytes is outside the %zu-byte staging area",
				   (unsigned long long)c->off, (unsigned long long)c->len,
				   u->cfg.staging_len);
		*rc = REJ(STAGING);
		return NULL;
	}
	if (c->len > u->stage_cap) {
		void *p = aligned_alloc(64, (c->len + 63) & ~(size_t)63);

		if (!p) {
			spinal_cfg_why_set(&u->why, SPINAL_CFG_D_NOMEM, 0, (double)c->len, 0,
					   "cannot allocate %llu bytes for the staged blob",
					   (unsigned long long)c->len);
			*rc = REJ(NOMEM);
			return NULL;
		}
		free(u->stage_buf);
		u->stage_buf = p;
		u->stage_cap = (c->len + 63) & ~(size_t)63;
	}
	/* single fetch: the copy is all we look at from here on */
	memcpy(u->stage_buf, (const unsigned char *)u->cfg.staging + c->off, c->len);
	if (spinal_fnv1a64(u->stage_buf, c->len) != c->checksum) {
		uint64_t got = spinal_fnv1a64(u->stage_buf, c->len);

		spinal_cfg_why_set(&u->why, SPINAL_CFG_D_CHECKSUM, 0, (double)got, 0,
				   "staged bytes hash to %016llx, the commit says %016llx",
				   (unsigned long long)got, (unsigned long long)c->checksum);
		*rc = REJ(CHECKSUM);
		return NULL;
	}
	*rc = 0;
	return u->stage_buf;
}

struct spinal_cfg_why *spinal_updater_why(struct spinal_updater *u)
{
	return &u->why;
}

/* A rejection no check explained: at least name the object. */
static void why_default(struct spinal_updater *u, const struct spinal_cfg_msg *m, int rc)
{
	const char *r = spinal_cfg_reject_name(SPINAL_CFG_REASON(rc));
	uint32_t a = 0, b = 0;

	memcpy(&a, m->payload, sizeof(a));
	memcpy(&b, m->payload + 4, sizeof(b));
	switch (m->type) {
	case SPINAL_CFG_NODE_ADD:
	case SPINAL_CFG_NODE_MOVE:
	case SPINAL_CFG_NODE_REMOVE:
	case SPINAL_CFG_SET_GOAL:
		spinal_cfg_why_set(&u->why, SPINAL_CFG_D_GRAPH, a, a, 0, "%s node %u: %s",
				   spinal_cfg_type_name(m->type), a, r);
		break;
	case SPINAL_CFG_EDGE_ADD:
	case SPINAL_CFG_EDGE_REMOVE:
		spinal_cfg_why_set(&u->why, SPINAL_CFG_D_GRAPH, a, b, 0, "%s %u -> %u: %s",
				   spinal_cfg_type_name(m->type), a, b, r);
		break;
	default:
		spinal_cfg_why_set(&u->why, SPINAL_CFG_D_NONE, 0, 0, 0, "%s: %s",
				   spinal_cfg_type_name(m->type), r);
		u->why.detail = SPINAL_CFG_D_NONE;
		break;
	}
}

/*
 * Publish the verdict on the slot @m (the private copy) before the slot is
 * released: V1, the seqlock and the release store of `handled`, pair with
 * the acquire loads in the agent (userspace/cfglink.c) and the inspector.
 */
static void publish_verdict(struct spinal_updater *u, const struct spinal_cfg_msg *m, int rc)
{
	struct spinal_cfg_verdicts *vt = u->verdicts;
	struct spinal_cfg_verdict v;
	struct spinal_cfg_verdict_slot *sl;

	memset(&v, 0, sizeof(v));
	v.seq = m->seq;
	v.handled = ++u->handled;
	v.type = m->type;
	v.digest = spinal_cfg_digest(m);
	v.verdict = rc ? SPINAL_CFG_V_REJECTED : SPINAL_CFG_V_ACCEPTED;
	v.reason = rc ? (uint16_t)SPINAL_CFG_REASON(rc) : 0;
	v.detail = u->why.detail;
	v.index = u->why.index;
	v.value = u->why.value;
	v.limit = u->why.limit;
	memcpy(v.text, u->why.text, sizeof(v.text));
	v.text[sizeof(v.text) - 1] = '\0';
	sl = &vt->slot[(v.handled - 1) % SPINAL_CFG_VERDICT_SLOTS];
	spinal_seqlock_write(&sl->gen, sl->w, SPINAL_CFG_VERDICT_WORDS, &v, sizeof(v));
	atomic_store_explicit(&vt->seq_base, u->seq_base, memory_order_relaxed);
	if (!rc)
		atomic_store_explicit(&vt->last_accepted, m->seq, memory_order_relaxed);
	/* V1: pairs with the acquire load of `handled` by readers */
	atomic_store_explicit(&vt->handled, v.handled, memory_order_release);
}

static void handle(struct spinal_updater *u, const struct spinal_cfg_msg *m)
{
	int rc;

	memset(&u->why, 0, sizeof(u->why));
	rc = spinal_cfg_validate_msg(m, u->seq_base, u->cfg.staging_len, &u->why);
	/* an in-window slot is the new base whatever else is wrong with it */
	if (spinal_cfg_seq_in_window(m->seq, u->seq_base))
		u->seq_base = m->seq;
	if (!rc) {
		const struct spinal_cfg_handler *h = &u->handlers[m->type];

		if (!h->fn) {
			rc = REJ(NO_HANDLER);
			spinal_cfg_why_set(&u->why, SPINAL_CFG_D_TYPE, m->type, m->type, 0,
					   "this core has no handler for %s",
					   spinal_cfg_type_name(m->type));
		} else {
			rcu_thread_online();
			rc = h->fn(u, m, h->ctx);
			rcu_thread_offline();
		}
	}
	if (rc) {
		if (!u->why.text[0])
			why_default(u, m, rc);
		count_reject(u, SPINAL_CFG_REASON(rc));
	} else {
		atomic_store_explicit(&u->stats->upd_reserved[SPINAL_STATS_CFG_LAST_SEQ], m->seq,
				      memory_order_relaxed);
		atomic_fetch_add_explicit(&u->stats->cfg_accepted, 1, memory_order_relaxed);
	}
	publish_verdict(u, m, rc);
}

/* Returns the number of messages consumed. */
static int drain(struct spinal_updater *u)
{
	struct spinal_ring *r = u->cfg.cfg_ring;
	struct spinal_cfg_msg m;
	int64_t avail;
	int i;

	if (!r)
		return 0;
	avail = spinal_ring_cons_avail(r);
	if (avail < 0) {
		if (!u->ring_bad)
			count_reject(u, SPINAL_CFG_REJ_RING);
		u->ring_bad = 1;
		return 0;
	}
	u->ring_bad = 0;
	for (i = 0; i < avail && i < DRAIN_BATCH; i++) {
		memcpy(&m, spinal_ring_cons_peek(r, 0), sizeof(m));
		handle(u, &m);
		/* released after handling: once the consumer index has passed a
		 * *_COMMIT, the core is done with the staging area too */
		spinal_ring_cons_release(r, 1);
	}
	return i;
}

static int fold_visits(struct spinal_updater *u)
{
	int64_t avail = spinal_ring_cons_avail(&u->vring_upd);
	int64_t i;
	uint64_t folded = 0;

	if (avail <= 0)
		return 0;
	for (i = 0; i < avail; i++) {
		uint64_t v;

		memcpy(&v, spinal_ring_cons_peek(&u->vring_upd, (uint32_t)i), sizeof(v));
		folded += spinal_gm_visit(u->model, (uint32_t)v);
	}
	spinal_ring_cons_release(&u->vring_upd, (uint32_t)avail);
	if (folded) {
		u->visits_dirty = 1;
		atomic_fetch_add_explicit(&u->stats->upd_reserved[SPINAL_STATS_GRAPH_VISITS], folded,
					  memory_order_relaxed);
	}
	return 1;
}

static void sleep_us(uint32_t us)
{
	struct timespec ts = { us / 1000000, (long)(us % 1000000) * 1000 };

	clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL);
}

static int publish(struct spinal_updater *u)
{
	if (graph_rcu_publish(&u->gr, u->model, &u->stop))
		return -ENOMEM; /* keep dirty, retry after the next poll */
	u->dirty = u->visits_dirty = 0;
	clock_gettime(CLOCK_MONOTONIC, &u->last_pub);
	return 0;
}

static int visit_publish_due(const struct spinal_updater *u)
{
	struct timespec now;
	int64_t ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (now.tv_sec - u->last_pub.tv_sec) * 1000 + (now.tv_nsec - u->last_pub.tv_nsec) / 1000000;
	return ms >= u->cfg.visit_publish_ms;
}

/* Keep this thread (and threads it creates) off @cpu.  Returns 1 if impossible. */
static int avoid_cpu(int cpu)
{
	cpu_set_t set;
	long i, n = sysconf(_SC_NPROCESSORS_ONLN);

	if (cpu < 0)
		return 0;
	if (pthread_getaffinity_np(pthread_self(), sizeof(set), &set) == 0) {
		CPU_CLR(cpu, &set);
		if (CPU_COUNT(&set) && !pthread_setaffinity_np(pthread_self(), sizeof(set), &set))
			return 0;
	}
	/* the caller may already be pinned to the RT CPU: try every other CPU */
	CPU_ZERO(&set);
	for (i = 0; i < n && i < CPU_SETSIZE; i++)
		if (i != cpu)
			CPU_SET(i, &set);
	if (CPU_COUNT(&set) && !pthread_setaffinity_np(pthread_self(), sizeof(set), &set))
		return 0;
	return 1;
}

static void *updater_main(void *arg)
{
	struct spinal_updater *u = arg;
	struct call_rcu_data *crdp;

	pthread_setname_np(pthread_self(), "spinal-updater");
	rcu_register_thread();
	/* the worker inherits our affinity mask (set before the thread started) */
	crdp = create_call_rcu_data(0, -1);
	if (crdp)
		set_thread_call_rcu_data(crdp);
	/* C1: pairs with C2 in spinal_updater_call_rcu_affinity() */
	atomic_store_explicit(&u->crdp, crdp, memory_order_release);
	rcu_thread_offline();

	while (!atomic_load_explicit(&u->stop, memory_order_relaxed)) {
		int work = drain(u);

		work |= fold_visits(u);
		if (u->dirty || (u->visits_dirty && visit_publish_due(u)))
			work |= publish(u) == 0;
		if (!work)
			sleep_us(u->cfg.poll_us);
	}

	graph_rcu_unpublish(&u->gr);
	rcu_barrier();            /* every pending free has run */
	set_thread_call_rcu_data(NULL);
	if (crdp) {
		atomic_store_explicit(&u->crdp, NULL, memory_order_release);
		call_rcu_data_free(crdp); /* idle: nothing queued after the barrier */
	}
	rcu_unregister_thread();
	return NULL;
}

static int set_handlers(struct spinal_updater *u, const struct spinal_cfg_handler *h, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (h[i].type > SPINAL_CFG_TYPE_MAX)
			return -EINVAL;
		u->handlers[h[i].type] = h[i];
	}
	return 0;
}

static void updater_free(struct spinal_updater *u)
{
	graph_rcu_fini(&u->gr);
	spinal_gm_destroy(u->model);
	free(u->own_verdicts);
	free(u->vslots);
	free(u->stage_buf);
	free(u);
}

struct spinal_updater *spinal_updater_start(const struct spinal_updater_cfg *cfg)
{
	struct spinal_updater *u;
	pthread_attr_t attr;
	struct sched_param sp = { 0 };
	int expected = 0, err;

	if (cfg->cfg_ring && cfg->cfg_ring->slot_size != SPINAL_CFG_SLOT_SIZE) {
		errno = EINVAL;
		return NULL;
	}
	if (!atomic_compare_exchange_strong(&updater_running, &expected, 1)) {
		errno = EBUSY;
		return NULL;
	}
	u = aligned_alloc(64, (sizeof(*u) + 63) & ~(size_t)63);
	if (!u)
		goto fail_running;
	memset(u, 0, sizeof(*u));
	u->cfg = *cfg;
	u->stats = cfg->stats ? cfg->stats : &u->own_stats;
	u->verdicts = cfg->verdicts;
	if (!u->verdicts) {
		u->own_verdicts = calloc(1, sizeof(*u->own_verdicts));
		if (!u->own_verdicts)
			goto fail_running_free;
		u->verdicts = u->own_verdicts;
	}
	spinal_cfg_verdicts_init(u->verdicts);
	if (!u->cfg.max_nodes)
		u->cfg.max_nodes = 65536;
	if (!u->cfg.visit_slots)
		u->cfg.visit_slots = 1024;
	if (!u->cfg.poll_us)
		u->cfg.poll_us = 500;
	if (!u->cfg.visit_publish_ms)
		u->cfg.visit_publish_ms = 1000;
	if (!u->cfg.max_pending)
		u->cfg.max_pending = 64;
	err = EINVAL;
	if (!spinal_ring_is_pow2(u->cfg.visit_slots) ||
	    set_handlers(u, builtin, sizeof(builtin) / sizeof(builtin[0])) ||
	    set_handlers(u, cfg->handlers, cfg->nhandlers))
		goto fail;
	err = ENOMEM;
	u->vslots = calloc(u->cfg.visit_slots, sizeof(*u->vslots));
	u->model = spinal_gm_create(u->cfg.max_nodes);
	if (graph_rcu_init(&u->gr, u->stats, u->cfg.poison, u->cfg.max_pending) || !u->vslots ||
	    !u->model)
		goto fail;
	spinal_ring_init_shared(&u->vprod, &u->vcons, u->cfg.visit_slots, 8, 0);
	spinal_ring_attach(&u->vring_rt, &u->vprod, &u->vcons, u->vslots, u->cfg.visit_slots, 8,
			   (uint64_t)u->cfg.visit_slots * 8, 1);
	spinal_ring_attach(&u->vring_upd, &u->vprod, &u->vcons, u->vslots, u->cfg.visit_slots, 8,
			   (uint64_t)u->cfg.visit_slots * 8, 0);
	if (cfg->initial_blob) {
		struct spinal_gmodel *m;

		err = EBADMSG;
		if (spinal_gm_from_blob(cfg->initial_blob, cfg->initial_blob_len,
					u->cfg.max_nodes, &m))
			goto fail;
		spinal_gm_destroy(u->model);
		u->model = m;
		err = ENOMEM;
		if (graph_rcu_publish_first(&u->gr, m))
			goto fail;
	}
	clock_gettime(CLOCK_MONOTONIC, &u->last_pub);

	/* SCHED_OTHER whatever the caller runs as; affinity set here is inherited */
	pthread_attr_init(&attr);
	pthread_attr_setinheritsched(&attr, PTHREAD_EXPLICIT_SCHED);
	pthread_attr_setschedpolicy(&attr, SCHED_OTHER);
	pthread_attr_setschedparam(&attr, &sp);
	if (cfg->rt_cpu >= 0) {
		cpu_set_t set, saved;

		/* compute the mask in this thread, then restore our own */
		pthread_getaffinity_np(pthread_self(), sizeof(saved), &saved);
		u->shares_rt_cpu = avoid_cpu(cfg->rt_cpu);
		pthread_getaffinity_np(pthread_self(), sizeof(set), &set);
		pthread_setaffinity_np(pthread_self(), sizeof(saved), &saved);
		pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
	}
	err = pthread_create(&u->thr, &attr, updater_main, u);
	pthread_attr_destroy(&attr);
	if (err)
		goto fail;
	return u;
fail:
	updater_free(u); /* frees a first snapshot no reader saw */
	atomic_store(&updater_running, 0);
	errno = err;
	return NULL;
fail_running_free:
	free(u);
fail_running:
	atomic_store(&updater_running, 0);
	errno = ENOMEM;
	return NULL;
}

void spinal_updater_stop(struct spinal_updater *u)
{
	if (!u)
		return;
	atomic_store_explicit(&u->stop, 1, memory_order_relaxed);
	pthread_join(u->thr, NULL);
	updater_free(u);
	atomic_store(&updater_running, 0);
}

int spinal_updater_report_visit(struct spinal_updater *u, uint32_t id)
{
	uint64_t *slot = spinal_ring_prod_reserve(&u->vring_rt);
	uint64_t v = id;

	if (!slot) {
		_Atomic uint64_t *d = &u->stats->visit_drops;

		/* RT thread is the only writer of visit_drops: no locked RMW */
		atomic_store_explicit(d, atomic_load_explicit(d, memory_order_relaxed) + 1,
				      memory_order_relaxed);
		return -ENOBUFS;
	}
	memcpy(slot, &v, sizeof(v));
	spinal_ring_prod_commit(&u->vring_rt);
	return 0;
}

int spinal_updater_estop(const struct spinal_updater *u)
{
	/* E2: pairs with E1 in h_estop() */
	return (int)atomic_load_explicit(&u->estop, memory_order_acquire);
}

uint64_t spinal_updater_generation(const struct spinal_updater *u)
{
	/* P2: pairs with P1 in graph_rcu_publish() */
	return atomic_load_explicit(&u->gr.published_gen, memory_order_acquire);
}

uint64_t spinal_updater_freed_generation(const struct spinal_updater *u)
{
	/* F2: pairs with F1 in graph_rcu.c freed() */
	return atomic_load_explicit(&u->gr.freed_gen, memory_order_acquire);
}

int spinal_updater_shares_rt_cpu(const struct spinal_updater *u)
{
	return u->shares_rt_cpu;
}

int spinal_updater_call_rcu_affinity(const struct spinal_updater *u, void *cpuset, size_t len)
{
	/* C2: pairs with C1 in updater_main() */
	struct call_rcu_data *crdp = atomic_load_explicit(&u->crdp, memory_order_acquire);

	if (!crdp)
		return -ENOENT;
	return -pthread_getaffinity_np(get_call_rcu_thread(crdp), len, cpuset);
}
