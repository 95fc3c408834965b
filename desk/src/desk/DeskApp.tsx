/** The agent desk: the sign-in form, then the desk itself for the signed-in agent. */
import { useEffect, useState } from 'react';
import { LangContext, useT } from '../common/i18n.js';
import { LanguageSwitch } from '../common/LanguageSwitch.js';
import { postPublic } from '../common/session.js';
import { useLangState } from '../common/useLang.js';
import { Desk } from './Desk.js';
import { storedIdentity, storeIdentity, type DeskIdentity } from './signIn.js';

export function DeskApp() {
  const lang = useLangState();
  const [identity, setIdentity] = useState<DeskIdentity | null>(storedIdentity);
  const [ended, setEnded] = useState(false);
  const signIn = (next: DeskIdentity | null, endedElsewhere = false) => {
    storeIdentity(next);
    setIdentity(next);
    setEnded(endedElsewhere);
  };
  return (
    <LangContext.Provider value={lang}>
      {identity ? (
        <Desk key={identity.session} identity={identity} onSignOut={(endedElsewhere) => signIn(null, endedElsewhere)} />
      ) : (
        <SignIn onSignedIn={signIn} ended={ended} />
      )}
    </LangContext.Provider>
  );
}

function SignIn({ onSignedIn, ended }: { onSignedIn: (identity: DeskIdentity) => void; ended: boolean }) {
  const { t } = useT();
  const [servId, setServId] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(ended ? t('sessionEnded') : null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    document.title = t('appDesk');
  }, [t]);

  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      const { reply, retryAfter } = await postPublic<{ session: string; serv_id: string; identifies: string[] }>('/serv/login', {
        serv_id: servId,
        password,
      });
      if (reply.status === 200) return onSignedIn({ session: reply.session, servId: reply.serv_id, identifies: reply.identifies });
      if (reply.error === 'serv_auth_failed') setError(t('wrongPassword'));
      else if (reply.error === 'rate_limited') setError(t('rateLimited', { s: retryAfter ?? 60 }));
      else setError(t('genericError', { e: reply.debug }));
    } catch (e) {
      setError(t('genericError', { e: e instanceof Error ? e.message : String(e) }));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="sign-in">
      <header className="bar">
        <h1>{t('appDesk')}</h1>
        <LanguageSwitch />
      </header>
      <form
        className="card stack"
        aria-labelledby="sign-in-heading"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <h2 id="sign-in-heading">{t('signIn')}</h2>
        <label>
          {t('agentId')}
          <input name="serv_id" autoComplete="username" value={servId} onChange={(e) => setServId(e.target.value)} required maxLength={20} />
        </label>
        <label>
          {t('password')}
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
            maxLength={20}
          />
        </label>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? t('signingIn') : t('signIn')}
        </button>
      </form>
    </main>
  );
}
