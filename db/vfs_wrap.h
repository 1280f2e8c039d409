/* A VFS that wraps another (db_iostats.c, fault_vfs.c): the wrapper's
 * xOpen wraps each file's methods; every other VFS method passes to the
 * wrapped VFS, kept in pAppData. */
#ifndef OHM_DB_VFS_WRAP_H
#define OHM_DB_VFS_WRAP_H

#include <sqlite3.h>

/* Fills *vfs (version 2) named name, wrapping real, whose files are
 * file_size bytes (the wrapper's struct, then real's file after it) and
 * opened by open.  Precondition: real->iVersion >= 2. */
void vfs_wrap_init(sqlite3_vfs *vfs, sqlite3_vfs *real, const char *name, int file_size,
		   int (*open)(sqlite3_vfs *, const char *, sqlite3_file *, int, int *));

#endif /* OHM_DB_VFS_WRAP_H */
