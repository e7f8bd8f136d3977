// SPDX-License-Identifier: MIT
/* Growable text buffer. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "userspace/strbuf.h"

int sb_printf(struct strbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->oom)
		return -ENOMEM;
	for (;;) {
		size_t room = b->cap - b->len;

		va_start(ap, fmt);
		n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? room : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = 1;
			return -EINVAL;
		}
		if (b->s && (size_t)n < room) {
			b->len += (size_t)n;
			return 0;
		}
		{
			size_t ncap = b->cap ? b->cap * 2 : 4096;
			char *ns;

			while (ncap < b->len + (size_t)n + 1)
				ncap *= 2;
			ns = realloc(b->s, ncap);
			if (!ns) {
				b->oom = 1;
				return -ENOMEM;
			}
			b->s = ns;
			b->cap = ncap;
		}
	}
}

char *sb_take(struct strbuf *b, size_t *len)
{
	char *s = b->s;

	if (!s)
		s = strdup("");
	if (len)
		*len = s ? b->len : 0;
	b->s = NULL;
	b->len = b->cap = 0;
	b->oom = 0;
	return s;
}

void sb_free(struct strbuf *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
}
