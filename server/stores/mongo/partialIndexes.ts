/**
 * Whether a query filter implies a partial index's filter, decided the way MongoDB's planner decides
 * it (a query may use a partial index only when every document it can match is in the index). The
 * planner's proof is syntactic and per path: an equality or a range on a path implies a range on
 * the same path with a looser bound of the same type, and any comparison implies `$exists: true`.
 * It never proves a `$type`, and it compares values only within one type (a number bound says
 * nothing about strings). This function is stricter than the planner where in doubt, never looser.
 */
type Doc = Record<string, unknown>;
type Bound = '$gt' | '$gte' | '$lt' | '$lte';

const BOUNDS = new Set(['$gt', '$gte', '$lt', '$lte']);

/** Numbers with numbers, strings with strings: the only orders the proof may use. */
function comparable(a: unknown, b: unknown): a is number | string {
  return (typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string');
}

const isOperatorObject = (value: unknown): value is Doc =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).some((key) => key.startsWith('$'));

/** The query's conditions on one path as [operator, value] pairs; a plain value is `$eq`. */
function conditions(clause: unknown): Array<[string, unknown]> {
  if (clause === undefined) return [];
  return isOperatorObject(clause) ? Object.entries(clause) : [['$eq', clause]];
}

/** Whether a value the query pins the path to satisfies `bound value`. */
function valueSatisfies(value: unknown, bound: Bound, limitValue: unknown): boolean {
  if (!comparable(value, limitValue)) return false;
  const [v, limit] = [value, limitValue as number | string];
  switch (bound) {
    case '$gt': return v > limit;
    case '$gte': return v >= limit;
    case '$lt': return v < limit;
    case '$lte': return v <= limit;
  }
}

/** Whether the single query condition `op value` implies the index condition `bound limit`. */
function conditionImpliesBound(op: string, value: unknown, bound: Bound, limit: unknown): boolean {
  if (op === '$eq') return valueSatisfies(value, bound, limit);
  if (op === '$in') return Array.isArray(value) && value.length > 0 && value.every((v) => valueSatisfies(v, bound, limit));
  if (!BOUNDS.has(op) || !comparable(value, limit)) return false;
  return boundImpliesBound(op as Bound, value, bound, limit as number | string);
}

/** Same direction only: the query's bound must be at least as tight as the index's. */
function boundImpliesBound(op: Bound, value: number | string, bound: Bound, limit: number | string): boolean {
  const lower = bound === '$gt' || bound === '$gte';
  if (lower !== (op === '$gt' || op === '$gte')) return false;
  if (lower) return bound === '$gt' && op === '$gte' ? value > limit : value >= limit;
  return bound === '$lt' && op === '$lte' ? value < limit : value <= limit;
}

function conditionImpliesExists(op: string, value: unknown): boolean {
  if (op === '$exists') return value === true;
  if (op === '$eq') return value !== null && value !== undefined;
  if (op === '$in') return Array.isArray(value) && value.length > 0 && value.every((v) => v !== null && v !== undefined);
  return BOUNDS.has(op) && value !== null;
}

/** Whether the conjunction of the query's conditions on a path implies one condition of the index's filter. */
function impliesCondition(query: Array<[string, unknown]>, op: string, value: unknown): boolean {
  if (op === '$exists') return value === true ? query.some(([q, v]) => conditionImpliesExists(q, v)) : false;
  if (BOUNDS.has(op)) return query.some(([q, v]) => conditionImpliesBound(q, v, op as Bound, value));
  if (op === '$eq') return query.some(([q, v]) => (q === '$eq' && comparable(v, value) && v === value) || (q === '$in' && Array.isArray(v) && v.length === 1 && v[0] === value));
  // $type, $ne, $regex, $not, ...: the planner proves none of them.
  return false;
}

/**
 * True when every document `queryFilter` can match satisfies `partialFilterExpression`, by the
 * planner's per-path rules. Top-level `$and` on either side is read as the conjunction it is; any
 * other top-level operator in the index's filter is never implied.
 */
export function impliesPartialFilter(queryFilter: Doc, partialFilterExpression: Doc): boolean {
  const flatten = (filter: Doc): Array<[string, unknown]> =>
    Object.entries(filter).flatMap(([key, value]) => (key === '$and' && Array.isArray(value) ? value.flatMap((inner) => flatten(inner as Doc)) : [[key, value]]));
  const query = flatten(queryFilter);
  return flatten(partialFilterExpression).every(([path, condition]) => {
    if (path.startsWith('$')) return false;
    const onPath = query.filter(([key]) => key === path).flatMap(([, clause]) => conditions(clause));
    return conditions(condition).every(([op, value]) => impliesCondition(onPath, op, value));
  });
}
