// SPDX-License-Identifier: MIT
/*
 * Console replay (console_replay.h).  A run is the set of log files
 * "<run>-NNNNNN.tlog" of one core run; frames are built from the records
 * with the live frame's builder (console_frame_json()), so the page draws
 * a replay with the same code as the live robot.  Counters in replay frames
 * are cumulative from the first record of the run: overruns and AAS
 * interventions counted from the records' flags and masks, missing from the
 * gap markers.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <spinal/config.h>
#include <spinal/stats.h>
#include <spinal/telemlog.h>

#include "userspace/console.h"
#include "userspace/console_replay.h"
#include "userspace/logread.h"

#define RUN_MAX 200
#define FILES_MAX 4096

struct run_files {
	char **v;
	size_t n;
	uint64_t bytes;
};

static void rf_free(struct run_files *rf)
{
	size_t i;

	for (i = 0; i < rf->n; i++)
		free(rf->v[i]);
	free(rf->v);
	memset(rf, 0, sizeof(*rf));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "<run>-NNNNNN.tlog" -> length of <run>, or 0 when @name is not a log file. */
static size_t run_len(const char *name)
{
	size_t n = strlen(name), i;

	if (n < 13 || strcmp(name + n - 5, SPINAL_TLOG_SUFFIX) || name[n - 12] != '-')
		return 0;
	for (i = n - 11; i < n - 5; i++)
		if (name[i] < '0' || name[i] > '9')
			return 0;
	return n - 12;
}

static int run_name_ok(const char *run, const char *instance)
{
	size_t il = strlen(instance), n = strlen(run);
	const char *p;

	if (n >= RUN_MAX || n <= il + 1 || strncmp(run, instance, il) || run[il] != '-')
		return 0;
	for (p = run; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-'))
			return 0;
	return 1;
}

/* Every log file of @instance in @dir, sorted (chronological by the name scheme). */
static int list_files(const char *dir, const char *instance, struct run_files *rf, char *err,
		      size_t errlen)
{
	size_t il = strlen(instance), cap = 0;
	struct dirent *de;
	DIR *d = opendir(dir);

	memset(rf, 0, sizeof(*rf));
	if (!d) {
		int e = errno;

		snprintf(err, errlen, "cannot open the log directory %s: %s", dir, strerror(e));
		return -e;
	}
	while ((de = readdir(d))) {
		char p[1024];
		struct stat st;

		if (!run_len(de->d_name) || strncmp(de->d_name, instance, il) || de->d_name[il] != '-')
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		if (stat(p, &st) || !S_ISREG(st.st_mode))
			continue;
		if (rf->n == FILES_MAX)
			break;
		if (rf->n == cap) {
			char **nv = realloc(rf->v, (cap = cap ? cap * 2 : 64) * sizeof(char *));

			if (!nv)
				goto nomem;
			rf->v = nv;
		}
		rf->v[rf->n] = strdup(p);
		if (!rf->v[rf->n])
			goto nomem;
		rf->n++;
		rf->bytes += (uint64_t)st.st_size;
	}
	closedir(d);
	if (rf->n)
		qsort(rf->v, rf->n, sizeof(char *), cmp_str);
	return 0;
nomem:
	closedir(d);
	rf_free(rf);
	snprintf(err, errlen, "out of memory");
	return -ENOMEM;
}

static const char *base(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

static int read_hdr(const char *path, struct spinal_tlog_hdr *h)
{
	FILE *f = fopen(path, "rb");
	int ok;

	if (!f)
		return -1;
	ok = fread(h, sizeof(*h), 1, f) == 1 && h->magic == SPINAL_TLOG_MAGIC;
	fclose(f);
	return ok ? 0 : -1;
}

int console_replay_list(const char *dir, const char *instance, struct strbuf *out, char *err,
			size_t errlen)
{
	struct run_files rf;
	size_t i, j, nrun = 0;
	int rc = list_files(dir, instance, &rf, err, errlen);

	if (rc)
		return rc;
	sb_printf(out, "{\"schema\":%d,\"instance\":", CONSOLE_SCHEMA);
	console_json_str(out, instance);
	sb_printf(out, ",\"runs\":[");
	/* newest run first: walk the sorted names backwards, one group per run */
	for (i = rf.n; i > 0;) {
		const char *last = base(rf.v[i - 1]);
		size_t rl = run_len(last), files = 0;
		uint64_t bytes = 0, entries = 0;
		struct spinal_tlog_hdr h;
		char run[RUN_MAX];

		if (rl >= sizeof(run)) {
			i--;
			continue;
		}
		memcpy(run, last, rl);
		run[rl] = '\0';
		for (j = i; j > 0 && run_len(base(rf.v[j - 1])) == rl &&
			    !strncmp(base(rf.v[j - 1]), run, rl); j--) {
			struct stat st;

			files++;
			if (!stat(rf.v[j - 1], &st) && st.st_size > (off_t)sizeof(h)) {
				bytes += (uint64_t)st.st_size;
				entries += ((uint64_t)st.st_size - sizeof(h)) / sizeof(struct spinal_telem_rec);
			}
		}
		if (read_hdr(rf.v[j], &h) == 0) {
			sb_printf(out, "%s{\"run\":", nrun++ ? "," : "");
			console_json_str(out, run);
			sb_printf(out, ",\"files\":%zu,\"bytes\":%" PRIu64 ",\"entries\":%" PRIu64
				  ",\"core_pid\":%" PRId32 ",\"start_ms\":%.3f,\"period_ns\":%" PRIu32 "}",
				  files, bytes, entries, h.core_pid, h.core_start_realtime_ns / 1e6,
				  h.period_ns);
		}
		i = j;
	}
	sb_printf(out, "]}\n");
	rf_free(&rf);
	return out->oom ? -ENOMEM : 0;
}

/* The files of one run into @rf (sorted).  0, -EINVAL, -ENOENT or -errno. */
static int run_files(const char *dir, const char *instance, const char *run,
		     struct run_files *rf, char *err, size_t errlen)
{
	struct run_files all;
	size_t i, rl;
	int rc;

	memset(rf, 0, sizeof(*rf));
	if (!run || !run_name_ok(run, instance)) {
		snprintf(err, errlen, "run must be a name from GET /console/api/logs (%s-...)", instance);
		return -EINVAL;
	}
	rc = list_files(dir, instance, &all, err, errlen);
	if (rc)
		return rc;
	rl = strlen(run);
	rf->v = calloc(all.n ? all.n : 1, sizeof(char *));
	if (!rf->v) {
		rf_free(&all);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (i = 0; i < all.n; i++) {
		const char *b = base(all.v[i]);

		if (run_len(b) == rl && !strncmp(b, run, rl)) {
			rf->v[rf->n++] = all.v[i];
			all.v[i] = NULL;
		}
	}
	rf_free(&all);
	if (!rf->n) {
		rf_free(rf);
		snprintf(err, errlen, "no log files of run %s in %s", run, dir);
		return -ENOENT;
	}
	return 0;
}

struct frames_ctx {
	struct strbuf *out;
	uint64_t stride, next_at;
	int have_first, nframes;
	uint64_t first_seq, end_seq;
	uint64_t records, missing, overruns, first_overrun;
	uint64_t aas[SPINAL_AAS_COUNT];
	struct console_sample s;
};

static void fill_sample(struct frames_ctx *c, const struct spinal_tlog_hdr *h,
			const struct spinal_telem_rec *r)
{
	struct console_sample *s = &c->s;
	unsigned int i;

	memset(s, 0, offsetof(struct console_sample, stage));
	snprintf(s->instance, sizeof(s->instance), "%.*s", (int)sizeof(h->instance) - 1,
		 h->instance);
	s->attached = 1;
	s->state = SPINAL_STATE_RUNNING;
	s->core_pid = h->core_pid;
	s->period_ns = h->period_ns;
	s->abi_major = h->abi_major;
	s->abi_minor = h->abi_minor;
	s->start_realtime_ns = h->core_start_realtime_ns;
	s->real_ns = h->core_start_realtime_ns +
		     (r->t_planned_ns > h->core_start_mono_ns ? r->t_planned_ns - h->core_start_mono_ns : 0);
	s->ticks = r->seq + 1;
	s->overruns = c->overruns;
	s->first_overrun_tick = c->first_overrun;
	s->telem_produced = r->seq + 1;
	s->telem_dropped = c->missing;
	s->written = c->records;
	s->missing = c->missing;
	s->estop_core = !!(r->flags & SPINAL_TF_ESTOP);
	if (r->flags & SPINAL_TF_ESTOP)
		s->safe_stop |= SPINAL_SAFE_STOP_ESTOP;
	if (r->aas_mask & (1u << SPINAL_AAS_OVERRUN_STOP))
		s->safe_stop |= SPINAL_SAFE_STOP_OVERRUN;
	s->goal_reached = !!(r->flags & SPINAL_TF_GOAL_REACHED);
	for (i = 0; i < SPINAL_AAS_COUNT; i++)
		s->aas[i] = c->aas[i];
	s->x = r->x;
	s->y = r->y;
	s->theta = r->theta;
	s->cmd_v = r->cmd_v;
	s->cmd_omega = r->cmd_omega;
	s->goal_x = r->goal_x;
	s->goal_y = r->goal_y;
	s->graph_generation = r->graph_gen;
	s->model_id = r->model_id;
	s->params_id = r->params_id;
	s->goal_node = r->goal_node;
	s->nearest_node = r->nearest_node;
	s->link = 1;
	s->replay = 1;
	s->have_rec = 1;
	s->rec_seq = r->seq;
	s->rec_flags = r->flags;
	s->rec_lateness_ns = r->lateness_ns;
}

static int frames_entry(const struct spinal_tlog_hdr *h, const struct spinal_telem_rec *r,
			void *arg)
{
	struct frames_ctx *c = arg;
	unsigned int i;

	if (!c->have_first) {
		c->have_first = 1;
		c->first_seq = r->seq;
		c->next_at = r->seq;
	}
	if (r->kind == SPINAL_REC_GAP) {
		c->missing += r->gap_count;
		if (r->seq + r->gap_count > c->end_seq)
			c->end_seq = r->seq + r->gap_count;
		return 0;
	}
	if (r->kind != SPINAL_REC_TICK)
		return 0;
	c->records++;
	if (r->seq + 1 > c->end_seq)
		c->end_seq = r->seq + 1;
	if (r->flags & SPINAL_TF_OVERRUN) {
		c->overruns++;
		if (!c->first_overrun)
			c->first_overrun = r->seq + 1;
	}
	for (i = 0; i < SPINAL_AAS_COUNT; i++)
		if (r->aas_mask & (1u << i))
			c->aas[i]++;
	if (r->seq >= c->next_at) {
		int32_t g = r->goal_node;

		fill_sample(c, h, r);
		if (c->nframes++)
			sb_printf(c->out, ",");
		console_frame_json(&c->s, (uint64_t)c->nframes, NULL, 0,
				   g >= 0 ? (uint32_t)g : SPINAL_NODE_NONE, 0, c->out);
		/* console_frame_json ends the document with a newline: drop it */
		if (c->out->len && c->out->s[c->out->len - 1] == '\n')
			c->out->s[--c->out->len] = '\0';
		c->next_at = r->seq + c->stride;
	}
	return c->out->oom ? -ENOMEM : 0;
}

int console_replay_frames(const char *dir, const char *instance, const char *run,
			  unsigned int max_frames, struct strbuf *out, char *err, size_t errlen)
{
	struct frames_ctx *c;
	struct run_files rf;
	uint64_t entries = 0, bad = 0;
	size_t i;
	int rc;

	rc = run_files(dir, instance, run, &rf, err, errlen);
	if (rc)
		return rc;
	for (i = 0; i < rf.n; i++) {
		struct stat st;

		if (!stat(rf.v[i], &st) && st.st_size > (off_t)sizeof(struct spinal_tlog_hdr))
			entries += ((uint64_t)st.st_size - sizeof(struct spinal_tlog_hdr)) /
				   sizeof(struct spinal_telem_rec);
	}
	if (!max_frames)
		max_frames = CONSOLE_REPLAY_FRAMES_DEFAULT;
	c = calloc(1, sizeof(*c));
	if (!c) {
		rf_free(&rf);
		return -ENOMEM;
	}
	c->out = out;
	c->stride = entries / max_frames + 1;
	sb_printf(out, "{\"schema\":%d,\"run\":", CONSOLE_SCHEMA);
	console_json_str(out, run);
	sb_printf(out, ",\"frames\":[");
	rc = logread_walk(rf.v, (int)rf.n, frames_entry, c, &bad, stderr);
	rf_free(&rf);
	if (rc < 0) {
		snprintf(err, errlen, "cannot read run %s: %s", run, strerror(-rc));
		free(c);
		return rc;
	}
	sb_printf(out, "],\"first_seq\":%" PRIu64 ",\"end_seq\":%" PRIu64 ",\"records\":%" PRIu64
		  ",\"missing\":%" PRIu64 ",\"overruns\":%" PRIu64 ",\"stride\":%" PRIu64
		  ",\"bad_files\":%" PRIu64 "}\n",
		  c->first_seq, c->end_seq, c->records, c->missing, c->overruns, c->stride, bad);
	free(c);
	return out->oom ? -ENOMEM : 0;
}

struct hist_ctx {
	uint64_t from, to;
	struct spinal_hist_snap h[SPINAL_STAGE_COUNT];
};

static int hist_entry(const struct spinal_tlog_hdr *hd, const struct spinal_telem_rec *r,
		      void *arg)
{
	struct hist_ctx *c = arg;
	unsigned int i;

	(void)hd;
	if (r->kind != SPINAL_REC_TICK || r->seq < c->from || r->seq > c->to)
		return 0;
	for (i = 0; i < SPINAL_STAGE_COUNT; i++) {
		/* the wake stage is the lateness; stage_ns[] holds it too */
		uint64_t ns = r->stage_ns[i];
		struct spinal_hist_snap *s = &c->h[i];

		s->bucket[spinal_hist_bucket(ns)]++;
		s->count++;
		s->sum_ns += ns;
		if (ns > s->max_ns)
			s->max_ns = ns;
	}
	return 0;
}

int console_replay_hist(const char *dir, const char *instance, const char *run, uint64_t from,
			uint64_t to, struct strbuf *out, char *err, size_t errlen)
{
	struct hist_ctx *c;
	struct run_files rf;
	uint64_t bad = 0;
	int rc;

	rc = run_files(dir, instance, run, &rf, err, errlen);
	if (rc)
		return rc;
	c = calloc(1, sizeof(*c));
	if (!c) {
		rf_free(&rf);
		return -ENOMEM;
	}
	c->from = from;
	c->to = to;
	rc = logread_walk(rf.v, (int)rf.n, hist_entry, c, &bad, stderr);
	rf_free(&rf);
	if (rc < 0) {
		snprintf(err, errlen, "cannot read run %s: %s", run, strerror(-rc));
		free(c);
		return rc;
	}
	console_hist_json(c->h, to, out);
	free(c);
	return out->oom ? -ENOMEM : 0;
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (!s || !*s || *s == '-')
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return errno || *end ? -1 : 0;
}

int console_replay_handle(const char *dir, const char *instance, const char *what,
			  const char *run, const char *arg, struct strbuf *out, char *err,
			  size_t errlen)
{
	uint64_t v = 0, from = 0;
	int rc;

	if (!strcmp(what, "logs")) {
		rc = console_replay_list(dir, instance, out, err, errlen);
	} else if (!strcmp(what, "replay")) {
		if (arg && (parse_u64(arg, &v) || v < 1 || v > CONSOLE_REPLAY_FRAMES_MAX)) {
			snprintf(err, errlen, "frames must be 1..%d", CONSOLE_REPLAY_FRAMES_MAX);
			return 400;
		}
		rc = console_replay_frames(dir, instance, run, (unsigned int)v, out, err, errlen);
	} else {
		/* replay/hist?run=R&to=SEQ: the stretch [to - 10 s of ticks, to] is the
		 * page's choice, sent as to=SEQ&from=SEQ in one value "FROM-TO" or TO */
		const char *dash = arg ? strchr(arg, '-') : NULL;

		if (dash) {
			char a[32];
			size_t n = (size_t)(dash - arg);

			if (n >= sizeof(a)) {
				snprintf(err, errlen, "to must be SEQ or FROM-TO (seq numbers)");
				return 400;
			}
			memcpy(a, arg, n);
			a[n] = '\0';
			if (parse_u64(a, &from) || parse_u64(dash + 1, &v) || from > v) {
				snprintf(err, errlen, "to must be SEQ or FROM-TO (seq numbers, FROM <= TO)");
				return 400;
			}
		} else if (!arg || parse_u64(arg, &v)) {
			snprintf(err, errlen, "to must be SEQ or FROM-TO (seq numbers)");
			return 400;
		}
		rc = console_replay_hist(dir, instance, run, from, v, out, err, errlen);
	}
	if (rc == -EINVAL)
		return 400;
	if (rc == -ENOENT)
		return 404;
	if (rc == -ENOMEM) {
		snprintf(err, errlen, "out of memory");
		return 500;
	}
	if (rc) {
		if (!err[0])
			snprintf(err, errlen, "%s", strerror(-rc));
		return 500;
	}
	return 200;
}
