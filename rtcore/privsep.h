/* SPDX-License-Identifier: MIT */
/*
 * Privilege separation for spinal-core: after setup, every thread holds no
 * effective, permitted, inheritable or ambient capability, has NoNewPrivs
 * set, and (when the core started as root) runs as the configured user.
 * Also RLIMIT_RTTIME against a runaway RT thread.
 *
 * Linux credentials are per thread.  privsep_drop() changes uid/gid through
 * glibc (which applies setresuid() etc. to every thread), then runs the
 * per-thread part on every thread of the process by signalling each one
 * (like glibc's setxid broadcast), and re-reads /proc/self/task/ until no
 * new thread appears.  A thread that blocks every signal (e.g. a library
 * worker) must call privsep_thread_hook() itself at start, or be created
 * after privsep_drop() by a thread that already dropped (credentials are
 * inherited).  privsep_verify() checks the result from /proc.
 */
#ifndef SPINAL_RTCORE_PRIVSEP_H
#define SPINAL_RTCORE_PRIVSEP_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PRIVSEP_DEFAULT_USER "spinal-core"

struct privsep_cfg {
	const char *user;      /* target when root; NULL: PRIVSEP_DEFAULT_USER, then "nobody" */
	int user_given;        /* 1: --user was given, a missing user is an error */
	uint64_t rttime_soft_us; /* RLIMIT_RTTIME soft (SIGXCPU: log, safe stop); 0: unset */
	uint64_t rttime_hard_us; /* hard (SIGKILL); 0: unset */
	int quiet;
};

struct privsep {
	struct privsep_cfg cfg;
	int root;              /* started with euid 0 */
	uid_t uid;             /* target ids */
	gid_t gid;
	char user[64];
	int cap_last;          /* /proc/sys/kernel/cap_last_cap */
	int sig;               /* broadcast signal */
	unsigned int threads;  /* threads dropped by the last privsep_drop() */
};

/* Result of privsep_verify() for one thread. */
struct privsep_thread_state {
	pid_t tid;
	char comm[17];
	uint64_t inh, prm, eff, bnd, amb;
	int no_new_privs;
	int seccomp;           /* 0 off, 1 strict, 2 filter */
	uid_t uid;
};

/*
 * privsep_prepare - resolve the target user (needs NSS, so before any
 * sandboxing), install the broadcast and SIGXCPU handlers, apply
 * RLIMIT_RTTIME, and when root lift RLIMIT_MEMLOCK (locked memory stays
 * allowed after CAP_IPC_LOCK is gone).  @safe_stop: the stats latch the
 * SIGXCPU handler sets (may be NULL until privsep_set_safe_stop()).
 * Main thread, setup.  Returns 0 or -errno with a reason in @err.
 */
int privsep_prepare(struct privsep *ps, const struct privsep_cfg *cfg, char *err, size_t errlen);

/* Where SIGXCPU latches SPINAL_SAFE_STOP_RTTIME.  Main thread, setup. */
void privsep_set_safe_stop(_Atomic uint32_t *safe_stop);

/*
 * privsep_drop - drop to the target user (when root) and clear every
 * capability set on every thread, set NoNewPrivs and PR_SET_DUMPABLE 0.
 * Main thread, after every privileged setup step; other threads may run.
 * Returns 0 or -errno (-ETIMEDOUT: a thread did not answer, named in @err).
 */
int privsep_drop(struct privsep *ps, char *err, size_t errlen);

/*
 * privsep_thread_hook - the per-thread part on the calling thread, for a
 * thread that blocks every signal: bounding set (when allowed), ambient,
 * NoNewPrivs, and capset to nothing unless the process is still root (then
 * the later user switch clears them; glibc needs CAP_SETUID on every thread
 * for it).  Any thread, async-signal-safe.  Returns 0 or -errno.
 */
int privsep_thread_hook(void);

/*
 * privsep_verify - read /proc/<pid>/task/<tid>/status of every thread of
 * @pid (0: self) into @st (up to @max entries).  Any non-RT thread.  Returns
 * the number of threads, or -errno.  With @bad, *bad counts threads that hold
 * any of E/P/I/A capabilities, lack NoNewPrivs, or (when @want_seccomp) run
 * without a seccomp filter; @why (if not NULL) names the first.
 */
int privsep_verify(pid_t pid, struct privsep_thread_state *st, unsigned int max,
		   int want_seccomp, unsigned int *bad, char *why, size_t whylen);

/* SIGXCPU seen (RLIMIT_RTTIME soft limit)?  Returns the count.  Any thread. */
unsigned long privsep_rttime_hits(void);

#endif /* SPINAL_RTCORE_PRIVSEP_H */
