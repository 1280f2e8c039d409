# crypto/: (filled in by its owner)
