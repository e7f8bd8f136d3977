/* SPDX-License-Identifier: MIT */
/*
 * The console on the agent's HTTP listener (libmicrohttpd): the page at /,
 * its files under /console/, the documents under /console/api/ and the
 * Server-Sent Events stream /console/api/stream (docs/console.md).
 * Controls go through the agent's control API (/goal, /estop, ...); a model
 * upload is handed to it as a private file.
 */
#ifndef SPINAL_USERSPACE_CONSOLE_HTTP_H
#define SPINAL_USERSPACE_CONSOLE_HTTP_H

#include <microhttpd.h>
#include <stddef.h>

#include "userspace/agent.h"
#include "userspace/console_agent.h"
#include "userspace/console_stream.h"
#include "userspace/console_web.h"

struct console_http {
	struct console_agent ca;
	struct console_hub *hub;
	struct console_web *web;        /* NULL: no web files (/ answers 404 with @web_err) */
	char web_err[600];
};

/*
 * console_http_start - load the web files of ag->opt.web_dir and make the
 * hub.  Main thread, before the HTTP server starts.  Returns the console or
 * NULL + errno (ENOMEM); missing web files are not an error (logged once).
 */
struct console_http *console_http_start(struct agent *ag);

/* End the streams (before MHD_stop_daemon: no connection may stay suspended). */
void console_http_shutdown(struct console_http *ch);

/* Free after the HTTP server stopped.  NULL is a no-op. */
void console_http_free(struct console_http *ch);

/* 1 when @url is the console's (/, /index.html, /console/...). */
int console_http_route(const char *url);

/*
 * console_http_handle - answer a console request (console_http_route() was
 * 1).  HTTP thread.  @body/@len: the request body (POST).
 */
enum MHD_Result console_http_handle(struct console_http *ch, struct MHD_Connection *c,
				    const char *url, const char *method, const char *body,
				    size_t len);

#endif
