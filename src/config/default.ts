import type { AragoraSecretsConfig } from '../config-kit/schema';

/**
 * Why the default's staging and production environments run the application non-strict: every seed method ends in
 * environment variables, and strict mode refuses critical secrets from there (check `app-strict-mode-env-secret`).
 */
const STRICT_OFF_REASON =
  'the Kubernetes methods deliver every value as an environment variable; strict mode needs protected files or Secrets Manager';

/**
 * The embedded default: the catalog and requirement rules of the secrets-management guide,
 * with the three environments every team starts from. Used when no config file is found.
 */
export const DEFAULT_CONFIG: AragoraSecretsConfig = {
  version: 1,
  app: {
    name: 'aragora',
    image: 'ghcr.io/aragora/aragora:1.0.0',
  },
  remoteKey: 'aragora/api-keys',
  stores: {
    // The guide's ClusterSecretStore: Vault KV v2 at "secret", read through Kubernetes auth.
    'vault-backend': {
      provider: 'vault',
      kind: 'ClusterSecretStore',
      server: 'https://vault.vault.svc:8200',
      path: 'secret',
      version: 'v2',
      auth: {
        kubernetes: {
          mountPath: 'kubernetes',
          role: 'aragora-external-secrets',
          serviceAccountRef: { name: 'external-secrets', namespace: 'external-secrets' },
        },
      },
    },
  },
  features: {
    billing: false,
    googleOAuth: false,
    sso: false,
  },
  secrets: {
    ANTHROPIC_API_KEY: {
      purpose: 'Claude API access',
      required: { oneOf: 'llm-provider' },
      remote: { property: 'anthropic' },
    },
    OPENAI_API_KEY: {
      purpose: 'GPT API access',
      required: { oneOf: 'llm-provider' },
      remote: { property: 'openai' },
    },
    OPENROUTER_API_KEY: {
      purpose: 'Fallback provider',
      required: 'recommended',
      remote: { property: 'openrouter' },
    },
    SUPABASE_KEY: {
      purpose: 'Database access',
      required: { tiers: ['production'] },
      remote: { property: 'supabase' },
    },
    STRIPE_SECRET_KEY: {
      purpose: 'Billing',
      required: { feature: 'billing' },
      remote: { property: 'stripe_secret' },
    },
    STRIPE_WEBHOOK_SECRET: {
      purpose: 'Webhook verification',
      required: { feature: 'billing' },
      remote: { property: 'stripe_webhook' },
    },
    ARAGORA_JWT_SECRET: {
      purpose: 'Token signing',
      required: { tiers: ['production'] },
      generated: true,
      remote: { property: 'jwt_secret' },
    },
    GOOGLE_OAUTH_CLIENT_SECRET: {
      purpose: 'Google OAuth client secret',
      required: { feature: 'googleOAuth' },
      remote: { property: 'google_oauth_client_secret' },
    },
    ARAGORA_SSO_CLIENT_SECRET: {
      purpose: 'SSO client secret (OIDC/SAML)',
      required: { feature: 'sso' },
      remote: { property: 'sso_client_secret' },
    },
  },
  environments: {
    dev: {
      namespace: 'aragora-dev',
      tier: 'development',
      delivery: 'plain',
      workload: { replicas: 1, port: 8080, injection: 'envFrom' },
      rotation: { reloader: 'auto' },
    },
    qa: {
      namespace: 'aragora-qa',
      tier: 'staging',
      delivery: { method: 'sealed', scope: 'strict' },
      // Explicitly non-strict (ARAGORA_SECRETS_STRICT=false): the app reads its critical secrets from env here.
      workload: { replicas: 1, port: 8080, strictMode: { enabled: false, reason: STRICT_OFF_REASON } },
    },
    staging: {
      namespace: 'aragora-staging',
      tier: 'staging',
      delivery: { method: 'external', store: 'vault-backend', refreshInterval: '1h', generated: 'generator' },
      features: { billing: true },
      workload: { replicas: 2, port: 8080, strictMode: { enabled: false, reason: STRICT_OFF_REASON } },
    },
    prod: {
      namespace: 'aragora-prod',
      tier: 'production',
      // The seed's Option 4: Vault Agent renders the values into /vault/secrets/env; no Kubernetes Secret.
      delivery: {
        method: 'vault',
        role: 'aragora',
        path: 'secret/data/aragora/env',
        kvVersion: 2,
        server: {
          address: 'https://vault.vault.svc:8200',
          namespace: 'vault',
          podLabels: { 'app.kubernetes.io/name': 'vault' },
        },
        tls: { secret: 'vault-tls', caCert: '/vault/tls/ca.crt' },
        agentResources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '128Mi' } },
      },
      features: { billing: true, sso: true },
      workload: {
        replicas: 3,
        port: 8080,
        command: ['aragora', 'serve'],
        strictMode: { enabled: false, reason: STRICT_OFF_REASON },
        resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { memory: '1Gi' } },
      },
      // The AWS side of the seed (Secrets Manager, Parameter Store, ECS `secrets`, CloudTrail), synthesized
      // into dist/prod/aws/. The account and region are the seed's example values: replace them with yours.
      aws: {
        account: '123456789012',
        region: 'us-east-1',
        kms: {},
        secretsManager: {},
        // The database key as a SecureString parameter (/aragora/supabase-key); the others in aragora/api-keys.
        parameterStore: { secrets: ['SUPABASE_KEY'] },
        ecs: { cpu: 256, memory: 1024 },
        // No `eso` role: prod's values come through Vault, and a reader identity nothing uses is refused
        // (examples/aws-eso.yaml reads these secrets through an ESO `aws` store with one).
        cloudTrail: { trailName: 'secrets-audit', retentionDays: 365 },
      },
    },
  },
};
