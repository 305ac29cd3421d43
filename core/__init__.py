"""The shared kernel: records, errors, progress, text normalisation, the Sudachi wrapper and match
keys, used by every room (tm, glossary, exports, store) so that none reaches into another's
internals for them."""
