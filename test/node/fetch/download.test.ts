import { existsSync } from 'node:fs';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { downloadFile, type DownloadRequest } from '../../../src/node/fetch/download.js';
import { ChecksumMismatchError, DownloadError, IncompleteDownloadError } from '../../../src/node/fetch/errors.js';
import { fetchDataset } from '../../../src/node/fetch/fetch-dataset.js';
import type { DownloadSource } from '../../../src/node/fetch/sources.js';
import { SelfpropError } from '../../../src/errors.js';
import { closedPort, fixtureBytes, md5, sha256, startServer, tempDir, type FixtureServer } from './helpers.js';

const T = { timeout: 15_000 };
const OPTS = { idleTimeoutMs: 3_000 };

const BODY = fixtureBytes(200_000, 7);
const SHA = sha256(BODY);

let server: FixtureServer;
let tmp: { path: string; remove(): Promise<void> };
let n = 0;
let dir: string;

beforeAll(async () => {
  server = await startServer();
  tmp = await tempDir();
});
afterAll(async () => {
  await server?.close();
  await tmp?.remove();
});
beforeEach(async () => {
  dir = join(tmp.path, `case${++n}`);
  await mkdir(dir);
  server.requests.length = 0;
  server.routes.clear();
});

function request(name: string, extra: Partial<DownloadRequest> = {}): DownloadRequest {
  return { dest: join(dir, name), urls: [`${server.base}${name}`], sha256: SHA, size: BODY.length, ...extra };
}

describe('downloadFile', () => {
  it('downloads, verifies and renames; reports progress', T, async () => {
    server.routes.set('/a.bin', { body: BODY });
    const progress: [string, number, number | undefined][] = [];
    const r = await downloadFile(request('a.bin'), { ...OPTS, onProgress: (f, got, total) => progress.push([f, got, total]) });
    expect(r.status).toBe('downloaded');
    expect(r.checksum).toBe(SHA);
    expect(r.algorithm).toBe('sha256');
    expect(r.bytes).toBe(BODY.length);
    expect(r.url).toBe(`${server.base}a.bin`);
    expect(sha256(await readFile(join(dir, 'a.bin')))).toBe(sha256(BODY));
    expect(existsSync(join(dir, 'a.bin.part'))).toBe(false);
    expect(server.requests).toEqual([{ path: '/a.bin', range: undefined }]);
    expect(progress.at(-1)).toEqual(['a.bin', BODY.length, BODY.length]);
    expect(progress.every(([f, , total]) => f === 'a.bin' && total === BODY.length)).toBe(true);
  });

  it('resumes a partial .part with a Range request', T, async () => {
    server.routes.set('/r.bin', { body: BODY });
    await writeFile(join(dir, 'r.bin.part'), BODY.subarray(0, 50_000));
    const progress: number[] = [];
    const r = await downloadFile(request('r.bin'), { ...OPTS, onProgress: (_f, got) => progress.push(got) });
    expect(server.requests).toEqual([{ path: '/r.bin', range: 'bytes=50000-' }]);
    expect(r.status).toBe('resumed');
    expect(r.resumedFrom).toBe(50_000);
    expect(progress[0]).toBe(50_000);
    expect(sha256(await readFile(join(dir, 'r.bin')))).toBe(sha256(BODY));
    expect(existsSync(join(dir, 'r.bin.part'))).toBe(false);
  });

  it('restarts from byte 0 when the server ignores Range (200)', T, async () => {
    server.routes.set('/i.bin', { body: BODY, mode: 'ignore-range' });
    // A .part whose bytes would be wrong if appended to: the restart must overwrite it.
    await writeFile(join(dir, 'i.bin.part'), Buffer.alloc(30_000, 0xee));
    const r = await downloadFile(request('i.bin'), OPTS);
    expect(server.requests).toEqual([{ path: '/i.bin', range: 'bytes=30000-' }]);
    expect(r.status).toBe('downloaded');
    expect(r.notes.join(' ')).toMatch(/ignored the resume request/);
    expect(sha256(await readFile(join(dir, 'i.bin')))).toBe(sha256(BODY));
  });

  it('rejects a corrupted download: error names file and sums, .part deleted, no final file', T, async () => {
    const bad = Buffer.from(BODY);
    bad[12_345] ^= 0xff;
    server.routes.set('/c.bin', { body: bad });
    const err = await downloadFile(request('c.bin'), OPTS).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChecksumMismatchError);
    expect(err).toBeInstanceOf(SelfpropError);
    const msg = (err as Error).message;
    expect(msg).toContain(join(dir, 'c.bin'));
    expect(msg).toContain(SHA);
    expect(msg).toContain(sha256(bad));
    expect(msg).not.toContain('\n');
    expect(existsSync(join(dir, 'c.bin.part'))).toBe(false);
    expect(existsSync(join(dir, 'c.bin'))).toBe(false);
  });

  it('keeps the .part of a truncated transfer and resumes it on the next run', T, async () => {
    server.routes.set('/t.bin', { body: BODY, mode: 'truncate', cutAt: 80_000 });
    const err = await downloadFile(request('t.bin'), OPTS).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IncompleteDownloadError);
    expect((err as Error).message).toMatch(/transfer ended early/);
    expect((err as Error).message).toContain('t.bin.part');
    expect(existsSync(join(dir, 't.bin'))).toBe(false);
    const partSize = (await stat(join(dir, 't.bin.part'))).size;
    expect(partSize).toBeGreaterThan(0);
    expect(partSize).toBeLessThanOrEqual(80_000);
    expect((err as IncompleteDownloadError).receivedBytes).toBe(partSize);

    server.routes.set('/t.bin', { body: BODY });
    server.requests.length = 0;
    const r = await downloadFile(request('t.bin'), OPTS);
    expect(server.requests).toEqual([{ path: '/t.bin', range: `bytes=${partSize}-` }]);
    expect(r.status).toBe('resumed');
    expect(sha256(await readFile(join(dir, 't.bin')))).toBe(sha256(BODY));
  });

  it('gives up on a stalled transfer after the idle timeout and keeps the .part', T, async () => {
    server.routes.set('/h.bin', { body: BODY, mode: 'stall', cutAt: 5_000 });
    const started = Date.now();
    const err = await downloadFile(request('h.bin'), { idleTimeoutMs: 300 }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(err).toBeInstanceOf(IncompleteDownloadError);
    expect((err as Error).message).toMatch(/no data for 0\.3 s/);
    expect(existsSync(join(dir, 'h.bin'))).toBe(false);
    expect(existsSync(join(dir, 'h.bin.part'))).toBe(true);
  });

  it('treats a response shorter than the published size as truncated', T, async () => {
    server.routes.set('/s.bin', { body: BODY, mode: 'short-chunked', cutAt: 1_000 });
    const err = await downloadFile(request('s.bin'), OPTS).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IncompleteDownloadError);
    expect((err as Error).message).toMatch(/after 1000 of 200000 bytes/);
    expect(existsSync(join(dir, 's.bin'))).toBe(false);
    expect((await stat(join(dir, 's.bin.part'))).size).toBe(1_000);
  });

  it('stops a mirror that announces or sends more than the published size, deletes what came, tries the next', T, async () => {
    server.routes.set('/big.bin', { body: Buffer.concat([BODY, BODY]) });
    server.routes.set('/endless.bin', { body: BODY.subarray(0, 65_536), mode: 'endless' });
    server.routes.set('/good.bin', { body: BODY });
    const announced = await downloadFile(request('o.bin', { urls: [`${server.base}big.bin`] }), OPTS).catch((e: unknown) => e);
    expect(announced).toBeInstanceOf(DownloadError);
    expect((announced as Error).message).toMatch(/announced 400000 bytes, more than the published size of 200000 bytes/);
    const endless = await downloadFile(request('o.bin', { urls: [`${server.base}endless.bin`] }), OPTS).catch((e: unknown) => e);
    expect(endless).toBeInstanceOf(DownloadError);
    expect((endless as Error).message).toMatch(/sent more than the published size of 200000 bytes .*; the download was deleted/);
    expect(existsSync(join(dir, 'o.bin.part'))).toBe(false);
    expect(existsSync(join(dir, 'o.bin'))).toBe(false);
    const next = await downloadFile(request('o.bin', { urls: [`${server.base}endless.bin`, `${server.base}good.bin`] }), OPTS);
    expect(next.status).toBe('downloaded');
    expect(await readFile(join(dir, 'o.bin'))).toEqual(BODY);
  });

  it('reports connection refused on one line and writes nothing', T, async () => {
    const port = await closedPort();
    const target = join(dir, 'not-created', 'x.bin');
    const err = await downloadFile(
      { dest: target, urls: [`http://127.0.0.1:${port}/x.bin`], sha256: SHA },
      OPTS,
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DownloadError);
    const msg = (err as Error).message;
    expect(msg).toMatch(new RegExp(`could not reach 127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`));
    expect(msg).toMatch(/nothing was written$/);
    expect(msg).not.toContain('\n');
    expect((err as SelfpropError).exitCode).toBe(1);
    expect(existsSync(join(dir, 'not-created'))).toBe(false);

    // "localhost" may resolve to both ::1 and 127.0.0.1 (an AggregateError): still one clear line.
    const viaName = await downloadFile({ dest: target, urls: [`http://localhost:${port}/x.bin`], sha256: SHA }, OPTS).catch(
      (e: unknown) => e,
    );
    expect(viaName).toBeInstanceOf(DownloadError);
    expect((viaName as Error).message).toMatch(new RegExp(`could not reach localhost:${port}: .*ECONNREFUSED.*; nothing was written$`));
    expect(existsSync(join(dir, 'not-created'))).toBe(false);
  });

  it('reports HTTP errors and tries the next candidate URL', T, async () => {
    server.routes.set('/good/f.bin', { body: BODY });
    const r = await downloadFile(
      request('f.bin', { urls: [`${server.base}missing/f.bin`, `${server.base}good/f.bin`] }),
      OPTS,
    );
    expect(r.status).toBe('downloaded');
    expect(r.url).toBe(`${server.base}good/f.bin`);
    expect(r.notes.join(' ')).toMatch(/HTTP 404/);

    const err = await downloadFile(request('g.bin', { urls: [`${server.base}missing/g.bin`] }), OPTS).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DownloadError);
    expect((err as Error).message).toMatch(/answered HTTP 404 .*missing\/g\.bin; nothing was written/);
    expect(existsSync(join(dir, 'g.bin.part'))).toBe(false);
  });

  it('follows redirects', T, async () => {
    server.routes.set('/old.bin', { mode: 'redirect', location: '/new/moved.bin' });
    server.routes.set('/new/moved.bin', { body: BODY });
    const r = await downloadFile(request('old.bin'), OPTS);
    expect(r.url).toBe(`${server.base}new/moved.bin`);
    expect(sha256(await readFile(join(dir, 'old.bin')))).toBe(sha256(BODY));
  });

  it('skips a file that is already present with the right checksum', T, async () => {
    await writeFile(join(dir, 'p.bin'), BODY);
    const r = await downloadFile(request('p.bin'), OPTS);
    expect(r.status).toBe('present');
    expect(server.requests).toEqual([]);
  });

  it('replaces a present file with a wrong checksum only after the new download verifies', T, async () => {
    const wrong = Buffer.from('not the data');
    await writeFile(join(dir, 'w.bin'), wrong);
    // First a corrupt server: the wrong file must stay as it was.
    const bad = Buffer.from(BODY);
    bad[0] ^= 1;
    server.routes.set('/w.bin', { body: bad });
    const err = await downloadFile(request('w.bin'), OPTS).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChecksumMismatchError);
    expect((err as Error).message).toMatch(/existing file left as it was/);
    expect(sha256(await readFile(join(dir, 'w.bin')))).toBe(sha256(wrong));

    server.routes.set('/w.bin', { body: BODY });
    const r = await downloadFile(request('w.bin'), OPTS);
    expect(r.status).toBe('replaced');
    expect(r.previousChecksum).toBe(sha256(wrong));
    expect(sha256(await readFile(join(dir, 'w.bin')))).toBe(sha256(BODY));
  });

  it('verifies with md5 when that is the only published checksum', T, async () => {
    server.routes.set('/m.bin', { body: BODY });
    const r = await downloadFile(request('m.bin', { sha256: undefined, md5: md5(BODY) }), OPTS);
    expect(r.algorithm).toBe('md5');
    expect(r.checksum).toBe(md5(BODY));
  });

  it('finishes a full-length .part without a request, and a complete .part via 416 when the size is unknown', T, async () => {
    await writeFile(join(dir, 'k.bin.part'), BODY);
    const r = await downloadFile(request('k.bin'), OPTS);
    expect(r.status).toBe('resumed');
    expect(server.requests).toEqual([]);
    expect(sha256(await readFile(join(dir, 'k.bin')))).toBe(sha256(BODY));

    server.routes.set('/u.bin', { body: BODY });
    await writeFile(join(dir, 'u.bin.part'), BODY);
    const u = await downloadFile(request('u.bin', { size: undefined }), OPTS);
    expect(server.requests).toEqual([{ path: '/u.bin', range: `bytes=${BODY.length}-` }]);
    expect(u.status).toBe('resumed');
    expect(sha256(await readFile(join(dir, 'u.bin')))).toBe(sha256(BODY));
  });
});

describe('fetchDataset', () => {
  const one = fixtureBytes(10_000, 11);
  const two = fixtureBytes(3_000, 12);
  const source: DownloadSource = {
    kind: 'download',
    name: 'toy',
    title: 'toy dataset',
    homepage: 'http://example.invalid/',
    licence: 'test',
    baseUrls: ['http://example.invalid/toy/'],
    files: [
      { name: 'one.gz', size: one.length, sha256: sha256(one) },
      { name: 'two.txt', md5: md5(two) },
    ],
  };

  it('downloads every file from the mirror, then skips them on the next run', T, async () => {
    server.routes.set('/mirror/one.gz', { body: one });
    server.routes.set('/mirror/two.txt', { body: two });
    const target = join(dir, 'toy');
    const done: string[] = [];
    const first = await fetchDataset(source, {
      dir: target,
      mirror: `${server.base}mirror`, // no trailing slash: normalised
      ...OPTS,
      onFileDone: (f, r) => done.push(`${f.name}:${r.status}`),
    });
    expect(done).toEqual(['one.gz:downloaded', 'two.txt:downloaded']);
    expect(first.files.map((f) => f.url)).toEqual([`${server.base}mirror/one.gz`, `${server.base}mirror/two.txt`]);
    expect(sha256(await readFile(join(target, 'two.txt')))).toBe(sha256(two));
    const second = await fetchDataset(source, { dir: target, mirror: `${server.base}mirror/`, ...OPTS });
    expect(second.files.map((f) => f.status)).toEqual(['present', 'present']);
  });

  it('rejects a mirror that is not an http(s) URL before doing anything', T, async () => {
    await expect(fetchDataset(source, { dir, mirror: 'ftp://x/' })).rejects.toThrow(/only http and https/);
    await expect(fetchDataset(source, { dir, mirror: 'not a url' })).rejects.toThrow(/not a URL/);
  });
});
