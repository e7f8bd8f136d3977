// SPDX-License-Identifier: MIT
/* The console's static files, loaded once into memory (console_web.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <spinal/config.h>

#include "userspace/console_web.h"

static const struct {
	const char *ext, *type;
} types[] = {
	{ ".html", "text/html; charset=utf-8" },
	{ ".js", "text/javascript; charset=utf-8" },
	{ ".css", "text/css; charset=utf-8" },
	{ ".svg", "image/svg+xml" },
	{ ".png", "image/png" },
	{ ".json", "application/json" },
	{ ".txt", "text/plain; charset=utf-8" },
};

static const char *type_of(const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		size_t e = strlen(types[i].ext);

		if (n > e && !strcmp(name + n - e, types[i].ext))
			return types[i].type;
	}
	return NULL;
}

static int name_ok(const char *s)
{
	size_t n = strlen(s);

	if (!n || n >= sizeof(((struct console_file *)0)->name) || s[0] == '.')
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '.' || *s == '_' || *s == '-'))
			return 0;
	return 1;
}

static int read_file(int dfd, const char *name, struct console_file *f, size_t budget)
{
	int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	size_t got = 0;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	if ((uint64_t)st.st_size > budget) {
		close(fd);
		return -EFBIG;
	}
	f->data = malloc((size_t)st.st_size + 1);
	if (!f->data) {
		close(fd);
		return -ENOMEM;
	}
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, f->data + got, (size_t)st.st_size - got);

		if (r <= 0) {
			int e = r < 0 ? errno : EIO;

			close(fd);
			free(f->data);
			f->data = NULL;
			return -e;
		}
		got += (size_t)r;
	}
	close(fd);
	f->len = got;
	snprintf(f->etag, sizeof(f->etag), "\"%016llx\"",
		 (unsigned long long)spinal_fnv1a64(f->data, f->len));
	return 0;
}

struct console_web *console_web_load(const char *dir, char *err, size_t errlen)
{
	struct console_web *w = calloc(1, sizeof(*w));
	size_t total = 0;
	struct dirent *de;
	DIR *d;
	int rc;

	if (!w) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(w->dir, sizeof(w->dir), "%s", dir);
	d = opendir(dir);
	if (!d) {
		snprintf(err, errlen, "cannot open the console's web directory %s: %s (make install puts it in PREFIX/share/spinal/web; or --web-dir DIR)",
			 dir, strerror(errno));
		free(w);
		return NULL;
	}
	while ((de = readdir(d))) {
		struct console_file *f;
		const char *type = type_of(de->d_name);

		if (!name_ok(de->d_name) || !type)
			continue;
		if (w->n == CONSOLE_WEB_MAX_FILES) {
			snprintf(err, errlen, "%s holds more than %d web files", dir,
				 CONSOLE_WEB_MAX_FILES);
			goto fail;
		}
		f = &w->f[w->n];
		/* name_ok() bounded the length below sizeof(f->name) */
		memcpy(f->name, de->d_name, strlen(de->d_name) + 1);
		f->type = type;
		rc = read_file(dirfd(d), de->d_name, f, CONSOLE_WEB_MAX_BYTES - total);
		if (rc == -EINVAL)
			continue; /* not a regular file */
		if (rc) {
			snprintf(err, errlen, "cannot read %s/%s: %s", dir, de->d_name,
				 rc == -EFBIG ? "the web files pass 8 MiB together" : strerror(-rc));
			goto fail;
		}
		total += f->len;
		w->n++;
	}
	closedir(d);
	if (!console_web_find(w, "index.html")) {
		snprintf(err, errlen, "%s has no index.html: not the console's web directory", dir);
		console_web_free(w);
		return NULL;
	}
	return w;
fail:
	closedir(d);
	console_web_free(w);
	return NULL;
}

void console_web_free(struct console_web *w)
{
	unsigned int i;

	if (!w)
		return;
	for (i = 0; i < w->n; i++)
		free(w->f[i].data);
	free(w);
}

const struct console_file *console_web_find(const struct console_web *w, const char *name)
{
	unsigned int i;

	if (!w)
		return NULL;
	for (i = 0; i < w->n; i++)
		if (!strcmp(w->f[i].name, name))
			return &w->f[i];
	return NULL;
}
