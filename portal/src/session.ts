/**
 * The session lives in sessionStorage: it ends with the tab, is not shared with other tabs, and never lands in
 * localStorage where it would outlive the visit on a shared computer.
 */
export interface Session {
  token: string;
  expiresAt: string;
  holderName: string;
  noticeAccepted: boolean;
}

const KEY = 'ecert.session';

export function getSession(): Session | undefined {
  let raw: string | null = null;
  try {
    raw = sessionStorage.getItem(KEY);
  } catch {
    return undefined;
  }
  if (!raw) return undefined;
  try {
    const session = JSON.parse(raw) as Session;
    if (!session.token || Date.parse(session.expiresAt) <= Date.now()) {
      clearSession();
      return undefined;
    }
    return session;
  } catch {
    clearSession();
    return undefined;
  }
}

export function saveSession(session: Session): void {
  sessionStorage.setItem(KEY, JSON.stringify(session));
}

export function updateSession(changes: Partial<Session>): void {
  const session = getSession();
  if (session) saveSession({ ...session, ...changes });
}

export function clearSession(): void {
  try {
    sessionStorage.removeItem(KEY);
  } catch {
    // storage unavailable: nothing to clear
  }
}
