// SPDX-License-Identifier: MIT
/*
 * Unit tests: region handoff (rtcore/handoff.c + lib/handoff_client.c),
 * capability drop on every thread (rtcore/privsep.c), seccomp allowlist
 * (rtcore/seccomp.c).  Privilege changes run in forked children, which
 * report through their exit status (and _exit(), so no sanitizer atexit
 * work runs under the filter).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <pwd.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <spinal/handoff.h>
#include <spinal/ring.h>
#include <spinal/shm.h>

#include "lib/handoff_client.h"
#include "rtcore/handoff.h"
#include "rtcore/privsep.h"
#include "rtcore/seccomp.h"

static char dir[64];

static void make_core(struct handoff **hp, struct core_region *stats, struct core_region *cons,
		      const char *agent, const char *sock)
{
	const struct core_sect_spec st[] = { { SPINAL_SECT_STATS, 0, 4096 } };
	const struct core_sect_spec cs[] = { { SPINAL_SECT_RING_CONS, 0, sizeof(struct spinal_ring_idx) } };
	struct handoff_cfg cfg = { .path = sock, .mode = 0600, .agent_user = agent, .quiet = 1 };
	char err[256];

	*hp = handoff_create(&cfg, err, sizeof(err));
	assert_non_null(*hp);
	assert_int_equal(handoff_region_create(*hp, stats, "ut", SPINAL_REGION_STATS, st, 1, err,
					       sizeof(err)), 0);
	assert_int_equal(handoff_region_create(*hp, cons, "ut", SPINAL_REGION_CONS, cs, 1, err,
					       sizeof(err)), 0);
	core_region_publish(stats);
	core_region_publish(cons);
	assert_int_equal(handoff_listen(*hp, err, sizeof(err)), 0);
	assert_int_equal(handoff_start(*hp), 0);
}

static void test_handoff_roles(void **state)
{
	struct core_region stats, cons;
	struct spinal_handoff_resp resp;
	struct handoff_counts cnt;
	struct handoff *h;
	int fds[SPINAL_HANDOFF_MAX_FDS], n, i;
	char sock[128], err[256];
	struct stat sb;

	(void)state;
	snprintf(sock, sizeof(sock), "%s/a.sock", dir);
	/* the agent is whoever runs this test */
	make_core(&h, &stats, &cons, getpwuid(getuid())->pw_name, sock);
	n = spinal_handoff_recv(sock, SPINAL_ROLE_AGENT, &resp, fds, err, sizeof(err));
	assert_int_equal(n, 2);
	for (i = 0; i < n; i++) {
		void *p;

		assert_int_equal(fstat(fds[i], &sb), 0);
		if (resp.kind[i] == SPINAL_REGION_STATS) {
			assert_false(resp.writable & (1u << i));
			p = mmap(NULL, (size_t)sb.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fds[i], 0);
			assert_true(p == MAP_FAILED && errno == EACCES);
			p = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_SHARED, fds[i], 0);
			assert_true(p != MAP_FAILED);
			assert_int_equal(mprotect(p, (size_t)sb.st_size, PROT_READ | PROT_WRITE), -1);
			assert_int_equal(errno, EACCES);
			munmap(p, (size_t)sb.st_size);
		} else {
			assert_int_equal(resp.kind[i], SPINAL_REGION_CONS);
			assert_true(resp.writable & (1u << i));
			assert_int_equal(ftruncate(fds[i], 0), -1);
			assert_int_equal(errno, EPERM);
			assert_int_equal(fcntl(fds[i], F_ADD_SEALS, F_SEAL_WRITE), -1);
			assert_int_equal(errno, EPERM);
		}
		close(fds[i]);
	}
	/* the inspector gets nothing writable */
	n = spinal_handoff_recv(sock, SPINAL_ROLE_INSPECTOR, &resp, fds, err, sizeof(err));
	assert_int_equal(n, 2);
	assert_int_equal(resp.writable, 0);
	for (i = 0; i < n; i++)
		close(fds[i]);
	/* an unknown role is a protocol error, with no descriptors */
	n = spinal_handoff_recv(sock, 99, &resp, fds, err, sizeof(err));
	assert_int_equal(n, -EPROTO);
	handoff_counts(h, &cnt);
	assert_int_equal(cnt.served_agent, 1);
	assert_int_equal(cnt.served_inspector, 1);
	assert_int_equal(cnt.refused, 1);
	handoff_destroy(h);
	core_region_close(&stats, 0);
	core_region_close(&cons, 0);
}

static void test_handoff_wrong_agent(void **state)
{
	struct core_region stats, cons;
	struct spinal_handoff_resp resp;
	struct spinal_handoff ho;
	struct handoff *h;
	int fds[SPINAL_HANDOFF_MAX_FDS];
	char sock[128], err[256];

	(void)state;
	if (getuid() == 65534)
		skip();
	snprintf(sock, sizeof(sock), "%s/b.sock", dir);
	make_core(&h, &stats, &cons, "nobody", sock);
	assert_int_equal(spinal_handoff_recv(sock, SPINAL_ROLE_AGENT, &resp, fds, err, sizeof(err)),
			 -EACCES);
	assert_non_null(strstr(err, "is not the agent user 'nobody'"));
	/* a second core on the same path is refused while the first runs */
	{
		struct handoff_cfg cfg = { .path = sock, .agent_user = "nobody", .quiet = 1 };
		struct handoff *h2 = handoff_create(&cfg, err, sizeof(err));

		assert_non_null(h2);
		assert_int_equal(handoff_listen(h2, err, sizeof(err)), -EBUSY);
		handoff_destroy(h2);
	}
	/* the client maps and validates what it may have */
	assert_int_equal(spinal_handoff_attach(sock, SPINAL_ROLE_INSPECTOR, &ho, err, sizeof(err)), 0);
	assert_int_equal(ho.n, 2);
	spinal_handoff_detach(&ho);
	handoff_destroy(h);
	core_region_close(&stats, 0);
	core_region_close(&cons, 0);
}

static void *idle_thread(void *arg)
{
	volatile int *stop = arg;

	while (!*stop)
		usleep(1000);
	return NULL;
}

static void *blocking_thread(void *arg)
{
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	return idle_thread(arg);
}

/* child: start threads, drop, verify; exit 0 on success */
static int child_drop(int block_one)
{
	struct privsep_cfg cfg = { .user = "nobody", .user_given = 1 };
	struct privsep ps;
	pthread_t t[2];
	volatile int stop = 0;
	unsigned int bad = 99;
	char err[384];
	int rc, n;

	if (privsep_prepare(&ps, &cfg, err, sizeof(err)))
		return 10;
	pthread_create(&t[0], NULL, idle_thread, (void *)&stop);
	pthread_create(&t[1], NULL, block_one ? blocking_thread : idle_thread, (void *)&stop);
	usleep(20000);
	rc = privsep_drop(&ps, err, sizeof(err));
	if (block_one)
		return rc == -ETIMEDOUT && strstr(err, "blocks signals") ? 0 : 11;
	if (rc)
		return 12;
	n = privsep_verify(0, NULL, 0, 0, &bad, err, sizeof(err));
	if (n != 3 || bad)
		return 13;
	if (getuid() != 65534 || prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		return 14;
	/* a thread created now inherits the dropped state */
	pthread_create(&t[0], NULL, idle_thread, (void *)&stop);
	n = privsep_verify(0, NULL, 0, 0, &bad, err, sizeof(err));
	return n == 4 && !bad ? 0 : 15;
}

static int run_child(int (*fn)(int), int arg)
{
	int status;
	pid_t pid = fork();

	if (pid == 0)
		_exit(fn(arg));
	waitpid(pid, &status, 0);
	return status;
}

static void test_drop_every_thread(void **state)
{
	int st;

	(void)state;
	if (geteuid() != 0)
		skip();
	st = run_child(child_drop, 0);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static void test_drop_names_blocking_thread(void **state)
{
	int st;

	(void)state;
	if (geteuid() != 0)
		skip();
	st = run_child(child_drop, 1);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static int child_seccomp(int mode)
{
	char err[256];

	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	if (core_seccomp_install((enum core_seccomp_mode)mode, err, sizeof(err)))
		return 20;
	/* allowed calls still work under the filter */
	if (getpid() <= 0 || usleep(1000) != 0)
		return 21;
	core_seccomp_test_forbidden();
	return 22; /* must not get here */
}

static void test_seccomp_kills(void **state)
{
	int st, m, dn = open("/dev/null", O_WRONLY), saved = dup(2);

	(void)state;
	dup2(dn, 2); /* the trap line goes to stderr */
	for (m = CORE_SECCOMP_TRAP; m <= CORE_SECCOMP_KILL; m++) {
		st = run_child(child_seccomp, m);
		assert_true(WIFSIGNALED(st));
		assert_int_equal(WTERMSIG(st), SIGSYS);
	}
	dup2(saved, 2);
	close(dn);
	close(saved);
	assert_int_equal(core_seccomp_install(CORE_SECCOMP_OFF, NULL, 0), 0);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/spinal-ut-privsep.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[96];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_handoff_roles),
		cmocka_unit_test(test_handoff_wrong_agent),
		cmocka_unit_test(test_drop_every_thread),
		cmocka_unit_test(test_drop_names_blocking_thread),
		cmocka_unit_test(test_seccomp_kills),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
