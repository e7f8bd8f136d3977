/* SPDX-License-Identifier: MIT */
/*
 * The agent's config link to one core: the config sender (cfgsend.h) over
 * the attached CFG region, the core's verdict on each message, and what this
 * agent last had accepted (graph, model, goal override, e-stop, parameters),
 * which it sends again after every (re-)attach so a restarted core gets its
 * map and model back.
 *
 * Threads: the main thread attaches/detaches and replays; the HTTP thread
 * sends.  @lock is held for a whole send-and-wait, and around every change of
 * the mappings it uses (main thread: cfglink_detach() before unmapping).
 * Lock order: cfglink.lock before agent.lock.
 */
#ifndef SPINAL_USERSPACE_CFGLINK_H
#define SPINAL_USERSPACE_CFGLINK_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <spinal/config.h>
#include <spinal/params.h>
#include <spinal/region.h>
#include <spinal/ring.h>
#include <spinal/stats.h>

#include "userspace/cfgsend.h"

struct attach;

/*
 * The verdict on one message.  ACCEPTED and REJECTED are the core's own word
 * for exactly this message (its seq and digest in the core's verdict table,
 * include/spinal/config.h); nothing else is ever reported as accepted.
 */
enum cfg_verdict {
	CFG_ACCEPTED = 0, /* the core said: accepted, for this seq and digest */
	CFG_REJECTED,     /* the core said: rejected (reason, detail, numbers, text) */
	CFG_PENDING,      /* sent, not handled within the timeout: it may still be */
	CFG_FAILED,       /* not sent (err) */
	CFG_LOST,         /* sent, handled (or never will be), but the core's verdict
			   * on it cannot be known: text says why (its verdict was
			   * overwritten, another writer used the ring, the core stopped) */
};

struct cfg_result {
	int64_t seq;      /* sequence number, 0 when not sent */
	int verdict;      /* enum cfg_verdict */
	int reason;       /* enum spinal_cfg_reject when REJECTED, -1 unknown */
	int err;          /* -errno when FAILED: -ENOTCONN no core/ring, -EAGAIN ring
			   * full, -EBUSY staging busy, -E2BIG blob too large */
	uint64_t blob_id; /* for *_COMMIT */
	/* added with the verdict table (ABI 1.1 cores; zero / "" otherwise): */
	int detail;       /* enum spinal_cfg_detail: what index/value/limit mean */
	uint32_t index;   /* e.g. the parameter or op the detail is about */
	double value;     /* the number that broke the rule */
	double limit;     /* the bound it broke */
	char text[SPINAL_CFG_VERDICT_TEXT]; /* REJECTED: the core's one line;
					     * LOST: why the verdict is unknown */
};

struct cfglink {
	pthread_mutex_t lock;
	struct spinal_ring ring;
	struct spinal_cfgsend *tx;       /* NULL: not attached or no config ring */
	const struct spinal_stats *stats;
	const struct spinal_cfg_verdicts *vt; /* the core's verdict table, NULL: ABI 1.0 core */
	const struct spinal_region_hdr *stats_hdr; /* core state while waiting; may be NULL */
	uint32_t period_ns;
	char why[320];                   /* why tx is NULL */
	/* replayed after a (re-)attach: what this agent last had accepted */
	void *graph;                     /* graph blob (malloc) */
	size_t graph_len;
	char graph_src[512];
	uint32_t goal;                   /* SET_GOAL on top of the graph's own goal */
	int have_goal;
	char model_path[512];
	double model_dt;                 /* <= 0: the core's period */
	int have_model;
	struct spinal_cfg_params params;
	int have_params;
	int estop;
	/* for /metrics (relaxed) */
	_Atomic uint64_t n_accepted, n_rejected, n_pending, n_failed, n_lost;
};

/* Main thread, before any other use / after the HTTP thread stopped. */
void cfglink_init(struct cfglink *l);
void cfglink_fini(struct cfglink *l);

/*
 * cfglink_attach - create the sender on @at's config ring, continuing after
 * the core's sequence window base and after every message a previous agent
 * left queued that the core will take as in its window (the window rule
 * applied to them, config.h).  Main thread.  Returns 0, or -ENOTCONN when @at
 * has no usable config ring (the reason in l->why).
 */
int cfglink_attach(struct cfglink *l, const struct attach *at);

/* Drop the sender; call before unmapping @at.  Main thread. */
void cfglink_detach(struct cfglink *l);

/* Send one message and wait up to @timeout_ms for the core's verdict.  Any
 * agent thread (takes l->lock).  Returns the verdict (enum cfg_verdict).
 * After a rejection for seq the sender continues after the core's base. */
int cfglink_send(struct cfglink *l, uint32_t type, uint32_t flags, const void *payload,
		 uint32_t len, int timeout_ms, struct cfg_result *r);

/* Graph blob: send GRAPH_COMMIT, on acceptance keep a copy for replay and
 * point goals (the goal override is dropped).  As cfglink_send(). */
int cfglink_graph(struct cfglink *l, const void *blob, size_t len, const char *src,
		  int timeout_ms, struct cfg_result *r);

/*
 * cfglink_model - import @path (NIR, dt = @dt seconds or the core's period
 * when <= 0), send MODEL_COMMIT, keep path and dt for replay on acceptance.
 * Any agent thread; the import runs without the lock.  Returns the verdict;
 * CFG_FAILED with r->err = -EINVAL and a one-line reason in @err when the
 * file cannot be imported.  *dt_used gets the dt used.
 */
int cfglink_model(struct cfglink *l, const char *path, double dt, int timeout_ms,
		  struct cfg_result *r, double *dt_used, char *err, size_t errlen);

/* Stage a prebuilt blob (@type GRAPH_COMMIT or MODEL_COMMIT) and send its
 * commit; nothing is remembered for replay.  As cfglink_send(). */
int cfglink_blob(struct cfglink *l, uint32_t type, const void *blob, size_t len,
		 uint64_t blob_id, int timeout_ms, struct cfg_result *r);

/* SET_GOAL / ESTOP_SET|CLEAR, remembered on acceptance; PARAMS_SET (a whole
 * set, include/spinal/params.h), remembered as the wanted set when sent,
 * unless the core rejected its values (any reason but no_handler). */
int cfglink_goal(struct cfglink *l, uint32_t id, int timeout_ms, struct cfg_result *r);
int cfglink_estop(struct cfglink *l, int on, int timeout_ms, struct cfg_result *r);
int cfglink_params(struct cfglink *l, const float *value, int timeout_ms, struct cfg_result *r);

/* Node of the last accepted graph nearest to (x, y).  Returns 0 (id, dist
 * set) or -ENOENT when this agent has no graph.  Any agent thread. */
int cfglink_nearest(struct cfglink *l, double x, double y, uint32_t *id, double *dist);

/*
 * cfglink_replay - after a (re-)attach: send the graph, model, goal override,
 * parameters and e-stop (those in @what) this agent last had accepted (or
 * was started with).
 * Main thread.  Fills @sum with one "; "-separated summary; returns the
 * number of items not sent or rejected.
 */
enum { CFGL_GRAPH = 1, CFGL_MODEL = 2, CFGL_GOAL = 4, CFGL_PARAMS = 8, CFGL_ESTOP = 16,
       CFGL_ALL = 31 };
int cfglink_replay(struct cfglink *l, unsigned int what, int timeout_ms, char *sum,
		   size_t sumlen);

/* The wanted parameter set: the last one sent or set (SPINAL_PARAM_UNSET
 * where none).  Any agent thread. */
void cfglink_params_current(struct cfglink *l, float *value);
/* Start-up: the set to send after attaching.  Main thread. */
void cfglink_set_params(struct cfglink *l, const float *value);

/* Start-up (--graph/--model): what to send after attaching.  The link takes
 * @blob (malloc'd).  Main thread.  Returns 0. */
int cfglink_set_graph(struct cfglink *l, void *blob, size_t len, const char *src);
void cfglink_set_model(struct cfglink *l, const char *path, double dt);
void cfglink_set_goal(struct cfglink *l, uint32_t id);

/* 1 when a sender is attached.  Any agent thread. */
int cfglink_connected(struct cfglink *l);

/* Verdict as text: "accepted", "rejected", "pending", "failed", "lost". */
const char *cfg_verdict_name(int v);

/*
 * cfg_result_describe - one line for an operator about @r, e.g.
 * "REJECTED by the core (seq 7, reason range): stale_state_ms = 1e-07 is
 * below the minimum 1".  Any thread, pure.  Returns @buf.
 */
const char *cfg_result_describe(const struct cfg_result *r, char *buf, size_t len);

#endif /* SPINAL_USERSPACE_CFGLINK_H */
