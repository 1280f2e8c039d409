# tests/vectors/: every test vector the tests read (make check points
# OHM_VECTORS here), extracted from the BOLTs and BIPs by
# contrib/extract-vectors.py; files.mk, written with them, lists them so
# the release tarball carries them.
include $(srcdir)/tests/vectors/files.mk
EXTRA_DIST += $(OHM_VECTOR_FILES) tests/vectors/README.md \
	tests/vectors/files.mk contrib/extract-vectors.py

# Maintainer targets, outside `make check`: both read a spec checkout
# laid out as contrib/extract-vectors.py says (bolts/, bips/, vectors/).
#   make update-vectors SPEC=DIR   rewrites tests/vectors/ from DIR
#   make check-spec SPEC=DIR       tests/vectors/ is what DIR gives, and
#                                  every `BOLT #N:` quote in the sources
#                                  is in DIR's BOLT text
# check_spec_quotes is built by make check (so it keeps compiling) but is
# not one of the TESTS.
check_PROGRAMS += tests/unit/check_spec_quotes
tests_unit_check_spec_quotes_SOURCES = tests/unit/check_spec_quotes.c \
	tests/unit/vectors.h tests/unit/test.h
tests_unit_check_spec_quotes_CPPFLAGS = $(AM_CPPFLAGS) \
	-DOHM_SRCDIR='"$(abs_top_srcdir)"' -DOHM_BUILDDIR='"$(abs_top_builddir)"'
tests_unit_check_spec_quotes_LDADD = common/libohmcommon.a $(OHM_DEP_LIBS)

OHM_SPEC_DIR = spec=$$(cd '$(SPEC)' 2>/dev/null && pwd) && test -n '$(SPEC)' \
	|| { echo "usage: make $@ SPEC=DIR (a spec checkout: bolts/, bips/, vectors/)" >&2; \
	     exit 2; }

update-vectors:
	@$(OHM_SPEC_DIR); \
	$(PYTHON3) $(srcdir)/contrib/extract-vectors.py "$$spec" $(srcdir)/tests/vectors

check-spec: tests/unit/check_spec_quotes wire/peer_wire_gen.c
	@$(OHM_SPEC_DIR); \
	$(PYTHON3) $(srcdir)/contrib/extract-vectors.py --check "$$spec" \
		$(srcdir)/tests/vectors && \
	OHM_SPEC="$$spec" tests/unit/check_spec_quotes

.PHONY: update-vectors check-spec
