//! Flow catalog types, naming, building a catalog from discovery, merging and atomic writes.
