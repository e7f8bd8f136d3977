// SPDX-License-Identifier: MIT
/*
 * spinal-audit: running the external tools — perf stat, strace, cyclictest —
 * as child processes with their output in a private temporary directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/histexport.h"
#include "tools/audit.h"
#include "tools/audit_parse.h"
#include "tools/audit_tools.h"

extern char **environ;

int audit_have_tool(const char *name)
{
	const char *path = getenv("PATH");
	char buf[512];

	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin";
	while (*path) {
		size_t n = strcspn(path, ":");

		snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, path, name);
		if (access(buf, X_OK) == 0)
			return 1;
		path += n;
		if (*path == ':')
			path++;
	}
	return 0;
}

pid_t audit_spawn(char *const argv[], const char *out, const char *err)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int rc;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, out ? out : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0600);
	posix_spawn_file_actions_addopen(&fa, 2, err ? err : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0600);
	rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc)
		return -rc;
	return pid;
}

int audit_wait(pid_t pid, double timeout_s)
{
	struct timespec t0, now, nap = { 0, 10 * 1000 * 1000 };
	int st;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		pid_t w = waitpid(pid, &st, WNOHANG);

		if (w == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		if (w < 0)
			return -errno;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((double)(now.tv_sec - t0.tv_sec) + (double)(now.tv_nsec - t0.tv_nsec) * 1e-9 > timeout_s) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			return -ETIMEDOUT;
		}
		nanosleep(&nap, NULL);
	}
}

void audit_sleep(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

int audit_perf_hw_counters(char *why, size_t len)
{
	char dir[] = "/tmp/spinal-audit-perfXXXXXX", out[64], buf[2048];
	char *argv[] = { "perf", "stat", "-x,", "-e", "instructions", "--", "true", NULL };
	int ok = 0;
	pid_t pid;

	if (!mkdtemp(dir))
		return -errno;
	snprintf(out, sizeof(out), "%s/err", dir);
	pid = audit_spawn(argv, NULL, out);
	if (pid > 0 && audit_wait(pid, 10) == 0 && audit_read(out, buf, sizeof(buf)) >= 0) {
		char ev[64];
		uint64_t v;
		int counted;
		char *line = strtok(buf, "\n");

		for (; line; line = strtok(NULL, "\n"))
			if (ap_perf_csv(line, ev, sizeof(ev), &v, &counted) == 1 && counted)
				ok = 1;
		snprintf(why, len, "%s", ok ? "hardware counters work" :
			 "perf stat -e instructions: <not supported> (VM or no PMU); software events only");
	} else {
		snprintf(why, len, "perf stat failed to run (perf_event_paranoid, or perf missing)");
		ok = -1;
	}
	unlink(out);
	rmdir(dir);
	return ok;
}

int audit_perf_parse(const char *path, struct audit_perf *p)
{
	char buf[4096], ev[64], *line, *save = NULL;
	int n = 0;

	memset(p, 0, sizeof(*p));
	if (audit_read(path, buf, sizeof(buf)) < 0)
		return -ENOENT;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		uint64_t v;
		int counted;

		if (ap_perf_csv(line, ev, sizeof(ev), &v, &counted) != 1)
			continue;
		n++;
		if (!strncmp(ev, "minor-faults", 12))
			p->minflt = v, p->ok_flt += counted;
		else if (!strncmp(ev, "major-faults", 12))
			p->majflt = v, p->ok_flt += counted;
		else if (!strncmp(ev, "context-switches", 16))
			p->ctxsw = v, p->ok_cs = counted;
		else if (!strncmp(ev, "cpu-migrations", 14))
			p->migrations = v, p->ok_migr = counted;
	}
	return n ? 0 : -EBADMSG;
}

int audit_strace_parse(const char *path, struct audit_syscalls *s)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, name[32];
	size_t cap = 0;
	int i;

	memset(s, 0, sizeof(*s));
	if (!f)
		return -errno;
	while (getline(&line, &cap, f) >= 0) {
		if (!ap_strace_line(line, name, sizeof(name)))
			continue;
		s->total++;
		for (i = 0; i < s->n; i++)
			if (!strcmp(s->name[i], name))
				break;
		if (i == s->n) {
			if (s->n >= AUDIT_MAX_SYSCALLS)
				continue;
			snprintf(s->name[s->n], sizeof(s->name[0]), "%s", name);
			snprintf(s->example[s->n], sizeof(s->example[0]), "%s", ap_chomp(line));
			s->n++;
		}
		s->count[i]++;
	}
	free(line);
	fclose(f);
	return 0;
}
