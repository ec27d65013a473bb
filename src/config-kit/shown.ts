import { credentialShapeOf } from '../core/credential-shapes';
import { didYouMean, UserError } from '../core/errors';
import { mayQuote } from '../core/quote';

/** What a message says in place of text it does not print. */
export const NOT_SHOWN = 'the value (not shown)';

/**
 * Whether config text may be printed in a message: name-shaped (see quote.ts) and not shaped like
 * a known credential, as such or base64-encoded.
 */
export function showable(text: string, maxLength?: number): boolean {
  return mayQuote(text, maxLength) && !credentialShapeOf(text) && !credentialShapeOf(Buffer.from(text, 'base64').toString('utf8'));
}

/** `"text"` when it may be printed, else `the value (not shown)`. */
export function shown(text: string, maxLength?: number): string {
  return showable(text, maxLength) ? JSON.stringify(text) : NOT_SHOWN;
}

/** Names defined in the config, as a list a fix may offer: the ones that may be printed, and how many others there are. */
export function shownNames(names: readonly string[]): string {
  const printable = names.filter((name) => showable(name));
  const hidden = names.length - printable.length;
  return [...printable, ...(hidden > 0 ? [`${hidden} more not shown`] : [])].join(', ');
}

/**
 * Refuses an environment the config does not define. `--env` may have received a value meant for
 * another option (a credential): it is named, and a close name offered, only when shaped like a name.
 */
export function requireEnvironment(names: readonly string[], environment: string): void {
  if (names.includes(environment)) return;
  const suggestion = showable(environment) ? didYouMean(environment, names) : undefined;
  const named = showable(environment) ? ` ${JSON.stringify(environment)}` : ' (the value given is not shown: it is not shaped like a name)';
  throw new UserError(`unknown environment${named}${suggestion ? `; did you mean "${suggestion}"?` : ''} (environments: ${shownNames(names)})`);
}
