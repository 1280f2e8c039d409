/* CRC32C (Castagnoli, RFC 3720 Appendix B.4): the checksum BOLT #7's
 * extended queries carry for each channel_update (see
 * channel_update_checksum() in gossip/channel_update.h).  Pure. */
#ifndef OHM_GOSSIP_CRC32C_H
#define OHM_GOSSIP_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* Returns: the CRC32C of data[0..len) continued from crc (0 to start):
 * crc32c(crc32c(0, a), b) is the CRC32C of a followed by b. */
uint32_t crc32c(uint32_t crc, const void *data, size_t len);

#endif /* OHM_GOSSIP_CRC32C_H */
