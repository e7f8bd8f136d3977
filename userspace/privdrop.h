/* SPDX-License-Identifier: MIT */
/* Dropping root before the agent touches shared memory. */
#ifndef SPINAL_USERSPACE_PRIVDROP_H
#define SPINAL_USERSPACE_PRIVDROP_H

#include <stddef.h>

/*
 * privdrop - when running as root: create @dir (mode 0750) and give it to
 * @user, then setgroups/setgid/setuid to @user (its groups included), falling
 * back to 'nobody' with a warning when @user does not exist.  Verifies root
 * cannot be regained.  Not root: only creates @dir.  Main thread, before any
 * other thread exists.  Returns 0 or -errno with a one-line reason in @err;
 * *@warn gets a warning line or "".
 */
int privdrop(const char *user, const char *dir, char *err, size_t errlen, char *warn,
	     size_t warnlen);

/* mkdir -p with @mode for the created components.  0 or -errno. */
int mkdir_p(const char *dir, unsigned int mode);

#endif
