/* The VFS methods a wrapping VFS passes on (see vfs_wrap.h). */
#include "db/vfs_wrap.h"

#include <stddef.h>

#define REAL(v) ((sqlite3_vfs *)(v)->pAppData)

static int v_delete(sqlite3_vfs *v, const char *name, int sync_dir)
{
	return REAL(v)->xDelete(REAL(v), name, sync_dir);
}

static int v_access(sqlite3_vfs *v, const char *name, int flags, int *out)
{
	return REAL(v)->xAccess(REAL(v), name, flags, out);
}

static int v_full_pathname(sqlite3_vfs *v, const char *name, int n, char *out)
{
	return REAL(v)->xFullPathname(REAL(v), name, n, out);
}

static void *v_dl_open(sqlite3_vfs *v, const char *name)
{
	return REAL(v)->xDlOpen(REAL(v), name);
}

static void v_dl_error(sqlite3_vfs *v, int n, char *out)
{
	REAL(v)->xDlError(REAL(v), n, out);
}

static void (*v_dl_sym(sqlite3_vfs *v, void *h, const char *sym))(void)
{
	return REAL(v)->xDlSym(REAL(v), h, sym);
}

static void v_dl_close(sqlite3_vfs *v, void *h)
{
	REAL(v)->xDlClose(REAL(v), h);
}

static int v_randomness(sqlite3_vfs *v, int n, char *out)
{
	return REAL(v)->xRandomness(REAL(v), n, out);
}

static int v_sleep(sqlite3_vfs *v, int us)
{
	return REAL(v)->xSleep(REAL(v), us);
}

static int v_current_time(sqlite3_vfs *v, double *out)
{
	return REAL(v)->xCurrentTime(REAL(v), out);
}

static int v_get_last_error(sqlite3_vfs *v, int n, char *out)
{
	return REAL(v)->xGetLastError(REAL(v), n, out);
}

static int v_current_time_int64(sqlite3_vfs *v, sqlite3_int64 *out)
{
	return REAL(v)->xCurrentTimeInt64(REAL(v), out);
}

void vfs_wrap_init(sqlite3_vfs *vfs, sqlite3_vfs *real, const char *name, int file_size,
		   int (*open)(sqlite3_vfs *, const char *, sqlite3_file *, int, int *))
{
	*vfs = (sqlite3_vfs){
		2, file_size, real->mxPathname, NULL, name, real, open, v_delete, v_access,
		v_full_pathname, v_dl_open, v_dl_error, v_dl_sym, v_dl_close, v_randomness,
		v_sleep, v_current_time, v_get_last_error, v_current_time_int64, NULL, NULL, NULL,
	};
}
