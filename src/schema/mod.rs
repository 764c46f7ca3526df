//! Pure JSON-Schema work (no I/O): the form tree, defaults, validation and config stubs.
