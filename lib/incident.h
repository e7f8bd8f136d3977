/* SPDX-License-Identifier: MIT */
/*
 * The incident ring of the STATS region (include/spinal/incident.h): the
 * writer side for spinal-core's tracer thread, the reader side for the agent
 * and spinal-inspect, and the one formatter of a verdict line that all of
 * them print.
 */
#ifndef SPINAL_LIB_INCIDENT_H
#define SPINAL_LIB_INCIDENT_H

#include <stddef.h>
#include <stdint.h>

#include <spinal/incident.h>

/* "irq", "softirq", "thread_rt", ... (/metrics label values); "?" if unknown. */
const char *spinal_cause_name(uint32_t cause);
const char *spinal_incident_source_name(uint32_t source);

/*
 * spinal_incident_ring_init - format a section of @size bytes (core, setup,
 * before the region is published).  Returns the slot count, or 0 if @size
 * holds no slot.
 */
uint32_t spinal_incident_ring_init(struct spinal_incident_ring *r, size_t size);

/*
 * spinal_incident_publish - append @inc as the next incident (single
 * writer: the core's tracer thread).  Bumps by_cause[inc->cause].
 */
void spinal_incident_publish(struct spinal_incident_ring *r, const struct spinal_incident *inc);

/*
 * spinal_incident_ring_check - is the mapped section @r of @size bytes a
 * ring we understand?  Returns its slot count, or 0 (and @why) if not.
 * Any reader; reads each header field once.
 */
uint32_t spinal_incident_ring_check(const struct spinal_incident_ring *r, size_t size,
				    const char **why);

/*
 * spinal_incident_read - copy incident number @n out of the ring, checked
 * (seqlock protocol of spinal/incident.h) and sanitised (names
 * NUL-terminated, classes and counts clamped).  @nslots from
 * spinal_incident_ring_check().  Any reader, no syscall.  Returns 0, -EAGAIN
 * (being written, retry), -ENOENT (not published yet, or overwritten).
 */
int spinal_incident_read(const struct spinal_incident_ring *r, uint32_t nslots, uint64_t n,
			 struct spinal_incident *out);

/*
 * spinal_incident_format - the verdict line, e.g. "tick 15532 late by 412 us
 * (overrun, tracefs): cause irq: IRQ 24 (virtio0-input) 180 us; kworker/1:2 ran
 * 220 us at nice 0 (the RT CPU is not isolated)".  Returns snprintf's value.
 */
int spinal_incident_format(const struct spinal_incident *inc, char *buf, size_t len);



#include <stdio.h>

/*
 * spinal_incident_report - the incident counters and the last @last
 * incidents of the ring (@r, @size bytes, may be NULL: "no incident
 * section"), human text or, with @json, one JSON object value (no trailing
 * newline).  Readers: spinal-inspect, the agent.
 */
void spinal_incident_report(FILE *f, const struct spinal_incident_ring *r, size_t size,
			    unsigned int last, int json);
#endif /* SPINAL_LIB_INCIDENT_H */
