/** The language picker shown in both pages' headers. */
import { useT, type Lang } from './i18n.js';

export function LanguageSwitch() {
  const { lang, setLang, t } = useT();
  return (
    <label className="lang">
      <span className="sr-only">{t('language')}</span>
      <select value={lang} onChange={(e) => setLang(e.target.value as Lang)} aria-label={t('language')}>
        <option value="zh-CN">中文</option>
        <option value="en">English</option>
      </select>
    </label>
  );
}
