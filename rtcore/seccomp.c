// SPDX-License-Identifier: MIT
/*
 * spinal-core's seccomp allowlist.  What each entry is for:
 *   every thread    exit, signals, futex (locks, join, liburcu), memory
 *                   (malloc, thread stacks), clocks and sleeps, rseq
 *   RT thread       clock_nanosleep (clock_gettime is vDSO, listed anyway)
 *   housekeeping    write (logs to stderr), nanosleep, pthread_join, munmap
 *   updater         futex/sched_yield (liburcu call_rcu), malloc, affinity
 *   handoff server  poll, accept4, recvmsg/recvfrom, sendmsg/sendto,
 *                   getsockopt (SO_PEERCRED), setsockopt (timeouts), close
 * Sanitizer builds add what ASan/UBSan/TSan reporting needs.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <spinal/wd_uapi.h>

#include "rtcore/seccomp.h"

int core_seccomp_parse(const char *s, enum core_seccomp_mode *mode)
{
	static const char *const names[] = { "off", "trap", "kill", "log" };
	unsigned int i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(s, names[i])) {
			*mode = (enum core_seccomp_mode)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *core_seccomp_name(enum core_seccomp_mode mode)
{
	switch (mode) {
	case CORE_SECCOMP_OFF:
		return "off";
	case CORE_SECCOMP_TRAP:
		return "trap";
	case CORE_SECCOMP_KILL:
		return "kill";
	case CORE_SECCOMP_LOG:
		return "log";
	}
	return "?";
}

int core_seccomp_test_forbidden(void)
{
	/* a network socket: nothing in spinal-core needs one after setup */
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd >= 0)
		close(fd);
	return fd;
}

#ifdef SPINAL_HAVE_SECCOMP
#include <seccomp.h>
#include <sched.h>
#include <sys/ioctl.h>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SAN_BUILD 1
#else
#define SAN_BUILD 0
#endif

#define NAMES_MAX 512

static const int allow_plain[] = {
	/* exit and signals */
	SCMP_SYS(exit), SCMP_SYS(exit_group), SCMP_SYS(rt_sigreturn), SCMP_SYS(rt_sigprocmask),
	SCMP_SYS(rt_sigaction), SCMP_SYS(sigaltstack), SCMP_SYS(restart_syscall),
	/* time */
	SCMP_SYS(clock_nanosleep), SCMP_SYS(nanosleep), SCMP_SYS(clock_gettime),
	SCMP_SYS(clock_getres), SCMP_SYS(gettimeofday), SCMP_SYS(time),
	/* threads, locks, RCU */
	SCMP_SYS(futex), SCMP_SYS(set_robust_list), SCMP_SYS(get_robust_list), SCMP_SYS(rseq),
	SCMP_SYS(sched_yield), SCMP_SYS(sched_getaffinity), SCMP_SYS(sched_setaffinity),
	SCMP_SYS(sched_getparam), SCMP_SYS(sched_getscheduler), SCMP_SYS(membarrier),
	SCMP_SYS(gettid), SCMP_SYS(getpid), SCMP_SYS(getcpu), SCMP_SYS(set_tid_address),
	/* memory; updater: NUMA-local model buffers (libnuma), glibc qsort sizing (sysinfo) */
	SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(mprotect), SCMP_SYS(madvise),
	SCMP_SYS(brk), SCMP_SYS(mremap), SCMP_SYS(mbind), SCMP_SYS(get_mempolicy),
	SCMP_SYS(sysinfo),
	/* shutdown: remove the handoff socket's name */
	SCMP_SYS(unlink),
	/* files we already hold, logs */
	SCMP_SYS(write), SCMP_SYS(writev), SCMP_SYS(close), SCMP_SYS(fstat),
	SCMP_SYS(newfstatat), SCMP_SYS(getrandom),
	SCMP_SYS(getuid), SCMP_SYS(geteuid), SCMP_SYS(getgid), SCMP_SYS(getegid),
	/* tracer thread: the trace_pipe and /proc descriptors it opened at setup (rtcore/trace.c) */
	SCMP_SYS(read), SCMP_SYS(pread64),
	/* handoff server */
	SCMP_SYS(poll), SCMP_SYS(ppoll), SCMP_SYS(accept4), SCMP_SYS(accept),
	SCMP_SYS(recvmsg), SCMP_SYS(recvfrom), SCMP_SYS(sendmsg), SCMP_SYS(sendto),
	SCMP_SYS(getsockopt), SCMP_SYS(setsockopt),
};

/* sanitizer runtimes: reports, symbolisation, leak check (ptrace of own threads) */
static const int allow_san[] = {
	SCMP_SYS(openat), SCMP_SYS(open), SCMP_SYS(read), SCMP_SYS(pread64),
	SCMP_SYS(readlink), SCMP_SYS(readlinkat), SCMP_SYS(lseek), SCMP_SYS(getdents64),
	SCMP_SYS(prlimit64), SCMP_SYS(getrlimit), SCMP_SYS(ptrace), SCMP_SYS(wait4),
	SCMP_SYS(waitid), SCMP_SYS(pipe2), SCMP_SYS(dup), SCMP_SYS(dup2),
	SCMP_SYS(getppid), SCMP_SYS(kill), SCMP_SYS(uname), SCMP_SYS(sched_getparam),
	SCMP_SYS(statx), SCMP_SYS(access), SCMP_SYS(faccessat), SCMP_SYS(faccessat2),
	SCMP_SYS(ioctl), SCMP_SYS(prctl), SCMP_SYS(clone),
};

static unsigned int nrules;
static char *names[NAMES_MAX];

unsigned int core_seccomp_rule_count(void)
{
	return nrules;
}

/* async-signal-safe formatting for the trap line */
static size_t put_str(char *b, size_t at, size_t cap, const char *s)
{
	while (*s && at + 1 < cap)
		b[at++] = *s++;
	return at;
}

static size_t put_int(char *b, size_t at, size_t cap, long v)
{
	char tmp[24];
	int n = 0;

	if (v < 0) {
		at = put_str(b, at, cap, "-");
		v = -v;
	}
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v && n < (int)sizeof(tmp));
	while (n && at + 1 < cap)
		b[at++] = tmp[--n];
	return at;
}

static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
	char line[320], comm[17] = "?";
	struct sigaction dfl;
	sigset_t set;
	int nr = si->si_syscall;
	size_t at = 0;
	ssize_t w;

	(void)uc;
	prctl(PR_GET_NAME, comm, 0, 0, 0);
	comm[16] = '\0';
	at = put_str(line, at, sizeof(line), "spinal-core: seccomp: thread ");
	at = put_int(line, at, sizeof(line), (long)syscall(SYS_gettid));
	at = put_str(line, at, sizeof(line), " (");
	at = put_str(line, at, sizeof(line), comm);
	at = put_str(line, at, sizeof(line), ") made forbidden system call ");
	at = put_int(line, at, sizeof(line), nr);
	at = put_str(line, at, sizeof(line), " (");
	at = put_str(line, at, sizeof(line), nr >= 0 && nr < NAMES_MAX && names[nr] ? names[nr] : "?");
	at = put_str(line, at, sizeof(line),
		     "); stopping with SIGSYS.  If the call is legitimate, allow it in rtcore/seccomp.c; --seccomp=off to diagnose\n");
	w = write(STDERR_FILENO, line, at);
	(void)w;
	/* die of the signal itself, so the exit status says why */
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigaction(sig, &dfl, NULL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), sig);
	_exit(128 + sig);
}

static void resolve_names(void)
{
	int i;

	for (i = 0; i < NAMES_MAX; i++)
		if (!names[i])
			names[i] = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, i);
}

static int add(scmp_filter_ctx ctx, uint32_t act, int nr, unsigned int n, struct scmp_arg_cmp *a)
{
	int rc = seccomp_rule_add_array(ctx, act, nr, n, a);

	if (!rc)
		nrules++;
	return rc;
}

int core_seccomp_install(enum core_seccomp_mode mode, char *err, size_t errlen)
{
	uint32_t deflt = mode == CORE_SECCOMP_KILL ? SCMP_ACT_KILL_PROCESS :
			 mode == CORE_SECCOMP_LOG ? SCMP_ACT_LOG : SCMP_ACT_TRAP;
	struct scmp_arg_cmp a[1];
	scmp_filter_ctx ctx;
	unsigned int i;
	int rc = 0;

	if (mode == CORE_SECCOMP_OFF)
		return 0;
	nrules = 0;
	if (mode == CORE_SECCOMP_TRAP) {
		struct sigaction sa;

		resolve_names();
		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = on_sigsys;
		sa.sa_flags = SA_SIGINFO;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGSYS, &sa, NULL);
	}
	ctx = seccomp_init(deflt);
	if (!ctx) {
		snprintf(err, errlen, "seccomp: cannot create a filter (libseccomp)");
		return -ENOMEM;
	}
	for (i = 0; !rc && i < sizeof(allow_plain) / sizeof(allow_plain[0]); i++)
		rc = add(ctx, SCMP_ACT_ALLOW, allow_plain[i], 0, NULL);
	for (i = 0; SAN_BUILD && !rc && i < sizeof(allow_san) / sizeof(allow_san[0]); i++)
		rc = add(ctx, SCMP_ACT_ALLOW, allow_san[i], 0, NULL);
	if (!SAN_BUILD) {
		/* threads only, no new processes; clone3 hides its flags: ENOSYS -> clone */
		a[0] = SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD);
		if (!rc)
			rc = add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1, a);
		/* thread names only */
		a[0] = SCMP_A0(SCMP_CMP_EQ, PR_SET_NAME);
		if (!rc)
			rc = add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 1, a);
		a[0] = SCMP_A0(SCMP_CMP_EQ, PR_GET_NAME);
		if (!rc)
			rc = add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 1, a);
		/* stdio asks whether stdout is a terminal */
		a[0] = SCMP_A1(SCMP_CMP_EQ, TCGETS);
		if (!rc)
			rc = add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1, a);
		/* the kernel watchdog is disarmed on a clean stop (lib/wd.c) */
		a[0] = SCMP_A1(SCMP_CMP_EQ, SPINAL_WD_IOC_DISARM);
		if (!rc)
			rc = add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1, a);
	}
	if (!rc)
		rc = add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0, NULL);
	/* signals to ourselves only (abort(), the SIGSYS re-raise) */
	a[0] = SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)getpid());
	if (!rc)
		rc = add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1, a);
	if (!rc)
		rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	if (!rc)
		rc = seccomp_load(ctx);
	seccomp_release(ctx);
	if (rc) {
		snprintf(err, errlen, "seccomp: cannot install the allowlist: %s (is NoNewPrivs set on every thread?)",
			 strerror(-rc));
		return rc;
	}
	return 0;
}

#else /* !SPINAL_HAVE_SECCOMP */

unsigned int core_seccomp_rule_count(void)
{
	return 0;
}

int core_seccomp_install(enum core_seccomp_mode mode, char *err, size_t errlen)
{
	if (mode == CORE_SECCOMP_OFF)
		return 0;
	snprintf(err, errlen, "seccomp: built without libseccomp (install libseccomp-dev and rebuild) or run with --seccomp=off");
	return -ENOTSUP;
}

#endif
