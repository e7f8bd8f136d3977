// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the config-message and graph-blob validators
 * (rtcore/cfg_validate.c), i.e. everything the updater thread decides about
 * agent-written CFG slots and staged blobs.  Input: 8 bytes last_seq, 8 bytes
 * staging_len, 256 bytes of slot, the rest a staged graph blob (copied to an
 * exactly-sized, 8-aligned private buffer like spinal_updater_stage() does).
 * Invariants: every result is 0 or a known reject reason; an accepted
 * message has the magic, a known type, a payload length that fits, zero
 * reserved bytes and a sequence number in the window above last_seq (the
 * window base); a rejected one names a detail and a one-line text, and any
 * seq outside the window is a seq rejection; an accepted blob's header is
 * consistent with its length.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <spinal/config.h>

#include "rtcore/cfg_validate.h"

static void check_rc(int rc)
{
	if (rc != 0 && !(rc < 0 && SPINAL_CFG_REASON(rc) < SPINAL_CFG_REJ_COUNT))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct spinal_cfg_msg m;
	struct spinal_cfg_why why;
	uint64_t last_seq = 0, staging_len = 0;
	size_t n;
	int rc;

	if (size >= 16) {
		memcpy(&last_seq, data, 8);
		memcpy(&staging_len, data + 8, 8);
		data += 16;
		size -= 16;
	}
	memset(&m, 0, sizeof(m));
	n = size < sizeof(m) ? size : sizeof(m);
	memcpy(&m, data, n);
	memset(&why, 0, sizeof(why));
	rc = spinal_cfg_validate_msg(&m, last_seq, staging_len, &why);
	check_rc(rc);
	if (rc == 0) {
		if (m.magic != SPINAL_CFG_MAGIC || m.type >= SPINAL_CFG_TYPE_COUNT ||
		    m.len > SPINAL_CFG_PAYLOAD_MAX || m.reserved != 0 || m.seq <= last_seq ||
		    m.seq - last_seq > SPINAL_CFG_SEQ_WINDOW || why.detail != SPINAL_CFG_D_NONE)
			abort();
	} else {
		/* a rejection always explains itself, in a terminated line */
		if (why.detail == SPINAL_CFG_D_NONE || why.detail >= SPINAL_CFG_D_COUNT ||
		    !memchr(why.text, 0, sizeof(why.text)) || !why.text[0])
			abort();
		/* a seq outside the window is always a seq rejection (nothing can wedge) */
		if (!spinal_cfg_seq_in_window(m.seq, last_seq) &&
		    SPINAL_CFG_REASON(rc) != SPINAL_CFG_REJ_SEQ)
			abort();
	}
	data += n;
	size -= n;
	if (size) {
		uint64_t *blob = malloc((size + 7) & ~(size_t)7);
		const struct spinal_graph_blob_hdr *h = (const void *)blob;

		if (!blob)
			return 0;
		memcpy(blob, data, size);
		rc = spinal_cfg_validate_graph_blob(blob, size, 1u << 16);
		check_rc(rc);
		if (rc == 0 && (size < sizeof(*h) || h->total_len != size ||
				h->magic != SPINAL_GRAPH_BLOB_MAGIC))
			abort();
		free(blob);
	}
	return 0;
}
