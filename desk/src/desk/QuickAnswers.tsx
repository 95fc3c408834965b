/** Quick answers: the templates of the question's app, searchable; insert (to edit) or send as is. */
import { useEffect, useState } from 'react';
import { useT } from '../common/i18n.js';
import { unwrap, type KefuClient } from '../common/session.js';

interface Item {
  item_id: string;
  question: string;
  content: string;
  template: string;
}

async function loadItems(client: KefuClient, identify: string): Promise<Item[]> {
  const { templates } = unwrap(
    await client.request<{ templates: Array<{ template_id: string; title: string }> }>('GET', '/answer/templates', { identify }),
  );
  const pages = await Promise.all(
    templates.map(async (template) => {
      const { items } = unwrap(
        await client.request<{ items: Array<Omit<Item, 'template'>> }>('GET', `/answer/template/${template.template_id}`, { num: 50, sort: 1 }),
      );
      return items.map((item) => ({ ...item, template: template.title }));
    }),
  );
  return pages.flat();
}

export function QuickAnswers({
  client,
  identify,
  onInsert,
  onSend,
}: {
  client: KefuClient;
  /** The question's app: its templates are the quick answers. */
  identify: string;
  onInsert: (text: string) => void;
  onSend: (text: string) => void;
}) {
  const { t } = useT();
  const [open, setOpen] = useState(false);
  const [items, setItems] = useState<Item[] | null>(null);
  const [search, setSearch] = useState('');

  useEffect(() => {
    if (open && items === null) void loadItems(client, identify).then(setItems, () => setItems([]));
  }, [open, items, client, identify]);

  const needle = search.trim().toLowerCase();
  const shown = (items ?? []).filter((i) => !needle || `${i.template} ${i.question} ${i.content}`.toLowerCase().includes(needle));
  return (
    <>
      <button type="button" aria-expanded={open} aria-controls="quick-answers" onClick={() => setOpen(!open)}>
        {t('quickAnswers')}
      </button>
      {open && (
        <div id="quick-answers" className="quick-answers card" role="dialog" aria-label={t('quickAnswers')} onKeyDown={(e) => e.key === 'Escape' && setOpen(false)}>
          <div className="qa-head">
            <input type="search" aria-label={t('searchAnswers')} placeholder={t('searchAnswers')} value={search} onChange={(e) => setSearch(e.target.value)} autoFocus />
            <button type="button" onClick={() => setOpen(false)}>
              {t('close')}
            </button>
          </div>
          <ul className="plain">
            {items !== null && shown.length === 0 && <li className="muted">{t('noAnswers')}</li>}
            {shown.map((item) => (
              <li key={item.item_id} className="qa-item">
                <span className="qa-template">{item.template}</span>
                <strong>{item.question}</strong>
                <span className="qa-content">{item.content}</span>
                <span className="qa-actions">
                  <button
                    type="button"
                    onClick={() => {
                      onInsert(item.content);
                      setOpen(false);
                    }}
                  >
                    {t('insert')}
                  </button>
                  <button
                    type="button"
                    className="primary"
                    onClick={() => {
                      onSend(item.content);
                      setOpen(false);
                    }}
                  >
                    {t('send')}
                  </button>
                </span>
              </li>
            ))}
          </ul>
        </div>
      )}
    </>
  );
}
