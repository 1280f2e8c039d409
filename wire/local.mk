# wire/: (filled in by its owner)
