/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The data plane's setup and teardown: the packet pool, the ports (their
 * MTU and queues), the exception TAP, the rings and RCU state, the workers
 * launched; the control core's tick; the counters summed over the
 * workers. The packet path is dp_forward.c, the control core's parts
 * dp_neigh.c and dp_tunnel.c (dp_priv.h).
 */
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "dp_priv.h"
#include "vpn_pkt.h"
#include "vpn_port.h"

struct dp dp;

/* ---- links ----------------------------------------------------------------
 *
 * A port's link is the device's (an LSC interrupt says when it changes,
 * for devices that have one; the others are polled every LINK_POLL_MS),
 * and for a device over a kernel interface (net_af_packet, net_af_xdp:
 * `iface=`), that interface's carrier too: DPDK 22.11's af_packet always
 * says up. The outside port's link is a source of every tunnel's state
 * (lib/health's LINK): down, steering stops using them at once, not when
 * DPD gives up; IKE retransmits and DPD run on as they would. */
#define LINK_POLL_MS 250

static int
on_lsc(uint16_t port_id, enum rte_eth_event_type type, void *arg, void *ret)
{
	(void)port_id;
	(void)type;
	(void)arg;
	(void)ret;
	__atomic_store_n(&dp.link_event, 1, __ATOMIC_RELEASE);
	return 0;
}

static bool
link_read(const struct dp_port *p)
{
	struct rte_eth_link l;
	struct ifreq r;

	memset(&l, 0, sizeof(l));
	if (rte_eth_link_get_nowait(p->id, &l) != 0 ||
	    l.link_status != RTE_ETH_LINK_UP)
		return false;
	if (p->ifname[0] == '\0' || dp.ifsock < 0)
		return true;
	memset(&r, 0, sizeof(r));
	snprintf(r.ifr_name, sizeof(r.ifr_name), "%s", p->ifname);
	if (ioctl(dp.ifsock, SIOCGIFFLAGS, &r) != 0)
		return false; /* gone */
	return (r.ifr_flags & IFF_UP) && (r.ifr_flags & IFF_RUNNING);
}

static void
link_check(struct dp_port *p, uint64_t now)
{
	bool up = link_read(p);
	char why[VPN_NAME_MAX + 32];

	if (up == p->link)
		return;
	p->link = up;
	p->link_changes++;
	p->link_since = now;
	snprintf(why, sizeof(why), "port %s: link %s", p->name,
	         up ? "up" : "down");
	vpngw_log("%s%s%s%s", why, p->ifname[0] ? " (" : "", p->ifname,
	          p->ifname[0] ? "'s carrier)" : "");
	if (p->outside)
		dp_tunnels_link(p, up, why);
}

bool
vpngw_dp_port_link(uint16_t id, struct vpngw_port_link *l)
{
	const struct dp_port *p = dp_port_of_id(id);

	if (!dp.started || p->id != id)
		return false;
	memset(l, 0, sizeof(*l));
	l->up = p->link;
	l->lsc = p->lsc;
	snprintf(l->ifname, sizeof(l->ifname), "%s", p->ifname);
	l->changes = p->link_changes;
	l->rx_offloads = p->conf.rx_offloads;
	l->tx_offloads = p->conf.tx_offloads;
	l->rss_hf = p->conf.rss_hf;
	l->since_s = p->link_since == 0
	                     ? -1
	                     : (double)(rte_rdtsc() - p->link_since) /
	                               (double)rte_get_tsc_hz();
	return true;
}

void
vpngw_dp_control(void)
{
	bool changed[DP_IN_SLOT + 1] = {false};
	uint64_t now = rte_rdtsc();
	void *objs[BURST];
	unsigned int n;

	if (!dp.started)
		return;
	while ((n = rte_ring_dequeue_burst(dp.ctl_arp, objs, BURST, NULL)) > 0)
		for (unsigned int i = 0; i < n; i++) {
			struct rte_mbuf *m = objs[i];
			struct dp_port *p = dp_port_of_id(m->port);

			changed[p->slot] |= dp_arp_input(
			        p,
			        rte_pktmbuf_mtod_offset(m, uint8_t *, ETH_LEN),
			        rte_pktmbuf_data_len(m) - ETH_LEN, now);
			rte_pktmbuf_free(m);
		}
	/* Packets the workers had no MAC for: the next hop and port ride
	 * in the mbuf's hash field (l2_out). */
	while ((n = rte_ring_dequeue_burst(dp.ctl_resolve, objs, BURST, NULL)) >
	       0)
		for (unsigned int i = 0; i < n; i++) {
			struct rte_mbuf *m = objs[i];

			dp_ctl_ip_send(dp_port_at(m->hash.fdir.hi), m,
			               m->hash.fdir.lo, now);
		}
	for (unsigned int s = 0; s <= dp.nout; s++) {
		struct dp_port *p = dp_port_at(s);

		changed[p->slot] |= dp_arp_age(p, now);
		if (changed[p->slot])
			dp_arp_publish(p);
	}
	dp_arp_counters();
	if (__atomic_exchange_n(&dp.link_event, 0, __ATOMIC_ACQ_REL) ||
	    now - dp.last_link >= rte_get_tsc_hz() * LINK_POLL_MS / 1000) {
		dp.last_link = now;
		for (unsigned int s = 0; s <= dp.nout; s++)
			link_check(dp_port_at(s), now);
	}
	dp_probes_run(now);
	dp_deferred_run(false);
	if (now - dp.last_check >= rte_get_tsc_hz()) {
		dp.last_check = now;
		dp_tunnels_check(now);
	}
}

/* Packet buffers: one pool per NUMA node that has a port, on that node
 * (a port's RX queues fill from its own node's memory; the control
 * core's node's is dp.pool). */
#define POOL_MBUFS(nwk) (8191 + 4096 * ((nwk)-1))

static struct rte_mempool *
node_pool(int node)
{
	char name[32];

	if (node < 0 || node >= RTE_MAX_NUMA_NODES ||
	    node == (int)rte_socket_id())
		return dp.pool;
	if (dp.node_pool[node] == NULL) {
		snprintf(name, sizeof(name), "dp_node%d", node);
		dp.node_pool[node] = rte_pktmbuf_pool_create(
		        name, POOL_MBUFS(dp.nwk), 256, 0,
		        RTE_PKTMBUF_HEADROOM + DP_BUF_SIZE, node);
		if (dp.node_pool[node] == NULL) {
			vpngw_log("no packet buffers on NUMA node %d (its "
			          "hugepages?): the port there uses node %u's",
			          node, rte_socket_id());
			return dp.pool;
		}
	}
	return dp.node_pool[node];
}

/* A worker polling a port on another NUMA node pays for every packet
 * crossing between the sockets: said once at start. */
static void
numa_check(void)
{
	for (unsigned int i = 0; i < dp.nwk; i++)
		for (unsigned int s = 0; s <= dp.nout; s++) {
			const struct dp_port *p = dp_port_at(s);
			int node = rte_eth_dev_socket_id(p->id);
			unsigned int wn =
			        rte_lcore_to_socket_id(dp.wk[i].lcore);

			if (i < p->nrxq && node >= 0 &&
			    (unsigned int)node != wn)
				vpngw_log("worker %u (lcore %u, NUMA node %u) "
				          "polls port %s on node %d: each "
				          "packet crosses between the sockets; "
				          "choose workers on node %d",
				          i, dp.wk[i].lcore, wn, p->name, node,
				          node);
		}
}

static int
setup_port(const struct vpngw_dp_port *cp, struct dp_port *p,
           const char *ring_name)
{
	struct vpn_neigh_entry e[ARP_SLOTS];
	struct rte_eth_dev_info info;

	if (vpngw_port_id(cp->device, &p->id) != 0 ||
	    rte_eth_dev_info_get(p->id, &info) != 0)
		return -ENODEV;
	if (info.max_tx_queues < dp.nwk || info.max_rx_queues < cp->queues) {
		vpngw_log(
		        "port %s: %s has %u RX and %u TX queues; %u "
		        "RX queues and one TX queue per worker (%u) are needed "
		        "(net_af_packet: qpairs=N)",
		        cp->name, cp->device, info.max_rx_queues,
		        info.max_tx_queues, cp->queues, dp.nwk);
		return -EINVAL;
	}
	p->nrxq = (uint16_t)cp->queues;
	p->vlan = cp->vlan;
	p->mtu = cp->mtu;
	if (vpn_port_start(p->id, p->nrxq, (uint16_t)dp.nwk,
	                   node_pool(rte_eth_dev_socket_id(p->id)),
	                   (uint16_t)p->mtu, &p->conf) != 0) {
		vpngw_log("port %s: %s did not start", cp->name, cp->device);
		return -ENODEV;
	}
	rte_eth_macaddr_get(p->id, &p->mac);
	snprintf(p->name, sizeof(p->name), "%s", cp->name);
	{
		/* A device over a kernel interface (af_packet, af_xdp: not
		 * net_vhost, whose iface= is a socket path): its carrier
		 * counts. */
		const char *f = strstr(cp->device, "iface=");
		bool kernel_if =
		        strcmp(info.driver_name, "net_af_packet") == 0 ||
		        strcmp(info.driver_name, "net_af_xdp") == 0;

		if (f != NULL && kernel_if && (f == cp->device || f[-1] == ','))
			snprintf(p->ifname, sizeof(p->ifname), "%.*s",
			         (int)strcspn(f + 6, ","), f + 6);
	}
	p->lsc = p->conf.lsc &&
	         rte_eth_dev_callback_register(p->id, RTE_ETH_EVENT_INTR_LSC,
	                                       on_lsc, NULL) == 0;
	p->link = link_read(p);
	if (!p->link)
		vpngw_log("port %s: link down at start", cp->name);
	if (!cp->has_addr) {
		vpngw_log("port %s needs an address to forward", cp->name);
		return -EINVAL;
	}
	p->addr = cp->addr;
	p->mask = cp->len ? ~0u << (32 - cp->len) : 0;
	p->gateway = cp->gateway;
	p->nb = vpn_neigh_new(&(struct vpn_neigh_params){
	        .slots = ARP_SLOTS,
	        .hz = rte_get_tsc_hz(),
	        .timeout = (uint64_t)cp->arp_timeout * rte_get_tsc_hz()});
	p->ctl_tx = rte_ring_create(ring_name, CTL_RING, rte_socket_id(),
	                            RING_F_SP_ENQ | RING_F_SC_DEQ);
	p->arp = calloc(1, sizeof(*p->arp));
	if (p->ctl_tx == NULL || p->arp == NULL || p->nb == NULL)
		return -ENOMEM;
	for (unsigned int i = 0; i < cp->n_static_arp; i++)
		if (vpn_neigh_learn(p->nb, cp->static_arp[i].ip,
		                    cp->static_arp[i].mac, true,
		                    rte_rdtsc()) < 0)
			return -ENOSPC;
	p->arp->n = vpn_neigh_snapshot(p->nb, e, ARP_SLOTS);
	for (unsigned int i = 0; i < p->arp->n; i++) { /* no worker yet */
		p->arp->e[i].ip = e[i].ip;
		memcpy(p->arp->e[i].mac.addr_bytes, e[i].mac, 6);
	}
	return 0;
}

/* The exception path: a net_tap port whose kernel side is
 * exception_iface (main gives it our addresses: vpngw_kernel_setup). */
static int
setup_exception(const char *ifname)
{
	char dev[64];

	snprintf(dev, sizeof(dev), "net_tap_exc,iface=%s", ifname);
	if (rte_dev_probe(dev) != 0 ||
	    rte_eth_dev_get_port_by_name("net_tap_exc", &dp.exc.id) != 0) {
		vpngw_log("cannot create the exception interface %s "
		          "(net_tap: needs /dev/net/tun and CAP_NET_ADMIN)",
		          ifname);
		return -ENODEV;
	}
	if (vpn_port_start(dp.exc.id, 1, (uint16_t)dp.nwk, dp.pool, 0, NULL) !=
	    0)
		return -ENODEV;
	rte_eth_macaddr_get(dp.exc.id, &dp.exc.mac);
	if (rte_eth_dev_get_mtu(dp.exc.id, &dp.exc.mtu) != 0 ||
	    dp.exc.mtu < 576)
		dp.exc.mtu = 1500;
	dp.exc.on = true; /* its kernel side: vpngw_kernel_setup, by main */
	vpngw_log("exception path: kernel interface %s", ifname);
	return 0;
}

/* The next-hop tables (every slot a connection can take, empty) and an
 * empty FIB: connections and routes come after the start
 * (vpngw_dp_conn_set, vpngw_dp_set_routes) while the workers run. */
static int
setup_tables(void)
{
	for (int i = 0; i < VPN_RCU_VERSIONS; i++) {
		dp.nh_vs.v[i] = vpn_nh_table_clone(NULL, VPN_MAX_CONNS);
		if (dp.nh_vs.v[i] == NULL)
			return -ENOMEM;
	}
	dp.nh = dp.nh_vs.v[0];
	dp.routes = vpn_fib_build("fib_start", rte_socket_id(), 0, NULL, 0,
	                          NULL, 0);
	return dp.routes == NULL ? -ENOMEM : 0;
}

int
vpngw_dp_start(const struct vpngw_dp_params *a, const struct vpngw_sas *sas,
               volatile int *quit)
{
	size_t qsz;
	int rc;

	memset(&dp, 0, sizeof(dp));
	pthread_mutex_init(&dp.names, NULL);
	dp.ifsock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	dp.quit = quit;
	dp.nwk = a->n_workers;
	dp.idle_sleep_us = a->idle_sleep_us;
	dp.nconns = 0; /* the highest slot in use + 1 (vpngw_dp_conn_set) */
	/* One ESP context per worker and one for the control core. */
	if (dp.nwk == 0 || dp.nwk >= VPN_ESP_MAX_WORKERS) {
		vpngw_log("1 to %d workers, not %u", VPN_ESP_MAX_WORKERS - 1,
		          dp.nwk);
		return -EINVAL;
	}
	dp.ctl_w = vpn_esp_worker_new(sas->eng, dp.nwk);
	if (dp.ctl_w == NULL)
		return -ENOMEM;
	/* Jumbo-sized buffers: ports hand over whole frames (net_af_packet
	 * even reassembled ones), and the ESP library takes no chains. */
	dp.pool = rte_pktmbuf_pool_create("dp", POOL_MBUFS(dp.nwk), 256, 0,
	                                  RTE_PKTMBUF_HEADROOM + DP_BUF_SIZE,
	                                  rte_socket_id());
	/* Every slot a connection can take, so that connections come and
	 * go while the workers read. */
	dp.conns = calloc(VPN_MAX_CONNS, sizeof(*dp.conns));
	dp.live = calloc(VPN_MAX_CONNS, sizeof(*dp.live));
	dp.wk = rte_zmalloc("workers", dp.nwk * sizeof(*dp.wk),
	                    RTE_CACHE_LINE_SIZE);
	dp.ctl_arp = rte_ring_create("ctl_arp", CTL_RING, rte_socket_id(),
	                             RING_F_SC_DEQ);
	dp.ctl_resolve = rte_ring_create("ctl_resolve", CTL_RING,
	                                 rte_socket_id(), RING_F_SC_DEQ);
	qsz = rte_rcu_qsbr_get_memsize(dp.nwk);
	dp.qs = rte_zmalloc("qsbr", qsz, RTE_CACHE_LINE_SIZE);
	if (dp.pool == NULL || dp.conns == NULL || dp.live == NULL ||
	    dp.wk == NULL || dp.ctl_arp == NULL || dp.ctl_resolve == NULL ||
	    dp.qs == NULL || rte_rcu_qsbr_init(dp.qs, dp.nwk) != 0) {
		vpngw_log("data plane: out of memory");
		return -ENOMEM;
	}
	for (unsigned int i = 0; i < dp.nwk; i++) {
		dp.wk[i].id = i;
		dp.wk[i].icmp_tokens = ICMP_BURST;
		dp.wk[i].icmp_last = rte_rdtsc();
		dp.wk[i].lcore = a->workers[i];
		dp.wk[i].w = vpn_esp_worker_new(sas->eng, i);
		if (dp.wk[i].w == NULL)
			return -ENOMEM;
	}
	for (unsigned int i = 0; i < a->n_ports; i++) {
		bool outside = a->ports[i].outside;
		struct dp_port *p = outside ? &dp.out[dp.nout] : &dp.in;
		char ring[32];

		if (outside && dp.nout == VPN_MAX_OUT_PORTS)
			return -EINVAL; /* the checker let it by */
		p->outside = outside;
		p->slot = outside ? (uint8_t)dp.nout : DP_IN_SLOT;
		snprintf(ring, sizeof(ring), "ctl_tx_%u", p->slot);
		if (outside)
			dp.nout++;
		rc = setup_port(&a->ports[i], p, ring);
		if (rc != 0)
			return rc;
	}
	if (a->exception_iface[0] != '\0') {
		rc = setup_exception(a->exception_iface);
		if (rc != 0)
			return rc;
	}
	dp.started = true;
	numa_check();
	memcpy(dp.ours, a->outside, sizeof(dp.ours));
	memcpy(dp.ours_port, a->outside_port, sizeof(dp.ours_port));
	dp.nours = a->n_outside;
	dp.sad = sas->sad;
	rc = setup_tables();
	if (rc != 0)
		return rc;
	for (unsigned int i = 0; i < dp.nwk; i++) {
		rc = rte_eal_remote_launch(dp_worker_loop, &dp.wk[i],
		                           dp.wk[i].lcore);
		if (rc != 0) {
			vpngw_log("cannot start worker %u on lcore %u", i,
			          dp.wk[i].lcore);
			return rc;
		}
		{
			char polled[VPN_MAX_PORTS * (VPN_NAME_MAX + 2)] = "";

			for (unsigned int s = 0; s <= dp.nout; s++)
				if (i < dp_port_at(s)->nrxq)
					snprintf(polled + strlen(polled),
					         sizeof(polled) -
					                 strlen(polled),
					         "%s%s", polled[0] ? ", " : "",
					         dp_port_at(s)->name);
			vpngw_log("worker %u on lcore %u: polls RX queue %u "
			          "of %s, sends on TX queue %u",
			          i, dp.wk[i].lcore, i,
			          polled[0] ? polled : "no port", i);
		}
	}
	return 0;
}

static void
add_stats(struct vpngw_dp_stats *sum, const struct vpngw_dp_stats *s)
{
	const uint64_t *src = (const uint64_t *)s;
	uint64_t *dst = (uint64_t *)sum;

	/* Read while the workers count: aligned 64-bit words, never torn. */
	for (size_t i = 0; i < sizeof(*s) / sizeof(uint64_t); i++)
		dst[i] += __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}

void
vpngw_dp_read(struct vpngw_dp_stats *st, struct vpngw_dp_stats *per_worker,
              unsigned int *n)
{
	memset(st, 0, sizeof(*st));
	add_stats(st, &dp.ctl_st);
	for (unsigned int i = 0; i < dp.nwk; i++) {
		add_stats(st, &dp.wk[i].st);
		if (per_worker != NULL && i < *n) {
			memset(&per_worker[i], 0, sizeof(per_worker[i]));
			add_stats(&per_worker[i], &dp.wk[i].st);
		}
	}
	if (n != NULL)
		*n = dp.nwk;
}

void
vpngw_dp_esp_read(struct vpn_esp_stats *s)
{
	struct vpn_esp_worker *ws[VPN_ESP_MAX_WORKERS + 1];
	unsigned int n = 0;

	memset(s, 0, sizeof(*s));
	for (unsigned int i = 0; dp.wk != NULL && i < dp.nwk; i++)
		ws[n++] = dp.wk[i].w;
	if (dp.ctl_w != NULL)
		ws[n++] = dp.ctl_w;
	for (unsigned int i = 0; i < n; i++) {
		struct vpn_esp_stats w;

		vpn_esp_worker_stats(ws[i], &w);
		s->packets += w.packets;
		s->bytes += w.bytes;
		for (int r = 0; r < VPN_ESP_REASON_MAX; r++)
			s->drops[r] += w.drops[r];
	}
}

void
vpngw_dp_stop(struct vpngw_dp_stats *st, struct vpngw_dp_stats *per_worker,
              unsigned int *n)
{
	rte_eal_mp_wait_lcore();
	dp_deferred_run(true); /* (the workers are offline) */
	dp_probes_stop();
	vpngw_dp_read(st, per_worker, n);
	for (unsigned int s = 0; s <= dp.nout; s++) {
		struct dp_port *p = dp_port_at(s);

		/* (A start that failed half way registered some too.) */
		if (p->lsc)
			rte_eth_dev_callback_unregister(
			        p->id, RTE_ETH_EVENT_INTR_LSC, on_lsc, NULL);
		if (dp.started)
			vpn_port_stop(p->id);
	}
	if (dp.ifsock > 0) /* (0: dp cleared; never ours) */
		close(dp.ifsock);
	if (dp.exc.on)
		vpn_port_stop(dp.exc.id);
	for (unsigned int s = 0; s <= dp.nout; s++) {
		struct dp_port *p = dp_port_at(s);
		struct rte_mbuf *m;

		while (p->ctl_tx != NULL &&
		       rte_ring_dequeue(p->ctl_tx, (void **)&m) == 0)
			rte_pktmbuf_free(m);
		rte_ring_free(p->ctl_tx);
		free(p->arp);
		vpn_neigh_free(p->nb, dp_free_mbuf);
	}
	if (dp.ctl_arp != NULL) {
		struct rte_mbuf *m;

		while (rte_ring_dequeue(dp.ctl_arp, (void **)&m) == 0)
			rte_pktmbuf_free(m);
	}
	if (dp.ctl_resolve != NULL) {
		struct rte_mbuf *m;

		while (rte_ring_dequeue(dp.ctl_resolve, (void **)&m) == 0)
			rte_pktmbuf_free(m);
	}
	rte_ring_free(dp.ctl_arp);
	rte_ring_free(dp.ctl_resolve);
	for (unsigned int i = 0; dp.wk != NULL && i < dp.nwk; i++)
		vpn_esp_worker_free(dp.wk[i].w);
	vpn_esp_worker_free(dp.ctl_w);
	rte_free(dp.wk);
	rte_free(dp.qs);
	vpn_fib_free(dp.routes);
	for (int i = 0; i < VPN_RCU_VERSIONS; i++)
		free(dp.nh_vs.v[i]);
	rte_mempool_free(dp.pool);
	for (int node = 0; node < RTE_MAX_NUMA_NODES; node++)
		rte_mempool_free(dp.node_pool[node]);
	free(dp.conns);
	free(dp.live);
	memset(&dp, 0, sizeof(dp));
}
