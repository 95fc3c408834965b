/** The page's language state: initial pick, switch, remembered choice. */
import { useMemo, useState } from 'react';
import { initialLanguage, rememberLanguage, translator, type Lang } from './i18n.js';

export function useLangState() {
  const [lang, setLangState] = useState<Lang>(() => {
    const picked = initialLanguage();
    document.documentElement.lang = picked;
    return picked;
  });
  return useMemo(
    () => ({
      lang,
      t: translator(lang),
      setLang: (next: Lang) => {
        rememberLanguage(next);
        setLangState(next);
      },
    }),
    [lang],
  );
}
