/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * esp_pcap: run the ESP library over a pcap file, so that an independent
 * implementation (scapy, tshark) can check what it makes and feed it what
 * they make.
 *
 *   esp_pcap encrypt|decrypt [options] IN.pcap OUT.pcap
 *     --alg aes128gcm16|aes256gcm16|aes{128,256}-sha{1,256,384,512}
 *                      (vpn_crypto_alg_find's names)
 *     --key HEX        cipher key; for GCM followed by the 4-byte salt
 *                      (RFC 4106 KEYMAT, as scapy and Wireshark take it)
 *     --auth-key HEX   HMAC key (CBC)
 *     --spi N --seq N  SPI; outbound: last sequence number used,
 *                      inbound: highest already received
 *     --esn --udp --window N --engine imb|openssl
 *     --src A --dst B  outer addresses (encrypt)
 *
 * Frames are Ethernet (pcap link type 1). Each output frame is the
 * processed packet behind the input's Ethernet header. Packets that fail
 * are reported with their reason; the exit status is 1 if any failed.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_mbuf.h>

#include "vpn_esp.h"

struct pcap_hdr {
	uint32_t magic;
	uint16_t major, minor;
	int32_t zone;
	uint32_t sigfigs, snaplen, linktype;
};

struct rec_hdr {
	uint32_t sec, usec, caplen, len;
};

static int
unhex(const char *h, uint8_t *out, size_t max)
{
	size_t n = strlen(h) / 2;

	if (strlen(h) % 2 || n > max)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (sscanf(h + 2 * i, "%2hhx", &out[i]) != 1)
			return -1;
	return (int)n;
}

static void
usage(void)
{
	fprintf(stderr, "usage: esp_pcap encrypt|decrypt --alg A --key HEX "
	                "[--auth-key HEX] --spi N [--seq N] [--esn] [--udp] "
	                "[--window N] [--engine imb|openssl] [--src A --dst B] "
	                "IN.pcap OUT.pcap\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
	        {"alg", 1, 0, 'a'},      {"key", 1, 0, 'k'},
	        {"auth-key", 1, 0, 'A'}, {"spi", 1, 0, 's'},
	        {"seq", 1, 0, 'q'},      {"esn", 0, 0, 'e'},
	        {"udp", 0, 0, 'u'},      {"window", 1, 0, 'w'},
	        {"engine", 1, 0, 'E'},   {"src", 1, 0, 'S'},
	        {"dst", 1, 0, 'D'},      {0, 0, 0, 0}};
	char *eal[] = {"esp_pcap",    "--no-huge", "--no-shconf", "--no-pci",
	               "-l",          "0",         "-m",          "128",
	               "--log-level", "*:error",   NULL};
	struct vpn_esp_sa_params p = {.replay_window = 1024};
	enum vpn_crypto_kind kind = VPN_CRYPTO_IMB;
	uint8_t key[64];
	int c, klen = -1, failed = 0, n = 0;
	bool encrypt;

	if (argc < 2)
		usage();
	encrypt = strcmp(argv[1], "encrypt") == 0;
	if (!encrypt && strcmp(argv[1], "decrypt") != 0)
		usage();
	optind = 2;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'a': {
			const struct vpn_crypto_alg *a =
			        vpn_crypto_alg_find(optarg);

			if (a == NULL)
				usage();
			p.cipher = a->cipher;
			p.cipher_key_len = a->key_len;
			p.auth = a->auth;
			break;
		}
		case 'k':
			klen = unhex(optarg, key, sizeof(key));
			break;
		case 'A': {
			int l = unhex(optarg, p.auth_key, sizeof(p.auth_key));

			if (l < 0)
				usage();
			p.auth_key_len = (unsigned int)l;
			break;
		}
		case 's':
			p.spi = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 'q':
			p.seq = strtoull(optarg, NULL, 0);
			break;
		case 'e':
			p.esn = true;
			break;
		case 'u':
			p.udp_encap = true;
			break;
		case 'w':
			p.replay_window = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 'E':
			kind = strcmp(optarg, "openssl") == 0
			               ? VPN_CRYPTO_OPENSSL
			               : VPN_CRYPTO_IMB;
			break;
		case 'S':
			p.tun_src = ntohl(inet_addr(optarg));
			break;
		case 'D':
			p.tun_dst = ntohl(inet_addr(optarg));
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 2 || p.cipher_key_len == 0)
		usage();
	/* GCM keys carry their salt at the end. */
	if (klen !=
	    (int)p.cipher_key_len + (p.cipher == VPN_CIPHER_AES_GCM ? 4 : 0)) {
		fprintf(stderr, "esp_pcap: key of the wrong length\n");
		return 2;
	}
	memcpy(p.cipher_key, key, p.cipher_key_len);
	memcpy(p.salt, key + p.cipher_key_len, 4);
	p.inbound = !encrypt;

	if (rte_eal_init(10, eal) < 0)
		return 2;
	struct rte_mempool *mp = rte_pktmbuf_pool_create(
	        "pcap", 1023, 0, 0, RTE_PKTMBUF_HEADROOM + 10240,
	        SOCKET_ID_ANY);
	struct vpn_crypto *eng = vpn_crypto_open(kind);
	struct vpn_esp_worker *w = vpn_esp_worker_new(eng, 0);
	struct vpn_esp_sa *sa = vpn_esp_sa_new(eng, &p);
	struct vpn_esp_sad *sad = vpn_esp_sad_new(2);
	FILE *in = fopen(argv[optind], "rb"),
	     *out = fopen(argv[optind + 1], "wb");
	struct pcap_hdr gh;
	struct rec_hdr rh;

	if (mp == NULL || w == NULL || sa == NULL || in == NULL ||
	    out == NULL) {
		fprintf(stderr, "esp_pcap: setup failed (bad SA parameters, "
		                "or files)\n");
		return 2;
	}
	if (!encrypt)
		vpn_esp_sad_add(sad, sa);
	if (fread(&gh, sizeof(gh), 1, in) != 1 || gh.magic != 0xa1b2c3d4 ||
	    gh.linktype != 1) {
		fprintf(stderr, "esp_pcap: not a pcap of Ethernet frames\n");
		return 2;
	}
	gh.snaplen = 65535;
	fwrite(&gh, sizeof(gh), 1, out);
	while (fread(&rh, sizeof(rh), 1, in) == 1) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
		uint8_t eth[14], why = 0;
		uint16_t ok;

		if (rh.caplen < 14 || rh.caplen > 10000 ||
		    fread(eth, 14, 1, in) != 1) {
			fprintf(stderr, "esp_pcap: bad record\n");
			return 2;
		}
		if (fread(rte_pktmbuf_append(m, (uint16_t)(rh.caplen - 14)),
		          rh.caplen - 14, 1, in) != 1 &&
		    rh.caplen > 14)
			return 2;
		n++;
		ok = encrypt ? vpn_esp_outbound(w, sa, &m, 1, &why)
		             : vpn_esp_inbound(w, sad, &m, 1, &why, NULL);
		if (ok != 1) {
			fprintf(stderr, "esp_pcap: packet %d: %s (%s)\n", n,
			        vpn_esp_reason_name(why),
			        vpn_esp_reason_text(why));
			failed++;
			rte_pktmbuf_free(m);
			continue;
		}
		/* Ethertype from what the packet now is. */
		eth[12] = (rte_pktmbuf_mtod(m, uint8_t *)[0] >> 4) == 6 ? 0x86
		                                                        : 0x08;
		eth[13] = eth[12] == 0x86 ? 0xdd : 0x00;
		rh.caplen = rh.len = rte_pktmbuf_data_len(m) + 14u;
		fwrite(&rh, sizeof(rh), 1, out);
		fwrite(eth, 14, 1, out);
		fwrite(rte_pktmbuf_mtod(m, void *), rte_pktmbuf_data_len(m), 1,
		       out);
		rte_pktmbuf_free(m);
	}
	fclose(in);
	fclose(out);
	fprintf(stderr, "esp_pcap: %s %d packets, %d failed\n",
	        encrypt ? "encrypted" : "decrypted", n, failed);
	vpn_esp_sad_free(sad);
	vpn_esp_sa_free(sa);
	vpn_esp_worker_free(w);
	vpn_crypto_close(eng);
	rte_mempool_free(mp);
	rte_eal_cleanup();
	return failed ? 1 : 0;
}
