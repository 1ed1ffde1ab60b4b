import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { Command, CommanderError } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerDataCommands } from '../../../src/cli/data-command.js';
import { ChecksumMismatchError, DatasetIncompleteError, DownloadError } from '../../../src/node/fetch/errors.js';
import { DVS_GESTURE_SOURCE, type DatasetSource } from '../../../src/node/fetch/sources.js';
import { ConfigError, DataFormatError, SelfpropError } from '../../../src/errors.js';
import { sharedPath } from '../../helpers/shared-data.js';
import { closedPort, fixtureBytes, idx, md5, sha256, startServer, tempDir, type FixtureServer } from './helpers.js';

const T = { timeout: 15_000 };
const ONE = fixtureBytes(20_000, 21);
const TWO = fixtureBytes(5_000, 22);
const REC = fixtureBytes(700, 23);

const TEST_SOURCES: Record<string, DatasetSource> = {
  toy: {
    kind: 'download',
    name: 'toy',
    title: 'toy dataset for tests',
    homepage: 'http://example.invalid/',
    licence: 'test',
    baseUrls: ['http://example.invalid/toy/'],
    files: [
      { name: 'one.bin', size: ONE.length, sha256: sha256(ONE) },
      { name: 'two.bin', md5: md5(TWO) },
    ],
  },
  'toy-gesture': { ...DVS_GESTURE_SOURCE, name: 'toy-gesture', recordings: [['user01_led', md5(REC)]] },
};

/** The real MNIST files, where this checkout has them. */
const SHARED_MNIST = sharedPath('data', 'mnist', 'train-images-idx3-ubyte.gz') && sharedPath('data', 'mnist');

let server: FixtureServer;
let tmp: { path: string; remove(): Promise<void> };

beforeAll(async () => {
  server = await startServer();
  tmp = await tempDir();
  server.routes.set('/toy/one.bin', { body: ONE });
  server.routes.set('/toy/two.bin', { body: TWO });
  // Not the real MNIST bytes: the embedded canonical checksum must reject them.
  server.routes.set('/mnist/train-images-idx3-ubyte.gz', { body: gzipSync(idx([2, 28, 28])) });
});
afterAll(async () => {
  await server?.close();
  await tmp?.remove();
});

/** A fresh program with the data commands, capturing stdout and commander's own output. */
function makeProgram(): { program: Command; out: () => string } {
  let text = '';
  const program = new Command('selfprop');
  program.exitOverride();
  program.configureOutput({
    writeOut: (s) => {
      text += s;
    },
    writeErr: (s) => {
      text += s;
    },
  });
  const stderr = new PassThrough();
  stderr.resume();
  registerDataCommands(program, {
    stdout: {
      write: (s: string) => {
        text += s;
      },
    },
    stderr,
    sources: TEST_SOURCES,
  });
  return { program, out: () => text };
}

async function run(args: string[]): Promise<{ out: string; error?: unknown }> {
  const { program, out } = makeProgram();
  try {
    await program.parseAsync(args, { from: 'user' });
    return { out: out() };
  } catch (error) {
    return { out: out(), error };
  }
}

describe('selfprop data (through commander)', () => {
  it('fetch downloads from --mirror, then reports the files as already present', T, async () => {
    const dir = join(tmp.path, 'toy');
    const first = await run(['data', 'fetch', 'toy', '--dir', dir, '--mirror', `${server.base}toy`, '--timeout', '5']);
    expect(first.error).toBeUndefined();
    expect(first.out).toContain(`one.bin: downloaded 20,000 bytes from ${server.base}toy/one.bin (sha256 verified)`);
    expect(first.out).toContain('two.bin: downloaded 5,000 bytes');
    expect(first.out).toContain('(md5 verified)');
    expect(first.out).toContain(`toy: all 2 files present and verified in ${dir}`);
    expect(sha256(await readFile(join(dir, 'one.bin')))).toBe(sha256(ONE));

    const second = await run(['data', 'fetch', 'toy', '--dir', dir, '--mirror', `${server.base}toy/`]);
    expect(second.error).toBeUndefined();
    expect(second.out).toContain('one.bin: ok, already present (20,000 bytes, sha256 verified)');
    expect(second.out).toContain('two.bin: ok, already present');
  });

  it('fetch mnist rejects bytes that do not match the embedded checksum', T, async () => {
    const dir = join(tmp.path, 'mnist');
    const { out, error } = await run(['data', 'fetch', 'mnist', '--dir', dir, '--mirror', `${server.base}mnist/`]);
    expect(out).toContain('mnist: MNIST handwritten digits');
    expect(error).toBeInstanceOf(ChecksumMismatchError);
    const msg = (error as SelfpropError).message;
    expect(msg).toContain(join(dir, 'train-images-idx3-ubyte.gz'));
    expect(msg).toContain('expected 440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609');
    expect(msg).not.toContain('\n');
    expect((error as SelfpropError).exitCode).toBe(1);
    expect(existsSync(join(dir, 'train-images-idx3-ubyte.gz'))).toBe(false);
    expect(existsSync(join(dir, 'train-images-idx3-ubyte.gz.part'))).toBe(false);
  });

  it('fetch against an unreachable mirror fails with a one-line error and writes nothing', T, async () => {
    const port = await closedPort();
    const dir = join(tmp.path, 'offline');
    const { error } = await run(['data', 'fetch', 'nettalk', '--dir', dir, '--mirror', `http://127.0.0.1:${port}/`]);
    expect(error).toBeInstanceOf(DownloadError);
    expect((error as Error).message).toMatch(/^\S*nettalk\.data: could not reach 127\.0\.0\.1:\d+: .*; nothing was written$/);
    expect(existsSync(dir)).toBe(false);
  });

  it('rejects an unknown dataset and a bad --mirror', T, async () => {
    const unknown = await run(['data', 'fetch', 'cifar']);
    expect(unknown.error).toBeInstanceOf(ConfigError);
    expect((unknown.error as ConfigError).exitCode).toBe(2);
    expect((unknown.error as Error).message).toMatch(/unknown dataset "cifar"; known datasets: mnist, nettalk, dvsgesture/);

    const bad = await run(['data', 'fetch', 'toy', '--mirror', 'ftp://example.invalid/']);
    expect(bad.error).toBeInstanceOf(CommanderError);
    expect(bad.out).toMatch(/only http and https/);
  });

  it('fetch dvsgesture prints what to download and fails while recordings are missing', T, async () => {
    const dir = join(tmp.path, 'dvs-empty');
    const { out, error } = await run(['data', 'fetch', 'dvsgesture', '--dir', dir]);
    expect(out).toContain('DvsGesture.tar.gz');
    expect(out).toContain('"DVS128 Gesture Dataset"');
    expect(out).toContain(join(dir, 'DvsGesture', 'userNN_<lighting>.aedat'));
    expect(error).toBeInstanceOf(DatasetIncompleteError);
    expect((error as Error).message).toMatch(/no recordings yet/);
    expect(existsSync(dir)).toBe(false);

    await mkdir(join(dir, 'DvsGesture'), { recursive: true });
    await writeFile(join(dir, 'DvsGesture', 'user01_fluorescent.aedat'), REC);
    const partial = await run(['data', 'fetch', 'dvsgesture', '--dir', dir]);
    expect(partial.out).toContain('0 of 122 recordings present with the right MD5');
    expect(partial.out).toMatch(/BAD: user01_fluorescent\.aedat: md5 [0-9a-f]{32}, expected e113517a64ab66cf2259dd8428058222/);
    expect(partial.error).toBeInstanceOf(DatasetIncompleteError);
    expect((partial.error as Error).message).toMatch(/121 recording\(s\) missing, 1 with a wrong MD5/);
  });

  it('fetch of a manual dataset succeeds when every recording verifies', T, async () => {
    const dir = join(tmp.path, 'dvs-ok');
    await mkdir(join(dir, 'DvsGesture'), { recursive: true });
    await writeFile(join(dir, 'DvsGesture', 'user01_led.aedat'), REC);
    await writeFile(join(dir, 'DvsGesture', 'user01_led_labels.csv'), 'class,startTime_usec,endTime_usec\n1,0,10\n');
    const { out, error } = await run(['data', 'fetch', 'toy-gesture', '--dir', dir]);
    expect(error).toBeUndefined();
    expect(out).toContain('1 of 1 recordings present with the right MD5');
    expect(out).toContain('toy-gesture: all 1 recordings present and verified');
  });

  it('info describes a directory', T, async () => {
    const dir = join(tmp.path, 'info');
    await mkdir(join(dir, 'mnist'), { recursive: true });
    await writeFile(join(dir, 'mnist', 't10k-images-idx3-ubyte.gz'), gzipSync(idx([5, 28, 28])));
    await writeFile(join(dir, 'mnist', 't10k-labels-idx1-ubyte.gz'), gzipSync(idx([5])));
    const { out, error } = await run(['data', 'info', dir]);
    // The listing comes first, then a one-line error (exit 1) naming what is wrong.
    expect(error).toBeInstanceOf(DataFormatError);
    expect((error as DataFormatError).exitCode).toBe(1);
    expect((error as Error).message).toMatch(/mnist is incomplete \(2 file\(s\) missing\).*checksum mismatch in 2 file\(s\): mnist\/t10k-images-idx3-ubyte\.gz/);
    expect(out).toContain('mnist in mnist/: INCOMPLETE, WITH PROBLEMS');
    expect(out).toContain('test (t10k): 5 images, 28×28 + 5 labels');
    expect(out).toContain('missing: train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz');
    expect(out).toMatch(/mnist\/t10k-images-idx3-ubyte\.gz +[\d,]+ B +sha256 MISMATCH +5 images, 28×28/);

    const json = await run(['data', 'info', dir, '--json']);
    const parsed = JSON.parse(json.out) as { datasets: { dataset: string; complete: boolean }[] };
    expect(parsed.datasets).toEqual([expect.objectContaining({ dataset: 'mnist', complete: false })]);

    const missing = await run(['data', 'info', join(tmp.path, 'does-not-exist')]);
    expect(missing.error).toBeInstanceOf(SelfpropError);

    const empty = join(tmp.path, 'info-empty');
    await mkdir(empty, { recursive: true });
    await writeFile(join(empty, 'notes.txt'), 'nothing here');
    expect(((await run(['data', 'info', empty])).error as Error).message).toContain('no known dataset found');
  });

  it.skipIf(!SHARED_MNIST)('info on the real, complete MNIST files exits 0', T, async () => {
    const { out, error } = await run(['data', 'info', SHARED_MNIST as string]);
    expect(error).toBeUndefined();
    expect(out).toMatch(/mnist: complete/);
  });

  it('has help text for both commands', T, async () => {
    const fetchHelp = await run(['data', 'fetch', '--help']);
    expect(fetchHelp.error).toBeInstanceOf(CommanderError);
    expect(fetchHelp.out).toContain('--mirror <url>');
    expect(fetchHelp.out).toContain('--dir <dir>');
    expect(fetchHelp.out).toContain('dvsgesture');
    const infoHelp = await run(['data', 'info', '--help']);
    expect(infoHelp.out).toContain('--verify');
    expect(infoHelp.out).toContain('Checksum status');
  });
});
