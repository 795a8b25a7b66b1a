export declare const CHUNK_SIZE: number;

export interface SeededArtifact {
  readonly name: string;
  readonly size: number;
  readonly contentType: string;
}

export interface SeededItem {
  readonly id: string;
  readonly occurredAt: string;
  readonly record: {
    readonly id: string;
    readonly agent: string;
    readonly durationSeconds: number;
    readonly seq: number;
  };
  readonly artifacts: readonly SeededArtifact[];
}

export declare const artifactBytes: (seed: number, itemId: string, artifact: string, size: number) => Buffer;
export declare const seededItems: (
  seed: number,
  count: number,
  bigSize: number,
  days?: number,
) => SeededItem[];
export declare const artifactDigests: (
  seed: number,
  count: number,
  bigSize: number,
  days?: number,
) => Record<string, string>;
