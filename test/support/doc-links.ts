import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';

/**
 * Relative links between Markdown pages, checked offline: the file a link names exists, and a `#fragment`
 * names a heading of the page it points to (GitHub's anchors: lower case, punctuation dropped, spaces as
 * `-`, a repeated heading gets `-1`, `-2`...). Links with a scheme (https:, mailto:) are not followed.
 */
export interface BrokenLink {
  readonly file: string;
  readonly line: number;
  readonly target: string;
  readonly problem: string;
}

/** The text of a page outside code: fenced blocks and inline code spans blanked, lines kept. */
function prose(text: string): string[] {
  let fence: string | undefined;
  return text.split('\n').map((line) => {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence) {
      if (marker && marker[0] === fence[0] && marker.length >= fence.length) fence = undefined;
      return '';
    }
    if (marker) {
      fence = marker;
      return '';
    }
    return line.replace(/(`+)[\s\S]*?\1/g, '');
  });
}

/** GitHub's anchor of a heading's text. */
export function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** Every anchor a page defines, duplicates numbered as GitHub numbers them. */
export function anchorsOf(text: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  let fence = false;
  for (const line of text.split('\n')) {
    if (/^\s*(`{3,}|~{3,})/.test(line)) fence = !fence;
    if (fence) continue;
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const base = anchorOf(heading.replace(/`/g, ''));
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

/** The relative link targets of a page, with their lines. */
export function linksOf(text: string): { line: number; target: string }[] {
  return prose(text).flatMap((line, i) =>
    [...line.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => ({ line: i + 1, target: m[1].replace(/^<|>$/g, '') })),
  );
}

export function brokenLinks(root: string, files: readonly string[]): BrokenLink[] {
  const broken: BrokenLink[] = [];
  for (const file of files) {
    const text = readFileSync(join(root, file), 'utf8');
    for (const { line, target } of linksOf(text)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
      const [path, fragment] = target.split('#', 2);
      const resolved = path ? normalize(join(dirname(file), decodeURI(path))) : file;
      const report = (problem: string) => broken.push({ file, line, target, problem });
      if (resolved.startsWith('..')) {
        report('points outside the repository');
        continue;
      }
      if (!existsSync(join(root, resolved))) {
        report(`no such file: ${relative('.', resolved)}`);
        continue;
      }
      if (fragment === undefined) continue;
      if (statSync(join(root, resolved)).isDirectory() || !resolved.endsWith('.md')) {
        report(`a #fragment on ${resolved}, which is not a Markdown page`);
        continue;
      }
      if (!anchorsOf(readFileSync(join(root, resolved), 'utf8')).has(fragment)) report(`no heading #${fragment} in ${resolved}`);
    }
  }
  return broken;
}

/** Pages no other page links to, starting from `start` (README.md): what a reader cannot reach. */
export function unreachable(root: string, files: readonly string[], start: string): string[] {
  const reached = new Set([start]);
  const queue = [start];
  while (queue.length > 0) {
    const file = queue.shift()!;
    for (const { target } of linksOf(readFileSync(join(root, file), 'utf8'))) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
      const path = target.split('#')[0];
      if (!path) continue;
      const resolved = normalize(join(dirname(file), decodeURI(path)));
      if (files.includes(resolved) && !reached.has(resolved)) {
        reached.add(resolved);
        queue.push(resolved);
      }
    }
  }
  return files.filter((file) => !reached.has(file));
}
