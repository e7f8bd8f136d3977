/* SPDX-License-Identifier: MIT */
/* Prometheus text exposition of the core's stats and the agent's counters. */
#ifndef SPINAL_USERSPACE_METRICS_H
#define SPINAL_USERSPACE_METRICS_H

#include <spinal/stats.h>

#include "userspace/agent.h"
#include "userspace/strbuf.h"

/*
 * metrics_render - the /metrics page (text format 0.0.4) into @out.
 * Any thread: takes ag->lock while reading the mappings and the view.
 * Returns 0 or -ENOMEM.
 */
int metrics_render(struct agent *ag, struct strbuf *out);

/*
 * metrics_hist - one Prometheus histogram family member for @h with
 * @labels (e.g. "stage=\"sfs\""), buckets at the 1-2-5 edges from 100 ns to
 * 100 ms, in seconds.  Exposed for tests.
 */
void metrics_hist(struct strbuf *out, const char *name, const char *labels,
		  const struct spinal_hist *h);

#endif
