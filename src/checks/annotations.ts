/**
 * On a workload: the Secrets it reads that no object of the folder produces, because they are
 * created at deploy time (delivery `plain`: `aragora-secrets render --env ENV | kubectl apply --server-side -f -`).
 * Comma-separated names. It tells reviewers, and the consistency rule, where the Secret comes from.
 */
export const DEPLOY_TIME_SECRETS_ANNOTATION = 'aragora-secrets/created-at-deploy-time';
