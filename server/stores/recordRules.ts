/**
 * The limits of every stored record, decided once above both stores: openStore wraps whichever store
 * it opens (withRecordRules), so a record over a limit is refused the same way on SQLite and on
 * MongoDB, before any write, with `param_invalid` naming the API field, never a 500. The request
 * schemas (shared/) refuse the same inputs earlier; this is what holds for every other caller (the
 * CLI, jobs, a future command). MongoDB's schemas keep their own limits as a second line.
 */
import { ApiError } from '../../shared/errors.js';
import { LIMITS } from '../../shared/limits.js';
import type { AccountStore, ConversationStore, Store, TemplateStore } from './types.js';

function maxLength(field: string, value: string | undefined | null, max: number): void {
  if (typeof value === 'string' && value.length > max) throw new ApiError('param_invalid', `${field} is longer than ${max} characters`, { field });
}

function inRange(field: string, value: number | undefined, min: number, max: number): void {
  if (value !== undefined && !(Number.isFinite(value) && value >= min && value <= max)) {
    throw new ApiError('param_invalid', `${field} must be between ${min} and ${max}`, { field });
  }
}

function labels(values: string[]): void {
  if (values.length > LIMITS.label.maxCount) throw new ApiError('param_invalid', `at most ${LIMITS.label.maxCount} labels`, { field: 'label' });
  for (const label of values) maxLength('label', label, LIMITS.label.max);
}

/** The checks, by subject and write method: each receives the method's arguments and throws ApiError on a refusal. */
export const RECORD_RULES = {
  accounts: {
    upsertApp: ([app]) => {
      maxLength('identify', app.identify, LIMITS.identify.max);
      maxLength('name', app.name, LIMITS.name.max + LIMITS.identify.max);
    },
    upsertUser: ([user]) => {
      maxLength('user_id', user.userId, LIMITS.userId.max);
      maxLength('name', user.name, LIMITS.name.max);
      maxLength('image_url', user.imageUrl, LIMITS.url.max);
      inRange('device_count', user.deviceCount, 0, LIMITS.count.max);
      inRange('group_count', user.groupCount, 0, LIMITS.count.max);
    },
    createSession: ([session]) => {
      maxLength('user_id', session.userId, LIMITS.userId.max);
      maxLength('identify', session.identify, LIMITS.identify.max);
    },
    upsertAgent: ([agent]) => {
      maxLength('serv_id', agent.servId, LIMITS.servId.max);
      maxLength('name', agent.name, LIMITS.name.max);
      for (const identify of agent.identifies) maxLength('identifies', identify, LIMITS.identify.max);
      inRange('max_concurrent', agent.maxConcurrent, 0, LIMITS.maxConcurrent.max);
    },
  },
  conversations: {
    createQuestion: ([question]) => {
      maxLength('identify', question.identify, LIMITS.identify.max);
      maxLength('user_id', question.userId, LIMITS.userId.max);
      maxLength('title', question.title, LIMITS.title.max);
      labels(question.labels);
    },
    appendMessage: ([message]) => {
      maxLength('text', message.text, LIMITS.text.max);
      inRange('audio_len', message.audioLen, LIMITS.audioLen.min, LIMITS.audioLen.max);
      maxLength('client_msg_id', message.clientMsgId, LIMITS.clientMsgId.max);
    },
  },
  templates: {
    createTemplate: ([template]) => {
      maxLength('identify', template.identify, LIMITS.identify.max);
      maxLength('title', template.title, LIMITS.templateTitle.max);
    },
    createItem: ([item]) => {
      maxLength('question', item.question, LIMITS.itemQuestion.max);
      maxLength('content', item.content, LIMITS.itemContent.max);
    },
  },
} satisfies {
  accounts: Partial<{ [K in keyof AccountStore]: (args: Parameters<AccountStore[K]>) => void }>;
  conversations: Partial<{ [K in keyof ConversationStore]: (args: Parameters<ConversationStore[K]>) => void }>;
  templates: Partial<{ [K in keyof TemplateStore]: (args: Parameters<TemplateStore[K]>) => void }>;
};

/** `subject` with each ruled write method checking its arguments first (a rejected promise, as the store's own refusals are). */
function ruled<T extends object>(subject: T, rules: Record<string, (args: never) => void>): T {
  return new Proxy(subject, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (typeof value !== 'function') return value;
      const rule = typeof prop === 'string' ? rules[prop] : undefined;
      if (!rule) return value.bind(target);
      return async (...args: unknown[]) => {
        rule(args as never);
        return value.apply(target, args);
      };
    },
  });
}

/** The store with RECORD_RULES in front of its writes; reads, media, the outbox and the lifecycle pass through. */
export function withRecordRules<S extends Store>(store: S): S {
  const subjects = {
    accounts: ruled(store.accounts, RECORD_RULES.accounts),
    conversations: ruled(store.conversations, RECORD_RULES.conversations),
    templates: ruled(store.templates, RECORD_RULES.templates),
  };
  return new Proxy(store, {
    get(target, prop) {
      if (prop in subjects) return subjects[prop as keyof typeof subjects];
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
