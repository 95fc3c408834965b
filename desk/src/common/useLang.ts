/** The page's language state: initial pick, switch, remembered choice. */
import { useMemo, useState } from 'react';
import { LANG_STORAGE_KEY, pickLanguage, translator, type Lang } from './i18n.js';

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

export function initialLanguage(): Lang {
  return pickLanguage(localStorage.getItem(LANG_STORAGE_KEY), navigator.languages ?? [navigator.language]);
}

export function rememberLanguage(lang: Lang): void {
  localStorage.setItem(LANG_STORAGE_KEY, lang);
  document.documentElement.lang = lang;
}

