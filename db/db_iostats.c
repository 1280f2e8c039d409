/* What the process's SQLite connections cost the disk (db.h's
 * db_io_stats): a VFS that passes every call to the default one and
 * counts bytes written to WAL files and to databases, and syncs; and
 * reports each failed write, sync or truncate (db_storage_failed).  It wraps
 * each file's methods; everything else (names, locks, shared memory) is
 * the default VFS's own. */
#include "db/db.h"
#include "db/vfs_wrap.h"

#include <string.h>

struct counting_file {
	sqlite3_file base;		/* pMethods: ours */
	bool is_wal;
	sqlite3_file *real;		/* follows this struct */
};

static sqlite3_vfs counting_vfs;
static sqlite3_vfs *real_vfs;
static sqlite3_io_methods counting_methods;
static struct db_io_stats stats;

static void count(uint64_t *counter, uint64_t n)
{
	__atomic_add_fetch(counter, n, __ATOMIC_RELAXED);
}

#define REAL(f) (((struct counting_file *)(f))->real)

static int c_close(sqlite3_file *f)
{
	int rc = REAL(f)->pMethods ? REAL(f)->pMethods->xClose(REAL(f)) : SQLITE_OK;

	f->pMethods = NULL;
	return rc;
}

static int c_read(sqlite3_file *f, void *buf, int n, sqlite3_int64 off)
{
	return REAL(f)->pMethods->xRead(REAL(f), buf, n, off);
}

static int c_write(sqlite3_file *f, const void *buf, int n, sqlite3_int64 off)
{
	int rc = REAL(f)->pMethods->xWrite(REAL(f), buf, n, off);

	if (rc == SQLITE_OK)
		count(((struct counting_file *)f)->is_wal ? &stats.wal_bytes : &stats.db_bytes,
		      (uint64_t)n);
	else
		db_storage_failed("write", rc);
	return rc;
}

static int c_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	int rc = REAL(f)->pMethods->xTruncate(REAL(f), size);

	if (rc != SQLITE_OK)
		db_storage_failed("truncate", rc);
	return rc;
}

static int c_sync(sqlite3_file *f, int flags)
{
	int rc;

	count(&stats.syncs, 1);
	rc = REAL(f)->pMethods->xSync(REAL(f), flags);
	if (rc != SQLITE_OK)
		db_storage_failed("fsync", rc);
	return rc;
}

static int c_file_size(sqlite3_file *f, sqlite3_int64 *size)
{
	return REAL(f)->pMethods->xFileSize(REAL(f), size);
}

static int c_lock(sqlite3_file *f, int level)
{
	return REAL(f)->pMethods->xLock(REAL(f), level);
}

static int c_unlock(sqlite3_file *f, int level)
{
	return REAL(f)->pMethods->xUnlock(REAL(f), level);
}

static int c_check_lock(sqlite3_file *f, int *out)
{
	return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}

static int c_file_control(sqlite3_file *f, int op, void *arg)
{
	return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}

static int c_sector_size(sqlite3_file *f)
{
	return REAL(f)->pMethods->xSectorSize(REAL(f));
}

static int c_device_chars(sqlite3_file *f)
{
	return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}

static int c_shm_map(sqlite3_file *f, int page, int size, int extend, void volatile **out)
{
	return REAL(f)->pMethods->xShmMap(REAL(f), page, size, extend, out);
}

static int c_shm_lock(sqlite3_file *f, int offset, int n, int flags)
{
	return REAL(f)->pMethods->xShmLock(REAL(f), offset, n, flags);
}

static void c_shm_barrier(sqlite3_file *f)
{
	REAL(f)->pMethods->xShmBarrier(REAL(f));
}

static int c_shm_unmap(sqlite3_file *f, int delete_flag)
{
	return REAL(f)->pMethods->xShmUnmap(REAL(f), delete_flag);
}

static int c_fetch(sqlite3_file *f, sqlite3_int64 off, int n, void **out)
{
	return REAL(f)->pMethods->xFetch(REAL(f), off, n, out);
}

static int c_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p)
{
	return REAL(f)->pMethods->xUnfetch(REAL(f), off, p);
}

static int c_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out_flags)
{
	struct counting_file *cf = (struct counting_file *)f;
	int rc;

	(void)vfs;
	cf->real = (sqlite3_file *)(cf + 1);
	cf->is_wal = (flags & SQLITE_OPEN_WAL) != 0;
	f->pMethods = NULL;
	rc = real_vfs->xOpen(real_vfs, name, cf->real, flags, out_flags);
	/* The default VFS's files are all of one version: ours matches. */
	if (cf->real->pMethods) {
		counting_methods.iVersion = cf->real->pMethods->iVersion;
		f->pMethods = &counting_methods;
	}
	return rc;
}

bool db_io_stats_install(void)
{
	sqlite3_vfs *def;

	if (real_vfs)
		return true;
	if (sqlite3_initialize() != SQLITE_OK)
		return false;
	def = sqlite3_vfs_find(NULL);
	/* Version 2 is what this wraps (xCurrentTimeInt64): unix's is 3. */
	if (!def || def->iVersion < 2)
		return false;
	real_vfs = def;
	counting_methods = (sqlite3_io_methods){
		3, c_close, c_read, c_write, c_truncate, c_sync, c_file_size, c_lock, c_unlock,
		c_check_lock, c_file_control, c_sector_size, c_device_chars, c_shm_map,
		c_shm_lock, c_shm_barrier, c_shm_unmap, c_fetch, c_unfetch,
	};
	vfs_wrap_init(&counting_vfs, def, "ohm-counting", (int)sizeof(struct counting_file) + def->szOsFile,
		      c_open);
	return sqlite3_vfs_register(&counting_vfs, 1) == SQLITE_OK;
}

void db_io_stats(struct db_io_stats *out)
{
	out->wal_bytes = __atomic_load_n(&stats.wal_bytes, __ATOMIC_RELAXED);
	out->db_bytes = __atomic_load_n(&stats.db_bytes, __ATOMIC_RELAXED);
	out->syncs = __atomic_load_n(&stats.syncs, __ATOMIC_RELAXED);
}
