/** The chat page's identity comes from the URL fragment, which browsers never send to a server. */
export interface ChatIdentity {
  session: string;
  userId: string;
}

/** `#session=…&user_id=…` → the identity, or null when either is missing. */
export function identityFromFragment(hash: string): ChatIdentity | null {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const session = params.get('session');
  const userId = params.get('user_id');
  return session && userId ? { session, userId } : null;
}
