// SPDX-License-Identifier: MIT
/*
 * privsep-peer: a test peer for spinal-core --socket.  Connects as agent or
 * inspector (optionally after switching to another user), then tries to
 * widen what it was given: PROT_WRITE mappings and mprotect() on read-only
 * descriptors, reopening them writable through /proc/self/fd, ftruncate,
 * growing, new seals.  Prints one line per attempt; exits 1 if any held
 * less than expected, 0 otherwise.
 *
 *   privsep-peer --socket PATH --role agent|inspector [--as-user U]
 *                [--expect ok|refused]
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <spinal/region.h>
#include <spinal/shm.h>

#include "lib/handoff_client.h"

static int failures;

static void verdict(const char *what, const char *kind, int held, const char *how)
{
	printf("%s: %-44s %-6s %s\n", held ? "held  " : "BROKEN", what, kind, how);
	if (!held)
		failures++;
}

static int as_user(const char *name)
{
	struct passwd *pw = getpwnam(name);
	char *end;
	unsigned long id = strtoul(name, &end, 10);
	uid_t uid = (uid_t)id;
	gid_t gid = (gid_t)id;

	/* a bare number: a uid (and gid) that belongs to no one */
	if (!pw && (*end || end == name)) {
		fprintf(stderr, "privsep-peer: no user '%s'\n", name);
		return -1;
	}
	if (pw) {
		uid = pw->pw_uid;
		gid = pw->pw_gid;
	}
	if (setgroups(0, NULL) || setgid(gid) || setuid(uid)) {
		perror("privsep-peer: cannot switch user");
		return -1;
	}
	return 0;
}

static void try_fd(int fd, uint32_t kind, int writable)
{
	const char *k = spinal_region_suffix(kind) ? spinal_region_suffix(kind) : "?";
	char path[64], how[96];
	struct stat st;
	void *p;
	int f;

	if (fstat(fd, &st) < 0)
		return;
	if (!writable) {
		p = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		snprintf(how, sizeof(how), "%s", p == MAP_FAILED ? strerror(errno) : "mapped writable");
		verdict("mmap(PROT_WRITE, MAP_SHARED) read-only fd", k,
			p == MAP_FAILED && errno == EACCES, how);
		if (p != MAP_FAILED)
			munmap(p, (size_t)st.st_size);
		p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
		if (p != MAP_FAILED) {
			int r = mprotect(p, (size_t)st.st_size, PROT_READ | PROT_WRITE);

			snprintf(how, sizeof(how), "%s", r ? strerror(errno) : "now writable");
			verdict("mprotect(PROT_WRITE) on a read-only mapping", k, r && errno == EACCES,
				how);
			munmap(p, (size_t)st.st_size);
		}
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		f = open(path, O_RDWR);
		if (geteuid() == 0) {
			verdict("reopen /proc/self/fd/N O_RDWR", k, 1,
				"skipped: root bypasses file modes (run with --as-user)");
		} else {
			snprintf(how, sizeof(how), "%s", f < 0 ? strerror(errno) : "opened writable");
			verdict("reopen /proc/self/fd/N O_RDWR", k, f < 0 && errno == EACCES, how);
		}
		if (f >= 0)
			close(f);
	}
	f = ftruncate(fd, st.st_size / 2);
	snprintf(how, sizeof(how), "%s", f ? strerror(errno) : "shrunk");
	verdict("ftruncate (shrink)", k, f != 0, how);
	f = ftruncate(fd, st.st_size * 2);
	snprintf(how, sizeof(how), "%s", f ? strerror(errno) : "grown");
	verdict("ftruncate (grow)", k, f != 0, how);
	f = fallocate(fd, 0, st.st_size, 4096);
	snprintf(how, sizeof(how), "%s", f ? strerror(errno) : "grown");
	verdict("fallocate past the end", k, f != 0, how);
	f = fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE);
	snprintf(how, sizeof(how), "%s", f ? strerror(errno) : "sealed");
	verdict("F_ADD_SEALS F_SEAL_WRITE (freeze the core)", k, f != 0, how);
	f = fcntl(fd, F_GET_SEALS);
	snprintf(how, sizeof(how), "seals 0x%x", f);
	verdict("seals shrink|grow|seal present", k,
		f >= 0 && (f & (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)) ==
				  (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL), how);
	f = fchmod(fd, 0666);
	snprintf(how, sizeof(how), "%s", f ? strerror(errno) : "mode changed");
	verdict("fchmod 0666", k, f != 0 || geteuid() == 0, geteuid() == 0 ? "skipped: root" : how);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "role", required_argument, NULL, 'r' },
		{ "as-user", required_argument, NULL, 'u' },
		{ "expect", required_argument, NULL, 'e' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sock = NULL, *user = NULL;
	unsigned int role = SPINAL_ROLE_INSPECTOR;
	int expect_ok = 1, c, n, i;
	struct spinal_handoff_resp resp;
	int fds[SPINAL_HANDOFF_MAX_FDS];
	char err[512];

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 's':
			sock = optarg;
			break;
		case 'r':
			role = !strcmp(optarg, "agent") ? SPINAL_ROLE_AGENT :
			       !strcmp(optarg, "inspector") ? SPINAL_ROLE_INSPECTOR : 99;
			break;
		case 'u':
			user = optarg;
			break;
		case 'e':
			expect_ok = !strcmp(optarg, "ok");
			break;
		default:
			return 2;
		}
	}
	if (!sock) {
		fprintf(stderr, "usage: privsep-peer --socket PATH --role agent|inspector [--as-user U] [--expect ok|refused]\n");
		return 2;
	}
	if (user && as_user(user))
		return 2;
	n = spinal_handoff_recv(sock, role, &resp, fds, err, sizeof(err));
	if (!expect_ok) {
		printf("%s: uid %u asking as role %u: %s\n", n < 0 ? "held  " : "BROKEN",
		       (unsigned int)getuid(), role, n < 0 ? err : "descriptors handed out");
		return n < 0 ? 0 : 1;
	}
	if (n < 0) {
		fprintf(stderr, "privsep-peer: %s\n", err);
		return 1;
	}
	printf("uid %u got %d descriptors as %s (writable mask 0x%x)\n", (unsigned int)getuid(), n,
	       role == SPINAL_ROLE_AGENT ? "agent" : "inspector", resp.writable);
	for (i = 0; i < n; i++) {
		int w = (resp.writable >> i) & 1;

		if (w && role != SPINAL_ROLE_AGENT)
			verdict("inspector got only read-only descriptors",
				spinal_region_suffix(resp.kind[i]), 0, "a writable one arrived");
		if (w && resp.kind[i] != SPINAL_REGION_CONS && resp.kind[i] != SPINAL_REGION_CFG)
			verdict("agent writable only CONS and CFG", spinal_region_suffix(resp.kind[i]),
				0, "writable");
		try_fd(fds[i], resp.kind[i], w);
		close(fds[i]);
	}
	printf("privsep-peer: %d attempt(s) not held\n", failures);
	return failures ? 1 : 0;
}
