/* SPDX-License-Identifier: MIT */
/*
 * Test hooks compiled into test builds only (spinal-core-bad, used by the
 * audit tests).  In a normal build every hook is an empty inline stub, so the
 * call sites carry no #ifdef.
 */
#ifndef SPINAL_TESTHOOK_H
#define SPINAL_TESTHOOK_H

#ifdef SPINAL_TEST_BAD_LOOP
/* Breaks the RT contract on purpose: fresh page faults and syscalls each tick. */
void testhook_bad_tick(void);
#else
static inline void testhook_bad_tick(void)
{
}
#endif

#endif
