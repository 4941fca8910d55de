/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the configuration loader: any text must load or
 * fail with diagnostics, never crash or leak; and whatever loads without
 * an error must round-trip: its normalised form (vpngw -nv) loads without
 * an error and normalises to the same text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vpn_cfg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *
normalise(const struct vpn_cfg *cfg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL)
		abort();
	vpn_cfg_write(cfg, f);
	fclose(f);
	return buf;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vpn_diag d, d2;
	struct vpn_cfg *cfg, *again;
	char *text, *a, *b;

	if (size > 65536)
		return 0;
	text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	vpn_diag_init(&d);
	cfg = vpn_cfg_load_string(text, "fuzz.conf", &d);
	free(text);
	if (cfg != NULL && d.errors == 0) {
		a = normalise(cfg);
		vpn_diag_init(&d2);
		again = vpn_cfg_load_string(a, "fuzz.conf", &d2);
		if (again == NULL || d2.errors != 0) {
			vpn_diag_print(&d2, stderr);
			fprintf(stderr,
			        "--- normalised form does not load:\n%s", a);
			abort();
		}
		b = normalise(again);
		if (strcmp(a, b) != 0) {
			fprintf(stderr, "--- round trip differs:\n%s---\n%s", a,
			        b);
			abort();
		}
		free(a);
		free(b);
		vpn_cfg_free(again);
		vpn_diag_free(&d2);
	}
	vpn_cfg_free(cfg);
	vpn_diag_free(&d);
	return 0;
}
