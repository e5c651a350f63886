//! The server's own socket layer. actix answers a request it cannot parse (a URI too long, a
//! byte that is not allowed, too many or too large headers, headers that never finish) itself,
//! with an empty body. Every connection passes through [`ProblemIo`], which turns those bare
//! answers into RFC 9457 problem details like every other error of the API.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// A connection whose bare error answers are rewritten as problem details.
pub struct ProblemIo<T> {
    inner: T,
    /// A rewritten answer still to be written out, and how much of it is written.
    pending: Vec<u8>,
    written: usize,
}

impl<T> ProblemIo<T> {
    pub fn new(inner: T) -> ProblemIo<T> {
        ProblemIo {
            inner,
            pending: Vec::new(),
            written: 0,
        }
    }
}

/// The longest bare answer actix writes (status line, content-length, connection, date).
const BARE_HEAD_MAX: usize = 256;

/// What the parser's refusals mean, in the API's words.
fn detail(status: u16) -> Option<(&'static str, &'static str, &'static str)> {
    match status {
        400 => Some((
            "bad-request",
            "Bad Request",
            "the request could not be read: its start line or headers are malformed (control characters or bytes that are not allowed, or a URI that is too long)",
        )),
        408 => Some((
            "request-timeout",
            "Request Timeout",
            "the request headers did not arrive in time",
        )),
        413 => Some((
            "payload-too-large",
            "Payload Too Large",
            "the request is too large",
        )),
        431 => Some((
            "header-fields-too-large",
            "Request Header Fields Too Large",
            "the request has too many headers, or headers that are too large",
        )),
        _ => None,
    }
}

/// The problem-details answer for a bare one (a status line and headers with
/// `content-length: 0` and nothing after them), or `None` to pass it through unchanged. The
/// app's own errors always carry a body, so only the parser's answers match.
pub fn rewrite(buf: &[u8]) -> Option<Vec<u8>> {
    // Every write passes here: a bare refusal is a short head, so anything else is let through
    // without scanning it (a streamed export writes megabytes).
    if buf.len() > BARE_HEAD_MAX || !buf.starts_with(b"HTTP/1.") {
        return None;
    }
    let head_end = buf.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    if head_end != buf.len() {
        return None;
    }
    let head = std::str::from_utf8(buf).ok()?;
    let status_line = head.lines().next()?;
    let status: u16 = status_line
        .strip_prefix("HTTP/1.1 ")
        .or_else(|| status_line.strip_prefix("HTTP/1.0 "))?
        .get(..3)?
        .parse()
        .ok()?;
    let (slug, title, text) = detail(status)?;
    let lower = head.to_ascii_lowercase();
    if !lower.contains("\r\ncontent-length: 0\r\n") || lower.contains("content-type:") {
        return None;
    }
    let body = serde_json::json!({
        "type": format!("urn:registry:problem:{slug}"),
        "title": title,
        "status": status,
        "detail": text,
    })
    .to_string();
    let mut out = format!(
        "{status_line}\r\ncontent-type: application/problem+json\r\ncontent-length: {}\r\nconnection: close\r\n",
        body.len()
    );
    for line in head.split("\r\n").skip(1) {
        let l = line.to_ascii_lowercase();
        if line.is_empty()
            || l.starts_with("content-length:")
            || l.starts_with("connection:")
            || l.starts_with("content-type:")
        {
            continue;
        }
        out.push_str(line);
        out.push_str("\r\n");
    }
    out.push_str("\r\n");
    out.push_str(&body);
    Some(out.into_bytes())
}

impl<T: AsyncWrite + Unpin> ProblemIo<T> {
    fn poll_drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.written < self.pending.len() {
            let n = match Pin::new(&mut self.inner).poll_write(cx, &self.pending[self.written..]) {
                Poll::Ready(Ok(n)) => n,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            };
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.written += n;
        }
        self.pending.clear();
        self.written = 0;
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for ProblemIo<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for ProblemIo<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        match this.poll_drain(cx) {
            Poll::Ready(Ok(())) => {}
            Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
            Poll::Pending => return Poll::Pending,
        }
        if let Some(replacement) = rewrite(buf) {
            this.pending = replacement;
            this.written = 0;
            if let Poll::Ready(Err(e)) = this.poll_drain(cx) {
                return Poll::Ready(Err(e));
            }
            // The whole bare answer is taken; what is left of ours goes out on flush.
            return Poll::Ready(Ok(buf.len()));
        }
        Pin::new(&mut this.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        match this.poll_drain(cx) {
            Poll::Ready(Ok(())) => Pin::new(&mut this.inner).poll_flush(cx),
            other => other,
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        match this.poll_drain(cx) {
            Poll::Ready(Ok(())) => Pin::new(&mut this.inner).poll_shutdown(cx),
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_refusal_becomes_problem_details() {
        let bare = b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\ndate: Tue, 01 Dec 2026 08:00:00 GMT\r\n\r\n";
        let out = String::from_utf8(rewrite(bare).unwrap()).unwrap();
        assert!(out.starts_with("HTTP/1.1 400 Bad Request\r\n"));
        assert!(out.contains("content-type: application/problem+json\r\n"));
        assert!(out.contains("date: Tue"));
        let body = out.split("\r\n\r\n").nth(1).unwrap();
        let p: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(p["status"], 400);
        assert!(out.contains(&format!("content-length: {}\r\n", body.len())));
        assert!(rewrite(
            b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\n\r\n"
        )
        .is_some());
    }

    #[test]
    fn the_apps_own_answers_pass_unchanged() {
        assert!(rewrite(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 12\r\n\r\n").is_none());
        assert!(rewrite(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n{}").is_none());
        assert!(rewrite(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n").is_none());
        assert!(rewrite(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n").is_none());
        assert!(rewrite(
            b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\ncontent-type: text/plain\r\n\r\n"
        )
        .is_none());
    }
}
