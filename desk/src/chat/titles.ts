/** The list replies carry no title, so the page remembers the titles it asked with. */
const KEY = 'kefu.chat.titles';

export function rememberTitle(questionId: string, title: string): void {
  const all = readTitles();
  all[questionId] = title;
  localStorage.setItem(KEY, JSON.stringify(all));
}

export function readTitles(): Record<string, string> {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(KEY) ?? '{}');
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, string>) : {};
  } catch {
    return {};
  }
}
