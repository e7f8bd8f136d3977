// SPDX-License-Identifier: MIT
/*
 * Config message and blob validation: pure functions over private copies.
 */
#include <math.h>
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

/* Offset/length of a staged blob inside a staging area of @staging_len. */
static int commit_ok(const struct spinal_cfg_commit *c, uint64_t staging_len, uint64_t min_len)
{
	if (c->off % 8 != 0 || c->len < min_len)
		return REJ(STAGING);
	if (c->off > staging_len || c->len > staging_len - c->off)
		return REJ(STAGING);
	return 0;
}

static int validate_payload(const struct spinal_cfg_msg *m, uint64_t staging_len)
{
	const void *p = m->payload;

	switch (m->type) {
	case SPINAL_CFG_NOP:
	case SPINAL_CFG_ESTOP_SET:
	case SPINAL_CFG_ESTOP_CLEAR:
		return m->len == 0 ? 0 : REJ(LEN);
	case SPINAL_CFG_NODE_ADD:
	case SPINAL_CFG_NODE_MOVE: {
		struct spinal_cfg_node n;

		if (m->len != sizeof(n))
			return REJ(LEN);
		memcpy(&n, p, sizeof(n));
		return spinal_cfg_validate_node(n.id, n.flags, n.x, n.y);
	}
	case SPINAL_CFG_NODE_REMOVE:
	case SPINAL_CFG_SET_GOAL: {
		struct spinal_cfg_node_ref r;

		if (m->len != sizeof(r))
			return REJ(LEN);
		memcpy(&r, p, sizeof(r));
		if (r.reserved)
			return REJ(RESERVED);
		if (m->type == SPINAL_CFG_SET_GOAL && r.id == SPINAL_NODE_NONE)
			return 0;
		return r.id > SPINAL_NODE_ID_MAX ? REJ(ID) : 0;
	}
	case SPINAL_CFG_EDGE_ADD:
	case SPINAL_CFG_EDGE_REMOVE: {
		struct spinal_cfg_edge e;

		if (m->len != sizeof(e))
			return REJ(LEN);
		memcpy(&e, p, sizeof(e));
		if (e.reserved)
			return REJ(RESERVED);
		if (m->type == SPINAL_CFG_EDGE_REMOVE && e.cost != 0.0f)
			return isfinite(e.cost) ? REJ(RANGE) : REJ(NOT_FINITE);
		return spinal_cfg_validate_edge(e.from, e.to, e.cost);
	}
	case SPINAL_CFG_PRUNE: {
		struct spinal_cfg_prune pr;

		if (m->len != sizeof(pr))
			return REJ(LEN);
		memcpy(&pr, p, sizeof(pr));
		if (pr.reserved)
			return REJ(RESERVED);
		if (pr.max_nodes == 0 || pr.max_nodes > SPINAL_GRAPH_MAX_NODES)
			return REJ(RANGE);
		return 0;
	}
	case SPINAL_CFG_GRAPH_COMMIT:
	case SPINAL_CFG_MODEL_COMMIT: {
		struct spinal_cfg_commit c;

		if (m->len != sizeof(c))
			return REJ(LEN);
		memcpy(&c, p, sizeof(c));
		return commit_ok(&c, staging_len, m->type == SPINAL_CFG_GRAPH_COMMIT ?
				 sizeof(struct spinal_graph_blob_hdr) : 8);
	}
	case SPINAL_CFG_PARAMS_SET: {
		struct spinal_cfg_params pa;
		uint32_t i;

		if (m->len < 8)
			return REJ(LEN);
		memcpy(&pa, p, 8);
		if (pa.count > sizeof(pa.value) / sizeof(pa.value[0]))
			return REJ(CAPACITY);
		if (m->len != 8 + 4 * pa.count)
			return REJ(LEN);
		memcpy(&pa, p, m->len);
		for (i = 0; i < pa.count; i++)
			if (!isfinite(pa.value[i]))
				return REJ(NOT_FINITE);
		return 0;
	}
	}
	return REJ(TYPE);
}

int spinal_cfg_validate_msg(const struct spinal_cfg_msg *m, uint64_t last_seq,
			    uint64_t staging_len)
{
	if (m->magic != SPINAL_CFG_MAGIC || m->type >= SPINAL_CFG_TYPE_COUNT)
		return REJ(TYPE);
	if (m->len > SPINAL_CFG_PAYLOAD_MAX)
		return REJ(LEN);
	if (m->seq <= last_seq)
		return REJ(SEQ);
	if (m->reserved)
		return REJ(RESERVED);
	if (m->type == SPINAL_CFG_EDGE_ADD || m->type == SPINAL_CFG_EDGE_REMOVE) {
		if (m->flags & ~SPINAL_EDGE_F_KNOWN)
			return REJ(RANGE);
	} else if (m->flags) {
		return REJ(RESERVED);
	}
	return validate_payload(m, staging_len);
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
