/* SPDX-License-Identifier: BSD-3-Clause */
/* CUnit runner: every suite, verbose, exit 1 when any assertion fails. */
#include <stdio.h>

#include <CUnit/Basic.h>

void register_prefix_tests(void);
void register_neigh_tests(void);
void register_health_tests(void);
void register_rib_tests(void);
void register_cfg_tests(void);
void register_pki_tests(void);
void register_ike_tests(void);
void register_ike_sa_tests(void);
void register_console_tests(void);
void cleanup_cfg_tests(void);

int
main(void)
{
	unsigned int failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	register_prefix_tests();
	register_neigh_tests();
	register_health_tests();
	register_rib_tests();
	register_cfg_tests();
	register_pki_tests();
	register_ike_tests();
	register_ike_sa_tests();
	register_console_tests();
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	cleanup_cfg_tests();
	CU_cleanup_registry();
	return failed ? 1 : 0;
}
