/*
 * lan9118.c - see lan9118.h. SMSC LAN9118 in 32-bit mode, polled.
 *
 * Receive (datasheet 3.13, "RX Data Path"): RX_FIFO_INF.RXSUSED counts
 * frames waiting; each has one RX_STATUS_FIFO word (bits 29:16 the frame
 * length including the 4-byte FCS, bit 15 the error summary) and
 * ceil(length / 4) RX_DATA_FIFO words, bytes in little-endian order.
 * Transmit (3.12, "TX Data Path"): per buffer, TX command A (bit 13 first
 * segment, bit 12 last segment, bits 20:16 data start offset, bits 10:0
 * buffer size) and TX command B (bits 31:16 a tag, bits 10:0 the frame
 * length), then the data words from the word holding the first byte; a
 * TX_STATUS_FIFO word per frame (bit 15 error summary).
 */
#include "lan9118.h"

#include <string.h>

#include "lwip/etharp.h"
#include "lwip/pbuf.h"
#include "lwip/tcpip.h"

#include "board.h"

#define REG(off) (*(volatile uint32_t *)(LAN9118_BASE + (off)))

/* system control and status registers (datasheet 5.3) */
#define RX_DATA_FIFO REG(0x00)
#define TX_DATA_FIFO REG(0x20)
#define RX_STATUS_FIFO REG(0x40)
#define TX_STATUS_FIFO REG(0x48)
#define ID_REV REG(0x50)
#define IRQ_CFG REG(0x54)
#define INT_STS REG(0x58)
#define INT_EN REG(0x5C)
#define BYTE_TEST REG(0x64)
#define RX_CFG REG(0x6C)
#define TX_CFG REG(0x70)
#define HW_CFG REG(0x74)
#define RX_FIFO_INF REG(0x7C)
#define TX_FIFO_INF REG(0x80)
#define PMT_CTRL REG(0x84)
#define MAC_CSR_CMD REG(0xA4)
#define MAC_CSR_DATA REG(0xA8)

#define BYTE_TEST_VALUE 0x87654321u
#define HW_CFG_SRST 0x00000001u
#define PMT_CTRL_READY 0x00000001u
#define TX_CFG_TX_ON 0x00000002u
#define TX_CFG_TXSAO 0x00000004u  /* TX status allow overrun */
#define RX_STS_ES 0x00008000u     /* error summary */
#define TX_STS_ES 0x00008000u
#define TX_CMD_A_FIRST 0x00002000u
#define TX_CMD_A_LAST 0x00001000u
#define MAC_CSR_BUSY 0x80000000u
#define MAC_CSR_READ 0x40000000u

/* MAC control and status registers (5.4), by index */
#define MAC_CR 1
#define ADDRH 2
#define ADDRL 3
#define MII_ACC 6
#define MII_DATA 7
#define MAC_CR_FDPX 0x00100000u   /* full duplex */
#define MAC_CR_TXEN 0x00000008u
#define MAC_CR_RXEN 0x00000004u
#define MII_ACC_PHY1 (1u << 11)   /* the internal PHY is at address 1 */
#define MII_ACC_WRITE 0x00000002u /* MIIWnR */
#define MII_ACC_BUSY 0x00000001u  /* MIIBZY */

/* PHY registers (5.5) */
#define PHY_BCR 0
#define PHY_BSR 1
#define PHY_ANAR 4
#define BCR_ANENABLE 0x1000u
#define BCR_ANRESTART 0x0200u
#define BSR_LINK 0x0004u
#define ANAR_ALL_10_100 0x01E1u  /* 100/10, full/half, IEEE 802.3 */

#define FRAME_MAX 1514u   /* without the FCS */
#define SPIN 100000u      /* bound of every busy-wait, in register reads */
#define LINK_POLL_MS 250u

static lan9118_stats_t st;
static uint32_t link_checked;
static uint16_t tx_tag;

static int wait_clear(volatile uint32_t *reg, uint32_t bits)
{
    uint32_t i;
    for (i = 0; i < SPIN; i++)
        if (!(*reg & bits))
            return 0;
    return -1;
}

static uint32_t mac_read(uint32_t idx)
{
    (void)wait_clear(&MAC_CSR_CMD, MAC_CSR_BUSY);
    MAC_CSR_CMD = MAC_CSR_BUSY | MAC_CSR_READ | idx;
    (void)wait_clear(&MAC_CSR_CMD, MAC_CSR_BUSY);
    return MAC_CSR_DATA;
}

static void mac_write(uint32_t idx, uint32_t v)
{
    (void)wait_clear(&MAC_CSR_CMD, MAC_CSR_BUSY);
    MAC_CSR_DATA = v;
    MAC_CSR_CMD = MAC_CSR_BUSY | idx;
    (void)wait_clear(&MAC_CSR_CMD, MAC_CSR_BUSY);
}

static void mii_wait(void)
{
    uint32_t i;
    for (i = 0; i < SPIN && (mac_read(MII_ACC) & MII_ACC_BUSY); i++)
        ;
}

static uint32_t phy_read(uint32_t reg)
{
    mii_wait();
    mac_write(MII_ACC, MII_ACC_PHY1 | reg << 6 | MII_ACC_BUSY);
    mii_wait();
    return mac_read(MII_DATA) & 0xFFFFu;
}

static void phy_write(uint32_t reg, uint32_t v)
{
    mii_wait();
    mac_write(MII_DATA, v);
    mac_write(MII_ACC, MII_ACC_PHY1 | reg << 6 | MII_ACC_WRITE | MII_ACC_BUSY);
    mii_wait();
}

int lan9118_link(void) { return (phy_read(PHY_BSR) & BSR_LINK) != 0; }

const lan9118_stats_t *lan9118_stats(void) { return &st; }

/* ------------------------------------------------------------ transmit */

static void tx_status_drain(void)
{
    while ((TX_FIFO_INF >> 16) & 0xFFu) /* TXSUSED */
        if (TX_STATUS_FIFO & TX_STS_ES)
            st.tx_errors++;
}

static err_t linkoutput(struct netif *n, struct pbuf *p)
{
    struct pbuf *q, *last = NULL;
    uint32_t need = 0, i;
    (void)n;
    for (q = p; q; q = q->next)
        if (q->len) {
            last = q;
            need += q->len + 3u + 8u; /* data, alignment, commands A and B */
        }
    if (!last || p->tot_len > FRAME_MAX)
        return ERR_ARG;
    /* TX_FIFO_INF.TDFREE: bytes free in the TX data FIFO */
    for (i = 0; (TX_FIFO_INF & 0xFFFFu) < need; i++)
        if (i == SPIN) {
            st.tx_errors++;
            return ERR_IF;
        }
    tx_tag++;
    for (q = p; q; q = q->next) {
        uintptr_t a = (uintptr_t)q->payload;
        uint32_t off = (uint32_t)(a & 3u), words;
        const volatile uint32_t *w;
        if (!q->len)
            continue;
        /* the words holding the buffer; the chip skips the first off
         * bytes and whatever follows the last one */
        w = (const volatile uint32_t *)(a - off);
        words = (off + q->len + 3u) / 4u;
        TX_DATA_FIFO = (q == p ? TX_CMD_A_FIRST : 0u) |
                       (q == last ? TX_CMD_A_LAST : 0u) | off << 16 | q->len;
        TX_DATA_FIFO = (uint32_t)tx_tag << 16 | p->tot_len;
        while (words--)
            TX_DATA_FIFO = *w++;
        if (q == last)
            break;
    }
    st.tx_frames++;
    st.tx_bytes += p->tot_len;
    tx_status_drain();
    return ERR_OK;
}

/* ------------------------------------------------------------- receive */

/* Reads one frame's data words into p (len bytes), then the rest of its
 * words (the FCS, padding) into nothing. */
static void rx_copy(struct pbuf *p, uint32_t words)
{
    struct pbuf *q;
    uint32_t w = 0, have = 0;
    for (q = p; q; q = q->next) {
        uint8_t *d = (uint8_t *)q->payload;
        uint32_t k = 0;
        if (!have && !((uintptr_t)d & 3u))
            for (; q->len - k >= 4u; k += 4u, words--) {
                uint32_t v = RX_DATA_FIFO;
                memcpy(d + k, &v, 4);
            }
        while (k < q->len) {
            if (!have) {
                w = RX_DATA_FIFO;
                words--;
                have = 4;
            }
            d[k++] = (uint8_t)w;
            w >>= 8;
            have--;
        }
    }
    while (words--)
        (void)RX_DATA_FIFO;
}

static void rx_frames(struct netif *n)
{
    while ((RX_FIFO_INF >> 16) & 0xFFu) { /* RXSUSED: frames waiting */
        /* Take a buffer first: without one the frame stays in the chip
         * until lwIP frees some (the status FIFO cannot be peeked back). */
        struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)FRAME_MAX, PBUF_POOL);
        uint32_t sts, len, words;
        if (!p) {
            st.rx_waits++;
            return;
        }
        sts = RX_STATUS_FIFO;
        len = (sts >> 16) & 0x3FFFu; /* with the FCS */
        words = (len + 3u) / 4u;
        if ((sts & RX_STS_ES) || len < 14u + 4u || len - 4u > FRAME_MAX) {
            while (words--)
                (void)RX_DATA_FIFO;
            pbuf_free(p);
            st.rx_dropped++;
            continue;
        }
        pbuf_realloc(p, (u16_t)(len - 4u));
        rx_copy(p, words);
        st.rx_frames++;
        st.rx_bytes += len - 4u;
        if (n->input(p, n) != ERR_OK) {
            pbuf_free(p);
            st.rx_dropped++;
        }
    }
}

void lan9118_poll(struct netif *n)
{
    uint32_t now = board_ms();
    if (now - link_checked >= LINK_POLL_MS || !link_checked) {
        int up = lan9118_link();
        link_checked = now ? now : 1;
        if (up != !!netif_is_link_up(n)) {
            LOCK_TCPIP_CORE();
            if (up)
                netif_set_link_up(n);
            else
                netif_set_link_down(n);
            UNLOCK_TCPIP_CORE();
        }
    }
    rx_frames(n);
    tx_status_drain();
}

/* ---------------------------------------------------------------- init */

err_t lan9118_netif_init(struct netif *n)
{
    uint32_t lo, hi, id;
    if (BYTE_TEST != BYTE_TEST_VALUE)
        return ERR_IF;
    /* ID_REV.CHIP_ID: QEMU's model is a LAN9118; the MPS2 boards carry
     * the register-compatible LAN9220 (no checksum offload used here) */
    id = ID_REV >> 16;
    if (id != 0x0118u && id != 0x9220u)
        return ERR_IF;
    HW_CFG = HW_CFG_SRST; /* soft reset: FIFOs, MAC, PHY */
    if (wait_clear(&HW_CFG, HW_CFG_SRST) != 0)
        return ERR_IF;
    for (lo = 0; lo < SPIN && !(PMT_CTRL & PMT_CTRL_READY); lo++)
        ;
    IRQ_CFG = 0; /* polled: the IRQ pin stays off */
    INT_EN = 0;
    INT_STS = 0xFFFFFFFFu;
    RX_CFG = 0; /* data at offset 0, 4-byte end alignment */

    /* The MAC address the chip loaded from its EEPROM at reset. */
    lo = mac_read(ADDRL);
    hi = mac_read(ADDRH);
    n->hwaddr[0] = (uint8_t)lo;
    n->hwaddr[1] = (uint8_t)(lo >> 8);
    n->hwaddr[2] = (uint8_t)(lo >> 16);
    n->hwaddr[3] = (uint8_t)(lo >> 24);
    n->hwaddr[4] = (uint8_t)hi;
    n->hwaddr[5] = (uint8_t)(hi >> 8);
    if ((n->hwaddr[0] & 1u) || !(lo | (hi & 0xFFFFu))) {
        /* none (or a multicast one): a locally administered address */
        static const uint8_t mac[6] = {0x02, 0x00, 0x4f, 0x4d, 0x00, 0x01};
        memcpy(n->hwaddr, mac, 6);
        mac_write(ADDRL, (uint32_t)mac[0] | (uint32_t)mac[1] << 8 |
                         (uint32_t)mac[2] << 16 | (uint32_t)mac[3] << 24);
        mac_write(ADDRH, (uint32_t)mac[4] | (uint32_t)mac[5] << 8);
    }
    /* Own address and broadcast only (not promiscuous), full duplex. */
    mac_write(MAC_CR, MAC_CR_FDPX | MAC_CR_TXEN | MAC_CR_RXEN);
    phy_write(PHY_ANAR, ANAR_ALL_10_100);
    phy_write(PHY_BCR, BCR_ANENABLE | BCR_ANRESTART);
    TX_CFG = TX_CFG_TX_ON | TX_CFG_TXSAO;

    memset(&st, 0, sizeof st);
    link_checked = 0;
    n->name[0] = 'e';
    n->name[1] = '0';
    n->mtu = 1500;
    n->hwaddr_len = 6;
    n->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
    n->output = etharp_output;
    n->linkoutput = linkoutput;
    return ERR_OK;
}
