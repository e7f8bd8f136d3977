// SPDX-License-Identifier: MIT
/* Telemetry log reader: file discovery, header checks, CSV, accounting. */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <spinal/stats.h>
#include <spinal/telemlog.h>
#include <spinal/telemetry.h>

#include "userspace/logread.h"

typedef int (*entry_fn)(const struct spinal_tlog_hdr *h, const struct spinal_telem_rec *r,
			void *arg);

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct pathlist {
	char **v;
	size_t n, cap;
};

static int pl_add(struct pathlist *pl, const char *p)
{
	if (pl->n == pl->cap) {
		char **nv = realloc(pl->v, (pl->cap = pl->cap ? pl->cap * 2 : 16) * sizeof(char *));

		if (!nv)
			return -ENOMEM;
		pl->v = nv;
	}
	pl->v[pl->n] = strdup(p);
	if (!pl->v[pl->n])
		return -ENOMEM;
	pl->n++;
	return 0;
}

static void pl_free(struct pathlist *pl)
{
	size_t i;

	for (i = 0; i < pl->n; i++)
		free(pl->v[i]);
	free(pl->v);
}

static int collect(char *const *paths, int n, struct pathlist *pl, FILE *err)
{
	int i;

	for (i = 0; i < n; i++) {
		struct stat st;
		struct dirent *de;
		size_t first = pl->n;
		DIR *d;

		if (stat(paths[i], &st) < 0) {
			fprintf(err, "spinal-agent: cannot read %s: %s\n", paths[i], strerror(errno));
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			if (pl_add(pl, paths[i]))
				return -ENOMEM;
			continue;
		}
		d = opendir(paths[i]);
		if (!d) {
			fprintf(err, "spinal-agent: cannot open directory %s: %s\n", paths[i],
				strerror(errno));
			continue;
		}
		while ((de = readdir(d))) {
			size_t l = strlen(de->d_name);
			char p[4096];

			if (l < 6 || strcmp(de->d_name + l - 5, SPINAL_TLOG_SUFFIX))
				continue;
			snprintf(p, sizeof(p), "%s/%s", paths[i], de->d_name);
			if (pl_add(pl, p)) {
				closedir(d);
				return -ENOMEM;
			}
		}
		closedir(d);
		qsort(pl->v + first, pl->n - first, sizeof(char *), cmp_str);
	}
	return 0;
}

/* Call @fn for every entry of every file; returns files read or -errno. */
static int walk(char *const *paths, int n, entry_fn fn, void *arg, uint64_t *bad,
		uint64_t *torn, FILE *err)
{
	struct pathlist pl = { 0 };
	struct spinal_telem_rec recs[256];
	int files = 0, rc;
	size_t i;

	rc = collect(paths, n, &pl, err);
	if (rc)
		goto out;
	for (i = 0; i < pl.n; i++) {
		struct spinal_tlog_hdr h;
		FILE *f = fopen(pl.v[i], "rb");
		size_t got;

		if (!f) {
			fprintf(err, "spinal-agent: cannot open %s: %s\n", pl.v[i], strerror(errno));
			(*bad)++;
			continue;
		}
		if (fread(&h, sizeof(h), 1, f) != 1 || h.magic != SPINAL_TLOG_MAGIC) {
			fprintf(err, "spinal-agent: %s is not a spinal telemetry log (bad magic)\n",
				pl.v[i]);
			(*bad)++;
			fclose(f);
			continue;
		}
		if (h.version != SPINAL_TLOG_VERSION || h.hdr_size != sizeof(h) ||
		    h.rec_size != sizeof(struct spinal_telem_rec)) {
			fprintf(err, "spinal-agent: %s has log version %u, record size %u: this reader understands version %d, %zu bytes\n",
				pl.v[i], h.version, h.rec_size, SPINAL_TLOG_VERSION,
				sizeof(struct spinal_telem_rec));
			(*bad)++;
			fclose(f);
			continue;
		}
		files++;
		while ((got = fread(recs, 1, sizeof(recs), f)) > 0) {
			size_t k, whole = got / sizeof(recs[0]);

			for (k = 0; k < whole; k++) {
				rc = fn(&h, &recs[k], arg);
				if (rc) {
					fclose(f);
					goto out;
				}
			}
			if (got % sizeof(recs[0]))
				*torn += got % sizeof(recs[0]);
		}
		fclose(f);
	}
	rc = files;
out:
	pl_free(&pl);
	return rc;
}

int logread_walk(char *const *paths, int n, entry_fn fn, void *arg, uint64_t *bad, FILE *err)
{
	uint64_t torn = 0;

	return walk(paths, n, fn, arg, bad, &torn, err);
}

struct stat_ctx {
	struct logstat *st;
	int32_t pid;
	uint64_t start;
	uint64_t expect; /* next seq expected in the current run */
	int have;
};

static int stat_entry(const struct spinal_tlog_hdr *h, const struct spinal_telem_rec *r,
		      void *arg)
{
	struct stat_ctx *c = arg;
	struct logstat *st = c->st;
	uint64_t end;

	if (!c->have || h->core_pid != c->pid || h->core_start_realtime_ns != c->start) {
		c->have = 1;
		c->pid = h->core_pid;
		c->start = h->core_start_realtime_ns;
		c->expect = r->seq;
		st->runs++;
		st->first_seq = r->seq;
		st->core_pid = h->core_pid;
	}
	if (r->kind == SPINAL_REC_GAP) {
		st->gap_markers++;
		st->missing += r->gap_count;
		end = r->seq + r->gap_count;
	} else {
		st->records++;
		end = r->seq + 1;
	}
	if (r->seq < c->expect) {
		st->overlaps++;
	} else if (r->seq > c->expect) {
		st->holes++;
		st->holes_missing += r->seq - c->expect;
	}
	if (end > c->expect)
		c->expect = end;
	st->last_seq = c->expect - 1;
	st->end_seq = c->expect;
	return 0;
}

int logread_stat(char *const *paths, int n, struct logstat *st, FILE *err)
{
	struct stat_ctx c = { .st = st };
	int rc;

	memset(st, 0, sizeof(*st));
	rc = walk(paths, n, stat_entry, &c, &st->bad_files, &st->torn_bytes, err);
	if (rc < 0)
		return rc;
	st->files = (uint64_t)rc;
	return 0;
}

void logread_stat_json(const struct logstat *st, FILE *out)
{
	fprintf(out,
		"{\"files\":%" PRIu64 ",\"bad_files\":%" PRIu64 ",\"torn_bytes\":%" PRIu64
		",\"runs\":%" PRIu64 ",\"core_pid\":%d,\"records\":%" PRIu64
		",\"gap_markers\":%" PRIu64 ",\"missing\":%" PRIu64 ",\"first_seq\":%" PRIu64
		",\"last_seq\":%" PRIu64 ",\"end_seq\":%" PRIu64 ",\"overlaps\":%" PRIu64
		",\"holes\":%" PRIu64 ",\"holes_missing\":%" PRIu64 "}\n",
		st->files, st->bad_files, st->torn_bytes, st->runs, st->core_pid, st->records,
		st->gap_markers, st->missing, st->first_seq, st->last_seq, st->end_seq,
		st->overlaps, st->holes, st->holes_missing);
}

static int csv_entry(const struct spinal_tlog_hdr *h, const struct spinal_telem_rec *r,
		     void *arg)
{
	FILE *out = arg;
	unsigned int s;

	fprintf(out, "%d,%" PRIu64 ",%s,%" PRIu64 ",%u,%" PRIu64 ",%" PRId64, h->core_pid, r->seq,
		r->kind == SPINAL_REC_GAP ? "gap" : r->kind == SPINAL_REC_TICK ? "tick" : "unknown",
		r->gap_count, r->flags, r->t_planned_ns, r->lateness_ns);
	for (s = 0; s < SPINAL_STAGE_COUNT; s++)
		fprintf(out, ",%u", r->stage_ns[s]);
	fprintf(out,
		",%" PRIu64 ",%" PRIu64 ",%.9g,%.9g,%.9g,%.9g,%.9g,%d,%" PRIu64 ",%" PRIu64
		",%" PRIu64 ",%d,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%u\n",
		r->state_seq, r->state_stamp_ns, r->x, r->y, r->theta, r->v, r->omega,
		r->nearest_node, r->graph_gen, r->model_id, r->params_id, r->goal_node,
		r->goal_x, r->goal_y, r->pol_v, r->pol_omega, r->confidence, r->cmd_v,
		r->cmd_omega, r->aas_mask);
	return ferror(out) ? -EIO : 0;
}

int logread_export_csv(char *const *paths, int n, FILE *out, FILE *err)
{
	uint64_t bad = 0, torn = 0;
	unsigned int s;
	int rc;

	fprintf(out, "core_pid,seq,kind,gap_count,flags,t_planned_ns,lateness_ns");
	for (s = 0; s < SPINAL_STAGE_COUNT; s++)
		fprintf(out, ",%s_ns", spinal_stage_name(s));
	fprintf(out, ",state_seq,state_stamp_ns,x,y,theta,v,omega,nearest_node,graph_gen,"
		     "model_id,params_id,goal_node,goal_x,goal_y,pol_v,pol_omega,confidence,"
		     "cmd_v,cmd_omega,aas_mask\n");
	rc = walk(paths, n, csv_entry, out, &bad, &torn, err);
	if (rc < 0)
		return rc;
	if (torn)
		fprintf(err, "spinal-agent: %" PRIu64 " trailing bytes of a torn entry ignored\n",
			torn);
	return fflush(out) ? -errno : 0;
}
