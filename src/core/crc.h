/* crc.h — the CRCs S3 checksums use: CRC32 (zlib's), CRC32C (Castagnoli,
 * hardware-accelerated when the CPU has SSE4.2) and CRC64/NVME.
 * Each takes the running value (0 to start) and returns the updated one.
 */
#ifndef NUAGE_CORE_CRC_H
#define NUAGE_CORE_CRC_H

#include <stddef.h>
#include <stdint.h>

uint32_t crc32_update(uint32_t crc, const void *p, size_t n);
uint32_t crc32c_update(uint32_t crc, const void *p, size_t n);
uint64_t crc64nvme_update(uint64_t crc, const void *p, size_t n);

#endif
