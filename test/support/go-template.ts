/**
 * A small interpreter for the subset of Go's text/template (as consul-template runs it in Vault
 * Agent) that the generated environment template uses: `with`/`end`, trim markers, field chains,
 * `index`, pipes, and the `secret` and `replaceAll` functions. It follows Go's rules where they
 * matter for the template: a missing map key yields no value (or an error with
 * `missingkey=error`), `with` skips empty values, and a function that expects a string refuses a
 * missing value. It exists so tests can render the template and hand the result to a real shell.
 */

export interface RenderOptions {
  /** KV secrets by API path, as Vault returns them (`{ data: {...}, metadata }` for KV v2). */
  readonly secrets: Readonly<Record<string, Record<string, unknown>>>;
  /** consul-template's `error_on_missing_key`. @default false */
  readonly errorOnMissingKey?: boolean;
}

const MISSING = Symbol('missing');
type Value = unknown;

interface Node {
  kind: 'text' | 'action' | 'with' | 'end';
  text?: string;
  pipeline?: string;
  body?: Node[];
}

export function renderGoTemplate(template: string, options: RenderOptions): string {
  const nodes = parse(tokenize(template));
  return execute(nodes, undefined, options);
}

function tokenize(template: string): Node[] {
  const out: Node[] = [];
  const re = /\{\{(-?)\s*([\s\S]*?)\s*(-?)\}\}/g;
  let last = 0;
  let trimNext = false;
  for (const m of template.matchAll(re)) {
    let text = template.slice(last, m.index);
    if (trimNext) text = text.replace(/^\s+/, '');
    if (m[1] === '-') text = text.replace(/\s+$/, '');
    if (text) out.push({ kind: 'text', text });
    const body = m[2];
    if (body === 'end') out.push({ kind: 'end' });
    else if (body.startsWith('with ')) out.push({ kind: 'with', pipeline: body.slice(5) });
    else out.push({ kind: 'action', pipeline: body });
    trimNext = m[3] === '-';
    last = m.index! + m[0].length;
  }
  let tail = template.slice(last);
  if (trimNext) tail = tail.replace(/^\s+/, '');
  if (tail) out.push({ kind: 'text', text: tail });
  return out;
}

function parse(tokens: Node[]): Node[] {
  const root: Node[] = [];
  const stack: Node[][] = [root];
  for (const t of tokens) {
    if (t.kind === 'with') {
      const node: Node = { kind: 'with', pipeline: t.pipeline, body: [] };
      stack.at(-1)!.push(node);
      stack.push(node.body!);
    } else if (t.kind === 'end') {
      if (stack.length === 1) throw new Error('template: unexpected {{end}}');
      stack.pop();
    } else {
      stack.at(-1)!.push(t);
    }
  }
  if (stack.length !== 1) throw new Error('template: unexpected EOF (missing {{end}})');
  return root;
}

function execute(nodes: Node[], dot: Value, options: RenderOptions): string {
  let out = '';
  for (const node of nodes) {
    if (node.kind === 'text') out += node.text;
    else if (node.kind === 'action') out += print(evalPipeline(node.pipeline!, dot, options));
    else if (node.kind === 'with') {
      const value = evalPipeline(node.pipeline!, dot, options);
      if (truthy(value)) out += execute(node.body!, value, options);
    }
  }
  return out;
}

function truthy(value: Value): boolean {
  if (value === MISSING || value === undefined || value === null || value === false || value === 0 || value === '') return false;
  if (typeof value === 'object') return Object.keys(value as object).length > 0;
  return true;
}

function print(value: Value): string {
  if (value === MISSING || value === undefined || value === null) return '<no value>';
  return String(value);
}

function evalPipeline(pipeline: string, dot: Value, options: RenderOptions): Value {
  let value: Value = MISSING;
  let first = true;
  for (const command of splitPipes(pipeline)) {
    const words = words_(command);
    value = evalCommand(words, dot, options, first ? MISSING : value, !first);
    first = false;
  }
  return value;
}

function evalCommand(words: string[], dot: Value, options: RenderOptions, piped: Value, hasPiped: boolean): Value {
  const [head, ...rest] = words;
  const args = rest.map((w) => evalOperand(w, dot, options));
  if (hasPiped) args.push(piped);
  if (head === 'secret') {
    const path = args[0] as string;
    const data = options.secrets[path];
    return data === undefined ? MISSING : { Data: data };
  }
  if (head === 'index') {
    const [container, key] = args;
    if (container === MISSING || container === null || typeof container !== 'object') throw new Error(`template: index of untyped nil`);
    return Object.prototype.hasOwnProperty.call(container, key as string) ? (container as Record<string, unknown>)[key as string] : MISSING;
  }
  if (head === 'replaceAll') {
    const [from, to, s] = args;
    if (s === MISSING) throw new Error('template: invalid value; expected string');
    if (typeof s !== 'string') throw new Error(`template: wrong type for value; expected string; got ${typeof s}`);
    return s.split(from as string).join(to as string);
  }
  if (words.length === 1) return evalOperand(head, dot, options);
  throw new Error(`template: function "${head}" not defined`);
}

function evalOperand(word: string, dot: Value, options: RenderOptions): Value {
  if (word.startsWith('"')) return JSON.parse(word);
  if (word.startsWith('`')) return word.slice(1, -1);
  if (word === '.') return dot;
  if (word.startsWith('.')) {
    let value: Value = dot;
    for (const field of word.slice(1).split('.')) {
      if (value === MISSING || value === null || typeof value !== 'object') throw new Error(`template: can't evaluate field ${field}`);
      const record = value as Record<string, unknown>;
      if (Object.prototype.hasOwnProperty.call(record, field)) value = record[field];
      else if (options.errorOnMissingKey) throw new Error(`template: map has no entry for key "${field}"`);
      else value = MISSING;
    }
    return value;
  }
  throw new Error(`template: unexpected operand ${word}`);
}

function splitPipes(pipeline: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quote: string | undefined;
  for (let i = 0; i < pipeline.length; i++) {
    const c = pipeline[i];
    if (quote) {
      current += c;
      if (c === '\\' && quote === '"') current += pipeline[++i];
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === '`') {
      quote = c;
      current += c;
    } else if (c === '|') {
      parts.push(current.trim());
      current = '';
    } else current += c;
  }
  parts.push(current.trim());
  return parts;
}

function words_(command: string): string[] {
  const out: string[] = [];
  const re = /"(?:[^"\\]|\\.)*"|`[^`]*`|\S+/g;
  for (const m of command.matchAll(re)) out.push(m[0]);
  return out;
}
