/*
 * lwipopts.h - lwIP 2.2 options of tests/lwip/lwip_fetch.c: the real
 * stack on contrib/ports/unix (pthreads sys_arch, tapif), NO_SYS=0, the
 * BSD-style sockets om_sock.c uses (-DOM_SOCK_LWIP), IPv4 only.
 *
 * Memory: lwIP's own heap (mem.c, MEM_SIZE bytes, a static array) and its
 * memp pools belong to lwIP; contrib's sys_arch.c mallocs its semaphores,
 * mailboxes and thread records. None of it is ormodels code: om_sock,
 * om_tls and the core allocate nothing.
 */
#ifndef OM_TEST_LWIPOPTS_H
#define OM_TEST_LWIPOPTS_H

/* ---- system: an OS with threads (contrib/ports/unix/port/sys_arch.c) */
#define NO_SYS                      0
#define SYS_LIGHTWEIGHT_PROT        1
#define LWIP_TCPIP_CORE_LOCKING     1
#define LWIP_TCPIP_CORE_LOCKING_INPUT 0
/* Let contrib's sys_arch assert that the core is only touched with the
 * core lock held (or from the tcpip thread). */
void sys_check_core_locking(void);
void sys_mark_tcpip_thread(void);
#define LWIP_ASSERT_CORE_LOCKED()   sys_check_core_locking()
#define LWIP_MARK_TCPIP_THREAD()    sys_mark_tcpip_thread()

#define TCPIP_THREAD_STACKSIZE      0
#define TCPIP_THREAD_PRIO           1
#define TCPIP_MBOX_SIZE             64
#define DEFAULT_THREAD_STACKSIZE    0
#define DEFAULT_THREAD_PRIO         1
#define DEFAULT_RAW_RECVMBOX_SIZE   16
#define DEFAULT_UDP_RECVMBOX_SIZE   16
#define DEFAULT_TCP_RECVMBOX_SIZE   64
#define DEFAULT_ACCEPTMBOX_SIZE     8

/* ---- memory (lwIP's, not ours: see the top) */
#define MEM_ALIGNMENT               8
#define MEM_SIZE                    (256 * 1024)
#define MEMP_NUM_PBUF               64
#define MEMP_NUM_TCP_PCB            8
#define MEMP_NUM_TCP_PCB_LISTEN     2
#define MEMP_NUM_TCP_SEG            128
#define MEMP_NUM_NETBUF             16
#define MEMP_NUM_NETCONN            8
#define MEMP_NUM_TCPIP_MSG_API      32
#define MEMP_NUM_TCPIP_MSG_INPKT    64
#define MEMP_NUM_SYS_TIMEOUT        (LWIP_NUM_SYS_TIMEOUT_INTERNAL + 4)
#define PBUF_POOL_SIZE              128
#define PBUF_POOL_BUFSIZE           LWIP_MEM_ALIGN_SIZE(TCP_MSS + 40 + PBUF_LINK_ENCAPSULATION_HLEN + PBUF_LINK_HLEN)

/* ---- protocols */
#define LWIP_IPV4                   1
#define LWIP_IPV6                   0
#define LWIP_ARP                    1
#define ETHARP_SUPPORT_STATIC_ENTRIES 0
#define LWIP_ETHERNET               1
#define LWIP_ICMP                   1
#define LWIP_RAW                    0
#define LWIP_UDP                    1     /* DNS */
#define LWIP_TCP                    1
#define LWIP_DHCP                   0
#define LWIP_AUTOIP                 0
#define LWIP_ACD                    0
#define LWIP_IGMP                   0
#define IP_FORWARD                  0
#define IP_REASSEMBLY               1
#define IP_FRAG                     1

/* DNS: om_sock's default resolver is lwip_getaddrinfo, which takes an
 * IPv4 literal without asking any server; a name would need a server
 * (none is set: the test fetches from an address). */
#define LWIP_DNS                    1
#define DNS_MAX_SERVERS             1

/* ---- TCP: a full-sized window without window scaling */
#define TCP_MSS                     1460
#define TCP_WND                     (16 * TCP_MSS)
#define TCP_SND_BUF                 (8 * TCP_MSS)
#define TCP_SND_QUEUELEN            ((4 * (TCP_SND_BUF) + (TCP_MSS - 1)) / (TCP_MSS))
#define TCP_QUEUE_OOSEQ             1
#define LWIP_TCP_KEEPALIVE          0
#define TCP_LISTEN_BACKLOG          0

/* ---- sequential and socket API (what om_sock.c calls) */
#define LWIP_NETCONN                1
#define LWIP_SOCKET                 1
#define LWIP_COMPAT_SOCKETS         0     /* om_sock calls lwip_* by name */
#define LWIP_POSIX_SOCKETS_IO_NAMES 0
#define LWIP_SOCKET_POLL            1
#define LWIP_SOCKET_SELECT          1
#define LWIP_SO_RCVTIMEO            1
#define LWIP_SO_SNDTIMEO            1
#define LWIP_SO_RCVBUF              0
#define LWIP_TCP_NODELAY            1
#define LWIP_NETIF_API              1
#define LWIP_TIMEVAL_PRIVATE        0     /* <sys/time.h>'s (arch/cc.h) */
/* errno: the C library's (arch/cc.h sets LWIP_ERRNO_STDINCLUDE on Linux),
 * so lwIP's socket errors and om_sock's E* names are the same numbers. */

/* ---- netif */
#define LWIP_NETIF_STATUS_CALLBACK  0
#define LWIP_NETIF_LINK_CALLBACK    0
#define LWIP_SINGLE_NETIF           1

/* ---- checksums: computed and checked in software (the TAP device does
 * not offload, so the kernel's frames carry full checksums) */
#define CHECKSUM_GEN_IP             1
#define CHECKSUM_GEN_TCP            1
#define CHECKSUM_CHECK_IP           1
#define CHECKSUM_CHECK_TCP          1

/* ---- statistics, for the report line of lwip_fetch */
#define LWIP_STATS                  1
#define LWIP_STATS_DISPLAY          0
#define MEM_STATS                   1
#define MEMP_STATS                  1
#define TCP_STATS                   1
#define LINK_STATS                  1
#define IP_STATS                    1

/* ---- debugging: off (LWIP_DEBUG is not defined); asserts stay on */

#endif /* OM_TEST_LWIPOPTS_H */
