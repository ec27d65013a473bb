/**
 * One file of the synthesized output: every file, whoever makes it (manifests, the review report,
 * Helm values, scripts, templates), has this one type. `path` is relative to the folder it is
 * written into (the output folder, or an environment's folder while a chart collects its files).
 */
export interface OutputFile {
  readonly path: string;
  readonly content: string;
}
