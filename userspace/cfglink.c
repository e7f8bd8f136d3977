// SPDX-License-Identifier: MIT
/*
 * Config link (see cfglink.h).  The verdict on a message comes from the
 * core's verdict table (STATS region section SPINAL_SECT_CFG_VERDICT): once
 * the consumer index has passed the message, the core has handled it and
 * published its verdict (it releases a slot only after both); the verdict
 * is ours only if it carries our seq and the digest of the exact 256 bytes
 * we wrote.  Anything else is LOST, never "accepted".  A core without the
 * table (ABI 1.0) is judged as before, but exactly: accepted only if its
 * last accepted seq is ours.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <spinal/model_blob.h>

#include "userspace/attach.h"
#include "userspace/cfglink.h"
#include "userspace/nir.h"

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void nap(void)
{
	struct timespec ts = { 0, 1000000 };

	nanosleep(&ts, NULL);
}

const char *cfg_verdict_name(int v)
{
	static const char *const n[] = { "accepted", "rejected", "pending", "failed", "lost" };

	return v >= 0 && v <= CFG_LOST ? n[v] : "?";
}

const char *cfg_result_describe(const struct cfg_result *r, char *buf, size_t len)
{
	switch (r->verdict) {
	case CFG_ACCEPTED:
		snprintf(buf, len, "accepted (seq %lld)", (long long)r->seq);
		break;
	case CFG_REJECTED:
		snprintf(buf, len, "REJECTED by the core (seq %lld, reason %s)%s%.*s",
			 (long long)r->seq,
			 r->reason >= 0 ? spinal_cfg_reject_name((unsigned int)r->reason) : "?",
			 r->text[0] ? ": " : "", (int)sizeof(r->text), r->text);
		break;
	case CFG_PENDING:
		snprintf(buf, len, "pending (seq %lld): sent, not handled yet", (long long)r->seq);
		break;
	case CFG_LOST:
		snprintf(buf, len, "LOST (seq %lld): %.*s", (long long)r->seq,
			 (int)sizeof(r->text), r->text[0] ? r->text : "verdict unknown");
		break;
	default:
		snprintf(buf, len, "not sent (%s)", strerror(r->err < 0 ? -r->err : EINVAL));
		break;
	}
	return buf;
}

/* The verdict table of @at's core, or NULL (ABI 1.0 core, or not usable). */
static const struct spinal_cfg_verdicts *find_verdicts(const struct attach *at)
{
	const struct spinal_cfg_verdicts *vt;
	uint64_t size = 0;
	uint32_t elem = 0;

	if (!at->stats_hdr)
		return NULL;
	vt = spinal_region_section(at->stats_hdr, SPINAL_SECT_CFG_VERDICT, &size, &elem);
	if (!vt || size < sizeof(*vt) || elem != sizeof(struct spinal_cfg_verdict_slot) ||
	    vt->nslots != SPINAL_CFG_VERDICT_SLOTS ||
	    vt->slot_size != sizeof(struct spinal_cfg_verdict_slot))
		return NULL;
	return vt;
}

/* Where the core's window will be once it has handled what is queued. */
static uint64_t next_base(const struct cfglink *l, uint64_t base)
{
	uint32_t p = l->ring.peer, n = l->ring.local - p, i;
	uint64_t seq;

	for (i = 0; i < n && i < l->ring.nslots; i++) {
		const struct spinal_cfg_msg *m = spinal_ring_slot(&l->ring, p + i);

		memcpy(&seq, &m->seq, sizeof(seq));
		if (spinal_cfg_seq_in_window(seq, base))
			base = seq;
	}
	return base;
}

static uint64_t core_base(const struct cfglink *l)
{
	if (l->vt)
		return atomic_load_explicit(&l->vt->seq_base, memory_order_acquire);
	return atomic_load_explicit(&l->stats->upd_reserved[SPINAL_STATS_CFG_LAST_SEQ],
				    memory_order_relaxed);
}

void cfglink_init(struct cfglink *l)
{
	memset(l, 0, sizeof(*l));
	pthread_mutex_init(&l->lock, NULL);
	snprintf(l->why, sizeof(l->why), "not attached to a core");
}

void cfglink_fini(struct cfglink *l)
{
	cfglink_detach(l);
	free(l->graph);
	l->graph = NULL;
	pthread_mutex_destroy(&l->lock);
}

int cfglink_attach(struct cfglink *l, const struct attach *at)
{
	uint64_t last;
	int rc;

	pthread_mutex_lock(&l->lock);
	spinal_cfgsend_destroy(l->tx);
	l->tx = NULL;
	l->stats = NULL;
	if (!at->cfg_hdr) {
		snprintf(l->why, sizeof(l->why), "no config ring: %s", at->cfg_err);
		rc = -ENOTCONN;
		goto out;
	}
	rc = spinal_ring_attach(&l->ring, at->cfg_prod, at->cfg_cons, at->cfg_slots,
				at->cfg_nslots, SPINAL_CFG_SLOT_SIZE, at->cfg_slots_bytes, 1);
	if (rc) {
		snprintf(l->why, sizeof(l->why), "config ring positions are impossible (%s)",
			 strerror(-rc));
		rc = -ENOTCONN;
		goto out;
	}
	l->stats = at->stats;
	l->vt = find_verdicts(at);
	l->stats_hdr = at->stats_hdr;
	/* messages a previous agent left queued keep their numbers: continue
	 * after those the core will take as in its window */
	last = next_base(l, core_base(l));
	l->tx = spinal_cfgsend_create(&l->ring, at->staging, at->staging_len, last);
	if (!l->tx) {
		snprintf(l->why, sizeof(l->why), "cannot create the config sender: %s",
			 strerror(errno));
		rc = -ENOTCONN;
		goto out;
	}
	l->period_ns = at->id.period_ns;
	l->why[0] = '\0';
out:
	if (!l->tx) {
		l->stats = NULL;
		l->vt = NULL;
		l->stats_hdr = NULL;
	}
	pthread_mutex_unlock(&l->lock);
	return rc;
}

void cfglink_detach(struct cfglink *l)
{
	pthread_mutex_lock(&l->lock);
	spinal_cfgsend_destroy(l->tx);
	l->tx = NULL;
	l->stats = NULL;
	l->vt = NULL;
	l->stats_hdr = NULL;
	snprintf(l->why, sizeof(l->why), "not attached to a core");
	pthread_mutex_unlock(&l->lock);
}

static void snap_rejects(const struct spinal_stats *st, uint64_t *rej)
{
	unsigned int i;

	for (i = 0; i < SPINAL_CFG_REJ_COUNT; i++)
		rej[i] = atomic_load_explicit(&st->cfg_rejected_by[i], memory_order_relaxed);
}

static void lost(struct cfglink *l, struct cfg_result *r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void lost(struct cfglink *l, struct cfg_result *r, const char *fmt, ...)
{
	va_list ap;

	r->verdict = CFG_LOST;
	va_start(ap, fmt);
	vsnprintf(r->text, sizeof(r->text), fmt, ap);
	va_end(ap);
	atomic_fetch_add_explicit(&l->n_lost, 1, memory_order_relaxed);
}

/* Our verdict among those handled after @handled0: 1 found (in *v), 0 not
 * there (overwritten), -1 our seq with another digest (someone else's slot). */
static int find_verdict(const struct spinal_cfg_verdicts *vt, uint64_t handled0,
			uint64_t handled, uint64_t seq, uint32_t digest,
			struct spinal_cfg_verdict *v)
{
	int other = 0;
	uint64_t n;

	for (n = handled; n > handled0 && handled - n < SPINAL_CFG_VERDICT_SLOTS; n--) {
		if (spinal_cfg_verdict_get(vt, n, v) || v->seq != seq)
			continue;
		if (v->digest == digest)
			return 1;
		other = 1;
	}
	return other ? -1 : 0;
}

/* The exact verdict from the core's table.  Caller holds l->lock, l->vt set,
 * the core has handled the message (the ring is idle). */
static int table_verdict(struct cfglink *l, struct cfg_result *r, uint32_t digest,
			 uint64_t handled0)
{
	struct spinal_cfg_verdict v;
	/* V2: pairs with V1 in the core's publish_verdict() */
	uint64_t handled = atomic_load_explicit(&l->vt->handled, memory_order_acquire);
	int f = find_verdict(l->vt, handled0, handled, (uint64_t)r->seq, digest, &v);

	if (f < 0) {
		lost(l, r, "the core handled a different message under seq %lld (another writer on the config ring?); this one's verdict is unknown",
		     (long long)r->seq);
		return r->verdict;
	}
	if (f == 0) {
		lost(l, r, "the core handled %llu messages since this one was sent and its verdict is no longer in the %u-entry table (another writer on the config ring?)",
		     (unsigned long long)(handled - handled0), SPINAL_CFG_VERDICT_SLOTS);
		return r->verdict;
	}
	r->detail = v.detail;
	r->index = v.index;
	r->value = v.value;
	r->limit = v.limit;
	memcpy(r->text, v.text, sizeof(r->text));
	r->text[sizeof(r->text) - 1] = '\0';
	if (v.verdict == SPINAL_CFG_V_ACCEPTED) {
		r->verdict = CFG_ACCEPTED;
		atomic_fetch_add_explicit(&l->n_accepted, 1, memory_order_relaxed);
		return r->verdict;
	}
	if (v.verdict != SPINAL_CFG_V_REJECTED) {
		lost(l, r, "the core's verdict on seq %lld has an unknown code %u",
		     (long long)r->seq, v.verdict);
		return r->verdict;
	}
	r->verdict = CFG_REJECTED;
	r->reason = v.reason < SPINAL_CFG_REJ_COUNT ? (int)v.reason : -1;
	atomic_fetch_add_explicit(&l->n_rejected, 1, memory_order_relaxed);
	/* numbering behind the core's window (another writer advanced it, or a
	 * restart we missed): continue after its base for the next message */
	if (r->reason == SPINAL_CFG_REJ_SEQ)
		spinal_cfgsend_resync(l->tx, core_base(l));
	return r->verdict;
}

/* ABI 1.0 core (no table): accepted only if its last accepted seq is ours. */
static int legacy_verdict(struct cfglink *l, const uint64_t *before, struct cfg_result *r)
{
	uint64_t now_rej[SPINAL_CFG_REJ_COUNT], last;
	unsigned int i;

	last = atomic_load_explicit(&l->stats->upd_reserved[SPINAL_STATS_CFG_LAST_SEQ],
				    memory_order_relaxed);
	if (last == (uint64_t)r->seq) {
		r->verdict = CFG_ACCEPTED;
		atomic_fetch_add_explicit(&l->n_accepted, 1, memory_order_relaxed);
		return r->verdict;
	}
	snap_rejects(l->stats, now_rej);
	for (i = 0; i < SPINAL_CFG_REJ_COUNT; i++)
		if (now_rej[i] != before[i]) {
			r->verdict = CFG_REJECTED;
			r->reason = (int)i;
			atomic_fetch_add_explicit(&l->n_rejected, 1, memory_order_relaxed);
			return r->verdict;
		}
	lost(l, r, "this core (ABI 1.0, no verdict table) neither accepted seq %lld nor counted a rejection",
	     (long long)r->seq);
	return r->verdict;
}

/* Caller holds l->lock and l->tx is set; r->seq was just sent. */
static int wait_verdict(struct cfglink *l, const uint64_t *before, uint64_t handled0,
			int timeout_ms, struct cfg_result *r)
{
	uint64_t end = mono_ms() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0);
	uint32_t digest = spinal_cfgsend_last_digest(l->tx);

	/* A: spinal_cfgsend_idle() acquires the consumer index (released by the
	 * core after handling and publishing the verdict) */
	while (!spinal_cfgsend_idle(l->tx)) {
		uint32_t st = l->stats_hdr ? atomic_load_explicit(&l->stats_hdr->state,
								  memory_order_relaxed) : 0;

		if (st == SPINAL_STATE_STOPPING || st == SPINAL_STATE_STOPPED) {
			lost(l, r, "the core is %s: seq %lld will not be handled",
			     spinal_state_name(st), (long long)r->seq);
			return r->verdict;
		}
		if (mono_ms() >= end) {
			r->verdict = CFG_PENDING;
			atomic_fetch_add_explicit(&l->n_pending, 1, memory_order_relaxed);
			return r->verdict;
		}
		nap();
	}
	if (l->vt)
		return table_verdict(l, r, digest, handled0);
	return legacy_verdict(l, before, r);
}

static int failed(struct cfglink *l, struct cfg_result *r, int err)
{
	r->verdict = CFG_FAILED;
	r->err = err;
	atomic_fetch_add_explicit(&l->n_failed, 1, memory_order_relaxed);
	return r->verdict;
}

/* Caller holds l->lock. */
static int send_locked(struct cfglink *l, uint32_t type, uint32_t flags, const void *payload,
		       uint32_t len, const void *blob, size_t blob_len, uint64_t blob_id,
		       int timeout_ms, struct cfg_result *r)
{
	uint64_t end = mono_ms() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0);
	uint64_t before[SPINAL_CFG_REJ_COUNT], handled0;
	int64_t seq;

	memset(r, 0, sizeof(*r));
	r->reason = -1;
	r->blob_id = blob_id;
	if (!l->tx)
		return failed(l, r, -ENOTCONN);
	snap_rejects(l->stats, before);
	handled0 = l->vt ? atomic_load_explicit(&l->vt->handled, memory_order_acquire) : 0;
	for (;;) {
		seq = blob ? spinal_cfgsend_blob(l->tx, type, blob, blob_len, blob_id)
			   : spinal_cfgsend_msg(l->tx, type, flags, payload, len);
		if (seq > 0 || (seq != -EAGAIN && seq != -EBUSY) || mono_ms() >= end)
			break;
		nap();
	}
	if (seq < 0)
		return failed(l, r, (int)seq);
	r->seq = seq;
	return wait_verdict(l, before, handled0, timeout_ms, r);
}

int cfglink_send(struct cfglink *l, uint32_t type, uint32_t flags, const void *payload,
		 uint32_t len, int timeout_ms, struct cfg_result *r)
{
	int v;

	pthread_mutex_lock(&l->lock);
	v = send_locked(l, type, flags, payload, len, NULL, 0, 0, timeout_ms, r);
	pthread_mutex_unlock(&l->lock);
	return v;
}

int cfglink_blob(struct cfglink *l, uint32_t type, const void *blob, size_t len,
		 uint64_t blob_id, int timeout_ms, struct cfg_result *r)
{
	int v;

	pthread_mutex_lock(&l->lock);
	v = send_locked(l, type, 0, NULL, 0, blob, len, blob_id, timeout_ms, r);
	pthread_mutex_unlock(&l->lock);
	return v;
}

int cfglink_graph(struct cfglink *l, const void *blob, size_t len, const char *src,
		  int timeout_ms, struct cfg_result *r)
{
	void *copy = malloc(len ? len : 1);
	int v;

	if (!copy) {
		memset(r, 0, sizeof(*r));
		return failed(l, r, -ENOMEM);
	}
	memcpy(copy, blob, len);
	pthread_mutex_lock(&l->lock);
	v = send_locked(l, SPINAL_CFG_GRAPH_COMMIT, 0, NULL, 0, blob, len,
			spinal_fnv1a64(blob, len), timeout_ms, r);
	if (v == CFG_ACCEPTED || v == CFG_PENDING) {
		free(l->graph);
		l->graph = copy;
		l->graph_len = len;
		snprintf(l->graph_src, sizeof(l->graph_src), "%s", src);
		l->have_goal = 0;
		copy = NULL;
	}
	pthread_mutex_unlock(&l->lock);
	free(copy);
	return v;
}

int cfglink_model(struct cfglink *l, const char *path, double dt, int timeout_ms,
		  struct cfg_result *r, double *dt_used, char *err, size_t errlen)
{
	double dt_arg = dt;
	uint32_t period;
	void *blob = NULL;
	size_t len = 0;
	int rc, v;

	memset(r, 0, sizeof(*r));
	r->reason = -1;
	pthread_mutex_lock(&l->lock);
	period = l->tx ? l->period_ns : 0;
	pthread_mutex_unlock(&l->lock);
	if (!period) {
		snprintf(err, errlen, "%s", "not attached to a core with a config ring");
		return failed(l, r, -ENOTCONN);
	}
	if (dt <= 0)
		dt = period * 1e-9;
	*dt_used = dt;
	/* the import (HDF5) may take a while: without the lock */
	rc = nir_load_blob(path, dt, &blob, &len, err, errlen);
	if (rc)
		return failed(l, r, -EINVAL);
	pthread_mutex_lock(&l->lock);
	v = send_locked(l, SPINAL_CFG_MODEL_COMMIT, 0, NULL, 0, blob, len,
			spinal_model_hash(blob, len), timeout_ms, r);
	if (v == CFG_ACCEPTED || v == CFG_PENDING) {
		if (path != l->model_path)
			snprintf(l->model_path, sizeof(l->model_path), "%s", path);
		l->model_dt = dt_arg;
		l->have_model = 1;
	}
	pthread_mutex_unlock(&l->lock);
	if (v == CFG_FAILED && r->err == -E2BIG)
		snprintf(err, errlen, "model blob of %zu bytes is larger than the core's staging area",
			 len);
	free(blob);
	return v;
}

int cfglink_goal(struct cfglink *l, uint32_t id, int timeout_ms, struct cfg_result *r)
{
	struct spinal_cfg_node_ref ref = { id, 0 };
	int v;

	pthread_mutex_lock(&l->lock);
	v = send_locked(l, SPINAL_CFG_SET_GOAL, 0, &ref, sizeof(ref), NULL, 0, 0, timeout_ms, r);
	if (v == CFG_ACCEPTED) {
		l->goal = id;
		l->have_goal = 1;
	}
	pthread_mutex_unlock(&l->lock);
	return v;
}

int cfglink_estop(struct cfglink *l, int on, int timeout_ms, struct cfg_result *r)
{
	int v;

	pthread_mutex_lock(&l->lock);
	v = send_locked(l, on ? SPINAL_CFG_ESTOP_SET : SPINAL_CFG_ESTOP_CLEAR, 0, NULL, 0, NULL,
			0, 0, timeout_ms, r);
	/* an e-stop is remembered even while pending: replay errs on the safe side */
	if (v == CFG_ACCEPTED || (on && v == CFG_PENDING))
		l->estop = on;
	pthread_mutex_unlock(&l->lock);
	return v;
}

int cfglink_params(struct cfglink *l, const float *value, int timeout_ms, struct cfg_result *r)
{
	struct spinal_cfg_params p;
	unsigned int i;
	int v;

	memset(&p, 0, sizeof(p));
	p.count = SPINAL_PARAM_COUNT;
	for (i = 0; i < SPINAL_PARAM_COUNT; i++)
		p.value[i] = value[i];
	/* the set's id: its contents (never 0) */
	p.params_id = (uint32_t)spinal_fnv1a64(p.value, sizeof(float) * SPINAL_PARAM_COUNT) | 1u;
	pthread_mutex_lock(&l->lock);
	v = send_locked(l, SPINAL_CFG_PARAMS_SET, 0, &p, 8 + 4 * SPINAL_PARAM_COUNT, NULL, 0,
			p.params_id, timeout_ms, r);
	/* the wanted set, whatever this core said (a restarted core gets it too),
	 * unless the core refused its values: then the last good set stays, so
	 * the next POST /params does not carry the refused value again */
	if (v != CFG_REJECTED || r->reason == SPINAL_CFG_REJ_NO_HANDLER) {
		l->params = p;
		l->have_params = 1;
	}
	pthread_mutex_unlock(&l->lock);
	return v;
}

int cfglink_connected(struct cfglink *l)
{
	int c;

	pthread_mutex_lock(&l->lock);
	c = l->tx != NULL;
	pthread_mutex_unlock(&l->lock);
	return c;
}

int cfglink_nearest(struct cfglink *l, double x, double y, uint32_t *id, double *dist)
{
	const struct spinal_graph_blob_hdr *h;
	const struct spinal_graph_blob_node *n;
	double best = INFINITY;
	uint32_t i;
	int rc = -ENOENT;

	pthread_mutex_lock(&l->lock);
	h = l->graph;
	if (h && l->graph_len >= sizeof(*h) &&
	    h->nodes_off + (uint64_t)h->nnodes * sizeof(*n) <= l->graph_len) {
		n = (const void *)((const char *)l->graph + h->nodes_off);
		for (i = 0; i < h->nnodes; i++) {
			double d = hypot(n[i].x - x, n[i].y - y);

			if (d < best) {
				best = d;
				*id = n[i].id;
				rc = 0;
			}
		}
	}
	pthread_mutex_unlock(&l->lock);
	*dist = best;
	return rc;
}

/* Append "; "-separated text to @buf. */
static void add(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void add(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	if (used && used + 2 < len) {
		memcpy(buf + used, "; ", 3);
		used += 2;
	}
	if (used >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

static void add_result(char *buf, size_t len, const char *what, const struct cfg_result *r)
{
	char d[400];

	add(buf, len, "%s: %s", what, cfg_result_describe(r, d, sizeof(d)));
}

int cfglink_replay(struct cfglink *l, unsigned int what, int timeout_ms, char *sum,
		   size_t sumlen)
{
	struct cfg_result r;
	char path[512], err[512], txt[640];
	int bad = 0, have_model, estop, have_goal, have_params;
	double dt, dt_used;
	uint32_t goal;
	float pv[SPINAL_PARAM_COUNT];
	unsigned int i;

	sum[0] = '\0';
	pthread_mutex_lock(&l->lock);
	if (l->graph && (what & CFGL_GRAPH)) {
		const struct spinal_graph_blob_hdr *h = l->graph;

		snprintf(txt, sizeof(txt), "graph %s (%u nodes)", l->graph_src, h->nnodes);
		send_locked(l, SPINAL_CFG_GRAPH_COMMIT, 0, NULL, 0, l->graph, l->graph_len,
			    spinal_fnv1a64(l->graph, l->graph_len), timeout_ms, &r);
		add_result(sum, sumlen, txt, &r);
		bad += r.verdict == CFG_FAILED || r.verdict == CFG_REJECTED || r.verdict == CFG_LOST;
	}
	have_model = l->have_model && (what & CFGL_MODEL);
	snprintf(path, sizeof(path), "%s", l->model_path);
	dt = l->model_dt;
	estop = l->estop && (what & CFGL_ESTOP);
	have_goal = l->have_goal && (what & CFGL_GOAL);
	goal = l->goal;
	have_params = l->have_params && (what & CFGL_PARAMS);
	for (i = 0; i < SPINAL_PARAM_COUNT; i++)
		pv[i] = l->params.value[i];
	pthread_mutex_unlock(&l->lock);
	if (have_model) {
		cfglink_model(l, path, dt, timeout_ms, &r, &dt_used, err, sizeof(err));
		snprintf(txt, sizeof(txt), "model %s (dt %g s, id %016llx)", path, dt_used,
			 (unsigned long long)r.blob_id);
		if (r.verdict == CFG_FAILED && r.err == -EINVAL)
			add(sum, sumlen, "model: %s", err);
		else
			add_result(sum, sumlen, txt, &r);
		bad += r.verdict == CFG_FAILED || r.verdict == CFG_REJECTED || r.verdict == CFG_LOST;
	}
	if (have_goal) {
		snprintf(txt, sizeof(txt), "goal node %u", goal);
		cfglink_goal(l, goal, timeout_ms, &r);
		add_result(sum, sumlen, txt, &r);
		bad += r.verdict == CFG_FAILED || r.verdict == CFG_REJECTED || r.verdict == CFG_LOST;
	}
	if (have_params) {
		cfglink_params(l, pv, timeout_ms, &r);
		add_result(sum, sumlen, "parameters", &r);
		bad += r.verdict == CFG_FAILED || r.verdict == CFG_REJECTED || r.verdict == CFG_LOST;
	}
	if (estop) {
		cfglink_estop(l, 1, timeout_ms, &r);
		add_result(sum, sumlen, "e-stop", &r);
		bad += r.verdict == CFG_FAILED || r.verdict == CFG_REJECTED || r.verdict == CFG_LOST;
	}
	return bad;
}

void cfglink_set_params(struct cfglink *l, const float *value)
{
	unsigned int i;

	pthread_mutex_lock(&l->lock);
	memset(&l->params, 0, sizeof(l->params));
	l->params.count = SPINAL_PARAM_COUNT;
	for (i = 0; i < SPINAL_PARAM_COUNT; i++)
		l->params.value[i] = value[i];
	l->have_params = 1;
	pthread_mutex_unlock(&l->lock);
}

void cfglink_params_current(struct cfglink *l, float *value)
{
	unsigned int i;

	pthread_mutex_lock(&l->lock);
	for (i = 0; i < SPINAL_PARAM_COUNT; i++)
		value[i] = l->have_params ? l->params.value[i] : SPINAL_PARAM_UNSET;
	pthread_mutex_unlock(&l->lock);
}

int cfglink_set_graph(struct cfglink *l, void *blob, size_t len, const char *src)
{
	pthread_mutex_lock(&l->lock);
	free(l->graph);
	l->graph = blob;
	l->graph_len = len;
	snprintf(l->graph_src, sizeof(l->graph_src), "%s", src);
	l->have_goal = 0;
	pthread_mutex_unlock(&l->lock);
	return 0;
}

void cfglink_set_goal(struct cfglink *l, uint32_t id)
{
	pthread_mutex_lock(&l->lock);
	l->goal = id;
	l->have_goal = 1;
	pthread_mutex_unlock(&l->lock);
}

void cfglink_set_model(struct cfglink *l, const char *path, double dt)
{
	pthread_mutex_lock(&l->lock);
	snprintf(l->model_path, sizeof(l->model_path), "%s", path);
	l->model_dt = dt;
	l->have_model = 1;
	pthread_mutex_unlock(&l->lock);
}
