// The head of an HTTP/1.1 response: its status and the three headers that frame the body.
export interface ResponseHead {
  status: number;
  contentLength: number | undefined;
  chunked: boolean;
  /** The server closes the connection after this response. */
  close: boolean;
}

/** `head`: the status line and header lines, without the blank line that ends them. */
export function parseHttpHead(head: string): ResponseHead {
  const m = /^HTTP\/1\.([01]) (\d{3})(?: [^\r\n]*)?(?:\r\n|$)/.exec(head);
  if (!m) throw new Error(`malformed response status line: ${JSON.stringify(head.slice(0, 40))}`);
  const out: ResponseHead = { status: Number(m[2]), contentLength: undefined, chunked: false, close: false };
  let keepAlive = false;
  for (let at = m[0].length; at < head.length; ) {
    let eol = head.indexOf('\r\n', at);
    if (eol < 0) eol = head.length;
    const colon = head.indexOf(':', at);
    if (colon < 0 || colon > eol) throw new Error(`malformed response header: ${JSON.stringify(head.slice(at, Math.min(eol, at + 40)))}`);
    // Only these three change how the body is read; their names are short, so check length first.
    const nameLength = colon - at;
    if (nameLength === 14 || nameLength === 17 || nameLength === 10) {
      const name = head.slice(at, colon).toLowerCase();
      const value = head.slice(colon + 1, eol).trim().toLowerCase();
      if (name === 'content-length') {
        if (!/^\d+$/.test(value) || (out.contentLength !== undefined && out.contentLength !== Number(value))) throw new Error(`malformed content-length: ${value}`);
        out.contentLength = Number(value);
      } else if (name === 'transfer-encoding') out.chunked = /(?:^|,)\s*chunked\s*$/.test(value);
      else if (name === 'connection') {
        if (/(?:^|,)\s*close\s*(?:,|$)/.test(value)) out.close = true;
        if (/(?:^|,)\s*keep-alive\s*(?:,|$)/.test(value)) keepAlive = true;
      }
    }
    at = eol + 2;
  }
  // HTTP/1.0 closes unless it asks to stay; chunked framing wins over a content-length (RFC 9112 §6.3).
  if (m[1] === '0' && !keepAlive) out.close = true;
  if (out.chunked) out.contentLength = undefined;
  return out;
}
