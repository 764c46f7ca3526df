//! Start a connector (Docker image or local command) and talk to it. Knows nothing of the wizard or catalogs.
