// SPDX-License-Identifier: MIT
/*
 * Privilege separation: user switch, capability drop on every thread,
 * NoNewPrivs, verification from /proc, RLIMIT_RTTIME.  See privsep.h for the
 * thread model.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <spinal/stats.h>

#include "lib/host.h"
#include "rtcore/privsep.h"
#include "rtcore/rtsetup.h"

#define BCAST_MAX 256

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define PRIVSEP_SAN_BUILD 1
#else
#define PRIVSEP_SAN_BUILD 0
#endif
#define BCAST_TIMEOUT_MS 1000

enum { STEP_PRE = 1, STEP_FULL = 2 };

/* broadcast state: written by the main thread, read by handlers */
static _Atomic int bc_step;
static _Atomic int bc_err;
static atomic_uint bc_ndone;
static _Atomic pid_t bc_done[BCAST_MAX];
static _Atomic int bc_cap_last = 40;
static _Atomic(_Atomic uint32_t *) rt_safe_stop;
static atomic_ulong rttime_hits;

static pid_t my_tid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

/* One thread's part.  Async-signal-safe: raw syscalls only. */
static int thread_step(int step)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	int c, last = atomic_load(&bc_cap_last), rc = 0;

	memset(d, 0, sizeof(d));
	/* the bounding set can only shrink while CAP_SETPCAP is effective */
	if (syscall(SYS_capget, &hdr, d) == 0 && (d[0].effective & (1u << CAP_SETPCAP)))
		for (c = 0; c <= last; c++)
			prctl(PR_CAPBSET_DROP, c, 0, 0, 0);
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		rc = -errno;
	if (step == STEP_FULL) {
		memset(d, 0, sizeof(d));
		if (syscall(SYS_capset, &hdr, d) < 0)
			rc = -errno;
	}
	return rc;
}

int privsep_thread_hook(void)
{
	/* as root, keep E/P until the user switch: glibc applies setresuid() on
	 * every thread and aborts if it fails on one; the switch clears them */
	int e = errno, rc = thread_step(geteuid() == 0 ? STEP_PRE : STEP_FULL);

	errno = e;
	return rc;
}

static void on_bcast(int sig, siginfo_t *si, void *uc)
{
	int e = errno, rc;
	unsigned int i;

	(void)sig;
	(void)uc;
	/* only our own tgkill() counts; anything else is ignored */
	if (si->si_code != SI_TKILL || si->si_pid != getpid())
		return;
	rc = thread_step(atomic_load(&bc_step));
	if (rc)
		atomic_store(&bc_err, rc);
	i = atomic_fetch_add(&bc_ndone, 1);
	if (i < BCAST_MAX)
		atomic_store(&bc_done[i], my_tid());
	errno = e;
}

static void on_xcpu(int sig)
{
	_Atomic uint32_t *ss = atomic_load(&rt_safe_stop);

	(void)sig;
	atomic_fetch_add(&rttime_hits, 1);
	if (ss)
		atomic_fetch_or_explicit(ss, SPINAL_SAFE_STOP_RTTIME, memory_order_relaxed);
}

unsigned long privsep_rttime_hits(void)
{
	return atomic_load(&rttime_hits);
}

void privsep_set_safe_stop(_Atomic uint32_t *safe_stop)
{
	atomic_store(&rt_safe_stop, safe_stop);
}

static int setup_rttime(const struct privsep_cfg *cfg, char *err, size_t errlen)
{
	struct sigaction sa = { 0 };
	struct rlimit rl;

	if (!cfg->rttime_soft_us && !cfg->rttime_hard_us)
		return 0;
	sa.sa_handler = on_xcpu;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGXCPU, &sa, NULL);
	rl.rlim_cur = cfg->rttime_soft_us ? cfg->rttime_soft_us : RLIM_INFINITY;
	rl.rlim_max = cfg->rttime_hard_us ? cfg->rttime_hard_us : RLIM_INFINITY;
	if (rl.rlim_cur > rl.rlim_max)
		rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_RTTIME, &rl) < 0) {
		snprintf(err, errlen, "cannot set RLIMIT_RTTIME to %llu/%llu us: %s",
			 (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max,
			 strerror(errno));
		return -errno;
	}
	return 0;
}

int privsep_prepare(struct privsep *ps, const struct privsep_cfg *cfg, char *err, size_t errlen)
{
	struct sigaction sa = { 0 };
	struct passwd *pw = NULL;
	char buf[32];
	int rc;

	memset(ps, 0, sizeof(*ps));
	ps->cfg = *cfg;
	ps->root = geteuid() == 0;
	ps->uid = geteuid();
	ps->gid = getegid();
	ps->cap_last = 40;
	if (spinal_read_file("/proc/sys/kernel/cap_last_cap", buf, sizeof(buf)) > 0)
		ps->cap_last = atoi(buf);
	atomic_store(&bc_cap_last, ps->cap_last);
	if (ps->root) {
		const char *u = cfg->user ? cfg->user : PRIVSEP_DEFAULT_USER;

		pw = getpwnam(u);
		if (!pw && cfg->user_given) {
			snprintf(err, errlen, "--user '%s' does not exist: create it (deploy/sysusers.d/spinal.conf) or name another",
				 u);
			return -ENOENT;
		}
		if (!pw) {
			core_log("warning: user '%s' does not exist; dropping root to 'nobody' after setup (install deploy/sysusers.d/spinal.conf)",
				 u);
			pw = getpwnam("nobody");
		}
		if (!pw) {
			snprintf(err, errlen, "neither '%s' nor 'nobody' exists: cannot drop root", u);
			return -ENOENT;
		}
		ps->uid = pw->pw_uid;
		ps->gid = pw->pw_gid;
		snprintf(ps->user, sizeof(ps->user), "%s", pw->pw_name);
		/* locked memory must stay allowed once CAP_IPC_LOCK is gone (MCL_FUTURE);
		 * without CAP_SYS_RESOURCE this fails and privsep_drop() adapts */
		{
			struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };

			setrlimit(RLIMIT_MEMLOCK, &rl);
		}
	} else {
		pw = getpwuid(ps->uid);
		snprintf(ps->user, sizeof(ps->user), "%s", pw ? pw->pw_name : "?");
	}
	ps->sig = SIGRTMIN + 6;
	sa.sa_sigaction = on_bcast;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	if (sigaction(ps->sig, &sa, NULL) < 0) {
		snprintf(err, errlen, "cannot install the privilege-drop signal handler: %s",
			 strerror(errno));
		return -errno;
	}
	rc = setup_rttime(cfg, err, errlen);
	return rc;
}

static int seen(const pid_t *v, unsigned int n, pid_t t)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (v[i] == t)
			return 1;
	return 0;
}

static int list_tids(pid_t pid, pid_t *out, unsigned int max)
{
	char path[64];
	struct dirent *d;
	unsigned int n = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	dir = opendir(path);
	if (!dir)
		return -errno;
	while ((d = readdir(dir)) && n < max) {
		if (d->d_name[0] < '0' || d->d_name[0] > '9')
			continue;
		out[n++] = (pid_t)atoi(d->d_name);
	}
	closedir(dir);
	return (int)n;
}

static void thread_comm(pid_t tid, char *out, size_t len)
{
	char path[64];
	int n;

	snprintf(path, sizeof(path), "/proc/self/task/%d/comm", (int)tid);
	n = spinal_read_file(path, out, len);
	if (n <= 0)
		snprintf(out, len, "?");
	out[strcspn(out, "\n")] = '\0';
}

static int read_status(pid_t pid, pid_t tid, struct privsep_thread_state *t);

/* Run thread_step(@step) on every thread; returns how many, or -errno. */
static int broadcast(struct privsep *ps, int step, char *err, size_t errlen)
{
	pid_t sent[BCAST_MAX], tids[BCAST_MAX], self = my_tid();
	unsigned int nsent = 0, nexited = 0, i, round;
	struct timespec ms = { 0, 1000000 };
	int n, rc, waited;

	atomic_store(&bc_step, step);
	atomic_store(&bc_err, 0);
	atomic_store(&bc_ndone, 0);
	rc = thread_step(step);
	if (rc) {
		snprintf(err, errlen, "capability drop on the main thread failed: %s", strerror(-rc));
		return rc;
	}
	/* until no new thread shows up: one created meanwhile may predate our drop */
	for (round = 0; round < 16; round++) {
		unsigned int fresh = 0;

		n = list_tids(getpid(), tids, BCAST_MAX);
		if (n < 0) {
			snprintf(err, errlen, "cannot list /proc/self/task: %s", strerror(-n));
			return n;
		}
		for (i = 0; i < (unsigned int)n; i++) {
			if (tids[i] == self || seen(sent, nsent, tids[i]) || nsent >= BCAST_MAX)
				continue;
			sent[nsent++] = tids[i];
			fresh++;
			if (syscall(SYS_tgkill, getpid(), tids[i], ps->sig) < 0)
				nexited++; /* ESRCH: gone already */
		}
		if (!fresh)
			break;
		for (waited = 0; waited < BCAST_TIMEOUT_MS &&
				 atomic_load(&bc_ndone) + nexited < nsent; waited++)
			nanosleep(&ms, NULL);
		if (atomic_load(&bc_ndone) + nexited < nsent) {
			unsigned int nd = atomic_load(&bc_ndone);
			pid_t done[BCAST_MAX];
			char comm[32];

			for (i = 0; i < nd && i < BCAST_MAX; i++)
				done[i] = atomic_load(&bc_done[i]);
			for (i = 0; i < nsent; i++) {
				struct privsep_thread_state t;

				if (seen(done, nd, sent[i]) || kill(sent[i], 0) < 0)
					continue;
				/* a thread that blocks signals but ran privsep_thread_hook() */
				if (!read_status(getpid(), sent[i], &t) && t.no_new_privs == 1 && !t.amb &&
				    (step == STEP_PRE || (!t.inh && !t.prm && !t.eff)))
					continue;
				thread_comm(sent[i], comm, sizeof(comm));
				snprintf(err, errlen, "thread %d (%s) did not drop its capabilities within %d ms: it blocks signals; make it call privsep_thread_hook() at start or create it after privsep_drop()",
					 (int)sent[i], comm, BCAST_TIMEOUT_MS);
				return -ETIMEDOUT;
			}
		}
	}
	rc = atomic_load(&bc_err);
	if (rc) {
		snprintf(err, errlen, "capability drop failed on a thread: %s", strerror(-rc));
		return rc;
	}
	return (int)nsent + 1;
}

/* Bytes locked by this process (VmLck), or 0. */
static uint64_t locked_bytes(void)
{
	char buf[4096], *p;

	if (spinal_read_file("/proc/self/status", buf, sizeof(buf)) <= 0)
		return 0;
	p = strstr(buf, "VmLck:");
	return p ? strtoull(p + 6, NULL, 10) << 10 : 0;
}

/*
 * With mlockall(MCL_FUTURE), every mapping made after CAP_IPC_LOCK is gone
 * counts against RLIMIT_MEMLOCK and fails beyond it (EAGAIN: no new thread,
 * no malloc).  If the limit is finite and already exceeded, keep what is
 * locked and stop locking new mappings.
 */
static void memlock_adapt(void)
{
	struct rlimit rl;
	uint64_t locked = locked_bytes();

	if (!locked || getrlimit(RLIMIT_MEMLOCK, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY ||
	    rl.rlim_cur >= locked + (64u << 20))
		return;
	if (mlockall(MCL_CURRENT) == 0)
		core_log("warning: RLIMIT_MEMLOCK is %llu KiB (%llu KiB locked now) and cannot be raised: memory allocated after setup is not locked; set LimitMEMLOCK=infinity (docs/operator-guide.md)",
			 (unsigned long long)rl.rlim_cur >> 10, (unsigned long long)locked >> 10);
}

int privsep_drop(struct privsep *ps, char *err, size_t errlen)
{
	int rc;

	memlock_adapt();

	/* 1: bounding set (needs CAP_SETPCAP), ambient, NoNewPrivs everywhere */
	rc = broadcast(ps, STEP_PRE, err, errlen);
	if (rc < 0)
		return rc;
	/* 2: user switch; glibc applies it to every thread, the kernel then
	 *    clears permitted, effective and ambient sets (uid 0 -> non-zero) */
	if (ps->root && ps->uid != 0) {
		if (setgroups(1, &ps->gid) < 0 || setresgid(ps->gid, ps->gid, ps->gid) < 0 ||
		    setresuid(ps->uid, ps->uid, ps->uid) < 0) {
			rc = -errno;
			snprintf(err, errlen, "cannot drop root to user '%s' (uid %u): %s", ps->user,
				 (unsigned int)ps->uid, strerror(-rc));
			return rc;
		}
		if (setresuid((uid_t)-1, 0, (uid_t)-1) == 0) {
			snprintf(err, errlen, "dropped to '%s' but could regain root: refusing to run",
				 ps->user);
			return -EPERM;
		}
	} else if (ps->root) {
		core_log("warning: --user root: the core keeps uid 0 after setup (no capabilities, but root-owned files stay writable)");
	}
	/* 3: nothing left in any set, on every thread (inheritable too) */
	rc = broadcast(ps, STEP_FULL, err, errlen);
	if (rc < 0)
		return rc;
	ps->threads = (unsigned int)rc;
	/* no ptrace or /proc/<pid>/mem by a peer with the same uid; sanitizer
	 * builds stay dumpable: LeakSanitizer ptraces the process at exit */
	prctl(PR_SET_DUMPABLE, PRIVSEP_SAN_BUILD, 0, 0, 0);
	return 0;
}

static uint64_t hexval(const char *s)
{
	return strtoull(s, NULL, 16);
}

static int read_status(pid_t pid, pid_t tid, struct privsep_thread_state *t)
{
	char path[96], buf[4096], *line, *save = NULL;
	int n;

	memset(t, 0, sizeof(*t));
	t->tid = tid;
	snprintf(path, sizeof(path), "/proc/%d/task/%d/status", (int)pid, (int)tid);
	n = spinal_read_file(path, buf, sizeof(buf));
	if (n <= 0)
		return -ENOENT;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "Name:", 5))
			snprintf(t->comm, sizeof(t->comm), "%s", line + 5 + strspn(line + 5, " \t"));
		else if (!strncmp(line, "Uid:", 4))
			t->uid = (uid_t)strtoul(line + 4, NULL, 10);
		else if (!strncmp(line, "CapInh:", 7))
			t->inh = hexval(line + 7);
		else if (!strncmp(line, "CapPrm:", 7))
			t->prm = hexval(line + 7);
		else if (!strncmp(line, "CapEff:", 7))
			t->eff = hexval(line + 7);
		else if (!strncmp(line, "CapBnd:", 7))
			t->bnd = hexval(line + 7);
		else if (!strncmp(line, "CapAmb:", 7))
			t->amb = hexval(line + 7);
		else if (!strncmp(line, "NoNewPrivs:", 11))
			t->no_new_privs = atoi(line + 11);
		else if (!strncmp(line, "Seccomp:", 8))
			t->seccomp = atoi(line + 8);
	}
	return 0;
}

int privsep_verify(pid_t pid, struct privsep_thread_state *st, unsigned int max,
		   int want_seccomp, unsigned int *bad, char *why, size_t whylen)
{
	pid_t tids[BCAST_MAX];
	unsigned int i, k = 0, nbad = 0;
	int n;

	if (!pid)
		pid = getpid();
	if (why && whylen)
		why[0] = '\0';
	n = list_tids(pid, tids, BCAST_MAX);
	if (n < 0)
		return n;
	for (i = 0; i < (unsigned int)n; i++) {
		struct privsep_thread_state t;

		if (read_status(pid, tids[i], &t))
			continue; /* exited meanwhile */
		if (t.inh || t.prm || t.eff || t.amb || t.no_new_privs != 1 ||
		    (want_seccomp && t.seccomp != 2)) {
			if (!nbad && why)
				snprintf(why, whylen, "thread %d (%s): CapInh %llx CapPrm %llx CapEff %llx CapAmb %llx NoNewPrivs %d Seccomp %d",
					 (int)t.tid, t.comm, (unsigned long long)t.inh,
					 (unsigned long long)t.prm, (unsigned long long)t.eff,
					 (unsigned long long)t.amb, t.no_new_privs, t.seccomp);
			nbad++;
		}
		if (st && k < max)
			st[k] = t;
		k++;
	}
	if (bad)
		*bad = nbad;
	return (int)k;
}
