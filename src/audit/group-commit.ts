/**
 * Group commit for appends to one log. While one store call for a log is in flight, the
 * appends that arrive meanwhile wait and then go together in the next call: under load,
 * one Redis round trip carries many events, and no event waits longer than one call
 * behind the one before it. Logs are independent: an append to acme never waits for
 * globex. Within a process, a log's events keep the order they were appended in.
 */
interface Pending {
  leaf: string;
  resolve(index: number): void;
  reject(error: unknown): void;
}

/** Most leaves per store call: bounds the script's arguments and one call's latency. */
export const MAX_BATCH = 256;

/**
 * @param write appends leaves to a log in one atomic call, answering the first index
 * @example
 * const append = createGroupCommit((log, leaves) => store.tlogAppend(keys.auditLog(log), leaves));
 * const index = await append('acme', leaf); // durable in the store once this resolves
 */
export function createGroupCommit(write: (log: string, leaves: string[]) => Promise<number>): (log: string, leaf: string) => Promise<number> {
  const queues = new Map<string, Pending[]>();

  function flush(log: string, queue: Pending[]): void {
    const batch = queue.splice(0, MAX_BATCH);
    if (batch.length === 0) {
      queues.delete(log);
      return;
    }
    write(
      log,
      batch.map((p) => p.leaf),
    ).then(
      (first) => {
        for (const [i, p] of batch.entries()) p.resolve(first + i);
        flush(log, queue);
      },
      (error: unknown) => {
        // The call failed as a whole: none of these leaves may be assumed written.
        for (const p of batch) p.reject(error);
        flush(log, queue);
      },
    );
  }

  return (log, leaf) =>
    new Promise<number>((resolve, reject) => {
      const queue = queues.get(log);
      if (queue) {
        queue.push({ leaf, resolve, reject });
        return;
      }
      const fresh: Pending[] = [{ leaf, resolve, reject }];
      queues.set(log, fresh);
      flush(log, fresh);
    });
}
