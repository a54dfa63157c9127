/**
 * The page: the user chooses or drops the model (and its data files), presses Fuse; the worker
 * does the work and the page shows its progress, the CLI's per-site tables, the downloads and
 * pictures of each site. No network: the worker is a blob built from inlined source.
 */
import workerSource from 'virtual:worker-source';
import { SIGNATURE_COLUMNS, SKIPPED_COLUMNS, signatureRow, skippedRow } from '../src/cli/fuse-msda-summary.js';
import type { FuseJobOptions, FuseMsdaCliReport } from '../src/web/index.js';
import type { FromWorker, ToWorker } from './messages.js';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const input = $<HTMLInputElement>('model-input');
const drop = $<HTMLDivElement>('drop');
const fuseButton = $<HTMLButtonElement>('fuse');
const progress = $<HTMLProgressElement>('progress');
const status = $<HTMLParagraphElement>('status');
const result = $<HTMLElement>('result');
let chosen: File[] = [];
let urls: string[] = [];

const worker = new Worker(URL.createObjectURL(new Blob([workerSource], { type: 'text/javascript' })));
const send = (message: ToWorker): void => worker.postMessage(message);

input.addEventListener('change', () => choose([...(input.files ?? [])]));
drop.addEventListener('dragover', (event) => {
  event.preventDefault();
  drop.classList.add('over');
});
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (event) => {
  event.preventDefault();
  drop.classList.remove('over');
  choose([...(event.dataTransfer?.files ?? [])]);
});
for (const id of ['storage', 'plugin-version', 'exact-precision']) $(id).addEventListener('change', showCommand);
fuseButton.addEventListener('click', fuse);

function modelFile(): File | undefined {
  return chosen.find((f) => f.name.toLowerCase().endsWith('.onnx')) ?? (chosen.length === 1 ? chosen[0] : undefined);
}

function outputName(): string {
  const name = modelFile()?.name ?? 'MODEL.onnx';
  return `${name.replace(/\.onnx$/i, '')}.fused.onnx`;
}

function options(): FuseJobOptions {
  return {
    outputName: outputName(),
    storage: $<HTMLSelectElement>('storage').value === 'inline' ? 'inline' : 'auto',
    pluginVersion: $<HTMLSelectElement>('plugin-version').value,
    exactPrecision: $<HTMLInputElement>('exact-precision').checked,
  };
}

function choose(files: File[]): void {
  chosen = files;
  const model = modelFile();
  const others = files.filter((f) => f !== model);
  $('chosen').textContent = model
    ? `Model: ${model.name} (${megabytes(model.size)})${others.length ? `; data files: ${others.map((f) => f.name).join(', ')}` : ''}`
    : files.length ? 'No .onnx file among the chosen files.' : '';
  fuseButton.disabled = !model;
  showCommand();
}

function showCommand(): void {
  const o = options();
  const flags = [o.storage === 'inline' ? ' --inline' : '', o.pluginVersion !== '1' ? ` --plugin-version ${o.pluginVersion}` : '', o.exactPrecision ? ' --exact-precision' : ''];
  $('command').textContent = `onnx-surgeon fuse-msda ${modelFile()?.name ?? 'MODEL.onnx'} -o ${o.outputName}${flags.join('')} --report ${o.outputName.replace(/\.onnx$/, '')}.report.json`;
}

function fuse(): void {
  const model = modelFile();
  if (!model) return;
  for (const url of urls) URL.revokeObjectURL(url);
  urls = [];
  result.hidden = true;
  fuseButton.disabled = true;
  progress.value = 0;
  status.className = '';
  status.textContent = `Reading ${model.name}...`;
  send({ type: 'fuse', model, data: chosen.filter((f) => f !== model), options: options() });
}

const PHASES = { load: 'Reading the model', fuse: 'Proving and fusing MSDA sites', encode: 'Writing the fused model' } as const;

worker.onmessage = (event: MessageEvent<FromWorker>) => {
  const message = event.data;
  if (message.type === 'progress') {
    progress.value = message.fraction;
    status.textContent = `${PHASES[message.phase]}... ${Math.round(message.fraction * 100)}%`;
  } else if (message.type === 'done') {
    progress.value = 1;
    fuseButton.disabled = false;
    status.textContent = `Done in ${(message.ms / 1000).toFixed(1)} s: ${message.report.fused} of ${message.report.sitesFound} sites fused.`;
    showResult(message);
  } else if (message.type === 'picture') {
    showPicture(message.index, message.before, message.after);
  } else {
    fuseButton.disabled = false;
    progress.value = 0;
    status.textContent = message.message; // the line the CLI prints on stderr
    status.className = 'error';
  }
};

function showResult(done: Extract<FromWorker, { type: 'done' }>): void {
  const links = $('downloads');
  links.replaceChildren(download('Download fused model', done.model, done.report.output!));
  if (done.data) links.append(download('Download external data', done.data.blob, done.data.name));
  links.append(download('Download JSON report', new Blob([done.reportJson], { type: 'application/json' }), `${done.report.output!.replace(/\.onnx$/, '')}.report.json`));
  if (done.data) links.append(note(`Save ${done.data.name} in the same folder as ${done.report.output}: the model names it.`));
  $('summary').textContent = done.summary;
  $('tables').replaceChildren(...siteTables(done.report));
  $('pictures').replaceChildren(...done.report.sites.map((site, index) => pictureSlot(site.name, site.status, index)));
  result.hidden = false;
  const first = $('pictures').querySelector('details');
  if (first) (first as HTMLDetailsElement).open = true;
}

function download(text: string, blob: Blob, name: string): HTMLAnchorElement {
  const link = document.createElement('a');
  const url = URL.createObjectURL(blob);
  urls.push(url);
  link.href = url;
  link.download = name;
  link.textContent = text;
  link.title = `${name} (${megabytes(blob.size)})`;
  return link;
}

function note(text: string): HTMLElement {
  const p = document.createElement('span');
  p.textContent = text;
  return p;
}

function siteTables(report: FuseMsdaCliReport): HTMLElement[] {
  const head = document.createElement('p');
  head.textContent = `${report.input}: ${report.sitesFound} MSDA site${report.sitesFound === 1 ? '' : 's'} found, ${report.fused} fused, ${report.skipped} skipped` +
    `${report.alreadyFused ? ` (${report.alreadyFused} already fused)` : ''}; nodes ${report.nodesBefore} -> ${report.nodesAfter}, GridSample left: ${report.gridSamplesLeft}.`;
  const out: HTMLElement[] = [head];
  const proved = report.sites.filter((s) => s.status !== 'skipped');
  if (proved.length) out.push(table('Fused sites', SIGNATURE_COLUMNS, proved.map(signatureRow)));
  for (const line of report.dimLegend ?? []) out.push(note(`${line}. `));
  const skipped = report.sites.filter((s) => s.status === 'skipped');
  if (skipped.length) out.push(table('Skipped sites', SKIPPED_COLUMNS, skipped.map(skippedRow)));
  return out;
}

function table(caption: string, columns: readonly { header: string; right?: boolean }[], rows: string[][]): HTMLTableElement {
  const element = document.createElement('table');
  element.createCaption().textContent = caption;
  const headRow = element.createTHead().insertRow();
  for (const column of columns) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = column.header;
    headRow.append(th);
  }
  const body = element.createTBody();
  for (const row of rows) {
    const tr = body.insertRow();
    row.forEach((text, i) => {
      const td = tr.insertCell();
      td.textContent = text;
      if (columns[i]!.right) td.className = 'num';
      else if (columns[i]!.header === 'status') td.className = text;
    });
  }
  return element;
}

function pictureSlot(name: string, siteStatus: string, index: number): HTMLDetailsElement {
  const details = document.createElement('details');
  details.className = 'site';
  details.dataset.index = String(index);
  const summary = document.createElement('summary');
  summary.textContent = `${name} (${siteStatus})`;
  const body = document.createElement('div');
  body.className = 'pictures';
  body.textContent = 'Drawing...';
  details.append(summary, body);
  details.addEventListener('toggle', () => {
    if (details.open && !details.dataset.drawn) {
      details.dataset.drawn = 'asked';
      send({ type: 'picture', index });
    }
  });
  return details;
}

function showPicture(index: number, before: string, after: string | undefined): void {
  const body = document.querySelector(`details.site[data-index="${index}"] .pictures`);
  if (!body) return;
  const name = body.parentElement!.querySelector('summary')!.textContent ?? '';
  body.replaceChildren(...[[before, `${name}: before fusion`], [after, `${name}: after fusion`]]
    .filter((p): p is [string, string] => Boolean(p[0]))
    .map(([svg, alt]) => picture(svg, alt)));
  body.parentElement!.dataset.drawn = 'yes';
}

function picture(svg: string, alt: string): HTMLImageElement {
  const img = document.createElement('img');
  const url = URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml' }));
  urls.push(url);
  img.src = url;
  img.alt = alt;
  return img;
}

function megabytes(bytes: number): string {
  return bytes < 1 << 20 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / (1 << 20)).toFixed(1)} MiB`;
}
