//! A forward proxy on loopback, as a clinic's mandatory proxy: it records the first line
//! of every request it gets (`CONNECT host:port HTTP/1.1` for HTTPS, `HEAD
//! http://host/ HTTP/1.1` for plain HTTP), tunnels a `CONNECT` to one address of the
//! test's choosing whatever host was named (the test's server plays that host, which no
//! resolver knows), or refuses it with 502 when it has none, and answers any other
//! request itself: `200 OK`, empty.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

pub struct Proxy {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Proxy {
    /// Listen on a free loopback port; tunnel every `CONNECT` to `tunnel_to`, or refuse
    /// it (502, as a proxy that cannot reach the server) when `None`.
    pub fn start(tunnel_to: Option<SocketAddr>) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (seen, stop) = (Arc::clone(&seen), Arc::clone(&stop));
            std::thread::Builder::new()
                .name("test-proxy".into())
                .spawn(move || {
                    for stream in listener.incoming() {
                        if stop.load(Ordering::SeqCst) {
                            break;
                        }
                        let Ok(stream) = stream else { continue };
                        let seen = Arc::clone(&seen);
                        let _ = std::thread::Builder::new()
                            .name("test-proxy-conn".into())
                            .spawn(move || serve(stream, &seen, tunnel_to));
                    }
                })
                .unwrap()
        };
        Proxy {
            addr,
            seen,
            stop,
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT`, for `HTTPS_PROXY` and friends.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The first line of every request so far.
    pub fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        super::stop_accept_loop(&self.stop, self.addr, self.thread.take());
    }
}

/// The request head, read a byte at a time so that nothing after it (a TLS handshake
/// through the tunnel) is taken.
fn read_head(stream: &mut TcpStream) -> Option<String> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte).ok()? == 0 || head.len() > 64 * 1024 {
            return None;
        }
        head.push(byte[0]);
    }
    Some(String::from_utf8_lossy(&head).into_owned())
}

fn serve(mut client: TcpStream, seen: &Mutex<Vec<String>>, tunnel_to: Option<SocketAddr>) {
    let _ = client.set_read_timeout(Some(Duration::from_secs(10)));
    let Some(head) = read_head(&mut client) else {
        return;
    };
    let first = head.lines().next().unwrap_or_default().to_owned();
    seen.lock().unwrap().push(first.clone());
    if !first.starts_with("CONNECT ") {
        let _ =
            client.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        return;
    }
    let Some(mut upstream) = tunnel_to.and_then(|to| TcpStream::connect(to).ok()) else {
        let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
        return;
    };
    if client
        .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
        .is_err()
    {
        return;
    }
    let (Ok(mut client_back), Ok(mut upstream_back)) = (client.try_clone(), upstream.try_clone())
    else {
        return;
    };
    let Ok(up) = std::thread::Builder::new()
        .name("test-proxy-up".into())
        .spawn(move || {
            let _ = std::io::copy(&mut client, &mut upstream);
            let _ = upstream.shutdown(std::net::Shutdown::Write);
        })
    else {
        return;
    };
    let _ = std::io::copy(&mut upstream_back, &mut client_back);
    let _ = client_back.shutdown(std::net::Shutdown::Write);
    let _ = up.join();
}
