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
 *
 * Sequence numbers (docs/abi-config.md): a slot is in the window when
 * base < seq <= base + SPINAL_CFG_SEQ_WINDOW, base being the seq of the last
 * in-window slot this core handled (0 after start).  An in-window slot
 * becomes the new base whatever the verdict on the rest of it; a slot out of
 * the window is rejected (reason seq) and moves nothing, so no single value
 * (2^64-1 included) can wedge the ring.
 *
 * Verdicts: for every slot it handles the updater publishes seq, verdict,
 * reason, the numbers behind the reason and a one-line text in the verdict
 * table (section SPINAL_SECT_CFG_VERDICT of the STATS region, struct
 * spinal_cfg_verdicts below, ABI 1.1), before it releases the slot.
 */
#ifndef SPINAL_CONFIG_H
#define SPINAL_CONFIG_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include <spinal/seqlock.h>

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

/* The sequence window: how far past the base one slot's seq may jump. */
#define SPINAL_CFG_SEQ_WINDOW (1ull << 16)

/* 1 if @seq is in the window above @base (any thread, pure). */
static inline int spinal_cfg_seq_in_window(uint64_t seq, uint64_t base)
{
	return seq > base && seq - base <= SPINAL_CFG_SEQ_WINDOW;
}

struct spinal_cfg_msg {
	uint32_t magic;     /* SPINAL_CFG_MAGIC */
	uint32_t type;      /* enum spinal_cfg_type */
	uint64_t seq;       /* in the window above the last handled seq (see above) */
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
 * The verdict table (section SPINAL_SECT_CFG_VERDICT of the STATS region,
 * written by the updater thread, read by the agent and the inspector).
 */
enum spinal_cfg_verdict_code {
	SPINAL_CFG_V_NONE = 0,
	SPINAL_CFG_V_ACCEPTED = 1,
	SPINAL_CFG_V_REJECTED = 2,
};

/* What index/value/limit of a verdict mean (the numbers behind the reason). */
enum spinal_cfg_detail {
	SPINAL_CFG_D_NONE = 0,
	SPINAL_CFG_D_SEQ = 1,           /* value seq sent, limit the base: window (limit, limit + 2^16] */
	SPINAL_CFG_D_MAGIC = 2,         /* value the magic found */
	SPINAL_CFG_D_TYPE = 3,          /* value the type found */
	SPINAL_CFG_D_LEN = 4,           /* value len, limit the length the type needs (or the max) */
	SPINAL_CFG_D_RESERVED = 5,      /* a reserved field or flag bits not zero: value them */
	SPINAL_CFG_D_FIELD = 6,         /* a field out of range: index payload byte offset, value, limit */
	SPINAL_CFG_D_PARAM_LOW = 7,     /* PARAMS_SET: index param, value, limit its minimum */
	SPINAL_CFG_D_PARAM_HIGH = 8,    /* PARAMS_SET: index param, value, limit its maximum */
	SPINAL_CFG_D_PARAM_NOT_FINITE = 9, /* PARAMS_SET: index param */
	SPINAL_CFG_D_PARAM_COUNT = 10,  /* PARAMS_SET: value count, limit SPINAL_PARAM_COUNT */
	SPINAL_CFG_D_PARAM_ID = 11,     /* PARAMS_SET: params_id 0 */
	SPINAL_CFG_D_STAGING = 12,      /* value off + len, limit the staging bytes */
	SPINAL_CFG_D_CHECKSUM = 13,     /* value the checksum of the staged bytes */
	SPINAL_CFG_D_MODEL_WORK = 14,   /* value multiply-adds per tick, limit budget, index period us */
	SPINAL_CFG_D_MODEL_MEMORY = 15, /* value plan bytes, limit budget */
	SPINAL_CFG_D_MODEL_OUTPUTS = 16, /* value outputs, limit 3, index 2 (the minimum) */
	SPINAL_CFG_D_MODEL_INPUTS = 17, /* value inputs, limit the core's feature count */
	SPINAL_CFG_D_MODEL_INVALID = 18, /* the blob breaks a format rule: text says which */
	SPINAL_CFG_D_MODEL_SHARED = 19, /* index op, value the other op: overlapping parameters */
	SPINAL_CFG_D_NOMEM = 20,        /* value bytes the core could not allocate */
	SPINAL_CFG_D_GRAPH = 21,        /* graph edit or blob refused: text says why */
	SPINAL_CFG_D_COUNT = 22,
};

#define SPINAL_CFG_VERDICT_TEXT 200
#define SPINAL_CFG_VERDICT_SLOTS 64u
#define SPINAL_CFG_VERDICT_WORDS 32u /* payload words of one slot */

struct spinal_cfg_verdict {
	uint64_t seq;        /* the slot's seq field as found */
	uint64_t handled;    /* 1 for the first slot this core handled, +1 per slot */
	uint32_t type;       /* the slot's type field as found */
	uint32_t digest;     /* low 32 bits of spinal_fnv1a64() of the 256-byte slot */
	uint16_t verdict;    /* enum spinal_cfg_verdict_code */
	uint16_t reason;     /* enum spinal_cfg_reject when REJECTED */
	uint16_t detail;     /* enum spinal_cfg_detail */
	uint16_t reserved0;
	uint32_t index;      /* see enum spinal_cfg_detail */
	uint32_t reserved1;
	double value;        /* see enum spinal_cfg_detail */
	double limit;
	char text[SPINAL_CFG_VERDICT_TEXT]; /* one line for an operator, NUL-terminated */
};

_Static_assert(sizeof(struct spinal_cfg_verdict) == SPINAL_CFG_VERDICT_WORDS * 8, "payload");

struct spinal_cfg_verdict_slot {
	_Atomic uint64_t gen;                        /* seqlock (spinal/seqlock.h) */
	_Atomic uint64_t w[SPINAL_CFG_VERDICT_WORDS]; /* struct spinal_cfg_verdict */
	uint64_t pad[7];
};

struct spinal_cfg_verdicts {
	_Atomic uint64_t handled;       /* slots handled; the last verdict is in
					 * slot[(handled - 1) % nslots] */
	_Atomic uint64_t seq_base;      /* the window base (see above) */
	_Atomic uint64_t last_accepted; /* seq of the last accepted message */
	uint32_t nslots;                /* SPINAL_CFG_VERDICT_SLOTS */
	uint32_t slot_size;             /* sizeof(struct spinal_cfg_verdict_slot) */
	uint64_t seq_window;            /* SPINAL_CFG_SEQ_WINDOW */
	uint64_t reserved[3];
	struct spinal_cfg_verdict_slot slot[SPINAL_CFG_VERDICT_SLOTS];
};

/* What readers (cfglink.c, inspect.c, scripts) rely on. */
_Static_assert(offsetof(struct spinal_cfg_verdicts, handled) == 0, "verdicts ABI");
_Static_assert(offsetof(struct spinal_cfg_verdicts, seq_base) == 8, "verdicts ABI");
_Static_assert(offsetof(struct spinal_cfg_verdicts, last_accepted) == 16, "verdicts ABI");
_Static_assert(offsetof(struct spinal_cfg_verdicts, nslots) == 24, "verdicts ABI");
_Static_assert(offsetof(struct spinal_cfg_verdicts, slot_size) == 28, "verdicts ABI");
_Static_assert(offsetof(struct spinal_cfg_verdicts, slot) == 64, "verdicts ABI");
_Static_assert(sizeof(struct spinal_cfg_verdict_slot) == 320, "verdict slot ABI");
_Static_assert(offsetof(struct spinal_cfg_verdict, digest) == 20, "verdict ABI");
_Static_assert(offsetof(struct spinal_cfg_verdict, verdict) == 24, "verdict ABI");
_Static_assert(offsetof(struct spinal_cfg_verdict, index) == 32, "verdict ABI");
_Static_assert(offsetof(struct spinal_cfg_verdict, value) == 40, "verdict ABI");
_Static_assert(offsetof(struct spinal_cfg_verdict, text) == 56, "verdict ABI");

/*
 * spinal_cfg_verdict_get - copy verdict number @n (1 = the first slot the
 * core handled; the newest is spinal_cfg_verdicts.handled, loaded acquire)
 * into @v.  Any reader, any process; bounded, no syscall.  Returns 0, or
 * -ENOENT (not written yet or already overwritten: only the last
 * SPINAL_CFG_VERDICT_SLOTS are kept), -EAGAIN (the updater kept rewriting it).
 */
static inline int spinal_cfg_verdict_get(const struct spinal_cfg_verdicts *vt, uint64_t n,
					 struct spinal_cfg_verdict *v)
{
	const struct spinal_cfg_verdict_slot *sl;
	int rc;

	if (n == 0)
		return -ENOENT;
	sl = &vt->slot[(n - 1) % SPINAL_CFG_VERDICT_SLOTS];
	rc = spinal_seqlock_read(&sl->gen, sl->w, SPINAL_CFG_VERDICT_WORDS, v, sizeof(*v), 64,
				 NULL, NULL);
	if (rc == -ENODATA || (!rc && v->handled != n))
		return -ENOENT;
	if (!rc)
		v->text[sizeof(v->text) - 1] = '\0';
	return rc;
}

static inline const char *spinal_cfg_verdict_name(unsigned int v)
{
	return v == SPINAL_CFG_V_ACCEPTED ? "accepted" : v == SPINAL_CFG_V_REJECTED ? "rejected" : "?";
}

/*
 * Uses of spinal_stats.upd_reserved[] (written by the updater thread):
 * the last accepted config sequence number (kept for ABI 1.0 readers; a
 * restarted agent continues after spinal_cfg_verdicts.seq_base), snapshots
 * waiting for their grace period, visits folded in.
 */
#define SPINAL_STATS_CFG_LAST_SEQ 0 /* = spinal_cfg_verdicts.last_accepted (ABI 1.0 readers) */
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

/* The digest a verdict carries for the 256-byte slot @slot.  Any thread. */
static inline uint32_t spinal_cfg_digest(const void *slot)
{
	return (uint32_t)spinal_fnv1a64(slot, SPINAL_CFG_SLOT_SIZE);
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

static inline const char *spinal_cfg_detail_name(unsigned int d)
{
	static const char *const names[SPINAL_CFG_D_COUNT] = {
		"none", "seq", "magic", "type", "len", "reserved", "field", "param_low",
		"param_high", "param_not_finite", "param_count", "param_id", "staging",
		"checksum", "model_work", "model_memory", "model_outputs", "model_inputs",
		"model_invalid", "model_shared", "nomem", "graph",
	};
	return d < SPINAL_CFG_D_COUNT ? names[d] : "?";
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
