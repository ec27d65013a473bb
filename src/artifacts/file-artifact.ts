import { Construct, type IConstruct } from 'constructs';
import type { OutputFile } from '../core/output-file';

const FILE_ARTIFACT = Symbol.for('aragora-secrets.FileArtifact');

/**
 * A file beside the manifests that is not a Kubernetes object (the review report, Helm values, the
 * audit policy, Vault and cloud scripts, a workload patch), kept in the construct tree like the objects
 * so that the synthesizer finds every output in one walk (as aws-cdk-lib keeps its assets).
 */
export class FileArtifact extends Construct {
  /** Whether `x` is a FileArtifact (also across copies of this module). */
  public static isFileArtifact(x: unknown): x is FileArtifact {
    return typeof x === 'object' && x !== null && FILE_ARTIFACT in x;
  }

  /** The file artifacts under `root`, in the order they were added. */
  public static of(root: IConstruct): FileArtifact[] {
    return root.node.findAll().filter(FileArtifact.isFileArtifact);
  }

  /** Path relative to the folder of the chart (environment) it belongs to. */
  public readonly path: string;
  private readonly render: () => string;

  constructor(scope: Construct, id: string, file: { readonly path: string; readonly content: string | (() => string) }) {
    super(scope, id);
    Object.defineProperty(this, FILE_ARTIFACT, { value: true });
    this.path = file.path;
    const { content } = file;
    this.render = typeof content === 'string' ? () => content : content;
  }

  public get file(): OutputFile {
    return { path: this.path, content: this.render() };
  }
}

/** Adds `files` under `scope` as artifacts (ids from their paths, unique in a folder). */
export function addFileArtifacts(scope: Construct, files: readonly OutputFile[]): void {
  for (const file of files) new FileArtifact(scope, `File:${file.path}`, file);
}
