/** Running the find specs of queries.ts: the one place a spec becomes a Mongoose query. */
import type { ClientSession, Model } from 'mongoose';
import type { QuerySpec } from './queries.js';

/** Any of our models; these helpers only run queries on them. */
export type AnyModel = Model<any, any, any, any>;

/** Filter, projection, sort, skip, limit, as lean documents (inside a transaction when given one). */
export function findAll<T>(model: AnyModel, spec: QuerySpec, session: ClientSession | null = null): Promise<T[]> {
  const query = model.find(spec.filter, spec.projection);
  if (spec.sort) query.sort(spec.sort);
  if (spec.skip) query.skip(spec.skip);
  if (spec.limit !== undefined) query.limit(spec.limit);
  if (session) query.session(session);
  return query.lean().exec() as Promise<T[]>;
}

export function findFirst<T>(model: AnyModel, spec: QuerySpec, session: ClientSession | null = null): Promise<T | null> {
  const query = model.findOne(spec.filter, spec.projection);
  if (spec.sort) query.sort(spec.sort);
  if (session) query.session(session);
  return query.lean().exec() as Promise<T | null>;
}
