/* SPDX-License-Identifier: MIT */
/* HTTP listener (libmicrohttpd): GET /metrics and the JSON control API. */
#ifndef SPINAL_USERSPACE_HTTP_H
#define SPINAL_USERSPACE_HTTP_H

#include <stddef.h>

#include "userspace/agent.h"

/*
 * http_start - listen on ag->opt.listen ("ADDR:PORT"; "" or "off": no server).
 * Main thread, before the main loop; the server runs its own thread with
 * SIGINT/SIGTERM/SIGHUP blocked.  Returns 0, or -errno with a one-line
 * reason in @err.
 */
int http_start(struct agent *ag, char *err, size_t errlen);

/* Stop the server.  No-op when none runs. */
void http_stop(struct agent *ag);

/* Parse "ADDR:PORT" (IPv4 dotted or "localhost").  0 or -EINVAL. */
int http_parse_listen(const char *s, void *sockaddr_in_out);

#endif
