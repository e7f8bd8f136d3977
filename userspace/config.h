/* SPDX-License-Identifier: MIT */
/* The agent's config file (INI, libinih): [agent] settings, [core] tunables. */
#ifndef SPINAL_USERSPACE_CONFIG_H
#define SPINAL_USERSPACE_CONFIG_H

#include <stddef.h>

#include "userspace/agent.h"

/*
 * config_load - parse @path over a copy of @o / @t and, only when the whole
 * file is valid, copy the result back.  Fields whose AO_* bit is in @pinned
 * (set on the command line) are parsed but not changed.  Main thread.
 * Returns 0, or -EINVAL/-errno with "file:line: what is wrong" lines in @err.
 */
int config_load(const char *path, struct agent_opts *o, struct core_tunables *t,
		uint32_t pinned, char *err, size_t errlen);

/*
 * config_reload - SIGHUP: load ag->opt.config again; apply the settings that
 * can change live (flush, rotation, retention, fsync, stall bound, tunables),
 * log the ones that need a restart and keep their running values.  Main
 * thread.  Returns 0 or -EINVAL with the reasons in @err (nothing applied).
 */
int config_reload(struct agent *ag, char *err, size_t errlen);

/* [core] tunables -> PARAMS_SET values (include/spinal/params.h order;
 * SPINAL_PARAM_UNSET for keys not in the file).  Any thread. */
void config_tunables_values(const struct core_tunables *t, float *value);

/* Parse "1024", "64k", "64M", "1G" into bytes.  0 or -EINVAL. */
int config_parse_size(const char *s, uint64_t *out);

#endif
