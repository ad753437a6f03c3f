//! The sandbox of libvoicecb: a local stand-in for the voice-callback
//! platform (see [`sandbox`]), served over HTTP or HTTPS, with the pushes of
//! each call's life. `voicecb sandbox` (the CLI package) runs it.

mod http_server;
pub mod pusher;
pub mod sandbox;
pub mod tls;
