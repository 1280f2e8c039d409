# pay/onion.mk: BOLT #4 onions (filled in by its module).
