// SPDX-License-Identifier: MIT
/* Histogram export: cyclictest --histfile text and JSON, write and parse back. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/histexport.h"

/* Real output of: cyclictest -m -p80 -t2 -i1000 -D1 -h20 -q --histfile=F
 * (all-zero rows removed, which the format allows). */
static const char ct_hist2[] =
	"# Histogram\n"
	"000009 000000\t000001\n"
	"000011 000028\t000065\n"
	"000012 000286\t000342\n"
	"000013 000455\t000428\n"
	"000014 000146\t000092\n"
	"000015 000046\t000021\n"
	"000016 000016\t000014\n"
	"000017 000005\t000011\n"
	"000018 000004\t000007\n"
	"000019 000006\t000006\n"
	"# Total: 000000992 000000987\n"
	"# Min Latencies: 00011 00009\n"
	"# Avg Latencies: 00013 00013\n"
	"# Max Latencies: 00184 00204\n"
	"# Histogram Overflows: 00008 00013\n"
	"# Histogram Overflow at cycle number:\n"
	"# Thread 0: 00011 00154 00161 00628 00651 00654 00666 00677\n"
	"# Thread 1: 00011 00043 00044 00150 00192 00265 00411 00551 00713 00766 00767 00768 00777\n"
	"\n";

/* Real output of cyclictest --json for thread 0 of the same run. */
static const char ct_json[] =
	"{\n  \"file_version\": 1,\n  \"cmdline:\": \"cyclictest -h20\",\n"
	"  \"sysinfo\": {\"sysname\": \"Linux\", \"realtime\": 0},\n"
	"  \"num_threads\": 1,\n  \"resolution_in_ns\": 0,\n"
	"  \"thread\": {\n    \"0\": {\n      \"histogram\": {\n"
	"        \"11\": 28, \"12\": 286, \"13\": 455, \"14\": 146, \"15\": 46,\n"
	"        \"16\": 16, \"17\": 5, \"18\": 4, \"19\": 6\n      },\n"
	"      \"cycles\": 1000, \"min\": 11, \"max\": 184, \"avg\": 13.26,\n"
	"      \"cpu\": 0, \"node\": 0\n    }\n  }\n}\n";

static void add_n(struct spinal_hist_snap *s, uint64_t ns, uint64_t n)
{
	s->bucket[spinal_hist_bucket(ns)] += n;
	s->count += n;
	s->sum_ns += ns * n;
	if (ns > s->max_ns)
		s->max_ns = ns;
}

/* Samples spread over every bucket regime, including >= 100 ms. */
static void fill(struct spinal_hist_snap *s, uint64_t seed)
{
	memset(s, 0, sizeof(*s));
	add_n(s, 50, 3 + seed);
	add_n(s, 150, 7);
	add_n(s, 950, 2);
	add_n(s, 5500, 11 + seed);
	add_n(s, 12345, 100);
	add_n(s, 99999, 4);
	add_n(s, 250000, 5);
	add_n(s, 3000000 + seed, 2);
	add_n(s, 150000000, 1);
}

static char *to_text(const struct spinal_hist_snap *s, unsigned int n, unsigned int rows,
		     unsigned int flags, int json, size_t *len)
{
	static const char *const names[] = { "wake", "sfs", "sps" };
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	int rc;

	assert_non_null(f);
	rc = json ? spinal_histjson_write(f, s, names, n, rows, flags)
		  : spinal_histfile_write(f, s, names, n, rows, flags);
	assert_int_equal(rc, 0);
	fclose(f);
	return buf;
}

static int parse_text(const char *text, struct spinal_hist_snap *out, unsigned int max,
		      struct spinal_histexport_info *info)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int rc;

	assert_non_null(f);
	rc = spinal_histfile_parse(f, out, max, info);
	fclose(f);
	return rc;
}

static void assert_same(const struct spinal_hist_snap *a, const struct spinal_hist_snap *b)
{
	assert_int_equal(a->count, b->count);
	assert_int_equal(a->sum_ns, b->sum_ns);
	assert_int_equal(a->max_ns, b->max_ns);
	assert_memory_equal(a->bucket, b->bucket, sizeof(a->bucket));
}

static void test_native_roundtrip(void **state)
{
	struct spinal_hist_snap in[3], out[4];
	struct spinal_histexport_info info;
	size_t len;
	char *t;
	int c;

	(void)state;
	for (c = 0; c < 3; c++)
		fill(&in[c], (uint64_t)c);
	t = to_text(in, 3, 1000, SPINAL_HISTEXPORT_NATIVE, 0, &len);
	assert_int_equal(parse_text(t, out, 4, &info), 3);
	assert_int_equal(info.native, 1);
	assert_string_equal(info.name[1], "sfs");
	for (c = 0; c < 3; c++)
		assert_same(&in[c], &out[c]);
	free(t);
}

/* Without native lines: counts survive, rows survive exactly, text is a fixpoint. */
static void test_rows_roundtrip(void **state)
{
	struct spinal_hist_snap in, out, out2;
	struct spinal_histexport_info info;
	size_t l1, l2;
	char *t1, *t2;

	(void)state;
	fill(&in, 5);
	t1 = to_text(&in, 1, 1000, 0, 0, &l1);
	assert_int_equal(parse_text(t1, &out, 1, &info), 1);
	assert_int_equal(info.native, 0);
	assert_int_equal(out.count, in.count);
	/* 1 ms rows: 3 ms and 150 ms samples are overflows */
	assert_int_equal(info.overflows[0], 2 + 1);
	assert_int_equal(info.total[0] + info.overflows[0], in.count);
	assert_int_equal(info.max_us[0], 150000);
	assert_true(spinal_hist_quantile(&out, 0.5) >= spinal_hist_quantile(&in, 0.5));
	t2 = to_text(&out, 1, 1000, 0, 0, &l2);
	/* everything up to the Min line is identical (min loses sub-us) */
	assert_memory_equal(t1, t2, (size_t)(strstr(t1, "# Min") - t1));
	assert_int_equal(parse_text(t2, &out2, 1, NULL), 1);
	assert_int_equal(out2.count, in.count);
	free(t1);
	free(t2);
}

static void test_cyclictest_file(void **state)
{
	struct spinal_hist_snap out[2];
	struct spinal_histexport_info info;

	(void)state;
	assert_int_equal(parse_text(ct_hist2, out, 2, &info), 2);
	assert_int_equal(info.total[0], 992);
	assert_int_equal(info.total[1], 987);
	assert_int_equal(info.overflows[0], 8);
	assert_int_equal(info.overflows[1], 13);
	assert_int_equal(out[0].count, 1000);
	assert_int_equal(out[1].count, 1000);
	assert_int_equal(info.max_us[1], 204);
	assert_int_equal(out[1].max_ns, 204000);
	/* p50 of thread 0 is in row 13 -> upper edge 14 us */
	assert_int_equal(spinal_hist_quantile(&out[0], 0.5), 14000);
	assert_int_equal(spinal_hist_quantile(&out[0], 1.0), 184000);
	/* fewer slots than columns */
	assert_int_equal(parse_text(ct_hist2, out, 1, NULL), -E2BIG);
}

static void test_malformed(void **state)
{
	struct spinal_hist_snap out[2];

	(void)state;
	assert_int_equal(parse_text("", out, 2, NULL), -ENODATA);
	assert_int_equal(parse_text("# Histogram\n", out, 2, NULL), -ENODATA);
	assert_int_equal(parse_text("000001 000002\n# Total: 000000003\n", out, 2, NULL),
			 -EBADMSG);
	assert_int_equal(parse_text("000001 000002\t1\n000002 5\n", out, 2, NULL), -EBADMSG);
	assert_int_equal(parse_text("000002 1\n000001 5\n", out, 2, NULL), -EBADMSG);
	assert_int_equal(parse_text("000001 x\n", out, 2, NULL), -EBADMSG);
	assert_int_equal(parse_text("# spinal-hist v1 buckets=7 columns=1\n", out, 2, NULL),
			 -EBADMSG);
	assert_int_equal(parse_text("# spinal-hist v1 buckets=542 columns=1\n"
				    "# spinal-b 0 9999 1\n", out, 2, NULL), -EBADMSG);
	assert_int_equal(parse_text("000001 2\n", out, 2, NULL), 1);
}

static void test_json_roundtrip(void **state)
{
	struct spinal_hist_snap in[2], out[2];
	struct spinal_histexport_info info;
	size_t len;
	char *t;

	(void)state;
	fill(&in[0], 1);
	fill(&in[1], 9);
	t = to_text(in, 2, 1000, 0, 1, &len);
	assert_non_null(strstr(t, "\"histogram\""));
	assert_int_equal(spinal_histjson_parse(t, len, out, 2, &info), 2);
	assert_int_equal(info.native, 1);
	assert_string_equal(info.name[0], "wake");
	assert_same(&in[0], &out[0]);
	assert_same(&in[1], &out[1]);
	/* truncated document */
	assert_int_equal(spinal_histjson_parse(t, len / 2, out, 2, NULL), -EBADMSG);
	free(t);
}

static void test_json_cyclictest(void **state)
{
	struct spinal_hist_snap out[1];
	struct spinal_histexport_info info;

	(void)state;
	assert_int_equal(spinal_histjson_parse(ct_json, strlen(ct_json), out, 1, &info), 1);
	assert_int_equal(out[0].count, 1000);
	assert_int_equal(info.total[0], 992);
	assert_int_equal(info.overflows[0], 8);
	assert_int_equal(out[0].max_ns, 184000);
	assert_int_equal(spinal_hist_quantile(&out[0], 0.5), 14000);
}

static void test_json_bad_layout(void **state)
{
	static const char bad[] = "{\"thread\": {\"0\": {\"spinal\": {\"count\": 1,"
				  " \"buckets\": [[5, 123, 1]]}}}}";
	static const char nohist[] = "{\"thread\": {\"0\": {\"cycles\": 5, \"max\": 3}}}";
	struct spinal_hist_snap out[1];

	(void)state;
	assert_int_equal(spinal_histjson_parse(bad, strlen(bad), out, 1, NULL), -EBADMSG);
	assert_int_equal(spinal_histjson_parse(nohist, strlen(nohist), out, 1, NULL), -ENODATA);
	assert_int_equal(spinal_histjson_parse("[1]", 3, out, 1, NULL), -EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_native_roundtrip),
		cmocka_unit_test(test_rows_roundtrip),
		cmocka_unit_test(test_cyclictest_file),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_json_roundtrip),
		cmocka_unit_test(test_json_cyclictest),
		cmocka_unit_test(test_json_bad_layout),
	};

	return cmocka_run_group_tests_name("histexport", tests, NULL, NULL);
}
