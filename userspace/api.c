// SPDX-License-Identifier: MIT
/*
 * Control API.  Requests are parsed and validated here (json-c), in the
 * unprivileged agent; what reaches the core is only a small fixed-layout
 * message (or a flat blob) sent through the config link (cfglink.h), which
 * waits for the core's verdict:
 *   200 accepted, 202 sent but not handled yet, 422 rejected by the core
 *   (reason named), 501 the core has no handler for it, 503 no core / ring
 *   full, 413 blob larger than the staging area.
 * Bad requests get their 4xx before anything is sent.
 */
#include <errno.h>
#include <inttypes.h>
#include <json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spinal/params.h>
#include <spinal/region.h>

#include "userspace/api.h"
#include "userspace/graph_json.h"

static int jerr(struct strbuf *out, int status, const char *msg)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "error", json_object_new_string(msg));
	json_object_object_add(o, "status", json_object_new_int(status));
	sb_printf(out, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return status;
}

/*
 * The core's verdict as HTTP: @extra (may be NULL, consumed) is merged into
 * the answer.  @type: the message sent.
 */
static int answer(struct agent *ag, struct strbuf *out, uint32_t type, const char *what,
		  const struct cfg_result *r, json_object *extra)
{
	json_object *o = json_object_new_object();
	char msg[768], why[320], id[20];
	int status;

	switch (r->verdict) {
	case CFG_ACCEPTED:
	case CFG_PENDING:
		status = r->verdict == CFG_ACCEPTED ? 200 : 202;
		json_object_object_add(o, "sent", json_object_new_string(spinal_cfg_type_name(type)));
		json_object_object_add(o, "seq", json_object_new_int64(r->seq));
		json_object_object_add(o, "result",
				       json_object_new_string(cfg_verdict_name(r->verdict)));
		if (r->verdict == CFG_PENDING)
			json_object_object_add(o, "note", json_object_new_string(
				"sent; the core has not handled it yet (see config.accepted/rejected in spinal-inspect)"));
		break;
	case CFG_REJECTED:
		status = r->reason == SPINAL_CFG_REJ_NO_HANDLER ? 501 : 422;
		snprintf(msg, sizeof(msg), "spinal-core rejected %s (%s, seq %lld): %s%s%.*s%s", what,
			 spinal_cfg_type_name(type), (long long)r->seq,
			 r->reason >= 0 ? spinal_cfg_reject_name((unsigned)r->reason) : "unknown reason",
			 r->text[0] ? ": " : "", (int)sizeof(r->text), r->text,
			 r->reason == SPINAL_CFG_REJ_NO_HANDLER ?
			 " (this core has no handler for it); nothing was changed" :
			 "; nothing was changed");
		json_object_object_add(o, "error", json_object_new_string(msg));
		json_object_object_add(o, "status", json_object_new_int(status));
		json_object_object_add(o, "seq", json_object_new_int64(r->seq));
		json_object_object_add(o, "reason", json_object_new_string(
			r->reason >= 0 ? spinal_cfg_reject_name((unsigned)r->reason) : "?"));
		if (r->detail) { /* the numbers behind the reason (cfglink.h) */
			json_object_object_add(o, "detail", json_object_new_string(
				spinal_cfg_detail_name((unsigned)r->detail)));
			json_object_object_add(o, "index", json_object_new_int64(r->index));
			json_object_object_add(o, "value", json_object_new_double(r->value));
			json_object_object_add(o, "limit", json_object_new_double(r->limit));
		}
		break;
	case CFG_LOST: /* sent, but the core's verdict on it is unknown (cfglink.h) */
		status = 504;
		snprintf(msg, sizeof(msg), "%s (%s, seq %lld) was sent but its verdict is unknown: %.*s; check the core's state before relying on it",
			 what, spinal_cfg_type_name(type), (long long)r->seq, (int)sizeof(r->text),
			 r->text);
		json_object_object_add(o, "error", json_object_new_string(msg));
		json_object_object_add(o, "status", json_object_new_int(status));
		json_object_object_add(o, "seq", json_object_new_int64(r->seq));
		json_object_object_add(o, "result", json_object_new_string("lost"));
		break;
	default:
		status = r->err == -E2BIG ? 413 : r->err == -ENOMEM ? 500 : 503;
		if (r->err == -ENOTCONN) {
			pthread_mutex_lock(&ag->cfg.lock);
			snprintf(why, sizeof(why), "%s", ag->cfg.why);
			pthread_mutex_unlock(&ag->cfg.lock);
		} else {
			snprintf(why, sizeof(why), "%s",
				 r->err == -EAGAIN ? "the config ring is full: the core is not draining it" :
				 r->err == -EBUSY ? "the staging area is still in use by the core" :
				 r->err == -E2BIG ? "blob larger than the core's staging area (spinal-core --staging-mb)" :
				 strerror(-r->err));
		}
		snprintf(msg, sizeof(msg), "%s was not sent: %s; nothing was changed", what, why);
		json_object_object_add(o, "error", json_object_new_string(msg));
		json_object_object_add(o, "status", json_object_new_int(status));
		break;
	}
	if (r->blob_id && type == SPINAL_CFG_PARAMS_SET) {
		json_object_object_add(o, "params_id", json_object_new_int64((int64_t)r->blob_id));
	} else if (r->blob_id) {
		snprintf(id, sizeof(id), "%016llx", (unsigned long long)r->blob_id);
		json_object_object_add(o, "blob_id", json_object_new_string(id));
	}
	if (extra) {
		json_object_object_foreach(extra, k, v)
			json_object_object_add(o, k, json_object_get(v));
		json_object_put(extra);
	}
	sb_printf(out, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return status;
}

static int get_number(json_object *o, const char *key, double *v, int required, char *why,
		      size_t wlen)
{
	json_object *f;

	if (!json_object_object_get_ex(o, key, &f)) {
		if (required)
			snprintf(why, wlen, "missing field '%s'", key);
		return required ? -EINVAL : 1;
	}
	if (!json_object_is_type(f, json_type_double) && !json_object_is_type(f, json_type_int)) {
		snprintf(why, wlen, "field '%s' must be a number", key);
		return -EINVAL;
	}
	*v = json_object_get_double(f);
	if (!isfinite(*v)) {
		snprintf(why, wlen, "field '%s' must be finite", key);
		return -EINVAL;
	}
	return 0;
}

static json_object *parse_body(const char *body, size_t len, struct strbuf *out, int *status)
{
	json_tokener *tok;
	json_object *o;
	char msg[256];

	if (!body || !len) {
		*status = jerr(out, 400, "request body must be a JSON object");
		return NULL;
	}
	tok = json_tokener_new();
	if (!tok) {
		*status = jerr(out, 500, "out of memory");
		return NULL;
	}
	o = json_tokener_parse_ex(tok, body, (int)len);
	if (!o || json_tokener_get_error(tok) != json_tokener_success ||
	    tok->char_offset != (int)len) {
		enum json_tokener_error e = json_tokener_get_error(tok);
		int trailing = o && e == json_tokener_success;

		/* allow trailing whitespace only */
		if (trailing) {
			size_t i;

			for (i = (size_t)tok->char_offset; i < len; i++)
				if (!strchr(" \t\r\n", body[i]))
					break;
			if (i == len)
				goto ok;
		}
		snprintf(msg, sizeof(msg), "invalid JSON at byte %d: %s", tok->char_offset,
			 trailing ? "trailing data" :
			 e == json_tokener_continue ? "unexpected end of input" :
			 json_tokener_error_desc(e));
		json_object_put(o);
		json_tokener_free(tok);
		*status = jerr(out, 400, msg);
		return NULL;
	}
ok:
	json_tokener_free(tok);
	if (!json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		*status = jerr(out, 400, "request body must be a JSON object");
		return NULL;
	}
	return o;
}

static int only_keys(json_object *o, const char *const *keys, char *why, size_t wlen)
{
	json_object_object_foreach(o, k, v) {
		const char *const *p;

		(void)v;
		for (p = keys; *p; p++)
			if (!strcmp(*p, k))
				break;
		if (!*p) {
			snprintf(why, wlen, "unknown field '%s'", k);
			return -EINVAL;
		}
	}
	return 0;
}

static int post_goal(struct agent *ag, json_object *o, struct strbuf *out)
{
	static const char *const keys[] = { "x", "y", "node", NULL };
	struct cfg_result r;
	json_object *extra = NULL;
	char why[128];
	double x, y, node, dist;
	uint32_t id;
	int hn;

	if (only_keys(o, keys, why, sizeof(why)))
		return jerr(out, 400, why);
	hn = get_number(o, "node", &node, 0, why, sizeof(why));
	if (hn < 0)
		return jerr(out, 400, why);
	if (hn == 1) {
		if (get_number(o, "x", &x, 1, why, sizeof(why)) ||
		    get_number(o, "y", &y, 1, why, sizeof(why)))
			return jerr(out, 400, "goal needs {\"x\": m, \"y\": m} or {\"node\": id}");
		if (fabs(x) > 1e6 || fabs(y) > 1e6)
			return jerr(out, 422, "goal coordinates beyond 1e6 m");
		/* the core takes goals as graph nodes: the nearest one of our graph */
		if (cfglink_nearest(&ag->cfg, x, y, &id, &dist)) {
			if (cfglink_connected(&ag->cfg))
				return jerr(out, 409, "a goal point needs the graph this agent sent (--graph or POST /graph); send {\"node\": id} instead");
			id = SPINAL_NODE_NONE; /* not attached: answered 503 below */
		} else {
			extra = json_object_new_object();
			json_object_object_add(extra, "node", json_object_new_int64(id));
			json_object_object_add(extra, "distance_m", json_object_new_double(dist));
		}
	} else if (node < 0 || node > SPINAL_NODE_ID_MAX || node != floor(node)) {
		return jerr(out, 422, "field 'node' must be a non-negative integer node id");
	} else {
		id = (uint32_t)node;
	}
	cfglink_goal(&ag->cfg, id, AGENT_CFG_TIMEOUT_MS, &r);
	snprintf(why, sizeof(why), "the goal (node %u)", id);
	return answer(ag, out, SPINAL_CFG_SET_GOAL, why, &r, extra);
}

static int post_estop(struct agent *ag, json_object *o, struct strbuf *out, int clear)
{
	static const char *const keys[] = { "reason", NULL };
	struct cfg_result res;
	json_object *r = NULL;
	char why[128];
	int status;

	if (o && only_keys(o, keys, why, sizeof(why)))
		return jerr(out, 400, why);
	if (o && json_object_object_get_ex(o, "reason", &r) && !json_object_is_type(r, json_type_string))
		return jerr(out, 400, "field 'reason' must be a string");
	cfglink_estop(&ag->cfg, !clear, AGENT_CFG_TIMEOUT_MS, &res);
	status = answer(ag, out, clear ? SPINAL_CFG_ESTOP_CLEAR : SPINAL_CFG_ESTOP_SET,
			clear ? "the e-stop clear" : "the e-stop", &res, NULL);
	if (res.verdict == CFG_FAILED)
		agent_log(ag, "control API: e-stop %s%s%s: NOT sent (%s)", clear ? "clear" : "set",
			  r ? ", reason: " : "", r ? json_object_get_string(r) : "",
			  res.err == -ENOTCONN ? "no core attached" : strerror(-res.err));
	else
		agent_log(ag, "control API: e-stop %s%s%s: %s by the core (seq %lld)",
			  clear ? "clear" : "set", r ? ", reason: " : "",
			  r ? json_object_get_string(r) : "", cfg_verdict_name(res.verdict),
			  (long long)res.seq);
	return status;
}

static const struct {
	const char *key;
	double lo, hi;
} param_keys[] = {
	{ "max_speed", 0, 100 }, { "max_omega", 0, 100 }, { "max_accel", 0, 1000 },
	{ "max_jerk", 0, 100000 }, { "goal_tolerance", 0, 100 }, { "min_confidence", 0, 1 },
	{ "stale_state_ms", 0, 10000 },
};

_Static_assert(sizeof(param_keys) / sizeof(param_keys[0]) == SPINAL_PARAM_COUNT,
	       "POST /params keys are include/spinal/params.h in order");

static int post_params(struct agent *ag, json_object *o, struct strbuf *out)
{
	float pv[SPINAL_PARAM_COUNT];
	struct cfg_result r;
	char why[160];
	int n = 0;

	cfglink_params_current(&ag->cfg, pv);
	json_object_object_foreach(o, k, v) {
		size_t i;
		double d;

		for (i = 0; i < sizeof(param_keys) / sizeof(param_keys[0]); i++)
			if (!strcmp(k, param_keys[i].key))
				break;
		if (i == sizeof(param_keys) / sizeof(param_keys[0])) {
			snprintf(why, sizeof(why), "unknown parameter '%s'", k);
			return jerr(out, 400, why);
		}
		if (!json_object_is_type(v, json_type_double) && !json_object_is_type(v, json_type_int)) {
			snprintf(why, sizeof(why), "parameter '%s' must be a number", k);
			return jerr(out, 400, why);
		}
		d = json_object_get_double(v);
		if (!isfinite(d) || d < param_keys[i].lo || d > param_keys[i].hi) {
			snprintf(why, sizeof(why), "parameter '%s' = %g outside %g..%g", k, d,
				 param_keys[i].lo, param_keys[i].hi);
			return jerr(out, 422, why);
		}
		pv[i] = (float)d;
		n++;
	}
	if (!n)
		return jerr(out, 400, "no parameters given");
	cfglink_params(&ag->cfg, pv, AGENT_CFG_TIMEOUT_MS, &r);
	return answer(ag, out, SPINAL_CFG_PARAMS_SET, "the parameters", &r, NULL);
}

static int post_graph(struct agent *ag, json_object *o, const char *body, size_t len,
		      struct strbuf *out)
{
	static const char *const pkeys[] = { "path", NULL };
	json_object *nodes, *edges, *p, *extra;
	const struct spinal_graph_blob_hdr *h;
	struct cfg_result r;
	char err[512], src[600];
	void *blob = NULL;
	size_t blen = 0;
	int rc;

	if (json_object_object_get_ex(o, "path", &p)) {
		if (!json_object_is_type(p, json_type_string) || !json_object_get_string_len(p))
			return jerr(out, 400, "field 'path' must be a graph file name");
		if (only_keys(o, pkeys, err, sizeof(err)))
			return jerr(out, 400, "graph by file takes only {\"path\": FILE}");
		snprintf(src, sizeof(src), "%s", json_object_get_string(p));
		rc = spinal_graph_json_load(src, &blob, &blen, err, sizeof(err));
	} else {
		if (!json_object_object_get_ex(o, "nodes", &nodes) ||
		    !json_object_is_type(nodes, json_type_array))
			return jerr(out, 400, "graph needs a 'nodes' array (or {\"path\": FILE})");
		if (json_object_object_get_ex(o, "edges", &edges) &&
		    !json_object_is_type(edges, json_type_array))
			return jerr(out, 400, "field 'edges' must be an array");
		snprintf(src, sizeof(src), "request");
		rc = spinal_graph_json_parse(body, len, "request", &blob, &blen, err, sizeof(err));
	}
	if (rc)
		return jerr(out, 422, err); /* file:line: field: why; nothing sent */
	h = blob;
	extra = json_object_new_object();
	json_object_object_add(extra, "nodes", json_object_new_int64(h->nnodes));
	json_object_object_add(extra, "edges", json_object_new_int64(h->nedges));
	if (h->goal_id != SPINAL_NODE_NONE)
		json_object_object_add(extra, "goal", json_object_new_int64(h->goal_id));
	cfglink_graph(&ag->cfg, blob, blen, src, AGENT_CFG_TIMEOUT_MS, &r);
	free(blob);
	return answer(ag, out, SPINAL_CFG_GRAPH_COMMIT, "the graph", &r, extra);
}

static int post_model(struct agent *ag, json_object *o, struct strbuf *out)
{
	static const char *const keys[] = { "path", "dt", NULL };
	json_object *p, *extra;
	struct cfg_result r;
	char why[512], path[512];
	double dt = 0, dt_used = 0;
	int rc;

	if (!json_object_object_get_ex(o, "path", &p) || !json_object_is_type(p, json_type_string) ||
	    !json_object_get_string_len(p))
		return jerr(out, 400, "model needs {\"path\": \"/path/to/model.nir\"}");
	if (only_keys(o, keys, why, sizeof(why)))
		return jerr(out, 400, why);
	rc = get_number(o, "dt", &dt, 0, why, sizeof(why));
	if (rc < 0)
		return jerr(out, 400, why);
	if (rc == 0 && !(dt > 0 && dt <= 1))
		return jerr(out, 422, "field 'dt' must be seconds in (0, 1] (absent: the core's period)");
	snprintf(path, sizeof(path), "%s", json_object_get_string(p));
	cfglink_model(&ag->cfg, path, dt, AGENT_CFG_TIMEOUT_MS, &r, &dt_used, why, sizeof(why));
	if (r.verdict == CFG_FAILED && r.err == -EINVAL)
		return jerr(out, 422, why);
	extra = json_object_new_object();
	json_object_object_add(extra, "path", json_object_new_string(path));
	json_object_object_add(extra, "dt", json_object_new_double(dt_used));
	return answer(ag, out, SPINAL_CFG_MODEL_COMMIT, "the model", &r, extra);
}

/* What the config link holds: reachable?, what is replayed on re-attach. */
static json_object *cfg_status(struct agent *ag)
{
	json_object *c = json_object_new_object();
	struct cfglink *l = &ag->cfg;

	pthread_mutex_lock(&l->lock);
	json_object_object_add(c, "link", json_object_new_boolean(l->tx != NULL));
	if (!l->tx)
		json_object_object_add(c, "why", json_object_new_string(l->why));
	if (l->graph) {
		const struct spinal_graph_blob_hdr *h = l->graph;

		json_object_object_add(c, "graph", json_object_new_string(l->graph_src));
		json_object_object_add(c, "graph_nodes", json_object_new_int64(h->nnodes));
	}
	if (l->have_goal)
		json_object_object_add(c, "goal_node", json_object_new_int64(l->goal));
	if (l->have_model)
		json_object_object_add(c, "model", json_object_new_string(l->model_path));
	json_object_object_add(c, "estop", json_object_new_boolean(l->estop));
	pthread_mutex_unlock(&l->lock);
	json_object_object_add(c, "accepted", json_object_new_uint64(
		atomic_load_explicit(&l->n_accepted, memory_order_relaxed)));
	json_object_object_add(c, "rejected", json_object_new_uint64(
		atomic_load_explicit(&l->n_rejected, memory_order_relaxed)));
	json_object_object_add(c, "pending", json_object_new_uint64(
		atomic_load_explicit(&l->n_pending, memory_order_relaxed)));
	json_object_object_add(c, "not_sent", json_object_new_uint64(
		atomic_load_explicit(&l->n_failed, memory_order_relaxed)));
	return c;
}

static int get_status(struct agent *ag, struct strbuf *out)
{
	json_object *o = json_object_new_object(), *t = json_object_new_object();
	json_object *a = json_object_new_object();
	struct agent_view v;

	pthread_mutex_lock(&ag->lock);
	v = ag->view;
	json_object_object_add(o, "instance", json_object_new_string(ag->opt.name));
	json_object_object_add(o, "attached", json_object_new_boolean(v.attached));
	if (v.attached) {
		const struct spinal_stats *st = ag->at.stats;

		json_object_object_add(o, "core_pid", json_object_new_int(ag->at.id.pid));
		json_object_object_add(o, "state",
				       json_object_new_string(spinal_state_name(attach_state(&ag->at))));
		json_object_object_add(o, "period_ns", json_object_new_int64(ag->at.id.period_ns));
		json_object_object_add(o, "ticks", json_object_new_uint64(
			atomic_load_explicit(&st->ticks, memory_order_relaxed)));
		json_object_object_add(o, "overruns", json_object_new_uint64(
			atomic_load_explicit(&st->overruns, memory_order_relaxed)));
		json_object_object_add(t, "produced", json_object_new_uint64(
			atomic_load_explicit(&st->telem_produced, memory_order_relaxed)));
		json_object_object_add(t, "dropped", json_object_new_uint64(
			atomic_load_explicit(&st->telem_dropped, memory_order_relaxed)));
		json_object_object_add(o, "heartbeat_age_ns", json_object_new_uint64(
			wd_heartbeat_age(st, agent_now_ns())));
	}
	pthread_mutex_unlock(&ag->lock);
	json_object_object_add(t, "written", json_object_new_uint64(v.written));
	json_object_object_add(t, "missing", json_object_new_uint64(v.missing));
	json_object_object_add(t, "next_seq", json_object_new_uint64(v.next_seq));
	json_object_object_add(t, "write_calls", json_object_new_uint64(v.log.writes));
	json_object_object_add(o, "telemetry", t);
	json_object_object_add(a, "core_dead", json_object_new_boolean(v.core_dead));
	json_object_object_add(a, "stalled", json_object_new_boolean(v.stalled));
	json_object_object_add(a, "safe_stop_requested", json_object_new_boolean(v.safe_stop_req));
	json_object_object_add(a, "stalls", json_object_new_uint64(v.wd_stalls));
	json_object_object_add(a, "deaths", json_object_new_uint64(v.wd_deaths));
	json_object_object_add(a, "kernel_wd", json_object_new_boolean(v.kwd_available));
	json_object_object_add(a, "kernel_wd_trips", json_object_new_uint64(v.kwd_trips));
	json_object_object_add(o, "watchdog", a);
	json_object_object_add(o, "config", cfg_status(ag));
	sb_printf(out, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return 200;
}

int api_handle(struct agent *ag, const char *method, const char *url, const char *body,
	       size_t len, struct strbuf *out)
{
	static const char *const posts[] = { "/goal", "/estop", "/estop/clear", "/params",
					     "/graph", "/model", NULL };
	const char *const *p;
	json_object *o = NULL;
	int is_post = !strcmp(method, "POST"), status;

	if (!strcmp(url, "/status")) {
		if (strcmp(method, "GET") && strcmp(method, "HEAD"))
			return jerr(out, 405, "use GET /status");
		return get_status(ag, out);
	}
	for (p = posts; *p; p++)
		if (!strcmp(url, *p))
			break;
	if (!*p)
		return jerr(out, 404, "no such endpoint; try GET /status, GET /metrics, POST /goal, /estop, /estop/clear, /params, /graph, /model");
	if (!is_post) {
		char msg[64];

		snprintf(msg, sizeof(msg), "use POST %s", url);
		return jerr(out, 405, msg);
	}
	if (len > API_MAX_BODY)
		return jerr(out, 413, "request body too large");
	/* e-stop may come with an empty body: it must be easy to send */
	if (!strncmp(url, "/estop", 6) && !len)
		return post_estop(ag, NULL, out, url[6] != '\0');
	o = parse_body(body, len, out, &status);
	if (!o)
		return status;
	if (!strcmp(url, "/goal"))
		status = post_goal(ag, o, out);
	else if (!strcmp(url, "/estop"))
		status = post_estop(ag, o, out, 0);
	else if (!strcmp(url, "/estop/clear"))
		status = post_estop(ag, o, out, 1);
	else if (!strcmp(url, "/params"))
		status = post_params(ag, o, out);
	else if (!strcmp(url, "/graph"))
		status = post_graph(ag, o, body, len, out);
	else
		status = post_model(ag, o, out);
	json_object_put(o);
	return status;
}
