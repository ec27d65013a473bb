/** One file of the synthesized output, relative to the output folder. */
export interface OutputFile {
  readonly path: string;
  readonly content: string;
}
