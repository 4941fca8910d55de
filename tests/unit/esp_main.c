/* SPDX-License-Identifier: BSD-3-Clause */
/* CUnit runner for the crypto, ESP, packet-helper and route suites: starts a
 * DPDK EAL without hugepages or devices, for its mbuf pools. */
#include <stdio.h>

#include <CUnit/Basic.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>

void register_crypto_tests(void);
void register_esp_tests(void);
void register_pkt_tests(void);
void register_route_tests(void);

struct rte_mempool *test_pool;

int
main(void)
{
	char *eal[] = {"esp_tests",   "--no-huge",
	               "--no-shconf", "--no-pci",
	               "-l",          "0",
	               "-m",          "512",
	               "--log-level", "lib.eal:error",
	               NULL};
	unsigned int failed;

	if (rte_eal_init(10, eal) < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 2;
	}
	/* 10 KiB of data room: 9000-byte payloads plus ESP. */
	test_pool = rte_pktmbuf_pool_create("test", 24575, 256, 0,
	                                    RTE_PKTMBUF_HEADROOM + 10240,
	                                    SOCKET_ID_ANY);
	if (test_pool == NULL) {
		fprintf(stderr, "no mbuf pool: %s\n", rte_strerror(rte_errno));
		return 2;
	}
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	register_crypto_tests();
	register_esp_tests();
	register_pkt_tests();
	register_route_tests();
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	rte_mempool_free(test_pool);
	rte_eal_cleanup();
	return failed ? 1 : 0;
}
