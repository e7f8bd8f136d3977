// SPDX-License-Identifier: MIT
/*
 * Durable telemetry log writer.  Entries are collected in a private buffer
 * and written with one write() per batch; the caller releases ring slots only
 * after tlog_flush() returned 0, so nothing accepted is lost to a crash of the
 * agent (see userspace/drain.c).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <spinal/region.h>

#include "userspace/telemlog.h"

#define REC_SIZE sizeof(struct spinal_telem_rec)

struct tlog {
	char dir[512];
	char instance[SPINAL_NAME_MAX];
	char prefix[160];     /* "<instance>-<stamp>-<pid>-" */
	char path[1024];
	struct tlog_core_id id;
	uint64_t rotate_bytes;
	unsigned int keep_files;
	int fsync_mode;
	int fd;
	uint32_t index;
	uint64_t size;        /* bytes in the current file */
	uint64_t next_seq;    /* seq after the last buffered entry */
	struct spinal_telem_rec *buf;
	unsigned int cap, n;
	struct tlog_counters c;
};

int tlog_fsync_parse(const char *s)
{
	if (!strcmp(s, "none"))
		return TLOG_FSYNC_NONE;
	if (!strcmp(s, "rotate"))
		return TLOG_FSYNC_ROTATE;
	if (!strcmp(s, "batch"))
		return TLOG_FSYNC_BATCH;
	return -EINVAL;
}

const char *tlog_fsync_name(int mode)
{
	static const char *const n[] = { "none", "rotate", "batch" };

	return mode >= 0 && mode <= 2 ? n[mode] : "?";
}

static int name_prefix(char *buf, size_t len, const char *instance,
		       const struct tlog_core_id *id)
{
	time_t sec = (time_t)(id->start_realtime_ns / 1000000000ULL);
	struct tm tm;
	char stamp[32];
	int n;

	gmtime_r(&sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%S", &tm);
	n = snprintf(buf, len, "%s-%s.%09lluZ-%d-", instance, stamp,
		     (unsigned long long)(id->start_realtime_ns % 1000000000ULL), id->pid);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int tlog_file_name(char *buf, size_t len, const char *instance, const struct tlog_core_id *id,
		   uint32_t index)
{
	char prefix[160];
	int n;

	if (name_prefix(prefix, sizeof(prefix), instance, id))
		return -ENAMETOOLONG;
	n = snprintf(buf, len, "%s%06u%s", prefix, index, SPINAL_TLOG_SUFFIX);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int set_path(struct tlog *l, uint32_t index)
{
	int n = snprintf(l->path, sizeof(l->path), "%s/%s%06u%s", l->dir, l->prefix, index,
			 SPINAL_TLOG_SUFFIX);

	return n < 0 || (size_t)n >= sizeof(l->path) ? -ENAMETOOLONG : 0;
}

static int write_all(int fd, const void *p, size_t len)
{
	const char *c = p;

	while (len) {
		ssize_t w = write(fd, c, len);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		c += w;
		len -= (size_t)w;
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Delete the oldest .tlog files of this instance beyond keep_files. */
static void apply_retention(struct tlog *l)
{
	char **names = NULL, want[SPINAL_NAME_MAX + 2];
	size_t n = 0, cap = 0, i, plen;
	struct dirent *de;
	DIR *d;

	if (!l->keep_files)
		return;
	d = opendir(l->dir);
	if (!d)
		return;
	snprintf(want, sizeof(want), "%s-", l->instance);
	plen = strlen(want);
	while ((de = readdir(d))) {
		size_t nl = strlen(de->d_name);

		if (strncmp(de->d_name, want, plen) || nl < 6 ||
		    strcmp(de->d_name + nl - 5, SPINAL_TLOG_SUFFIX))
			continue;
		if (n == cap) {
			char **nn = realloc(names, (cap = cap ? cap * 2 : 32) * sizeof(*names));

			if (!nn)
				break;
			names = nn;
		}
		names[n] = strdup(de->d_name);
		if (names[n])
			n++;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_str);
	for (i = 0; n > l->keep_files && i < n - l->keep_files; i++) {
		char p[1024];

		if (snprintf(p, sizeof(p), "%s/%s", l->dir, names[i]) < (int)sizeof(p) &&
		    strcmp(p, l->path))
			unlink(p);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static int open_new_file(struct tlog *l, uint32_t index)
{
	struct spinal_tlog_hdr h;
	struct timespec ts;
	int rc;

	rc = set_path(l, index);
	if (rc)
		return rc;
	l->fd = open(l->path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0640);
	if (l->fd < 0)
		return -errno;
	memset(&h, 0, sizeof(h));
	h.magic = SPINAL_TLOG_MAGIC;
	h.version = SPINAL_TLOG_VERSION;
	h.hdr_size = sizeof(h);
	h.rec_size = REC_SIZE;
	h.abi_major = l->id.abi_major;
	h.abi_minor = l->id.abi_minor;
	h.core_pid = l->id.pid;
	h.core_start_realtime_ns = l->id.start_realtime_ns;
	h.core_start_mono_ns = l->id.start_mono_ns;
	h.boot_id_hash = l->id.boot_id_hash;
	h.period_ns = l->id.period_ns;
	h.file_index = index;
	h.first_seq = l->next_seq;
	clock_gettime(CLOCK_REALTIME, &ts);
	h.created_realtime_ns = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
	snprintf(h.instance, sizeof(h.instance), "%s", l->instance);
	gethostname(h.host, sizeof(h.host) - 1);
	rc = write_all(l->fd, &h, sizeof(h));
	if (rc) {
		close(l->fd);
		unlink(l->path);
		l->fd = -1;
		return rc;
	}
	l->index = index;
	l->size = sizeof(h);
	apply_retention(l);
	return 0;
}

static int close_file(struct tlog *l)
{
	int rc = 0;

	if (l->fd < 0)
		return 0;
	if (l->fsync_mode != TLOG_FSYNC_NONE) {
		if (fsync(l->fd) < 0)
			rc = -errno;
		else
			l->c.fsyncs++;
	}
	close(l->fd);
	l->fd = -1;
	return rc;
}

/* Find the newest file of this core run; continue it.  0 when none exists. */
static int resume_existing(struct tlog *l, uint64_t *resume)
{
	struct dirent *de;
	size_t plen = strlen(l->prefix);
	long best = -1;
	struct spinal_tlog_hdr h;
	struct spinal_telem_rec last;
	struct stat st;
	uint64_t nrec;
	DIR *d;
	int fd;

	d = opendir(l->dir);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char *end;
		long idx;

		if (strncmp(de->d_name, l->prefix, plen))
			continue;
		idx = strtol(de->d_name + plen, &end, 10);
		if (end == de->d_name + plen || strcmp(end, SPINAL_TLOG_SUFFIX) || idx < 0)
			continue;
		if (idx > best)
			best = idx;
	}
	closedir(d);
	if (best < 0)
		return 0;
	if (set_path(l, (uint32_t)best))
		return -ENAMETOOLONG;
	fd = open(l->path, O_RDWR | O_APPEND | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || pread(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h) ||
	    h.magic != SPINAL_TLOG_MAGIC || h.rec_size != REC_SIZE || h.hdr_size != sizeof(h) ||
	    h.core_pid != l->id.pid || h.core_start_realtime_ns != l->id.start_realtime_ns) {
		/* Not ours or unreadable: leave it alone, start after it. */
		close(fd);
		if (set_path(l, (uint32_t)best + 1))
			return -ENAMETOOLONG;
		l->index = (uint32_t)best + 1;
		return 1;
	}
	nrec = ((uint64_t)st.st_size - sizeof(h)) / REC_SIZE;
	if ((uint64_t)st.st_size != sizeof(h) + nrec * REC_SIZE &&
	    ftruncate(fd, (off_t)(sizeof(h) + nrec * REC_SIZE)) < 0) {
		close(fd);
		return -errno;
	}
	*resume = h.first_seq;
	if (nrec && pread(fd, &last, sizeof(last), (off_t)(sizeof(h) + (nrec - 1) * REC_SIZE)) ==
			    (ssize_t)sizeof(last))
		*resume = last.kind == SPINAL_REC_GAP ? last.seq + last.gap_count : last.seq + 1;
	l->fd = fd;
	l->index = (uint32_t)best;
	l->size = sizeof(h) + nrec * REC_SIZE;
	return 0;
}

struct tlog *tlog_open(const struct tlog_opts *o, const struct tlog_core_id *id,
		       uint64_t *resume_seq)
{
	struct tlog *l = calloc(1, sizeof(*l));
	int rc;

	if (!l)
		return NULL;
	l->fd = -1;
	if (snprintf(l->dir, sizeof(l->dir), "%s", o->dir) >= (int)sizeof(l->dir) ||
	    snprintf(l->instance, sizeof(l->instance), "%s", o->instance) >=
		    (int)sizeof(l->instance)) {
		rc = -ENAMETOOLONG;
		goto out_free;
	}
	l->id = *id;
	rc = name_prefix(l->prefix, sizeof(l->prefix), l->instance, id);
	if (rc)
		goto out_free;
	l->rotate_bytes = o->rotate_bytes;
	l->keep_files = o->keep_files;
	l->fsync_mode = o->fsync_mode;
	l->cap = o->batch_max ? o->batch_max : 1;
	l->buf = calloc(l->cap, REC_SIZE);
	if (!l->buf) {
		rc = -ENOMEM;
		goto out_free;
	}
	*resume_seq = 0;
	rc = resume_existing(l, resume_seq);
	if (rc < 0)
		goto out_buf;
	l->next_seq = *resume_seq;
	if (l->fd < 0) {
		rc = open_new_file(l, rc == 1 ? l->index : 0);
		if (rc)
			goto out_buf;
	}
	return l;
out_buf:
	free(l->buf);
out_free:
	free(l);
	errno = -rc;
	return NULL;
}

int tlog_append(struct tlog *l, const struct spinal_telem_rec *rec)
{
	if (l->n >= l->cap)
		return -ENOBUFS;
	l->buf[l->n] = *rec;
	l->buf[l->n].kind = SPINAL_REC_TICK;
	l->buf[l->n].gap_count = 0;
	l->n++;
	l->next_seq = rec->seq + 1;
	return 0;
}

int tlog_gap(struct tlog *l, uint64_t seq, uint64_t count)
{
	struct spinal_telem_rec *g;

	if (l->n >= l->cap)
		return -ENOBUFS;
	g = &l->buf[l->n++];
	memset(g, 0, sizeof(*g));
	g->seq = seq;
	g->kind = SPINAL_REC_GAP;
	g->gap_count = count;
	l->next_seq = seq + count;
	return 0;
}

unsigned int tlog_pending(const struct tlog *l)
{
	return l->n;
}

int tlog_flush(struct tlog *l)
{
	size_t bytes = (size_t)l->n * REC_SIZE;
	unsigned int i;
	int rc;

	if (!l->n)
		return 0;
	if (l->fd >= 0 && l->rotate_bytes && l->size > sizeof(struct spinal_tlog_hdr) &&
	    l->size + bytes > l->rotate_bytes) {
		uint64_t save = l->next_seq;

		close_file(l);
		/* the new file starts with the first buffered entry */
		l->next_seq = l->buf[0].seq;
		rc = open_new_file(l, l->index + 1);
		l->next_seq = save;
		if (rc) {
			l->c.errors++;
			return rc;
		}
		l->c.rotations++;
	}
	if (l->fd < 0) {
		uint64_t save = l->next_seq;

		l->next_seq = l->buf[0].seq;
		rc = open_new_file(l, l->index + 1);
		l->next_seq = save;
		if (rc) {
			l->c.errors++;
			return rc;
		}
	}
	rc = write_all(l->fd, l->buf, bytes);
	l->c.writes++;
	if (rc) {
		/* cut back whatever part of the batch got in; keep it buffered */
		if (ftruncate(l->fd, (off_t)l->size) < 0) {
			close(l->fd);
			l->fd = -1; /* next flush starts a fresh file */
		}
		l->c.errors++;
		return rc;
	}
	if (l->fsync_mode == TLOG_FSYNC_BATCH) {
		if (fdatasync(l->fd) == 0)
			l->c.fsyncs++;
	}
	l->size += bytes;
	l->c.bytes += bytes;
	for (i = 0; i < l->n; i++) {
		if (l->buf[i].kind == SPINAL_REC_GAP) {
			l->c.gaps++;
			l->c.missing += l->buf[i].gap_count;
		} else {
			l->c.records++;
		}
	}
	l->n = 0;
	return 0;
}

int tlog_set_opts(struct tlog *l, uint64_t rotate_bytes, unsigned int keep_files,
		  unsigned int batch_max, int fsync_mode)
{
	if (batch_max > l->cap) {
		struct spinal_telem_rec *nb = realloc(l->buf, (size_t)batch_max * REC_SIZE);

		if (!nb)
			return -ENOMEM;
		l->buf = nb;
		l->cap = batch_max;
	}
	l->rotate_bytes = rotate_bytes;
	l->keep_files = keep_files;
	l->fsync_mode = fsync_mode;
	return 0;
}

void tlog_get_counters(const struct tlog *l, struct tlog_counters *c)
{
	*c = l->c;
}

const char *tlog_path(const struct tlog *l)
{
	return l->path;
}

int tlog_close(struct tlog *l)
{
	int rc, rc2;

	if (!l)
		return 0;
	rc = tlog_flush(l);
	rc2 = close_file(l);
	free(l->buf);
	free(l);
	return rc ? rc : rc2;
}
