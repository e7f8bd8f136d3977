// SPDX-License-Identifier: MIT
/*
 * Control API.  Requests are parsed and validated here (json-c), in the
 * unprivileged agent; what reaches the core is only a small fixed-layout
 * message sent by the config sender (userspace/cfgsend.c, another component).
 * Until that sender is part of the build, valid requests that need it are
 * answered 503 with a JSON error saying so; bad requests still get their 4xx.
 */
#include <errno.h>
#include <inttypes.h>
#include <json.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <spinal/region.h>

#include "userspace/api.h"

static int jerr(struct strbuf *out, int status, const char *msg)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "error", json_object_new_string(msg));
	json_object_object_add(o, "status", json_object_new_int(status));
	sb_printf(out, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return status;
}

/* The config sender is not in this build yet: say so. */
static int no_sender(struct strbuf *out, const char *what)
{
	char msg[256];

	snprintf(msg, sizeof(msg), "request valid, but %s cannot be sent: this build has no config sender to the core (userspace/cfgsend.c); nothing was changed",
		 what);
	return jerr(out, 503, msg);
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

static int post_goal(json_object *o, struct strbuf *out)
{
	static const char *const keys[] = { "x", "y", "node", NULL };
	char why[128];
	double x, y, node;
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
	} else if (node < 0 || node > 1e9 || node != floor(node)) {
		return jerr(out, 422, "field 'node' must be a non-negative integer node id");
	}
	return no_sender(out, "the goal");
}

static int post_estop(json_object *o, struct strbuf *out, int clear)
{
	static const char *const keys[] = { "reason", NULL };
	json_object *r;
	char why[128];

	if (o && only_keys(o, keys, why, sizeof(why)))
		return jerr(out, 400, why);
	if (o && json_object_object_get_ex(o, "reason", &r) && !json_object_is_type(r, json_type_string))
		return jerr(out, 400, "field 'reason' must be a string");
	return no_sender(out, clear ? "the e-stop clear" : "the e-stop");
}

static const struct {
	const char *key;
	double lo, hi;
} param_keys[] = {
	{ "max_speed", 0, 100 }, { "max_omega", 0, 100 }, { "max_accel", 0, 1000 },
	{ "max_jerk", 0, 100000 }, { "goal_tolerance", 0, 100 }, { "min_confidence", 0, 1 },
	{ "stale_state_ms", 0, 10000 },
};

static int post_params(json_object *o, struct strbuf *out)
{
	char why[160];
	int n = 0;

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
		n++;
	}
	if (!n)
		return jerr(out, 400, "no parameters given");
	return no_sender(out, "the parameters");
}

static int post_graph(json_object *o, struct strbuf *out)
{
	json_object *nodes, *edges;

	if (!json_object_object_get_ex(o, "nodes", &nodes) ||
	    !json_object_is_type(nodes, json_type_array))
		return jerr(out, 400, "graph needs a 'nodes' array");
	if (json_object_object_get_ex(o, "edges", &edges) &&
	    !json_object_is_type(edges, json_type_array))
		return jerr(out, 400, "field 'edges' must be an array");
	return no_sender(out, "the graph (needs userspace/graph_json.c)");
}

static int post_model(json_object *o, struct strbuf *out)
{
	json_object *p;

	if (!json_object_object_get_ex(o, "path", &p) || !json_object_is_type(p, json_type_string) ||
	    !json_object_get_string_len(p))
		return jerr(out, 400, "model needs {\"path\": \"/path/to/model.nir\"}");
	return no_sender(out, "the model (needs userspace/nir.c)");
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
	json_object_object_add(o, "watchdog", a);
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
		return post_estop(NULL, out, url[6] != '\0');
	o = parse_body(body, len, out, &status);
	if (!o)
		return status;
	if (!strcmp(url, "/goal"))
		status = post_goal(o, out);
	else if (!strcmp(url, "/estop"))
		status = post_estop(o, out, 0);
	else if (!strcmp(url, "/estop/clear"))
		status = post_estop(o, out, 1);
	else if (!strcmp(url, "/params"))
		status = post_params(o, out);
	else if (!strcmp(url, "/graph"))
		status = post_graph(o, out);
	else
		status = post_model(o, out);
	json_object_put(o);
	return status;
}
