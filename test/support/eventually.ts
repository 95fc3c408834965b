/**
 * Waiting on state that no event announces, with a deadline instead of a sleep: polls `check`
 * every 20 ms and resolves with its first truthy value; fails naming `what` after `ms`.
 */
type Truthy<T> = Exclude<T, false | null | undefined | 0 | ''>;

export async function eventually<T>(check: () => T | Promise<T>, what: string, ms = 10_000): Promise<Truthy<T>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value as Truthy<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
