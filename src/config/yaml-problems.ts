import { isAlias, visit, type Document, type LineCounter, type Node, type YAMLError, type YAMLWarning } from 'yaml';
import type { ConfigProblem } from '../core/errors';
import { mayQuote } from '../core/quote';

/**
 * What goes wrong in the YAML of a config before its content is looked at, said the way a user
 * fixes it: one message for a syntax error (the parser's first complaint usually causes the
 * others), tags refused, aliases that expand too far.
 */

/** The explicit tags that only restate what plain YAML means; any other (`!secret`, `!!js/function`, `!!binary`) is refused. */
const PLAIN_TAGS: ReadonlySet<string> = new Set(['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map((t) => `tag:yaml.org,2002:${t}`));

/** The first syntax error, with its line and the likely fix. */
export function syntaxProblem(errors: readonly YAMLError[], text: string, lineCounter: LineCounter): ConfigProblem {
  const first = [...errors].sort((a, b) => a.pos[0] - b.pos[0])[0];
  const line = lineCounter.linePos(first.pos[0]).line;
  const layout = line === undefined ? undefined : indentationProblem(text, line);
  if (layout) return { path: '', line: layout.line, message: `YAML syntax: ${layout.message}`, fix: layout.fix };
  return { path: '', line, message: `YAML syntax: ${parserMessage(first)}`, fix: syntaxFix(first) };
}

/** Explicit tags, and whatever else the parser warns about, each with its line. */
export function tagProblems(doc: Document, lineCounter: LineCounter): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const lineOf = (offset: number | undefined) => (offset === undefined ? undefined : lineCounter.linePos(offset).line);
  visit(doc, {
    Node(_key, node) {
      const tag = (node as Node).tag;
      if (tag !== undefined && !PLAIN_TAGS.has(tag)) {
        problems.push({
          path: '',
          line: lineOf((node as Node).range?.[0]),
          message: `the YAML tag ${displayTag(tag)} is not supported`,
          fix: 'remove it: the config holds plain strings, numbers, booleans, lists and mappings, and nothing is constructed from it',
        });
      }
    },
  });
  const tagged = new Set(problems.map((p) => p.line));
  for (const warning of doc.warnings as YAMLWarning[]) {
    const line = lineOf(warning.pos[0]);
    if (warning.code === 'TAG_RESOLVE_FAILED' && tagged.has(line)) continue;
    problems.push({ path: '', line, message: `YAML: ${parserMessage(warning)}`, fix: syntaxFix(warning) });
  }
  return problems;
}

/** An alias error of the conversion to data: the line of the alias at fault (or the first one), and what to do. */
export function aliasProblem(doc: Document, lineCounter: LineCounter, error: Error): ConfigProblem {
  const unresolved = /^Unresolved alias[^:]*: (.*)$/.exec(error.message.split('\n')[0])?.[1];
  let offset: number | undefined;
  visit(doc, {
    Alias(_key, node) {
      if (unresolved !== undefined && node.source !== unresolved) return undefined;
      offset = node.range?.[0];
      return visit.BREAK;
    },
  });
  const line = offset === undefined ? undefined : lineCounter.linePos(offset).line;
  if (unresolved !== undefined) {
    const name = mayQuote(unresolved, 40) ? `*${unresolved}` : '(not shown)';
    return { path: '', line, message: `YAML: the alias ${name} has no anchor before it`, fix: 'define the anchor (&name) before its alias (*name), or write the value out' };
  }
  if (/resource exhaustion|Excessive alias/i.test(error.message)) {
    return {
      path: '',
      line,
      message: 'YAML aliases (*name) expand into too much data: the file repeats an anchor that itself repeats anchors (a "billion laughs" pattern)',
      fix: 'write the repeated parts out, or use fewer nested aliases',
    };
  }
  return { path: '', line, message: 'YAML: an alias (*name) cannot be resolved', fix: 'define the anchor (&name) before its alias (*name), or write the value out' };
}

/** Whether the document holds an alias at all (conversion errors come from aliases). */
export function hasAlias(doc: Document): boolean {
  let found = false;
  visit(doc, {
    Node(_key, node) {
      if (isAlias(node)) {
        found = true;
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return found;
}

function displayTag(tag: string): string {
  const short = tag.startsWith('tag:yaml.org,2002:') ? `!!${tag.slice('tag:yaml.org,2002:'.length)}` : tag;
  return mayQuote(short.replace(/^!+/, ''), 40) ? short : '(a tag, not shown)';
}

/** The parser's own words, without the position (the problem carries the line) or the excerpt. */
function parserMessage(error: YAMLError): string {
  const message = error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
  return /call stack/i.test(message) ? 'the document is nested too deeply' : message;
}

function syntaxFix(error: YAMLError): string {
  if (/end with an? [\]}]|missing closing|closing quote/i.test(error.message)) return 'close the bracket or quotation mark opened here or on a line above';
  switch (error.code) {
    case 'TAB_AS_INDENT':
      return 'indent with spaces only: YAML does not allow tabs for indentation';
    case 'BAD_INDENT':
    case 'MULTILINE_IMPLICIT_KEY':
    case 'BLOCK_AS_IMPLICIT_KEY':
      return 'check the indentation of this line and the lines above it: the keys of one mapping start in the same column, and a key with a value has no keys under it';
    case 'MISSING_CHAR':
      return 'close the bracket or quotation mark opened here or on a line above';
    case 'BAD_DQ_ESCAPE':
      return 'in double quotes "\\" starts an escape: write "\\\\", or use single quotes';
    case 'BAD_SCALAR_START':
    case 'UNEXPECTED_TOKEN':
      return 'quote the value: a value holding ": " or " #", or starting with one of @ ` | > % * & ! [ { , must be in quotes';
    case 'MULTIPLE_DOCS':
      return 'keep one YAML document: remove the "---" line and what follows it, or merge the two';
    case 'BLOCK_IN_FLOW':
      return 'inside [ ] or { } keep everything on one line, or use the indented form';
    case 'BAD_DIRECTIVE':
      return 'remove the "%" directive line';
    case 'BAD_ALIAS':
    case 'ALIAS_PROPS':
      return 'write an anchor as &name before a value and an alias as *name alone';
    default:
      return /nested too deeply|call stack/i.test(error.message) ? 'a config nests a few levels deep: is this the right file?' : 'check the YAML syntax on this line';
  }
}

interface Level {
  readonly indent: number;
  readonly line: number;
}

/** How far before the reported line an indentation finding may be (the parser reports a neighbour at times). */
const NEAR = 1;

/**
 * Finds the line whose indentation the parser tripped over, reading the file the way block YAML
 * nests: a line starts in the column of a mapping or list above it, or deeper right after a line
 * that opens one. Returns undefined when the file uses what this reading does not follow (flow
 * collections over several lines, multi-line quoted strings, several documents) or when the
 * finding comes before the reported error (the parser accepted that line, so the reading is
 * wrong there): then the parser's own message beats a guess. The parser often reports a mapping
 * where it starts, before the line out of place, so later findings are kept.
 */
export function indentationProblem(text: string, reportedLine: number): { line: number; message: string; fix: string } | undefined {
  const lines = text.split(/\r?\n/);
  const levels: Level[] = [];
  let previous: { indent: number; line: number; opensBlock: boolean } | undefined;
  let blockScalarIndent: number | undefined;
  for (let index = 0; index < lines.length; index++) {
    const number = index + 1;
    const indentation = /^[ \t]*/.exec(lines[index])![0];
    const body = lines[index].slice(indentation.length);
    if (body === '' || body.startsWith('#')) continue;
    const indent = indentation.length;
    if (blockScalarIndent !== undefined && indent > blockScalarIndent) continue;
    blockScalarIndent = undefined;
    if (indentation.includes('\t')) {
      return near(reportedLine, { line: number, message: `line ${number} is indented with a tab`, fix: 'indent with spaces only: YAML does not allow tabs for indentation' });
    }
    if (/^(---|\.\.\.|%)/.test(body) || !balanced(body)) return undefined;

    if (previous !== undefined && indent > previous.indent) {
      if (!previous.opensBlock) {
        // A deeper line after a value continues that value, unless it reads as a key: then the parser refuses it.
        if (!looksLikeKey(body)) continue;
        return near(reportedLine, {
          line: number,
          message: `lines ${previous.line} and ${number} do not line up: line ${number} (column ${indent + 1}) is indented deeper than line ${previous.line} (column ${previous.indent + 1}), which already has a value`,
          fix: 'indent the keys of one mapping to the same column, whichever of the two lines is out of place (a key with keys under it has no value of its own)',
        });
      }
      levels.push({ indent, line: number });
    } else {
      let deeper: Level | undefined;
      while (levels.length > 0 && levels[levels.length - 1].indent > indent) deeper = levels.pop();
      const outer = levels[levels.length - 1];
      if (outer === undefined || outer.indent !== indent) {
        if (previous === undefined) levels.push({ indent, line: number });
        else {
          const columns = [deeper, outer].filter((l): l is Level => l !== undefined).map((l) => `column ${l.indent + 1} (like line ${l.line})`);
          return near(reportedLine, {
            line: number,
            message: `line ${number} starts in column ${indent + 1}, which lines up with no line above it at its depth (the keys of one mapping start in the same column)`,
            fix: `indent it to ${columns.join(' or ')}${deeper ? `, or, if line ${deeper.line} is the one out of place, indent that one to column ${indent + 1}` : ''}`,
          });
        }
      }
    }

    // A list item's content ("- name: x") is a level of its own: the item's next keys line up with it.
    const item = /^(-(\s+|$))+/.exec(body);
    const contentIndent = item ? indent + item[0].length : indent;
    const content = body.slice(contentIndent - indent);
    if (item && content !== '') levels.push({ indent: contentIndent, line: number });
    const value = /^(?:"[^"]*"|'[^']*'|[^'"\s][^#]*?)\s*:(?:\s+(.*))?$/.exec(content);
    const rest = value ? (value[1] ?? '').replace(/\s+#.*$/, '').trim() : undefined;
    if (rest !== undefined && /^[|>][-+0-9]*$/.test(rest)) blockScalarIndent = contentIndent;
    const opensBlock = content === '' || (rest !== undefined && (rest === '' || /^[|>&!]/.test(rest)));
    previous = { indent: contentIndent, line: number, opensBlock };
  }
  return undefined;
}

function near<T extends { line: number }>(reportedLine: number, finding: T): T | undefined {
  return finding.line >= reportedLine - NEAR ? finding : undefined;
}

function looksLikeKey(body: string): boolean {
  return /^(-\s+)?[^\s#'"][^:#]*:(\s|$)/.test(body) || /^(-\s+)?("[^"]*"|'[^']*'):(\s|$)/.test(body);
}

/** Brackets and quotes close on the line (flow collections and quoted strings over several lines are not followed). */
function balanced(body: string): boolean {
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '#' && (i === 0 || body[i - 1] === ' ')) {
      break;
    } else if ((c === '"' || c === "'") && (i === 0 || /[\s\[{,:]/.test(body[i - 1]))) {
      quote = c;
    } else if (c === '[' || c === '{') {
      depth++;
    } else if (c === ']' || c === '}') {
      depth--;
    }
  }
  return depth === 0 && quote === undefined;
}
