/* SPDX-License-Identifier: MIT */
/*
 * Pure validation of config messages and staged blobs (no state, no I/O):
 * every function looks only at a private copy the caller made and returns
 * 0 or SPINAL_CFG_REJECT(reason).  Any thread; unit-tested on their own.
 * Functions with a @why argument (may be NULL) also say which number broke
 * which rule (the verdict detail, include/spinal/config.h).
 */
#ifndef SPINAL_RTCORE_CFG_VALIDATE_H
#define SPINAL_RTCORE_CFG_VALIDATE_H

#include <stddef.h>
#include <stdint.h>

#include <spinal/config.h>

#define SPINAL_CFG_REJECT(r) (-1 - (int)(r))
/* Reason of a negative result of the functions below. */
#define SPINAL_CFG_REASON(rc) ((unsigned int)(-1 - (rc)))

/* The numbers behind a rejection: what a verdict carries (config.h). */
struct spinal_cfg_why {
	uint16_t detail;  /* enum spinal_cfg_detail, SPINAL_CFG_D_NONE: not said */
	uint32_t index;
	double value, limit;
	char text[SPINAL_CFG_VERDICT_TEXT];
};

/*
 * spinal_cfg_why_set - fill @why (NULL: no-op) with a detail, its numbers and
 * a printf-style one-line text.  The first call for a message wins: a later
 * call does not overwrite what an inner check said.  Any thread.
 */
void spinal_cfg_why_set(struct spinal_cfg_why *why, unsigned int detail, uint32_t index,
			double value, double limit, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/*
 * spinal_cfg_validate_msg - header and payload fields of @m.
 * @seq_base: the sequence window base (the seq of the last in-window slot
 * handled, 0 = none yet); the seq is checked first (spinal_cfg_seq_in_window()).
 * @staging_len: bytes of the staging area.  Checks magic, type, length,
 * reserved bytes, flags, finiteness and ranges; not whether ids exist (that
 * is the model's business).
 */
int spinal_cfg_validate_msg(const struct spinal_cfg_msg *m, uint64_t seq_base,
			    uint64_t staging_len, struct spinal_cfg_why *why);

/* Node fields shared by messages and blobs. */
int spinal_cfg_validate_node(uint32_t id, uint32_t flags, float x, float y);

/* Edge fields shared by messages and blobs (cost 0 = Euclidean). */
int spinal_cfg_validate_edge(uint32_t from, uint32_t to, float cost);

/*
 * spinal_cfg_validate_graph_blob - header and every record of a graph blob
 * of @len bytes (private copy, 8-aligned).  @max_nodes caps nnodes; edges
 * are capped at nnodes * SPINAL_GRAPH_MAX_DEGREE.
 */
int spinal_cfg_validate_graph_blob(const void *blob, size_t len, uint32_t max_nodes);

#endif /* SPINAL_RTCORE_CFG_VALIDATE_H */
