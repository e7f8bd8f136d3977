/* SPDX-License-Identifier: MIT */
/* Writing JSON by hand (reports, exports): string escaping in one place. */
#ifndef SPINAL_LIB_JSONOUT_H
#define SPINAL_LIB_JSONOUT_H

#include <stdio.h>

/* Write @s as a JSON string literal (quotes, backslash, control characters escaped). */
void spinal_json_str(FILE *f, const char *s);

#endif
