# db/: SQLite storage: the connection wrapper and ohm's schema migrations.
noinst_LIBRARIES += db/libohmdb.a
db_libohmdb_a_SOURCES = \
	db/db.c db/db.h db/db_iostats.c db/fault_vfs.c db/vfs_wrap.c db/vfs_wrap.h \
	db/migrations.c db/migrations.h

check_PROGRAMS += tests/unit/test_db
TESTS += tests/unit/test_db
tests_unit_test_db_SOURCES = tests/unit/test_db.c tests/unit/test.h
tests_unit_test_db_LDADD = db/libohmdb.a common/libohmcommon.a $(OHM_DEP_LIBS)
