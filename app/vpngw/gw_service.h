/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GW_SERVICE_H
#define GW_SERVICE_H

/*
 * Running as a service (service.c): the capabilities vpngw keeps once it
 * has started, dropped in every thread, and systemd's readiness
 * notifications (Type=notify).
 */

/* Drop every capability but those vpngw needs while running (each said
 * in service.c), from the bounding set too, in every thread of the
 * process, and set no_new_privs. Logs what is kept. 0, or -errno when a
 * thread could not drop them (logged; the appliance stops then). A
 * process that is not root has nothing to drop: 0. */
int vpngw_priv_drop(void);

/* $NOTIFY_SOCKET taken from the environment (and out of it, so that no
 * child inherits it): call first thing. */
void vpngw_notify_init(void);

/* sd_notify(3)'s protocol without libsystemd: STATE (e.g. "READY=1",
 * "RELOADING=1", "STOPPING=1") to $NOTIFY_SOCKET; nothing when it is not
 * set (not started by systemd). */
void vpngw_notify(const char *state);

#endif
