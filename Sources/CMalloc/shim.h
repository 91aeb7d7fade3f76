#ifndef B24PG_CMALLOC_SHIM_H
#define B24PG_CMALLOC_SHIM_H

// glibc's allocator tuning, which Swift's Glibc module does not export. Elsewhere a no-op.
#if defined(__linux__)
#include <malloc.h>
#endif

#if defined(__GLIBC__) && defined(M_ARENA_MAX)
/// Caps the number of malloc arenas (glibc otherwise grows up to eight per core, and memory freed
/// on one thread but allocated on another stays resident in each). Returns 1 on success.
static inline int b24pg_limit_malloc_arenas(int count) { return mallopt(M_ARENA_MAX, count); }
#else
static inline int b24pg_limit_malloc_arenas(int count) { (void)count; return 0; }
#endif

#endif
