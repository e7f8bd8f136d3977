// SPDX-License-Identifier: MIT
/*
 * spinal-audit preflight: is this host ready for a hard-real-time loop?
 * Each check reads /proc or /sys (or probes the one thing that can only be
 * known by trying: SCHED_FIFO and mlock), says what is true and what to change.
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <zlib.h>

#include "tools/audit.h"
#include "tools/audit_parse.h"
#include "tools/audit_proc.h"

#define CAP_IPC_LOCK_BIT 14
#define CAP_SYS_NICE_BIT 23

int audit_read(const char *path, char *buf, size_t len)
{
	int n = spinal_read_file(path, buf, len);

	if (n >= 0)
		ap_chomp(buf);
	else if (len)
		buf[0] = '\0';
	return n;
}

static void cmdline(char *buf, size_t len)
{
	if (audit_read("/proc/cmdline", buf, len) < 0)
		buf[0] = '\0';
}

int audit_isolated_set(uint8_t *set)
{
	uint8_t tmp[SPINAL_MAX_CPUS];
	char buf[4096], val[512];
	int i, n = 0;

	memset(set, 0, SPINAL_MAX_CPUS);
	if (audit_read("/sys/devices/system/cpu/isolated", buf, sizeof(buf)) >= 0 &&
	    spinal_cpulist_parse(buf, tmp) > 0)
		memcpy(set, tmp, SPINAL_MAX_CPUS);
	cmdline(buf, sizeof(buf));
	if (ap_cmdline_get(buf, "isolcpus", val, sizeof(val)) > 0 &&
	    ap_isolcpus_parse(val, tmp) > 0)
		for (i = 0; i < SPINAL_MAX_CPUS; i++)
			set[i] |= tmp[i];
	for (i = 0; i < SPINAL_MAX_CPUS; i++)
		n += set[i];
	return n;
}

int audit_online_set(uint8_t *set)
{
	char buf[4096];
	int n = audit_read("/sys/devices/system/cpu/online", buf, sizeof(buf));

	if (n < 0)
		return n;
	return spinal_cpulist_parse(buf, set);
}

static void check_kernel(struct audit_report *r)
{
	char rt[16];
	struct utsname u;
	int have = audit_read("/sys/kernel/realtime", rt, sizeof(rt)) >= 0;
	struct audit_check *c;

	if (uname(&u) < 0)
		u.version[0] = u.release[0] = '\0';
	if (spinal_kernel_is_rt(have ? rt : NULL, u.version)) {
		audit_add(r, "kernel_rt", AV_PASS, "PREEMPT_RT kernel %s (%s%s)", u.release,
			  have ? "/sys/kernel/realtime=" : "uname -v: ", have ? rt : u.version);
		return;
	}
	c = audit_add(r, "kernel_rt", AV_FAIL,
		      "kernel %s is not PREEMPT_RT (/sys/kernel/realtime %s, uname -v \"%s\")",
		      u.release, have ? rt : "absent", u.version);
	audit_advise(c, "boot a PREEMPT_RT kernel (Debian: apt install linux-image-rt-amd64; "
			"mainline >= 6.12: CONFIG_PREEMPT_RT=y); until then worst-case latency is unbounded");
}

static void check_isolation(struct audit_report *r, const uint8_t *iso, int rt_cpu)
{
	char buf[4096], list[256], val[512];
	uint8_t set[SPINAL_MAX_CPUS];
	struct audit_check *c;
	int n = 0, i;

	for (i = 0; i < SPINAL_MAX_CPUS; i++)
		n += iso[i];
	audit_fmt_set(iso, list, sizeof(list));
	if (n == 0) {
		c = audit_add(r, "isolated_cpus", AV_WARN,
			      "no isolated CPUs (/sys/devices/system/cpu/isolated empty, no isolcpus=); "
			      "the RT thread (CPU %d) shares its CPU with everything else", rt_cpu);
		audit_advise(c, "add isolcpus=domain,managed_irq,%d nohz_full=%d rcu_nocbs=%d to "
				"GRUB_CMDLINE_LINUX in /etc/default/grub, run update-grub, reboot; "
				"then spinal-core picks CPU %d", rt_cpu, rt_cpu, rt_cpu, rt_cpu);
	} else if (!iso[rt_cpu]) {
		c = audit_add(r, "isolated_cpus", AV_WARN, "isolated CPUs %s, but the RT CPU %d is not one of them",
			      list, rt_cpu);
		audit_advise(c, "run spinal-core --cpu %d (an isolated CPU)", spinal_cpulist_highest(iso));
	} else {
		audit_add(r, "isolated_cpus", AV_PASS, "isolated CPUs %s; RT CPU %d is isolated", list, rt_cpu);
	}
	c = &r->c[r->n - 1];
	audit_metric(c, "isolated_count", n);
	audit_metric(c, "rt_cpu", rt_cpu);

	/* nohz_full */
	if (audit_read("/sys/devices/system/cpu/nohz_full", buf, sizeof(buf)) < 0) {
		c = audit_add(r, "nohz_full", AV_WARN,
			      "kernel without CONFIG_NO_HZ_FULL (/sys/devices/system/cpu/nohz_full absent): "
			      "the scheduler tick interrupts CPU %d every jiffy", rt_cpu);
		audit_advise(c, "use a kernel built with CONFIG_NO_HZ_FULL=y (Debian's -rt kernels are) "
				"and boot with nohz_full=%d", rt_cpu);
	} else if (ap_nohz_full_parse(buf, set) <= 0 || !set[rt_cpu]) {
		c = audit_add(r, "nohz_full", AV_WARN, "nohz_full=%s does not include RT CPU %d",
			      buf[0] ? buf : "(null)", rt_cpu);
		audit_advise(c, "boot with nohz_full=%d so the tick stops while the RT thread runs alone", rt_cpu);
	} else {
		audit_add(r, "nohz_full", AV_PASS, "nohz_full=%s includes CPU %d", buf, rt_cpu);
	}

	/* rcu_nocbs */
	cmdline(buf, sizeof(buf));
	if (ap_cmdline_get(buf, "rcu_nocbs", val, sizeof(val)) > 0 &&
	    (val[0] == '\0' || val[0] == 'a' || (spinal_cpulist_parse(val, set) > 0 && set[rt_cpu]))) {
		audit_add(r, "rcu_nocbs", AV_PASS, "rcu_nocbs=%s covers CPU %d", val[0] ? val : "(all)", rt_cpu);
	} else if (ap_cmdline_get(buf, "nohz_full", val, sizeof(val)) > 0 &&
		   spinal_cpulist_parse(val, set) > 0 && set[rt_cpu]) {
		audit_add(r, "rcu_nocbs", AV_PASS, "nohz_full=%s implies rcu_nocbs for CPU %d", val, rt_cpu);
	} else {
		c = audit_add(r, "rcu_nocbs", AV_WARN, "RCU callbacks may run on CPU %d (no rcu_nocbs= on the command line)",
			      rt_cpu);
		audit_advise(c, "boot with rcu_nocbs=%d (and rcu_nocb_poll) so RCU callbacks run on housekeeping CPUs",
			     rt_cpu);
	}
}

static void check_rt_throttling(struct audit_report *r)
{
	char rt[32], per[32];
	struct audit_check *c;
	long runtime;

	if (audit_read("/proc/sys/kernel/sched_rt_runtime_us", rt, sizeof(rt)) < 0) {
		audit_add(r, "rt_throttling", AV_SKIP, "/proc/sys/kernel/sched_rt_runtime_us unreadable");
		return;
	}
	audit_read("/proc/sys/kernel/sched_rt_period_us", per, sizeof(per));
	runtime = strtol(rt, NULL, 10);
	if (runtime < 0) {
		audit_add(r, "rt_throttling", AV_PASS, "RT throttling off (sched_rt_runtime_us=-1)");
		return;
	}
	c = audit_add(r, "rt_throttling", AV_WARN,
		      "RT throttling on: SCHED_FIFO threads get %s us per %s us, then are stopped",
		      rt, per);
	audit_advise(c, "sysctl -w kernel.sched_rt_runtime_us=-1 (persist in /etc/sysctl.d/); "
			"spinal's overrun stop and watchdog then bound a runaway loop");
	audit_metric(c, "sched_rt_runtime_us", (double)runtime);
}

static int kconfig_has(const char *sym)
{
	char path[128], line[256];
	struct utsname u;
	size_t n = strlen(sym);
	gzFile gz;
	FILE *f;
	int found = -1;

	gz = gzopen("/proc/config.gz", "rb");
	if (gz) {
		found = 0;
		while (gzgets(gz, line, sizeof(line)))
			if (!strncmp(line, sym, n) && !strncmp(line + n, "=y", 2))
				found = 1;
		gzclose(gz);
		return found;
	}
	if (uname(&u) < 0)
		return -1;
	snprintf(path, sizeof(path), "/boot/config-%s", u.release);
	f = fopen(path, "r");
	if (!f)
		return -1;
	found = 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, sym, n) && !strncmp(line + n, "=y", 2))
			found = 1;
	fclose(f);
	return found;
}

static void *probe_thread(void *arg)
{
	return arg;
}

/* Can this process create a SCHED_FIFO thread?  0 or a positive errno. */
static int probe_fifo(void)
{
	struct sched_param sp = { .sched_priority = 1 };
	pthread_attr_t a;
	pthread_t t;
	int err;

	pthread_attr_init(&a);
	pthread_attr_setinheritsched(&a, PTHREAD_EXPLICIT_SCHED);
	pthread_attr_setschedpolicy(&a, SCHED_FIFO);
	pthread_attr_setschedparam(&a, &sp);
	err = pthread_create(&t, &a, probe_thread, NULL);
	pthread_attr_destroy(&a);
	if (!err)
		pthread_join(t, NULL);
	return err;
}

static void check_fifo(struct audit_report *r)
{
	char cg[4096], path[512], val[64], file[700];
	int grp = kconfig_has("CONFIG_RT_GROUP_SCHED"), err = probe_fifo();
	struct audit_check *c;
	long rtrun = -2;

	if (grp == 1 && audit_read("/proc/self/cgroup", cg, sizeof(cg)) >= 0 &&
	    ap_cgroup_cpu_path(cg, path, sizeof(path)) > 0) {
		static const char *const mnt[] = { "cpu", "cpu,cpuacct", "cpuacct,cpu" };
		unsigned int i;

		for (i = 0; i < 3 && rtrun == -2; i++) {
			snprintf(file, sizeof(file), "/sys/fs/cgroup/%s%s/cpu.rt_runtime_us", mnt[i],
				 strcmp(path, "/") ? path : "");
			if (audit_read(file, val, sizeof(val)) >= 0)
				rtrun = strtol(val, NULL, 10);
		}
	}
	if (!err) {
		c = audit_add(r, "sched_fifo", AV_PASS,
			      "SCHED_FIFO thread created (RT group scheduling %s%s)",
			      grp == 1 ? "compiled in" : grp == 0 ? "off" : "unknown",
			      rtrun >= 0 ? ", this cgroup has RT runtime" : "");
		if (rtrun >= 0)
			audit_metric(c, "cgroup_rt_runtime_us", (double)rtrun);
		return;
	}
	if (grp == 1 && rtrun == 0) {
		c = audit_add(r, "sched_fifo", AV_FAIL,
			      "SCHED_FIFO fails with %s: CONFIG_RT_GROUP_SCHED and this cgroup's cpu.rt_runtime_us is 0",
			      strerror(err));
		audit_advise(c, "give the service's cgroup RT time (echo 950000 > %s) or use a kernel "
				"without RT group scheduling", file);
		return;
	}
	c = audit_add(r, "sched_fifo", AV_FAIL, "SCHED_FIFO fails with %s (RT group scheduling %s)",
		      strerror(err), grp == 1 ? "compiled in" : grp == 0 ? "off" : "unknown");
	audit_advise(c, "run spinal-core with CAP_SYS_NICE (root, or AmbientCapabilities=CAP_SYS_NICE) or "
			"raise RLIMIT_RTPRIO (LimitRTPRIO=99)%s",
		     grp == 1 ? "; with RT group scheduling also give the cgroup cpu.rt_runtime_us" : "");
}

static void check_memlock_caps(struct audit_report *r)
{
	char status[8192];
	uint64_t eff = 0, prm = 0;
	struct audit_check *c;
	struct rlimit rl;
	size_t len = 1 << 20;
	void *buf;
	int locked = 0, capok;

	if (audit_read("/proc/self/status", status, sizeof(status)) >= 0) {
		ap_status_caps(status, "CapEff", &eff);
		ap_status_caps(status, "CapPrm", &prm);
	}
	getrlimit(RLIMIT_MEMLOCK, &rl);
	buf = malloc(len);
	if (buf && mlock(buf, len) == 0) {
		locked = 1;
		munlock(buf, len);
	}
	free(buf);
	if (rl.rlim_cur == RLIM_INFINITY || (prm >> CAP_IPC_LOCK_BIT & 1)) {
		c = audit_add(r, "memlock", AV_PASS, "can lock all memory (%s)",
			      rl.rlim_cur == RLIM_INFINITY ? "RLIMIT_MEMLOCK unlimited" : "CAP_IPC_LOCK");
	} else {
		c = audit_add(r, "memlock", locked ? AV_WARN : AV_FAIL,
			      "RLIMIT_MEMLOCK is %llu KiB and no CAP_IPC_LOCK: mlockall() of the core will fail",
			      (unsigned long long)rl.rlim_cur / 1024);
		audit_advise(c, "run spinal-core with CAP_IPC_LOCK, or LimitMEMLOCK=infinity (systemd) / "
				"'@spinal - memlock unlimited' in /etc/security/limits.d/");
	}
	audit_metric(c, "rlimit_memlock_kib",
		     rl.rlim_cur == RLIM_INFINITY ? -1.0 : (double)rl.rlim_cur / 1024);

	capok = (prm >> CAP_SYS_NICE_BIT & 1) && (prm >> CAP_IPC_LOCK_BIT & 1);
	if (capok) {
		audit_add(r, "capabilities", AV_PASS,
			  "this user has CAP_SYS_NICE and CAP_IPC_LOCK (CapPrm %016llx) to start spinal-core",
			  (unsigned long long)prm);
	} else {
		c = audit_add(r, "capabilities", AV_WARN,
			      "this user lacks %s%s (CapPrm %016llx); run preflight as the service that starts spinal-core",
			      prm >> CAP_SYS_NICE_BIT & 1 ? "" : "CAP_SYS_NICE ",
			      prm >> CAP_IPC_LOCK_BIT & 1 ? "" : "CAP_IPC_LOCK", (unsigned long long)prm);
		audit_advise(c, "start spinal-core as root or with AmbientCapabilities=CAP_SYS_NICE CAP_IPC_LOCK "
				"(it drops them after setup)");
	}
}

static void check_cpu(struct audit_report *r, const uint8_t *iso, int rt_cpu)
{
	char path[160], buf[256];
	uint8_t set[SPINAL_MAX_CPUS];
	struct audit_check *c;
	int i, sib = -1;

	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/cpufreq/scaling_governor", rt_cpu);
	if (audit_read(path, buf, sizeof(buf)) < 0) {
		audit_add(r, "cpufreq", AV_INFO, "no cpufreq on CPU %d (fixed frequency, or a VM): nothing to tune",
			  rt_cpu);
	} else if (ap_governor_class(buf) == AP_GOOD) {
		audit_add(r, "cpufreq", AV_PASS, "CPU %d governor is performance", rt_cpu);
	} else {
		c = audit_add(r, "cpufreq", AV_WARN, "CPU %d governor is %s: frequency ramps add latency",
			      rt_cpu, buf);
		audit_advise(c, "cpupower frequency-set -g performance (or echo performance > %s)", path);
	}

	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/topology/thread_siblings_list", rt_cpu);
	if (audit_read(path, buf, sizeof(buf)) < 0 || spinal_cpulist_parse(buf, set) < 0) {
		audit_add(r, "smt", AV_SKIP, "cannot read %s", path);
		return;
	}
	for (i = 0; i < SPINAL_MAX_CPUS; i++)
		if (set[i] && i != rt_cpu)
			sib = i;
	if (sib < 0) {
		audit_add(r, "smt", AV_PASS, "CPU %d has no SMT sibling", rt_cpu);
	} else if (iso[sib]) {
		audit_add(r, "smt", AV_PASS, "CPU %d's SMT sibling %d is isolated too (keep it idle)", rt_cpu, sib);
	} else {
		c = audit_add(r, "smt", AV_WARN, "CPU %d shares its core with CPU %d (siblings %s), which runs other work",
			      rt_cpu, sib, buf);
		audit_advise(c, "isolate CPU %d as well and leave it idle, or take it offline "
				"(echo 0 > /sys/devices/system/cpu/cpu%d/online), or boot with nosmt",
			     sib, sib);
	}
}

static void check_irqs(struct audit_report *r, int rt_cpu)
{
	char path[300], buf[512], names[160] = "";
	uint8_t set[SPINAL_MAX_CPUS];
	struct audit_check *c;
	struct dirent *d;
	int n = 0, total = 0;
	DIR *dir = opendir("/proc/irq");

	if (!dir) {
		audit_add(r, "irq_affinity", AV_SKIP, "cannot read /proc/irq: %s", strerror(errno));
		return;
	}
	while ((d = readdir(dir))) {
		if (d->d_name[0] < '0' || d->d_name[0] > '9')
			continue;
		total++;
		snprintf(path, sizeof(path), "/proc/irq/%s/effective_affinity_list", d->d_name);
		if (audit_read(path, buf, sizeof(buf)) < 0) {
			snprintf(path, sizeof(path), "/proc/irq/%s/smp_affinity_list", d->d_name);
			if (audit_read(path, buf, sizeof(buf)) < 0)
				continue;
		}
		if (spinal_cpulist_parse(buf, set) > 0 && set[rt_cpu]) {
			size_t o = strlen(names);

			if (n < 12 && o + 8 < sizeof(names))
				snprintf(names + o, sizeof(names) - o, "%s%.12s", n ? "," : "", d->d_name);
			n++;
		}
	}
	closedir(dir);
	if (n == 0) {
		c = audit_add(r, "irq_affinity", AV_PASS, "no device IRQ is delivered to CPU %d (%d IRQs checked)",
			      rt_cpu, total);
	} else {
		c = audit_add(r, "irq_affinity", AV_WARN, "%d of %d IRQs are delivered to CPU %d (%s%s)", n, total,
			      rt_cpu, names, n > 12 ? ",..." : "");
		audit_advise(c, "steer IRQs to housekeeping CPUs: irqaffinity=<others> and isolcpus=managed_irq,%d "
				"on the command line, or echo <others> > /proc/irq/N/smp_affinity_list; "
				"with irqbalance set IRQBALANCE_BANNED_CPULIST=%d", rt_cpu, rt_cpu);
	}
	audit_metric(c, "irqs_on_rt_cpu", n);
}

static void check_clocksource(struct audit_report *r)
{
	char cur[64], avail[256];
	struct audit_check *c;
	int cls;

	if (audit_read("/sys/devices/system/clocksource/clocksource0/current_clocksource", cur, sizeof(cur)) < 0) {
		audit_add(r, "clocksource", AV_SKIP, "cannot read the current clock source");
		return;
	}
	audit_read("/sys/devices/system/clocksource/clocksource0/available_clocksource", avail, sizeof(avail));
	cls = ap_clocksource_class(cur);
	if (cls == AP_GOOD) {
		audit_add(r, "clocksource", AV_PASS, "clock source %s (read in user space via the vDSO)", cur);
		return;
	}
	c = audit_add(r, "clocksource", cls == AP_BAD ? AV_FAIL : AV_WARN,
		      "clock source %s (available: %s)%s", cur, avail,
		      cls == AP_MEH ? ": slower reads or a virtualised clock" : "");
	audit_advise(c, "prefer tsc: boot with clocksource=tsc tsc=reliable if the TSC is invariant "
			"(see 'dmesg | grep -i clocksource' for why it was not chosen)");
}

void audit_preflight(struct audit_report *r, int rt_cpu)
{
	uint8_t iso[SPINAL_MAX_CPUS], online[SPINAL_MAX_CPUS];
	struct utsname u;
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	r->mode = "preflight";
	if (uname(&u) < 0)
		u.nodename[0] = u.release[0] = '\0';
	audit_isolated_set(iso);
	if (audit_online_set(online) <= 0) {
		memset(online, 0, sizeof(online));
		online[0] = 1;
	}
	if (rt_cpu < 0)
		rt_cpu = spinal_cpulist_highest(iso) >= 0 ? spinal_cpulist_highest(iso)
							  : (int)(n > 0 ? n - 1 : 0);
	snprintf(r->subject, sizeof(r->subject), "host %s, Linux %s, %ld CPUs, RT CPU %d", u.nodename,
		 u.release, n, rt_cpu);
	check_kernel(r);
	check_isolation(r, iso, rt_cpu);
	check_rt_throttling(r);
	check_fifo(r);
	check_memlock_caps(r);
	check_cpu(r, iso, rt_cpu);
	check_irqs(r, rt_cpu);
	check_clocksource(r);
}
