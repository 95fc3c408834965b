/**
 * The store with every operation timed into kefu_store_operation_duration_seconds, by subject and
 * operation (the method's name: a closed set, that of server/stores/types.ts). One wrapper above
 * both backends, as withRecordRules is; failed operations are timed too.
 */
import type { Store } from '../stores/types.js';
import type { Metrics } from './index.js';

const SUBJECTS = ['accounts', 'conversations', 'templates', 'media', 'outbox', 'webhooks'] as const;

function timed<T extends object>(subject: string, target: T, metrics: Metrics): T {
  return new Proxy(target, {
    get(object, prop) {
      const value = Reflect.get(object, prop, object) as unknown;
      if (typeof value !== 'function' || typeof prop !== 'string') return value;
      return (...args: unknown[]) => {
        const end = metrics.storeOperationDuration.startTimer({ subject, operation: prop });
        try {
          const result = value.apply(object, args) as unknown;
          if (result instanceof Promise) return result.finally(end);
          end();
          return result;
        } catch (error) {
          end();
          throw error;
        }
      };
    },
  });
}

export function withOperationTimings<S extends Store>(store: S, metrics: Metrics): S {
  const subjects = Object.fromEntries(SUBJECTS.map((name) => [name, timed(name, store[name], metrics)]));
  return new Proxy(store, {
    get(target, prop) {
      if (typeof prop === 'string' && prop in subjects) return subjects[prop];
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
