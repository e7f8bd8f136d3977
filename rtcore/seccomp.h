/* SPDX-License-Identifier: MIT */
/*
 * spinal-core's system-call allowlist (libseccomp), installed once after
 * setup with SECCOMP_FILTER_FLAG_TSYNC so that it covers every thread and is
 * inherited by threads created later.  Without libseccomp at build time the
 * functions are stubs that return -ENOTSUP.
 *
 * Modes (--seccomp):
 *   off    no filter
 *   trap   default: a forbidden call raises SIGSYS; the handler writes one
 *          line (thread, syscall number and name) to stderr and the process
 *          dies of SIGSYS.  The forbidden call never runs.
 *   kill   SECCOMP_RET_KILL_PROCESS: the kernel kills at once; the only
 *          trace is the kernel's audit line (journalctl -k) and the exit
 *          status (killed by SIGSYS)
 *   log    allowed but logged by the kernel (to build an allowlist)
 */
#ifndef SPINAL_RTCORE_SECCOMP_H
#define SPINAL_RTCORE_SECCOMP_H

#include <stddef.h>

enum core_seccomp_mode {
	CORE_SECCOMP_OFF = 0,
	CORE_SECCOMP_TRAP = 1,
	CORE_SECCOMP_KILL = 2,
	CORE_SECCOMP_LOG = 3,
};

/* "off", "trap", "kill", "log" -> mode; returns 0 or -EINVAL.  Any thread. */
int core_seccomp_parse(const char *s, enum core_seccomp_mode *mode);

const char *core_seccomp_name(enum core_seccomp_mode mode);

/*
 * core_seccomp_install - load the allowlist for every thread (TSYNC).  Needs
 * NoNewPrivs on the calling thread (privsep_drop() sets it).  Main thread,
 * once, after setup.  Returns 0, -ENOTSUP (built without libseccomp) or
 * -errno with a one-line reason in @err.
 */
int core_seccomp_install(enum core_seccomp_mode mode, char *err, size_t errlen);

/* Number of rules in the allowlist (for the log line and tests). */
unsigned int core_seccomp_rule_count(void);

/*
 * core_seccomp_test_forbidden - test hook (--seccomp-test): make a call the
 * allowlist forbids (socket(AF_INET)).  Under the filter this does not
 * return in trap/kill mode.  Returns what the call returned otherwise.
 */
int core_seccomp_test_forbidden(void);

#endif /* SPINAL_RTCORE_SECCOMP_H */
