# doc/: the man pages, and what `make install` puts beside the binaries:
# the example config, the systemd unit and ohm-cli's bash completion.
#
# The pages are roff written by hand (no build dependency); make fills in
# the version and the install paths, as autoconf's manual advises for
# installation directories (configure cannot: they may name ${prefix}).
OHM_MANS = doc/ohmd.8 doc/ohm-cli.1 doc/ohm-devchain.1 doc/ohm-config.5
nodist_man_MANS = $(OHM_MANS)
EXTRA_DIST += doc/ohmd.8.in doc/ohm-cli.1.in doc/ohm-devchain.1.in \
	doc/ohm-config.5.in
CLEANFILES += $(OHM_MANS)

ohm_edit = $(SED) -e 's|@PACKAGE_VERSION[@]|$(PACKAGE_VERSION)|g' \
	-e 's|@docdir[@]|$(docdir)|g' -e 's|@bindir[@]|$(bindir)|g'
ohm_edit_man = $(AM_V_GEN)$(MKDIR_P) doc && rm -f $@ $@.tmp && \
	$(ohm_edit) $(srcdir)/$@.in >$@.tmp && mv $@.tmp $@

doc/ohmd.8: $(srcdir)/doc/ohmd.8.in Makefile
	$(ohm_edit_man)
doc/ohm-cli.1: $(srcdir)/doc/ohm-cli.1.in Makefile
	$(ohm_edit_man)
doc/ohm-devchain.1: $(srcdir)/doc/ohm-devchain.1.in Makefile
	$(ohm_edit_man)
doc/ohm-config.5: $(srcdir)/doc/ohm-config.5.in Makefile
	$(ohm_edit_man)

# The example config, where Debian puts examples.
ohmexamplesdir = $(docdir)/examples
dist_ohmexamples_DATA = contrib/ohmd.conf.example

if INSTALL_BASH_COMPLETION
dist_bashcompletion_DATA = contrib/bash-completion/ohm-cli
else
EXTRA_DIST += contrib/bash-completion/ohm-cli
endif

# contrib/ohmd.service runs /usr/bin/ohmd, so systemd-analyze can check the
# file as it is; the installed copy runs $(bindir)/ohmd.
EXTRA_DIST += contrib/ohmd.service
if INSTALL_SYSTEMD_UNIT
install-data-local: install-ohmd-service
uninstall-local: uninstall-ohmd-service
endif
install-ohmd-service:
	$(MKDIR_P) '$(DESTDIR)$(systemdsystemunitdir)'
	$(SED) -e 's|^ExecStart=/usr/bin/ohmd |ExecStart=$(bindir)/ohmd |' \
		$(srcdir)/contrib/ohmd.service >'$(DESTDIR)$(systemdsystemunitdir)/ohmd.service.tmp'
	chmod 644 '$(DESTDIR)$(systemdsystemunitdir)/ohmd.service.tmp'
	mv '$(DESTDIR)$(systemdsystemunitdir)/ohmd.service.tmp' \
		'$(DESTDIR)$(systemdsystemunitdir)/ohmd.service'
uninstall-ohmd-service:
	rm -f '$(DESTDIR)$(systemdsystemunitdir)/ohmd.service'
.PHONY: install-ohmd-service uninstall-ohmd-service
