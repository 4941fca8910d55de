/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vpngw-profile: read benchmark profiles (config/bench/NAME.conf) with the
 * appliance's option tables and print them for the runner.
 *
 *   vpngw-profile [--json] FILE...
 *
 * Every problem is printed as FILE:LINE: error|warning: text, and any
 * error makes the exit status 1. With --json the profiles, every option
 * filled in (defaults too), are printed as one JSON array in the order of
 * the files: tools/bench.py reads that.
 */
#include <stdio.h>
#include <string.h>

#include "vpn_cfg.h"

static void
print_json(const struct vpn_bench_profile *p, bool first)
{
	const char *sep = "";
	char buf[2048];

	/* vpn_opt_format writes libconfig values; for the kinds a profile
	 * has (integers, booleans, lists of strings, strings its checks keep
	 * to printable ASCII) that text is also JSON. */
	printf("%s\n {", first ? "" : ",");
	for (unsigned int i = 0; i < vpn_opt_count(VPN_OBJ_PROFILE); i++)
		if (vpn_opt_format(VPN_OBJ_PROFILE, p, (int)i, buf,
		                   sizeof(buf))) {
			printf("%s\"%s\": %s", sep,
			       vpn_opt_name(VPN_OBJ_PROFILE, (int)i), buf);
			sep = ", ";
		}
	printf("}");
}

int
main(int argc, char **argv)
{
	bool json = false, first = true;
	int rc = 0, i = 1;

	if (i < argc && strcmp(argv[i], "--json") == 0) {
		json = true;
		i++;
	}
	if (i >= argc || argv[i][0] == '-') {
		fprintf(stderr, "usage: vpngw-profile [--json] FILE...\n");
		return 2;
	}
	if (json)
		printf("[");
	for (; i < argc; i++) {
		struct vpn_bench_profile p;
		struct vpn_diag d;

		vpn_diag_init(&d);
		if (vpn_bench_profile_load(argv[i], &p, &d) != 0)
			rc = 1;
		vpn_diag_print(&d, stderr);
		if (json && d.errors == 0) {
			print_json(&p, first);
			first = false;
		}
		vpn_diag_free(&d);
	}
	if (json)
		printf("\n]\n");
	return rc;
}
