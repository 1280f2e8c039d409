# wire/: BOLT message encoding (pure: no I/O, no external libraries).
noinst_LIBRARIES += wire/libohmwire.a
wire_libohmwire_a_SOURCES = \
	wire/wirebuf.c wire/wirebuf.h \
	wire/short_channel_id.c wire/short_channel_id.h \
	wire/fromwire.c wire/towire.c wire/wire.h \
	wire/tlv.c wire/tlv.h \
	wire/wire_desc.h \
	wire/peer_wire.c wire/peer_wire.h \
	wire/features.c wire/features.h
nodist_wire_libohmwire_a_SOURCES = \
	wire/peer_wire_gen.c wire/peer_wire_gen.h

# Message codecs are generated from the CSV table into the build tree
# ($(builddir)/wire/), which automake's DEFAULT_INCLUDES (-I.) already puts
# on the include path, so "wire/peer_wire_gen.h" resolves in VPATH builds.
PYTHON3 = python3
WIRE_GEN = $(PYTHON3) $(srcdir)/wire/gen_wire.py
WIRE_GEN_DEPS = $(srcdir)/wire/gen_wire.py $(srcdir)/wire/peer_wire.csv

wire/peer_wire_gen.h: $(WIRE_GEN_DEPS)
	$(AM_V_GEN)$(MKDIR_P) wire && \
	$(WIRE_GEN) header $(srcdir)/wire/peer_wire.csv $@ --prefix peer_wire
wire/peer_wire_gen.c: $(WIRE_GEN_DEPS) wire/peer_wire_gen.h
	$(AM_V_GEN)$(MKDIR_P) wire && \
	$(WIRE_GEN) source $(srcdir)/wire/peer_wire.csv $@ --prefix peer_wire \
		--header wire/peer_wire_gen.h

EXTRA_DIST += wire/gen_wire.py wire/peer_wire.csv

# Everything that includes wire/peer_wire.h (daemon/ too) needs the
# generated header before it compiles; BUILT_SOURCES makes `make`, `make
# all` and `make check` generate it first.
BUILT_SOURCES += wire/peer_wire_gen.h wire/peer_wire_gen.c
CLEANFILES += wire/peer_wire_gen.h wire/peer_wire_gen.c
# BUILT_SOURCES does not cover building one target from clean
# (`make tests/unit/test_wire_messages`); these lines do, for wire/'s own.
wire/peer_wire.$(OBJEXT): wire/peer_wire_gen.h
tests/unit/test_wire_messages.$(OBJEXT): wire/peer_wire_gen.h

# Unit tests: one binary per module.
WIRE_TEST_LIBS = wire/libohmwire.a common/libohmcommon.a $(OHM_DEP_LIBS)

check_PROGRAMS += tests/unit/test_wire_primitives
TESTS += tests/unit/test_wire_primitives
tests_unit_test_wire_primitives_SOURCES = \
	tests/unit/test_wire_primitives.c tests/unit/vectors.h \
	tests/unit/test.h
tests_unit_test_wire_primitives_LDADD = $(WIRE_TEST_LIBS)

check_PROGRAMS += tests/unit/test_wire_tlv
TESTS += tests/unit/test_wire_tlv
tests_unit_test_wire_tlv_SOURCES = \
	tests/unit/test_wire_tlv.c tests/unit/vectors.h \
	tests/unit/test.h
tests_unit_test_wire_tlv_LDADD = $(WIRE_TEST_LIBS)

check_PROGRAMS += tests/unit/test_wire_messages
TESTS += tests/unit/test_wire_messages
tests_unit_test_wire_messages_SOURCES = \
	tests/unit/test_wire_messages.c tests/unit/vectors.h \
	tests/unit/test.h
tests_unit_test_wire_messages_LDADD = $(WIRE_TEST_LIBS)

check_PROGRAMS += tests/unit/test_wire_features
TESTS += tests/unit/test_wire_features
tests_unit_test_wire_features_SOURCES = \
	tests/unit/test_wire_features.c tests/unit/vectors.h \
	tests/unit/test.h
tests_unit_test_wire_features_LDADD = $(WIRE_TEST_LIBS)

# wire/ against the spec: the CSV table and BOLT #9's table, as extracted
# into tests/vectors/ (the quotes: `make check-spec`, tests/vectors/local.mk).
check_PROGRAMS += tests/unit/test_wire_spec
TESTS += tests/unit/test_wire_spec
tests_unit_test_wire_spec_SOURCES = \
	tests/unit/test_wire_spec.c tests/unit/vectors.h \
	tests/unit/test.h
tests_unit_test_wire_spec_CPPFLAGS = $(AM_CPPFLAGS) \
	-DOHM_SRCDIR='"$(abs_top_srcdir)"' -DOHM_BUILDDIR='"$(abs_top_builddir)"'
tests_unit_test_wire_spec_LDADD = $(WIRE_TEST_LIBS)
tests/unit/tests_unit_test_wire_spec-test_wire_spec.$(OBJEXT): \
	wire/peer_wire_gen.h wire/peer_wire_gen.c
