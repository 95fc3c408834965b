import assert from 'node:assert/strict';
import { formatDuration, pickLanguage, translator } from '../../desk/src/common/i18n.js';

describe('desk: languages', () => {
  it('picks the stored choice, else the first browser language it speaks, else English', () => {
    assert.equal(pickLanguage('en', ['zh-CN']), 'en');
    assert.equal(pickLanguage(null, ['zh-TW', 'en']), 'zh-CN');
    assert.equal(pickLanguage(null, ['fr', 'en-GB']), 'en');
    assert.equal(pickLanguage('de', ['fr']), 'en');
  });

  it('fills variables and speaks both languages for every notice action', () => {
    for (const lang of ['en', 'zh-CN'] as const) {
      const t = translator(lang);
      for (const action of [1, 2, 3, 4, 5, 6, 7] as const) assert.ok(t(`notice${action}`, { who: 'alice' }).length > 0);
      assert.match(t('notice1', { who: 'alice' }), /alice/);
      // A transfer names both agents.
      assert.match(t('notice7', { who: 'alice', to: 'bob' }), /alice.*bob/);
    }
    assert.equal(translator('en')('rateLimited', { s: 30 }), 'Too many attempts. Try again in 30 s.');
    assert.equal(formatDuration(125, 'en'), '2 min');
    assert.equal(formatDuration(7200, 'zh-CN'), '2 小时');
  });
});
