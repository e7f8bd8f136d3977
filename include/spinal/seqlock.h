/* SPDX-License-Identifier: MIT */
/*
 * A seqlock over an array of 64-bit words in shared memory: one writer, any
 * number of readers in any process, no lock, no syscall.  The writer bumps
 * the sequence to odd, stores the payload words, bumps it to even; a reader
 * retries a bounded number of times while it sees an odd or changed
 * sequence.  Payload words are C11 relaxed atomics (no data race), ordered
 * by the fences labelled W1/W2 (writer) and R1/R2 (reader).  A sequence of 0
 * means "never written".  Users: the I/O mailboxes (spinal/io_shm.h,
 * struct spinal_seqbox) and the config verdict table (spinal/config.h).
 */
#ifndef SPINAL_SEQLOCK_H
#define SPINAL_SEQLOCK_H

#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/*
 * ThreadSanitizer does not model standalone fences (GCC refuses them under
 * -fsanitize=thread).  There, W1 and R2 move onto the payload words: every
 * word store is a release and every word load an acquire, which gives the
 * same guarantee (a word of a later write read before R2's position implies
 * the odd sequence is visible).  On x86 both forms are plain moves.
 */
#if defined(__SANITIZE_THREAD__)
#define SPINAL_SEQLOCK_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SPINAL_SEQLOCK_TSAN 1
#endif
#endif
#ifdef SPINAL_SEQLOCK_TSAN
#define SPINAL_SEQLOCK_WORD_ST memory_order_release
#define SPINAL_SEQLOCK_WORD_LD memory_order_acquire
#define spinal_seqlock_fence(mo) ((void)0)
#else
#define SPINAL_SEQLOCK_WORD_ST memory_order_relaxed
#define SPINAL_SEQLOCK_WORD_LD memory_order_relaxed
#define spinal_seqlock_fence(mo) atomic_thread_fence(mo)
#endif

#define SPINAL_SEQLOCK_MAX_WORDS 64 /* capacity of one read: 512 bytes */

static inline void spinal_seqlock_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#endif
}

/*
 * spinal_seqlock_write - publish @n bytes at @src into the @nwords words @w
 * (bytes past @n are stored as zero, bytes past @nwords * 8 dropped) guarded by
 * @seq.  The only writer of @seq/@w; RT-safe (no syscall, no lock),
 * wait-free.  A sequence left odd by a writer that died mid-write is resumed
 * at the next even value.
 */
static inline void spinal_seqlock_write(_Atomic uint64_t *seq, _Atomic uint64_t *w,
					size_t nwords, const void *src, size_t n)
{
	const unsigned char *p = src;
	uint64_t s = atomic_load_explicit(seq, memory_order_relaxed); /* own value */
	size_t i;

	s = (s + 1) & ~1ull;
	atomic_store_explicit(seq, s + 1, memory_order_relaxed);
	/* W1: odd sequence before any payload store; pairs with R2 in spinal_seqlock_read() */
	spinal_seqlock_fence(memory_order_release);
	for (i = 0; i < nwords; i++) {
		uint64_t x = 0;

		if (8 * i < n)
			memcpy(&x, p + 8 * i, n - 8 * i < 8 ? n - 8 * i : 8);
		atomic_store_explicit(&w[i], x, SPINAL_SEQLOCK_WORD_ST);
	}
	/* W2: payload before the even sequence; pairs with R1 in spinal_seqlock_read() */
	atomic_store_explicit(seq, s + 2, memory_order_release);
}

/*
 * spinal_seqlock_read - copy a consistent payload of @n bytes (<= @nwords * 8)
 * into @dst, trying at most @tries times.  Any reader thread, any process;
 * RT-safe, bounded.  Returns 0 (*seq_out = its even sequence, may be NULL),
 * -ENODATA never written, or -EAGAIN every try was torn (@dst untouched).
 * *retries (may be NULL) is increased by the number of torn attempts.  The
 * payload is only as trustworthy as its writer: validate the copy.
 */
static inline int spinal_seqlock_read(const _Atomic uint64_t *seq, const _Atomic uint64_t *w,
				      size_t nwords, void *dst, size_t n, unsigned int tries,
				      uint64_t *seq_out, uint64_t *retries)
{
	uint64_t buf[SPINAL_SEQLOCK_MAX_WORDS], s1, s2;
	unsigned int t;
	size_t i;

	if (nwords > SPINAL_SEQLOCK_MAX_WORDS)
		nwords = SPINAL_SEQLOCK_MAX_WORDS;
	for (t = 0; t < tries; t++) {
		if (t)
			spinal_seqlock_relax();
		/* R1: pairs with W2: an even s1 makes that write's payload visible */
		s1 = atomic_load_explicit(seq, memory_order_acquire);
		if (s1 == 0)
			return -ENODATA;
		if (s1 & 1)
			goto torn;
		for (i = 0; i < nwords; i++)
			buf[i] = atomic_load_explicit(&w[i], SPINAL_SEQLOCK_WORD_LD);
		/* R2: pairs with W1: a payload word of a later write implies s2 != s1 */
		spinal_seqlock_fence(memory_order_acquire);
		s2 = atomic_load_explicit(seq, memory_order_relaxed);
		if (s1 == s2) {
			memcpy(dst, buf, n < nwords * 8 ? n : nwords * 8);
			if (seq_out)
				*seq_out = s1;
			return 0;
		}
torn:
		if (retries)
			(*retries)++;
	}
	return -EAGAIN;
}

#endif /* SPINAL_SEQLOCK_H */
