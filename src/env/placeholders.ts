/**
 * Values that are clearly not real yet: what people paste from docs and examples (`sk-ant-...`,
 * `changeme`, `<your key>`, `xxx`, `TODO`, `your-project`). Each pattern is described in words
 * so that a report can say why without printing the value.
 */
const PLACEHOLDERS: readonly { readonly pattern: RegExp; readonly why: string }[] = [
  { pattern: /\.\.\.|…/, why: 'an ellipsis, as in documentation examples' },
  { pattern: /^<.*>$|^\{\{.*\}\}$|^\$\{.*\}$/s, why: 'a template slot (<...>, {{...}} or ${...})' },
  { pattern: /\$\(/, why: 'a shell command, which dotenv files do not run' },
  { pattern: /^(change[-_ ]?me|replace[-_ ]?me|placeholder|dummy|example|secret|password|none|null|undefined|test)$/i, why: 'a stand-in word' },
  { pattern: /(^|[^a-z0-9])(TODO|FIXME|TBD)([^a-z0-9]|$)/i, why: 'a TODO marker' },
  { pattern: /(^|[^a-z0-9])x{3,}([^a-z0-9]|$)|x{8,}/i, why: "a run of x's" },
  { pattern: /(^|[^a-z0-9])your[-_ ]/i, why: 'a "your-..." stand-in' },
];

/** Why `value` looks like a placeholder, or undefined when it does not. Never returns the value. */
export function placeholderReason(value: string): string | undefined {
  const trimmed = value.trim();
  return PLACEHOLDERS.find((p) => p.pattern.test(trimmed))?.why;
}
