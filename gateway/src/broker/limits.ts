/**
 * The per-client publish rate: a token bucket per device, internal user or (anonymous) client
 * id. The broker's other limits live where aedes lets them in: the packet-size guard in
 * aedes-internals.ts, the bounded session queues in session-persistence.ts.
 */

export interface TokenBucket {
  /** Takes one token; false when the bucket is empty. */
  take(): boolean;
}

/** `ratePerSecond` tokens per second, holding at most `burst`. */
export function createTokenBucket(ratePerSecond: number, burst: number, now: () => number = Date.now): TokenBucket {
  let tokens = burst;
  let last = now();
  return {
    take() {
      const t = now();
      // max(0, …): a wall clock stepped back (NTP) must not drive the bucket negative for that long.
      tokens = Math.min(burst, tokens + (Math.max(0, t - last) * ratePerSecond) / 1000);
      last = t;
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
  };
}

/**
 * Token buckets by key (`ratePerSecond`, burst = one second's worth), the least recently
 * used forgotten first beyond `maxBuckets`.
 */
export function createBucketTable(ratePerSecond: number, maxBuckets: number, now: () => number = Date.now): (key: string) => TokenBucket {
  const buckets = new Map<string, TokenBucket>();
  return (key) => {
    let bucket = buckets.get(key);
    if (bucket) {
      buckets.delete(key); // re-insert: Map order = least recently used first
    } else {
      bucket = createTokenBucket(ratePerSecond, ratePerSecond, now);
      while (buckets.size >= maxBuckets) {
        const oldest = buckets.keys().next().value;
        if (oldest === undefined) break;
        buckets.delete(oldest);
      }
    }
    buckets.set(key, bucket);
    return bucket;
  };
}
