/**
 * The browser origins CORS_ORIGINS admits, in the callback form of the `cors` package, so REST
 * (server/app.ts) and Socket.IO's polling transport (which runs `cors` too) admit the same ones.
 * `*` admits every origin, echoed back rather than sent as `*`; the `cors` package alone would
 * compare `*` as a literal origin.
 */
export function corsOrigin(origins: string[]): (origin: string | undefined, admit: (error: Error | null, allowed: boolean) => void) => void {
  const allowed = new Set(origins);
  return (origin, admit) => admit(null, origin !== undefined && (allowed.has('*') || allowed.has(origin)));
}
