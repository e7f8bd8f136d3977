// SPDX-License-Identifier: MIT
/* Privilege drop for spinal-agent (root -> 'spinal', fallback 'nobody'). */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "userspace/privdrop.h"

int mkdir_p(const char *dir, unsigned int mode)
{
	char buf[1024];
	size_t i, n = strlen(dir);

	if (n == 0 || n >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, dir, n + 1);
	for (i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -errno;
		buf[i] = dir[i];
	}
	return 0;
}

int privdrop(const char *user, const char *dir, char *err, size_t errlen, char *warn,
	     size_t warnlen)
{
	struct passwd *pw;
	int rc;

	warn[0] = '\0';
	rc = mkdir_p(dir, 0750);
	if (rc) {
		snprintf(err, errlen, "cannot create log directory %s: %s", dir, strerror(-rc));
		return rc;
	}
	if (geteuid() != 0)
		return 0;
	pw = getpwnam(user);
	if (!pw) {
		snprintf(warn, warnlen, "user '%s' does not exist, running as 'nobody' (it cannot read the core's regions unless they are world-readable); run tools/install-deps to create it",
			 user);
		pw = getpwnam("nobody");
		if (!pw) {
			snprintf(err, errlen, "neither user '%s' nor 'nobody' exists: cannot drop root", user);
			return -ENOENT;
		}
	}
	if (chown(dir, pw->pw_uid, pw->pw_gid) < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot give %s to %s: %s", dir, pw->pw_name, strerror(errno));
		return rc;
	}
	if (initgroups(pw->pw_name, pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0 ||
	    setuid(pw->pw_uid) < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot drop root to %s: %s", pw->pw_name, strerror(errno));
		return rc;
	}
	if (pw->pw_uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
		snprintf(err, errlen, "dropped to %s but could regain root: refusing to run", pw->pw_name);
		return -EPERM;
	}
	return 0;
}
