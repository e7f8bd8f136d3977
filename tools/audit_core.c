// SPDX-License-Identifier: MIT
/*
 * spinal-audit against a running core: find it, read /proc, measure one window
 * with perf + cyclictest + the core's own wake histogram side by side, then a
 * second window under strace, and judge each finding.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/histexport.h"
#include "tools/audit.h"
#include "tools/audit_proc.h"
#include "tools/audit_tools.h"

#define CT_ROWS_US 10000 /* cyclictest -h: 10 ms of 1 us rows */

struct window {
	struct audit_counters c0, c1;
	struct spinal_hist_snap w0, w1, wake;   /* core wake stage */
	struct spinal_hist_snap ct;             /* cyclictest */
	struct spinal_histexport_info ct_info;
	uint64_t ticks, overruns;
	struct audit_perf perf;
	int have_perf, have_ct, ct_cpu;
	char ct_err[256], perf_err[256];
};

static pid_t start_perf(const char *dir, int tid, double w, char *err, size_t errlen)
{
	char out[128], t[16], dur[32];
	char *argv[] = { "perf", "stat", "-x,", "-o", out, "-e",
			 "minor-faults,major-faults,context-switches,cpu-migrations",
			 "-t", t, "--", "sleep", dur, NULL };
	pid_t pid;

	snprintf(out, sizeof(out), "%s/perf.csv", dir);
	snprintf(t, sizeof(t), "%d", tid);
	snprintf(dur, sizeof(dur), "%.3f", w);
	pid = audit_spawn(argv, NULL, NULL);
	if (pid < 0)
		snprintf(err, errlen, "cannot run perf: %s", strerror((int)-pid));
	return pid;
}

/* A CPU of the same class (isolated or not) as @rt_cpu, other than it if possible. */
static int pick_ct_cpu(int rt_cpu)
{
	uint8_t iso[SPINAL_MAX_CPUS], on[SPINAL_MAX_CPUS];
	int i, want;

	audit_isolated_set(iso);
	if (audit_online_set(on) <= 0 || rt_cpu < 0)
		return rt_cpu < 0 ? 0 : rt_cpu;
	want = iso[rt_cpu];
	for (i = SPINAL_MAX_CPUS - 1; i >= 0; i--)
		if (on[i] && iso[i] == want && i != rt_cpu)
			return i;
	return rt_cpu;
}

static pid_t start_cyclictest(const char *dir, const struct audit_rt_info *rt, uint32_t period_ns,
			      double w, int cpu, char *err, size_t errlen)
{
	char hist[160], prio[16], intv[16], loops[32], aff[16], h[16], hf[200];
	char *argv[] = { "cyclictest", "-m", "-q", "-p", prio, "-i", intv, "-l", loops,
			 "-a", aff, "-h", h, hf, NULL };
	unsigned long long n = (unsigned long long)(w * 1e9 / (double)period_ns);
	pid_t pid;

	snprintf(hist, sizeof(hist), "%s/cyclictest.hist", dir);
	snprintf(hf, sizeof(hf), "--histfile=%s", hist);
	snprintf(prio, sizeof(prio), "%d", rt->policy == 0 ? 0 : rt->prio);
	snprintf(intv, sizeof(intv), "%u", (period_ns + 500) / 1000);
	snprintf(loops, sizeof(loops), "%llu", n ? n : 1);
	snprintf(aff, sizeof(aff), "%d", cpu);
	snprintf(h, sizeof(h), "%d", CT_ROWS_US);
	pid = audit_spawn(argv, NULL, NULL);
	if (pid < 0)
		snprintf(err, errlen, "cannot run cyclictest: %s", strerror((int)-pid));
	return pid;
}

static void measure(const struct audit_opts *o, const struct audit_core_map *m, int pid, int tid,
		    const struct audit_rt_info *rt, const char *dir, struct window *win)
{
	uint32_t period = m->hdr->period_ns ? m->hdr->period_ns : 1000000;
	uint64_t t0, t1, or0, or1;
	pid_t perf = -1, ct = -1;
	char path[160];
	FILE *f;

	win->ct_cpu = pick_ct_cpu(rt->cpu);
	if (!o->no_perf && audit_have_tool("perf"))
		perf = start_perf(dir, tid, o->window_s, win->perf_err, sizeof(win->perf_err));
	else
		snprintf(win->perf_err, sizeof(win->perf_err), o->no_perf ? "--no-perf" : "perf not installed");
	if (!o->no_cyclictest && audit_have_tool("cyclictest"))
		ct = start_cyclictest(dir, rt, period, o->window_s, win->ct_cpu, win->ct_err, sizeof(win->ct_err));
	else
		snprintf(win->ct_err, sizeof(win->ct_err), o->no_cyclictest ? "--no-cyclictest" :
			 "cyclictest not installed (package rt-tests)");
	audit_task_counters(pid, tid, &win->c0);
	spinal_hist_snapshot(&m->stats->stage[SPINAL_STAGE_WAKE], &win->w0);
	t0 = atomic_load_explicit(&m->stats->ticks, memory_order_relaxed);
	or0 = atomic_load_explicit(&m->stats->overruns, memory_order_relaxed);
	audit_sleep(o->window_s);
	spinal_hist_snapshot(&m->stats->stage[SPINAL_STAGE_WAKE], &win->w1);
	t1 = atomic_load_explicit(&m->stats->ticks, memory_order_relaxed);
	or1 = atomic_load_explicit(&m->stats->overruns, memory_order_relaxed);
	audit_task_counters(pid, tid, &win->c1);
	spinal_hist_diff(&win->w1, &win->w0, &win->wake);
	win->ticks = t1 - t0;
	win->overruns = or1 - or0;

	if (perf > 0) {
		int st = audit_wait(perf, o->window_s + 10);

		snprintf(path, sizeof(path), "%s/perf.csv", dir);
		if (st == 0 && audit_perf_parse(path, &win->perf) == 0)
			win->have_perf = 1;
		else
			snprintf(win->perf_err, sizeof(win->perf_err), "perf stat -t %d failed (exit %d); "
				 "perf_event_paranoid or a kernel without perf events", tid, st);
	}
	if (ct > 0) {
		int st = audit_wait(ct, o->window_s + 15);

		snprintf(path, sizeof(path), "%s/cyclictest.hist", dir);
		f = st == 0 ? fopen(path, "r") : NULL;
		if (f && spinal_histfile_parse(f, &win->ct, 1, &win->ct_info) == 1)
			win->have_ct = 1;
		else
			snprintf(win->ct_err, sizeof(win->ct_err), "cyclictest failed (exit %d)%s", st,
				 st == 0 ? ": unreadable histogram" : "");
		if (f)
			fclose(f);
	}
}

static void judge_counters(struct audit_report *r, const struct audit_opts *o, struct window *w)
{
	uint64_t minf = w->c1.minflt - w->c0.minflt, majf = w->c1.majflt - w->c0.majflt;
	uint64_t vol = w->c1.vol - w->c0.vol, invol = w->c1.invol - w->c0.invol;
	uint64_t migr = w->c1.migrations - w->c0.migrations;
	const char *src = "/proc";
	struct audit_check *c;

	if (w->have_perf && w->perf.ok_flt == 2) {
		minf = w->perf.minflt;
		majf = w->perf.majflt;
		src = "perf stat";
	}
	if (minf + majf == 0) {
		c = audit_add(r, "faults", AV_PASS, "no page faults in the RT thread over %.1f s (%s)", o->window_s, src);
	} else {
		c = audit_add(r, "faults", AV_FAIL, "%llu minor + %llu major page faults in the RT thread over %.1f s (%s)",
			      (unsigned long long)minf, (unsigned long long)majf, o->window_s, src);
		audit_advise(c, "the loop touches memory it did not prefault: allocation or new stack/heap pages "
				"after setup; the RT thread must not allocate (mlockall + prefault at start)");
	}
	audit_metric(c, "minor_faults", (double)minf);
	audit_metric(c, "major_faults", (double)majf);

	/* one voluntary switch per tick is the periodic sleep itself */
	if (vol > w->ticks + w->ticks / 10 + 2) {
		c = audit_add(r, "ctxsw", AV_FAIL, "%llu voluntary context switches for %llu ticks: the RT thread blocks "
			      "outside its clock_nanosleep", (unsigned long long)vol, (unsigned long long)w->ticks);
		audit_advise(c, "look at the syscalls check; a lock, a blocking write or a page fault puts it to sleep");
	} else if (invol) {
		c = audit_add(r, "ctxsw", AV_WARN, "%llu involuntary context switches (preempted) over %llu ticks",
			      (unsigned long long)invol, (unsigned long long)w->ticks);
		audit_advise(c, "something of equal or higher priority shares the RT CPU: isolate it "
				"(isolcpus, irqaffinity) and check the priority of threaded IRQs (ps -eLo rtprio,comm)");
	} else {
		c = audit_add(r, "ctxsw", AV_PASS, "%llu voluntary (one per tick: %llu ticks) and 0 involuntary context switches",
			      (unsigned long long)vol, (unsigned long long)w->ticks);
	}
	audit_metric(c, "voluntary", (double)vol);
	audit_metric(c, "involuntary", (double)invol);
	audit_metric(c, "ticks", (double)w->ticks);
	if (w->have_perf && w->perf.ok_cs)
		audit_metric(c, "perf_context_switches", (double)w->perf.ctxsw);

	if (w->have_perf && w->perf.ok_migr)
		migr = w->perf.migrations;
	else if (!w->c0.have_migr)
		migr = (uint64_t)(w->c1.processor != w->c0.processor);
	if (migr) {
		c = audit_add(r, "migrations", AV_FAIL, "RT thread migrated %llu times between CPUs",
			      (unsigned long long)migr);
		audit_advise(c, "pin it to one CPU (spinal-core --cpu N)");
	} else {
		c = audit_add(r, "migrations", AV_PASS, "no CPU migrations (%s)",
			      w->have_perf && w->perf.ok_migr ? "perf stat" : "/proc");
	}
	audit_metric(c, "migrations", (double)migr);
	if (!w->have_perf)
		audit_add(r, "perf", AV_INFO, "perf stat unavailable (%s); counters from /proc/TID/{stat,status,sched}",
			  w->perf_err);

	if (w->overruns) {
		c = audit_add(r, "overruns", AV_WARN, "%llu overruns in %llu ticks during the window",
			      (unsigned long long)w->overruns, (unsigned long long)w->ticks);
		audit_advise(c, "the tick's work ended after the next wake: see the stage histograms "
				"(spinal-audit hist) and the latency check");
	} else {
		c = audit_add(r, "overruns", AV_PASS, "0 overruns in %llu ticks", (unsigned long long)w->ticks);
	}
	audit_metric(c, "overruns", (double)w->overruns);
	if (w->ticks == 0) {
		c = audit_add(r, "ticking", AV_FAIL, "the core did not tick during the window");
		audit_advise(c, "is the core stopped or stalled? spinal-inspect --name %s", o->name);
	}
}

static double us(uint64_t ns)
{
	return (double)ns / 1000.0;
}

static void judge_latency(struct audit_report *r, const struct audit_opts *o, struct window *w,
			  uint32_t period_ns)
{
	static const double q[] = { 0.5, 0.99, 0.999, 1.0 };
	static const char *const qn[] = { "p50", "p99", "p99.9", "max" };
	uint64_t core[4], ct[4];
	char line[400];
	size_t off = 0;
	struct audit_check *c;
	int i, v;

	if (!w->have_ct) {
		audit_add(r, "latency", AV_SKIP, "no cyclictest baseline: %s", w->ct_err);
		return;
	}
	for (i = 0; i < 4; i++) {
		core[i] = spinal_hist_quantile(&w->wake, q[i]);
		ct[i] = spinal_hist_quantile(&w->ct, q[i]);
		off += (size_t)snprintf(line + off, sizeof(line) - off, "%s%s %.1f/%.1f us (x%.2f)", i ? ", " : "",
					qn[i], us(core[i]), us(ct[i]), ct[i] ? (double)core[i] / (double)ct[i] : 0.0);
	}
	if (core[1] > period_ns)
		v = AV_FAIL;
	else if ((double)core[1] <= o->lat_ratio * (double)ct[1] ||
		 us(core[1]) <= us(ct[1]) + o->lat_slack_us)
		v = AV_PASS;
	else
		v = AV_WARN;
	c = audit_add(r, "latency", v, "core wake lateness vs cyclictest (CPU %d) over %llu/%llu samples: %s", w->ct_cpu,
		      (unsigned long long)w->wake.count, (unsigned long long)w->ct.count, line);
	if (v == AV_FAIL)
		audit_advise(c, "p99 lateness exceeds the period (%u us): the host cannot hold this rate; "
				"see spinal-audit preflight", period_ns / 1000);
	else if (v == AV_WARN)
		audit_advise(c, "the core wakes later than a bare cyclictest on this host: check the ctxsw, "
				"faults and housekeeping checks, and IRQs on the RT CPU");
	for (i = 0; i < 4; i++) {
		char k[32];

		snprintf(k, sizeof(k), "core_%s_us", i == 2 ? "p999" : qn[i]);
		audit_metric(c, k, us(core[i]));
		snprintf(k, sizeof(k), "cyclictest_%s_us", i == 2 ? "p999" : qn[i]);
		audit_metric(c, k, us(ct[i]));
		snprintf(k, sizeof(k), "ratio_%s", i == 2 ? "p999" : qn[i]);
		audit_metric(c, k, ct[i] ? (double)core[i] / (double)ct[i] : 0.0);
	}
	audit_metric(c, "core_samples", (double)w->wake.count);
	audit_metric(c, "cyclictest_samples", (double)w->ct.count);
	audit_metric(c, "cyclictest_cpu", w->ct_cpu);
}

static int allowed(const char *name, const char *extra)
{
	const char *p = extra;
	size_t n = strlen(name);

	/* restart_syscall: what an interrupted clock_nanosleep resumes as when strace attaches */
	if (!strcmp(name, "clock_nanosleep") || !strcmp(name, "restart_syscall"))
		return 1;
	while (p && *p) {
		size_t k = strcspn(p, ",");

		if (k == n && !strncmp(p, name, n))
			return 1;
		p += k;
		if (*p == ',')
			p++;
	}
	return 0;
}

static void strace_window(struct audit_report *r, const struct audit_opts *o, int tid, const char *dir)
{
	char out[160], t[16], bad[400] = "", ex[200] = "";
	/* no -f: with -f, -p attaches to every thread of the process */
	char *argv[] = { "strace", "-qq", "-o", out, "-p", t, NULL };
	struct audit_syscalls s;
	struct audit_check *c;
	pid_t pid;
	int i, nbad = 0, st;

	if (o->no_strace) {
		audit_add(r, "syscalls", AV_SKIP, "--no-strace");
		return;
	}
	if (!audit_have_tool("strace")) {
		c = audit_add(r, "syscalls", AV_SKIP, "strace not installed");
		audit_advise(c, "apt install strace");
		return;
	}
	snprintf(out, sizeof(out), "%s/strace.out", dir);
	snprintf(t, sizeof(t), "%d", tid);
	pid = audit_spawn(argv, NULL, NULL);
	if (pid < 0) {
		audit_add(r, "syscalls", AV_SKIP, "cannot run strace: %s", strerror((int)-pid));
		return;
	}
	audit_sleep(o->window_s);
	kill(pid, SIGINT);
	st = audit_wait(pid, 10);
	if (audit_strace_parse(out, &s) || (st != 0 && st != 128 + SIGINT && s.total == 0)) {
		c = audit_add(r, "syscalls", AV_SKIP, "strace -p %d failed (exit %d)", tid, st);
		audit_advise(c, "needs CAP_SYS_PTRACE (root) and kernel.yama.ptrace_scope <= 1");
		return;
	}
	for (i = 0; i < s.n; i++) {
		size_t off = strlen(bad);

		if (allowed(s.name[i], o->allow_syscalls))
			continue;
		snprintf(bad + off, sizeof(bad) - off, "%s%s x%llu", nbad ? ", " : "", s.name[i],
			 (unsigned long long)s.count[i]);
		if (!nbad)
			snprintf(ex, sizeof(ex), "%.150s", s.example[i]);
		nbad++;
	}
	if (nbad) {
		c = audit_add(r, "syscalls", AV_FAIL, "RT thread made %d forbidden syscall kind(s) in %.1f s: %s "
			      "(e.g. %s)", nbad, o->window_s, bad, ex);
		audit_advise(c, "the RT thread may only call clock_nanosleep: move logging, allocation and I/O "
				"to the updater thread or the agent");
	} else if (s.total == 0) {
		c = audit_add(r, "syscalls", AV_WARN, "no syscalls seen in %.1f s (is the core ticking?)", o->window_s);
	} else {
		c = audit_add(r, "syscalls", AV_PASS, "only clock_nanosleep in %.1f s (%llu calls traced)", o->window_s,
			      (unsigned long long)s.total);
	}
	audit_metric(c, "syscalls_total", (double)s.total);
	audit_metric(c, "forbidden_kinds", nbad);
}

static void export(const struct audit_opts *o, const struct window *w)
{
	static const char *const names[] = { "spinal-wake", "cyclictest" };
	struct spinal_hist_snap s[2] = { w->wake, w->ct };
	unsigned int n = w->have_ct ? 2 : 1;
	FILE *f;

	if (o->histfile && (f = fopen(o->histfile, "w"))) {
		spinal_histfile_write(f, s, names, n, CT_ROWS_US, SPINAL_HISTEXPORT_NATIVE);
		fclose(f);
	} else if (o->histfile) {
		fprintf(stderr, "spinal-audit: cannot write %s: %s\n", o->histfile, strerror(errno));
	}
	if (o->histjson && (f = fopen(o->histjson, "w"))) {
		spinal_histjson_write(f, s, names, n, CT_ROWS_US, 0);
		fclose(f);
	} else if (o->histjson) {
		fprintf(stderr, "spinal-audit: cannot write %s: %s\n", o->histjson, strerror(errno));
	}
}

static void cleanup_dir(const char *dir)
{
	static const char *const files[] = { "perf.csv", "cyclictest.hist", "strace.out" };
	char p[200];
	unsigned int i;

	for (i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, files[i]);
		unlink(p);
	}
	rmdir(dir);
}

int audit_core(struct audit_report *r, const struct audit_opts *o)
{
	struct audit_rt_info rt = { .cpu = -1 };
	char err[320], dir[] = "/tmp/spinal-audit-XXXXXX", hw[160];
	struct audit_core_map m;
	struct window *w;
	uint32_t state, period;
	int pid, tid, rc;

	rc = audit_attach(o->name, &m, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "spinal-audit: %s\n", err);
		return rc;
	}
	pid = m.hdr->creator_pid;
	period = m.hdr->period_ns;
	state = atomic_load_explicit(&((struct spinal_region_hdr *)m.hdr)->state, memory_order_acquire);
	if (state != SPINAL_STATE_RUNNING || pid <= 0 || kill(pid, 0)) {
		fprintf(stderr, "spinal-audit: core '%s' is not running (state %s, pid %d); start it and retry\n",
			o->name, spinal_state_name(state), pid);
		audit_detach(&m);
		return -ESRCH;
	}
	tid = audit_find_rt_tid(pid, "spinal-rt");
	if (tid < 0) {
		fprintf(stderr, "spinal-audit: no thread named spinal-rt in pid %d (/proc/%d/task/*/comm)\n", pid, pid);
		audit_detach(&m);
		return -ESRCH;
	}
	w = calloc(1, sizeof(*w));
	if (!w || !mkdtemp(dir)) {
		fprintf(stderr, "spinal-audit: %s\n", strerror(errno));
		free(w);
		audit_detach(&m);
		return -ENOMEM;
	}
	r->mode = "audit";
	snprintf(r->subject, sizeof(r->subject), "core '%s' pid %d, RT thread %d, period %u us, window %.1f s",
		 o->name, pid, tid, period / 1000, o->window_s);
	if (!o->quiet && !o->json)
		fprintf(stderr, "spinal-audit: measuring %.1f s (perf, cyclictest), then %.1f s under strace...\n",
			o->window_s, o->window_s);
	audit_proc_checks(r, pid, tid, &rt);
	if (!o->no_perf && audit_have_tool("perf")) {
		int hwok = audit_perf_hw_counters(hw, sizeof(hw));

		audit_add(r, "perf_counters", AV_INFO, "%s", hw);
		(void)hwok;
	}
	measure(o, &m, pid, tid, &rt, dir, w);
	judge_counters(r, o, w);
	judge_latency(r, o, w, period ? period : 1000000);
	export(o, w);
	strace_window(r, o, tid, dir);
	cleanup_dir(dir);
	free(w);
	audit_detach(&m);
	return 0;
}
