/** At most `limit` promises in flight; the rest wait in order. */
export const createLimiter = (limit: number) => {
  let active = 0;
  const waiting: (() => void)[] = [];
  const next = () => {
    active--;
    waiting.shift()?.();
  };
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      return await task();
    } finally {
      next();
    }
  };
};
export type Limiter = ReturnType<typeof createLimiter>;
