// SPDX-License-Identifier: MIT
/*
 * Console payloads: frame, histogram and map documents (docs/console.md).
 * Plain text building with strbuf; no HTTP, no agent.  The next-hop path is
 * the core's own: the map is rebuilt with rtcore/graph.c's snapshot builder
 * for the goal the core reports, so the page never shows a path the core
 * would not take.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spinal/config.h>
#include <spinal/region.h>
#include <spinal/telemetry.h>

#include "rtcore/graph.h"
#include "rtcore/graph_edit.h"
#include "userspace/console.h"

/* A map with more nodes than this is refused (the core's own ceiling). */
#define CONSOLE_MAP_MAX_NODES (1u << 20)

struct console_map {
	void *blob;
	size_t len;
	uint64_t id;
	char src[256];
	const struct spinal_graph_blob_hdr *h;
	const struct spinal_graph_blob_node *nodes;
	const struct spinal_graph_blob_edge *edges;
	uint64_t *edge_keys;            /* sorted from << 32 | to: reverse-edge lookup */
	/* next hops for one goal (the core's builder), rebuilt when the goal moves */
	struct spinal_gmodel *gm;
	struct spinal_graph *snap;
	uint32_t snap_goal_id;
};

uint64_t console_stage_budget_ns(unsigned int stage)
{
	switch (stage) {
	case SPINAL_STAGE_SFS:
		return CONSOLE_BUDGET_SFS_NS;
	case SPINAL_STAGE_SPS:
		return CONSOLE_BUDGET_SPS_NS;
	case SPINAL_STAGE_AAS:
		return CONSOLE_BUDGET_AAS_NS;
	case SPINAL_STAGE_VI:
		return CONSOLE_BUDGET_VI_NS;
	default:
		return 0;
	}
}

void console_json_str(struct strbuf *out, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;

	sb_printf(out, "\"");
	for (; *p; p++) {
		if (*p == '"' || *p == '\\')
			sb_printf(out, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			sb_printf(out, "\\u00%c%c", hex[*p >> 4], hex[*p & 15]);
		else
			sb_printf(out, "%c", *p);
	}
	sb_printf(out, "\"");
}

/* A float from shared memory: a number, or null when not finite. */
static void num(struct strbuf *out, const char *key, double v, int comma)
{
	if (isfinite(v))
		sb_printf(out, "%s\"%s\":%.6g", comma ? "," : "", key, v);
	else
		sb_printf(out, "%s\"%s\":null", comma ? "," : "", key);
}

static void u64(struct strbuf *out, const char *key, uint64_t v)
{
	sb_printf(out, ",\"%s\":%" PRIu64, key, v);
}

static void boolean(struct strbuf *out, const char *key, int v)
{
	sb_printf(out, ",\"%s\":%s", key, v ? "true" : "false");
}

void console_safe_stop_names(uint32_t mask, char *buf, size_t len)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} names[] = {
		{ SPINAL_SAFE_STOP_OVERRUN, "overrun" },
		{ SPINAL_SAFE_STOP_SHUTDOWN, "shutdown" },
		{ SPINAL_SAFE_STOP_ESTOP, "estop" },
		{ SPINAL_SAFE_STOP_RTTIME, "rttime" },
	};
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(mask & names[i].bit))
			continue;
		used += (size_t)snprintf(buf + used, used < len ? len - used : 0, "%s%s",
					 used ? "," : "", names[i].name);
		mask &= ~names[i].bit;
	}
	if (mask && used < len)
		snprintf(buf + used, len - used, "%sunknown_0x%x", used ? "," : "", mask);
}

/* --- map --- */

static int key_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

struct console_map *console_map_create(const void *blob, size_t len, const char *src)
{
	struct console_map *m;
	uint32_t i;
	int rc;

	if (!blob || len < sizeof(struct spinal_graph_blob_hdr)) {
		errno = EINVAL;
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->blob = malloc(len);
	if (!m->blob)
		goto nomem;
	memcpy(m->blob, blob, len);
	m->len = len;
	/* the core's own validation: a map it would refuse is not drawn */
	rc = spinal_gm_from_blob(m->blob, len, CONSOLE_MAP_MAX_NODES, &m->gm);
	if (rc) {
		console_map_destroy(m);
		errno = EINVAL;
		return NULL;
	}
	m->h = m->blob;
	m->nodes = (const void *)((const char *)m->blob + m->h->nodes_off);
	m->edges = (const void *)((const char *)m->blob + m->h->edges_off);
	m->id = spinal_fnv1a64(blob, len);
	snprintf(m->src, sizeof(m->src), "%s", src ? src : "");
	m->edge_keys = malloc((m->h->nedges ? m->h->nedges : 1) * sizeof(uint64_t));
	if (!m->edge_keys)
		goto nomem;
	for (i = 0; i < m->h->nedges; i++)
		m->edge_keys[i] = (uint64_t)m->edges[i].from << 32 | m->edges[i].to;
	qsort(m->edge_keys, m->h->nedges, sizeof(uint64_t), key_cmp);
	m->snap_goal_id = SPINAL_NODE_NONE;
	return m;
nomem:
	console_map_destroy(m);
	errno = ENOMEM;
	return NULL;
}

void console_map_destroy(struct console_map *m)
{
	if (!m)
		return;
	spinal_graph_free(m->snap, 0);
	spinal_gm_destroy(m->gm);
	free(m->edge_keys);
	free(m->blob);
	free(m);
}

uint64_t console_map_id(const struct console_map *m)
{
	return m ? m->id : 0;
}

static const struct spinal_gm_node *node_by_id(const struct console_map *m, uint32_t id)
{
	uint32_t i = spinal_gm_find(m->gm, id);

	return i < m->gm->n ? &m->gm->nodes[i] : NULL;
}

static int has_edge(const struct console_map *m, uint32_t from, uint32_t to)
{
	uint64_t k = (uint64_t)from << 32 | to;

	return bsearch(&k, m->edge_keys, m->h->nedges, sizeof(uint64_t), key_cmp) != NULL;
}

static const char *edge_kind(const struct console_map *m, const struct spinal_graph_blob_edge *e)
{
	const struct spinal_gm_node *a = node_by_id(m, e->from), *b = node_by_id(m, e->to);
	uint32_t f = (a ? a->flags : 0) | (b ? b->flags : 0);

	if (!has_edge(m, e->to, e->from))
		return "one_way";
	if (f & SPINAL_NODE_F_DOOR)
		return "door";
	if (f & SPINAL_NODE_F_DOCK)
		return "dock";
	if ((a && (a->flags & SPINAL_NODE_F_ROOM)) || (b && (b->flags & SPINAL_NODE_F_ROOM)))
		return "room";
	return "corridor";
}

static void node_flags(struct strbuf *out, uint32_t flags)
{
	static const char *const names[] = { "corridor", "room", "door", "dock" };
	unsigned int i, n = 0;

	sb_printf(out, "[");
	for (i = 0; i < 4; i++)
		if (flags & (1u << i))
			sb_printf(out, "%s\"%s\"", n++ ? "," : "", names[i]);
	sb_printf(out, "]");
}

void console_map_json(const struct console_map *m, struct strbuf *out)
{
	float x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
	uint32_t i;

	sb_printf(out, "{\"schema\":%d,\"id\":\"%016" PRIx64 "\",\"source\":", CONSOLE_SCHEMA, m->id);
	console_json_str(out, m->src);
	sb_printf(out, ",\"nodes\":[");
	for (i = 0; i < m->h->nnodes; i++) {
		const struct spinal_graph_blob_node *n = &m->nodes[i];

		sb_printf(out, "%s{\"id\":%" PRIu32 ",\"x\":%.4f,\"y\":%.4f,\"flags\":", i ? "," : "",
			  n->id, n->x, n->y);
		node_flags(out, n->flags);
		sb_printf(out, "}");
		x0 = fminf(x0, n->x);
		y0 = fminf(y0, n->y);
		x1 = fmaxf(x1, n->x);
		y1 = fmaxf(y1, n->y);
	}
	sb_printf(out, "],\"edges\":[");
	for (i = 0; i < m->h->nedges; i++) {
		const struct spinal_graph_blob_edge *e = &m->edges[i];

		sb_printf(out, "%s{\"from\":%" PRIu32 ",\"to\":%" PRIu32 ",\"cost\":%.4g,\"kind\":\"%s\"}",
			  i ? "," : "", e->from, e->to, e->cost, edge_kind(m, e));
	}
	sb_printf(out, "]");
	if (m->h->goal_id != SPINAL_NODE_NONE)
		sb_printf(out, ",\"goal\":%" PRIu32, m->h->goal_id);
	else
		sb_printf(out, ",\"goal\":null");
	if (m->h->nnodes)
		sb_printf(out, ",\"bounds\":{\"x0\":%.4f,\"y0\":%.4f,\"x1\":%.4f,\"y1\":%.4f}", x0, y0,
			  x1, y1);
	else
		sb_printf(out, ",\"bounds\":null");
	sb_printf(out, "}\n");
}

static int ensure_hops(struct console_map *m, uint32_t goal_id)
{
	struct spinal_graph *g;

	if (m->snap && m->snap_goal_id == goal_id)
		return 0;
	if (spinal_gm_set_goal(m->gm, goal_id))
		return -EINVAL;
	g = spinal_graph_build(m->gm, 1);
	if (!g)
		return -errno;
	spinal_graph_free(m->snap, 0);
	m->snap = g;
	m->snap_goal_id = goal_id;
	return 0;
}

int console_map_path(struct console_map *m, uint32_t from_id, float x, float y,
		     uint32_t goal_id, uint32_t *ids, int max)
{
	const struct spinal_graph *g;
	uint32_t i, cur = SPINAL_NODE_NONE;
	int n = 0;

	if (!m || goal_id == SPINAL_NODE_NONE || max <= 0 || ensure_hops(m, goal_id))
		return 0;
	g = m->snap;
	if (from_id != SPINAL_NODE_NONE)
		cur = spinal_graph_find_id(g, from_id);
	if (cur == SPINAL_NODE_NONE && isfinite(x) && isfinite(y)) {
		float bd = INFINITY;

		for (i = 0; i < g->nslots; i++) {
			const struct spinal_gnode *nd = spinal_graph_node(g, i);
			float dx = nd->x - x, dy = nd->y - y, d = dx * dx + dy * dy;

			if (nd->live && d < bd) {
				bd = d;
				cur = i;
			}
		}
	}
	/* follow next hops; more hops than nodes would be a cycle: stop */
	while (cur != SPINAL_NODE_NONE && n < max && (uint32_t)n <= g->nnodes) {
		uint32_t nx = spinal_graph_next_hop(g, cur);

		if (nx == SPINAL_NODE_NONE)
			return 0; /* unreachable from here */
		ids[n++] = spinal_graph_node(g, cur)->id;
		if (nx == cur)
			break; /* the goal */
		cur = nx;
	}
	return n;
}

/* --- frame --- */

void console_frame_json(const struct console_sample *s, uint64_t seq, const uint32_t *path,
			int npath, uint32_t goal_id, uint64_t map_id, struct strbuf *out)
{
	char names[96];
	unsigned int i;
	int k;

	sb_printf(out, "{\"schema\":%d,\"seq\":%" PRIu64, CONSOLE_SCHEMA, seq);
	sb_printf(out, ",\"t_ms\":%.3f", s->real_ns / 1e6);
	sb_printf(out, ",\"instance\":");
	console_json_str(out, s->instance);
	boolean(out, "attached", s->attached);
	sb_printf(out, ",\"state\":\"%s\"", s->attached ? spinal_state_name(s->state) : "detached");
	if (!s->attached) {
		sb_printf(out, ",\"core\":null");
	} else {
		sb_printf(out, ",\"core\":{\"pid\":%" PRId32 ",\"period_ns\":%" PRIu32
			  ",\"abi\":\"%u.%u\",\"start_ms\":%.3f,\"heartbeat_age_ns\":%" PRIu64 "}",
			  s->core_pid, s->period_ns, s->abi_major, s->abi_minor,
			  s->start_realtime_ns / 1e6, s->heartbeat_age_ns);
	}
	sb_printf(out, ",\"pose\":{");
	num(out, "x", s->x, 0);
	num(out, "y", s->y, 1);
	num(out, "theta", s->theta, 1);
	if (s->nearest_node >= 0)
		sb_printf(out, ",\"node\":%" PRId32, s->nearest_node);
	else
		sb_printf(out, ",\"node\":null");
	sb_printf(out, "},\"cmd\":{");
	num(out, "v", s->cmd_v, 0);
	num(out, "omega", s->cmd_omega, 1);
	sb_printf(out, "},\"goal\":{");
	num(out, "x", s->goal_x, 0);
	num(out, "y", s->goal_y, 1);
	if (goal_id != SPINAL_NODE_NONE)
		sb_printf(out, ",\"node\":%" PRIu32, goal_id);
	else
		sb_printf(out, ",\"node\":null");
	boolean(out, "reached", s->goal_reached);
	sb_printf(out, "},\"path\":[");
	for (k = 0; k < npath; k++)
		sb_printf(out, "%s%" PRIu32, k ? "," : "", path[k]);
	sb_printf(out, "],\"loop\":{\"ticks\":%" PRIu64, s->ticks);
	u64(out, "overruns", s->overruns);
	u64(out, "missed_periods", s->missed_periods);
	u64(out, "consec_miss", s->consec_miss);
	u64(out, "consec_miss_max", s->consec_miss_max);
	if (s->first_overrun_tick)
		u64(out, "first_overrun_tick", s->first_overrun_tick - 1);
	else
		sb_printf(out, ",\"first_overrun_tick\":null");
	sb_printf(out, "},\"aas\":{");
	for (i = 0; i < SPINAL_AAS_COUNT; i++)
		sb_printf(out, "%s\"%s\":%" PRIu64, i ? "," : "", spinal_aas_reason_name(i), s->aas[i]);
	sb_printf(out, "},\"telemetry\":{\"produced\":%" PRIu64, s->telem_produced);
	u64(out, "dropped", s->telem_dropped);
	u64(out, "written", s->written);
	u64(out, "missing", s->missing);
	console_safe_stop_names(s->safe_stop, names, sizeof(names));
	sb_printf(out, "},\"safety\":{\"safe_stop\":%" PRIu32 ",\"safe_stop_reasons\":", s->safe_stop);
	console_json_str(out, names);
	boolean(out, "estop", (s->safe_stop & SPINAL_SAFE_STOP_ESTOP) || s->estop_core);
	boolean(out, "estop_wanted", s->estop_wanted);
	boolean(out, "core_dead", s->core_dead);
	boolean(out, "stalled", s->stalled);
	boolean(out, "safe_stop_requested", s->safe_stop_req);
	sb_printf(out, "},\"map\":{\"generation\":%" PRIu64, s->graph_generation);
	u64(out, "nodes", s->graph_nodes);
	u64(out, "edges", s->graph_edges);
	if (map_id)
		sb_printf(out, ",\"id\":\"%016" PRIx64 "\"", map_id);
	else
		sb_printf(out, ",\"id\":null");
	sb_printf(out, ",\"source\":");
	console_json_str(out, s->graph_src);
	sb_printf(out, "},\"model\":{\"id\":\"%016" PRIx64 "\"", s->model_id);
	u64(out, "layers", s->model_layers);
	u64(out, "neurons", s->model_neurons);
	u64(out, "params_id", s->params_id);
	sb_printf(out, ",\"path\":");
	console_json_str(out, s->model_path);
	sb_printf(out, "},\"config\":{");
	sb_printf(out, "\"link\":%s", s->link ? "true" : "false");
	sb_printf(out, ",\"why\":");
	console_json_str(out, s->link ? "" : s->link_why);
	u64(out, "accepted", s->cfg_accepted);
	u64(out, "rejected", s->cfg_rejected);
	u64(out, "not_sent", s->cfg_failed);
	u64(out, "core_accepted", s->cfg_core_accepted);
	u64(out, "core_rejected", s->cfg_core_rejected);
	sb_printf(out, "}");
	if (s->have_rec)
		sb_printf(out, ",\"rec\":{\"seq\":%" PRIu64 ",\"flags\":%" PRIu32
			  ",\"lateness_ns\":%" PRId64 ",\"overrun\":%s}",
			  s->rec_seq, s->rec_flags, s->rec_lateness_ns,
			  (s->rec_flags & SPINAL_TF_OVERRUN) ? "true" : "false");
	else
		sb_printf(out, ",\"rec\":null");
	boolean(out, "replay", s->replay);
	sb_printf(out, "}\n");
}

/* --- histograms --- */

void console_hist_json(const struct spinal_hist_snap *snap, uint64_t seq, struct strbuf *out)
{
	unsigned int st;
	uint32_t b;

	sb_printf(out, "{\"schema\":%d,\"seq\":%" PRIu64 ",\"stages\":[", CONSOLE_SCHEMA, seq);
	for (st = 0; st < SPINAL_STAGE_COUNT; st++) {
		const struct spinal_hist_snap *h = &snap[st];
		int n = 0;

		sb_printf(out, "%s{\"stage\":\"%s\",\"count\":%" PRIu64 ",\"p50_ns\":%" PRIu64
			  ",\"p99_ns\":%" PRIu64 ",\"max_ns\":%" PRIu64 ",\"budget_ns\":%" PRIu64
			  ",\"buckets\":[",
			  st ? "," : "", spinal_stage_name(st), h->count, spinal_hist_quantile(h, 0.5),
			  spinal_hist_quantile(h, 0.99), h->max_ns, console_stage_budget_ns(st));
		for (b = 0; b < SPINAL_HIST_NBUCKETS; b++) {
			uint64_t hi = spinal_hist_upper(b);

			if (!h->bucket[b])
				continue;
			if (hi == UINT64_MAX)
				sb_printf(out, "%s[%" PRIu64 ",null,%" PRIu64 "]", n++ ? "," : "",
					  spinal_hist_lower(b), h->bucket[b]);
			else
				sb_printf(out, "%s[%" PRIu64 ",%" PRIu64 ",%" PRIu64 "]", n++ ? "," : "",
					  spinal_hist_lower(b), hi, h->bucket[b]);
		}
		sb_printf(out, "]}");
	}
	sb_printf(out, "]}\n");
}
