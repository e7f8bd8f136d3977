/* SPDX-License-Identifier: MIT */
/* spinal-agent ctl: thin HTTP client for the control API. */
#ifndef SPINAL_USERSPACE_CTL_H
#define SPINAL_USERSPACE_CTL_H

/* `spinal-agent ctl ...`: main thread; returns the exit status (0 on 2xx). */
int ctl_main(int argc, char **argv);

/*
 * ctl_request - one HTTP/1.0 request to @listen ("ADDR:PORT").  Prints the
 * body on stdout.  Returns the HTTP status, or -errno (connection failed).
 */
int ctl_request(const char *listen, const char *method, const char *path, const char *body,
		size_t len);

#endif
