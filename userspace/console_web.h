/* SPDX-License-Identifier: MIT */
/*
 * The console's static files (web/: HTML, JavaScript, CSS, SVG), read once
 * from a directory into memory at start.  A request names a file by its
 * exact base name; nothing a request says ever reaches the filesystem.
 */
#ifndef SPINAL_USERSPACE_CONSOLE_WEB_H
#define SPINAL_USERSPACE_CONSOLE_WEB_H

#include <stddef.h>

#define CONSOLE_WEB_MAX_FILES 64
#define CONSOLE_WEB_MAX_BYTES (8u << 20) /* all files together */

struct console_file {
	char name[64];
	const char *type;       /* Content-Type */
	char *data;
	size_t len;
	char etag[24];          /* "\"<fnv64 hex>\"" */
};

struct console_web {
	char dir[512];
	struct console_file f[CONSOLE_WEB_MAX_FILES];
	unsigned int n;
};

/*
 * console_web_load - read every regular file of @dir whose name is
 * [A-Za-z0-9._-]+ with a known extension (.html .js .css .svg .png .json
 * .txt); index.html must be among them.  Main thread.  Returns the set, or
 * NULL with a one-line reason in @err (missing dir, too many or too large
 * files, no index.html).
 */
struct console_web *console_web_load(const char *dir, char *err, size_t errlen);
void console_web_free(struct console_web *w);

/* The file named @name, or NULL.  Any thread (read-only after load). */
const struct console_file *console_web_find(const struct console_web *w, const char *name);

#endif
