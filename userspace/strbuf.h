/* SPDX-License-Identifier: MIT */
/* Growable text buffer for HTTP responses. */
#ifndef SPINAL_USERSPACE_STRBUF_H
#define SPINAL_USERSPACE_STRBUF_H

#include <stddef.h>

struct strbuf {
	char *s;
	size_t len, cap;
	int oom; /* an append failed: contents are truncated */
};

/* Append formatted text.  Any thread (own buffer).  Returns 0 or -ENOMEM (sticky in ->oom). */
int sb_printf(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Take the string (caller frees); the buffer is reset.  "" when empty. */
char *sb_take(struct strbuf *b, size_t *len);

void sb_free(struct strbuf *b);

#endif
