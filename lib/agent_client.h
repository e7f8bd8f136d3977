/* SPDX-License-Identifier: MIT */
/*
 * A minimal client of spinal-agent's control API (docs/agent.md), for
 * programs outside the agent: the driver library's goal call (operator role)
 * and spinal-ros2.  It picks the agent's UNIX socket <run>/agent/NAME.sock
 * (lib/runpath.h) when it exists, where the agent decides by peer
 * credentials, else TCP ADDR:PORT with $SPINAL_AGENT_TOKEN, when set, as a
 * bearer token.  One request per connection, HTTP/1.0.
 */
#ifndef SPINAL_LIB_AGENT_CLIENT_H
#define SPINAL_LIB_AGENT_CLIENT_H

#include <stddef.h>

#define SPINAL_AGENT_LISTEN_DEFAULT "127.0.0.1:9477"

/*
 * spinal_agent_request - send @method @path with the JSON @body (NULL:
 * none) to the agent of @instance (@listen NULL: SPINAL_AGENT_LISTEN_DEFAULT)
 * and wait up to @timeout_ms for the whole answer.  Any non-RT thread;
 * blocks.  Returns the HTTP status with the body (NUL-terminated, cut to
 * fit) in @resp, or -errno (-ECONNREFUSED/-ENOENT no agent, -ETIMEDOUT,
 * -EPROTO not HTTP) with a one-line reason in @err.  For a status >= 300,
 * @err gets the agent's "error" text.
 */
int spinal_agent_request(const char *instance, const char *listen, const char *method,
			 const char *path, const char *body, int timeout_ms, char *resp,
			 size_t resplen, char *err, size_t errlen);

#endif
