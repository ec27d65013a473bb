/**
 * What the Aragora server's secret loader accepts (public repository an0mium/aragora,
 * `aragora/config/secrets.py` @ 02e677afda07ec8a42f0d98a37c098980128488f): which names it treats as
 * critical, when it runs in strict mode, and where a value may come from. The plan decides from these
 * facts how each environment's workload runs; the checks and SECRETS.md state them.
 */

/**
 * The loader's `CRITICAL_SECRETS`: in strict mode it refuses these from the environment (and dies at startup
 * when one is set there without a managed value). The catalog's `critical` flag defaults from this list.
 */
export const APP_CRITICAL_SECRETS: readonly string[] = [
  'ANTHROPIC_API_KEY',
  'ARAGORA_API_TOKEN',
  'ARAGORA_AUDIT_SIGNING_KEY',
  'ARAGORA_ENCRYPTION_KEY',
  'ARAGORA_JWT_SECRET',
  'ARAGORA_POSTGRES_DSN',
  'DATABASE_URL',
  'DEEPSEEK_API_KEY',
  'GEMINI_API_KEY',
  'GOOGLE_API_KEY',
  'GROK_API_KEY',
  'JWT_REFRESH_SECRET',
  'JWT_SECRET_KEY',
  'KIMI_API_KEY',
  'MISTRAL_API_KEY',
  'OPENAI_API_KEY',
  'OPENROUTER_API_KEY',
  'STRIPE_SECRET_KEY',
  'STRIPE_WEBHOOK_SECRET',
  'SUPABASE_DB_PASSWORD',
  'SUPABASE_POSTGRES_DSN',
  'SUPABASE_SERVICE_ROLE_KEY',
  'XAI_API_KEY',
];

/** Values of `ARAGORA_ENV` (compared lower-cased) that turn strict mode on when `ARAGORA_SECRETS_STRICT` is unset. */
export const STRICT_APP_ENVIRONMENTS: readonly string[] = ['production', 'prod', 'staging', 'stage'];

/** The variable the loader reads first; `true` or `false` here wins over `ARAGORA_ENV`. */
export const STRICT_OVERRIDE_VARIABLE = 'ARAGORA_SECRETS_STRICT';
export const APP_ENVIRONMENT_VARIABLE = 'ARAGORA_ENV';
/** Read only when `ARAGORA_ENV` is unset or empty. */
export const APP_ENVIRONMENT_FALLBACK_VARIABLE = 'ARAGORA_ENVIRONMENT';

/** Where the application reads a secret from: its environment, its protected files, or Secrets Manager itself. */
export type AppCustody = 'env' | 'files' | 'aws';

/** The loader's parse of `ARAGORA_SECRETS_STRICT`: on, off, or undecided (any other text, or unset). */
export function parseStrictOverride(value: string | undefined): boolean | undefined {
  const v = (value ?? '').trim().toLowerCase();
  if (['true', '1', 'yes'].includes(v)) return true;
  if (['false', '0', 'no'].includes(v)) return false;
  return undefined;
}

/** Whether the loader runs in strict mode with these variables set (undefined: unset). */
export function strictModeOf(vars: { readonly [name: string]: string | undefined }): boolean {
  const override = parseStrictOverride(vars[STRICT_OVERRIDE_VARIABLE]);
  if (override !== undefined) return override;
  const primary = vars[APP_ENVIRONMENT_VARIABLE];
  const environment = primary !== undefined && primary !== '' ? primary : (vars[APP_ENVIRONMENT_FALLBACK_VARIABLE] ?? '');
  return STRICT_APP_ENVIRONMENTS.includes(environment.trim().toLowerCase());
}

/** `strict (ARAGORA_ENV=production)`, `non-strict (ARAGORA_SECRETS_STRICT=false: <reason>)`: the mode and what sets it. */
export function describeAppMode(mode: {
  readonly environment: string;
  readonly strict: boolean;
  readonly strictOverride?: { readonly enabled: boolean; readonly reason: string };
}): string {
  const state = mode.strict ? 'strict' : 'non-strict';
  if (mode.strictOverride) return `${state} (${STRICT_OVERRIDE_VARIABLE}=${mode.strictOverride.enabled}, ${APP_ENVIRONMENT_VARIABLE}=${mode.environment}: ${mode.strictOverride.reason})`;
  return `${state} (${APP_ENVIRONMENT_VARIABLE}=${mode.environment})`;
}

/** How SECRETS.md names a custody source. */
export const CUSTODY_LABELS: Readonly<Record<AppCustody, string>> = {
  env: 'environment variable',
  files: 'protected file (ARAGORA_SECRETS_DIR)',
  aws: 'Secrets Manager, read by the app',
};

/**
 * The loader's `MANAGED_SECRETS`: the only names it reads from `ARAGORA_SECRETS_DIR` (one file each) and hydrates
 * into its environment. Another name never comes from a file; it stays an environment variable.
 */
export const APP_MANAGED_SECRETS: readonly string[] = [
  'ANTHROPIC_API_KEY', 'ARAGORA_API_TOKEN', 'ARAGORA_AUDIT_SIGNING_KEY', 'ARAGORA_ENCRYPTION_KEY', 'ARAGORA_JWT_SECRET',
  'ARAGORA_POSTGRES_DSN', 'AZURE_CLIENT_SECRET', 'DATABASE_URL', 'DEEPSEEK_API_KEY', 'ELEVENLABS_API_KEY', 'FAL_API_KEY',
  'GEMINI_API_KEY', 'GITHUB_OAUTH_CLIENT_ID', 'GITHUB_OAUTH_CLIENT_SECRET', 'GMAIL_CLIENT_ID', 'GMAIL_CLIENT_SECRET',
  'GOOGLE_API_KEY', 'GOOGLE_OAUTH_CLIENT_ID', 'GOOGLE_OAUTH_CLIENT_SECRET', 'GROK_API_KEY', 'JWT_REFRESH_SECRET',
  'JWT_SECRET_KEY', 'KIMI_API_KEY', 'MISTRAL_API_KEY', 'OPENAI_API_KEY', 'OPENROUTER_API_KEY', 'REDIS_PASSWORD',
  'REDIS_URL', 'SENTRY_DSN', 'STRIPE_PRICE_ENTERPRISE', 'STRIPE_PRICE_PROFESSIONAL', 'STRIPE_PRICE_STARTER',
  'STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET', 'SUPABASE_DB_PASSWORD', 'SUPABASE_KEY', 'SUPABASE_POSTGRES_DSN',
  'SUPABASE_PROJECT_ID', 'SUPABASE_SERVICE_ROLE_KEY', 'SUPABASE_URL', 'SUPERMEMORY_API_KEY', 'VERCEL_ORG_ID',
  'VERCEL_PROJECT_ID', 'VERCEL_TOKEN', 'XAI_API_KEY',
];

/** Where the application's protected files are mounted (`ARAGORA_SECRETS_DIR`): under `/run`, a real directory in the image, never a symlink. */
export const APP_SECRETS_DIR = '/run/aragora-secrets';
/** The uid the application image runs as (`USER aragora`, uid 1000), the owner the loader accepts besides root. */
export const APP_DEFAULT_UID = 1000;
