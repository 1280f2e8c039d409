/* libsodium's process setup, CSPRNG, comparison and wiping behind ohm's
 * names, so no other file needs to know which library provides them. */
#include "crypto/util.h"

#include <sodium/core.h>
#include <sodium/randombytes.h>
#include <sodium/utils.h>

bool crypto_init(void)
{
	/* 0: initialised now; 1: already initialised; -1: failure. */
	return sodium_init() >= 0;
}

void crypto_random_bytes(void *out, size_t len)
{
	randombytes_buf(out, len);
}

bool crypto_memeq(const void *a, const void *b, size_t len)
{
	return sodium_memcmp(a, b, len) == 0;
}

void crypto_wipe(void *p, size_t len)
{
	sodium_memzero(p, len);
}
