/**
 * How messages quote text that came from the user. A message carries names and locations only:
 * text is quoted back when it is short and shaped like a name or a path (words of letters and
 * digits joined by "-", "_", ".", "/", ":", "@" or single spaces), never when it could be a
 * credential pasted into the wrong place. Misjudging a name as secret costs a less helpful message; the reverse
 * would print a secret into a terminal or a CI log, so the rules lean towards hiding.
 *
 * This module imports nothing, so that errors.ts can use it (the leak guard's credential shapes
 * are checked by the callers that may import it).
 */

const NAME_SHAPE = /^[_$/]*[A-Za-z0-9]+(?:(?:[-_.\/:@]+| )[A-Za-z0-9]+)*[_/]*$/;
const SEGMENT_SEPARATORS = /[-_.\/:@ $]+/;

/** Whether `text` may appear in a message: name-shaped, at most `maxLength` characters, nothing random-looking in it. */
export function mayQuote(text: string, maxLength = 63): boolean {
  if (text.length === 0 || text.length > maxLength || !NAME_SHAPE.test(text)) return false;
  return !text.split(SEGMENT_SEPARATORS).some(looksRandom);
}

/**
 * Tokens and passwords mix letters with digits over a long run, or all three of lower case,
 * upper case and digits; names are words ("aragora-prod", "ANTHROPIC_API_KEY", "us-east-1").
 */
function looksRandom(segment: string): boolean {
  const digits = /\d/.test(segment);
  const letters = /[A-Za-z]/.test(segment);
  const mixedCase = /[a-z]/.test(segment) && /[A-Z]/.test(segment);
  if (segment.length > 32) return true;
  if (segment.length >= 12 && digits && letters) return true;
  if (segment.length >= 8 && digits && mixedCase) return true;
  // Long runs of mixed case without a word boundary ("xKpQmZrTvBnW") are not how names are written.
  if (segment.length >= 16 && mixedCase && !/^[A-Z]?[a-z]+(?:[A-Z][a-z]+)*$/.test(segment)) return true;
  return false;
}

/** `"text"` when it may be quoted, else `what` (e.g. `the value (not shown)`). */
export function quoteOr(text: string, what: string, maxLength?: number): string {
  return mayQuote(text, maxLength) ? JSON.stringify(text) : what;
}
