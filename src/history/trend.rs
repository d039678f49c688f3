//! The trend over history (`aegis history`).
