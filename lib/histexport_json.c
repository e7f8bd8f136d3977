// SPDX-License-Identifier: MIT
/*
 * Histograms as JSON in cyclictest's --json layout (+ exact spinal buckets),
 * and a small strict parser for that layout and for cyclictest's own output.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/histexport.h"
#include "lib/histexport_priv.h"
#include "lib/jsonout.h"

static void write_thread(FILE *f, const struct spinal_hist_snap *s, const char *name,
			 unsigned int rows_us)
{
	uint64_t mn, avg, mx, ov, row, cnt;
	uint32_t b;
	int first = 1;

	spinal_hx_summary(s, rows_us, &mn, &avg, &mx, &ov);
	fprintf(f, "{\n      \"histogram\": {");
	for (b = 0; b < SPINAL_HIST_NBUCKETS;) {
		row = spinal_hx_row_of_bucket(b);
		cnt = 0;
		/* several spinal buckets share a row below 10 us */
		while (b < SPINAL_HIST_NBUCKETS && spinal_hx_row_of_bucket(b) == row)
			cnt += s->bucket[b++];
		if (!cnt || row >= rows_us)
			continue;
		fprintf(f, "%s\n        \"%llu\": %llu", first ? "" : ",",
			(unsigned long long)row, (unsigned long long)cnt);
		first = 0;
	}
	fprintf(f, "\n      },\n");
	fprintf(f, "      \"cycles\": %llu,\n      \"min\": %llu,\n      \"max\": %llu,\n",
		(unsigned long long)s->count, (unsigned long long)mn, (unsigned long long)mx);
	fprintf(f, "      \"avg\": %.2f,\n      \"overflows\": %llu,\n",
		s->count ? (double)s->sum_ns / (double)s->count / 1000.0 : 0.0,
		(unsigned long long)ov);
	fprintf(f, "      \"spinal\": {\n        \"name\": ");
	spinal_json_str(f, name);
	fprintf(f, ",\n        \"unit\": \"ns\",\n        \"count\": %llu,\n"
		   "        \"sum_ns\": %llu,\n        \"max_ns\": %llu,\n",
		(unsigned long long)s->count, (unsigned long long)s->sum_ns,
		(unsigned long long)s->max_ns);
	fprintf(f, "        \"p50_ns\": %llu,\n        \"p90_ns\": %llu,\n"
		   "        \"p99_ns\": %llu,\n        \"p999_ns\": %llu,\n",
		(unsigned long long)spinal_hist_quantile(s, 0.5),
		(unsigned long long)spinal_hist_quantile(s, 0.9),
		(unsigned long long)spinal_hist_quantile(s, 0.99),
		(unsigned long long)spinal_hist_quantile(s, 0.999));
	fprintf(f, "        \"buckets\": [");
	first = 1;
	for (b = 0; b < SPINAL_HIST_NBUCKETS; b++) {
		if (!s->bucket[b])
			continue;
		fprintf(f, "%s[%u, %llu, %llu]", first ? "" : ", ", b,
			(unsigned long long)spinal_hist_lower(b),
			(unsigned long long)s->bucket[b]);
		first = 0;
	}
	fprintf(f, "]\n      }\n    }");
}

int spinal_histjson_write(FILE *f, const struct spinal_hist_snap *snaps,
			  const char *const *names, unsigned int n,
			  unsigned int rows_us, unsigned int flags)
{
	unsigned int c;

	(void)flags;
	if (n == 0 || n > SPINAL_HISTEXPORT_MAXCOLS || rows_us == 0 ||
	    rows_us > SPINAL_HISTEXPORT_MAX_ROWS)
		return -EINVAL;
	fprintf(f, "{\n  \"file_version\": 1,\n  \"source\": \"spinal\",\n"
		   "  \"bucket_layout\": \"spinal-hist-v1\",\n  \"histogram_rows_us\": %u,\n"
		   "  \"num_threads\": %u,\n  \"thread\": {", rows_us, n);
	for (c = 0; c < n; c++) {
		char tmp[16];

		fprintf(f, "%s\n    \"%u\": ", c ? "," : "", c);
		snprintf(tmp, sizeof(tmp), "%u", c);
		write_thread(f, &snaps[c], names && names[c] ? names[c] : tmp, rows_us);
	}
	fprintf(f, "\n  }\n}\n");
	if (fflush(f) == EOF || ferror(f))
		return -EIO;
	return 0;
}

/* ---- parser ---------------------------------------------------------- */

struct jp {
	const char *p, *end;
	int depth;
};

static void ws(struct jp *j)
{
	while (j->p < j->end && isspace((unsigned char)*j->p))
		j->p++;
}

static int expect(struct jp *j, char ch)
{
	ws(j);
	if (j->p >= j->end || *j->p != ch)
		return -EBADMSG;
	j->p++;
	return 0;
}

static int peek(struct jp *j)
{
	ws(j);
	return j->p < j->end ? (unsigned char)*j->p : -1;
}

/* String into @buf (truncated to @len-1; escapes other than \" \\ kept raw). */
static int jstring(struct jp *j, char *buf, size_t len)
{
	size_t n = 0;

	if (expect(j, '"'))
		return -EBADMSG;
	while (j->p < j->end && *j->p != '"') {
		char ch = *j->p++;

		if (ch == '\\') {
			if (j->p >= j->end)
				return -EBADMSG;
			ch = *j->p++;
		}
		if (n + 1 < len)
			buf[n++] = ch;
	}
	if (j->p >= j->end)
		return -EBADMSG;
	j->p++;
	if (len)
		buf[n] = '\0';
	return 0;
}

static int jnumber(struct jp *j, double *out)
{
	char *e;

	ws(j);
	if (j->p >= j->end)
		return -EBADMSG;
	*out = strtod(j->p, &e);
	if (e == j->p || e > j->end)
		return -EBADMSG;
	j->p = e;
	return 0;
}

static int ju64(struct jp *j, uint64_t *out)
{
	char *e;

	ws(j);
	if (j->p >= j->end || !isdigit((unsigned char)*j->p))
		return -EBADMSG;
	errno = 0;
	*out = strtoull(j->p, &e, 10);
	if (errno || e > j->end)
		return -EBADMSG;
	if (e < j->end && (*e == '.' || *e == 'e' || *e == 'E'))
		return -EBADMSG; /* counts are integers */
	j->p = e;
	return 0;
}

static int skip_value(struct jp *j);

/* Iterate over an object: calls @fn for each key with j positioned at the value. */
static int jobject(struct jp *j, int (*fn)(struct jp *, const char *, void *), void *arg)
{
	char key[64];
	int err;

	if (expect(j, '{'))
		return -EBADMSG;
	if (++j->depth > 32)
		return -EBADMSG;
	if (peek(j) == '}') {
		j->p++;
		j->depth--;
		return 0;
	}
	for (;;) {
		if ((err = jstring(j, key, sizeof(key))) || (err = expect(j, ':')))
			return err;
		err = fn ? fn(j, key, arg) : skip_value(j);
		if (err)
			return err;
		if (peek(j) == ',') {
			j->p++;
			continue;
		}
		j->depth--;
		return expect(j, '}');
	}
}

static int skip_key(struct jp *j, const char *key, void *arg)
{
	(void)key;
	(void)arg;
	return skip_value(j);
}

static int skip_value(struct jp *j)
{
	char tmp[8];
	double d;
	int ch = peek(j);

	if (ch == '{')
		return jobject(j, skip_key, NULL);
	if (ch == '[') {
		j->p++;
		if (++j->depth > 32)
			return -EBADMSG;
		if (peek(j) == ']') {
			j->p++;
			j->depth--;
			return 0;
		}
		for (;;) {
			int err = skip_value(j);

			if (err)
				return err;
			if (peek(j) == ',') {
				j->p++;
				continue;
			}
			j->depth--;
			return expect(j, ']');
		}
	}
	if (ch == '"')
		return jstring(j, tmp, sizeof(tmp));
	if (j->end - j->p >= 4 && (!strncmp(j->p, "true", 4) || !strncmp(j->p, "null", 4))) {
		j->p += 4;
		return 0;
	}
	if (j->end - j->p >= 5 && !strncmp(j->p, "false", 5)) {
		j->p += 5;
		return 0;
	}
	return jnumber(j, &d);
}

struct thr {
	struct spinal_hist_snap ct;  /* from "histogram" */
	struct spinal_hist_snap nat; /* from "spinal" */
	int have_hist, have_nat, have_cycles, have_max;
	uint64_t cycles, max_us, rows_total, top_row, nat_count;
	double avg_us;
	char name[SPINAL_HISTEXPORT_NAME_MAX];
};

static int hist_key(struct jp *j, const char *key, void *arg)
{
	struct thr *t = arg;
	uint64_t row, cnt;
	char *e;
	int err;

	errno = 0;
	row = strtoull(key, &e, 10);
	if (errno || e == key || *e)
		return -EBADMSG;
	if ((err = ju64(j, &cnt)))
		return err;
	t->ct.bucket[spinal_hx_bucket_of_row(row)] += cnt;
	t->ct.count += cnt;
	t->rows_total += cnt;
	if (cnt && row > t->top_row)
		t->top_row = row;
	return 0;
}

static int buckets(struct jp *j, struct thr *t)
{
	uint64_t v[3];
	int i, err;

	if (expect(j, '['))
		return -EBADMSG;
	if (peek(j) == ']') {
		j->p++;
		return 0;
	}
	for (;;) {
		if (expect(j, '['))
			return -EBADMSG;
		for (i = 0; i < 3; i++) {
			if (i && expect(j, ','))
				return -EBADMSG;
			if ((err = ju64(j, &v[i])))
				return err;
		}
		if (expect(j, ']'))
			return -EBADMSG;
		if (v[0] >= SPINAL_HIST_NBUCKETS || spinal_hist_lower((uint32_t)v[0]) != v[1])
			return -EBADMSG; /* another bucket layout */
		t->nat.bucket[v[0]] += v[2];
		t->nat.count += v[2];
		if (peek(j) == ',') {
			j->p++;
			continue;
		}
		return expect(j, ']');
	}
}

static int spinal_key(struct jp *j, const char *key, void *arg)
{
	struct thr *t = arg;

	t->have_nat = 1;
	if (!strcmp(key, "name"))
		return jstring(j, t->name, sizeof(t->name));
	if (!strcmp(key, "count"))
		return ju64(j, &t->nat_count);
	if (!strcmp(key, "sum_ns"))
		return ju64(j, &t->nat.sum_ns);
	if (!strcmp(key, "max_ns"))
		return ju64(j, &t->nat.max_ns);
	if (!strcmp(key, "buckets"))
		return buckets(j, t);
	return skip_value(j);
}

static int thread_key(struct jp *j, const char *key, void *arg)
{
	struct thr *t = arg;

	if (!strcmp(key, "histogram")) {
		t->have_hist = 1;
		return jobject(j, hist_key, t);
	}
	if (!strcmp(key, "cycles")) {
		t->have_cycles = 1;
		return ju64(j, &t->cycles);
	}
	if (!strcmp(key, "max")) {
		t->have_max = 1;
		return ju64(j, &t->max_us);
	}
	if (!strcmp(key, "avg"))
		return jnumber(j, &t->avg_us);
	if (!strcmp(key, "spinal"))
		return jobject(j, spinal_key, t);
	return skip_value(j);
}

struct top {
	struct spinal_hist_snap *snaps;
	unsigned int max, n;
	struct spinal_histexport_info *info;
	struct thr *t;
	int have_thread;
};

static int finish_thread(struct top *tp, struct thr *t)
{
	struct spinal_hist_snap *s = &tp->snaps[tp->n];
	uint64_t ov = 0;

	if (t->have_nat) {
		if (t->nat.count != t->nat_count)
			return -EBADMSG;
		*s = t->nat;
	} else if (t->have_hist) {
		*s = t->ct;
		s->max_ns = t->have_max ? t->max_us * 1000 : t->top_row * 1000 + 999;
		if (t->have_cycles && t->cycles > t->rows_total)
			ov = t->cycles - t->rows_total;
		spinal_hx_add_overflows(s, ov, s->max_ns);
		s->sum_ns = (uint64_t)(t->avg_us * 1000.0 * (double)s->count);
	} else {
		return -ENODATA; /* cyclictest run without -h */
	}
	if (tp->info) {
		tp->info->total[tp->n] = t->have_nat ? s->count : t->rows_total;
		tp->info->overflows[tp->n] = ov;
		tp->info->max_us[tp->n] = s->max_ns / 1000;
		memcpy(tp->info->name[tp->n], t->name, sizeof(t->name));
		if (t->have_nat)
			tp->info->native = 1;
		if (t->top_row + 1 > tp->info->rows_us)
			tp->info->rows_us = (unsigned int)t->top_row + 1;
	}
	tp->n++;
	return 0;
}

static int threads_key(struct jp *j, const char *key, void *arg)
{
	struct top *tp = arg;
	int err;

	(void)key;
	if (tp->n >= tp->max || tp->n >= SPINAL_HISTEXPORT_MAXCOLS)
		return -E2BIG;
	memset(tp->t, 0, sizeof(*tp->t));
	err = jobject(j, thread_key, tp->t);
	return err ? err : finish_thread(tp, tp->t);
}

static int top_key(struct jp *j, const char *key, void *arg)
{
	struct top *tp = arg;

	if (!strcmp(key, "thread")) {
		tp->have_thread = 1;
		return jobject(j, threads_key, tp);
	}
	return skip_value(j);
}

int spinal_histjson_parse(const char *text, size_t len, struct spinal_hist_snap *snaps,
			  unsigned int max, struct spinal_histexport_info *info)
{
	struct jp j = { .p = text, .end = text + len, .depth = 0 };
	struct top tp = { .snaps = snaps, .max = max, .info = info };
	int err;

	if (max == 0)
		return -E2BIG;
	memset(snaps, 0, sizeof(*snaps) * max);
	if (info)
		memset(info, 0, sizeof(*info));
	tp.t = calloc(1, sizeof(*tp.t));
	if (!tp.t)
		return -ENOMEM;
	err = jobject(&j, top_key, &tp);
	free(tp.t);
	if (err)
		return err;
	if (peek(&j) != -1)
		return -EBADMSG;
	if (!tp.have_thread || tp.n == 0)
		return -ENODATA;
	if (info)
		info->ncols = tp.n;
	return (int)tp.n;
}
