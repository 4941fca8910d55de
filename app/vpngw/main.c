/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vpngw: the appliance. Loads and checks the configuration, brings up the
 * DPDK EAL on the configured ports, and runs the control core until SIGINT
 * or SIGTERM.
 *
 *   vpngw -n FILE        check FILE, print every problem, exit 1 on error
 *   vpngw -nv FILE       ... and print the normalised configuration
 *   vpngw [-S DIR] FILE [-- EAL args]   run
 */
#include <errno.h>
#include <pthread.h>
#include <getopt.h>
#include <intel-ipsec-mb.h>
#include <openssl/opensslv.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_errno.h>
#include <rte_pdump.h>
#include <rte_version.h>

#include "vpn_cfg.h"
#include "gw_bgp.h"
#include "gw_console.h"
#include "gw_dp.h"
#include "gw_eal.h"
#include "gw_ike.h"
#include "gw_kernel.h"
#include "gw_log.h"
#include "gw_metrics.h"
#include "gw_tunlog.h"
#include "gw_pki.h"
#include "gw_routing.h"
#include "gw_running.h"
#include "gw_service.h"
#include "gw_sa.h"
#include "gw_telemetry.h"

static volatile int quit;

static volatile int reload;
static struct vpn_pki *pki;
static const char *config_file; /* for messages: FILE:LINE */

const struct vpn_pki *
vpngw_pki(void)
{
	return pki;
}

static void
log_pki(const char *when)
{
	time_t na, next;
	struct tm tm;
	char date[32], crl[96] = "";
	unsigned int n, revoked;

	if (pki == NULL)
		return;
	na = vpn_pki_not_after(pki);
	gmtime_r(&na, &tm);
	strftime(date, sizeof(date), "%Y-%m-%d", &tm);
	n = vpn_pki_crls(pki, &revoked, &next);
	if (n > 0) {
		gmtime_r(&next, &tm);
		snprintf(crl, sizeof(crl),
		         "; %u CRL(s), %u certificate(s) revoked, next update ",
		         n, revoked);
		strftime(crl + strlen(crl), sizeof(crl) - strlen(crl),
		         next ? "%Y-%m-%d %H:%M UTC" : "none", &tm);
	}
	vpngw_log("pki (%s): our certificate \"%s\", valid until %s%s", when,
	          vpn_pki_subject(pki), date, crl);
}

/* appliance.pki of a configuration that loaded without errors: read and
 * checked (vpn_pki.h), its problems added to d. *out: the material, NULL
 * when none is configured or on an error. */
static void
load_pki(const struct vpn_cfg *cfg, const char *file, struct vpn_diag *d,
         struct vpn_pki **out)
{
	struct vpn_pki_params p = {.pki = &cfg->appliance.pki, .file = file};

	*out = NULL;
	if (d->errors == 0)
		*out = vpn_pki_load(&p, d);
}

/* new takes the place of the loaded PKI: IKE signs with it before the old
 * one goes; SAs up stay as they are. */
static void
pki_swap(struct vpn_pki *new, const char *when)
{
	vpngw_ike_pki(new);
	vpn_pki_free(pki);
	pki = new;
	log_pki(when);
}

int
vpngw_pki_reload(FILE *out)
{
	struct vpn_pki *new = NULL;
	struct vpn_diag d;
	char date[32];
	time_t na;
	struct tm tm;

	vpn_diag_init(&d);
	load_pki(vpngw_running(), config_file, &d, &new);
	vpn_diag_print(&d, out);
	if (d.errors > 0 || new == NULL) {
		unsigned int errors = d.errors; /* d is gone below */

		fprintf(out,
		        errors ? "%% pki: %u error(s): the loaded one stays\n"
		               : "%% no appliance.pki configured\n",
		        errors);
		vpn_diag_free(&d);
		return errors ? -EINVAL : -ENOENT;
	}
	vpn_diag_free(&d);
	pki_swap(new, "console reload");
	na = vpn_pki_not_after(pki);
	gmtime_r(&na, &tm);
	strftime(date, sizeof(date), "%Y-%m-%d", &tm);
	fprintf(out,
	        "pki read again: our certificate \"%s\", valid until %s; new "
	        "IKE SAs use it, those up stay\n",
	        vpn_pki_subject(pki), date);
	return 0;
}

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		reload = 1;
	else
		quit = 1;
}

static pthread_mutex_t ctl = PTHREAD_MUTEX_INITIALIZER;

void
vpngw_ctl_lock(void)
{
	pthread_mutex_lock(&ctl);
}

void
vpngw_ctl_unlock(void)
{
	pthread_mutex_unlock(&ctl);
}

/*
 * SIGHUP: read the file again and apply it the way a console change is
 * applied (vpngw_apply): connections created, deleted or changed, new
 * routes published to the workers with RCU. A file with errors changes
 * nothing.
 */
static void
reload_file(const char *file)
{
	struct vpn_pki *new_pki = NULL;
	struct vpn_diag d;
	struct vpn_cfg *cfg;
	char *buf = NULL;
	size_t len = 0;
	FILE *msg;
	int rc;

	vpngw_log("SIGHUP: reading %s again", file);
	vpn_diag_init(&d);
	cfg = vpn_cfg_load(file, &d);
	/* The files appliance.pki names, read again: renewed certificates
	 * and keys. Its paths are appliance settings, which apply at a
	 * restart (vpngw_apply keeps the running ones, and says so). */
	if (cfg != NULL)
		load_pki(vpngw_running(), file, &d, &new_pki);
	vpn_diag_print(&d, stdout);
	if (cfg == NULL || d.errors > 0) {
		vpngw_log("reload: %u error(s); nothing changed", d.errors);
		vpn_diag_free(&d);
		vpn_cfg_free(cfg);
		return;
	}
	vpn_diag_free(&d);
	msg = open_memstream(&buf, &len);
	if (msg == NULL) {
		vpn_cfg_free(cfg);
		vpn_pki_free(new_pki);
		return;
	}
	rc = vpngw_apply(cfg, msg, true);
	fclose(msg);
	printf("%s", buf);
	/* Renewed certificate files take effect with the reload that read
	 * them; established SAs stay as they are. */
	if (rc == 0) {
		pki_swap(new_pki, "reload");
	} else {
		vpn_pki_free(new_pki);
	}
	vpngw_log("reload: %s",
	          rc == 0 ? "applied" : "refused; nothing changed");
	free(buf);
}

/* The final counters: ports, drops by reason, SAs. */
static void
print_stats(const struct vpngw_dp_stats *st, const struct vpngw_dp_stats *wst,
            unsigned int nw, const struct vpngw_sas *sas)
{
	for (unsigned int i = 0; i < nw; i++)
		printf("vpngw: worker %u: outside rx %llu tx %llu, inside rx "
		       "%llu tx %llu\n",
		       i, (unsigned long long)wst[i].rx[0],
		       (unsigned long long)wst[i].tx[0],
		       (unsigned long long)wst[i].rx[1],
		       (unsigned long long)wst[i].tx[1]);
	printf("vpngw: outside rx %llu tx %llu, inside rx %llu tx %llu\n",
	       (unsigned long long)st->rx[0], (unsigned long long)st->tx[0],
	       (unsigned long long)st->rx[1], (unsigned long long)st->tx[1]);
	printf("vpngw: counters:");
#define PRINT_COUNTER(f) printf(" %s %llu", #f, (unsigned long long)st->f);
	VPNGW_DP_COUNTERS(PRINT_COUNTER)
#undef PRINT_COUNTER
	printf("\n");
	for (unsigned int i = 0; i < sas->n; i++) {
		struct vpn_esp_stats s;
		uint64_t drops = 0;

		vpn_esp_sa_stats(sas->sas[i], &s);
		/* Dummy packets are keepalives, not losses. */
		for (int r = 1; r < VPN_ESP_REASON_MAX; r++)
			drops += r == VPN_ESP_DUMMY ? 0 : s.drops[r];
		printf("vpngw: sa 0x%08x: %llu packets, %llu bytes, %llu "
		       "dropped, %llu keepalives\n",
		       vpn_esp_sa_spi(sas->sas[i]),
		       (unsigned long long)s.packets,
		       (unsigned long long)s.bytes, (unsigned long long)drops,
		       (unsigned long long)s.drops[VPN_ESP_DUMMY]);
	}
}

/* Each tunnel's state at the end. */
static void
print_tunnels(void)
{
	struct vpngw_tunnel_info info[64];
	unsigned int n = vpngw_dp_tunnels(info, 64);

	for (unsigned int i = 0; i < n; i++)
		printf("vpngw: tunnel %s: %s, %llu state changes, %llu "
		       "keepalives sent\n",
		       info[i].name, info[i].up ? "up" : "down",
		       (unsigned long long)info[i].changes,
		       (unsigned long long)info[i].keepalives);
}

static void
usage(FILE *out)
{
	fprintf(out,
	        "usage: vpngw [-n] [-v] [-S STATE_DIR] CONFIG [-- "
	        "EAL-ARGS...]\n"
	        "  -n             check CONFIG, print every problem, exit 1 on "
	        "an error\n"
	        "  -v             with -n: print the normalised configuration\n"
	        "  -S STATE_DIR   override appliance.state_dir\n"
	        "  -V             print the version\n");
}

static void
version(void)
{
	printf("vpngw %s (%s, intel-ipsec-mb %s, %s)\n", VPNGW_VERSION,
	       rte_version(), IMB_VERSION_STR, OPENSSL_VERSION_TEXT);
}

int
main(int argc, char **argv)
{
	const char *state_dir = NULL, *file;
	bool check_only = false, verbose = false;
	struct vpngw_dp_stats st, wst[VPN_ESP_MAX_WORKERS];
	struct vpngw_dp_params dpp;
	unsigned int nw = VPN_ESP_MAX_WORKERS;
	struct vpngw_sas sas;
	struct vpn_diag d;
	struct vpn_cfg *cfg;
	int opt, rc, exit_rc = 0;

	vpngw_notify_init();
	while ((opt = getopt(argc, argv, "nvS:Vh")) != -1) {
		switch (opt) {
		case 'n':
			check_only = true;
			break;
		case 'v':
			verbose = true;
			break;
		case 'S':
			state_dir = optarg;
			break;
		case 'V':
			version();
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	file = argv[optind++];
	config_file = file;

	vpn_diag_init(&d);
	cfg = vpn_cfg_load(file, &d);
	/* The files the configuration names, checked with it: vpngw -n
	 * finds a missing key or an expired certificate, not the first
	 * IKE_AUTH. */
	if (cfg != NULL)
		load_pki(cfg, file, &d, &pki);
	vpn_diag_print(&d, stderr);
	if (cfg == NULL || d.errors > 0) {
		fprintf(stderr, "%s: %u error(s), %u warning(s)\n", file,
		        d.errors, d.warnings);
		vpn_diag_free(&d);
		vpn_cfg_free(cfg);
		return 1;
	}
	if (check_only) {
		/* What the file asks for but this host can't run. */
		if (vpn_cfg_has_bgp(cfg) && !vpngw_bgp_available()) {
			fprintf(stderr,
			        "%s: warning: BGP connections need FRR (zebra, "
			        "bgpd in /usr/lib/frr), which is not "
			        "installed: "
			        "vpngw would refuse to start; tools/setup.sh "
			        "installs it\n",
			        file);
			d.warnings++;
		}
		fflush(stderr);
		if (verbose)
			vpn_cfg_write(cfg, stdout);
		else
			printf("%s: configuration OK (%u connection(s), %u "
			       "warning(s))\n",
			       file, cfg->n_conns, d.warnings);
		vpn_diag_free(&d);
		vpn_cfg_free(cfg);
		vpn_pki_free(pki);
		return 0;
	}
	vpn_diag_free(&d);
	log_pki("start");

	vpn_diag_init(&d);
	rc = vpn_cfg_apply_state(
	        cfg, state_dir ? state_dir : cfg->appliance.state_dir, &d);
	vpn_diag_print(&d, stderr);
	vpn_diag_free(&d);
	if (rc != 0) {
		vpn_cfg_free(cfg);
		vpn_pki_free(pki);
		return 1;
	}

	version();
	if (vpngw_eal_init(cfg, argc - optind, argv + optind) != 0)
		goto out_cfg;
	vpn_cfg_summary(cfg, stdout);
	vpngw_ports_summary(cfg, stdout);
	if (vpngw_sa_install_manual(cfg, &sas, stdout) != 0)
		goto out_sas;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	/* A console client that goes away mid-answer, or an `ip -batch`
	 * that dies before reading all its commands, is an error on that
	 * write, not the end of the appliance. */
	signal(SIGPIPE, SIG_IGN);
	/* Before the tunnels come up: their first events are logged. */
	vpngw_tunlog_start(cfg);
	if (vpngw_dp_params_of(cfg, &dpp) != 0 ||
	    vpngw_dp_start(&dpp, &sas, &quit) != 0)
		goto out_dp;
	/* The kernel's side of the exception path (our addresses, routes
	 * behind the data plane) before IKE binds its sockets there. */
	if (cfg->appliance.exception_iface[0] != '\0' &&
	    vpngw_kernel_setup(cfg, cfg->appliance.exception_iface) != 0)
		goto out_dp;
	vpngw_telemetry_init(&sas);
	/* Telemetry runs from here: what it reads is set up under the
	 * control lock, as it reads. */
	vpngw_ctl_lock();
	if (vpngw_running_init(cfg,
	                       state_dir ? state_dir : cfg->appliance.state_dir,
	                       &sas) != 0) {
		vpngw_ctl_unlock();
		goto out_dp;
	}
	if (vpngw_ike_start(cfg, &sas) != 0) {
		vpngw_ctl_unlock();
		goto out_ike;
	}
	vpngw_running_start();
	/* BGP's speaker (FRR) when a connection uses BGP: without it those
	 * connections would carry nothing. */
	if (vpngw_bgp_start(cfg, state_dir ? state_dir
	                                   : cfg->appliance.state_dir) != 0) {
		vpngw_ctl_unlock();
		goto out_bgp;
	}
	vpngw_ctl_unlock();
	/* dpdk-dumpcap captures on our ports as a secondary process: that
	 * needs a shared, hugepage-backed EAL (not --no-huge/--no-shconf). */
	if (rte_pdump_init() != 0)
		printf("vpngw: packet capture (dpdk-dumpcap) unavailable: %s\n",
		       rte_strerror(rte_errno));
	/* Started: from here on, only the capabilities it needs running
	 * (the console's and metrics' threads start with no more). */
	if (vpngw_priv_drop() != 0) {
		printf("vpngw: could not drop its privileges: stopping\n");
		quit = 1;
		exit_rc = 1;
	} else {
		vpngw_ctl_lock();
		vpngw_ike_helpers_start(cfg);
		vpngw_ctl_unlock();
		vpngw_console_start(cfg);
		vpngw_metrics_start(cfg);
		printf("vpngw: running; SIGINT or SIGTERM stops it\n");
		vpngw_notify("READY=1\nSTATUS=running");
	}
	fflush(stdout);

	/* The control core's event loop; console commands run
	 * between its turns, under the same lock. */
	while (!quit) {
		vpngw_ctl_lock();
		vpngw_dp_control();
		vpngw_ike_poll();
		vpngw_bgp_poll();
		vpngw_console_tick();
		vpngw_tunlog_flush();
		if (reload) {
			reload = 0;
			vpngw_notify("RELOADING=1");
			vpngw_tunlog_reopen();
			reload_file(file);
			vpngw_notify("READY=1");
		}
		vpngw_ctl_unlock();
		vpngw_ike_wait(1);
	}

	printf("vpngw: stopping\n");
	vpngw_notify("STOPPING=1");
	vpngw_metrics_stop();
	vpngw_ctl_lock();
	vpngw_tunlog_stop();
	vpngw_ctl_unlock();
	vpngw_telemetry_stop();
	vpngw_console_stop();
	vpngw_ctl_lock();
	vpngw_bgp_stop();
	vpngw_ike_stop();
	print_tunnels();
	vpngw_dp_stop(&st, wst, &nw);
	vpngw_routing_stop();
	/* (cfg may be gone: console changes replace the running model.) */
	if (vpngw_running()->appliance.exception_iface[0] != '\0')
		vpngw_kernel_teardown();
	rte_pdump_uninit();
	print_stats(&st, wst, nw, &sas);
	vpngw_sa_free(&sas);
	vpngw_eal_cleanup();
	/* Console changes replace the model: free the one running now. */
	vpn_cfg_free(vpngw_running());
	vpn_pki_free(pki);
	vpngw_ctl_unlock();
	return exit_rc;

	/* A start that failed: what was started, stopped in reverse. */
out_bgp:
	vpngw_bgp_stop();
out_ike:
	vpngw_telemetry_stop();
	vpngw_ike_stop();
out_dp:
	vpngw_telemetry_stop();
	quit = 1;
	vpngw_dp_stop(&st, NULL, NULL);
	vpngw_routing_stop();
	if (cfg->appliance.exception_iface[0] != '\0')
		vpngw_kernel_teardown();
out_sas:
	vpngw_sa_free(&sas);
	vpngw_eal_cleanup();
out_cfg:
	vpn_cfg_free(cfg);
	vpn_pki_free(pki);
	return 1;
}
