// SPDX-License-Identifier: MIT
/*
 * Config message and blob validation: pure functions over private copies.
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "cfg_validate.h"

#define REJ(r) SPINAL_CFG_REJECT(SPINAL_CFG_REJ_##r)

static int coord_ok(float v)
{
	return fabsf(v) <= SPINAL_CFG_COORD_MAX;
}

int spinal_cfg_validate_node(uint32_t id, uint32_t flags, float x, float y)
{
	if (id > SPINAL_NODE_ID_MAX)
		return REJ(ID);
	if (!isfinite(x) || !isfinite(y))
		return REJ(NOT_FINITE);
	if (!coord_ok(x) || !coord_ok(y) || (flags & ~SPINAL_NODE_F_KNOWN))
		return REJ(RANGE);
	return 0;
}

int spinal_cfg_validate_edge(uint32_t from, uint32_t to, float cost)
{
	if (from > SPINAL_NODE_ID_MAX || to > SPINAL_NODE_ID_MAX)
		return REJ(ID);
	if (from == to)
		return REJ(EXISTS); /* self loop */
	if (!isfinite(cost))
		return REJ(NOT_FINITE);
	if (cost < 0.0f || cost > SPINAL_CFG_COST_MAX)
		return REJ(RANGE);
	return 0;
}

void spinal_cfg_why_set(struct spinal_cfg_why *why, unsigned int detail, uint32_t index,
			double value, double limit, const char *fmt, ...)
{
	va_list ap;

	if (!why || why->detail != SPINAL_CFG_D_NONE)
		return;
	why->detail = (uint16_t)detail;
	why->index = index;
	why->value = value;
	why->limit = limit;
	va_start(ap, fmt);
	vsnprintf(why->text, sizeof(why->text), fmt, ap);
	va_end(ap);
}

#define WHY(d, i, v, l, ...) spinal_cfg_why_set(why, SPINAL_CFG_D_##d, (i), (double)(v), \
						(double)(l), __VA_ARGS__)

/* Offset/length of a staged blob inside a staging area of @staging_len. */
static int commit_ok(const struct spinal_cfg_commit *c, uint64_t staging_len, uint64_t min_len,
		     struct spinal_cfg_why *why)
{
	if (c->off % 8 != 0) {
		WHY(STAGING, 0, c->off, 8, "staging offset %llu is not 8-aligned",
		    (unsigned long long)c->off);
		return REJ(STAGING);
	}
	if (c->len < min_len) {
		WHY(STAGING, 0, c->len, min_len, "blob of %llu bytes is shorter than %llu",
		    (unsigned long long)c->len, (unsigned long long)min_len);
		return REJ(STAGING);
	}
	if (c->off > staging_len || c->len > staging_len - c->off) {
		WHY(STAGING, 0, (double)c->off + (double)c->len, staging_len,
		    "blob at %llu + %llu bytes ends past the %llu-byte staging area",
		    (unsigned long long)c->off, (unsigned long long)c->len,
		    (unsigned long long)staging_len);
		return REJ(STAGING);
	}
	return 0;
}

static int len_is(const struct spinal_cfg_msg *m, uint32_t want, struct spinal_cfg_why *why)
{
	if (m->len == want)
		return 0;
	WHY(LEN, m->type, m->len, want, "%s needs a %u-byte payload, got %u",
	    spinal_cfg_type_name(m->type), want, m->len);
	return REJ(LEN);
}

static int reserved_zero(uint64_t v, const char *what, struct spinal_cfg_why *why)
{
	if (!v)
		return 0;
	WHY(RESERVED, 0, v, 0, "%s is 0x%llx, must be 0", what, (unsigned long long)v);
	return REJ(RESERVED);
}

/* A field check that only reports the reason: say which field and value. */
static int field(int rc, uint32_t off, double v, const char *what, struct spinal_cfg_why *why)
{
	if (rc)
		WHY(FIELD, off, v, 0, "%s %g refused (%s)", what, v,
		    spinal_cfg_reject_name(SPINAL_CFG_REASON(rc)));
	return rc;
}

static int validate_params(const struct spinal_cfg_msg *m, struct spinal_cfg_why *why)
{
	struct spinal_cfg_params pa;
	uint32_t i;

	if (m->len < 8) {
		WHY(LEN, m->type, m->len, 8, "params_set needs at least 8 bytes, got %u", m->len);
		return REJ(LEN);
	}
	memcpy(&pa, m->payload, 8);
	if (pa.count > sizeof(pa.value) / sizeof(pa.value[0])) {
		WHY(PARAM_COUNT, 0, pa.count, sizeof(pa.value) / sizeof(pa.value[0]),
		    "%u values do not fit a message (at most %zu)", pa.count,
		    sizeof(pa.value) / sizeof(pa.value[0]));
		return REJ(CAPACITY);
	}
	if (len_is(m, 8 + 4 * pa.count, why))
		return REJ(LEN);
	memcpy(&pa, m->payload, m->len);
	for (i = 0; i < pa.count; i++)
		if (!isfinite(pa.value[i])) {
			WHY(PARAM_NOT_FINITE, i, pa.value[i], 0, "value %u is %g", i,
			    (double)pa.value[i]);
			return REJ(NOT_FINITE);
		}
	return 0;
}

static int validate_payload(const struct spinal_cfg_msg *m, uint64_t staging_len,
			    struct spinal_cfg_why *why)
{
	const void *p = m->payload;

	switch (m->type) {
	case SPINAL_CFG_NOP:
	case SPINAL_CFG_ESTOP_SET:
	case SPINAL_CFG_ESTOP_CLEAR:
		return len_is(m, 0, why);
	case SPINAL_CFG_NODE_ADD:
	case SPINAL_CFG_NODE_MOVE: {
		struct spinal_cfg_node n;
		int rc;

		if (len_is(m, sizeof(n), why))
			return REJ(LEN);
		memcpy(&n, p, sizeof(n));
		rc = spinal_cfg_validate_node(n.id, n.flags, n.x, n.y);
		if (rc && !isfinite(n.x))
			return field(rc, offsetof(struct spinal_cfg_node, x), n.x, "node x", why);
		if (rc && !isfinite(n.y))
			return field(rc, offsetof(struct spinal_cfg_node, y), n.y, "node y", why);
		if (rc)
			WHY(FIELD, 0, n.id, SPINAL_NODE_ID_MAX,
			    "node %u flags 0x%x at (%g, %g) refused (%s): ids 0..%u, flags 0x%x, |x|,|y| <= %g",
			    n.id, n.flags, (double)n.x, (double)n.y,
			    spinal_cfg_reject_name(SPINAL_CFG_REASON(rc)), SPINAL_NODE_ID_MAX,
			    SPINAL_NODE_F_KNOWN, (double)SPINAL_CFG_COORD_MAX);
		return rc;
	}
	case SPINAL_CFG_NODE_REMOVE:
	case SPINAL_CFG_SET_GOAL: {
		struct spinal_cfg_node_ref r;

		if (len_is(m, sizeof(r), why))
			return REJ(LEN);
		memcpy(&r, p, sizeof(r));
		if (reserved_zero(r.reserved, "payload reserved", why))
			return REJ(RESERVED);
		if (m->type == SPINAL_CFG_SET_GOAL && r.id == SPINAL_NODE_NONE)
			return 0;
		return field(r.id > SPINAL_NODE_ID_MAX ? REJ(ID) : 0, 0, r.id, "node id", why);
	}
	case SPINAL_CFG_EDGE_ADD:
	case SPINAL_CFG_EDGE_REMOVE: {
		struct spinal_cfg_edge e;
		int rc;

		if (len_is(m, sizeof(e), why))
			return REJ(LEN);
		memcpy(&e, p, sizeof(e));
		if (reserved_zero(e.reserved, "payload reserved", why))
			return REJ(RESERVED);
		if (m->type == SPINAL_CFG_EDGE_REMOVE && e.cost != 0.0f)
			return field(isfinite(e.cost) ? REJ(RANGE) : REJ(NOT_FINITE),
				     offsetof(struct spinal_cfg_edge, cost), e.cost,
				     "edge_remove cost (must be 0)", why);
		rc = spinal_cfg_validate_edge(e.from, e.to, e.cost);
		if (rc)
			WHY(FIELD, 0, e.cost, SPINAL_CFG_COST_MAX,
			    "edge %u -> %u cost %g refused (%s): ids 0..%u, no self loop, cost 0..%g",
			    e.from, e.to, (double)e.cost, spinal_cfg_reject_name(SPINAL_CFG_REASON(rc)),
			    SPINAL_NODE_ID_MAX, (double)SPINAL_CFG_COST_MAX);
		return rc;
	}
	case SPINAL_CFG_PRUNE: {
		struct spinal_cfg_prune pr;

		if (len_is(m, sizeof(pr), why))
			return REJ(LEN);
		memcpy(&pr, p, sizeof(pr));
		if (reserved_zero(pr.reserved, "payload reserved", why))
			return REJ(RESERVED);
		if (pr.max_nodes == 0 || pr.max_nodes > SPINAL_GRAPH_MAX_NODES) {
			WHY(FIELD, 0, pr.max_nodes, SPINAL_GRAPH_MAX_NODES,
			    "prune max_nodes %u outside 1..%u", pr.max_nodes, SPINAL_GRAPH_MAX_NODES);
			return REJ(RANGE);
		}
		return 0;
	}
	case SPINAL_CFG_GRAPH_COMMIT:
	case SPINAL_CFG_MODEL_COMMIT: {
		struct spinal_cfg_commit c;

		if (len_is(m, sizeof(c), why))
			return REJ(LEN);
		memcpy(&c, p, sizeof(c));
		return commit_ok(&c, staging_len, m->type == SPINAL_CFG_GRAPH_COMMIT ?
				 sizeof(struct spinal_graph_blob_hdr) : 8, why);
	}
	case SPINAL_CFG_PARAMS_SET:
		return validate_params(m, why);
	}
	WHY(TYPE, 0, m->type, SPINAL_CFG_TYPE_COUNT - 1, "unknown type %u", m->type);
	return REJ(TYPE);
}

int spinal_cfg_validate_msg(const struct spinal_cfg_msg *m, uint64_t seq_base,
			    uint64_t staging_len, struct spinal_cfg_why *why)
{
	if (!spinal_cfg_seq_in_window(m->seq, seq_base)) {
		WHY(SEQ, 0, m->seq, seq_base,
		    "seq %llu is outside (%llu, %llu]: not above the last handled seq or jumps more than %llu",
		    (unsigned long long)m->seq, (unsigned long long)seq_base,
		    (unsigned long long)(seq_base + SPINAL_CFG_SEQ_WINDOW),
		    (unsigned long long)SPINAL_CFG_SEQ_WINDOW);
		return REJ(SEQ);
	}
	if (m->magic != SPINAL_CFG_MAGIC) {
		WHY(MAGIC, 0, m->magic, SPINAL_CFG_MAGIC, "magic 0x%08x, expected 0x%08x", m->magic,
		    SPINAL_CFG_MAGIC);
		return REJ(TYPE);
	}
	if (m->type >= SPINAL_CFG_TYPE_COUNT) {
		WHY(TYPE, 0, m->type, SPINAL_CFG_TYPE_COUNT - 1, "unknown type %u", m->type);
		return REJ(TYPE);
	}
	if (m->len > SPINAL_CFG_PAYLOAD_MAX) {
		WHY(LEN, m->type, m->len, SPINAL_CFG_PAYLOAD_MAX, "payload length %u exceeds %u",
		    m->len, SPINAL_CFG_PAYLOAD_MAX);
		return REJ(LEN);
	}
	if (reserved_zero(m->reserved, "header reserved", why))
		return REJ(RESERVED);
	if (m->type == SPINAL_CFG_EDGE_ADD || m->type == SPINAL_CFG_EDGE_REMOVE) {
		if (m->flags & ~SPINAL_EDGE_F_KNOWN) {
			WHY(RESERVED, 0, m->flags, SPINAL_EDGE_F_KNOWN,
			    "unknown edge flags 0x%x (known 0x%x)", m->flags, SPINAL_EDGE_F_KNOWN);
			return REJ(RANGE);
		}
	} else if (reserved_zero(m->flags, "flags", why)) {
		return REJ(RESERVED);
	}
	return validate_payload(m, staging_len, why);
}

int spinal_cfg_validate_graph_blob(const void *blob, size_t len, uint32_t max_nodes)
{
	const unsigned char *b = blob;
	struct spinal_graph_blob_hdr h;
	uint64_t nbytes, ebytes;
	uint32_t i;
	int rc;

	if (len < sizeof(h))
		return REJ(BLOB);
	memcpy(&h, b, sizeof(h));
	if (h.magic != SPINAL_GRAPH_BLOB_MAGIC || h.version != SPINAL_GRAPH_BLOB_VERSION ||
	    h.hdr_size != sizeof(h) || h.total_len != len)
		return REJ(BLOB);
	if (h.reserved0 || h.reserved[0] || h.reserved[1])
		return REJ(RESERVED);
	if (h.nnodes > max_nodes || h.nnodes > SPINAL_GRAPH_MAX_NODES ||
	    (uint64_t)h.nedges > (uint64_t)h.nnodes * SPINAL_GRAPH_MAX_DEGREE)
		return REJ(CAPACITY);
	if (h.goal_id != SPINAL_NODE_NONE && h.goal_id > SPINAL_NODE_ID_MAX)
		return REJ(ID);
	nbytes = (uint64_t)h.nnodes * sizeof(struct spinal_graph_blob_node);
	ebytes = (uint64_t)h.nedges * sizeof(struct spinal_graph_blob_edge);
	if (h.nodes_off % 8 || h.edges_off % 8 || h.nodes_off < sizeof(h) || h.edges_off < sizeof(h))
		return REJ(BLOB);
	if (h.nodes_off > len || nbytes > len - h.nodes_off ||
	    h.edges_off > len || ebytes > len - h.edges_off)
		return REJ(BLOB);
	/* the two arrays must not overlap */
	if (nbytes && ebytes && h.nodes_off < h.edges_off + ebytes && h.edges_off < h.nodes_off + nbytes)
		return REJ(BLOB);
	for (i = 0; i < h.nnodes; i++) {
		struct spinal_graph_blob_node n;

		memcpy(&n, b + h.nodes_off + (uint64_t)i * sizeof(n), sizeof(n));
		if (n.reserved)
			return REJ(RESERVED);
		rc = spinal_cfg_validate_node(n.id, n.flags, n.x, n.y);
		if (rc)
			return rc;
	}
	for (i = 0; i < h.nedges; i++) {
		struct spinal_graph_blob_edge e;

		memcpy(&e, b + h.edges_off + (uint64_t)i * sizeof(e), sizeof(e));
		if (e.reserved)
			return REJ(RESERVED);
		rc = spinal_cfg_validate_edge(e.from, e.to, e.cost);
		if (rc)
			return rc;
	}
	return 0;
}
