/**
 * Test helpers: a local HTTP server on 127.0.0.1 (port 0) that serves fixture bytes in several
 * (mis)behaviours, fixture data, and temporary directories. Nothing here reaches outside the machine.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type RouteMode =
  /** 200, or 206 for a Range request (416 past the end). */
  | 'normal'
  /** Always 200 with the whole body, whatever Range says. */
  | 'ignore-range'
  /** Announces the full Content-Length, sends `cutAt` bytes, then destroys the connection. */
  | 'truncate'
  /** No Content-Length (chunked), sends `cutAt` bytes and ends the response normally. */
  | 'short-chunked'
  /** Announces the full Content-Length, sends `cutAt` bytes, then says nothing more. */
  | 'stall'
  /** No Content-Length (chunked), repeats `body` for as long as the client reads. */
  | 'endless'
  /** Answers `status` with no body. */
  | 'status'
  /** 302 to `location`. */
  | 'redirect';

export interface Route {
  body?: Buffer;
  mode?: RouteMode;
  cutAt?: number;
  status?: number;
  location?: string;
}

export interface RequestLog {
  path: string;
  range?: string;
}

export interface FixtureServer {
  readonly base: string;
  readonly port: number;
  readonly requests: RequestLog[];
  readonly routes: Map<string, Route>;
  close(): Promise<void>;
}

export async function startServer(): Promise<FixtureServer> {
  const routes = new Map<string, Route>();
  const requests: RequestLog[] = [];
  const server = http.createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0]);
    requests.push({ path, range: req.headers.range });
    const route = routes.get(path);
    if (!route) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const body = route.body ?? Buffer.alloc(0);
    switch (route.mode ?? 'normal') {
      case 'status':
        res.writeHead(route.status ?? 500).end();
        return;
      case 'redirect':
        res.writeHead(302, { location: route.location ?? '/' }).end();
        return;
      case 'ignore-range':
        res.writeHead(200, { 'content-length': body.length }).end(body);
        return;
      case 'truncate': {
        res.writeHead(200, { 'content-length': body.length });
        res.write(body.subarray(0, route.cutAt ?? body.length >> 1), () => {
          setTimeout(() => res.socket?.destroy(), 20);
        });
        return;
      }
      case 'stall':
        res.writeHead(200, { 'content-length': body.length });
        res.write(body.subarray(0, route.cutAt ?? body.length >> 1));
        return;
      case 'endless': {
        res.writeHead(200, { 'transfer-encoding': 'chunked' });
        const more = (): void => {
          while (!res.destroyed && res.write(body));
          if (!res.destroyed) res.once('drain', more);
        };
        res.on('close', () => res.removeAllListeners('drain'));
        more();
        return;
      }
      case 'short-chunked':
        res.writeHead(200, { 'transfer-encoding': 'chunked' });
        res.end(body.subarray(0, route.cutAt ?? body.length >> 1));
        return;
      case 'normal': {
        const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
        if (!m) {
          res.writeHead(200, { 'content-length': body.length, 'accept-ranges': 'bytes' }).end(body);
          return;
        }
        const start = Number(m[1]);
        if (start >= body.length) {
          res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
          return;
        }
        res
          .writeHead(206, {
            'content-length': body.length - start,
            'content-range': `bytes ${start}-${body.length - 1}/${body.length}`,
          })
          .end(body.subarray(start));
        return;
      }
    }
  });
  // Keep every request bounded even if a client misbehaves.
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    base: `http://127.0.0.1:${port}/`,
    port,
    requests,
    routes,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Deterministic pseudo-random bytes. */
export function fixtureBytes(length: number, seed = 1): Buffer {
  const out = Buffer.alloc(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

export const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
export const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');

export async function tempDir(): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 'selfprop-fetch-test-'));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** IDX bytes: magic 0x0000 08 ndims, big-endian dims, then `fill` for every element. */
export function idx(dims: number[], fill = (i: number) => i & 0xff): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header[2] = 0x08;
  header[3] = dims.length;
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  const n = dims.reduce((a, b) => a * b, 1);
  const data = Buffer.alloc(n);
  for (let i = 0; i < n; i++) data[i] = fill(i);
  return Buffer.concat([header, data]);
}
