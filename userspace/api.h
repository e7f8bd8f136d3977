/* SPDX-License-Identifier: MIT */
/* The JSON control API: request -> status + JSON body.  No HTTP in here. */
#ifndef SPINAL_USERSPACE_API_H
#define SPINAL_USERSPACE_API_H

#include <stddef.h>

#include "userspace/agent.h"
#include "userspace/strbuf.h"

#define API_MAX_BODY (16u << 20)

/*
 * api_handle - answer @method @url with @body (@len bytes, may be NULL).
 * Fills @out with a JSON document and returns the HTTP status.  Every error
 * is a 4xx/5xx with {"error": "...", "status": N}.  HTTP thread; takes
 * ag->lock to read the mappings.
 */
int api_handle(struct agent *ag, const char *method, const char *url, const char *body,
	       size_t len, struct strbuf *out);

#endif
