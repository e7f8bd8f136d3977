/* SPDX-License-Identifier: MIT */
/*
 * The config ring: agent -> core messages (region kind SPINAL_REGION_CFG).
 *
 * Layout (see docs/abi-config.md for the full description):
 *   SPINAL_SECT_CFG_PROD   struct spinal_ring_idx   written by the agent
 *   SPINAL_SECT_CFG_SLOTS  nslots x 256-byte slots   written by the agent
 *   SPINAL_SECT_STAGING    staging bytes for blobs   written by the agent
 *   SPINAL_SECT_CFG_CONS   struct spinal_ring_idx   written by the core
 *                          (lives in the core's STATS region)
 *
 * Every slot holds one struct spinal_cfg_msg: a fixed 32-byte header and a
 * payload of at most SPINAL_CFG_PAYLOAD_MAX bytes whose layout is chosen by
 * the type.  Large things (a whole graph, a model) are written into the
 * staging area first; a *_COMMIT message then names offset, length and an
 * FNV-1a 64 checksum.  The core copies slot and blob out of shared memory
 * before it looks at a single field (single fetch), then validates every
 * field.  A rejected message is counted in spinal_stats.cfg_rejected_by[] by
 * enum spinal_cfg_reject and otherwise ignored.
 *
 * All fields little-endian, fixed width, no pointers.  Reserved fields must
 * be zero (a message with non-zero reserved bytes is rejected, so they can
 * be given a meaning later without ambiguity).
 */
#ifndef SPINAL_CONFIG_H
#define SPINAL_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#define SPINAL_CFG_SLOT_SIZE 256u
#define SPINAL_CFG_HDR_SIZE 32u
#define SPINAL_CFG_PAYLOAD_MAX (SPINAL_CFG_SLOT_SIZE - SPINAL_CFG_HDR_SIZE)
#define SPINAL_CFG_MAGIC 0x53434647u /* "GFCS": every message starts with it */

/* Node ids are chosen by the agent: 0 .. SPINAL_NODE_ID_MAX. */
#define SPINAL_NODE_ID_MAX 0x7ffffffeu
#define SPINAL_NODE_NONE 0xffffffffu
/* Coordinates in metres, |x|, |y| <= SPINAL_CFG_COORD_MAX. */
#define SPINAL_CFG_COORD_MAX 1.0e6f
/* Edge cost: 0 = "Euclidean length", else finite in (0, SPINAL_CFG_COST_MAX]. */
#define SPINAL_CFG_COST_MAX 1.0e9f
/* Hard limits that no configuration can raise. */
#define SPINAL_GRAPH_MAX_NODES (1u << 22)
#define SPINAL_GRAPH_MAX_DEGREE 32u

enum spinal_cfg_type {
	SPINAL_CFG_NOP = 0,          /* ignored after validation (tests, keepalive) */
	SPINAL_CFG_NODE_ADD = 1,     /* struct spinal_cfg_node */
	SPINAL_CFG_NODE_MOVE = 2,    /* struct spinal_cfg_node (flags replaced too) */
	SPINAL_CFG_NODE_REMOVE = 3,  /* struct spinal_cfg_node_ref */
	SPINAL_CFG_EDGE_ADD = 4,     /* struct spinal_cfg_edge */
	SPINAL_CFG_EDGE_REMOVE = 5,  /* struct spinal_cfg_edge (cost ignored, must be 0) */
	SPINAL_CFG_SET_GOAL = 6,     /* struct spinal_cfg_node_ref; SPINAL_NODE_NONE clears */
	SPINAL_CFG_PRUNE = 7,        /* struct spinal_cfg_prune */
	SPINAL_CFG_GRAPH_COMMIT = 8, /* struct spinal_cfg_commit: replace the whole graph */
	SPINAL_CFG_PARAMS_SET = 9,   /* struct spinal_cfg_params (handler: SNN engine) */
	SPINAL_CFG_MODEL_COMMIT = 10, /* struct spinal_cfg_commit (handler: SNN engine) */
	SPINAL_CFG_ESTOP_SET = 11,   /* no payload */
	SPINAL_CFG_ESTOP_CLEAR = 12, /* no payload */
	SPINAL_CFG_TYPE_COUNT = 13,
	SPINAL_CFG_TYPE_MAX = 31,    /* handler table size; types above are rejected */
};

/* Why a message was rejected: index into spinal_stats.cfg_rejected_by[]. */
enum spinal_cfg_reject {
	SPINAL_CFG_REJ_TYPE = 0,      /* unknown type or bad magic */
	SPINAL_CFG_REJ_LEN = 1,       /* length does not match the type */
	SPINAL_CFG_REJ_SEQ = 2,       /* sequence number not increasing */
	SPINAL_CFG_REJ_NOT_FINITE = 3, /* NaN or Inf */
	SPINAL_CFG_REJ_RANGE = 4,     /* value out of range, unknown flag bits */
	SPINAL_CFG_REJ_ID = 5,        /* id outside 0..SPINAL_NODE_ID_MAX */
	SPINAL_CFG_REJ_NO_NODE = 6,   /* id does not exist / edge does not exist */
	SPINAL_CFG_REJ_EXISTS = 7,    /* duplicate node or edge, self loop */
	SPINAL_CFG_REJ_CAPACITY = 8,  /* max_nodes, max degree or blob counts */
	SPINAL_CFG_REJ_STAGING = 9,   /* offset/length outside the staging area */
	SPINAL_CFG_REJ_CHECKSUM = 10, /* staged blob checksum mismatch */
	SPINAL_CFG_REJ_BLOB = 11,     /* staged blob header or contents invalid */
	SPINAL_CFG_REJ_NO_HANDLER = 12, /* known type, nothing installed to handle it */
	SPINAL_CFG_REJ_RESERVED = 13, /* reserved bytes not zero */
	SPINAL_CFG_REJ_RING = 14,     /* producer index impossible (counted once per episode) */
	SPINAL_CFG_REJ_NOMEM = 15,    /* core could not allocate: retry later */
	SPINAL_CFG_REJ_COUNT = 16,
};

_Static_assert(SPINAL_CFG_REJ_COUNT <= 16, "fits spinal_stats.cfg_rejected_by[]");

struct spinal_cfg_msg {
	uint32_t magic;     /* SPINAL_CFG_MAGIC */
	uint32_t type;      /* enum spinal_cfg_type */
	uint64_t seq;       /* strictly increasing per producer; gaps allowed */
	uint32_t len;       /* payload bytes used, exact per type */
	uint32_t flags;     /* per type, 0 unless stated */
	uint64_t reserved;  /* 0 */
	unsigned char payload[SPINAL_CFG_PAYLOAD_MAX];
};

_Static_assert(sizeof(struct spinal_cfg_msg) == SPINAL_CFG_SLOT_SIZE, "one slot");
_Static_assert(offsetof(struct spinal_cfg_msg, payload) == SPINAL_CFG_HDR_SIZE, "header");

/* Node flags (bit mask). */
#define SPINAL_NODE_F_CORRIDOR 0x1u
#define SPINAL_NODE_F_ROOM 0x2u
#define SPINAL_NODE_F_DOOR 0x4u
#define SPINAL_NODE_F_DOCK 0x8u
#define SPINAL_NODE_F_KNOWN 0xfu

/* Edge message flag: apply to both directions. */
#define SPINAL_EDGE_F_BIDIR 0x1u
#define SPINAL_EDGE_F_KNOWN 0x1u

struct spinal_cfg_node {      /* NODE_ADD, NODE_MOVE: len 16 */
	uint32_t id;
	uint32_t flags;       /* SPINAL_NODE_F_* */
	float x, y;           /* metres */
};

struct spinal_cfg_node_ref {  /* NODE_REMOVE, SET_GOAL: len 8 */
	uint32_t id;
	uint32_t reserved;
};

struct spinal_cfg_edge {      /* EDGE_ADD, EDGE_REMOVE: len 16; msg flags: SPINAL_EDGE_F_* */
	uint32_t from, to;
	float cost;           /* EDGE_ADD: 0 = Euclidean; EDGE_REMOVE: 0 */
	uint32_t reserved;
};

struct spinal_cfg_prune {     /* PRUNE: len 8 */
	uint32_t max_nodes;   /* keep this many most-visited nodes (goal always kept) */
	uint32_t reserved;
};

struct spinal_cfg_commit {    /* GRAPH_COMMIT, MODEL_COMMIT: len 32 */
	uint64_t off;         /* byte offset in the staging area, 8-aligned */
	uint64_t len;         /* blob bytes */
	uint64_t checksum;    /* spinal_fnv1a64() of the blob bytes */
	uint64_t blob_id;     /* agent's id for the blob (model id), echoed in stats */
};

struct spinal_cfg_params {    /* PARAMS_SET: len 8 + 4 * count, count <= 52 */
	uint32_t params_id;
	uint32_t count;
	float value[52];
};

_Static_assert(sizeof(struct spinal_cfg_params) <= SPINAL_CFG_PAYLOAD_MAX, "params fit");

/*
 * The staged graph blob (GRAPH_COMMIT).  Header, then nnodes node records,
 * then nedges directed edge records, at the offsets the header gives.
 */
#define SPINAL_GRAPH_BLOB_MAGIC 0x42524753u /* "SGRB" */
#define SPINAL_GRAPH_BLOB_VERSION 1u

struct spinal_graph_blob_hdr {
	uint32_t magic;       /* SPINAL_GRAPH_BLOB_MAGIC */
	uint16_t version;     /* SPINAL_GRAPH_BLOB_VERSION */
	uint16_t hdr_size;    /* sizeof(struct spinal_graph_blob_hdr) */
	uint32_t nnodes;
	uint32_t nedges;      /* directed */
	uint32_t goal_id;     /* SPINAL_NODE_NONE = no goal */
	uint32_t reserved0;
	uint64_t nodes_off;   /* from the start of the blob, 8-aligned */
	uint64_t edges_off;
	uint64_t total_len;   /* = commit len */
	uint64_t reserved[2];
};

struct spinal_graph_blob_node {
	uint32_t id;
	uint32_t flags;
	float x, y;
	uint32_t visits;      /* initial visit count (kept across reloads by the agent) */
	uint32_t reserved;
};

struct spinal_graph_blob_edge {
	uint32_t from, to;    /* node ids */
	float cost;           /* 0 = Euclidean */
	uint32_t reserved;
};

_Static_assert(sizeof(struct spinal_graph_blob_hdr) == 64, "blob header");
_Static_assert(sizeof(struct spinal_graph_blob_node) == 24, "blob node");
_Static_assert(sizeof(struct spinal_graph_blob_edge) == 16, "blob edge");

/*
 * Uses of spinal_stats.upd_reserved[] (written by the updater thread):
 * the last accepted config sequence number (a restarted agent continues
 * after it), snapshots waiting for their grace period, visits folded in.
 */
#define SPINAL_STATS_CFG_LAST_SEQ 0
#define SPINAL_STATS_GRAPH_PENDING_FREE 1
#define SPINAL_STATS_GRAPH_VISITS 2
#define SPINAL_STATS_ESTOP 3 /* 1 while a config e-stop is set */

/* FNV-1a 64 of @len bytes.  Any thread; used by both sides for staged blobs. */
static inline uint64_t spinal_fnv1a64(const void *buf, size_t len)
{
	const unsigned char *p = buf;
	uint64_t h = 0xcbf29ce484222325ULL;

	while (len--) {
		h ^= *p++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static inline const char *spinal_cfg_reject_name(unsigned int r)
{
	static const char *const names[SPINAL_CFG_REJ_COUNT] = {
		"type", "len", "seq", "not_finite", "range", "id", "no_node",
		"exists", "capacity", "staging", "checksum", "blob",
		"no_handler", "reserved", "ring", "nomem",
	};
	return r < SPINAL_CFG_REJ_COUNT ? names[r] : "?";
}

static inline const char *spinal_cfg_type_name(unsigned int t)
{
	static const char *const names[SPINAL_CFG_TYPE_COUNT] = {
		"nop", "node_add", "node_move", "node_remove", "edge_add",
		"edge_remove", "set_goal", "prune", "graph_commit", "params_set",
		"model_commit", "estop_set", "estop_clear",
	};
	return t < SPINAL_CFG_TYPE_COUNT ? names[t] : "?";
}

#endif /* SPINAL_CONFIG_H */
