import type { IncomingMessage, ServerResponse } from 'node:http';

/** Reads a request body, giving up (and returning undefined) past `limit` bytes. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** nginx's default error page (no Kong JSON): what the admin server block answers for 413 and mTLS refusals. */
export function nginxErrorPage(status: number, title: string, detail?: string): string {
  const center = detail
    ? `<center><h1>${status} ${title}</h1></center>\r\n<center>${detail}</center>`
    : `<center><h1>${status} ${title}</h1></center>`;
  return `<html>\r\n<head><title>${status} ${detail ?? title}</title></head>\r\n<body>\r\n${center}\r\n<hr><center>openresty</center>\r\n</body>\r\n</html>\r\n`;
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}
