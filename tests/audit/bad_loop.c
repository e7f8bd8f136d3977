// SPDX-License-Identifier: MIT
/*
 * The deliberately bad RT loop for spinal-core-bad: every tick it maps a
 * fresh page (page fault + mmap/munmap syscalls, which mlockall cannot hide)
 * and writes to stderr, the two things spinal-audit must catch.
 */
#define SPINAL_TEST_BAD_LOOP 1

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "rtcore/testhook.h"

void testhook_bad_tick(void)
{
	static const char msg[] = "spinal-core-bad: tick\n";
	void *p = mmap(NULL, 1 << 16, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p != MAP_FAILED) {
		memset(p, 1, 1 << 16);
		munmap(p, 1 << 16);
	}
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0)
		return;
}
