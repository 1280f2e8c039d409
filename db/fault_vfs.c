/* --dev-fault-io (db.h's db_fault_io_install): a VFS for the fault
 * campaign that passes every call to the VFS that was the default before
 * it, except the one it was told to break.  Counts are of this process's
 * calls on every SQLite file (database, WAL, journal), from
 * db_fault_io_arm(). */
#include "db/db.h"
#include "db/vfs_wrap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fault_file {
	sqlite3_file base;		/* pMethods: ours */
	sqlite3_file *real;		/* follows this struct */
};

static const struct {
	const char *name;
	enum db_fault_kind kind;
	int rc;				/* what the broken call returns */
} kinds[] = {
	{"write", DB_FAULT_WRITE, SQLITE_IOERR_WRITE},
	{"fsync", DB_FAULT_FSYNC, SQLITE_IOERR_FSYNC},
	{"lock", DB_FAULT_LOCK, SQLITE_IOERR_LOCK},
	{"full", DB_FAULT_FULL, SQLITE_FULL},
};

static struct db_fault_spec spec;
static unsigned long calls;		/* of spec.kind so far */
static bool armed;
static sqlite3_vfs fault_vfs;
static sqlite3_vfs *real_vfs;
static sqlite3_io_methods fault_methods;

bool db_fault_spec_parse(const char *text, struct db_fault_spec *out, char *err, size_t errlen)
{
	const char *colon = strchr(text, ':');
	size_t n = colon ? (size_t)(colon - text) : 0;

	for (size_t i = 0; colon && i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (strlen(kinds[i].name) != n || strncmp(text, kinds[i].name, n) != 0)
			continue;
		char *end;
		errno = 0;
		unsigned long nth = strtoul(colon + 1, &end, 10);
		bool sticky = *end == '+';
		if (colon[1] < '0' || colon[1] > '9' || errno || nth == 0
		    || end[sticky] != '\0')
			break;
		*out = (struct db_fault_spec){kinds[i].kind, nth, sticky};
		return true;
	}
	snprintf(err, errlen, "'%s' is not KIND:N[+] (KIND write, fsync, lock or full; N >= 1)",
		 text);
	return false;
}

/* SQLITE_OK if this call of kind goes through, else the error it gets. */
static int fault(enum db_fault_kind kind)
{
	if (kind != spec.kind || !__atomic_load_n(&armed, __ATOMIC_RELAXED))
		return SQLITE_OK;
	unsigned long n = __atomic_add_fetch(&calls, 1, __ATOMIC_RELAXED);
	if (n < spec.nth || (n > spec.nth && !spec.sticky))
		return SQLITE_OK;
	/* Said on stderr, the log's usual place, since the daemon's log is
	 * not ours to use from db/; once, so a sticky fault does not flood. */
	if (n == spec.nth)
		fprintf(stderr, "dev-fault-io: failing %s call %lu%s\n", kinds[kind].name, n,
			spec.sticky ? " and every later one" : "");
	return kinds[kind].rc;
}

#define REAL(f) (((struct fault_file *)(f))->real)

static int f_close(sqlite3_file *f)
{
	int rc = REAL(f)->pMethods ? REAL(f)->pMethods->xClose(REAL(f)) : SQLITE_OK;

	f->pMethods = NULL;
	return rc;
}

static int f_read(sqlite3_file *f, void *buf, int n, sqlite3_int64 off)
{
	return REAL(f)->pMethods->xRead(REAL(f), buf, n, off);
}

static int f_write(sqlite3_file *f, const void *buf, int n, sqlite3_int64 off)
{
	int rc = fault(DB_FAULT_WRITE);

	if (rc == SQLITE_OK)
		rc = fault(DB_FAULT_FULL);
	return rc != SQLITE_OK ? rc : REAL(f)->pMethods->xWrite(REAL(f), buf, n, off);
}

static int f_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	return REAL(f)->pMethods->xTruncate(REAL(f), size);
}

static int f_sync(sqlite3_file *f, int flags)
{
	int rc = fault(DB_FAULT_FSYNC);

	return rc != SQLITE_OK ? rc : REAL(f)->pMethods->xSync(REAL(f), flags);
}

static int f_file_size(sqlite3_file *f, sqlite3_int64 *size)
{
	return REAL(f)->pMethods->xFileSize(REAL(f), size);
}

static int f_lock(sqlite3_file *f, int level)
{
	int rc = fault(DB_FAULT_LOCK);

	return rc != SQLITE_OK ? rc : REAL(f)->pMethods->xLock(REAL(f), level);
}

static int f_unlock(sqlite3_file *f, int level)
{
	return REAL(f)->pMethods->xUnlock(REAL(f), level);
}

static int f_check_lock(sqlite3_file *f, int *out)
{
	return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}

static int f_file_control(sqlite3_file *f, int op, void *arg)
{
	return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}

static int f_sector_size(sqlite3_file *f)
{
	return REAL(f)->pMethods->xSectorSize(REAL(f));
}

static int f_device_chars(sqlite3_file *f)
{
	return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}

static int f_shm_map(sqlite3_file *f, int page, int size, int extend, void volatile **out)
{
	return REAL(f)->pMethods->xShmMap(REAL(f), page, size, extend, out);
}

static int f_shm_lock(sqlite3_file *f, int offset, int n, int flags)
{
	/* WAL mode's write lock is an exclusive shm lock: one another
	 * process holds answers SQLITE_BUSY.  Unlocks and readers' shared
	 * locks never fail here. */
	int excl = SQLITE_SHM_LOCK | SQLITE_SHM_EXCLUSIVE;
	int rc = (flags & excl) == excl ? fault(DB_FAULT_LOCK) : SQLITE_OK;

	if (rc != SQLITE_OK)
		return SQLITE_BUSY;
	return REAL(f)->pMethods->xShmLock(REAL(f), offset, n, flags);
}

static void f_shm_barrier(sqlite3_file *f)
{
	REAL(f)->pMethods->xShmBarrier(REAL(f));
}

static int f_shm_unmap(sqlite3_file *f, int delete_flag)
{
	return REAL(f)->pMethods->xShmUnmap(REAL(f), delete_flag);
}

static int f_fetch(sqlite3_file *f, sqlite3_int64 off, int n, void **out)
{
	return REAL(f)->pMethods->xFetch(REAL(f), off, n, out);
}

static int f_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p)
{
	return REAL(f)->pMethods->xUnfetch(REAL(f), off, p);
}

static int f_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out_flags)
{
	struct fault_file *ff = (struct fault_file *)f;
	int rc;

	(void)vfs;
	ff->real = (sqlite3_file *)(ff + 1);
	f->pMethods = NULL;
	rc = real_vfs->xOpen(real_vfs, name, ff->real, flags, out_flags);
	if (ff->real->pMethods) {
		fault_methods.iVersion = ff->real->pMethods->iVersion;
		f->pMethods = &fault_methods;
	}
	return rc;
}

bool db_fault_io_install(const struct db_fault_spec *s)
{
	sqlite3_vfs *def;

	if (real_vfs || sqlite3_initialize() != SQLITE_OK)
		return false;
	def = sqlite3_vfs_find(NULL);
	if (!def || def->iVersion < 2)
		return false;
	real_vfs = def;
	spec = *s;
	fault_methods = (sqlite3_io_methods){
		3, f_close, f_read, f_write, f_truncate, f_sync, f_file_size, f_lock, f_unlock,
		f_check_lock, f_file_control, f_sector_size, f_device_chars, f_shm_map,
		f_shm_lock, f_shm_barrier, f_shm_unmap, f_fetch, f_unfetch,
	};
	vfs_wrap_init(&fault_vfs, def, "ohm-fault", (int)sizeof(struct fault_file) + def->szOsFile,
		      f_open);
	return sqlite3_vfs_register(&fault_vfs, 1) == SQLITE_OK;
}

void db_fault_io_arm(void)
{
	__atomic_store_n(&armed, true, __ATOMIC_RELAXED);
}
