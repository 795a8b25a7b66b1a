/**
 * fsyncs directories for many puts at once. A put that has linked its object asks for its
 * directory to be synced; every put that asks before that sync has started is served by it (their
 * links are all done by then, so one fsync makes all of them durable), and a put that asks while a
 * sync of the directory runs gets the next one, which starts when the running one ends. With many
 * puts in flight into one directory (a day's directory, a batch's), that is one fsync for many
 * objects instead of one each. A failed sync fails every put it served.
 */
export class DirectorySyncs {
  readonly #sync: (dir: string) => Promise<void>;
  /** Per directory, the sync that has not started yet: whoever asks now is served by it. */
  readonly #queued = new Map<string, Promise<void>>();
  /** Per directory, the sync in progress. */
  readonly #running = new Map<string, Promise<void>>();
  #calls = 0;

  constructor(sync: (dir: string) => Promise<void>) {
    this.#sync = sync;
  }

  /** Resolves once an fsync of `dir` that started after this call has succeeded. */
  sync(dir: string): Promise<void> {
    const queued = this.#queued.get(dir);
    if (queued !== undefined) return queued;
    const previous = this.#running.get(dir);
    const next = (async () => {
      // Always yields at least once (even with nothing running), so `next` is in #queued before
      // it leaves it: until this line, a caller joining it is covered by the fsync below.
      await previous?.catch(() => undefined);
      this.#queued.delete(dir);
      this.#calls++;
      const running = this.#sync(dir);
      this.#running.set(dir, running);
      try {
        await running;
      } finally {
        if (this.#running.get(dir) === running) this.#running.delete(dir);
      }
    })();
    this.#queued.set(dir, next);
    return next;
  }

  /** How many fsyncs were made (for tests). */
  get calls(): number {
    return this.#calls;
  }
}
