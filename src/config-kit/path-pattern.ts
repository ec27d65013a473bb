/**
 * Grammars of the path-like config fields (Vault paths and mounts, remote keys, parameter
 * prefixes). A "." or ".." segment names the same place or walks up in whatever resolves the path
 * (an HTTP client, Vault's router, a policy reader), so that what a policy grants and what is
 * read could differ from what the config says; an empty segment ("a//b") is a typo with the same
 * risk. Both are refused in every such field. Written as regular expressions so that the JSON
 * Schema carries them to editors too. This module imports nothing (schema files import it).
 */

export interface PathShape {
  /** The characters of a segment, as the inside of a character class (e.g. `A-Za-z0-9_.-`). */
  readonly characters: string;
  /** Whether a leading "/" is refused, allowed or required. @default 'refused' */
  readonly leadingSlash?: 'refused' | 'allowed' | 'required';
  /** Whether one trailing "/" is allowed ("staging/" as a prefix). @default false */
  readonly trailingSlash?: boolean;
  /** Text before the first segment (e.g. `auth/`), matched literally. @default none */
  readonly prefix?: string;
}

/** A segment that is not "." or "..": the lookahead keeps the JSON Schema pattern exact. */
const segment = (characters: string) => `(?!\\.\\.?(?:/|$))[${characters}]+`;

export function pathPattern(shape: PathShape): RegExp {
  const one = segment(shape.characters);
  const leading = { refused: '', allowed: '/?', required: '/' }[shape.leadingSlash ?? 'refused'];
  const prefix = (shape.prefix ?? '').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  return new RegExp(`^${prefix}${leading}${one}(?:/${one})*${shape.trailingSlash ? '/?' : ''}$`);
}

/** What every path message adds: the rule this module enforces. */
export const PATH_SEGMENT_RULE = 'no empty, "." or ".." segments';
