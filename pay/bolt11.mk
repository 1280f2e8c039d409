# pay/bolt11.mk: BOLT #11 invoices (filled in by its module).
