/** The desk's sign-in, kept in sessionStorage: it survives a reload of the tab, not the tab itself. */
export interface DeskIdentity {
  session: string;
  servId: string;
  identifies: string[];
}

const KEY = 'kefu.desk.identity';

export function storedIdentity(): DeskIdentity | null {
  try {
    const value = JSON.parse(sessionStorage.getItem(KEY) ?? 'null') as DeskIdentity | null;
    return value && typeof value.session === 'string' && typeof value.servId === 'string' ? value : null;
  } catch {
    return null;
  }
}

export function storeIdentity(identity: DeskIdentity | null): void {
  if (identity) sessionStorage.setItem(KEY, JSON.stringify(identity));
  else sessionStorage.removeItem(KEY);
}
