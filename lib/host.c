// SPDX-License-Identifier: MIT
/* Host facts: CPU lists, PREEMPT_RT detection. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "lib/host.h"

static int parse_num(const char **sp, long *out)
{
	const char *s = *sp;
	char *end;
	long v;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || v < 0 || v >= SPINAL_MAX_CPUS)
		return -EINVAL;
	*out = v;
	*sp = end;
	return 0;
}

int spinal_cpulist_parse(const char *s, uint8_t *set)
{
	int n = 0;

	memset(set, 0, SPINAL_MAX_CPUS);
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '\0' || *s == '\n')
		return 0;
	for (;;) {
		long a, b, i;

		if (parse_num(&s, &a))
			return -EINVAL;
		b = a;
		if (*s == '-') {
			s++;
			if (parse_num(&s, &b) || b < a)
				return -EINVAL;
		}
		for (i = a; i <= b; i++) {
			if (!set[i])
				n++;
			set[i] = 1;
		}
		if (*s == ',') {
			s++;
			continue;
		}
		while (*s == ' ' || *s == '\n' || *s == '\t')
			s++;
		return *s == '\0' ? n : -EINVAL;
	}
}

int spinal_cpulist_highest(const uint8_t *set)
{
	int i;

	for (i = SPINAL_MAX_CPUS - 1; i >= 0; i--)
		if (set[i])
			return i;
	return -1;
}

static int has_token(const char *hay, const char *tok)
{
	size_t n = strlen(tok);
	const char *p = hay;

	while ((p = strstr(p, tok)) != NULL) {
		int left = p == hay || !isalnum((unsigned char)p[-1]);
		int right = !isalnum((unsigned char)p[n]) && p[n] != '_';

		if (left && right)
			return 1;
		p += n;
	}
	return 0;
}

int spinal_kernel_is_rt(const char *sysfs, const char *version)
{
	if (sysfs) {
		while (*sysfs == ' ' || *sysfs == '\t')
			sysfs++;
		if (sysfs[0] == '1')
			return 1;
	}
	if (version && (has_token(version, "PREEMPT_RT") || has_token(version, "PREEMPT RT")))
		return 1;
	return 0;
}

int spinal_read_file(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	if (len == 0)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	close(fd);
	buf[n] = '\0';
	return (int)n;
}

int spinal_host_is_rt(void)
{
	char rt[16];
	struct utsname u;
	int have = spinal_read_file("/sys/kernel/realtime", rt, sizeof(rt)) >= 0;

	if (uname(&u) < 0)
		u.version[0] = '\0';
	return spinal_kernel_is_rt(have ? rt : NULL, u.version);
}
