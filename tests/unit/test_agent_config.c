// SPDX-License-Identifier: MIT
/* Unit tests: agent config file, Prometheus histogram rendering, API validation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "userspace/api.h"
#include "userspace/config.h"
#include "userspace/metrics.h"

static char *write_tmp(const char *text)
{
	static char path[64];
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "/tmp/spinal-cfg-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	return path;
}

static void test_config_good(void **state)
{
	struct agent_opts o;
	struct core_tunables t;
	char err[512];
	char *p = write_tmp("[agent]\nflush_records = 77\nflush_ms=9\nrotate_size = 1M\n"
			    "fsync = batch\n; comment\n[core]\nmax_speed = 0.5\n");

	(void)state;
	agent_opts_defaults(&o);
	assert_int_equal(config_load(p, &o, &t, AO_FLUSH_MS, err, sizeof(err)), 0);
	assert_int_equal(o.flush_records, 77);
	assert_int_equal(o.flush_ms, 200); /* pinned by the command line */
	assert_int_equal(o.rotate_bytes, 1u << 20);
	assert_int_equal(o.fsync_mode, TLOG_FSYNC_BATCH);
	assert_true(t.set & 1);
	assert_true(t.max_speed == 0.5);
	unlink(p);
}

static void test_config_bad_whole_file_rejected(void **state)
{
	struct agent_opts o, before;
	struct core_tunables t;
	char err[1024];
	char *p = write_tmp("[agent]\nflush_records = 5\nnope = 1\nflush_ms = 0\n[core]\nmax_speed = nan\n[x]\n");

	(void)state;
	agent_opts_defaults(&o);
	before = o;
	assert_int_equal(config_load(p, &o, &t, 0, err, sizeof(err)), -EINVAL);
	assert_memory_equal(&o, &before, sizeof(o)); /* flush_records = 5 not applied */
	assert_non_null(strstr(err, ":3: unknown key 'nope'"));
	assert_non_null(strstr(err, ":4: flush_ms"));
	assert_non_null(strstr(err, ":6: [core] max_speed"));
	assert_non_null(strstr(err, ":7: unknown section [x]"));
	unlink(p);
}

static void test_config_syntax_error_line(void **state)
{
	struct agent_opts o;
	struct core_tunables t;
	char err[512];
	char *p = write_tmp("[agent]\nflush_ms = 5\nthis is not ini\n");

	(void)state;
	agent_opts_defaults(&o);
	assert_int_equal(config_load(p, &o, &t, 0, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, ":3: syntax error"));
	unlink(p);
}

static void test_metrics_hist_cumulative(void **state)
{
	static struct spinal_hist h;
	struct strbuf b = { 0 };
	char *s;

	(void)state;
	memset(&h, 0, sizeof(h));
	spinal_hist_add(&h, 150);
	spinal_hist_add(&h, 1500);
	spinal_hist_add(&h, 3000000);
	metrics_hist(&b, "m", "stage=\"x\"", &h);
	s = sb_take(&b, NULL);
	assert_non_null(strstr(s, "m_bucket{stage=\"x\",le=\"1e-07\"} 0\n"));
	assert_non_null(strstr(s, "m_bucket{stage=\"x\",le=\"2e-07\"} 1\n"));
	assert_non_null(strstr(s, "m_bucket{stage=\"x\",le=\"1e-06\"} 1\n"));
	assert_non_null(strstr(s, "m_bucket{stage=\"x\",le=\"2e-06\"} 2\n"));
	assert_non_null(strstr(s, "m_bucket{stage=\"x\",le=\"0.002\"} 2\n"));
	assert_non_null(strstr(s, "m_bucket{stage=\"x\",le=\"0.005\"} 3\n"));
	assert_non_null(strstr(s, "m_bucket{stage=\"x\",le=\"+Inf\"} 3\n"));
	assert_non_null(strstr(s, "m_count{stage=\"x\"} 3\n"));
	assert_non_null(strstr(s, "m_sum{stage=\"x\"} 0.003001650\n"));
	free(s);
}

static int call(struct agent *ag, const char *m, const char *url, const char *body)
{
	struct strbuf b = { 0 };
	int st = api_handle(ag, m, url, body, body ? strlen(body) : 0, &b);

	if (st >= 400)
		assert_non_null(strstr(b.s, "\"error\":"));
	sb_free(&b);
	return st;
}

static void test_api_validation(void **state)
{
	static struct agent ag;

	(void)state;
	pthread_mutex_init(&ag.lock, NULL);
	assert_int_equal(call(&ag, "GET", "/status", NULL), 200);
	assert_int_equal(call(&ag, "GET", "/nope", NULL), 404);
	assert_int_equal(call(&ag, "GET", "/goal", NULL), 405);
	assert_int_equal(call(&ag, "POST", "/goal", "{\"x\":1,\"y\":2}"), 503);
	assert_int_equal(call(&ag, "POST", "/goal", "{\"x\":1,"), 400);
	assert_int_equal(call(&ag, "POST", "/goal", "{\"x\":1,\"y\":\"2\"}"), 400);
	assert_int_equal(call(&ag, "POST", "/goal", "{\"node\":-1}"), 422);
	assert_int_equal(call(&ag, "POST", "/params", "{\"min_confidence\":2}"), 422);
	assert_int_equal(call(&ag, "POST", "/params", "{\"min_confidence\":0.2}"), 503);
	assert_int_equal(call(&ag, "POST", "/estop", NULL), 503);
	assert_int_equal(call(&ag, "POST", "/model", "{\"path\":3}"), 400);
	pthread_mutex_destroy(&ag.lock);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_good),
		cmocka_unit_test(test_config_bad_whole_file_rejected),
		cmocka_unit_test(test_config_syntax_error_line),
		cmocka_unit_test(test_metrics_hist_cumulative),
		cmocka_unit_test(test_api_validation),
	};

	return cmocka_run_group_tests_name("agent_config", tests, NULL, NULL);
}
