import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dvsGestureInstructions, verifyDvsGesture } from '../../../src/node/fetch/dvsgesture.js';
import { inspectDataDir, type DataDirInfo, type FileInfo } from '../../../src/node/fetch/info.js';
import { DVS_GESTURE_SOURCE, NETTALK_SOURCE, type ManualSource } from '../../../src/node/fetch/sources.js';
import { DataFormatError } from '../../../src/errors.js';
import { fixtureBytes, idx, md5, sha256, tempDir } from './helpers.js';

const T = { timeout: 15_000 };
let tmp: { path: string; remove(): Promise<void> };

const NETTALK_DATA = [
  '     The NetTalk Corpus: Phonetic Transcription of 20,008 English Words',
  '',
  '\t\tCopyright (C) 1988 by Terrence J. Sejnowski',
  '',
  'Permission is hereby given to use the included data for non-commercial',
  'research purposes.',
  'Contact ...',
  '',
  '-'.repeat(75),
  '',
  'aardvark\ta-rdvark\t1<<<>2<<\t0',
  'aback\txb@k-\t0>1<<\t0',
  'gunpowder\tg^npW-d-R\t0\t',
  '',
].join('\n');
const NETTALK_LIST = 'Note (by Scott Fahlman):\n\nsome text (with parens) here\n\n(THE OF AND\n TO IN)\n';

beforeAll(async () => {
  tmp = await tempDir();
  const root = tmp.path;
  await mkdir(join(root, 'mnist'));
  await writeFile(join(root, 'mnist', 'train-images-idx3-ubyte.gz'), gzipSync(idx([3, 28, 28])));
  await writeFile(join(root, 'mnist', 'train-labels-idx1-ubyte.gz'), gzipSync(idx([3], (i) => i)));
  await writeFile(join(root, 'mnist', 't10k-images-idx3-ubyte'), idx([2, 28, 28]));
  await writeFile(join(root, 'mnist', 't10k-labels-idx1-ubyte'), idx([2]));
  await writeFile(join(root, 'mnist', 'README.txt'), 'notes');

  // A large, highly compressible images file: the header is read without inflating all 47 MB.
  await mkdir(join(root, 'big'));
  await writeFile(join(root, 'big', 'train-images-idx3-ubyte.gz'), gzipSync(idx([60_000, 28, 28], () => 0)));
  await writeFile(join(root, 'big', 'train-labels-idx1-ubyte.gz.part'), Buffer.alloc(100));

  // A gzipped IDX cut short (as by an interrupted copy): trailer and header disagree.
  await mkdir(join(root, 'cut'));
  const whole = gzipSync(idx([100, 28, 28], (i) => (i * 7919) & 0xff));
  await writeFile(join(root, 'cut', 't10k-images-idx3-ubyte.gz'), whole.subarray(0, whole.length >> 1));
  await writeFile(join(root, 'cut', 't10k-labels-idx1-ubyte'), idx([99]));

  await mkdir(join(root, 'nettalk'));
  await writeFile(join(root, 'nettalk', 'nettalk.data'), NETTALK_DATA);
  await writeFile(join(root, 'nettalk', 'nettalk.list'), NETTALK_LIST);

  const dvs = join(root, 'dvsgesture', 'DvsGesture');
  await mkdir(dvs, { recursive: true });
  await writeFile(join(dvs, 'user01_fluorescent.aedat'), fixtureBytes(1000, 1));
  await writeFile(join(dvs, 'user01_fluorescent_labels.csv'), 'class,startTime_usec,endTime_usec\n1,10,20\n2,30,40\n');
  await writeFile(join(dvs, 'user24_led.aedat'), fixtureBytes(500, 2));
  await writeFile(join(dvs, 'user24_lab.aedat'), fixtureBytes(10, 3)); // not a DvsGesture recording name
});
afterAll(async () => {
  await tmp?.remove();
});

const file = (info: DataDirInfo, path: string): FileInfo => {
  const f = info.files.find((x) => x.path === path);
  if (!f) throw new Error(`no ${path} in ${info.files.map((x) => x.path).join(', ')}`);
  return f;
};

describe('inspectDataDir', () => {
  it('recognises MNIST IDX files (gz and raw) with header counts', T, async () => {
    const info = await inspectDataDir(tmp.path);
    const images = file(info, 'mnist/train-images-idx3-ubyte.gz');
    expect(images).toMatchObject({ kind: 'mnist-idx', dataset: 'mnist', count: 3, detail: '3 images, 28×28' });
    expect(images.problem).toBeUndefined();
    // Not the canonical bytes, so the published sha256 does not match.
    expect(images.checksum).toBe('mismatch');
    expect(images.expected).toBe('440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609');
    expect(file(info, 'mnist/train-labels-idx1-ubyte.gz')).toMatchObject({ count: 3, detail: '3 labels' });
    expect(file(info, 'mnist/t10k-images-idx3-ubyte')).toMatchObject({ count: 2, detail: '2 images, 28×28', size: 16 + 2 * 784 });
    expect(file(info, 'mnist/t10k-labels-idx1-ubyte')).toMatchObject({ count: 2, checksum: 'mismatch' });

    const mnist = info.datasets.find((d) => d.dataset === 'mnist' && d.dir === 'mnist');
    expect(mnist).toMatchObject({ complete: true, missing: [] });
    expect(mnist?.summary).toContain('train: 3 images, 28×28 + 3 labels');
    expect(mnist?.summary).toContain('test (t10k): 2 images, 28×28 + 2 labels');
    expect(mnist?.summary).toContain('4 MISMATCH');
    expect(info.other).toContain('mnist/README.txt');
  });

  it('reads the count of a large gzipped IDX file from its header; notes partial downloads', T, async () => {
    const info = await inspectDataDir(join(tmp.path, 'big'));
    expect(file(info, 'train-images-idx3-ubyte.gz')).toMatchObject({ count: 60_000, detail: '60,000 images, 28×28' });
    expect(file(info, 'train-images-idx3-ubyte.gz').problem).toBeUndefined();
    expect(file(info, 'train-labels-idx1-ubyte.gz.part')).toMatchObject({ kind: 'partial-download', size: 100 });
    const mnist = info.datasets[0];
    expect(mnist.dir).toBe('.');
    expect(mnist.complete).toBe(false);
    expect(mnist.missing).toContain('train-labels-idx1-ubyte.gz (partial download only)');
    expect(mnist.missing).toContain('t10k-images-idx3-ubyte.gz');
  });

  it('flags a truncated gzip and a raw file whose length disagrees with its header', T, async () => {
    const info = await inspectDataDir(join(tmp.path, 'cut'));
    expect(file(info, 't10k-images-idx3-ubyte.gz').problem).toMatch(/gzip trailer says .* IDX header implies 78,416/);
    expect(file(info, 't10k-images-idx3-ubyte.gz').count).toBe(100);
    expect(file(info, 't10k-labels-idx1-ubyte').problem).toBeUndefined();
    const mnist = info.datasets[0];
    expect(mnist.problems.join(' ')).toMatch(/100 images but 99 labels/);
  });

  it('counts NETtalk entries and list words', T, async () => {
    const info = await inspectDataDir(join(tmp.path, 'nettalk'));
    expect(file(info, 'nettalk.data')).toMatchObject({ kind: 'nettalk-data', count: 3, checksum: 'mismatch', algorithm: 'sha256' });
    expect(file(info, 'nettalk.list')).toMatchObject({ count: 5, detail: '5 words' });
    expect(info.datasets[0]).toMatchObject({ dataset: 'nettalk', complete: true, missing: ['nettalk.names'] });
  });

  it('counts DvsGesture recordings per split; MD5 only with verifyRecordings', T, async () => {
    const info = await inspectDataDir(tmp.path);
    const dvs = info.datasets.find((d) => d.dataset === 'dvsgesture');
    expect(dvs?.dir).toBe('dvsgesture/DvsGesture');
    expect(dvs?.splits).toEqual({ train: { found: 1, expected: 98 }, test: { found: 1, expected: 24 } });
    expect(dvs?.complete).toBe(false);
    expect(dvs?.missing).toContain('user24_led_labels.csv');
    expect(file(info, 'dvsgesture/DvsGesture/user24_lab.aedat')).toMatchObject({ checksum: 'unknown' });
    expect(dvs?.problems.join(' ')).toMatch(/user24_lab\.aedat: not one of the 122 DvsGesture recordings/);
    expect(dvs?.summary).toContain('1 labels files (2 segments)');
    expect(file(info, 'dvsgesture/DvsGesture/user01_fluorescent.aedat')).toMatchObject({
      checksum: 'unchecked',
      role: 'recording (train)',
    });
    expect(file(info, 'dvsgesture/DvsGesture/user01_fluorescent_labels.csv').count).toBe(2);

    const verified = await inspectDataDir(join(tmp.path, 'dvsgesture'), { verifyRecordings: true });
    expect(file(verified, 'DvsGesture/user24_led.aedat')).toMatchObject({
      checksum: 'mismatch',
      actual: md5(fixtureBytes(500, 2)),
    });
  });

  it('rejects a missing directory', T, async () => {
    await expect(inspectDataDir(join(tmp.path, 'nope'))).rejects.toBeInstanceOf(DataFormatError);
  });
});

describe('DvsGesture verification', () => {
  it('says what to download and where to unpack it', () => {
    const text = dvsGestureInstructions(join('data', 'dvsgesture')).join('\n');
    expect(text).toContain('DvsGesture.tar.gz');
    expect(text).toContain('DVS128 Gesture Dataset');
    expect(text).toContain('CC BY 4.0');
    expect(text).toContain(join('data', 'dvsgesture', 'DvsGesture', 'userNN_<lighting>.aedat'));
    expect(text).toContain('tar -xzf DvsGesture.tar.gz -C data/dvsgesture');
  });

  it('embeds the 122 recordings with their MD5s', () => {
    expect(DVS_GESTURE_SOURCE.recordings).toHaveLength(122);
    expect(new Set(DVS_GESTURE_SOURCE.recordings.map(([n]) => n)).size).toBe(122);
    expect(DVS_GESTURE_SOURCE.recordings.every(([, m]) => /^[0-9a-f]{32}$/.test(m))).toBe(true);
    expect(DVS_GESTURE_SOURCE.recordings[0]).toEqual(['user01_fluorescent', 'e113517a64ab66cf2259dd8428058222']);
    expect(NETTALK_SOURCE.files.map((f) => f.name)).toEqual(['nettalk.data', 'nettalk.list', 'nettalk.names']);
  });

  it('reports ok, missing and bad recordings', T, async () => {
    const a = fixtureBytes(300, 5);
    const b = fixtureBytes(400, 6);
    const source: ManualSource = {
      ...DVS_GESTURE_SOURCE,
      recordings: [
        ['user01_led', md5(a)],
        ['user02_lab', md5(b)],
        ['user25_natural', md5(a)],
      ],
    };
    const dir = join(tmp.path, 'verify');
    await mkdir(join(dir, 'DvsGesture'), { recursive: true });
    await writeFile(join(dir, 'DvsGesture', 'user01_led.aedat'), a);
    await writeFile(join(dir, 'DvsGesture', 'user01_led_labels.csv'), 'class,startTime_usec,endTime_usec\n');
    await writeFile(join(dir, 'DvsGesture', 'user02_lab.aedat'), a); // wrong content
    const report = await verifyDvsGesture(dir, { source });
    expect(report.dirFound).toBe(true);
    expect(report.ok).toBe(1);
    expect(report.missing).toEqual(['user25_natural']);
    expect(report.bad.map((r) => [r.name, r.actualMd5, r.expectedMd5])).toEqual([['user02_lab', md5(a), md5(b)]]);
    expect(report.missingLabels).toEqual(['user02_lab', 'user25_natural']);
    expect(report.complete).toBe(false);
    expect(sha256(a)).not.toBe(sha256(b));
  });
});
