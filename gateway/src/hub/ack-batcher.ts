/**
 * The hub's end-to-end acknowledgements: the ids of stored (or duplicate, or invalid) messages
 * go back to each school on `<prefix>/<site>/ack` as `{"ids":[…]}`, batched per site for up to
 * 50 ms or 200 ids, on whichever of the hub's connections is up.
 */
export interface AckBatcher {
  ack(site: string, id: unknown): void;
  flush(): void;
  /** Drops the timer (the pending ids are lost: the gateways resend them). */
  cancel(): void;
}

export function createAckBatcher(
  options: { topicPrefix: string; enabled: boolean },
  deps: { publish(topic: string, payload: string): void },
): AckBatcher {
  const pending = new Map<string, string[]>();
  let timer: NodeJS.Timeout | undefined;

  function flush(): void {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    for (const [site, ids] of pending) deps.publish(`${options.topicPrefix}/${site}/ack`, JSON.stringify({ ids }));
    pending.clear();
  }

  return {
    ack(site, id) {
      if (!options.enabled || typeof id !== 'string' || id.length === 0 || id.length > 200) return;
      const list = pending.get(site) ?? [];
      list.push(id);
      pending.set(site, list);
      if (list.length >= 200) flush();
      else timer ??= setTimeout(flush, 50);
    },
    flush,
    cancel() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
}
