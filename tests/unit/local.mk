# unit tests are declared next to the module they test (see each */local.mk)
