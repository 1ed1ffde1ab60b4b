/**
 * The playground page: controls built from the library's family descriptors and schema defaults
 * (sent by the worker, so that this thread loads no TensorFlow.js), the settings in the address,
 * two training workers (the second for SBP vs symmetric STDP side by side), live curves, views of
 * the network, downloads. The main thread only draws and forwards: every number comes from a worker.
 */
import { unzipSync, zipSync } from 'fflate';
import type { RunConfig } from 'selfprop';
import { Charts } from './charts.js';
import { drawFactors, drawFields, drawInput, drawRaster } from './draw.js';
import { ENGINES } from './protocol.js';
import type {
  BatchPoint,
  Capabilities,
  Catalog,
  DataChoice,
  DataSummary,
  Engine,
  EpochRecord,
  FamilyInfo,
  FromWorker,
  OptionInfo,
  RunResult,
  RunStatus,
  StartedInfo,
  ToWorker,
  Views,
} from './protocol.js';
import './style.css';

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from the page`);
  return el as T;
};
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const pct = (v: number) => `${(100 * v).toFixed(2)} %`;

// ------------------------------------------------------------------ settings in the address

/** Every setting by its URL key (the CLI flag's name); only values that differ from the defaults are kept. */
const values = new Map<string, string>();
const initialParams = new URLSearchParams(location.search);
for (const [k, v] of initialParams) values.set(k, v);
const autorun = initialParams.get('autorun') === '1';
/** Keys the address carries that are not settings. */
const TRANSIENT = new Set(['autorun']);

function writeAddress(): void {
  const params = new URLSearchParams();
  for (const [k, v] of [...values].sort(([a], [b]) => (a < b ? -1 : 1))) if (!TRANSIENT.has(k)) params.set(k, v);
  const query = params.toString();
  history.replaceState(null, '', `${location.pathname}${query ? `?${query}` : ''}${location.hash}`);
}

// ------------------------------------------------------------------ workers

interface Slot {
  readonly index: number;
  worker: Worker;
  ready: boolean;
  capabilities?: Capabilities;
  /** The data version this worker holds. */
  dataVersion: number;
  loading?: { version: number; promise: Promise<void> };
  state: 'idle' | 'running' | 'paused' | 'done';
  label: string;
  info?: StartedInfo;
  status?: RunStatus;
  result?: RunResult;
  epochs: EpochRecord[];
  points: BatchPoint[];
  hasModel: boolean;
  resetting: boolean;
}

let nextId = 1;
const pending = new Map<number, { resolve: (v: FromWorker) => void; reject: (e: Error) => void }>();

function call(slot: Slot, message: ToWorker & { id: number }): Promise<FromWorker> {
  return new Promise((resolve, reject) => {
    pending.set(message.id, { resolve, reject });
    slot.worker.postMessage(message);
  });
}

let catalog: Catalog | undefined;
const slots: Slot[] = [];

function threads(): number {
  const n = Number(values.get('threads') ?? '1');
  return Number.isInteger(n) && n >= 1 ? n : 1;
}

function startWorker(index: number): Slot {
  const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: `selfprop training ${index + 1}` });
  const slot: Slot = slots[index] ?? { index, worker, ready: false, dataVersion: 0, state: 'idle', label: '', epochs: [], points: [], hasModel: false, resetting: false };
  slot.worker = worker;
  slot.ready = false;
  slot.dataVersion = 0;
  slot.loading = undefined;
  slots[index] = slot;
  worker.onmessage = (event: MessageEvent<FromWorker>) => onMessage(slot, event.data);
  worker.onerror = (event) => showError('run-error', `training worker ${index + 1} failed: ${event.message || 'it could not start'}`);
  worker.postMessage({ type: 'init', wasmPaths: new URL('tfjs/', document.baseURI).href, threads: threads() } satisfies ToWorker);
  return slot;
}

// ------------------------------------------------------------------ data

let dataVersion = 0;
let dataChoice: DataChoice | undefined;
let dataSummary: DataSummary | undefined;
let embeddedBytes: Uint8Array | undefined;
const embeddedUrl = new URL('data/mnist-embedded.idx.gz', document.baseURI).href;
const embeddedFetch = fetch(embeddedUrl).then(async (r) => {
  if (!r.ok) throw new Error(`${embeddedUrl}: HTTP ${r.status}`);
  embeddedBytes = new Uint8Array(await r.arrayBuffer());
  return embeddedBytes;
});

function currentTask(): 'mnist' | 'nettalk' {
  return dataSummary?.task ?? (values.get('data') === 'nettalk' ? 'nettalk' : 'mnist');
}

async function readFiles(input: HTMLInputElement): Promise<Record<string, Uint8Array>> {
  const files: Record<string, Uint8Array> = {};
  for (const file of Array.from(input.files ?? [])) files[file.name] = new Uint8Array(await file.arrayBuffer());
  return files;
}

function ensureData(slot: Slot): Promise<void> {
  if (!dataChoice) return Promise.reject(new Error('no data chosen'));
  if (slot.dataVersion === dataVersion) return Promise.resolve();
  if (slot.loading?.version === dataVersion) return slot.loading.promise;
  const version = dataVersion;
  const promise = waitReady(slot)
    .then(() => call(slot, { type: 'load', id: nextId++, data: dataChoice as DataChoice }))
    .then((reply) => {
      if (reply.type !== 'loaded') throw new Error('unexpected reply');
      if (version === dataVersion) {
        slot.dataVersion = version;
        if (slot.index === 0) setSummary(reply.summary);
      }
    });
  slot.loading = { version, promise };
  return promise;
}

function waitReady(slot: Slot): Promise<void> {
  if (slot.ready) return Promise.resolve();
  return new Promise((resolve) => readyWaiters.push({ slot, resolve }));
}
const readyWaiters: { slot: Slot; resolve: () => void }[] = [];

async function chooseData(kind: 'embedded' | 'mnist' | 'nettalk'): Promise<void> {
  hideError('data-error');
  const summaryEl = $('data-summary');
  try {
    if (kind === 'embedded') {
      summaryEl.textContent = 'Loading the embedded subset…';
      dataChoice = { kind: 'embedded', bytes: await embeddedFetch, url: 'mnist-embedded.idx.gz' };
    } else if (kind === 'mnist') {
      const files = await readFiles($<HTMLInputElement>('mnist-files'));
      if (Object.keys(files).length === 0) {
        summaryEl.textContent = 'Choose the four MNIST IDX files, then "Load the chosen files".';
        return;
      }
      summaryEl.textContent = `Reading ${Object.keys(files).length} files…`;
      dataChoice = { kind: 'mnist', files };
    } else {
      const files = await readFiles($<HTMLInputElement>('nettalk-files'));
      if (Object.keys(files).length === 0) {
        summaryEl.textContent = 'Choose nettalk.data and nettalk.list, then "Load the chosen files".';
        return;
      }
      summaryEl.textContent = `Reading ${Object.keys(files).length} files…`;
      dataChoice = { kind: 'nettalk', files, split: $<HTMLSelectElement>('nettalk-split').value as 'paper' | 'full' };
    }
    dataVersion++;
    dataSummary = undefined;
    refresh();
    const needed = isCompare() ? slots : [slots[0]];
    await Promise.all(needed.map(ensureData));
  } catch (error) {
    summaryEl.textContent = kind === 'embedded' ? 'The embedded subset did not load.' : 'These files did not load.';
    showError('data-error', errorText(error));
  }
  refresh();
}

function setSummary(summary: DataSummary): void {
  const taskChanged = dataSummary?.task !== summary.task;
  dataSummary = summary;
  $('data-summary').textContent = `Training: ${summary.train.description} (${fmt(summary.train.rows)} rows). Held out: ${summary.heldOut.description} (${fmt(summary.heldOut.rows)} rows); its score is the ${summary.heldOutName}.`;
  for (const el of document.querySelectorAll('.heldout-name')) el.textContent = summary.heldOutName;
  if (taskChanged) renderFamilyOptions();
  refresh();
}

// ------------------------------------------------------------------ controls

const COMMON: { key: string; id: string; field: keyof RunConfig; kind: 'integer' | 'boolean' }[] = [
  { key: 'seed', id: 'seed', field: 'seed', kind: 'integer' },
  { key: 'epochs', id: 'epochs', field: 'epochs', kind: 'integer' },
  { key: 'batch-size', id: 'batch-size', field: 'batchSize', kind: 'integer' },
  { key: 'train-limit', id: 'train-limit', field: 'trainLimit', kind: 'integer' },
  { key: 'test-limit', id: 'test-limit', field: 'testLimit', kind: 'integer' },
  { key: 'shuffle', id: 'shuffle', field: 'shuffle', kind: 'boolean' },
];

function model(): FamilyInfo['name'] {
  const m = values.get('model');
  return m === 'ann' || m === 'smlp' ? m : 'snn';
}

function family(): FamilyInfo | undefined {
  return catalog?.families.find((f) => f.name === model());
}

function defaults(): RunConfig | undefined {
  return catalog?.defaults[`${currentTask()}/${model()}`];
}

function at(object: unknown, path: readonly string[]): unknown {
  return path.reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), object);
}

/** The default of an option as its control shows it. */
function defaultText(option: OptionInfo): string {
  const config = defaults();
  const v = config ? at((config as unknown as Record<string, unknown>)[config.model], option.path) : undefined;
  if (option.parse === 'on-off') return v ? 'on' : 'off';
  if (option.parse === 'flag') return v ? 'true' : 'false';
  if (Array.isArray(v)) return v.join(',');
  return v === undefined ? '' : String(v);
}

function commonDefault(field: keyof RunConfig): string {
  const v = defaults()?.[field];
  return v === undefined ? '' : String(v);
}

function setValue(key: string, raw: string, fallback: string): void {
  if (raw === fallback) values.delete(key);
  else values.set(key, raw);
  writeAddress();
  scheduleResolve();
  refresh();
}

function renderFamilyOptions(): void {
  const f = family();
  const box = $('family-options');
  box.replaceChildren();
  if (!f) return;
  for (const option of f.options) {
    const id = `opt-${option.key}`;
    const label = document.createElement('label');
    label.htmlFor = id;
    label.textContent = labelOf(option);
    let control: HTMLInputElement | HTMLSelectElement;
    const fallback = defaultText(option);
    const current = values.get(option.key) ?? fallback;
    if (option.choices || option.parse === 'on-off') {
      const select = document.createElement('select');
      for (const c of option.choices ?? ['on', 'off']) {
        const o = document.createElement('option');
        o.value = c;
        o.textContent = option.key === 'rule' ? `${c} — ${catalog?.rules.find((r) => r.name === c)?.title ?? c}` : c;
        select.append(o);
      }
      select.value = current;
      control = select;
    } else if (option.parse === 'flag') {
      const box = document.createElement('input');
      box.type = 'checkbox';
      box.checked = current === 'true';
      control = box;
    } else {
      const input = document.createElement('input');
      input.type = option.parse === 'numbers' ? 'text' : 'number';
      if (option.parse !== 'numbers') input.step = option.parse === 'integer' ? '1' : 'any';
      input.value = current;
      input.placeholder = fallback;
      control = input;
    }
    control.id = id;
    const hint = document.createElement('p');
    hint.className = 'hint';
    hint.id = `${id}-hint`;
    hint.textContent = `${option.description} (${option.flags})`;
    control.setAttribute('aria-describedby', hint.id);
    control.addEventListener('change', () => {
      const raw = control instanceof HTMLInputElement && control.type === 'checkbox' ? String(control.checked) : control.value.trim();
      setValue(option.key, raw === '' ? fallback : raw, fallback);
    });
    if (option.key === 'rule' && isCompare()) {
      control.disabled = true;
      hint.textContent = 'Side by side: the first run takes sbp, the second stdp-symmetric.';
    }
    box.append(label, control, hint);
  }
  for (const c of COMMON) {
    const el = $<HTMLInputElement>(c.id);
    const fallback = commonDefault(c.field);
    const current = values.get(c.key) ?? fallback;
    if (c.kind === 'boolean') el.checked = current === 'true';
    else {
      el.value = current;
      el.placeholder = fallback === '' ? 'all' : fallback;
    }
  }
}

function labelOf(option: OptionInfo): string {
  const names: Record<string, string> = {
    rule: 'Plasticity rule',
    layers: 'Layer sizes',
    'learning-rates': 'Learning rates α',
    feedforward: 'Feedforward LIF phase (a)',
    drive: 'Drive',
    'reset-each-batch': 'Reset the state every batch',
    'spread-fraction': 'SBP spread fraction f',
    noise: 'Update noise',
    stp: 'Short-term plasticity',
    dale: "Dale's law",
    'sbp-fraction': 'SBP fraction p of batches',
    lr: 'Adam learning rate',
    'sbp-input': 'SBP input X',
    'hebbian-weight': 'Hebbian weight',
    'time-steps': 'Time steps K',
    sbp: 'SBP energy E_θ',
    'sbp-energy': 'Which E_θ',
    sleep: 'Free (sleep) iterations N_s',
    wake: 'Nudged (wake) iterations N_w',
    theta: 'θ',
    beta: 'β₀',
    epsilon: 'Step ε',
  };
  const words = option.key.replace(/-/g, ' ');
  return names[option.key] ?? words[0].toUpperCase() + words.slice(1);
}

function parseOption(option: OptionInfo, raw: string): unknown {
  const number = (t: string): unknown => (t.trim() !== '' && Number.isFinite(Number(t)) ? Number(t) : t);
  switch (option.parse) {
    case 'integer':
    case 'number':
      return number(raw);
    case 'numbers':
      return raw.split(',').map(number);
    case 'on-off':
      return raw === 'on' ? true : raw === 'off' ? false : raw;
    case 'flag':
      return raw === 'true';
    default:
      return raw;
  }
}

function setPath(object: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let o = object;
  for (const k of path.slice(0, -1)) o = (o[k] ??= {}) as Record<string, unknown>;
  o[path[path.length - 1]] = value;
}

/** The run config input of the settings (the schema fills in the rest); `rule` overrides the SNN's. */
function configInput(rule?: string): Record<string, unknown> {
  const m = model();
  const input: Record<string, unknown> = { task: currentTask(), model: m, kernels: values.get('kernels') === 'js' ? 'js' : 'wasm' };
  for (const c of COMMON) {
    const raw = values.get(c.key);
    if (raw === undefined || raw === '') continue;
    input[c.field] = c.kind === 'boolean' ? raw === 'true' : Number.isFinite(Number(raw)) ? Number(raw) : raw;
  }
  if (currentTask() === 'nettalk' && dataChoice?.kind === 'nettalk') input.split = dataChoice.split;
  const section: Record<string, unknown> = {};
  for (const option of family()?.options ?? []) {
    const raw = values.get(option.key);
    if (raw !== undefined) setPath(section, option.path, parseOption(option, raw));
  }
  if (rule) section.rule = rule;
  input[m] = section;
  return input;
}

function isCompare(): boolean {
  return values.get('compare') === '1' && model() === 'snn';
}

function engine(): Engine {
  const e = values.get('backend');
  return (ENGINES as readonly string[]).includes(e ?? '') ? (e as Engine) : 'wasm';
}

function maxBatches(): number | undefined {
  const n = Number(values.get('batches'));
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

// ------------------------------------------------------------------ resolving the config (in the worker)

let resolveTimer: number | undefined;
let configProblem: string | undefined = 'not resolved yet';

function scheduleResolve(): void {
  clearTimeout(resolveTimer);
  resolveTimer = window.setTimeout(() => void resolveNow(), 120);
}

async function resolveNow(): Promise<void> {
  const slot = slots[0];
  if (!slot?.ready) return;
  const inputs = isCompare() ? [configInput('sbp'), configInput('stdp-symmetric')] : [configInput()];
  try {
    const configs: RunConfig[] = [];
    for (const input of inputs) {
      const reply = await call(slot, { type: 'resolve', id: nextId++, input });
      if (reply.type === 'resolved') configs.push(reply.config);
    }
    configProblem = undefined;
    hideError('config-error');
    // as the run will record it: the schema's backends are wasm and cpu (a GPU engine is shown beside the run)
    const shown = configs.map((c) => ({ ...c, backend: engine() === 'cpu' ? 'cpu' : 'wasm' }));
    $('resolved').textContent = JSON.stringify(shown.length === 1 ? shown[0] : shown, null, 2);
  } catch (error) {
    configProblem = errorText(error);
    showError('config-error', configProblem);
  }
  refresh();
}

// ------------------------------------------------------------------ engine notes

function renderEngine(): void {
  const caps = slots[0]?.capabilities;
  const notes = $('engine-notes');
  notes.replaceChildren();
  if (!caps) return;
  const select = $<HTMLSelectElement>('backend');
  const names: Record<Engine, string> = { wasm: 'WASM', cpu: 'CPU', webgl: 'WebGL', webgpu: 'WebGPU' };
  for (const option of Array.from(select.options)) {
    const why = caps.engines[option.value as Engine];
    option.disabled = why !== null;
    option.textContent = `${option.textContent?.replace(/ — unavailable$/, '')}${why ? ' — unavailable' : ''}`;
  }
  select.value = engine();
  const add = (text: string, error = false) => {
    const li = document.createElement('li');
    li.textContent = text;
    if (error) li.className = 'error';
    notes.append(li);
  };
  add(`TF.js WASM: ${caps.engines.wasm ?? caps.wasmVariant}`, caps.engines.wasm !== null);
  add(caps.crossOriginIsolated ? `The page is cross-origin isolated: up to ${caps.hardwareConcurrency} threads, for TF.js WASM and the SNN's LIF phase (row slices of each batch, the same bits as one thread).` : 'The page is not cross-origin isolated: TF.js WASM and the SNN run on one thread (threads need COOP/COEP headers).');
  for (const e of ['webgl', 'webgpu'] as const) add(caps.engines[e] === null ? `${names[e]}: available.` : `${names[e]}: ${caps.engines[e]}.`);
  add(caps.kernels === null ? 'The library\'s WebAssembly kernels compiled (SIMD).' : `WebAssembly kernels: ${caps.kernels}`, caps.kernels !== null);
  const chosen = caps.engines[engine()];
  if (chosen) add(`The chosen backend "${engine()}" is unavailable here: choose another one. Nothing falls back silently.`, true);
  if (values.get('kernels') !== 'js' && caps.kernels !== null) add('The WebAssembly kernels are unavailable: choose the JS reference loops.', true);
  const kernels = $<HTMLSelectElement>('kernels');
  kernels.value = values.get('kernels') === 'js' ? 'js' : 'wasm';
  (kernels.options[0] as HTMLOptionElement).disabled = caps.kernels !== null;
  const t = $<HTMLInputElement>('threads');
  t.disabled = !caps.crossOriginIsolated;
  t.max = String(caps.hardwareConcurrency);
  t.value = String(threads());
}

function engineProblem(): string | undefined {
  const caps = slots[0]?.capabilities;
  if (!caps) return 'the workers are starting';
  const why = caps.engines[engine()];
  if (why) return `backend ${engine()}: ${why}`;
  if (values.get('kernels') !== 'js' && caps.kernels !== null) return caps.kernels;
  return undefined;
}

// ------------------------------------------------------------------ runs

const charts = new Charts($('chart-accuracy'), $('chart-measures'), () => dataSummary?.heldOutName ?? 'held-out accuracy');
let viewTimer: number | undefined;

function runningSlots(): Slot[] {
  return slots.filter((s) => s.state === 'running' || s.state === 'paused');
}

function viewedSlot(): Slot {
  return slots[isCompare() ? Number($<HTMLSelectElement>('view-run').value) || 0 : 0];
}

function fieldsChange(): boolean {
  return $<HTMLInputElement>('fields-change').checked;
}

function rasterRow(): number {
  const n = Number($<HTMLInputElement>('raster-row').value);
  return Number.isInteger(n) && n >= 0 ? n : 0;
}

async function start(): Promise<void> {
  hideError('run-error');
  const compare = isCompare();
  const used = compare ? [slots[0], slots[1]] : [slots[0]];
  try {
    await Promise.all(used.map(ensureData));
  } catch (error) {
    showError('data-error', errorText(error));
    return;
  }
  for (const slot of slots) Object.assign(slot, { state: 'idle', info: undefined, status: undefined, result: undefined, epochs: [], points: [], hasModel: false, resetting: false });
  used.forEach((slot, i) => (slot.label = compare ? (i === 0 ? 'SBP' : 'symmetric STDP') : runName()));
  charts.reset(used.map((s) => s.label), model() === 'smlp' ? ['loss'] : ['energy', 'cost']);
  clearLinks();
  $('result').textContent = '';
  for (const [i, slot] of used.entries()) {
    slot.state = 'running';
    slot.worker.postMessage({
      type: 'start',
      request: {
        input: configInput(compare ? (i === 0 ? 'sbp' : 'stdp-symmetric') : undefined),
        engine: engine(),
        maxBatches: maxBatches(),
        ...(initialWeights ? { initialWeights } : {}),
        views: true,
      },
    } satisfies ToWorker);
  }
  clearInterval(viewTimer);
  viewTimer = window.setInterval(() => {
    const slot = viewedSlot();
    if (slot.state === 'running') slot.worker.postMessage({ type: 'views', want: { fields: true, fieldsChange: fieldsChange(), factors: true, raster: rasterRow() } } satisfies ToWorker);
  }, 2500);
  refresh();
}

function runName(): string {
  const m = model();
  if (m === 'snn') return `SNN ${values.get('rule') ?? defaultText(family()!.options.find((o) => o.key === 'rule')!)}`;
  if (m === 'ann') return `energy ANN, SBP ${values.get('sbp') ?? 'on'}`;
  return `spiking MLP, p = ${values.get('sbp-fraction') ?? '0'}`;
}

function onMessage(slot: Slot, message: FromWorker): void {
  switch (message.type) {
    case 'ready': {
      slot.ready = true;
      slot.capabilities = message.capabilities;
      readyWaiters.filter((w) => w.slot === slot).forEach((w) => w.resolve());
      if (slot.index === 0) {
        const first = !catalog;
        catalog = message.catalog;
        if (first) {
          renderFamilyOptions();
          renderEngine();
          scheduleResolve();
          const kind = values.get('data');
          void chooseData(kind === 'mnist' || kind === 'nettalk' ? kind : 'embedded');
        } else renderEngine();
      }
      break;
    }
    case 'loaded':
    case 'resolved':
    case 'weights': {
      const p = pending.get(message.id);
      pending.delete(message.id);
      p?.resolve(message);
      if (message.type === 'weights') showWeights(slot, message.files);
      break;
    }
    case 'error': {
      if (message.id !== undefined && pending.has(message.id)) {
        const p = pending.get(message.id)!;
        pending.delete(message.id);
        p.reject(new Error(message.message));
        if (message.scope !== 'weights') break;
      }
      if (message.scope === 'run') {
        slot.state = 'idle';
        showError('run-error', `${slot.label || 'run'}: ${message.message}`);
      } else if (message.scope === 'init') showError('run-error', `training worker ${slot.index + 1}: ${message.message}`);
      else if (message.scope === 'weights') showError('run-error', message.message);
      break;
    }
    case 'started':
      slot.info = message.info;
      slot.hasModel = true;
      break;
    case 'progress':
      slot.status = message.status;
      for (const p of message.points) charts.addBatch(slot.index, p.batch, p.accuracy, p.measures);
      slot.points.push(...message.points);
      break;
    case 'epoch':
      slot.epochs.push(message.record);
      charts.addHeldOut(slot.index, slot.points.length, message.record.testAccuracy);
      break;
    case 'views':
      if (slot === viewedSlot()) showViews(message.views);
      break;
    case 'paused':
      slot.state = 'paused';
      break;
    case 'resumed':
      slot.state = 'running';
      break;
    case 'done':
      if (slot.resetting) {
        slot.state = 'idle';
        slot.resetting = false;
        break;
      }
      slot.state = 'done';
      slot.result = message.result;
      if (slot.result.batches > 0) charts.addHeldOut(slot.index, slot.points.length, slot.result.accuracy);
      requestWeights(slot);
      if (!slots.some((s) => s.state === 'running' || s.state === 'paused')) finishRuns();
      break;
  }
  refresh();
}

function finishRuns(): void {
  clearInterval(viewTimer);
  const done = slots.filter((s) => s.result);
  const main = done[0]?.result;
  if (!main) return;
  const summary = {
    ...main,
    ...(done.length > 1 ? { runs: done.map((s) => ({ label: s.label, ...s.result })) } : {}),
  };
  const result = $('result');
  result.textContent = JSON.stringify(summary);
  showMetricLinks();
}

function requestWeights(slot: Slot): void {
  call(slot, { type: 'weights', id: nextId++ }).catch((error) => showError('run-error', errorText(error)));
}

// ------------------------------------------------------------------ views

function showViews(views: Views): void {
  if (views.fields) {
    const canvas = $<HTMLCanvasElement>('fields');
    canvas.setAttribute('aria-label', drawFields(canvas, views.fields));
  }
  if (views.raster) {
    const r = views.raster;
    drawInput($<HTMLCanvasElement>('raster-input'), r.input, r.inputWidth, r.inputHeight, r.inputWidth === 28 ? 3 : 6);
    $('raster-input').setAttribute('aria-label', `Held-out row ${r.row}${r.label !== undefined ? `: a ${r.label}` : ''}`);
    const canvas = $<HTMLCanvasElement>('raster');
    const label = drawRaster(canvas, r);
    canvas.setAttribute('aria-label', label);
    canvas.dataset.spikes = String(r.spikes.length / 3);
    $('raster-note').textContent = label;
  }
  if (views.factors) {
    const canvas = $<HTMLCanvasElement>('factors');
    const { label, ranges } = drawFactors(canvas, views.factors);
    canvas.setAttribute('aria-label', label);
    const body = $('factor-table').querySelector('tbody') as HTMLTableSectionElement;
    body.replaceChildren(
      ...ranges.map((r) => {
        const tr = document.createElement('tr');
        for (const v of [r.matrix, r.component, `${r.per} (${r.neurons})`, r.min.toFixed(5), r.mean.toFixed(5), r.max.toFixed(5)]) {
          const td = document.createElement('td');
          td.textContent = v;
          tr.append(td);
        }
        return tr;
      }),
    );
    $('factors-note').textContent = label;
  }
}

function viewNotes(): void {
  const m = model();
  const rule = values.get('rule') ?? 'sbp';
  if (m !== 'snn') {
    $('raster-note').textContent = 'The spike raster is drawn for the §1 spiking network.';
    $('factors-note').textContent = 'SBP spread factors are the §1 spiking network\'s (rule sbp).';
  } else if (rule !== 'sbp' && !isCompare()) {
    $('factors-note').textContent = `The spread factors belong to the sbp rule; this run uses ${rule}.`;
  }
}

// ------------------------------------------------------------------ downloads

const links = new Map<string, string>();

function clearLinks(): void {
  for (const url of links.values()) URL.revokeObjectURL(url);
  links.clear();
  $('weight-links').replaceChildren();
  $('metric-links').replaceChildren();
}

function link(list: HTMLElement, name: string, blob: Blob, what: string): void {
  const old = links.get(name);
  if (old) URL.revokeObjectURL(old);
  const url = URL.createObjectURL(blob);
  links.set(name, url);
  list.querySelector(`a[download="${CSS.escape(name)}"]`)?.closest('li')?.remove();
  const li = document.createElement('li');
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.textContent = name;
  li.append(a, ` — ${what}, ${fmt(blob.size / 1024, 1)} KiB`);
  list.append(li);
}

function prefix(slot: Slot): string {
  return isCompare() ? `${slot.index === 0 ? 'sbp' : 'stdp-symmetric'}-` : '';
}

function showWeights(slot: Slot, files: Readonly<Record<string, Uint8Array>>): void {
  const list = $('weight-links');
  const p = prefix(slot);
  for (const [name, bytes] of Object.entries(files)) {
    link(list, `${p}${name}`, new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }), name.startsWith('W') ? `weight matrix ${name.slice(0, -4)}` : `bias ${name.slice(0, -4)}`);
  }
  const npz = zipSync(Object.fromEntries(Object.entries(files).map(([n, b]) => [n, [b, { level: 0 }]])) as Parameters<typeof zipSync>[0]);
  link(list, `${p}weights.npz`, new Blob([npz as Uint8Array<ArrayBuffer>], { type: 'application/zip' }), 'every matrix and bias');
}

function showMetricLinks(): void {
  const list = $('metric-links');
  for (const slot of slots) {
    if (!slot.info) continue;
    const p = prefix(slot);
    const lines = (rows: readonly object[]) => new Blob([rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : '')], { type: 'application/x-ndjson' });
    link(list, `${p}metrics.jsonl`, lines(slot.epochs), 'one object per epoch (the last one partial when a batch limit ends it)');
    link(list, `${p}batches.jsonl`, lines(slot.points), 'one object per training batch');
    link(list, `${p}config.json`, new Blob([JSON.stringify(slot.info.config, null, 2)], { type: 'application/json' }), slot.info.backend === slot.info.config.backend ? 'the resolved run config' : `the resolved run config (this run trained on ${slot.info.backend}, which Node lacks: the file names Node's default backend)`);
  }
}

// ------------------------------------------------------------------ initial weights

let initialWeights: Record<string, Uint8Array> | undefined;

async function loadWeights(input: HTMLInputElement): Promise<void> {
  const status = $('weights-status');
  hideError('run-error');
  try {
    const files: Record<string, Uint8Array> = {};
    for (const file of Array.from(input.files ?? [])) {
      const bytes = new Uint8Array(await file.arrayBuffer());
      if (file.name.toLowerCase().endsWith('.npz')) {
        for (const [name, entry] of Object.entries(unzipSync(bytes))) if (name.endsWith('.npy')) files[name.split('/').pop() as string] = entry;
      } else files[file.name] = bytes;
    }
    if (Object.keys(files).length === 0) {
      initialWeights = undefined;
      status.textContent = 'Drawn from the seed.';
      return;
    }
    initialWeights = files;
    status.textContent = `Loaded ${Object.keys(files).sort().join(', ')}: the next Start uses them (checked against the network's sizes then).`;
  } catch (error) {
    initialWeights = undefined;
    status.textContent = 'Drawn from the seed.';
    showError('run-error', `the weights did not load: ${errorText(error)}`);
  }
}

// ------------------------------------------------------------------ status

function refresh(): void {
  const running = runningSlots();
  const anyRunning = running.some((s) => s.state === 'running');
  const anyPaused = running.some((s) => s.state === 'paused');
  // Both workers started (the second one's start would otherwise share the cores with the first run's batches).
  const ready = slots.length === 2 && slots.every((s) => s.ready) && catalog !== undefined;
  const dataReady = dataChoice !== undefined && slots[0]?.dataVersion === dataVersion;
  const problem = !ready ? 'the workers are starting' : !dataReady ? 'the data is loading' : configProblem ?? engineProblem();
  $<HTMLButtonElement>('start').disabled = running.length > 0 || problem !== undefined;
  $<HTMLButtonElement>('pause').disabled = !anyRunning;
  $<HTMLButtonElement>('resume').disabled = !anyPaused;
  $<HTMLButtonElement>('reset').disabled = running.length === 0 && !slots.some((s) => s.result);
  $<HTMLButtonElement>('get-weights').disabled = !slots.some((s) => s.hasModel && s.state !== 'running');
  $<HTMLInputElement>('compare').disabled = model() !== 'snn' || running.length > 0;
  $<HTMLInputElement>('compare').checked = isCompare();
  $('view-run').hidden = !isCompare();
  $('view-run-label').hidden = !isCompare();
  $('setup').toggleAttribute('inert', running.length > 0);
  const state = !ready ? 'loading' : anyRunning ? 'running' : anyPaused ? 'paused' : slots.some((s) => s.result) ? 'done' : 'ready';
  document.body.dataset.state = state;
  const status = $('status');
  status.textContent =
    state === 'loading' ? 'Starting the training workers…'
    : state === 'running' ? 'Training…'
    : state === 'paused' ? 'Paused.'
    : state === 'done' ? `Finished: ${slots.filter((s) => s.result).map((s) => `${s.label} ${s.result!.accuracyKind} ${pct(s.result!.accuracy)} after ${fmt(s.result!.batches)} batches`).join('; ')}.`
    : problem ? `Not ready: ${problem}.` : 'Ready: press Start.';
  renderRuns();
  viewNotes();
}

function renderRuns(): void {
  const body = $('runs').querySelector('tbody') as HTMLTableSectionElement;
  const rows = slots.filter((s) => s.info);
  body.replaceChildren(
    ...rows.map((s) => {
      const tr = document.createElement('tr');
      const st = s.status;
      const cells: (string | HTMLElement)[] = [
        s.label,
        st ? `epoch ${st.epoch} of ${st.epochs}, batch ${fmt(st.batchInEpoch)} of ${fmt(st.batchesInEpoch)} (${st.phase}); ${fmt(st.samples)} samples${s.epochs.length ? `; ${s.info!.heldOutName} ${pct(s.epochs[s.epochs.length - 1].testAccuracy)}` : ''}` : 'starting',
        st ? fmt(st.samplesPerSecond) : '—',
        st ? `${(st.macs / 1e9).toFixed(3)} G` : '—',
        implementationList(s.info!),
      ];
      for (const c of cells) {
        const td = document.createElement('td');
        td.append(c);
        tr.append(td);
      }
      return tr;
    }),
  );
}

function implementationList(info: StartedInfo): HTMLElement {
  const ul = document.createElement('ul');
  const items = [`TF.js backend: ${info.backend}${info.wasmVariant ? ` (${info.wasmVariant})` : ''}`, `kernels: ${info.config.kernels}`, ...info.implementation, `initial weights: ${info.initialWeights}`];
  for (const text of items) {
    const li = document.createElement('li');
    li.textContent = text;
    ul.append(li);
  }
  return ul;
}

function showError(id: string, text: string): void {
  const el = $(id);
  el.textContent = text;
  el.hidden = false;
}

function hideError(id: string): void {
  const el = $(id);
  el.hidden = true;
  el.textContent = '';
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// ------------------------------------------------------------------ wiring

function wire(): void {
  $<HTMLSelectElement>('model').value = model();
  $<HTMLSelectElement>('model').addEventListener('change', (e) => {
    const m = (e.target as HTMLSelectElement).value;
    // Options of another family do not carry over.
    const keep = new Set(['data', 'split', 'backend', 'kernels', 'threads', 'seed', 'epochs', 'train-limit', 'test-limit', 'shuffle', 'batches', 'compare', 'row']);
    for (const k of [...values.keys()]) if (!keep.has(k)) values.delete(k);
    if (m !== 'snn') values.set('model', m);
    renderFamilyOptions();
    writeAddress();
    scheduleResolve();
    refresh();
  });
  for (const c of COMMON) {
    const el = $<HTMLInputElement>(c.id);
    el.addEventListener('change', () => {
      const fallback = commonDefault(c.field);
      const raw = c.kind === 'boolean' ? String(el.checked) : el.value.trim();
      setValue(c.key, raw === '' ? fallback : raw, fallback);
    });
  }
  $<HTMLInputElement>('compare').addEventListener('change', (e) => {
    setValue('compare', (e.target as HTMLInputElement).checked ? '1' : '0', '0');
    renderFamilyOptions();
    if (isCompare() && dataChoice) ensureData(slots[1]).catch((error) => showError('data-error', errorText(error)));
  });
  $<HTMLSelectElement>('backend').addEventListener('change', (e) => {
    setValue('backend', (e.target as HTMLSelectElement).value, 'wasm');
    renderEngine();
  });
  $<HTMLSelectElement>('kernels').addEventListener('change', (e) => {
    setValue('kernels', (e.target as HTMLSelectElement).value, 'wasm');
    renderEngine();
  });
  $<HTMLInputElement>('threads').addEventListener('change', (e) => {
    const n = Number((e.target as HTMLInputElement).value);
    setValue('threads', Number.isInteger(n) && n >= 1 ? String(n) : '1', '1');
    // The TF.js WASM thread count is fixed when its backend starts: start fresh workers.
    for (const s of slots) s.worker.terminate();
    for (const s of [...slots]) startWorker(s.index);
    if (dataChoice) for (const s of isCompare() ? slots : [slots[0]]) ensureData(s).catch((error) => showError('data-error', errorText(error)));
    refresh();
  });
  for (const kind of ['embedded', 'mnist', 'nettalk'] as const) {
    $<HTMLInputElement>(`data-${kind}`).addEventListener('change', () => {
      setValue('data', kind, 'embedded');
      if (kind === 'embedded') void chooseData('embedded');
      else $('data-summary').textContent = `Choose the files, then "Load the chosen files".`;
    });
  }
  $('load-data').addEventListener('click', () => {
    const kind = (document.querySelector('input[name="data"]:checked') as HTMLInputElement).value as 'embedded' | 'mnist' | 'nettalk';
    void chooseData(kind);
  });
  for (const [id, kind] of [['mnist-files', 'mnist'], ['nettalk-files', 'nettalk']] as const) {
    $(id).addEventListener('change', () => {
      $<HTMLInputElement>(`data-${kind}`).checked = true;
      setValue('data', kind, 'embedded');
      void chooseData(kind);
    });
  }
  $('weights-files').addEventListener('change', (e) => void loadWeights(e.target as HTMLInputElement));
  $('clear-weights').addEventListener('click', () => {
    initialWeights = undefined;
    $<HTMLInputElement>('weights-files').value = '';
    $('weights-status').textContent = 'Drawn from the seed.';
  });
  $('start').addEventListener('click', () => void start());
  $('pause').addEventListener('click', () => runningSlots().forEach((s) => s.worker.postMessage({ type: 'pause' } satisfies ToWorker)));
  $('resume').addEventListener('click', () => runningSlots().forEach((s) => s.worker.postMessage({ type: 'resume' } satisfies ToWorker)));
  $('reset').addEventListener('click', () => {
    for (const s of runningSlots()) {
      s.resetting = true;
      s.worker.postMessage({ type: 'stop' } satisfies ToWorker);
    }
    for (const s of slots) Object.assign(s, { result: undefined, info: undefined, status: undefined, hasModel: false, epochs: [], points: [] });
    clearInterval(viewTimer);
    charts.reset([], []);
    clearLinks();
    $('result').textContent = '';
    refresh();
  });
  $('get-weights').addEventListener('click', () => slots.filter((s) => s.hasModel).forEach(requestWeights));
  $('raster-row').addEventListener('change', () => {
    values.set('row', String(rasterRow()));
    if (rasterRow() === 0) values.delete('row');
    writeAddress();
    const slot = viewedSlot();
    if (slot.hasModel) slot.worker.postMessage({ type: 'views', want: { raster: rasterRow() } } satisfies ToWorker);
  });
  $('fields-change').addEventListener('change', () => {
    const slot = viewedSlot();
    if (slot.hasModel) slot.worker.postMessage({ type: 'views', want: { fields: true, fieldsChange: fieldsChange() } } satisfies ToWorker);
  });
  $('view-run').addEventListener('change', () => {
    const slot = viewedSlot();
    if (slot.hasModel) slot.worker.postMessage({ type: 'views', want: { fields: true, fieldsChange: fieldsChange(), factors: true, raster: rasterRow() } } satisfies ToWorker);
  });
  const row = Number(values.get('row'));
  if (Number.isInteger(row) && row > 0) $<HTMLInputElement>('raster-row').value = String(row);
  const data = values.get('data');
  if (data === 'mnist' || data === 'nettalk') {
    $<HTMLInputElement>(`data-${data}`).checked = true;
    $('data-summary').textContent = 'Your files cannot travel in the address: choose them again, or the embedded subset.';
  }
}

wire();
startWorker(0);
startWorker(1);
refresh();

// ?autorun=1: start as soon as the workers and the data are ready.
if (autorun) {
  const poll = window.setInterval(() => {
    if (!$<HTMLButtonElement>('start').disabled) {
      clearInterval(poll);
      void start();
    }
  }, 50);
}
