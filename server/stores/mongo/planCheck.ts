/**
 * Reading a query plan from `explain()`: which indexes the winning plan scans and whether it scans a
 * whole collection or sorts in memory. Pure, so its reading of both plan formats (the classic
 * `inputStage` tree and the slot-based engine's `queryPlan`) is unit-tested without a server;
 * `npm run verify:mongo` applies it to every hot query on a real deployment.
 */
type Stage = { stage?: string; indexName?: string; inputStage?: Stage; inputStages?: Stage[]; queryPlan?: Stage; [key: string]: unknown };

/** What `npm run verify:mongo` reports for one plan. */
export interface PlanVerdict {
  indexes: string[];
  collectionScan: boolean;
  inMemorySort: boolean;
}

function stages(root: Stage | undefined): Stage[] {
  if (!root || typeof root !== 'object') return [];
  return [root, ...stages(root.queryPlan), ...stages(root.inputStage), ...(root.inputStages ?? []).flatMap(stages)];
}

/** The verdict on `explain().queryPlanner.winningPlan`; a blocking SORT is in memory, SORT_MERGE is not. */
export function readPlan(winningPlan: unknown): PlanVerdict {
  const all = stages(winningPlan as Stage);
  return {
    indexes: [...new Set(all.filter((s) => s.stage === 'IXSCAN' || s.stage === 'IDHACK' || s.stage === 'EXPRESS_IXSCAN').map((s) => s.indexName ?? '_id_'))],
    collectionScan: all.some((s) => s.stage === 'COLLSCAN'),
    inMemorySort: all.some((s) => s.stage === 'SORT'),
  };
}
