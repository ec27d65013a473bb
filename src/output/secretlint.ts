import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';

/** One finding of secretlint's recommended rules: where, and which rule; never the matched text. */
export interface SecretlintFinding {
  readonly line: number;
  /** e.g. `@secretlint/secretlint-rule-anthropic` */
  readonly rule: string;
  /** e.g. `ANTHROPIC_API_KEY`: what the rule says it found. */
  readonly messageId: string;
}

export interface SecretlintSource {
  readonly name: string;
  readonly content: string;
}

/** A scan posted to the scanner thread; `wait()` blocks until its findings are back. */
export interface PendingScan {
  wait(): SecretlintFinding[][];
  /** When synth fails before it needs the findings. */
  cancel(): void;
}

/** Generous: loading the rules takes a tenth of a second; a scan of a config, milliseconds. */
const SCAN_TIMEOUT_MS = 60_000;
/** The scanner thread ends after this long without work, so that test runners and library hosts do not keep it. */
const IDLE_MS = 2_000;

/*
 * secretlint is an ES module with an asynchronous API, and synth is synchronous (cdk8s runs the app
 * as a plain script; every caller of synthesizeProject is synchronous). The rules run in a worker
 * thread; the caller posts a scan and blocks on a shared flag until the findings are back. The
 * thread starts with the first scan and is reused until idle.
 *
 * The worker is given as source text (no file of ours to locate from a bundle), imports the two
 * packages by the URLs resolved here, and turns secretlint's own line-level directive off: a
 * comment `secretlint-disable` anywhere in the text would otherwise silence the rest of the file.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
let rules;
async function load() {
  if (!rules) {
    const [{ lintSource }, { creator }, { secretLintProfiler }] = await Promise.all([import(workerData.core), import(workerData.preset), import(workerData.profiler)]);
    const config = {
      rules: [{ id: creator.meta.id, rule: creator, rules: [{ id: '@secretlint/secretlint-rule-filter-comments', disabled: true }] }],
    };
    rules = { lintSource, config, profiler: secretLintProfiler };
  }
  return rules;
}
/**
 * secretlint's profiler keeps every mark the thread ever made and searches them all at each new one: a
 * thread that scans many times (a library host, a test run) slows down with every scan and holds them all.
 * The marks of finished scans are dropped; those of the last one may arrive after it (the observer is
 * asynchronous) and go with the next.
 */
let forgetting = Promise.resolve();
async function forgetProfile(profiler) {
  try {
    await new Promise((resolve) => setImmediate(resolve));
    await profiler.getEntries();
    if (Array.isArray(profiler.entries)) profiler.entries.length = 0;
    if (Array.isArray(profiler.measures)) profiler.measures.length = 0;
  } catch {
    // Only bookkeeping: a profiler of another shape is left as it is.
  }
}
parentPort.on('message', async ({ id, sources, flag, port, retained }) => {
  if (retained) {
    const { profiler } = await load();
    await forgetting;
    await new Promise((resolve) => setImmediate(resolve));
    port.postMessage({ id, retained: profiler.entries.length });
    const signal = new Int32Array(flag);
    Atomics.store(signal, 0, 1);
    Atomics.notify(signal, 0);
    return;
  }
  let reply;
  try {
    const { lintSource, config } = await load();
    const results = [];
    for (const source of sources) {
      const result = await lintSource({
        source: { filePath: source.name, content: source.content, ext: '', contentType: 'text' },
        options: { config, maskSecrets: true, noPhysicFilePath: true },
      });
      results.push(result.messages.map((m) => ({ line: m.loc.start.line, rule: m.ruleId, messageId: m.messageId })));
    }
    reply = { id, results };
  } catch (e) {
    reply = { id, error: String((e && e.message) || e) };
  }
  port.postMessage(reply);
  const signal = new Int32Array(flag);
  Atomics.store(signal, 0, 1);
  Atomics.notify(signal, 0);
  if (rules) await (forgetting = forgetProfile(rules.profiler));
});
`;

let scanner: { worker: Worker; pending: number; idle?: NodeJS.Timeout } | undefined;
let nextId = 0;

function startScanner(): Worker {
  if (scanner) {
    if (scanner.idle) clearTimeout(scanner.idle);
    scanner.idle = undefined;
    scanner.pending++;
    return scanner.worker;
  }
  const core = require.resolve('@secretlint/core');
  const workerData = {
    core: pathToFileURL(core).href,
    preset: pathToFileURL(require.resolve('@secretlint/secretlint-rule-preset-recommend')).href,
    // The instance core marks its work in: resolved from core, which depends on it.
    profiler: pathToFileURL(require.resolve('@secretlint/profiler', { paths: [dirname(core)] })).href,
  };
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData, stdout: true, stderr: true });
  worker.unref();
  // An error is reported through the reply; a thread that dies is replaced on the next scan.
  worker.on('error', () => undefined);
  worker.on('exit', () => {
    if (scanner?.worker === worker) scanner = undefined;
  });
  scanner = { worker, pending: 1 };
  return worker;
}

function scheduleIdleStop(): void {
  if (!scanner) return;
  scanner.pending = Math.max(0, scanner.pending - 1);
  if (scanner.pending > 0 || scanner.idle) return;
  const worker = scanner.worker;
  scanner.idle = setTimeout(() => {
    if (scanner?.worker === worker) scanner = undefined;
    void worker.terminate();
  }, IDLE_MS);
  scanner.idle.unref();
}

/**
 * Posts `sources` to secretlint's recommended rule set (in the scanner thread) and returns at once;
 * the findings, one list per source in order, come from `wait()`. Lets synth do its work while the
 * rules load and run on another core.
 */
export function startSecretlintScan(sources: readonly SecretlintSource[]): PendingScan {
  const worker = startScanner();
  const id = ++nextId;
  const flag = new SharedArrayBuffer(4);
  const { port1, port2 } = new MessageChannel();
  worker.postMessage({ id, sources: sources.map((s) => ({ name: s.name, content: s.content })), flag, port: port2 }, [port2]);
  let settled: SecretlintFinding[][] | undefined;
  let open = true;
  const close = () => {
    if (!open) return;
    open = false;
    port1.close();
    scheduleIdleStop();
  };
  return {
    wait() {
      if (settled) return settled;
      if (!open) throw new Error('this secretlint scan was cancelled');
      try {
        settled = awaitReply(port1, flag, id);
        return settled;
      } finally {
        close();
      }
    },
    cancel: close,
  };
}

/** secretlint's findings for each source, in order (blocking). */
export function secretlintSync(sources: readonly SecretlintSource[]): SecretlintFinding[][] {
  return startSecretlintScan(sources).wait();
}

/**
 * How many of secretlint's profiling marks the scanner thread holds (starting it if needed): for the test
 * that it forgets those of finished scans.
 */
export function secretlintRetainedMarks(): number {
  const worker = startScanner();
  const id = ++nextId;
  const flag = new SharedArrayBuffer(4);
  const { port1, port2 } = new MessageChannel();
  worker.postMessage({ id, flag, port: port2, retained: true }, [port2]);
  try {
    const outcome = Atomics.wait(new Int32Array(flag), 0, 0, SCAN_TIMEOUT_MS);
    const received = receiveMessageOnPort(port1)?.message as { id: number; retained?: number } | undefined;
    if (outcome === 'timed-out' || received?.id !== id || received.retained === undefined) throw new Error('the secret scanner (secretlint) did not answer');
    return received.retained;
  } finally {
    port1.close();
    scheduleIdleStop();
  }
}

function awaitReply(port: MessagePort, flag: SharedArrayBuffer, id: number): SecretlintFinding[][] {
  const outcome = Atomics.wait(new Int32Array(flag), 0, 0, SCAN_TIMEOUT_MS);
  const received = receiveMessageOnPort(port)?.message as { id: number; results?: SecretlintFinding[][]; error?: string } | undefined;
  if (outcome === 'timed-out' || !received || received.id !== id) {
    throw new Error(`the secret scanner (secretlint) did not answer within ${SCAN_TIMEOUT_MS / 1000} s`);
  }
  if (received.error !== undefined || !received.results) throw new Error(`the secret scanner (secretlint) failed: ${received.error}`);
  return received.results;
}
