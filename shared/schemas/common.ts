/**
 * Parameter primitives shared by every request schema. Form bodies and query strings carry only
 * strings, JSON bodies may carry numbers, so numeric params accept both; anything else (arrays from
 * repeated params, objects from `a[b]=` or JSON) fails the schema and is answered `param_invalid`.
 */
import { z } from 'zod';
import { LIMITS } from '../limits.js';

const NO_CONTROL_CHARS = /^[^\u0000-\u001f\u007f]*$/;

/** A bounded single-line string without control characters. */
export function line(min: number, max: number) {
  return z
    .string()
    .min(min, { error: `must be at least ${min} characters` })
    .max(max, { error: `must be at most ${max} characters` })
    .regex(NO_CONTROL_CHARS, { error: 'must not contain control characters' });
}

/** Free text (messages, answers): newlines allowed, other control characters not. */
export function text(min: number, max: number) {
  return z
    .string()
    .min(min, { error: `must be at least ${min} characters` })
    .max(max, { error: `must be at most ${max} characters` })
    .regex(/^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]*$/, { error: 'must not contain control characters' });
}

/** An integer in [min, max], given as a JSON number or a decimal string. */
export function intParam(min: number, max: number) {
  return z
    .union([z.number(), z.string().regex(/^[+-]?\d{1,9}$/).transform(Number)], { error: 'must be an integer' })
    .pipe(
      z
        .number()
        .int({ error: 'must be an integer' })
        .min(min, { error: `must be between ${min} and ${max}` })
        .max(max, { error: `must be between ${min} and ${max}` }),
    );
}

/** One of the listed integers, given as a JSON number or a decimal string. */
export function intChoice<const T extends readonly number[]>(choices: T) {
  return intParam(Math.min(...choices), Math.max(...choices)).refine(
    (n): n is T[number] => choices.includes(n),
    { error: `must be one of ${choices.join(', ')}` },
  );
}

export const sessionToken = z
  .string()
  .regex(/^[A-Za-z0-9_-]{12}$/, { error: `must be ${LIMITS.sessionLength} letters or digits` });

/** A 24-hex ObjectId; upper case is accepted and normalised to lower case. */
export const objectId = z
  .string()
  .regex(/^[0-9a-fA-F]{24}$/, { error: 'must be a 24-character hex id' })
  .transform((s) => s.toLowerCase());

export const servId = line(LIMITS.servId.min, LIMITS.servId.max);
export const password = z
  .string()
  .min(LIMITS.password.min, { error: `must be at least ${LIMITS.password.min} characters` })
  .max(LIMITS.password.max, { error: `must be at most ${LIMITS.password.max} characters` });

export const identify = line(LIMITS.identify.min, LIMITS.identify.max).regex(/^[A-Za-z0-9._-]+$/, {
  error: 'must be a package name (letters, digits, dot, underscore, dash)',
});

/** User ids starting with this are kefu's own (desk sessions); no app user may take one. */
export const RESERVED_USER_PREFIX = 'kefu:';

export const userId = line(LIMITS.userId.min, LIMITS.userId.max).refine((id) => !id.startsWith(RESERVED_USER_PREFIX), {
  error: `must not start with ${RESERVED_USER_PREFIX} (reserved)`,
});

export const labelValue = line(LIMITS.label.min, LIMITS.label.max);

/** `label` on /question/new: a JSON array of strings inside a string, e.g. '["激活","安卓4.3"]'. */
export const labelList = z
  .union([z.string(), z.array(z.unknown())])
  .transform((raw, ctx) => {
    let parsed: unknown = raw;
    if (typeof raw === 'string') {
      try {
        parsed = JSON.parse(raw);
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be a JSON array of strings' });
        return z.NEVER;
      }
    }
    const result = z
      .array(labelValue)
      .max(LIMITS.label.maxCount, { error: `at most ${LIMITS.label.maxCount} labels` })
      .safeParse(parsed);
    if (!result.success) {
      ctx.addIssue({ code: 'custom', message: 'must be a JSON array of strings, each 1–50 characters' });
      return z.NEVER;
    }
    return [...new Set(result.data)];
  });

export const sort = intChoice(LIMITS.sortValues);

/** page / num / sort, the paging every list takes; the cursor is added per endpoint. */
export const paging = {
  page: intParam(LIMITS.page.min, LIMITS.page.max).default(LIMITS.page.default),
  num: intParam(LIMITS.num.min, LIMITS.num.max).default(LIMITS.num.default),
  sort: sort.default(LIMITS.sortDefault),
};

export const senderType = intChoice([1, 2] as const);
