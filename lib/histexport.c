// SPDX-License-Identifier: MIT
/* Histograms in cyclictest --histfile text format: writer and parser. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/histexport.h"
#include "lib/histexport_priv.h"

uint64_t spinal_hx_row_of_bucket(uint32_t b)
{
	if (b >= SPINAL_HIST_NBUCKETS - 1)
		return UINT64_MAX;
	return spinal_hist_lower(b) / 1000;
}

uint32_t spinal_hx_bucket_of_row(uint64_t row_us)
{
	if (row_us >= SPINAL_HIST_MAX_NS / 1000)
		return SPINAL_HIST_NBUCKETS - 1;
	return spinal_hist_bucket(row_us * 1000 + 999);
}

void spinal_hx_summary(const struct spinal_hist_snap *s, unsigned int rows_us,
		       uint64_t *min_us, uint64_t *avg_us, uint64_t *max_us,
		       uint64_t *overflows)
{
	uint64_t ov = 0;
	uint32_t b;
	int seen = 0;

	*min_us = 0;
	for (b = 0; b < SPINAL_HIST_NBUCKETS; b++) {
		if (!s->bucket[b])
			continue;
		if (!seen) {
			*min_us = spinal_hist_lower(b) / 1000;
			seen = 1;
		}
		if (spinal_hx_row_of_bucket(b) >= rows_us)
			ov += s->bucket[b];
	}
	*avg_us = s->count ? s->sum_ns / s->count / 1000 : 0;
	*max_us = s->max_ns / 1000;
	*overflows = ov;
}

void spinal_hx_add_overflows(struct spinal_hist_snap *s, uint64_t n, uint64_t max_ns)
{
	if (!n)
		return;
	s->bucket[spinal_hist_bucket(max_ns)] += n;
	s->count += n;
}

static int put_cols(FILE *f, const char *label, const uint64_t *v, unsigned int n, int width)
{
	unsigned int i;

	fprintf(f, "# %s:", label);
	for (i = 0; i < n; i++)
		fprintf(f, " %0*llu", width, (unsigned long long)v[i]);
	return fputc('\n', f) == EOF ? -EIO : 0;
}

static void write_native(FILE *f, const struct spinal_hist_snap *snaps,
			 const char *const *names, unsigned int n)
{
	unsigned int c;
	uint32_t b;

	fprintf(f, "# spinal-hist v1 buckets=%u columns=%u\n", SPINAL_HIST_NBUCKETS, n);
	for (c = 0; c < n; c++) {
		fprintf(f, "# spinal-col %u name=%s count=%llu sum_ns=%llu max_ns=%llu\n", c,
			names && names[c] ? names[c] : "-",
			(unsigned long long)snaps[c].count,
			(unsigned long long)snaps[c].sum_ns,
			(unsigned long long)snaps[c].max_ns);
		for (b = 0; b < SPINAL_HIST_NBUCKETS; b++)
			if (snaps[c].bucket[b])
				fprintf(f, "# spinal-b %u %u %llu\n", c, b,
					(unsigned long long)snaps[c].bucket[b]);
	}
}

int spinal_histfile_write(FILE *f, const struct spinal_hist_snap *snaps,
			  const char *const *names, unsigned int n,
			  unsigned int rows_us, unsigned int flags)
{
	uint64_t total[SPINAL_HISTEXPORT_MAXCOLS] = { 0 }, mn[SPINAL_HISTEXPORT_MAXCOLS];
	uint64_t avg[SPINAL_HISTEXPORT_MAXCOLS], mx[SPINAL_HISTEXPORT_MAXCOLS];
	uint64_t ov[SPINAL_HISTEXPORT_MAXCOLS];
	uint64_t *rows;
	unsigned int c, r;
	uint32_t b;
	int err = 0;

	if (n == 0 || n > SPINAL_HISTEXPORT_MAXCOLS || rows_us == 0 ||
	    rows_us > SPINAL_HISTEXPORT_MAX_ROWS)
		return -EINVAL;
	rows = calloc((size_t)rows_us * n, sizeof(*rows));
	if (!rows)
		return -ENOMEM;
	for (c = 0; c < n; c++) {
		for (b = 0; b < SPINAL_HIST_NBUCKETS; b++) {
			uint64_t row = spinal_hx_row_of_bucket(b);

			if (row < rows_us) {
				rows[(size_t)row * n + c] += snaps[c].bucket[b];
				total[c] += snaps[c].bucket[b];
			}
		}
		spinal_hx_summary(&snaps[c], rows_us, &mn[c], &avg[c], &mx[c], &ov[c]);
	}
	fprintf(f, "# Histogram\n");
	for (r = 0; r < rows_us; r++) {
		fprintf(f, "%06u", r);
		for (c = 0; c < n; c++)
			fprintf(f, "%s%06llu", c ? "\t" : " ",
				(unsigned long long)rows[(size_t)r * n + c]);
		fputc('\n', f);
	}
	free(rows);
	err |= put_cols(f, "Total", total, n, 9);
	err |= put_cols(f, "Min Latencies", mn, n, 5);
	err |= put_cols(f, "Avg Latencies", avg, n, 5);
	err |= put_cols(f, "Max Latencies", mx, n, 5);
	err |= put_cols(f, "Histogram Overflows", ov, n, 5);
	fprintf(f, "# Histogram Overflow at cycle number:\n");
	for (c = 0; c < n; c++)
		fprintf(f, "# Thread %u:\n", c);
	if (flags & SPINAL_HISTEXPORT_NATIVE)
		write_native(f, snaps, names, n);
	if (err || fflush(f) == EOF || ferror(f))
		return -EIO;
	return 0;
}

/* Parse up to @max unsigned numbers after @s; returns how many, -1 on junk. */
static int parse_nums(const char *s, uint64_t *v, unsigned int max)
{
	unsigned int n = 0;
	char *end;

	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '\0' || *s == '\n' || *s == '\r')
			return (int)n;
		if (!isdigit((unsigned char)*s) || n >= max)
			return -1;
		errno = 0;
		v[n++] = strtoull(s, &end, 10);
		if (errno)
			return -1;
		s = end;
	}
}

struct hf_state {
	struct spinal_hist_snap *snaps;
	unsigned int max;
	int ncols;                  /* from the first data row, -1 before */
	uint64_t last_row;
	int have_row;
	uint64_t total[SPINAL_HISTEXPORT_MAXCOLS + 1];
	uint64_t top_row[SPINAL_HISTEXPORT_MAXCOLS];
	int have_total, have_max, have_avg, have_ov;
	uint64_t tot_line[SPINAL_HISTEXPORT_MAXCOLS + 1];
	int ntot_line;
	uint64_t max_us[SPINAL_HISTEXPORT_MAXCOLS + 1];
	uint64_t avg_us[SPINAL_HISTEXPORT_MAXCOLS + 1];
	uint64_t ov[SPINAL_HISTEXPORT_MAXCOLS + 1];
	/* native */
	struct spinal_hist_snap *nat;
	int nat_cols;
	uint64_t nat_count[SPINAL_HISTEXPORT_MAXCOLS];
	char name[SPINAL_HISTEXPORT_MAXCOLS][SPINAL_HISTEXPORT_NAME_MAX];
};

static int hf_data(struct hf_state *st, const char *line)
{
	uint64_t v[SPINAL_HISTEXPORT_MAXCOLS + 2];
	int k = parse_nums(line, v, SPINAL_HISTEXPORT_MAXCOLS + 2), c;

	if (k < 2)
		return -EBADMSG;
	if (st->ncols < 0) {
		if ((unsigned int)(k - 1) > st->max || k - 1 > SPINAL_HISTEXPORT_MAXCOLS)
			return -E2BIG;
		st->ncols = k - 1;
	}
	if (k - 1 != st->ncols)
		return -EBADMSG;
	if (st->have_row && v[0] <= st->last_row)
		return -EBADMSG;
	st->have_row = 1;
	st->last_row = v[0];
	for (c = 0; c < st->ncols; c++) {
		struct spinal_hist_snap *s = &st->snaps[c];

		if (!v[c + 1])
			continue;
		s->bucket[spinal_hx_bucket_of_row(v[0])] += v[c + 1];
		s->count += v[c + 1];
		st->total[c] += v[c + 1];
		st->top_row[c] = v[0];
	}
	return 0;
}

static int hf_native(struct hf_state *st, const char *line)
{
	unsigned int c, b, nb, nc;
	unsigned long long cnt, sum, mx;
	char name[SPINAL_HISTEXPORT_NAME_MAX];

	if (sscanf(line, "# spinal-hist v1 buckets=%u columns=%u", &nb, &nc) == 2) {
		if (nb != SPINAL_HIST_NBUCKETS)
			return -EBADMSG; /* other bucket layout: fall back? refuse. */
		if (nc == 0 || nc > st->max || nc > SPINAL_HISTEXPORT_MAXCOLS)
			return -E2BIG;
		st->nat = calloc(nc, sizeof(*st->nat));
		if (!st->nat)
			return -ENOMEM;
		st->nat_cols = (int)nc;
		return 0;
	}
	if (sscanf(line, "# spinal-col %u name=%31s count=%llu sum_ns=%llu max_ns=%llu",
		   &c, name, &cnt, &sum, &mx) == 5) {
		if (!st->nat || c >= (unsigned int)st->nat_cols)
			return -EBADMSG;
		st->nat[c].sum_ns = sum;
		st->nat[c].max_ns = mx;
		st->nat_count[c] = cnt;
		snprintf(st->name[c], sizeof(st->name[c]), "%s", name);
		return 0;
	}
	if (sscanf(line, "# spinal-b %u %u %llu", &c, &b, &cnt) == 3) {
		if (!st->nat || c >= (unsigned int)st->nat_cols || b >= SPINAL_HIST_NBUCKETS)
			return -EBADMSG;
		st->nat[c].bucket[b] += cnt;
		st->nat[c].count += cnt;
		return 0;
	}
	return 0; /* unknown spinal comment: ignore (forward compatible) */
}

static int hf_comment(struct hf_state *st, const char *line)
{
	static const struct {
		const char *prefix;
		size_t off;
	} keys[] = {
		{ "# Total:", offsetof(struct hf_state, tot_line) },
		{ "# Max Latencies:", offsetof(struct hf_state, max_us) },
		{ "# Avg Latencies:", offsetof(struct hf_state, avg_us) },
		{ "# Histogram Overflows:", offsetof(struct hf_state, ov) },
	};
	unsigned int i;

	if (!strncmp(line, "# spinal-", 9))
		return hf_native(st, line);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		size_t n = strlen(keys[i].prefix);
		uint64_t *dst = (uint64_t *)((char *)st + keys[i].off);
		int k;

		if (strncmp(line, keys[i].prefix, n))
			continue;
		k = parse_nums(line + n, dst, SPINAL_HISTEXPORT_MAXCOLS + 1);
		if (k < 0)
			return -EBADMSG;
		if (i == 0) {
			st->have_total = 1;
			st->ntot_line = k;
		} else if (i == 1) {
			st->have_max = k;
		} else if (i == 2) {
			st->have_avg = k;
		} else {
			st->have_ov = k;
		}
		return 0;
	}
	return 0;
}

static int hf_finish(struct hf_state *st, struct spinal_histexport_info *info)
{
	int c;

	if (st->ncols < 0 && st->nat_cols == 0)
		return -ENODATA;
	if (st->ncols < 0)
		st->ncols = st->nat_cols;
	if (st->have_total) {
		if (st->ntot_line < st->ncols)
			return -EBADMSG;
		for (c = 0; c < st->ncols; c++)
			if (st->tot_line[c] != st->total[c])
				return -EBADMSG;
	}
	if (st->nat_cols) {
		if (st->nat_cols != st->ncols)
			return -EBADMSG;
		for (c = 0; c < st->ncols; c++)
			if (st->nat[c].count != st->nat_count[c])
				return -EBADMSG;
	}
	for (c = 0; c < st->ncols; c++) {
		struct spinal_hist_snap *s = &st->snaps[c];
		uint64_t ov = c < st->have_ov ? st->ov[c] : 0;

		if (st->nat_cols) {
			*s = st->nat[c];
		} else {
			s->max_ns = c < st->have_max ? st->max_us[c] * 1000
						     : st->top_row[c] * 1000 + 999;
			spinal_hx_add_overflows(s, ov, s->max_ns);
			if (c < st->have_avg)
				s->sum_ns = st->avg_us[c] * 1000 * s->count;
		}
		if (info) {
			info->total[c] = st->total[c];
			info->overflows[c] = ov;
			info->max_us[c] = c < st->have_max ? st->max_us[c] : s->max_ns / 1000;
			memcpy(info->name[c], st->name[c], sizeof(info->name[c]));
		}
	}
	if (info) {
		info->ncols = (unsigned int)st->ncols;
		info->rows_us = st->have_row ? (unsigned int)st->last_row + 1 : 0;
		info->native = st->nat_cols != 0;
	}
	return st->ncols;
}

int spinal_histfile_parse(FILE *f, struct spinal_hist_snap *snaps, unsigned int max,
			  struct spinal_histexport_info *info)
{
	struct hf_state *st;
	char *line = NULL;
	size_t cap = 0;
	int err = 0;

	if (max == 0)
		return -E2BIG;
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->snaps = snaps;
	st->max = max;
	st->ncols = -1;
	memset(snaps, 0, sizeof(*snaps) * max);
	if (info)
		memset(info, 0, sizeof(*info));
	while (!err && getline(&line, &cap, f) >= 0) {
		const char *p = line;

		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\n' || *p == '\r' || *p == '\0')
			continue;
		err = *p == '#' ? hf_comment(st, p) : hf_data(st, p);
	}
	if (!err && ferror(f))
		err = -EIO;
	if (!err)
		err = hf_finish(st, info);
	free(line);
	free(st->nat);
	free(st);
	return err;
}

char *spinal_histexport_slurp(FILE *f, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap), *nb;

	if (!buf)
		return NULL;
	for (;;) {
		size_t k = fread(buf + n, 1, cap - n - 1, f);

		n += k;
		if (n + 1 < cap)
			break;
		if (cap > (256u << 20)) {
			free(buf);
			errno = EFBIG;
			return NULL;
		}
		nb = realloc(buf, cap * 2);
		if (!nb) {
			free(buf);
			return NULL;
		}
		buf = nb;
		cap *= 2;
	}
	if (ferror(f)) {
		free(buf);
		errno = EIO;
		return NULL;
	}
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}
