/** See loop-gaps.mjs. */
export function watchLoopGaps(kind: string, into: string[], onTick?: (now: number) => void): () => void;
