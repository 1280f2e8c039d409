/* Allocation with one out-of-memory policy: abort.
 *
 * ohm cannot do anything sensible without memory (a half-applied channel
 * step is worse than a restart, which loses nothing: every step is
 * committed before it is acted on), so these never return NULL for a
 * non-zero size; they print a line to stderr and abort(), as wire/'s
 * wire_calloc does.  A zero size gives a valid pointer to free(). */
#ifndef OHM_COMMON_ALLOC_H
#define OHM_COMMON_ALLOC_H

#include <stddef.h>

void *oh_malloc(size_t size);
void *oh_calloc(size_t count, size_t size);
void *oh_realloc(void *p, size_t size);
char *oh_strdup(const char *s);
/* At most n bytes of s (less if s ends sooner), NUL-terminated. */
char *oh_strndup(const char *s, size_t n);
/* A malloc'd copy of len bytes (len may be 0). */
void *oh_memdup(const void *bytes, size_t len);

#endif /* OHM_COMMON_ALLOC_H */
