/* SPDX-License-Identifier: MIT */
/* spinal-audit: external tools as child processes.  Tool code, not RT. */
#ifndef SPINAL_TOOLS_AUDIT_TOOLS_H
#define SPINAL_TOOLS_AUDIT_TOOLS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define AUDIT_MAX_SYSCALLS 32

struct audit_perf {
	uint64_t minflt, majflt, ctxsw, migrations;
	int ok_flt, ok_cs, ok_migr; /* events actually counted */
};

struct audit_syscalls {
	int n;
	uint64_t total;
	char name[AUDIT_MAX_SYSCALLS][32];
	uint64_t count[AUDIT_MAX_SYSCALLS];
	char example[AUDIT_MAX_SYSCALLS][160];
};

/* Is @name an executable in $PATH?  1 or 0. */
int audit_have_tool(const char *name);

/* Start argv[0] (PATH search), stdin /dev/null, stdout/err to files (NULL: /dev/null).
 * Returns the pid or -errno. */
pid_t audit_spawn(char *const argv[], const char *out, const char *err);

/* Wait for @pid at most @timeout_s (then SIGKILL).  Exit status, 128+signal, or -errno. */
int audit_wait(pid_t pid, double timeout_s);

void audit_sleep(double s);

/* Do hardware perf counters work here (`perf stat -e instructions true`)?
 * 1 yes, 0 no (software events only), -1 perf unusable; @why says which. */
int audit_perf_hw_counters(char *why, size_t len);

/* Parse `perf stat -x, -o FILE` output.  0, -ENOENT, -EBADMSG. */
int audit_perf_parse(const char *path, struct audit_perf *p);

/* Parse `strace -o FILE` output into syscall names and counts.  0 or -errno. */
int audit_strace_parse(const char *path, struct audit_syscalls *s);

#endif
