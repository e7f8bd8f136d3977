/* SPDX-License-Identifier: MIT */
/*
 * Graph files (JSON) -> flat graph blob (include/spinal/config.h).
 *
 *   {
 *     "version": 1,
 *     "nodes": [ { "id": 0, "x": 1.5, "y": 2.0,
 *                  "flags": ["corridor"|"room"|"door"|"dock", ...],  (optional)
 *                  "visits": 0 },                                     (optional)
 *                ... ],
 *     "edges": [ { "from": 0, "to": 1,
 *                  "cost": 1.5,              (optional; absent or 0: Euclidean)
 *                  "bidirectional": true },  (optional, default true)
 *                ... ],
 *     "goal": 12,                            (optional node id)
 *     "name": "...", "comment": "..."        (optional, ignored)
 *   }
 *
 * Everything the core would reject is rejected here first, with the file,
 * line and field: "floor.json:123: nodes[12].x: must be a finite number in
 * [-1e6, 1e6]".  Unknown keys are errors (typos must not pass silently).
 * Agent side (libjson-c); not RT.
 */
#ifndef SPINAL_USERSPACE_GRAPH_JSON_H
#define SPINAL_USERSPACE_GRAPH_JSON_H

#include <stddef.h>
#include <stdint.h>

/*
 * spinal_graph_json_parse - parse @text (@len bytes; @name for messages) into
 * a malloc'd blob (*blob, *blob_len; free() it).  Returns 0, or -1 with a
 * one-line message in @err (-ENOMEM is reported the same way).
 */
int spinal_graph_json_parse(const char *text, size_t len, const char *name, void **blob,
			    size_t *blob_len, char *err, size_t errlen);

/* Same for a file; I/O errors are reported in @err too. */
int spinal_graph_json_load(const char *path, void **blob, size_t *blob_len, char *err,
			   size_t errlen);

/* Line (1-based) where nodes[i] / edges[i] (@array) or its key @field starts
 * in @text; 0 if not found.  Exposed for tests. */
unsigned int spinal_graph_json_line(const char *text, size_t len, const char *array,
				    long index, const char *field);

#endif /* SPINAL_USERSPACE_GRAPH_JSON_H */
