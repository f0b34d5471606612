//! The systemd notification protocol (`Type=notify`): readiness, a status line and
//! watchdog keep-alives, as datagrams to `$NOTIFY_SOCKET`. Without that variable (not
//! under systemd) every call does nothing.

use std::os::unix::net::UnixDatagram;
use std::time::Duration;

/// A connection to systemd's notification socket, if there is one.
pub struct SdNotify {
    socket: Option<(UnixDatagram, std::os::unix::net::SocketAddr)>,
}

impl SdNotify {
    /// From the environment systemd gives the service.
    pub fn from_env() -> SdNotify {
        let socket = std::env::var_os("NOTIFY_SOCKET").and_then(|path| {
            let path = path.to_string_lossy().into_owned();
            let addr = address(&path)?;
            let sock = UnixDatagram::unbound().ok()?;
            sock.set_nonblocking(true).ok()?;
            Some((sock, addr))
        });
        SdNotify { socket }
    }

    fn send(&self, message: &str) {
        if let Some((sock, addr)) = &self.socket
            && let Err(err) = sock.send_to_addr(message.as_bytes(), addr)
        {
            tracing::debug!(error = %err, "cannot notify systemd");
        }
    }

    /// The daemon is up: config loaded, store open.
    pub fn ready(&self, status: &str) {
        self.send(&format!("READY=1\nSTATUS={status}"));
    }

    pub fn status(&self, status: &str) {
        self.send(&format!("STATUS={status}"));
    }

    pub fn stopping(&self) {
        self.send("STOPPING=1");
    }

    /// A keep-alive for `WatchdogSec=`.
    pub fn watchdog(&self) {
        self.send("WATCHDOG=1");
    }

    /// How often to send keep-alives: half the watchdog timeout systemd set, if any.
    pub fn watchdog_interval() -> Option<Duration> {
        let usec: u64 = std::env::var("WATCHDOG_USEC").ok()?.parse().ok()?;
        // WATCHDOG_PID, when set, names the process the watchdog is for.
        if let Some(pid) = std::env::var("WATCHDOG_PID").ok()
            && pid.parse::<u32>().ok() != Some(std::process::id())
        {
            return None;
        }
        (usec > 0).then(|| Duration::from_micros(usec / 2))
    }
}

/// A socket path, or an abstract socket name written with a leading `@`.
fn address(path: &str) -> Option<std::os::unix::net::SocketAddr> {
    if let Some(name) = path.strip_prefix('@') {
        #[cfg(target_os = "linux")]
        {
            use std::os::linux::net::SocketAddrExt;
            return std::os::unix::net::SocketAddr::from_abstract_name(name).ok();
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = name;
            return None;
        }
    }
    std::os::unix::net::SocketAddr::from_pathname(path).ok()
}
