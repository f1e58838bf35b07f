//! The shrunk cases the property found, kept as tests: each failed before its fix.
