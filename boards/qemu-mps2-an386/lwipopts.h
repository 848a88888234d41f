/*
 * lwipopts.h - lwIP 2.2 for the qemu-mps2-an386 net firmware (NET=1):
 * NO_SYS=0 on port/lwip's cooperative one-thread sys_arch (om_lwip.h),
 * the socket API om_sock.c calls (-DOM_SOCK_LWIP), IPv4, DHCP and DNS,
 * sized for 128 KB of RAM next to a 512-model table and the TLS pool.
 *
 * RAM (lwIP's, static): MEM_SIZE heap for outgoing segments, a pool of
 * PBUF_POOL_SIZE full-frame buffers for incoming ones, a few PCBs. The
 * TCP window is two segments: a 16 KB TLS record arrives in 12 windows,
 * which costs speed, not correctness. `make size` prints the lot.
 */
#ifndef OM_AN386_LWIPOPTS_H
#define OM_AN386_LWIPOPTS_H

/* ---- system: port/lwip (one thread, core locking, no RTOS) */
#define NO_SYS                          0
#define SYS_LIGHTWEIGHT_PROT            1
#define LWIP_TCPIP_CORE_LOCKING         1
#define LWIP_TCPIP_CORE_LOCKING_INPUT   1
#define LWIP_TCPIP_TIMEOUT              0
#define LWIP_NETCONN_SEM_PER_THREAD     0
#define TCPIP_THREAD_STACKSIZE          0
#define TCPIP_THREAD_PRIO               0
#define TCPIP_MBOX_SIZE                 4
#define DEFAULT_THREAD_STACKSIZE        0
#define DEFAULT_RAW_RECVMBOX_SIZE       2
#define DEFAULT_UDP_RECVMBOX_SIZE       2
#define DEFAULT_TCP_RECVMBOX_SIZE       8
#define DEFAULT_ACCEPTMBOX_SIZE         2
#define OM_LWIP_MBOX_SLOTS              8
#define OM_LWIP_MBOXES                  4

/* ---- memory: lwIP's own static heap and pools, no malloc */
#define MEM_LIBC_MALLOC                 0
#define MEMP_MEM_MALLOC                 0
#define MEM_ALIGNMENT                   4
#define MEM_SIZE                        4096
#define MEMP_NUM_PBUF                   4
#define MEMP_NUM_RAW_PCB                0
#define MEMP_NUM_UDP_PCB                2
#define MEMP_NUM_TCP_PCB                2
#define MEMP_NUM_TCP_PCB_LISTEN         1
#define MEMP_NUM_TCP_SEG                8
#define MEMP_NUM_ARP_QUEUE              2
#define MEMP_NUM_NETBUF                 2
#define MEMP_NUM_NETCONN                2
#define MEMP_NUM_SELECT_CB              2
#define MEMP_NUM_TCPIP_MSG_API          2
#define MEMP_NUM_TCPIP_MSG_INPKT        1
#define MEMP_NUM_SYS_TIMEOUT            (LWIP_NUM_SYS_TIMEOUT_INTERNAL + 1)
#define PBUF_POOL_SIZE                  4
#define ARP_TABLE_SIZE                  4
#define ARP_QUEUEING                    1

/* ---- protocols */
#define LWIP_IPV4                       1
#define LWIP_IPV6                       0
#define LWIP_ARP                        1
#define LWIP_ETHERNET                   1
#define LWIP_ICMP                       1
#define LWIP_RAW                        0
#define LWIP_UDP                        1
#define LWIP_TCP                        1
#define LWIP_DHCP                       1
#define LWIP_DHCP_DOES_ACD_CHECK        0
#define LWIP_ACD                        0
#define LWIP_AUTOIP                     0
#define LWIP_IGMP                       0
#define IP_FORWARD                      0
#define IP_REASSEMBLY                   0
#define IP_FRAG                         0
#define LWIP_DNS                        1
#define DNS_MAX_SERVERS                 2
#define DNS_TABLE_SIZE                  1
#define DNS_MAX_NAME_LENGTH             64

/* ---- TCP: full-size segments, a two-segment window */
#define TCP_MSS                         1460
#define TCP_WND                         (2 * TCP_MSS)
#define TCP_SND_BUF                     (2 * TCP_MSS)
#define TCP_SND_QUEUELEN                8
#define TCP_QUEUE_OOSEQ                 0
#define LWIP_TCP_KEEPALIVE              0
#define TCP_LISTEN_BACKLOG              0
#define LWIP_TCP_SACK_OUT               0

/* ---- sequential and socket API (what om_sock.c calls) */
#define LWIP_NETCONN                    1
#define LWIP_SOCKET                     1
#define LWIP_COMPAT_SOCKETS             0
#define LWIP_POSIX_SOCKETS_IO_NAMES     0
#define LWIP_SOCKET_POLL                1
#define LWIP_SOCKET_SELECT              0
#define LWIP_SO_RCVTIMEO                0
#define LWIP_SO_SNDTIMEO                0
#define LWIP_SO_RCVBUF                  0
#define LWIP_NETIF_API                  0
#define LWIP_TIMEVAL_PRIVATE            0
#define LWIP_SOCKET_OFFSET              0
#define MEMP_NUM_SOCKETS                MEMP_NUM_NETCONN

/* ---- netif: one Ethernet interface, the LAN9118 (lan9118.c), polled */
#define LWIP_SINGLE_NETIF               1
#define LWIP_NETIF_STATUS_CALLBACK      0
#define LWIP_NETIF_LINK_CALLBACK        0
#define LWIP_NETIF_LOOPBACK             0
#define LWIP_HAVE_LOOPIF                0

/* ---- checksums in software */
#define CHECKSUM_GEN_IP                 1
#define CHECKSUM_GEN_UDP                1
#define CHECKSUM_GEN_TCP                1
#define CHECKSUM_GEN_ICMP               1
#define CHECKSUM_CHECK_IP               1
#define CHECKSUM_CHECK_UDP              1
#define CHECKSUM_CHECK_TCP              1
#define CHECKSUM_CHECK_ICMP             1

/* ---- statistics: only the heap's and the pools' use and peak (the
 * firmware prints them after a fetch: `update`, `net`); no debug output;
 * asserts on (om_lwip_assert) */
#define LWIP_STATS                      1
#define LWIP_STATS_DISPLAY              0
#define MEM_STATS                       1
#define MEMP_STATS                      1
#define LINK_STATS                      0
#define ETHARP_STATS                    0
#define IP_STATS                        0
#define IPFRAG_STATS                    0
#define ICMP_STATS                      0
#define IGMP_STATS                      0
#define UDP_STATS                       0
#define TCP_STATS                       0
#define SYS_STATS                       0
#define MIB2_STATS                      0

#endif /* OM_AN386_LWIPOPTS_H */
