/* SPDX-License-Identifier: MIT */
/* The console's source (console_stream.h) over a running struct agent. */
#ifndef SPINAL_USERSPACE_CONSOLE_AGENT_H
#define SPINAL_USERSPACE_CONSOLE_AGENT_H

#include <pthread.h>

#include "userspace/agent.h"
#include "userspace/console_stream.h"

struct console_agent {
	struct agent *ag;
	struct console_source src;      /* hand this to console_hub_create() */
	pthread_mutex_t lock;           /* the config link's last values below */
	int link, estop;
	char link_why[320], graph_src[512], model_path[512];
};

/* Bind @ca to @ag.  Main thread, before the HTTP server starts.  Returns 0. */
int console_agent_init(struct console_agent *ca, struct agent *ag);
void console_agent_fini(struct console_agent *ca);

#endif
