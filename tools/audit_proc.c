// SPDX-License-Identifier: MIT
/*
 * spinal-audit: what /proc says about a running core — scheduling policy and
 * priority (as chrt -p), affinity vs the isolated set, housekeeping threads,
 * locked memory, capabilities of every thread, no_new_privs.
 */
#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/audit.h"
#include "tools/audit_parse.h"
#include "tools/audit_proc.h"

int audit_find_rt_tid(int pid, const char *comm)
{
	char path[64], buf[64];
	struct dirent *d;
	DIR *dir;
	int tid = -ENOENT;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir)
		return -errno;
	while ((d = readdir(dir))) {
		char p2[128];

		if (d->d_name[0] < '0' || d->d_name[0] > '9')
			continue;
		snprintf(p2, sizeof(p2), "/proc/%d/task/%.16s/comm", pid, d->d_name);
		if (audit_read(p2, buf, sizeof(buf)) >= 0 && !strcmp(buf, comm)) {
			tid = atoi(d->d_name);
			break;
		}
	}
	closedir(dir);
	return tid;
}

int audit_task_counters(int pid, int tid, struct audit_counters *c)
{
	char path[96], buf[8192];
	struct ap_stat st;

	memset(c, 0, sizeof(*c));
	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
	if (audit_read(path, buf, sizeof(buf)) < 0 || ap_stat_parse(buf, &st))
		return -ESRCH;
	c->minflt = st.minflt;
	c->majflt = st.majflt;
	c->processor = st.processor;
	snprintf(path, sizeof(path), "/proc/%d/task/%d/status", pid, tid);
	if (audit_read(path, buf, sizeof(buf)) < 0)
		return -ESRCH;
	ap_status_u64(buf, "voluntary_ctxt_switches", &c->vol);
	ap_status_u64(buf, "nonvoluntary_ctxt_switches", &c->invol);
	snprintf(path, sizeof(path), "/proc/%d/task/%d/sched", pid, tid);
	c->have_migr = audit_read(path, buf, sizeof(buf)) >= 0 &&
		       ap_sched_u64(buf, "se.nr_migrations", &c->migrations) == 0;
	return 0;
}

static const char *policy_name(int p)
{
	switch (p) {
	case SCHED_OTHER: return "SCHED_OTHER";
	case SCHED_FIFO: return "SCHED_FIFO";
	case SCHED_RR: return "SCHED_RR";
	case SCHED_BATCH: return "SCHED_BATCH";
	case SCHED_IDLE: return "SCHED_IDLE";
	default: return "SCHED_?";
	}
}

static int affinity_set(int tid, uint8_t *set, char *list, size_t len)
{
	cpu_set_t cs;
	int i, n = 0;

	memset(set, 0, SPINAL_MAX_CPUS);
	if (sched_getaffinity(tid, sizeof(cs), &cs))
		return -errno;
	for (i = 0; i < CPU_SETSIZE && i < SPINAL_MAX_CPUS; i++)
		if (CPU_ISSET(i, &cs)) {
			set[i] = 1;
			n++;
		}
	audit_fmt_set(set, list, len);
	return n;
}

void audit_fmt_set(const uint8_t *set, char *out, size_t len)
{
	size_t o = 0;
	int i = 0, first = 1;

	out[0] = '\0';
	while (i < SPINAL_MAX_CPUS && o + 16 < len) {
		int j;

		if (!set[i]) {
			i++;
			continue;
		}
		for (j = i; j + 1 < SPINAL_MAX_CPUS && set[j + 1]; j++)
			;
		o += (size_t)snprintf(out + o, len - o, j > i ? "%s%d-%d" : "%s%d", first ? "" : ",", i, j);
		first = 0;
		i = j + 1;
	}
	if (first)
		snprintf(out, len, "none");
}

static void check_sched(struct audit_report *r, int tid, struct audit_rt_info *info)
{
	struct sched_param sp;
	struct audit_check *c;
	int pol = sched_getscheduler(tid);

	if (pol < 0 || sched_getparam(tid, &sp)) {
		audit_add(r, "sched_policy", AV_FAIL, "cannot read the policy of TID %d: %s", tid, strerror(errno));
		return;
	}
	info->policy = pol;
	info->prio = sp.sched_priority;
	if (pol == SCHED_FIFO || pol == SCHED_RR) {
		c = audit_add(r, "sched_policy", AV_PASS, "RT thread %d: %s priority %d", tid, policy_name(pol),
			      sp.sched_priority);
		if (sp.sched_priority < 50) {
			c->verdict = AV_WARN;
			audit_advise(c, "priority %d is below the usual threaded-IRQ priority (50); run spinal-core "
					"--priority 80 unless a driver thread must preempt it", sp.sched_priority);
		}
	} else {
		c = audit_add(r, "sched_policy", AV_FAIL, "RT thread %d runs %s priority %d, not SCHED_FIFO", tid,
			      policy_name(pol), sp.sched_priority);
		audit_advise(c, "give spinal-core CAP_SYS_NICE (root or AmbientCapabilities) or LimitRTPRIO=99; "
				"see spinal-audit preflight");
	}
	audit_metric(c, "priority", sp.sched_priority);
}

static void check_affinity(struct audit_report *r, int pid, int tid, const uint8_t *iso, int niso,
			   struct audit_rt_info *info)
{
	uint8_t set[SPINAL_MAX_CPUS], other[SPINAL_MAX_CPUS];
	char list[256], olist[256], path[64], bad[160] = "";
	struct audit_check *c;
	struct dirent *d;
	int n = affinity_set(tid, set, list, sizeof(list)), nbad = 0;
	DIR *dir;

	if (n < 0) {
		audit_add(r, "affinity", AV_FAIL, "cannot read the affinity of TID %d: %s", tid, strerror(-n));
		return;
	}
	info->cpu = n == 1 ? spinal_cpulist_highest(set) : -1;
	if (n != 1) {
		c = audit_add(r, "affinity", AV_FAIL, "RT thread may run on CPUs %s: not pinned", list);
		audit_advise(c, "spinal-core pins its RT thread (--cpu N); a core that cannot is misbuilt");
	} else if (niso == 0) {
		c = audit_add(r, "affinity", AV_WARN, "RT thread pinned to CPU %s; the host has no isolated CPUs", list);
		audit_advise(c, "boot with isolcpus=domain,managed_irq,%s nohz_full=%s rcu_nocbs=%s", list, list, list);
	} else if (!iso[info->cpu]) {
		c = audit_add(r, "affinity", AV_FAIL, "RT thread pinned to CPU %s, which is not isolated", list);
		audit_advise(c, "restart spinal-core with --cpu %d (an isolated CPU)", spinal_cpulist_highest(iso));
	} else {
		c = audit_add(r, "affinity", AV_PASS, "RT thread pinned to isolated CPU %s", list);
	}
	audit_metric(c, "rt_cpu", info->cpu);

	/* every other thread of the core should stay off the RT CPU */
	if (info->cpu < 0)
		return;
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir)
		return;
	while ((d = readdir(dir))) {
		int t = atoi(d->d_name);

		if (t <= 0 || t == tid || affinity_set(t, other, olist, sizeof(olist)) < 0)
			continue;
		if (other[info->cpu]) {
			size_t o = strlen(bad);

			if (o + 40 < sizeof(bad))
				snprintf(bad + o, sizeof(bad) - o, "%s%d(%.24s)", nbad ? "," : "", t, olist);
			nbad++;
		}
	}
	closedir(dir);
	if (nbad) {
		c = audit_add(r, "housekeeping", AV_WARN, "%d other core thread(s) may run on RT CPU %d: %s", nbad,
			      info->cpu, bad);
		audit_advise(c, "keep the updater and call_rcu threads on housekeeping CPUs "
				"(spinal-core sets this when more than one CPU is online)");
	} else {
		audit_add(r, "housekeeping", AV_PASS, "no other core thread may run on RT CPU %d", info->cpu);
	}
}

static void check_memory(struct audit_report *r, int pid)
{
	char path[64], st[8192];
	uint64_t lck = 0, rss = 0, nnp = 0;
	struct audit_check *c;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if (audit_read(path, st, sizeof(st)) < 0 || ap_status_u64(st, "VmLck", &lck) ||
	    ap_status_u64(st, "VmRSS", &rss)) {
		audit_add(r, "memlock", AV_SKIP, "cannot read VmLck/VmRSS of %d", pid);
		return;
	}
	if (lck == 0) {
		c = audit_add(r, "memlock", AV_FAIL, "nothing locked (VmLck 0 kB, VmRSS %llu kB): the loop can page-fault",
			      (unsigned long long)rss);
		audit_advise(c, "give spinal-core CAP_IPC_LOCK or LimitMEMLOCK=infinity so mlockall() succeeds");
	} else if (lck + lck / 10 < rss) {
		c = audit_add(r, "memlock", AV_WARN, "VmLck %llu kB < VmRSS %llu kB: part of the core is not locked",
			      (unsigned long long)lck, (unsigned long long)rss);
		audit_advise(c, "spinal-core should mlockall(MCL_CURRENT|MCL_FUTURE) before touching its memory");
	} else {
		c = audit_add(r, "memlock", AV_PASS, "VmLck %llu kB covers VmRSS %llu kB", (unsigned long long)lck,
			      (unsigned long long)rss);
	}
	audit_metric(c, "vmlck_kb", (double)lck);
	audit_metric(c, "vmrss_kb", (double)rss);

	if (ap_status_u64(st, "NoNewPrivs", &nnp)) {
		audit_add(r, "no_new_privs", AV_SKIP, "no NoNewPrivs line in /proc/%d/status", pid);
	} else if (nnp) {
		audit_add(r, "no_new_privs", AV_PASS, "NoNewPrivs 1: exec cannot regain privileges");
	} else {
		c = audit_add(r, "no_new_privs", AV_WARN, "NoNewPrivs 0");
		audit_advise(c, "spinal-core should prctl(PR_SET_NO_NEW_PRIVS, 1) after setup (or NoNewPrivileges=yes)");
	}
}

static void check_caps(struct audit_report *r, int pid)
{
	char path[96], st[8192], bad[256] = "";
	struct audit_check *c;
	struct dirent *d;
	int n = 0, nbad = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir) {
		audit_add(r, "capabilities", AV_SKIP, "cannot list %s", path);
		return;
	}
	while ((d = readdir(dir))) {
		uint64_t eff = 0, prm = 0;
		char comm[32] = "?";

		if (d->d_name[0] < '0' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%.16s/status", pid, d->d_name);
		if (audit_read(path, st, sizeof(st)) < 0)
			continue;
		n++;
		ap_status_field(st, "Name", comm, sizeof(comm));
		ap_status_caps(st, "CapEff", &eff);
		ap_status_caps(st, "CapPrm", &prm);
		if (eff || prm) {
			size_t o = strlen(bad);

			if (o + 60 < sizeof(bad))
				snprintf(bad + o, sizeof(bad) - o, "%s%.16s/%.16s eff=%llx", nbad ? ", " : "", d->d_name,
					 comm, (unsigned long long)eff);
			nbad++;
		}
	}
	closedir(dir);
	if (nbad) {
		c = audit_add(r, "capabilities", AV_FAIL, "%d of %d threads still hold capabilities after setup: %s",
			      nbad, n, bad);
		audit_advise(c, "spinal-core should drop all capabilities (cap_set_proc with an empty set, "
				"then PR_SET_NO_NEW_PRIVS) once it is locked, pinned and SCHED_FIFO");
	} else {
		c = audit_add(r, "capabilities", AV_PASS, "none of %d threads holds a capability", n);
	}
	audit_metric(c, "threads", n);
	audit_metric(c, "threads_with_caps", nbad);
}

void audit_proc_checks(struct audit_report *r, int pid, int tid, struct audit_rt_info *info)
{
	uint8_t iso[SPINAL_MAX_CPUS];
	int niso = audit_isolated_set(iso);

	check_sched(r, tid, info);
	check_affinity(r, pid, tid, iso, niso, info);
	check_memory(r, pid);
	check_caps(r, pid);
}
