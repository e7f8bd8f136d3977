// SPDX-License-Identifier: MIT
/*
 * Agent config file: INI parsed with libinih.  A file is accepted whole or not
 * at all; every problem is reported as "file:line: message".  Line numbers
 * come from our own line reader (ini_parse_stream), so they are exact for
 * semantic errors too, not only syntax errors.
 */
#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "userspace/config.h"
#include "userspace/graph_json.h"
#include "userspace/nir.h"

struct cfg_ctx {
	const char *path;
	int line;
	FILE *f;
	struct agent_opts o;
	struct core_tunables t;
	uint32_t pinned;
	char *err;
	size_t errlen, used;
	int nerr;
};

static void cerr(struct cfg_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static char *reader(char *str, int num, void *stream)
{
	struct cfg_ctx *c = stream;
	char *r = fgets(str, num, c->f);

	if (r) {
		const char *q = r;

		c->line++;
		/* sections are checked here, so an unknown one is an error even when empty */
		while (*q == ' ' || *q == '\t')
			q++;
		if (*q == '[') {
			size_t n = strcspn(q + 1, "]");

			if (q[1 + n] == ']' && !((n == 5 && !strncmp(q + 1, "agent", 5)) ||
						 (n == 4 && !strncmp(q + 1, "core", 4))))
				cerr(c, "unknown section [%.*s] (expected [agent] or [core])", (int)n, q + 1);
		}
	}
	return r;
}

static void cerr(struct cfg_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void cerr(struct cfg_ctx *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	c->nerr++;
	if (c->used >= c->errlen)
		return;
	n = snprintf(c->err + c->used, c->errlen - c->used, "%s%s:%d: ", c->used ? "; " : "",
		     c->path, c->line);
	if (n > 0)
		c->used += (size_t)n;
	if (c->used >= c->errlen)
		return;
	va_start(ap, fmt);
	n = vsnprintf(c->err + c->used, c->errlen - c->used, fmt, ap);
	va_end(ap);
	if (n > 0)
		c->used += (size_t)n;
	if (c->used >= c->errlen)
		c->used = c->errlen;
}

int config_parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (end == s || errno || *s == '-')
		return -EINVAL;
	switch (*end) {
	case '\0':
		break;
	case 'k': case 'K':
		v <<= 10, end++;
		break;
	case 'm': case 'M':
		v <<= 20, end++;
		break;
	case 'g': case 'G':
		v <<= 30, end++;
		break;
	default:
		return -EINVAL;
	}
	if (*end)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_u32(const char *s, uint32_t lo, uint32_t hi, uint32_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (end == s || *end || errno || *s == '-' || v < lo || v > hi)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

static int parse_bool(const char *s, int *out)
{
	if (!strcmp(s, "1") || !strcmp(s, "true") || !strcmp(s, "yes") || !strcmp(s, "on"))
		*out = 1;
	else if (!strcmp(s, "0") || !strcmp(s, "false") || !strcmp(s, "no") || !strcmp(s, "off"))
		*out = 0;
	else
		return -EINVAL;
	return 0;
}

static int copy_str(char *dst, size_t len, const char *v)
{
	if (!*v || strlen(v) >= len)
		return -EINVAL;
	snprintf(dst, len, "%s", v);
	return 0;
}

static int agent_key(struct cfg_ctx *c, const char *k, const char *v)
{
	struct agent_opts *o = &c->o, tmp = c->o;
	uint32_t u;
	int b, rc;

#define PIN(bit) ((c->pinned & (bit)) ? &tmp : o)
	if (!strcmp(k, "name")) {
		if (!spinal_instance_valid(v))
			return cerr(c, "name '%s' is not a valid instance name (1-31 of [A-Za-z0-9_-])", v), 0;
		return copy_str(PIN(AO_NAME)->name, sizeof(o->name), v), 1;
	}
	if (!strcmp(k, "log_dir")) {
		if (v[0] != '/' || copy_str(PIN(AO_LOG_DIR)->log_dir, sizeof(o->log_dir), v))
			return cerr(c, "log_dir '%s' must be an absolute path", v), 0;
		return 1;
	}
	if (!strcmp(k, "user")) {
		if (copy_str(PIN(AO_USER)->user, sizeof(o->user), v))
			return cerr(c, "user '%s' is empty or too long", v), 0;
		return 1;
	}
	if (!strcmp(k, "listen")) {
		if (copy_str(PIN(AO_LISTEN)->listen, sizeof(o->listen), v) ||
		    (strcmp(v, "off") && !strchr(v, ':')))
			return cerr(c, "listen '%s' must be ADDR:PORT or 'off'", v), 0;
		return 1;
	}
	if (!strcmp(k, "flush_records")) {
		if (parse_u32(v, 1, 1u << 20, &u))
			return cerr(c, "flush_records '%s' must be 1..1048576", v), 0;
		PIN(AO_FLUSH_RECORDS)->flush_records = u;
		return 1;
	}
	if (!strcmp(k, "flush_ms")) {
		if (parse_u32(v, 1, 60000, &u))
			return cerr(c, "flush_ms '%s' must be 1..60000", v), 0;
		PIN(AO_FLUSH_MS)->flush_ms = u;
		return 1;
	}
	if (!strcmp(k, "rotate_size")) {
		uint64_t sz;

		if (config_parse_size(v, &sz) || (sz && sz < (64u << 10)))
			return cerr(c, "rotate_size '%s' must be 0 (never) or >= 64k, e.g. 64M", v), 0;
		PIN(AO_ROTATE)->rotate_bytes = sz;
		return 1;
	}
	if (!strcmp(k, "keep_files")) {
		if (parse_u32(v, 0, 1000000, &u))
			return cerr(c, "keep_files '%s' must be 0 (keep all) .. 1000000", v), 0;
		PIN(AO_KEEP)->keep_files = u;
		return 1;
	}
	if (!strcmp(k, "fsync")) {
		rc = tlog_fsync_parse(v);
		if (rc < 0)
			return cerr(c, "fsync '%s' must be none, rotate or batch", v), 0;
		PIN(AO_FSYNC)->fsync_mode = rc;
		return 1;
	}
	if (!strcmp(k, "stall_periods")) {
		if (parse_u32(v, 2, 1000000, &u))
			return cerr(c, "stall_periods '%s' must be 2..1000000", v), 0;
		PIN(AO_STALL)->stall_periods = u;
		return 1;
	}
	if (!strcmp(k, "stall_min_ms")) {
		if (parse_u32(v, 1, 600000, &u))
			return cerr(c, "stall_min_ms '%s' must be 1..600000", v), 0;
		PIN(AO_STALL)->stall_min_ms = u;
		return 1;
	}
	if (!strcmp(k, "exit_with_core")) {
		if (parse_bool(v, &b))
			return cerr(c, "exit_with_core '%s' must be true or false", v), 0;
		PIN(AO_EXIT)->exit_with_core = b;
		return 1;
	}
	if (!strcmp(k, "graph")) {
		if (copy_str(PIN(AO_GRAPH)->graph, sizeof(o->graph), v))
			return cerr(c, "graph '%s' is empty or too long", v), 0;
		return 1;
	}
	if (!strcmp(k, "model")) {
		if (copy_str(PIN(AO_MODEL)->model, sizeof(o->model), v))
			return cerr(c, "model '%s' is empty or too long", v), 0;
		return 1;
	}
	if (!strcmp(k, "model_dt")) {
		char *end;
		double d = strtod(v, &end);

		if (end == v || *end || !isfinite(d) || d < 0 || d > 1)
			return cerr(c, "model_dt '%s' must be seconds in 0..1 (0: the core's period)", v), 0;
		PIN(AO_MODEL_DT)->model_dt = d;
		return 1;
	}
	if (!strcmp(k, "goal_node")) {
		if (parse_u32(v, 0, SPINAL_NODE_ID_MAX, &u))
			return cerr(c, "goal_node '%s' must be a node id (0..%u)", v, SPINAL_NODE_ID_MAX), 0;
		PIN(AO_GOAL)->goal_node = u;
		return 1;
	}
#undef PIN
	cerr(c, "unknown key '%s' in [agent]", k);
	return 0;
}

static const struct {
	const char *key;
	size_t off;
	double lo, hi;
} core_keys[] = {
	{ "max_speed", offsetof(struct core_tunables, max_speed), 0, 100 },
	{ "max_omega", offsetof(struct core_tunables, max_omega), 0, 100 },
	{ "max_accel", offsetof(struct core_tunables, max_accel), 0, 1000 },
	{ "max_jerk", offsetof(struct core_tunables, max_jerk), 0, 100000 },
	{ "goal_tolerance", offsetof(struct core_tunables, goal_tolerance), 0, 100 },
	{ "min_confidence", offsetof(struct core_tunables, min_confidence), 0, 1 },
	{ "stale_state_ms", offsetof(struct core_tunables, stale_state_ms), 0, 10000 },
};

static int core_key(struct cfg_ctx *c, const char *k, const char *v)
{
	size_t i;

	for (i = 0; i < sizeof(core_keys) / sizeof(core_keys[0]); i++) {
		char *end;
		double d;

		if (strcmp(k, core_keys[i].key))
			continue;
		d = strtod(v, &end);
		if (end == v || *end || !isfinite(d) || d < core_keys[i].lo || d > core_keys[i].hi) {
			char range[64];

			snprintf(range, sizeof(range), " (allowed %g..%g)", core_keys[i].lo,
				 core_keys[i].hi);
			cerr(c, "[core] %s = '%s' out of range or not a number%s", k, v, range);
			return 0;
		}
		*(double *)((char *)&c->t + core_keys[i].off) = d;
		c->t.set |= 1u << i;
		return 1;
	}
	cerr(c, "unknown key '%s' in [core]", k);
	return 0;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct cfg_ctx *c = user;

	if (!name) /* section header alone (INI_CALL_HANDLER_ON_NEW_SECTION) */
		return 1;
	if (!strcmp(section, "agent"))
		return agent_key(c, name, value);
	if (!strcmp(section, "core"))
		return core_key(c, name, value);
	return 0; /* reported by reader() when the section header was read */
}

int config_load(const char *path, struct agent_opts *o, struct core_tunables *t,
		uint32_t pinned, char *err, size_t errlen)
{
	struct cfg_ctx c = { .path = path, .err = err, .errlen = errlen, .pinned = pinned };
	int rc;

	err[0] = '\0';
	c.o = *o;
	memset(&c.t, 0, sizeof(c.t));
	c.f = fopen(path, "r");
	if (!c.f) {
		rc = -errno;
		snprintf(err, errlen, "%s: cannot open config file: %s", path, strerror(errno));
		return rc;
	}
	rc = ini_parse_stream(reader, &c, handler, &c);
	fclose(c.f);
	if (rc > 0 && !c.nerr) {
		/* syntax error: inih stopped at line rc without calling us */
		c.line = rc;
		cerr(&c, "syntax error (expected [section] or key = value)");
	} else if (rc < 0) {
		snprintf(err, errlen, "%s: cannot read config file", path);
		return -EIO;
	}
	if (c.nerr)
		return -EINVAL;
	*o = c.o;
	*t = c.t;
	return 0;
}

static void send_tunables(struct agent *ag);

int config_reload(struct agent *ag, char *err, size_t errlen)
{
	struct agent_opts n = ag->opt;
	struct core_tunables t;
	unsigned int files;
	int rc, tun_changed;

	rc = config_load(ag->opt.config, &n, &t, ag->pinned, err, errlen);
	if (rc)
		return rc;
	if (strcmp(n.name, ag->opt.name) || strcmp(n.log_dir, ag->opt.log_dir) ||
	    strcmp(n.listen, ag->opt.listen) || strcmp(n.user, ag->opt.user))
		agent_log(ag, "config: name, log_dir, listen and user take effect after a restart; running values kept");
	if (n.flush_records != ag->opt.flush_records || n.flush_ms != ag->opt.flush_ms)
		agent_log(ag, "config: flush every %u records or %u ms (was %u / %u)",
			  n.flush_records, n.flush_ms, ag->opt.flush_records, ag->opt.flush_ms);
	if (n.rotate_bytes != ag->opt.rotate_bytes || n.keep_files != ag->opt.keep_files ||
	    n.fsync_mode != ag->opt.fsync_mode)
		agent_log(ag, "config: rotate at %llu bytes, keep %u files, fsync %s",
			  (unsigned long long)n.rotate_bytes, n.keep_files,
			  tlog_fsync_name(n.fsync_mode));
	if (n.stall_periods != ag->opt.stall_periods || n.stall_min_ms != ag->opt.stall_min_ms)
		agent_log(ag, "config: stall bound %u periods, at least %u ms", n.stall_periods,
			  n.stall_min_ms);
	files = (strcmp(n.graph, ag->opt.graph) ? CFGL_GRAPH : 0) |
		(strcmp(n.model, ag->opt.model) || n.model_dt != ag->opt.model_dt ? CFGL_MODEL : 0) |
		(n.goal_node != ag->opt.goal_node ? CFGL_GOAL : 0);
	if (files & CFGL_GRAPH)
		files |= CFGL_GOAL; /* a new graph brings its own goal: ours again on top */
	if (files && agent_load_files(ag, files & CFGL_GRAPH ? n.graph : "",
				      files & CFGL_MODEL ? n.model : "", n.model_dt,
				      files & CFGL_GOAL ? n.goal_node : -1, err, errlen))
		return -EINVAL;
	memcpy(n.name, ag->opt.name, sizeof(n.name));
	memcpy(n.log_dir, ag->opt.log_dir, sizeof(n.log_dir));
	memcpy(n.listen, ag->opt.listen, sizeof(n.listen));
	memcpy(n.user, ag->opt.user, sizeof(n.user));
	tun_changed = memcmp(&t, &ag->tun, sizeof(t)) != 0;
	pthread_mutex_lock(&ag->lock);
	ag->opt = n;
	ag->tun = t;
	pthread_mutex_unlock(&ag->lock);
	if (files) {
		char sum[1024];

		cfglink_replay(&ag->cfg, files, AGENT_CFG_TIMEOUT_MS, sum, sizeof(sum));
		agent_log(ag, "config: %s", sum[0] ? sum : "graph/model recorded; sent after the next attach");
	}
	if (tun_changed)
		send_tunables(ag);
	return 0;
}

void config_tunables_values(const struct core_tunables *t, float *value)
{
	size_t i;

	for (i = 0; i < SPINAL_PARAM_COUNT; i++)
		value[i] = (t->set & (1u << i)) ?
			   (float)*(const double *)((const char *)t + core_keys[i].off) :
			   SPINAL_PARAM_UNSET;
}

/* [core] tunables -> PARAMS_SET; the core's verdict in one line. */
static void send_tunables(struct agent *ag)
{
	struct cfg_result r;
	float v[SPINAL_PARAM_COUNT];

	config_tunables_values(&ag->tun, v);
	cfglink_params(&ag->cfg, v, AGENT_CFG_TIMEOUT_MS, &r);
	if (r.verdict == CFG_ACCEPTED)
		agent_log(ag, "config: [core] tunables sent and accepted (seq %lld)", (long long)r.seq);
	else if (r.verdict == CFG_REJECTED)
		agent_log(ag, "config: [core] tunables REJECTED by the core (seq %lld, reason %s)%s",
			  (long long)r.seq,
			  r.reason >= 0 ? spinal_cfg_reject_name((unsigned)r.reason) : "?",
			  r.reason == SPINAL_CFG_REJ_NO_HANDLER ?
			  ": this spinal-core has no parameter handler; its command-line limits stay in force" : "");
	else if (r.verdict == CFG_PENDING)
		agent_log(ag, "config: [core] tunables sent (seq %lld), the core has not handled them yet",
			  (long long)r.seq);
	else
		agent_log(ag, "config: [core] tunables not sent: %s",
			  r.err == -ENOTCONN ? ag->cfg.why : strerror(-r.err));
}

/* Is @id a node of graph blob @b?  1 yes, 0 no. */
static int blob_has_node(const void *b, size_t len, uint32_t id)
{
	const struct spinal_graph_blob_hdr *h = b;
	const struct spinal_graph_blob_node *n;
	uint32_t i;

	if (len < sizeof(*h) || h->nodes_off + (uint64_t)h->nnodes * sizeof(*n) > len)
		return 0;
	n = (const void *)((const char *)b + h->nodes_off);
	for (i = 0; i < h->nnodes; i++)
		if (n[i].id == id)
			return 1;
	return 0;
}

int agent_load_files(struct agent *ag, const char *graph, const char *model, double model_dt,
		     long goal_node, char *err, size_t errlen)
{
	struct nir_graph *g;
	void *blob = NULL;
	size_t len = 0;

	if (graph[0] && spinal_graph_json_load(graph, &blob, &len, err, errlen))
		return -1;
	if (blob && goal_node >= 0 && !blob_has_node(blob, len, (uint32_t)goal_node)) {
		snprintf(err, errlen, "goal node %ld is not a node of %s", goal_node, graph);
		free(blob);
		return -1;
	}
	if (model[0]) {
		if (model_dt > 0) {
			void *mb = NULL;
			size_t mlen = 0;

			if (nir_load_blob(model, model_dt, &mb, &mlen, err, errlen)) {
				free(blob);
				return -1;
			}
			free(mb);
		} else {
			g = nir_read(model, err, errlen);
			if (!g) {
				free(blob);
				return -1;
			}
			nir_graph_free(g);
		}
		cfglink_set_model(&ag->cfg, model, model_dt);
	}
	if (blob)
		cfglink_set_graph(&ag->cfg, blob, len, graph);
	if (goal_node >= 0)
		cfglink_set_goal(&ag->cfg, (uint32_t)goal_node);
	return 0;
}
