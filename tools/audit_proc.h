/* SPDX-License-Identifier: MIT */
/* spinal-audit: /proc facts about a running core.  Tool code, not RT. */
#ifndef SPINAL_TOOLS_AUDIT_PROC_H
#define SPINAL_TOOLS_AUDIT_PROC_H

#include <stddef.h>
#include <stdint.h>

#include "tools/audit_report.h"

struct audit_counters {
	uint64_t minflt, majflt, vol, invol, migrations;
	int have_migr;
	int processor;
};

struct audit_rt_info {
	int policy, prio, cpu; /* cpu: the single CPU the RT thread is pinned to, or -1 */
};

/* TID of the thread of @pid whose comm is @comm, or -ENOENT / -errno. */
int audit_find_rt_tid(int pid, const char *comm);

/* Fault, context-switch and migration counters of one thread.  0 or -ESRCH. */
int audit_task_counters(int pid, int tid, struct audit_counters *c);

/* sched_policy, affinity, housekeeping, memlock, no_new_privs, capabilities. */
void audit_proc_checks(struct audit_report *r, int pid, int tid, struct audit_rt_info *info);

/* "0-3,7" rendering of a CPU set ("none" when empty). */
void audit_fmt_set(const uint8_t *set, char *out, size_t len);

#endif
